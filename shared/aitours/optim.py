"""Gradient descent and stochastic gradient descent, compiled: one ``lax.scan`` per run.

Both loops are pure functions of their inputs; they return the iterates (stacked along a new
leading axis) so that curves such as E(θ_ℓ) are computed afterwards in one batched pass,
instead of one full pass per step inside the loop.
"""

from __future__ import annotations

import math
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


def draw_indices(key: jax.Array, shape: tuple[int, ...], n: int) -> jax.Array:
    """Indices uniform in {0, ..., n − 1}, int32 array of ``shape``, for sampling rows of data.

    One draw of 32 random bits per index, reduced modulo ``n``: each index then has probability
    1/n up to a relative error below n / 2³² (2·10⁻⁶ for n = 10 000), far below anything SGD can
    see. ``jax.random.randint`` is exactly uniform but draws twice as many bits, and XLA takes
    about twice as long to compile it (≈ 0.5 s against 0.25 s on a 2-core CPU), which is most of
    a short run's cold time. The bits are drawn flat and reshaped: multi-dimensional draws
    compile several times slower.
    """
    n = check_int(n, "n")
    if n > 2**31 - 1:
        raise ValueError(f"`n` must be < 2**31 (int32 indices), got {n}")
    shape = tuple(check_int(s, "shape", minimum=0) for s in shape)
    size = math.prod(shape)
    bits = jax.random.bits(key, (size,), jnp.uint32)
    return (bits % jnp.uint32(n)).astype(jnp.int32).reshape(shape)


@partial(jax.jit,
         static_argnames=("grad_i", "tau_fn", "n_steps", "every", "n_runs", "sequential"))
def _sgd(grad_i, tau_fn, tau, x0, data, n_steps, every, key, n_runs, sequential):
    """One compiled program for all runs, the indices of every run drawn at once.

    ``sequential``: the runs go one after the other (``lax.map``), else they are vmapped. On a
    CPU sequential is faster: vmapping a one-sample step turns its row lookup and dot product
    into batched gathers and batched dots, which XLA runs several times slower per run than the
    scalar loop (measured 8× for 5 runs) and compiles twice as slowly. On an accelerator, where
    each loop iteration costs a kernel launch, vmapped runs share the launches.
    """
    n = jax.tree.leaves(data)[0].shape[0]
    idx = draw_indices(key, (1 if n_runs is None else n_runs, n_steps // every, every), n)
    run = partial(_sgd_one, grad_i, tau_fn, tau, x0, data, n_steps, every)
    if n_runs is None:
        return run(idx[0])
    return lax.map(run, idx) if sequential else jax.vmap(run)(idx)


def _sgd_one(grad_i, tau_fn, tau, x0, data, n_steps, every, idx):
    """One run over the drawn indices ``idx`` (n_steps // every, every): the iterate kept at the
    end of each block of ``every`` steps."""
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
        Draws the indices (:func:`draw_indices`); the same key gives the same runs.
    every : int
        Keep one iterate every ``every`` steps.
    n_runs : int, optional
        Number of independent runs, in one compiled program (sequential on a CPU, where that is
        fastest; vmapped on an accelerator).

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
                n_runs, jax.default_backend() == "cpu")
