"""tools.run_tours on a tiny notebook: executed copy and offline page in build/, the profile's
split of the time, and the gallery's template."""

from __future__ import annotations

import nbformat

from tools import gallery, run_tours


def test_profiled_run_writes_page_and_splits_the_time(tmp_path, monkeypatch):
    # a build/ of its own: another process writing into the repository's build/ (make tours,
    # a seed sweep) must not make this test fail
    monkeypatch.setattr(run_tours, "BUILD", tmp_path / "build")
    cells = [nbformat.v4.new_markdown_cell("# 0. Tiny\n\n$x^2$"),
             nbformat.v4.new_code_cell("import time"),
             nbformat.v4.new_code_cell("SEED = 0"),
             nbformat.v4.new_code_cell("time.sleep(0.3)\nassert SEED == 0, 'sanity: seed'")]
    cells[2].metadata["tags"] = ["parameters"]
    path = tmp_path / "zz_tiny_profile_test.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    row = run_tours.run_notebook(path, timeout=60, profile=True)
    assert row["status"] == "ok" and row["sanity"] == 1 and row["claims"] == 0
    split = row["breakdown"]
    assert "error" not in split
    assert split["compute"] >= 0.25, split  # the sleep is compute
    saved = nbformat.read(tmp_path / "build" / "zz_tiny_profile_test.ipynb", as_version=4)
    assert len(saved.cells) == len(cells), "the profiler's cells are not saved"
    page = (tmp_path / "build" / "zz_tiny_profile_test.html").read_text()
    assert "mathjax/MathJax.js" in page and 'src="http' not in page


def test_gallery_escapes_and_links(tmp_path, monkeypatch):
    monkeypatch.setattr(gallery, "BUILD", tmp_path)
    gallery.write_gallery([{"tour": "01_x", "title": "1. <X>", "seconds": 2.0, "claims": 1,
                            "claim_texts": ["assert a < b, 'claim: a < b'"], "status": "ok",
                            "thumbnail": None}])
    page = (tmp_path / "index.html").read_text()
    assert 'href="01_x.html"' in page and "1. &lt;X&gt;" in page and "a &lt; b" in page
    assert "no figure" in page and "2.0 s cold" in page


def test_tools_run_as_modules_without_path_shims():
    """The tools run as ``python -m tools.NAME`` from the repository root; none edits sys.path
    to make itself importable as a script (one import name per module)."""
    from tools.tourmeta import ROOT

    shims = [str(p.relative_to(ROOT)) for folder in ("tools", "bench")
             for p in (ROOT / folder).rglob("*.py") if "sys.path.insert" in p.read_text()]
    assert shims == [], f"sys.path shims in {shims}: run the module with python -m instead"


def test_claim_values_are_recorded_and_the_asserts_still_raise(tmp_path):
    from tools.site import measured

    cells = [nbformat.v4.new_code_cell("err = 0.25"),
             nbformat.v4.new_code_cell("for k in (1, 2):\n"
                                       "    assert 0 < err * k < 1, 'claim: err small'\n"
                                       "assert err > 0, 'sanity: positive'")]
    path = tmp_path / "zz_tiny_values_test.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    try:
        row = run_tours.run_notebook(path, timeout=60)
        assert row["status"] == "ok"
        assert row["claim_values"] == {"claim: err small": [[0.0, 0.25, 1.0], [0.0, 0.5, 1.0]]}
        assert measured("0 < err * k < 1", row["claim_values"]["claim: err small"]) == \
            "0 < 0.25 < 1; 0 < 0.5 < 1"
        saved = nbformat.read(run_tours.BUILD / "zz_tiny_values_test.ipynb", as_version=4)
        assert [c.source for c in saved.cells] == [c.source for c in cells]
        # a failing claim still stops the run, as without the recorder
        cells[0].source = "err = 2.0"
        nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
        failed = run_tours.run_notebook(path, timeout=60)
        assert failed["status"] != "ok" and "claim: err small" in failed["error"]
    finally:
        for suffix in (".ipynb", ".html"):
            (run_tours.BUILD / f"zz_tiny_values_test{suffix}").unlink(missing_ok=True)
