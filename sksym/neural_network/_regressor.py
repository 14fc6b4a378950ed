"""SymmetricMLPRegressor."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import validate_data

from ._base import BaseSymmetricMLP
from ._docs import NOTES, PARAMETERS

__all__ = ["SymmetricMLPRegressor"]


class SymmetricMLPRegressor(RegressorMixin, BaseSymmetricMLP):
    _out_activation = "identity"

    def fit(self, X, y):
        """Fit the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self : SymmetricMLPRegressor
        """
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        return self._fit(X, Y.astype(float))

    def _validation_score(self, out, Y):
        return r2_score(Y, out)

    def predict(self, X):
        """Predict.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        out = self._forward(X)
        # one output is returned 1-D, also when y was (n_samples, 1): as MLPRegressor
        return out.ravel() if out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


SymmetricMLPRegressor.__doc__ = f"""Multilayer perceptron regressor, exactly equivariant under a group.

    A numpy MLP with scikit-learn's parameters and attributes
    (:class:`~sklearn.neural_network.MLPRegressor`), whose weights are
    restricted to equivariant ones: ``f(g x) = rho_out(g) f(x)`` for every
    ``g`` in ``group``, for any training data.

    Parameters
    ----------
{PARAMETERS}

    Attributes
    ----------
    coefs_ : list of ndarray
        Weight matrices, ``coefs_[i]`` of shape (fan_in, fan_out).
    intercepts_ : list of ndarray
        Bias vectors.
    loss_ : float
        Final value of the objective.
    best_loss_ : float or None
        Best training loss (``None`` with early stopping).
    loss_curve_ : list of float
        Objective after every iteration (epoch for ``adam``).
    validation_scores_ : list of float or None
        R^2 on the held-out data per epoch (early stopping only).
    best_validation_score_ : float or None
    n_iter_ : int
        Number of iterations (epochs) run.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
    out_activation_ : str
        ``"identity"``.
    n_parameters_ : int
        Number of trained coefficients (fewer than the weights when a group
        constrains them).
    architecture_ : {{"dense", "layers", "gated", "promote"}}
        How the network was built (see Notes).
    group_, input_rep_, output_rep_ : Group, Rep, Rep
        The group and bound representations used.
    hidden_reps_ : list of Rep or None
        Hidden representations (finite groups).
    lie_singular_values_ : ndarray of shape (q,)
        ``symmetry="promote"`` only: singular values of the network's
        Lie-derivative matrix over the group's generators, at up to max(256, n_symmetry_points)
        training points; small values mark generators the network respects.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has feature names.

    See Also
    --------
    SymmetricMLPClassifier : the classifier.
    sklearn.neural_network.MLPRegressor : the unconstrained network.

    Notes
    -----
{NOTES}

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.groups import SO
    >>> from sksym.reps import V
    >>> from sksym.neural_network import SymmetricMLPRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = X * np.exp(-np.sum(X**2, axis=1, keepdims=True))   # an SO(3)-equivariant field
    >>> net = SymmetricMLPRegressor((16,), activation="tanh", solver="lbfgs", group=SO(3),
    ...                             output_rep=V, max_iter=300, random_state=0).fit(X, y)
    >>> g = SO(3).sample(1, random_state=1)[0]
    >>> bool(np.allclose(net.predict(X @ g.T), net.predict(X) @ g.T, atol=1e-10))
    True
    """
