"""scikit-learn's common checks on SymmetryPromotingRegressor."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sksym.linear_model._symmetry_promoting import SymmetryPromotingRegressor


@parametrize_with_checks([SymmetryPromotingRegressor()])
def test_sklearn_compatible(estimator, check):
    check(estimator)
