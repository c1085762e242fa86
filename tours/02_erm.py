# %% [markdown]
# # 2. Empirical risk minimization
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/02_erm.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/mathematics-of-ai/numerical-tours/main?urlpath=lab/tree/tours/02_erm.ipynb)
#
# Supervised learning picks, in a family of functions $f_\theta$, the one that best explains $n$
# examples $(x_i, y_i)$: it minimises the *empirical risk*
# $$ \min_\theta \; E(\theta) = \frac{1}{n} \sum_{i=1}^n \ell\big(f_\theta(x_i), y_i\big). $$
# This tour solves least squares three ways, fits a logistic regression by gradient descent
# (and checks it against scikit-learn), then watches a too-rich model *overfit* (fit the noise),
# chooses the model on a validation set, and tames the rich model with a ridge penalty. Every
# claim ends in an `assert` on a number computed here. The tour computes in float64
# (`enable_x64`), so that its comparisons hold to round-off on any hardware.

# %%
# On Colab, install the tours' helper package; elsewhere `make` has installed it already.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "aitours @ git+https://github.com/mathematics-of-ai/numerical-tours@v0.2.0"], check=True)

# %%
import math

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
from ipywidgets import FloatLogSlider, IntSlider, interact
from numpy.polynomial.legendre import legvander
from sklearn.linear_model import LogisticRegression

from aitours import enable_x64
from aitours.data import linear_regression, two_gaussians
from aitours.losses import least_squares, logistic
from aitours.optim import gradient_descent
from aitours.plotting import style

style()

# %% tags=["parameters"]
# every PRNG key of the tour derives from SEED
SEED = 0
N_LS, D_LS = 200, 10        # least squares: samples, dimension
LS_NOISE = 0.5              # least squares: noise standard deviation
COLLINEARITY = 0.0          # X's last column mixed into its first (1 - 1e-7: nearly collinear)
GD_STEPS = 300              # gradient descent steps on least squares
TAU_FACTOR = 1.0            # gradient descent step tau = TAU_FACTOR / L
N_LOG, LAM = 200, 0.05      # logistic regression: samples, ridge penalty
SEPARATION = 2.5            # logistic regression: distance between the class means
LOG_STEPS = 2000            # gradient descent steps on the logistic risk
SHUFFLED = False            # logistic regression: labels shuffled against the points
N_TRAIN, N_VAL, N_TEST = 30, 60, 2000  # overfitting: training, validation, test samples
NOISE = 0.3                 # overfitting: noise standard deviation sigma
P_MAX = 29                  # overfitting: highest polynomial degree (N_TRAIN - 1 interpolates)
SELECT_ON = "validation"    # choose the degree on "validation" (or "train")
SELECT_LAM_ON = "validation"  # choose the ridge penalty on "validation" (or "train")
RIDGE_DEGREE = 29           # regularization: degree of the penalised polynomial (P_MAX: richest)
N_DRAWS = 20                # overfitting and ridge: independent draws of the data, averaged
BUG = None                  # a slip: "jitter", "expanded_gradient", "penalty_without_half", "C_without_n"

# %% tags=["controls"]
# Negative controls, run by `make controls`: each removes what some claims are about,
# and those claims must then fail.
CONTROLS = {
    "normal_equations_jitter": {"set": {"BUG": "jitter"},
                                "kills": ["normal equations agree with lstsq"]},
    "gd_expanded_gradient_slip": {"set": {"BUG": "expanded_gradient"},
                                  "kills": ["plain GD loop reaches"]},
    "logistic_penalty_without_half": {"set": {"BUG": "penalty_without_half"},
                                      "kills": ["scikit-learn's coefficients"]},
    "sklearn_C_without_n": {"set": {"BUG": "C_without_n"}, "kills": ["scikit-learn's coefficients"]},
    "ill_conditioned": {"set": {"COLLINEARITY": 0.9999999},
                        "kills": ["normal equations agree with lstsq", "plain GD loop reaches"]},
    "few_gd_steps": {"set": {"GD_STEPS": 20}, "kills": ["plain GD loop reaches"]},
    "step_above_2_over_L": {"set": {"TAU_FACTOR": 2.2},
                            "kills": ["plain GD loop reaches", "at least as fast as"]},
    "few_logistic_steps": {"set": {"LOG_STEPS": 20}, "kills": ["scikit-learn's coefficients"]},
    "shuffled_labels": {"set": {"SHUFFLED": True}, "kills": ["near the Bayes accuracy"]},
    "many_samples": {"set": {"N_TRAIN": 300}, "kills": ["fits the noise", "beats lambda -> 0"]},
    "select_on_train": {"set": {"SELECT_ON": "train"},
                        "kills": ["degree strictly inside", "near the noise floor"]},
    "lambda_on_train": {"set": {"SELECT_LAM_ON": "train"}, "kills": ["lambda strictly inside"]},
    "ridge_at_low_degree": {"set": {"RIDGE_DEGREE": 5}, "kills": ["beats lambda -> 0"]},
}

