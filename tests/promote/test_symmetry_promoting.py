import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import PolynomialFeatures

from sksym.groups import SE, SO, Dihedral, T
from sksym.linear_model._symmetry_promoting import SymmetryPromotingRegressor
from sksym.reps import Scalar, V


def ortho_problem(m, d, r, n, seed):
    """The 'ortho' target of Otto et al. (2023): phi(U^T x), phi a random degree-d
    polynomial in r variables (coefficients U[0, 1]), U orthonormal; returns the
    library, training data and exact coefficients."""
    rng = np.random.RandomState(seed)
    U = np.linalg.svd(rng.normal(size=(m, r)))[0][:, :r]
    lib_r = PolynomialFeatures(d).fit(np.zeros((1, r)))
    phi = rng.rand(lib_r.n_output_features_)
    lib = PolynomialFeatures(d).fit(np.zeros((1, m)))

    def f(X):
        return lib_r.transform(X @ U) @ phi

    Xc = rng.uniform(-1, 1, size=(3 * lib.n_output_features_, m))
    w_true = np.linalg.lstsq(lib.transform(Xc), f(Xc), rcond=None)[0]
    X = rng.uniform(-1, 1, size=(n, m))
    return lib, X, f(X), w_true


def _rel_err(w, w_true):
    return np.max(np.abs(w - w_true)) / np.max(np.abs(w_true))


def test_exact_fit_interpolates(rng):
    X = rng.uniform(-1, 1, size=(12, 4))
    y = rng.normal(size=12)                      # no structure: 12 samples, 15 functions
    model = SymmetryPromotingRegressor(candidates=SE(4), exact_fit=True).fit(X, y)
    np.testing.assert_allclose(model.predict(X), y, atol=1e-9)


@pytest.mark.parametrize("param", ["exact_fit", "warm_start"])
def test_boolean_parameters_are_checked(param, rng):
    X, y = rng.uniform(-1, 1, size=(10, 2)), rng.normal(size=10)
    with pytest.raises(TypeError, match=f"{param} must be a bool; got 'yes'"):
        SymmetryPromotingRegressor(**{param: "yes"}).fit(X, y)


def test_exact_fit_warns_when_the_targets_cannot_be_reproduced(rng):
    X = rng.uniform(-1, 1, size=(30, 3))             # 30 samples, 10 library functions
    y = rng.normal(size=30)
    with pytest.warns(UserWarning, match="cannot reproduce the training targets"):
        model = SymmetryPromotingRegressor(candidates=SE(3), exact_fit=True).fit(X, y)
    theta = PolynomialFeatures(2).fit_transform(X)
    ls = theta @ np.linalg.lstsq(theta, y, rcond=None)[0]
    np.testing.assert_allclose(model.predict(X), ls, atol=1e-8)   # the least-squares projection
    y_poly = (X[:, 0] + X[:, 1]) ** 2                # reproducible: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        SymmetryPromotingRegressor(candidates=SE(3), exact_fit=True).fit(X, y_poly)


@pytest.mark.parametrize("G", [T, SE], ids=["T", "SE"])
@pytest.mark.parametrize("seed", range(3))
def test_ortho_target_recovered_from_fewer_samples_than_library(G, seed):
    # ortho target, r=1, m=5, d=2: 20 samples for 21 library functions
    lib, X, y, w_true = ortho_problem(5, 2, 1, 20, seed)
    model = SymmetryPromotingRegressor(candidates=G(5), library=PolynomialFeatures(2),
                                       exact_fit=True).fit(X, y)
    assert lib.n_output_features_ == 21
    assert _rel_err(model.coef_, w_true) < 5e-3
    # plain minimum-norm interpolation does not recover it
    w_ls = np.linalg.lstsq(lib.transform(X), y, rcond=None)[0]
    assert _rel_err(w_ls, w_true) > 5e-2
    # the symmetries of the target are found: m - 1 translations for T(m)
    # (and with SE(m) also the rotations about the axis u)
    n_sym = 4 if G is T else 4 + 6
    assert model.generators_.shape[0] == n_sym


@pytest.mark.parametrize("tol", [1e-6, 1e-7, 1e-8])
def test_symmetries_of_a_degenerate_recovery_do_not_depend_on_the_solver_tolerance(tol):
    # 6 samples of phi(u . x) under SE(3): the optimum is degenerate, and an
    # objective accurate to tol leaves one symmetry's singular value at 3e-5
    # (tol = 1e-6) or 1.2e-6 (tol = 1e-8), above the floor: 0 symmetries were
    # counted; the estimator solves tighter while that value shrinks with the
    # tolerance (to 1.4e-9)
    rng = np.random.RandomState(0)
    u = rng.normal(size=3)
    u /= np.linalg.norm(u)
    X = rng.uniform(-1, 1, size=(6, 3))
    t = X @ u
    y = 0.5 + t - 0.8 * t * t
    model = SymmetryPromotingRegressor(candidates=SE(3), exact_fit=True, tol=tol).fit(X, y)
    reference = SymmetryPromotingRegressor(candidates=SE(3), exact_fit=True, tol=1e-11).fit(X, y)
    assert reference.generators_.shape[0] == model.generators_.shape[0] == 1
    overlap = abs(np.sum(model.generators_[0] * reference.generators_[0]))
    np.testing.assert_allclose(overlap, 1.0, atol=1e-6)


