"""The enforce side: bases of the equivariant models ``x -> W Theta(x)``."""

import numbers
import warnings
from functools import lru_cache

import numpy as np
from sklearn.preprocessing import PolynomialFeatures

from ..libraries import library_degree
from ._operator import LieDerivative

__all__ = ["equivariant_model_basis"]

_MAX_OPERATOR_POINTS = 2000
_MAX_TENSOR_SIZE = 50_000   # n_out * d^k above this: use the operator instead
_MAX_TERM_SIZE = 1_000      # n_out * (largest input summand)^k above this: the operator too


def _tensor_path_applies(powers, input_rep, output_rep, interaction_only):
    """Whether the tensor-representation path is cheap: it expands ``V^(x k) >> out``
    into products of the input's summands, each solved with dense generators, so a
    large summand raised to a high power is not (SO(10) acting on V at degree 4
    needed 33 GB; SO(2) at degree 12 took minutes; the operator takes seconds)."""
    from ..reps._basis import _expand

    if interaction_only or input_rep.is_affine or output_rep.is_affine:
        return False
    d = powers.shape[1]
    k_max = int(powers.sum(axis=1).max(initial=0))
    largest = max((term.size for term, _ in _expand(input_rep)), default=d)
    return (output_rep.size * d ** k_max <= _MAX_TENSOR_SIZE
            and output_rep.size * largest ** k_max <= _MAX_TERM_SIZE)


def _tensor_basis(powers, input_rep, output_rep, tol):
    """Degree by degree, the equivariant linear maps ``in^(x k) -> out`` (from the
    representations' own fixed spaces, each distinct summand solved once) are
    symmetrised into polynomials in the monomials ``powers``; the union is
    orthonormalised. Exact for linear actions: every equivariant homogeneous
    polynomial map of degree ``k`` comes from a (symmetric) equivariant tensor.
    """
    d = powers.shape[1]
    n_out = output_rep.size
    K = len(powers)
    column = {tuple(p): j for j, p in enumerate(powers)}
    blocks = []
    tensor = None
    for k in range(int(powers.sum(axis=1).max(initial=0)) + 1):
        tensor = None if k == 0 else (input_rep if k == 1 else tensor * input_rep)
        present = [j for j, p in enumerate(powers) if p.sum() == k]
        if not present:
            continue
        if k == 0:
            Q = output_rep.equivariant_basis(tol)                   # (n_out, r)
            T = Q.T.reshape(-1, n_out, 1)
            cols = np.array(present)
        else:
            Q = (tensor >> output_rep).equivariant_basis(tol)      # (n_out * d^k, r)
            T = Q.T.reshape(-1, n_out, d ** k)
            grid = np.indices((d,) * k).reshape(k, -1).T           # index tuples
            counts = np.zeros((len(grid), d), dtype=int)
            for i in range(k):
                counts[np.arange(len(grid)), grid[:, i]] += 1
            cols = np.array([column[tuple(c)] for c in counts])
        if T.shape[0] == 0:
            continue
        C = np.zeros((T.shape[0], n_out, K))
        np.add.at(C, (slice(None), slice(None), cols), T)
        A = C.reshape(T.shape[0], -1)
        _, s, vt = np.linalg.svd(A, full_matrices=False)
        # Rows of A come from unit tensors; those that symmetrise to zero (e.g. the
        # Levi-Civita tensor, antisymmetric) leave singular values at round-off.
        keep = s > 1e-8
        blocks.append(vt[keep])
    if not blocks:
        return np.zeros((0, n_out, K))
    return np.concatenate(blocks).reshape(-1, n_out, K)   # degree blocks are orthogonal


@lru_cache(maxsize=64)
def _polynomial_basis(key, input_rep, output_rep, tol):
    degree, interaction_only, include_bias, n_features = key
    lib = PolynomialFeatures(degree=degree, interaction_only=interaction_only, include_bias=include_bias)
    lib.fit(np.zeros((1, n_features)))
    if _tensor_path_applies(lib.powers_, input_rep, output_rep, interaction_only):
        B = _tensor_basis(lib.powers_, input_rep, output_rep, tol)
    else:
        # the Lie-algebra constraints on exact monomial coefficients (well conditioned)
        B = LieDerivative(lib, input_rep, output_rep).equivariant_basis(tol)
    B.setflags(write=False)
    return B


def equivariant_model_basis(library, input_rep, output_rep, X=None, tol=1e-10):
    """Orthonormal basis of the coefficient matrices ``W`` for which
    ``x -> W Theta(x)`` is equivariant.

    Exact for polynomial libraries, and cached per library settings and
    representations. For :class:`~sklearn.preprocessing.PolynomialFeatures`
    under a linear action it is assembled degree by degree from the fixed
    spaces of the tensor representations ``V^(x k) >> out`` (each distinct
    summand solved once), which is fast when the input's summands are small
    (several vectors); otherwise (affine actions, ``interaction_only``, a large
    summand raised to a high power) it is the null space of
    :class:`~sksym.lie.LieDerivative`'s constraints on the exact monomial
    coefficients of ``L_xi F`` (well conditioned at any degree), the discrete
    elements checked at unisolvent points. For non-polynomial libraries
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
    n_in = getattr(library, "n_features_in_", None)
    if n_in is not None and n_in != input_rep.size:
        # the cache is keyed by the representation's size: a library fitted on
        # other inputs got the basis of another library, silently
        raise ValueError(
            f"The library was fitted on {n_in} input features but input_rep has size "
            f"{input_rep.size}."
        )
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


def warn_if_no_model(basis, group, stacklevel=3):
    """A ``UserWarning`` when ``basis`` is empty: the library has no non-zero
    equivariant model, so the fitted model is zero (plus any intercept)."""
    if len(basis) == 0:
        warnings.warn(
            f"The library has no non-zero model equivariant under {group} (no free parameter): "
            "the fitted model is zero, plus any intercept. Use a larger library, or check the "
            "input and output representations.",
            UserWarning, stacklevel=stacklevel,
        )
