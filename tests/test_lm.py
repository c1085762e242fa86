import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from aitours import lm
from aitours.train import fit

KEY = jax.random.PRNGKey(0)
SIZES = dict(vocab=11, width=16, heads=4, layers=2, context=8)


@pytest.fixture(scope="module")
def params():
    return lm.init_transformer(KEY, **SIZES)


def test_corpus_round_trip_and_split():
    c = lm.corpus()
    assert len(c.train) + len(c.valid) == len(c.text)
    assert abs(len(c.train) / len(c.text) - 0.9) < 1e-3
    assert lm.decode(c.valid[:200], c.chars) == c.text[len(c.train):len(c.train) + 200]
    assert lm.encode("if x", c.chars).dtype == np.int32
    with pytest.raises(ValueError, match="split"):
        lm.corpus(1.5)
    with pytest.raises(ValueError, match="text"):
        lm.encode("é€", np.array(list("abc")))
    with pytest.raises(ValueError, match="codes"):
        lm.decode(np.array([0, 5]), np.array(list("abc")))


def test_windows():
    data = jnp.arange(100, dtype=jnp.int32)
    w = lm.draw_windows(KEY, data, batch=5, length=7)
    assert w.shape == (5, 7)
    assert bool(jnp.all(jnp.diff(w, axis=1) == 1))           # consecutive characters
    x, y = lm.eval_windows(np.arange(100), context=8)
    assert x.shape == y.shape == (12, 8)
    assert bool(jnp.all(y[:, :-1] == x[:, 1:])) and int(y[-1, -1]) == 96
    with pytest.raises(ValueError, match="batch"):
        lm.draw_windows(KEY, data, batch=0, length=7)
    with pytest.raises(ValueError, match="data"):
        lm.draw_windows(KEY, data, batch=2, length=200)
    with pytest.raises(ValueError, match="context"):
        lm.eval_windows(np.arange(100), context=0)


def test_shapes_and_uniform_start(params):
    tokens = jax.random.randint(KEY, (3, 8), 0, 11)
    logits = lm.transformer_logits(params, tokens)
    assert logits.shape == (3, 8, 11)
    assert float(jnp.abs(logits).max()) == 0.0                # zero read-out: uniform start
    assert lm.transformer_logits(params, tokens[0, :5]).shape == (5, 11)
    maps = lm.attention_maps(params, tokens)
    assert maps.shape == (2, 3, 4, 8, 8)
    np.testing.assert_allclose(maps.sum(-1), 1.0, rtol=1e-5)
    out = lm.init_transformer(KEY, **SIZES, n_out=7)
    assert out["head"].shape == (16, 7)
    assert lm.count_params(params, non_embedding=True) < lm.count_params(params)


def _trained_like(params):
    """The same model with a random read-out, so that the logits depend on the tokens."""
    return {**params, "head": jax.random.normal(KEY, params["head"].shape)}


@pytest.mark.parametrize("causal", [True, False])
def test_causal_mask(params, causal):
    p = _trained_like(params)
    x = jax.random.randint(KEY, (8,), 0, 11)
    x2 = x.at[5:].set((x[5:] + 1) % 11)
    a = lm.transformer_logits(p, x, causal=causal)
    b = lm.transformer_logits(p, x2, causal=causal)
    past = float(jnp.abs(a[:5] - b[:5]).max())
    if causal:
        assert past == 0.0            # logits at t do not depend on tokens after t
    else:
        assert past > 1e-3            # the bidirectional model reads the whole window
    assert float(jnp.abs(a[5:] - b[5:]).max()) > 1e-3


def test_pluggable_mixer(params):
    def init_mean(key, width):
        return {"W": jax.random.normal(key, (width, width)) / np.sqrt(width)}

    def mean_mixer(p, h, *, causal):          # causal running mean: a toy recurrence
        T = h.shape[-2]
        M = jnp.tril(jnp.ones((T, T))) if causal else jnp.ones((T, T))
        return (M / M.sum(1, keepdims=True)) @ h @ p["W"]

    q = _trained_like(lm.init_transformer(KEY, **SIZES, init_mixer=init_mean))
    x = jax.random.randint(KEY, (8,), 0, 11)
    a = lm.transformer_logits(q, x, mixer=mean_mixer)
    b = lm.transformer_logits(q, x.at[5:].set(0), mixer=mean_mixer)
    assert a.shape == (8, 11) and float(jnp.abs(a[:5] - b[:5]).max()) < 1e-5


