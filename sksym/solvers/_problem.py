"""Reduction of the promote problems to ``min_z f(z) + alpha ||C z + c||_*`` (private).

All solvers (ADMM, Newton and cvxpy) solve the same reduced problem, so they
agree on what is optimised:

* penalised form: ``z = vec(W)`` (row-major), ``f(z) = 1/2 z^T H z - g^T z + f0``
  with ``H = I (x) theta^T theta / n`` and ``g = vec(Y^T theta) / n``;
* exact fit: ``W = W0 + Z N^T`` with ``W0`` the minimum-norm least-squares
  solution and ``N`` a basis of the null space of ``theta`` (orthonormal for
  ADMM and cvxpy; pivoted, ``[-G; I]`` on basic and free coefficients, for
  Newton), so every ``z`` reproduces the training targets (their projection
  on the range of ``theta`` when they cannot be reproduced) and ``f = 0``.
  Coordinates along which nothing changes (invariant functions of the library
  that vanish on the data, e.g. ``1 - |x|^2`` for points on a circle with
  rotations among the candidates) are removed: ``z`` then lives in an
  orthonormal basis ``B`` of the rest.
"""

import numbers

import numpy as np
import scipy.linalg
import scipy.linalg.lapack

from ._nuclear import CompressedLieOperator, _right_singular

__all__ = []

_trcon = scipy.linalg.lapack.get_lapack_funcs("trcon", dtype=np.float64)
_DENSE_OPERATOR_SIZE = 50_000   # C_qrz uses the dense operator up to this many entries

# LAPACK directly in the exact fit's set-up: scipy's wrappers cost more than these small factorisations
_getrf, _trtrs, _potrf, _potrs = scipy.linalg.lapack.get_lapack_funcs(
    ("getrf", "trtrs", "potrf", "potrs"), dtype=np.float64)


