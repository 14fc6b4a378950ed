"""ADMM with singular-value thresholding for the promote problems."""

from dataclasses import dataclass, field
import numbers
import time
import warnings

import numpy as np
import scipy.linalg
from sklearn.exceptions import ConvergenceWarning

from .._threads import blas_limit
from ._nuclear import _svt
from ._problem import check_flag, check_problem, check_warm_start, reduce_problem

__all__ = ["PromoteSolution", "admm_promote"]

_MAX_RHO_CHANGES = 30
_ROUNDING = 16 * np.finfo(float).eps   # the primal residual's rounding floor, relative to ||C|| ||z||
_ANDERSON_MEMORY = 5


@dataclass
class PromoteSolution:
    """Result of a promote solve.

    Attributes
    ----------
    coef : ndarray of shape (n_outputs, n_library_features)
        The minimiser ``W``.
    objective : float
        Objective value at ``coef`` (see :func:`promote_objective`).
    n_iter : int
        Iterations used (0 when the problem was solved in closed form).
    converged : bool
        Whether the stopping criterion was met.
    solver : str
        Which backend produced the solution.
    time : float
        Wall time of the solve, in seconds (operator construction excluded).
    state : dict
        Solver state for warm starts (ADMM: split variable, dual variable,
        penalty parameter, ``alpha``).

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.solvers import PromoteSolution
    >>> PromoteSolution(coef=np.zeros((1, 2)), objective=0.0, n_iter=0, converged=True).n_iter
    0
    """

    coef: np.ndarray
    objective: float
    n_iter: int
    converged: bool
    solver: str = "admm"
    time: float = 0.0
    state: dict = field(default_factory=dict, repr=False)


def _check_positive_int(value, name):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_tol(tol):
    if not _is_real(tol) or not np.isfinite(tol) or tol <= 0:
        raise ValueError(f"tol must be a positive finite float; got {tol!r}.")
    return float(tol)


