"""Property tests of the optimisation helpers: optim, losses, nn, ode, train, rates, tape, flops."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aitours import enable_x64
from aitours.flops import compile_with_flops, median_time, xla_flops
from aitours.losses import least_squares, logistic, logistic_per_sample, risk_curve, softplus
from aitours.nn import count_params, init_gain, init_mlp, mlp
from aitours.ode import euler, init_resnet, resnet, rk4
from aitours.optim import draw_indices, gradient_descent, sgd
from aitours.rates import linear_rate, loglog_slope
from aitours.tape import Tape, Var, value_and_grad
from aitours.train import fit, make_step, minibatch

KEY = jax.random.key(0)
bad_size = st.one_of(st.integers(-3, 0), st.sampled_from([2.5, "4", None]))
bad_value = st.sampled_from([np.nan, np.inf, -np.inf])


def raises_naming(name, fn, *args, **kwargs):
    with pytest.raises((ValueError, TypeError)) as info:
        fn(*args, **kwargs)
    assert f"`{name}`" in str(info.value), str(info.value)


def poisoned(x, i, value):
    x = np.array(x)
    x.flat[i % x.size] = value
    return x


X = jax.random.normal(KEY, (20, 3))
Y = X @ jnp.array([1.0, -2.0, 0.5])
grad_E = jax.grad(least_squares)


def grad_i(theta, sample):
    x, y = sample
    return jax.grad(logistic_per_sample)(theta, x, y)


@given(st.integers(0, 59), bad_value)
def test_iterative_helpers_reject_non_finite_data(i, value):
    raises_naming("x0", gradient_descent, lambda t: grad_E(t, X, Y), poisoned(jnp.zeros(3), i,
                                                                             value), 5, 0.1)
    raises_naming("data", sgd, grad_i, jnp.zeros(3), (poisoned(X, i, value), jnp.sign(Y)), 4,
                  0.1, key=KEY)
    raises_naming("x0", euler, _field, None, poisoned(jnp.ones(3), i, value), 4)
    raises_naming("data", fit, _loss, jnp.zeros(3), optax.sgd(0.1), 3, (poisoned(X, i, value), Y),
                  key=KEY, progress=False)


def _field(params, t, x):
    return -x


def _loss(theta, batch, key):
    return least_squares(theta, *batch)


@given(st.floats(0.01, 0.3), st.integers(1, 30))
def test_gradient_descent_decreases_a_convex_risk(tau, n_steps):
    thetas = gradient_descent(lambda t: grad_E(t, X, Y), jnp.zeros(3), n_steps, tau)
    assert thetas.shape == (n_steps + 1, 3)
    risks = np.asarray(risk_curve(least_squares, thetas, X, Y))
    assert np.all(np.diff(risks) <= 1e-5 * risks[0])


@given(bad_size, st.sampled_from([0.0, -0.1, np.nan, np.inf, "0.1", None]))
def test_optimisers_reject_bad_sizes_and_steps(n, tau):
    g = lambda t: grad_E(t, X, Y)  # noqa: E731
    raises_naming("n_steps", gradient_descent, g, jnp.zeros(3), n, 0.1)
    raises_naming("tau", gradient_descent, g, jnp.zeros(3), 5, tau)
    raises_naming("grad_fn", gradient_descent, lambda t: t[:2], jnp.zeros(3), 5, 0.1)
    raises_naming("grad_i", sgd, lambda t, s: t[:2], jnp.zeros(3), (X, Y), 4, 0.1, key=KEY)
    raises_naming("n_steps", sgd, grad_i, jnp.zeros(3), (X, Y), n, 0.1, key=KEY)
    raises_naming("key", sgd, grad_i, jnp.zeros(3), (X, Y), 4, 0.1, key=0)
    raises_naming("n", draw_indices, KEY, 5, n)
    raises_naming("shape", draw_indices, KEY, (2, -1), 5)


@given(st.integers(1, 50), st.integers(0, 100))
def test_draw_indices_in_range_and_sgd_shapes(n, seed):
    idx = np.asarray(draw_indices(jax.random.key(seed), (64,), n))
    assert idx.dtype == np.int32 and idx.min() >= 0 and idx.max() < n
    out = sgd(grad_i, jnp.zeros(3), (X, jnp.sign(Y)), 6, 0.1, key=jax.random.key(seed), every=3)
    assert out.shape == (3, 3)


@given(st.integers(0, 100))
def test_losses_and_softplus(seed):
    theta = jax.random.normal(jax.random.key(seed), (3,))
    assert float(least_squares(theta, X, Y)) >= 0
    u = jnp.linspace(-100.0, 100.0, 41) * (1 + seed)
    sp = np.asarray(softplus(u))
    assert np.all(np.isfinite(sp)) and np.all(sp >= np.maximum(np.asarray(u), 0))
    np.testing.assert_allclose(sp, np.asarray(jax.nn.softplus(u)), rtol=1e-6)
    y = jnp.sign(Y)
    per_sample = jax.vmap(logistic_per_sample, (None, 0, 0))(theta, X, y)
    assert float(logistic(theta, X, y)) == pytest.approx(float(per_sample.mean()), rel=1e-5)


@given(st.sampled_from([(20, 1), (19,), (20, 2), ()]))
def test_losses_reject_mismatched_shapes(y_shape):
    theta = jnp.zeros(3)
    raises_naming("y", least_squares, theta, X, jnp.zeros(y_shape))
    raises_naming("y", logistic, theta, X, jnp.zeros(y_shape))
    raises_naming("theta", least_squares, jnp.zeros(4), X, Y)
    raises_naming("X", logistic, theta, X[0], Y)
    raises_naming("x", logistic_per_sample, theta, X[:2], 1.0)
    raises_naming("y", logistic_per_sample, theta, X[0], jnp.ones(2))
    raises_naming("chunk", risk_curve, least_squares, jnp.zeros((4, 3)), X, Y, chunk=0)
    raises_naming("thetas", risk_curve, least_squares, jnp.zeros((4, 2)), X, Y)
    raises_naming("loss", risk_curve, None, jnp.zeros((4, 3)), X, Y)


@given(st.lists(st.integers(1, 5), min_size=2, max_size=4), st.integers(0, 100))
def test_mlp_shapes_and_errors(sizes, seed):
    params = init_mlp(jax.random.key(seed), sizes, scale="he")
    x = jnp.ones((7, sizes[0]))
    assert mlp(params, x).shape == (7, sizes[-1])
    assert count_params(params) == sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))
    raises_naming("params[0]", mlp, params, jnp.ones((7, sizes[0] + 1)))
    raises_naming("params", mlp, [], x)
    raises_naming("activation", mlp, params, x, "tanh")
    raises_naming("sizes[0]", init_mlp, KEY, [0, *sizes])
    raises_naming("scale", init_gain, -1.0)
    raises_naming("scale", init_mlp, KEY, sizes, scale="glorot")
    if len(sizes) > 2:
        bad = [params[0], (params[1][0][:, :-1], params[1][1])] + params[2:]
        raises_naming("params[1]", mlp, bad, x)


@given(st.integers(1, 12), st.floats(0.1, 2))
def test_ode_solvers_exact_decay_and_errors(n_steps, t1):
    x0 = jnp.ones(3)
    exact = np.exp(-t1)
    e_euler = abs(float(euler(_field, None, x0, n_steps, t1)[0]) - exact)
    e_rk4 = abs(float(rk4(_field, None, x0, n_steps, t1)[0]) - exact)
    assert e_rk4 <= e_euler + 1e-6
    assert rk4(_field, None, x0, n_steps, t1, trajectory=True).shape == (n_steps + 1, 3)
    raises_naming("v", euler, lambda p, t, x: x[:2], None, x0, n_steps)
    raises_naming("t1", rk4, _field, None, x0, n_steps, t1=0.0, t0=0.0)
    raises_naming("n_steps", euler, _field, None, x0, 0)


def _branch(theta, x):
    return mlp(theta, x)


@given(st.integers(1, 4), st.integers(0, 100))
def test_resnet_zero_last_is_identity(depth, seed):
    layers = init_resnet(jax.random.key(seed), depth, (2, 4, 2), zero_last=True)
    x = jax.random.normal(jax.random.key(seed), (5, 2))
    np.testing.assert_array_equal(resnet(_branch, layers, x), x)
    raises_naming("x0", resnet, _branch, layers, poisoned(x, seed, np.nan))
    raises_naming("v", resnet, lambda th, x: x[:, :1], layers, x)
    raises_naming("depth", init_resnet, KEY, 0, (2, 4, 2))
    raises_naming("t1", resnet, _branch, layers, x, t1=np.inf)


@given(st.integers(1, 6), st.integers(0, 100))
def test_fit_minibatch_and_make_step(batch, seed):
    key = jax.random.key(seed)
    mb = minibatch(key, (X, Y), batch)
    assert mb[0].shape == (batch, 3) and mb[1].shape == (batch,)
    raises_naming("batch_size", minibatch, key, (X, Y), 0)
    raises_naming("data", minibatch, key, (X, Y[:5]), batch)
    raises_naming("key", minibatch, 1, (X, Y), batch)
    raises_naming("optimizer", make_step, _loss, "adam")
    raises_naming("loss_fn", make_step, None, optax.sgd(0.1))
    raises_naming("loss_fn", fit, lambda th, b, k: th * 2, jnp.zeros(3), optax.sgd(0.1), 2,
                  (X, Y), key=key, progress=False)
    raises_naming("params", fit, _loss, jnp.full(3, np.nan), optax.sgd(0.1), 2, (X, Y),
                  key=key, progress=False)
    _, _, losses = fit(_loss, jnp.zeros(3), optax.sgd(0.05), 6, (X, Y), key=key, chunk=3,
                       batch_size=batch, progress=False)
    assert losses.shape == (6,) and np.all(np.isfinite(losses))


def test_fit_warns_once_on_a_diverging_run():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(_loss, jnp.zeros(3), optax.sgd(1e3), 40, (X, Y), key=KEY, chunk=10, progress=False)
    assert len([w for w in caught if "not finite" in str(w.message)]) == 1


@given(st.floats(-3, 3), st.floats(0.1, 10))
def test_rates_recover_exponents(a, C):
    x = np.geomspace(1, 100, 6)
    assert loglog_slope(x, C * x**a) == pytest.approx(a, abs=1e-6)
    rho = np.exp(-abs(a) / 4 - 0.01)
    assert linear_rate(C * rho ** np.arange(10)) == pytest.approx(rho, rel=1e-6)
    raises_naming("x", loglog_slope, [1.0], [2.0])
    raises_naming("y", loglog_slope, x, -x)
    raises_naming("errors", linear_rate, [1.0, 0.5], start=1)
    raises_naming("start", linear_rate, [1.0, 0.5], start=-1)
    raises_naming("errors", linear_rate, [1.0, np.nan, 0.5])


@given(st.lists(st.floats(0.1, 3), min_size=1, max_size=4))
def test_tape_matches_jax_grad(xs):
    def f(v):
        out = v[0] * 2.0
        for a in v[1:]:
            out = out * a + (a / 3.0).tanh() - (a ** 2).exp().log()
        return out

    value, grads, tape = value_and_grad(f, xs)
    assert isinstance(tape, Tape) and tape.n_edges >= tape.n_ops

    def g(v):
        out = v[0] * 2.0
        for a in v[1:]:
            out = out * a + jnp.tanh(a / 3.0) - jnp.log(jnp.exp(a ** 2))
        return out

    with enable_x64():
        ref = jax.grad(g)(jnp.asarray(xs, jnp.float64))
    np.testing.assert_allclose(grads, np.asarray(ref), rtol=1e-6, atol=1e-9)
    raises_naming("x", value_and_grad, f, [])
    raises_naming("x", value_and_grad, f, [np.nan])
    raises_naming("f", value_and_grad, lambda v: 1.0, xs)
    raises_naming("output", tape.backward, 1.0)
    with pytest.raises(TypeError, match="Var"):
        Var(tape, 0) + "a"


@given(st.sampled_from([(4, 4), (8, 2), (3, 5)]))
def test_flops_are_exact_and_timings_positive(shape):
    a, b = jnp.ones(shape), jnp.ones(shape[::-1])
    flops = xla_flops(jnp.matmul, a, b)
    assert flops == 2 * shape[0] * shape[1] * shape[0]
    compiled, f2 = compile_with_flops(jnp.matmul, a, b)
    assert f2 > 0 and compiled(a, b).shape == (shape[0], shape[0])
    assert median_time(jnp.matmul, a, b, repeats=2) > 0
    raises_naming("f", xla_flops, 3, a)
    raises_naming("f", compile_with_flops, None, a)
    raises_naming("repeats", median_time, jnp.matmul, a, b, repeats=0)
