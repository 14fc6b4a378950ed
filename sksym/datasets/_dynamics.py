"""Trajectories of polynomial dynamical systems with known symmetry.

Each system is stored once, as its coefficient matrix on
``PolynomialFeatures(degree)`` (the ground truth for SINDy); the trajectory is
that polynomial vector field integrated with ``scipy.integrate.solve_ivp``.
"""

import numbers

import numpy as np
from scipy.integrate import solve_ivp
from sklearn.preprocessing import PolynomialFeatures
from sklearn.utils import check_random_state

from .._checks import check_real

__all__ = ["make_hopf", "make_lorenz", "make_axisymmetric_oscillator", "make_coupled_oscillators"]


def _coef_matrix(equations, n, degree):
    """``equations[i]`` maps exponent tuples to coefficients of ``dx_i/dt``."""
    powers = PolynomialFeatures(degree).fit(np.zeros((1, n))).powers_
    index = {tuple(int(p) for p in row): k for k, row in enumerate(powers)}
    W = np.zeros((n, len(powers)))
    for i, eq in enumerate(equations):
        for exps, c in eq.items():
            W[i, index[tuple(exps)]] += c
    return W, powers


def _mono(n, **exps):
    e = [0] * n
    for name, p in exps.items():
        e[int(name[1:])] = p
    return tuple(e)


def _check_int(value, name, minimum):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def _check_positive(value, name, allow_zero=False):
    return check_real(value, name, low=0.0, low_open=not allow_zero)


def _check_real(name, value):
    """A finite real parameter of the system (NaN made the integrator loop for ever)."""
    return check_real(value, name)


def _trajectory(W, powers, x0, n_samples, dt, noise, random_state, return_derivatives,
                return_coef):
    n_samples = _check_int(n_samples, "n_samples", 3)
    dt = _check_positive(dt, "dt")
    noise = _check_positive(noise, "noise", allow_zero=True)
    x0 = np.asarray(x0, dtype=float).ravel()
    if x0.shape != (W.shape[0],):
        raise ValueError(f"x0 must have shape ({W.shape[0]},); got {x0.shape}.")
    if not np.all(np.isfinite(x0)):
        raise ValueError(f"x0 must be finite; got {x0}.")
    t = dt * np.arange(n_samples)

    def f(_, x):
        return W @ np.prod(x[None, :] ** powers, axis=1)

    with np.errstate(over="ignore", invalid="ignore"):
        sol = solve_ivp(f, (0.0, t[-1]), x0, method="DOP853", t_eval=t, rtol=1e-11, atol=1e-11)
    X = np.asarray(sol.y, dtype=float).reshape(len(x0), -1).T
    if not sol.success or X.shape[0] != n_samples or not np.all(np.isfinite(X)):
        raise ValueError(
            f"The integration failed ({sol.message}): the trajectory blows up or cannot be "
            "resolved for these parameters, x0 and dt."
        )
    X_dot = np.prod(X[:, None, :] ** powers[None], axis=2) @ W.T
    if noise > 0:
        rng = check_random_state(random_state)
        rms = np.sqrt(np.mean(X ** 2, axis=0))
        X = X + noise * rms * rng.standard_normal(X.shape)
    out = (X, t)
    if return_derivatives:
        out += (X_dot,)
    if return_coef:
        out += (W,)
    return out


_DOC_RETURNS = """
    Returns
    -------
    X : ndarray of shape (n_samples, n_states)
        The trajectory, plus noise.
    t : ndarray of shape (n_samples,)
        Sample times ``dt * arange(n_samples)``.
    X_dot : ndarray of shape (n_samples, n_states)
        Exact derivatives of the noise-free trajectory (if ``return_derivatives``).
    coef : ndarray of shape (n_states, n_library_features)
        True coefficients on ``PolynomialFeatures({degree})`` (if ``return_coef``).
"""

_DOC_COMMON = """n_samples : int, default={n_samples}
        Number of samples.
    dt : float, default={dt}
        Time step.
    noise : float, default=0.0
        Gaussian noise added to each state, with standard deviation ``noise``
        times that state's root-mean-square (``0.05`` is "5 % noise").
    x0 : array-like of shape ({n},), default=None
        Initial state; default ``{x0}``.
    random_state : int, RandomState instance or None, default=None
        Seed of the noise.
    return_derivatives : bool, default=False
        Also return the exact derivatives of the noise-free trajectory.
    return_coef : bool, default=False
        Also return the true coefficient matrix."""


