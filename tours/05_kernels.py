# %% [markdown]
# # 5. Linear models and kernels
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mathematics-of-ai/numerical-tours/blob/main/tours/05_kernels.ipynb)
#
# A model linear in its parameters, $f_\theta(x) = \langle \varphi(x), \theta\rangle$, keeps
# empirical risk minimisation convex, and a rich feature map $\varphi: \mathbb{R}^d \to
# \mathbb{R}^D$ makes it non-linear in $x$. This tour shows that the ridge solution only needs
# inner products $k(x, x') = \langle\varphi(x), \varphi(x')\rangle$ (the *kernel trick*), so that
# $D$ may even be infinite, as for the Gaussian kernel; it writes kernel ridge regression in JAX
# (checked against scikit-learn), approximates the kernel with $D$ random Fourier features
# (error $\propto 1/\sqrt D$), and ends with the step deep learning takes: *learning* $\varphi$
# instead of fixing it, which wins clearly on a target that depends on one hidden direction.

# %%
# On Colab, install the tours' helper package; elsewhere `make` has installed it already.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "aitours @ git+https://github.com/mathematics-of-ai/numerical-tours"], check=True)

# %%

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax
from ipywidgets import FloatLogSlider, interact
from sklearn.kernel_ridge import KernelRidge

from aitours import enable_x64
from aitours import random as rnd
from aitours.data import noisy_function_1d
from aitours.kernels import gaussian_kernel, rff_features, rff_sample
from aitours.plotting import style
from aitours.rates import loglog_slope
from aitours.train import fit

style()
SEED = 0
key = jax.random.PRNGKey(SEED)
k_lin, k_1d, k_rff, k_reg, k_deep = jax.random.split(key, 5)

# %% [markdown]
# ## Linear models: the solution lives in the span of the data
#
# Ridge regression on $n$ samples $x_i \in \mathbb{R}^d$ (the rows of $X$) minimises the convex risk
# $$ E(\theta) = \frac1n \|X\theta - y\|^2 + \lambda \|\theta\|^2, \qquad
#    \theta^\star = (X^\top X + n\lambda I_d)^{-1} X^\top y = X^\top (X X^\top + n\lambda I_n)^{-1} y. $$
# The second (*dual*) form follows from $X^\top(XX^\top + n\lambda) = (X^\top X + n\lambda)X^\top$:
# $\theta^\star = \sum_i \alpha_i x_i$ is a combination of the samples (**representer theorem**),
# with $\alpha = (K + n\lambda I)^{-1} y$ and $K = XX^\top$ the matrix of inner products. The
# primal solve costs $O(d^3)$, the dual $O(n^3)$: when $d \gg n$, the dual wins.

# %%
n_lin, d_lin, lam_lin = 40, 500, 1e-2


# any data will do: the identity is exact (numpy float64 for these small systems)
Z = np.asarray(rnd.normal(k_lin, (n_lin, d_lin + 1)), np.float64)
X_lin, y_lin = Z[:, :d_lin], Z[:, d_lin]
theta_primal = np.linalg.solve(X_lin.T @ X_lin + n_lin * lam_lin * np.eye(d_lin),
                               X_lin.T @ y_lin)                                  # d x d system
alpha_lin = np.linalg.solve(X_lin @ X_lin.T + n_lin * lam_lin * np.eye(n_lin), y_lin)  # n x n
theta_dual = X_lin.T @ alpha_lin
gap_lin = np.linalg.norm(theta_primal - theta_dual) / np.linalg.norm(theta_primal)
print(f"d = {d_lin} > n = {n_lin}: |theta_primal - X^T alpha| / |theta_primal| = {gap_lin:.1e}")
assert gap_lin < 1e-10

