"""The bilinear Lie-derivative operator of models ``F(x) = W Theta(x)``.

This module is the one place where the Lie derivative is built; every estimator
uses it. For a Lie-algebra element ``xi`` acting on inputs by the vector field
``xi(x) = drho_in(xi) x + dtau_in(xi)`` and on outputs by ``B_xi = drho_out(xi)``,

    (L_xi F)(x) = W DTheta(x) xi(x) - B_xi W Theta(x),

which is linear in ``W`` (enforce: null space in ``W``) and linear in ``xi``
(discover, promote: the matrix whose columns are ``L_xi_j W``). Discrete group
elements ``h`` give the constraints ``W Theta(h x) - rho_out(h) W Theta(x) = 0``.
"""

from functools import cached_property
from math import comb
import numbers
import warnings

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.csgraph
from sklearn.preprocessing import PolynomialFeatures
from sklearn.utils import check_random_state

from .._checks import check_rank_tol, check_real
from .._linalg import _compress_rows, null_space, rank_tol
from ..exceptions import FewPointsWarning
from ..groups._group import _as_signed_permutations
from ..libraries import library_degree, library_jacobian
from ..reps import Rep

__all__ = ["LieDerivative", "unisolvent_points"]


def unisolvent_points(n_features, degree, oversample=2.0, random_state=0, bound=1.0):
    """Random points on which polynomials of a given degree are determined.

    A polynomial of degree ``<= degree`` in ``n_features`` variables that
    vanishes at more than ``C(n_features + degree, degree)`` generic points is
    zero, so operators evaluated at these points have exactly the null space of
    the polynomial operator (with probability one).

    Parameters
    ----------
    n_features : int
        Number of variables.
    degree : int
        Polynomial degree.
    oversample : float, default=2.0
        Points per monomial; values above 1 keep the evaluation well conditioned.
    random_state : int, RandomState instance or None, default=0
        Seed of the points (fixed by default, so operators are deterministic).
    bound : float, default=1.0
        Points are uniform in ``[-bound, bound]^n_features``.

    Returns
    -------
    P : ndarray of shape (n_points, n_features)

    Examples
    --------
    >>> from sksym.lie import unisolvent_points
    >>> unisolvent_points(3, 2).shape     # 2 x 10 monomials, plus one
    (21, 3)
    """
    for name, value in (("n_features", n_features), ("degree", degree)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer; got {value!r}.")
    for name, value in (("oversample", oversample), ("bound", bound)):
        check_real(value, name, low=0.0, low_open=True)
    n_mono = comb(n_features + degree, degree)
    n_points = int(np.ceil(oversample * n_mono)) + 1
    rng = check_random_state(random_state)
    return rng.uniform(-bound, bound, size=(n_points, n_features))


def _coupled_groups(A):
    """Group label of each input coordinate: coordinates ``i`` and ``l`` share a
    group when some generator's linear part ``A[j]`` couples them (connected
    components of the coupling graph)."""
    coupled = np.any(A != 0, axis=0)
    return scipy.sparse.csgraph.connected_components(
        scipy.sparse.csr_matrix(coupled | coupled.T), directed=False)[1]


def _multi_degrees(powers, group_of):
    """For each exponent row, the tuple of its degrees in each coordinate group."""
    groups = np.unique(group_of)
    degrees = np.stack([powers[:, group_of == g].sum(axis=1) for g in groups], axis=1)
    return [tuple(row) for row in degrees.tolist()]


def _lie_elements(group, lie_algebra):
    if lie_algebra is None:
        return np.asarray(group.lie_algebra)
    A = np.asarray(lie_algebra, dtype=float)
    if A.ndim == 2:
        A = A[None]
    expected = group.lie_algebra.shape[1:]
    if A.ndim != 3 or A.shape[1:] != expected or not np.all(np.isfinite(A)):
        raise ValueError(
            f"lie_algebra must be finite and of shape (q, {expected[0]}, {expected[1]}) for {group}; "
            f"got shape {A.shape}."
        )
    return A


_RESTRICTED_TOL = 1e-6   # threshold on a discrete element restricted to the continuous fixed space


def _invariant_orbit_basis(perms, n):
    """Orthonormal basis (columns) of the vectors ``w`` of length ``n`` with
    ``w[dst[i]] = sign[i] w[i]`` for every signed permutation ``(dst, sign)``
    in ``perms``: one vector per orbit of the group they generate, with the
    signs carried along the orbit, and none for an orbit on which they
    contradict each other (an entry equal to minus itself)."""
    edges = [[] for _ in range(n)]
    for dst, sign in perms:
        for i, (j, sg) in enumerate(zip(dst.tolist(), sign.tolist())):
            edges[i].append((j, sg))
            edges[j].append((i, sg))
    label, value = np.full(n, -1), np.zeros(n)
    n_orbits = 0
    for root in range(n):                  # depth-first through each orbit
        if label[root] >= 0:
            continue
        label[root], value[root] = n_orbits, 1.0
        stack = [root]
        while stack:
            i = stack.pop()
            for j, sg in edges[i]:
                if label[j] < 0:
                    label[j], value[j] = n_orbits, sg * value[i]
                    stack.append(j)
        n_orbits += 1
    consistent = np.ones(n_orbits, dtype=bool)
    for dst, sign in perms:
        consistent[label[value[dst] != sign * value]] = False
    column = np.cumsum(consistent) - 1
    rows = np.flatnonzero(consistent[label])
    N = np.zeros((n, int(consistent.sum())))
    N[rows, column[label[rows]]] = value[rows]
    return N / np.sqrt(np.maximum(np.sum(N * N, axis=0), 1.0))


class LieDerivative:
    """The Lie-derivative operator of ``F(x) = W Theta(x)``, bilinear in
    (generator, ``W``).

    Parameters
    ----------
    library : fitted transformer
        The dictionary ``Theta`` (``PolynomialFeatures``, a
        :class:`~sksym.libraries.FunctionLibrary`, or any transformer; see
        :func:`~sksym.libraries.library_jacobian`).
    input_rep : Rep
        Bound representation acting on the inputs (size ``n_features``).
    output_rep : Rep
        Bound representation acting on the outputs (size ``n_outputs``), of the
        same group.
    lie_algebra : array-like of shape (q, d, d) or (q, d, d + 1), default=None
        Lie-algebra elements ``xi_j`` to differentiate along; default: the basis
        of the bound group's Lie algebra.
    discrete_elements : array-like of shape (k, m, m), default=None
        Group elements for the discrete constraints (homogeneous for affine
        groups); default: the group's discrete generators.
    points : array-like of shape (n_points, n_features), default=None
        Where the operator is evaluated. Default: :func:`unisolvent_points` for
        polynomial libraries, which makes the operator exact. Other libraries
        need points (e.g. the training inputs); the operator is then a sampled
        approximation.
    oversample : float, default=2.0
        Passed to :func:`unisolvent_points`; at least 1 (fewer points than
        monomials would not determine ``L_xi F``).
    random_state : int, RandomState instance or None, default=0
        Seed of the default points.

    Notes
    -----
    Rows are weighted by ``1 / sqrt(n_points)``, so ``||L_xi W||`` approximates
    the root-mean-square of the Lie derivative over the points (over the box
    ``[-1, 1]^d`` for the default points). Null spaces do not depend on this.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import PolynomialFeatures
    >>> from sksym.groups import SO
    >>> from sksym.reps import V, Scalar
    >>> from sksym.lie import LieDerivative
    >>> G = SO(3)
    >>> lib = PolynomialFeatures(4).fit(np.zeros((1, 3)))
    >>> op = LieDerivative(lib, V(G), Scalar(G))
    >>> op.equivariant_basis().shape     # 1, |x|^2, |x|^4
    (3, 1, 35)
    """

    def __init__(self, library, input_rep, output_rep, lie_algebra=None,
                 discrete_elements=None, points=None, oversample=2.0, random_state=0):
        for rep, name in ((input_rep, "input_rep"), (output_rep, "output_rep")):
            if not isinstance(rep, Rep) or not rep.is_bound:
                raise TypeError(f"{name} must be a Rep bound to a group, e.g. V(SO(3)); got {rep!r}.")
        if input_rep.group != output_rep.group:
            raise ValueError(
                f"input_rep is bound to {input_rep.group} but output_rep to {output_rep.group}."
            )
        self.library = library
        self.input_rep = input_rep
        self.output_rep = output_rep
        self.group = input_rep.group
        self.n_features = input_rep.size
        self.n_outputs = output_rep.size
        self.lie_algebra = _lie_elements(self.group, lie_algebra)
        if discrete_elements is None:
            discrete_elements = self.group._discrete_matrices()
        shape = np.shape(self.group.sample(0))[1:]
        discrete_elements = np.asarray(discrete_elements, dtype=float)
        if discrete_elements.size % int(np.prod(shape)) or (
                discrete_elements.size and discrete_elements.shape[-2:] != shape):
            raise ValueError(
                f"discrete_elements must have shape (k, {shape[0]}, {shape[1]}) for {self.group}; "
                f"got {discrete_elements.shape}."
            )
        self.discrete_elements = discrete_elements.reshape((-1,) + shape)
        self.degree = library_degree(library)
        if points is None:
            if self.degree is None:
                raise ValueError(
                    f"The library {type(library).__name__} is not polynomial, so the operator "
                    "must be evaluated at given points (for example the training inputs)."
                )
            check_real(oversample, "oversample", low=1.0)     # more points than monomials
            points = unisolvent_points(self.n_features, self.degree, oversample, random_state)
        points = np.asarray(points, dtype=float)
        if points.ndim != 2 or points.shape[1] != self.n_features:
            raise ValueError(
                f"points must have shape (n_points, {self.n_features}); got {points.shape}."
            )
        if points.shape[0] == 0:
            raise ValueError(f"points must have shape (n_points, {self.n_features}) with n_points >= 1; "
                             "got no points.")
        if not np.all(np.isfinite(points)):
            raise ValueError("points must be finite.")
        self.points = points
        self.weight = 1.0 / np.sqrt(points.shape[0])
        self._points_checked = False

    # ------------------------------------------------------------------ pieces
    @property
    def n_generators(self):
        """Number ``q`` of Lie-algebra elements."""
        return self.lie_algebra.shape[0]

    @cached_property
    def theta(self):
        """``Theta`` at the points, shape (n_points, n_library_features)."""
        return np.asarray(self.library.transform(self.points), dtype=float)

    @cached_property
    def n_library_features(self):
        """Number ``K`` of dictionary functions (from one point: the exact paths
        never need the dictionary at all the points, which at high degree is
        most of their memory)."""
        if "theta" in self.__dict__:
            return self.theta.shape[1]
        return int(np.asarray(self.library.transform(self.points[:1])).shape[1])

    @cached_property
    def jacobian(self):
        """``DTheta`` at the points, shape (n_points, K, n_features)."""
        return library_jacobian(self.library, self.points)

    @cached_property
    def vector_fields(self):
        """Input vector fields ``xi_j(x)`` at the points, shape (q, n_points, n_features)."""
        rep = self.input_rep
        if self.n_generators == 0:
            return np.zeros((0,) + self.points.shape)
        A = rep.drho(self.lie_algebra)
        b = rep.dtau(self.lie_algebra)
        return np.einsum("qij,pj->qpi", A, self.points) + b[:, None, :]

    @cached_property
    def output_generators(self):
        """Output matrices ``B_j = drho_out(xi_j)``, shape (q, n_outputs, n_outputs)."""
        if self.n_generators == 0:
            return np.zeros((0, self.n_outputs, self.n_outputs))
        return self.output_rep.drho(self.lie_algebra)

    @cached_property
    def output_translations(self):
        """Translation parts ``dtau_out(xi_j)`` of the output action, shape
        (q, n_outputs); zero unless the outputs are points of an affine group."""
        if self.n_generators == 0 or not self.output_rep.is_affine:
            return np.zeros((self.n_generators, self.n_outputs))
        return self.output_rep.dtau(self.lie_algebra)

    @cached_property
    def _discrete_theta(self):
        """``Theta(h x)`` for each discrete element, shape (k, n_points, K)."""
        return np.array([
            self.library.transform(self.input_rep.act(h, self.points))
            for h in self.discrete_elements
        ]).reshape(len(self.discrete_elements), *self.theta.shape)

    @cached_property
    def _discrete_rho(self):
        if len(self.discrete_elements) == 0:
            return np.zeros((0, self.n_outputs, self.n_outputs))
        return self.output_rep.rho(self.discrete_elements)

    def directional_derivatives(self, j):
        """``DTheta(x) xi_j(x)`` at the points, shape (n_points, K)."""
        return np.einsum("pkd,pd->pk", self.jacobian, self.vector_fields[j])

    def coefficient_maps(self):
        """The operator on monomial coefficients, exactly (polynomial libraries).

        For :class:`~sklearn.preprocessing.PolynomialFeatures` and the affine
        vector fields of a group action, ``L_xi_j W`` is a polynomial of degree
        at most the library's degree ``D``; its coefficients in the monomials
        ``powers`` (all monomials of degree ``<= D``) are ``S_j vec(W)`` for a
        sparse matrix ``S_j``. The point-evaluated blocks of
        :meth:`constraint_blocks` are ``(Phi (x) I) S_j`` with ``Phi`` the
        monomials at :attr:`points` (weighted), which is how
        :class:`~sksym.solvers.CompressedLieOperator` compresses the operator
        without forming it.

        Returns
        -------
        maps : tuple ``(powers, S)`` or None
            ``powers`` of shape (P, n_features) are the exponents of the
            monomial basis; ``S`` is a sparse CSR matrix of shape
            (q * P * n_outputs, n_outputs * K): rows ``(j, t, a)`` (generator,
            monomial, output) in row-major order, columns ``vec(W)``
            (row-major). ``None`` when the library is not
            ``PolynomialFeatures`` (no exact coefficient map is known).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.preprocessing import PolynomialFeatures
        >>> from sksym.groups import SO
        >>> from sksym.reps import V, Scalar
        >>> from sksym.lie import LieDerivative
        >>> lib = PolynomialFeatures(2).fit(np.zeros((1, 2)))
        >>> powers, S = LieDerivative(lib, V(SO(2)), Scalar(SO(2))).coefficient_maps()
        >>> w = np.array([0, 1.0, 0, 0, 0, 0])         # F = x0: its derivative is c * x1
        >>> [(powers[t].tolist(), round(float(c), 4)) for t, c in enumerate(S @ w) if c]
        [([0, 1], 0.7071)]
        """
        return self._coefficient_maps(self.output_rep)

    def _coefficient_maps(self, output_rep):
        """:meth:`coefficient_maps` for the output representation ``output_rep``
        (the whole one, or one summand of it)."""
        lib = self.library
        if not isinstance(lib, PolynomialFeatures) or self.input_rep.size != self.n_features:
            return None
        alpha = np.asarray(lib.powers_, dtype=np.int64)          # (K, m)
        K, m = alpha.shape
        n = output_rep.size
        q = self.n_generators
        D = int(alpha.sum(axis=1).max(initial=0))
        powers = PolynomialFeatures(D).fit(np.zeros((1, m))).powers_.astype(np.int64)
        P = len(powers)
        lookup = {row.tobytes(): t for t, row in enumerate(powers)}
        # terms of x_l d_i x^alpha_k (l < m) and d_i x^alpha_k (l = m): (k, i, l, coef, target)
        ks, iis = np.nonzero(alpha)
        k_t, i_t, l_t, c_t, t_t = [], [], [], [], []
        for k, i in zip(ks, iis):
            base = alpha[k].copy()
            base[i] -= 1
            c = float(alpha[k, i])
            k_t.append(k); i_t.append(i); l_t.append(m); c_t.append(c)
            t_t.append(lookup[base.tobytes()])
            for l in range(m):
                base[l] += 1
                k_t.append(k); i_t.append(i); l_t.append(l); c_t.append(c)
                t_t.append(lookup[base.tobytes()])
                base[l] -= 1
        k_t, i_t, l_t = np.array(k_t, dtype=np.int64), np.array(i_t, dtype=np.int64), np.array(l_t, dtype=np.int64)
        c_t, t_t = np.array(c_t), np.array(t_t, dtype=np.int64)
        rep = self.input_rep
        if q:
            fields = np.concatenate([rep.drho(self.lie_algebra), rep.dtau(self.lie_algebra)[:, :, None]],
                                    axis=2)                       # (q, m, m + 1): x -> A x + b
        else:
            fields = np.zeros((0, m, m + 1))
        B = output_rep.drho(self.lie_algebra) if q else np.zeros((0, n, n))
        own = np.array([lookup[row.tobytes()] for row in alpha], dtype=np.int64)
        rows, cols, vals = [], [], []
        for j in range(q):
            v = c_t * fields[j, i_t, l_t]
            nz = v != 0
            for a in range(n):                      # W_a DTheta xi -> output a
                rows.append((j * P + t_t[nz]) * n + a)
                cols.append(a * K + k_t[nz])
                vals.append(v[nz])
            ab = np.argwhere(B[j] != 0)
            for a, b in ab:                         # - B_ab W_b Theta -> output a
                rows.append((j * P + own) * n + a)
                cols.append(b * K + np.arange(K))
                vals.append(np.full(K, -B[j, a, b]))
        if rows:
            rows, cols, vals = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
        S = scipy.sparse.csr_matrix((vals, (rows, cols)), shape=(q * P * n, n * K))
        S.sum_duplicates()
        S.eliminate_zeros()
        return powers, S

    # ------------------------------------------------------------------ W fixed
    def _check_W(self, W):
        W = np.asarray(W, dtype=float)
        if W.ndim == 1 and self.n_outputs == 1:
            W = W[None]
        expected = (self.n_outputs, self.n_library_features)
        if W.shape != expected:
            raise ValueError(f"W must have shape (n_outputs, n_library_features) = {expected}; got {W.shape}.")
        return W

    def apply(self, W, intercept=None):
        """Lie derivatives of the model ``W Theta + b`` along every generator.

        ``(L_xi F)(x) = W DTheta(x) xi(x) - B_xi (W Theta(x) + b) - t_xi``, where
        ``t_xi = dtau_out(xi)`` is non-zero only when the outputs are points of
        an affine group (then ``L`` is affine, not linear, in ``(W, b)``; it is
        always linear in ``xi``).

        Parameters
        ----------
        W : array-like of shape (n_outputs, K)
        intercept : array-like of shape (n_outputs,), default=None
            A constant ``b`` added to the model's outputs.

        Returns
        -------
        L : ndarray of shape (q, n_points, n_outputs)
            ``L[j, p] = (L_xi_j F)(x_p)``, weighted by ``1 / sqrt(n_points)``.
        """
        W = self._check_W(W)
        self._warn_few_points()
        # batched matrix products (np.einsum without a path loops in C, ~10x slower:
        # 88 ms per call for GL(20) with two outputs at 500 points)
        JW = np.matmul(W, self.jacobian)                       # DF at the points, (p, o, d)
        F = self.theta @ W.T                                   # F at the points
        if intercept is not None:
            F = F + np.asarray(intercept, dtype=float).reshape(1, self.n_outputs)
        L = np.matmul(self.vector_fields.transpose(1, 0, 2), JW.transpose(0, 2, 1)).transpose(1, 0, 2)
        B = self.output_generators
        if np.any(B):
            L -= np.matmul(F, B.transpose(0, 2, 1))              # B_xi F, (q, p, o)
        L -= self.output_translations[:, None, :]
        return L * self.weight

    def matrix(self, W, intercept=None):
        """The linear map ``xi -> L_xi F`` as a matrix (discover, promote).

        Parameters
        ----------
        W : array-like of shape (n_outputs, K)
        intercept : array-like of shape (n_outputs,), default=None
            A constant added to the model's outputs (see :meth:`apply`).

        Returns
        -------
        M : ndarray of shape (n_points * n_outputs, q)
            Column ``j`` is ``L_xi_j W`` flattened; its null space (in the
            coefficients of the Lie-algebra elements) is the symmetry algebra of
            the model among the given generators.
        """
        L = self.apply(W, intercept)
        return L.reshape(self.n_generators, len(self.points) * self.n_outputs).T

    def _linear_matrices(self, Ws, intercepts=None):
        """:meth:`matrix` for a stack of models without the constant
        ``t_xi`` (the linear part of ``(W, b) -> M``), in one batched product
        instead of one call per model (covariances of fit errors): ``Ws`` of
        shape (b, n_outputs, K), ``intercepts`` of shape (b, n_outputs);
        returns shape (b, n_points * n_outputs, q)."""
        Ws = np.asarray(Ws, dtype=float)
        self._warn_few_points()
        b, o, K = Ws.shape
        W2 = Ws.reshape(b * o, K)
        JW = np.matmul(W2, self.jacobian)                                   # (p, b o, d)
        L = np.matmul(self.vector_fields.transpose(1, 0, 2), JW.transpose(0, 2, 1))   # (p, q, b o)
        p, q = L.shape[:2]
        L = L.reshape(p, q, b, o)
        B = self.output_generators
        if np.any(B):
            F = (self.theta @ W2.T).reshape(p, b, o)
            if intercepts is not None:
                F = F + np.asarray(intercepts, dtype=float).reshape(1, b, o)
            L -= np.matmul(F[:, None], B.transpose(0, 2, 1)[None])          # B_xi F, (p, q, b, o)
        L = L.transpose(2, 1, 0, 3).reshape(b, q, p * o)
        return L.transpose(0, 2, 1) * self.weight

    def discrete_residual(self, W):
        """``F(h x) - rho_out(h) F(x)`` at the points, shape (k, n_points, n_outputs)."""
        W = self._check_W(W)
        self._warn_few_points()
        F = self.theta @ W.T
        FH = self._discrete_theta @ W.T
        return (FH - np.einsum("kab,pb->kpa", self._discrete_rho, F)) * self.weight

    def _warn_few_points(self):
        """:class:`~sksym.exceptions.FewPointsWarning`, once, when the
        operator is evaluated at points that cannot determine the functions it
        constrains: for polynomial libraries polynomials of the library's
        degree (one less when the generators are translations only and there
        are no discrete elements), ``C(d + k, k)`` coefficients; for other
        libraries at least the ``K`` dictionary functions. Distinct points are
        counted (repeated rows determine nothing more); points in special
        position (all on one hypersurface of that degree) are not detected.
        Called where the points are used (not by the exact paths of
        :meth:`equivariant_basis`)."""
        if getattr(self, "_points_checked", False):
            return
        self._points_checked = True
        has_discrete = len(self.discrete_elements) > 0
        if self.n_generators == 0 and not has_discrete:
            return
        d = self.points.shape[1]
        n = len(np.unique(self.points, axis=0))
        if self.degree is not None:
            k = self.degree
            translations_only = not np.any(self.input_rep.drho(self.lie_algebra))
            if k > 0 and translations_only and not has_discrete:
                k -= 1                                 # L_xi F = DF xi has degree k - 1
            need, what = comb(d + k, k), f"polynomials of degree {k} in {d} variables"
        else:
            need = self.n_library_features
            what = f"the {need} functions of the library"
        if n < need:
            warnings.warn(
                f"The Lie derivative is evaluated at {n} distinct points, fewer than the {need} it "
                f"takes to determine {what}: models that break the symmetry between the points "
                "pass as symmetric (equivariant bases and discovered symmetries can be too large). "
                "Use more points (more samples, or a larger n_points where an estimator takes it).",
                FewPointsWarning, stacklevel=4)

    # ------------------------------------------------------------------ enforce
    def _exact_blocks(self, rep):
        """Constraint blocks for :meth:`equivariant_basis`: for polynomial
        libraries the Lie-algebra constraints on the monomial coefficients of
        ``L_xi W`` (:meth:`coefficient_maps`: small integers times the
        generators' entries, where monomials evaluated at points are
        ill-conditioned at high degree: 19 instead of 13 SO(2)-invariant
        polynomials of degree 24 in 2 variables), then the discrete elements
        at the points; otherwise :meth:`constraint_blocks`."""
        maps = None if self.output_rep.is_affine else self._coefficient_maps(rep)
        if maps is None:
            yield from self.constraint_blocks(rep)
            return
        powers, S = maps
        rows = len(powers) * rep.size
        for j in range(self.n_generators):
            yield S[j * rows:(j + 1) * rows].toarray()
        yield from self._discrete_blocks(rep)

    def _graded_null_space(self, rep, tol):
        """:meth:`equivariant_basis`'s null space for one output summand ``rep``,
        block by block, or ``None`` when that does not apply.

        A linear action (no translations among the generators' fields) that
        couples the input coordinates in groups (the summands of the input
        representation: three vectors under SO(3) are three groups) maps a
        monomial of degree ``k_g`` in each group ``g`` to monomials of the same
        degrees, so the coefficient maps are block diagonal by these
        multi-degrees: many small SVDs instead of one of the whole library
        (SO(3) on three vectors at degree 5: 2002 coefficients, 11 s for the
        degree-5 block of 1287 alone; the largest multi-degree block has 108).
        The threshold is ``tol`` times the largest singular value over all
        blocks, as for the whole matrix. Discrete elements (at the points) then
        constrain the span found, with ``tol`` relative to the larger of that
        and the Frobenius norm of their rows."""
        if self.n_generators == 0 or self.output_rep.is_affine:
            return None
        if np.any(self.input_rep.dtau(self.lie_algebra) != 0):
            return None           # translations lower the degree: not block diagonal
        maps = self._coefficient_maps(rep)
        if maps is None:
            return None
        powers, S = maps
        q, P, n = self.n_generators, len(powers), rep.size
        alpha = np.asarray(self.library.powers_)
        K = len(alpha)
        group_of = _coupled_groups(self.input_rep.drho(self.lie_algebra))
        row_degrees = _multi_degrees(powers, group_of)      # every library degree is among them
        block_of = {key: i for i, key in enumerate(dict.fromkeys(row_degrees))}
        row_block = np.array([block_of[key] for key in row_degrees])
        col_block = np.array([block_of[key] for key in _multi_degrees(alpha, group_of)])
        pieces, s_max = [], 0.0
        for block in np.unique(col_block):
            cols = (np.arange(n)[:, None] * K + np.flatnonzero(col_block == block)).ravel()
            t = np.flatnonzero(row_block == block)
            rows = ((np.arange(q)[:, None, None] * P + t[:, None]) * n + np.arange(n)).ravel()
            R = _compress_rows([S[rows][:, cols].toarray()], cols.size)
            if R.shape[0] == 0:
                s, vt = np.zeros(0), np.eye(cols.size)
            else:
                _, s, vt = scipy.linalg.svd(R, full_matrices=True, check_finite=False,
                                            lapack_driver="gesvd")
            pieces.append((cols, s, vt))
            s_max = max(s_max, s[0] if s.size else 0.0)
        columns = []
        for cols, s, vt in pieces:
            rank = int(np.sum(s > rank_tol(tol, n * K) * s_max)) if s_max > 0 else 0
            N_k = np.zeros((n * K, cols.size - rank))
            N_k[cols] = vt[rank:].T
            columns.append(N_k)
        N = np.concatenate(columns, axis=1)
        if len(self.discrete_elements) and N.shape[1]:
            perms = self._discrete_permutations(rep)
            if perms is not None:
                # exact signed permutations P_h. The group's elements preserve the
                # continuous fixed space, so P_h restricted to span(N) is the
                # orthogonal T_h = N^T P_h N, whose fixed vectors have eigenvalue 1
                # and the others roots of unity at least 2 pi / order(h) away
                # (> 7e-3 for orders up to 840): thresholded at _RESTRICTED_TOL, far
                # above N's own error, which at high degree reaches 1e-8 (O(2) at
                # degree 60: (P_h - I) N at a 1e-10 threshold dropped 7 of 31
                # invariants). When span(N) is not preserved (elements that do not
                # normalise the Lie algebra), (P_h - I) N itself.
                moved = []
                for dst, sign in perms:
                    PN = np.empty_like(N)
                    PN[dst] = sign[:, None] * N
                    moved.append(PN)
                r = N.shape[1]
                restricted = [N.T @ PN for PN in moved]
                leak = max(float(np.linalg.norm(PN - N @ T)) for PN, T in zip(moved, restricted))
                if leak <= _RESTRICTED_TOL:
                    blocks = [T - np.eye(r) for T in restricted]
                    return N @ null_space(blocks, r, max(tol, _RESTRICTED_TOL), scale=1.0)
                return N @ null_space([PN - N for PN in moved], r, tol, scale=1.0)
            # relative to the size of the discrete rows themselves (D N is at
            # round-off when the span found is already invariant)
            D = list(self._discrete_blocks(rep))
            scale = max([s_max] + [float(np.linalg.norm(b)) for b in D])
            N = N @ null_space((b @ N for b in D), N.shape[1], tol, scale=scale)
        return N

    def constraint_blocks(self, output_block=None):
        """Row blocks of the stacked constraint matrix on ``vec(W)`` (row-major).

        Parameters
        ----------
        output_block : (slice or index array, Rep), default=None
            Restrict to the rows of ``W`` of one summand of the output
            representation (used to solve each summand once).

        Yields
        ------
        C : ndarray of shape (n_points * n_out, n_out * K)
            One block per Lie-algebra element, then one per discrete element.
        """
        if self.output_rep.is_affine:
            raise ValueError(
                f"output_rep {self.output_rep!r} contains points of the affine group "
                f"{self.group}: equivariance is then an affine (not linear) condition on W, "
                "which enforcing does not support. For vectors (velocities, forces) use "
                "the linear part, e.g. output_rep=V.linear."
            )
        rep = self.output_rep if output_block is None else output_block
        self._warn_few_points()
        K = self.n_library_features
        theta = self.theta * self.weight
        n = rep.size
        I = np.eye(n)
        B = rep.drho(self.lie_algebra) if self.n_generators else np.zeros((0, n, n))
        for j in range(self.n_generators):
            a = self.directional_derivatives(j) * self.weight
            blk = np.einsum("ab,pk->pabk", I, a) - np.einsum("ab,pk->pabk", B[j], theta)
            yield blk.reshape(-1, n * K)
        yield from self._discrete_blocks(rep)

    @cached_property
    def _monomial_maps(self):
        """For each discrete element ``h``, ``(tau, sigma)`` with
        ``Theta(h x)_k = sigma_k Theta(x)_tau(k)``, when ``h`` acts on the inputs
        by a signed permutation and the library is ``PolynomialFeatures``
        (monomials go to signed monomials of the library); else None."""
        if (not len(self.discrete_elements) or type(self.library) is not PolynomialFeatures
                or self.input_rep.is_affine):
            return None
        A = _as_signed_permutations(self.input_rep.rho(self.discrete_elements))
        if A is None:
            return None
        powers = np.asarray(self.library.powers_)
        index = {tuple(row): k for k, row in enumerate(powers.tolist())}
        d = powers.shape[1]
        maps = []
        for Ah in A:
            pi = np.argmax(np.abs(Ah), axis=1)               # (A x)_i = s_i x_pi(i)
            signs = Ah[np.arange(d), pi]
            moved = np.zeros_like(powers)
            moved[:, pi] = powers                              # x^alpha -> x^moved, up to sign
            tau = np.array([index.get(tuple(row), -1) for row in moved.tolist()])
            if np.any(tau < 0):
                return None
            sigma = np.where(powers[:, signs < 0].sum(axis=1) % 2 == 1, -1.0, 1.0)
            maps.append((tau, sigma))
        return maps

    def _discrete_permutations(self, rep):
        """The discrete constraints for the output summand ``rep`` as signed
        permutations of the coefficients ``vec(W)`` (index ``a K + k``): for
        each element, ``(dst, sign)`` such that an equivariant ``W`` has
        ``w[dst[i]] = sign[i] w[i]``; None unless :attr:`_monomial_maps`
        applies and ``rep`` represents the elements by signed permutations.
        Exact (no evaluation at points) and cheap: ``F(h x) = rho(h) F(x)``
        compares the coefficients of ``Theta(x)_tau(k)``:
        ``W[mu(a), tau(k)] = t_a sigma_k W[a, k]`` for ``rho(h)_(a, mu(a)) = t_a``."""
        maps = self._monomial_maps
        if maps is None:
            return None
        R = _as_signed_permutations(rep.rho(self.discrete_elements))
        if R is None:
            return None
        n, K = rep.size, self.n_library_features
        out = []
        for (tau, sigma), Rh in zip(maps, R):
            mu = np.argmax(np.abs(Rh), axis=1)
            t = Rh[np.arange(n), mu]
            out.append(((mu[:, None] * K + tau[None, :]).ravel(), (t[:, None] * sigma[None, :]).ravel()))
        return out

    def _discrete_blocks(self, rep):
        """The discrete elements' rows of :meth:`constraint_blocks` for the output
        representation ``rep``."""
        if not len(self.discrete_elements):
            return
        self._warn_few_points()
        K = self.n_library_features
        theta = self.theta * self.weight
        n = rep.size
        I = np.eye(n)
        R = rep.rho(self.discrete_elements)
        for h in range(len(self.discrete_elements)):
            th = self._discrete_theta[h] * self.weight
            blk = np.einsum("ab,pk->pabk", I, th) - np.einsum("ab,pk->pabk", R[h], theta)
            yield blk.reshape(-1, n * K)

    def equivariant_basis(self, tol=1e-10):
        """Orthonormal basis of the parameters ``W`` whose model is equivariant.

        The output representation is split into summands and each distinct
        summand is solved once (``k * Scalar`` costs one scalar problem). For
        :class:`~sklearn.preprocessing.PolynomialFeatures` the Lie-algebra
        constraints act on the exact monomial coefficients of ``L_xi W``
        (:meth:`coefficient_maps`), which stay well conditioned at high degree
        (for linear actions solved block by block: the degrees in each group of
        coupled inputs are preserved); discrete elements, and other libraries,
        are evaluated at the points.

        Parameters
        ----------
        tol : float, default=1e-10
            Relative singular-value threshold of the null space; never below
            the rounding level ``n_outputs * K * eps`` (``tol=0`` does not count
            round-off as constraints).

        Returns
        -------
        basis : ndarray of shape (r, n_outputs, K)
            Orthonormal in the Frobenius inner product.
        """
        from ..reps._basis import _expand

        tol = check_rank_tol(tol)
        K = self.n_library_features
        cache = {}
        out = []
        for term, idx in _expand(self.output_rep):
            if term not in cache:
                N = None
                if self.n_generators == 0 and not self.output_rep.is_affine:
                    perms = self._discrete_permutations(term)
                    if perms is not None:
                        N = _invariant_orbit_basis(perms, term.size * K)
                if N is None:
                    N = self._graded_null_space(term, tol)
                if N is None:
                    N = null_space(self._exact_blocks(term), term.size * K, tol)
                cache[term] = N.T.reshape(-1, term.size, K)
            Nt = cache[term]
            full = np.zeros((Nt.shape[0], self.n_outputs, K))
            full[:, idx, :] = Nt
            out.append(full)
        return np.concatenate(out) if out else np.zeros((0, self.n_outputs, K))
