# %% [markdown]
# # 6. Perceptrons and universality
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/06_perceptrons.ipynb)
#
# A multi-layer perceptron stacks affine maps and a pointwise non-linearity $\sigma$. With a
# single hidden layer of $p$ neurons it already approximates any continuous function as
# $p \to \infty$ (*universality*), provided $\sigma$ is not a polynomial. This tour watches a
# two-layer network fit a 1-d function with $p = 6, 30, 100$ neurons, sees the error stall when
# $\sigma(x) = x^2$, measures Barron's dimension-free rate $1/\sqrt{p}$ on a function in
# $\mathbb{R}^{100}$, and trains many neurons by gradient descent in the *mean-field* regime,
# where large networks reach zero loss from every initialisation and small ones do not.

# %%
# On Colab, install the tours' helper package; elsewhere `make` has installed it already.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "aitours @ git+https://github.com/mathematics-of-ai/numerical-tours"], check=True)

# %%
import math
from functools import partial

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax
from ipywidgets import Dropdown, IntSlider, interact
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from aitours import enable_x64
from aitours import random as rnd
from aitours.nn import count_params, init_mlp, mlp
from aitours.plotting import style
from aitours.rates import loglog_slope
from aitours.train import fit

style()
SEED = 0
key = jax.random.PRNGKey(SEED)
k_mlp, k_hidden, k_barron, k_teacher, k_mf = jax.random.split(key, 5)

# %% [markdown]
# ## The multi-layer perceptron
#
# A perceptron with $R$ layers maps $x_0 = x \in \mathbb{R}^{d}$ to $x_R$ by
# $$ x_{k+1} = \sigma(W_k x_k + b_k), \qquad k = 0, \dots, R-1, $$
# with no $\sigma$ on the last layer. The parameters are a list of pairs $(W_k, b_k)$: that is
# what `aitours.nn.init_mlp` draws and `aitours.nn.mlp` evaluates (later tours reuse them).
# With one hidden layer of $p$ neurons ($R = 2$) the network is a sum of $p$ ridge functions
# $$ f_\theta(x) = \sum_{s=1}^p a_s\, \sigma(\langle w_s, x\rangle + b_s) + a_0, \qquad
#    \theta = (a_s, w_s, b_s)_s . $$

# %%
params = init_mlp(k_mlp, (1, 5, 1))
(W1, b1), (W2, b2) = ([np.asarray(t, np.float64) for t in layer] for layer in params)
x_check = np.linspace(-2, 2, 7)
by_sum = sum(W2[0, s] * np.tanh(W1[s, 0] * x_check + b1[s]) for s in range(5)) + b2[0]
gap = float(np.max(np.abs(np.asarray(mlp(params, x_check[:, None], jnp.tanh))[:, 0] - by_sum)))
print(f"{count_params(params)} parameters; mlp vs the explicit sum of neurons: max gap {gap:.1e}")
assert gap < 1e-6

# %% [markdown]
# ## Fitting a 1-d function with $p$ neurons
#
# Take $f(x) = \sin(2\pi x) + \frac12 \sin(5\pi x)$ on $[-1, 1]$ and $p$ ReLU neurons
# $\sigma(t) = \max(t, 0)$. In 1-d, neuron $s$ is a hinge at $c_s = -b_s / w_s$, so $f_\theta$ is
# piecewise linear with $p$ kinks. To isolate *approximation* from *optimisation*, we draw the
# hidden layer at random (kinks uniform in $[-1, 1]$) and compute the best output layer
# $(a_s)$ exactly: it is a linear least-squares problem. The neurons are nested (the $p = 30$
# network uses the first 30 of the $p = 100$ ones), so the error can only decrease with $p$;
# piecewise-linear interpolation says how fast: with mesh $h \approx 2/p$ the $L^2$ error is
# $O(h^2)$, so the mean squared error falls like $p^{-4}$ (less regularly here: random kinks
# leave some gaps wider than others). Grey: the $p$ neurons $a_s \sigma(w_s x + b_s)$, which
# add up to $f_\theta$.
#
# (Training the hidden layer too can only do better; the last section trains everything.)

