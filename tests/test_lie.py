import warnings

import numpy as np
import pytest
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from sksym.exceptions import FewPointsWarning, FiniteDifferenceWarning
from sksym.groups import GL, O, SE, SO, Cyclic, Dihedral, Group, Lorentz, Permutation, Scaling, T
from sksym.libraries import FunctionLibrary, library_jacobian, polynomial_jacobian
from sksym.libraries._jacobian import finite_difference_jacobian
from sksym.lie import LieDerivative, null_space, principal_angles, unisolvent_points
from sksym.reps import Scalar, V


def _op(G, degree, in_rep=V, out_rep=Scalar, **kw):
    lib = PolynomialFeatures(degree).fit(np.zeros((1, in_rep(G).size)))
    return LieDerivative(lib, in_rep(G), out_rep(G), **kw)


@pytest.mark.parametrize(
    "G, degree, in_rep, out_rep, dim",
    [
        (SO(3), 4, V, Scalar, 3),      # 1, r^2, r^4
        (SO(3), 6, V, Scalar, 4),      # ... r^6
        (SO(2), 3, V, V, 4),           # a(r^2) x + b(r^2) J x, a, b in span{1, r^2}
        (O(2), 3, V, V, 2),            # the reflection kills J x
        (SO(3), 2, V + V, Scalar, 4),  # 1, |x|^2, |y|^2, x.y
        (SE(3), 2, V + V, Scalar, 2),  # 1, |x - y|^2
        (T(2), 3, V, Scalar, 1),       # constants
    ],
    ids=str,
)
def test_null_space_dimensions_from_theory(G, degree, in_rep, out_rep, dim):
    assert _op(G, degree, in_rep, out_rep).equivariant_basis().shape[0] == dim


def test_bilinearity_and_two_sides_agree(rng):
    G = SO(3)
    op = _op(G, 3, V, V)
    K = op.n_library_features
    W1, W2 = rng.normal(size=(2, 3, K))
    # linear in W
    np.testing.assert_allclose(op.apply(2 * W1 - W2), 2 * op.apply(W1) - op.apply(W2), atol=1e-12)
    # the enforce side (blocks acting on vec(W)) equals the discover side (apply)
    blocks = list(op.constraint_blocks())
    for j in range(G.lie_dim):
        np.testing.assert_allclose(blocks[j] @ W1.ravel(), op.apply(W1)[j].ravel(), atol=1e-12)
    # linear in the generator: differentiate along a combination of generators
    c = rng.normal(size=3)
    op_c = _op(G, 3, V, V, lie_algebra=np.tensordot(c, G.lie_algebra, axes=1))
    np.testing.assert_allclose(op_c.apply(W1)[0], np.tensordot(c, op.apply(W1), axes=1), atol=1e-12)


def test_lie_derivative_matches_finite_difference_of_the_flow(rng):
    from scipy.linalg import expm

    G = SO(2)
    op = _op(G, 3, V, V)
    W = rng.normal(size=(2, op.n_library_features))
    A = G.lie_algebra[0]
    lib, x = op.library, op.points

    def K_t(t):  # (K_g F)(x) = rho(g)^-1 F(g x), g = exp(tA)
        g = expm(t * A)
        return (lib.transform(x @ g.T) @ W.T) @ np.linalg.inv(g).T

    h = 1e-5
    fd = (K_t(h) - K_t(-h)) / (2 * h)
    np.testing.assert_allclose(op.apply(W)[0] / op.weight, fd, atol=1e-6)


def test_discovery_side_finds_so3_in_gl3(rng):
    G = GL(3)
    op = _op(G, 2)
    pf = op.library
    w = np.zeros(pf.n_output_features_)
    for k, p in enumerate(pf.powers_):
        if p.sum() == 2 and p.max() == 2:
            w[k] = 1.0                      # |x|^2
    M = op.matrix(w[None])
    N = null_space([M], G.lie_dim, 1e-10)
    assert N.shape[1] == 3
    found = np.tensordot(N.T, G.lie_algebra, axes=1).reshape(3, -1).T
    so3 = SO(3).lie_algebra.reshape(3, -1).T
    assert principal_angles(found, so3).max() < 1e-8


