# %% [markdown]
# # 2. Empirical risk minimization
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/02_erm.ipynb)
#
# Supervised learning picks, in a family of functions $f_\theta$, the one that best explains $n$
# examples $(x_i, y_i)$: it minimises the *empirical risk*
# $$ \min_\theta \; E(\theta) = \frac{1}{n} \sum_{i=1}^n \ell\big(f_\theta(x_i), y_i\big). $$
# This tour solves least squares three ways, fits a logistic regression by gradient descent
# (and checks it against scikit-learn), then watches a too-rich model *overfit* and a ridge
# penalty cure it. Every claim ends in an `assert` on a number computed here.

# %%
# On Colab, install the tours' helper package; elsewhere `make` has installed it already.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "aitours @ git+https://github.com/mathematics-of-ai/numerical-tours"], check=True)

# %%

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
from ipywidgets import FloatLogSlider, IntSlider, interact
from sklearn.linear_model import LogisticRegression

from aitours import enable_x64
from aitours.data import linear_regression, noisy_function_1d, two_gaussians
from aitours.features import legendre_features
from aitours.losses import least_squares, logistic
from aitours.optim import gradient_descent
from aitours.plotting import style

style()
SEED = 0
key = jax.random.PRNGKey(SEED)
k_ls, k_log, k_train, k_test = jax.random.split(key, 4)

# %% [markdown]
# ## Least squares, three ways
#
# For the linear model $f_\theta(x) = \langle x, \theta\rangle$ and the square loss
# $\ell(y', y) = (y'-y)^2$, the risk is $E(\theta) = \frac1n\|X\theta - y\|^2$ with $X \in
# \mathbb{R}^{n\times d}$ stacking the $x_i$. It is a convex quadratic; its minimiser solves the
# **normal equations** $X^\top X \theta = X^\top y$. Three ways to get it:
# 1. solve the normal equations ($d\times d$ system);
# 2. `lstsq` (an SVD of $X$: more stable when $X$ is ill-conditioned);
# 3. gradient descent $\theta_{k+1} = \theta_k - \tau \nabla E(\theta_k)$, with
#    $\nabla E(\theta) = \frac2n X^\top(X\theta - y)$ and $\tau = 1/L$, $L = \frac2n\lambda_{\max}(X^\top X)$.

# %%
n, d = 200, 10
X, y, theta_true = linear_regression(k_ls, n, d, noise=0.5)

theta_normal = jnp.linalg.solve(X.T @ X, X.T @ y)
theta_lstsq = jnp.linalg.lstsq(X, y)[0]

eig = jnp.linalg.eigvalsh(2 / n * X.T @ X)
mu_ls, L_ls = float(eig[0]), float(eig[-1])
grad_E = jax.grad(least_squares)
thetas = gradient_descent(lambda th: grad_E(th, X, y), jnp.zeros(d), 300, 1 / L_ls)
theta_gd = thetas[-1]


def rel(a, b):
    return float(jnp.linalg.norm(a - b) / jnp.linalg.norm(b))


print(f"condition number L/mu = {L_ls / mu_ls:.2f}")
print(f"lstsq vs normal equations: {rel(theta_lstsq, theta_normal):.1e}")
print(f"GD (300 steps) vs normal equations: {rel(theta_gd, theta_normal):.1e}")
assert rel(theta_lstsq, theta_normal) < 1e-5
assert rel(theta_gd, theta_normal) < 1e-5

# %% [markdown]
# Gradient descent converges *linearly*: the error shrinks by at least $1 - \mu/L$ per step, with
# $\mu, L$ the extreme eigenvalues of the Hessian $\frac2n X^\top X$. (Tour 3 studies the step size.)

# %%
err = jnp.linalg.norm(thetas - theta_normal, axis=1)
bound = err[0] * (1 - mu_ls / L_ls) ** jnp.arange(len(err))
fig, ax = plt.subplots()
ax.semilogy(err, label=r"$\|\theta_k - \theta^\star\|$")
ax.semilogy(bound, "k--", lw=1, label=r"$(1-\mu/L)^k \|\theta_0 - \theta^\star\|$")
ax.set(xlabel="iteration $k$", ylabel="error", title="Gradient descent on least squares",
       ylim=(1e-7, None))
ax.legend()
plt.show()
# the bound holds while the error is above float32 round-off
above = err > 1e-5 * err[0]
assert bool(jnp.all(err[above] <= bound[above] * (1 + 1e-3)))

