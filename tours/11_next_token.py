# %% [markdown]
# # 11. Next-token prediction: a character-level language model
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/11_next_token.ipynb)
#
# The talk asks whether a transformer trained *only* to predict the next token can do anything
# clever, and lists three self-supervised tasks that need no labels: **next-token prediction**,
# **masking** and **denoising**. Tour 9 answered with linear attention on synthetic sequences;
# here is the real thing, small enough for a laptop CPU: a decoder-only transformer (embeddings,
# causal softmax multi-head attention, MLP, layer norm, residual connections) written as a pure
# function of a pytree of parameters, trained with optax on 400 kB of English. We measure it in
# **bits per character** against the unigram and bigram models, read what it writes and what it
# attends to, then train the same network on the two other self-supervised tasks.
# (Induction heads and a vision transformer follow in tour 12.)

# %%
# On Colab, install the tours' helper package; elsewhere `make` has installed it already.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "aitours @ git+https://github.com/mathematics-of-ai/numerical-tours"], check=True)

# %%
from functools import partial
from pydoc_data.topics import topics

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax

from aitours import random as rnd
from aitours.attention import attention_weights, causal_mask, init_multi_head
from aitours.plotting import style

style()

# %% tags=["parameters"]
# every PRNG key of the tour derives from SEED
SEED = 0
N_STEPS = 600         # Adam steps of each training run
D_MODEL = 32          # width of the token vectors
N_LAYERS = 2          # transformer blocks
N_HEADS = 4           # attention heads per block
CONTEXT = 32          # characters the model sees at once
BATCH = 32            # windows per step
LR = 1e-2             # peak learning rate (linear warm-up, cosine decay)
INIT_STD = 0.02       # std of the initial embeddings and read-out: small, so the start is uniform
CAUSAL = True         # the next-token model attends to the past only
BIDIRECTIONAL = True  # masking and denoising models see both sides (no causal mask)
MASK_RATE = 0.15      # fraction of characters masked or corrupted
TEMPERATURE = 0.8     # sampling temperature
SMOOTHING = 1.0       # pseudo-count α added to every bigram count (Laplace: α = 1)

# %% tags=["controls"]
# Negative controls, run by `make controls`: each removes what some claims are about,
# and those claims must then fail.
CONTROLS = {
    "untrained": {"set": {"N_STEPS": 0},
                  "kills": ["beats the bigram model", "far below the unigram entropy",
                            "learns the most in this budget", "denoising restores",
                            "masking model guesses"]},
    "large_init": {"set": {"INIT_STD": 1.0}, "kills": ["untrained model predicts uniformly"]},
    "score_all": {"set": {"MASK_RATE": 1.0},
                  "kills": ["learns the most in this budget", "masking model guesses"]},
    "no_causal_mask": {"set": {"CAUSAL": False}, "kills": ["ignores the characters after t"]},
    "bigram_smoothed_flat": {"set": {"SMOOTHING": 1e6},
                             "kills": ["bigram model beats the unigram model"]},
}

# %% [markdown]
# ## The corpus
#
# We need some $10^5$ characters of real text with a clear license and no download. Python
# ships one: `pydoc_data.topics`, the help pages behind `help("if")`, `help("FORMATTING")`…,
# i.e. the **Python Language Reference** in plain English (with some grammar and code), under
# the PSF license, in every CPython install (3.11 here, 3.13 on Colab: the numbers change a
# little, the claims compare models fitted on the same text). We join the topics in
# alphabetical order, keep the first 90 % for training and the last 10 % for validation
# (split by position, so the validation topics are unseen), and encode each character by its
# rank in the alphabet $\mathcal{V}$ of the text.

# %%
text = "\n".join(topics[k] for k in sorted(topics))
chars = np.array(sorted(set(text)))
V = len(chars)
codes = np.array([ord(c) for c in text])
data = np.searchsorted(np.array([ord(c) for c in chars]), codes).astype(np.int32)
n_train = int(0.9 * len(data))
train, valid = data[:n_train], data[n_train:]
print(f"{len(text)} characters, vocabulary |V| = {V}, log2 |V| = {np.log2(V):.2f} bits")
print(f"train {len(train)}, validation {len(valid)} characters; a sample:")
print(text[n_train:n_train + 300])

