"""UMAP with numba's on-disk cache: a fast first run after install, and fast re-runs.

umap-learn compiles its graph and layout code with numba. A few of its functions ask numba to
cache the machine code on disk (``cache=True``), but the ones a fit calls — ``smooth_knn_dist``,
``compute_membership_strengths``, the layout epoch — do not, so every new process compiled them
again (about 5 s of tour 1's UMAP cell on a 2-core CPU, measured with numba's compile events).
:func:`umap_embedding` turns numba's cache on for them (``Dispatcher.enable_caching``, what
``cache=True`` does) before fitting; :func:`warm_up` runs a tiny fit so that an install step
(``make env``) pays the compilation once.

Requires umap-learn (``pip install aitours[umap]``).
"""

from __future__ import annotations

import warnings

import numpy as np


def enable_umap_cache() -> int:
    """Turn on numba's on-disk cache for umap-learn's compiled functions that lack it.

    Returns the number of functions switched (0 when called again: it is idempotent).
    """
    import umap.layouts
    import umap.umap_
    import umap.utils
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    switched = 0
    for module in (umap.umap_, umap.layouts, umap.utils):
        for obj in vars(module).values():
            if isinstance(obj, Dispatcher) and isinstance(obj._cache, NullCache):
                obj.enable_caching()
                switched += 1
    return switched


def umap_embedding(X, knn_indices, knn_distances, *, n_epochs: int = 200, seed: int = 0):
    """UMAP of ``X`` (n, d) into the plane from a precomputed k-nearest-neighbour graph.

    ``knn_indices``, ``knn_distances`` (n, k): each point's k nearest neighbours (itself first),
    e.g. from ``sklearn.neighbors.NearestNeighbors(n_neighbors=k).kneighbors(X)``. Returns the
    embedding (n, 2) as numpy. Single-threaded and seeded: the same result on every run.
    """
    import umap

    X = np.asarray(X)
    knn_indices, knn_distances = np.asarray(knn_indices), np.asarray(knn_distances)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"`X` must be (n, d) with n >= 2, got shape {X.shape}")
    if knn_indices.shape != knn_distances.shape or knn_indices.shape[0] != X.shape[0]:
        raise ValueError("`knn_indices` and `knn_distances` must both be (n, k) with n = "
                         f"len(X) = {X.shape[0]}, got {knn_indices.shape} and "
                         f"{knn_distances.shape}")
    if not np.issubdtype(X.dtype, np.number) or not np.all(np.isfinite(X)):
        raise ValueError("`X` must hold finite numbers (no NaN or inf)")
    if knn_indices.ndim != 2 or not np.issubdtype(knn_indices.dtype, np.integer) or (
            knn_indices.size == 0) or (
            knn_indices.min() < 0 or knn_indices.max() >= X.shape[0]):
        raise ValueError(f"`knn_indices` must be integers in 0 … {X.shape[0] - 1} (rows of `X`), "
                         f"with k >= 1 columns, got dtype {knn_indices.dtype} and shape "
                         f"{knn_indices.shape}")
    if not np.all(np.isfinite(knn_distances)) or np.any(knn_distances < 0):
        raise ValueError("`knn_distances` must be finite and >= 0")
    if isinstance(n_epochs, bool) or not isinstance(n_epochs, (int, np.integer)):
        raise TypeError(f"`n_epochs` must be an integer, got {type(n_epochs).__name__}")
    if n_epochs < 1:
        raise ValueError(f"`n_epochs` must be at least 1, got {n_epochs}")
    enable_umap_cache()
    with warnings.catch_warnings():
        # without a search index UMAP cannot embed *new* points afterwards: not needed here
        warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]")
        reducer = umap.UMAP(n_neighbors=knn_indices.shape[1], n_epochs=n_epochs,
                            random_state=seed, n_jobs=1,
                            precomputed_knn=(knn_indices, knn_distances))
        return reducer.fit_transform(X)


def warm_up() -> None:
    """A tiny fit that compiles (and caches on disk) everything a UMAP fit needs."""
    from sklearn.neighbors import NearestNeighbors

    X = np.random.default_rng(0).standard_normal((60, 4))
    dist, idx = NearestNeighbors(n_neighbors=5).fit(X).kneighbors(X)
    umap_embedding(X, idx, dist, n_epochs=5)


if __name__ == "__main__":  # `python -m aitours.umap_cache`: the install step of `make env`
    warm_up()
