# %% [markdown]
# # 1. The learning landscape
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/01_landscape.ipynb)
#
# Machine learning comes in three flavours, told apart by what the data provides.
# **Supervised** learning gets pairs $(x_i, y_i)$ and learns $x \mapsto y$ (regression,
# classification). **Unsupervised** learning gets only the $x_i$ and looks for structure:
# a low-dimensional map of the data (dimensionality reduction) or groups (clustering).
# **Self-supervised** learning makes its own labels from the data: hide or corrupt part of
# $x$ and learn to restore it (denoising, masking, next-token prediction), the task that trains
# today's large models. This tour draws a small picture of each, embeds the 64-dimensional
# digits in the plane with PCA, t-SNE and UMAP, clusters with k-means and DBSCAN, and checks
# every claim with an `assert`.

# %%
# On Colab, install the tours' helper package; elsewhere `make` has installed it already.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "aitours[umap] @ git+https://github.com/mathematics-of-ai/numerical-tours"], check=True)

# %%
import warnings

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import umap  # its first import compiles numba code (~12 s once, cached on disk afterwards)
from ipywidgets import FloatSlider, interact
from sklearn.cluster import DBSCAN, KMeans
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from threadpoolctl import threadpool_limits

from aitours.cluster import kmeans_plus_plus, lloyd
from aitours.data import noisy_function_1d, two_gaussians
from aitours.plotting import style
from aitours.toy2d import two_moons

style()
SEED = 0
key = jax.random.PRNGKey(SEED)
k_reg, k_clf, k_init, k_moons, k_split, k_noise, k_seq = jax.random.split(key, 7)

# %% [markdown]
# ## A map of the field
#
# | family | data | task | example here | deeper in |
# |---|---|---|---|---|
# | supervised | $(x_i, y_i)$ | regression $y \in \mathbb{R}$, classification $y \in \{1..K\}$ | curve fit, linear classifier | tours 2, 5, 6, 7 |
# | unsupervised | $x_i$ | dimensionality reduction | PCA, t-SNE, UMAP on digits | this tour |
# | unsupervised | $x_i$ | clustering | k-means, DBSCAN | this tour |
# | unsupervised | $x_i$ | generative modelling | VAE, GAN, diffusion | tour 10 |
# | self-supervised | $x_i$, labels made from $x_i$ | denoise, unmask, predict the next token | linear denoiser, inpainter, predictor | tours 9, 10 |
#
# ## Supervised learning
#
# Given $n$ examples, pick $f_\theta$ minimising the empirical risk
# $\frac1n\sum_i \ell(f_\theta(x_i), y_i)$ (tour 2). **Regression**: $y$ is a number and
# $\ell(y', y) = (y'-y)^2$; below, a cubic polynomial fitted by least squares.
# **Classification**: $y$ is a class; below, two Gaussian clouds separated by the linear rule
# $\mathrm{sign}\langle x - m, w\rangle$ with $w = \mu_+ - \mu_-$ the difference of the class
# means and $m$ their midpoint (the optimal rule for two Gaussians of equal, isotropic
# covariance). Tours 5–7 replace these linear models by kernels, neural networks and CNNs.

# %%
# small problems: the data come from jax.random, the algebra runs in numpy (instant here)
x_reg, y_reg = map(np.asarray, noisy_function_1d(k_reg, 40, lambda x: jnp.sin(3 * x) + x,
                                                 noise=0.2))
coef = np.polyfit(x_reg, y_reg, 3)  # least squares on 1, x, x^2, x^3
xs = np.linspace(-1, 1, 200)
rmse_reg = float(np.sqrt(np.mean((np.polyval(coef, x_reg) - y_reg) ** 2)))

X_clf, y_clf = map(np.asarray, two_gaussians(k_clf, 400, 2, separation=3.0))
X_tr, y_tr, X_te, y_te = X_clf[::2], y_clf[::2], X_clf[1::2], y_clf[1::2]
mu_p, mu_m = X_tr[y_tr > 0].mean(0), X_tr[y_tr < 0].mean(0)
w, m = mu_p - mu_m, (mu_p + mu_m) / 2
acc_clf = float(np.mean(np.sign((X_te - m) @ w) == y_te))

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
axes[0].scatter(x_reg, y_reg, s=15, color="C1", label="samples $(x_i, y_i)$")
axes[0].plot(xs, np.sin(3 * xs) + xs, "k--", lw=1, label="truth $f(x) = \\sin 3x + x$")
axes[0].plot(xs, np.polyval(coef, xs), color="C0", label="least-squares cubic")
axes[0].set(xlabel="$x$", ylabel="$y$", title=f"Regression (RMSE {rmse_reg:.2f})")
axes[0].legend()
for lab, mk in ((1, "o"), (-1, "s")):
    pts = X_te[y_te == lab]
    axes[1].scatter(pts[:, 0], pts[:, 1], s=10, marker=mk, alpha=0.6, label=f"class {lab:+d}")
