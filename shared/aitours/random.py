"""Random draws that compile fast: every draw is one-dimensional, then reshaped.

``jax.random.normal(key, (a, b, c))`` and ``jax.random.normal(key, (a * b * c,)).reshape(a, b,
c)`` give the same numbers (the bits are generated flat either way), but XLA compiles the
multi-dimensional sampler two to four times more slowly on a CPU. Measured on jax 0.10.2
(2-core CPU, a fresh process per draw, 5 each, medians, the sampler's first call so compilation
included): normal (5, 100, 46) 0.45 s against 0.23 s flat, (32, 300, 2) 0.55 s against
0.18 s, (4, 8, 8, 3) 0.51 s against 0.13 s; uniform likewise (0.28–0.51 s against
0.12–0.19 s); a 2-d (64, 2) draw is a wash (0.15–0.22 s either way). The compilation is most
of a short cell's time, so the tours and the package draw multi-dimensional arrays through
these helpers, and the trick lives here only.

Second trick: the flat length is rounded up to a power of two (from 64 up to 2²²) and the draw
cut back, so that draws of 300 and of 500 numbers run the *same* compiled sampler. With JAX's
partitionable Threefry (the default since jax 0.5) the i-th number of a flat draw does not
depend on the draw's length, so the values are still exactly ``jax.random``'s (tested); with
the older, non-partitionable Threefry the draw is made at its exact length instead. A tour
draws a dozen shapes; each new length cost a compilation of 0.1–0.4 s, which is now paid once
per power of two.

Third: on a CPU the samplers are compiled with XLA's quick-compile options
(:mod:`aitours._jit`): 0.11 s → 0.065 s for a normal sampler, the same values (tested).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from aitours._checks import check_int
from aitours._jit import quick_jit


def _shape(shape: int | Sequence[int]) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return tuple(check_int(s, "shape", minimum=0) for s in shape)


_MIN_BUCKET, _MAX_BUCKET = 64, 2**22


def _flat_length(n: int, key: jax.Array) -> int:
    """The length actually drawn for n numbers: the next power of two in [64, 2**22]; n itself
    when it is larger, when the prefix property does not hold (see the docstring), or inside a
    traced function (``key`` a tracer), which compiles as a whole anyway."""
    if (n > _MAX_BUCKET or not jax.config.jax_threefry_partitionable
            or isinstance(key, jax.core.Tracer)):
        return n
    return max(_MIN_BUCKET, 1 << (n - 1).bit_length())


def _draw(sampler, key: jax.Array, shape: tuple[int, ...], *params) -> jax.Array:
    """``sampler(key, (m,), *params)[:n].reshape(shape)``, n = prod(shape), m = _flat_length(n).

    ``params`` (dtype, bounds, probability) given as Python scalars and dtypes, as the tours
    give them, are compiled into the sampler with XLA's quick-compile options (see
    :mod:`aitours._jit`; same values); given as arrays, the draw is jax's own compiled sampler.
    """
    n = math.prod(shape)
    m = _flat_length(n, key)
    if all(_is_static(p) for p in params):
        flat = _sample(sampler, key, m, params)
    else:
        flat = sampler(key, (m,), *params)
    return flat.reshape(shape) if m == n else _cut(flat, shape)


def _is_static(p) -> bool:
    """A Python number or a dtype: hashable, compiled into the sampler."""
    return isinstance(p, (bool, int, float, type, np.dtype))


@partial(quick_jit, static_argnums=(0, 2, 3))
def _sample(sampler, key: jax.Array, m: int, params: tuple) -> jax.Array:
    """``sampler(key, (m,), *params)``: one program per (sampler, m, params)."""
    return sampler(key, (m,), *params)


@partial(quick_jit, static_argnums=1)
def _cut(flat: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """The first prod(shape) entries of ``flat``, reshaped: one small compiled program, where the
    eager slice and reshape would compile two."""
    return flat[:math.prod(shape)].reshape(shape)


def _bernoulli(key: jax.Array, shape: tuple[int, ...], p) -> jax.Array:
    return jax.random.bernoulli(key, p, shape)


def normal(key: jax.Array, shape: int | Sequence[int], dtype=float) -> jax.Array:
    """I.i.d. N(0, 1) entries, an array of ``shape``: the values of ``jax.random.normal(key,
    shape)``, drawn flat and reshaped."""
    return _draw(jax.random.normal, key, _shape(shape), dtype)


def uniform(key: jax.Array, shape: int | Sequence[int], minval: ArrayLike = 0.0,
            maxval: ArrayLike = 1.0, dtype=float) -> jax.Array:
    """I.i.d. entries uniform on [minval, maxval), an array of ``shape``: the values of
    ``jax.random.uniform(key, shape, ...)``, drawn flat and reshaped."""
    return _draw(jax.random.uniform, key, _shape(shape), dtype, minval, maxval)


def randint(key: jax.Array, shape: int | Sequence[int], minval: ArrayLike,
            maxval: ArrayLike) -> jax.Array:
    """I.i.d. integers uniform in {minval, ..., maxval − 1}, int32 array of ``shape``: the values
    of ``jax.random.randint(key, shape, minval, maxval)``, drawn flat and reshaped."""
    return _draw(jax.random.randint, key, _shape(shape), minval, maxval)


def bernoulli(key: jax.Array, p: ArrayLike, shape: int | Sequence[int]) -> jax.Array:
    """I.i.d. booleans, True with probability ``p`` (a scalar), array of ``shape``: the values of
    ``jax.random.bernoulli(key, p, shape)``, drawn flat and reshaped."""
    return _draw(_bernoulli, key, _shape(shape), p)


def draw_indices(key: jax.Array, shape: int | Sequence[int], n: int) -> jax.Array:
    """Indices uniform in {0, ..., n − 1}, int32 array of ``shape``, for sampling rows of data.

    One draw of 32 random bits per index, reduced modulo ``n``: each index then has probability
    1/n up to a relative error below n / 2³² (2·10⁻⁶ for n = 10 000), far below anything SGD can
    see. ``jax.random.randint`` is exactly uniform but draws twice as many bits, and XLA takes
    about twice as long to compile it (≈ 0.5 s against 0.25 s on a 2-core CPU), which is most of
    a short run's cold time.
    """
    n = check_int(n, "n")
    if n > 2**31 - 1:
        raise ValueError(f"`n` must be < 2**31 (int32 indices), got {n}")
    bits = _draw(jax.random.bits, key, _shape(shape), jnp.uint32)
    return (bits % jnp.uint32(n)).astype(jnp.int32)
