"""Property tests of point-cloud helpers: cluster, distances, kernels, toy2d, data, features."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aitours.cluster import assign, inertia, kmeans_plus_plus, lloyd
from aitours.data import linear_regression, noisy_function_1d, quadratic, two_gaussians
from aitours.distances import gaussian_mmd, gaussian_mmd2, random_directions, sliced_wasserstein
from aitours.features import legendre_features, polynomial_features
from aitours.kernels import gaussian_kernel, rff_features, rff_sample, sq_distances
from aitours.toy2d import eight_gaussians, swiss_roll, two_moons

KEY = jax.random.key(0)
bad_size = st.one_of(st.integers(-3, 0), st.sampled_from([2.5, "4", None]))
bad_positive = st.sampled_from([0.0, -1.0, np.nan, np.inf, -np.inf])
bad_value = st.sampled_from([np.nan, np.inf, -np.inf])


def raises_naming(name, fn, *args, **kwargs):
    with pytest.raises((ValueError, TypeError)) as info:
        fn(*args, **kwargs)
    assert f"`{name}`" in str(info.value), str(info.value)


def cloud(seed, n=12, d=2):
    return jax.random.normal(jax.random.key(seed), (n, d))


def poisoned(x, i, value):
    x = np.array(x)
    x.flat[i % x.size] = value
    return x


@given(st.integers(0, 500), st.integers(0, 23), bad_value)
def test_kmeans_rejects_non_finite_data(seed, i, value):
    X = cloud(seed)
    raises_naming("X", lloyd, poisoned(X, i, value), X[:3])
    raises_naming("centers0", lloyd, X, poisoned(X[:3], i, value))
    raises_naming("X", kmeans_plus_plus, KEY, poisoned(X, i, value), 3)
    raises_naming("X", assign, poisoned(X, i, value), X[:3])
    raises_naming("centers", inertia, X, poisoned(X[:3], i, value))


@given(st.integers(0, 500))
def test_lloyd_inertia_never_increases_and_matches(seed):
    X = cloud(seed, 30)
    c0 = kmeans_plus_plus(jax.random.key(seed), X, 3)
    centers, labels, inertias = lloyd(X, c0, n_iter=8)
    I = np.asarray(inertias)
    assert np.all(np.diff(I) <= 1e-4 * I[0])
    assert float(inertia(X, centers)) == pytest.approx(float(I[-1]), rel=1e-5)
    np.testing.assert_array_equal(labels, assign(X, centers)[0])


@given(bad_size)
def test_kmeans_rejects_bad_sizes(k):
    X = cloud(0)
    raises_naming("n_iter", lloyd, X, X[:3], n_iter=k)
    raises_naming("k", kmeans_plus_plus, KEY, X, k)
    raises_naming("key", kmeans_plus_plus, 0, X, 3)
    raises_naming("centers0", lloyd, X, cloud(1, 3, 3))
    raises_naming("X", assign, jnp.zeros((0, 2)), X[:3])


@given(st.integers(0, 500))
def test_sliced_wasserstein_symmetric_and_zero_on_identical(seed):
    x, y = cloud(seed), cloud(seed + 1) + 1.0
    theta = random_directions(jax.random.key(seed), 16, 2)
    assert float(sliced_wasserstein(x, x, theta)) < 1e-5
    assert float(sliced_wasserstein(x, y, theta)) == pytest.approx(
        float(sliced_wasserstein(y, x, theta)), rel=1e-6)
    assert float(gaussian_mmd(x, y, 1.0)) == pytest.approx(float(gaussian_mmd(y, x, 1.0)), 1e-5)
    assert float(gaussian_mmd(x, x, 1.0)) < 1e-3
    assert float(gaussian_mmd2(x, y, jnp.array([0.5, 1.0]), unbiased=True)) > -1.0


@given(st.integers(0, 23), bad_value, st.floats(0.1, 0.9) | st.floats(1.1, 5))
def test_distances_reject_bad_input(i, value, scale):
    x = cloud(0)
    theta = random_directions(KEY, 4, 2)
    raises_naming("directions", sliced_wasserstein, x, x, poisoned(theta, i, value))
    raises_naming("directions", sliced_wasserstein, x, x, theta * scale)
    raises_naming("y", sliced_wasserstein, x, cloud(1, 11), theta)
    raises_naming("bandwidth", gaussian_mmd2, x, x, value)
    raises_naming("bandwidth", gaussian_mmd, x, x, -scale)
    raises_naming("n_directions", random_directions, KEY, 0, 2)
    raises_naming("key", random_directions, None, 4, 2)


@given(st.integers(0, 500), st.floats(0.2, 3))
def test_kernels_are_symmetric_psd_with_unit_diagonal(seed, sigma):
    X = cloud(seed, 8)
    K = np.asarray(gaussian_kernel(X, sigma=sigma), np.float64)
    np.testing.assert_allclose(K, K.T, atol=1e-6)
    np.testing.assert_allclose(np.diag(K), 1.0, atol=1e-4)   # float32 ‖x‖² + ‖y‖² − 2⟨x, y⟩
    assert np.linalg.eigvalsh(K).min() > -1e-4
    D2 = np.asarray(sq_distances(X, X + 1.0))
    assert np.all(D2 >= 0)
    W, b = rff_sample(jax.random.key(seed), 2, 16, sigma)
    assert rff_features(X, W, b).shape == (8, 16)


@given(bad_positive, bad_size)
def test_kernels_reject_bad_input(sigma, D):
    X = cloud(0)
    raises_naming("sigma", gaussian_kernel, X, X, sigma)
    raises_naming("D", rff_sample, KEY, 2, D)
    raises_naming("sigma", rff_sample, KEY, 2, 4, sigma)
    W, b = rff_sample(KEY, 3, 4)
    raises_naming("W", rff_features, X, W, b)
    raises_naming("Y", sq_distances, X, cloud(0, 4, 3))


@given(st.integers(2, 40), st.integers(0, 100))
def test_toy2d_shapes_and_labels(n, seed):
    key = jax.random.key(seed)
    X, y = two_moons(key, n)
    assert X.shape == (n, 2) and set(np.unique(y)) <= {0, 1}
    X, y = eight_gaussians(key, n)
    assert X.shape == (n, 2) and np.all((np.asarray(y) >= 0) & (np.asarray(y) < 8))
    X, t = swiss_roll(key, n)
    assert X.shape == (n, 2) and np.all(np.isfinite(np.asarray(X)))


@given(bad_size, bad_positive)
def test_toy2d_and_data_reject_bad_input(n, scale):
    raises_naming("n", two_moons, KEY, n)
    raises_naming("radius", eight_gaussians, KEY, 10, scale)
    raises_naming("turns", swiss_roll, KEY, 10, 0.1, scale)
    raises_naming("key", swiss_roll, 3, 10)
    raises_naming("n", linear_regression, KEY, n, 2)
    raises_naming("separation", two_gaussians, KEY, 10, 2, -1.0 if scale == 0 else scale)
    raises_naming("mu", quadratic, KEY, 3, scale, 1.0)
    raises_naming("d", quadratic, KEY, n, 0.1, 1.0)


@given(st.floats(-5, 5), st.floats(-5, 5))
def test_noisy_function_interval_domain(lo, hi):
    f = jnp.sin
    if lo < hi:
        x, y = noisy_function_1d(KEY, 20, f, interval=(lo, hi))
        assert np.all((np.asarray(x) >= lo) & (np.asarray(x) <= hi))
        assert np.all(np.diff(np.asarray(x)) >= 0)
    else:
        raises_naming("interval", noisy_function_1d, KEY, 20, f, interval=(lo, hi))
    raises_naming("interval", noisy_function_1d, KEY, 20, f, interval=(lo, np.nan))
    raises_naming("interval", noisy_function_1d, KEY, 20, f, interval=(lo,))
    raises_naming("interval", noisy_function_1d, KEY, 20, f, interval=("a", "b"))
    raises_naming("f", noisy_function_1d, KEY, 20, 3.0)


@given(st.integers(1, 6), st.floats(0.01, 1), st.floats(1, 10))
def test_quadratic_spectrum_in_range(d, mu, L):
    H, b = quadratic(KEY, d, mu, L)
    eig = np.linalg.eigvalsh(np.asarray(H, np.float64))
    assert eig.min() >= mu * (1 - 1e-3) - 1e-4 and eig.max() <= L * (1 + 1e-3) + 1e-4
    if mu < L:
        raises_naming("mu", quadratic, KEY, d, L + 1.0, L)


@given(st.integers(0, 8), st.integers(0, 100))
def test_features_polynomial_and_legendre(degree, seed):
    x = jax.random.uniform(jax.random.key(seed), (7,), minval=-1, maxval=1)
    P = np.asarray(polynomial_features(x, degree))
    np.testing.assert_allclose(P[:, 0], 1.0)
    L = np.asarray(legendre_features(x, degree))
    assert L.shape == P.shape == (7, degree + 1)
    assert np.all(np.abs(L) <= 1 + 1e-4)                       # |P_k| <= 1 on [-1, 1]
    raises_naming("degree", polynomial_features, x, -1 - degree)
    raises_naming("x", legendre_features, x[:, None], degree)
    raises_naming("x", polynomial_features, jnp.zeros(0), degree)
