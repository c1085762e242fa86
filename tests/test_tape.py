"""The scalar reverse-mode tape: gradients vs closed forms and jax.grad, op counts, bad input."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aitours import enable_x64
from aitours.tape import Tape, value_and_grad


def test_closed_form_gradient():
    # f(x, y) = x*y + exp(x)/y - log(y) + tanh(x)**2 ;
    def f(v):
        x, y = v
        return x * y + x.exp() / y - y.log() + x.tanh() ** 2

    x, y = 0.3, 1.7
    val, (gx, gy), _ = value_and_grad(f, [x, y])
    t = math.tanh(x)
    assert val == pytest.approx(x * y + math.exp(x) / y - math.log(y) + t**2, rel=1e-14)
    assert gx == pytest.approx(y + math.exp(x) / y + 2 * t * (1 - t * t), rel=1e-14)
    assert gy == pytest.approx(x - math.exp(x) / y**2 - 1 / y, rel=1e-14)


def test_constants_on_both_sides():
    def f(v):
        (x,) = v
        return 2.0 * x + 1.0 - (3.0 - x) / 4.0 + 1.0 / x - (-x)

    val, (g,), _ = value_and_grad(f, [2.0])
    assert val == pytest.approx(4 + 1 - 0.25 + 0.5 + 2)
    assert g == pytest.approx(2 + 0.25 - 0.25 + 1)


@pytest.mark.parametrize("f, value, grad", [
    (lambda x: 3.0 - x, 1.0, -1.0),           # __rsub__
    (lambda x: 3.0 / x, 1.5, -0.75),          # __rtruediv__: -3 / x^2
    (lambda x: -x, -2.0, -1.0),               # __neg__
])
def test_reflected_operators_record_one_node(f, value, grad):
    val, (g,), tape = value_and_grad(lambda v: f(v[0]), [2.0])
    assert val == pytest.approx(value) and g == pytest.approx(grad)
    assert tape.n_ops == 1 and tape.n_edges == 1


def test_reused_variable_accumulates():
    val, (g,), tape = value_and_grad(lambda v: v[0] * v[0] * v[0], [1.5])
    assert val == pytest.approx(1.5**3) and g == pytest.approx(3 * 1.5**2)
    assert tape.n_ops == 2 and tape.n_edges == 4


def test_matches_jax_on_a_small_mlp():
    rng = np.random.default_rng(0)
    W1, b1, W2 = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(1, 4))
    X = rng.normal(size=(3, 5))
    theta = np.concatenate([W1.ravel(), b1, W2.ravel()])

    def unpack(t):
        return t[:12].reshape(4, 3), t[12:16], t[16:].reshape(1, 4)

    def E_np(t):  # works on float arrays and on arrays of Var
        W1_, b1_, W2_ = unpack(t)
        h = np.tanh(W1_ @ X + b1_[:, None])
        return np.sum((W2_ @ h) ** 2) / 5

    _, g, tape = value_and_grad(lambda v: E_np(np.array(v, dtype=object)), theta)
    with enable_x64():
        def E_jax(t):
            W1_, b1_, W2_ = unpack(t)
            return jnp.sum((W2_ @ jnp.tanh(W1_ @ X + b1_[:, None])) ** 2) / 5

        g_ref = np.asarray(jax.grad(E_jax)(jnp.asarray(theta)))
    np.testing.assert_allclose(g, g_ref, rtol=1e-12, atol=1e-14)
    assert tape.n_edges <= 2 * tape.n_ops


def test_backward_from_an_intermediate_node():
    tape = Tape()
    x = tape.push(2.0)
    y = x * 3.0
    _ = y.exp()                      # recorded after y: ignored by backward(y)
    adj = tape.backward(y)
    assert adj[x.index] == 3.0 and len(adj) == 3


def test_bad_input():
    with pytest.raises(ValueError, match="`x`"):
        value_and_grad(lambda v: v[0], [])
    with pytest.raises(ValueError, match="`x`"):
        value_and_grad(lambda v: v[0], [float("nan")])
    with pytest.raises(TypeError, match="must return a Var"):
        value_and_grad(lambda v: 1.0, [1.0])
    with pytest.raises(TypeError, match="constant exponents"):
        value_and_grad(lambda v: v[0] ** v[1], [1.0, 2.0])
    t1, t2 = Tape(), Tape()
    with pytest.raises(ValueError, match="different tapes"):
        t1.push(1.0) + t2.push(2.0)
    with pytest.raises(ValueError, match="`output`"):
        t1.backward(t2.push(1.0))
