"""SymmetryPromotingSINDy: keeps the symmetries of the data among candidate generators."""

import pickle
import warnings

import numpy as np
import scipy.linalg
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.preprocessing import PolynomialFeatures

from sksym.datasets._dynamics import make_hopf, make_lorenz
from sksym.dynamics import SymmetricSINDy, SymmetryPromotingSINDy
from sksym.groups import GL, SO, Group

J = np.array([[0.0, -1.0], [1.0, 0.0]]) / np.sqrt(2)


def overlap_with_rotation(gen):
    return abs(np.sum(gen * J)) / np.linalg.norm(gen)


@pytest.mark.parametrize("noise", [0.0, 0.05])
def test_hopf_keeps_the_rotation_generator(noise):
    X, t, X_dot, W = make_hopf(n_samples=200, noise=noise, random_state=0,
                               return_derivatives=True, return_coef=True)
    model = SymmetryPromotingSINDy(candidates=GL(2), library=PolynomialFeatures(3),
                                   differentiation="smoothed_finite_difference")
    if noise == 0:
        model.fit(X, X_dot)
    else:
        model.fit(X, t=t)
    assert model.generators_.shape == (1, 2, 2)
    assert overlap_with_rotation(model.generators_[0]) > 0.999
    s = model.symmetry_singular_values_
    assert s[0] < 0.1 * s[1]
    # roughly the right model (the penalty shrinks it a little)
    if noise == 0:
        np.testing.assert_array_equal(model.coef_ != 0, W != 0)
    assert np.linalg.norm(model.coef_ - W) / np.linalg.norm(W) < 0.25


def test_penalty_lowers_symmetry_breaking():
    # noisy Hopf data (noise 0.1): without the penalty the rotation is never
    # isolated; with it the rotation's relative breaking s[0] / s[1] drops on
    # most seeds (8 of 10 when written: thresholding changes the supports, so
    # not on every seed) and the rotation alone is found more often (2 of 10)
    kw = dict(candidates=GL(2), library=PolynomialFeatures(3),
              differentiation="smoothed_finite_difference")
    lowered, found = 0, [0, 0]
    for seed in range(10):
        X, t = make_hopf(n_samples=200, noise=0.1, random_state=seed)
        m0 = SymmetryPromotingSINDy(alpha=0.0, **kw).fit(X, t=t)
        m1 = SymmetryPromotingSINDy(alpha=3e-3, **kw).fit(X, t=t)
        s0, s1 = m0.symmetry_singular_values_, m1.symmetry_singular_values_
        lowered += s1[0] / s1[1] < s0[0] / s0[1]
        for i, m in enumerate((m0, m1)):
            found[i] += len(m.generators_) == 1 and overlap_with_rotation(m.generators_[0]) > 0.99
    assert lowered >= 7
    assert found[0] == 0 and found[1] >= 1


def test_zero_alpha_is_thresholded_least_squares():
    X, t = make_lorenz(n_samples=300, noise=0.01, random_state=0)
    ours = SymmetryPromotingSINDy(alpha=0.0).fit(X, t=t)
    ref = SymmetricSINDy(alpha=0.0, unbias=False).fit(X, t=t)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)


def test_admm_and_cvxpy_agree():
    X, t = make_hopf(n_samples=100, noise=0.05, random_state=2)
    kw = dict(library=PolynomialFeatures(3), alpha=3e-3, threshold=0.05)
    a = SymmetryPromotingSINDy(solver="admm", tol=1e-9, **kw).fit(X, t=t)
    b = SymmetryPromotingSINDy(solver="cvxpy", **kw).fit(X, t=t)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-3, atol=1e-3)
    assert a.generators_.shape == b.generators_.shape


def test_grid_search_pickle_and_warnings():
    X, t, X_dot = make_hopf(n_samples=120, return_derivatives=True)
    search = GridSearchCV(SymmetryPromotingSINDy(library=PolynomialFeatures(3)),
                          {"alpha": [1e-4, 1.0]}, cv=KFold(3)).fit(X, X_dot)
    assert search.best_params_["alpha"] == 1e-4
    model = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(model.predict(X), search.best_estimator_.predict(X))
    with pytest.warns(ConvergenceWarning):
        SymmetryPromotingSINDy(library=PolynomialFeatures(3), solver_max_iter=1).fit(X, X_dot)


