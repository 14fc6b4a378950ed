"""Transformers that make features symmetric, for any pipeline."""

from ._invariant_features import InvariantPolynomialFeatures
from ._projector import SymmetryProjector

__all__ = ["InvariantPolynomialFeatures", "SymmetryProjector"]
