import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aitours.features import legendre_features, polynomial_features
from aitours.losses import least_squares, logistic, logistic_per_sample, risk_curve, softplus


def test_least_squares_value():
    X = jnp.array([[1.0, 0.0], [0.0, 2.0]])
    y = jnp.array([1.0, 0.0])
    assert float(least_squares(jnp.array([0.0, 1.0]), X, y)) == pytest.approx((1 + 4) / 2)


def test_logistic_value_and_stability():
    X = jnp.array([[1.0], [-2.0]])
    y = jnp.array([1.0, 1.0])
    theta = jnp.array([0.5])
    want = np.mean(np.log1p(np.exp(-np.array([0.5, -1.0]))))
    assert float(logistic(theta, X, y)) == pytest.approx(want, rel=1e-6)
    # no overflow for huge margins: loss ~ |margin| on the wrong side, ~0 on the right one
    big = float(logistic(jnp.array([1e4]), jnp.array([[-1.0]]), jnp.array([1.0])))
    assert big == pytest.approx(1e4, rel=1e-6)
    assert float(logistic(jnp.array([1e4]), jnp.array([[1.0]]), jnp.array([1.0]))) == 0.0


def test_logistic_per_sample_averages_to_logistic():
    X = jax.random.normal(jax.random.PRNGKey(1), (7, 3))
    y = jnp.sign(X[:, 0])
    theta = jnp.array([0.3, -0.2, 1.0])
    per = jax.vmap(logistic_per_sample, (None, 0, 0))(theta, X, y)
    assert float(per.mean()) == pytest.approx(float(logistic(theta, X, y)), rel=1e-6)


def test_risk_curve_matches_loop():
    X = jax.random.normal(jax.random.PRNGKey(2), (20, 3))
    y = jax.random.normal(jax.random.PRNGKey(3), (20,))
    thetas = jax.random.normal(jax.random.PRNGKey(4), (2, 5, 3))
    got = risk_curve(least_squares, thetas, X, y)
    assert got.shape == (2, 5)
    want = [[float(least_squares(t, X, y)) for t in row] for row in thetas]
    np.testing.assert_allclose(got, want, rtol=1e-5)
    # chunks that do not divide the number of iterates, and a single iterate
    np.testing.assert_allclose(risk_curve(least_squares, thetas, X, y, chunk=3), want, rtol=1e-5)
    assert risk_curve(least_squares, thetas[0, 0], X, y).shape == ()
    with pytest.raises(ValueError, match="`thetas` must end with the feature dimension 3"):
        risk_curve(least_squares, jnp.ones((4, 2)), X, y)


def test_polynomial_features():
    Phi = polynomial_features(jnp.array([2.0, -1.0]), 3)
    np.testing.assert_allclose(Phi, [[1, 2, 4, 8], [1, -1, 1, -1]])
    with pytest.raises(ValueError, match="`x` must have 1 dimension"):
        polynomial_features(jnp.ones((2, 2)), 2)
    with pytest.raises(ValueError, match="`degree` must be >= 0"):
        polynomial_features(jnp.ones(3), -1)
    with pytest.raises(ValueError, match="`x` is empty"):
        polynomial_features(jnp.ones(0), 2)


def test_legendre_features_closed_forms():
    x = jnp.linspace(-1, 1, 7)
    P = legendre_features(x, 3)
    assert P.shape == (7, 4)
    np.testing.assert_allclose(P[:, 2], (3 * x**2 - 1) / 2, atol=1e-6)
    np.testing.assert_allclose(P[:, 3], (5 * x**3 - 3 * x) / 2, atol=1e-6)
    assert legendre_features(x, 0).shape == (7, 1)


def test_softplus_values_and_derivative_match_jax():
    u = jnp.array([-1e4, -80.0, -3.0, -1e-3, 0.0, 1e-3, 3.0, 80.0, 1e4])
    np.testing.assert_allclose(softplus(u), jax.nn.softplus(u), rtol=1e-6, atol=0)
    g = jax.vmap(jax.grad(softplus))(u)
    np.testing.assert_allclose(g, jax.nn.sigmoid(u), rtol=1e-6, atol=0)
    assert float(jax.grad(softplus)(0.0)) == 0.5  # not 0: SGD from theta = 0 must move
    assert np.all(np.isfinite(np.asarray(g)))
    assert float(softplus(jnp.inf)) == np.inf and float(softplus(-jnp.inf)) == 0.0
