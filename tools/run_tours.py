"""Execute the tours (or any notebooks) headless into build/: executed notebook, offline HTML page,
timing table, gallery.

Usage::

    python -m tools.run_tours [NAME ...] [--jobs N] [--timeout S]   # tours/NAME.ipynb, default all
    python -m tools.run_tours --notebook PATH [PATH ...]            # any notebooks

Every notebook runs in a fresh kernel through the project's executor (``tools/executor.py``),
working directory ``build/run/``. The sources are never written: the executed copy goes to
``build/NAME.ipynb`` (with nbclient's cell timing metadata) and a page to ``build/NAME.html`` that
works offline (MathJax from a local copy, widget views shown as their last output, no CDN).
The table (name, seconds, claims, largest gap between two cells, status) is printed and, for
tours, written to ``build/timings.json`` with a gallery ``build/index.html``.

A notebook fails (exit status 1) if a cell raises, if a cell runs past the per-cell timeout
(default 120 s), or if some cell started more than 10 s after the previous one replied (status
STALLED: the executor was waiting, not the notebook).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from tools.executor import execute
from tools.gallery import write_gallery
from tools.kernel import load_cell
from tools.kernel.cell_profile import MARK as PROFILE_MARK
from tools.kernel.claims import VALUES_MARK
from tools.pages import first_figure, local_mathjax, offline_page, title_of
from tools.tourmeta import ROOT, assert_kinds, tour_sources

BUILD = ROOT / "build"
# workers start fresh (not forked: the parent may have started JAX's or BLAS's threads)
SPAWN = multiprocessing.get_context("spawn")

# --profile: a first cell (removed from the saved copy) that loads tools/kernel/cell_profile.py
# by path in the kernel and times each cell; a last one prints the report after PROFILE_MARK.
PROFILER = load_cell("cell_profile", "_profile", "install")
PROFILE_REPORT = "_profile['report']()"
# Always: a first cell that records the operands of every claim's comparison (the asserts still
# raise; tools/kernel/claims.py), and a last one that prints them after VALUES_MARK. The site's
# claims tables show them. Both cells are removed from the saved copy.
VALUES = load_cell("claims", "_claims", "install_values")
VALUES_REPORT = "_claims['report_values']()"


def claim_values(nb) -> dict[str, list[list]]:
    """The claims' operands printed by the last cell (:data:`VALUES_REPORT`), {} if absent."""
    for out in nb.cells[-1].get("outputs", []):
        text = out.get("text", "") if out.get("name") == "stdout" else ""
        if VALUES_MARK in text:
            return json.JSONDecoder().raw_decode(text.rsplit(VALUES_MARK, 1)[1])[0]
    return {}


def breakdown(nb, seconds: float) -> dict:
    """Split a profiled run's ``seconds``: kernel start and the cells before the ``parameters``
    cell (Colab cell, imports), JAX/numba compilation, figure rendering, and the rest (compute)."""
    report = nb.cells[-1].get("outputs", [])
    # stdout only: a warning on stderr may quote the report cell's source, mark included
    text = next((o.get("text", "") for o in report if o.get("name") == "stdout"
                 and PROFILE_MARK in o.get("text", "")), "")
    # the report is one line; the stream may carry other text after it
    cells = (json.JSONDecoder().raw_decode(text.rsplit(PROFILE_MARK, 1)[1])[0]  # first value
             if text else [])
    code = [c for c in nb.cells[1:-1] if c.cell_type == "code"]
    first = next((i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])),
                 0)
    wall = [c[0] for c in cells[1:]]  # cells[0] is the profiler cell itself
    setup = seconds - sum(wall) + sum(wall[:first])
    compile_s = sum(c[1] for c in cells[first + 1:])
    plot_s = sum(c[2] for c in cells[first + 1:])
    return {"start_imports": round(setup, 1), "compile": round(compile_s, 1),
            "plot": round(plot_s, 1),
            "compute": round(seconds - setup - compile_s - plot_s, 1)}


