"""SymmetricMLPRegressor / SymmetricMLPClassifier: scikit-learn parity, gradients,
exact equivariance, refused hidden representations."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sksym.groups import O, SO, Cyclic, Dihedral, Group, Lorentz, Permutation
from sksym.neural_network import SymmetricMLPClassifier, SymmetricMLPRegressor
from sksym.reps import RegularRep
from sksym.reps import V


def _flip(d):
    return Group(discrete_generators=-np.eye(d)[None], name=f"Z2 on R^{d}")


@pytest.fixture
def data(rng):
    X = rng.normal(size=(60, 4))
    y = X[:, 0] ** 2 - X[:, 1] * X[:, 2]
    return X, y


# ---------------------------------------------------------------- scikit-learn parity
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_classifier_matches_sklearn(rng, solver):
    X = rng.normal(size=(80, 5))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    kw = dict(hidden_layer_sizes=(7,), solver=solver, max_iter=15, random_state=0, activation="tanh")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = SymmetricMLPClassifier(**kw).fit(X, y)
        ref = MLPClassifier(**kw).fit(X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, atol=1e-8)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)
    assert ours.loss_ == pytest.approx(ref.loss_, rel=1e-8)
    assert ours.n_iter_ == ref.n_iter_


@pytest.mark.parametrize("activation", ["relu", "logistic", "identity"])
def test_regressor_matches_sklearn_adam(data, activation):
    X, y = data
    kw = dict(hidden_layer_sizes=(6, 5), solver="adam", max_iter=20, random_state=1,
              activation=activation, alpha=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = SymmetricMLPRegressor(**kw).fit(X, y)
        ref = MLPRegressor(**kw).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-10)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)


def test_loss_is_sklearn_loss(rng):
    """The objective: mean log-loss (or half mean squared error) + alpha/(2n) sum ||W||^2."""
    X = rng.normal(size=(50, 3))
    y = rng.randint(3, size=50)
    alpha = 0.3
    clf = SymmetricMLPClassifier((5,), solver="lbfgs", max_iter=3, alpha=alpha, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    l2 = sum(np.sum(W ** 2) for W in clf.coefs_)
    expected = log_loss(y, clf.predict_proba(X)) + 0.5 * alpha * l2 / len(X)
    assert clf.loss_ == pytest.approx(expected, rel=1e-10)
    yr = rng.normal(size=50)
    reg = SymmetricMLPRegressor((5,), solver="lbfgs", max_iter=3, alpha=alpha, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, yr)
    l2 = sum(np.sum(W ** 2) for W in reg.coefs_)
    expected = 0.5 * np.mean((reg.predict(X) - yr) ** 2) + 0.5 * alpha * l2 / len(X)
    assert reg.loss_ == pytest.approx(expected, rel=1e-10)


# ---------------------------------------------------------------- gradients
def _fd_check(est, X, Y, alpha=0.2, seed=0):
    net = est._network
    Z, E = est._inputs(X)
    theta = np.random.RandomState(seed).normal(scale=0.5, size=net.n_params)
    f, g = net.loss_grad(theta, Z, Y, alpha, E)
    h = 1e-6
    idx = np.random.RandomState(seed + 1).choice(net.n_params, size=min(25, net.n_params), replace=False)
    fd = []
    for i in idx:
        e = np.zeros_like(theta)
        e[i] = h
        fd.append((net.loss_grad(theta + e, Z, Y, alpha, E)[0] - net.loss_grad(theta - e, Z, Y, alpha, E)[0]) / (2 * h))
    np.testing.assert_allclose(g[idx], fd, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("activation", ["tanh", "logistic", "relu", "identity"])
@pytest.mark.parametrize("case", ["dense", "finite", "lie"])
def test_gradient_finite_differences(rng, activation, case):
    X = rng.normal(size=(30, 3))
    if case == "dense":
        est = SymmetricMLPRegressor((4, 3), activation=activation)
        Y = rng.normal(size=(30, 2))
    elif case == "finite":
        if activation == "relu":
            est = SymmetricMLPRegressor((8,), activation=activation, group=Permutation(3), output_rep=V)
        else:
            est = SymmetricMLPRegressor((4, 6), activation=activation, group=_flip(3), output_rep=V,
                                        hidden_rep=[V, RegularRep()] if activation == "tanh" else None)
        Y = rng.normal(size=(30, 3))
    else:
        est = SymmetricMLPRegressor((5,), activation=activation, group=SO(3), output_rep=V)
        Y = rng.normal(size=(30, 3))
    est.set_params(max_iter=1, solver="lbfgs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y)
    _fd_check(est, X, Y)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_gradient_classifier(rng, n_classes):
    X = rng.normal(size=(40, 4))
    y = rng.randint(n_classes, size=40)
    est = SymmetricMLPClassifier((6,), activation="tanh", group=_flip(4), solver="lbfgs", max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    Y = est._label_binarizer.transform(y).astype(float)
    _fd_check(est, X, Y)


def test_gradient_bias_free(rng):
    X = rng.normal(size=(30, 3))
    Y = rng.normal(size=(30, 1))
    est = SymmetricMLPRegressor((4,), activation="tanh", fit_intercept=False, solver="lbfgs", max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y)
    assert all(np.all(b == 0) for b in est.intercepts_)
    _fd_check(est, X, Y)


# ---------------------------------------------------------------- exact symmetry
def test_finite_group_exact_equivariance_vector_output(rng):
    G = Dihedral(4)
    X = rng.normal(size=(80, 2))
    y = X * np.exp(-np.sum(X ** 2, axis=1, keepdims=True))
    for act in ["relu", "tanh", "logistic"]:
        net = SymmetricMLPRegressor((16, 16), activation=act, solver="lbfgs", group=G, output_rep=V,
                                    max_iter=50, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            net.fit(X, y)
        Xt = rng.normal(size=(50, 2)) * 3
        for g in G.elements():
            np.testing.assert_allclose(net.predict(Xt @ g.T), net.predict(Xt) @ g.T, atol=1e-10)


@pytest.mark.parametrize("group,out", [(SO(3), V), (O(3), V * V)])
def test_lie_group_exact_equivariance(rng, group, out):
    X = rng.normal(size=(100, 3))
    if out == V:
        y = X * np.cos(np.sum(X ** 2, axis=1, keepdims=True))
    else:
        y = np.einsum("ni,nj->nij", X, X).reshape(-1, 9) * np.sum(X ** 2, axis=1)[:, None]
    net = SymmetricMLPRegressor((12,), activation="tanh", solver="lbfgs", group=group, output_rep=out,
                                max_iter=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net.fit(X, y)
    assert net.architecture_ == "gated"
    out_rep = out(group)
    Xt = rng.normal(size=(40, 3))
    F = net.predict(Xt)
    for g in group.sample(5, random_state=1):
        np.testing.assert_allclose(net.predict(Xt @ g.T), F @ out_rep.rho(g).T, atol=1e-10)


def test_lorentz_invariance(rng):
    G = Lorentz()
    X = rng.normal(size=(100, 8)) / 2
    eta = np.diag([1.0, -1, -1, -1])
    y = np.einsum("ni,ij,nj->n", X[:, :4], eta, X[:, 4:])
    net = SymmetricMLPRegressor((8,), activation="tanh", solver="lbfgs", group=G, input_rep=2 * V,
                                max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net.fit(X, y)
    F = net.predict(X)
    for g in G.sample(3, random_state=0, scale=0.3):
        np.testing.assert_allclose(net.predict((2 * V)(G).act(g, X)), F, atol=1e-9 * (1 + np.abs(F).max()))


def test_classifier_exact_invariance_sign_flip(rng):
    X = rng.normal(size=(120, 6))
    y = (X[:, 0] * X[:, 1] > 0).astype(int) + (X[:, 2] ** 2 > 1)
    G = _flip(6)
    for hidden_rep, act in [(None, "relu"), ([V, RegularRep()], "tanh")]:
        clf = SymmetricMLPClassifier((8, 8), activation=act, group=G, hidden_rep=hidden_rep,
                                     solver="lbfgs", max_iter=200, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        np.testing.assert_allclose(clf.predict_proba(-X), clf.predict_proba(X), atol=1e-12)
        assert clf.score(X, y) > 0.7


# ---------------------------------------------------------------- refused representations
@pytest.mark.parametrize(
    "activation,group,hidden_rep,word",
    [
        ("relu", _flip(3), V, "positive"),          # -I is a signed permutation
        ("logistic", _flip(3), V, "permutation"),
        ("tanh", Cyclic(3), V, "signed permutation"),  # rotation by 120 degrees
        ("relu", Dihedral(4), V, "permutation"),
    ],
)
def test_refused_hidden_rep(rng, activation, group, hidden_rep, word):
    X = rng.normal(size=(20, group.d))
    y = rng.normal(size=20)
    est = SymmetricMLPRegressor((group.d,), activation=activation, group=group, hidden_rep=hidden_rep)
    with pytest.raises(ValueError, match=f"activation='{activation}'") as exc:
        est.fit(X, y)
    assert word in str(exc.value)


def test_allowed_hidden_reps(rng):
    X = rng.normal(size=(20, 3))
    y = np.sum(X ** 2, axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # signed permutations with tanh; identity admits anything
        SymmetricMLPRegressor((3, 2), activation="tanh", group=_flip(3), hidden_rep=[V, RegularRep()],
                              max_iter=5).fit(X, y)
        with pytest.warns(UserWarning, match="does not depend on its inputs"):   # V has no invariant part
            SymmetricMLPRegressor((2,), activation="identity", group=Cyclic(3), input_rep=V, hidden_rep=V,
                                  max_iter=5).fit(X[:, :2], y)
        SymmetricMLPRegressor((3,), activation="relu", group=Permutation(3), hidden_rep=V,
                              max_iter=5).fit(X, y)


def test_hidden_rep_with_lie_group_refused(rng):
    X = rng.normal(size=(20, 3))
    with pytest.raises(ValueError, match="finite groups"):
        SymmetricMLPRegressor(group=SO(3), hidden_rep=V).fit(X, X[:, 0])


# ---------------------------------------------------------------- Bergman's bound
def test_bias_free_odd_network_accuracy_bound(rng):
    """For a bias-free odd network, accuracy on X plus accuracy on -X is at most 1."""
    from sksym.inspection import orbit_accuracy

    centers = rng.normal(size=(4, 5)) * 3
    y = rng.randint(4, size=200)
    X = centers[y] + rng.normal(size=(200, 5))
    clf = SymmetricMLPClassifier((10, 5), activation="tanh", fit_intercept=False, solver="lbfgs",
                                 max_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    res = orbit_accuracy(clf, X, y, _flip(5))
    assert res.scores[0] > 0.8
    assert res.scores[0] + res.scores[1] <= 1.0 + 1e-12


# ---------------------------------------------------------------- API
def test_pipeline_gridsearch_pickle(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), SymmetricMLPRegressor((8,), solver="lbfgs", max_iter=50, random_state=0))
    grid = GridSearchCV(pipe, {"symmetricmlpregressor__alpha": [1e-4, 1e-1]}, cv=2, n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
    est = SymmetricMLPRegressor((8,), solver="lbfgs", max_iter=30, random_state=0, group=Permutation(4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    est2 = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(est.predict(X), est2.predict(X))
    gated = SymmetricMLPRegressor((4,), solver="lbfgs", max_iter=5, group=SO(4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gated.fit(X, y)
    np.testing.assert_array_equal(gated.predict(X), pickle.loads(pickle.dumps(gated)).predict(X))


def test_convergence_warning(data):
    X, y = data
    with pytest.warns(ConvergenceWarning):
        SymmetricMLPRegressor((5,), solver="lbfgs", max_iter=2).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        SymmetricMLPRegressor((5,), solver="adam", max_iter=2).fit(X, y)


@pytest.mark.parametrize(
    "params,match",
    [
        ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
        ({"activation": "gelu"}, "activation"),
        ({"solver": "sgd"}, "solver"),
        ({"alpha": -1.0}, "alpha"),
        ({"symmetry": "soft"}, "symmetry"),
        ({"batch_size": 0}, "batch_size"),
        ({"learning_rate_init": 0.0}, "learning_rate_init"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"gate_degree": -1}, "gate_degree"),
    ],
)
def test_invalid_params(data, params, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        SymmetricMLPRegressor(**params).fit(X, y)


def test_invalid_group_and_reps(data):
    X, y = data
    with pytest.raises(TypeError, match="group"):
        SymmetricMLPRegressor(group="SO3").fit(X, y)
    with pytest.raises(ValueError, match="Dimension mismatch"):
        SymmetricMLPRegressor(group=SO(3)).fit(X, y)
    with pytest.raises(TypeError, match="hidden_rep"):
        SymmetricMLPRegressor(group=Permutation(4), hidden_rep="regular").fit(X, y)
    with pytest.raises(ValueError, match="hidden layers"):
        SymmetricMLPRegressor((4, 4), group=Permutation(4), hidden_rep=[V]).fit(X, y)


def test_warm_start_and_early_stopping(data):
    X, y = data
    est = SymmetricMLPRegressor((8,), solver="adam", max_iter=5, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        l1 = est.loss_
        est.fit(X, y)
    assert est.loss_ < l1
    est = SymmetricMLPRegressor((8,), early_stopping=True, max_iter=30, random_state=0, n_iter_no_change=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_
    assert est.best_validation_score_ == max(est.validation_scores_)


def test_warm_start_rebuilds_when_the_group_or_the_targets_change(rng):
    # two unnamed groups share a repr: the old network (symmetric under the first)
    # was kept, and its predictions were not invariant under the second
    X = rng.normal(size=(100, 3))
    y = X[:, 0] ** 2 + X[:, 1]
    G1 = Group(discrete_generators=-np.eye(3)[None])
    G2 = Group(discrete_generators=np.diag([1.0, -1.0, 1.0])[None])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net = SymmetricMLPRegressor((8,), activation="tanh", solver="lbfgs", max_iter=50, random_state=0,
                                    group=G1, warm_start=True).fit(X, y)
        net.set_params(group=G2).fit(X, y)
        assert net.group_ == G2
        np.testing.assert_allclose(net.predict(X * [1.0, -1.0, 1.0]), net.predict(X), atol=1e-10)
        # multiclass then multilabel with as many columns: the softmax output was kept
        clf = SymmetricMLPClassifier((8,), solver="lbfgs", max_iter=30, random_state=0, warm_start=True)
        clf.fit(X, rng.randint(0, 3, 100))
        Y = (rng.rand(100, 3) > 0.5).astype(int)
        fresh = SymmetricMLPClassifier((8,), solver="lbfgs", max_iter=30, random_state=0).fit(X, Y)
        clf.fit(X, Y)
    assert clf.out_activation_ == "logistic"
    np.testing.assert_allclose(clf.predict_proba(X), fresh.predict_proba(X), rtol=1e-10, atol=1e-12)


def test_fewer_parameters_with_symmetry(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = SymmetricMLPRegressor((24,), max_iter=2).fit(X, y)
        sym = SymmetricMLPRegressor((24,), max_iter=2, group=Permutation(4)).fit(X, y)
    assert sym.n_parameters_ < plain.n_parameters_
    assert [c.shape for c in sym.coefs_] == [c.shape for c in plain.coefs_]


def test_classifier_lie_group_invariant(rng):
    X = rng.normal(size=(150, 3))
    y = (np.linalg.norm(X, axis=1) > 1.5).astype(int)
    clf = SymmetricMLPClassifier((8,), activation="tanh", group=SO(3), solver="lbfgs", max_iter=100,
                                 random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.score(X, y) > 0.9
    P = clf.predict_proba(X)
    for g in SO(3).sample(3, random_state=0):
        np.testing.assert_allclose(clf.predict_proba(X @ g.T), P, atol=1e-10)


def test_classifier_promote_runs(rng):
    X = rng.normal(size=(80, 3))
    y = (np.linalg.norm(X, axis=1) > 1.5).astype(int)
    clf = SymmetricMLPClassifier((6,), group=SO(3), symmetry="promote", solver="adam", max_iter=20,
                                 random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.lie_singular_values_.shape == (3,)
    assert clf.predict(X).shape == (80,)


def test_large_group_needs_hidden_rep(rng):
    X = rng.normal(size=(20, 6))
    with pytest.raises(ValueError, match="pass hidden_rep"):
        SymmetricMLPRegressor(group=Permutation(6)).fit(X, X[:, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = SymmetricMLPRegressor((12,), group=Permutation(6), hidden_rep=V, max_iter=5).fit(X, X[:, 0])
    np.testing.assert_allclose(est.predict(X[:, ::-1]), est.predict(X), atol=1e-10)


def test_single_output_predictions_are_1d_as_in_sklearn(rng):
    X = rng.normal(size=(30, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = SymmetricMLPRegressor(hidden_layer_sizes=(4,), max_iter=20, random_state=0).fit(X, X[:, :1])
        theirs = MLPRegressor(hidden_layer_sizes=(4,), max_iter=20, random_state=0).fit(X, X[:, :1])
    assert ours.predict(X).shape == theirs.predict(X).shape == (30,)


def test_networks_constant_by_construction_warn(rng):
    # no invariant polynomials (Scaling), or a hidden representation without an
    # invariant part feeding an invariant output: constant predictions, silently
    from sksym.groups import Scaling

    X = rng.normal(size=(60, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    flip = Group(discrete_generators=-np.eye(2)[None])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(UserWarning, match="does not depend on its inputs"):
            SymmetricMLPClassifier((4,), group=flip, hidden_rep=V, activation="tanh", max_iter=20,
                                   random_state=0).fit(X, y)
        with pytest.warns(UserWarning, match="does not depend on its inputs"):
            SymmetricMLPRegressor((4,), group=Scaling(2), max_iter=20, random_state=0).fit(X, X[:, 0] * X[:, 1])
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        SymmetricMLPRegressor((4,), group=flip, max_iter=20, random_state=0).fit(X, X[:, 0] * X[:, 1])


def test_infinite_group_regular_rep_message(rng):
    shear = Group(discrete_generators=np.array([[[1.0, 1.0], [0.0, 1.0]]]))
    X = rng.normal(size=(20, 2))
    with pytest.raises(ValueError, match="infinitely many units"):
        SymmetricMLPRegressor((4,), group=shear).fit(X, X[:, 0])
