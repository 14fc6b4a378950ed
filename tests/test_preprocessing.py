import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sksym import InvariantPolynomialFeatures, SymmetryProjector
from sksym.groups import O, SE, SO, Dihedral, Lorentz, Permutation
from sksym.reps import V


@pytest.mark.parametrize(
    "G, in_rep, degree, dim",
    [(SO(3), V, 4, 3), (SO(3), V, 6, 4), (SO(3), V + V, 2, 4), (O(2), V, 4, 3),
     (Permutation(3), V, 3, 7), (Lorentz(), V, 4, 3), (Dihedral(4), V, 4, 4)],
    ids=str,
)
def test_invariant_feature_counts_and_invariance(G, in_rep, degree, dim, rng):
    R = in_rep(G)
    X = rng.normal(size=(30, R.size))
    t = InvariantPolynomialFeatures(G, degree=degree, input_rep=in_rep).fit(X)
    assert t.n_output_features_ == dim
    np.testing.assert_allclose(t.components_ @ t.components_.T, np.eye(dim), atol=1e-12)
    assert list(t.degrees_) == sorted(t.degrees_)
    Z = t.transform(X)
    for g in G.sample(10, random_state=0, scale=0.5):
        np.testing.assert_allclose(t.transform(R.act(g, X)), Z, atol=1e-9 * np.abs(Z).max())


def test_invariant_features_grading_and_names(rng):
    t = InvariantPolynomialFeatures(SO(3), degree=4).fit(rng.normal(size=(5, 3)))
    assert t.degrees_.tolist() == [0, 2, 4]
    assert t.get_feature_names_out().tolist() == ["inv0", "inv1", "inv2"]
    # input_features are checked against the inputs seen in fit, as scikit-learn does
    assert t.get_feature_names_out(["a", "b", "c"]).tolist() == ["inv0", "inv1", "inv2"]
    with pytest.raises(ValueError, match="input_features should have length equal"):
        t.get_feature_names_out(["a", "b"])
    t.feature_names_in_ = np.array(["a", "b", "c"], dtype=object)   # as fit on a data frame sets it
    with pytest.raises(ValueError, match="not equal to feature_names_in_"):
        t.get_feature_names_out(["a", "b", "d"])
    del t.feature_names_in_
    X = rng.normal(size=(5, 3))
    r2 = np.sum(X**2, axis=1)
    Z = t.transform(X)
    # the span is {1, r^2, r^4}
    coef, *_ = np.linalg.lstsq(np.c_[np.ones(5), r2, r2**2], Z, rcond=None)
    np.testing.assert_allclose(np.c_[np.ones(5), r2, r2**2] @ coef, Z, atol=1e-10)
    t = InvariantPolynomialFeatures(SO(3), degree=4, include_bias=False).fit(X)
    assert t.n_output_features_ == 2


def test_invariant_pipeline_is_invariant_model_and_grid_search(rng):
    X = rng.normal(size=(60, 3))
    y = np.sum(X**2, axis=1) + 0.01 * rng.normal(size=60)
    pipe = make_pipeline(InvariantPolynomialFeatures(SO(3)), Ridge())
    search = GridSearchCV(pipe, {"invariantpolynomialfeatures__degree": [2, 4], "ridge__alpha": [1e-3, 1]},
                          cv=3, n_jobs=2).fit(X, y)
    g = SO(3).sample(1, random_state=0)[0]
    np.testing.assert_allclose(search.predict(X @ g.T), search.predict(X), atol=1e-10)


def test_invariant_features_errors(rng):
    with pytest.raises(ValueError, match="degree"):
        InvariantPolynomialFeatures(degree=-1).fit(rng.normal(size=(4, 2)))
    with pytest.raises(ValueError, match="acts on R\\^3, but X has 2"):
        InvariantPolynomialFeatures(SO(3)).fit(rng.normal(size=(4, 2)))


def test_projector_finite_group_is_reynolds(rng):
    G = Permutation(4)
    X = rng.normal(size=(7, 4))
    P = SymmetryProjector(G).fit(X)
    assert P.n_components_ == 1
    reynolds = np.mean([X @ g.T for g in G.elements()], axis=0)
    np.testing.assert_allclose(P.transform(X), reynolds, atol=1e-12)
    D = Dihedral(3)
    Y = rng.normal(size=(5, 2))
    np.testing.assert_allclose(SymmetryProjector(D).fit_transform(Y), 0, atol=1e-12)


def test_projector_lie_group_and_inverse(rng):
    G = SO(2)
    X = rng.normal(size=(6, 5))
    P = SymmetryProjector(G, input_rep=(V >> V)).fit(rng.normal(size=(3, 4)))
    assert P.n_components_ == 2          # span{I, J}
    M = rng.normal(size=(3, 4))
    Z = P.transform(M)
    R = (V >> V)(G)
    for g in G.sample(5, random_state=0):
        np.testing.assert_allclose(Z @ R.rho(g).T, Z, atol=1e-12)
    np.testing.assert_allclose(P.transform(P.inverse_transform(Z)), Z, atol=1e-12)
    np.testing.assert_allclose(P.transform(Z), Z, atol=1e-12)     # idempotent
    assert P.get_feature_names_out().tolist() == ["x0", "x1", "x2", "x3"]


def test_projector_rejects_affine(rng):
    with pytest.raises(ValueError, match="linear action"):
        SymmetryProjector(SE(2)).fit(rng.normal(size=(3, 2)))


@pytest.mark.parametrize("degree", [17, 20, 24])
def test_invariant_features_of_high_degree(degree):
    # from degree ~17 (2 inputs) the basis came from monomials evaluated at points,
    # ill-conditioned (19 instead of 13 invariants at degree 24, invariance error
    # 2.6e-4), and the grading counted its round-off as rank (20 features at 17)
    X = np.random.RandomState(0).uniform(-1, 1, size=(50, 2))
    f = InvariantPolynomialFeatures(SO(2), degree=degree).fit(X)
    assert f.n_output_features_ == degree // 2 + 1
    assert f.degrees_.tolist() == list(range(0, degree + 1, 2))
    C = f.components_
    np.testing.assert_allclose(C @ C.T, np.eye(len(C)), atol=1e-12)
    g = SO(2).sample(3, random_state=1)
    for h in g:
        np.testing.assert_allclose(f.transform(X @ h.T), f.transform(X), atol=1e-10)


def test_projector_commutes_with_a_non_orthogonal_action():
    # a 3-cycle in a sheared basis: the orthogonal projector Q Q^T gave outputs
    # that moved by up to 8 under the group; the projection along the invariant
    # complement is the Reynolds average
    from sksym.groups import Group
    from sksym.preprocessing import SymmetryProjector

    cycle = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    S = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    g = S @ cycle @ np.linalg.inv(S)
    X = np.random.RandomState(0).normal(size=(5, 3))
    proj = SymmetryProjector(Group(discrete_generators=[g])).fit(X)
    Xt = proj.transform(X)
    np.testing.assert_allclose(proj.transform(X @ g.T), Xt, atol=1e-12)
    np.testing.assert_allclose(Xt, (X + X @ g.T + X @ (g @ g).T) / 3, atol=1e-12)
    np.testing.assert_allclose(Xt @ g.T, Xt, atol=1e-12)             # fixed points
    # a shear has no invariant complement: refused
    with pytest.raises(ValueError, match="not completely reducible"):
        SymmetryProjector(Group(lie_algebra=[[[0.0, 1.0], [0.0, 0.0]]])).fit(np.ones((3, 2)))
