"""aitours.random: the flat draws give jax.random's values, with clear argument errors."""

import jax
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


@pytest.mark.parametrize("call, err, match", [
    (lambda: random.normal(KEY, (2, -1)), ValueError, "`shape` must be >= 0"),
    (lambda: random.uniform(KEY, (2.5,)), TypeError, "`shape` must be an integer"),
    (lambda: random.draw_indices(KEY, (3,), 0), ValueError, "`n` must be >= 1"),
])
def test_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call()
