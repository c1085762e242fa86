"""The tours as an nbgrader course (tools/nbgrader_course.py), on tour 2: `nbgrader
generate_assignment` writes the same student code as exercises/02_erm.ipynb (runnable stubs, not
`raise NotImplementedError()`), and `nbgrader autograde` gives full marks to the solved tour and
fewer to the student version as released (its stubs fail the claims that grade them)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools import nbgrader_course
from tools.tourmeta import ROOT

TOUR = "02_erm"


def nbgrader(*args: str, course: Path) -> None:
    # nbgrader runs alembic as a command: the venv's bin on PATH; run from the repository root,
    # where the course's nbgrader_config.py can import tools
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([sys.executable, "-m", "nbgrader", *args, "--course-dir", str(course)],
                   check=True, cwd=ROOT, env=env, capture_output=True, text=True)


def code(path: Path) -> str:
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                     if c.cell_type == "code")


def test_generate_assignment_and_autograde(tmp_path):
    pytest.importorskip("nbgrader")
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    [source] = nbgrader_course.write_course(course, [TOUR])
    nbgrader("generate_assignment", TOUR, course=course)
    release = course / "release" / TOUR / f"{TOUR}.ipynb"
    assert code(release) == code(ROOT / "exercises" / f"{TOUR}.ipynb")
    assert "NotImplementedError" not in code(release)

    for student, notebook in (("solved", source), ("as_released", release)):
        (course / "submitted" / student / TOUR).mkdir(parents=True)
        shutil.copy(notebook, course / "submitted" / student / TOUR / f"{TOUR}.ipynb")
    nbgrader("autograde", TOUR, "--create", course=course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        solved, released = (gb.find_submission(TOUR, s) for s in ("solved", "as_released"))
        points = solved.max_score
        claims = sum(k == "claim" for k, _, _ in nbgrader_course.assert_kinds(
            [c.source for c in nbformat.read(source, as_version=4).cells
             if c.cell_type == "code"]))
        assert points == claims, "one point per claim"
        assert solved.score == points, "the solved tour passes every claim"
        assert released.score < points, "the released stubs fail the claims that grade them"
