"""Convex solvers for the promote problems.

The promote problems penalise (or minimise) the nuclear norm of the matrix
``M(W) = [L_xi_1 W | ... | L_xi_q W]`` of Lie derivatives of the model
``F(x) = W Theta(x)`` along candidate generators:

* :class:`CompressedLieOperator`: ``W -> M(W)`` with its rows compressed by an
  orthonormal basis of their span (nuclear norms unchanged);
* :func:`admm_promote`: the library's own solver (ADMM with singular-value
  thresholding, adaptive penalty, over-relaxation);
* :func:`newton_promote`: Newton's method on a smoothed nuclear norm, with
  continuation (few, dense steps: the fast choice for small problems);
* :func:`solve_promote`: picks between the two by problem size;
* :func:`cvxpy_promote`: the reference backend (cvxpy with Clarabel or SCS);
* :func:`prox_nuclear_norm` and :func:`promote_objective`: building blocks.
"""

from ._admm import PromoteSolution, admm_promote
from ._cvxpy import cvxpy_promote
from ._newton import newton_promote, solve_promote
from ._nuclear import CompressedLieOperator, promote_objective, prox_nuclear_norm

__all__ = [
    "CompressedLieOperator", "PromoteSolution", "admm_promote", "cvxpy_promote",
    "newton_promote", "promote_objective", "prox_nuclear_norm", "solve_promote",
]