def test_mask_token_and_bidirectional(params):
    p = lm.init_transformer(KEY, **{**SIZES, "vocab": 12}, n_out=11)   # code 11 = [MASK]
    x = jnp.array([1, 2, 11, 3, 11, 4, 5, 6])
    assert lm.transformer_logits(p, x, causal=False).shape == (8, 11)


def test_bad_arguments(params):
    with pytest.raises(ValueError, match="width"):
        lm.init_transformer(KEY, vocab=11, width=10, heads=4, layers=1, context=8)
    with pytest.raises(ValueError, match="layers"):
        lm.init_transformer(KEY, vocab=11, width=16, heads=4, layers=0, context=8)
    with pytest.raises(ValueError, match="tokens"):
        lm.transformer_logits(params, jnp.zeros((2, 9), dtype=jnp.int32))
    with pytest.raises(ValueError, match="tokens"):
        lm.transformer_logits(params, jnp.zeros((2, 4)))
    with pytest.raises(ValueError, match="lr"):
        lm.adamw_cosine(0.0, 10)
    with pytest.raises(ValueError, match="`x` and `y`"):
        lm.bits_per_char(params, jnp.zeros((2, 8), int), jnp.zeros((2, 7), int))


def test_loss_and_training_lower_the_bits():
    text = jnp.asarray(np.tile(np.arange(5, dtype=np.int32), 200))  # a periodic text
    p = lm.init_transformer(KEY, vocab=5, width=16, heads=2, layers=1, context=8)
    x, y = lm.eval_windows(np.asarray(text), context=8)
    assert abs(lm.bits_per_char(p, x, y) - np.log2(5)) < 1e-5
    loss = lm.next_token_objective(context=8, batch=8)
    p, _, losses = fit(loss, p, lm.adamw_cosine(1e-2, 100, warmup=10), 100, text, key=KEY,
                       progress=False)
    assert losses.shape == (100,) and lm.bits_per_char(p, x, y) < 0.2
    assert isinstance(lm.adamw_cosine(1e-3, 10), optax.GradientTransformation)


def test_cross_entropy_weights():
    logits = jnp.log(jnp.array([[0.5, 0.5], [0.9, 0.1]]))
    np.testing.assert_allclose(lm.cross_entropy(logits, jnp.array([0, 1])),
                               (np.log(2) + np.log(10)) / 2, rtol=1e-6)
    np.testing.assert_allclose(lm.cross_entropy(logits, jnp.array([0, 1]), jnp.array([1.0, 0])),
                               np.log(2), rtol=1e-6)


@pytest.fixture(scope="module")
def ngram():
    rng = np.random.default_rng(0)
    text = np.concatenate([np.tile([0, 1, 2, 3, 1, 2], 300), rng.integers(0, 6, 500)])
    return text, lm.fit_ngram(text, vocab=7, max_order=4)   # code 6 never occurs


def test_ngram_probabilities_sum_to_one(ngram):
    text, m = ngram
    ctx = np.concatenate([np.stack([text[i:i + 3] for i in range(40)]),
                          np.random.default_rng(1).integers(0, 7, (40, 3))])
    for order in range(1, 5):
        p = lm.ngram_probs(m, ctx, order=order)
        assert p.shape == (80, 7) and np.all(p > 0)
        np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-12)


def test_ngram_ladder_and_bits(ngram):
    text, m = ngram
    b = [lm.ngram_bits(m, text[:1800], order=n) for n in range(1, 5)]
    assert b[0] > b[1] > b[2] > b[3] and b[3] < 0.2   # the periodic part needs 3 characters
    p = lm.ngram_probs(m, np.array([[0, 1, 2]]), order=4)[0]
    assert p.argmax() == 3 and p[3] > 0.9
    np.testing.assert_allclose(
        lm.ngram_bits(m, text[:50], order=2),
        -np.mean(np.log2([lm.ngram_probs(m, text[i - 3:i][None], order=2)[0, text[i]]
                          for i in range(3, 50)])), rtol=1e-12)


def test_ngram_bad_arguments(ngram):
    text, m = ngram
    with pytest.raises(ValueError, match="order"):
        lm.ngram_probs(m, np.zeros((2, 5), int), order=5)
    with pytest.raises(ValueError, match="context"):
        lm.ngram_probs(m, np.zeros((2, 1), int), order=4)
    with pytest.raises(ValueError, match="train"):
        lm.fit_ngram(np.array([0, 9]), vocab=5)
    with pytest.raises(ValueError, match="data"):
        lm.ngram_bits(m, np.array([0, 1, 2, 3, 9]), order=2)
