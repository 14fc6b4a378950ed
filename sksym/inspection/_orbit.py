"""Orbit tools: equivariance error, per-element scores, orbit averaging."""

import copy
import numbers

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.linear_model import Ridge
from sklearn.metrics import accuracy_score, check_scoring, r2_score
from sklearn.utils import Bunch, check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ..groups import Group, Trivial
from ..reps import Rep, V

__all__ = ["equivariance_error", "orbit_accuracy", "OrbitAveraging"]

_DEFAULT_LIE_SAMPLES = 64
_DEFAULT_MAX_ELEMENTS = 1000


def _check_group(group, name="group"):
    if not isinstance(group, Group):
        raise TypeError(f"{name} must be a sksym Group (e.g. sksym.groups.Dihedral(4)); got {type(group).__name__}.")
    return group


def _bind(rep, group, name):
    if rep is None:
        return None
    if not isinstance(rep, Rep):
        raise TypeError(f"{name} must be a sksym representation (e.g. V + V) or None; got {type(rep).__name__}.")
    return rep(group)  # raises if bound to a different group


def _group_elements(group, n_samples, random_state, max_elements=_DEFAULT_MAX_ELEMENTS,
                    exclude_identity=False):
    """Elements to use: all of a finite group of order <= max(max_elements, n_samples),
    otherwise ``n_samples`` random draws (default 64). Returns (elements, exact)."""
    if n_samples is not None and (
        not isinstance(n_samples, numbers.Integral) or isinstance(n_samples, bool) or n_samples < 1
    ):
        raise ValueError(f"n_samples must be a positive integer or None; got {n_samples!r}.")
    limit = max_elements if n_samples is None else max(max_elements, n_samples)
    if group.is_finite and group.order <= limit:
        elems = group.elements()
        return (elems[1:] if exclude_identity else elems), True
    n = _DEFAULT_LIE_SAMPLES if n_samples is None else int(n_samples)
    return group.sample(n, random_state=check_random_state(random_state)), False


def _response(estimator, X, response_method):
    if response_method == "auto":
        if is_classifier(estimator):
            for m in ("predict_proba", "decision_function"):
                if hasattr(estimator, m):
                    response_method = m
                    break
            else:
                response_method = "predict"
        else:
            response_method = "predict"
    if not hasattr(estimator, response_method):
        raise ValueError(f"The estimator has no method {response_method!r}.")
    out = np.asarray(getattr(estimator, response_method)(X))
    return out.reshape(out.shape[0], -1) if out.ndim != 2 else out


def _rel_err(a, b):
    num = np.linalg.norm(a - b)
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if num == 0 else float(num / den)


