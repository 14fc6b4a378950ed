"""The enforce side: bases of the equivariant models ``x -> W Theta(x)``."""

import numbers
from functools import lru_cache

import numpy as np
from sklearn.preprocessing import PolynomialFeatures

from ..libraries import library_degree
from ._operator import LieDerivative

__all__ = ["equivariant_model_basis"]

_MAX_OPERATOR_POINTS = 2000


@lru_cache(maxsize=64)
def _polynomial_basis(key, input_rep, output_rep, tol):
    degree, interaction_only, include_bias, n_features = key
    lib = PolynomialFeatures(degree=degree, interaction_only=interaction_only, include_bias=include_bias)
    lib.fit(np.zeros((1, n_features)))
    # the Lie-algebra constraints on exact monomial coefficients (sparse, well
    # conditioned): faster than assembling the fixed spaces of the tensor
    # representations V^(x k) >> out, whose dense generators needed 33 GB for
    # SO(10) at degree 4 and minutes for SO(2) at degree 12
    B = LieDerivative(lib, input_rep, output_rep).equivariant_basis(tol)
    B.setflags(write=False)
    return B


def equivariant_model_basis(library, input_rep, output_rep, X=None, tol=1e-10):
    """Orthonormal basis of the coefficient matrices ``W`` for which
    ``x -> W Theta(x)`` is equivariant.

    Exact for polynomial libraries, and cached per library settings and
    representations. For :class:`~sklearn.preprocessing.PolynomialFeatures`
    it is the null space of :class:`~sksym.lie.LieDerivative`'s constraints
    on the exact monomial coefficients of ``L_xi F`` (sparse, with small
    integer entries: well conditioned at any degree), the discrete elements
    checked at unisolvent points. For non-polynomial libraries
    the Lie derivative is evaluated at (up to 2000 of) the rows of ``X``, so the
    symmetry holds on the data.

    Parameters
    ----------
    library : fitted transformer
        The dictionary ``Theta``.
    input_rep, output_rep : Rep
        Bound representations on inputs and outputs.
    X : ndarray of shape (n_samples, n_features), default=None
        Evaluation points for non-polynomial libraries.
    tol : float, default=1e-10
        Relative null-space tolerance.

    Returns
    -------
    basis : ndarray of shape (r, n_outputs, n_library_features)
        Orthonormal in the Frobenius inner product.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import PolynomialFeatures
    >>> from sksym.groups import SO
    >>> from sksym.reps import V
    >>> from sksym.lie import equivariant_model_basis
    >>> lib = PolynomialFeatures(3).fit(np.zeros((1, 2)))
    >>> equivariant_model_basis(lib, V(SO(2)), V(SO(2))).shape[0]
    4
    """
    G = input_rep.group
    n_out = output_rep.size
    if G.lie_dim == 0 and G.n_discrete == 0:
        K = np.asarray(library.transform(np.zeros((1, input_rep.size)))).shape[1]
        return np.eye(n_out * K).reshape(n_out * K, n_out, K)
    if type(library) is PolynomialFeatures:
        key = (int(library.degree) if isinstance(library.degree, numbers.Integral)
               else tuple(int(v) for v in library.degree),
               library.interaction_only, library.include_bias, input_rep.size)
        return _polynomial_basis(key, input_rep, output_rep, tol)
    points = None
    if library_degree(library) is None:
        if X is None:
            raise ValueError("A non-polynomial library needs evaluation points X.")
        points = X[np.random.RandomState(0).permutation(len(X))[:_MAX_OPERATOR_POINTS]]
    return LieDerivative(library, input_rep, output_rep, points=points).equivariant_basis(tol)
