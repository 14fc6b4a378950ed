"""Dictionaries (libraries) ``Theta(x)`` with their Jacobians.

scikit-learn's :class:`~sklearn.preprocessing.PolynomialFeatures` works as a
library directly (its Jacobian is exact, from ``powers_``). Any other fitted
transformer with a ``jacobian(X)`` method returning
``(n_samples, n_output_features, n_features)`` works too;
:class:`FunctionLibrary` builds one from two callables. Transformers without a
Jacobian fall back to finite differences, with a warning.
"""

from ._function_library import FunctionLibrary
from ._jacobian import library_jacobian, library_degree, polynomial_jacobian

__all__ = ["FunctionLibrary", "library_jacobian", "library_degree", "polynomial_jacobian"]
