"""Tour section: the digits sign inversion (``python -m sksym``)."""

import numpy as np

__all__ = ["tour_section"]


def tour_section(log, random_state=0):
    """Accuracy on digits and on their negatives, odd network against invariant network.

    Parameters
    ----------
    log : callable
        Receives one line of text at a time.
    random_state : int, default=0
        Seed of the split and of the networks.

    Returns
    -------
    title : str
    draw : callable
        ``draw(ax)`` plots the accuracies on one matplotlib axis.

    Examples
    --------
    >>> from sksym.neural_network._tour import tour_section
    >>> title, draw = tour_section(lambda line: None)   # doctest: +SKIP
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split

    from ..datasets._digits import load_signed_digits
    from ..groups import Group
    from ._classifier import SymmetricMLPClassifier

    X, y = load_signed_digits(shifts=False, return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=random_state)
    flip = Group(discrete_generators=-np.eye(64)[None], name="sign flip")
    log("Digits scaled to [-1, 1]; train on X, test on X and on the negatives -X (Bergman 2019).")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        odd = SymmetricMLPClassifier((10, 5), activation="tanh", fit_intercept=False, solver="lbfgs",
                                     alpha=1e-5, max_fun=200, random_state=random_state).fit(X_train, y_train)
        inv = SymmetricMLPClassifier((32,), activation="relu", group=flip, solver="lbfgs", alpha=1e-3,
                                     max_iter=100, random_state=random_state).fit(X_train, y_train)
    rows = [("bias-free tanh", odd.score(X_test, y_test), odd.score(-X_test, y_test)),
            ("invariant (group=flip)", inv.score(X_test, y_test), inv.score(-X_test, y_test))]
    log(f"{'model':<24} {'X_test':>7} {'-X_test':>8}")
    for name, a, b in rows:
        log(f"{name:<24} {a:>7.3f} {b:>8.3f}")
    log("An odd network scores at most 1 in total on X and -X; the invariant one scores the same on both.")

    def draw(ax):
        xs = np.arange(len(rows))
        ax.bar(xs - 0.18, [r[1] for r in rows], 0.36, label="X_test")
        ax.bar(xs + 0.18, [r[2] for r in rows], 0.36, label="-X_test")
        ax.set_xticks(xs, [r[0] for r in rows])
        ax.set_ylabel("accuracy")
        ax.set_ylim(0, 1)
        ax.legend(loc="lower center")

    return "Digits and their negatives", draw
