# %% [markdown]
# # 13. Induction heads
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/13_induction_heads.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/mathematics-of-ai/numerical-tours/main?urlpath=lab/tree/tours/13_induction_heads.ipynb)
#
# Tour 11 trained a small language model by next-token prediction and saw it beat the bigram.
# This tour asks *what* such training can discover, on data small enough to see inside the
# model. It trains a two-layer, attention-only transformer on random token strings that are
# repeated once (Olsson et al., *In-context learning and induction heads*, 2022). Nothing in a
# random string can be predicted from statistics; only **copying** from earlier in the context
# helps, and the network finds a two-head circuit that does it, an **induction head**, which we
# locate in its attention maps, watch form during training, and then switch off. Tour 14 puts
# attention to another use, in place of convolution on images.

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

from aitours import lm
from aitours.nn import count_params
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
WARMUP = 0.1            # share of the steps with a linear warm-up (then cosine decay)
N_SNAPSHOTS = 16        # parameter snapshots kept along the training (every 50 steps)
N_EVAL = 512            # fresh sequences the model is scored on
PREV_BIAS = 0.0         # initial bias of head 1 of layer PREV_LAYER towards the previous token
PREV_LAYER = 1          # the layer of that head (controls)
ABLATE = "previous-token"  # the heads switched off ("other": the other heads of layer 1)
BUG = None              # a slip of the scoring: "repeat_mask", "duplicate_targets" (controls)

# %% tags=["controls"]
# Negative controls, run by `make controls`: each removes what some claims are about,
# and those claims must then fail.
CONTROLS = {
    "untrained": {"set": {"N_STEPS": 0},
                  "kills": ["small fraction of log V", "previous-token head", "induction head",
                            "rise together"]},
    "no_repeat": {"set": {"REPEAT": False},
                  "kills": ["small fraction of log V", "previous-token head", "induction head",
                            "rise together"]},
    "one_layer": {"set": {"N_LAYERS": 1}, "kills": ["small fraction of log V", "induction head"]},
    "previous_token_head_built_in": {"set": {"PREV_BIAS": 8.0}, "kills": ["rise together"]},
    "previous_token_head_built_into_layer_2": {"set": {"PREV_BIAS": 8.0, "PREV_LAYER": 2},
                                               "kills": ["previous-token head", "rise together"]},
    "repeat_mask_two_too_long": {"set": {"BUG": "repeat_mask"}, "kills": ["small fraction of log V"]},
    "duplicate_token_targets": {"set": {"BUG": "duplicate_targets"},
                                "kills": ["induction head", "rise together"]},
    "ablate_the_other_heads": {"set": {"ABLATE": "other"}, "kills": ["switched off"]},
}

# %% [markdown]
# ## The data: a random string, then its repeat
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
k_init, k_train, k_eval, _ = jax.random.split(key, 4)   # the fourth key is not used


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
# ## An attention-only transformer
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
    rel = jnp.zeros((N_LAYERS, N_HEADS, T)).at[PREV_LAYER - 1, 0, 1].set(PREV_BIAS)  # controls
    return {"embed": jax.random.normal(keys[0], (V, D_MODEL)),
            "unembed": jax.random.normal(keys[1], (D_MODEL, V)) / np.sqrt(D_MODEL),
            "layers": [{**lm.init_attention(k, D_MODEL, N_HEADS), "rel": r}
                       for k, r in zip(keys[2:], rel, strict=True)]}


params0 = jax.jit(init_transformer)(k_init)       # one compiled program for all draws
print(f"{count_params(params0)} parameters")

# %% [markdown]
# ## Training, and the loss on each half
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
    last = 2 * L if BUG == "repeat_mask" else 2 * L - 2   # the control's slip: 2 queries too many
    first, repeat = t <= L - 2, (t >= L) & (t <= last)
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
# ## It copies: the loss on the repeat falls to a small fraction of $\log V$
#
# On `N_EVAL` fresh sequences: in the first half the loss stays at or above $\log V$ (asserted
# as a sanity check: it cannot go below, up to sampling noise), while on the repeat it falls
# to a small fraction of $\log V$, the loss of the best prediction that does not copy. Over
# the project's 20 seeds (0–9 and 10 drawn at random) the ratio was 0.165–0.194; we assert 0.25.
# Without repetition in the data (control `REPEAT = False`) it stays at 1, and with a single
# attention layer (control `N_LAYERS = 1`) at about 0.8: one layer can raise the probability
# of the tokens present in the context, not tell which one comes next. The claim is also only
# as good as the positions it scores: the slip `BUG = "repeat_mask"` lets the repeat's mask run
# two queries too far, to $t = 2L$, whose next tokens are fresh, and the ratio rises to 0.30
# (seed 0, against 0.18), failing the claim.

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
# ## The previous-token head
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
# the best head is in layer 1 and scores more than 3 times the baseline. The layer is part of
# the claim: the control `PREV_BIAS = 8, PREV_LAYER = 2` builds a previous-token head into
# layer 2, where no later layer can read what it writes; it scores 0.73 there (seed 0), the
# model still learns its own in layer 1 (0.42) and copies as well, and the claim fails.

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
# ## The induction head
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
# more than 5 times the baseline. A slip of one position, the target $t - L$ (the earlier copy
# of $x_t$ itself, not the token after it; `BUG = "duplicate_targets"`), leaves no head above
# 0.20 (seed 0), and the claim fails.

# %%
def induction_targets(L):
    t, L = jnp.arange(T)[None, :], L[:, None]
    ### BEGIN SOLUTION
    return jnp.where((t >= L) & (t <= 2 * L - 2), t - L + 1, -1)
    ### END SOLUTION
    ### STUB return jnp.full_like(t + L, -1)  # your code here: t - L + 1 in the repeat, else -1


if BUG == "duplicate_targets":       # the control's slip: the earlier copy of x_t itself

    def induction_targets(L):  # noqa: F811
        t, L = jnp.arange(T)[None, :], L[:, None]
        return jnp.where((t >= L) & (t <= 2 * L - 2), t - L, -1)


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
# ## The heads form at the drop
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
# ## Switch the previous-token heads off
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


is_prev = prev[0] > 2 * uniform_prev                           # the heads of layer 1
off = [(0, h) for h in range(N_HEADS) if is_prev[h] == (ABLATE != "other")]
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
#
# **Sources.** C. Olsson, N. Elhage, N. Nanda et al., *In-context learning and induction
# heads*, Transformer Circuits Thread (2022), arXiv:2209.11895. N. Elhage, N. Nanda,
# C. Olsson et al., *A mathematical framework for transformer circuits*, Transformer Circuits
# Thread (2021).

# %%
print(f"tour ran in {time.perf_counter() - t_start:.1f} s (after imports)")
