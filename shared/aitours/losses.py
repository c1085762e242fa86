"""Empirical risks E(θ) = (1/n) Σ_i ℓ(f_θ(x_i), y_i) for the linear model f_θ(x) = ⟨x, θ⟩."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def least_squares(theta, X, y) -> jax.Array:
    """Mean squared error (1/n) ‖Xθ − y‖² for ``X`` (n, d), ``theta`` (d,), ``y`` (n,)."""
    r = X @ theta - y
    return jnp.mean(r**2)


def logistic(theta, X, y) -> jax.Array:
    """Mean logistic loss (1/n) Σ log(1 + exp(−y_i ⟨x_i, θ⟩)), labels ``y`` in {−1, +1}.

    ``X`` (n, d), ``theta`` (d,), ``y`` (n,). Computed as ``logaddexp(0, −y·z)``: no overflow.
    """
    return jnp.mean(jnp.logaddexp(0.0, -y * (X @ theta)))


def logistic_per_sample(theta, x, y) -> jax.Array:
    """Loss of one sample, log(1 + exp(−y ⟨x, θ⟩)), for ``x`` (d,), scalar ``y``: what SGD sees."""
    return jnp.logaddexp(0.0, -y * jnp.dot(x, theta))


def risk_curve(loss, thetas, X, y) -> jax.Array:
    """The risk at many iterates at once: ``thetas`` (..., d) ↦ (...) with one batched product.

    ``loss`` is :func:`least_squares` or :func:`logistic` (or any ``loss(theta, X, y)`` that
    ``vmap`` can map over θ).
    """
    flat = thetas.reshape(-1, thetas.shape[-1])
    return jax.vmap(loss, in_axes=(0, None, None))(flat, X, y).reshape(thetas.shape[:-1])
