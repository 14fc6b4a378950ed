import numpy as np
import pytest

from sksym.inspection import (
    StitchedMLP,
    apply_intertwiner,
    hidden_activations,
    sample_intertwiner,
    stitch,
    stitching_penalty,
)


@pytest.mark.parametrize("group", ["relu", "orthogonal", "linear", "rank-24", "none"])
def test_self_stitch_is_exact(digit_pair, digits_small, group):
    X, y = digits_small
    a, _ = digit_pair
    s = stitch(a, a, 0, X, y, group=group)
    assert isinstance(s, StitchedMLP)
    np.testing.assert_allclose(s.predict_proba(X), a.predict_proba(X), atol=1e-8)
    assert s.train_score_ == pytest.approx(a.score(X, y))
    assert abs(stitching_penalty(a, a, 0, X, y, group=group)) < 1e-12


def test_relu_stitch_recovers_grelu_transform(digit_pair, digits_small):
    """A network moved by an element of G_ReLU is stitched back exactly by the
    'relu' map (and by 'linear'), but not by 'none'."""
    X, y = digits_small
    a, _ = digit_pair
    A = sample_intertwiner("relu", 24, random_state=0)
    b = apply_intertwiner(a, 0, A)
    s = stitch(a, b, 0, X, group="relu")
    live = np.linalg.norm(hidden_activations(a, X, 0), axis=0) > 0  # dead units map to 0
    np.testing.assert_allclose(s.map_[live], A.T[live], atol=1e-10)
    assert np.all(s.map_ >= 0)
    np.testing.assert_allclose(s.predict_proba(X), a.predict_proba(X), atol=1e-10)
    assert stitching_penalty(a, b, 0, X, y, group="none") > 0.05


def test_independent_pair_ordering(digit_pair, digits_small):
    X, y = digits_small
    a, b = digit_pair
    Xtr, ytr, Xte, yte = X[:350], y[:350], X[350:], y[350:]
    pen = {g: stitching_penalty(a, b, 1, Xte, yte, group=g, X_fit=Xtr)
           for g in ("none", "relu", "linear", "rank-1")}
    assert pen["linear"] < pen["relu"] < pen["none"]
    assert pen["linear"] < pen["rank-1"]


def test_map_shapes_and_families(digit_pair, digits_small):
    X, _ = digits_small
    a, b = digit_pair
    s = stitch(a, b, -1, X, group="orthogonal")
    M = s.map_ / np.linalg.norm(s.map_, 2)
    np.testing.assert_allclose(M.T @ M, np.eye(24), atol=1e-10)
    r = stitch(a, b, 0, X, group="rank", rank=3)
    assert np.linalg.matrix_rank(r.map_) == 3
    s = stitch(a, b, 0, X, group="relu")
    assert np.all((s.map_ != 0).sum(axis=0) <= 1) and np.all(s.map_ >= 0)
    Ha = hidden_activations(a, X, 0)
    assert s.map_.shape == (Ha.shape[1], 24)
    assert "StitchedMLP" in repr(s)


def test_regression_stitch(sk_regressors, regression_data):
    X, y = regression_data
    a = sk_regressors["relu"]
    s = stitch(a, a, 1, X, y, group="linear")
    np.testing.assert_allclose(s.predict(X), a.predict(X), atol=1e-8)
    with pytest.raises(AttributeError):
        s.predict_proba(X)


def test_errors(digit_pair, digits_small, sk_regressors):
    X, y = digits_small
    a, b = digit_pair
    with pytest.raises(ValueError, match="group must be"):
        stitch(a, b, 0, X, group="rotation")
    with pytest.raises(ValueError, match="same inputs"):
        stitch(a, sk_regressors["relu"], 0, X)
    with pytest.raises(ValueError, match="hidden layer"):
        stitch(a, b, 5, X)
    with pytest.raises(ValueError, match="rank must be"):
        stitch(a, b, 0, X, group="rank-100")
    with pytest.raises(ValueError, match="expects 64"):
        stitch(a, b, 0, X[:, :10])


@pytest.mark.parametrize("group", ["relu", "linear"])
def test_task_refinement(digit_pair, digits_small, group):
    X, y = digits_small
    a, b = digit_pair
    match = stitch(a, b, 0, X, y, group=group)
    task = stitch(a, b, 0, X, y, group=group, method="task", max_iter=50)
    assert task.train_score_ >= match.train_score_ - 1e-12
    if group == "relu":
        assert np.all(task.map_ >= 0)
        assert np.array_equal(task.map_ != 0, (match.map_ != 0) & (task.map_ != 0))
        assert np.all((task.map_ != 0).sum(axis=0) <= 1)
    pen = stitching_penalty(a, b, 0, X, y, group=group, method="task")
    assert pen == pytest.approx(0.5 * (a.score(X, y) + b.score(X, y)) - task.score(X, y), abs=0.02)


def test_task_gradient_matches_finite_differences(sk_regressors, regression_data):
    """The hand-written backprop of method='task' agrees with finite differences."""
    import scipy.optimize

    from sksym.inspection import _stitching

    X, y = regression_data
    for act in ("relu", "tanh", "logistic", "identity"):
        b = sk_regressors[act]
        Ha = hidden_activations(b, X, 0)
        captured = {}
        real_minimize = scipy.optimize.minimize

        def spy(fun, x0, **kw):
            captured["fun"], captured["x0"] = fun, x0
            return real_minimize(fun, x0, **{**kw, "options": {"maxiter": 1}})

        scipy.optimize.minimize = spy
        try:
            _stitching._task_refine(Ha, np.eye(7) + 0.1, np.zeros(7), b, 0, y, "linear", 1)
        finally:
            scipy.optimize.minimize = real_minimize
        fun, x0 = captured["fun"], captured["x0"]
        _, g = fun(x0)
        rng = np.random.RandomState(0)
        for i in rng.choice(len(x0), 5, replace=False):
            e = np.zeros_like(x0)
            e[i] = 1e-6
            fd = (fun(x0 + e)[0] - fun(x0 - e)[0]) / 2e-6
            assert fd == pytest.approx(g[i], rel=1e-4, abs=1e-8)


def test_task_errors(digit_pair, digits_small, tiny_net_factory):
    X, y = digits_small
    a, b = digit_pair
    with pytest.raises(ValueError, match="needs the targets"):
        stitch(a, b, 0, X, group="relu", method="task")
    with pytest.raises(ValueError, match="supports group"):
        stitch(a, b, 0, X, y, group="orthogonal", method="task")
    with pytest.raises(ValueError, match="method must be"):
        stitch(a, b, 0, X, y, method="sgd")
