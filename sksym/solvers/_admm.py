"""ADMM with singular-value thresholding for the promote problems."""

from dataclasses import dataclass, field
import numbers
import time
import warnings

import numpy as np
import scipy.linalg
from sklearn.exceptions import ConvergenceWarning

from .._threads import blas_limit
from ._nuclear import _svt, promote_objective
from ._problem import check_flag, check_problem, check_warm_start, reduce_problem
from ._screening import screen_symmetric

__all__ = ["PromoteSolution", "admm_promote"]

_MAX_RHO_CHANGES = 30
_MAX_ENTRY = 1e150   # larger inputs overflow ADMM's squared norms (rho = 0, thresholds of inf)
_ROUNDING = 16 * np.finfo(float).eps   # the primal residual's rounding floor, relative to ||C|| ||z||
_ANDERSON_MEMORY = 5
# after a failed duality-gap certificate: at most this many more certificate
# rounds, and at most _EXTRA_WORK times the evaluations already spent (at least
# _MIN_EXTRA) of further iterations, before ADMM stops uncertified
_MAX_CERTIFICATE_FAILURES = 8
_EXTRA_WORK = 0.5
_MIN_EXTRA = 20
# the certificate forms C densely, (q, r, n_z), transforms it to the singular bases
# and solves least squares with it, about q r n_z (q + r + n_z) operations: problems
# above this many (ADMM's large ones; SE(20) at degree 2 takes ~5e9, and certifying
# made its solves several times slower) stop on the residual tests alone, uncertified
# (state["gap"] = inf)
_CERTIFY_MAX_FLOPS = 3e8


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
        penalty parameter, ``alpha``; and ``"gap"``, a certified upper bound
        on ``objective`` minus the optimum, ``inf`` when none was computed).

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
    In the penalised form a screening test comes first: where a dual
    certificate shows the fully symmetric least-squares fit (the best fit
    among the models that every candidate leaves invariant) optimal at
    ``alpha``, that fit is returned exactly, with ``n_iter=0`` (see
    :func:`solve_promote`).

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
        objective's change by the primal residual. When these tests pass, a
        duality gap certifies the objective: a dual point is built at the
        iterate (the nuclear norm's classical certificate ``U V^T`` on the
        kept singular directions, the stationarity residual removed by a
        least-norm correction) and convergence is claimed only when the gap is
        within ``tol`` of the objective, plus the rounding level of its terms
        and ``1e-3 tol`` of the start's scale (so an optimum far below the
        start, a nearly symmetric fit, is certified only to that scale); in
        the penalised form an objective below ``16 eps`` times that of
        ``W = 0`` counts as zero to rounding. A
        failed certificate turns on iterative refinement of the ``z``-update
        (whose matrix carries a ``1e-12`` relative shift) and tighter residual
        tests for a bounded number of further iterations (half those spent,
        at least 20); ADMM then returns the best point seen, certified or with
        a :class:`~sklearn.exceptions.ConvergenceWarning` that states how far
        above the optimum its objective can be (``state["gap"]``).
        Without the certificate, badly scaled features let the residual tests
        stop ADMM above the optimum (7 of 200 random problems with inputs
        scaled by ``1e-2`` to ``1e3``, up to ``8.4e-3`` relative above it at
        ``tol=1e-6``; ``benchmarks/bench_solver_accuracy.py``).
        Problems where the certificate would cost more than ``3e8`` operations
        (``q r n_z (q + r + n_z)`` for ``q`` generators, operator rank ``r``
        and ``n_z`` unknowns; SE(20) at degree 2 needs ``5e9``) are not
        certified: there the residual tests alone stop it.
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
    for name, values in (("Y", Y), ("theta", theta)):
        largest = float(np.max(np.abs(values))) if values.size else 0.0
        if largest > _MAX_ENTRY:
            raise ValueError(
                f"{name} has entries of size {largest:.1e}: ADMM's squared norms overflow above "
                f"about {_MAX_ENTRY:g}; scale the inputs down (Newton, solver='newton', rescales "
                "the targets itself)."
            )
    t0 = time.perf_counter()
    # many small dense operations: BLAS threads cost more than they gain
    with blas_limit(1):
        # a penalty at which the fully symmetric fit is certified optimal: that fit
        W = None if exact_fit else screen_symmetric(theta, Y, operator, alpha, tol)
        if W is not None:
            return PromoteSolution(coef=W, objective=promote_objective(theta, Y, operator, W, alpha),
                                   n_iter=0, converged=True, solver="admm",
                                   time=time.perf_counter() - t0)
        P = reduce_problem(theta, Y, operator, alpha, exact_fit)
        z, n_iter, converged, state, worse = _admm(P, tol, max_iter, warm_start, rho, relaxation)
        gap = state.get("gap", np.inf) if not worse else np.inf
        if worse:
            state["gap"] = np.inf          # the bound was ADMM's point's, not the start's
        W = P.coef(z)
        # the objective of the coefficients returned (c + C z and M(W) differ at the
        # rounding level of their terms, which is above tol when the model nearly
        # cancels them), as Newton's
        objective = promote_objective(theta, Y, operator, W, alpha, exact_fit)
    sol = PromoteSolution(coef=W, objective=objective, n_iter=n_iter, converged=converged,
                          solver="admm", time=time.perf_counter() - t0, state=state)
    if worse:
        warnings.warn(
            "ADMM stopped at a point worse than its starting point, which is returned "
            "instead; try solver='newton'.",
            ConvergenceWarning,
        )
    elif not converged:
        # what the duality gap certifies: objective - optimum <= gap
        bound = (f"; its objective {objective:.6g} exceeds the optimum by at most {gap:.2g} "
                 f"({gap / objective:.1g} of it)" if np.isfinite(gap) and objective > 0 else "")
        if n_iter >= max_iter:
            msg = (f"ADMM did not converge in max_iter={max_iter} iterations to tol={tol:g}"
                   f"{bound}; increase max_iter or tol.")
        else:
            msg = (f"ADMM could not certify tol={tol:g} within its extra iterations (half those "
                   f"spent){bound or ' (no bound on its error)'}. Its certificate fails on badly "
                   "scaled inputs and can be loose at degenerate optima (many exact symmetries), "
                   "where the answer may be better than the bound: solver='newton' certifies "
                   "such problems; scale the inputs to about [-1, 1].")
        warnings.warn(msg, ConvergenceWarning)
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
        return _closed_form(P), 0, True, {"gap": 0.0}, False
    can_certify = float(q) * r * nz * (q + r + nz) <= _CERTIFY_MAX_FLOPS
    CtC = P.CtC()
    tr = np.trace(CtC)
    if tr == 0.0:
        return _closed_form(P), 0, True, {"gap": 0.0}, False
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
        if can_certify:           # kept for iterative refinement (n_z x n_z: only then)
            M_exact[0] = Msys.copy()
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

    M_exact = [None]     # the unshifted matrix of the z-update (for iterative refinement)
    refine = [False]     # refine the z-update (switched on when a certificate fails)
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
        if refine[0]:
            # the factored matrix is shifted (relative 1e-12, or 1e-8 when Cholesky
            # failed): a ridge term that moves ADMM's fixed point and that the dual
            # residual does not see; one refinement step removes it
            z += scipy.linalg.cho_solve(F, rhs - M_exact[0] @ z, check_finite=False)
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
    # the a-posteriori check: the residual tests are in the scale of the dual
    # variable and assume an exact z-update; a duality gap bounds the objective's
    # error itself. The best point seen (by objective) is kept; each gap gives a
    # lower bound on the optimum
    best = {"obj": np.inf, "floor": 0.0}
    lower = [-np.inf]           # the best lower bound on the optimum (net of rounding)
    # absolute floors, for optima near zero: the objective's change by the primal
    # residual's floor (1e-3 tol ref_pri, the accuracy the residual tests ask
    # for), and, penalised, the rounding level of the objective of W = 0
    # (eps f0: the z-updates' normal equations resolve no better), applied only
    # while the objective is below it (an optimum zero to rounding); applied
    # always, it accepted answers 2-5% above the optimum for targets of size
    # 1e15-1e20 that the model nearly interpolates
    floor_abs = 1e-3 * tol * alpha * np.sqrt(min(q, r)) * ref_pri
    floor_f0 = _ROUNDING * abs(P.f0) if H is not None else 0.0

    Cq = []              # C as a dense (q, r, nz) array, for the certificate

    z_start_norm = float(np.linalg.norm(z_start))

    def certify(z, Xz, Un, Zn):
        if not Cq:
            Cq.append(P.C_qrz())

        def accepted(obj, gap, floor):
            # the best objective, with its point's rounding floor as an allowance, and
            # the best lower bound net of its own point's floor (a lower bound is only
            # as good as its rounding: with the largest floor of the run as the
            # allowance, a wild early iterate, |z| ~ 1e18 and floor 36, let a point
            # 1e14 times its optimum pass); or the point's own gap, within its floor
            f_best, f_floor = (obj, floor) if obj < best["obj"] else (best["obj"], best["floor"])
            low = max(lower[0], obj - gap - floor)
            if f_best - low <= tol * f_best + f_floor + floor_abs + (floor_f0 if f_best <= floor_f0 else 0.0):
                return True
            return gap <= tol * obj + floor + floor_abs + (floor_f0 if obj <= floor_f0 else 0.0)

        data = P.data_term(z) if H is not None else 0.0
        gap, nuc, floor = _duality_gap(P, z, Xz, rho * Un, rank[0] or 0, Cq[0], z_scale=z_start_norm,
                                       enough=lambda gap, nuc, floor: accepted(nuc + data, gap, floor))
        obj = nuc + data                                            # = P.objective(z)
        ok = accepted(obj, gap, floor)
        lower[0] = max(lower[0], obj - gap - floor)
        if obj < best["obj"]:
            best.update(obj=obj, z=z.copy(), Z=Zn.copy(), Lam=rho * Un, rho=rho, floor=floor)
        return ok, gap

    tol_res = tol          # the residual tests' tolerance, tightened when a certificate fails
    n_fail = 0
    last_gap = np.inf
    budget = max_iter      # evaluations allowed (cut once a certificate failed)
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
        eps_pri = max(tol_res * max(np.linalg.norm(Xz), np.linalg.norm(Zn), ref_pri * 1e-3), rounding)
        eps_dual = tol_res * max(C_norm * rho * np.linalg.norm(Un), ref_dual * 1e-3)
        if r_norm <= eps_pri and s_norm <= eps_dual and (
                H is None or _objective_accurate(P, z, Zn, r_norm, rounding, tol_res)):
            if not can_certify:
                converged = True
                break
            ok, gap = certify(z, Xz, Un, Zn)
            if ok:
                converged = True
                break
            n_fail += 1
            if n_fail == 1:
                # bounded extra work: a fraction of what was spent
                budget = min(max_iter, n_eval + max(_MIN_EXTRA, int(_EXTRA_WORK * n_eval)))
            # stop when the gap stopped decreasing (ADMM stagnates at the accuracy
            # its z-update reaches on an ill-conditioned problem)
            if n_fail > _MAX_CERTIFICATE_FAILURES or gap > 0.5 * last_gap:
                break
            last_gap = gap
            refine[0] = True
            tol_res *= max(min(0.1, (tol * best["obj"] + best["floor"] + floor_abs) / max(gap, 1e-300)), 1e-3)
            # C^T U, tracked through the recursion, drifts by rounding on badly
            # scaled problems (36% on one that then converged in 20 iterations from
            # the exact state): restart the map from the exact state
            x = Tx.copy()
            x[2 * qr:2 * qr + nz] = P.Ct_mul(Zn)
            x[2 * qr + nz:] = P.Ct_mul(Un)
            dF, dG, f_prev = [], [], None
            Tx, z, Xz = step(x)
            n_eval += 1
            continue
        if n_eval >= budget:
            if n_fail:         # the last iterate is a candidate too
                converged = certify(z, Xz, Un, Zn)[0]
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
    Lam = rho * Tx[qr:2 * qr].reshape(q, r)
    gap = np.inf
    if n_fail:            # return the best point seen, with its state
        z, Z, Lam, rho = best["z"], best["Z"], best["Lam"], best["rho"]
        gap = best["obj"] - lower[0]
    elif converged:
        gap = best["obj"] - lower[0]
    state = {"Z": Z, "Lam": Lam, "rho": rho, "alpha": alpha, "shape": (q, r, nz),
             "exact_fit": P.exact_fit, "gap": max(gap, 0.0)}
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


