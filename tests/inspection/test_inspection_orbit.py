import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from sksym.groups import Dihedral, Group, Permutation, SO, Trivial
from sksym.inspection import OrbitAveraging, equivariance_error, orbit_accuracy
from sksym.metrics import make_equivariance_scorer
from sksym.reps import Scalar, V


@parametrize_with_checks([OrbitAveraging(), OrbitAveraging(LogisticRegression())])
def test_sklearn_compatible(estimator, check):
    check(estimator)


rng = np.random.RandomState(0)
X2 = rng.normal(size=(120, 2))
y2 = (X2 ** 2).sum(axis=1) + 0.8 * X2[:, 0] + 0.3 * X2[:, 0] * X2[:, 1]


@pytest.mark.parametrize("group", [Dihedral(4), Dihedral(6), Permutation(2)])
def test_ridge_exactly_invariant(group):
    model = OrbitAveraging(Ridge(), group).fit(X2, y2)
    assert model.exact_
    assert len(model.elements_) == group.order
    for g in group.elements():
        np.testing.assert_allclose(model.predict(group.act(g, X2)), model.predict(X2), atol=1e-12)
    assert equivariance_error(model, X2, group) < 1e-12
    assert equivariance_error(model.estimator_, X2, group) > 0.05


def test_ridge_on_permutation_inputs():
    X = rng.normal(size=(50, 4))
    y = X @ [1.0, 2.0, 3.0, 4.0]
    G = Permutation(4)
    model = OrbitAveraging(Ridge(alpha=1e-6), G).fit(X, y)
    np.testing.assert_allclose(model.predict(X), 2.5 * X.sum(axis=1) + model.estimator_.intercept_,
                               atol=1e-8)
    assert equivariance_error(model, X, G) < 1e-12


def test_classifier_averaging():
    y = (np.abs(X2[:, 0]) + 0.5 * X2[:, 1] > 1).astype(int)
    G = Dihedral(4)
    model = OrbitAveraging(LogisticRegression(), G).fit(X2, y)
    P = model.predict_proba(X2)
    for g in G.elements():
        np.testing.assert_allclose(model.predict_proba(G.act(g, X2)), P, atol=1e-12)
    assert np.array_equal(model.classes_, [0, 1])
    assert model.predict(X2).shape == (120,)
    assert 0 <= model.score(X2, y) <= 1
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X2)), P)
    assert model.decision_function(X2).shape == (120,)


def test_lie_group_sampled_and_reproducible():
    X = rng.normal(size=(40, 3))
    y = np.linalg.norm(X, axis=1) + X[:, 0]
    a = OrbitAveraging(Ridge(), SO(3), n_samples=200, random_state=0).fit(X, y)
    b = clone(a).fit(X, y)
    assert not a.exact_ and len(a.elements_) == 200
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    plain = Ridge().fit(X, y)
    e_avg = equivariance_error(a, X, SO(3), n_samples=20, random_state=1)
    e_plain = equivariance_error(plain, X, SO(3), n_samples=20, random_state=1)
    assert e_avg < 0.5 * e_plain


def test_equivariant_output_rep():
    # y = x itself is equivariant under D4 with output rep V.
    Y = X2 @ np.array([[1.0, 0.2], [0.0, 1.0]])
    model = OrbitAveraging(Ridge(alpha=1e-8), Dihedral(4), output_rep=V).fit(X2, Y)
    assert equivariance_error(model, X2, Dihedral(4), output_rep=V) < 1e-12
    assert equivariance_error(model.estimator_, X2, Dihedral(4), output_rep=V) > 0.01


def test_input_rep_sum():
    X = rng.normal(size=(60, 4))
    y = np.einsum("ij,ij->i", X[:, :2], X[:, 2:])  # invariant under SO(2) on (V + V)
    model = OrbitAveraging(Ridge(), Dihedral(4), input_rep=V + V).fit(X, y)
    assert equivariance_error(model, X, Dihedral(4), input_rep=V + V) < 1e-12
    with pytest.raises(ValueError, match="X must have shape"):
        equivariance_error(model, X, Dihedral(4))


def test_clone_pickle_gridsearch():
    model = OrbitAveraging(Ridge(), Dihedral(4)).fit(X2, y2)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(X2), model.predict(X2))
    assert clone(model).get_params()["group"] == Dihedral(4)
    search = GridSearchCV(OrbitAveraging(Ridge(), Dihedral(4)),
                          {"estimator__alpha": [0.1, 10.0]}, cv=3,
                          scoring={"r2": "r2", "equiv": make_equivariance_scorer(Dihedral(4))},
                          refit="r2").fit(X2, y2)
    assert np.all(np.abs(search.cv_results_["mean_test_equiv"]) < 1e-12)
    search = GridSearchCV(OrbitAveraging(Ridge()), {"group": [Trivial(2), Dihedral(4)]}, cv=3,
                          scoring=make_equivariance_scorer(Dihedral(4))).fit(X2, y2)
    assert search.best_params_["group"] == Dihedral(4)


def test_orbit_accuracy_bergman_flip():
    X = rng.normal(size=(200, 3)) + 1.5
    y = (X[:, 0] > 1.5).astype(int)
    flip = Group(discrete_generators=-np.eye(3)[None], name="Z2")
    clf = LogisticRegression().fit(X, y)
    res = orbit_accuracy(clf, X, y, flip)
    assert res.exact and res.scores.shape == (2,)
    assert res.scores[0] == pytest.approx(clf.score(X, y))
    assert res.worst == res.scores.min() and res.mean == pytest.approx(res.scores.mean())
    avg = OrbitAveraging(LogisticRegression(), flip).fit(X, y)
    res2 = orbit_accuracy(avg, X, y, flip)
    assert res2.scores[0] == res2.scores[1]
    r = orbit_accuracy(clf, X, y, SO(3), n_samples=5, random_state=0, scoring="accuracy")
    assert r.scores.shape == (5,) and not r.exact