u = np.array([-5.0, 5.0])
normal = np.array([-w[1], w[0]])  # the boundary passes through m, orthogonal to w
axes[1].plot(m[0] + u * normal[0], m[1] + u * normal[1], "k", label="boundary")
axes[1].set(xlim=(-4, 4), ylim=(-4, 4), xlabel="$x_1$", ylabel="$x_2$",
            title=f"Classification (test accuracy {acc_clf:.0%})")
axes[1].legend(loc="lower right")
plt.show()

# the Bayes error of two unit Gaussians 3 apart is Phi(-1.5) = 6.7 %
print(f"regression RMSE {rmse_reg:.3f} (noise 0.2); classification test accuracy {acc_clf:.1%}")
assert rmse_reg < 0.3
assert acc_clf > 0.85

# %% [markdown]
# ## Unsupervised learning: dimensionality reduction
#
# scikit-learn's digits are $n = 1797$ images of $8\times8$ pixels: points of $\mathbb{R}^{64}$.
# Can we draw them in the plane so that similar digits land close together? No label is used
# to build the maps; the labels only colour the pictures and score them afterwards.
#
# **PCA** projects the centred data $\bar X$ on the two directions of largest variance: with the
# SVD $\bar X = U \Sigma V^\top$, the variance along the $k$-th right singular vector $v_k$ is
# $\sigma_k^2 / (n-1)$, and the embedding is $z_i = (\langle \bar x_i, v_1\rangle,
# \langle \bar x_i, v_2\rangle)$: the best *linear* 2-d map in least squares.

# %%
digits = load_digits()
X_dig, y_dig = digits.data, digits.target
n_dig = X_dig.shape[0]

Xd = jnp.asarray(X_dig, jnp.float32)
Xbar = Xd - Xd.mean(0)
U, S, Vt = jnp.linalg.svd(Xbar, full_matrices=False)
variances = np.asarray(S**2 / (n_dig - 1), np.float64)
Z_pca = np.asarray(Xbar @ Vt[:2].T)

sk_var = PCA().fit(X_dig).explained_variance_
nonzero = sk_var > 1e-6 * sk_var[0]  # 3 pixels are always blank: their variance is exactly 0
rel_err = np.abs(variances[nonzero] / sk_var[nonzero] - 1)
print(f"{nonzero.sum()} non-zero variances; max relative gap to scikit-learn: {rel_err.max():.1e}")
print(f"the first 2 components explain {variances[:2].sum() / variances.sum():.1%} of the variance")
assert rel_err.max() < 1e-5
assert np.all(variances[~nonzero] < 1e-6 * variances[0])

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(np.arange(1, 65), np.cumsum(variances) / variances.sum(), "o-", ms=3)
ax.set(xlabel="number of components $k$", ylabel="explained variance",
       title="PCA of the digits: cumulative explained variance")
plt.show()

# %% [markdown]
# Two linear directions keep less than a third of the variance. Nonlinear maps do better by
# preserving *neighbourhoods* rather than distances.
#
# **t-SNE** turns distances into neighbour probabilities
# $p_{j|i} \propto \exp(-\|x_i - x_j\|^2 / 2\sigma_i^2)$ (each $\sigma_i$ set so that every point
# has about 30 effective neighbours, the *perplexity*), symmetrised into $p_{ij}$, and places
# the $z_i \in \mathbb{R}^2$ to make the heavy-tailed $q_{ij} \propto (1 + \|z_i - z_j\|^2)^{-1}$
# match them: $\min_z \mathrm{KL}(p \,\|\, q)$ by gradient descent.
#
# **UMAP** builds a weighted $k$-nearest-neighbour graph, $w_{ij} = \exp(-(d_{ij} - \rho_i)/\sigma_i)$
# with $\rho_i$ the distance to the nearest neighbour, and lays it out in the plane by SGD on a
# cross-entropy between $w$ and $(1 + a\|z_i - z_j\|^{2b})^{-1}$. We hand it scikit-learn's exact
# 15 nearest neighbours (UMAP's own search would compile more numba code on its first call) and
# 200 epochs of layout.

