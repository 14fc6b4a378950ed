"""Private helpers: validating, running and copying fitted multilayer perceptrons.

Networks are any objects with scikit-learn's fitted-MLP attributes: ``coefs_``
(list of ``(n_in, n_out)`` arrays, row convention ``z = h @ W + b``),
``intercepts_`` (list of ``(n_out,)`` arrays), ``activation`` (hidden activation
name) and, optionally, ``out_activation_`` and ``classes_``.
"""

import copy
import re

import numpy as np
from scipy.special import erf, expit
from sklearn.exceptions import NotFittedError

# Hidden activations that this module can evaluate (forward passes of
# hidden_activations, interpolation_barrier, stitch). scikit-learn itself only
# evaluates the first four.
_SKLEARN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")


def _leaky(slope):
    return lambda z: np.where(z > 0, z, slope * z)


def _activation_function(name):
    """Return the elementwise function for an activation name."""
    if callable(name):
        return name
    name = _normalise_activation_name(name)
    table = {
        "identity": lambda z: z,
        "relu": lambda z: np.maximum(z, 0.0),
        "tanh": np.tanh,
        "logistic": expit,
        "gelu": lambda z: 0.5 * z * (1.0 + erf(z / np.sqrt(2.0))),
        "softplus": lambda z: np.logaddexp(0.0, z),
        "abs": np.abs,
    }
    if name in table:
        return table[name]
    m = re.fullmatch(r"leaky_relu(?:\((.*)\))?", name)
    if m:
        return _leaky(float(m.group(1)) if m.group(1) else 0.01)
    m = re.fullmatch(r"power(\d+)", name)
    if m:
        d = int(m.group(1))
        return lambda z: z ** d
    raise ValueError(f"Unsupported activation {name!r}.")


def _normalise_activation_name(name):
    if not isinstance(name, str):
        raise TypeError(
            f"activation must be a string such as 'relu'; got {type(name).__name__}."
        )
    name = name.strip().lower()
    aliases = {"sigmoid": "logistic", "linear": "identity", "square": "power2",
               "cube": "power3", "leaky_relu": "leaky_relu(0.01)",
               "leakyrelu": "leaky_relu(0.01)"}
    return aliases.get(name, name)


def _check_mlp(mlp, name="mlp"):
    """Check that ``mlp`` is a fitted MLP-like object; return (coefs, intercepts)."""
    if not (hasattr(mlp, "coefs_") and hasattr(mlp, "intercepts_")):
        if hasattr(mlp, "activation") or hasattr(mlp, "hidden_layer_sizes"):
            raise NotFittedError(
                f"{name} is not fitted yet (no coefs_ / intercepts_); call fit first."
            )
        raise TypeError(
            f"{name} must be a fitted MLPRegressor / MLPClassifier or an object with "
            f"coefs_, intercepts_ and activation attributes; got {type(mlp).__name__}."
        )
    if not hasattr(mlp, "activation"):
        raise TypeError(f"{name} has no 'activation' attribute.")
    if getattr(mlp, "architecture_", None) == "gated":
        raise ValueError(
            f"{name} is a gated network (architecture_='gated'): its coefs_ act on invariant "
            "features and gates computed from the inputs, not on the inputs, so the "
            "weight-space tools do not apply to it."
        )
    coefs = [np.asarray(W, dtype=float) for W in mlp.coefs_]
    intercepts = [np.asarray(b, dtype=float) for b in mlp.intercepts_]
    if len(coefs) < 1 or len(coefs) != len(intercepts):
        raise ValueError(
            f"{name}.coefs_ and {name}.intercepts_ must be non-empty lists of equal length; "
            f"got {len(coefs)} and {len(intercepts)}."
        )
    for k, (W, b) in enumerate(zip(coefs, intercepts)):
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(
                f"{name}.coefs_[{k}] must have shape (n_in, n_out) and intercepts_[{k}] "
                f"shape (n_out,); got {W.shape} and {b.shape}."
            )
        if k and W.shape[0] != coefs[k - 1].shape[1]:
            raise ValueError(
                f"{name}.coefs_[{k}] has {W.shape[0]} rows but layer {k - 1} has "
                f"{coefs[k - 1].shape[1]} units."
            )
    return coefs, intercepts


def _n_hidden(coefs):
    return len(coefs) - 1


def _check_layer(layer, coefs, name="layer"):
    L = _n_hidden(coefs)
    if L == 0:
        raise ValueError("The network has no hidden layer.")
    if isinstance(layer, (bool, np.bool_)) or not isinstance(layer, (int, np.integer)):
        raise TypeError(f"{name} must be an integer hidden-layer index; got {layer!r}.")
    if not -L <= layer < L:
        raise ValueError(
            f"{name} must index a hidden layer, 0 <= {name} < {L} (negative values count "
            f"from the last hidden layer); got {layer}."
        )
    return int(layer) % L


def _activation_name(mlp):
    return _normalise_activation_name(mlp.activation)


def _check_X(X, coefs, name="X"):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape (n_samples, n_features); got shape {X.shape}.")
    if X.shape[1] != coefs[0].shape[0]:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but the network expects {coefs[0].shape[0]}."
        )
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return X


def _forward(coefs, intercepts, activation, X, upto=None):
    """Return the list of hidden post-activations and the raw output.

    ``upto`` stops after hidden layer ``upto`` (returns activations only).
    """
    f = _activation_function(activation)
    hidden = []
    h = X
    for k in range(len(coefs) - 1):
        h = f(h @ coefs[k] + intercepts[k])
        hidden.append(h)
        if upto is not None and k == upto:
            return hidden, None
    return hidden, h @ coefs[-1] + intercepts[-1]


