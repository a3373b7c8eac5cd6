"""nn.plot as a learner reads it: the artists of each picture carry the palette, the measured numbers and the lines."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402

import nn  # noqa: E402
from autograd import palette  # noqa: E402
from nn import inspect, plot  # noqa: E402
from nn.losses import bce_with_logits  # noqa: E402
from nn.plot.parts import model_scores  # noqa: E402
from nn.plot.representations import GRID_COLOURS, panel_basis, spread  # noqa: E402

CLASS_HUES = {palette.NEGATIVE, palette.POSITIVE}


@pytest.fixture(scope="module")
def circles():
    X, y = nn.data.circles(200, noise=0.05, seed=0)
    return nn.data.split(X, y, test_fraction=0.25, seed=0)


@pytest.fixture(scope="module")
def deep(circles):
    Xtr, _, ytr, _ = circles
    net = nn.MLP(2, [8, 8, 1], activation="relu", seed=0)
    nn.fit(net, Xtr, ytr, epochs=150, progress=False)
    return net


@pytest.fixture(scope="module")
def flat(circles):
    Xtr, _, ytr, _ = circles
    net = nn.MLP(2, [8, 8, 1], activation="identity", seed=0)
    nn.fit(net, Xtr, ytr, epochs=50, progress=False)
    return net


def scatters(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def contours(ax):
    return [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]


def scatter_colours(ax):
    return [to_hex(c.get_facecolor()[0]) for c in scatters(ax)]


def contour_vertices(ax):
    return np.concatenate([p.vertices for c in contours(ax) for p in c.get_paths() if len(p.vertices)])


def labels_inside(fig, tolerance=0.01):
    """The parts of the figure (axes with their titles, labels and drawn ticks; the suptitle) that leave it, drawn."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    w, h = fig.get_size_inches()
    outside = []
    parts = [(ax.get_title() or ax.get_label() or "axes", ax) for ax in fig.axes if ax.get_visible()]
    if fig._suptitle is not None:
        parts.append(("suptitle", fig._suptitle))
    for name, artist in parts:
        box = artist.get_tightbbox(renderer).transformed(fig.dpi_scale_trans.inverted())
        if box.x0 < -tolerance or box.y0 < -tolerance or box.x1 > w + tolerance or box.y1 > h + tolerance:
            outside.append(name)
    return outside


def test_class_colours_are_the_palettes(circles, deep):
    Xtr, Xte, ytr, yte = circles
    ax = plot.decision_boundary(deep, Xtr, ytr, resolution=20).axes[0]
    assert scatter_colours(ax) == [palette.NEGATIVE, palette.POSITIVE]  # class 0 orange, class 1 blue
    X3, y3 = nn.data.spiral(60, seed=0, classes=3)
    ax = plot.decision_boundary(nn.MLP(2, [4, 3], seed=0), X3, y3, resolution=10).axes[0]
    assert scatter_colours(ax) == list(palette.CLASS_COLOURS[:3])
    fig = plot.layer_representations(deep, Xtr, ytr, warp=False, probe_epochs=20)
    for a in fig.axes:
        assert scatter_colours(a) == [palette.NEGATIVE, palette.POSITIVE]


def test_neuron_maps_use_the_signed_scale_with_colour_bars(circles, deep):
    X, _, y, _ = circles
    fig = plot.neuron_maps(deep, X, y, resolution=20)
    maps = [ax for ax in fig.axes if ax.images]
    for ax in maps:
        im = ax.images[0]
        assert to_hex(im.cmap(0.0)) == palette.NEGATIVE and to_hex(im.cmap(1.0)) == palette.POSITIVE
        lo, hi = im.get_clim()
        assert lo == -hi  # zero is the grey middle
        assert im.get_interpolation() == "bilinear"
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 5  # input, layer 1's sums, layer 1, layer 2, output
    # the numbers on a column's bar are that column's range
    out_map = maps[-1]
    out_bar = bars[-1]
    hi = out_map.images[0].get_clim()[1]
    ticks = [t.get_text() for t in out_bar.get_xticklabels()]
    assert ticks == [f"{-hi:.2g}".replace("-", "−"), "0", f"{hi:.2g}"] or ticks == [f"{-hi:.2g}", "0", f"{hi:.2g}"]


def test_weighted_sum_is_a_flat_ramp_beside_the_activation(circles, deep):
    X, _, y, _ = circles
    fig = plot.neuron_maps(deep, X, y, resolution=25)
    cols = {}
    for ax in fig.axes:
        if ax.get_title():
            cols[ax.get_title()] = ax
    ramp_ax = cols["layer 1\nstage 1: w·x + b"]
    img = np.asarray(ramp_ax.images[0].get_array(), dtype=float)
    # a weighted sum is affine in the input: its second differences vanish
    assert np.allclose(np.diff(img, 2, axis=0), 0, atol=1e-9) and np.allclose(np.diff(img, 2, axis=1), 0, atol=1e-9)
    act = np.asarray(cols["layer 1\nstage 2: ReLU"].images[0].get_array(), dtype=float)
    np.testing.assert_allclose(act, np.maximum(img, 0.0), atol=1e-9)  # the activation folds the ramp at zero


