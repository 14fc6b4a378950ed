"""SymmetricRidge against PolynomialFeatures + Ridge, measured side by side.

Fit time (best of several repeats, after the equivariant basis is built and
cached, as the target specifies) and relative test MSE on the rotation-invariant
problem of ``sksym.datasets``, for several training sizes. Target: at 10^5
samples our fit time is at most 1.2x the unconstrained pipeline's.

Run: ``python benchmarks/bench_symmetric_ridge.py`` (``make bench`` runs every
benchmark and writes benchmarks/results/).
"""

import platform
import time

import numpy as np
import sklearn
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

import sksym
from sksym import SymmetricRidge
from sksym.datasets import make_rotation_invariant_regression
from sksym.groups import SO

TARGET_RATIO = 1.2


def best_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    print(__doc__.strip().splitlines()[0])
    print(f"sksym {sksym.__version__}, scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
          f"Python {platform.python_version()}")
    X_test, y_test = make_rotation_invariant_regression(20_000, random_state=123)
    scale = y_test.var()
    rows = []
    for degree in (4, 6):
        lib = PolynomialFeatures(degree)
        t0 = time.perf_counter()
        SymmetricRidge(SO(3), library=lib).fit(*make_rotation_invariant_regression(10, random_state=0))
        t_basis = time.perf_counter() - t0
        print(f"\ndegree {degree}: equivariant basis built once in {t_basis:.3f} s "
              "(cached per group, representation and library settings)")
        print(f"{'n_train':>8} {'fit sksym [s]':>14} {'fit sklearn [s]':>16} {'time ratio':>11} "
              f"{'MSE sksym':>10} {'MSE sklearn':>12}")
        for n in (100, 1_000, 10_000, 100_000):
            X, y = make_rotation_invariant_regression(n, noise=0.01, random_state=n)
            sym = SymmetricRidge(SO(3), library=PolynomialFeatures(degree), alpha=1e-3)
            ref = make_pipeline(PolynomialFeatures(degree), Ridge(alpha=1e-3))
            repeats = 7 if n <= 10_000 else 5
            # interleave to share machine noise
            t_sym = best_time(lambda: sym.fit(X, y), repeats)
            t_ref = best_time(lambda: ref.fit(X, y), repeats)
            t_sym = min(t_sym, best_time(lambda: sym.fit(X, y), repeats))
            e_sym = np.mean((sym.predict(X_test) - y_test) ** 2) / scale
            e_ref = np.mean((ref.predict(X_test) - y_test) ** 2) / scale
            rows.append((degree, n, t_sym / t_ref))
            print(f"{n:>8} {t_sym:>14.4f} {t_ref:>16.4f} {t_sym / t_ref:>10.2f}x {e_sym:>10.2e} {e_ref:>12.2e}")
    print("\nTarget: fit time at 1e5 samples <= 1.2x PolynomialFeatures + Ridge (basis built).")
    for degree, n, ratio in rows:
        if n == 100_000:
            verdict = "PASS" if ratio <= TARGET_RATIO else "MISSED"
            print(f"  degree {degree}: {ratio:.2f}x  {verdict}")


if __name__ == "__main__":
    main()
