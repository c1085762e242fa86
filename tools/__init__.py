"""The project's tooling (tour runner, pairing, badges, seed sweep), importable as ``tools.*``
from the repository root (pytest puts the root on ``sys.path``: ``pythonpath`` in pyproject).
Each module with a command line runs from the repository root as ``python -m tools.NAME``;
none of them edits ``sys.path``."""
