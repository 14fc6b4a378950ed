"""The rank rule ``select_n_symmetries`` and the noise level (sksym.lie._spectrum)."""

import numpy as np
import pytest

from sksym.lie import select_n_symmetries, symmetry_spectrum
from sksym.lie._spectrum import perturbation_noise_level


def test_gap_rule_without_noise_level():
    assert select_n_symmetries([1e-15, 2e-15, 1e-14, 0.3, 0.5, 1.0]) == 3
    assert select_n_symmetries([1e-9, 2e-9, 0.3, 1.0]) == 2          # ridge-bias sized zeros
    assert select_n_symmetries([0.2, 0.3, 0.5, 1.0]) == 0            # no gap of 10
    assert select_n_symmetries([0.0, 0.0]) == 2
    assert select_n_symmetries([]) == 0
    assert select_n_symmetries([1.0, 0.0, 1e-16]) == 2                # unsorted input


def test_float_tol_is_relative_threshold():
    assert select_n_symmetries([1e-3, 2e-3, 0.5, 1.0], tol=1e-2) == 2
    assert select_n_symmetries([1e-3, 2e-3, 0.5, 1.0], tol=0.0) == 0
    # a float tol ignores the noise level
    assert select_n_symmetries([1e-3, 2e-3, 0.5, 1.0], tol=1e-2, noise_level=0.9) == 2


def test_noise_level_guides_the_cut():
    s = [2e-3, 3e-3, 5e-3, 0.2, 1.0]
    assert select_n_symmetries(s, noise_level=4e-3) == 3      # 5e-3 is just above the noise
    assert select_n_symmetries(s, noise_level=1e-3) == 3      # underestimate: the gap decides
    assert select_n_symmetries(s) == 3
    # values far above the noise level never count as zero, even with a gap above them
    assert select_n_symmetries([1e-4, 1e-2, 1.0], noise_level=2e-4) == 1
    # without the noise level the largest gap would merge them
    assert select_n_symmetries([1e-4, 1e-2, 1.0]) == 1
    assert select_n_symmetries([1e-4, 1e-2, 1.0], noise_level=2e-2) == 2
    # everything at the noise level: all symmetric
    assert select_n_symmetries([1e-3, 2e-3], noise_level=1e-2) == 2


@pytest.mark.parametrize(
    "kwargs, match",
    [({"tol": -1.0}, "tol"), ({"tol": "gap"}, "tol"), ({"noise_level": -1.0}, "noise_level"),
     ({"noise_level": np.nan}, "noise_level"), ({"min_gap": 0.5}, "min_gap")],
)
def test_rule_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        select_n_symmetries([0.0, 1.0], **kwargs)


def test_perturbation_noise_level():
    rng = np.random.RandomState(0)
    dM = 0.01 * rng.normal(size=(50, 400, 3))
    # RMS column norm is 0.01 * sqrt(400) = 0.2
    assert perturbation_noise_level(dM, factor=1.0) == pytest.approx(0.2, rel=0.05)
    assert perturbation_noise_level(dM) == pytest.approx(0.6, rel=0.05)
    assert perturbation_noise_level(np.zeros((0, 3, 2))) == 0.0
    with pytest.raises(ValueError, match="shape"):
        perturbation_noise_level(np.zeros(3))
    with pytest.raises(ValueError, match="factor"):
        perturbation_noise_level(dM, factor=0)


def test_symmetry_spectrum_wide_and_tall():
    rng = np.random.RandomState(0)
    lie = np.eye(4).reshape(4, 2, 2)
    M = rng.normal(size=(2, 4))                       # fewer rows than generators
    s, gens = symmetry_spectrum(M, lie)
    assert s.shape == (4,) and np.sum(s == 0) == 2
    np.testing.assert_allclose(M @ gens[:2].reshape(2, 4).T, 0, atol=1e-12)
    M = rng.normal(size=(100, 4)) @ np.diag([1, 1, 1, 0])   # tall: QR first
    s, gens = symmetry_spectrum(M, lie)
    assert s[0] < 1e-12 and s[1] > 1e-3
    np.testing.assert_allclose(np.abs(gens[0].ravel()), [0, 0, 0, 1], atol=1e-12)


def test_reference_scale():
    # everything cancels to round-off against a known scale: all symmetric
    assert select_n_symmetries([5e-9, 1e-8, 1.3e-8], reference=1.0) == 3
    assert select_n_symmetries([5e-9, 1e-8, 1.3e-8]) == 0
    # a reference below the spectrum changes nothing
    assert select_n_symmetries([1e-12, 0.5, 1.0], reference=0.1) == 1
    assert select_n_symmetries([1e-12, 0.5, 1.0], reference=2.0) == 1
    # float tol is relative to max(s_max, reference)
    assert select_n_symmetries([1e-3, 0.5], tol=0.1, reference=10.0) == 2
    with pytest.raises(ValueError, match="reference"):
        select_n_symmetries([0.0, 1.0], reference=-1.0)


def test_approximate_symmetries_count_next_to_round_off():
    # the cut after the round-off values does not compete: approximate symmetries
    # below a clear gap count too
    assert select_n_symmetries([0.0, 1e-3, 1.0, 1.2]) == 2
    assert select_n_symmetries([0.0, 0.0, 0.0, 1.5e-4, 1.9, 2.0]) == 4
    assert select_n_symmetries([1e-4, 2e-4, 3e-4, 0.5, 0.6, 1.0]) == 3
    assert select_n_symmetries([0.5, 1.0]) == 0


def test_select_n_symmetries_checks_its_input():
    with pytest.raises(ValueError, match="1-D"):
        select_n_symmetries(np.ones((2, 2)))
    with pytest.raises(ValueError, match="non-negative"):
        select_n_symmetries([-1.0, 1.0])