# %%
def target(x):
    return np.sin(2 * np.pi * x) + 0.5 * np.sin(5 * np.pi * x)


P_max, n_grid = 128, 400
activations = {"ReLU": jax.nn.relu, "tanh": jnp.tanh, "x²": jnp.square}
k_w, k_c = jax.random.split(k_hidden)
w_hidden = 5.0 * jax.random.normal(k_w, (P_max,))
kinks = jax.random.uniform(k_c, (P_max,), minval=-1.0, maxval=1.0)
W_h, b_h = np.asarray(w_hidden, np.float64)[:, None], -np.asarray(w_hidden * kinks, np.float64)

xs = np.linspace(-1.0, 1.0, n_grid)
y_grid = target(xs)
with enable_x64():  # float64: least squares is where precision is the point
    features = {name: np.asarray(sigma(xs[:, None] @ W_h.T + b_h))  # (n_grid, P_max)
                for name, sigma in activations.items()}


def best_network(sigma, p):
    """The two-layer network [(W, b), (a, a_0)] on the first p hidden neurons whose output layer
    minimises the mean squared error on the grid (linear least squares), and that error."""
    A = np.column_stack([features[sigma][:, :p], np.ones(n_grid)])
    with threadpool_limits(1):  # a small problem: extra BLAS threads only slow it down
        coef = np.linalg.lstsq(A, y_grid, rcond=None)[0]
    net = [(W_h[:p], b_h[:p]), (coef[None, :p], coef[p:])]
    return net, float(np.mean((A @ coef - y_grid) ** 2))


shown = (6, 30, 100)
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
errors = {}
for ax, p in zip(axes, shown, strict=True):
    net, errors[p] = best_network("ReLU", p)
    (W, b), (a, a0) = net
    ax.plot(xs, a[0] * np.maximum(xs[:, None] * W[:, 0] + b, 0), color="gray", lw=0.5,
            alpha=0.3)
    ax.plot(xs, y_grid, "k--", lw=1.2, label="$f$")
    ax.plot(xs, np.maximum(xs[:, None] @ W.T + b, 0) @ a[0] + a0, color="C0", label=r"$f_\theta$")
    ax.plot(kinks[:p], np.full(p, -2.4), "|", color="C3", ms=8, label="kinks $c_s$")
    ax.set(xlabel="$x$", title=f"p = {p} ReLU neurons: MSE {errors[p]:.1e}", ylim=(-2.6, 2.6))
axes[0].set_ylabel("$y$")
axes[0].legend(loc="upper left")
plt.show()

print("mean squared error: " + ", ".join(f"p = {p}: {e:.2e}" for p, e in errors.items()))
assert errors[6] > 5 * errors[30], "the error falls fast with p"
assert errors[30] > 3 * errors[100], "... and keeps falling"

# %% [markdown]
# ## Try it: $p$ and $\sigma$
#
# Move the slider on $p$ and change $\sigma$: ReLU and tanh keep improving, $x^2$ does not
# (next section). Grey: the $p$ neurons $a_s \sigma(w_s x + b_s)$ that add up to $f_\theta$.

# %%
def show_fit(p=30, sigma="ReLU"):
    net, mse = best_network(sigma, p)
    (W, b), (a, _) = net
    fig, ax = plt.subplots()
    ax.plot(xs, np.asarray(activations[sigma](xs[:, None] * W[:, 0] + b)) * a[0], color="gray",
            lw=0.6, alpha=0.5)
    ax.plot(xs, y_grid, "k--", lw=1.2, label="$f$")
    ax.plot(xs, mlp(net, xs[:, None], activations[sigma])[:, 0], color="C0",
            label=rf"$f_\theta$, $\sigma$ = {sigma}")
    ax.set(xlabel="$x$", ylabel="$y$", ylim=(-2.6, 2.6),
           title=f"p = {p} neurons: mean squared error {mse:.2e}")
    ax.legend(loc="upper left")
    plt.show()


interact(show_fit, p=IntSlider(30, 1, P_max, description="p"),
         sigma=Dropdown(options=list(activations), value="ReLU", description="σ"));

