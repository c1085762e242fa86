"""A diagonal linear recurrence (a state-space token mixer), computed by a parallel scan.

The layer of the S4D / LRU family (Gu et al. 2022, *On the parameterization and initialization
of diagonal state space models*; Orvieto et al. 2023, *Resurrecting recurrent neural networks
for long sequences*): tokens ``x`` (..., T, d) are mixed along time through a state
h_t ∈ ℂ^s (or ℝ^s) that evolves linearly and diagonally,

    h_t = a ⊙ h_{t−1} + γ ⊙ (B x_t),   h_{−1} = 0,        y_t = Re(C h_t) + D ⊙ x_t,

with a ∈ ℂ^s, B (s, d), C (d, s), D ∈ ℝ^d. The decay is parametrised to be **stable** whatever
the parameters: a = exp(−exp(ν) + i·exp(θ)), so |a| = exp(−exp(ν)) < 1; γ = √(1 − |a|²)
normalises the input so that the state of a white-noise input has unit variance (LRU).

The recurrence h_t = a_t ⊙ h_{t−1} + u_t is a composition of affine maps h ↦ a h + u, and the
composition of such maps is associative:

    (a₁, u₁) ∘ (a₂, u₂) = (a₁ a₂, a₂ u₁ + u₂)      (first (a₁, u₁), then (a₂, u₂)),

so ``jax.lax.associative_scan`` computes all T states in O(log T) parallel steps and O(T) work
(:func:`linear_recurrence`); :func:`linear_recurrence_sequential` is the plain ``lax.scan``
that it must agree with. Attention costs O(T²) in the context length T; this layer O(T).

All functions are pure and traceable (usable inside ``jax.jit``, ``vmap``, ``grad``).
"""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
from jax import lax
from jax.typing import ArrayLike

from aitours._checks import check_int, check_key
from aitours._draws import normals

__all__ = ["init_ssm", "decay", "combine", "linear_recurrence", "linear_recurrence_sequential",
           "ssm", "state_size"]


@partial(jax.jit, static_argnums=(1, 2, 3, 4, 5, 6))
def _init(key, d_model, state, complex, r_min, r_max, max_phase):
    k_r, k_p, k_b, k_c, k_d = jax.random.split(key, 5)
    u = jax.random.uniform(k_r, (state,))
    radius_sq = r_min ** 2 + u * (r_max ** 2 - r_min ** 2)
    params = {"nu_log": jnp.log(-0.5 * jnp.log(radius_sq))}        # |a| = exp(-exp(nu_log))
    parts = 2 if complex else 1
    if complex:
        phase = max_phase * jax.random.uniform(k_p, (state,), minval=1e-3 / max_phase)
        params["theta_log"] = jnp.log(phase)
    B, C, D = normals([k_b, k_c, k_d], [(parts, state, d_model), (parts, d_model, state),
                                        (d_model,)])
    params["B"] = B / math.sqrt(parts * d_model)
    params["C"] = C / math.sqrt(parts * state)
    params["D"] = D
    return params


def init_ssm(key: jax.Array, d_model: int, state: int, *, complex: bool = True,
             r_min: float = 0.5, r_max: float = 0.99, max_phase: float = math.pi) -> dict:
    """Random parameters of a diagonal recurrence with ``state`` modes, LRU's initialisation.

    The moduli |a_j| are drawn so that |a|² is uniform on [r_min², r_max²] (a ring of the
    unit disc), the phases arg a_j uniform on [0, max_phase] (complex case only); B and C are
    Gaussian with variance 1/(2 d) and 1/(2 s) per real and imaginary part (1/d, 1/s when
    real), D standard Gaussian. Returns a dict of real arrays: ``nu_log`` (s,), ``theta_log``
    (s,) when complex, ``B`` (k, s, d), ``C`` (k, d, s) with k = 2 (real and imaginary parts)
    when complex, k = 1 when real, and ``D`` (d,).
    """
    check_key(key)
    d_model, state = check_int(d_model, "d_model"), check_int(state, "state")
    if not 0.0 <= r_min < r_max < 1.0:
        raise ValueError(f"`r_min` and `r_max` must satisfy 0 <= r_min < r_max < 1, got "
                         f"r_min={r_min}, r_max={r_max}")
    if not 0 < max_phase < float("inf"):
        raise ValueError(f"`max_phase` must be > 0, got {max_phase}")
    return _init(key, d_model, state, bool(complex), float(r_min), float(r_max), float(max_phase))


def _check_params(params: dict) -> None:
    """Static checks of the parameters of :func:`init_ssm` (free at trace time)."""
    if not isinstance(params, dict) or "nu_log" not in params:
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"`params` must be the dict of init_ssm (with `nu_log`), got {got}")
    s_shape = jnp.shape(params["nu_log"])
    if len(s_shape) != 1:
        raise ValueError(f"`params['nu_log']` must have shape (s,), got {s_shape}")
    if "theta_log" in params and jnp.shape(params["theta_log"]) != s_shape:
        raise ValueError(f"`params['theta_log']` must have shape {s_shape} like `nu_log`, got "
                         f"{jnp.shape(params['theta_log'])}")


