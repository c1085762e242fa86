# %% [markdown]
# # 4. The complexity of gradient computation
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/04_gradients.ipynb)
#
# Training a network means computing the gradient of its loss $E(\theta)$ with respect to
# millions of parameters $\theta \in \mathbb{R}^d$, at every step. Finite differences would need
# $d+1$ evaluations of $E$; **reverse-mode differentiation** (backpropagation) gets the whole
# gradient for a small constant times the cost of *one* evaluation, whatever $d$. This tour
# writes backpropagation by hand for a multi-layer perceptron (and checks it against `jax.grad`
# and finite differences), measures the cost claim with XLA's own flop counts, compares forward
# and reverse modes on Jacobians, and ends with a scalar autodiff engine of about 80 lines.

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

from aitours import enable_x64, tape
from aitours.flops import median_time, xla_flops
from aitours.plotting import style
from aitours.rates import loglog_slope

style()
SEED = 0
key = jax.random.PRNGKey(SEED)
k_net, k_sweep = jax.random.split(key)

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
# the whole gradient costs a constant times $E$. The price is memory: the backward sweep needs
# every stored $x_r, z_r$. Here is the talk's pseudo-code, in numpy float64.

# %%
def forward_nn(A, b, x0, rho=np.tanh):
    """x_{r+1} = rho(A_r x_r + b_r): return the states [x_0..x_R] and pre-activations [z_0..]."""
    xs, zs = [x0], []
    for A_r, b_r in zip(A, b, strict=True):
        zs.append(A_r @ xs[-1] + b_r[:, None])
        xs.append(rho(zs[-1]))
    return xs, zs


def loss(x_R, y):
    return 0.5 * np.sum((x_R - y) ** 2) / y.shape[1]


def backward_nn(A, xs, zs, y, drho=lambda z: 1 - np.tanh(z) ** 2):
    """Gradient of E = |x_R - y|^2 / 2n with respect to every A_r and b_r, last layer first."""
    g = (xs[-1] - y) / y.shape[1]           # dE/dx_R
    grad_A, grad_b = [None] * len(A), [None] * len(A)
    for r in reversed(range(len(A))):
        v = drho(zs[r]) * g                  # dE/dz_r
        grad_A[r], grad_b[r] = v @ xs[r].T, v.sum(axis=1)
        g = A[r].T @ v                       # dE/dx_r
    return grad_A, grad_b


def pack(A, b):
    """All parameters as one vector theta in R^d."""
    return np.concatenate([t.ravel() for pair in zip(A, b, strict=True) for t in pair])


def unpack(theta):
    """Inverse of pack (works on any 1-d array, including arrays of objects)."""
    A_, b_, i = [], [], 0
    for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True):
        A_.append(theta[i:i + d_in * d_out].reshape(d_out, d_in))
        b_.append(theta[i + d_in * d_out:i + d_in * d_out + d_out])
        i += d_in * d_out + d_out
    return A_, b_


# a 3-layer network 3 -> 10 -> 10 -> 1 on n = 16 samples, in float64
sizes, n = (3, 10, 10, 1), 16
d = sum((d_in + 1) * d_out for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True))
z = np.asarray(jax.random.normal(k_net, (d + (sizes[0] + sizes[-1]) * n,)), np.float64)
A, b = unpack(z[:d])
A, b = [A_r / np.sqrt(A_r.shape[1]) for A_r in A], [0.3 * b_r for b_r in b]
theta = pack(A, b)
x0 = z[d:d + sizes[0] * n].reshape(sizes[0], n)                 # inputs
y = 0.8 * np.tanh(z[d + sizes[0] * n:].reshape(sizes[-1], n))   # targets in (-0.8, 0.8)

xs, zs = forward_nn(A, b, x0)
grad_A, grad_b = backward_nn(A, xs, zs, y)
print(f"E(theta) = {loss(xs[-1], y):.6f}")

# %% [markdown]
# The same loss written with `jax.numpy` and differentiated by `jax.grad` (in float64) must
# give the same numbers, up to round-off.

# %%
def E_jax(params, x0, y):
    x = x0
    for A_r, b_r in params:
        x = jnp.tanh(A_r @ x + b_r[:, None])
    return 0.5 * jnp.sum((x - y) ** 2) / y.shape[1]


