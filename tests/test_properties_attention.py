"""Property tests of aitours.attention: bad input raises naming the argument; invariants hold."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aitours.attention import (
    attention_weights,
    causal_mask,
    init_multi_head,
    linear_attention,
    multi_head_attention,
    sinusoidal_positions,
    softmax_attention,
)

N, D = 5, 4
finite = st.floats(-3, 3, allow_nan=False, width=32)
bad_value = st.sampled_from([np.nan, np.inf, -np.inf])
bad_size = st.one_of(st.integers(-3, 0), st.sampled_from([1.5, "3", None, True]))


def raises_naming(name, fn, *args, **kwargs):
    """``fn(*args)`` must raise ValueError/TypeError whose message names `name`."""
    with pytest.raises((ValueError, TypeError)) as info:
        fn(*args, **kwargs)
    assert f"`{name}`" in str(info.value), str(info.value)


def arrays(shape, seed):
    return jax.random.normal(jax.random.key(seed), shape)


@given(st.integers(1, 12))
def test_causal_mask_is_lower_triangular(n):
    m = np.asarray(causal_mask(n))
    assert m.shape == (n, n) and m.dtype == bool
    np.testing.assert_array_equal(m, np.tril(np.ones((n, n), bool)))


@given(bad_size)
def test_causal_mask_and_positions_reject_bad_sizes(n):
    raises_naming("n", causal_mask, n)
    raises_naming("n", sinusoidal_positions, n, 4)
    raises_naming("d", sinusoidal_positions, 4, n)


@given(st.integers(0, 1000), st.booleans())
def test_softmax_rows_sum_to_one_and_masked_entries_are_zero(seed, masked):
    q, k, v = arrays((2, N, D), seed), arrays((2, N, D), seed + 1), arrays((2, N, 3), seed + 2)
    mask = causal_mask(N) if masked else None
    A = np.asarray(attention_weights(q, k, mask))
    assert np.all(A >= 0)
    np.testing.assert_allclose(A.sum(-1), 1.0, rtol=1e-5)
    if masked:
        assert np.all(A[..., ~np.tril(np.ones((N, N), bool))] == 0)
    np.testing.assert_allclose(softmax_attention(q, k, v, mask), A @ np.asarray(v), atol=1e-5)


def test_fully_masked_rows_are_documented_zeros_with_zero_gradient():
    q, k, v = arrays((N, D), 0), arrays((N, D), 1), arrays((N, 3), 2)
    mask = np.asarray(causal_mask(N)).copy()
    mask[2] = False                                          # query 2 may attend to nothing
    A = np.asarray(attention_weights(q, k, mask))
    assert np.all(A[2] == 0) and np.allclose(np.delete(A, 2, 0).sum(-1), 1.0)
    assert np.all(np.asarray(softmax_attention(q, k, v, mask))[2] == 0)
    g = jax.grad(lambda q: softmax_attention(q, k, v, mask).sum())(q)
    assert np.all(np.isfinite(np.asarray(g))) and np.all(np.asarray(g)[2] == 0)


@given(st.sampled_from(["q", "k", "v"]), st.integers(0, 4))
def test_attention_rejects_wrong_ndim(which, ndim):
    shapes = {"q": (N, D), "k": (N, D), "v": (N, 3)}
    if ndim >= 2:
        return
    shapes[which] = (D,) * ndim
    args = [arrays(shapes[n], 0) for n in ("q", "k", "v")]
    raises_naming(which, softmax_attention, *args)


@given(st.integers(1, 6).filter(lambda d: d != D), st.integers(1, 7).filter(lambda m: m != N))
def test_attention_rejects_mismatched_shapes(d, m):
    q = arrays((N, D), 0)
    raises_naming("k", softmax_attention, q, arrays((N, d), 1), arrays((N, 3), 2))
    raises_naming("v", softmax_attention, q, arrays((N, D), 1), arrays((m, 3), 2))
    raises_naming("mask", attention_weights, q, q, jnp.ones((m, N), bool))
    raises_naming("q", softmax_attention, arrays((2, N, D), 0), arrays((3, N, D), 1),
                  arrays((3, N, 3), 2))


@given(st.sampled_from([np.float32, np.int32, np.uint8]))
def test_attention_rejects_non_boolean_masks_and_non_numeric_inputs(dtype):
    q = arrays((N, D), 0)
    raises_naming("mask", attention_weights, q, q, np.ones((N, N), dtype))
    raises_naming("q", attention_weights, jnp.ones((N, D), bool), q)


@given(st.integers(0, 1000))
def test_linear_attention_causal_is_a_prefix_mean(seed):
    q, k, v = arrays((N, D), seed), arrays((N, D), seed + 1), arrays((N, 3), seed + 2)
    out = np.asarray(linear_attention(q, k, v))
    S = np.asarray(q @ k.T)
    ref = np.stack([(S[i, :i + 1] @ np.asarray(v)[:i + 1]) / (i + 1) for i in range(N)])
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)
    raises_naming("k", linear_attention, q, arrays((N + 1, D), 0), arrays((N + 1, 3), 0))


@given(st.integers(1, 8), st.integers(1, 8).map(lambda h: 2 * h))
def test_sinusoidal_positions_formula_and_bounds(n, d):
    P = np.asarray(sinusoidal_positions(n, d))
    t, i = np.arange(n)[:, None], np.arange(d // 2)[None, :]
    angle = t / 10000.0 ** (2 * i / d)
    np.testing.assert_allclose(P[:, 0::2], np.sin(angle), atol=1e-5)
    np.testing.assert_allclose(P[:, 1::2], np.cos(angle), atol=1e-5)


@given(st.integers(0, 6).map(lambda h: 2 * h + 1))
def test_sinusoidal_positions_odd_d_is_an_error(d):
    raises_naming("d", sinusoidal_positions, 4, d)


@given(st.integers(0, 100))
def test_multi_head_shapes_and_errors(seed):
    params = init_multi_head(jax.random.key(seed), 8, 2)
    x = arrays((N, 8), seed)
    assert multi_head_attention(params, x, causal_mask(N)).shape == (N, 8)
    raises_naming("x", multi_head_attention, params, arrays((N, 7), 0))
    raises_naming("params['Wo']", multi_head_attention, {**params, "Wo": params["Wo"][:, :, :3]},
                  x)
    raises_naming("params", multi_head_attention, {"Wq": params["Wq"]}, x)
    raises_naming("key", init_multi_head, seed, 8, 2)
    raises_naming("d_model", init_multi_head, jax.random.key(0), 7, 2)