# %% [markdown]
# ## Two baselines: unigram and bigram
#
# A model $p$ of the next character is scored by its cross-entropy on the validation text, in
# **bits per character**: $H = -\frac1N \sum_i \log_2 p(x_i \mid x_{<i})$, the length of the
# code an arithmetic coder driven by $p$ would need. Guessing uniformly costs $\log_2|\mathcal V|$.
# The **unigram** model $p(b)$ (character frequencies) knows which letters are common; the
# **bigram** model $p(b \mid a)$ knows which letter follows which. Both are counts on the
# training text, plus a pseudo-count $\alpha$ (`SMOOTHING`; Laplace's $\alpha = 1$) so that no
# probability is zero.
#
# *Exercise.* Fit the bigram model: `P` of shape $(|\mathcal V|, |\mathcal V|)$ with
# `P[a, b]` $= \frac{\alpha + \#\{i : x_i = a, x_{i+1} = b\}}{\alpha|\mathcal V| + \#\{i : x_i = a\}}$
# on `train` (each row sums to 1). The check below it: knowing the previous character must
# save at least one bit per character over the unigram model (it saves 1.3 here).

# %%
def bits(p):
    """Mean of -log2 p over the validation characters, given their model probabilities p."""
    return float(-np.mean(np.log2(p)))


unigram = (np.bincount(train, minlength=V) + 1) / (len(train) + V)
### BEGIN SOLUTION
counts = np.full((V, V), SMOOTHING)
np.add.at(counts, (train[:-1], train[1:]), 1)
P = counts / counts.sum(axis=1, keepdims=True)
### END SOLUTION
### STUB P = np.full((V, V), 1 / V)  # your code here: P[a, b] = p(next = b | current = a)
bpc_unigram, bpc_bigram = bits(unigram[valid]), bits(P[valid[:-1], valid[1:]])
print(f"uniform {np.log2(V):.2f}, unigram {bpc_unigram:.2f}, bigram {bpc_bigram:.2f} bits/char")
assert bpc_bigram < bpc_unigram - 1.0, "claim: the bigram model beats the unigram model"

# %% [markdown]
# ## The transformer, piece by piece
#
# A window of $T$ characters becomes $T$ vectors of $\mathbb R^{d}$: a learned **token
# embedding** plus a learned **positional embedding** (attention alone cannot see the order,
# tour 9), $h^0_t = E[x_t] + P_t$. Each of the $L$ blocks adds two **residual** branches,
# each fed through a **layer norm** $\mathrm{LN}(h) = \gamma \odot \frac{h - \bar h}{\sigma(h)} + \beta$:
# $$ h \leftarrow h + \mathrm{MHA}(\mathrm{LN}(h)), \qquad
#    h \leftarrow h + W_2\, \mathrm{gelu}(W_1 \mathrm{LN}(h) + b_1) + b_2 , $$
# where MHA is softmax multi-head attention (tour 9, `aitours.attention`) under a mask $M$:
# head $k$ computes $A^k = \mathrm{softmax}(Q^k K^{k\top}/\sqrt{d_k} + \log M)$ and the heads'
# outputs $A^k V^k$ are mixed by $W_O$. A last layer norm and a linear read-out give the
# logits of $p(x_{t+1} \mid x_{\le t})$ at every position $t$ at once. The whole model is one
# pure function `model(params, x, mask)`.

# %%
def layer_norm(h, gain_bias):
    gain, bias = gain_bias
    mean, var = h.mean(-1, keepdims=True), h.var(-1, keepdims=True)
    return gain * (h - mean) / jnp.sqrt(var + 1e-5) + bias


