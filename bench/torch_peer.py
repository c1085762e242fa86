"""A PyTorch peer for tour 11's language-model training (issue #28 part 4), bench only.

The same character-level transformer as tour 11's first model, read from the tour's
``parameters`` cell (width, heads, layers, MLP ratio, context, batch, steps, learning rate,
warm-up, weight decay) and the same pre-norm architecture as
:func:`aitours.lm.transformer_logits`: token + positional embeddings N(0, 1), per block a layer
norm, causal multi-head softmax attention without biases (maps N(0, 1/width)), a residual, a
layer norm, an MLP with tanh-GELU (N(0, 1/fan-in), zero biases), a residual; a final layer norm
and a zero read-out. AdamW (β = 0.9, 0.999, ε = 1e-8, decoupled weight decay on every
parameter, as ``optax.adamw``) with a linear warm-up from 0 and a cosine decay to 0
(``optax.warmup_cosine_decay_schedule``); each step draws ``BATCH`` random windows of
``CONTEXT + 1`` characters of the training text.

``python -m bench.torch_peer jax|eager|compile`` runs one side in this process and prints one
JSON line: ``end_to_end_s`` (building the model and optimiser and the tour's whole training,
compilation included: for JAX ``aitours.lm`` + ``aitours.train.fit`` called as the tour calls
it, ``N_STEPS / EVAL_EVERY`` calls resuming the optimiser state; for ``compile`` the
``torch.compile`` of the step), ``steady_steps_per_s`` (a further ``EVAL_EVERY`` steps of the
already compiled loop), the final training loss (mean of the last 50 steps) and the BLAS
libraries that ``threadpoolctl`` sees in the process. ``bench/run.py`` runs the sides in
alternating fresh processes. Never imported by a tour; torch is the optional ``bench`` extra.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import time
from pathlib import Path

import numpy as np

from bench.sgd_peer import blas_info

ROOT = Path(__file__).resolve().parents[1]
TOUR = ROOT / "tours" / "11_next_token.py"
KEYS = ("N_STEPS", "EVAL_EVERY", "WIDTH", "N_LAYERS", "N_HEADS", "MLP_RATIO", "CONTEXT", "BATCH",
        "LR", "WARMUP", "WEIGHT_DECAY", "SEED")


def parameters_cell(source: str) -> dict:
    """The upper-case literals of the ``# %% tags=["parameters"]`` cell of a percent script."""
    cells = source.split("\n# %%")
    cell = next(c for c in cells if c.lstrip().startswith('tags=["parameters"]'))
    out = {}
    for node in ast.parse(cell.split("\n", 1)[1]).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name) and node.targets[0].id.isupper():
            out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


def tour_config(path: Path = TOUR) -> dict:
    """Tour 11's training knobs (:data:`KEYS`) from its parameters cell."""
    p = parameters_cell(path.read_text(encoding="utf-8"))
    missing = [k for k in KEYS if k not in p]
    if missing:
        raise KeyError(f"{path.name}'s parameters cell lacks {missing}")
    return {k: p[k] for k in KEYS}


def lr_factor(step: int, n_steps: int, warmup: int) -> float:
    """optax.warmup_cosine_decay_schedule(0, 1, warmup, max(n_steps, warmup + 1)) at ``step``."""
    decay = max(n_steps, warmup + 1)
    if step < warmup:
        return step / warmup
    t = min(step - warmup, decay - warmup) / (decay - warmup)
    return 0.5 * (1 + math.cos(math.pi * t))


