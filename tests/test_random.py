"""aitours.random: the flat draws give jax.random's values, with clear argument errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aitours import random

KEY = jax.random.PRNGKey(7)


@pytest.mark.parametrize("shape", [(5, 7, 3), (4,), (), 6, (2, 0, 3)])
def test_flat_draws_are_jax_random_draws(shape):
    full = (shape,) if isinstance(shape, int) else shape
    np.testing.assert_array_equal(random.normal(KEY, shape), jax.random.normal(KEY, full))
    np.testing.assert_array_equal(random.uniform(KEY, shape, -1.0, 2.0),
                                  jax.random.uniform(KEY, full, minval=-1.0, maxval=2.0))
    assert random.normal(KEY, shape).shape == full


@pytest.mark.parametrize("shape", [(5, 7, 3), (100,), (3000, 2), (1,), (2**22 + 1,)])
@pytest.mark.parametrize("key", [KEY, jax.random.key(7)], ids=["raw key", "typed key"])
def test_bucketed_draws_are_jax_random_draws(shape, key):
    # the flat length is rounded up to a power of two and cut back: same values, eagerly and
    # inside jit (where nothing is rounded), for raw uint32 keys and typed keys alike
    np.testing.assert_array_equal(random.randint(key, shape, 3, 50),
                                  jax.random.randint(key, shape, 3, 50))
    np.testing.assert_array_equal(random.bernoulli(key, 0.3, shape),
                                  jax.random.bernoulli(key, 0.3, shape))
    np.testing.assert_array_equal(random.normal(key, shape), jax.random.normal(key, shape))
    np.testing.assert_array_equal(jax.jit(lambda k: random.normal(k, shape))(key),
                                  jax.random.normal(key, shape))
    # bounds given as arrays take jax's own sampler: same values again
    np.testing.assert_array_equal(random.uniform(key, shape, jnp.float32(-1), jnp.ones(())),
                                  jax.random.uniform(key, shape, minval=-1.0, maxval=1.0))


def test_bucketed_draws_in_double_precision():
    # 64-bit draws take two 32-bit words per number: the prefix property still holds
    from aitours import enable_x64

    with enable_x64():
        for shape in [(37,), (300, 2)]:
            a = random.uniform(KEY, shape, -2.0, 3.0)
            assert a.dtype == np.float64
            np.testing.assert_array_equal(a, jax.random.uniform(KEY, shape, minval=-2.0,
                                                                maxval=3.0))
            np.testing.assert_array_equal(random.randint(KEY, shape, 0, 2**40),
                                          jax.random.randint(KEY, shape, 0, 2**40))


def test_draws_of_nearby_lengths_share_one_compiled_sampler(caplog):
    # lengths 300, 400, 500 (one power of two, 512) compile jax's sampler once, against once
    # per length without the rounding (the cuts compile too, in milliseconds); a fresh dtype
    # makes sure no other test compiled the sampler before
    def samplers_compiled(draw, program):
        caplog.clear()
        with jax.log_compiles(), caplog.at_level("WARNING"):
            for n in (300, 400, 500):
                draw(KEY, (n, 1), dtype=jax.numpy.bfloat16).block_until_ready()
        return sum(f"compilation of jit({program})" in r.getMessage() for r in caplog.records)

    assert samplers_compiled(random.normal, "_sample") == 1
    assert samplers_compiled(jax.random.normal, "_normal") == 3  # one per shape
    assert random._flat_length(300, KEY) == random._flat_length(500, KEY) == 512


@pytest.mark.parametrize("call, err, match", [
    (lambda: random.normal(KEY, (2, -1)), ValueError, "`shape` must be >= 0"),
    (lambda: random.uniform(KEY, (2.5,)), TypeError, "`shape` must be an integer"),
    (lambda: random.draw_indices(KEY, (3,), 0), ValueError, "`n` must be >= 1"),
])
def test_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call()