def test_a_tighter_solve_that_changes_nothing_does_not_change_the_count():
    # 12 samples of a T(3) target with a 1e-3 break: the fit is determined (no
    # solver iterations), its spectrum 2.1e-5, 4.6e-4, 1.43 is the same at any
    # tol; a first version took the tighter tol's 100-fold smaller floor and
    # counted 0 symmetries where cvxpy's fit counts 1
    rng = np.random.RandomState(206)
    X = rng.uniform(-1, 1, size=(12, 3))
    u = rng.normal(size=3)
    t = X @ (u / np.linalg.norm(u))
    y = 0.5 + t + t * t + 1e-3 * X[:, 0] * X[:, 2]
    counts = [SymmetryPromotingRegressor(candidates=T(3), exact_fit=True, solver=solver).fit(X, y)
              .generators_.shape[0] for solver in ("newton", "cvxpy")]
    assert counts == [1, 1]


def test_a_broken_symmetry_is_not_counted_by_the_tighter_solves(rng):
    # a 1% broken rotation with a clear gap: the tighter solves leave its
    # singular value where it is, so it stays broken
    X = rng.uniform(-1, 1, size=(25, 2))
    y = X[:, 0] ** 2 + 1.01 * X[:, 1] ** 2
    model = SymmetryPromotingRegressor(candidates=SO(2), alpha=1e-4).fit(X, y)
    assert model.generators_.shape[0] == 0
    assert model.symmetry_singular_values_[0] > 1e-3


@pytest.mark.slow
@pytest.mark.parametrize("G", [T, SE], ids=["T", "SE"])
def test_ortho_target_recovered_every_seed(G):
    for seed in range(10):
        lib, X, y, w_true = ortho_problem(5, 2, 1, 20, seed)
        model = SymmetryPromotingRegressor(candidates=G(5), exact_fit=True).fit(X, y)
        assert _rel_err(model.coef_, w_true) < 5e-3, seed


def test_admm_and_cvxpy_agree_on_the_estimator(rng):
    X = rng.uniform(-1, 1, size=(10, 3))
    y = (X[:, 0] - X[:, 2]) ** 2 + 0.05 * rng.normal(size=10)
    for exact_fit in (False, True):
        a = SymmetryPromotingRegressor(candidates=SE(3), alpha=0.03, exact_fit=exact_fit,
                                       tol=1e-10).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            b = SymmetryPromotingRegressor(candidates=SE(3), alpha=0.03, exact_fit=exact_fit,
                                           solver="cvxpy").fit(X, y)
        assert abs(a.objective_ - b.objective_) <= 1e-6 * abs(b.objective_)


def test_larger_alpha_never_increases_the_nuclear_norm(rng):
    X = rng.uniform(-1, 1, size=(15, 3))
    y = X[:, 0] ** 2 + X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=15)
    model = SymmetryPromotingRegressor(candidates=SE(3), tol=1e-9, warm_start=True)   # auto: Newton
    norms = []
    for alpha in np.logspace(-4, 1, 12):
        model.set_params(alpha=alpha).fit(X, y)
        norms.append(np.sum(model.symmetry_singular_values_))
    norms = np.array(norms)
    assert np.all(np.diff(norms) <= 1e-6 * norms[0])
    assert norms[-1] < 1e-6 * norms[0]            # large alpha: fully symmetric (constant) model


def test_warm_start_reuses_the_previous_solution(rng):
    X = rng.uniform(-1, 1, size=(15, 3))
    y = X[:, 0] ** 2 + X[:, 1] + 0.1 * rng.normal(size=15)
    warm = SymmetryPromotingRegressor(candidates=SE(3), alpha=0.05, tol=1e-9, warm_start=True,
                                      solver="admm").fit(X, y)
    warm.set_params(alpha=0.0505).fit(X, y)
    cold = SymmetryPromotingRegressor(candidates=SE(3), alpha=0.0505, tol=1e-9, solver="admm").fit(X, y)
    assert warm.n_iter_ < cold.n_iter_
    np.testing.assert_allclose(warm.coef_, cold.coef_, atol=1e-6)


def test_penalised_fit_finds_the_symmetry_the_data_reveal(rng):
    # y depends on x0 + x1 only: invariant under the translation along (1, -1, 0)/sqrt(2)
    # and along e_2
    X = rng.uniform(-1, 1, size=(40, 3))
    s = X[:, 0] + X[:, 1]
    y = s ** 2 - s + 0.01 * rng.normal(size=40)
    model = SymmetryPromotingRegressor(candidates=T(3), alpha=0.01).fit(X, y)
    assert model.generators_.shape == (2, 3, 4)
    b = model.generators_[:, :, 3]                 # translation vectors of the generators
    P = b.T @ b                                    # projector on their span
    expected = np.array([[1, -1, 0], [0, 0, np.sqrt(2)]]) / np.sqrt(2)
    np.testing.assert_allclose(P, expected.T @ expected, atol=1e-2)


