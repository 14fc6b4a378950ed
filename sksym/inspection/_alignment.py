"""Aligning the hidden units of two networks, and loss barriers between them."""

import numbers

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.utils import Bunch, check_random_state

from ._intertwiners import intertwiner_group
from ._mlp import (
    _activation_name,
    _check_same_architecture,
    _check_X,
    _forward,
    _is_classifier_net,
    _loss_from_raw,
    _score_from_raw,
    _with_weights,
)
from ._weight_space import _incoming, _transform

__all__ = ["align_mlps", "interpolation_barrier"]


def _alignment_moves(G):
    """Which moves of the intertwiner group the alignment uses: (scale, sign)."""
    use_scale = G.scales in ("positive", "nonzero", "all")
    use_sign = G.scales in ("sign", "nonzero", "all") and G.kind != "logistic"
    return use_scale, use_sign


def _even(G):
    """Whether a sign flip of a unit leaves its activation unchanged (``abs``,
    even powers): its outgoing weights then keep their signs."""
    return G.phi_kind == "abs" or (G.phi_kind == "power" and G.degree % 2 == 0)


def _phi_diagonal(G, d):
    """``phi`` of a diagonal group element ``diag(d)``: the factor its outgoing
    weights take (``d``, ``|d|`` or ``d^p`` for ``x^p``)."""
    if G.phi_kind == "abs":
        return np.abs(d)
    if G.phi_kind == "power":
        return d ** G.degree
    return d


def _normalised(coefs, intercepts, G):
    """Column-convention copies ``(W_k (n_k, n_{k-1}), b_k)`` with every hidden unit's
    incoming ``[bias, weights]`` scaled to unit norm (scale pushed forward through
    ``phi``: ``lambda^p`` for ``x^p``)."""
    Ws = [W.T.copy() for W in coefs]
    bs = [b.copy() for b in intercepts]
    for k in range(len(Ws) - 1):
        norms = np.sqrt(np.sum(Ws[k] ** 2, axis=1) + bs[k] ** 2)
        inv = np.where(norms > 0, 1.0 / np.where(norms > 0, norms, 1.0), 1.0)
        Ws[k] *= inv[:, None]
        bs[k] *= inv
        Ws[k + 1] = Ws[k + 1] / _phi_diagonal(G, inv)[None, :]
    return Ws, bs


def _permuted(W, perm_out, sign_out, perm_in, sign_in):
    """``W'[i, j] = s_out[i] s_in[j] W[perm_out[i], perm_in[j]]``."""
    out = W[perm_out][:, perm_in]
    return out * sign_out[:, None] * sign_in[None, :]


