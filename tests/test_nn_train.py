import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from aitours import enable_x64
from aitours.nn import count_params, init_mlp, mlp
from aitours.train import fit, make_step, minibatch

KEY = jax.random.PRNGKey(0)


def test_init_mlp_shapes_and_count():
    params = init_mlp(KEY, [3, 5, 2])
    assert [(W.shape, b.shape) for W, b in params] == [((5, 3), (5,)), ((2, 5), (2,))]
    assert count_params(params) == 5 * 3 + 5 + 2 * 5 + 2


def test_init_mlp_draws_one_normal_per_layer():
    """One key per layer, N(0, s²/fan_in): the values of one jax.random.normal per layer, bit
    for bit (the draws run as one compiled kernel), with or without a zeroed last layer."""
    sizes = [3, 8, 8, 2]
    keys = jax.random.split(KEY, 3)
    for zero_last in (False, True):
        params = init_mlp(KEY, sizes, scale="he", zero_last=zero_last)
        for k, ((W, b), d_in, d_out) in enumerate(zip(params, sizes[:-1], sizes[1:], strict=True)):
            if zero_last and k == 2:
                expected = jnp.zeros((d_out, d_in))
            else:
                expected = 2.0**0.5 * jax.random.normal(keys[k], (d_out, d_in)) / jnp.sqrt(d_in)
            np.testing.assert_array_equal(W, expected)
            np.testing.assert_array_equal(b, jnp.zeros(d_out))


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


def _ls_data():
    X = jax.random.normal(KEY, (64, 3))
    return X, X @ jnp.array([1.0, 2.0, -1.0])


def ls_loss(theta, data, key):
    Xb, yb = data
    return jnp.mean((Xb @ theta - yb) ** 2)


def test_fit_full_batch_least_squares():
    theta, state, losses = fit(ls_loss, jnp.zeros(3), optax.sgd(0.1), 300, _ls_data(), key=KEY,
                               chunk=64, progress=False)
    assert losses.shape == (300,)
    assert losses[-1] < 1e-6 * losses[0]
    np.testing.assert_allclose(theta, [1.0, 2.0, -1.0], atol=1e-3)


