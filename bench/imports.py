"""What each tour's start and import cells cost (issue #28 part 2).

For each tour, two measurements:

- *in a kernel*: the cells before the ``parameters`` cell (the Colab cell, the imports,
  ``style()``) run alone through the project's executor (``tools.executor.execute``), as
  ``make tours`` runs them: kernel start + imports, the quantity ``run_tours --profile`` calls
  ``start_imports`` (with the inline backend, and ``tqdm.auto`` picking its notebook bar);
- *in a plain process*: the same source under ``python -X importtime`` (``MPLBACKEND=Agg``), the
  seconds of the import cells themselves and the three top-level modules of largest cumulative
  import time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")


def import_cells(nb) -> list[str]:
    """The sources of the code cells before the ``parameters`` cell of notebook ``nb``."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    first = next((i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])),
                 None)
    if first is None:
        raise ValueError("the notebook has no cell tagged 'parameters'")
    return [c.source for c in code[:first]]


def parse_importtime(text: str) -> list[tuple[str, float, float, int]]:
    """``python -X importtime``'s stderr as ``(module, self s, cumulative s, depth)`` rows (depth
    0: imported by the script itself); other lines are skipped."""
    rows = []
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            depth = (len(m.group(3)) - 1) // 2
            rows.append((m.group(4), int(m.group(1)) / 1e6, int(m.group(2)) / 1e6, depth))
    return rows


def top_level(rows: list[tuple[str, float, float, int]], n: int = 3) -> list[tuple[str, float]]:
    """The ``n`` top-level modules (depth 0) of largest cumulative import time: (name, s)."""
    top = sorted((r for r in rows if r[3] == 0), key=lambda r: -r[2])
    return [(name, round(cum, 3)) for name, _, cum, _ in top[:n]]


_TIMER = ("import time as _t\n_t0 = _t.perf_counter()\nexec(compile({src!r}, 'imports', 'exec'))\n"
          "print('__IMPORT_SECONDS__', _t.perf_counter() - _t0)\n")


def plain_process(source: str) -> dict:
    """``source`` in a fresh ``python -X importtime``: its seconds, the top three modules."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", _TIMER.format(src=source)],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    seconds = float(proc.stdout.rsplit("__IMPORT_SECONDS__", 1)[1].split()[0])
    rows = parse_importtime(proc.stderr)
    aitours = sum(cum for name, _, cum, depth in rows if depth == 0
                  and name.split(".")[0] == "aitours")
    return {"imports_s": round(seconds, 3), "top3": top_level(rows),
            "aitours_s": round(aitours, 3)}


def in_kernel(nb) -> float:
    """Seconds to start a kernel and run ``nb``'s cells before ``parameters`` in it."""
    import nbformat

    from tools.executor import execute

    small = nbformat.v4.new_notebook(metadata=nb.metadata)
    small.cells = [nbformat.v4.new_code_cell(s) for s in import_cells(nb)]
    workdir = ROOT / "build" / "run"
    workdir.mkdir(parents=True, exist_ok=True)
    result = execute(small, cwd=str(workdir), timeout=120)
    if result["status"] != "ok":
        raise RuntimeError(f"import cells failed: {result['error']}")
    return round(result["seconds"], 2)


def bench_imports(names: list[str]) -> dict:
    """Per tour: kernel start + imports (s), plain-process import seconds and top modules."""
    import nbformat

    rows = []
    for name in names:
        nb = nbformat.read(ROOT / "tours" / f"{name}.ipynb", as_version=4)
        row = {"tour": name, "kernel_start_imports_s": in_kernel(nb),
               **plain_process("\n".join(import_cells(nb)))}
        rows.append(row)
        print(f"  {name:<24}{row['kernel_start_imports_s']:>6.2f} s in a kernel, "
              f"{row['imports_s']:.2f} s imports: "
              + ", ".join(f"{m} {s:.2f}" for m, s in row["top3"]), flush=True)
    return {"tours": rows}
