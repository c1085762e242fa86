"""Positive-definite kernels and their random-feature approximations.

A kernel k(x, x') = ⟨φ(x), φ(x')⟩ is an inner product of features φ(x) ∈ R^D, possibly with
D = ∞: the Gaussian kernel is one. Random Fourier features (Rahimi & Recht, 2007) give a finite
φ_D with E⟨φ_D(x), φ_D(x')⟩ = k(x, x') and an error O(1/√D).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from aitours._checks import as_array, check_int, check_key, check_positive, two_clouds


def sq_distances(X: ArrayLike, Y: ArrayLike | None = None) -> jax.Array:
    """Squared Euclidean distances ‖x_i − y_j‖²: ``X`` (n, d), ``Y`` (m, d) → (n, m).

    ``Y=None`` means ``Y = X``. Computed as ‖x‖² + ‖y‖² − 2⟨x, y⟩ (one matrix product), clipped
    at 0 against round-off. The one place the package computes pairwise distances (k-means,
    MMD and the Gaussian kernel call it).
    """
    X, Y = two_clouds(X, Y, "X", "Y")
    sq = jnp.sum(X**2, axis=1)[:, None] + jnp.sum(Y**2, axis=1)[None, :] - 2 * X @ Y.T
    return jnp.maximum(sq, 0.0)


def gaussian_kernel(X: ArrayLike, Y: ArrayLike | None = None,
                    sigma: ArrayLike = 1.0) -> jax.Array:
    """Gaussian kernel matrix k(x_i, y_j) = exp(−‖x_i − y_j‖² / (2σ²)): (n, d), (m, d) → (n, m).

    ``Y=None`` gives the Gram matrix of ``X``. In scikit-learn's terms, ``kernel="rbf"`` with
    ``gamma = 1 / (2σ²)``.
    """
    check_positive(sigma, "sigma")
    return jnp.exp(-sq_distances(X, Y) / (2 * sigma**2))


def rff_sample(key: jax.Array, d: int, D: int,
               sigma: float = 1.0) -> tuple[jax.Array, jax.Array]:
    """Draw the random frequencies and phases of ``D`` Fourier features of the Gaussian kernel.

    Returns ``W`` (D, d) with i.i.d. N(0, 1/σ²) entries (the kernel's Fourier transform, by
    Bochner's theorem) and ``b`` (D,) uniform on [0, 2π).
    """
    check_key(key)
    d, D = check_int(d, "d"), check_int(D, "D")
    check_positive(sigma, "sigma")
    k_w, k_b = jax.random.split(key)
    W = jax.random.normal(k_w, (D, d)) / sigma
    b = jax.random.uniform(k_b, (D,), maxval=2 * jnp.pi)
    return W, b


def rff_features(X: ArrayLike, W: ArrayLike, b: ArrayLike) -> jax.Array:
    """Random Fourier features φ(x) = √(2/D) cos(W x + b): ``X`` (n, d) → Φ (n, D).

    With ``(W, b)`` from :func:`rff_sample`, E[Φ Φᵀ] is the Gaussian Gram matrix of ``X``.
    """
    X = as_array(X, "X", ndim=2)
    W = as_array(W, "W", ndim=2)
    b = as_array(b, "b", ndim=1)
    if W.shape[1] != X.shape[1]:
        raise ValueError(f"`W` has {W.shape[1]} columns but `X` has dimension {X.shape[1]}")
    if b.shape[0] != W.shape[0]:
        raise ValueError(f"`b` has {b.shape[0]} entries but `W` has {W.shape[0]} rows (D)")
    return jnp.sqrt(2.0 / W.shape[0]) * jnp.cos(X @ W.T + b)