# %%
# One thread: t-SNE's OpenMP threads slow down many-fold when the cores are shared (e.g. tests
# run in parallel). 300 iterations: the first 250 "early exaggeration" ones form the clusters.
with threadpool_limits(1):
    Z_tsne = TSNE(n_components=2, init="pca", max_iter=300, random_state=SEED).fit_transform(X_dig)

# %%
knn_dist, knn_idx = NearestNeighbors(n_neighbors=15).fit(X_dig).kneighbors(X_dig)
with warnings.catch_warnings():
    # without a search index UMAP cannot embed *new* points afterwards: not needed here
    warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]")
    reducer = umap.UMAP(n_neighbors=15, n_epochs=200, random_state=SEED, n_jobs=1,
                        precomputed_knn=(knn_idx, knn_dist))
    Z_umap = reducer.fit_transform(X_dig)

# %%
embeddings = {"PCA": Z_pca, "t-SNE": Z_tsne, "UMAP": Z_umap}
fig, axes = plt.subplots(1, 3, figsize=(13, 4.4))
for ax, (name, Z) in zip(axes, embeddings.items(), strict=True):
    sc = ax.scatter(Z[:, 0], Z[:, 1], c=y_dig, cmap="tab10", s=4, vmin=-0.5, vmax=9.5)
    ax.set(xlabel="$z_1$", ylabel="$z_2$", title=f"{name} of the digits", xticks=[], yticks=[])
fig.colorbar(sc, ax=axes, ticks=range(10), label="digit", shrink=0.85)
plt.show()

# %% [markdown]
# Two scores of a 2-d embedding (the labels are used only by the first):
# - **5-NN accuracy**: classify each point by a vote of its 5 nearest neighbours *in the plane*
#   (5-fold cross-validated). High when digits of one class form one clump.
# - **Trustworthiness** $T(k) = 1 - \frac{2}{nk(2n-3k-1)}\sum_i \sum_{j \in U_i^k} (r(i,j) - k)$,
#   where $U_i^k$ are the points among the $k$ nearest neighbours of $i$ in the plane but not in
#   $\mathbb{R}^{64}$ and $r(i,j)$ is their rank in $\mathbb{R}^{64}$: $T = 1$ when the map
#   creates no false neighbours. Here $k = 5$.

# %%
scores = {}
for name, Z in embeddings.items():
    acc = cross_val_score(KNeighborsClassifier(n_neighbors=5), Z, y_dig, cv=5).mean()
    scores[name] = (acc, trustworthiness(X_dig, Z, n_neighbors=5))
    print(f"{name:6s} 5-NN accuracy {scores[name][0]:.3f}   trustworthiness {scores[name][1]:.3f}")
for name in ("t-SNE", "UMAP"):
    assert scores[name][0] > scores["PCA"][0] + 0.2, f"{name} separates the classes better"
    assert scores[name][1] > scores["PCA"][1] + 0.05, f"{name} creates fewer false neighbours"

# %% [markdown]
# ## Unsupervised learning: clustering
#
# **k-means** looks for $k$ centres $c_1, \dots, c_k$ minimising the *inertia*
# $I = \sum_i \min_j \|x_i - c_j\|^2$. **Lloyd's algorithm** alternates the two exact partial
# minimisations: assign each point to its nearest centre, then move each centre to the mean of
# its points. Neither step can increase $I$, so the inertia decreases monotonically to a fixed
# point. Our JAX version (`aitours.cluster.lloyd`, a `lax.scan`) starts from k-means++ seeds; so
# does scikit-learn's `KMeans` from the *same* seeds, and both reach the same inertia.

# %%
C0 = kmeans_plus_plus(k_init, Xd, 10)
centers, labels_km, inertias = lloyd(Xd, C0, 100)
inertias = np.asarray(inertias)
sk_km = KMeans(n_clusters=10, init=np.asarray(C0, np.float64), n_init=1, algorithm="lloyd",
               max_iter=100).fit(X_dig)
gap = abs(inertias[-1] / sk_km.inertia_ - 1)
ari_digits = adjusted_rand_score(y_dig, np.asarray(labels_km))
print(f"inertia: JAX {inertias[-1]:.1f}, scikit-learn {sk_km.inertia_:.1f} (gap {gap:.2%}); "
      f"adjusted Rand index vs the true digits {ari_digits:.2f}")
