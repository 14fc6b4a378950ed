"""SINDy with a nuclear-norm penalty that promotes symmetry among candidate generators."""

import warnings

import numpy as np
import scipy.linalg
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import PolynomialFeatures

from .._linalg import orthonormal_stack
from .._validation import check_alpha, check_library, check_symmetry_tol, check_tol
from ..groups import GL, Group
from ..libraries import library_degree
from ..lie import LieDerivative, select_n_symmetries, symmetry_spectrum, unisolvent_points
from ..lie._spectrum import _accuracy_floor, _reference_scale, _rms
from ..reps import Rep, Scalar, V
from ..solvers import CompressedLieOperator, cvxpy_promote, solve_promote
from ._base import _BaseSINDy
from ._sindy import _qr_data, _single_thread_blas, check_max_iter, check_threshold

__all__ = ["SymmetryPromotingSINDy"]

_MAX_OPERATOR_POINTS = 2000
_SOLVERS = ("auto", "newton", "admm", "cvxpy")


def _data_box(X):
    """Centre and half-widths of the states' bounding box (a coordinate that
    does not vary gets the half-width ``max(|centre|, 1)``)."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    centre, half = (hi + lo) / 2, (hi - lo) / 2
    return centre, np.where(half > 0, half, np.maximum(np.abs(centre), 1.0))


def _operator_points(library, X, oversample=2.0, random_state=0):
    """Where the Lie derivative is evaluated: unisolvent points spread over the
    data's bounding box (exact for polynomial libraries), else data rows."""
    d = X.shape[1]
    degree = library_degree(library)
    if degree is None:
        idx = np.random.RandomState(random_state).permutation(len(X))[:_MAX_OPERATOR_POINTS]
        return X[idx]
    centre, half = _data_box(X)
    return centre + half * unisolvent_points(d, degree, oversample, random_state)


def _compressed(lie, X):
    """The penalty's operator: for ``PolynomialFeatures`` exact in the uniform
    measure on the states' bounding box (a property of the vector field, the
    same for any ordering or signs of the state variables), else at the points."""
    if isinstance(lie.library, PolynomialFeatures):
        centre, half = _data_box(X)
        return CompressedLieOperator(lie, measure="box", bounds=(centre - half, centre + half))
    return CompressedLieOperator(lie)


def _exact_refit(theta, Y, W):
    """Least squares on the kept terms of ``W`` when it is overdetermined (more
    distinct samples than kept terms, the kept columns of ``theta`` of full
    rank) and reproduces the targets to rounding (relative residual below
    ``sqrt(eps)``: derivatives without noise, e.g. given in closed form).

    Returns ``(refit, level)`` or None, ``level`` bounding the relative size
    of the refit's errors: the relative residual (at least ``1e3 eps``) times
    the condition number of the kept columns."""
    size = np.linalg.norm(Y)
    refit = np.zeros_like(W)
    residual, cond = 0.0, 1.0
    for o in range(W.shape[0]):
        idx = np.flatnonzero(W[o])
        if idx.size and len(np.unique(theta[:, idx], axis=0)) <= idx.size:
            return None             # no more distinct samples than terms: interpolation
        if idx.size:
            coef, _, rank, sv = scipy.linalg.lstsq(theta[:, idx], Y[:, o], check_finite=False)
            if rank < idx.size or sv[-1] <= 1e-8 * sv[0]:
                return None         # not determined: the least-squares model is arbitrary
            refit[o, idx] = coef
            cond = max(cond, sv[0] / sv[-1])
        residual += float(np.sum((Y[:, o] - theta @ refit[o]) ** 2))
    eps = np.finfo(float).eps
    if np.sqrt(residual) > np.sqrt(eps) * size:
        return None
    return refit, max(np.sqrt(residual) / size if size else 0.0, 1e3 * eps) * cond


