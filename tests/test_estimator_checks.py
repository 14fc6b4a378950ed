"""scikit-learn's common checks on every public estimator, with default arguments."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sksym import InvariantPolynomialFeatures, SymmetricRidge, SymmetryProjector


@parametrize_with_checks([SymmetricRidge(), InvariantPolynomialFeatures(), SymmetryProjector()])
def test_sklearn_compatible(estimator, check):
    check(estimator)
