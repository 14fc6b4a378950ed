"""The nuclear-norm pieces of the promote problems: the compressed operator
``W -> [L_xi_1 W | ... | L_xi_q W]``, its proximal map and the objective."""

from itertools import islice

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

__all__ = ["CompressedLieOperator", "prox_nuclear_norm", "promote_objective"]


class CompressedLieOperator:
    """The linear map from ``W`` to its stacked Lie derivatives, rows compressed.

    ``W -> [L_xi_1 W | ... | L_xi_q W]``, with the rows reduced to an orthonormal
    basis of their span.

    The columns ``L_xi_j W`` of the matrix built by
    :meth:`~sksym.lie.LieDerivative.matrix` all lie in the span of the columns of
    the operator's constraint blocks (for a polynomial library, the polynomials
    of the library's degree sampled at the points). With ``Q`` an orthonormal
    basis of that span, ``Q^T M`` has the same singular values (and right
    singular vectors) as ``M``, so nuclear norms are unchanged while the row
    count drops from ``n_points * n_outputs`` to the span's dimension.

    Parameters
    ----------
    lie_derivative : LieDerivative
        The operator (points, library, representations, Lie-algebra elements).
        Its discrete elements are ignored: only the Lie algebra is promoted.
    tol : float, default=1e-12
        Relative threshold below which a direction of the span is dropped.

    Attributes
    ----------
    tensor : ndarray of shape (q, rank, n_outputs * n_library_features)
        ``tensor[j] @ vec(W)`` (row-major ``vec``) is the compressed column
        ``Q^T L_xi_j W``.
    n_generators, rank, n_outputs, n_library_features : int
        Sizes.
    lie_algebra : ndarray of shape (q, d, d) or (q, d, d + 1)
        The Lie-algebra elements, in column order.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import PolynomialFeatures
    >>> from sksym.groups import SE
    >>> from sksym.reps import V, Scalar
    >>> from sksym.lie import LieDerivative
    >>> from sksym.solvers import CompressedLieOperator
    >>> lib = PolynomialFeatures(2).fit(np.zeros((1, 3)))
    >>> op = LieDerivative(lib, V(SE(3)), Scalar(SE(3)))
    >>> A = CompressedLieOperator(op)
    >>> A.tensor.shape     # 6 generators; rank 9 of 10 monomials (no L_xi F is |x|^2)
    (6, 9, 10)
    >>> W = np.random.RandomState(0).normal(size=(1, 10))
    >>> bool(np.isclose(A.nuclear_norm(W), np.linalg.norm(op.matrix(W), "nuc")))
    True
    """

    def __init__(self, lie_derivative, tol=1e-12):
        with threadpool_limits(limits=1, user_api="blas"):
            self._build(lie_derivative, tol)

    def _build(self, op, tol):
        if getattr(op.output_rep, "is_affine", False):
            raise ValueError(
                f"output_rep {op.output_rep!r} contains points of the affine group {op.group}: "
                "their Lie derivative is affine, not linear, in W, which the promote solvers "
                "do not support. For vectors (velocities, forces) use the linear part, "
                "e.g. output_rep=V.linear."
            )
        q = op.n_generators
        self.n_generators = q
        self.n_outputs = op.n_outputs
        self.n_library_features = op.n_library_features
        self.lie_algebra = np.asarray(op.lie_algebra)
        p = self.n_outputs * self.n_library_features
        n_rows = op.points.shape[0] * self.n_outputs
        Q = np.zeros((n_rows, 0))
        parts = []
        smax = 0.0
        for blk in islice(op.constraint_blocks(), q):
            proj = Q.T @ blk
            res = blk - Q @ proj
            res -= Q @ (Q.T @ res)
            new = np.zeros((0, p))
            nrm = np.linalg.norm(res)
            smax = max(smax, np.linalg.norm(blk))
            if nrm > tol * smax and nrm > 0:
                U, s, _ = scipy.linalg.svd(res, full_matrices=False, check_finite=False)
                keep = s > tol * smax
                if np.any(keep):
                    Unew = U[:, keep]
                    Unew -= Q @ (Q.T @ Unew)
                    Unew = scipy.linalg.qr(Unew, mode="economic", check_finite=False)[0]
                    new = Unew.T @ blk
                    Q = np.hstack([Q, Unew])
            parts.append((proj, new))
        r = Q.shape[1]
        A = np.zeros((q, r, p))
        for j, (proj, new) in enumerate(parts):
            k = proj.shape[0]
            A[j, :k] = proj
            A[j, k:k + new.shape[0]] = new
        self.tensor = A
        self.rank = r

    @classmethod
    def from_tensor(cls, tensor, n_outputs=1, lie_algebra=None):
        """Build the operator directly from a tensor of shape (q, rank, n_outputs * K).

        Parameters
        ----------
        tensor : array-like of shape (q, rank, n_outputs * K)
        n_outputs : int, default=1
        lie_algebra : array-like, default=None
            Stored as :attr:`lie_algebra` (for reporting generators).

        Returns
        -------
        op : CompressedLieOperator

        Examples
        --------
        >>> import numpy as np
        >>> from sksym.solvers import CompressedLieOperator
        >>> op = CompressedLieOperator.from_tensor(np.ones((2, 3, 4)))
        >>> op.matrix(np.ones(4)).shape
        (3, 2)
        """
        A = np.asarray(tensor, dtype=float)
        if A.ndim != 3 or A.shape[2] % n_outputs:
            raise ValueError(f"tensor must have shape (q, rank, n_outputs * K); got {A.shape}.")
        self = cls.__new__(cls)
        self.tensor = A
        self.n_generators, self.rank = A.shape[:2]
        self.n_outputs = int(n_outputs)
        self.n_library_features = A.shape[2] // n_outputs
        self.lie_algebra = None if lie_algebra is None else np.asarray(lie_algebra, dtype=float)
        return self

    def _gram(self):
        """``A^T A`` summed over generators, shape (p, p) (cached)."""
        G = getattr(self, "_gram_cache", None)
        if G is None:
            A2 = self.tensor.reshape(-1, self.tensor.shape[2])
            G = A2.T @ A2
            self._gram_cache = G
        return G

    def matrix(self, W):
        """The compressed matrix ``Q^T [L_xi_1 W | ... | L_xi_q W]``.

        Parameters
        ----------
        W : array-like of shape (n_outputs, K) or (n_outputs * K,)

        Returns
        -------
        M : ndarray of shape (rank, q)
        """
        w = np.asarray(W, dtype=float).reshape(-1)
        if w.size != self.tensor.shape[2]:
            raise ValueError(
                f"W must have n_outputs * n_library_features = {self.tensor.shape[2]} entries; got {w.size}."
            )
        return (self.tensor @ w).T

    def nuclear_norm(self, W):
        """Nuclear norm of :meth:`matrix` (equal to that of the uncompressed matrix).

        Parameters
        ----------
        W : array-like of shape (n_outputs, K)

        Returns
        -------
        norm : float
        """
        M = self.matrix(W)
        if M.size == 0:
            return 0.0
        return float(np.sum(scipy.linalg.svdvals(M, check_finite=False)))


