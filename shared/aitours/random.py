"""Deprecated: the tours call ``jax.random`` directly. This module forwards to it.

It used to draw flat, power-of-two-length arrays to share compiled samplers (#18); the tours
now teach one interface, ``jax.random``. Kept for one release so that notebooks opened from an
older link still run: ``normal``, ``uniform``, ``randint`` and ``bernoulli`` are
``jax.random``'s, and ``draw_indices`` is :func:`aitours.optim.draw_indices`.
"""

from __future__ import annotations

import warnings

import jax

from aitours.optim import draw_indices

warnings.warn("aitours.random is deprecated: call jax.random directly", DeprecationWarning,
              stacklevel=2)

normal = jax.random.normal
uniform = jax.random.uniform
randint = jax.random.randint
bernoulli = jax.random.bernoulli

__all__ = ["normal", "uniform", "randint", "bernoulli", "draw_indices"]
