# %% [markdown]
# # 13. Induction heads, and attention in place of convolution
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/13_induction_vit.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/mathematics-of-ai/numerical-tours/main?urlpath=lab/tree/tours/13_induction_vit.ipynb)
#
# Tour 11 trained a small language model by next-token prediction and saw it beat the bigram.
# This tour asks *what* such training can discover, on data small enough to see inside the
# model. Part 1 trains a two-layer, attention-only transformer on random token strings that
# are repeated once (Olsson et al., *In-context learning and induction heads*, 2022). Nothing
# in a random string can be predicted from statistics; only **copying** from earlier in the
# context helps, and the network finds a two-head circuit that does it, an **induction head**,
# which we locate in its attention maps and then switch off. Part 2 puts attention where tour 7
# put convolution: a small **vision transformer** (ViT, Dosovitskiy et al., 2021) on the
# $8\times 8$ digits, beside tour 7's CNN and two simpler baselines (logistic regression and a
# perceptron), on accuracy, parameter count, digits shifted by one pixel, and digits shifted by
# one whole patch.

# %%
# On Colab, install the tours' helper package; elsewhere `make` has installed it already.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "aitours @ git+https://github.com/mathematics-of-ai/numerical-tours@v0.2.0"], check=True)

# %%
import time
from functools import partial

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from aitours import lm
from aitours.conv import conv2d, max_pool, shift
from aitours.nn import count_params, init_mlp, mlp, normals
from aitours.plotting import style
from aitours.train import fit

style()
t_start = time.perf_counter()

# %% tags=["parameters"]
# every PRNG key of the tour derives from SEED
SEED = 0
V = 32                  # vocabulary: tokens 0, ..., V - 1
L_MIN, L_MAX = 8, 16    # length of the random string, drawn uniformly in [L_MIN, L_MAX]
REPEAT = True           # the string is followed by a copy of itself (False: by fresh tokens)
D_MODEL = 32            # width of the token vectors
N_LAYERS = 2            # attention-only layers
N_HEADS = 2             # heads per layer
N_STEPS = 800           # Adam steps on the repeated strings
BATCH = 32              # sequences per step
LR = 1e-2               # peak learning rate of the induction model
WARMUP = 0.1            # share of the steps with a linear warm-up (then cosine decay), all models
N_SNAPSHOTS = 16        # parameter snapshots kept along the training (every 50 steps)
N_EVAL = 512            # fresh sequences the model is scored on
PREV_BIAS = 0.0         # initial bias of layer 1, head 1, towards the previous token (controls)
ABLATE = "previous-token"  # the heads switched off ("other": the other heads of layer 1)
PATCH = 4               # ViT patches of PATCH x PATCH pixels
VIT_STEPS = 400         # Adam steps of the two ViTs (with and without positional embeddings)
VIT_LR = 3e-3           # peak learning rate of the ViTs
POSITIONS = True        # positional embeddings in the ViT (the second ViT never has them)
CNN_STEPS = 400         # Adam steps of the CNN and of the perceptron (tour 7's)
CNN_LR = 1e-2           # their peak learning rate
DIGIT_BATCH = 48        # digits per step
LOGREG_C = (0.1, 1.0, 10.0)  # inverse penalties of logistic regression, chosen on validation
AUGMENT = False         # train every model on digits shifted at random by one pixel
BUG = None              # a slip in patchify: "no_transpose" (controls)

# %% tags=["controls"]
# Negative controls, run by `make controls`: each removes what some claims are about,
# and those claims must then fail.
CONTROLS = {
    "untrained": {"set": {"N_STEPS": 0, "VIT_STEPS": 0},
                  "kills": ["small fraction of log V", "previous-token head", "induction head",
                            "rise together", "vision transformer classifies"]},
    "no_repeat": {"set": {"REPEAT": False},
                  "kills": ["small fraction of log V", "previous-token head", "induction head",
                            "rise together"]},
    "one_layer": {"set": {"N_LAYERS": 1}, "kills": ["small fraction of log V", "induction head"]},
    "previous_token_head_built_in": {"set": {"PREV_BIAS": 8.0}, "kills": ["rise together"]},
    "ablate_the_other_heads": {"set": {"ABLATE": "other"}, "kills": ["switched off"]},
    "patch_layout_without_transpose": {"set": {"BUG": "no_transpose"},
                                       "kills": ["explicit loop", "every prediction unchanged"]},
    "vit_untrained": {"set": {"VIT_STEPS": 0},
                      "kills": ["vision transformer classifies", "ViT loses far more",
                                "costs the ViT"]},
    "augmented": {"set": {"AUGMENT": True},
                  "kills": ["ViT loses far more", "logistic regression and the perceptron"]},
    "no_positions": {"set": {"POSITIONS": False}, "kills": ["costs the ViT"]},
}

# %% [markdown]
# ## 1. Induction heads
#
# ### The data: a random string, then its repeat
#
# Each sequence has $T = 2 L_{\max}$ tokens $x_0, \dots, x_{T-1}$: a string $s$ of $L$ tokens drawn uniformly and
# independently from $\{0, \dots, V-1\}$, with $L$ uniform in $[L_{\min}, L_{\max}]$, then
# $s$ again, then fresh random tokens up to $T$:
# $$ x = (s_1, \dots, s_L,\; s_1, \dots, s_L,\; r_{2L+1}, \dots, r_T). $$
# The model is trained to predict every next token $x_{t+1}$ from $x_{\le t}$. In the **first
# copy** no predictor can beat $\log V$ nats per token: the next token is independent of the
# past. In the **repeat**, once $x_t = s_{i}$ has been read, the next token is $s_{i+1}$, which
# appeared right after the previous occurrence of $s_i$. The length $L$ varies, so that the
# repeat cannot be found by position alone: it must be found by content.

