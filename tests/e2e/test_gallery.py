"""The gallery build/index.html opens from disk (file://, no server) in chromium: every card's
thumbnail loads, and its links lead to executed pages that exist. Screenshot: build/gallery.png.
If `make tours` has not run, two fast tours are executed first to build a gallery."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tools.tourmeta import ROOT

CHROMIUM = Path("/usr/bin/chromium")
INDEX = ROOT / "build" / "index.html"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian's chromium (make e2e installs it)")


def test_gallery_opens_without_a_server():
    from playwright.sync_api import sync_playwright

    if not INDEX.exists():
        subprocess.run([sys.executable, "-m", "tools.run_tours", "02_erm",
                        "03_gd_sgd"], check=True, cwd=ROOT)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--disable-gpu",
                                           "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(INDEX.as_uri())
        cards = page.locator("article.card")
        assert cards.count() >= 1
        for i in range(cards.count()):
            card = cards.nth(i)
            img = card.locator("img")
            assert img.count() == 1, f"card {i} has no thumbnail"
            assert img.evaluate("el => el.complete && el.naturalWidth > 0"), "thumbnail loads"
            href = card.locator("h2 a").get_attribute("href")
            assert (INDEX.parent / href).exists(), f"{href} is missing"
            assert card.locator("details li").count() >= 1, "its checked claims are listed"
        page.screenshot(path=str(ROOT / "build" / "gallery.png"), full_page=False)
        browser.close()
