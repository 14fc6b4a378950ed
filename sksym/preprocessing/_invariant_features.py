"""Features spanning the invariant polynomials of a group."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import PolynomialFeatures
from sklearn.utils.validation import check_is_fitted, validate_data

from .._checks import check_input_features
from .._validation import check_rank_tol, resolve_reps
from ..lie import equivariant_model_basis
from ..reps import Scalar

__all__ = ["InvariantPolynomialFeatures"]

_GRADE_CUT = 1e-8      # below this a combination of the (orthonormal) basis rows counts as zero


def _graded_basis(B, degrees, tol):
    """Re-express the rows of ``B`` (orthonormal, shape (r, K)) as an orthonormal
    basis of the same span, ordered by degree: the first rows span the
    invariants of degree <= 0, then <= 1, and so on."""
    rows = []
    for k in range(int(degrees.max(initial=0)) + 1):
        high = degrees > k
        if high.any():
            # combos vanishing above degree k. The cut is absolute (B's rows have
            # unit norm): a relative one counted the round-off of a part that
            # vanishes altogether (about 1e-9 from degree 17 on) as rank
            u, sv, _ = np.linalg.svd(B[:, high], full_matrices=True)
            a = u[:, int(np.sum(sv > max(tol, _GRADE_CUT))):]
        else:
            a = np.eye(B.shape[0])
        Vk = a.T @ B
        if rows:
            prev = np.array(rows)
            Vk = Vk - (Vk @ prev.T) @ prev
        if Vk.size:
            u, sv, _ = np.linalg.svd(Vk.T, full_matrices=False)
            rows.extend(u[:, sv > _GRADE_CUT].T)   # absolute: rows of Vk have unit scale
    out = np.array(rows).reshape(-1, B.shape[1])
    # deterministic signs: largest entry positive
    idx = np.argmax(np.abs(out), axis=1)
    out *= np.sign(out[np.arange(len(out)), idx])[:, None]
    return out


class InvariantPolynomialFeatures(TransformerMixin, BaseEstimator):
    """Features spanning the G-invariant polynomials of degree at most ``degree``.

    Each output feature is a polynomial ``p_j(x) = c_j . Theta(x)`` in the
    monomials ``Theta`` of :class:`~sklearn.preprocessing.PolynomialFeatures`;
    the coefficient vectors ``c_j`` (``components_``) are an orthonormal basis of
    the invariant polynomials, ordered by degree (the first ones span the
    invariants of lowest degree). ``make_pipeline(InvariantPolynomialFeatures(G,
    degree=4), Ridge())`` is therefore an exactly G-invariant model.

    Parameters
    ----------
    group : Group, default=None
        The symmetry group; ``None`` means the trivial group (all monomials).
    degree : int, default=2
        Maximum total degree.
    input_rep : Rep, default=None
        How the group acts on the features; ``None`` means ``V``.
    include_bias : bool, default=True
        Include the constant invariant.
    tol : float, default=1e-10
        Relative null-space tolerance.

    Attributes
    ----------
    components_ : ndarray of shape (n_invariants, n_monomials)
        Coefficients of the invariant polynomials in the monomial basis.
    degrees_ : ndarray of shape (n_invariants,)
        Degree of each invariant feature.
    n_output_features_ : int
        Number of invariant polynomials.
    polynomial_features_ : PolynomialFeatures
        The fitted monomial dictionary.
    group_ : Group
        The group used.
    n_features_in_ : int
        Number of features seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.groups import SO
    >>> from sksym.preprocessing import InvariantPolynomialFeatures
    >>> X = np.random.RandomState(0).normal(size=(5, 3))
    >>> inv = InvariantPolynomialFeatures(SO(3), degree=4).fit(X)
    >>> inv.n_output_features_, inv.degrees_.tolist()
    (3, [0, 2, 4])
    """

    def __init__(self, group=None, degree=2, input_rep=None, include_bias=True, tol=1e-10):
        self.group = group
        self.degree = degree
        self.input_rep = input_rep
        self.include_bias = include_bias
        self.tol = tol

    def fit(self, X, y=None):
        """Compute the invariant polynomials for the data's dimension.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : InvariantPolynomialFeatures
        """
        if not isinstance(self.degree, numbers.Integral) or isinstance(self.degree, bool) or self.degree < 0:
            raise ValueError(f"degree must be a non-negative integer; got {self.degree!r}.")
        tol = check_rank_tol(self.tol)
        X = validate_data(self, X)
        self.group_, in_rep, out_rep = resolve_reps(self.group, self.input_rep, None, X.shape[1], 1)
        self.polynomial_features_ = PolynomialFeatures(
            degree=int(self.degree), include_bias=bool(self.include_bias)
        ).fit(X)
        B = equivariant_model_basis(self.polynomial_features_, in_rep, Scalar(self.group_), tol=tol)[:, 0, :]
        mono_deg = self.polynomial_features_.powers_.sum(axis=1)
        C = _graded_basis(B, mono_deg, tol) if B.shape[0] else B
        self.components_ = C
        self.degrees_ = (
            np.array([int(mono_deg[np.abs(c) > 1e-9].max(initial=0)) for c in C], dtype=int)
        )
        self.n_output_features_ = C.shape[0]
        return self

    def transform(self, X):
        """Evaluate the invariant polynomials.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_invariants)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self.polynomial_features_.transform(X) @ self.components_.T

    def get_feature_names_out(self, input_features=None):
        """Names ``inv0, inv1, ...`` of the invariant features.

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
        return np.asarray([f"inv{i}" for i in range(self.n_output_features_)], dtype=object)
