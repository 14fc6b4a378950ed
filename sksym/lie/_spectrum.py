"""Spectrum of the map ``xi -> L_xi F``: the discover side of the Lie derivative."""

import contextlib
import numbers

import numpy as np
import scipy.linalg

from .._threads import blas_limit

__all__ = ["symmetry_spectrum", "select_n_symmetries", "perturbation_noise_level"]


_SMALL = 1000


def _small_blas(size):
    """Context running BLAS/LAPACK single-threaded for dense problems of at most
    1000 rows/columns (``size``): on such sizes threads bring little, and on a
    busy machine multithreaded OpenBLAS spins and is 10-100x slower."""
    return blas_limit(1) if size <= _SMALL else contextlib.nullcontext()


def select_n_symmetries(singular_values, tol="auto", noise_level=None, min_gap=10.0,
                        reference=None):
    """How many of the smallest singular values count as zero.

    Parameters
    ----------
    singular_values : array-like of shape (q,)
        Singular values of the map ``xi -> L_xi F`` (any order; they are sorted).
    tol : "auto" or float, default="auto"
        A float is a relative threshold: ``s <= tol * s_max`` counts as zero.
        "auto" cuts the spectrum at its largest gap, guided by ``noise_level``
        when it is given; see Notes.
    noise_level : float, default=None
        Expected size of a singular value that is zero up to noise (same units
        as ``singular_values``), for example from
        ``perturbation_noise_level``. Values at or below it always count as
        zero, values above ``min_gap`` times it never do. Ignored when ``tol``
        is a float.
    min_gap : float, default=10.0
        Without ``noise_level``: the smallest ratio ``s[k] / s[k-1]`` accepted
        as the edge of the null space. With ``noise_level``: the width (as a
        ratio) of the band above the noise level where the cut is searched.
    reference : float, default=None
        Size of a clearly broken direction, when it is known independently
        of the spectrum (for equivariance, the size of the terms that cancel
        in ``L_xi F = DF xi - B_xi F``). ``s_max`` below is then
        ``max(s_max, reference)``, and ``reference`` acts as an extra broken
        value above the spectrum, so that a spectrum that is zero everywhere
        up to round-off or noise counts as all symmetric. ``None``: the
        largest singular value is the only scale.

    Returns
    -------
    k : int
        Number of symmetries (singular values counted as zero).

    Notes
    -----
    Rule "auto". Let ``s`` be ascending and ``s_max`` its last value (or
    ``reference``, see above). If
    ``s_max`` is zero every direction is a symmetry. Values at or below the
    floor ``max(1e-10 s_max, noise_level)`` always count as zero (round-off,
    or noise); let ``k0`` be their number.

    * Without ``noise_level``: among the cuts ``k > k0`` take the one with the
      largest ratio ``s[k] / s[k-1]``; it is the answer if that ratio is at
      least ``min_gap``, otherwise ``k0``. (The cut at ``k0`` does not
      compete: its ratio against round-off would always win, and values
      between round-off and a clear gap, the approximate symmetries of a
      model fitted to noisy data, would never count.)
    * With ``noise_level``: the cut lies in the band where the lower side may
      still be noise and the upper side may already be signal, i.e. the cuts
      ``k`` with ``s[k-1] <= min_gap * noise_level`` (and ``k >= k0``); the
      answer is the one with the largest ratio ``s[k] / max(s[k-1], floor)``.

    Failure modes: a symmetry broken by less than the noise (or, without a
    noise level, by much less than the other directions) is reported as a
    symmetry; with heavy noise, when broken directions sink into the noise
    band, symmetries are over-counted; an over-estimated ``noise_level``
    over-counts, and an under-estimated one (by more than ``min_gap``)
    under-counts, because values far above the noise level are taken as
    signal. A float ``tol`` avoids all heuristics when the scale of the noise
    is known.

    Examples
    --------
    >>> from sksym.lie import select_n_symmetries
    >>> select_n_symmetries([1e-15, 2e-15, 1e-14, 0.3, 0.5, 1.0])
    3
    >>> select_n_symmetries([1e-3, 2e-3, 0.5, 1.0], tol=1e-2)
    2
    >>> select_n_symmetries([2e-3, 3e-3, 5e-3, 0.2, 1.0], noise_level=4e-3)
    3
    >>> select_n_symmetries([5e-9, 1e-8, 1.3e-8], reference=1.0)   # all cancel
    3
    """
    s = np.asarray(singular_values, dtype=float)
    if s.ndim > 1:
        raise ValueError(f"singular_values must be 1-D; got shape {s.shape}.")
    if np.any(s < 0):
        raise ValueError("singular_values must be non-negative.")
    s = np.sort(s.ravel())
    q = s.size
    if not (isinstance(tol, str) and tol == "auto"):
        if not isinstance(tol, numbers.Real) or isinstance(tol, bool) or not np.isfinite(tol) or tol < 0:
            raise ValueError(f"tol must be 'auto' or a non-negative float; got {tol!r}.")
    if noise_level is not None:
        if (not isinstance(noise_level, numbers.Real) or isinstance(noise_level, bool)
                or not np.isfinite(noise_level) or noise_level < 0):
            raise ValueError(f"noise_level must be None or a non-negative float; got {noise_level!r}.")
        noise_level = float(noise_level)
    if not isinstance(min_gap, numbers.Real) or not min_gap >= 1:
        raise ValueError(f"min_gap must be a float >= 1; got {min_gap!r}.")
    if reference is not None:
        if (not isinstance(reference, numbers.Real) or isinstance(reference, bool)
                or not np.isfinite(reference) or reference < 0):
            raise ValueError(f"reference must be None or a non-negative float; got {reference!r}.")
        reference = float(reference)
    if q == 0:
        return 0
    if not np.all(np.isfinite(s)):
        raise ValueError("singular_values contain NaN or infinite values.")
    smax = s[-1]
    extra = reference is not None and reference > smax
    if extra:
        smax = reference
    if smax == 0.0:
        return q
    if not isinstance(tol, str):
        return int(np.sum(s <= tol * smax))
    floor = 1e-10 * smax
    if noise_level:
        floor = max(floor, noise_level)
    k0 = int(np.sum(s <= floor))
    if k0 >= q:
        return q
    if extra:                                          # the reference as s[q]: cut k = q allowed
        s = np.append(s, reference)
    lower = np.concatenate([[floor], s[:-1]])          # lower[k] = s[k-1], s[-1] := floor
    ratios = s / np.maximum(lower, floor)              # ratio of the cut after k values
    ks = np.arange(s.size)
    if noise_level:
        band = (ks >= k0) & (lower <= min_gap * noise_level)
        band[k0] = True
        cand = ks[band]
        return int(cand[np.argmax(ratios[cand])])
    cand = ks[ks > k0]
    if cand.size == 0:
        return k0
    best = cand[np.argmax(ratios[cand])]
    return int(best) if ratios[best] >= min_gap else k0


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
    with _small_blas(q):
        if M.shape[0] > 2 * q:
            M = scipy.linalg.qr(M, mode="r", check_finite=False)[0][:q]
        _, s, vt = scipy.linalg.svd(M, full_matrices=True, check_finite=False, lapack_driver="gesvd")
    s_full = np.zeros(q)
    s_full[: s.size] = s
    order = np.argsort(s_full, kind="stable")
    V = vt.T[:, order]
    return s_full[order], np.tensordot(V.T, lie, axes=1)


