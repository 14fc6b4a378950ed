"""Representations: how a group acts on a model's inputs and outputs.

Representations are built symbolically (``V``, ``Scalar``, ``+``, ``*``, ``.T``,
``>>``) and bound to a :class:`~sksym.groups.Group` by calling them: ``(V + V)(SO(3))``.
"""

from functools import cached_property
import numbers

import numpy as np

from ..groups import Group

__all__ = ["Rep", "V", "Scalar", "SumRep", "TensorRep", "DualRep", "LinearPartRep"]


def _stack(a, name):
    a = np.asarray(a, dtype=float)
    if a.ndim == 2:
        return a[None], True
    if a.ndim != 3:
        raise ValueError(f"{name} must be one matrix or a stack of matrices; got shape {a.shape}.")
    return a, False

def _check_element_shape(a, name, group, linear, affine):
    """Matrices of the group's dimension (``affine`` ones only for affine groups):
    a 2x2 matrix given to a representation of SO(3) came back as a 2x2 "rho"."""
    allowed = [linear] + ([affine] if group.affine else [])
    if a.shape[1:] not in allowed:
        shapes = " or ".join(str(t) for t in allowed)
        raise ValueError(f"{name} must have shape {shapes} for {group.name}; got {a.shape[1:]}.")


_MAX_CONSTRAINT_ENTRIES = 2 ** 28    # 2 GiB of float64: above it constraint_matrices refuses


