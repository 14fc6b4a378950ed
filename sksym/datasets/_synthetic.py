"""Synthetic regression problems with a known symmetry, generated offline."""

import numbers

import numpy as np
from sklearn.utils import check_random_state

from .._checks import check_real

__all__ = ["make_rotation_invariant_regression"]


def make_rotation_invariant_regression(n_samples=100, n_features=3, noise=0.0, random_state=None):
    """A smooth SO(n)-invariant target ``y = exp(-|x|^2 / 2)`` on a cube.

    Inputs are uniform in ``[-1.5, 1.5]^n_features``; the target depends on
    ``x`` only through ``|x|``, so it is invariant under O(n).

    Parameters
    ----------
    n_samples : int, default=100
        Number of samples.
    n_features : int, default=3
        Dimension of the inputs.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to ``y``.
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from sksym.datasets import make_rotation_invariant_regression
    >>> X, y = make_rotation_invariant_regression(10, random_state=0)
    >>> X.shape, y.shape
    ((10, 3), (10,))
    """
    for name, value in (("n_samples", n_samples), ("n_features", n_features)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    check_real(noise, "noise", low=0.0)
    rng = check_random_state(random_state)
    X = rng.uniform(-1.5, 1.5, size=(int(n_samples), int(n_features)))
    y = np.exp(-0.5 * np.sum(X**2, axis=1))
    if noise:
        y = y + noise * rng.normal(size=y.shape)
    return X, y
