"""Facts about the tours that several tools share: where they are, the repository URL, badges.

The repository URL lives in one place, ``pyproject.toml``'s ``[project.urls] Repository``;
every tour's Colab badge and install cell are derived from it (``make badges`` rewrites them,
``tests/test_tours.py`` checks them).
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOURS = ROOT / "tours"


def repo_url() -> str:
    """The project's repository URL, e.g. ``https://github.com/OWNER/REPO``."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return meta["project"]["urls"]["Repository"].rstrip("/")


def tour_sources() -> list[Path]:
    """The tours' source scripts (``tours/NN_name.py``), in reading order."""
    return sorted(p for p in TOURS.glob("[0-9][0-9]_*.py"))


def version() -> str:
    """The helper package's version, ``pyproject.toml``'s ``[project] version``."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def colab_badge(name: str, folder: str = "tours") -> str:
    """Markdown of the "Open in Colab" and "Launch Binder" badges for notebook
    ``folder/name.ipynb`` (e.g. tour ``"02_erm"``; ``folder="exercises"`` for its student
    version): Colab opens the notebook of ``main``, Binder starts JupyterLab on it."""
    slug = repo_url().removeprefix("https://github.com/")
    return ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"(https://colab.research.google.com/github/{slug}/blob/main/{folder}/{name}.ipynb)"
            " [![Launch Binder](https://mybinder.org/badge_logo.svg)]"
            f"(https://mybinder.org/v2/gh/{slug}/main?urlpath=lab/tree/{folder}/{name}.ipynb)")


def install_target() -> str:
    """What the Colab cell pip-installs: the helper package of the release the notebook was
    written for, the tag ``v{version}`` of the repository."""
    return f"aitours @ git+{repo_url()}@v{version()}"


BADGE_RE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)"
                      r"(?: \[!\[Launch Binder\]\([^)]*\)\]\([^)]*\))?")
INSTALL_RE = re.compile(r'"aitours(\[[a-z,]+\])? @ git\+[^"]*"')


def with_current_links(text: str, name: str) -> str:
    """``text`` of tour ``name`` with its badges and install target rewritten from
    ``pyproject.toml`` (the repository URL and the version)."""
    text = BADGE_RE.sub(lambda m: colab_badge(name), text)
    return INSTALL_RE.sub(
        lambda m: f'"aitours{m.group(1) or ""} @ git+{repo_url()}@v{version()}"', text)


def count_asserts(code_cells: list[str]) -> int:
    """Number of ``assert`` statements in a tour's code cells (claims and sanity checks)."""
    return len(assert_kinds(code_cells))


def _message(node: ast.Assert) -> str | None:
    """The literal message of an ``assert`` (plain or f-string prefix), if it has one."""
    msg = node.msg
    if isinstance(msg, ast.Constant) and isinstance(msg.value, str):
        return msg.value
    if isinstance(msg, ast.JoinedStr) and msg.values and isinstance(msg.values[0], ast.Constant):
        return "".join(v.value for v in msg.values if isinstance(v, ast.Constant))
    return None


def assert_kinds(code_cells: list[str]) -> list[tuple[str, str | None, str]]:
    """``[(kind, message, source)]`` for every ``assert`` of a tour's code cells, in order.

    ``kind`` is ``"claim"`` (message ``"claim: …"``), ``"sanity"`` (``"sanity: …"``, true by
    construction) or ``"unlabelled"`` (see docs/CONVENTIONS.md).
    """
    found = []
    for src in code_cells:
        code = "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Assert):
                msg = _message(node)
                kind = next((k for k in ("claim", "sanity") if (msg or "").startswith(k + ":")),
                            "unlabelled")
                found.append((kind, msg, " ".join(ast.get_source_segment(code, node).split())))
    return found


MAX_CELL_LINES = 30
# names of knobs a reader may want to turn: set in the parameters cell, never as a literal inside
# another cell (`fit(..., learning_rate=3e-3)`, `n_runs = 16`)
KNOB_RE = re.compile(r"^(lr|learning_rate|n_steps|steps|n_runs|runs|batch_size|n_epochs|epochs|"
                     r"seed|n_layers|layers|n_heads|heads|width|depth|n_samples|warmup)$")


def long_cells(code_cells: list[str], limit: int = MAX_CELL_LINES) -> list[tuple[int, int]]:
    """``[(i, lines)]`` for the code cells over ``limit`` lines (blank lines not counted)."""
    sizes = [(i, sum(bool(ln.strip()) for ln in src.splitlines()))
             for i, src in enumerate(code_cells)]
    return [(i, n) for i, n in sizes if n > limit]


def hidden_constants(code: str) -> list[str]:
    """Knobs (names matching ``KNOB_RE``) given a numeric literal in ``code``: a keyword
    argument ``steps=500`` or an assignment ``n_runs = 16``. The parameters cell is where they
    belong; call this on the other cells."""
    code = "\n".join(ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!")))
    found = []
    for node in ast.walk(ast.parse(code)):
        pairs = []
        if isinstance(node, ast.keyword) and node.arg:
            pairs.append((node.arg, node.value))
        elif isinstance(node, ast.Assign):
            pairs += [(t.id, node.value) for t in node.targets if isinstance(t, ast.Name)]
        for name, value in pairs:
            number = isinstance(value, ast.Constant) and type(value.value) in (int, float)
            if KNOB_RE.match(name) and number:
                found.append(f"{name}={value.value!r} (line {node.lineno})")
    return found


def write_or_check(out: Path, text: str, argv: list[str], command: str) -> int:
    """The generated file ``out``: with ``--check`` in ``argv``, 1 (and a hint to run
    ``command``) when it differs from ``text``; else write it. Returns the exit status."""
    if "--check" in argv:
        if not out.exists() or out.read_text() != text:
            print(f"{out.relative_to(ROOT)} is out of step: run `{command}`")
            return 1
        return 0
    out.write_text(text)
    return 0
