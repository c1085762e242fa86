"""Execute every tour headless into build/: executed notebook, HTML page, timing table.

Usage: ``python tools/run_tours.py [NAME ...]`` (default: all tours). The sources in ``tours/``
are never written: the executed copies go to ``build/NAME.ipynb`` and ``build/NAME.html``, and
the table (tour, wall seconds, claims checked, status) to ``build/timings.json``. Each tour runs
in a fresh kernel whose working directory is ``build/run/`` (so a tour may not rely on files
beside it). Exit status 1 if any tour failed.
"""

from __future__ import annotations

import json
import platform
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
from tourmeta import ROOT, count_asserts, tour_sources

BUILD = ROOT / "build"


def run_one(name: str, timeout: int = 600) -> dict:
    nb = nbformat.read(ROOT / "tours" / f"{name}.ipynb", as_version=4)
    claims = count_asserts([c.source for c in nb.cells if c.cell_type == "code"])
    workdir = BUILD / "run"
    workdir.mkdir(parents=True, exist_ok=True)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    status, error = "ok", None
    t0 = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        status = "FAILED"
        error = str(exc).strip().splitlines()[-1][:300]
    seconds = time.perf_counter() - t0
    nbformat.write(nb, BUILD / f"{name}.ipynb")
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    (BUILD / f"{name}.html").write_text(html, encoding="utf-8")
    return {"tour": name, "seconds": round(seconds, 1), "claims": claims, "status": status,
            "error": error}


def main(names: list[str]) -> int:
    BUILD.mkdir(exist_ok=True)
    names = names or [p.stem for p in tour_sources()]
    rows = []
    print(f"{'tour':<28}{'seconds':>9}{'claims':>8}  status", flush=True)
    for name in names:
        row = run_one(name)
        rows.append(row)
        print(f"{row['tour']:<28}{row['seconds']:>9.1f}{row['claims']:>8}  {row['status']}",
              flush=True)
        if row["error"]:
            print(f"    {row['error']}", flush=True)
    total = sum(r["seconds"] for r in rows)
    print(f"{'total':<28}{total:>9.1f}{sum(r['claims'] for r in rows):>8}")
    report = {"machine": f"{platform.machine()}, {platform.python_version()}",
              "cpus": __import__("os").cpu_count(), "tours": rows,
              "total_seconds": round(total, 1)}
    (BUILD / "timings.json").write_text(json.dumps(report, indent=2))
    print(f"wrote {BUILD / 'timings.json'} and build/<tour>.ipynb/.html")
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
