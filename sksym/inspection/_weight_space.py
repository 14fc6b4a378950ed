"""Weight-space symmetries of fitted MLPs: apply an intertwiner, canonicalise an orbit."""

import numpy as np

from ._intertwiners import intertwiner_group
from ._mlp import (
    _activation_name,
    _check_layer,
    _check_mlp,
    _check_X,
    _forward,
    _with_weights,
)

__all__ = ["apply_intertwiner", "canonicalize_mlp", "hidden_activations"]


def _monomial_inverse(B):
    """Inverse of a monomial matrix, exact (no LU)."""
    n = B.shape[0]
    perm = np.argmax(B != 0, axis=1)
    inv = np.zeros_like(B)
    inv[perm, np.arange(n)] = 1.0 / B[np.arange(n), perm]
    return inv


def _transform(coefs, intercepts, layer, A, G, tol=1e-10):
    """Apply ``A`` to hidden layer ``layer`` of weight lists (row convention), in place."""
    n = coefs[layer].shape[1]
    A = np.asarray(A, dtype=float)
    if A.shape != (n, n):
        raise ValueError(
            f"A must have shape ({n}, {n}) for hidden layer {layer} of width {n}; "
            f"got shape {A.shape}."
        )
    B, c = G.phi(A, tol=tol)  # raises if A is not in the group
    Binv = _monomial_inverse(B) if G.is_monomial else np.linalg.inv(B)
    coefs[layer] = coefs[layer] @ A.T
    intercepts[layer] = intercepts[layer] @ A.T
    W_next = Binv.T @ coefs[layer + 1]
    coefs[layer + 1] = W_next
    if np.any(c):
        intercepts[layer + 1] = intercepts[layer + 1] - c @ W_next


def apply_intertwiner(mlp, layer, A, affine=False, tol=1e-10):
    """Move a fitted network along its weight-space symmetry at one hidden layer.

    With ``A`` in the intertwiner group of the network's activation ``sigma``
    (:func:`intertwiner_group`), the new network has weights (scikit-learn's row
    convention ``z = h @ W + b``)

    - ``coefs_[layer] <- coefs_[layer] @ A.T`` and ``intercepts_[layer] <- intercepts_[layer] @ A.T``
      (pre-activations ``z -> A z``),
    - ``coefs_[layer + 1] <- phi(A)^-T @ coefs_[layer + 1]`` (and, for the affine
      logistic convention, ``intercepts_[layer + 1] <- intercepts_[layer + 1] - c @ coefs_[layer + 1]``),

    so it computes the same function while its hidden representation at
    ``layer`` becomes ``phi(A) h``.

    Parameters
    ----------
    mlp : fitted MLPRegressor, MLPClassifier or MLP-like object
        Any object with ``coefs_``, ``intercepts_`` and ``activation``.
    layer : int
        Hidden-layer index, ``0 <= layer < len(mlp.coefs_) - 1`` (negative
        indices count from the last hidden layer).
    A : array-like of shape (n_units, n_units)
        Element of the intertwiner group, e.g. from :func:`sample_intertwiner`.
    affine : bool, default=False
        Intertwiner convention (see :func:`intertwiner_group`); only matters for
        ``'logistic'``, whose sign flips need ``affine=True``.
    tol : float, default=1e-10
        Membership tolerance (see :func:`is_intertwiner`).

    Returns
    -------
    new_mlp : same type as ``mlp``
        A deep copy with transformed weights (optimiser state dropped).

    Raises
    ------
    ValueError
        If ``A`` has the wrong shape or lies outside the intertwiner group, e.g.
        a rotation for a ReLU network.
    sklearn.exceptions.NotFittedError
        If ``mlp`` is not fitted.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPRegressor
    >>> from sksym.inspection import apply_intertwiner, sample_intertwiner
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    >>> mlp = MLPRegressor(hidden_layer_sizes=(8,), max_iter=2000, random_state=0).fit(X, y)
    >>> A = sample_intertwiner("relu", 8, random_state=0)
    >>> new = apply_intertwiner(mlp, 0, A)
    >>> bool(np.abs(new.predict(X) - mlp.predict(X)).max() < 1e-12)
    True
    """
    coefs, intercepts = _check_mlp(mlp)
    layer = _check_layer(layer, coefs)
    G = intertwiner_group(_activation_name(mlp), affine=affine)
    coefs = [W.copy() for W in coefs]
    intercepts = [b.copy() for b in intercepts]
    _transform(coefs, intercepts, layer, A, G, tol=tol)
    return _with_weights(mlp, coefs, intercepts)


def _incoming(coefs, intercepts, k):
    """Incoming weights of hidden layer ``k``, one row per unit: ``[bias, weights]``."""
    return np.column_stack([intercepts[k], coefs[k].T])


def _pivot_columns(M, tol=1e-10):
    """Greedy choice of the first linearly independent columns of ``M``."""
    n = M.shape[0]
    piv = []
    Q = np.zeros((n, 0))
    scale = max(np.abs(M).max(), 1e-300)
    for j in range(M.shape[1]):
        v = M[:, j] - Q @ (Q.T @ M[:, j])
        nv = np.linalg.norm(v)
        if nv > tol * scale * max(1, n):
            piv.append(j)
            Q = np.column_stack([Q, v / nv])
            if len(piv) == n:
                break
    return piv


_TIE_TOL = 1e-9


