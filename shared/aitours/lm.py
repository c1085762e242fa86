"""A character-level language model: the corpus, a small transformer, its loss, n-gram baselines.

Shared by the language-model tours (11 next-token prediction, 13 scaling laws, 14 masked
diffusion). One idea per function; every array of characters is an int32 array of codes in
``0 … vocab - 1`` (a caller may add a ``[MASK]`` input symbol as code ``vocab``, and build the
model with ``vocab + 1`` input symbols).

- the corpus: :func:`corpus` (the Python Language Reference of ``pydoc_data``, offline),
  :func:`encode` / :func:`decode`, :func:`draw_windows` (random training windows),
  :func:`eval_windows` (consecutive validation windows);
- the model: :func:`init_transformer`, :func:`transformer_logits` (causal or bidirectional),
  :func:`attention_maps`; the token mixer is pluggable (``init_mixer`` / ``mixer``);
- loss and evaluation: :func:`cross_entropy`, :func:`next_token_objective` (the loss that
  :func:`aitours.train.fit` minimises), :func:`bits_per_char`, :func:`adamw_cosine`;
- baselines: :func:`fit_ngram`, :func:`ngram_probs`, :func:`ngram_bits` (interpolated
  Kneser–Ney, unigram to 5-gram, numpy).

Example::

    c = corpus()
    params = init_transformer(key, vocab=len(c.chars), width=64, heads=4, layers=2, context=64)
    loss = next_token_objective(context=64, batch=32)
    params, _, losses = fit(loss, params, adamw_cosine(3e-3, 1000), 1000, c.train, key=k)
    x, y = eval_windows(c.valid, context=64)
    print(bits_per_char(params, x, y))
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from aitours._checks import PyTree, _is_concrete, check_int, check_key, eager_reduce
from aitours._draws import normals

__all__ = ["Corpus", "corpus", "encode", "decode", "draw_windows", "eval_windows",
           "init_transformer", "init_attention", "attention", "transformer_logits",
           "attention_maps", "cross_entropy", "next_token_objective", "bits_per_char",
           "adamw_cosine", "count_params", "NGram", "fit_ngram", "ngram_probs", "ngram_bits"]


# --------------------------------------------------------------------------- the corpus
class Corpus(NamedTuple):
    """The text, its alphabet ``chars`` (vocab,) of one-character strings sorted by code point,
    and the codes of its first ``split`` share (``train``) and of the rest (``valid``)."""
    text: str
    chars: np.ndarray
    train: np.ndarray
    valid: np.ndarray


def corpus(split: float = 0.9) -> Corpus:
    """The help pages of ``pydoc_data.topics`` (the Python Language Reference, PSF license,
    shipped with CPython: offline) joined in alphabetical order of topic, with its alphabet and
    a split by position: the first ``split`` share of the characters for training, the rest for
    validation (so the validation topics are unseen)."""
    from pydoc_data.topics import topics

    if not 0 < split < 1:
        raise ValueError(f"`split` must lie in (0, 1), got {split!r}")
    text = "\n".join(topics[k] for k in sorted(topics))
    chars = np.array(sorted(set(text)))
    data = encode(text, chars)
    n_train = int(split * len(data))
    return Corpus(text, chars, data[:n_train], data[n_train:])


def encode(text: str, chars: np.ndarray) -> np.ndarray:
    """The codes (len(text),) int32 of the characters of ``text``: their ranks in ``chars``
    (sorted, as returned by :func:`corpus`). Raises if a character is not in ``chars``."""
    chars = np.asarray(chars)
    points = np.array([ord(c) for c in chars])
    if chars.ndim != 1 or len(chars) == 0 or np.any(np.diff(points) <= 0):
        raise ValueError("`chars` must be a non-empty 1-d array of distinct characters sorted "
                         "by code point")
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    idx = np.clip(np.searchsorted(points, codes), 0, len(points) - 1)
    unknown = points[idx] != codes
    if np.any(unknown):
        raise ValueError(f"`text` holds characters not in `chars`: "
                         f"{sorted({chr(c) for c in codes[unknown]})[:10]!r}")
    return idx.astype(np.int32)


def decode(codes: np.ndarray, chars: np.ndarray) -> str:
    """The text of the codes (n,) (any integer array) in the alphabet ``chars``."""
    codes = np.asarray(codes)
    if codes.ndim != 1:
        raise ValueError(f"`codes` must be 1-d, got shape {codes.shape}")
    if codes.size and (codes.min() < 0 or codes.max() >= len(chars)):
        raise ValueError(f"`codes` must lie in 0 … {len(chars) - 1} (the alphabet `chars`)")
    return "".join(np.asarray(chars)[codes])


def draw_windows(key: jax.Array, data: jax.Array, *, batch: int, length: int) -> jax.Array:
    """``batch`` windows (batch, length) of ``length`` consecutive codes, each starting at a
    uniform random position of the text ``data`` (n,). Usable inside ``jit``."""
    check_key(key)
    batch, length = check_int(batch, "batch"), check_int(length, "length")
    if data.ndim != 1 or data.shape[0] < length:
        raise ValueError(f"`data` must be a 1-d text of at least `length` = {length} codes, "
                         f"got shape {tuple(data.shape)}")
    start = jax.random.randint(key, (batch,), 0, data.shape[0] - length + 1)
    return jnp.asarray(data)[start[:, None] + jnp.arange(length)]


def eval_windows(data: np.ndarray, *, context: int) -> tuple[jax.Array, jax.Array]:
    """The text ``data`` (n,) cut into consecutive windows: inputs ``x`` and next characters
    ``y``, both (n_windows, context), y[w, t] = x[w, t + 1] within a window. The prediction at
    position t of a window sees t + 1 characters (1 to ``context``)."""
    context = check_int(context, "context")
    data = np.asarray(data)
    if data.ndim != 1 or len(data) < context + 1:
        raise ValueError(f"`data` must be a 1-d text longer than `context` = {context}, got "
                         f"shape {data.shape}")
    n_win = (len(data) - 1) // context
    flat = data[:n_win * context + 1]
    return (jnp.asarray(flat[:-1].reshape(n_win, context)),
            jnp.asarray(flat[1:].reshape(n_win, context)))


# --------------------------------------------------------------------------- the model
def _layer_norm(h, ln):
    mean, var = h.mean(-1, keepdims=True), h.var(-1, keepdims=True)
    return ln["gain"] * (h - mean) / jnp.sqrt(var + 1e-5) + ln["bias"]


def _ln(width):
    return {"gain": jnp.ones(width), "bias": jnp.zeros(width)}


def init_attention(key: jax.Array, width: int, heads: int) -> dict[str, jax.Array]:
    """Multi-head attention maps: ``Wq``, ``Wk``, ``Wv`` (heads, width, width // heads) and
    ``Wo`` (heads, width // heads, width), entries N(0, 1/width)."""
    check_key(key)
    width, heads = check_int(width, "width"), check_int(heads, "heads")
    if width % heads:
        raise ValueError(f"`width` ({width}) must be a multiple of `heads` ({heads})")
    d_head = width // heads
    Wq, Wk, Wv, Wo = normals(jax.random.split(key, 4),
                             [(heads, width, d_head)] * 3 + [(heads, d_head, width)])
    return {"Wq": Wq / np.sqrt(width), "Wk": Wk / np.sqrt(width), "Wv": Wv / np.sqrt(width),
            "Wo": Wo / np.sqrt(width)}


def _attend(p, h, causal):
    """Output (..., T, width) and weights (..., heads, T, T) of multi-head attention of h."""
    # one contraction per map over all heads: written as h[..., None, :, :] @ W and a sum of
    # the heads' outputs, XLA materialises a copy per head (1.6x slower training steps here)
    q, k, v = (jnp.einsum("...tw,hwd->...htd", h, p[w]) for w in ("Wq", "Wk", "Wv"))
    scores = q @ jnp.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])     # (..., heads, T, T)
    if causal:
        T = h.shape[-2]
        scores = jnp.where(jnp.tril(jnp.ones((T, T), dtype=bool)), scores, -jnp.inf)
    A = jax.nn.softmax(scores, axis=-1)
    return jnp.einsum("...htd,hdw->...tw", A @ v, p["Wo"]), A


