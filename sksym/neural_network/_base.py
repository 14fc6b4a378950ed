"""Base class of the symmetric multilayer perceptrons (private)."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_alpha, check_tol, resolve_reps
from ..reps import Rep
from ._activations import ACTIVATIONS, check_hidden_rep
from ._gated import GatedFeatures
from ._layers import Layer
from ._network import Network
from ._optim import Adam, run_lbfgs
from ..reps import RegularRep

__all__ = ["BaseSymmetricMLP"]

_SOLVERS = ("lbfgs", "adam")
_MAX_REGULAR = 256  # largest group order for the default (regular) hidden representation


def _check_int(value, name, minimum=1):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def _check_float(value, name, low=0.0, high=None, low_open=False, high_open=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        raise ValueError(f"{name} must be a float in {lo}{low}, {high if high is not None else 'inf'}{hi}; got {value!r}.")
    return float(value)


_CONSTANT_CHECK_SAMPLES = 256


def _warn_if_constant(net, theta, Z, E):
    """Warn when the freshly initialised network's output does not depend on its
    inputs: the equivariant layers leave no path from the inputs to the outputs."""
    Ws, bs = net.unpack(theta)
    m = min(len(Z), _CONSTANT_CHECK_SAMPLES)         # one forward pass on a few samples
    out = net.forward(Z[:m], Ws, bs, None if E is None else E[:m])
    if np.ptp(out, axis=0).max(initial=0.0) <= 1e-12 * max(float(np.abs(out).max(initial=0.0)), 1.0):
        warnings.warn(
            "The network's output does not depend on its inputs: the group leaves no "
            "equivariant weights from the inputs to the outputs (e.g. no invariant "
            "polynomials, or hidden representations without an invariant part for "
            "invariant outputs), or the inputs' invariant features are constant at "
            "their scale; its predictions are constant.",
            UserWarning, stacklevel=4,
        )


def _value_key(obj):
    """A key that compares ``obj`` by value: groups and representations are
    hashable value objects, arrays and lists are turned into bytes and tuples."""
    if isinstance(obj, np.ndarray):
        return ("array", obj.shape, obj.dtype.str, obj.tobytes())
    if isinstance(obj, (list, tuple)):
        return tuple(_value_key(o) for o in obj)
    try:
        hash(obj)
    except TypeError:
        return ("repr", repr(obj))
    return obj


class BaseSymmetricMLP(BaseEstimator):
    """Shared implementation of SymmetricMLPRegressor and SymmetricMLPClassifier."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate_init=0.001,
        max_iter=200,
        max_fun=15000,
        tol=1e-4,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        random_state=None,
        verbose=False,
        warm_start=False,
        fit_intercept=True,
        group=None,
        input_rep=None,
        output_rep=None,
        hidden_rep=None,
        symmetry="enforce",
        symmetry_alpha=1.0,
        invariant_degree=2,
        gate_degree=2,
        n_symmetry_points=64,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.max_fun = max_fun
        self.tol = tol
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.fit_intercept = fit_intercept
        self.group = group
        self.input_rep = input_rep
        self.output_rep = output_rep
        self.hidden_rep = hidden_rep
        self.symmetry = symmetry
        self.symmetry_alpha = symmetry_alpha
        self.invariant_degree = invariant_degree
        self.gate_degree = gate_degree
        self.n_symmetry_points = n_symmetry_points

    # ------------------------------------------------------------ validation
    def _validate_params_(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = [sizes]
        try:
            sizes = list(sizes)
        except TypeError:
            raise ValueError(f"hidden_layer_sizes must be an int or a sequence of ints; got {self.hidden_layer_sizes!r}.")
        if any(not isinstance(s, numbers.Integral) or isinstance(s, bool) or s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {self.hidden_layer_sizes!r}.")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got {self.activation!r}.")
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {_SOLVERS}; got {self.solver!r}.")
        check_alpha(self.alpha, "alpha")
        if not (self.batch_size == "auto" or (isinstance(self.batch_size, numbers.Integral)
                                              and not isinstance(self.batch_size, bool) and self.batch_size >= 1)):
            raise ValueError(f"batch_size must be 'auto' or a positive integer; got {self.batch_size!r}.")
        _check_float(self.learning_rate_init, "learning_rate_init", 0.0, low_open=True)
        _check_int(self.max_iter, "max_iter")
        _check_int(self.max_fun, "max_fun")
        check_tol(self.tol, "tol")
        _check_float(self.validation_fraction, "validation_fraction", 0.0, 1.0, True, True)
        _check_int(self.n_iter_no_change, "n_iter_no_change")
        _check_float(self.beta_1, "beta_1", 0.0, 1.0, False, True)
        _check_float(self.beta_2, "beta_2", 0.0, 1.0, False, True)
        _check_float(self.epsilon, "epsilon", 0.0, low_open=True)
        if self.symmetry not in ("enforce", "promote"):
            raise ValueError(f"symmetry must be 'enforce' or 'promote'; got {self.symmetry!r}.")
        check_alpha(self.symmetry_alpha, "symmetry_alpha")
        _check_int(self.invariant_degree, "invariant_degree", 1)
        _check_int(self.gate_degree, "gate_degree", 0)
        _check_int(self.n_symmetry_points, "n_symmetry_points", 1)
        return sizes

    # ------------------------------------------------------------ architecture
    def _hidden_reps(self, n_hidden):
        G = self.group_
        hr = self.hidden_rep
        if hr is None:
            if G.order > _MAX_REGULAR:
                size = ("infinitely many units (the group is infinite or too large to enumerate)"
                        if not np.isfinite(G.order) else f"{G.order} units per copy (more than {_MAX_REGULAR})")
                raise ValueError(
                    f"The default hidden representation, RegularRep({G}), has {size}; pass "
                    "hidden_rep, e.g. V or Scalar (allowed for "
                    f"activation={self.activation!r} if the group acts by permutations)."
                )
            return [RegularRep(G)] * n_hidden
        reps = list(hr) if isinstance(hr, (list, tuple)) else [hr] * n_hidden
        if len(reps) != n_hidden:
            raise ValueError(
                f"hidden_rep has {len(reps)} entries but there are {n_hidden} hidden layers."
            )
        out = []
        for i, r in enumerate(reps):
            if not isinstance(r, Rep):
                raise TypeError(f"hidden_rep must be a sksym Rep or a list of them; got {type(r).__name__}.")
            out.append(r if r.is_bound else r(G))
            if out[-1].group != G:
                raise ValueError(f"hidden_rep[{i}] is bound to {out[-1].group}, but group is {G}.")
        return out

    def _build(self, X, sizes, n_outputs):
        """Set ``architecture_`` ('dense', 'layers', 'gated' or 'promote') and return the Network."""
        G, in_rep, out_rep = resolve_reps(self.group, self.input_rep, self.output_rep, X.shape[1], n_outputs)
        if is_classifier(self) and self.output_rep is not None:
            raise ValueError("output_rep is not used by SymmetricMLPClassifier (class scores are invariant).")
        self.group_, self.input_rep_, self.output_rep_ = G, in_rep, out_rep
        trivial = G.lie_dim == 0 and G.n_discrete == 0
        if G.affine or in_rep.is_affine:
            raise ValueError(f"Affine groups (translations) are not supported by the MLPs; got {G}.")
        if self.symmetry == "promote":
            if G.lie_dim == 0:
                raise ValueError("symmetry='promote' needs a group with a Lie algebra (candidate generators).")
            self.architecture_ = "promote"
        elif trivial:
            self.architecture_ = "dense"
        elif G.lie_dim == 0:
            self.architecture_ = "layers"
        else:
            self.architecture_ = "gated"
        out_act = self._out_activation
        units = [X.shape[1]] + sizes + [n_outputs]
        if self.architecture_ in ("dense", "promote"):
            if self.hidden_rep is not None:
                raise ValueError(
                    "hidden_rep is only used to enforce a finite group (group with discrete generators "
                    f"and no Lie algebra); got group {G} with symmetry={self.symmetry!r}."
                )
            layers = [Layer(a, b, fit_intercept=self.fit_intercept) for a, b in zip(units[:-1], units[1:])]
            self.hidden_reps_ = None
            self.gated_features_ = None
            return Network(layers, self.activation, out_act)
        if self.architecture_ == "gated":
            if self.hidden_rep is not None:
                raise ValueError(
                    f"hidden_rep is only used with finite groups; {G} has a continuous part, so the "
                    "network is built from gated blocks (equivariant polynomials times an MLP of invariants)."
                )
            gf = GatedFeatures(G, in_rep, out_rep, int(self.invariant_degree), int(self.gate_degree),
                               1e-10).fit(X)
            self.gated_features_ = gf
            self.hidden_reps_ = None
            units = [gf.n_inputs] + sizes + [gf.n_gates]
            layers = [Layer(a, b, fit_intercept=self.fit_intercept) for a, b in zip(units[:-1], units[1:])]
            return Network(layers, self.activation, out_act, gated=True)
        # finite group, layer-wise equivariant
        self.gated_features_ = None
        hreps = self._hidden_reps(len(sizes))
        for i, r in enumerate(hreps):
            check_hidden_rep(r, self.activation, layer=i)
        copies = [int(np.ceil(s / r.size)) for s, r in zip(sizes, hreps)]
        self.hidden_reps_ = hreps
        reps = [in_rep] + hreps + [out_rep]
        ks = [1] + copies + [1]
        layers = []
        for i in range(len(reps) - 1):
            A, B = reps[i], reps[i + 1]
            Q = (A >> B).equivariant_basis()
            Qb = B.equivariant_basis()
            layers.append(Layer(ks[i] * A.size, ks[i + 1] * B.size, Q=Q, Qb=Qb, k_in=ks[i],
                                k_out=ks[i + 1], fit_intercept=self.fit_intercept))
        return Network(layers, self.activation, out_act)

    def _inputs(self, X):
        """Network inputs (and gates) for raw features X."""
        if self.gated_features_ is not None:
            return self.gated_features_.transform(X)
        return X, None

    # ------------------------------------------------------------ fitting
    def _fit(self, X, Y, y_val_transform=None):
        sizes = self._validate_params_()
        rng = check_random_state(self.random_state)
        # groups and representations by value (two unnamed groups share a repr);
        # the output activation and the classes too (a classifier's targets)
        arch_key = (tuple(sizes), self.activation, self.fit_intercept, X.shape[1], Y.shape[1],
                    self.symmetry, _value_key(self.group), _value_key(self.input_rep),
                    _value_key(self.output_rep), _value_key(self.hidden_rep), self.invariant_degree,
                    self.gate_degree, self._out_activation, _value_key(getattr(self, "classes_", None)))
        warm = self.warm_start and getattr(self, "_arch_key", None) == arch_key and hasattr(self, "_theta")
        if not warm:
            self._network = self._build(X, sizes, Y.shape[1])
            self._arch_key = arch_key
            theta = self._network.init(rng)
        else:
            theta = self._theta.copy()
        net = self._network
        Z, E = self._inputs(X)
        if not warm and len(X) > 1 and np.ptp(X[:_CONSTANT_CHECK_SAMPLES], axis=0).max(initial=0.0) > 0:
            _warn_if_constant(net, theta, Z, E)
        alpha = float(self.alpha)
        penalty_factory = self._penalty_factory()
        self.n_outputs_ = Y.shape[1]
        self.out_activation_ = self._out_activation
        self.n_layers_ = len(net.layers) + 1

        if self.solver == "lbfgs":
            def fun(th):
                pen = penalty_factory(Z, X) if penalty_factory else None
                return net.loss_grad(th, Z, Y, alpha, E, penalty=pen)

            theta, loss, n_iter, curve = run_lbfgs(
                fun, theta, int(self.max_iter), int(self.max_fun), float(self.tol), self.verbose)
            self.loss_ = loss
            self.best_loss_ = loss
            self.loss_curve_ = curve
            self.n_iter_ = n_iter
            self.validation_scores_ = None
            self.best_validation_score_ = None
        else:
            theta = self._fit_adam(theta, net, X, Z, E, Y, alpha, rng, penalty_factory, y_val_transform)
        if not np.all(np.isfinite(theta)):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain large "
                "values and need to be preprocessed."
            )
        self._theta = theta
        self.coefs_, self.intercepts_ = net.unpack(theta)
        self.coefs_ = [np.array(W) for W in self.coefs_]
        self.intercepts_ = [np.array(b) for b in self.intercepts_]
        self.n_parameters_ = int(net.n_params)
        if self.architecture_ == "promote":
            from ._promote import lie_derivative_matrix

            pts = X[np.random.RandomState(0).permutation(len(X))[: max(int(self.n_symmetry_points), 256)]]
            M = lie_derivative_matrix(self, pts)
            self.lie_singular_values_ = np.linalg.svd(M, compute_uv=False)
        return self

    def _penalty_factory(self):
        if self.symmetry != "promote" or self.symmetry_alpha == 0:
            return None
        from ._promote import make_penalty

        return make_penalty(self)

    def _fit_adam(self, theta, net, X, Z, E, Y, alpha, rng, penalty_factory, y_val_transform):
        n = Z.shape[0]
        if self.early_stopping:
            idx = np.arange(n)
            strat = None
            if is_classifier(self) and Y.shape[1] >= 1 and self._label_binarizer.y_type_ != "multilabel-indicator":
                strat = Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0]
            tr, va = train_test_split(idx, random_state=rng, test_size=self.validation_fraction, stratify=strat)
            if len(va) < 2:
                raise ValueError("The validation set is too small. Increase 'validation_fraction' or the size of your dataset.")
        else:
            tr, va = np.arange(n), None
        n_tr = len(tr)
        if self.batch_size == "auto":
            batch = min(200, n_tr)
        else:
            if self.batch_size > n_tr:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped")
            batch = int(np.clip(self.batch_size, 1, n_tr))
        if not (self.warm_start and hasattr(self, "_optimizer") and self._optimizer.m.shape == theta.shape):
            self._optimizer = Adam(theta.size, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)
        opt = self._optimizer
        self.loss_curve_ = []
        self.validation_scores_ = [] if self.early_stopping else None
        best_loss, best_score, best_theta = np.inf, -np.inf, theta.copy()
        no_improve = 0
        self.n_iter_ = 0
        order = tr.copy()
        for it in range(int(self.max_iter)):
            if self.shuffle:
                order = rng.permutation(tr)
            acc = 0.0
            for sl in gen_batches(n_tr, batch):
                b = order[sl]
                pen = penalty_factory(Z[b], X[b]) if penalty_factory else None
                loss, grad = net.loss_grad(theta, Z[b], Y[b], alpha, None if E is None else E[b], penalty=pen)
                acc += loss * len(b)
                theta = opt.step(theta, grad)
            self.n_iter_ += 1
            self.loss_ = acc / n_tr
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            if self.early_stopping:
                Ws, bs = net.unpack(theta)
                out = net.forward(Z[va], Ws, bs, None if E is None else E[va])
                score = self._validation_score(out, Y[va])
                self.validation_scores_.append(score)
                if score < best_score + self.tol:
                    no_improve += 1
                else:
                    no_improve = 0
                if score > best_score:
                    best_score, best_theta = score, theta.copy()
            else:
                if self.loss_ > best_loss - self.tol:
                    no_improve += 1
                else:
                    no_improve = 0
                if self.loss_ < best_loss:
                    best_loss = self.loss_
            if no_improve > self.n_iter_no_change:
                what = "Validation score" if self.early_stopping else "Training loss"
                if self.verbose:
                    print(f"{what} did not improve more than tol={self.tol:f} for "
                          f"{self.n_iter_no_change} consecutive epochs. Stopping.")
                break
            if self.n_iter_ == self.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                    "optimization hasn't converged yet.", ConvergenceWarning)
        if self.early_stopping:
            self.best_validation_score_ = best_score
            self.best_loss_ = None
            theta = best_theta
        else:
            self.best_loss_ = best_loss
            self.best_validation_score_ = None
        return theta

    # ------------------------------------------------------------ predicting
    def _forward(self, X):
        check_is_fitted(self, "coefs_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        Z, E = self._inputs(X)
        return self._network.forward(Z, self.coefs_, self.intercepts_, E)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