class ReducedProblem:
    """Data of ``min_z 1/2 z^T H z - g^T z + f0 + alpha ||C z + c||_*``.

    ``C = A E`` with ``A`` the compressed operator (a ``(q * r, p)`` linear
    map) and ``E`` the embedding ``z -> vec(W) - vec(W0)``: the identity
    (penalised form) or ``I (x) N`` (exact fit). ADMM applies ``C`` through
    the operator (``C_mul``, ``Ct_mul``); Newton and the cvxpy backend form it
    densely on request (``C_qrz``, ``C_matrix``).
    """

    def __init__(self, op, q, r, c, H, g, f0, alpha, w0, N, n_outputs, K, exact_fit, NtN_factor=None,
                 data=None, B=None):
        self.op = op                # CompressedLieOperator
        self.data = data            # penalised form: (theta, Y) / sqrt(n), for data_term
        self.NtN_factor = NtN_factor  # None (N orthonormal), or the Cholesky factor of N^T N
        self.q, self.r = q, r
        self.c = c                  # (q, r)
        self.H = H                  # (nz, nz) or None
        self.g = g                  # (nz,)
        self.f0 = f0
        self.alpha = alpha
        self.w0 = w0                # (p,) or None
        self.N = N                  # (K, nzk) or None (identity)
        self.n_outputs = n_outputs
        self.K = K
        self.exact_fit = exact_fit
        self.B = B                  # None, or an orthonormal basis (columns) of the coordinates
        #                             kept: flat directions removed (see _flat_coordinates)

    @property
    def n_z(self):
        if self.B is not None:
            return self.B.shape[1]
        if self.N is None:
            return self.n_outputs * self.K
        return self.n_outputs * self.N.shape[1]

    def embed(self, z):
        """``E z``: from coordinates to a change of ``vec(W)``."""
        if self.B is not None:
            z = self.B @ z
        if self.N is None:
            return z
        return (z.reshape(self.n_outputs, -1) @ self.N.T).ravel()

    def embed_t(self, w):
        """``E^T w``."""
        if self.N is not None:
            w = (w.reshape(self.n_outputs, self.K) @ self.N).ravel()
        return w if self.B is None else self.B.T @ w

    def C_mul(self, z):
        """``C z``, shape (q, r)."""
        return self.op._apply(self.embed(z))

    def Ct_mul(self, V):
        """``C^T vec(V)``."""
        return self.embed_t(self.op._adjoint(V))

    def CtC(self):
        G = self.op._gram()           # cached by the operator
        if self.N is None:
            G = G.copy()
        else:
            n_out, K, N = self.n_outputs, self.K, self.N
            nzk = N.shape[1]
            G4 = G.reshape(n_out, K, n_out, K)
            G = np.einsum("kz,akbl,lw->azbw", N, G4, N, optimize=True).reshape(n_out * nzk, n_out * nzk)
        return G if self.B is None else self.B.T @ G @ self.B

    def C_matrix(self):
        """``C`` as a dense ``(q * r, nz)`` matrix (for the cvxpy backend)."""
        C = self.C_qrz()
        return C.reshape(-1, C.shape[2])

    def C_qrz(self, out=None):
        """``C`` as a dense ``(q, r, nz)`` array (written to ``out`` if given, for
        the exact fit): ``C_qrz()[:, :, k]`` is the image of the ``k``-th
        coordinate. Operators kept factored (``A_j = R S_j``, ``S`` sparse) give
        it as ``R (S N)``, a sparse and a small dense product, instead of a
        product with the dense operator."""
        op, q, r = self.op, self.q, self.r
        if self.B is not None:        # the coordinates kept: a product with their basis
            full = ReducedProblem.C_qrz(self._without_reduction())
            if out is None:
                out = np.empty((q, r, self.B.shape[1]))
            return np.matmul(full, self.B, out=out)
        if self.N is None:
            return op.tensor
        n_out, K, N = self.n_outputs, self.K, self.N
        nzk = N.shape[1]
        if out is None:
            out = np.empty((q, r, n_out * nzk))
        # the factored product pays for large operators; for small ones the sparse
        # product's call overhead exceeds a dense product with the (cached) tensor
        factored = op._S is not None and q * r * n_out * K > _DENSE_OPERATOR_SIZE
        for a in range(n_out):
            block = out[:, :, a * nzk:(a + 1) * nzk]
            if factored:
                if n_out == 1:
                    Na = N
                else:
                    Na = np.zeros((op._S.shape[1], nzk))
                    Na[a * K:(a + 1) * K] = N
                SN = np.asarray(op._S @ Na).reshape(q, -1, nzk)
                np.matmul(op._R, SN, out=block)
            else:
                A = op.tensor[:, :, a * K:(a + 1) * K]
                block[...] = (A.reshape(q * r, K) @ N).reshape(q, r, nzk)
        return out

    def coef(self, z):
        """``W`` of shape (n_outputs, K) from ``z``."""
        w = self.embed(np.asarray(z, dtype=float))
        if self.w0 is not None:
            w = w + self.w0
        return np.asarray(w, dtype=float).reshape(self.n_outputs, self.K).copy()

    def to_z(self, W):
        """Coordinates of (the projection of) ``W`` on the feasible set."""
        if self.B is not None:
            return self.B.T @ self._without_reduction().to_z(W)
        w = np.asarray(W, dtype=float).reshape(-1)
        if self.w0 is not None:
            w = w - self.w0
        if self.NtN_factor is None:
            return self.embed_t(w).copy()
        S = self.NtN_factor
        z = scipy.linalg.cho_solve(S, self.embed_t(w).reshape(self.n_outputs, -1).T,
                                   check_finite=False)
        return z.T.ravel()

    def _without_reduction(self):
        """This problem before its flat directions were removed (``B``)."""
        if self.B is None:
            return self
        full = object.__new__(ReducedProblem)
        full.__dict__.update(self.__dict__, B=None)
        return full

    def image(self, z):
        """``C z + c``, shape (q, r)."""
        return self.C_mul(z) + self.c

    def objective(self, z, singular_values=None):
        """The objective at ``z`` (from the singular values of its image when given)."""
        if singular_values is not None:
            nuc = float(np.sum(singular_values))
        else:
            M = self.image(z)
            nuc = float(np.sum(scipy.linalg.svdvals(M, check_finite=False))) if M.size else 0.0
        if self.H is None:
            return self.alpha * nuc + self.f0
        return self.data_term(z) + self.alpha * nuc

    def data_term(self, z):
        """Penalised form: ``1/(2 n) ||Y - theta W^T||^2`` at ``z``, from the
        residuals (``1/2 z^T H z - g^T z + f0`` cancels when the fit is nearly
        exact: an error of ``eps f0``)."""
        T, Ys = self.data
        R = Ys - T @ np.reshape(z, (self.n_outputs, -1)).T
        return 0.5 * float(np.sum(R * R))


