"""Checks of scalar arguments (private; no sksym imports, so any module can use them)."""

import numbers

import numpy as np

__all__ = []


def check_real(value, name, low=None, high=None, low_open=False, high_open=False):
    """``value`` as a float if it is a finite real number (not a bool) in the
    given range; a ``ValueError`` naming ``name`` and the range otherwise."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and bool(np.isfinite(value))
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        if high is None and low is None:
            expected = "a finite float"
        elif high is None and low == 0:
            expected = f"a {'positive' if low_open else 'non-negative'} finite float"
        elif high is None:
            expected = f"a float {'>' if low_open else '>='} {low:g}"
        else:
            lo = "(" if low_open else "["
            hi = ")" if high_open else "]"
            expected = f"a float in {lo}{'-inf' if low is None else f'{low:g}'}, {high:g}{hi}"
        raise ValueError(f"{name} must be {expected}; got {value!r}.")
    return float(value)


def check_rank_tol(tol, name="tol"):
    """A relative singular-value threshold: in [0, 1) (at 1 every direction of a
    null-space computation counts as zero: all 35 monomials of degree <= 4 in
    3 variables came out as "SO(3)-invariant")."""
    return check_real(tol, name, low=0.0, high=1.0, high_open=True)


def check_input_features(estimator, input_features):
    """Check ``get_feature_names_out``'s ``input_features`` against the inputs
    seen in ``fit`` (their number, and their names when ``fit`` saw names), as
    scikit-learn's transformers do."""
    if input_features is None:
        return
    names = np.asarray(input_features, dtype=object)
    n = estimator.n_features_in_
    if names.ndim != 1 or names.shape[0] != n:
        raise ValueError(
            f"input_features should have length equal to the number of features seen in fit "
            f"({n}); got {names.shape[0] if names.ndim == 1 else names.shape}."
        )
    fitted = getattr(estimator, "feature_names_in_", None)
    if fitted is not None and not np.array_equal(fitted, names):
        raise ValueError(
            f"input_features is not equal to feature_names_in_: {list(names)} != {list(fitted)}."
        )
