"""Pair each tour's source ``tours/NN_name.py`` (jupytext percent) with ``tours/NN_name.ipynb``.

``python -m tools.sync_tours``          regenerate every .ipynb from its .py (outputs stripped,
                                        deterministic cell ids, a python3 kernelspec)
``python -m tools.sync_tours --check``  fail, naming the files, if any pair is out of sync

The .py is the source of truth. The check compares contents (never timestamps, which jupytext's
own --sync would trust) so it gives the same answer on a fresh clone as on a working copy.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import jupytext
import nbformat

from tools.tourmeta import tour_sources

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def notebook_from_source(py: Path) -> nbformat.NotebookNode:
    """The output-free notebook that ``py`` defines, with ids derived from the cells."""
    nb = jupytext.read(py)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata.setdefault("language_info", {"name": "python"})
    for i, cell in enumerate(nb.cells):
        cell.id = hashlib.sha1(f"{i}:{cell.source}".encode()).hexdigest()[:8]
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if "### BEGIN SOLUTION" in cell.source:  # an exercise: collapsed, try first
                cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    return nb


def problems(py: Path) -> list[str]:
    """Why ``py`` and its .ipynb are not a clean pair (empty list: they are)."""
    ipynb = py.with_suffix(".ipynb")
    if not ipynb.exists():
        return [f"{ipynb.name} is missing"]
    want = notebook_from_source(py)
    have = nbformat.read(ipynb, as_version=4)
    out = []
    def cells(nb):
        return [(c.cell_type, c.source, c.metadata.get("jupyter", {}).get("source_hidden"))
                for c in nb.cells]

    if cells(want) != cells(have):
        out.append(f"{ipynb.name} cells differ from {py.name}")
    if any(c.cell_type == "code" and (c.outputs or c.execution_count) for c in have.cells):
        out.append(f"{ipynb.name} holds outputs (commit it stripped)")
    return out


def main(check: bool) -> int:
    bad = []
    for py in tour_sources():
        if check:
            bad += problems(py)
        else:
            nbformat.write(notebook_from_source(py), py.with_suffix(".ipynb"))
    for line in bad:
        print(line)
    if bad:
        print("run `make sync` (tours/*.py is the source of truth)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
