"""Orthogonal projection of samples onto the fixed subspace of a representation."""

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_tol, resolve_reps

__all__ = ["SymmetryProjector"]


class SymmetryProjector(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Project each sample orthogonally onto the fixed subspace of the group.

    The fixed subspace ``{x : rho(g) x = x for all g}`` is the null space of the
    stacked Lie-algebra and discrete-generator constraints. For a finite group
    acting by orthogonal matrices the projection equals the Reynolds operator
    ``x -> mean_g rho(g) x``; for a Lie group it is the orthogonal projector onto
    the null space of ``drho``.

    Parameters
    ----------
    group : Group, default=None
        The group; ``None`` means the trivial group (the identity map).
    input_rep : Rep, default=None
        How the group acts on the features; ``None`` means ``V``. Must be a linear
        action (translations have no fixed points).
    tol : float, default=1e-10
        Relative null-space tolerance.

    Attributes
    ----------
    projection_ : ndarray of shape (n_features, n_features)
        The orthogonal projector ``Q Q^T``.
    components_ : ndarray of shape (n_fixed, n_features)
        Orthonormal basis ``Q^T`` of the fixed subspace.
    n_components_ : int
        Dimension of the fixed subspace.
    n_features_in_ : int
        Number of features seen in ``fit``.

    Notes
    -----
    ``transform`` keeps the ambient coordinates, so its output has the same
    columns as its input. The projection forgets the non-symmetric component;
    ``inverse_transform`` therefore returns the projected points themselves (the
    fixed vectors are their own canonical representatives): it is a right
    inverse, ``transform(inverse_transform(Z)) == Z`` for projected ``Z``, not a
    left inverse.

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.groups import Permutation
    >>> from sksym.preprocessing import SymmetryProjector
    >>> X = np.array([[1.0, 2.0, 3.0, 6.0]])
    >>> SymmetryProjector(Permutation(4)).fit_transform(X)
    array([[3., 3., 3., 3.]])
    """

    def __init__(self, group=None, input_rep=None, tol=1e-10):
        self.group = group
        self.input_rep = input_rep
        self.tol = tol

    def fit(self, X, y=None):
        """Compute the fixed subspace for the data's dimension.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : SymmetryProjector
        """
        tol = check_tol(self.tol)
        X = validate_data(self, X)
        group, rep, _ = resolve_reps(self.group, self.input_rep, None, X.shape[1])
        if rep.is_affine:
            raise ValueError(
                f"SymmetryProjector needs a linear action, but {group} translates the "
                "features (an affine group has no fixed points); use a linear group or "
                "an input_rep without translations."
            )
        Q = rep.equivariant_basis(tol=tol)
        self.components_ = Q.T
        self.projection_ = Q @ Q.T
        self.n_components_ = Q.shape[1]
        return self

    def transform(self, X):
        """Project onto the fixed subspace.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return X @ self.projection_

    def inverse_transform(self, X):
        """Return the projected points (see Notes): a right inverse.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            ``X`` projected onto the fixed subspace.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return X @ self.projection_
