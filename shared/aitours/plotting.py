"""Plotting helpers: readable defaults and the few figures that several tours draw."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from aitours._checks import check_int, check_interval, check_pair


def style() -> None:
    """Readable matplotlib defaults for the tours (larger fonts, light grid, tight layout)."""
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.figsize": (6.4, 4.0), "figure.dpi": 90, "figure.constrained_layout.use": True,
        "axes.grid": True, "grid.alpha": 0.3, "axes.titlesize": 12, "axes.labelsize": 11,
        "legend.fontsize": 9, "lines.linewidth": 1.8,
    })


def loglog_rate(ax, x, y, *, label: str, slope: float | None = None, ref_label: str | None = None,
                **kwargs):
    """Plot ``y`` against ``x`` in log-log on ``ax``; with ``slope``, add a dashed reference
    line C·x^slope through the last point. Returns ``ax``."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.ndim != 1 or y.shape != x.shape or x.size < 1:
        raise ValueError(f"`x` and `y` must be 1-d of the same length >= 1, got shapes {x.shape} "
                         f"and {y.shape}")
    for name, v in (("x", x), ("y", y)):
        if not (np.all(np.isfinite(v)) and np.all(v > 0)):
            raise ValueError(f"`{name}` must be finite and > 0 on a log-log plot, got {v}")
    if slope is not None and not np.isfinite(slope):
        raise ValueError(f"`slope` must be a finite number, got {slope!r}")
    ax.loglog(x, y, "o-", label=label, **kwargs)
    if slope is not None:
        ax.loglog(x, y[-1] * (x / x[-1]) ** slope, "k--", lw=1,
                  label=ref_label or f"slope {slope:g}")
    ax.legend()
    return ax


def contour2d(ax, f: Callable, xlim=(-1.0, 1.0), ylim=(-1.0, 1.0), *, n: int = 120,
              levels: int = 20, **kwargs):
    """Contour lines of a scalar ``f(points (m, 2)) -> (m,)`` on the box ``xlim × ylim``."""
    if not callable(f):
        raise TypeError(f"`f` must be callable, got {type(f).__name__}")
    xlim = check_interval(*check_pair(xlim, "xlim"), "xlim")
    ylim = check_interval(*check_pair(ylim, "ylim"), "ylim")
    n = check_int(n, "n", minimum=2)
    if not isinstance(levels, (int, np.integer)):   # matplotlib also takes the list of level values
        levels = np.asarray(levels, float)
        if levels.ndim != 1 or levels.size < 1 or np.any(np.diff(levels) <= 0):
            raise ValueError(f"`levels` must be an int >= 1 or increasing values, got {levels}")
    else:
        levels = check_int(levels, "levels")
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    X, Y = np.meshgrid(xs, ys)
    Z = np.asarray(f(np.stack([X.ravel(), Y.ravel()], axis=1)))
    if Z.size != X.size:
        raise ValueError(f"`f` must map points (m, 2) to values (m,), got shape {Z.shape} for "
                         f"m = {X.size}")
    Z = Z.reshape(X.shape)
    ax.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.8, **kwargs)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    return ax
