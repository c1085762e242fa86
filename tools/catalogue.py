"""Per-tour metadata, kept in one place: ``tours/catalogue.toml`` (title, one-line summary,
tags, prerequisites, the talk's section). The README's table of tours is written from it
(``make badges``; ``make test`` checks it), and the gallery and the site read it."""

from __future__ import annotations

import tomllib

from tools.tourmeta import ROOT, tour_sources

CATALOGUE = ROOT / "tours" / "catalogue.toml"
README = ROOT / "README.md"
BEGIN = "<!-- tours table: generated from tours/catalogue.toml -->"
END = "<!-- end of tours table -->"
KEYS = {"title": str, "summary": str, "tags": list, "prerequisites": list, "slide": str}


def load() -> dict[str, dict]:
    """``{tour stem: entry}`` in reading order; every tour has an entry with every key."""
    entries = tomllib.loads(CATALOGUE.read_text())
    stems = [p.stem for p in tour_sources()]
    if sorted(entries) != sorted(stems):
        raise ValueError(f"tours/catalogue.toml lists {sorted(entries)}, the tours are {stems}")
    for stem, entry in entries.items():
        for key, kind in KEYS.items():
            if not isinstance(entry.get(key), kind):
                raise ValueError(f"tours/catalogue.toml [{stem}]: `{key}` must be a "
                                 f"{kind.__name__}")
        number = int(stem[:2])
        late = [p for p in entry["prerequisites"] if not 1 <= p < number]
        if late:
            raise ValueError(f"[{stem}]: prerequisites must be earlier tours, got {late}")
    return {stem: entries[stem] for stem in stems}


def readme_table(entries: dict[str, dict]) -> str:
    rows = ["| # | tour | what you will learn |", "|---|------|---------------------|"]
    rows += [f"| {int(stem[:2])} | [{e['title']}](tours/{stem}.ipynb) | {e['summary']} |"
             for stem, e in entries.items()]
    return "\n".join([BEGIN, *rows, END])


def with_table(readme: str, entries: dict[str, dict]) -> str:
    """``readme`` with the text between the table's markers replaced by the generated table."""
    start, end = readme.index(BEGIN), readme.index(END) + len(END)
    return readme[:start] + readme_table(entries) + readme[end:]