def test_clear_errors():
    X, t = make_hopf(n_samples=50)
    with pytest.raises(TypeError, match="candidates must be"):
        SymmetryPromotingSINDy(candidates="GL(2)").fit(X, t=t)
    with pytest.raises(ValueError, match="Dimension mismatch.*size 3.*2 features"):
        SymmetryPromotingSINDy(candidates=SO(3)).fit(X, t=t)
    with pytest.raises(ValueError, match="solver must be"):
        SymmetryPromotingSINDy(solver="sgd").fit(X, t=t)
    with pytest.raises(ValueError, match="strictly increasing"):
        SymmetryPromotingSINDy().fit(X, t=t[::-1])
    with pytest.raises(ValueError, match="requires y to be passed"):
        SymmetryPromotingSINDy().fit(X)


def test_candidates_as_generator_array():
    X, t, X_dot = make_hopf(n_samples=200, return_derivatives=True)
    gens = np.asarray(GL(2).lie_algebra)
    a = SymmetryPromotingSINDy(candidates=gens, library=PolynomialFeatures(3)).fit(X, X_dot)
    b = SymmetryPromotingSINDy(candidates=GL(2), library=PolynomialFeatures(3)).fit(X, X_dot)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-10)
    assert a.generators_.shape == (1, 2, 2)


@pytest.mark.parametrize("symmetry_tol", ["auto", 1e-3])
@pytest.mark.parametrize("solver", ["auto", "admm", "cvxpy"])
def test_single_candidate_and_commuting_models_count_their_symmetries(symmetry_tol, solver):
    # the largest singular value was the only scale: one candidate with a round-off
    # value (1e-16) was never a symmetry, and a model commuting with every
    # candidate got a solver-dependent count (2 of 4)
    X, t, X_dot = make_hopf(n_samples=200, random_state=0, return_derivatives=True)
    model = SymmetryPromotingSINDy(candidates=SO(2), library=PolynomialFeatures(3),
                                   symmetry_tol=symmetry_tol, solver=solver).fit(X, X_dot)
    assert model.generators_.shape == (1, 2, 2)
    assert overlap_with_rotation(model.generators_[0]) > 0.999
    X = np.random.RandomState(0).uniform(-1, 1, size=(100, 2))
    model = SymmetryPromotingSINDy(library=PolynomialFeatures(1), symmetry_tol=symmetry_tol,
                                   solver=solver).fit(X, 0.7 * X)
    assert model.generators_.shape == (4, 2, 2)          # all of gl(2) commutes with 0.7 I


def test_promoting_sindy_argument_errors():
    X, t, X_dot = make_hopf(n_samples=100, random_state=0, return_derivatives=True)
    with pytest.raises(ValueError, match="no Lie algebra"):
        SymmetryPromotingSINDy(candidates=Group(discrete_generators=-np.eye(2)[None])).fit(X, X_dot)
    with pytest.raises(ValueError, match="symmetry_tol"):
        SymmetryPromotingSINDy(symmetry_tol=np.inf).fit(X, X_dot)
    for cls in (SymmetricSINDy, SymmetryPromotingSINDy):       # checked even when y is given
        with pytest.raises(ValueError, match="differentiation"):
            cls(differentiation="foo").fit(X, X_dot)
        with pytest.raises(ValueError, match="same number of states"):
            cls().fit([X, X[:, :1]], t=0.05)
    with pytest.warns(UserWarning, match="eliminated every coefficient"):
        model = SymmetryPromotingSINDy(library=PolynomialFeatures(3), threshold=10.0).fit(X, X_dot)
    assert not np.any(model.coef_)


