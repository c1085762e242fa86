"""The tours' shape (title, badge, install cell, seed, claims) and the .py/.ipynb pairing."""

import ast
import re

import nbformat
import pytest

from tools.sync_tours import notebook_from_source, problems
from tools.tourmeta import (
    MAX_CELL_LINES,
    ROOT,
    assert_kinds,
    colab_badge,
    count_asserts,
    hidden_constants,
    install_target,
    long_cells,
    tour_sources,
    with_current_links,
)

TOURS = tour_sources()


def test_tours_are_numbered_in_order_and_listed_in_the_readme():
    numbers = [int(p.stem[:2]) for p in TOURS]
    assert numbers == list(range(1, len(TOURS) + 1)), "tours are numbered 01, 02, ... no gap"
    readme = (ROOT / "README.md").read_text()
    missing = [p.stem for p in TOURS if f"(tours/{p.stem}.ipynb)" not in readme]
    assert not missing, f"tours missing from the README's table: {missing}"


@pytest.mark.parametrize("py", TOURS, ids=[p.stem for p in TOURS])
def test_pair_in_sync(py):
    assert problems(py) == []


@pytest.mark.parametrize("py", TOURS, ids=[p.stem for p in TOURS])
def test_tour_shape(py):
    text = py.read_text()
    number = int(py.stem[:2])
    nb = notebook_from_source(py)
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    assert re.match(rf"# {number}\. \S", first.source), "first cell opens with '# N. Title'"
    assert colab_badge(py.stem) in first.source, "Colab badge derived from pyproject's URL"
    assert with_current_links(text, py.stem) == text, "run `make badges`"
    install = nb.cells[1].source
    assert 'if "google.colab" in sys.modules:' in install
    target = re.escape(install_target()).replace("aitours", r"aitours(\[[a-z,]+\])?", 1)
    assert re.search(target, install), "the Colab cell installs the package from the repository"
    assert re.search(r"^SEED = \d+$", text, flags=re.M), "one `SEED = <int>` line sets the keys"
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert count_asserts(code) >= 3, "a tour checks its claims with asserts"


@pytest.mark.parametrize("py", TOURS, ids=[p.stem for p in TOURS])
def test_tour_hides_no_error(py):
    tree = ast.parse(py.read_text())
    bare = [h.lineno for h in ast.walk(tree) if isinstance(h, ast.ExceptHandler) and h.type is None]
    assert not bare, f"bare `except:` at lines {bare}"
    assert "%run" not in py.read_text()


def test_count_asserts_skips_magics():
    assert count_asserts(["%matplotlib inline\nassert 1 == 1\nx = 2", "assert x, 'msg'"]) == 2


def test_sync_check_catches_a_stale_notebook(tmp_path):
    py = tmp_path / "99_demo.py"
    py.write_text("# %% [markdown]\n# # 99. Demo\n\n# %%\nx = 1\nassert x == 1\n")
    assert problems(py) == ["99_demo.ipynb is missing"]
    nb = notebook_from_source(py)
    nbformat.write(nb, py.with_suffix(".ipynb"))
    assert problems(py) == []
    py.write_text(py.read_text().replace("x = 1", "x = 2"))
    assert problems(py) == ["99_demo.ipynb cells differ from 99_demo.py"]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nbformat.write(nb, py.with_suffix(".ipynb"))
    py.write_text(py.read_text().replace("x = 2", "x = 1"))
    assert problems(py) == ["99_demo.ipynb holds outputs (commit it stripped)"]


def test_links_are_rewritten_from_the_url():
    stale = "[![Open In Colab](https://x/badge.svg)](https://old/url)\n\"aitours @ git+https://old\""
    new = with_current_links(stale, "02_erm")
    assert colab_badge("02_erm") in new and f'"{install_target()}"' in new


@pytest.mark.parametrize("py", TOURS, ids=[p.stem for p in TOURS])
def test_every_assert_is_a_claim_or_a_sanity_check(py):
    """docs/CONVENTIONS.md: `assert …, "claim: …"` or `"sanity: …"`, claims unique."""
    nb = notebook_from_source(py)
    kinds = assert_kinds([c.source for c in nb.cells if c.cell_type == "code"])
    unlabelled = [src for kind, _, src in kinds if kind == "unlabelled"]
    assert not unlabelled, f"asserts without a claim:/sanity: message: {unlabelled[:3]}"
    claims = [msg for kind, msg, _ in kinds if kind == "claim"]
    assert len(claims) == len(set(claims)), "two claims share a message"
    assert len(claims) >= 3


@pytest.mark.parametrize("py", TOURS, ids=[p.stem for p in TOURS])
def test_cells_are_short_and_knobs_live_in_the_parameters_cell(py):
    nb = notebook_from_source(py)
    code = [c for c in nb.cells if c.cell_type == "code"]
    long = long_cells([c.source for c in code])
    assert not long, f"code cells over {MAX_CELL_LINES} lines (code cell index, lines): {long}"
    hidden = [h for c in code if "parameters" not in c.metadata.get("tags", [])
              for h in hidden_constants(c.source)]
    assert not hidden, f"knobs set outside the parameters cell: {hidden}"


def test_long_cells_and_hidden_constants_are_found():
    assert long_cells(["x = 1\n" * 31, "x = 1\n\n" * 30]) == [(0, 31)]
    found = hidden_constants("fit(loss, p, steps=500)\nn_runs = 16\nlr = LR\nwidth = 2 * W\n"
                             "%timeit f()\nplot(x, seed=SEED)")
    assert sorted(found) == ["n_runs=16 (line 2)", "steps=500 (line 1)"]


def test_catalogue_covers_every_tour_and_writes_the_readme_table():
    from tools import catalogue

    entries = catalogue.load()  # every tour, every key, prerequisites earlier
    readme = catalogue.README.read_text()
    assert catalogue.with_table(readme, entries) == readme, "run `make badges`"


def test_package_version_is_pyproject_version():
    import aitours
    from tools.tourmeta import version

    assert aitours.__version__ == version(), "the Colab cells install the tag v{version}"