# %% [markdown]
# ## Kernels: features of infinite dimension
#
# Replace $x$ by features $\varphi(x) \in \mathbb{R}^D$. The dual solution only involves the
# **kernel** $k(x, x') = \langle \varphi(x), \varphi(x')\rangle$:
# $$ \alpha = (K + n\lambda I)^{-1} y, \quad K_{ij} = k(x_i, x_j), \qquad
#    f(x) = \langle \varphi(x), \theta^\star\rangle = \sum_{i=1}^n \alpha_i\, k(x_i, x). $$
# So $D$ never appears, and may be infinite. The Gaussian kernel
# $k(x, x') = e^{-|x-x'|^2/(2\sigma^2)}$ is such a case: in 1-d, expanding $e^{xx'/\sigma^2}$,
# $$ k(x, x') = \sum_{j=0}^{\infty} \varphi_j(x)\varphi_j(x'), \qquad
#    \varphi_j(x) = e^{-x^2/(2\sigma^2)} \frac{(x/\sigma)^j}{\sqrt{j!}} , $$
# an inner product of infinitely many features. Truncated at $D$ terms, the Gram matrix
# $\Phi_D\Phi_D^\top$ converges to $K$ (super-exponentially in $D$).

# %%
sigma, lam = 0.3, 1e-3


def target_1d(x):
    return jnp.sin(4 * x) + 0.5 * x


@jax.jit
def taylor_errors(x):
    """max |Phi_D Phi_D^T - K| for the first D = 1..80 Taylor features, all at once."""
    K = gaussian_kernel(x[:, None], sigma=sigma)
    j = jnp.arange(80.0)
    Phi = (jnp.exp(-x[:, None] ** 2 / (2 * sigma**2)) * (x[:, None] / sigma) ** j
           * jnp.exp(-0.5 * jax.scipy.special.gammaln(j + 1)))
    grams = jnp.cumsum(Phi.T[:, :, None] * Phi.T[:, None, :], axis=0)   # (80, n, n)
    return jnp.max(jnp.abs(grams - K), axis=(1, 2))


with enable_x64():
    x_1d, y_1d = jax.jit(noisy_function_1d, static_argnums=(1, 2, 3))(k_1d, 40, target_1d, 0.2)
    taylor_err = np.asarray(taylor_errors(x_1d))
Ds_taylor = np.arange(1, 81)
print(f"max |Phi_D Phi_D^T - K|: D = 10: {taylor_err[9]:.1e}, D = 30: {taylor_err[29]:.1e}, "
      f"D = 60: {taylor_err[59]:.1e}")
assert taylor_err[59] < 1e-12 and taylor_err[29] < 1e-4 * taylor_err[9]

fig, ax = plt.subplots()
ax.semilogy(Ds_taylor, np.maximum(taylor_err, 1e-17))
ax.set(xlabel="number of features $D$", ylabel=r"$\max_{ij} |(\Phi_D\Phi_D^\top)_{ij} - K_{ij}|$",
       title=rf"Gaussian kernel ($\sigma$ = {sigma}): $D$ Taylor features, $D \to \infty$")
plt.show()

# %% [markdown]
# ## Kernel ridge regression in JAX
#
# Fit $n = 40$ noisy samples of $\sin(4x) + x/2$ with the Gaussian kernel. scikit-learn's
# `KernelRidge(alpha, kernel="rbf", gamma)` solves $(K + \texttt{alpha}\, I)\alpha = y$: the same
# problem for $\texttt{alpha} = n\lambda$ and $\gamma = 1/(2\sigma^2)$.

# %%
@jax.jit
def krr_fit(x_train, y_train, sigma, lam):
    K = gaussian_kernel(x_train, sigma=sigma)
    return jnp.linalg.solve(K + x_train.shape[0] * lam * jnp.eye(x_train.shape[0]), y_train)


@jax.jit
def krr_predict(alpha, x_train, x_new, sigma):
    return gaussian_kernel(x_new, x_train, sigma=sigma) @ alpha


xs = np.linspace(-1, 1, 400)
with enable_x64():
    X1, grid = x_1d[:, None], jnp.asarray(xs[:, None])
    alpha_1d = krr_fit(X1, y_1d, sigma, lam)
    f_krr = np.asarray(krr_predict(alpha_1d, X1, grid, sigma))
sk = KernelRidge(alpha=len(x_1d) * lam, kernel="rbf", gamma=1 / (2 * sigma**2))
sk.fit(np.asarray(X1), np.asarray(y_1d))
f_sk = sk.predict(np.asarray(xs, np.float64)[:, None])
gap_sk = float(np.max(np.abs(f_krr - f_sk)))
print(f"max |f_JAX - f_scikit-learn| on a grid of {len(xs)} points: {gap_sk:.1e}")
assert gap_sk < 1e-6

