"""Activations, their derivatives, and the hidden representations each allows."""

import numpy as np
from scipy.special import expit

__all__ = ["ACTIVATIONS", "check_hidden_rep"]


def _identity(z):
    return z


def _relu(z):
    return np.maximum(z, 0.0)


ACTIVATIONS = {"identity": _identity, "relu": _relu, "tanh": np.tanh, "logistic": expit}

# derivative as a function of the pre-activation z and the activation a
DERIVATIVES = {
    "identity": lambda z, a: np.ones_like(a),
    "relu": lambda z, a: (z > 0).astype(a.dtype),
    "tanh": lambda z, a: 1.0 - a * a,
    "logistic": lambda z, a: a * (1.0 - a),
}

# second derivatives (for forward-mode Lie derivatives differentiated in reverse)
SECOND_DERIVATIVES = {
    "identity": lambda z, a: np.zeros_like(a),
    "relu": lambda z, a: np.zeros_like(a),
    "tanh": lambda z, a: -2.0 * a * (1.0 - a * a),
    "logistic": lambda z, a: a * (1.0 - a) * (1.0 - 2.0 * a),
}

# Which matrices commute with the activation applied entrywise (Godfrey et al.
# 2022, Table 1, with a *linear* intertwiner): the hidden representation's
# group elements must act by such matrices.
ADMITS = {
    "identity": "any representation (the identity commutes with every matrix)",
    "relu": "permutation representations, also with positive scalings "
            "(monomial matrices with positive entries), e.g. RegularRep(group) or Scalar",
    "logistic": "permutation representations only (permutation matrices), e.g. "
                "RegularRep(group) or Scalar; logistic(-z) = 1 - logistic(z) is not odd",
    "tanh": "signed permutation representations (monomial matrices with entries +-1), "
            "e.g. RegularRep(group), Scalar, or V of a sign-flip or hyperoctahedral group",
}


def _monomial_entries(M, tol=1e-9):
    """Non-zero entries of M if it is a monomial matrix (one non-zero per row and
    column), else None."""
    nz = np.abs(M) > tol
    if not (np.all(nz.sum(axis=0) == 1) and np.all(nz.sum(axis=1) == 1)):
        return None
    return M[nz]


def _admissible(M, activation, tol=1e-9):
    if activation == "identity":
        return True
    vals = _monomial_entries(M, tol)
    if vals is None:
        return False
    if activation == "relu":
        return bool(np.all(vals > 0))
    if activation == "logistic":
        return bool(np.all(np.abs(vals - 1.0) < tol))
    if activation == "tanh":
        return bool(np.all(np.abs(np.abs(vals) - 1.0) < tol))
    raise ValueError(f"Unknown activation {activation!r}.")


def check_hidden_rep(rep, activation, layer=None):
    """Raise a ValueError unless ``activation`` commutes with the group action on ``rep``.

    ``rep`` is a bound representation of a finite group; the discrete generators
    are checked (the admissible matrices are closed under products).
    """
    G = rep.group
    where = "" if layer is None else f" of hidden layer {layer}"
    if activation == "identity":
        return
    if G.lie_dim:
        if np.any(np.abs(rep.drho(np.asarray(G.lie_algebra))) > 1e-9):
            raise ValueError(
                f"The hidden representation {rep!r}{where} is acted on by the continuous "
                f"part of {G}, which activation={activation!r} does not commute with; it "
                f"admits {ADMITS[activation]}."
            )
    if not G.n_discrete:
        return
    mats = rep.rho(G._discrete_matrices())
    for M in mats:
        if not _admissible(M, activation):
            raise ValueError(
                f"activation={activation!r} does not commute with the hidden representation "
                f"{rep!r}{where}: {G} acts on it by a matrix that is not allowed. "
                f"activation={activation!r} admits {ADMITS[activation]}."
            )
