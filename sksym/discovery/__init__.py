"""Discover symmetries: the null space of ``xi -> L_xi F`` for a fitted model or a data set.

* :class:`SymmetryDiscovery`: fits a model (or the implicit equations of a data
  set) and returns an orthonormal basis of its symmetry algebra among candidate
  generators, and the group they generate (discover, then enforce);
* :class:`SymmetrySpectrumDisplay`: plots the singular values and the chosen cut.
"""

from ._discovery import SymmetryDiscovery
from ._display import SymmetrySpectrumDisplay

__all__ = ["SymmetryDiscovery", "SymmetrySpectrumDisplay"]
