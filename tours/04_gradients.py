# %% [markdown]
# # 4. The complexity of gradient computation
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/04_gradients.ipynb)
#
# Training a network means computing the gradient of its loss $E(\theta)$ with respect to
# millions of parameters $\theta \in \mathbb{R}^d$, at every step. Finite differences would need
# $d+1$ evaluations of $E$; **reverse-mode differentiation** (backpropagation) gets the whole
# gradient for a small constant times the cost of *one* evaluation, whatever $d$:
#
# > **Theorem (Linnainmaa, 1970).** If $E$ is computed by a program of $K$ elementary
# > operations, each of which (and its partial derivatives) costs $O(1)$, then $\nabla E$ can be
# > computed in $O(K)$ operations: a constant times the cost of $E$, independent of $d$.
#
# This tour writes backpropagation by hand for a multi-layer perceptron (and checks it against
# `jax.grad` and finite differences), measures the theorem's constant with XLA's own flop
# counts, compares forward and reverse modes on Jacobians, and ends with a scalar reverse-mode
# engine (a *tape*) whose size is $K$.

# %%
# On Colab, install the tours' helper package; elsewhere `make` has installed it already.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "aitours @ git+https://github.com/mathematics-of-ai/numerical-tours"], check=True)

# %%
import inspect

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
from ipywidgets import IntSlider, interact
from jax.flatten_util import ravel_pytree

from aitours import enable_x64, tape
from aitours import random as rnd
from aitours.flops import median_time, xla_flops
from aitours.nn import init_mlp, mlp
from aitours.plotting import style
from aitours.rates import loglog_slope

style()

# %% tags=["parameters"]
# every PRNG key of the tour derives from SEED
SEED = 0
SIZES = (3, 10, 10, 1)    # the hand-written network: layer widths, input first
N = 16                    # samples it is evaluated on
FLOAT64 = True            # the hand-written gradients and their references in float64
WIDTHS = (4, 8, 16, 32, 64, 128, 256)   # hidden widths w of the 8 -> w -> w -> 1 cost sweep
N_BATCH = 32              # batch of the cost sweep
REVERSE = True            # reverse mode for gradients and jacrev (False: forward mode instead)
JAC_HIDDEN = 64           # hidden units of f: R^n -> R^m in the Jacobian comparison
JAC_NM = 1024             # n * m in the Jacobian comparison

# %% tags=["controls"]
# Negative controls, run by `make controls`: each removes what some claims are about,
# and those claims must then fail.
CONTROLS = {
    "float32": {"set": {"FLOAT64": False},
                "kills": ["BackwardNN matches jax.grad", "forward differences have an error ∝ ε",
                          "central differences have an error ∝ ε²", "the tape's reverse sweep"]},
    "no_reverse_mode": {"set": {"REVERSE": False},
                        "kills": ["gradient costs at most 5 evaluations",
                                  "finite differences cost d times more",
                                  "swapping n and m swaps", "cost(jacfwd)/cost(jacrev) ∝ n/m"]},
}

# %%
key = jax.random.PRNGKey(SEED)
k_net, k_sweep = jax.random.split(key)
dtype = np.float64 if FLOAT64 else np.float32

# %% [markdown]
# ## Backpropagation by hand
#
# An $R$-layer perceptron maps an input $x_0$ through
# $$ x_{r+1} = \rho(A_r x_r + b_r), \qquad r = 0, \dots, R-1, $$
# with parameters $\theta = (A_r, b_r)_r$ and a pointwise non-linearity $\rho$ (here $\tanh$).
# On $n$ samples (the columns of $x_0$) with targets $y$, the loss is
# $E(\theta) = \frac1{2n}\|x_R - y\|^2$.
#
# **ForwardNN** evaluates the layers and *stores* every $x_r$ and $z_r = A_r x_r + b_r$.
# **BackwardNN** applies the chain rule from the output back to the input: with
# $g_R = \partial E/\partial x_R = (x_R - y)/n$ and, for $r = R-1, \dots, 0$,
# $$ v_r = \rho'(z_r) \odot g_{r+1}, \qquad
#    \nabla_{A_r} E = v_r\, x_r^\top, \qquad \nabla_{b_r} E = v_r \mathbb{1}, \qquad
#    g_r = A_r^\top v_r . $$
# Each backward step costs about twice the forward one (two matrix products instead of one):
# the whole gradient costs a constant times $E$, as the theorem says. The price is memory: the
# backward sweep needs every stored $x_r, z_r$. Here is the talk's ForwardNN, in numpy.

