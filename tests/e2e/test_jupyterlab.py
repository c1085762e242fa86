"""JupyterLab in a real browser: start `jupyter lab` on loopback with a token, open a tour in
Debian's chromium through Playwright, run all cells, and check what a user would see: figures
rendered, no error output, and an ipywidgets slider that reacts when moved.

The tour is copied to build/e2e/ first: JupyterLab autosaves, and a user's notebooks in tours/
must never be overwritten. A screenshot is left at build/e2e/jupyterlab.png (the slider and its
figure after the move).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tools.tourmeta import ROOT

CHROMIUM = Path("/usr/bin/chromium")
TOUR = "03_gd_sgd"  # fast, figures, and a slider on the step size τ
OUT = ROOT / "build" / "e2e"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian's chromium (make e2e installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab():
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "notebooks").mkdir(exist_ok=True)
    shutil.copy(ROOT / "tours" / f"{TOUR}.ipynb", OUT / "notebooks" / f"{TOUR}.ipynb")
    # render every cell (JupyterLab 4 only renders the cells in view by default), no news popup
    settings = OUT / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    news = OUT / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True, exist_ok=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    port, token = free_port(), secrets.token_hex(16)
    log = open(OUT / "jupyterlab.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={OUT / 'notebooks'}",
         f"--LabApp.user_settings_dir={OUT / 'settings'}",
         f"--LabApp.workspaces_dir={OUT / 'workspaces'}",
         "--ServerApp.open_browser=False", *(["--allow-root"] if os.geteuid() == 0 else [])],
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.close()
                pytest.fail("jupyter lab did not start:\n" + (OUT / "jupyterlab.log").read_text())
            time.sleep(0.5)
    yield url, token
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def test_tour_runs_in_jupyterlab(lab):
    from playwright.sync_api import expect, sync_playwright

    url, token = lab
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/lab/tree/{TOUR}.ipynb?token={token}")
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        expect(notebook.locator(".jp-Cell").first).to_be_visible(timeout=60_000)
        expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
               ).to_have_count(1, timeout=60_000)

        # Run ▸ Run All Cells, from the menu as a user would. On a loaded machine the first
        # click can land while the menu is still being built and start nothing (seen once in
        # CI: no prompt changed in 240 s); so wait for a cell to start, and choose it again if
        # none has after 30 s. Nothing has run yet then, so a second Run All runs each cell once.
        prompts = notebook.locator(".jp-CodeCell .jp-InputArea-prompt")

        def started() -> bool:
            return any(re.fullmatch(r"\[(\d+|\*)\]:", t.strip())
                       for t in prompts.all_inner_texts())

        for _attempt in range(3):
            notebook.locator(".jp-Cell").first.click()
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel",
                         has_text="Run All Cells").first.click()
            deadline = time.monotonic() + 30
            while not started() and time.monotonic() < deadline:
                time.sleep(0.5)
            if started():
                break
            page.keyboard.press("Escape")  # close a menu left open
        else:
            page.screenshot(path=str(OUT / "jupyterlab-timeout.png"))
            pytest.fail("Run All Cells started no cell, three times in 30 s")

        # every visible prompt numbered, none queued or running (exercise cells are collapsed:
        # their input, prompt included, is hidden until the reader opens it)
        deadline = time.monotonic() + 240
        while True:
            texts = [t.strip() for t in prompts.all_inner_texts()]
            numbered = [t for t in texts if re.fullmatch(r"\[\d+\]:", t)]
            if numbered and len(numbered) == len([t for t in texts if t]):
                break
            if time.monotonic() > deadline:
                page.screenshot(path=str(OUT / "jupyterlab-timeout.png"))
                pytest.fail(f"cells still running after 240 s: {texts}")
            time.sleep(1)

        # no error output anywhere
        outputs = notebook.locator(".jp-OutputArea-output").all_inner_texts()
        errors = [t for t in outputs if "Traceback" in t or "Error:" in t]
        assert not errors, errors[0][:2000]
        # figures rendered
        images = notebook.locator(".jp-OutputArea-output img")
        assert images.count() >= 5

        # the τ slider rendered; moving it redraws the trajectory
        slider = notebook.locator(".widget-slider, .widget-hslider").first
        slider.scroll_into_view_if_needed()
        expect(slider).to_be_visible(timeout=30_000)
        widget = notebook.locator(".widget-interact").first
        before = widget.locator("img").first.get_attribute("src")
        readout = slider.locator(".widget-readout")
        before_text = readout.inner_text()
        handle = slider.locator(".noUi-handle, .ui-slider-handle").first
        handle.click()
        for _ in range(6):
            page.keyboard.press("ArrowRight")
        expect(readout).not_to_have_text(before_text, timeout=10_000)
        deadline = time.monotonic() + 30
        while widget.locator("img").first.get_attribute("src") == before:
            assert time.monotonic() < deadline, "the figure did not change when the slider moved"
            time.sleep(0.5)
        # let the kernel catch up with every move (the figure stops changing), then take the picture
        last, stable_since = None, time.monotonic()
        while time.monotonic() - stable_since < 3:
            src = widget.locator("img").first.get_attribute("src")
            if src != last:
                last, stable_since = src, time.monotonic()
            time.sleep(0.5)
        page.screenshot(path=str(OUT / "jupyterlab.png"), full_page=False)
        browser.close()