def make_hopf(n_samples=200, dt=0.05, mu=0.5, omega=1.0, noise=0.0, x0=None, random_state=None,
              return_derivatives=False, return_coef=False):
    mu, omega = _check_real("mu", mu), _check_real("omega", omega)
    W, powers = _coef_matrix([
        {(1, 0): mu, (0, 1): -omega, (3, 0): -1.0, (1, 2): -1.0},
        {(1, 0): omega, (0, 1): mu, (2, 1): -1.0, (0, 3): -1.0},
    ], 2, 3)
    x0 = (0.1, 0.0) if x0 is None else x0
    return _trajectory(W, powers, x0, n_samples, dt, noise, random_state, return_derivatives,
                       return_coef)


make_hopf.__doc__ = """Trajectory of the Hopf normal form (SO(2)-equivariant).

    ``dx/dt = mu x - omega y - x (x^2 + y^2)``,
    ``dy/dt = omega x + mu y - y (x^2 + y^2)``: from near the origin the state
    spirals out to the limit cycle of radius ``sqrt(mu)``. The vector field
    commutes with every rotation of the plane (``SO(2)``).

    Parameters
    ----------
    """ + _DOC_COMMON.format(n_samples=200, dt=0.05, n=2, x0="(0.1, 0.0)") + """
    mu : float, default=0.5
        Growth rate (squared radius of the limit cycle).
    omega : float, default=1.0
        Angular frequency.
""" + _DOC_RETURNS.format(degree=3) + """
    Examples
    --------
    >>> from sksym.datasets import make_hopf
    >>> X, t = make_hopf(n_samples=100)
    >>> X.shape, float(t[1])
    ((100, 2), 0.05)
    """


def make_lorenz(n_samples=1000, dt=0.005, sigma=10.0, rho=28.0, beta=8.0 / 3.0, noise=0.0, x0=None,
                random_state=None, return_derivatives=False, return_coef=False):
    sigma, rho, beta = (_check_real(k, v) for k, v in (("sigma", sigma), ("rho", rho), ("beta", beta)))
    W, powers = _coef_matrix([
        {(1, 0, 0): -sigma, (0, 1, 0): sigma},
        {(1, 0, 0): rho, (0, 1, 0): -1.0, (1, 0, 1): -1.0},
        {(0, 0, 1): -beta, (1, 1, 0): 1.0},
    ], 3, 2)
    x0 = (-8.0, 8.0, 27.0) if x0 is None else x0
    return _trajectory(W, powers, x0, n_samples, dt, noise, random_state, return_derivatives,
                       return_coef)


make_lorenz.__doc__ = """Trajectory of the Lorenz system (equivariant under ``(x, y, z) -> (-x, -y, z)``).

    ``dx/dt = sigma (y - x)``, ``dy/dt = x (rho - z) - y``,
    ``dz/dt = x y - beta z``; the symmetry group is ``Z_2``, generated by
    ``diag(-1, -1, 1)``.

    Parameters
    ----------
    """ + _DOC_COMMON.format(n_samples=1000, dt=0.005, n=3, x0="(-8, 8, 27)") + """
    sigma, rho, beta : float, default=10, 28, 8/3
        The classical chaotic parameters.
""" + _DOC_RETURNS.format(degree=2) + """
    Examples
    --------
    >>> from sksym.datasets import make_lorenz
    >>> X, t, coef = make_lorenz(n_samples=50, return_coef=True)
    >>> X.shape, coef.shape
    ((50, 3), (3, 10))
    """


def make_axisymmetric_oscillator(n_samples=1000, dt=0.02, a=0.95, b=0.7, c=0.6, d=3.5, e=0.25,
                                 noise=0.0, x0=None, random_state=None, return_derivatives=False,
                                 return_coef=False):
    a, b, c, d, e = (_check_real(k, v) for k, v in zip("abcde", (a, b, c, d, e)))
    W, powers = _coef_matrix([
        {_mono(3, x2=1, x0=1): 1.0, (1, 0, 0): -b, (0, 1, 0): -d},
        {(1, 0, 0): d, (0, 1, 0): -b, (0, 1, 1): 1.0},
        {(0, 0, 0): c, (0, 0, 1): a, (0, 0, 3): -1.0 / 3.0, (2, 0, 0): -1.0, (0, 2, 0): -1.0,
         (2, 0, 1): -e, (0, 2, 1): -e},
    ], 3, 3)
    x0 = (0.1, 0.0, 0.0) if x0 is None else x0
    return _trajectory(W, powers, x0, n_samples, dt, noise, random_state, return_derivatives,
                       return_coef)