assert gap < 0.01
assert np.all(np.diff(inertias) <= 1e-5 * inertias[0]), "Lloyd never increases the inertia"

fig = plt.figure(figsize=(11, 3.2))
grid = fig.add_gridspec(2, 9)
ax = fig.add_subplot(grid[:, :4])
ax.plot(inertias[:31], "o-", ms=3)
ax.set(xlabel="iteration", ylabel="inertia $I$", title="Lloyd's algorithm on the digits")
for j in range(10):
    a = fig.add_subplot(grid[j // 5, 4 + j % 5])
    a.imshow(np.asarray(centers[j]).reshape(8, 8), cmap="gray_r")
    a.set(xticks=[], yticks=[])
    a.grid(False)
    a.set_title(f"centre {j}", fontsize=8)
plt.show()

# %% [markdown]
# k-means cuts space into convex (Voronoi) cells, so it cannot follow clusters that wrap around
# each other. **DBSCAN** (density-based) instead links any two points closer than $\varepsilon$
# when they sit in dense regions (at least 5 points within $\varepsilon$), and calls each
# connected piece a cluster; isolated points are noise. On two interleaved moons, we score the
# clusters against the true moons by the **adjusted Rand index** (1: identical partitions,
# about 0: no better than chance).

# %%
X_moons, y_moons = two_moons(k_moons, 500, noise=0.06)
X_moons, y_moons = np.asarray(X_moons), np.asarray(y_moons)
_, labels_km2, _ = lloyd(X_moons, kmeans_plus_plus(k_init, X_moons, 2), 50)
ari_km = adjusted_rand_score(y_moons, np.asarray(labels_km2))
eps = 0.2
labels_db = DBSCAN(eps=eps, min_samples=5).fit_predict(X_moons)
ari_db = adjusted_rand_score(y_moons, labels_db)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for ax, lab, title in ((axes[0], np.asarray(labels_km2), f"k-means, ARI = {ari_km:.2f}"),
                       (axes[1], labels_db, f"DBSCAN ($\\varepsilon$ = {eps}), ARI = {ari_db:.2f}")):
    ax.scatter(X_moons[:, 0], X_moons[:, 1], c=lab, cmap="coolwarm", s=8)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title, aspect="equal")
plt.show()
print(f"adjusted Rand index: k-means {ari_km:.3f}, DBSCAN {ari_db:.3f} "
      f"({np.sum(labels_db == -1)} points left as noise)")
assert ari_db > 0.95
assert ari_km < 0.6

# %% [markdown]
# ### Try it: DBSCAN's radius
#
# Too small an $\varepsilon$ shatters the moons into many clusters and noise; too large an
# $\varepsilon$ merges them into one.

# %%
def show_dbscan(eps=0.2):
    lab = DBSCAN(eps=eps, min_samples=5).fit_predict(X_moons)
    n_clusters = len(set(lab.tolist()) - {-1})
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    ax.scatter(X_moons[:, 0], X_moons[:, 1], c=lab, cmap="tab10", s=8, vmin=-1, vmax=9)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal",
           title=f"ε = {eps:.2f}: {n_clusters} clusters, "
                 f"ARI = {adjusted_rand_score(y_moons, lab):.2f}")
    plt.show()


interact(show_dbscan, eps=FloatSlider(value=0.2, min=0.02, max=0.8, step=0.02, description="ε"));

# %% [markdown]
# ## Self-supervised learning
#
# No labels are given, so make some from the data: corrupt or hide part of $x$, and learn to
# restore it. Three such tasks, each solved here by the simplest model, least squares on the
# digits (1000 for training, the rest to test):
# - **denoising**: from $\tilde x = x + \sigma\varepsilon$ predict $x$. The learned map
#   $x \approx W^\top \tilde x + b$ is a Wiener filter; diffusion models (tour 10) chain
#   denoisers at many noise levels into a generative model;
# - **masking**: from the top half of a digit predict the bottom half (masked language models
#   and masked autoencoders do this with words and image patches);
# - **next-token prediction**: from the past of a sequence predict its next element (the task of
#   large language models; tour 9 shows a transformer learning it in context).

# %%
perm = np.asarray(jax.random.permutation(k_split, n_dig))
clean = X_dig / 16  # pixels in [0, 1]
sigma = 0.3
noisy = clean + sigma * np.asarray(jax.random.normal(k_noise, clean.shape))
D_tr, D_te = clean[perm[:1000]], clean[perm[1000:]]
noisy_tr, noisy_te = noisy[perm[:1000]], noisy[perm[1000:]]


