"""What the SINDy estimators share: trajectories in, derivatives, predict,
score, simulate, equations (private)."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.preprocessing import PolynomialFeatures
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, validate_data

from ._differentiation import check_times, resolve_differentiation

__all__ = []


def _is_trajectory_list(X):
    return isinstance(X, (list, tuple)) and len(X) > 0 and np.ndim(X[0]) == 2


def _per_trajectory_times(t, n_traj):
    """``t`` for each trajectory: a step or one array of times shared by all,
    or a list of one per trajectory."""
    if isinstance(t, (list, tuple)) and len(t) == n_traj:
        return list(t)
    if t is None or np.isscalar(t) or (isinstance(t, np.ndarray) and t.ndim <= 1):
        return [t] * n_traj
    raise ValueError(
        f"With {n_traj} trajectories, t must be a time step, one numpy array of times "
        f"shared by all, or a list of {n_traj} items (one per trajectory)."
    )


def _per_trajectory_targets(y, n_traj):
    """``y`` for each trajectory: a list of one array per trajectory (or, for a
    single trajectory, its array)."""
    if isinstance(y, (list, tuple)) and len(y) == n_traj:
        return list(y)
    if n_traj == 1 and isinstance(y, np.ndarray) and y.ndim in (1, 2):
        return [y]                   # one trajectory: its derivatives, unambiguously
    raise ValueError(
        f"With a list of {n_traj} trajectories, y must be a list of {n_traj} arrays (the "
        f"derivatives of each trajectory, row for row); got {type(y).__name__}"
        f"{f' of length {len(y)}' if isinstance(y, (list, tuple)) else ''}."
    )


def _no_target_error(estimator):
    return ValueError(
        f"{type(estimator).__name__} requires y to be passed, but the target y is None: pass the "
        "time derivatives as y, or the sample times (or time step) as t to differentiate X."
    )


class _BaseSINDy(RegressorMixin, BaseEstimator):
    """Base class: ``dx/dt = W Theta(x)`` fitted from trajectories or derivatives."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # ------------------------------------------------------------------ data
    def _derivatives(self, X, t):
        """Differentiate one trajectory: (states to fit on, derivatives)."""
        diff = resolve_differentiation(self.differentiation)
        Xa = check_array(X, dtype=np.float64, input_name="X")
        Xu, Xd = diff(Xa, t)
        try:
            Xd = np.asarray(Xd, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                f"differentiation returned {type(Xd).__name__}, not an array of shape {Xa.shape}."
            ) from None
        if Xd.shape != Xa.shape:
            raise ValueError(
                f"differentiation returned shape {Xd.shape}, expected {Xa.shape}."
            )
        return (X if Xu is Xa else Xu), Xd

    def _collect(self, X, y, t, reset):
        """Stack trajectories and their derivatives; validate. Returns X, Y (2-D), y_1d."""
        resolve_differentiation(self.differentiation)          # checked even when y is given
        if _is_trajectory_list(X):
            n_traj = len(X)
            ys = _per_trajectory_targets(y, n_traj) if y is not None else [None] * n_traj
            ts = _per_trajectory_times(t, n_traj)
            Xs, Ys = [], []
            one_d = y is not None and all(np.ndim(yi) == 1 for yi in ys)
            for i, (Xi, yi, ti) in enumerate(zip(X, ys, ts)):
                Xi = check_array(Xi, dtype=np.float64, input_name="X")
                if yi is None:
                    if ti is None:
                        raise _no_target_error(self)
                    Xi, yi = self._derivatives(Xi, ti)
                else:
                    yi = np.asarray(yi, dtype=float)
                    if yi.ndim not in (1, 2):
                        raise ValueError(
                            f"Trajectory {i}: y must be an array of shape (n_samples,) or "
                            f"(n_samples, n_targets); got shape {yi.shape}."
                        )
                    if yi.ndim == 1:
                        yi = yi[:, None]
                    if len(yi) != len(Xi):
                        # stacked, the rows would be silently misaligned
                        raise ValueError(
                            f"Trajectory {i}: y has {len(yi)} rows but X has {len(Xi)}; each "
                            "trajectory's derivatives must match its states row for row."
                        )
                Xs.append(Xi)
                Ys.append(yi)
            if len({Xi.shape[1] for Xi in Xs}) != 1:
                raise ValueError("Every trajectory must have the same number of states (columns of X).")
            widths = {Yi.shape[1] if Yi.ndim == 2 else -1 for Yi in Ys}
            if len(widths) != 1:
                raise ValueError("Every trajectory's y must have the same number of columns.")
            Xc, Yc = np.vstack(Xs), np.vstack(Ys)
            Xc, Yc = validate_data(self, Xc, Yc, multi_output=True, y_numeric=True, reset=reset)
            return Xc, Yc.reshape(len(Yc), -1), one_d
        if y is None:
            if t is None:
                raise _no_target_error(self)
            X, y = self._derivatives(X, t)
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, reset=reset)
        y = np.asarray(y, dtype=float)
        return X, y.reshape(len(y), -1), y.ndim == 1

    # ------------------------------------------------------------------ model
    def _theta(self, X):
        return np.asarray(self.library_.transform(X), dtype=float)

    def predict(self, X):
        """Time derivatives ``dx/dt = W Theta(x)`` of the fitted model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_states)
            States.

        Returns
        -------
        X_dot : ndarray of shape (n_samples, n_targets) or (n_samples,)
            Predicted derivatives (1-D if the model was fitted on a 1-D ``y``).
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        out = self._theta(X) @ self.coef_.T
        return out[:, 0] if self._single_output else out

    def score(self, X, y=None, t=None, sample_weight=None):
        """Coefficient of determination R^2 of the predicted derivatives.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_states) or list of such arrays
            States (one trajectory, or a list of trajectories).
        y : array-like of shape (n_samples, n_states), default=None
            True derivatives; if None they are computed from ``X`` and ``t``
            with the estimator's ``differentiation``.
        t : float or array-like, default=None
            Time step or sample times (used only when ``y`` is None).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R^2 of ``predict(X)`` against the derivatives (uniform average over
            the states).
        """
        check_is_fitted(self)
        Xc, Y, _ = self._collect(X, y, t, reset=False)
        return float(r2_score(Y, self._theta(Xc) @ self.coef_.T, sample_weight=sample_weight))

    # ------------------------------------------------------------------ simulate
    def _rhs(self):
        W = np.asarray(self.coef_, dtype=float)
        lib = self.library_
        if type(lib) is PolynomialFeatures:
            powers = lib.powers_

            def f(_, x):
                return W @ np.prod(x[None, :] ** powers, axis=1)
        else:
            def f(_, x):
                return W @ np.asarray(lib.transform(x[None, :]), dtype=float)[0]
        return f

    def simulate(self, x0, t, integrator="LSODA", **integrator_kws):
        """Integrate the fitted dynamics with :func:`scipy.integrate.solve_ivp`.

        Parameters
        ----------
        x0 : array-like of shape (n_states,)
            Initial state.
        t : array-like of shape (n_times,)
            Strictly increasing times at which to report the state; the
            integration starts at ``t[0]``.
        integrator : str, default="LSODA"
            ``solve_ivp`` method.
        **integrator_kws
            Passed to ``solve_ivp``; default ``rtol=1e-12, atol=1e-12`` (as
            pysindy).

        Returns
        -------
        X : ndarray of shape (n_times, n_states)
            The simulated states. If the integration fails (e.g. the model
            blows up) a ``RuntimeWarning`` is raised and the remaining rows are
            NaN.
        """
        from scipy.integrate import solve_ivp

        check_is_fitted(self)
        if self.coef_.shape[0] != self.n_features_in_:
            raise ValueError(
                f"The model predicts {self.coef_.shape[0]} derivative(s) for "
                f"{self.n_features_in_} states; only a vector field (one derivative per "
                "state) can be simulated."
            )
        x0 = np.asarray(x0, dtype=float).ravel()
        if x0.shape != (self.n_features_in_,):
            raise ValueError(f"x0 must have shape ({self.n_features_in_},); got {x0.shape}.")
        if not np.all(np.isfinite(x0)):
            raise ValueError("x0 contains NaN or infinity.")
        if np.isscalar(t):
            raise ValueError("t must be an array of times, not a scalar.")
        times = check_times(t, len(np.asarray(t)))
        if len(times) < 1:
            raise ValueError("t must contain at least one time.")
        kws = {"rtol": 1e-12, "atol": 1e-12}
        kws.update(integrator_kws)
        out = np.full((len(times), self.n_features_in_), np.nan)
        if len(times) == 1:
            out[0] = x0
            return out
        with np.errstate(over="ignore", invalid="ignore"):
            sol = solve_ivp(self._rhs(), (times[0], times[-1]), x0, method=integrator,
                            t_eval=times, **kws)
        out[: sol.y.shape[1]] = sol.y.T
        if sol.status != 0 or sol.y.shape[1] < len(times):
            warnings.warn(f"Integration stopped early: {sol.message}", RuntimeWarning)
        return out

    # ------------------------------------------------------------------ equations
    def _feature_names(self):
        if hasattr(self, "feature_names_in_"):
            names = [str(n) for n in self.feature_names_in_]
        else:
            names = [f"x{i}" for i in range(self.n_features_in_)]
        try:
            lib_names = list(self.library_.get_feature_names_out(names))
        except (AttributeError, TypeError, ValueError):
            lib_names = [f"f{k}" for k in range(self.coef_.shape[1])]
        return names, lib_names

    def equations(self, precision=3):
        """The fitted right-hand sides as readable strings.

        Parameters
        ----------
        precision : int, default=3
            Decimals of the printed coefficients.

        Returns
        -------
        equations : list of str
            One string per state, e.g. ``"0.500 x0 - 1.000 x1"``; zero
            coefficients are omitted (``"0.000"`` if all are zero).
        """
        check_is_fitted(self)
        if not isinstance(precision, numbers.Integral) or precision < 0:
            raise ValueError(f"precision must be a non-negative integer; got {precision!r}.")
        _, lib_names = self._feature_names()
        eqs = []
        for row in np.asarray(self.coef_):
            terms = []
            for c, name in zip(row, lib_names):
                if round(c, precision) == 0:
                    continue
                mag = f"{abs(c):.{precision}f}"
                term = mag if name == "1" else f"{mag} {name}"
                sign = "-" if c < 0 else "+"
                terms.append((sign, term))
            if not terms:
                eqs.append(f"{0:.{precision}f}")
                continue
            first_sign, first = terms[0]
            s = ("-" if first_sign == "-" else "") + first
            for sign, term in terms[1:]:
                s += f" {sign} {term}"
            eqs.append(s)
        return eqs

    def print(self, precision=3):
        """Print the fitted equations, one line ``(x0)' = ...`` per state.

        Parameters
        ----------
        precision : int, default=3
            Decimals of the printed coefficients.
        """
        names, _ = self._feature_names()
        eqs = self.equations(precision)
        if len(eqs) != len(names):
            names = [f"y{i}" for i in range(len(eqs))]
        for name, eq in zip(names, eqs):
            print(f"({name})' = {eq}")
