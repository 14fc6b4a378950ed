"""Shared base of the linear models on a dictionary (private)."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["DictionaryRegressor"]


class DictionaryRegressor(RegressorMixin, BaseEstimator):
    """A fitted model ``y = coef_ . library_(x) + intercept_`` (private base)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """Predict with the fitted model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            The model's values ``coef_ . library_(X) + intercept_``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        theta = np.asarray(self.library_.transform(X), dtype=float)
        return theta @ np.asarray(self.coef_).T + self.intercept_
