"""Shared docstring fragments (private)."""

PARAMETERS = """\
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        Number of units of each hidden layer. With a finite group each hidden
        layer holds copies of its hidden representation, and the size is
        rounded up to a multiple of the representation's size.
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Activation of the hidden layers. With a finite group it must commute
        with the hidden representations: permutation representations work
        for every activation, signed permutations for ``tanh`` (see
        ``hidden_rep``).
    solver : {"lbfgs", "adam"}, default="adam"
        ``"lbfgs"``: scipy's L-BFGS-B on the flat coefficient vector;
        ``"adam"``: Adam on mini-batches (scikit-learn's defaults).
    alpha : float, default=1e-4
        L2 penalty ``alpha / (2 n_samples) * sum_l ||W_l||_F^2`` (scikit-learn's
        convention). The bases are orthonormal, so this equals the penalty on
        the trained coefficients.
    batch_size : int or "auto", default="auto"
        Mini-batch size for ``adam``; ``"auto"`` is ``min(200, n_samples)``.
    learning_rate_init : float, default=1e-3
        Step size of ``adam``.
    max_iter : int, default=200
        Maximum number of epochs (``adam``) or iterations (``lbfgs``).
    max_fun : int, default=15000
        Maximum number of loss evaluations of ``lbfgs``.
    tol : float, default=1e-4
        ``adam`` stops when the loss (or validation score) does not improve by
        ``tol`` for ``n_iter_no_change`` epochs; ``lbfgs`` uses it as ``gtol``.
    shuffle : bool, default=True
        Shuffle the samples every epoch (``adam``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop on its score
        (``adam``); the best weights are kept.
    validation_fraction : float, default=0.1
        Held-out fraction for early stopping.
    n_iter_no_change : int, default=10
        Patience of the stopping rule (``adam``).
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's moment decay rates and stabiliser.
    random_state : int, RandomState instance or None, default=None
        Seed of the initialisation, shuffling and validation split. With
        ``group=None`` the initial weights are the ones scikit-learn draws.
    verbose : bool, default=False
        Print the loss every iteration.
    warm_start : bool, default=False
        Start from the previous solution when the architecture is unchanged
        (the same layer sizes, activation, group and representations, compared
        by value, output activation and, for classifiers, classes); otherwise
        the network is initialised afresh.
    fit_intercept : bool, default=True
        Whether the layers have biases; ``False`` gives bias-free networks
        (odd functions for odd activations, as in Bergman 2019). Biases are
        combinations of the fixed space of each layer's representation.
    group : Group, default=None
        The symmetry. ``None`` means the group ``input_rep`` is bound to, or
        no symmetry (then the estimator is scikit-learn's MLP). A finite group
        gives layer-wise equivariant networks; a group with a Lie algebra
        gives gated blocks (see Notes).
    input_rep : Rep, default=None
        How the group acts on the features; ``None`` means ``V``.
    output_rep : Rep, default=None
        How the group acts on the outputs; ``None`` means invariant outputs.
    hidden_rep : Rep or list of Rep, default=None
        Representation carried by (each) hidden layer, for finite groups;
        ``None`` means :class:`~sksym.reps.RegularRep` (a permutation representation,
        allowed for every activation). A representation the activation does
        not commute with is refused with a ValueError.
    symmetry : {"enforce", "promote"}, default="enforce"
        ``"enforce"``: exact equivariance by construction. ``"promote"``: an
        unconstrained network with a nuclear-norm penalty on its Lie
        derivatives along the group's generators (a soft, learned symmetry).
    symmetry_alpha : float, default=1.0
        Weight of the promotion penalty.
    invariant_degree : int, default=2
        Degree of the invariant polynomials fed to the gates (Lie groups).
    gate_degree : int, default=2
        Degree of the equivariant polynomial maps that the gates multiply
        (Lie groups); matrix outputs such as ``V * V`` need 2.
    n_symmetry_points : int, default=64
        Number of points (from each batch) at which the promotion penalty is
        evaluated."""

NOTES = """\
    With ``group=None`` the network, its initialisation (same ``random_state``
    draws), its loss and its gradient are scikit-learn's: the objective is
    ``(1 / n) sum_i loss(y_i, f(x_i)) + alpha / (2 n) sum_l ||W_l||_F^2``. For
    several regression targets the squared error is summed over targets; this is
    the objective whose gradient scikit-learn uses (its reported ``loss_``
    divides the data term by the number of targets).

    Finite groups: every weight matrix maps copies of one representation to
    copies of the next, and is a combination of an orthonormal basis of the
    equivariant maps between them; every bias lies in the fixed space. The
    trained parameters are these coefficients, so the network is exactly
    equivariant for every parameter value.

    Groups with a Lie algebra: a pointwise activation commutes with no
    non-trivial continuous action, so the network is a gated block
    ``F(x) = sum_k E_k(x) g_k(s(x))``: ``E_k`` span the equivariant polynomial
    maps of degree ``<= gate_degree``, ``s`` are the invariant polynomials of
    degree ``<= invariant_degree`` (standardised) and ``g`` is an MLP. It is
    exactly equivariant by construction. ``coefs_`` and ``intercepts_`` are
    then the weights of ``g``.

    ``symmetry="promote"``: an unconstrained network ``F`` plus
    ``symmetry_alpha * ||M||_*``, the nuclear norm of the matrix whose column
    ``j`` stacks the Lie derivatives ``DF(x) xi_j(x) - B_j F(x)`` along the
    group's generators at ``n_symmetry_points`` sampled points (scaled by
    ``1 / sqrt(n_points)``; logits for classifiers). It is differentiated
    exactly, forward mode through the layers and reverse mode through that; with
    ``solver="lbfgs"`` the nuclear norm is smoothed,
    ``sum_i sqrt(s_i^2 + eps^2) - eps`` with ``eps = 0.01``. The symmetry is
    then approximate and data dependent (sampled points)."""
