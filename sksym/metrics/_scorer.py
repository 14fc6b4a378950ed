"""A scorer for model selection: negated equivariance error."""

from ..groups import Group
from ..inspection._orbit import equivariance_error

__all__ = ["make_equivariance_scorer"]


class _EquivarianceScorer:
    """Callable scorer ``scorer(estimator, X, y=None)`` (picklable)."""

    def __init__(self, group, input_rep, output_rep, n_samples, random_state, response_method,
                 greater_is_better):
        self.group = group
        self.input_rep = input_rep
        self.output_rep = output_rep
        self.n_samples = n_samples
        self.random_state = random_state
        self.response_method = response_method
        self.greater_is_better = greater_is_better

    def __call__(self, estimator, X, y=None, **kwargs):
        err = equivariance_error(
            estimator, X, self.group, input_rep=self.input_rep, output_rep=self.output_rep,
            n_samples=self.n_samples, random_state=self.random_state,
            response_method=self.response_method,
        )
        return (0.0 - err) if self.greater_is_better else err      # 0.0 - 0.0 is 0.0, not -0.0

    def __repr__(self):
        sign = "neg_" if self.greater_is_better else ""
        return f"make_equivariance_scorer({self.group!r})  # {sign}equivariance_error"


def make_equivariance_scorer(group, *, input_rep=None, output_rep=None, n_samples=None,
                             random_state=0, response_method="auto", greater_is_better=True):
    """Make a scorer that returns the negated relative equivariance error.

    The scorer has scikit-learn's callable-scorer signature
    ``scorer(estimator, X, y=None)`` and returns
    ``-equivariance_error(estimator, X, group, ...)`` (see
    :func:`sksym.inspection.equivariance_error` for the relative-error
    convention), so that larger is better, as with scikit-learn's ``neg_*``
    scorers. ``y`` is ignored. Use it alone or in a multi-metric ``scoring``
    dict of :class:`~sklearn.model_selection.GridSearchCV` or
    :func:`~sklearn.model_selection.cross_validate`.

    Parameters
    ----------
    group : Group
        The symmetry to test.
    input_rep : Rep, default=None
        Action on the inputs (``None``: ``V(group)``).
    output_rep : Rep, default=None
        Action on the outputs (``None``: invariance).
    n_samples : int, default=None
        Sampled elements for Lie groups and large finite groups (default 64);
        small finite groups are enumerated exactly.
    random_state : int, RandomState instance or None, default=0
        Seed for sampled elements; fixed by default so that every candidate
        of a search is scored on the same elements.
    response_method : {"auto", "predict", "predict_proba", "decision_function"}, default="auto"
        See :func:`sksym.inspection.equivariance_error`.
    greater_is_better : bool, default=True
        Return the negated error (scikit-learn convention). ``False`` returns
        the error itself.

    Returns
    -------
    scorer : callable

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.model_selection import cross_validate
    >>> from sksym.groups import Dihedral
    >>> from sksym.inspection import OrbitAveraging
    >>> from sksym.metrics import make_equivariance_scorer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 2))
    >>> y = (X ** 2).sum(axis=1)
    >>> scoring = {"r2": "r2", "equiv": make_equivariance_scorer(Dihedral(4))}
    >>> res = cross_validate(OrbitAveraging(Ridge(), Dihedral(4)), X, y, scoring=scoring, cv=3)
    >>> bool(np.all(np.abs(res["test_equiv"]) < 1e-12))
    True
    """
    if not isinstance(group, Group):
        raise TypeError(f"group must be a sksym Group; got {type(group).__name__}.")
    if response_method not in ("auto", "predict", "predict_proba", "decision_function"):
        raise ValueError(f"Unknown response_method {response_method!r}.")
    return _EquivarianceScorer(group, input_rep, output_rep, n_samples, random_state,
                               response_method, bool(greater_is_better))