def test_discrete_constraints(rng):
    op = _op(O(2), 2)
    W = rng.normal(size=(1, op.n_library_features))
    assert op.discrete_residual(W).shape == (1, op.points.shape[0], 1)
    B = op.equivariant_basis()
    for w in B:
        np.testing.assert_allclose(op.discrete_residual(w), 0, atol=1e-12)


def test_unisolvent_points_count():
    P = unisolvent_points(4, 3, oversample=2)
    assert P.shape == (2 * 35 + 1, 4) and np.abs(P).max() <= 1


def test_operator_errors():
    lib = PolynomialFeatures(2).fit(np.zeros((1, 3)))
    with pytest.raises(TypeError, match="bound"):
        LieDerivative(lib, V, Scalar)
    with pytest.raises(ValueError, match="bound to"):
        LieDerivative(lib, V(SO(3)), Scalar(O(3)))
    op = LieDerivative(lib, V(SO(3)), Scalar(SO(3)))
    with pytest.raises(ValueError, match="shape"):
        op.apply(np.zeros((2, 3)))
    flib = FunctionLibrary(np.sin).fit(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="points"):
        LieDerivative(flib, V(SO(3)), Scalar(SO(3)))


def test_polynomial_jacobian_exact(rng):
    X = rng.normal(size=(6, 3))
    X[0, 1] = 0.0
    pf = PolynomialFeatures(4).fit(X)
    J = polynomial_jacobian(X, pf.powers_)
    np.testing.assert_allclose(J, finite_difference_jacobian(pf.transform, X), atol=1e-7)


def test_function_library_and_fallbacks(rng):
    X = rng.normal(size=(5, 2))
    lib = FunctionLibrary(np.sin, jac=lambda X: np.stack([np.diag(c) for c in np.cos(X)])).fit(X)
    np.testing.assert_allclose(library_jacobian(lib, X), finite_difference_jacobian(np.sin, X), atol=1e-8)
    scaler = StandardScaler().fit(X)
    with pytest.warns(FiniteDifferenceWarning):
        J = library_jacobian(scaler, X)
    np.testing.assert_allclose(J[0], np.diag(1 / scaler.scale_), atol=1e-6)
    bad = FunctionLibrary(np.sin, jac=lambda X: np.zeros((len(X), 2))).fit(X)
    with pytest.raises(ValueError, match="shape"):
        library_jacobian(bad, X)
    nan = FunctionLibrary(np.sin, jac=lambda X: np.full((len(X), 2, 2), np.nan)).fit(X)
    with pytest.raises(ValueError, match="usable Jacobian"):
        library_jacobian(nan, X)
    with pytest.raises(TypeError, match="transformer"):
        library_jacobian(object(), X)
    with pytest.raises(TypeError, match="callable"):
        FunctionLibrary(func=3).fit(X)
    assert lib.get_feature_names_out(["a", "b"]).tolist() == ["f0", "f1"]
    with pytest.raises(ValueError, match="input_features should have length equal"):
        lib.get_feature_names_out(["a", "b", "c"])


def test_non_polynomial_library_is_sampled_on_data(rng):
    """A radial dictionary is rotation-invariant on the data points."""
    X = rng.normal(size=(50, 2))

    def f(X):
        r2 = np.sum(X**2, axis=1, keepdims=True)
        return np.hstack([np.exp(-r2), np.cos(X[:, :1])])

    def jac(X):
        r2 = np.sum(X**2, axis=1)
        J = np.zeros((len(X), 2, 2))
        J[:, 0, :] = -2 * X * np.exp(-r2)[:, None]
        J[:, 1, 0] = -np.sin(X[:, 0])
        return J

    lib = FunctionLibrary(f, jac=jac).fit(X)
    op = LieDerivative(lib, V(SO(2)), Scalar(SO(2)), points=X)
    B = op.equivariant_basis()
    assert B.shape[0] == 1
    np.testing.assert_allclose(np.abs(B[0, 0]), [1, 0], atol=1e-12)


