"""``python -m sksym``: a short tour of what symmetry buys.

Each capability adds a section: a function ``section(log, rng) -> figure_spec or
None`` registered in :data:`SECTIONS`. A figure spec is ``(title, draw)`` where
``draw(ax)`` plots on one matplotlib axis.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

__all__ = ["main"]


def _enforce_section(log, random_state=0):
    """Test error vs training size, with and without SO(3) symmetry."""
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    from .datasets import make_rotation_invariant_regression
    from .groups import SO
    from .linear_model import SymmetricRidge

    log("Problem: y = exp(-|x|^2/2) on [-1.5, 1.5]^3 (rotation invariant), noise 0.01, degree-4 models.")
    X_test, y_test = make_rotation_invariant_regression(2000, random_state=10_000)
    sizes = [10, 20, 40, 80, 160]
    n_repeats = 5
    alphas = np.logspace(-8, 2, 11)
    rows = []
    log(f"{'n_train':>8} {'SymmetricRidge(SO(3))':>22} {'PolynomialFeatures+RidgeCV':>27} {'ratio':>7}")
    for n in sizes:
        err_sym, err_plain = [], []
        for rep in range(n_repeats):
            X, y = make_rotation_invariant_regression(n, noise=0.01, random_state=random_state + 97 * rep + n)
            sym = SymmetricRidge(group=SO(3), library=PolynomialFeatures(4), alpha=1e-3).fit(X, y)
            plain = make_pipeline(PolynomialFeatures(4), StandardScaler(), RidgeCV(alphas=alphas)).fit(X, y)
            scale = np.mean((y_test - y_test.mean()) ** 2)
            err_sym.append(np.mean((sym.predict(X_test) - y_test) ** 2) / scale)
            err_plain.append(np.mean((plain.predict(X_test) - y_test) ** 2) / scale)
        a, b = np.median(err_sym), np.median(err_plain)
        rows.append((n, a, b))
        log(f"{n:>8} {a:>22.2e} {b:>27.2e} {b / a:>6.0f}x")
    log("(relative test MSE, median of 5 draws; lower is better; RidgeCV picks alpha by "
        "cross-validation from 1e-8 to 1e2)")
    log("SO(3) leaves 3 free parameters of 35: symmetry turns 35 unknowns into 3.")

    def draw(ax):
        n, a, b = map(np.array, zip(*rows))
        ax.loglog(n, b, "o-", label="PolynomialFeatures(4) + RidgeCV")
        ax.loglog(n, a, "s-", label="SymmetricRidge(SO(3))")
        ax.set_xlabel("training samples")
        ax.set_ylabel("relative test MSE")
        ax.legend()

    return "Enforcing SO(3) symmetry", draw


def _discover_section(log):
    from .discovery._tour import tour_section

    return tour_section(log)


def _promote_section(log):
    from .linear_model._promote_tour import tour_section

    return tour_section(log)


def _dynamics_section(log):
    from .dynamics._tour import tour_section

    return tour_section(log)


def _neural_network_section(log):
    from .neural_network._tour import tour_section

    return tour_section(log)


SECTIONS = [
    ("Enforce a known symmetry", _enforce_section),
    ("Discover symmetries", _discover_section),
    ("Promote symmetry", _promote_section),
    ("Symmetric dynamics (SINDy)", _dynamics_section),
    ("Symmetric neural networks", _neural_network_section),
]


def main(argv=None):
    """Run the tour: print a report and save a PNG plot.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments (``--output-dir DIR``, ``--no-plot``).
    """
    parser = argparse.ArgumentParser(prog="python -m sksym", description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", default=".", help="where to save sksym_tour.png")
    parser.add_argument("--no-plot", action="store_true", help="do not save a plot")
    args = parser.parse_args(argv)

    def log(msg=""):
        print(msg, flush=True)

    from . import __version__

    start = time.perf_counter()
    log(f"sksym {__version__}: what symmetry buys")
    log("=" * 60)
    figures = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, (title, section) in enumerate(SECTIONS, 1):
            log(f"\n[{i}/{len(SECTIONS)}] {title}")
            log("-" * 60)
            t0 = time.perf_counter()
            fig = section(log)
            log(f"({time.perf_counter() - t0:.1f} s)")
            if fig is not None:
                figures.append(fig)
    if figures and not args.no_plot:
        path = _save_plot(figures, args.output_dir)
        log(f"\nPlot saved to {path}")
    log(f"Done in {time.perf_counter() - start:.1f} s.")
    return 0


def _save_plot(figures, output_dir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ncols = min(3, len(figures))
    nrows = -(-len(figures) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.5 * ncols, 4.2 * nrows), squeeze=False)
    for ax, (title, draw) in zip(axes.ravel(), figures):
        draw(ax)
        ax.set_title(title)
    for ax in axes.ravel()[len(figures):]:
        ax.set_visible(False)
    fig.tight_layout()
    os.makedirs(output_dir, exist_ok=True)
    path = os.path.join(output_dir, "sksym_tour.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