def test_output_map_draws_the_decision_line_at_the_models_zero(circles, deep):
    X, _, y, _ = circles
    fig = plot.neuron_maps(deep, X, y, resolution=60)
    out_ax = [ax for ax in fig.axes if ax.images][-1]
    verts = contour_vertices(out_ax)
    assert len(verts) > 10
    scores = model_scores(deep, verts)[:, 0]
    span = np.ptp(model_scores(deep, X))
    assert np.max(np.abs(scores)) < 0.05 * span  # the line sits where the model's output is 0
    assert {to_hex(c.get_edgecolor()[0]) for c in contours(out_ax)} == {palette.LINE}


def test_one_unit_panel_spread_does_not_depend_on_the_labels(circles, flat):
    X, _, y, _ = circles

    def points(labels):
        fig = plot.layer_representations(flat, X, labels, warp=False, probes=False)
        ax = fig.axes[-1]  # the one-unit output layer
        P = np.concatenate([c.get_offsets() for c in scatters(ax)])
        return P[np.lexsort(P.T[::-1])]

    np.testing.assert_allclose(points(y), points(1 - y))  # relabelled: every point stays where it was
    P = points(y)
    assert set(np.round(P[:, 1], 12)) == set(np.round(spread(len(y)), 12))
    # the two classes overlap vertically as much as two random halves do
    panel = plot.layer_representations(flat, X, y, warp=False, probes=False).axes[-1]
    for points_of_class in scatters(panel):
        assert abs(np.mean(points_of_class.get_offsets()[:, 1])) < 0.2


def test_each_representation_panel_draws_its_probe_line(circles, deep):
    X, _, y, _ = circles
    fig = plot.layer_representations(deep, X, y, warp=False, probe_epochs=200)
    probes = inspect.fit_probes(deep, X, y, epochs=200)
    for ax, (name, probe) in zip(fig.axes, probes.items()):
        lines = contours(ax)
        acc = float(np.mean(probe.predict(inspect.layer_outputs(deep, X)[name]) == y))
        assert f"linear probe {100 * acc:.0f} %" in ax.get_title()
        if name == "input":  # 2 units: the panel's coordinates are the features, so the line is exactly the probe's
            verts = contour_vertices(ax)
            s = probe.scores(verts)[:, 0]
            assert np.max(np.abs(s)) < 0.1 * np.ptp(probe.scores(X))
        if lines:
            assert {to_hex(c.get_edgecolor()[0]) for c in lines} == {palette.LINE}


@pytest.mark.parametrize("classes", [2, 3])
def test_a_wide_layer_is_shown_as_its_probe_sees_it(classes):
    # the panel's points, mapped back into the layer's space, get the probe's decision of the real points,
    # so the cut drawn on the panel is exactly the probe's (for two and three classes)
    X, y = nn.data.spiral(150, noise=0.1, seed=1, classes=classes)
    net = nn.MLP(2, [7, classes if classes > 2 else 1], activation="tanh", seed=0)
    nn.fit(net, X, y, epochs=60, progress=False)
    F = inspect.layer_outputs(net, X)["layer 1"]
    probe = inspect.fit_probes(net, X, y, epochs=80)["layer 1"]
    mean, basis, labels = panel_basis(F, probe)
    assert basis.shape == (7, 2) and np.allclose(basis.T @ basis, np.eye(2))
    shown = mean + ((F - mean) @ basis) @ basis.T
    np.testing.assert_array_equal(probe.predict(shown), probe.predict(F))
    assert labels[0].startswith("probe's")
    _, _, pca = panel_basis(F)
    assert pca[0].startswith("PC1")


