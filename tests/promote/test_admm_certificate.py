"""ADMM's duality-gap certificate: a claimed convergence is accurate, an
uncertified stop says how far off it may be, and an accurate answer is
certified (the gap is of the order of the objective's error, not of its
square root). Each test fails on the code without the certificate: it claimed
convergence at the first points, and has no ``state["gap"]``."""
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import PolynomialFeatures

from sksym.groups import GL, SE, SO, T, Scaling
from sksym.lie import LieDerivative
from sksym.reps import Scalar, V
from sksym.solvers import CompressedLieOperator, admm_promote, newton_promote, promote_objective


GROUPS = {"T": T, "SE": SE, "SO": SO, "GL": GL, "Scaling": Scaling}


def _battery(seed):
    """A random promote problem of the seeded battery that found the misses."""
    rng = np.random.RandomState(seed)
    gname = ["T", "SE", "SO", "GL", "Scaling"][rng.randint(5)]
    m = int(rng.randint(2, 5)) if gname != "GL" else int(rng.randint(2, 4))
    out_name = "V" if (gname in ("SO", "GL") and rng.rand() < 0.25) else "Scalar"
    degree = int(rng.randint(1, 4)) if out_name == "Scalar" else int(rng.randint(1, 3))
    # keep Clarabel under ~2 s: no vector outputs in 4-D, no cubic SE(4)
    if out_name == "V":
        m = min(m, 3)
    if gname == "SE" and m == 4:
        degree = min(degree, 2)
    G = GROUPS[gname](m)
    lib = PolynomialFeatures(degree).fit(np.zeros((1, m)))
    op = CompressedLieOperator(LieDerivative(lib, V(G), (V if out_name == "V" else Scalar)(G),
                                             random_state=1))
    K = lib.n_output_features_
    n_out = 1 if out_name == "Scalar" else m
    n = int(rng.randint(1, 2 * K + 1))
    X = rng.uniform(-1, 1, size=(n, m))
    # input scaling: none, uniform 1e-3 / 1e3, or per-column over many decades
    xs = rng.randint(5)
    xscale = "1"
    if xs == 1:
        X *= 1e-3; xscale = "1e-3"
    elif xs == 2:
        X *= 1e3; xscale = "1e3"
    elif xs == 3:
        X *= 10.0 ** rng.uniform(-3, 3, size=m); xscale = "cols"
    theta = lib.transform(X)
    kind = int(rng.randint(3))
    if kind == 0:                       # unstructured
        Y = rng.normal(size=(n, n_out))
    elif kind == 1:                     # nearly rotation invariant / equivariant
        base = np.sum(X ** 2, axis=1)[:, None] * (np.ones((1, n_out)) if n_out == 1 else X[:, :n_out])
        Y = base + 10.0 ** rng.uniform(-9, -2) * np.abs(base).max() * rng.normal(size=(n, n_out))
    else:                               # a random model of the library
        Y = theta @ (rng.normal(size=(K, n_out)) / np.maximum(np.abs(theta).max(axis=0), 1e-300)[:, None])
    yscale = 1e6 if rng.rand() < 0.25 else 1.0
    Y = yscale * Y
    exact_fit = bool(rng.randint(2))
    alpha = float(10.0 ** rng.uniform(-4, 1)) * (yscale if rng.rand() < 0.5 else 1.0)
    return theta, Y, op, alpha, exact_fit


def _badly_scaled():
    # test_badly_scaled_features' second problem: features from 1 to 1e4
    lib = PolynomialFeatures(2).fit(np.zeros((1, 3)))
    op = CompressedLieOperator(LieDerivative(lib, V(T(3)), Scalar(T(3)), random_state=1))
    rng = np.random.RandomState(2)
    X = 100 * rng.uniform(-1, 1, size=(9, 3))
    return lib.transform(X), rng.normal(size=(9, 1)), op, 1e-3


def _seed(seed, exact_fit=False):
    theta, Y, op, alpha, ef = _battery(seed)
    assert ef == exact_fit
    return theta, Y, op, alpha


def _large_targets_tiny_alpha():
    # a reviewer's case: targets ~1e4, alpha 1e-8, two samples; the floor eps f0
    # (f0 = |y|^2 / 2n) accepted an answer 1.6e-4 above the optimum
    lib = PolynomialFeatures(1).fit(np.zeros((1, 2)))
    op = CompressedLieOperator(LieDerivative(lib, V(GL(2)), Scalar(GL(2)), random_state=0))
    X = np.array([[-0.5067604482222345, 0.39761482855480335], [0.7328586383926721, 0.27904369422187525]])
    y = np.array([-2490.7755800768077, 12655.133131645678])
    return lib.transform(X), y, op, 1e-8


# ADMM claimed convergence at these points, 120 times tol (badly scaled) and
# 7e-3, 6e-2, 0.12 (battery seeds 1, 6, 332) above the optimum
PROBLEMS = {
    "large-targets-tiny-alpha": (_large_targets_tiny_alpha, 1e-6),
    "badly-scaled-tol-1e-9": (_badly_scaled, 1e-9),
    "battery-seed-1": (lambda: _seed(1), 1e-6),
    "battery-seed-6": (lambda: _seed(6), 1e-6),
    "battery-seed-332": (lambda: _seed(332), 1e-6),
}