def equivariance_error(estimator, X, group, input_rep=None, output_rep=None, n_samples=None,
                       random_state=None, response_method="auto"):
    """Relative equivariance error of a fitted model under a group.

    For each group element ``g`` the error is

        ||f(rho_in(g) X) - rho_out(g) f(X)||_F / (||f(rho_in(g) X)||_F + ||rho_out(g) f(X)||_F)

    over the whole batch (the convention of EMLP, Finzi et al. 2021), in
    ``[0, 1]`` (0 when both sides vanish); the mean over the elements is
    returned. With ``output_rep=None`` this measures invariance,
    ``rho_out(g) = I``.

    Elements: a finite group with at most ``max(1000, n_samples)`` elements is
    enumerated exactly (identity excluded); otherwise ``n_samples`` elements are
    sampled with :meth:`~sksym.groups.Group.sample` (default 64), and the
    result is a Monte Carlo estimate.

    Parameters
    ----------
    estimator : fitted estimator
    X : array-like of shape (n_samples, input_rep.size)
        Points at which to test.
    group : Group
    input_rep : Rep, default=None
        Action on the inputs; ``None`` means ``V(group)`` (needs
        ``X.shape[1] == group.d``). Unbound representations are bound to ``group``.
    output_rep : Rep, default=None
        Action on the outputs (``None``: invariance).
    n_samples : int, default=None
        Number of sampled elements (see above).
    random_state : int, RandomState instance or None, default=None
        Seed for sampled elements.
    response_method : {"auto", "predict", "predict_proba", "decision_function"}, default="auto"
        Which output is compared; ``"auto"`` uses ``predict_proba`` (else
        ``decision_function``, else ``predict``) for classifiers and ``predict``
        otherwise.

    Returns
    -------
    error : float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sksym.groups import Dihedral
    >>> from sksym.inspection import OrbitAveraging, equivariance_error
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 2))
    >>> y = (X ** 2).sum(axis=1) + X[:, 0]
    >>> plain = Ridge().fit(X, y)
    >>> bool(equivariance_error(plain, X, Dihedral(4)) > 0.1)
    True
    >>> averaged = OrbitAveraging(Ridge(), Dihedral(4)).fit(X, y)
    >>> bool(equivariance_error(averaged, X, Dihedral(4)) < 1e-12)
    True
    """
    check_is_fitted(estimator)
    group = _check_group(group)
    in_rep = _bind(V if input_rep is None else input_rep, group, "input_rep")
    out_rep = _bind(output_rep, group, "output_rep")
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != in_rep.size:
        raise ValueError(
            f"X must have shape (n_samples, {in_rep.size}) to match input_rep {in_rep!r}; "
            f"got shape {X.shape}."
        )
    if response_method not in ("auto", "predict", "predict_proba", "decision_function"):
        raise ValueError(f"Unknown response_method {response_method!r}.")
    elems, _ = _group_elements(group, n_samples, random_state, exclude_identity=True)
    if len(elems) == 0:
        return 0.0
    F0 = _response(estimator, X, response_method)
    if not np.issubdtype(F0.dtype, np.number):
        raise ValueError(
            "The estimator's responses are not numeric; use response_method='predict_proba' "
            "or 'decision_function', or orbit_accuracy for labels."
        )
    F0 = F0.astype(float)
    if out_rep is not None and out_rep.size != F0.shape[1]:
        raise ValueError(
            f"output_rep has size {out_rep.size} but the estimator returns {F0.shape[1]} outputs."
        )
    errs = []
    for g in elems:
        Fg = _response(estimator, in_rep.act(g, X), response_method).astype(float)
        target = F0 if out_rep is None else out_rep.act(g, F0)
        errs.append(_rel_err(Fg, target))
    return float(np.mean(errs))


def orbit_accuracy(estimator, X, y, group, input_rep=None, n_samples=None, random_state=None,
                   scoring=None):
    """Score of a fitted model on every transformed copy ``g X`` of a test set.

    For a model trained on ``X`` only, the scores on transformed copies show
    how much it relies on the orientation of its inputs, e.g. Bergman (2019)'s
    accuracy on inverted digits ``-X``. Labels are left unchanged (invariant
    tasks).

    Parameters
    ----------
    estimator : fitted estimator
    X : array-like of shape (n_samples, input_rep.size)
    y : array-like of shape (n_samples,)
    group : Group
        A finite group of order <= ``max(1000, n_samples)`` is enumerated
        (identity first); otherwise ``n_samples`` elements (default 64) are drawn.
    input_rep : Rep, default=None
        Action on the inputs (``None``: ``V(group)``).
    n_samples : int, default=None
    random_state : int, RandomState instance or None, default=None
    scoring : str or callable, default=None
        Any scikit-learn scorer; ``None`` uses ``estimator.score`` (accuracy for
        classifiers).

    Returns
    -------
    result : Bunch
        ``scores`` (one per element), ``elements``, ``mean``, ``worst`` (the
        minimum), ``exact`` (whether the group was enumerated).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sksym.groups import Group
    >>> from sksym.inspection import orbit_accuracy
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 3)) + 1.0
    >>> y = (X[:, 0] > 1.0).astype(int)
    >>> flip = Group(discrete_generators=-np.eye(3)[None], name="Z2")
    >>> res = orbit_accuracy(LogisticRegression().fit(X, y), X, y, flip)
    >>> res.scores.shape, bool(res.scores[0] > 0.9), bool(res.worst < 0.5)
    ((2,), True, True)
    """
    check_is_fitted(estimator)
    group = _check_group(group)
    in_rep = _bind(V if input_rep is None else input_rep, group, "input_rep")
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != in_rep.size:
        raise ValueError(
            f"X must have shape (n_samples, {in_rep.size}) to match input_rep {in_rep!r}; "
            f"got shape {X.shape}."
        )
    y = np.asarray(y)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} samples but X has {X.shape[0]}.")
    scorer = check_scoring(estimator, scoring=scoring)
    elems, exact = _group_elements(group, n_samples, random_state)
    scores = np.array([scorer(estimator, in_rep.act(g, X), y) for g in elems], dtype=float)
    return Bunch(scores=scores, elements=elems, mean=float(scores.mean()),
                 worst=float(scores.min()), exact=exact)


