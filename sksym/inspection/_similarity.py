"""Similarity of two hidden representations, each invariant to a stated group.

All measures take two arrays ``X`` of shape ``(n_samples, n_units_x)`` and ``Y``
of shape ``(n_samples, n_units_y)`` (rows = the same inputs, columns = units) and
return a similarity in ``[0, 1]`` (debiased CKA may be slightly negative), equal
to 1 when ``Y = X g`` for ``g`` in the measure's invariance group.

====================================  ==================================================
measure                               invariant to (acting on the units)
====================================  ==================================================
``linear_cka``                        orthogonal maps, isotropic scaling, translation
``orthogonal_procrustes_similarity``   orthogonal maps, isotropic scaling
``permutation_similarity``            permutations, isotropic scaling
``grelu_procrustes_similarity``       ``G_ReLU``: permutations times positive diagonals
``grelu_cka``                         ``G_ReLU`` and per-unit translation
====================================  ==================================================
"""

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = [
    "linear_cka",
    "orthogonal_procrustes_similarity",
    "permutation_similarity",
    "grelu_procrustes_similarity",
    "grelu_cka",
]


def _check_pair(X, Y, min_samples=1, same_width=False):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    for arr, name in ((X, "X"), (Y, "Y")):
        if arr.ndim != 2:
            raise ValueError(
                f"{name} must be a 2-D array of shape (n_samples, n_units); got shape {arr.shape}."
            )
        if arr.shape[1] == 0:
            raise ValueError(f"{name} has no units (shape {arr.shape}).")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values.")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"X and Y must have the same number of samples (rows); got {X.shape[0]} and {Y.shape[0]}."
        )
    if X.shape[0] < min_samples:
        raise ValueError(
            f"At least {min_samples} samples are needed; got {X.shape[0]}."
        )
    if same_width and X.shape[1] != Y.shape[1]:
        raise ValueError(f"X and Y must have the same number of units; got {X.shape[1]} and {Y.shape[1]}.")
    return X, Y


def _hsic_from_grams(K, L, debiased):
    """HSIC of two (n, n) Gram matrices: biased <HKH, HLH>/(n-1)^2, or the unbiased
    estimator of Song et al. (2012)."""
    n = K.shape[0]
    if not debiased:
        Kc = K - K.mean(axis=0) - K.mean(axis=1)[:, None] + K.mean()
        Lc = L - L.mean(axis=0) - L.mean(axis=1)[:, None] + L.mean()
        return np.sum(Kc * Lc) / (n - 1) ** 2
    Kt = K - np.diag(np.diag(K))
    Lt = L - np.diag(np.diag(L))
    k1 = Kt.sum(axis=1)
    l1 = Lt.sum(axis=1)
    term = (np.sum(Kt * Lt) + k1.sum() * l1.sum() / ((n - 1) * (n - 2))
            - 2.0 / (n - 2) * (k1 @ l1))
    return term / (n * (n - 3))


def _cka_from_grams(K, L, debiased):
    hxy = _hsic_from_grams(K, L, debiased)
    hxx = _hsic_from_grams(K, K, debiased)
    hyy = _hsic_from_grams(L, L, debiased)
    return _cka_ratio(hxy, hxx, hyy)


def _cka_ratio(hxy, hxx, hyy):
    scale = max(abs(hxx), abs(hyy), 1e-300)
    for h, name in ((hxx, "X"), (hyy, "Y")):
        if h <= 1e-13 * scale or h <= 0:
            raise ValueError(
                f"CKA is undefined: the HSIC of {name} with itself is {h:.3g} (<= 0); "
                f"{name} is (numerically) constant across samples, or too few samples "
                "for the debiased estimator."
            )
    return float(hxy / np.sqrt(hxx * hyy))


