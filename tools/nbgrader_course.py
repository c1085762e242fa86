"""The tours as an nbgrader course, for teachers who run their course on nbgrader.

``python -m tools.nbgrader_course [NAME ...] [--out build/nbgrader]`` writes a course directory:
``source/NN_name/NN_name.ipynb`` for each tour (default all), and ``nbgrader_config.py``. Each
notebook carries nbgrader's cell metadata:

- an exercise (a code cell with a ``### BEGIN SOLUTION`` region) is a *solution* cell;
- every other code cell holding claims (``assert …, "claim: …"``) is an *autograded test* cell,
  locked, worth one point per claim: the claims grade the exercises before them.

Then, from the repository root (nbgrader loads the config, which imports ``tools``)::

    python -m nbgrader generate_assignment NN_name --course-dir build/nbgrader
    python -m nbgrader autograde NN_name --course-dir build/nbgrader --create

``generate_assignment`` writes the student version to ``release/``: each solution region is
replaced by this project's runnable stub (the ``### STUB`` lines, as in ``exercises/``), not by
nbgrader's ``raise NotImplementedError()``. ``tests/e2e/test_nbgrader.py`` checks both steps.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import sys
from pathlib import Path

import nbformat

from tools.exercises import exercise_cell_source, is_exercise
from tools.sync_tours import notebook_from_source
from tools.tourmeta import ROOT, assert_kinds, tour_sources

BUILD = ROOT / "build"
CONFIG = ROOT / "tools" / "templates" / "nbgrader" / "nbgrader_config.py"


def split_exercise(source: str) -> tuple[str, str]:
    """An exercise cell's ``source`` cut before its first top-level claim after the solution:
    (the answer, the claims that grade it), the second empty if there is none. nbgrader grades
    a cell either as an answer or as tests, so the two go to cells of their own."""
    lines = source.split("\n")
    end = max(i for i, ln in enumerate(lines) if ln.strip() == "### END SOLUTION"
              or ln.lstrip().startswith("### STUB"))
    code = "\n".join(ln for ln in lines if not ln.lstrip().startswith(("%", "!")))
    for node in ast.parse(code).body:
        if node.lineno - 1 > end and assert_kinds([ast.get_source_segment(code, node) or ""]) \
                and assert_kinds([ast.get_source_segment(code, node)])[0][0] == "claim":
            cut = node.lineno - 1
            return "\n".join(lines[:cut]).rstrip("\n"), "\n".join(lines[cut:])
    return source, ""


def with_nbgrader_metadata(nb):
    """``nb`` (a tour, solutions in) with nbgrader's metadata on its exercise and claim cells;
    each exercise's own claims move to a test cell right after it (:func:`split_exercise`)."""
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if cell.cell_type == "code" and is_exercise(cell.source):
            cell.source, claims = split_exercise(cell.source)
            if claims:
                cells.append(nbformat.v4.new_code_cell(claims))
                cells[-1].id = f"{cell.id}-claims"
    nb.cells = cells
    exercises = tests = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        claims = sum(kind == "claim" for kind, _, _ in assert_kinds([cell.source]))
        meta = {"schema_version": 3, "locked": False, "solution": False, "grade": False}
        if is_exercise(cell.source):
            exercises += 1
            meta.update(solution=True, grade_id=f"exercise_{exercises}")
        elif claims:
            tests += 1
            meta.update(grade=True, locked=True, points=claims, grade_id=f"claims_{tests}")
        else:
            continue
        cell.metadata["nbgrader"] = meta
    return nb


def write_course(out: Path, names: list[str]) -> list[Path]:
    """The course directory ``out`` (config and ``source/``) for tours ``names``."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(CONFIG, out / "nbgrader_config.py")
    written = []
    for name in names:
        folder = out / "source" / name
        folder.mkdir(parents=True, exist_ok=True)
        nb = with_nbgrader_metadata(notebook_from_source(ROOT / "tours" / f"{name}.py"))
        nbformat.write(nb, folder / f"{name}.ipynb")
        written.append(folder / f"{name}.ipynb")
    return written


def generate_preprocessors() -> list:
    """nbgrader's ``generate_assignment`` preprocessors, with its ClearSolutions replaced by one
    that writes each exercise cell as ``exercises/`` has it (its ``### STUB`` lines)."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import ClearSolutions

    class RunnableStubs(ClearSolutions):
        def _replace_solution_region(self, cell, language) -> bool:
            if cell.cell_type != "code" or not is_exercise(cell.source):
                return super()._replace_solution_region(cell, language)
            cell.source = exercise_cell_source(cell.source)
            return True

    default = GenerateAssignment.class_traits()["preprocessors"].default()
    return [RunnableStubs if p is ClearSolutions else p for p in default]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="tours (default all)")
    parser.add_argument("--out", type=Path, default=BUILD / "nbgrader")
    args = parser.parse_args(argv)
    names = args.names or [p.stem for p in tour_sources()]
    for path in write_course(args.out, names):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
