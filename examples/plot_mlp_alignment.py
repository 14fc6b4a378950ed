"""
=====================================================
Aligning, comparing and stitching two digits networks
=====================================================

Two ReLU networks trained on the same data from different random seeds compute
almost the same function, yet their hidden units come in a different order and
at different scales. For ReLU this is exactly the freedom of the network's
*intertwiner group* ``G_ReLU`` (permutations times positive scalings): moving
the weights by such a matrix does not change the function at all.

This example trains two :class:`~sklearn.neural_network.MLPClassifier` on the
digits data and uses :mod:`sksym.inspection` to

1. check the weight-space symmetry,
2. compare their hidden representations with similarity measures that are
   invariant to different groups,
3. stitch the bottom of one network onto the top of the other,
4. align the hidden units with :func:`~sksym.inspection.align_mlps` and look at
   the loss along the straight line between the weights, before and after.
"""

# %%
# Two networks from different seeds
# ---------------------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sksym.inspection import (
    align_mlps,
    apply_intertwiner,
    grelu_cka,
    grelu_procrustes_similarity,
    hidden_activations,
    interpolation_barrier,
    linear_cka,
    orthogonal_procrustes_similarity,
    permutation_similarity,
    sample_intertwiner,
    stitch,
)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    net_a = MLPClassifier(hidden_layer_sizes=(64, 64), random_state=1).fit(X_train, y_train)
    net_b = MLPClassifier(hidden_layer_sizes=(64, 64), random_state=2).fit(X_train, y_train)
print(f"test accuracy: a = {net_a.score(X_test, y_test):.3f}, b = {net_b.score(X_test, y_test):.3f}")

# %%
# The weight-space symmetry
# -------------------------
# Any element ``A = P D`` (``D > 0``) of ``G_ReLU`` inserted before a hidden
# layer's ReLU, with ``A^-1`` after it, leaves the function unchanged.
A = sample_intertwiner("relu", 64, random_state=0)
moved = apply_intertwiner(net_a, 0, A)
change = np.abs(moved.predict_proba(X_test) - net_a.predict_proba(X_test)).max()
print(f"max change of predicted probabilities: {change:.1e}")

# %%
# Comparing hidden representations
# --------------------------------
# Each measure is exactly 1 when the two representations differ by an element
# of its invariance group. Linear CKA and orthogonal Procrustes forgive
# rotations, which are *not* symmetries of a ReLU network, and do not forgive
# per-unit rescaling, which is one. The ``G_ReLU`` measures have the network's
# own symmetry group.
measures = {
    "linear CKA": linear_cka,
    "orthogonal Procrustes": orthogonal_procrustes_similarity,
    "permutation": permutation_similarity,
    "G_ReLU Procrustes": grelu_procrustes_similarity,
    "G_ReLU CKA": grelu_cka,
}
h_a = hidden_activations(net_a, X_test, 0)
h_moved = hidden_activations(moved, X_test, 0)
scores = {layer: {} for layer in (0, 1)}
for layer in (0, 1):
    H_a = hidden_activations(net_a, X_test, layer)
    H_b = hidden_activations(net_b, X_test, layer)
    for name, measure in measures.items():
        scores[layer][name] = measure(H_a, H_b)
same_function = {name: measure(h_a, h_moved) for name, measure in measures.items()}

fig, ax = plt.subplots(figsize=(8, 3.5))
pos = np.arange(len(measures))
ax.bar(pos - 0.27, list(same_function.values()), 0.27, label="a vs a moved by G_ReLU")
ax.bar(pos, list(scores[0].values()), 0.27, label="a vs b, layer 1")
ax.bar(pos + 0.27, list(scores[1].values()), 0.27, label="a vs b, layer 2")
ax.set_xticks(pos, list(measures), rotation=15)
ax.set_ylabel("similarity")
ax.set_ylim(0, 1.05)
ax.legend(loc="lower left", fontsize=8)
ax.set_title("Representation similarity")
fig.tight_layout()