def attention(att, h, mask):
    """Multi-head attention of h (..., T, d): output (..., T, d) and weights (..., heads, T, T)."""
    q, k, v = (h[..., None, :, :] @ att[w] for w in ("Wq", "Wk", "Wv"))   # (..., heads, T, d_k)
    A = attention_weights(q, k, mask)
    return jnp.sum((A @ v) @ att["Wo"], axis=-3), A


def model(params, x, mask):
    """Logits (..., T, |V|) for the characters x (..., T); also every block's attention weights."""
    h = params["embed"][x] + params["pos"][: x.shape[-1]]
    weights = []
    for blk in params["blocks"]:
        out, A = attention(blk["att"], layer_norm(h, blk["ln1"]), mask)
        h = h + out
        h = h + jax.nn.gelu(layer_norm(h, blk["ln2"]) @ blk["W1"] + blk["b1"]) @ blk["W2"] + blk["b2"]
        weights.append(A)
    return layer_norm(h, params["ln_out"]) @ params["read_out"], weights

# %% [markdown]
# The parameters: embeddings and read-out small ($\mathcal N(0, 0.02^2)$), so that the untrained
# model outputs nearly equal logits, i.e. the uniform distribution; the attention maps from
# `aitours.attention.init_multi_head`; the MLP with the usual $1/\sqrt{\text{fan-in}}$ scale.
# The alphabet gets one extra input symbol, `MASK`, used by the masking task below.

# %%
MASK_ID = V                                   # an extra input symbol, never a target
ONES = jnp.ones(D_MODEL)


def init_params(key):
    keys = jax.random.split(key, 3 + 2 * N_LAYERS)
    d, w = D_MODEL, 4 * D_MODEL
    z = rnd.normal(keys[0], ((V + 1 + CONTEXT + V) * d,))
    params = {"embed": z[:(V + 1) * d].reshape(V + 1, d),
              "pos": z[(V + 1) * d:(V + 1 + CONTEXT) * d].reshape(CONTEXT, d),
              "read_out": INIT_STD * z[(V + 1 + CONTEXT) * d:].reshape(V, d).T,
              "ln_out": (ONES, 0 * ONES), "blocks": []}
    for i in range(N_LAYERS):
        z = rnd.normal(keys[3 + 2 * i], (2 * d * w,))
        params["blocks"].append({
            "att": init_multi_head(keys[4 + 2 * i], d, N_HEADS),
            "ln1": (ONES, 0 * ONES), "ln2": (ONES, 0 * ONES),
            "W1": z[:d * w].reshape(d, w) / np.sqrt(d), "b1": jnp.zeros(w),
            "W2": z[d * w:].reshape(w, d) / np.sqrt(w), "b2": jnp.zeros(d)})
    return params


key = jax.random.PRNGKey(SEED)
k_init, k_train, k_eval, k_sample = jax.random.split(key, 4)
params0 = init_params(k_init)
n_params = sum(a.size for a in jax.tree.leaves(params0))
print(f"{n_params} parameters")

# %% [markdown]
# ### The causal mask
#
# To be trained on predicting $x_{t+1}$ at every position $t$ at once, position $t$ must not
# see the characters after it, or it would just copy $x_{t+1}$.
#
# *Exercise.* Write the causal mask `M_causal`, a boolean $(T, T)$ array with
# $M_{ij} = \text{True}$ iff $j \le i$ (query $i$ may attend to key $j$), $T$ = `CONTEXT`.
# The masking and denoising models use the full mask (every entry True) when `BIDIRECTIONAL`.

# %%
### BEGIN SOLUTION
M_causal = jnp.arange(CONTEXT)[:, None] >= jnp.arange(CONTEXT)[None, :]
### END SOLUTION
### STUB M_causal = jnp.ones((CONTEXT, CONTEXT), dtype=bool)  # your code here: True iff j <= i
M_full = jnp.ones((CONTEXT, CONTEXT), dtype=bool)
M_causal = M_causal if CAUSAL else M_full
M_both = M_full if BIDIRECTIONAL else M_causal    # for masking and denoising

