# %% [markdown]
# # 3. Gradient descent and stochastic gradient descent
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/03_gd_sgd.ipynb)
#
# Training a model means minimising its empirical risk $E(\theta)$, almost always by following
# the gradient. This tour measures what the theory predicts: on a quadratic, gradient descent
# converges for a step $\tau < 2/L$, diverges beyond, and is fastest at $\tau^\star = 2/(\mu+L)$
# with rate $(\kappa-1)/(\kappa+1)$; exact line search; then **stochastic** gradient descent,
# which uses one sample per step: with steps $\tau/\ell$ its error decays like $1/\ell$, with a
# constant step it stalls at a noise floor. Finally GD and SGD at the same gradient budget.

# %%
# On Colab, install the tours' helper package; elsewhere `make` has installed it already.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "aitours @ git+https://github.com/mathematics-of-ai/numerical-tours"], check=True)

# %%
import time

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
from ipywidgets import FloatSlider, interact

from aitours import enable_x64
from aitours.data import linear_regression, quadratic
from aitours.losses import least_squares, risk_curve
from aitours.optim import gradient_descent, sgd
from aitours.plotting import contour2d, style
from aitours.rates import linear_rate, loglog_slope

style()
SEED = 0
key = jax.random.PRNGKey(SEED)
k_quad, k_data, k_sgd = jax.random.split(key, 3)

# %% [markdown]
# ## Gradient descent on a quadratic
#
# Take $E(\theta) = \frac12\theta^\top H\theta - b^\top\theta$ with the eigenvalues of $H$ in
# $[\mu, L]$, minimiser $\theta^\star = H^{-1}b$. Gradient descent
# $\theta_{k+1} = \theta_k - \tau\nabla E(\theta_k)$ gives
# $\theta_{k+1} - \theta^\star = (\mathrm{Id} - \tau H)(\theta_k - \theta^\star)$, so along an
# eigenvector of eigenvalue $\lambda$ the error is multiplied by $1 - \tau\lambda$ at every step:
# - it converges iff $|1 - \tau\lambda| < 1$ for all $\lambda$, i.e. $0 < \tau < 2/L$;
# - the rate $\rho(\tau) = \max(|1-\tau\mu|, |1-\tau L|)$ is smallest for $\tau^\star = 2/(\mu+L)$,
#   where $\rho^\star = \frac{L-\mu}{L+\mu} = \frac{\kappa-1}{\kappa+1}$, $\kappa = L/\mu$.
#
# We run in float64 so that the error can be followed over many decades.

# %%
d, mu, L = 20, 0.1, 1.0
kappa = L / mu
steps = {"small  τ = 0.3/L": 0.3 / L, "optimal τ* = 2/(μ+L)": 2 / (mu + L),
         "large  τ = 2.1/L": 2.1 / L}
with enable_x64():
    H, b = quadratic(k_quad, d, mu, L)
    theta_star = jnp.linalg.solve(H, b)

    def grad_E(theta):
        return H @ theta - b

    errors = {name: np.asarray(jnp.linalg.norm(gradient_descent(grad_E, jnp.zeros(d), 150, tau)
                                               - theta_star, axis=1))
              for name, tau in steps.items()}

rho_star = (kappa - 1) / (kappa + 1)
rho_measured = linear_rate(errors["optimal τ* = 2/(μ+L)"], start=30, stop=150)
print(f"kappa = {kappa:.0f}: theory rho* = {rho_star:.4f}, measured {rho_measured:.4f} "
      f"(relative gap {abs(rho_measured / rho_star - 1):.2%})")
assert abs(rho_measured / rho_star - 1) < 0.02

rho_small = linear_rate(errors["small  τ = 0.3/L"], start=30, stop=150)
print(f"small step: bound 1 - τμ = {1 - 0.3 * mu / L:.4f}, measured {rho_small:.4f}")
assert rho_star < rho_small <= (1 - 0.3 * mu / L) * (1 + 1e-3), "slower than τ*, within its bound"