# %% [markdown]
# ## $\sigma$ must not be a polynomial
#
# If $\sigma(t) = t^2$, every neuron $(w x + b)^2$ is a polynomial of degree 2, and so is any
# sum of them: however large $p$, the network lives in the 3-dimensional space
# $\mathrm{span}(1, x, x^2)$ and the error stalls at the **best degree-2 fit** (computed below
# directly, by least squares on $1, x, x^2$). The theorem of Leshno, Lin, Pinkus and Schocken
# (1993) says this is the only obstruction: for a continuous $\sigma$, two-layer networks are
# dense in $C(K)$ for every compact $K$ **iff $\sigma$ is not a polynomial**. ReLU and tanh keep
# improving.

# %%
p_values = np.array([1, 2, 3, 4, 6, 10, 16, 30, 50, 64, 100, 128])
curves = {name: np.array([best_network(name, p)[1] for p in p_values]) for name in activations}
V = np.column_stack([xs**0, xs, xs**2])
with threadpool_limits(1):
    best_quadratic = float(np.mean((V @ np.linalg.lstsq(V, y_grid, rcond=None)[0] - y_grid) ** 2))

fig, ax = plt.subplots()
for name, mse in curves.items():
    ax.loglog(p_values, mse, "o-", ms=4, label=rf"$\sigma$ = {name}")
ax.axhline(best_quadratic, color="k", ls=":", label="best degree-2 polynomial")
ax.set(xlabel="number of neurons $p$", ylabel="mean squared error",
       title="Polynomial $\\sigma$ stalls, ReLU and tanh keep improving")
ax.legend()
plt.show()

sq = curves["x²"]
print(f"best degree-2 fit: {best_quadratic:.4f}; sigma = x^2 for p >= 3: "
      f"{sq[p_values >= 3].min():.4f} .. {sq[p_values >= 3].max():.4f}")
print(f"at p = {p_values[-1]}: ReLU {curves['ReLU'][-1]:.1e}, tanh {curves['tanh'][-1]:.1e}")
assert np.all(sq >= best_quadratic * (1 - 1e-9)), "x^2 networks are quadratics"
assert np.allclose(sq[p_values >= 3], best_quadratic, rtol=1e-6), "... and reach the best one"
for name in ("ReLU", "tanh"):
    assert np.all(np.diff(curves[name]) <= 1e-12), f"{name}: nested neurons never do worse"
    assert curves[name][-1] < 1e-3 * best_quadratic, f"{name} goes far below the plateau"

# %% [markdown]
# ## Universality, and a rate: Barron's theorem
#
# **Universality** (Cybenko 1989, Hornik 1991): for a sigmoidal (or any non-polynomial) $\sigma$,
# functions $\sum_{s=1}^p a_s \sigma(\langle w_s, x\rangle + b_s)$ are dense in $C(\Omega)$ for
# compact $\Omega \subset \mathbb{R}^d$. It gives no rate, and classical approximation rates
# for functions of smoothness $k$ in dimension $d$ are $p^{-k/d}$: the curse of dimensionality.
#
# **Barron (1993)** found a class with a dimension-free rate. If the Fourier transform of $f$
# satisfies $\|f\|_B = \int |\omega|\, |\hat f(\omega)|\, d\omega < \infty$, then for every
# probability measure $\mu$ on the ball $\Omega$ of radius $r$ there is a network with $p$
# sigmoidal neurons such that
# $$ \|f - f_\theta\|_{L^2(\mu)} \le \frac{2 r \|f\|_B}{\sqrt p}
#    \;\le\; \frac{2\, \mathrm{diam}(\Omega)\, \|f\|_B}{\sqrt p}. $$
# The proof is probabilistic (Maurey's lemma), and we run it. For
# $f(x) = e^{-|x|^2/2} = \mathbb{E}_{\omega \sim \mathcal N(0, I_d)} \cos\langle\omega, x\rangle$,
# the identity $\cos t - 1 = -\int_0^{T} \sin u\, [\mathbf 1_{t > u} + \mathbf 1_{-t > u}]\, du$
# for $|t| \le T$ turns $f$ into an **average of step neurons**:
# $$ f(x) = 1 + \mathbb{E}\big[-2 r \|f\|_B \sin(|\omega| v)\, \mathbf 1\{\varepsilon
#    \langle \omega/|\omega|, x\rangle > v\}\big], $$
# with $\omega$ drawn with density $\propto |\omega|\hat f(\omega)$ (so $|\omega|$ is a $\chi$
# variable with $d+1$ degrees of freedom), $v$ uniform on $[0, r]$ and a random sign
# $\varepsilon$. Each term is bounded by $2r\|f\|_B$; the mean $f_\theta$ of $p$ independent
# draws is a perceptron with $p$ step neurons (Rosenblatt's $\sigma$), and its mean squared
# error is a Monte-Carlo variance, at most $(2r\|f\|_B)^2 / p$, **whatever the dimension $d$**.
# Here $\|f\|_B = \mathbb{E}|\omega| = \sqrt 2\, \Gamma(\frac{d+1}2) / \Gamma(\frac d2)$.

