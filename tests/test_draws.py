"""aitours._draws.normals: one compiled draw, the same values as one jax.random.normal per array."""

import jax
import numpy as np

from aitours import lm
from aitours._draws import normals


def test_normals_match_separate_draws():
    keys = jax.random.split(jax.random.PRNGKey(3), 4)
    shapes = [(2, 24, 12), (5,), (103, 24), (2, 12, 24)]
    for a, s, k in zip(normals(keys, shapes), shapes, keys, strict=True):
        assert a.shape == s
        np.testing.assert_array_equal(a, jax.random.normal(k, s))


def test_init_transformer_values_unchanged_eagerly():
    key = jax.random.PRNGKey(5)
    p = lm.init_transformer(key, vocab=11, width=8, heads=2, layers=2, context=6, mlp_ratio=2)
    k_embed, k_pos, *k_layers = jax.random.split(key, 3 + 1)
    np.testing.assert_array_equal(p["embed"], jax.random.normal(k_embed, (11, 8)))
    np.testing.assert_array_equal(p["pos"], jax.random.normal(k_pos, (6, 8)))
    for blk, k in zip(p["blocks"], k_layers, strict=True):
        k_mix, k1, k2 = jax.random.split(k, 3)
        np.testing.assert_array_equal(blk["W1"], jax.random.normal(k1, (8, 16)) / np.sqrt(8))
        np.testing.assert_array_equal(blk["W2"], jax.random.normal(k2, (16, 8)) / np.sqrt(16))
        kq, kk, kv, ko = jax.random.split(k_mix, 4)
        np.testing.assert_array_equal(blk["mix"]["Wq"],
                                      jax.random.normal(kq, (2, 8, 4)) / np.sqrt(8))
        np.testing.assert_array_equal(blk["mix"]["Wo"],
                                      jax.random.normal(ko, (2, 4, 8)) / np.sqrt(8))


def test_normals_inside_jit_match_separate_draws_to_rounding():
    """Under jit the draws are one kernel too; XLA's fusion may move the last bit, no more."""
    keys = jax.random.split(jax.random.PRNGKey(4), 3)
    shapes = [(2, 24, 12), (7,), (31, 5)]
    traced = jax.jit(lambda ks: normals(list(ks), shapes))(keys)
    for a, s, k in zip(traced, shapes, keys, strict=True):
        assert a.shape == s
        np.testing.assert_allclose(a, jax.random.normal(k, s), rtol=1e-6, atol=1e-6)