def _weight_matching(Wr, br, Wo, bo, use_sign, max_iter, rng, even=False):
    """Coordinate descent over per-layer (signed) permutations maximising
    ``sum_k <Wr_k, T(Wo_k)> + <br_k, T(bo_k)>`` (Ainsworth et al.'s weight matching).
    With ``even`` activations a sign flip changes a unit's incoming weights only."""
    L = len(Wr) - 1
    perms = [np.arange(W.shape[0]) for W in Wr[:-1]]
    signs = [np.ones(W.shape[0]) for W in Wr[:-1]]
    n_in = Wr[0].shape[1]
    n_out = Wr[-1].shape[0]

    def p(k):  # permutation / signs of "layer" k, with -1 the input and L the output
        if k < 0:
            return np.arange(n_in), np.ones(n_in)
        if k >= L:
            return np.arange(n_out), np.ones(n_out)
        return perms[k], signs[k]

    def p_out(k):  # as p, with the signs the next layer's incoming weights see
        perm, sign = p(k)
        return perm, (np.ones_like(sign) if even and 0 <= k < L else sign)

    def assign(C_in, C_out):
        """Permutation, signs and gains from the incoming and outgoing parts."""
        if not use_sign:
            gain = C_in + C_out
        elif even:
            gain = np.abs(C_in) + C_out
        else:
            gain = np.abs(C_in + C_out)
        rows, cols = linear_sum_assignment(gain, maximize=True)
        perm = cols[np.argsort(rows)]
        chosen = (C_in if even else C_in + C_out)[np.arange(len(perm)), perm]
        sign = np.where(chosen < 0, -1.0, 1.0) if use_sign else np.ones(len(perm))
        return perm, sign, gain

    # Initialise from the input upwards with the incoming weights only: exact for
    # networks in the same orbit (unit-norm incoming rows match with cosine 1).
    for k in range(L):
        pin, sin = p_out(k - 1)
        C_in = Wr[k] @ (Wo[k][:, pin] * sin[None, :]).T + np.outer(br[k], bo[k])
        perms[k], signs[k], _ = assign(C_in, np.zeros_like(C_in))

    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        changed = False
        for k in rng.permutation(L):
            pin, sin = p_out(k - 1)
            pout, sout = p(k + 1)
            # C[i, m]: gain of putting other's unit m at position i (before signs),
            # from its incoming weights (and bias) and from its outgoing ones
            C_in = Wr[k] @ (Wo[k][:, pin] * sin[None, :]).T + np.outer(br[k], bo[k])
            C_out = (Wr[k + 1].T) @ (Wo[k + 1][pout] * sout[:, None])
            new_perm, _, gain = assign(C_in, C_out)
            old_gain = np.sum(gain[np.arange(len(new_perm)), perms[k]])
            new_gain = np.sum(gain[np.arange(len(new_perm)), new_perm])
            if not np.array_equal(new_perm, perms[k]) and new_gain > old_gain + 1e-12 * max(abs(old_gain), 1.0):
                perms[k] = new_perm
                changed = True
            if use_sign:
                chosen = (C_in if even else C_in + C_out)[np.arange(len(perms[k])), perms[k]]
                s_cur = np.where(chosen < 0, -1.0, 1.0)
                if not np.array_equal(s_cur, signs[k]):
                    signs[k] = s_cur
                    changed = True
        if not changed:
            break
    return perms, signs, n_iter


def _activation_matching(Hr, Ho, use_sign, Cw, even=False):
    """Assignment maximising the summed correlation of matched units.

    ``Cw`` (cosines of the incoming weights) breaks ties only: it decides among
    units that are constant on ``X`` (dead ReLUs), whose correlations are all 0.
    With ``even`` activations the activations do not see a sign flip, so the
    signs come from ``Cw``.
    """

    def standardise(H):
        Hc = H - H.mean(axis=0)
        nrm = np.linalg.norm(Hc, axis=0)
        return Hc / np.where(nrm > 0, nrm, 1.0)

    C = standardise(Hr).T @ standardise(Ho) + 1e-6 * Cw
    gain = np.abs(C) if use_sign else C
    rows, cols = linear_sum_assignment(gain, maximize=True)
    perm = cols[np.argsort(rows)]
    chosen = (Cw if even else C)[np.arange(len(perm)), perm]
    sign = np.where(chosen < 0, -1.0, 1.0) if use_sign else np.ones(len(perm))
    return perm, sign