make_axisymmetric_oscillator.__doc__ = """Trajectory of a 3-D system symmetric under rotations about the z axis.

    The Langford (Aizawa) system without its symmetry-breaking term:
    ``dx/dt = (z - b) x - d y``, ``dy/dt = d x + (z - b) y``,
    ``dz/dt = c + a z - z^3 / 3 - (x^2 + y^2)(1 + e z)``. The vector field
    commutes with the rotations about the z axis, ``SO(2) * Trivial(1)``.

    Parameters
    ----------
    """ + _DOC_COMMON.format(n_samples=1000, dt=0.02, n=3, x0="(0.1, 0, 0)") + """
    a, b, c, d, e : float, default=0.95, 0.7, 0.6, 3.5, 0.25
        The parameters.
""" + _DOC_RETURNS.format(degree=3) + """
    Examples
    --------
    >>> from sksym.datasets import make_axisymmetric_oscillator
    >>> X, t = make_axisymmetric_oscillator(n_samples=50)
    >>> X.shape
    (50, 3)
    """


def make_coupled_oscillators(n_oscillators=3, n_samples=200, dt=0.05, mu=1.0, omega=1.0,
                             coupling=0.2, noise=0.0, x0=None, random_state=None,
                             return_derivatives=False, return_coef=False):
    N = _check_int(n_oscillators, "n_oscillators", 2)
    mu, omega, coupling = (_check_real(k, v) for k, v in
                           (("mu", mu), ("omega", omega), ("coupling", coupling)))
    n = 2 * N
    eqs = []
    for j in range(N):
        xj, yj = 2 * j, 2 * j + 1
        xn, yn = 2 * ((j + 1) % N), 2 * ((j + 1) % N) + 1

        def e(**kw):
            return _mono(n, **kw)

        ex = {e(**{f"x{xj}": 1}): mu - coupling, e(**{f"x{yj}": 1}): -omega,
              e(**{f"x{xj}": 3}): -1.0, e(**{f"x{xj}": 1, f"x{yj}": 2}): -1.0}
        ex[e(**{f"x{xn}": 1})] = ex.get(e(**{f"x{xn}": 1}), 0.0) + coupling
        ey = {e(**{f"x{xj}": 1}): omega, e(**{f"x{yj}": 1}): mu - coupling,
              e(**{f"x{yj}": 3}): -1.0, e(**{f"x{xj}": 2, f"x{yj}": 1}): -1.0}
        ey[e(**{f"x{yn}": 1})] = ey.get(e(**{f"x{yn}": 1}), 0.0) + coupling
        eqs += [ex, ey]
    W, powers = _coef_matrix(eqs, n, 3)
    if x0 is None:
        rng = check_random_state(random_state)
        angles = rng.uniform(0, 2 * np.pi, N)
        radii = rng.uniform(0.1, 1.5, N)
        x0 = np.ravel(np.c_[radii * np.cos(angles), radii * np.sin(angles)])
        random_state = rng
    return _trajectory(W, powers, x0, n_samples, dt, noise, random_state, return_derivatives,
                       return_coef)


make_coupled_oscillators.__doc__ = """Trajectory of a ring of identical coupled oscillators (cyclic symmetry).

    ``n_oscillators`` Stuart-Landau oscillators ``z_j = x_j + i y_j`` with
    one-way diffusive coupling around the ring:
    ``dz_j/dt = (mu + i omega) z_j - |z_j|^2 z_j + coupling (z_{j+1} - z_j)``.
    The state is ``(x_0, y_0, x_1, y_1, ...)``; the vector field commutes
    with the cyclic shift of the oscillators ``j -> j + 1`` (the permutation
    matrix moving the pair ``(x_j, y_j)`` to ``(x_{j+1}, y_{j+1})``), which
    generates the cyclic group of order ``n_oscillators``.

    Parameters
    ----------
    n_oscillators : int, default=3
        Number of oscillators (the state has ``2 * n_oscillators`` variables).
    """ + _DOC_COMMON.format(n_samples=200, dt=0.05, n="2 * n_oscillators",
                             x0="random radii in [0.1, 1.5] and phases, drawn from random_state") + """
    mu, omega : float, default=1.0, 1.0
        Growth rate and frequency of each oscillator.
    coupling : float, default=0.2
        Coupling strength.
""" + _DOC_RETURNS.format(degree=3) + """
    Examples
    --------
    >>> from sksym.datasets import make_coupled_oscillators
    >>> X, t = make_coupled_oscillators(n_samples=50)
    >>> X.shape
    (50, 6)
    """
