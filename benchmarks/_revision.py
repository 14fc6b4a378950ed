"""The git revision that a benchmark ran at (for the headers of its output)."""

import os
import subprocess


def git_revision():
    """Short hash of HEAD, with ``+changes`` when tracked files differ from it
    (the committed results under ``benchmarks/results/`` aside: a benchmark
    writing its own output there is not a change to what it measures)."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    dirty = [line for line in dirty if not line[3:].startswith("benchmarks/results/")]
    return (rev or "unknown") + ("+changes" if dirty else "")