# %% [markdown]
# Check on the untrained model: change the characters after position $t = 15$ and see
# whether the logits at positions $\le 15$ move. (`aitours.attention.causal_mask` is the
# same mask.)

# %%
x_probe = jnp.asarray(valid[:CONTEXT])
x_changed = x_probe.at[16:].set((x_probe[16:] + 1) % V)
logits_a, _ = model(params0, x_probe, M_causal)
logits_b, _ = model(params0, x_changed, M_causal)
leak = float(jnp.max(jnp.abs(logits_a[:16] - logits_b[:16])) / jnp.max(jnp.abs(logits_a)))
print(f"change of the logits at t <= 15 when x_16.. change: {leak:.1e} (relative)")
assert leak < 1e-6, "claim: the prediction at position t ignores the characters after t"
assert bool(jnp.all(causal_mask(CONTEXT) == jnp.tril(M_full))), "sanity: the package's mask is lower-triangular"

# %% [markdown]
# ## Training: next-token prediction, in a few lines
#
# Each step draws `BATCH` windows of $T + 1$ characters at random positions of the training
# text, and minimises the mean cross-entropy
# $\mathcal L = -\frac{1}{BT}\sum_{b,t} \log p_\theta(x_{b,t+1} \mid x_{b,\le t})$ by Adam.
# The same loop will serve the three tasks: a task is a way to turn a window into
# (model input, targets, loss weights) and a mask. The whole run is one `lax.scan`, compiled
# once, and the tour's four runs (this one, and three for part 2) are trained side by side:
# `jax.vmap` over the task, the mask and the key makes them one program whose matrix products
# are four times larger, which a CPU runs in about two thirds of the time of four runs in a
# row.
#
# *Exercise* (for the masking task, used in part 2). Given a batch of windows `x` $(B, T)$
# and the boolean array `chosen` $(B, T)$ of the characters to hide, return the model input,
# where the chosen characters are replaced by `MASK_ID`, and the loss weights: 1 at the chosen
# characters, 0 elsewhere (the model is scored only on what it could not see).

# %%
def hide(x, chosen):
    ### BEGIN SOLUTION
    return jnp.where(chosen, MASK_ID, x), chosen.astype(jnp.float32)
    ### END SOLUTION
    ### STUB return x, jnp.zeros(x.shape)  # your code here: hide the chosen characters


TASKS = ("next token", "next token, q scored", "masking", "denoising")


def make_task(task, window, key):
    """A window (B, T + 1) -> model input, targets and loss weights (B, T) for the task."""
    x, chosen = window[:, :-1], jax.random.bernoulli(key, MASK_RATE, window[:, :-1].shape)
    if task == "next token":                  # predict x_{t+1} from x_{<=t}
        return x, window[:, 1:], jnp.ones(x.shape)
    if task == "next token, q scored":        # the same, scored on the chosen characters only
        return x, window[:, 1:], chosen.astype(jnp.float32)
    if task == "masking":                     # predict the hidden characters
        x_in, weights = hide(x, chosen)
        return x_in, x, weights
    # denoising: replace the chosen characters by other random ones, restore every character
    noise = jax.random.randint(jax.random.fold_in(key, 1), x.shape, 1, V)
    return jnp.where(chosen, (x + noise) % V, x), x, jnp.ones(x.shape)


def loss_fn(params, x_in, y, weights, mask):
    logits, _ = model(params, x_in, mask)
    nll = jax.nn.logsumexp(logits, -1) - jnp.take_along_axis(logits, y[..., None], -1)[..., 0]
    return jnp.sum(weights * nll) / jnp.maximum(jnp.sum(weights), 1.0)


optimizer = optax.adam(optax.warmup_cosine_decay_schedule(0.0, LR, 50, max(N_STEPS, 51)))
makers = [lambda window, key, task=task: make_task(task, window, key) for task in TASKS]
train_data, valid_data = jnp.asarray(train), jnp.asarray(valid)