def perturbation_noise_level(perturbations, factor=3.0):
    """Noise level of a symmetry spectrum from plausible perturbations of the model.

    If the fitted model is uncertain by ``dW`` (for instance draws from the
    least-squares covariance of the coefficients), a singular value that is
    exactly zero for the true model is of the size of ``||M(dW) v||`` for a
    unit coefficient vector ``v``. This returns ``factor`` times its
    root-mean-square over the draws and over directions ``v``, i.e.
    ``factor * sqrt(mean_b ||M(dW_b)||_F^2 / q)``, a value to pass as
    ``noise_level`` to :func:`select_n_symmetries`.

    Parameters
    ----------
    perturbations : array-like of shape (n_draws, n_rows, q)
        The matrices ``M(dW_b)`` (see :meth:`~sksym.lie.LieDerivative.matrix`,
        which is linear in ``W``).
    factor : float, default=3.0
        Safety factor (a null singular value of a random perturbation rarely
        exceeds three times the root-mean-square).

    Returns
    -------
    noise_level : float

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.lie._spectrum import perturbation_noise_level
    >>> dM = np.full((4, 10, 2), 0.1)          # 4 draws, 10 rows, 2 generators
    >>> round(perturbation_noise_level(dM, factor=1.0), 6)
    0.316228
    """
    P = np.asarray(perturbations, dtype=float)
    if P.ndim == 2:
        P = P[None]
    if P.ndim != 3:
        raise ValueError(f"perturbations must have shape (n_draws, n_rows, q); got {P.shape}.")
    if not isinstance(factor, numbers.Real) or not np.isfinite(factor) or factor <= 0:
        raise ValueError(f"factor must be a positive float; got {factor!r}.")
    if P.size == 0:
        return 0.0
    return float(factor * np.sqrt(np.mean(np.sum(P ** 2, axis=1))))


