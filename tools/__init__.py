"""The project's tooling (tour runner, pairing, badges, seed sweep), importable as ``tools.*``
from the repository root (pytest puts the root on ``sys.path``: ``pythonpath`` in pyproject).
Each module also runs as a script, ``python tools/NAME.py``."""