with enable_x64():
    params64 = [(jnp.asarray(A_r), jnp.asarray(b_r)) for A_r, b_r in zip(A, b, strict=True)]
    g_jax = jax.jit(jax.grad(E_jax))(params64, jnp.asarray(x0), jnp.asarray(y))
    g_ref = pack(*zip(*[(np.asarray(gA), np.asarray(gb)) for gA, gb in g_jax], strict=True))
g_hand = pack(grad_A, grad_b)
rel_err = np.linalg.norm(g_hand - g_ref) / np.linalg.norm(g_ref)
print(f"d = {d} parameters; |BackwardNN - jax.grad| / |jax.grad| = {rel_err:.1e}")
assert g_ref.dtype == np.float64 and rel_err < 1e-8

# %% [markdown]
# ## Finite differences: $d+1$ evaluations, and an error $\propto \varepsilon$
#
# Without the chain rule, the gradient can be estimated coordinate by coordinate,
# $$ \partial_i E(\theta) \approx \frac{E(\theta + \varepsilon e_i) - E(\theta)}{\varepsilon}, $$
# which costs $d + 1$ evaluations of $E$ and has a truncation error $O(\varepsilon)$ (Taylor), until
# round-off ($\approx 10^{-16}/\varepsilon$ in float64) takes over for tiny $\varepsilon$. Central
# differences $\frac{E(\theta+\varepsilon e_i) - E(\theta-\varepsilon e_i)}{2\varepsilon}$ are
# $O(\varepsilon^2)$ but cost $2d$ evaluations.

# %%
n_evals = 0


def E_flat(th):
    """E as a function of the parameter vector; counts its own evaluations."""
    global n_evals
    n_evals += 1
    A_, b_ = unpack(th)
    return loss(forward_nn(A_, b_, x0)[0][-1], y)


def fd_gradient(th, eps, central=False):
    E0 = None if central else E_flat(th)
    g = np.empty_like(th)
    for i in range(th.size):                 # one (or two) evaluations per coordinate
        e = np.zeros_like(th)
        e[i] = eps
        g[i] = ((E_flat(th + e) - E_flat(th - e)) / (2 * eps) if central
                else (E_flat(th + e) - E0) / eps)
    return g


n_evals = 0
fd_gradient(theta, 1e-6)
print(f"forward differences: {n_evals} evaluations of E for d = {d}")
assert n_evals == d + 1

epsilons = np.logspace(-12, -1, 23)
err_fwd = np.array([np.linalg.norm(fd_gradient(theta, e) - g_ref) for e in epsilons])
err_ctr = np.array([np.linalg.norm(fd_gradient(theta, e, central=True) - g_ref) for e in epsilons])
err_fwd, err_ctr = err_fwd / np.linalg.norm(g_ref), err_ctr / np.linalg.norm(g_ref)

fit_fwd = (epsilons >= 1e-6) & (epsilons <= 1e-2)
fit_ctr = (epsilons >= 1e-4) & (epsilons <= 1e-1)
slope_fwd = loglog_slope(epsilons[fit_fwd], err_fwd[fit_fwd])
slope_ctr = loglog_slope(epsilons[fit_ctr], err_ctr[fit_ctr])
print(f"log-log slope of the error: forward {slope_fwd:.3f} (theory 1), "
      f"central {slope_ctr:.3f} (theory 2)")
print(f"best relative error: forward {err_fwd.min():.1e}, central {err_ctr.min():.1e}")
assert 0.9 <= slope_fwd <= 1.1
assert 1.8 <= slope_ctr <= 2.2

# %%
fig, ax = plt.subplots()
ax.loglog(epsilons, err_fwd, "o-", ms=4, label=f"forward, slope {slope_fwd:.2f} on the fit window")
ax.loglog(epsilons, err_ctr, "s-", ms=4, label=f"central, slope {slope_ctr:.2f}")
ax.loglog(epsilons, 1e-16 / epsilons, "k:", lw=1, label=r"round-off $10^{-16}/\varepsilon$")
ax.axhline(rel_err, color="C2", ls="--", lw=1, label="BackwardNN (no $\\varepsilon$)")
ax.set(xlabel=r"step $\varepsilon$", ylabel="relative error of the gradient",
       title="Finite differences: truncation vs round-off", ylim=(1e-17, 1))
ax.legend(loc="lower left", fontsize=8)
plt.show()

# %% [markdown]
# ## The cost, counted
#
# How much more than $E$ does its gradient cost? We let XLA count the floating-point operations
# of each compiled program (a deterministic number: it depends on shapes, not on timings). The
# network is $8 \to w \to w \to 1$ on a batch of 32 samples, float32, with the width $w$ from 4 to
# 256, so $d$ spans three decades. Finite differences are written as one vectorised program that
# evaluates $E$ at all $d+1$ points $\theta$, $\theta + \varepsilon e_i$.

