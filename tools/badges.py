"""Rewrite (or, with --check, verify) every tour's Colab badge and install cell from pyproject, and
the README's table of tours from tours/catalogue.toml."""

from __future__ import annotations

import sys

from tools import catalogue
from tools.tourmeta import tour_sources, with_current_links


def main(check: bool) -> int:
    stale = []
    for py in tour_sources():
        text = py.read_text()
        new = with_current_links(text, py.stem)
        if new != text:
            stale.append(py.name)
            if not check:
                py.write_text(new)
    readme = catalogue.README.read_text()
    table = catalogue.with_table(readme, catalogue.load())
    if table != readme:
        stale.append("README.md (table of tours)")
        if not check:
            catalogue.README.write_text(table)
    if stale:
        print(("stale links in: " if check else "rewrote links in: ") + ", ".join(stale))
        if check:
            print("run `make badges` to derive them from pyproject.toml's [project.urls]")
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
