"""Newton's method on the smoothed nuclear norm, with continuation (small problems)."""

import functools
import time
import warnings

import numpy as np
import scipy.linalg
import scipy.linalg.blas
import scipy.linalg.lapack
from sklearn.exceptions import ConvergenceWarning

from .._linalg import _r_factor
from .._threads import blas_limit
from ._admm import PromoteSolution, _check_positive_int, _check_tol, admm_promote
from ._nuclear import CompressedLieOperator, promote_objective
from ._problem import check_flag, check_problem, check_warm_start, reduce_problem, target_scale
from ._screening import screen_symmetric
from ._workspace import workspace

__all__ = ["newton_promote", "solve_promote"]

_STAGE = 3.0                  # a smoothing level is solved when the decrement is below this (relative)
_SHRINK = 0.04                # continuation factor of the smoothing parameter
_MU0 = 0.1                    # first smoothing parameter, relative to the largest singular value
_REFINES = 10                 # at most this many steps added to a level for the certificate's dual
_NOISE_STEPS = 10             # at most this many steps at the rounding level of the singular values
_LEVEL_STEPS = 100            # at most this many at any smoothing level (a level takes 1-5; more is a stall)
_NOISE = 8.0 * np.finfo(float).eps   # rounding level of the singular values, relative to their terms
_MODEL_NOISE = 1e3 * np.finfo(float).eps   # the line-search model's rounding, relative to its terms
_AUTO_NEWTON_FLOPS = 2e9      # "auto": Newton when one of its steps costs less than this,
_AUTO_ADMM_ITER = 150         # ADMM for that many iterations, then Newton, above it,
_AUTO_HYBRID_FLOPS = 1e11     # up to this (measured to 4e10: bench_auto_solver.py), ADMM alone above,
_AUTO_NEWTON_SIZE = 5e7       # and when one of Newton's work arrays ((n_z, q, r), or its Hessian) is larger


def _divided_differences(s, sq, mu):
    """Second-order divided differences of ``phi(t) = sqrt(t^2 + mu^2)`` at the
    singular values: ``(phi'(a) - phi'(b)) / (a - b)`` and
    ``(phi'(a) + phi'(b)) / (a + b)``, written without cancellation."""
    cross = np.multiply.outer(s, sq)
    cross += cross.T                          # a sq_b + b sq_a >= 0, zero only when a = b = 0
    sasb = np.multiply.outer(sq, sq)
    apb = np.add.outer(s, s)
    if s.size and s[-1] == 0.0:               # exact zeros: phi''(0) = phi'(t) / t at 0 = 1 / mu
        both_zero = cross == 0
        cross[both_zero] = apb[both_zero] = 1.0
        plus = mu * mu * apb / (sasb * cross)
        times = cross / (sasb * apb)
        plus[both_zero] = times[both_zero] = 1.0 / mu
        return plus, times
    return (mu * mu) * apb / (sasb * cross), cross / (sasb * apb)


def newton_promote(theta, Y, operator, alpha=1.0, *, exact_fit=False, tol=1e-6, max_iter=200,
                   warm_start=None):
    """Solve a promote problem by Newton's method on a smoothed nuclear norm.

    Same problems as :func:`admm_promote`. The nuclear norm is replaced by
    ``sum_i sqrt(s_i^2 + mu^2) - mu`` (``s_i`` the singular values), which is
    smooth, convex and within ``min(q, rank) * mu`` of it; damped Newton steps
    (exact Hessian, from the singular vectors and divided differences of the
    smoothing function) minimise it, and ``mu`` shrinks 25-fold as soon as a
    full Newton step has a decrement below ``3 mu S / ||M(W0)||_2`` (``W0`` the
    least-squares start or minimum-norm interpolant, ``S`` the size of the
    objective there: ``alpha ||M(W0)||_*`` plus that of the data term), the
    next start predicted to first order along the path of minimisers. It
    stops when a duality gap certifies the objective to ``tol`` relative to
    its size: the Newton step's own update of the dual variable
    ``Y = U diag(s / sqrt(s^2 + mu^2)) V^T`` satisfies the linear optimality
    conditions exactly, and scaled to spectral norm at most 1 it is dual
    feasible, so the gap to its dual value bounds the error of the current
    coefficients (up to rounding). The gap is
    computed where a cheap estimate (the smoothing's gap plus the Newton
    decrement) is below ``tol``; when its smoothing share is small but the
    step still too large for the dual, the level goes on with another step
    (while each halves the gap).
    The smoothing levels end at
    ``mu = tol * ||M(W0)||_* / (10 min(q, rank))``, where the smoothing and
    the unfinished Newton steps each cost a fraction of ``tol`` relative to
    the start, unless the gap is still too large there (an optimum far
    below the start): then ``mu`` shrinks further, down to the rounding level
    of the singular values, where a gap of that size is accepted
    (a start symmetric to rounding that minimises the data term is returned at
    once; an optimum of nuclear norm zero has no relative accuracy), and a
    larger one leaves the solution
    not converged (after at most 10 steps there; a level that takes 100
    steps has stalled, and ends the solve not converged too). In the
    penalised form the objective's size is computed from the residuals, and a
    gap at the data term's rounding level (residuals of targets of size
    ``|Y|`` are known to ``eps |Y|`` only) is accepted too. About 5-25 steps solve a problem
    whatever its conditioning, but each step forms a dense Hessian:
    ``O(n_z q r (q + r) + n_z^2 q r)`` operations for ``n_z`` free
    coefficients and a ``q x r`` compressed matrix, on one BLAS thread
    (threads did not pay on the 2-core reference machine, and cost several
    times more when other processes are busy). It is the fast choice for
    small and medium problems (``solver="auto"`` in :func:`solve_promote`
    picks it there);
    ADMM scales better. The unknowns are scaled so that the operator's
    columns have norm 1 (Newton's steps are invariant under that, its
    rounding is not). For the exact fit, the certificate's dual must vanish
    on the operator's range, which holds as far as the Newton system was
    solved; when its residual could matter (an operator with columns from
    1e-5 to 1e5), the problem is solved again over an orthonormal basis of
    that range (a QR factorisation), where the dual is projected exactly. In
    the penalised form the data term's dual and the nuclear norm's are
    corrected onto their linear condition wherever the gap is computed (a QR
    factorisation of the data map stacked on ``alpha`` times the operator, per
    solve; the operator's own factor is cached on it), so the gap stays a bound, and
    where that correction keeps a stalled gap above ``tol`` the problem is
    solved again in the coordinates where that stacked map is orthonormal.
    In the penalised form a screening test comes first: where a dual
    certificate shows the fully symmetric least-squares fit (the best fit
    among the models that every candidate leaves invariant) optimal at
    ``alpha``, that fit is returned exactly, with ``n_iter=0`` (the steps
    would resolve it only to ``alpha`` times the rounding of the Lie
    derivatives; see :func:`solve_promote`).

    Parameters
    ----------
    theta : array-like of shape (n_samples, K)
        Dictionary evaluated at the training inputs.
    Y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    operator : CompressedLieOperator
        The compressed Lie-derivative operator.
    alpha : float, default=1.0
        Weight of the nuclear norm (penalised form).
    exact_fit : bool, default=False
        Solve the equality-constrained (basis-pursuit) form.
    tol : float, default=1e-6
        Relative accuracy of the objective (final smoothing level).
    max_iter : int, default=200
        Maximum number of Newton steps; a
        :class:`~sklearn.exceptions.ConvergenceWarning` is raised when reached.
    warm_start : PromoteSolution or ndarray of shape (n_outputs, K), default=None
        Start from these coefficients (projected on the feasible set). The
        smoothing levels stay those of a cold start, so this saves fewer
        steps than ADMM's warm start (which reuses its dual variable).

    Returns
    -------
    solution : PromoteSolution

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import PolynomialFeatures
    >>> from sksym.groups import T
    >>> from sksym.reps import V, Scalar
    >>> from sksym.lie import LieDerivative
    >>> from sksym.solvers import CompressedLieOperator, newton_promote
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, size=(7, 3))
    >>> y = (X[:, 0] + X[:, 1]) ** 2        # invariant along (1, -1, 0) and e_3
    >>> lib = PolynomialFeatures(2).fit(X)
    >>> op = CompressedLieOperator(LieDerivative(lib, V(T(3)), Scalar(T(3))))
    >>> sol = newton_promote(lib.transform(X), y, op, exact_fit=True, tol=1e-10)
    >>> (np.round(sol.coef[0], 6) + 0.0).tolist()      # x0^2 + 2 x0 x1 + x1^2
    [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 1.0, 0.0, 0.0]
    """
    theta, Y, alpha = check_problem(theta, Y, operator, alpha)
    exact_fit = check_flag(exact_fit, "exact_fit")
    tol = _check_tol(tol)
    max_iter = _check_positive_int(max_iter, "max_iter")
    warm_start = check_warm_start(warm_start, operator)
    t0 = time.perf_counter()
    # BLAS runs single-threaded: the many small operations of a step lose to
    # thread start-up, and on the 2-core reference machine two threads did not
    # speed up even the largest Hessian products (0.97-1.43 times the one-thread
    # time on an idle machine, 1.73-2.70 times with another process busy; whole
    # solves up to 5.7 times slower): benchmarks/bench_blas_threads.py
    # the problem is solved for targets of largest size 1 (W and the nuclear norm
    # scale with them; alpha by the same factor keeps the penalised form's
    # minimiser): the smoothing's squares of singular values under- and overflowed
    # for targets of size 1e-80 (a wrong answer) and 1e120 (no convergence)
    scale = target_scale(Y, alpha, exact_fit)
    with blas_limit(1), workspace() as ws:
        # a penalty at which the fully symmetric fit is certified optimal: that
        # fit, exactly (the steps resolve it only to alpha times the rounding of
        # the Lie derivatives)
        W = None if exact_fit else screen_symmetric(theta, Y, operator, alpha, tol)
        if W is not None:
            return PromoteSolution(coef=W, objective=promote_objective(theta, Y, operator, W, alpha),
                                   n_iter=0, converged=True, solver="newton",
                                   time=time.perf_counter() - t0)
        P = reduce_problem(theta, Y / scale, operator, alpha / scale, exact_fit, basis="pivoted")
        z0 = None
        if warm_start is not None:
            z0 = P.to_z(np.asarray(getattr(warm_start, "coef", warm_start), dtype=float) / scale)
        z, n_iter, converged = _newton_or_retry(P, tol, max_iter, z0, ws)
        if not converged and z0 is not None and n_iter < max_iter:
            # a warm start far off (coefficients of 1e8 for an exact fit) can stall
            # the steps: start again from the cold start (_newton never returns a
            # point worse than that)
            z, more, converged = _newton_or_retry(P, tol, max_iter - n_iter, None, ws)
            n_iter += more
        W = P.coef(z) * scale
        # the objective of the coefficients returned (their rounding included: a
        # nuclear norm at rounding level differs between c + C z and M(W))
        nuclear = operator.nuclear_norm(W)
        objective = nuclear if exact_fit else P.data_term(z) * scale * scale + alpha * nuclear
    sol = PromoteSolution(coef=W, objective=objective, n_iter=n_iter, converged=converged,
                          solver="newton", time=time.perf_counter() - t0)
    if not np.isfinite(objective):
        warnings.warn(
            f"The objective of the solution overflows ({objective}): the targets' size, "
            f"{scale:.1e}, squared in the data term, exceeds the floating-point range. The "
            "coefficients are not affected; scale the targets down to compare objectives.",
            RuntimeWarning,
        )
    if not converged and n_iter >= max_iter:
        warnings.warn(
            f"Newton's method did not reach tol={tol:g} in {n_iter} steps (max_iter={max_iter}); "
            "increase max_iter or tol.",
            ConvergenceWarning,
        )
    elif not converged:
        warnings.warn(
            f"Newton's method stopped after {n_iter} steps without certifying tol={tol:g}: its steps "
            "stalled, or the smoothing reached the rounding level of the problem's terms (an "
            "objective near round-off relative to them has no such accuracy); increase tol.",
            ConvergenceWarning,
        )
    return sol


