"""Regression that promotes symmetry: a nuclear-norm penalty on the Lie derivatives."""

from functools import lru_cache
import numbers
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import PolynomialFeatures
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from ._base import DictionaryRegressor
from .._linalg import orthonormal_stack
from .._validation import check_alpha, check_library, check_symmetry_tol, resolve_reps
from ..groups import SE, Group
from ..reps import Rep
from ..libraries import library_degree
from ..lie import LieDerivative, select_n_symmetries, symmetry_spectrum
from ..lie._spectrum import _accuracy_floor, _reference_scale
from ..solvers import CompressedLieOperator, cvxpy_promote, solve_promote

__all__ = ["SymmetryPromotingRegressor"]

_MAX_OPERATOR_POINTS = 2000
_TIGHTEN = 2              # tighter solves (100-fold each) when the gap rule sees more symmetries
_SOLVERS = ("auto", "newton", "admm", "cvxpy")


@lru_cache(maxsize=16)
def _polynomial_operator(key, input_rep, output_rep, lie_key, seed):
    degree, interaction_only, include_bias, n_features = key
    lib = PolynomialFeatures(degree=degree, interaction_only=interaction_only, include_bias=include_bias)
    lib.fit(np.zeros((1, n_features)))
    lie = np.frombuffer(lie_key[0]).reshape(lie_key[1])
    lie_derivative = LieDerivative(lib, input_rep, output_rep, lie_algebra=lie,
                                   discrete_elements=_no_discrete(input_rep), random_state=seed)
    # the penalty on the uniform measure of [-1, 1]^d, exactly: a property of the function
    return lie_derivative, CompressedLieOperator(lie_derivative, measure="box")


def _no_discrete(rep):
    shape = rep.group.discrete_generators.shape[1:]
    return np.zeros((0, shape[0], shape[0] + 1 if rep.group.affine else shape[0]))


def _build_operator(library, input_rep, output_rep, X, seed):
    """The Lie derivative along an orthonormal basis of the candidate Lie algebra
    and its compressed operator (cached for PolynomialFeatures)."""
    lie = np.ascontiguousarray(orthonormal_stack(np.asarray(input_rep.group.lie_algebra, dtype=float)))
    if type(library) is PolynomialFeatures:
        key = (int(library.degree) if isinstance(library.degree, numbers.Integral)
               else tuple(int(v) for v in library.degree),
               library.interaction_only, library.include_bias, input_rep.size)
        return _polynomial_operator(key, input_rep, output_rep, (lie.tobytes(), lie.shape), seed)
    points = None
    if library_degree(library) is None:
        rng = np.random.RandomState(seed)
        points = X[rng.permutation(len(X))[:_MAX_OPERATOR_POINTS]]
    lie_derivative = LieDerivative(library, input_rep, output_rep, lie_algebra=lie, points=points,
                                   discrete_elements=_no_discrete(input_rep), random_state=seed)
    return lie_derivative, CompressedLieOperator(lie_derivative)


