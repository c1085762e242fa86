"""Offline pages of executed notebooks: MathJax from a local copy, widget views shown as their
last output, no CDN (``build/NAME.html``), and what the gallery takes from a notebook."""

from __future__ import annotations

import base64
import copy
import re
import shutil
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from tools.tourmeta import ROOT

BUILD = ROOT / "build"
MATHJAX_URL = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
TEMPLATES = Path(__file__).resolve().parent / "templates"
BADGE_RE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\(([^)]*)\)")
BINDER_RE = re.compile(r"\[!\[Launch Binder\]\([^)]*\)\]\(([^)]*)\)")


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
            cell.source = BINDER_RE.sub(r"[or in Binder](\1)", cell.source)
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
