"""Gradient descent and stochastic gradient descent, compiled: one ``lax.scan`` per run.

Both loops are pure functions of their inputs; they return the iterates (stacked along a new
leading axis) so that curves such as E(θ_ℓ) are computed afterwards in one batched pass,
instead of one full pass per step inside the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
from jax import lax

from aitours._checks import check_int, check_positive

Step = float | Callable


def _step_size(tau, k, x, g):
    return tau(k, x, g) if callable(tau) else tau


@partial(jax.jit, static_argnames=("grad_fn", "tau_fn", "n_steps"))
def _gd(grad_fn, tau_fn, tau, x0, n_steps):
    def body(x, k):
        g = grad_fn(x)
        t = tau_fn(k, x, g) if tau_fn is not None else tau
        x = jax.tree.map(lambda a, b: a - t * b, x, g)
        return x, x

    _, xs = lax.scan(body, x0, jnp.arange(1, n_steps + 1))
    return jax.tree.map(lambda a, s: jnp.concatenate([a[None], s]), x0, xs)


def gradient_descent(grad_fn: Callable, x0, tau: Step, n_steps: int):
    """Run θ_{k+1} = θ_k − τ_k ∇E(θ_k) for k = 1..n_steps and return every iterate.

    Parameters
    ----------
    grad_fn : callable
        θ ↦ ∇E(θ), same pytree structure as θ (e.g. ``jax.grad(E)``).
    x0 : pytree of arrays
        Initial point θ_0.
    tau : float or callable
        A constant step τ > 0, or ``tau(k, x, g)`` returning the step at iteration k ≥ 1 from
        the current point and gradient (schedules, exact line search).
    n_steps : int
        Number of steps (≥ 1).

    Returns
    -------
    The pytree of iterates, each leaf with a new leading axis of length ``n_steps + 1``
    (θ_0 first). A diverging run (τ too large) is returned as is: its values grow to ``inf``
    or ``nan`` without raising, so that the divergence can be shown.
    """
    if not callable(grad_fn):
        raise TypeError(f"`grad_fn` must be callable, got {type(grad_fn).__name__}")
    n_steps = check_int(n_steps, "n_steps")
    if callable(tau):
        return _gd(grad_fn, tau, 0.0, x0, n_steps)
    check_positive(tau, "tau")
    return _gd(grad_fn, None, jnp.asarray(tau, dtype=jnp.result_type(float)), x0, n_steps)


@partial(jax.jit, static_argnames=("grad_i", "tau_fn", "n_steps", "every", "n_runs"))
def _sgd(grad_i, tau_fn, tau, x0, data, n_steps, every, key, n_runs):
    """One compiled program for all runs: the keys are split and the runs vmapped inside."""
    run = partial(_sgd_one, grad_i, tau_fn, tau, x0, data, n_steps, every)
    if n_runs is None:
        return run(key)
    return jax.vmap(run)(jax.random.split(key, n_runs))


def _sgd_one(grad_i, tau_fn, tau, x0, data, n_steps, every, key):
    n = jax.tree.leaves(data)[0].shape[0]
    # drawn flat then reshaped: multi-dimensional draws compile several times slower
    idx = jax.random.randint(key, (n_steps,), 0, n).reshape(n_steps // every, every)
    ks = jnp.arange(1, n_steps + 1).reshape(n_steps // every, every)

    def inner(x, k_i):
        k, i = k_i
        t = tau_fn(k) if tau_fn is not None else tau
        return x - t * grad_i(x, jax.tree.map(lambda a: a[i], data)), None

    def outer(x, ks_idx):
        x, _ = lax.scan(inner, x, ks_idx)
        return x, x

    _, xs = lax.scan(outer, x0, (ks, idx))
    return jnp.concatenate([x0[None], xs])


def sgd(grad_i: Callable, x0, data, n_steps: int, tau: Step, key: jax.Array, *,
        every: int = 1, n_runs: int | None = None) -> jax.Array:
    """Stochastic gradient descent θ_{ℓ+1} = θ_ℓ − τ_ℓ ∇E_{i_ℓ}(θ_ℓ), i_ℓ uniform in {0..n−1}.

    Parameters
    ----------
    grad_i : callable
        ``grad_i(theta, sample)`` → gradient at ``theta`` (d,) of the loss of one sample, where
        ``sample`` is ``data`` indexed at i (e.g. ``(x_i, y_i)`` for ``data = (X, y)``).
    x0 : array (d,)
        Initial point.
    data : pytree of arrays sharing a leading axis of n ≥ 1 samples, e.g. ``(X, y)``.
        Passed to the compiled loop as an argument (not captured as a constant: that is
        several times slower on CPU).
    n_steps : int
        Number of SGD steps; a multiple of ``every``.
    tau : float or callable
        Constant step τ > 0, or a schedule ``tau(l)`` for l = 1..n_steps, e.g.
        ``lambda l: tau0 / l`` (Robbins–Monro) or ``lambda l: tau0 / (1 + l / l0)``.
    key : PRNG key
        Draws the indices; the same key gives the same run.
    every : int
        Keep one iterate every ``every`` steps.
    n_runs : int, optional
        Number of independent runs, vectorised with ``vmap`` (keys split from ``key``).

    Returns
    -------
    Iterates of shape (n_steps // every + 1, d), θ_0 first, or (n_runs, n_steps // every + 1, d).
    """
    if not callable(grad_i):
        raise TypeError(f"`grad_i` must be callable, got {type(grad_i).__name__}")
    x0 = jnp.asarray(x0)
    if x0.ndim != 1:
        raise ValueError(f"`x0` must be a vector (d,), got shape {tuple(x0.shape)}")
    leaves = jax.tree.leaves(data)
    if not leaves:
        raise ValueError("`data` must hold at least one array of samples")
    rows = {jnp.shape(a)[0] if jnp.ndim(a) else None for a in leaves}
    if None in rows or len(rows) != 1:
        raise ValueError("`data` arrays must share their leading axis (one row per sample), "
                         f"got shapes {[tuple(jnp.shape(a)) for a in leaves]}")
    if rows == {0}:
        raise ValueError("`data` is empty: no sample to draw from")
    n_steps = check_int(n_steps, "n_steps")
    every = check_int(every, "every")
    if n_steps % every:
        raise ValueError(f"`n_steps` ({n_steps}) must be a multiple of `every` ({every})")
    if callable(tau):
        tau_fn, tau = tau, 0.0
    else:
        check_positive(tau, "tau")
        tau_fn = None
    if n_runs is not None:
        n_runs = check_int(n_runs, "n_runs")
    return _sgd(grad_i, tau_fn, jnp.asarray(tau, x0.dtype), x0, data, n_steps, every, key,
                n_runs)