# %%
T = 2 * L_MAX
key = jax.random.PRNGKey(SEED)
k_init, k_train, k_eval, k_vit = jax.random.split(key, 4)


@partial(jax.jit, static_argnums=1)       # one program per n, not one per operation
def sequences(key, n):
    """n sequences (n, T) of tokens and their string lengths L (n,)."""
    k_len, k_tok = jax.random.split(key)
    L = jax.random.randint(k_len, (n,), L_MIN, L_MAX + 1)
    fresh = jax.random.randint(k_tok, (n, T), 0, V)
    t = jnp.arange(T)[None, :]
    in_repeat = (t >= L[:, None]) & (t < 2 * L[:, None]) & REPEAT
    source = jnp.where(in_repeat, t - L[:, None], t)          # the repeat copies the string
    return jnp.take_along_axis(fresh, source, axis=1), L


x_eval, L_eval = sequences(k_eval, N_EVAL)       # the fresh sequences the model is scored on
for x, L in zip(np.asarray(x_eval[:2]), np.asarray(L_eval[:2]), strict=True):
    print(f"L = {L:2d}:", " ".join(f"{c:2d}" for c in x))

# %% [markdown]
# ### An attention-only transformer
#
# Token $x_t$ enters as a learned vector $h^0_t = E[x_t] \in \mathbb R^d$. Each of the two
# layers adds the output of its heads to this **residual stream**, with no MLP and no layer
# norm: $h^{\ell} = h^{\ell-1} + \sum_k A^{\ell,k} h^{\ell-1} W_V^{\ell,k} W_O^{\ell,k}$, and the
# logits are $h^2 U$. Head $k$'s weights are tour 9's causal softmax attention, plus a learned
# bias $b^{\ell,k}_{t-j}$ that depends on the **relative position** $t-j$ only:
# $$ A^{\ell,k}_{tj} = \operatorname{softmax}_{j \le t}\Big(
#    \frac{\langle h_t W_Q^{\ell,k},\, h_j W_K^{\ell,k}\rangle}{\sqrt{d_k}} + b^{\ell,k}_{t-j}\Big). $$
# Positions thus never enter the residual stream, which holds token content only. (With
# absolute positional embeddings added to $E[x_t]$, the network can also copy by another
# circuit, which moves *positions* around; relative positions leave it one way to copy, the
# one we look for below.) The layer is written out here, since it is the object of study; its
# four maps $W_Q, W_K, W_V, W_O$ are drawn as in tour 11's transformer
# (`aitours.lm.init_attention`, entries $\mathcal N(0, 1/d)$), and the biases start at 0.

# %%
OFFSET = jnp.clip(jnp.arange(T)[:, None] - jnp.arange(T)[None, :], 0, T - 1)   # t - j
CAUSAL = jnp.arange(T)[:, None] >= jnp.arange(T)[None, :]         # query t sees keys j <= t


def transformer(params, x):
    """Logits (n, T, V) for the tokens x (n, T); attention weights (n, layers, heads, T, T)."""
    h = params["embed"][x]
    weights = []
    for layer in params["layers"]:
        q, k, v = (h[:, None] @ layer[w] for w in ("Wq", "Wk", "Wv"))        # (n, heads, T, d_k)
        scores = q @ jnp.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]) + layer["rel"][:, OFFSET]
        A = jax.nn.softmax(jnp.where(CAUSAL, scores, -jnp.inf), axis=-1)
        h = h + jnp.sum((A @ v) @ layer["Wo"], axis=1)
        weights.append(A)
    return h @ params["unembed"], jnp.stack(weights, axis=1)


def init_transformer(key):
    keys = jax.random.split(key, 2 + N_LAYERS)
    rel = jnp.zeros((N_LAYERS, N_HEADS, T)).at[0, 0, 1].set(PREV_BIAS)   # PREV_BIAS: a control
    return {"embed": jax.random.normal(keys[0], (V, D_MODEL)),
            "unembed": jax.random.normal(keys[1], (D_MODEL, V)) / np.sqrt(D_MODEL),
            "layers": [{**lm.init_attention(k, D_MODEL, N_HEADS), "rel": r}
                       for k, r in zip(keys[2:], rel, strict=True)]}


params0 = jax.jit(init_transformer)(k_init)       # one compiled program for all draws
print(f"{count_params(params0)} parameters")

# %% [markdown]
# ### Training, and the loss on each half
#
# The loss is the mean cross-entropy of all the next-token predictions of a batch
# (`aitours.lm.cross_entropy`), minimised by Adam with `aitours.train.fit`; the loss function
# draws a fresh batch of sequences from the key `fit` hands it at every step. `fit` runs
# `N_STEPS / N_SNAPSHOTS` steps at a time, and resumes from the optimiser state it returns, so
# that a snapshot of the parameters is kept between two runs. We follow two parts of the loss
# separately: the **first half**, query positions $t \le L-2$ (predicting $s_2, \dots, s_L$ of
# the first copy), and the **repeat**, queries $L \le t \le 2L-2$ (predicting $s_2, \dots, s_L$
# again, once the current token $x_t$ is itself in the repeat).

# %%
def losses(params, x, L):
    """Mean cross-entropy over all positions, on the first half and on the repeat; attention."""
    logits, A = transformer(params, x)
    t, L = jnp.arange(T - 1)[None, :], L[:, None]          # query t predicts x_{t+1}
    first, repeat = t <= L - 2, (t >= L) & (t <= 2 * L - 2)
    nll = partial(lm.cross_entropy, logits[:, :-1], x[:, 1:])  # weights: the positions kept
    return nll(), (nll(first), nll(repeat)), A


