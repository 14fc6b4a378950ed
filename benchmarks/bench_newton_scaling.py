"""Newton's penalised certificate on badly scaled libraries: what ``converged`` is worth.

Random penalised promote problems (``sksym.solvers._random_problems``, the
review battery of the tests: 3-8 library features, 1-2 outputs, 1-4
generators, operators with columns scaled by ``1e-5..1e5``, ``alpha`` from
``1e-5`` to 1) whose library columns are scaled by ``10^+-k`` for ``k`` = 3,
5 and 7, solved by ``sksym.solvers.newton_promote`` at ``tol=1e-6`` and by
cvxpy + Clarabel at ``1e-12``, side by side in one run. A solve is *wrongly
certified* when it says ``converged`` but its objective is more than
``2 tol`` (relative) above the best of the two, and more than ``1e-9``
of ``|Y|^2 / 2`` above it (objectives at the rounding level of the targets
have no relative accuracy). Each battery runs twice: as shipped, and with
the certificate's correction of the dual variables turned off (the bound then
assumes that the Newton system was solved exactly, as before the correction
was added), so the correction's effect is measured on the same problems.

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
from sksym.solvers._random_problems import scaled_problem

from _revision import git_revision

TOL = 1e-6


def log(msg=""):
    print(msg, flush=True)


def _uncorrected(self, lam1, y, tolerated=0.0):
    return lam1, y, False        # no correction, and no solve in orthonormal coordinates


def run(decades, seeds):
    counts = {"shipped": [0, 0, 0, 0.0], "uncorrected": [0, 0, 0, 0.0]}   # wrong, not converged, worst, time
    skipped = 0
    for seed in range(seeds):
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
                feasible = newton_module._DataDual.feasible
                if mode == "uncorrected":
                    newton_module._DataDual.feasible = _uncorrected
                try:
                    t0 = time.perf_counter()
                    sols[mode] = newton_promote(theta, Y, op, alpha, tol=TOL)
                    counts[mode][3] += time.perf_counter() - t0
                finally:
                    newton_module._DataDual.feasible = feasible
        values = {mode: promote_objective(theta, Y, op, s.coef, alpha) for mode, s in sols.items()}
        best = min([promote_objective(theta, Y, op, ref.coef, alpha)] + list(values.values()))
        floor = 1e-9 * 0.5 * float(np.sum(Y ** 2))
        for mode, sol in sols.items():
            excess = values[mode] - best
            if not sol.converged:
                counts[mode][1] += 1
            elif excess > 2 * TOL * abs(best) and excess > floor:
                counts[mode][0] += 1
                counts[mode][2] = max(counts[mode][2], excess / abs(best))
    n = seeds - skipped
    log(f"library columns scaled by 1e-{decades}..1e{decades}: {n} problems ({skipped} without a "
        f"Clarabel reference)")
    for mode, (wrong, nc, worst, t) in counts.items():
        log(f"  {mode:<12} wrongly certified {wrong:4d} (worst {worst:.1e} above the best)   "
            f"not converged {nc:4d}   Newton time {t:6.1f} s")
    return counts


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
    for decades in (3, 5, 7):
        run(decades, args.seeds)
    log("")
    log(f"Total {time.perf_counter() - start:.0f} s.")


if __name__ == "__main__":
    main()
