"""What ``solver="auto"`` chooses on large promote problems, against the alternatives.

:func:`sksym.solvers.solve_promote` picks its solver by the cost of one Newton
step: Newton alone up to ``2e9`` operations, then ADMM for at most 150
iterations followed (if it has not converged) by Newton from a cold start,
up to ``1e11`` operations (``1e10`` until 2026-12-03: these measurements
moved it), and ADMM alone above that or where Newton's work arrays would be
too large. This script
times the three possibilities, side by side in one run, on penalised
regressor-sized problems around and above the Newton-alone limit: default
candidates ``SE(d)``, a quadratic library, 200 samples, ``alpha=1e-3``,
``tol=1e-6``, for a noisy target (``(x0 - x1)^2 + 0.5 x2`` plus noise of
0.02) and a noise-free one (a quadratic in ``u . x``); then cases where ADMM
alone is faster, found by a review (``alpha`` near ``1e-2``, where ADMM needs
a few hundred iterations, and exact fits of 40 samples). It prints each
solve's time, its steps, whether it converged, its objective relative to the
best of the three, and the ratios of the mix's time to the other two.

Usage::

    python benchmarks/bench_auto_solver.py [--cases 0,1]
"""

import argparse
import os
import platform
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import PolynomialFeatures

from sksym.groups import SE
from sksym.lie import LieDerivative
from sksym.reps import Scalar, V
from sksym.solvers import CompressedLieOperator, solve_promote
from sksym.solvers import _newton

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _revision import git_revision  # noqa: E402


# (d, target, alpha, exact fit, samples): the grid, then cases where ADMM alone wins
# (found by a review: alpha near 1e-2, where ADMM needs 150-600 iterations; exact fits)
CASES = ([(d, kind, 1e-3, False, 200) for d in (20, 23, 25) for kind in ("noisy", "noise-free")]
         + [(22, "noisy", 0.011, False, 200), (22, "noisy", 0.0115, False, 200),
            (22, "noisy", None, True, 40), (22, "noise-free", None, True, 40)])


def problem(d, kind, n, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n, d))
    if kind == "noisy":
        y = (X[:, 0] - X[:, 1]) ** 2 + 0.5 * X[:, 2] + 0.02 * rng.normal(size=n)
    else:
        u = rng.normal(size=d)
        u /= np.linalg.norm(u)
        s = X @ u
        y = 0.5 + s - 0.8 * s ** 2
    lib = PolynomialFeatures(2).fit(X)
    op = CompressedLieOperator(LieDerivative(lib, V(SE(d)), Scalar(SE(d))))
    return lib.transform(X), y, op


def run(theta, y, op, mode, alpha, exact_fit):
    """One solve: 'admm' alone, 'hybrid' (ADMM for at most 150 iterations, then
    Newton) or 'newton' alone."""
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if mode == "hybrid":
            limit = _newton._AUTO_NEWTON_FLOPS
            _newton._AUTO_NEWTON_FLOPS = 0.0          # never Newton alone
            try:
                sol = solve_promote(theta, y, op, alpha=alpha or 1.0, exact_fit=exact_fit, solver="auto",
                                    tol=1e-6)
            finally:
                _newton._AUTO_NEWTON_FLOPS = limit
        else:
            sol = solve_promote(theta, y, op, alpha=alpha or 1.0, exact_fit=exact_fit, solver=mode,
                                tol=1e-6)
    return sol, time.perf_counter() - t0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default=None, help="indices into CASES (default: all)")
    args = parser.parse_args(argv)
    print("bench_auto_solver: " + __doc__.split("\n")[0])
    print(f"sksym at {git_revision()}; python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} cores")
    print(f"auto today: Newton alone up to {_newton._AUTO_NEWTON_FLOPS:.0e} operations per step; "
          f"above, up to {_newton._AUTO_HYBRID_FLOPS:.0e}, ADMM ({_newton._AUTO_ADMM_ITER} it) then Newton; "
          f"ADMM alone above that or when a work array of Newton's exceeds {_newton._AUTO_NEWTON_SIZE:.0e} "
          "numbers (before 2026-12-03 ADMM ran alone above 1e10 operations)")
    print()
    t_start = time.perf_counter()
    chosen = range(len(CASES)) if args.cases is None else [int(v) for v in args.cases.split(",")]
    for d, kind, alpha, exact_fit, n in (CASES[i] for i in chosen):
        theta, y, op = problem(d, kind, n)
        flops, size = _newton._step_cost(theta, op, exact_fit)
        auto = ("admm" if size > _newton._AUTO_NEWTON_SIZE or flops > _newton._AUTO_HYBRID_FLOPS
                else "newton" if flops <= _newton._AUTO_NEWTON_FLOPS else "hybrid")
        form = f"exact fit of {n} samples" if exact_fit else f"alpha={alpha:g}, {n} samples"
        print(f"SE({d}), {kind}, {form}: K={theta.shape[1]}, q={op.n_generators}, rank={op.rank}, "
              f"{flops:.1e} operations per Newton step, work arrays of {size:.1e}; auto runs: {auto}")
        res = {mode: run(theta, y, op, mode, alpha, exact_fit) for mode in ("admm", "hybrid", "newton")}
        best = min(sol.objective for sol, _ in res.values())
        for mode, (sol, t) in res.items():
            print(f"   {mode:<7} {t:7.1f} s  {sol.n_iter:6d} it ({sol.solver} last)  converged "
                  f"{str(sol.converged):<5}  objective {(sol.objective - best) / best:+.1e} "
                  f"relative to the best")
        print(f"   hybrid / ADMM alone: {res['hybrid'][1] / res['admm'][1]:.2f}x; "
              f"hybrid / Newton alone: {res['hybrid'][1] / res['newton'][1]:.2f}x")
        print(flush=True)
    print(f"Total {time.perf_counter() - t_start:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
