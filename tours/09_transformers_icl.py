# %% [markdown]
# # 9. Transformers and in-context learning
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/09_transformers_icl.ipynb)
#
# A transformer mixes its tokens with **attention**: each token looks at the others and takes
# a weighted average of them. This tour writes attention from scratch (softmax, causal mask,
# several heads) and checks its basic symmetry: without positional information, it cannot
# tell the order of its tokens. Then it reproduces the theorem of Sander, Giryes, Suzuki,
# Blondel and Peyré (ICML 2024, *How do transformers perform in-context autoregressive
# learning?*): a one-layer linear transformer trained to continue sequences
# $s_{t+1} = A s_t$ for many random $A$ learns an *algorithm*. Shown the first tokens of a
# sequence built with a new matrix $B$, it estimates $B$ from its context by **one step of
# gradient descent** on the in-context least-squares problem, and predicts $s_{t+1} \approx B s_t$.
# We check this in the trained weights, which take exactly the structure the theory predicts.

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
import optax
from ipywidgets import IntSlider, interact

from aitours import random as rnd
from aitours.attention import (
    attention_weights,
    causal_mask,
    init_multi_head,
    linear_attention,
    multi_head_attention,
    sinusoidal_positions,
)
from aitours.plotting import style
from aitours.rates import loglog_slope
from aitours.train import fit

style()
SEED = 0
key = jax.random.PRNGKey(SEED)
k_att, k_perm, k_train, k_init, k_fit = jax.random.split(key, 5)

# %% [markdown]
# ## Attention, written out
#
# A sequence of $n$ tokens is a matrix $X \in \mathbb{R}^{n\times d}$ (one token per row).
# Three linear maps turn each token into a *query*, a *key* and a *value*:
# $Q = XW_Q$, $K = XW_K$, $V = XW_V$. Token $i$ scores token $j$ by $\langle q_i, k_j\rangle$,
# the scores are turned into weights by a softmax along each row, and the output of token $i$
# is the weighted mean of the values:
# $$ \mathrm{Attention}(X) = \mathrm{softmax}\Big(\frac{QK^\top}{\sqrt{d_k}}\Big) V,
#    \qquad \mathrm{softmax}(z)_j = \frac{e^{z_j}}{\sum_{j'} e^{z_{j'}}} . $$
# The $1/\sqrt{d_k}$ keeps the scores of order one when the key dimension $d_k$ grows.
# A **causal mask** forbids looking ahead (score $-\infty$ for $j > i$): token $i$ then only
# mixes tokens $1..i$, which is what a model predicting the *next* token needs.
# **Multi-head** attention runs $h$ such maps in parallel on smaller keys and sums their
# outputs after a last linear map $W_O$. The code is in `aitours/attention.py`; here are the
# weights of one head, on 10 random tokens.

# %%
n_tok, d_model, n_heads = 10, 16, 4
k_x, k_w = jax.random.split(k_att)
X = np.asarray(rnd.normal(k_x, (n_tok, d_model)))
mha = jax.tree.map(np.asarray, init_multi_head(k_w, d_model, n_heads))
Q1, K1 = X @ mha["Wq"][0], X @ mha["Wk"][0]          # the queries and keys of head 0
A_full = np.asarray(attention_weights(Q1, K1))
A_causal = np.asarray(attention_weights(Q1, K1, causal_mask(n_tok)))

fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.8))
for ax, A, title in ((axes[0], A_full, "full attention"), (axes[1], A_causal, "causal mask")):
    im = ax.imshow(A, cmap="viridis", vmin=0, vmax=float(A_causal.max()))
    ax.set(title=f"Softmax weights, {title}", xlabel="key token $j$", ylabel="query token $i$")
    ax.grid(False)
fig.colorbar(im, ax=axes, shrink=0.8, label="weight $A_{ij}$")
plt.show()

