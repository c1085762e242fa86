"""Feature maps φ: R^d → R^D turning a linear model into a non-linear one."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from aitours._checks import as_array, check_int


def polynomial_features(x: ArrayLike, degree: int) -> jax.Array:
    """Monomials of a 1-d input: ``x`` (n,) ↦ Φ (n, degree+1) with Φ[i, k] = x_iᵏ.

    Inputs are best kept in [-1, 1]; use Legendre features for high degrees.
    """
    x = as_array(x, "x", ndim=1)
    degree = check_int(degree, "degree", minimum=0)
    return x[:, None] ** jnp.arange(degree + 1)


def legendre_features(x: ArrayLike, degree: int) -> jax.Array:
    """Legendre polynomials P_0..P_degree of ``x`` (n,) in [-1, 1], as Φ (n, degree+1).

    They span the same space as the monomials but are far better conditioned, so high degrees
    can be fitted in float32. Three-term recurrence (k+1) P_{k+1} = (2k+1) x P_k − k P_{k−1}.
    """
    x = as_array(x, "x", ndim=1)
    degree = check_int(degree, "degree", minimum=0)
    cols = [jnp.ones_like(x), x]
    for k in range(1, degree):
        cols.append(((2 * k + 1) * x * cols[k] - k * cols[k - 1]) / (k + 1))
    return jnp.stack(cols[: degree + 1], axis=1)