def attention(p: dict, h: jax.Array, *, causal: bool) -> jax.Array:
    """The default token mixer: multi-head softmax attention of the tokens h (..., T, width)
    with the maps ``p`` of :func:`init_attention`; ``causal``: query t sees keys j ≤ t only.
    A replacement mixer has the same signature (and its own ``init_mixer(key, width)``)."""
    missing = {"Wq", "Wk", "Wv", "Wo"} - set(p) if isinstance(p, dict) else {"a dict"}
    if missing:
        raise ValueError(f"`p` must be the maps of init_attention, lacks {sorted(missing)}")
    width = jnp.shape(p["Wq"])[1] if jnp.ndim(p["Wq"]) == 3 else None
    if jnp.ndim(h) < 2 or jnp.shape(h)[-1] != width:
        raise ValueError(f"`h` must have shape (..., T, {width}) (the width of `p`), got "
                         f"{tuple(jnp.shape(h))}")
    return _attend(p, h, causal)[0]


def _check_sizes(**sizes):
    return {name: check_int(v, name) for name, v in sizes.items()}


def init_transformer(key: jax.Array, *, vocab: int, width: int, heads: int, layers: int,
                     context: int, mlp_ratio: int = 4, n_out: int | None = None,
                     init_mixer: Callable | None = None) -> dict:
    """Parameters of a pre-norm transformer over ``vocab`` input symbols.

    Token embedding ``embed`` (vocab, width) and positional embedding ``pos`` (context, width),
    entries N(0, 1); ``layers`` blocks, each with two layer norms, a token mixer ``mix``
    (default: :func:`init_attention` with ``heads`` heads) and an MLP ``W1`` (width,
    mlp_ratio·width), ``W2`` (mlp_ratio·width, width), N(0, 1/fan-in), zero biases; a final
    layer norm and a read-out ``head`` (width, n_out) of zeros (n_out defaults to vocab), so
    that the untrained model predicts the uniform distribution. One key per layer.
    ``init_mixer(key, width)`` replaces the attention maps by another mixer's parameters.
    """
    check_key(key)
    s = _check_sizes(vocab=vocab, width=width, heads=heads, layers=layers, context=context,
                     mlp_ratio=mlp_ratio, n_out=vocab if n_out is None else n_out)
    if init_mixer is None:
        if s["width"] % s["heads"]:
            raise ValueError(f"`width` ({width}) must be a multiple of `heads` ({heads})")
        init_mixer = partial(init_attention, heads=s["heads"])
    elif not callable(init_mixer):
        raise TypeError(f"`init_mixer` must be callable, got {type(init_mixer).__name__}")
    d, w = s["width"], s["mlp_ratio"] * s["width"]
    k_embed, k_pos, *k_layers = jax.random.split(key, 2 + s["layers"])
    k_mix, k1, k2 = zip(*(jax.random.split(k, 3) for k in k_layers), strict=True)
    # one compiled draw for all (same values as a jax.random.normal per array)
    embed, pos, *mlp = normals([k_embed, k_pos, *k1, *k2],
                               [(s["vocab"], d), (s["context"], d)] + [(d, w)] * len(k1)
                               + [(w, d)] * len(k2))
    blocks = [{"ln1": _ln(d), "mix": init_mixer(k_mix[i], d), "ln2": _ln(d),
               "W1": mlp[i] / np.sqrt(d), "b1": jnp.zeros(w),
               "W2": mlp[len(k1) + i] / np.sqrt(w), "b2": jnp.zeros(d)}
              for i in range(len(k_layers))]
    return {"embed": embed, "pos": pos,
            "blocks": blocks, "ln_out": _ln(d), "head": jnp.zeros((d, s["n_out"]))}