# %% [markdown]
# The representer theorem, made visible: the fitted function is a sum of $n$ Gaussian bumps
# $\alpha_i k(x_i, \cdot)$, one per sample, although the model has infinitely many features.

# %%
@jax.jit
def krr_bumps(x_train, y_train, x_new, sigma, lam):
    """The n functions alpha_i k(x_i, .) on x_new: (n, m)."""
    return krr_fit(x_train, y_train, sigma, lam)[:, None] * gaussian_kernel(x_train, x_new,
                                                                            sigma=sigma)


def show_krr(sigma=0.3, lam=1e-3):
    with enable_x64():
        bumps = np.asarray(krr_bumps(X1, y_1d, grid, sigma, lam))
    fig, ax = plt.subplots()
    ax.plot(xs, bumps.T, color="C0", lw=0.7, alpha=0.5)
    ax.plot([], [], color="C0", lw=0.7, label=r"bumps $\alpha_i k(x_i, \cdot)$")
    ax.plot(xs, bumps.sum(0), color="C3", lw=2.2, label=r"$f = \sum_i \alpha_i k(x_i, \cdot)$")
    ax.plot(xs, target_1d(xs), "k--", lw=1, label="target")
    ax.scatter(x_1d, y_1d, s=16, color="k", zorder=3, label="samples")
    ax.set(xlabel="$x$", ylabel="$y$", ylim=(-2.5, 2.5),
           title=rf"Kernel ridge regression, $\sigma$ = {sigma:.2g}, $\lambda$ = {lam:.1e}")
    ax.legend(loc="lower right", fontsize=8)
    plt.show()


show_krr(sigma, lam)

# %% [markdown]
# Try it: move $\sigma$ (the bumps' width) and $\lambda$. Small $\sigma$ and $\lambda$
# interpolate the noise; large ones smooth it out, until the fit flattens.

# %%
interact(show_krr, sigma=FloatLogSlider(0.3, base=10, min=-1.5, max=0, description="σ"),
         lam=FloatLogSlider(1e-3, base=10, min=-8, max=0, description="λ"));

# %% [markdown]
# ## Random Fourier features: a finite $\varphi$ with error $1/\sqrt{D}$
#
# Kernel methods cost $O(n^3)$: too much for large $n$. Bochner's theorem writes the Gaussian
# kernel as an expectation, $k(x, x') = \mathbb{E}_{w, b}\big[2\cos(\langle w, x\rangle + b)
# \cos(\langle w, x'\rangle + b)\big]$ with $w \sim \mathcal{N}(0, I/\sigma^2)$ and $b$ uniform on
# $[0, 2\pi)$. Averaging $D$ independent draws gives features
# $\varphi_D(x) = \sqrt{2/D}\,\big(\cos(\langle w_j, x\rangle + b_j)\big)_{j \le D}$ with
# $\langle\varphi_D(x), \varphi_D(x')\rangle \to k(x, x')$ at the Monte Carlo rate $1/\sqrt{D}$.
# We measure the root-mean-square error over the Gram matrix of 64 points in $\mathbb{R}^5$,
# averaged over 8 draws, for $D = 4, \dots, 4096$ (each $\varphi_D$ takes the first $D$ of 4096
# features, so one draw serves every $D$).

# %%
Ds = [2**k for k in range(2, 13)]
D_max, n_rff, d_rff, sigma_rff, draws = Ds[-1], 64, 5, 2.0, 8


