"""The gallery ``build/index.html``: a card per tour (first figure, cold time, checked claims),
rendered from ``tools/templates/gallery.html.j2``; it opens from disk, no server needed."""

from __future__ import annotations

import os

import jinja2

from tools.tourmeta import ROOT

BUILD = ROOT / "build"
TEMPLATES = ROOT / "tools" / "templates"


def write_gallery(rows: list[dict]) -> None:
    """build/index.html from the rows of the timing table (``run_tours``)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    page = env.get_template("gallery.html.j2").render(
        rows=rows, total=sum(r["seconds"] for r in rows), cpus=os.cpu_count())
    (BUILD / "index.html").write_text(page, encoding="utf-8")
