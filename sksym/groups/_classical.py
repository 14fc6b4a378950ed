"""Built-in Lie groups: SO, O, SE, E, T, GL, SL, Scaling, Lorentz, Sp."""

import numbers

import numpy as np

from ._group import Group

__all__ = ["SO", "O", "SE", "E", "T", "GL", "SL", "Scaling", "Lorentz", "Sp"]


def _check_n(n, name, minimum=1):
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < minimum:
        raise ValueError(f"{name}(n) needs an integer n >= {minimum}; got {n!r}.")
    return int(n)


def _unit(n, i, j):
    E = np.zeros((n, n))
    E[i, j] = 1.0
    return E


def _so_basis(n):
    """(E_ij - E_ji) / sqrt(2), i < j: orthonormal basis of so(n)."""
    mats = [(_unit(n, i, j) - _unit(n, j, i)) / np.sqrt(2) for i in range(n) for j in range(i + 1, n)]
    return np.array(mats).reshape(-1, n, n)


def _reflection(n):
    R = np.eye(n)
    R[0, 0] = -1.0
    return R[None]


def _affine(linear, n):
    """Linear generators plus translations, as an affine (q, n, n+1) stack."""
    lin = np.concatenate([linear, np.zeros((linear.shape[0], n, 1))], axis=2)
    trans = np.zeros((n, n, n + 1))
    for i in range(n):
        trans[i, i, n] = 1.0
    return np.concatenate([lin, trans])


def SO(n):
    """Special orthogonal group SO(n): rotations of ``R^n``.

    Parameters
    ----------
    n : int
        Dimension of the space rotated.

    Returns
    -------
    G : Group
        Lie algebra so(n) with the orthonormal basis ``(E_ij - E_ji)/sqrt(2)``,
        ``i < j``; no discrete generators.

    Examples
    --------
    >>> from sksym.groups import SO
    >>> SO(3).lie_dim
    3
    """
    n = _check_n(n, "SO")
    return Group(_so_basis(n), d=n, name=f"SO({n})")


def O(n):  # noqa: E743 - the group's name
    """Orthogonal group O(n): rotations and reflections of ``R^n``.

    Parameters
    ----------
    n : int
        Dimension.

    Returns
    -------
    G : Group
        so(n) plus the reflection ``diag(-1, 1, ..., 1)``.

    Examples
    --------
    >>> from sksym.groups import O
    >>> O(2).n_discrete
    1
    """
    n = _check_n(n, "O")
    return Group(_so_basis(n), _reflection(n), d=n, name=f"O({n})")


def SE(n):
    """Special Euclidean group SE(n): rotations and translations of ``R^n``.

    Parameters
    ----------
    n : int
        Dimension.

    Returns
    -------
    G : Group
        Affine group; Lie-algebra basis of shape ``(n(n-1)/2 + n, n, n + 1)``:
        the so(n) basis, then the unit translations.

    Examples
    --------
    >>> from sksym.groups import SE
    >>> SE(3).lie_algebra.shape
    (6, 3, 4)
    """
    n = _check_n(n, "SE")
    return Group(_affine(_so_basis(n), n), d=n, name=f"SE({n})")


def E(n):
    """Euclidean group E(n): rotations, reflections and translations of ``R^n``.

    Parameters
    ----------
    n : int
        Dimension.

    Returns
    -------
    G : Group
        SE(n) plus the reflection ``diag(-1, 1, ..., 1)``.

    Examples
    --------
    >>> from sksym.groups import E
    >>> E(2).affine
    True
    """
    n = _check_n(n, "E")
    refl = np.concatenate([_reflection(n), np.zeros((1, n, 1))], axis=2)
    return Group(_affine(_so_basis(n), n), refl, d=n, name=f"E({n})")


def T(n):
    """Translation group T(n) of ``R^n``.

    Parameters
    ----------
    n : int
        Dimension.

    Returns
    -------
    G : Group
        Affine group with the ``n`` unit translations as Lie-algebra basis.

    Examples
    --------
    >>> from sksym.groups import T
    >>> T(2).lie_algebra.shape
    (2, 2, 3)
    """
    n = _check_n(n, "T")
    return Group(_affine(np.zeros((0, n, n)), n), d=n, name=f"T({n})")


def GL(n):
    """General linear group GL(n), acting on ``R^n``.

    Parameters
    ----------
    n : int
        Dimension.

    Returns
    -------
    G : Group
        Lie algebra gl(n) with the basis ``E_ij`` (row-major order). Only the
        identity component (positive determinant) is generated: pass
        ``discrete_generators`` to a :class:`Group` for the rest.

    Examples
    --------
    >>> from sksym.groups import GL
    >>> GL(3).lie_dim
    9
    """
    n = _check_n(n, "GL")
    return Group(np.eye(n * n).reshape(n * n, n, n), d=n, name=f"GL({n})")


