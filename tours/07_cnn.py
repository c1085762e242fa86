# %% [markdown]
# # 7. Convolutional networks
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/07_cnn.ipynb)
#
# A convolutional layer applies the *same* small filter at every position of an image: far fewer
# parameters than a dense layer, and a built-in symmetry, **translation equivariance**
# (shift the input, the output shifts). This tour checks that symmetry to round-off, sees
# sub-sampling break it and widen the receptive field, trains a small CNN on scikit-learn's
# digits that beats a perceptron of the same size and, above all, keeps its accuracy when the
# digits are shifted by a pixel or two, where the perceptron collapses. It ends with the
# filters and activation maps the CNN learned, and its first-layer filters run on a photograph.

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
from sklearn.datasets import load_digits, load_sample_image
from sklearn.model_selection import train_test_split

from aitours import random as rnd
from aitours.conv import conv2d, max_pool, receptive_field, shift
from aitours.nn import count_params, init_mlp, mlp
from aitours.plotting import style
from aitours.train import fit

style()
SEED = 0
key = jax.random.PRNGKey(SEED)
k_eq, k_cnn, k_mlp = jax.random.split(key, 3)


def normal(k, shape, std=1.0):
    """N(0, std²) entries, an array of `shape`."""
    return std * rnd.normal(k, shape)


# %% [markdown]
# ## Convolution
#
# An image with $C$ channels is an array $x \in \mathbb{R}^{H\times W\times C}$; a convolution
# layer with filters $w \in \mathbb{R}^{k\times k\times C\times C'}$ and bias $b \in
# \mathbb{R}^{C'}$ computes, at every pixel $(i, j)$ and for every output channel $o$,
# $$ (w \star x)[i, j, o] = \sum_{a, c = 0}^{k-1} \sum_{m=1}^{C} x[s i + a - r,\, s j + c - r,\, m]\;
#    w[a, c, m, o] + b[o], \qquad r = \tfrac{k-1}{2}, $$
# with stride $s$ (here $s = 1$). The same $k^2 C C'$ weights serve at every pixel: a dense layer
# between the same $H W C$ and $H W C'$ values would need $(HW)^2 C C'$. Outside the image we
# either wrap around (*circular* padding: the image lives on a torus) or put zeros.
# `aitours.conv.conv2d` does this with one call to `jax.lax.conv_general_dilated`.
#
# Two hand-made $3\times 3$ filters on a digit: finite differences along $x$ and along $y$
# respond to vertical and horizontal strokes.

# %%
digits = load_digits()
images = digits.images.astype(np.float32) / 16.0        # (1797, 8, 8), values in [0, 1]
labels = digits.target
sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)
edges = np.stack([sobel_x, sobel_x.T], axis=-1)[:, :, None, :]  # (3, 3, C_in=1, C_out=2)
digit = jnp.asarray(images[0])[None, :, :, None]               # one image, NHWC
maps = conv2d(digit, edges, padding="same")

fig, axes = plt.subplots(1, 5, figsize=(12, 2.8))
panels = [(digit[0, :, :, 0], f"digit ({labels[0]})", "gray_r"),
          (edges[:, :, 0, 0], "filter $\\partial_x$", "RdBu_r"),
          (maps[0, :, :, 0], "response to $\\partial_x$", "RdBu_r"),
          (edges[:, :, 0, 1], "filter $\\partial_y$", "RdBu_r"),
          (maps[0, :, :, 1], "response to $\\partial_y$", "RdBu_r")]
for ax, (img, title, cmap) in zip(axes, panels, strict=True):
    lim = float(np.abs(img).max())
    ax.imshow(img, cmap=cmap, vmin=-lim if cmap == "RdBu_r" else 0, vmax=lim)
    ax.set(title=title, xticks=[], yticks=[])
plt.show()

# %% [markdown]
# ## Translation equivariance
#
# Let $\tau_u$ translate an image by $u \in \mathbb{Z}^2$ (circularly). A convolution with
# circular padding commutes with it, $w \star (\tau_u x) = \tau_u (w \star x)$, and so does any
# pointwise non-linearity, hence any stack of such layers: a CNN is **equivariant**. We check it
# on a random image and a random two-layer network, to float32 round-off.
#
# A **stride** $s = 2$ keeps one output pixel out of two in each direction. Shifting the input by
# 2 pixels still shifts the output by exactly 1; shifting it by 1 pixel moves the input to the
# pixels that were thrown away: no shift of the output reproduces it, equivariance is broken.

