"""The three synthetic regression problems of EMLP (Finzi, Welling, Wilson 2021).

Written from the published definitions (``emlp/datasets.py``); nothing is
downloaded. Each generator returns ``(X, y)`` and, with
``return_symmetry=True``, also a dict with the ``group``, ``input_rep`` and
``output_rep`` of the problem, ready for ``SymmetricMLPRegressor(**symmetry)``.
"""

from functools import lru_cache

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_o5_synthetic", "make_inertia", "make_particle_interaction"]

_ETA = np.diag([1.0, -1.0, -1.0, -1.0])


def _check_n(n_samples):
    import numbers

    if not isinstance(n_samples, numbers.Integral) or isinstance(n_samples, bool) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}.")
    return int(n_samples)


def _o5_raw(X):
    r1, r2 = X[:, :5], X[:, 5:]
    n1, n2 = np.linalg.norm(r1, axis=1), np.linalg.norm(r2, axis=1)
    return np.sin(n1) - 0.5 * n2 ** 3 + np.sum(r1 * r2, axis=1) / (n1 * n2)


def _particle_raw(X):
    P = X.reshape(-1, 4, 4)
    p1, p2, p3, p4 = (P[:, i] for i in range(4))

    def dot(a, b):
        return np.einsum("ni,ij,nj->n", a, _ETA, b)

    Le = p1[:, :, None] * p3[:, None, :] - (dot(p1, p3) - dot(p1, p1))[:, None, None] * _ETA
    p2l, p4l = p2 @ _ETA, p4 @ _ETA
    Lmu = p2l[:, :, None] * p4l[:, None, :] - (dot(p2, p4) - dot(p2, p2))[:, None, None] * _ETA
    return 4.0 * np.sum(Le * Lmu, axis=(1, 2))


@lru_cache(maxsize=None)
def _target_stats(name):
    """Mean and standard deviation of the raw target over 200 000 fixed draws
    (constants, so standardising never depends on the training sample)."""
    rng = np.random.RandomState(12345)
    if name == "o5":
        y = _o5_raw(rng.normal(size=(200_000, 10)))
    else:
        y = _particle_raw(rng.normal(size=(200_000, 16)) / 4)
    return float(y.mean()), float(y.std())


def _symmetry(name):
    from ..groups import O, Lorentz
    from ..reps import Scalar, V

    if name == "o5":
        return {"group": O(5), "input_rep": 2 * V, "output_rep": Scalar}
    if name == "inertia":
        return {"group": O(3), "input_rep": 5 * Scalar + 5 * V, "output_rep": V * V}
    return {"group": Lorentz(full=True), "input_rep": 4 * V, "output_rep": Scalar}


def make_o5_synthetic(n_samples=1000, *, standardize=True, random_state=None, return_symmetry=False):
    """EMLP's O5Synthetic: an O(5)-invariant function of two vectors in R^5.

    ``x = (x1, x2)`` with standard normal entries and
    ``y = sin(|x1|) - |x2|^3 / 2 + <x1, x2> / (|x1| |x2|)``.

    Parameters
    ----------
    n_samples : int, default=1000
    standardize : bool, default=True
        Subtract the population mean of ``y`` and divide by its standard
        deviation (fixed constants; EMLP reports errors on standardised
        targets).
    random_state : int, RandomState instance or None, default=None
    return_symmetry : bool, default=False
        Also return ``{"group": O(5), "input_rep": 2 * V, "output_rep": Scalar}``.

    Returns
    -------
    X : ndarray of shape (n_samples, 10)
    y : ndarray of shape (n_samples,)
    symmetry : dict, only if ``return_symmetry``

    Examples
    --------
    >>> from sksym.datasets import make_o5_synthetic
    >>> X, y = make_o5_synthetic(100, random_state=0)
    >>> X.shape, y.shape
    ((100, 10), (100,))
    """
    n = _check_n(n_samples)
    X = check_random_state(random_state).normal(size=(n, 10))
    y = _o5_raw(X)
    if standardize:
        mu, sd = _target_stats("o5")
        y = (y - mu) / sd
    return (X, y, _symmetry("o5")) if return_symmetry else (X, y)


