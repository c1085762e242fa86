# %% [markdown]
# # 4. The complexity of gradient computation
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/04_gradients.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/mathematics-of-ai/numerical-tours/main?urlpath=lab/tree/tours/04_gradients.ipynb)
#
# Training a network means computing the gradient of its loss $E(\theta)$ with respect to
# millions of parameters $\theta \in \mathbb{R}^d$, at every step. Finite differences would need
# $d+1$ evaluations of $E$; **reverse-mode differentiation** (backpropagation) gets the whole
# gradient for a small constant times the cost of *one* evaluation, whatever $d$:
#
# > **Theorem (cheap gradient; Baur & Strassen, 1983; Griewank, 1989).** If $E$ is computed by a
# > program of $K$ elementary operations, each of which (and its partial derivatives) costs
# > $O(1)$, then $\nabla E$ can be computed in $O(K)$ operations: a constant times the cost of
# > $E$, independent of $d$.
#
# Reverse mode itself is Linnainmaa's (1970), who accumulated the derivatives of a program's
# rounding errors backwards along its operations. Baur and Strassen proved that all partial
# derivatives of a rational function need at most 3 times its (non-scalar) multiplications and
# divisions; Griewank and Walther (2008) call it the *cheap gradient principle* and bound the
# whole operation count, memory traffic included, by a small constant (often quoted as 5).
#
# This tour writes backpropagation by hand for a multi-layer perceptron (and checks it against
# `jax.grad` and finite differences), measures the theorem's constant with XLA's own flop
# counts, compares forward and reverse modes on Jacobians, and ends with a scalar reverse-mode
# engine (a *tape*) whose size is $K$.
#
# *References.* S. Linnainmaa, *The representation of the cumulative rounding error of an
# algorithm as a Taylor expansion of the local rounding errors*, Master's thesis, University of
# Helsinki, 1970 (and *BIT* 16, 146–160, 1976). W. Baur and V. Strassen, *The complexity of
# partial derivatives*, Theoretical Computer Science 22, 317–330, 1983. A. Griewank, *On automatic
# differentiation*, in M. Iri and K. Tanabe (eds.), *Mathematical Programming: Recent
# Developments and Applications*, Kluwer, 83–108, 1989. A. Griewank and A. Walther,
# *Evaluating Derivatives*, 2nd ed., SIAM, 2008.

# %%
# On Colab, install the tours' helper package; elsewhere `make` has installed it already.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "aitours @ git+https://github.com/mathematics-of-ai/numerical-tours@v0.2.0"], check=True)

# %%
import inspect

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
from ipywidgets import IntSlider, interact
from jax.flatten_util import ravel_pytree

from aitours import enable_x64, tape
from aitours.flops import xla_flops
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
GRAD_MODE = "reverse"     # mode of the counted gradient: "reverse" (jax.grad) or "forward" (jax.jacfwd)
JAC_HIDDEN = 64           # hidden units of f: R^n -> R^m in the Jacobian comparison
JAC_NM = 1024             # n * m in the Jacobian comparison
BUG = None                # a slip swapped in by a control (see CONTROLS), None: the right code

