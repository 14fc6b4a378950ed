import warnings

import numpy as np
import pytest
import scipy.linalg
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import PolynomialFeatures

from sksym.groups import SE, SO, T
from sksym.lie import LieDerivative
from sksym.reps import Scalar, V
from sksym.solvers import (CompressedLieOperator, PromoteSolution, admm_promote, cvxpy_promote,
                           newton_promote, promote_objective, prox_nuclear_norm, solve_promote)

OWN_SOLVERS = pytest.mark.parametrize("solve", [admm_promote, newton_promote], ids=["admm", "newton"])
from sksym.solvers._nuclear import _svt
from sksym.solvers._random_problems import scaled_problem


def _operator(G, m, degree, out=Scalar, seed=1):
    lib = PolynomialFeatures(degree).fit(np.zeros((1, m)))
    return lib, CompressedLieOperator(LieDerivative(lib, V(G), out(G), random_state=seed))


@pytest.mark.parametrize("G, out", [(SE(3), Scalar), (T(4), Scalar), (SO(3), V)], ids=str)
def test_compression_keeps_the_nuclear_norm(G, out, rng):
    lib = PolynomialFeatures(3).fit(np.zeros((1, G.d)))
    op = LieDerivative(lib, V(G), out(G))
    A = CompressedLieOperator(op)
    assert A.rank < op.points.shape[0] * op.n_outputs
    for _ in range(3):
        W = rng.normal(size=(op.n_outputs, op.n_library_features))
        s_full = scipy.linalg.svdvals(op.matrix(W))
        s_comp = scipy.linalg.svdvals(A.matrix(W))
        np.testing.assert_allclose(np.sort(s_comp), np.sort(s_full)[-s_comp.size:], rtol=1e-9, atol=1e-12)
        assert A.nuclear_norm(W) == pytest.approx(s_full.sum(), rel=1e-10)


def test_prox_is_singular_value_soft_thresholding(rng):
    X = rng.normal(size=(7, 5))
    Z, s = prox_nuclear_norm(X, 0.8)
    s0 = scipy.linalg.svdvals(X)
    np.testing.assert_allclose(s, np.maximum(s0 - 0.8, 0))
    np.testing.assert_allclose(scipy.linalg.svdvals(Z)[: np.count_nonzero(s)], s[s > 0])
    # optimality: X - Z is in 0.8 * subdifferential => spectral norm <= 0.8
    assert np.linalg.norm(X - Z, 2) <= 0.8 + 1e-10
    with pytest.raises(ValueError, match="threshold"):
        prox_nuclear_norm(X, -1.0)
    # bad input: clear errors (inf returned NaNs, 1-D and NaN failed inside scipy,
    # 3-D came back batched, None compared with 0)
    for bad, match in [(np.full((2, 2), np.inf), "finite"), (np.full((2, 2), np.nan), "finite"),
                       (np.ones(3), "2-D"), (np.ones((2, 2, 2)), "2-D")]:
        with pytest.raises(ValueError, match=match):
            prox_nuclear_norm(bad, 0.5)
    for threshold in (None, "1", True):
        with pytest.raises(ValueError, match="threshold"):
            prox_nuclear_norm(X, threshold)
    with pytest.raises(TypeError, match="real"):
        prox_nuclear_norm(X + 1j, 0.5)


def test_complex_inputs_are_refused(rng):
    lib, op = _operator(T(3), 3, 2)
    theta = lib.transform(rng.uniform(-1, 1, size=(12, 3)))
    y = rng.normal(size=12)
    for solve in (solve_promote, newton_promote, admm_promote, cvxpy_promote):
        with pytest.raises(TypeError, match="theta must be real"):
            solve(theta + 1e-3j, y, op, 0.1)
        with pytest.raises(TypeError, match="Y must be real"):
            solve(theta, y + 1j, op, 0.1)


@pytest.mark.parametrize("hint", [None, 3])
@pytest.mark.parametrize("shape", [(80, 70), (70, 90)])
def test_fast_svt_matches_prox(shape, hint, rng):
    X = rng.normal(size=shape) * np.logspace(0, -2, shape[1])
    for t in [0.0, 1e-3, 0.1, 1.0, 5.0, 100.0]:
        Z, k = _svt(X, t, hint)
        Z0, s0 = prox_nuclear_norm(X, t)
        np.testing.assert_allclose(Z, Z0, atol=1e-9)
        assert k == np.count_nonzero(s0)


@pytest.mark.parametrize("G, out, kw", [
    (SE(3), Scalar, {}), (T(4), Scalar, {"include_bias": False}), (SO(3), V, {"interaction_only": True}),
], ids=["SE3", "T4-nobias", "SO3-vector"])
def test_coefficient_maps_reproduce_the_point_operator(G, out, kw, rng):
    lib = PolynomialFeatures(3, **kw).fit(np.zeros((1, G.d)))
    op = LieDerivative(lib, V(G), out(G))
    powers, S = op.coefficient_maps()
    Phi = np.prod(op.points[:, None, :] ** powers[None], axis=2) * op.weight
    n, P = op.n_outputs, len(powers)
    for j, blk in zip(range(op.n_generators), op.constraint_blocks()):
        Sj = S[j * P * n:(j + 1) * P * n].toarray()
        np.testing.assert_allclose(np.kron(Phi, np.eye(n)) @ Sj, blk, atol=1e-12)
    # the factored operator and its dense form act alike, adjoint included
    A = CompressedLieOperator(op)
    w = rng.normal(size=n * op.n_library_features)
    Vq = rng.normal(size=(A.n_generators, A.rank))
    dense = A.tensor.reshape(-1, w.size)
    np.testing.assert_allclose(A._apply(w).ravel(), dense @ w, atol=1e-12)
    np.testing.assert_allclose(A._adjoint(Vq), dense.T @ Vq.ravel(), atol=1e-12)
    np.testing.assert_allclose(A._gram(), dense.T @ dense, atol=1e-10)


def test_non_polynomial_library_has_no_coefficient_maps():
    from sksym.libraries import FunctionLibrary
    lib = FunctionLibrary(np.sin, lambda X: np.cos(X)[:, :, None] * np.eye(X.shape[1])[None]).fit(np.zeros((1, 2)))
    X = np.random.RandomState(0).normal(size=(30, 2))
    op = LieDerivative(lib, V(SO(2)), Scalar(SO(2)), points=X)
    assert op.coefficient_maps() is None
    A = CompressedLieOperator(op)
    W = np.array([[1.0, -0.5]])
    assert A.nuclear_norm(W) == pytest.approx(np.linalg.norm(op.matrix(W), "nuc"), rel=1e-10)


def _agree(a, b, rel=1e-6):
    assert abs(a - b) <= rel * abs(b), (a, b, (a - b) / b)


