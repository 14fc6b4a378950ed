"""SINDy restricted exactly to group-equivariant vector fields."""

import numbers
import warnings

import numpy as np
import scipy.linalg
from sklearn.exceptions import ConvergenceWarning

from .._threads import blas_limit
from .._validation import check_alpha, check_library, check_rank_tol, resolve_reps
from ..lie import equivariant_model_basis
from ..lie._model_basis import warn_if_no_model
from ..reps import Scalar
from ._base import _BaseSINDy

__all__ = ["SymmetricSINDy"]


def check_threshold(threshold):
    if (not isinstance(threshold, numbers.Real) or isinstance(threshold, bool)
            or not np.isfinite(threshold) or threshold < 0):
        raise ValueError(f"threshold must be a non-negative finite float; got {threshold!r}.")
    return float(threshold)


def check_max_iter(max_iter, name="max_iter"):
    if not isinstance(max_iter, numbers.Integral) or isinstance(max_iter, bool) or max_iter < 1:
        raise ValueError(f"{name} must be a positive integer; got {max_iter!r}.")
    return int(max_iter)


def resolve_vector_field_reps(group, state_rep, n_features, n_targets):
    """Group and representations of a vector field ``dx/dt = f(x)``.

    The state transforms by ``state_rep``; its derivative by the linear part of
    the same representation, ``state_rep.linear`` (the tangent action:
    translations move the base point but not the vector, Otto et al. 2023,
    section 1.3). Targets that are not one
    derivative per state are allowed only for the trivial group (plain
    regression on the library), as invariant scalars.
    """
    group_, in_rep, _ = resolve_reps(group, state_rep, None, n_features)
    if n_targets == n_features:
        return group_, in_rep, in_rep.linear
    if group_.lie_dim == 0 and group_.n_discrete == 0:
        return group_, in_rep, (n_targets * Scalar)(group_)
    raise ValueError(
        f"Dimension mismatch: y has {n_targets} column(s) but the state has {n_features}; "
        f"the symmetry of {group_} constrains vector fields, so y must hold one time "
        "derivative per state."
    )


def _is_coordinate_basis(B):
    """Whether every basis element is one unit entry (the trivial group)."""
    flat = B.reshape(B.shape[0], int(np.prod(B.shape[1:])))
    nnz = np.count_nonzero(flat, axis=1)
    return flat.shape[0] == flat.shape[1] > 0 and np.all(nnz == 1)


def _qr_data(theta, Y):
    """``theta = Q R``; returns ``R`` and ``Q^T Y`` (same least-squares problems)."""
    if theta.shape[0] > theta.shape[1]:
        Q, R = scipy.linalg.qr(theta, mode="economic", check_finite=False)
        return R, Q.T @ Y
    return theta, Y


def _ridge(D, b, alpha):
    """``argmin ||b - D c||^2 + alpha ||c||^2`` (minimum norm when alpha = 0)."""
    if D.shape[1] == 0:
        return np.zeros((0,) + b.shape[1:])
    if alpha > 0:
        D = np.vstack([D, np.sqrt(alpha) * np.eye(D.shape[1])])
        b = np.concatenate([b, np.zeros((D.shape[1],) + b.shape[1:])])
    return scipy.linalg.lstsq(D, b, check_finite=False, lapack_driver="gelsd")[0]


def _subspace(Boff, tol):
    """Orthonormal coordinates ``N`` of the ``c`` with ``c @ Boff = 0``.

    The basis is orthonormal, so the singular values of ``Boff`` are at most 1
    and ``tol`` is used as an absolute threshold."""
    r0 = Boff.shape[0]
    if Boff.shape[1] == 0:
        return np.eye(r0)
    U, s, _ = scipy.linalg.svd(Boff, full_matrices=True, check_finite=False, lapack_driver="gesvd")
    rank = int(np.count_nonzero(s > max(tol, 1e-12)))
    return U[:, rank:]


def _single_thread_blas():
    """Small dense problems: BLAS threads bring nothing and spin on a busy machine."""
    return blas_limit(1)


