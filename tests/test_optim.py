import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aitours.optim import _sgd, draw_indices, gradient_descent, sgd


def quad_grad(theta):
    return jnp.array([1.0, 10.0]) * theta  # H = diag(1, 10), minimiser 0


def test_gd_shapes_and_closed_form():
    xs = gradient_descent(quad_grad, jnp.array([1.0, 1.0]), 0.05, 10)
    assert xs.shape == (11, 2)
    k = np.arange(11)
    np.testing.assert_allclose(xs[:, 0], (1 - 0.05) ** k, rtol=1e-5)
    np.testing.assert_allclose(xs[:, 1], (1 - 0.5) ** k, rtol=1e-5)


def test_gd_diverges_without_raising():
    xs = gradient_descent(quad_grad, jnp.array([1.0, 1.0]), 0.25, 50)  # 1 - 2.5 = -1.5
    assert abs(float(xs[-1, 1])) > 1e8
    assert bool(jnp.all(jnp.isfinite(xs[:, 0])))


def test_gd_on_pytrees_and_callable_step():
    def grad(p):
        return {"a": p["a"], "b": 2 * p["b"]}

    out = gradient_descent(grad, {"a": jnp.ones(3), "b": jnp.ones(())},
                           lambda k, x, g: 0.5 / k, 4)
    assert out["a"].shape == (5, 3) and out["b"].shape == (5,)
    # b_{k} = b_{k-1} (1 - 2 * 0.5/k): the factor at k = 1 is 0
    assert float(out["b"][1]) == 0.0


def test_gd_exact_line_search_solves_1d_quadratic_in_one_step():
    H = jnp.diag(jnp.array([3.0]))
    xs = gradient_descent(lambda t: H @ t - 3.0, jnp.zeros(1),
                          lambda k, x, g: (g @ g) / (g @ H @ g), 1)
    np.testing.assert_allclose(xs[-1], [1.0], rtol=1e-6)


@pytest.mark.parametrize("tau", [0.0, -0.1, float("nan")])
def test_gd_rejects_bad_step(tau):
    with pytest.raises(ValueError, match="`tau`"):
        gradient_descent(quad_grad, jnp.ones(2), tau, 3)


def test_gd_rejects_bad_arguments():
    with pytest.raises(ValueError, match="`n_steps` must be >= 1"):
        gradient_descent(quad_grad, jnp.ones(2), 0.1, 0)
    with pytest.raises(TypeError, match="`grad_fn` must be callable"):
        gradient_descent(None, jnp.ones(2), 0.1, 3)


X = jax.random.normal(jax.random.PRNGKey(0), (50, 3))
Y = X @ jnp.array([1.0, -2.0, 0.5])


DATA = (X, Y)


def grad_i(theta, sample):
    x, y = sample
    return (x @ theta - y) * x


def test_sgd_shapes_runs_and_determinism():
    key = jax.random.PRNGKey(1)
    out = sgd(grad_i, jnp.zeros(3), DATA, 200, 0.05, key, every=20)
    assert out.shape == (11, 3)
    np.testing.assert_array_equal(out[0], jnp.zeros(3))
    np.testing.assert_array_equal(out, sgd(grad_i, jnp.zeros(3), DATA, 200, 0.05, key, every=20))
    runs = sgd(grad_i, jnp.zeros(3), DATA, 200, 0.05, key, every=20, n_runs=4)
    assert runs.shape == (4, 11, 3)
    assert float(jnp.abs(runs[0] - runs[1]).max()) > 0  # independent runs differ


def test_sgd_converges_on_noiseless_least_squares():
    out = sgd(grad_i, jnp.zeros(3), DATA, 3000, 0.05, jax.random.PRNGKey(2), every=3000)
    np.testing.assert_allclose(out[-1], [1.0, -2.0, 0.5], atol=1e-3)


def test_sgd_schedule_is_called_with_step_index():
    # with tau_l = 1/l and grad = theta - 1 (every sample), theta_l is the running mean: 1 - 0 = 1
    out = sgd(lambda t, s: t - 1.0, jnp.zeros(1), jnp.zeros(5), 10, lambda l: 1.0 / l,
              jax.random.PRNGKey(0))
    np.testing.assert_allclose(out[1:], 1.0, rtol=1e-6)


@pytest.mark.parametrize("kwargs, err, match", [
    ({"tau": 0.0}, ValueError, "`tau` must be > 0"),
    ({"tau": -1.0}, ValueError, "`tau` must be > 0"),
    ({"n_steps": 10, "every": 3}, ValueError, "multiple of `every`"),
    ({"data": (jnp.zeros((0, 3)), jnp.zeros(0))}, ValueError, "`data` is empty"),
    ({"data": (jnp.zeros((4, 3)), jnp.zeros(5))}, ValueError, "share their leading axis"),
    ({"data": ()}, ValueError, "at least one array"),
    ({"x0": jnp.zeros((2, 2))}, ValueError, "`x0` must be a vector"),
    ({"n_runs": 0}, ValueError, "`n_runs` must be >= 1"),
])
def test_sgd_bad_input(kwargs, err, match):
    args = {"x0": jnp.zeros(3), "data": DATA, "n_steps": 10, "tau": 0.1, "every": 1}
    args.update(kwargs)
    with pytest.raises(err, match=match):
        sgd(grad_i, args["x0"], args["data"], args["n_steps"], args["tau"], jax.random.PRNGKey(0),
            every=args["every"], n_runs=kwargs.get("n_runs"))


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
                                           jax.random.PRNGKey(4), every=20, n_runs=3))
