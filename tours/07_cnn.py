# %% [markdown]
# # 7. Convolutional networks
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/07_cnn.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/mathematics-of-ai/numerical-tours/main?urlpath=lab/tree/tours/07_cnn.ipynb)
#
# A convolutional layer applies the *same* small filter at every position of an image: far fewer
# parameters than a dense layer, and a built-in symmetry, **translation equivariance**
# (shift the input, the output shifts). This tour checks that symmetry to round-off, sees
# sub-sampling break it and widen the receptive field, and trains a small CNN on scikit-learn's
# digits, against a perceptron of the same size and against three nearest neighbours, on five
# train/test splits, each network tuned on validation digits. On unshifted digits the CNN is not
# reliably more accurate than either; what it buys is robustness: it is
# *exactly* unchanged when the digits are shifted by two pixels, and loses less than either
# when they are shifted by one (though it does lose some). It ends
# with the filters and activation maps the CNN learned, and its first-layer filters run on a
# photograph.

# %%
# On Colab, install the tours' helper package; elsewhere `make` has installed it already.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "aitours @ git+https://github.com/mathematics-of-ai/numerical-tours@v0.2.0"], check=True)

# %%
from functools import partial

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax
from jax import lax
from sklearn.datasets import load_digits, load_sample_image
from sklearn.model_selection import StratifiedKFold, train_test_split

from aitours.conv import conv2d, max_pool, receptive_field, shift
from aitours.nn import count_params, init_mlp, mlp
from aitours.plotting import style
from aitours.train import make_step, minibatch

style()
# full float32 matrix products on every device (GPUs default to TF32, ~1e-3 relative error,
# which would blur the round-off comparisons below)
jax.config.update("jax_default_matmul_precision", "highest")

# %% tags=["parameters"]
# every PRNG key and data split of the tour derives from SEED
SEED = 0
CIRCULAR = True      # circular padding (False: zeros outside the image)
CONV_BUG = None      # a slip in the written-out convolution: "flipped", "transposed", "one_sided"
STRIDE = 2           # sub-sampling of the equivariance checks
L_MAX, SIDE = 4, 64  # receptive fields: layers stacked, side of the input image
N_FOLDS = 5          # train/test splits: each digit is a test digit in one of them
CNN_STEPS = 300      # Adam steps of each CNN
MLP_STEPS = 1200     # Adam steps of each perceptron (cheaper per step, slower to converge)
BATCH = 32           # digits per step
CNN_LRS = (1e-2, 3e-2)       # peak learning rates tried (cosine decay to 0); validation picks one
MLP_LRS = (1e-2, 3e-2)
N_CHECKPOINTS = 6    # evenly spaced training checkpoints the validation digits choose from
C1 = 16              # channels of the first convolution
C2 = 64              # channels of the second convolution
MLP_WIDTH = 64       # hidden units of the perceptron
GLOBAL_MAX = True    # global max-pooling before the classifier (False: flatten the maps)
KNN_K = 3            # neighbours of the nearest-neighbour baseline

# %% tags=["controls"]
# Negative controls, run by `make controls`: each removes what some claims are about,
# and those claims must then fail.
CONTROLS = {
    "convolution_not_correlation": {"set": {"CONV_BUG": "flipped"}, "kills": ["sum of shifted copies"]},
    "taps_stacked_c_then_a": {"set": {"CONV_BUG": "transposed"}, "kills": ["sum of shifted copies"]},
    "one_sided_padding": {"set": {"CONV_BUG": "one_sided"}, "kills": ["sum of shifted copies"]},
    "zero_padding": {"set": {"CIRCULAR": False},
                     "kills": ["convolutions commute", "commutes with even translations"]},
    "stride_3": {"set": {"STRIDE": 3}, "kills": ["commutes with even translations"]},
    "no_subsampling": {"set": {"STRIDE": 1}, "kills": ["not with one-pixel"]},
    "untrained": {"set": {"CNN_STEPS": 0, "MLP_STEPS": 0}, "kills": ["96.5 %"]},
    "short_cnn_training": {"set": {"CNN_STEPS": 60}, "kills": ["96.5 %"]},
    "narrow_cnn": {"set": {"C2": 4}, "kills": ["96.5 %"]},
    "flatten_head": {"set": {"GLOBAL_MAX": False}, "kills": ["one-pixel shift costs"]},
    "weak_neighbours": {"set": {"KNN_K": 200}, "kills": ["does not beat nearest neighbours"]},
}

# %%
key = jax.random.PRNGKey(SEED)
k_eq, k_cnn, k_mlp = jax.random.split(key, 3)


