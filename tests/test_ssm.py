"""aitours.ssm: the parallel scan against the sequential recurrence, stability, causality, the
impulse response in closed form, bad input."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aitours.ssm import (
    combine,
    decay,
    init_ssm,
    linear_recurrence,
    linear_recurrence_sequential,
    ssm,
    state_size,
)

KEY = jax.random.PRNGKey(0)


def _loop(a, u):
    """h_t = a_t h_{t-1} + u_t written with a Python loop over numpy arrays (time axis -2)."""
    a = np.broadcast_to(a, u.shape)
    h = np.zeros(u.shape, dtype=np.result_type(a, u))
    prev = np.zeros(u.shape[:-2] + u.shape[-1:], dtype=h.dtype)
    for t in range(u.shape[-2]):
        prev = a[..., t, :] * prev + u[..., t, :]
        h[..., t, :] = prev
    return h


@pytest.mark.parametrize("is_complex", [False, True])
@pytest.mark.parametrize("batch", [(), (3,), (2, 2)])
def test_parallel_scan_equals_sequential_and_a_loop(is_complex, batch):
    k1, k2, k3 = jax.random.split(KEY, 3)
    u = jax.random.normal(k1, (*batch, 37, 5))
    a = jax.random.uniform(k2, (5,), minval=0.3, maxval=0.99)
    if is_complex:
        u = u + 1j * jax.random.normal(k3, u.shape)
        a = a * jnp.exp(1j * jax.random.uniform(k3, (5,), maxval=math.pi))
    par, seq = linear_recurrence(a, u), linear_recurrence_sequential(a, u)
    assert par.shape == u.shape and par.dtype == seq.dtype
    np.testing.assert_allclose(par, seq, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(seq, _loop(np.asarray(a), np.asarray(u)), rtol=1e-4, atol=1e-5)


def test_time_varying_decay():
    k1, k2 = jax.random.split(KEY)
    u = jax.random.normal(k1, (4, 20, 3))
    a = jax.random.uniform(k2, (4, 20, 3))                 # one gate per step (selective)
    np.testing.assert_allclose(linear_recurrence(a, u), _loop(np.asarray(a), np.asarray(u)),
                               rtol=1e-4, atol=1e-5)


def test_combine_is_associative_and_composes_affine_maps():
    k = jax.random.split(KEY, 6)
    p, q, r = [(jax.random.normal(k[i], (4,)), jax.random.normal(k[i + 3], (4,))) for i in range(3)]
    lhs, rhs = combine(combine(p, q), r), combine(p, combine(q, r))
    for x, y in zip(lhs, rhs, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
    h = jnp.arange(4.0)
    a, u = combine(p, q)                                   # first p, then q
    np.testing.assert_allclose(a * h + u, q[0] * (p[0] * h + p[1]) + q[1], rtol=1e-5)


@pytest.mark.parametrize("is_complex", [False, True])
def test_init_and_decay_are_stable(is_complex):
    params = init_ssm(KEY, 6, 16, complex=is_complex, r_min=0.4, r_max=0.95)
    a = decay(params)
    assert state_size(params) == 16
    assert jnp.iscomplexobj(a) == is_complex
    assert params["B"].shape == ((2 if is_complex else 1), 16, 6)
    assert params["C"].shape == ((2 if is_complex else 1), 6, 16)
    assert float(jnp.abs(a).min()) >= 0.4 - 1e-5 and float(jnp.abs(a).max()) <= 0.95 + 1e-5
    wild = dict(params, nu_log=jnp.linspace(-30.0, 30.0, 16))   # any ν: |a| ≤ 1 up to rounding
    assert float(jnp.abs(decay(wild)).max()) <= 1.0 + 1e-6


@pytest.mark.parametrize("is_complex", [False, True])
def test_layer_parallel_equals_sequential_and_is_causal(is_complex):
    params = init_ssm(KEY, 4, 8, complex=is_complex)
    x = jax.random.normal(jax.random.PRNGKey(1), (2, 30, 4))
    y = ssm(params, x)
    assert y.shape == x.shape and y.dtype == x.dtype
    np.testing.assert_allclose(y, ssm(params, x, sequential=True), rtol=1e-4, atol=1e-5)
    y2 = ssm(params, x.at[:, 15:].add(1.0))
    np.testing.assert_allclose(y2[:, :15], y[:, :15], rtol=1e-6, atol=1e-6)
    assert float(jnp.abs(y2[:, 15:] - y[:, 15:]).max()) > 1e-3


def test_impulse_response_closed_form():
    """x = e_i δ_t: y_t = Re(C diag(γ a^t) B e_i) + D_i e_i δ_{t0}."""
    params = init_ssm(KEY, 3, 5)
    x = jnp.zeros((12, 3)).at[0, 1].set(1.0)
    a = np.asarray(decay(params))
    gamma = np.sqrt(1 - np.abs(a) ** 2)
    B = np.asarray(params["B"][0] + 1j * params["B"][1])
    C = np.asarray(params["C"][0] + 1j * params["C"][1])
    t = np.arange(12)[:, None]
    expected = np.real((a[None] ** t * gamma * B[:, 1]) @ C.T)
    expected[0] += np.asarray(params["D"]) * np.eye(3)[1]
    np.testing.assert_allclose(ssm(params, x), expected, rtol=1e-4, atol=1e-5)


def test_jit_and_grad():
    params = init_ssm(KEY, 4, 6)
    x = jax.random.normal(KEY, (10, 4))
    g = jax.jit(jax.grad(lambda p: jnp.sum(ssm(p, x) ** 2)))(params)
    assert all(bool(jnp.all(jnp.isfinite(v))) for v in jax.tree.leaves(g))
    assert float(jnp.abs(g["nu_log"]).sum()) > 0 and float(jnp.abs(g["theta_log"]).sum()) > 0


def test_bad_input():
    params = init_ssm(KEY, 4, 6)
    with pytest.raises(ValueError, match="shape"):
        ssm(params, jnp.ones((10, 5)))
    with pytest.raises(ValueError, match="shape"):
        linear_recurrence(0.5, jnp.ones(5))
    with pytest.raises(ValueError, match="r_min"):
        init_ssm(KEY, 4, 6, r_min=0.9, r_max=0.5)
    with pytest.raises(ValueError, match="r_min"):
        init_ssm(KEY, 4, 6, r_max=1.0)
    with pytest.raises(ValueError, match="state"):
        init_ssm(KEY, 4, 0)
