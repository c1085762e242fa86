"""Multi-layer perceptrons x_{k+1} = σ(W_k x_k + b_k) over a list of ``(W, b)`` pytrees.

``normals(keys, shapes)``, re-exported here for the tours' own initialisations, is
``[jax.random.normal(k, s) for k, s in zip(keys, shapes)]`` drawn as one compiled kernel (XLA
compiles a random draw per call site and shape otherwise): see ``aitours._draws``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from aitours._checks import PyTree, check_int, check_key, check_positive
from aitours._draws import normals

Params = list[tuple[jax.Array, jax.Array]]


def init_gain(scale: str | float) -> float:
    """The weight scale s of an initialisation N(0, s²/fan_in): 1 for ``"lecun"``, √2 for
    ``"he"`` (ReLU), or the positive float given."""
    if isinstance(scale, str):
        gains = {"lecun": 1.0, "he": 2.0**0.5}
        if scale not in gains:
            raise ValueError(f"`scale` must be 'lecun', 'he' or a float, got {scale!r}")
        return gains[scale]
    check_positive(scale, "scale")
    return float(scale)


def init_mlp(key: jax.Array, sizes: Sequence[int], *, scale: str | float = "lecun",
             zero_last: bool = False) -> Params:
    """Random parameters of an MLP with layer widths ``sizes = (d_0, d_1, ..., d_R)``.

    Returns ``[(W_0, b_0), ..., (W_{R-1}, b_{R-1})]`` with ``W_k`` (d_{k+1}, d_k) and ``b_k``
    (d_{k+1},). Weights are N(0, s²/d_k) with s = 1 (``"lecun"``), s = √2 (``"he"``, for ReLU)
    or the given float; biases start at 0. ``zero_last=True`` zeroes the last layer (the network
    then starts as the zero function, e.g. a residual branch that starts as the identity).
    """
    check_key(key)
    sizes = [check_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
    if len(sizes) < 2:
        raise ValueError(f"`sizes` needs at least an input and an output width, got {sizes}")
    gain = init_gain(scale)
    shapes = [(d_out, d_in) for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=True)]
    # one key per layer: adding a layer leaves the others' weights as they were; the draws are
    # one compiled kernel (the values of one jax.random.normal per layer)
    keys = jax.random.split(key, len(shapes))
    drawn = shapes[:-1] if zero_last else shapes
    weights = normals(keys[:len(drawn)] if zero_last else keys, drawn) if drawn else []
    scaled = [gain * W / jnp.sqrt(d_in) for W, (_, d_in) in zip(weights, drawn, strict=True)]
    if isinstance(key, jax.core.Tracer):  # inside jit or vmap (e.g. aitours.ode.init_resnet)
        zeros = jnp.zeros
    else:  # the same zeros, put on the device without compiling a program per shape
        dtype = jax.dtypes.canonicalize_dtype(np.float64)  # float32, or float64 under x64

        def zeros(shape):
            return jax.device_put(np.zeros(shape, dtype))
    params = [(W, zeros(d_out)) for W, (d_out, _) in zip(scaled, drawn, strict=True)]
    if zero_last:
        d_out, d_in = shapes[-1]
        params.append((zeros((d_out, d_in)), zeros(d_out)))
    return params


def mlp(params: Params, x: ArrayLike, activation: Callable = jnp.tanh) -> jax.Array:
    """Evaluate the MLP on ``x`` (..., d_0) → (..., d_R); σ = ``activation`` on hidden layers,
    the last layer is affine (no activation)."""
    _check_mlp(params, x)
    if not callable(activation):
        raise TypeError(f"`activation` must be callable, got {type(activation).__name__}")
    for W, b in params[:-1]:
        x = activation(x @ W.T + b)
    W, b = params[-1]
    return x @ W.T + b


def _check_mlp(params, x) -> None:
    """Static shape checks of :func:`mlp` (free at trace time): ``params`` a non-empty list of
    pairs (W (d_out, d_in), b (d_out,)) chaining the widths, ``x`` (..., d_0)."""
    if not isinstance(params, (list, tuple)) or not params:
        raise TypeError("`params` must be a non-empty list of (W, b) layers (see init_mlp), got "
                        f"{type(params).__name__}")
    width = jnp.shape(x)[-1] if jnp.ndim(x) else None
    for k, layer in enumerate(params):
        if not isinstance(layer, (list, tuple)) or len(layer) != 2:
            raise TypeError(f"`params[{k}]` must be a pair (W, b), got {type(layer).__name__}")
        W_shape, b_shape = jnp.shape(layer[0]), jnp.shape(layer[1])
        if len(W_shape) != 2 or b_shape != W_shape[:1]:
            raise ValueError(f"`params[{k}]` must be (W (d_out, d_in), b (d_out,)), got shapes "
                             f"{W_shape} and {b_shape}")
        if W_shape[1] != width:
            what = "`x`'s last axis" if k == 0 else f"the output width of `params[{k - 1}]`"
            raise ValueError(f"`params[{k}]` takes inputs of width {W_shape[1]} but {what} is "
                             f"{width} (`x` has shape {tuple(jnp.shape(x))})")
        width = W_shape[0]


def count_params(params: PyTree) -> int:
    """Total number of scalars in a pytree of arrays."""
    return int(sum(jnp.size(leaf) for leaf in jax.tree.leaves(params)))
