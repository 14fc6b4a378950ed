"""Fitting the object whose symmetries are discovered (private).

* :func:`fit_ridge`: ``y ~ W Theta(x) + b`` with its coefficient covariance, for the
  noise level of the spectrum;
* :func:`estimator_library`: a fitted regressor as a one-function-per-output
  dictionary whose Jacobian is a vectorised central difference;
* :func:`fit_equations`: the implicit polynomial equations ``h(x) = 0`` of a
  sampled set.
"""

from collections import namedtuple

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import PolynomialFeatures

from ..libraries import FunctionLibrary, library_degree, polynomial_jacobian
from ..lie import select_n_symmetries
from ..lie._spectrum import _small_blas

_EQUATION_GAP = 4.0

__all__ = ["fit_ridge", "estimator_library", "fit_equations", "StandardizedPolynomialFeatures"]


RidgeFit = namedtuple("RidgeFit", "W b sigma cov_factor t_mean bias")


def fit_ridge(theta, Y, alpha):
    """Ridge ``Y ~ theta W^T + b`` with an unpenalised intercept, and its errors.

    Returns
    -------
    fit : RidgeFit
        ``W`` (n_outputs, K) and ``b`` (n_outputs,); ``sigma`` (n_outputs,),
        the residual standard deviation per output (None when the fit has no
        residual degrees of freedom); ``cov_factor`` (K, r), ``F`` with
        ``Cov(w_o) = sigma_o^2 F F^T`` (sandwich covariance of ridge);
        ``t_mean`` (K,), the features' means (the intercept moves with ``W``:
        an error ``dW`` comes with ``db = -dW t_mean``); ``bias`` (n_outputs,
        K), the penalty's bias ``E[W] - W_true ~ -alpha W (G + alpha)^-1``
        (``G`` the centred Gram matrix) estimated from the fitted ``W``.
    """
    n, K = theta.shape
    with _small_blas(K):
        return _fit_ridge(theta, Y, alpha)


def _fit_ridge(theta, Y, alpha):
    n, K = theta.shape
    t_mean = theta.mean(axis=0)
    y_mean = Y.mean(axis=0)
    Tc = theta - t_mean
    Yc = Y - y_mean
    # the penalty is relative to the smallest variance of a (non-constant) column,
    # so that it is small against every column whatever the scale of the inputs
    # (inputs of size 1e-3 have quadratic features of size 1e-6, which an absolute
    # alpha of 1e-6 shrank to nothing)
    variances = np.mean(Tc ** 2, axis=0)
    positive = variances[variances > 0]
    alpha = alpha * (float(positive.min()) if positive.size else 1.0)
    # the SVD of the centred design gives the solve and the covariance (the
    # eigen-decomposition of the Gram matrix squared the condition number: on
    # inputs of size 1e-3 with a degree-3 library, 2.5e12; full V when n < K,
    # so that the penalty's bias and the covariance see every direction)
    U, S, Vt = scipy.linalg.svd(Tc, full_matrices=n < K, check_finite=False, lapack_driver="gesdd")
    V = Vt.T
    lam = np.zeros(K)
    lam[:S.size] = S ** 2
    # directions whose singular value is at the rounding level of the largest
    # are undetermined and dropped (the penalty would set them to rounding
    # noise); the Gram matrix's eigenvalues, cut at 1e-12 of the largest, had
    # dropped singular values below 1e-6 of it: on a degree-4 library at
    # inputs centred at 10, |x|^2 then came out with coefficient errors of 0.56
    kept = np.zeros(K, dtype=bool)
    kept[:S.size] = S > max(n, K) * np.finfo(float).eps * max(S.max(initial=0.0), 1e-300)
    inv = np.where(kept, 1.0 / np.where(kept, lam + alpha, 1.0), 0.0)
    # through U, not Tc^T Tc: W = Yc^T U S / (S^2 + alpha) V^T (forming Yc^T Tc
    # first still squared the condition number: |x|^2 on inputs centred at 1000
    # with a degree-3 library fitted to 1e-3 of its spread, lstsq to 4e-13)
    r = S.size
    W = ((Yc.T @ U[:, :r]) * (S * inv[:r])) @ Vt[:r]
    b = y_mean - W @ t_mean
    resid = Yc - Tc @ W.T
    dof = float(np.sum(lam * inv)) + 1.0            # effective parameters + intercept
    sigma = None
    if n - dof >= 1.0:
        sigma = np.sqrt(np.sum(resid ** 2, axis=0) / (n - dof))
    cov_factor = V * (np.sqrt(lam) * inv)
    bias = -alpha * ((W @ V) * inv) @ V.T           # E[W] - W_true, to first order in alpha
    return RidgeFit(W, b, sigma, cov_factor, t_mean, bias)


