"""Accuracy of the promote solvers: what their convergence claims are worth.

Random promote problems (``sksym.solvers``), each solved by Newton and ADMM at
two tolerances, are compared with the best objective any solver found on them
(Newton and ADMM at ``tol=1e-12``, cvxpy + Clarabel), measured side by side in
one run:

1. the battery: exact and penalised fits, ``T(m)`` and ``SE(m)`` candidates,
   ``m`` in 4..8, quadratic libraries, ortho, perturbed-ortho and random
   targets, sample counts below and above the library size. A solver's claim
   (``converged=True``) is *violated* when its objective lies more than ``tol``
   (relative) above the best found;
2. ADMM on badly scaled inputs (inputs multiplied by ``10^k``, so that the
   features differ in scale by up to ``10^2k``, targets by ``10^j``): its duality-gap certificate, which checks every stop that the
   residual tests allow;
3. ADMM on the gallery's noisy problem (``examples/plot_promote_symmetry.py``,
   penalised, SE(8)): the bound its warnings state against its actual error;
4. cvxpy + Clarabel on targets of size ``1e-8``, with and without the default
   ``rescale=True``;
5. huge penalties: Newton and ADMM with and without the screening test
   (``sksym.solvers._screening``), which returns the fully symmetric
   least-squares fit where a dual certificate shows it optimal, against that
   fit.

Usage: ``python benchmarks/bench_solver_accuracy.py [--quick]`` (about 10
minutes on the 2-core reference machine; ``--quick`` runs a tenth; every problem has its own seed,
so the quick run's problems are among the full run's).
"""

import argparse
import platform
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import PolynomialFeatures

import sksym
from sksym.groups import SE, SO, T
from sksym.lie import LieDerivative
from sksym.reps import Scalar, V
from sksym.solvers import _admm, _screening
from sksym.solvers import CompressedLieOperator, admm_promote, cvxpy_promote, newton_promote, promote_objective

from _revision import git_revision  # noqa: E402

FEASIBLE_RTOL = 1e-8       # exact fits: interpolation residual relative to |Y|


def log(msg=""):
    print(msg, flush=True)


def problem(rng, group, m, target, n_frac, scale_x=1.0, scale_y=1.0):
    """A random problem: (theta, Y, operator)."""
    G = T(m) if group == "T" else SE(m)
    lib = PolynomialFeatures(2).fit(np.zeros((1, m)))
    K = lib.n_output_features_
    n = max(2, int(round(n_frac * K)))
    X = rng.uniform(-1, 1, size=(n, m))
    u = rng.normal(size=m)
    u /= np.linalg.norm(u)
    s = X @ u
    if target == "ortho":
        y = rng.normal() + rng.normal() * s + rng.normal() * s * s
    elif target == "perturbed":
        y = rng.normal() + rng.normal() * s + rng.normal() * s * s + 1e-3 * (lib.transform(X) @ rng.normal(size=K))
    else:
        y = lib.transform(X) @ rng.normal(size=K)
    op = CompressedLieOperator(LieDerivative(lib, V(G), Scalar(G)), measure="box")
    # inputs of size scale_x: the library's features differ in scale by up to scale_x^2
    theta = lib.transform(X * scale_x)
    return theta, (y * scale_y)[:, None], op


def objective(theta, Y, op, W, alpha, exact):
    """The objective, or inf for an exact fit that does not interpolate."""
    if exact:
        res = np.linalg.norm(theta @ W.T - Y)
        if res > FEASIBLE_RTOL * max(np.linalg.norm(Y), 1e-300):
            return np.inf
    return promote_objective(theta, Y, op, W, alpha, exact)