def test_vector_output_equivariant_target(rng):
    X = rng.normal(size=(14, 2))
    Y = X * (1 + np.sum(X**2, axis=1, keepdims=True))        # SO(2)-equivariant
    model = SymmetryPromotingRegressor(candidates=SO(2), output_rep=V, library=PolynomialFeatures(3),
                                       exact_fit=True).fit(X, Y)
    assert model.coef_.shape == (2, 10)
    assert model.generators_.shape[0] == 1
    g = SO(2).sample(1, random_state=0)[0]
    Xt = rng.normal(size=(5, 2))
    np.testing.assert_allclose(model.predict(Xt @ g.T), model.predict(Xt) @ g.T, atol=1e-6)


def test_grid_search_over_alpha(rng):
    X = rng.uniform(-1, 1, size=(40, 3))
    y = (X[:, 0] + X[:, 1]) ** 2 + 0.05 * rng.normal(size=40)
    search = GridSearchCV(SymmetryPromotingRegressor(candidates=SE(3)),
                          {"alpha": [1e-4, 1e-2, 1.0]}, cv=3).fit(X, y)
    assert search.best_params_["alpha"] < 1.0
    assert search.best_score_ > 0.9


def test_pickle_and_clone(rng):
    X = rng.uniform(-1, 1, size=(10, 2))
    y = X[:, 0] ** 2
    model = SymmetryPromotingRegressor(candidates=SE(2), alpha=0.01).fit(X, y)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    assert clone(model).get_params()["alpha"] == 0.01


def test_candidates_as_an_array_of_generators():
    X = np.random.RandomState(1).uniform(-1, 1, size=(8, 3))
    y = (X[:, 0] - X[:, 1]) ** 2 + X[:, 0] - X[:, 1]
    model = SymmetryPromotingRegressor(candidates=np.asarray(T(3).lie_algebra), exact_fit=True).fit(X, y)
    reference = SymmetryPromotingRegressor(candidates=T(3), exact_fit=True).fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_)
    assert model.generators_.shape == (2, 3, 4)


@pytest.mark.parametrize("alpha", [-1.0, np.nan, np.inf, "1"])
def test_bad_alpha(alpha, rng):
    X, y = rng.normal(size=(10, 2)), rng.normal(size=10)
    with pytest.raises(ValueError, match="alpha"):
        SymmetryPromotingRegressor(alpha=alpha).fit(X, y)


def test_errors(rng):
    X, y = rng.normal(size=(10, 2)), rng.normal(size=10)
    with pytest.raises(ValueError, match="candidates .* act on R\\^3, but X has 2 features"):
        SymmetryPromotingRegressor(candidates=SE(3)).fit(X, y)
    with pytest.raises(ValueError, match="candidates .* R\\^4"):
        SymmetryPromotingRegressor(candidates=np.zeros((2, 4, 4))).fit(X, y)
    with pytest.raises(TypeError, match="candidates"):
        SymmetryPromotingRegressor(candidates="SE").fit(X, y)
    for shape in ((0, 2, 2), (1, 2, 4), (2, 2)):
        with pytest.raises(ValueError, match="candidates .*got shape " + re.escape(str(shape))):
            SymmetryPromotingRegressor(candidates=np.zeros(shape)).fit(X, y)
    with pytest.raises(TypeError, match="candidates .*real numbers.*complex"):
        SymmetryPromotingRegressor(candidates=1j * np.ones((1, 2, 2))).fit(X, y)
    with pytest.raises(ValueError, match="candidates must be finite"):
        SymmetryPromotingRegressor(candidates=np.full((1, 2, 2), np.nan)).fit(X, y)
    with pytest.raises(ValueError, match="has no Lie algebra"):        # was a reshape error
        SymmetryPromotingRegressor(candidates=Dihedral(4)).fit(X, y)
    with pytest.raises(ValueError, match="solver"):
        SymmetryPromotingRegressor(solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="tol"):
        SymmetryPromotingRegressor(tol=-1).fit(X, y)
    with pytest.raises(ValueError, match="max_iter"):
        SymmetryPromotingRegressor(max_iter=0).fit(X, y)
    with pytest.raises(ValueError, match="symmetry_tol"):
        SymmetryPromotingRegressor(symmetry_tol=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="output_rep"):
        SymmetryPromotingRegressor(candidates=SO(2), output_rep=V).fit(X, y)


def test_convergence_warning(rng):
    X = rng.uniform(-1, 1, size=(10, 3))
    y = rng.normal(size=10)
    with pytest.warns(ConvergenceWarning):
        SymmetryPromotingRegressor(candidates=SE(3), alpha=0.01, max_iter=3).fit(X, y)


def test_affine_output_points_are_rejected(rng):
    X = rng.normal(size=(10, 2))
    with pytest.raises(ValueError, match="V.linear"):
        SymmetryPromotingRegressor(candidates=SE(2), output_rep=V).fit(X, X)
    model = SymmetryPromotingRegressor(candidates=SE(2), output_rep=V.linear, alpha=0.01).fit(X, X)
    assert model.coef_.shape == (2, 6)


