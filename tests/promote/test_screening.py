"""The fully symmetric fit, and the penalties at which the solvers return it exactly."""

import warnings

import numpy as np
import pytest
import scipy.linalg
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import PolynomialFeatures

from sksym.groups import SO, Group
from sksym.lie import LieDerivative
from sksym.linear_model import SymmetryPromotingRegressor
from sksym.reps import Scalar, V
from sksym.solvers import (CompressedLieOperator, admm_promote, cvxpy_promote, newton_promote,
                           promote_objective, solve_promote)
from sksym.solvers import _screening
from sksym.solvers._screening import screen_symmetric, symmetric_fit

OWN_SOLVERS = pytest.mark.parametrize("solve", [admm_promote, newton_promote, solve_promote],
                                      ids=["admm", "newton", "solve_promote"])


def _broken_rotation(n=40, seed=0):
    """A rotation-invariant bowl plus a tilt that breaks SO(2), with noise."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    y = X[:, 0] ** 2 + X[:, 1] ** 2 + 0.3 * X[:, 0] + 0.05 * rng.normal(size=n)
    lib = PolynomialFeatures(2).fit(X)
    op = CompressedLieOperator(LieDerivative(lib, V(SO(2)), Scalar(SO(2))))
    return X, y, lib.transform(X), op


def _bowl_fit(X, y):
    """The least-squares fit by 1 and |x|^2 (the invariants of degree <= 2), as
    coefficients of [1, x0, x1, x0^2, x0 x1, x1^2]."""
    c = np.linalg.lstsq(np.column_stack([np.ones(len(X)), np.sum(X ** 2, axis=1)]), y, rcond=None)[0]
    return np.array([c[0], 0.0, 0.0, c[1], 0.0, c[1]])


def test_symmetric_fit_is_the_least_squares_fit_among_invariant_models():
    X, y, theta, op = _broken_rotation()
    W, dual = symmetric_fit(theta, y[:, None], op)
    np.testing.assert_allclose(W[0], _bowl_fit(X, y), atol=1e-12)
    # the dual cancels the data term's gradient through the operator's adjoint
    g = -(theta.T @ (y - theta @ W[0])) / len(y)
    np.testing.assert_allclose(op._adjoint(dual), -g, atol=1e-12 * np.linalg.norm(g))


def test_the_certificate_is_the_optimality_condition():
    # just above the certified penalty the reference solver finds the same model;
    # well below it the optimum breaks the symmetry (a lower objective)
    X, y, theta, op = _broken_rotation()
    W, dual = symmetric_fit(theta, y[:, None], op)
    bound = float(scipy.linalg.svdvals(dual)[0])
    above = cvxpy_promote(theta, y, op, 1.01 * bound)
    objective = promote_objective(theta, y, op, W, 1.01 * bound)
    assert objective <= above.objective * (1 + 1e-12)               # no model does better,
    assert above.objective == pytest.approx(objective, rel=1e-6)     # and the reference agrees
    np.testing.assert_allclose(above.coef, W, atol=1e-4)             # (a degenerate optimum)
    below = cvxpy_promote(theta, y, op, 0.1 * bound)
    assert below.objective < promote_objective(theta, y, op, W, 0.1 * bound) * (1 - 1e-3)
    assert screen_symmetric(theta, y[:, None], op, 1.01 * bound, 1e-6) is not None
    assert screen_symmetric(theta, y[:, None], op, 0.99 * bound, 1e-6) is None


@OWN_SOLVERS
@pytest.mark.parametrize("alpha", [1e8, 1e14, 1e100])
def test_huge_penalties_give_the_symmetric_fit_exactly(solve, alpha):
    # Newton returned coefficients 2% off at alpha = 1e14 (the penalty's rounding
    # swamped the data term), with no warning
    X, y, theta, op = _broken_rotation()
    sol = solve(theta, y, op, alpha)
    assert sol.converged and sol.n_iter == 0
    np.testing.assert_allclose(sol.coef[0], _bowl_fit(X, y), atol=1e-12)


@OWN_SOLVERS
def test_moderate_penalties_above_the_certificate_agree_with_the_solvers_own_steps(solve, monkeypatch):
    X, y, theta, op = _broken_rotation()
    alpha = 2.0 * float(scipy.linalg.svdvals(symmetric_fit(theta, y[:, None], op)[1])[0])
    screened = solve(theta, y, op, alpha, tol=1e-10)
    monkeypatch.setattr(_screening, "_MAX_COEFFICIENTS", 0)        # screening off
    stepped = solve(theta, y, op, alpha, tol=1e-10)
    assert screened.n_iter == 0 and stepped.n_iter > 0
    np.testing.assert_allclose(screened.coef, stepped.coef, atol=1e-6)
    assert screened.objective <= stepped.objective * (1 + 1e-10)


@OWN_SOLVERS
def test_below_the_certificate_the_solvers_iterate(solve):
    X, y, theta, op = _broken_rotation()
    alpha = 0.1 * float(np.linalg.norm(symmetric_fit(theta, y[:, None], op)[1]))
    sol = solve(theta, y, op, alpha, tol=1e-8)
    assert sol.n_iter > 0
    assert np.max(np.abs(sol.coef[0] - _bowl_fit(X, y))) > 1e-3     # the tilt is kept in part


def test_exact_fits_are_not_screened():
    X, y, theta, op = _broken_rotation(n=5)
    sol = newton_promote(theta, y, op, 1e14, exact_fit=True)
    np.testing.assert_allclose(theta @ sol.coef[0], y, atol=1e-10)


@pytest.mark.parametrize("alpha", [1e3, 1e14, 1e100])
def test_a_huge_penalty_gives_an_equivariant_vector_field(alpha):
    # SO(2)-equivariant fields of degree <= 2 are a x + b J x; the data add a
    # constant vector and a quadratic term that break the rotation
    rng = np.random.RandomState(1)
    X = rng.uniform(-1, 1, size=(30, 2))
    J = np.array([[0.0, -1.0], [1.0, 0.0]])
    Y = 1.5 * X + 0.5 * X @ J.T + np.array([0.3, 0.0]) + 0.2 * X[:, :1] ** 2 + 0.01 * rng.normal(size=(30, 2))
    model = SymmetryPromotingRegressor(candidates=SO(2), output_rep=V, alpha=alpha).fit(X, Y)
    assert model.n_iter_ == 0 and model.generators_.shape[0] == 1
    Xt = rng.normal(size=(7, 2))
    for g in SO(2).sample(5, random_state=2):
        np.testing.assert_allclose(model.predict(Xt @ g.T), model.predict(Xt) @ g.T, atol=1e-10)
    # and it is the least-squares fit among them
    basis = np.column_stack([np.concatenate([X[:, 0], X[:, 1]]), np.concatenate([-X[:, 1], X[:, 0]])])
    a, b = np.linalg.lstsq(basis, np.concatenate([Y[:, 0], Y[:, 1]]), rcond=None)[0]
    np.testing.assert_allclose(model.predict(Xt), a * Xt + b * Xt @ J.T, atol=1e-10)


def test_the_estimator_at_a_huge_penalty_is_invariant_and_the_bowl_fit():
    X, y, theta, op = _broken_rotation()
    model = SymmetryPromotingRegressor(candidates=SO(2), alpha=1e14).fit(X, y)
    np.testing.assert_allclose(model.coef_, _bowl_fit(X, y), atol=1e-12)
    Xt = np.random.RandomState(3).normal(size=(7, 2))
    for g in SO(2).sample(5, random_state=4):
        np.testing.assert_allclose(model.predict(Xt @ g.T), model.predict(Xt), atol=1e-10)


def test_targets_of_any_size_are_screened_alike():
    X, y, theta, op = _broken_rotation()
    for size in (1e-200, 1e200):
        W = screen_symmetric(theta, size * y[:, None], op, 1e3 * size, 1e-6)
        np.testing.assert_allclose(W / size, screen_symmetric(theta, y[:, None], op, 1e3, 1e-6),
                                   rtol=1e-12)


def test_large_operators_are_not_screened(monkeypatch):
    X, y, theta, op = _broken_rotation()
    monkeypatch.setattr(_screening, "_MAX_GRAM_FLOPS", 10.0)
    assert screen_symmetric(theta, y[:, None], op, 1e14, 1e-6) is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert newton_promote(theta, y, op, 1e3).n_iter > 0


@pytest.mark.parametrize("offset", [0.0, 1e4])
@pytest.mark.parametrize("alpha", [1e4, 1e12, 1e100])
def test_a_near_symmetry_in_the_numerical_kernel_is_not_screened_where_its_penalty_counts(
        alpha, offset, monkeypatch):
    # a rotation generator perturbed by 1e-12 leaves no quadratic invariant, but
    # |x|^2 (moved by 1e-12 of the operator's norm) is in its numerical kernel: the
    # fit that uses it was returned at alpha=1e12 with 4 times the objective of
    # the constant (exactly invariant); a review hid it again behind a constant
    # offset of 1e4, which raised a rounding level proportional to |W|.
    # Unscreened, the solvers return what they did before the test existed
    # (Newton's own steps are not accurate there either)
    J = np.array([[0.0, -1.0], [1.0, 0.0]])
    G = Group(lie_algebra=(J + 1e-12 * np.diag([1.0, 0.0]))[None], name="near SO(2)")
    X, y, theta, _ = _broken_rotation()
    y = y + offset
    lib = PolynomialFeatures(2).fit(X)
    op = CompressedLieOperator(LieDerivative(lib, V(G), Scalar(G)))
    assert op._kernel().shape[1] == 2                               # 1 and |x|^2
    assert screen_symmetric(theta, y[:, None], op, alpha, 1e-6) is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sol = admm_promote(theta, y, op, alpha)
        monkeypatch.setattr(_screening, "_MAX_COEFFICIENTS", 0)
        before = admm_promote(theta, y, op, alpha)
    assert sol.n_iter > 0
    np.testing.assert_array_equal(sol.coef, before.coef)


def test_a_near_symmetry_is_screened_where_its_penalty_is_negligible():
    J = np.array([[0.0, -1.0], [1.0, 0.0]])
    G = Group(lie_algebra=(J + 1e-12 * np.diag([1.0, 0.0]))[None], name="near SO(2)")
    X, y, theta, _ = _broken_rotation()
    lib = PolynomialFeatures(2).fit(X)
    op = CompressedLieOperator(LieDerivative(lib, V(G), Scalar(G)))
    # at alpha = 1: a penalty of about 1e-12 beside a data term of 1.6e-2
    W = screen_symmetric(theta, y[:, None], op, 1.0, 1e-6)
    np.testing.assert_allclose(W[0], _bowl_fit(X, y), atol=1e-9)
    assert screen_symmetric(theta, y[:, None], op, 1e4, 1e-6) is None   # 1e-8 of it: above 0.1 tol
