"""An executed tour page works offline: opened from disk in chromium with every request that is
not a file:// blocked, its formulas are typeset by the local MathJax (no raw $…$ left), a
slider's figure is shown as a static image, and the page asks for nothing off the machine.

The page is built by the project's runner (``python -m tools.run_tours --notebook``) from a small
notebook written here: math inline and displayed, a Colab badge, an ``interact`` slider."""

from __future__ import annotations

import subprocess
import sys

import nbformat

from tools.tourmeta import ROOT

MARKDOWN = r"""# 0. Offline page check

[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/OWNER/REPO/blob/main/tours/x.ipynb)

Inline math $\tau < 2/L$, and displayed:
$$E(\theta) = \frac{1}{2}\|\theta\|^2.$$"""
SLIDER = """import matplotlib.pyplot as plt
from ipywidgets import FloatSlider, interact

def show(tau):
    plt.plot([0, 1], [0, tau])
    plt.title(f"tau = {tau}")
    plt.show()

interact(show, tau=FloatSlider(min=0.0, max=1.0, value=0.5));"""


def test_tour_page_is_typeset_offline(tmp_path, open_offline):
    path = tmp_path / "offline_check.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(MARKDOWN),
                                                   nbformat.v4.new_code_cell(SLIDER)]), path)
    subprocess.run([sys.executable, "-m", "tools.run_tours", "--notebook",
                    str(path)], check=True, cwd=ROOT)
    page, off_machine = open_offline((ROOT / "build" / "offline_check.html").as_uri())
    page.wait_for_selector(".MathJax", timeout=30_000)
    page.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.Hub.queue "
                           "&& MathJax.Hub.queue.pending === 0", timeout=30_000)
    typeset = page.locator(".MathJax").count()
    text = page.locator("body").inner_text()
    images = page.locator(".jp-OutputArea-output img")
    shown = images.count() and images.first.evaluate("el => el.complete && el.naturalWidth > 0")
    page.screenshot(path=str(ROOT / "build" / "offline_page.png"), full_page=True)
    assert off_machine == [], f"the page asked for {off_machine}"
    assert typeset >= 2, "inline and displayed formulas are typeset"
    assert "$" not in text, "no raw $…$ left in the page"
    assert shown, "the slider's figure is shown as an image"
    assert "Open this tour in Colab" in text, "the Colab badge is a text link"
