import pickle
import warnings

import numpy as np
import pytest

from sksym.groups import (
    E, GL, O, SE, SL, SO, Cyclic, Dihedral, Group, Lorentz, Permutation, Scaling, Sp, T, Trivial,
)

ALL = [SO(3), O(3), SE(3), E(2), T(2), GL(3), SL(3), Scaling(2), Lorentz(), Lorentz(full=True),
       Sp(2), Permutation(4), Cyclic(5), Dihedral(4), Trivial(3), SO(2) * T(1)]


def _gram(G):
    L = G.lie_algebra.reshape(G.lie_dim, G.d * G.lie_algebra.shape[2])
    return L @ L.T


@pytest.mark.parametrize("G", ALL, ids=str)
def test_lie_basis_orthonormal_and_pickle(G):
    np.testing.assert_allclose(_gram(G), np.eye(G.lie_dim), atol=1e-14)
    assert pickle.loads(pickle.dumps(G)) == G
    assert hash(pickle.loads(pickle.dumps(G))) == hash(G)
    g = G.sample(3, random_state=0)
    n = G.d + 1 if G.affine else G.d
    assert g.shape == (3, n, n)


@pytest.mark.parametrize("n, dim", [(2, 1), (3, 3), (5, 10)])
def test_so_dimension_and_elements(n, dim):
    G = SO(n)
    assert G.lie_dim == dim
    for g in G.sample(5, random_state=1):
        np.testing.assert_allclose(g.T @ g, np.eye(n), atol=1e-12)
        assert np.linalg.det(g) == pytest.approx(1.0)


def test_lie_algebra_dimensions_from_theory():
    assert SE(3).lie_dim == 6 and SE(3).lie_algebra.shape == (6, 3, 4)
    assert GL(4).lie_dim == 16 and SL(4).lie_dim == 15
    assert Sp(3).lie_dim == 21 and Sp(3).d == 6
    assert Lorentz().lie_dim == 6 and Lorentz(n_space=2).lie_dim == 3
    assert T(5).lie_dim == 5


def test_o3_samples_both_components():
    dets = np.round([np.linalg.det(g) for g in O(3).sample(40, random_state=0)])
    assert set(dets) == {-1.0, 1.0}


def test_preserved_forms():
    eta = np.diag([1.0, -1, -1, -1])
    for g in Lorentz(full=True).sample(10, random_state=0):
        np.testing.assert_allclose(g.T @ eta @ g, eta, atol=1e-9)
    J = np.block([[np.zeros((2, 2)), np.eye(2)], [-np.eye(2), np.zeros((2, 2))]])
    for g in Sp(2).sample(5, random_state=0):
        np.testing.assert_allclose(g.T @ J @ g, J, atol=1e-9)
    for g in SL(3).sample(5, random_state=0):
        assert np.linalg.det(g) == pytest.approx(1.0)
    for A in Sp(2).lie_algebra:
        np.testing.assert_allclose(A.T @ J + J @ A, 0, atol=1e-14)


def test_finite_orders():
    assert Permutation(4).order == 24
    assert Cyclic(6).order == 6
    assert Dihedral(4).order == 8
    assert Trivial(2).order == 1
    assert SO(2).order == np.inf
    elems = Dihedral(3).elements()
    np.testing.assert_array_equal(elems[0], np.eye(2))


def test_affine_sample_and_act():
    G = SE(2)
    g = G.sample(1, random_state=0)[0]
    assert g.shape == (3, 3)
    np.testing.assert_allclose(g[2], [0, 0, 1])
    X = np.array([[1.0, 2.0]])
    np.testing.assert_allclose(G.act(g, X), X @ g[:2, :2].T + g[:2, 2])


def test_direct_product_blocks():
    G = SO(2) * T(1)
    assert G.d == 3 and G.affine and G.lie_dim == 2
    g = G.sample(1, random_state=0)[0]
    np.testing.assert_allclose(g[:2, 2], 0)      # rotation part does not translate
    np.testing.assert_allclose(g[2, :2], 0)
    H = Dihedral(4) * Permutation(2)
    assert H.order == 16


def test_subgroup_restriction():
    H = SO(3).subgroup([[0.0, 0.0, 1.0]])
    assert H.lie_dim == 1
    np.testing.assert_allclose(np.abs(H.lie_algebra[0]), np.abs(SO(3).lie_algebra[2]))
    rot = SE(3).subgroup(SE(3).lie_algebra[:3])
    assert rot.lie_dim == 3 and rot.affine
    with pytest.raises(ValueError, match="outside the Lie algebra"):
        SO(3).subgroup(np.eye(3)[None])
    with pytest.raises(ValueError, match="shape"):
        SO(3).subgroup(np.ones((1, 2)))


def test_group_immutable_and_equal():
    G = SO(3)
    assert G == SO(3) and G != O(3) and G != SO(2)
    with pytest.raises(AttributeError):
        G.d = 4
    with pytest.raises(ValueError):
        G.lie_algebra[0, 0, 0] = 1.0