row_sums = np.max(np.abs(A_causal.sum(1) - 1))
above = np.max(np.abs(np.triu(A_causal, 1)))
print(f"rows sum to 1 up to {row_sums:.1e}; largest weight above the diagonal (causal): {above}")
assert row_sums < 1e-5 and above == 0.0

# %% [markdown]
# ### Attention does not see the order of its tokens
#
# Permute the tokens, $X \mapsto PX$. All scores are permuted the same way, so
# $\mathrm{Attention}(PX) = P\,\mathrm{Attention}(X)$: attention is **permutation
# equivariant**, a set operation. The order of a sentence must therefore be given to the
# model: a causal mask breaks the symmetry (the first token sees only itself), and so does a
# **positional encoding** added to the tokens (here the sinusoids of the original transformer).

# %%
perm = np.asarray(jax.random.permutation(k_perm, n_tok))
pos = np.asarray(sinusoidal_positions(n_tok, d_model))


def equivariance_gap(f):
    """max |f(PX) - P f(X)| / max |f(X)|: zero iff f commutes with the permutation."""
    fX, fPX = np.asarray(f(X)), np.asarray(f(X[perm]))
    return np.max(np.abs(fPX - fX[perm])) / np.max(np.abs(fX))


gaps = {
    "multi-head attention": equivariance_gap(lambda x: multi_head_attention(mha, x)),
    "with a causal mask": equivariance_gap(
        lambda x: multi_head_attention(mha, x, causal_mask(n_tok))),
    "with positional encoding": equivariance_gap(lambda x: multi_head_attention(mha, x + pos)),
}
for name, g in gaps.items():
    print(f"{name:>26}: |f(PX) - P f(X)| / |f(X)| = {g:.1e}")
assert gaps["multi-head attention"] < 1e-5
assert gaps["with a causal mask"] > 0.05 and gaps["with positional encoding"] > 0.05

# %% [markdown]
# ## In-context learning of an autoregressive process
#
# **Data.** Each training sequence follows its own linear recursion $s_{t+1} = A s_t$, with a
# matrix $A$ drawn at random for that sequence. As in the theory, the matrices form a
# *commuting* family of orthogonal maps, i.e. a set of independent planar rotations. In complex
# coordinates a rotation by $\theta$ is the multiplication by $e^{i\theta}$, so we work directly
# with $s_t \in \mathbb{C}^d$ and
# $$ A = \mathrm{diag}(e^{i\theta_1}, \dots, e^{i\theta_d}), \qquad \theta_k \sim
#    \mathcal{U}[0, 2\pi) \text{ independent}, \qquad s_1 = \tfrac{1}{\sqrt d}(e^{i\varphi_1},
#    \dots, e^{i\varphi_d}),\ \varphi_k \sim \mathcal{U}[0, 2\pi). $$
# (In real coordinates each rotation plane would allow a second, mirror-image solution, since a
# reflection $F$ satisfies $F R_\theta^\top F = R_\theta$; complex coordinates remove it and make
# the learned weights easy to read.)
#
# **Task.** Given $s_1, \dots, s_t$, predict $s_{t+1}$. Nothing tells the model which $A$
# generated the sequence: to predict well it must *infer $A$ from the context*, at test time,
# without changing its weights. That is in-context learning.

# %%
d, T = 5, 30                         # state dimension, training context length
n_train, n_test, T_test = 8192, 1000, 120


def draw_sequences(key, n, length):
    """n sequences s_1 .. s_{length+1} of s_{t+1} = A s_t, each with its own random
    A = diag(e^{i theta}) and start s_1 = e^{i phi} / sqrt(d): returns the eigenvalues
    lam = e^{i theta} (n, d) and the states (n, length + 1, d)."""
    angles = 2 * jnp.pi * rnd.uniform(key, (n, 2 * d))
    lam, s1 = jnp.exp(1j * angles[:, :d]), jnp.exp(1j * angles[:, d:]) / jnp.sqrt(d)
    powers = lam[:, None, :] ** jnp.arange(length + 1)[None, :, None]
    return lam, (powers * s1[:, None, :]).astype(jnp.complex64)


