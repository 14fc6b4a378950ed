"""Small dense linear-algebra helpers shared across sksym (private)."""

import numpy as np
import scipy.linalg

__all__ = ["null_space", "orthonormal_span", "orthonormal_stack", "principal_angles"]


_GEQRF = scipy.linalg.lapack.get_lapack_funcs("geqrf", dtype=np.float64)


def _r_factor(M):
    """The triangular factor ``R`` (``min(m, n)`` rows) of a QR factorisation
    of ``M`` (LAPACK's geqrf directly: scipy's ``mode="r"`` returns all ``m``
    rows, zeros below ``n``)."""
    if M.size == 0:
        return np.zeros((min(M.shape), M.shape[1]))
    qr, _, _, info = _GEQRF(M)
    if info != 0:                 # pragma: no cover (invalid argument)
        raise RuntimeError(f"LAPACK geqrf: illegal argument {-info}")
    return np.triu(qr[:min(M.shape)])


_GESDD, _GESDD_LWORK = scipy.linalg.lapack.get_lapack_funcs(("gesdd", "gesdd_lwork"), dtype=np.float64)


def _singular_values(M):
    """Singular values of a float matrix, descending: LAPACK's gesdd directly
    (the routine of ``scipy.linalg.svdvals``, whose wrapper costs about twice
    the decomposition of a 10 x 11 matrix)."""
    if M.size == 0:
        return np.zeros(0)
    lwork = int(_GESDD_LWORK(M.shape[0], M.shape[1], compute_uv=0)[0])
    _, s, _, info = _GESDD(M, compute_uv=0, lwork=lwork)
    if info != 0:                 # gesdd did not converge
        return scipy.linalg.svd(M, compute_uv=False, check_finite=False, lapack_driver="gesvd")
    return s


def rank_tol(tol, n):
    """The relative singular-value threshold actually used for ``n`` unknowns:
    ``tol``, but not below the rounding level ``n * eps`` of an SVD (below it,
    directions that are zero in exact arithmetic would count as rank: with
    ``tol=0`` the rotation invariants of degree 4 in the plane came out as 1
    instead of 6)."""
    return max(float(tol), max(int(n), 1) * np.finfo(float).eps)


def _compress_rows(blocks, n_cols):
    """Reduce a tall stack of row blocks to an upper-triangular ``R`` with the same
    right singular structure, by incremental QR (never forms the full stack)."""
    R = np.zeros((0, n_cols))
    buf, buf_rows = [], 0
    for b in blocks:
        b = np.asarray(b, dtype=float).reshape(-1, n_cols)
        if not b.size:
            continue
        buf.append(b)
        buf_rows += b.shape[0]
        if buf_rows >= 4 * n_cols:
            R = scipy.linalg.qr(np.vstack([R] + buf), mode="r", overwrite_a=True, check_finite=False)[0][:n_cols]
            buf, buf_rows = [], 0
    if buf:
        stacked = np.vstack([R] + buf)
        if stacked.shape[0] > n_cols:
            R = scipy.linalg.qr(stacked, mode="r", overwrite_a=True, check_finite=False)[0][:n_cols]
        else:
            R = stacked
    return R


def null_space(blocks, n_cols, tol, return_singular_values=False, scale=0.0):
    """Orthonormal basis of the common null space of stacked row blocks.

    Parameters
    ----------
    blocks : iterable of ndarray, each reshapeable to (-1, n_cols)
        Row blocks of the constraint matrix ``C``.
    n_cols : int
        Number of unknowns.
    tol : float
        Relative threshold: singular values ``s <= tol * s_max`` count as zero
        (``tol`` at least the rounding level, :func:`rank_tol`).
    return_singular_values : bool, default=False
        Also return all singular values of ``C`` (descending).
    scale : float, default=0.0
        The threshold is ``tol * max(s_max, scale)``: a size of the
        constraints known from elsewhere (``C`` may be at round-off).

    Returns
    -------
    N : ndarray of shape (n_cols, r)
        Orthonormal columns spanning the null space.
    s : ndarray, optional
        Singular values of ``C``.
    """
    R = _compress_rows(blocks, n_cols)
    if R.shape[0] == 0:
        s = np.zeros(0)
        N = np.eye(n_cols)
    else:
        _, s, vt = scipy.linalg.svd(R, full_matrices=True, check_finite=False, lapack_driver="gesvd")
        smax = max(s[0] if s.size else 0.0, scale)
        if smax == 0.0:
            N = np.eye(n_cols)
        else:
            rank = int(np.sum(s > rank_tol(tol, n_cols) * smax))
            N = vt[rank:].T
    if return_singular_values:
        return N, s
    return N


def orthonormal_span(A, tol=1e-10):
    """Orthonormal basis (columns) of the column span of ``A``."""
    A = np.asarray(A, dtype=float)
    if A.size == 0:
        return np.zeros((A.shape[0], 0))
    u, s, _ = np.linalg.svd(A, full_matrices=False)
    return u[:, s > rank_tol(tol, A.shape[1]) * max(s[0], 1e-300)]


def orthonormal_stack(stack, tol=1e-10):
    """Frobenius-orthonormal basis of the span of a stack of matrices (same shape).

    A stack that is already orthonormal is returned unchanged (the same
    object), so that built-in groups keep their readable bases; otherwise it is
    :func:`orthonormal_span` of the flattened matrices (repeated or dependent
    ones dropped).
    """
    q = stack.shape[0]
    if q == 0:
        return stack
    flat = stack.reshape(q, -1)
    if np.allclose(flat @ flat.T, np.eye(q), rtol=0.0, atol=1e-12):
        return stack
    return orthonormal_span(flat.T, tol).T.reshape((-1,) + stack.shape[1:])


def principal_angles(A, B):
    """Principal angles (radians, ascending) between the column spans of A and B.

    Parameters
    ----------
    A : array-like of shape (n, p)
    B : array-like of shape (n, r)

    Returns
    -------
    angles : ndarray of shape (min(p, r),)
    """
    return np.sort(scipy.linalg.subspace_angles(np.asarray(A, float), np.asarray(B, float)))
