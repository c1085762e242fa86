"""The SGD peer benchmark compares like with like: the numpy loop and the helper, fed the same
sample indices, trace the same loss curve (float64 vs float32 apart)."""

import jax
import numpy as np

from aitours.optim import draw_indices
from bench import sgd_peer


def test_numpy_loop_and_helper_trace_the_same_curve():
    X, y = sgd_peer.make_data()
    runs, steps, every = 2, 3000, 100
    ours = sgd_peer.run_aitours(X, y, runs, steps, every)
    # the indices `sgd` draws from its key (sgd_peer uses PRNGKey(0)), one row per run
    idx = np.asarray(draw_indices(jax.random.PRNGKey(0), (runs, steps), X.shape[0]))
    theirs = np.stack([sgd_peer.numpy_sgd(X, y, 0, steps, every, indices=idx[r])
                       for r in range(runs)])
    assert ours.shape == theirs.shape == (runs, steps // every + 1)
    np.testing.assert_allclose(ours[:, 0], np.log(2), rtol=1e-6)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    assert theirs[:, -1].max() < 0.5 * np.log(2)  # and the runs did learn


def test_numpy_loop_draws_its_own_indices():
    X, y = sgd_peer.make_data()
    a, b = (sgd_peer.run_numpy(X, y, 2, 500, 100) for _ in range(2))
    np.testing.assert_array_equal(a, b)  # seeded: deterministic
    assert np.abs(a[0] - a[1]).max() > 0  # the runs differ


def test_markdown_table_has_a_row_per_tour_and_the_ceiling():
    from bench.run import markdown_table

    rows = [{"tour": "01_a", "cold_s": 10.0, "rerun_s": 6.0, "ratio": 10 / 6, "start_imports": 2.0,
             "compile": 5.0, "plot": 1.0, "compute": 2.0, "ratio_ceiling": 2.0},
            {"tour": "02_b", "cold_s": 4.0, "rerun_s": 3.0, "ratio": 4 / 3}]  # no breakdown
    table = markdown_table({"tours": {"tours": rows, "sum_cold_s": 14.0, "sum_rerun_s": 9.0}})
    lines = table.splitlines()
    assert lines[2] == "| 01_a | 10.0 | 6.0 | 1.67× | 2.00× | 2.0 | 5.0 | 1.0 | 2.0 |"
    assert lines[3] == "| 02_b | 4.0 | 3.0 | 1.33× |  |  |  |  |  |"
    assert lines[4].startswith("| **sum** | **14.0** | **9.0** |")
    assert all(line.count("|") == lines[0].count("|") for line in lines)