# --------------------------------------------------------------------------- PyTorch
def torch_model(cfg: dict, vocab: int):
    import torch
    from torch import nn
    from torch.nn import functional as F

    class Block(nn.Module):
        def __init__(self, d, heads, hidden):
            super().__init__()
            self.heads = heads
            self.ln1, self.ln2 = nn.LayerNorm(d, eps=1e-5), nn.LayerNorm(d, eps=1e-5)
            self.qkv = nn.Linear(d, 3 * d, bias=False)   # Wq, Wk, Wv of every head, side by side
            self.o = nn.Linear(d, d, bias=False)
            self.fc1, self.fc2 = nn.Linear(d, hidden), nn.Linear(hidden, d)
            for lin, fan_in in ((self.qkv, d), (self.o, d), (self.fc1, d), (self.fc2, hidden)):
                nn.init.normal_(lin.weight, std=fan_in ** -0.5)
            nn.init.zeros_(self.fc1.bias)
            nn.init.zeros_(self.fc2.bias)

        def forward(self, h, mask):
            B, T, d = h.shape
            q, k, v = self.qkv(self.ln1(h)).view(B, T, 3, self.heads, d // self.heads).unbind(2)
            q, k, v = (a.transpose(1, 2) for a in (q, k, v))       # (B, heads, T, d_head)
            s = (q @ k.transpose(-1, -2)) / math.sqrt(d // self.heads)
            A = torch.softmax(s.masked_fill(mask, float("-inf")), dim=-1)
            h = h + self.o((A @ v).transpose(1, 2).reshape(B, T, d))
            return h + self.fc2(F.gelu(self.fc1(self.ln2(h)), approximate="tanh"))

    class Transformer(nn.Module):
        def __init__(self):
            super().__init__()
            d, T = cfg["WIDTH"], cfg["CONTEXT"]
            self.embed = nn.Parameter(torch.randn(vocab, d))
            self.pos = nn.Parameter(torch.randn(T, d))
            self.blocks = nn.ModuleList(Block(d, cfg["N_HEADS"], cfg["MLP_RATIO"] * d)
                                        for _ in range(cfg["N_LAYERS"]))
            self.ln_out = nn.LayerNorm(d, eps=1e-5)
            self.head = nn.Parameter(torch.zeros(d, vocab))
            self.register_buffer("mask", ~torch.tril(torch.ones(T, T, dtype=torch.bool)))

        def forward(self, x):
            T = x.shape[1]
            h = self.embed[x] + self.pos[:T]
            for blk in self.blocks:
                h = blk(h, self.mask[:T, :T])
            return self.ln_out(h) @ self.head

    return Transformer()


def load_jax_params(model, params: dict) -> None:
    """Copy the parameters of :func:`aitours.lm.init_transformer` into :func:`torch_model`'s
    ``model`` (the tests check that both compute the same logits)."""
    import torch

    def t(a):
        return torch.from_numpy(np.array(a, dtype=np.float32))

    def heads(W):  # (heads, width, d_head) -> (width, heads * d_head), head-major columns
        W = np.asarray(W)
        return W.transpose(1, 0, 2).reshape(W.shape[1], -1)

    with torch.no_grad():
        model.embed.copy_(t(params["embed"]))
        model.pos.copy_(t(params["pos"]))
        for blk, p in zip(model.blocks, params["blocks"], strict=True):
            for ln, q in ((blk.ln1, p["ln1"]), (blk.ln2, p["ln2"])):
                ln.weight.copy_(t(q["gain"]))
                ln.bias.copy_(t(q["bias"]))
            m = p["mix"]
            blk.qkv.weight.copy_(t(np.concatenate([heads(m[w]) for w in ("Wq", "Wk", "Wv")],
                                                  axis=1).T))
            blk.o.weight.copy_(t(np.asarray(m["Wo"]).reshape(-1, m["Wo"].shape[-1]).T))
            blk.fc1.weight.copy_(t(np.asarray(p["W1"]).T))
            blk.fc1.bias.copy_(t(p["b1"]))
            blk.fc2.weight.copy_(t(np.asarray(p["W2"]).T))
            blk.fc2.bias.copy_(t(p["b2"]))
        model.ln_out.weight.copy_(t(params["ln_out"]["gain"]))
        model.ln_out.bias.copy_(t(params["ln_out"]["bias"]))
        model.head.copy_(t(params["head"]))


def run_torch(cfg: dict, train: np.ndarray, vocab: int, compiled: bool) -> dict:
    import torch
    from torch.nn import functional as F

    t0 = time.perf_counter()
    torch.manual_seed(cfg["SEED"])
    model = torch_model(cfg, vocab)
    n_steps, warmup = cfg["N_STEPS"], cfg["WARMUP"]
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["LR"], betas=(0.9, 0.999), eps=1e-8,
                            weight_decay=cfg["WEIGHT_DECAY"])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, n_steps, warmup))
    text = torch.from_numpy(train.astype(np.int64))
    offsets = torch.arange(cfg["CONTEXT"] + 1)
    gen = torch.Generator().manual_seed(cfg["SEED"])

    def loss_of(window):
        logits = model(window[:, :-1])
        return F.cross_entropy(logits.reshape(-1, vocab), window[:, 1:].reshape(-1))

    loss_fn = torch.compile(loss_of) if compiled else loss_of

    def step():
        start = torch.randint(0, len(text) - cfg["CONTEXT"], (cfg["BATCH"],), generator=gen)
        loss = loss_fn(text[start[:, None] + offsets])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        return loss.detach()

    losses = [step() for _ in range(n_steps)]
    end_to_end = time.perf_counter() - t0
    final = float(torch.stack(losses[-50:]).mean())
    t1 = time.perf_counter()
    for _ in range(cfg["EVAL_EVERY"]):   # the schedule is past its end: lr 0, same work
        step()
    steady = time.perf_counter() - t1
    return {"end_to_end_s": end_to_end, "steady_steps_per_s": cfg["EVAL_EVERY"] / steady,
            "final_loss": final, "threads": torch.get_num_threads(),
            "params": sum(p.numel() for p in model.parameters())}


