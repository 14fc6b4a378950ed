"""symmetry='promote' (nuclear norm of Lie derivatives), datasets, tour."""

import warnings

import numpy as np
import pytest
from scipy.linalg import expm
from sklearn.exceptions import ConvergenceWarning

from sksym.groups import SO, Permutation
from sksym.neural_network import SymmetricMLPRegressor
from sksym.neural_network._promote import lie_derivative_matrix, nuclear_norm_subgradient, penalty_and_grad
from sksym.reps import V


def _fit(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return SymmetricMLPRegressor(**kw)


@pytest.mark.parametrize("activation", ["tanh", "logistic", "relu"])
@pytest.mark.parametrize("out", [None, V])
@pytest.mark.parametrize("smoothing", [0.0, 0.05])
def test_promote_penalty_gradient(rng, activation, out, smoothing):
    X = rng.normal(size=(25, 3))
    y = X * 1.0 if out is not None else X[:, 0]
    est = _fit(hidden_layer_sizes=(5, 4), activation=activation, group=SO(3), output_rep=out,
               symmetry="promote", max_iter=1, solver="lbfgs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    A = np.asarray(SO(3).lie_algebra)
    B = est.output_rep_.drho(A)
    Ws = [rng.normal(size=W.shape) for W in est.coefs_]
    bs = [rng.normal(size=b.shape) for b in est.intercepts_]

    def value(Ws_, bs_):
        return penalty_and_grad(X, Ws_, bs_, activation, A, B, est.input_rep_, 0.7, smoothing)[0]

    _, gW, gb = penalty_and_grad(X, Ws, bs, activation, A, B, est.input_rep_, 0.7, smoothing)
    h = 1e-6
    for layer in range(len(Ws)):
        for _ in range(3):
            i = tuple(rng.randint(s) for s in Ws[layer].shape)
            Wp = [w.copy() for w in Ws]
            Wm = [w.copy() for w in Ws]
            Wp[layer][i] += h
            Wm[layer][i] -= h
            assert (value(Wp, bs) - value(Wm, bs)) / (2 * h) == pytest.approx(gW[layer][i], rel=1e-5, abs=1e-7)
        j = rng.randint(bs[layer].size)
        bp = [b.copy() for b in bs]
        bm = [b.copy() for b in bs]
        bp[layer][j] += h
        bm[layer][j] -= h
        assert (value(Ws, bp) - value(Ws, bm)) / (2 * h) == pytest.approx(gb[layer][j], rel=1e-5, abs=1e-7)


def test_lie_derivative_matrix_matches_finite_differences(rng):
    X = rng.normal(size=(30, 3))
    est = _fit(hidden_layer_sizes=(6,), activation="tanh", group=SO(3), output_rep=V, symmetry="promote",
               max_iter=3, solver="lbfgs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, X ** 2)
    M = lie_derivative_matrix(est, X)
    t = 1e-6
    cols = []
    for a in SO(3).lie_algebra:
        dF = (est.predict(X @ expm(t * a).T) - est.predict(X @ expm(-t * a).T)) / (2 * t)
        cols.append((dF - est.predict(X) @ a.T).ravel())
    np.testing.assert_allclose(M, np.stack(cols, axis=1) / np.sqrt(len(X)), atol=1e-7)


def test_nuclear_norm_subgradient():
    M = np.diag([3.0, 1.0, 0.0])[:, :2]
    val, S = nuclear_norm_subgradient(M)
    assert val == pytest.approx(4.0)
    np.testing.assert_allclose(S, np.eye(3)[:, :2])


def test_promote_lowers_lie_derivatives(rng):
    X = rng.normal(size=(150, 3))
    y = np.cos(np.sum(X ** 2, axis=1))
    kw = dict(hidden_layer_sizes=(16,), activation="tanh", group=SO(3), symmetry="promote", solver="lbfgs",
              max_iter=150, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = SymmetricMLPRegressor(symmetry_alpha=0.0, **kw).fit(X, y)
        promoted = SymmetricMLPRegressor(symmetry_alpha=0.1, **kw).fit(X, y)
    assert promoted.architecture_ == "promote"
    assert promoted.lie_singular_values_.shape == (3,)
    assert promoted.lie_singular_values_.sum() < 0.5 * plain.lie_singular_values_.sum()


def test_promote_needs_lie_group(rng):
    X = rng.normal(size=(20, 3))
    with pytest.raises(ValueError, match="promote"):
        SymmetricMLPRegressor(group=Permutation(3), symmetry="promote").fit(X, X[:, 0])


# ---------------------------------------------------------------- datasets
def test_emlp_datasets_symmetric(rng):
    from sksym.datasets._emlp import make_inertia, make_o5_synthetic, make_particle_interaction

    X, y, sym = make_o5_synthetic(200, random_state=0, return_symmetry=True)
    g = sym["group"].sample(1, random_state=0)[0]
    Xg = sym["input_rep"](sym["group"]).act(g, X)
    from sksym.datasets._emlp import _o5_raw, _particle_raw

    np.testing.assert_allclose(_o5_raw(Xg), _o5_raw(X), atol=1e-10)
    assert abs(y.mean()) < 0.3 and 0.7 < y.std() < 1.3

    X, y, sym = make_particle_interaction(200, random_state=0, return_symmetry=True)
    for g in sym["group"].sample(3, random_state=0, scale=0.5):
        Xg = sym["input_rep"](sym["group"]).act(g, X)
        np.testing.assert_allclose(_particle_raw(Xg), _particle_raw(X), atol=1e-10 * (1 + np.abs(_particle_raw(X)).max()))

    X, y, sym = make_inertia(50, random_state=0, return_symmetry=True)
    G = sym["group"]

    in_rep, out_rep = sym["input_rep"](G), sym["output_rep"](G)
    g = G.sample(1, random_state=0)[0]
    # recompute the target from transformed inputs
    Xg = in_rep.act(g, X)
    m, r = Xg[:, :5], Xg[:, 5:].reshape(-1, 5, 3)
    Ig = (np.einsum("nk,nk->n", m, np.sum(r ** 2, axis=2))[:, None, None] * np.eye(3)
          - np.einsum("nk,nki,nkj->nij", m, r, r)).reshape(-1, 9)
    np.testing.assert_allclose(Ig, out_rep.act(g, y), atol=1e-10)


def test_signed_digits():
    from sksym.datasets._digits import load_signed_digits

    data = load_signed_digits()
    assert data.data.shape == (8985, 64) and data.images.shape == (8985, 8, 8)
    assert data.data.min() == -1.0 and data.data.max() < 1.0
    X, y = load_signed_digits(shifts=False, return_X_y=True)
    assert X.shape == (1797, 64) and y.shape == (1797,)


@pytest.mark.slow
def test_tour_section():
    from sksym.neural_network._tour import tour_section

    lines = []
    title, draw = tour_section(lines.append)
    assert isinstance(title, str) and len(lines) >= 3
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    draw(ax)
    plt.close(fig)


@pytest.mark.slow
def test_digits_invariant_classifier_reaches_target():
    from sklearn.model_selection import train_test_split

    from sksym.datasets._digits import load_signed_digits
    from sksym.groups import Group
    from sksym.neural_network import SymmetricMLPClassifier

    X, y = load_signed_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0)
    flip = Group(discrete_generators=-np.eye(64)[None])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = SymmetricMLPClassifier((128,), group=flip, solver="lbfgs", alpha=1e-3, max_iter=500,
                                     random_state=0).fit(Xtr, ytr)
    a, b = clf.score(Xte, yte), clf.score(-Xte, yte)
    assert a == b and a >= 0.93


@pytest.mark.slow
def test_o5_below_emlp():
    from sksym.datasets._emlp import make_o5_synthetic

    X, y, sym = make_o5_synthetic(1000, random_state=0, return_symmetry=True)
    Xt, yt = make_o5_synthetic(2000, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net = SymmetricMLPRegressor((64, 64), activation="tanh", solver="lbfgs", max_iter=1000,
                                    random_state=0, **sym).fit(X, y)
    assert np.mean((net.predict(Xt) - yt) ** 2) < 0.017
