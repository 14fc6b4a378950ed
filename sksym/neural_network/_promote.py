"""Soft symmetry: a nuclear-norm penalty on the network's Lie derivatives.

For candidate generators ``xi_1..xi_q`` (the Lie-algebra basis of ``group``)
and points ``x_1..x_m``, the Lie derivative of the network ``F`` along ``xi_j``
is

    (L_j F)(x_i) = DF(x_i) xi_j(x_i) - B_j F(x_i),

with ``xi_j(x) = input_rep.vector_field(A_j, x)`` and ``B_j = output_rep.drho(A_j)``.
The matrix ``M`` whose column ``j`` stacks ``L_j F`` over the points (scaled by
``1 / sqrt(m)``) is linear in the generator; its nuclear norm is small when a
low-dimensional subgroup leaves ``F`` invariant, and it is the penalty of
Otto et al. (2023, Sec. 1.4 (ii)). ``DF xi`` is computed by forward-mode
differentiation through the layers, and the gradient of the penalty with
respect to the weights by reverse mode through that computation (second
derivatives of the activation), all in numpy.
"""

import numpy as np
import scipy.linalg

from ._activations import ACTIVATIONS, DERIVATIVES, SECOND_DERIVATIVES

__all__ = ["lie_derivative_matrix", "make_penalty", "nuclear_norm_subgradient"]


def nuclear_norm_subgradient(M, smoothing=0.0):
    """Nuclear norm of ``M`` and its gradient.

    With ``smoothing = eps > 0`` the smooth surrogate
    ``sum_i sqrt(s_i^2 + eps^2) - eps`` (gradient ``U diag(s / sqrt(s^2 + eps^2)) V^T``)
    is used, which quasi-Newton methods handle; ``eps = 0`` gives the nuclear
    norm and its minimum-norm subgradient ``U V^T`` (over the non-zero
    singular values).
    """
    if M.size == 0:
        return 0.0, np.zeros_like(M)
    U, s, Vt = scipy.linalg.svd(M, full_matrices=False, check_finite=False)
    if smoothing > 0:
        r = np.sqrt(s * s + smoothing * smoothing)
        return float(np.sum(r - smoothing)), (U * (s / r)) @ Vt
    keep = s > 1e-12 * max(s[0], 1e-300)
    return float(s.sum()), (U[:, keep] @ Vt[keep])


def _generators(est):
    G = est.group_
    A = np.asarray(G.lie_algebra)
    B = est.output_rep_.drho(A)          # (q, n_out, n_out)
    return A, B


def _forward_tangent(X, Ws, bs, activation, V):
    """Primal and tangent passes. V: (q, n, d) input tangents.

    Returns (zs, acts, ss, zdots, F, Fdot) with Fdot of shape (q, n, n_out).
    """
    act, der = ACTIVATIONS[activation], DERIVATIVES[activation]
    a, adot = X, V
    zs, acts, ss, zdots = [], [X], [], []
    last = len(Ws) - 1
    for i, (W, b) in enumerate(zip(Ws, bs)):
        z = a @ W + b
        zdot = adot @ W
        zdots.append(zdot)
        if i < last:
            a = act(z)
            s = der(z, a)
            adot = s[None] * zdot
            zs.append(z)
            acts.append(a)
            ss.append(s)
        else:
            return zs, acts, ss, zdots, z, zdot


def lie_derivative_matrix(est, X, Ws=None, bs=None):
    """The matrix ``M`` (n_points * n_outputs, q) of Lie derivatives of a fitted
    dense network at the points ``X`` (private helper; scaled by ``1/sqrt(n)``)."""
    Ws = est.coefs_ if Ws is None else Ws
    bs = est.intercepts_ if bs is None else bs
    A, B = _generators(est)
    V = np.stack([est.input_rep_.vector_field(a, X) for a in A])
    _, _, _, _, F, Fdot = _forward_tangent(X, Ws, bs, est.activation, V)
    L = Fdot - np.einsum("qij,nj->qni", B, F)
    n = X.shape[0]
    return L.reshape(L.shape[0], -1).T / np.sqrt(n)


def penalty_and_grad(X, Ws, bs, activation, A, B, in_rep, weight, smoothing=0.0):
    """Value of ``weight * ||M||_*`` and its gradient with respect to Ws, bs."""
    n = X.shape[0]
    V = np.stack([in_rep.vector_field(a, X) for a in A])          # (q, n, d)
    zs, acts, ss, zdots, F, Fdot = _forward_tangent(X, Ws, bs, activation, V)
    L = Fdot - np.einsum("qij,nj->qni", B, F)                      # (q, n, o)
    q = L.shape[0]
    M = L.reshape(q, -1).T / np.sqrt(n)
    value, S = nuclear_norm_subgradient(M, smoothing)
    dL = (weight / np.sqrt(n)) * S.T.reshape(L.shape)              # (q, n, o)
    der2 = SECOND_DERIVATIVES[activation]
    nl = len(Ws)
    gW = [np.zeros_like(W) for W in Ws]
    gb = [np.zeros_like(b) for b in bs]
    dzdot = dL                                                     # grad wrt zdot of last layer
    dz = -np.einsum("qni,qij->nj", dL, B)                          # grad wrt F = z_last
    for i in range(nl - 1, -1, -1):
        a_prev = acts[i]
        adot_prev = V if i == 0 else ss[i - 1][None] * zdots[i - 1]
        gW[i] += a_prev.T @ dz + np.einsum("qnk,qnm->km", adot_prev, dzdot)
        gb[i] += dz.sum(axis=0)
        if i == 0:
            break
        da = dz @ Ws[i].T
        dadot = dzdot @ Ws[i].T                                    # (q, n, h)
        s = ss[i - 1]
        z_prev, a_p = zs[i - 1], acts[i]
        ds = np.sum(zdots[i - 1] * dadot, axis=0)
        dzdot = s[None] * dadot
        dz = s * da + der2(z_prev, a_p) * ds
    return weight * value, gW, gb


def make_penalty(est):
    """Factory ``(Z, X) -> penalty(Ws, bs)`` used by the training loop (private)."""
    A, B = _generators(est)
    in_rep = est.input_rep_
    weight = float(est.symmetry_alpha)
    m = int(est.n_symmetry_points)
    activation = est.activation
    smoothing = 1e-2 if est.solver == "lbfgs" else 0.0
    rng = np.random.RandomState(0)
    cache = {}

    def factory(Z, X):
        n = Z.shape[0]
        if n not in cache:
            cache[n] = np.sort(rng.permutation(n)[:m]) if n > m else np.arange(n)
        P = Z[cache[n]]

        def penalty(Ws, bs):
            return penalty_and_grad(P, Ws, bs, activation, A, B, in_rep, weight, smoothing)

        return penalty

    return factory