# %%
r_ball, n_neurons, n_points, n_draws = 1.0, 1024, 500, 8
dims = (2, 10, 100)
D = max(dims)
# all the randomness, drawn once for the largest dimension;
# the first d coordinates of a Gaussian vector in R^D are a Gaussian vector in R^d
k_x, k_w, k_u = jax.random.split(k_barron, 3)
gauss_x = rnd.normal(k_x, (n_draws, n_points, D))
gauss_w = rnd.normal(k_w, (n_draws, n_neurons, 2 * D + 1))
unif = rnd.uniform(k_u, (n_draws, n_points + 2 * n_neurons))


def barron_norm(d):
    return math.sqrt(2.0) * math.exp(math.lgamma((d + 1) / 2) - math.lgamma(d / 2))


@jax.jit
@partial(jax.vmap, in_axes=(0, 0, None, None, None))   # one call for every d
def maurey_errors(d, norm_B, gauss_x, gauss_w, unif):
    """Squared L2(mu) error of the Maurey network with p = 1..n_neurons step neurons in R^d,
    for each draw: (n_draws, n_neurons). mu is uniform on the ball of radius r_ball; norm_B is
    ||f||_B in dimension d."""
    first = lambda n: jnp.arange(D + 1) < n                  # keeps the first n coordinates
    u = gauss_x * first(d)[:D]
    x = r_ball * u / jnp.linalg.norm(u, axis=-1, keepdims=True)
    x = x * unif[:, :n_points, None] ** (1 / d)                # uniform in the ball
    theta = gauss_w[..., :D] * first(d)[:D]
    theta = theta / jnp.linalg.norm(theta, axis=-1, keepdims=True)
    rho = jnp.linalg.norm(gauss_w[..., D:] * first(d + 1), axis=-1)  # |omega|: chi, d + 1 dof
    v = r_ball * unif[:, n_points:n_points + n_neurons]
    eps = jnp.sign(unif[:, n_points + n_neurons:] - 0.5)
    W, b = eps[..., None] * theta, -v                          # step neurons 1{<w_s, x> + b_s > 0}
    a = -2 * r_ball * norm_B * jnp.sin(rho * v)               # their output weights (times p)
    steps = (jnp.einsum("kid,ksd->kis", x, W) + b[:, None, :] > 0).astype(x.dtype)
    f_p = 1 + jnp.cumsum(steps * a[:, None, :], axis=-1) / jnp.arange(1, n_neurons + 1)
    f_x = jnp.exp(-0.5 * jnp.sum(x**2, axis=-1))
    return jnp.mean((f_p - f_x[..., None]) ** 2, axis=1)


p_barron = 2 ** np.arange(11)
mse = np.asarray(maurey_errors(jnp.array(dims), jnp.array([barron_norm(d) for d in dims]),
                               gauss_x, gauss_w, unif)).mean(axis=1)   # mean over the draws
barron = {d: (np.sqrt(mse[i, p_barron - 1]), 2 * r_ball * barron_norm(d) / np.sqrt(p_barron))
          for i, d in enumerate(dims)}                                  # (RMS error, bound)