def loss_fn(params, data, key):            # fit's signature; no data set: each batch is drawn
    return losses(params, *sequences(key, BATCH))[0]


optimizer = optax.adam(optax.warmup_cosine_decay_schedule(
    0.0, LR, int(WARMUP * N_STEPS), max(N_STEPS, int(WARMUP * N_STEPS) + 1)))
CHECK_EVERY = max(N_STEPS // N_SNAPSHOTS, 1)
t0 = time.perf_counter()
params, opt_state, snapshots = params0, None, [params0]
for k in jax.random.split(k_train, N_STEPS // CHECK_EVERY):
    params, opt_state, _ = fit(loss_fn, params, optimizer, CHECK_EVERY, key=k,
                               opt_state=opt_state, chunk=CHECK_EVERY, progress=False)
    snapshots.append(params)
snapshots = jax.tree.map(lambda *a: jnp.stack(a), *snapshots)       # leading axis: snapshot
steps = CHECK_EVERY * np.arange(len(jax.tree.leaves(snapshots)[0]))
print(f"{N_STEPS} steps in {time.perf_counter() - t0:.1f} s")

# %% [markdown]
# ### It copies: the loss on the repeat falls to a small fraction of $\log V$
#
# On `N_EVAL` fresh sequences: in the first half the loss stays at or above $\log V$ (asserted
# as a sanity check: it cannot go below, up to sampling noise), while on the repeat it falls
# to a small fraction of $\log V$, the loss of the best prediction that does not copy. Over
# the project's 20 seeds (0–9 and 10 drawn at random) the ratio was 0.165–0.194; we assert 0.25.
# Without repetition in the data (control `REPEAT = False`) it stays at 1, and with a single
# attention layer (control `N_LAYERS = 1`) at about 0.8: one layer can raise the probability
# of the tokens present in the context, not tell which one comes next.

# %%
losses_jit = jax.jit(losses)
_, (loss_first, loss_repeat), A_eval = losses_jit(params, x_eval, L_eval)
loss_first, loss_repeat = float(loss_first), float(loss_repeat)
curves = np.asarray(jax.lax.map(lambda p: jnp.stack(losses(p, x_eval, L_eval)[1]), snapshots))
print(f"log V = {np.log(V):.3f}; loss on the first half {loss_first:.3f}, on the repeat "
      f"{loss_repeat:.3f} nats per token: {loss_repeat / np.log(V):.3f} log V")
assert loss_first > np.log(V) - 0.1, "sanity: nothing predicts the first copy of a random string"
assert loss_repeat / np.log(V) < 0.25, "claim: on the repeat the loss falls to a small fraction of log V"

fig, ax = plt.subplots(figsize=(7, 3.6))
for i, name in enumerate(("first half", "repeat")):
    ax.plot(steps, curves[:, i], "o-", ms=3, label=name)
ax.axhline(np.log(V), color="gray", ls="--", lw=1, label=r"$\log V$")
ax.set(xlabel="Adam step", ylabel="cross-entropy (nats per token)", ylim=(0, np.log(V) + 1),
       title=f"Next-token loss on {N_EVAL} fresh sequences, along the training")
ax.legend()
plt.show()

# %% [markdown]
# The loss on the repeat does not decrease steadily: it sits on a **plateau** near $\log V$ for
# some 200 steps (the largest drop began at step 200 to 300 over the 20 seeds), then **drops**
# within one or two snapshots, a phase transition that Olsson et al. observed in large language
# models too. At the same moment the loss on the first half rises a little *above* $\log V$:
# the model now bets on copying whenever a token recurs, and in the first copy tokens recur
# only by chance. What formed at that moment? We look inside.
#
# ### The previous-token head
#
# An induction head needs to know, at each earlier position $j$, which token came *before*
# $x_j$. A head of layer 1 can write that into the residual stream at $j$ by attending from
# $j$ to $j - 1$: a **previous-token head**.
#
# *Exercise.* Given the attention weights `A` $(n, \text{layers}, \text{heads}, T, T)$ (query
# $t$, key $j$), return the **previous-token score** of each head, shape $(\text{layers},
# \text{heads})$: the mean of $A_{t, t-1}$ over the $n$ sequences and the queries
# $t = 1, \dots, T-1$.
#
# The baseline is uniform causal attention, weight $1/(t+1)$ on each key: a score of 0.10.
# Over the 20 seeds the best head scored 0.41–0.49, and was always in layer 1; we assert that
# the best head is in layer 1 and scores more than 3 times the baseline.

# %%
def previous_token_score(A):
    ### BEGIN SOLUTION
    return jnp.diagonal(A, offset=-1, axis1=-2, axis2=-1).mean(axis=(0, -1))
    ### END SOLUTION
    ### STUB return jnp.zeros(A.shape[1:3])  # your code here: mean of A[..., t, t - 1]


# the same score of uniform causal attention, 1 / (t + 1) at query t
uniform_prev = float(np.mean(1 / np.arange(2, T + 1)))
prev = np.asarray(previous_token_score(A_eval))
prev_head = np.unravel_index(prev.argmax(), prev.shape)      # (layer, head), found not chosen
print(f"previous-token score (rows: layers, columns: heads):\n{prev.round(2)}")
print(f"uniform attention: {uniform_prev:.3f}; best head: layer {prev_head[0] + 1}, "
      f"head {prev_head[1] + 1}")
assert prev_head[0] == 0 and prev.max() > 3 * uniform_prev, \
    "claim: layer 1 holds a previous-token head"

# %% [markdown]
# ### The induction head
#
# Now a head of layer 2 can look for the token $j$ whose *previous* token equals the current
# one, $x_{j-1} = x_t$ (its query reads $x_t$, its key the previous token written at $j$ by the
# previous-token head: the two heads compose), and copy $x_j$ to the output. In the repeat,
# query $t$ (with $x_t = s_i$, $i = t - L + 1$) should attend to the token right after the
# previous occurrence of $s_i$, at position $j = t - L + 1$, which holds $s_{i+1} = x_{t+1}$.
#
# *Exercise.* Given the string lengths `L` $(n,)$, return the **induction targets**, an int
# array $(n, T)$: $t - L + 1$ at the queries of the repeat, $L \le t \le 2L-2$, and $-1$ at the
# other queries (no target). The induction score of a head (written for you) is its mean
# attention from each query to its target.
#
# Uniform attention scores 0.057. Over the 20 seeds the best head put 0.75–0.80 of its weight
# on the target, and was always in layer 2; we assert layer 2, more than half the weight, and
# more than 5 times the baseline.

# %%
def induction_targets(L):
    t, L = jnp.arange(T)[None, :], L[:, None]
    ### BEGIN SOLUTION
    return jnp.where((t >= L) & (t <= 2 * L - 2), t - L + 1, -1)
    ### END SOLUTION
    ### STUB return jnp.full_like(t + L, -1)  # your code here: t - L + 1 in the repeat, else -1


def induction_score(A, targets):
    """Mean attention weight from each query to its target, per (layer, head)."""
    has = targets >= 0
    w = jnp.take_along_axis(A, jnp.maximum(targets, 0)[:, None, None, :, None], axis=-1)[..., 0]
    return jnp.sum(w * has[:, None, None], axis=(0, 3)) / jnp.maximum(has.sum(), 1)


targets = jax.jit(induction_targets)(L_eval)       # compiled: one program, not one per operation
# the same score of uniform causal attention: weight 1 / (t + 1) on the target of query t
has = np.asarray(targets) >= 0
uniform_ind = float(np.sum(has / (np.arange(T) + 1)) / max(has.sum(), 1))
ind = np.asarray(jax.jit(induction_score)(A_eval, targets))
ind_head = np.unravel_index(ind.argmax(), ind.shape)
print(f"induction score (rows: layers, columns: heads):\n{ind.round(2)}")
print(f"uniform attention: {uniform_ind:.3f}; best head: layer {ind_head[0] + 1}, "
      f"head {ind_head[1] + 1}")
assert ind_head[0] == 1 and ind.max() > 0.5 and ind.max() > 5 * uniform_ind, \
    "claim: layer 2 holds an induction head"

# %% [markdown]
# The two heads, on one sequence: the previous-token head is a sub-diagonal; the induction
# head, in the repeat, a diagonal $L - 1$ positions below the main one (query $t$ reads key
# $t - L + 1$). Both heads were found by their scores above, not chosen by hand.

# %%
L_np = np.asarray(L_eval)
b = int(np.argmin(np.abs(L_np - 12)))                     # a sequence with L close to 12
L_b = int(L_np[b])
fig, axes = plt.subplots(1, 2, figsize=(11, 5.2))
for ax, (layer, head), name in zip(axes, (prev_head, ind_head), ("previous-token", "induction"),
                                   strict=True):
    ax.imshow(np.asarray(A_eval)[b, layer, head], cmap="viridis", vmin=0, vmax=1)
    ax.axvline(L_b - 0.5, color="w", lw=0.8)
    ax.axhline(L_b - 0.5, color="w", lw=0.8)
    ax.set(xlabel="key position j", ylabel="query position t",
           title=f"{name} head: layer {layer + 1}, head {head + 1}")
    ax.grid(False)
fig.suptitle(f"Attention weights on one sequence (L = {L_b}, lines at t, j = L)")
plt.show()

# %% [markdown]
# ### The heads form at the drop
#
# The snapshots kept during training tell *when* the two heads appeared: we score the two heads
# found above in each snapshot, on the same sequences, beside the loss on the repeat. Let the
# **drop** be the largest fall of that loss between two consecutive snapshots; over a window of
# three snapshot intervals around it (the one before, the drop, the one after), both scores
# rise: over the 20 seeds by 0.30–0.39 (previous-token) and 0.63–0.68 (induction); we assert more
# than 0.25 for each. The control `PREV_BIAS = 8` builds the previous-token head in from the
# start (a bias of 8 towards the previous token in layer 1, head 1): the loss still drops,
# when the induction head forms, but the previous-token score has nothing left to gain there.

# %%
def head_scores(p):
    _, _, A = losses(p, x_eval, L_eval)
    return previous_token_score(A)[prev_head], induction_score(A, targets)[ind_head]


scores = np.stack(jax.jit(partial(jax.lax.map, head_scores))(snapshots), axis=1)  # (snapshots, 2)
falls = curves[:-1, 1] - curves[1:, 1]                   # fall of the loss on the repeat
drop = int(np.argmax(falls)) if falls.size else 0        # from snapshot drop to drop + 1
lo, hi = max(drop - 1, 0), min(drop + 2, len(steps) - 1)
rise = scores[hi] - scores[lo]
print(f"largest drop of the loss on the repeat: steps {steps[drop]} -> {steps[min(drop + 1, hi)]}"
      f"; from step {steps[lo]} to {steps[hi]} the previous-token score rises by {rise[0]:.2f},"
      f" the induction score by {rise[1]:.2f}")
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.plot(steps, curves[:, 1] / np.log(V), "o-", ms=3, color="C1", label=r"loss on the repeat / $\log V$")
for i, name in enumerate(("previous-token", "induction")):
    ax.plot(steps, scores[:, i], "o-", ms=3, color=f"C{2 + i}", label=f"{name} score")
ax.axvspan(steps[lo], steps[hi], color="gray", alpha=0.15, label="window around the drop")
ax.set(xlabel="Adam step", ylabel="score, loss ratio", ylim=(0, 1.3),
       title="The loss drops when the heads form")
ax.legend(fontsize=8)
plt.show()
assert rise.min() > 0.25, "claim: the previous-token and induction scores rise together at the loss drop"

# %% [markdown]
# ### Switch the previous-token heads off
#
# The scores say where the heads attend; an **ablation** says whether the model needs them.
# Set the output map $W_O$ of the previous-token heads to zero, so that they write nothing into
# the residual stream, and score the model again on the repeat. Without the previous token
# written at each position, the induction head has nothing to match, and the loss on the
# repeat should return near $\log V$. We switch off every head of layer 1 whose
# previous-token score exceeds twice the uniform one: in 14 of the 20 seeds that is the best head
# alone (the other head scored 0.19 at most), in 6 the other head of layer 1 scored 0.22 to 0.42
# as well, and the two share the job: switching off the best one alone then left the loss at
# 0.41 to 0.79 $\log V$. With the previous-token heads off, the loss returned to
# 0.79–0.86 $\log V$; we assert more than 0.7. The control `ABLATE = "other"` switches off the
# other heads of layer 1 instead (none, where both are previous-token heads), and the loss
# stays low (seed 0: 0.18 $\log V$).

# %%
def switch_off(params, heads):
    """The parameters with some heads (layer, head) silenced: their output maps W_O set to 0."""
    layers = [dict(lay) for lay in params["layers"]]
    for layer, head in heads:
        layers[layer]["Wo"] = layers[layer]["Wo"].at[head].set(0.0)
    return {**params, "layers": layers}


is_prev = prev[prev_head[0]] > 2 * uniform_prev             # the heads of the best one's layer
off = [(int(prev_head[0]), h) for h in range(N_HEADS) if is_prev[h] == (ABLATE != "other")]
loss_off = float(losses_jit(switch_off(params, off), x_eval, L_eval)[1][1])
print(f"switched off (layer, head): {[(la + 1, h + 1) for la, h in off]}; loss on the repeat "
      f"{loss_repeat:.3f} -> {loss_off:.3f} nats per token ({loss_off / np.log(V):.2f} log V)")
assert loss_off / np.log(V) > 0.7, \
    "claim: with the previous-token heads switched off, the loss on the repeat returns near log V"

# %% [markdown]
# **Back to tour 9.** There, a linear transformer trained by next-token prediction on
# sequences $s_{t+1} = B s_t$ learned to *estimate* $B$ from its context (one step of gradient
# descent on $\sum_t \|s_{t+1} - W s_t\|^2$) and to predict with it; its query lag was
# hard-wired. Here, a softmax transformer trained the same way on random strings learned to
# *copy*: find the previous occurrence of the current token and predict what followed it, with
# a previous-token head that it built itself. Neither algorithm was programmed; both were
# found by next-token training alone, and both run **in context**, on data the network never
# saw, with weights that do not change. Induction heads are found in large language models,
# and their formation coincides with a jump in their in-context learning (Olsson et al.).

# %% [markdown]
# ## 2. Attention in place of convolution
#
# ### Images as sequences of patches
#
# A vision transformer reads an image as a sequence: it cuts it into $p \times p$ **patches**,
# flattens each into a vector of $\mathbb R^{p^2}$, and treats the patches as tokens. We use the
# digits of tour 7, scaled to $[0, 1]$ and put in a $12 \times 12$ frame of zeros (so that a
# shift by one pixel loses nothing), and split them as train (1005), validation (252, for the
# choices) and test (540, used once).
#
# *Exercise.* Write `patchify(x, p)`: images `x` $(N, S, S, 1)$, $p$ dividing $S$, to patches
# $(N, (S/p)^2, p^2)$, the patches in reading order (left to right, then top to bottom) and
# the pixels of each patch in reading order too. (Hint: reshape to $(N, S/p, p, S/p, p)$.)

# %%
def patchify(x, p):
    N, S = x.shape[0], x.shape[1]
    ### BEGIN SOLUTION
    q = S // p
    return x.reshape(N, q, p, q, p).transpose(0, 1, 3, 2, 4).reshape(N, q * q, p * p)
    ### END SOLUTION
    ### STUB return jnp.zeros((N, (S // p) ** 2, p * p))  # your code here

# %% [markdown]
# The reference is the definition, one patch at a time: patch $(i, j)$ holds rows
# $ip, \dots, ip + p - 1$ and columns $jp, \dots, jp + p - 1$. We compare on an image whose
# 144 pixels are all different, so that any pixel out of place shows, for every $p$ dividing
# 12. A plausible slip, the reshape to $(N, (S/p)^2, p^2)$ without the transpose (it groups
# pixels that are consecutive in reading order, $p^2$ at a time, not squares), is swapped in by
# the control `BUG = "no_transpose"`; it yields arrays of the right shape, on which a ViT trains
# as well, and only this comparison (and the patch-shift test below) tells.

# %%
if BUG == "no_transpose":                     # the slip of the control: no transpose

    def patchify(x, p):  # noqa: F811
        q = x.shape[1] // p
        return x.reshape(x.shape[0], q * q, p * p)


def patches_by_loop(x, p):
    q = x.shape[1] // p
    return np.stack([np.asarray(x[:, i * p:(i + 1) * p, j * p:(j + 1) * p]).reshape(len(x), -1)
                     for i in range(q) for j in range(q)], axis=1)


x_check = np.arange(2 * 12 * 12, dtype=np.float32).reshape(2, 12, 12, 1)   # all different
mismatch = {p: int(np.sum(np.asarray(patchify(x_check, p)) != patches_by_loop(x_check, p)))
            for p in (2, 3, 4, 6)}
print(f"pixels out of place, per patch size p: {mismatch}")
assert sum(mismatch.values()) == 0, "claim: patchify cuts the patches an explicit loop over patches cuts"

# %%
digits = load_digits()
X = np.pad(digits.images / 16, ((0, 0), (2, 2), (2, 2)))[..., None].astype(np.float32)
X_rest, X_te, y_rest, y_te = train_test_split(X, digits.target, test_size=0.3,
                                              stratify=digits.target, random_state=SEED)
X_tr, X_va, y_tr, y_va = train_test_split(X_rest, y_rest, test_size=0.2, stratify=y_rest,
                                          random_state=SEED)
X_tr, X_va, X_te, y_tr, y_va, y_te = map(jnp.asarray, (X_tr, X_va, X_te, y_tr, y_va, y_te))
print(f"train {len(X_tr)}, validation {len(X_va)}, test {len(X_te)} digits of 12 x 12 pixels")

fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), gridspec_kw={"width_ratios": [1, 2.2]})
x_show, y_show = np.asarray(X_te[:1]), int(np.asarray(y_te)[0])   # one digit, as numpy
axes[0].imshow(x_show[0, ..., 0], cmap="gray_r")
axes[0].set(title=f"a test digit ({y_show})", xlabel="column", ylabel="row")
for c in np.arange(PATCH, 12, PATCH) - 0.5:            # the borders of the patches
    axes[0].axvline(c, color="C1", lw=1)
    axes[0].axhline(c, color="C1", lw=1)