# %%
def forward_nn(params, x0, rho=np.tanh):
    """x_{r+1} = rho(A_r x_r + b_r): return the states [x_0..x_R] and pre-activations [z_0..]."""
    xs, zs = [x0], []
    for A_r, b_r in params:
        zs.append(A_r @ xs[-1] + b_r[:, None])
        xs.append(rho(zs[-1]))
    return xs, zs


def loss(x_R, y):
    return 0.5 * np.sum((x_R - y) ** 2) / y.shape[1]


# a network 3 -> 10 -> 10 -> 1 on n = 16 samples
k_A, k_b, k_x, k_y = jax.random.split(k_net, 4)
params = [(np.asarray(rnd.normal(k, (d_out, d_in)) / np.sqrt(d_in), dtype),
           np.asarray(0.3 * rnd.normal(kb, (d_out,)), dtype))
          for k, kb, d_in, d_out in zip(jax.random.split(k_A, len(SIZES) - 1),
                                        jax.random.split(k_b, len(SIZES) - 1),
                                        SIZES[:-1], SIZES[1:], strict=True)]
x0 = np.asarray(rnd.normal(k_x, (SIZES[0], N)), dtype)                  # inputs
y = np.asarray(0.8 * jnp.tanh(rnd.normal(k_y, (SIZES[-1], N))), dtype)  # targets
xs, zs = forward_nn(params, x0)
print(f"E(theta) = {loss(xs[-1], y):.6f}")

# %% [markdown]
# **Exercise 1: BackwardNN.** Complete `backward_nn(params, xs, zs, y)`: from the stored states
# `xs` ($x_0..x_R$, each of shape (width, n)) and pre-activations `zs` ($z_0..z_{R-1}$), return
# the gradient in the same structure as `params`: a list of pairs $(\nabla_{A_r}E, \nabla_{b_r}E)$
# of the shapes of $(A_r, b_r)$, following the recursion above ($\rho' = 1 - \tanh^2$).

# %%
def backward_nn(params, xs, zs, y, drho=lambda z: 1 - np.tanh(z) ** 2):
    """Gradient of E = |x_R - y|^2 / 2n with respect to every (A_r, b_r), last layer first."""
    grads = [None] * len(params)
    ### BEGIN SOLUTION
    g = (xs[-1] - y) / y.shape[1]            # dE/dx_R
    for r in reversed(range(len(params))):
        v = drho(zs[r]) * g                  # dE/dz_r
        grads[r] = (v @ xs[r].T, v.sum(axis=1))
        g = params[r][0].T @ v               # dE/dx_r
    ### END SOLUTION
    ### STUB grads = [(np.zeros_like(A_r), np.zeros_like(b_r)) for A_r, b_r in params]  # your code here
    return grads


grads_hand = backward_nn(params, xs, zs, y)

# %% [markdown]
# The same loss written with `jax.numpy` and differentiated by `jax.grad` must give the same
# numbers, up to round-off. `ravel_pytree` packs a pytree of parameters (here the list of
# pairs) into one vector $\theta \in \mathbb{R}^d$ and gives the inverse map.

# %%
def E_jax(params, x0, y):
    x = x0
    for A_r, b_r in params:
        x = jnp.tanh(A_r @ x + b_r[:, None])
    return 0.5 * jnp.sum((x - y) ** 2) / y.shape[1]


with enable_x64(FLOAT64):
    theta, unravel_jax = ravel_pytree(jax.tree.map(jnp.asarray, params))
    g_ref = np.asarray(ravel_pytree(jax.jit(jax.grad(E_jax))(unravel_jax(theta), x0, y))[0])
    g_hand = np.asarray(ravel_pytree(jax.tree.map(jnp.asarray, grads_hand))[0])
