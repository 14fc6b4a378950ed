"""The signed digits of Bergman (2019): scikit-learn's 8x8 digits in [-1, 1]."""

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_signed_digits"]


def _shift(images, dr, dc):
    out = np.zeros_like(images)
    n, h, w = images.shape
    rs = slice(max(dr, 0), h + min(dr, 0))
    rd = slice(max(-dr, 0), h + min(-dr, 0))
    cs = slice(max(dc, 0), w + min(dc, 0))
    cd = slice(max(-dc, 0), w + min(-dc, 0))
    out[:, rd, cd] = images[:, rs, cs]
    return out


def load_signed_digits(*, shifts=True, return_X_y=False):
    """Load scikit-learn's 8x8 digits, enlarged by shifts and scaled to [-1, 1].

    The data of Bergman, "Symmetry constrained machine learning" (2019): the
    1,797 images of :func:`sklearn.datasets.load_digits`, plus copies shifted by
    one pixel up, down, left and right (zero fill), 8,985 images in all; every
    pixel is scaled as ``2 (x - min) / (max + 1e-4) - 1`` with its minimum and
    maximum over the data set, so the background is -1. The sign inversion
    ``x -> -x`` maps a black-on-white digit to its white-on-black negative.
    Nothing is downloaded (the digits ship with scikit-learn).

    Parameters
    ----------
    shifts : bool, default=True
        Add the four shifted copies (``False``: the 1,797 original images).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (n_samples, 64), ``target`` (n_samples,), ``images``
        (n_samples, 8, 8), ``target_names``, ``DESCR``.
    (data, target) : tuple if ``return_X_y``.

    Notes
    -----
    Shifted copies of one image may fall on both sides of a random train/test
    split (as in the paper).

    Examples
    --------
    >>> from sksym.datasets import load_signed_digits
    >>> X, y = load_signed_digits(return_X_y=True)
    >>> X.shape, float(X.min()), float(X.max()) <= 1.0
    ((8985, 64), -1.0, True)
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(float)
    target = digits.target
    if shifts:
        parts = [images] + [_shift(images, dr, dc) for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1))]
        images = np.concatenate(parts)
        target = np.tile(target, 5)
    X = images.reshape(len(images), -1)
    lo, hi = X.min(axis=0), X.max(axis=0)
    X = 2.0 * (X - lo) / (hi + 1e-4) - 1.0
    images = X.reshape(-1, 8, 8)
    if return_X_y:
        return X, target
    return Bunch(
        data=X, target=target, images=images, target_names=np.arange(10),
        DESCR=load_signed_digits.__doc__.split("\n\n")[1],
    )
