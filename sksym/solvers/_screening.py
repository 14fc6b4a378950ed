"""The fully symmetric least-squares fit, and the penalties at which it solves a
penalised promote problem exactly (a screening test, as ``alpha_max`` for the lasso)."""

import numpy as np
import scipy.linalg

__all__ = ["screen_symmetric", "symmetric_fit"]

_MAX_COEFFICIENTS = 1000    # operators with more coefficients (n_outputs * K) are not screened,
_MAX_GRAM_FLOPS = 3e9       # nor those whose Gram matrix costs more (SE(20) at degree 2: 2.6e9)
_PINV_RTOL = 1e-8           # eigenvalues of the scaled Gram matrix inverted (as the kernel's cut)
_DUAL_RTOL = 1e-9           # the certificate's linear condition, relative to the gradient
_EXACT_UNITS = 50.0         # an exact kernel: each basis vector k has ||A k|| below this many
#                           eps sqrt(p) ||c * k|| (c the column norms); the invariants of 224
#                           operators (14 groups, degrees 2-5, scalar and vector outputs, both
#                           measures) reached 31, a rotation generator perturbed by 1e-12 200-880
_PENALTY_SHARE = 0.1        # else the fit's penalty, within this share of tol of its data term


def symmetric_fit(theta, Y, operator):
    """The least-squares fit among the models that every candidate leaves
    invariant, and a dual matrix that certifies for which penalties it is optimal.

    ``W`` minimises ``(1 / (2 n)) ||Y - theta W^T||^2`` over the kernel of the
    Lie-derivative operator ``A`` (``operator._kernel()``; the minimum-norm
    minimiser when that is not unique). Its gradient ``g`` there is
    orthogonal to the kernel, so ``A^T D = -g`` has solutions; ``D`` is the one
    of least Frobenius norm, shape ``(q, rank)``. With ``alpha >= ||D||_2``,
    ``D / alpha`` is a subgradient of the nuclear norm at ``A W = 0`` that
    cancels the gradient: ``W`` minimises the penalised objective
    ``(1 / (2 n)) ||Y - theta W^T||^2 + alpha ||A W||_*`` (the optimality
    conditions hold exactly; ``||D||_2`` bounds the smallest such ``alpha``
    from above, the least spectral norm of a solution being the exact one).

    ``D`` is ``None`` when the certificate cannot be trusted: the linear
    condition not met to ``1e-9`` of ``|g|`` (an operator too ill-conditioned
    for its pseudo-inverse), or a kernel that is not exact: the numerical
    kernel keeps directions the operator maps to ``1e-10`` of its norm,
    near-invariants whose penalty a large ``alpha`` does not ignore; it is
    exact when it maps every kernel vector ``k`` within ``50 eps sqrt(p)
    ||c * k||`` (``p`` coefficients, ``c`` the operator's column norms). The
    invariants of 224 exact operators reached 31 such units; a rotation
    generator perturbed by ``1e-12`` reaches 200-880 (degrees 2-4) and is
    caught, one perturbed by ``1e-14`` 2-9 and is not, ``1e-13`` lies
    between (20-88). :func:`screen_symmetric` accepts near-invariants where
    their penalty is negligible.

    Parameters
    ----------
    theta : ndarray of shape (n_samples, K)
    Y : ndarray of shape (n_samples, n_outputs)
    operator : CompressedLieOperator

    Returns
    -------
    W : ndarray of shape (n_outputs, K)
    dual : ndarray of shape (q, rank) or None
    """
    W, g = _symmetric_least_squares(theta, Y, operator)
    dual = operator._apply(_least_norm_dual(g, operator)[0])
    return W, dual if _exact_kernel(operator) and _dual_solves(g, dual, operator) else None


def _symmetric_least_squares(theta, Y, operator):
    """The least-squares fit over the operator's kernel (minimum norm) and the
    data term's gradient there, flat (``n_outputs * K``)."""
    n, K = theta.shape
    n_out = Y.shape[1]
    kernel = operator._kernel()                          # (n_out K, a), orthonormal
    a = kernel.shape[1]
    if a:
        # the fit's values on the data as a linear map of the kernel's
        # coordinates, rows (output, sample)
        values = np.matmul(theta, kernel.reshape(n_out, K, a)).reshape(n_out * n, a)
        W = (kernel @ np.linalg.lstsq(values, Y.T.ravel(), rcond=None)[0]).reshape(n_out, K)
    else:
        W = np.zeros((n_out, K))
    g = (theta.T @ (theta @ W.T - Y)).T.ravel() / n
    return W, g


