"""Synthetic problems with known symmetry, built offline."""

from ._synthetic import make_rotation_invariant_regression

__all__ = ["make_rotation_invariant_regression"]
