# %% [markdown]
# # 8. ResNets and neural ODEs
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/08_resnet_ode.ipynb)
#
# A residual network updates its features by small increments, $x_{t+1} = x_t + \frac1T
# v_{\theta_t}(x_t)$: this is Euler's scheme for the ordinary differential equation
# $\dot x = v_{\theta(t)}(x)$, and as the depth $T$ grows the network becomes a *flow*. This
# tour checks the three faces of that idea: zero residual branches give exactly the identity;
# the ResNet converges to the ODE at rate $1/T$ (and a Runge–Kutta solver at rate $1/T^4$); a
# **neural ODE** trained by backpropagating through its solver is an invertible map whose
# trajectories never cross, which is why it cannot separate two nested rings in the plane,
# while the same flow with one extra dimension can. It ends with what happens to the weights
# $\theta_t$ of a *trained* ResNet as $T \to \infty$.

# %%
# On Colab, install the tours' helper package; elsewhere `make` has installed it already.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "aitours @ git+https://github.com/mathematics-of-ai/numerical-tours"], check=True)

# %%
from functools import partial

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax
from ipywidgets import IntSlider, interact
from jax import lax

from aitours import random as rnd
from aitours.nn import mlp
from aitours.ode import euler, init_resnet, resnet, rk4
from aitours.plotting import style
from aitours.rates import loglog_slope
from aitours.train import fit

style()
SEED = 0
key = jax.random.PRNGKey(SEED)
k_id, k_path, k_rings, k_node, k_deep = jax.random.split(key, 5)

# %% [markdown]
# ## Residual networks start at the identity
#
# A ResNet of depth $T$ on features $x \in \mathbb{R}^d$ stacks $T$ residual blocks
# $$ x_{t+1} = x_t + \tfrac1T\, v_{\theta_t}(x_t), \qquad t = 0, \dots, T-1, $$
# each with its own small network $v_\theta$ (here a one-hidden-layer perceptron
# $v_\theta(x) = W_2 \tanh(W_1 x + b_1) + b_2$, evaluated by `aitours.nn.mlp`; the T branches
# are drawn at once by `aitours.ode.init_resnet`, stacked along a first axis). The $\frac1T$
# keeps the total change of order one whatever the depth. Initialising the *last* layer of every
# branch at zero ($W_2 = 0$, $b_2 = 0$) makes each block, hence the whole network, **exactly** the
# identity: a very deep network can start as a harmless map and learn small corrections.

# %%
def branch(theta, x):
    """The residual branch v_theta(x), a one-hidden-layer tanh perceptron."""
    return mlp(theta, x)


depth, width = 64, 16
layers0 = init_resnet(k_id, depth, [2, width, 2], zero_last=True)
X_grid = np.stack(np.meshgrid(np.linspace(-2, 2, 9), np.linspace(-2, 2, 9)), -1).reshape(-1, 2)
X_grid = X_grid.astype(np.float32)
out = np.asarray(resnet(branch, layers0, X_grid))
print(f"ResNet of depth {depth}, zero-initialised branches: max |f(x) - x| = "
      f"{np.max(np.abs(out - X_grid))}")
assert np.array_equal(out, X_grid)

# %% [markdown]
# ## From ResNets to ODEs: error $O(1/T)$
#
# Let the weights vary smoothly with depth, $\theta_t = \theta(t/T)$ for a fixed path
# $s \mapsto \theta(s)$ (here $\theta(s) = \cos(\frac{\pi s}2)\,\theta_A + \sin(\frac{\pi s}2)\,
# \theta_B$ between two random perceptrons). Then the ResNet is **Euler's scheme** with step
# $h = 1/T$ for the ODE
# $$ \dot x(s) = v_{\theta(s)}(x(s)), \qquad s \in [0, 1], $$
# and its output converges to the time-1 flow $x(1)$ with error $O(h) = O(1/T)$. A smarter
# scheme that samples the field four times per step (classical **Runge–Kutta 4**) reaches error
# $O(1/T^4)$ for the same number of steps. Both solvers are compiled loops in `aitours.ode`;
# the reference $x(1)$ is RK4 with 1024 steps.

