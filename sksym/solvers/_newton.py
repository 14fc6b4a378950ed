"""Newton's method on the smoothed nuclear norm, with continuation (small problems)."""

import time
import warnings

import numpy as np
import scipy.linalg
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from ._admm import PromoteSolution, _check_positive_int, _check_tol, admm_promote
from ._problem import check_problem, reduce_problem

__all__ = ["newton_promote", "solve_promote"]

_SHRINK = 0.1                 # continuation factor of the smoothing parameter
_AUTO_NEWTON_FLOPS = 1e9      # "auto": Newton when one of its steps costs less than this


def _divided_differences(s, sq, mu):
    """Second-order divided differences of ``phi(t) = sqrt(t^2 + mu^2)`` at the
    singular values: ``(phi'(a) - phi'(b)) / (a - b)`` and
    ``(phi'(a) + phi'(b)) / (a + b)``, written without cancellation."""
    a, b = s[:, None], s[None, :]
    sa, sb = sq[:, None], sq[None, :]
    cross = a * sb + b * sa                   # >= 0, zero only when a = b = 0
    both_zero = cross == 0
    safe = np.where(both_zero, 1.0, cross)
    plus = mu * mu * (a + b) / (sa * sb * safe)
    times = safe / (sa * sb * np.where(both_zero, 1.0, a + b))
    plus[both_zero] = 1.0 / mu                # phi''(0)
    times[both_zero] = 1.0 / mu               # phi'(t) / t at 0
    return plus, times


