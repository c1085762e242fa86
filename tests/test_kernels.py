"""Gaussian kernel and random Fourier features: closed forms, shapes, rate, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aitours.kernels import gaussian_kernel, rff_features, rff_sample, sq_distances


def test_sq_distances_closed_form():
    X = jnp.array([[0.0, 0.0], [3.0, 4.0]])
    Y = jnp.array([[0.0, 0.0], [1.0, 0.0], [3.0, 4.0]])
    np.testing.assert_allclose(sq_distances(X, Y), [[0, 1, 25], [25, 20, 0]], atol=1e-5)
    D = sq_distances(X)
    assert D.shape == (2, 2) and float(D.min()) >= 0.0


def test_gaussian_kernel_values():
    X = jnp.array([[0.0], [1.0], [3.0]])
    K = gaussian_kernel(X, sigma=2.0)
    assert K.shape == (3, 3)
    np.testing.assert_allclose(jnp.diag(K), 1.0)
    np.testing.assert_allclose(K[0, 1], np.exp(-1 / 8), rtol=1e-6)
    np.testing.assert_allclose(K, K.T)
    assert float(jnp.linalg.eigvalsh(K).min()) > 0       # positive definite on distinct points
    np.testing.assert_allclose(gaussian_kernel(X, X[:2], sigma=2.0), K[:, :2])


def test_matches_scikit_learn_rbf():
    from sklearn.metrics.pairwise import rbf_kernel

    X = np.random.default_rng(0).normal(size=(7, 3))
    sigma = 0.8
    np.testing.assert_allclose(gaussian_kernel(X, sigma=sigma),
                               rbf_kernel(X, gamma=1 / (2 * sigma**2)), atol=1e-6)


def test_rff_shapes_and_law():
    W, b = rff_sample(jax.random.PRNGKey(0), 3, 20_000, sigma=0.5)
    assert W.shape == (20_000, 3) and b.shape == (20_000,)
    assert abs(float(W.std()) - 2.0) < 0.05                # N(0, 1/sigma^2) entries
    assert 0 <= float(b.min()) and float(b.max()) < 2 * np.pi
    Phi = rff_features(jnp.ones((4, 3)), W, b)
    assert Phi.shape == (4, 20_000)


def test_rff_approximates_the_kernel_at_rate_one_over_sqrt_D():
    X = jax.random.normal(jax.random.PRNGKey(1), (30, 2))
    K = gaussian_kernel(X, sigma=1.0)
    errs = []
    for D in (100, 10_000):
        Phi = rff_features(X, *rff_sample(jax.random.PRNGKey(D), 2, D, sigma=1.0))
        errs.append(float(jnp.sqrt(jnp.mean((Phi @ Phi.T - K) ** 2))))
    assert errs[1] < 0.03
    assert 5 < errs[0] / errs[1] < 20                       # sqrt(100) = 10, up to noise


def test_bad_input():
    with pytest.raises(ValueError, match="`sigma`"):
        gaussian_kernel(jnp.ones((2, 1)), sigma=0.0)
    with pytest.raises(ValueError, match="`X`"):
        gaussian_kernel(jnp.ones(3))
    with pytest.raises(ValueError, match="`X` has points in dimension 3 but `Y` in dimension 2"):
        sq_distances(jnp.ones((2, 3)), jnp.ones((2, 2)))
    with pytest.raises(ValueError, match="`Y` is empty"):
        gaussian_kernel(jnp.ones((2, 3)), jnp.ones((0, 3)))
    with pytest.raises(ValueError, match="`D`"):
        rff_sample(jax.random.PRNGKey(0), 2, 0)
    with pytest.raises(TypeError, match="`d`"):
        rff_sample(jax.random.PRNGKey(0), 2.5, 10)
    W, b = rff_sample(jax.random.PRNGKey(0), 2, 10)
    with pytest.raises(ValueError, match="`W` has 2 columns"):
        rff_features(jnp.ones((3, 4)), W, b)
    with pytest.raises(ValueError, match="`b` has 5 entries"):
        rff_features(jnp.ones((3, 2)), W, b[:5])
