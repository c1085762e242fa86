"""The SGD peer experiment: a plain numpy loop against the project's compiled `sgd` helper.

Logistic regression, n = 10 000 samples, d = 46 features, 5 independent runs of 100 000 SGD steps
with step τ0 / (1 + ℓ/ℓ0), the full training loss recorded every 50 steps: the size of the
classic numerical-tours SGD experiment. Both sides see the same data and the same schedule.

``python -m bench.sgd_peer numpy|aitours [--repeats R]`` runs one side R times in this process
and prints JSON (the seconds of each call: the first is cold, compilation included; the final
mean loss). ``bench/run.py`` calls it in fresh processes.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

N, D, RUNS, STEPS, EVERY = 10_000, 46, 5, 100_000, 50
TAU0, L0 = 1.0, 2_000.0


def make_data(seed: int = 0):
    """Linearly separable-ish logistic data: x ~ N(0, I/d), y = sign(<x, w*> + noise)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D)) / np.sqrt(D) * 3
    w = rng.standard_normal(D)
    y = np.sign(X @ w + 0.5 * rng.standard_normal(N))
    return X, y


def numpy_sgd(X, y, seed: int, steps: int = STEPS, every: int = EVERY, indices=None):
    """One run as such tours write it: one Python iteration per step, the loss every `every`.

    ``indices`` (steps,), optional: the samples to visit instead of drawing them (the tests feed
    the helper's own draws, so that both sides must print the same curve)."""
    rng = np.random.default_rng(seed)
    n, d = X.shape
    w = np.zeros(d)
    losses = []
    for ell in range(steps):
        if ell % every == 0:
            losses.append(np.mean(np.log1p(np.exp(-y * (X @ w)))))
        i = rng.integers(n) if indices is None else indices[ell]
        tau = TAU0 / (1 + ell / L0)
        w = w + tau * y[i] * X[i] / (1 + np.exp(y[i] * (X[i] @ w)))
    losses.append(np.mean(np.log1p(np.exp(-y * (X @ w)))))
    return np.array(losses)


def run_numpy(X, y, runs: int = RUNS, steps: int = STEPS, every: int = EVERY):
    """(runs, steps // every + 1) training losses, the runs one after the other."""
    return np.stack([numpy_sgd(X, y, seed, steps, every) for seed in range(runs)])


def _grad_sample(w, sample):
    """Gradient of the logistic loss of one sample (x, y) at w: what SGD sees at each step."""
    import jax

    from aitours.losses import logistic_per_sample

    return jax.grad(logistic_per_sample)(w, *sample)


def _schedule(count):
    # numpy's schedule: `sgd` counts its steps from 0 as numpy's loop does (optax's convention)
    return TAU0 / (1 + count / L0)


def run_aitours(X, y, runs: int = RUNS, steps: int = STEPS, every: int = EVERY):
    """The project's helpers: `sgd` (one compiled program for all runs), then every saved
    iterate's full loss in chunked batched products (`risk_curve`); same shape as `run_numpy`."""
    import jax
    import jax.numpy as jnp

    from aitours.losses import logistic, risk_curve
    from aitours.optim import sgd

    Xj, yj = jnp.asarray(X, jnp.float32), jnp.asarray(y, jnp.float32)
    iterates = sgd(_grad_sample, jnp.zeros(X.shape[1]), (Xj, yj), steps, _schedule,
                   key=jax.random.PRNGKey(0), every=every, n_runs=runs)
    return np.asarray(risk_curve(logistic, iterates, Xj, yj))


def blas_info() -> list[dict]:
    """The BLAS / OpenMP libraries loaded in this process, as threadpoolctl sees them (XLA's own
    CPU kernels are not among them)."""
    from threadpoolctl import threadpool_info

    return [{k: d.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for d in threadpool_info()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("side", choices=["numpy", "aitours"])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    X, y = make_data()
    if args.side == "aitours":  # imports are not the point: numpy's are done too
        import aitours.losses  # noqa: F401
        import aitours.optim  # noqa: F401
    clock = None
    if args.side == "aitours":  # JAX's tracing, lowering and XLA compile, of the cold call
        from tools.kernel.compile_clock import CompileClock

        clock = CompileClock().install()
    run = run_numpy if args.side == "numpy" else run_aitours
    seconds, compile_s = [], []
    for _ in range(args.repeats):  # the first call of the process is the cold one
        t0 = time.perf_counter()
        losses = run(X, y)
        t1 = time.perf_counter()
        seconds.append(t1 - t0)
        compile_s.append(clock.seconds(t0, t1) if clock else 0.0)
    print(json.dumps({"side": args.side, "seconds": seconds, "compile_s": compile_s,
                      "final_loss": float(losses[:, -1].mean()),
                      "curve_shape": list(losses.shape), "blas": blas_info()}))


if __name__ == "__main__":
    main()
