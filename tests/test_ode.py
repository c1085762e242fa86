"""ODE integrators and ResNets: closed forms, convergence orders, invertibility, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aitours import enable_x64
from aitours.nn import init_mlp, mlp
from aitours.ode import euler, init_resnet, resnet, rk4
from aitours.rates import loglog_slope


def linear(a, t, x):
    """dx/dt = a x (a scalar): x(t) = x0 e^{a t}."""
    return a * x


def time_dependent(a, t, x):
    """dx/dt = a t x: x(t) = x0 exp(a t^2 / 2)."""
    return a * t * x


def branch(theta, x):
    return mlp(theta, x)


X0 = jnp.array([[1.0, -2.0], [0.5, 3.0]])


def test_euler_matches_its_closed_form():
    # Euler on dx/dt = a x gives exactly x0 (1 + a h)^n
    out = euler(linear, 0.7, X0, 10)
    np.testing.assert_allclose(out, X0 * (1 + 0.07) ** 10, rtol=1e-6)
    assert out.shape == X0.shape


def test_trajectory_shape_and_endpoints():
    traj = rk4(linear, 0.7, X0, 8, trajectory=True)
    assert traj.shape == (9, 2, 2)
    np.testing.assert_array_equal(traj[0], X0)
    np.testing.assert_allclose(traj[-1], rk4(linear, 0.7, X0, 8), rtol=1e-6)


def test_rk4_accuracy_and_orders():
    with enable_x64():
        x0 = jnp.asarray(X0, jnp.float64)
        exact = x0 * np.exp(0.5 * 1.3)                 # a t^2 / 2 at t = 1, a = 1.3
        ns = np.array([4, 8, 16, 32])
        err_e = [float(jnp.max(jnp.abs(euler(time_dependent, 1.3, x0, n) - exact))) for n in ns]
        err_r = [float(jnp.max(jnp.abs(rk4(time_dependent, 1.3, x0, n) - exact))) for n in ns]
    assert -1.15 < loglog_slope(ns, err_e) < -0.85
    assert -4.3 < loglog_slope(ns, err_r) < -3.7
    assert err_r[-1] < 1e-7


def test_backward_integration_inverts():
    fwd = rk4(linear, -0.4, X0, 20)
    back = rk4(linear, -0.4, fwd, 20, t0=1.0, t1=0.0)
    np.testing.assert_allclose(back, X0, rtol=1e-5, atol=1e-6)


def test_dynamic_number_of_steps_matches_static():
    for n in (3, 7):
        np.testing.assert_allclose(rk4(time_dependent, 0.9, X0, jnp.asarray(n)),
                                   rk4(time_dependent, 0.9, X0, n), rtol=1e-6)
        np.testing.assert_allclose(euler(time_dependent, 0.9, X0, jnp.asarray(n)),
                                   euler(time_dependent, 0.9, X0, n), rtol=1e-6)


def test_gradient_through_the_solver():
    # d/da of x0 e^{a} at t = 1 is x0 e^{a}
    g = jax.grad(lambda a: jnp.sum(rk4(linear, a, X0, 32)))(0.3)
    np.testing.assert_allclose(g, float(jnp.sum(X0)) * np.exp(0.3), rtol=1e-4)


def test_init_resnet_shapes_and_statistics():
    layers = init_resnet(jax.random.PRNGKey(0), 50, [3, 40, 2])
    (W1, b1), (W2, b2) = layers
    assert W1.shape == (50, 40, 3) and b1.shape == (50, 40)
    assert W2.shape == (50, 2, 40) and b2.shape == (50, 2)
    assert abs(float(jnp.var(W1)) * 3 - 1) < 0.1           # N(0, 1/d_in)
    assert abs(float(jnp.var(W2)) * 40 - 1) < 0.1
    assert float(jnp.max(jnp.abs(W1[0] - W1[1]))) > 0       # layers are independent
    he = init_resnet(jax.random.PRNGKey(0), 50, [3, 40, 2], scale="he")
    np.testing.assert_allclose(he[0][0], np.sqrt(2) * W1, rtol=1e-6)
    # layer k is init_mlp with the k-th of the split keys (init_resnet vmaps init_mlp)
    k7 = jax.random.split(jax.random.PRNGKey(0), 50)[7]
    for (W, b), (W7, b7) in zip(layers, init_mlp(k7, [3, 40, 2]), strict=True):
        np.testing.assert_allclose(W[7], W7, rtol=1e-6)
        np.testing.assert_array_equal(b[7], b7)


def test_zero_branches_give_the_identity():
    layers = init_resnet(jax.random.PRNGKey(1), 30, [2, 16, 2], zero_last=True)
    x = jax.random.normal(jax.random.PRNGKey(2), (20, 2))
    np.testing.assert_array_equal(resnet(branch, layers, x), x)


def test_resnet_with_shared_layers_is_euler():
    one = init_resnet(jax.random.PRNGKey(3), 1, [2, 8, 2])
    theta = [(W[0], b[0]) for W, b in one]
    layers = [(jnp.repeat(W, 12, 0), jnp.repeat(b, 12, 0)) for W, b in one]
    out = resnet(branch, layers, X0, t1=2.0)
    ref = euler(lambda p, t, x: mlp(p, x), theta, X0, 12, t1=2.0)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    traj = resnet(branch, layers, X0, trajectory=True)
    assert traj.shape == (13, 2, 2)


def test_bad_inputs_raise():
    with pytest.raises(TypeError, match="`v`"):
        euler("not a function", 0.1, X0, 10)
    with pytest.raises(ValueError, match="n_steps"):
        rk4(linear, 0.1, X0, 0)
    with pytest.raises(TypeError, match="n_steps"):
        rk4(linear, 0.1, X0, 2.5)
    with pytest.raises(ValueError, match="`t1` must differ"):
        euler(linear, 0.1, X0, 10, t1=0.0)
    with pytest.raises(ValueError, match="finite"):
        euler(linear, 0.1, X0, 10, t1=np.inf)
    with pytest.raises(ValueError, match="trajectory"):
        rk4(linear, 0.1, X0, jnp.asarray(4), trajectory=True)
    with pytest.raises(ValueError, match=">= 1"):
        rk4(linear, 0.1, X0, jnp.asarray(0))
    with pytest.raises(ValueError, match="integer"):
        rk4(linear, 0.1, X0, jnp.asarray(2.0))
    with pytest.raises(ValueError, match="leading size"):
        resnet(branch, [(jnp.ones((3, 2, 2)), jnp.ones((4, 2)))], X0)
    with pytest.raises(ValueError, match="sizes"):
        init_resnet(jax.random.PRNGKey(0), 3, [2])
    with pytest.raises(ValueError, match="scale"):
        init_resnet(jax.random.PRNGKey(0), 3, [2, 2], scale="xavier")
    with pytest.raises(ValueError, match="depth"):
        init_resnet(jax.random.PRNGKey(0), 0, [2, 2])
