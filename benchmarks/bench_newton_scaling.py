"""Newton's penalised certificate on badly scaled libraries: what ``converged`` is worth.

Random penalised promote problems (``sksym.solvers._random_problems``, the
review battery of the tests: 3-8 library features, 1-2 outputs, 1-4
generators, operators with columns scaled by ``1e-5..1e5``, ``alpha`` from
``1e-5`` to 1) whose library columns are scaled by ``10^+-k`` for ``k`` = 3,
5 and 7, solved by ``sksym.solvers.newton_promote`` at ``tol=1e-6`` and by
cvxpy + Clarabel at ``1e-12``, side by side in one run. A solve is *wrongly
certified* when it says ``converged`` but its objective is more than
``2 tol`` (relative) above the best of the two, more than ``1e-9``
of ``|Y|^2 / 2`` above it (objectives at the rounding level of the targets
have no relative accuracy), and more than the rounding level of evaluating
the objective (``alpha min(q, r) 8 eps`` times the size of the terms
``|A| |vec W|`` that make up ``M(W)``, ``A`` the operator: where they cancel
to nearly zero, the objective of coefficients equal to 12 digits differs by
that much; and the data term's, ``8 eps |R| || |theta| |W|^T || / n``, ``R``
the residuals: an optimum with coefficients of ``2e8`` that cancel on
columns of ``7e4`` is evaluated to ``1e-3``). Each battery runs twice: as shipped, and with
the certificate's correction of the dual variables turned off (the bound then
assumes that the Newton system was solved exactly, as before the correction
was added), so the correction's effect is measured on the same problems.
A fourth battery repeats a column of theta, exactly or to ``1e-16..1e-11``
(``sksym.solvers._random_problems.repeated_problem``): directions that (nearly)
move neither term, which the correction leaves out below ``1e-13`` of its
columns.

Then the correction's cost: penalised solves of regressor-sized problems
(``phi(u . x)`` with noise, ``PolynomialFeatures`` libraries, ``SE(m)`` or
``T(m)`` candidates, the box-measure operator that
``SymmetryPromotingRegressor`` uses), timed as shipped and with the correction
turned off, interleaved, median of 7; the operator's triangular factor is
cached on it after the first solve (as in a grid over ``alpha``), so these are
the times of later solves.

Usage: ``python benchmarks/bench_newton_scaling.py [--seeds N]`` (default
3000 problems per scale; about 2 minutes on the 2-core reference machine).
"""

import argparse
import platform
import time
import warnings

import numpy as np

import sksym
import sksym.solvers._newton as newton_module
from sksym.solvers import cvxpy_promote, newton_promote, promote_objective
from sksym.solvers._random_problems import repeated_problem, scaled_problem

from _revision import git_revision

TOL = 1e-6


def log(msg=""):
    print(msg, flush=True)


def _uncorrected(self, lam1, y):
    return lam1, y               # no correction, and no solve in orthonormal coordinates


def _timed_solve(theta, Y, op, alpha, mode):
    """Newton at ``TOL`` as shipped or with the correction off (``mode``), and its time."""
    feasible = newton_module._DataDual.feasible
    if mode == "uncorrected":
        newton_module._DataDual.feasible = _uncorrected
    try:
        t0 = time.perf_counter()
        sol = newton_promote(theta, Y, op, alpha, tol=TOL)
        return sol, time.perf_counter() - t0
    finally:
        newton_module._DataDual.feasible = feasible


def _rounding(theta, Y, op, alpha, solutions):
    """The rounding level of evaluating the objective at the largest of the
    solutions' terms: ``alpha ||M(W)||_*`` and the data term (residuals known
    to ``8 eps`` times the terms of ``theta W^T``)."""
    A = np.abs(op.tensor.reshape(-1, op.tensor.shape[2]))
    eps = 8 * np.finfo(float).eps
    level = 0.0
    for s in solutions:
        terms = float(np.linalg.norm(A @ np.abs(s.coef.ravel())))
        residual = np.linalg.norm(Y.reshape(len(Y), -1) - theta @ s.coef.T)
        data = residual * eps * float(np.linalg.norm(np.abs(theta) @ np.abs(s.coef).T)) / len(Y)
        level = max(level, alpha * min(op.n_generators, op.rank) * eps * terms + data)
    return level


