"""Plot of a symmetry spectrum (scikit-learn's Display convention)."""

import numbers

import numpy as np

__all__ = ["SymmetrySpectrumDisplay"]


class SymmetrySpectrumDisplay:
    """Singular values of ``xi -> L_xi F`` with the cut between symmetries and
    broken directions.

    Build it with :meth:`from_estimator` (a fitted
    :class:`~sksym.discovery.SymmetryDiscovery`) or directly from a spectrum,
    then call :meth:`plot`. matplotlib is imported only when plotting.

    Parameters
    ----------
    singular_values : array-like of shape (q,)
        Singular values (sorted ascending for display).
    n_symmetries : int
        Number of singular values counted as zero (the cut).
    noise_level : float, default=None
        Estimated noise level, drawn as a dotted line when given.
    estimator_name : str, default=None
        Name used in the legend.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes plotted on.
    figure_ : matplotlib Figure
        The figure of ``ax_``.
    lines_ : dict of matplotlib Line2D
        ``"symmetric"``, ``"broken"``, ``"cut"`` (and ``"noise"``) artists.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sksym.discovery import SymmetryDiscovery, SymmetrySpectrumDisplay
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 3))
    >>> disc = SymmetryDiscovery(random_state=0).fit(X, np.sum(X ** 2, axis=1))
    >>> disp = SymmetrySpectrumDisplay.from_estimator(disc)
    >>> len(disp.lines_["symmetric"].get_xdata())   # three symmetries
    3
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """

    def __init__(self, singular_values, n_symmetries, noise_level=None, estimator_name=None):
        self.singular_values = singular_values
        self.n_symmetries = n_symmetries
        self.noise_level = noise_level
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, **kwargs):
        """Plot the spectrum of a fitted :class:`~sksym.discovery.SymmetryDiscovery`.

        Parameters
        ----------
        estimator : SymmetryDiscovery
            Fitted discovery estimator.
        ax : matplotlib Axes, default=None
            Axes to plot on; a new figure when None.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : SymmetrySpectrumDisplay
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(estimator, "singular_values_")
        disp = cls(
            estimator.singular_values_, estimator.n_symmetries_,
            noise_level=getattr(estimator, "noise_level_", None),
            estimator_name=type(estimator).__name__,
        )
        return disp.plot(ax=ax, **kwargs)

    def plot(self, ax=None, *, log_scale=True, show_noise=True):
        """Plot the singular values, coloured by side of the cut.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to plot on; a new figure when None.
        log_scale : bool, default=True
            Logarithmic y axis (zeros are drawn at ``1e-16`` times the largest
            value).
        show_noise : bool, default=True
            Draw the noise level, if known.

        Returns
        -------
        self : SymmetrySpectrumDisplay
        """
        import matplotlib.pyplot as plt

        s = np.asarray(self.singular_values, dtype=float)
        if s.ndim != 1 or not np.all(np.isfinite(s)) or np.any(s < 0):
            raise ValueError(
                "singular_values must be a 1-D array of finite non-negative numbers; "
                f"got {self.singular_values!r}."
            )
        s = np.sort(s)
        k = self.n_symmetries
        if (not isinstance(k, numbers.Integral) or isinstance(k, bool) or not 0 <= k <= s.size):
            raise ValueError(f"n_symmetries must be an integer in [0, {s.size}]; got {k!r}.")
        k = int(k)
        if ax is None:
            _, ax = plt.subplots()
        smax = s[-1] if s.size and s[-1] > 0 else 1.0
        shown = np.maximum(s, 1e-16 * smax) if log_scale else s
        idx = np.arange(1, s.size + 1)
        name = f" ({self.estimator_name})" if self.estimator_name else ""
        lines = {}
        lines["symmetric"], = ax.plot(idx[:k], shown[:k], "o", color="tab:green",
                                      label=f"symmetries: {k}{name}")
        lines["broken"], = ax.plot(idx[k:], shown[k:], "x", color="tab:red",
                                   label=f"broken: {s.size - k}")
        if 0 < k < s.size:
            cut = np.sqrt(shown[k - 1] * shown[k]) if log_scale else (shown[k - 1] + shown[k]) / 2
        elif k == 0:
            cut = shown[0] / 2 if s.size else 1.0
        else:
            cut = shown[-1] * 2
        lines["cut"] = ax.axhline(cut, color="0.4", linestyle="--", linewidth=1, label="cut")
        if show_noise and self.noise_level:
            lines["noise"] = ax.axhline(self.noise_level, color="tab:blue", linestyle=":",
                                        linewidth=1, label="noise level")
        if log_scale:
            ax.set_yscale("log")
        ax.set_xlabel("singular value index (ascending)")
        ax.set_ylabel(r"$\|L_\xi F\|$ (RMS over points)")
        ax.legend(loc="best", fontsize="small")
        self.ax_ = ax
        self.figure_ = ax.figure
        self.lines_ = lines
        return self
