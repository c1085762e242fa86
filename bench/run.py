"""`make bench`: how fast the series is, in one run, as ratios. Writes build/bench.json.

Parts (``--only PART,...``; default all, in this order):

- ``tours``: the series cold (fresh kernels, empty JAX compilation cache; each tour's time split
  into start + imports, compilation, plotting and compute), re-run (same cache), and cold two
  at a time (the 10-minute part);
- ``imports``: each tour's start and import cells alone, in a kernel and under
  ``python -X importtime`` (bench/imports.py);
- ``roofline``: the machine's float32 matmul peak (a large ``jnp.dot``), and the achieved
  GFLOP/s of every ``aitours.train.fit`` loop of tours 10-16 (XLA's flops of one step × steps /
  seconds less compilation; tools/kernel/roofline.py wraps ``fit`` inside each tour's kernel);
- ``torch``: tour 11's training in JAX (``aitours.lm`` + ``fit``) against the same model in
  PyTorch, eager and ``torch.compile`` (bench/torch_peer.py; needs the ``bench`` extra);
- ``sgd``: the SGD peer experiment (bench/sgd_peer.py): a plain numpy loop vs the project's
  `sgd` helper, cold and warm, the sides in alternating processes, the numpy side with
  ``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE`` unset;
- ``flops``: reverse mode vs the function, from XLA's flop count, for tour 4's MLP.

Every part ends in the one table of issue #28's targets (:func:`summary_rows`), printed with
the machine and its load average (``os.getloadavg``) at the start and end of each part.

Usage: ``python -m bench.run [--only tours,imports,roofline,torch,sgd,flops] [--processes K]
[--repeats R] [--torch-pairs P]``; ``--table`` prints the last report's tours as the
README's markdown table, ``--summary`` its targets table. Timings are wall seconds on this
machine; counts are exact.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.imports import bench_imports
from tools.kernel.roofline import MARK as ROOFLINE_MARK
from tools.tourmeta import tour_sources

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("tours", "imports", "roofline", "torch", "sgd", "flops")
# set on this machine class, they slow a current numpy (issue #28): unset for the numpy peers
FOREIGN_BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# the torch peer's sides: on a loaded 2-core machine torch's two OpenMP threads wait for each
# other at every operator (0.7 steps/s at load 9 against 14 with one thread), so one thread too
TORCH_SIDES = {"jax": ["jax"], "eager": ["eager"], "eager-1t": ["eager", "--threads", "1"],
               "compile-1t": ["compile", "--threads", "1"]}
ROOFLINE_TOURS = ("07_cnn", "10_generative", "11_next_token", "13_induction_heads",
                  "14_vision_transformer", "15_recurrent_mixer", "16_scaling_laws")


def _series(cache: Path, *args: str) -> tuple[list[dict], float]:
    """`make tours` in its own process with JAX's compilation cache in ``cache``: the rows of
    build/timings.json and the series' wall time."""
    env = {**os.environ, "AITOURS_JAX_CACHE_DIR": str(cache)}
    subprocess.run([sys.executable, "-m", "tools.run_tours", *args], cwd=ROOT,
                   env=env, check=False)
    timings = json.loads((ROOT / "build" / "timings.json").read_text())
    return timings["tours"], timings["wall_seconds"]


