"""Linear models on dictionaries with symmetry."""

from ._symmetric_ridge import SymmetricRidge, equivariant_model_basis

__all__ = ["SymmetricRidge", "equivariant_model_basis"]