def linear_cka(X, Y, debiased=False):
    """Linear centred kernel alignment (CKA) of two representations.

    ``CKA = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L))`` with linear kernels
    ``K = X X^T``, ``L = Y Y^T`` (Kornblith et al., ICML 2019). Computed in
    feature space, ``O(n p q)``, without forming ``n x n`` matrices.

    Invariant to orthogonal transformations and isotropic scaling of the units
    of either argument, and to translations (columns are centred); *not*
    invariant to non-uniform rescaling of units, which is a symmetry of ReLU
    networks (use :func:`grelu_cka` or :func:`grelu_procrustes_similarity`).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_units_x)
    Y : array-like of shape (n_samples, n_units_y)
    debiased : bool, default=False
        Use the unbiased HSIC estimator of Song et al. (2012) (as in Nguyen,
        Raghu and Kornblith, ICLR 2021) instead of the biased one. The biased
        estimate is inflated at small ``n_samples`` for unrelated data; the
        debiased CKA can be slightly negative.

    Returns
    -------
    cka : float
        In ``[0, 1]`` (biased); 1 means equal up to rotation and scale.

    Raises
    ------
    ValueError
        With fewer than 4 samples (the unbiased estimator divides by
        ``n (n - 3)``; the same limit is applied to both for consistency), when
        a representation is constant across samples (CKA undefined), or for
        NaN/inf values. No NaN is ever returned.

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.inspection import linear_cka
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 5))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    >>> round(linear_cka(X, 3.0 * X @ Q), 12)
    1.0
    >>> linear_cka(X, X * [1, 1, 1, 1, 10]) < 1
    True
    """
    X, Y = _check_pair(X, Y, min_samples=4)
    n = X.shape[0]
    Xc = X - X.mean(axis=0)
    Yc = Y - Y.mean(axis=0)
    # Scale for numerical safety (CKA is scale invariant).
    sx = np.abs(Xc).max()
    sy = np.abs(Yc).max()
    if sx == 0 or sy == 0:
        raise ValueError(
            f"CKA is undefined: {'X' if sx == 0 else 'Y'} is constant across samples."
        )
    Xc = Xc / sx
    Yc = Yc / sy
    if not debiased:
        hxy = np.sum((Xc.T @ Yc) ** 2)
        hxx = np.sum((Xc.T @ Xc) ** 2)
        hyy = np.sum((Yc.T @ Yc) ** 2)
        return _cka_ratio(hxy, hxx, hyy)
    # Unbiased HSIC in feature space (uncentred data; the estimator is translation
    # invariant, centring only improves conditioning).

    def stats(A, B):
        dA = np.sum(A * A, axis=1)
        dB = np.sum(B * B, axis=1)
        tr = np.sum((A.T @ B) ** 2) - np.sum(dA * dB)
        a1 = A @ A.sum(axis=0) - dA
        b1 = B @ B.sum(axis=0) - dB
        val = tr + a1.sum() * b1.sum() / ((n - 1) * (n - 2)) - 2.0 / (n - 2) * (a1 @ b1)
        return val / (n * (n - 3))

    return _cka_ratio(stats(Xc, Yc), stats(Xc, Xc), stats(Yc, Yc))


def _unit_frobenius(A, name):
    # scaled by the largest entry first: the norm's squares overflow above ~1e154
    # and underflow below ~1e-154 (the measures are scale invariant)
    top = np.abs(A).max() if A.size else 0.0
    if top == 0:
        raise ValueError(f"{name} is identically zero; the similarity is undefined.")
    A = A / top
    return A / np.linalg.norm(A)


def _center(A, center):
    return A - A.mean(axis=0) if center else A


