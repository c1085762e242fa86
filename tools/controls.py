"""Negative controls: can every checked claim fail?

Usage::

    python -m tools.controls [NAME ...] [--jobs 2]      # tours (default all) -> build/controls.json
    python -m tools.controls --notebook PATH [...]      # any notebooks following the convention

Each tour declares, in a cell tagged ``controls``, a literal dict ``CONTROLS`` of named parameter
overrides, each removing what some claims are about (docs/CONVENTIONS.md). For every control the
tour is executed by the project's executor (``tools/executor.py``) with the overrides in a cell
inserted after the ``parameters`` cell, every cell running. Claims (``assert …, "claim: …"``) are
recorded instead of raised (an IPython AST transformer rewrites them), so every claim of a cell
is evaluated even after one fails; any other exception is a crash, recorded with its cell, and
the claims it prevented are not killed. A control kills a claim when that claim evaluated false.

A control is *targeted* when it kills at most max(2, 40 %) of its tour's claims: it removes one
mechanism and leaves the rest of the tour working. A *blunt* control (no training, another
precision) may stay, but a claim killed only by blunt ones is not shown to fail for the specific
thing it is about.

The table printed and ``build/controls.json`` give, for each claim, the controls that killed it
(``killed_by``) and the targeted ones among them (``killed_by_targeted``); for each control, what
it was declared to kill, what it did kill, the share of its tour's claims and ``targeted``. Exit
status 1 if some claim is killed by no targeted control, or a control missed a claim it was
declared to kill.
"""

from __future__ import annotations

import argparse
import ast
import json
import multiprocessing
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat

from tools.executor import execute
from tools.kernel import load_cell
from tools.kernel.claims import MARK
from tools.tourmeta import ROOT, assert_kinds, tour_sources

BUILD = ROOT / "build"
# workers start fresh (not forked: the parent may have started JAX's or BLAS's threads)
SPAWN = multiprocessing.get_context("spawn")

# Injected first: claims are recorded, not raised (tools/kernel/claims.py, loaded by path in the
# kernel); injected last: the record printed after MARK.
RECORDER = load_cell("claims", "_claims", "install")
REPORT = "_claims['report']()"


def tagged_cell(nb, tag: str) -> int | None:
    """Index of the first cell carrying ``tag``, or None."""
    return next((i for i, c in enumerate(nb.cells) if tag in c.metadata.get("tags", [])), None)


def declared_controls(nb) -> dict:
    """The tour's ``CONTROLS`` dict (from its ``controls`` cell), checked for shape."""
    i = tagged_cell(nb, "controls")
    if i is None:
        return {}
    tree = ast.parse(nb.cells[i].source)
    values = [node.value for node in tree.body if isinstance(node, ast.Assign)
              and [getattr(t, "id", None) for t in node.targets] == ["CONTROLS"]]
    if len(values) != 1:
        raise ValueError("the `controls` cell must assign one literal dict `CONTROLS`")
    controls = ast.literal_eval(values[0])
    for name, spec in controls.items():
        if not (isinstance(spec, dict) and isinstance(spec.get("set"), dict)
                and isinstance(spec.get("kills"), list)):
            raise ValueError(f"control {name!r}: expected {{'set': {{...}}, 'kills': [...]}}")
    return controls


def notebook_under_control(nb, overrides: dict):
    """A copy of ``nb`` that records its claims, with ``overrides`` after its parameters cell."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    i = tagged_cell(nb, "parameters")
    if overrides:
        if i is None:
            raise ValueError("overrides need a cell tagged `parameters`")
        lines = [f"{name} = {value!r}" for name, value in overrides.items()]
        cell = nbformat.v4.new_code_cell("\n".join(lines))
        cell.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(i + 1, cell)
    nb.cells.insert(0, nbformat.v4.new_code_cell(RECORDER))
    nb.cells.append(nbformat.v4.new_code_cell(REPORT))
    return nb


def crashes(nb) -> list[str]:
    """``"Error: message (in: first line of the cell)"`` for each cell that raised: with claims
    recorded, not raised, any error is a crash."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                found.append(f"{out['ename']}: {out['evalue']} (in: {first})"[:300])
    return found


def recorded_claims(nb) -> list[tuple[str, bool]]:
    for out in nb.cells[-1].get("outputs", []):
        text = out.get("text", "") if out.get("name") == "stdout" else ""
        if MARK in text:
            recorded = json.JSONDecoder().raw_decode(text.split(MARK, 1)[1])[0]  # first value
            return [tuple(x) for x in recorded]
    return []


def run_control(path: Path, name: str, spec: dict, timeout: int) -> dict:
    """Execute notebook ``path`` under one control: the claims it killed, and any crash."""
    nb = notebook_under_control(nbformat.read(path, as_version=4), spec["set"])
    result = execute(nb, cwd=str(BUILD / "run"), timeout=timeout, allow_errors=True)
    evaluated = recorded_claims(nb)
    killed = sorted({m for m, ok in evaluated if not ok})
    missed = [k for k in spec["kills"] if not any(k in m for m in killed)]
    return {"tour": path.stem, "control": name, "set": spec["set"], "kills": spec["kills"],
            "killed": killed, "missed": missed, "evaluated": len(evaluated),
            "crashes": crashes(nb), "status": result["status"],
            "seconds": result["seconds"]}


