"""The discovery section of ``python -m sksym``."""

import time

import numpy as np

__all__ = ["tour_section"]


def tour_section(log, random_state=0):
    """Discover so(3) among the 9 generators of gl(3) from noisy samples.

    Parameters
    ----------
    log : callable
        ``log(str)`` prints one line.
    random_state : int, default=0
        Seed of the data.

    Returns
    -------
    title : str
    draw : callable
        ``draw(ax)`` plots the symmetry spectrum on one matplotlib axis.

    Examples
    --------
    >>> from sksym.discovery._tour import tour_section
    >>> lines = []
    >>> title, draw = tour_section(lines.append)
    >>> title
    'Discovering so(3) inside gl(3)'
    """
    from sklearn.preprocessing import PolynomialFeatures

    from ..groups import SO
    from ..lie import principal_angles
    from ._discovery import SymmetryDiscovery
    from ._display import SymmetrySpectrumDisplay

    rng = np.random.RandomState(random_state)
    X = rng.normal(size=(300, 3))
    r2 = np.sum(X ** 2, axis=1)
    y = r2 - 0.1 * r2 ** 2
    y = y + 0.01 * np.std(y) * rng.normal(size=len(y))
    log("Problem: y = |x|^2 - 0.1 |x|^4 + 1% noise, 300 samples; candidates: all 9 generators of gl(3).")
    disc = SymmetryDiscovery(library=PolynomialFeatures(4), random_state=random_state).fit(X, y)
    s = disc.singular_values_
    log("size of L_xi F along the symmetric, then the broken directions: " + " ".join(f"{v:.1e}" for v in s))
    k = disc.n_symmetries_
    angle = principal_angles(disc.generators_.reshape(k, -1).T,
                             SO(3).lie_algebra.reshape(3, -1).T).max() if k == 3 else np.nan
    log(f"found {k} symmetries (each within three times its error: "
        f"{' '.join(f'{v:.1e}' for v in disc.direction_noise_levels_[:k])}); largest principal "
        f"angle to so(3): {angle:.1e} rad")
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..linear_model import SymmetricRidge

    X_test = rng.normal(size=(2000, 3))
    r2t = np.sum(X_test ** 2, axis=1)
    y_test = r2t - 0.1 * r2t ** 2
    Xs, ys = X[:20], y[:20]
    enforced = SymmetricRidge(group=disc.symmetry_group_, library=PolynomialFeatures(4),
                              alpha=1e-6, tol=1e-2).fit(Xs, ys)
    plain = make_pipeline(PolynomialFeatures(4), StandardScaler(),
                          RidgeCV(alphas=np.logspace(-8, 2, 11))).fit(Xs, ys)
    err = [np.mean((m.predict(X_test) - y_test) ** 2) / np.var(y_test) for m in (enforced, plain)]
    log(f"then enforce it: SymmetricRidge(group=disc.symmetry_group_, tol=1e-2) on 20 samples has "
        f"{enforced.n_free_parameters_} free parameters and relative test MSE {err[0]:.1e} "
        f"(PolynomialFeatures(4) + RidgeCV: {err[1]:.1e})")
    d, n = 12, 5000
    Xb = rng.normal(size=(n, d))
    yb = np.sum(Xb[:, : d // 2] ** 2, axis=1)
    t0 = time.perf_counter()
    big = SymmetryDiscovery(random_state=random_state).fit(Xb, yb)
    log(f"GL({d}): {d * d} candidates, {n} samples: {big.n_symmetries_} symmetries "
        f"(so({d // 2}) + the fields moving only the {d // 2} unused inputs = "
        f"{(d // 2) * (d // 2 - 1) // 2 + (d // 2) * d}) in {time.perf_counter() - t0:.2f} s")

    def draw(ax):
        SymmetrySpectrumDisplay.from_estimator(disc, ax=ax)

    return "Discovering so(3) inside gl(3)", draw