def run(decades, seeds):
    counts = {"shipped": [0, 0, 0, 0.0], "uncorrected": [0, 0, 0, 0.0]}   # wrong, not converged, worst, time
    skipped = 0
    for seed in range(seeds):
        if decades is None:
            theta, Y, op, alpha = repeated_problem(seed)
        else:
            theta, Y, op, alpha, _ = scaled_problem(seed, decades)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ref = cvxpy_promote(theta, Y, op, alpha, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
            except Exception:            # Clarabel failed: no reference
                skipped += 1
                continue
            sols = {}
            # in turn first (the first solve of a problem runs on colder caches)
            for mode in (list(counts) if seed % 2 == 0 else list(counts)[::-1]):
                sols[mode], seconds = _timed_solve(theta, Y, op, alpha, mode)
                counts[mode][3] += seconds
        values = {mode: promote_objective(theta, Y, op, s.coef, alpha) for mode, s in sols.items()}
        best = min([promote_objective(theta, Y, op, ref.coef, alpha)] + list(values.values()))
        floor = max(1e-9 * 0.5 * float(np.sum(Y ** 2)), _rounding(theta, Y, op, alpha, [ref] + list(sols.values())))
        for mode, sol in sols.items():
            excess = values[mode] - best
            if not sol.converged:
                counts[mode][1] += 1
            elif excess > 2 * TOL * abs(best) and excess > floor:
                counts[mode][0] += 1
                counts[mode][2] = max(counts[mode][2], excess / abs(best))
    n = seeds - skipped
    what = ("a library column repeated, exactly or to 1e-16..1e-11" if decades is None
            else f"library columns scaled by 1e-{decades}..1e{decades}")
    log(f"{what}: {n} problems ({skipped} without a Clarabel reference)")
    for mode, (wrong, nc, worst, t) in counts.items():
        log(f"  {mode:<12} wrongly certified {wrong:4d} (worst {worst:.1e} above the best)   "
            f"not converged {nc:4d}   Newton time {t:6.1f} s")
    return counts


def _regressor_problems():
    """``(label, theta, y, operator, alpha)`` of regressor-sized penalised problems."""
    from sklearn.preprocessing import PolynomialFeatures

    from sksym.groups import SE, T
    from sksym.lie import LieDerivative
    from sksym.reps import Scalar, V
    from sksym.solvers import CompressedLieOperator

    out = []
    for m, degree, n, group, alphas in ((8, 2, 40, SE, (1e-5, 1e-3, 1e-1)), (6, 3, 200, SE, (1e-4, 1e-2)),
                                        (10, 2, 300, SE, (1e-3,)), (4, 4, 100, T, (1e-3,)),
                                        (5, 3, 1000, SE, (1e-3,)), (5, 3, 5000, SE, (1e-3,)),
                                        (5, 3, 20000, SE, (1e-3,)), (8, 2, 20000, SE, (1e-3,))):
        rng = np.random.RandomState(0)
        u = rng.normal(size=m)
        u /= np.linalg.norm(u)
        X = rng.uniform(-1, 1, size=(n, m))
        y = 0.5 + X @ u - 0.8 * (X @ u) ** 2 + 0.02 * rng.normal(size=n)
        library = PolynomialFeatures(degree).fit(X)
        op = CompressedLieOperator(LieDerivative(library, V(group(m)), Scalar(group(m))), measure="box")
        for alpha in alphas:
            out.append((f"{group.__name__}({m}) degree {degree}, n={n}", library.transform(X), y, op, alpha))
    return out


def correction_cost(reps=7):
    log("The correction's cost (ms per solve, median of 7; shipped / uncorrected):")
    for label, theta, y, op, alpha in _regressor_problems():
        times = {"shipped": [], "uncorrected": []}
        steps = {}
        for rep in range(reps):
            for mode in (list(times) if rep % 2 == 0 else list(times)[::-1]):
                sol, seconds = _timed_solve(theta, y, op, alpha, mode)
                times[mode].append(seconds)
                steps[mode] = sol.n_iter
        a, b = (1e3 * float(np.median(times[mode])) for mode in times)
        log(f"  {label:<28} alpha {alpha:.0e}: {a:6.1f} / {b:6.1f} ms  ({a / b:.2f}x; "
            f"{steps['shipped']} / {steps['uncorrected']} steps)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3000, help="problems per scale (default 3000)")
    args = parser.parse_args()
    log(__doc__.splitlines()[0])
    log(f"sksym {sksym.__version__} at {git_revision()}; python {platform.python_version()}, numpy {np.__version__}; "
        f"tol {TOL:g}, seeds 0..{args.seeds - 1}")
    log("shipped: the certificate as released; uncorrected: its dual correction turned off")
    log("")
    start = time.perf_counter()
    for decades in (3, 5, 7, None):
        run(decades, args.seeds)
    log("")
    correction_cost()
    log("")
    log(f"Total {time.perf_counter() - start:.0f} s.")


if __name__ == "__main__":
    main()
