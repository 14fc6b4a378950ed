"""Reference backend: the promote problems as cvxpy SDPs (Clarabel or SCS)."""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._admm import PromoteSolution
from ._nuclear import promote_objective
from ._problem import check_flag, check_problem, reduce_problem, target_scale

__all__ = ["cvxpy_promote"]

# cvxpy solvers that accept the semidefinite cone of cvxpy.normNuc
_SDP_SOLVERS = {"CLARABEL", "SCS", "MOSEK", "CVXOPT", "COPT", "SDPA"}


def cvxpy_promote(theta, Y, operator, alpha=1.0, *, exact_fit=False, solver="CLARABEL",
                  rescale=True, **solver_options):
    """Solve a promote problem with cvxpy (the reference backend).

    Same problems as :func:`admm_promote`, on the same compressed operator and
    in the same coordinates, written with ``cvxpy.normNuc`` and handed to a
    conic solver. By default the problem is solved for targets of largest
    size 1 (``W`` and ``alpha`` scale with them), as the conic solvers'
    tolerances are absolute: unscaled, on ten problems with targets of size
    ``1e-8`` Clarabel's objective was a median 18% off the optimum for exact
    fits (8% penalised), up to 180% (``benchmarks/bench_solver_accuracy.py``;
    scaled: at most ``8e-7``). Interior-point Clarabel (the default) is then
    accurate (it agrees with sksym's own solvers to ``1e-6`` relative on the
    tests' problems); SCS with ``max_iters=2500`` and ``rescale=False``
    reproduces the setting of Otto et al. (2023). ``objective`` is that of
    the coefficients returned. Unlike sksym's own solvers it runs no
    screening test (:func:`~sksym.solvers.solve_promote`) and solves every
    problem as given: at huge penalties, whose coefficients swamp the data
    term's, Clarabel fails or returns a wrong model with a
    ``ConvergenceWarning`` (``alpha=1e14`` and ``1e100`` in
    ``benchmarks/bench_solver_accuracy.py``, section 5).

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
        An installed cvxpy solver for semidefinite programs (``"CLARABEL"``,
        ``"SCS"``, ...).
    rescale : bool, default=True
        Solve for targets scaled to largest size 1 (``False``: as given).
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
    sdp = sorted(set(cp.installed_solvers()) & _SDP_SOLVERS)
    if not isinstance(solver, str) or solver.upper() not in sdp:
        raise ValueError(f"solver must be an installed cvxpy solver for semidefinite programs, "
                         f"one of {sdp}; got {solver!r}.")
    rescale = check_flag(rescale, "rescale")
    t0 = time.perf_counter()
    scale = target_scale(Y, alpha, exact_fit) if rescale else 1.0
    P = reduce_problem(theta, Y / scale, operator, alpha / scale, exact_fit)
    q, r, nz = P.q, P.r, P.n_z

    def solution(z, **kwargs):
        W = P.coef(z) * scale
        return PromoteSolution(coef=W, objective=promote_objective(theta, Y, operator, W, alpha, exact_fit),
                               solver=f"cvxpy-{solver}", time=time.perf_counter() - t0, **kwargs)

    if nz == 0 or q * r == 0 or (P.H is not None and alpha == 0.0):
        # no nuclear norm: (minimum-norm) least squares, as the other solvers
        # (a conic solver returns an arbitrary minimiser when theta is rank deficient)
        z = np.zeros(nz) if P.H is None else np.linalg.lstsq(P.H, P.g, rcond=None)[0]
        return solution(z, n_iter=0, converged=True)
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
        Yn = Y / (scale * np.sqrt(n))
        b = Q.T @ Yn
        const = 0.5 * (np.sum(Yn * Yn) - np.sum(b * b))
        Wv = cp.reshape(zv, (n_out, K), order="C")
        terms.append(0.5 * cp.sum_squares(R @ Wv.T - b) + const)
        terms.append(P.alpha * cp.normNuc(M))
    prob = cp.Problem(cp.Minimize(cp.sum(terms) if len(terms) > 1 else terms[0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            prob.solve(solver=solver.upper(), **solver_options)
        except (KeyboardInterrupt, SystemExit):
            raise
        except TypeError as exc:      # e.g. Clarabel: "unrecognized solver setting 'tol'"
            raise TypeError(f"cvxpy solver {solver} rejected the solver options "
                            f"{sorted(solver_options)}: {exc}") from exc
        except BaseException as exc:  # noqa: B036 (Clarabel's Rust panics are BaseExceptions)
            raise RuntimeError(f"cvxpy solver {solver} failed: {type(exc).__name__}: {exc}") from exc
    z = zv.value if zv.value is not None else np.zeros(nz)
    stats = prob.solver_stats
    n_iter = int(stats.num_iters) if stats is not None and stats.num_iters is not None else 0
    converged = prob.status == cp.OPTIMAL
    if not converged:
        warnings.warn(f"cvxpy/{solver} finished with status {prob.status!r}.", ConvergenceWarning)
    return solution(z, n_iter=n_iter, converged=converged)