@OWN_SOLVERS
@pytest.mark.parametrize("alpha", [1e-3, 1e-2, 1e-1])
def test_own_solvers_and_cvxpy_agree_penalised(alpha, solve, rng):
    lib, op = _operator(SE(3), 3, 2)
    X = rng.uniform(-1, 1, size=(9, 3))
    y = (X[:, 0] + X[:, 1]) ** 2 + 0.1 * rng.normal(size=9)
    theta = lib.transform(X)
    a = solve(theta, y, op, alpha, tol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        b = cvxpy_promote(theta, y, op, alpha)
    assert a.converged
    _agree(a.objective, b.objective)
    assert a.objective == pytest.approx(promote_objective(theta, y[:, None], op, a.coef, alpha), rel=1e-12)


@OWN_SOLVERS
@pytest.mark.parametrize("G, out, m", [(T(4), Scalar, 4), (SE(3), Scalar, 3), (SO(2), V, 2)], ids=str)
def test_own_solvers_and_cvxpy_agree_exact_fit(G, out, m, solve, rng):
    lib, op = _operator(G, m, 2, out)
    n_out = out(G).size
    X = rng.uniform(-1, 1, size=(6, m))
    Y = rng.normal(size=(6, n_out))
    theta = lib.transform(X)
    a = solve(theta, Y, op, exact_fit=True, tol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        b = cvxpy_promote(theta, Y, op, exact_fit=True)
    assert a.converged
    _agree(a.objective, b.objective)
    np.testing.assert_allclose(theta @ a.coef.T, Y, atol=1e-9)


def test_exact_fit_with_full_rank_data_is_least_squares(rng):
    lib, op = _operator(T(2), 2, 2)
    X = rng.uniform(-1, 1, size=(30, 2))
    y = rng.normal(size=30)
    theta = lib.transform(X)
    sol = admm_promote(theta, y, op, exact_fit=True)
    np.testing.assert_allclose(sol.coef[0], np.linalg.lstsq(theta, y, rcond=None)[0], atol=1e-10)
    assert sol.n_iter == 0


def test_warm_start_from_previous_solution(rng):
    lib, op = _operator(SE(3), 3, 2)
    X = rng.uniform(-1, 1, size=(9, 3))
    y = (X[:, 0] + X[:, 1]) ** 2 + 0.1 * rng.normal(size=9)
    theta = lib.transform(X)
    first = admm_promote(theta, y, op, 0.05, tol=1e-9)
    cold = admm_promote(theta, y, op, 0.0505, tol=1e-9)
    warm = admm_promote(theta, y, op, 0.0505, tol=1e-9, warm_start=first)
    assert warm.n_iter < cold.n_iter
    _agree(warm.objective, cold.objective, 1e-7)
    again = admm_promote(theta, y, op, 0.0505, tol=1e-9, warm_start=cold.coef)
    _agree(again.objective, cold.objective, 1e-7)


@OWN_SOLVERS
def test_convergence_warning_and_errors(solve, rng):
    lib, op = _operator(SE(3), 3, 2)
    X = rng.uniform(-1, 1, size=(9, 3))
    y = rng.normal(size=9)
    theta = lib.transform(X)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        sol = solve(theta, y, op, 0.1, max_iter=2)
    assert not sol.converged and isinstance(sol, PromoteSolution)
    for bad in (-1.0, np.nan, np.inf, "a"):
        with pytest.raises(ValueError, match="alpha"):
            solve(theta, y, op, bad)
    with pytest.raises(ValueError, match="tol"):
        solve(theta, y, op, 0.1, tol=0)
    with pytest.raises(ValueError, match="max_iter"):
        solve(theta, y, op, 0.1, max_iter=0)
    with pytest.raises(ValueError, match="Dimension mismatch"):
        solve(theta[:, :5], y, op, 0.1)
    with pytest.raises(ValueError, match="n_samples"):
        solve(theta, y[:4], op, 0.1)
    with pytest.raises(TypeError, match="CompressedLieOperator"):
        solve(theta, y, np.eye(3), 0.1)


@pytest.mark.parametrize("solve", [admm_promote, newton_promote, cvxpy_promote],
                         ids=["admm", "newton", "cvxpy"])
def test_solver_argument_checks(solve, rng):
    lib, op = _operator(SE(3), 3, 2)
    theta, y = lib.transform(rng.uniform(-1, 1, size=(9, 3))), rng.normal(size=9)
    for bad in ("no", None, 1):
        with pytest.raises(TypeError, match="exact_fit must be True or False"):
            solve(theta, y, op, 0.1, exact_fit=bad)
    with pytest.raises(ValueError, match="at least one sample"):
        solve(theta[:0], y[:0], op, 0.1)
    if solve is cvxpy_promote:
        for bad in ("NOPE", "OSQP"):          # OSQP: installed, but no semidefinite cone
            with pytest.raises(ValueError, match="solver must be an installed cvxpy solver for semidefinite"):
                solve(theta, y, op, 0.1, solver=bad)
        with pytest.raises(TypeError, match="rescale must be True or False"):
            solve(theta, y, op, 0.1, rescale="yes")
        return
    for bad, err in ((np.zeros((1, 5)), ValueError), (np.zeros((2, 10)), ValueError),
                     (np.full((1, 10), np.nan), ValueError), ("abc", TypeError)):
        with pytest.raises(err, match="warm_start"):
            solve(theta, y, op, 0.1, warm_start=bad)
    ok = solve(theta, y, op, 0.1, warm_start=np.zeros(10))         # (K,) for one output
    assert ok.converged
    if solve is admm_promote:
        for kw in ({"rho": "a"}, {"rho": -1.0}, {"relaxation": "a"}, {"relaxation": 2.0}):
            with pytest.raises(ValueError, match=next(iter(kw))):
                solve(theta, y, op, 0.1, **kw)


def test_operator_argument_checks():
    lib = PolynomialFeatures(2).fit(np.zeros((1, 3)))
    lie = LieDerivative(lib, V(SE(3)), Scalar(SE(3)))
    for bad in (None, np.ones((2, 3, 4))):
        with pytest.raises(TypeError, match="lie_derivative must be a sksym.lie.LieDerivative"):
            CompressedLieOperator(bad)
    for tol in (np.nan, 10.0, -1.0, "a"):
        with pytest.raises(ValueError, match="tol"):
            CompressedLieOperator(lie, tol=tol)
    for n_outputs in (0, -2, 1.5):
        with pytest.raises(ValueError, match="n_outputs must be a positive integer"):
            CompressedLieOperator.from_tensor(np.ones((2, 3, 4)), n_outputs=n_outputs)
    with pytest.raises(ValueError, match="tensor must be finite"):
        CompressedLieOperator.from_tensor(np.full((2, 3, 4), np.nan))


def test_newton_and_admm_agree_near_the_recovery_threshold(rng):
    # a degenerate problem on which ADMM needs many iterations and Newton a few dozen steps
    theta, y, op = _hard_exact_fit_problem(rng)
    a = admm_promote(theta, y, op, exact_fit=True, tol=1e-9, max_iter=100000)
    b = newton_promote(theta, y, op, exact_fit=True, tol=1e-9)
    assert a.converged and b.converged and b.n_iter < 100
    _agree(b.objective, a.objective, 1e-7)
    np.testing.assert_allclose(theta @ b.coef[0], y, atol=1e-9)


def test_solve_promote_picks_by_size(rng, monkeypatch):
    lib, op = _operator(SE(3), 3, 2)
    X = rng.uniform(-1, 1, size=(9, 3))
    y = rng.normal(size=9)
    theta = lib.transform(X)
    assert solve_promote(theta, y, op, 0.1).solver == "newton"        # tiny problem
    assert solve_promote(theta, y, op, 0.1, solver="admm").solver == "admm"
    big = CompressedLieOperator.from_tensor(np.zeros((1000, 1000, 10)))
    assert solve_promote(np.ones((2, 10)), np.ones(2), big, 0.1).solver == "admm"
    with pytest.raises(ValueError, match="solver"):
        solve_promote(theta, y, op, 0.1, solver="lbfgs")
    import sksym.solvers._newton as newton_module
    monkeypatch.setattr(newton_module, "_AUTO_NEWTON_SIZE", 10.0)   # Newton's arrays "too large"
    assert solve_promote(theta, y, op, 0.1).solver == "admm"
    with pytest.raises(ValueError, match="theta must be 2-D"):
        solve_promote(theta[0], y, op, 0.1)
    with pytest.raises(TypeError, match="CompressedLieOperator"):
        solve_promote(theta, y, "op", 0.1)


def _hard_exact_fit_problem(rng):
    """An ortho target in SE(4) from few samples: ADMM needs thousands of iterations."""
    lib, op = _operator(SE(4), 4, 2)
    u = rng.normal(size=4)
    u /= np.linalg.norm(u)
    X = rng.uniform(-1, 1, size=(11, 4))
    return lib.transform(X), (X @ u) ** 2 + X @ u, op


def test_auto_runs_admm_then_newton_on_medium_problems(rng, monkeypatch):
    import sksym.solvers._newton as newton_module
    monkeypatch.setattr(newton_module, "_AUTO_NEWTON_FLOPS", 0.0)      # every problem is "medium"
    monkeypatch.setattr(newton_module, "_AUTO_ADMM_ITER", 20)
    theta, y, op = _hard_exact_fit_problem(rng)
    with pytest.warns(ConvergenceWarning):
        assert not admm_promote(theta, y, op, exact_fit=True, tol=1e-9, max_iter=20).converged
    sol = solve_promote(theta, y, op, exact_fit=True, tol=1e-9)
    assert sol.solver == "newton" and sol.converged
    assert sol.n_iter > 20                                              # ADMM's iterations counted
    ref = newton_promote(theta, y, op, exact_fit=True, tol=1e-9)
    _agree(sol.objective, ref.objective, 1e-8)
    easy = solve_promote(theta, y, op, 10.0)                            # large alpha: ADMM converges
    assert easy.solver == "admm" and easy.converged


def test_auto_runs_the_mix_however_costly_a_newton_step_while_its_arrays_fit(monkeypatch):
    # between 1e10 and 1e11 operations per step ADMM ran alone; the mix took 0.25-0.99
    # times its time on 8 of 10 SE(20)-SE(25) problems (benchmarks/bench_auto_solver.py)
    import sksym.solvers._newton as newton_module
    calls = []
    admm = newton_module.admm_promote

    def spy(*args, **kwargs):
        calls.append(kwargs.get("max_iter"))
        return admm(*args, **kwargs)

    monkeypatch.setattr(newton_module, "admm_promote", spy)
    big = CompressedLieOperator.from_tensor(np.zeros((1000, 1000, 10)))   # 2e10 operations per step
    assert newton_module._step_cost(np.ones((2, 10)), big, False)[0] > 1e10
    solve_promote(np.ones((2, 10)), np.ones(2), big, 0.1)
    assert calls == [newton_module._AUTO_ADMM_ITER]
    monkeypatch.setattr(newton_module, "_AUTO_HYBRID_FLOPS", 1e10)      # its step too costly: ADMM alone
    solve_promote(np.ones((2, 10)), np.ones(2), big, 0.1)
    assert calls[1] is None
    monkeypatch.setattr(newton_module, "_AUTO_HYBRID_FLOPS", 1e11)
    monkeypatch.setattr(newton_module, "_AUTO_NEWTON_SIZE", 1e6)        # its arrays too large: ADMM alone
    solve_promote(np.ones((2, 10)), np.ones(2), big, 0.1)
    assert calls[2] is None


def test_newton_step_cost_counts_the_hessian_factorisation_and_its_size(monkeypatch):
    # many unknowns, a small operator: the Cholesky factorisation (n_z^3 / 3) and the
    # n_z x n_z Hessian dominate (one translation at d=140: 3.3e11 operations, 800 MB)
    import sksym.solvers._newton as newton_module
    op = CompressedLieOperator.from_tensor(np.zeros((1, 2, 10000)))
    flops, size = newton_module._step_cost(np.ones((2, 10000)), op, False)
    assert flops >= 1e12 / 3 and size == 1e8

    class Chosen(Exception):
        pass

    def admm(*args, **kwargs):                  # (solving it would take minutes)
        raise Chosen(kwargs.get("max_iter"))

    monkeypatch.setattr(newton_module, "admm_promote", admm)
    with pytest.raises(Chosen) as chosen:
        solve_promote(np.ones((2, 10000)), np.ones(2), op, 0.1)
    assert chosen.value.args == (None,)                                 # ADMM alone


@pytest.mark.parametrize("q, r", [(3, 8), (5, 7), (6, 6)])
def test_smoothed_hessian_matches_finite_differences(q, r, rng):
    from sksym.solvers._newton import _SmoothedHessian, _symmetric
    nz, mu = 9, 0.3
    C = rng.normal(size=(nz, q, r))
    c = rng.normal(size=(q, r))
    c[:, 0] = 0.0                                  # a near-degenerate spectrum
    c[1] = 1e-3 * c[0]

    def grad(z):
        U, s, Vt = scipy.linalg.svd(c + np.tensordot(z, C, 1))
        return C.reshape(nz, -1) @ ((U * (s / np.sqrt(s * s + mu * mu))) @ Vt[:q]).ravel()

    z = 0.1 * rng.normal(size=nz)
    U, s, Vt = scipy.linalg.svd(c + np.tensordot(z, C, 1))
    hess = _symmetric(_SmoothedHessian(C.transpose(1, 2, 0))(U, s, Vt, np.sqrt(s * s + mu * mu), mu))
    h = 1e-6
    fd = np.array([(grad(z + h * e) - grad(z - h * e)) / (2 * h) for e in np.eye(nz)])
    np.testing.assert_allclose(hess, fd, rtol=1e-6, atol=1e-7 * np.abs(fd).max())
    assert np.linalg.eigvalsh(hess).min() > 0


def test_newton_meets_the_requested_accuracy(rng):
    theta, y, op = _hard_exact_fit_problem(rng)
    ref = newton_promote(theta, y, op, exact_fit=True, tol=1e-10)
    for tol in (1e-3, 1e-5, 1e-7):
        sol = newton_promote(theta, y, op, exact_fit=True, tol=tol)
        assert sol.converged
        assert ref.objective <= sol.objective * (1 + 1e-12) and sol.objective - ref.objective <= tol * ref.objective


def _recovery_problem(m, seed, n, noise_seed):
    """bench_recovery's ortho/T(m) d=2 problem (target, pool and evaluation points
    drawn as there) with 1% noise on its first n samples."""
    from sksym.lie import unisolvent_points
    lib = PolynomialFeatures(2).fit(np.zeros((1, m)))
    K = lib.n_output_features_
    rng = np.random.RandomState(seed)
    phi = rng.rand(3)
    u = np.linalg.svd(rng.normal(size=(m, 1)))[0][:, 0]
    X = rng.uniform(-1, 1, size=(K + 1, m))[:n]
    t = X @ u
    y = phi[0] + phi[1] * t + phi[2] * t * t
    y = y + 0.01 * np.std(y) * np.random.RandomState(noise_seed).randn(n)
    points = unisolvent_points(m, 1, oversample=1.0, random_state=12345)
    op = CompressedLieOperator(LieDerivative(lib, V(T(m)), Scalar(T(m)), points=points))
    return lib.transform(X), y, op


def test_newton_stops_on_a_certified_gap_not_on_an_estimate():
    # The error estimate (smoothing gap plus Newton decrement) stopped Newton on
    # this problem at a relative error of 3.5e-6 with tol=1e-6, reporting
    # convergence; the duality gap of the Newton-updated dual is a bound.
    theta, y, op = _recovery_problem(5, 0, 10, 0)
    ref = newton_promote(theta, y, op, 1e-3, tol=1e-12, max_iter=1000)
    sol = newton_promote(theta, y, op, 1e-3, tol=1e-6)
    assert ref.converged and sol.converged
    assert sol.objective - ref.objective <= 1e-6 * ref.objective


@pytest.mark.parametrize("G, m, n", [(T(4), 4, 7), (SE(3), 3, 6), (T(3), 3, 5)], ids=["T4", "SE3", "T3"])
def test_certified_gap_bounds_the_error_at_every_point_it_is_computed(G, m, n, rng, monkeypatch):
    # every gap the solver computes (on its path, including points it rejects)
    # is at least the true error of the exact fit's objective there
    import sksym.solvers._newton as newton_module
    lib, op = _operator(G, m, 2)
    X = rng.uniform(-1, 1, size=(n, m))
    u = rng.normal(size=m)
    y = (X @ u) ** 2 + X @ u + 0.1 * rng.normal(size=n)
    theta = lib.transform(X)
    f_star = newton_promote(theta, y, op, exact_fit=True, tol=1e-12, max_iter=1000).objective
    scale = np.max(np.abs(y))
    seen = []
    certify = newton_module._certified_gap

    def record(U, s, *args, **kwargs):
        gap, smoothing, residual = certify(U, s, *args, **kwargs)
        seen.append((float(s.sum()), gap, smoothing))
        return gap, smoothing, residual

    monkeypatch.setattr(newton_module, "_certified_gap", record)
    for tol in (1e-2, 1e-4, 1e-6, 1e-9):
        newton_promote(theta, y, op, exact_fit=True, tol=tol)
    assert len(seen) >= 4
    for f, gap, smoothing in seen:
        assert f - f_star / scale <= gap + 1e-12 * f
        assert smoothing <= gap + 1e-15 * f


def _record_penalised_gaps(P, monkeypatch):
    """A list that receives ``(objective, gap)`` at every penalised
    certificate Newton computes on the reduced problem ``P``."""
    import sksym.solvers._newton as newton_module
    seen = []
    certify = newton_module._certified_gap

    def record(*args, **kwargs):
        gap, smoothing, residual = certify(*args, **kwargs)
        # Newton's unknowns: d times the problem's (d the norms of C's columns),
        # or orthonormal coordinates of those
        dual, z = (args[8] if len(args) > 8 else kwargs["data"])[:2]
        seen.append((P.objective(dual.to_scaled(z) / dual.d), gap))
        return gap, smoothing, residual

    monkeypatch.setattr(newton_module, "_certified_gap", record)
    return seen


@pytest.mark.parametrize("alpha, n", [(1e-3, 8), (0.1, 20), (1e-5, 30)])
def test_certified_gap_bounds_the_error_of_penalised_problems(alpha, n, rng, monkeypatch):
    # the penalised gap adds the data term's share, 1/2 |R(z) - lam|^2
    import sksym.solvers._newton as newton_module
    from sksym.solvers._problem import check_problem, reduce_problem
    lib, op = _operator(T(4), 4, 2)
    X = rng.uniform(-1, 1, size=(n, 4))
    u = rng.normal(size=4)
    y = (X @ u) ** 2 + X @ u + 0.05 * rng.normal(size=n)
    theta, y, alpha = check_problem(lib.transform(X), y, op, alpha)
    P = reduce_problem(theta, y, op, alpha, False, basis="pivoted")
    f_star = P.objective(newton_module._newton(P, 1e-12, 1000, None)[0])
    seen = _record_penalised_gaps(P, monkeypatch)
    for tol in (1e-2, 1e-4, 1e-6, 1e-9):
        assert newton_module._newton(P, tol, 200, None)[2]
    assert len(seen) >= 4
    for f, gap in seen:
        assert f - f_star <= gap + 1e-12 * f


def test_line_search_model_is_exact_on_diagonal_problems(rng):
    # X = diag(x) with a quadratic data term: the singular values move without
    # rotating, so the model of _first_trial is the smoothed objective itself and
    # it must stop at the t where halving on the true objective stops
    from sksym.solvers._newton import _first_trial
    short = 0
    for _ in range(300):
        q = rng.randint(1, 8)
        x = np.exp(rng.uniform(-6, 2, size=q))
        mu = np.exp(rng.uniform(-8, 0))
        alpha = np.exp(rng.uniform(-3, 3))
        h = rng.choice([0.0, np.exp(rng.uniform(-3, 3))])
        y = rng.normal(size=q)
        sq = np.hypot(x, mu)
        grad = h * (x - y) + alpha * x / sq
        p = -grad / (h + alpha * mu * mu / sq ** 3)
        decrement = float(-grad @ p)
        d1, d2 = float(h * (x - y) @ p), float(h * p @ p)

        def f(t):
            return 0.5 * h * np.sum((x + t * p - y) ** 2) + alpha * np.sum(np.hypot(x + t * p, mu))

        t = 1.0
        while t > 1e-3 and not f(t) - f(0.0) <= -0.25 * t * decrement:
            t *= 0.5
        assert _first_trial(x, sq, p, mu, alpha, d1, d2, decrement) == t
        short += t < 1.0
    assert short > 30              # the cases where it matters (overshooting zero) were drawn


def test_line_search_model_leaves_rounding_level_steps_to_plain_halving(rng):
    # a decrement at the rounding level of the singular values' terms: the
    # model's test would be noise (here it fails at every t, ds raising them)
    # and its floor t ~ 1e-3 cost a step on exactly symmetric targets (a level
    # ends only on a full step): t = 1, the real trials decide
    from sksym.solvers._newton import _first_trial
    s = np.exp(rng.uniform(-3, 0, size=5))
    mu = 1e-3
    sq = np.hypot(s, mu)
    ds = 1e-9 * s
    assert _first_trial(s, sq, ds, mu, 1.0, 0.0, 0.0, 1e-20) == 1.0
    assert _first_trial(s, sq, ds, mu, 1.0, 0.0, 0.0, 1e-6) < 1e-2     # a real decrement: the model


@pytest.mark.parametrize("exact_fit, alpha", [(True, 1.0), (False, 1e-3), (False, 0.1)])
@pytest.mark.parametrize("G, m, n, degree", [(T(4), 4, 9, 2), (SE(3), 3, 7, 2), (T(3), 3, 12, 3)],
                         ids=["T4", "SE3", "T3-project"])     # T(3), degree 3: r >= 2q
def test_line_search_model_keeps_the_steps_of_plain_halving(G, m, n, degree, exact_fit, alpha, rng,
                                                            monkeypatch):
    # the model only decides where the SVDs of the halving start: the same
    # steps, iterates and answers as halving from t = 1 on every trial, with
    # fewer SVDs
    import sksym.solvers._newton as newton_module
    lib, op = _operator(G, m, degree)
    X = rng.uniform(-1, 1, size=(n, m))
    u = rng.normal(size=m)
    y = (X @ u) ** 2 + X @ u + 0.01 * rng.normal(size=n)
    theta = lib.transform(X)
    kwargs = dict(exact_fit=exact_fit, tol=1e-8)
    calls = [0]
    gesdd = newton_module._gesdd

    def counted(*args, **kw):
        calls[0] += 1
        return gesdd(*args, **kw)

    monkeypatch.setattr(newton_module, "_gesdd", counted)
    with_model = newton_promote(theta, y, op, alpha, **kwargs)
    svds_with_model, calls[0] = calls[0], 0
    monkeypatch.setattr(newton_module, "_first_trial", lambda *args: 1.0)
    halving = newton_promote(theta, y, op, alpha, **kwargs)
    assert with_model.converged and halving.converged
    assert with_model.n_iter == halving.n_iter
    np.testing.assert_allclose(with_model.coef, halving.coef, rtol=0, atol=1e-12 * np.abs(halving.coef).max())
    assert svds_with_model <= calls[0]
    if exact_fit:      # its levels' first steps overshoot: the model saves SVDs there
        assert svds_with_model < calls[0]


def test_newton_stops_a_stalled_smoothing_level():
    # a target symmetric up to 1e-7 with alpha=1e-7: the objective sits at the
    # rounding level of its terms, the steps stall above the smoothing's noise
    # floor, and Newton ran all 10000 steps of max_iter (2 s) before warning
    from sksym.groups import SO
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(25, 2))
    y = X[:, 0] ** 2 + (1 + 1e-7) * X[:, 1] ** 2
    lib, op = _operator(SO(2), 2, 2, seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sol = newton_promote(lib.transform(X), y, op, 1e-7 * 0.5, tol=1e-6, max_iter=10000)
    assert sol.n_iter <= 200
    if not sol.converged:
        assert any("stalled" in str(w.message) for w in caught)


@OWN_SOLVERS
@pytest.mark.parametrize("size", [1e-150, 1e-80, 1e80, 1e120])
def test_targets_of_extreme_size_scale_the_solution(size, solve, rng):
    # Newton squared singular values of the size of the targets: with targets of
    # size 1e-80 it returned coefficients 33% off without a warning, with 1e120 it
    # stopped on a LinAlgError; the solution scales with the targets (and alpha)
    X = rng.uniform(-1, 1, size=(8, 3))
    lib = PolynomialFeatures(2).fit(X)
    theta = lib.transform(X)
    op = CompressedLieOperator(LieDerivative(lib, V(SO(3)), Scalar(SO(3))))
    y = np.sum(X ** 2, axis=1) + 0.1 * X[:, 0]
    for kwargs in ({"exact_fit": True}, {"alpha": 0.01}):
        ref = solve(theta, y, op, tol=1e-8, **kwargs)
        scaled = dict(kwargs, alpha=kwargs.get("alpha", 1.0) * size)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sol = solve(theta, size * y, op, tol=1e-8, **scaled)
        np.testing.assert_allclose(sol.coef / size, ref.coef, rtol=0, atol=1e-6 * np.abs(ref.coef).max())
        power = 1 if kwargs.get("exact_fit") else 2
        if np.isfinite(size ** power) and size ** power > 1e-300:
            assert sol.objective == pytest.approx(ref.objective * size ** power, rel=1e-6)


def test_newton_refuses_an_alpha_that_overflows_against_the_targets(rng):
    # alpha / max|y| = inf: the gradient became NaN and the least-squares fit came
    # back as converged
    X = rng.uniform(-1, 1, size=(12, 3))
    lib = PolynomialFeatures(2).fit(X)
    op = CompressedLieOperator(LieDerivative(lib, V(SO(3)), Scalar(SO(3))))
    with pytest.raises(ValueError, match="alpha=1e\\+09 is too large for targets"):
        newton_promote(lib.transform(X), 1e-300 * np.sum(X ** 2, axis=1), op, alpha=1e9)


@pytest.mark.parametrize("alpha", [1e-4, 1e-2, 1.0])
def test_newton_meets_the_requested_accuracy_penalised(alpha, rng):
    # few noisy samples and a small alpha: the objective (mostly the data
    # misfit) is far from the data term's constant, which the stopping rule
    # must count
    lib, op = _operator(T(5), 5, 2)
    u = rng.normal(size=5)
    X = rng.uniform(-1, 1, size=(7, 5))
    y = (X @ u) ** 2 + 0.01 * rng.normal(size=7)
    theta = lib.transform(X)
    ref = newton_promote(theta, y, op, alpha, tol=1e-11, max_iter=500)
    for tol in (1e-4, 1e-6):
        sol = newton_promote(theta, y, op, alpha, tol=tol)
        assert sol.converged
        assert sol.objective - ref.objective <= tol * ref.objective


@pytest.mark.parametrize("seed", [7, 8, 10])
def test_newton_meets_the_requested_accuracy_far_below_the_start(seed):
    # a nearly constant invariant target and a large alpha: the optimum's
    # objective is far below the start's, so the planned last smoothing level
    # (relative to the start) is not fine enough and Newton must go further
    # (these problems ended 2-5 tol away from the optimum before it did)
    lib, op = _operator(SE(5), 5, 2)
    rng = np.random.default_rng(seed)
    c = rng.uniform(-1, 1, size=5)
    X = rng.uniform(-1, 1, size=(21, 5))
    y = 0.45 + 0.01 * np.sum((X - c) ** 2, axis=1) + 0.01 * rng.normal(size=21)
    theta = lib.transform(X)
    ref = newton_promote(theta, y, op, 1.0, tol=1e-11, max_iter=500)
    for tol in (1e-4, 1e-6):
        sol = newton_promote(theta, y, op, 1.0, tol=tol)
        assert sol.converged
        assert 0.0 <= sol.objective - ref.objective + 1e-12 * ref.objective <= tol * ref.objective


def test_exact_fit_null_space_from_qr_or_svd(rng):
    # well-conditioned rows take the QR path, (nearly) dependent rows the SVD:
    # both give the minimum-norm interpolant and an orthonormal null space
    from sksym.solvers._problem import _null_space_qr, _null_space_svd, reduce_problem
    lib, op = _operator(SE(3), 3, 2)
    theta = lib.transform(rng.uniform(-1, 1, size=(6, 3)))
    Y = rng.normal(size=(6, 1))
    W0T, N = _null_space_qr(theta, Y)
    W0T_svd, N_svd = _null_space_svd(theta, Y)
    np.testing.assert_allclose(W0T, W0T_svd, atol=1e-12)
    np.testing.assert_allclose(N.T @ N, np.eye(4), atol=1e-12)
    np.testing.assert_allclose(theta @ N, 0.0, atol=1e-12)
    np.testing.assert_allclose(N @ N.T, N_svd @ N_svd.T, atol=1e-12)     # the same subspace
    dependent = np.vstack([theta, theta[0]])                            # a repeated sample
    assert _null_space_qr(dependent, np.vstack([Y, Y[:1]]))[0] is None
    P = reduce_problem(dependent, np.vstack([Y, Y[:1]]), op, 1.0, True)
    assert P.N.shape == (10, 4)                                         # rank 6, by the SVD
    np.testing.assert_allclose(dependent @ P.coef(np.zeros(P.n_z))[0], np.vstack([Y, Y[:1]])[:, 0],
                               atol=1e-10)


@pytest.mark.parametrize("n_out", [1, 2])
def test_pivoted_null_space_is_the_same_problem(n_out, rng):
    # Newton's pivoted basis N = [-G; I] parametrises the same feasible set and
    # the same C = A N as the orthonormal one, for factored and dense operators
    from sksym.solvers._problem import check_problem, reduce_problem
    lib = PolynomialFeatures(2).fit(np.zeros((1, 3)))
    out = V if n_out == 2 else Scalar
    G = SO(3) if n_out == 2 else SE(3)
    lie = LieDerivative(lib, V(G), out(G), random_state=0)
    factored = CompressedLieOperator(lie)
    dense = CompressedLieOperator.from_tensor(factored.tensor, factored.n_outputs)
    theta = lib.transform(rng.uniform(-1, 1, size=(6, 3)))
    Y = rng.normal(size=(6, factored.n_outputs))
    for op in (factored, dense):
        ortho = reduce_problem(theta, Y, op, 1.0, True)
        piv = reduce_problem(theta, Y, op, 1.0, True, basis="pivoted")
        assert piv.NtN_factor is not None and ortho.NtN_factor is None
        np.testing.assert_allclose(piv.w0, ortho.w0, atol=1e-12)          # minimum-norm start
        np.testing.assert_allclose(theta @ piv.N, 0.0, atol=1e-12)
        for P in (ortho, piv):                                              # C = A N, densely
            dense_C = np.stack([P.C_mul(e) for e in np.eye(P.n_z)], axis=2)
            np.testing.assert_allclose(P.C_qrz(), dense_C, atol=1e-12)
        W = rng.normal(size=(op.n_outputs, 10))                             # projection on the feasible set
        np.testing.assert_allclose(piv.coef(piv.to_z(W)), ortho.coef(ortho.to_z(W)), atol=1e-10)
        z = rng.normal(size=piv.n_z)
        np.testing.assert_allclose(piv.to_z(piv.coef(z)), z, atol=1e-10)
        a = newton_promote(theta, Y, op, exact_fit=True, tol=1e-9)
        b = cvxpy_promote(theta, Y, op, exact_fit=True)
        _agree(a.objective, b.objective, 1e-6)
    with pytest.raises(ValueError, match="basis"):
        reduce_problem(theta, Y, factored, 1.0, True, basis="qr")


def test_alpha_zero_is_minimum_norm_least_squares(rng):
    lib, op = _operator(SE(3), 3, 2)
    X = rng.uniform(-1, 1, size=(20, 3))
    y = rng.normal(size=20)
    theta = lib.transform(X)
    sol = admm_promote(theta, y, op, 0.0)
    np.testing.assert_allclose(sol.coef[0], np.linalg.lstsq(theta, y, rcond=None)[0], atol=1e-8)
    # fewer samples than features: every solver gives the minimum-norm solution
    # (the cvxpy backend handed the data term alone to the conic solver, which
    # returned another minimiser, 0.33 away)
    few, yf = theta[:6], y[:6]
    ref = np.linalg.lstsq(few, yf, rcond=None)[0]
    for solve in (admm_promote, newton_promote, cvxpy_promote):
        np.testing.assert_allclose(solve(few, yf, op, 0.0).coef[0], ref, atol=1e-8)


def test_divided_differences_with_exact_zeros():
    from sksym.solvers._newton import _divided_differences
    mu = 0.3
    s = np.array([2.0, 1.0, 1.0, 0.0, 0.0])
    sq = np.sqrt(s * s + mu * mu)
    plus, times = _divided_differences(s, sq, mu)
    d1 = s / sq                                        # phi'(s)
    for i in range(5):
        for j in range(5):
            a, b = s[i], s[j]
            if a != b:
                assert np.isclose(plus[i, j], (d1[i] - d1[j]) / (a - b), rtol=1e-12)
            else:
                assert np.isclose(plus[i, j], mu * mu / sq[i] ** 3, rtol=1e-12)     # phi''(a)
            if a + b > 0:
                assert np.isclose(times[i, j], (d1[i] + d1[j]) / (a + b), rtol=1e-12)
            else:
                assert np.isclose(times[i, j], 1.0 / mu, rtol=1e-12)           # phi'(t) / t at 0


def test_blas_limit_sets_and_restores_the_thread_count():
    from threadpoolctl import threadpool_info
    from sksym._threads import blas_limit

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    with blas_limit(1):
        assert all(n == 1 for n in blas_threads())
    assert blas_threads() == before


def test_blas_limit_nests_and_restores_after_an_error():
    from threadpoolctl import threadpool_info
    from sksym._threads import blas_limit

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    with pytest.raises(RuntimeError):
        with blas_limit(1):
            with blas_limit(1):          # nothing to change, nothing to restore
                assert all(n == 1 for n in blas_threads())
            assert all(n == 1 for n in blas_threads())
            raise RuntimeError
    assert blas_threads() == before


def test_singular_values_are_those_of_scipy_svdvals():
    from sksym._linalg import _singular_values

    rng = np.random.RandomState(0)
    for shape in [(10, 11), (11, 10), (1, 7), (7, 1), (30, 3)]:
        M = rng.randn(*shape) * 10.0 ** rng.uniform(-5, 5, shape[1])
        assert np.array_equal(_singular_values(M), scipy.linalg.svdvals(M))
    assert np.array_equal(_singular_values(np.asfortranarray(M)), scipy.linalg.svdvals(M))
    assert _singular_values(np.zeros((0, 3))).shape == (0,)


def test_singular_values_fall_back_to_gesvd_when_gesdd_fails(monkeypatch):
    import sksym._linalg as linalg
    monkeypatch.setattr(linalg, "_GESDD", lambda M, compute_uv, lwork: (None, None, None, 1))
    M = np.random.RandomState(0).randn(6, 4)
    np.testing.assert_allclose(linalg._singular_values(M), scipy.linalg.svdvals(M), rtol=1e-13)


def test_newton_workspace_is_reused_and_never_shared():
    from sksym.solvers import _workspace

    with _workspace.workspace() as ws:
        a = ws.array("x", (3, 4))
        assert a.shape == (3, 4)
        assert np.shares_memory(ws.array("x", (2, 5)), a)        # same buffer, smaller view
        assert not np.shares_memory(ws.array("x", (5, 5)), a)    # grown: a new buffer
        with _workspace.workspace() as inner:                    # a solve inside a solve
            assert inner is not ws
        big = ws.array("big", (_workspace._MAX_KEPT_BYTES // 8 + 1,))
        assert not np.shares_memory(ws.array("big", big.shape), big)   # too large to keep
    with _workspace.workspace() as again:                        # given back after the block
        assert again is ws


def test_newton_repeated_solves_give_identical_results(rng):
    # the second solve runs in the buffers the first one left in the workspace
    lib, op = _operator(T(4), 4, 3)
    X = rng.uniform(-1, 1, size=(12, 4))
    theta, y = lib.transform(X), np.sin(X @ rng.normal(size=4))
    first = newton_promote(theta, y, op, exact_fit=True)
    smaller = newton_promote(theta[:8], y[:8], op, exact_fit=True)     # other shapes in between
    second = newton_promote(theta, y, op, exact_fit=True)
    np.testing.assert_array_equal(first.coef, second.coef)
    assert first.n_iter == second.n_iter and smaller.coef.shape == first.coef.shape


def test_newton_in_threads_matches_serial(rng):
    # each thread has its own workspace: concurrent solves do not share buffers
    # (a shared buffer would mix two problems' numbers). Not bit for bit: BLAS's
    # thread count is process-wide, so one thread leaving its limit can let
    # another's products run on two threads, which round differently.
    from concurrent.futures import ThreadPoolExecutor

    lib, op = _operator(T(4), 4, 3)
    problems = []
    for n in (10, 12, 14, 16):
        X = rng.uniform(-1, 1, size=(n, 4))
        problems.append((lib.transform(X), np.sin(X @ rng.normal(size=4))))
    serial = [newton_promote(theta, y, op, exact_fit=True).coef for theta, y in problems]
    with ThreadPoolExecutor(2) as pool:
        threaded = list(pool.map(lambda p: newton_promote(p[0], p[1], op, exact_fit=True).coef,
                                 problems * 3))
    for i, coef in enumerate(threaded):
        np.testing.assert_allclose(coef, serial[i % len(problems)], rtol=1e-10, atol=1e-12)


FULLY_SYMMETRIC = [
    ("|x|^2 under SO(3)", SO(3), lambda X: np.sum(X ** 2, axis=1)),
    ("1 + |x|^2 under SO(3)", SO(3), lambda X: 1.0 + np.sum(X ** 2, axis=1)),
    ("constant under SE(3)", SE(3), lambda X: np.full(X.shape[0], 3.0)),
    ("constant under T(3)", T(3), lambda X: np.full(X.shape[0], 3.0)),
]


@pytest.mark.parametrize("name, G, f", FULLY_SYMMETRIC, ids=[c[0] for c in FULLY_SYMMETRIC])
@pytest.mark.parametrize("solver", ["newton", "admm", "auto"])
@pytest.mark.parametrize("alpha", [1e-2, 1.0])
def test_targets_symmetric_under_every_candidate(name, G, f, solver, alpha, rng):
    # the optimum has nuclear norm zero (and, penalised, a zero objective up to
    # rounding): no relative accuracy to reach. Newton ran into max_iter there
    # and ADMM stopped at W = 0, far from the optimum, claiming convergence.
    lib, op = _operator(G, 3, 2)
    X = rng.uniform(-1, 1, size=(30, 3))
    theta, y = lib.transform(X), f(X)
    w_true = np.linalg.lstsq(theta, y, rcond=None)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        sol = solve_promote(theta, y, op, alpha, solver=solver)
    assert sol.converged and sol.n_iter <= 50
    np.testing.assert_allclose(sol.coef[0], w_true, atol=1e-9)
    assert abs(sol.objective) <= 1e-9 * 0.5 * np.mean(y ** 2)     # the objective of W = 0
    assert op.nuclear_norm(sol.coef) <= 1e-10


@pytest.mark.parametrize("name, G, f", FULLY_SYMMETRIC, ids=[c[0] for c in FULLY_SYMMETRIC])
@OWN_SOLVERS
def test_exact_fit_of_targets_symmetric_under_every_candidate(name, G, f, solve, rng):
    # too few samples to determine the function: the minimum-norm interpolant is
    # not symmetric, the optimum is (nuclear norm zero)
    lib, op = _operator(G, 3, 2)
    X = rng.uniform(-1, 1, size=(6, 3))
    theta, y = lib.transform(X), f(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        sol = solve(theta, y, op, exact_fit=True)
    assert sol.converged
    np.testing.assert_allclose(theta @ sol.coef[0], y, atol=1e-9)
    assert op.nuclear_norm(sol.coef) <= 1e-9


def test_admm_never_returns_a_point_worse_than_its_start(rng):
    from sksym.solvers._admm import _no_worse_than_start
    from sksym.solvers._problem import check_problem, reduce_problem

    lib, op = _operator(SE(3), 3, 2)
    X = rng.uniform(-1, 1, size=(30, 3))
    theta, y = lib.transform(X), X[:, 0] ** 2 + X[:, 1]
    good = admm_promote(theta, y, op, 0.1)
    assert good.converged
    theta2, Y2, alpha = check_problem(theta, y, op, 0.1)
    P = reduce_problem(theta2, Y2, op, alpha, False)
    start = np.linalg.lstsq(theta, y, rcond=None)[0]
    # a point ADMM might stop at when its stopping test is too loose (as it was on
    # symmetric targets): the start replaces it
    z, worse = _no_worse_than_start(P, np.full(P.n_z, 5.0), 1e-6, 1.0)
    assert worse
    np.testing.assert_allclose(P.coef(z)[0], start, atol=1e-8)
    # the solution itself, and a point within the slack, are kept
    z_good = P.to_z(good.coef)
    z, worse = _no_worse_than_start(P, z_good, 1e-6, 1.0)
    assert not worse and np.array_equal(z, z_good)


def test_badly_scaled_features():
    # inputs of size 100 and a cubic library: features from 1 to 1e6, Hessian
    # diagonals from 1 to 1e12. A shift of the mean diagonal (Newton 1e-14, ADMM
    # 1e-12 of it) moved the solution: Newton returned 0.2 where W = e_0 gives 0,
    # ADMM stopped 41% above the optimum, both claiming convergence.
    lib, op = _operator(T(2), 2, 3)
    X = 100 * np.random.RandomState(0).uniform(-1, 1, size=(1, 2))
    theta, y = lib.transform(X), np.ones(1)
    sol = newton_promote(theta, y, op, 1e9)
    assert sol.converged and promote_objective(theta, y, op, sol.coef, 1e9) <= 1e-12
    lib, op = _operator(T(3), 3, 2)
    rng = np.random.RandomState(2)
    X = 100 * rng.uniform(-1, 1, size=(9, 3))
    theta, y = lib.transform(X), rng.normal(size=9)
    ref = cvxpy_promote(theta, y, op, 1e-3).objective
    for solve in (newton_promote, admm_promote):
        sol = solve(theta, y, op, 1e-3)
        assert sol.converged
        _agree(promote_objective(theta, y, op, sol.coef, 1e-3), ref, 1e-5)


def test_admm_with_a_large_alpha_against_small_targets(rng):
    # alpha / |y| = 1e10: ADMM's residual tests passed while alpha times the
    # primal residual's nuclear norm was 6 times the objective (above W = 0's)
    lib, op = _operator(SE(3), 3, 2)
    X = rng.uniform(-1, 1, size=(20, 3))
    theta, y = lib.transform(X), 1e-8 * rng.normal(size=20)
    admm = admm_promote(theta, y, op, 100.0)
    newton = newton_promote(theta, y, op, 100.0)
    assert admm.converged and newton.converged
    zero = promote_objective(theta, y, op, np.zeros((1, 10)), 100.0)
    best = min(promote_objective(theta, y, op, s.coef, 100.0) for s in (admm, newton))
    for s in (admm, newton):
        f = promote_objective(theta, y, op, s.coef, 100.0)
        assert f <= zero and f <= best * (1 + 1e-3)


def test_newton_nearly_symmetric_exact_fit_meets_tol():
    # the optimum (1.6e-9) is 4e8 times below the start's nuclear norm: Newton
    # stopped 1e4 below its planned last smoothing level, 5.7e-4 off, claiming tol
    lib, op = _operator(T(5), 5, 2)
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(7, 5))
    theta, y = lib.transform(X), 1 + 1e-9 * rng.normal(size=7)
    sol = newton_promote(theta, y, op, exact_fit=True)
    ref = newton_promote(theta, y, op, exact_fit=True, tol=1e-12)
    assert sol.converged
    _agree(sol.objective, ref.objective, 1e-6)


def test_reported_objective_does_not_cancel():
    # targets of size 1e8 fitted almost exactly: 1/2 z^T H z - g^T z + f0 cancelled
    # to -1 (the objective is 6e-10)
    lib, op = _operator(SO(3), 3, 2)
    X = np.random.RandomState(0).uniform(-1, 1, size=(20, 3))
    theta, y = lib.transform(X), 1e8 * np.sum(X ** 2, axis=1)
    for solve in (newton_promote, admm_promote, cvxpy_promote):
        sol = solve(theta, y, op, 1e-3)
        true = promote_objective(theta, y, op, sol.coef, 1e-3)
        assert sol.objective >= 0 and abs(sol.objective - true) <= 1e-2 * true


def test_newton_stopping_test_does_not_cancel():
    # a nearly exact fit of targets of size 1e10: Newton's stopping test measured
    # the objective as 1/2 z^T H z - g^T z + f0, which cancels to rounding (about
    # eps f0, here far above the objective), and stopped after one step 3.3e-6 off
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(40, 3))
    lib = PolynomialFeatures(2).fit(X)
    op = CompressedLieOperator(LieDerivative(lib, V(SO(3)), Scalar(SO(3))))
    theta = lib.transform(X)
    y = 1e10 * (np.sum(X ** 2, axis=1) + 1e-7 * X[:, 0] * X[:, 1] + 1e-7 * X[:, 2])
    sol = newton_promote(theta, y, op, 1e-8)
    ref = newton_promote(theta, y, op, 1e-8, tol=1e-12, max_iter=2000)
    assert sol.converged
    f, f_ref = (promote_objective(theta, y, op, W, 1e-8) for W in (sol.coef, ref.coef))
    _agree(f, f_ref, 1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(40))
def test_random_problems_agree_with_clarabel(seed):
    # a seeded battery of the problems users meet (inputs in [-1, 1], as the
    # user guide asks): Newton and "auto" reach Clarabel's objective, or better
    rng = np.random.RandomState(seed)
    group = (T, SE, SO)[seed % 3]
    m = rng.randint(2, 5)
    lib, op = _operator(group(m), m, rng.randint(1, 4))
    K = lib.n_output_features_
    n = rng.randint(1, 2 * K + 1)
    X = rng.uniform(-1, 1, size=(n, m))
    kind = rng.randint(3)
    y = (rng.normal(size=n) if kind == 0 else
         np.sum(X ** 2, axis=1) + 10.0 ** rng.uniform(-9, -2) * rng.normal(size=n) if kind == 1 else
         lib.transform(X) @ rng.normal(size=K))
    exact_fit = bool(rng.randint(2))
    alpha = 10.0 ** rng.uniform(-4, 1)
    theta = lib.transform(X)
    ref = cvxpy_promote(theta, y, op, alpha, exact_fit=exact_fit)
    f_ref = promote_objective(theta, y, op, ref.coef, alpha, exact_fit)
    scale = 0.5 * np.mean(y ** 2)
    for solver in ("newton", "auto"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            sol = solve_promote(theta, y, op, alpha, exact_fit=exact_fit, solver=solver)
        f = promote_objective(theta, y, op, sol.coef, alpha, exact_fit)
        assert f - f_ref <= 1e-5 * abs(f_ref) + 1e-10 * scale, (solver, f, f_ref)
        if exact_fit:
            fitted = np.linalg.lstsq(theta, y, rcond=None)[0]
            np.testing.assert_allclose(theta @ sol.coef[0], theta @ fitted, atol=1e-8 * (1 + np.abs(y).max()))


def test_operator_kernel_is_the_invariant_functions():
    # SO(2) on quadratics: the constants and x^2 + y^2; T(3): the constants
    lib = PolynomialFeatures(2).fit(np.zeros((1, 2)))
    op = CompressedLieOperator(LieDerivative(lib, V(SO(2)), Scalar(SO(2))))
    kernel = op._kernel()                  # columns over 1, x, y, x^2, x y, y^2
    expected = np.array([[1.0, 0, 0, 0, 0, 0], [0, 0, 0, 1.0, 0, 1.0]]).T
    np.testing.assert_allclose(scipy.linalg.subspace_angles(kernel, expected), 0.0, atol=1e-10)
    assert _operator(T(3), 3, 2)[1]._kernel().shape == (10, 1)


@pytest.mark.parametrize("n, seed", [(8, 8), (12, 12), (30, 1)])
def test_exact_fit_on_an_invariant_surface(n, seed):
    # data on the unit circle: 1 - x^2 - y^2 is invariant and vanishes on them, so
    # every interpolant W0 + z (1 - x^2 - y^2) has the same objective. The solvers
    # followed that direction's rounding-level slope to |W| ~ 1e15 (Newton: an
    # objective below the optimum and residuals of order 1; ADMM: a failed Cholesky)
    t = np.random.RandomState(seed).uniform(0, 2 * np.pi, n)
    X = np.c_[np.cos(t), np.sin(t)]
    lib = PolynomialFeatures(2).fit(X)
    op = CompressedLieOperator(LieDerivative(lib, V(SO(2)), Scalar(SO(2))))
    theta, y = lib.transform(X), X[:, 0] + X[:, 1] ** 2
    optimum = op.nuclear_norm(np.linalg.lstsq(theta, y, rcond=None)[0])
    for solve in (newton_promote, admm_promote, cvxpy_promote):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sol = solve(theta, y, op, exact_fit=True)
        assert sol.converged
        np.testing.assert_allclose(sol.objective, optimum, rtol=1e-6)
        np.testing.assert_allclose(theta @ sol.coef[0], y, rtol=0, atol=1e-12)
        assert np.abs(sol.coef).max() < 10


def test_exact_fit_on_an_invariant_surface_vector_outputs():
    # equivariant vector fields on circle data: the flat directions x (1 - |x|^2) and
    # y (1 - |x|^2) mix the outputs
    t = np.random.RandomState(3).uniform(0, 2 * np.pi, 9)
    X = np.c_[np.cos(t), np.sin(t)]
    lib = PolynomialFeatures(3).fit(X)
    op = CompressedLieOperator(LieDerivative(lib, V(SO(2)), V(SO(2))))
    theta = lib.transform(X)
    Y = np.c_[X[:, 0] ** 2, X[:, 0] * X[:, 1] + 0.3]
    sols = []
    for solve in (newton_promote, admm_promote, cvxpy_promote):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sols.append(solve(theta, Y, op, exact_fit=True))
        assert sols[-1].converged
        np.testing.assert_allclose(theta @ sols[-1].coef.T, Y, rtol=0, atol=1e-12)
    np.testing.assert_allclose([s.objective for s in sols], sols[2].objective, rtol=1e-6)


@pytest.mark.parametrize("shape", [(7, 3), (2, 5)])
def test_right_singular_vectors_of_tall_and_wide_matrices(shape, rng):
    from sksym.solvers._nuclear import _right_singular
    A = rng.normal(size=shape)
    sv, vt = _right_singular(A)
    assert sv.shape == (shape[1],) and vt.shape == (shape[1], shape[1])
    np.testing.assert_allclose(vt @ vt.T, np.eye(shape[1]), atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(A @ vt.T, axis=0), sv, atol=1e-12)


@pytest.mark.parametrize("exact_fit", [False, True])
def test_cvxpy_is_accurate_in_any_units(exact_fit, rng):
    # the same problem in other units: W scales by s, the objective by s^2
    # (penalised) or s. Clarabel's absolute tolerances left it 39% off at s = 1e-8
    op = CompressedLieOperator.from_tensor(rng.normal(size=(3, 4, 5)))
    theta, y = rng.normal(size=(3, 5)), rng.normal(size=3)
    ref = newton_promote(theta, y, op, 0.1, exact_fit=exact_fit, tol=1e-10)
    for s in (1e-8, 1e4):
        sol = cvxpy_promote(theta, s * y, op, 0.1 * s, exact_fit=exact_fit)
        assert sol.converged
        np.testing.assert_allclose(sol.objective, ref.objective * (s if exact_fit else s * s), rtol=1e-6)
        np.testing.assert_allclose(sol.objective, promote_objective(theta, s * y, op, sol.coef, 0.1 * s,
                                                                    exact_fit), rtol=1e-12)
        np.testing.assert_allclose(sol.coef, s * ref.coef, rtol=0, atol=1e-3 * s * np.abs(ref.coef).max())


def test_cvxpy_solver_failures_are_runtime_errors(monkeypatch, rng):
    # Clarabel's Rust panics (e.g. at alpha = 1e300) are BaseExceptions, which
    # escaped `except Exception` in user code
    import cvxpy

    class Panic(BaseException):
        pass

    def solve(*args, **kwargs):
        raise Panic("Eigval error")

    monkeypatch.setattr(cvxpy.Problem, "solve", solve)
    op = CompressedLieOperator.from_tensor(rng.normal(size=(3, 4, 5)))
    with pytest.raises(RuntimeError, match="CLARABEL failed: Panic: Eigval error"):
        cvxpy_promote(rng.normal(size=(3, 5)), rng.normal(size=3), op, 0.1)


@pytest.mark.parametrize("name", ["Y", "theta"])
def test_admm_names_inputs_too_large_for_it(name, rng):
    # targets of 1e200 overflowed ADMM's squared norms: rho = 0 and an error about a
    # "threshold" the user never passed
    op = CompressedLieOperator.from_tensor(rng.normal(size=(3, 4, 5)))
    theta, y = rng.normal(size=(3, 5)), rng.normal(size=3)
    if name == "Y":
        y = y * 1e200
    else:
        theta = theta * 1e200
    with pytest.raises(ValueError, match=f"{name} has entries of size .*e\\+(199|200)"):
        admm_promote(theta, y, op, exact_fit=True)
    if name == "Y":                  # Newton rescales the targets
        assert newton_promote(theta, y, op, exact_fit=True).converged


def test_from_tensor_and_matrix_validate_their_input(rng):
    with pytest.raises(TypeError, match="tensor must be real"):
        CompressedLieOperator.from_tensor(1j * np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="lie_algebra must have shape .* q = 2"):
        CompressedLieOperator.from_tensor(np.ones((2, 3, 4)), lie_algebra=np.zeros((5, 2, 2)))
    op = CompressedLieOperator.from_tensor(np.ones((2, 3, 4)), n_outputs=np.int64(2))
    assert type(op.n_outputs) is int and type(op.n_library_features) is int
    with pytest.raises(ValueError, match="W must be finite"):
        op.nuclear_norm(np.full(4, np.nan))
    with pytest.raises(ValueError, match=r"Y must have shape .* n_samples = 3; got \(6,\)"):
        newton_promote(rng.normal(size=(3, 2)), np.zeros(6), op)


def test_box_measure_is_exact_and_a_property_of_the_function():
    # x0^2: along the translation e_0, L F = 2 x0 and E[(2 x0)^2] = 4/3 on [-1, 1]^2;
    # along the rotation J / sqrt(2), L F = -sqrt(2) x0 x1 and E[2 x0^2 x1^2] = 2/9
    lib = PolynomialFeatures(2).fit(np.zeros((1, 2)))
    W = np.array([0, 0, 0, 1.0, 0, 0])
    op = CompressedLieOperator(LieDerivative(lib, V(T(2)), Scalar(T(2))), measure="box")
    np.testing.assert_allclose(np.linalg.norm(op.matrix(W), axis=0), [2 / np.sqrt(3), 0], atol=1e-14)
    op = CompressedLieOperator(LieDerivative(lib, V(SO(2)), Scalar(SO(2))), measure="box")
    np.testing.assert_allclose(np.linalg.norm(op.matrix(W), axis=0), [np.sqrt(2) / 3], atol=1e-14)
    # the same function in libraries of degree 2-4, operators from other points: one norm
    norms = []
    for degree, seed in ((2, 0), (3, 1), (4, 2)):
        lib = PolynomialFeatures(degree).fit(np.zeros((1, 3)))
        names = list(lib.get_feature_names_out(["a", "b", "c"]))
        W = np.zeros(len(names))
        W[[names.index("a^2"), names.index("b^2"), names.index("c")]] = 1.0, 1.0, 0.5
        ld = LieDerivative(lib, V(SE(3)), Scalar(SE(3)), random_state=seed)
        norms.append(CompressedLieOperator(ld, measure="box").nuclear_norm(W))
    np.testing.assert_allclose(norms, norms[0], rtol=1e-12)
    with pytest.raises(ValueError, match="measure must be 'points' or 'box'"):
        CompressedLieOperator(ld, measure="lebesgue")
    # x^28 along the translation of T(1): E[(28 x^27)^2] = 28^2 / 55 (the moments of degree 28
    # are indefinite to rounding: Cholesky failed there)
    lib = PolynomialFeatures(28).fit(np.zeros((1, 1)))
    op = CompressedLieOperator(LieDerivative(lib, V(T(1)), Scalar(T(1))), measure="box")
    np.testing.assert_allclose(op.nuclear_norm(np.eye(29)[28]), 28 / np.sqrt(55), rtol=1e-10)
    from sklearn.preprocessing import SplineTransformer
    spline = SplineTransformer(n_knots=3, degree=2).fit(np.random.RandomState(0).uniform(-1, 1, (20, 2)))
    ld = LieDerivative(spline, V(SO(2)), Scalar(SO(2)), points=np.random.RandomState(1).uniform(-1, 1, (30, 2)))
    with pytest.raises(ValueError, match="measure='box' needs the exact coefficient maps"):
        CompressedLieOperator(ld, measure="box")


def test_box_measure_on_given_bounds():
    # x0^2 on [1, 3] x [-2, 0]: along e_0, L F = 2 x0, E[4 x0^2] = 4 (27 - 1) / 6 = 52/3;
    # along e_1 zero. x0 x1^2: L_0 F = x1^2, E[x1^4] = 32/10 / 2 = 16/5
    lib = PolynomialFeatures(3).fit(np.zeros((1, 2)))
    names = list(lib.get_feature_names_out(["a", "b"]))
    ld = LieDerivative(lib, V(T(2)), Scalar(T(2)))
    op = CompressedLieOperator(ld, measure="box", bounds=([1.0, -2.0], [3.0, 0.0]))
    W = np.zeros(len(names))
    W[names.index("a^2")] = 1.0
    np.testing.assert_allclose(np.linalg.norm(op.matrix(W), axis=0), [np.sqrt(52 / 3), 0], rtol=1e-12)
    W = np.zeros(len(names))
    W[names.index("a b^2")] = 1.0
    np.testing.assert_allclose(np.linalg.norm(op.matrix(W), axis=0)[0], np.sqrt(16 / 5), rtol=1e-12)
    # [-1, 1]^d is the default; a box far from the origin stays exact (1e4 + [0, 1]:
    # the moments in x itself would be conditioned like 1e32)
    rng = np.random.RandomState(0)
    W = rng.normal(size=len(names))
    default = CompressedLieOperator(ld, measure="box").nuclear_norm(W)
    unit = CompressedLieOperator(ld, measure="box", bounds=(-np.ones(2), np.ones(2))).nuclear_norm(W)
    np.testing.assert_allclose(unit, default, rtol=1e-13)
    # any cubic on a box far from the origin against Gauss-Legendre quadrature of its
    # derivatives (exact for these degrees)
    nodes, weights = np.polynomial.legendre.leggauss(4)
    powers = lib.powers_
    for c, h in ((np.array([1e4, -3e3]), np.array([0.5, 2.0])), (np.array([0.3, 0.0]), np.array([1.0, 3.0]))):
        Xq = c + h * np.stack(np.meshgrid(nodes, nodes, indexing="ij"), -1).reshape(-1, 2)
        wq = np.outer(weights, weights).ravel() / 4
        norms = []
        for j in range(2):
            e = np.eye(2, dtype=int)[j]
            dmono = powers[:, j] * np.prod(Xq[:, None, :] ** np.maximum(powers - e, 0), axis=2)
            norms.append(np.sqrt(wq @ (dmono @ W) ** 2))
        op = CompressedLieOperator(ld, measure="box", bounds=(c - h, c + h))
        np.testing.assert_allclose(np.linalg.norm(op.matrix(W), axis=0), norms, rtol=1e-9)
    for bad, match in ((([0, 0], [1, 1, 1]), "shape"), (([0, 0], [1, 0]), "high > low"),
                       (([0, np.nan], [1, 1]), "finite"), ("box", "pair")):
        with pytest.raises(ValueError, match=match):
            CompressedLieOperator(ld, measure="box", bounds=bad)
    with pytest.raises(ValueError, match="bounds set the box of measure='box'"):
        CompressedLieOperator(ld, bounds=([0, 0], [1, 1]))


@pytest.mark.parametrize("case", ["near a circle", "unscaled inputs"])
def test_directions_that_are_not_flat_are_kept(case, monkeypatch):
    # 1 - r^2 and r^2 (1 - r^2) are tiny on points 1e-12 off the unit circle, but
    # not in the null space of theta: removing their projections on it raised the
    # optimum by 7% (0.7736 against 0.7208). With inputs of size 300, the constant
    # looked flat against the norm of theta's degree-4 columns
    rs = np.random.RandomState(0)
    if case == "near a circle":
        t, r = rs.uniform(0, 2 * np.pi, 12), 1 + 1e-12 * rs.normal(size=12)
        X = np.c_[r * np.cos(t), r * np.sin(t)]
        y = X[:, 0] + X[:, 1] ** 2 + 0.3 * X[:, 0] ** 3
    else:
        X = 300 * rs.uniform(-1, 1, (10, 2))
        y = 1 + X[:, 0] / 300 + (X[:, 1] / 300) ** 2
    lib = PolynomialFeatures(4).fit(X)
    theta = lib.transform(X)
    op = CompressedLieOperator(LieDerivative(lib, V(SO(2)), Scalar(SO(2))))
    sols = [solve(theta, y, op, exact_fit=True) for solve in (newton_promote, cvxpy_promote)]
    # the reference: the same solves with no direction removed (none is flat here)
    import sksym.solvers._problem as problem
    monkeypatch.setattr(problem, "_flat_coordinates", lambda P, theta: np.zeros((P.n_z, 0)))
    reference = newton_promote(theta, y, op, exact_fit=True, tol=1e-10).objective
    for sol in sols:
        assert sol.converged
        np.testing.assert_allclose(sol.objective, reference, rtol=1e-5)
        np.testing.assert_allclose(theta @ sol.coef[0], y, rtol=0, atol=1e-6 * np.abs(y).max())


def test_flat_directions_on_columns_that_vanish_on_the_data():
    # a third, invariant input that is 0 on every sample: its columns of theta are
    # zero, and the scaled pre-test divided by their norm (1e-300): 1 - r^2 was
    # missed, Newton drifted to |W| ~ 3e20 and ADMM failed (found by review)
    t = np.random.RandomState(2).uniform(0, 2 * np.pi, 9)
    X = np.c_[np.cos(t), np.sin(t), np.zeros(9)]
    lib = PolynomialFeatures(4).fit(X)
    theta, y = lib.transform(X), X[:, 0] + X[:, 1] ** 2
    op = CompressedLieOperator(LieDerivative(lib, (V + Scalar)(SO(2)), Scalar(SO(2))))
    objectives = []
    for solve in (newton_promote, admm_promote, cvxpy_promote):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sol = solve(theta, y, op, exact_fit=True)
        assert sol.converged and np.abs(sol.coef).max() < 10
        np.testing.assert_allclose(theta @ sol.coef[0], y, rtol=0, atol=1e-12)
        objectives.append(sol.objective)
    np.testing.assert_allclose(objectives, objectives[2], rtol=1e-6)


def test_operator_kernel_does_not_depend_on_the_points_scale():
    # points of size 1e3, degree 5: the columns' norms span 1e15, and an unscaled
    # threshold took x, y and an xy-like form for invariants
    lib = PolynomialFeatures(5).fit(np.zeros((1, 2)))
    for scale in (1.0, 1e3):
        pts = scale * np.random.RandomState(1).uniform(-1, 1, (80, 2))
        op = CompressedLieOperator(LieDerivative(lib, V(SO(2)), Scalar(SO(2)), points=pts))
        assert op._kernel().shape == (21, 3)              # 1, r^2, r^4


def test_large_operators_are_not_checked_for_flat_directions(monkeypatch):
    import sksym.solvers._problem as problem
    t = np.random.RandomState(8).uniform(0, 2 * np.pi, 8)
    X = np.c_[np.cos(t), np.sin(t)]
    lib = PolynomialFeatures(2).fit(X)
    theta, y = lib.transform(X), X[:, 0] + X[:, 1] ** 2
    op = CompressedLieOperator(LieDerivative(lib, V(SO(2)), Scalar(SO(2))))
    assert problem.reduce_problem(theta, y[:, None], op, 1.0, True).B is not None
    monkeypatch.setattr(problem, "_FLAT_MAX_COEFFICIENTS", 5)       # this operator has 6
    assert problem.reduce_problem(theta, y[:, None], op, 1.0, True).B is None


@pytest.mark.parametrize("seed", [11, 28, 3, 5])
def test_newton_exact_fit_on_an_ill_conditioned_operator(seed):
    # operator columns of sizes 1e-5..1e5 make C = A N (N the null space of theta)
    # nearly rank deficient: Newton's Hessian lost the direction that cancels most
    # of c, and its certificate, which assumed C^T Y = 0 from an inaccurate Newton
    # system, claimed 654.6 to tol where the optimum is 0.064 (seed 11). The
    # residual of that system is now checked, and such problems are solved again
    # over an orthonormal basis of C's range, with the dual projected exactly
    rng = np.random.RandomState(seed)
    q, r, K, p, n = (3, 3, 8, 2, 4) if seed == 11 else (2, 3, 6, 2, 3) if seed == 28 else (5, 6, 14, 3, 5)
    A = rng.randn(q, r, K * p) * 10.0 ** rng.uniform(-5, 5, K * p)
    op = CompressedLieOperator.from_tensor(A, n_outputs=p)
    theta, Y = rng.randn(n, K), rng.randn(n, p)
    ours = newton_promote(theta, Y, op, exact_fit=True)
    ref = cvxpy_promote(theta, Y, op, exact_fit=True, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    assert ours.converged
    assert ours.objective <= ref.objective * (1 + 1e-6)
    np.testing.assert_allclose(theta @ ours.coef.T, Y, rtol=0, atol=1e-9)


def test_newton_penalised_with_badly_scaled_theta_columns():
    # theta's columns scaled by 1e-6..1e6: the data term's rounding floor paired
    # the largest column with the largest coefficient (which sits on the smallest
    # column) and accepted a point 1.1e-5 above the optimum at tol=1e-6 and 1e-10;
    # the floor is now taken entry by entry
    rng = np.random.RandomState(38)
    n = rng.randint(12, 30)
    X = rng.uniform(-1, 1, (n, 3))
    lib = PolynomialFeatures(2).fit(X)
    op = CompressedLieOperator(LieDerivative(lib, V(T(3)), Scalar(T(3))))
    theta = lib.transform(X) * 10.0 ** rng.uniform(-6, 6, 10)
    y = np.sin(X.sum(1)) + 0.1 * rng.randn(n)
    alpha = 10.0 ** rng.uniform(-4, 0)
    ref = cvxpy_promote(theta, y, op, alpha, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    best = promote_objective(theta, y, op, ref.coef, alpha)
    for tol in (1e-6, 1e-10):
        sol = newton_promote(theta, y, op, alpha, tol=tol)
        assert sol.converged
        assert promote_objective(theta, y, op, sol.coef, alpha) - best <= 2 * tol * best


def test_promote_objective_checks_its_arguments(rng):
    # it did no checks: exact_fit="no" (truthy) dropped the data term, a negative
    # or NaN alpha was used as given, W of shape (2, 5) for a (1, 10) operator
    # was reshaped, and a wrong theta failed inside numpy's matmul
    lib, op = _operator(T(3), 3, 2)
    X = rng.uniform(-1, 1, size=(7, 3))
    theta, y, W = lib.transform(X), np.sin(X.sum(axis=1)), np.ones((1, 10))
    value = promote_objective(theta, y, op, W, 0.1)
    assert promote_objective(theta, y, op, W[0], 0.1) == value
    assert promote_objective(theta, y, op, W, 0.1, exact_fit=True) == pytest.approx(op.nuclear_norm(W))
    for kwargs, error, match in [
        (dict(exact_fit="no"), TypeError, "exact_fit must be True or False"),
        (dict(alpha=-1.0), ValueError, "alpha must be a non-negative finite float"),
        (dict(alpha=np.nan), ValueError, "alpha must be a non-negative finite float"),
        (dict(W=np.ones((2, 5))), ValueError, r"W must have shape \(n_outputs, n_library_features\) = \(1, 10\)"),
        (dict(theta=theta[:, :4]), ValueError, "theta has 4 features"),
        (dict(operator=None), TypeError, "operator must be a CompressedLieOperator"),
    ]:
        args = dict(theta=theta, Y=y, operator=op, W=W, alpha=0.1) | kwargs
        with pytest.raises(error, match=match):
            promote_objective(**args)


@pytest.mark.parametrize("solve", [solve_promote, newton_promote, admm_promote, cvxpy_promote])
def test_solvers_name_bad_arrays_and_operators(solve, rng):
    lib, op = _operator(T(3), 3, 2)
    X = rng.uniform(-1, 1, size=(7, 3))
    theta, y = lib.transform(X), np.sin(X.sum(axis=1))
    # solve_promote read the LieDerivative's missing .rank before any check
    with pytest.raises(TypeError, match="operator must be a CompressedLieOperator; got LieDerivative"):
        solve(theta, y, LieDerivative(lib, V(T(3)), Scalar(T(3))))
    with pytest.raises(TypeError, match=r"theta must be an array of real numbers .*got str"):
        solve("abc", y, op)
    with pytest.raises(TypeError, match=r"theta must be an array of real numbers .*got list"):
        solve([[1.0, 2.0], [3.0]], y, op)          # ragged
    with pytest.raises(TypeError, match=r"Y must be an array of real numbers"):
        solve(theta, "y", op)


def test_cvxpy_names_the_options_it_rejects(rng):
    lib, op = _operator(T(3), 3, 2)
    X = rng.uniform(-1, 1, size=(7, 3))
    with pytest.raises(TypeError, match=r"CLARABEL rejected the solver options \['tol'\]"):
        cvxpy_promote(lib.transform(X), X[:, 0], op, tol=0)


def test_newton_recovers_from_a_far_warm_start(rng):
    # coefficients of 1e8 as the start of an exact fit: the steps stalled at 1e8
    # times the optimum (not converged); Newton now starts again from the cold start
    X = rng.uniform(-1, 1, size=(12, 3))
    lib = PolynomialFeatures(3).fit(X)
    op = CompressedLieOperator(LieDerivative(lib, V(SE(3)), Scalar(SE(3))))
    theta, y = lib.transform(X), np.sin(X.sum(axis=1)) + 0.05 * rng.normal(size=12)
    cold = newton_promote(theta, y, op, exact_fit=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warm = newton_promote(theta, y, op, exact_fit=True, warm_start=np.full(20, 1e8))
    assert warm.converged
    assert warm.objective <= cold.objective * (1 + 1e-6)


def test_newton_warns_when_the_objective_overflows(rng):
    lib, op = _operator(T(3), 3, 2)
    X = rng.uniform(-1, 1, size=(12, 3))
    theta, y = lib.transform(X), 1e200 * np.sin(X.sum(axis=1))
    with pytest.warns(RuntimeWarning, match="objective of the solution overflows"):
        sol = newton_promote(theta, y, op, 1e197)
    assert np.all(np.isfinite(sol.coef)) and not np.isfinite(sol.objective)


@pytest.mark.parametrize("exact_fit", [True, False])
def test_newton_starts_from_the_warm_start(exact_fit, rng, monkeypatch):
    # the unknowns are scaled inside Newton: the warm start must be scaled too (the
    # exact fit's was not, and its first iterate was not the start given)
    import sksym.solvers._newton as newton_module
    X = rng.uniform(-1, 1, (12, 3))
    lib = PolynomialFeatures(3).fit(X)
    op = CompressedLieOperator(LieDerivative(lib, V(SE(3)), Scalar(SE(3))))
    theta, y = lib.transform(X), np.sin(X.sum(axis=1)) + 0.05 * rng.normal(size=12)
    cold = newton_promote(theta, y, op, 1e-2, exact_fit=exact_fit)
    first = []
    hessian = newton_module._SmoothedHessian.__call__

    def record(self, U, s, Vt, sq, mu):
        if not first:
            first.append(s.copy())
        return hessian(self, U, s, Vt, sq, mu)

    monkeypatch.setattr(newton_module._SmoothedHessian, "__call__", record)
    newton_promote(theta, y, op, 1e-2, exact_fit=exact_fit, warm_start=cold)
    expected = np.linalg.svd(op.matrix(cold.coef), compute_uv=False)
    scale = np.max(np.abs(y))           # Newton solves for targets of largest size 1
    np.testing.assert_allclose(np.sort(first[0])[::-1] * scale, expected[:first[0].size], rtol=1e-6,
                               atol=1e-9 * expected[0])


def test_newton_penalised_on_badly_scaled_operators():
    # the least-squares start was computed in the scaled coordinates, where
    # cond=1e-12 truncated a Hessian of condition 4e18: a start with H z != g,
    # which the certificate's data term assumes, let a point at 1.08 pass where
    # the optimum is 0.277 (seed 698)
    theta, y, op, alpha, _ = scaled_problem(698)
    ref = cvxpy_promote(theta, y, op, alpha, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    best = promote_objective(theta, y, op, ref.coef, alpha)
    sol = newton_promote(theta, y, op, alpha, tol=1e-6)
    assert sol.converged
    assert promote_objective(theta, y, op, sol.coef, alpha) <= best * (1 + 1e-6)


@pytest.mark.parametrize("seed", [254, 2192, 2356, 2819])
def test_newton_penalised_certificate_holds_on_badly_scaled_theta(seed):
    # theta's columns scaled by 1e-5..1e5: the certificate assumed that the Newton
    # step met the linear optimality condition exactly, and with an inaccurate
    # Newton system points above the optimum were certified (7 of 3000 seeds:
    # seed 254 2.3% above it after one step, seed 2819 9.9%). The data dual and
    # the nuclear norm's are now corrected jointly onto that condition, so a
    # converged solution is within tol; where the steps stall on the inaccurate
    # system (seed 2819, 2.2e-4 above the optimum), the problem is solved again
    # in coordinates where [A; alpha C] is orthonormal
    theta, y, op, alpha, _ = scaled_problem(seed, theta_decades=5)
    ref = cvxpy_promote(theta, y, op, alpha, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    best = promote_objective(theta, y, op, ref.coef, alpha)
    sol = newton_promote(theta, y, op, alpha, tol=1e-6)
    assert sol.converged
    assert promote_objective(theta, y, op, sol.coef, alpha) <= best * (1 + 2e-6)


def _assert_newton_certified_within_tol(theta, y, op, alpha, tol=1e-6):
    """Newton at ``tol`` converges, within ``2 tol`` of cvxpy + Clarabel's optimum
    at 1e-12 (or below it); returns both solutions."""
    ref = cvxpy_promote(theta, y, op, alpha, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    sol = newton_promote(theta, y, op, alpha, tol=tol)
    f, best = (promote_objective(theta, y, op, W, alpha) for W in (sol.coef, ref.coef))
    assert sol.converged
    assert f <= min(best, f) * (1 + 2 * tol)
    return sol, ref


def test_newton_penalised_certificate_when_the_optimum_is_far_larger_than_the_start():
    # two columns of theta of size 1e-6: the optimum has coefficients of 1e6 on them,
    # the start and the certified point 1e-3. The certificate corrected its duals
    # only when the condition's residual times |z| (the current point's size)
    # exceeded a tenth of the tolerance, and <residual, z* - z> is what counts:
    # a point 3.6 times the optimum was certified (alpha 448.5). It corrects always
    theta, y, op, _, _ = scaled_problem(2273, theta_decades=7)
    alpha = 448.5
    _assert_newton_certified_within_tol(theta, y, op, alpha)


@pytest.mark.parametrize("n, decades, gram, qr", [
    (40, 0, True, False),     # tall, well conditioned: theta's factor from its Gram matrix
    (40, 0, False, True),     # tall, no Gram matrix given: a QR factorisation
    (40, 6, True, True),      # tall, columns of 1e-6..1e6 with a nearly dependent pair: QR
    (6, 0, True, True),       # wide: QR
])
def test_data_dual_correction_meets_its_condition(n, decades, gram, qr, rng, monkeypatch):
    # the certificate's corrected duals satisfy A^T lam = alpha C^T y to rounding,
    # whichever factor of theta the correction used (the Gram matrix's Cholesky
    # factor has an error of eps cond^2, and on the nearly dependent pair the QR
    # path left 4e-11 of the terms: a second correction removes both)
    import sksym.solvers._newton as newton_module
    factored = []
    r_factor = newton_module._r_factor
    monkeypatch.setattr(newton_module, "_r_factor", lambda M: factored.append(M.shape) or r_factor(M))
    K, n_out, q, r = 10, 2, 3, 7
    theta = rng.normal(size=(n, K))
    if decades:
        theta[:, 1] = theta[:, 0] + 1e-7 * rng.normal(size=n)
        theta *= 10.0 ** rng.uniform(-decades, decades, K)
    T = theta / np.sqrt(n)
    C2 = rng.normal(size=(q * r, n_out * K))
    d = np.sqrt(np.einsum("ij,ij->j", C2, C2))
    C2 /= d
    alpha = 0.3
    dual = newton_module._DataDual(T, rng.normal(size=(n, n_out)), d, C2, alpha,
                                   gram=(lambda: T.T @ T) if gram else None)
    lam1, y = rng.normal(size=(n, n_out)), rng.normal(size=q * r)
    lam, y2 = dual.feasible(lam1, y)
    assert ((n, K) in factored) == qr
    residual = dual._data_adjoint(lam) - alpha * (C2.T @ y2)
    terms = np.abs(dual._data_adjoint(np.abs(lam))) + alpha * (np.abs(C2).T @ np.abs(y2))
    assert np.max(np.abs(residual) / terms) < 1e-12
    assert np.max(np.abs(dual._data_adjoint(lam1) - alpha * (C2.T @ y))) > 1e-3   # it was not met


def test_newton_penalised_with_a_repeated_column():
    # a column of theta repeated, with the operator's column: the direction that
    # changes the two coefficients in opposite ways moves neither term. The QR
    # factor of the certificate's correction kept it (rank decided at 1e-300 of the
    # largest pivot), and the solve in orthonormal coordinates moved along its
    # rounding to coefficients of 2e16: a point 1.5 times the optimum was certified
    theta, y, op, alpha, _ = scaled_problem(2731, theta_decades=3)
    theta = theta.copy()
    theta[:, 6] = theta[:, 3]
    tensor = op.tensor.copy()
    K = theta.shape[1]
    for o in range(op.n_outputs):
        tensor[:, :, o * K + 6] = tensor[:, :, o * K + 3]
    op = CompressedLieOperator.from_tensor(tensor, n_outputs=op.n_outputs)
    sol, ref = _assert_newton_certified_within_tol(theta, y, op, alpha)
    assert np.max(np.abs(sol.coef)) < 1e3 * np.max(np.abs(ref.coef))


def test_newton_penalised_with_nearly_repeated_columns():
    # columns 1 and 2 of theta and of the operator equal to 1e-13: the correction
    # along that direction divided the rounding of the condition's residual by its
    # size (1e-14 of the columns), which made the residual worse (to 4.5), and
    # the solve in orthonormal coordinates went to coefficients of 3e16: a point
    # 870 times the optimum was certified (found by review). Directions below
    # 1e-13 of the columns are now left out of the correction
    theta = np.array([[0.22588821926453062, -0.1598830804739934, -0.15988308047399455],
                      [0.6692074511533355, 0.9086968526499443, 0.9086968526499403],
                      [0.29231343656103914, 0.5470737298632337, 0.5470737298632323]])
    y = np.array([1.53508591929875, 0.6853935086079216, -1.3096829415225826])
    tensor = np.array([
        [[12149.60649757822, -0.16520828134296664, -0.16520828134296028],
         [22915.410820078956, -0.15567768780845603, -0.1556776878084598],
         [36978.32178446843, 0.8218399005824161, 0.8218399005823699],
         [-7596.618271441659, 0.16182473587907834, 0.16182473587907972]],
        [[-32854.901763070695, -0.03109333220679058, -0.03109333220678696],
         [14495.450736426445, 0.10606376621064792, 0.10606376621064942],
         [25208.342191641514, 0.1116870140413172, 0.11168701404132281],
         [49718.55850619555, 0.6016143018151524, 0.6016143018152144]]])
    op = CompressedLieOperator.from_tensor(tensor)
    alpha = 1.741636823800655e-05
    sol, _ = _assert_newton_certified_within_tol(theta, y, op, alpha)
    assert np.max(np.abs(sol.coef)) < 1e3


def test_newton_does_not_return_a_start_that_misses_the_data():
    # theta's columns from 4e-7 to 2e6 and one live operator column: the least-squares
    # start (lstsq on H, cond 1e25, truncated at 1e-12) missed the data, and its
    # X was below the rounding level, so it was returned as optimal at step 0
    # (0.235 where the optimum is 8e-26; found by review). The start is now
    # returned only if it minimises the data term to rounding
    theta = np.array([[-3.004399187189604e-07, 0.0003041417442809137, -2.722917213035488e-06, 1504939.817240972, -0.028396899101040176, -3.295533570221823e-08],
                      [5.9356704263181334e-08, 0.0002060128516644711, 3.930827313225716e-07, -2195820.053284138, -0.08550790907121404, 3.213651840462011e-07],
                      [-2.655528581093772e-07, 0.0001306489989080905, -3.716168742371425e-07, -453620.111626907, -0.036934214325986627, -7.461861885396802e-08]])
    y = np.array([-0.0025735109186024794, -1.6736453411498649, 0.49052076443477494])
    tensor = np.zeros((4, 7, 6))
    tensor[:, :, 5] = np.array([[-6.68082886759179e-05, 4.704634434766521e-05, -0.0001751435454640613, -9.220597947126682e-05, 0.00041943299488399124, 0.00012638253230678293, 6.644939439031439e-05],
                       [0.00012722751349716663, -0.00011725790534144563, 0.00037112166810516546, 0.00015363410678779807, 4.1515618508263087e-07, -8.453680774299551e-06, -0.0004257284519804736],
                       [-0.0001444208054372608, -0.00014157671452775443, -0.0004715359473461296, 1.992626828840593e-05, 6.0954736049811825e-05, -7.765123224626642e-06, 0.0001890512403366339],
                       [0.00014271746715643097, -0.00024050580161392833, -0.00012846509042092593, -2.6156795468869558e-05, -4.739834414168084e-06, -0.000368956574426599, 0.00011804719147988618]])
    op = CompressedLieOperator.from_tensor(tensor)
    alpha = 0.24513619424257596
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sol = newton_promote(theta, y, op, alpha, tol=1e-6)
    assert sol.n_iter > 0
    assert promote_objective(theta, y, op, sol.coef, alpha) < 1e-12


@pytest.mark.parametrize("seed", [14, 98, 296])
def test_newton_rounding_floor_is_that_of_the_current_point(seed):
    # with a large alpha the least-squares start is far above the optimum, and the
    # rounding floor of the singular values taken there accepted points above the
    # optimum (seed 296: 53 times it); the floor is now that of the current point
    theta, y, op, _, _ = scaled_problem(seed, theta_decades=7)
    alpha = 1e6
    _assert_newton_certified_within_tol(theta, y, op, alpha)


@pytest.mark.parametrize("seed", [254, 2819])
def test_penalised_certificate_bounds_the_error_on_badly_scaled_theta(seed, monkeypatch):
    # every gap computed is a bound, also where the Newton system is inaccurate
    # (the corrected duals; seed 254 claimed 1.8e-11 where the error was 4.6e-4)
    import sksym.solvers._newton as newton_module
    from sksym.solvers._problem import reduce_problem, target_scale
    theta, y, op, alpha, _ = scaled_problem(seed, theta_decades=5)
    scale = target_scale(y, alpha, False)
    P = reduce_problem(theta, y / scale, op, alpha / scale, False, basis="pivoted")
    ref = cvxpy_promote(theta, y, op, alpha, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    f_star = P.objective(P.to_z(ref.coef / scale))
    seen = _record_penalised_gaps(P, monkeypatch)
    assert newton_module._newton_or_retry(P, 1e-6, 200, None, None)[2]   # (solved again in orthonormal coordinates)
    assert seen
    f_star = min([f_star] + [f for f, _ in seen])
    for f, gap in seen:          # (where seed 2819 stalls, the gap is the error to 1e-10)
        assert f - f_star <= gap + 1e-9 * f_star


@pytest.mark.parametrize("seed", [30, 63])
def test_newton_ignores_a_warm_start_worse_than_its_cold_start(seed):
    # coefficients of 1e8 where theta has a null space: the iterates grew to 1e16,
    # where nothing is computed accurately, and points above the optimum were
    # certified (seed 30: 3.45 against 2.03; 38 of 600 seeds)
    theta, y, op, alpha, far = scaled_problem(seed)
    cold = newton_promote(theta, y, op, alpha)
    warm = newton_promote(theta, y, op, alpha, warm_start=far)
    assert warm.converged
    f_cold, f_warm = (promote_objective(theta, y, op, s.coef, alpha) for s in (cold, warm))
    assert f_warm <= f_cold * (1 + 1e-6) + 1e-12 * np.sum(y ** 2)
