"""Colab-like: a fresh venv with only Colab's preinstalled packages (at Colab's versions), the
helper package installed the way each tour's first cell does it, and every tour executed from a
directory outside the repository (nothing may depend on the working directory)."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tools.sync_tours import notebook_from_source
from tools.tourmeta import ROOT, repo_url, tour_sources, version

VENV = ROOT / "build" / "colab-venv"
PY = VENV / "bin" / "python"
TOURS = tour_sources()


def colab_cell_target(py: Path) -> str:
    """What the tour's Colab cell pip-installs, with this checkout standing in for GitHub."""
    cell = notebook_from_source(py).cells[1].source
    m = re.search(r'"aitours(\[[a-z,]+\])? @ git\+([^"]+)"', cell)
    assert m and m.group(2) == f"{repo_url()}@v{version()}", \
        f"{py.name}: the Colab cell installs the project's release"
    return f"aitours{m.group(1) or ''} @ {ROOT.as_uri()}"


@pytest.fixture(scope="module")
def colab_python():
    # `make e2e` runs two test workers: the first builds the venv, the other waits for it
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / "colab-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = VENV / ".installed"
        wanted = (ROOT / "tests" / "e2e" / "colab_packages.txt").read_text()
        if not stamp.exists() or stamp.read_text() != wanted:
            venv.create(VENV, with_pip=True, clear=True)
            subprocess.run([PY, "-m", "pip", "install", "-q", "-r",
                            ROOT / "tests" / "e2e" / "colab_packages.txt"], check=True)
            stamp.write_text(wanted)
        # each distinct install line of the tours' Colab cells, as the cells run it (this
        # checkout's current code: reinstalled even when the version number is unchanged)
        for target in sorted({colab_cell_target(py) for py in TOURS}):
            subprocess.run([PY, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps",
                            target], check=True)
            subprocess.run([PY, "-m", "pip", "install", "-q", target], check=True)
    return PY


@pytest.mark.parametrize("py", TOURS, ids=[p.stem for p in TOURS])
def test_tour_runs_like_on_colab(colab_python, py, tmp_path):
    notebook = tmp_path / py.with_suffix(".ipynb").name
    notebook.write_bytes(py.with_suffix(".ipynb").read_bytes())
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MPLBACKEND")}
    # the project's executor (it needs only nbclient and nbformat), run by the Colab-like
    # interpreter: a fresh kernel of that venv, the notebook's own directory (outside the
    # repository) as working directory; it fails on an error, a cell timeout or a stall
    run = subprocess.run(
        [colab_python, str(ROOT / "tools" / "executor.py"), str(notebook), "--timeout", "300"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
