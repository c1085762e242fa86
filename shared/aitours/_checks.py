"""Argument checks shared by the helpers: clear errors that name the faulty argument."""

from __future__ import annotations

import numbers
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

# A pytree of arrays (nested tuples, lists, dicts of arrays): parameters, iterates, data sets.
# Annotations stay plain (no jaxtyping, a dependency Colab lacks): shapes are in the docstrings.
PyTree = Any


def _is_concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


def check_positive(value, name: str, *, allow_zero: bool = False) -> None:
    """Raise ``ValueError`` if a concrete scalar ``value`` is not > 0 (or >= 0)."""
    if not _is_concrete(value) or callable(value):
        return
    v = np.asarray(value)
    if v.ndim != 0 and v.size != 1:
        if (v < 0).any() if allow_zero else (v <= 0).any():
            raise ValueError(f"`{name}` must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
        return
    if not np.isfinite(v):
        raise ValueError(f"`{name}` must be finite, got {value!r}")
    if (v < 0) if allow_zero else (v <= 0):
        raise ValueError(f"`{name}` must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")


def check_int(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise if it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}, got {value}")
    return int(value)


def as_array(x, name: str, *, ndim: int | None = None, min_rows: int = 1) -> jax.Array:
    """Convert ``x`` to a JAX array, checking its number of dimensions and that it is not empty."""
    if x is None:
        raise TypeError(f"`{name}` must be an array, got None")
    arr = jnp.asarray(x)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"`{name}` must have {ndim} dimension(s), got shape {tuple(arr.shape)}")
    if arr.ndim >= 1 and arr.shape[0] < min_rows:
        raise ValueError(f"`{name}` is empty (shape {tuple(arr.shape)}): it needs at least "
                         f"{min_rows} row(s)")
    return arr


def check_same_rows(a, b, name_a: str, name_b: str) -> None:
    """Raise if ``a`` and ``b`` do not have the same number of rows (samples)."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"`{name_a}` has {a.shape[0]} rows but `{name_b}` has {b.shape[0]}: "
                         "they must describe the same samples")


def two_clouds(a, b, name_a: str, name_b: str, *, same_size: bool = False):
    """Two point clouds ``a`` (n, d) and ``b`` (m, d) as float arrays of a common dtype.

    Raises, naming the argument, if either is not 2-d or empty, if their dimensions (columns)
    differ, or (``same_size=True``) if n ≠ m. ``b=None`` means ``b = a``.
    """
    a = as_array(a, name_a, ndim=2)
    b = a if b is None else as_array(b, name_b, ndim=2)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"`{name_a}` has points in dimension {a.shape[1]} but `{name_b}` in "
                         f"dimension {b.shape[1]}: they must have the same dimension")
    if same_size and a.shape[0] != b.shape[0]:
        raise ValueError(f"`{name_a}` has {a.shape[0]} points but `{name_b}` has {b.shape[0]}: "
                         "this needs two samples of the same size")
    dtype = jnp.result_type(a.dtype, b.dtype, jnp.float32)
    return a.astype(dtype), b.astype(dtype)


def eager_reduce(f, x):
    """``f(m, a)`` for a concrete array ``x``, computed now even inside a ``jit`` trace (where a
    concrete global seen by the traced function would otherwise give a tracer): with ``m =
    numpy`` on the host (no copy for numpy or a JAX array in host memory), or with ``m =
    jax.numpy`` on the array's accelerator under ``jax.ensure_compile_time_eval``."""
    if isinstance(x, jax.Array) and any(d.platform != "cpu" for d in x.devices()):
        with jax.ensure_compile_time_eval():
            return f(jnp, x)
    return f(np, np.asarray(x))


def check_finite(x, name: str) -> None:
    """Raise ``ValueError`` if a concrete array ``x`` holds NaN or inf (iterative methods would
    return NaN without a word). Traced values (inside ``jit``/``grad``/``vmap``) and integer or
    boolean arrays are not checked: one reduction, at the public entry point only."""
    if not _is_concrete(x):
        return
    dtype = jnp.result_type(x)
    if not jnp.issubdtype(dtype, jnp.inexact):
        return
    bad = int(eager_reduce(lambda m, a: a.size - m.count_nonzero(m.isfinite(a)), x))
    if bad:
        raise ValueError(f"`{name}` must be finite, got {bad} NaN or inf entr"
                         f"{'y' if bad == 1 else 'ies'} (shape {tuple(jnp.shape(x))})")


def check_finite_tree(tree: PyTree, name: str) -> None:
    """:func:`check_finite` on every leaf of a pytree (``name`` names the whole tree)."""
    for leaf in jax.tree.leaves(tree):
        if hasattr(leaf, "dtype") or isinstance(leaf, (float, complex)):
            check_finite(leaf, name)


def check_key(key, name: str = "key") -> None:
    """Raise ``TypeError`` unless ``key`` is one PRNG key: a typed key (``jax.random.key``) of
    shape () or a raw uint32 key (``jax.random.PRNGKey``) of shape (2,) (or (4,) for 'rbg').
    Only the type and shape are checked (static: fine on traced keys)."""
    dtype = getattr(key, "dtype", None)
    shape = tuple(getattr(key, "shape", ()))
    if dtype is not None and jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key):
        if shape == ():
            return
    elif dtype == jnp.uint32 and shape in ((2,), (4,)):
        return
    raise TypeError(f"`{name}` must be one PRNG key (jax.random.key(0) or "
                    f"jax.random.PRNGKey(0)), got {type(key).__name__} of dtype {dtype} and "
                    f"shape {shape}")


def check_interval(lo, hi, name: str) -> tuple[float, float]:
    """``(lo, hi)`` as floats, or raise naming ``name`` unless both are finite and lo < hi."""
    try:
        lo_f, hi_f = float(lo), float(hi)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a pair of numbers (lo, hi), got ({lo!r}, {hi!r})"
                        ) from None
    if not (np.isfinite(lo_f) and np.isfinite(hi_f) and lo_f < hi_f):
        raise ValueError(f"`{name}` must be an interval (lo, hi) of finite numbers with "
                         f"lo < hi, got ({lo!r}, {hi!r})")
    return lo_f, hi_f


def check_pair(value, name: str) -> tuple:
    """``value`` as a pair, or raise naming ``name`` (instead of an unpacking error)."""
    try:
        pair = tuple(value)
    except TypeError:
        raise TypeError(f"`{name}` must be a pair (lo, hi), got {type(value).__name__} "
                        f"{value!r}") from None
    if len(pair) != 2:
        raise ValueError(f"`{name}` must be a pair (lo, hi), got {len(pair)} entries: {value!r}")
    return pair


def sample_count(data: PyTree) -> int:
    """The number of samples n of ``data``: the leading size its leaves share (n >= 1); a
    ``ValueError`` naming ``data`` otherwise (no leaf, unequal leading sizes, no sample)."""
    leaves = jax.tree.leaves(data)
    if not leaves:
        raise ValueError("`data` must hold at least one array of samples")
    lengths = {jnp.shape(leaf)[0] if jnp.ndim(leaf) else None for leaf in leaves}
    if None in lengths or len(lengths) != 1:
        raise ValueError("`data` leaves must share their leading axis (one row per sample), "
                         f"got shapes {[tuple(jnp.shape(a)) for a in leaves]}")
    if lengths == {0}:
        raise ValueError("`data` is empty: no sample to draw from")
    return lengths.pop()
