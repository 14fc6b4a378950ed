"""scikit-learn's common checks on the SINDy estimators, with default arguments.

All checks pass for both estimators. For SymmetryPromotingSINDy the full list
is marked slow: with default arguments its candidates are gl(n_features)
(100 generators on the checks' 10-feature data), and the multi-output check
alone takes ~20 s on 2 cores; a representative subset runs by default.
"""

import pytest
from sklearn.utils import estimator_checks as ec
from sklearn.utils.estimator_checks import parametrize_with_checks

from sksym.dynamics import SymmetricSINDy, SymmetryPromotingSINDy


@parametrize_with_checks([SymmetricSINDy()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.slow
@parametrize_with_checks([SymmetryPromotingSINDy()])
def test_sklearn_compatible_promoting(estimator, check):
    check(estimator)


@pytest.mark.parametrize("check", [
    ec.check_fit_score_takes_y, ec.check_estimators_dtypes, ec.check_estimators_pickle,
    ec.check_regressors_train, ec.check_fit2d_1sample, ec.check_estimators_nan_inf,
    ec.check_n_features_in_after_fitting, ec.check_requires_y_none, ec.check_fit_idempotent,
    ec.check_dont_overwrite_parameters, ec.check_estimators_unfitted,
], ids=lambda c: c.__name__)
def test_sklearn_compatible_promoting_subset(check):
    check("SymmetryPromotingSINDy", SymmetryPromotingSINDy())