def test_affine_outputs_points_versus_vectors(rng):
    """Outputs that are points move with translations; vectors do not."""
    G = SE(2)
    lib = PolynomialFeatures(1).fit(np.zeros((1, 2)))
    # the identity map x -> x is SE(2)-equivariant as a map of points ...
    W = np.c_[np.zeros(2), np.eye(2)]
    points = LieDerivative(lib, V(G), V(G))
    np.testing.assert_allclose(points.apply(W), 0, atol=1e-12)
    # ... but not as a map to vectors (translations move x, not the vector)
    vectors = LieDerivative(lib, V(G), V.linear(G))
    assert np.abs(vectors.apply(W)).max() > 0.1
    # enforcing an affine (points) output is refused with a clear message
    with pytest.raises(ValueError, match="V.linear"):
        points.equivariant_basis()
    # vector fields: constant vector fields are not rotation-equivariant, so nothing survives
    assert vectors.equivariant_basis().shape[0] == 0


def test_intercept_enters_the_lie_derivative(rng):
    G = SO(2)
    lib = PolynomialFeatures(1).fit(np.zeros((1, 2)))
    op = LieDerivative(lib, V(G), V(G))
    W = np.zeros((2, 3))
    L = op.apply(W, intercept=[1.0, 0.0])           # a constant vector is not SO(2)-equivariant
    np.testing.assert_allclose(L[0, 0] / op.weight, -G.lie_algebra[0] @ [1.0, 0.0], atol=1e-12)


BASIS_CASES = pytest.mark.parametrize(
    "G, in_rep, out_rep, degree",
    [(SO(3), V, Scalar, 4), (SO(2), V, V, 3), (O(2), V, V, 3), (SO(3), V + V, V, 2),
     (SO(3), V + Scalar, V * V, 2)],
    ids=str,
)


@BASIS_CASES
def test_exact_coefficient_basis_spans_the_point_evaluated_null_space(G, in_rep, out_rep, degree):
    """The basis from exact monomial coefficients equals the null space of the
    constraints evaluated at unisolvent points (well conditioned at these degrees)."""
    R_in, R_out = in_rep(G), out_rep(G)
    lib = PolynomialFeatures(degree).fit(np.zeros((1, R_in.size)))
    op = LieDerivative(lib, R_in, R_out)
    fast = op.equivariant_basis()
    K = lib.n_output_features_
    N = null_space(op.constraint_blocks(), R_out.size * K, 1e-10)
    slow = N.T.reshape(-1, R_out.size, K)
    assert fast.shape == slow.shape
    F, S = fast.reshape(len(fast), -1), slow.reshape(len(slow), -1)
    np.testing.assert_allclose(F @ F.T, np.eye(len(F)), atol=1e-12)
    assert principal_angles(F.T, S.T).max() < 1e-8


@BASIS_CASES
def test_tensor_path_spans_the_operator_null_space(G, in_rep, out_rep, degree):
    """The tensor-representation basis (fixed spaces of V^(x k) >> out) equals the
    operator's null space."""
    from sksym.lie._model_basis import _tensor_basis

    R_in, R_out = in_rep(G), out_rep(G)
    lib = PolynomialFeatures(degree).fit(np.zeros((1, R_in.size)))
    fast = _tensor_basis(lib.powers_, R_in, R_out, 1e-10)
    slow = LieDerivative(lib, R_in, R_out).equivariant_basis()
    assert fast.shape == slow.shape
    F, S = fast.reshape(len(fast), -1), slow.reshape(len(slow), -1)
    assert principal_angles(F.T, S.T).max() < 1e-8


