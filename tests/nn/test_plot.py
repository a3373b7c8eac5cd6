"""nn.plot: smoke tests under the Agg backend (non-empty PNGs, the expected axes)."""

from __future__ import annotations

import os
import sys
import types

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import nn  # noqa: E402
from autograd import Tensor  # noqa: E402
from nn import inspect, plot  # noqa: E402
from nn.losses import bce_with_logits  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def is_png(path):
    with open(path, "rb") as f:
        head = f.read(8)
    return head == PNG and os.path.getsize(path) > 1000


@pytest.fixture(scope="module")
def data():
    return nn.data.circles(80, noise=0.05, seed=0)


@pytest.fixture(scope="module")
def trained(data):
    """A small net trained for 30 epochs, with snapshots every 10."""
    X, y = data
    net = nn.MLP(2, [5, 3, 1], seed=0)
    snaps = inspect.Snapshots(every=10)
    snaps(net, 0)
    for epoch in range(1, 31):
        net.zero_grad()
        bce_with_logits(net(Tensor(X)), y).backward()
        for p in net.parameters():
            p.data -= 0.5 * p.grad
        snaps(net, epoch, force=epoch == 30)
    return net, snaps


def test_decision_boundary(tmp_path, data, trained):
    X, y = data
    net, snaps = trained
    out = tmp_path / "sub" / "db.png"
    fig = plot.decision_boundary(net, X, y, resolution=25, path=out)
    assert len(fig.axes) == 1
    assert is_png(out)
    assert "accuracy" in fig.axes[0].get_title()
    assert os.listdir(out.parent) == ["db.png"]  # no temporary file left behind
    # a stored epoch; the model's weights come back afterwards
    before = net.state_dict()
    fig = plot.decision_boundary(net, X, y, resolution=25, epoch=10, snapshots=snaps)
    assert fig.axes[0].get_title().startswith("epoch 10")
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    # into existing axes, without data, on the scalar engine
    fig2 = matplotlib.figure.Figure()
    ax = fig2.add_subplot(1, 2, 2)
    assert plot.decision_boundary(net.to_engine("scalar"), resolution=10, ax=ax) is fig2


def test_decision_boundary_multiclass(tmp_path):
    X, y = nn.data.spiral(60, seed=0, classes=3)
    fig = plot.decision_boundary(nn.MLP(2, [6, 3], seed=0), X, y, resolution=20, path=tmp_path / "s.png")
    assert len(fig.axes) == 1 and is_png(tmp_path / "s.png")


def test_plane_views_need_two_inputs(data):
    X, y = data
    net3 = nn.MLP(3, [4, 1])
    for fn in (plot.decision_boundary, plot.neuron_maps):
        with pytest.raises(ValueError, match=r"nin=3.*nin == 2"):
            fn(net3)
    with pytest.raises(ValueError, match="nin == 2"):
        plot.layer_representations(net3, np.ones((5, 3)), np.arange(5) % 2)
    fig = plot.layer_representations(net3, np.random.default_rng(0).normal(size=(9, 3)), np.arange(9) % 2, warp=False)
    assert len(fig.axes) == 3


def test_neuron_maps(tmp_path, data, trained):
    X, y = data
    net, snaps = trained
    fig = plot.neuron_maps(net, X, y, resolution=15, path=tmp_path / "nm.png")
    maps = [ax for ax in fig.axes if ax.images]
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(maps) == 2 + 5 + 5 + 3 + 1  # inputs, layer 1's weighted sums, then every neuron
    assert len(bars) == 5 and len(fig.axes) == len(maps) + len(bars)  # one colour bar per column
    assert is_png(tmp_path / "nm.png")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == [
        "input",
        "layer 1\nstage 1: w·x + b",
        "layer 1\nstage 2: ReLU",
        "layer 2\nReLU",
        "layer 3\nIdentity (output)\nblack line: output = 0",
    ]
    assert len([ax for ax in fig.axes if ax.images]) == len(maps)
    assert len(plot.neuron_maps(net, resolution=8, stages=None).axes) == 2 + 5 + 3 + 1 + 4
    with pytest.raises(ValueError, match="stages must be"):
        plot.neuron_maps(net, resolution=8, stages="layer 9")
    # wide layers wrap; no input column; an epoch
    wide = nn.MLP(2, [7, 1], seed=0)
    fig = plot.neuron_maps(wide, resolution=8, show_input=False, max_rows=3, scale="neuron")
    assert len(fig.axes) == 7 + 7 + 1 + 3
    fig = plot.neuron_maps(net, resolution=8, epoch=0, snapshots=snaps)
    assert fig._suptitle.get_text() == "epoch 0"
    with pytest.raises(ValueError, match="snapshots="):
        plot.neuron_maps(net, resolution=8, epoch=0)
    with pytest.raises(KeyError, match="epoch 7"):
        plot.neuron_maps(net, resolution=8, epoch=7, snapshots=snaps)