# %%
key = jax.random.PRNGKey(SEED)
k_ls, k_log, k_shuffle, k_train, k_val, k_test, k_draws = jax.random.split(key, 7)

# %% [markdown]
# ## Least squares, three ways
#
# For the linear model $f_\theta(x) = \langle x, \theta\rangle$ and the square loss
# $\ell(y', y) = (y'-y)^2$, the risk is $E(\theta) = \frac1n\|X\theta - y\|^2$ with $X \in
# \mathbb{R}^{n\times d}$ stacking the $x_i$. It is a convex quadratic; its minimiser solves the
# **normal equations** $X^\top X \theta = X^\top y$. Three ways to get it:
# 1. solve the normal equations ($d\times d$ system);
# 2. `lstsq` (an SVD of $X$: more stable when $X$ is ill-conditioned, since the normal equations
#    square the condition number);
# 3. gradient descent $\theta_{k+1} = \theta_k - \tau \nabla E(\theta_k)$, with
#    $\nabla E(\theta) = \frac2n X^\top(X\theta - y)$ and $\tau = 1/L$, $L = \frac2n\lambda_{\max}(X^\top X)$.

# %%
with enable_x64():
    X, y, theta_true = linear_regression(k_ls, N_LS, D_LS, noise=LS_NOISE)
    X = X.at[:, -1].set((1 - COLLINEARITY) * X[:, -1] + COLLINEARITY * X[:, 0])
    # BUG "jitter": a slip, a small ridge added "for stability"
    jitter = 1e-6 * jnp.eye(D_LS) if BUG == "jitter" else 0.0
    theta_normal = np.asarray(jnp.linalg.solve(X.T @ X + jitter, X.T @ y))
    theta_lstsq = np.asarray(jnp.linalg.lstsq(X, y)[0])
    eig = jnp.linalg.eigvalsh(2 / N_LS * X.T @ X)
mu_ls, L_ls = float(eig[0]), float(eig[-1])


def rel(a, b):
    """Relative distance ||a - b|| / ||b|| (numpy, float64)."""
    return float(np.linalg.norm(np.asarray(a) - b) / np.linalg.norm(b))


print(f"condition number of the Hessian L/mu = {L_ls / mu_ls:.3g}")
print(f"normal equations vs lstsq: relative gap {rel(theta_normal, theta_lstsq):.1e}")
assert rel(theta_normal, theta_lstsq) < 1e-12, "claim: the normal equations agree with lstsq"

# %% [markdown]
# Here the Hessian's condition number is 1.9–2.6 and the two agree to round-off
# ($6\cdot10^{-16}$–$1.7\cdot10^{-15}$ over seeds 0–9 and 10 random ones). The
# control `ill_conditioned` makes X's last column 10⁻⁷ away from its first: the normal equations,
# whose matrix $X^\top X$ squares X's condition number (to about $10^{17}$ here), then lose all but
# a couple of digits (a gap of a few percent), and gradient descent no longer converges in 300 steps.
# A slip the tolerance catches (control `normal_equations_jitter`): a ridge of $10^{-6}$ added to
# $X^\top X$ "for stability" moves the solution by about $10^{-10}$.

