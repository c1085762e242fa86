import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from aitours.optim import _sgd, draw_indices, gradient_descent, sgd


def quad_grad(theta):
    return jnp.array([1.0, 10.0]) * theta  # H = diag(1, 10), minimiser 0


def test_gd_shapes_and_closed_form():
    xs = gradient_descent(quad_grad, jnp.array([1.0, 1.0]), 10, 0.05)
    assert xs.shape == (11, 2)
    k = np.arange(11)
    np.testing.assert_allclose(xs[:, 0], (1 - 0.05) ** k, rtol=1e-5)
    np.testing.assert_allclose(xs[:, 1], (1 - 0.5) ** k, rtol=1e-5)


def test_gd_diverges_without_raising():
    xs = gradient_descent(quad_grad, jnp.array([1.0, 1.0]), 50, 0.25)  # 1 - 2.5 = -1.5
    assert abs(float(xs[-1, 1])) > 1e8
    assert bool(jnp.all(jnp.isfinite(xs[:, 0])))


def test_gd_on_pytrees_and_callable_step():
    def grad(p):
        return {"a": p["a"], "b": 2 * p["b"]}

    out = gradient_descent(grad, {"a": jnp.ones(3), "b": jnp.ones(())}, 4,
                           lambda count: 0.5 / (count + 1))
    assert out["a"].shape == (5, 3) and out["b"].shape == (5,)
    # the schedule counts from 0: b_1 = b_0 (1 - 2 * 0.5/1) = 0, a_2 = a_1 (1 - 0.5/2)
    assert float(out["b"][1]) == 0.0
    np.testing.assert_allclose(out["a"][2], 0.5 * 0.75, rtol=1e-6)


def test_gd_takes_any_optax_schedule():
    # optax schedules are count -> value from count 0: the k-th step uses schedule(k)
    schedule = optax.exponential_decay(0.1, transition_steps=1, decay_rate=0.5)
    xs = gradient_descent(lambda t: jnp.ones_like(t), jnp.zeros(1), 4, schedule)
    np.testing.assert_allclose(xs[:, 0], -np.cumsum([0, 0.1, 0.05, 0.025, 0.0125]), rtol=1e-6)
    xs = gradient_descent(lambda t: jnp.ones_like(t), jnp.zeros(1), 3,
                          optax.linear_schedule(1.0, 0.0, 2))
    np.testing.assert_allclose(xs[:, 0], [0.0, -1.0, -1.5, -1.5], rtol=1e-6)


def test_gd_exact_line_search_solves_1d_quadratic_in_one_step():
    H = jnp.diag(jnp.array([3.0]))
    xs = gradient_descent(lambda t: H @ t - 3.0, jnp.zeros(1), 1,
                          line_search=lambda x, g: (g @ g) / (g @ H @ g))
    np.testing.assert_allclose(xs[-1], [1.0], rtol=1e-6)


@pytest.mark.parametrize("tau", [0.0, -0.1, float("nan")])
def test_gd_rejects_bad_step(tau):
    with pytest.raises(ValueError, match="`tau`"):
        gradient_descent(quad_grad, jnp.ones(2), 3, tau)


@pytest.mark.parametrize("args, kwargs, err, match", [
    ((quad_grad, jnp.ones(2), 0, 0.1), {}, ValueError, "`n_steps` must be >= 1"),
    ((quad_grad, jnp.ones(2), 2.5, 0.1), {}, TypeError, "`n_steps` must be an integer"),
    ((None, jnp.ones(2), 3, 0.1), {}, TypeError, "`grad_fn` must be callable"),
    ((quad_grad, jnp.ones(2), 3), {}, TypeError, "`tau` is missing"),
    ((quad_grad, jnp.ones(2), 3, "0.1"), {}, TypeError, "`tau` must be a float"),
    ((quad_grad, jnp.ones(2), 3, jnp.ones(2)), {}, TypeError, "`tau` must be a float"),
    ((quad_grad, jnp.ones(2), 3, 0.1), {"line_search": lambda x, g: 1.0}, ValueError,
     "either `tau` or `line_search`"),
    ((quad_grad, jnp.ones(2), 3), {"line_search": 0.1}, TypeError, "`line_search` must be"),
])
def test_gd_rejects_bad_arguments(args, kwargs, err, match):
    with pytest.raises(err, match=match):
        gradient_descent(*args, **kwargs)


X = jax.random.normal(jax.random.PRNGKey(0), (50, 3))
Y = X @ jnp.array([1.0, -2.0, 0.5])


DATA = (X, Y)


def grad_i(theta, sample):
    x, y = sample
    return (x @ theta - y) * x


def test_sgd_shapes_runs_and_determinism():
    key = jax.random.PRNGKey(1)
    out = sgd(grad_i, jnp.zeros(3), DATA, 200, 0.05, key=key, every=20)
    assert out.shape == (11, 3)
    np.testing.assert_array_equal(out[0], jnp.zeros(3))
    np.testing.assert_array_equal(out, sgd(grad_i, jnp.zeros(3), DATA, 200, 0.05, key=key,
                                           every=20))
    runs = sgd(grad_i, jnp.zeros(3), DATA, 200, 0.05, key=key, every=20, n_runs=4)
    assert runs.shape == (4, 11, 3)
    assert float(jnp.abs(runs[0] - runs[1]).max()) > 0  # independent runs differ


def test_sgd_converges_on_noiseless_least_squares():
    out = sgd(grad_i, jnp.zeros(3), DATA, 3000, 0.05, key=jax.random.PRNGKey(2), every=3000)
    np.testing.assert_allclose(out[-1], [1.0, -2.0, 0.5], atol=1e-3)