@jax.jit
def fit(params, task_id, mask, key):
    """N_STEPS Adam steps on the task TASKS[task_id]: trained params and the loss curve."""
    def step(carry, k):
        params, opt_state = carry
        k_pos, k_task = jax.random.split(k)
        start = jax.random.randint(k_pos, (BATCH,), 0, len(train) - CONTEXT - 1)
        window = train_data[start[:, None] + jnp.arange(CONTEXT + 1)]     # (B, T + 1)
        x_in, y, weights = jax.lax.switch(task_id, makers, window, k_task)
        loss, grads = jax.value_and_grad(loss_fn)(params, x_in, y, weights, mask)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    carry = (params, optimizer.init(params))
    (params, _), losses = jax.lax.scan(step, carry, jax.random.split(key, N_STEPS))
    return params, losses

# %% [markdown]
# The validation score: the model reads the validation text in consecutive windows of $T$
# characters and predicts each next character from those before it in its window (so from
# $0$ to $T-1$ characters of context, $T/2$ on average; the bigram always has one).
# Before training it should sit at the uniform $\log_2|\mathcal V|$ bits per character.

# %%
n_win = (len(valid) - 1) // CONTEXT
windows = valid_data[:n_win * CONTEXT + 1]
x_val = windows[:-1].reshape(n_win, CONTEXT)
y_val = windows[1:].reshape(n_win, CONTEXT)


@jax.jit
def valid_bits(params):
    return loss_fn(params, x_val, y_val, jnp.ones(x_val.shape), M_causal) / jnp.log(2.0)


bpc_untrained = float(valid_bits(params0))
print(f"untrained: {bpc_untrained:.3f} bits/char; log2 |V| = {np.log2(V):.3f}")
assert abs(bpc_untrained - np.log2(V)) < 0.15, "claim: an untrained model predicts uniformly"

# %%
# the four runs side by side: vmap over (task, mask, key) makes them one compiled program
task_ids = jnp.arange(len(TASKS))
masks = jnp.stack([M_causal, M_causal, M_both, M_both])
keys = jax.vmap(partial(jax.random.fold_in, k_train))(task_ids)
params_all, losses_all = jax.vmap(fit, in_axes=(None, 0, 0, 0))(params0, task_ids, masks, keys)
trained = {task: jax.tree.map(lambda a, i=i: a[i], params_all) for i, task in enumerate(TASKS)}
curves = {task: np.asarray(losses_all[i]) / np.log(2) for i, task in enumerate(TASKS)}
print(f"{len(TASKS)} models trained, {N_STEPS} steps each")
bpc_model = float(valid_bits(trained["next token"]))

fig, ax = plt.subplots(figsize=(7, 3.6))
ax.plot(curves["next token"], lw=0.8, label="transformer (training batches)")
for value, name, c in ((np.log2(V), "uniform", "gray"), (bpc_unigram, "unigram", "C2"),
                       (bpc_bigram, "bigram", "C3"), (bpc_model, "transformer", "C0")):
    ax.axhline(value, color=c, ls="--", lw=1, label=f"{name} on validation: {value:.2f}")
ax.set(xlabel="Adam step", ylabel="bits per character", ylim=(0, np.log2(V) + 0.5),
       title="Next-token prediction on the Python Language Reference")
ax.legend(fontsize=8, loc="upper right")
plt.show()

# %% [markdown]
# ## 1. It beats the bigram model
#
# Bits per character on the validation text, which no model saw: the transformer, with at most
# $T - 1 = 31$ characters of context, against the bigram's one. The margin asserted is the
# one a sweep over six seeds leaves (the transformer scored 2.64 to 2.72 bits, the bigram 3.35:
# at least 0.6 bits less, we assert 0.5); the unigram entropy is far above both (1.9 bits or
# more, we assert 1.5). Before training the model sat within 0.07 bits of $\log_2|\mathcal V|$
# for every seed (asserted: 0.15).

# %%
print(f"bits per character: uniform {np.log2(V):.2f}, unigram {bpc_unigram:.2f}, "
      f"bigram {bpc_bigram:.2f}, transformer {bpc_model:.2f}")