def ridge(A, B, lam=1e-1):
    """Affine least squares B ≈ [A, 1] W with a small ridge penalty: returns the predictor."""
    A1 = np.hstack([A, np.ones((len(A), 1))])
    W = np.linalg.solve(A1.T @ A1 + lam * np.eye(A1.shape[1]), A1.T @ B)
    return lambda A_new: np.hstack([A_new, np.ones((len(A_new), 1))]) @ W


denoise = ridge(noisy_tr, D_tr)
mse_noisy = np.mean((noisy_te - D_te) ** 2)
mse_denoised = np.mean((denoise(noisy_te) - D_te) ** 2)

top = np.arange(64) < 32  # the first 4 rows of pixels are seen, the last 4 are masked
inpaint = ridge(D_tr[:, top], D_tr[:, ~top])
mse_mean = np.mean((D_tr[:, ~top].mean(0) - D_te[:, ~top]) ** 2)
mse_inpaint = np.mean((inpaint(D_te[:, top]) - D_te[:, ~top]) ** 2)
print(f"denoising: MSE {mse_noisy:.4f} (noisy input) -> {mse_denoised:.4f} (denoised)")
print(f"masking:   MSE {mse_mean:.4f} (mean bottom half) -> {mse_inpaint:.4f} (predicted from the top)")
assert mse_denoised < 0.4 * mse_noisy
assert mse_inpaint < 0.8 * mse_mean

# %%
show = np.arange(8)
masked = D_te[show].copy()
masked[:, ~top] = np.nan
inpainted = D_te[show].copy()
inpainted[:, ~top] = inpaint(D_te[show][:, top])
rows = {"clean": D_te[show], "noisy": noisy_te[show], "denoised": denoise(noisy_te[show]),
        "masked": masked, "inpainted": inpainted}
fig, axes = plt.subplots(len(rows), len(show), figsize=(8, 5.2))
for r, (name, imgs) in enumerate(rows.items()):
    for c in range(len(show)):
        axes[r, c].imshow(imgs[c].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        axes[r, c].set(xticks=[], yticks=[])
        axes[r, c].grid(False)
    axes[r, 0].set_ylabel(name)
fig.suptitle("Self-supervision on held-out digits: denoise, then fill in the masked half")
plt.show()

# %% [markdown]
# Next-token prediction on a signal: $s_t$ is a sum of two sines plus noise, and a linear
# autoregressive model $\hat s_{t+1} = \sum_{j=0}^{p-1} a_j s_{t-j}$ is fitted by least squares
# on the first half and tested on the second. (A noiseless sum of two sines obeys an exact
# linear recursion of order 4, so the past determines the future.)

# %%
T_len, p_ar = 400, 8
t = np.arange(T_len)
s = (np.sin(2 * np.pi * t / 37) + 0.6 * np.sin(2 * np.pi * t / 11)
     + 0.1 * np.asarray(jax.random.normal(k_seq, (T_len,))))
# row t of `past` holds (s_t, s_{t-1}, ..., s_{t-p+1}); the target is s_{t+1}
past = np.stack([s[p_ar - 1 - j:T_len - 1 - j] for j in range(p_ar)], 1)
nxt = s[p_ar:]
half = len(nxt) // 2
a = np.linalg.lstsq(past[:half], nxt[:half])[0]
pred = past[half:] @ a
mse_next, var_s = np.mean((pred - nxt[half:]) ** 2), np.var(nxt[half:])

fig, ax = plt.subplots(figsize=(9, 3.2))
tt = np.arange(p_ar + half, T_len)
ax.plot(tt, nxt[half:], color="gray", lw=1, label="signal $s_{t+1}$")
ax.plot(tt, pred, "C0", lw=1.2, label=r"prediction $\hat s_{t+1}$ from $s_t, \dots, s_{t-7}$")
ax.set(xlim=(tt[0], tt[0] + 120), xlabel="time $t$", ylabel="$s$",
       title=f"Next-token prediction (test MSE {mse_next:.3f}, signal variance {var_s:.2f})")
ax.legend(loc="upper right")
plt.show()
print(f"next-token prediction: test MSE {mse_next:.4f}, signal variance {var_s:.3f}")
assert mse_next < 0.15 * var_s
