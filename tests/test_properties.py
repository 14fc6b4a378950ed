"""Property-based checks of the group/representation layer (hypothesis)."""

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sklearn.preprocessing import PolynomialFeatures

from sksym import SymmetricRidge
from sksym.groups import O, SO, Dihedral, Permutation
from sksym.reps import Scalar, V

GROUPS = [SO(2), SO(3), O(3), Permutation(3), Dihedral(5)]
REPS = [V, V + Scalar, V * V, V >> V, V.T + V]


@settings(max_examples=25, deadline=None)
@given(gi=st.integers(0, len(GROUPS) - 1), ri=st.integers(0, len(REPS) - 1), seed=st.integers(0, 10**6))
def test_rho_is_a_homomorphism_and_fixes_its_basis(gi, ri, seed):
    G, rep = GROUPS[gi], REPS[ri]
    R = rep(G)
    g, h = G.sample(2, random_state=seed)
    np.testing.assert_allclose(R.rho(g @ h), R.rho(g) @ R.rho(h), atol=1e-10)
    Q = R.equivariant_basis()
    np.testing.assert_allclose(R.rho(g) @ Q, Q, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), degree=st.integers(1, 4))
@example(seed=65535, degree=4)          # badly scaled features: Cholesky is ill-conditioned
def test_symmetric_ridge_invariant_for_any_data(seed, degree):
    rng = np.random.RandomState(seed)
    X = rng.standard_cauchy(size=(25, 3)).clip(-50, 50)     # heavy tails, any distribution
    y = rng.normal(size=25)
    model = SymmetricRidge(O(3), library=PolynomialFeatures(degree), alpha=1e-2).fit(X, y)
    g = O(3).sample(1, random_state=seed)[0]
    p = model.predict(X)
    assert np.max(np.abs(model.predict(X @ g.T) - p)) <= 1e-10 * max(1.0, np.max(np.abs(p)))