def admm_promote(theta, Y, operator, alpha=1.0, *, exact_fit=False, tol=1e-6, max_iter=10000,
                 warm_start=None, rho=None, relaxation=1.6):
    """Solve a promote problem with ADMM and singular-value thresholding.

    Penalised form (``exact_fit=False``)::

        min_W  1/(2 n) ||Y - theta W^T||_F^2 + alpha ||M(W)||_*

    exact fit (``exact_fit=True``, ``alpha`` unused)::

        min_W  ||M(W)||_*   subject to   theta W^T = Y

    where ``M(W) = [L_xi_1 W | ... | L_xi_q W]`` is given by ``operator``. The
    exact fit is solved in coordinates ``W = W0 + Z N^T`` of the affine set
    (``N`` spans the null space of ``theta``), so every iterate interpolates;
    if ``Y`` is not in the range of ``theta`` its projection is interpolated.
    The splitting is ``X = C z + c`` (the compressed matrix), with the
    ``z``-update a linear solve with a matrix factored once per penalty value
    and the ``X``-update a singular-value thresholding of a
    ``q x rank`` matrix. The penalty ``rho`` is adapted by residual balancing
    (a bounded number of times), the ``X``-update is over-relaxed, and the
    fixed-point map of the iteration is accelerated by safeguarded Anderson
    extrapolation (memory 5; an extrapolated point is kept only when it
    reduces the fixed-point residual). BLAS runs single-threaded inside the
    solver: the operations are many and small.

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
        Relative tolerance on the primal and dual residuals (the primal one
        relative to ``||C z + c||``, but at least its rounding level: the
        image of a symmetric model cancels); in the penalised form also on the
        objective's change by the primal residual. The exact fit's tests are
        relative to the problem's scale: an optimum far below the start's
        objective (a nearly symmetric fit) is less accurate than ``tol``;
        :func:`newton_promote` is accurate there.
    max_iter : int, default=10000
        Maximum number of iterations (evaluations of the ADMM map, including
        rejected Anderson steps); a :class:`~sklearn.exceptions.ConvergenceWarning`
        is raised when it is reached. It is raised too, and the start
        returned, if ADMM stops at a point worse than its start (the least-squares
        solution, or the exact fit's particular solution).
    warm_start : PromoteSolution or ndarray of shape (n_outputs, K), default=None
        Start from a previous solution (its ADMM state is reused when the
        shapes match) or from given coefficients.
    rho : float, default=None
        Initial penalty parameter; ``None`` picks one from the problem's scale.
    relaxation : float, default=1.6
        Over-relaxation factor in ``[1, 2)``.

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
    >>> from sksym.solvers import CompressedLieOperator, admm_promote
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, size=(7, 3))
    >>> y = (X[:, 0] + X[:, 1]) ** 2        # invariant along (1, -1, 0) and e_3
    >>> lib = PolynomialFeatures(2).fit(X)
    >>> op = CompressedLieOperator(LieDerivative(lib, V(T(3)), Scalar(T(3))))
    >>> sol = admm_promote(lib.transform(X), y, op, exact_fit=True, tol=1e-10)
    >>> bool(np.allclose(lib.transform(X) @ sol.coef[0], y))
    True
    >>> (np.round(sol.coef[0], 6) + 0.0).tolist()      # x0^2 + 2 x0 x1 + x1^2
    [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 1.0, 0.0, 0.0]
    """
    theta, Y, alpha = check_problem(theta, Y, operator, alpha)
    exact_fit = check_flag(exact_fit, "exact_fit")
    tol = _check_tol(tol)
    max_iter = _check_positive_int(max_iter, "max_iter")
    warm_start = check_warm_start(warm_start, operator)
    if not _is_real(relaxation) or not 1.0 <= relaxation < 2.0:
        raise ValueError(f"relaxation must be a float in [1, 2); got {relaxation!r}.")
    if rho is not None and (not _is_real(rho) or not np.isfinite(rho) or rho <= 0):
        raise ValueError(f"rho must be a positive finite float or None; got {rho!r}.")
    t0 = time.perf_counter()
    # many small dense operations: BLAS threads cost more than they gain
    with blas_limit(1):
        P = reduce_problem(theta, Y, operator, alpha, exact_fit)
        z, n_iter, converged, state, worse = _admm(P, tol, max_iter, warm_start, rho, relaxation)
        W = P.coef(z)
        objective = P.objective(z)
    sol = PromoteSolution(coef=W, objective=objective, n_iter=n_iter, converged=converged,
                          solver="admm", time=time.perf_counter() - t0, state=state)
    if worse:
        warnings.warn(
            "ADMM stopped at a point worse than its starting point, which is returned "
            "instead; try solver='newton'.",
            ConvergenceWarning,
        )
    elif not converged:
        warnings.warn(
            f"ADMM did not converge in max_iter={max_iter} iterations to tol={tol:g}; "
            "increase max_iter or tol.",
            ConvergenceWarning,
        )
    return sol


def _anderson_weights(dF, f):
    """Least-squares weights ``argmin ||f - DF gamma||`` from the small normal
    equations (the columns of ``DF`` are long; a QR of them would cost more than
    the rest of the step)."""
    D = np.array(dF)
    G = D @ D.T
    scale = np.trace(G)
    if scale == 0.0:
        return np.zeros(len(dF))
    G[np.diag_indices_from(G)] += 1e-12 * scale
    return scipy.linalg.lstsq(G, D @ f, cond=1e-10, check_finite=False)[0]


def _closed_form(P):
    """Problems without a nuclear-norm term to balance."""
    if P.H is None:
        return np.zeros(P.n_z)
    return scipy.linalg.lstsq(P.H, P.g, check_finite=False, cond=1e-12)[0]