def _forward_from(coefs, intercepts, activation, H, layer):
    """Run the network from the post-activation of hidden layer ``layer`` to the raw output."""
    f = _activation_function(activation)
    h = H
    for k in range(layer + 1, len(coefs) - 1):
        h = f(h @ coefs[k] + intercepts[k])
    return h @ coefs[-1] + intercepts[-1]


def _out_activation(mlp):
    out = getattr(mlp, "out_activation_", None)
    if out is None:
        out = "softmax" if hasattr(mlp, "classes_") else "identity"
    return out


def _output_transform(raw, out_activation):
    if out_activation == "identity":
        return raw
    if out_activation == "logistic":
        return expit(raw)
    if out_activation == "softmax":
        z = raw - raw.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)
    raise ValueError(f"Unsupported output activation {out_activation!r}.")


def _is_classifier_net(mlp):
    return hasattr(mlp, "classes_")


def _proba_from_raw(raw, mlp):
    """Class probabilities with scikit-learn's MLPClassifier conventions."""
    out = _output_transform(raw, _out_activation(mlp))
    if out.shape[1] == 1 and len(getattr(mlp, "classes_", [0, 1])) == 2:
        out = np.hstack([1.0 - out, out])
    return out


def _predict_from_raw(raw, mlp):
    if _is_classifier_net(mlp):
        classes = np.asarray(mlp.classes_)
        out = _output_transform(raw, _out_activation(mlp))
        if out.shape[1] == 1:
            return classes[(out[:, 0] > 0.5).astype(int)]
        if getattr(mlp, "_label_binarizer", None) is not None and getattr(
            mlp._label_binarizer, "y_type_", "") == "multilabel-indicator":
            return (out > 0.5).astype(int)
        return classes[np.argmax(out, axis=1)]
    out = _output_transform(raw, _out_activation(mlp))
    return out[:, 0] if out.shape[1] == 1 else out


def _score_from_raw(raw, mlp, y):
    """Accuracy for classifiers, R^2 for regressors (scikit-learn's ``score``)."""
    from sklearn.metrics import accuracy_score, r2_score

    pred = _predict_from_raw(raw, mlp)
    if _is_classifier_net(mlp):
        return float(accuracy_score(y, pred))
    return float(r2_score(y, pred))


def _loss_from_raw(raw, mlp, y):
    """Log-loss for classifiers, mean squared error for regressors."""
    from sklearn.metrics import log_loss, mean_squared_error

    if _is_classifier_net(mlp) and _out_activation(mlp) == "logistic":
        # Binary or multilabel: mean over samples of the summed binary cross-entropy.
        y = np.asarray(y)
        Y = y.reshape(len(y), -1) if y.ndim == 2 else (y == np.asarray(mlp.classes_)[-1])[:, None]
        Y = Y.astype(float)
        if Y.shape[1] != raw.shape[1]:
            raise ValueError(f"y has {Y.shape[1]} label columns but the network has {raw.shape[1]} outputs.")
        return float(np.mean(np.sum(np.logaddexp(0.0, raw) - Y * raw, axis=1)))
    if _is_classifier_net(mlp):
        proba = _proba_from_raw(raw, mlp)
        proba = np.clip(proba, 1e-15, 1.0)
        proba = proba / proba.sum(axis=1, keepdims=True)
        return float(log_loss(y, proba, labels=np.asarray(mlp.classes_)))
    pred = _predict_from_raw(raw, mlp)
    return float(mean_squared_error(y, pred))


def _with_weights(mlp, coefs, intercepts):
    """A deep copy of ``mlp`` holding new weights.

    Optimiser state (which refers to the old weights) is dropped, so a later
    ``partial_fit`` or warm start re-initialises it; the best weights kept by
    early stopping (those of the fitted network) become the new ones, which a
    warm start with early stopping needs.
    """
    memo = {id(mlp.coefs_): None, id(mlp.intercepts_): None}
    for W in list(mlp.coefs_) + list(mlp.intercepts_):
        memo[id(W)] = None
    new = copy.deepcopy(mlp, memo)
    new.coefs_ = [np.array(W, dtype=float) for W in coefs]
    new.intercepts_ = [np.array(b, dtype=float) for b in intercepts]
    state = getattr(new, "__dict__", {})
    if "_optimizer" in state:
        delattr(new, "_optimizer")
    if "_best_coefs" in state:
        new._best_coefs = [W.copy() for W in new.coefs_]
    if "_best_intercepts" in state:
        new._best_intercepts = [b.copy() for b in new.intercepts_]
    return new


def _check_same_architecture(a, b, name_a="reference", name_b="other"):
    ca, ia = _check_mlp(a, name_a)
    cb, ib = _check_mlp(b, name_b)
    sa = [W.shape for W in ca]
    sb = [W.shape for W in cb]
    if sa != sb:
        raise ValueError(
            f"{name_a} and {name_b} must have the same architecture; got weight shapes "
            f"{sa} and {sb}."
        )
    if _activation_name(a) != _activation_name(b):
        raise ValueError(
            f"{name_a} and {name_b} use different activations: {a.activation!r} and "
            f"{b.activation!r}."
        )
    return ca, ia, cb, ib