def _check_tokens(params, tokens):
    tokens = jnp.asarray(tokens)
    if tokens.ndim < 1 or not jnp.issubdtype(tokens.dtype, jnp.integer):
        raise ValueError(f"`tokens` must be an integer array (..., T), got {tokens.dtype} of "
                         f"shape {tuple(tokens.shape)}")
    if tokens.shape[-1] > params["pos"].shape[0]:
        raise ValueError(f"`tokens` holds windows of {tokens.shape[-1]} characters, more than "
                         f"the model's context {params['pos'].shape[0]}")
    _check_codes(tokens, params["embed"].shape[0], "tokens")
    return tokens


def _check_codes(codes, vocab: int, name: str) -> None:
    """Concrete codes must lie in 0 … vocab - 1: an index past the table would be clamped by
    the gather without a word. Traced codes (inside ``jit``) are not checked."""
    if _is_concrete(codes) and jnp.size(codes):
        lo, hi = eager_reduce(lambda m, a: (int(m.min(a)), int(m.max(a))), codes)
        if lo < 0 or hi >= vocab:
            raise ValueError(f"`{name}` must hold codes in 0 … {vocab - 1}, got values from "
                             f"{lo} to {hi}")


def _forward(params, tokens, causal, mixer, collect):
    h = params["embed"][tokens] + params["pos"][: tokens.shape[-1]]
    maps = []
    for blk in params["blocks"]:
        x = _layer_norm(h, blk["ln1"])
        if collect:
            out, A = _attend(blk["mix"], x, causal)
            maps.append(A)
        else:
            out = mixer(blk["mix"], x, causal=causal)
        h = h + out
        x = _layer_norm(h, blk["ln2"])
        h = h + jax.nn.gelu(x @ blk["W1"] + blk["b1"]) @ blk["W2"] + blk["b2"]
    return _layer_norm(h, params["ln_out"]) @ params["head"], maps


