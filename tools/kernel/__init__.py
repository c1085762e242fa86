"""Code the tools run *inside* a tour's kernel, each file loaded there by path (``runpy``): the
kernel's environment need not have the repository importable."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def load_cell(module: str, var: str, call: str) -> str:
    """Source of a cell that loads ``tools/kernel/<module>.py`` by path in the kernel as the dict
    ``var`` and calls its function ``call`` on the IPython shell (e.g. to install a hook)."""
    return (f"import runpy as _runpy\n{var} = _runpy.run_path({str(HERE / (module + '.py'))!r})\n"
            f"{var}[{call!r}](get_ipython())")