# %% [markdown]
# ## Convolution
#
# An image with $C$ channels is an array $x \in \mathbb{R}^{H\times W\times C}$; a convolution
# layer with filters $w \in \mathbb{R}^{k\times k\times C\times C'}$ and bias $b \in
# \mathbb{R}^{C'}$ computes, at every pixel $(i, j)$ and for every output channel $o$,
# $$ (w \star x)[i, j, o] = \sum_{a, c = 0}^{k-1} \sum_{m=1}^{C} x[s i + a - r,\, s j + c - r,\, m]\;
#    w[a, c, m, o] + b[o], \qquad r = \tfrac{k-1}{2}, $$
# with stride $s$ (here $s = 1$). As in every deep-learning library, this "convolution" is a
# **cross-correlation**: the filter is not flipped (a convolution would read $x[i - a + r]$);
# learnt filters do not care. The same $k^2 C C'$ weights serve at every pixel: a dense layer
# between the same $H W C$ and $H W C'$ values would need $(HW)^2 C C'$. Outside the image we
# either wrap around (*circular* padding: the image lives on a torus) or put zeros.
#
# The sum over the filter taps $(a, c)$ says how to compute it with one matrix product: stack
# the $k^2$ translated copies of the image, $x[\cdot + a - r, \cdot + c - r, :]$, along the
# channels, an array $(N, H, W, k^2 C)$, and multiply it by the filters reshaped to a
# $(k^2 C) \times C'$ matrix, the same for every pixel.
#
# *Exercise.* Write `conv(x, w, b)` for images `x` $(N, H, W, C)$, filters `w` $(k, k, C, C')$
# ($k$ odd) and bias `b` $(C',)$: the stride-1 cross-correlation above, output
# $(N, H, W, C')$, as one matrix product. `x_pad` is the image padded by $r$ pixels on each
# side (wrapped around when `CIRCULAR`, zeros otherwise), so the copy for tap $(a, c)$ is
# `x_pad[:, a:a + H, c:c + W, :]`; `w.reshape(-1, w.shape[-1])` orders the rows as
# $(a, c, m)$, the order of the copies stacked for $a$ then $c$.

# %%
def conv(x, w, b):
    k = w.shape[0]
    r = (k - 1) // 2
    H, W = x.shape[1:3]
    x_pad = jnp.pad(x, ((0, 0), (r, r), (r, r), (0, 0)), mode="wrap" if CIRCULAR else "constant")
    ### BEGIN SOLUTION
    copies = [x_pad[:, a:a + H, c:c + W, :] for a in range(k) for c in range(k)]
    return jnp.concatenate(copies, axis=-1) @ w.reshape(-1, w.shape[-1]) + b
    ### END SOLUTION
    ### STUB return jnp.zeros(x.shape[:-1] + w.shape[-1:]) + b  # your code here


# %% [markdown]
# `aitours.conv.conv2d` computes the same thing with one call to
# `jax.lax.conv_general_dilated` (XLA's convolution); from here on the tour uses both. They must
# agree, on a random image and random filters, to float32 round-off. Three slips a control swaps
# in (`CONV_BUG`) must each fail this check: a true convolution (the filter flipped), the copies
# stacked for $c$ then $a$ (the filter transposed), and the $2r$ pixels of padding put on one
# side (the output shifted by $r$).

# %%
def slipped_conv(x, w, b):
    """The written-out convolution with the slip CONV_BUG (a control), for the check below."""
    k, H, W = w.shape[0], *x.shape[1:3]
    r = (k - 1) // 2
    pads = (2 * r, 0) if CONV_BUG == "one_sided" else (r, r)
    x_pad = jnp.pad(x, ((0, 0), pads, pads, (0, 0)), mode="wrap" if CIRCULAR else "constant")
    taps = [(c, a) if CONV_BUG == "transposed" else (a, c) for a in range(k) for c in range(k)]
    if CONV_BUG == "flipped":
        taps = [(k - 1 - a, k - 1 - c) for a, c in taps]
    copies = [x_pad[:, a:a + H, c:c + W, :] for a, c in taps]
    return jnp.concatenate(copies, axis=-1) @ w.reshape(-1, w.shape[-1]) + b


if CONV_BUG is not None:
    conv = slipped_conv          # the slip replaces the written-out convolution everywhere below


def rel_gap(a, b):
    a, b = np.asarray(a), np.asarray(b)          # numpy: no program compiled per shape
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


z = np.asarray(jax.random.normal(k_eq, (32 * 32 + 9 * 8 + 9 * 64,)))  # one draw, cut in three
x_rand = z[:1024].reshape(1, 32, 32, 1)
w1, w2 = z[1024:1096].reshape(3, 3, 1, 8) / 3, z[1096:].reshape(3, 3, 8, 8) / 8
gap_lib = rel_gap(jax.jit(conv)(x_rand, w1, 0.0),
                  conv2d(x_rand, w1, padding="circular" if CIRCULAR else "same"))