# %% [markdown]
# *Exercise.* Gradient descent in plain numpy: starting from $\theta_0 = 0$, apply `GD_STEPS`
# times the update $\theta \leftarrow \theta - \tau \frac2n X^\top(X\theta - y)$ to `theta` (a
# vector of shape $(d,)$), with `X` of shape $(n, d)$, `y` of shape $(n,)$ and the step `tau`.

# %%
Xn, yn = np.asarray(X), np.asarray(y)
tau = TAU_FACTOR / L_ls
theta = np.zeros(D_LS)
for _ in range(GD_STEPS):
    if BUG == "expanded_gradient":  # a slip: ∇E expanded as (2/n)XᵀXθ − Xᵀy, 2/n forgotten once
        theta = theta - tau * (2 / N_LS * Xn.T @ Xn @ theta - Xn.T @ yn)
        continue
    ### BEGIN SOLUTION
    theta = theta - tau * 2 / N_LS * Xn.T @ (Xn @ theta - yn)
    ### END SOLUTION
    ### STUB theta = theta  # your code here: one gradient step on E
print(f"plain GD ({GD_STEPS} steps) vs normal equations: relative gap "
      f"{rel(theta, theta_normal):.1e}")
assert rel(theta, theta_normal) < 1e-12, \
    "claim: the plain GD loop reaches the normal-equations solution"

# %% [markdown]
# The same loop, compiled: `aitours.optim.gradient_descent(grad_fn, θ0, n_steps, τ)` runs the
# steps as one `lax.scan` and returns every iterate $\theta_0, \dots, \theta_K$, with the
# gradient from `jax.grad`. It converges *linearly*: for $\tau = 1/L$ the error shrinks by at
# least $1 - \mu/L$ per step, with $\mu, L$ the extreme eigenvalues of the Hessian
# $\frac2n X^\top X$. (Tour 3 studies the step size.)

# %%
with enable_x64():
    grad_E = jax.grad(least_squares)
    thetas = np.asarray(gradient_descent(lambda th: grad_E(th, X, y), jnp.zeros(D_LS),
                                         GD_STEPS, tau))
err = np.linalg.norm(thetas - theta_normal, axis=1)
bound = err[0] * (1 - mu_ls / L_ls) ** np.arange(len(err))
above = err > 1e-12 * err[0]  # the bound is checked while the error is above float64 round-off
above[0] = False              # (equal at k = 0)
print(f"largest ratio error / bound over {above.sum()} steps: {np.max(err[above] / bound[above]):.3f}")
assert np.all(err[above] <= bound[above] * (1 + 1e-6)), \
    "claim: GD's error shrinks at least as fast as (1 - mu/L)^k"
assert rel(thetas[-1], theta) < 1e-9, "sanity: the compiled loop ends where the plain loop does"

fig, ax = plt.subplots()
ax.semilogy(err, label=r"$\|\theta_k - \theta^\star\|$")
ax.semilogy(bound, "k--", lw=1, label=r"$(1-\mu/L)^k \|\theta_0 - \theta^\star\|$")
ax.set(xlabel="iteration $k$", ylabel="error", title="Gradient descent on least squares",
       ylim=(1e-16, None))
ax.legend()
plt.show()

# %% [markdown]
# ## Logistic regression by gradient descent
#
# For labels $y_i \in \{-1, +1\}$, the logistic loss $\ell(y', y) = \log(1 + e^{-y y'})$ is a
# smooth convex surrogate of the 0-1 loss. With a ridge penalty the risk
# $$ E(\theta) = \frac1n \sum_i \log\big(1 + e^{-y_i\langle x_i, \theta\rangle}\big) + \frac\lambda2\|\theta\|^2 $$
# is $\lambda$-strongly convex and $L$-smooth with $L = \lambda_{\max}(X^\top X)/(4n) + \lambda$,
# so gradient descent with $\tau = 1/L$ converges to its unique minimiser. scikit-learn's
# `LogisticRegression(C=...)` minimises $C\sum_i \ell_i + \frac12\|\theta\|^2$: the same problem
# for $C = 1/(\lambda n)$, solved by L-BFGS (here to a tolerance of $10^{-10}$).

