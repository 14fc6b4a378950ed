"""Layers whose weights are combinations of an equivariant basis.

A layer maps ``k_in`` copies of a representation ``A`` to ``k_out`` copies of a
representation ``B``. Its weight matrix is block-structured: every
``(B, A)`` block is ``reshape(Q c)`` for an orthonormal basis ``Q`` of the
equivariant maps ``A -> B`` (``(A >> B).equivariant_basis()``) and its own
coefficient vector ``c``; the bias is ``k_out`` copies of the fixed space of
``B``. The trainable parameters are the coefficients, so the network is exactly
equivariant whatever their values, and ``||W||_F = ||c||`` (the L2 penalty is
the same as on the weights).

A *free* layer (no basis) stores its ``(fan_in, fan_out)`` weight matrix
directly, exactly as scikit-learn does.
"""

import numpy as np

__all__ = ["Layer"]


class Layer:
    """Parametrization of one affine layer (private)."""

    def __init__(self, n_in, n_out, Q=None, Qb=None, k_in=1, k_out=1, fit_intercept=True):
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.Q, self.Qb = Q, Qb
        self.k_in, self.k_out = int(k_in), int(k_out)
        self.fit_intercept = bool(fit_intercept)
        if Q is None:
            self.n_coef = self.n_in * self.n_out
        else:
            self.a = self.n_in // self.k_in
            self.b = self.n_out // self.k_out
            if Q.shape[0] != self.a * self.b:
                raise ValueError("Internal error: basis shape does not match the layer.")
            self.n_coef = self.k_out * self.k_in * Q.shape[1]
        if not self.fit_intercept:
            self.n_bias = 0
        elif Qb is None:
            self.n_bias = self.n_out
        else:
            self.n_bias = self.k_out * Qb.shape[1]

    @property
    def free(self):
        return self.Q is None

    # ------------------------------------------------------------ weights
    def weights(self, c):
        if self.Q is None:
            return c.reshape(self.n_in, self.n_out)
        r = self.Q.shape[1]
        if r == 0:
            return np.zeros((self.n_in, self.n_out))
        T = c.reshape(self.k_out * self.k_in, r) @ self.Q.T
        T = T.reshape(self.k_out, self.k_in, self.b, self.a)
        return T.transpose(1, 3, 0, 2).reshape(self.n_in, self.n_out)

    def coef_grad(self, gW):
        if self.Q is None:
            return gW.ravel()
        r = self.Q.shape[1]
        if r == 0:
            return np.zeros(0)
        T = gW.reshape(self.k_in, self.a, self.k_out, self.b).transpose(2, 0, 3, 1)
        return (T.reshape(self.k_out * self.k_in, self.b * self.a) @ self.Q).ravel()

    # ------------------------------------------------------------ bias
    def bias(self, cb):
        if not self.fit_intercept:
            return np.zeros(self.n_out)
        if self.Qb is None:
            return cb
        return (cb.reshape(self.k_out, self.Qb.shape[1]) @ self.Qb.T).ravel()

    def bias_grad(self, gb):
        if not self.fit_intercept:
            return np.zeros(0)
        if self.Qb is None:
            return gb
        return (gb.reshape(self.k_out, self.b) @ self.Qb).ravel()

    # ------------------------------------------------------------ init
    def init(self, rng, factor):
        """Glorot-uniform initialisation (scikit-learn's draws for free layers);
        basis layers get coefficients with the same expected ``||W||_F``."""
        bound = np.sqrt(factor / (self.n_in + self.n_out))
        if self.Q is None:
            c = rng.uniform(-bound, bound, (self.n_in, self.n_out)).ravel()
        else:
            scale = np.sqrt(self.n_in * self.n_out / max(self.n_coef, 1))
            c = rng.uniform(-bound, bound, self.n_coef) * scale
        if not self.fit_intercept:
            cb = np.zeros(0)
        elif self.Qb is None:
            cb = rng.uniform(-bound, bound, self.n_out)
        else:
            scale = np.sqrt(self.n_out / max(self.n_bias, 1))
            cb = rng.uniform(-bound, bound, self.n_bias) * scale
        return c, cb
