"""Measured convergence: linear rates and log-log slopes, to compare with the theory."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from aitours._checks import check_int


def loglog_slope(x: ArrayLike, y: ArrayLike) -> float:
    """Least-squares slope of log y against log x: the exponent a in y ≈ C xᵃ.

    ``x``, ``y``: 1-d, same length ≥ 2, all entries > 0 and finite.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 1 or y.shape != x.shape:
        raise ValueError(f"`x` and `y` must be 1-d of the same length, got {x.shape} and {y.shape}")
    if x.size < 2:
        raise ValueError(f"`x` and `y` need at least 2 points to fit a slope, got {x.size}")
    for name, v in (("x", x), ("y", y)):
        if not (np.all(np.isfinite(v)) and np.all(v > 0)):
            raise ValueError(f"`{name}` must be finite and > 0 for a log-log fit")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def linear_rate(errors: ArrayLike, start: int = 0, stop: int | None = None) -> float:
    """Measured linear rate ρ in e_k ≈ C ρᵏ, from a least-squares fit of log e_k over [start, stop).

    ``errors``: 1-d, positive and finite on the fitted window (at least 2 points).
    """
    e = np.asarray(errors, dtype=float)
    if e.ndim != 1:
        raise ValueError(f"`errors` must be 1-d, got shape {e.shape}")
    start = check_int(start, "start", minimum=0)
    if stop is not None:
        stop = check_int(stop, "stop", minimum=-len(e))
    window = e[start:stop]
    if window.size < 2:
        raise ValueError(f"`errors` has {window.size} point(s) in the window [`start`, `stop`) "
                         f"= [{start}, {stop}) (of {e.size} errors); need >= 2")
    if not (np.all(np.isfinite(window)) and np.all(window > 0)):
        raise ValueError("`errors` must be finite and > 0 on the fitted window")
    k = np.arange(start, start + window.size)
    return float(np.exp(np.polyfit(k, np.log(window), 1)[0]))