# %%
k_AB, k_x = jax.random.split(k_path)
path = init_resnet(k_AB, 2, [2, width, 2])          # theta_A and theta_B, stacked


def theta_of(path, s):
    """theta(s) = cos(pi s / 2) theta_A + sin(pi s / 2) theta_B."""
    c, d = jnp.cos(jnp.pi * s / 2), jnp.sin(jnp.pi * s / 2)
    return jax.tree.map(lambda ab: c * ab[0] + d * ab[1], path)


layers_on_path = jax.jit(jax.vmap(theta_of, in_axes=(None, 0)))   # theta(s) for a vector of s


def velocity(path, s, x):
    """The field of the limit ODE: v_{theta(s)}(x)."""
    return branch(theta_of(path, s), x)


@jax.jit
def resnet_on_path(T, x):
    """The ResNet x_{t+1} = x_t + v_{theta(t/T)}(x_t) / T, t = 0 .. T-1 (one compilation for
    every depth T: a fori_loop with a traced trip count)."""
    return lax.fori_loop(0, T, lambda t, x: x + branch(theta_of(path, t / T), x) / T, x)


x0 = rnd.normal(k_x, (64, 2))
# the number of steps as a JAX integer: one compiled (while) loop serves every value
x_ref = np.asarray(rk4(velocity, path, x0, jnp.asarray(1024)))
same = np.max(np.abs(np.asarray(resnet_on_path(16, x0)) - np.asarray(euler(velocity, path, x0, 16))))
print(f"ResNet with theta_t = theta(t/T) vs Euler's scheme with T steps: max gap {same:.1e}")
assert same < 1e-5
depths = np.array([4, 16, 64, 256])
err_resnet = np.array([np.linalg.norm(np.asarray(resnet_on_path(T, x0)) - x_ref, axis=1).max()
                       for T in depths])
steps_rk4 = np.array([2, 4, 8, 16])
err_rk4 = np.array([np.linalg.norm(np.asarray(rk4(velocity, path, x0, jnp.asarray(n))) - x_ref,
                                   axis=1).max() for n in steps_rk4])
slope_resnet, slope_rk4 = loglog_slope(depths, err_resnet), loglog_slope(steps_rk4, err_rk4)

fig, ax = plt.subplots()
ax.loglog(depths, err_resnet, "o-", label=f"ResNet = Euler (slope {slope_resnet:.2f})")
ax.loglog(depths, err_resnet[0] * (depths / depths[0]) ** -1.0, "k--", lw=1, label="$1/T$")
ax.loglog(steps_rk4, err_rk4, "s-", label=f"Runge–Kutta 4 (slope {slope_rk4:.2f})")
ax.loglog(steps_rk4, err_rk4[0] * (steps_rk4 / steps_rk4[0]) ** -4.0, "k:", lw=1, label="$1/T^4$")
ax.set(xlabel="number of layers / steps $T$", ylabel=r"max $\|x_T - x(1)\|$",
       title="Deep ResNets converge to the ODE")
ax.legend()
plt.show()
print(f"log-log slopes: ResNet {slope_resnet:.2f}, RK4 {slope_rk4:.2f}")
assert -1.2 <= slope_resnet <= -0.8
assert slope_rk4 < -3.5

# %% [markdown]
# Move the slider: the layers of a shallow ResNet (dots) jump along the trajectories of the ODE
# (lines); as $T$ grows they follow them.

# %%
x_few = x0[:12]
traj_ref = np.asarray(rk4(velocity, path, x_few, 256, trajectory=True))


def show_depth(T=4):
    traj = np.asarray(resnet(branch, layers_on_path(path, jnp.arange(T) / T), x_few,
                             trajectory=True))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(traj_ref[:, :, 0], traj_ref[:, :, 1], color="gray", lw=1)
    ax.plot(traj[:, :, 0], traj[:, :, 1], ".-", color="C1", ms=4, lw=0.8)
    ax.plot(traj_ref[0, :, 0], traj_ref[0, :, 1], "ko", ms=4)
    ax.set(xlabel="$x_1$", ylabel="$x_2$",
           title=f"ResNet with T = {T} layers (orange) vs the ODE (gray); black: inputs")
    plt.show()


