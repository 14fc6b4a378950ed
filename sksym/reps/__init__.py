"""Representations: how a group acts on a model's inputs and outputs.

Build them from :data:`V` (the group's own action) and :data:`Scalar` with ``+``,
integer multiples, ``*`` (tensor product), ``.T`` (dual) and ``>>`` (linear maps),
then bind a group: ``(V + V)(SO(3))``.
"""

from ._rep import Rep, BaseRep, ScalarRep, SumRep, TensorRep, DualRep, LinearPartRep, V, Scalar
from ._regular import RegularRep

__all__ = [
    "Rep", "BaseRep", "ScalarRep", "SumRep", "TensorRep", "DualRep", "LinearPartRep", "RegularRep", "V", "Scalar",
]