def test_tour_section_draws(rng):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sksym.linear_model._promote_tour import tour_section

    lines = []
    title, draw = tour_section(lines.append)
    assert "SE(6)" in title and len(lines) > 5
    fig, ax = plt.subplots()
    draw(ax)
    assert len(ax.lines) == 3
    plt.close(fig)


@pytest.mark.parametrize("symmetry_tol", ["auto", 1e-3])
def test_single_candidate_symmetry_is_counted(symmetry_tol, rng):
    # with one candidate the largest singular value is the round-off value itself,
    # so a float symmetry_tol relative to it never counted the symmetry
    X = rng.uniform(-1, 1, size=(40, 2))
    model = SymmetryPromotingRegressor(candidates=SO(2), symmetry_tol=symmetry_tol)
    model.fit(X, np.sum(X ** 2, axis=1))
    assert model.generators_.shape == (1, 2, 2)
    Y = np.c_[-X[:, 1], X[:, 0]] * (1 + np.sum(X ** 2, axis=1))[:, None]     # equivariant field
    model = SymmetryPromotingRegressor(candidates=SO(2), output_rep=V, symmetry_tol=symmetry_tol).fit(X, Y)
    assert model.generators_.shape == (1, 2, 2)
    model = SymmetryPromotingRegressor(candidates=SO(2), alpha=1e-6, symmetry_tol=symmetry_tol)
    model.fit(X, np.sum(X ** 2, axis=1) + X[:, 0])                             # broken
    assert model.generators_.shape == (0, 2, 2)


@pytest.mark.parametrize("symmetry_tol", ["auto", 1e-3])
def test_constant_offset_does_not_hide_a_broken_direction(symmetry_tol, rng):
    # the scale of a broken direction is the size of the terms a symmetry cancels
    # ((d_j F) xi_j), not the model's size: with an offset of 1000 a float
    # symmetry_tol relative to the model's root-mean-square counted x0^2 + 2 x1^2
    # as rotation invariant
    X = rng.uniform(-1, 1, size=(60, 2))
    for offset in (0.0, 1e3):
        broken = SymmetryPromotingRegressor(candidates=SO(2), alpha=1e-4, symmetry_tol=symmetry_tol)
        broken.fit(X, offset + X[:, 0] ** 2 + 2 * X[:, 1] ** 2)
        assert broken.generators_.shape == (0, 2, 2)
        invariant = SymmetryPromotingRegressor(candidates=SO(2), alpha=1e-4, symmetry_tol=symmetry_tol)
        invariant.fit(X, offset + np.sum(X ** 2, axis=1))
        assert invariant.generators_.shape == (1, 2, 2)


def test_constant_offset_does_not_hide_a_broken_rotation(rng):
    # the "auto" floor was 10 tol times the size of the fitted values: with an
    # offset of 1e5, the broken rotation of x0^2 + 2 x1^2 (size 0.48) counted as a
    # symmetry; a rotation-invariant target keeps its symmetry at large offsets
    X = rng.uniform(-1, 1, size=(60, 2))
    for offset in (0.0, 1e5, 1e8):
        broken = SymmetryPromotingRegressor(candidates=SO(2), alpha=1e-4).fit(
            X, offset + X[:, 0] ** 2 + 2 * X[:, 1] ** 2)
        assert broken.generators_.shape[0] == 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            invariant = SymmetryPromotingRegressor(candidates=SO(2), alpha=1e-4).fit(
                X, offset + X[:, 0] ** 2 + X[:, 1] ** 2)
        assert invariant.generators_.shape[0] == 1


def test_a_constant_model_keeps_every_candidate(rng):
    # a large alpha flattens the model to a constant: all six rigid motions are its
    # symmetries, although its singular values (solver error, ~1e-8) are far above
    # the model's own vanishing spread
    X = rng.uniform(-1, 1, size=(40, 3))
    y = X[:, 0] ** 2 + X[:, 1] ** 2 + 0.3 * X[:, 2] + 0.05 * rng.normal(size=40)
    model = SymmetryPromotingRegressor(candidates=SE(3), alpha=1.0).fit(X, y)
    assert np.std(model.predict(X)) < 1e-6 * np.std(y)
    assert model.generators_.shape == (6, 3, 4)
    # a model that still fits the data keeps only its own symmetries
    small = SymmetryPromotingRegressor(candidates=SE(3), alpha=1e-4).fit(X, y)
    assert len(small.generators_) < 6


