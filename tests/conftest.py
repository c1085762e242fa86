"""Shared pytest setup: a non-interactive matplotlib backend for the unit tests (not the tours)."""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

# tools/ holds the tour tooling (sync, badges, runner); the tests check it too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