def _check_candidates(candidates, n_features, input_rep):
    """The candidate group (its Lie algebra is used through an orthonormal basis
    of its span, :func:`_build_operator`). ``None``: the group a bound
    ``input_rep`` carries, else ``SE(n_features)``. The dimension is checked here
    only for the default ``input_rep`` (``V``); otherwise ``resolve_reps`` checks
    the representation's size against the features."""
    if candidates is None:
        if isinstance(input_rep, Rep) and input_rep.is_bound:
            candidates = input_rep.group
        else:
            default = SE(n_features)
            size = input_rep(default).size if isinstance(input_rep, Rep) else n_features
            if size != n_features:
                raise ValueError(
                    f"candidates=None: the candidates default to SE({n_features}) (X has "
                    f"{n_features} features), on which input_rep {input_rep!r} has size {size}. "
                    "Pass the candidates acting through input_rep (e.g. candidates=SO(2)), or bind "
                    "input_rep to them (e.g. input_rep=(V + V)(SO(2)))."
                )
            return default
    if not isinstance(candidates, Group):
        expected = ("candidates must be a sksym Group (e.g. SE(3)) or an array of Lie-algebra "
                    "elements of shape (q, d, d) or (q, d, d + 1)")
        try:
            raw = np.asarray(candidates)
            arr = None if raw.dtype == object or np.iscomplexobj(raw) else raw.astype(float)
        except (TypeError, ValueError):
            arr = None
        if arr is None:
            raise TypeError(f"{expected} of real numbers; got {type(candidates).__name__}"
                            + (f" of dtype {raw.dtype}." if isinstance(candidates, np.ndarray) else "."))
        if arr.ndim != 3 or arr.shape[2] not in (arr.shape[1], arr.shape[1] + 1) or arr.shape[0] == 0:
            raise ValueError(f"{expected}, with q >= 1; got shape {arr.shape}.")
        if not np.all(np.isfinite(arr)):
            raise ValueError("candidates must be finite.")
        candidates = Group(lie_algebra=arr, name="candidates")
    if input_rep is None and candidates.d != n_features:
        raise ValueError(
            f"Dimension mismatch: candidates {candidates.name} act on R^{candidates.d}, "
            f"but X has {n_features} features (pass input_rep when they act on the features "
            "through another representation, e.g. V + V)."
        )
    if candidates.lie_dim == 0:
        raise ValueError(
            f"candidates {candidates.name} has no Lie algebra (it is finite): the penalty is the "
            "nuclear norm of the Lie derivatives along its generators, so pass a group with "
            "continuous generators (e.g. SE(n)); enforce a finite group with SymmetricRidge."
        )
    if not np.any(candidates.lie_algebra):
        raise ValueError("candidates are all zero: pass at least one non-zero generator.")
    return candidates


