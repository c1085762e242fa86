"""aitours._jit.quick_jit: jax.jit with XLA's quick-compile options on a CPU, jax.jit elsewhere."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aitours._jit import QUICK_COMPILE, quick_jit


def _loop(x, n):
    """n steps of a small recurrence with a reduction: the kind of program quick_jit is for."""
    return jax.lax.fori_loop(0, n, lambda i, v: v - 0.1 * jnp.tanh(v) * jnp.sum(v ** 2), x)


def test_same_values_as_jit_with_static_arguments():
    f = quick_jit(_loop, static_argnums=1)
    x = jnp.linspace(-1.0, 1.0, 7)
    np.testing.assert_allclose(f(x, 50), jax.jit(_loop, static_argnums=1)(x, 50), rtol=1e-6)
    assert f.__name__ == "_loop" and "small recurrence" in f.__doc__


def _watched(f):
    """``f`` with its two variants counting their calls in ``f.calls``."""
    f.calls = []
    for name in ("cpu", "other"):
        variant = getattr(f, name)
        setattr(f, name, lambda *a, _v=variant, _n=name, **k: (f.calls.append(_n), _v(*a, **k))[1])
    return f


def test_the_cpu_variant_carries_the_options_and_is_the_one_called_on_a_cpu():
    # the options are accepted by this jaxlib (an unknown one is an error at compile time)
    f = _watched(quick_jit(_loop, static_argnums=1))
    f(jnp.ones(3), 5)
    assert jax.default_backend() == "cpu" and f.calls == ["cpu"]
    assert QUICK_COMPILE == {"xla_cpu_use_fusion_emitters": False,
                             "xla_backend_optimization_level": 1}


def test_other_backends_get_plain_jit(monkeypatch):
    f = _watched(quick_jit(_loop, static_argnums=1))
    monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
    f(jnp.ones(3), 5)  # still runs on this CPU: only the choice of variant is faked
    assert f.calls == ["other"]


def test_inside_jit_vmap_and_grad():
    # JAX refuses compiler options on a nested program: inside a transformation it is plain jit,
    # even when no argument is traced (a tracer may hide in a closure)
    f = _watched(quick_jit(_loop, static_argnums=1))
    np.testing.assert_allclose(jax.jit(lambda: f(jnp.ones(3), 4))(), _loop(jnp.ones(3), 4),
                               rtol=1e-6)
    assert f.calls == ["other"]
    xs = jnp.linspace(0.1, 1.0, 6).reshape(2, 3)
    outer = jax.jit(jax.vmap(partial(f, n=10)))
    np.testing.assert_allclose(outer(xs), jax.vmap(lambda x: _loop(x, 10))(xs), rtol=1e-6)
    g = jax.grad(lambda x: f(x, 3).sum())(xs[0])
    np.testing.assert_allclose(g, jax.grad(lambda x: _loop(x, 3).sum())(xs[0]), rtol=1e-5)


def test_an_unknown_option_is_an_error_naming_it():
    # the guard behind the first test: were an option misspelled, compiling would fail
    f = jax.jit(_loop, static_argnums=1, compiler_options={"xla_cpu_no_such_option": False})
    with pytest.raises(Exception, match="xla_cpu_no_such_option"):
        f(jnp.ones(3), 2)


def test_without_jax_trace_state_the_arguments_tell(monkeypatch):
    import aitours._jit as J

    monkeypatch.setattr(J, "_trace_state_clean", None)
    f = _watched(quick_jit(_loop, static_argnums=1))
    jax.vmap(lambda x: f(x, 2))(jnp.ones((2, 3)))
    f(jnp.ones(3), 2)
    assert f.calls == ["other", "cpu"]
