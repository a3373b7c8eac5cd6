"""The laid-out pictures: Graphviz's positions of the README graph, the demo's graphs and the network diagram.

Each picture is laid out by ``dot -Tjson`` (through :meth:`autograd.Graph.pipe`)
and checked on the positions Graphviz chose, not on the DOT text:

- the neurons of every layer in index order, top to bottom (``rankdir=LR``);
- the layers in one row, left to right: each layer's box starts right of the
  previous one's end, and the boxes share some height;
- the picture's size and aspect ratio bounded (see :data:`MAX_SIZE`, :data:`ASPECT`);
- every node's label a few short lines (see :data:`MAX_LINES`, :data:`MAX_CHARS`);
- the loss in a box of its own, beside the model and not around it;
- several samples at scalar detail still one row of layers.

Skipped when Graphviz's ``dot`` is missing.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nn
from autograd import Graph, Tensor, Value, draw_graph, stage
from nn import draw_network
from nn.losses import bce_with_logits

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")

ROOT = Path(__file__).resolve().parents[2]
#: Largest picture (width, height) in points (1/72 inch) at the default detail: at the 96 dpi of a
#: PNG that is 2,133 x 1,600 pixels, about what a laptop screen shows with a little zoom out.
MAX_SIZE = (1600.0, 1200.0)
#: ... and at "scalar" detail asked for explicitly (every multiply and add of MLP(2, [3, 3, 1])).
MAX_SIZE_SCALAR = (2600.0, 1600.0)
#: Width / height of a picture stays within these: never a tall strip nor a thin ribbon.
ASPECT = (0.4, 6.0)
#: Lines of a node's label, and characters per line.
MAX_LINES, MAX_CHARS = 3, 40
#: Room a box of one node leaves for each character of its title, in ems (see :func:`check_titles`).
TITLE_EM = 0.5


# --------------------------------------------------------------------------
# Laying out and reading positions
# --------------------------------------------------------------------------


class Layout:
    """Positions read from ``dot -Tjson``: clusters (label, box, nodes) and nodes (name, label, centre)."""

    def __init__(self, graph: Graph) -> None:
        js = json.loads(graph.pipe(format="json"))
        x0, y0, x1, y1 = (float(v) for v in js["bb"].split(","))
        self.width, self.height = x1 - x0, y1 - y0
        objects = js.get("objects", [])
        self.nodes = {o["_gvid"]: o for o in objects if "pos" in o}
        self.by_name = {o["name"]: o for o in self.nodes.values()}
        self.clusters = [o for o in objects if str(o.get("name", "")).startswith("cluster") and "bb" in o]
        self.source = graph.source

    @staticmethod
    def box(cluster: dict[str, Any]) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = (float(v) for v in cluster["bb"].split(","))
        return x0, y0, x1, y1

    def centre(self, name: str) -> tuple[float, float]:
        x, y = (float(v) for v in self.by_name[name]["pos"].split(","))
        return x, y

    def named(self, prefix: str) -> list[dict[str, Any]]:
        """Clusters whose label starts with ``prefix``, in the order they were written."""
        return [c for c in self.clusters if str(c.get("label", "")).startswith(prefix)]

    def members(self, cluster: dict[str, Any]) -> list[str]:
        return [self.nodes[i]["name"] for i in cluster.get("nodes", []) if i in self.nodes]


def _number(text: str) -> int:
    return int(re.search(r"\d+", text).group(0))


def check_neuron_order(lay: Layout) -> int:
    """The neurons of each layer sit top to bottom in index order; returns how many layers had 2 or more."""
    checked = 0
    layers: dict[str, list[tuple[int, float]]] = {}
    # "neuron" detail: one node per neuron, named g:<model>/<layer>/neuron <j>
    for name in lay.by_name:
        m = re.fullmatch(r"g:(.+)/neuron (\d+)", name)
        if m:
            layers.setdefault(m.group(1), []).append((int(m.group(2)), lay.centre(name)[1]))
    # "scalar" detail: one box per neuron, inside its layer's box
    for layer in lay.named("layer "):
        inner = set(lay.members(layer))
        boxes = [
            c
            for c in lay.named("neuron ")
            if set(lay.members(c)) <= inner and lay.box(c)[0] >= lay.box(layer)[0] and lay.members(c)
        ]
        if boxes:
            key = "box:" + str(layer["label"])
            layers[key] = [(_number(str(c["label"])), (lay.box(c)[1] + lay.box(c)[3]) / 2) for c in boxes]
    # the network diagram: circles l<k>_<j> (and the inputs in_<i>)
    for name in lay.by_name:
        m = re.fullmatch(r"(l\d+|in)_(\d+)", name)
        if m:
            layers.setdefault("net:" + m.group(1), []).append((int(m.group(2)), lay.centre(name)[1]))
    for key, found in layers.items():
        if len(found) < 2:
            continue
        checked += 1
        top_down = [j for j, _y in sorted(found, key=lambda t: -t[1])]  # y grows upwards in dot's output
        assert top_down == sorted(top_down), f"{key}: neurons drawn top to bottom as {top_down}"
    return checked


def check_input_order(lay: Layout) -> int:
    """Input nodes named x<i> (or x<i> = ...) sit top to bottom in index order; returns how many there are."""
    found = []
    for name, node in lay.by_name.items():
        m = re.match(r"x(\d+)\b", str(node.get("label", "")))
        if m and not name.startswith("legend"):
            found.append((int(m.group(1)), lay.centre(name)[1]))
    top_down = [i for i, _y in sorted(found, key=lambda t: -t[1])]
    assert top_down == sorted(top_down), f"inputs drawn top to bottom as {top_down}"
    return len(found)


def check_one_row(lay: Layout, prefix: str = "layer ") -> int:
    """Layer boxes left to right without overlap in x, all sharing some height; returns how many."""
    boxes = [lay.box(c) for c in lay.named(prefix)]
    if not boxes:  # "layer" detail: each layer is one node
        for name, node in lay.by_name.items():
            if re.fullmatch(r"g:.+/layer \d+", name):
                x, y = lay.centre(name)
                w, h = 36 * float(node["width"]), 36 * float(node["height"])  # half sizes, inches to points
                boxes.append((x - w, y - h, x + w, y + h))
    boxes.sort(key=lambda b: b[0])
    for a, b in zip(boxes, boxes[1:]):
        assert a[2] <= b[0] + 1, f"layer boxes overlap in x (a staircase or a column): {a} then {b}"
    if boxes:
        top = min(b[3] for b in boxes)
        bottom = max(b[1] for b in boxes)
        assert bottom < top, f"layer boxes share no height (not one row): {boxes}"
    return len(boxes)


def check_size(lay: Layout, max_size: tuple[float, float] = MAX_SIZE) -> None:
    assert lay.width <= max_size[0] and lay.height <= max_size[1], f"picture {lay.width} x {lay.height} pt"
    aspect = lay.width / lay.height
    assert ASPECT[0] <= aspect <= ASPECT[1], f"aspect ratio {aspect:.2f} ({lay.width} x {lay.height} pt)"


def check_labels(lay: Layout) -> None:
    for node in lay.nodes.values():
        lines = str(node.get("label", "")).split("\\n")
        assert len(lines) <= MAX_LINES, f"{node['name']}: {len(lines)} lines: {lines}"
        long = [line for line in lines if len(line) > MAX_CHARS]
        assert not long, f"{node['name']}: lines longer than {MAX_CHARS} characters: {long}"


def check_titles(lay: Layout) -> int:
    """A box of one node is wide enough for its title in a browser's font; returns how many such boxes.

    Graphviz sizes a box to its title by its own measure of the text (Liberation Sans here), which a browser
    can exceed (DejaVu Sans, a common sans-serif fallback, is about 0.47 em a character): at least
    :data:`TITLE_EM` em a character of the title's longest line, whatever Graphviz measured.
    """
    checked = 0
    for c in lay.clusters:
        title = str(c.get("label", ""))
        if len(lay.members(c)) != 1 or not title or str(c.get("name")) == "cluster_legend":
            continue
        x0, _, x1, _ = lay.box(c)
        longest = max(len(line) for line in title.split("\\n"))
        assert x1 - x0 >= TITLE_EM * float(c.get("fontsize", 14)) * longest - 0.5, (title, x1 - x0)
        checked += 1
    return checked


def check_loss_box(lay: Layout) -> None:
    """The loss has a box of its own, holding no model part, beside (not around or inside) the model."""
    losses = lay.named("loss")
    assert len(losses) == 1, f"loss boxes: {[c.get('label') for c in losses]}"
    loss = lay.box(losses[0])
    for model in lay.named("MLP"):
        m = lay.box(model)
        assert m[2] <= loss[0] + 1, f"the loss box {loss} is not right of the model box {m}"
    inside = lay.members(losses[0])
    assert inside and not any(n.startswith("g:MLP") for n in inside)


def check_all(graph: Graph, *, loss: bool, max_size: tuple[float, float] = MAX_SIZE) -> Layout:
    lay = Layout(graph)
    check_labels(lay)
    check_size(lay, max_size)
    check_neuron_order(lay)
    check_one_row(lay)
    check_titles(lay)
    if loss:
        check_loss_box(lay)
    return lay


# --------------------------------------------------------------------------
# The README's pictures
# --------------------------------------------------------------------------


def test_the_readme_picture():
    spec = importlib.util.spec_from_file_location("make_readme_picture", ROOT / "scripts" / "make_readme_picture.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    lay = check_all(script.graph(), loss=False)
    assert check_one_row(lay) == 3  # three layers, one row
    # each layer's processing steps left to right inside its box
    for layer in lay.named("layer "):
        xs = [lay.centre(n)[0] for n in lay.members(layer) if n.startswith("g:")]
        names = [n.rsplit("/", 1)[1] for n in lay.members(layer) if n.startswith("g:")]
        steps = [n for n in ("weighted sum", "bias", "activation") if n in names]
        assert [n for _x, n in sorted(zip(xs, names))] == steps
        # ... in one row: the output layer's bias (the picture's last node) too, not a step below
        ys = {round(lay.centre(n)[1]) for n in lay.members(layer) if n.startswith("g:")}
        assert len(ys) == 1, (layer["label"], ys)


def test_the_readme_scalar_example():
    x1, x2 = Value(2.0, label="x1"), Value(-1.0, label="x2")
    w1, w2 = Value(-0.5, label="w1"), Value(1.5, label="w2")
    b = Value(0.5, label="b")
    y = (w1 * x1 + w2 * x2 + b).tanh()
    y.backward()
    g = draw_graph(y)
    assert g.detail == "scalar"
    lay = check_all(g, loss=False)
    assert check_input_order(lay) == 2  # x1 above x2


# --------------------------------------------------------------------------
# The demo's pictures (nn/demo.py draws these with its deep model)
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_model():
    return nn.MLP(2, [16, 16, 1], activation="relu", engine="tensor", seed=0)


@pytest.fixture(scope="module")
def circles():
    return nn.data.circles(40, noise=0.08, seed=0)


def _loss(out: Any, y: Any) -> Any:
    with stage("loss", label="loss: binary cross-entropy", kind="loss"):
        return bce_with_logits(out, y)


def test_the_demos_batch_graph(demo_model, circles):
    X, y = circles
    loss = _loss(demo_model(Tensor(X[:4])), y[:4])
    loss.backward()
    lay = check_all(draw_graph(loss, detail="auto"), loss=True)
    assert check_one_row(lay) == 3


def test_the_demos_neuron_graph(demo_model, circles):
    X, y = circles
    twin = demo_model.to_engine("scalar")
    loss = _loss([twin(list(X[0]))[0]], y[:1])
    loss.backward()
    lay = check_all(draw_graph(loss, detail="neuron"), loss=True)
    assert check_neuron_order(lay) == 2  # the two hidden layers of 16 (the output layer has one neuron)
    assert check_one_row(lay) == 3


def test_the_demos_network_diagram(demo_model):
    lay = check_all(draw_network(demo_model), loss=False)
    assert check_neuron_order(lay) == 3  # inputs and both hidden layers
    boxes = [lay.box(c) for c in lay.clusters]
    assert len(boxes) == 4 and boxes == sorted(boxes)  # input layer, then layers 1-3 left to right
    for a, b in zip(boxes, boxes[1:]):
        assert a[2] <= b[0]
    # the bias of neuron j is written in circle j (the top circle is neuron 0)
    W, bias = demo_model.layers[0].get_weights()
    top = max((n for n in lay.by_name if n.startswith("l0_")), key=lambda n: lay.centre(n)[1])
    assert top == "l0_0" and lay.by_name[top]["label"] == f"0\\nb {bias[0]:+.2f}"


def test_a_wide_network_diagram():
    net = nn.MLP(10, [64, 32, 3], seed=0)
    lay = check_all(draw_network(net), loss=False)  # a screen high: wide layers summarised, 20 circles at most
    assert check_neuron_order(lay) == 4
    # the ellipsis of the summarised layer stands between its first and its last neurons
    y = {n: lay.centre(n)[1] for n in ("l0_9", "l0_more", "l0_55")}
    assert y["l0_9"] > y["l0_more"] > y["l0_55"]
    # between wide layers each neuron keeps its 3 largest |w|, so layer 2 gets 3 edges per neuron
    assert len(re.findall(r"^\s*l0_\w+ -> l1_", lay.source, re.M)) == 19 * 3  # 19 drawn neurons (and the ellipsis)
    # every box holds its title: each box at least as wide as its longest title line at 11 pt (Graphviz
    # measures the titles in "Helvetica" itself: the box is its measure + 16 pt, whatever CLUSTER_MARGIN is)
    for c in lay.clusters:
        longest = max(len(line) for line in str(c.get("label", "")).split("\\n"))
        x0, _, x1, _ = lay.box(c)
        assert x1 - x0 >= 0.55 * 11 * longest, c.get("label")


# --------------------------------------------------------------------------
# Both engines, every detail level
# --------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["scalar", "tensor"])
@pytest.mark.parametrize("detail", ["auto", "scalar", "neuron", "layer"])
def test_every_level_on_both_engines(engine, detail):
    net = nn.MLP(2, [3, 3, 1], activation="relu", engine=engine, seed=1)
    X = np.array([[0.5, -1.0], [1.5, 0.25]])
    with stage("loss", label="loss: mean squared error", kind="loss"):
        if engine == "tensor":
            loss = ((net(Tensor(X)) - 1.0) ** 2).mean()
        else:
            loss = (net(list(X[0]))[0] - 1.0) ** 2
    loss.backward()
    g = draw_graph(loss, detail=detail)
    lay = check_all(g, loss=True, max_size=MAX_SIZE_SCALAR if g.detail == "scalar" else MAX_SIZE)
    assert check_one_row(lay) == 3
    if g.detail in ("neuron", "layer"):
        assert check_titles(lay) >= 1  # the loss: one node under "loss: mean squared error"
    if engine == "scalar" and g.detail in ("scalar", "neuron"):
        assert check_neuron_order(lay) == 2  # the two hidden layers of 3 neurons
    if engine == "scalar" and g.detail == "scalar":
        assert check_input_order(lay) == 2  # x0 above x1
    inputs = [n for n in lay.nodes.values() if str(n["label"]).startswith(("input", "x0"))]
    assert inputs, "the model's input is drawn as an input"
    assert not any(str(n["label"]).startswith("constant") for n in lay.nodes.values())


def test_auto_picks_a_level_from_the_pictures_size():
    net = nn.MLP(2, [8, 8, 1], engine="scalar", seed=0)
    out = net([0.5, -1.0])[0]
    out.backward()
    g = draw_graph(out)
    assert g.counts["scalar"] > 150 and g.detail == "neuron"  # 299 nodes would be a 3,400 x 2,600 pt picture
    lay = check_all(g, loss=False)
    assert check_neuron_order(lay) == 2
    small = nn.MLP(2, [3, 1], engine="scalar", seed=0)([0.5, -1.0])[0]
    assert draw_graph(small).detail == "scalar"
    # two samples through MLP(2, [3, 3, 1]): 121 nodes at scalar detail, a 2,662 x 1,542 pt picture
    net = nn.MLP(2, [3, 3, 1], engine="scalar", seed=1)
    loss = bce_with_logits([net([0.5, -1.0])[0], net([1.5, 0.25])[0]], np.array([0.0, 1.0]))
    loss.backward()
    g = draw_graph(loss)
    assert g.counts["scalar"] > 60 and g.detail == "neuron"
    check_all(g, loss=True)


def test_several_samples_at_scalar_detail_asked_for_are_one_row():
    # two samples through MLP(2, [3, 3, 1]) at detail="scalar": each weight feeds one multiply per sample; the
    # later ones once pushed each sample a column right, and the layer boxes became a 2,768 x 3,163 pt staircase
    net = nn.MLP(2, [3, 3, 1], engine="scalar", seed=1)
    loss = bce_with_logits([net([0.5, -1.0])[0], net([1.5, 0.25])[0]], np.array([0.0, 1.0]))
    loss.backward()
    g = draw_graph(loss, detail="scalar")
    assert g.detail == "scalar"
    lay = Layout(g)
    check_labels(lay)
    assert check_one_row(lay) == 3
    assert check_neuron_order(lay) == 2
    check_loss_box(lay)
    assert lay.height <= MAX_SIZE_SCALAR[1] and lay.width / lay.height <= ASPECT[1], (lay.width, lay.height)
    # every weight still stands beside its first multiply: one edge of each shared weight fixes its column
    assert len(re.findall(r"constraint=false", g.source)) == 9 + 12 + 4  # one per parameter, for sample 2


def test_a_model_called_inside_the_loss_stage_is_drawn_beside_it():
    # notebook 02 once did this: the model's nodes carry the loss stage, its input was made inside it
    net = nn.MLP(2, [3, 1], engine="tensor", seed=0)
    with stage("loss", label="loss: mean squared error", kind="loss"):
        loss = ((net(Tensor(np.ones((4, 2)))) - 1.0) ** 2).mean()
    loss.backward()
    for detail in ("scalar", "neuron", "layer"):
        lay = check_all(draw_graph(loss, detail=detail), loss=True)
        assert len(lay.named("MLP")) == 1  # one model box, holding its parameters and its ops
        labels = [str(n["label"]) for n in lay.nodes.values()]
        assert any(label.startswith("input") for label in labels), labels
        assert not any(label.startswith("constant") for label in labels), labels
    snet = nn.MLP(2, [3, 1], engine="scalar", seed=0)
    with stage("loss", label="loss: mean squared error", kind="loss"):
        sloss = (snet([0.5, -1.0])[0] - 1.0) ** 2
    sloss.backward()
    for detail in ("scalar", "neuron", "layer"):
        lay = check_all(draw_graph(sloss, detail=detail), loss=True)
        assert len(lay.named("MLP")) == 1
