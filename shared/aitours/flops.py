"""What a computation costs, in flops: XLA's own flop count (deterministic) and wall-clock timings.

Flop counts are exact, reproducible numbers from XLA's cost analysis of the compiled program,
so a tour can *assert* on them; timings are noisy (other processes, caches, dispatch overhead)
and are only plotted.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import jax
import numpy as np

from aitours._checks import check_int


def _first_dict(analysis):
    """``cost_analysis()`` is a dict in recent JAX and a list of one dict in older ones."""
    if isinstance(analysis, (list, tuple)):
        if not analysis:
            raise RuntimeError("XLA returned an empty cost analysis")
        analysis = analysis[0]
    if not isinstance(analysis, dict) or "flops" not in analysis:
        raise RuntimeError(f"XLA's cost analysis has no 'flops' entry: {analysis!r}")
    return analysis


def compile_with_flops(f: Callable, *args):
    """Compile ``jax.jit(f)`` for ``args`` and return ``(compiled, flops)``.

    ``compiled(*args)`` runs the program (so one compilation serves both counting and
    timing); ``flops`` is XLA's count of floating-point operations for one call (a float;
    a multiply-add counts 2). It depends only on the program and the shapes, not on the values.
    """
    if not callable(f):
        raise TypeError(f"`f` must be callable, got {type(f).__name__}")
    compiled = jax.jit(f).lower(*args).compile()
    return compiled, float(_first_dict(compiled.cost_analysis())["flops"])


def xla_flops(f: Callable, *args, compiled: bool = False) -> float:
    """XLA's flop count of one call ``f(*args)``; nothing is run.

    By default XLA's cost analysis of the program as lowered from JAX, before optimisation: no
    compilation, so it is cheap enough to sweep many sizes. ``compiled=True`` counts the
    optimised program instead (slower; fusion changes the count by a few percent).
    """
    if not callable(f):
        raise TypeError(f"`f` must be callable, got {type(f).__name__}")
    if compiled:
        return compile_with_flops(f, *args)[1]
    return float(_first_dict(jax.jit(f).lower(*args).cost_analysis())["flops"])


def median_time(f: Callable, *args, repeats: int = 7, warmup: int = 1) -> float:
    """Median wall-clock seconds of ``f(*args)`` over ``repeats`` calls, after ``warmup`` calls
    (which absorb compilation). JAX results are waited for (``block_until_ready``)."""
    if not callable(f):
        raise TypeError(f"`f` must be callable, got {type(f).__name__}")
    repeats = check_int(repeats, "repeats")
    warmup = check_int(warmup, "warmup", minimum=0)
    for _ in range(warmup):
        jax.block_until_ready(f(*args))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(f(*args))
        times.append(time.perf_counter() - t0)
    return float(np.median(times))