def bench_tours(tmp: Path) -> dict:
    """The series three times, side by side in one run:

    1. cold, one tour at a time, JAX's compilation cache empty (a fresh clone: numba's cache for
       UMAP is the one ``make env`` warmed at install), each run split into start + imports,
       compilation, figure rendering and compute;
    2. re-run: the same again, the cache now filled by run 1 (a student re-running a tour); the
       *ceiling* of each ratio, cold / (cold - compile), is the ratio if all compilation time
       (tracing included) vanished, more than a cache can give;
    3. cold again with a new empty cache, two tours at a time (``make tours JOBS=2``).
    """
    cold, wall_seq = _series(tmp / "cache-seq", "--profile")
    saved = (ROOT / "build" / "timings.json").read_text()
    rerun, _ = _series(tmp / "cache-seq")
    _, wall_par = _series(tmp / "cache-par", "--jobs", "2")
    (ROOT / "build" / "timings.json").write_text(saved)  # the gallery shows the cold run
    from tools.run_tours import write_gallery

    write_gallery(json.loads(saved)["tours"])
    again = {r["tour"]: r for r in rerun}
    rows = [{"tour": r["tour"], "cold_s": r["seconds"], "rerun_s": again[r["tour"]]["seconds"],
             "ratio": r["seconds"] / max(again[r["tour"]]["seconds"], 1e-9),
             "status": r["status"], "claims": r["claims"], **r.get("breakdown", {})}
            for r in cold]
    for r in rows:  # above any cache's reach: a re-run still traces and lowers every program
        if "compile" in r:
            r["ratio_ceiling"] = r["cold_s"] / max(r["cold_s"] - r["compile"], 1e-9)
    slowest = max(rows, key=lambda r: r["cold_s"])
    out = {"tours": rows, "slowest": {"tour": slowest["tour"], "seconds": slowest["cold_s"]},
           "sum_cold_s": round(sum(r["cold_s"] for r in rows), 1),
           "sum_rerun_s": round(sum(r["rerun_s"] for r in rows), 1),
           "wall_sequential_s": wall_seq, "wall_jobs2_s": wall_par}
    out["compile_share"] = (sum(r.get("compile", 0.0) for r in rows)
                            / max(out["sum_cold_s"], 1e-9))
    out["all_ok"] = all(r["status"] == "ok" for r in rows)
    return out


def bench_sgd(processes: int, repeats: int, tmp: Path) -> dict:
    """Each side in `processes` fresh interpreters, `repeats` calls each: the first call of a
    process is cold, the later ones warm. The sides alternate (numpy, helper, numpy, ...) so
    that both see the same machine: on a shared machine speed drifts by tens of percent within
    minutes, and the speed-up is the median of the ratios of neighbouring processes."""
    runs = {"numpy": [], "aitours": []}
    for i in range(processes):
        for side in runs:
            # cold means compiled from scratch: each process gets an empty compilation cache
            env = {**os.environ, "AITOURS_JAX_CACHE_DIR": str(tmp / f"sgd-cache-{i}")}
            if side == "numpy":  # a fair peer: these slow a current numpy's OpenBLAS here
                for var in FOREIGN_BLAS_ENV:
                    env.pop(var, None)
            proc = subprocess.run([sys.executable, "-m", "bench.sgd_peer", side,
                                   "--repeats", str(repeats)], env=env,
                                  capture_output=True, text=True, check=True, cwd=ROOT)
            runs[side].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    out = {}
    for side, rs in runs.items():
        warm = [s for r in rs for s in r["seconds"][1:]]
        out[side] = {"cold_s": statistics.median(r["seconds"][0] for r in rs),
                     "warm_s": statistics.median(warm) if warm else None,
                     "final_loss": rs[0]["final_loss"], "blas": rs[0].get("blas"),
                     "cold_compile_s": statistics.median(r.get("compile_s", [0.0])[0]
                                                         for r in rs)}
    pairs = list(zip(runs["numpy"], runs["aitours"], strict=True))
    cold_ratios = [a["seconds"][0] / b["seconds"][0] for a, b in pairs]
    out["speedup_cold"] = statistics.median(cold_ratios)
    out["speedup_cold_range"] = [min(cold_ratios), max(cold_ratios)]
    warm_ratios = ([statistics.median(a["seconds"][1:]) / statistics.median(b["seconds"][1:])
                    for a, b in pairs] if repeats > 1 else [])
    out["speedup_warm"] = statistics.median(warm_ratios) if warm_ratios else None
    out["speedup_warm_range"] = [min(warm_ratios), max(warm_ratios)] if warm_ratios else None
    out["final_loss_gap"] = abs(out["numpy"]["final_loss"] - out["aitours"]["final_loss"])
    return out