def test_grid_lines_are_grey_not_a_class_colour(circles, deep, flat):
    X = circles[0]
    fig = plot.warped_grids({"deep": deep, "flat": flat}, X)
    assert [ax.get_title() for ax in fig.axes[:3]] == ["input", "layer 1: ReLU", "layer 2: ReLU"]  # no output here
    colours = {line.get_color() for ax in fig.axes for line in ax.lines}
    assert colours == set(GRID_COLOURS) and not colours & CLASS_HUES
    # without a nonlinearity every grid line stays straight after every layer
    flat_axes = [ax for ax in fig.axes if ax.get_visible()][len(fig.axes) // 2 :]
    for ax in flat_axes:
        for line in ax.lines:
            P = np.column_stack(line.get_data())
            d = P[-1] - P[0]
            Q = P - P[0]
            off = np.abs(Q[:, 0] * d[1] - Q[:, 1] * d[0]) / np.linalg.norm(d)
            assert off.max() < 1e-6 * max(1.0, np.abs(P).max())


def test_titles_carry_the_measured_test_accuracy(circles, deep):
    Xtr, Xte, ytr, yte = circles
    fig = plot.decision_boundary(deep, Xtr, ytr, test=(Xte, yte), title="deep", resolution=20)
    title = fig.axes[0].get_title()
    assert title.startswith("deep\n")
    assert f"test {100 * nn.accuracy(deep, Xte, yte):.1f} %" in title
    assert f"all points {100 * nn.accuracy(deep, Xtr, ytr):.1f} %" in title


def test_probe_chart_marks_the_output_and_chance():
    fig = plot.linear_probes(probes={"input": 0.44, "layer 1": 0.7, "layer 2": 0.96}, chance=1 / 3)
    ax = fig.axes[0]
    bars = ax.patches
    assert [b.get_hatch() for b in bars] == [None, None, "//"]
    assert any("trivially" in t.get_text() for t in ax.texts)
    assert [t.get_text() for t in ax.texts if t.get_text().endswith("%")] == ["44 %", "70 %", "96 %"]
    chance = [line for line in ax.lines if line.get_label().startswith("chance")]
    assert chance and chance[0].get_ydata()[0] == pytest.approx(100 / 3)
    assert not {to_hex(b.get_facecolor()) for b in bars} & CLASS_HUES


def test_training_curves_of_several_models_on_one_chart():
    runs = {
        "deep": {"loss": [0.7, 0.3, 0.1]},
        "linear": {"loss": [0.7, 0.69, 0.69]},
        "flat": {"loss": [0.7, 0.7, 0.69]},
    }
    ax = plot.training_curves(runs).axes[0]
    assert [line.get_label() for line in ax.lines] == ["deep", "linear", "flat"]
    assert [list(line.get_ydata()) for line in ax.lines] == [v["loss"] for v in runs.values()]
    assert len({(line.get_linestyle(), line.get_color()) for line in ax.lines}) == 3
    assert not {to_hex(line.get_color()) for line in ax.lines} & CLASS_HUES


def test_gradient_health_plot_shows_the_measured_norms(circles):
    Xtr, _, ytr, _ = circles
    hs = {
        a: inspect.gradient_health(nn.MLP(2, [8] * 4 + [1], activation=a, seed=0), Xtr, ytr, bce_with_logits)
        for a in ("sigmoid", "relu")
    }
    fig = plot.gradient_health(health=hs)
    grad_ax, ratio_ax, dead_ax = fig.axes
    for line, (name, h) in zip(grad_ax.lines, hs.items()):
        assert line.get_label() == name
        np.testing.assert_allclose(line.get_ydata(), [v["grad_norm"] for v in h.values()])
        assert to_hex(line.get_color()) in palette.GRADIENT_RAMP
    assert grad_ax.get_yscale() == "log" and len(dead_ax.lines) == 1  # only the ReLU net has dead units
    with pytest.raises(ValueError, match="health="):
        plot.gradient_health()


def test_no_label_is_cut_off(circles, deep, flat):
    Xtr, Xte, ytr, yte = circles
    figs = {
        "decision_boundary": plot.decision_boundary(
            deep, Xtr, ytr, test=(Xte, yte), title="deep network", resolution=20
        ),
        "neuron_maps": plot.neuron_maps(deep, Xtr, ytr, resolution=20),
        "layer_representations": plot.layer_representations(flat, Xtr, ytr, probe_epochs=20),
        "warped_grids": plot.warped_grids(
            {"deep network (relu)": deep, "deep, no nonlinearity": flat}, Xtr, title="grids"
        ),
        "linear_probes": plot.linear_probes(probes={"input": 0.5, "layer 1": 1.0, "layer 2": 1.0}, chance=0.5),
        "training_curves": plot.training_curves({"a": {"loss": [1.0, 0.5]}, "b": {"loss": [1.0, 0.9]}}, title="t"),
        "gradient_health": plot.gradient_health(deep, Xtr, ytr, bce_with_logits, title="health"),
    }
    for name, fig in figs.items():
        assert labels_inside(fig) == [], name


def test_the_demos_probes_rise_layer_by_layer():
    from nn.demo import layer_by_layer

    _, (_, _, _, yte), probes = layer_by_layer()
    acc = list(probes.values())
    names = list(probes)
    assert names == ["input", "layer 1", "layer 2", "layer 3", "layer 4", "layer 5"]
    assert acc[0] < 0.55  # the input: a straight line cannot follow three spiral arms
    assert acc[1] > acc[0] + 0.15 and acc[2] > acc[1] + 0.08 and acc[3] > acc[2] + 0.05  # each layer adds
    assert acc[4] > acc[3] > 0.9  # every hidden layer, the last one too: it is almost linearly separable
    assert acc[5] >= acc[4]  # the output (trivially separable) loses nothing


def test_the_representation_panels_quote_the_bar_charts_held_out_numbers():
    from nn.demo import layer_by_layer
    from nn.inspect import linear_probes

    model, (Xtr, Xte, ytr, yte), probes = layer_by_layer()
    fig = plot.layer_representations(model, Xtr, ytr, test=(Xte, yte), warp=False)
    quoted = [ax.get_title().splitlines()[-1] for ax in fig.axes]
    assert quoted == [f"linear probe {100 * a:.0f} % (held out)" for a in probes.values()]
    assert probes == linear_probes(model, Xtr, ytr, test=(Xte, yte))  # the demo's numbers are the function's
    with pytest.raises(TypeError, match=r"layer_representations: test must be a pair \(X_test, y_test\), got ndarray"):
        plot.layer_representations(model, Xtr, ytr, test=Xte)