class Rep:
    """Base class of representations.

    A representation is a linear action of a group on ``R^size`` (with, for the
    group's own affine action on points, a translation part). Build them from
    :data:`V` (the group's own action) and :data:`Scalar` (the trivial action)
    with ``+`` (direct sum), ``k * rep`` (``k`` copies), ``*`` (tensor product),
    ``.T`` (dual) and ``a >> b`` (linear maps from ``a`` to ``b``), then bind a
    group by calling the representation: ``rep(G)``.

    Bound representations give ``rho(g)`` for group elements, ``drho(A)`` for
    Lie-algebra elements and :meth:`equivariant_basis`, the fixed space.

    Notes
    -----
    Only copies of :data:`V` at the top level of a direct sum carry an affine
    group's translations (they are points); tensor products and duals use the
    linear part (they are vectors, covectors, matrices).

    Examples
    --------
    >>> from sksym.groups import SO
    >>> from sksym.reps import V, Scalar
    >>> rep = (V >> V)(SO(3))          # 3 x 3 matrices, acted on by conjugation
    >>> rep.size
    9
    >>> rep.equivariant_basis().shape  # multiples of the identity
    (9, 1)
    """

    group = None

    # ---------------------------------------------------------------- algebra
    def __add__(self, other):
        if isinstance(other, numbers.Integral) and other == 0:
            return self
        if not isinstance(other, Rep):
            return NotImplemented
        a = self.terms if isinstance(self, SumRep) else (self,)
        b = other.terms if isinstance(other, SumRep) else (other,)
        return SumRep(*a, *b)

    def __radd__(self, other):
        if isinstance(other, numbers.Integral) and other == 0:
            return self  # sum([...]) support
        return NotImplemented

    def __rmul__(self, k):
        if isinstance(k, numbers.Integral) and not isinstance(k, bool):
            if k < 1:
                raise ValueError(f"A representation can be repeated a positive number of times; got {k}.")
            return SumRep(*([self] * int(k))) if k > 1 else self
        return NotImplemented

    def __mul__(self, other):
        if isinstance(other, numbers.Integral) and not isinstance(other, bool):
            return self.__rmul__(other)
        if not isinstance(other, Rep):
            return NotImplemented
        # a factor Scalar changes nothing but the translations: tensor products
        # act by the linear part (rep * Scalar of an affine V is a vector)
        if isinstance(self, ScalarRep) and self._compatible(other):
            return _linear_part(other._bound_like(self))
        if isinstance(other, ScalarRep) and self._compatible(other):
            return _linear_part(self._bound_like(other))
        return TensorRep(self, other)

    def __pow__(self, k):
        if not isinstance(k, numbers.Integral) or k < 0:
            raise ValueError(f"Tensor powers need a non-negative integer; got {k!r}.")
        if k == 0:
            return ScalarRep(self.group)
        out = self
        for _ in range(int(k) - 1):
            out = out * self
        return out

    @property
    def T(self):
        """The dual representation ``g -> rho(g^-1)^T``."""
        return DualRep(self)

    @property
    def linear(self):
        """The same action without translations (vectors rather than points).

        For a linear group this is the representation itself; for an affine
        group, ``V.linear`` is how velocities or forces transform.
        """
        if self.group is not None and not self.is_affine:
            return self
        return LinearPartRep(self)

    def __rshift__(self, other):
        """``a >> b``: linear maps from ``a`` to ``b``, as row-major matrices of
        shape ``(b.size, a.size)`` (``b * a.T``)."""
        if not isinstance(other, Rep):
            return NotImplemented
        return other * self.T

    # ---------------------------------------------------------------- binding
    def __call__(self, group):
        if not isinstance(group, Group):
            raise TypeError(f"A representation is bound to a sksym Group; got {type(group).__name__}.")
        if self.group is not None and self.group != group:
            raise ValueError(f"This representation is already bound to {self.group}, not {group}.")
        return self._bind(group)

    def _compatible(self, other):
        return self.group is None or other.group is None or self.group == other.group

    def _bound_like(self, other):
        g = other.group if self.group is None else self.group
        return self if g is None else self._bind(g)

    @property
    def is_bound(self):
        """Whether a group is attached."""
        return self.group is not None

    def _require_group(self):
        if self.group is None:
            raise ValueError(
                f"{self!r} is not bound to a group; call it with one, e.g. rep(SO(3))."
            )
        return self.group

    # ---------------------------------------------------------------- value object
    def __eq__(self, other):
        return type(self) is type(other) and self._key() == other._key()

    def __hash__(self):
        return hash((type(self).__name__, self._key()))

    def __setattr__(self, key, value):
        raise AttributeError("Representations are immutable.")

    def __reduce__(self):
        return (type(self)._rebuild, self._state())

    # ---------------------------------------------------------------- action
    @property
    def size(self):
        """Dimension of the representation space."""
        raise NotImplementedError

    def rho(self, g):
        """Linear part of the action of group elements.

        Parameters
        ----------
        g : ndarray of shape (m, m) or (n, m, m)
            Group elements as returned by :meth:`Group.sample` (homogeneous
            ``(d + 1, d + 1)`` matrices for affine groups).

        Returns
        -------
        rho : ndarray of shape (size, size) or (n, size, size)
        """
        G = self._require_group()
        g, single = _stack(g, "g")
        _check_element_shape(g, "g", G, (G.d, G.d), (G.d + 1, G.d + 1))
        out = self._rho(g)
        return out[0] if single else out

    def drho(self, A):
        """Linear part of the infinitesimal action of Lie-algebra elements.

        Parameters
        ----------
        A : ndarray of shape (d, d) or (d, d + 1), or a stack of them
            Lie-algebra elements of the bound group.

        Returns
        -------
        drho : ndarray of shape (size, size) or (n, size, size)
        """
        G = self._require_group()
        A, single = _stack(A, "A")
        _check_element_shape(A, "A", G, (G.d, G.d), (G.d, G.d + 1))
        out = self._drho(A)
        return out[0] if single else out

    def tau(self, g):
        """Translation part of the action of group elements (zero unless the
        representation contains points of an affine group), shape (size,) or (n, size)."""
        self._require_group()
        g, single = _stack(g, "g")
        out = self._tau(g, infinitesimal=False)
        return out[0] if single else out

    def dtau(self, A):
        """Translation part of the infinitesimal action, shape (size,) or (n, size)."""
        self._require_group()
        A, single = _stack(A, "A")
        out = self._tau(A, infinitesimal=True)
        return out[0] if single else out

    @property
    def is_affine(self):
        """Whether some group element acts with a non-zero translation."""
        return False

    def act(self, g, X):
        """Apply one group element to samples: ``X rho(g)^T + tau(g)``.

        Parameters
        ----------
        g : ndarray of shape (m, m)
            A group element.
        X : array-like of shape (n_samples, size)

        Returns
        -------
        gX : ndarray of shape (n_samples, size)
        """
        X = np.asarray(X, dtype=float)
        return X @ self.rho(g).T + self.tau(g)

    def vector_field(self, A, X):
        """Infinitesimal action ``X drho(A)^T + dtau(A)`` of a Lie-algebra element.

        Parameters
        ----------
        A : ndarray of shape (d, d) or (d, d + 1)
        X : array-like of shape (n_samples, size)

        Returns
        -------
        V : ndarray of shape (n_samples, size)
        """
        X = np.asarray(X, dtype=float)
        return X @ self.drho(A).T + self.dtau(A)

    def constraint_matrices(self):
        """The stacked fixed-space constraints: ``drho(A_j)`` for every Lie-algebra
        basis element and ``rho(h_k) - I`` for every discrete generator.

        Returns
        -------
        C : ndarray of shape (q + k, size, size)
        """
        G = self._require_group()
        n = self.size
        count = (G.lie_dim + G.n_discrete) * n * n
        if count > _MAX_CONSTRAINT_ENTRIES:
            raise ValueError(
                f"The representation has size {n}: its {G.lie_dim + G.n_discrete} dense {n} x {n} constraint "
                f"matrices would take {8 * count / 2 ** 30:.1f} GiB (the limit is "
                f"{8 * _MAX_CONSTRAINT_ENTRIES / 2 ** 30:.0f} GiB); use a smaller representation "
                "(e.g. a lower tensor power, or the fixed spaces of its summands)."
            )
        mats = []
        if G.lie_dim:
            mats.append(self.drho(G.lie_algebra.reshape((-1,) + G.lie_algebra.shape[1:])))
        if G.n_discrete:
            h = G._discrete_matrices()
            mats.append(self.rho(h) - np.eye(n))
        return np.concatenate(mats) if mats else np.zeros((0, n, n))

    def equivariant_basis(self, tol=1e-10, method="auto"):
        """Orthonormal basis of the fixed space ``{v : rho(g) v = v for all g}``.

        For ``a >> b`` this is a basis of the equivariant linear maps from ``a``
        to ``b`` (row-major flattened matrices). Each distinct summand of the
        representation (after distributing tensor products over sums) is solved
        once.

        Parameters
        ----------
        tol : float, default=1e-10
            Relative singular-value threshold below which a constraint direction
            counts as satisfied; never below the rounding level ``size * eps``
            (so ``tol=0`` means exact up to rounding, not "count round-off").
        method : {"auto", "dense", "sparse"}, default="auto"
            Dense SVD, or an iterative sparse eigen-solver (scipy.sparse.linalg)
            on ``C^T C`` for large summands; "auto" uses dense below 600
            dimensions per summand. The sparse path cannot resolve singular values
            below ~1e-7 of the largest, so its effective tolerance is
            ``max(tol, 1e-7)``.

        Returns
        -------
        Q : ndarray of shape (size, r)
            Orthonormal columns.
        """
        from ._basis import equivariant_basis

        return equivariant_basis(self, tol=tol, method=method)

    def equivariant_projector(self, tol=1e-10, method="auto"):
        """Orthogonal projector ``Q Q^T`` onto the fixed space, shape (size, size)."""
        Q = self.equivariant_basis(tol=tol, method=method)
        return Q @ Q.T