def test_float_symmetry_tol_counts_round_off_as_zero(rng):
    # constant targets: every singular value is round-off, and the model's
    # derivatives (the reference scale) vanish too
    X = rng.uniform(-1, 1, size=(8, 3))
    model = SymmetryPromotingRegressor(candidates=T(3), exact_fit=True, symmetry_tol=1e-3)
    model.fit(X, np.full(8, 5.0))
    assert np.max(model.symmetry_singular_values_) < 1e-12
    assert model.generators_.shape == (3, 3, 4)
    # a single translation along a variable the model does not use
    t2 = np.array([[[0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]])
    X2 = X[:, :2]
    model = SymmetryPromotingRegressor(candidates=t2, alpha=1e-3, symmetry_tol=1e-3)
    model.fit(X2, X2[:, 0] ** 2 + X2[:, 0])
    assert model.generators_.shape == (1, 2, 3)


def test_candidate_arrays_are_orthonormalised(rng):
    tA = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    tB = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    X = rng.uniform(-1, 1, size=(20, 2))
    y = (X[:, 0] - X[:, 1]) ** 2 + 0.01 * rng.normal(size=20)     # about invariant along tA + tB
    ref = SymmetryPromotingRegressor(candidates=np.array([tA, tB]), alpha=1e-2).fit(X, y)
    assert ref.generators_.shape == (1, 2, 3)
    for stack in ([tA, tA, tB], [tA, 100 * tB], [tA + tB, tA - 3 * tB]):
        model = SymmetryPromotingRegressor(candidates=np.array(stack), alpha=1e-2).fit(X, y)
        # the same span: the same penalty, fit and spectrum, orthonormal generators
        np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-8)
        np.testing.assert_allclose(np.sort(model.symmetry_singular_values_)[-2:],
                                   np.sort(ref.symmetry_singular_values_), rtol=1e-6)
        assert model.generators_.shape == (1, 2, 3)
        np.testing.assert_allclose(abs(np.sum(model.generators_[0] * ref.generators_[0])), 1.0, atol=1e-8)
    with pytest.raises(ValueError, match="candidates are all zero"):
        SymmetryPromotingRegressor(candidates=np.zeros((2, 2, 3))).fit(X, y)
    # a library evaluated at the training inputs (not PolynomialFeatures) too
    from sksym.libraries import FunctionLibrary, polynomial_jacobian
    poly = PolynomialFeatures(2).fit(X)
    lib = FunctionLibrary(func=poly.transform, jac=lambda Z: polynomial_jacobian(Z, poly.powers_))
    fits = [SymmetryPromotingRegressor(candidates=np.array(stack), library=lib, alpha=1e-2).fit(X, y)
            for stack in ([tA, tB], [tA, tA, 5 * tB])]
    np.testing.assert_allclose(fits[1].coef_, fits[0].coef_, rtol=0, atol=1e-8)
    assert fits[0].generators_.shape == fits[1].generators_.shape == (1, 2, 3)


def test_candidates_acting_through_an_input_rep(rng):
    # two planar vectors, rotated together: their dot product is invariant
    X = rng.uniform(-1, 1, size=(20, 4))
    y = X[:, 0] * X[:, 2] + X[:, 1] * X[:, 3]
    model = SymmetryPromotingRegressor(candidates=SO(2), input_rep=V + V, exact_fit=True).fit(X, y)
    assert model.generators_.shape == (1, 2, 2)
    c, s = np.cos(0.7), np.sin(0.7)
    R = np.array([[c, -s], [s, c]])
    X_rot = np.hstack([X[:, :2] @ R.T, X[:, 2:] @ R.T])
    np.testing.assert_allclose(model.predict(X_rot), model.predict(X), rtol=0, atol=1e-10)
    # the candidates default to the group a bound input_rep carries
    bound = SymmetryPromotingRegressor(input_rep=(V + V)(SO(2)), exact_fit=True).fit(X, y)
    assert bound.candidates_ == SO(2)
    np.testing.assert_allclose(bound.coef_, model.coef_, atol=1e-10)
    with pytest.raises(ValueError, match="input_rep .* size 4, but X has 3 features"):
        SymmetryPromotingRegressor(candidates=SO(2), input_rep=V + V).fit(X[:, :3], y)


@pytest.mark.parametrize("seed", [-1, 2 ** 40])
def test_bad_random_state(seed, rng):
    X, y = rng.normal(size=(10, 2)), rng.normal(size=10)
    with pytest.raises(ValueError, match="random_state"):
        SymmetryPromotingRegressor(random_state=seed).fit(X, y)


def test_polynomial_penalty_does_not_depend_on_random_state(rng):
    # the nuclear norm is exact on the box for PolynomialFeatures: the points drawn
    # with random_state do not enter the fit
    X = rng.uniform(-1, 1, size=(30, 3))
    y = X[:, 0] ** 2 + X[:, 1] * X[:, 2] + 0.05 * rng.normal(size=30)
    fits = [SymmetryPromotingRegressor(candidates=SE(3), alpha=1e-2, random_state=seed).fit(X, y)
            for seed in (0, 7)]
    np.testing.assert_allclose(fits[0].coef_, fits[1].coef_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fits[0].symmetry_singular_values_, fits[1].symmetry_singular_values_,
                               rtol=1e-10)


@pytest.mark.parametrize("solver", ["newton", "admm"])
@pytest.mark.parametrize("alpha", [1e200, 1e300])
def test_a_huge_alpha_gives_the_constant_model(solver, alpha):
    # ADMM raised OverflowError (alpha ** 2) and Newton warned of invalid values
    # (the squared column norms of alpha C) before both returned the mean
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (20, 3))
    y = (X[:, 0] - X[:, 1]) ** 2
    model = SymmetryPromotingRegressor(candidates=SE(3), alpha=alpha, solver=solver).fit(X, y)
    prediction = model.predict(X)
    assert np.ptp(prediction) <= 1e-12 * y.mean()                   # a constant,
    np.testing.assert_allclose(prediction, y.mean(), atol=1e-6 * y.std())   # the least-squares one
    assert model.generators_.shape[0] == 6