interact(show_depth, T=IntSlider(4, 1, 64, description="depth T"));

# %% [markdown]
# ## Neural ODEs: invertible flows whose trajectories never cross
#
# A **neural ODE** replaces the stack of layers by the flow of a trainable field: the input
# $x$ is transported by $\dot z = v_\theta(z)$, $z(0) = x$, during a unit time, then classified
# by a linear function of $z(1)$. It is trained by backpropagating through the solver, here
# Euler's scheme with 16 steps (a ResNet whose 16 blocks share their weights). The field is
# Lipschitz, so two solutions that meet at some time coincide at all
# times (Cauchy–Lipschitz): **trajectories never cross**, and the time-1 map $x \mapsto z(1)$
# is a homeomorphism (even a diffeomorphism), whose inverse is obtained by integrating
# backward in time.
#
# This rules out some tasks. Label $-1$ the points of a disk and $+1$ those of a ring around it.
# The flow maps the ring to a closed band that still **winds around** the image of the disk
# (the winding number is a topological invariant), so no line can separate the two images: a
# plain neural ODE in $\mathbb{R}^2$ cannot classify the rings perfectly. The same flow in
# $\mathbb{R}^3$, starting from $(x, 0)$ (an **augmented** neural ODE), can lift the disk above
# the ring.
#
# How close to 100% the plain flow can get depends on how violently it may deform the plane:
# it can push the disk aside and squeeze the part of the ring in its way into a thin band,
# which costs a large Lipschitz constant (left free, it gets close to 100%, never to it). We
# bound it, $\mathrm{Lip}(v_\theta) \le 1$, by dividing each weight matrix by its largest
# singular value when it exceeds 1 (spectral normalisation), in both models: the flow then
# contracts distances by a factor $e^{-1}$ at most (Grönwall), and the topology is felt at full
# strength. The augmented flow needs no squeezing: the bound does not bother it. The bound
# also makes the *discrete* network a homeomorphism: an Euler step $z \mapsto z + h\,v(z)$ with
# $h\,\mathrm{Lip}(v) < 1$ is invertible (if $z + hv(z) = z' + hv(z')$ then
# $|z - z'| \le h\,|z - z'|$, so $z = z'$; onto by Banach's fixed point theorem).

# %%
@partial(jax.jit, static_argnums=1)
def rings(key, n):
    """n points with random labels, uniform in area: -1 in the disk r < 0.5, +1 in the ring
    1 < r < 1.5."""
    u = rnd.uniform(key, (4, n))
    y = jnp.where(u[3] < 0.5, -1.0, 1.0)
    r = jnp.where(y < 0, 0.5 * jnp.sqrt(u[0]), jnp.sqrt(1.0 + 1.25 * u[1]))   # uniform in area
    return r[:, None] * jnp.stack([jnp.cos(2 * jnp.pi * u[2]), jnp.sin(2 * jnp.pi * u[2])], 1), y


def spectral_norm(W):
    """Largest singular value of W, from the eigenvalues of its small Gram matrix."""
    gram = W @ W.T if W.shape[0] <= W.shape[1] else W.T @ W
    return jnp.sqrt(jnp.linalg.eigvalsh(gram)[-1])


def lipschitz_normalise(layers):
    """Divide each weight matrix by max(1, its largest singular value): every layer, hence v,
    is then 1-Lipschitz (|tanh'| <= 1)."""
    return [(W / jnp.maximum(1.0, spectral_norm(W)), b) for W, b in layers]


def node_field(p, s, z):
    """Autonomous field in R^3; the plain model's mask (1, 1, 0) freezes the third coordinate."""
    layers, mask = p
    return mlp(layers, z) * mask


@partial(jax.jit, static_argnames=("n_steps", "trajectory"))
def node_flow(p, mask, X, n_steps=16, trajectory=False):
    """Lift X to z = (x, 0) and transport it by the flow (Euler, n_steps steps)."""
    z0 = jnp.concatenate([X, jnp.zeros((X.shape[0], 1))], axis=1)
    return euler(node_field, (lipschitz_normalise(p["v"]), mask), z0, n_steps,
                 trajectory=trajectory)


