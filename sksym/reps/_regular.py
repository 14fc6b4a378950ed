"""The regular representation of a finite group (a permutation representation)."""

from functools import lru_cache

import numpy as np

from ..groups import Group
from ..groups._group import _key   # the same element identity the group's enumeration uses
from ._rep import _LeafRep

__all__ = ["RegularRep"]


@lru_cache(maxsize=32)
def _table(group):
    """Elements of a finite group and a dict from element key to index."""
    elems = group.elements()
    return elems, {_key(e): i for i, e in enumerate(elems)}


class RegularRep(_LeafRep):
    """The regular representation of a finite group: it permutes the group's elements.

    ``rho(g)`` is the permutation matrix of ``h -> g h`` on the enumerated
    elements (``group.elements()``), so the representation has size
    ``group.order``. Permutation representations commute with every pointwise
    activation, so copies of this representation are the default hidden layers
    of :class:`~sksym.neural_network.SymmetricMLPRegressor` and
    :class:`~sksym.neural_network.SymmetricMLPClassifier` for
    finite groups.

    Parameters
    ----------
    group : Group, default=None
        A finite group (bind later with ``RegularRep()(group)``).

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.groups import Group
    >>> from sksym.reps import RegularRep
    >>> flip = Group(discrete_generators=-np.eye(3)[None])
    >>> rep = RegularRep(flip)
    >>> rep.size
    2
    >>> rep.rho(-np.eye(3))
    array([[0., 1.],
           [1., 0.]])
    """

    def __init__(self, group=None):
        if group is not None:
            if not isinstance(group, Group):
                raise TypeError(f"group must be a sksym Group; got {type(group).__name__}.")
            if not group.is_finite or not np.isfinite(group.order):
                raise ValueError(
                    f"RegularRep needs a finite group of at most 50 000 elements; {group} "
                    "has a continuous part or is too large."
                )
        object.__setattr__(self, "group", group)

    def __repr__(self):
        return "RegularRep" if self.group is None else f"RegularRep({self.group})"

    @property
    def size(self):
        return int(self._require_group().order)

    def _rho(self, g):
        elems, index = _table(self.group)
        n = len(elems)
        out = np.zeros((g.shape[0], n, n))
        for t, gt in enumerate(g):
            prod = gt @ elems
            for j, p in enumerate(prod):
                i = index.get(_key(p))
                if i is None:
                    raise ValueError(f"The matrix passed to rho is not an element of {self.group}.")
                out[t, i, j] = 1.0
        return out

    def _drho(self, A):
        return np.zeros((A.shape[0], self.size, self.size))

    def _tau(self, g, infinitesimal):
        return np.zeros((g.shape[0], self.size))