def align_mlps(reference, other, X=None, method="weights", max_iter=100,
               random_state=None, return_transforms=False):
    """Permute (and rescale) the hidden units of ``other`` to match ``reference``.

    The result computes exactly the same function as ``other`` (it is ``other``
    moved inside its weight-space orbit with :func:`apply_intertwiner`), but
    its units are in the order (and, where the activation allows it, at the
    scale) of the corresponding units of ``reference``. Aligned networks can
    then be compared unit by unit, averaged or linearly interpolated
    (:func:`interpolation_barrier`).

    Which moves are used follows the intertwiner group of the activation
    (:func:`intertwiner_group`): permutations always; positive rescaling for
    ReLU, leaky ReLU, identity, ``abs`` and ``x^d``; sign flips for tanh, ``abs``,
    ``x^d`` and identity (logistic, GELU and softplus: permutations only).

    Parameters
    ----------
    reference : fitted MLPRegressor, MLPClassifier or MLP-like object
    other : fitted network with the same architecture and activation
    X : array-like of shape (n_samples, n_features), default=None
        Inputs; required for ``method="activations"``, ignored otherwise.
    method : {"weights", "activations"}, default="weights"
        - ``"weights"``: weight matching (Ainsworth, Hayase and Srinivasa, "Git
          Re-Basin", ICLR 2023). The incoming weights of every hidden unit of both
          networks are first normalised to unit norm when rescaling is allowed;
          then the permutations of all layers are optimised jointly by
          coordinate descent, each step an exact linear assignment maximising
          ``sum_k <W_k^ref, P_k W_k^other P_{k-1}^T>`` (biases included), until no
          layer changes.
        - ``"activations"``: layer by layer, a linear assignment maximising the
          summed correlation of the hidden activations on ``X`` (units that are
          constant on ``X``, such as dead ReLUs, are matched by the cosine of
          their normalised incoming weights, a 1e-6-weighted tie-break).

        In both cases the matched units are finally rescaled so that their
        incoming weights have the norms of the reference's.
    max_iter : int, default=100
        Maximum number of coordinate-descent sweeps (``"weights"``).
    random_state : int, RandomState instance or None, default=None
        Order in which the coordinate descent visits the layers.
    return_transforms : bool, default=False
        Also return the list of per-layer group elements ``A_k`` applied to
        ``other`` (``aligned = apply_intertwiner(..., k, A_k)`` in order).

    Returns
    -------
    aligned : same type as ``other``
    transforms : list of ndarray of shape (n_k, n_k)
        Only if ``return_transforms``.

    Raises
    ------
    ValueError
        If the architectures or activations differ, or ``X`` is missing or has
        the wrong width for ``method="activations"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPRegressor
    >>> from sksym.inspection import align_mlps, apply_intertwiner, sample_intertwiner
    >>> X = np.random.RandomState(0).normal(size=(40, 3))
    >>> ref = MLPRegressor(hidden_layer_sizes=(6, 5), max_iter=2000, random_state=0).fit(X, X[:, 0] ** 2)
    >>> planted = apply_intertwiner(ref, 0, sample_intertwiner("relu", 6, random_state=1))
    >>> planted = apply_intertwiner(planted, 1, sample_intertwiner("relu", 5, random_state=2))
    >>> aligned = align_mlps(ref, planted)
    >>> bool(all(np.allclose(a, b, atol=1e-12) for a, b in zip(aligned.coefs_, ref.coefs_)))
    True
    """
    cr, ir, co, io = _check_same_architecture(reference, other)
    if len(cr) < 2:
        raise ValueError("The networks have no hidden layer to align.")
    if method not in ("weights", "activations"):
        raise ValueError(f"method must be 'weights' or 'activations'; got {method!r}.")
    if not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer; got {max_iter!r}.")
    activation = _activation_name(other)
    G = intertwiner_group(activation)
    use_scale, use_sign = _alignment_moves(G)
    L = len(cr) - 1

    if method == "weights":
        if use_scale:
            Wr, br = _normalised(cr, ir, G)
            Wo, bo = _normalised(co, io, G)
        else:
            Wr, br = [W.T for W in cr], list(ir)
            Wo, bo = [W.T for W in co], list(io)
        perms, signs, _ = _weight_matching(Wr, br, Wo, bo, use_sign, max_iter,
                                           check_random_state(random_state), even=_even(G))
    else:
        if X is None:
            raise ValueError("method='activations' needs X of shape (n_samples, n_features).")
        X = _check_X(X, cr)
        Hr, _ = _forward(cr, ir, activation, X)
        Ho, _ = _forward(co, io, activation, X)
        Wr, br = _normalised(cr, ir, G)
        Wo, bo = _normalised(co, io, G)
        perms, signs = [], []
        for k in range(L):
            if k:
                previous = np.ones_like(signs[k - 1]) if _even(G) else signs[k - 1]
                Wk = Wo[k][:, perms[k - 1]] * previous[None, :]
            else:
                Wk = Wo[k]
            Cw = Wr[k] @ Wk.T + np.outer(br[k], bo[k])  # cosines of unit-norm incoming rows
            p, s = _activation_matching(Hr[k], Ho[k], use_sign, Cw, even=_even(G))
            perms.append(p)
            signs.append(s)

    coefs = [W.copy() for W in co]
    intercepts = [b.copy() for b in io]
    transforms = []
    for k in range(L):
        n = len(perms[k])
        A = np.zeros((n, n))
        A[np.arange(n), perms[k]] = signs[k]
        if use_scale:
            # Match the incoming norms of the reference (after earlier layers moved).
            nr = np.linalg.norm(_incoming(cr, ir, k), axis=1)
            M = _incoming(coefs, intercepts, k)
            no = np.linalg.norm(M[perms[k]], axis=1)
            lam = np.where((nr > 0) & (no > 0), nr / np.where(no > 0, no, 1.0), 1.0)
            A = A * lam[:, None]
        _transform(coefs, intercepts, k, A, G)
        transforms.append(A)
    aligned = _with_weights(other, coefs, intercepts)
    return (aligned, transforms) if return_transforms else aligned


