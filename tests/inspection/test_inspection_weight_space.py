import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sksym.inspection import (
    apply_intertwiner,
    canonicalize_mlp,
    hidden_activations,
    sample_intertwiner,
)
from sksym.inspection._mlp import _forward

SK_ACTS = ["identity", "logistic", "tanh", "relu"]
TINY_ACTS = ["relu", "leaky_relu", "leaky_relu(0.3)", "tanh", "logistic", "gelu", "softplus",
             "abs", "power2", "power3", "identity"]


def _move(net, seed, affine=False):
    for layer, W in enumerate(net.coefs_[:-1]):
        A = sample_intertwiner(net.activation, W.shape[1], random_state=seed + layer, affine=affine)
        net = apply_intertwiner(net, layer, A, affine=affine)
    return net


@pytest.mark.parametrize("activation", SK_ACTS)
@pytest.mark.parametrize("affine", [False, True])
def test_sklearn_function_preserved(sk_regressors, regression_data, activation, affine):
    X, _ = regression_data
    mlp = sk_regressors[activation]
    moved = _move(mlp, seed=3, affine=affine)
    assert type(moved) is type(mlp)
    assert not np.allclose(moved.coefs_[0], mlp.coefs_[0])
    np.testing.assert_allclose(moved.predict(X), mlp.predict(X), atol=1e-12, rtol=0)
    # The original is untouched.
    assert mlp.coefs_[0] is not moved.coefs_[0]


def test_classifier_proba_preserved(digit_pair, digits_small):
    X, _ = digits_small
    a, _ = digit_pair
    moved = _move(a, seed=0)
    np.testing.assert_allclose(moved.predict_proba(X), a.predict_proba(X), atol=1e-12, rtol=0)
    assert np.array_equal(moved.predict(X), a.predict(X))
    # Hidden representation moves by phi(A): same units up to scale/permutation.
    A = sample_intertwiner("relu", 24, random_state=5)
    m2 = apply_intertwiner(a, 0, A)
    np.testing.assert_allclose(hidden_activations(m2, X, 0), hidden_activations(a, X, 0) @ A.T,
                               atol=1e-12)
    pickle.loads(pickle.dumps(m2))


@pytest.mark.parametrize("activation", TINY_ACTS)
def test_tiny_net_function_preserved(tiny_net_factory, activation):
    net = tiny_net_factory([3, 6, 5, 2], activation)
    X = np.random.RandomState(1).normal(size=(40, 3))
    affine = activation == "logistic"
    moved = _move(net, seed=7, affine=affine)
    _, out0 = _forward(net.coefs_, net.intercepts_, activation, X)
    _, out1 = _forward(moved.coefs_, moved.intercepts_, activation, X)
    np.testing.assert_allclose(out1, out0, atol=1e-12, rtol=1e-12)


def test_refuses_element_outside_group(sk_regressors):
    relu = sk_regressors["relu"]
    R = np.eye(7)
    R[:2, :2] = [[0.6, -0.8], [0.8, 0.6]]
    with pytest.raises(ValueError, match="not in the intertwiner group"):
        apply_intertwiner(relu, 0, R)
    with pytest.raises(ValueError, match="not in the intertwiner group"):
        apply_intertwiner(relu, 0, -np.eye(7))
    with pytest.raises(ValueError, match="not in the intertwiner group"):
        apply_intertwiner(sk_regressors["logistic"], 0, -np.eye(7))  # linear convention
    with pytest.raises(ValueError, match=r"shape \(7, 7\)"):
        apply_intertwiner(relu, 0, np.eye(5))
    with pytest.raises(ValueError, match="hidden layer"):
        apply_intertwiner(relu, 2, np.eye(5))
    assert apply_intertwiner(relu, -1, np.eye(5)).coefs_[1].shape == (7, 5)


def test_errors_unfitted_and_unsupported(tiny_net_factory):
    with pytest.raises(NotFittedError):
        apply_intertwiner(MLPRegressor(), 0, np.eye(2))
    with pytest.raises(NotFittedError):
        canonicalize_mlp(MLPClassifier())
    with pytest.raises(TypeError):
        hidden_activations(object(), np.zeros((2, 2)))
    net = tiny_net_factory([2, 3, 1], "swish")
    with pytest.raises(ValueError, match="Unsupported activation"):
        apply_intertwiner(net, 0, np.eye(3))


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu"])
def test_canonicalize_orbit(sk_regressors, regression_data, activation):
    X, _ = regression_data
    mlp = sk_regressors[activation]
    affine = activation == "logistic"
    moved = _move(mlp, seed=11, affine=affine)
    ca = canonicalize_mlp(mlp, affine=affine)
    cb = canonicalize_mlp(moved, affine=affine)
    for u, v in zip(ca.coefs_ + ca.intercepts_, cb.coefs_ + cb.intercepts_):
        np.testing.assert_allclose(u, v, atol=1e-10)
    np.testing.assert_allclose(ca.predict(X), mlp.predict(X), atol=1e-12)


