"""aitours.manifold.tsne_embedding: shape, determinism, PCA start, argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from aitours.manifold import tsne_embedding


def _blobs():
    rng = np.random.default_rng(0)
    return np.concatenate([rng.standard_normal((40, 5)), rng.standard_normal((40, 5)) + 6])


def test_shape_and_determinism():
    X = _blobs()
    Z1 = tsne_embedding(X, perplexity=10, seed=2)
    Z2 = tsne_embedding(X, perplexity=10, seed=2)
    assert Z1.shape == (80, 2) and np.array_equal(Z1, Z2)
    # the two blobs stay apart: each point's nearest neighbour in the plane is in its blob
    d = ((Z1[:, None] - Z1[None]) ** 2).sum(-1) + np.diag(np.full(80, np.inf))
    assert np.all((d.argmin(1) < 40) == (np.arange(80) < 40))


def test_tiny_step_stays_at_the_pca_start():
    X = _blobs()
    Z = tsne_embedding(X, perplexity=10, learning_rate=1e-6)
    Xc = X - X.mean(0)
    pc1 = Xc @ np.linalg.svd(Xc, full_matrices=False)[2][0]
    assert abs(np.corrcoef(Z[:, 0], pc1)[0, 1]) > 0.999


def test_bad_input_names_the_argument():
    X = _blobs()
    with pytest.raises(ValueError, match="`X`"):
        tsne_embedding(X[0])
    with pytest.raises(ValueError, match="`perplexity`"):
        tsne_embedding(X, perplexity=30)
    with pytest.raises(ValueError, match="`max_iter`"):
        tsne_embedding(X, perplexity=10, max_iter=100)
    with pytest.raises(ValueError, match="`learning_rate`"):
        tsne_embedding(X, perplexity=10, learning_rate=-1.0)
