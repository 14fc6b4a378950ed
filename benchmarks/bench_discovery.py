"""Benchmark of SymmetryDiscovery (issue 3).

1. Accuracy: largest principal angle between the discovered algebra and so(3)
   (candidates gl(3)), against noise level and sample count.
2. Wall time against problem size, up to GL(20) candidates (400 generators)
   and 10^4 samples, for ``target="function"`` and ``target="data"``.

Targets (issue 3): noise-free so(3) with angle < 1e-8; 1% noise and 500
samples: the right count and angle < 0.05 rad; GL(20), 10^4 samples in < 5 s
on 2 cores. Run: ``python benchmarks/bench_discovery.py``.
"""

import os
import platform
import time

import numpy as np
from sklearn.preprocessing import PolynomialFeatures

import sksym
from sksym.discovery import SymmetryDiscovery
from sksym.groups import SE, SO
from sksym.lie import principal_angles

SEEDS = range(5)


def largest_angle(gens, ref):
    if len(gens) != len(ref):
        return np.nan
    return principal_angles(gens.reshape(len(gens), -1).T, ref.reshape(len(ref), -1).T).max()


def status(ok):
    return "PASS" if ok else "MISSED"


def accuracy(problem, library, noises, sizes, center=0.0):
    ref = SO(3).lie_algebra
    results = {}
    print(f"{'noise':>7} {'n':>6} {'right count':>12} {'median angle':>13} {'max angle':>10}")
    for noise in noises:
        for n in sizes:
            angles, right = [], 0
            for seed in SEEDS:
                rng = np.random.RandomState(seed)
                X = center + rng.normal(size=(n, 3))
                y = problem(X)
                y = y + noise * np.std(y) * rng.normal(size=n)
                disc = SymmetryDiscovery(library=library, random_state=seed).fit(X, y)
                right += disc.n_symmetries_ == 3
                angles.append(largest_angle(disc.generators_, ref))
            angles = np.array(angles)
            results[noise, n] = (right, angles)
            med = np.nanmedian(angles) if np.any(np.isfinite(angles)) else np.nan
            mx = np.nanmax(angles) if np.any(np.isfinite(angles)) else np.nan
            print(f"{noise:>7.0e} {n:>6} {right:>8}/{len(SEEDS):<3} {med:>13.1e} {mx:>10.1e}")
    return results


def timing(d, n, target, repeats=3):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, d))
    if target == "data":
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        y = None
        expected = d * (d - 1) // 2
    else:
        h = d // 2
        y = np.sum(X[:, :h] ** 2, axis=1)
        expected = h * (h - 1) // 2 + (d - h) * d
    times = []
    for r in range(repeats):
        t0 = time.perf_counter()
        disc = SymmetryDiscovery(target=target, random_state=r).fit(X, y)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), disc.n_symmetries_, expected


