"""Validation of the candidate generators of :class:`SymmetryDiscovery` (private)."""

import numpy as np

from .._linalg import orthonormal_stack
from ..groups import GL, Group

__all__ = ["check_candidates"]


def check_candidates(candidates, n_features):
    """The candidate group: ``GL(n_features)``, a :class:`Group`, or a stack.

    Returns
    -------
    group : Group
        A group acting on ``R^n_features`` whose Lie-algebra basis is
        Frobenius-orthonormal (its discrete generators are kept but not searched).
    """
    if candidates is None:
        return GL(n_features)
    if isinstance(candidates, Group):
        if candidates.d != n_features:
            raise ValueError(
                f"candidates {candidates} acts on R^{candidates.d}, but X has {n_features} features."
            )
        if candidates.lie_dim == 0:
            raise ValueError(
                f"candidates {candidates} has no Lie algebra (it is finite); discovery searches "
                "its Lie algebra, so pass a group with continuous generators, e.g. GL(n) or SE(n)."
            )
        basis = orthonormal_stack(np.asarray(candidates.lie_algebra))
        if basis is candidates.lie_algebra:
            return candidates
        return Group(basis, candidates.discrete_generators, d=candidates.d, name=candidates.name)
    array_like = hasattr(candidates, "__len__") or hasattr(candidates, "__array__")
    if isinstance(candidates, str) or not array_like:
        raise TypeError(
            "candidates must be None, a sksym.groups.Group (e.g. GL(3), SE(3)) or an array of "
            f"generator matrices of shape (q, d, d) or (q, d, d + 1); got {type(candidates).__name__}."
        )
    if np.iscomplexobj(np.asarray(candidates)):
        raise TypeError("candidates must be real generator matrices; got complex values.")
    try:
        arr = np.asarray(candidates, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            "candidates must be a Group or a numeric array of shape (q, d, d) or (q, d, d + 1)."
        ) from exc
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] != n_features or arr.shape[2] not in (n_features, n_features + 1):
        raise ValueError(
            "candidates must have shape (q, d, d) (linear) or (q, d, d + 1) (affine) with "
            f"d = n_features = {n_features}; got shape {arr.shape}."
        )
    if arr.shape[0] == 0:
        raise ValueError("candidates is empty: pass at least one generator.")
    if not np.all(np.isfinite(arr)):
        raise ValueError("candidates contain NaN or infinite entries.")
    basis = orthonormal_stack(arr)
    if basis.shape[0] == 0:
        raise ValueError("candidates are all zero: pass at least one non-zero generator.")
    return Group(basis, d=n_features, name=f"span of {basis.shape[0]} candidates")
