"""Per-cell profile of a tour, run inside its kernel by ``run_tours --profile``.

``install(ip)`` times, for each cell, JAX's compilation (tracing, lowering, XLA compile and
persistent-cache reads: ``compile_clock.py``, nested events counted once), numba's compilation
(its compile events) and figure rendering (the backends' ``print_figure``); ``report()`` prints
them after ``MARK`` as one JSON line ``[[wall, compile, plot], ...]``, one entry per cell run
after ``install``.
"""

from __future__ import annotations

import json
import runpy
import sys
import time
from pathlib import Path

MARK = "__AITOURS_PROFILE__"
_CLOCK = runpy.run_path(str(Path(__file__).with_name("compile_clock.py")))["CompileClock"]()
_PROF: dict = {"plot": 0.0, "cells": [], "numba": False}


def _time_figures() -> None:
    from matplotlib.backend_bases import FigureCanvasBase

    print_figure = FigureCanvasBase.print_figure

    def timed(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return print_figure(self, *args, **kwargs)
        finally:
            _PROF["plot"] += time.perf_counter() - t0

    FigureCanvasBase.print_figure = timed


def _time_numba() -> None:
    from numba.core import event

    class Listener(event.Listener):  # numba's compile events nest: time the outermost
        depth, t0 = 0, 0.0

        def on_start(self, event):
            self.depth += 1
            if self.depth == 1:
                self.t0 = time.perf_counter()

        def on_end(self, event):
            self.depth -= 1
            if self.depth == 0:
                _CLOCK.add(self.t0, time.perf_counter())

    event.register("numba:compile", Listener())


def _pre(info) -> None:
    if "numba" in sys.modules and not _PROF["numba"]:
        _PROF["numba"] = True
        _time_numba()
    _PROF["_t"], _PROF["_p"] = time.perf_counter(), _PROF["plot"]


def _post(result) -> None:
    t0, t1 = _PROF["_t"], time.perf_counter()
    _PROF["cells"].append([t1 - t0, _CLOCK.seconds(t0, t1), _PROF["plot"] - _PROF["_p"]])


def install(ip) -> None:
    """Start timing every cell of IPython shell ``ip`` (``get_ipython()``)."""
    _CLOCK.install()
    _time_figures()
    ip.events.register("pre_run_cell", _pre)
    ip.events.register("post_run_cell", _post)


def report() -> None:
    print(MARK + json.dumps(_PROF["cells"]))