def transformer_logits(params: dict, tokens: jax.Array, *, causal: bool = True,
                       mixer: Callable = attention) -> jax.Array:
    """Logits (..., T, n_out) of the model at every position of the windows ``tokens``
    (..., T), T ≤ context. ``causal=True``: position t reads tokens ≤ t (next-token model, the
    logits at t predict token t + 1); ``causal=False``: every position reads the whole window
    (masking / diffusion models). ``mixer(p, h, causal=...)`` replaces attention (pass the
    same one as for training). Pure: call it inside ``jit``."""
    return _forward(params, _check_tokens(params, tokens), bool(causal), mixer, False)[0]


def attention_maps(params: dict, tokens: jax.Array, *, causal: bool = True) -> jax.Array:
    """The attention weights (layers, ..., heads, T, T) of an attention model on ``tokens``
    (..., T): row t of a map is the distribution of query t over the keys."""
    return jnp.stack(_forward(params, _check_tokens(params, tokens), bool(causal), None,
                              True)[1])


def count_params(params: PyTree, *, non_embedding: bool = False) -> int:
    """Number of parameters; ``non_embedding=True`` leaves out the token and positional
    embeddings (the N of scaling laws)."""
    drop = ("embed", "pos") if non_embedding else ()
    return int(sum(np.size(a) for k, v in params.items() if k not in drop
                   for a in jax.tree.leaves(v)))


# --------------------------------------------------------------------------- loss, evaluation
def cross_entropy(logits: jax.Array, targets: jax.Array,
                  weights: jax.Array | None = None) -> jax.Array:
    """Mean of −log p(target) in nats, logits (..., V), targets (...) int; with ``weights``
    (...) the weighted mean Σ w·nll / Σ w (0 where no weight)."""
    l_shape, t_shape = jnp.shape(logits), jnp.shape(targets)
    if len(l_shape) < 1 or t_shape != l_shape[:-1]:
        raise ValueError(f"`targets` must have shape {l_shape[:-1]} (`logits` {l_shape} without "
                         f"its last axis), got {t_shape}")
    if not jnp.issubdtype(jnp.result_type(targets), jnp.integer):
        raise TypeError(f"`targets` must be integer codes, got dtype {jnp.result_type(targets)}")
    if weights is not None and _broadcast(jnp.shape(weights), t_shape) != t_shape:
        raise ValueError(f"`weights` must broadcast to the shape of `targets` {t_shape}, got "
                         f"{jnp.shape(weights)}")
    _check_codes(targets, l_shape[-1], "targets")
    nll = (jax.nn.logsumexp(logits, -1)
           - jnp.take_along_axis(logits, targets[..., None], -1)[..., 0])
    if weights is None:
        return nll.mean()
    return jnp.sum(weights * nll) / jnp.maximum(jnp.sum(weights), 1e-12)


def _broadcast(a: tuple, b: tuple) -> tuple | None:
    try:
        return jnp.broadcast_shapes(a, b)
    except ValueError:
        return None


def next_token_objective(*, context: int, batch: int, mixer: Callable = attention) -> Callable:
    """The loss ``loss(params, text, key)`` for :func:`aitours.train.fit` (full-batch data =
    the training text (n,)): draws ``batch`` windows of ``context + 1`` characters with ``key``
    and returns the mean next-token cross-entropy (nats) of the causal model on them. Build it
    once per tour: ``fit`` compiles once per loss function."""
    context, batch = check_int(context, "context"), check_int(batch, "batch")

    def loss(params, text, key):
        window = draw_windows(key, text, batch=batch, length=context + 1)
        logits = transformer_logits(params, window[:, :-1], causal=True, mixer=mixer)
        return cross_entropy(logits, window[:, 1:])

    return loss