@pytest.mark.parametrize("exact_fit", [False, True])
@pytest.mark.parametrize("size", [1e160, 1e-160])
def test_targets_beyond_the_squares_range_count_as_at_unit_size(size, exact_fit):
    # their squares over- or underflow: 1e160 failed with an error about an infinite noise level
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (20, 3))
    y = (X[:, 0] - X[:, 1]) ** 2 + X[:, 0] - X[:, 1]
    unit = SymmetryPromotingRegressor(candidates=T(3), alpha=1e-3, exact_fit=exact_fit).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # the objective overflows (documented)
        scaled = SymmetryPromotingRegressor(candidates=T(3), alpha=1e-3 * size,
                                            exact_fit=exact_fit).fit(X, size * y)
    assert len(unit.generators_) == len(scaled.generators_) == (2 if exact_fit else 1)
    np.testing.assert_allclose(scaled.symmetry_singular_values_ / size, unit.symmetry_singular_values_,
                               rtol=1e-6, atol=1e-8 * unit.symmetry_singular_values_.max())
    np.testing.assert_allclose(scaled.coef_ / size, unit.coef_, rtol=1e-6, atol=1e-8)


def test_large_constants_do_not_hide_broken_symmetries():
    # the floor follows the spread of the outputs, not their size: a constant of 1e5
    # (on a scalar beside a vector, or c I in a V x V output, both invariant) would
    # raise it above directions broken by ~1 (0.47, 1.29) and count them
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(40, 2))
    Y = np.c_[X[:, 0], X[:, 1], 1e5 + X[:, 0] ** 2 + 2 * X[:, 1] ** 2]
    model = SymmetryPromotingRegressor(candidates=SO(2), input_rep=V + Scalar, output_rep=V + Scalar,
                                       alpha=1e-3).fit(np.c_[X, rng.uniform(-1, 1, 40)], Y)
    assert model.generators_.shape[0] == 0 and model.symmetry_singular_values_[0] > 0.1
    F = np.stack([X[:, 0] ** 2 + 1e5, np.zeros(40), np.zeros(40), 2 * X[:, 1] ** 2 + 1e5], axis=1)
    model = SymmetryPromotingRegressor(candidates=SO(2), output_rep=V * V, alpha=1e-3).fit(X, F)
    assert model.generators_.shape[0] == 0 and model.symmetry_singular_values_[0] > 0.1
    # and a large invariant constant of a vector output still lets Newton find the
    # rotation about it (its tighter re-solve)
    X = rng.uniform(-1, 1, size=(40, 3))
    Y = np.c_[X[:, 0] + 0.3 * X[:, 1], X[:, 1] - 0.3 * X[:, 0], 1e4 + X[:, 2] ** 2]
    model = SymmetryPromotingRegressor(candidates=SO(3), output_rep=V, alpha=1e-3).fit(X, Y)
    assert model.generators_.shape[0] == 1
    assert abs(model.generators_[0][0, 1]) > 0.7 and np.allclose(model.generators_[0][2], 0, atol=1e-6)


@pytest.mark.parametrize("solver", ["newton", "admm"])
@pytest.mark.parametrize("n", [1, 5])
def test_constant_targets_keep_every_symmetry(solver, n, rng):
    # constant targets have no spread: the floor was the rounding level alone, and
    # ADMM's constant model (its values 1.7e-12, within its absolute accuracy of
    # 1e-3 tol of the start's size) kept 5 of the 6 rigid motions (1 of 6 with n=1)
    X = rng.uniform(-1, 1, size=(n, 3))
    model = SymmetryPromotingRegressor(candidates=SE(3), exact_fit=True, solver=solver)
    model.fit(X, np.full(n, 3.0))
    assert np.max(model.symmetry_singular_values_) < 1e-9
    assert model.generators_.shape == (6, 3, 4)


@pytest.mark.parametrize("alpha", [1e-5, 1e-3, 1e-1])
@pytest.mark.parametrize("solver", ["newton", "admm"])
def test_a_constant_vector_field_keeps_its_rotation(alpha, solver, rng):
    # a constant field e_z under SO(3) (output_rep=V) has spread 0, but its output
    # term B_xi F is what the nuclear norm sees: the rotation about z, at the
    # solver's error (4e-6 at alpha=1e-3 with Newton), counted as broken
    X = rng.uniform(-1, 1, size=(30, 3))
    Y = np.tile([0.0, 0.0, 1.0], (30, 1))
    model = SymmetryPromotingRegressor(candidates=SO(3), output_rep=V, alpha=alpha, solver=solver).fit(X, Y)
    assert model.generators_.shape == (1, 3, 3)
    # the rotation about e_z: the generator's only entries are (0, 1) and (1, 0)
    # (to the solver's accuracy: the vectors of a singular value of ~1e-6 beside ~0.6)
    np.testing.assert_allclose(np.abs(model.generators_[0][[0, 1], [1, 0]]), np.sqrt(0.5), atol=1e-4)
    assert model.symmetry_singular_values_[1] > 0.5
    # and a field that rotations about z move is not symmetric
    Y2 = Y + np.c_[np.ones(30), np.zeros(30), np.zeros(30)] * 0.3
    model.fit(X, Y2)
    assert model.generators_.shape == (1, 3, 3)
    axis = np.array([0.3, 0.0, 1.0]) / np.hypot(0.3, 1.0)
    G = model.generators_[0]
    np.testing.assert_allclose(G @ axis, 0.0, atol=1e-4)        # the rotation about (0.3, 0, 1)