def bench_flops() -> dict:
    import jax
    import jax.numpy as jnp
    from jax.flatten_util import ravel_pytree

    from aitours.flops import xla_flops
    from aitours.nn import init_mlp, mlp

    X = jax.random.normal(jax.random.PRNGKey(0), (32, 8))
    Y = jnp.sin(X.sum(axis=1, keepdims=True))
    rows = []
    for w in (4, 16, 64, 256):
        flat, unravel = ravel_pytree(init_mlp(jax.random.PRNGKey(1), [8, w, w, 1]))

        def E(th, unravel=unravel):
            return 0.5 * jnp.mean(jnp.sum((mlp(unravel(th), X) - Y) ** 2, axis=1))

        def fd(th, E=E):
            return (jax.vmap(E)(th + 1e-3 * jnp.eye(th.size)) - E(th)) / 1e-3

        f_E, f_g, f_fd = (xla_flops(g, flat) for g in (E, jax.grad(E), fd))
        rows.append({"width": w, "d": int(flat.size), "flops_E": f_E,
                     "grad_over_E": f_g / f_E, "fd_over_E": f_fd / f_E})
    return {"mlp": "8 -> w -> w -> 1 tanh, batch 32, float32", "rows": rows}


def load() -> str:
    """The 1, 5 and 15-minute load averages (the machine may be shared)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _best_rate(f, args, flops: float, repeats: int) -> float:
    """GFLOP/s of the best of ``repeats`` calls of jitted ``f(*args)`` doing ``flops``."""
    import jax

    f = jax.jit(f)
    jax.block_until_ready(f(*args))
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(f(*args))
        best = min(best, time.perf_counter() - t0)
    return flops / best / 1e9


def bench_peak(n: int = 2048, repeats: int = 5) -> dict:
    """The machine's float32 matmul peak as JAX sees it: GFLOP/s of the best of ``repeats``
    products of two n × n matrices (2n³ flops each), compiled beforehand; and, for scale, the
    rate of the products of tour 11's model (2048 tokens, width 64, MLP 128, 4 heads of 16)."""
    import jax
    import jax.numpy as jnp

    def draw(*shape):
        return jax.random.normal(jax.random.PRNGKey(len(shape) + shape[-1]), shape, jnp.float32)

    out = {"n": n, "gflops": _best_rate(jnp.dot, (draw(n, n), draw(n, n)), 2 * n ** 3, repeats)}
    out["tour11_mlp_gflops"] = _best_rate(jnp.dot, (draw(2048, 64), draw(64, 128)),
                                          2 * 2048 * 64 * 128, 3 * repeats)
    out["tour11_scores_gflops"] = _best_rate(jnp.matmul, (draw(128, 64, 16), draw(128, 16, 64)),
                                             2 * 128 * 64 * 16 * 64, 3 * repeats)
    return out


def report_after(nb, mark: str):
    """The JSON value printed after ``mark`` on stdout by the last cell of executed ``nb``."""
    for out in nb.cells[-1].get("outputs", []):
        text = out.get("text", "") if out.get("name") == "stdout" else ""
        if mark in text:
            return json.JSONDecoder().raw_decode(text.rsplit(mark, 1)[1])[0]
    raise ValueError(f"no report after {mark} in the last cell's output")