fig, ax = plt.subplots()
for i, d in enumerate(dims):
    err, bound = barron[d]
    ax.loglog(p_barron, err, "o-", ms=4, color=f"C{i}",
              label=f"d = {d}, $\\|f\\|_B$ = {barron_norm(d):.2f}")
    ax.loglog(p_barron, bound, "--", lw=1, color=f"C{i}")
ax.set(xlabel="number of neurons $p$", ylabel=r"$\|f - f_\theta\|_{L^2(\mu)}$",
       title=r"Barron: error $\leq 2r\|f\|_B/\sqrt{p}$ (dashed), in any dimension")
ax.legend()
plt.show()

for d in dims:
    err, bound = barron[d]
    slope = loglog_slope(p_barron[3:], err[3:])  # the tail p >= 8 (few steps fire when p is tiny)
    print(f"d = {d:3d}: slope {slope:+.3f}, error / bound at most {np.max(err / bound):.2f}")
    assert np.all(err <= bound), "under Barron's bound 2 r ||f||_B / sqrt(p)"
    assert -0.65 <= slope <= -0.4, "the rate is 1/sqrt(p), independent of d"

# %% [markdown]
# Barron's theorem is about *existence*: it does not say gradient descent finds such a network.
# The next section looks at training.
#
# ## Training many neurons: the mean-field limit
#
# Write the two-layer network as an average over its $p$ neurons ("particles")
# $\theta_s = (a_s, w_s)$:
# $$ f_\theta(x) = \frac1p \sum_{s=1}^p a_s\, \sigma(\langle w_s, x\rangle)
#    = \int a\, \sigma(\langle w, x\rangle)\, d\mu_\theta(a, w), \qquad
#    \mu_\theta = \frac1p \sum_s \delta_{\theta_s}. $$
# The loss $L(\mu) = \frac1n \sum_i (f_\mu(x_i) - y_i)^2$ is then a *convex* function of the
# measure $\mu$, and gradient descent, sped up by $p$ so that each particle moves at speed
# $O(1)$, makes the particles follow a Wasserstein gradient flow of $L$. Chizat and Bach (2018)
# proved that, as $p \to \infty$, if this flow converges it reaches the **global** minimum;
# with few particles it can get stuck.
#
# The experiment: inputs $x \in \mathbb{R}^2$ (so that particles can be drawn), a *teacher*
# made of $m_0 = 4$ ReLU neurons $y = \sum_{j} \sigma(\langle w_j^\star, x\rangle)$, and students
# with $p = m_0$ or $p = 48$ neurons started near zero, trained by full-batch gradient descent,
# 16 runs each from independent keys. Zero loss is reachable in both cases.

# %%
m0, n_mf, n_runs = 4, 128, 16
p_small, p_large = m0, 48
lr, n_seg, seg_steps = 0.2, 50, 20          # 1000 steps of gradient descent

k_ang, k_jit, k_x = jax.random.split(k_teacher, 3)
angles = (jax.random.uniform(k_ang, (), maxval=2 * jnp.pi)
          + 2 * jnp.pi * (jnp.arange(m0) + 0.3 * jax.random.uniform(k_jit, (m0,))) / m0)
W_teacher = jnp.stack([jnp.cos(angles), jnp.sin(angles)], axis=1)
X_mf = rnd.normal(k_x, (n_mf, 2))
y_mf = jax.nn.relu(X_mf @ W_teacher.T).sum(axis=1)


def student(a, W, X):
    """Mean-field two-layer ReLU network (1/p) sum_s a_s relu(<w_s, x>)."""
    return jax.nn.relu(X @ W.T) @ a / a.shape[0]


@partial(jax.jit, static_argnums=1)
def init_particles(k, p, scale=0.1):
    """n_runs independent sets of p particles, small and balanced: |a_s| = |w_s|, random signs."""
    k_w, k_s = jax.random.split(k)
    W = scale * rnd.normal(k_w, (n_runs, p, 2))
    sign = jnp.where(jax.random.bernoulli(k_s, 0.5, (n_runs * p,)), 1.0, -1.0)
    return sign.reshape(n_runs, p) * jnp.linalg.norm(W, axis=-1), W


