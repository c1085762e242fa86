"""Small compatibility layer across the JAX versions we support (Colab's and the lock's)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import jax


@contextlib.contextmanager
def enable_x64(enabled: bool = True) -> Iterator[None]:
    """Context manager running JAX in 64-bit precision inside the ``with`` block only.

    Uses ``jax.enable_x64`` (recent JAX) or ``jax.experimental.enable_x64`` (older JAX,
    e.g. the one Colab ships), so tours need not care which one is installed.
    """
    ctx = getattr(jax, "enable_x64", None)
    if ctx is None:  # pragma: no cover - depends on the installed JAX
        from jax.experimental import enable_x64 as ctx
    with ctx(enabled):
        yield
