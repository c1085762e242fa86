"""Property tests of conv, plotting, manifold (t-SNE), umap_cache and the package's enable_x64."""

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aitours import enable_x64
from aitours.conv import conv2d, max_pool, receptive_field, shift
from aitours.manifold import tsne_embedding
from aitours.plotting import contour2d, loglog_rate, style
from aitours.umap_cache import enable_umap_cache, umap_embedding, warm_up

KEY = jax.random.key(0)
bad_size = st.one_of(st.integers(-3, 0), st.sampled_from([2.5, "4", None]))
IMG = jax.random.normal(KEY, (2, 8, 8, 3))
FILT = jax.random.normal(KEY, (3, 3, 3, 4))


def raises_naming(name, fn, *args, **kwargs):
    with pytest.raises((ValueError, TypeError)) as info:
        fn(*args, **kwargs)
    assert f"`{name}`" in str(info.value), str(info.value)


@given(st.integers(-9, 9), st.integers(-9, 9), st.sampled_from(["lax", "patches"]))
def test_circular_conv_commutes_with_shifts(dy, dx, impl):
    lhs = conv2d(shift(IMG, dy, dx), FILT, impl=impl)
    rhs = shift(conv2d(IMG, FILT, impl=impl), dy, dx)
    np.testing.assert_allclose(lhs, rhs, atol=1e-4)
    np.testing.assert_array_equal(shift(shift(IMG, dy, dx), -dy, -dx), IMG)


@given(st.sampled_from([(8, 3, 3), (2, 8, 3), (2, 8, 8, 3, 1), (0, 8, 8, 3), (2, 0, 8, 3)]))
def test_conv_rejects_bad_shapes(shape):
    raises_naming("x", conv2d, jnp.zeros(shape), FILT)
    raises_naming("w", conv2d, IMG, jnp.zeros((3, 3, 2, 4)))
    raises_naming("b", conv2d, IMG, FILT, jnp.zeros(5))
    raises_naming("x", max_pool, jnp.zeros(shape))
    raises_naming("x", shift, jnp.zeros((2, 0, 8, 3)), 1, 1)
    raises_naming("padding", conv2d, IMG, FILT, padding="zeros")


@given(bad_size)
def test_conv_rejects_bad_sizes(s):
    raises_naming("stride", conv2d, IMG, FILT, stride=s)
    raises_naming("dilation", conv2d, IMG, FILT, dilation=s)
    raises_naming("size", max_pool, IMG, s)
    raises_naming("kernel_sizes[0]", receptive_field, [s])
    raises_naming("kernel_sizes", receptive_field, 3)
    raises_naming("strides", receptive_field, [3, 3], [1])


@given(st.lists(st.integers(1, 5), min_size=1, max_size=5))
def test_receptive_field_formula_and_pool_shape(ks):
    assert receptive_field(ks) == 1 + sum(k - 1 for k in ks)
    assert receptive_field(ks, [2] * len(ks)) >= receptive_field(ks)
    assert max_pool(IMG, 2).shape == (2, 4, 4, 3)


@given(st.floats(-2, 2), st.sampled_from([np.nan, 0.0, -1.0]))
def test_plotting_checks(slope, bad):
    style()
    fig, ax = plt.subplots()
    x = np.array([1.0, 2.0, 4.0])
    loglog_rate(ax, x, x**slope, label="y", slope=slope)
    contour2d(ax, lambda P: P[:, 0] ** 2 + P[:, 1] ** 2, n=10, levels=5)
    raises_naming("y", loglog_rate, ax, x, np.array([1.0, bad, 2.0]), label="y")
    raises_naming("x", loglog_rate, ax, x, x[:2], label="y")
    raises_naming("xlim", contour2d, ax, np.sum, xlim=(1.0, 1.0 + bad if bad == bad else 1.0))
    raises_naming("ylim", contour2d, ax, np.sum, ylim=(0.0,))
    raises_naming("n", contour2d, ax, np.sum, n=1)
    raises_naming("f", contour2d, ax, lambda P: P, n=5)
    plt.close(fig)


def test_enable_x64_is_scoped():
    with enable_x64():
        assert jnp.ones(1).dtype == jnp.float64
    assert jnp.ones(1).dtype == jnp.float32


@settings(max_examples=3)
@given(st.sampled_from([np.nan, np.inf]))
def test_tsne_checks_and_determinism(bad):
    X = np.asarray(jax.random.normal(KEY, (20, 3)))
    Y = tsne_embedding(X, perplexity=5, max_iter=250)
    assert Y.shape == (20, 2)
    np.testing.assert_array_equal(Y, tsne_embedding(X, perplexity=5, max_iter=250))
    Xb = X.copy()
    Xb[3, 1] = bad
    raises_naming("X", tsne_embedding, Xb, perplexity=5)
    raises_naming("perplexity", tsne_embedding, X, perplexity=10)
    raises_naming("max_iter", tsne_embedding, X, perplexity=5, max_iter=100)
    raises_naming("learning_rate", tsne_embedding, X, perplexity=5, learning_rate=-1.0)
    raises_naming("seed", tsne_embedding, X, perplexity=5, seed=1.5)


@settings(max_examples=3)
@given(st.sampled_from([-1, 60]))
def test_umap_checks(bad_index):
    from sklearn.neighbors import NearestNeighbors

    warm_up()
    assert enable_umap_cache() == 0                       # idempotent: already switched on
    X = np.random.default_rng(0).standard_normal((60, 4))
    dist, idx = NearestNeighbors(n_neighbors=5).fit(X).kneighbors(X)
    assert umap_embedding(X, idx, dist, n_epochs=5).shape == (60, 2)
    bad = idx.copy()
    bad[0, 1] = bad_index
    raises_naming("knn_indices", umap_embedding, X, bad, dist)
    raises_naming("knn_distances", umap_embedding, X, idx, -dist)
    raises_naming("n_epochs", umap_embedding, X, idx, dist, n_epochs=0)
    raises_naming("X", umap_embedding, np.where(X > 2, np.nan, X), idx, dist)
