"""Symmetric multilayer perceptrons (numpy).

:class:`SymmetricMLPRegressor` and :class:`SymmetricMLPClassifier` are
scikit-learn's MLPs whose weights are combinations of equivariant bases (finite
groups; hidden layers carry copies of a representation the activation allows,
by default :class:`~sksym.reps.RegularRep`) or gated blocks of equivariant
polynomials and invariant features (Lie groups), so the fitted networks are
exactly equivariant; or, with ``symmetry="promote"``, unconstrained networks
with a nuclear-norm penalty on their Lie derivatives.
"""

from ._classifier import SymmetricMLPClassifier
from ._regressor import SymmetricMLPRegressor

__all__ = ["SymmetricMLPRegressor", "SymmetricMLPClassifier"]
