"""Newton's Hessian products with one and with all BLAS threads.

:func:`sksym.solvers.newton_promote` runs BLAS on one thread. This script
measures what that choice costs or saves on this machine: the Hessian of
Newton's smoothed nuclear norm (:class:`sksym.solvers._newton._SmoothedHessian`,
the dominant cost of a step) on exact-fit problems of the recovery study, and
whole Newton solves of the same problems, each with BLAS limited to one thread
and with all threads. Both are timed on an otherwise idle machine and while
one other process keeps a core busy (as a second fit, a test run or a
notebook would). The reference side of each ratio is the single thread,
measured in the same run, interleaved.

Usage::

    python benchmarks/bench_blas_threads.py
"""

import os
import platform
import subprocess
import sys
import time

import numpy as np
from sklearn.preprocessing import PolynomialFeatures

from sksym._threads import blas_limit
from sksym.groups import SE
from sksym.lie import LieDerivative, unisolvent_points
from sksym.reps import Scalar, V
from sksym.solvers import CompressedLieOperator, newton_promote
from sksym.solvers import _newton
from sksym.solvers._problem import check_problem, reduce_problem

# (m, d, n): exact fit of a degree-d polynomial in m variables from n samples, candidates SE(m)
PROBLEMS = [(10, 3, 90), (15, 2, 50), (20, 2, 40)]


def _problem(m, d, n, seed=0):
    rng = np.random.RandomState(seed)
    lib = PolynomialFeatures(d).fit(np.zeros((1, m)))
    G = SE(m)
    pts = unisolvent_points(m, d, oversample=1.0, random_state=12345)
    op = CompressedLieOperator(LieDerivative(lib, V(G), Scalar(G), points=pts))
    u = rng.normal(size=m)
    u /= np.linalg.norm(u)
    X = rng.uniform(-1, 1, size=(n, m))
    y = np.polyval(rng.rand(d + 1), X @ u)
    return lib.transform(X), y, op


def _best(fn, repeats):
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _hessian_call(theta, y, op):
    """The Hessian product of one Newton step at the problem's starting point."""
    theta, Y, alpha = check_problem(theta, y, op, 1.0)
    P = reduce_problem(theta, Y, op, alpha, True, basis="pivoted")
    C, c = _newton._wide_operator(P)
    q, r, nz = C.shape
    hessian = _newton._SmoothedHessian(C)
    U, s, Vt = np.linalg.svd(c + np.random.RandomState(1).normal(size=(q, r)),
                             full_matrices=not hessian.project)
    mu = 1e-3 * s[0]
    sq = np.hypot(s, mu)
    return (lambda: hessian(U, s, Vt, sq, mu)), (q, r, nz)


def _newton_threads(threads):
    """newton_promote with BLAS limited to ``threads`` inside (it limits to 1 by itself)."""
    original = _newton.blas_limit
    _newton.blas_limit = lambda limits: original(threads)
    return original


def measure(log, busy):
    rows = []
    for m, d, n in PROBLEMS:
        theta, y, op = _problem(m, d, n)
        call, shape = _hessian_call(theta, y, op)
        with blas_limit(1):
            call()
            t1 = min(_best(call, 3) for _ in range(2))
        with blas_limit(os.cpu_count()):
            call()
            tn = min(_best(call, 3) for _ in range(2))
        solve = {}
        for threads in (1, os.cpu_count(), 1, os.cpu_count()):
            original = _newton_threads(threads)
            try:
                t0 = time.perf_counter()
                sol = newton_promote(theta, y, op, exact_fit=True)
                dt = time.perf_counter() - t0
            finally:
                _newton.blas_limit = original
            solve[threads] = min(solve.get(threads, np.inf), dt)
        ts1, tsn = solve[1], solve[os.cpu_count()]
        rows.append((t1, tn, ts1, tsn))
        log(f"  SE({m}) d={d} n={n} (q, r, n_z = {shape}, {sol.n_iter} Newton steps){' [busy]' if busy else ''}:"
            f" Hessian {t1 * 1e3:7.1f} ms on 1 thread, {tn * 1e3:7.1f} ms on {os.cpu_count()}"
            f" (threads/1 = {tn / t1:4.2f}); solve {ts1:6.2f} s vs {tsn:6.2f} s (threads/1 = {tsn / ts1:4.2f})")
    return rows


def main():
    def log(msg=""):
        print(msg, flush=True)

    log("BLAS threads for Newton's Hessian (sksym.solvers.newton_promote runs on one thread)")
    log(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} cores; best of 3 (Hessian) or 2 (solve) timings, interleaved")
    log("")
    log("idle machine:")
    idle = measure(log, busy=False)
    log("one other process keeping a core busy:")
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        loaded = measure(log, busy=True)
    finally:
        spinner.kill()
        spinner.wait()
    log("")
    for label, rows in (("idle", idle), ("busy", loaded)):
        h = [tn / t1 for t1, tn, _, _ in rows]
        s = [tsn / ts1 for _, _, ts1, tsn in rows]
        log(f"  {label}: time with all threads / one thread: Hessian {min(h):.2f}-{max(h):.2f}, "
            f"whole solve {min(s):.2f}-{max(s):.2f} (above 1: one thread is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
