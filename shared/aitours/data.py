"""Synthetic supervised data sets from an explicit ``jax.random`` key: no download, deterministic.

Inputs in any dimension d with a target (a linear response, labels, a 1-d function, a
quadratic's Hessian), made for the linear models, risks and optimisers of tours 1–3. The
two-dimensional *point clouds* drawn for clustering and generative models (a law to learn, no
target) are in :mod:`aitours.toy2d`: different uses, different outputs, so two modules.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from aitours._checks import check_int, check_interval, check_key, check_pair, check_positive


def linear_regression(key: jax.Array, n: int, d: int,
                      noise: float = 0.1) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Gaussian design and a noisy linear response.

    Returns ``X`` (n, d) with i.i.d. N(0, 1) entries, ``y = X θ* + noise·ε`` (n,) and ``θ*`` (d,)
    with i.i.d. N(0, 1) entries.
    """
    check_key(key)
    n, d = check_int(n, "n"), check_int(d, "d")
    check_positive(noise, "noise", allow_zero=True)
    k_x, k_t, k_e = jax.random.split(key, 3)
    X = jax.random.normal(k_x, (n, d))
    theta = jax.random.normal(k_t, (d,))
    y = X @ theta + noise * jax.random.normal(k_e, (n,))
    return X, y, theta


def two_gaussians(key: jax.Array, n: int, d: int,
                  separation: float = 2.0) -> tuple[jax.Array, jax.Array]:
    """Binary classification: two Gaussian clouds N(±(separation/2)·u, I), u a random unit vector.

    Returns ``X`` (n, d) and labels ``y`` (n,) in {-1, +1} (half of each, the first n//2 are +1).
    """
    check_key(key)
    n, d = check_int(n, "n", minimum=2), check_int(d, "d")
    check_positive(separation, "separation", allow_zero=True)
    k_u, k_x = jax.random.split(key)
    u = jax.random.normal(k_u, (d,))
    u = u / jnp.linalg.norm(u)
    y = jnp.where(jnp.arange(n) < n // 2, 1.0, -1.0)
    X = jax.random.normal(k_x, (n, d)) + 0.5 * separation * y[:, None] * u
    return X, y


def noisy_function_1d(key: jax.Array, n: int, f: Callable[[jax.Array], jax.Array],
                      noise: float = 0.1,
                      interval: tuple[float, float] = (-1.0, 1.0)) -> tuple[jax.Array, jax.Array]:
    """Samples ``x`` uniform on ``interval`` (n,), sorted, and ``y = f(x) + noise·ε`` (n,)."""
    check_key(key)
    n = check_int(n, "n")
    if not callable(f):
        raise TypeError(f"`f` must be callable, got {type(f).__name__}")
    check_positive(noise, "noise", allow_zero=True)
    lo, hi = check_interval(*check_pair(interval, "interval"), "interval")
    k_x, k_e = jax.random.split(key)
    x = jnp.sort(jax.random.uniform(k_x, (n,), minval=lo, maxval=hi))
    return x, f(x) + noise * jax.random.normal(k_e, (n,))


def quadratic(key: jax.Array, d: int, mu: float, L: float) -> tuple[jax.Array, jax.Array]:
    """A quadratic E(θ) = ½ θᵀHθ − bᵀθ whose Hessian has eigenvalues spread evenly in [μ, L].

    Returns ``H`` (d, d) symmetric positive definite (eigenvalues ``linspace(μ, L, d)``, random
    orthonormal eigenvectors; for d = 1 the only eigenvalue is L) and ``b`` (d,) ~ N(0, I).
    """
    check_key(key)
    d = check_int(d, "d")
    check_positive(mu, "mu")
    check_positive(L, "L")
    if mu > L:
        raise ValueError(f"`mu` must be <= `L`, got mu={mu}, L={L}")
    k_q, k_b = jax.random.split(key)
    Q, _ = jnp.linalg.qr(jax.random.normal(k_q, (d, d)))
    eig = jnp.linspace(mu, L, d) if d > 1 else jnp.array([L])
    H = (Q * eig) @ Q.T
    return 0.5 * (H + H.T), jax.random.normal(k_b, (d,))
