"""Achieved flop rate of every ``aitours.train.fit`` call of a tour, run inside its kernel by
``bench/run.py`` (issue #28 part 5).

``install(ip)`` (a first injected cell, before the tour's imports) replaces
``aitours.train.fit`` by a wrapper, so that the tour's ``from aitours.train import fit`` gets it.
Each call is timed, less the JAX compilation that happened during it (tracing, lowering, XLA
compile or cache read, ``compile_clock.py``); after
the call, XLA's cost analysis of *one* training step (``make_step(loss_fn, optimizer)`` on the
call's parameter, optimiser-state and batch shapes, as lowered, no compilation) gives the flops
per step. ``report()`` prints after ``MARK`` one JSON line: a list of ``{"loss_fn", "n_steps",
"flops_per_step", "seconds", "compile_s", "params"}``, one per call. The wrapped ``fit``
returns exactly what ``fit`` returns.
"""

from __future__ import annotations

import json
import runpy
import time
from pathlib import Path

MARK = "__AITOURS_ROOFLINE__"
_CLOCK = runpy.run_path(str(Path(__file__).with_name("compile_clock.py")))["CompileClock"]()
_STATE: dict = {"calls": [], "flops": {}}


def _flops_per_step(loss_fn, params, optimizer, data, batch_size, opt_state) -> float:
    """XLA's flop count of one step of ``make_step(loss_fn, optimizer)`` (lowered, unoptimised)."""
    import jax
    import jax.numpy as jnp

    from aitours.flops import _first_dict
    from aitours.train import make_step

    def spec(a):
        return jax.ShapeDtypeStruct(jnp.shape(a), jnp.result_type(a))

    batch = data
    if batch_size is not None:
        batch = jax.tree.map(lambda a: jax.ShapeDtypeStruct(
            (batch_size, *jnp.shape(a)[1:]), jnp.result_type(a)), data)
    if opt_state is None:
        opt_state = jax.eval_shape(optimizer.init, params)
    args = jax.tree.map(spec, (params, opt_state, batch, jax.random.PRNGKey(0)))
    lowered = jax.jit(make_step(loss_fn, optimizer)).lower(*args)
    return float(_first_dict(lowered.cost_analysis())["flops"])


def install(ip=None) -> None:
    """Wrap ``aitours.train.fit`` (``ip``, the IPython shell, is not needed)."""
    import jax

    import aitours.train as train

    _CLOCK.install()
    fit = train.fit

    def timed_fit(loss_fn, params, optimizer, n_steps, data=None, **kwargs):
        t0 = time.perf_counter()
        out = fit(loss_fn, params, optimizer, n_steps, data, **kwargs)
        jax.block_until_ready(out[0])
        t1 = time.perf_counter()
        seconds = t1 - t0
        compile_s = _CLOCK.seconds(t0, t1)
        shapes = jax.tree.map(lambda a: (tuple(jax.numpy.shape(a)), str(jax.numpy.result_type(a))),
                              (params, data))
        f = getattr(loss_fn, "func", loss_fn)   # a functools.partial: the function's name
        name = getattr(f, "__qualname__", type(f).__name__).replace(".<locals>", "")
        key = (name, id(loss_fn), id(optimizer), str(shapes), kwargs.get("batch_size"))
        if key not in _STATE["flops"]:  # counted after the clock: its lowering is not timed
            _STATE["flops"][key] = _flops_per_step(loss_fn, params, optimizer, data,
                                                   kwargs.get("batch_size"),
                                                   kwargs.get("opt_state"))
        _STATE["calls"].append({
            "loss_fn": name, "n_steps": int(n_steps), "flops_per_step": _STATE["flops"][key],
            "seconds": seconds - compile_s, "compile_s": compile_s,
            "params": int(sum(jax.numpy.size(a) for a in jax.tree.leaves(params)))})
        return out

    timed_fit.__doc__ = fit.__doc__
    train.fit = timed_fit


def report() -> None:
    print(MARK + json.dumps(_STATE["calls"]))