def main():
    t_start = time.perf_counter()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"sksym {sksym.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load average at start {load:.1f}")
    print(f"seeds per cell: {len(SEEDS)}; noise is relative to std(y); angles in radians\n")

    print("1a. Accuracy: y = |x|^2, library PolynomialFeatures(2), candidates gl(3)")
    acc = accuracy(lambda X: np.sum(X ** 2, axis=1), None,
                   [0.0, 1e-3, 1e-2, 5e-2, 1e-1], [50, 100, 500, 2000])
    print("\n1b. Accuracy: y = |x|^2 - 0.1 |x|^4, library PolynomialFeatures(4), candidates gl(3)")
    acc4 = accuracy(lambda X: np.sum(X ** 2, axis=1) - 0.1 * np.sum(X ** 2, axis=1) ** 2,
                    PolynomialFeatures(4), [0.0, 1e-2, 5e-2], [100, 500, 2000])

    print("\n1c. Accuracy: target='data', samples of the unit sphere in R^3 plus Gaussian noise "
          "(noise = its standard deviation per coordinate), candidates gl(3)")
    print(f"{'noise':>7} {'n':>6} {'right count':>12} {'median angle':>13} {'max angle':>10}")
    for noise in (0.0, 1e-3, 1e-2, 3e-2, 1e-1):
        for n in (100, 1000):
            angles, right = [], 0
            for seed in SEEDS:
                rng = np.random.RandomState(seed)
                X = rng.normal(size=(n, 3))
                X /= np.linalg.norm(X, axis=1, keepdims=True)
                X += noise * rng.normal(size=X.shape)
                disc = SymmetryDiscovery(target="data", random_state=seed).fit(X)
                right += disc.n_symmetries_ == 3
                angles.append(largest_angle(disc.generators_, SO(3).lie_algebra))
            angles = np.array(angles)
            fin = angles[np.isfinite(angles)]
            med = np.median(fin) if fin.size else np.nan
            mx = fin.max() if fin.size else np.nan
            print(f"{noise:>7.0e} {n:>6} {right:>8}/{len(SEEDS):<3} {med:>13.1e} {mx:>10.1e}")

    for center in (10.0, 100.0):
        print(f"\n1d. Accuracy: y = |x|^2 on data centred at ({center:g}, {center:g}, {center:g}) "
              "(unit spread), library PolynomialFeatures(2), candidates gl(3). The rotations about "
              "the origin are the symmetries; the curvature that breaks the other directions has a "
              f"standard deviation of ~2.4 against std(y) ~{35 if center == 10 else 346}, so at "
              "high noise the fit looks linear (6 symmetries): the data cannot show 3")
        accuracy(lambda X: np.sum(X ** 2, axis=1), None, [0.0, 1e-3, 1e-2, 5e-2], [200, 2000], center)

    print("\n1e. Accuracy: target='data', the unit sphere centred at (10, 10, 10) plus Gaussian noise, "
          "candidates SE(3): the symmetries are the rotations about the centre. One noise level serves "
          "all directions, and at 3% noise and above a broken direction with a large error of its own "
          "is counted (4): a known miss. Judging each direction by the errors of the equations' "
          "coefficients counted 3 here but lost symmetries that only preserve the zero set (the "
          "scalings of a cone: 0 of 1 at any noise), so it was not kept")
    print(f"{'noise':>7} {'n':>6} {'right count':>12} {'median angle':>13} {'max angle':>10}")
    centre = np.full(3, 10.0)
    about_centre = np.array([np.c_[A, -A @ centre] for A in SO(3).lie_algebra])
    for noise in (1e-3, 1e-2, 3e-2, 1e-1):
        for n in (500, 2000):
            angles, right = [], 0
            for seed in SEEDS:
                rng = np.random.RandomState(seed)
                X = rng.normal(size=(n, 3))
                X = centre + X / np.linalg.norm(X, axis=1, keepdims=True) + noise * rng.normal(size=(n, 3))
                disc = SymmetryDiscovery(target="data", candidates=SE(3), random_state=seed).fit(X)
                right += disc.n_symmetries_ == 3
                angles.append(largest_angle(disc.generators_, about_centre))
            angles = np.array(angles)
            fin = angles[np.isfinite(angles)]
            med = np.median(fin) if fin.size else np.nan
            mx = fin.max() if fin.size else np.nan
            print(f"{noise:>7.0e} {n:>6} {right:>8}/{len(SEEDS):<3} {med:>13.1e} {mx:>10.1e}")

    print("\n2. Wall time (median of 3 fits, seconds)")
    print(f"{'target':>9} {'candidates':>11} {'q':>4} {'n':>6} {'time':>7} {'found':>6} {'expected':>8}")
    timings = {}
    for target in ("function", "data"):
        for d in (5, 10, 15, 20):
            for n in (1000, 10000):
                t, k, e = timing(d, n, target)
                timings[target, d, n] = (t, k, e)
                print(f"{target:>9} {'GL(%d)' % d:>11} {d * d:>4} {n:>6} {t:>7.2f} {k:>6} {e:>8}")

    print("\nTargets")
    right, angles = acc[0.0, 500]
    ok = right == len(SEEDS) and np.nanmax(angles) < 1e-8
    print(f"  noise-free, 500 samples: count 3 and angle < 1e-8 in {right}/{len(SEEDS)} seeds, "
          f"max angle {np.nanmax(angles):.1e}: {status(ok)}")
    right, angles = acc[1e-2, 500]
    ok = right == len(SEEDS) and np.nanmax(angles) < 0.05
    print(f"  1% noise, 500 samples: count 3 in {right}/{len(SEEDS)} seeds, max angle "
          f"{np.nanmax(angles):.1e} < 0.05: {status(ok)}")
    for target in ("function", "data"):
        t, k, e = timings[target, 20, 10000]
        print(f"  GL(20), 10^4 samples, target={target!r}: {t:.2f} s < 5 s and {k} == {e} "
              f"symmetries: {status(t < 5 and k == e)}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nTotal benchmark time {time.perf_counter() - t_start:.0f} s; load average at end {load:.1f} "
          "(the machine's 2 cores are shared, so wall times vary with load)")


if __name__ == "__main__":
    main()
