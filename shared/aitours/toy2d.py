"""Two-dimensional toy distributions from an explicit ``jax.random`` key.

Point clouds in the plane whose *law* is the object (to cluster, to learn, to sample from, to
plot): each function returns the points and the latent variable that drew them (a moon, a
component, a curve parameter). The supervised sets of :mod:`aitours.data` (inputs in any
dimension and a target for a linear model) serve another purpose. Each sampler is one jitted
program per size n, since tours redraw them at several sizes.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from aitours._checks import check_int, check_key, check_positive


def two_moons(key: jax.Array, n: int, noise: float = 0.05) -> tuple[jax.Array, jax.Array]:
    """Two interleaved half circles (scikit-learn's ``make_moons`` layout), plus Gaussian noise.

    The upper moon is the unit half circle (cos t, sin t), t ∈ [0, π]; the lower one is
    (1 − cos t, 1/2 − sin t). Returns ``X`` (n, 2) and labels ``y`` (n,) in {0, 1}: the first
    ⌈n/2⌉ points are on the upper moon (label 0), the others on the lower one (label 1).
    ``noise`` is the standard deviation of the isotropic Gaussian noise added to each point.
    """
    check_key(key)
    n = check_int(n, "n", minimum=2)
    check_positive(noise, "noise", allow_zero=True)
    return _two_moons(key, n, jnp.asarray(noise, jnp.result_type(float)))


@partial(jax.jit, static_argnames=("n",))
def _two_moons(key, n, noise):
    k_t, k_e = jax.random.split(key)
    y = (jnp.arange(n) >= (n + 1) // 2).astype(jnp.int32)
    t = jnp.pi * jax.random.uniform(k_t, (n,))
    upper = jnp.stack([jnp.cos(t), jnp.sin(t)], axis=1)
    lower = jnp.stack([1.0 - jnp.cos(t), 0.5 - jnp.sin(t)], axis=1)
    X = jnp.where(y[:, None] == 0, upper, lower)
    return X + noise * jax.random.normal(k_e, (n, 2)), y


def eight_gaussians(key: jax.Array, n: int, radius: float = 2.0,
                    std: float = 0.1) -> tuple[jax.Array, jax.Array]:
    """A mixture of 8 Gaussians N(c_j, std² I) with equal weights, centres c_j evenly spaced on
    the circle of the given radius (c_j = radius·(cos(jπ/4), sin(jπ/4))).

    Returns ``X`` (n, 2) and the component of each point ``y`` (n,) in {0..7}.
    """
    check_key(key)
    n = check_int(n, "n")
    check_positive(radius, "radius")
    check_positive(std, "std", allow_zero=True)
    return _eight_gaussians(key, n, jnp.asarray(radius, jnp.result_type(float)),
                            jnp.asarray(std, jnp.result_type(float)))


@partial(jax.jit, static_argnames=("n",))
def _eight_gaussians(key, n, radius, std):
    k_c, k_e = jax.random.split(key)
    y = jax.random.randint(k_c, (n,), 0, 8)
    angle = y * (jnp.pi / 4)
    centres = radius * jnp.stack([jnp.cos(angle), jnp.sin(angle)], axis=1)
    return centres + std * jax.random.normal(k_e, (n, 2)), y


def swiss_roll(key: jax.Array, n: int, noise: float = 0.05,
               turns: float = 1.5) -> tuple[jax.Array, jax.Array]:
    """A 2-d spiral (the swiss roll seen from its end): r = t/(2π·turns), angle t, t uniform in
    [π/2, 2π·turns + π/2] (so that r stays > 0), plus Gaussian noise of standard deviation
    ``noise``.

    Returns ``X`` (n, 2) and the curve parameter ``t`` (n,) of each point.
    """
    check_key(key)
    n = check_int(n, "n")
    check_positive(noise, "noise", allow_zero=True)
    check_positive(turns, "turns")
    dtype = jnp.result_type(float)
    return _swiss_roll(key, n, jnp.asarray(noise, dtype), jnp.asarray(turns, dtype))


@partial(jax.jit, static_argnames=("n",))
def _swiss_roll(key, n, noise, turns):
    k_t, k_e = jax.random.split(key)
    t = jnp.pi / 2 + 2 * jnp.pi * turns * jax.random.uniform(k_t, (n,))
    r = t / (2 * jnp.pi * turns)
    X = jnp.stack([r * jnp.cos(t), r * jnp.sin(t)], axis=1)
    return X + noise * jax.random.normal(k_e, (n, 2)), t