def make_inertia(n_samples=1000, *, random_state=None, return_symmetry=False):
    """EMLP's Inertia: the O(3)-equivariant inertia tensor of 5 point masses.

    Inputs are 5 masses ``m_i = softplus(z_i)`` (``z_i`` standard normal)
    followed by 5 positions ``r_i`` in R^3 (standard normal); the target is
    ``I = sum_i m_i (|r_i|^2 Id - r_i r_i^T)`` flattened row-major (9 values).
    Targets are not standardised (as in EMLP).

    Parameters
    ----------
    n_samples : int, default=1000
    random_state : int, RandomState instance or None, default=None
    return_symmetry : bool, default=False
        Also return ``{"group": O(3), "input_rep": 5 * Scalar + 5 * V,
        "output_rep": V * V}``.

    Returns
    -------
    X : ndarray of shape (n_samples, 20)
    y : ndarray of shape (n_samples, 9)
    symmetry : dict, only if ``return_symmetry``

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.datasets import make_inertia
    >>> X, y = make_inertia(10, random_state=0)
    >>> X.shape, y.shape, bool(np.allclose(y.reshape(-1, 3, 3), y.reshape(-1, 3, 3).transpose(0, 2, 1)))
    ((10, 20), (10, 9), True)
    """
    n = _check_n(n_samples)
    rng = check_random_state(random_state)
    X = rng.normal(size=(n, 20))
    X[:, :5] = np.logaddexp(0.0, X[:, :5])
    m = X[:, :5]
    r = X[:, 5:].reshape(n, 5, 3)
    r2 = np.sum(r ** 2, axis=2)
    inertia = np.einsum("nk,nk->n", m, r2)[:, None, None] * np.eye(3) - np.einsum("nk,nki,nkj->nij", m, r, r)
    y = inertia.reshape(n, 9)
    return (X, y, _symmetry("inertia")) if return_symmetry else (X, y)


def make_particle_interaction(n_samples=1000, *, standardize=True, random_state=None, return_symmetry=False):
    """EMLP's ParticleInteraction: a Lorentz-invariant electron-muon scattering amplitude.

    Four four-momenta ``p1..p4`` (entries normal with standard deviation 1/4),
    Minkowski metric ``eta = diag(1, -1, -1, -1)``, ``a.b = a^T eta b``;
    ``L_e = p1 p3^T - (p1.p3 - p1.p1) eta``,
    ``L_mu = (eta p2)(eta p4)^T - (p2.p4 - p2.p2) eta`` and
    ``y = 4 sum_ij (L_e)_ij (L_mu)_ij``, a degree-4 polynomial invariant
    under O(1, 3).

    Parameters
    ----------
    n_samples : int, default=1000
    standardize : bool, default=True
        Subtract the population mean and divide by the standard deviation
        (fixed constants).
    random_state : int, RandomState instance or None, default=None
    return_symmetry : bool, default=False
        Also return ``{"group": Lorentz(full=True), "input_rep": 4 * V,
        "output_rep": Scalar}``.

    Returns
    -------
    X : ndarray of shape (n_samples, 16)
    y : ndarray of shape (n_samples,)
    symmetry : dict, only if ``return_symmetry``

    Examples
    --------
    >>> from sksym.datasets import make_particle_interaction
    >>> X, y = make_particle_interaction(50, random_state=0)
    >>> X.shape, y.shape
    ((50, 16), (50,))
    """
    n = _check_n(n_samples)
    X = check_random_state(random_state).normal(size=(n, 16)) / 4
    y = _particle_raw(X)
    if standardize:
        mu, sd = _target_stats("particle")
        y = (y - mu) / sd
    return (X, y, _symmetry("particle")) if return_symmetry else (X, y)