def prefix_grams(Phi1, Phi2):
    """Gram matrices <phi_D(x), phi_D(x')> of the first D features, for every D in Ds.

    Phi1, Phi2: (n1, D_max), (n2, D_max) features scaled for D_max; returns (len(Ds), n1, n2).
    Products of blocks of Ds[0] features, summed cumulatively: the cost of one Phi1 Phi2^T."""
    B = D_max // Ds[0]
    blocks = jnp.einsum("ibk,jbk->bij", Phi1.reshape(len(Phi1), B, -1),
                        Phi2.reshape(len(Phi2), B, -1))
    D = np.array(Ds)
    return jnp.cumsum(blocks, axis=0)[D // Ds[0] - 1] * (D_max / D)[:, None, None]


@jax.jit
def rff_experiment(k):
    """RMS error of the random-feature Gram matrix of 64 points in R^5, for every D, averaged
    over `draws` independent draws; and the first draw's (W, b), for a picture."""
    kx, kd = jax.random.split(k)
    X = rnd.normal(kx, (n_rff, d_rff))
    K = gaussian_kernel(X, sigma=sigma_rff)
    W, b = rff_sample(kd, d_rff, draws * D_max, sigma_rff)          # `draws` independent sets
    W, b = W.reshape(draws, D_max, d_rff), b.reshape(draws, D_max)

    def rms_error(W, b):
        Phi = rff_features(X, W, b)
        return jnp.sqrt(jnp.mean((prefix_grams(Phi, Phi) - K) ** 2, axis=(1, 2)))

    errors = jax.lax.map(lambda Wb: rms_error(*Wb), (W, b)).mean(axis=0)   # one draw at a time
    return errors, W[0], b[0]


rff_err, W_first, b_first = map(np.asarray, rff_experiment(k_rff))
slope_rff = loglog_slope(Ds, rff_err)
print(f"RMS error: D = {Ds[0]}: {rff_err[0]:.3f}, D = {Ds[-1]}: {rff_err[-1]:.4f}; "
      f"log-log slope {slope_rff:.3f} (theory -0.5)")
assert -0.65 <= slope_rff <= -0.35

# %%
# the first draw's approximate kernel along a line, k_D(0, t e_1) (it only sees |x - x'|)
t_grid = np.linspace(-3 * sigma_rff, 3 * sigma_rff, 300)
terms = 2 * np.cos(b_first) * np.cos(t_grid[:, None] * W_first[:, 0] + b_first)   # (300, D_max)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.loglog(Ds, rff_err, "o-", label=f"measured, slope {slope_rff:.2f}")
ax1.loglog(Ds, rff_err[0] * (np.array(Ds) / Ds[0]) ** -0.5, "k--", lw=1, label=r"$\propto D^{-1/2}$")
ax1.set(xlabel="number of random features $D$", ylabel="RMS error on the Gram matrix",
        title="Random Fourier features: Monte Carlo rate")
ax1.legend()
for D in (16, 256, 4096):
    ax2.plot(t_grid, terms[:, :D].mean(axis=1), lw=1.2, label=f"$D$ = {D}")
ax2.plot(t_grid, np.exp(-t_grid**2 / (2 * sigma_rff**2)), "k--", label="$k(0, t)$")
ax2.set(xlabel="$t$", ylabel=r"$\langle \varphi_D(0), \varphi_D(t)\rangle$",
        title="Approximate kernel along a line")
ax2.legend(fontsize=8)
plt.show()

# %% [markdown]
# Ridge regression on $\varphi_D$ is kernel ridge regression with the approximate kernel
# $\Phi_D\Phi_D^\top$, so its predictions approach the exact ones as $D$ grows, at the same
# $1/\sqrt{D}$ rate. Back to the 1-d samples above (distance to kernel ridge averaged over 8 draws
# of the features; the curves show one draw):

# %%
@jax.jit
def rff_ridge(k, x_train, y_train, x_new):
    """Ridge on the first D random features, for every D in Ds, solved in the dual (n x n):
    alpha_D = (K_D + n lam I)^-1 y, weights theta_D = Phi_D^T alpha_D. Predictions on x_new for
    `draws` independent draws of the features: (draws, len(Ds), m)."""
    n_tr, D = x_train.shape[0], np.array(Ds)[:, None]
    W, b = rff_sample(k, x_train.shape[1], draws * D_max, sigma)
    W, b = W.reshape(draws, D_max, -1), b.reshape(draws, D_max)

    def one_draw(Wb):
        Phi_tr, Phi_new = rff_features(x_train, *Wb), rff_features(x_new, *Wb)
        rhs = jnp.broadcast_to(y_train[:, None], (len(Ds), n_tr, 1))
        alpha = jnp.linalg.solve(prefix_grams(Phi_tr, Phi_tr) + n_tr * lam * jnp.eye(n_tr), rhs)
        theta = (alpha[..., 0] @ Phi_tr) * (np.arange(D_max) < D) * (D_max / D)  # (len(Ds), D_max)
        return theta @ Phi_new.T

    return jax.lax.map(one_draw, (W, b))


f_D = np.asarray(rff_ridge(k_reg, np.asarray(X1, np.float32), np.asarray(y_1d, np.float32),
                           np.asarray(xs[:, None], np.float32)))
gap_D = np.sqrt(np.mean((f_D - f_krr) ** 2, axis=2)).mean(axis=0)     # averaged over draws
scale = np.sqrt(np.mean(f_krr**2))
slope_reg = loglog_slope(Ds, gap_D)
print(f"RMS |f_D - f_KRR| / RMS |f_KRR|: D = {Ds[0]}: {gap_D[0] / scale:.3f}, "
      f"D = {Ds[-1]}: {gap_D[-1] / scale:.4f}; log-log slope {slope_reg:.2f}")
assert gap_D[-1] < 0.05 * scale and -0.9 <= slope_reg <= -0.25

fig, ax = plt.subplots()
ax.scatter(x_1d, y_1d, s=16, color="k", zorder=3, label="samples")
for D in (4, 16, 256):
    ax.plot(xs, f_D[0, Ds.index(D)], lw=1.2, label=f"random features, $D$ = {D}")
ax.plot(xs, f_krr, "k--", lw=1.5, label="kernel ridge ($D = \\infty$)")
ax.set(xlabel="$x$", ylabel="$y$", ylim=(-2.5, 2.5), title="Ridge on $D$ random Fourier features")
ax.legend(loc="lower right", fontsize=8)
plt.show()

# %% [markdown]
# ## Deep learning learns $\varphi$
#
# Kernels and random features fix $\varphi$ before seeing the data. A two-layer network
# $f(x) = \sum_{s=1}^N a_s\, \mathrm{ReLU}(\langle w_s, x\rangle + b_s) + c$ *learns* its features
# $\varphi_s(x) = \mathrm{ReLU}(\langle w_s, x\rangle + b_s)$ along with $a$. Take a target that
# depends on one hidden direction $u$ in dimension $d = 16$,
# $y = \sqrt{1 + \langle u, x\rangle^2}$, $x \sim \mathcal{N}(0, I_d)$, and $n = 512$ samples.
# Compare, at the same width $N = 64$: fixed random features (the same network with $w_s, b_s$
# frozen at their random initialisation $w_s \sim \mathcal{N}(0, I/d)$, $b_s = 0$, $a$ fitted by ridge with the best $\lambda$ *on the
# test set*, a favour), the Gaussian kernel ($D = \infty$, best $\sigma, \lambda$ on the test set
# too), and the network trained by Adam.

# %%
d_deep, n_deep, n_te_deep, N = 16, 512, 2000, 64


@jax.jit
def single_index_problem(k):
    """Hidden unit direction u, train/test samples of y = sqrt(1 + <u, x>^2), initial network:
    all from one draw of Gaussian vectors in R^d, split in rows."""
    Z = rnd.normal(k, (1 + n_deep + n_te_deep + N, d_deep))
    u = Z[0] / jnp.linalg.norm(Z[0])
    X_tr, X_te, W0 = jnp.split(Z[1:], [n_deep, n_deep + n_te_deep])
    params0 = {"W": W0 / np.sqrt(d_deep), "b": jnp.zeros(N), "a": jnp.zeros(N), "c": jnp.zeros(())}
    return u, X_tr, jnp.sqrt(1 + (X_tr @ u) ** 2), X_te, jnp.sqrt(1 + (X_te @ u) ** 2), params0


def two_layer(p, X):
    return jax.nn.relu(X @ p["W"].T + p["b"]) @ p["a"] + p["c"]


u, X_tr, y_tr, X_te, y_te, params0 = single_index_problem(k_deep)
var_te = float(jnp.var(y_te))


# fixed features: ridge on (phi(x), 1) for 17 values of lambda at once (numpy, 65 x 65 systems)
W0, b0 = np.asarray(params0["W"], np.float64), np.asarray(params0["b"], np.float64)
F_tr, F_te = (np.c_[np.maximum(np.asarray(X, np.float64) @ W0.T + b0, 0), np.ones(len(X))]
              for X in (X_tr, X_te))
lams_rf = np.logspace(-8, 0, 17)
rhs = np.broadcast_to((F_tr.T @ np.asarray(y_tr))[:, None], (len(lams_rf), N + 1, 1))
coef = np.linalg.solve(F_tr.T @ F_tr + n_deep * lams_rf[:, None, None] * np.eye(N + 1), rhs)[..., 0]
mse_rf = np.mean((coef @ F_te.T - np.asarray(y_te)) ** 2, axis=1)
pred_rf = coef[np.argmin(mse_rf)] @ F_te.T
err_rf = mse_rf.min() / var_te


@jax.jit
def krr_test_errors(sigmas, lams, X_tr, y_tr, X_te, y_te):
    def one(s, l):
        a = krr_fit(X_tr, y_tr, s, l)
        return jnp.mean((krr_predict(a, X_tr, X_te, s) - y_te) ** 2)
    return jax.vmap(one)(sigmas, lams)


grid_s, grid_l = jnp.meshgrid(jnp.array([4.0, 8.0, 16.0]), jnp.array([1e-7, 1e-5, 1e-3]))
err_krr = float(jnp.min(krr_test_errors(grid_s.ravel(), grid_l.ravel(), X_tr, y_tr, X_te, y_te)))
err_krr /= var_te


# learned features: train everything
def mse(p, batch, key=None):
    X, y = batch
    return jnp.mean((two_layer(p, X) - y) ** 2)


params, _, losses = fit(mse, params0, optax.adam(1e-2), 1000, (X_tr, y_tr),
                        key=jax.random.fold_in(k_deep, 1), desc="two-layer net")
err_nn = float(mse(params, (X_te, y_te))) / var_te
print(f"relative test error (MSE / variance): random features {err_rf:.3f}, "
      f"Gaussian kernel {err_krr:.3f}, trained network {err_nn:.3f}")
assert err_nn < 0.25 * err_rf
assert err_nn < err_krr

# %% [markdown]
# What did the network learn? Its features $w_s$ turn towards the hidden direction $u$: the
# cosine $|\langle w_s, u\rangle| / \|w_s\|$, about $\sqrt{2/(\pi d)} \approx 0.2$ for random
# directions, grows during training, so that $\varphi$ adapts to the target. Fixed features cannot
# do this; in dimension $d$, they need far more than $N$ features to cover all the directions.

# %%
def alignment(W):
    return np.asarray(jnp.abs(W @ u) / jnp.linalg.norm(W, axis=1))


align0, align1 = alignment(params0["W"]), alignment(params["W"])
print(f"median |cos(w_s, u)|: at initialisation {np.median(align0):.2f}, "
      f"after training {np.median(align1):.2f}")
assert np.median(align1) > 0.4 and np.median(align1) > 2 * np.median(align0)

t_te = np.asarray(X_te @ u)
order = np.argsort(t_te)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.scatter(t_te, pred_rf, s=3, alpha=0.4, label=f"random features (rel. error {err_rf:.2f})")
ax1.scatter(t_te, np.asarray(two_layer(params, X_te)), s=3, alpha=0.4,
            label=f"trained network (rel. error {err_nn:.3f})")
ax1.plot(t_te[order], np.asarray(y_te)[order], "k", lw=1.5, label="target")
ax1.set(xlabel=r"hidden coordinate $\langle u, x\rangle$ (test points)", ylabel="prediction",
        title=f"Test predictions in $d$ = {d_deep}")
ax1.legend(fontsize=8, markerscale=4)
bins = np.linspace(0, 1, 21)
ax2.hist(align0, bins, alpha=0.6, label="random (initialisation)")
ax2.hist(align1, bins, alpha=0.6, label="after training")
ax2.set(xlabel=r"$|\langle w_s, u\rangle| / \|w_s\|$", ylabel="number of neurons",
        title="Learned features align with $u$")
ax2.legend()
plt.show()
