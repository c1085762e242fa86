"""The nbgrader course (tools/nbgrader_course.py) for every tour: each exercise is a solution
cell, every claim is worth a point in a locked test cell, and no cell is both (nbgrader would
grade it by hand). Running nbgrader itself is tests/e2e/test_nbgrader.py."""

from __future__ import annotations

import pytest

from tools.exercises import is_exercise
from tools.nbgrader_course import split_exercise, with_nbgrader_metadata
from tools.sync_tours import notebook_from_source
from tools.tourmeta import assert_kinds, tour_sources


@pytest.mark.parametrize("py", tour_sources(), ids=lambda p: p.stem)
def test_every_claim_is_a_point_and_every_exercise_an_answer(py):
    nb = notebook_from_source(py)
    claims = sum(k == "claim" for k, _, _ in
                 assert_kinds([c.source for c in nb.cells if c.cell_type == "code"]))
    n_exercises = sum(c.cell_type == "code" and is_exercise(c.source) for c in nb.cells)
    graded = with_nbgrader_metadata(nb)
    meta = [c.metadata["nbgrader"] for c in graded.cells if "nbgrader" in c.metadata]
    assert sum(m["solution"] for m in meta) == n_exercises
    assert sum(m.get("points", 0) for m in meta) == claims
    assert not any(m["solution"] and m["grade"] for m in meta)
    assert all(m["locked"] == m["grade"] for m in meta)
    assert len({m["grade_id"] for m in meta}) == len(meta)


def test_an_exercise_is_cut_before_its_first_claim_after_the_solution():
    source = ("x = 1\n### BEGIN SOLUTION\ny = x + 1\n### END SOLUTION\n### STUB y = 0\n"
              "print(y)\nassert y == 2, 'claim: y is two'\nassert y > 0, 'sanity: positive'")
    answer, tests = split_exercise(source)
    assert answer.endswith("print(y)")
    assert tests.startswith("assert y == 2")
    assert split_exercise("### BEGIN SOLUTION\ny = 1\n### END SOLUTION\n### STUB y = 0") == \
        ("### BEGIN SOLUTION\ny = 1\n### END SOLUTION\n### STUB y = 0", "")
