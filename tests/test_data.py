import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aitours.data import linear_regression, noisy_function_1d, quadratic, two_gaussians

KEY = jax.random.PRNGKey(0)


def test_linear_regression_shapes_and_noiseless_fit():
    X, y, theta = linear_regression(KEY, 50, 4, noise=0.0)
    assert X.shape == (50, 4) and y.shape == (50,) and theta.shape == (4,)
    np.testing.assert_allclose(X @ theta, y, rtol=1e-5, atol=1e-5)


def test_linear_regression_is_deterministic():
    a = linear_regression(KEY, 10, 3)
    b = linear_regression(KEY, 10, 3)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0, "d": 3}, "`n` must be >= 1"),
    ({"n": 5, "d": 0}, "`d` must be >= 1"),
    ({"n": 5, "d": 2, "noise": -1.0}, "`noise` must be >= 0"),
    ({"n": 2.5, "d": 2}, "`n` must be an integer"),
])
def test_linear_regression_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        linear_regression(KEY, **kwargs)


def test_two_gaussians_labels_and_separation():
    X, y = two_gaussians(KEY, 400, 3, separation=6.0)
    assert X.shape == (400, 3) and set(np.unique(y)) == {-1.0, 1.0}
    assert float(jnp.sum(y == 1)) == 200
    # the class means are `separation` apart (up to sampling noise)
    gap = jnp.linalg.norm(X[y == 1].mean(0) - X[y == -1].mean(0))
    assert abs(float(gap) - 6.0) < 0.5


def test_two_gaussians_bad_input():
    with pytest.raises(ValueError, match="`n` must be >= 2"):
        two_gaussians(KEY, 1, 2)


def test_noisy_function_1d():
    x, y = noisy_function_1d(KEY, 30, jnp.sin, noise=0.0, interval=(0.0, 2.0))
    assert x.shape == y.shape == (30,)
    assert bool(jnp.all(jnp.diff(x) >= 0)) and float(x.min()) >= 0 and float(x.max()) <= 2
    np.testing.assert_allclose(y, jnp.sin(x), atol=1e-6)
    with pytest.raises(ValueError, match="`interval`"):
        noisy_function_1d(KEY, 5, jnp.sin, interval=(1.0, 0.0))


def test_quadratic_spectrum():
    H, b = quadratic(KEY, 6, 0.5, 3.0)
    assert H.shape == (6, 6) and b.shape == (6,)
    np.testing.assert_allclose(H, H.T, atol=1e-6)
    np.testing.assert_allclose(jnp.linalg.eigvalsh(H), jnp.linspace(0.5, 3.0, 6), atol=1e-5)


@pytest.mark.parametrize("mu, L, match", [(0.0, 1.0, "`mu` must be > 0"),
                                          (-1.0, 1.0, "`mu` must be > 0"),
                                          (2.0, 1.0, "`mu` must be <= `L`")])
def test_quadratic_bad_input(mu, L, match):
    with pytest.raises(ValueError, match=match):
        quadratic(KEY, 3, mu, L)