@partial(jax.jit, static_argnames=("causal", "mixer"))
def _bits(params, x, y, causal, mixer):
    logits = transformer_logits(params, x, causal=causal, mixer=mixer)
    return cross_entropy(logits, y) / jnp.log(2.0)


def bits_per_char(params: dict, x: jax.Array, y: jax.Array, *, causal: bool = True,
                  mixer: Callable = attention) -> float:
    """Mean −log2 p(y | x) over all positions of the windows (n, T) of :func:`eval_windows`:
    the model's bits per character on that text (one compiled program per shape)."""
    x, y = jnp.asarray(x), jnp.asarray(y)
    if x.shape != y.shape or x.ndim != 2:
        raise ValueError(f"`x` and `y` must be windows of the same shape (n, T), got "
                         f"{tuple(x.shape)} and {tuple(y.shape)}")
    _check_tokens(params, x)     # the values are not checked inside the compiled program
    head = jnp.shape(params["head"])[-1]
    if not jnp.issubdtype(y.dtype, jnp.integer):
        raise TypeError(f"`y` must be integer codes, got dtype {y.dtype}")
    _check_codes(y, head, "y")
    return float(_bits(params, x, y, bool(causal), mixer))


def adamw_cosine(lr: float, n_steps: int, *, warmup: int = 100,
                 weight_decay: float = 0.01) -> optax.GradientTransformation:
    """AdamW whose learning rate rises linearly from 0 to ``lr`` in ``warmup`` steps, then
    decays to 0 along a cosine at step ``n_steps``."""
    if not 0 < lr < float("inf"):
        raise ValueError(f"`lr` must be finite and > 0, got {lr!r}")
    if not 0 <= weight_decay < float("inf"):
        raise ValueError(f"`weight_decay` must be finite and >= 0, got {weight_decay!r}")
    n_steps, warmup = check_int(n_steps, "n_steps"), check_int(warmup, "warmup", minimum=0)
    schedule = optax.warmup_cosine_decay_schedule(0.0, lr, warmup, max(n_steps, warmup + 1))
    return optax.adamw(schedule, weight_decay=weight_decay)


# --------------------------------------------------------------------------- n-gram baselines
class NGram(NamedTuple):
    """Counts of an interpolated Kneser–Ney n-gram model (see :func:`fit_ngram`).

    ``tables[n - 1]`` for order n holds, for raw counts (``"raw"``) and continuation counts
    (``"cont"``, the number of distinct characters seen before the n-gram): the sorted n-gram
    ids with their counts, the sorted context ids with their summed counts and numbers of
    distinct continuations, and the discount D."""
    vocab: int
    max_order: int
    tables: tuple


def _ids(data, n, vocab):
    """Id Σ_j data[i + j]·vocab^(n-1-j) of the n-gram starting at each i (len(data) - n + 1,)."""
    ids = np.zeros(len(data) - n + 1, dtype=np.int64)
    for j in range(n):
        ids = ids * vocab + data[j:len(data) - n + 1 + j]
    return ids


def _sorted_unique(a):
    """Unique values of the sorted array a, and the count of each."""
    start = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    return a[start], np.diff(np.r_[start, len(a)])


