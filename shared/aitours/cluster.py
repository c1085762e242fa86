"""Lloyd's k-means in JAX: assignment, centre update, k-means++ seeding (all compiled).

k-means minimises the *inertia* I(c, ℓ) = Σ_i ‖x_i − c_{ℓ_i}‖² over the centres c_1..c_k and
the labels ℓ_i. Lloyd's algorithm alternates the two exact partial minimisations: each point
goes to its nearest centre, then each centre moves to the mean of its points. Neither step can
increase I, so the inertia decreases monotonically to a fixed point (a local minimum).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
from jax import lax
from jax.typing import ArrayLike

from aitours._checks import as_array, check_finite, check_int, check_key, two_clouds
from aitours.kernels import sq_distances


def assign(X: ArrayLike, centers: ArrayLike) -> tuple[jax.Array, jax.Array]:
    """Nearest centre of each point.

    ``X`` (n, d), ``centers`` (k, d). Returns ``labels`` (n,) int in {0..k−1} and the squared
    distance of each point to its centre (n,).
    """
    X, centers = two_clouds(X, centers, "X", "centers")
    check_finite(X, "X")              # a NaN distance would silently go to centre 0
    check_finite(centers, "centers")
    d2 = sq_distances(X, centers)
    return jnp.argmin(d2, axis=1), jnp.min(d2, axis=1)


def inertia(X: ArrayLike, centers: ArrayLike) -> jax.Array:
    """k-means objective Σ_i min_j ‖x_i − c_j‖² for ``X`` (n, d), ``centers`` (k, d): a scalar."""
    return jnp.sum(assign(X, centers)[1])


@partial(jax.jit, static_argnames=("n_iter",))
def _lloyd(X, centers, n_iter):
    def step(c, _):
        d2 = sq_distances(X, c)
        onehot = jax.nn.one_hot(jnp.argmin(d2, axis=1), c.shape[0], dtype=X.dtype)
        counts = onehot.sum(0)
        means = (onehot.T @ X) / jnp.maximum(counts, 1)[:, None]
        # an empty cluster keeps its centre (it cannot lower the inertia by moving)
        new = jnp.where(counts[:, None] > 0, means, c)
        return new, jnp.sum(jnp.min(d2, axis=1))

    centers, inertias = lax.scan(step, centers, None, length=n_iter)
    d2 = sq_distances(X, centers)
    final = jnp.sum(jnp.min(d2, axis=1))
    return centers, jnp.argmin(d2, axis=1), jnp.concatenate([inertias, final[None]])


def lloyd(X: ArrayLike, centers0: ArrayLike,
          n_iter: int = 100) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Run ``n_iter`` iterations of Lloyd's algorithm from the initial centres ``centers0``.

    Parameters
    ----------
    X : array (n, d)
        The points.
    centers0 : array (k, d)
        Initial centres (e.g. :func:`kmeans_plus_plus`, or k points of ``X``).
    n_iter : int
        Number of (assignment, update) iterations, ≥ 1. Past convergence an iteration changes
        nothing (the centres are a fixed point), so a generous ``n_iter`` is harmless.

    Returns
    -------
    ``(centers, labels, inertias)``: the final centres (k, d), the label of each point (n,) for
    these centres, and the inertia of each successive set of centres (n_iter + 1,), non-increasing
    (up to round-off), the last entry that of the returned centres.
    """
    X, centers0 = two_clouds(X, centers0, "X", "centers0")
    check_finite(X, "X")              # one NaN would poison every centre it reaches
    check_finite(centers0, "centers0")
    n_iter = check_int(n_iter, "n_iter")
    if centers0.shape[0] > X.shape[0]:
        raise ValueError(f"`centers0` has {centers0.shape[0]} centres for only {X.shape[0]} points")
    return _lloyd(X, centers0, n_iter)


@partial(jax.jit, static_argnames=("k",))
def _kmeans_pp(key, X, k):
    n = X.shape[0]
    keys = jax.random.split(key, k)
    first = X[jax.random.randint(keys[0], (), 0, n)]
    centers = jnp.zeros((k, X.shape[1]), X.dtype).at[0].set(first)
    d2 = jnp.sum((X - first) ** 2, axis=1)

    def body(j, carry):
        centers, d2 = carry
        # D² sampling: draw a point with probability ∝ its squared distance to the centres
        p = jnp.where(jnp.sum(d2) > 0, d2 / jnp.sum(d2), jnp.full_like(d2, 1.0 / n))
        c = X[jax.random.choice(keys[j], n, p=p)]
        return centers.at[j].set(c), jnp.minimum(d2, jnp.sum((X - c) ** 2, axis=1))

    centers, _ = lax.fori_loop(1, k, body, (centers, d2))
    return centers


def kmeans_plus_plus(key: jax.Array, X: ArrayLike, k: int) -> jax.Array:
    """k-means++ seeding (Arthur & Vassilvitskii, 2007): k points of ``X`` (n, d), the first
    uniform, each next one drawn with probability ∝ its squared distance to those already chosen.
    Returns the initial centres (k, d)."""
    check_key(key)
    X = as_array(X, "X", ndim=2)
    X = X.astype(jnp.result_type(X.dtype, jnp.float32))
    check_finite(X, "X")
    k = check_int(k, "k")
    if k > X.shape[0]:
        raise ValueError(f"`k` = {k} centres cannot be drawn from only {X.shape[0]} points")
    return _kmeans_pp(key, X, k)