# one draw: the first n_train sequences (cut at length T) for training, the others, with new
# matrices B never seen in training, for testing
lam_all, S_all = map(np.asarray, draw_sequences(k_train, n_train + n_test, T_test))
S_train = S_all[:n_train, :T + 1]
lam_test, S_test = lam_all[n_train:], S_all[n_train:]

fig, ax = plt.subplots(figsize=(7, 3))
for i in range(3):
    ax.plot(np.arange(1, T + 2), S_train[i, :, 0].real, "o-", ms=3, label=f"sequence {i + 1}")
ax.set(xlabel="time $t$", ylabel=r"$\mathrm{Re}\, s_{t,1}$",
       title="Three training sequences (first coordinate), each with its own $A$")
ax.legend(loc="upper right")
plt.show()

# %% [markdown]
# ## The model: one layer of linear attention on augmented tokens
#
# Following the paper, token $t$ carries the current and the previous state, and an empty slot
# for the prediction: $e_t = (0, s_t, s_{t-1}) \in \mathbb{C}^{3d}$ (with $s_0 = 0$). One layer
# of causal **linear attention** (no softmax) with a residual connection maps it to
# $$ e_t + \frac1t \sum_{\tau \le t} \big(e_\tau^* W_{KQ}\, e_t\big)\, W_V e_\tau , $$
# where $W_{KQ} = W_K^* W_Q$ merges keys and queries (only their product matters) and
# $e_\tau^*$ is the conjugate transpose. The prediction $\hat s_{t+1}$ is read in the first block.
# Grouping the sum, the layer multiplies the query $e_t$ by a matrix that depends on the context
# only through its covariance $C_t = \frac1t \sum_{\tau\le t} e_\tau e_\tau^*$:
# $$ \hat s_{t+1} = \big[W_V C_t W_{KQ}\big]_{\text{first block}}\, e_t . $$
# We train $W_{KQ}, W_V \in \mathbb{C}^{3d\times 3d}$ (stored as real and imaginary parts) with
# Adam on the mean squared error of the next-token prediction, averaged over all positions
# $t = 1..T$ and all training sequences.
#
# Why augmented tokens? One attention layer takes its value from the same token as its key,
# so on plain tokens $s_\tau$ it can only use the context through products
# $s_\tau s_\tau^*$. These do not change when $A$ is replaced by $e^{i\alpha} A$ (every
# $s_\tau$ is then multiplied by a unit complex number), so they cannot tell such matrices
# apart. Learning the recursion needs pairs $s_{\tau+1} s_\tau^*$, hence the previous state
# inside token $\tau$. In a deeper transformer a first attention layer with positional
# information can copy it there (a "previous-token head"); here it is given.

# %%
def tokens(S):
    """Augmented tokens e_t = (0, s_t, s_{t-1}) for the states S (..., t, d) -> (..., t, 3d)."""
    prev = jnp.concatenate([jnp.zeros_like(S[..., :1, :]), S[..., :-1, :]], axis=-2)
    return jnp.concatenate([jnp.zeros_like(S), S, prev], axis=-1)


def as_complex(p):
    return p["KQ"][0] + 1j * p["KQ"][1], p["V"][0] + 1j * p["V"][1]


@jax.jit
def predict(p, S):
    """Predictions of s_2 .. s_{t+1} from the states s_1 .. s_t (..., t, d)."""
    W_KQ, W_V = as_complex(p)
    E = tokens(S)
    out = E + linear_attention(E @ W_KQ.T, E, E @ W_V.T, causal=True)
    return out[..., :d]