@pytest.mark.parametrize(
    "G, in_rep, out_rep, degree",
    [(SO(3), 3 * V, Scalar, 3), (SO(3), V + V, V * V, 2), (O(3), V + Scalar, V, 3), (O(3), V + V, V, 2),
     (GL(2), V, V, 3), (Lorentz(), V, Scalar, 4), (Scaling(3), V, Scalar, 3),
     (SO(2), 2 * V, V + Scalar, 3)],
    ids=str,
)
def test_graded_basis_equals_the_whole_null_space(G, in_rep, out_rep, degree):
    """Linear actions: the null space solved block by block (multi-degree in each
    group of coupled inputs, then the discrete elements) equals the null space of
    all the exact constraints at once."""
    R_in, R_out = in_rep(G), out_rep(G)
    for include_bias in (True, False):
        lib = PolynomialFeatures(degree, include_bias=include_bias).fit(np.zeros((1, R_in.size)))
        op = LieDerivative(lib, R_in, R_out)
        K = lib.n_output_features_
        graded = op._graded_null_space(R_out, 1e-10)
        whole = null_space(op._exact_blocks(R_out), R_out.size * K, 1e-10)
        assert graded is not None and graded.shape == whole.shape
        np.testing.assert_allclose(graded.T @ graded, np.eye(graded.shape[1]), atol=1e-12)
        if whole.shape[1]:
            assert principal_angles(graded, whole).max() < 1e-8


def test_graded_basis_groups_and_where_it_applies():
    from sksym.lie._operator import _coupled_groups

    G = SO(3)
    assert len(set(_coupled_groups((3 * V(G)).drho(G.lie_algebra)))) == 3
    assert len(set(_coupled_groups(V(G).drho(G.lie_algebra)))) == 1
    assert len(set(_coupled_groups(V(Scaling(3)).drho(Scaling(3).lie_algebra)))) == 3
    lib = PolynomialFeatures(2).fit(np.zeros((1, 2)))
    # translations lower the degree: no block structure, the whole null space is used
    assert LieDerivative(lib, V(SE(2)), Scalar(SE(2)))._graded_null_space(Scalar(SE(2)), 1e-10) is None
    assert LieDerivative(lib, V(SO(2)), Scalar(SO(2)))._graded_null_space(Scalar(SO(2)), 1e-10) is not None


def test_tensor_path_only_for_small_summands():
    # a large summand raised to a high power: dense generators of 33 GB (SO(10), V,
    # degree 4) or minutes (SO(2), degree 12); several small summands stay on it
    from sksym.groups import O
    from sksym.lie._model_basis import _tensor_path_applies

    def applies(G, rep, out, degree):
        R = rep(G)
        powers = PolynomialFeatures(degree).fit(np.zeros((1, R.size))).powers_
        return _tensor_path_applies(powers, R, out(G), False)

    assert not applies(SO(10), V, Scalar, 4) and not applies(SO(2), V, Scalar, 12)
    assert applies(O(3), 5 * Scalar + 5 * V, V * V, 2) and applies(SO(3), V, Scalar, 4)


def test_polynomial_jacobian_and_unisolvent_points_check_their_arguments():
    # 1-D X ("not enough values to unpack"), mismatched or negative powers (an
    # IndexError, or silently the wrong power), a negative degree (math.comb's
    # message) and a negative bound were not checked
    X = np.ones((4, 2))
    with pytest.raises(ValueError, match="X must be 2-D"):
        polynomial_jacobian(np.ones(3), np.ones((2, 3), dtype=int))
    with pytest.raises(ValueError, match="powers must have shape"):
        polynomial_jacobian(X, np.ones((2, 3), dtype=int))
    with pytest.raises(ValueError, match="non-negative integers"):
        polynomial_jacobian(X, np.array([[1, -1]]))
    with pytest.raises(ValueError, match="non-negative integers"):
        polynomial_jacobian(X, np.array([[0.5, 1.0]]))
    np.testing.assert_array_equal(polynomial_jacobian(X, np.array([[2.0, 1.0]])),
                                  polynomial_jacobian(X, np.array([[2, 1]])))
    for kwargs, match in [({"degree": -1}, "degree"), ({"degree": 1.5}, "degree"),
                          ({"degree": 2, "bound": -1.0}, "bound"), ({"degree": 2, "oversample": 0.0}, "oversample")]:
        with pytest.raises(ValueError, match=match):
            unisolvent_points(3, **kwargs)


def test_lie_derivative_checks_generator_and_element_shapes():
    lib = PolynomialFeatures(2).fit(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="lie_algebra must be finite and of shape"):
        LieDerivative(lib, V(SO(3)), Scalar(SO(3)), lie_algebra=np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="discrete_elements must have shape"):
        LieDerivative(lib, V(SO(3)), Scalar(SO(3)), discrete_elements=np.eye(2))