class SymmetryPromotingRegressor(DictionaryRegressor):
    """Regression on a dictionary that prefers models with many symmetries.

    Fits ``F(x) = W Theta(x)`` by

        min_W  1/(2 n) ||y - Theta(X) W^T||_F^2 + alpha ||[L_xi_1 W | ... | L_xi_q W]||_*

    where ``xi_1 .. xi_q`` is an orthonormal basis of the Lie algebra of the
    ``candidates`` group and ``L_xi W`` is the Lie derivative of the model
    (Otto et al., 2023). The rank of that matrix is the number of candidate
    directions the model breaks; its nuclear norm is the convex surrogate, so
    the fit keeps the symmetries the data do not contradict. With
    ``exact_fit=True`` the nuclear norm is minimised among the models that
    interpolate the training data (the recovery problem).

    Parameters
    ----------
    candidates : Group or array-like of shape (q, d, d) or (q, d, d + 1), default=None
        The candidate symmetries. Only the Lie algebra is used, through an
        orthonormal basis of its span: repeated, rescaled or combined
        generators give the same penalty. ``None`` means the group that a
        bound ``input_rep`` carries, else the rigid motions ``SE(n_features)``.
    library : transformer, default=None
        The dictionary ``Theta``; ``None`` means ``PolynomialFeatures(degree=2)``.
    input_rep : Rep, default=None
        How the candidates act on the features; ``None`` means ``V`` (then
        the candidates must act on ``R^n_features``), e.g. ``V + V`` for two
        planar vectors rotated together by ``SO(2)``.
    output_rep : Rep, default=None
        How they act on the targets; ``None`` means each target is invariant.
    alpha : float, default=1.0
        Weight of the nuclear norm (penalised form; unused with ``exact_fit``).
        ``alpha=0`` is minimum-norm least squares. The default, like
        :class:`~sklearn.linear_model.Lasso`'s, is strong: for targets of
        unit size it usually gives the constant model (the gallery's problem
        is constant from ``alpha=1e-1``); choose it by cross-validation, e.g.
        :class:`~sklearn.model_selection.GridSearchCV` over
        ``np.logspace(-5, -1, 9)``. Where a dual certificate shows the fully
        symmetric least-squares fit optimal (from some ``alpha`` on), sksym's
        solvers return that fit exactly, without iterating (``n_iter_ = 0``;
        :func:`~sksym.solvers.solve_promote`).
    exact_fit : bool, default=False
        Minimise the nuclear norm subject to reproducing the training targets
        (their least-squares projection when they cannot be reproduced, with a
        ``UserWarning``).
    solver : {"auto", "newton", "admm", "cvxpy"}, default="auto"
        sksym's own solvers: ``"newton"``,
        :func:`~sksym.solvers.newton_promote` (few dense steps, fast on small
        and medium problems), ``"admm"``, :func:`~sksym.solvers.admm_promote`
        (cheap steps, scales further); ``"auto"`` picks one by problem size
        (:func:`~sksym.solvers.solve_promote`). ``"cvxpy"``: the reference
        backend, :func:`~sksym.solvers.cvxpy_promote` with Clarabel (slow,
        for checking).
    tol : float, default=1e-6
        Relative tolerance of the solver (ADMM residuals; Newton's objective
        accuracy), and the accuracy at which ``symmetry_tol`` counts singular
        values as zero. ``solver="cvxpy"`` runs with Clarabel's own defaults,
        and ``tol`` only sets that floor.
    max_iter : int, default=10000
        Maximum number of solver iterations (a ``ConvergenceWarning`` is raised
        when it is reached). Not used by ``solver="cvxpy"``.
    warm_start : bool, default=False
        Start from the previous solution (and ADMM state) when the numbers of
        targets and of library features are unchanged (the samples and the
        candidates may change; the start is then only a guess). Along a decreasing path of ``alpha``
        values this saves ADMM iterations (on the gallery's noisy problem,
        nine values from ``1e-1`` down to ``1e-5``: 1617 against 2234 cold), along
        an increasing one it does not (2888); Newton saves little either way.
        Not used by ``solver="cvxpy"``.
    symmetry_tol : "auto" or float, default="auto"
        How small a singular value of the fitted model's Lie derivatives must
        be to count as a symmetry (see :func:`~sksym.lie.select_n_symmetries`).
        A float is relative to the largest singular value, or to the size of
        the terms that a symmetry cancels in the Lie derivative when that is
        larger (the terms ``(d_j F) xi_j`` of ``DF xi`` for invariant outputs,
        the output term ``B_xi F`` for equivariant ones: the size of a clearly
        broken direction; with a single candidate, or a model symmetric under
        all, the largest singular value is round-off; constant offsets do not
        enter). "auto" uses the largest-gap rule, and counts as zero every
        singular value below ``10 * tol`` times the root-mean-square spread of
        the model about its mean on the training inputs (a constant offset does
        not raise it), or of the targets if that is larger (a large ``alpha``
        flattens the model to a constant, whose spread is solver error too),
        plus, for ADMM, ``1e-2 tol`` of the size of the Lie derivatives at its
        start (least squares or the minimum-norm interpolant, to which its
        absolute accuracy refers), and the rounding level ``1e3 eps`` of the
        model's size. Values at or below that floor are not resolved by the
        solver and count as zero under a float ``symmetry_tol`` too.
        Values above the floor may still be solver error (at a degenerate
        optimum an objective accurate to ``tol`` can leave a symmetry's
        singular values far above ``tol``, as they shrink like
        ``sqrt(tol)``): when the gap rule alone would count more symmetries,
        or values lie within ``1e3`` times the floor, and the largest of them
        is within ``1e3`` times the floor or at most ``sqrt(tol)`` times the
        next value (the larger such range), the problem is solved again with
        a 100-fold smaller
        tolerance, twice at most, while those values shrink tenfold or more
        with it; if they do not they are the model's, and the tighter solve is
        dropped. Values that shrink with both tighter solves are the solver's
        error and count as zero (with ``solver="auto"``, ``"newton"`` or
        ``"admm"``; ``n_iter_`` includes those solves).
    random_state : int, RandomState instance or None, default=None
        Seed of the operator's evaluation points (the penalty of libraries
        other than ``PolynomialFeatures``; for ``PolynomialFeatures`` only the
        reference scale of a float ``symmetry_tol``). ``None`` uses seed 0, so
        fits are deterministic and the operator of a ``PolynomialFeatures``
        library is computed once per setting and cached.

    Attributes
    ----------
    coef_ : ndarray of shape (n_library_features,) or (n_targets, n_library_features)
        The fitted ``W``.
    intercept_ : float
        Always 0.0: the library's constant function plays that role (a Lie
        derivative never sees it). ``PolynomialFeatures`` has one by default;
        a library without one fits no offset.
    n_iter_ : int
        Solver iterations (with those of the tighter solves, if any).
    objective_ : float
        Objective value at the solution.
    symmetry_singular_values_ : ndarray of shape (q,)
        Singular values (ascending) of the fitted model's map ``xi -> L_xi F``;
        zeros are symmetries.
    generators_ : ndarray of shape (k, d, d) or (k, d, d + 1)
        Orthonormal generators of the symmetries of the fitted model among the
        candidates (``k`` singular values counted as zero).
    candidates_ : Group
        The candidate group used.
    library_ : transformer
        The fitted dictionary.
    input_rep_, output_rep_ : Rep
        The bound representations.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Feature names, if ``X`` had them.

    See Also
    --------
    SymmetricRidge : enforce a known symmetry exactly.

    Notes
    -----
    Normalisation: the data term is a mean over samples, and the nuclear norm
    is taken in the inner product of the uniform probability measure on
    ``[-1, 1]^d``: column ``j`` has the norm ``sqrt(E[(L_xi_j F)^2])`` over
    that box. For ``PolynomialFeatures`` this is exact (from the moments of
    the monomials), so the penalty is a property of the function ``F`` alone:
    the same for any number of samples, any library degree that contains
    ``F`` and any ``random_state``, and one ``alpha`` transfers across all of
    them. Other libraries with a degree are evaluated at points drawn
    uniformly in the box (one more than twice as many as the polynomials of
    that degree, each row weighted by ``1 / sqrt(n_points)``: an estimate of
    the same norm), non-polynomial libraries at (up to 2000 of) the training
    inputs. Scale inputs to about ``[-1, 1]`` for the penalty to measure
    symmetry where the data are, with one factor for all the features that
    the candidates mix (e.g. ``X / np.abs(X).max()``; a per-feature scaler
    such as :class:`~sklearn.preprocessing.MinMaxScaler` distorts rotations);
    a ``UserWarning`` says when ``|X|`` exceeds 10 for a library with a
    degree.

    Several targets are one model in the Euclidean norm of the outputs: the
    data term, the penalty and the count of symmetries pool them, so give
    invariant targets comparable scales (a target ``1e6`` times larger than
    another hides that other's breaking of a symmetry).

    References
    ----------
    S. E. Otto, N. Zolman, J. N. Kutz, S. L. Brunton. A unified framework to
    enforce, discover, and promote symmetry in machine learning. JMLR 26(248),
    2025 (arXiv:2311.00212).

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.groups import T
    >>> from sksym.linear_model import SymmetryPromotingRegressor
    >>> rng = np.random.RandomState(1)
    >>> X = rng.uniform(-1, 1, size=(8, 3))
    >>> y = (X[:, 0] - X[:, 1]) ** 2 + X[:, 0] - X[:, 1]
    >>> model = SymmetryPromotingRegressor(candidates=T(3), exact_fit=True).fit(X, y)
    >>> (np.round(model.coef_, 4) + 0.0).tolist()      # recovered from 8 samples (10 unknowns)
    [0.0, 1.0, -1.0, 0.0, 1.0, -2.0, 0.0, 1.0, 0.0, 0.0]
    >>> model.generators_.shape                  # two translation symmetries
    (2, 3, 4)
    """

    def __init__(self, candidates=None, library=None, input_rep=None, output_rep=None,
                 alpha=1.0, exact_fit=False, solver="auto", tol=1e-6, max_iter=10000,
                 warm_start=False, symmetry_tol="auto", random_state=None):
        self.candidates = candidates
        self.library = library
        self.input_rep = input_rep
        self.output_rep = output_rep
        self.alpha = alpha
        self.exact_fit = exact_fit
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.symmetry_tol = symmetry_tol
        self.random_state = random_state

    def _check_params(self):
        alpha = check_alpha(self.alpha)
        for name in ("exact_fit", "warm_start"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} must be a bool; got {getattr(self, name)!r}.")
        if (not isinstance(self.tol, numbers.Real) or isinstance(self.tol, bool)
                or not np.isfinite(self.tol) or self.tol <= 0):
            raise ValueError(f"tol must be a positive finite float; got {self.tol!r}.")
        if (not isinstance(self.max_iter, numbers.Integral) or isinstance(self.max_iter, bool)
                or self.max_iter < 1):
            raise ValueError(f"max_iter must be a positive integer; got {self.max_iter!r}.")
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {_SOLVERS}; got {self.solver!r}.")
        check_symmetry_tol(self.symmetry_tol)
        return alpha

    def _seed(self):
        if self.random_state is None:
            return 0
        if isinstance(self.random_state, numbers.Integral):
            if not 0 <= self.random_state < 2 ** 32:
                raise ValueError(f"random_state must be None, an int in [0, 2**32 - 1] or a "
                                 f"RandomState instance; got {self.random_state!r}.")
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _symmetries(self, W, theta, Y, operator, lie_derivative, tol, start):
        """The spectrum of the model ``W`` and the symmetries counted at a solver
        accuracy of ``tol`` (``start``: the size of the solvers' start, see
        :func:`_accuracy_floor`): ``(s, gens, k, reference, floor)``.

        Every size here is proportional to the targets' (the count is not):
        targets beyond ``1e100`` or below ``1e-100`` are scaled to 1 first, as
        the squares in the floor and the reference over- or underflow (targets
        of 1e160 failed with an error about an infinite noise level)."""
        size = float(np.max(np.abs(Y))) if Y.size else 0.0
        if size > 0.0 and not _UNSCALED_TARGETS[0] <= size <= _UNSCALED_TARGETS[1]:
            s, gens, k, reference, floor = self._symmetries(W / size, theta, Y / size, operator,
                                                            lie_derivative, tol, start / size)
            return s * size, gens, k, None if reference is None else reference * size, floor * size
        fitted = theta @ W.T
        # the generators in the Lie derivative's (orthonormal) basis of the candidates
        s, gens = symmetry_spectrum(operator.matrix(W), lie_derivative.lie_algebra)
        # a floor at the solver's accuracy (see _accuracy_floor): values below it
        # are not resolved by the solver and count as zero under either rule
        # (with a float symmetry_tol a constant model, all of whose values are
        # round-off, counted none). The size of the terms that a symmetry cancels is
        # the scale of a broken direction (so that a single candidate can be a
        # symmetry), as in SymmetryDiscovery
        floor = _accuracy_floor(fitted, Y, tol, start=start)
        reference = _reference_scale(lie_derivative, self.output_rep_, W, lie_derivative.theta @ W.T)
        k = select_n_symmetries(s, tol=self.symmetry_tol, noise_level=floor, reference=reference)
        k = max(k, int(np.sum(s <= floor)))
        return s, gens, k, reference, floor

    def fit(self, X, y):
        """Fit the symmetry-promoting model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.

        Returns
        -------
        self : SymmetryPromotingRegressor
            The fitted estimator.
        """
        alpha = self._check_params()
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True)
        Y = y.reshape(len(y), -1).astype(float)
        candidates = _check_candidates(self.candidates, X.shape[1], self.input_rep)
        self.candidates_, self.input_rep_, self.output_rep_ = resolve_reps(
            candidates, self.input_rep, self.output_rep, X.shape[1], Y.shape[1]
        )
        self.library_, theta = check_library(self.library, X)
        _warn_if_far_from_the_box(X, self.library_)
        lie_derivative, operator = _build_operator(self.library_, self.input_rep_, self.output_rep_, X, self._seed())
        previous = getattr(self, "_solution", None) if self.warm_start else None
        if previous is not None and previous.coef.shape != (Y.shape[1], theta.shape[1]):
            previous = None
        if self.solver == "cvxpy":
            sol = cvxpy_promote(theta, Y, operator, alpha, exact_fit=self.exact_fit)
        else:
            sol = solve_promote(theta, Y, operator, alpha, exact_fit=self.exact_fit, solver=self.solver,
                                tol=self.tol, max_iter=self.max_iter, warm_start=previous)
        n_iter = sol.n_iter
        tol = self.tol
        # ADMM's absolute accuracy refers to the size of its start (least squares,
        # or the minimum-norm interpolant; _accuracy_floor). Newton's does not (its
        # certificate is relative to the objective): for it, the start's size
        # counted a solver-resolved breaking of 2e-4 as a symmetry when a noisy
        # least-squares fit on an ill-conditioned theta had ||M(W)|| = 2e4
        start = 0.0
        if sol.solver == "admm":
            start = float(np.linalg.norm(operator.matrix(np.linalg.lstsq(theta, Y, rcond=None)[0].T)))
        s, gens, k, reference, floor = self._symmetries(sol.coef, theta, Y, operator, lie_derivative, tol,
                                                        start)
        # Near the recovery threshold the optimum is degenerate: an objective
        # accurate to tol can leave the symmetric directions' singular values far
        # above tol (6 samples of an SE(3) target: 3e-5 at tol 1e-6; a constant
        # field e_z under SO(3): its rotation about z at 4e-6 beside 0.7), where
        # the gap rule alone sees them. Then solve tighter (see symmetry_tol):
        # the solver's errors shrink tenfold or more per 100-fold tol; values
        # that do not are the model's, and the tighter solve is dropped (its
        # smaller floor would not count values that the requested tol counts,
        # whatever the solver). Values that shrink with every tighter solve are
        # the solver's error, and count as zero even when they stay above the
        # floor (at a degenerate optimum they shrink like sqrt(tol), the floor
        # like tol). (Not after a solve that did not converge: its values are
        # not the solver's accuracy, and the tighter solves would only double
        # max_iter.)
        tighten = self.symmetry_tol == "auto" and self.solver != "cvxpy" and sol.converged
        shrinking = 0
        for _ in range(_TIGHTEN if tighten else 0):
            k_gap = _values_to_test(s, k, floor, reference, tol)
            if k_gap <= k:
                break
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                tighter = solve_promote(theta, Y, operator, alpha, exact_fit=self.exact_fit,
                                        solver=self.solver, tol=tol / 100, max_iter=self.max_iter,
                                        warm_start=sol)
            n_iter += tighter.n_iter
            if not tighter.converged:
                break
            found = self._symmetries(tighter.coef, theta, Y, operator, lie_derivative, tol / 100, start)
            if not np.all(found[0][k:k_gap] <= 0.1 * s[k:k_gap]):
                break
            sol, tol = tighter, tol / 100
            s, gens, k, reference, floor = found
            shrinking = k_gap
        else:
            k = max(k, shrinking)
        self._solution = sol
        W = sol.coef
        if self.exact_fit:
            _warn_if_not_interpolating(theta @ W.T, Y)
        self.n_iter_ = n_iter
        self.objective_ = sol.objective
        self.symmetry_singular_values_ = s
        self.generators_ = gens[:k]
        self.coef_ = W[0].copy() if y.ndim == 1 else W.copy()
        self.intercept_ = 0.0
        return self