theta, d = np.asarray(theta), theta.size
rel_err = np.linalg.norm(g_hand - g_ref) / np.linalg.norm(g_ref)
print(f"d = {d} parameters ({g_ref.dtype}); |BackwardNN - jax.grad| / |jax.grad| = {rel_err:.1e}")
assert rel_err < 1e-8, "claim: BackwardNN matches jax.grad to float64 round-off"

# %% [markdown]
# ## Finite differences: $d+1$ evaluations, and an error $\propto \varepsilon$
#
# Without the chain rule, the gradient can be estimated coordinate by coordinate,
# $$ \partial_i E(\theta) \approx \frac{E(\theta + \varepsilon e_i) - E(\theta)}{\varepsilon}, $$
# which costs $d + 1$ evaluations of $E$ and has a truncation error $O(\varepsilon)$ (Taylor), until
# round-off ($\approx 10^{-16}/\varepsilon$ in float64) takes over for tiny $\varepsilon$. Central
# differences $\frac{E(\theta+\varepsilon e_i) - E(\theta-\varepsilon e_i)}{2\varepsilon}$ are
# $O(\varepsilon^2)$ (the $\varepsilon^2$ terms of the two Taylor expansions cancel) but cost $2d$
# evaluations.
#
# The loop works on the flat vector $\theta$; `unravel` maps it back to the list of layers with
# numpy (`ravel_pytree`'s own inverse returns JAX arrays, slow in a scalar loop and unable to
# hold the tape's variables used at the end).

# %%
leaves, treedef = jax.tree.flatten(params)
cuts = np.cumsum([a.size for a in leaves])[:-1]


def unravel(flat):
    """numpy inverse of ravel_pytree for `params`: (d,) -> list of (A_r, b_r)."""
    pieces = np.split(np.asarray(flat), cuts)
    return jax.tree.unflatten(treedef, [p.reshape(a.shape) for p, a in zip(pieces, leaves, strict=True)])


assert all(np.array_equal(a, b) for a, b in zip(jax.tree.leaves(unravel(theta)), leaves, strict=True)), \
    "sanity: unravel inverts ravel_pytree"


def E_flat(th):
    return loss(forward_nn(unravel(th), x0)[0][-1], y)


# %% [markdown]
# **Exercise 2: central differences.** In `fd_gradient`, write the central-difference estimate
# of $\partial_i E(\theta)$ (the `central=True` branch); `th` is $\theta$ (shape (d,)), `e` is
# $\varepsilon e_i$.

# %%
def fd_gradient(th, eps, central=False):
    """Finite-difference gradient: d + 1 evaluations of E (2d + 1 if central)."""
    E0 = E_flat(th)
    g = np.empty_like(th)
    for i in range(th.size):
        e = np.zeros_like(th)
        e[i] = eps
        if central:
            ### BEGIN SOLUTION
            g[i] = (E_flat(th + e) - E_flat(th - e)) / (2 * eps)
            ### END SOLUTION
            ### STUB g[i] = (E_flat(th + e) - E0) / eps  # your code here: the central difference
        else:
            g[i] = (E_flat(th + e) - E0) / eps
    return g


epsilons = np.logspace(-12, -1, 23)
err_fwd, err_ctr = (np.array([np.linalg.norm(fd_gradient(theta, e, central) - g_ref)
                              for e in epsilons]) / np.linalg.norm(g_ref) for central in (False, True))
fit_fwd = (epsilons >= 1e-6) & (epsilons <= 1e-2)
fit_ctr = (epsilons >= 1e-4) & (epsilons <= 1e-1)
slope_fwd = loglog_slope(epsilons[fit_fwd], err_fwd[fit_fwd])
slope_ctr = loglog_slope(epsilons[fit_ctr], err_ctr[fit_ctr])
print(f"log-log slope of the error: forward {slope_fwd:.3f} (theory 1), "
      f"central {slope_ctr:.3f} (theory 2)")
