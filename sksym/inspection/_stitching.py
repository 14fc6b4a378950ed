"""Model stitching: plug the bottom of one network into the top of another."""

import re

import numpy as np
from scipy.linalg import lstsq
from scipy.optimize import linear_sum_assignment

from ._mlp import (
    _activation_function,
    _activation_name,
    _check_layer,
    _check_mlp,
    _check_X,
    _forward,
    _forward_from,
    _is_classifier_net,
    _predict_from_raw,
    _proba_from_raw,
    _score_from_raw,
)

__all__ = ["StitchedMLP", "stitch", "stitching_penalty"]


def _parse_group(group, rank):
    if not isinstance(group, str):
        raise TypeError(f"group must be a string; got {type(group).__name__}.")
    g = group.strip().lower()
    m = re.fullmatch(r"rank-?(\d+)", g)
    if m:
        return "rank", int(m.group(1))
    if g == "rank":
        if rank is None or int(rank) < 1:
            raise ValueError("group='rank' needs a positive integer rank.")
        return "rank", int(rank)
    if g in ("none", "relu", "orthogonal", "linear"):
        return g, None
    raise ValueError(
        "group must be 'none', 'relu', 'orthogonal', 'linear' or 'rank-k' (e.g. "
        f"'rank-4'); got {group!r}."
    )


def _fit_map(Ha, Hb, kind, rank):
    """Closed-form map ``Hb ~ Ha @ M + c``."""
    na, nb = Ha.shape[1], Hb.shape[1]
    c = np.zeros(nb)
    if kind == "none":
        if na != nb:
            raise ValueError(
                f"group='none' needs equal widths at the stitched layer; got {na} and {nb}."
            )
        return np.eye(na), c
    if kind == "relu":
        nrm_a = np.linalg.norm(Ha, axis=0)
        nrm_b = np.linalg.norm(Hb, axis=0)
        cos = (Ha.T @ Hb) / np.outer(np.where(nrm_a > 0, nrm_a, 1.0), np.where(nrm_b > 0, nrm_b, 1.0))
        rows, cols = linear_sum_assignment(cos, maximize=True)
        M = np.zeros((na, nb))
        for i, j in zip(rows, cols):
            if nrm_a[i] > 0:
                M[i, j] = max(0.0, Ha[:, i] @ Hb[:, j] / nrm_a[i] ** 2)
        return M, c
    if kind == "orthogonal":
        U, _, Vt = np.linalg.svd(Ha.T @ Hb, full_matrices=False)
        Q = U @ Vt
        HQ = Ha @ Q
        den = np.sum(HQ ** 2)
        s = np.sum(HQ * Hb) / den if den > 0 else 0.0
        return s * Q, c
    ma, mb = Ha.mean(axis=0), Hb.mean(axis=0)
    Hac, Hbc = Ha - ma, Hb - mb
    B, *_ = lstsq(Hac, Hbc, lapack_driver="gelsd")
    if kind == "rank":
        if rank > min(na, nb):
            raise ValueError(f"rank must be <= min(widths) = {min(na, nb)}; got {rank}.")
        _, _, Vt = np.linalg.svd(Hac @ B, full_matrices=False)
        Vk = Vt[:rank].T
        B = B @ Vk @ Vk.T
    return B, mb - ma @ B


def _activation_derivative(name):
    """Derivative of a hidden activation as a function of (z, h = sigma(z))."""
    if name == "identity":
        return lambda z, h: np.ones_like(z)
    if name == "relu":
        return lambda z, h: (z > 0).astype(float)
    if name == "tanh":
        return lambda z, h: 1.0 - h ** 2
    if name == "logistic":
        return lambda z, h: h * (1.0 - h)
    m = re.fullmatch(r"leaky_relu\((.*)\)", name)
    if m:
        a = float(m.group(1))
        return lambda z, h: np.where(z > 0, 1.0, a)
    raise ValueError(
        f"method='task' needs the derivative of model_b's activation; {name!r} is not "
        "supported (identity, relu, leaky_relu, tanh, logistic are)."
    )


def _task_targets(model_b, y, n_out):
    y = np.asarray(y)
    if _is_classifier_net(model_b):
        classes = np.asarray(model_b.classes_)
        if y.ndim == 2:  # multilabel indicator
            return y.astype(float)
        if n_out == 1:
            return (y == classes[-1]).astype(float)[:, None]
        return (y[:, None] == classes[None, :]).astype(float)
    return y.reshape(len(y), -1).astype(float)


