"""Facts about SymmetryDiscovery (issue 3): spectra, ranks, spans, round trips."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from sksym.discovery import SymmetryDiscovery
from sksym.groups import GL, SE, SO, Group, Lorentz, Scaling
from sksym.lie import principal_angles
from sksym.linear_model import SymmetricRidge
from sksym.reps import V


def largest_angle(gens, reference):
    """Largest principal angle between the spans of two stacks of matrices."""
    gens = np.asarray(gens)
    reference = np.asarray(reference)
    assert len(gens) == len(reference)
    return principal_angles(gens.reshape(len(gens), -1).T, reference.reshape(len(reference), -1).T).max()


def sphere(n, d, rng):
    X = rng.normal(size=(n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_squared_norm_gives_so3_in_gl3(rng):
    X = rng.normal(size=(200, 3))
    disc = SymmetryDiscovery(random_state=0).fit(X, np.sum(X ** 2, axis=1))
    assert disc.candidates_ == GL(3)
    assert disc.n_symmetries_ == 3
    assert disc.generators_.shape == (3, 3, 3)
    assert disc.broken_generators_.shape == (6, 3, 3)
    assert largest_angle(disc.generators_, SO(3).lie_algebra) < 1e-8
    # ascending spectrum, orthonormal generators, symmetric + broken = the candidates
    s = disc.singular_values_
    assert s.shape == (9,) and np.all(np.diff(s) >= 0)
    allg = np.concatenate([disc.generators_, disc.broken_generators_]).reshape(9, -1)
    np.testing.assert_allclose(allg @ allg.T, np.eye(9), atol=1e-10)
    assert s[2] < 1e-8 * s[-1] < s[3]


def test_minkowski_form_gives_so13(rng):
    X = rng.normal(size=(300, 4))
    y = X[:, 0] ** 2 - np.sum(X[:, 1:] ** 2, axis=1)
    disc = SymmetryDiscovery(candidates=GL(4), random_state=0).fit(X, y)
    assert disc.n_symmetries_ == 6
    assert largest_angle(disc.generators_, Lorentz(n_space=3).lie_algebra) < 1e-8


@pytest.mark.parametrize("r, expected", [(1, 10), (2, 6), (3, 3)])
def test_ridge_functions_in_se5(r, expected, rng):
    # f = phi(U^T x): symmetric under SE(5) motions that fix the r directions U
    U = np.linalg.qr(rng.normal(size=(5, r)))[0]
    A = rng.normal(size=(r, r))
    A = A + A.T
    c = rng.normal(size=r)
    X = rng.uniform(-1, 1, size=(200, 5))
    Z = X @ U
    y = np.einsum("ni,ij,nj->n", Z, A, Z) + Z @ c + 0.5
    disc = SymmetryDiscovery(candidates=SE(5), random_state=0).fit(X, y)
    assert disc.n_symmetries_ == expected
    assert disc.generators_.shape == (expected, 5, 6)
    # every discovered motion x -> A x + b leaves U^T x unchanged to first order
    for G in disc.generators_:
        np.testing.assert_allclose(U.T @ G[:, :5], 0, atol=1e-7)
        np.testing.assert_allclose(U.T @ G[:, 5], 0, atol=1e-7)


def test_equivariance_of_rotation_by_90_degrees(rng):
    J = np.array([[0.0, -1.0], [1.0, 0.0]])
    X = rng.normal(size=(100, 2))
    disc = SymmetryDiscovery(output_rep=V, random_state=0).fit(X, X @ J.T)
    assert disc.n_symmetries_ == 2
    assert largest_angle(disc.generators_, np.array([np.eye(2), J])) < 1e-8
    # the same map is not invariant: with scalar outputs nothing but its kernel survives
    disc_inv = SymmetryDiscovery(random_state=0).fit(X, X @ J.T)
    assert disc_inv.n_symmetries_ == 0


def test_noise_one_percent_500_samples(rng):
    X = rng.normal(size=(500, 3))
    y = np.sum(X ** 2, axis=1)
    y = y + 0.01 * np.std(y) * rng.normal(size=500)
    disc = SymmetryDiscovery(random_state=0).fit(X, y)
    assert disc.noise_level_ is not None and disc.noise_level_ > 0
    assert disc.n_symmetries_ == 3
    assert largest_angle(disc.generators_, SO(3).lie_algebra) < 0.05


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10))
def test_noise_robust_over_seeds(seed):
    rng = np.random.RandomState(seed)
    for noise, n in [(0.01, 500), (0.05, 500), (0.01, 100)]:
        X = rng.normal(size=(n, 3))
        y = np.sum(X ** 2, axis=1)
        y = y + noise * np.std(y) * rng.normal(size=n)
        disc = SymmetryDiscovery(random_state=seed).fit(X, y)
        assert disc.n_symmetries_ == 3, (noise, n, disc.singular_values_)
        assert largest_angle(disc.generators_, SO(3).lie_algebra) < 0.05


def test_data_on_sphere_gives_so3(rng):
    X = sphere(300, 3, rng)
    disc = SymmetryDiscovery(target="data", random_state=0).fit(X)
    assert disc.equations_.shape == (1, 10)
    assert disc.n_symmetries_ == 3
    assert largest_angle(disc.generators_, SO(3).lie_algebra) < 1e-8
    assert disc.score(X) > -1e-10
    assert disc.score(2 * X) < -1


def test_data_on_hyperboloid_gives_so12(rng):
    u = rng.uniform(-1.5, 1.5, size=300)
    phi = rng.uniform(0, 2 * np.pi, size=300)
    X = np.c_[np.cosh(u), np.sinh(u) * np.cos(phi), np.sinh(u) * np.sin(phi)]
    disc = SymmetryDiscovery(target="data", random_state=0).fit(X)
    assert disc.n_symmetries_ == 3
    assert largest_angle(disc.generators_, Lorentz(n_space=2).lie_algebra) < 1e-8


def test_noisy_sphere_data(rng):
    X = sphere(500, 3, rng) + 0.01 * rng.normal(size=(500, 3))
    disc = SymmetryDiscovery(target="data", random_state=0).fit(X)
    assert disc.n_symmetries_ == 3
    assert largest_angle(disc.generators_, SO(3).lie_algebra) < 0.05
    assert 0 < disc.noise_level_ < 0.1 * disc.singular_values_[3]


@pytest.mark.parametrize("noise", [1e-3, 1e-2])
def test_data_symmetries_that_only_preserve_the_zero_set(noise, rng):
    # the cone x^2 + y^2 = z^2 is mapped to itself by dilations (L_xi h = 2 h, not 0):
    # judging each direction by the errors of the equations' coefficients alone lost
    # them at any noise (Scaling(3): 0 instead of 1; GL(3): 3 instead of 4)
    t = rng.uniform(-2, 2, 1000)
    u = rng.normal(size=(1000, 2))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    X = np.c_[u * np.abs(t)[:, None], t] + noise * rng.normal(size=(1000, 3))
    assert SymmetryDiscovery(target="data", candidates=Scaling(3), random_state=0).fit(X).n_symmetries_ == 1
    assert SymmetryDiscovery(target="data", candidates=GL(3), random_state=0).fit(X).n_symmetries_ == 4


@pytest.mark.slow
@pytest.mark.parametrize("noise", [0.001, 0.03, 0.1])
@pytest.mark.parametrize("seed", range(3))
def test_noisy_sphere_data_thorough(noise, seed):
    rng = np.random.RandomState(seed)
    X = sphere(500, 3, rng) + noise * rng.normal(size=(500, 3))
    disc = SymmetryDiscovery(target="data", random_state=seed).fit(X)
    assert disc.equations_.shape[0] == 1
    assert disc.n_symmetries_ == 3
    assert largest_angle(disc.generators_, SO(3).lie_algebra) < 0.1


def test_data_far_from_origin_has_no_spurious_equations(rng):
    # monomials of data in [2, 3]^3 are nearly collinear; standardising avoids false equations
    X = rng.uniform(2, 3, size=(1000, 3))
    disc = SymmetryDiscovery(target="data", random_state=0).fit(X)
    assert disc.equations_.shape[0] == 0 and disc.n_symmetries_ == 9


def test_discover_then_enforce_round_trip(rng):
    X = rng.normal(size=(200, 3))
    r2 = np.sum(X ** 2, axis=1)
    y = r2 ** 2 - 2 * r2 + 0.5
    disc = SymmetryDiscovery(library=PolynomialFeatures(4), random_state=0).fit(X, y)
    G = disc.symmetry_group_
    assert isinstance(G, Group) and G.lie_dim == 3 and G.d == 3
    assert largest_angle(G.lie_algebra, SO(3).lie_algebra) < 1e-6
    # the generators are accurate to ~alpha: enforce with a tolerance above that
    model = SymmetricRidge(group=G, library=PolynomialFeatures(4), alpha=1e-6, tol=1e-6).fit(X, y)
    reference = SymmetricRidge(group=SO(3), library=PolynomialFeatures(4), alpha=1e-6).fit(X, y)
    assert model.n_free_parameters_ == reference.n_free_parameters_ == 3
    g = SO(3).sample(1, random_state=1)[0]
    np.testing.assert_allclose(model.predict(X @ g.T), model.predict(X), rtol=1e-6)
    np.testing.assert_allclose(model.predict(X), reference.predict(X), rtol=1e-6, atol=1e-6)  # values near 0
    # noise-free data and alpha=0: exact generators, the default tolerance works
    exact = SymmetryDiscovery(library=PolynomialFeatures(4), alpha=0.0, random_state=0).fit(X, y)
    assert largest_angle(exact.symmetry_group_.lie_algebra, SO(3).lie_algebra) < 1e-12
    model = SymmetricRidge(group=exact.symmetry_group_, library=PolynomialFeatures(4)).fit(X, y)
    assert model.n_free_parameters_ == 3


def test_affine_round_trip_and_group_value(rng):
    X = rng.uniform(-1, 1, size=(150, 3))
    y = (X[:, 0] - 0.3) ** 2           # invariant under translations in x1, x2 and so(2) of (x1, x2)
    disc = SymmetryDiscovery(candidates=SE(3), random_state=0).fit(X, y)
    assert disc.n_symmetries_ == 3
    G = disc.symmetry_group_
    assert G.affine and G.lie_algebra.shape == (3, 3, 4)
    assert pickle.loads(pickle.dumps(G)) == G
    model = SymmetricRidge(group=G, alpha=1e-8).fit(X, y)
    shifted = X + np.array([0.0, 0.7, -0.4])
    np.testing.assert_allclose(model.predict(shifted), model.predict(X), atol=1e-6)


def test_raw_candidate_stack(rng):
    # candidates need not be orthonormal: their span is searched
    cands = np.array([[[0, 1, 0], [-1, 0, 0], [0, 0, 0]],
                      [[1, 1, 0], [-1, 0, 0], [0, 0, 1]],     # not orthogonal to the first
                      [[1, 0, 0], [0, 0, 0], [0, 0, 0]]], dtype=float)
    X = rng.normal(size=(100, 3))
    disc = SymmetryDiscovery(candidates=cands, random_state=0).fit(X, np.sum(X ** 2, axis=1))
    assert disc.candidates_.lie_dim == 3
    assert disc.n_symmetries_ == 1
    J = np.array([[0, 1, 0], [-1, 0, 0], [0, 0, 0]], dtype=float)
    assert largest_angle(disc.generators_, J[None]) < 1e-8


def test_float_tol_and_no_symmetry(rng):
    X = rng.normal(size=(100, 3))
    y = X[:, 0] ** 2 + 2 * X[:, 1] ** 2 + 3 * X[:, 2] ** 2 + X[:, 0] * X[:, 1] + X @ [1.0, -1.0, 0.5]
    disc = SymmetryDiscovery(random_state=0).fit(X, y)
    # a generic quadric keeps one linear symmetry (cf. the stabiliser of (Q, c))
    assert disc.n_symmetries_ == 1
    disc_float = SymmetryDiscovery(tol=1e-6, random_state=0).fit(X, y)
    assert disc_float.n_symmetries_ == 1
    disc_all = SymmetryDiscovery(tol=0.99, random_state=0).fit(X, y)
    assert disc_all.n_symmetries_ == 9 - int(np.sum(disc_all.singular_values_ > 0.99 * disc_all.singular_values_[-1]))
    assert disc_all.symmetry_group_.lie_dim == disc_all.n_symmetries_


def test_multi_output_invariance(rng):
    X = rng.normal(size=(150, 3))
    Y = np.c_[np.sum(X ** 2, axis=1), X[:, 2]]        # both invariant only under rotations about e3
    disc = SymmetryDiscovery(random_state=0).fit(X, Y)
    assert disc.coef_.shape == (2, 10) and disc.intercept_.shape == (2,)
    # GL(3) elements with A^T e3 = 0 and |x|^2 preserved: so(2) about e3
    assert disc.n_symmetries_ == 1
    R = np.zeros((3, 3))
    R[0, 1], R[1, 0] = 1.0, -1.0
    assert largest_angle(disc.generators_, R[None]) < 1e-8


def test_estimator_path(rng):
    X = rng.normal(size=(150, 3))
    y = np.sum(X ** 2, axis=1)
    est = make_pipeline(PolynomialFeatures(2), LinearRegression())
    disc = SymmetryDiscovery(estimator=est, random_state=0).fit(X, y)
    assert disc.library_ is None and disc.estimator_ is not est     # unfitted: cloned and fitted
    assert disc.n_symmetries_ == 3
    assert largest_angle(disc.generators_, SO(3).lie_algebra) < 1e-6
    assert disc.score(X, y) > 0.999
    # a fitted estimator is used as is, not refitted
    est.fit(X[:50], y[:50])
    coef = est[-1].coef_.copy()
    disc2 = SymmetryDiscovery(estimator=est, random_state=0).fit(X, y)
    assert disc2.estimator_ is est
    np.testing.assert_array_equal(est[-1].coef_, coef)
    assert disc2.n_symmetries_ == 3


@pytest.mark.parametrize("offset", [10.0, 100.0])
def test_estimator_path_far_from_the_origin(offset, rng):
    # |x|^2 on data centred at (offset, offset, offset): the broken GL(3) directions
    # spread over orders of magnitude, with a gap of ~14 among them that the largest-
    # gap rule took for the edge (6 of 9 directions reported); refits of the
    # estimator on perturbed targets give the noise level that places the cut
    X = rng.normal(size=(200, 3)) + offset
    y = np.sum(X ** 2, axis=1)
    est = make_pipeline(PolynomialFeatures(2), LinearRegression())
    disc = SymmetryDiscovery(estimator=est, random_state=0).fit(X, y)
    assert disc.n_symmetries_ == 3 and disc.noise_level_ is not None
    assert largest_angle(disc.generators_, SO(3).lie_algebra) < 1e-6
    # an approximate symmetry of a noisy fit stays one (x0^2 + x1^2: SO(2) in the
    # (x0, x1) plane and the three maps x2 d_j, with 1% noise)
    X = rng.normal(size=(200, 3))
    y = X[:, 0] ** 2 + X[:, 1] ** 2 + 0.01 * rng.normal(size=200)
    disc = SymmetryDiscovery(estimator=est, random_state=0).fit(X, y)
    assert disc.n_symmetries_ == 4


def test_estimator_refits_for_the_noise_level_are_optional_and_reproducible(rng):
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.ensemble import BaggingRegressor

    class Fragile(RegressorMixin, BaseEstimator):
        """Fits only the targets it was made for (a refit on perturbed ones fails)."""

        def __init__(self, ref=None):
            self.ref = ref

        def fit(self, X, y):
            if self.ref is not None and not np.array_equal(y, self.ref):
                raise RuntimeError("solver diverged")
            self.model_ = make_pipeline(PolynomialFeatures(2), LinearRegression()).fit(X, y)
            return self

        def predict(self, X):
            return self.model_.predict(X)

    X = rng.normal(size=(200, 3))
    y = X[:, 0] ** 2 + X[:, 1] ** 2 + 0.01 * rng.normal(size=200)
    disc = SymmetryDiscovery(estimator=Fragile(ref=y).fit(X, y), random_state=0).fit(X, y)
    assert disc.n_symmetries_ == 4 and disc.noise_level_ is None     # the fit goes on
    # a fitted estimator with its own unseeded randomness: the refits are seeded from ours
    X = X + 10.0
    y = np.sum(X ** 2, axis=1)
    bag = BaggingRegressor(make_pipeline(PolynomialFeatures(2), LinearRegression()), n_estimators=5)
    bag.fit(X, y)
    runs = [SymmetryDiscovery(estimator=bag, random_state=0).fit(X, y) for _ in range(2)]
    assert runs[0].noise_level_ is not None and runs[0].noise_level_ == runs[1].noise_level_
    assert runs[0].n_symmetries_ == 3


@pytest.mark.slow
def test_estimator_mlp_is_approximately_symmetric(rng):
    from sklearn.neural_network import MLPRegressor

    X = rng.normal(size=(300, 3))
    y = np.sum(X ** 2, axis=1)
    mlp = MLPRegressor(hidden_layer_sizes=(64, 64), max_iter=2000, random_state=0)
    disc = SymmetryDiscovery(estimator=mlp, tol=0.3, random_state=0).fit(X, y)
    assert disc.n_symmetries_ == 3
    assert largest_angle(disc.generators_, SO(3).lie_algebra) < 0.2


def test_underdetermined_fit_warns(rng):
    X = rng.normal(size=(8, 3))
    with pytest.warns(UserWarning, match="not unique"):
        SymmetryDiscovery(random_state=0).fit(X, np.sum(X ** 2, axis=1))


@pytest.mark.parametrize(
    "params, match, exc",
    [
        ({"target": "labels"}, "target must be", ValueError),
        ({"tol": -1.0}, "tol must be", ValueError),
        ({"tol": "gap"}, "tol must be", ValueError),
        ({"alpha": -1.0}, "alpha must be", ValueError),
        ({"n_points": 0}, "n_points must be", ValueError),
        ({"candidates": GL(4)}, "acts on R\\^4", ValueError),
        ({"candidates": np.zeros((2, 4, 4))}, "shape \\(q, d, d\\)", ValueError),
        ({"candidates": np.zeros((2, 3, 3))}, "all zero", ValueError),
        ({"candidates": "GL"}, "candidates must be", TypeError),
        ({"candidates": Group(d=3)}, "no Lie algebra", ValueError),
        ({"estimator": LinearRegression(), "library": PolynomialFeatures(2)}, "either estimator", ValueError),
        ({"estimator": object()}, "regressor", TypeError),
        ({"output_rep": V, "target": "data"}, "output_rep", ValueError),
        ({"library": "poly"}, "library must be", TypeError),
    ],
)
def test_parameter_errors(params, match, exc, rng):
    X = rng.normal(size=(30, 3))
    with pytest.raises(exc, match=match):
        SymmetryDiscovery(**params).fit(X, np.sum(X ** 2, axis=1))


def test_output_rep_size_mismatch(rng):
    X = rng.normal(size=(30, 3))
    with pytest.raises(ValueError, match="output_rep"):
        SymmetryDiscovery(output_rep=V).fit(X, X[:, :2])


def test_pickle_clone_gridsearch(rng):
    X = rng.normal(size=(120, 3))
    y = np.sum(X ** 2, axis=1) + 0.01 * rng.normal(size=120)
    disc = SymmetryDiscovery(random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(disc))
    np.testing.assert_array_equal(again.generators_, disc.generators_)
    assert again.symmetry_group_ == disc.symmetry_group_
    c = clone(disc)
    assert not hasattr(c, "generators_") and c.get_params() == disc.get_params()
    search = GridSearchCV(
        SymmetryDiscovery(random_state=0),
        {"library": [PolynomialFeatures(1), PolynomialFeatures(2)], "alpha": [1e-6, 1e-2]},
        cv=3, n_jobs=1,
    ).fit(X, y)
    assert search.best_params_["library"].degree == 2
    assert search.best_estimator_.n_symmetries_ == 3


def test_score_data_without_equations(rng):
    X = rng.normal(size=(200, 2))          # fills the plane: no equations, every candidate tangent
    disc = SymmetryDiscovery(target="data", random_state=0).fit(X)
    assert disc.equations_.shape[0] == 0
    assert disc.n_symmetries_ == 4
    assert disc.score(X) == 0.0


def test_deterministic_given_random_state(rng):
    X = rng.normal(size=(100, 3))
    y = np.sum(X ** 2, axis=1) + 0.01 * rng.normal(size=100)
    a = SymmetryDiscovery(random_state=3).fit(X, y)
    b = SymmetryDiscovery(random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.singular_values_, b.singular_values_)
    assert a.noise_level_ == b.noise_level_


def test_estimator_with_vector_output(rng):
    J = np.array([[0.0, -1.0], [1.0, 0.0]])
    X = rng.normal(size=(80, 2))
    disc = SymmetryDiscovery(estimator=LinearRegression(), output_rep=V, random_state=0).fit(X, X @ J.T)
    assert disc.n_symmetries_ == 2
    assert largest_angle(disc.generators_, np.array([np.eye(2), J])) < 1e-6


def test_shifted_sphere_with_affine_candidates(rng):
    c = np.array([0.5, -1.0, 2.0])
    X = sphere(300, 3, rng) * 1.5 + c
    disc = SymmetryDiscovery(candidates=SE(3), target="data", random_state=0).fit(X)
    assert disc.n_symmetries_ == 3
    # rotations about the centre: x -> A (x - c), i.e. [A | -A c] with A antisymmetric
    for G in disc.generators_:
        A, b = G[:, :3], G[:, 3]
        np.testing.assert_allclose(A, -A.T, atol=1e-8)
        np.testing.assert_allclose(b, -A @ c, atol=1e-8)


@pytest.mark.slow
def test_larger_problems():
    rng = np.random.RandomState(1)
    d = 8
    X = rng.normal(size=(2000, d))
    disc = SymmetryDiscovery(random_state=0).fit(X, np.sum(X[:, :4] ** 2, axis=1))
    assert disc.n_symmetries_ == 6 + 4 * 8       # so(4) + fields moving only unused inputs
    S = sphere(2000, 6, rng)
    disc = SymmetryDiscovery(target="data", random_state=0).fit(S)
    assert disc.n_symmetries_ == 15
    assert largest_angle(disc.generators_, SO(6).lie_algebra) < 1e-8


@pytest.mark.slow
@pytest.mark.parametrize("noise", [0.003, 0.01, 0.03])
def test_noisy_hyperboloid(noise):
    rng = np.random.RandomState(0)
    u = rng.uniform(-1.0, 1.0, size=800)
    phi = rng.uniform(0, 2 * np.pi, size=800)
    X = np.c_[np.cosh(u), np.sinh(u) * np.cos(phi), np.sinh(u) * np.sin(phi)]
    X = X + noise * rng.normal(size=X.shape)
    disc = SymmetryDiscovery(target="data", random_state=0).fit(X)
    assert disc.n_symmetries_ == 3
    assert largest_angle(disc.generators_, Lorentz(n_space=2).lie_algebra) < 0.1


def test_pickle_data_target_and_non_orthonormal_group(rng):
    X = sphere(200, 3, rng)
    disc = SymmetryDiscovery(target="data", random_state=0).fit(X)
    again = pickle.loads(pickle.dumps(disc))
    assert again.score(X) == disc.score(X)
    np.testing.assert_array_equal(again.equations_, disc.equations_)
    # a group with a scaled, non-orthogonal basis is orthonormalised (same span)
    A = SO(3).lie_algebra
    G = Group(np.array([2 * A[0], A[0] + A[1], A[2]]), name="skewed so(3)")
    Y = rng.normal(size=(100, 3))
    d2 = SymmetryDiscovery(candidates=G, random_state=0).fit(Y, np.sum(Y ** 2, axis=1))
    flat = d2.candidates_.lie_algebra.reshape(3, -1)
    np.testing.assert_allclose(flat @ flat.T, np.eye(3), atol=1e-12)
    assert d2.n_symmetries_ == 3 and d2.broken_generators_.shape == (0, 3, 3)


def test_intercept_breaks_equivariance(rng):
    # f(x) = J x + c: the output generator acts on the constant c too, so only
    # generators with A c = 0 (none in span{I, J}) could survive
    J = np.array([[0.0, -1.0], [1.0, 0.0]])
    X = rng.normal(size=(100, 2))
    disc = SymmetryDiscovery(output_rep=V, random_state=0).fit(X, X @ J.T + [1.0, 0.5])
    assert np.abs(disc.intercept_).max() > 0.1
    assert disc.n_symmetries_ == 0


def test_equivariant_outputs_with_translations_and_full_symmetry(rng):
    X = rng.normal(size=(100, 2))
    # the identity map commutes with every candidate: the whole algebra is found
    # (the spectrum is all round-off, judged against the size of the cancelling terms)
    assert SymmetryDiscovery(output_rep=V, random_state=0).fit(X, X.copy()).n_symmetries_ == 4
    # outputs that are points move with the translations of SE(2) too
    disc = SymmetryDiscovery(candidates=SE(2), output_rep=V, random_state=0).fit(X, X.copy())
    assert disc.n_symmetries_ == 3
    # x -> 2 x + 1 commutes only with the rotations about its fixed point (-1, -1)
    disc = SymmetryDiscovery(candidates=SE(2), output_rep=V, estimator=LinearRegression(),
                             random_state=0).fit(X, 2 * X + 1)
    assert disc.n_symmetries_ == 1
    A, b = disc.generators_[0][:, :2], disc.generators_[0][:, 2]
    np.testing.assert_allclose(A @ [-1.0, -1.0] + b, 0, atol=1e-6)


@pytest.mark.parametrize("tol", ["auto", 1e-3])
@pytest.mark.parametrize("path", ["library", "estimator"])
def test_single_candidate_invariant_outputs(tol, path, rng):
    # with one candidate the largest singular value is the symmetric one itself
    # (round-off); the size of the terms that cancel in DF xi is the scale of a
    # broken direction, so a float tol counts the symmetry too (it counted 0)
    X = rng.uniform(-1, 1, size=(60, 2))
    kwargs = {"estimator": make_pipeline(PolynomialFeatures(2), LinearRegression())} if path == "estimator" else {}

    def count(y):
        return SymmetryDiscovery(candidates=SO(2), tol=tol, random_state=0, **kwargs).fit(X, y).n_symmetries_

    r2 = np.sum(X ** 2, axis=1)
    assert count(r2) == 1
    assert count(1e3 + r2) == 1                   # a constant offset is not a broken direction's scale
    assert count(X[:, 0] ** 2 + 2 * X[:, 1] ** 2) == 0
    assert count(1e3 + X[:, 0] ** 2 + 2 * X[:, 1] ** 2) == 0
    if path == "estimator":                     # constants are invariant under everything
        with pytest.warns(UserWarning, match="derivatives vanish"):
            assert count(np.full(60, 5.0)) == 1
    else:
        assert count(np.full(60, 5.0)) == 1


def test_non_polynomial_library_is_sampled_on_data(rng):
    from sksym.libraries import FunctionLibrary

    def func(X):
        r2 = np.sum(X ** 2, axis=1)
        return np.c_[r2, np.exp(-r2), X[:, 0]]

    def jac(X):
        r2 = np.sum(X ** 2, axis=1)
        J = np.zeros((len(X), 3, X.shape[1]))
        J[:, 0] = 2 * X
        J[:, 1] = -2 * X * np.exp(-r2)[:, None]
        J[:, 2, 0] = 1.0
        return J

    X = rng.normal(size=(300, 3))
    y = np.exp(-np.sum(X ** 2, axis=1)) + 0.5 * X[:, 0]       # rotations about e1 only
    disc = SymmetryDiscovery(library=FunctionLibrary(func=func, jac=jac), random_state=0).fit(X, y)
    R = np.zeros((3, 3))
    R[1, 2], R[2, 1] = 1.0, -1.0
    assert disc.n_symmetries_ == 1
    assert largest_angle(disc.generators_, R[None]) < 1e-6


def test_data_symmetric_under_every_candidate(rng):
    # the spectrum is round-off everywhere; without a reference scale the sphere
    # had 1 (auto) or 0 (tol=1e-3) of its 3 symmetries and the circle 0 of 1
    S = rng.normal(size=(300, 3))
    S /= np.linalg.norm(S, axis=1, keepdims=True)
    for tol in ("auto", 1e-3):
        assert SymmetryDiscovery(target="data", candidates=SO(3), tol=tol, random_state=0).fit(S).n_symmetries_ == 3
    t = rng.uniform(0, 2 * np.pi, 200)
    C = np.c_[np.cos(t), np.sin(t)]
    assert SymmetryDiscovery(target="data", candidates=SO(2), random_state=0).fit(C).n_symmetries_ == 1
    assert SymmetryDiscovery(target="data", candidates=SO(2), random_state=0).fit(C * [1.0, 2.0]).n_symmetries_ == 0


def test_noise_level_of_points_moved_by_translations(rng):
    # L_xi F has the constant -t_xi for outputs that are points; it entered the
    # noise draws, whose level became O(1) (2.45 for SE(2)): every direction counted
    X = rng.normal(size=(100, 2))
    disc = SymmetryDiscovery(candidates=SE(2), output_rep=V, random_state=0).fit(X, 2 * X)
    assert disc.n_symmetries_ == 1 and disc.noise_level_ < 1e-6
    X3 = rng.normal(size=(100, 3))
    assert SymmetryDiscovery(candidates=SE(3), output_rep=V, random_state=0).fit(X3, 3 * X3).n_symmetries_ == 3


def test_estimator_that_predicts_unfitted_is_fitted(rng):
    # a Gaussian process predicts unfitted (its prior): check_is_fitted passed, the
    # prior (constant) was used and every candidate was reported
    from sklearn.gaussian_process import GaussianProcessRegressor

    X = rng.normal(size=(100, 3))
    y = X[:, 0] + 2 * X[:, 1] ** 2
    disc = SymmetryDiscovery(estimator=GaussianProcessRegressor(), random_state=0).fit(X, y)
    assert hasattr(disc.estimator_, "X_train_") and disc.score(X, y) > 0.99
    assert disc.n_symmetries_ < 9
    fitted = GaussianProcessRegressor().fit(X, y)
    assert SymmetryDiscovery(estimator=fitted, random_state=0).fit(X, y).estimator_ is fitted


def test_approximate_symmetries_next_to_an_exact_one(rng):
    # the cut after a round-off value must not beat a clear gap above approximate
    # symmetries (a ridge pipeline on noisy data: 4 symmetries in GL(3), of which
    # one exact; a rule that let the round-off cut compete found 1)
    from sklearn.linear_model import Ridge

    X = rng.normal(size=(200, 3))
    y = X[:, 0] ** 2 + X[:, 1] ** 2 + 0.01 * rng.normal(size=200)
    est = make_pipeline(PolynomialFeatures(2), Ridge(1e-3))
    assert SymmetryDiscovery(candidates=GL(3), estimator=est, random_state=0).fit(X, y).n_symmetries_ == 4


def test_output_constant_up_to_round_off(rng):
    # scaled to unit variance, a round-off spread became noise that swamped the
    # spectrum: every candidate counted
    X = rng.normal(size=(300, 3))
    t = rng.uniform(0, 6, size=300)
    f = X[:, 0] ** 2 + X[:, 1] ** 2
    conserved = np.sin(t) ** 2 + np.cos(t) ** 2
    for y in (f, np.c_[f, conserved], np.c_[f, np.ones(300)]):
        assert SymmetryDiscovery(candidates=SO(3), random_state=0).fit(X, y).n_symmetries_ == 1
    broken = X[:, 0] ** 2 + 1.5 * X[:, 1] ** 2
    assert SymmetryDiscovery(candidates=SO(3), random_state=0).fit(X, np.c_[broken, conserved]).n_symmetries_ == 0


@pytest.mark.parametrize("scale", [1.0, 1e-3, 1e-7, 1e3])
def test_estimator_jacobian_at_small_scales(scale, rng):
    # finite-difference steps were at least 6e-6: at inputs of size 1e-6 the
    # spectrum was meaningless (0 or 9 symmetries)
    from sklearn.base import BaseEstimator, RegressorMixin

    class Gauss(RegressorMixin, BaseEstimator):
        def __init__(self, s=1.0):
            self.s = s

        def fit(self, X, y):
            self.n_features_in_ = X.shape[1]
            return self

        def predict(self, X):
            return np.exp(-0.5 * np.sum(np.asarray(X) ** 2, axis=1) / self.s ** 2)

    X = scale * rng.normal(size=(300, 3))
    disc = SymmetryDiscovery(estimator=Gauss(scale), random_state=0).fit(X, np.zeros(300))
    assert disc.n_symmetries_ == 3
    assert largest_angle(disc.generators_, SO(3).lie_algebra) < 1e-6


def test_data_with_few_samples_warns_and_output_mismatch_is_clear(rng):
    with pytest.warns(UserWarning, match="samples for 10 library features"):
        SymmetryDiscovery(target="data", random_state=0).fit(rng.normal(size=(8, 3)))
    X = rng.normal(size=(50, 3))
    y = np.sum(X ** 2, axis=1)
    with pytest.raises(ValueError, match="predicts 2 output"):
        SymmetryDiscovery(estimator=LinearRegression().fit(X, np.c_[y, y])).fit(X, y)


@pytest.mark.parametrize("scale", [1e-2, 1e-3, 1e3])
def test_ridge_penalty_is_relative_to_the_inputs_scale(scale, rng):
    # an absolute alpha=1e-6 shrank the quadratic features of inputs of size 1e-3
    # (size 1e-6) to nothing: R^2 = 0.02 and all 9 candidates reported
    X = scale * rng.normal(size=(300, 3))
    y = np.sum(X ** 2, axis=1)
    disc = SymmetryDiscovery(random_state=0).fit(X, y)
    assert disc.score(X, y) > 1 - 1e-9
    assert disc.n_symmetries_ == 3
    assert largest_angle(disc.generators_, SO(3).lie_algebra) < 1e-6


@pytest.mark.parametrize("c", [1.0, 1e3, 1e-3])
def test_invariant_outputs_of_different_sizes(c, rng):
    # one scale and one noise level for all outputs: with |x|^2 a thousand times
    # larger, the x0 output looked rotation invariant (3 symmetries instead of 1)
    X = rng.normal(size=(300, 3))
    r2 = np.sum(X ** 2, axis=1)
    Y = np.c_[c * r2, X[:, 0]] + 0.01 * rng.normal(size=(300, 2)) * [c, 1.0]
    disc = SymmetryDiscovery(random_state=0).fit(X, Y)
    assert disc.n_symmetries_ == 1 and disc.score(X, Y) > 0.999
    est = make_pipeline(PolynomialFeatures(2), LinearRegression())
    assert SymmetryDiscovery(estimator=est, random_state=0).fit(X, np.c_[c * r2, X[:, 0]]).n_symmetries_ == 1


def test_silent_all_symmetric_results_warn(rng):
    # trees have zero derivatives and one or two points give fewer rows than
    # candidates: every (or almost every) candidate counted, silently
    from sklearn.tree import DecisionTreeRegressor

    X = rng.normal(size=(100, 3))
    y = np.sum(X ** 2, axis=1)
    with pytest.warns(UserWarning, match="derivatives vanish"):
        SymmetryDiscovery(estimator=DecisionTreeRegressor(random_state=0), random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match="too few points"):
        SymmetryDiscovery(n_points=2, random_state=0).fit(X, y)


def test_complex_candidates_are_rejected(rng):
    X = rng.normal(size=(30, 2))
    with pytest.raises(TypeError, match="real"):
        SymmetryDiscovery(candidates=np.array([[[0, 1j], [-1j, 0]]])).fit(X, X[:, 0])


@pytest.mark.parametrize("center, noise", [(10, 1e-2), (100, 1e-3)])
def test_noisy_data_away_from_the_origin_judge_each_direction_by_its_error(center, noise):
    # |x|^2 is rotation invariant about the origin; on data centred at 10 (1% noise)
    # or 100 (0.1%), three broken GL(3) directions of size ~2.5 have errors ~0.2,
    # the rotations errors ~2: one noise level for all counted 6 symmetries
    for seed in range(3):
        rng = np.random.RandomState(seed)
        X = center + rng.normal(size=(200, 3))
        y = np.sum(X ** 2, axis=1)
        y = y + noise * np.std(y) * rng.normal(size=200)
        disc = SymmetryDiscovery(random_state=0).fit(X, y)
        assert disc.n_symmetries_ == 3, (seed, disc.singular_values_, disc.direction_noise_levels_)
        if center == 10:
            assert largest_angle(disc.generators_, SO(3).lie_algebra) < 0.1


def test_direction_noise_levels_bound_the_symmetric_directions(rng):
    X = 10 + rng.normal(size=(200, 3))
    y = np.sum(X ** 2, axis=1)
    y = y + 0.01 * np.std(y) * rng.normal(size=200)
    disc = SymmetryDiscovery(random_state=0).fit(X, y)
    k, s, noise = disc.n_symmetries_, disc.singular_values_, disc.direction_noise_levels_
    assert noise.shape == s.shape == (9,) and np.all(noise > 0)
    # every symmetric direction is within its error; the two parts are ascending
    assert np.all(s[:k] <= noise[:k] * (1 + 1e-9))
    assert np.all(np.diff(s[:k]) >= 0) and np.all(np.diff(s[k:]) >= 0)
    # generators_ and broken_generators_: an orthonormal basis of gl(3)
    B = np.concatenate([disc.generators_, disc.broken_generators_]).reshape(9, -1)
    np.testing.assert_allclose(B @ B.T, np.eye(9), atol=1e-10)
    # not estimated with a float tol
    assert SymmetryDiscovery(tol=1e-3, random_state=0).fit(X, y).direction_noise_levels_ is None


def test_estimator_refits_judge_each_direction_by_its_spread(rng):
    # with estimator=, the refits on perturbed targets give each direction's
    # spread: |x|^2 centred at 10 with 1% noise has 3 symmetries (one noise level
    # for all directions counted 6); a clean fit needs no refits
    est = make_pipeline(PolynomialFeatures(2), LinearRegression())
    X = 10 + rng.normal(size=(300, 3))
    y = np.sum(X ** 2, axis=1)
    disc = SymmetryDiscovery(estimator=est, random_state=0).fit(X, y + 0.01 * np.std(y) * rng.normal(size=300))
    assert disc.n_symmetries_ == 3 and disc.direction_noise_levels_ is not None
    assert largest_angle(disc.generators_, SO(3).lie_algebra) < 0.1
    Xc = rng.normal(size=(300, 3))
    clean = SymmetryDiscovery(estimator=est, random_state=0).fit(Xc, np.sum(Xc ** 2, axis=1))
    assert clean.n_symmetries_ == 3 and clean.direction_noise_levels_ is None


@pytest.mark.parametrize("center, scale, degree, seed", [(0.0, 1e-3, 3, 0), (10.0, 1.0, 4, 0), (10.0, 1.0, 4, 1)])
def test_noise_free_fits_of_ill_conditioned_libraries_keep_their_symmetries(center, scale, degree, seed):
    # the Gram matrix's eigenvalues, cut at 1e-12 of the largest, dropped
    # directions of the design: coefficient errors of 0.56 on a degree-4 library
    # at inputs centred at 10, judged against a covariance that knew nothing of it
    rng = np.random.RandomState(seed)
    X = center + scale * rng.normal(size=(300, 3))
    r2 = np.sum(X ** 2, axis=1)
    y = r2 - 0.1 * r2 ** 2 if degree == 4 else r2
    disc = SymmetryDiscovery(library=PolynomialFeatures(degree), random_state=seed).fit(X, y)
    assert disc.n_symmetries_ == 3
    assert largest_angle(disc.generators_, SO(3).lie_algebra) < 1e-3


def test_equivariant_outputs_away_from_the_origin(rng):
    # the intercept moves with the coefficients (b = mean(y) - W mean(theta)):
    # without it the rotations' error was overstated 57-fold at inputs near 100
    J = np.array([[0.0, -1.0], [1.0, 0.0]])
    X = 100 + rng.normal(size=(200, 2))
    Y = X @ J.T
    Y = Y + 0.1 * np.std(Y, axis=0) * rng.normal(size=Y.shape)
    disc = SymmetryDiscovery(output_rep=V, random_state=0).fit(X, Y)
    assert disc.n_symmetries_ == 2
    assert largest_angle(disc.generators_, np.array([np.eye(2), J])) < 0.05


def test_tiny_targets(rng):
    X = rng.normal(size=(200, 3))
    y = 1e-160 * np.sum(X ** 2, axis=1)
    y = y + 1e-2 * np.std(y) * rng.normal(size=200)
    assert SymmetryDiscovery(random_state=0).fit(X, y).n_symmetries_ == 3


def test_weak_breaking_of_a_noise_free_fit_is_seen(rng):
    # |x|^2 + 1e-5 x1^3 keeps only the x2-x3 rotation; noise-free, the breaking
    # is far above the fit's errors (a gap rule called it a symmetry)
    X = rng.normal(size=(300, 3))
    y = np.sum(X ** 2, axis=1) + 1e-5 * X[:, 0] ** 3
    disc = SymmetryDiscovery(library=PolynomialFeatures(3), random_state=0).fit(X, y)
    assert disc.n_symmetries_ == 1


@pytest.mark.parametrize("center, degree", [(100.0, 4), (1000.0, 3)])
def test_unpenalised_fit_of_an_ill_conditioned_library(center, degree):
    # the ridge is solved through U of the centred design: forming Yc^T Tc
    # squared the condition number (|x|^2 fitted to 1e-3 of its spread at 1000)
    for seed in range(3):
        rng = np.random.RandomState(seed)
        X = center + rng.normal(size=(300, 3))
        disc = SymmetryDiscovery(library=PolynomialFeatures(degree), alpha=0.0,
                                 random_state=seed).fit(X, np.sum(X ** 2, axis=1))
        assert disc.n_symmetries_ == 3


@pytest.mark.parametrize("size", [1e-170, 1e-155, 1e160])
def test_targets_of_extreme_size(size, rng):
    X = rng.normal(size=(200, 3))
    y = size * np.sum(X ** 2, axis=1)
    assert SymmetryDiscovery(random_state=0).fit(X, y).n_symmetries_ == 3
    noisy = y + 1e-2 * size * rng.normal(size=200)
    assert SymmetryDiscovery(random_state=0).fit(X, noisy).n_symmetries_ == 3


def test_large_equivariant_outputs_and_affine_points_far_out(rng):
    # outputs of size 1e5 (a broken direction's reference in the user's units
    # against a spectrum in units of its largest value made every direction a
    # symmetry); x -> 2x on points near 100 commutes with one rotation of SE(2)
    J = np.array([[0.0, -1.0], [1.0, 0.0]])
    X = rng.normal(size=(200, 2))
    assert SymmetryDiscovery(output_rep=V, random_state=0).fit(X, 1e5 * X @ J.T).n_symmetries_ == 2
    Xc = 100 + rng.normal(size=(200, 2))
    assert SymmetryDiscovery(candidates=SE(2), output_rep=V, random_state=0).fit(Xc, 2 * Xc).n_symmetries_ == 1