# %%
P_IN, N_BATCH = 8, 32
widths = [4, 8, 16, 32, 64, 128, 256]
X_b = np.asarray(jax.random.normal(k_sweep, (N_BATCH, P_IN)))
Y_b = np.sin(X_b.sum(axis=1, keepdims=True))


def make_E(w):
    """Loss of the 8 -> w -> w -> 1 tanh network, as a function of the flat parameters."""
    shapes = [(w, P_IN), (w,), (w, w), (w,), (1, w), (1,)]
    sizes_ = [int(np.prod(s)) for s in shapes]
    offsets = np.cumsum([0] + sizes_)

    def E(th):
        p = [th[o:o + s].reshape(sh) for o, s, sh in zip(offsets, sizes_, shapes, strict=False)]
        x = X_b
        for A_r, b_r in zip(p[::2], p[1::2], strict=True):
            x = jnp.tanh(x @ A_r.T + b_r)
        return 0.5 * jnp.mean(jnp.sum((x - Y_b) ** 2, axis=1))

    def fd_grad(th, eps=1e-3):
        E_all = jax.vmap(E)(th + eps * jnp.eye(th.size, dtype=th.dtype))   # d evaluations
        return (E_all - E(th)) / eps                                         # + 1

    return E, fd_grad, int(offsets[-1])


dims, flops_E, flops_grad, flops_fd = [], [], [], []
for w in widths:
    E, fd_grad, d_w = make_E(w)
    spec = jax.ShapeDtypeStruct((d_w,), jnp.float32)      # shapes suffice to count
    dims.append(d_w)
    flops_E.append(xla_flops(E, spec))
    flops_grad.append(xla_flops(jax.grad(E), spec))
    flops_fd.append(xla_flops(fd_grad, spec))
dims, flops_E, flops_grad, flops_fd = map(np.array, (dims, flops_E, flops_grad, flops_fd))
ratio_grad, ratio_fd = flops_grad / flops_E, flops_fd / flops_E
slope_fd = loglog_slope(dims, ratio_fd)
for row in zip(widths, dims, flops_E, ratio_grad, ratio_fd, strict=True):
    print("w = {:3d}  d = {:6d}  flops(E) = {:9.3g}  grad/E = {:.2f}  FD/E = {:9.4g}".format(*row))
print(f"d spans {np.log10(dims[-1] / dims[0]):.1f} decades; max flops(grad)/flops(E) = "
      f"{ratio_grad.max():.2f}; log-log slope of flops(FD)/flops(E) against d: {slope_fd:.3f}")
assert dims[-1] / dims[0] >= 100
assert ratio_grad.max() <= 5
assert 0.95 <= slope_fd <= 1.05 and np.all(ratio_fd >= dims)

# %% [markdown]
# Now the same programs timed (median of repeats after a warm-up compile). Timings are noisy,
# and for tiny programs they measure the fixed overhead of a call more than the arithmetic;
# finite differences are only run while they are affordable.

# %%
t_widths, fd_widths = [4, 16, 64, 256], [4, 16, 32]
time_E, time_grad, time_fd = [], [], []
for w in t_widths:
    E, _, d_w = make_E(w)
    th = jnp.asarray(0.3 * np.cos(np.arange(d_w)), jnp.float32)
    time_E.append(median_time(jax.jit(E), th))
    time_grad.append(median_time(jax.jit(jax.grad(E)), th))
for w in fd_widths:
    _, fd_grad, d_w = make_E(w)
    th = jnp.asarray(0.3 * np.cos(np.arange(d_w)), jnp.float32)
    time_fd.append(median_time(jax.jit(fd_grad), th, repeats=3))
time_E, time_grad, time_fd = map(np.array, (time_E, time_grad, time_fd))
t_dims, fd_dims = (dims[[widths.index(w) for w in ws]] for ws in (t_widths, fd_widths))
print("time(grad)/time(E):", np.round(time_grad / time_E, 1))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.loglog(dims, flops_E, "o-", label="$E$")
ax1.loglog(dims, flops_grad, "s-", label=r"$\nabla E$ (reverse mode)")
ax1.loglog(dims, flops_fd, "^-", label=r"$\nabla E$ (finite differences)")
ax1.set(xlabel="number of parameters $d$", ylabel="XLA flop count",
        title=f"Counted: reverse mode $\\leq {ratio_grad.max():.1f}\\times E$, FD $\\approx d\\times E$")