def _traceless_diagonals(n):
    """Orthonormal basis of the traceless diagonal matrices (Helmert vectors)."""
    mats = []
    for k in range(1, n):
        v = np.zeros(n)
        v[:k] = 1.0
        v[k] = -k
        mats.append(np.diag(v / np.sqrt(k * (k + 1))))
    return np.array(mats).reshape(-1, n, n)


def SL(n):
    """Special linear group SL(n): volume-preserving linear maps of ``R^n``.

    Parameters
    ----------
    n : int
        Dimension.

    Returns
    -------
    G : Group
        Lie algebra sl(n): the off-diagonal ``E_ij`` and an orthonormal basis of
        the traceless diagonal matrices.

    Examples
    --------
    >>> from sksym.groups import SL
    >>> SL(2).lie_dim
    3
    """
    n = _check_n(n, "SL")
    off = [_unit(n, i, j) for i in range(n) for j in range(n) if i != j]
    mats = np.concatenate([np.array(off).reshape(-1, n, n), _traceless_diagonals(n)])
    return Group(mats, d=n, name=f"SL({n})")


def Scaling(n):
    """Uniform scaling group ``x -> s x``, ``s > 0``, on ``R^n``.

    Parameters
    ----------
    n : int
        Dimension.

    Returns
    -------
    G : Group
        One generator, ``I / sqrt(n)``.

    Examples
    --------
    >>> from sksym.groups import Scaling
    >>> Scaling(2).lie_algebra[0]
    array([[0.70710678, 0.        ],
           [0.        , 0.70710678]])
    """
    n = _check_n(n, "Scaling")
    return Group(np.eye(n)[None] / np.sqrt(n), d=n, name=f"Scaling({n})")


def Lorentz(n_space=3, full=False):
    """Lorentz group acting on Minkowski space ``R^(1, n_space)``.

    Coordinates are ``(x0, x1, ..., x_n_space)`` with metric
    ``diag(1, -1, ..., -1)``.

    Parameters
    ----------
    n_space : int, default=3
        Number of spatial dimensions (3 gives the usual Lorentz group on R^4).
    full : bool, default=False
        ``False``: the proper orthochronous group SO+(1, n_space) (identity
        component only). ``True``: the full group O(1, n_space), adding parity
        (first spatial axis reversed) and time reversal as discrete generators.

    Returns
    -------
    G : Group
        Lie algebra so(1, n_space): rotations ``(E_ij - E_ji)/sqrt(2)`` of the
        spatial axes, then boosts ``(E_0i + E_i0)/sqrt(2)``.

    Examples
    --------
    >>> from sksym.groups import Lorentz
    >>> Lorentz().lie_dim
    6
    """
    n_space = _check_n(n_space, "Lorentz")
    n = n_space + 1
    rot = np.zeros((n_space * (n_space - 1) // 2, n, n))
    rot[:, 1:, 1:] = _so_basis(n_space)
    boosts = np.array([(_unit(n, 0, i) + _unit(n, i, 0)) / np.sqrt(2) for i in range(1, n)])
    disc = None
    if full:
        parity = np.eye(n)
        parity[1, 1] = -1.0
        time_rev = np.eye(n)
        time_rev[0, 0] = -1.0
        disc = np.array([parity, time_rev])
    name = f"O(1,{n_space})" if full else f"SO+(1,{n_space})"
    return Group(np.concatenate([rot, boosts]), disc, d=n, name=name)


def Sp(n):
    """Symplectic group Sp(2n, R) acting on ``R^(2n)``.

    Preserves the form ``J = [[0, I], [-I, 0]]`` on ``(q, p)`` coordinates.

    Parameters
    ----------
    n : int
        Number of degrees of freedom; the group acts on ``R^(2n)``.

    Returns
    -------
    G : Group
        Lie algebra sp(2n) = ``[[A, B], [C, -A^T]]`` with ``B, C`` symmetric,
        with an orthonormal basis; dimension ``n (2 n + 1)``.

    Examples
    --------
    >>> from sksym.groups import Sp
    >>> Sp(1).lie_dim, Sp(1).d
    (3, 2)
    """
    n = _check_n(n, "Sp")
    m = 2 * n
    mats = []
    for i in range(n):
        for j in range(n):
            M = np.zeros((m, m))
            M[i, j] = 1.0
            M[n + j, n + i] = -1.0
            mats.append(M / np.sqrt(2))
    for off_r, off_c in ((0, n), (n, 0)):
        for i in range(n):
            for j in range(i, n):
                M = np.zeros((m, m))
                M[off_r + i, off_c + j] = 1.0
                M[off_r + j, off_c + i] = 1.0
                mats.append(M / np.linalg.norm(M))
    return Group(np.array(mats), d=m, name=f"Sp({m})")