def target_scale(Y, alpha, exact_fit):
    """The size ``max|Y|`` that Newton and the cvxpy backend divide the targets
    (and ``alpha``) by before solving (1 for zero or non-finite sizes); a
    ``ValueError`` when ``alpha`` overflows against it."""
    scale = float(np.max(np.abs(Y))) if np.size(Y) else 1.0
    if not 0.0 < scale < np.inf:
        scale = 1.0
    if not exact_fit and not np.isfinite(alpha / scale):
        raise ValueError(
            f"alpha={alpha:g} is too large for targets of size {scale:g}: alpha / max|Y| overflows "
            "(the penalty would be all of the objective); scale the targets up or alpha down."
        )
    return scale


def _real_array(value, name, shape):
    """``value`` as a float array; a ``TypeError`` naming it when it is not one
    (strings, ragged lists)."""
    try:
        complex_ = np.iscomplexobj(value)
        array = None if complex_ else np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:        # strings, ragged lists, objects
        raise TypeError(f"{name} must be an array of real numbers of shape {shape}; got "
                        f"{type(value).__name__} ({exc}).") from None
    if complex_:                                  # float() would drop the imaginary part
        raise TypeError(f"{name} must be real; got a complex array.")
    return array


def check_problem(theta, Y, operator, alpha):
    """Validate the arrays of a promote problem; return float arrays and alpha."""
    if not isinstance(operator, CompressedLieOperator):
        raise TypeError(
            f"operator must be a CompressedLieOperator; got {type(operator).__name__}."
        )
    theta, Y = (_real_array(theta, "theta", "(n_samples, n_library_features)"),
                _real_array(Y, "Y", "(n_samples,) or (n_samples, n_outputs)"))
    if theta.ndim != 2:
        raise ValueError(f"theta must be 2-D (n_samples, n_library_features); got shape {theta.shape}.")
    if Y.ndim not in (1, 2) or Y.shape[0] != theta.shape[0]:
        raise ValueError(
            f"Y must have shape (n_samples,) or (n_samples, n_outputs) with n_samples = "
            f"{theta.shape[0]}; got {Y.shape}."
        )
    if Y.ndim == 1:
        Y = Y[:, None]
    if theta.shape[1] != operator.n_library_features or Y.shape[1] != operator.n_outputs:
        raise ValueError(
            "Dimension mismatch: the operator is built for "
            f"{operator.n_outputs} output(s) and {operator.n_library_features} library features, "
            f"but theta has {theta.shape[1]} features and Y {Y.shape[1]} output(s)."
        )
    if theta.shape[0] == 0:
        raise ValueError("theta and Y need at least one sample; got 0.")
    if not (np.all(np.isfinite(theta)) and np.all(np.isfinite(Y))):
        raise ValueError("theta and Y must be finite (no NaN, inf or None).")
    if (not isinstance(alpha, numbers.Real) or isinstance(alpha, bool)
            or not np.isfinite(alpha) or alpha < 0):
        raise ValueError(f"alpha must be a non-negative finite float; got {alpha!r}.")
    return theta, Y, float(alpha)


