"""Groups: Lie-algebra generators plus discrete generators, acting on ``R^d``.

A :class:`Group` is a plain, immutable value object. Built-in constructors return
groups whose Lie-algebra bases are orthonormal in the Frobenius inner product.
"""

from ._group import Group
from ._classical import SO, O, SE, E, T, GL, SL, Scaling, Lorentz, Sp
from ._finite import Permutation, Cyclic, Dihedral, Trivial

__all__ = [
    "Group", "SO", "O", "SE", "E", "T", "GL", "SL", "Scaling", "Lorentz", "Sp",
    "Permutation", "Cyclic", "Dihedral", "Trivial",
]
