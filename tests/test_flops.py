"""aitours.flops: exact XLA flop counts on known programs, version-proof parsing, timings."""


import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aitours.flops import _first_dict, compile_with_flops, median_time, xla_flops


def matmul(a, b):
    return a @ b


def test_matmul_flops_is_2mnk():
    a = jax.ShapeDtypeStruct((8, 16), jnp.float32)
    b = jax.ShapeDtypeStruct((16, 4), jnp.float32)
    assert xla_flops(matmul, a, b) == 2 * 8 * 16 * 4
    assert xla_flops(matmul, a, b, compiled=True) == 2 * 8 * 16 * 4


def test_counts_scale_with_size():
    def f(x):
        return jnp.sum(jnp.tanh(x) * x)

    counts = [xla_flops(f, jax.ShapeDtypeStruct((n,), jnp.float32)) for n in (100, 1000)]
    assert counts[1] / counts[0] == pytest.approx(10, rel=0.05)


def test_compiled_runs_and_counts():
    x = jnp.arange(6.0).reshape(2, 3)
    y = jnp.ones((3, 2))
    compiled, flops = compile_with_flops(matmul, x, y)
    np.testing.assert_allclose(compiled(x, y), x @ y)
    assert flops == 2 * 2 * 3 * 2


def test_cost_analysis_formats():
    assert _first_dict({"flops": 3.0})["flops"] == 3.0
    assert _first_dict([{"flops": 5.0}])["flops"] == 5.0       # older JAX: a list of one dict
    with pytest.raises(RuntimeError, match="empty"):
        _first_dict([])
    with pytest.raises(RuntimeError, match="flops"):
        _first_dict({"bytes accessed": 1.0})


def test_median_time(monkeypatch):
    # a fake clock (no wall-clock bound a busy machine could break): call k takes k seconds
    import aitours.flops as F

    clock = {"now": 0.0, "calls": 0}
    monkeypatch.setattr(F.time, "perf_counter", lambda: clock["now"])

    def f(x):
        clock["calls"] += 1
        clock["now"] += clock["calls"]
        return x + 1

    t = median_time(f, jnp.ones(3), repeats=5, warmup=2)
    assert clock["calls"] == 7
    assert t == 5.0  # the median of calls 3..7 (3, 4, 5, 6, 7 s), the warm-ups not timed


def test_bad_input():
    with pytest.raises(TypeError, match="`f`"):
        xla_flops(3, jnp.ones(2))
    with pytest.raises(TypeError, match="`f`"):
        median_time(None)
    with pytest.raises(ValueError, match="`repeats`"):
        median_time(lambda: 0, repeats=0)
    with pytest.raises(TypeError, match="`warmup`"):
        median_time(lambda: 0, warmup=1.5)
