import numpy as np
import pytest

from sksym.inspection import (
    IntertwinerGroup,
    homogeneity_defect,
    intertwiner_group,
    is_intertwiner,
    sample_intertwiner,
)
from sksym.inspection._mlp import _activation_function

ACTIVATIONS = ["identity", "relu", "leaky_relu", "leaky_relu(0.2)", "tanh", "logistic",
               "gelu", "softplus", "abs", "power2", "power3", "cube"]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("affine", [False, True])
def test_sampled_elements_intertwine(activation, affine):
    """sigma(A z) = phi(A) sigma(z) + c for sampled A, to rounding."""
    G = intertwiner_group(activation, affine=affine)
    f = _activation_function(G.activation)
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(6, 50))
    for seed in range(5):
        A = sample_intertwiner(activation, 6, random_state=seed, affine=affine)
        assert is_intertwiner(A, activation, affine=affine)
        B, c = G.phi(A)
        lhs = f(A @ Z)
        rhs = B @ f(Z) + c[:, None]
        np.testing.assert_allclose(lhs, rhs, atol=1e-12, rtol=1e-12)


def test_table():
    expected = {"identity": "all", "relu": "positive", "leaky_relu": "positive",
                "tanh": "sign", "logistic": "one", "gelu": "one", "softplus": "one",
                "abs": "nonzero", "square": "nonzero", "sigmoid": "one"}
    for act, scales in expected.items():
        assert intertwiner_group(act).scales == scales
    assert intertwiner_group("logistic", affine=True).scales == "sign"
    assert intertwiner_group("abs").phi_kind == "abs"
    assert intertwiner_group("power3").degree == 3
    assert intertwiner_group("power3").phi(np.diag([2.0, -1.0]))[0][0, 0] == 8.0


def test_group_value_object():
    import pickle

    G = intertwiner_group("relu")
    assert G == IntertwinerGroup("relu")
    assert hash(G) == hash(IntertwinerGroup("relu"))
    assert pickle.loads(pickle.dumps(G)) == G
    with pytest.raises(AttributeError):
        G.scales = "one"
    assert "P D" in repr(G)


def test_membership():
    P = np.eye(3)[[1, 2, 0]]
    assert is_intertwiner(P, "gelu")
    assert not is_intertwiner(2 * P, "gelu")
    assert is_intertwiner(P * [-1, 1, 1], "tanh")
    assert not is_intertwiner(P * [-1, 1, 1], "relu")
    assert not is_intertwiner(P * [-1, 1, 1], "logistic")
    assert is_intertwiner(P * [-1, 1, 1], "logistic", affine=True)
    R = np.array([[np.cos(0.3), -np.sin(0.3)], [np.sin(0.3), np.cos(0.3)]])
    for act in ("relu", "tanh", "logistic", "gelu", "abs"):
        assert not is_intertwiner(R, act)
    assert is_intertwiner(R, "identity")
    assert not is_intertwiner(np.zeros((2, 2)), "identity")
    assert not is_intertwiner(np.diag([1.0, 0.0]), "abs")


def test_phi_rejects_outside():
    with pytest.raises(ValueError, match="not in the intertwiner group"):
        intertwiner_group("relu").phi(-np.eye(2))


def test_errors():
    with pytest.raises(ValueError, match="Unsupported activation"):
        intertwiner_group("swish")
    with pytest.raises(ValueError, match="slope"):
        intertwiner_group("leaky_relu(2)")
    with pytest.raises(TypeError):
        intertwiner_group(3)
    with pytest.raises(ValueError, match="square"):
        is_intertwiner(np.ones((2, 3)), "relu")
    with pytest.raises(ValueError, match="positive integer"):
        sample_intertwiner("relu", 0)


def test_homogeneity_defect():
    d = homogeneity_defect("relu", [0.3, 1.0, 5.0])
    assert np.all(d < 1e-12)
    assert homogeneity_defect("relu", [-1.0])[0] > 0.1
    assert homogeneity_defect("tanh", [-1.0])[0] < 1e-12
    assert homogeneity_defect("tanh", [2.0])[0] > 1e-3
    assert homogeneity_defect("logistic", [-1.0])[0] > 1e-3
    assert homogeneity_defect("logistic", [-1.0], affine=True)[0] < 1e-12
    g = homogeneity_defect("gelu", [0.4, 1.0, 2.0])
    assert g[1] < 1e-12 and g[0] > 1e-3 and g[2] > 1e-3
    swish = lambda z: z / (1 + np.exp(-z))  # noqa: E731
    assert homogeneity_defect(swish, [2.0])[0] > 1e-3
    with pytest.raises(ValueError, match="non-zero"):
        homogeneity_defect("relu", [0.0])
    with pytest.raises(ValueError):
        homogeneity_defect("relu", [np.nan])


@pytest.mark.parametrize("spread", [0.0, -1.0, np.nan, np.inf, "3"])
def test_homogeneity_defect_checks_spread(spread):
    # spread=0 put every point at 0, and -1 was reported as a ReLU intertwiner
    with pytest.raises(ValueError, match="spread"):
        homogeneity_defect("relu", [-1.0], spread=spread)
