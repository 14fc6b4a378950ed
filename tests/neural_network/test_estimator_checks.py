"""scikit-learn's common checks with default arguments (group=None)."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sksym.neural_network import SymmetricMLPClassifier, SymmetricMLPRegressor


def _expected_failed_checks(estimator):
    return {}


@parametrize_with_checks(
    [SymmetricMLPRegressor(), SymmetricMLPClassifier()],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
