"""Symmetries of trained networks and symmetry metrics.

- Intertwiner groups of activations (Godfrey et al., NeurIPS 2022):
  :func:`intertwiner_group`, :func:`sample_intertwiner`, :func:`is_intertwiner`,
  :func:`homogeneity_defect`.
- Weight-space symmetry of fitted MLPs: :func:`apply_intertwiner`,
  :func:`canonicalize_mlp`, :func:`hidden_activations`.
- Alignment and linear mode connectivity: :func:`align_mlps`,
  :func:`interpolation_barrier`.
- Representation similarity with a stated invariance group: :func:`linear_cka`,
  :func:`orthogonal_procrustes_similarity`, :func:`permutation_similarity`,
  :func:`grelu_procrustes_similarity`, :func:`grelu_cka`.
- Model stitching: :func:`stitch`, :func:`stitching_penalty`.
- Orbit tools: :func:`equivariance_error`, :func:`orbit_accuracy`,
  :class:`OrbitAveraging`.

Networks are scikit-learn's fitted :class:`~sklearn.neural_network.MLPRegressor`
and :class:`~sklearn.neural_network.MLPClassifier`, or any object with the same
``coefs_``, ``intercepts_`` and ``activation`` attributes. Hidden layers are
indexed from 0 (the first hidden layer) to ``len(coefs_) - 2``.
"""

from ._intertwiners import (
    IntertwinerGroup,
    homogeneity_defect,
    intertwiner_group,
    is_intertwiner,
    sample_intertwiner,
)
from ._weight_space import apply_intertwiner, canonicalize_mlp, hidden_activations
from ._alignment import align_mlps, interpolation_barrier
from ._similarity import (
    grelu_cka,
    grelu_procrustes_similarity,
    linear_cka,
    orthogonal_procrustes_similarity,
    permutation_similarity,
)
from ._stitching import StitchedMLP, stitch, stitching_penalty
from ._orbit import OrbitAveraging, equivariance_error, orbit_accuracy

__all__ = [
    "IntertwinerGroup",
    "intertwiner_group",
    "sample_intertwiner",
    "is_intertwiner",
    "homogeneity_defect",
    "apply_intertwiner",
    "canonicalize_mlp",
    "hidden_activations",
    "align_mlps",
    "interpolation_barrier",
    "linear_cka",
    "orthogonal_procrustes_similarity",
    "permutation_similarity",
    "grelu_procrustes_similarity",
    "grelu_cka",
    "StitchedMLP",
    "stitch",
    "stitching_penalty",
    "equivariance_error",
    "orbit_accuracy",
    "OrbitAveraging",
]
