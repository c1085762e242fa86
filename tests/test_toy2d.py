"""aitours.toy2d: shapes, labels, exact geometry without noise, argument checks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aitours.toy2d import eight_gaussians, swiss_roll, two_moons

KEY = jax.random.PRNGKey(0)


def test_two_moons_shapes_and_labels():
    X, y = two_moons(KEY, 101, noise=0.1)
    assert X.shape == (101, 2) and y.shape == (101,)
    assert int(jnp.sum(y == 0)) == 51 and int(jnp.sum(y == 1)) == 50


def test_two_moons_noiseless_on_the_arcs():
    X, y = two_moons(KEY, 200, noise=0.0)
    X, y = np.asarray(X), np.asarray(y)
    up, lo = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.linalg.norm(up, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(lo - [1.0, 0.5], axis=1), 1.0, atol=1e-5)
    assert up[:, 1].min() >= -1e-6 and lo[:, 1].max() <= 0.5 + 1e-6


def test_two_moons_same_key_same_data():
    a, _ = two_moons(KEY, 50)
    b, _ = two_moons(KEY, 50)
    np.testing.assert_array_equal(a, b)


def test_eight_gaussians():
    X, y = eight_gaussians(KEY, 4000, radius=2.0, std=0.0)
    assert X.shape == (4000, 2) and set(np.unique(np.asarray(y))) == set(range(8))
    np.testing.assert_allclose(np.linalg.norm(np.asarray(X), axis=1), 2.0, atol=1e-5)
    Xn, yn = eight_gaussians(KEY, 4000, radius=2.0, std=0.1)
    angle = np.asarray(yn) * np.pi / 4
    centres = 2.0 * np.stack([np.cos(angle), np.sin(angle)], 1)
    assert abs(np.std(np.asarray(Xn) - centres) - 0.1) < 0.01


def test_swiss_roll_radius_follows_parameter():
    X, t = swiss_roll(KEY, 300, noise=0.0, turns=1.5)
    r = np.linalg.norm(np.asarray(X), axis=1)
    np.testing.assert_allclose(r, np.asarray(t) / (2 * np.pi * 1.5), rtol=1e-5)
    assert X.shape == (300, 2)


@pytest.mark.parametrize("call, match", [
    (lambda: two_moons(KEY, 1), "`n`"),
    (lambda: two_moons(KEY, 10, noise=-0.1), "`noise`"),
    (lambda: eight_gaussians(KEY, 10, radius=0.0), "`radius`"),
    (lambda: swiss_roll(KEY, 10, turns=-1.0), "`turns`"),
])
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_integer_n():
    with pytest.raises(TypeError, match="`n`"):
        two_moons(KEY, 10.5)
