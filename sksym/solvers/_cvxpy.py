"""Reference backend: the promote problems as cvxpy SDPs (Clarabel or SCS)."""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._admm import PromoteSolution
from ._problem import check_flag, check_problem, reduce_problem

__all__ = ["cvxpy_promote"]


def cvxpy_promote(theta, Y, operator, alpha=1.0, *, exact_fit=False, solver="CLARABEL",
                  **solver_options):
    """Solve a promote problem with cvxpy (the reference backend).

    Same problems as :func:`admm_promote`, on the same compressed operator and
    in the same coordinates, written with ``cvxpy.normNuc`` and handed to a
    conic solver. Interior-point Clarabel (the default) is accurate; SCS with
    ``max_iters=2500`` reproduces the setting of Otto et al. (2023).

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
        Solve the equality-constrained form.
    solver : str, default="CLARABEL"
        cvxpy solver name (``"CLARABEL"``, ``"SCS"``, ...).
    **solver_options
        Passed to ``cvxpy.Problem.solve`` (e.g. ``max_iters=2500`` for SCS).

    Returns
    -------
    solution : PromoteSolution
        ``n_iter`` is the solver's iteration count when cvxpy reports it;
        ``converged`` is whether the status is ``"optimal"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import PolynomialFeatures
    >>> from sksym.groups import T
    >>> from sksym.reps import V, Scalar
    >>> from sksym.lie import LieDerivative
    >>> from sksym.solvers import CompressedLieOperator, cvxpy_promote
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, size=(7, 3))
    >>> y = (X[:, 0] + X[:, 1]) ** 2
    >>> lib = PolynomialFeatures(2).fit(X)
    >>> op = CompressedLieOperator(LieDerivative(lib, V(T(3)), Scalar(T(3))))
    >>> sol = cvxpy_promote(lib.transform(X), y, op, exact_fit=True)
    >>> (np.round(sol.coef[0], 4) + 0.0).tolist()
    [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 1.0, 0.0, 0.0]
    """
    import cvxpy as cp

    theta, Y, alpha = check_problem(theta, Y, operator, alpha)
    exact_fit = check_flag(exact_fit, "exact_fit")
    if not isinstance(solver, str) or solver.upper() not in cp.installed_solvers():
        raise ValueError(f"solver must be one of the installed cvxpy solvers "
                         f"{sorted(cp.installed_solvers())}; got {solver!r}.")
    t0 = time.perf_counter()
    P = reduce_problem(theta, Y, operator, alpha, exact_fit)
    q, r, nz = P.q, P.r, P.n_z
    if nz == 0 or q * r == 0 or (P.H is not None and alpha == 0.0):
        # no nuclear norm: (minimum-norm) least squares, as the other solvers
        # (a conic solver returns an arbitrary minimiser when theta is rank deficient)
        z = np.zeros(nz) if P.H is None else np.linalg.lstsq(P.H, P.g, rcond=None)[0]
        return PromoteSolution(coef=P.coef(z), objective=P.objective(z), n_iter=0,
                               converged=True, solver=f"cvxpy-{solver}",
                               time=time.perf_counter() - t0)
    zv = cp.Variable(nz)
    C2 = P.C_matrix()
    M = cp.reshape(C2 @ zv + P.c.ravel(), (q, r), order="C")
    terms = []
    if exact_fit:
        terms.append(cp.normNuc(M))
    else:
        # data term 1/(2n) ||theta W^T - Y||^2 through a thin QR of theta
        n, K = theta.shape
        n_out = Y.shape[1]
        Q, R = np.linalg.qr(theta / np.sqrt(n), mode="reduced")
        Yn = Y / np.sqrt(n)
        b = Q.T @ Yn
        const = 0.5 * (np.sum(Yn * Yn) - np.sum(b * b))
        Wv = cp.reshape(zv, (n_out, K), order="C")
        terms.append(0.5 * cp.sum_squares(R @ Wv.T - b) + const)
        terms.append(alpha * cp.normNuc(M))
    prob = cp.Problem(cp.Minimize(cp.sum(terms) if len(terms) > 1 else terms[0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            prob.solve(solver=solver.upper(), **solver_options)
        except cp.error.SolverError as exc:  # pragma: no cover - depends on the solver
            raise RuntimeError(f"cvxpy solver {solver} failed: {exc}") from exc
    z = zv.value if zv.value is not None else np.zeros(nz)
    stats = prob.solver_stats
    n_iter = int(stats.num_iters) if stats is not None and stats.num_iters is not None else 0
    converged = prob.status == cp.OPTIMAL
    if not converged:
        warnings.warn(f"cvxpy/{solver} finished with status {prob.status!r}.", ConvergenceWarning)
    return PromoteSolution(coef=P.coef(z), objective=P.objective(z), n_iter=n_iter,
                           converged=converged, solver=f"cvxpy-{solver}",
                           time=time.perf_counter() - t0)
