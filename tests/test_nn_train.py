import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from aitours import enable_x64
from aitours.nn import count_params, init_mlp, mlp
from aitours.train import fit, minibatch

KEY = jax.random.PRNGKey(0)


def test_init_mlp_shapes_and_count():
    params = init_mlp(KEY, [3, 5, 2])
    assert [(W.shape, b.shape) for W, b in params] == [((5, 3), (5,)), ((2, 5), (2,))]
    assert count_params(params) == 5 * 3 + 5 + 2 * 5 + 2


def test_mlp_forward_closed_form_and_batch_shapes():
    params = [(jnp.array([[1.0, -1.0]]), jnp.array([0.5])), (jnp.array([[2.0]]), jnp.array([1.0]))]
    x = jnp.array([[1.0, 2.0], [0.0, 0.0]])
    out = mlp(params, x, activation=jax.nn.relu)
    np.testing.assert_allclose(out, [[1.0], [2.0]])  # relu(-0.5)=0 -> 1 ; relu(0.5)=.5 -> 2
    assert mlp(init_mlp(KEY, [4, 8, 3]), jnp.ones((2, 7, 4))).shape == (2, 7, 3)


def test_zero_last_gives_zero_function():
    params = init_mlp(KEY, [2, 16, 2], zero_last=True)
    assert float(jnp.abs(mlp(params, jnp.ones((5, 2)))).max()) == 0.0


def test_init_mlp_bad_input():
    with pytest.raises(ValueError, match="at least an input and an output"):
        init_mlp(KEY, [3])
    with pytest.raises(ValueError, match=r"`sizes\[1\]` must be >= 1"):
        init_mlp(KEY, [3, 0, 1])
    with pytest.raises(ValueError, match="`scale`"):
        init_mlp(KEY, [3, 1], scale="xavier")


def test_fit_full_batch_least_squares():
    X = jax.random.normal(KEY, (64, 3))
    y = X @ jnp.array([1.0, 2.0, -1.0])

    def loss(theta, data):
        Xb, yb = data
        return jnp.mean((Xb @ theta - yb) ** 2)

    theta, losses = fit(loss, jnp.zeros(3), optax.sgd(0.1), 300, (X, y), chunk=64,
                        progress=False)
    assert losses.shape == (300,)
    assert losses[-1] < 1e-6 * losses[0]
    np.testing.assert_allclose(theta, [1.0, 2.0, -1.0], atol=1e-3)


def test_fit_minibatch_and_determinism():
    X = jax.random.normal(KEY, (100, 2))
    y = X[:, 0]

    def loss(theta, data):
        return jnp.mean((data[0] @ theta - data[1]) ** 2)

    a = fit(loss, jnp.zeros(2), optax.adam(0.05), 250, (X, y), key=KEY, batch_size=10,
            progress=False)
    b = fit(loss, jnp.zeros(2), optax.adam(0.05), 250, (X, y), key=KEY, batch_size=10,
            progress=False)
    np.testing.assert_array_equal(a[1], b[1])
    assert a[1][-20:].mean() < 0.05 * a[1][:5].mean()


def test_fit_diverging_run_returns_nan_not_raise():
    def loss(theta, data):
        return jnp.sum(theta**2)

    _, losses = fit(loss, jnp.ones(2), optax.sgd(5.0), 400, progress=False)
    assert not np.isfinite(losses[-1])


def test_fit_bad_input():
    def loss(p, d):
        return jnp.sum(p**2)

    with pytest.raises(ValueError, match="`batch_size` needs a PRNG `key`"):
        fit(loss, jnp.ones(2), optax.sgd(0.1), 5, jnp.ones((4, 2)), batch_size=2)
    with pytest.raises(ValueError, match="`batch_size` needs `data`"):
        fit(loss, jnp.ones(2), optax.sgd(0.1), 5, batch_size=2, key=KEY)
    with pytest.raises(ValueError, match="`data` is empty"):
        fit(loss, jnp.ones(2), optax.sgd(0.1), 5, jnp.ones((0, 2)), batch_size=2, key=KEY)
    with pytest.raises(ValueError, match="`n_steps` must be >= 1"):
        fit(loss, jnp.ones(2), optax.sgd(0.1), 0)
    with pytest.raises(TypeError, match="`loss_fn` must be callable"):
        fit("loss", jnp.ones(2), optax.sgd(0.1), 3)


def test_minibatch_shapes():
    data = {"x": jnp.arange(10.0)[:, None] * jnp.ones((1, 3)), "y": jnp.arange(10.0)}
    batch = minibatch(KEY, data, 4)
    assert batch["x"].shape == (4, 3) and batch["y"].shape == (4,)
    np.testing.assert_array_equal(batch["x"][:, 0], batch["y"])  # rows stay aligned


def test_enable_x64_is_local():
    with enable_x64():
        assert jnp.ones(1).dtype == jnp.float64
    assert jnp.ones(1).dtype == jnp.float32
