"""Random, badly scaled promote problems, for the tests and benchmarks (private)."""

import numpy as np

from ._nuclear import CompressedLieOperator


def scaled_problem(seed, theta_decades=3):
    """A random penalised problem ``(theta, Y, operator, alpha, far)``: 3-8
    library features, 1-2 outputs, 1-4 generators; theta's columns scaled by
    ``10^+-theta_decades`` (in 6 of 10 problems), the operator's by
    ``1e-5..1e5`` (in 6 of 10), ``alpha`` from ``1e-5`` to 1, and ``far``
    coefficients of size ``1e8`` (a warm start far from the solution)."""
    rng = np.random.RandomState(seed)
    K, n_out, q, r = rng.randint(3, 9), rng.randint(1, 3), rng.randint(1, 5), rng.randint(1, 6)
    n = rng.randint(2, 4 * K + 3)
    colsc = 10.0 ** rng.uniform(-theta_decades, theta_decades, K) if rng.rand() < 0.6 else np.ones(K)
    theta = rng.randn(n, K) * colsc
    A = rng.randn(q, r, n_out * K)
    if rng.rand() < 0.6:
        A = A * 10.0 ** rng.uniform(-5, 5, n_out * K)
    op = CompressedLieOperator.from_tensor(A, n_outputs=n_out)
    Y = theta @ (rng.randn(n_out, K) / colsc).T + (0.1 * rng.randn(n, n_out) if rng.rand() < 0.5 else 0)
    alpha = 10.0 ** rng.uniform(-5, 0)
    return theta, Y, op, alpha, rng.randn(n_out, K) * 1e8 / colsc


def repeated_problem(seed):
    """As :func:`scaled_problem` (theta's columns scaled by ``10^+-0``, ``3`` or
    ``5``), with one column of theta repeated exactly or to ``1e-16..1e-11``
    (relative), the operator's column on it the same, nearly the same or the
    original, and ``alpha`` from ``1e-6`` to ``100``: ``(theta, Y, operator,
    alpha)``."""
    theta, Y, op, _, _ = scaled_problem(seed, (0, 3, 5)[seed % 3])
    rng = np.random.RandomState(20_000 + seed)
    n, K = theta.shape
    j, k = rng.choice(K, 2, replace=False)
    theta = theta.copy()
    exact = rng.rand() < 0.25
    theta[:, k] = theta[:, j] * (1.0 if exact else 1.0 + 10.0 ** rng.uniform(-16, -11) * rng.randn(n))
    A = op.tensor.copy()
    mode = rng.randint(3)
    for o in range(op.n_outputs):
        if mode == 0:
            A[:, :, o * K + k] = A[:, :, o * K + j]
        elif mode == 1:
            A[:, :, o * K + k] = A[:, :, o * K + j] * (1.0 + 10.0 ** rng.uniform(-16, -11) * rng.randn(*A.shape[:2]))
    alpha = 10.0 ** rng.uniform(-6, 2)
    return theta, Y, CompressedLieOperator.from_tensor(A, n_outputs=op.n_outputs), alpha
