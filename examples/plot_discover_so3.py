"""
============================================
Discover so(3) from samples, then enforce it
============================================

A function of three variables is sampled with noise. We do not tell sksym that
it is rotation invariant: :class:`~sksym.discovery.SymmetryDiscovery` searches
all nine generators of gl(3) (every linear vector field ``x -> A x``) and finds
the three that leave the fitted model unchanged, i.e. so(3). The discovered
group is an ordinary :class:`~sksym.groups.Group`, so we then *enforce* it with
:class:`~sksym.SymmetricRidge` and compare test errors with an unconstrained
model.
"""

# %%
# Noisy samples of a rotation-invariant function
# ----------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from sksym.discovery import SymmetryDiscovery, SymmetrySpectrumDisplay
from sksym.groups import SO
from sksym.lie import principal_angles
from sksym.linear_model import SymmetricRidge

rng = np.random.RandomState(0)


def f(X):
    r2 = np.sum(X**2, axis=1)
    return r2 - 0.1 * r2**2


def sample(n, noise=0.01):
    X = rng.normal(size=(n, 3))
    y = f(X)
    return X, y + noise * np.std(y) * rng.normal(size=n)


X, y = sample(300)

# %%
# Discover the symmetries of the fitted model
# -------------------------------------------
# The estimator fits a degree-4 polynomial ridge model and takes the SVD of the
# linear map ``A -> L_A F`` over the nine candidates. Three singular values
# sit at the noise level; six are of order one.
disc = SymmetryDiscovery(library=PolynomialFeatures(4), random_state=0).fit(X, y)
print("singular values:", np.array2string(disc.singular_values_, precision=1))
print("number of symmetries:", disc.n_symmetries_)
print(f"estimated noise level: {disc.noise_level_:.1e}")

SymmetrySpectrumDisplay.from_estimator(disc)
plt.title("Spectrum of A -> L_A F over gl(3)")
plt.show()

# %%
# The discovered generators are rotations: antisymmetric matrices, and their
# span is so(3) up to a small principal angle set by the noise.
np.set_printoptions(precision=3, suppress=True)
print(disc.generators_[0])
angles = principal_angles(
    disc.generators_.reshape(3, -1).T, SO(3).lie_algebra.reshape(3, -1).T
)
print(f"largest principal angle to so(3): {angles.max():.1e} rad")

# %%
# Enforce the discovered group
# ----------------------------
# ``disc.symmetry_group_`` goes straight into ``group=``. The generators are
# accurate to about the noise level, so the enforcing tolerance ``tol`` must
# be above it (the default ``1e-10`` is meant for exact generators; here
# ``1e-3`` to ``1e-2`` all give the 3 invariant parameters, ``1e-4`` is too
# strict and ``1e-1`` too loose). With the symmetry, 35 polynomial
# coefficients become 3 free parameters, and small training sets suffice.
enforced = SymmetricRidge(
    group=disc.symmetry_group_, library=PolynomialFeatures(4), tol=1e-2
).fit(X, y)
print("free parameters with the discovered group:", enforced.n_free_parameters_)

X_test, y_test = sample(2000, noise=0.0)
scale = np.var(y_test)
sizes = [15, 20, 30, 60, 120]
errors = {"discovered group": [], "true SO(3)": [], "no symmetry (RidgeCV)": []}
for n in sizes:
    Xn, yn = sample(n)
    models = {
        "discovered group": SymmetricRidge(
            group=disc.symmetry_group_, library=PolynomialFeatures(4), alpha=1e-6, tol=1e-2
        ),
        "true SO(3)": SymmetricRidge(group=SO(3), library=PolynomialFeatures(4), alpha=1e-6),
        "no symmetry (RidgeCV)": make_pipeline(
            PolynomialFeatures(4), StandardScaler(), RidgeCV(alphas=np.logspace(-8, 2, 11))
        ),
    }
    for name, model in models.items():
        model.fit(Xn, yn)
        errors[name].append(np.mean((model.predict(X_test) - y_test) ** 2) / scale)

for name, errs in errors.items():
    print(f"{name:>22}: " + "  ".join(f"{e:.1e}" for e in errs))

fig, ax = plt.subplots()
for (name, errs), marker in zip(errors.items(), "so^"):
    ax.loglog(sizes, errs, marker + "-", label=name)
ax.set_xlabel("training samples")
ax.set_ylabel("relative test MSE")
ax.legend()
plt.show()

# %%
# Symmetries of a data set
# ------------------------
# With ``target="data"`` there is no ``y``: the estimator fits the polynomial
# equations the samples satisfy (here ``|x|^2 = 1``) and keeps the generators
# whose vector fields are tangent to that set.
S = rng.normal(size=(300, 3))
S /= np.linalg.norm(S, axis=1, keepdims=True)
disc_data = SymmetryDiscovery(target="data", random_state=0).fit(S)
print("equation coefficients (1, x, y, z, x^2, xy, ...):", disc_data.equations_.round(2))
print("symmetries of the sphere in gl(3):", disc_data.n_symmetries_)
