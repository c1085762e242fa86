"""ODE integrators (Euler, Runge–Kutta 4) and residual networks, as compiled ``lax.scan`` loops.

A velocity field is a function ``v(params, t, x)`` returning dx/dt with the shape of ``x``
(``x`` may hold a batch of points, e.g. (n, d): v acts on each row). Autonomous fields simply
ignore ``t``. A residual network is the same recursion with one set of parameters per layer,
``v(params_k, x)``. Pass module-level functions (not fresh lambdas) as ``v``: the integrators
are jitted with ``v`` as a static argument, and a new function object means a new compilation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from aitours._checks import PyTree, check_finite, check_int, check_key
from aitours.nn import Params, init_gain, init_mlp


def _check(v, n_steps, t0, t1):
    if not callable(v):
        raise TypeError(f"`v` must be callable, got {type(v).__name__}")
    n_steps = check_int(n_steps, "n_steps")
    if any(isinstance(t, jax.core.Tracer) for t in (t0, t1)):
        return n_steps                                      # traced times: no value checks
    for name, value in (("t0", t0), ("t1", t1)):
        if not np.isfinite(value):
            raise ValueError(f"`{name}` must be finite, got {value!r}")
    if t1 == t0:
        raise ValueError(f"`t1` must differ from `t0` (got both = {t0!r})")
    return n_steps


def _check_field(v, x0, *args) -> None:
    """At trace time (free once compiled): ``v(*args)`` must return an array shaped like x0,
    else the loop would fail deep inside ``lax.scan`` with a message naming none of ours."""
    out = jax.eval_shape(v, *args)
    if getattr(out, "shape", None) != x0.shape:
        got = getattr(out, "shape", type(out).__name__)
        raise ValueError(f"`v` must return dx/dt with the shape of `x0` {tuple(x0.shape)}, "
                         f"got {got}")


def _integrate(step, v, params, x0, n_steps, t0, t1, trajectory):
    _check_field(v, x0, params, t0, x0)
    h = (t1 - t0) / n_steps
    ts = t0 + h * jnp.arange(n_steps)

    def body(x, t):
        x = step(v, params, t, x, h)
        return x, (x if trajectory else None)

    x1, xs = lax.scan(body, x0, ts)
    if trajectory:
        return jnp.concatenate([x0[None], xs])
    return x1


def _integrate_dynamic(step, v, params, x0, n_steps, t0, t1):
    # a traced number of steps: a while loop (one compilation for every n_steps, no reverse mode)
    _check_field(v, x0, params, t0, x0)
    h = (t1 - t0) / n_steps
    return lax.fori_loop(0, n_steps, lambda k, x: step(v, params, t0 + k * h, x, h), x0)


def _euler_step(v, params, t, x, h):
    return x + h * v(params, t, x)


def _rk4_step(v, params, t, x, h):
    k1 = v(params, t, x)
    k2 = v(params, t + h / 2, x + h / 2 * k1)
    k3 = v(params, t + h / 2, x + h / 2 * k2)
    k4 = v(params, t + h, x + h * k3)
    return x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


@partial(jax.jit, static_argnames=("step", "v", "n_steps", "trajectory"))
def _solve(step, v, params, x0, n_steps, t0, t1, trajectory):
    return _integrate(step, v, params, x0, n_steps, t0, t1, trajectory)


@partial(jax.jit, static_argnames=("step", "v"))
def _solve_dynamic(step, v, params, x0, n_steps, t0, t1):
    return _integrate_dynamic(step, v, params, x0, n_steps, t0, t1)


def _run(step, v, params, x0, n_steps, t0, t1, trajectory):
    x0 = jnp.asarray(x0)
    check_finite(x0, "x0")
    if isinstance(n_steps, (jax.Array, np.ndarray)):          # a JAX (or traced) integer
        if trajectory:
            raise ValueError("`trajectory=True` needs a Python int `n_steps`")
        if jnp.ndim(n_steps) != 0 or not jnp.issubdtype(n_steps.dtype, jnp.integer):
            raise ValueError(f"`n_steps` must be an integer scalar, got {n_steps!r}")
        if not isinstance(n_steps, jax.core.Tracer) and n_steps < 1:
            raise ValueError(f"`n_steps` must be >= 1, got {n_steps!r}")
        _check(v, 1, t0, t1)
        return _solve_dynamic(step, v, params, jnp.asarray(x0), jnp.asarray(n_steps), t0, t1)
    n_steps = _check(v, n_steps, t0, t1)
    return _solve(step, v, params, jnp.asarray(x0), n_steps, t0, t1, bool(trajectory))


def euler(v: Callable, params: PyTree, x0: ArrayLike, n_steps: int, t1: float = 1.0, *,
          t0: float = 0.0, trajectory: bool = False) -> jax.Array:
    """Explicit Euler for dx/dt = v(params, t, x) from x(t0) = x0 to t1, in ``n_steps`` steps.

    x_{k+1} = x_k + h v(params, t_k, x_k), h = (t1 − t0)/n_steps, t_k = t0 + k h; error O(h).
    ``t1 < t0`` integrates backward in time. Returns x(t1) (shape of ``x0``), or with
    ``trajectory=True`` all states (n_steps + 1, *x0.shape), x0 first.

    ``n_steps`` is normally a Python int (one compiled ``lax.scan`` per value, differentiable
    in both modes). It may also be a JAX integer scalar, e.g. ``jnp.asarray(16)``: then a
    single compiled loop serves every number of steps (convergence studies), but it runs as
    a while loop, with no reverse-mode derivative and no trajectory.
    """
    return _run(_euler_step, v, params, x0, n_steps, t0, t1, trajectory)


def rk4(v: Callable, params: PyTree, x0: ArrayLike, n_steps: int, t1: float = 1.0, *,
        t0: float = 0.0, trajectory: bool = False) -> jax.Array:
    """Classical 4th-order Runge–Kutta for dx/dt = v(params, t, x), error O(h⁴).

    Same arguments and output as :func:`euler`: four evaluations of v per step,
    x_{k+1} = x_k + h/6 (k₁ + 2k₂ + 2k₃ + k₄).
    """
    return _run(_rk4_step, v, params, x0, n_steps, t0, t1, trajectory)


@partial(jax.jit, static_argnames=("v", "trajectory"))
def _resnet(v, layer_params, x0, t1, trajectory):
    depth = jax.tree.leaves(layer_params)[0].shape[0]
    _check_field(v, x0, jax.tree.map(lambda a: a[0], layer_params), x0)
    h = t1 / depth

    def body(x, theta):
        x = x + h * v(theta, x)
        return x, (x if trajectory else None)

    x1, xs = lax.scan(body, x0, layer_params)
    return jnp.concatenate([x0[None], xs]) if trajectory else x1


@partial(jax.jit, static_argnames=("depth", "sizes", "scale", "zero_last"))
def _init_resnet(key, depth, sizes, scale, zero_last):
    # T independent perceptrons: init_mlp vmapped over T keys stacks each leaf along axis 0
    return jax.vmap(partial(init_mlp, sizes=sizes, scale=scale, zero_last=zero_last))(
        jax.random.split(key, depth))


def init_resnet(key: jax.Array, depth: int, sizes: Sequence[int], *,
                scale: str | float = "lecun", zero_last: bool = False) -> Params:
    """Independent random residual branches for a ResNet of the given depth.

    Each branch is a perceptron with layer widths ``sizes`` (as in ``aitours.nn.init_mlp``,
    evaluated by ``aitours.nn.mlp``); the T = ``depth`` branches are stacked along a leading
    axis, ready for :func:`resnet`: ``[(W_0, b_0), ...]`` with ``W_k`` (T, d_{k+1}, d_k) and
    ``b_k`` (T, d_{k+1}). Weights are i.i.d. N(0, s²/d_k) (s = 1 for ``"lecun"``, √2 for
    ``"he"``, or the float given), biases 0; ``zero_last=True`` zeroes the last layer of every
    branch, so that the ResNet starts as the identity.
    """
    check_key(key)
    depth = check_int(depth, "depth")
    sizes = tuple(check_int(s, f"sizes[{i}]") for i, s in enumerate(sizes))
    if len(sizes) < 2:
        raise ValueError(f"`sizes` needs at least an input and an output width, got {sizes}")
    init_gain(scale)  # checked here, before tracing
    return _init_resnet(key, depth, sizes, scale, bool(zero_last))


def resnet(v: Callable, layer_params: PyTree, x0: ArrayLike, *, t1: float = 1.0,
           trajectory: bool = False) -> jax.Array:
    """A residual network x_{k+1} = x_k + (t1/T) v(θ_k, x_k), k = 0..T−1.

    ``layer_params``: a pytree whose leaves stack the T layers' parameters along a leading
    axis (θ_k is the k-th slice); ``v(θ, x)`` is the residual branch. With θ_k = θ(k/T) for a
    smooth θ(·) this is Euler's scheme for dx/dt = v(θ(t), x) on [0, t1]. Returns the output
    x_T, or with ``trajectory=True`` all states (T + 1, *x0.shape).
    """
    if not callable(v):
        raise TypeError(f"`v` must be callable, got {type(v).__name__}")
    leaves = jax.tree.leaves(layer_params)
    if not leaves or any(jnp.ndim(a) == 0 for a in leaves):
        raise ValueError("`layer_params` must stack the layers' parameters along a leading axis")
    depths = {a.shape[0] for a in leaves}
    if len(depths) != 1 or 0 in depths:
        raise ValueError(f"the leaves of `layer_params` must share one leading size (the depth "
                         f"T >= 1), got {sorted(depths)}")
    if not isinstance(t1, jax.core.Tracer) and (not np.isfinite(t1) or t1 == 0):
        raise ValueError(f"`t1` must be finite and nonzero, got {t1!r}")
    x0 = jnp.asarray(x0)
    check_finite(x0, "x0")
    return _resnet(v, layer_params, x0, t1, bool(trajectory))
