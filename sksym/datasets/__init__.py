"""Synthetic problems with known symmetry, built offline (no downloads)."""

from ._synthetic import make_rotation_invariant_regression
from ._digits import load_signed_digits
from ._emlp import make_inertia, make_o5_synthetic, make_particle_interaction
from ._dynamics import make_axisymmetric_oscillator, make_coupled_oscillators, make_hopf, make_lorenz

__all__ = [
    "make_rotation_invariant_regression",
    "load_signed_digits",
    "make_o5_synthetic",
    "make_inertia",
    "make_particle_interaction",
    "make_hopf",
    "make_lorenz",
    "make_axisymmetric_oscillator",
    "make_coupled_oscillators",
]