# --------------------------------------------------------------------------- JAX (aitours)
def run_jax(cfg: dict, train: np.ndarray, vocab: int) -> dict:
    """Tour 11's training as the tour writes it: ``aitours.lm`` and ``aitours.train.fit``,
    ``N_STEPS / EVAL_EVERY`` calls of ``EVAL_EVERY`` steps resuming the optimiser state."""
    import jax
    import jax.numpy as jnp

    from aitours import lm
    from aitours.train import fit

    t0 = time.perf_counter()
    k_init, k_train = jax.random.split(jax.random.PRNGKey(cfg["SEED"]))
    params = lm.init_transformer(k_init, vocab=vocab, width=cfg["WIDTH"], heads=cfg["N_HEADS"],
                                 layers=cfg["N_LAYERS"], context=cfg["CONTEXT"],
                                 mlp_ratio=cfg["MLP_RATIO"])
    optimizer = lm.adamw_cosine(cfg["LR"], cfg["N_STEPS"], warmup=cfg["WARMUP"],
                                weight_decay=cfg["WEIGHT_DECAY"])
    objective = lm.next_token_objective(context=cfg["CONTEXT"], batch=cfg["BATCH"])
    data, opt_state, losses = jnp.asarray(train), None, []
    every = cfg["EVAL_EVERY"]
    for i in range(cfg["N_STEPS"] // every):
        params, opt_state, chunk = fit(objective, params, optimizer, every, data,
                                       key=jax.random.fold_in(k_train, i), opt_state=opt_state,
                                       chunk=every, progress=False)
        losses.append(chunk)
    end_to_end = time.perf_counter() - t0
    final = float(np.concatenate(losses)[-50:].mean())
    t1 = time.perf_counter()
    jax.block_until_ready(fit(objective, params, optimizer, every, data,
                              key=jax.random.fold_in(k_train, cfg["N_STEPS"] // every),
                              opt_state=opt_state, chunk=every, progress=False))
    steady = time.perf_counter() - t1
    return {"end_to_end_s": end_to_end, "steady_steps_per_s": every / steady,
            "final_loss": final, "params": lm.count_params(params)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("side", choices=["jax", "eager", "compile"])
    parser.add_argument("--threads", type=int,
                        help="torch.set_num_threads (default: torch's, one per core)")
    parser.add_argument("--steps", type=int, help="N_STEPS instead of the tour's (a quick run)")
    args = parser.parse_args()
    cfg = tour_config()
    if args.steps:
        cfg["N_STEPS"] = args.steps
        cfg["EVAL_EVERY"] = min(cfg["EVAL_EVERY"], args.steps)
    if args.side == "jax":   # imports are not the point: each side imports before the clock
        import jax  # noqa: F401

        from aitours import lm
        from aitours.train import fit  # noqa: F401
    else:
        import torch

        from aitours import lm  # the corpus only (numpy)
        if args.threads:
            torch.set_num_threads(args.threads)
    c = lm.corpus()
    out = {"side": args.side + (f"-{args.threads}t" if args.threads else ""), "config": cfg}
    try:
        out.update(run_jax(cfg, c.train, len(c.chars)) if args.side == "jax" else
                   run_torch(cfg, c.train, len(c.chars), args.side == "compile"))
    except Exception as exc:  # noqa: BLE001 -- torch.compile's failure is a result: reported
        if args.side != "compile":
            raise
        out["error"] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]}"
    out["blas"] = blas_info()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
