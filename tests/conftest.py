"""Shared pytest setup: a non-interactive matplotlib backend for the unit tests (not the tours).

The repository root is on ``sys.path`` (``pythonpath`` in pyproject.toml), so the tests import
the tooling as ``tools.*`` and the benchmarks as ``bench.*``.
"""

import matplotlib

matplotlib.use("Agg")
