"""Gated blocks for Lie groups: equivariant polynomials times invariant gates.

``F(x) = sum_k E_k(x) g_k(s(x))`` where ``E_k`` span the equivariant
polynomial maps of degree <= ``gate_degree`` (input representation -> output
representation; from :func:`~sksym.lie.equivariant_model_basis`), ``s``
are the invariant polynomials of degree <= ``invariant_degree``
(:class:`~sksym.preprocessing.InvariantPolynomialFeatures`) and ``g`` is an
ordinary MLP on them. Each term is equivariant, so ``F`` is exactly equivariant
for every value of the weights.
"""

import numpy as np
from sklearn.preprocessing import PolynomialFeatures

from ..lie import equivariant_model_basis
from ..preprocessing import InvariantPolynomialFeatures

__all__ = ["GatedFeatures"]


class GatedFeatures:
    """Fitted invariant inputs ``s(x)`` and equivariant gates ``E(x)`` (private)."""

    def __init__(self, group, input_rep, output_rep, invariant_degree, gate_degree, tol):
        self.group, self.input_rep, self.output_rep = group, input_rep, output_rep
        self.invariant_degree, self.gate_degree, self.tol = invariant_degree, gate_degree, tol

    def fit(self, X):
        self.invariants_ = InvariantPolynomialFeatures(
            self.group, degree=self.invariant_degree, input_rep=self.input_rep,
            include_bias=False, tol=self.tol,
        ).fit(X)
        S = self.invariants_.transform(X)
        self.s_mean_ = S.mean(axis=0)
        sd = S.std(axis=0)
        self.s_scale_ = np.where(sd > 1e-12, sd, 1.0)
        self.library_ = PolynomialFeatures(self.gate_degree).fit(X)
        B = np.asarray(equivariant_model_basis(self.library_, self.input_rep, self.output_rep, tol=self.tol))
        if B.shape[0] == 0:
            raise ValueError(
                f"There is no equivariant polynomial map of degree <= gate_degree={self.gate_degree} "
                f"from input_rep {self.input_rep!r} to output_rep {self.output_rep!r}; "
                "increase gate_degree."
            )
        self.basis_ = B   # (r, n_out, K)
        E = self._raw_gates(X)
        rms = np.sqrt(np.mean(E ** 2, axis=(0, 1)))
        self.e_scale_ = np.where(rms > 1e-12, rms, 1.0)
        return self

    @property
    def n_inputs(self):
        return self.invariants_.n_output_features_

    @property
    def n_gates(self):
        return self.basis_.shape[0]

    def _raw_gates(self, X):
        theta = self.library_.transform(X)
        return np.einsum("rok,nk->nor", self.basis_, theta, optimize=True)

    def transform(self, X):
        S = (self.invariants_.transform(X) - self.s_mean_) / self.s_scale_
        E = self._raw_gates(X) / self.e_scale_
        return S, E
