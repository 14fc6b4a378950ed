"""Symmetry metrics usable in scikit-learn model selection.

:func:`make_equivariance_scorer` turns :func:`sksym.inspection.equivariance_error`
into a scorer for :class:`~sklearn.model_selection.GridSearchCV` and
:func:`~sklearn.model_selection.cross_validate`.
"""

from ._scorer import make_equivariance_scorer

__all__ = ["make_equivariance_scorer"]