print(f"conv vs aitours.conv.conv2d: relative gap {gap_lib:.1e}")
assert gap_lib < 1e-6, "claim: the sum of shifted copies is the convolution of conv2d"

# %% [markdown]
# Two hand-made $3\times 3$ filters on a digit: finite differences along $x$ and along $y$
# respond to vertical and horizontal strokes.

# %%
digits = load_digits()
images = digits.images.astype(np.float32) / 16.0        # (1797, 8, 8), values in [0, 1]
labels = digits.target
sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)
edges = np.stack([sobel_x, sobel_x.T], axis=-1)[:, :, None, :]  # (3, 3, C_in=1, C_out=2)
digit = images[0][None, :, :, None]                           # one image, NHWC
maps = np.asarray(jax.jit(conv)(digit, edges, 0.0))           # one compiled program

fig, axes = plt.subplots(1, 5, figsize=(12, 2.8))
panels = [(digit[0, :, :, 0], f"digit ({labels[0]})", "gray_r"),
          (edges[:, :, 0, 0], "filter $\\partial_x$", "RdBu_r"),
          (maps[0, :, :, 0], "response to $\\partial_x$", "RdBu_r"),
          (edges[:, :, 0, 1], "filter $\\partial_y$", "RdBu_r"),
          (maps[0, :, :, 1], "response to $\\partial_y$", "RdBu_r")]
for ax, (img, title, cmap) in zip(axes, panels, strict=True):
    lim = max(float(np.abs(img).max()), 1e-6)
    ax.imshow(img, cmap=cmap, vmin=-lim if cmap == "RdBu_r" else 0, vmax=lim)
    ax.set(title=title, xticks=[], yticks=[])
plt.show()


# %% [markdown]
# ## Translation equivariance
#
# Let $\tau_u$ translate an image by $u \in \mathbb{Z}^2$ (circularly). A convolution with
# circular padding commutes with it, $w \star (\tau_u x) = \tau_u (w \star x)$, and so does any
# pointwise non-linearity, hence any stack of such layers: a CNN is **equivariant**. We check it
# on a random image and a random two-layer network, to float32 round-off. (With zero padding,
# `CIRCULAR = False`, it holds away from the border only.)
#
# A **stride** $s = 2$ keeps one output pixel out of two in each direction (the stride-1
# output, sampled as `[:, ::2, ::2]`). Shifting the input by 2 pixels still shifts the output
# by exactly 1; shifting it by 1 pixel moves the input to the pixels that were thrown away: no
# shift of the output reproduces it, equivariance is broken.

# %%
@partial(jax.jit, static_argnames="stride")
def two_layers(x, stride=1):
    return conv(jax.nn.relu(conv(x, w1, 0.0)), w2, 0.0)[:, ::stride, ::stride]