print(f"best relative error: forward {err_fwd.min():.1e}, central {err_ctr.min():.1e}")
assert 0.9 <= slope_fwd <= 1.1, "claim: forward differences have an error ∝ ε"
assert 1.8 <= slope_ctr <= 2.2, "claim: central differences have an error ∝ ε²"

# %%
fig, ax = plt.subplots()
ax.loglog(epsilons, err_fwd, "o-", ms=4, label=f"forward, slope {slope_fwd:.2f} on the fit window")
ax.loglog(epsilons, err_ctr, "s-", ms=4, label=f"central, slope {slope_ctr:.2f}")
ax.loglog(epsilons, np.finfo(dtype).eps / epsilons, "k:", lw=1,
          label=r"round-off $\mathrm{eps}/\varepsilon$")
ax.axhline(rel_err, color="C2", ls="--", lw=1, label="BackwardNN (no $\\varepsilon$)")
ax.set(xlabel=r"step $\varepsilon$", ylabel="relative error of the gradient",
       title="Finite differences: truncation vs round-off", ylim=(1e-17, 1))
ax.legend(loc="lower left", fontsize=8)
plt.show()

# %% [markdown]
# Over seeds 0–5 the slopes are 1.000 and 1.998–2.000 (asserted within 0.1 and 0.2 of 1 and 2),
# and BackwardNN agrees with `jax.grad` to at most $3\cdot 10^{-16}$ (asserted: $10^{-8}$). In
# float32 (the negative control `float32`) round-off swamps both fit windows.

# %% [markdown]
# ## The cost, counted
#
# How much more than $E$ does its gradient cost? The theorem's $K$ is the operation count of
# the program for $E$; we let XLA count the floating-point operations of each compiled program
# (a deterministic number: it depends on shapes, not on timings). XLA's flop count leaves out
# transcendental functions ($\tanh$, $\exp$), which it counts apart, so the ratios below are of
# multiplications and additions. The network is $8 \to w \to w \to 1$ on a batch of 32
# samples, float32, with the width $w$ from 4 to 256, so $d$ spans three decades; its parameters
# are packed by `ravel_pytree`. Finite differences are written as one vectorised program that
# evaluates $E$ at all $d+1$ points $\theta$, $\theta + \varepsilon e_i$.

# %%
k_X, k_init = jax.random.split(k_sweep)
X_b = rnd.normal(k_X, (N_BATCH, 8))
Y_b = jnp.sin(X_b.sum(axis=1, keepdims=True))
grad_of = jax.grad if REVERSE else jax.jacfwd     # the negative control: forward mode


def make_E(w, key):
    """Loss of the 8 -> w -> w -> 1 tanh network as a function of its flat parameters θ."""
    theta_w, unravel_w = ravel_pytree(init_mlp(key, [8, w, w, 1]))

    def E(th):
        return 0.5 * jnp.mean(jnp.sum((mlp(unravel_w(th), X_b) - Y_b) ** 2, axis=1))

    def fd_grad(th, eps=1e-3):
        E_all = jax.vmap(E)(th + eps * jnp.eye(th.size, dtype=th.dtype))   # d evaluations
        return (E_all - E(th)) / eps                                         # + 1

    return E, fd_grad, theta_w


sweep = [make_E(w, k) for w, k in zip(WIDTHS, jax.random.split(k_init, len(WIDTHS)), strict=True)]
dims = np.array([th.size for _, _, th in sweep])
specs = [jax.ShapeDtypeStruct(th.shape, th.dtype) for _, _, th in sweep]   # shapes suffice
flops_E = np.array([xla_flops(E, s) for (E, _, _), s in zip(sweep, specs, strict=True)])
flops_grad = np.array([xla_flops(grad_of(E), s) for (E, _, _), s in zip(sweep, specs, strict=True)])
flops_fd = np.array([xla_flops(fd, s) for (_, fd, _), s in zip(sweep, specs, strict=True)])
ratio_grad, fd_over_grad = flops_grad / flops_E, flops_fd / flops_grad
slope_fd = loglog_slope(dims, fd_over_grad)
for row in zip(WIDTHS, dims, flops_E, ratio_grad, flops_fd / flops_E, strict=True):
    print("w = {:3d}  d = {:6d}  flops(E) = {:9.3g}  grad/E = {:.2f}  FD/E = {:9.4g}".format(*row))