def check_flag(value, name):
    """A boolean parameter (numpy booleans too); ``TypeError`` otherwise."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}.")
    return bool(value)


def check_warm_start(warm_start, operator):
    """``None``, a solution with ``coef``, or coefficients of shape
    ``(n_outputs, K)`` (or ``(K,)`` with one output), finite; returned as given
    (a solution) or as a float array."""
    if warm_start is None:
        return None
    shape = (operator.n_outputs, operator.n_library_features)
    W = _real_array(getattr(warm_start, "coef", warm_start), "warm_start",
                    f"{shape} (or a PromoteSolution)")
    if W.shape != shape and not (operator.n_outputs == 1 and W.shape == shape[1:]):
        raise ValueError(f"warm_start must have coefficients of shape {shape}; got {W.shape}.")
    if not np.all(np.isfinite(W)):
        raise ValueError("warm_start must be finite.")
    return warm_start if hasattr(warm_start, "coef") else W.reshape(shape)


def reduce_problem(theta, Y, operator, alpha, exact_fit, basis="orthonormal"):
    """Build the :class:`ReducedProblem` of the penalised or exact-fit form.

    The exact fit's null-space basis ``N`` is orthonormal (ADMM and cvxpy need
    that), or with ``basis="pivoted"`` the cheaper ``N = [-G; I]`` on a
    well-conditioned set of basic coefficients (from an LU factorisation of
    ``theta^T``; for Newton's method, which is affine invariant), when
    ``theta``'s rows are well conditioned.
    """
    if basis not in ("orthonormal", "pivoted"):
        raise ValueError(f"basis must be 'orthonormal' or 'pivoted'; got {basis!r}.")
    n, K = theta.shape
    n_out = Y.shape[1]
    q, r = operator.n_generators, operator.rank
    if not exact_fit:
        T = theta / np.sqrt(n)
        G = T.T @ T
        H = np.kron(np.eye(n_out), G) if n_out > 1 else G
        g = (theta.T @ Y / n).T.ravel()
        f0 = 0.5 * float(np.sum(Y * Y)) / n
        return ReducedProblem(operator, q, r, np.zeros((q, r)), H, g, f0, float(alpha), None, None,
                              n_out, K, False, data=(T, Y / np.sqrt(n)))
    W0T = NtN_factor = None
    if basis == "pivoted" and 0 < n < K:
        W0T, N, NtN_factor = _null_space_lu(theta, Y)
    if W0T is None and 0 < n <= K:
        W0T, N = _null_space_qr(theta, Y)
    if W0T is None:
        W0T, N = _null_space_svd(theta, Y)
    w0 = W0T.T.ravel()
    c = operator._apply(w0)
    P = ReducedProblem(operator, q, r, c, None, None, 0.0, 1.0, w0, N, n_out, K, True, NtN_factor)
    flat = _flat_coordinates(P, theta)
    if flat.shape[1]:
        P.B = scipy.linalg.qr(flat, mode="full", check_finite=False)[0][:, flat.shape[1]:]
    return P


_FLAT_RTOL = 1e-10    # relative size of a flat direction's image (values on the data; Lie derivatives)
_FLAT_SPAN_RTOL = 1e-8   # and of its distance from the null space of theta (rounding: eps cond(theta))
_FLAT_MAX_COEFFICIENTS = 1000   # operators with more coefficients (n_outputs * K) are not checked


def _flat_coordinates(P, theta):
    """The exact fit's coordinates along which nothing changes (columns,
    orthonormal in ``z``, shape ``(n_z, f)``): feasible changes of ``W`` that
    every Lie derivative maps to zero, i.e. invariant functions of the library
    that vanish on the training inputs (``1 - |x|^2`` on points of a circle,
    with rotations among the candidates). The objective does not change along
    them; left in, the solvers followed their rounding-level slopes to
    coefficients of ``1e15``, which broke the interpolation.

    Candidates are the invariant functions (the operator's kernel) whose values
    on the data are below ``1e-10`` of the terms that make them up (columns of
    ``theta`` scaled to unit norm; a column zero on the data counts as unit);
    of those, the ones that lie in the span of the null-space basis actually
    used (to ``1e-8`` in the same scaled coefficients: rounding there is eps
    times the conditioning of ``theta``) are flat. Data merely near an
    invariant surface give candidates outside that span, and nothing is
    removed. Known limits (found by review): for inputs far from unit size at
    high degree (``|x|`` of 100-1000 at degree 4-6, ``theta`` conditioned
    beyond ``1e15``) flat directions can be missed, and the solvers drift as
    they did before; with data within ``~1e-11`` of a surface and few points a
    direction can be removed although the (then ill-posed) problem reaches a
    lower optimum with coefficients of ``~1 / distance``. Operators with more
    than 1000 coefficients (``n_outputs * K``; SE(15) with vector outputs at
    degree 2 has 2040) are not checked: the kernel's Gram matrix and its
    eigenvectors took seconds there (0.5 s for SE(10), 5 s for SE(15)), up to a
    third of a solve."""
    if P.op.n_outputs * P.op.n_library_features > _FLAT_MAX_COEFFICIENTS:
        return np.zeros((P.n_z, 0))          # the kernel's Gram matrix would cost more than a solve
    kernel = P.op._kernel()
    n, K = theta.shape
    a, n_out = kernel.shape[1], P.n_outputs
    if a == 0 or n == 0 or P.n_z == 0:
        return np.zeros((P.n_z, 0))
    # with the columns of theta scaled to unit norm: (theta D^-1)(D f) = theta f
    col = np.sqrt(np.einsum("nk,nk->k", theta, theta))
    col[col == 0.0] = 1.0                  # a column zero on the data: any scale (its values are 0)
    if n_out == 1:
        values = theta @ kernel
    else:
        values = np.einsum("nk,oka->noa", theta, kernel.reshape(n_out, K, a)).reshape(n * n_out, a)
    D = np.tile(col, n_out)[:, None]                 # the scaling, on vec(W)
    scaled = D * kernel
    if a == 1 and np.linalg.norm(values) > _FLAT_RTOL * np.linalg.norm(scaled):
        return np.zeros((P.n_z, 0))                  # the usual case: the constants
    Rinv = np.linalg.pinv(np.linalg.qr(scaled, mode="r"))
    sv, vt = _right_singular(values @ Rinv)          # values of unit-size (scaled) combinations
    cand = Rinv @ vt[sv <= _FLAT_RTOL].T                            # combinations of the kernel
    if not cand.shape[1]:
        return np.zeros((P.n_z, 0))
    F = kernel @ cand                                                # (p, c) coefficient vectors
    F = scipy.linalg.orth(F)
    if not F.shape[1]:
        return np.zeros((P.n_z, 0))
    Z = np.stack([P.to_z(f + P.w0) for f in F.T], axis=1)           # their coordinates
    back = np.stack([P.embed(z) for z in Z.T], axis=1)               # and the change they make
    # in span(N) up to rounding: the residual of the projection, in the scaled
    # coefficients (rounding there is eps times the conditioning of theta)
    Rinv = np.linalg.pinv(np.linalg.qr(D * F, mode="r"))
    sv, vt = _right_singular((D * (F - back)) @ Rinv)
    inside = Rinv @ vt[sv <= _FLAT_SPAN_RTOL].T                      # combinations in span(N)
    if not inside.shape[1]:
        return np.zeros((P.n_z, 0))
    return scipy.linalg.orth(Z @ inside)


_QR_RCOND = 1e-10     # QR when theta's rows are this well conditioned, else the SVD


def _null_space_qr(theta, Y):
    """Minimum-norm solution ``W0^T`` of ``theta W^T = Y`` and an orthonormal
    basis ``N`` of the null space of ``theta`` from a QR of ``theta^T``
    (``theta = R^T Q^T``: about four times cheaper than the SVD); ``(None,
    None)`` when the rows of ``theta`` are not well conditioned."""
    n = theta.shape[0]
    Q, R = scipy.linalg.qr(theta.T, mode="full", check_finite=False)
    R1 = R[:n]
    if not _trcon(R1, norm="1", uplo="U")[0] > _QR_RCOND:
        return None, None
    W0T = Q[:, :n] @ scipy.linalg.solve_triangular(R1, Y, trans="T", check_finite=False)
    return W0T, Q[:, n:]


def _null_space_lu(theta, Y):
    """Minimum-norm ``W0^T`` and a pivoted null-space basis ``N`` of ``theta``:
    ``theta^T = P L U`` (partial pivoting) picks ``n`` basic coefficients with
    a well-conditioned block ``B`` of ``theta``, and ``N = [-G; I]`` on (basic;
    free) with ``G = B^-1 theta_free = L1^-T L2^T``: cheaper than an
    orthonormal basis (no ``K x K`` factor). Also returns the Cholesky factor
    of ``N^T N`` (for :meth:`ReducedProblem.to_z`); ``(None, None, None)`` when
    ``theta``'s rows are not well conditioned."""
    n, K = theta.shape
    lu, piv, info = _getrf(theta.T)
    if info < 0:                                  # pragma: no cover (invalid argument)
        raise RuntimeError(f"LAPACK getrf: illegal argument {-info}")
    perm = np.arange(K)
    for i, p in enumerate(piv):                  # LAPACK's row interchanges as a permutation
        perm[i], perm[p] = perm[p], perm[i]
    Ub = lu[:n]                                  # U in the upper triangle, L1 below
    if not min(_trcon(Ub, norm="1", uplo="U")[0],
               _trcon(Ub, norm="1", uplo="L", diag="U")[0]) > _QR_RCOND:
        return None, None, None
    basic, free = perm[:n], perm[n:]
    G = _trtrs(Ub, lu[n:].T, lower=1, trans=1, unitdiag=1)[0]                 # L1^T G = L2^T
    v = _trtrs(Ub, Y, lower=0, trans=1)[0]                                      # U^T v = Y
    w_basic = _trtrs(Ub, v, lower=1, trans=1, unitdiag=1)[0]                    # B w = Y
    N = np.zeros((K, K - n))
    N[basic] = -G
    N[free, np.arange(K - n)] = 1.0
    # minimum-norm interpolant: remove the basic solution's part in span(N)
    GtG = G.T @ G
    GtG.ravel(order="K")[::K - n + 1] += 1.0                                   # I + G^T G
    fac, info = _potrf(GtG, lower=0, clean=1)
    if info != 0:                                 # pragma: no cover (I + G^T G is positive definite)
        raise np.linalg.LinAlgError("Cholesky factorisation of I + G^T G failed")
    S = (fac, False)                              # as scipy.linalg.cho_factor returns it
    coef = _potrs(fac, -G.T @ w_basic, lower=0)[0]                              # (nzk, n_out)
    W0T = np.empty((K, Y.shape[1]))
    W0T[basic] = w_basic + G @ coef
    W0T[free] = -coef
    return W0T, N, S


def _null_space_svd(theta, Y):
    """As :func:`_null_space_qr`, for any ``theta``, from its SVD (rank by the
    usual ``max(n, K) eps s_max`` cut-off; ``Y``'s part outside the range of
    ``theta`` is dropped)."""
    n, K = theta.shape
    if n == 0:
        U, s, Vt = np.zeros((0, 0)), np.zeros(0), np.eye(K)
    else:
        U, s, Vt = scipy.linalg.svd(theta, full_matrices=True, check_finite=False)
    rank = int(np.sum(s > max(n, K) * np.finfo(float).eps * (s[0] if s.size else 0.0)))
    W0T = Vt[:rank].T @ ((U[:, :rank].T @ Y) / s[:rank, None])   # (K, n_out)
    return W0T, Vt[rank:].T                                      # N: (K, nzk)
