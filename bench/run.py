"""`make bench`: how fast the series is, in one run, as ratios. Writes build/bench.json.

1. Every tour's cold execution (fresh kernel: start, imports, JIT, run), the slowest, the sum.
2. The SGD peer experiment (bench/sgd_peer.py): a plain numpy loop vs the project's `sgd` helper,
   cold (first call in a fresh process, compilation included) and warm (median of repeats in the
   same process), the two sides in alternating processes, with the final losses compared.
3. Reverse mode vs the function, from XLA's flop count, for tour 4's MLP 8 → w → w → 1 at
   several widths, with the finite-difference count beside it.

Usage: ``python bench/run.py [--skip-tours] [--processes K] [--repeats R]``. Timings are wall
seconds on this machine (printed with its core count); counts are exact.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench_tours() -> dict:
    """`make tours` itself, in its own process (so the gallery and build/timings.json are
    refreshed too)."""
    subprocess.run([sys.executable, str(ROOT / "tools" / "run_tours.py")], cwd=ROOT, check=False)
    rows = json.loads((ROOT / "build" / "timings.json").read_text())["tours"]
    slowest = max(rows, key=lambda r: r["seconds"])
    return {"tours": [{k: r[k] for k in ("tour", "seconds", "claims", "status")} for r in rows],
            "slowest": {"tour": slowest["tour"], "seconds": slowest["seconds"]},
            "sum_seconds": round(sum(r["seconds"] for r in rows), 1)}


def bench_sgd(processes: int, repeats: int) -> dict:
    """Each side in `processes` fresh interpreters, `repeats` calls each: the first call of a
    process is cold, the later ones warm. The sides alternate (numpy, helper, numpy, ...) so
    that both see the same machine: on a shared machine speed drifts by tens of percent within
    minutes, and the speed-up is the median of the ratios of neighbouring processes."""
    runs = {"numpy": [], "aitours": []}
    for _ in range(processes):
        for side in runs:
            proc = subprocess.run([sys.executable, str(ROOT / "bench" / "sgd_peer.py"), side,
                                   "--repeats", str(repeats)],
                                  capture_output=True, text=True, check=True, cwd=ROOT)
            runs[side].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    out = {}
    for side, rs in runs.items():
        warm = [s for r in rs for s in r["seconds"][1:]]
        out[side] = {"cold_s": statistics.median(r["seconds"][0] for r in rs),
                     "warm_s": statistics.median(warm) if warm else None,
                     "final_loss": rs[0]["final_loss"]}
    pairs = list(zip(runs["numpy"], runs["aitours"], strict=True))
    cold_ratios = [a["seconds"][0] / b["seconds"][0] for a, b in pairs]
    out["speedup_cold"] = statistics.median(cold_ratios)
    out["speedup_cold_range"] = [min(cold_ratios), max(cold_ratios)]
    out["speedup_warm"] = (statistics.median(statistics.median(a["seconds"][1:])
                                             / statistics.median(b["seconds"][1:])
                                             for a, b in pairs) if repeats > 1 else None)
    out["final_loss_gap"] = abs(out["numpy"]["final_loss"] - out["aitours"]["final_loss"])
    # issue #8's target: the helper at least 5x faster than the numpy loop cold, same final loss
    out["target_met"] = bool(out["speedup_cold"] >= 5 and out["final_loss_gap"] <= 1e-3)
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


def _fmt(value, spec: str, width: int, suffix: str = "") -> str:
    """``value`` with ``spec`` and ``suffix``, right-aligned in ``width + len(suffix)``, or "-"
    when it was not measured (warm times need ``--repeats`` >= 2)."""
    if value is None:
        return f"{'-':>{width + len(suffix)}}"
    return f"{value:>{width}{spec}}{suffix}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-tours", action="store_true")
    parser.add_argument("--processes", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    report = {"machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, "
                         f"Python {platform.python_version()}"}
    print(f"machine: {report['machine']}")
    if not args.skip_tours:
        report["tours"] = bench_tours()
        print(f"\n{'tour (cold)':<28}{'seconds':>9}")
        for r in report["tours"]["tours"]:
            print(f"{r['tour']:<28}{r['seconds']:>9.1f}  {r['status']}")
        t = report["tours"]
        print(f"{'slowest: ' + t['slowest']['tour']:<28}{t['slowest']['seconds']:>9.1f}")
        print(f"{'sum':<28}{t['sum_seconds']:>9.1f}")

    s = report["sgd"] = bench_sgd(args.processes, args.repeats)
    print("\nSGD peer (logistic, n=10000, d=46, 5 runs x 100000 steps, loss every 50 steps)")
    print(f"{'':<22}{'cold s':>9}{'warm s':>9}{'final loss':>12}")
    for side in ("numpy", "aitours"):
        r = s[side]
        print(f"{side:<22}{r['cold_s']:>9.2f}{_fmt(r['warm_s'], '.2f', 9)}"
              f"{r['final_loss']:>12.5f}")
    print(f"{'speed-up numpy/aitours':<22}{s['speedup_cold']:>8.1f}x"
          f"{_fmt(s['speedup_warm'], '.1f', 8, 'x')}   |loss gap| {s['final_loss_gap']:.1e}")
    lo, hi = s["speedup_cold_range"]
    print(f"(speed-ups: medians of {args.processes} neighbouring pairs of processes; "
          f"cold {lo:.1f}x to {hi:.1f}x)")
    print(f"target (>= 5x cold, loss gap <= 1e-3): {'met' if s['target_met'] else 'MISSED'}")

    f = report["flops"] = bench_flops()
    print(f"\nXLA flop counts, {f['mlp']}")
    print(f"{'width':>6}{'d':>8}{'flops(E)':>11}{'grad/E':>8}{'FD/E':>10}")
    for r in f["rows"]:
        print(f"{r['width']:>6}{r['d']:>8}{r['flops_E']:>11.3g}{r['grad_over_E']:>8.2f}"
              f"{r['fd_over_E']:>10.0f}")

    out = ROOT / "build" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