large = errors["large  τ = 2.1/L"]
rho_large = linear_rate(large, start=100, stop=150)
print(f"large step: error grows from {large[0]:.2g} to {large[-1]:.2g}, "
      f"x{rho_large:.4f} per step (theory: |1 - τL| = {abs(1 - 2.1):.2f})")
assert abs(rho_large / 1.1 - 1) < 0.02 and large[-1] > large[0], "a step beyond 2/L diverges"

# %%
fig, ax = plt.subplots()
for name, e in errors.items():
    ax.semilogy(e, label=name)
ax.semilogy(errors["optimal τ* = 2/(μ+L)"][0] * rho_star ** np.arange(151), "k--", lw=1,
            label=r"$\rho^{\star k}$, $\rho^\star=(\kappa-1)/(\kappa+1)$")
ax.set(xlabel="iteration $k$", ylabel=r"$\|\theta_k - \theta^\star\|$",
       title=f"Gradient descent on a quadratic, $\\kappa = {kappa:.0f}$")
ax.legend()
plt.show()

# %% [markdown]
# The diverging run is not an accident of the code: with $\tau > 2/L$ the factor
# $|1 - \tau L| > 1$ amplifies the component along the top eigenvector at every step. The
# helper returns the iterates as they are (they would reach `inf` given enough steps) instead of
# raising, so the blow-up can be seen.
#
# ## Exact line search
#
# Instead of a fixed step, choose at each iteration the step that minimises $E$ along the
# gradient $g_k = \nabla E(\theta_k)$: for a quadratic,
# $\tau_k = \operatorname{argmin}_\tau E(\theta_k - \tau g_k) = \frac{g_k^\top g_k}{g_k^\top H g_k}$.
# Kantorovich's inequality gives $E(\theta_k) - E^\star \le \rho^{\star 2k}\,(E(\theta_0) - E^\star)$:
# no worse than the best fixed step, without knowing $\mu$ and $L$.

# %%
with enable_x64():
    def E(theta):
        return 0.5 * theta @ H @ theta - b @ theta

    def exact_step(theta, g):
        return (g @ g) / (g @ H @ g)

    iterates = gradient_descent(grad_E, jnp.zeros(d), 60, line_search=exact_step)
    gap = np.asarray(jax.vmap(E)(iterates) - E(theta_star))

kantorovich = gap[0] * rho_star ** (2 * np.arange(len(gap)))
ok = gap > 1e-12 * gap[0]  # before float64 round-off
print(f"line search: gap after 60 steps {gap[-1]:.2e}, Kantorovich bound {kantorovich[-1]:.2e}")
assert np.all(gap[ok] <= kantorovich[ok] * (1 + 1e-6))

fig, ax = plt.subplots()
ax.semilogy(gap, label="exact line search")
ax.semilogy(kantorovich, "k--", lw=1, label=r"bound $\rho^{\star 2k}$")
ax.set(xlabel="iteration $k$", ylabel=r"$E(\theta_k) - E^\star$", ylim=(1e-14, None),
       title="Steepest descent with exact line search")
ax.legend()
plt.show()

# %% [markdown]
# ## Try it: the step size on a 2-d quadratic
#
# Move $\tau$: below $2/(\mu+L)$ the path creeps along the valley; above it, it zig-zags across;
# above $2/L$ it leaves.

# %%
H2 = jnp.diag(jnp.array([0.2, 1.0]))
theta0_2d = jnp.array([-0.9, 0.7])


