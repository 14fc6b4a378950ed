"""The Lie-derivative core: one bilinear operator, used by every estimator.

* :class:`LieDerivative`: for ``F(x) = W Theta(x)``, the constraint blocks on
  ``W`` (enforce) and, for fixed ``W``, the matrix of ``L_xi_j W`` (discover,
  promote);
* :func:`unisolvent_points`: where polynomial operators are evaluated exactly;
* :func:`symmetry_spectrum` and :func:`select_n_symmetries`: the spectrum of
  ``xi -> L_xi F`` and the rank rule (discover, promote);
* :func:`null_space` and :func:`principal_angles`: linear algebra with explicit
  tolerances.
"""

from .._linalg import null_space, principal_angles, orthonormal_span
from ._operator import LieDerivative, unisolvent_points
from ._model_basis import equivariant_model_basis
from ._spectrum import perturbation_noise_level, select_n_symmetries, symmetry_spectrum

__all__ = [
    "LieDerivative", "unisolvent_points", "equivariant_model_basis", "null_space", "principal_angles", "orthonormal_span",
    "symmetry_spectrum", "select_n_symmetries", "perturbation_noise_level",
]
