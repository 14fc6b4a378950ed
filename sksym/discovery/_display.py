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
    direction_noise_levels : array-like of shape (q,), default=None
        The error of each singular value
        (:attr:`SymmetryDiscovery.direction_noise_levels_
        <sksym.discovery.SymmetryDiscovery>`), drawn as a tick per value
        instead of the one ``noise_level``. The spectrum is then taken as
        split: its first ``n_symmetries`` values are the symmetries (each part
        sorted for display), even where a symmetric value exceeds a broken one
        with a smaller error; the cut is then drawn between the two parts
        (vertical) instead of between values.

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

    def __init__(self, singular_values, n_symmetries, noise_level=None, estimator_name=None,
                 direction_noise_levels=None):
        self.singular_values = singular_values
        self.n_symmetries = n_symmetries
        self.noise_level = noise_level
        self.estimator_name = estimator_name
        self.direction_noise_levels = direction_noise_levels

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
            direction_noise_levels=getattr(estimator, "direction_noise_levels_", None),
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
        k = self.n_symmetries
        if (not isinstance(k, numbers.Integral) or isinstance(k, bool) or not 0 <= k <= s.size):
            raise ValueError(f"n_symmetries must be an integer in [0, {s.size}]; got {k!r}.")
        k = int(k)
        dn = self.direction_noise_levels
        if dn is None:
            s = np.sort(s)
        else:
            dn = np.asarray(dn, dtype=float)
            if dn.shape != s.shape or not np.all(np.isfinite(dn)) or np.any(dn < 0):
                raise ValueError(
                    f"direction_noise_levels must be finite non-negative numbers of shape {s.shape}; "
                    f"got {self.direction_noise_levels!r}."
                )
            order = np.concatenate([np.argsort(s[:k], kind="stable"), k + np.argsort(s[k:], kind="stable")])
            s, dn = s[order], dn[order]
        if ax is None:
            _, ax = plt.subplots()
        smax = float(s.max()) if s.size and s.max() > 0 else 1.0
        shown = np.maximum(s, 1e-16 * smax) if log_scale else s
        idx = np.arange(1, s.size + 1)
        name = f" ({self.estimator_name})" if self.estimator_name else ""
        lines = {}
        lines["symmetric"], = ax.plot(idx[:k], shown[:k], "o", color="tab:green",
                                      label=f"symmetries: {k}{name}")
        lines["broken"], = ax.plot(idx[k:], shown[k:], "x", color="tab:red",
                                   label=f"broken: {s.size - k}")
        if 0 < k < s.size and shown[k - 1] >= shown[k]:
            # a split spectrum whose parts overlap: the cut is between the parts
            lines["cut"] = ax.axvline(k + 0.5, color="0.4", linestyle="--", linewidth=1, label="cut")
        else:
            if 0 < k < s.size:
                cut = np.sqrt(shown[k - 1] * shown[k]) if log_scale else (shown[k - 1] + shown[k]) / 2
            elif k == 0:
                cut = shown[0] / 2 if s.size else 1.0
            else:
                cut = shown[-1] * 2
            lines["cut"] = ax.axhline(cut, color="0.4", linestyle="--", linewidth=1, label="cut")
        if show_noise and dn is not None:
            lines["noise"], = ax.plot(idx, np.maximum(dn, 1e-16 * smax) if log_scale else dn, "_",
                                      color="tab:blue", markersize=14, label="error (3x RMS) per value")
        elif show_noise and self.noise_level:
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