def is_targeted(n_killed: int, n_claims: int) -> bool:
    """A control is targeted when it kills at most max(2, 40 %) of the tour's claims."""
    return n_killed <= max(2, 0.4 * n_claims)


def identity(message: str | None) -> str:
    return re.sub(r"\s+", " ", message or "").strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="tours (tours/NAME.ipynb); default all")
    parser.add_argument("--notebook", nargs="+", type=Path, default=[])
    parser.add_argument("--jobs", "-j", type=int, default=2, help="runs at once")
    parser.add_argument("--timeout", type=int, default=180, help="per-cell timeout, seconds")
    parser.add_argument("--out", type=Path, default=BUILD / "controls.json")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    paths = args.notebook or [ROOT / "tours" / f"{n}.ipynb" for n in
                              (args.names or [p.stem for p in tour_sources()])]
    (BUILD / "run").mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    claims, sanity, jobs = [], [], []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for kind, msg, _ in assert_kinds([c.source for c in nb.cells if c.cell_type == "code"]):
            if kind == "claim":
                claims.append({"tour": path.stem, "claim": identity(msg), "killed_by": []})
            elif kind == "sanity":
                sanity.append({"tour": path.stem, "check": identity(msg)})
        for name, spec in declared_controls(nb).items():
            jobs.append((path, name, spec))
    print(f"{len(jobs)} control runs over {len(paths)} notebooks, {args.jobs} at a time",
          flush=True)
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=SPAWN) as pool:
        futures = {pool.submit(run_control, path, name, spec, args.timeout): i
                   for i, (path, name, spec) in enumerate(jobs)}
        runs = [None] * len(jobs)
        for done, future in enumerate(as_completed(futures), 1):  # progress, as runs finish
            run = runs[futures[future]] = future.result()
            print(f"  [{done}/{len(jobs)}] {run['tour']} {run['control']}: killed "
                  f"{len(run['killed'])}/{run['evaluated']} in {run['seconds']:.0f} s", flush=True)
    n_claims = {path.stem: sum(c["tour"] == path.stem for c in claims) for path in paths}
    for run in runs:
        n = n_claims[run["tour"]]
        run["share"] = round(len(run["killed"]) / n, 3) if n else 0.0
        run["targeted"] = is_targeted(len(run["killed"]), n)
        print(f"  {run['tour']:<24} {run['control']:<24} killed {len(run['killed'])}"
              f"/{run['evaluated']} claims in {run['seconds']:.0f} s"
              + ("" if run["targeted"] else " (blunt)")
              + (f", MISSED {run['missed']}" if run["missed"] else "")
              + (f", crashed: {run['crashes'][0]}" if run["crashes"] else ""), flush=True)
        for claim in claims:
            if claim["tour"] == run["tour"] and claim["claim"] in map(identity, run["killed"]):
                claim["killed_by"].append(run["control"])
    targeted = {(r["tour"], r["control"]) for r in runs if r["targeted"]}
    for claim in claims:
        claim["killed_by_targeted"] = [k for k in claim["killed_by"]
                                       if (claim["tour"], k) in targeted]
    seconds = round(time.perf_counter() - t0, 1)
    report = {"claims": claims, "sanity": sanity, "controls": runs, "seconds": seconds}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\n{'tour':<24}{'claims':>7}{'killed':>8}{'targeted':>10}{'sanity':>8}"
          f"{'controls':>10}{'blunt':>7}")
    for path in paths:
        mine = [c for c in claims if c["tour"] == path.stem]
        theirs = [r for r in runs if r["tour"] == path.stem]
        print(f"{path.stem:<24}{len(mine):>7}{sum(bool(c['killed_by']) for c in mine):>8}"
              f"{sum(bool(c['killed_by_targeted']) for c in mine):>10}"
              f"{sum(s['tour'] == path.stem for s in sanity):>8}"
              f"{len(theirs):>10}{sum(not r['targeted'] for r in theirs):>7}")
    blunt = [r for r in runs if not r["targeted"]]
    if blunt:
        print("blunt controls (kill more than max(2, 40 %) of their tour's claims): "
              + ", ".join(f"{r['tour']}:{r['control']} {len(r['killed'])}/{n_claims[r['tour']]}"
                          for r in blunt))
    for c in claims:
        if not c["killed_by"]:
            print(f"SURVIVES every control: {c['tour']}: {c['claim']}")
        elif not c["killed_by_targeted"]:
            print(f"killed by blunt controls only: {c['tour']}: {c['claim']} "
                  f"<- {', '.join(c['killed_by'])}")
    missed = [r for r in runs if r["missed"]]
    n_targeted = sum(bool(c["killed_by_targeted"]) for c in claims)
    print(f"{sum(bool(c['killed_by']) for c in claims)}/{len(claims)} claims killed by a control, "
          f"{n_targeted}/{len(claims)} by a targeted one; {len(sanity)} sanity checks; "
          f"{seconds:.0f} s; wrote {args.out}")
    return 1 if n_targeted < len(claims) or missed else 0

if __name__ == "__main__":
    sys.exit(main())
