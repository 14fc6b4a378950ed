"""Validation of the candidate generators of :class:`SymmetryDiscovery` (private)."""

import numpy as np

from ..groups import GL, Group

__all__ = ["check_candidates"]


def _orthonormal(stack, tol=1e-10):
    """Frobenius-orthonormal basis of the span of a stack of matrices (same shape).

    A stack that is already orthonormal is returned unchanged, so built-in
    groups keep their readable bases.
    """
    q = stack.shape[0]
    flat = stack.reshape(q, -1)
    if q and np.allclose(flat @ flat.T, np.eye(q), atol=1e-12):
        return stack
    if q == 0:
        return stack
    _, s, vt = np.linalg.svd(flat, full_matrices=False)
    keep = s > tol * max(s[0], 1e-300)
    return vt[keep].reshape((-1,) + stack.shape[1:])


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
        basis = _orthonormal(np.asarray(candidates.lie_algebra))
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
    basis = _orthonormal(arr)
    if basis.shape[0] == 0:
        raise ValueError("candidates are all zero: pass at least one non-zero generator.")
    return Group(basis, d=n_features, name=f"span of {basis.shape[0]} candidates")
