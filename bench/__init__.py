"""Benchmarks (``make bench``): ``python -m bench.run``; ``bench.sgd_peer`` is imported by the
tests from the repository root."""