def sequential_threshold(theta, Y, basis, threshold, alpha, max_iter, unbias=True, tol=1e-10):
    """Sequentially thresholded ridge regression inside the span of ``basis``.

    Minimises ``||Y - theta W^T||_F^2 + alpha ||W||_F^2`` over ``W`` in the span
    of ``basis`` whose entries outside the current support vanish; entries with
    ``|W_ik| < threshold`` leave the support, and the feasible set shrinks to
    the equivariant ``W`` with those entries zero, so every iterate stays in
    the span. With the coordinate basis (trivial group) this is exactly
    pysindy's ``STLSQ``.

    Returns
    -------
    W : ndarray of shape (n_outputs, K)
    n_iter : int
    converged : bool
    """
    n_out, K = Y.shape[1], theta.shape[1]
    R, Z = _qr_data(theta, Y)
    # entries some equivariant W can use (structural zeros never enter the support)
    S = np.any(np.abs(basis) > tol, axis=0) if basis.shape[0] else np.zeros((n_out, K), bool)
    if not S.any():             # no equivariant model but zero
        return np.zeros((n_out, K)), 0, True
    converged = False
    n_iter = 0
    coordinate = _is_coordinate_basis(basis)
    if coordinate:
        # plain STLSQ, one target at a time; the sign of the unit entries is irrelevant
        def fit(S, a):
            W = np.zeros((n_out, K))
            for o in range(n_out):
                if S[o].any():
                    W[o, S[o]] = _ridge(R[:, S[o]], Z[:, o], a)
            return W
    else:
        r0 = basis.shape[0]
        Bm = basis.reshape(r0, -1)
        E = np.einsum("mk,jok->moj", R, basis).reshape(-1, r0)     # column j: vec(R B_j^T)
        z = Z.ravel()

        def fit(S, a):
            off = ~S.ravel()
            N = _subspace(Bm[:, off], tol)
            if N.shape[1] == 0:
                return np.zeros((n_out, K))
            c = _ridge(E @ N, z, a)
            W = ((N @ c) @ Bm).reshape(n_out, K)
            W[~S] = 0.0          # round-off only: these entries vanish on the subspace
            return W

    W = np.zeros((n_out, K))
    for k in range(max_iter):
        if not S.any():
            warnings.warn(
                f"threshold={threshold!r} eliminated every coefficient; the model is zero.",
                UserWarning,
            )
            converged = True
            break
        W = fit(S, alpha)
        n_iter = k + 1
        S_new = S & (np.abs(W) >= threshold)
        W[~S_new] = 0.0
        if np.array_equal(S_new, S):
            converged = True
            break
        S = S_new
    if not S.any():
        W = np.zeros((n_out, K))
    elif unbias or not converged:
        # refit the final support (without the ridge penalty when unbiasing)
        W = fit(S, 0.0 if unbias else alpha)
    return W, n_iter, converged


