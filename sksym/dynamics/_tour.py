"""Tour section (``python -m sksym``): symmetric SINDy on a short noisy trajectory."""

import warnings

import numpy as np

__all__ = []


def tour_section(log, random_state=0):
    """Hopf normal form from 5 s of 5 %-noise data, with and without SO(2).

    Parameters
    ----------
    log : callable
        Receives the printed lines.
    random_state : int, default=0
        Seed of the first noise draw.

    Returns
    -------
    title : str
    draw : callable
        ``draw(ax)`` plots the simulated trajectories on one matplotlib axis.
    """
    from sklearn.preprocessing import PolynomialFeatures

    from ..datasets._dynamics import make_hopf
    from ..groups import SO
    from ._sindy import SymmetricSINDy

    log("Problem: Hopf normal form (rotation symmetric), one 5 s trajectory, 100 samples, "
        "5% noise, cubic library.")
    X_true, t_long, coef = make_hopf(n_samples=300, return_coef=True)
    common = dict(library=PolynomialFeatures(3), differentiation="smoothed_finite_difference")
    errs = {"plain": [], "sym": []}
    first = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(5):
            X, t = make_hopf(n_samples=100, noise=0.05, random_state=random_state + seed)
            plain = SymmetricSINDy(**common).fit(X, t=t)
            sym = SymmetricSINDy(group=SO(2), **common).fit(X, t=t)
            for key, m in (("plain", plain), ("sym", sym)):
                errs[key].append(np.linalg.norm(m.coef_ - coef) / np.linalg.norm(coef))
            if first is None:
                first = (t, plain, sym)
        t, plain, sym = first
        sims = {"plain STLSQ": plain.simulate(X_true[0], t_long, rtol=1e-8, atol=1e-8),
                "SymmetricSINDy(SO(2))": sym.simulate(X_true[0], t_long, rtol=1e-8, atol=1e-8)}
    a, b = np.median(errs["sym"]), np.median(errs["plain"])
    log(f"{'':>24} {'free coefs':>10} {'coef error':>11}")
    log(f"{'plain STLSQ':>24} {plain.n_free_parameters_:>10} {b:>11.2f}")
    log(f"{'SymmetricSINDy(SO(2))':>24} {sym.n_free_parameters_:>10} {a:>11.2f}")
    log(f"(relative coefficient error, median of 5 noise draws: {b / a:.0f}x smaller with symmetry)")
    log("Equations with SO(2), first draw:")
    for name, eq in zip(("x", "y"), sym.equations(2)):
        log(f"  {name}' = {eq.replace('x0', 'x').replace('x1', 'y')}")

    def draw(ax):
        ax.plot(t_long, X_true[:, 0], "k-", lw=2, label="truth")
        for (name, sim), style in zip(sims.items(), ["C3--", "C0-"]):
            ax.plot(t_long, sim[:, 0], style, lw=1.2, label=name)
        ax.axvspan(0, t[-1], color="0.9", label="training window")
        ax.set_ylim(-1.5, 2.0)
        ax.set_xlabel("t")
        ax.set_ylabel("x(t)")
        ax.legend(fontsize=7, loc="upper right")

    return "SINDy with SO(2) symmetry", draw
