"""Warnings raised by sksym."""

__all__ = ["FiniteDifferenceWarning"]


class FiniteDifferenceWarning(UserWarning):
    """A Jacobian was approximated by finite differences, so symmetry
    constraints built from it hold only approximately.

    Examples
    --------
    >>> import warnings
    >>> from sksym.exceptions import FiniteDifferenceWarning
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FiniteDifferenceWarning)
    """