def group_loops(calls: list[dict], peak_gflops: float) -> list[dict]:
    """One row per loss function of a tour's ``fit`` calls (tools/kernel/roofline.py): steps,
    seconds less compilation, flops per step, achieved GFLOP/s and its share of the peak."""
    rows: dict[str, dict] = {}
    for c in calls:
        r = rows.setdefault(c["loss_fn"], {"loss_fn": c["loss_fn"], "calls": 0, "steps": 0,
                                           "seconds": 0.0, "compile_s": 0.0, "flops": 0.0,
                                           "params": c["params"]})
        r["calls"] += 1
        r["steps"] += c["n_steps"]
        r["seconds"] += c["seconds"]
        r["compile_s"] += c["compile_s"]
        r["flops"] += c["flops_per_step"] * c["n_steps"]
        r["params"] = max(r["params"], c["params"])
    for r in rows.values():
        r["flops_per_step"] = r["flops"] / max(r["steps"], 1)
        r["gflops"] = r["flops"] / max(r["seconds"], 1e-9) / 1e9
        r["peak_share"] = r["gflops"] / peak_gflops
        r["ms_per_step"] = 1e3 * r["seconds"] / max(r["steps"], 1)
    return list(rows.values())


def bench_roofline(tours: tuple[str, ...] = ROOFLINE_TOURS) -> dict:
    """The peak, then each tour in a fresh kernel with ``aitours.train.fit`` wrapped by
    tools/kernel/roofline.py (a first injected cell, before the tour's imports)."""
    import nbformat

    from tools.executor import execute

    peak = bench_peak()
    print(f"float32 matmul peak ({peak['n']}², best of 5): {peak['gflops']:.1f} GFLOP/s; "
          f"tour 11's (2048x64)@(64x128) {peak['tour11_mlp_gflops']:.1f}, its 128 heads' "
          f"(64x16)@(16x64) {peak['tour11_scores_gflops']:.1f} (load {load()})", flush=True)
    path = ROOT / "tools" / "kernel" / "roofline.py"
    first = (f"import runpy as _runpy\n_roofline = _runpy.run_path({str(path)!r})\n"
             "_roofline['install'](get_ipython())")
    workdir = ROOT / "build" / "run"
    workdir.mkdir(parents=True, exist_ok=True)
    out = {"peak": peak, "tours": []}
    for name in tours:
        nb = nbformat.read(ROOT / "tours" / f"{name}.ipynb", as_version=4)
        nb.cells.insert(0, nbformat.v4.new_code_cell(first))
        nb.cells.append(nbformat.v4.new_code_cell("_roofline['report']()"))
        # the peak again beside each tour: on a shared machine it moves within minutes
        local = max(bench_peak(repeats=3)["gflops"], 1e-9)
        result = execute(nb, cwd=str(workdir), timeout=300)
        row = {"tour": name, "seconds": round(result["seconds"], 1), "status": result["status"],
               "peak_gflops": local,
               "loops": group_loops(report_after(nb, ROOFLINE_MARK), local)
               if result["status"] == "ok" else [], "error": result["error"]}
        out["tours"].append(row)
        print(f"  {name}: peak beside it {local:.1f} GFLOP/s, {row['seconds']:.1f} s "
              f"{row['status']}, "
              f"{len(row['loops'])} fit loop(s) (load {load()})", flush=True)
    return out


