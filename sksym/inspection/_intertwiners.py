"""Intertwiner groups of activation functions (Godfrey et al., NeurIPS 2022).

For an elementwise activation ``sigma`` acting on ``R^n``, the intertwiner group is

    G_sigma = {A in GL_n : sigma(A z) = phi_sigma(A) sigma(z) for all z}

For every nonlinear activation below it is the group of monomial matrices
``P D`` (a permutation times a diagonal) whose diagonal entries lie in a set
``Lambda_sigma``; ``phi_sigma(P D) = P phi(D)`` with ``phi`` applied entrywise.
"""

import numbers
import re

import numpy as np
from scipy.special import ndtri
from sklearn.utils import check_random_state

from .._checks import check_real
from ._mlp import _activation_function, _normalise_activation_name

__all__ = [
    "IntertwinerGroup",
    "intertwiner_group",
    "sample_intertwiner",
    "is_intertwiner",
    "homogeneity_defect",
]

# name -> (allowed diagonal entries, phi kind, description)
#   scales: "all" (GL_n), "positive", "nonzero", "sign" ({-1, 1}), "one" ({1})
#   phi: "identity" (phi(A) = A), "abs" (|A|), "power" (A^d entrywise)
_TABLE = {
    "identity": ("all", "identity"),
    "relu": ("positive", "identity"),
    "leaky_relu": ("positive", "identity"),
    "tanh": ("sign", "identity"),
    "logistic": ("one", "identity"),
    "gelu": ("one", "identity"),
    "softplus": ("one", "identity"),
    "abs": ("nonzero", "abs"),
    "power": ("nonzero", "power"),
}

_GROUP_NAMES = {
    "all": "GL_n",
    "positive": "positively scaled permutations P D, D > 0",
    "nonzero": "monomial matrices P D, D invertible",
    "sign": "signed permutations P D, D = diag(+-1)",
    "one": "permutations P",
}


def _parse(activation):
    name = _normalise_activation_name(activation)
    if name in _TABLE:
        return name, name, None
    m = re.fullmatch(r"leaky_relu\((.*)\)", name)
    if m:
        try:
            slope = float(m.group(1))
        except ValueError:
            slope = None
        if slope is None or not 0.0 <= slope < 1.0:
            raise ValueError(f"leaky_relu slope must be in [0, 1); got {m.group(1)!r}.")
        return name, "leaky_relu", slope
    m = re.fullmatch(r"power(\d+)", name)
    if m and int(m.group(1)) >= 2:
        return name, "power", int(m.group(1))
    raise ValueError(
        f"Unsupported activation {activation!r}. Known: 'identity', 'relu', "
        "'leaky_relu' or 'leaky_relu(a)', 'tanh', 'logistic' (alias 'sigmoid'), 'gelu', "
        "'softplus', 'abs', 'power<d>' (d >= 2, aliases 'square', 'cube'). For other "
        "activations, probe candidate scalings with homogeneity_defect."
    )


