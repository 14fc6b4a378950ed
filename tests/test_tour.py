import subprocess
import sys


def test_tour_runs_and_saves_plot(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "sksym", "--output-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    assert "SymmetricRidge(SO(3))" in out
    assert (tmp_path / "sksym_tour.png").stat().st_size > 1000