def _central_difference_jacobian(predict, X, n_outputs):
    """Jacobian of ``predict`` at the rows of ``X`` by central differences, with
    one call of ``predict`` on all ``2 n_features`` perturbed copies of ``X``."""
    n, d = X.shape
    # steps relative to the size of each input (a floor at 1 made them 6e-6 for
    # inputs of size 1e-6, far beyond the scale on which a model fitted there varies)
    scale = np.abs(X).max(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    h = np.finfo(float).eps ** (1 / 3) * scale               # (d,)
    steps = np.zeros((2 * d, 1, d))
    steps[np.arange(d), 0, np.arange(d)] = h
    steps[d + np.arange(d), 0, np.arange(d)] = -h
    Xp = (X[None] + steps).reshape(2 * d * n, d)
    out = np.asarray(predict(Xp), dtype=float).reshape(2 * d, n, n_outputs)
    J = (out[:d] - out[d:]) / (2 * h[:, None, None])         # (d, n, n_outputs)
    J = J.transpose(1, 2, 0)
    if not np.all(np.isfinite(J)):
        raise ValueError("The estimator's finite-difference Jacobian is not finite.")
    return J


def estimator_library(estimator, X, n_outputs):
    """A fitted regressor as a :class:`~sksym.libraries.FunctionLibrary` whose
    features are its outputs (so ``W`` is the identity)."""

    def func(Z):
        out = np.asarray(estimator.predict(Z), dtype=float)
        if out.size != len(Z) * n_outputs:
            raise ValueError(
                f"estimator predicts {out.size // max(len(Z), 1)} output(s) per sample, but y has "
                f"{n_outputs}; fit the estimator on targets like y (or pass it unfitted)."
            )
        return out.reshape(len(Z), n_outputs)

    def jac(Z):
        return _central_difference_jacobian(func, np.asarray(Z, dtype=float), n_outputs)

    return FunctionLibrary(func=func, jac=jac).fit(X[:2])


def fit_equations(theta, n_draws=0, random_state=None):
    """Implicit equations ``h(x) = c^T Theta(x) = 0`` satisfied by the samples.

    The library columns are scaled to unit root-mean-square and the equations
    are the right singular vectors of the scaled ``Theta`` whose singular
    values the largest-gap rule of :func:`~sksym.lie.select_n_symmetries`
    counts as zero, with a gap of at least 4 (on standardised samples of
    full-dimensional Gaussian, uniform and exponential data the largest ratio
    of consecutive singular values stays below about 2.1; 1% to 10% noise on
    a sphere or hyperboloid gives ratios above 4.5).

    Returns
    -------
    H : ndarray of shape (m, K)
        Coefficients of the equations in the library (orthonormal after scaling).
    singular_values : ndarray of shape (K,)
        Ascending singular values of the scaled ``Theta / sqrt(n)``; the first
        ``m`` are the root-mean-square residuals of the equations.
    dH : ndarray of shape (n_draws, m, K)
        Plausible errors of ``H``: the equations are a least-squares fit whose
        residual acts as noise, with covariance
        ``(s_e^2 / n) sum_j v_j v_j^T / s_j^2`` over the other singular
        directions ``j`` (scaled coordinates).
    """
    n, K = theta.shape
    scale = np.sqrt(np.mean(theta ** 2, axis=0))
    scale = np.where(scale > 0, scale, 1.0)
    Ts = theta / scale / np.sqrt(n)
    with _small_blas(K):
        if n > K:
            Ts = scipy.linalg.qr(Ts, mode="r", check_finite=False)[0][:K]
        _, s, vt = scipy.linalg.svd(Ts, full_matrices=True, check_finite=False, lapack_driver="gesvd")
    s_full = np.zeros(K)
    s_full[: s.size] = s
    order = np.argsort(s_full, kind="stable")
    s_full, V = s_full[order], vt.T[:, order]
    m = select_n_symmetries(s_full, min_gap=_EQUATION_GAP)
    H = (V[:, :m] / scale[:, None]).T
    dH = np.zeros((n_draws, m, K))
    rest = s_full[m:]
    if n_draws and m and np.all(rest > 0):
        rng = np.random.RandomState(random_state) if not hasattr(random_state, "normal") else random_state
        for b in range(n_draws):
            z = rng.normal(size=(m, K - m)) / rest                      # (m, K - m)
            dc = (s_full[:m, None] / np.sqrt(n)) * (z @ V[:, m:].T)     # scaled coordinates
            dH[b] = dc / scale
    return H, s_full, dH


class StandardizedPolynomialFeatures(TransformerMixin, BaseEstimator):
    """Polynomial features of the standardised inputs ``(x - mean_) / scale_``
    (the same space of polynomials, better conditioned away from the origin),
    with their exact Jacobian (private)."""

    def __init__(self, degree=2):
        self.degree = degree

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=float)
        self.mean_ = X.mean(axis=0)
        scale = X.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        self.poly_ = PolynomialFeatures(self.degree).fit(X[:1])
        self.polynomial_degree_ = library_degree(self.poly_)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        Z = (np.asarray(X, dtype=float) - self.mean_) / self.scale_
        return self.poly_.transform(Z)

    def jacobian(self, X):
        Z = (np.asarray(X, dtype=float) - self.mean_) / self.scale_
        return polynomial_jacobian(Z, self.poly_.powers_) / self.scale_