class _LeafRep(Rep):
    """A representation with no parts, determined by its group alone."""

    def __init__(self, group=None):
        object.__setattr__(self, "group", group)

    def _bind(self, group):
        return type(self)(group)

    def _key(self):
        return (self.group,)

    def _state(self):
        return (self.group,)

    @classmethod
    def _rebuild(cls, group):
        return cls(group)


class BaseRep(_LeafRep):
    """The group's own action on ``R^d`` (exported as :data:`V`)."""

    def __repr__(self):
        return "V" if self.group is None else f"V({self.group})"

    @property
    def size(self):
        return self._require_group().d

    def _rho(self, g):
        d = self.group.d
        return np.array(g[:, :d, :d])

    def _drho(self, A):
        d = self.group.d
        return np.array(A[:, :d, :d])

    def _tau(self, g, infinitesimal):
        d = self.group.d
        if g.shape[2] == d + 1:
            return np.array(g[:, :d, d])
        return np.zeros((g.shape[0], d))

    @property
    def is_affine(self):
        return self._require_group().affine


class ScalarRep(_LeafRep):
    """The trivial action on ``R`` (exported as :data:`Scalar`)."""

    def __repr__(self):
        return "Scalar" if self.group is None else f"Scalar({self.group})"

    @property
    def size(self):
        return 1

    def _rho(self, g):
        return np.ones((g.shape[0], 1, 1))

    def _drho(self, A):
        return np.zeros((A.shape[0], 1, 1))

    def _tau(self, g, infinitesimal):
        return np.zeros((g.shape[0], 1))


def _common_group(reps):
    groups = {r.group for r in reps if r.group is not None}
    if len(groups) > 1:
        raise ValueError(
            "Cannot combine representations of different groups: "
            + ", ".join(sorted(map(str, groups)))
        )
    return groups.pop() if groups else None