ax1.legend()
ax2.loglog(t_dims, time_E, "o-", label="$E$")
ax2.loglog(t_dims, time_grad, "s-", label=r"$\nabla E$ (reverse mode)")
ax2.loglog(fd_dims, time_fd, "^-", label=r"$\nabla E$ (finite differences)")
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
# units and $n m = 1024$.

# %%
H = 64


def f_nm(A_, B_, x):
    return B_ @ jnp.tanh(A_ @ x)


def jacobian_flops(n_in, m_out):
    """XLA flop counts of f, jacfwd(f), jacrev(f) for f: R^n -> R^m (shapes only)."""
    specs = [jax.ShapeDtypeStruct(s, jnp.float32) for s in ((H, n_in), (m_out, H), (n_in,))]
    return [xla_flops(g, *specs) for g in
            (f_nm, jax.jacfwd(f_nm, argnums=2), jax.jacrev(f_nm, argnums=2))]


ns = 2 ** np.arange(1, 10)                                # n = 2 .. 512, m = 1024 / n
jac = np.array([jacobian_flops(int(n_), 1024 // int(n_)) for n_ in ns])
fwd_over_rev = jac[:, 1] / jac[:, 2]
slope_jac = loglog_slope(ns / (1024 // ns), fwd_over_rev)
cross = ns[np.argmin(np.abs(np.log(fwd_over_rev)))]
print("n:               ", ns)
print("jacfwd / f:      ", np.round(jac[:, 1] / jac[:, 0], 1))
print("jacrev / f:      ", np.round(jac[:, 2] / jac[:, 0], 1))
print(f"crossover at n = {cross} (m = {1024 // cross}); slope of jacfwd/jacrev vs n/m: "
      f"{slope_jac:.3f}")
assert fwd_over_rev[0] < 0.1 and fwd_over_rev[-1] > 10    # swapping n and m swaps the winner
assert np.all(np.diff(fwd_over_rev) > 0) and cross == 32
assert 0.9 <= slope_jac <= 1.1                              # cost(jacfwd)/cost(jacrev) ~ n/m

# %%
fig, ax = plt.subplots()
ax.loglog(ns, jac[:, 1], "o-", label="jacfwd ($n$ JVPs)")
ax.loglog(ns, jac[:, 2], "s-", label="jacrev ($m$ VJPs)")
ax.loglog(ns, jac[:, 0], "k.--", lw=1, label="$f$ itself")
ax.axvline(32, color="gray", ls=":", label="$n = m$")
ax.set(xlabel="input dimension $n$  (output $m = 1024/n$)", ylabel="XLA flop count",
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
# Reverse mode needs no symbolic calculus: record every elementary operation with the local
# derivatives of its output with respect to its inputs, then sweep the record backwards
# accumulating adjoints $\bar u \mathrel{+}= \frac{\partial w}{\partial u}\,\bar w$. Here is the
# core of `aitours.tape` (the other operations of `Var` follow the pattern of `__mul__` and `tanh`):

# %%
print(inspect.getsource(tape.Tape))
for method in (tape.Var._op, tape.Var.__mul__, tape.Var.tanh):
    print(inspect.getsource(method))

# %% [markdown]
# A numpy array of `Var`s (dtype `object`) makes `@`, `+`, `**` and `np.tanh` call these methods,
# so **the very same `forward_nn` above** records its computation on a tape when given `Var`s.
# The reverse sweep then reproduces `jax.grad`, and its work (one multiply-add per input of each
# operation, at most two) is at most twice the forward work.

# %%
def E_on_tape(th_vars):
    A_, b_ = unpack(np.array(th_vars, dtype=object))
    return loss(forward_nn(A_, b_, x0)[0][-1], y)


E_tape, g_tape, tp = tape.value_and_grad(E_on_tape, theta)
g_tape = np.array(g_tape)
rel_tape = np.linalg.norm(g_tape - g_ref) / np.linalg.norm(g_ref)
print(f"tape: {tp.n_ops} operations forward, {tp.n_edges} multiply-adds backward "
      f"(ratio {tp.n_edges / tp.n_ops:.2f}); |tape - jax.grad| / |jax.grad| = {rel_tape:.1e}")
assert abs(E_tape - loss(xs[-1], y)) < 1e-12
assert rel_tape < 1e-10
assert tp.n_edges <= 2 * tp.n_ops
