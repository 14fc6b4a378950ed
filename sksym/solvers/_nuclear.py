"""The nuclear-norm pieces of the promote problems: the compressed operator
``W -> [L_xi_1 W | ... | L_xi_q W]``, its proximal map and the objective."""

from itertools import islice
import numbers

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.special

from .._linalg import _r_factor, _singular_values
from .._threads import blas_limit

__all__ = ["CompressedLieOperator", "prox_nuclear_norm", "promote_objective"]

_KERNEL_GRAM_RTOL = 1e-8    # CompressedLieOperator._kernel: candidates from the Gram matrix,
_KERNEL_RTOL = 1e-10        # kept where the operator maps them to zero (relative)


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

    For :class:`~sklearn.preprocessing.PolynomialFeatures` the operator is kept
    factored, ``Q^T L_xi_j = R S_j``, with the exact sparse coefficient maps
    ``S_j`` of :meth:`~sksym.lie.LieDerivative.coefficient_maps` (monomials
    to the monomials they reach) and ``R`` the triangular-like factor of the
    weighted monomials at the points: applying it costs a sparse product and
    one small dense one, instead of a pass over ``q * rank * K`` numbers.
    Other libraries are compressed densely (Gram-Schmidt over the blocks).

    Parameters
    ----------
    lie_derivative : LieDerivative
        The operator (points, library, representations, Lie-algebra elements).
        Its discrete elements are ignored: only the Lie algebra is promoted.
    tol : float, default=1e-12
        Relative threshold below which a direction of the span is dropped.
    measure : {"points", "box"}, default="points"
        The inner product that the nuclear norm sees. ``"points"``: that of
        the operator's (weighted) points, a column's norm being the
        root-mean-square of ``L_xi_j F`` over them. ``"box"``: the uniform
        measure on ``[-1, 1]^d``, exactly (the Gram matrix of the monomials'
        moments; operators with coefficient maps, i.e. ``PolynomialFeatures``,
        only), so that the norm is a property of the function ``F`` alone,
        whatever the points, the library's degree or its size.
    bounds : tuple (low, high) of float or array-like of shape (n_features,), default=None
        The box of ``measure="box"``: the uniform measure on
        ``[low_1, high_1] x ... x [low_d, high_d]`` (``high > low``), e.g. the
        bounding box of the data in their own units. ``None`` means
        ``[-1, 1]^d``. The monomials' Gram matrix is formed in the coordinates
        that map the box to ``[-1, 1]^d``, so that its moments are exact on
        boxes far from the origin; a polynomial that nearly cancels there
        (``(x - 1000)^5`` in the monomials of ``x``) loses accuracy as in any
        evaluation of it: centre the data.

    Attributes
    ----------
    tensor : ndarray of shape (q, rank, n_outputs * n_library_features)
        ``tensor[j] @ vec(W)`` (row-major ``vec``) is the compressed column
        ``Q^T L_xi_j W`` (read-only; formed on first access for factored
        operators).
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
    >>> A.tensor.shape     # 6 generators; every L_xi W is a quadratic (10 monomials)
    (6, 10, 10)
    >>> W = np.random.RandomState(0).normal(size=(1, 10))
    >>> bool(np.isclose(A.nuclear_norm(W), np.linalg.norm(op.matrix(W), "nuc")))
    True
    """

    def __init__(self, lie_derivative, tol=1e-12, measure="points", bounds=None):
        from ..lie import LieDerivative

        if not isinstance(lie_derivative, LieDerivative):
            raise TypeError(
                "lie_derivative must be a sksym.lie.LieDerivative (for a given tensor use "
                f"CompressedLieOperator.from_tensor); got {type(lie_derivative).__name__}."
            )
        if (not isinstance(tol, numbers.Real) or isinstance(tol, bool) or not np.isfinite(tol)
                or not 0.0 <= tol < 1.0):
            raise ValueError(f"tol must be a float in [0, 1); got {tol!r}.")
        if measure not in ("points", "box"):
            raise ValueError(f"measure must be 'points' or 'box'; got {measure!r}.")
        if bounds is not None:
            if measure != "box":
                raise ValueError("bounds set the box of measure='box'; got measure='points'.")
            bounds = _check_bounds(bounds, lie_derivative.n_features)
        with blas_limit(1):
            op = lie_derivative
            if getattr(op.output_rep, "is_affine", False):
                raise ValueError(
                    f"output_rep {op.output_rep!r} contains points of the affine group {op.group}: "
                    "their Lie derivative is affine, not linear, in W, which the promote solvers "
                    "do not support. For vectors (velocities, forces) use the linear part, "
                    "e.g. output_rep=V.linear."
                )
            self.n_generators = op.n_generators
            self.n_outputs = op.n_outputs
            self.n_library_features = op.n_library_features
            self.lie_algebra = np.asarray(op.lie_algebra)
            self._dense = None
            self._R = self._S = None
            maps = op.coefficient_maps()
            if maps is None and measure == "box":
                raise ValueError(
                    "measure='box' needs the exact coefficient maps of a PolynomialFeatures "
                    f"library; got {type(op.library).__name__}: use measure='points'."
                )
            if measure == "points":
                op._warn_few_points()      # both builds evaluate at the operator's points
            if maps is None:
                self._build_dense(op, tol)
            else:
                self._build_factored(op, *maps, tol, measure, bounds)

    def _build_factored(self, op, powers, S, tol, measure="points", bounds=None):
        """``Q^T L_xi_j = R S_j``: the weighted monomials at the points are
        ``U R`` (``U`` orthonormal), so only ``R`` (small, dense) and the sparse
        coefficient maps ``S_j`` are kept; for the box measure ``R`` is the
        Cholesky factor of the monomials' Gram matrix on ``[-1, 1]^d``. Monomials
        that no ``L_xi_j W`` reaches are dropped first."""
        q, n = self.n_generators, self.n_outputs
        P = len(powers)
        p = S.shape[1]
        Sh = S.tocoo()
        reached = np.unique((Sh.row % (P * n)) // n) if Sh.nnz else np.zeros(0, dtype=int)
        if not reached.size:
            R1 = np.zeros((0, 0))
        elif measure == "box":
            R1 = _box_factor(powers, reached, tol, bounds)
        else:
            Phi = np.prod(op.points[:, None, :] ** powers[None, reached, :], axis=2) * op.weight
            _, s, vt = scipy.linalg.svd(Phi, full_matrices=False, check_finite=False)
            keep = s > tol * s[0] if s.size and s[0] > 0 else np.zeros(s.size, dtype=bool)
            R1 = s[keep, None] * vt[keep]                     # (r1, n_reached)
        # rows (j, t, a) -> (j, reached index, a); the outputs share R1
        pos = np.full(P, -1)
        pos[reached] = np.arange(reached.size)
        s_rows = (Sh.row // (P * n)) * (reached.size * n) + pos[(Sh.row % (P * n)) // n] * n + Sh.row % n
        self._S = scipy.sparse.csr_matrix((Sh.data, (s_rows, Sh.col)), shape=(q * reached.size * n, p))
        self._R = np.kron(R1, np.eye(n)) if n > 1 else R1        # (r, reached * n)
        self.rank = self._R.shape[0]

    def _build_dense(self, op, tol):
        q = self.n_generators
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
        A.setflags(write=False)
        self._dense = A
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
        if not isinstance(n_outputs, numbers.Integral) or isinstance(n_outputs, bool) or n_outputs < 1:
            raise ValueError(f"n_outputs must be a positive integer; got {n_outputs!r}.")
        n_outputs = int(n_outputs)
        if np.iscomplexobj(tensor):
            raise TypeError("tensor must be real; got a complex array.")
        A = np.array(tensor, dtype=float)
        if A.ndim != 3 or A.shape[2] % n_outputs:
            raise ValueError(f"tensor must have shape (q, rank, n_outputs * K); got {A.shape}.")
        if not np.all(np.isfinite(A)):
            raise ValueError("tensor must be finite.")
        if lie_algebra is not None:
            lie_algebra = np.asarray(lie_algebra, dtype=float)
            if lie_algebra.ndim != 3 or lie_algebra.shape[0] != A.shape[0]:
                raise ValueError(f"lie_algebra must have shape (q, d, d) or (q, d, d + 1) with q = "
                                 f"{A.shape[0]} (one element per generator); got {lie_algebra.shape}.")
        A.setflags(write=False)
        self = cls.__new__(cls)
        self._dense = A
        self._R = self._S = None
        self.n_generators, self.rank = A.shape[:2]
        self.n_outputs = n_outputs
        self.n_library_features = A.shape[2] // n_outputs
        self.lie_algebra = lie_algebra
        return self

    @property
    def tensor(self):
        """The operator as a dense read-only array of shape (q, rank, n_outputs * K).

        ``tensor[j] @ vec(W)`` (row-major ``vec``) is the compressed column
        ``Q^T L_xi_j W``. Operators built from a polynomial library keep a
        factored form and build this array on first access.
        """
        if self._dense is None:
            q, p = self.n_generators, self.n_outputs * self.n_library_features
            s = self._R.shape[1]
            A = np.empty((q, self.rank, p))
            for j in range(q):
                A[j] = self._S[j * s:(j + 1) * s].T.dot(self._R.T).T
            A.setflags(write=False)
            self._dense = A
        return self._dense

    def _apply(self, w):
        """``[Q^T L_xi_j w]_j`` as a (q, rank) array, for a flat ``w``."""
        if self._S is None:
            return (self._dense.reshape(-1, self._dense.shape[2]) @ w).reshape(self.n_generators, self.rank)
        return (self._S @ w).reshape(self.n_generators, -1) @ self._R.T

    def _apply_columns(self, F):
        """:meth:`_apply` of each column of ``F`` (shape ``(p, k)``), flattened:
        a ``(q * rank, k)`` array, in one product."""
        q, k = self.n_generators, F.shape[1]
        if self._S is None:
            return self._dense.reshape(-1, self._dense.shape[2]) @ F
        SF = np.asarray(self._S @ F).reshape(q, -1, k)
        return np.matmul(self._R, SF).reshape(q * self.rank, k)

    def _adjoint(self, V):
        """Adjoint of :meth:`_apply`: ``sum_j (Q^T L_xi_j)^T V[j]``, flat."""
        if self._S is None:
            return self._dense.reshape(-1, self._dense.shape[2]).T @ V.ravel()
        return self._S.T @ (V @ self._R).ravel()

    def _gram(self):
        """``A^T A`` summed over generators, shape (p, p) (cached)."""
        G = getattr(self, "_gram_cache", None)
        if G is None:
            if self._S is None:
                A2 = self._dense.reshape(-1, self._dense.shape[2])
                G = A2.T @ A2
            else:
                s = self._R.shape[1]
                RtR = self._R.T @ self._R
                G = np.zeros((self._S.shape[1],) * 2)
                for j in range(self.n_generators):
                    Sj = self._S[j * s:(j + 1) * s]
                    if Sj.nnz:
                        G += Sj.T.dot((Sj.T.dot(RtR)).T)
            self._gram_cache = G
        return G

    def _column_factor(self):
        """A triangular ``R`` with ``R^T R = A^T A`` (``A`` the operator as a
        ``(q rank, p)`` matrix; ``min(q rank, p)`` rows), from a QR factorisation
        (cached: Newton's penalised certificate needs it at every solve, and a
        grid of ``alpha`` solves with one operator)."""
        R = getattr(self, "_column_factor_cache", None)
        if R is None:
            R = _r_factor(self.tensor.reshape(-1, self.tensor.shape[2]))
            R.setflags(write=False)
            self._column_factor_cache = R
        return R

    def _scaled_gram_eigh(self):
        """The Gram matrix ``A^T A`` with the operator's columns scaled to unit
        norm, restricted to its nonzero columns, and its eigen-decomposition:
        ``(scale, live, lam, vec)``, with ``scale`` the column norms (1 for zero
        columns), ``live`` the indices of the nonzero columns and ``lam``
        ascending (cached: the kernel and the symmetric fit's certificate,
        :func:`~sksym.solvers._screening.symmetric_fit`, use it)."""
        cached = getattr(self, "_scaled_gram_eigh_cache", None)
        if cached is None:
            G = self._gram()
            col = np.sqrt(np.maximum(np.diag(G), 0.0))
            zero = col <= 0.0
            scale = np.where(zero, 1.0, col)
            live = np.flatnonzero(~zero)
            lam, vec = np.zeros(0), np.zeros((0, 0))
            if live.size:
                Gs = G[np.ix_(live, live)] / np.outer(scale[live], scale[live])
                lam, vec = scipy.linalg.eigh(Gs, check_finite=False)
            cached = scale, live, lam, vec
            for a in cached:
                a.setflags(write=False)
            self._scaled_gram_eigh_cache = cached
        return cached

    def _kernel(self):
        """Orthonormal basis (columns) of the coefficient vectors that every Lie
        derivative maps to zero, shape ``(n_outputs * K, a)`` (the library's
        invariant functions; cached). Found with the operator's columns scaled
        to unit norm (their sizes differ by many orders for unscaled points and
        high degrees): candidates are the eigenvectors of the scaled Gram matrix
        with eigenvalues below ``1e-8`` of the largest (it squares the singular
        values, so its rounding hides anything much smaller); of their span, the
        directions that the scaled operator itself maps to within ``1e-10`` of its
        norm are kept. Columns that are zero are in the kernel outright."""
        basis = getattr(self, "_kernel_cache", None)
        if basis is None:
            scale, live, lam, vec = self._scaled_gram_eigh()
            p = scale.size
            zero = np.ones(p, dtype=bool)
            zero[live] = False
            basis = [np.eye(p)[:, zero]]
            if live.size:
                cand = vec[:, lam <= _KERNEL_GRAM_RTOL * lam[-1]]
                if cand.shape[1]:
                    full = np.zeros((p, cand.shape[1]))
                    full[live] = cand / scale[live, None]         # back to coefficients
                    images = self._apply_columns(full)
                    sv, vt = _right_singular(images)
                    keep = vt[sv <= _KERNEL_RTOL * np.sqrt(lam[-1])].T
                    if keep.shape[1]:
                        basis.append(scipy.linalg.orth(full @ keep))
            basis = np.hstack(basis) if len(basis) > 1 else basis[0]
            self._kernel_cache = basis
        return basis

    def matrix(self, W):
        """The compressed matrix ``Q^T [L_xi_1 W | ... | L_xi_q W]``.

        Parameters
        ----------
        W : array-like of shape (n_outputs, K) or (n_outputs * K,)

        Returns
        -------
        M : ndarray of shape (rank, q)
        """
        W = np.asarray(W, dtype=float)
        n_out, K = self.n_outputs, self.n_library_features
        if W.shape not in ((n_out, K), (n_out * K,)):
            raise ValueError(
                f"W must have shape (n_outputs, n_library_features) = {(n_out, K)} or "
                f"({n_out * K},); got {W.shape}."
            )
        w = W.reshape(-1)
        if not np.all(np.isfinite(w)):
            raise ValueError("W must be finite.")
        return self._apply(w).T

    def nuclear_norm(self, W):
        """Nuclear norm of :meth:`matrix` (equal to that of the uncompressed matrix).

        Parameters
        ----------
        W : array-like of shape (n_outputs, K)

        Returns
        -------
        norm : float
        """
        return float(np.sum(_singular_values(self.matrix(W))))


def _check_bounds(bounds, d):
    """``bounds`` as two float arrays ``(low, high)`` of shape (d,), checked."""
    try:
        low, high = bounds
        low = np.broadcast_to(np.asarray(low, dtype=float), (d,)).copy()
        high = np.broadcast_to(np.asarray(high, dtype=float), (d,)).copy()
    except (TypeError, ValueError):
        raise ValueError(f"bounds must be a pair (low, high) of arrays of shape ({d},); "
                         f"got {bounds!r}.") from None
    if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high)) and np.all(high > low)):
        raise ValueError(f"bounds must be finite with high > low in every coordinate; "
                         f"got low={low}, high={high}.")
    return low, high


def _unit_box_factor(A, tol):
    """``R`` with ``R^T R`` the Gram matrix of the monomials ``x^a`` (rows of
    ``A``) under the uniform probability measure on ``[-1, 1]^d``."""
    G = _box_moments(A)
    try:
        return scipy.linalg.cholesky(G, lower=False, check_finite=False)
    except np.linalg.LinAlgError:
        # rounding made the moments indefinite (degree 26 and more in one
        # variable): the symmetric square root of their positive part
        lam, vec = scipy.linalg.eigh(G, check_finite=False)
        keep = lam > tol * lam[-1]
        return np.sqrt(lam[keep])[:, None] * vec[:, keep].T


def _box_factor(powers, reached, tol, bounds=None):
    """``R`` with ``R^T R`` the Gram matrix of the monomials ``powers[reached]``
    under the uniform probability measure on the box ``bounds`` (``[-1, 1]^d``
    if None). The monomials are written in the coordinates ``u`` of
    ``x = centre + half * u`` (binomial expansion into ``powers``, which holds
    every monomial of degree up to the largest), whose moments on ``[-1, 1]^d``
    are well conditioned, and the factor is the triangle of a QR."""
    A = powers[reached]
    if bounds is None:
        return _unit_box_factor(A, tol)
    low, high = bounds
    centre, half = (high + low) / 2.0, (high - low) / 2.0
    # T[b, a]: the coefficient of u^b in x^a = prod_i (centre_i + half_i u_i)^a_i
    below = np.all(powers[:, None, :] <= A[None, :, :], axis=2)          # b <= a
    e = np.where(below[:, :, None], A[None, :, :] - powers[:, None, :], 0)
    binom = scipy.special.comb(A[None, :, :], np.where(below[:, :, None], powers[:, None, :], 0))
    T = np.where(below, np.prod(binom * centre ** e * half ** powers[:, None, :], axis=2), 0.0)
    used = np.any(T != 0, axis=1)
    R = scipy.linalg.qr(_unit_box_factor(powers[used], tol) @ T[used], mode="r", check_finite=False)[0]
    return R[:min(R.shape)]


def _box_moments(powers):
    """Gram matrix of the monomials ``x^a`` (rows of ``powers``) under the
    uniform probability measure on ``[-1, 1]^d``: ``prod_i E[x^(a_i + b_i)]``,
    with ``E[x^k] = 1 / (k + 1)`` for even ``k`` and 0 for odd."""
    k = powers[:, None, :] + powers[None, :, :]
    return np.prod(np.where(k % 2 == 0, 1.0 / (k + 1.0), 0.0), axis=2)


def _right_singular(A):
    """Singular values of ``A`` (m, a), padded with zeros to ``a``, and all ``a``
    right singular vectors (rows of ``vt``), without the ``m x m`` left factor."""
    _, sv, vt = scipy.linalg.svd(A, full_matrices=A.shape[0] < A.shape[1], check_finite=False)
    return np.concatenate([sv, np.zeros(A.shape[1] - sv.size)]), vt


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
    if (not isinstance(threshold, numbers.Real) or isinstance(threshold, bool)
            or not np.isfinite(threshold) or threshold < 0):
        raise ValueError(f"threshold must be a non-negative finite float; got {threshold!r}.")
    if np.iscomplexobj(X):
        raise TypeError("X must be real; got a complex array.")
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (m, n); got shape {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise ValueError("X must be finite.")
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
    theta : array-like of shape (n_samples, K)
        Dictionary evaluated at the inputs.
    Y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    operator : CompressedLieOperator
        The compressed Lie-derivative operator.
    W : array-like of shape (n_outputs, K), or (K,) with one output
        Coefficients.
    alpha : float, default=1.0
        Weight of the nuclear norm (non-negative).
    exact_fit : bool, default=False
        Return the nuclear norm alone.

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
    from ._problem import check_flag, check_problem    # (_problem imports this module)

    theta, Y, alpha = check_problem(theta, Y, operator, alpha)
    exact_fit = check_flag(exact_fit, "exact_fit")
    W = np.asarray(W, dtype=float)
    if W.shape == (operator.n_library_features,) and operator.n_outputs == 1:
        W = W[None]
    nuc = operator.nuclear_norm(W)        # checks W's shape and values
    if exact_fit:
        return nuc
    W = W.reshape(operator.n_outputs, -1)
    R = Y - theta @ W.T
    return float(0.5 * np.sum(R * R) / theta.shape[0] + alpha * nuc)


def _svt(X, threshold, rank_hint=None):
    """Singular-value thresholding of ``X`` (fast path for the ADMM loop).

    Returns the thresholded matrix and the number of singular values kept.
    For matrices larger than about 60 x 60 the eigenpairs of the smaller Gram
    matrix replace the SVD: ``prox(X) = V diag(1 - t / s) V^T X`` over the
    eigenpairs above ``t**2``. When ``rank_hint`` (e.g. the count of the
    previous call) is small, LAPACK ``dsyevr`` computes only those eigenpairs;
    otherwise all of them (``dsyevd``). Squaring the singular values loses
    those below ``sqrt(eps) * s_max``; they are all thresholded to zero when
    ``t >= 1e-6 * s_max``, otherwise the SVD is used.
    """
    m, n = X.shape
    if min(m, n) < 60 or threshold <= 0.0:
        Z, s = prox_nuclear_norm(X, threshold)
        return Z, int(np.count_nonzero(s))
    left = m <= n
    G = X @ X.T if left else X.T @ X
    dim = G.shape[0]
    trace = float(np.trace(G))
    if threshold ** 2 >= trace:                       # every singular value is below it
        return np.zeros_like(X), 0
    if rank_hint is not None and 4 * rank_hint < dim:
        vu = 2.0 * trace + 1.0          # above every eigenvalue (G is PSD)
        lam, V, k, _, info = scipy.linalg.lapack.dsyevr(G, compute_v=1, range="V", vl=threshold ** 2,
                                                        vu=vu, overwrite_a=1)
        lam, V = lam[:k], V[:, :k]
    else:
        lam, V, info = scipy.linalg.lapack.dsyevd(G, compute_v=1, overwrite_a=1)
        keep = lam > threshold ** 2
        lam, V = lam[keep], V[:, keep]
        k = lam.size
    if info != 0:   # pragma: no cover - LAPACK failure
        Z, s = prox_nuclear_norm(X, threshold)
        return Z, int(np.count_nonzero(s))
    if k == 0:
        return np.zeros_like(X), 0
    if threshold < 1e-6 * np.sqrt(lam.max()):
        Z, s = prox_nuclear_norm(X, threshold)
        return Z, int(np.count_nonzero(s))
    f = 1.0 - threshold / np.sqrt(lam)
    if left:
        return (V * f) @ (V.T @ X), k
    return (X @ V) * f @ V.T, k
