"""JAX's persistent compilation cache, on by default for the tours.

A tour compiles dozens of small programs; on a 2-core CPU that is a large part of a cold run.
With the cache, a re-run of a tour (a fresh kernel on the same machine) loads them from disk.

- Where: ``$AITOURS_JAX_CACHE_DIR``, else ``$XDG_CACHE_HOME/aitours/jax``, else
  ``~/.cache/aitours/jax`` — a per-user directory, safe to delete at any time.
- Opt out: set ``AITOURS_JAX_CACHE=0`` before importing ``aitours``.
- A cache directory you configured yourself (``jax.config.jax_compilation_cache_dir`` or
  ``JAX_COMPILATION_CACHE_DIR``) is left as it is.
"""

from __future__ import annotations

import os
from pathlib import Path

import jax


def cache_dir() -> Path:
    """The directory the tours' compilation cache uses (see the module docstring)."""
    if os.environ.get("AITOURS_JAX_CACHE_DIR"):
        return Path(os.environ["AITOURS_JAX_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "aitours" / "jax"


def enable_compilation_cache() -> Path | None:
    """Turn on JAX's persistent compilation cache for every compiled program (not only those
    that take over a second, JAX's default). Returns the directory, or ``None`` when disabled
    (``AITOURS_JAX_CACHE=0``) or already configured by the user."""
    if os.environ.get("AITOURS_JAX_CACHE", "1").lower() in ("0", "false", "no", "off"):
        return None
    if jax.config.jax_compilation_cache_dir:
        return None
    path = cache_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only home: run without the cache rather than fail
        return None
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    return path