# %%
out = two_layers(x_rand)
gap_eq = rel_gap(two_layers(shift(x_rand, 3, -5)), shift(out, 3, -5))
out_s = two_layers(x_rand, stride=STRIDE)
gap_even = rel_gap(two_layers(shift(x_rand, 2, 4), stride=STRIDE),
                   shift(out_s, 2 // STRIDE, 4 // STRIDE))
# shifted by one pixel: compare with every output shift, keep the best
shifted_odd = two_layers(shift(x_rand, 1, 0), stride=STRIDE)
gap_odd = min(rel_gap(shifted_odd, shift(out_s, dy, dx)) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
print(f"stride 1, shift (3, -5): relative gap {gap_eq:.1e}")
print(f"stride {STRIDE}, input shift (2, 4) vs output shift: relative gap {gap_even:.1e}")
print(f"stride {STRIDE}, input shift (1, 0) vs the best output shift: relative gap {gap_odd:.2f}")
assert gap_eq < 1e-6, "claim: convolutions commute with translations"
assert gap_even < 1e-6, "claim: a stride-2 convolution commutes with even translations"
assert gap_odd > 0.1, "claim: ... but not with one-pixel translations"

# %% [markdown]
# ## Receptive field
#
# Stack $L$ layers of $k\times k$ filters with strides $s_1, \dots, s_L$. One output unit depends
# on a square of input pixels, its **receptive field**, of side
# $$ r = 1 + \sum_{l=1}^{L} (k_l - 1) \prod_{j < l} s_j : $$
# each layer adds $k_l - 1$ of its own input pixels, and each of them spans
# $\prod_{j<l} s_j$ image pixels. With stride 1 the field grows linearly ($r = 2L + 1$ for
# $3\times 3$ filters); with stride 2 it doubles at every layer ($r = 2^{L+1} - 1$): sub-sampling
# is how CNNs see a whole image with small filters. We measure $r$ as the support of the gradient
# of the central output unit with respect to the input (filters of ones: no cancellation). The
# geometric growth is then the formula's, not a finding: it is checked as a sanity check.

# %%
L_max, side = L_MAX, SIDE
ones = jnp.ones((3, 3, 1, 1))


def central_units(x, stride):
    """The central output unit of each of L_max stacked 3x3 convolutions (stride `stride`)."""
    units, h = [], x
    for _ in range(L_max):
        h = conv2d(h, ones, stride=stride, padding="same")
        units.append(h[0, h.shape[1] // 2, h.shape[2] // 2, 0])
    return jnp.stack(units)


x0 = jnp.zeros((1, side, side, 1))
strides = (1, 2)
fields, measured, predicted = {}, {}, {}
for s in strides:
    fields[s] = np.asarray(jax.jit(jax.jacrev(partial(central_units, stride=s)))(x0))[:, 0, :, :, 0]
    measured[s] = [int(np.any(f != 0, axis=1).sum()) for f in fields[s]]  # rows in the support
    predicted[s] = [receptive_field([3] * L, [s] * L) for L in range(1, L_max + 1)]
    print(f"stride {s}: measured receptive fields {measured[s]}, formula {predicted[s]}")
    assert measured[s] == predicted[s], "sanity: the measured receptive fields follow the formula"
L_all = np.arange(1, L_max + 1)
assert measured[1] == list(2 * L_all + 1) and measured[2] == list(2 ** (L_all + 1) - 1), \
    "sanity: stride 1 grows the receptive field linearly, stride 2 geometrically"

# %%
fig, axes = plt.subplots(1, len(strides), figsize=(4 * len(strides), 4), squeeze=False)
for ax, s in zip(axes[0], strides, strict=True):
    c = side // 2
    ax.imshow(fields[s][-1][c - 20:c + 20, c - 20:c + 20] > 0, cmap="Blues")
    ax.set(title=f"{L_max} layers 3x3, stride {s}: r = {measured[s][-1]}",
           xlabel="input column", ylabel="input row")
plt.show()

# %% [markdown]
# ## A small CNN on the digits
#
# scikit-learn's digits are $8\times 8$; we put each one in a $12 \times 12$ frame of zeros so
# that shifting it by up to 2 pixels loses nothing. The CNN:
# $3\times 3$ convolution to $C_1 = 16$ channels, ReLU, $2\times 2$ max-pooling (stride 2),
# $3\times 3$ convolution to $C_2 = 64$ channels, ReLU, **global max-pooling** over positions (a
# 64-vector that forgets *where* each pattern was found), and a dense layer to the 10 classes;
# circular padding everywhere.
#
# *Exercise.* Write the CNN's hidden layers in `cnn_layers(params, x)`: from digits `x`
# $(N, 12, 12, 1)$, `h1` $(N, 12, 12, C_1)$ is the ReLU of `conv` with `params["conv1"]` (a
# pair filters, bias), `p1` $(N, 6, 6, C_1)$ its $2\times 2$ max-pooling (`max_pool`), `h2`
# $(N, 6, 6, C_2)$ the ReLU of `conv` of `p1` with `params["conv2"]`.

# %%
def init_cnn(k):
    k1, k2, k3 = jax.random.split(k, 3)
    n_features = C2 if GLOBAL_MAX else 36 * C2
    # filters drawn flat and reshaped: the same numbers as a (3, 3, C_in, C_out) draw, and XLA
    # compiles a flat draw faster (0.6 s against 1.3 s here for this function)
    w1 = jax.random.normal(k1, (9 * C1,)).reshape(3, 3, 1, C1)
    w2 = jax.random.normal(k2, (9 * C1 * C2,)).reshape(3, 3, C1, C2)
    return {"conv1": ((2 / 9) ** 0.5 * w1, jnp.zeros(C1)),
            "conv2": ((2 / (9 * C1)) ** 0.5 * w2, jnp.zeros(C2)),
            "head": init_mlp(k3, (n_features, 10))}


def cnn_layers(params, x):
    """Every intermediate map of the CNN, from the input to the logits."""
    ### BEGIN SOLUTION
    h1 = jax.nn.relu(conv(x, *params["conv1"]))          # (N, 12, 12, C1)
    p1 = max_pool(h1)                                     # (N, 6, 6, C1)
    h2 = jax.nn.relu(conv(p1, *params["conv2"]))         # (N, 6, 6, C2)
    ### END SOLUTION
    ### STUB h1 = jnp.zeros(x.shape[:3] + (C1,))  # your code here: conv, ReLU
    ### STUB p1 = max_pool(h1)  # your code here: 2x2 max-pooling
    ### STUB h2 = jnp.zeros(p1.shape[:3] + (C2,))  # your code here: conv, ReLU
    g = h2.max(axis=(1, 2)) if GLOBAL_MAX else h2.reshape(h2.shape[0], -1)   # (N, C2)
    return h1, p1, h2, g, mlp(params["head"], g)


# %% [markdown]
# The competitors. A perceptron $144 \to 64 \to 10$ with about as many parameters; both
# networks minimise the cross-entropy with Adam on minibatches of 32 digits. And the simplest
# strong baseline, which learns nothing: **$k$-nearest neighbours** ($k = 3$, Euclidean distance
# between the $12 \times 12$ pixel arrays, majority vote, a three-way tie going to the nearest).
#
# **Protocol.** One split would decide the comparison on a handful of digits (one test digit
# out of 360 is 0.28 %). Stratified 5-fold cross-validation makes each of the 1797 digits a
# test digit once (359 per fold, the few extra ones dropped); in each fold, 15 % of the other
# digits are held out for **validation**, and the networks (and the neighbours' memory) are the
# rest (1221). Each network is tuned on the validation digits: its peak learning rate from a
# small grid (`CNN_LRS`, `MLP_LRS`; the one with the best validation accuracy averaged over the
# folds), then in each fold when to stop (the earliest of 6 evenly spaced checkpoints with the
# best validation accuracy). A peak of 3e-3 was worse for both while the tour was written. The
# perceptron's steps are cheap and it converges slowly: it gets 1200, the CNN 300 (at seed 0
# the validation accuracy gains 0.3 points over the last two checkpoints for the CNN, none for
# the perceptron: both are near their plateau). The test digits are used
# once, at the end. `jax.vmap` trains all the (learning rate, fold) networks of a model at once,
# in one compiled program.

# %%
def cnn(params, x):
    return cnn_layers(params, x)[-1]


def perceptron(params, x):
    return mlp(params, x.reshape(x.shape[0], -1), jax.nn.relu)


def cross_entropy(model, params, data, key=None):
    x, y = data
    logits = model(params, x)
    return jnp.mean(jax.nn.logsumexp(logits, axis=1) - jnp.take_along_axis(logits, y[:, None], 1)[:, 0])


X = np.pad(images, ((0, 0), (2, 2), (2, 2)))[..., None]              # (1797, 12, 12, 1)
folds = []
for i, (rest, test) in enumerate(StratifiedKFold(N_FOLDS, shuffle=True, random_state=SEED)
                                 .split(X, labels)):
    train, valid = train_test_split(rest, test_size=0.15, stratify=labels[rest],
                                    random_state=SEED + i)
    folds.append((train, valid, test))
sizes = [min(len(f[j]) for f in folds) for j in range(3)]   # equal sizes, to stack the folds
tr, va, te = (np.stack([f[j][:sizes[j]] for f in folds]) for j in range(3))   # (N_FOLDS, n)
Xj, yj = jnp.asarray(X), jnp.asarray(labels)
print(f"{N_FOLDS} folds of {sizes[0]} training, {sizes[1]} validation, {sizes[2]} test digits")

# %%
def optimizer(lr, n_steps):
    """Adam, peak step lr, cosine decay to 0 over n_steps (lr may be traced: one program for all)."""
    decay = optax.cosine_decay_schedule(1.0, max(n_steps, 1))
    return optax.chain(optax.scale_by_adam(), optax.scale_by_schedule(lambda t: -lr * decay(t)))


def run_steps(model, n_steps, lr, state, keys, X, y):
    """One Adam step per key on a minibatch of BATCH digits of (X, y), from state = (params,
    optimizer state); returns the new state."""
    step = make_step(partial(cross_entropy, model), optimizer(lr, n_steps))

    def one_step(state, k):
        k_batch, k_loss = jax.random.split(k)
        return step(*state, minibatch(k_batch, (X, y), BATCH), k_loss)[:2], None

    return lax.scan(one_step, state, keys)[0]


models = {"CNN": (cnn, init_cnn, k_cnn, CNN_STEPS, CNN_LRS),
          "MLP": (perceptron, lambda k: init_mlp(k, (144, MLP_WIDTH, 10), scale="he"), k_mlp,
                  MLP_STEPS, MLP_LRS)}

# %%
checkpoints = {}         # checkpoints[name]: parameters (n_lr * N_FOLDS, N_CHECKPOINTS, ...)
for name, (model, init, k, n_steps, lrs) in models.items():
    k_init, k_steps = jax.random.split(k)
    n_net = len(lrs) * N_FOLDS                    # one network per (learning rate, fold)
    inits = jnp.tile(jax.random.split(k_init, N_FOLDS), (len(lrs), 1))   # same start for every lr
    init_one = jax.jit(init)                      # one compiled init, called once per network
    params = jax.tree.map(lambda *a: np.stack(a), *[init_one(k) for k in inits])
    state = (params, jax.jit(jax.vmap(optimizer(1.0, n_steps).init))(params))
    segment = jax.jit(jax.vmap(partial(run_steps, model, n_steps)))  # all networks at once
    n_seg = n_steps // N_CHECKPOINTS
    keys = jax.random.split(k_steps, N_CHECKPOINTS * n_net * n_seg)
    lr_net, tr_net = jnp.repeat(jnp.asarray(lrs), N_FOLDS), np.tile(tr, (len(lrs), 1))
    saved = []
    for ks in keys.reshape(N_CHECKPOINTS, n_net, n_seg, 2):
        state = segment(lr_net, state, ks, Xj[tr_net], yj[tr_net])
        saved.append(state[0])
    checkpoints[name] = jax.tree.map(lambda *a: np.stack(a, axis=1), *saved)


# %%
def correct(model, params, x, y):
    """Which digits of x the network classifies right, a boolean vector."""
    return jnp.argmax(model(params, x), axis=1) == y


@partial(jax.jit, static_argnums=0)
def validation_accuracy(name, ckpts):
    """(n_lr * N_FOLDS, N_CHECKPOINTS) accuracies of every checkpoint on its fold's validation digits."""
    va_net = np.tile(va, (len(models[name][4]), 1))
    per_ckpt = jax.vmap(partial(correct, models[name][0]), in_axes=(0, None, None))
    return jax.vmap(per_ckpt)(ckpts, Xj[va_net], yj[va_net]).mean(axis=-1)


chosen, n_params = {}, {}
for name, ckpts in checkpoints.items():
    lrs, n_steps = models[name][4], models[name][3]
    val = np.asarray(validation_accuracy(name, ckpts)).reshape(len(lrs), N_FOLDS, N_CHECKPOINTS)
    i_lr = int(np.argmax(val.max(axis=2).mean(axis=1)))          # best mean over the folds
    best = np.argmax(val[i_lr], axis=1)                           # the earliest one among ties
    nets = i_lr * N_FOLDS + np.arange(N_FOLDS)                  # the chosen lr's networks
    chosen[name] = jax.tree.map(lambda a, i=nets, j=best: a[i, j], ckpts)
    n_params[name] = count_params(jax.tree.map(lambda a: a[0], chosen[name]))
    print(f"{name}: validation accuracy, mean over folds, per learning rate {lrs} (rows) and "
          f"checkpoint: {val.mean(axis=1).astype(float).round(3).tolist()}; chosen: lr {lrs[i_lr]:g}, steps "
          f"{(best + 1) * (n_steps // N_CHECKPOINTS)}")

# %% [markdown]
# Each fold's chosen networks, and its nearest-neighbour classifier, then classify the fold's
# test digits, as they are and shifted by one or two pixels in each of the four directions (for
# the next section).

# %%
moves = [(0, 0)] + [(a * dy, a * dx) for a in (1, 2)
                    for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1))]


X_moved = jax.jit(lambda x: jnp.stack([shift(x, dy, dx) for dy, dx in moves]))(Xj[te])
# X_moved: (9 moves, N_FOLDS, n_test, 12, 12, 1)


@partial(jax.jit, static_argnums=0)
def test_hits(name, params):
    """(9 moves, N_FOLDS, n_test) booleans: each fold's network on its moved test digits."""
    per_fold = jax.vmap(partial(correct, models[name][0]))
    return lax.map(lambda x: per_fold(params, x, yj[te]), X_moved)


def knn_correct(x_train, y_train, x, y):
    """Which digits of x the KNN_K-nearest-neighbour vote classifies right (a tie: the nearest)."""
    x_train, x = x_train.reshape(x_train.shape[0], -1), x.reshape(x.shape[0], -1)
    d2 = (x**2).sum(1)[:, None] - 2 * x @ x_train.T + (x_train**2).sum(1)[None, :]
    nearest = lax.top_k(-d2, KNN_K)[1]                                 # (n, KNN_K) indices
    # their labels, row by row (as y_train[nearest], XLA on a CPU sorts whole rows: 30x slower)
    labels = jnp.take_along_axis(jnp.broadcast_to(y_train, d2.shape), nearest, axis=1)
    votes = jax.nn.one_hot(labels, 10).sum(1) + 0.5 * jax.nn.one_hot(labels[:, 0], 10)
    return jnp.argmax(votes, axis=1) == y


knn_fold = jax.vmap(knn_correct)                                       # one fold per row
hits = {name: np.asarray(test_hits(name, chosen[name])) for name in chosen}
hits[f"{KNN_K}-NN"] = np.asarray(jax.jit(lambda Xm: lax.map(
    lambda x: knn_fold(Xj[tr], yj[tr], x, yj[te]), Xm))(X_moved))
n_params[f"{KNN_K}-NN"] = Xj[tr[0]].size                                # the stored training pixels

# %%
acc = {name: h[0].mean() for name, h in hits.items()}
knn = f"{KNN_K}-NN"
diffs = {other: (hits["CNN"][0].astype(float) - hits[other][0]).ravel() for other in ("MLP", knn)}
se = {other: d.std() / np.sqrt(d.size) for other, d in diffs.items()}   # paired, digit by digit
for name in hits:
    print(f"{name}: held-out accuracy {acc[name]:.2%} "
          f"(folds: {', '.join(f'{a:.1%}' for a in hits[name][0].mean(axis=1))})")
for other, d in diffs.items():
    print(f"CNN - {other}: {d.mean():+.2%} ± {se[other]:.2%} (one standard error, {d.size} digits)")
assert acc["CNN"] >= 0.965, "claim: the CNN reaches 96.5 % held-out accuracy"
assert diffs[knn].mean() < 2 * se[knn], \
    "claim: on unshifted digits the CNN does not beat nearest neighbours by two standard errors"

# %% [markdown]
# With both networks tuned, the CNN is **not** reliably more accurate than the perceptron on
# unshifted digits: over seeds 0–9 and 10 random ones it scores 97.0–98.1 %, the perceptron
# 96.6–98.0 %, a paired difference of −0.8 to +1.5 points (seed 0: +0.8 ± 0.4); so no claim is
# made about it (asserted: CNN ≥ 96.5 %). And the simplest strong baseline, three nearest
# neighbours, which learns nothing, is at least as accurate: 98.4–98.9 %, the CNN −1.7 to −0.4
# points from it (seed 0: −0.7 ± 0.3); the assert only says that the CNN does not beat it by two
# standard errors. The standard errors account for the test digits drawn, not for the training
# randomness, which the seeds show.
#
# ## Shifted digits: what the CNN buys
#
# Now shift every test digit by one or two pixels, in each of the four directions. The
# perceptron learnt weights tied to pixel positions and collapses; so do the nearest
# neighbours, whose Euclidean distance compares pixel with pixel. The CNN's convolutions are
# equivariant and its global max-pooling is invariant, so only the stride-2 pooling stands in
# the way: a **2-pixel** shift leaves its outputs exactly unchanged (true for any weights, with
# circular padding: a sanity check), while a **1-pixel** shift moves the features across the
# pooling grid and does cost accuracy, though less: at seed 0 one pixel costs the CNN 15 points,
# the neighbours 34, the perceptron 49 (seeds 0–9 and 10 random: 15–21, 34–35 and 48–52 points,
# ratios CNN/neighbours 0.44–0.60 and CNN/perceptron 0.29–0.42; asserted: the CNN's cost below half the
# perceptron's and two thirds of the neighbours').
#
# The other things the CNN buys, and does not: it keeps 10 090 numbers, the neighbours all
# 1221 training digits (176 000 pixels), and it needs no search through them; but on $12\times
# 12$ digits it spends more multiply-adds per test digit (about 350 000, mostly in its second
# convolution) than the neighbours' distances (176 000), and it must be trained. Its cost does
# not grow with the training set; the neighbours' does.

# %%
shifted = {name: np.array([h[0].mean(), h[1:5].mean(), h[5:].mean()]) for name, h in hits.items()}
drop1 = {name: a[0] - a[1] for name, a in shifted.items()}        # the 1-pixel shifts alone
params = jax.tree.map(lambda a: a[0], chosen["CNN"])              # the first fold's CNN
cnn_jit = jax.jit(cnn)                                            # one program for both calls
logit_gap = rel_gap(cnn_jit(params, shift(Xj[te[0]], 2, 0)), cnn_jit(params, Xj[te[0]]))

fig, ax = plt.subplots(figsize=(5.5, 3.8))
for name, a in shifted.items():
    ax.plot([0, 1, 2], a, "o-", label=f"{name} ({n_params[name]} numbers kept)")
ax.set(xticks=[0, 1, 2], ylim=(0, 1.02), xlabel="shift of the test digits (pixels)",
       ylabel="held-out accuracy", title="Accuracy on shifted digits")
ax.legend()
plt.show()
for name, a in shifted.items():
    print(f"{name}: accuracy {a[0]:.1%} unshifted, {a[1]:.1%} shifted by 1 pixel, "
          f"{a[2]:.1%} by 2 pixels; the 1-pixel shift costs {drop1[name]:.1%}")
n_features = C2 if GLOBAL_MAX else 36 * C2
mult_adds = {"CNN": 144 * 9 * C1 + 36 * 9 * C1 * C2 + 10 * n_features,
             "MLP": 144 * MLP_WIDTH + 10 * MLP_WIDTH, knn: sizes[0] * 144}   # per test digit
print("numbers kept / multiply-adds per test digit: "
      + ", ".join(f"{name} {n_params[name]} / {mult_adds[name]}" for name in hits))
print(f"CNN logits, digits shifted by 2 pixels vs not: relative gap {logit_gap:.1e}")
assert drop1["CNN"] < 0.5 * drop1["MLP"], \
    "claim: a one-pixel shift costs the CNN less than half what it costs the perceptron"
assert drop1["CNN"] < 0.67 * drop1[knn], \
    "claim: a one-pixel shift costs the CNN less than two thirds of what it costs nearest neighbours"
assert logit_gap < 1e-5 or not (CIRCULAR and GLOBAL_MAX), \
    "sanity: with circular padding and global max-pooling, 2-pixel shifts leave the logits unchanged"

# %% [markdown]
# ## What the CNN computes
#
# The 16 learnt $3\times 3$ filters of the first layer (of the first fold's CNN), then, for one
# test digit, the activation maps of each layer: 16 maps $12\times 12$ after the first
# convolution, 64 maps $6 \times 6$ after the second, and the class probabilities computed from
# their maxima.

# %%
filters = np.asarray(params["conv1"][0][:, :, 0, :])                  # (3, 3, 16)
example, example_label = Xj[te[0, :1]], int(yj[te[0, 0]])


@jax.jit                           # one compiled program, not one per operation
def maps_and_probs(params, x):
    *maps, logits = cnn_layers(params, x)
    return *maps, jax.nn.softmax(logits)


h1, p1, h2, g, probs = (np.asarray(t[0]) for t in maps_and_probs(params, example))


def mosaic(maps, n_rows):
    """Tile maps (h, w, n) into one image of n_rows rows, separated by a blank pixel."""
    h, w, n = maps.shape
    n_cols = -(-n // n_rows)
    tiles = np.full((n_rows * (h + 1), n_cols * (w + 1)), np.nan)
    for i in range(n):
        r, c = divmod(i, n_cols)
        tiles[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = maps[:, :, i]
    return tiles


lim = np.abs(filters).max()
fig, ax = plt.subplots(figsize=(9, 2.6))
ax.imshow(mosaic(filters, 2), cmap="RdBu_r", vmin=-lim, vmax=lim)
ax.set(xticks=[], yticks=[], title=f"The {C1} first-layer filters, 3x3 (red > 0, blue < 0)")
plt.show()

# %%
fig, axes = plt.subplot_mosaic([["in", "h1", "h1"], ["p", "h2", "h2"]], figsize=(13, 4.6),
                               width_ratios=[1, 3, 3])
axes["in"].imshow(example[0, :, :, 0], cmap="gray_r")
axes["in"].set_title(f"input (label {example_label})")
axes["p"].bar(range(10), probs)
axes["p"].set(xticks=range(10), ylim=(0, 1), xlabel="class", ylabel="probability")
axes["h1"].imshow(mosaic(h1, 2), cmap="magma")
axes["h1"].set_title(f"layer 1: {C1} maps 12x12 (after ReLU)")
axes["h2"].imshow(mosaic(h2, 4), cmap="magma")
axes["h2"].set_title(f"layer 2: {C2} maps 6x6 (after ReLU); their maxima feed the classifier")
for name in ("in", "h1", "h2"):
    axes[name].set(xticks=[], yticks=[])
plt.show()
print(f"predicted class {int(np.argmax(probs))} with probability {probs.max():.3f}")

# %% [markdown]
# ## The first-layer filters on a photograph
#
# A convolution applies to an image of any size. The 16 filters learnt on $8\times 8$ digits,
# run on a $214\times 320$ photograph (`load_sample_image("china.jpg")`, in grey levels), act
# as small edge and blob detectors: each map lights up where the photo locally resembles
# its filter.

# %%
photo = load_sample_image("china.jpg").astype(np.float32).mean(axis=-1)[::2, ::2] / 255.0
photo_maps = np.asarray(jax.nn.relu(conv2d(jnp.asarray(photo)[None, :, :, None],
                                           *params["conv1"], padding="same")))[0]
fig, axes = plt.subplots(3, 6, figsize=(14, 5.6))
axes[0, 0].imshow(photo, cmap="gray")
axes[0, 0].set_title("photo (grey)")
for i, ax in enumerate(axes.flat[1:17]):
    ax.imshow(photo_maps[:, :, i], cmap="magma")
    ax.set_title(f"filter {i}")
for ax in axes.flat:
    ax.set(xticks=[], yticks=[])
axes.flat[-1].axis("off")
plt.show()
print(f"photo {photo.shape} -> {photo_maps.shape[-1]} maps of shape {photo_maps.shape[:2]}")
