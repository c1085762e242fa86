"""aitours: the small JAX helper package shared by the numerical tours.

One idea per module, small pure functions over JAX arrays and pytrees:

- :mod:`aitours.data`     synthetic data sets with a fixed ``jax.random`` key
- :mod:`aitours.losses`   empirical risks (least squares, logistic)
- :mod:`aitours.optim`    gradient descent and SGD loops (``lax.scan``, ``vmap`` over runs)
- :mod:`aitours.nn`       multi-layer perceptrons over a list of ``(W, b)`` pytrees
- :mod:`aitours.train`    a jitted optax training loop with a progress bar
- :mod:`aitours.rates`    convergence rates and log-log slopes
- :mod:`aitours.plotting` small plotting helpers with labelled axes

Submodules are imported on demand (``from aitours import optim``) so that importing the
package stays cheap.
"""

from aitours._compat import enable_x64

__all__ = ["enable_x64", "__version__"]
__version__ = "0.1.0"
