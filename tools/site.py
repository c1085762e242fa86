"""The tours as a book: a static, searchable site in ``build/site/`` from the notebooks that
``make tours`` executed (``build/NN_name.ipynb``).

Usage: ``python -m tools.site`` (``make site``), after ``make tours``. Sphinx with myst-nb and
sphinx-book-theme renders the executed notebooks as they are (``nb_execution_mode = "off"``:
``make tours`` stays the only executor), with a sidebar of the tours, a table of contents per
page, search, launch buttons (Colab, Binder) and a download button per page. It works offline,
from disk: MathJax is the local copy, widget views are their last output, no CDN.

What the build adds to each page: a line with the tour's prerequisites (links), tags and the
talk's section (``tours/catalogue.toml``); links for every "tour N" in the text; and, at the
end, the tour's checked claims: each claim, the condition its ``assert`` checks, and the
negative controls that killed it in the last ``make controls`` (``build/controls.json``; the
targeted ones in bold). The landing page is the gallery: a card per tour with its first figure,
cold time (``build/timings.json``) and number of checked claims.
"""

from __future__ import annotations

import argparse
import ast
import html
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from tools import catalogue
from tools.pages import first_figure, static_copy
from tools.tourmeta import ROOT, assert_kinds, repo_url

BUILD = ROOT / "build"
TEMPLATE = ROOT / "tools" / "templates" / "site"
TOUR_REF = re.compile(r"(?<![\[\w/])([Tt]ours?) (\d{1,2})\b(?!\]|\()")


def link_tours(text: str, stems: dict[int, str], own: int) -> str:
    """Markdown ``text`` with each "tour N" (N another existing tour) made a link to its page;
    code spans and existing links are left alone."""
    parts = re.split(r"(`[^`]*`)", text)

    def link(m: re.Match) -> str:
        n = int(m.group(2))
        if n == own or n not in stems:
            return m.group(0)
        return f"[{m.group(1)} {n}]({stems[n]}.ipynb)"

    return "".join(p if p.startswith("`") else TOUR_REF.sub(link, p) for p in parts)


def display_math_paragraphs(text: str) -> str:
    """Markdown ``text`` with each ``$$ … $$`` display on a paragraph of its own: Jupyter renders
    a display inside a paragraph, myst-parser reads it there as a ``$`` and inline math."""
    out, inside = [], False
    for line in text.split("\n"):
        opens = not inside and line.lstrip().startswith("$$")
        if opens and out and out[-1].strip():
            out.append("")
        out.append(line)
        if opens:
            inside = True
            if line.rstrip().endswith("$$") and len(line.strip()) > 2:
                inside = False
                out.append("")
        elif inside and line.rstrip().endswith("$$"):
            inside = False
            out.append("")
    return "\n".join(out)


OPS = {ast.Lt: "<", ast.LtE: "≤", ast.Gt: ">", ast.GtE: "≥", ast.Eq: "=", ast.NotEq: "≠",
       ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}


def measured(test: str, runs: list[list]) -> str:
    """The numbers a claim compared in this run, ``test`` written with its operands' values
    (``3.2e-09 < 1e-06``); one entry per evaluation (a claim in a loop), at most four."""
    if not runs:
        return "—"
    try:
        tree = ast.parse(test, mode="eval").body
    except SyntaxError:
        tree = None
    ops = [OPS.get(type(o), "?") for o in tree.ops] if isinstance(tree, ast.Compare) else []
    fmt = (lambda v: f"{v:.3g}" if isinstance(v, float) and not isinstance(v, bool) else str(v))
    shown = []
    for run in runs[:4]:
        parts = [fmt(run[0])]
        for op, v in zip(ops, run[1:], strict=False):
            parts += [op, fmt(v)]
        shown.append(" ".join(parts))
    return "; ".join(shown) + (f"; … ({len(runs)} in all)" if len(runs) > 4 else "")


def claims_table(nb, controls: dict[str, dict], values: dict[str, list] | None = None) -> str:
    """Markdown: the tour's claims, the condition each asserts, the values it compared when
    ``make tours`` ran it (``values``: timings.json's ``claim_values``), the controls that
    killed it."""
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    values = values or {}
    rows = ["| claim | checked as | measured | killed by (targeted in bold) |",
            "|---|---|---|---|"]
    for kind, msg, src in assert_kinds(code):
        if kind != "claim":
            continue
        claim = re.sub(r"\s+", " ", msg).strip().removeprefix("claim:").strip()
        test = re.sub(r"\s+", " ", src.split("assert", 1)[-1].rsplit(",", 1)[0]).strip()
        entry = controls.get(re.sub(r"\s+", " ", msg).strip(), {})
        targeted = set(entry.get("killed_by_targeted", []))
        killed = ", ".join(f"**{k}**" if k in targeted else k
                           for k in entry.get("killed_by", [])) or "—"
        cell = (lambda s: s.replace("|", "\\|"))
        value = measured(test, values.get(msg, []))
        rows.append(f"| {cell(claim)} | `{cell(test)}` | {cell(value)} | {killed} |")
    if len(rows) == 2:
        return ""
    note = ("" if controls else "\n\n*(No `build/controls.json`: run `make controls` to see "
            "which negative controls kill each claim.)*")
    return "## Checked claims\n\n" + "\n".join(rows) + note