def interpolation_barrier(a, b, X, y, n_points=11):
    """Loss along the straight line between two networks' weights.

    For ``t`` in ``[0, 1]`` the network with weights ``(1 - t) W_a + t W_b`` is
    evaluated on ``(X, y)``; the barrier at ``t`` is its loss minus the linear
    interpolation of the end-point losses, ``L(t) - ((1 - t) L(0) + t L(1))``.
    Align the networks first (:func:`align_mlps`) to measure linear mode
    connectivity up to the weight-space symmetry.

    Parameters
    ----------
    a, b : fitted networks with the same architecture and activation
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets: class labels for classifiers (networks with ``classes_``),
        values for regressors.
    n_points : int, default=11
        Number of equally spaced ``t`` (at least 2; ``t = 0.5`` is always
        evaluated as well).

    Returns
    -------
    result : Bunch
        - ``t``: ndarray of shape (n_points,), the interpolation weights;
        - ``loss``: the loss at each ``t`` (log-loss for classifiers, mean squared
          error for regressors);
        - ``score``: accuracy (classifiers) or R^2 (regressors) at each ``t``;
        - ``barrier``: ``max_t`` of the barrier (>= 0 up to rounding);
        - ``midpoint_barrier``: the barrier at ``t = 0.5``;
        - ``midpoint_loss``, ``midpoint_score``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPRegressor
    >>> from sksym.inspection import interpolation_barrier
    >>> X = np.random.RandomState(0).normal(size=(40, 2))
    >>> y = X[:, 0] * X[:, 1]
    >>> a = MLPRegressor(hidden_layer_sizes=(8,), max_iter=2000, random_state=0).fit(X, y)
    >>> res = interpolation_barrier(a, a, X, y, n_points=5)
    >>> res.t
    array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    >>> abs(res.barrier) < 1e-12
    True
    """
    ca, ia, cb, ib = _check_same_architecture(a, b, "a", "b")
    if not isinstance(n_points, numbers.Integral) or n_points < 2:
        raise ValueError(f"n_points must be an integer >= 2; got {n_points!r}.")
    X = _check_X(X, ca)
    y = np.asarray(y)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} samples but X has {X.shape[0]}.")
    if _is_classifier_net(a) != _is_classifier_net(b):
        raise ValueError("a and b must both be classifiers or both be regressors.")
    activation = _activation_name(a)
    t = np.linspace(0.0, 1.0, int(n_points))

    def evaluate(s):
        coefs = [(1 - s) * u + s * v for u, v in zip(ca, cb)]
        ints = [(1 - s) * u + s * v for u, v in zip(ia, ib)]
        _, raw = _forward(coefs, ints, activation, X)
        return _loss_from_raw(raw, a, y), _score_from_raw(raw, a, y)

    vals = [evaluate(s) for s in t]
    loss = np.array([v[0] for v in vals])
    score = np.array([v[1] for v in vals])
    line = (1 - t) * loss[0] + t * loss[-1]
    mid = np.flatnonzero(np.isclose(t, 0.5))
    if mid.size:
        mid_loss, mid_score = loss[mid[0]], score[mid[0]]
    else:
        mid_loss, mid_score = evaluate(0.5)
    mid_barrier = mid_loss - 0.5 * (loss[0] + loss[-1])
    barrier = max(float(np.max(loss - line)), float(mid_barrier))
    return Bunch(t=t, loss=loss, score=score, barrier=barrier,
                 midpoint_barrier=float(mid_barrier), midpoint_loss=float(mid_loss),
                 midpoint_score=float(mid_score))