class SymmetryPromotingSINDy(_BaseSINDy):
    """Sparse identification of dynamics with a penalty that promotes symmetry.

    Fits ``dx/dt = W Theta(x)`` by minimising::

        1/(2 n) ||X_dot - Theta(X) W^T||_F^2 + alpha ||[L_xi_1 W | ... | L_xi_q W]||_*

    where ``xi_j`` are the candidate generators (a basis of ``candidates``'
    Lie algebra) and ``L_xi W`` is the Lie derivative of the vector field
    (its Lie bracket with the linear vector field ``xi``; the derivative
    transforms by the linear part of the state action). The nuclear norm is
    small when the model commutes with a subspace of candidates, without
    knowing which one (Otto et al. 2023). Sparsity is obtained by sequential
    thresholding: entries with ``|W_ik| < threshold`` are removed and the
    penalised problem is solved again on the remaining entries, until the
    support stops changing.

    The convex problems are solved by sksym's own solvers (see
    :func:`sksym.solvers.solve_promote`: Newton on a smoothed nuclear norm or
    ADMM with singular-value thresholding) or by
    :func:`sksym.solvers.cvxpy_promote` (the reference, ``solver="cvxpy"``).

    Parameters
    ----------
    candidates : Group or array-like of shape (q, d, d) or (q, d, d + 1), default=None
        Group whose Lie algebra holds the candidate generators (or the
        generators themselves); ``None`` means ``GL(n_states)`` (every linear
        vector field). Only the Lie algebra is used, through an orthonormal
        (Frobenius) basis of its span: repeated, rescaled or combined
        generators give the same fit.
    library : transformer, default=None
        The dictionary ``Theta``; ``None`` means ``PolynomialFeatures(degree=2)``.
    state_rep : Rep, default=None
        How ``candidates`` act on the state; ``None`` means ``V``.
    alpha : float, default=1e-3
        Weight of the nuclear-norm penalty (0 gives thresholded least
        squares). The penalty also shrinks the directions that are not
        symmetries, so keep it small: it should be of the order of the
        symmetry breaking caused by noise, not of the model. Like Lasso's
        ``alpha`` it is in the units of the targets (the derivatives): the
        data term is quadratic in them, the penalty linear, so rescaling time
        or the states by ``c`` calls for ``alpha`` rescaled by ``c`` too.
    threshold : float, default=0.1
        Coefficients smaller in magnitude are removed.
    max_iter : int, default=20
        Maximum number of thresholding rounds.
    differentiation : {"finite_difference", "smoothed_finite_difference"} or callable, \
default="finite_difference"
        How ``fit`` obtains derivatives when ``y`` is not given: second-order
        finite differences, the same after Savitzky-Golay smoothing for noisy
        data (the model is then fitted on the smoothed states, as in
        pysindy), or a callable ``(X, t) -> X_dot``.
    solver : {"auto", "newton", "admm", "cvxpy"}, default="auto"
        Backend of the convex problems ("auto" picks Newton or ADMM by size).
    tol : float, default=1e-6
        Relative tolerance of the solver.
    solver_max_iter : int, default=10000
        Iteration limit of the solver (a ``ConvergenceWarning`` is raised
        when it is reached).
    symmetry_tol : "auto" or float, default="auto"
        Rule deciding which singular values of ``xi -> L_xi W`` count as zero
        when reporting ``generators_`` (see
        :func:`~sksym.lie.select_n_symmetries`). The size of the output term
        ``B_xi F`` (which cancels ``DF xi`` for a symmetry) serves as the scale
        of a broken direction (``reference``), so that a single candidate, or a
        model commuting with every candidate, counts as symmetric when its
        singular values are round-off. Values below the solver's accuracy
        (``10 tol`` times the spread of the derivatives) always count as zero.
        With "auto", when the kept terms determine a least-squares model that
        reproduces the derivatives to rounding (relative ``1.5e-8``: no noise,
        e.g. derivatives given in closed form; more distinct samples than
        terms), that model's round-off values are the only zeros (its
        residual times the condition number of the kept terms, relative to
        the derivatives' size); otherwise the largest gap of the fit's spectrum
        decides, which also counts approximate symmetries of noisy data
        (values far below the rest) and can take a small real breaking for
        one (``x' = (-I + 0.05 N) x`` with noise of ``1e-7`` or finite
        differences: all of gl(2) instead of ``I`` and ``N``).

    Attributes
    ----------
    coef_ : ndarray of shape (n_states, n_library_features)
        The fitted ``W`` (the penalised solution: like every nuclear-norm
        method it is shrunk towards symmetric models; there is no unpenalised
        refit).
    generators_ : ndarray of shape (n_symmetries, d, d)
        Orthonormal generators among the candidates that the fitted vector
        field (nearly) commutes with, most symmetric first. When the kept
        terms determine a model that reproduces the derivatives exactly (more
        samples than terms; derivatives without noise), they are that
        least-squares model's symmetries, the data's: the penalised ``coef_``
        can break them a little (see ``symmetry_tol``).
    symmetry_singular_values_ : ndarray of shape (n_generators,)
        Ascending singular values of ``xi -> L_xi W`` over the orthonormal
        basis of the candidates' span (``n_generators`` its dimension), in the
        penalty's measure (see Notes), for the model whose symmetries
        ``generators_`` are (``coef_``, or that least-squares model).
    n_iter_ : int
        Thresholding rounds run.
    solver_n_iter_ : int
        Solver iterations of the last solve.
    library_ : transformer
        The fitted dictionary.
    candidates_ : Group
        The candidate group used.
    state_rep_, output_rep_ : Rep
        Bound representations of the state and of the targets
        (``state_rep_.linear`` for a vector field).
    n_features_in_ : int
        Number of state variables.
    feature_names_in_ : ndarray of str
        State names, if ``X`` had them.

    See Also
    --------
    SymmetricSINDy : enforce a known symmetry exactly.

    Notes
    -----
    If ``y`` does not have one column per state (it is not a vector field),
    each target is treated as a function whose invariance is promoted.
    The penalty measures ``L_xi W`` in the uniform probability measure of the
    bounding box of the training states (root-mean-square over the box),
    exactly for ``PolynomialFeatures`` (the monomials' moments): a property
    of the vector field, unchanged when the states are listed in another
    order or with other signs. Other libraries with a degree use unisolvent
    points spread over that box, non-polynomial ones up to 2000 training
    states. The box is not invariant under the candidates (a square is not
    under rotations), and neither is a trajectory's data term: with a large
    ``alpha`` the penalty may trade a small breaking of an exact symmetry
    for smaller singular values elsewhere (exact Hopf derivatives without
    thresholding: ``coef_`` breaks the rotation by ``~1e-2`` at
    ``alpha = 1e-2``; such exact data are counted from their least-squares
    model, see ``symmetry_tol``), so keep ``alpha`` small and read
    ``generators_`` with that in mind.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import PolynomialFeatures
    >>> from sksym.datasets import make_hopf
    >>> from sksym.dynamics import SymmetryPromotingSINDy
    >>> X, t, X_dot = make_hopf(n_samples=200, return_derivatives=True)
    >>> model = SymmetryPromotingSINDy(library=PolynomialFeatures(3)).fit(X, X_dot)
    >>> model.generators_.shape                  # among gl(2): the rotations
    (1, 2, 2)
    >>> np.round(np.abs(model.generators_[0]) * np.sqrt(2), 2)
    array([[0., 1.],
           [1., 0.]])
    """

    def __init__(self, candidates=None, library=None, state_rep=None, alpha=1e-3, threshold=0.1,
                 max_iter=20, differentiation="finite_difference", solver="auto", tol=1e-6,
                 solver_max_iter=10000, symmetry_tol="auto"):
        self.candidates = candidates
        self.library = library
        self.state_rep = state_rep
        self.alpha = alpha
        self.threshold = threshold
        self.max_iter = max_iter
        self.differentiation = differentiation
        self.solver = solver
        self.tol = tol
        self.solver_max_iter = solver_max_iter
        self.symmetry_tol = symmetry_tol

    def _reps(self, n_features, n_targets):
        G = self.candidates
        if G is None:
            G = GL(n_features)
        if not isinstance(G, Group):
            if np.iscomplexobj(G):
                raise TypeError("candidates must be real generators; got complex values.")
            try:
                arr = np.asarray(G, dtype=float)
            except (TypeError, ValueError):
                arr = None
            if arr is None or arr.ndim != 3:
                raise TypeError(
                    "candidates must be a sksym.groups.Group (e.g. GL(2)), an array of "
                    f"generators of shape (q, d, d), or None; got {type(G).__name__}."
                )
            G = Group(lie_algebra=arr, name="candidates")
        if len(G.lie_algebra) == 0:
            raise ValueError(
                f"candidates {G.name} have no Lie algebra (only discrete elements, or none): "
                "promotion needs continuous generators. For a discrete symmetry, enforce it "
                "with SymmetricSINDy."
            )
        if not np.any(G.lie_algebra):
            raise ValueError("candidates are all zero: pass at least one non-zero generator.")
        rep = V if self.state_rep is None else self.state_rep
        if not isinstance(rep, Rep):
            raise TypeError(f"state_rep must be a sksym Rep (e.g. V + V); got {type(rep).__name__}.")
        rep = rep if rep.is_bound else rep(G)
        if rep.group != G:
            raise ValueError(f"state_rep is bound to {rep.group}, but candidates is {G}.")
        if rep.size != n_features:
            raise ValueError(
                f"Dimension mismatch: the candidates act on a state of size {rep.size}, "
                f"but X has {n_features} features."
            )
        out = rep.linear if n_targets == n_features else (n_targets * Scalar)(G)
        return G, rep, out

    def fit(self, X, y=None, t=None):
        """Fit the sparse model with the symmetry-promoting penalty.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_states), or list of such arrays
            States: one trajectory, or a list of trajectories.
        y : array-like of shape (n_samples, n_states), or list, default=None
            Time derivatives of ``X``. If None, they are computed from ``t``.
        t : float or array-like of shape (n_samples,), or list, default=None
            Time step or strictly increasing sample times, used only when ``y``
            is None.

        Returns
        -------
        self : SymmetryPromotingSINDy
        """
        alpha = check_alpha(self.alpha)
        threshold = check_threshold(self.threshold)
        max_iter = check_max_iter(self.max_iter)
        solver_max_iter = check_max_iter(self.solver_max_iter, "solver_max_iter")
        tol = check_tol(self.tol)
        if tol == 0:
            raise ValueError("tol must be positive.")
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {_SOLVERS}; got {self.solver!r}.")
        check_symmetry_tol(self.symmetry_tol)
        X, Y, self._single_output = self._collect(X, y, t, reset=True)
        n, d = X.shape
        n_out = Y.shape[1]
        self.candidates_, self.state_rep_, self.output_rep_ = self._reps(d, n_out)
        self.library_, theta = check_library(self.library, X)
        K = theta.shape[1]
        with _single_thread_blas():
            points = _operator_points(self.library_, X)
            # an orthonormal basis of the candidates' span: the penalty and the
            # generators assume one (a user's array need not be)
            basis = orthonormal_stack(np.asarray(self.candidates_.lie_algebra, dtype=float))
            lie = LieDerivative(self.library_, self.state_rep_, self.output_rep_, lie_algebra=basis,
                                points=points)
            if n_out > 1 and n_out != d:
                # invariant targets: one scalar operator, repeated block-diagonally
                one = _compressed(LieDerivative(
                    self.library_, self.state_rep_, Scalar(self.candidates_), lie_algebra=basis,
                    points=points), X)
                q, r1, _ = one.tensor.shape
                A = np.zeros((q, n_out * r1, n_out * K))
                for o in range(n_out):
                    A[:, o * r1:(o + 1) * r1, o * K:(o + 1) * K] = one.tensor
                op = CompressedLieOperator.from_tensor(A, n_outputs=n_out)
            else:
                op = _compressed(lie, X)
            R, Z = _qr_data(theta, Y)
            S = np.ones((n_out, K), dtype=bool)
            W = np.zeros((n_out, K))
            sol = None
            converged = False
            self.n_iter_ = 0
            caught = []
            unconverged = 0

            def solve(S, W):
                # one warning per fit, not one per thresholding round: those of the
                # solve whose coefficients are returned, or, if only earlier rounds
                # failed, one saying that the support came from them
                nonlocal caught, unconverged
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    out = self._solve(R, Z, n, op, S, alpha, tol, solver_max_iter, W)
                unconverged += not out[1].converged
                return out

            for k in range(max_iter):
                if not S.any():
                    break
                W, sol = solve(S, W)
                self.n_iter_ = k + 1
                S_new = S & (np.abs(W) >= threshold)
                if np.array_equal(S_new, S):
                    converged = True
                    break
                S = S_new
            if not converged and S.any() and self.n_iter_ == max_iter:
                warnings.warn(
                    f"The support still changed after max_iter={max_iter} thresholding rounds; "
                    "increase max_iter.",
                    ConvergenceWarning,
                )
            if not S.any():
                if threshold > 0:
                    warnings.warn(f"threshold={threshold!r} eliminated every coefficient; the model is zero.",
                                  UserWarning)
                W = np.zeros((n_out, K))
            elif not converged:
                W, sol = solve(S, W)
            final_failed = sol is not None and S.any() and not sol.converged
            if S.any():
                for w in caught:
                    warnings.warn(w.message, w.category)
            if unconverged and not final_failed:
                warnings.warn(
                    f"The solver did not converge in {unconverged} of the thresholding rounds, so "
                    "the terms kept were chosen from unconverged coefficients; increase "
                    "solver_max_iter (or tol).",
                    ConvergenceWarning,
                )
            self.solver_n_iter_ = 0 if sol is None else int(sol.n_iter)
            # Values the solver does not resolve count as zero. When the kept terms
            # determine a model that reproduces the derivatives exactly (no noise),
            # that model's symmetries are the data's and only its round-off values
            # count: the penalty's bias can break them a little in the fit (exact
            # Hopf data with threshold=0, alpha=1e-3: the rotation at 0.01), and
            # without this rule the round-off values of x' = A x with a 5% shear
            # (1e-17, next to 0.04) left only the gap to the reference, and every
            # candidate counted; the spectrum and the generators are then that
            # model's. With noise, the gap rule decides on the fit's spectrum, and
            # also counts approximate symmetries.
            exact = None
            if sol is not None and self.symmetry_tol == "auto":
                exact = _exact_refit(theta, Y, W)
            model = W if exact is None else exact[0]
            # the spectrum in the penalty's measure
            s, gens = symmetry_spectrum(op.matrix(model), lie.lie_algebra)
            # the size of the output term B_xi F, which cancels DF xi for a symmetry,
            # is the scale of a broken direction (as in SymmetryDiscovery): without
            # it a single candidate, or a model commuting with every candidate, had
            # only its own round-off values as the scale and was never a symmetry
            reference = _reference_scale(lie, self.output_rep_, model, lie.theta @ model.T)
            k = 0
            if exact is not None:
                # no solver between the data and that model: its zeros are round-off,
                # at the level of its errors relative to the derivatives' size (not
                # the solver's floor: a constant of 1e5 made that 1 and counted a
                # broken direction of 0.57)
                k = int(np.sum(s <= 10 * exact[1] * _rms(Y)))
            elif len(s):
                floor = 0.0 if sol is None else _accuracy_floor(theta @ W.T, Y, tol)
                k = select_n_symmetries(s, tol=self.symmetry_tol, reference=reference)
                k = max(k, int(np.sum(s <= floor)))
            self.symmetry_singular_values_ = s
            self.generators_ = gens[:k]
        self.coef_ = W
        return self

    def _solve(self, R, Z, n, op, S, alpha, tol, max_iter, W_prev):
        """Penalised least squares on the entries ``S`` of ``W`` (a single-output
        problem in ``vec(W)[S]``, so that rows may have different supports)."""
        n_out, K = S.shape
        m = R.shape[0]
        cols = np.flatnonzero(S.ravel())
        T = np.zeros((m * n_out, cols.size))
        start = 0
        for o in range(n_out):
            idx = np.flatnonzero(S[o])
            T[o * m:(o + 1) * m, start:start + idx.size] = R[:, idx]
            start += idx.size
        y = Z.T.ravel()
        A = op.tensor[:, :, cols]
        A = A[:, np.any(A != 0, axis=(0, 2))]      # rows no kept entry reaches
        sub = CompressedLieOperator.from_tensor(A, n_outputs=1)
        # 1/(2 m n_out) ||y - T z||^2 + a' ||.||_*  is  (m n_out / n) times our objective
        a = alpha * n / (m * n_out)
        if self.solver == "cvxpy":
            sol = cvxpy_promote(T, y, sub, a)
        else:
            warm = W_prev.ravel()[cols][None] if np.any(W_prev) else None
            sol = solve_promote(T, y, sub, a, solver=self.solver, tol=tol, max_iter=max_iter,
                                warm_start=warm)
        W = np.zeros(n_out * K)
        W[cols] = sol.coef[0]
        return W.reshape(n_out, K), sol