axes[1].imshow(patchify(x_show, PATCH)[0], cmap="gray_r", aspect="auto")
axes[1].set(title=f"its {(12 // PATCH) ** 2} patches of {PATCH} x {PATCH} pixels, as tokens",
            xlabel="pixel of the patch", ylabel="token (patch)")
for ax in axes:
    ax.grid(False)
plt.show()

# %% [markdown]
# ### A small vision transformer, tour 7's CNN, and two baselines
#
# Each patch is mapped linearly to $\mathbb R^{d}$ ($d = 32$), and a learned **positional
# embedding** $P_t$ is added to token $t$. Two blocks as in tour 11 (pre-norm, 4 heads, an MLP
# of width $2d$; the attention is `aitours.lm.attention`, tour 11's, with no causal mask: every
# patch sees every patch) follow, and the outputs of the patch tokens are averaged (**mean
# pooling**; the original ViT reads an extra class token instead), normalised, and mapped to
# the 10 logits. Without $P$, nothing tells the ViT where a patch was: each block is
# equivariant to a permutation of the tokens (tour 9), and the mean is invariant, so the ViT
# would see a bag of patches. We train it both ways, with $P$ (**ViT**) and without
# (**ViT, no positions**), from the same initial weights and minibatches, in one program: the
# loss is the sum of the two networks' losses, whose gradient is the pair of their gradients.
# The CNN is tour 7's: $3\times3$ convolution to 16 channels, ReLU, $2\times 2$ max-pooling,
# $3\times 3$ convolution to 64 channels, ReLU, global max-pooling over positions, a dense layer.
# The simple baselines are tour 7's **perceptron** (one hidden layer of 64 ReLUs on the 144
# pixels) and **logistic regression** on the pixels (scikit-learn, its penalty chosen on the
# validation digits). The networks minimise the cross-entropy with Adam on minibatches.