def bench_torch(pairs: int, tmp: Path, timeout: int = 600) -> dict:
    """Tour 11's training, JAX (empty compilation cache) vs PyTorch eager (torch's threads, one
    per core, and one thread) vs ``torch.compile`` (one thread), each in its own fresh process
    (killed after ``timeout`` s), the sides alternating; medians over ``pairs`` rounds."""
    if importlib.util.find_spec("torch") is None:
        return {"skipped": "torch is not installed: .venv/bin/pip install -e '.[bench]' "
                           "(a CPU wheel: torch==2.13.0+cpu)"}
    runs: dict[str, list[dict]] = {s: [] for s in TORCH_SIDES}
    for i in range(pairs):
        for side, argv in TORCH_SIDES.items():
            # both compilers cold: JAX's cache and inductor's (which keeps its programs in
            # /tmp/torchinductor_$USER across processes) start empty
            env = {**os.environ, "AITOURS_JAX_CACHE_DIR": str(tmp / f"torch-peer-{i}"),
                   "TORCHINDUCTOR_CACHE_DIR": str(tmp / f"inductor-{i}-{side}")}
            try:
                proc = subprocess.run([sys.executable, "-m", "bench.torch_peer", *argv],
                                      env=env, capture_output=True, text=True, cwd=ROOT,
                                      check=False, timeout=timeout)
            except subprocess.TimeoutExpired:
                runs[side].append({"error": f"over {timeout} s (end-to-end > {timeout} s)"})
                print(f"  {side:<11} over {timeout} s (load {load()})", flush=True)
                continue
            if proc.returncode:
                runs[side].append({"error": proc.stderr.strip().splitlines()[-1][:300]})
            else:
                runs[side].append(json.loads(proc.stdout.strip().splitlines()[-1]))
            r = runs[side][-1]
            print(f"  {side:<11} end-to-end {r.get('end_to_end_s', float('nan')):7.1f} s, "
                  f"steady {r.get('steady_steps_per_s', float('nan')):6.1f} steps/s "
                  f"{r.get('error', '')}(load {load()})", flush=True)
    out = {"config": next((r["config"] for r in runs["jax"] if "config" in r), None)}
    for side, rs in runs.items():
        ok = [r for r in rs if "end_to_end_s" in r]
        out[side] = ({"end_to_end_s": statistics.median(r["end_to_end_s"] for r in ok),
                      "steady_steps_per_s": statistics.median(r["steady_steps_per_s"]
                                                              for r in ok),
                      "final_loss": ok[0]["final_loss"], "blas": ok[0].get("blas"),
                      "threads": ok[0].get("threads"), "runs": len(ok)}
                     if ok else {"error": next((r["error"] for r in rs if "error" in r), "")})
    return out


def summary_rows(report: dict) -> list[dict]:
    """Issue #28's targets from a report: ``{"target", "measured", "met"}`` per row, for the
    parts that the report holds (``met`` is None where the part's measurement failed)."""
    rows = []

    def add(target, measured, met):
        rows.append({"target": target, "measured": measured,
                     "met": None if met is None else bool(met)})

    t = report.get("tours")
    if t:
        add("compile <= 20 % of the series' cold time", f"{100 * t['compile_share']:.0f} %",
            t["compile_share"] <= 0.20)
        starts = [r["start_imports"] for r in t["tours"] if "start_imports" in r]
        if starts:
            add("start + imports <= 1.5 s per tour (series profile)",
                f"{min(starts):.1f}-{max(starts):.1f} s", max(starts) <= 1.5)
        add("every tour <= 25 s cold", f"slowest {t['slowest']['tour']} "
            f"{t['slowest']['seconds']:.1f} s", t["slowest"]["seconds"] <= 25)
        add("series <= 180 s summed", f"{t['sum_cold_s']:.1f} s", t["sum_cold_s"] <= 180)
        add("every tour ok", "all ok" if t["all_ok"] else "failures", t["all_ok"])
    im = report.get("imports")
    if im:
        ks = [r["kernel_start_imports_s"] for r in im["tours"]]
        add("start + imports <= 1.5 s per tour (import cells alone)",
            f"{min(ks):.1f}-{max(ks):.1f} s", max(ks) <= 1.5)
    rf = report.get("roofline")
    if rf:
        big = [(r["tour"], lp) for r in rf["tours"] for lp in r["loops"]
               if lp["params"] > 100_000]
        if big:
            worst = min(big, key=lambda x: x[1]["peak_share"])
            add("fit loops over 100k params >= 30 % of peak",
                f"{len(big)} loops, lowest {100 * worst[1]['peak_share']:.0f} % "
                f"({worst[0]}:{worst[1]['loss_fn']})",
                all(lp["peak_share"] >= 0.30 for _, lp in big))
    tp = report.get("torch")
    if tp and "skipped" not in tp:
        j = tp.get("jax", {})
        for side, label in (("eager", "PyTorch eager"), ("eager-1t", "PyTorch eager, 1 thread")):
            e = tp.get(side)
            if e is None:
                continue
            if "steady_steps_per_s" not in j or "steady_steps_per_s" not in e:
                add(f"JAX vs {label}", "failed: " + (e.get("error") or j.get("error", "")),
                    None)
                continue
            ratio = j["steady_steps_per_s"] / e["steady_steps_per_s"]
            add(f"JAX steady state >= {label}", f"{ratio:.2f}x its steps/s", ratio >= 1)
            e2e = j["end_to_end_s"] / e["end_to_end_s"]
            add(f"JAX end-to-end <= 1.2x {label}", f"{e2e:.2f}x its time", e2e <= 1.2)
    s = report.get("sgd")
    if s:
        lo, hi = s["speedup_cold_range"]
        add("SGD helper >= 6x the numpy loop cold", f"{s['speedup_cold']:.1f}x "
            f"({lo:.1f}-{hi:.1f}x)", s["speedup_cold"] >= 6)
        if s["speedup_warm"] is not None:
            lo, hi = s["speedup_warm_range"]
            add("SGD helper >= 15x the numpy loop warm", f"{s['speedup_warm']:.1f}x "
                f"({lo:.1f}-{hi:.1f}x)", s["speedup_warm"] >= 15)
        add("SGD same final loss to 1e-3", f"gap {s['final_loss_gap']:.1e}",
            s["final_loss_gap"] <= 1e-3)
    return rows