print(f"max flops(grad)/flops(E) = {ratio_grad.max():.2f}; log-log slope of flops(FD)/flops(grad) "
      f"against d: {slope_fd:.3f}")
assert dims[-1] / dims[0] >= 100, "sanity: the sweep spans two decades of d"
assert ratio_grad.max() <= 5, "claim: the gradient costs at most 5 evaluations of E, whatever d"
assert 0.9 <= slope_fd <= 1.1, "claim: finite differences cost d times more than the gradient"

# %% [markdown]
# The constant of the theorem, measured: 2.6 at $d = 61$ rising to 3.0 at $d = 68\,353$
# (asserted: at most 5), i.e. a forward pass, then a backward pass with two products per layer,
# whatever $d$; while finite differences cost $d$ times more than the gradient (log-log slope
# 0.98, asserted in [0.9, 1.1]). These counts depend on shapes only, not on the seed. The transcendentals XLA leaves out follow the
# same pattern: the backward pass reuses the stored $\tanh$ values, it computes no new ones.

# %%
E_big = sweep[-1][0]
transcendentals = []
for f in (E_big, grad_of(E_big)):
    cost = jax.jit(f).lower(specs[-1]).cost_analysis()
    transcendentals.append((cost[0] if isinstance(cost, list) else cost).get("transcendentals", 0))
print(f"w = {WIDTHS[-1]}: transcendentals (tanh) counted apart: E {transcendentals[0]:.0f}, "
      f"gradient {transcendentals[1]:.0f}")

# %% [markdown]
# Now the same programs timed (median of repeats after a warm-up compile). Timings are noisy,
# and for tiny programs they measure the fixed overhead of a call more than the arithmetic;
# finite differences are only run while they are affordable. Nothing is asserted on them (and
# they always time `jax.grad`, even under the `no_reverse_mode` control, which would make the
# largest gradient cost $d$ evaluations).

# %%
t_idx, fd_idx = [0, 2, 4, 6], [0, 2, 3]      # widths 4, 16, 64, 256 and 4, 16, 32
time_E = np.array([median_time(jax.jit(sweep[i][0]), sweep[i][2]) for i in t_idx])
time_grad = np.array([median_time(jax.jit(jax.grad(sweep[i][0])), sweep[i][2]) for i in t_idx])
time_fd = np.array([median_time(jax.jit(sweep[i][1]), sweep[i][2], repeats=3) for i in fd_idx])
print("time(grad)/time(E):", np.round(time_grad / time_E, 1))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.loglog(dims, flops_E, "o-", label="$E$")
ax1.loglog(dims, flops_grad, "s-", label=r"$\nabla E$ (reverse mode)")
ax1.loglog(dims, flops_fd, "^-", label=r"$\nabla E$ (finite differences)")
ax1.set(xlabel="number of parameters $d$", ylabel="XLA flop count",
        title=f"Counted: reverse mode $\\leq {ratio_grad.max():.1f}\\times E$, FD $\\approx d\\times E$")
ax1.legend()
ax2.loglog(dims[t_idx], time_E, "o-", label="$E$")
ax2.loglog(dims[t_idx], time_grad, "s-", label=r"$\nabla E$ (reverse mode)")
ax2.loglog(dims[fd_idx], time_fd, "^-", label=r"$\nabla E$ (finite differences)")
ax2.set(xlabel="number of parameters $d$", ylabel="median time (s)",
        title="Timed (this machine, noisy)")
ax2.legend()
plt.show()

