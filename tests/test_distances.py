"""aitours.distances: MMD and sliced Wasserstein against closed forms, and argument checks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aitours.distances import (
    gaussian_mmd,
    gaussian_mmd2,
    random_directions,
    sliced_wasserstein,
)

KEY = jax.random.PRNGKey(0)


def circle(m):
    a = jnp.pi * jnp.arange(m) / m
    return jnp.stack([jnp.cos(a), jnp.sin(a)], axis=1)


def test_mmd_two_diracs_closed_form():
    a, b, s = jnp.array([[0.0, 0.0]]), jnp.array([[3.0, 4.0]]), 2.0
    expected = 2 - 2 * np.exp(-25 / (2 * s**2))
    assert float(gaussian_mmd2(a, b, s)) == pytest.approx(expected, rel=1e-6)
    assert float(gaussian_mmd(a, b, s)) == pytest.approx(np.sqrt(expected), rel=1e-6)


def test_mmd_multiscale_is_mean_of_kernels():
    x = jax.random.normal(KEY, (30, 2))
    y = x + 1.0
    both = gaussian_mmd2(x, y, jnp.array([0.5, 2.0]))
    mean = 0.5 * (gaussian_mmd2(x, y, 0.5) + gaussian_mmd2(x, y, 2.0))
    assert float(both) == pytest.approx(float(mean), rel=1e-5)


def test_mmd_zero_on_same_sample_and_grows_with_shift():
    x = jax.random.normal(KEY, (200, 2))
    assert float(gaussian_mmd(x, x, 1.0)) < 1e-3
    shifts = [gaussian_mmd(x, x + s, 1.0) for s in (0.1, 0.5, 2.0)]
    assert float(shifts[0]) < float(shifts[1]) < float(shifts[2])


def test_sliced_wasserstein_translation_closed_form():
    # a translation by v moves every 1-d projection by <theta, v>; evenly spaced angles
    # on the half circle give mean cos^2 = 1/2, so SW = |v| / sqrt(2) exactly
    x = jax.random.normal(KEY, (100, 2))
    v = jnp.array([3.0, -1.0])
    sw = sliced_wasserstein(x, x + v, circle(64))
    assert float(sw) == pytest.approx(float(jnp.linalg.norm(v)) / np.sqrt(2), rel=1e-5)


def test_sliced_wasserstein_permutation_invariant_and_zero():
    x = jax.random.normal(KEY, (50, 3))
    perm = jax.random.permutation(jax.random.PRNGKey(1), 50)
    theta = random_directions(KEY, 20, 3)
    assert float(sliced_wasserstein(x, x[perm], theta)) < 1e-6


def test_sliced_wasserstein_1d_is_sorted_matching():
    x = jnp.array([[0.0], [2.0], [1.0]])
    y = jnp.array([[5.0], [3.0], [4.0]])
    # sorted matching pairs (0,3), (1,4), (2,5): every gap is 3
    assert float(sliced_wasserstein(x, y, jnp.array([[1.0]]))) == pytest.approx(3.0)


def test_random_directions_unit_norm():
    th = random_directions(KEY, 100, 4)
    assert th.shape == (100, 4)
    np.testing.assert_allclose(jnp.linalg.norm(th, axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: gaussian_mmd2(jnp.zeros((3, 2)), jnp.zeros((3, 3)), 1.0), ValueError, "dimension"),
    (lambda: gaussian_mmd2(jnp.zeros((3, 2)), jnp.zeros((3, 2)), 0.0), ValueError, "`bandwidth`"),
    (lambda: gaussian_mmd2(jnp.zeros((3, 2)), jnp.zeros((3, 2)), jnp.ones((2, 2))), ValueError,
     "`bandwidth`"),
    (lambda: gaussian_mmd2(jnp.zeros(3), jnp.zeros((3, 2)), 1.0), ValueError, "`x`"),
    (lambda: sliced_wasserstein(jnp.zeros((3, 2)), jnp.zeros((4, 2)), circle(4)), ValueError,
     "same size"),
    (lambda: sliced_wasserstein(jnp.zeros((3, 2)), jnp.zeros((3, 2)), jnp.ones((4, 3))),
     ValueError, "`directions`"),
    (lambda: random_directions(KEY, 0, 2), ValueError, "`n_directions`"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_unbiased_mmd_closed_form():
    # x = y = {a, b}: the U-statistic is k(a,b) + k(a,b) - 2 (2 + 2 k(a,b)) / 4 = k(a,b) - 1
    x = jnp.array([[0.0, 0.0], [1.0, 1.0]])
    k_ab = np.exp(-2.0 / (2 * 0.5**2))
    assert float(gaussian_mmd2(x, x, 0.5, unbiased=True)) == pytest.approx(k_ab - 1, rel=1e-5)
    assert float(gaussian_mmd2(x, x, 0.5)) == pytest.approx(0.0, abs=1e-6)


def test_unbiased_mmd_removes_the_floor():
    # two samples of one law: the V-statistic sits at a positive floor, the U-statistic near 0
    k1, k2 = jax.random.split(KEY)
    x, y = jax.random.normal(k1, (500, 2)), jax.random.normal(k2, (500, 2))
    biased, unbiased = gaussian_mmd2(x, y, 0.3), gaussian_mmd2(x, y, 0.3, unbiased=True)
    assert float(biased) > 5 * abs(float(unbiased))


def test_unbiased_mmd_needs_two_points():
    with pytest.raises(ValueError, match="at least 2"):
        gaussian_mmd2(jnp.zeros((1, 2)), jnp.zeros((3, 2)), 1.0, unbiased=True)


@pytest.mark.parametrize("unbiased", [False, True])
def test_mmd_matches_a_numpy_reference(unbiased):
    """Several bandwidths, n != m: the estimator written out in float64 numpy."""
    k1, k2 = jax.random.split(KEY)
    x = np.asarray(jax.random.normal(k1, (40, 2)))
    y = np.asarray(jax.random.normal(k2, (30, 2)) + 0.5)
    sigmas = np.array([0.3, 1.0, 2.5])

    def k(a, b):  # mean over the bandwidths of the Gaussian kernel matrices (len(a), len(b))
        sq = ((a[:, None].astype(float) - b[None]) ** 2).sum(-1)
        return np.mean([np.exp(-sq / (2 * s**2)) for s in sigmas], axis=0)

    n, m = len(x), len(y)
    if unbiased:
        kxx = (k(x, x).sum() - n) / (n * (n - 1))
        kyy = (k(y, y).sum() - m) / (m * (m - 1))
    else:
        kxx, kyy = k(x, x).mean(), k(y, y).mean()
    expected = kxx + kyy - 2 * k(x, y).mean()
    got = float(gaussian_mmd2(x, y, sigmas, unbiased=unbiased))
    assert got == pytest.approx(expected, rel=1e-4, abs=1e-6)