@jax.jit
def node_logits(p, mask, X):
    return node_flow(p, mask, X) @ p["w"] + p["b"]


masks = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])      # plain (2-d), augmented (3-d)
names = ["plain 2-d neural ODE", "augmented neural ODE"]


def rings_loss(P, data, key=None):
    """Logistic loss of both models (stacked along the first axis of P), summed: Adam then
    trains them independently, in one compiled loop."""
    X, y = data
    per_model = jax.vmap(lambda p, m: jnp.mean(jax.nn.softplus(-y * node_logits(p, m, X))))
    return jnp.sum(per_model(P, masks))


X_all, y_all = map(np.asarray, rings(k_rings, 256 + 2000))
X_ring, y_ring, X_test, y_test = X_all[:256], y_all[:256], X_all[256:], y_all[256:]
v0 = init_resnet(k_node, 1, [3, 16, 3])           # one random field, copied for both models
P0 = {"v": [(np.repeat(W, 2, axis=0), np.repeat(b, 2, axis=0)) for W, b in v0],
      "w": np.zeros((2, 3), np.float32), "b": np.zeros(2, np.float32)}
P, _, losses = fit(rings_loss, P0, optax.adam(2e-2), 300, (X_ring, y_ring), chunk=300,
                   key=jax.random.fold_in(k_node, 1), desc="neural ODEs")
P = jax.tree.map(np.asarray, P)
params = [jax.tree.map(lambda a, i=i: a[i], P) for i in range(2)]
# through the trained networks: the test points, then (for later) the centre and a circle
n_test = len(X_test)
angles = np.linspace(0, 2 * np.pi, 2001)
circle = np.stack([1.25 * np.cos(angles), 1.25 * np.sin(angles)], axis=1)
X_eval = np.concatenate([X_test, np.zeros((1, 2)), circle]).astype(np.float32)
trajs = [np.asarray(node_flow(p, m, X_eval, trajectory=True))
         for p, m in zip(params, masks, strict=True)]
acc = [np.mean(np.sign(traj[-1, :n_test] @ p["w"] + p["b"]) == y_test)
       for traj, p in zip(trajs, params, strict=True)]
for name, a in zip(names, acc, strict=True):
    print(f"{name}: test accuracy {a:.1%}")
assert acc[0] < 0.85           # the plain flow cannot separate the rings
assert acc[1] >= 0.99          # one extra dimension suffices

# %% [markdown]
# Trajectories of both flows (through the 16 Euler steps) for 160 test points. In the plane
# they bend but never cross; the ring stays around the disk, and the best line (black) cuts
# through both. In three dimensions the disk simply rises above the ring.

# %%
sub = np.arange(160)
colors = np.where(y_test[sub] < 0, "C0", "C3")

fig = plt.figure(figsize=(11, 5))
ax = fig.add_subplot(1, 2, 1)
for i in sub:
    ax.plot(trajs[0][:, i, 0], trajs[0][:, i, 1], color=colors[i], lw=0.6, alpha=0.6)
ax.scatter(trajs[0][-1, sub, 0], trajs[0][-1, sub, 1], c=colors, s=10, zorder=3)
w, b = np.asarray(params[0]["w"]), float(params[0]["b"])
u = np.linspace(-3, 3, 2)
ax.plot(u, -(w[0] * u + b) / w[1], "k", lw=1.5, label="decision line")
lim = 1.2 * np.abs(trajs[0][:, sub, :2]).max()
ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xlabel="$z_1$", ylabel="$z_2$",
       title=f"{names[0]}: {acc[0]:.0%} accuracy")
ax.legend(loc="lower right")
ax3 = fig.add_subplot(1, 2, 2, projection="3d")
for i in sub:
    ax3.plot(trajs[1][:, i, 0], trajs[1][:, i, 1], trajs[1][:, i, 2], color=colors[i], lw=0.6,
             alpha=0.6)
ax3.scatter(trajs[1][-1, sub, 0], trajs[1][-1, sub, 1], trajs[1][-1, sub, 2], c=colors, s=8)
ax3.set(xlabel="$z_1$", ylabel="$z_2$", zlabel="$z_3$", title=f"{names[1]}: {acc[1]:.0%} accuracy")
plt.show()

