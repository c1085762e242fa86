"""Execute the tours (or any notebooks) headless into build/: executed notebook, offline HTML page,
timing table, gallery.

Usage::

    python tools/run_tours.py [NAME ...] [--jobs N] [--timeout S]   # tours/NAME.ipynb, default all
    python tools/run_tours.py --notebook PATH [PATH ...]            # any notebooks

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
import base64
import copy
import html
import json
import multiprocessing
import os
import platform
import re
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.executor import execute  # noqa: E402
from tools.tourmeta import ROOT, assert_kinds, tour_sources  # noqa: E402

BUILD = ROOT / "build"
# workers start fresh (not forked: the parent may have started JAX's or BLAS's threads)
SPAWN = multiprocessing.get_context("spawn")
MATHJAX_URL = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
TEMPLATES = Path(__file__).resolve().parent / "templates"
BADGE_RE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\(([^)]*)\)")
PROFILE_MARK = "__AITOURS_PROFILE__"

# --profile: a first cell (removed from the saved copy) that times, per cell, JAX's compilation
# (tracing, lowering, XLA compile, persistent-cache reads: jax.monitoring events), numba's
# compilation (its compile events) and figure rendering (the inline backend's print_figure).
PROFILER = r"""
import json as _json, sys as _sys, time as _time
_PROF = {"compile": 0.0, "plot": 0.0, "cells": []}
_COMPILE_EVENTS = ("/jax/core/compile/", "/jax/compilation_cache/cache_retrieval")


def _on_jax_event(event, duration, **kwargs):
    if event.startswith(_COMPILE_EVENTS):
        _PROF["compile"] += duration


import jax.monitoring as _monitoring
from matplotlib.backend_bases import FigureCanvasBase as _Canvas

_monitoring.register_event_duration_secs_listener(_on_jax_event)
_print_figure = _Canvas.print_figure


def _timed_print_figure(self, *args, **kwargs):
    t0 = _time.perf_counter()
    try:
        return _print_figure(self, *args, **kwargs)
    finally:
        _PROF["plot"] += _time.perf_counter() - t0


_Canvas.print_figure = _timed_print_figure


def _numba_listener():
    from numba.core import event

    class Listener(event.Listener):  # numba's compile events nest: time the outermost
        depth, t0 = 0, 0.0

        def on_start(self, event):
            self.depth += 1
            if self.depth == 1:
                self.t0 = _time.perf_counter()

        def on_end(self, event):
            self.depth -= 1
            if self.depth == 0:
                _PROF["compile"] += _time.perf_counter() - self.t0

    event.register("numba:compile", Listener())


def _pre(info):
    if "numba" in _sys.modules and not _PROF.get("numba"):
        _PROF["numba"] = True
        _numba_listener()
    _PROF["_t"], _PROF["_c"], _PROF["_p"] = _time.perf_counter(), _PROF["compile"], _PROF["plot"]


def _post(result):
    _PROF["cells"].append([_time.perf_counter() - _PROF["_t"], _PROF["compile"] - _PROF["_c"],
                           _PROF["plot"] - _PROF["_p"]])


get_ipython().events.register("pre_run_cell", _pre)
get_ipython().events.register("post_run_cell", _post)
"""
PROFILE_REPORT = f'print("{PROFILE_MARK}" + _json.dumps(_PROF["cells"]))'


def first_figure(nb) -> bytes | None:
    """The PNG bytes of the first figure a notebook produced, if any."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png:
                return base64.b64decode(png)
    return None


def title_of(nb) -> str:
    first = nb.cells[0].source.splitlines()[0] if nb.cells else ""
    return first.lstrip("# ").strip()


def local_mathjax() -> None:
    """Copy MathJax 2.7 (shipped by the pinned package jupyter-server-mathjax) to build/mathjax."""
    target = BUILD / "mathjax"
    if not (target / "MathJax.js").exists():
        import jupyter_server_mathjax

        shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", target,
                        dirs_exist_ok=True)


def widget_outputs(state: dict, model_id: str) -> list:
    """The outputs held by the Output widgets inside widget ``model_id`` (children included)."""
    model = state.get(model_id, {}).get("state", {})
    outputs = list(model.get("outputs", []))
    for child in model.get("children", []):
        outputs += widget_outputs(state, str(child).removeprefix("IPY_MODEL_"))
    return outputs


