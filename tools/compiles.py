"""Which programs does a tour compile, how long does each take, and why does one compile again?

Usage: ``python -m tools.compiles tours/13_induction_heads.py [--top N] [--min-seconds S]``.
Runs the tour as a plain script (matplotlib Agg, no progress bars, JAX's persistent cache off,
so every program is compiled) with JAX's ``jax_log_compiles`` and ``jax_explain_cache_misses``
on, then prints

- the total XLA compile time and the number of programs compiled;
- the ``--top`` programs by compile time, with how many times each was compiled;
- each program compiled more than once, with the reason JAX gives for the new compilation
  (different shapes, a weak type, a static argument, a function defined anew...).

A program compiled again with the same shapes is often a free saving: that is how this tool
found `aitours.train.fit` compiling its loop twice for weakly typed parameters (1.4 s each in
tour 13). Exits 1 if the tour fails.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

COMPILED = re.compile(r"Finished XLA compilation of (\S+) in ([0-9.]+) sec")
MISS = re.compile(r"TRACING CACHE MISS at (\S+) ")
FOR = re.compile(r"^\s+for (\S+) defined at (\S+)")


def parse(log: str) -> tuple[dict[str, list[float]], dict[str, list[str]]]:
    """From a log of ``jax_log_compiles`` and ``jax_explain_cache_misses``: the compile times of
    each program (``jit(name)`` -> seconds, one per compilation), and for each function traced
    again, the first reason JAX gave each time, with the line that called it (name -> reasons).
    A first trace ("never seen function") gives no reason."""
    times: dict[str, list[float]] = defaultdict(list)
    for m in COMPILED.finditer(log):
        times[m.group(1)].append(float(m.group(2)))
    reasons: dict[str, list[str]] = defaultdict(list)
    lines = log.splitlines()
    for i, line in enumerate(lines):
        miss = MISS.search(line)
        if not miss:
            continue
        block = []
        for nxt in lines[i + 1:i + 12]:
            if not nxt.startswith("  "):
                break
            block.append(nxt)
        func = next((FOR.match(b) for b in block if FOR.match(b)), None)
        detail = next((b.strip()[2:] for b in block if b.strip().startswith("* ")), None)
        if func and detail:
            detail = detail.split("https://")[0]
            where = os.path.basename(miss.group(1))  # file.py:line, short enough to print
            reasons[func.group(1)].append(f"called at {where}: {detail}")
    return dict(times), dict(reasons)


def report(times: dict[str, list[float]], reasons: dict[str, list[str]], top: int,
           min_seconds: float = 0.1) -> str:
    total = sum(sum(v) for v in times.values())
    count = sum(len(v) for v in times.values())
    out = [f"{total:.1f} s of XLA compilation, {count} programs compiled", "",
           f"{'program':<40}{'times':>6}{'seconds':>9}"]
    ranked = sorted(times.items(), key=lambda kv: -sum(kv[1]))
    out += [f"{name[:39]:<40}{len(v):>6}{sum(v):>9.2f}" for name, v in ranked[:top]]
    again = [(name, v) for name, v in ranked if len(v) > 1 and sum(v) >= min_seconds]
    if again:
        out += ["", f"compiled more than once (at least {min_seconds:g} s in all), and why:"]
        for name, v in again:
            why = reasons.get(name.removeprefix("jit(").removesuffix(")"), [])
            out.append(f"  {name}: {len(v)} times, {sum(v):.2f} s")
            out += [f"    {r[:160]}" for r in why[:3]]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("tour", type=Path)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--min-seconds", type=float, default=0.1,
                        help="list the programs compiled again that took at least this long")
    args = parser.parse_args()
    env = {**os.environ, "MPLBACKEND": "Agg", "TQDM_DISABLE": "1", "AITOURS_JAX_CACHE": "0",
           "JAX_LOG_COMPILES": "1", "JAX_EXPLAIN_CACHE_MISSES": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, str(args.tour.resolve())], capture_output=True,
                              text=True, cwd=tmp, env=env)
    print(report(*parse(proc.stderr), args.top, args.min_seconds))
    if proc.returncode:
        tail = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()][-3:]
        print(f"\n{args.tour} FAILED:\n    " + "\n    ".join(tail))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