def test_custom_group_and_errors():
    G = Group(lie_algebra=np.array([[[0.0, -1.0], [1.0, 0.0]]]), name="rot")
    assert G.d == 2 and not G.affine and repr(G) == "rot"
    with pytest.raises(ValueError, match="shape"):
        Group(lie_algebra=np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match="NaN"):
        Group(lie_algebra=np.full((1, 2, 2), np.nan))
    with pytest.raises(ValueError, match="dimension"):
        Group()
    with pytest.raises(ValueError, match="R\\^3"):
        Group(np.zeros((1, 2, 2)), np.eye(3)[None])
    with pytest.raises(ValueError, match="integer"):
        SO(0)
    with pytest.raises(ValueError, match="integer"):
        Cyclic(2.5)


def test_hash_agrees_with_equality_for_negative_zeros():
    # -np.eye has -0.0 off the diagonal: equal groups hashed differently, and
    # representations of "different groups" could not be combined
    from sksym.reps import V

    G1 = Group(discrete_generators=-np.eye(2)[None])
    G2 = Group(discrete_generators=np.diag([-1.0, -1.0])[None])
    assert G1 == G2 and hash(G1) == hash(G2) and len({G1, G2}) == 1
    assert (V(G1) + V(G2)).size == 4


def test_sampling_a_group_with_an_infinite_order_generator():
    # words of one fixed length in the generators only: always the same element
    shear = Group(discrete_generators=np.array([[[1.0, 1.0], [0.0, 1.0]]]))
    g = shear.sample(20, random_state=0)
    assert len(np.unique(g[:, 0, 1])) > 5 and np.any(g[:, 0, 1] < 0)
    np.testing.assert_array_equal(g[:, 0, 1], np.round(g[:, 0, 1]))


@pytest.mark.parametrize("call, match", [
    (lambda: Group(discrete_generators=np.zeros((1, 2, 2))), "invertible"),
    (lambda: Group(d=True), "d must be"),
    (lambda: SO(3).subgroup([[np.nan, 0.0, 0.0]]), "finite"),
    (lambda: SO(3).sample(2, scale=np.nan), "scale"),
    (lambda: SO(3).sample(2, scale=-1.0), "scale"),
])
def test_group_argument_checks(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_subgroup_tol_is_checked():
    with pytest.raises(ValueError, match="tol"):
        SO(3).subgroup([[1.0, 0.0, 0.0]], tol=-1.0)


def test_subgroup_must_be_a_subalgebra():
    # two rotations of SO(3) generate all of SO(3); a rotation and a translation of
    # SE(2) generate a second translation: both are refused, closed spans are kept
    from sksym.groups import SE

    with pytest.raises(ValueError, match="subalgebra"):
        SO(3).subgroup([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    rotation = SE(2).lie_algebra[0]
    translation = np.zeros((2, 3))
    translation[0, 2] = 1.0
    with pytest.raises(ValueError, match="subalgebra"):
        SE(2).subgroup([rotation, translation])
    assert SE(2).subgroup([translation, np.roll(translation, 1, axis=0)]).lie_dim == 2
    assert SO(3).subgroup(np.eye(3)).lie_dim == 3
    # sl(2) in gl(2) with small noise (as discovered generators are): accepted, with a warning
    from sksym.groups import GL

    sl2 = np.array([[[1.0, 0.0], [0.0, -1.0]], [[0.0, 1.0], [0.0, 0.0]], [[0.0, 0.0], [1.0, 0.0]]])
    noisy = sl2 + 1e-6 * np.random.RandomState(0).normal(size=sl2.shape)
    with pytest.warns(UserWarning, match="approximately"):
        assert GL(2).subgroup(noisy).lie_dim == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert GL(2).subgroup(sl2).lie_dim == 3



def test_subgroup_zero_tol_drops_round_off_directions():
    # a redundant generator (2x the first rotation, plus round-off) must not
    # count as a fourth direction, nor make the span "approximately closed"
    from sksym.groups import GL

    so3 = SO(3).lie_algebra
    redundant = (so3[0] * 0.1 + so3[1] * 0.3) / 0.7
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert GL(3).subgroup(np.concatenate([so3, redundant[None]]), tol=0).lie_dim == 3

def test_large_permutation_groups_are_sampled_nearly_uniformly():
    # S_9 has 362 880 elements (too many to enumerate): a uniform permutation is a
    # derangement with probability ~1/e and odd with probability 1/2; random words
    # in the generators gave 59% derangements
    from sksym.groups import Permutation

    g = Permutation(9).sample(6000, random_state=0)
    assert np.all(np.abs(g).sum(axis=1) == 1) and np.all(g >= 0)
    perm = g.argmax(axis=2)
    derangements = np.mean((perm == np.arange(9)).sum(axis=1) == 0)
    assert abs(derangements - np.exp(-1)) < 0.04
    assert abs(np.mean(np.linalg.det(g) > 0) - 0.5) < 0.04
    np.testing.assert_array_equal(Permutation(9).sample(5, random_state=3),
                                  Permutation(9).sample(5, random_state=3))
