"""Time derivatives of sampled trajectories (second-order finite differences)."""

import numbers

import numpy as np
from sklearn.utils import check_array

__all__ = ["finite_difference", "smoothed_finite_difference"]

_STENCIL = 3


def check_times(t, n_samples, name="t"):
    """Times of one trajectory as an increasing float array of length ``n_samples``.

    ``t`` is a positive time step (scalar) or an array of times.
    """
    if isinstance(t, numbers.Real) and not isinstance(t, bool):
        dt = float(t)
        if not np.isfinite(dt) or dt <= 0:
            raise ValueError(f"{name} as a time step must be a positive finite float; got {t!r}.")
        return dt * np.arange(n_samples)
    try:
        raw = np.asarray(t)
        # numbers only: not booleans, strings, complex numbers or dates (a
        # timedelta64 would be read in nanoseconds)
        if raw.dtype.kind not in "iufO" or (raw.dtype.kind == "O" and not all(
                isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in raw.ravel())):
            raise TypeError
        times = raw.astype(float)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a positive time step or an array of times; got {type(t).__name__}"
            f"{'' if not isinstance(t, (str, bool, np.bool_)) else f' {t!r}'}."
        ) from exc
    if times.ndim == 0:
        return check_times(float(times), n_samples, name)
    if times.ndim != 1 or times.shape[0] != n_samples:
        raise ValueError(
            f"{name} must have one time per sample: expected shape ({n_samples},); got {times.shape}."
        )
    if not np.all(np.isfinite(times)):
        raise ValueError(f"{name} contains NaN or infinity.")
    if np.any(np.diff(times) <= 0):
        raise ValueError(f"{name} must be strictly increasing.")
    return times


def _check_trajectory(X, t, min_samples, what):
    X = check_array(X, dtype=np.float64, ensure_min_samples=1, input_name="X")
    n = X.shape[0]
    if n < min_samples:
        raise ValueError(
            f"The trajectory has {n} sample(s), shorter than the {min_samples}-point stencil "
            f"of {what}; pass a longer trajectory (or the derivatives as y)."
        )
    return X, check_times(t, n)


def finite_difference(X, t):
    """Second-order finite-difference time derivative of one trajectory.

    Centered three-point differences inside, one-sided three-point differences
    at both ends (the scheme of pysindy's default ``FiniteDifference``); exact
    for trajectories that are quadratic in time, on uniform or non-uniform
    grids.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_states)
        States, one row per time.
    t : float or array-like of shape (n_samples,)
        Time step, or strictly increasing times.

    Returns
    -------
    X_dot : ndarray of shape (n_samples, n_states)

    Raises
    ------
    ValueError
        If ``t`` is not increasing, does not match ``X``, the trajectory has
        fewer than 3 samples, or ``X`` contains NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.dynamics import finite_difference
    >>> t = np.linspace(0, 1, 5)
    >>> finite_difference(t[:, None] ** 2, t).ravel().tolist()
    [0.0, 0.5, 1.0, 1.5, 2.0]
    """
    X, t = _check_trajectory(X, t, _STENCIL, "finite_difference")
    n = X.shape[0]
    # stencil (a, b, c) and evaluation point e for every sample
    centre = np.clip(np.arange(n), 1, n - 2)
    ia, ib, ic = centre - 1, centre, centre + 1
    ta, tb, tc, te = t[ia], t[ib], t[ic], t
    wa = (2 * te - tb - tc) / ((ta - tb) * (ta - tc))
    wb = (2 * te - ta - tc) / ((tb - ta) * (tb - tc))
    wc = (2 * te - ta - tb) / ((tc - ta) * (tc - tb))
    return wa[:, None] * X[ia] + wb[:, None] * X[ib] + wc[:, None] * X[ic]


def smoothed_finite_difference(X, t, window_length=11, polyorder=3, return_smoothed=False):
    """Finite-difference derivative after Savitzky-Golay smoothing (for noisy data).

    The states are smoothed with :func:`scipy.signal.savgol_filter` along time
    (in sample index, as pysindy's ``SmoothedFiniteDifference`` does), then
    differentiated by :func:`finite_difference`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_states)
        States, one row per time.
    t : float or array-like of shape (n_samples,)
        Time step, or strictly increasing times.
    window_length : int, default=11
        Odd length of the smoothing window; the trajectory must be at least
        this long.
    polyorder : int, default=3
        Degree of the local polynomials, smaller than ``window_length``.

    return_smoothed : bool, default=False
        Also return the smoothed states. The SINDy estimators fit on them
        (as pysindy does), which reduces the errors-in-variables bias.

    Returns
    -------
    X_dot : ndarray of shape (n_samples, n_states)
    X_smooth : ndarray of shape (n_samples, n_states)
        The smoothed states (if ``return_smoothed``).

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.dynamics import smoothed_finite_difference
    >>> t = np.linspace(0, 2, 41)
    >>> X = np.c_[np.sin(t), t ** 3]
    >>> bool(np.allclose(smoothed_finite_difference(X, t), np.c_[np.cos(t), 3 * t ** 2], atol=1e-2))
    True
    """
    from scipy.signal import savgol_filter

    if (not isinstance(window_length, numbers.Integral) or isinstance(window_length, bool)
            or window_length < _STENCIL or window_length % 2 == 0):
        raise ValueError(f"window_length must be an odd integer >= 3; got {window_length!r}.")
    if not isinstance(polyorder, numbers.Integral) or not 0 <= polyorder < window_length:
        raise ValueError(
            f"polyorder must be a non-negative integer smaller than window_length; got {polyorder!r}."
        )
    X, t = _check_trajectory(X, t, int(window_length), "smoothed_finite_difference")
    Xs = savgol_filter(X, int(window_length), int(polyorder), axis=0)
    X_dot = finite_difference(Xs, t)
    return (X_dot, Xs) if return_smoothed else X_dot


_METHODS = {
    "finite_difference": finite_difference,
    "smoothed_finite_difference": smoothed_finite_difference,
}


def _smooth_and_differentiate(X, t):
    X_dot, Xs = smoothed_finite_difference(X, t, return_smoothed=True)
    return Xs, X_dot


def resolve_differentiation(method):
    """The callable ``(X, t) -> (X_used, X_dot)`` for a ``differentiation`` parameter
    (``X_used`` is the smoothed trajectory for the smoothed method, else ``X``)."""
    if isinstance(method, str):
        if method not in _METHODS:
            raise ValueError(
                f"differentiation must be one of {sorted(_METHODS)} or a callable (X, t) -> X_dot; "
                f"got {method!r}."
            )
        if method == "smoothed_finite_difference":
            return _smooth_and_differentiate
        return lambda X, t: (X, finite_difference(X, t))
    if callable(method):
        return lambda X, t: (X, method(X, t))
    raise TypeError(
        f"differentiation must be one of {sorted(_METHODS)} or a callable (X, t) -> X_dot; "
        f"got {type(method).__name__}."
    )
