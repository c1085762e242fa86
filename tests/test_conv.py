"""Unit tests of aitours.conv: the defining sum, equivariance, pooling, receptive fields."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aitours.conv import conv2d, max_pool, receptive_field, shift


def _rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _direct(x, w, b, stride, dilation, padding):
    """The defining sum, with explicit loops (numpy, float64)."""
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    N, H, W, _ = x.shape
    k_h, k_w, _, C_out = w.shape
    span_h, span_w = dilation * (k_h - 1) + 1, dilation * (k_w - 1) + 1
    if padding == "valid":
        top = left = 0
        H_out, W_out = (H - span_h) // stride + 1, (W - span_w) // stride + 1
    else:
        top, left = (span_h - 1) // 2, (span_w - 1) // 2
        H_out, W_out = -(-H // stride), -(-W // stride)
    out = np.zeros((N, H_out, W_out, C_out))
    for i, j, a, c in itertools.product(range(H_out), range(W_out), range(k_h), range(k_w)):
        r, q = stride * i + dilation * a - top, stride * j + dilation * c - left
        if padding == "circular":
            r, q = r % H, q % W
        elif not (0 <= r < H and 0 <= q < W):
            continue
        out[:, i, j, :] += x[:, r, q, :] @ w[a, c]
    return out + (0 if b is None else np.asarray(b))


@pytest.mark.parametrize("padding", ["circular", "same", "valid"])
@pytest.mark.parametrize("stride,dilation", [(1, 1), (2, 1), (1, 2), (2, 2)])
@pytest.mark.parametrize("impl", ["lax", "patches"])
def test_conv2d_matches_the_defining_sum(padding, stride, dilation, impl):
    x, w, b = _rand((2, 9, 10, 3)), _rand((3, 3, 3, 4), 1), _rand((4,), 2)
    got = conv2d(x, w, b, stride=stride, dilation=dilation, padding=padding, impl=impl)
    want = _direct(x, w, b, stride, dilation, padding)
    assert got.shape == want.shape
    np.testing.assert_allclose(np.asarray(got), want, atol=1e-4)


def test_conv2d_non_square_filters_and_output_shapes():
    x, w = _rand((1, 8, 12, 2)), _rand((1, 5, 2, 3))
    assert conv2d(x, w).shape == (1, 8, 12, 3)
    assert conv2d(x, w, stride=3).shape == (1, 3, 4, 3)
    assert conv2d(x, w, padding="valid").shape == (1, 8, 8, 3)
    np.testing.assert_allclose(np.asarray(conv2d(x, w, impl="patches")),
                               _direct(x, w, None, 1, 1, "circular"), atol=1e-4)


def test_identity_filter_and_linearity():
    x = _rand((2, 6, 7, 3))
    delta = np.zeros((3, 3, 3, 3), np.float32)
    delta[1, 1] = np.eye(3)
    np.testing.assert_allclose(np.asarray(conv2d(x, delta)), x, atol=1e-6)
    w = _rand((3, 3, 3, 2))
    lhs = conv2d(2 * x + 1, w)
    rhs = 2 * conv2d(x, w) + conv2d(np.ones_like(x), w)
    np.testing.assert_allclose(np.asarray(lhs), np.asarray(rhs), atol=1e-4)


@pytest.mark.parametrize("impl", ["lax", "patches"])
def test_circular_convolution_is_translation_equivariant(impl):
    x, w = _rand((1, 10, 12, 2)), _rand((3, 3, 2, 5))
    for dy, dx in [(1, 0), (0, -3), (4, 5), (-7, 11)]:
        lhs = conv2d(shift(x, dy, dx), w, impl=impl)
        rhs = shift(conv2d(x, w, impl=impl), dy, dx)
        np.testing.assert_allclose(np.asarray(lhs), np.asarray(rhs), atol=1e-5)


def test_stride_two_commutes_with_even_shifts_only():
    x, w = _rand((1, 12, 12, 1)), _rand((3, 3, 1, 2))
    out = conv2d(x, w, stride=2)
    np.testing.assert_allclose(np.asarray(conv2d(shift(x, 2, -4), w, stride=2)),
                               np.asarray(shift(out, 1, -2)), atol=1e-5)
    odd = conv2d(shift(x, 1, 0), w, stride=2)
    gaps = [float(jnp.max(jnp.abs(odd - shift(out, dy, dx))))
            for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    assert min(gaps) > 0.1


def test_shift_circular_and_zero_fill():
    x = jnp.arange(16.0).reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(np.asarray(shift(x, 1, 0))[0, :, :, 0],
                                  np.roll(np.arange(16.0).reshape(4, 4), 1, axis=0))
    z = np.asarray(shift(x, 1, -2, circular=False))[0, :, :, 0]
    want = np.zeros((4, 4))
    want[1:, :2] = np.arange(16.0).reshape(4, 4)[:3, 2:]
    np.testing.assert_array_equal(z, want)
    assert float(jnp.abs(shift(x, 5, 0, circular=False)).max()) == 0.0
    np.testing.assert_array_equal(np.asarray(shift(shift(x, 3, -1), -3, 1)), np.asarray(x))
    assert shift(jnp.ones((2, 3, 4, 5, 1)), 1, 1).shape == (2, 3, 4, 5, 1)  # extra batch axes


def test_max_pool():
    x = jnp.arange(32.0).reshape(2, 4, 4, 1)
    got = np.asarray(max_pool(x))
    assert got.shape == (2, 2, 2, 1)
    np.testing.assert_array_equal(got[0, :, :, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(np.asarray(max_pool(x, 4))[:, 0, 0, 0], [15, 31])
    y = _rand((1, 8, 8, 3))
    np.testing.assert_allclose(np.asarray(max_pool(shift(y, 2, 4))),
                               np.asarray(shift(max_pool(y), 1, 2)))


def test_receptive_field_formula_and_measurement():
    assert receptive_field([3]) == 3
    assert receptive_field([3, 3, 3]) == 7
    assert receptive_field([3, 3, 3], [2, 2, 2]) == 15
    assert receptive_field([5, 3], [2, 1]) == 9
    assert receptive_field([3, 3, 3], dilations=[1, 2, 4]) == 15
    # measured: support of the gradient of a central output unit (filters of ones)
    for strides in ([1, 1, 1], [2, 2, 2], [2, 1, 2]):
        def central(x, strides=strides):
            for s in strides:
                x = conv2d(x, jnp.ones((3, 3, 1, 1)), stride=s, padding="same")
            return x[0, x.shape[1] // 2, x.shape[2] // 2, 0]
        g = np.asarray(jax.grad(central)(jnp.zeros((1, 48, 48, 1))))[0, :, :, 0]
        assert int(np.any(g != 0, axis=1).sum()) == receptive_field([3] * 3, strides)


def test_bad_arguments_raise_clear_errors():
    x, w = _rand((1, 5, 5, 2)), _rand((3, 3, 2, 4))
    with pytest.raises(ValueError, match="`x` must have 4"):
        conv2d(x[0], w)
    with pytest.raises(ValueError, match="input channel"):
        conv2d(x, _rand((3, 3, 3, 4)))
    with pytest.raises(ValueError, match="`padding`"):
        conv2d(x, w, padding="reflect")
    with pytest.raises(ValueError, match="`impl`"):
        conv2d(x, w, impl="fft")
    with pytest.raises(ValueError, match="`stride`"):
        conv2d(x, w, stride=0)
    with pytest.raises(TypeError, match="`dilation`"):
        conv2d(x, w, dilation=1.5)
    with pytest.raises(ValueError, match="larger than the images"):
        conv2d(x, _rand((7, 7, 2, 1)), padding="valid")
    with pytest.raises(ValueError, match="`b` has 3"):
        conv2d(x, w, np.zeros(3))
    with pytest.raises(ValueError, match=r"\(\.\.\., H, W, C\)"):
        shift(np.zeros((4, 4)), 1, 1)
    with pytest.raises(TypeError, match="`dy`"):
        shift(x, 0.5, 1)
    with pytest.raises(ValueError, match="multiples of size"):
        max_pool(_rand((1, 5, 4, 1)))
    with pytest.raises(ValueError, match="empty"):
        receptive_field([])
    with pytest.raises(ValueError, match="`strides` has 1"):
        receptive_field([3, 3], [2])
    with pytest.raises(ValueError, match=r"`kernel_sizes\[1\]`"):
        receptive_field([3, 0])


@pytest.mark.perf
def test_shift_compiles_once_per_shape(caplog):
    # the shifts are values of one compiled program, not constants: nine shifts, one compilation
    x = jnp.ones((2, 5, 6, 1), jnp.bfloat16)  # a dtype no other test shifts
    with jax.log_compiles(), caplog.at_level("WARNING"):
        for dy in (-1, 0, 1):
            for dx in (-2, 0, 3):
                shift(x, dy, dx, circular=False)
    assert sum("compilation of jit(_shift)" in r.getMessage() for r in caplog.records) == 1