def run_notebook(path: Path, timeout: int = 120, profile: bool = False) -> dict:
    """Execute notebook ``path`` into build/: the row of the timing table. With ``profile``,
    the row also splits the time (:func:`breakdown`)."""
    nb = nbformat.read(path, as_version=4)
    name = path.stem
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    kinds = assert_kinds(code)
    workdir = BUILD / "run"
    workdir.mkdir(parents=True, exist_ok=True)
    first, last = [VALUES], [VALUES_REPORT]
    if profile:  # the profiler's report is printed last: breakdown() reads the last value
        first, last = [PROFILER, *first], [*last, PROFILE_REPORT]
    nb.cells.insert(0, nbformat.v4.new_code_cell("\n".join(first)))
    nb.cells.append(nbformat.v4.new_code_cell("\n".join(last)))
    result = execute(nb, cwd=str(workdir), timeout=timeout)
    try:
        split = breakdown(nb, result["seconds"]) if profile else None
    except (TypeError, ValueError, IndexError) as exc:  # a report we could not read
        split = {"error": f"{type(exc).__name__}: {exc}"[:200]}
    values = claim_values(nb)
    nb.cells = nb.cells[1:-1]
    nbformat.write(nb, BUILD / f"{name}.ipynb")
    (BUILD / f"{name}.html").write_text(offline_page(nb), encoding="utf-8")
    png = first_figure(nb)
    if png:
        (BUILD / "thumbs").mkdir(exist_ok=True)
        (BUILD / "thumbs" / f"{name}.png").write_bytes(png)
    return {"tour": name, "title": title_of(nb), "seconds": round(result["seconds"], 1),
            "claims": sum(k == "claim" for k, _, _ in kinds),
            "sanity": sum(k == "sanity" for k, _, _ in kinds),
            "claim_texts": [src for k, _, src in kinds if k == "claim"],
            "claim_values": values,
            "max_gap": result["max_gap"], "max_gap_cell": result["max_gap_cell"],
            "status": result["status"], "error": result["error"],
            "thumbnail": f"thumbs/{name}.png" if png else None,
            **({"breakdown": split} if split else {})}


def print_row(row: dict) -> None:
    print(f"{row['tour']:<28}{row['seconds']:>9.1f}{row['claims']:>8}{row['max_gap']:>9.2f}  "
          f"{row['status']}", flush=True)
    if row["error"]:
        print(f"    {row['error']}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="tours to run (tours/NAME.ipynb); default all")
    parser.add_argument("--notebook", nargs="+", type=Path, default=[],
                        help="run these notebooks instead (any path)")
    parser.add_argument("--jobs", "-j", type=int, default=1, help="notebooks run at once")
    parser.add_argument("--timeout", type=int, default=120, help="per-cell timeout, seconds")
    parser.add_argument("--profile", action="store_true",
                        help="split each time: start+imports, compilation, plotting, compute")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if args.notebook and args.names:
        parser.error("give tour names or --notebook paths, not both")
    paths = args.notebook or [ROOT / "tours" / f"{n}.ipynb" for n in
                              (args.names or [p.stem for p in tour_sources()])]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    BUILD.mkdir(exist_ok=True)
    local_mathjax()
    print(f"{'notebook':<28}{'seconds':>9}{'claims':>8}{'max gap':>9}  status", flush=True)
    rows = []
    t0 = time.perf_counter()
    if args.jobs == 1:
        for path in paths:
            rows.append(run_notebook(path, args.timeout, args.profile))
            print_row(rows[-1])
    else:
        with ProcessPoolExecutor(max_workers=args.jobs, mp_context=SPAWN) as pool:
            for row in pool.map(run_notebook, paths, [args.timeout] * len(paths),
                                [args.profile] * len(paths)):
                rows.append(row)
                print_row(row)
    wall = time.perf_counter() - t0
    total = sum(r["seconds"] for r in rows)
    print(f"{'total':<28}{total:>9.1f}{sum(r['claims'] for r in rows):>8}"
          f"{max(r['max_gap'] for r in rows):>9.2f}   (wall {wall:.1f} s, {args.jobs} at a time)")
    all_ok = all(r["status"] == "ok" for r in rows)
    if not args.notebook:
        write_timings(rows, wall, args.jobs)
    print("wrote build/<name>.ipynb and .html" +
          ("" if args.notebook else ", build/timings.json and build/index.html"))
    return 0 if all_ok else 1


def write_timings(rows: list[dict], wall: float, jobs: int) -> None:
    """build/timings.json and the gallery; a partial run keeps the other tours' latest rows."""
    previous = BUILD / "timings.json"
    if previous.exists():
        ran = {r["tour"] for r in rows}
        known = {p.stem for p in tour_sources()}
        kept = [r for r in json.loads(previous.read_text())["tours"]
                if r["tour"] not in ran and r["tour"] in known and "max_gap" in r
                and (BUILD / f"{r['tour']}.html").exists()]
        order = [p.stem for p in tour_sources()]
        rows = sorted(rows + kept, key=lambda r: order.index(r["tour"]))
    report = {"machine": f"{platform.machine()}, {platform.python_version()}",
              "cpus": os.cpu_count(), "tours": rows,
              "total_seconds": round(sum(r["seconds"] for r in rows), 1),
              "wall_seconds": round(wall, 1), "jobs": jobs,
              "max_gap": max(r["max_gap"] for r in rows)}
    (BUILD / "timings.json").write_text(json.dumps(report, indent=2))
    write_gallery(rows)


if __name__ == "__main__":
    sys.exit(main())
