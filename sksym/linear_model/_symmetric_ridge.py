"""Ridge regression restricted exactly to equivariant models."""


import numpy as np
import scipy.linalg
from sklearn.utils.validation import _check_sample_weight, validate_data

from ._base import DictionaryRegressor
from .._validation import check_alpha, check_library, check_rank_tol, resolve_reps
from ..lie import equivariant_model_basis
from ..lie._model_basis import warn_if_no_model
from ..reps import ScalarRep
from ..reps._basis import _expand

__all__ = ["SymmetricRidge"]

class SymmetricRidge(DictionaryRegressor):
    """Ridge regression on a dictionary, restricted exactly to equivariant models.

    Fits ``y ~ W Theta(x) + b`` minimising
    ``sum_i s_i ||y_i - W Theta(x_i) - b||^2 + alpha ||W||_F^2`` over the ``W``
    whose model is equivariant under ``group`` (and ``b`` fixed by the output
    representation). The problem is solved in the coordinates of an orthonormal
    basis of those ``W`` (from the Lie-derivative operator), so the constraint is
    exact for any data distribution; it is not a projection of an unconstrained
    fit.

    Parameters
    ----------
    group : Group, default=None
        The symmetry group. ``None`` means the group ``input_rep`` is bound to, or
        the trivial group (then the estimator equals ``PolynomialFeatures`` +
        ``Ridge``).
    library : transformer, default=None
        The dictionary ``Theta``; ``None`` means ``PolynomialFeatures(degree=2)``.
        Any transformer with a Jacobian works (see :mod:`sksym.libraries`).
    input_rep : Rep, default=None
        How the group acts on the features; ``None`` means ``V``.
    output_rep : Rep, default=None
        How the group acts on the targets; ``None`` means each target is
        invariant. A vector representation (e.g. ``V``) with as many targets
        gives equivariant vector-valued predictions.
    alpha : float, default=1.0
        L2 penalty on ``W`` (the same convention as :class:`~sklearn.linear_model.Ridge`).
    fit_intercept : bool, default=True
        Fit an unpenalised intercept (restricted to the fixed space of
        ``output_rep``, so it never breaks equivariance).
    tol : float, default=1e-10
        Relative singular-value threshold of the equivariant basis.

    Attributes
    ----------
    coef_ : ndarray of shape (n_library_features,) or (n_targets, n_library_features)
        The fitted ``W``.
    intercept_ : float or ndarray of shape (n_targets,)
        0.0 when ``fit_intercept=False``.
    equivariant_basis_ : ndarray of shape (n_free, n_targets, n_library_features)
        Orthonormal basis of the equivariant ``W``.
    n_free_parameters_ : int
        Dimension of that space.
    library_ : transformer
        The fitted dictionary.
    group_ : Group
        The group used.
    input_rep_, output_rep_ : Rep
        The bound representations used.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Feature names, if ``X`` had them.

    See Also
    --------
    InvariantPolynomialFeatures : invariant features for any regressor.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import PolynomialFeatures
    >>> from sksym.groups import SO
    >>> from sksym.linear_model import SymmetricRidge
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(30, 3))
    >>> y = np.sum(X**2, axis=1) ** 2
    >>> model = SymmetricRidge(group=SO(3), library=PolynomialFeatures(4), alpha=1e-6).fit(X, y)
    >>> model.n_free_parameters_
    3
    >>> g = SO(3).sample(1, random_state=1)[0]
    >>> bool(np.allclose(model.predict(X @ g.T), model.predict(X)))
    True
    """

    def __init__(self, group=None, library=None, input_rep=None, output_rep=None,
                 alpha=1.0, fit_intercept=True, tol=1e-10):
        self.group = group
        self.library = library
        self.input_rep = input_rep
        self.output_rep = output_rep
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.tol = tol

    def fit(self, X, y, sample_weight=None):
        """Fit the equivariant ridge model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : SymmetricRidge
        """
        alpha = check_alpha(self.alpha)
        tol = check_rank_tol(self.tol)
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise TypeError(f"fit_intercept must be True or False; got {self.fit_intercept!r}.")
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True)
        sw = None if sample_weight is None else _check_sample_weight(sample_weight, X)
        Y = y.reshape(len(y), -1).astype(float)
        n_out = Y.shape[1]
        self.group_, self.input_rep_, self.output_rep_ = resolve_reps(
            self.group, self.input_rep, self.output_rep, X.shape[1], n_out
        )
        self.library_, theta = check_library(self.library, X)
        if not (theta.flags.owndata and theta.flags.writeable):
            theta = theta.copy()              # _solve centers it in place
        basis = equivariant_model_basis(self.library_, self.input_rep_, self.output_rep_, X, tol)
        self.equivariant_basis_ = np.array(basis)
        self.n_free_parameters_ = basis.shape[0]
        warn_if_no_model(basis, self.group_)
        W, b = self._solve(theta, Y, sw, basis, alpha, X, tol)
        if y.ndim == 1:
            self.coef_, self.intercept_ = W[0], float(b[0])
        else:
            # 0.0 without an intercept, as scikit-learn's linear models
            self.coef_, self.intercept_ = W, (b if self.fit_intercept else 0.0)
        return self

    def _solve(self, theta, Y, sw, basis, alpha, X, tol):
        n_out, K = Y.shape[1], theta.shape[1]
        S = float(len(theta)) if sw is None else sw.sum()
        if self.fit_intercept:
            theta_mean = (theta.sum(axis=0) if sw is None else sw @ theta) / S
            y_mean = (Y.sum(axis=0) if sw is None else sw @ Y) / S
            U = self.output_rep_.equivariant_basis(tol=max(self.tol, 1e-12))
            theta -= theta_mean                # theta is our own array: center in place
            Y = Y - y_mean
        else:
            theta_mean, y_mean = np.zeros(K), np.zeros(n_out)
            U = np.zeros((n_out, 0))
        root = None if sw is None else np.sqrt(sw)[:, None]
        Q = np.eye(n_out) - U @ U.T            # output directions the intercept cannot absorb
        r = basis.shape[0]
        terms = _expand(self.output_rep_)
        all_scalar = all(isinstance(t, ScalarRep) for t, _ in terms)
        # least squares on the symmetric design Z (samples x free parameters),
        # not normal equations on the K x K Gram matrix of the library: those
        # squared its condition number (inputs centred at 1e4 with a cubic
        # library: R^2 0.86 where Ridge on Z reaches 1) and cost O(r^2 K^2)
        if r == 0:
            W = np.zeros((n_out, K))
        elif all_scalar and np.allclose(Q, 0):
            # Every target is invariant: one shared scalar basis, one solve.
            Bs = equivariant_model_basis(
                self.library_, self.input_rep_, ScalarRep(self.group_), X, tol
            )[:, 0, :]
            Z = theta @ Bs.T                   # (n, r)
            C = _ridge_lstsq(Z, Y, root, alpha)
            W = C.T @ Bs
        else:
            # rows (sample, output): Z[(i, o), r] = theta_i . B_r[o]
            Z = (theta @ basis.reshape(r * n_out, K).T).reshape(len(theta), r, n_out)
            Zf = Z.transpose(0, 2, 1).reshape(-1, r)
            Yf = Y.reshape(-1, 1)
            w = None if root is None else np.repeat(root, n_out, axis=0)
            if self.fit_intercept and np.any(Q):
                # the part of the mean the intercept cannot absorb: sqrt(S) Q (y_mean - W theta_mean)
                m = np.einsum("ab,rbk,k->ar", Q, basis, theta_mean)   # (n_out, r)
                Zf = np.vstack([Zf, np.sqrt(S) * m])
                Yf = np.vstack([Yf, np.sqrt(S) * (Q @ y_mean)[:, None]])
                if w is not None:
                    w = np.vstack([w, np.ones((n_out, 1))])
            c = _ridge_lstsq(Zf, Yf, w, alpha)[:, 0]
            W = np.tensordot(c, basis, axes=1)
        b = U @ (U.T @ (y_mean - W @ theta_mean)) if self.fit_intercept else np.zeros(n_out)
        return W, b


def _ridge_lstsq(Z, Y, root_weights, alpha):
    """``argmin_C ||D (Y - Z C)||^2 + alpha ||C||^2`` (``D`` the diagonal of
    ``root_weights``, or the identity), by an SVD of ``D Z``: no normal equations."""
    if root_weights is not None:
        Z, Y = Z * root_weights, Y * root_weights
    U, s, Vt = scipy.linalg.svd(Z, full_matrices=False, check_finite=False, lapack_driver="gesdd")
    if alpha > 0:                              # s / (s^2 + alpha), without overflow at s ~ 1e300
        f = np.where(s > 0, 1.0 / (s + alpha / np.where(s > 0, s, 1.0)), 0.0)
    else:                                      # minimum norm: drop the rounding-level directions
        keep = s > max(Z.shape) * np.finfo(float).eps * (s[0] if s.size else 0.0)
        f = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0)
    return Vt.T @ (f[:, None] * (U.T @ Y))
