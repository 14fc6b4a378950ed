"""SymmetrySpectrumDisplay and the tour section."""

import numpy as np
import pytest

from sksym.discovery import SymmetryDiscovery, SymmetrySpectrumDisplay

plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture
def fitted(rng):
    X = rng.normal(size=(150, 3))
    y = np.sum(X ** 2, axis=1) + 0.01 * rng.normal(size=150)
    return SymmetryDiscovery(random_state=0).fit(X, y)


def test_display_from_estimator(fitted):
    disp = SymmetrySpectrumDisplay.from_estimator(fitted)
    assert disp.ax_ is not None and disp.figure_ is disp.ax_.figure
    assert set(disp.lines_) == {"symmetric", "broken", "cut", "noise"}
    assert len(disp.lines_["symmetric"].get_xdata()) == fitted.n_symmetries_ == 3
    assert len(disp.lines_["broken"].get_xdata()) == 6
    cut = disp.lines_["cut"].get_ydata()[0]
    s = fitted.singular_values_
    assert s[2] < cut < s[3]
    assert disp.ax_.get_yscale() == "log"
    plt.close("all")


def test_display_on_given_axes_and_edge_cases():
    fig, ax = plt.subplots()
    disp = SymmetrySpectrumDisplay([0.0, 0.0, 1.0], 2, estimator_name="x").plot(ax=ax, log_scale=False)
    assert disp.ax_ is ax and "noise" not in disp.lines_
    SymmetrySpectrumDisplay([0.5, 1.0], 0).plot()
    SymmetrySpectrumDisplay([1e-12, 1e-11], 2).plot()
    with pytest.raises(ValueError, match="n_symmetries"):
        SymmetrySpectrumDisplay([0.5, 1.0], 3).plot()
    plt.close("all")


def test_display_needs_fitted_estimator():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SymmetrySpectrumDisplay.from_estimator(SymmetryDiscovery())


def test_tour_section_protocol():
    lines = []
    title, draw = tour_section_run(lines)
    assert isinstance(title, str) and len(lines) >= 4
    assert any("found 3 symmetries" in line for line in lines)
    fig, ax = plt.subplots()
    draw(ax)
    assert ax.get_lines()
    plt.close("all")


def tour_section_run(lines):
    from sksym.discovery._tour import tour_section

    return tour_section(lines.append)


@pytest.mark.parametrize("values, k, match", [
    ([1e-9, 1.0], None, "n_symmetries"), ([1e-9, 1.0], 1.7, "n_symmetries"),
    ([np.nan, 1.0], 1, "singular_values"), ([-5.0, 2.0, 3.0], 1, "singular_values"),
])
def test_display_checks_its_arguments(values, k, match):
    pytest.importorskip("matplotlib")
    with pytest.raises(ValueError, match=match):
        SymmetrySpectrumDisplay(values, k).plot()


def test_display_of_a_split_spectrum_with_errors_per_direction():
    # |x|^2 on data centred at 100 with 0.1% noise: a rotation direction (error
    # ~20) is larger than broken directions with errors below 1
    rng = np.random.RandomState(0)
    X = 100 + rng.normal(size=(200, 3))
    y = np.sum(X ** 2, axis=1)
    y = y + 1e-3 * np.std(y) * rng.normal(size=200)
    disc = SymmetryDiscovery(random_state=0).fit(X, y)
    s, k = disc.singular_values_, disc.n_symmetries_
    assert k == 3 and s[:k].max() > s[k:].min()
    disp = SymmetrySpectrumDisplay.from_estimator(disc)
    shown = np.maximum(np.sort(s[:k]), 1e-16 * s.max())          # zeros drawn at 1e-16 s_max
    np.testing.assert_array_equal(disp.lines_["symmetric"].get_ydata(), shown)
    np.testing.assert_array_equal(disp.lines_["noise"].get_ydata(), disc.direction_noise_levels_)
    assert list(disp.lines_["cut"].get_xdata()) == [3.5, 3.5]          # between the parts
    with pytest.raises(ValueError, match="direction_noise_levels"):
        SymmetrySpectrumDisplay([0.5, 1.0], 1, direction_noise_levels=[1.0]).plot()
    plt.close("all")