def prox_nuclear_norm(X, threshold):
    """Proximal map of ``threshold * ||.||_*``: singular-value soft thresholding.

    Parameters
    ----------
    X : array-like of shape (m, n)
    threshold : float
        Non-negative shrinkage applied to every singular value.

    Returns
    -------
    Z : ndarray of shape (m, n)
        ``U diag(max(s - threshold, 0)) V^T``.
    s : ndarray
        The thresholded singular values (descending).

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.solvers import prox_nuclear_norm
    >>> Z, s = prox_nuclear_norm(np.diag([3.0, 1.0, 0.5]), 1.0)
    >>> s.tolist()
    [2.0, 0.0, 0.0]
    """
    X = np.asarray(X, dtype=float)
    if threshold < 0 or not np.isfinite(threshold):
        raise ValueError(f"threshold must be a non-negative finite float; got {threshold!r}.")
    if X.size == 0:
        return X.copy(), np.zeros(0)
    try:
        U, s, Vt = scipy.linalg.svd(X, full_matrices=False, check_finite=False, lapack_driver="gesdd")
    except np.linalg.LinAlgError:  # pragma: no cover - gesdd rarely fails
        U, s, Vt = scipy.linalg.svd(X, full_matrices=False, check_finite=False, lapack_driver="gesvd")
    s = np.maximum(s - threshold, 0.0)
    k = int(np.count_nonzero(s))
    return (U[:, :k] * s[:k]) @ Vt[:k], s


def promote_objective(theta, Y, operator, W, alpha=1.0, exact_fit=False):
    """Objective of the promote problem at ``W``.

    ``(1 / (2 n)) ||Y - theta W^T||_F^2 + alpha ||M(W)||_*`` (penalised form), or
    ``||M(W)||_*`` alone when ``exact_fit`` (the constraint is not checked).

    Parameters
    ----------
    theta : ndarray of shape (n_samples, K)
    Y : ndarray of shape (n_samples, n_outputs)
    operator : CompressedLieOperator
    W : ndarray of shape (n_outputs, K)
    alpha : float, default=1.0
    exact_fit : bool, default=False

    Returns
    -------
    objective : float

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.solvers import CompressedLieOperator, promote_objective
    >>> op = CompressedLieOperator.from_tensor(np.eye(2)[None])
    >>> promote_objective(np.eye(2), np.zeros((2, 1)), op, np.array([[3.0, 4.0]]), alpha=1.0)
    11.25
    """
    nuc = operator.nuclear_norm(W)
    if exact_fit:
        return nuc
    theta = np.asarray(theta, dtype=float)
    Y = np.asarray(Y, dtype=float).reshape(theta.shape[0], -1)
    R = Y - theta @ np.asarray(W, dtype=float).reshape(Y.shape[1], -1).T
    return float(0.5 * np.sum(R * R) / theta.shape[0] + alpha * nuc)


def _svt(X, threshold):
    """Singular-value thresholding of ``X`` (fast path for the ADMM loop).

    For matrices larger than about 60 x 60 the eigendecomposition of the
    smaller Gram matrix replaces the SVD: ``prox(X) = V diag(max(0, 1 - t / s)) V^T X``.
    Squaring the singular values loses those below ``sqrt(eps) * s_max``; they
    are all thresholded to zero when ``t >= 1e-6 * s_max``, otherwise the SVD
    is used.
    """
    m, n = X.shape
    if min(m, n) < 60:
        return prox_nuclear_norm(X, threshold)[0]
    left = m <= n
    G = X @ X.T if left else X.T @ X
    lam, V = scipy.linalg.eigh(G, check_finite=False, driver="evr")
    smax = np.sqrt(max(lam[-1], 0.0))
    if smax == 0.0:
        return np.zeros_like(X)
    if threshold < 1e-6 * smax:
        return prox_nuclear_norm(X, threshold)[0]
    s = np.sqrt(np.clip(lam, 0.0, None))
    keep = s > threshold
    if not np.any(keep):
        return np.zeros_like(X)
    Vk = V[:, keep]
    f = 1.0 - threshold / s[keep]
    if left:
        return (Vk * f) @ (Vk.T @ X)
    return (X @ Vk) * f @ Vk.T