class _SmoothedHessian:
    """Hessian of ``z -> sum_i sqrt(s_i^2 + mu^2)`` for ``X = c + sum_k z_k C[:, :, k]``
    (``C`` of shape (q, r, nz), ``q <= r``, ``X = U diag(s) Vt``).

    In the singular basis a perturbation ``E = U^T dX V`` has the second-order
    term ``sum_ij E_ij (a_ij E_ij + b_ij E_ji)`` on the square block (``a, b``
    from the divided differences) plus ``sum_i |E_i,q:|^2 / sq_i`` on the
    rectangular rest. On the square block, with ``S`` and ``A`` the symmetric
    and antisymmetric parts of ``E``, the first term is
    ``sum_ij (a + b)_ij S_ij^2 + (a - b)_ij A_ij^2`` with positive weights, so
    the Hessian is one symmetric product ``Z Z^T`` of ``q r`` weighted
    coordinates (the diagonal, the upper triangles of ``S`` and ``A``, the
    rest). When ``r >= 2 q`` the rest is written as the full rows minus the
    square block, which needs only the first ``q`` right singular vectors.
    With ``C`` as ``(q, r, nz)`` the transforms are two matrix products and
    the coordinates come out as the rows of ``Z^T``. Only the
    upper triangle of the Hessian is filled (see :func:`_symmetric`); the
    work arrays are allocated once, from the workspace ``ws`` if given (fresh
    allocations of this size cost page faults). After a call, ``diagonal`` holds ``u_i^T C_k v_i``
    as a (q, nz) array: the gradient ``sum_i phi'(s_i) u_i^T C_k v_i`` from it
    costs a small product instead of one with ``C``.
    """

    def __init__(self, C, ws=None):
        def array(name, shape):
            return np.empty(shape) if ws is None else ws.array(name, shape)

        q, r, nz = C.shape
        self.shape = q, r, nz
        self.Cqr = np.ascontiguousarray(C).reshape(q, r * nz)
        self.X = array("hessian X", (q, r * nz))
        self.project = 2 * q <= r
        if self.project:
            self.F = array("hessian F", (q, q, nz))
            self.T = array("hessian T", (q, q, nz))
        else:
            self.order, self.weight_at, self.factor = _square_coordinates(q, r)
            self.E = array("hessian E", (q, r, nz))
            self.Z = array("hessian Z", (q * r, nz))       # rows: diagonal, S, A, rest
            self.D = array("hessian D", ((q * q - q) // 2, nz))

    def __call__(self, U, s, Vt, sq, mu):
        """The Hessian; only its upper triangle is filled (see :func:`_symmetric`)."""
        q, r, nz = self.shape
        plus, times = _divided_differences(s, sq, mu)
        self.plus, self.times = plus, times           # for _certified_gap
        # symmetric rank-k updates (syrk, syr2k) on Fortran-ordered views: half
        # the work of a general product and no copies
        if self.project:
            root = np.sqrt(sq)
            X = np.matmul((U / root).T, self.Cqr, out=self.X)       # U^T C_k / sqrt(sq), (q, r, nz)
            F = np.matmul(Vt[:q], X.reshape(q, r, nz), out=self.F)
            F *= root[:, None, None]                                # U^T C_k V_q, (q, q, nz)
            self.diagonal = F.reshape(q * q, nz)[::q + 1]
            hess = _syrk(1.0, X.reshape(q * r, nz).T)               # full rows / sq
            a, b = (plus + times) / 2.0, (plus - times) / 2.0
            T = np.multiply((a - 1.0 / sq[:, None])[:, :, None], F, out=self.T)
            T += b[:, :, None] * F.transpose(1, 0, 2)
            return _syr2k(0.5, F.reshape(q * q, nz).T, T.reshape(q * q, nz).T, beta=1.0, c=hess,
                          overwrite_c=1)
        X = np.matmul(U.T, self.Cqr, out=self.X)                    # U^T C_k, as (q, r, nz)
        E2 = np.matmul(Vt, X.reshape(q, r, nz), out=self.E).reshape(q * r, nz)  # U^T C_k V, rows (i, j)
        self.diagonal = E2[::r + 1][:q]
        # the rows of E reordered (diagonal, upper, lower, rest), the upper and
        # lower blocks turned into sums and differences, all rows weighted (see
        # _square_coordinates): few calls, as numpy's per-call overhead is the
        # cost of a small problem's step
        Z = np.take(E2, self.order, axis=0, out=self.Z, mode="clip")   # "clip": no buffer
        p = self.D.shape[0]
        upper, lower = Z[q:q + p], Z[q + p:q + 2 * p]
        difference = np.subtract(upper, lower, out=self.D)
        upper += lower
        lower[...] = difference
        w = np.concatenate((plus.ravel(), times.ravel(), 1.0 / sq))[self.weight_at]
        w *= self.factor
        Z *= np.sqrt(w, out=w)[:, None]
        return _syrk(1.0, Z.T)


@functools.lru_cache(maxsize=64)
def _square_coordinates(q, r):
    """Index arrays of the Hessian's weighted coordinates for a ``q x r`` matrix
    (``q <= r < 2 q``; ``E``'s entries flattened as ``(i, j) -> i r + j``):
    ``order`` lists the diagonal, the upper triangle (``i < j``), its mirror
    (``E_ji``) and the rest (``j >= q``); the mirrored blocks become the sums
    ``E_ij + E_ji`` and differences ``E_ij - E_ji``, and every coordinate is
    weighted by ``sqrt(factor[k] src[weight_at[k]])``, ``src`` being the
    divided differences ``plus`` and ``times`` (flattened ``q x q``) followed
    by ``1 / sq``: ``sqrt(plus_ii)``, ``sqrt(plus_ij / 2)``, ``sqrt(times_ij / 2)``,
    ``1 / sqrt(sq_i)``."""
    iu, ju = np.triu_indices(q, 1)
    own = np.arange(q)
    rest = (own[:, None] * r + np.arange(q, r)).ravel()
    order = np.concatenate((own * (r + 1), iu * r + ju, ju * r + iu, rest))
    weight_at = np.concatenate((own * (q + 1), iu * q + ju, q * q + iu * q + ju,
                                2 * q * q + np.repeat(own, r - q)))
    factor = np.concatenate((np.ones(q), np.full(2 * iu.size, 0.5), np.ones(rest.size)))
    for a in (order, weight_at, factor):
        a.flags.writeable = False          # shared by the cache
    return order, weight_at, factor


def _symmetric(upper):
    """The symmetric matrix whose upper triangle is that of ``upper``."""
    return np.triu(upper) + np.triu(upper, 1).T


_syrk, _syr2k = scipy.linalg.blas.get_blas_funcs(("syrk", "syr2k"), dtype=np.float64)
_trcon = scipy.linalg.lapack.get_lapack_funcs("trcon", dtype=np.float64)
_CORRECTION_RCOND = 1e-13    # directions of [A; alpha C] (unit columns) kept by the correction
_GRAM_RCOND = 1e-3            # theta's factor from its Gram matrix when (unit columns) this well conditioned
_gesdd, _gesdd_lwork, _potrf, _potrs = scipy.linalg.lapack.get_lapack_funcs(
    ("gesdd", "gesdd_lwork", "potrf", "potrs"), dtype=np.float64)


def _factor(hess):
    """A solver for the symmetric positive (semi)definite matrix whose upper
    triangle is that of ``hess``: Cholesky, least squares when that fails."""
    fac, info = _potrf(hess, lower=0, clean=0)
    if info == 0:
        def solve(v):
            return _potrs(fac, v, lower=0)[0]
    else:
        full = _symmetric(hess)

        def solve(v):
            return scipy.linalg.lstsq(full, v, check_finite=False, cond=1e-14)[0]
    return solve


def _wide_operator(P, ws=None):
    """``C`` of shape (q, r, nz) and ``c`` of shape (q, r) with ``X = c + C z``,
    transposed when needed so that ``q <= r`` (Newton works on a wide matrix);
    in the workspace ``ws`` if given."""
    out = None
    if ws is not None and P.N is not None and P.q <= P.r:
        out = ws.array("C", (P.q, P.r, P.n_z))
    C, c = P.C_qrz(out=out), P.c
    if C.shape[0] > C.shape[1]:
        C, c = np.ascontiguousarray(C.transpose(1, 0, 2)), c.T
    return C, c


def _newton_or_retry(P, tol, max_iter, z0, ws):
    """:func:`_newton`, again in orthonormal coordinates from where it stopped
    when its exact-fit system was too inaccurate for the certificate."""
    try:
        return _newton(P, tol, max_iter, z0, ws)
    except _IllConditioned as stop:
        z, n_iter, converged = _newton(P, tol, max(max_iter - stop.n_iter, 1), stop.z, ws,
                                       orthonormal=True)
        return z, n_iter + stop.n_iter, converged


def _orthonormal_coordinates(C, z0=None):
    """The exact fit's image ``X = c + C z`` over an orthonormal basis ``Q`` of
    ``C``'s range (a pivoted QR, ``C[:, piv[:k]] = Q R``), so that the
    conditioning of ``C``, which the null space of theta can make poor (an
    operator from columns of 1e-5 to 1e5: singular values down to 4e-8 of the
    largest; Newton's Hessian lost the direction that cancels 381 of ``c``,
    and stopped at 1e4 times the optimum), does not enter the steps;
    directions of ``z`` that do not move ``X`` are 0. Returns ``Q`` as a
    ``(q, r, k)`` array and as a ``(q r, k)`` matrix (the certificate's
    projection, :func:`_certified_gap`), the map back to ``z``, and ``z0`` in
    the new coordinates."""
    q, r, nz = C.shape
    C2 = C.reshape(q * r, nz)
    Q, R, piv = scipy.linalg.qr(C2, mode="economic", pivoting=True, check_finite=False)
    diag = np.abs(np.diag(R))
    k = int(np.sum(diag > diag[0] * max(q * r, nz) * np.finfo(float).eps)) if diag.size else 0
    Q, R, piv = Q[:, :k], R[:k, :k], piv[:k]

    def to_z(u):
        z = np.zeros(nz)
        z[piv] = scipy.linalg.solve_triangular(R, u, check_finite=False)
        return z

    u0 = None if z0 is None else Q.T @ (C2 @ z0)      # X0 - c in the new coordinates
    return np.ascontiguousarray(Q).reshape(q, r, k), Q, to_z, u0


class _IllConditioned(Exception):
    """The exact fit's Newton system was solved too inaccurately for its
    certificate: solve again in orthonormal coordinates (``z`` and ``n_iter``:
    where the first attempt stopped)."""

    def __init__(self, z, n_iter):
        super().__init__()
        self.z, self.n_iter = z, n_iter


def _newton(P, tol, max_iter, z0, ws=None, orthonormal=False):
    q, r, nz = P.q, P.r, P.n_z
    H, g_data = P.H, P.g
    if nz == 0 or q == 0 or r == 0 or P.alpha == 0.0:
        if H is None:
            return np.zeros(nz), 0, True
        return scipy.linalg.lstsq(H, g_data, check_finite=False, cond=1e-12)[0], 0, True
    alpha = P.alpha
    C, c = _wide_operator(P, ws)
    q, r = c.shape
    # the unknowns scaled so that C's columns have norm 1: Newton's steps do not
    # change (they are invariant under a change of variables), its rounding does
    # (an operator with columns from 1e-5 to 1e5 ended at 1e4 times the optimum);
    # z below is d times the problem's unknowns
    d = np.sqrt(np.einsum("ijk,ijk->k", C, C))
    d[d == 0.0] = 1.0
    if np.may_share_memory(C, P.op.tensor):
        C = C / d
    else:
        C /= d
    if z0 is not None:
        z0 = np.asarray(z0, dtype=float) * d
    range_basis = None

    def unscaled(z):
        return z / d

    def to_newton(z):                           # scaled unknowns -> Newton's
        return z

    if H is not None:
        H = H / np.multiply.outer(d, d)
        g_data = g_data / d
        T_data, Ys = P.data
        data_dual = _DataDual(T_data, Ys, d, C.reshape(q * r, nz), alpha,
                              lambda: P.op._column_factor() / d,
                              lambda: P.H[:T_data.shape[1], :T_data.shape[1]])
        if orthonormal:
            C, H, g_data, data_dual, to_newton = _orthonormal_penalised(C, H, g_data, data_dual)
            nz = C.shape[2]
            z0 = None if z0 is None else to_newton(z0)

            def unscaled(u):
                return data_dual.to_scaled(u) / d
    elif orthonormal:
        C, range_basis, to_z, z0 = _orthonormal_coordinates(C, z0)
        nz = C.shape[2]

        def unscaled(u):
            return to_z(u) / d
    C2 = C.reshape(q * r, nz)                  # C2 @ z = vec(C z), C2.T @ vec(Y) = C^T Y
    hessian = _SmoothedHessian(C, ws)
    full = not hessian.project                 # the Hessian needs all of V, or its first q columns

    def image(z):
        return c + (C2 @ z).reshape(q, r)

    def data(z):
        return 0.0 if H is None else 0.5 * z @ H @ z - g_data @ z

    lwork = int(_gesdd_lwork(q, r, compute_uv=1, full_matrices=int(full))[0])
    lwork_values = int(_gesdd_lwork(q, r, compute_uv=0)[0])

    def svd(X):               # LAPACK directly: numpy's and scipy's wrappers cost more than small SVDs
        U, s, Vt, info = _gesdd(X, compute_uv=1, full_matrices=int(full), lwork=lwork)
        if info != 0:         # pragma: no cover (gesdd did not converge)
            U, s, Vt = scipy.linalg.svd(X, full_matrices=full, lapack_driver="gesvd", check_finite=False)
        return U, s, Vt

    def smoothed(data_value, s, mu):
        return data_value + alpha * (float(np.hypot(s, mu).sum()) - mu * s.size)

    # the smoothing levels come from the cold start (least squares or the
    # minimum-norm interpolant), so that a warm start changes only the path
    if H is not None:
        # in the problem's own coordinates (the scaled H of an operator with
        # columns from 1e-4 to 1e5 has a condition number of 4e18, which cond=1e-12
        # truncated: a start with H z != g, which the certificate's data term
        # assumes, let a point 3.9 times the optimum pass)
        z = to_newton(scipy.linalg.lstsq(P.H, P.g, check_finite=False, cond=1e-12)[0] * d)
    else:
        z = np.zeros(nz)
    z_ls = z
    X = image(z)
    U, s, Vt = svd(X)
    s0 = s
    f_cold = data(z) + alpha * float(np.sum(s0))

    def unconverged(z, s):
        # a warm start far off (coefficients of 1e8 for an exact fit) can leave
        # the steps stalled far above the cold start: never return worse than it
        if z0 is not None and data(z) + alpha * float(np.sum(s)) > f_cold:
            z = z_ls
        return unscaled(z)

    scale = alpha * float(np.sum(s0)) + abs(data(z))
    # rounding level of the singular values: X sums terms of size up to
    # ||c|| + ||C|| ||z||, which cancel when the start is (nearly) symmetric;
    # below it the smoothing cannot resolve anything (and an optimum of
    # nuclear norm zero has no relative accuracy to reach)
    c_norm, C2_norm = float(np.linalg.norm(c)), float(np.linalg.norm(C2))

    def rounding_level(z):
        return _NOISE * (c_norm + C2_norm * float(np.linalg.norm(z)))

    noise = rounding_level(z)
    if scale == 0.0 or s0[0] <= noise:      # the start is symmetric to rounding: optimal,
        # if it minimises the data term (penalised: the least-squares start, which
        # lstsq on H truncated where theta's columns ranged from 4e-7 to 3e6, and a
        # start 1e24 times the optimum was returned)
        if H is None or data_dual.minimises_data(z):
            return unscaled(z), 0, True
    # the error of the objective below which nothing is resolved: that of the
    # start, or of the current point when smaller (the start's alone, a least-squares
    # start 1e9 times the optimum with a large alpha, accepted a point at 4.8 times
    # the optimum; the current point's alone, larger than the start's, accepted 3 tol
    # at tol=1e-10 with alpha=10)
    floor_start = alpha * min(q, r) * noise
    if H is not None:
        T_abs, Ys_norm = np.abs(T_data), float(np.linalg.norm(Ys))
    if z0 is not None:
        z = z0
        X = image(z)
        U, s, Vt = svd(X)
        if not data(z) + alpha * float(np.sum(s)) <= f_cold:
            # a warm start worse than the cold start can only cost steps, and far
            # off (coefficients of 1e8 where theta has a null space) the iterates
            # grew to 1e16, where nothing is computed accurately, and a point at
            # 0.6 was certified where the optimum is 0
            z0, z = None, z_ls
            X = image(z)
            U, s, Vt = svd(X)
    mu = _MU0 * s0[0]
    level_start = True
    refines, last_gap = 0, np.inf   # steps added to this level for the dual's sake, its last gap
    level_steps = 0
    last_t = 1.0                    # the last step's length
    mu_final = max(tol * float(np.sum(s0)) / (10.0 * min(q, r)), noise)
    for it in range(1, max_iter + 1):
        sq = np.hypot(s, mu)
        hess = hessian(U, s, Vt, sq, mu)
        grad = (s / sq) @ hessian.diagonal
        if alpha != 1.0:
            grad *= alpha
            hess *= alpha
        if H is not None:
            residual = H @ z - g_data
            grad += residual
        if H is not None:
            hess += H
        diagonal = hess.ravel(order="K")[::nz + 1]     # a view (hess is contiguous)
        diagonal *= 1.0 + 1e-14                        # relative: features may differ in scale by 1e12
        solve = _factor(hess)
        step = -solve(grad)
        decrement = float(-grad @ step)
        if not decrement > 0.0:               # no descent left at this smoothing level
            decrement, step = 0.0, np.zeros(nz)
        data_z = data(z)
        f_z = data_z + alpha * float(s.sum())
        if H is None:
            size, data_floor = f_z, 0.0
        else:
            # the objective's size from the residuals (f_z + f0 cancels for nearly
            # exact fits with large targets), and the rounding level of the data
            # term: residuals of targets of size |Y| are known to eps |Y| only
            Z = unscaled(z).reshape(-1, T_data.shape[1])
            residual_norm = np.linalg.norm(Ys - T_data @ Z.T)
            size = 0.5 * residual_norm ** 2 + alpha * float(s.sum())
            # the terms of T Z entry by entry (the product of the norms paired the
            # largest column with the largest coefficient, which sits on the smallest
            # column: a floor of 3e-4 of the objective accepted a point 1e-5 off)
            terms = float(np.linalg.norm(T_abs @ np.abs(Z).T))
            data_floor = _NOISE * residual_norm * (Ys_norm + terms)
        # error estimate: at the smoothed minimiser Y = U diag(s / sq) V^T is
        # dual feasible, which bounds the error of f by sum s (sq - s) / sq; off
        # it, the decrement adds what the step would still gain. Off the path of
        # smoothed minimisers the estimate can be far too small (a singular value
        # pushed far below its optimum, where the smoothing's curvature hides
        # what lifting it gains): where it is small, the duality gap of the dual
        # variable updated by the Newton step decides (a bound, not an estimate)
        estimate = alpha * float((s * (sq - s) / sq).sum()) + decrement
        dX = (C2 @ step).reshape(q, r)
        # (at the rounding level, below which nothing is resolved, an absolute bound:
        # the estimate alone accepted points 1e-4 off there)
        bound = max(tol * abs(size), floor_start + data_floor)
        if estimate <= bound:      # (the current point's floor only where it could matter)
            floor = min(floor_start, alpha * min(q, r) * rounding_level(z))
            bound = max(tol * abs(size), floor + data_floor)
        accurate = refine = False
        if estimate <= bound:
            gap, smoothing, dual_residual = _certified_gap(
                U, s, Vt, sq, hessian.plus, hessian.times, dX, alpha,
                None if H is None else (data_dual, z, step), range_basis,
                C2 if H is None and range_basis is None else None)
            # the exact fit's dual must vanish on C's range, which holds as far as
            # the Newton system was solved: the residual's share <C^T Y, z*> of the
            # bound, estimated at the current z, must be small, or the solve goes
            # on in orthonormal coordinates, where the dual is projected exactly
            if H is None and dual_residual * float(np.linalg.norm(z)) > 0.1 * bound:
                raise _IllConditioned(unscaled(z), it)
            accurate = gap <= bound
            # penalised, the corrected gap bounds the error whatever the system's
            # accuracy (_DataDual); where the correction is what keeps it above the
            # bound (dual_residual: its share) and it no longer halves, the steps,
            # which come from that inaccurate system, have stalled above the
            # optimum (2.2e-4 for theta's columns at 1e-5..1e5): solve again in
            # orthonormal coordinates (not while it shrinks: a recovery problem at
            # tol=1e-12, whose gap fell tenfold a step, did not converge there)
            if (H is not None and not accurate and not orthonormal and dual_residual >= gap - bound
                    and gap > 0.5 * last_gap):
                raise _IllConditioned(unscaled(z), it)
            # with a small smoothing share the gap comes from the step's second-order
            # terms (the dual's norm above 1): another step at this mu, not a smaller mu
            # (while that pays: each such step must halve the gap)
            refine = (smoothing <= 0.5 * tol * abs(size) and refines < _REFINES
                      and gap <= 0.5 * last_gap)
            refines, last_gap = refines + refine, gap
        # backtracking line search on z + t step: image X + t dX, data term
        # data_z + t d1 + t^2 d2 / 2; the singular vectors of the accepted point
        # serve the next step, so the first trial computes them. t halves from 1
        # (interpolating the smoothed objective along the step took more steps:
        # it is far from quadratic where singular values approach zero). After a
        # full step the next one is usually full too (a model would cost more than
        # it saves); the first step of a level, and steps after a shortened one,
        # usually are not (singular values heading to zero make them too long):
        # there the halving starts where a model of the smoothed objective along
        # the step accepts (_first_trial), and the SVDs from there. On the
        # recovery study's problems (576 exact fits, T and SE, m = 5-10, d = 2-3)
        # this gave the same steps and iterates as plain halving with 44% fewer
        # SVDs; on random problems the model rarely (about 1 line search in 1000)
        # starts a factor 2 below plain halving's t, which can cost a step.
        f0 = data_z + alpha * (float(sq.sum()) - mu * s.size)
        z_prev = z
        d1, d2 = (0.0, 0.0) if H is None else (float(residual @ step), float(step @ H @ step))
        t = 1.0
        if (level_start or last_t < 1.0) and decrement > 0.0:
            t = _first_trial(s, sq, hessian.diagonal @ step, mu, alpha, d1, d2, decrement)
        level_start, with_vectors = False, True
        while t > 1e-12:
            X_t = X + t * dX
            if with_vectors:
                U_t, s_t, Vt_t = svd(X_t)
            else:
                s_t = _gesdd(X_t, compute_uv=0, lwork=lwork_values)[1]
            f_t = smoothed(data_z + t * d1 + 0.5 * t * t * d2, s_t, mu)
            if f_t <= f0 - 0.25 * t * decrement:
                z, X = z + t * step, X_t
                U, s, Vt = (U_t, s_t, Vt_t) if with_vectors else svd(X)
                break
            t, with_vectors = 0.5 * t, False
        last_t = t
        if accurate:          # done: keep the better of the last two points
            if data(z) + alpha * float(s.sum()) <= f_z:
                return unscaled(z), it, True
            return unscaled(z_prev), it, True
        # a full, small step: the smoothed problem is solved to its accuracy
        level_done = ((t == 1.0 and decrement <= _STAGE * mu * scale / s0[0])
                      or decrement <= 1e-15 * scale or t <= 1e-12)
        level_steps += 1
        # at the rounding level the steps are noise: a level's worth of them, then
        # stop; elsewhere a level that takes dozens of steps has stalled (the
        # objective moving at rounding level between steps kept one going for
        # all of max_iter)
        if level_steps >= (_NOISE_STEPS if mu <= noise else _LEVEL_STEPS):
            return unconverged(z, s), it, False
        if not level_done or refine:
            continue
        # below the planned final level only while the error estimate says the
        # objective is still inaccurate (an optimum far below the start), down to
        # the rounding level, where the estimate could not be met
        if mu <= noise:
            return unconverged(z, s), it, False
        mu_new = max(mu * _SHRINK, mu_final if mu > mu_final else noise)
        # first-order prediction along the path z(mu): dz/dmu = -hess^-1 d(grad)/dmu
        # (Hessian of the last step), kept when it lowers the next smoothed objective
        dgrad = alpha * (((U * (-s * mu / sq ** 3)) @ Vt[:q]).ravel() @ C2)
        z_pred = z + (mu - mu_new) * solve(dgrad)
        X_pred = image(z_pred)
        s_pred = _gesdd(X_pred, compute_uv=0, lwork=lwork_values)[1]
        if smoothed(data(z_pred), s_pred, mu_new) < smoothed(data(z), s, mu_new):
            z, X = z_pred, X_pred
            U, s, Vt = svd(X)
        mu = mu_new
        level_start = True
        refines, last_gap, level_steps = 0, np.inf, 0
    return unconverged(z, s), max_iter, False


def _first_trial(s, sq, ds, mu, alpha, d1, d2, decrement):
    """Where the line search's halving starts: the first ``t`` in 1, 1/2, ...
    (down to about 1e-3) at which a model of the smoothed objective along the
    Newton step meets the sufficient-decrease condition.

    The model is exact in the singular values' first-order changes ``ds``
    (``sum_i phi(s_i + t ds_i)``, ``phi(x) = sqrt(x^2 + mu^2)``, where a
    quadratic model lets singular values overshoot zero) and quadratic in the
    rest: the data term (``t d1 + t^2 d2 / 2``, exact) and the rotations of
    the singular vectors, whose curvature is the Newton decrement's remainder
    (``decrement = step^T H step``). For a diagonal problem (no rotations) it
    is the smoothed objective itself. A decrement at the rounding level of the
    singular values' terms decides nothing: then ``t = 1`` (the model's test
    would be noise, and a level ends only on a full step).
    """
    base = alpha * float(sq.sum())
    if 0.25 * decrement <= _MODEL_NOISE * (base + abs(d1)):
        return 1.0
    rest = 0.5 * (decrement - d2 - alpha * float((ds * ds * (mu * mu / (sq * sq * sq))).sum()))
    t = 1.0
    while t > 1e-3:
        model = t * d1 + t * t * (0.5 * d2 + rest) + alpha * float(np.hypot(s + t * ds, mu).sum()) - base
        if model <= -0.25 * t * decrement:
            break
        t *= 0.5
    return t


def _certified_gap(U, s, Vt, sq, plus, times, dX, alpha, data=None, range_basis=None, C2=None):
    """A bound on the error of the objective at ``X = U diag(s) V^T`` from the
    dual of the Newton step ``dz`` (``dX = C dz``); ``sq = sqrt(s^2 + mu^2)``.

    The Newton step makes ``Y1 = U diag(s / sq) V^T + J[dX]`` (``J`` the
    derivative of the smoothing's gradient, from the divided differences
    ``plus`` and ``times``) satisfy the optimality conditions' linear part:
    ``C^T Y1 = 0`` for the exact fit, ``alpha C^T Y1 = g - H (z + dz)``
    penalised. ``Y1 / nu`` with ``nu = max(1, ||Y1||_2)`` is dual feasible, and
    the gap to its dual value bounds ``f(z) - f*`` (up to rounding):
    ``alpha (sum s - sum_i s_i Y1_ii / nu)`` plus, penalised, ``1/2 |R(z) -
    lam / nu|^2`` with ``lam`` the residuals ``R(z + dz)``, ``Y1`` and ``lam``
    first corrected so that ``A^T lam = alpha C^T Y1`` holds exactly
    (``data = (dual, z, dz)``, ``dual`` a :class:`_DataDual`; the penalised
    bound is then rigorous whatever the step's accuracy, and the third value
    returned is the share of the gap that the correction added). In the
    singular basis ``Y1`` is
    ``[D | R]``: ``D`` from ``E = U^T dX V_q`` and the divided differences,
    ``R = diag(1 / sq) U^T dX V_perp``; ``R V_perp^T`` needs only ``V_q``.

    For the exact fit, ``C^T Y1 = 0`` holds only as far as the Newton system
    was solved accurately: on an operator whose columns ranged over 1e-5 to
    1e5 the residual made a point 1e4 times above the optimum look optimal
    (a gap of 8e-5 against 385). Given ``range_basis`` (an orthonormal basis
    of ``C``'s range), ``Y1`` is projected onto the null space of ``C^T``
    before it is scaled, and the bound is rigorous whatever the step's
    accuracy; given ``C2`` (``C`` as a ``(q r, nz)`` matrix) instead, the
    norm of the residual ``C^T Y1 / nu`` is returned as well (else 0), whose
    product with ``z*`` the bound leaves out.
    """
    q = s.size
    Vq = Vt[:q]
    W = U.T @ dX                                  # U^T dX, (q, r)
    E = W @ Vq.T                                  # U^T dX V_q
    D = plus * (E + E.T) + times * (E - E.T)
    D *= 0.5                                      # diagonal: phi''(s_i) E_ii
    diagonal = D.ravel()[::q + 1]
    diagonal += s / sq
    # Y1 with rows in the singular basis and X's columns: D V_q^T + R V_perp^T, where
    # R V_perp^T = diag(1 / sq) U^T dX (I - V_q V_q^T) needs only V_q
    Y1 = D @ Vq
    Y1 += (W - E @ Vq) / sq[:, None]
    total, paired = float(s.sum()), float(s @ diagonal)
    smoothing = alpha * (total - paired)
    residual = 0.0
    if data is not None:
        # the data dual (the residual at z + dz) and Y1 corrected jointly onto the
        # linear optimality condition, which the Newton system meets only as far as
        # it was solved accurately (see _DataDual)
        dual, z, dz = data
        R_z, lam1 = dual.residual(z), dual.residual(z + dz)
        # the share of the gap that the correction adds: the uncorrected gap,
        # which assumed the condition, is not a bound
        uncorrected = _duality_gap(Y1, paired, total, alpha, R_z, lam1)
        lam, y = dual.feasible(lam1, (U @ Y1).ravel())
        Y1 = U.T @ y.reshape(q, -1)
        paired = float(s @ np.einsum("ij,ij->i", Y1, Vq))
        gap = _duality_gap(Y1, paired, total, alpha, R_z, lam)
        return gap, smoothing, max(gap - uncorrected, 0.0)
    if range_basis is not None:
        # back to X's rows, minus the part in C's range (then <Y, X> = <Y, c> for
        # every z), and <Y, X> = sum_i s_i (rows of Y1 . rows of V_q)
        y = (U @ Y1).ravel()
        y -= range_basis @ (range_basis.T @ y)
        Y1 = U.T @ y.reshape(q, -1)
        paired = float(s @ np.einsum("ij,ij->i", Y1, Vq))
    nu = _dual_scale(Y1)
    gap = alpha * (total - paired / nu)
    if C2 is not None:
        residual = alpha * float(np.linalg.norm(C2.T @ (U @ Y1).ravel())) / nu
    return gap, smoothing, residual


def _dual_scale(Y1):
    """``nu = max(1, ||Y1||_2)``, which scales ``Y1`` into the dual's unit ball."""
    return max(1.0, float(np.sqrt(max(np.linalg.eigvalsh(Y1 @ Y1.T)[-1], 0.0))))


def _duality_gap(Y1, paired, total, alpha, R, lam):
    """The penalised gap ``alpha (sum s - <Y1, X> / nu) + |R - lam / nu|^2 / 2``
    (``nu = max(1, ||Y1||_2)``; ``R`` the residuals, ``lam`` the data dual)."""
    nu = _dual_scale(Y1)
    e = R - lam / nu
    return alpha * (total - paired / nu) + 0.5 * float(np.sum(e * e))


class _DataDual:
    """The penalised form's dual variable of the data term, made exactly
    consistent with the nuclear norm's (for :func:`_certified_gap`).

    With ``A`` the data map (``A z = vec(theta W^T) / sqrt(n)``, in Newton's
    unknowns ``z``) and ``Y`` with ``||Y||_2 <= 1``, any ``lam`` with
    ``A^T lam = alpha C^T Y`` gives the lower bound
    ``f* >= lam . Ys - |lam|^2 / 2 + alpha <Y, c>``, and the gap of ``z`` to it is
    ``|R(z) - lam|^2 / 2 + alpha (||X||_* - <Y, X>)`` (``R`` the residuals; no
    cancellation). The Newton step gives ``lam1 = R(z + dz)`` and ``Y1``, which
    meet that condition up to the accuracy of the Newton system: with columns of
    theta from 1e-5 to 1e5 the residual let a point 2.3% above the optimum pass
    as certified after one step (the bound assumed the condition exactly). The
    pair is corrected by the smallest change that meets it (``-M^T w`` with
    ``M = [A^T, -alpha C^T]`` and ``M M^T w = M (lam1, Y1)``, from a QR
    factorisation of ``[A; alpha C]``, computed once per solve: see
    :meth:`_triangular`), so the bound holds whatever the step's accuracy, up
    to rounding. The correction is made at every certificate: a cheaper test
    of whether it matters (the condition's residual times ``|z|``, against a
    tenth of the tolerance) missed that ``z*`` can be far larger than ``z``
    (coefficients of 1e6 on columns of theta of size 1e-6, where the current
    point had 1e-3): a point 3.6 times the optimum was certified.

    The unknowns are the scaled ones (``d`` times the problem's), or after
    :meth:`orthonormal` the coordinates ``u`` in which ``[A; alpha C]`` has
    orthonormal columns (``z[piv] = R^-1 u``).
    """

    def __init__(self, T, Ys, d, C2, alpha, column_factor=None, gram=None):
        self.T, self.Ys, self.d, self.C2, self.alpha = T, Ys, d, C2, alpha
        self.column_factor, self.gram = column_factor, gram
        self.n_out, self.K = Ys.shape[1], T.shape[1]
        self._factor = None
        self._rows = None         # R's leading rows over all columns (see _triangular)
        self._basis = None        # (R, piv) in orthonormal coordinates

    def to_scaled(self, u):
        """The scaled unknowns ``z`` of Newton's unknowns."""
        if self._basis is None:
            return u
        R, piv = self._basis
        z = np.zeros(self.d.size)
        z[piv] = scipy.linalg.solve_triangular(R, u, check_finite=False)
        return z

    def residual(self, z):
        """``R(z) = Ys - A z`` as an (n, n_outputs) array."""
        return self.Ys - self.T @ (self.to_scaled(z) / self.d).reshape(self.n_out, self.K).T

    def minimises_data(self, z):
        """Whether ``z`` minimises the data term to rounding: the gradient
        ``T^T R(z)`` within ``1e3 eps`` of the terms that make it up."""
        Z = (self.to_scaled(z) / self.d).reshape(self.n_out, self.K)
        gradient = np.abs(self.T.T @ self.residual(z))
        terms = np.abs(self.T).T @ (np.abs(self.Ys) + np.abs(self.T) @ np.abs(Z).T)
        return bool(np.all(gradient <= 1e3 * np.finfo(float).eps * terms))

    def _data_adjoint(self, lam):
        """``A^T lam`` in Newton's unknowns."""
        g = (lam.T @ self.T).ravel() / self.d
        if self._basis is None:
            return g
        R, piv = self._basis
        return scipy.linalg.solve_triangular(R, g[piv], trans="T", check_finite=False)

    def _triangular(self):
        """``(R, piv)`` with ``S[:, piv] = Q R`` for ``S = [A; alpha C]``, ``R``
        of full rank ``k`` (the leading ``k`` pivots). ``A`` stands as
        ``theta``'s triangular factor (a QR of ``n_outputs min(n, K)`` rows
        instead of ``n_outputs n``), ``C`` as its own triangular factor when it
        has more rows than columns (``column_factor()``, the operator's, cached
        on it, or an unpivoted, blocked QR; with the pivoted QR of the whole stack
        the correction cost up to 70% of a solve, and the pivoting is needed only
        for the small stack of the two factors)."""
        if self._factor is None:
            RT = self._theta_factor()
            A = (RT if self.n_out == 1 else scipy.linalg.block_diag(*[RT] * self.n_out)) / self.d
            C2 = self.C2
            if C2.shape[0] > C2.shape[1]:
                C2 = _r_factor(C2) if self.column_factor is None else self.column_factor()
            S = np.vstack([A, self.alpha * C2])
            # columns scaled to norm 1 first, so that the rank is decided relative
            # to each column's size, and directions that nearly move neither term
            # (to _CORRECTION_RCOND of the columns) are left out: along them the
            # correction is the rounding of the condition's residual divided by
            # their size, and u the rounding of C and H. A threshold at 1e-300 kept
            # a repeated column of theta (with the operator's), one at eps
            # max(shape) columns equal to 1e-13: the correction made the residual
            # worse (1e-12 to 4.5), and the solve in orthonormal coordinates went
            # to coefficients of 1e16 (points 1.5 and 870 times the optimum
            # certified). The price: an optimum that moves along such a direction
            # (coefficients of 2e8 that cancel on columns equal to 1e-13) is not
            # found, and the bound does not see it (bench_newton_scaling.py)
            e = np.sqrt(np.einsum("ij,ij->j", S, S))
            if not np.all(np.isfinite(e)):        # squares beyond the range (alpha = 1e300)
                size = float(np.max(np.abs(S)))
                e = size * np.sqrt(np.einsum("ij,ij->j", S / size, S / size))
            e[e == 0.0] = 1.0
            R, piv = scipy.linalg.qr(S / e, mode="r", pivoting=True, check_finite=False)
            diag = np.abs(np.diag(R))
            k = int(np.sum(diag > diag[0] * _CORRECTION_RCOND)) if diag.size else 0
            self._factor = R[:k, :k] * e[piv[:k]], piv[:k]
            self._rows = R[:k] * e[piv], piv    # Q_k^T S z = rows @ z[piv], all columns
        return self._factor

    def _theta_factor(self):
        """A triangular ``R`` with ``R^T R = T^T T``: for ``n > K`` from the
        Cholesky factorisation of the Gram matrix ``T^T T`` (the data term's
        Hessian, already formed) when ``T`` with unit columns is conditioned
        below ``1 / _GRAM_RCOND`` (its QR took 4-5 times the Gram's time, and
        up to 30% of a solve with ``n = 20000``); its error, ``eps`` times
        the condition number squared, is removed by the second correction
        (:meth:`feasible`). Else from a QR factorisation."""
        n, K = self.T.shape
        if n > K and self.gram is not None:
            G = self.gram()
            e = np.sqrt(np.diag(G))
            if np.all(e > 0.0):
                fac, info = _potrf(G / np.multiply.outer(e, e), lower=0, clean=1)
                if info == 0 and _trcon(fac, norm="1", uplo="U")[0] > _GRAM_RCOND:
                    return fac * e
        return _r_factor(self.T)

    def orthonormal(self, C2):
        """This dual for the unknowns ``u`` in which ``[A; alpha C]`` has
        orthonormal columns (``C2``: ``C`` in them), and ``R, piv``."""
        R, piv = self._triangular()
        new = _DataDual(self.T, self.Ys, self.d, C2, self.alpha)
        new._basis = R, piv
        new._factor = np.eye(R.shape[0]), np.arange(R.shape[0])
        return new

    def feasible(self, lam1, y):
        """``(lam, y)`` from ``lam1`` (the residuals ``R(z + dz)``) and ``y``
        (``vec(Y1)``) with ``A^T lam = alpha C^T y`` (up to rounding). The
        correction is made twice (iterative refinement): the second removes
        what the factorisation's rounding left of the condition's residual (on
        the normal equations of an ill-conditioned ``[A; alpha C]``, ``eps``
        times its condition number relative to the terms, 4e-11 with a nearly
        dependent pair of features; and the error of a factor of ``theta``
        from its Gram matrix)."""
        R, piv = self._triangular()
        lam = lam1
        for _ in range(2):
            rho = self._data_adjoint(lam) - self.alpha * (self.C2.T @ y)
            w = np.zeros(rho.size)
            # a basic solution of (S^T S) w = rho over the pivoted columns (rho lies in
            # the range of S^T = M: directions that move neither the data nor X are
            # orthogonal to both terms of rho)
            u = scipy.linalg.solve_triangular(R, rho[piv], trans="T", check_finite=False)
            w[piv] = scipy.linalg.solve_triangular(R, u, check_finite=False)
            lam = lam - self.T @ (self.to_scaled(w) / self.d).reshape(self.n_out, self.K).T
            y = y + self.alpha * (self.C2 @ w)
        return lam, y


def _orthonormal_penalised(C, H, g, dual):
    """The penalised problem in the coordinates ``u`` in which ``[A; alpha C]``
    has orthonormal columns (``z[piv] = R^-1 u``, from the pivoted QR of
    :class:`_DataDual`): there the Newton system is well conditioned whatever
    the scales of theta's and the operator's columns (theta's columns at
    1e-5..1e5 left the steps stalled 2.2e-4 above the optimum, and at
    1e-7..1e7 up to 6.5 times above it). Directions that move neither term are 0.
    Returns ``C``, ``H``, ``g`` and the dual in those coordinates and the map
    from the scaled unknowns to them."""
    q, r, nz = C.shape
    R, piv = dual._triangular()
    k = R.shape[0]
    C2 = np.ascontiguousarray(
        scipy.linalg.solve_triangular(R, C.reshape(q * r, nz)[:, piv].T, trans="T", check_finite=False).T)
    Hp = H[np.ix_(piv, piv)]
    Hu = scipy.linalg.solve_triangular(
        R, scipy.linalg.solve_triangular(R, Hp, trans="T", check_finite=False).T, trans="T",
        check_finite=False).T
    Hu = 0.5 * (Hu + Hu.T)
    gu = scipy.linalg.solve_triangular(R, g[piv], trans="T", check_finite=False)

    rows, all_piv = dual._rows

    def to_newton(z):          # the projection Q_k^T S z: the directions left out are dropped
        return rows @ z[all_piv]

    return C2.reshape(q, r, k), Hu, gu, dual.orthonormal(C2), to_newton


def _newton_flops(q, r, n_z):
    """Operations of one Newton step on a ``q x r`` matrix with ``n_z`` unknowns
    (the Hessian's products, and its Cholesky factorisation, which dominates
    when ``n_z`` is far larger than ``q r``)."""
    return n_z * q * r * (q + r) + n_z * n_z * q * r + n_z ** 3 / 3.0


def _step_cost(theta, operator, exact_fit):
    """Operations of one Newton step on a problem (:func:`_newton_flops`; the exact fit
    has ``K - n`` unknowns per output) and the size of its largest work array
    (``n_z q r`` numbers, or the ``n_z x n_z`` Hessian)."""
    try:
        shape = np.shape(theta)
    except ValueError:         # ragged
        shape = ()
    if len(shape) != 2 or not isinstance(operator, CompressedLieOperator):
        return 0.0, 0.0        # invalid input: the solver's own checks will say what is wrong
    n, K = shape
    n_z = operator.n_outputs * (max(K - n, 0) if exact_fit else K)
    q, r = operator.n_generators, operator.rank
    return _newton_flops(q, r, n_z), float(n_z) * max(q * r, n_z)


def solve_promote(theta, Y, operator, alpha=1.0, *, exact_fit=False, solver="auto", tol=1e-6,
                  max_iter=None, warm_start=None):
    """Solve a promote problem with sksym's own solvers.

    From some ``alpha`` on, the penalised problem's solution is the fully
    symmetric least-squares fit ``W_s``: the best fit among the models that
    every candidate leaves invariant (``M(W_s) = 0``; for translations and
    rotations, often the constant). It is optimal exactly when some ``D``
    with spectral norm at most ``alpha`` satisfies ``M^T(D) = -g``, ``g``
    the data term's gradient at ``W_s`` (then ``D / alpha`` is a subgradient
    of the nuclear norm at ``M(W_s) = 0`` that cancels it), as the lasso's
    solution is zero from ``alpha_max`` on. Both solvers first compute
    ``W_s`` and the least-norm such ``D`` (a least-squares fit over the
    operator's kernel and one over its range, from its cached Gram matrix)
    and return ``W_s`` with ``n_iter=0`` when ``||D||_2 <= alpha``; this
    bound on the smallest such ``alpha`` is exact when the least-norm ``D``
    has the least spectral norm too, and an upper bound otherwise.
    Iterating instead resolves ``W_s`` only to ``alpha`` times the rounding of
    the Lie derivatives (``benchmarks/bench_solver_accuracy.py``, section 5:
    Newton's coefficients 2.5e-2 off at ``alpha=1e14`` on a small problem,
    cvxpy + Clarabel failing). Its ``objective`` is that of the
    coefficients as computed, ``alpha`` times the rounding of their Lie
    derivatives included: from ``alpha`` of about ``1e8`` it can exceed an
    iterating solver's, whose coefficients are further from ``W_s``. The test
    is skipped when it cannot be trusted: the linear condition not met to
    ``1e-9`` relative, or a numerical kernel (exact only to ``1e-10``) that
    maps some direction above the rounding level (with a rotation generator
    perturbed by ``1e-12``, ``|x|^2`` is in it), unless the fit's penalty is
    within ``0.1 tol`` of its data term. Operators
    with more than 1000 coefficients (``n_outputs * K``), or whose Gram
    matrix costs more than ``3e9`` operations, are not tested. The first
    test on an operator computes its Gram matrix and the matrix's
    eigendecomposition (cached on the operator); after that, where it does
    not certify, a test took 23 us on two small problems, 3.1% and 0.8% of
    Newton's solve (ibid.).

    Parameters
    ----------
    theta : array-like of shape (n_samples, K)
        Dictionary evaluated at the training inputs.
    Y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    operator : CompressedLieOperator
        The compressed Lie-derivative operator.
    alpha : float, default=1.0
        Weight of the nuclear norm (penalised form).
    exact_fit : bool, default=False
        Solve the equality-constrained (basis-pursuit) form.
    solver : {"auto", "newton", "admm"}, default="auto"
        :func:`newton_promote` or :func:`admm_promote`. ``"auto"`` decides
        by the cost of one Newton step (``n_z q r (q + r) + n_z^2 q r +
        n_z^3 / 3`` operations for ``n_z`` unknowns and a ``q x r``
        compressed matrix): up to ``2e9``, Newton (fast, and it does not
        slow down on ill-conditioned problems); up to ``1e11``, ADMM for at
        most ``150`` iterations (easy problems, where the data nearly
        determine the model, converge within them) and then, if it has not
        converged, Newton from a cold start (its iteration count is bounded,
        ADMM's is not; on ten SE(20)-SE(25) problems the mix took 0.25-0.99
        times ADMM's time alone on eight, 2.5 and 4.6 times on two where ADMM
        needed a few hundred iterations: ``benchmarks/bench_auto_solver.py``);
        above, or when one of Newton's work arrays would exceed about ``5e7``
        numbers (``n_z * q * r``, three are kept, or the ``n_z x n_z``
        Hessian), ADMM alone.
    tol : float, default=1e-6
        Tolerance of the chosen solver.
    max_iter : int, default=None
        Iteration limit of the chosen solver (default: its own).
    warm_start : PromoteSolution or ndarray of shape (n_outputs, K), default=None
        Passed to the chosen solver.

    Returns
    -------
    solution : PromoteSolution
        ``solution.solver`` says which solver produced it; ``n_iter`` and
        ``time`` add up both solvers when ``"auto"`` ran ADMM then Newton.

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.solvers import CompressedLieOperator, solve_promote
    >>> op = CompressedLieOperator.from_tensor(np.eye(2)[None])
    >>> solve_promote(np.eye(2), np.array([1.0, 0.0]), op, alpha=0.1).solver
    'newton'
    """
    if solver not in ("auto", "newton", "admm"):
        raise ValueError(f"solver must be 'auto', 'newton' or 'admm'; got {solver!r}.")
    kwargs = {} if max_iter is None else {"max_iter": max_iter}
    if solver == "auto":
        flops, size = _step_cost(theta, operator, exact_fit)
        if size > _AUTO_NEWTON_SIZE:
            solver = "admm"
        elif flops <= _AUTO_NEWTON_FLOPS:
            solver = "newton"
        elif flops <= _AUTO_HYBRID_FLOPS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                first = admm_promote(theta, Y, operator, alpha, exact_fit=exact_fit, tol=tol,
                                     warm_start=warm_start, max_iter=_AUTO_ADMM_ITER)
            if first.converged:
                return first
            sol = newton_promote(theta, Y, operator, alpha, exact_fit=exact_fit, tol=tol, **kwargs)
            sol.n_iter += first.n_iter
            sol.time += first.time
            return sol
        else:
            solver = "admm"
    if solver == "newton":
        return newton_promote(theta, Y, operator, alpha, exact_fit=exact_fit, tol=tol,
                              warm_start=warm_start, **kwargs)
    return admm_promote(theta, Y, operator, alpha, exact_fit=exact_fit, tol=tol,
                        warm_start=warm_start, **kwargs)