def test_lie_derivative_needs_more_points_than_monomials():
    # oversample=0.1 gave fewer points than monomials: a wrong "exact" basis
    lib = PolynomialFeatures(2).fit(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="oversample"):
        LieDerivative(lib, V(SO(3)), Scalar(SO(3)), oversample=0.1)


@pytest.mark.parametrize("G, in_rep, out_rep, degree, dim", [
    (Permutation(8), V, V, 4, 26),                  # at points: > 100 s, one dense SVD
    (Permutation(4), V, V * V, 2, 18),
    (Group(discrete_generators=[-np.eye(2)]), V, V, 3, 12),   # odd maps
    (Group(discrete_generators=[-np.eye(2)]), V, Scalar, 3, 4),  # even functions
    (Dihedral(4), V, Scalar, 4, 4),                 # rotations by 90 degrees come with round-off
    (O(3), V, V, 5, 3),                             # x, |x|^2 x, |x|^4 x
    (O(2), V, Scalar, 60, 31),                      # the reflection restricted to the SO(2)
    (O(2), V, V, 60, 30),                           # invariants (24 and 21 at a 1e-10 cut)
], ids=["S8-V-V", "S4-V-VxV", "-I-odd", "-I-even", "D4", "O3", "O2-deg60-S", "O2-deg60-V"])
def test_signed_permutation_elements_are_constrained_exactly(G, in_rep, out_rep, degree, dim, rng):
    # elements acting by signed permutations map monomials to signed monomials:
    # their constraints are signed permutations of the coefficients (orbits)
    lib = PolynomialFeatures(degree).fit(np.zeros((1, G.d)))
    R_in, R_out = in_rep(G), out_rep(G)
    op = LieDerivative(lib, R_in, R_out)
    assert op._discrete_permutations(R_out) is not None
    B = op.equivariant_basis()
    assert B.shape[0] == dim
    flat = B.reshape(dim, -1)
    np.testing.assert_allclose(flat @ flat.T, np.eye(dim), atol=1e-12)
    X = rng.uniform(-1, 1, size=(30, G.d))
    g = G.sample(8, random_state=0)
    for W in B:
        F = lib.transform(X) @ W.T
        for h, rho in zip(g, R_out.rho(g)):
            np.testing.assert_allclose(lib.transform(R_in.act(h, X)) @ W.T, F @ rho.T, atol=1e-10)
    if lib.n_output_features_ * R_out.size <= 300:
        # the same span as the constraints evaluated at points
        N = null_space(op.constraint_blocks(), R_out.size * lib.n_output_features_, 1e-10)
        assert N.shape[1] == dim and principal_angles(N, flat.T).max() < 1e-8


def test_matrix_of_a_group_without_generators_is_empty():
    # a finite group has no Lie-algebra elements: matrix() failed reshaping the empty array
    G = Permutation(3)
    lib = PolynomialFeatures(2).fit(np.zeros((1, 3)))
    op = LieDerivative(lib, V(G), Scalar(G))
    assert op.matrix(np.ones(10)).shape == (len(op.points), 0)