class IntertwinerGroup:
    """The intertwiner group ``G_sigma`` of an activation and its homomorphism ``phi_sigma``.

    Instances are returned by :func:`intertwiner_group`; they are immutable value
    objects. A matrix ``A`` in the group satisfies ``sigma(A z) = phi(A) sigma(z) + c(A)``
    for every ``z``, with ``c(A) = 0`` except for the logistic sign flips of the
    affine convention (``sigma(-z) = 1 - sigma(z)``).

    Parameters
    ----------
    activation : str
        Activation name (see :func:`intertwiner_group`).
    affine : bool, default=False
        Whether ``phi`` may be affine (an offset absorbed by the next layer's bias).

    Attributes
    ----------
    activation : str
        Normalised activation name.
    kind : str
        Activation family (``"relu"``, ``"power"``, ...).
    scales : {"all", "positive", "nonzero", "sign", "one"}
        Allowed diagonal entries ``Lambda_sigma`` of ``A = P D``; ``"all"`` means
        the whole of ``GL_n`` (identity activation).
    phi_kind : {"identity", "abs", "power"}
        How ``phi`` acts on ``A``: ``A``, ``|A|`` or ``A^d`` entrywise.
    degree : int or None
        ``d`` for power activations.
    affine : bool
        The convention in use.
    description : str
        Human-readable name of the group.

    Examples
    --------
    >>> from sksym.inspection import intertwiner_group
    >>> G = intertwiner_group("relu")
    >>> G.scales, G.phi_kind
    ('positive', 'identity')
    >>> G.description
    'positively scaled permutations P D, D > 0'
    """

    def __init__(self, activation, affine=False):
        name, kind, param = _parse(activation)
        scales, phi_kind = _TABLE[kind]
        if kind == "logistic" and affine:
            scales = "sign"
        object.__setattr__(self, "activation", name)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "scales", scales)
        object.__setattr__(self, "phi_kind", phi_kind)
        object.__setattr__(self, "degree", param if kind == "power" else None)
        object.__setattr__(self, "affine", bool(affine))

    def __setattr__(self, key, value):
        raise AttributeError("IntertwinerGroup objects are immutable.")

    def __eq__(self, other):
        return isinstance(other, IntertwinerGroup) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def _key(self):
        return (self.activation, self.scales, self.affine)

    def __reduce__(self):
        return (IntertwinerGroup, (self.activation, self.affine))

    def __repr__(self):
        return (f"IntertwinerGroup({self.activation!r}, affine={self.affine}): "
                f"{self.description}")

    @property
    def description(self):
        """Human-readable name of the group (str)."""
        return _GROUP_NAMES[self.scales]

    @property
    def is_monomial(self):
        """True unless the group is the whole of ``GL_n`` (identity activation)."""
        return self.scales != "all"

    def function(self):
        """The activation as a vectorised callable.

        Returns
        -------
        sigma : callable
            Elementwise function ``ndarray -> ndarray``.
        """
        return _activation_function(self.activation)

    # ------------------------------------------------------------------ membership
    def _monomial_parts(self, A, tol):
        """Return (perm, diag) with ``A = P diag`` where ``A[i, perm[i]] = diag``, or None."""
        n = A.shape[0]
        scale = max(np.abs(A).max(), 1e-300)
        big = np.abs(A) > tol * scale
        if not (np.all(big.sum(axis=1) == 1) and np.all(big.sum(axis=0) == 1)):
            return None
        perm = np.argmax(big, axis=1)
        diag = A[np.arange(n), perm]
        rest = A.copy()
        rest[np.arange(n), perm] = 0.0
        if np.any(np.abs(rest) > tol * scale):  # pragma: no cover - implied by big
            return None
        return perm, diag

    def contains(self, A, tol=1e-10):
        """Whether ``A`` lies in the group (see :func:`is_intertwiner`).

        Parameters
        ----------
        A : array-like of shape (n, n)
        tol : float, default=1e-10
            Relative tolerance.

        Returns
        -------
        bool
        """
        A = _check_square(A, "A")
        if self.scales == "all":
            return bool(np.linalg.matrix_rank(A, tol=tol * max(np.abs(A).max(), 1e-300)) == A.shape[0])
        parts = self._monomial_parts(A, tol)
        if parts is None:
            return False
        _, d = parts
        return bool(_scales_ok(d, self.scales, tol))

    def phi(self, A, tol=1e-10):
        """The homomorphism: ``(B, c)`` with ``sigma(A z) = B sigma(z) + c``.

        Parameters
        ----------
        A : array-like of shape (n, n)
            A group element.
        tol : float, default=1e-10
            Membership tolerance, relative to the largest entry of ``A``.

        Returns
        -------
        B : ndarray of shape (n, n)
        c : ndarray of shape (n,)
            Zero except for logistic sign flips under the affine convention.

        Raises
        ------
        ValueError
            If ``A`` is not in the group.
        """
        A = _check_square(A, "A")
        if not self.contains(A, tol):
            raise ValueError(
                f"A is not in the intertwiner group of {self.activation!r} "
                f"({self.description}); it cannot be applied without changing the "
                "network's function."
            )
        n = A.shape[0]
        c = np.zeros(n)
        if self.scales == "all":
            return A.copy(), c
        perm, d = self._monomial_parts(A, tol)
        rows = np.arange(n)
        if self.phi_kind == "identity":
            phid = d.copy()
        elif self.phi_kind == "abs":
            phid = np.abs(d)
        else:
            phid = d ** self.degree
        if self.scales in ("sign", "one"):
            phid = np.sign(d)  # exact +-1 (d is +-1 within tol)
        if self.kind == "logistic":
            # sigma(-z) = 1 - sigma(z): B = -1 on flipped units, c = 1 there.
            c = (d < 0).astype(float)
        B = np.zeros((n, n))
        B[rows, perm] = phid
        return B, c

    def sample(self, n, random_state=None, scale=1.0):
        """Draw one random group element of size ``n`` (see :func:`sample_intertwiner`).

        Parameters
        ----------
        n : int
        random_state : int, RandomState instance or None, default=None
        scale : float, default=1.0

        Returns
        -------
        A : ndarray of shape (n, n)
        """
        return sample_intertwiner(self, n, random_state=random_state, scale=scale)


def _scales_ok(d, scales, tol):
    if scales == "positive":
        return np.all(d > 0)
    if scales == "nonzero":
        return np.all(d != 0)
    if scales == "sign":
        return np.all(np.abs(np.abs(d) - 1.0) <= tol)
    if scales == "one":
        return np.all(np.abs(d - 1.0) <= tol)
    return True