# %% [markdown]
# ## Forward mode vs reverse mode
#
# For $f: \mathbb{R}^n \to \mathbb{R}^m$, the chain rule can be applied in two orders.
# **Forward mode** pushes a tangent $u \in \mathbb{R}^n$ through the program and returns
# $\partial f(x)\, u$ (a Jacobian-vector product, `jax.jvp`); **reverse mode** pulls a cotangent
# $v \in \mathbb{R}^m$ back and returns $v^\top \partial f(x)$ (`jax.vjp`). Each costs a constant
# times $f$. The full Jacobian needs $n$ JVPs (`jax.jacfwd`) or $m$ VJPs (`jax.jacrev`): forward
# wins when $n < m$, reverse when $m < n$, and a loss ($m = 1$) is the extreme case where reverse
# mode gets the gradient in one sweep. We count both for $f(x) = B \tanh(Ax)$ with 64 hidden
# units and $n m = 1024$: the ratio of the two costs should be $n/m$.

# %%
jac_rev = jax.jacrev if REVERSE else jax.jacfwd   # the negative control: forward mode


def f_nm(A_, B_, x):
    return B_ @ jnp.tanh(A_ @ x)


def jacobian_flops(n_in, m_out):
    """XLA flop counts of f, jacfwd(f), jacrev(f) for f: R^n -> R^m (shapes only)."""
    specs_ = [jax.ShapeDtypeStruct(s, jnp.float32)
              for s in ((JAC_HIDDEN, n_in), (m_out, JAC_HIDDEN), (n_in,))]
    return [xla_flops(g, *specs_) for g in
            (f_nm, jax.jacfwd(f_nm, argnums=2), jac_rev(f_nm, argnums=2))]


ns = 2 ** np.arange(1, int(np.log2(JAC_NM)))           # n = 2 .. JAC_NM / 2, m = JAC_NM / n
ms = JAC_NM // ns
jac = np.array([jacobian_flops(int(n_), int(m_)) for n_, m_ in zip(ns, ms, strict=True)])
fwd_over_rev = jac[:, 1] / jac[:, 2]
slope_jac = loglog_slope(ns / ms, fwd_over_rev)
print("n:               ", ns)
print("jacfwd / f:      ", np.round(jac[:, 1] / jac[:, 0], 1))
print("jacrev / f:      ", np.round(jac[:, 2] / jac[:, 0], 1))
print(f"jacfwd/jacrev from {fwd_over_rev[0]:.3f} (n = {ns[0]}) to {fwd_over_rev[-1]:.1f} "
      f"(n = {ns[-1]}); log-log slope against n/m: {slope_jac:.3f}")
assert fwd_over_rev[0] < 0.1 and fwd_over_rev[-1] > 10, "claim: swapping n and m swaps the winner"
assert 0.9 <= slope_jac <= 1.1, "claim: cost(jacfwd)/cost(jacrev) ∝ n/m"

# %%
fig, ax = plt.subplots()
ax.loglog(ns, jac[:, 1], "o-", label="jacfwd ($n$ JVPs)")
ax.loglog(ns, jac[:, 2], "s-", label="jacrev ($m$ VJPs)")
ax.loglog(ns, jac[:, 0], "k.--", lw=1, label="$f$ itself")
ax.axvline(np.sqrt(JAC_NM), color="gray", ls=":", label="$n = m$")
ax.set(xlabel=f"input dimension $n$  (output $m = {JAC_NM}/n$)", ylabel="XLA flop count",
       title="Jacobian of $f: \\mathbb{R}^n \\to \\mathbb{R}^m$: forward vs reverse")
ax.legend()
plt.show()

# %% [markdown]
# Try other shapes: the bars are XLA's counts for the chosen $n$ and $m$ (a loss is $m = 1$).

# %%
def show_jacobian_cost(log2_n=3, log2_m=6):
    counts = jacobian_flops(2**log2_n, 2**log2_m)
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.bar(["$f$", "jacfwd", "jacrev"], counts, color=["gray", "C0", "C1"])
    ax.set(yscale="log", ylabel="XLA flop count",
           title=f"$n = {2**log2_n}$, $m = {2**log2_m}$: jacfwd/jacrev = {counts[1] / counts[2]:.2g}")
    plt.show()


interact(show_jacobian_cost, log2_n=IntSlider(3, 0, 10, description="log2 n"),
         log2_m=IntSlider(6, 0, 10, description="log2 m"));