def _admm(P, tol, max_iter, warm_start, rho, relax):
    q, r, nz = P.q, P.r, P.n_z
    if nz == 0 or q == 0 or r == 0 or P.alpha == 0.0:
        return _closed_form(P), 0, True, {}, False
    CtC = P.CtC()
    tr = np.trace(CtC)
    if tr == 0.0:
        return _closed_form(P), 0, True, {}, False
    alpha = P.alpha
    H = P.H
    C_norm = np.sqrt(max(scipy.linalg.eigvalsh(CtC, subset_by_index=[nz - 1, nz - 1],
                                               check_finite=False)[0], 0.0))

    # the start (least squares, or the exact fit's particular solution): the scale
    # of the stopping test's floors, the default first iterate and the safety net
    z_start = _closed_form(P)
    # scales for the absolute floors of the stopping test
    if H is None:
        ref_pri = np.linalg.norm(P.c)
    else:
        ref_pri = np.linalg.norm(P.C_mul(z_start))
    ref_pri = max(ref_pri, 1e-300)
    ref_dual = alpha * C_norm

    # initial point and penalty
    Z = None
    Lam = None
    if warm_start is not None and hasattr(warm_start, "state"):
        st = warm_start.state or {}
        if st.get("shape") == (q, r, nz) and st.get("exact_fit") == P.exact_fit:
            Z = st["Z"].copy()
            Lam = st["Lam"] * (alpha / st["alpha"]) if st["alpha"] > 0 else st["Lam"].copy()
            if rho is None:
                rho = st["rho"]
            warm_start = None
        else:
            warm_start = warm_start.coef
    if warm_start is not None and Z is None:
        Z = P.image(P.to_z(warm_start))
    if Z is None:
        Z = P.image(z_start) if H is not None else P.c.copy()
    if rho is None:
        if H is not None:
            rho = max(np.trace(H), 1e-12 * tr) / tr
        else:
            rho = np.sqrt(min(q, r)) / max(np.linalg.norm(P.c), 1e-300)
    if Lam is None:
        Lam = np.zeros((q, r))
    U = Lam / rho

    def factor(rho):
        # exact fit: the z-update does not depend on rho (no data term)
        Msys = CtC.copy() if H is None else H + rho * CtC
        # a relative shift: the library's features may differ in scale by 1e12 (an
        # absolute one of the mean diagonal moved the solution on such problems)
        Msys[np.diag_indices_from(Msys)] *= 1.0 + 1e-12
        try:
            return scipy.linalg.cho_factor(Msys, check_finite=False)
        except np.linalg.LinAlgError:
            d = Msys[np.diag_indices_from(Msys)]
            d[d == 0.0] = 1.0             # a coordinate nothing depends on (PSD: its row is zero)
            Msys[np.diag_indices_from(Msys)] = d * (1.0 + 1e-8)
            return scipy.linalg.cho_factor(Msys, check_finite=False)

    F = factor(rho)
    g = P.g
    Ctc = P.Ct_mul(P.c)
    qr = q * r
    rank = [None]        # singular values kept by the last thresholding

    def step(x):
        """One ADMM iteration on the state x = [Z, U, C^T Z, C^T U] (flat)."""
        Z, U = x[:qr].reshape(q, r), x[qr:2 * qr].reshape(q, r)
        CtZ, CtU = x[2 * qr:2 * qr + nz], x[2 * qr + nz:]
        rhs = CtZ - CtU - Ctc
        if H is not None:
            rhs = g + rho * rhs
        z = scipy.linalg.cho_solve(F, rhs, check_finite=False)
        Xz = P.C_mul(z) + P.c
        Xh = relax * Xz + (1.0 - relax) * Z
        Zn, rank[0] = _svt(Xh + U, alpha / rho, rank[0])
        CtZn = P.Ct_mul(Zn)
        Un = U + Xh - Zn
        # C^T U is tracked through the recursion, so each step passes over C twice
        CtUn = CtU + relax * (CtC @ z + Ctc) + (1.0 - relax) * CtZ - CtZn
        return np.concatenate([Zn.ravel(), Un.ravel(), CtZn, CtUn]), z, Xz

    x = np.concatenate([Z.ravel(), U.ravel(), P.Ct_mul(Z), P.Ct_mul(U)])
    Tx, z, Xz = step(x)
    n_eval = 1
    converged = False
    last_change = 0
    n_changes = 0
    dF, dG = [], []
    f_prev = Tx_prev = None
    while True:
        Zn = Tx[:qr].reshape(q, r)
        Un = Tx[qr:2 * qr].reshape(q, r)
        # residuals (primal: X - Z; dual: rho C^T (Z_new - Z))
        r_norm = np.linalg.norm(Xz - Zn)
        s_norm = rho * np.linalg.norm(Tx[2 * qr:2 * qr + nz] - x[2 * qr:2 * qr + nz])
        # the rounding floor: X = C z + c sums terms of size ~||C|| ||z||, which
        # cancel in a (nearly) symmetric model; relative to ||X|| alone, rounding
        # would never pass
        rounding = _ROUNDING * C_norm * np.linalg.norm(z)
        eps_pri = max(tol * max(np.linalg.norm(Xz), np.linalg.norm(Zn), ref_pri * 1e-3), rounding)
        eps_dual = tol * max(C_norm * rho * np.linalg.norm(Un), ref_dual * 1e-3)
        if r_norm <= eps_pri and s_norm <= eps_dual and (
                H is None or _objective_accurate(P, z, Zn, r_norm, rounding, tol)):
            converged = True
            break
        if n_eval >= max_iter:
            break
        # residual balancing, a bounded number of times (keeps ADMM's guarantee)
        if n_changes < _MAX_RHO_CHANGES and n_eval - last_change >= 10:
            rp, rd = r_norm / eps_pri, s_norm / eps_dual
            if rp > 10.0 * rd or rd > 10.0 * rp:
                change = 5.0 if rd <= 0.04 * rp else (0.2 if rp <= 0.04 * rd else np.sqrt(rp / rd))
                rho *= change
                x = Tx.copy()
                x[qr:2 * qr] /= change
                x[2 * qr + nz:] /= change
                last_change = n_eval
                n_changes += 1
                if H is not None:
                    F = factor(rho)
                dF, dG, f_prev = [], [], None
                Tx, z, Xz = step(x)
                n_eval += 1
                continue
        # Anderson acceleration (type II, safeguarded) of the fixed-point map
        f = Tx[:2 * qr] - x[:2 * qr]
        if f_prev is not None:
            dF.append(f - f_prev)
            dG.append(Tx - Tx_prev)
            if len(dF) > _ANDERSON_MEMORY:
                dF.pop(0)
                dG.pop(0)
        f_prev, Tx_prev = f, Tx
        accepted = False
        if dF:
            gamma = _anderson_weights(dF, f)
            x_aa = Tx - gamma @ np.array(dG)
            T_aa, z_aa, Xz_aa = step(x_aa)
            n_eval += 1
            if np.linalg.norm(T_aa[:2 * qr] - x_aa[:2 * qr]) < np.linalg.norm(f):
                x, Tx, z, Xz = x_aa, T_aa, z_aa, Xz_aa
                accepted = True
            elif n_eval >= max_iter:
                break
        if not accepted:
            x = Tx
            Tx, z, Xz = step(x)
            n_eval += 1
    k = n_eval
    Z = Tx[:qr].reshape(q, r)
    U = Tx[qr:2 * qr].reshape(q, r)
    state = {"Z": Z, "Lam": rho * U, "rho": rho, "alpha": alpha, "shape": (q, r, nz),
             "exact_fit": P.exact_fit}
    z, worse = _no_worse_than_start(P, z, tol, C_norm, z_start)
    return z, k, converged and not worse, state, worse


