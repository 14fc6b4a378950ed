"""Spectrum of the map ``xi -> L_xi F``: the discover side of the Lie derivative."""

import numbers

import numpy as np
import scipy.linalg

__all__ = ["symmetry_spectrum", "select_n_symmetries"]


def select_n_symmetries(singular_values, tol="auto", noise_level=None, min_gap=10.0):
    """How many of the smallest singular values count as zero.

    Parameters
    ----------
    singular_values : array-like of shape (q,)
        Singular values in ascending order.
    tol : "auto" or float, default="auto"
        A float is a relative threshold: ``s <= tol * s_max`` counts as zero.
        "auto" takes the largest gap (ratio) between consecutive singular values,
        provided it is at least ``min_gap`` and everything below it is below
        ``max(noise_level, 1e-8 * s_max)``-scaled evidence; see Notes.
    noise_level : float, default=None
        Expected size of a singular value that is zero up to noise (same units as
        ``singular_values``). Values at or below it always count as zero, values
        above ``min_gap`` times it never do.
    min_gap : float, default=10.0
        Smallest ratio ``s[k] / s[k-1]`` accepted as the edge of the null space.

    Returns
    -------
    k : int
        Number of symmetries (singular values counted as zero).

    Notes
    -----
    Rule "auto": let ``s`` be ascending and ``s_max`` its last value. If
    ``s_max`` is zero every direction is a symmetry. Otherwise values below
    ``1e-10 s_max`` (round-off) are always zero; among the remaining
    ``s[k-1] -> s[k]`` steps the largest ratio is the cut, if that ratio is at
    least ``min_gap``. Without a large gap, only the round-off zeros count.
    With ``noise_level``, values below it count as zero and the cut is searched
    only above it. Failure modes: a symmetry broken by less than the noise is
    reported as a symmetry; with heavy noise and no gap, symmetries are missed.

    Examples
    --------
    >>> from sksym.lie import select_n_symmetries
    >>> select_n_symmetries([1e-15, 2e-15, 1e-14, 0.3, 0.5, 1.0])
    3
    >>> select_n_symmetries([1e-3, 2e-3, 0.5, 1.0], tol=1e-2)
    2
    """
    s = np.sort(np.abs(np.asarray(singular_values, dtype=float)))
    q = s.size
    if q == 0:
        return 0
    smax = s[-1]
    if smax == 0.0:
        return q
    if not (isinstance(tol, str) and tol == "auto"):
        if not isinstance(tol, numbers.Real) or not np.isfinite(tol) or tol < 0:
            raise ValueError(f"tol must be 'auto' or a non-negative float; got {tol!r}.")
        return int(np.sum(s <= tol * smax))
    floor = 1e-10 * smax
    if noise_level is not None:
        floor = max(floor, float(noise_level))
    k0 = int(np.sum(s <= floor))
    if k0 >= q:
        return q
    logs = np.log(np.maximum(s, 1e-300))
    # candidate cuts k in [k0, q-1]: ratio s[k] / s[k-1] (k >= 1)
    best_k, best_ratio = k0, 0.0
    for k in range(max(k0, 1), q):
        ratio = np.exp(logs[k] - logs[k - 1])
        if ratio > best_ratio:
            best_k, best_ratio = k, ratio
    if best_ratio >= min_gap and (k0 == 0 or best_k >= k0):
        # the gap must separate small values from the bulk (s[k] near s_max scale)
        return best_k
    return k0


def symmetry_spectrum(M, lie_algebra):
    """SVD of the map ``c -> sum_j c_j L_xi_j F`` and the generators it gives.

    Parameters
    ----------
    M : ndarray of shape (n_rows, q)
        Column ``j`` is ``L_xi_j F`` evaluated (see
        :meth:`~sksym.lie.LieDerivative.matrix`).
    lie_algebra : ndarray of shape (q, d, d) or (q, d, d + 1)
        The candidate generators ``xi_j`` (orthonormal in the Frobenius inner
        product, so that singular vectors are orthonormal generators).

    Returns
    -------
    singular_values : ndarray of shape (q,)
        Ascending (padded with zeros when ``n_rows < q``).
    generators : ndarray of shape (q, d, d) or (q, d, d + 1)
        ``generators[i] = sum_j V[j, i] xi_j``: the generator whose Lie derivative
        has norm ``singular_values[i]``; most symmetric first.

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.lie import symmetry_spectrum
    >>> s, gens = symmetry_spectrum(np.diag([3.0, 0.0]), np.eye(2).reshape(2, 1, 2))
    >>> s.tolist()
    [0.0, 3.0]
    """
    M = np.asarray(M, dtype=float)
    lie = np.asarray(lie_algebra, dtype=float)
    q = lie.shape[0]
    if M.ndim != 2 or M.shape[1] != q:
        raise ValueError(f"M must have shape (n_rows, {q}); got {M.shape}.")
    if q == 0:
        return np.zeros(0), lie.copy()
    if M.shape[0] > 2 * q:
        M = scipy.linalg.qr(M, mode="r", check_finite=False)[0][:q]
    _, s, vt = scipy.linalg.svd(M, full_matrices=True, check_finite=False, lapack_driver="gesvd")
    s_full = np.zeros(q)
    s_full[: s.size] = s
    order = np.argsort(s_full, kind="stable")
    V = vt.T[:, order]
    return s_full[order], np.tensordot(V.T, lie, axes=1)
