"""The site (`make site`) opened from disk in chromium with every request outside file://
blocked: each page typesets its formulas, no request leaves the machine, and search finds
"Barron" on tour 6. Screenshots of the landing page and of a tour page: build/site_*.png (the
ones in docs/ were taken so)."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import pytest

from tools.tourmeta import ROOT

# skip before the module's fixture executes two tours
pytestmark = pytest.mark.skipif(not pathlib.Path("/usr/bin/chromium").exists(),
                                reason="needs Debian's chromium (make e2e installs it)")
TOURS = ["03_gd_sgd", "06_perceptrons"]  # a slider tour, and the tour search must find


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    subprocess.run([sys.executable, "-m", "tools.run_tours", *TOURS], check=True, cwd=ROOT)
    out = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "tools.site", "--out", str(out)], check=True, cwd=ROOT)
    return out


def test_site_offline_typeset_and_searchable(site, open_offline):
    typeset = {}
    for name in TOURS:
        page, off = open_offline((site / f"{name}.html").as_uri())
        # MathJax 2 turns each formula (span/div.math) into a math/tex script and its render
        page.wait_for_function(
            """() => { const m = [...document.querySelectorAll('article .math')];
                return m.length > 0 && m.every(e => e.querySelector('script[type^="math/tex"]')
                    && e.querySelector('.MathJax, .MathJax_Display, .MathJax_SVG')); }""",
            timeout=120_000)
        typeset[name] = page.locator("article .math").count()
        # a TeX error is typeset too, as MathJax's noErrors/merror box: none may be left
        errors = page.locator("article .noError, article .merror").count()
        assert errors == 0, f"{name}: {errors} formulas typeset as TeX errors"
        text = page.locator("article").inner_text()
        prose = page.evaluate("""() => { const a = document.querySelector('article')
            .cloneNode(true); a.querySelectorAll('pre, code, .cell_output')
            .forEach(e => e.remove()); return a.innerText; }""")
        assert off == [], f"{name} asked for {off}"
        raw = re.search(r"\$[^$\s][^$]*\$", prose)
        assert not raw, f"{name}: raw formula left in the prose: {raw}"
        assert "Checked claims" in text and "Prerequisites" in text
        assert page.locator("article img").count() >= 1, f"{name}: no figure shown"
        if name == "06_perceptrons":
            page.screenshot(path=str(ROOT / "build" / "site_tour.png"))
        page.close()
    print("formulas typeset per page:", typeset)
    assert all(n >= 5 for n in typeset.values()), typeset

    page, off = open_offline((site / "index.html").as_uri())
    cards = page.locator(".tour-card").count()
    page.screenshot(path=str(ROOT / "build" / "site_landing.png"))
    pages = len(list(site.glob("[0-9][0-9]_*.html")))  # every tour executed in build/
    assert off == [] and cards == pages >= len(TOURS), (off, cards, pages)
    page.close()

    page, off = open_offline((site / "search.html").as_uri() + "?q=Barron")
    page.wait_for_selector("#search-results ul li a", timeout=60_000)
    first = page.locator("#search-results ul li a").first.get_attribute("href")
    page.close()
    assert off == [], f"the search page asked for {off}"
    assert first.startswith("06_perceptrons.html"), first
