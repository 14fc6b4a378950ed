"""The dynamics section of ``python -m sksym``."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from sksym.dynamics._tour import tour_section  # noqa: E402


def test_tour_section_reports_and_draws():
    lines = []
    title, draw = tour_section(lines.append)
    assert isinstance(title, str) and title
    text = "\n".join(lines)
    assert "SymmetricSINDy(SO(2))" in text and "smaller with symmetry" in text
    fig, ax = plt.subplots()
    try:
        draw(ax)
        assert len(ax.lines) == 3
    finally:
        plt.close(fig)