def run_loss(particles):
    a, W = particles
    return jnp.mean((student(a, W, X_mf) - y_mf) ** 2)


def total_loss(particles, _batch, _key):
    # sum of independent runs, each times p: one gradient step moves every particle O(lr)
    return sum(p * jnp.sum(jax.vmap(run_loss)(particles[p])) for p in particles)


particles = {p: init_particles(k, p)
             for p, k in zip((p_small, p_large), jax.random.split(k_mf), strict=True)}
snapshots = [particles]
optimizer = optax.sgd(lr)
opt_state = optimizer.init(particles)
for _ in tqdm(range(n_seg), desc="gradient descent"):
    particles, opt_state, _ = fit(total_loss, particles, optimizer, seg_steps, progress=False,
                                  key=jax.random.fold_in(k_mf, 1), opt_state=opt_state)
    snapshots.append(particles)

losses_per_run = jax.jit(jax.vmap(run_loss))
final = {p: np.asarray(losses_per_run(particles[p])) / float(jnp.mean(y_mf**2)) for p in particles}
for p in final:
    print(f"p = {p:3d}: relative training loss per run",
          " ".join(f"{v:.0e}" for v in np.sort(final[p])))

# %% [markdown]
# Each particle is drawn at $|a_s|\, w_s \in \mathbb{R}^2$ (ReLU is positively homogeneous, so
# only this product matters), red if $a_s > 0$, blue if $a_s < 0$, its path from the start
# (near the origin) to the end (dot). Dashed rays: the teacher's directions $w_j^\star$. With
# many particles, they split among all the teacher's directions; with $p = m_0$, each particle
# must find a direction of its own, and in some runs two of them chase the same one.

# %%
def paths(p, run):
    return np.stack([np.asarray(jnp.abs(s[p][0][run])[:, None] * s[p][1][run])
                     for s in snapshots])  # (n_seg + 1, p, 2)


panels = [(p_large, int(np.argmax(final[p_large])), "worst run"),
          (p_small, int(np.argmin(final[p_small])), "best run"),
          (p_small, int(np.argmax(final[p_small])), "worst run")]
fig, axes = plt.subplots(1, 3, figsize=(13, 4.4))
for ax, (p, run, which) in zip(axes, panels, strict=True):
    traj = paths(p, run)
    reach = 1.1 * np.abs(traj).max()
    for w in np.asarray(W_teacher):
        ax.plot([0, reach * w[0]], [0, reach * w[1]], "k--", lw=0.8)
    signs = np.sign(np.asarray(particles[p][0][run]))
    for s in range(p):
        color = "C3" if signs[s] > 0 else "C0"
        ax.plot(traj[:, s, 0], traj[:, s, 1], color=color, lw=0.8, alpha=0.7)
        ax.plot(*traj[-1, s], "o", color=color, ms=4)
    ax.set(xlim=(-reach, reach), ylim=(-reach, reach), aspect="equal",
           xlabel="$|a_s|\\, w_{s,1}$", ylabel="$|a_s|\\, w_{s,2}$",
           title=f"p = {p}, {which}: loss {final[p][run]:.0e}")
plt.show()

# %%
fig, ax = plt.subplots(figsize=(5.5, 3.8))
tol = 1e-3
for i, p in enumerate(final):
    jitter = np.linspace(-0.15, 0.15, n_runs)
    ax.semilogy(i + jitter, final[p], "o", ms=5, label=f"p = {p}")
ax.axhline(tol, color="k", ls=":", label="near zero")
ax.set(xticks=[0, 1], xticklabels=[f"p = {p}" for p in final], xlim=(-0.5, 1.5),
       ylabel="final relative training loss", title=f"{n_runs} runs each: large p never gets stuck")
ax.legend()
plt.show()

stuck = int(np.sum(final[p_small] > tol))
print(f"p = {p_large}: worst run {final[p_large].max():.1e}; "
      f"p = {p_small}: {stuck}/{n_runs} runs stuck above {tol:g}")
assert np.all(final[p_large] < tol), "many neurons reach near-zero loss in every run"
assert stuck >= 1, "few neurons get stuck in some runs"
