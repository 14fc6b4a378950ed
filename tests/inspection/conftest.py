import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor


class TinyNet:
    """A minimal MLP-like object (not scikit-learn) with any activation name."""

    def __init__(self, sizes, activation, random_state=0, classes=None):
        rng = np.random.RandomState(random_state)
        self.activation = activation
        self.coefs_ = [rng.normal(size=(m, n)) / np.sqrt(m) for m, n in zip(sizes[:-1], sizes[1:])]
        self.intercepts_ = [rng.normal(size=n) * 0.5 for n in sizes[1:]]
        self.out_activation_ = "identity"
        if classes is not None:
            self.classes_ = np.asarray(classes)
            self.out_activation_ = "softmax"


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


@pytest.fixture(scope="session")
def regression_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 4))
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2]
    return X, y


@pytest.fixture(scope="session")
def sk_regressors(regression_data):
    X, y = regression_data
    return {
        act: _fit(MLPRegressor(hidden_layer_sizes=(7, 5), activation=act, solver="lbfgs",
                               max_iter=200, random_state=0), X, y)
        for act in ("identity", "logistic", "tanh", "relu")
    }


@pytest.fixture(scope="session")
def digits_small():
    X, y = load_digits(return_X_y=True)
    X = X[:500] / 16.0
    return X, y[:500]


@pytest.fixture(scope="session")
def digit_pair(digits_small):
    X, y = digits_small
    return tuple(
        _fit(MLPClassifier(hidden_layer_sizes=(24, 24), solver="lbfgs", max_iter=150,
                           random_state=seed), X, y)
        for seed in (1, 2)
    )


@pytest.fixture(scope="session")
def tiny_net_factory():
    return TinyNet
