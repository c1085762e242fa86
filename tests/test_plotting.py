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


def test_contour2d_draws_f_on_the_box():
    seen = []

    def f(P):
        seen.append(P)
        return (P**2).sum(1)

    fig, ax = plt.subplots()
    contour2d(ax, f, xlim=(-2, 2), ylim=(-1, 1), n=20, levels=5)
    (P,) = seen  # one vectorised call on the whole grid
    assert P.shape == (400, 2)
    np.testing.assert_allclose([P[:, 0].min(), P[:, 0].max(), P[:, 1].min(), P[:, 1].max()],
                               [-2, 2, -1, 1])
    levels = ax.collections[0].levels  # the level lines lie between min f = 0 and max f = 5
    assert len(levels) >= 3 and levels.min() >= 0 and levels.max() <= 5
    plt.close(fig)