# %%
with enable_x64():
    Xc, yc = two_gaussians(k_log, N_LOG, 2, separation=SEPARATION)
    if SHUFFLED:
        yc = jax.random.permutation(k_shuffle, yc)

    def E_log(theta):  # BUG "penalty_without_half": a slip, the ½ of the penalty forgotten
        return logistic(theta, Xc, yc) + (1.0 if BUG == "penalty_without_half" else 0.5) \
            * LAM * theta @ theta

    L_log = float(jnp.linalg.eigvalsh(Xc.T @ Xc)[-1]) / (4 * N_LOG) + LAM
    theta_log = np.asarray(gradient_descent(jax.grad(E_log), jnp.zeros(2), LOG_STEPS,
                                            1 / L_log)[-1])
Xc, yc = np.asarray(Xc), np.asarray(yc)

C_sk = 1 / LAM if BUG == "C_without_n" else 1 / (LAM * N_LOG)  # BUG: a slip, the n forgotten
sk = LogisticRegression(C=C_sk, fit_intercept=False, tol=1e-10, max_iter=10_000)
sk.fit(Xc, yc)
gap = float(np.max(np.abs(theta_log - sk.coef_[0])))
print(f"GD theta = {theta_log}, scikit-learn theta = {sk.coef_[0]}, max gap {gap:.1e}")
assert gap < 1e-7, "claim: GD finds scikit-learn's coefficients"

# %%
accuracy = float(np.mean(np.sign(Xc @ theta_log) == yc))
acc_bayes = 0.5 * (1 + math.erf(SEPARATION / 2 / math.sqrt(2)))  # Phi(separation / 2)
fig, ax = plt.subplots(figsize=(5, 4.5))
for label, marker in ((1, "o"), (-1, "s")):
    pts = Xc[yc == label]
    ax.scatter(pts[:, 0], pts[:, 1], s=14, marker=marker, alpha=0.7, label=f"$y = {label:+d}$")
u = np.linspace(-4, 4, 2)
ax.plot(u, -theta_log[0] / theta_log[1] * u, "k", label=r"$\langle x, \theta\rangle = 0$ (GD)")
ax.set(xlim=(-4, 4), ylim=(-4, 4), xlabel="$x_1$", ylabel="$x_2$",
       title="Logistic regression: decision boundary")
ax.legend(loc="lower right")
plt.show()
print(f"training accuracy {accuracy:.1%} (Bayes {acc_bayes:.1%}, chance 50%)")
assert accuracy > acc_bayes - 0.08, "claim: the logistic classifier is near the Bayes accuracy"

# %% [markdown]
# Over seeds 0–9 and 10 random ones GD and scikit-learn agree to $10^{-12}$–$1.6\cdot10^{-8}$ (the
# claim: $10^{-7}$; in float32 the gap was $2.5\cdot10^{-7}$, float32's round-off). Two slips the
# claim catches (controls): the penalty written $\lambda\|\theta\|^2$ without its $\frac12$, and
# scikit-learn's `C` set to $1/\lambda$, without the $n$. The training accuracy, 84–92.5 %
# on 200 points (whose standard deviation is about 2 points), stays within 8 points
# of the Bayes accuracy $\Phi(\delta/2) = 89.4\,\%$ of two unit Gaussians $\delta = 2.5$ apart
# (the boundary goes through the origin, where the two means are symmetric).
#
# ## Overfitting
#
# Richer models fit the training data better, but not necessarily new data. Fit $n = 30$ noisy
# samples $y_i = f(x_i) + \sigma\varepsilon_i$ of $f(x) = \sin(3x) + x$, $\sigma = 0.3$, by least
# squares on polynomials of degree $p = 0, \dots, 29$ (a Legendre basis, well conditioned). The
# $x_i$ are the 30 **Chebyshev nodes** of $[-1, 1]$, where even the degree-29 polynomial through
# all points stays tame (at equispaced or random points it would oscillate wildly near the
# ends, Runge's phenomenon, and its error would measure that blow-up, not the noise). New data:
# 60 **validation** samples, used to *choose* the degree, and 2000 **test** samples, used only to
# *report* the error of the choice; both at random points inside the training range.
#
# No predictor's test error goes below $\sigma^2$, the variance of the noise: it is the floor.
# The models are nested, so the training error can only decrease with $p$; at $p = 29$ the
# polynomial interpolates the 30 points, noise included: training error 0.