# %% [markdown]
# Two checks of the topology of the trained plain model. **Invertibility**: integrating its
# field forward, then backward in time (64 RK4 steps each way, an accurate flow) returns every
# point to where it started. **Winding**: the trained network maps the circle of radius 1.25
# (in the middle of the ring) to a curve that turns exactly once around the image of the
# centre. A closed curve lying in a half-plane that excludes a point winds zero times around
# it (a half-plane is convex), so this image meets every half-plane containing the centre: no
# linear classifier can put the centre on one side and the whole circle on the other.

# %%
p_plain = (lipschitz_normalise(params[0]["v"]), masks[0])
Z0 = trajs[0][0]                                        # the points z = (x, 0)
Z1 = np.asarray(rk4(node_field, p_plain, Z0, 64))
Z_back = np.asarray(rk4(node_field, p_plain, Z1, 64, t0=1.0, t1=0.0))
inv_err = np.max(np.abs(Z_back - Z0))

centre, img = trajs[0][-1, n_test], trajs[0][-1, n_test + 1:]   # through the trained network
rel_curve = img[:, :2] - centre[:2]
winding = np.sum(np.diff(np.unwrap(np.arctan2(rel_curve[:, 1], rel_curve[:, 0])))) / (2 * np.pi)
print(f"backward integration recovers x(0) up to {inv_err:.1e}")
print(f"winding number of the flowed circle around the flowed centre: {winding:.4f}")
assert inv_err < 1e-4
assert abs(winding - 1) < 1e-3

# %% [markdown]
# ## The singular limit: what training does to the weights $\theta_t$
#
# Does a *trained* deep ResNet discretise an ODE? Only if its weights $\theta_t$ vary smoothly
# with the depth $t/T$ (Sander, Ablin, Peyré, *Do residual neural networks discretize neural
# ODEs?*, NeurIPS 2022). Train ResNets of depths $T = 4, 16, 64$ on the same 2-d regression
# task, from two initialisations:
# * **i.i.d.**: every layer drawn independently (the default in deep learning);
# * **smooth**: $\theta_t = \theta(t/T)$ for a smooth random path, as above.
#
# The gradient with respect to one layer is $O(1/T)$ (each block is weighted by $\frac1T$), so
# we train by gradient descent (with momentum) with a step proportional to $T$: the weights then
# move by $O(1)$ whatever the depth. The gradient for $\theta_t$ depends on $\theta_t$ itself
# and on the features and back-propagated errors at layer $t$. From a smooth start all of
# these vary smoothly with $t$, so the updates do too: the trained weights remain a
# discretisation of a function $\theta(s)$, and the trained network a neural ODE. From the
# i.i.d. start they stay as rough as the initialisation at every depth: no limit function
# exists, although the network fits the data just as well. We measure the roughness
# $\frac{\mathrm{mean}_t \|\theta_{t+1} - \theta_t\|}{\mathrm{mean}_t \|\theta_t\|}$,
# of order $1/T$ for a smooth function of $t/T$ and of order one for independent draws.

# %%
deep_depths = (4, 16, 64)
k_xy, k_iid, k_ab = jax.random.split(k_deep, 3)
X_reg = np.asarray(rnd.uniform(k_xy, (128, 2), -1, 1))
Y_reg = np.stack([X_reg[:, 0] + 0.5 * X_reg[:, 1] ** 2,
                  X_reg[:, 1] - 0.5 * np.sin(2 * X_reg[:, 0])], axis=1)

# initial layers for all depths at once, then cut: i.i.d. draws, and a smooth path theta(t/T)
iid_all = init_resnet(k_iid, sum(deep_depths), [2, 8, 2])
s_all = np.concatenate([np.arange(T) / T for T in deep_depths])
smooth_all = layers_on_path(init_resnet(k_ab, 2, [2, 8, 2]), s_all)
cuts = np.cumsum((0,) + deep_depths)
P_deep0 = {T: jax.tree.map(lambda a, b, i=i: np.stack([a[cuts[i]:cuts[i + 1]],
                                                       b[cuts[i]:cuts[i + 1]]]),
                           jax.tree.map(np.asarray, iid_all), jax.tree.map(np.asarray, smooth_all))
           for i, T in enumerate(deep_depths)}     # P_deep0[T]: (i.i.d., smooth) layers stacked