@pytest.mark.parametrize("activation", ["abs", "power3", "leaky_relu", "gelu"])
def test_canonicalize_tiny(tiny_net_factory, activation):
    net = tiny_net_factory([3, 6, 5, 2], activation)
    moved = _move(net, seed=2)
    ca, cb = canonicalize_mlp(net), canonicalize_mlp(moved)
    for u, v in zip(ca.coefs_ + ca.intercepts_, cb.coefs_ + cb.intercepts_):
        np.testing.assert_allclose(u, v, atol=1e-10)


def test_canonical_relu_units_have_unit_norm(sk_regressors):
    c = canonicalize_mlp(sk_regressors["relu"])
    for k in range(2):
        norms = np.sqrt((c.coefs_[k] ** 2).sum(axis=0) + c.intercepts_[k] ** 2)
        np.testing.assert_allclose(norms[norms > 0], 1.0)
        assert np.all(np.diff(c.intercepts_[k]) >= 0)


def test_hidden_activations_checks(sk_regressors):
    mlp = sk_regressors["relu"]
    with pytest.raises(ValueError, match="expects 4"):
        hidden_activations(mlp, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="2-D"):
        hidden_activations(mlp, np.zeros(4))


def test_canonicalize_identity_gl(regression_data):
    X, y = regression_data
    mlp = MLPRegressor(hidden_layer_sizes=(5, 4), activation="identity", solver="lbfgs",
                       max_iter=50, random_state=0).fit(X, y)
    moved = _move(mlp, seed=4)
    ca, cb = canonicalize_mlp(mlp), canonicalize_mlp(moved)
    for u, v in zip(ca.coefs_ + ca.intercepts_, cb.coefs_ + cb.intercepts_):
        np.testing.assert_allclose(u, v, atol=1e-8)
    np.testing.assert_allclose(ca.predict(X), mlp.predict(X), atol=1e-10)


def test_canonicalize_identity_too_wide(sk_regressors):
    with pytest.raises(ValueError, match="no unique"):
        canonicalize_mlp(sk_regressors["identity"])


def test_gated_networks_are_refused():
    # the coefs_ of a gated network act on invariant features, not on the inputs:
    # hidden_activations returned values that were not even SO(2)-invariant
    import warnings

    from sksym.groups import SO
    from sksym.inspection import align_mlps
    from sksym.neural_network import SymmetricMLPRegressor
    from sksym.reps import V

    X = np.random.RandomState(0).normal(size=(60, 4))
    y = X[:, 0] * X[:, 2] + X[:, 1] * X[:, 3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = SymmetricMLPRegressor((5,), activation="tanh", solver="lbfgs", group=SO(2), input_rep=V + V,
                                    max_iter=50, random_state=0).fit(X, y)
    assert net.architecture_ == "gated"
    for call in (lambda: hidden_activations(net, X, 0), lambda: canonicalize_mlp(net),
                 lambda: align_mlps(net, net)):
        with pytest.raises(ValueError, match="gated"):
            call()


def test_moved_network_can_be_warm_started_with_early_stopping():
    # the moved copy lost _best_coefs, which scikit-learn's warm start with early
    # stopping reads (AttributeError)
    import warnings

    X = np.random.RandomState(0).normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = MLPClassifier(hidden_layer_sizes=(5,), max_iter=30, random_state=0, early_stopping=True).fit(X, y)
        moved = apply_intertwiner(net, 0, sample_intertwiner("relu", 5, random_state=0))
        np.testing.assert_allclose(moved.predict_proba(X), net.predict_proba(X), atol=1e-12)
        moved.set_params(warm_start=True).fit(X, y)
    assert moved.n_iter_ >= 1


def test_canonical_form_of_an_equivariant_network():
    # equivariant networks tie biases exactly; after normalisation they differed in
    # the last bits and the units were sorted by rounding noise (16 of 20 orbit
    # members canonicalised differently, by up to 0.56)
    import warnings

    from sksym.groups import Permutation
    from sksym.neural_network import SymmetricMLPRegressor

    X = np.random.RandomState(0).normal(size=(80, 3))
    y = np.sort(X, axis=1)[:, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = SymmetricMLPRegressor((12,), group=Permutation(3), solver="lbfgs", max_iter=200,
                                    random_state=0).fit(X, y)
    ref = canonicalize_mlp(net)
    for seed in range(10):
        other = canonicalize_mlp(apply_intertwiner(net, 0, sample_intertwiner("relu", 12, random_state=seed)))
        for u, v in zip(ref.coefs_ + ref.intercepts_, other.coefs_ + other.intercepts_):
            np.testing.assert_allclose(v, u, atol=1e-12)