def _accuracy_floor(fitted, targets, tol, start=0.0):
    """Singular values of ``xi -> L_xi F`` that a solver accurate to ``tol``
    (relative objective) does not resolve: ``10 tol`` times the spread of the
    model's values about their mean or of the targets', whichever is larger,
    plus the rounding level of values of the model's size (a constant of 1e8
    leaves errors of ~1e-7). The spread, not the size: a constant, which no
    Lie derivative of an invariant output sees, would raise the floor over
    broken directions (1e5 + x0^2 + 2 x1^2 counted a direction of size 0.48
    as a rotation symmetry; so would ``c I`` in a ``V x V`` output). Not the
    model's alone: a large penalty flattens the model, whose values and
    singular values are then both solver error. ``fitted`` and ``targets``
    are (n_samples, n_outputs).

    Plus ``1e-2 tol`` of ``start`` (given by the caller), the Frobenius norm
    of the Lie-derivative matrix of the solvers' start (least squares or the
    minimum-norm interpolant), to which their absolute accuracy refers
    (ADMM's residual tests allow ``1e-3 tol`` of it: constant targets, whose
    spread is 0, left one of six symmetries at 1.7e-12 uncounted). Known
    limits: at a degenerate optimum the errors shrink like ``sqrt(tol)``, not
    ``tol`` (the regressor's tighter re-solves see them); cvxpy's errors grow
    with the targets' size (its tolerances apply after scaling them to 1), so
    a large constant can leave a symmetry's value above this floor under
    cvxpy."""
    fitted = np.asarray(fitted, dtype=float)
    targets = np.asarray(targets, dtype=float)
    if not len(fitted):
        return 0.0
    spread = max(_rms(fitted - fitted.mean(axis=0)), _rms(targets - targets.mean(axis=0)))
    return 10 * tol * spread + 1e-2 * tol * start + 1e3 * np.finfo(float).eps * _rms(fitted)


def _rms(values):
    """Root-mean-square norm of the rows of ``values`` (scaled where the squares
    overflow: targets of 1e160 made it inf, and the count failed with an error
    about a parameter the user never set)."""
    rms = float(np.sqrt(np.mean(np.sum(values ** 2, axis=1))))
    if np.isinf(rms):
        size = float(np.max(np.abs(values)))
        rms = size * float(np.sqrt(np.mean(np.sum((values / size) ** 2, axis=1))))
    return rms


def _reference_scale(op, out_rep, W, F):
    """Scale of a broken direction, independent of the spectrum: the
    root-mean-square size (over generators, weighted like the matrix) of the
    terms that cancel in ``L_xi F`` for a symmetry. For outputs that move
    (``B_xi != 0``, or points of an affine group) the output term
    ``B_xi F + t_xi``, which cancels ``DF xi``; for invariant outputs the
    terms ``(d_j F) xi_j`` of ``DF xi`` itself (a rotation-invariant
    ``|x|^2`` has ``2 x_1 (-x_2) + 2 x_2 x_1 = 0``). Constant offsets of the
    model do not enter. ``W`` (n_outputs, K) are the model's coefficients
    (``F = W Theta + b`` at the points)."""
    if op.n_generators == 0:
        return None
    B = op.output_generators
    affine = out_rep.is_affine
    if np.any(B) or affine:
        T = np.einsum("qab,pb->qpa", B, F)
        if affine:
            T = T + out_rep.dtau(op.lie_algebra)[:, None, :]
        return float(np.sqrt(np.mean(np.sum(T ** 2, axis=(1, 2)))) * op.weight)
    JW = np.matmul(np.asarray(W, dtype=float), op.jacobian)                    # DF at the points, (p, o, d)
    # sum over p, o, q, d of (d_d F_o)^2 xi_q^d^2, without the (q, p, o, d) products
    total = float(np.sum((JW ** 2).sum(axis=1) * (op.vector_fields ** 2).sum(axis=0)))
    return float(np.sqrt(total / op.n_generators) * op.weight)