@jax.jit
def deep_errors(P, X, Y):
    """Mean squared error of the six ResNets (3 depths x 2 initialisations), a (3, 2) array."""
    return jnp.stack([jax.vmap(lambda layers: jnp.mean(jnp.sum(
        (resnet(branch, layers, X) - Y) ** 2, -1)))(P[T]) for T in deep_depths])


def deep_loss(P, data, key=None):
    """T x (error of the depth-T networks), summed: gradient descent on it takes steps of
    size proportional to T on the depth-T networks (independent of each other)."""
    return jnp.sum(jnp.asarray(deep_depths)[:, None] * deep_errors(P, *data))


P_deep, _, deep_losses = fit(deep_loss, P_deep0, optax.sgd(0.05, momentum=0.9), 200,
                             (X_reg, Y_reg), key=jax.random.fold_in(k_deep, 1), chunk=200,
                             desc="ResNets")
P_deep = jax.tree.map(np.asarray, P_deep)


def resnet_numpy(layers, x):
    """The same ResNet in plain numpy, to evaluate the trained networks without compiling."""
    (W1, b1), (W2, b2) = layers
    for t in range(len(W1)):
        x = x + (np.tanh(x @ W1[t].T + b1[t]) @ W2[t].T + b2[t]) / len(W1)
    return x


fit_err = np.array([[np.mean(np.sum((resnet_numpy([(W[i], b[i]) for W, b in P_deep[T]], X_reg)
                                     - Y_reg) ** 2, -1)) for i in range(2)] for T in deep_depths])


def roughness(layers):
    """mean_t |theta_{t+1} - theta_t| / mean_t |theta_t| for a stack of T layers."""
    flat = np.concatenate([a.reshape(a.shape[0], -1) for a in jax.tree.leaves(layers)], 1)
    return np.linalg.norm(np.diff(flat, axis=0), axis=1).mean() / np.linalg.norm(flat, axis=1).mean()


rough = {kind: np.array([roughness(jax.tree.map(lambda a, i=i: a[i], P_deep[T]))
                         for T in deep_depths]) for i, kind in enumerate(("i.i.d.", "smooth"))}
slope_smooth = loglog_slope(deep_depths, rough["smooth"])
for T, e in zip(deep_depths, fit_err, strict=True):
    print(f"T = {T:>3}: training error i.i.d. {e[0]:.4f}, smooth {e[1]:.4f}")
for kind, r in rough.items():
    print(f"roughness after training, {kind:>6} init: {np.round(r, 3)}")
print(f"log-log slope of the smooth one: {slope_smooth:.2f}")
assert fit_err.max() < 0.02                                       # every network fits the data
assert -1.2 <= slope_smooth <= -0.8                               # smooth weights: O(1/T)
assert rough["i.i.d."].min() > 1.0                                # rough weights, at all depths

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for ax, i, kind in ((axes[0], 0, "i.i.d."), (axes[1], 1, "smooth")):
    for T in deep_depths:
        W2 = np.asarray(P_deep[T][1][0][i][:, 0, 0])       # layer t -> entry (0, 0) of W_2
        ax.plot(np.arange(T) / T, W2, ".-" if T < 100 else "-", ms=3, lw=1,
                label=f"T = {T}")
    ax.set(xlabel="depth $s = t/T$", ylabel=r"trained weight $(W_2)_{11}$ of layer $t$",
           title=f"{kind} initialisation")
    ax.legend()
for kind, r in rough.items():
    axes[2].loglog(deep_depths, r, "o-", label=f"{kind} init")
axes[2].loglog(deep_depths, rough["smooth"][0] * (np.array(deep_depths) / deep_depths[0]) ** -1.0,
               "k--", lw=1, label="$1/T$")
axes[2].set(xlabel="depth $T$", ylabel="roughness of the trained weights",
            title="Only smooth weights have a limit", xticks=deep_depths,
            xticklabels=[str(T) for T in deep_depths])
axes[2].minorticks_off()
axes[2].legend()
plt.show()
