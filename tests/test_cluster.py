"""aitours.cluster: Lloyd's k-means against closed forms and scikit-learn, k-means++, checks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn.cluster import KMeans

from aitours.cluster import assign, inertia, kmeans_plus_plus, lloyd

KEY = jax.random.PRNGKey(0)


def blobs(n_per=50, centres=((0.0, 0.0), (10.0, 0.0), (0.0, 10.0)), std=0.5):
    c = jnp.asarray(centres)
    noise = std * jax.random.normal(KEY, (len(centres), n_per, 2))
    return (c[:, None, :] + noise).reshape(-1, 2), jnp.repeat(jnp.arange(len(centres)), n_per)


def test_assign_and_inertia_closed_form():
    X = jnp.array([[0.0, 0.0], [1.0, 0.0], [5.0, 0.0]])
    C = jnp.array([[0.0, 0.0], [4.0, 0.0]])
    labels, d2 = assign(X, C)
    np.testing.assert_array_equal(labels, [0, 0, 1])
    np.testing.assert_allclose(d2, [0.0, 1.0, 1.0])
    assert float(inertia(X, C)) == pytest.approx(2.0)


def test_lloyd_finds_separated_blobs():
    X, y = blobs()
    C0 = X[jnp.array([0, 50, 100])] + 1.0
    C, labels, inertias = lloyd(X, C0, 20)
    assert C.shape == (3, 2) and labels.shape == (150,) and inertias.shape == (21,)
    # each centre is the mean of its blob
    for j in range(3):
        np.testing.assert_allclose(C[j], X[y == j].mean(0), atol=1e-4)
    np.testing.assert_array_equal(labels, y)
    assert float(inertias[-1]) == pytest.approx(float(inertia(X, C)), rel=1e-5)


def test_inertia_non_increasing():
    X = jax.random.normal(KEY, (300, 5))
    C0 = kmeans_plus_plus(jax.random.PRNGKey(1), X, 8)
    _, _, inertias = lloyd(X, C0, 30)
    assert np.all(np.diff(np.asarray(inertias)) <= 1e-4 * float(inertias[0]))


def test_matches_sklearn_from_same_init():
    X = np.asarray(jax.random.normal(KEY, (400, 3)), dtype=np.float64)
    C0 = np.asarray(kmeans_plus_plus(jax.random.PRNGKey(2), X, 5), dtype=np.float64)
    _, _, inertias = lloyd(X, C0, 100)
    sk = KMeans(5, init=C0, n_init=1, algorithm="lloyd", tol=0.0, max_iter=100).fit(X)
    assert float(inertias[-1]) == pytest.approx(sk.inertia_, rel=1e-4)


def test_empty_cluster_keeps_its_centre():
    X = jnp.array([[0.0, 0.0], [1.0, 0.0]])
    C0 = jnp.array([[0.5, 0.0], [100.0, 100.0]])
    C, labels, _ = lloyd(X, C0, 3)
    np.testing.assert_allclose(C[1], [100.0, 100.0])
    np.testing.assert_array_equal(labels, [0, 0])


def test_kmeans_plus_plus_picks_distinct_data_points():
    X, _ = blobs()
    C = kmeans_plus_plus(KEY, X, 3)
    assert C.shape == (3, 2)
    # the three seeds are data points, one in each far-apart blob (D² sampling)
    assert all(bool(jnp.any(jnp.all(X == c, axis=1))) for c in C)
    labels, _ = assign(C, jnp.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]))
    assert sorted(np.asarray(labels).tolist()) == [0, 1, 2]


@pytest.mark.parametrize("call, exc, match", [
    (lambda: lloyd(jnp.zeros((5, 2)), jnp.zeros((2, 3))), ValueError, "`centers0` in dimension 3"),
    (lambda: assign(jnp.zeros((5, 2)), jnp.zeros((2, 3))), ValueError, "`centers` in dimension"),
    (lambda: inertia(jnp.zeros((5, 2)), jnp.zeros((0, 2))), ValueError, "`centers` is empty"),
    (lambda: lloyd(jnp.zeros(5), jnp.zeros((2, 1))), ValueError, "`X`"),
    (lambda: lloyd(jnp.zeros((5, 2)), jnp.zeros((2, 2)), 0), ValueError, "`n_iter`"),
    (lambda: lloyd(jnp.zeros((2, 2)), jnp.zeros((3, 2))), ValueError, "`centers0`"),
    (lambda: kmeans_plus_plus(KEY, jnp.zeros((3, 2)), 4), ValueError, "`k`"),
    (lambda: kmeans_plus_plus(KEY, jnp.zeros((3, 2)), 1.5), TypeError, "`k`"),
    (lambda: assign(None, jnp.zeros((2, 2))), TypeError, "`X`"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
