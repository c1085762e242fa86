"""2-d convolutions for images in NHWC layout, translations, and receptive fields.

Images are arrays (N, H, W, C) (a batch of N images with C channels); filters are
(k_h, k_w, C_in, C_out) ("HWIO"). As in deep learning libraries, "convolution" means
cross-correlation: with stride s and dilation δ, on the padded input x̃,

    out[n, i, j, o] = Σ_{a, b, c} x̃[n, s i + δ a, s j + δ b, c] · w[a, b, c, o] + bias[o].
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from aitours._checks import as_array, check_int

PADDINGS = ("circular", "same", "valid")
IMPLS = ("lax", "patches")
_DIMS = ("NHWC", "HWIO", "NHWC")


def conv2d(x: ArrayLike, w: ArrayLike, b: ArrayLike | None = None, *, stride: int = 1,
           dilation: int = 1, padding: str = "circular", impl: str = "lax") -> jax.Array:
    """Convolve a batch of images ``x`` (N, H, W, C_in) with filters ``w`` (k_h, k_w, C_in, C_out).

    Parameters
    ----------
    b : array (C_out,), optional
        Bias added to every output pixel.
    stride : int
        Sub-sampling factor s ≥ 1 in both directions: output pixel (i, j) sits at input (s i, s j).
    dilation : int
        Spacing δ ≥ 1 between the filter taps (a 3×3 filter with δ = 2 spans 5×5 pixels).
    padding : {"circular", "same", "valid"}
        ``"circular"``: the image is periodic (a torus); the filter is centred on each output
        pixel, the output is (⌈H/s⌉, ⌈W/s⌉), and for stride 1 a circular shift of the input
        shifts the output exactly. ``"same"``: the same geometry with zeros outside the image.
        ``"valid"``: no padding, output (⌊(H − δ(k_h − 1) − 1)/s⌋ + 1, ...).
    impl : {"lax", "patches"}
        ``"lax"``: one call to ``jax.lax.conv_general_dilated``. ``"patches"``: the same sum as
        one matrix product: the k_h·k_w shifted copies of the image stacked as channels
        ("im2col"), times the filters reshaped to a (k_h k_w C_in) × C_out matrix, shared by all
        pixels. Both agree to round-off; ``"patches"`` is much faster inside ``lax.scan`` on CPU,
        where XLA runs convolution ops slowly (jax issue #12868), e.g. in a training loop.

    Returns
    -------
    Array (N, H', W', C_out).
    """
    x = as_array(x, "x", ndim=4)
    w = as_array(w, "w", ndim=4)
    _check_nonempty(x, "x", "(N, H, W, C_in)")
    _check_nonempty(w, "w", "(k_h, k_w, C_in, C_out)")
    stride = check_int(stride, "stride")
    dilation = check_int(dilation, "dilation")
    if padding not in PADDINGS:
        raise ValueError(f"`padding` must be one of {PADDINGS}, got {padding!r}")
    if impl not in IMPLS:
        raise ValueError(f"`impl` must be one of {IMPLS}, got {impl!r}")
    if w.shape[2] != x.shape[3]:
        raise ValueError(f"`w` expects {w.shape[2]} input channel(s) (shape {tuple(w.shape)}) "
                         f"but `x` has {x.shape[3]} (shape {tuple(x.shape)})")
    if b is not None:
        b = as_array(b, "b", ndim=1)
        if b.shape[0] != w.shape[3]:
            raise ValueError(f"`b` has {b.shape[0]} entries but `w` has {w.shape[3]} output "
                             "channels")
    k_h, k_w = w.shape[:2]
    span_h, span_w = dilation * (k_h - 1) + 1, dilation * (k_w - 1) + 1
    if padding == "valid":
        if span_h > x.shape[1] or span_w > x.shape[2]:
            raise ValueError(f"filters spanning {span_h}x{span_w} pixels are larger than the "
                             f"images {x.shape[1]}x{x.shape[2]} with padding='valid'")
    else:
        top, left = (span_h - 1) // 2, (span_w - 1) // 2
        pads = ((0, 0), (top, span_h - 1 - top), (left, span_w - 1 - left), (0, 0))
        x = jnp.pad(x, pads, mode="wrap" if padding == "circular" else "constant")
    w = w.astype(x.dtype)
    if impl == "lax":
        out = lax.conv_general_dilated(x, w, (stride, stride), "VALID",
                                       rhs_dilation=(dilation, dilation), dimension_numbers=_DIMS)
    else:
        H_out = (x.shape[1] - span_h) // stride + 1
        W_out = (x.shape[2] - span_w) // stride + 1
        patches = [x[:, a * dilation:a * dilation + stride * (H_out - 1) + 1:stride,
                     c * dilation:c * dilation + stride * (W_out - 1) + 1:stride, :]
                   for a in range(k_h) for c in range(k_w)]
        out = jnp.concatenate(patches, axis=-1) @ w.reshape(-1, w.shape[3])
    if b is not None:
        out = out + b
    return out


def _int_list(values, name: str) -> list:
    """``values`` (a sequence, or a 1-d array, of ints) as a list, or a TypeError naming it."""
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise TypeError(f"`{name}` must be a sequence of ints, got {type(values).__name__} "
                        f"{values!r}")
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def _check_nonempty(x, name: str, layout: str) -> None:
    if 0 in x.shape:
        raise ValueError(f"`{name}` must be {layout} with every size >= 1, got shape "
                         f"{tuple(x.shape)}")


def max_pool(x: ArrayLike, size: int = 2) -> jax.Array:
    """Max over non-overlapping ``size`` × ``size`` blocks: (N, H, W, C) → (N, H/size, W/size, C).

    H and W must be multiples of ``size``. (A stride-``size`` sub-sampling: it commutes with
    circular shifts by multiples of ``size`` only.)
    """
    x = as_array(x, "x", ndim=4)
    _check_nonempty(x, "x", "(N, H, W, C)")
    size = check_int(size, "size")
    N, H, W, C = x.shape
    if H % size or W % size:
        raise ValueError(f"`x` is {H}x{W}: both sides must be multiples of size={size}")
    return x.reshape(N, H // size, size, W // size, size, C).max(axis=(2, 4))


def shift(x: ArrayLike, dy: int, dx: int, *, circular: bool = True) -> jax.Array:
    """Translate images ``x`` (..., H, W, C) by ``dy`` rows (down) and ``dx`` columns (right).

    ``circular=True`` rolls the image around (a translation of the torus, exactly invertible);
    ``circular=False`` fills the uncovered border with zeros (what falls off the edge is lost).
    """
    x = as_array(x, "x")
    if x.ndim < 3:
        raise ValueError(f"`x` must be (..., H, W, C), got shape {tuple(x.shape)}")
    if x.shape[-3] < 1 or x.shape[-2] < 1:
        raise ValueError(f"`x` must have H >= 1 and W >= 1, got shape {tuple(x.shape)}")
    dy = check_int(dy, "dy", minimum=-(2**31))
    dx = check_int(dx, "dx", minimum=-(2**31))
    H, W = x.shape[-3], x.shape[-2]
    if circular:
        dy, dx = dy % H, dx % W
    else:  # a shift by H or more rows (W or more columns) leaves only zeros
        dy, dx = max(-H, min(H, dy)), max(-W, min(W, dx))
    # the shifts enter the compiled program as values, not constants: one compilation per image
    # shape serves every (dy, dx), where a roll by constants compiled once per shift
    return _shift(x, jnp.int32(dy), jnp.int32(dx), circular)


@partial(jax.jit, static_argnums=3)
def _shift(x: jax.Array, dy: jax.Array, dx: jax.Array, circular: bool) -> jax.Array:
    H, W = x.shape[-3], x.shape[-2]
    rolled = jnp.roll(x, (dy, dx), axis=(-3, -2))
    if circular:
        return rolled
    rows, cols = jnp.arange(H)[:, None] - dy, jnp.arange(W)[None, :] - dx  # source pixel
    inside = (rows >= 0) & (rows < H) & (cols >= 0) & (cols < W)
    return jnp.where(inside[:, :, None], rolled, jnp.zeros((), x.dtype))


def receptive_field(kernel_sizes: Sequence[int], strides: Sequence[int] | None = None,
                    dilations: Sequence[int] | None = None) -> int:
    """Width of the receptive field of one output unit after a stack of convolutions.

    With kernel sizes k_1..k_L, strides s_1..s_L and dilations δ_1..δ_L (default all 1),
    r = 1 + Σ_l δ_l (k_l − 1) Π_{j<l} s_j: layer l widens the field by δ_l (k_l − 1) pixels of
    its own input, each worth Π_{j<l} s_j pixels of the image.
    """
    ks = [check_int(k, f"kernel_sizes[{i}]")
          for i, k in enumerate(_int_list(kernel_sizes, "kernel_sizes"))]
    if not ks:
        raise ValueError("`kernel_sizes` is empty: give at least one layer")
    per_layer = {}
    for name, values in (("strides", strides), ("dilations", dilations)):
        values = [1] * len(ks) if values is None else _int_list(values, name)
        if len(values) != len(ks):
            raise ValueError(f"`{name}` has {len(values)} entries but `kernel_sizes` has "
                             f"{len(ks)}")
        per_layer[name] = [check_int(v, f"{name}[{i}]") for i, v in enumerate(values)]
    r, jump = 1, 1
    for k, s, d in zip(ks, per_layer["strides"], per_layer["dilations"], strict=True):
        r += d * (k - 1) * jump
        jump *= s
    return r