def show_trajectory(tau=1.0):
    path = np.asarray(gradient_descent(lambda th: H2 @ th, theta0_2d, 30, tau))
    rho = max(abs(1 - tau * 0.2), abs(1 - tau * 1.0))
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    contour2d(ax, lambda P: 0.5 * (0.2 * P[:, 0] ** 2 + P[:, 1] ** 2), levels=15)
    ax.plot(path[:, 0], path[:, 1], "o-", color="C3", ms=3)
    verdict = "converges" if rho < 1 else "diverges"
    ax.set(xlabel=r"$\theta_1$", ylabel=r"$\theta_2$",
           title=f"τ = {tau:.2f}: rate ρ(τ) = {rho:.2f}, {verdict} (2/L = 2)")
    plt.show()


interact(show_trajectory, tau=FloatSlider(value=1.0, min=0.1, max=2.2, step=0.05,
                                          description="τ"));

# %% [markdown]
# ## Stochastic gradient descent
#
# The risk is an average, $E(\theta) = \frac1n\sum_i E_i(\theta)$ with
# $E_i(\theta) = \frac12(\langle x_i, \theta\rangle - y_i)^2$, so a gradient costs $n$ sample
# gradients. SGD uses one, drawn at random:
# $$ \theta_{\ell+1} = \theta_\ell - \tau_\ell \nabla E_{i_\ell}(\theta_\ell), \qquad i_\ell \sim
# \mathcal{U}\{1..n\}. $$
# $\nabla E_{i_\ell}$ is an unbiased but noisy estimate of $\nabla E$, and the noise does not
# vanish at $\theta^\star$ (each sample has its own residual). Hence (Robbins–Monro) the steps
# must decrease, $\sum_\ell\tau_\ell = \infty$, $\sum_\ell \tau_\ell^2 < \infty$: with
# $\tau_\ell = \tau/\ell$ (and $\tau\mu > 1$) the mean squared error decays like $1/\ell$. We count
# $\ell$ from $\ell_0$, i.e. $\tau_\ell = \tau/(\ell_0+\ell)$, which only tames the first steps.
#
# The helper `sgd` runs the whole loop as one compiled `lax.scan`, and many independent runs in
# the same compiled program (32 here, so that their mean error is a smooth curve); the curves
# below are computed afterwards from the saved iterates in one batched product.

# %%
n, d_sgd = 1000, 10
X, y, _ = linear_regression(k_data, n, d_sgd, noise=0.5)
theta_ls = jnp.linalg.lstsq(X, y)[0]
eig = jnp.linalg.eigvalsh(X.T @ X / n)
mu_s, L_s = float(eig[0]), float(eig[-1])


def E_half(theta, X, y):
    return 0.5 * least_squares(theta, X, y)


def grad_i(theta, sample):
    """Gradient of E_i(θ) = ½(<x_i, θ> - y_i)² for one sample (x_i, y_i)."""
    x_i, y_i = sample
    return (x_i @ theta - y_i) * x_i


n_runs, epochs, every = 32, 30, 100
n_steps = epochs * n
tau0, l0 = 2.0 / mu_s, 2.0 * d_sgd / mu_s
t0 = time.perf_counter()
runs = sgd(grad_i, jnp.zeros(d_sgd), (X, y), n_steps, lambda c: tau0 / (l0 + 1 + c), key=k_sgd,
           every=every, n_runs=n_runs)
runs.block_until_ready()
print(f"{n_runs} runs x {n_steps} SGD steps in {time.perf_counter() - t0:.2f} s (compile included)")

ell = np.arange(0, n_steps + 1, every)
mse = np.asarray(jnp.mean(jnp.sum((runs - theta_ls) ** 2, axis=-1), axis=0))
tail = ell >= n_steps // 10
slope = loglog_slope(ell[tail], mse[tail])
print(f"tau*mu = {tau0 * mu_s:.1f}; log-log slope of E||theta_l - theta*||^2 over the tail: {slope:.2f}")
assert -1.3 <= slope <= -0.7

# %% [markdown]
# ## Constant steps stall at a noise floor
#
# With a constant step the iterates do not converge: they fluctuate around $\theta^\star$ at a
# distance set by the gradient noise, a floor roughly proportional to $\tau$. Smaller steps
# give a lower floor, but reach it more slowly.