def orthogonal_procrustes_similarity(X, Y, center=False):
    """Similarity after the best orthogonal alignment of the units.

    Both arrays are scaled to unit Frobenius norm; the orthogonal Procrustes
    distance ``d = min_Q ||X - Y Q||_F = sqrt(2 - 2 ||X^T Y||_*)`` (nuclear norm)
    lies in ``[0, 2]`` and the returned similarity is ``1 - d / 2``, the
    convention of Godfrey et al. (2022). Different widths are allowed
    (``Q`` is then a partial isometry, as with zero padding).

    Invariant to orthogonal maps of the units and isotropic scaling (and to
    translations when ``center=True``).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_units_x)
    Y : array-like of shape (n_samples, n_units_y)
    center : bool, default=False
        Centre each column first.

    Returns
    -------
    similarity : float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.inspection import orthogonal_procrustes_similarity
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(50, 4))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    >>> round(orthogonal_procrustes_similarity(X, 2.0 * X @ Q), 10)
    1.0
    """
    X, Y = _check_pair(X, Y)
    X = _unit_frobenius(_center(X, center), "X")
    Y = _unit_frobenius(_center(Y, center), "Y")
    # Best partial isometry Q = U V^T; the residual is formed explicitly to avoid
    # the cancellation in sqrt(2 - 2 ||X^T Y||_*).
    # Narrower widths are zero-padded, so Q is a square orthogonal matrix.
    p = max(X.shape[1], Y.shape[1])
    X = np.pad(X, ((0, 0), (0, p - X.shape[1])))
    Y = np.pad(Y, ((0, 0), (0, p - Y.shape[1])))
    U, _, Vt = np.linalg.svd(X.T @ Y)
    d = np.linalg.norm(X @ (U @ Vt) - Y)
    return float(1.0 - 0.5 * min(d, 2.0))


def _assignment_similarity(Xn, Yn, signed):
    """``d^2 = ||X - Y P||_F^2`` for the best (signed) matching of columns, computed
    explicitly (no cancellation, so ``d`` is 0 to rounding for matching inputs).
    Unmatched columns of the wider array count with their full norm."""
    C = Xn.T @ Yn
    gain = np.abs(C) if signed else C
    rows, cols = linear_sum_assignment(gain, maximize=True)
    sgn = np.where(C[rows, cols] < 0, -1.0, 1.0) if signed else 1.0
    d2 = np.sum((Xn[:, rows] - Yn[:, cols] * sgn) ** 2)
    d2 += np.sum(np.delete(Xn, rows, axis=1) ** 2) + np.sum(np.delete(Yn, cols, axis=1) ** 2)
    return d2, rows, cols


def permutation_similarity(X, Y, center=False):
    """Similarity after the best permutation of the units.

    Both arrays are scaled to unit Frobenius norm, the units of ``Y`` are
    matched to those of ``X`` by a linear assignment maximising
    ``sum_i <x_i, y_pi(i)>`` (smaller widths are zero-padded), and
    ``1 - d / 2`` is returned with ``d = ||X - Y P||_F`` in ``[0, 2]``.

    Invariant to permutations of the units and isotropic scaling (and
    translations when ``center=True``); not to rotations or per-unit scaling.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_units_x)
    Y : array-like of shape (n_samples, n_units_y)
    center : bool, default=False
        Centre each column first.

    Returns
    -------
    similarity : float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.inspection import permutation_similarity
    >>> X = np.random.RandomState(0).normal(size=(30, 4))
    >>> round(permutation_similarity(X, 5.0 * X[:, [2, 0, 3, 1]]), 12)
    1.0
    """
    X, Y = _check_pair(X, Y)
    X = _unit_frobenius(_center(X, center), "X")
    Y = _unit_frobenius(_center(Y, center), "Y")
    d2, _, _ = _assignment_similarity(X, Y, signed=False)
    return float(1.0 - 0.5 * np.sqrt(d2))


def _unit_columns(A):
    top = np.abs(A).max(axis=0) if A.shape[0] else np.zeros(A.shape[1])
    A = A / np.where(top > 0, top, 1.0)          # no overflow or underflow in the norms
    nrm = np.linalg.norm(A, axis=0)
    return A / np.where(nrm > 0, nrm, 1.0), int(np.sum(nrm > 0))


