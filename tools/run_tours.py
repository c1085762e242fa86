"""Execute every tour headless into build/: executed notebook, HTML page, timing table.

Usage: ``python tools/run_tours.py [NAME ...]`` (default: all tours). The sources in ``tours/``
are never written: the executed copies go to ``build/NAME.ipynb`` and ``build/NAME.html``, and
the table (tour, wall seconds, claims checked, status) to ``build/timings.json``, and a
gallery ``build/index.html`` (a card per tour: first figure, time, claims) that opens without a
server. Each tour runs in a fresh kernel whose working directory is ``build/run/`` (so a tour
may not rely on files beside it). Exit status 1 if any tour failed.
"""

from __future__ import annotations

import base64
import html
import json
import os
import platform
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
from tourmeta import ROOT, claim_texts, count_asserts, tour_sources

BUILD = ROOT / "build"


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
    page, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    (BUILD / f"{name}.html").write_text(page, encoding="utf-8")
    png = first_figure(nb)
    if png:
        (BUILD / "thumbs").mkdir(exist_ok=True)
        (BUILD / "thumbs" / f"{name}.png").write_bytes(png)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    return {"tour": name, "title": title_of(nb), "seconds": round(seconds, 1), "claims": claims,
            "claim_texts": claim_texts(code), "status": status, "error": error,
            "thumbnail": f"thumbs/{name}.png" if png else None}


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
    all_ok = all(r["status"] == "ok" for r in rows)
    # a partial run (`make tours TOURS=...`) keeps the other tours' latest rows
    previous = BUILD / "timings.json"
    if previous.exists():
        ran = {r["tour"] for r in rows}
        known = {p.stem for p in tour_sources()}
        kept = [r for r in json.loads(previous.read_text())["tours"]
                if r["tour"] not in ran and r["tour"] in known and "claim_texts" in r
                and (BUILD / f"{r['tour']}.html").exists()]
        order = [p.stem for p in tour_sources()]
        rows = sorted(rows + kept, key=lambda r: order.index(r["tour"]))
    report = {"machine": f"{platform.machine()}, {platform.python_version()}",
              "cpus": os.cpu_count(), "tours": rows,
              "total_seconds": round(sum(r["seconds"] for r in rows), 1)}
    (BUILD / "timings.json").write_text(json.dumps(report, indent=2))
    write_gallery(rows)
    print("wrote build/timings.json, build/index.html and build/<tour>.ipynb/.html")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
