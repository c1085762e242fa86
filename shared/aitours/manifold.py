"""t-SNE of a point cloud, seeded and on one thread (scikit-learn's ``TSNE`` underneath).

scikit-learn's Barnes–Hut t-SNE runs its gradient in OpenMP threads. In a process that has
also started JAX's (or other jobs') threads on a small shared CPU, those threads spin against
each other: t-SNE of the 1797 digits took 10–16 s with the default thread pool against 2.3 s on
one thread (2-core CPU, jax imported, measured side by side). :func:`tsne_embedding` runs it
with one thread, so that the tours show the method and not this workaround.
"""

from __future__ import annotations

import numpy as np


def tsne_embedding(X, *, perplexity: float = 30.0, max_iter: int = 300,
                   learning_rate: float | str = "auto", seed: int = 0) -> np.ndarray:
    """t-SNE of ``X`` (n, d) into the plane, initialised by PCA: the embedding (n, 2), numpy.

    Parameters
    ----------
    X : array (n, d), n > 3 · perplexity (scikit-learn's condition).
    perplexity : float > 0
        The effective number of neighbours of each point.
    max_iter : int ≥ 250
        Gradient iterations; the first 250 are scikit-learn's "early exaggeration" phase.
    learning_rate : float > 0 or ``"auto"``
        The step size of the layout's gradient descent (``"auto"``: max(n / 12 / 4, 50)).
        A tiny step leaves the points where PCA put them.
    seed : int
        Seeds the layout: the same arguments give the same embedding.
    """
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"`X` must be (n, d), got shape {X.shape}")
    if not np.issubdtype(X.dtype, np.number) or not np.all(np.isfinite(X)):
        raise ValueError(f"`X` must hold finite numbers, got dtype {X.dtype}"
                         f"{' with NaN or inf' if np.issubdtype(X.dtype, np.number) else ''}")
    if isinstance(perplexity, bool) or not isinstance(perplexity, (int, float, np.number)):
        raise TypeError(f"`perplexity` must be a number, got {type(perplexity).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"`seed` must be an integer, got {type(seed).__name__} {seed!r}")
    if not perplexity > 0 or X.shape[0] <= 3 * perplexity:
        raise ValueError(f"`perplexity` must be > 0 and < n / 3 = {X.shape[0] / 3:.1f}, "
                         f"got {perplexity}")
    if (isinstance(max_iter, bool) or not isinstance(max_iter, (int, float, np.number))
            or int(max_iter) != max_iter or max_iter < 250):
        raise ValueError(f"`max_iter` must be an integer >= 250, got {max_iter}")
    if not (isinstance(learning_rate, str) and learning_rate == "auto") and not (
            isinstance(learning_rate, (int, float, np.number))
            and not isinstance(learning_rate, bool) and 0 < learning_rate < np.inf):
        raise ValueError(f"`learning_rate` must be > 0 or 'auto', got {learning_rate!r}")
    with threadpool_limits(1):
        return TSNE(n_components=2, perplexity=perplexity, init="pca", max_iter=int(max_iter),
                    learning_rate=learning_rate, random_state=seed).fit_transform(X)
