"""Course notebooks: exercises/ is generated from tours/, every tour has 2–4 exercises, and each
stub is caught: executed with every cell running, the first error after each exercise is an
AssertionError whose message is a claim (not a NameError, not a crash further down)."""

from __future__ import annotations

import nbformat
import pytest

from tools import exercises
from tools.executor import execute
from tools.tourmeta import ROOT, tour_sources

TOURS = tour_sources()


def test_student_source():
    src = ("x = 1\n### BEGIN SOLUTION\ny = x + 1\n### END SOLUTION\n"
           "    ### STUB y = x  # hint\nz = y")
    assert exercises.student_source(src) == "x = 1\n    y = x  # hint\nz = y"
    with pytest.raises(ValueError, match="STUB"):
        exercises.student_source("### BEGIN SOLUTION\ny = 1\n### END SOLUTION")
    with pytest.raises(ValueError, match="without"):
        exercises.student_source("### BEGIN SOLUTION\ny = 1")


def test_exercises_in_sync():
    assert exercises.problems() == []


@pytest.mark.parametrize("py", TOURS, ids=[p.stem for p in TOURS])
def test_every_stub_is_caught_by_a_claim(py, tmp_path):
    nb = nbformat.read(ROOT / "exercises" / f"{py.stem}.ipynb", as_version=4)
    cells = exercises.exercise_cells(nb)
    assert 2 <= len(cells) <= 4, f"{py.stem} has {len(cells)} exercises (2–4 wanted)"
    execute(nb, cwd=str(tmp_path), timeout=180, allow_errors=True)
    errors = [(i, out) for i, c in enumerate(nb.cells) for out in c.get("outputs", [])
              if out.get("output_type") == "error"]
    before = [i for i, _ in errors if i < cells[0]]
    assert not before, f"cell {before[0]} fails before the first exercise"
    for k, start in enumerate(cells):
        stop = cells[k + 1] if k + 1 < len(cells) else len(nb.cells)
        caught = [(i, out) for i, out in errors if start <= i < stop]
        assert caught, f"exercise in cell {start}: no check after it fails with the stub"
        i, out = caught[0]
        assert out["ename"] == "AssertionError" and out["evalue"].startswith("claim:"), \
            f"exercise in cell {start}: cell {i} fails with {out['ename']}: {out['evalue']}"
