"""A compiled optax training loop with a progress bar: ``lax.scan`` over chunks of steps."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import numpy as np
import optax
from jax import lax
from tqdm.auto import tqdm

from aitours._checks import check_int


def minibatch(key: jax.Array, data, batch_size: int):
    """A random minibatch (with replacement) of a pytree ``data`` whose leaves share a leading
    axis of n samples: returns the same pytree with leading axis ``batch_size``."""
    n = jax.tree.leaves(data)[0].shape[0]
    idx = jax.random.randint(key, (batch_size,), 0, n)
    return jax.tree.map(lambda a: a[idx], data)


@partial(jax.jit, static_argnames=("loss_fn", "optimizer", "n_steps", "batch_size"))
def _run_chunk(loss_fn, optimizer, params, opt_state, data, key, n_steps, batch_size):
    def step(carry, k):
        params, opt_state = carry
        batch = data if batch_size is None else minibatch(k, data, batch_size)
        loss, grads = jax.value_and_grad(loss_fn)(params, batch)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    (params, opt_state), losses = lax.scan(step, (params, opt_state),
                                           jax.random.split(key, n_steps))
    return params, opt_state, losses


def fit(loss_fn: Callable, params, optimizer: optax.GradientTransformation, n_steps: int,
        data=None, *, key: jax.Array | None = None, batch_size: int | None = None,
        chunk: int = 200, progress: bool = True, desc: str | None = None):
    """Minimise ``loss_fn(params, batch)`` with ``optimizer`` for ``n_steps`` steps.

    Parameters
    ----------
    loss_fn : callable
        ``(params, batch) -> scalar``; ``batch`` is ``data`` itself (full batch) or a random
        minibatch of it (leading axis ``batch_size``) when ``batch_size`` is given.
    params : pytree
        Initial parameters.
    optimizer : optax.GradientTransformation
        e.g. ``optax.adam(1e-2)``.
    n_steps : int
        Number of optimisation steps.
    data : pytree of arrays sharing a leading axis, optional
    key : PRNG key, required with ``batch_size``
    chunk : int
        Steps compiled into one ``lax.scan`` between two updates of the progress bar.

    Returns
    -------
    ``(params, losses)``: the trained parameters and the loss at each step (n_steps,), as numpy.
    A diverging run is returned as is (``nan`` losses), not raised.
    """
    if not callable(loss_fn):
        raise TypeError(f"`loss_fn` must be callable, got {type(loss_fn).__name__}")
    n_steps = check_int(n_steps, "n_steps")
    chunk = check_int(chunk, "chunk")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size")
        if data is None:
            raise ValueError("`batch_size` needs `data` to draw minibatches from")
        if key is None:
            raise ValueError("`batch_size` needs a PRNG `key` to draw minibatches")
        n = jax.tree.leaves(data)[0].shape[0]
        if n == 0:
            raise ValueError("`data` is empty: no sample to draw a minibatch from")
    key = jax.random.PRNGKey(0) if key is None else key
    opt_state = optimizer.init(params)
    losses = []
    sizes = [chunk] * (n_steps // chunk) + ([n_steps % chunk] if n_steps % chunk else [])
    with tqdm(total=n_steps, desc=desc, disable=not progress, leave=False) as bar:
        for size in sizes:
            key, sub = jax.random.split(key)
            params, opt_state, chunk_losses = _run_chunk(loss_fn, optimizer, params, opt_state,
                                                         data, sub, size, batch_size)
            losses.append(np.asarray(chunk_losses))
            bar.update(size)
            bar.set_postfix(loss=f"{float(chunk_losses[-1]):.4g}")
    return params, np.concatenate(losses)
