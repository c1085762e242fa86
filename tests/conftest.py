"""Shared pytest setup: a non-interactive matplotlib backend for the unit tests (not the tours).

The repository root is on ``sys.path`` (``pythonpath`` in pyproject.toml), so the tests import
the tooling as ``tools.*`` and the benchmarks as ``bench.*``.
"""

import matplotlib

matplotlib.use("Agg")

# Property tests (tests/test_properties_*.py): deterministic (derandomize: the same examples on
# every run, nothing stored in a .hypothesis database), no per-example deadline (the first
# example of a shape pays JAX's compilation), few examples (the suite must stay fast).
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "aitours", derandomize=True, database=None, deadline=None, max_examples=15,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True)
settings.load_profile("aitours")