# %%
# Stitching
# ---------
# Feed the first hidden layer of ``a`` through a fitted map into the second
# layer of ``b``. The map is fitted in closed form on training activations:
# identity (no map), ``G_ReLU`` (assignment plus nonnegative scales),
# scaled orthogonal, and affine least squares.
groups = ["none", "relu", "orthogonal", "linear"]
stitched = {
    layer: [stitch(net_a, net_b, layer, X_train, group=g).score(X_test, y_test) for g in groups]
    for layer in (0, 1)
}
fig, ax = plt.subplots(figsize=(6, 3.5))
pos = np.arange(len(groups))
for i, layer in enumerate((0, 1)):
    ax.bar(pos + (i - 0.5) * 0.35, stitched[layer], 0.35, label=f"stitched at layer {layer + 1}")
ax.axhline(net_b.score(X_test, y_test), color="k", ls="--", lw=1, label="network b")
ax.set_xticks(pos, ["none", "G_ReLU", "orthogonal", "affine"])
ax.set_ylabel("stitched test accuracy")
ax.legend(loc="lower right", fontsize=8)
ax.set_title("Stitching a's bottom onto b's top")
fig.tight_layout()

# %%
# Alignment and the loss barrier
# ------------------------------
# :func:`~sksym.inspection.align_mlps` permutes and rescales the hidden units of
# ``b`` (weight matching over both layers) so that they line up with those of
# ``a``. The aligned network computes exactly the same function as ``b``, but
# the straight line between the weights of ``a`` and the aligned ``b`` has a
# much lower loss barrier.
aligned = align_mlps(net_a, net_b, random_state=0)
print("aligned network unchanged:",
      np.allclose(aligned.predict_proba(X_test), net_b.predict_proba(X_test), atol=1e-12))
before = interpolation_barrier(net_a, net_b, X_test, y_test, n_points=11)
after = interpolation_barrier(net_a, aligned, X_test, y_test, n_points=11)
print(f"midpoint barrier: {before.midpoint_barrier:.3f} before, {after.midpoint_barrier:.3f} after")

fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
axes[0].plot(before.t, before.loss, "o-", label="before alignment")
axes[0].plot(after.t, after.loss, "o-", label="after alignment")
axes[0].set_xlabel("t  (weights = (1 - t) a + t b)")
axes[0].set_ylabel("test log-loss")
axes[0].legend()
axes[1].plot(before.t, before.score, "o-", label="before alignment")
axes[1].plot(after.t, after.score, "o-", label="after alignment")
axes[1].set_xlabel("t")
axes[1].set_ylabel("test accuracy")
fig.suptitle("Linear interpolation between two networks")
fig.tight_layout()

# %%
# Unit-by-unit correlation before and after alignment
# ---------------------------------------------------
# After alignment, unit ``i`` of ``b`` is the best partner of unit ``i`` of ``a``:
# the diagonal of the correlation matrix lights up. The partners are far from
# identical (independently trained units are only partly shared), which is why
# the ``G_ReLU`` similarities above stay well below 1.
def unit_correlation(H1, H2):
    H1 = (H1 - H1.mean(0)) / (H1.std(0) + 1e-12)
    H2 = (H2 - H2.mean(0)) / (H2.std(0) + 1e-12)
    return H1.T @ H2 / len(H1)


fig, axes = plt.subplots(1, 2, figsize=(8, 4))
for ax, other, title in ((axes[0], net_b, "before"), (axes[1], aligned, "after")):
    C = unit_correlation(hidden_activations(net_a, X_test, 0), hidden_activations(other, X_test, 0))
    im = ax.imshow(C, cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_title(f"layer 1, {title}: mean diagonal {np.diag(C).mean():.2f}", fontsize=9)
    ax.set_xlabel("units of b")
    ax.set_ylabel("units of a")
fig.colorbar(im, ax=axes, shrink=0.8)