def format_summary(rows: list[dict], markdown: bool = False) -> str:
    """The targets table: one line per row, met / MISSED / failed."""
    word = {True: "met", False: "MISSED", None: "not measured"}
    if markdown:
        lines = ["| target (issue #28) | measured | |", "|---|---|---|"]
        lines += [f"| {r['target']} | {r['measured']} | "
                  f"{'**MISSED**' if r['met'] is False else word[r['met']]} |" for r in rows]
        return "\n".join(lines)
    width = max((len(r["target"]) for r in rows), default=10) + 2
    wide = max((len(r["measured"]) for r in rows), default=10) + 2
    return "\n".join(f"{r['target']:<{width}}{r['measured']:<{wide}}{word[r['met']]}"
                     for r in rows)


def _fmt(value, spec: str, width: int, suffix: str = "") -> str:
    """``value`` with ``spec`` and ``suffix``, right-aligned in ``width + len(suffix)``, or "-"
    when it was not measured (warm times need ``--repeats`` >= 2)."""
    if value is None:
        return f"{'-':>{width + len(suffix)}}"
    return f"{value:>{width}{spec}}{suffix}"


def markdown_table(report: dict) -> str:
    """The README's performance table, from a ``build/bench.json`` report."""
    lines = ["| tour | cold s | re-run s | ratio | ceiling | start+imports | compile | plot | "
             "compute |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    t = report["tours"]
    for r in t["tours"]:
        cells = [f"{r['cold_s']:.1f}", f"{r['rerun_s']:.1f}", f"{r['ratio']:.2f}×",
                 f"{r['ratio_ceiling']:.2f}×" if "ratio_ceiling" in r else ""]
        cells += [f"{r[k]:.1f}" if k in r else "" for k in
                  ("start_imports", "compile", "plot", "compute")]
        lines.append(f"| {r['tour']} | " + " | ".join(cells) + " |")
    lines.append(f"| **sum** | **{t['sum_cold_s']:.1f}** | **{t['sum_rerun_s']:.1f}** | | | | | "
                 "| |")
    return "\n".join(lines)


def print_tours(t: dict) -> None:
    print(f"\n{'tour':<22}{'cold s':>8}{'re-run s':>10}{'ratio':>7}{'ceiling':>9}   cold = "
          f"start+imports + compile + plot + compute")
    for r in t["tours"]:
        print(f"{r['tour']:<22}{r['cold_s']:>8.1f}{r['rerun_s']:>10.1f}{r['ratio']:>6.1f}x"
              f"{r.get('ratio_ceiling', float('nan')):>8.1f}x"
              f"   {r.get('start_imports', 0):5.1f} {r.get('compile', 0):5.1f} "
              f"{r.get('plot', 0):5.1f} {r.get('compute', 0):5.1f}  {r['status']}")
    print(f"{'slowest: ' + t['slowest']['tour']:<22}{t['slowest']['seconds']:>8.1f}")
    print(f"{'sum':<22}{t['sum_cold_s']:>8.1f}{t['sum_rerun_s']:>10.1f}   compile "
          f"{100 * t['compile_share']:.0f} % of the cold time")
    print(f"series wall time: one at a time {t['wall_sequential_s']:.1f} s, two at a time "
          f"(JOBS=2) {t['wall_jobs2_s']:.1f} s")
    print("(ceiling: cold / (cold - compile), the re-run ratio if all compilation time, "
          "tracing included, vanished)")


def print_roofline(rf: dict) -> None:
    print(f"\n{'tour':<18}{'fit loop':<22}{'params':>8}{'steps':>7}{'ms/step':>9}"
          f"{'MFLOP/step':>12}{'GFLOP/s':>9}{'of peak':>8}{'compile s':>10}")
    for t in rf["tours"]:
        for lp in t["loops"]:
            print(f"{t['tour']:<18}{lp['loss_fn'][:21]:<22}{lp['params']:>8}{lp['steps']:>7}"
                  f"{lp['ms_per_step']:>9.2f}{lp['flops_per_step'] / 1e6:>12.1f}"
                  f"{lp['gflops']:>9.2f}{100 * lp['peak_share']:>7.1f}%{lp['compile_s']:>10.1f}")
        if not t["loops"]:
            print(f"{t['tour']:<18}{'(no fit call)' if t['status'] == 'ok' else t['error']}")
    peaks = ", ".join(f"{t['peak_gflops']:.0f}" for t in rf["tours"] if "peak_gflops" in t)
    print(f"of peak: of the float32 {rf['peak']['n']}² jnp.dot measured just before each tour "
          f"({peaks} GFLOP/s); at the start {rf['peak']['gflops']:.1f}")


def print_torch(tp: dict) -> None:
    if "skipped" in tp:
        print(f"\ntorch peer skipped: {tp['skipped']}")
        return
    c = tp.get("config") or {}
    print(f"\ntour 11's training: width {c.get('WIDTH')}, {c.get('N_LAYERS')} layers, "
          f"{c.get('N_HEADS')} heads, context {c.get('CONTEXT')}, batch {c.get('BATCH')}, "
          f"{c.get('N_STEPS')} steps (AdamW, warm-up + cosine)")
    print(f"{'':<22}{'end-to-end s':>13}{'steady steps/s':>16}{'final loss':>12}  BLAS")
    for side in TORCH_SIDES:
        r = tp.get(side, {})
        if "error" in r:
            print(f"{side:<22}  failed: {r['error']}")
            continue
        blas = ", ".join(f"{b['internal_api']} {b.get('architecture') or ''}".strip()
                         for b in r.get("blas") or [])
        print(f"{side:<22}{r['end_to_end_s']:>13.1f}{r['steady_steps_per_s']:>16.1f}"
              f"{r['final_loss']:>12.3f}  {blas} ({r.get('threads') or 'XLA'} threads)")


def print_sgd(s: dict, processes: int) -> None:
    print("\nSGD peer (logistic, n=10000, d=46, 5 runs x 100000 steps, loss every 50 steps)")
    print(f"{'':<22}{'cold s':>9}{'warm s':>9}{'final loss':>12}  BLAS")
    for side in ("numpy", "aitours"):
        r = s[side]
        blas = ", ".join(f"{b['internal_api']} {b.get('architecture') or ''}".strip()
                         for b in r.get("blas") or [])
        print(f"{side:<22}{r['cold_s']:>9.2f}{_fmt(r['warm_s'], '.2f', 9)}"
              f"{r['final_loss']:>12.5f}  {blas}")
    print(f"{'speed-up numpy/aitours':<22}{s['speedup_cold']:>8.1f}x"
          f"{_fmt(s['speedup_warm'], '.1f', 8, 'x')}   |loss gap| {s['final_loss_gap']:.1e}")
    print(f"(aitours' cold call: {s['aitours']['cold_compile_s']:.2f} s of JAX tracing, "
          "lowering and XLA compilation)")
    lo, hi = s["speedup_cold_range"]
    print(f"(medians of {processes} neighbouring pairs of processes; cold {lo:.1f}x to "
          f"{hi:.1f}x; numpy's process without {', '.join(FOREIGN_BLAS_ENV)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--table", action="store_true",
                        help="print build/bench.json's tours as the README's markdown table")
    parser.add_argument("--summary", action="store_true",
                        help="print build/bench.json's targets as a markdown table")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts to run, of {', '.join(PARTS)}")
    parser.add_argument("--skip-tours", action="store_true", help="every part but the series")
    parser.add_argument("--processes", type=int, default=5, help="SGD peer process pairs")
    parser.add_argument("--repeats", type=int, default=3, help="SGD peer calls per process")
    parser.add_argument("--torch-pairs", type=int, default=1,
                        help="rounds of the torch peer's four processes")
    args = parser.parse_args(argv)
    saved = ROOT / "build" / "bench.json"
    if args.table or args.summary:
        report = json.loads(saved.read_text())
        print(markdown_table(report) if args.table else
              format_summary(summary_rows(report), markdown=True))
        return 0
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s) {unknown}; choose from {', '.join(PARTS)}")
    if args.skip_tours:
        parts = [p for p in parts if p != "tours"]
    report = {"machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, "
                         f"Python {platform.python_version()}",
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load": {}}
    print(f"machine: {report['machine']}, {report['date']}, load {load()}")
    tmp = Path(tempfile.mkdtemp(prefix="aitours-bench-"))
    names = [p.stem for p in tour_sources() if p.with_suffix(".ipynb").exists()]
    for part in PARTS:
        if part not in parts:
            continue
        before = load()
        print(f"\n== {part} (load {before})", flush=True)
        if part == "tours":
            report["tours"] = bench_tours(tmp)
            print_tours(report["tours"])
        elif part == "imports":
            report["imports"] = bench_imports(names)
        elif part == "roofline":
            report["roofline"] = bench_roofline()
            print_roofline(report["roofline"])
        elif part == "torch":
            report["torch"] = bench_torch(args.torch_pairs, tmp)
            print_torch(report["torch"])
        elif part == "sgd":
            report["sgd"] = bench_sgd(args.processes, args.repeats, tmp)
            print_sgd(report["sgd"], args.processes)
        elif part == "flops":
            f = report["flops"] = bench_flops()
            print(f"\nXLA flop counts, {f['mlp']}")
            print(f"{'width':>6}{'d':>8}{'flops(E)':>11}{'grad/E':>8}{'FD/E':>10}")
            for r in f["rows"]:
                print(f"{r['width']:>6}{r['d']:>8}{r['flops_E']:>11.3g}"
                      f"{r['grad_over_E']:>8.2f}{r['fd_over_E']:>10.0f}")
        report["load"][part] = [before, load()]
    saved.parent.mkdir(exist_ok=True)
    kept = []
    if saved.exists() and set(parts) != set(PARTS):  # a partial run keeps the other parts
        previous = json.loads(saved.read_text())
        kept = [k for k in PARTS if k in previous and k not in report]
        report = {**{k: previous[k] for k in kept}, **report}
        report["load"] = {**previous.get("load", {}), **report["load"]}
    report["summary"] = summary_rows(report)
    print(f"\n== issue #28's targets (load {load()})"
          + (f"; {', '.join(kept)} from the previous build/bench.json" if kept else ""))
    print(format_summary(report["summary"]))
    saved.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {saved.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
