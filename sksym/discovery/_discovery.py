"""SymmetryDiscovery: the symmetry generators of a fitted model or of a data set."""

from math import comb
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import r2_score
from sklearn.preprocessing import PolynomialFeatures
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_alpha, check_library, resolve_reps
from ..groups import Group
from ..libraries import library_degree
from ..lie import LieDerivative, select_n_symmetries, symmetry_spectrum, unisolvent_points
from ..lie._spectrum import _reference_scale, _whitened_split, perturbation_noise_level
from ..reps import Scalar
from ._candidates import check_candidates
from ._fit import StandardizedPolynomialFeatures, estimator_library, fit_equations, fit_ridge

__all__ = ["SymmetryDiscovery"]

_DEFAULT_MAX_POINTS = 1000
_DEFAULT_POLY_POINTS = 500
_N_NOISE_DRAWS = 5
_N_COVARIANCE_DRAWS = 32
_COVARIANCE_BATCH_SIZE = 2 ** 23     # numbers per batch of operator evaluations (64 MiB)


def _factored_covariance(matrices, sigma, F, rng):
    """``E[M(dW)^T M(dW)]`` (q x q) for random ``dW`` of shape (n_out, K) with
    independent rows ``dW_o = sigma_o F z_o`` (``z_o`` standard normal), ``M``
    linear, ``matrices`` evaluating it on a stack of ``dW`` (shape (b, rows,
    q)): exact from the columns of ``F`` one row at a time when that takes at
    most ``_N_COVARIANCE_DRAWS`` evaluations, otherwise the mean over that
    many random draws (``rng``)."""
    n_out, (K, k) = sigma.size, F.shape
    if n_out * k <= _N_COVARIANCE_DRAWS:
        dW = np.zeros((n_out, k, n_out, K))
        for o in range(n_out):
            dW[o, :, o] = sigma[o] * F.T
        dW, n = dW.reshape(n_out * k, n_out, K), 1
    else:
        z = rng.normal(size=(_N_COVARIANCE_DRAWS, n_out, k))
        dW, n = sigma[:, None] * (z @ F.T), _N_COVARIANCE_DRAWS
    # in batches of at most about _COVARIANCE_BATCH_SIZE numbers (the operator's
    # points times generators times models)
    first = matrices(dW[:1])[0]
    C = first.T @ first
    step = max(1, _COVARIANCE_BATCH_SIZE // max(1, first.size))
    for start in range(1, len(dW), step):
        M = matrices(dW[start:start + step])
        M = M.reshape(-1, M.shape[-1])
        C += M.T @ M
    return C / n


def _error_covariance(op, fit, rng):
    """``E[dM^T dM]`` (q x q) for the errors ``dM = M(W + dW, b + db) - M(W, b)``
    of a :func:`~sksym.discovery._fit.fit_ridge` fit: its noise (rows of ``dW``
    independent, ``Cov(w_o) = sigma_o^2 F F^T``, and ``db = -dW t_mean``: the
    intercept moves with ``W``; :func:`_factored_covariance`), plus the
    penalty's bias."""
    def matrices(dW):
        return op._linear_matrices(dW, intercepts=-dW @ fit.t_mean)

    C = _factored_covariance(matrices, fit.sigma, fit.cov_factor, rng)
    bias = matrices(fit.bias[None])[0]
    return C + bias.T @ bias


def _robust_rms(A, axis=None):
    """Root-mean-square of ``A`` without under- or overflow (targets of size
    1e-170 had a standard deviation of 0, of size 1e160 an infinite one)."""
    top = np.max(np.abs(A), axis=axis, keepdims=True) if A.size else np.zeros((1,) * A.ndim)
    safe = np.where(top > 0, top, 1.0)
    rms = np.sqrt(np.mean((A / safe) ** 2, axis=axis, keepdims=True)) * top
    return np.squeeze(rms, axis=axis) if axis is not None else float(rms.squeeze())


def _output_scales(out_rep, F):
    """Scales dividing the columns of ``F`` (the outputs at the samples), which do
    not change the symmetries: each output's standard deviation when every
    output is invariant (so that outputs of different sizes weigh alike; a
    single one too, as the error covariance squares its size), one common
    root-mean-square for outputs that the group mixes linearly, ones for points
    of an affine group (which its translations move)."""
    n_out = F.shape[1]
    scales = np.ones(n_out)
    if out_rep.is_affine or not F.size:
        return scales
    G = out_rep.group
    mixed = bool(G.lie_dim and np.any(out_rep.drho(np.asarray(G.lie_algebra)))) or bool(
        G.n_discrete and not np.allclose(out_rep.rho(G._discrete_matrices()), np.eye(n_out)))
    if mixed:
        common = _robust_rms(F)
        return scales * (common if np.isfinite(common) and common > 0 else 1.0)
    mean = F.mean(axis=0)
    sd = _robust_rms(F - mean, axis=0)
    # outputs constant up to round-off keep their scale (divided by a round-off
    # spread they became unit-variance noise that swamped the spectrum)
    constant = sd <= 1e-10 * np.maximum(np.abs(mean), sd)
    return np.where(constant | (sd == 0) | ~np.isfinite(sd), 1.0, sd)


def _refit_draws(estimator, fitted, X, y, Y, points, in_rep, out_rep, W, M, rng):
    """Plausible errors of an estimator's ``M``: the estimator refitted (a clone,
    same parameters) on the targets plus Gaussian noise of the size of its
    residuals, ``_N_NOISE_DRAWS`` times; the changes of ``M``, an array of shape
    (n_draws, n_rows, q). The clones' ``random_state`` parameters are drawn from
    ``rng``. ``None`` when a refit fails or no refit changes the spectrum (a
    frozen model)."""
    n, n_out = Y.shape
    sigma = np.sqrt(np.mean((Y - np.asarray(fitted.predict(X), dtype=float).reshape(n, n_out)) ** 2,
                            axis=0))
    draws = []
    for _ in range(_N_NOISE_DRAWS):
        Yb = Y + sigma * rng.normal(size=Y.shape)
        est = clone(estimator)
        # the clones' own randomness from ours, so that the estimate is reproducible
        seeds = {k: rng.randint(np.iinfo(np.int32).max) for k in est.get_params(deep=True)
                 if k == "random_state" or k.endswith("__random_state")}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.set_params(**seeds).fit(X, Yb.reshape(np.shape(y)))
                lib = estimator_library(est, X, n_out)
                draws.append(LieDerivative(lib, in_rep, out_rep, points=points).matrix(W) - M)
        except Exception:          # any failure of a refit: no estimate (the fit goes on)
            return None
    draws = np.array(draws)
    if not np.any(draws):          # refits that do not move (a frozen model, no residual)
        return None
    return draws


def _is_fitted(estimator):
    """Whether ``estimator`` was fitted. Estimators that can predict unfitted
    (tag ``requires_fit=False``, e.g. a Gaussian process's prior) pass
    ``check_is_fitted`` either way; for them fitted attributes decide."""
    try:
        check_is_fitted(estimator)
    except (NotFittedError, TypeError):
        return False
    if get_tags(estimator).requires_fit:
        return True
    return any(k.endswith("_") and not k.startswith("__") for k in vars(estimator))


class SymmetryDiscovery(BaseEstimator):
    """Discover the symmetry generators of a fitted model or of a data set.

    Among candidate generators ``xi`` (a Lie algebra, e.g. gl(d)), the
    symmetries of a function ``F`` are the null space of the linear map
    ``xi -> L_xi F``, where ``(L_xi F)(x) = DF(x) xi(x) - B_xi F(x)`` is the Lie
    derivative (``B_xi`` is how ``xi`` acts on the outputs; zero for invariant
    outputs). The estimator fits ``F``, takes the SVD of that map, and splits
    the candidates into an orthonormal basis of the discovered symmetry algebra
    (small singular values) and the broken directions.

    Parameters
    ----------
    candidates : Group or array-like of shape (q, d, d) or (q, d, d + 1), default=None
        The search space: the Lie algebra of a :class:`~sksym.groups.Group`
        (``None`` means ``GL(n_features)``; affine groups such as
        ``SE(n_features)`` also find translations), or a raw stack of generator
        matrices, whose span is orthonormalised (Frobenius inner product).
        Discrete generators of the group are not searched.
    library : transformer, default=None
        ``target="function"``: the dictionary ``Theta`` of the ridge model
        ``y ~ W Theta(x) + b``. ``target="data"``: the dictionary of the implicit
        equations ``h(x) = c^T Theta(x) = 0`` fitted to the samples. ``None``
        means ``PolynomialFeatures(degree=2)``. Polynomial libraries make the
        operator exact; others need a Jacobian (see :mod:`sksym.libraries`).
    output_rep : Rep, default=None
        How the candidates act on the targets (``target="function"``), e.g.
        ``V`` for vector-valued ``y`` of size ``n_features``: the discovered
        generators then act on inputs and outputs together (equivariance).
        ``None`` means each target is invariant.
    estimator : regressor, default=None
        Discover the symmetries of this model instead of a ridge model on
        ``library``. An unfitted estimator is cloned and fitted on ``(X, y)``; a
        fitted one is used as is (not refitted). Its Jacobian is computed by
        central differences (one vectorised ``predict`` call, steps of
        ``eps^(1/3)`` times the largest input in each coordinate), and the
        operator is sampled at training points, so results are approximate
        (accuracy about ``1e-10`` relative for smooth models that vary on the
        scale of the inputs; useless for piecewise constant models such as
        trees).
    alpha : float, default=1e-6
        Ridge penalty of the model on ``library`` (unused with ``estimator``),
        relative to the smallest variance of a non-constant library column on
        the training inputs, so that it means the same at any scale of the
        inputs.
    tol : "auto" or float, default="auto"
        Rank rule for the spectrum. A float ``t`` counts singular values
        ``s <= t * s_max`` as symmetries (``s_max`` is at least the size of
        the terms that a symmetry cancels, see Notes). "auto" judges each
        direction against its own error when the fit gives one (a library
        with a residual, or an estimator's refits), else cuts at the largest
        gap in the log singular values near an estimated noise level (see
        Notes).
    target : {"function", "data"}, default="function"
        "function": symmetries of ``y ~ F(X)``. "data": symmetries of the set
        the samples lie on (``y`` is ignored).
    n_points : int, default=None
        Number of points where the Lie derivative is evaluated: a random
        subsample of the rows of ``X``, so that the spectrum measures symmetry
        where the data are. ``None`` means ``min(n_samples, 1000)``, and for a
        polynomial library of degree ``p`` ``min(n_samples, max(500, N))`` with
        ``N = 2 C(d + p, p) + 1``, enough points to determine ``L_xi F``
        exactly; with ``target="function"``, a polynomial model fitted on
        fewer than ``N`` samples is evaluated at ``N`` random points of the
        bounding box of ``X`` instead.
    random_state : int, RandomState instance or None, default=None
        Seed of the evaluation points, the subsampling and the noise estimate.

    Attributes
    ----------
    singular_values_ : ndarray of shape (q,)
        Ascending singular values of ``xi -> L_xi F`` over the orthonormal
        candidate basis (root-mean-square of the Lie derivative over the
        evaluation points). When each direction is judged against its own
        error (``direction_noise_levels_`` is set, see Notes), the sizes along
        ``generators_`` and then along ``broken_generators_``, ascending
        within each.
    generators_ : ndarray of shape (k, d, d) or (k, d, d + 1)
        Orthonormal basis (``k = n_symmetries_`` elements) of the symmetry algebra, most
        symmetric first (affine ``[A | b]`` for affine candidates).
    broken_generators_ : ndarray of shape (q - k, d, d) or (q - k, d, d + 1)
        The rest of the candidate algebra, most broken last.
    n_symmetries_ : int
        Dimension of the discovered symmetry algebra.
    symmetry_group_ : Group
        The connected group generated by ``generators_`` (its Lie-algebra
        basis is ``generators_``): pass it to any ``group=`` parameter
        (discover, then enforce).
    candidates_ : Group
        The candidate group searched (orthonormal Lie-algebra basis).
    noise_level_ : float or None
        Estimated size of a zero singular value, from the residual of the fit
        (``target="function"`` with a library) or of the equations
        (``target="data"``), or, with ``estimator`` when the largest gap left
        values between round-off and the cut, from refits on perturbed targets
        (see Notes); None when it is not estimated.
    direction_noise_levels_ : ndarray of shape (q,) or None
        Three times the root-mean-square size that the fit's errors give the
        Lie derivative along each direction of ``singular_values_`` (noise
        and the ridge penalty's bias, or the spread over an estimator's
        refits). The symmetries are the span of directions within it (each
        of ``generators_`` is); a broken direction may be within its own
        level too, the complement being orthogonal rather than spanned by
        directions beyond it. ``tol="auto"`` with a library and a residual,
        or with an estimator that was refitted; None otherwise (always for
        ``target="data"``).
    library_ : transformer
        The fitted dictionary (None with ``estimator``). With
        ``target="data"`` and a polynomial library, it includes the
        standardisation of the samples.
    coef_ : ndarray of shape (n_library_features,) or (n_targets, n_library_features)
        Ridge coefficients ``W`` (``target="function"`` without ``estimator``).
    intercept_ : float or ndarray of shape (n_targets,)
        Ridge intercept (``target="function"`` without ``estimator``).
    estimator_ : regressor
        The fitted estimator (with ``estimator``).
    equations_ : ndarray of shape (n_equations, n_library_features)
        Coefficients of the implicit equations of the data (``target="data"``).
    output_rep_ : Rep
        The bound output representation (``target="function"``).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Feature names, if ``X`` had them.

    See Also
    --------
    SymmetrySpectrumDisplay : plot ``singular_values_`` and the cut.
    sksym.SymmetricRidge : enforce the discovered group.

    Notes
    -----
    **Function.** The model ``F`` is ridge regression on ``library`` (or
    ``estimator``). The Lie derivative is evaluated at (a subsample of) the
    training inputs; for a polynomial model on generic inputs these points
    determine the polynomial ``L_xi F``, so noise-free data give the exact
    symmetry algebra of the fitted model (the ridge penalty breaks symmetries
    only at order ``alpha``). Invariant outputs are each scaled to unit
    standard deviation first, so that outputs of different sizes weigh alike
    in the spectrum and its noise level; outputs that the group mixes
    linearly share one scale (their root-mean-square), and points of an
    affine group are not scaled (none of this changes the symmetries, and
    ``coef_`` is in the units of ``y``).

    **Data.** The samples are assumed to lie on a set ``{h = 0}`` cut out by
    polynomial equations in ``library``. The equations are the near-null space
    of the column-scaled library matrix (a gap of at least 4 between the
    singular values of equations and non-equations; a polynomial library is
    applied to standardised samples, which spans the same polynomials but is
    far better conditioned for data away from the origin). ``xi`` is a
    symmetry of the set when its vector field is tangent to it,
    ``Dh(x) xi(x) = 0`` at the samples: again the Lie derivative (of ``h``),
    linear in ``xi``. Data without such equations fill space, and every
    candidate is then reported as a symmetry.

    **Rank rule** ``tol="auto"``. Singular values below ``1e-10 s_max`` are
    round-off. With a ridge model the coefficients' covariance
    ``sigma^2 (T^T T + alpha)^-1 T^T T (T^T T + alpha)^-1`` (``sigma`` from the
    residual) gives plausible errors ``dW`` (the intercept moving with them),
    to which the penalty's bias ``-alpha W (T^T T + alpha)^-1`` is added;
    their covariance in the candidate directions,
    ``C = E[M(dW)^T M(dW)]`` (exact from the covariance's factor when that
    takes at most 32 evaluations of the operator, else from 32 random
    draws), says how large each direction's Lie derivative may be by error
    alone. A direction is a symmetry when its Lie derivative is within three
    times that: the symmetric span is that of the singular values at most 3
    of the whitened map ``M C^(-1/2)`` (``direction_noise_levels_``). The
    ridge is solved through the SVD of the centred design (``W = Y^T U S /
    (S^2 + alpha) V^T``), whose rounding stays far below this covariance even
    for ill-conditioned libraries (the normal equations' squared condition
    number left noise-free fits with errors above it, which then broke exact
    symmetries). One noise level for all directions
    over-counted when the errors differ widely between directions:
    ``|x|^2`` on data centred at 10 with 1% noise gave 6 symmetries of
    GL(3), as three broken directions of sizes 2.3-3.4, with errors of only
    ~0.2, lay below the one level 1.7 (the rotations' errors are 1.4-2.1).
    For data sets the equations are a
    least-squares fit too, and their coefficient errors (five draws) play the
    role of ``dW``; there the noise level ``noise_level_`` is three times the
    root-mean-square size of ``L_xi dW`` over directions, and the cut is the
    largest ratio between consecutive singular values among those near it
    (see :func:`~sksym.lie.select_n_symmetries`). The
    size of the terms that a symmetry cancels is a reference scale: with
    equivariant outputs the output term ``B_xi F`` (cancelled by ``DF xi``;
    outputs that are points of an affine group also move with its
    translations), with invariant outputs the terms ``(d_j F) xi_j`` of
    ``DF xi`` (constant offsets do not enter). So a spectrum that is
    round-off everywhere (the identity map, ``|x|^2`` with the single
    candidate SO(2)) counts as all symmetric, with a float ``tol`` too,
    which is relative to the larger of ``s_max`` and this scale. Failure
    modes: a symmetry broken more weakly than the noise is reported as a
    symmetry; with heavy noise broken directions that sink to the noise level
    are over-counted; when the model cannot be fitted uniquely (fewer samples
    than library features) the minimum-norm fit may have spurious symmetries
    or lack true ones (a warning is raised). With ``estimator`` there is no
    covariance: the largest gap above round-off must be a factor of at least
    10, and when it leaves values between round-off and the cut (approximate
    symmetries of a noisy fit, or broken directions of a widely spread
    spectrum: ``|x|^2`` on data centred at 10 has a gap of 14 among its six
    broken GL(3) directions), clones of the estimator are refitted five times
    on the targets plus Gaussian noise of the size of its residuals, and the
    spread of ``L_xi F`` over the refits, direction by direction, decides
    as above (``C`` from the five refits; an estimator that interpolates
    noise has no residual, and its approximate symmetries are then
    under-counted). Errors that are not random (a model that cannot
    represent the function) are not in ``C``: such a fit may lose symmetries
    to its misfit (``exp(-|x|^2 / 2)`` with a degree-4 library: 2 or 3
    rotations over five seeds).

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.discovery import SymmetryDiscovery
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = np.sum(X ** 2, axis=1)                  # rotation invariant
    >>> disc = SymmetryDiscovery(random_state=0).fit(X, y)   # candidates: GL(3)
    >>> disc.n_symmetries_
    3
    >>> A = disc.generators_[0]
    >>> bool(np.allclose(A, -A.T))                  # a rotation generator
    True
    """

    def __init__(self, candidates=None, library=None, output_rep=None, estimator=None,
                 alpha=1e-6, tol="auto", target="function", n_points=None, random_state=None):
        self.candidates = candidates
        self.library = library
        self.output_rep = output_rep
        self.estimator = estimator
        self.alpha = alpha
        self.tol = tol
        self.target = target
        self.n_points = n_points
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = self.target != "data"
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

    # ------------------------------------------------------------------ checks
    def _check_params(self):
        if self.target not in ("function", "data"):
            raise ValueError(f"target must be 'function' or 'data'; got {self.target!r}.")
        if not (isinstance(self.tol, str) and self.tol == "auto"):
            if (not isinstance(self.tol, numbers.Real) or isinstance(self.tol, bool)
                    or not np.isfinite(self.tol) or not 0 <= self.tol < 1):
                raise ValueError(f"tol must be 'auto' or a float in [0, 1); got {self.tol!r}.")
        alpha = check_alpha(self.alpha)
        if self.n_points is not None and (
            not isinstance(self.n_points, numbers.Integral) or isinstance(self.n_points, bool)
            or self.n_points < 1
        ):
            raise ValueError(f"n_points must be None or a positive integer; got {self.n_points!r}.")
        if self.estimator is not None:
            if self.target == "data":
                raise ValueError("estimator is only used with target='function'.")
            if self.library is not None:
                raise ValueError("Pass either estimator or library, not both.")
            if not hasattr(self.estimator, "predict"):
                raise TypeError(
                    "estimator must be a regressor with fit and predict; "
                    f"got {type(self.estimator).__name__}."
                )
        if self.output_rep is not None and self.target == "data":
            raise ValueError("output_rep is only used with target='function'.")
        return alpha

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Fit the model (or the data's equations) and discover its symmetries.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs (``target="function"``) or samples of the set
            (``target="data"``).
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            Targets; required for ``target="function"``, ignored for
            ``target="data"``.

        Returns
        -------
        self : SymmetryDiscovery
        """
        alpha = self._check_params()
        rng = check_random_state(self.random_state)
        estimator_noise = covariance = None
        if self.target == "data":
            X = validate_data(self, X, ensure_min_samples=2)
            M, noise, reference = self._data_matrix(X, rng)
        else:
            X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, ensure_min_samples=2)
            M, noise, reference, estimator_noise, covariance = self._function_matrix(X, y, alpha, rng)
        lie = np.asarray(self.candidates_.lie_algebra)
        if 0 < M.shape[0] < lie.shape[0]:
            warnings.warn(
                f"The Lie derivatives are evaluated at too few points ({M.shape[0]} values for "
                f"{lie.shape[0]} candidates): at least {lie.shape[0] - M.shape[0]} candidates count "
                "as symmetries whatever the model. Increase n_points.",
                UserWarning, stacklevel=2,
            )
        tol = self.tol if isinstance(self.tol, str) else float(self.tol)
        self.direction_noise_levels_ = None
        if covariance is not None and isinstance(tol, str) and lie.shape[0]:
            # a covariance of the fit's errors: each direction against its own noise
            k, gens, s, self.direction_noise_levels_ = _whitened_split(M, lie, covariance, reference)
            return self._finish(s, gens, k, noise)
        s, gens = symmetry_spectrum(M, lie)
        if self.estimator is not None and self.target == "function" and s.size and not np.any(s):
            warnings.warn(
                "The estimator's derivatives vanish at every evaluation point (a piecewise "
                "constant model such as a tree, or a constant fit), so every candidate counts "
                "as a symmetry.",
                UserWarning, stacklevel=2,
            )
        k = select_n_symmetries(s, tol=tol, noise_level=noise, reference=reference)
        if (estimator_noise is not None and isinstance(tol, str)
                and k > select_n_symmetries(s, tol=1e-10, reference=reference)):
            # values between round-off and the gap that won: approximate symmetries
            # of a noisy fit, or broken directions of a widely spread spectrum;
            # the spread of refits on plausibly perturbed targets decides
            draws = estimator_noise(M)
            if draws is not None:
                # each direction against its own spread over the refits
                noise = perturbation_noise_level(draws)
                covariance = np.einsum("bri,brj->ij", draws, draws) / len(draws)
                k, gens, s, self.direction_noise_levels_ = _whitened_split(M, lie, covariance, reference)
        return self._finish(s, gens, k, noise)

    def _finish(self, s, gens, k, noise):
        self.noise_level_ = noise
        self.singular_values_ = s
        self.n_symmetries_ = int(k)
        self.generators_ = gens[:k]
        self.broken_generators_ = gens[k:]
        G = self.candidates_
        self.symmetry_group_ = Group(
            gens[:k] if k else None, d=G.d,
            name=f"discovered subgroup of {G.name} (dim {k})",
        )
        return self

    def _points(self, X, rng, degree, allow_box=True):
        """Evaluation points: a subsample of the data, or unisolvent points in
        the data's bounding box for polynomial models fitted on few samples."""
        n, d = X.shape
        default = _DEFAULT_MAX_POINTS
        if degree is not None:
            n_min = 2 * comb(d + degree, degree) + 1
            if allow_box and n < n_min and self.n_points is None:
                P = unisolvent_points(d, degree, oversample=2.0, random_state=rng)
                lo, hi = X.min(axis=0), X.max(axis=0)
                half = np.where(hi > lo, (hi - lo) / 2, 1.0)
                return (lo + hi) / 2 + P * half
            default = max(_DEFAULT_POLY_POINTS, n_min)
        n_pts = min(n, self.n_points or default)
        idx = np.sort(rng.permutation(n)[:n_pts]) if n_pts < n else np.arange(n)
        return X[idx]

    def _function_matrix(self, X, y, alpha, rng):
        n, d = X.shape
        Y = np.asarray(y, dtype=float).reshape(n, -1)
        n_out = Y.shape[1]
        self.candidates_ = check_candidates(self.candidates, d)
        G, in_rep, out_rep = resolve_reps(self.candidates_, None, self.output_rep, d, n_out)
        self.output_rep_ = out_rep
        if self.estimator is not None:
            est = self.estimator
            est_fitted = est if _is_fitted(est) else clone(est).fit(X, y)
            self.estimator_ = est_fitted
            self.library_ = None
            lib = estimator_library(est_fitted, X, n_out)
            points = self._points(X, rng, None)
            op = LieDerivative(lib, in_rep, out_rep, points=points)
            # invariant outputs of different sizes weigh alike (one scale for all let
            # the largest output decide every cut)
            scales = _output_scales(out_rep, op.theta)
            W = np.diag(1.0 / scales)
            M = op.matrix(W)

            def estimator_noise(M):
                return _refit_draws(est, est_fitted, X, y, Y, points, in_rep, out_rep, W, M, rng)

            return M, None, _reference_scale(op, out_rep, W, op.theta @ W.T), estimator_noise, None
        self.library_, theta = check_library(self.library, X)
        K = theta.shape[1]
        if n <= K:
            warnings.warn(
                f"{n} samples for {K} library features: the fit is not unique, and the "
                "symmetries of the minimum-norm fit may differ from those of the data. "
                "Use more samples or a smaller library.",
                UserWarning, stacklevel=3,
            )
        # invariant outputs of different sizes weigh alike in the spectrum and its
        # noise level (one scale for all let the largest output decide every cut)
        scales = _output_scales(out_rep, Y)
        degree = library_degree(self.library_)
        points = self._points(X, rng, degree)
        fit = fit_ridge(theta, Y / scales, alpha)
        W, b = fit.W, fit.b
        if Y.ndim == 2 and np.ndim(y) == 1:
            self.coef_, self.intercept_ = W[0] * scales[0], float(b[0] * scales[0])
        else:
            self.coef_, self.intercept_ = W * scales[:, None], b * scales
        op = LieDerivative(self.library_, in_rep, out_rep, points=points)
        M = op.matrix(W, intercept=b)
        noise = covariance = None
        if fit.sigma is not None:
            covariance = _error_covariance(op, fit, rng)
            q = covariance.shape[0]
            # three times the root-mean-square size over directions (as perturbation_noise_level)
            noise = float(3.0 * np.sqrt(max(np.trace(covariance), 0.0) / q)) if q else 0.0
        return M, noise, _reference_scale(op, out_rep, W, op.theta @ W.T + b), None, covariance

    def _data_matrix(self, X, rng):
        n, d = X.shape
        self.candidates_ = check_candidates(self.candidates, d)
        lib = self.library
        if lib is None or (type(lib) is PolynomialFeatures and isinstance(lib.degree, numbers.Integral)
                           and not lib.interaction_only and lib.include_bias):
            # same polynomials, of the standardised samples: well conditioned anywhere
            degree = 2 if lib is None else lib.degree
            self.library_ = StandardizedPolynomialFeatures(degree).fit(X)
            theta = np.asarray(self.library_.transform(X), dtype=float)
        else:
            self.library_, theta = check_library(lib, X)
        if n <= theta.shape[1]:
            warnings.warn(
                f"{n} samples for {theta.shape[1]} library features: any {n} points satisfy "
                "polynomial equations of the library, so the equations found (and the "
                "symmetries) may be those of the sample, not of the data set. Use more "
                "samples or a smaller library.",
                UserWarning, stacklevel=3,
            )
        H, _, dH = fit_equations(theta, n_draws=_N_NOISE_DRAWS, random_state=rng)
        self.equations_ = H
        m = H.shape[0]
        G = self.candidates_
        in_rep = resolve_reps(G, None, None, d)[1]
        points = self._points(X, rng, library_degree(self.library_), allow_box=False)
        if m == 0:
            q = G.lie_dim
            return np.zeros((0, q)), None, None
        out_rep = (m * Scalar)(G)
        op = LieDerivative(self.library_, in_rep, out_rep, points=points)
        M = op.matrix(H)
        noise = None
        if np.any(dH):
            # one noise level for all directions (the gap rule decides): a symmetry
            # of the data set need only preserve the zero set (L_xi h = c h: the
            # scalings of a cone or of a plane through the origin), so its size is
            # that of the equations' residual at the samples, which the errors of
            # their coefficients do not cover; judging each direction by those
            # errors alone (as for target="function") broke such symmetries
            noise = perturbation_noise_level(np.array([op.matrix(d) for d in dH]))
        # the equations are invariant outputs: the terms (d_j h) xi_j that cancel
        # for a symmetry are the scale of a broken direction
        return M, noise, _reference_scale(op, out_rep, H, op.theta @ H.T)

    # ------------------------------------------------------------------ score
    def score(self, X, y=None):
        """How well the fitted object describes ``X`` (and ``y``).

        ``target="function"``: the coefficient of determination R^2 of the
        fitted model (ridge on ``library`` or ``estimator``) on ``(X, y)``, so
        that model selection (e.g. :class:`~sklearn.model_selection.GridSearchCV`
        over ``alpha`` or ``library``) picks the model whose symmetries are
        reported. ``target="data"``: minus the root-mean-square residual of the
        fitted equations on ``X`` (0 means every sample satisfies them, and is
        also returned when no equation was found, so compare libraries by
        their ``equations_`` as well).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            Targets; required for ``target="function"``.

        Returns
        -------
        score : float
            Higher is better.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        if self.target == "data":
            if self.equations_.shape[0] == 0:
                return 0.0
            H = np.asarray(self.library_.transform(X), dtype=float) @ self.equations_.T
            return -float(np.sqrt(np.mean(np.sum(H ** 2, axis=1))))
        if y is None:
            raise ValueError("score needs y for target='function'.")
        return float(r2_score(y, self._predict(X)))

    def _predict(self, X):
        if self.estimator is not None:
            return self.estimator_.predict(X)
        theta = np.asarray(self.library_.transform(X), dtype=float)
        return theta @ np.asarray(self.coef_).T + self.intercept_
