"""Forward pass, loss and backpropagation of a parametrized MLP (private)."""

import numpy as np
from scipy.special import expit, xlogy

from ._activations import ACTIVATIONS, DERIVATIVES

__all__ = ["Network"]


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


OUT_ACTIVATIONS = {"identity": lambda z: z, "logistic": expit, "softmax": _softmax}


class Network:
    """A stack of :class:`~._layers.Layer` with a flat parameter vector.

    The flat vector holds every layer's weight coefficients, then every layer's
    bias coefficients (scikit-learn's packing order). If ``gated``, the last
    layer's outputs ``g`` are combined as ``f_o = sum_m E[n, o, m] g_m`` with a
    per-sample tensor ``E`` before the output activation.
    """

    def __init__(self, layers, activation, out_activation, gated=False):
        self.layers = layers
        self.activation = activation
        self.out_activation = out_activation
        self.gated = gated
        offsets, start = [], 0
        for L in layers:
            offsets.append((start, start + L.n_coef))
            start += L.n_coef
        for L in layers:
            offsets.append((start, start + L.n_bias))
            start += L.n_bias
        self._offsets = offsets
        self.n_params = start

    # ------------------------------------------------------------ packing
    def unpack(self, theta):
        n = len(self.layers)
        Ws = [L.weights(theta[a:b]) for L, (a, b) in zip(self.layers, self._offsets[:n])]
        bs = [L.bias(theta[a:b]) for L, (a, b) in zip(self.layers, self._offsets[n:])]
        return Ws, bs

    def pack_grad(self, gWs, gbs):
        parts = [L.coef_grad(g) for L, g in zip(self.layers, gWs)]
        parts += [L.bias_grad(g) for L, g in zip(self.layers, gbs)]
        return np.concatenate(parts) if parts else np.zeros(0)

    def init(self, rng):
        factor = 2.0 if self.activation == "logistic" else 6.0
        cs, cbs = zip(*(L.init(rng, factor) for L in self.layers))
        theta = np.concatenate(list(cs) + list(cbs))
        if theta.size != self.n_params:  # pragma: no cover - internal consistency
            raise RuntimeError("Internal error: parameter vector has the wrong size.")
        return theta

    # ------------------------------------------------------------ forward
    def forward(self, X, Ws, bs, E=None, keep=False):
        """Return the output (after the output activation), and, if ``keep``,
        the lists of pre-activations and activations."""
        act = ACTIVATIONS[self.activation]
        a = X
        zs, acts = [], [X]
        last = len(Ws) - 1
        for i, (W, b) in enumerate(zip(Ws, bs)):
            z = a @ W
            z += b
            if i < last:
                a = act(z)
                if keep:
                    zs.append(z)
                    acts.append(a)
            else:
                a = z
        if self.gated:
            a = np.einsum("nom,nm->no", E, a)
        out = OUT_ACTIVATIONS[self.out_activation](a)
        if keep:
            return out, zs, acts
        return out

    # ------------------------------------------------------------ loss
    def data_loss(self, out, Y):
        """Loss summed over outputs and averaged over samples (see Notes of the estimators)."""
        n = Y.shape[0]
        if self.out_activation == "identity":
            r = out - Y
            return 0.5 * float(np.sum(r * r)) / n
        eps = np.finfo(out.dtype).eps
        p = np.clip(out, eps, 1 - eps)
        if self.out_activation == "softmax":
            return -float(xlogy(Y, p).sum()) / n
        return -float((xlogy(Y, p) + xlogy(1 - Y, 1 - p)).sum()) / n

    def loss_grad(self, theta, X, Y, alpha, E=None, penalty=None):
        """Objective and its gradient with respect to the flat parameters.

        ``loss = data_loss + alpha / (2 n) * sum_l ||W_l||_F^2 (+ penalty)``.
        """
        n = X.shape[0]
        Ws, bs = self.unpack(theta)
        out, zs, acts = self.forward(X, Ws, bs, E, keep=True)
        loss = self.data_loss(out, Y)
        loss += 0.5 * alpha * sum(float(np.vdot(W, W)) for W in Ws) / n
        delta = (out - Y) / n          # canonical link for all three outputs
        if self.gated:
            delta = np.einsum("nom,no->nm", E, delta)
        gWs, gbs = [None] * len(Ws), [None] * len(Ws)
        deriv = DERIVATIVES[self.activation]
        for i in range(len(Ws) - 1, -1, -1):
            gWs[i] = acts[i].T @ delta + (alpha / n) * Ws[i]
            gbs[i] = delta.sum(axis=0)
            if i > 0:
                delta = (delta @ Ws[i].T) * deriv(zs[i - 1], acts[i])
        if penalty is not None:
            value, pW, pb = penalty(Ws, bs)
            loss += value
            for i in range(len(Ws)):
                gWs[i] = gWs[i] + pW[i]
                gbs[i] = gbs[i] + pb[i]
        return loss, self.pack_grad(gWs, gbs)
