"""scikit-learn's common checks on SymmetryDiscovery."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sksym.discovery import SymmetryDiscovery


def _expected_failed_checks(estimator):
    # Every common check applies to both targets; none is expected to fail.
    return {}


@parametrize_with_checks(
    [SymmetryDiscovery(random_state=0), SymmetryDiscovery(target="data", random_state=0)],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