def _check_square(A, name):
    A = np.asarray(A, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"{name} must be a square matrix of shape (n, n); got shape {A.shape}.")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{name} contains NaN or infinite entries.")
    return A


def intertwiner_group(activation, affine=False):
    """The intertwiner group ``G_sigma`` of an elementwise activation.

    ``G_sigma`` is the set of invertible ``A`` with ``sigma(A z) = phi(A) sigma(z)``
    for all ``z``; inserting ``A`` before a hidden layer's activation and
    ``phi(A)^-1`` after it leaves the network's function unchanged
    (:func:`~sksym.inspection.apply_intertwiner`).

    ===========================  ===========================  =================
    activation                   ``G_sigma``                  ``phi(P D)``
    ===========================  ===========================  =================
    ``identity``                 ``GL_n``                     ``A``
    ``relu``, ``leaky_relu(a)``  ``P D``, ``D > 0``           ``P D``
    ``tanh``                     ``P D``, ``D = diag(+-1)``   ``P D``
    ``logistic``                 ``P`` (linear convention);   ``P`` / ``P D``
                                 ``P D``, ``D = diag(+-1)``   plus offset
                                 (``affine=True``)
    ``gelu``, ``softplus``       ``P``                        ``P``
    ``abs``                      ``P D``, ``D`` invertible    ``P |D|``
    ``power<d>`` (``x^d``)       ``P D``, ``D`` invertible    ``P D^d``
    ===========================  ===========================  =================

    Parameters
    ----------
    activation : str
        Activation name: scikit-learn's ``'identity'``, ``'logistic'``, ``'tanh'``,
        ``'relu'``, or ``'leaky_relu'`` / ``'leaky_relu(a)'`` (slope ``a`` in
        ``[0, 1)``, default 0.01), ``'gelu'``, ``'softplus'``, ``'abs'``, and
        ``'power<d>'`` for ``x^d`` (``'square'``, ``'cube'``).
    affine : bool, default=False
        Convention for ``phi``. The paper's definition asks for a *linear*
        ``phi`` (``affine=False``). In a network with biases an affine
        ``phi(A) z + c`` also preserves the function, because the next layer's
        bias absorbs ``c``; with ``affine=True`` the logistic group therefore
        contains sign flips (``sigma(-z) = 1 - sigma(z)``). Only the logistic
        row changes.

    Returns
    -------
    G : IntertwinerGroup

    Raises
    ------
    ValueError
        For an activation not in the table (use :func:`homogeneity_defect` to
        probe candidate scalings of other activations).

    Notes
    -----
    That ``G_sigma`` contains *only* monomial matrices for these nonlinear
    activations is classical for ReLU and checked numerically for the others;
    see Godfrey, Brown, Emerson and Kvinge, "On the Symmetries of Deep Learning
    Models and their Internal Representations", NeurIPS 2022.

    Examples
    --------
    >>> from sksym.inspection import intertwiner_group
    >>> intertwiner_group("tanh").scales
    'sign'
    >>> intertwiner_group("logistic").scales, intertwiner_group("logistic", affine=True).scales
    ('one', 'sign')
    """
    if isinstance(activation, IntertwinerGroup):
        if affine and not activation.affine:
            return IntertwinerGroup(activation.activation, affine=True)
        return activation
    return IntertwinerGroup(activation, affine=affine)


def sample_intertwiner(activation, n, random_state=None, scale=1.0, affine=False):
    """Draw a random element of an activation's intertwiner group.

    Permutations are uniform; positive scales are log-normal ``exp(scale * N(0, 1))``;
    signs are fair coin flips; for ``abs`` and ``power<d>`` both. For the identity
    activation the element is ``Q diag(exp(scale * N(0, 1)))`` with ``Q`` a random
    orthogonal matrix (an invertible, well-conditioned element of ``GL_n``).

    Parameters
    ----------
    activation : str or IntertwinerGroup
        Activation name (see :func:`intertwiner_group`).
    n : int
        Number of units (matrix size).
    random_state : int, RandomState instance or None, default=None
        Seed.
    scale : float, default=1.0
        Spread of the log-scales.
    affine : bool, default=False
        Convention (see :func:`intertwiner_group`).

    Returns
    -------
    A : ndarray of shape (n, n)

    Examples
    --------
    >>> from sksym.inspection import sample_intertwiner, is_intertwiner
    >>> A = sample_intertwiner("relu", 4, random_state=0)
    >>> is_intertwiner(A, "relu"), is_intertwiner(-A, "relu")
    (True, False)
    """
    G = intertwiner_group(activation, affine=affine)
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}.")
    rng = check_random_state(random_state)
    n = int(n)
    if G.scales == "all":
        Q, R = np.linalg.qr(rng.normal(size=(n, n)))
        Q = Q * np.sign(np.diag(R))
        return Q * np.exp(scale * rng.normal(size=n))
    perm = rng.permutation(n)
    if G.scales == "one":
        d = np.ones(n)
    elif G.scales == "sign":
        d = rng.choice([-1.0, 1.0], size=n)
    elif G.scales == "positive":
        d = np.exp(scale * rng.normal(size=n))
    else:
        d = np.exp(scale * rng.normal(size=n)) * rng.choice([-1.0, 1.0], size=n)
    A = np.zeros((n, n))
    A[np.arange(n), perm] = d
    return A