def newton_promote(theta, Y, operator, alpha=1.0, *, exact_fit=False, tol=1e-6, max_iter=200,
                   warm_start=None):
    """Solve a promote problem by Newton's method on a smoothed nuclear norm.

    Same problems as :func:`admm_promote`. The nuclear norm is replaced by
    ``sum_i sqrt(s_i^2 + mu^2) - mu`` (``s_i`` the singular values), which is
    smooth, convex and within ``min(q, rank) * mu`` of it; damped Newton steps
    (exact Hessian, from the singular vectors and divided differences of the
    smoothing function) minimise it, and ``mu`` shrinks tenfold each time a
    Newton step is small, down to ``tol * ||M(W0)||_* / min(q, rank)`` (a
    relative accuracy ``tol`` on the objective). About 30-40 steps solve a
    problem whatever its conditioning, but each step forms a dense Hessian:
    ``O(n_z q r (q + r) + n_z^2 q r)`` operations for ``n_z`` free
    coefficients and a ``q x r`` compressed matrix. It is the fast choice for
    small and medium problems (``solver="auto"`` in :func:`solve_promote`
    picks it there); ADMM scales better.

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
    tol = _check_tol(tol)
    max_iter = _check_positive_int(max_iter, "max_iter")
    t0 = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        P = reduce_problem(theta, Y, operator, alpha, exact_fit)
        z0 = None
        if warm_start is not None:
            z0 = P.to_z(getattr(warm_start, "coef", warm_start))
        z, n_iter, converged = _newton(P, tol, max_iter, z0)
        W = P.coef(z)
        objective = P.objective(z)
    sol = PromoteSolution(coef=W, objective=objective, n_iter=n_iter, converged=converged,
                          solver="newton", time=time.perf_counter() - t0)
    if not converged:
        warnings.warn(
            f"Newton's method did not reach tol={tol:g} in max_iter={max_iter} steps; "
            "increase max_iter or tol.",
            ConvergenceWarning,
        )
    return sol


def _newton(P, tol, max_iter, z0):
    q, r, nz = P.q, P.r, P.n_z
    H, g_data = P.H, P.g
    if nz == 0 or q == 0 or r == 0 or P.alpha == 0.0:
        if H is None:
            return np.zeros(nz), 0, True
        return scipy.linalg.lstsq(H, g_data, check_finite=False, cond=1e-12)[0], 0, True
    alpha = P.alpha
    C = P.C_matrix().reshape(q, r, nz)
    c = P.c
    if q > r:                                  # work with a wide matrix (rows <= columns)
        C, c = C.transpose(1, 0, 2), c.T
        q, r = r, q
    C2 = C.reshape(q * r, nz)

    def image(z):
        return c + (C2 @ z).reshape(q, r)

    def data(z):
        return 0.0 if H is None else 0.5 * z @ H @ z - g_data @ z

    def smoothed(z, mu):
        s = scipy.linalg.svdvals(image(z), check_finite=False)
        return data(z) + alpha * float(np.sum(np.sqrt(s * s + mu * mu) - mu))

    # the smoothing levels come from the cold start (least squares or the
    # minimum-norm interpolant), so that a warm start changes only the path
    if H is not None:
        z = scipy.linalg.lstsq(H, g_data, check_finite=False, cond=1e-12)[0]
    else:
        z = np.zeros(nz)
    s0 = scipy.linalg.svdvals(image(z), check_finite=False)
    scale = alpha * float(np.sum(s0)) + abs(data(z))
    if scale == 0.0 or s0[0] == 0.0:
        return z, 0, True
    if z0 is not None:
        z = np.asarray(z0, dtype=float).copy()
    mu = 0.1 * s0[0]
    mu_final = tol * float(np.sum(s0)) / (10.0 * min(q, r))
    iu, il = np.triu_indices(q), np.triu_indices(q, 1)
    for it in range(1, max_iter + 1):
        U, s, Vt = scipy.linalg.svd(image(z), full_matrices=True, check_finite=False)
        sq = np.sqrt(s * s + mu * mu)
        grad = alpha * (C2.T @ ((U * (s / sq)) @ Vt[:q]).ravel())
        if H is not None:
            grad += H @ z - g_data
        # the perturbations U^T C_k V of every coordinate, split into the square
        # block (symmetric and antisymmetric parts) and the rectangular rest
        E = (U.T @ C.reshape(q, r * nz)).reshape(q, r, nz)
        E = np.einsum("ibk,jb->kij", E, Vt, optimize=True)       # (nz, q, r)
        E1 = E[:, :, :q]
        sym = (E1 + E1.transpose(0, 2, 1)) / 2.0
        anti = (E1 - E1.transpose(0, 2, 1)) / 2.0
        plus, times = _divided_differences(s, sq, mu)
        w_sym = plus[iu] * np.where(iu[0] == iu[1], 1.0, 2.0)
        B = np.concatenate([sym[:, iu[0], iu[1]] * np.sqrt(w_sym),
                            anti[:, il[0], il[1]] * np.sqrt(2.0 * times[il]),
                            (E[:, :, q:] / np.sqrt(sq)[None, :, None]).reshape(nz, -1)], axis=1)
        hess = alpha * (B @ B.T)
        if H is not None:
            hess += H
        hess[np.diag_indices(nz)] += 1e-14 * np.trace(hess) / nz
        try:
            step = -scipy.linalg.cho_solve(scipy.linalg.cho_factor(hess, check_finite=False), grad,
                                           check_finite=False)
        except np.linalg.LinAlgError:
            step = -scipy.linalg.lstsq(hess, grad, check_finite=False, cond=1e-14)[0]
        decrement = float(-grad @ step)
        if not decrement > 0.0:               # no descent left at this smoothing level
            decrement, step = 0.0, np.zeros(nz)
        f0 = smoothed(z, mu)
        t = 1.0
        while t > 1e-12 and smoothed(z + t * step, mu) > f0 - 0.25 * t * decrement:
            t *= 0.5
        if t > 1e-12:
            z = z + t * step
        # a full, small step: the smoothed problem is solved to its accuracy
        if (t == 1.0 and decrement <= 1e-3 * mu * scale / s0[0]) or decrement <= 1e-15 * scale or t <= 1e-12:
            if mu <= mu_final:
                return z, it, True
            mu = max(mu * _SHRINK, mu_final)
    return z, max_iter, False


def _newton_flops(q, r, n_z):
    """Operations of one Newton step on a ``q x r`` matrix with ``n_z`` unknowns."""
    return n_z * q * r * (q + r) + n_z * n_z * q * r


def solve_promote(theta, Y, operator, alpha=1.0, *, exact_fit=False, solver="auto", tol=1e-6,
                  max_iter=None, warm_start=None):
    """Solve a promote problem with sksym's own solvers.

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
        :func:`newton_promote` or :func:`admm_promote`; ``"auto"`` takes
        Newton when one of its steps costs less than about ``1e9`` operations
        (then it is usually the faster, and it does not slow down on
        ill-conditioned problems), ADMM otherwise.
    tol : float, default=1e-6
        Tolerance of the chosen solver.
    max_iter : int, default=None
        Iteration limit of the chosen solver (default: its own).
    warm_start : PromoteSolution or ndarray of shape (n_outputs, K), default=None
        Passed to the chosen solver.

    Returns
    -------
    solution : PromoteSolution
        ``solution.solver`` says which solver ran.

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
    if solver == "auto":
        n, K = np.shape(theta)
        n_out = operator.n_outputs
        n_z = n_out * (max(K - n, 0) if exact_fit else K)
        cheap = _newton_flops(operator.n_generators, operator.rank, n_z) <= _AUTO_NEWTON_FLOPS
        solver = "newton" if cheap else "admm"
    kwargs = {} if max_iter is None else {"max_iter": max_iter}
    if solver == "newton":
        return newton_promote(theta, Y, operator, alpha, exact_fit=exact_fit, tol=tol,
                              warm_start=warm_start, **kwargs)
    return admm_promote(theta, Y, operator, alpha, exact_fit=exact_fit, tol=tol,
                        warm_start=warm_start, **kwargs)
