"""Jacobians of dictionaries (libraries): exact for polynomials, supplied, or by
finite differences with a warning."""

import warnings

import numpy as np
from sklearn.preprocessing import PolynomialFeatures

from ..exceptions import FiniteDifferenceWarning

__all__ = ["library_jacobian", "library_degree", "polynomial_jacobian"]


def polynomial_jacobian(X, powers):
    """Exact Jacobian of the monomials ``x^powers[k]`` at the rows of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    powers : ndarray of shape (n_output_features, n_features)
        Non-negative integer exponents (``PolynomialFeatures.powers_``).

    Returns
    -------
    J : ndarray of shape (n_samples, n_output_features, n_features)
        ``J[i, k, j] = d x_i^powers[k] / d x_j``.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}.")
    P = np.asarray(powers)
    if P.ndim != 2 or P.shape[1] != X.shape[1]:
        raise ValueError(
            f"powers must have shape (n_output_features, {X.shape[1]}) for X with {X.shape[1]} "
            f"features; got {P.shape}."
        )
    if P.size and (not np.issubdtype(P.dtype, np.integer) or P.min() < 0):
        if not (np.issubdtype(P.dtype, np.floating) and np.all(P == np.round(P)) and P.min() >= 0):
            raise ValueError("powers must be non-negative integers.")
        P = P.astype(int)
    n, d = X.shape
    K = P.shape[0]
    maxp = int(P.max(initial=0))
    # pows[i, j, e] = X[i, j] ** e, e = 0..maxp
    pows = np.ones((n, d, maxp + 1))
    for e in range(1, maxp + 1):
        pows[:, :, e] = pows[:, :, e - 1] * X
    base = pows[:, np.arange(d)[None, :], P]  # (n, K, d): X_j ** P_kj
    # product over the other variables = prefix product * suffix product
    ones = np.ones((n, K, 1))
    prefix = np.cumprod(np.concatenate([ones, base[:, :, :-1]], axis=2), axis=2)
    suffix = np.cumprod(np.concatenate([ones, base[:, :, :0:-1]], axis=2), axis=2)[:, :, ::-1]
    deriv = P[None] * pows[:, np.arange(d)[None, :], np.maximum(P - 1, 0)]
    J = prefix * suffix * deriv
    return J


def library_degree(library):
    """Polynomial degree of a fitted library, or ``None`` if it is not polynomial."""
    if isinstance(library, PolynomialFeatures):
        return int(library.powers_.sum(axis=1).max(initial=0))
    degree = getattr(library, "polynomial_degree_", None)
    return None if degree is None else int(degree)


def library_jacobian(library, X, eps=None):
    """Jacobian of a fitted library at the rows of ``X``.

    Dispatches on the library:

    * :class:`~sklearn.preprocessing.PolynomialFeatures`: exact, from ``powers_``;
    * any object with a ``jacobian(X)`` method (see
      :class:`~sksym.libraries.FunctionLibrary`): that method, checked for shape
      ``(n_samples, n_output_features, n_features)`` and finiteness;
    * any other transformer: central finite differences, with a
      :class:`~sksym.exceptions.FiniteDifferenceWarning`.

    Parameters
    ----------
    library : fitted transformer
    X : ndarray of shape (n_samples, n_features)
    eps : float, default=None
        Finite-difference step (default ``eps**(1/3)`` of float64, scaled by the
        size of ``X``).

    Returns
    -------
    J : ndarray of shape (n_samples, n_output_features, n_features)
    """
    X = np.asarray(X, dtype=float)
    if isinstance(library, PolynomialFeatures):
        return polynomial_jacobian(X, library.powers_)
    jac = getattr(library, "jacobian", None)
    if callable(jac):
        J = np.asarray(jac(X), dtype=float)
        K = np.asarray(library.transform(X[:1])).shape[1]
        expected = (X.shape[0], K, X.shape[1])
        if J.shape != expected:
            raise ValueError(
                f"library.jacobian(X) must return shape (n_samples, n_output_features, "
                f"n_features) = {expected}; got {J.shape}."
            )
        if not np.all(np.isfinite(J)):
            raise ValueError("library.jacobian(X) returned NaN or infinite values: no usable Jacobian.")
        return J
    if not hasattr(library, "transform"):
        raise TypeError(
            f"library must be a transformer with transform(X) (and ideally jacobian(X)); "
            f"got {type(library).__name__}."
        )
    warnings.warn(
        f"{type(library).__name__} has no jacobian(X) method; using central finite "
        "differences (accurate to ~1e-8, so symmetry constraints are approximate). "
        "Give the library a jacobian method, or use PolynomialFeatures, for exact results.",
        FiniteDifferenceWarning,
        stacklevel=3,
    )
    return finite_difference_jacobian(library.transform, X, eps)


def finite_difference_jacobian(func, X, eps=None):
    """Central finite-difference Jacobian of ``func`` (rows to rows), vectorised
    over samples: shape (n_samples, n_outputs, n_features)."""
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    if eps is None:
        eps = np.finfo(float).eps ** (1 / 3) * max(1.0, float(np.abs(X).max(initial=0.0)))
    cols = []
    for j in range(d):
        E = np.zeros(d)
        E[j] = eps
        up = np.asarray(func(X + E), dtype=float).reshape(n, -1)
        down = np.asarray(func(X - E), dtype=float).reshape(n, -1)
        cols.append((up - down) / (2 * eps))
    J = np.stack(cols, axis=2)
    if not np.all(np.isfinite(J)):
        raise ValueError("The library's finite-difference Jacobian is not finite: no usable Jacobian.")
    return J