def next_token_loss(p, S, key=None):
    """Mean over sequences and positions of |s_hat_{t+1} - s_{t+1}|^2."""
    err = predict(p, S[:, :-1]) - S[:, 1:]
    return jnp.mean(jnp.sum(jnp.abs(err) ** 2, axis=-1))


n_steps = 400
w0 = 0.01 * rnd.normal(k_init, (2, 2, 3 * d, 3 * d))
params0 = {"KQ": w0[0], "V": w0[1]}      # small random init (real and imaginary parts)
optimizer = optax.adam(optax.cosine_decay_schedule(1e-2, n_steps))
t0 = time.perf_counter()
params, _, losses = fit(next_token_loss, params0, optimizer, n_steps, S_train, key=k_fit,
                     batch_size=64, desc="training")
print(f"trained in {time.perf_counter() - t0:.1f} s; loss {losses[0]:.3f} -> "
      f"{losses[-50:].mean():.3f}")

fig, ax = plt.subplots(figsize=(6, 3))
ax.semilogy(losses, lw=1)
ax.set(xlabel="Adam step", ylabel="next-token loss (minibatch)",
       title="Training the linear transformer")
plt.show()

# %% [markdown]
# ## 1. It predicts sequences built with a matrix it has never seen
#
# Take 1000 new matrices $B$ (fresh angles) and new starting points, and let the trained model
# predict each $s_{t+1}$ from $s_1, \dots, s_t$, for contexts up to $t = 120$, four times longer
# than in training (the $\frac1t$ average makes the layer length-agnostic). Two references:
# the trivial guess $\hat s_{t+1} = s_t$ (error $\mathbb{E}|e^{i\theta} - 1|^2 = 2$), and **one
# step of gradient descent** on the in-context least-squares problem, started from $W = 0$:
# $$ L_t(W) = \frac12 \sum_{\tau < t} \|s_{\tau+1} - W s_\tau\|^2, \qquad
#    W_1 = -\eta \nabla L_t(0) = \eta \sum_{\tau < t} s_{\tau+1} s_\tau^*, \qquad
#    \hat s_{t+1} = W_1 s_t, $$
# with the step $\eta = c/t$, the constant $c$ that minimises the training loss of this
# one-parameter predictor (a scalar least-squares problem, solved below).
# As $t$ grows, $\frac1t\sum_\tau s_\tau s_\tau^* \to I/d$ (the phases of different coordinates
# decorrelate), so $W_1 \to \frac{c}{d} B$: the error falls with the context length.

# %%
@jax.jit
def one_gd_step_direction(S):
    """(1/t) sum_{tau<t} s_{tau+1} s_tau^* s_t for every prefix length t: (..., t, d)."""
    t = jnp.arange(1, S.shape[-2] + 1)
    pair = S[..., 1:, :, None] * jnp.conj(S[..., :-1, None, :])            # s_{tau+1} s_tau^*
    pair = jnp.concatenate([jnp.zeros_like(pair[..., :1, :, :]), pair], axis=-3)
    M = jnp.cumsum(pair, axis=-3) / t[:, None, None]                       # (..., t, d, d)
    return jnp.einsum("...ij,...j->...i", M, S)


def mean_error(pred, S_next):
    """Mean over the sequences of |pred_t - s_{t+1}|^2, for each position t."""
    return np.mean(np.sum(np.abs(np.asarray(pred) - S_next) ** 2, -1), axis=0)


# the best step constant c for one GD step, fitted on the training sequences
X_gd = np.asarray(one_gd_step_direction(S_train[:4096, :-1]))
c_gd = np.vdot(X_gd, S_train[:4096, 1:]).real / np.vdot(X_gd, X_gd).real

ctx, nxt = S_test[:, :-1], S_test[:, 1:]
err_model = mean_error(predict(params, ctx), nxt)
err_gd = mean_error(c_gd * one_gd_step_direction(ctx), nxt)
err_trivial = mean_error(ctx, nxt)
t_axis = np.arange(1, T_test + 1)

