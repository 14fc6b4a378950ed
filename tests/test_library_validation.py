"""Every estimator on a dictionary checks what its library produces."""

import numpy as np
import pytest
from sklearn.preprocessing import FunctionTransformer, SplineTransformer

from sksym.discovery import SymmetryDiscovery
from sksym.dynamics import SymmetricSINDy, SymmetryPromotingSINDy
from sksym.groups import SO
from sksym.libraries import FunctionLibrary
from sksym.linear_model import SymmetricRidge, SymmetryPromotingRegressor

ESTIMATORS = {
    "SymmetryPromotingRegressor": lambda lib: SymmetryPromotingRegressor(candidates=SO(2), library=lib),
    "SymmetricRidge": lambda lib: SymmetricRidge(group=SO(2), library=lib),
    "SymmetricSINDy": lambda lib: SymmetricSINDy(library=lib),
    "SymmetryPromotingSINDy": lambda lib: SymmetryPromotingSINDy(candidates=SO(2), library=lib),
    "SymmetryDiscovery": lambda lib: SymmetryDiscovery(candidates=SO(2), library=lib),
}

EMPTY = FunctionLibrary(func=lambda X: np.zeros((len(X), 0)), jac=lambda X: np.zeros((len(X), 0, 2)))
LOG = FunctionLibrary(func=lambda X: np.c_[np.log(X[:, 0]), X[:, 1]],
                      jac=lambda X: np.stack([np.c_[1 / X[:, 0], 0 * X[:, 0]],
                                              np.c_[0 * X[:, 0], 1 + 0 * X[:, 0]]], axis=1))
WRONG_ROWS = FunctionTransformer(lambda X: X[:-1])      # a transformer that drops a sample


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
@pytest.mark.parametrize("library, message", [
    (EMPTY, r"library FunctionLibrary produced no features \(shape \(20, 0\)\)"),
    (LOG, "library FunctionLibrary produced non-finite values on the training inputs"),
    (WRONG_ROWS, r"must transform X of shape \(20, 2\) into an array of shape .*\(20, K\); got shape \(19, 2\)"),
    (SplineTransformer(sparse_output=True), "library SplineTransformer returns a sparse matrix"),
])
def test_a_bad_library_is_named(name, library, message):
    # these failed deep inside: "cannot reshape array of size 0", "A has a NaN
    # entry", LAPACK's "illegal value in 4-th argument of internal gelsd"
    X = np.random.RandomState(0).uniform(-1, 1, size=(20, 2))
    y = np.c_[X[:, 1], -X[:, 0]] if "SINDy" in name else X[:, 0] ** 2
    with np.errstate(all="ignore"), pytest.raises(ValueError, match=message):
        ESTIMATORS[name](library).fit(X, y)



def test_check_library_returns_the_features_it_checked():
    # the estimators reuse them instead of transforming X a second time
    from sklearn.preprocessing import PolynomialFeatures
    from sksym._validation import check_library
    X = np.random.RandomState(0).uniform(-1, 1, size=(20, 2)).astype(np.float32)
    library, theta = check_library(PolynomialFeatures(3), X)
    assert theta.dtype == np.float64
    np.testing.assert_array_equal(theta, library.transform(X))
    assert check_library(None, X)[0].degree == 2