def test_too_few_points_warn_and_enough_do_not(rng):
    # rotations by 120 degrees are checked at the points: 5 points for the 15
    # quartic monomials in 2 variables gave 10 "C3-invariant" quartics instead of 5,
    # silently
    G = Cyclic(3)
    quartic = PolynomialFeatures(4).fit(np.zeros((1, 2)))
    few = LieDerivative(quartic, V(G), Scalar(G), points=rng.uniform(-1, 1, (5, 2)))
    with pytest.warns(FewPointsWarning, match="at 5 distinct points, fewer than the 15"):
        assert few.equivariant_basis().shape[0] > 5
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewPointsWarning)
        enough = LieDerivative(quartic, V(G), Scalar(G), points=rng.uniform(-1, 1, (15, 2)))
        assert enough.equivariant_basis().shape[0] == 5
        # permutations map monomials to monomials: exact whatever the points
        S3, cubic = Permutation(3), PolynomialFeatures(3).fit(np.zeros((1, 3)))
        exact = LieDerivative(cubic, V(S3), Scalar(S3), points=rng.uniform(-1, 1, (5, 3)))
        assert exact.equivariant_basis().shape[0] == 7
        # translations lower the degree: L_xi F of a quadratic is affine (4 coefficients)
        quadratic = PolynomialFeatures(2).fit(np.zeros((1, 3)))
        LieDerivative(quadratic, V(T(3)), Scalar(T(3)), points=rng.uniform(-1, 1, (4, 3))).apply(np.ones(10))
    with pytest.warns(FewPointsWarning, match="at 5 distinct points, fewer than the 20"):
        exact.apply(np.ones(20))                    # evaluated at the points: warned (once)
    from sksym.solvers import CompressedLieOperator
    with pytest.warns(FewPointsWarning, match="at 6 distinct points, fewer than the 20"):
        CompressedLieOperator(LieDerivative(cubic, V(SO(3)), Scalar(SO(3)), points=rng.normal(size=(6, 3))))
    with pytest.warns(FewPointsWarning, match="at 3 distinct points, fewer than the 4"):
        LieDerivative(quadratic, V(T(3)), Scalar(T(3)), points=rng.uniform(-1, 1, (3, 3))).apply(np.ones(10))
    with pytest.warns(FewPointsWarning, match="at 9 distinct points, fewer than the 10"):
        LieDerivative(quadratic, V(SO(3)), Scalar(SO(3)), points=rng.uniform(-1, 1, (9, 3))).matrix(np.ones(10))
    # repeated rows determine nothing more: 5 points ten times over
    with pytest.warns(FewPointsWarning, match="at 5 distinct points, fewer than the 15"):
        LieDerivative(quartic, V(G), Scalar(G), points=np.repeat(rng.uniform(-1, 1, (5, 2)), 10, axis=0)).apply(
            np.ones(15))
    sines = FunctionLibrary(np.sin, jac=lambda X: np.stack([np.diag(c) for c in np.cos(X)])).fit(np.zeros((1, 3)))
    with pytest.warns(FewPointsWarning, match="the 3 functions of the library"):
        LieDerivative(sines, V(SO(3)), Scalar(SO(3)), points=rng.normal(size=(2, 3))).equivariant_basis()
    with pytest.raises(ValueError, match="n_points >= 1"):
        LieDerivative(cubic, V(S3), Scalar(S3), points=np.zeros((0, 3)))
    with pytest.raises(ValueError, match="finite"):
        LieDerivative(cubic, V(S3), Scalar(S3), points=np.full((30, 3), np.nan))


@pytest.mark.parametrize("degree", [4, 10, 20])
def test_zero_tol_keeps_the_invariant_count(degree):
    # rotation-invariant polynomials of degree <= d in the plane: powers of |x|^2
    lib = PolynomialFeatures(degree).fit(np.zeros((1, 2)))
    op = LieDerivative(lib, V(SO(2)), Scalar(SO(2)))
    assert op.equivariant_basis(tol=0).shape[0] == degree // 2 + 1


def test_null_space_zero_tol_on_a_rank_deficient_matrix():
    rng = np.random.RandomState(0)
    A = rng.normal(size=(5, 3)) @ rng.normal(size=(3, 6))       # rank 3 in exact arithmetic
    N = null_space([A], 6, tol=0.0)
    assert N.shape == (6, 3)
    np.testing.assert_allclose(A @ N, 0, atol=1e-12)


def test_model_basis_checks_the_library_against_the_input_representation():
    # a library fitted on 3 inputs with a 6-dimensional input_rep returned a
    # (4, 1, 84) basis for a library of 20 features
    from sksym.lie import equivariant_model_basis

    lib = PolynomialFeatures(3).fit(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="3 input features but input_rep has size 6"):
        equivariant_model_basis(lib, (V + V)(SO(3)), Scalar(SO(3)))
    assert equivariant_model_basis(lib, V(SO(3)), Scalar(SO(3))).shape == (2, 1, 20)
