"""Several Gaussian draws as one compiled random-number kernel, with the same values.

``jax.random.normal(k, shape)`` compiles its own threefry kernel for every call site and shape:
on a small CPU that costs 0.1–0.7 s of XLA compilation per draw, more than the draw itself.
With JAX's default PRNG (threefry2x32, ``jax_threefry_partitionable`` on: the default since
JAX 0.5) entry ``i`` of a draw depends only on the key and on its flat (row-major) index, so
``normal(k, shape)`` equals the first ``prod(shape)`` entries of ``normal(k, (m,))`` for any
``m >= prod(shape)``, reshaped. :func:`normals` draws every (key, shape) pair at the largest
size, vmapped over the keys: one kernel, bit for bit the same arrays when run eagerly (a unit
test checks it). Inside a traced function (``jit``, ``vmap``) it is one kernel too, which cuts
the compile time of a jitted initialisation about threefold (1.9 to 0.6 s for a one-block
transformer here); there XLA fuses each draw with what follows it, so neither form is bit for
bit the eager value (per-draw calls under ``jit`` are not either: the last bit moves by
fusion). With another PRNG implementation it makes one call per draw.
"""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp


def _batched() -> bool:
    return bool(jax.config.jax_threefry_partitionable) and \
        jax.config.jax_default_prng_impl == "threefry2x32"


@partial(jax.jit, static_argnums=1)
def _normals(keys, shapes):
    sizes = [math.prod(s) for s in shapes]
    flat = jax.vmap(lambda k: jax.random.normal(k, (max(sizes),)))(keys)
    return [flat[i, :n].reshape(s) for i, (n, s) in enumerate(zip(sizes, shapes, strict=True))]


def normals(keys, shapes) -> list[jax.Array]:
    """``[jax.random.normal(k, s) for k, s in zip(keys, shapes)]`` (float32), drawn as one
    vmapped draw: the same values, one compiled kernel. ``keys``: a sequence of keys, or an
    array of them (n, 2) such as ``jax.random.split(key, n)``."""
    shapes = tuple(tuple(int(d) for d in s) for s in shapes)
    if len(keys) != len(shapes):
        raise ValueError(f"got {len(keys)} keys for {len(shapes)} shapes")
    # `keys` is a list of keys or an array of them (e.g. from `jax.random.split`), used as is
    dtype = keys.dtype if isinstance(keys, jax.Array) else jnp.asarray(keys[0]).dtype
    if len(shapes) < 2 or not _batched() or jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key):
        return [jax.random.normal(k, s) for k, s in zip(keys, shapes, strict=True)]
    return _normals(keys if isinstance(keys, jax.Array) else jnp.stack(keys), shapes)