# %% tags=["controls"]
# Negative controls, run by `make controls`: each removes what some claims are about,
# and those claims must then fail. The BUG ones swap a plausible slip into the code under test.
CONTROLS = {
    "float32": {"set": {"FLOAT64": False},
                "kills": ["BackwardNN matches jax.grad", "forward differences have an error ∝ ε",
                          "central differences have an error ∝ ε²", "the tape's reverse sweep"]},
    "backward_dA_transposed": {"set": {"BUG": "dA_transposed"}, "kills": ["BackwardNN matches"]},
    "backward_sigma_for_dsigma": {"set": {"BUG": "sigma_for_dsigma"}, "kills": ["BackwardNN matches"]},
    "backward_mean_dropped": {"set": {"BUG": "mean_dropped"}, "kills": ["BackwardNN matches"]},
    "backward_bias_averaged": {"set": {"BUG": "bias_averaged"}, "kills": ["BackwardNN matches"]},
    "fd_step_not_reset": {"set": {"BUG": "fd_step_not_reset"},
                          "kills": ["forward differences have", "central differences have"]},
    "fd_central_half_dropped": {"set": {"BUG": "fd_central_half_dropped"},
                                "kills": ["central differences have"]},
    "gradient_in_forward_mode": {"set": {"GRAD_MODE": "forward"}, "kills": ["at most 5 evaluations"]},
    "jacobian_grad_of_sum": {"set": {"BUG": "jac_grad_of_sum"},
                             "kills": ["written-out Jacobians", "swaps the winner", "∝ n/m"]},
    "jacobian_jvp_of_sum": {"set": {"BUG": "jac_jvp_of_sum"},
                            "kills": ["written-out Jacobians", "swaps the winner", "∝ n/m"]},
    "tape_assign_not_accumulate": {"set": {"BUG": "tape_assign"}, "kills": ["the tape's reverse sweep"]},
    "tape_forward_order": {"set": {"BUG": "tape_forward_order"}, "kills": ["the tape's reverse sweep"]},
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
params = [(np.asarray(jax.random.normal(k, (d_out, d_in)) / np.sqrt(d_in), dtype),
           np.asarray(0.3 * jax.random.normal(kb, (d_out,)), dtype))
          for k, kb, d_in, d_out in zip(jax.random.split(k_A, len(SIZES) - 1),
                                        jax.random.split(k_b, len(SIZES) - 1),
                                        SIZES[:-1], SIZES[1:], strict=True)]
x0 = np.asarray(jax.random.normal(k_x, (SIZES[0], N)), dtype)                  # inputs
y = np.asarray(0.8 * jnp.tanh(jax.random.normal(k_y, (SIZES[-1], N))), dtype)  # targets
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


# %% [markdown]
# Four slips a control swaps in (`BUG`), each of which the check below must catch: the weight
# gradient's product in the wrong order, $x_r v_r^\top$ (`"dA_transposed"`); $\rho$ where $\rho'$
# belongs (`"sigma_for_dsigma"`); the $1/n$ of the mean dropped (`"mean_dropped"`); the bias
# gradient averaged over the batch instead of summed (`"bias_averaged"`). (A missing $A_r^\top$
# in $g_r$ is a slip too, but with these shapes it fails loudly.)

# %%
def slipped_backward(params, xs, zs, y):
    """backward_nn with the slip named by BUG."""
    drho = np.tanh if BUG == "sigma_for_dsigma" else (lambda z: 1 - np.tanh(z) ** 2)
    g = (xs[-1] - y) / (1 if BUG == "mean_dropped" else y.shape[1])
    grads = [None] * len(params)
    for r in reversed(range(len(params))):
        v = drho(zs[r]) * g
        dA = xs[r] @ v.T if BUG == "dA_transposed" else v @ xs[r].T
        grads[r] = (dA, v.mean(axis=1) if BUG == "bias_averaged" else v.sum(axis=1))
        g = params[r][0].T @ v
    return grads


backward_slips = ("dA_transposed", "sigma_for_dsigma", "mean_dropped", "bias_averaged")
grads_hand = (slipped_backward if BUG in backward_slips else backward_nn)(params, xs, zs, y)

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


# %% [markdown]
# Two slips a control swaps in (`BUG`): the step vector not reset between coordinates, so that
# the perturbations pile up (`"fd_step_not_reset"`), and the central difference divided by
# $\varepsilon$ instead of $2\varepsilon$ (`"fd_central_half_dropped"`). Both leave an error
# that does not shrink with $\varepsilon$.

# %%
def slipped_fd_gradient(th, eps, central=False):
    """fd_gradient with the slip named by BUG."""
    E0, g, e = E_flat(th), np.empty_like(th), np.zeros_like(th)
    for i in range(th.size):
        if BUG != "fd_step_not_reset":
            e = np.zeros_like(th)
        e[i] = eps
        if central:
            g[i] = (E_flat(th + e) - E_flat(th - e)) / (eps if BUG == "fd_central_half_dropped" else 2 * eps)
        else:
            g[i] = (E_flat(th + e) - E0) / eps
    return g


fd = slipped_fd_gradient if BUG in ("fd_step_not_reset", "fd_central_half_dropped") else fd_gradient
epsilons = np.logspace(-12, -1, 23)
err_fwd, err_ctr = (np.array([np.linalg.norm(fd(theta, e, central) - g_ref)
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
# Over seeds 0–9 and 10 random seeds the slopes are 1.000 and 1.996–2.000 (asserted within 0.1
# and 0.2 of 1 and 2), and BackwardNN agrees with `jax.grad` to at most $7\cdot 10^{-16}$
# (asserted: $10^{-8}$; each of the four slips fails it, as each FD slip fails its slope). In
# float32 (the control `float32`) round-off swamps both fit windows.

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
X_b = jax.random.normal(k_X, (N_BATCH, 8))
Y_b = jnp.sin(X_b.sum(axis=1, keepdims=True))


def make_E(w, key):
    """Loss of the 8 -> w -> w -> 1 tanh network as a function of its flat parameters θ."""
    theta_w, unravel_w = ravel_pytree(init_mlp(key, [8, w, w, 1]))

    def E(th):
        return 0.5 * jnp.mean(jnp.sum((mlp(unravel_w(th), X_b) - Y_b) ** 2, axis=1))

    def fd_grad(th, eps=1e-3):
        E_all = jax.vmap(E)(th + eps * jnp.eye(th.size, dtype=th.dtype))   # d evaluations
        return (E_all - E(th)) / eps                                         # + 1

    return E, fd_grad, theta_w


# %%
grad_of = {"reverse": jax.grad, "forward": jax.jacfwd}[GRAD_MODE]   # "forward": a control
sweep = [make_E(w, k) for w, k in zip(WIDTHS, jax.random.split(k_init, len(WIDTHS)), strict=True)]
dims = np.array([th.size for _, _, th in sweep])
specs = [jax.ShapeDtypeStruct(th.shape, th.dtype) for _, _, th in sweep]   # shapes suffice
flops_E = np.array([xla_flops(E, s) for (E, _, _), s in zip(sweep, specs, strict=True)])
flops_grad = np.array([xla_flops(grad_of(E), s) for (E, _, _), s in zip(sweep, specs, strict=True)])
flops_fd = np.array([xla_flops(fd, s) for (_, fd, _), s in zip(sweep, specs, strict=True)])
ratio_grad, fd_over_E = flops_grad / flops_E, flops_fd / flops_E
for row in zip(WIDTHS, dims, flops_E, ratio_grad, fd_over_E, strict=True):
    print("w = {:3d}  d = {:6d}  flops(E) = {:9.3g}  grad/E = {:.2f}  FD/E = {:9.4g}".format(*row))
print(f"max flops(grad)/flops(E) = {ratio_grad.max():.2f}; flops(FD) / ((d + 1) flops(E)) from "
      f"{(fd_over_E / (dims + 1)).min():.3f} to {(fd_over_E / (dims + 1)).max():.3f}")
assert dims[-1] / dims[0] >= 100, "sanity: the sweep spans two decades of d"
assert np.all(np.abs(fd_over_E / (dims + 1) - 1) < 0.2), "sanity: finite differences cost d + 1 evaluations"
assert ratio_grad.max() <= 5, "claim: the gradient costs at most 5 evaluations of E, whatever d"

# %% [markdown]
# The constant of the theorem, measured: 2.6 at $d = 61$ rising to 3.0 at $d = 68\,353$
# (asserted: at most 5), i.e. a forward pass, then a backward pass with two products per layer,
# whatever $d$. Counted in forward mode (`jax.jacfwd`, the control `gradient_in_forward_mode`) the
# same gradient costs about $d$ evaluations: the claim fails from the smallest $d$ on. Finite
# differences cost $d + 1$ evaluations by construction (XLA counts 6 % more: the differences and
# the division), so $d$ times the gradient's cost: a sanity check, not a claim. These counts
# depend on shapes only, not on the seed. The transcendentals XLA leaves out follow the same
# pattern: the backward pass reuses the stored $\tanh$ values, it computes no new ones.

# %%
E_big = sweep[-1][0]
transcendentals = []
for f in (E_big, grad_of(E_big)):
    cost = jax.jit(f).lower(specs[-1]).cost_analysis()
    transcendentals.append((cost[0] if isinstance(cost, list) else cost).get("transcendentals", 0))
print(f"w = {WIDTHS[-1]}: transcendentals (tanh) counted apart: E {transcendentals[0]:.0f}, "
      f"gradient {transcendentals[1]:.0f}")

# %% [markdown]
# Why counts and not timings? On this (shared, 2-core) machine, the wall-clock ratio
# time(gradient)/time($E$) at $w = 256$, each the fastest of 15 calls, came out anywhere between
# 2.8 and 77 over ten runs of this tour: for programs of microseconds, a timing measures the
# machine's load and the fixed cost of a call more than the arithmetic. XLA's counts are the
# same on every run, so they are what the tour asserts on and plots.

# %%
fig, ax = plt.subplots()
ax.loglog(dims, flops_E, "o-", label="$E$")
ax.loglog(dims, flops_grad, "s-", label=r"$\nabla E$ (reverse mode)")
ax.loglog(dims, flops_fd, "^-", label=r"$\nabla E$ (finite differences)")
ax.set(xlabel="number of parameters $d$", ylabel="XLA flop count",
       title=f"Counted: reverse mode $\\leq {ratio_grad.max():.1f}\\times E$, FD $\\approx d\\times E$")
ax.legend()
plt.show()

# %% [markdown]
# ## Forward mode vs reverse mode
#
# For $f: \mathbb{R}^n \to \mathbb{R}^m$, the chain rule can be applied in two orders.
# **Forward mode** pushes a tangent $u \in \mathbb{R}^n$ through the program and returns
# $\partial f(x)\, u$ (a Jacobian-vector product, `jax.jvp`); **reverse mode** pulls a cotangent
# $v \in \mathbb{R}^m$ back and returns $v^\top \partial f(x)$ (`jax.vjp`). Each costs a constant
# times $f$. The full Jacobian needs $n$ JVPs, one per basis vector $e_i$ of $\mathbb{R}^n$ (its
# columns), or $m$ VJPs, one per basis vector of $\mathbb{R}^m$ (its rows): forward wins when
# $n < m$, reverse when $m < n$, and a loss ($m = 1$) is the extreme case where reverse mode gets
# the gradient in one sweep. Written out with `jax.vmap` over the basis vectors, this is what
# `jax.jacfwd` and `jax.jacrev` do; we check that they agree, then count both for
# $f(x) = B \tanh(Ax)$ with 64 hidden units and $n m = 1024$: the ratio of the costs should be $n/m$.
#
# Two slips a control swaps in (`BUG`): one JVP along $(1, \dots, 1)$ (`"jac_jvp_of_sum"`, the sum
# of the columns), and one VJP of $(1, \dots, 1)$ (`"jac_grad_of_sum"`: `jax.grad` of
# $\sum_j f_j$, the sum of the rows), each taken for the Jacobian.

# %%
def jac_forward(f, x):
    """The Jacobian (m, n) of f at x, column by column: n JVPs, vmapped over the basis of R^n."""
    def push(u):
        return jax.jvp(f, (x,), (u,))[1]

    if BUG == "jac_jvp_of_sum":
        return push(jnp.ones_like(x))
    return jax.vmap(push, out_axes=1)(jnp.eye(x.size, dtype=x.dtype))


def jac_reverse(f, x):
    """The Jacobian (m, n) of f at x, row by row: m VJPs, vmapped over the basis of R^m."""
    y_, pull = jax.vjp(f, x)         # one forward pass, shared by the m backward sweeps
    if BUG == "jac_grad_of_sum":
        return pull(jnp.ones_like(y_))[0]
    return jax.vmap(lambda v: pull(v)[0])(jnp.eye(y_.size, dtype=y_.dtype))


def f_nm(A_, B_, x):
    return B_ @ jnp.tanh(A_ @ x)


# %%
n_sq = int(np.sqrt(JAC_NM))                          # n = m for the check of the values
k_A2, k_B2, k_x2 = jax.random.split(jax.random.fold_in(key, 1), 3)
A2, x2 = jax.random.normal(k_A2, (JAC_HIDDEN, n_sq)), jax.random.normal(k_x2, (n_sq,))
B2 = jax.random.normal(k_B2, (n_sq, JAC_HIDDEN))
f2 = jax.tree_util.Partial(f_nm, A2, B2)                             # x -> f(x)
jac_err = []
for mine, ref in ((jac_forward, jax.jacfwd), (jac_reverse, jax.jacrev)):
    J, J_ref = np.asarray(mine(f2, x2)), np.asarray(ref(f2)(x2))
    jac_err.append(np.abs(J - J_ref).max() / np.abs(J_ref).max() if J.shape == J_ref.shape else np.inf)
print(f"n = m = {n_sq}: max |written-out - jax| / max |jax|: forward {jac_err[0]:.1e}, "
      f"reverse {jac_err[1]:.1e}")
assert max(jac_err) < 1e-5, "claim: the written-out Jacobians match jax.jacfwd and jax.jacrev"

# %%
def jacobian_flops(n_in, m_out):
    """XLA flop counts of f, its n-JVP and its m-VJP Jacobians, for f: R^n -> R^m (shapes only)."""
    specs_ = [jax.ShapeDtypeStruct(s, jnp.float32)
              for s in ((JAC_HIDDEN, n_in), (m_out, JAC_HIDDEN), (n_in,))]
    return [xla_flops(g, *specs_) for g in
            (f_nm, lambda A_, B_, x: jac_forward(lambda x_: f_nm(A_, B_, x_), x),
             lambda A_, B_, x: jac_reverse(lambda x_: f_nm(A_, B_, x_), x))]


ns = 2 ** np.arange(1, int(np.log2(JAC_NM)))           # n = 2 .. JAC_NM / 2, m = JAC_NM / n
ms = JAC_NM // ns
jac = np.array([jacobian_flops(int(n_), int(m_)) for n_, m_ in zip(ns, ms, strict=True)])
fwd_over_rev = jac[:, 1] / jac[:, 2]
slope_jac = loglog_slope(ns / ms, fwd_over_rev)
print("n:               ", ns)
print("forward / f:     ", np.round(jac[:, 1] / jac[:, 0], 1))
print("reverse / f:     ", np.round(jac[:, 2] / jac[:, 0], 1))
print(f"forward/reverse from {fwd_over_rev[0]:.3f} (n = {ns[0]}) to {fwd_over_rev[-1]:.1f} "
      f"(n = {ns[-1]}); log-log slope against n/m: {slope_jac:.3f}")
assert fwd_over_rev[0] < 0.1 and fwd_over_rev[-1] > 10, "claim: swapping n and m swaps the winner"
assert 0.9 <= slope_jac <= 1.1, "claim: cost(jacfwd)/cost(jacrev) ∝ n/m"

# %%
fig, ax = plt.subplots()
ax.loglog(ns, jac[:, 1], "o-", label="forward ($n$ JVPs)")
ax.loglog(ns, jac[:, 2], "s-", label="reverse ($m$ VJPs)")
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
    ax.bar(["$f$", "forward", "reverse"], counts, color=["gray", "C0", "C1"])
    ax.set(yscale="log", ylabel="XLA flop count",
           title=f"$n = {2**log2_n}$, $m = {2**log2_m}$: forward/reverse = {counts[1] / counts[2]:.2g}")
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


# %% [markdown]
# Two slips a control swaps in (`BUG`): adjoints assigned instead of accumulated, `=` for `+=`,
# so a node used twice keeps only its last use (`"tape_assign"`); and the nodes swept in the
# order they were recorded, before their adjoints are complete (`"tape_forward_order"`).

# %%
def slipped_sweep(tp, out):
    """reverse_sweep with the slip named by BUG."""
    adj = [0.0] * len(tp.values)
    adj[out.index] = 1.0
    order = range(out.index + 1) if BUG == "tape_forward_order" else range(out.index, -1, -1)
    for k in order:
        for p, dp in zip(tp.parents[k], tp.partials[k], strict=True):
            adj[p] = dp * adj[k] + (0.0 if BUG == "tape_assign" else adj[p])
    return adj


adj = (slipped_sweep if BUG in ("tape_assign", "tape_forward_order") else reverse_sweep)(tp, E_out)
g_tape = np.array([adj[v.index] for v in inputs])
rel_tape = np.linalg.norm(g_tape - g_ref) / np.linalg.norm(g_ref)
print(f"E on the tape {E_out.value:.6f}; |tape - jax.grad| / |jax.grad| = {rel_tape:.1e}")
assert rel_tape < 1e-10, "claim: the tape's reverse sweep matches jax.grad"

# %% [markdown]
# Over seeds 0–9 and 10 random seeds the tape agrees with `jax.grad` to at most
# $9\cdot 10^{-16}$ (asserted: $10^{-10}$); each of the two slips fails the check.
#
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