# %%
def target(x):
    return np.sin(3 * x) + x


def samples(key, n, x=None):
    """n noisy samples of the target, at x (given) or uniform inside the Chebyshev nodes' range."""
    k_x, k_e = jax.random.split(key)
    if x is None:
        x = np.asarray(jax.random.uniform(k_x, (n,), minval=-x_nodes[0], maxval=x_nodes[0]))
    return x, target(x) + NOISE * np.asarray(jax.random.normal(k_e, (n,)))


# %%
def mse(theta, P, y):
    return float(np.mean((P[:, : len(theta)] @ theta - y) ** 2))


def errors(thetas, sets):
    """Mean squared error of each fit (rows) on each of the sets [(P, y), ...] (columns)."""
    return np.array([[mse(th, P, yy) for P, yy in sets] for th in thetas])


def draw(k_tr, k_va, k_te):
    """One draw of the data: (Legendre features up to P_MAX, targets) of the three sets."""
    sets = samples(k_tr, N_TRAIN, x_nodes), samples(k_va, N_VAL), samples(k_te, N_TEST)
    return [(legvander(x, P_MAX), yy) for x, yy in sets]


def degree_errors(sets):
    """Errors (train, validation, test) of the least-squares fit of every degree 0..P_MAX."""
    P, yy = sets[0]
    return errors([np.linalg.lstsq(P[:, : p + 1], yy, rcond=None)[0] for p in degrees], sets)


# %%
x_nodes = np.cos(np.pi * (np.arange(N_TRAIN) + 0.5) / N_TRAIN)  # Chebyshev nodes, decreasing
degrees = np.arange(P_MAX + 1)
sets = draw(k_train, k_val, k_test)
(P_tr, y_tr), (P_va, y_va), (P_te, y_te) = sets
x_tr = x_nodes
train_err, val_err, test_err = degree_errors(sets).T

# %% [markdown]
# *Exercise.* Choose the degree: `best`, the degree (an `int`) whose fit has the smallest error on
# the selection set, `select_err` (the validation errors `val_err`, shape $(30,)$, one per degree).

# %%
select_err = val_err if SELECT_ON == "validation" else train_err
### BEGIN SOLUTION
best = int(degrees[np.argmin(select_err)])
### END SOLUTION
### STUB best = P_MAX  # your code here: the degree with the smallest selection error
print(f"degree chosen on the {SELECT_ON} set: {best}; test error {test_err[best]:.4f} there = "
      f"{test_err[best] / NOISE**2:.2f} sigma^2; degree {P_MAX}: training error "
      f"{train_err[-1]:.1e}, test error {test_err[-1]:.4f} = {test_err[-1] / NOISE**2:.2f} sigma^2")
assert degrees[0] < best < degrees[-1], "claim: validation picks a degree strictly inside the range"
assert np.all(np.diff(train_err) <= 1e-12), "sanity: nested models, the training error never rises"

# %%
fig, ax = plt.subplots()
ax.semilogy(degrees, train_err, "o-", label="train")
ax.semilogy(degrees, val_err, "^-", ms=4, label="validation")
ax.semilogy(degrees, test_err, "s-", label="test")
ax.axhline(NOISE**2, color="gray", ls=":", label=r"noise floor $\sigma^2$")
ax.axvline(best, color="k", lw=0.8)
ax.set(xlabel="polynomial degree $p$", ylabel="mean squared error", ylim=(1e-3, None),
       title=f"Train error falls to 0, test error is U-shaped (chosen $p$ = {best})")
ax.legend()
plt.show()

