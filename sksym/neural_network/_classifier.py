"""SymmetricMLPClassifier."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d, validate_data

from ._base import BaseSymmetricMLP
from ._docs import NOTES, PARAMETERS

__all__ = ["SymmetricMLPClassifier"]


class SymmetricMLPClassifier(ClassifierMixin, BaseSymmetricMLP):

    @property
    def _out_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def fit(self, X, y):
        """Fit the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (or a label-indicator matrix for multilabel problems).

        Returns
        -------
        self : SymmetricMLPClassifier
        """
        X, y = validate_data(self, X, y, multi_output=True, dtype=np.float64)
        check_classification_targets(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self._label_binarizer = LabelBinarizer().fit(y)
        self.classes_ = self._label_binarizer.classes_
        Y = self._label_binarizer.transform(y).astype(float)
        return self._fit(X, Y)

    def _validation_score(self, out, Y):
        return accuracy_score(self._decode(out), self._decode(Y))

    def _decode(self, out):
        if self._label_binarizer.y_type_ == "multiclass":
            return self.classes_[np.argmax(out, axis=1)]
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return (out > 0.5).astype(int)
        return self._label_binarizer.inverse_transform(out, threshold=0.5)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        out = self._forward(X)
        return self._decode(out)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        out = self._forward(X)
        if out.shape[1] == 1 and self._label_binarizer.y_type_ != "multilabel-indicator":
            return np.hstack([1 - out, out])
        return out

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


SymmetricMLPClassifier.__doc__ = f"""Multilayer perceptron classifier with exactly invariant class scores.

    A numpy MLP with scikit-learn's parameters and attributes
    (:class:`~sklearn.neural_network.MLPClassifier`), whose class
    probabilities satisfy ``p(g x) = p(x)`` for every ``g`` in ``group``, for any
    training data: a model trained on ``X`` scores the same on every
    transformed copy ``g X``.

    Parameters
    ----------
{PARAMETERS}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coefs_ : list of ndarray
        Weight matrices, ``coefs_[i]`` of shape (fan_in, fan_out).
    intercepts_ : list of ndarray
        Bias vectors.
    loss_ : float
        Final value of the objective (log-loss plus L2 term).
    best_loss_ : float or None
    loss_curve_ : list of float
        Objective after every iteration (epoch for ``adam``).
    validation_scores_ : list of float or None
        Accuracy on the held-out data per epoch (early stopping only).
    best_validation_score_ : float or None
    n_iter_ : int
    n_layers_ : int
    n_outputs_ : int
    out_activation_ : str
        ``"softmax"`` (multiclass) or ``"logistic"``.
    n_parameters_ : int
        Number of trained coefficients.
    architecture_ : {{"dense", "layers", "gated", "promote"}}
    group_, input_rep_, output_rep_ : Group, Rep, Rep
    hidden_reps_ : list of Rep or None
    lie_singular_values_ : ndarray of shape (q,)
        ``symmetry="promote"`` only: singular values of the network's
        Lie-derivative matrix over the group's generators, at up to max(256, n_symmetry_points)
        training points; small values mark generators the network respects.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    SymmetricMLPRegressor : the regressor.
    sklearn.neural_network.MLPClassifier : the unconstrained network.

    Notes
    -----
{NOTES}

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.groups import Group
    >>> from sksym.neural_network import SymmetricMLPClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 4))
    >>> y = (X[:, 0] * X[:, 1] > 0).astype(int)       # invariant under x -> -x
    >>> flip = Group(discrete_generators=-np.eye(4)[None], name="Z2")
    >>> clf = SymmetricMLPClassifier((16,), activation="tanh", solver="lbfgs", group=flip,
    ...                              random_state=0).fit(X, y)
    >>> bool(np.allclose(clf.predict_proba(-X), clf.predict_proba(X), rtol=0, atol=1e-12))
    True
    """
