"""A compiled optax training loop with a progress bar: ``lax.scan`` over chunks of steps.

The idiom is optax's: a pure step function

    step(params, opt_state, batch, key) -> (params, opt_state, loss)

(:func:`make_step`), where the loss ``loss_fn(params, batch, key)`` receives a PRNG key of its
own at every step (for noise, dropout, sampling; ignore it if the loss is deterministic).
:func:`fit` scans that step ``n_steps`` times, ``chunk`` steps per compiled ``lax.scan``, and
returns the optimiser state with the parameters so that a run can be resumed::

    step = jax.jit(make_step(loss_fn, optimizer))      # one step, for a loop written by hand
    params, opt_state, losses = fit(loss_fn, params, optimizer, 1000, data, key=key)
    params, opt_state, more = fit(loss_fn, params, optimizer, 1000, data, key=key2,
                                  opt_state=opt_state)  # resumes (Adam's moments kept)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax
from tqdm.auto import tqdm

from aitours._checks import PyTree, check_finite_tree, check_int, check_key, sample_count
from aitours.optim import draw_indices

__all__ = ["make_step", "fit", "minibatch"]


def minibatch(key: jax.Array, data: PyTree, batch_size: int) -> PyTree:
    """A random minibatch (with replacement) of a pytree ``data`` whose leaves share a leading
    axis of n samples: returns the same pytree with leading axis ``batch_size``."""
    check_key(key)
    batch_size = check_int(batch_size, "batch_size")
    n = sample_count(data)
    idx = draw_indices(key, (batch_size,), n)
    return jax.tree.map(lambda a: a[idx], data)


def make_step(loss_fn: Callable, optimizer: optax.GradientTransformation) -> Callable:
    """The pure training step ``step(params, opt_state, batch, key) -> (params, opt_state,
    loss)`` of ``loss_fn(params, batch, key) -> scalar`` with ``optimizer``.

    ``loss`` is the loss at the ``params`` given (before the update). Not jitted: wrap it in
    ``jax.jit`` to call it from a Python loop, or scan it (as :func:`fit` does). The optimiser
    state starts as ``optimizer.init(params)``.
    """
    if not callable(loss_fn):
        raise TypeError(f"`loss_fn` must be callable, got {type(loss_fn).__name__}")
    if not isinstance(optimizer, optax.GradientTransformation):
        raise TypeError("`optimizer` must be an optax.GradientTransformation (e.g. "
                        f"optax.adam(1e-3)), got {type(optimizer).__name__}")

    def step(params, opt_state, batch, key):
        loss, grads = jax.value_and_grad(loss_fn)(params, batch, key)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    return step


@partial(jax.jit, static_argnames=("loss_fn", "optimizer", "n_steps", "batch_size"))
def _run_chunk(loss_fn, optimizer, params, opt_state, data, key, n_steps, batch_size):
    step = make_step(loss_fn, optimizer)

    def body(carry, k):
        k_batch, k_loss = jax.random.split(k)
        batch = data if batch_size is None else minibatch(k_batch, data, batch_size)
        params, opt_state, loss = step(*carry, batch, k_loss)
        return (params, opt_state), loss

    (params, opt_state), losses = lax.scan(body, (params, opt_state),
                                           jax.random.split(key, n_steps))
    return params, opt_state, losses


def _strong(tree: PyTree) -> PyTree:
    """``tree`` with its weakly typed leaves (Python numbers, arrays made from them) made strongly
    typed arrays of the same dtype and values, so that every chunk of :func:`fit` sees the same
    input types and compiles once."""
    def strong(a):
        weak = (isinstance(a, (int, float, complex)) and not isinstance(a, bool)) or (
            isinstance(a, jax.Array) and a.weak_type)
        if not weak:
            return a
        a = jnp.asarray(a)
        return jnp.asarray(a, dtype=a.dtype)

    return jax.tree.map(strong, tree)


def _check_loss(loss_fn, params, data, batch_size, key) -> None:
    """Evaluate the shapes of ``loss_fn(params, batch, key)`` once, without compiling: an error
    names our arguments and their shapes, and the loss must be a scalar."""
    batch = data
    if batch_size is not None:
        batch = jax.tree.map(lambda a: jax.ShapeDtypeStruct((batch_size, *jnp.shape(a)[1:]),
                                                            jnp.result_type(a)), data)
    shapes = jax.tree.map(lambda a: tuple(jnp.shape(a)), {"params": params, "batch": batch})
    try:
        out = jax.eval_shape(loss_fn, params, batch, key)
    except (TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"`loss_fn(params, batch, key)` fails on the shapes given "
                         f"(params {shapes['params']}, batch {shapes['batch']}): {exc}") from exc
    if not (hasattr(out, "shape") and out.shape == ()):
        got = getattr(out, "shape", type(out).__name__)
        raise ValueError(f"`loss_fn` must return a scalar loss, got shape {got}")


def fit(loss_fn: Callable, params: PyTree, optimizer: optax.GradientTransformation,
        n_steps: int, data: PyTree | None = None, *, key: jax.Array,
        batch_size: int | None = None, opt_state: optax.OptState | None = None,
        chunk: int = 200, progress: bool = True,
        desc: str | None = None) -> tuple[PyTree, optax.OptState, np.ndarray]:
    """Minimise ``loss_fn(params, batch, key)`` with ``optimizer`` for ``n_steps`` steps.

    Parameters
    ----------
    loss_fn : callable
        ``(params, batch, key) -> scalar``; ``batch`` is ``data`` itself (full batch) or a random
        minibatch of it (leading axis ``batch_size``) when ``batch_size`` is given; ``key`` is a
        fresh PRNG key at every step (independent of the minibatch's).
    params : pytree
        Initial parameters.
    optimizer : optax.GradientTransformation
        e.g. ``optax.adam(1e-2)``.
    n_steps : int
        Number of optimisation steps (≥ 1).
    data : pytree of arrays sharing a leading axis, optional
    key : PRNG key, keyword-only, required
        Every step's minibatch and loss key derive from it: the same key, the same run.
    batch_size : int, optional
        Draw a minibatch of this many rows (with replacement) at every step.
    opt_state : optimiser state, optional
        Resume from this state (returned by a previous ``fit``) instead of
        ``optimizer.init(params)``: Adam's moments, momentum and schedules' counts carry on.
    chunk : int
        Steps compiled into one ``lax.scan`` between two updates of the progress bar.

    Returns
    -------
    ``(params, opt_state, losses)``: the trained parameters, the optimiser state, and the loss
    at each step (n_steps,) as numpy. A diverging run is returned as is (``nan`` losses), with
    one ``RuntimeWarning`` that names the first step whose loss was not finite.
    """
    make_step(loss_fn, optimizer)  # checks both
    check_key(key)
    n_steps = check_int(n_steps, "n_steps")
    chunk = check_int(chunk, "chunk")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size")
        if data is None:
            raise ValueError("`batch_size` needs `data` to draw minibatches from")
        sample_count(data)
    check_finite_tree(params, "params")
    check_finite_tree(data, "data")    # a NaN sample would make every later loss NaN
    # Python scalars make weakly typed arrays (jnp.full(n, 0.5)); a compiled chunk returns them
    # strongly typed, and either way round the next chunk would compile again: make them strong
    params = _strong(params)
    if opt_state is None:
        # one compiled program: run op by op, the zeros of every leaf's shape compile apart
        opt_state = jax.jit(optimizer.init)(params)
    else:
        expected = jax.tree.structure(jax.eval_shape(optimizer.init, params))
        if jax.tree.structure(opt_state) != expected:
            raise ValueError("`opt_state` does not match `optimizer` and `params`: pass the "
                             "state returned by a fit with the same optimizer")
        opt_state = _strong(opt_state)
    _check_loss(loss_fn, params, data, batch_size, key)
    losses, warned = [], False
    sizes = [chunk] * (n_steps // chunk) + ([n_steps % chunk] if n_steps % chunk else [])
    with tqdm(total=n_steps, desc=desc, disable=not progress, leave=False) as bar:
        for size in sizes:
            key, sub = jax.random.split(key)
            params, opt_state, chunk_losses = _run_chunk(loss_fn, optimizer, params, opt_state,
                                                         data, sub, size, batch_size)
            losses.append(np.asarray(chunk_losses))
            if not warned and not np.all(np.isfinite(losses[-1])):
                first = sum(map(len, losses[:-1])) + int(np.argmin(np.isfinite(losses[-1])))
                warnings.warn(f"fit: the loss is not finite from step {first} on (the run "
                              "diverged: lower the learning rate, or check the data)",
                              RuntimeWarning, stacklevel=2)
                warned = True
            bar.update(size)
            bar.set_postfix(loss=f"{float(chunk_losses[-1]):.4g}")
    return params, opt_state, np.concatenate(losses)
