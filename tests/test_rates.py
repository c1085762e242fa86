import numpy as np
import pytest

from aitours.rates import linear_rate, loglog_slope


def test_loglog_slope_exact_power():
    x = np.logspace(0, 3, 10)
    assert loglog_slope(x, 5 * x**-0.5) == pytest.approx(-0.5)


def test_linear_rate_exact_geometric():
    e = 3 * 0.9 ** np.arange(40)
    assert linear_rate(e) == pytest.approx(0.9)
    assert linear_rate(e, start=10, stop=20) == pytest.approx(0.9)


@pytest.mark.parametrize("x, y, match", [
    ([1.0], [1.0], "at least 2"),
    ([1.0, 2.0], [1.0, -1.0], "`y` must be finite and > 0"),
    ([0.0, 2.0], [1.0, 1.0], "`x` must be finite and > 0"),
    ([1.0, 2.0], [1.0, 2.0, 3.0], "same length"),
])
def test_loglog_slope_bad_input(x, y, match):
    with pytest.raises(ValueError, match=match):
        loglog_slope(x, y)


def test_linear_rate_bad_input():
    with pytest.raises(ValueError, match="need >= 2"):
        linear_rate([1.0, 0.5], start=1)
    with pytest.raises(ValueError, match="finite and > 0"):
        linear_rate([1.0, np.inf, 0.1])
    with pytest.raises(ValueError, match="1-d"):
        linear_rate(np.ones((2, 2)))