def _table(keys, counts, vocab):
    """Counts of the sorted n-gram ids ``keys``, grouped by context (the id // vocab)."""
    ctx, types = _sorted_unique(keys // vocab)
    group = np.repeat(np.arange(len(ctx)), types)
    n1, n2 = np.sum(counts == 1), np.sum(counts == 2)
    return {"keys": keys, "counts": counts, "ctx": ctx,
            "ctx_total": np.bincount(group, weights=counts),
            "ctx_types": types.astype(np.float64),
            "D": n1 / (n1 + 2 * n2) if n1 + n2 else 0.5}


def fit_ngram(train: np.ndarray, *, vocab: int, max_order: int = 5) -> NGram:
    """Count the n-grams of the text ``train`` (n,) of codes < ``vocab``, orders 1 to
    ``max_order``, for interpolated Kneser–Ney (Kneser & Ney 1995; Chen & Goodman 1999) with
    one discount per order, D = n₁ / (n₁ + 2 n₂) (n_k: n-grams seen exactly k times)."""
    vocab, max_order = check_int(vocab, "vocab"), check_int(max_order, "max_order")
    train = np.asarray(train, dtype=np.int64)
    if train.ndim != 1 or len(train) <= max_order:
        raise ValueError(f"`train` must be a 1-d text longer than `max_order` = {max_order}")
    if train.min() < 0 or train.max() >= vocab:
        raise ValueError(f"`train` holds codes outside 0 … {vocab - 1} (`vocab` = {vocab})")
    if vocab ** max_order >= 2 ** 62:
        raise ValueError(f"`vocab` ** `max_order` = {vocab}^{max_order} overflows int64 ids")
    raw = [_sorted_unique(np.sort(_ids(train, n, vocab))) for n in range(1, max_order + 1)]
    tables = []
    for n in range(1, max_order + 1):
        table = {"raw": _table(raw[n - 1][0], raw[n - 1][1].astype(np.float64), vocab)}
        if n < max_order:  # distinct left neighbours of each n-gram, from the (n+1)-grams
            ckeys, ccounts = _sorted_unique(np.sort(raw[n][0] % vocab ** n))
            table["cont"] = _table(ckeys, ccounts.astype(np.float64), vocab)
        tables.append(table)
    return NGram(vocab, max_order, tuple(tables))


def _lookup(keys, values, queries):
    idx = np.clip(np.searchsorted(keys, queries), 0, len(keys) - 1)
    return np.where(keys[idx] == queries, values[idx], 0.0)


def _kn(model, context, targets, order):
    """p(targets | context) (N, m) for contexts (N, order - 1) and targets (N, m)."""
    V = model.vocab
    p = np.full(targets.shape, 1.0 / V)
    for n in range(1, order + 1):
        t = model.tables[n - 1]["raw" if n == order else "cont"]
        ctx = np.zeros(len(context), dtype=np.int64)
        for j in range(n - 1):
            ctx = ctx * V + context[:, context.shape[1] - (n - 1) + j]
        total = _lookup(t["ctx"], t["ctx_total"], ctx)[:, None]
        types = _lookup(t["ctx"], t["ctx_types"], ctx)[:, None]
        c = _lookup(t["keys"], t["counts"], ctx[:, None] * V + targets)
        seen = total > 0
        safe = np.where(seen, total, 1.0)
        p = np.where(seen, (np.maximum(c - t["D"], 0) + t["D"] * types * p) / safe, p)
    return p


def _check_order(model, order):
    order = check_int(order, "order")
    if order > model.max_order:
        raise ValueError(f"`order` ({order}) exceeds the model's `max_order` "
                         f"({model.max_order})")
    return order


def ngram_probs(model: NGram, context: np.ndarray, *, order: int) -> np.ndarray:
    """The distribution (N, vocab) of the next character given the contexts (N, k), k ≥
    order - 1 (only the last order - 1 characters are read), under the ``order``-gram
    Kneser–Ney model (order 1: the unigram). Each row sums to 1."""
    order = _check_order(model, order)
    context = np.asarray(context, dtype=np.int64)
    if context.ndim != 2 or context.shape[1] < order - 1:
        raise ValueError(f"`context` must have shape (N, k) with k ≥ order - 1 = {order - 1}, "
                         f"got {context.shape}")
    if context.size and (context.min() < 0 or context.max() >= model.vocab):
        raise ValueError(f"`context` holds codes outside 0 … {model.vocab - 1}")
    targets = np.broadcast_to(np.arange(model.vocab), (len(context), model.vocab))
    return _kn(model, context, targets, order)


def ngram_bits(model: NGram, data: np.ndarray, *, order: int) -> float:
    """Bits per character of the ``order``-gram model on the text ``data`` (n,), scored on
    data[max_order - 1:] (the same characters for every order), each given its n - 1
    predecessors."""
    order = _check_order(model, order)
    data = np.asarray(data, dtype=np.int64)
    start = model.max_order - 1
    if data.ndim != 1 or len(data) <= start:
        raise ValueError(f"`data` must be a 1-d text longer than {start} characters")
    if data.min() < 0 or data.max() >= model.vocab:
        raise ValueError(f"`data` holds codes outside 0 … {model.vocab - 1}")
    context = np.stack([data[start - k:len(data) - k] for k in range(start, 0, -1)], axis=1) \
        if start else np.zeros((len(data), 0), dtype=np.int64)
    p = _kn(model, context, data[start:, None], order)[:, 0]
    return float(-np.mean(np.log2(p)))