def static_copy(nb):
    """A copy of an executed notebook for a page without JavaScript: each widget view replaced
    by the last outputs of its Output widgets (a slider's figure at its final value), the widget
    state dropped, the Colab badge image made a text link."""
    nb = copy.deepcopy(nb)
    state = nb.metadata.pop("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = BADGE_RE.sub(r"[Open this tour in Colab](\1)", cell.source)
        outputs = []
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view is None:
                outputs.append(out)
                continue
            shown = widget_outputs(state, view["model_id"])
            outputs += shown or [nbformat.v4.new_output(
                "display_data", data={"text/plain": "(interactive widget: run the notebook)"})]
        if cell.cell_type == "code":
            cell.outputs = outputs
    return nb


def offline_page(nb) -> str:
    exporter = HTMLExporter(template_name="offline", extra_template_basedirs=[str(TEMPLATES)],
                            mathjax_url=MATHJAX_URL)
    page, _ = exporter.from_notebook_node(static_copy(nb))
    return page


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
    if profile:
        nb.cells.insert(0, nbformat.v4.new_code_cell(PROFILER))
        nb.cells.append(nbformat.v4.new_code_cell(PROFILE_REPORT))
    result = execute(nb, cwd=str(workdir), timeout=timeout)
    try:
        split = breakdown(nb, result["seconds"]) if profile else None
    except (TypeError, ValueError, IndexError) as exc:  # a report we could not read
        split = {"error": f"{type(exc).__name__}: {exc}"[:200]}
    if profile:
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
            "max_gap": result["max_gap"], "max_gap_cell": result["max_gap_cell"],
            "status": result["status"], "error": result["error"],
            "thumbnail": f"thumbs/{name}.png" if png else None,
            **({"breakdown": split} if split else {})}


def write_gallery(rows: list[dict]) -> None:
    """build/index.html: a card per tour (thumbnail, time, claims), opens without a server."""
    cards = []
    for r in rows:
        thumb = (f'<img src="{r["thumbnail"]}" alt="first figure of {html.escape(r["title"])}">'
                 if r["thumbnail"] else '<div class="nofig">no figure</div>')
        claims = "".join(f"<li><code>{html.escape(c)}</code></li>" for c in r["claim_texts"])
        badge = "ok" if r["status"] == "ok" else "failed"
        cards.append(f"""<article class="card">
  <a href="{r['tour']}.html">{thumb}</a>
  <h2><a href="{r['tour']}.html">{html.escape(r['title'])}</a></h2>
  <p class="meta"><span class="{badge}">{r['status']}</span> · {r['seconds']:.1f} s cold ·
     {r['claims']} checked claims · <a href="{r['tour']}.ipynb">notebook</a></p>
  <details><summary>checked claims</summary><ul>{claims}</ul></details>
</article>""")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Mathematics of AI — numerical tours</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr));
         gap: 1.2rem; }}
.card {{ border: 1px solid #ddd; border-radius: 8px; padding: .8rem; }}
.card img {{ width: 100%; height: 220px; object-fit: contain; background: #fafafa; }}
.card h2 {{ font-size: 1.05rem; margin: .5rem 0 .2rem; }}
.meta {{ color: #555; font-size: .9rem; margin: 0 0 .4rem; }}
.ok {{ color: #1a7f37; font-weight: 600; }} .failed {{ color: #c62828; font-weight: 600; }}
code {{ font-size: .78rem; }} li {{ margin: .15rem 0; }}
.nofig {{ height: 220px; display: grid; place-items: center; background: #f3f3f3; }}
</style></head><body>
<h1>Mathematics of AI — numerical tours</h1>
<p>Each tour executed headless, cold (fresh kernel, JIT included). Total
{sum(r['seconds'] for r in rows):.0f} s on {os.cpu_count()} CPU cores.
Click a figure to read the executed tour.</p>
<div class="grid">
{chr(10).join(cards)}
</div></body></html>
"""
    (BUILD / "index.html").write_text(page, encoding="utf-8")


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