def test_sgd_schedule_counts_from_zero():
    # tau(count) = 1/(count + 1), grad = theta - 1 (every sample): theta_l is the running mean
    # of l ones, 1 from the first step on (optax's convention: the first step has count 0)
    out = sgd(lambda t, s: t - 1.0, jnp.zeros(1), jnp.zeros(5), 10, lambda c: 1.0 / (c + 1),
              key=jax.random.PRNGKey(0))
    np.testing.assert_allclose(out[1:], 1.0, rtol=1e-6)
    decay = optax.exponential_decay(0.5, transition_steps=1, decay_rate=0.5)
    out = sgd(lambda t, s: jnp.ones_like(t), jnp.zeros(1), jnp.zeros(5), 3, decay,
              key=jax.random.PRNGKey(0))
    np.testing.assert_allclose(out[:, 0], [0.0, -0.5, -0.75, -0.875], rtol=1e-6)


def test_sgd_on_a_pytree():
    def grad_tree(p, sample):
        x, y = sample
        r = x @ p["w"] + p["b"] - y
        return {"w": r * x, "b": r}

    key = jax.random.PRNGKey(5)
    p0 = {"w": jnp.zeros(3), "b": jnp.zeros(())}
    out = sgd(grad_tree, p0, (X, Y + 2.0), 4000, 0.05, key=key, every=4000)
    assert out["w"].shape == (2, 3) and out["b"].shape == (2,)
    np.testing.assert_allclose(out["w"][-1], [1.0, -2.0, 0.5], atol=1e-3)
    np.testing.assert_allclose(out["b"][-1], 2.0, atol=1e-3)
    runs = sgd(grad_tree, p0, (X, Y), 100, 0.05, key=key, every=50, n_runs=2)
    assert runs["w"].shape == (2, 3, 3) and runs["b"].shape == (2, 3)


@pytest.mark.parametrize("kwargs, err, match", [
    ({"tau": 0.0}, ValueError, "`tau` must be > 0"),
    ({"tau": -1.0}, ValueError, "`tau` must be > 0"),
    ({"n_steps": 10, "every": 3}, ValueError, "multiple of `every`"),
    ({"data": (jnp.zeros((0, 3)), jnp.zeros(0))}, ValueError, "`data` is empty"),
    ({"data": (jnp.zeros((4, 3)), jnp.zeros(5))}, ValueError, "share their leading axis"),
    ({"data": ()}, ValueError, "at least one array"),
    ({"x0": {}}, ValueError, "`x0` must hold at least one array"),
    ({"n_runs": 0}, ValueError, "`n_runs` must be >= 1"),
    ({"tau": "fast"}, TypeError, "`tau` must be a float > 0 or a schedule"),
    ({"n_steps": 0}, ValueError, "`n_steps` must be >= 1"),
    ({"grad_i": "g"}, TypeError, "`grad_i` must be callable"),
])
def test_sgd_bad_input(kwargs, err, match):
    args = {"grad_i": grad_i, "x0": jnp.zeros(3), "data": DATA, "n_steps": 10, "tau": 0.1,
            "every": 1}
    args.update(kwargs)
    with pytest.raises(err, match=match):
        sgd(args["grad_i"], args["x0"], args["data"], args["n_steps"], args["tau"],
            key=jax.random.PRNGKey(0), every=args["every"], n_runs=kwargs.get("n_runs"))


def test_sgd_key_is_keyword_only_and_required():
    with pytest.raises(TypeError, match="key"):
        sgd(grad_i, jnp.zeros(3), DATA, 10, 0.1)
    with pytest.raises(TypeError):
        sgd(grad_i, jnp.zeros(3), DATA, 10, 0.1, jax.random.PRNGKey(0))


def test_draw_indices_range_shape_and_uniformity():
    idx = draw_indices(jax.random.PRNGKey(3), (4, 50_000), 7)
    assert idx.shape == (4, 50_000) and idx.dtype == jnp.int32
    assert int(idx.min()) == 0 and int(idx.max()) == 6
    counts = np.bincount(np.asarray(idx).ravel(), minlength=7)
    # 200 000 draws: each count is 28 571 ± 157 (one std); 6 std leaves no room for a biased draw
    np.testing.assert_allclose(counts, 200_000 / 7, atol=6 * np.sqrt(200_000 / 7))
    np.testing.assert_array_equal(idx, draw_indices(jax.random.PRNGKey(3), (4, 50_000), 7))
    assert draw_indices(jax.random.PRNGKey(0), (5,), 1).tolist() == [0] * 5


@pytest.mark.parametrize("n, shape, err, match", [
    (0, (3,), ValueError, "`n` must be >= 1"),
    (2**31, (3,), ValueError, "`n` must be < 2\\*\\*31"),
    (2.5, (3,), TypeError, "`n` must be an integer"),
    (4, (-1,), ValueError, "`shape` must be >= 0"),
    (4, (2.0,), TypeError, "`shape` must be an integer"),
])
def test_draw_indices_bad_input(n, shape, err, match):
    with pytest.raises(err, match=match):
        draw_indices(jax.random.PRNGKey(0), shape, n)


def test_sgd_sequential_and_vmapped_runs_agree():
    # CPU runs go one after the other (lax.map), accelerators vmap them: the same numbers
    args = (grad_i, None, jnp.float32(0.05), jnp.zeros(3), DATA, 200, 20, jax.random.PRNGKey(4), 3)
    seq = _sgd(*args, sequential=True)
    vec = _sgd(*args, sequential=False)
    assert seq.shape == (3, 11, 3)
    np.testing.assert_allclose(seq, vec, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(seq, sgd(grad_i, jnp.zeros(3), DATA, 200, 0.05,
                                           key=jax.random.PRNGKey(4), every=20, n_runs=3))