# %%
const_taus = np.array([0.02, 0.005, 0.00125])
const_runs = [sgd(grad_i, jnp.zeros(d_sgd), (X, y), n_steps, float(t), key=k, every=every, n_runs=n_runs)
              for t, k in zip(const_taus, jax.random.split(k_sgd, 3), strict=True)]
const_mse = [np.asarray(jnp.mean(jnp.sum((r - theta_ls) ** 2, axis=-1), axis=0))
             for r in const_runs]
floors = np.array([m[len(m) // 2:].mean() for m in const_mse])
print("floors (mean over the second half):", ", ".join(f"τ={t:g}: {f:.2e}"
                                                         for t, f in zip(const_taus, floors, strict=True)))
print(f"ratio floor/tau: {np.round(floors / const_taus, 4)}")
assert np.all(np.diff(floors) < 0), "the floor must shrink with the step"
assert (floors / const_taus).max() < 2 * (floors / const_taus).min(), "floor roughly ∝ τ"

fig, ax = plt.subplots()
ax.loglog(ell[1:], mse[1:], label=r"$\tau_\ell = \tau/(\ell_0+\ell)$", color="k")
ax.loglog(ell[tail], mse[tail][-1] * ell[tail][-1] / ell[tail], "k--", lw=1, label=r"$\propto 1/\ell$")
for t, m in zip(const_taus, const_mse, strict=True):
    ax.loglog(ell[1:], m[1:], label=f"constant τ = {t:g}", alpha=0.8)
ax.set(xlabel=r"SGD step $\ell$", ylabel=r"$\mathbb{E}\,\|\theta_\ell - \theta^\star\|^2$",
       title=f"SGD: slope {slope:.2f} with decreasing steps, floors with constant ones")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## GD versus SGD at the same gradient budget
#
# One GD step costs $n$ sample gradients, one *epoch*: compare the excess risk
# $E(\theta) - E(\theta^\star)$ per epoch. SGD makes great progress in its first epoch (it has
# taken $n$ steps where GD took one), but its $1/\ell$ rate is eventually overtaken by GD's linear
# rate $(1-\mu/L)^k$.

# %%
gd_iterates = gradient_descent(lambda th: jax.grad(E_half)(th, X, y), jnp.zeros(d_sgd), epochs,
                               1 / L_s)
# For least squares E(θ) - E(θ*) = ½ (1/n)‖X(θ - θ*)‖² exactly: evaluate it in that form, which
# stays accurate in float32 where the difference of two nearly equal risks would not.
zeros = jnp.zeros(n)
gd_excess = np.asarray(risk_curve(E_half, gd_iterates - theta_ls, X, zeros))
per_epoch = runs[:, :: n // every]  # iterates at the end of each epoch
sgd_excess = np.asarray(risk_curve(E_half, per_epoch - theta_ls, X, zeros)).mean(axis=0)
print(f"after 1 epoch: GD {gd_excess[1]:.2e}, SGD {sgd_excess[1]:.2e}; "
      f"after {epochs}: GD {gd_excess[-1]:.2e}, SGD {sgd_excess[-1]:.2e}")
assert sgd_excess[1] < gd_excess[1], "SGD wins the first epoch"
assert gd_excess[-1] < sgd_excess[-1], "GD's linear rate wins in the end"

fig, ax = plt.subplots()
ax.semilogy(np.arange(epochs + 1), gd_excess, "o-", ms=3, label="gradient descent, τ = 1/L")
ax.semilogy(np.arange(epochs + 1), sgd_excess, "s-", ms=3, label=r"SGD, $\tau/(\ell_0+\ell)$, mean of runs")
ax.set(xlabel="epochs (n sample gradients)", ylabel=r"$E(\theta) - E(\theta^\star)$",
       title="Same gradient budget: SGD first, GD in the end")
ax.legend()
plt.show()