def is_intertwiner(A, activation, tol=1e-10, affine=False):
    """Whether ``A`` belongs to an activation's intertwiner group.

    Parameters
    ----------
    A : array-like of shape (n, n)
        Candidate matrix.
    activation : str or IntertwinerGroup
        Activation name (see :func:`intertwiner_group`).
    tol : float, default=1e-10
        Entries below ``tol`` times the largest entry count as zero; unit scales
        (signs, permutations) are compared to ``tol``.
    affine : bool, default=False
        Convention (see :func:`intertwiner_group`).

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> from sksym.inspection import is_intertwiner
    >>> P = np.eye(3)[[2, 0, 1]]
    >>> is_intertwiner(P * [1.0, 2.0, 0.5], "relu")
    True
    >>> is_intertwiner(P * [1.0, 2.0, 0.5], "tanh")
    False
    >>> R = np.array([[0.6, -0.8], [0.8, 0.6]])  # a rotation: only for identity
    >>> is_intertwiner(R, "relu"), is_intertwiner(R, "identity")
    (False, True)
    """
    return intertwiner_group(activation, affine=affine).contains(A, tol=tol)


def homogeneity_defect(activation, scales, affine=False, n_points=20001, spread=3.0):
    """How far ``z -> s z`` is from intertwining an activation, for each scale ``s``.

    For each scale ``s`` the best coefficients ``b`` (and ``c`` when ``affine``)
    of ``sigma(s z) ~ b sigma(z) + c`` are fitted by least squares over ``z``
    drawn at the quantiles of ``N(0, spread^2)`` (deterministic), and the
    relative residual ``||sigma(s z) - b sigma(z) - c|| / ||sigma(s z)||`` is
    returned. It is 0 (to rounding) exactly when ``s`` is an allowed diagonal
    entry of the intertwiner group, e.g. every ``s > 0`` for ReLU; it measures
    how far other activations (GELU, Swish, ...) are from being positively
    homogeneous. This is a numeric probe, not a proof.

    Parameters
    ----------
    activation : str or callable
        Activation name, or a vectorised function ``R -> R``.
    scales : float or array-like of shape (n_scales,)
        Candidate diagonal entries ``s`` (non-zero).
    affine : bool, default=False
        Allow an offset ``c`` (see :func:`intertwiner_group`).
    n_points : int, default=20001
        Number of quadrature points ``z``.
    spread : float, default=3.0
        Standard deviation of the Gaussian the points are quantiles of.

    Returns
    -------
    defect : ndarray of shape (n_scales,)
        Relative residuals in ``[0, 1]`` (a scalar input gives shape ``(1,)``).

    Examples
    --------
    >>> from sksym.inspection import homogeneity_defect
    >>> d = homogeneity_defect("relu", [0.5, 2.0, -1.0])
    >>> bool(d[0] < 1e-12 and d[1] < 1e-12 and d[2] > 0.1)
    True
    >>> bool(homogeneity_defect("gelu", [2.0])[0] > 1e-3)
    True
    """
    f = _activation_function(activation) if isinstance(activation, str) else activation
    if not callable(f):
        raise TypeError("activation must be an activation name or a callable.")
    s = np.atleast_1d(np.asarray(scales, dtype=float))
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s == 0):
        raise ValueError(
            "scales must be a non-empty 1-D array of finite non-zero numbers; "
            f"got {scales!r}."
        )
    if not isinstance(n_points, numbers.Integral) or n_points < 3:
        raise ValueError(f"n_points must be an integer >= 3; got {n_points!r}.")
    check_real(spread, "spread", low=0.0, low_open=True)
    z = spread * ndtri((np.arange(n_points) + 0.5) / n_points)
    base = np.asarray(f(z), dtype=float)
    if base.shape != z.shape or not np.all(np.isfinite(base)):
        raise ValueError("activation must map a 1-D array to finite values of the same shape.")
    cols = [base, np.ones_like(z)] if affine else [base]
    M = np.column_stack(cols)
    out = np.empty(s.size)
    for i, si in enumerate(s):
        target = np.asarray(f(si * z), dtype=float)
        coef, *_ = np.linalg.lstsq(M, target, rcond=None)
        resid = target - M @ coef
        denom = np.linalg.norm(target)
        out[i] = 0.0 if denom == 0 else np.linalg.norm(resid) / denom
    return out
