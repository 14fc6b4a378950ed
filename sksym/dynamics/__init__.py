"""Sparse identification of dynamical systems with symmetry (SINDy).

* :class:`SymmetricSINDy`: sparse regression of ``dx/dt = W Theta(x)``
  restricted exactly to the vector fields that commute with a known group;
* :class:`SymmetryPromotingSINDy`: the same with a nuclear-norm penalty that
  promotes symmetry among candidate generators and reports the ones kept;
* :func:`finite_difference` and :func:`smoothed_finite_difference`: time
  derivatives of sampled trajectories.

Both estimators are scikit-learn regressors: ``fit(X, y)`` with the
derivatives as ``y``, or ``fit(X, t=dt)`` to differentiate the trajectory.
"""

from ._differentiation import finite_difference, smoothed_finite_difference
from ._promoting_sindy import SymmetryPromotingSINDy
from ._sindy import SymmetricSINDy

__all__ = [
    "SymmetricSINDy", "SymmetryPromotingSINDy", "finite_difference", "smoothed_finite_difference",
]
