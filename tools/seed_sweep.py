"""Run a tour under several PRNG seeds: do its claims hold for every key?

Usage: ``python -m tools.seed_sweep tours/02_erm.py [--seeds 0 1 2 3 4] [--jobs 2]
[--set N_STEPS=400]``; without ``--seeds``, the project's sweep: seeds 0-9 and ten seeds
drawn once at random below 10**6 (``SWEEP``). The tour (its ``.py`` or its ``.ipynb``) is run
the way ``make controls`` runs it, by the one override mechanism of the project: a cell
``SEED = <seed>`` inserted after the ``parameters`` cell, every cell executed by the tours'
executor, every claim recorded (so a run reports *all* the claims that failed, not only the
first). ``--set NAME=VALUE`` (a Python literal) overrides a parameter in the same cell, to try
a new default over the sweep before writing it into the tour. Use it while writing a claim, to
set a threshold with the margin every seed leaves, never one that a lucky key happens to pass.
"""

from __future__ import annotations

import argparse
import ast
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import jupytext

from tools.controls import BUILD, SPAWN, crashes, notebook_under_control, recorded_claims
from tools.executor import execute

# The sweep every claim's threshold is set from: seeds 0-9, and ten seeds drawn once at random
# below 10**6 (random.SystemRandom, 2026-12-05), so that a threshold is not tuned to small keys.
SWEEP = [*range(10), 67035, 98219, 185953, 205363, 263829, 623005, 642508, 721726, 966788, 977208]


def run_seed(path: Path, seed: int, timeout: int, overrides: dict | None = None) -> dict:
    """Execute the tour at ``path`` with ``SEED = seed`` (and the parameters ``overrides``):
    the claims that failed, any crash."""
    nb = notebook_under_control(jupytext.read(path), {**(overrides or {}), "SEED": seed})
    result = execute(nb, cwd=str(BUILD / "run"), timeout=timeout, allow_errors=True)
    claims = recorded_claims(nb)
    printed = "".join(out.get("text", "") for cell in nb.cells[1:-1]
                      for out in cell.get("outputs", []) if out.get("name") == "stdout")
    return {"seed": seed, "seconds": result["seconds"], "evaluated": len(claims),
            "failed": [m for m, ok in claims if not ok], "crashes": crashes(nb),
            "printed": printed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tour", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=SWEEP)
    parser.add_argument("--jobs", "-j", type=int, default=1, help="runs at once")
    parser.add_argument("--quiet", "-q", action="store_true", help="do not echo what it printed")
    parser.add_argument("--timeout", type=int, default=180, help="per-cell timeout, seconds")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="NAME=VALUE", help="override a parameter (a Python literal)")
    args = parser.parse_args(argv)
    overrides = {}
    for item in args.overrides:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            parser.error(f"--set takes NAME=VALUE, got {item!r}")
        try:
            overrides[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parser.error(f"--set {name}: {value!r} is not a Python literal")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if not args.tour.exists():
        parser.error(f"no such tour: {args.tour}")
    (BUILD / "run").mkdir(parents=True, exist_ok=True)
    failures = 0
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=SPAWN) as pool:
        futures = [pool.submit(run_seed, args.tour, s, args.timeout, overrides) for s in args.seeds]
        for future in futures:
            run = future.result()
            bad = run["failed"] or run["crashes"] or not run["evaluated"]
            failures += bool(bad)
            print(f"seed {run['seed']}: {'FAILED' if bad else 'ok'} ({run['seconds']:.1f} s, "
                  f"{run['evaluated']} claims)", flush=True)
            for line in run["failed"] + run["crashes"]:
                print(f"    {line}", flush=True)
            if not args.quiet and run["printed"].strip():
                print("    | " + run["printed"].strip().replace("\n", "\n    | "), flush=True)
    print(f"{len(args.seeds) - failures}/{len(args.seeds)} seeds pass every claim")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
