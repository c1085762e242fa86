"""Property tests of the sequence models: aitours.lm and aitours.ssm."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aitours import lm
from aitours.ssm import (
    combine,
    decay,
    init_ssm,
    linear_recurrence,
    linear_recurrence_sequential,
    ssm,
    state_size,
)

KEY = jax.random.key(0)
V, W, T = 7, 8, 6
bad_size = st.one_of(st.integers(-3, 0), st.sampled_from([2.5, "4", None]))
PARAMS = lm.init_transformer(KEY, vocab=V, width=W, heads=2, layers=1, context=T)
PARAMS = {**PARAMS, "head": jax.random.normal(KEY, PARAMS["head"].shape)}
TEXT = np.asarray(jax.random.randint(KEY, (200,), 0, V), np.int32)
NGRAM = lm.fit_ngram(TEXT, vocab=V, max_order=3)


def raises_naming(name, fn, *args, **kwargs):
    with pytest.raises((ValueError, TypeError)) as info:
        fn(*args, **kwargs)
    assert f"`{name}`" in str(info.value), str(info.value)


def test_corpus_encode_decode_round_trip():
    c = lm.corpus()
    assert isinstance(c, lm.Corpus)
    assert lm.decode(lm.encode(c.text[:500], c.chars), c.chars) == c.text[:500]
    raises_naming("split", lm.corpus, 1.5)
    raises_naming("text", lm.encode, "\x00", c.chars)
    raises_naming("chars", lm.encode, "a", np.array(["b", "a"]))
    raises_naming("codes", lm.decode, np.array([len(c.chars)]), c.chars)


@given(st.integers(0, 100), st.sampled_from([T - 1, T]))
def test_windows_and_logits(seed, length):
    key = jax.random.key(seed)
    win = lm.draw_windows(key, jnp.asarray(TEXT), batch=3, length=length)
    assert win.shape == (3, length)
    x, y = lm.eval_windows(TEXT, context=T)
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    logits = lm.transformer_logits(PARAMS, win)
    assert logits.shape == (3, length, V)
    A = lm.attention_maps(PARAMS, win)
    np.testing.assert_allclose(np.asarray(A).sum(-1), 1.0, rtol=1e-5)
    assert np.all(np.triu(np.asarray(A)[0, 0, 0], 1) == 0)              # causal: lower-triangular
    changed = win.at[:, -1].set((win[:, -1] + 1) % V)                    # the future is unseen
    np.testing.assert_allclose(lm.transformer_logits(PARAMS, changed)[:, :-1], logits[:, :-1],
                               atol=1e-5)
    assert 0 < lm.bits_per_char(PARAMS, x, y) < 20


@given(st.sampled_from([-1, V, V + 5]), st.integers(0, T - 1))
def test_lm_rejects_out_of_vocabulary_codes(code, pos):
    win = np.zeros((2, T), np.int32)
    win[1, pos] = code
    raises_naming("tokens", lm.transformer_logits, PARAMS, win)
    raises_naming("tokens", lm.attention_maps, PARAMS, win)
    raises_naming("y", lm.bits_per_char, PARAMS, np.zeros((2, T), np.int32), win)
    raises_naming("targets", lm.cross_entropy, jnp.zeros((2, T, V)), win)
    raises_naming("context", lm.ngram_probs, NGRAM, win, order=2)
    raises_naming("data", lm.ngram_bits, NGRAM, win[1], order=2)
    raises_naming("train", lm.fit_ngram, win[1], vocab=V, max_order=2)


@given(st.sampled_from([(2, T - 1), (2,), (3, T)]), st.sampled_from([np.float32, np.int32]))
def test_lm_rejects_mismatched_shapes_and_dtypes(shape, dtype):
    logits = jnp.zeros((2, T, V))
    raises_naming("targets", lm.cross_entropy, logits, np.zeros(shape, np.int32))
    raises_naming("weights", lm.cross_entropy, logits, np.zeros((2, T), np.int32),
                  jnp.ones(shape[::-1] + (4,)))
    raises_naming("targets", lm.cross_entropy, logits, np.zeros((2, T), np.float32))
    raises_naming("tokens", lm.transformer_logits, PARAMS, np.zeros((2, T + 1), np.int32))
    raises_naming("tokens", lm.transformer_logits, PARAMS, np.zeros((2, T), np.float32))
    raises_naming("x", lm.bits_per_char, PARAMS, np.zeros(shape, dtype), np.zeros((2, T), dtype))
    raises_naming("h", lm.attention, PARAMS["blocks"][0]["mix"], jnp.zeros((T, W + 1)),
                  causal=True)
    raises_naming("p", lm.attention, {}, jnp.zeros((T, W)), causal=True)


@given(bad_size)
def test_lm_rejects_bad_sizes(n):
    raises_naming("width", lm.init_transformer, KEY, vocab=V, width=n, heads=2, layers=1,
                  context=T)
    raises_naming("heads", lm.init_attention, KEY, 8, n)
    raises_naming("width", lm.init_attention, KEY, 9, 2)
    raises_naming("key", lm.init_transformer, 0, vocab=V, width=W, heads=2, layers=1, context=T)
    raises_naming("batch", lm.next_token_objective, context=T, batch=n)
    raises_naming("length", lm.draw_windows, KEY, jnp.asarray(TEXT), batch=2, length=n)
    raises_naming("context", lm.eval_windows, TEXT, context=n)
    raises_naming("order", lm.ngram_probs, NGRAM, np.zeros((2, 3), np.int64), order=n)
    raises_naming("n_steps", lm.adamw_cosine, 1e-3, n)


@given(st.sampled_from([0.0, -1e-3, np.nan, np.inf]))
def test_adamw_cosine_domain(lr):
    assert isinstance(lm.adamw_cosine(1e-3, 10, warmup=2), optax.GradientTransformation)
    raises_naming("lr", lm.adamw_cosine, lr, 10)
    raises_naming("weight_decay", lm.adamw_cosine, 1e-3, 10, weight_decay=-1.0)


@given(st.integers(1, 3), st.integers(0, 100))
def test_ngram_rows_sum_to_one_and_loss(order, seed):
    ctx = np.asarray(jax.random.randint(jax.random.key(seed), (5, 3), 0, V))
    P = lm.ngram_probs(NGRAM, ctx, order=order)
    assert isinstance(NGRAM, lm.NGram)
    np.testing.assert_allclose(P.sum(1), 1.0, rtol=1e-9)
    assert np.all(P > 0)
    assert 0 < lm.ngram_bits(NGRAM, TEXT, order=order) < np.log2(V) + 1
    loss = lm.next_token_objective(context=T - 1, batch=2)
    assert np.isfinite(float(loss(PARAMS, jnp.asarray(TEXT), jax.random.key(seed))))
    assert lm.count_params(PARAMS, non_embedding=True) < lm.count_params(PARAMS)


@given(st.sampled_from([2, 4]), st.integers(0, 100), st.booleans())
def test_parallel_scan_matches_sequential(state, seed, complex_):
    params = init_ssm(jax.random.key(seed), 3, state, complex=complex_)
    assert state_size(params) == state
    a = decay(params)
    assert np.all(np.abs(np.asarray(a)) < 1)
    u = jax.random.normal(jax.random.key(seed + 1), (2, 5, state))
    np.testing.assert_allclose(linear_recurrence(a, u), linear_recurrence_sequential(a, u),
                               rtol=1e-4, atol=1e-5)
    x = jax.random.normal(jax.random.key(seed), (5, 3))
    np.testing.assert_allclose(ssm(params, x), ssm(params, x, sequential=True), atol=1e-4)
    a1, u1, a2, u2 = 0.5, 1.0, 0.25, 2.0
    assert combine((a1, u1), (a2, u2)) == (a1 * a2, a2 * u1 + u2)


@given(bad_size, st.sampled_from([(-0.1, 0.5), (0.5, 0.5), (0.9, 0.5), (0.1, 1.0)]))
def test_ssm_rejects_bad_input(n, radii):
    raises_naming("state", init_ssm, KEY, 3, n)
    raises_naming("r_min", init_ssm, KEY, 3, 4, r_min=radii[0], r_max=radii[1])
    raises_naming("max_phase", init_ssm, KEY, 3, 4, max_phase=-1.0)
    params = init_ssm(KEY, 3, 4)
    raises_naming("x", ssm, params, jnp.zeros((5, 2)))
    raises_naming("params", ssm, {**params, "D": jnp.zeros(2)}, jnp.zeros((5, 3)))
    raises_naming("params", state_size, {})
    raises_naming("params", decay, {"B": 1})
    raises_naming("a", linear_recurrence, jnp.ones(3), jnp.zeros((5, 4)))
    raises_naming("u", linear_recurrence_sequential, jnp.ones(4), jnp.zeros(4))
    raises_naming("left", combine, 1.0, (1.0, 2.0))
