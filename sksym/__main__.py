"""Entry point of ``python -m sksym``."""

import sys

from ._tour import main

sys.exit(main())