def _duality_gap(P, z, Xz, Lam, k, Cq, z_scale=0.0, enough=None):
    """An upper bound on ``objective(z) - optimum`` from a dual point built at ``z``.

    The penalised dual is a pair ``(lam, Lam)`` with ``T^T lam + C^T Lam = 0``
    and ``||Lam||_2 <= alpha``; its gap at ``z`` needs no cancelling
    differences: ``1/2 ||u - lam||^2 + alpha ||X||_* - <Lam, X>`` (``u`` the
    residuals, ``X = C z + c = U S V^T``; the exact fit has no ``lam``).
    The dual is the classical certificate of the nuclear norm: ``lam = u`` and
    ``Lam = U D V^T`` with the leading ``k x k`` block of ``D`` equal to
    ``alpha I`` (``k`` the rank ADMM's thresholding kept), the rest of ``D``
    taken from ADMM's dual (or zero). The stationarity residual is removed by
    the least-norm correction (of ``lam`` and ``D``) that leaves the
    symmetric part of ``D``'s leading block alone: its skew part and the
    other blocks raise ``||D||_2`` only to second order, so the gap is of the
    order of the objective's error, not of its square root (the first-order
    estimate of ADMM's own dual). ``D`` is then scaled by ``s <= 1`` into the
    ball, with ``s`` minimising the gap. The constraint's rounding residual
    ``e`` (recomputed from the final dual) changes the bound by at most
    ``s <e, z*>``, taken as ``2 s ||e||`` times the larger of ``||z||`` and
    ``z_scale`` (the start's norm). When the gap of that dual does not satisfy
    ``enough(gap, alpha ||X||_*, floor)`` (given), the neighbouring ranks
    ``k +- 1`` and ADMM's dual off the leading block are tried too, and the
    smallest gap is returned. Returns the gap (``inf`` when no dual could be
    built), ``alpha ||X||_*`` and the rounding floor of the objective's
    evaluation (the sizes of the terms that cancel in ``X`` and in the
    residuals)."""
    alpha = P.alpha
    q, r = P.q, P.r
    p = min(q, r)
    eps = np.finfo(float).eps
    try:
        U, sv, Vt = scipy.linalg.svd(Xz, full_matrices=True, check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        sv = scipy.linalg.svdvals(Xz, check_finite=False)
        return np.inf, alpha * float(np.sum(sv)), 0.0
    V = Vt.T
    nuc = alpha * float(np.sum(sv))
    # the rounding of X = C z + c, entrywise at most about _ROUNDING (|C| |z| + |c|)
    # (the features may differ in scale by 1e12: ||C|| ||z|| would overstate it
    # by as much), changes alpha ||X||_* by up to sqrt(p) times its norm
    X_abs = np.tensordot(np.abs(Cq), np.abs(z), axes=([2], [0])) + np.abs(P.c)
    floor = alpha * np.sqrt(p) * _ROUNDING * float(np.linalg.norm(X_abs))
    floor += 8 * eps * p * nuc
    pen = P.H is not None
    if pen:
        T, Ys = P.data
        n_out = P.n_outputs
        Wz = np.reshape(z, (n_out, -1))
        u = (T @ Wz.T - Ys).T.ravel()                  # residuals, output-major
        Tt = np.kron(np.eye(n_out), T.T) if n_out > 1 else T.T   # z-space adjoint of the fit
        v_data = Tt @ u
        # u = T W^T - Y: entrywise rounding up to about _ROUNDING (|T| |W|^T + |Y|)
        du = _ROUNDING * float(np.linalg.norm(np.abs(T) @ np.abs(Wz).T + np.abs(Ys)))
        floor += du * (np.linalg.norm(u) + 0.5 * du)
        # weight of D against lam in the least-norm correction: D's cost is
        # about nuc ||dD||^2 / (2 alpha^2), lam's ||dlam||^2 / 2
        # (at X = 0 the rounding floor bounds it: an unbounded weight let the
        # least-squares solver drop lam's columns)
        # (alpha ** 2 raises OverflowError beyond 1e154; alpha = 1e200 crashed)
        m = float(max(nuc, floor, 1e-300))
        w = min(alpha ** 2 / m if alpha < 1e150 else alpha * (alpha / m), 1e200)
    nz = Cq.shape[2]
    Ct = np.einsum("qa,qrk,rb->abk", U, Cq, V, optimize=True)   # C in the singular bases
    S = np.zeros((q, r))
    S[np.arange(p), np.arange(p)] = sv
    z_norm = max(float(np.linalg.norm(z)), z_scale)
    systems = {}         # per rank: the free directions and the least-squares matrix

    def candidate(k, from_admm):
        """The gap of the dual with leading block alpha I of size k, the rest of D
        from ADMM's dual (``from_admm``) or zero, after the correction."""
        if k not in systems:
            # free directions: all of D but its leading k x k block, whose skew part is free
            mask = np.ones((q, r), dtype=bool)
            mask[:k, :k] = False
            iu = np.triu_indices(k, 1)
            Bt = np.concatenate([Ct[mask], (Ct[iu[0], iu[1]] - Ct[iu[1], iu[0]]) / np.sqrt(2.0)])
            G = np.hstack([Tt, np.sqrt(w) * Bt.T]) if pen else Bt.T
            systems[k] = mask, iu, int(mask.sum()), G
        mask, iu, n_free, G = systems[k]
        D0 = U.T @ Lam @ V if from_admm else np.zeros((q, r))
        D0[:k, :k] = 0.5 * (D0[:k, :k] - D0[:k, :k].T) + alpha * np.eye(k)
        v = P.Ct_mul(U @ D0 @ V.T)
        if pen:
            v = v + v_data
        if G.shape[1] == 0:
            y = np.zeros(0)
        else:
            try:
                y = scipy.linalg.lstsq(G, v, check_finite=False, lapack_driver="gelsy")[0]
            except (np.linalg.LinAlgError, ValueError):
                return np.inf
        off = Tt.shape[1] if pen else 0
        yD = np.sqrt(w) * y[off:] if pen else y
        dD = np.zeros((q, r))
        dD[mask] = yD[:n_free]
        a = yD[n_free:] / np.sqrt(2.0)
        dD[iu[0], iu[1]] += a
        dD[iu[1], iu[0]] -= a
        D = D0 - dD
        if not np.all(np.isfinite(D)):
            return np.inf
        nD = scipy.linalg.norm(D, 2) if D.size else 0.0
        s_max = 1.0 if nD <= alpha else alpha / nD
        lin = float(np.sum(D * S))                     # <Lam, X>
        e = P.Ct_mul(U @ D @ V.T)
        if pen:
            lam = u - y[:off]
            e = e + Tt @ lam
        # e, the least-squares correction's leftover, moves the bound by
        # <e, z*>: taken as 2 ||e|| times the larger of ||z|| and the start's
        # norm (at z = 0, ||z|| alone let a failed correction certify anything)
        ez = 2.0 * float(np.linalg.norm(e)) * z_norm
        if pen:
            # gap(s) = nuc - s lin + 1/2 ||u - s lam||^2 + s ez, convex in s
            a2, b2 = float(lam @ lam), float(u @ lam)
            s = s_max if a2 == 0.0 else min(max((b2 + lin - ez) / a2, 0.0), s_max)
            Dd = u - s * lam
            gap = nuc - s * lin + 0.5 * float(Dd @ Dd) + s * ez
        else:
            s = s_max if lin >= ez else 0.0
            gap = nuc - s * lin + s * ez
        return max(gap, 0.0) if np.isfinite(gap) else np.inf

    # the cheap dual first (rank k, zero off the block); the others only if it fails
    best = candidate(k, False)
    if enough is not None and not enough(best, nuc, floor):
        for kk in sorted({min(max(kk, 0), p) for kk in (k - 1, k, k + 1)}):
            for from_admm in (False, True):
                if (kk, from_admm) != (k, False):
                    best = min(best, candidate(kk, from_admm))
    return best, nuc, floor
