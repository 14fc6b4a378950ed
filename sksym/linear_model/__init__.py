"""Linear models on dictionaries with symmetry."""

from ._symmetric_ridge import SymmetricRidge
from ._symmetry_promoting import SymmetryPromotingRegressor

__all__ = ["SymmetricRidge", "SymmetryPromotingRegressor"]
