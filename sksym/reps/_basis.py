"""Fixed spaces (equivariant bases) of representations, one summand at a time."""

from functools import lru_cache

import numpy as np
import scipy.sparse
import scipy.sparse.linalg

from .._checks import check_rank_tol
from .._linalg import null_space
from ._rep import DualRep, SumRep, TensorRep

_DENSE_LIMIT = 600


def _expand(rep):
    """Split a representation into summands that are not sums.

    Returns a list of ``(term, indices)``: ``term`` acts on the coordinates
    ``indices`` of ``rep`` (tensor products are distributed over sums).
    """
    if isinstance(rep, SumRep):
        out, offset = [], 0
        for t in rep.terms:
            out.extend((term, idx + offset) for term, idx in _expand(t))
            offset += t.size
        return out
    if isinstance(rep, TensorRep):
        ea, eb = _expand(rep.a), _expand(rep.b)
        if len(ea) == 1 and len(eb) == 1:
            return [(rep, np.arange(rep.size))]
        nb = rep.b.size
        return [
            (TensorRep(ta, tb), (ia[:, None] * nb + ib[None, :]).ravel())
            for ta, ia in ea for tb, ib in eb
        ]
    if isinstance(rep, DualRep):
        ea = _expand(rep.a)
        if len(ea) == 1:
            return [(rep, np.arange(rep.size))]
        return [(DualRep(t), idx) for t, idx in ea]
    return [(rep, np.arange(rep.size))]


def equivariant_basis(rep, tol=1e-10, method="auto"):
    """Orthonormal basis of the fixed space of a bound representation."""
    rep._require_group()
    if method not in ("auto", "dense", "sparse"):
        raise ValueError(f"method must be 'auto', 'dense' or 'sparse'; got {method!r}.")
    tol = check_rank_tol(tol)
    blocks = []
    for term, idx in _expand(rep):
        Q = _term_basis(term, float(tol), method)
        if Q.shape[1]:
            B = np.zeros((rep.size, Q.shape[1]))
            B[idx] = Q
            blocks.append(B)
    if not blocks:
        return np.zeros((rep.size, 0))
    return np.hstack(blocks)


def _constraint_scale(term):
    """The size of a constraint that is not round-off: 1 when the group has
    discrete elements (rows ``rho(h) - I``: when ``rho(h)`` is the identity up to
    rounding, as ``V * V`` of a rotation by 180 degrees, every row is round-off
    and a threshold relative to it counted round-off as constraints), else 0."""
    return 1.0 if term.group.n_discrete else 0.0


@lru_cache(maxsize=256)
def _term_basis(term, tol, method):
    n = term.size
    if method == "sparse" or (method == "auto" and n > _DENSE_LIMIT):
        Q = _sparse_fixed_space(term, tol)
    else:
        C = term.constraint_matrices()
        Q = null_space(C, n, tol, scale=_constraint_scale(term))
    Q.setflags(write=False)
    return Q


def _eigsh(M, k, **kwargs):
    """``scipy.sparse.linalg.eigsh`` from a fixed start vector, retried with a
    larger Krylov space (40 vectors) and more iterations when it does not
    converge. ARPACK's own start is random: on ``(V ** 6)(SO(2))``, whose
    fixed space is a 20-fold eigenvalue, about 1 call in 100 did not
    converge with 8 vectors (and the basis changed with the run); the retry
    converged from each of 300 start vectors."""
    n = M.shape[0]
    v0 = np.random.RandomState(0).uniform(-1.0, 1.0, n)
    try:
        return scipy.sparse.linalg.eigsh(M, k=k, v0=v0, **kwargs)
    except scipy.sparse.linalg.ArpackNoConvergence:
        pass
    try:
        return scipy.sparse.linalg.eigsh(M, k=k, v0=v0, ncv=min(n, max(2 * k + 1, 40)), maxiter=50 * n,
                                         **kwargs)
    except scipy.sparse.linalg.ArpackNoConvergence as exc:
        raise RuntimeError(
            f"The sparse fixed-space solver (ARPACK) did not converge on a representation of size "
            f"{n} ({exc}); use method='dense'."
        ) from None


def _sparse_fixed_space(term, tol, block=8):
    """Fixed space via shift-invert Lanczos on ``C^T C`` (scipy.sparse.linalg)."""
    n = term.size
    C = term.constraint_matrices()
    if C.shape[0] == 0:
        return np.eye(n)
    S = scipy.sparse.vstack([scipy.sparse.csr_matrix(c) for c in C]).tocsc()
    M = (S.T @ S).tocsc()
    smax2 = _eigsh(M, k=1, which="LA", return_eigenvectors=False)[0]
    smax2 = max(smax2, _constraint_scale(term) ** 2)
    if smax2 <= 0:
        return np.eye(n)
    thresh = max(tol, 1e-7) ** 2 * smax2
    shift = -1e-3 * smax2
    k = min(block, n - 1)
    while True:
        vals, vecs = _eigsh(M, k=k, sigma=shift, which="LM")
        order = np.argsort(vals)
        vals, vecs = vals[order], vecs[:, order]
        if np.any(vals > thresh) or k >= n - 1:
            keep = vals <= thresh
            Q, _ = np.linalg.qr(vecs[:, keep])
            return Q
        k = min(2 * k, n - 1)