def _values_to_test(s, k, floor, reference, tol):
    """How many of the ascending singular values ``s`` the tighter re-solves
    test (``k`` or fewer: none). The values in question lie below the gap
    rule's cut, or within 1e3 times the floor (a flat model's values at 4e-10,
    2e-9, 1e-7 with a floor of 5e-8 counted 2 symmetries; solved tighter, all
    three are round-off): the larger range whose top value may be solver
    error, i.e. lies within 1e3 times the floor or at most ``sqrt(tol)`` times
    the next value (a cut at 1.6e-2 beside 0.98 is not, and hid 3.5e-5, solver
    error, with a floor of 1e-6)."""
    for k_try in sorted({select_n_symmetries(s, tol="auto", reference=reference),
                         int(np.sum(s <= 1e3 * floor))}, reverse=True):
        if k_try <= k:
            break
        # the first broken value (or the scale of one, when all are candidates)
        top = s[k_try] if k_try < len(s) else reference
        if s[k_try - 1] <= 1e3 * floor or (top is not None and s[k_try - 1] <= np.sqrt(tol) * top):
            return k_try
    return 0


_UNSCALED_TARGETS = (1e-100, 1e100)   # _symmetries scales targets of other sizes to 1
_BOX_REACH = 10.0


def _warn_if_far_from_the_box(X, library):
    """Warn when the penalty's measure (the box ``[-1, 1]^d``, for libraries with
    a degree) misses most of the data: inputs of size 1000 gave generators along
    the direction the target breaks most, from a fit 2.4 off on test points; or
    when the data fill little of it: the user guide's first example, recovered
    from 8 samples in ``[-1, 1]^3``, found no symmetry with its inputs times 0.1
    (a fit 15% off)."""
    reach = float(np.max(np.abs(X))) if X.size else 0.0
    degree = library_degree(library)
    # (a library of constants has no Lie derivatives: nothing is measured)
    if not degree or not (reach > _BOX_REACH or 0.0 < reach < 1.0 / _BOX_REACH):
        return
    where = "far inside the data" if reach > _BOX_REACH else "mostly outside the data"
    warnings.warn(
        f"X reaches |x| = {reach:.3g}: the penalty measures symmetry on the box [-1, 1]^d, {where}. "
        "Scale X to about [-1, 1], with one factor for the features that the candidates mix "
        "(e.g. X / np.abs(X).max()).",
        UserWarning, stacklevel=3,
    )


_INTERPOLATION_RTOL = 1e-6


_INTERPOLATION_ROUNDING = 1e3 * np.finfo(float).eps


def _warn_if_not_interpolating(fitted, Y):
    """Warn when an exact fit's values at the training inputs are not the targets:
    residuals above ``1e-6`` of the targets' spread about their mean (their
    size would let a constant offset hide a misfit: 101325 + x0^3 in a quadratic
    library missed by 0.14 passed), plus ``1e3 eps`` of their size (rounding)."""
    spread = float(np.linalg.norm(Y - Y.mean(axis=0)))
    size = float(np.linalg.norm(Y))
    residual = float(np.linalg.norm(fitted - Y))
    if residual > _INTERPOLATION_RTOL * spread + _INTERPOLATION_ROUNDING * size:
        relative = residual / (spread if spread > 0 else size)
        warnings.warn(
            f"exact_fit=True, but the library cannot reproduce the training targets (residual "
            f"{relative:.2g} relative to the targets' {'spread' if spread > 0 else 'size'}): the "
            "model interpolates their least-squares projection. Use a larger library, fewer "
            "samples, or exact_fit=False.",
            UserWarning, stacklevel=3,
        )
