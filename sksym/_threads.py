"""BLAS thread limits for the solvers (private).

``threadpoolctl.threadpool_limits`` scans the loaded libraries on every call
(about 2 ms, more than a whole small solve); one controller, created on first
use, is scanned once.
"""

import functools

from threadpoolctl import ThreadpoolController


@functools.lru_cache(maxsize=None)
def _controller():
    return ThreadpoolController()


def blas_limit(limits):
    """Context manager: BLAS uses at most ``limits`` threads inside it."""
    return _controller().limit(limits=limits, user_api="blas")
