"""Attention from scratch: shapes, values against explicit loops and closed forms, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aitours.attention import (
    attention_weights,
    causal_mask,
    init_multi_head,
    linear_attention,
    multi_head_attention,
    sinusoidal_positions,
    softmax_attention,
)

KEY = jax.random.PRNGKey(0)


def _qkv(n=6, m=6, dk=4, dv=3, batch=()):
    kq, kk, kv = jax.random.split(KEY, 3)
    return (jax.random.normal(kq, (*batch, n, dk)), jax.random.normal(kk, (*batch, m, dk)),
            jax.random.normal(kv, (*batch, m, dv)))


def test_causal_mask():
    M = causal_mask(4)
    assert M.dtype == bool and M.shape == (4, 4)
    np.testing.assert_array_equal(M, np.tril(np.ones((4, 4), bool)))


def test_weights_are_a_softmax_of_scaled_scores():
    q, k, _ = _qkv(n=5, m=7, dk=4)
    A = attention_weights(q, k)
    s = np.asarray(q) @ np.asarray(k).T / 2.0            # sqrt(d_k) = 2
    ref = np.exp(s - s.max(1, keepdims=True))
    ref /= ref.sum(1, keepdims=True)
    assert A.shape == (5, 7)
    np.testing.assert_allclose(A, ref, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(A.sum(1), 1.0, rtol=1e-6)


def test_causal_weights_and_output():
    q, k, v = _qkv()
    A = attention_weights(q, k, causal_mask(6))
    assert float(jnp.max(jnp.abs(jnp.triu(A, 1)))) == 0.0
    np.testing.assert_allclose(A.sum(1), 1.0, rtol=1e-6)
    out = softmax_attention(q, k, v, causal_mask(6))
    np.testing.assert_allclose(out[0], v[0], rtol=1e-6)     # the first token sees itself only


def test_fully_masked_row_gives_zeros():
    q, k, _ = _qkv(n=2, m=3)
    mask = jnp.array([[True, False, True], [False, False, False]])
    A = attention_weights(q, k, mask)
    np.testing.assert_array_equal(A[1], 0.0)
    np.testing.assert_allclose(A[0].sum(), 1.0, rtol=1e-6)


def test_batched_attention_matches_per_sequence():
    q, k, v = _qkv(batch=(3,))
    out = softmax_attention(q, k, v, causal_mask(6))
    assert out.shape == (3, 6, 3)
    for b in range(3):
        np.testing.assert_allclose(out[b], softmax_attention(q[b], k[b], v[b], causal_mask(6)),
                                   rtol=1e-5, atol=1e-6)


def test_multi_head_shapes_and_one_head_formula():
    p = init_multi_head(KEY, 8, 2)
    assert p["Wq"].shape == (2, 8, 4) and p["Wo"].shape == (2, 4, 8)
    x = jax.random.normal(KEY, (5, 8))
    y = multi_head_attention(p, x)
    assert y.shape == (5, 8)
    ref = sum(softmax_attention(x @ p["Wq"][h], x @ p["Wk"][h], x @ p["Wv"][h]) @ p["Wo"][h]
              for h in range(2))
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)
    assert multi_head_attention(p, jnp.stack([x, x])).shape == (2, 5, 8)


def test_permutation_equivariance_and_its_breaking():
    p = init_multi_head(KEY, 8, 2)
    x = jax.random.normal(jax.random.PRNGKey(1), (7, 8))
    perm = jnp.array([3, 0, 6, 1, 5, 2, 4])
    np.testing.assert_allclose(multi_head_attention(p, x[perm]), multi_head_attention(p, x)[perm],
                               rtol=1e-5, atol=1e-6)
    m = causal_mask(7)
    y_perm, y = multi_head_attention(p, x[perm], m), multi_head_attention(p, x, m)
    assert jnp.max(jnp.abs(y_perm - y[perm])) > 1e-2


def test_linear_attention_matches_loop_real_and_complex():
    q, k, v = _qkv(n=5, m=5, dk=3, dv=2)
    out = np.asarray(linear_attention(q, k, v))
    ref = np.stack([sum(float(q[i] @ k[j]) * np.asarray(v[j]) for j in range(i + 1)) / (i + 1)
                    for i in range(5)])
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    full = np.asarray(linear_attention(q, k, v, causal=False, normalize=False))
    np.testing.assert_allclose(full, np.asarray(q @ k.T @ v), rtol=1e-5, atol=1e-5)
    qc, kc = q + 1j * k, k - 0.5j * q
    outc = np.asarray(linear_attention(qc, kc, v))
    refc = np.stack([sum(np.vdot(kc[j], qc[i]) * np.asarray(v[j]) for j in range(i + 1)) / (i + 1)
                     for i in range(5)])
    np.testing.assert_allclose(outc, refc, rtol=1e-5, atol=1e-5)


def test_sinusoidal_positions():
    P = sinusoidal_positions(6, 4)
    assert P.shape == (6, 4)
    np.testing.assert_allclose(P[:, 0], np.sin(np.arange(6)), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(P[:, 1], np.cos(np.arange(6)), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(P[:, 2], np.sin(np.arange(6) / 100.0), rtol=1e-5, atol=1e-7)


def test_bad_inputs_raise():
    q, k, v = _qkv()
    with pytest.raises(ValueError, match="`q` and `k`"):
        attention_weights(q, k[:, :3])
    with pytest.raises(ValueError, match="`k` and `v`"):
        softmax_attention(q, k, v[:4])
    with pytest.raises(ValueError, match="`mask`"):
        attention_weights(q, k, causal_mask(5))
    with pytest.raises(ValueError, match="`q`"):
        attention_weights(q[0], k)
    with pytest.raises(ValueError, match="causal"):
        linear_attention(q[:4], k, v)
    with pytest.raises(ValueError, match="n_heads"):
        init_multi_head(KEY, 10, 3)
    with pytest.raises(TypeError, match="n_heads"):
        init_multi_head(KEY, 8, 2.0)
    with pytest.raises(ValueError, match="`x`"):
        multi_head_attention(init_multi_head(KEY, 8, 2), jnp.ones((5, 7)))
    with pytest.raises(ValueError, match="lacks"):
        multi_head_attention({"Wq": jnp.ones((1, 8, 8))}, jnp.ones((5, 8)))
    with pytest.raises(ValueError, match="`n`"):
        causal_mask(0)