def _solve(make, tol, exact_fit=False):
    theta, y, op, alpha = make()
    ref = newton_promote(theta, y, op, alpha, exact_fit=exact_fit, tol=1e-10, max_iter=1000)
    f_ref = promote_objective(theta, y, op, ref.coef, alpha, exact_fit)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        sol = admm_promote(theta, y, op, alpha, exact_fit=exact_fit, tol=tol)
    f = promote_objective(theta, y, op, sol.coef, alpha, exact_fit)
    msgs = [str(x.message) for x in w if issubclass(x.category, ConvergenceWarning)]
    return sol, f, f_ref, msgs


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_claimed_convergence_is_accurate(name):
    make, tol = PROBLEMS[name]
    sol, f, f_ref, msgs = _solve(make, tol)
    rel = (f - f_ref) / abs(f_ref)
    # either accurate to (10 times) tol, or not claimed and warned about
    assert rel <= 10 * tol or (not sol.converged and msgs)


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_gap_bounds_the_error(name):
    make, tol = PROBLEMS[name]
    sol, f, f_ref, msgs = _solve(make, tol)
    gap = sol.state["gap"]
    assert f - f_ref <= gap * (1 + 1e-6) + 1e-12 * abs(f_ref)
    if not sol.converged:
        assert any("exceeds the optimum by at most" in m for m in msgs)
        # the stated bound is the gap (two significant digits)
        stated = float(msgs[0].split("at most ")[1].split(" ")[0])
        assert stated >= 0.9 * (f - f_ref)


# accurate answers (relative errors 1e-12 .. 2e-7) whose first-order certificate
# (ADMM's own dual made feasible) overstated the error 1e2 .. 1e4 times, so
# that they were reported as not converged: the badly scaled test, battery
# seeds (penalised; 243 the exact fit)
ACCURATE = {
    "badly-scaled": (_badly_scaled, False),
    "battery-seed-58": (lambda: _seed(58), False),
    "battery-seed-158": (lambda: _seed(158), False),
    "battery-seed-195": (lambda: _seed(195), False),
    "battery-seed-274": (lambda: _seed(274), False),
    "battery-seed-243-exact-fit": (lambda: _seed(243, exact_fit=True), True),
}


@pytest.mark.parametrize("name", sorted(ACCURATE))
def test_accurate_answer_is_certified(name):
    make, exact_fit = ACCURATE[name]
    tol = 1e-6
    sol, f, f_ref, msgs = _solve(make, tol, exact_fit)
    assert sol.converged and not msgs
    gap = sol.state["gap"]
    assert f - f_ref <= gap * (1 + 1e-6) + 1e-12 * abs(f_ref)
    assert gap <= tol * abs(f)


def test_a_wild_iterate_does_not_certify_another_point():
    # a badly scaled random problem (the 459th of a review's seeds): an early
    # iterate with |z| ~ 1e18 had a rounding floor of 36, and the largest floor of
    # the run then let a point with objective 7e-4 (optimum 2e-18) pass
    rng = np.random.RandomState(459)
    q, r, K, n_out, n = rng.randint(1, 7), rng.randint(1, 12), rng.randint(2, 14), rng.choice([1, 2]), rng.randint(2, 25)
    A = rng.normal(size=(q, r, n_out * K)) * np.logspace(-rng.uniform(0, 4), rng.uniform(0, 4), n_out * K)[
        rng.permutation(n_out * K)]
    op = CompressedLieOperator.from_tensor(A, n_outputs=n_out)
    theta = rng.normal(size=(n, K)) * np.logspace(-rng.uniform(0, 6), rng.uniform(0, 6), K)[rng.permutation(K)]
    Y = theta @ rng.normal(size=(n_out, K)).T + rng.choice([0, 1e-3, 1]) * rng.normal(size=(n, n_out))
    alpha = 10.0 ** rng.uniform(-6, 2)
    optimum = newton_promote(theta, Y, op, alpha, tol=1e-10).objective
    assert optimum < 1e-15
    for tol in (1e-4, 1e-6):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sol = admm_promote(theta, Y, op, alpha, tol=tol)
        # either certified to tol, or not converged, with a warning
        if sol.converged:
            assert sol.objective - optimum <= tol * optimum + 1e-12
        else:
            assert any(issubclass(w.category, ConvergenceWarning) for w in caught)
        assert sol.objective - optimum <= sol.state["gap"] * (1 + 1e-9)


def test_objective_is_that_of_the_returned_coefficients():
    # a badly scaled exact fit (a review's 85th random problem): c + C z and M(W)
    # differed by 8e-6 relative (ADMM reported the former), above tol
    rng = np.random.RandomState(85)
    q, r, K, n_out = rng.randint(1, 6), rng.randint(1, 9), rng.randint(2, 10), rng.choice([1, 2, 3])
    n = rng.randint(1, 15)
    A = rng.normal(size=(q, r, n_out * K)) * 10.0 ** rng.uniform(-6, 6)
    if rng.rand() < 0.3:
        A = A * (rng.rand(1, r, n_out * K) < 0.5)
    theta = rng.normal(size=(n, K)) * 10.0 ** rng.uniform(-6, 6)
    if rng.rand() < 0.3:
        theta *= np.logspace(-2, 2, K)[rng.permutation(K)]
    Y = rng.normal(size=(n, n_out)) * 10.0 ** rng.uniform(-8, 8)
    op = CompressedLieOperator.from_tensor(A, n_outputs=n_out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sol = admm_promote(theta, Y, op, 1.0, exact_fit=True)
    np.testing.assert_allclose(sol.objective, promote_objective(theta, Y, op, sol.coef, exact_fit=True),
                               rtol=1e-12)
