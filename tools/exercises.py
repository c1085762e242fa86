"""Student notebooks: every tour with its solutions replaced by stubs that run but are wrong.

``python -m tools.exercises``          write ``exercises/NN_name.ipynb`` for every tour
``python -m tools.exercises --check``  fail, naming the files, if ``exercises/`` is out of sync

In a tour, an exercise is a code cell holding a solution between nbgrader's markers
``### BEGIN SOLUTION`` and ``### END SOLUTION``, followed by ``### STUB <code>`` comment lines:
the student's version keeps the cell but replaces the solution by the stub code (indentation
kept). The checked claims after the exercise grade it: a stub must run and be wrong, so that the
first check after it fails with its claim's message (docs/CONVENTIONS.md; tests/test_exercises.py
checks it). Like ``tours/``, ``exercises/`` is committed without outputs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

from tools.sync_tours import notebook_from_source
from tools.tourmeta import BADGE_RE, ROOT, colab_badge, tour_sources

EXERCISES = ROOT / "exercises"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB_RE = re.compile(r"^(\s*)### STUB ?(.*)$")
NOTE = ("\n\n**Exercise version.** The code cells marked *exercise* have their solution removed: "
        "each runs but computes something wrong. Write your code in place of the stub; the "
        "checks that follow it (`assert …, \"claim: …\"`) fail with the claim's sentence until "
        "your answer is right. The full tour is in `tours/`.")


def is_exercise(source: str) -> bool:
    return BEGIN in source


def student_source(source: str) -> str:
    """``source`` with each solution region removed and its ``### STUB`` lines uncommented."""
    out, inside, stubs = [], False, 0
    for line in source.splitlines():
        if line.strip() == BEGIN:
            if inside:
                raise ValueError(f"nested {BEGIN!r}")
            inside = True
        elif line.strip() == END:
            if not inside:
                raise ValueError(f"{END!r} without {BEGIN!r}")
            inside = False
        elif inside:
            continue
        elif m := STUB_RE.match(line):
            out.append(m.group(1) + m.group(2))
            stubs += 1
        else:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN!r} without {END!r}")
    if is_exercise(source) and not stubs:
        raise ValueError("an exercise needs `### STUB` lines: the code the student starts from")
    return "\n".join(out)


def exercise_cell_source(source: str) -> str:
    """What the student's version of exercise cell ``source`` holds: a ``# exercise`` line, then
    the cell with its stubs in place of its solutions (also nbgrader's student version:
    tools.nbgrader_course)."""
    return "# exercise\n" + student_source(source)


def student_notebook(py: Path) -> nbformat.NotebookNode:
    """The student version of tour ``py``: stubs in place of solutions, its own Colab badge."""
    nb = notebook_from_source(py)
    for cell in nb.cells:
        if cell.cell_type == "code" and is_exercise(cell.source):
            cell.source = exercise_cell_source(cell.source)
            cell.metadata.pop("jupyter", None)  # not collapsed: this is the student's cell
    first = nb.cells[0]
    first.source = BADGE_RE.sub(lambda m: colab_badge(py.stem, "exercises"), first.source) + NOTE
    return nb


def exercise_cells(nb) -> list[int]:
    """Indices of the exercise cells of a tour (solutions) or of its student version."""
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and
            (is_exercise(c.source) or c.source.startswith("# exercise\n"))]


def problems() -> list[str]:
    out = []
    for py in tour_sources():
        path = EXERCISES / f"{py.stem}.ipynb"
        if not path.exists():
            out.append(f"exercises/{path.name} is missing")
            continue
        have, want = nbformat.read(path, as_version=4), student_notebook(py)
        if [(c.cell_type, c.source) for c in have.cells] != \
                [(c.cell_type, c.source) for c in want.cells]:
            out.append(f"exercises/{path.name} differs from tours/{py.name}")
    return out


def main(check: bool) -> int:
    if check:
        bad = problems()
        for line in bad:
            print(line)
        if bad:
            print("run `make exercises` (exercises/ is generated from tours/*.py)")
        return 1 if bad else 0
    EXERCISES.mkdir(exist_ok=True)
    for py in tour_sources():
        nbformat.write(student_notebook(py), EXERCISES / f"{py.stem}.ipynb")
    print(f"wrote exercises/ ({len(tour_sources())} notebooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
