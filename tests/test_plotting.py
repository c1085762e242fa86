import matplotlib.pyplot as plt
import numpy as np

from aitours.plotting import contour2d, loglog_rate, style


def test_style_and_loglog_rate():
    style()
    fig, ax = plt.subplots()
    x = np.array([1.0, 10.0, 100.0])
    loglog_rate(ax, x, 1 / x, label="data", slope=-1)
    assert ax.get_xscale() == "log" and len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[1].get_ydata(), 1 / x)  # reference through the last point
    plt.close(fig)


def test_contour2d_sets_box():
    fig, ax = plt.subplots()
    contour2d(ax, lambda P: (P**2).sum(1), xlim=(-2, 2), ylim=(-1, 1), n=20)
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-1, 1)
    plt.close(fig)