class SumRep(Rep):
    """Direct sum of representations (block-diagonal action)."""

    def __init__(self, *terms):
        if not terms:
            raise ValueError("A direct sum needs at least one representation.")
        group = _common_group(terms)
        if group is not None:
            terms = tuple(t if t.group is not None else t._bind(group) for t in terms)
        object.__setattr__(self, "terms", tuple(terms))
        object.__setattr__(self, "group", group)

    def _bind(self, group):
        return SumRep(*(t._bind(group) for t in self.terms))

    def _key(self):
        return self.terms

    def _state(self):
        return self.terms

    @classmethod
    def _rebuild(cls, *terms):
        return cls(*terms)

    def __repr__(self):
        return "(" + " + ".join(map(repr, self.terms)) + ")"

    @cached_property
    def size(self):
        return sum(t.size for t in self.terms)

    def _block_diag(self, blocks, n):
        out = np.zeros((n, self.size, self.size))
        i = 0
        for b in blocks:
            k = b.shape[1]
            out[:, i:i + k, i:i + k] = b
            i += k
        return out

    def _rho(self, g):
        return self._block_diag([t._rho(g) for t in self.terms], g.shape[0])

    def _drho(self, A):
        return self._block_diag([t._drho(A) for t in self.terms], A.shape[0])

    def _tau(self, g, infinitesimal):
        return np.concatenate([t._tau(g, infinitesimal) for t in self.terms], axis=1)

    @property
    def is_affine(self):
        return any(t.is_affine for t in self.terms)


class TensorRep(Rep):
    """Tensor product ``a * b`` (Kronecker action, row-major coordinates)."""

    def __init__(self, a, b):
        group = _common_group((a, b))
        if group is not None:
            a, b = a._bound_like(b) if a.group is None else a, b._bound_like(a) if b.group is None else b
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "group", group)

    def _bind(self, group):
        return TensorRep(self.a._bind(group), self.b._bind(group))

    def _key(self):
        return (self.a, self.b)

    def _state(self):
        return (self.a, self.b)

    @classmethod
    def _rebuild(cls, a, b):
        return cls(a, b)

    def __repr__(self):
        return f"{self.a!r}*{self.b!r}"

    @cached_property
    def size(self):
        return self.a.size * self.b.size

    def _rho(self, g):
        ra, rb = self.a._rho(g), self.b._rho(g)
        n = g.shape[0]
        return np.einsum("nij,nkl->nikjl", ra, rb).reshape(n, self.size, self.size)

    def _drho(self, A):
        da, db = self.a._drho(A), self.b._drho(A)
        Ia, Ib = np.eye(self.a.size), np.eye(self.b.size)
        n = A.shape[0]
        return (np.einsum("nij,kl->nikjl", da, Ib) + np.einsum("ij,nkl->nikjl", Ia, db)).reshape(
            n, self.size, self.size
        )

    def _tau(self, g, infinitesimal):
        return np.zeros((g.shape[0], self.size))


class _WrapperRep(Rep):
    """A representation derived from one other representation ``a``."""

    def __init__(self, a):
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "group", a.group)

    def _bind(self, group):
        return type(self)(self.a._bind(group))

    def _key(self):
        return (self.a,)

    def _state(self):
        return (self.a,)

    @classmethod
    def _rebuild(cls, a):
        return cls(a)

    @property
    def size(self):
        return self.a.size

    def _tau(self, g, infinitesimal):
        return np.zeros((g.shape[0], self.size))   # derived reps are vectors, never points


class DualRep(_WrapperRep):
    """Dual representation ``g -> rho(g^-1)^T`` (``drho -> -drho^T``)."""

    @property
    def T(self):
        return self.a

    def __repr__(self):
        return f"{self.a!r}.T"

    def _rho(self, g):
        return np.linalg.inv(self.a._rho(g)).transpose(0, 2, 1)

    def _drho(self, A):
        return -self.a._drho(A).transpose(0, 2, 1)


class LinearPartRep(_WrapperRep):
    """The linear part of a representation: ``rho`` and ``drho`` unchanged,
    no translations (``rep.linear``)."""

    def __repr__(self):
        return f"{self.a!r}.linear"

    def _bind(self, group):
        return self.a._bind(group).linear       # itself when the action has no translations

    @property
    def linear(self):
        return self

    def _rho(self, g):
        return self.a._rho(g)

    def _drho(self, A):
        return self.a._drho(A)


def _linear_part(rep):
    """``rep``, or its linear part when it has (or, unbound, may get) translations:
    only copies of ``V`` at the top level of a direct sum carry them."""
    if rep.group is not None:
        return rep.linear if rep.is_affine else rep
    terms = rep.terms if isinstance(rep, SumRep) else (rep,)
    return rep.linear if any(isinstance(t, BaseRep) for t in terms) else rep


V = BaseRep()
"""The group's own action on ``R^d``; bind it with ``V(G)``."""

Scalar = ScalarRep()
"""The trivial one-dimensional representation; ``Scalar(G)`` binds it."""
