"""End-to-end tests: run only by `make e2e` (they build environments and start servers).

The fixture ``open_offline`` is the one way these tests open a page with the network cut:
Debian's chromium through Playwright (no browser download), every request outside ``file://``
aborted and recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def open_offline():
    """``open_offline(url) -> (page, off_machine)``: ``url`` opened in headless chromium with
    every request that is not a ``file://`` aborted; ``off_machine`` lists those requests."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium (make e2e installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)

        def open_page(url: str, width: int = 1280, height: int = 900):
            page, off_machine = browser.new_page(viewport={"width": width, "height": height}), []

            def gate(route):
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    off_machine.append(route.request.url)
                    route.abort()

            page.route("**/*", gate)
            page.goto(url)
            return page, off_machine

        yield open_page
        browser.close()