# %% [markdown]
# ## Backpropagation is bookkeeping: a scalar tape
#
# Reverse mode needs no symbolic calculus, which is the theorem's proof: record every
# elementary operation with the local derivatives of its output with respect to its inputs
# ($O(1)$ each), then sweep the record backwards accumulating adjoints
# $\bar u \mathrel{+}= \frac{\partial w}{\partial u}\,\bar w$: one multiply-add per input of each
# operation, so $O(K)$ in all. Here is how `aitours.tape` records (the other operations of `Var`
# follow the pattern of `__mul__` and `tanh`):

# %%
for method in (tape.Tape.push, tape.Var._op, tape.Var.__mul__, tape.Var.tanh):
    print(inspect.getsource(method))

# %% [markdown]
# A numpy array of `Var`s (dtype `object`) makes `@`, `+`, `**` and `np.tanh` call these methods,
# so **the very same `forward_nn` above** records its computation on a tape when given `Var`s.

# %%
def E_on_tape(th_vars):
    return loss(forward_nn(unravel(np.array(th_vars, dtype=object)), x0)[0][-1], y)


tp = tape.Tape()
inputs = [tp.push(v) for v in theta]      # node k < d: the parameter θ_k
E_out = E_on_tape(inputs)                 # the forward pass, recorded
print(f"the tape holds {len(tp.values)} nodes: {d} inputs and K = {tp.n_ops} operations, "
      f"with {tp.n_edges} (node, input) edges")

# %% [markdown]
# **Exercise 3: the reverse sweep.** Write `reverse_sweep(tp, out)`: the list `adj` of the
# adjoints $\partial\,\mathrm{out}/\partial(\text{node } k)$ for every node $k$ of the tape
# (length `len(tp.values)`). Node `k` was computed from the nodes `tp.parents[k]` (indices,
# all smaller than `k`) with the local derivatives `tp.partials[k]`; `out.index` is the output's
# node. Start from $\overline{\mathrm{out}} = 1$ and go backwards.

# %%
def reverse_sweep(tp, out):
    adj = [0.0] * len(tp.values)
    ### BEGIN SOLUTION
    adj[out.index] = 1.0
    for k in range(out.index, -1, -1):
        for p, dp in zip(tp.parents[k], tp.partials[k], strict=True):
            adj[p] += dp * adj[k]
    ### END SOLUTION
    ### STUB adj[out.index] = 1.0  # your code here: accumulate adj[p] += ∂node_k/∂node_p * adj[k]
    return adj


adj = reverse_sweep(tp, E_out)
g_tape = np.array([adj[v.index] for v in inputs])
rel_tape = np.linalg.norm(g_tape - g_ref) / np.linalg.norm(g_ref)
print(f"E on the tape {E_out.value:.6f}; |tape - jax.grad| / |jax.grad| = {rel_tape:.1e}")
assert rel_tape < 1e-10, "claim: the tape's reverse sweep matches jax.grad"

# %% [markdown]
# The tape's $K$ is the forward pass's operation count: compare it with XLA's count of the
# same $E$ (flops plus transcendentals; XLA counts a multiply-add of a matrix product as 2
# operations, numpy's object arithmetic makes $2 d_{\rm in} - 1$ of them per dot product, hence
# a few percent apart). The reverse sweep does one multiply-add per edge, at most 2 per
# operation here (binary operations): the gradient in $O(K)$.

# %%
with enable_x64(FLOAT64):
    cost = jax.jit(E_jax).lower(*jax.tree.map(jnp.asarray, (params, x0, y))).cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
K_xla = cost["flops"] + cost.get("transcendentals", 0)
print(f"K on the tape {tp.n_ops}, XLA's count of E {K_xla:.0f} (ratio {tp.n_ops / K_xla:.2f}); "
      f"reverse sweep: {tp.n_edges} multiply-adds = {tp.n_edges / tp.n_ops:.2f} K")
assert abs(tp.n_ops / K_xla - 1) < 0.25, "sanity: the tape records the forward pass's operations"
assert tp.n_edges <= 2 * tp.n_ops, "sanity: at most 2 multiply-adds per binary operation"
