"""BLAS thread limits for the solvers (private).

``threadpoolctl.threadpool_limits`` scans the loaded libraries on every call
(about 2 ms, more than a whole small solve), and even a controller created
once spends ~10 us per limit on bookkeeping (the libraries' full description,
kept to restore them); here the BLAS libraries are found once, and a limit
reads and sets their thread counts directly, changing only those that differ.
"""

import contextlib
import functools

from threadpoolctl import ThreadpoolController


@functools.lru_cache(maxsize=None)
def _blas_libraries():
    return tuple(lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas")


@contextlib.contextmanager
def blas_limit(limits):
    """Context manager: BLAS uses at most ``limits`` threads inside it (the
    libraries loaded when it is first used), and what it used before after it."""
    changed = []
    try:
        for lib in _blas_libraries():
            before = lib.get_num_threads()
            if before is not None and before != limits:
                lib.set_num_threads(limits)
                changed.append((lib, before))
        yield
    finally:
        for lib, before in reversed(changed):
            lib.set_num_threads(before)