def quiet(fn, *args, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sol = fn(*args, **kw)
    return sol, [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]


def best_objective(theta, Y, op, alpha, exact):
    """The smallest objective among tight solves of every solver."""
    best = np.inf
    for fn, kw in ((newton_promote, dict(tol=1e-12, max_iter=500)),
                   (admm_promote, dict(tol=1e-12, max_iter=20000)),
                   (cvxpy_promote, {})):
        try:
            sol, _ = quiet(fn, theta, Y, op, alpha, exact_fit=exact, **kw)
        except Exception:            # a reference that fails does not vote
            continue
        best = min(best, objective(theta, Y, op, sol.coef, alpha, exact))
    return best


def battery(step=1, seed=0):
    log("== 1. Battery: do converged solves lie within tol of the best objective found?")
    rows = []
    t0 = time.perf_counter()
    n_problems = 0
    for i in range(0, 360, step):
        rng = np.random.RandomState([seed, i])
        n_problems += 1
        group = ("T", "SE")[i % 2]
        m = 4 + (i // 2) % 5
        target = ("ortho", "perturbed", "random")[(i // 10) % 3]
        n_frac = (0.4, 0.7, 1.3)[(i // 30) % 3]
        exact = (i // 90) % 2 == 0 and n_frac < 1.0
        alpha = None if exact else float(10.0 ** rng.choice([-4, -2, 0, 1]))
        theta, Y, op = problem(rng, group, m, target, n_frac)
        a = 1.0 if exact else alpha
        best = best_objective(theta, Y, op, a, exact)
        if not np.isfinite(best) or best <= 0:
            continue
        for name, fn in (("newton", newton_promote), ("admm", admm_promote)):
            for tol in (1e-6, 1e-10):
                kw = dict(tol=tol) if name == "newton" else dict(tol=tol, max_iter=20000)
                sol, warned = quiet(fn, theta, Y, op, a, exact_fit=exact, **kw)
                err = (objective(theta, Y, op, sol.coef, a, exact) - best) / abs(best)
                rows.append(dict(solver=name, tol=tol, exact=exact, alpha=alpha, err=err,
                                 converged=bool(sol.converged), n_iter=sol.n_iter, warned=bool(warned),
                                 time=sol.time))
    log(f"   {n_problems} problems (m 4-8, T and SE, exact fits below the library size, penalised fits "
        f"with alpha in 1e-4..10; the best objective from Newton and ADMM at tol 1e-12 and cvxpy + "
        f"Clarabel), {time.perf_counter() - t0:.0f} s")
    log("   solver  tol    form       solves  converged  violated (err > tol)  worst err of converged  "
        "not converged (their worst err)  median it  median time  screened")
    for name in ("newton", "admm"):
        for tol in (1e-6, 1e-10):
            for exact in (True, False):
                sel = [r for r in rows if r["solver"] == name and r["tol"] == tol and r["exact"] == exact]
                if not sel:
                    continue
                conv = [r for r in sel if r["converged"]]
                bad = [r for r in conv if r["err"] > tol]
                nc = [r for r in sel if not r["converged"]]
                worst = max((r["err"] for r in conv), default=0.0)
                worst_nc = max((r["err"] for r in nc), default=0.0)
                form = "exact" if exact else "penalised"
                log(f"   {name:<7} {tol:<6.0e} {form:<10} {len(sel):>6} {len(conv):>10} {len(bad):>21} "
                    f"{worst:>24.1e} {len(nc):>15} ({worst_nc:.1e}) {np.median([r['n_iter'] for r in sel]):>13.0f} "
                    f"{np.median([r['time'] for r in sel]):>11.4f}s "
                    f"{sum(r['n_iter'] == 0 and not exact for r in sel):>9}")
                for r in bad:
                    log(f"      violated: err {r['err']:.2e}, alpha {r['alpha']}, {r['n_iter']} it")
    return rows


def scaled_admm(n_problems, seed=1):
    log("")
    log("== 2. ADMM on badly scaled inputs: the certificate checks every stop of the residual tests")
    counts = dict(total=0, certified=0, certified_bad=0, warned=0, warned_within_10tol=0, worse_start=0,
                  bare_claims=0, bare_bad=0)
    worst_certified = worst_bare = 0.0
    tol = 1e-6
    t0 = time.perf_counter()
    for i in range(n_problems):
        rng = np.random.RandomState([seed, i])
        group = ("T", "SE")[i % 2]
        m = 4 + (i // 2) % 3
        sx = 10.0 ** rng.uniform(-2, 3)
        sy = 10.0 ** rng.uniform(-4, 4)
        exact = i % 3 == 0
        theta, Y, op = problem(rng, group, m, ("ortho", "random")[i % 2], (0.6 if exact else 1.3), sx, sy)
        a = 1.0 if exact else float(10.0 ** rng.uniform(-4, 0)) * sy
        best = best_objective(theta, Y, op, a, exact)
        if not np.isfinite(best) or best <= 0:
            continue
        sol, warned = quiet(admm_promote, theta, Y, op, a, exact_fit=exact, tol=tol, max_iter=20000)
        err = (objective(theta, Y, op, sol.coef, a, exact) - best) / abs(best)
        # the same solve with the residual tests alone (the certificate switched off, as
        # for problems above its cost limit)
        limit, _admm._CERTIFY_MAX_FLOPS = _admm._CERTIFY_MAX_FLOPS, 0.0
        try:
            bare, _ = quiet(admm_promote, theta, Y, op, a, exact_fit=exact, tol=tol, max_iter=20000)
        finally:
            _admm._CERTIFY_MAX_FLOPS = limit
        bare_err = (objective(theta, Y, op, bare.coef, a, exact) - best) / abs(best)
        if bare.converged:
            counts["bare_claims"] += 1
            counts["bare_bad"] += bare_err > tol
            worst_bare = max(worst_bare, bare_err)
        counts["total"] += 1
        if sol.converged:
            counts["certified"] += 1
            counts["certified_bad"] += err > tol
            worst_certified = max(worst_certified, err)
        else:
            counts["warned"] += 1
            counts["warned_within_10tol"] += err <= 10 * tol
            counts["worse_start"] += any("worse than its starting point" in w for w in warned)
    log(f"   {counts['total']} problems (inputs x 1e-2..1e3, targets x 1e-4..1e4, tol {tol:g}), "
        f"{time.perf_counter() - t0:.0f} s")
    log(f"   certified: {counts['certified']} (of which more than tol above the best: {counts['certified_bad']}; "
        f"worst {worst_certified:.1e}); not certified, with a ConvergenceWarning: {counts['warned']} "
        f"(of which within 10 tol of the best all the same: {counts['warned_within_10tol']}; returned "
        f"their start: {counts['worse_start']})")
    log(f"   the same solves with the residual tests alone: {counts['bare_claims']} claimed convergence, "
        f"{counts['bare_bad']} of them more than tol above the best (worst {worst_bare:.1e})")
    return counts


def gallery_admm():
    log("")
    log("== 3. ADMM on the gallery's noisy problem (penalised, SE(8), 40 samples): stated bound vs error")
    rng = np.random.RandomState(0)
    m = 8
    u = rng.normal(size=m)
    u /= np.linalg.norm(u)
    lib = PolynomialFeatures(2).fit(np.zeros((1, m)))
    K = lib.n_output_features_
    X = rng.uniform(-1, 1, size=(K + 1, m))
    s = X @ u
    y = 0.5 + s - 0.8 * s ** 2
    rng.uniform(-1, 1, size=(2000, m))                 # the example's test inputs
    Y = (y[:40] + 0.02 * rng.normal(size=40))[:, None]
    theta = lib.transform(X[:40])
    op = CompressedLieOperator(LieDerivative(lib, V(SE(m)), Scalar(SE(m))), measure="box")
    log("   alpha    ADMM certified  stated bound (relative)  actual error vs Newton tol 1e-12")
    for alpha in np.logspace(-5, -1, 9):
        ref, _ = quiet(newton_promote, theta, Y, op, alpha, tol=1e-12, max_iter=500)
        sol, _ = quiet(admm_promote, theta, Y, op, alpha, tol=1e-6)
        gap = sol.state.get("gap", np.inf) if sol.state else np.inf
        err = (sol.objective - ref.objective) / ref.objective
        log(f"   {alpha:<8.0e} {str(bool(sol.converged)):<15} {gap / sol.objective:>23.1e} {err:>33.1e}")


def cvxpy_scale():
    log("")
    log("== 4. cvxpy + Clarabel on targets of size 1e-8 (relative objective error against Newton, tol 1e-12)")
    log("   form       rescale=True  rescale=False")
    rng = np.random.RandomState(2)
    for exact in (True, False):
        errs = {True: [], False: []}
        for i in range(10):
            theta, Y, op = problem(rng, ("T", "SE")[i % 2], 5, "ortho", 0.6 if exact else 1.3, 1.0, 1e-8)
            a = 1.0 if exact else 1e-2 * 1e-8
            ref, _ = quiet(newton_promote, theta, Y, op, a, exact_fit=exact, tol=1e-12, max_iter=500)
            for rescale in (True, False):
                try:
                    sol, _ = quiet(cvxpy_promote, theta, Y, op, a, exact_fit=exact, rescale=rescale)
                    errs[rescale].append(abs(objective(theta, Y, op, sol.coef, a, exact) - ref.objective)
                                         / ref.objective)
                except Exception:
                    errs[rescale].append(np.inf)
        form = "exact" if exact else "penalised"
        log(f"   {form:<10} median {np.median(errs[True]):.1e}, max {np.max(errs[True]):.1e}   "
            f"median {np.median(errs[False]):.1e}, max {np.max(errs[False]):.1e}")


def _timed(fn, *args):
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def huge_penalties():
    log("")
    log("== 5. Huge penalties: the screening test's symmetric fit against the solvers' own steps")
    log("   relative max-coefficient error against the symmetric least-squares fit; 'steps' with the")
    log("   test off (as before it existed), 'screened' with it; n_iter of the latter (0: screened)")
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(40, 2))
    y = X[:, 0] ** 2 + X[:, 1] ** 2 + 0.3 * X[:, 0] + 0.05 * rng.normal(size=40)
    lib = PolynomialFeatures(2).fit(X)
    problems = [("tilted bowl, SO(2), 40 samples", lib.transform(X), y[:, None],
                 CompressedLieOperator(LieDerivative(lib, V(SO(2)), Scalar(SO(2)))))]
    rng = np.random.RandomState(3)
    problems.append(("random, SE(5), 30 samples",) + problem(rng, "SE", 5, "perturbed", 1.5))
    limit = _screening._MAX_COEFFICIENTS
    for name, theta, Y, op in problems:
        W_sym, dual = _screening.symmetric_fit(theta, Y, op)
        bound = float(np.linalg.svd(dual, compute_uv=False)[0]) if dual is not None else np.inf
        log(f"   {name}: certified from alpha = {bound:.3g}")
        # what the test costs where it does not certify, beside the solve it precedes
        low = 0.01 * bound
        test = min(_timed(_screening.screen_symmetric, theta, Y, op, low, 1e-6) for _ in range(20))
        solve = min(_timed(quiet, newton_promote, theta, Y, op, low) for _ in range(5))
        log(f"   at alpha = {low:.3g} (not certified) the test takes {test * 1e6:.0f} us, Newton's solve "
            f"{solve * 1e3:.2f} ms with it ({test / solve:.1%})")
        log("   alpha     solver   steps: error (it)   screened: error (it)   cvxpy + Clarabel: error")
        for alpha in (1e2, 1e4, 1e8, 1e14, 1e100):
            row = []
            for label, fn in (("newton", newton_promote), ("admm", admm_promote)):
                out = {}
                for on in (False, True):
                    _screening._MAX_COEFFICIENTS = limit if on else 0
                    try:
                        sol, _ = quiet(fn, theta, Y, op, alpha)
                        out[on] = (float(np.max(np.abs(sol.coef - W_sym)) / np.max(np.abs(W_sym))), sol.n_iter)
                    except Exception as exc:                      # noqa: BLE001 (reported)
                        out[on] = (np.nan, type(exc).__name__)
                    finally:
                        _screening._MAX_COEFFICIENTS = limit
                row.append((label, out))
            try:
                sol, _ = quiet(cvxpy_promote, theta, Y, op, alpha)
                cv = f"{float(np.max(np.abs(sol.coef - W_sym)) / np.max(np.abs(W_sym))):.1e}"
            except Exception as exc:                              # noqa: BLE001 (reported)
                cv = f"fails ({type(exc).__name__})"
            for k, (label, out) in enumerate(row):
                log(f"   {alpha:<9.0e} {label:<8} {out[False][0]:>9.1e} ({out[False][1]:>5})   "
                    f"{out[True][0]:>11.1e} ({out[True][1]:>3})   {cv if k == 0 else ''}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the problems")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    log("# bench_solver_accuracy: " + __doc__.splitlines()[0])
    log(f"sksym {sksym.__version__} at {git_revision()}, numpy {np.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}")
    battery(10 if args.quick else 1)
    scaled_admm(20 if args.quick else 200)
    gallery_admm()
    cvxpy_scale()
    huge_penalties()
    log("")
    log(f"Total {time.perf_counter() - t0:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
