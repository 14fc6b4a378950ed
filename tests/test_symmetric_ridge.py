import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from sksym import SymmetricRidge, SymmetryPromotingRegressor
from sksym.datasets import make_rotation_invariant_regression
from sksym.groups import O, SE, SO, Dihedral, Lorentz, Permutation, Trivial
from sksym.libraries import FunctionLibrary
from sksym.reps import Scalar, V

CASES = [
    (SO(2), V, 4),
    (SO(3), V, 4),
    (O(3), V, 3),
    (SE(3), V + V, 2),
    (Lorentz(), V, 2),
    (Permutation(4), V, 3),
    (Dihedral(4), V, 4),
]


def _relative_gap(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize("G, in_rep, degree", CASES, ids=lambda c: str(c))
def test_predictions_invariant_under_random_elements(G, in_rep, degree, rng):
    n_features = in_rep(G).size
    X = rng.normal(size=(60, n_features))
    y = rng.normal(size=60) + X[:, 0] ** 2          # no symmetry in the data at all
    model = SymmetricRidge(group=G, input_rep=in_rep, library=PolynomialFeatures(degree), alpha=1e-3)
    pred = model.fit(X, y).predict(X)
    R = in_rep(G)
    for g in G.sample(20, random_state=1, scale=0.5):
        assert _relative_gap(model.predict(R.act(g, X)), pred) < 1e-10


@pytest.mark.parametrize("G", [SO(2), SO(3), O(3)], ids=str)
def test_vector_output_is_equivariant(G, rng):
    d = G.d
    X = rng.normal(size=(80, d))
    Y = X * np.sum(X**2, axis=1, keepdims=True) + rng.normal(size=(80, d))
    model = SymmetricRidge(group=G, output_rep=V, library=PolynomialFeatures(3), alpha=1e-6).fit(X, Y)
    assert model.coef_.shape == (d, model.library_.n_output_features_)
    np.testing.assert_allclose(model.intercept_, 0, atol=1e-12)   # no fixed vectors
    P = model.predict(X)
    for g in G.sample(20, random_state=2):
        assert _relative_gap(model.predict(X @ g.T), P @ g.T) < 1e-10


def test_exact_recovery_of_an_equivariant_vector_field(rng):
    J = np.array([[0.0, -1.0], [1.0, 0.0]])
    X = rng.normal(size=(40, 2))
    r2 = np.sum(X**2, axis=1, keepdims=True)
    Y = X @ J.T * (1 - r2) + 0.5 * X
    model = SymmetricRidge(SO(2), library=PolynomialFeatures(3), output_rep=V, alpha=0).fit(X, Y)
    assert model.n_free_parameters_ == 4
    np.testing.assert_allclose(model.predict(X), Y, atol=1e-10)


@pytest.mark.parametrize("y_shape", [(50,), (50, 3)])
def test_trivial_group_equals_polynomial_ridge(y_shape, rng):
    X = rng.normal(size=(50, 4))
    y = rng.normal(size=y_shape)
    sw = rng.uniform(0.5, 2, size=50)
    for fit_intercept in (True, False):
        ours = SymmetricRidge(alpha=0.7, fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
        ref = make_pipeline(PolynomialFeatures(2), Ridge(alpha=0.7, fit_intercept=fit_intercept))
        ref.fit(X, y, ridge__sample_weight=sw)
        np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-10, rtol=1e-10)
        np.testing.assert_allclose(ours.coef_, ref[-1].coef_, atol=1e-10)
    assert ours.group_ == Trivial(4)


def test_multi_target_invariant_solves_each_target():
    X, y = make_rotation_invariant_regression(40, random_state=0)
    Y = np.c_[y, 2 * y + 1]
    model = SymmetricRidge(SO(3), library=PolynomialFeatures(4), alpha=1e-4).fit(X, Y)
    single = SymmetricRidge(SO(3), library=PolynomialFeatures(4), alpha=1e-4).fit(X, 2 * y + 1)
    np.testing.assert_allclose(model.predict(X)[:, 1], single.predict(X), atol=1e-10)
    assert model.n_free_parameters_ == 6


def test_symmetry_beats_best_plain_ridge_with_30_samples():
    X, y = make_rotation_invariant_regression(30, noise=0.01, random_state=3)
    X_test, y_test = make_rotation_invariant_regression(2000, random_state=4)
    sym = SymmetricRidge(group=SO(3), library=PolynomialFeatures(4), alpha=1e-3).fit(X, y)
    err_sym = np.mean((sym.predict(X_test) - y_test) ** 2)
    best_plain = min(
        np.mean((make_pipeline(PolynomialFeatures(4), Ridge(alpha=a)).fit(X, y).predict(X_test) - y_test) ** 2)
        for a in np.logspace(-8, 3, 45)
    )
    assert err_sym < best_plain / 5


def test_basis_dimensions_and_attributes(rng):
    X = rng.normal(size=(20, 3))
    m = SymmetricRidge(SO(3), library=PolynomialFeatures(6)).fit(X, rng.normal(size=20))
    assert m.n_free_parameters_ == 4
    B = m.equivariant_basis_.reshape(4, -1)
    np.testing.assert_allclose(B @ B.T, np.eye(4), atol=1e-12)
    m = SymmetricRidge(SO(3), input_rep=V + V).fit(rng.normal(size=(20, 6)), rng.normal(size=20))
    assert m.n_free_parameters_ == 4


def test_non_polynomial_library_uses_data_points(rng):
    X = rng.normal(size=(60, 2))

    def f(X):
        return np.c_[np.exp(-np.sum(X**2, 1)), np.sin(X[:, 0])]

    def jac(X):
        J = np.zeros((len(X), 2, 2))
        J[:, 0] = -2 * X * f(X)[:, :1]
        J[:, 1, 0] = np.cos(X[:, 0])
        return J

    m = SymmetricRidge(SO(2), library=FunctionLibrary(f, jac=jac), alpha=1e-8).fit(X, f(X)[:, 0] * 3)
    assert m.n_free_parameters_ == 1
    np.testing.assert_allclose(m.coef_, [3, 0], atol=1e-6)


def test_pipeline_gridsearch_and_pickle():
    X, y = make_rotation_invariant_regression(60, noise=0.01, random_state=0)
    search = GridSearchCV(
        SymmetricRidge(SO(3), library=PolynomialFeatures(4)),
        {"alpha": [1e-6, 1e-3, 1.0], "library": [PolynomialFeatures(2), PolynomialFeatures(4)]},
        cv=3, n_jobs=2,
    ).fit(X, y)
    assert search.best_params_["library"].degree == 4
    model = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_allclose(model.predict(X), search.predict(X))
    assert clone(model).get_params()["group"] == SO(3)


@pytest.mark.parametrize(
    "kwargs, X_shape, match",
    [
        ({"group": SO(3)}, (10, 5), "SO\\(3\\) acts on R\\^3, but X has 5 features"),
        ({"group": SO(3), "input_rep": V + V}, (10, 5), "size 6, but X has 5"),
        ({"group": SO(3), "output_rep": V}, (10, 3), "size 3, but y has 1"),
        ({"alpha": -1.0}, (10, 3), "alpha"),
        ({"alpha": np.nan}, (10, 3), "alpha"),
        ({"tol": -1.0}, (10, 3), "tol"),
    ],
)
def test_clear_errors(kwargs, X_shape, match, rng):
    with pytest.raises(ValueError, match=match):
        SymmetricRidge(**kwargs).fit(rng.normal(size=X_shape), rng.normal(size=X_shape[0]))


def test_type_errors_and_nan(rng):
    X, y = rng.normal(size=(10, 3)), rng.normal(size=10)
    with pytest.raises(TypeError, match="group"):
        SymmetricRidge(group="SO(3)").fit(X, y)
    with pytest.raises(TypeError, match="library"):
        SymmetricRidge(library="poly").fit(X, y)
    with pytest.raises(TypeError, match="Rep"):
        SymmetricRidge(input_rep="V").fit(X, y)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SymmetricRidge().fit(X, y)
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        SymmetricRidge().fit(X, y)


def test_library_without_usable_jacobian_is_refused(rng):
    X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    wrong_shape = FunctionLibrary(np.sin, jac=lambda X: np.zeros((len(X), 2)))
    with pytest.raises(ValueError, match="jacobian"):
        SymmetricRidge(SO(2), library=wrong_shape).fit(X, y)
    not_finite = FunctionLibrary(np.sin, jac=lambda X: np.full((len(X), 2, 2), np.inf))
    with pytest.raises(ValueError, match="usable Jacobian"):
        SymmetricRidge(SO(2), library=not_finite).fit(X, y)


def test_finite_difference_fallback_warns_and_is_close(rng):
    from sklearn.preprocessing import FunctionTransformer

    from sksym.exceptions import FiniteDifferenceWarning

    X = rng.normal(size=(40, 2))
    radial = FunctionTransformer(lambda X: np.c_[np.sum(X**2, axis=1), X[:, 0]])
    with pytest.warns(FiniteDifferenceWarning):
        m = SymmetricRidge(SO(2), library=radial, tol=1e-6, alpha=1e-10).fit(X, np.sum(X**2, axis=1))
    assert m.n_free_parameters_ == 1
    np.testing.assert_allclose(m.coef_, [1, 0], atol=1e-6)


@pytest.mark.parametrize("kwargs", [{"n_samples": True}, {"n_samples": None}, {"noise": -1.0},
                                    {"noise": np.nan}, {"noise": "a"}])
def test_rotation_invariant_regression_checks_its_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        make_rotation_invariant_regression(**kwargs)


def test_numpy_integer_degree_and_grid_search_over_it():
    # isinstance(degree, int) failed for numpy integers ("not iterable")
    X = np.random.RandomState(0).normal(size=(40, 3))
    y = np.sum(X ** 2, axis=1)
    model = SymmetricRidge(SO(3), PolynomialFeatures(degree=np.int64(2))).fit(X, y)
    assert model.n_free_parameters_ == 2
    search = GridSearchCV(SymmetricRidge(SO(3), PolynomialFeatures()), {"library__degree": np.arange(1, 4)}, cv=3)
    assert search.fit(X, y).best_params_["library__degree"] >= 2


def test_fit_intercept_must_be_a_bool():
    X = np.random.RandomState(0).normal(size=(20, 3))
    with pytest.raises(TypeError, match="fit_intercept"):
        SymmetricRidge(SO(3), fit_intercept="no").fit(X, X[:, 0])


@pytest.mark.slow
def test_wide_quartic_model():
    # the fixed spaces of V^(x 3) >> V^(x 1) for SO(10) needed 33 GB (MemoryError)
    X = np.random.RandomState(0).normal(size=(200, 10))
    y = np.sum(X ** 2, axis=1) ** 2
    model = SymmetricRidge(SO(10), PolynomialFeatures(4), alpha=1e-8).fit(X, y)
    assert model.n_free_parameters_ == 3              # 1, |x|^2, |x|^4
    g = SO(10).sample(1, random_state=0)[0]
    np.testing.assert_allclose(model.predict(X @ g.T), model.predict(X), rtol=1e-10)


@pytest.mark.parametrize("center", [1e3, 1e4])
def test_inputs_far_from_the_origin(center):
    # least squares on the symmetric design, not normal equations on the
    # library's Gram matrix (R^2 0.86 at inputs centred at 1e4)
    from sksym.groups import T

    for seed in range(2):
        rng = np.random.RandomState(seed)
        X = center + rng.normal(size=(200, 4))
        y = (X[:, 0] - X[:, 2]) ** 3
        model = SymmetricRidge(group=T(2), library=PolynomialFeatures(3), input_rep=V + V,
                               alpha=1e-10).fit(X, y)
        assert model.score(X, y) > 1 - 1e-6


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_equivariant_branch_matches_ridge_on_the_symmetric_design(fit_intercept, rng):
    # SO(2) on two vectors, a vector output: the coefficients minimise the
    # ridge objective over the basis (checked against sklearn on the design
    # Z[(i, o), r] = theta_i . B_r[o], with the intercept's projection)
    X = rng.normal(size=(40, 4))
    Y = X[:, :2] * (1.0 + X[:, 2:3] ** 2) + 0.1 * rng.normal(size=(40, 2))
    model = SymmetricRidge(group=SO(2), library=PolynomialFeatures(3), input_rep=V + V, output_rep=V,
                           alpha=0.3, fit_intercept=fit_intercept).fit(X, Y)
    B = model.equivariant_basis_
    theta = model.library_.transform(X)
    Z = np.einsum("ik,rok->ior", theta, B).reshape(-1, B.shape[0])
    c = Ridge(alpha=0.3, fit_intercept=False).fit(Z, Y.ravel()).coef_     # V has no invariant: no intercept
    np.testing.assert_allclose(model.coef_, np.tensordot(c, B, axes=1), atol=1e-9)
    np.testing.assert_allclose(model.intercept_, 0.0, atol=1e-12)


def test_no_intercept_is_zero_as_in_scikit_learn(rng):
    # several targets without an intercept: intercept_ was an array of zeros,
    # scikit-learn's linear models (Ridge, LinearRegression) give 0.0
    X, Y = rng.normal(size=(30, 3)), rng.normal(size=(30, 2))
    model = SymmetricRidge(group=SO(3), library=PolynomialFeatures(2), fit_intercept=False).fit(X, Y)
    assert model.intercept_ == Ridge(fit_intercept=False).fit(X, Y).intercept_ == 0.0
    assert isinstance(model.intercept_, float)
    promote = SymmetryPromotingRegressor(candidates=SO(3), library=PolynomialFeatures(2)).fit(X, Y)
    assert isinstance(promote.intercept_, float) and promote.intercept_ == 0.0
    np.testing.assert_allclose(promote.predict(X), PolynomialFeatures(2).fit_transform(X) @ promote.coef_.T)


def test_no_equivariant_model_warns(rng):
    # constants have no non-zero rotation-equivariant vector value: a zero model, said
    X = rng.normal(size=(20, 2))
    with pytest.warns(UserWarning, match="no non-zero model equivariant under SO"):
        model = SymmetricRidge(group=SO(2), output_rep=V, library=PolynomialFeatures(0)).fit(X, X)
    assert model.n_free_parameters_ == 0
    np.testing.assert_allclose(model.predict(X), 0.0, atol=1e-12)


def test_huge_features_do_not_overflow(rng):
    # s / (s^2 + alpha) overflowed for quadratic features of size 1e300: the
    # model came out constant (R^2 0) with only a RuntimeWarning
    X = 1e150 * rng.normal(size=(50, 3))
    y = np.sum((X / 1e150) ** 2, axis=1)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model = SymmetricRidge(group=SO(3), library=PolynomialFeatures(2)).fit(X, y)
    assert model.score(X, y) > 1 - 1e-9
