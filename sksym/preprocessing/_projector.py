"""Projection of samples onto the fixed subspace of a representation, along its invariant complement."""

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_rank_tol, resolve_reps

__all__ = ["SymmetryProjector"]


class SymmetryProjector(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Project each sample onto the fixed subspace of the group.

    The fixed subspace ``{x : rho(g) x = x for all g}`` is the null space of the
    stacked Lie-algebra and discrete-generator constraints. The projection is
    along the invariant complement (the common zeros of the invariant linear
    functionals), so it commutes with the action: for a finite group it is the
    Reynolds operator ``x -> mean_g rho(g) x``, and for an action by orthogonal
    matrices it is the orthogonal projector. An action that is not completely
    reducible (a shear) has no such projection, and ``fit`` raises a
    ``ValueError``.

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
        The projector ``P`` (on column vectors: ``transform`` returns
        ``X P^T``); ``Q Q^T`` for orthogonal actions.
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
        tol = check_rank_tol(self.tol)
        X = validate_data(self, X)
        group, rep, _ = resolve_reps(self.group, self.input_rep, None, X.shape[1])
        if rep.is_affine:
            raise ValueError(
                f"SymmetryProjector needs a linear action, but {group} translates the "
                "features (an affine group has no fixed points); use a linear group or "
                "an input_rep without translations."
            )
        Q = rep.equivariant_basis(tol=tol)
        # the projector must commute with the action: onto the fixed subspace
        # along its invariant complement, the common zeros of the invariant
        # functionals (the dual's fixed vectors L); Q Q^T when the action is
        # orthogonal (L spans the same space). Q Q^T alone, for a conjugated
        # permutation, gave outputs that changed by up to 8 under the group.
        L = rep.T.equivariant_basis(tol=tol) if Q.shape[1] else Q
        A = L.T @ Q
        if L.shape[1] != Q.shape[1] or (Q.shape[1] and np.linalg.cond(A) > 1.0 / max(tol, 1e-12)):
            raise ValueError(
                f"The action of {group} on the features has no invariant complement to its "
                f"fixed subspace ({Q.shape[1]} fixed directions, {L.shape[1]} invariant "
                "functionals): it is not completely reducible (a shear, for example), so no "
                "projection onto the fixed subspace commutes with it."
            )
        self.components_ = Q.T
        self.projection_ = Q @ np.linalg.solve(A, L.T) if Q.shape[1] else Q @ Q.T
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
        return X @ self.projection_.T

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
        return X @ self.projection_.T
