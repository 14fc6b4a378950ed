"""Work arrays kept between solves (private).

A fresh array of more than about 128 KB is mapped from the operating system
and every page of it faults on first touch; on the reference machine a small
Newton solve (ortho/T(10), degree 3: ~1 MB arrays, ~40 ms) had ~1080 such
faults, about 3 ms of kernel time alone. Newton's largest work arrays therefore come from a per-thread
workspace that keeps its buffers (each at most ``_MAX_KEPT_BYTES``, larger ones
are not kept: their solves are dominated by arithmetic) for the next solve.
A solve takes the thread's workspace and gives it back when done, so a solve
started while another runs in the same thread gets fresh buffers; arrays from
the workspace never leave the solver.
"""

import contextlib
import threading

import numpy as np

_MAX_KEPT_BYTES = 4 << 20
_LOCAL = threading.local()


class _Workspace:
    def __init__(self):
        self._buffers = {}

    def array(self, name, shape):
        """An uninitialised float array of ``shape``, reusing the buffer called ``name``."""
        size = int(np.prod(shape))
        buf = self._buffers.get(name)
        if buf is None or buf.size < size:
            buf = np.empty(size)
            if size * buf.itemsize <= _MAX_KEPT_BYTES:
                self._buffers[name] = buf
        return buf[:size].reshape(shape)


@contextlib.contextmanager
def workspace():
    """The calling thread's workspace, taken for the duration of the block."""
    ws = getattr(_LOCAL, "workspace", None) or _Workspace()
    _LOCAL.workspace = None
    try:
        yield ws
    finally:
        _LOCAL.workspace = ws