def _inner_has(attr):
    def check(self):
        est = self.estimator_ if hasattr(self, "estimator_") else self._inner()
        return hasattr(est, attr)

    return check


class OrbitAveraging(MetaEstimatorMixin, BaseEstimator):
    """Make any model invariant (or equivariant) by averaging over a group.

    ``fit`` fits a clone of ``estimator`` on the data; predictions are averaged
    over group elements ``g``:

    - regressors: ``mean_g rho_out(g)^-1 f(rho_in(g) x)`` (``f(rho_in(g) x)`` for
      invariance, the default);
    - classifiers: ``predict_proba`` (or ``decision_function``) averaged over
      ``g``, and ``predict`` takes the most probable class.

    For a finite group of order <= ``max(1000, n_samples)`` all elements are used
    and the result is exactly invariant (equivariant). For Lie groups (or larger
    finite groups) ``n_samples`` elements are drawn once in ``fit`` (default 64)
    and the result is only approximately invariant: a Monte Carlo estimate of
    the group average.

    Parameters
    ----------
    estimator : estimator, default=None
        The model to wrap; ``None`` means :class:`~sklearn.linear_model.Ridge`.
    group : Group, default=None
        The symmetry group; ``None`` means the trivial group on the data width
        (no averaging).
    n_samples : int, default=None
        Number of sampled elements for infinite or large groups.
    input_rep : Rep, default=None
        Action on the features; ``None`` means ``V(group)`` (``group.d`` must
        equal the number of features).
    output_rep : Rep, default=None
        Action on the targets (regressors only); ``None`` means invariance.
    random_state : int, RandomState instance or None, default=None
        Seed for sampled elements.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone.
    group_ : Group
        The group in use.
    elements_ : ndarray of shape (n_elements, m, m)
        The group elements averaged over.
    exact_ : bool
        Whether the whole (finite) group is used.
    classes_ : ndarray
        Class labels (classifiers).
    n_features_in_ : int
    feature_names_in_ : ndarray
        Only when ``X`` has string feature names.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sksym.groups import Permutation
    >>> from sksym.inspection import OrbitAveraging
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(50, 3))
    >>> y = X.sum(axis=1) + 0.1 * X[:, 0]
    >>> model = OrbitAveraging(Ridge(), Permutation(3)).fit(X, y)
    >>> x = X[:1]
    >>> bool(np.allclose(model.predict(x), model.predict(x[:, [2, 0, 1]]), atol=1e-12))
    True
    """

    def __init__(self, estimator=None, group=None, n_samples=None, input_rep=None,
                 output_rep=None, random_state=None):
        self.estimator = estimator
        self.group = group
        self.n_samples = n_samples
        self.input_rep = input_rep
        self.output_rep = output_rep
        self.random_state = random_state

    def _inner(self):
        return Ridge() if self.estimator is None else self.estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._inner())
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = copy.deepcopy(inner.classifier_tags)
        tags.regressor_tags = copy.deepcopy(inner.regressor_tags)
        tags.target_tags = copy.deepcopy(inner.target_tags)
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.sparse = False
        return tags

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, **fit_params):
        """Fit a clone of the estimator and choose the group elements.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        **fit_params : dict
            Passed to the wrapped estimator's ``fit``.

        Returns
        -------
        self : OrbitAveraging
        """
        allow_nan = get_tags(self._inner()).input_tags.allow_nan
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=False,
                             ensure_all_finite="allow-nan" if allow_nan else True)
        n_features = X.shape[1]
        group = Trivial(n_features) if self.group is None else _check_group(self.group)
        in_rep = _bind(V if self.input_rep is None else self.input_rep, group, "input_rep")
        if in_rep.size != n_features:
            raise ValueError(
                f"input_rep {in_rep!r} acts on {in_rep.size} features, but X has {n_features}."
            )
        out_rep = _bind(self.output_rep, group, "output_rep")
        if out_rep is not None and is_classifier(self._inner()):
            raise ValueError("output_rep is only supported for regressors; classifiers are averaged invariantly.")
        multi_output = np.ndim(y) == 2 and np.shape(y)[1] > 1
        if multi_output and is_classifier(self._inner()) and not hasattr(self._inner(), "predict_proba"):
            raise ValueError(
                "Multi-output or multilabel targets need a classifier with predict_proba "
                f"(the probabilities are averaged); {type(self._inner()).__name__} has none."
            )
        elems, exact = _group_elements(group, self.n_samples, self.random_state)
        self.estimator_ = clone(self._inner()).fit(X, y, **fit_params)
        self._multi_output = multi_output
        if out_rep is not None:
            n_out = 1 if np.ndim(y) == 1 else np.shape(y)[1]
            if out_rep.size != n_out:
                raise ValueError(f"output_rep has size {out_rep.size} but y has {n_out} targets.")
        self.group_ = group
        self.elements_ = elems
        self.exact_ = exact
        self._in_rep = in_rep
        self._out_rep = out_rep
        if hasattr(self.estimator_, "classes_"):
            self.classes_ = self.estimator_.classes_
        return self

    # ------------------------------------------------------------------ averaging
    def _average(self, X, method, equivariant=False):
        check_is_fitted(self)
        allow_nan = get_tags(self._inner()).input_tags.allow_nan
        X = validate_data(self, X, reset=False,
                          ensure_all_finite="allow-nan" if allow_nan else True)
        fn = getattr(self.estimator_, method)
        total = None
        for g in self.elements_:
            out = fn(self._in_rep.act(g, X))
            if isinstance(out, list):        # multi-output classifiers: one array per output
                out = [np.asarray(o, dtype=float) for o in out]
                total = out if total is None else [t + o for t, o in zip(total, out)]
                continue
            out = np.asarray(out, dtype=float)
            if equivariant and self._out_rep is not None:
                shape = out.shape
                ginv = np.linalg.inv(g)
                out = self._out_rep.act(ginv, out.reshape(shape[0], -1)).reshape(shape)
            total = out if total is None else total + out
        if isinstance(total, list):
            return [t / len(self.elements_) for t in total]
        return total / len(self.elements_)

    def predict(self, X):
        """Group-averaged prediction.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        if is_classifier(self):
            check_is_fitted(self)
            if hasattr(self.estimator_, "predict_proba"):
                scores = self.predict_proba(X)
                if isinstance(scores, list):      # multi-output: classes per output
                    return np.column_stack([np.asarray(c)[np.argmax(p, axis=1)]
                                            for c, p in zip(self.classes_, scores)])
                if getattr(self, "_multi_output", False):    # multilabel: one probability per label
                    return (scores > 0.5).astype(int)
                return self.classes_[np.argmax(scores, axis=1)]
            scores = self.decision_function(X)
            if scores.ndim == 1:
                return self.classes_[(scores > 0).astype(int)]
            return self.classes_[np.argmax(scores, axis=1)]
        return self._average(X, "predict", equivariant=True)

    @available_if(_inner_has("predict_proba"))
    def predict_proba(self, X):
        """Group-averaged class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), or a list of them
            A list (one array per output) for multi-output classifiers that
            return one, as the wrapped estimator does.
        """
        return self._average(X, "predict_proba")

    @available_if(_inner_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            if isinstance(proba, list):
                return [np.log(p) for p in proba]
            return np.log(proba)

    @available_if(_inner_has("decision_function"))
    def decision_function(self, X):
        """Group-averaged decision function.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        return self._average(X, "decision_function")

    def score(self, X, y, sample_weight=None):
        """Accuracy (classifiers) or R^2 (regressors) of the averaged model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        pred = self.predict(X)
        if is_classifier(self):
            return float(accuracy_score(y, pred, sample_weight=sample_weight))
        return float(r2_score(y, pred, sample_weight=sample_weight))