# %%
def layer_norm(h):
    return (h - h.mean(-1, keepdims=True)) / jnp.sqrt(h.var(-1, keepdims=True) + 1e-5)


def init_vit(key, p=PATCH, d=32, heads=4, n_blocks=2):
    k_patch, k_pos, k_head, *k_blocks = jax.random.split(key, 3 + 2 * n_blocks)
    # the Gaussian draws as one compiled kernel (one jax.random.normal per array, same values)
    patch, pos, head, *W1 = normals([k_patch, k_pos, k_head, *k_blocks[1::2]],
                                    [(p * p, d), ((12 // p) ** 2, d), (d, 10)] + [(d, 2 * d)] * n_blocks)
    return {"patch": (patch / p, jnp.zeros(d)), "pos": 0.02 * pos, "head": head / np.sqrt(d),
            "blocks": [{"att": lm.init_attention(k_blocks[2 * i], d, heads),
                        "W1": W1[i] / np.sqrt(d), "b1": jnp.zeros(2 * d), "W2": jnp.zeros((2 * d, d))}
                       for i in range(n_blocks)]}


def vit(params, x, positions=POSITIONS):
    h = patchify(x, PATCH) @ params["patch"][0] + params["patch"][1]          # (N, n, d)
    if positions:
        h = h + params["pos"]
    for blk in params["blocks"]:
        h = h + lm.attention(blk["att"], layer_norm(h), causal=False)
        h = h + jax.nn.gelu(layer_norm(h) @ blk["W1"] + blk["b1"]) @ blk["W2"]
    return layer_norm(h.mean(axis=1)) @ params["head"]          # mean pooling over the patches


def vit_no_positions(params, x):
    return vit(params, x, positions=False)


# %%
def init_cnn(key, c1=16, c2=64):
    W1, W2, W3 = normals(jax.random.split(key, 3), [(3, 3, 1, c1), (3, 3, c1, c2), (c2, 10)])
    return {"conv1": (W1 * (2 / 9) ** 0.5, jnp.zeros(c1)),
            "conv2": (W2 * (2 / (9 * c1)) ** 0.5, jnp.zeros(c2)),
            "head": (W3 / np.sqrt(c2), jnp.zeros(10))}


def cnn(params, x):
    h = max_pool(jax.nn.relu(conv2d(x, *params["conv1"], impl="patches")))     # (N, 6, 6, 16)
    g = jax.nn.relu(conv2d(h, *params["conv2"], impl="patches")).max(axis=(1, 2))   # (N, 64)
    return g @ params["head"][0] + params["head"][1]


def perceptron(params, x):
    return mlp(params, x.reshape(len(x), -1), jax.nn.relu)

# %% [markdown]
# Training. The one-pixel moves of the test below are `aitours.conv.shift` by one pixel up,
# down, left or right (zeros fill the border); the control `AUGMENT = True` trains every model
# on digits moved at random by one of them (or not moved), each digit its own move (logistic
# regression sees each digit in its five positions).

# %%
MOVES = ((1, 0), (-1, 0), (0, 1), (0, -1))
SHIFTS = [partial(shift, dy=dy, dx=dx, circular=False) for dy, dx in ((0, 0),) + MOVES]


def summed_loss(models, params, batch, key):
    """The sum of the cross-entropies of independent models {name: model} on one minibatch."""
    x, y = batch
    if AUGMENT:
        moves = jax.random.randint(key, (len(x),), 0, len(SHIFTS))
        x = jax.vmap(lambda xi, i: jax.lax.switch(i, SHIFTS, xi))(x, moves)
    return sum(lm.cross_entropy(model(params[name], x), y) for name, model in models.items())


def train(models, params, n_steps, lr, key):
    if n_steps == 0:
        return params
    warmup = int(WARMUP * n_steps)
    opt = optax.adam(optax.warmup_cosine_decay_schedule(0.0, lr, warmup, max(n_steps, warmup + 1)))
    return fit(partial(summed_loss, models), params, opt, n_steps, (X_tr, y_tr), key=key,
               batch_size=DIGIT_BATCH, desc=", ".join(models))[0]

# %% [markdown]
# The two ViTs train together, then the CNN and the perceptron together; logistic regression
# keeps the penalty $C$ that scores best on the validation digits. The test digits are scored
# once, for every model.

# %%
t0 = time.perf_counter()
k_init_vit, k_fit_vit, k_init_cnn, k_fit_cnn, k_mlp = jax.random.split(k_vit, 5)
vits = {"ViT": vit, "ViT, no positions": vit_no_positions}
vit_params0 = jax.jit(init_vit)(k_init_vit)
trained = train(vits, dict.fromkeys(vits, vit_params0), VIT_STEPS, VIT_LR, k_fit_vit)
convs = {"CNN": cnn, "perceptron": perceptron}
trained |= train(convs, {"CNN": jax.jit(init_cnn)(k_init_cnn), "perceptron": init_mlp(
    k_mlp, (144, 64, 10), scale="he")}, CNN_STEPS, CNN_LR, k_fit_cnn)
nets = {name: (jax.jit(model), trained[name]) for name, model in (vits | convs).items()}

# %%
X_lr, y_lr = (np.concatenate([m(X_tr) for m in SHIFTS]), np.tile(y_tr, len(SHIFTS))) \
    if AUGMENT else (np.asarray(X_tr), np.asarray(y_tr))
with threadpool_limits(1, "blas"):     # one BLAS thread: on such small matrices, two only wait
    logregs = [LogisticRegression(C=C, max_iter=1000).fit(X_lr.reshape(len(X_lr), -1), y_lr)
               for C in LOGREG_C]
logreg = max(logregs, key=lambda m: m.score(np.asarray(X_va).reshape(len(X_va), -1), y_va))
print(f"trained in {time.perf_counter() - t0:.1f} s; logistic regression: C = {logreg.C}")


# %%
tests = {"centred": X_te,            # the moves are described below; one batch for all
         "moved by 1 pixel": jnp.concatenate([shift(X_te, dy, dx, circular=False)
                                              for dy, dx in MOVES]),
         "moved by 1 patch": jnp.concatenate([shift(X_te, PATCH * dy, PATCH * dx, circular=True)
                                              for dy, dx in MOVES])}
X_all = jnp.concatenate(list(tests.values()))
logits = {name: np.asarray(model(prm, X_all)) for name, (model, prm) in nets.items()}
names = ["logistic regression", "perceptron", "CNN", "ViT", "ViT, no positions"]
pred = {name: logits[name].argmax(1) for name in names[1:]} | {
    "logistic regression": logreg.predict(np.asarray(X_all).reshape(len(X_all), -1))}
correct = {name: p == np.tile(y_te, len(X_all) // len(y_te)) for name, p in pred.items()}
untrained = np.asarray(nets["ViT"][0](vit_params0, X_all)).argmax(1)[:len(X_te)]
untrained_acc = float(np.mean(untrained == y_te))
test_acc = {name: float(np.mean(correct[name][:len(X_te)])) for name in names}
n_params = {name: count_params(nets[name][1]) for name in names[1:]} | {
    "logistic regression": logreg.coef_.size + logreg.intercept_.size,
    "ViT, no positions": count_params({**trained["ViT, no positions"], "pos": ()})}  # pos unused
for name in names:
    print(f"{name}: {n_params[name]} parameters, test accuracy {test_acc[name]:.1%}")
print(f"untrained ViT: {untrained_acc:.1%}")
assert test_acc["ViT"] >= 0.91 and test_acc["ViT"] > untrained_acc + 0.5, \
    "claim: the vision transformer classifies the test digits"

# %% [markdown]
# Over the 20 seeds the ViT scored 92.8–97.4 % (we assert 91 %, and far above the untrained
# network's chance level), the CNN 95.2–99.1 %, logistic regression 95.0–98.0 % and the perceptron
# 95.7–98.0 %. Each seed also draws a different split, and one test digit is 0.19 %. On centred
# digits, then, **the ViT does about as well as a linear model** of the pixels, no better:
# from −2.4 to +0.4 points against logistic regression over the 20 seeds, with about 12
# times its parameters. The ViT without positional embeddings scores about as well as the ViT
# (from −2.3 to +1.3 points): on these centred digits, a bag of nine patches says enough. The gap
# on the next test is another matter.
#
# ### One pixel to the side
#
# Shift every test digit by one pixel, in each of the four directions. The CNN's convolutions
# are equivariant and its global pooling invariant: only the stride-2 pooling stands in the
# way (tour 7). Nothing in the ViT is equivariant: its patches are cut at fixed places, so a
# shift by one pixel changes every token, and its positional embeddings tie what it learnt to
# where it was. Logistic regression and the perceptron see pixels at fixed places too.
# Invariance must then be learnt from data; our training digits, centred, never showed it.
#
# ### One patch to the side
#
# A **circular** shift by $p = 4$ pixels (what leaves one side comes back on the other) moves
# every patch to the place of another: it permutes the tokens, and changes nothing else. A ViT
# without positional embeddings is invariant to any permutation of its tokens, so its
# predictions must not change at all; the ViT with positions sees its patches in new places.
# (The digit itself is cut in two by this shift: only a bag of patches does not mind.)

# %%
n_te = len(X_te)                         # rows of n_te digits: centred, 4 x 1 pixel, 4 x 1 patch
rows = {"centred": slice(0, 1), "moved by 1 pixel": slice(1, 1 + len(MOVES)),
        "moved by 1 patch": slice(1 + len(MOVES), None)}
acc = {test: {name: float(correct[name].reshape(-1, n_te)[r].mean()) for name in names}
       for test, r in rows.items()}
drop = {test: {name: acc["centred"][name] - acc[test][name] for name in names}
        for test in tests}
bag = logits["ViT, no positions"]                               # (centred, 1 pixel, 1 patch)
patch_gap = float(np.abs(bag[-len(MOVES) * n_te:] - np.tile(bag[:n_te], (len(MOVES), 1))).max())
for name in names:
    print(f"{name:>20}: " + ", ".join(f"{test} {acc[test][name]:.1%}" for test in tests))
print(f"ViT, no positions, moved by one patch: logits change by {patch_gap:.1e} at most")

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), gridspec_kw={"width_ratios": [2.2, 1]})
width = 0.8 / len(tests)
for i, test in enumerate(tests):
    axes[0].bar(np.arange(len(names)) + (i - 1) * width, [acc[test][n] for n in names], width,
                label=test)
axes[0].set(xticks=range(len(names)), ylabel="test accuracy", ylim=(0, 1.1),
            title="Test digits, centred and moved")
axes[0].set_xticklabels(names, fontsize=8)
axes[0].legend(fontsize=8, loc="lower left")
axes[1].bar(range(len(names)), [n_params[n] for n in names], color="C4")
axes[1].set(xticks=range(len(names)), ylabel="parameters", title="Size")
axes[1].set_xticklabels(names, fontsize=7, rotation=30, ha="right")
plt.show()
one = drop["moved by 1 pixel"]
assert one["ViT"] > one["CNN"] + 0.2, \
    "claim: under a one-pixel shift the ViT loses far more accuracy than the CNN"
assert min(one["logistic regression"], one["perceptron"]) > one["CNN"] + 0.2, \
    "claim: under a one-pixel shift logistic regression and the perceptron lose far more than the CNN"
assert patch_gap < 1e-4, \
    "claim: without positional embeddings a shift by whole patches leaves every prediction unchanged"
assert drop["moved by 1 patch"]["ViT"] > 0.1, \
    "claim: with positional embeddings a shift by whole patches costs the ViT accuracy"

# %% [markdown]
# What the numbers say (the 20 seeds): a one-pixel shift costs the CNN 10–26 points, the ViT
# 56–62, logistic regression 51–57 and the perceptron 48–55; each of the three
# lost at least 25 points more than the CNN, we assert 20. Under the shift the ViT fares
# like the linear model: the collapse is that of every model that reads pixels at fixed places,
# and the convolution is what avoids it. A convolution is not a weaker kind of attention: a
# multi-head self-attention layer with $k^2$ heads and relative positional encodings can
# express any $k \times k$ convolution, each head attending to one offset (Cordonnier, Loukas
# and Jaggi, *On the relationship between self-attention and convolutional layers*, ICLR 2020).
# What the CNN has from its architecture, then, the ViT could learn, but must learn from data.
# Train every model on digits moved at random by these same one-pixel shifts (`AUGMENT = True`,
# the negative control of these two claims) and neither claim holds any more: the ViT, like
# the two baselines, learns the invariance from examples of it, for the moves it is shown
# (and logistic regression, a single linear map, only in part). The harder task has its price
# in the same 400 steps: the ViT trained so scores 91.9 % on the centred digits (seed 0, against
# 96.7 % without the moves), just above the 91 % of the first claim. Large ViTs learn
# such invariances from large data sets and augmentation, which is why they overtake CNNs at
# scale, not on 1005 digits.
#
# The whole-patch shift separates the two ViTs: without positions, the logits moved by
# 6e-6 at most (round-off: the same sums in another order), every prediction unchanged;
# with positions, the ViT lost 17–35 points over the 20 seeds (we assert 10). The control
# `POSITIONS = False` removes its positional embeddings, and the loss with them. (The CNN's
# convolutions here pad circularly, so it is invariant to this even shift as well; the perceptron
# and logistic regression fall to about chance.) The patch-layout slip (`BUG = "no_transpose"`)
# breaks the invariance: its "patches" are runs of 16 pixels, which a shift by 4 columns does
# not permute.

# %%
print(f"tour ran in {time.perf_counter() - t_start:.1f} s (after imports)")
