"""Linear models on dictionaries with symmetry."""

from ._symmetric_ridge import SymmetricRidge

__all__ = ["SymmetricRidge"]