def _least_norm_dual(g, operator):
    """The least-norm solution of ``A^T vec(D) = -g`` as ``D = A x``: ``x``
    (from the eigendecomposition of the operator's scaled Gram matrix) and
    ``||D||_F``, which needs no product with ``A`` (``||A x||^2 = x^T A^T A x``)."""
    scale, live, lam, vec = operator._scaled_gram_eigh()
    x = np.zeros(scale.size)
    if not lam.size:
        return x, 0.0
    keep = lam > _PINV_RTOL * lam[-1]
    c = (vec[:, keep].T @ (-g[live] / scale[live])) / lam[keep]
    x[live] = (vec[:, keep] @ c) / scale[live]
    return x, float(np.sqrt(c @ (lam[keep] * c)))


def _dual_solves(g, dual, operator):
    """Whether ``dual`` meets ``A^T D = -g`` to ``1e-9`` of ``|g|``."""
    return float(np.linalg.norm(operator._adjoint(dual) + g)) <= _DUAL_RTOL * float(np.linalg.norm(g))


def _exact_kernel(operator):
    """Whether the operator maps every vector of its numerical kernel to its
    rounding level (see ``_EXACT_UNITS``; cached on the operator): the
    kernel's functions are then invariants, not near-invariants."""
    exact = getattr(operator, "_exact_kernel_cache", None)
    if exact is None:
        kernel = operator._kernel()
        scale, live = operator._scaled_gram_eigh()[:2]
        col = np.zeros(scale.size)
        col[live] = scale[live]                          # zero columns move nothing
        images = np.linalg.norm(operator._apply_columns(kernel), axis=0) if kernel.shape[1] else np.zeros(0)
        rounding = np.finfo(float).eps * np.sqrt(scale.size) * np.linalg.norm(col[:, None] * kernel, axis=0)
        exact = bool(np.all(images <= _EXACT_UNITS * rounding))
        operator._exact_kernel_cache = exact
    return exact


def screen_symmetric(theta, Y, operator, alpha, tol):
    """The symmetric least-squares fit (:func:`symmetric_fit`) when it is
    certified to solve the penalised problem at ``alpha``, else ``None``.

    At the penalties it certifies, the solvers' own accuracy is limited by
    the rounding of the penalty term, ``alpha`` times that of the Lie
    derivatives (Newton's coefficients were ``2.5e-2`` off at ``alpha =
    1e14`` on a small problem, and cvxpy + Clarabel failed:
    ``benchmarks/bench_solver_accuracy.py``, section 5), while the fit is
    exact. Problems too large for the operator's Gram matrix (more than 1000
    coefficients, or ``3e9`` operations) are not screened.

    When the numerical kernel is not exact (see :func:`symmetric_fit`), the
    fit is accepted only where its penalty, at most ``alpha sqrt(rank) ||A
    W||_F``, is within ``0.1 tol`` of its data term: with a rotation
    generator perturbed by ``1e-12``, ``|x|^2`` is in that kernel, and at
    ``alpha=1e12`` the fit that uses it was 4 times the optimum (the
    constant).
    """
    if not alpha > 0.0:
        return None
    q, r, p = operator.n_generators, operator.rank, operator.n_outputs * operator.n_library_features
    if p > _MAX_COEFFICIENTS or float(q) * r * p * p > _MAX_GRAM_FLOPS or q * r == 0:
        return None
    # for targets of largest size 1 (W and the dual scale with them; squares of
    # targets of 1e200 would overflow)
    size = float(np.max(np.abs(Y))) if Y.size else 0.0
    if not 0.0 < size < np.inf:
        size = 1.0
    alpha = alpha / size
    if not np.isfinite(alpha):
        return None
    W, g = _symmetric_least_squares(theta, Y / size, operator)
    x, frobenius = _least_norm_dual(g, operator)
    if alpha * np.sqrt(min(q, r)) < frobenius:          # ||D||_2 >= ||D||_F / sqrt(rank): too small
        return None
    dual = operator._apply(x)
    if not _dual_solves(g, dual, operator):
        return None
    if not _exact_kernel(operator):
        # near-invariants: only where the fit's penalty is negligible
        image = float(np.linalg.norm(operator._apply(W.ravel())))
        residual = theta @ W.T - Y / size
        data = 0.5 * float(np.sum(residual * residual)) / theta.shape[0]
        if alpha * np.sqrt(min(q, r)) * image > _PENALTY_SHARE * tol * data:
            return None
    if alpha < frobenius and alpha < float(scipy.linalg.svdvals(dual, check_finite=False)[0]):
        return None
    return W * size
