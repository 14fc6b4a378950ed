"""Validation shared by the estimators (private)."""

import numbers

import numpy as np
from sklearn.base import clone
from sklearn.preprocessing import PolynomialFeatures

from ._checks import check_rank_tol, check_real  # noqa: F401 (check_rank_tol re-exported)
from .groups import Group, Trivial
from .reps import Rep, Scalar, V

__all__ = ["resolve_reps", "check_library", "check_tol", "check_alpha", "check_symmetry_tol"]


def _bind(rep, group, name):
    if not isinstance(rep, Rep):
        raise TypeError(f"{name} must be a sksym Rep (e.g. V, V + V, Scalar); got {type(rep).__name__}.")
    if rep.is_bound:
        if rep.group != group:
            raise ValueError(f"{name} is bound to {rep.group}, but group is {group}.")
        return rep
    return rep(group)


def resolve_reps(group, input_rep, output_rep, n_features, n_outputs=None):
    """Bind ``group``, ``input_rep`` and ``output_rep`` and check their sizes.

    ``group=None`` means the group ``input_rep`` is bound to, or else the trivial
    group of the data's dimension; ``input_rep=None`` means ``V``;
    ``output_rep=None`` means ``n_outputs`` invariant scalars.

    Returns
    -------
    group, input_rep, output_rep : Group, Rep, Rep (output_rep is None if n_outputs is None)
    """
    if group is not None and not isinstance(group, Group):
        raise TypeError(
            f"group must be a sksym.groups.Group (e.g. SO(3)) or None; got {type(group).__name__}."
        )
    if group is None:
        if isinstance(input_rep, Rep) and input_rep.is_bound:
            group = input_rep.group
        elif isinstance(output_rep, Rep) and output_rep.is_bound:
            group = output_rep.group
        elif input_rep is None or not isinstance(input_rep, Rep):  # non-Reps fail in _bind
            group = Trivial(n_features)
        else:
            raise ValueError("input_rep is not bound to a group; pass group= as well.")
    in_rep = _bind(V if input_rep is None else input_rep, group, "input_rep")
    if in_rep.size != n_features:
        what = f"group {group} acts on R^{group.d}" if input_rep is None else f"input_rep {input_rep!r} has size {in_rep.size}"
        raise ValueError(
            f"Dimension mismatch: {what}, but X has {n_features} features."
        )
    out_rep = None
    if n_outputs is not None:
        out_rep = _bind(n_outputs * Scalar if output_rep is None else output_rep, group, "output_rep")
        if out_rep.size != n_outputs:
            raise ValueError(
                f"Dimension mismatch: output_rep {output_rep!r} has size {out_rep.size}, "
                f"but y has {n_outputs} target(s)."
            )
    return group, in_rep, out_rep


def check_library(library, X, default_degree=2):
    """Clone and fit the library on ``X`` (default ``PolynomialFeatures(2)``);
    return it and its features on ``X`` as a float array (checked here, so that
    the caller need not transform ``X`` again)."""
    if library is None:
        library = PolynomialFeatures(degree=default_degree)
    if not (hasattr(library, "fit") and hasattr(library, "transform")):
        raise TypeError(
            f"library must be a scikit-learn transformer such as PolynomialFeatures; got {type(library).__name__}."
        )
    library = clone(library).fit(X)
    # the features are checked here, where the message can name the library: an
    # empty or non-finite dictionary failed deep inside numpy, LAPACK or the solvers
    theta = library.transform(X)
    name = type(library).__name__
    if hasattr(theta, "toarray"):          # the estimators and Lie derivatives use dense features
        raise ValueError(f"library {name} returns a sparse matrix; sksym needs dense features "
                         "(e.g. sparse_output=False).")
    theta = np.asarray(theta)
    if theta.ndim != 2 or theta.shape[0] != X.shape[0]:
        raise ValueError(f"library {name} must transform X of shape {X.shape} into an array of shape "
                         f"(n_samples, n_library_features) = ({X.shape[0]}, K); got shape {theta.shape}.")
    if theta.shape[1] == 0:
        raise ValueError(f"library {name} produced no features (shape {theta.shape}); it needs at "
                         "least one function.")
    if not np.issubdtype(theta.dtype, np.number) or not np.all(np.isfinite(theta)):
        raise ValueError(f"library {name} produced non-finite values on the training inputs "
                         "(e.g. a log or 1/x outside its domain); restrict the inputs or the functions.")
    return library, np.asarray(theta, dtype=float)


def check_tol(tol, name="tol"):
    return check_real(tol, name, low=0.0)


def check_alpha(alpha, name="alpha"):
    return check_real(alpha, name, low=0.0)


def check_symmetry_tol(symmetry_tol):
    """``"auto"`` or a non-negative finite float (the promote estimators' rule for
    counting symmetries, :func:`~sksym.lie.select_n_symmetries`)."""
    if isinstance(symmetry_tol, str) and symmetry_tol == "auto":
        return symmetry_tol
    if (not isinstance(symmetry_tol, numbers.Real) or isinstance(symmetry_tol, bool)
            or not np.isfinite(symmetry_tol) or symmetry_tol < 0):
        raise ValueError(f"symmetry_tol must be 'auto' or a non-negative float; got {symmetry_tol!r}.")
    return float(symmetry_tol)
