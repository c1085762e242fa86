"""Plotting helpers: readable defaults and the few figures that several tours draw."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


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
    ax.loglog(x, y, "o-", label=label, **kwargs)
    if slope is not None:
        ax.loglog(x, y[-1] * (x / x[-1]) ** slope, "k--", lw=1,
                  label=ref_label or f"slope {slope:g}")
    ax.legend()
    return ax


def contour2d(ax, f: Callable, xlim=(-1.0, 1.0), ylim=(-1.0, 1.0), *, n: int = 120,
              levels: int = 20, **kwargs):
    """Contour lines of a scalar ``f(points (m, 2)) -> (m,)`` on the box ``xlim × ylim``."""
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    X, Y = np.meshgrid(xs, ys)
    Z = np.asarray(f(np.stack([X.ravel(), Y.ravel()], axis=1))).reshape(X.shape)
    ax.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.8, **kwargs)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    return ax
