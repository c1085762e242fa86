"""``quick_jit``: ``jax.jit`` for programs that XLA takes longer to compile than to run.

A loop of scalar SGD steps runs in 0.06 s, and XLA takes 0.2 s to compile it on a 2-core CPU:
its cold time is mostly compilation. Two of XLA's compile options cut that in half here, with the
same run time (measured on jax 0.10.2, the SGD peer experiment of ``bench/sgd_peer.py``, a
fresh process per measure):

- ``xla_cpu_use_fusion_emitters=False``: XLA's CPU backend generates its fused loops with the
  older elemental emitters instead of the newer MLIR-based fusion emitters; compile 0.21 → 0.14 s
  for the SGD loop, 0.08 → 0.05 s for its loss curve.
- ``xla_backend_optimization_level=1``: LLVM at -O1 instead of -O2; 0.14 → 0.10 s and
  0.05 → 0.03 s on top of the first.

Neither is set for the whole process: on the heavy training loops of tours 10–12 the older
emitters compile faster but *run* 10–27 % slower (measured over the series), so only the
helpers whose programs are short to run use this. On other backends (a GPU) it is ``jax.jit``
itself: the options are CPU-specific, and -O1 would slow a GPU's kernels.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax

# XLA DebugOptions, passed per program (jax.jit's compiler_options): both exist in the jaxlib
# versions we support (the lock's and Colab's, checked by tests/test_jit.py)
QUICK_COMPILE = {"xla_cpu_use_fusion_emitters": False, "xla_backend_optimization_level": 1}


def _tracing(args, kwargs) -> bool:
    """Whether we are inside a transformation (jit, grad, vmap): JAX accepts compiler options
    on top-level programs only, and a nested program is compiled with its caller anyway."""
    if _trace_state_clean is not None:
        return not _trace_state_clean()
    return any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree.leaves((args, kwargs)))


try:  # JAX's own test, in jax 0.4.36 to 0.10 at least; else the arguments are looked at
    from jax._src.core import trace_state_clean as _trace_state_clean
except ImportError:  # pragma: no cover - depends on the installed JAX
    _trace_state_clean = None

try:  # like JAX's own wrappers, this file's frames are left out of JAX's tracebacks and of its
    # "called at" in compile logs, which then name the helper's caller
    from jax._src.source_info_util import register_exclusion

    register_exclusion(__file__)
except ImportError:  # pragma: no cover - depends on the installed JAX
    pass


def quick_jit(fun: Callable, **jit_kwargs) -> Callable:
    """``jax.jit(fun, **jit_kwargs)``, compiled with :data:`QUICK_COMPILE` when called at top
    level with a CPU as the default backend (checked at each call), else plain ``jax.jit``.

    Use it as ``@partial(quick_jit, static_argnames=...)``. Inside another transformation
    (``jax.jit``, ``grad``, ``vmap``) it is plain ``jax.jit``: the outer program is compiled as a
    whole, with the caller's options.
    """

    @functools.wraps(fun)
    def call(*args, **kwargs):
        if jax.default_backend() == "cpu" and not _tracing(args, kwargs):
            return call.cpu(*args, **kwargs)
        return call.other(*args, **kwargs)

    # the two variants, attributes so that tests can watch which one is called
    call.cpu = jax.jit(fun, compiler_options=QUICK_COMPILE, **jit_kwargs)
    call.other = jax.jit(fun, **jit_kwargs)
    return call
