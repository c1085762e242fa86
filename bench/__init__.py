"""Benchmarks (``make bench``): ``python bench/run.py``; ``bench.sgd_peer`` is imported by the
tests from the repository root."""
