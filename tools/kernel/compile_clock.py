"""Seconds of JAX compilation in a stretch of wall time, from ``jax.monitoring`` events.

JAX reports tracing, lowering and XLA compilation as duration events when each ends; the events
nest (JAX 0.5 reports a trace inside a trace), so their durations cannot be added up. The clock
keeps each event's interval and measures the length of their union, clipped to the stretch asked.
Loaded by path (``runpy``) by the other kernel-side files and imported by ``bench.sgd_peer``.
"""

from __future__ import annotations

import time

# tracing, lowering and XLA's compile; a persistent-cache read is timed inside the latter's
# backend_compile_duration event, so its own cache_retrieval event lies inside it
COMPILE_EVENTS = ("/jax/core/compile/", "/jax/compilation_cache/cache_retrieval")


class CompileClock:
    """``listen`` is the ``jax.monitoring`` listener; ``add(start, end)`` records any other
    compilation interval (numba's); ``seconds(t0, t1)`` is the compile time inside ``[t0, t1]``
    (``time.perf_counter`` clock)."""

    def __init__(self) -> None:
        self.intervals: list[tuple[float, float]] = []

    def install(self) -> CompileClock:
        import jax.monitoring

        jax.monitoring.register_event_duration_secs_listener(self.listen)
        return self

    def listen(self, event: str, duration: float, **kwargs) -> None:
        if event.startswith(COMPILE_EVENTS):  # the event's interval, ending now
            end = time.perf_counter()
            self.add(end - duration, end)

    def add(self, start: float, end: float) -> None:
        self.intervals.append((start, end))

    def seconds(self, t0: float, t1: float) -> float:
        total, reach = 0.0, t0
        for start, end in sorted(self.intervals):
            start, end = max(start, reach), min(end, t1)
            if end > start:
                total += end - start
                reach = end
        return total