def test_make_step_is_the_step_fit_scans():
    # a hand-written loop of the public step gives fit's parameters, state and losses
    opt = optax.adam(0.05)
    step = jax.jit(make_step(ls_loss, opt))
    params, state, losses = jnp.zeros(3), opt.init(jnp.zeros(3)), []
    for _ in range(30):
        params, state, loss = step(params, state, _ls_data(), KEY)
        losses.append(float(loss))
    p2, s2, l2 = fit(ls_loss, jnp.zeros(3), opt, 30, _ls_data(), key=KEY, chunk=7,
                     progress=False)
    np.testing.assert_allclose(l2, losses, rtol=1e-5)
    np.testing.assert_allclose(p2, params, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(s2[0].mu, state[0].mu, rtol=1e-5, atol=1e-7)


def test_fit_resumes_from_opt_state():
    # two fits of 40 steps, the state passed on, equal one fit of 80 steps (Adam's moments and
    # step count carry on); restarting the state instead gives another trajectory
    opt = optax.adam(0.05)
    p1, s1, _ = fit(ls_loss, jnp.zeros(3), opt, 40, _ls_data(), key=KEY, progress=False)
    p2, s2, _ = fit(ls_loss, p1, opt, 40, _ls_data(), key=KEY, opt_state=s1, progress=False)
    p80, s80, _ = fit(ls_loss, jnp.zeros(3), opt, 80, _ls_data(), key=KEY, chunk=40,
                      progress=False)
    np.testing.assert_allclose(p2, p80, rtol=1e-5, atol=1e-7)
    assert int(s2[0].count) == int(s80[0].count) == 80
    p_restart, _, _ = fit(ls_loss, p1, opt, 40, _ls_data(), key=KEY, progress=False)
    assert float(jnp.abs(p_restart - p80).max()) > 1e-4


@pytest.mark.perf
def test_fit_compiles_once_for_weakly_typed_params():
    # jnp.full(3, 0.5) is weakly typed; a compiled chunk returns strongly typed arrays. Without
    # making the inputs strong, the second chunk (and a second fit from a strong copy) compiled
    # the whole loop again: 1.4 s each for tour 13's ViT
    from aitours.train import _run_chunk

    def loss(theta, batch, key):
        return jnp.sum((theta - 1.0) ** 2)

    opt = optax.adam(0.1)
    _run_chunk.clear_cache()
    weak = jnp.full(3, 0.5)
    assert weak.weak_type
    fit(loss, weak, opt, 30, key=KEY, chunk=10, progress=False)
    fit(loss, {"w": weak}["w"].astype(jnp.float32), opt, 30, key=KEY, chunk=10, progress=False)
    assert _run_chunk._cache_size() == 1
    # a Python number as a parameter is weakly typed too
    params, _, _ = fit(lambda p, b, k: (p["s"] - 2.0) ** 2, {"s": 0.5}, opt, 30, key=KEY,
                       chunk=10, progress=False)
    assert _run_chunk._cache_size() == 2 and params["s"].dtype == jnp.float32


def test_loss_receives_a_fresh_key_each_step():
    # loss = (theta - u)^2 with u ~ U(0, 1) drawn from the key: SGD averages u, theta -> 1/2;
    # were the key fixed, theta would go to that one u
    def noisy(theta, batch, key):
        return jnp.sum((theta - jax.random.uniform(key)) ** 2)

    theta, _, losses = fit(noisy, jnp.zeros(()), optax.sgd(0.01), 2000, key=KEY, progress=False)
    assert abs(float(theta) - 0.5) < 0.05
    assert np.std(losses[-500:]) > 0.01  # the noise is fresh: the loss keeps fluctuating
    a = fit(noisy, jnp.zeros(()), optax.sgd(0.01), 50, key=KEY, progress=False)[2]
    np.testing.assert_array_equal(a, losses[:50])  # same key, same run


def test_fit_minibatch_and_determinism():
    X = jax.random.normal(KEY, (100, 2))
    y = X[:, 0]

    def loss(theta, data, key):
        return jnp.mean((data[0] @ theta - data[1]) ** 2)

    a = fit(loss, jnp.zeros(2), optax.adam(0.05), 250, (X, y), key=KEY, batch_size=10,
            progress=False)
    b = fit(loss, jnp.zeros(2), optax.adam(0.05), 250, (X, y), key=KEY, batch_size=10,
            progress=False)
    np.testing.assert_array_equal(a[2], b[2])
    assert a[2][-20:].mean() < 0.05 * a[2][:5].mean()


def test_fit_diverging_run_returns_nan_not_raise():
    def loss(theta, data, key):
        return jnp.sum(theta**2)

    with pytest.warns(RuntimeWarning, match="not finite"):  # shown, explained, no crash
        _, _, losses = fit(loss, jnp.ones(2), optax.sgd(5.0), 400, key=KEY, progress=False)
    assert not np.isfinite(losses[-1])


def sq_loss(p, d, k):
    return jnp.sum(p**2)


@pytest.mark.parametrize("args, kwargs, err, match", [
    ((sq_loss, jnp.ones(2), optax.sgd(0.1), 5, jnp.ones((4, 2))), {"batch_size": 2}, TypeError,
     "key"),
    ((sq_loss, jnp.ones(2), optax.sgd(0.1), 5), {"batch_size": 2, "key": KEY}, ValueError,
     "`batch_size` needs `data`"),
    ((sq_loss, jnp.ones(2), optax.sgd(0.1), 5, jnp.ones((0, 2))), {"batch_size": 2, "key": KEY},
     ValueError, "`data` is empty"),
    ((sq_loss, jnp.ones(2), optax.sgd(0.1), 0), {"key": KEY}, ValueError,
     "`n_steps` must be >= 1"),
    (("loss", jnp.ones(2), optax.sgd(0.1), 3), {"key": KEY}, TypeError,
     "`loss_fn` must be callable"),
    ((sq_loss, jnp.ones(2), "adam", 3), {"key": KEY}, TypeError, "`optimizer` must be an optax"),
    ((sq_loss, jnp.ones(2), optax.sgd(0.1), 3), {"key": KEY, "chunk": 0}, ValueError,
     "`chunk` must be >= 1"),
    ((sq_loss, jnp.ones(2), optax.adam(0.1), 3), {"key": KEY, "opt_state": optax.sgd(0.1).init(
        jnp.ones(2))}, ValueError, "`opt_state` does not match"),
])
def test_fit_bad_input(args, kwargs, err, match):
    with pytest.raises(err, match=match):
        fit(*args, progress=False, **kwargs)


def test_make_step_bad_input():
    with pytest.raises(TypeError, match="`loss_fn` must be callable"):
        make_step(None, optax.sgd(0.1))
    with pytest.raises(TypeError, match="`optimizer` must be an optax"):
        make_step(sq_loss, lambda g: g)


def test_minibatch_shapes():
    data = {"x": jnp.arange(10.0)[:, None] * jnp.ones((1, 3)), "y": jnp.arange(10.0)}
    batch = minibatch(KEY, data, 4)
    assert batch["x"].shape == (4, 3) and batch["y"].shape == (4,)
    np.testing.assert_array_equal(batch["x"][:, 0], batch["y"])  # rows stay aligned
    # the rows are draw_indices' (32 bits mod n), every row reachable
    idx = np.asarray(minibatch(KEY, jnp.arange(10), 2000))
    assert set(idx.tolist()) == set(range(10))


def test_enable_x64_is_local():
    # whatever the caller's setting (JAX_ENABLE_X64 may be set), the block switches it and the
    # setting is restored after
    before = jnp.ones(1).dtype
    with enable_x64():
        assert jnp.ones(1).dtype == jnp.float64
        with enable_x64(False):
            assert jnp.ones(1).dtype == jnp.float32
        assert jnp.ones(1).dtype == jnp.float64
    with enable_x64(False):
        assert jnp.ones(1).dtype == jnp.float32
    assert jnp.ones(1).dtype == before


def test_fit_names_bad_data_and_bad_losses():
    opt = optax.sgd(0.1)
    theta = jnp.zeros(3)

    def loss(theta, batch, key):
        X, y = batch
        return jnp.mean((X @ theta - y) ** 2)

    X, y = jnp.ones((10, 3)), jnp.ones(10)
    with pytest.raises(ValueError, match="`data` leaves must share their leading axis"):
        fit(loss, theta, opt, 5, (X, y[:7]), key=KEY, batch_size=4, progress=False)
    with pytest.raises(ValueError, match=r"`loss_fn\(params, batch, key\)` fails on the shapes"):
        fit(loss, jnp.zeros(4), opt, 5, (X, y), key=KEY, progress=False)
    with pytest.raises(ValueError, match="`loss_fn` must return a scalar loss, got shape"):
        fit(lambda t, b, k: (b[0] @ t - b[1]) ** 2, theta, opt, 5, (X, y), key=KEY,
            progress=False)


def test_fit_warns_once_when_the_loss_diverges():
    def loss(theta, batch, key):
        return jnp.sum(theta ** 2)

    with pytest.warns(RuntimeWarning, match="not finite from step") as record:
        _, _, losses = fit(loss, jnp.ones(2), optax.sgd(10.0), 400, key=KEY, chunk=100,
                           progress=False)
    assert len(record) == 1 and not np.all(np.isfinite(losses))


@pytest.mark.parametrize("x64", [False, True])
def test_init_mlp_eager_equals_traced(x64):
    """The eager path (zero biases put from numpy) gives the values and dtypes of the traced
    one (jnp), with and without 64-bit floats."""
    with enable_x64(x64):
        eager = init_mlp(KEY, [3, 7, 5, 2], scale=0.7)
        traced = jax.jit(lambda k: init_mlp(k, [3, 7, 5, 2], scale=0.7))(KEY)
        for (W, b), (Wt, bt) in zip(eager, traced, strict=True):
            assert W.dtype == Wt.dtype == b.dtype == bt.dtype == jnp.zeros(1).dtype
            assert isinstance(W, jax.Array) and isinstance(b, jax.Array)
            np.testing.assert_allclose(W, Wt, rtol=1e-6)
            np.testing.assert_array_equal(b, bt)