fig, ax = plt.subplots()
ax.loglog(t_axis, err_trivial, color="gray", label=r"trivial $\hat s_{t+1} = s_t$")
ax.loglog(t_axis, err_gd, "k--", label=f"one GD step ($c$ = {c_gd:.2f})")
ax.loglog(t_axis, err_model, "C0", lw=2.5, alpha=0.7, label="trained transformer")
ax.axvline(T, color="C3", lw=0.8, ls=":", label=f"training length $T$ = {T}")
ax.set(xlabel="context length $t$", ylabel=r"mean $\|\hat s_{t+1} - s_{t+1}\|^2$",
       title="Prediction error on new matrices $B$")
ax.legend()
plt.show()

slope = loglog_slope(t_axis[4:T], err_model[4:T])
gap_gd = np.abs(err_model[1:] - err_gd[1:]) / err_gd[1:]       # t >= 2
print(f"error at t = 5, {T}, {T_test}: {err_model[4]:.3f}, {err_model[T - 1]:.3f}, "
      f"{err_model[-1]:.3f}   (trivial: {err_trivial[T - 1]:.2f})")
print(f"log-log slope of the error over t in [5, {T}]: {slope:.2f}")
print(f"relative gap between the model's and one GD step's errors, t >= 2: "
      f"{gap_gd.mean():.1%} on average, {gap_gd.max():.1%} at most")
assert err_model[T - 1] < 0.1 * err_trivial[T - 1]            # far below the trivial guess
assert err_model[T - 1] < 0.5 * err_model[4] and err_model[9] < err_model[4]   # falls with t
assert err_model[-1] < err_model[T - 1]                       # and keeps falling past T
assert slope < -0.5
assert gap_gd.mean() < 0.05                                   # it errs just like one GD step

# %% [markdown]
# One sequence of the test set, seen through its first coordinate: the prediction picks up the
# new rotation from the context, more and more closely as the context grows (its amplitude
# stays a bit short, by the factor $c/d < 1$ discussed below).

# %%
pred_one = np.asarray(predict(params, ctx[:1, :80]))[0, :, 0]
fig, ax = plt.subplots(figsize=(9, 3))
ax.plot(np.arange(1, 82), S_test[0, :81, 0].real, "k.-", lw=0.8, label="$s_t$ (new $B$)")
ax.plot(np.arange(2, 82), pred_one.real, "o", ms=4, mfc="none", color="C1",
        label=r"prediction $\hat s_t$ from $s_1..s_{t-1}$")
ax.set(xlabel="time $t$", ylabel=r"$\mathrm{Re}\, s_{t,1}$", title="In-context prediction")
ax.legend(loc="upper right")
plt.show()

# %% [markdown]
# ## 2. It estimates $B$: the matrix read off the context
#
# The prediction is a matrix applied to the query, $\hat s_{t+1} = [W_V C_t W_{KQ}]_{1}\, e_t$,
# and $e_t = (0, s_t, s_{t-1})$. Its block acting on $s_t$,
# $$ \Gamma_t = \big[W_V C_t W_{KQ}\big]_{\text{block }(1, 2)} \in \mathbb{C}^{d\times d}, $$
# is the model's *estimate of $B$* built from the context: the weights are fixed, $C_t$ holds
# the data. The theory says that $\Gamma_t = \frac{c}{t}\sum_{\tau<t} s_{\tau+1}s_\tau^*$, one
# gradient step (up to phases discussed below). The diagonal entries of $\Gamma_t$ should
# approach the eigenvalues $e^{i\theta_k}$ of $B$ (times $c/d$), and the other entries vanish.

# %%
W_KQ, W_V = map(np.asarray, as_complex(params))
a_diag = np.diag(W_V[:d, d:2 * d])           # value: s_tau -> first block
b_diag = np.diag(W_KQ[2 * d:, d:2 * d])      # key s_{tau-1} against query s_t
c_model = np.mean(a_diag * b_diag).real
phases = a_diag / np.abs(a_diag)