class SymmetricSINDy(_BaseSINDy):
    """Sparse identification of dynamics restricted exactly to equivariant vector fields.

    Fits ``dx/dt = W Theta(x)`` by sequentially thresholded least squares
    (STLSQ, as pysindy's default optimizer) over the coefficient matrices ``W``
    whose vector field commutes with the group: ``f(g x) = rho(g) f(x)`` for
    every ``g``, with ``rho`` the linear part of the state representation (the
    tangent action; translations move points, not velocities). The problem is
    solved in the coordinates of an orthonormal basis of those ``W``, built
    once from :class:`~sksym.lie.LieDerivative` (exact for polynomial
    libraries), so every iterate and the result are exactly equivariant.

    Sparsity promoted: the number of non-zero entries of ``W`` (one coefficient
    per state and library term, as in pysindy). An entry with
    ``|W_ik| < threshold`` is set to zero, and since the model must stay
    equivariant this also zeroes every entry tied to it by the symmetry (its
    orbit); the ridge fit is then repeated on what is left.

    Parameters
    ----------
    group : Group, default=None
        Symmetry group acting on the state. ``None`` means the group
        ``state_rep`` is bound to, or the trivial group: then the estimator
        is plain STLSQ (the same equations as pysindy's ``SINDy()``).
    library : transformer, default=None
        The dictionary ``Theta``; ``None`` means ``PolynomialFeatures(degree=2)``.
    state_rep : Rep, default=None
        How the group acts on the state; ``None`` means ``V``. Derivatives
        transform by its linear part.
    threshold : float, default=0.1
        Coefficients smaller in magnitude are set to zero.
    alpha : float, default=0.05
        Ridge penalty ``alpha ||W||_F^2`` added to the (unnormalised) sum of
        squared residuals, as in pysindy's ``STLSQ``.
    max_iter : int, default=20
        Maximum number of thresholding rounds; a ``ConvergenceWarning`` is
        raised if the support still changes after the last one.
    unbias : bool, default=True
        Refit the final support by least squares without the ridge penalty.
    differentiation : {"finite_difference", "smoothed_finite_difference"} or callable, \
default="finite_difference"
        How ``fit`` obtains derivatives when ``y`` is not given: second-order
        finite differences, the same after Savitzky-Golay smoothing for noisy
        data (the model is then fitted on the smoothed states, as in
        pysindy), or a callable ``(X, t) -> X_dot``.
    tol : float, default=1e-10
        Relative singular-value threshold of the equivariant basis.

    Attributes
    ----------
    coef_ : ndarray of shape (n_states, n_library_features)
        The fitted ``W``; ``predict(X) = Theta(X) @ coef_.T``.
    equivariant_basis_ : ndarray of shape (n_free, n_states, n_library_features)
        Orthonormal basis of the equivariant ``W``.
    n_free_parameters_ : int
        Dimension of that space (``n_states * n_library_features`` for the
        trivial group).
    n_iter_ : int
        Thresholding rounds run.
    library_ : transformer
        The fitted dictionary.
    group_ : Group
        The group used.
    state_rep_, output_rep_ : Rep
        Bound representations of the state and of its derivative
        (``state_rep_.linear``: translations do not act on velocities).
    n_features_in_ : int
        Number of state variables.
    feature_names_in_ : ndarray of str
        State names, if ``X`` had them.

    See Also
    --------
    SymmetryPromotingSINDy : promote symmetry instead of enforcing a known one.
    sksym.linear_model.SymmetricRidge : the same construction for regression.

    Notes
    -----
    Because the derivatives can be passed as ``y``, the estimator is an
    ordinary regressor (``GridSearchCV`` over ``threshold`` works unchanged).
    Otherwise ``fit(X, t=dt)`` differentiates ``X`` (one trajectory, or a list
    of trajectories).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import PolynomialFeatures
    >>> from sksym.datasets import make_hopf
    >>> from sksym.dynamics import SymmetricSINDy
    >>> from sksym.groups import SO
    >>> X, t = make_hopf(n_samples=200, random_state=0)
    >>> model = SymmetricSINDy(group=SO(2), library=PolynomialFeatures(3)).fit(X, t=t)
    >>> model.n_free_parameters_
    4
    >>> model.print(precision=2)
    (x0)' = 0.50 x0 - 1.00 x1 - 1.00 x0^3 - 1.00 x0 x1^2
    (x1)' = 1.00 x0 + 0.50 x1 - 1.00 x0^2 x1 - 1.00 x1^3
    """

    def __init__(self, group=None, library=None, state_rep=None, threshold=0.1, alpha=0.05,
                 max_iter=20, unbias=True, differentiation="finite_difference", tol=1e-10):
        self.group = group
        self.library = library
        self.state_rep = state_rep
        self.threshold = threshold
        self.alpha = alpha
        self.max_iter = max_iter
        self.unbias = unbias
        self.differentiation = differentiation
        self.tol = tol

    def fit(self, X, y=None, t=None):
        """Fit the equivariant sparse model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_states), or list of such arrays
            States: one trajectory, or a list of trajectories.
        y : array-like of shape (n_samples, n_states), or list, default=None
            Time derivatives of ``X``. If None, they are computed from ``t``.
        t : float or array-like of shape (n_samples,), or list, default=None
            Time step or strictly increasing sample times (one per trajectory
            for a list), used only when ``y`` is None.

        Returns
        -------
        self : SymmetricSINDy
        """
        threshold = check_threshold(self.threshold)
        alpha = check_alpha(self.alpha)
        max_iter = check_max_iter(self.max_iter)
        tol = check_rank_tol(self.tol)
        X, Y, self._single_output = self._collect(X, y, t, reset=True)
        self.group_, self.state_rep_, self.output_rep_ = resolve_vector_field_reps(
            self.group, self.state_rep, X.shape[1], Y.shape[1]
        )
        self.library_, theta = check_library(self.library, X)
        with _single_thread_blas():
            basis = np.array(equivariant_model_basis(self.library_, self.state_rep_,
                                                     self.output_rep_, X, tol))
            W, self.n_iter_, converged = sequential_threshold(
                theta, Y, basis, threshold, alpha, max_iter, bool(self.unbias), tol
            )
        self.equivariant_basis_ = basis
        self.n_free_parameters_ = basis.shape[0]
        warn_if_no_model(basis, self.group_)
        if not converged:
            warnings.warn(
                f"The support still changed after max_iter={max_iter} thresholding rounds; "
                "increase max_iter.",
                ConvergenceWarning,
            )
        self.coef_ = W
        return self