def tour_page(stem: str, nb, entry: dict, stems: dict[int, str], controls: dict,
              values: dict | None = None) -> object:
    """The executed notebook as the site shows it (see the module docstring)."""
    nb = static_copy(nb)
    own = int(stem[:2])
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = display_math_paragraphs(link_tours(cell.source, stems, own))
    prereq = ", ".join(f"[tour {p}]({stems[p]}.ipynb)" for p in entry["prerequisites"]
                       if p in stems) or "none"
    about = (f"*Prerequisites:* {prereq} · *Tags:* {', '.join(entry['tags'])} · "
             f"*Talk section:* {entry['slide']}")
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(about))
    table = claims_table(nb, controls, values)
    if table:
        nb.cells.append(nbformat.v4.new_markdown_cell(table))
    return nb


def landing_page(entries: dict, built: list[str], timings: dict) -> str:
    cards = []
    for stem in built:
        e, row = entries[stem], timings.get(stem, {})
        seconds = f"{row['seconds']:.1f} s cold · " if "seconds" in row else ""
        claims = f"{row['claims']} checked claims" if "claims" in row else ""
        title = html.escape(e["title"])
        img = (f'<img src="_static/thumbs/{stem}.png" alt="first figure of {title}">'
               if (BUILD / "site-src" / "_static" / "thumbs" / f"{stem}.png").exists() else "")
        cards.append(f'<div class="tour-card"><a href="{stem}.html">{img}</a>'
                     f'<h3><a href="{stem}.html">{int(stem[:2])}. {title}</a></h3>'
                     f"<p>{html.escape(e['summary'])}</p>"
                     f'<p class="tags">{seconds}{claims} · {html.escape(", ".join(e["tags"]))}</p>'
                     "</div>")
    toc = "\n".join(built)
    return f"""# Mathematics of AI — numerical tours

Executable notebooks that follow the talk *Les mathématiques de l'intelligence artificielle*
(G. Peyré), one tour per section: a little math, a small code cell, a figure, and a **checked
claim**, an `assert` on a number the tour computed. Every page below was executed headless,
cold, on a CPU; open any of them in Colab or Binder with the buttons at the top of its page.

```{{raw}} html
<div class="tour-grid">
{chr(10).join(cards)}
</div>
```

```{{toctree}}
:hidden:
:maxdepth: 1

{toc}
```
"""


def build(out: Path = BUILD / "site", quiet: bool = True) -> dict:
    """Write ``build/site-src`` and run Sphinx into ``out``; returns what was built."""
    entries = catalogue.load()
    built = [s for s in entries if (BUILD / f"{s}.ipynb").exists()]
    stems = {int(s[:2]): s for s in built}  # links only to pages that exist
    if not built:
        raise SystemExit("no executed tour in build/: run `make tours` first")
    timings = {}
    if (BUILD / "timings.json").exists():
        timings = {r["tour"]: r for r in json.loads((BUILD / "timings.json").read_text())["tours"]}
    controls = {}
    if (BUILD / "controls.json").exists():
        for c in json.loads((BUILD / "controls.json").read_text())["claims"]:
            controls.setdefault(c["tour"], {})[c["claim"]] = c
    src = BUILD / "site-src"
    shutil.rmtree(src, ignore_errors=True)
    (src / "_static" / "thumbs").mkdir(parents=True)
    shutil.copy(TEMPLATE / "conf.py", src / "conf.py")
    shutil.copy(TEMPLATE / "gallery.css", src / "_static" / "gallery.css")
    (src / "site.json").write_text(json.dumps({"repository": repo_url(), "tours": built}))
    import jupyter_server_mathjax

    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static",
                    src / "_static" / "mathjax")
    for stem in built:
        nb = nbformat.read(BUILD / f"{stem}.ipynb", as_version=4)
        png = first_figure(nb)
        if png:
            (src / "_static" / "thumbs" / f"{stem}.png").write_bytes(png)
        page = tour_page(stem, nb, entries[stem], stems, controls.get(stem, {}),
                         timings.get(stem, {}).get("claim_values"))
        nbformat.write(page, src / f"{stem}.ipynb")
    (src / "index.md").write_text(landing_page(entries, built, timings))
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", *(["-q"] if quiet else []),
                    str(src), str(out)], check=True)
    return {"tours": built, "missing": [s for s in entries if s not in built],
            "seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=BUILD / "site")
    parser.add_argument("--verbose", action="store_true", help="Sphinx's full output")
    args = parser.parse_args(argv)
    report = build(args.out, quiet=not args.verbose)
    print(f"site: {len(report['tours'])} tours in {report['seconds']:.1f} s -> "
          f"{args.out / 'index.html'}")
    if report["missing"]:
        print(f"not executed yet (run `make tours`): {', '.join(report['missing'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