@jax.jit
def gamma(S_ctx):
    """The matrix Gamma_t the model applies to s_t, for the context S_ctx (n, t, d): (n, d, d)."""
    E = tokens(S_ctx)
    C = jnp.einsum("nti,ntj->nij", E, jnp.conj(E)) / S_ctx.shape[1]
    return (W_V[:d] @ C @ W_KQ)[:, :, d:2 * d]


def gd_matrix(S_ctx):
    """One GD step (c/t) sum_{tau<t} s_{tau+1} s_tau^*, with the model's constant c."""
    return c_model * np.einsum("nti,ntj->nij", S_ctx[:, 1:], S_ctx[:, :-1].conj()) / S_ctx.shape[1]


def rel(A, B):
    """|A - B| / |B| (Frobenius) for each matrix of the stacks A, B (n, d, d)."""
    return np.linalg.norm(A - B, axis=(1, 2)) / np.linalg.norm(B, axis=(1, 2))


B_mat = lam_test[:, :, None] * np.eye(d)           # B = diag(e^{i theta})
t_read = T_test
G = np.asarray(gamma(S_test[:, :t_read]))
G_gd = gd_matrix(S_test[:, :t_read])
D = np.diag(phases)
kappa = c_model / d
err_B = np.median(rel(G, B_mat))
err_B_dir = np.median(rel(G / kappa, B_mat))
err_id = np.median(rel(np.broadcast_to(np.eye(d), B_mat.shape), B_mat))
err_gd_plain = np.median(rel(G, G_gd))
err_gd_phase = np.median(rel(G, D @ G_gd @ D.conj().T))
print(f"model's step constant c = {c_model:.3f} (best one-GD-step constant: {c_gd:.3f}); "
      f"c/d = {kappa:.3f}")
print(f"t = {t_read}: median |Gamma - B|/|B| = {err_B:.3f}, after dividing by c/d: "
      f"{err_B_dir:.3f} (the identity, i.e. the trivial guess: {err_id:.2f})")
print(f"median |Gamma - one GD step| / |GD step| = {err_gd_plain:.3f}, "
      f"up to the phases D below: {err_gd_phase:.4f}")
assert abs(c_model - c_gd) < 0.05 * c_gd          # the step size is the best one for one step
assert err_B < 0.35 and err_B_dir < 0.1 < err_id / 4
assert err_gd_phase < 0.05                        # Gamma IS one gradient step

# %% [markdown]
# Two remarks on these numbers.
# * **Step size.** The learned constant is $c \approx 0.8\, d$. Since $\frac1t\sum_\tau
#   s_\tau s_\tau^* \approx I/d$, the inner problem is perfectly conditioned (its Hessian is
#   about $\frac td I$) and one step of size $1/L = d/t$ would land on $B$ for long contexts.
#   But the model is also trained on short contexts, where the estimate is noisy and a shorter
#   step is safer: it picks the best compromise, the constant $c$ fitted above.
# * **Phases.** The loss does not see the phase of each coordinate in the weights: replacing
#   the diagonal value and key-query blocks $a I, b I$ by $a D, b D^*$ with $D$ a diagonal of
#   unit complex numbers only rotates the cross-terms between different coordinates, whose
#   angles are independent, and leaves the expected loss unchanged. Training ends on such a
#   $D$ (random, from the initialisation); undoing it, $\Gamma_t = D\,(\text{one GD step})\,D^*$
#   to about 2%.
#
# Move the slider: as the context grows, the diagonal of $\Gamma_t$ (dots) lines up with the
# eigenvalues of $B$ (crosses, on the unit circle), scaled by $c/d$.

# %%
circle = np.exp(2j * np.pi * np.linspace(0, 1, 200))