def grelu_procrustes_similarity(X, Y, signed=False):
    """Similarity after the best ``G_ReLU`` alignment: permutation times positive scaling.

    Each unit (column) is scaled to unit norm, which quotients out the positive
    diagonal; units are matched by a linear assignment maximising the summed
    cosine similarity; the distance
    ``d = sqrt((||X||^2 + ||Y||^2 - 2 sum matched) / (4 n))`` (``n`` the larger
    width, all-zero units counting as zero columns) is about
    ``sqrt((1 - mean matched cosine) / 2)``, and ``1 - d`` is returned (Godfrey
    et al. 2022's "wreath Procrustes").

    Invariant to ``G_ReLU`` = permutations times positive diagonal matrices
    acting on the units, the symmetry group of ReLU hidden representations
    (:func:`intertwiner_group`); with ``signed=True`` also to sign flips
    (signed permutations with scaling, the group of tanh representations up to
    scale). Not invariant to rotations.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_units_x)
    Y : array-like of shape (n_samples, n_units_y)
    signed : bool, default=False
        Match units by absolute cosine (allow sign flips).

    Returns
    -------
    similarity : float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.inspection import grelu_procrustes_similarity, sample_intertwiner
    >>> X = np.abs(np.random.RandomState(0).normal(size=(30, 4)))
    >>> A = sample_intertwiner("relu", 4, random_state=0)
    >>> round(grelu_procrustes_similarity(X, X @ A.T), 12)
    1.0
    """
    X, Y = _check_pair(X, Y)
    Xn, nx = _unit_columns(X)
    Yn, ny = _unit_columns(Y)
    if nx == 0 or ny == 0:
        raise ValueError(f"{'X' if nx == 0 else 'Y'} is identically zero; the similarity is undefined.")
    d2, _, _ = _assignment_similarity(Xn, Yn, signed=signed)
    n = max(X.shape[1], Y.shape[1])
    return float(1.0 - np.sqrt(d2 / (4.0 * n)))


def grelu_cka(X, Y, debiased=False, reduction="max"):
    """CKA with a ``G_ReLU``-invariant kernel: the max over units of per-unit products.

    Each unit is centred and scaled to unit norm; the kernel between two inputs
    ``a``, ``b`` is ``k(a, b) = max_c x_c(a) x_c(b)`` (or the median over units),
    which is unchanged by permutations and positive rescaling of the units but
    not by rotations (Godfrey et al. 2022's "wreath CKA", for dense layers).
    Products of a unit with itself are also unchanged when the unit flips
    sign, so the measure is invariant to per-unit sign flips too, which are
    not ReLU symmetries.
    CKA of the two kernels is then computed as in :func:`linear_cka`.

    This kernel need not be positive semi-definite; the biased CKA is still in
    ``[-1, 1]`` (Cauchy-Schwarz for the centred Frobenius inner product), and is
    1 when the representations agree up to ``G_ReLU`` and translation.
    Cost ``O(n^2 p)`` time and ``O(n^2)`` memory (``O(n^2 p)`` for the median):
    subsample inputs for large ``n``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_units_x)
    Y : array-like of shape (n_samples, n_units_y)
    debiased : bool, default=False
        Unbiased HSIC estimator (see :func:`linear_cka`).
    reduction : {"max", "median"}, default="max"
        How per-unit products are combined.

    Returns
    -------
    cka : float

    Raises
    ------
    ValueError
        Below 4 samples, for constant representations, or bad ``reduction``.

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.inspection import grelu_cka, sample_intertwiner
    >>> X = np.abs(np.random.RandomState(0).normal(size=(30, 4)))
    >>> A = sample_intertwiner("relu", 4, random_state=0)
    >>> round(grelu_cka(X, X @ A.T + 1.0), 12)
    1.0
    """
    X, Y = _check_pair(X, Y, min_samples=4)
    if reduction not in ("max", "median"):
        raise ValueError(f"reduction must be 'max' or 'median'; got {reduction!r}.")

    def kernel(A, name):
        Ac = A - A.mean(axis=0)
        An, nz = _unit_columns(Ac)
        if nz == 0:
            raise ValueError(f"CKA is undefined: {name} is constant across samples.")
        An = An[:, np.abs(Ac).max(axis=0) > 0]         # (a norm underflows for tiny units)
        if reduction == "max":
            K = np.full((A.shape[0], A.shape[0]), -np.inf)
            for c in range(An.shape[1]):
                np.maximum(K, np.outer(An[:, c], An[:, c]), out=K)
            return K
        prods = np.einsum("ic,jc->cij", An, An)
        return np.median(prods, axis=0)

    return _cka_from_grams(kernel(X, "X"), kernel(Y, "Y"), debiased)