# %% [markdown]
# What the numbers show, over seeds 0–9 and 10 random ones: the validation set picks a degree
# between 3 and 9, whose test error is 1.01–1.36 $\sigma^2$ (the excess over $\sigma^2$ is
# the fit's variance and bias); the interpolating degree 29 has training error 0 and test error
# 1.6–2.5 $\sigma^2$: it learned the noise of its 30 samples, and new data have new noise. With
# Chebyshev nodes the price of overfitting is this factor, not a blow-up. How much degree 29 loses
# depends on the draw, which is why the claims on it are averages over draws (below). Two
# controls: choosing on the training error picks degree 29; with 300 training samples, degree 29
# no longer overfits.
#
# ## Regularization
#
# Keep the richest model (degree 29, as many coefficients as samples) but penalise large
# coefficients: ridge regression minimises $\frac1n\|\Phi\theta - y\|^2 + \lambda\|\theta\|^2$,
# i.e. solves $(\Phi^\top\Phi + n\lambda I)\theta = \Phi^\top y$. Small $\lambda$ overfits, large
# $\lambda$ underfits; the penalty is chosen on the validation set, as the degree was.
#
# *Exercise.* Write `ridge_fit(P, y, lam)`: for features `P` of shape $(n, q)$, targets `y` of
# shape $(n,)$ and a penalty `lam` $\geq 0$, return the minimiser $\theta$, shape $(q,)$.

# %%
def ridge_fit(P, y, lam):
    """theta minimising (1/n)||P theta - y||^2 + lam ||theta||^2: P (n, q), y (n,) -> (q,)."""
    ### BEGIN SOLUTION
    n, q = P.shape
    return np.linalg.solve(P.T @ P + n * lam * np.eye(q), P.T @ y)
    ### END SOLUTION
    ### STUB return np.zeros(P.shape[1])  # your code here: solve (PᵀP + nλI) θ = Pᵀy


lams = np.logspace(-10, 1, 45)


def ridge_errors(sets):
    """Errors (train, validation, test) of ridge at RIDGE_DEGREE for every lambda, and the index
    of the lambda chosen on the SELECT_LAM_ON set."""
    P_tr_, y_tr_ = sets[0]
    errs = errors([ridge_fit(P_tr_[:, : RIDGE_DEGREE + 1], y_tr_, lam) for lam in lams], sets)
    return errs, int(np.argmin(errs[:, 1] if SELECT_LAM_ON == "validation" else errs[:, 0]))


ridge_err, i_lam = ridge_errors(sets)
ridge_train, ridge_val, ridge_test = ridge_err.T
print(f"degree {RIDGE_DEGREE}: test error {ridge_test[0]:.4f} at lambda = {lams[0]:.0e}, "
      f"{ridge_test[i_lam]:.4f} at lambda = {lams[i_lam]:.1e} chosen on the {SELECT_LAM_ON} set "
      f"({1 - ridge_test[i_lam] / ridge_test[0]:.0%} lower)")
assert 0 < i_lam < len(lams) - 1, "claim: validation picks a lambda strictly inside the grid"

# %%
fig, ax = plt.subplots()
ax.loglog(lams, ridge_train, "o-", ms=3, label="train")
ax.loglog(lams, ridge_val, "^-", ms=3, label="validation")
ax.loglog(lams, ridge_test, "s-", ms=3, label="test")
ax.axhline(NOISE**2, color="gray", ls=":", label=r"noise floor $\sigma^2$")
ax.axvline(lams[i_lam], color="k", lw=0.8)
ax.set(xlabel=r"ridge penalty $\lambda$", ylabel="mean squared error",
       title=f"Ridge at degree {RIDGE_DEGREE}: the chosen $\\lambda$ against $\\lambda \\to 0$")
ax.legend()
plt.show()

# %% [markdown]
# On the tour's draw the chosen $\lambda$ ($6\cdot10^{-3}$ to $6\cdot10^{-2}$ over the 20 seeds)
# lowers the test error of the interpolating degree by 7–38 %; over single draws the gain goes
# down to 3 %, so the claim below is on the average. A modest gain: the penalty
# $\|\theta\|^2$ shrinks all Legendre coefficients alike, the smooth low-degree ones with the
# noisy high-degree ones, and ridge at degree 29 stays above the best low degree (a penalty that
# grows with the degree, a smoothness prior, is the usual remedy; it is not tried here).

