"""Attention from scratch: softmax attention, causal mask, multi-head, linear attention.

Tokens are the rows of an array: ``x`` (..., n, d) holds n tokens of dimension d; leading axes
(a batch of sequences) broadcast. Queries ``q`` (..., n, d_k) attend to keys ``k`` (..., m, d_k)
and mix the values ``v`` (..., m, d_v).

Each public function checks its arguments, then calls a jitted core: one compilation per
shape instead of one per elementary operation, which keeps a notebook's first run quick.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from aitours._checks import check_int, check_key


def _batch_shape(arrays: dict) -> tuple[int, ...]:
    """The broadcast leading (batch) shape of arrays (..., tokens, dim), or a ValueError naming
    them with their shapes."""
    try:
        return jnp.broadcast_shapes(*(a.shape[:-2] for a in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"`{n}` {tuple(a.shape)}" for n, a in arrays.items())
        raise ValueError(f"the leading (batch) axes of {shapes} do not broadcast") from None


def _check_qkv(q, k, v):
    q, k, v = jnp.asarray(q), jnp.asarray(k), jnp.asarray(v)
    for name, a in (("q", q), ("k", k), ("v", v)):
        if a.ndim < 2:
            raise ValueError(f"`{name}` must have shape (..., tokens, dim), got {tuple(a.shape)}")
        if not jnp.issubdtype(a.dtype, jnp.number):
            raise TypeError(f"`{name}` must be a numeric array, got dtype {a.dtype}")
    if q.shape[-1] < 1:
        raise ValueError(f"`q` and `k` must have a last dimension d_k >= 1, got {tuple(q.shape)}")
    if k.shape[-2] < 1:
        raise ValueError(f"`k` must hold at least one token (key), got shape {tuple(k.shape)}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"`q` and `k` must share their last dimension, got {q.shape[-1]} and "
                         f"{k.shape[-1]}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"`k` and `v` must hold the same number of tokens, got {k.shape[-2]} "
                         f"and {v.shape[-2]}")
    _batch_shape({"q": q, "k": k, "v": v})
    return q, k, v


def _check_mask(mask, n: int, m: int, batch: dict):
    if mask is None:
        return None
    mask = jnp.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"`mask` must be a boolean array (True = may attend), got dtype "
                        f"{mask.dtype}")
    if mask.ndim < 2 or mask.shape[-2:] != (n, m):
        raise ValueError(f"`mask` must have shape (..., {n}, {m}) (queries × keys), got "
                         f"{tuple(mask.shape)}")
    _batch_shape({**batch, "mask": mask})
    return mask


def causal_mask(n: int) -> jax.Array:
    """Boolean (n, n) lower-triangular mask: token i may attend to tokens j ≤ i only."""
    n = check_int(n, "n")
    return jnp.tril(jnp.ones((n, n), dtype=bool))


@jax.jit
def _weights(q, k, mask):
    scores = q @ jnp.swapaxes(k, -1, -2) / jnp.sqrt(q.shape[-1]).astype(q.dtype)
    if mask is None:
        return jax.nn.softmax(scores, axis=-1)
    weights = jax.nn.softmax(jnp.where(mask, scores, -jnp.inf), axis=-1)
    return jnp.where(mask, weights, 0.0)


def attention_weights(q: ArrayLike, k: ArrayLike, mask: ArrayLike | None = None) -> jax.Array:
    """Softmax attention weights A = softmax(q kᵀ / √d_k) row by row, shape (..., n, m).

    ``mask`` (n, m) boolean (or broadcastable to (..., n, m)): False entries get weight 0
    (their score is set to −∞ before the softmax). Each row of A is a probability vector; a
    row whose entries are all masked is returned as zeros (a documented choice, not an error:
    such a query attends to nothing; its gradient is zero, not NaN).
    """
    q, k, _ = _check_qkv(q, k, k)
    return _weights(q, k, _check_mask(mask, q.shape[-2], k.shape[-2], {"q": q, "k": k}))


def softmax_attention(q: ArrayLike, k: ArrayLike, v: ArrayLike,
                      mask: ArrayLike | None = None) -> jax.Array:
    """Attention(q, k, v) = softmax(q kᵀ / √d_k) v: output (..., n, d_v).

    q (..., n, d_k), k (..., m, d_k), v (..., m, d_v); ``mask`` as in :func:`attention_weights`
    (e.g. ``causal_mask(n)``). A query whose keys are all masked gets the output 0.
    """
    q, k, v = _check_qkv(q, k, v)
    mask = _check_mask(mask, q.shape[-2], k.shape[-2], {"q": q, "k": k, "v": v})
    return _weights(q, k, mask) @ v


@partial(jax.jit, static_argnums=(1, 2, 3))
def _init_multi_head(key, d_model, n_heads, d_head):
    kq, kk, kv, ko = jax.random.split(key, 4)   # one key per map
    shape = (n_heads, d_model, d_head)
    return {"Wq": jax.random.normal(kq, shape) / jnp.sqrt(d_model),
            "Wk": jax.random.normal(kk, shape) / jnp.sqrt(d_model),
            "Wv": jax.random.normal(kv, shape) / jnp.sqrt(d_model),
            "Wo": jax.random.normal(ko, (n_heads, d_head, d_model)) / jnp.sqrt(n_heads * d_head)}


def init_multi_head(key: jax.Array, d_model: int, n_heads: int,
                    d_head: int | None = None) -> dict[str, jax.Array]:
    """Random parameters of a multi-head attention layer.

    Returns a dict with ``Wq``, ``Wk``, ``Wv`` of shape (n_heads, d_model, d_head) and ``Wo``
    (n_heads, d_head, d_model), entries N(0, 1/fan_in). ``d_head`` defaults to
    d_model // n_heads.
    """
    check_key(key)
    d_model, n_heads = check_int(d_model, "d_model"), check_int(n_heads, "n_heads")
    if d_head is None:
        if d_model % n_heads:
            raise ValueError(f"`d_model` ({d_model}) must be a multiple of `n_heads` ({n_heads}) "
                             "unless `d_head` is given")
        d_head = d_model // n_heads
    d_head = check_int(d_head, "d_head")
    return _init_multi_head(key, d_model, n_heads, d_head)


@jax.jit
def _multi_head(params, x, mask):
    xh = x[..., None, :, :]                       # (..., 1, n, d_model): broadcast over heads
    q, k, v = xh @ params["Wq"], xh @ params["Wk"], xh @ params["Wv"]   # (..., h, n, d_head)
    heads = _weights(q, k, mask) @ v
    return jnp.sum(heads @ params["Wo"], axis=-3)


def multi_head_attention(params: dict[str, jax.Array], x: ArrayLike,
                         mask: ArrayLike | None = None) -> jax.Array:
    """Multi-head self-attention of the tokens ``x`` (..., n, d_model) → (..., n, d_model).

    Head h computes softmax attention of (x Wq[h], x Wk[h], x Wv[h]); the heads' outputs are
    concatenated and mixed by Wo, i.e. summed as Σ_h head_h Wo[h]. ``params`` as returned by
    :func:`init_multi_head`; ``mask`` as in :func:`attention_weights`.
    """
    x = jnp.asarray(x)
    if not isinstance(params, dict):
        raise TypeError(f"`params` must be the dict of init_multi_head, got "
                        f"{type(params).__name__}")
    missing = {"Wq", "Wk", "Wv", "Wo"} - set(params)
    if missing:
        raise ValueError(f"`params` lacks {sorted(missing)}: use init_multi_head")
    shape = tuple(jnp.shape(params["Wq"]))
    if len(shape) != 3:
        raise ValueError(f"`params['Wq']` must be (n_heads, d_model, d_head), got {shape}")
    h, d_model, d_head = shape
    for name, want in (("Wk", shape), ("Wv", shape), ("Wo", (h, d_head, d_model))):
        if tuple(jnp.shape(params[name])) != want:
            raise ValueError(f"`params['{name}']` must have shape {want} (from `params['Wq']` "
                             f"{shape}), got {tuple(jnp.shape(params[name]))}")
    if x.ndim < 2 or x.shape[-1] != d_model:
        raise ValueError(f"`x` must have shape (..., tokens, {d_model}), got "
                         f"{tuple(x.shape)}")
    return _multi_head(params, x, _check_mask(mask, x.shape[-2], x.shape[-2], {"x": x}))


@partial(jax.jit, static_argnames=("causal", "normalize"))
def _linear(q, k, v, causal, normalize):
    n, m = q.shape[-2], k.shape[-2]
    scores = q @ jnp.swapaxes(jnp.conj(k), -1, -2)
    if causal:
        scores = jnp.where(jnp.tril(jnp.ones((n, n), dtype=bool)), scores, 0)
        count = jnp.arange(1, n + 1)
    else:
        count = jnp.full((n,), m)
    if normalize:
        scores = scores / count[:, None].astype(scores.real.dtype)
    return scores @ v


def linear_attention(q: ArrayLike, k: ArrayLike, v: ArrayLike, *, causal: bool = True,
                     normalize: bool = True) -> jax.Array:
    """Linear attention (no softmax): out_i = (1/n_i) Σ_j ⟨q_i, k_j⟩ v_j, output (..., n, d_v).

    ⟨q, k⟩ = Σ_c q_c conj(k_c) (the plain dot product for real arrays; Hermitian, linear in
    the query, for complex ones). With ``causal`` the sum runs over j ≤ i and n_i = i + 1
    (0-based), otherwise over all m keys and n_i = m; ``normalize=False`` drops the 1/n_i.
    """
    q, k, v = _check_qkv(q, k, v)
    if causal and q.shape[-2] != k.shape[-2]:
        raise ValueError(f"causal attention needs as many queries `q` as keys `k`, got "
                         f"{q.shape[-2]} and {k.shape[-2]}")
    return _linear(q, k, v, causal=bool(causal), normalize=bool(normalize))


@partial(jax.jit, static_argnums=(0, 1))
def _positions(n, d):
    t = jnp.arange(n)[:, None]
    freq = 10000.0 ** (-(jnp.arange(d) // 2 * 2) / d)
    angle = t * freq[None, :]
    return jnp.where(jnp.arange(d) % 2 == 0, jnp.sin(angle), jnp.cos(angle))


def sinusoidal_positions(n: int, d: int) -> jax.Array:
    """The sinusoidal positional encoding (n, d) of "Attention is all you need": entry (t, 2i)
    is sin(t / 10000^{2i/d}) and (t, 2i+1) is cos(t / 10000^{2i/d}).

    ``d`` must be even (columns come in sine–cosine pairs): an odd ``d`` is a ValueError rather
    than an encoding whose last frequency silently lacks its cosine."""
    n, d = check_int(n, "n"), check_int(d, "d")
    if d % 2:
        raise ValueError(f"`d` must be even (sine and cosine pairs), got d={d}")
    return _positions(n, d)