def _objective_accurate(P, z, Z, r_norm, rounding, tol):
    """Penalised form: the primal residual changes the objective by up to
    ``alpha sqrt(rank) r``, which must stay within ``tol`` of the objective
    (with a large ``alpha`` against small targets the residual tests alone
    let it exceed the objective itself). The objective is estimated by
    ``alpha ||Z||_*`` plus the data term. Not applied to the exact fit, whose
    optimum can be zero (ADMM's linear convergence would need up to
    ``max_iter`` iterations there)."""
    f_low = P.alpha * float(np.sum(scipy.linalg.svdvals(Z, check_finite=False))) + P.data_term(z)
    return P.alpha * np.sqrt(min(P.q, P.r)) * max(r_norm - rounding, 0.0) <= tol * f_low


def _no_worse_than_start(P, z, tol, C_norm, z_start=None):
    """A safety net: ``z``, or the start ``z_start`` (least squares, or the exact
    fit's particular solution: feasible; computed if not given) when that is
    better by more than ``tol`` relative to its objective plus the stopping
    test's floor; and whether it was."""
    if z_start is None:
        z_start = _closed_form(P)
    f_end, f_start = P.objective(z), P.objective(z_start)
    slack = tol * (abs(f_start) + 1e-3 * P.alpha * np.sqrt(min(P.q, P.r))
                   * (np.linalg.norm(P.c) + C_norm * max(np.linalg.norm(z), np.linalg.norm(z_start))))
    if f_end > f_start + slack:
        return z_start, True
    return z, False
