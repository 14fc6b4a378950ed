"""The promote section of ``python -m sksym``."""

import time

import numpy as np

__all__ = ["tour_section"]


def tour_section(log, random_state=0):
    """Recover ``phi(u . x)`` in 6 variables from fewer samples than unknowns.

    Parameters
    ----------
    log : callable
        ``log(str)`` prints one line.
    random_state : int, default=0
        Seed of the target and the data.

    Returns
    -------
    title : str
    draw : callable
        ``draw(ax)`` plots the test error against the number of samples on
        one matplotlib axis.

    Examples
    --------
    >>> from sksym.linear_model._promote_tour import tour_section
    >>> lines = []
    >>> title, draw = tour_section(lines.append)
    >>> title
    'Promoting symmetry among SE(6)'
    """
    from sklearn.preprocessing import PolynomialFeatures

    from ..groups import SE
    from ._symmetry_promoting import SymmetryPromotingRegressor

    t0 = time.perf_counter()
    rng = np.random.RandomState(random_state)
    m = 6
    u = rng.normal(size=m)
    u /= np.linalg.norm(u)

    def f(X):
        s = X @ u
        return 0.5 + s - 0.8 * s**2

    library = PolynomialFeatures(2)
    K = library.fit(np.zeros((1, m))).n_output_features_
    X_all = rng.uniform(-1, 1, size=(K + 1, m))
    y_all = f(X_all)
    X_test = rng.uniform(-1, 1, size=(1000, m))
    scale = np.std(f(X_test))
    log(f"Problem: y = phi(u . x) in {m} variables, u unknown; quadratic library ({K} functions);")
    log(f"candidates SE({m}) ({SE(m).lie_dim} generators). Exact fits, noise-free, nested samples.")
    log(f"{'n_train':>8} {'promoted':>10} {'min-norm':>10} {'symmetries':>11}")
    rows = []
    for n in (6, 10, 14, 18, 22, K):
        X, y = X_all[:n], y_all[:n]
        model = SymmetryPromotingRegressor(candidates=SE(m), library=library, exact_fit=True).fit(X, y)
        w = np.linalg.lstsq(library.transform(X), y, rcond=None)[0]
        e_promote = np.sqrt(np.mean((model.predict(X_test) - f(X_test)) ** 2)) / scale
        e_plain = np.sqrt(np.mean((library.transform(X_test) @ w - f(X_test)) ** 2)) / scale
        rows.append((n, e_promote, e_plain))
        log(f"{n:>8} {e_promote:>10.1e} {e_plain:>10.1e} {model.generators_.shape[0]:>11}")
    log("(relative test RMSE; min-norm: least-squares interpolation without symmetry)")
    log(f"phi(u . x) keeps {m - 1 + (m - 1) * (m - 2) // 2} of the {SE(m).lie_dim} candidates: "
        f"the data reveal them, and fewer than {K} samples suffice ({time.perf_counter() - t0:.1f} s).")

    def draw(ax):
        n, a, b = map(np.array, zip(*rows))
        ax.semilogy(n, np.maximum(b, 1e-16), "o-", label="minimum-norm interpolation")
        ax.semilogy(n, np.maximum(a, 1e-16), "s-", label=f"SymmetryPromotingRegressor(SE({m}))")
        ax.axvline(K, color="gray", ls=":", label=f"library size ({K})")
        ax.set_xlabel("training samples")
        ax.set_ylabel("relative test RMSE")
        ax.legend()

    return f"Promoting symmetry among SE({m})", draw