def test_neuron_grid_balances_the_columns_of_wide_layers():
    from nn.plot.maps import _neuron_layout

    assert _neuron_layout([2, 16, 16, 1], 12) == (8, [1, 2, 2, 1])  # 8 + 8, not 12 + 4
    assert _neuron_layout([2, 30, 1], 12) == (10, [1, 3, 1])
    assert _neuron_layout([2, 12, 1], 12) == (12, [1, 1, 1])
    assert _neuron_layout([2, 7, 1], 3) == (3, [1, 3, 1])


def test_layer_representations(tmp_path, data, trained):
    X, y = data
    net, _ = trained
    fig = plot.layer_representations(net, X, y, probe_epochs=30, path=tmp_path / "lr.png")
    assert len(fig.axes) == 2 * 4  # (input + 3 layers) x (data, grid warp)
    assert is_png(tmp_path / "lr.png")
    assert fig.axes[1].get_xlabel() == "probe's direction"  # 5 neurons: seen the way their probe sees them
    fig = plot.layer_representations(net, X, y, probes=False)
    assert fig.axes[1].get_xlabel().startswith("PC1")  # without probes: principal components
    fig = plot.layer_representations(net, X, y, warp=False)
    assert len(fig.axes) == 4


def test_linear_probes_plot(tmp_path, data, trained):
    X, y = data
    net, _ = trained
    fig = plot.linear_probes(net, X[:60], y[:60], test=(X[60:], y[60:]), epochs=40, path=tmp_path / "p.png")
    assert len(fig.axes) == 1
    assert len(fig.axes[0].patches) == 4
    assert is_png(tmp_path / "p.png")
    with pytest.raises(ValueError, match="probes="):
        plot.linear_probes()


def test_training_curves(tmp_path):
    history = types.SimpleNamespace(
        loss=[0.7, 0.5, 0.3], accuracy=[0.5, 0.7, 0.9], val_loss=[0.8, 0.6, 0.4], val_accuracy=[0.5, 0.6, 0.8]
    )
    fig = plot.training_curves(history, path=tmp_path / "c.png")
    assert len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 2 and len(fig.axes[1].lines) == 2
    assert is_png(tmp_path / "c.png")
    regression = types.SimpleNamespace(loss=[1.0, 0.5], accuracy=[float("nan")] * 2, val_loss=[], val_accuracy=[])
    assert len(plot.training_curves(regression).axes) == 1
    with pytest.raises(ValueError, match="no loss"):
        plot.training_curves({"loss": []})


def test_animate_gif_and_strip(tmp_path, data, trained):
    from PIL import Image

    X, y = data
    net, snaps = trained
    before = net.state_dict()
    gif = tmp_path / "t.gif"
    plot.animate(snaps, net, X, y, gif, resolution=12, dpi=40)
    with Image.open(gif) as im:
        assert im.n_frames == len(snaps) == 4
    history = types.SimpleNamespace(snapshots=list(snaps))
    strip = tmp_path / "t.png"
    fig = plot.animate(history, net, X, y, strip, kind="neuron_maps", resolution=6, max_frames=2, dpi=30)
    assert is_png(strip) and len(fig.axes) == 1
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    with pytest.raises(ValueError, match="kind"):
        plot.animate(snaps, net, X, y, gif, kind="nope")


def test_animate_without_pillow_writes_png_strip(tmp_path, data, trained, monkeypatch):
    from matplotlib import animation

    X, y = data
    net, snaps = trained
    monkeypatch.setattr(animation.PillowWriter, "isAvailable", classmethod(lambda cls: False))
    with pytest.warns(UserWarning, match="PNG strip"):
        plot.animate(snaps, net, X, y, tmp_path / "t.gif", resolution=8, max_frames=2, dpi=30)
    assert is_png(tmp_path / "t.png")
    assert not (tmp_path / "t.gif").exists()


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"layergrad\[plot\]"):
        plot.training_curves({"loss": [1.0]})


def test_from_fit_history(tmp_path, data):
    X, y = data
    net = nn.MLP(2, [4, 1], seed=0)
    history = nn.fit(net, X, y, epochs=4, snapshot_every=2, validation=(X, y), progress=False)
    fig = plot.training_curves(history)
    assert len(fig.axes) == 2 and len(fig.axes[1].lines) == 2
    assert plot.decision_boundary(net, X, y, resolution=10, epoch=2, snapshots=history).axes
    plot.animate(history, net, X, y, tmp_path / "fit.gif", resolution=8, dpi=30)
    from PIL import Image

    with Image.open(tmp_path / "fit.gif") as im:
        assert im.n_frames == 3