# %% [markdown]
# ## Over many draws
#
# One draw of 30 noisy points is one outcome of a random experiment: on some draws the
# interpolating polynomial happens to pass close to $f$ (with `SEED = 4242` validation picks
# degree 23, and degree 29 loses only $0.22\,\sigma^2$ to it), and the penalty gains little. Both lessons are statements
# about the average over the data, so the tour checks them as averages over `N_DRAWS` = 20
# independent draws of the training, validation and test sets: the excess test error of the
# interpolating degree 29 over the degree chosen on validation, and the relative gain of the
# $\lambda$ chosen on validation over $\lambda \to 0$.

# %%
chosen, gaps, gains = [], [], []   # test errors in units of sigma^2, relative ridge gains
for k in jax.random.split(k_draws, N_DRAWS):
    sets_k = draw(*jax.random.split(k, 3))
    errs = degree_errors(sets_k) / NOISE**2
    p_k = int(np.argmin(errs[:, 1] if SELECT_ON == "validation" else errs[:, 0]))
    chosen.append(errs[p_k, 2])
    gaps.append(errs[-1, 2] - errs[p_k, 2])
    r_errs, i_k = ridge_errors(sets_k)
    gains.append(1 - r_errs[i_k, 2] / r_errs[0, 2])
chosen, gaps, gains = np.array(chosen), np.array(gaps), np.array(gains)
print(f"over {N_DRAWS} draws, test errors in sigma^2: chosen degree {chosen.mean():.2f} on average "
      f"({chosen.min():.2f} to {chosen.max():.2f}); degree {P_MAX} minus the chosen degree "
      f"{gaps.mean():.2f} ({gaps.min():.2f} to {gaps.max():.2f}); ridge at degree "
      f"{RIDGE_DEGREE}: {gains.mean():.0%} lower on average ({gains.min():.0%} to {gains.max():.0%})")
assert chosen.mean() < 1.3, "claim: on average the chosen model's test error is near the noise floor"
assert gaps.mean() > 0.5, "claim: the richest polynomial fits the noise and loses on new data"
assert gains.mean() > 0.1, "claim: the chosen lambda beats lambda -> 0 on test data"

# %% [markdown]
# Over seeds 0–9 and 10 random ones the averages over 20 draws are: the chosen degree's test
# error 1.11–1.22 $\sigma^2$ (asserted: under 1.3), degree 29's excess over it 0.71–0.96
# $\sigma^2$ (asserted: over 0.5), and ridge's gain 18–25 % (asserted: over 10 %), while single
# draws range over 0.22–1.67 $\sigma^2$ and 3–49 %. Controls: choosing the degree on the
# training set; choosing $\lambda$ on it (it then picks the smallest); 300 training samples
# (degree 29 no longer overfits, and the penalty has nothing to remove); ridge at degree 5, a
# model that does not overfit, where the penalty gains nothing.

# %% [markdown]
# ## Try it: degree and penalty
#
# Move the sliders: a high degree with $\lambda \approx 0$ runs through the noise; a
# moderate $\lambda$ tames it.

# %%
xs = np.linspace(-1, 1, 400)


def show_fit(degree=8, lam=1e-10):
    theta = ridge_fit(P_tr[:, : degree + 1], y_tr, lam)
    fig, ax = plt.subplots()
    ax.plot(xs, target(xs), "k--", lw=1, label="$f$")
    ax.scatter(x_tr, y_tr, s=18, color="C1", label="training samples", zorder=3)
    ax.plot(xs, legvander(xs, degree) @ theta, color="C0", label=f"degree {degree} fit")
    ax.set(ylim=(-2.5, 2.5), xlabel="$x$", ylabel="$y$",
           title=f"train MSE {mse(theta, P_tr, y_tr):.3f}   test MSE {mse(theta, P_te, y_te):.3f}")
    ax.legend(loc="upper left")
    plt.show()


interact(show_fit, degree=IntSlider(8, 0, P_MAX, description="degree"),
         lam=FloatLogSlider(1e-10, base=10, min=-10, max=1, description="λ"));
