"""Optimizers on the flat parameter vector: L-BFGS (scipy) and Adam (private)."""

import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

__all__ = ["run_lbfgs", "Adam"]


def run_lbfgs(fun, theta0, max_iter, max_fun, tol, verbose):
    """Minimise ``fun(theta) -> (loss, grad)`` with L-BFGS-B.

    Returns ``(theta, loss, n_iter, loss_curve)`` and warns with a
    ConvergenceWarning if L-BFGS stopped before converging.
    """
    last = {}

    def wrapped(theta):
        f, g = fun(theta)
        last["x"], last["f"] = theta.copy(), f
        return f, g

    curve = []

    def callback(xk):
        if "x" in last and np.array_equal(xk, last["x"]):
            curve.append(last["f"])
        else:
            curve.append(fun(xk)[0])
        if verbose:
            print(f"Iteration {len(curve)}, loss = {curve[-1]:.8f}")

    res = scipy.optimize.minimize(
        wrapped, theta0, method="L-BFGS-B", jac=True, callback=callback,
        options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
    )
    n_iter = min(int(res.nit), max_iter)
    if res.status != 0:
        warnings.warn(
            f"lbfgs failed to converge after {n_iter} iteration(s) (status={res.status}): "
            f"{res.message}. Increase max_iter / max_fun or scale the data.",
            ConvergenceWarning,
        )
    return res.x, float(res.fun), n_iter, curve


class Adam:
    """Adam (Kingma & Ba 2014) with scikit-learn's defaults and bias correction."""

    def __init__(self, n_params, learning_rate_init=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.lr = learning_rate_init
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.m = np.zeros(n_params)
        self.v = np.zeros(n_params)

    def step(self, theta, grad):
        self.t += 1
        self.m = self.beta_1 * self.m + (1 - self.beta_1) * grad
        self.v = self.beta_2 * self.v + (1 - self.beta_2) * grad * grad
        lr = self.lr * np.sqrt(1 - self.beta_2 ** self.t) / (1 - self.beta_1 ** self.t)
        theta -= lr * self.m / (np.sqrt(self.v) + self.epsilon)
        return theta