assert bpc_model < bpc_bigram - 0.5, "claim: the transformer beats the bigram model"
assert bpc_model < bpc_unigram - 1.5, "claim: its bits per character are far below the unigram entropy"

# %% [markdown]
# ### What it writes
#
# Sampling: feed a validation sentence, draw the next character from
# $p_\theta(\cdot \mid \text{last } T \text{ characters})^{1/\tau}$ (renormalised; the
# temperature $\tau < 1$ sharpens the distribution), append it, repeat. With 33 000 parameters
# and a minute of CPU it has learnt spelling, frequent words and the layout of the help pages,
# not meaning.

# %%
@jax.jit
def sample(params, prompt, key):
    """Continue the CONTEXT characters of the prompt by 300 sampled characters."""
    def step(window, k):
        logits, _ = model(params, window, M_causal)
        c = jax.random.categorical(k, logits[-1] / TEMPERATURE)
        return jnp.concatenate([window[1:], c[None]]), c

    return jax.lax.scan(step, prompt, jax.random.split(key, 300))[1]


prompt = valid[1000:1000 + CONTEXT]
written = sample(trained["next token"], jnp.asarray(prompt), k_sample)
print(f"prompt (validation text): {''.join(chars[prompt])!r}")
print(f"sampled at temperature {TEMPERATURE}:\n" + "".join(chars[np.asarray(written)]))

# %% [markdown]
# ### What it attends to
#
# The attention weights of the trained model on a real sentence: in each block we show the
# head that puts the most weight on the **previous character** (the diagonal just below the
# main one) and, in the last block, the head that looks furthest back. Rows are queries (the
# position predicting the next character), columns the characters it reads.

# %%
sentence = "The value of an expression is computed from left to right."[:CONTEXT]
x_s = jnp.asarray(np.searchsorted(chars, list(sentence)))
_, A_s = model(trained["next token"], x_s, M_causal)
A_s = np.asarray(jnp.stack(A_s))                                  # (layers, heads, T, T)
prev_weight = np.diagonal(A_s, offset=-1, axis1=2, axis2=3).mean(-1)   # (layers, heads)
dist = (A_s * np.maximum(np.arange(CONTEXT)[:, None] - np.arange(CONTEXT), 0)).sum(-1).mean(-1)
shown = [(0, int(prev_weight[0].argmax())), (N_LAYERS - 1, int(dist[-1].argmax()))]
fig, axes = plt.subplots(1, 2, figsize=(12, 6))
for ax, (layer, head) in zip(axes, shown, strict=True):
    ax.imshow(A_s[layer, head], cmap="viridis")
    ax.set(xticks=range(CONTEXT), yticks=range(CONTEXT), xlabel="key (character read)",
           ylabel="query (position)", title=f"block {layer + 1}, head {head + 1}")
    ax.set_xticklabels(list(sentence), fontsize=7)
    ax.set_yticklabels(list(sentence), fontsize=7)
    ax.grid(False)
plt.show()
print("mean weight on the previous character, per block and head:\n", prev_weight.round(2))

# %% [markdown]
# ## 2. The three self-supervised tasks of the talk, on the same text
#
# The loop above also trained two more copies of the same network (same size, same steps,
# same data), on the two other tasks of the talk. Each character is *chosen* with probability
# $q$ = `MASK_RATE`:
# * **masking** (BERT): the chosen characters are replaced by `MASK`; the model, without causal
#   mask, predicts them from both sides, $p_\theta(x_t \mid x_{\ne t})$;
# * **denoising**: the chosen characters are replaced by other random characters; the model
#   does not know which, and must restore the whole window, $p_\theta(x_t \mid \tilde x)$.
#
# We score the three models on the *same* positions of the validation windows (chosen with
# probability $q$, the first character of each window excluded): the next-token model
# predicts $x_t$ from $x_{<t}$, the masking model from the window with the chosen characters
# hidden, the denoising model from the window with them corrupted. The accuracy is the
# fraction of these characters that the most probable prediction gets right; the bigram's
# guess $\arg\max_b p(b \mid x_{t-1})$ is the baseline.