# %% [markdown]
# ## Logistic regression by gradient descent
#
# For labels $y_i \in \{-1, +1\}$, the logistic loss $\ell(y', y) = \log(1 + e^{-y y'})$ is a
# smooth convex surrogate of the 0-1 loss. With a ridge penalty the risk
# $$ E(\theta) = \frac1n \sum_i \log\big(1 + e^{-y_i\langle x_i, \theta\rangle}\big) + \frac\lambda2\|\theta\|^2 $$
# is $\lambda$-strongly convex and $L$-smooth with $L = \lambda_{\max}(X^\top X)/(4n) + \lambda$,
# so gradient descent with $\tau = 1/L$ converges to its unique minimiser. scikit-learn's
# `LogisticRegression(C=...)` minimises $C\sum_i \ell_i + \frac12\|\theta\|^2$: the same problem
# for $C = 1/(\lambda n)$.

# %%
n_log, lam = 200, 0.05
Xc, yc = two_gaussians(k_log, n_log, 2, separation=2.5)


def E_log(theta):
    return logistic(theta, Xc, yc) + 0.5 * lam * theta @ theta


L_log = float(jnp.linalg.eigvalsh(Xc.T @ Xc)[-1]) / (4 * n_log) + lam
theta_log = gradient_descent(jax.grad(E_log), jnp.zeros(2), 2000, 1 / L_log)[-1]

sk = LogisticRegression(C=1 / (lam * n_log), fit_intercept=False, tol=1e-10, max_iter=10_000)
sk.fit(np.asarray(Xc, np.float64), np.asarray(yc))
gap = float(np.max(np.abs(np.asarray(theta_log) - sk.coef_[0])))
print(f"GD theta = {np.asarray(theta_log)}, scikit-learn theta = {sk.coef_[0]}, max gap {gap:.1e}")
assert gap < 1e-3

# %%
fig, ax = plt.subplots(figsize=(5, 4.5))
for label, marker in ((1, "o"), (-1, "s")):
    pts = Xc[yc == label]
    ax.scatter(pts[:, 0], pts[:, 1], s=14, marker=marker, alpha=0.7, label=f"$y = {label:+d}$")
u = jnp.linspace(-4, 4, 2)
ax.plot(u, -theta_log[0] / theta_log[1] * u, "k", label=r"$\langle x, \theta\rangle = 0$ (GD)")
ax.set(xlim=(-4, 4), ylim=(-4, 4), xlabel="$x_1$", ylabel="$x_2$",
       title="Logistic regression: decision boundary")
ax.legend(loc="lower right")
plt.show()
accuracy = float(jnp.mean(jnp.sign(Xc @ theta_log) == yc))
print(f"training accuracy {accuracy:.1%}")
assert accuracy > 0.8

# %% [markdown]
# ## Overfitting
#
# Richer models fit the training data better, but not necessarily new data. Fit $n = 30$ noisy
# samples of $f(x) = \sin(3x) + x$ on $[-1, 1]$ by least squares on polynomials of degree
# $p = 0, \dots, 24$ (a Legendre basis, well conditioned). The models are **nested**, so the
# training error can only decrease with $p$; the test error on fresh samples falls while the
# model learns $f$, then rises once it fits the noise: a U-shape. We compute in float64 so the
# nesting is exact up to round-off.

# %%
def target(x):
    return jnp.sin(3 * x) + x


n_train, n_test, noise, p_max = 30, 2000, 0.3, 24
degrees = np.arange(p_max + 1)
with enable_x64():
    x_tr, y_tr = noisy_function_1d(k_train, n_train, target, noise)
    x_te, y_te = noisy_function_1d(k_test, n_test, target, noise)
    P_tr, P_te = (legendre_features(jnp.asarray(x, jnp.float64), p_max) for x in (x_tr, x_te))
    y_tr, y_te = jnp.asarray(y_tr, jnp.float64), jnp.asarray(y_te, jnp.float64)

    @jax.jit
    def fit_poly(degree, lam):
        """Ridge fit on the Legendre features of degree <= `degree`, all as one masked problem:
        min ||Phi theta - y||^2 + n lam ||theta||^2 over theta supported on the first degree+1
        coefficients (lam = 0: least squares), solved as one stacked lstsq."""
        mask = (jnp.arange(p_max + 1) <= degree).astype(P_tr.dtype)
        A = jnp.concatenate([P_tr * mask, jnp.sqrt(n_train * lam) * jnp.diag(mask)])
        b = jnp.concatenate([y_tr, jnp.zeros(p_max + 1)])
        return jnp.linalg.lstsq(A, b)[0]

    @jax.jit
    def errors(degree, lam):
        th = fit_poly(degree, lam)
        return least_squares(th, P_tr, y_tr), least_squares(th, P_te, y_te)

    # every degree at once: vmap instead of a Python loop
    train_err, test_err = map(np.asarray, jax.vmap(errors, (0, None))(degrees, 0.0))

