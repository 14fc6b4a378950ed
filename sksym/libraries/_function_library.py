"""A dictionary from user functions, with their Jacobian."""

import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._checks import check_input_features
from ..exceptions import FiniteDifferenceWarning
from ._jacobian import finite_difference_jacobian

__all__ = ["FunctionLibrary"]


class FunctionLibrary(TransformerMixin, BaseEstimator):
    """A dictionary ``Theta(x)`` built from your own function and its Jacobian.

    This is the documented way to use a non-polynomial dictionary with sksym:
    any fitted transformer with a ``jacobian(X)`` method returning an array of
    shape ``(n_samples, n_output_features, n_features)`` works as a ``library``,
    and this class builds one from two callables.

    Parameters
    ----------
    func : callable
        ``func(X) -> ndarray of shape (n_samples, n_output_features)``.
    jac : callable, default=None
        ``jacobian(X) -> ndarray of shape (n_samples, n_output_features, n_features)``.
        ``None`` means central finite differences (with a
        :class:`~sksym.exceptions.FiniteDifferenceWarning` when sksym uses them).
    feature_names : list of str, default=None
        Names of the output features.

    Attributes
    ----------
    n_features_in_ : int
        Number of input features seen in ``fit``.
    n_output_features_ : int
        Number of dictionary functions.

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.libraries import FunctionLibrary
    >>> lib = FunctionLibrary(
    ...     func=lambda X: np.c_[np.ones(len(X)), np.sin(X)],
    ...     jac=lambda X: np.concatenate(
    ...         [np.zeros((len(X), 1, X.shape[1])),
    ...          np.stack([np.diag(c) for c in np.cos(X)])], axis=1))
    >>> X = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> lib.fit(X).transform(X).shape, lib.jacobian(X).shape
    ((2, 3), (2, 3, 2))
    """

    def __init__(self, func=None, jac=None, feature_names=None):
        self.func = func
        self.jac = jac
        self.feature_names = feature_names

    def fit(self, X, y=None):
        """Check ``func`` on ``X`` and record the number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : FunctionLibrary
        """
        if not callable(self.func):
            raise TypeError(f"func must be callable; got {type(self.func).__name__}.")
        if self.jac is not None and not callable(self.jac):
            raise TypeError(f"jac must be callable or None; got {type(self.jac).__name__}.")
        X = validate_data(self, X)
        out = np.asarray(self.func(X[:2]), dtype=float)
        if out.ndim != 2 or out.shape[0] != min(2, X.shape[0]):
            raise ValueError(f"func(X) must return shape (n_samples, n_output_features); got {out.shape}.")
        self.n_output_features_ = out.shape[1]
        if self.feature_names is not None and len(self.feature_names) != self.n_output_features_:
            raise ValueError(
                f"feature_names has {len(self.feature_names)} names but func returns "
                f"{self.n_output_features_} features."
            )
        return self

    def transform(self, X):
        """Evaluate the dictionary.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Theta : ndarray of shape (n_samples, n_output_features)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return np.asarray(self.func(X), dtype=float)

    def jacobian(self, X):
        """Jacobian of the dictionary at the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        J : ndarray of shape (n_samples, n_output_features, n_features)
            From ``jac``, or by central finite differences (with a
            :class:`~sksym.exceptions.FiniteDifferenceWarning`) if ``jac`` is None.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        if self.jac is None:
            warnings.warn(
                "FunctionLibrary has no jac; using central finite differences.",
                FiniteDifferenceWarning, stacklevel=2,
            )
            return finite_difference_jacobian(self.func, X)
        return np.asarray(self.jac(X), dtype=float)

    def get_feature_names_out(self, input_features=None):
        """Names of the dictionary functions.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Names of the input features, checked against those seen in
            ``fit`` (a mismatch raises a ``ValueError``, as in scikit-learn);
            the output names do not depend on them.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        check_input_features(self, input_features)
        if self.feature_names is not None:
            return np.asarray(self.feature_names, dtype=object)
        return np.asarray([f"f{i}" for i in range(self.n_output_features_)], dtype=object)
