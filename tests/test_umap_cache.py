"""aitours.umap_cache: umap-learn's uncached numba functions get numba's disk cache, and the
embedding helper checks its arguments and is deterministic."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from aitours import umap_cache


@pytest.mark.perf
def test_cache_enabled_once():
    from numba.core.caching import NullCache
    from umap.umap_ import smooth_knn_dist

    umap_cache.enable_umap_cache()
    assert not isinstance(smooth_knn_dist._cache, NullCache)
    assert umap_cache.enable_umap_cache() == 0, "idempotent"


def test_embedding_shape_and_determinism():
    X = np.random.default_rng(1).standard_normal((40, 3))
    dist, idx = NearestNeighbors(n_neighbors=5).fit(X).kneighbors(X)
    Z1 = umap_cache.umap_embedding(X, idx, dist, n_epochs=10, seed=3)
    Z2 = umap_cache.umap_embedding(X, idx, dist, n_epochs=10, seed=3)
    assert Z1.shape == (40, 2) and np.array_equal(Z1, Z2)


def test_bad_input_names_the_argument():
    X = np.zeros((10, 3))
    idx, dist = np.zeros((10, 4), int), np.zeros((10, 4))
    with pytest.raises(ValueError, match="`X`"):
        umap_cache.umap_embedding(X[0], idx, dist)
    with pytest.raises(ValueError, match="`knn_indices`"):
        umap_cache.umap_embedding(X, idx[:5], dist)
    with pytest.raises(ValueError, match="`n_epochs`"):
        umap_cache.umap_embedding(X, idx, dist, n_epochs=0)