# %%
z = normal(k_eq, (32 * 32 + 9 * 8 + 9 * 64,))     # one draw, cut into image and filters
x_rand = z[:1024].reshape(1, 32, 32, 1)
w1, w2 = z[1024:1096].reshape(3, 3, 1, 8) / 3, z[1096:].reshape(3, 3, 8, 8) / 8


@partial(jax.jit, static_argnames="stride")
def two_layers(x, stride=1):
    return conv2d(jax.nn.relu(conv2d(x, w1)), w2, stride=stride)


def rel_gap(a, b):
    return float(jnp.max(jnp.abs(a - b)) / jnp.max(jnp.abs(b)))


out = two_layers(x_rand)
gap_eq = rel_gap(two_layers(shift(x_rand, 3, -5)), shift(out, 3, -5))
out2 = two_layers(x_rand, stride=2)
gap_even = rel_gap(two_layers(shift(x_rand, 2, 4), stride=2), shift(out2, 1, 2))
# shifted by one pixel: compare with every output shift, keep the best
shifted_odd = two_layers(shift(x_rand, 1, 0), stride=2)
gap_odd = min(rel_gap(shifted_odd, shift(out2, dy, dx)) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
print(f"stride 1, shift (3, -5): relative gap {gap_eq:.1e}")
print(f"stride 2, input shift (2, 4) vs output shift (1, 2): relative gap {gap_even:.1e}")
print(f"stride 2, input shift (1, 0) vs the best output shift: relative gap {gap_odd:.2f}")
assert gap_eq < 1e-6, "convolutions commute with translations"
assert gap_even < 1e-6, "stride 2 commutes with even translations"
assert gap_odd > 0.1, "... but not with odd ones"

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
# of the central output unit with respect to the input (filters of ones: no cancellation).

# %%
L_max, side = 4, 64
ones = jnp.ones((3, 3, 1, 1))


def central_units(x, stride):
    """The central output unit of each of L_max stacked 3x3 convolutions (stride `stride`)."""
    units, h = [], x
    for _ in range(L_max):
        h = conv2d(h, ones, stride=stride, padding="same")
        units.append(h[0, h.shape[1] // 2, h.shape[2] // 2, 0])
    return jnp.stack(units)


x0 = jnp.zeros((1, side, side, 1))
fields, measured, predicted = {}, {}, {}
for s in (1, 2):
    fields[s] = np.asarray(jax.jit(jax.jacrev(partial(central_units, stride=s)))(x0))[:, 0, :, :, 0]
    measured[s] = [int(np.any(f != 0, axis=1).sum()) for f in fields[s]]  # rows in the support
    predicted[s] = [receptive_field([3] * L, [s] * L) for L in range(1, L_max + 1)]
    print(f"stride {s}: measured receptive fields {measured[s]}, formula {predicted[s]}")
    assert measured[s] == predicted[s]

fig, axes = plt.subplots(1, 2, figsize=(8, 4))
for ax, s in zip(axes, (1, 2), strict=True):
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
# $3\times 3$ convolution to 16 channels, ReLU, $2\times 2$ max-pooling (stride 2), $3\times 3$
# convolution to 64 channels, ReLU, **global max-pooling** over positions (a 64-vector that
# forgets *where* each pattern was found), and a dense layer to the 10 classes; circular padding
# everywhere. The competitor is a perceptron $144 \to 64 \to 10$ with about as many parameters.
# Both minimise the cross-entropy with Adam on minibatches of 32 digits; accuracies are averaged
# over two initialisations (one test digit is 0.19 %).
#
# (`impl="patches"` computes each convolution as one matrix product with the stacked shifted
# images: the same numbers, and much faster than a convolution op inside a compiled training
# loop on CPU.)

# %%
frame = 2
X = np.pad(images, ((0, 0), (frame, frame), (frame, frame)))[..., None]  # (1797, 12, 12, 1)
X_tr, X_te, y_tr, y_te = map(jnp.asarray, train_test_split(
    X, labels, test_size=0.3, stratify=labels, random_state=SEED))     # 1257 / 540 digits
n_keys, n_steps, batch = 2, 600, 32
c1, c2 = 16, 64                                          # channels of the two convolutions


@jax.jit
def init_cnn(k):
    k1, k2, k3 = jax.random.split(k, 3)
    return {"conv1": (normal(k1, (3, 3, 1, c1), (2 / 9) ** 0.5), jnp.zeros(c1)),
            "conv2": (normal(k2, (3, 3, c1, c2), (2 / (9 * c1)) ** 0.5), jnp.zeros(c2)),
            "head": init_mlp(k3, (c2, 10))}


@partial(jax.jit, static_argnames="impl")
def cnn_layers(params, x, impl="patches"):
    """Every intermediate map of the CNN, from the input to the logits."""
    h1 = jax.nn.relu(conv2d(x, *params["conv1"], impl=impl))      # (N, 12, 12, c1)
    p1 = max_pool(h1)                                              # (N, 6, 6, c1)
    h2 = jax.nn.relu(conv2d(p1, *params["conv2"], impl=impl))     # (N, 6, 6, c2)
    g = h2.max(axis=(1, 2))                                        # (N, c2)
    return h1, p1, h2, g, mlp(params["head"], g)


def cnn(params, x):
    return cnn_layers(params, x)[-1]


def perceptron(params, x):
    return mlp(params, x.reshape(x.shape[0], -1), jax.nn.relu)


def cross_entropy(model, params, data, key=None):
    x, y = data
    logits = model(params, x)
    return jnp.mean(jax.nn.logsumexp(logits, axis=1) - jnp.take_along_axis(logits, y[:, None], 1)[:, 0])


# %%
optimizer = optax.adam(optax.cosine_decay_schedule(1e-2, n_steps))
trained = {"CNN": [], "MLP": []}
inits = {"CNN": init_cnn, "MLP": lambda k: init_mlp(k, (144, 64, 10), scale="he")}
models = {"CNN": cnn, "MLP": perceptron}
for name, k_model in (("CNN", k_cnn), ("MLP", k_mlp)):
    loss = partial(cross_entropy, models[name])
    for i, k in enumerate(jax.random.split(k_model, n_keys)):
        k_init, k_batch = jax.random.split(k)
        params, _, losses = fit(loss, inits[name](k_init), optimizer, n_steps, (X_tr, y_tr),
                             key=k_batch, batch_size=batch, desc=f"{name}, key {i + 1}/{n_keys}")
        trained[name].append(params)
n_params = {name: count_params(ps[0]) for name, ps in trained.items()}

# %%
directions = ((1, 0), (-1, 0), (0, 1), (0, -1))
amounts = (0, 1, 2)
# the test digits, then shifted by 1 and 2 pixels in each direction: 9 x 540 images
moves = [(0, 0)] + [(a * dy, a * dx) for a in amounts[1:] for dy, dx in directions]
X_moved = jax.jit(lambda x: jnp.concatenate([shift(x, dy, dx) for dy, dx in moves]))(X_te)


@partial(jax.jit, static_argnums=0)
def shifted_accuracy(name, params):
    """Held-out accuracy of a trained network for shifts of 0, 1 and 2 pixels (the mean over
    the four directions)."""
    hits = jnp.argmax(models[name](params, X_moved), axis=1) == jnp.tile(y_te, len(moves))
    hits = hits.reshape(len(moves), -1).mean(axis=1)
    return jnp.stack([hits[0], hits[1:5].mean(), hits[5:].mean()])


results = {name: np.array([shifted_accuracy(name, p) for p in ps]) for name, ps in trained.items()}
acc = {name: r[:, 0] for name, r in results.items()}   # unshifted
for name in acc:
    print(f"{name}: {n_params[name]} parameters, held-out accuracy {acc[name].mean():.2%} "
          f"(keys: {', '.join(f'{a:.2%}' for a in acc[name])})")
assert acc["CNN"].mean() >= 0.97
assert acc["CNN"].mean() > acc["MLP"].mean(), "the CNN beats a perceptron of the same size"

# %% [markdown]
# ## Shifted digits
#
# Now shift every test digit by one or two pixels, in each of the four directions, and
# re-evaluate the trained networks. The perceptron learnt weights tied to pixel positions and
# collapses. The CNN's convolutions are equivariant and its global max-pooling is invariant, so
# only the stride-2 pooling stands in the way: a 2-pixel shift leaves its outputs unchanged
# (checked to round-off), a 1-pixel shift costs a little.

# %%
shifted_acc = {name: r.mean(axis=0) for name, r in results.items()}
drop = {name: shifted_acc[name][0] - shifted_acc[name][1:].mean() for name in shifted_acc}
logits_te = cnn_layers(trained["CNN"][0], X_te)[-1]
logit_gap = rel_gap(cnn_layers(trained["CNN"][0], shift(X_te, 2, 0))[-1], logits_te)

fig, ax = plt.subplots(figsize=(5.5, 3.8))
for name, a in shifted_acc.items():
    ax.plot(amounts, a, "o-", label=f"{name} ({n_params[name]} parameters)")
ax.set(xticks=amounts, ylim=(0, 1.02), xlabel="shift of the test digits (pixels)",
       ylabel="held-out accuracy", title="Accuracy on shifted digits")
ax.legend()
plt.show()
for name in shifted_acc:
    print(f"{name}: accuracy {' -> '.join(f'{a:.1%}' for a in shifted_acc[name])} "
          f"for shifts {amounts}; mean drop {drop[name]:.1%}")
print(f"CNN logits, digits shifted by 2 pixels vs not: relative gap {logit_gap:.1e}")
assert logit_gap < 1e-5, "even shifts commute with the whole CNN"
assert drop["CNN"] < 0.25 * drop["MLP"], "the CNN loses far less than the perceptron"

# %% [markdown]
# ## What the CNN computes
#
# The 16 learnt $3\times 3$ filters of the first layer, then, for one test digit, the activation
# maps of each layer: 16 maps $12\times 12$ after the first convolution, 32 maps $6 \times 6$
# after the second, and the class probabilities computed from their maxima.

# %%
params = trained["CNN"][0]
filters = np.asarray(params["conv1"][0][:, :, 0, :])                  # (3, 3, 16)
example = X_te[:1]
h1, p1, h2, g, logits = (np.asarray(t[0]) for t in cnn_layers(params, example))
probs = np.asarray(jax.nn.softmax(logits))

def mosaic(maps, n_rows):
    """Tile maps (h, w, n) into one image of n_rows rows, separated by a blank pixel."""
    h, w, n = maps.shape
    tiles = np.full((n_rows * (h + 1), (n // n_rows) * (w + 1)), np.nan)
    for i in range(n):
        r, c = divmod(i, n // n_rows)
        tiles[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = maps[:, :, i]
    return tiles


lim = np.abs(filters).max()
fig, ax = plt.subplots(figsize=(9, 2.6))
ax.imshow(mosaic(filters, 2), cmap="RdBu_r", vmin=-lim, vmax=lim)
ax.set(xticks=[], yticks=[], title="The 16 first-layer filters, 3x3 (red > 0, blue < 0)")
plt.show()

fig, axes = plt.subplot_mosaic([["in", "h1", "h1"], ["p", "h2", "h2"]], figsize=(13, 4.6),
                               width_ratios=[1, 3, 3])
axes["in"].imshow(example[0, :, :, 0], cmap="gray_r")
axes["in"].set_title(f"input (label {int(y_te[0])})")
axes["p"].bar(range(10), probs)
axes["p"].set(xticks=range(10), ylim=(0, 1), xlabel="class", ylabel="probability")
axes["h1"].imshow(mosaic(h1, 2), cmap="magma")
axes["h1"].set_title("layer 1: 16 maps 12x12 (after ReLU)")
axes["h2"].imshow(mosaic(h2, 2), cmap="magma")
axes["h2"].set_title("layer 2: 32 maps 6x6 (after ReLU); their maxima feed the classifier")
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