def test_exact_fit_warns_when_an_offset_hides_a_misfit(rng):
    # the warning compared the residual with the targets' size: an offset of
    # 101325 hid a misfit of 0.14 (x0^3 in a quadratic library)
    X = rng.uniform(-1, 1, size=(20, 3))
    for offset in (0.0, 101325.0, 1e9):
        with pytest.warns(UserWarning, match="cannot reproduce the training targets"):
            SymmetryPromotingRegressor(candidates=SE(3), exact_fit=True).fit(X, offset + X[:, 0] ** 3)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            SymmetryPromotingRegressor(candidates=SE(3), exact_fit=True).fit(X, offset + X[:, 0] ** 2)
    # constant targets that the library cannot reproduce (no constant column)
    lib = PolynomialFeatures(2, include_bias=False)
    with pytest.warns(UserWarning, match="relative to the targets' size"):
        SymmetryPromotingRegressor(candidates=SE(3), library=lib, exact_fit=True).fit(X, np.full(20, 2.0))


@pytest.mark.parametrize("solver, max_iter", [("newton", 3), ("admm", 10)])
def test_an_unconverged_solve_is_not_tightened(solver, max_iter, rng):
    # the tighter re-solves ran after a solve that had not converged: n_iter_ was
    # twice max_iter, for values that were not the solver's accuracy anyway
    X = rng.uniform(-1, 1, size=(30, 3))
    y = X[:, 0] ** 2 + X[:, 1] ** 2 + 0.2 * X[:, 2] + 0.01 * rng.normal(size=30)
    model = SymmetryPromotingRegressor(candidates=SE(3), alpha=1e-2, solver=solver, max_iter=max_iter)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    assert [w.category for w in caught] == [ConvergenceWarning]
    assert model.n_iter_ == max_iter


def test_default_candidates_with_an_input_rep_say_what_to_pass(rng):
    X = rng.uniform(-1, 1, size=(10, 4))
    with pytest.raises(ValueError, match=r"default to SE\(4\).*input_rep \(V \+ V\) has size 8.*candidates=SO\(2\)"):
        SymmetryPromotingRegressor(input_rep=V + V).fit(X, X[:, 0])
    assert SymmetryPromotingRegressor(input_rep=V).fit(X, X[:, 0]).candidates_ == SE(4)


@pytest.mark.parametrize("offset", [1e3, 1e4])
def test_a_large_moved_constant_neither_hides_nor_fakes_a_rotation(offset, rng):
    # a constant offset e_z in a vector output: the nuclear norm sees it (the x
    # and y rotations move it), and the solver's error in the rotation about z,
    # 9e-4 at tol=1e-6, stayed uncounted by a floor of the outputs' spread; a
    # floor of 10 tol times the output term counted a real breaking of 0.57.
    # Values that shrink with tighter solves are the solver's; 0.57 does not.
    # (At an offset of 1e5 the error stays at 9e-4 down to tol=1e-8, so the two
    # tighter solves cannot tell it from a breaking: counted as broken.)
    X = rng.uniform(-1, 1, size=(40, 3))
    for broken in (0.0, 1.0):
        Y = np.c_[X[:, 0] + 0.3 * X[:, 1], (1 + broken) * X[:, 1] - 0.3 * X[:, 0], offset + X[:, 2] ** 2]
        model = SymmetryPromotingRegressor(candidates=SO(3), output_rep=V, alpha=1e-3).fit(X, Y)
        if broken:
            assert model.generators_.shape[0] == 0 and model.symmetry_singular_values_[0] > 0.5
        else:
            assert model.generators_.shape == (1, 3, 3)
            assert model.symmetry_singular_values_[0] < 1e-5 * model.symmetry_singular_values_[1]


def test_inputs_far_outside_the_box_are_warned_about():
    # the penalty's measure is the box [-1, 1]^d: with inputs of size 1000 the
    # docstring's example counted 3 translation symmetries (it has 2)
    rng = np.random.RandomState(1)
    X = rng.uniform(-1, 1, size=(8, 3))

    def f(Z):
        return (Z[:, 0] - Z[:, 1]) ** 2 + Z[:, 0] - Z[:, 1]

    with pytest.warns(UserWarning, match=r"X reaches \|x\| = 1e\+03: the penalty measures symmetry"):
        SymmetryPromotingRegressor(candidates=T(3), exact_fit=True).fit(1000 * X, f(1000 * X))
    # and inputs that fill little of it: the same function of inputs times 0.1 is not recovered
    with pytest.warns(UserWarning, match=r"X reaches \|x\| = 0\.1: .* mostly outside the data"):
        model = SymmetryPromotingRegressor(candidates=T(3), exact_fit=True).fit(0.1 * X, f(X))
    assert model.generators_.shape[0] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = SymmetryPromotingRegressor(candidates=T(3), exact_fit=True).fit(5 * X, f(5 * X))
    assert model.generators_.shape == (2, 3, 4)


