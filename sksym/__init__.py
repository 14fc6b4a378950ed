"""sksym: symmetry for scikit-learn.

Enforce a known symmetry, discover the symmetries of data and fitted models, and
promote symmetry among candidates, all through one bilinear object: the Lie
derivative of a model along a symmetry generator.

Groups live in :mod:`sksym.groups`, representations in :mod:`sksym.reps`; the
estimators and transformers are importable from here and from their submodules.
"""

__version__ = "0.1.0.dev0"

from .linear_model import SymmetricRidge, SymmetryPromotingRegressor
from .dynamics import SymmetricSINDy, SymmetryPromotingSINDy
from .discovery import SymmetryDiscovery, SymmetrySpectrumDisplay
from .neural_network import SymmetricMLPClassifier, SymmetricMLPRegressor
from .preprocessing import InvariantPolynomialFeatures, SymmetryProjector
from .inspection import OrbitAveraging, equivariance_error, orbit_accuracy
from .metrics import make_equivariance_scorer
from . import groups, reps, lie, libraries, exceptions, inspection, metrics, discovery, neural_network, datasets, solvers, dynamics

__all__ = [
    "SymmetricRidge",
    "SymmetryPromotingRegressor",
    "SymmetricSINDy",
    "SymmetryPromotingSINDy",
    "SymmetryDiscovery",
    "SymmetrySpectrumDisplay",
    "SymmetricMLPRegressor",
    "SymmetricMLPClassifier",
    "InvariantPolynomialFeatures",
    "SymmetryProjector",
    "OrbitAveraging",
    "equivariance_error",
    "orbit_accuracy",
    "make_equivariance_scorer",
    "groups",
    "reps",
    "lie",
    "libraries",
    "exceptions",
    "inspection",
    "discovery",
    "neural_network",
    "datasets",
    "solvers",
    "dynamics",
    "metrics",
    "__version__",
]
