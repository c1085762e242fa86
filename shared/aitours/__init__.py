"""aitours: the small JAX helper package shared by the numerical tours.

One idea per module, small pure functions over JAX arrays and pytrees:

- :mod:`aitours.data`     synthetic supervised data sets (regression, classification, quadratics)
- :mod:`aitours.losses`   empirical risks (least squares, logistic) and risk curves
- :mod:`aitours.optim`    gradient descent and SGD loops (``lax.scan``, many runs at once)
- :mod:`aitours.nn`       multi-layer perceptrons over a list of ``(W, b)`` pytrees
- :mod:`aitours.train`    the optax step ``make_step`` and ``fit``, its compiled loop with a
  progress bar
- :mod:`aitours.rates`    convergence rates and log-log slopes
- :mod:`aitours.plotting` small plotting helpers with labelled axes
- :mod:`aitours.features` polynomial and Legendre feature maps
- :mod:`aitours.flops`    XLA flop counts and median timings
- :mod:`aitours.tape`     a scalar reverse-mode autodiff tape (backprop as bookkeeping)
- :mod:`aitours.kernels`  Gaussian kernel and random Fourier features
- :mod:`aitours.conv`     convolutions, shifts and receptive fields
- :mod:`aitours.ode`      Euler / RK4 solvers and ResNets as ODE discretisations
- :mod:`aitours.attention` softmax and linear attention, masks, positions
- :mod:`aitours.cluster`  Lloyd's k-means
- :mod:`aitours.distances` MMD and sliced Wasserstein sample distances
- :mod:`aitours.umap_cache` UMAP with numba's disk cache (fast first run after install)
- :mod:`aitours.manifold` t-SNE, seeded and on one thread
- :mod:`aitours.toy2d`    2-d toy distributions (point clouds to cluster or to generate)

Submodules are imported on demand (``from aitours import optim``) so that importing the
package stays cheap.

Importing ``aitours`` turns on JAX's persistent compilation cache (``~/.cache/aitours/jax``), so
that re-running a tour skips most of its compilation; set ``AITOURS_JAX_CACHE=0`` to opt out
(see :mod:`aitours._cache`).
"""

from aitours._cache import enable_compilation_cache
from aitours._compat import enable_x64

enable_compilation_cache()

__all__ = ["enable_x64", "__version__"]
__version__ = "0.2.0"