def test_a_library_of_constants_is_not_warned_about_the_box():
    # PolynomialFeatures(0) has no Lie derivatives: the box measures nothing
    X = np.random.RandomState(0).uniform(-0.05, 0.05, (20, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = SymmetryPromotingRegressor(candidates=SO(2), library=PolynomialFeatures(0)).fit(X, X[:, 0])
    assert model.generators_.shape == (1, 2, 2)
    np.testing.assert_allclose(model.predict(X), X[:, 0].mean(), atol=1e-15)


def _review_case(seed):
    """A random problem of a review's battery (quadratic library, inputs in a box
    of half-width 1, 0.3 or 0.05, n near the library size, noise 0-1)."""
    functions = [
        ("T", 3, lambda X: (X[:, 0] + X[:, 1]) ** 2, "S"), ("T", 3, lambda X: X[:, 0] * X[:, 1] + X[:, 2], "S"),
        ("SO", 3, lambda X: (X ** 2).sum(1), "S"), ("SO", 3, lambda X: X[:, 2] ** 2 + 0.5 * (X ** 2).sum(1), "S"),
        ("SO", 3, lambda X: X, "V"), ("SO", 3, lambda X: np.tile([0, 0, 1.0], (len(X), 1)), "V"),
        ("SO", 2, lambda X: (X ** 2).sum(1), "S"), ("SO", 2, lambda X: X[:, 0] ** 2 + 2 * X[:, 1] ** 2, "S"),
        ("SE", 2, lambda X: X[:, 0] ** 2, "S"), ("SE", 2, lambda X: (X ** 2).sum(1), "S"),
        ("SE", 3, lambda X: (X[:, 0] + X[:, 1]) ** 2, "S"), ("SE", 3, lambda X: (X ** 2).sum(1), "S"),
        ("SE", 3, lambda X: X, "V"), ("SE", 2, lambda X: X, "V"),
    ]
    rng = np.random.RandomState(seed)
    group, d, f, out = functions[rng.randint(len(functions))]
    K = (d + 1) * (d + 2) // 2
    n = rng.randint(max(K - 3, 2), K + 4)
    noise = [0.0, 1e-2, 1e-1, 1.0][rng.randint(4)]
    exact = noise == 0.0 and rng.rand() < 0.5
    alpha = 10.0 ** rng.uniform(-5, 0)
    X = rng.uniform(-1, 1, (n, d)) * [1.0, 0.3, 0.05][rng.randint(3)]
    Y = f(X) + noise * rng.randn(*f(X).shape)
    G = {"T": T, "SO": SO, "SE": SE}[group](d)
    return X, Y, dict(candidates=G, alpha=alpha, exact_fit=exact, output_rep=V if out == "V" else None)


@pytest.mark.filterwarnings("ignore:X reaches:UserWarning")      # boxes of half-width 0.05 on purpose
@pytest.mark.parametrize("seed, count", [(161, 1), (9591, 3), (13211, 6), (14059, 1), (90, 1), (7512, 1)])
def test_counts_on_small_boxes_follow_the_solver_accuracy(seed, count):
    # seed 161: two directions broken at 2.3e-4 (the same at tol=1e-12) were counted
    # as symmetries by a floor taken from the least-squares fit's size (2e4 on an
    # ill-conditioned theta); seed 9591: a flat model's top value (1e-7, solver
    # error) sat above the floor and no tighter solve ran; seeds 13211 and 14059:
    # values that keep shrinking with tol (to 1e-13 and 1e-11) are the solver's;
    # seeds 90 and 7512: the gap rule's cut (1.6e-2 beside 0.98) is not solver
    # error, and hid values near the floor (3.5e-5 with a floor of 1e-6) that are
    X, Y, params = _review_case(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SymmetryPromotingRegressor(**params).fit(X, Y)
    assert model.generators_.shape[0] == count


@pytest.mark.parametrize("params", [dict(exact_fit=True), dict(alpha=1e-4), dict(exact_fit=True, symmetry_tol=1e-8)])
def test_a_real_breaking_beside_a_moved_constant_stays_broken(params, rng):
    # x + 1e5 e_z + 0.1 diag(1, -1, 0) x under SO(3): the z rotation is broken at
    # 0.12 at every tol (the data fix the model); a rule counting values below tol
    # times the nuclear norm (0.14) as unresolved counted it, over a float
    # symmetry_tol too
    X = rng.uniform(-1, 1, (40, 3))
    Y = X + 1e5 * np.array([0.0, 0.0, 1.0]) + 0.1 * np.c_[X[:, 0], -X[:, 1], np.zeros(40)]
    model = SymmetryPromotingRegressor(candidates=SO(3), output_rep=V, **params).fit(X, Y)
    assert model.generators_.shape[0] == 0
    assert model.symmetry_singular_values_[0] > 0.1