@pytest.mark.parametrize("noise", [1e-3, 5e-2])
def test_approximate_symmetry_next_to_an_exact_one(noise):
    # thresholding leaves an exact zero (z-scaling) next to the approximate rotation
    # symmetry of noisy data; a rank rule that let the round-off cut compete found 1
    rng = np.random.RandomState(0)
    X = rng.uniform(-1.5, 1.5, size=(2000, 3))
    x, y, z = X.T
    r2 = x ** 2 + y ** 2
    Xdot = np.c_[0.5 * x - y - x * r2, x + 0.5 * y - y * r2, -z] + noise * rng.normal(size=X.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SymmetryPromotingSINDy(library=PolynomialFeatures(3), threshold=0.05).fit(X, y=Xdot)
    assert len(model.generators_) == 2


def test_candidate_arrays_are_orthonormalised():
    # the penalty and the generators use an orthonormal basis of the candidates'
    # span: a repeated, rescaled generator changes neither
    X, X_dot = make_hopf(n_samples=200, noise=0.0, random_state=0, return_derivatives=True)[::2]
    kw = dict(library=PolynomialFeatures(3), alpha=1e-3)
    D = np.diag([1.0, -1.0]) / np.sqrt(2)
    ref = SymmetryPromotingSINDy(candidates=np.array([J, D]), **kw).fit(X, X_dot)
    model = SymmetryPromotingSINDy(candidates=np.array([J, 3 * J, 10 * D]), **kw).fit(X, X_dot)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(model.symmetry_singular_values_, ref.symmetry_singular_values_,
                               rtol=1e-6, atol=1e-10)
    assert model.generators_.shape == (1, 2, 2)
    np.testing.assert_allclose(np.linalg.norm(model.generators_[0]), 1.0, atol=1e-12)
    assert overlap_with_rotation(model.generators_[0]) > 0.999
    with pytest.raises(ValueError, match="candidates are all zero"):
        SymmetryPromotingSINDy(candidates=np.zeros((2, 2, 2)), **kw).fit(X, X_dot)


@pytest.mark.parametrize("eps", [0.05, 0.01])
def test_exact_derivatives_count_only_exact_symmetries(eps):
    # x' = A x with A = -I + eps N (N nilpotent) commutes with I and N only. The
    # round-off values of those two (1e-17) left only the gap from the broken
    # ones (0.04 for eps = 0.05) to the reference scale, and all of gl(2) counted
    A = np.array([[-1.0, eps], [0.0, -1.0]])
    X = np.random.RandomState(0).uniform(-1, 1, (300, 2))
    model = SymmetryPromotingSINDy(library=PolynomialFeatures(1), threshold=1e-3, alpha=1e-6).fit(X, X @ A.T)
    np.testing.assert_allclose(model.coef_[:, 1:], A, atol=1e-5)
    assert model.generators_.shape == (2, 2, 2)
    # those of the least-squares model on the kept terms, which the exact data
    # determine (the penalty moves the fit by ~alpha)
    commutant = np.array([np.eye(2), [[0.0, 1.0], [0.0, 0.0]]]).reshape(2, 4)
    angles = scipy.linalg.subspace_angles(model.generators_.reshape(2, 4).T, commutant.T)
    assert np.max(angles) < 1e-12
    # with the default alpha (a larger bias) and with threshold=0 on exact Hopf data,
    # where the penalty breaks the rotation a little in the fit (0.01), the count is
    # still that of the data
    model = SymmetryPromotingSINDy(library=PolynomialFeatures(1), threshold=1e-3).fit(X, X @ A.T)
    assert model.generators_.shape == (2, 2, 2)
    # exact data count only round-off values, whatever the solver's floor: a constant of
    # 1e5 (0.57 broken against a floor of 1) or a 1e-5 split of the diagonal
    X2 = np.random.RandomState(1).uniform(-1, 1, (200, 2))
    for Y2, k in ((X2 * [1, 2] + [0, 1e5], 1), (X2 * [1, 1 + 1e-5], 2)):
        assert SymmetryPromotingSINDy().fit(X2, Y2).generators_.shape[0] == k
    # (generators_ and symmetry_singular_values_ are then the least-squares model's)
    X, X_dot = make_hopf(n_samples=200, random_state=0, return_derivatives=True)[::2]
    model = SymmetryPromotingSINDy(library=PolynomialFeatures(3), threshold=0.0).fit(X, X_dot)
    assert model.generators_.shape == (1, 2, 2)
    assert overlap_with_rotation(model.generators_[0]) > 1 - 1e-12
    assert model.symmetry_singular_values_[0] < 1e-12 < 1e-2 < model.symmetry_singular_values_[1]
    # as many samples as terms: least squares interpolates whatever the noise, so
    # the data are not taken as exact
    from sksym.dynamics._promoting_sindy import _exact_refit
    theta = PolynomialFeatures(3).fit_transform(X[:10])
    noisy = X_dot[:10] + 0.01 * np.random.RandomState(0).normal(size=(10, 2))
    assert _exact_refit(theta, noisy, np.ones((2, 10))) is None
    assert _exact_refit(theta, noisy, np.c_[np.ones((2, 9)), np.zeros((2, 1))]) is None    # 9 terms: noise seen
    theta = PolynomialFeatures(3).fit_transform(X)
    W = np.linalg.lstsq(theta, X_dot, rcond=None)[0].T
    np.testing.assert_allclose(_exact_refit(theta, X_dot, W)[0], W, atol=1e-8)


@pytest.mark.parametrize("change", ["swap", "flip"])
def test_model_does_not_depend_on_the_order_or_signs_of_the_states(change):
    # the penalty was measured at 21 pseudo-random points of the bounding box, which
    # are not symmetric under relabelling the states: the same noisy Hopf data with
    # the states swapped kept 11 terms against 8. It is now exact in the uniform
    # measure of the bounding box, which the relabelling maps to itself
    X, t = make_hopf(n_samples=200, noise=0.05, random_state=3)
    P = np.array([[0.0, 1.0], [1.0, 0.0]]) if change == "swap" else np.diag([1.0, -1.0])
    kw = dict(library=PolynomialFeatures(3), alpha=3e-3, differentiation="smoothed_finite_difference")
    a = SymmetryPromotingSINDy(**kw).fit(X, t=t)
    b = SymmetryPromotingSINDy(**kw).fit(X @ P.T, t=t)
    # predictions of b, mapped back, are those of a
    Z = np.random.RandomState(0).uniform(-1, 1, (50, 2))
    np.testing.assert_allclose(b.predict(Z @ P.T) @ P, a.predict(Z), rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(np.count_nonzero(a.coef_), np.count_nonzero(b.coef_))
    np.testing.assert_allclose(a.symmetry_singular_values_, b.symmetry_singular_values_, rtol=1e-7)


@pytest.mark.parametrize("Est", [SymmetricSINDy, SymmetryPromotingSINDy])
def test_trajectory_arguments_are_checked(Est):
    X, t, X_dot = make_hopf(n_samples=100, return_derivatives=True, random_state=0)
    dt = t[1] - t[0]
    est = Est(library=PolynomialFeatures(2))
    for bad in (True, "0.1", np.arange(100).astype("timedelta64[ms]"), t + 1j,
                np.array([str(v) for v in t], dtype=object)):   # steps of 1 and 0.1, or milliseconds
        with pytest.raises(TypeError, match="t must be a positive time step"):
            est.fit(X, t=bad)
    assert est.fit([X], t=[dt]).n_features_in_ == 2        # one step per trajectory
    assert est.fit([X, X], t=np.array(dt)).n_features_in_ == 2      # a 0-d step shared by both
    assert est.fit([X], X_dot[:, 0]).predict(X).shape == (100,)    # one trajectory: no ambiguity
    from fractions import Fraction
    times = [Fraction(k, 1) * Fraction(dt).limit_denominator(1000) for k in range(100)]
    assert est.fit(X, t=times).n_features_in_ == 2           # numbers that are not floats
    assert est.fit(X, t=np.array(list(t), dtype=object)).n_features_in_ == 2
    for y in (X_dot, 0.5, X_dot[:, 0]):           # a 1-D y was reused for every trajectory
        with pytest.raises(ValueError, match="y must be a list of 2 arrays"):
            est.fit([X, X], y)
    with pytest.raises(ValueError, match=r"Trajectory 0: y must be an array of shape"):
        est.fit([X, X], [0.5, 0.5])
    with pytest.raises(ValueError, match="differentiation returned tuple"):
        Est(differentiation=lambda X, t: (X[:3], X)).fit(X, t=dt)
    # 1-D targets over a list of trajectories predict 1-D, as for one array
    model = Est(library=PolynomialFeatures(2)).fit([X, X], [X_dot[:, 0], X_dot[:, 0]])
    assert model.predict(X).shape == (100,)


def test_complex_candidates_and_one_warning_per_fit():
    X, t, X_dot = make_hopf(n_samples=100, return_derivatives=True, random_state=0)
    with pytest.raises(TypeError, match="candidates must be real"):
        SymmetryPromotingSINDy(candidates=1j * np.ones((1, 2, 2))).fit(X, X_dot)
    # the solver's ConvergenceWarning came once per thresholding round
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SymmetryPromotingSINDy(library=PolynomialFeatures(3), solver="admm", solver_max_iter=2).fit(X, X_dot)
    assert sum(issubclass(w.category, ConvergenceWarning) for w in caught) == 1
    # earlier rounds that did not converge chose the terms kept: said once, even when
    # the last solve converges
    X, t = make_hopf(n_samples=200, noise=0.1, random_state=5)
    kw = dict(library=PolynomialFeatures(3), solver="admm", alpha=3e-2, threshold=0.05,
              differentiation="smoothed_finite_difference")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = SymmetryPromotingSINDy(solver_max_iter=6, **kw).fit(X, t=t)
    messages = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(messages) == 1 and "thresholding rounds" in messages[0]     # the last solve converged
    full = SymmetryPromotingSINDy(**kw).fit(X, t=t)
    assert np.count_nonzero(model.coef_) != np.count_nonzero(full.coef_)   # and the support differs
