import numpy as np
import pytest

from sksym.inspection import (
    grelu_cka,
    grelu_procrustes_similarity,
    linear_cka,
    orthogonal_procrustes_similarity,
    permutation_similarity,
    sample_intertwiner,
)

rng = np.random.RandomState(0)
H = np.maximum(rng.normal(size=(60, 8)) @ rng.normal(size=(8, 8)), 0.0)  # ReLU-like
Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
P = np.eye(8)[rng.permutation(8)]
A_relu = sample_intertwiner("relu", 8, random_state=1)  # P D, D > 0
D_iso = 3.7 * np.eye(8)
D_aniso = np.diag(np.exp(rng.normal(size=8)))


def transform(M):
    return H @ M.T


# measure -> (elements of its group, elements outside it)
CASES = {
    "linear_cka": (linear_cka, [Q, D_iso, P @ Q], [D_aniso, A_relu]),
    "orthogonal_procrustes": (orthogonal_procrustes_similarity, [Q, D_iso @ Q], [D_aniso, A_relu]),
    "permutation": (permutation_similarity, [P, D_iso @ P], [Q, D_aniso, A_relu]),
    "grelu_procrustes": (grelu_procrustes_similarity, [P, A_relu, D_aniso], [Q, -np.eye(8)]),
    "grelu_cka": (grelu_cka, [P, A_relu, D_aniso], [Q]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_exactly_one_in_group_below_one_outside(name):
    f, inside, outside = CASES[name]
    assert f(H, H) == pytest.approx(1.0, abs=1e-12)
    for M in inside:
        assert f(H, transform(M)) == pytest.approx(1.0, abs=1e-12), M
    for M in outside:
        assert f(H, transform(M)) < 1 - 1e-3


def test_linear_cka_translation_and_debiased():
    assert linear_cka(H, H + 5.0) == pytest.approx(1.0, abs=1e-12)
    assert linear_cka(H, H @ Q, debiased=True) == pytest.approx(1.0, abs=1e-12)
    assert linear_cka(H, H @ D_aniso, debiased=True) < 1 - 1e-3
    # Debiased CKA matches the Gram-matrix formula.
    from sksym.inspection._similarity import _cka_from_grams

    Y = rng.normal(size=(60, 5))
    for deb in (False, True):
        ref = _cka_from_grams(H @ H.T, Y @ Y.T, deb)
        assert linear_cka(H, Y, debiased=deb) == pytest.approx(ref, rel=1e-10)


def test_debiased_cka_not_inflated():
    r = np.random.RandomState(3)
    X, Y = r.normal(size=(32, 50)), r.normal(size=(32, 50))
    assert linear_cka(X, Y) > 0.5  # biased estimator is inflated at small n
    assert abs(linear_cka(X, Y, debiased=True)) < 0.2


def test_grelu_signed_and_median():
    S = np.diag(np.where(rng.rand(8) < 0.5, -1.0, 1.0))
    assert grelu_procrustes_similarity(H, transform(S @ P), signed=True) == pytest.approx(1.0, abs=1e-12)
    assert grelu_cka(H, transform(A_relu), reduction="median") == pytest.approx(1.0, abs=1e-12)
    assert grelu_cka(H, transform(A_relu), debiased=True) == pytest.approx(1.0, abs=1e-12)


def test_different_widths():
    assert 0 < orthogonal_procrustes_similarity(H, H[:, :5]) < 1
    assert 0 < permutation_similarity(H, H[:, :5]) < 1
    assert 0 < grelu_procrustes_similarity(H, H[:, :5]) < 1
    assert 0 < linear_cka(H, H[:, :5]) < 1
    assert 0 < grelu_cka(H, H[:, :5]) <= 1


@pytest.mark.parametrize("f", [linear_cka, orthogonal_procrustes_similarity,
                               permutation_similarity, grelu_procrustes_similarity, grelu_cka])
def test_errors(f):
    with pytest.raises(ValueError, match="same number of samples"):
        f(H, H[:10])
    with pytest.raises(ValueError, match="2-D"):
        f(H[:, 0], H)
    with pytest.raises(ValueError, match="NaN"):
        f(np.full_like(H, np.nan), H)
    with pytest.raises(ValueError):
        f(np.zeros_like(H), H)


@pytest.mark.parametrize("debiased", [False, True])
def test_cka_small_samples_and_constant(debiased):
    with pytest.raises(ValueError, match="At least 4 samples"):
        linear_cka(H[:3], H[:3], debiased=debiased)
    with pytest.raises(ValueError, match="At least 4 samples"):
        grelu_cka(H[:3], H[:3], debiased=debiased)
    with pytest.raises(ValueError, match="constant"):
        linear_cka(np.ones((10, 3)), H[:10], debiased=debiased)
    # Smallest valid size: a finite number, never NaN.
    v = linear_cka(H[:4], rng.normal(size=(4, 3)), debiased=debiased)
    assert np.isfinite(v)


@pytest.mark.parametrize("measure", [orthogonal_procrustes_similarity, permutation_similarity,
                                     grelu_procrustes_similarity, grelu_cka, linear_cka])
def test_scale_invariance_at_extreme_magnitudes(measure):
    # the Frobenius norms overflowed (1e160) or underflowed (1e-170): other values
    # or "identically zero" errors
    r = np.random.RandomState(0)
    X, Y = r.normal(size=(20, 4)), r.normal(size=(20, 3))
    base = measure(X, Y)
    for scale in (1e160, 1e-170):
        assert measure(scale * X, Y) == pytest.approx(base, rel=1e-12)