def _tie_ranks(values, tol):
    """Ranks of ``values`` in which values within ``tol`` of their sorted
    neighbour share a rank (chains of near-equal values form one group): they
    depend only on the set of values, not on their order."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(values.size, dtype=int)
    ranks[order] = np.concatenate([[0], np.cumsum(np.diff(values[order]) > tol)])
    return ranks


def _canonical_element(M, G):
    """The group element that maps incoming weights ``M`` (units x inputs) to the
    canonical representative of their orbit."""
    n = M.shape[0]
    if G.scales == "all":
        piv = _pivot_columns(M)
        if len(piv) < n:
            raise ValueError(
                f"canonicalize_mlp: an identity-activation layer of {n} units whose "
                f"incoming weights (with bias) have rank {len(piv)} < {n} has no unique "
                "GL_n representative."
            )
        return np.linalg.inv(M[:, piv])
    d = np.ones(n)
    if G.scales in ("positive", "nonzero"):
        norms = np.linalg.norm(M, axis=1)
        d = np.where(norms > 0, 1.0 / np.where(norms > 0, norms, 1.0), 1.0)
    if G.scales in ("sign", "nonzero"):
        Ms = M * d[:, None]
        scale = max(np.abs(M).max(), 1e-300)
        first = np.argmax(np.abs(Ms) > 1e-8 * scale, axis=1)
        sgn = np.sign(Ms[np.arange(n), first])
        d = d * np.where(sgn == 0, 1.0, sgn)
    Mn = M * d[:, None]
    # primary key: bias, then weights in order; values equal up to rounding are
    # ties (equivariant networks tie biases exactly, and the normalisation leaves
    # them different in the last bits, which ordered the units by rounding noise)
    tol = _TIE_TOL * max(np.abs(Mn).max(), 1e-300)
    order = np.lexsort([_tie_ranks(col, tol) for col in Mn.T[::-1]])
    A = np.zeros((n, n))
    A[np.arange(n), order] = d[order]
    return A


def canonicalize_mlp(mlp, affine=False):
    """A canonical representative of a network's weight-space orbit.

    Layer by layer from the input, each hidden layer is moved by one element of
    its intertwiner group (:func:`apply_intertwiner`, so the function is
    unchanged):

    - positive scalings (ReLU, leaky ReLU; also ``abs``, ``x^d``): each unit's
      incoming weights ``[bias, weights]`` get unit Euclidean norm, the scale
      being pushed into the next layer;
    - sign flips (tanh; logistic with ``affine=True``; ``abs``, ``x^d``): the first
      non-zero incoming entry (the bias, usually) is made positive;
    - permutations: units are sorted lexicographically by their normalised
      incoming weights (bias first), entries within ``1e-9`` (relative) of
      each other counting as equal (equivariant networks tie weights exactly,
      up to rounding);
    - identity activation (``GL_n``): the incoming matrix is brought to reduced
      form, equal to the identity on its first linearly independent columns.

    Two networks in the same orbit therefore canonicalise to the same weights
    (up to rounding), which makes weights comparable, averageable and hashable.

    Parameters
    ----------
    mlp : fitted MLPRegressor, MLPClassifier or MLP-like object
    affine : bool, default=False
        Intertwiner convention (see :func:`intertwiner_group`).

    Returns
    -------
    canonical_mlp : same type as ``mlp``

    Notes
    -----
    Units with exactly zero incoming weights (and bias) keep their scale; units
    whose whole sort key ties (duplicated units) keep their original order,
    which does not change the canonical weights. Entries that differ by less
    than the tie tolerance without being equal (a measure-zero event for
    trained networks) can order differently in two members of an orbit.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn.datasets import load_iris
    >>> from sksym.inspection import apply_intertwiner, canonicalize_mlp, sample_intertwiner
    >>> X, y = load_iris(return_X_y=True)
    >>> mlp = MLPClassifier(hidden_layer_sizes=(6,), max_iter=1000, random_state=0).fit(X, y)
    >>> moved = apply_intertwiner(mlp, 0, sample_intertwiner("relu", 6, random_state=1))
    >>> a, b = canonicalize_mlp(mlp), canonicalize_mlp(moved)
    >>> bool(all(np.allclose(u, v, atol=1e-12) for u, v in zip(a.coefs_, b.coefs_)))
    True
    """
    coefs, intercepts = _check_mlp(mlp)
    G = intertwiner_group(_activation_name(mlp), affine=affine)
    coefs = [W.copy() for W in coefs]
    intercepts = [b.copy() for b in intercepts]
    for k in range(len(coefs) - 1):
        A = _canonical_element(_incoming(coefs, intercepts, k), G)
        _transform(coefs, intercepts, k, A, G)
    return _with_weights(mlp, coefs, intercepts)


def hidden_activations(mlp, X, layer=None):
    """Hidden representations (post-activation) of a fitted network.

    Parameters
    ----------
    mlp : fitted MLPRegressor, MLPClassifier or MLP-like object
    X : array-like of shape (n_samples, n_features)
        Inputs.
    layer : int or None, default=None
        Hidden-layer index; ``None`` returns every hidden layer.

    Returns
    -------
    H : ndarray of shape (n_samples, n_units) or list of such arrays

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPRegressor
    >>> from sksym.inspection import hidden_activations
    >>> X = np.random.RandomState(0).normal(size=(20, 3))
    >>> mlp = MLPRegressor(hidden_layer_sizes=(5, 4), max_iter=2000, random_state=0).fit(X, X[:, 0])
    >>> [h.shape for h in hidden_activations(mlp, X)]
    [(20, 5), (20, 4)]
    >>> hidden_activations(mlp, X, layer=-1).shape
    (20, 4)
    """
    coefs, intercepts = _check_mlp(mlp)
    X = _check_X(X, coefs)
    if layer is None:
        hidden, _ = _forward(coefs, intercepts, _activation_name(mlp), X)
        return hidden
    layer = _check_layer(layer, coefs)
    hidden, _ = _forward(coefs, intercepts, _activation_name(mlp), X, upto=layer)
    return hidden[layer]