best = int(degrees[np.argmin(test_err)])
print(f"best test degree {best}; test error {test_err.min():.3f} there, "
      f"{test_err[-1]:.3g} at degree {degrees[-1]}; noise level sigma^2 = {noise**2:.3f}")
assert np.all(np.diff(train_err) <= 1e-9), "training error must not increase with the degree"
assert degrees[0] < best < degrees[-1], "the best degree lies strictly inside the range"
assert test_err[-1] > 3 * test_err.min(), "the richest model overfits"

# %%
fig, ax = plt.subplots()
ax.semilogy(degrees, train_err, "o-", label="train")
ax.semilogy(degrees, test_err, "s-", label="test")
ax.axhline(noise**2, color="gray", ls=":", label=r"noise $\sigma^2$")
ax.axvline(best, color="k", lw=0.8)
ax.set(xlabel="polynomial degree $p$", ylabel="mean squared error",
       title=f"Train error falls, test error is U-shaped (best $p$ = {best})")
ax.legend()
plt.show()

# %% [markdown]
# ## Regularization
#
# Keep the rich model (degree 24, nearly as many parameters as samples) but penalise large
# coefficients: ridge regression minimises $\frac1n\|\Phi\theta - y\|^2 + \lambda\|\theta\|^2$,
# i.e. $(\Phi^\top\Phi + n\lambda I)\theta = \Phi^\top y$. Small $\lambda$ overfits, large
# $\lambda$ underfits; in between, the test error drops well below the unregularised one.

# %%
p_high = int(degrees[-1])
lams = np.logspace(-10, 1, 45)
with enable_x64():
    ridge_err = np.stack([np.asarray(e) for e in jax.vmap(errors, (None, 0))(p_high, lams)], 1)
best_lam = lams[np.argmin(ridge_err[:, 1])]
print(f"degree {p_high}: test error {ridge_err[0, 1]:.3g} at lambda = {lams[0]:.0e}, "
      f"{ridge_err[:, 1].min():.3f} at the best lambda = {best_lam:.1e}")
assert ridge_err[:, 1].min() < 0.5 * ridge_err[0, 1]
assert lams[0] < best_lam < lams[-1]

fig, ax = plt.subplots()
ax.loglog(lams, ridge_err[:, 0], "o-", ms=3, label="train")
ax.loglog(lams, ridge_err[:, 1], "s-", ms=3, label="test")
ax.axvline(best_lam, color="k", lw=0.8)
ax.set(xlabel=r"ridge penalty $\lambda$", ylabel="mean squared error",
       title=f"Ridge at degree {p_high}: the best $\\lambda$ beats $\\lambda \\to 0$")
ax.legend()
plt.show()

# %% [markdown]
# ## Try it: degree and penalty
#
# Move the sliders: a high degree with $\lambda \approx 0$ wiggles through the noise; a
# moderate $\lambda$ tames it.

# %%
xs = jnp.linspace(-1, 1, 400)


def show_fit(degree=8, lam=1e-8):
    with enable_x64():
        tr, te = errors(degree, lam)
        curve = legendre_features(jnp.asarray(xs, jnp.float64), p_max) @ fit_poly(degree, lam)
    fig, ax = plt.subplots()
    ax.plot(xs, target(xs), "k--", lw=1, label="$f$")
    ax.scatter(x_tr, y_tr, s=18, color="C1", label="training samples", zorder=3)
    ax.plot(xs, curve, color="C0", label=f"degree {degree} fit")
    ax.set(ylim=(-2.5, 2.5), xlabel="$x$", ylabel="$y$",
           title=f"train MSE {tr:.3f}   test MSE {te:.3f}")
    ax.legend(loc="upper left")
    plt.show()


interact(show_fit, degree=IntSlider(8, 0, 24, description="degree"),
         lam=FloatLogSlider(1e-8, base=10, min=-10, max=1, description="λ"));
