"""Warnings raised by sksym."""

__all__ = ["FewPointsWarning", "FiniteDifferenceWarning"]


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


class FewPointsWarning(UserWarning):
    """A Lie-derivative operator is evaluated at fewer points than it takes to
    determine the functions it constrains, so models that break the symmetry
    between the points can pass as symmetric (an equivariant basis, or a set
    of discovered generators, too large).

    Polynomials of degree ``k`` in ``d`` variables need ``C(d + k, k)``
    distinct generic points; a dictionary of ``K`` other functions at least
    ``K``. Raised once per operator, when it is evaluated at its points (the
    exact paths for polynomial libraries do not use them).

    Examples
    --------
    >>> import warnings
    >>> from sksym.exceptions import FewPointsWarning
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", FewPointsWarning)
    """