def _check_layer(params: dict) -> None:
    _check_params(params)
    missing = {"B", "C", "D"} - set(params)
    if missing:
        raise ValueError(f"`params` lacks {sorted(missing)}: use init_ssm")
    s = jnp.shape(params["nu_log"])[0]
    B, C, D = (jnp.shape(params[k]) for k in "BCD")
    parts = 2 if "theta_log" in params else 1
    if len(B) != 3 or B[:2] != (parts, s) or len(D) != 1 or B[2] != D[0] or C != (parts, D[0], s):
        raise ValueError(f"`params` shapes do not fit together: B {B}, C {C}, D {D}, with "
                         f"s = {s} modes must be B ({parts}, {s}, d), C ({parts}, d, {s}), D (d,)")


def state_size(params: dict) -> int:
    """The number of modes s of the state (complex modes count once)."""
    _check_params(params)
    return int(params["nu_log"].shape[0])


def _complex(w):
    """A matrix stored as (2, …) real and imaginary parts (or (1, …) real) as one array."""
    return w[0] + 1j * w[1] if w.shape[0] == 2 else w[0]


def decay(params: dict) -> jax.Array:
    """The diagonal a (s,) of the recurrence: exp(−exp(ν) + i exp(θ)), of modulus < 1."""
    _check_params(params)
    log_a = -jnp.exp(params["nu_log"])
    if "theta_log" in params:
        log_a = log_a + 1j * jnp.exp(params["theta_log"])
    return jnp.exp(log_a)


def combine(left, right):
    """Compose the affine maps h ↦ a_l h + u_l, then h ↦ a_r h + u_r: (a_l a_r, a_r u_l + u_r).

    The associative operator of the scan; ``left`` and ``right`` are pairs (a, u) of arrays.
    """
    for name, pair in (("left", left), ("right", right)):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"`{name}` must be a pair (a, u), got {type(pair).__name__}")
    a_l, u_l = left
    a_r, u_r = right
    return a_l * a_r, a_r * u_l + u_r


def _check_time_axis(u, a):
    if u.ndim < 2:
        raise ValueError(f"`u` must have shape (..., T, s), got {tuple(u.shape)}")
    try:
        shape = jnp.broadcast_shapes(jnp.shape(a), u.shape)
    except ValueError:
        shape = None
    if shape != u.shape:
        raise ValueError(f"`a` must broadcast against `u` {tuple(u.shape)} (a diagonal (s,) or "
                         f"one per step (..., T, s)), got shape {tuple(jnp.shape(a))}")


def linear_recurrence(a: ArrayLike, u: ArrayLike) -> jax.Array:
    """All states h_t = a_t ⊙ h_{t−1} + u_t (h_{−1} = 0) of ``u`` (..., T, s), by a parallel scan.

    ``a`` broadcasts against ``u``: a constant diagonal (s,), or one per time step (..., T, s)
    (input-dependent gates, as in Mamba). Returns h (..., T, s), of the dtype of a·u.
    """
    u = jnp.asarray(u)
    _check_time_axis(u, a)
    a = jnp.broadcast_to(jnp.asarray(a), u.shape).astype(jnp.result_type(a, u))
    return lax.associative_scan(combine, (a, u.astype(a.dtype)), axis=u.ndim - 2)[1]


def linear_recurrence_sequential(a: ArrayLike, u: ArrayLike) -> jax.Array:
    """The same states as :func:`linear_recurrence`, one time step after the other (``lax.scan``):
    the reference the parallel scan must reproduce."""
    u = jnp.asarray(u)
    _check_time_axis(u, a)
    a = jnp.broadcast_to(jnp.asarray(a), u.shape).astype(jnp.result_type(a, u))
    a_t, u_t = jnp.moveaxis(a, -2, 0), jnp.moveaxis(u.astype(a.dtype), -2, 0)

    def step(h, au):
        h = au[0] * h + au[1]
        return h, h

    _, h = lax.scan(step, jnp.zeros_like(u_t[0]), (a_t, u_t))
    return jnp.moveaxis(h, 0, -2)


def ssm(params: dict, x: ArrayLike, *, sequential: bool = False) -> jax.Array:
    """The layer: tokens ``x`` (..., T, d) real → y (..., T, d), y_t = Re(C h_t) + D ⊙ x_t.

    ``sequential=True`` runs the recurrence with ``lax.scan`` instead of the parallel scan
    (same values up to rounding).
    """
    _check_layer(params)
    x = jnp.asarray(x)
    d = params["B"].shape[-1]
    if x.ndim < 2 or x.shape[-1] != d:
        raise ValueError(f"`x` must have shape (..., T, {d}), got {tuple(x.shape)}")
    return _ssm(params, x, bool(sequential))


@partial(jax.jit, static_argnums=2)
def _ssm(params, x, sequential):
    B, C = _complex(params["B"]), _complex(params["C"])
    a = decay(params)
    gamma = jnp.sqrt(1.0 - jnp.abs(a) ** 2)
    u = gamma * (x @ B.T)                                    # (..., T, s)
    h = (linear_recurrence_sequential if sequential else linear_recurrence)(a, u)
    return jnp.real(h @ C.T) + params["D"] * x
