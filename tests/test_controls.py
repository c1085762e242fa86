"""The negative-control harness (tools/controls.py) on a tiny notebook: one real claim, which the
control kills, and one vacuous claim, which survives every control and is reported as such."""

from __future__ import annotations

import json

import nbformat
import pytest

from tools import controls


def write_notebook(path, parameters: str, declared: str, *code: str, title: str = "") -> None:
    """A notebook following the convention: a parameters cell, a controls cell, then ``code``."""
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    controls_cell = nbformat.v4.new_code_cell(declared)
    controls_cell.metadata["tags"] = ["controls"]
    cells = ([nbformat.v4.new_markdown_cell(title)] if title else []) + [params, controls_cell]
    cells += [nbformat.v4.new_code_cell(c) for c in code]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)


def tiny_notebook(path):
    write_notebook(path, "N = 10",
                   'CONTROLS = {"empty": {"set": {"N": 0}, "kills": ["the sum is positive"]},\n'
                   '            "crash": {"set": {"N": "ten"}, "kills": []}}',
                   "total = sum(range(N))\n"
                   "assert total > 0, 'claim: the sum is positive'\n"
                   "assert len(str(N)) >= 1, 'claim: N has digits'\n"
                   "assert total == total, 'sanity: equality'", title="# 0. Tiny")


def test_harness_reports_the_vacuous_claim_as_surviving(tmp_path):
    path, out = tmp_path / "tiny.ipynb", tmp_path / "controls.json"
    tiny_notebook(path)
    status = controls.main(["--notebook", str(path), "--jobs", "1", "--out", str(out)])
    report = json.loads(out.read_text())
    killed = {c["claim"]: c["killed_by"] for c in report["claims"]}
    assert killed == {"claim: the sum is positive": ["empty"], "claim: N has digits": []}
    assert report["sanity"] == [{"tour": "tiny", "check": "sanity: equality"}]
    runs = {r["control"]: r for r in report["controls"]}
    # both claims of the cell were evaluated although the first one failed
    assert runs["empty"]["evaluated"] == 2 and runs["empty"]["crashes"] == []
    # a control that crashes the notebook kills nothing, and its crash is reported
    assert runs["crash"]["killed"] == [] and "TypeError" in runs["crash"]["crashes"][0]
    assert status == 1, "a surviving claim fails the run"


def test_controls_cell_is_checked():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('CONTROLS = {"x": {"N": 0}}')])
    nb.cells[0].metadata["tags"] = ["controls"]
    with pytest.raises(ValueError, match="control 'x'"):
        controls.declared_controls(nb)


def test_targeted_and_blunt_controls(tmp_path):
    # five claims: a control killing 2 is targeted (max(2, 40 % of 5) = 2), one killing 3 blunt
    claims = "\n".join([
        "assert A == 1, 'claim: a is one'", "assert A > 0, 'claim: a is positive'",
        "assert B == 1, 'claim: b is one'", "assert B > 0, 'claim: b is positive'",
        "assert B >= 1, 'claim: b is at least one'"])
    path, out = tmp_path / "five.ipynb", tmp_path / "controls.json"
    write_notebook(path, "A = 1\nB = 1",
                   'CONTROLS = {"no_a": {"set": {"A": 0}, "kills": ["a is one"]},\n'
                   '            "no_b": {"set": {"B": 0}, "kills": ["b is one"]}}', claims)
    status = controls.main(["--notebook", str(path), "--jobs", "1", "--out", str(out)])
    report = json.loads(out.read_text())
    runs = {r["control"]: r for r in report["controls"]}
    assert runs["no_a"]["targeted"] and runs["no_a"]["share"] == 0.4
    assert not runs["no_b"]["targeted"] and runs["no_b"]["share"] == 0.6
    by = {c["claim"]: (c["killed_by"], c["killed_by_targeted"]) for c in report["claims"]}
    assert by["claim: a is one"] == (["no_a"], ["no_a"])
    assert by["claim: b is one"] == (["no_b"], [])
    assert status == 1, "claims killed by blunt controls only fail the run"


@pytest.mark.parametrize("killed, n, targeted", [(2, 2, True), (2, 3, True), (3, 5, False),
                                                (4, 10, True), (5, 10, False), (0, 0, True)])
def test_is_targeted(killed, n, targeted):
    assert controls.is_targeted(killed, n) is targeted


def test_seed_sweep_reports_every_failing_claim(tmp_path, capsys):
    # the sweep uses the controls' override mechanism: SEED reassigned after `parameters`
    from tools import seed_sweep

    tour = tmp_path / "t.py"
    tour.write_text('# %% tags=["parameters"]\nSEED = 0\n# %%\nprint("value", SEED % 3)\n'
                    'assert SEED % 3 != 2, "claim: not two"\n'
                    'assert SEED < 5, "claim: small"\n')
    assert seed_sweep.main([str(tour), "--seeds", "1", "5"]) == 1
    out = capsys.readouterr().out
    assert "seed 1: ok" in out and "| value 1" in out
    assert "seed 5: FAILED" in out and "claim: not two" in out and "claim: small" in out
    assert "1/2 seeds pass every claim" in out


def test_seed_sweep_overrides_a_parameter(tmp_path, capsys):
    from tools import seed_sweep

    tour = tmp_path / "t.py"
    tour.write_text('# %% tags=["parameters"]\nSEED = 0\nSTEPS = 10\nNAME = "a"\n# %%\n'
                    'print("steps", STEPS, NAME)\nassert STEPS < 100, "claim: few steps"\n')
    assert seed_sweep.main([str(tour), "--seeds", "1", "--set", "STEPS=400",
                            "--set", "NAME='b'"]) == 1
    out = capsys.readouterr().out
    assert "| steps 400 b" in out and "claim: few steps" in out
    with pytest.raises(SystemExit):
        seed_sweep.main([str(tour), "--set", "STEPS"])
    with pytest.raises(SystemExit):
        seed_sweep.main([str(tour), "--set", "STEPS=four hundred"])