def _whitened_split(M, lie_algebra, covariance, reference=None, factor=3.0):
    """The symmetries of a noisy fit, each direction judged against its own noise.

    ``covariance`` is ``C = E[dM^T dM]`` (q x q) for the plausible errors ``dM``
    of the matrix (``M(dW)`` for the fit's coefficient errors ``dW``, its
    bias included), so ``sqrt(v^T C v)`` is the root-mean-square size that the
    errors give ``||M v||`` along a unit coefficient vector ``v``. The
    symmetries are the directions of the whitened map ``M C^(-1/2)`` whose
    singular values (sizes in units of their own error) are at most
    ``factor``: a direction counts as broken when its Lie derivative is
    larger than ``factor`` times its error. One scalar noise level for all
    directions over-counts when the errors are very uneven across directions
    (``|x|^2`` on data centred at 10 with 1% noise: three broken directions
    of sizes 2.3-3.4 have errors of only ~0.2 (three times the
    root-mean-square), the rotations 1.4-2.1, and the one scalar level, 1.7,
    counted all six as symmetries).

    ``C`` is floored by the rounding level ``(1e-10 s_max / factor)^2``, with
    ``s_max`` at least ``reference`` (the size of a clearly broken direction),
    as in :func:`select_n_symmetries`: a spectrum that is round-off everywhere
    (the identity map) counts as all symmetric. Returns the number of symmetries ``k``, the
    generators (an orthonormal basis of the symmetric span, then of its
    orthogonal complement, each along the singular directions of ``M``
    restricted to it, ascending), the sizes ``||M v||`` along them (in that
    order, so ascending within each part only) and ``factor * sqrt(v^T C v)``
    along them (floor included). Every direction of the symmetric span found
    by the whitened rule is within its error; directions of the complement
    need not each exceed theirs (it is orthogonal in the Frobenius, not in
    the error's metric).
    """
    M = np.asarray(M, dtype=float)
    lie = np.asarray(lie_algebra, dtype=float)
    q = lie.shape[0]
    C = np.asarray(covariance, dtype=float)
    if M.shape[0] > 2 * q:
        M = scipy.linalg.qr(M, mode="r", check_finite=False)[0][:q]
    s_max = max(float(scipy.linalg.norm(M, 2)) if M.size else 0.0, reference or 0.0)
    if s_max == 0.0 or not np.isfinite(s_max):
        return q, lie.copy(), np.zeros(q), factor * np.sqrt(np.clip(np.diag(C), 0.0, None))
    # in units of s_max (targets of size 1e-155 underflowed the squared floor)
    M, C = M / s_max, C / s_max / s_max
    floor = 1e-10 / factor
    C = 0.5 * (C + C.T) + floor ** 2 * np.eye(q)
    # whitened map M C^(-1/2), by SVD (forming M^T M would square the
    # round-off-sized values of exact symmetries below machine precision)
    d, E = scipy.linalg.eigh(C, check_finite=False)
    root_inv = E / np.sqrt(np.maximum(d, floor ** 2))              # E D^(-1/2): whitens C
    _, sw, vwt = scipy.linalg.svd(M @ root_inv, full_matrices=True, check_finite=False)
    sw_full = np.zeros(q)
    sw_full[:sw.size] = sw
    k = int(np.sum(sw_full <= factor))
    Vw = root_inv @ vwt[::-1].T                                     # most symmetric first
    # orthonormal bases of the symmetric span and of its complement
    Q = scipy.linalg.qr(Vw, mode="economic", check_finite=False)[0]
    basis, sizes = [], []
    for part in (Q[:, :k], Q[:, k:]):
        if part.shape[1] == 0:
            continue
        _, s, vt = scipy.linalg.svd(M @ part, full_matrices=True, check_finite=False)
        s_full = np.zeros(part.shape[1])
        s_full[:s.size] = s
        basis.append(part @ vt[::-1].T)          # ascending sizes
        sizes.append(s_full[::-1])
    B = np.concatenate(basis, axis=1)
    noise = factor * np.sqrt(np.clip(np.einsum("qi,qr,ri->i", B, C, B), 0.0, None))
    gens = np.tensordot(B.T, lie, axes=1)
    return k, gens, s_max * np.concatenate(sizes), s_max * noise