def _task_refine(Ha, M0, c0, model_b, layer_b, y, kind, max_iter):
    """Refine the map on the task loss of the stitched network (L-BFGS-B).

    ``"relu"``: the matched permutation is kept and the nonnegative scales are
    optimised (the map stays in G_ReLU); ``"linear"``: every entry of ``(M, c)``.
    """
    from scipy.optimize import minimize
    from scipy.special import expit, log_softmax

    from ._mlp import _out_activation

    cb, ib = _check_mlp(model_b, "model_b")
    f = _activation_function(_activation_name(model_b))
    df = _activation_derivative(_activation_name(model_b))
    out_act = _out_activation(model_b)
    n = Ha.shape[0]
    Y = _task_targets(model_b, y, cb[-1].shape[1])
    if Y.shape[0] != n:
        raise ValueError(f"y has {Y.shape[0]} samples but X has {n}.")
    rows, cols = np.nonzero(M0)

    def unpack(theta):
        if kind == "relu":
            M = np.zeros_like(M0)
            M[rows, cols] = theta
            return M, c0
        k = M0.size
        return theta[:k].reshape(M0.shape), theta[k:]

    def loss_grad(theta):
        M, c = unpack(theta)
        H = Ha @ M + c
        zs, hs = [], [H]
        for k in range(layer_b + 1, len(cb) - 1):
            z = hs[-1] @ cb[k] + ib[k]
            zs.append(z)
            hs.append(f(z))
        out = hs[-1] @ cb[-1] + ib[-1]
        if out_act == "softmax":
            logp = log_softmax(out, axis=1)
            loss = -np.sum(Y * logp) / n
            d = (np.exp(logp) - Y) / n
        elif out_act == "logistic":
            loss = np.sum(np.logaddexp(0.0, out) - Y * out) / n
            d = (expit(out) - Y) / n
        else:
            loss = 0.5 * np.sum((out - Y) ** 2) / n
            d = (out - Y) / n
        dH = d @ cb[-1].T
        for j in range(len(zs) - 1, -1, -1):
            k = layer_b + 1 + j
            dz = dH * df(zs[j], hs[j + 1])
            dH = dz @ cb[k].T
        gM = Ha.T @ dH
        if kind == "relu":
            return loss, gM[rows, cols]
        return loss, np.concatenate([gM.ravel(), dH.sum(axis=0)])

    if kind == "relu":
        theta0, bounds = M0[rows, cols], [(0.0, None)] * len(rows)
    else:
        theta0, bounds = np.concatenate([M0.ravel(), c0]), None
    res = minimize(loss_grad, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": max_iter})
    return unpack(res.x)


class StitchedMLP:
    """The bottom of network ``a`` up to a hidden layer, a fitted map, then the top of ``b``.

    Returned by :func:`stitch`; predicts like ``model_b``: for an input ``x`` it
    computes ``h = a_{<= layer}(x)``, ``h' = h @ map_ + intercept_`` and runs
    ``b`` from the post-activation of its hidden layer ``layer_b`` onward.

    Attributes
    ----------
    model_a, model_b : fitted networks (not copied)
    layer, layer_b : int
        Hidden-layer indices in ``a`` and ``b``.
    group : str
        Family of the map (``"none"``, ``"relu"``, ``"orthogonal"``, ``"linear"``,
        ``"rank"``).
    rank : int or None
        Rank for ``group="rank-k"``.
    map_ : ndarray of shape (n_units_a, n_units_b)
    intercept_ : ndarray of shape (n_units_b,)
    train_score_ : float or None
        Score on the fitting data when ``y`` was given to :func:`stitch`.
    classes_ : ndarray
        Class labels of ``model_b`` (classifiers only).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPRegressor
    >>> from sksym.inspection import stitch
    >>> X = np.random.RandomState(0).normal(size=(60, 3))
    >>> a = MLPRegressor(hidden_layer_sizes=(6,), max_iter=2000, random_state=0).fit(X, X[:, 0])
    >>> s = stitch(a, a, 0, X, group="linear")
    >>> bool(np.allclose(s.predict(X), a.predict(X)))
    True
    """

    def __init__(self, model_a, model_b, layer, layer_b, group, rank, map_, intercept_):
        self.model_a = model_a
        self.model_b = model_b
        self.layer = layer
        self.layer_b = layer_b
        self.group = group
        self.rank = rank
        self.map_ = map_
        self.intercept_ = intercept_
        self.train_score_ = None
        if _is_classifier_net(model_b):
            self.classes_ = model_b.classes_

    def __repr__(self):
        return (f"StitchedMLP(layer={self.layer}, layer_b={self.layer_b}, group={self.group!r}"
                + (f", rank={self.rank}" if self.rank else "") + ")")

    def _raw(self, X):
        ca, ia = _check_mlp(self.model_a, "model_a")
        cb, ib = _check_mlp(self.model_b, "model_b")
        X = _check_X(X, ca)
        hidden, _ = _forward(ca, ia, _activation_name(self.model_a), X, upto=self.layer)
        H = hidden[self.layer] @ self.map_ + self.intercept_
        return _forward_from(cb, ib, _activation_name(self.model_b), H, self.layer_b)

    def predict(self, X):
        """Predict with the stitched network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray
        """
        return _predict_from_raw(self._raw(X), self.model_b)

    def predict_proba(self, X):
        """Class probabilities (classifier ``model_b`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        if not _is_classifier_net(self.model_b):
            raise AttributeError("predict_proba needs a classifier model_b.")
        return _proba_from_raw(self._raw(X), self.model_b)

    def score(self, X, y):
        """Accuracy (classifiers) or R^2 (regressors) of the stitched network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        score : float
        """
        return _score_from_raw(self._raw(X), self.model_b, y)


def stitch(model_a, model_b, layer, X, y=None, group="relu", rank=None, layer_b=None,
           method="matching", max_iter=200):
    """Stitch the bottom of ``model_a`` onto the top of ``model_b`` with a fitted map.

    The post-activations ``H_a`` of ``model_a`` and ``H_b`` of ``model_b`` at the
    hidden layer are computed on ``X`` and a map ``H_b ~ H_a M + c`` is fitted in
    closed form by *direct matching* (no training of the stitched network):

    - ``"none"``: ``M = I`` (needs equal widths): plug the layers together as is;
    - ``"relu"``: ``M = P D`` with ``D >= 0``, the ``G_ReLU`` family: units matched
      by a linear assignment on cosine similarity, then per-unit nonnegative
      least-squares scales;
    - ``"orthogonal"``: ``M = s Q`` (scaled orthogonal Procrustes);
    - ``"linear"``: affine least squares ``(M, c)``, i.e. ``GL`` plus a bias;
    - ``"rank-k"`` (e.g. ``"rank-4"``): reduced-rank affine regression of rank ``k``.

    Parameters
    ----------
    model_a : fitted network
        Provides the layers up to and including hidden layer ``layer``.
    model_b : fitted network
        Provides the layers after hidden layer ``layer_b``; its output
        conventions (classes, output activation) are used.
    layer : int
        Hidden-layer index in ``model_a`` (negative counts from the end).
    X : array-like of shape (n_samples, n_features)
        Inputs on which the two representations are matched.
    y : array-like of shape (n_samples,), default=None
        Targets. Required for ``method="task"``; when given, ``train_score_`` of
        the result is the stitched score on ``(X, y)``.
    group : {"relu", "none", "orthogonal", "linear"} or "rank-k", default="relu"
        Family of the stitching map.
    rank : int, default=None
        Rank when ``group="rank"`` (alternative to ``"rank-k"``).
    layer_b : int, default=None
        Hidden-layer index in ``model_b``; defaults to ``layer``.
    method : {"matching", "task"}, default="matching"
        ``"matching"``: the closed-form direct matching above. ``"task"``
        (``group`` ``"relu"`` or ``"linear"``): start from the matching solution
        and minimise the stitched network's training loss on ``(X, y)``
        (cross-entropy for classifiers, squared error for regressors) with
        L-BFGS-B; for ``"relu"`` the matched permutation is kept and only the
        nonnegative scales move, so the map stays in ``G_ReLU``. Needs the
        derivative of ``model_b``'s activation (identity, relu, leaky_relu,
        tanh, logistic).
    max_iter : int, default=200
        L-BFGS-B iterations for ``method="task"``.

    Returns
    -------
    stitched : StitchedMLP

    Raises
    ------
    ValueError
        Different input widths, classes, or an unknown ``group``.

    Notes
    -----
    Godfrey et al. (2022) train their ``G_ReLU`` stitching layers on the task loss
    (Sinkhorn relaxation rounded to a permutation); direct matching is the cheap
    closed-form variant, ``method="task"`` a cheap version of theirs (the
    permutation from matching, the scales from the task loss).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn.datasets import load_iris
    >>> from sksym.inspection import stitch
    >>> X, y = load_iris(return_X_y=True)
    >>> a = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2000, random_state=0).fit(X, y)
    >>> b = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2000, random_state=1).fit(X, y)
    >>> s = stitch(a, b, 0, X, y, group="linear")
    >>> s.map_.shape, s.train_score_ > 0.9
    ((8, 8), True)
    """
    ca, ia = _check_mlp(model_a, "model_a")
    cb, ib = _check_mlp(model_b, "model_b")
    if ca[0].shape[0] != cb[0].shape[0]:
        raise ValueError(
            f"model_a and model_b must take the same inputs; got {ca[0].shape[0]} and "
            f"{cb[0].shape[0]} features."
        )
    if _is_classifier_net(model_a) != _is_classifier_net(model_b):
        raise ValueError("model_a and model_b must both be classifiers or both regressors.")
    layer = _check_layer(layer, ca, "layer")
    layer_b = layer if layer_b is None else layer_b
    layer_b = _check_layer(layer_b, cb, "layer_b")
    kind, k = _parse_group(group, rank)
    X = _check_X(X, ca)
    Ha = _forward(ca, ia, _activation_name(model_a), X, upto=layer)[0][layer]
    Hb = _forward(cb, ib, _activation_name(model_b), X, upto=layer_b)[0][layer_b]
    if method not in ("matching", "task"):
        raise ValueError(f"method must be 'matching' or 'task'; got {method!r}.")
    M, c = _fit_map(Ha, Hb, kind, k)
    if method == "task":
        if kind not in ("relu", "linear"):
            raise ValueError(f"method='task' supports group 'relu' or 'linear'; got {group!r}.")
        if y is None:
            raise ValueError("method='task' needs the targets y.")
        M, c = _task_refine(Ha, M, c, model_b, layer_b, y, kind, max_iter)
    out = StitchedMLP(model_a, model_b, layer, layer_b, kind, k, M, c)
    if y is not None:
        out.train_score_ = out.score(X, y)
    return out


def stitching_penalty(model_a, model_b, layer, X, y, group="relu", rank=None,
                      X_fit=None, layer_b=None, method="matching", y_fit=None):
    """Loss of score from stitching two networks: mean score of the pair minus stitched score.

    The map is fitted by :func:`stitch` on ``X_fit`` (default ``X``) and the
    stitched network is scored on ``(X, y)``: accuracy for classifiers (so the
    penalty is in accuracy units, multiply by 100 for percentage points), R^2
    for regressors.

    Parameters
    ----------
    model_a, model_b : fitted networks
    layer : int
        Hidden-layer index.
    X : array-like of shape (n_samples, n_features)
        Evaluation inputs.
    y : array-like of shape (n_samples,)
        Evaluation targets.
    group : str, default="relu"
        Map family (see :func:`stitch`).
    rank : int, default=None
        See :func:`stitch`.
    X_fit : array-like of shape (n_fit, n_features), default=None
        Inputs for fitting the map (e.g. the training set).
    layer_b : int, default=None
        See :func:`stitch`.
    method : {"matching", "task"}, default="matching"
        See :func:`stitch`.
    y_fit : array-like of shape (n_fit,), default=None
        Targets for ``X_fit`` (``method="task"``; default ``y`` when ``X_fit`` is
        not given).

    Returns
    -------
    penalty : float
        ``(score_a + score_b) / 2 - stitched_score``; near 0 when the
        representations are related by a map of the family.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn.datasets import load_iris
    >>> from sksym.inspection import stitching_penalty
    >>> X, y = load_iris(return_X_y=True)
    >>> a = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2000, random_state=0).fit(X, y)
    >>> abs(stitching_penalty(a, a, 0, X, y, group="none")) < 1e-12
    True
    """
    if X_fit is None:
        X_fit, y_fit = X, (y if y_fit is None else y_fit)
    s = stitch(model_a, model_b, layer, X_fit, y_fit, group=group, rank=rank, layer_b=layer_b,
               method=method)
    ca, ia = _check_mlp(model_a, "model_a")
    cb, ib = _check_mlp(model_b, "model_b")
    X = _check_X(X, ca)
    y = np.asarray(y)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} samples but X has {X.shape[0]}.")
    score_a = _score_from_raw(_forward(ca, ia, _activation_name(model_a), X)[1], model_a, y)
    score_b = _score_from_raw(_forward(cb, ib, _activation_name(model_b), X)[1], model_b, y)
    return float(0.5 * (score_a + score_b) - s.score(X, y))