# %%
chosen = rnd.bernoulli(k_eval, MASK_RATE, x_val.shape).at[:, 0].set(False)
noise = rnd.randint(jax.random.fold_in(k_eval, 1), x_val.shape, 1, V)
inputs = {"next token": x_val, "next token, q scored": x_val, "masking": hide(x_val, chosen)[0],
          "denoising": jnp.where(chosen, (x_val + noise) % V, x_val)}
accuracy, bits_at = {}, {}
for task, mask in zip(TASKS, (M_causal, M_causal, M_both, M_both), strict=True):
    logits, _ = jax.jit(model)(trained[task], inputs[task], mask)
    if task.startswith("next token"):               # position t - 1 predicts x_t
        logits = jnp.concatenate([logits[:, :1], logits[:, :-1]], axis=1)
    logp = jax.nn.log_softmax(logits)[chosen]
    target = x_val[chosen]
    accuracy[task] = float(jnp.mean(jnp.argmax(logp, -1) == target))
    bits_at[task] = float(-jnp.mean(jnp.take_along_axis(logp, target[:, None], 1)) / np.log(2))
prev = np.asarray(jnp.concatenate([x_val[:, :1], x_val[:, :-1]], axis=1)[chosen])
accuracy["bigram"] = float(np.mean(P[prev].argmax(1) == np.asarray(x_val[chosen])))
bits_at["bigram"] = bits(P[prev, np.asarray(x_val[chosen])])
print(f"{int(chosen.sum())} positions scored")
print(f"{'task':>20} | accuracy | bits/char")
for task in accuracy:
    print(f"{task:>20} | {accuracy[task]:8.1%} | {bits_at[task]:9.2f}")

# %% [markdown]
# What the numbers say, at this budget (600 steps of a 33 000-parameter model): **next-token
# prediction learns the most.** Two reasons, which the table separates:
# * *Signal per step.* The next-token loss scores every character of every window; masking
#   scores only the fraction $q$ that was hidden. The same causal model scored on the chosen
#   characters only ("next token, q scored") falls behind the fully scored one.
# * *A head start.* A next-token position reads its own character, so the MLP alone gives the
#   bigram prediction from step one. A `MASK` position reads nothing: before it can guess, an
#   attention head must learn to fetch its neighbours (by their positional embeddings), so the
#   masking model trails even the bigram here. Seeing both sides pays off later, with more
#   compute (BERT); raise `N_STEPS` to watch the gap close.
#
# Denoising is scored here on the corrupted characters, the hard part: the model does not know
# which ones they are. Over the whole window it must also leave the clean ones alone; its
# baseline is the identity (copy the corrupted window), right on a fraction $1 - q$.

# %%
logits_dn, _ = jax.jit(model)(trained["denoising"], inputs["denoising"], M_both)
restored = float(jnp.mean(jnp.argmax(logits_dn[:, 1:], -1) == x_val[:, 1:]))
copied = float(jnp.mean(inputs["denoising"][:, 1:] == x_val[:, 1:]))
unigram_guess = float(np.mean(np.asarray(x_val[chosen]) == unigram.argmax()))
print(f"denoising, whole windows: model {restored:.2%} correct, copying the input {copied:.2%}")
print(f"masking: {accuracy['masking']:.1%}, guessing the most frequent character {unigram_guess:.1%}")
assert accuracy["next token"] > max(accuracy[t] for t in TASKS[1:]) + 0.05, \
    "claim: next-token prediction, scored at every character, learns the most in this budget"
assert restored > copied + 0.01, "claim: denoising restores the corrupted window better than copying it"
assert accuracy["masking"] > unigram_guess + 0.05, \
    "claim: the masking model guesses hidden characters better than the most frequent one"

# %% [markdown]
# Next-token prediction is also the task that generates: the model *is* a probability
# distribution over texts, which can be sampled, as above. Tour 12 asks what else such training
# can discover: a copying algorithm, the **induction head**, that works in context.