def test_errors():
    model = OrbitAveraging(Ridge(), Dihedral(4))
    with pytest.raises(ValueError, match="acts on 2 features"):
        model.fit(rng.normal(size=(10, 3)), np.zeros(10))
    with pytest.raises(TypeError, match="Group"):
        OrbitAveraging(Ridge(), "D4").fit(X2, y2)
    with pytest.raises(ValueError, match="only supported for regressors"):
        OrbitAveraging(LogisticRegression(), Dihedral(4), output_rep=V).fit(X2, y2 > 2)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        equivariance_error(Ridge(), X2, Dihedral(4))
    fitted = Ridge().fit(X2, y2)
    with pytest.raises(ValueError, match="n_samples"):
        equivariance_error(fitted, X2, SO(2), n_samples=0)
    with pytest.raises(ValueError, match="output_rep has size"):
        equivariance_error(fitted, X2, Dihedral(4), output_rep=V)
    with pytest.raises(ValueError, match="response_method"):
        equivariance_error(fitted, X2, Dihedral(4), response_method="transform")
    with pytest.raises(TypeError):
        make_equivariance_scorer("D4")
    assert equivariance_error(fitted, X2, Dihedral(4), output_rep=Scalar) > 0.05
    assert equivariance_error(fitted, X2, Trivial(2)) == 0.0


def test_scorer_signs():
    fitted = Ridge().fit(X2, y2)
    s = make_equivariance_scorer(Dihedral(4))
    e = equivariance_error(fitted, X2, Dihedral(4))
    assert s(fitted, X2, y2) == pytest.approx(-e)
    assert make_equivariance_scorer(Dihedral(4), greater_is_better=False)(fitted, X2) == pytest.approx(e)
    assert "equivariance_error" in repr(s)
    pickle.loads(pickle.dumps(s))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_bergman_bound_bias_free_odd_network(digits_small):
    """Bias-free tanh networks have odd logits, so accuracy on X plus accuracy on
    -X is at most 1 (Bergman 2019)."""
    from sklearn.neural_network import MLPClassifier

    X, y = digits_small
    X = 2 * X - 1
    mlp = MLPClassifier(hidden_layer_sizes=(10, 5), activation="tanh", solver="lbfgs",
                        max_iter=100, random_state=0).fit(X, y)
    mlp.intercepts_ = [np.zeros_like(b) for b in mlp.intercepts_]
    flip = Group(discrete_generators=-np.eye(64)[None], name="Z2")
    res = orbit_accuracy(mlp, X, y, flip)
    assert res.scores.sum() <= 1.0 + 1e-12
    assert res.scores[0] > 0.3


def test_multilabel_and_multi_output_classifiers():
    # predict took an argmax over the flattened probabilities (shape (n,) for a
    # multilabel MLP) or failed with a numpy TypeError (lists of probabilities)
    import warnings

    from sklearn.linear_model import RidgeClassifier
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 2))
    r2 = np.sum(X ** 2, axis=1)
    multilabel = np.c_[r2 > 1, r2 > 2].astype(int)
    multiclass = np.c_[r2 > 1, (r2 > 2).astype(int) + (r2 > 3)]
    g = np.array([[0.0, -1.0], [1.0, 0.0]])           # a rotation by 90 degrees, in Dihedral(4)
    cases = [(MLPClassifier(hidden_layer_sizes=(8,), max_iter=300, random_state=0), multilabel),
             (KNeighborsClassifier(3), multilabel), (KNeighborsClassifier(3), multiclass)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for est, Y in cases:
            # the trivial group reproduces the estimator's most probable classes
            plain = OrbitAveraging(est).fit(X, Y)
            inner = clone(est).fit(X, Y)
            proba = inner.predict_proba(X)
            if isinstance(proba, list):
                expected = np.column_stack([c[np.argmax(p, axis=1)] for c, p in zip(inner.classes_, proba)])
            else:
                expected = inner.predict(X)
            np.testing.assert_array_equal(plain.predict(X), expected)
            model = OrbitAveraging(est, Dihedral(4)).fit(X, Y)
            pred = model.predict(X)
            assert pred.shape == Y.shape and set(np.unique(pred)) <= set(np.unique(Y))
            # invariant probabilities (labels can flip on exact ties, by rounding)
            p, p_moved = model.predict_proba(X), model.predict_proba(X @ g.T)
            for a, b in zip(p if isinstance(p, list) else [p], p_moved if isinstance(p_moved, list) else [p_moved]):
                np.testing.assert_allclose(b, a, atol=1e-12)
    with pytest.raises(ValueError, match="predict_proba"):
        OrbitAveraging(RidgeClassifier(), Dihedral(4)).fit(X, multilabel)


def test_scorer_of_an_exact_model_is_plus_zero():
    # -0.0 was returned for an exactly equivariant model
    from sklearn.dummy import DummyRegressor

    model = DummyRegressor().fit(X2, y2)          # constant: exactly invariant
    score = make_equivariance_scorer(Dihedral(4))(model, X2)
    assert score == 0.0 and np.copysign(1.0, score) == 1.0