def show_estimate(t=30, sequence=0):
    g = np.asarray(gamma(S_test[sequence:sequence + 1, :t]))[0]
    lam = lam_test[sequence]
    fig, ax = plt.subplots(figsize=(4.6, 4.6))
    ax.plot(circle.real, circle.imag, color="gray", lw=0.8)
    ax.plot(kappa * circle.real, kappa * circle.imag, color="gray", lw=0.8, ls=":")
    ax.plot(lam.real, lam.imag, "kx", ms=9, mew=2, label=r"eigenvalues $e^{i\theta_k}$ of $B$")
    ax.plot(np.diag(g).real, np.diag(g).imag, "o", color="C1", label=r"diagonal of $\Gamma_t$")
    off = float(np.linalg.norm(g - np.diag(np.diag(g))) / np.linalg.norm(g))
    ax.set(xlim=(-1.2, 1.2), ylim=(-1.2, 1.2), aspect="equal", xlabel="real part",
           ylabel="imaginary part", title=f"context t = {t}: off-diagonal share {off:.0%}")
    ax.legend(loc="lower left", fontsize=8)
    plt.show()


interact(show_estimate, t=IntSlider(30, 2, T_test, description="context t"),
         sequence=IntSlider(0, 0, 19, description="sequence"));

# %% [markdown]
# ## 3. The trained weights
#
# For $\Gamma_t$ to be one gradient step, the value map must copy $s_\tau$ into the prediction
# slot, $W_V = a I$ on block (first, $s$), and the key-query map must compare the *previous*
# state of token $\tau$ with the *current* state of the query, $W_{KQ} = b I$ on block
# (key $s_{\tau-1}$, query $s_t$); every other entry should vanish (up to the phases $D$ above).
# Then $\hat s_{t+1} = \frac{ab}{t}\sum_\tau s_\tau\, (s_{\tau-1}^* s_t)$, the GD step with
# $c = ab$. Here are the moduli of the trained matrices.

# %%
blocks = ["0", "$s_t$", "$s_{t-1}$"]
fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
for ax, W, title, xl, yl in ((axes[0], W_V, r"$|W_V|$", "input block", "output block"),
                             (axes[1], W_KQ, r"$|W_{KQ}|$", "query block", "key block")):
    im = ax.imshow(np.abs(W), cmap="magma")
    for x in (d - 0.5, 2 * d - 0.5):
        ax.axhline(x, color="w", lw=0.6)
        ax.axvline(x, color="w", lw=0.6)
    ticks = [(d - 1) / 2, d + (d - 1) / 2, 2 * d + (d - 1) / 2]
    ax.set(xticks=ticks, yticks=ticks, xticklabels=blocks, yticklabels=blocks, title=title,
           xlabel=xl, ylabel=yl)
    ax.grid(False)
    fig.colorbar(im, ax=ax, shrink=0.8)
plt.show()

# structure: in the blocks that act on the prediction, all but the two diagonals is small
V_rel, KQ_rel = W_V[:d, d:].copy(), W_KQ[d:, d:].copy()
V_rel[:, :d] -= np.diag(a_diag)
KQ_rel[d:, :d] -= np.diag(b_diag)
off_V = np.linalg.norm(V_rel) / np.linalg.norm(a_diag)
off_KQ = np.linalg.norm(KQ_rel) / np.linalg.norm(b_diag)
spread = np.max(np.abs(a_diag * b_diag - c_model)) / c_model
print(f"|a_k| = {np.round(np.abs(a_diag), 3)},  |b_k| = {np.round(np.abs(b_diag), 3)}")
print(f"products a_k b_k = {np.round(a_diag * b_diag, 3)}")
print(f"energy off the two diagonals: {off_V:.3f} (W_V), {off_KQ:.3f} (W_KQ)")
assert off_V < 0.05 and off_KQ < 0.05        # scalar (times phases) on one block, zero elsewhere
assert spread < 0.05                         # a_k b_k = c, the same real constant for every k
