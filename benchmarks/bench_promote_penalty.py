"""The promote penalty's inner product, and warm starts along a path of alpha.

Measured side by side in one run:

1. The nuclear norm of one fixed function, ``x0^2 + x1^2 + 0.5 x2`` under
   ``SE(3)``, in libraries of degree 2-4, with the operator of sksym's random
   points (``CompressedLieOperator(measure="points")``, ten seeds of the points)
   and with the exact uniform measure on ``[-1, 1]^3`` (``measure="box"``,
   :class:`~sksym.linear_model.SymmetryPromotingRegressor`'s inner product for
   ``PolynomialFeatures``). One ``alpha`` transfers across libraries only if
   this norm does not move.
2. The sample count at which the exact fit recovers the target (the recovery
   study's protocol: ``bench_recovery.binary_search``, relative max-coefficient
   error below 5e-3), with three operators on the same seeds: the paper's
   points (the reproduction), sksym's random points and the box measure.
3. Solver iterations along a path of nine ``alpha`` values (``1e-5`` to
   ``1e-1``) on the gallery's noisy problem (``phi(u . x)`` in 8 variables, 40
   samples, SE(8) candidates), with and without ``warm_start``, increasing and
   decreasing, for ADMM and Newton.

Run: ``python benchmarks/bench_promote_penalty.py [--seeds 30]`` (``make bench``
runs every benchmark and writes benchmarks/results/).
"""

import argparse
import os
import platform
import subprocess
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import PolynomialFeatures

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_recovery as recovery  # noqa: E402  (the recovery study's protocol)

from sksym.groups import SE, T  # noqa: E402
from sksym.lie import LieDerivative  # noqa: E402
from sksym.linear_model import SymmetryPromotingRegressor  # noqa: E402
from sksym.reps import Scalar, V  # noqa: E402
from sksym.solvers import CompressedLieOperator  # noqa: E402

CONFIGS = ["ortho-T-2-3", "ortho-SE-2-3", "ortho-T-2-5", "ortho-SE-2-5", "quad-SE-1-4", "ortho-T-3-4",
           "ortho-T-3-10", "ortho-SE-3-10"]


def norm_across_libraries(log):
    log("1. Nuclear norm of x0^2 + x1^2 + 0.5 x2 under SE(3)")
    points, box = [], []
    for degree in (2, 3, 4):
        lib = PolynomialFeatures(degree).fit(np.zeros((1, 3)))
        names = list(lib.get_feature_names_out(["a", "b", "c"]))
        W = np.zeros(len(names))
        W[[names.index("a^2"), names.index("b^2"), names.index("c")]] = 1.0, 1.0, 0.5
        row = []
        for seed in range(10):
            ld = LieDerivative(lib, V(SE(3)), Scalar(SE(3)), random_state=seed)
            row.append(CompressedLieOperator(ld).nuclear_norm(W))
        box.append(CompressedLieOperator(ld, measure="box").nuclear_norm(W))
        points += row
        log(f"   degree {degree}: random points (10 seeds) {min(row):.3f}-{max(row):.3f}, box {box[-1]:.6f}")
    spread = (max(points) - min(points)) / np.mean(points)
    log(f"   random points: {min(points):.3f}-{max(points):.3f} (range {spread:.0%} of the mean); "
        f"box: {min(box):.6f}-{max(box):.6f} (range {(max(box) - min(box)) / np.mean(box):.1e})")
    log("")


def operators(target, group, d, m):
    G = T(m) if group == "T" else SE(m)
    degree = d if target == "ortho" else 2 * d
    lib = PolynomialFeatures(degree).fit(np.zeros((1, m)))
    _, paper = recovery.build_operator(lib, G, group, degree, "paper")
    ld = LieDerivative(lib, V(G), Scalar(G), random_state=12345)
    return {"paper points": paper, "random points": CompressedLieOperator(ld),
            "box": CompressedLieOperator(ld, measure="box")}


def recovery_counts(seeds, configs, log):
    log(f"2. Samples to recover (exact fit, relative max-coefficient error < {recovery.THRESHOLD:g}), "
        f"seeds 0..{seeds - 1}")
    log("   config               paper points     random points    box              "
        "box vs random points (fewer/more seeds)")
    for text in configs:
        target, group, d, m = recovery.parse_config(text)
        ops = operators(target, group, d, m)
        counts = {k: [] for k in ops}
        t0 = time.perf_counter()
        for seed in range(seeds):
            _, theta, y, w_true = recovery.make_target(target, m, d, 1, seed)
            for name, op in ops.items():
                counts[name].append(recovery.binary_search(theta, y, op, w_true, 1e-6)[0])
        box, pts = np.array(counts["box"]), np.array(counts["random points"])
        cells = "  ".join(f"{np.mean(v):6.2f} (med {np.median(v):5.1f})" for v in counts.values())
        log(f"   {text:<18} {cells}  {int(np.sum(box < pts))}/{int(np.sum(box > pts))}"
            f"   [{time.perf_counter() - t0:.0f} s]")
    log("   (mean and median over seeds; the verdicts of the recovery study use the paper points: "
        "bench_recovery.py)")
    log("")


def warm_start_path(log):
    log("3. Iterations along nine alphas 1e-5..1e-1, gallery problem (8 variables, 40 noisy samples, SE(8))")
    rng = np.random.RandomState(0)
    m = 8
    u = rng.normal(size=m)
    u /= np.linalg.norm(u)
    library = PolynomialFeatures(2)
    K = library.fit(np.zeros((1, m))).n_output_features_
    X = rng.uniform(-1, 1, size=(K + 1, m))
    s = X @ u
    y = 0.5 + s - 0.8 * s ** 2
    rng.uniform(-1, 1, size=(2000, m))           # the gallery's test inputs (same random stream)
    X, y = X[:40], y[:40] + 0.02 * rng.normal(size=40)
    alphas = np.logspace(-5, -1, 9)
    for solver in ("admm", "newton"):
        for order, path in (("increasing", alphas), ("decreasing", alphas[::-1])):
            its = {}
            for warm in (True, False):
                model = SymmetryPromotingRegressor(candidates=SE(m), library=library, warm_start=warm,
                                                   solver=solver)
                its[warm] = 0
                for alpha in path:
                    its[warm] += model.set_params(alpha=alpha).fit(X, y).n_iter_
            log(f"   {solver:<6} {order:<10}: warm start {its[True]:5d}, cold {its[False]:5d} "
                f"({its[True] / its[False]:.2f}x)")
    log("   (n_iter_, summed over the path: it includes the tighter re-solves of the symmetry count,")
    log("   see symmetry_tol; since 2308098 they run where values lie within 1e3 times the floor)")
    log("")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    args = parser.parse_args(argv)

    def log(msg=""):
        print(msg, flush=True)

    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip() or "?"
    except OSError:
        rev = "?"
    log("The promote penalty's inner product, and warm starts")
    log(f"command: python benchmarks/bench_promote_penalty.py {' '.join(sys.argv[1:] if argv is None else argv)}")
    log(f"sksym at {rev}; python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cores")
    log("")
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        norm_across_libraries(log)
        recovery_counts(args.seeds, args.configs.split(","), log)
        warm_start_path(log)
    log(f"Total {time.perf_counter() - t0:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
