"""Tests of the graph drawing (autograd.draw): assertions on the DOT source.

Graphs are built by hand with the stage convention that ``nn`` follows
(model > layer > [neuron >] weighted sum / bias / activation; parameters are
leaves at their owner's path, inputs are leaves at ``()``), so these tests do
not depend on ``nn``.  Tests that run Graphviz are marked ``needs_dot`` and
skipped when the ``dot`` program is missing.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import stat
import sys
import xml.etree.ElementTree as ET

import graphviz
import numpy as np
import pytest

from autograd import Tensor, Value, dot, register_stage, stage, stage_label, toposort
from autograd.draw import GraphvizError, GraphvizNotFound, draw_dot, draw_graph


def needs_dot(fn):
    """Mark a test that runs Graphviz's dot; skip it when dot is not installed."""
    fn = pytest.mark.needs_dot(fn)
    return pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")(fn)


# --------------------------------------------------------------------------
# Graphs built by hand with nn's stage convention
# --------------------------------------------------------------------------


def _register(name: str, sizes: list[int]) -> list[tuple[str, ...]]:
    register_stage((name,), label=f"{name}({'→'.join(map(str, sizes))})", kind="model")
    paths = []
    for i, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        act = " + ReLU" if i < len(sizes) - 2 else ""
        path = (name, f"layer {i + 1}")
        register_stage(path, label=f"layer {i + 1}: Linear({nin}→{nout}){act}", kind="layer")
        paths.append(path)
    return paths


def _weights(sizes: list[int], seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(nin, nout)), rng.normal(size=nout) * 0.1) for nin, nout in zip(sizes, sizes[1:])]


class ScalarMLP:
    """An MLP on Values, one stage per model, layer, neuron and step (as nn builds it)."""

    def __init__(self, sizes, weights=None, name="MLP", use_dot=True):
        self.name, self.use_dot, self.sizes = name, use_dot, sizes
        self.layers = []
        for (W, b), path in zip(weights or _weights(sizes), _register(name, sizes)):
            neurons = []
            for j in range(W.shape[1]):
                npath = path + (f"neuron {j}",)
                register_stage(npath, kind="neuron")
                ws = [Value(float(W[k, j]), label=f"w{k}") for k in range(W.shape[0])]
                bias = Value(float(b[j]), label="b")
                for p in ws + [bias]:
                    p.stage = npath
                neurons.append((ws, bias))
            self.layers.append(neurons)

    def parameters(self):
        return [p for layer in self.layers for ws, b in layer for p in ws + [b]]

    def __call__(self, x):
        last = len(self.layers) - 1
        # as nn does: entering a stage also registers its label and kind at the full
        # path, so a user's block around the model keeps the model's structure
        with stage(self.name, label=stage_label((self.name,)), kind="model"):
            for i, layer in enumerate(self.layers):
                with stage(f"layer {i + 1}", label=stage_label((self.name, f"layer {i + 1}")), kind="layer"):
                    out = []
                    for j, (ws, b) in enumerate(layer):
                        with stage(f"neuron {j}", kind="neuron"):
                            with stage("weighted sum", kind="step"):
                                if self.use_dot:
                                    s = dot(ws, x)
                                else:  # micrograd's chain: every multiply and add its own node
                                    s = ws[0] * x[0]
                                    for w, xi in zip(ws[1:], x[1:]):
                                        s = s + w * xi
                            with stage("bias", kind="step"):
                                z = s + b
                            if i < last:
                                with stage("activation", kind="step"):
                                    z = z.relu()
                        out.append(z)
                    x = out
        return x


class TensorMLP:
    """The same MLP on Tensors: one matmul, add and relu per layer."""

    def __init__(self, sizes, weights=None, name="MLP"):
        self.name = name
        self.params = []
        for (W, b), path in zip(weights or _weights(sizes), _register(name, sizes)):
            Wt = Tensor(W, requires_grad=True, label="weight")
            bt = Tensor(b, requires_grad=True, label="bias")
            Wt.stage = bt.stage = path
            self.params.append((Wt, bt))

    def __call__(self, x):
        last = len(self.params) - 1
        with stage(self.name, label=stage_label((self.name,)), kind="model"):
            for i, (W, b) in enumerate(self.params):
                with stage(f"layer {i + 1}", label=stage_label((self.name, f"layer {i + 1}")), kind="layer"):
                    with stage("weighted sum", kind="step"):
                        x = x @ W
                    with stage("bias", kind="step"):
                        x = x + b
                    if i < last:
                        with stage("activation", kind="step"):
                            x = x.relu()
        return x


def _inputs(values):
    return [Value(v, label=f"x{k}") for k, v in enumerate(values)]


# --------------------------------------------------------------------------
# Reading DOT source back
# --------------------------------------------------------------------------

_ID = r'"((?:[^"\\]|\\.)*)"'


def parse(source):
    """Node ids with the labels of the clusters around them, and the edges."""
    nodes, edges, stack = {}, [], []
    for line in source.splitlines():
        s = line.strip()
        if s.startswith("subgraph cluster_"):
            stack.append(None)
        elif s.startswith("label=") and stack and stack[-1] is None:
            stack[-1] = re.match(r'label="((?:[^"\\]|\\.)*)"', s).group(1)
        elif s == "}":
            if stack:
                stack.pop()
        elif m := re.match(_ID + " -> " + _ID, s):
            edges.append(m.groups())
        elif m := re.match(_ID + r" \[label=", s):
            nodes[m.group(1)] = tuple(stack)
    return nodes, edges


def drawn(source):
    """The ids of the drawn graph nodes (not the legend, not the 'more' note)."""
    return [n for n in parse(source)[0] if not n.startswith("legend:") and n != "more"]


def label_of(source, node_id):
    return re.search(re.escape(f'"{node_id}" [label="') + r'((?:[^"\\]|\\.)*)"', source).group(1)


def lines_of(source, node_id):
    """The lines of a node's label (what the picture shows)."""
    return label_of(source, node_id).split("\\n")


def tip_of(source, node_id):
    """The lines of a node's tooltip (every detail, shown on hover)."""
    line = re.search(re.escape(f'"{node_id}" [') + ".*", source).group(0)
    return re.search(r'tooltip="((?:[^"\\]|\\.)*)"', line).group(1).split("\\n")


# --------------------------------------------------------------------------
# Stages become clusters
# --------------------------------------------------------------------------


def test_each_layer_neuron_and_step_is_a_labelled_cluster():
    y = ScalarMLP([2, 3, 1])(_inputs([1.0, -2.0]))[0]
    src = draw_graph(y, detail="scalar", legend=False).source
    # 1 model + 2 layers + 4 neurons + (3 neurons x 3 steps + 1 neuron x 2 steps)
    assert src.count("subgraph cluster_") == 1 + 2 + 4 + 11
    for label in ("MLP(2→3→1)", "layer 1: Linear(2→3) + ReLU", "layer 2: Linear(3→1)"):
        assert src.count(f'label="{label}"') == 1
    assert src.count('label="weighted sum"') == 4
    assert src.count('label="bias"') == 4
    assert src.count('label="activation"') == 3
    assert src.count('label="neuron 0"') == 2


def test_tensor_layers_and_steps_are_clusters():
    y = TensorMLP([2, 3, 1])(Tensor([[1.0, -2.0]], label="x"))
    src = draw_graph(y, detail="scalar", legend=False).source
    assert src.count("subgraph cluster_") == 1 + 2 + 5  # model, layers, 3 + 2 steps
    nodes, _ = parse(src)
    matmuls = [n for n in nodes if label_of(src, n).startswith("@")]
    assert [nodes[n] for n in matmuls] == [
        ("MLP(2→3→1)", "layer 1: Linear(2→3) + ReLU", "weighted sum"),
        ("MLP(2→3→1)", "layer 2: Linear(3→1)", "weighted sum"),
    ]


def test_parameters_sit_inside_their_layers_cluster():
    y = ScalarMLP([2, 3, 1])(_inputs([1.0, -2.0]))[0]
    src = draw_graph(y, detail="scalar", legend=False).source
    nodes, _ = parse(src)
    params = {
        n: where
        for n, where in nodes.items()
        if "peripheries=2" in re.search(re.escape(f'"{n}" [') + ".*", src).group(0)
    }
    assert len(params) == 13
    for where in params.values():
        assert where[:2] in (("MLP(2→3→1)", "layer 1: Linear(2→3) + ReLU"), ("MLP(2→3→1)", "layer 2: Linear(3→1)"))
        assert where[2].startswith("neuron ") and len(where) == 3  # in the neuron, not in a step
    inputs = [n for n in nodes if label_of(src, n).startswith("x")]
    assert len(inputs) == 2 and all(nodes[n] == () for n in inputs)

    t = TensorMLP([2, 3, 1])(Tensor([[1.0, -2.0]]))
    tsrc = draw_graph(t, detail="neuron", legend=False).source
    tnodes, _ = parse(tsrc)
    weights = [
        n
        for n in tnodes
        if label_of(tsrc, n).startswith(("weight ", "bias "))
        and "peripheries=2" in tsrc.split(f'"{n}" [', 1)[1].split("\n", 1)[0]
    ]
    assert sorted(tnodes[n] for n in weights) == sorted(
        [("MLP(2→3→1)", "layer 1: Linear(2→3) + ReLU")] * 2 + [("MLP(2→3→1)", "layer 2: Linear(3→1)")] * 2
    )


# --------------------------------------------------------------------------
# Detail levels
# --------------------------------------------------------------------------


def test_node_counts_per_detail_level_scalar_engine():
    y = ScalarMLP([2, 3, 1])(_inputs([1.0, -2.0]))[0]
    engine_nodes = len(toposort(y))
    assert engine_nodes == 2 + 13 + 11  # inputs, parameters, ops (3 x dot/add/relu + dot/add)
    # scalar: each 2-term dot adds 2 nodes (2 x, +), the 3-term dot adds 4 (3 x, 2 +)
    expected = {"scalar": engine_nodes + 3 * 2 + 4, "neuron": 1 + 4, "layer": 1 + 2}
    for level, n in expected.items():
        g = draw_graph(y, detail=level, legend=False)
        assert (g.detail, g.num_nodes, len(drawn(g.source))) == (level, n, n)


def test_node_counts_per_detail_level_tensor_engine():
    y = TensorMLP([2, 3, 1])(Tensor([[1.0, -2.0]]))
    expected = {"scalar": 10, "neuron": 10, "layer": 3}  # x + 2 x (W, b, 3 or 2 steps); x + 2 layers
    for level, n in expected.items():
        g = draw_graph(y, detail=level, legend=False)
        assert (g.num_nodes, len(drawn(g.source))) == (n, n)
    src = draw_graph(y, detail="neuron", legend=False).source
    assert '"g:MLP/layer 1/weighted sum"' in src and '"g:MLP/layer 2/bias"' in src


def test_scalar_dot_is_drawn_as_its_multiplies_and_adds():
    register_stage(("n",), kind="neuron")
    ws = [Value(1.0, label="w0"), Value(2.0, label="w1"), Value(3.0, label="w2")]
    xs = _inputs([4.0, 5.0, 6.0])
    with stage("n"):
        s = dot(ws, xs) * 2.0
    s.backward()
    src = draw_graph(s, detail="scalar", legend=False).source
    labels = [label_of(src, n) for n in drawn(src)]
    products = [lab for lab in labels if lab.startswith("×\\n")]
    assert sorted(products) == ["×\\ndata 10, grad 2", "×\\ndata 18, grad 2", "×\\ndata 4, grad 2"]
    assert "+\\ndata 14, grad 2" in labels  # the partial sum 4 + 10
    assert "+ (w·x)\\ndata 32, grad 2" in labels
    assert "× 2\\ndata 64, grad 1" in labels
    # constant inputs are written into the multiply
    with stage("n"):
        c = dot(ws[:2], [4.0, 5.0])
    csrc = draw_graph(c, detail="scalar", legend=False).source
    assert 'label="× 4\\n' in csrc and 'label="× 5\\n' in csrc
    assert draw_graph(c, detail="scalar").num_nodes == 2 + 3


def test_neuron_node_shows_weighted_sum_activation_output_and_grad():
    y = ScalarMLP([2, 1, 1], weights=[(np.array([[1.0], [1.0]]), np.array([0.5])), (np.ones((1, 1)), np.zeros(1))])(
        _inputs([1.0, 2.0])
    )[0]
    y.backward()
    src = draw_graph(y, detail="neuron", legend=False).source
    # the picture: the neuron and what its activation gave; the tooltip: every detail
    assert lines_of(src, "g:MLP/layer 1/neuron 0") == ["neuron 0", "ReLU 3.5"]
    assert tip_of(src, "g:MLP/layer 1/neuron 0") == [
        "neuron 0",
        "3 params",
        "w·x + b: 3.5",
        "ReLU: 3.5",
        "active (> 0): 100%",
        "mean |grad| of its weights 1.333",  # w0, w1, b: 1, 2, 1
        "grad of its output 1",
    ]


def test_layer_detail_shows_steps_ops_and_parameter_counts():
    y = ScalarMLP([2, 3, 1])(_inputs([1.0, -2.0]))[0]
    src = draw_graph(y, detail="layer", legend=False).source
    assert lines_of(src, "g:MLP/layer 1") == ["layer 1: Linear(2→3) + ReLU", "3 neurons, 9 params"]
    label = tip_of(src, "g:MLP/layer 1")
    assert label[:5] == [
        "layer 1: Linear(2→3) + ReLU",
        "weighted sum → bias → activation",
        "3 neurons",
        "ops: 3 w·x, 3 +, 3 ReLU",
        "params 9",
    ]
    t = TensorMLP([2, 3, 1])(Tensor([[1.0, -2.0]]))
    tlabel = tip_of(draw_graph(t, detail="layer").source, "g:MLP/layer 1")
    assert tlabel[:4] == [
        "layer 1: Linear(2→3) + ReLU",
        "weighted sum → bias → activation",
        "ops: 1 @, 1 +, 1 ReLU",
        "params 9: weight (2, 3), bias (3,)",
    ]


def test_scalar_and_tensor_mlp_give_the_same_layer_picture():
    weights = _weights([2, 4, 3, 1], seed=3)
    ys = ScalarMLP([2, 4, 3, 1], weights)(_inputs([0.5, -1.0]))
    t = TensorMLP([2, 4, 3, 1], weights)(Tensor([0.5, -1.0]))
    np.testing.assert_allclose([v.data for v in ys], t.data)
    s_nodes, s_edges = parse(draw_graph(ys, detail="layer", legend=False).source)
    t_nodes, t_edges = parse(draw_graph(t, detail="layer", legend=False).source)
    assert s_nodes == t_nodes
    assert (
        sorted(s_edges)
        == sorted(t_edges)
        == sorted([("in0", "g:MLP/layer 1"), ("g:MLP/layer 1", "g:MLP/layer 2"), ("g:MLP/layer 2", "g:MLP/layer 3")])
    )
    # edges carry widths (scalar) or shapes (tensor)
    s_src = draw_graph(ys, detail="layer").source
    t_src = draw_graph(t, detail="layer").source
    assert '"g:MLP/layer 1" -> "g:MLP/layer 2" [label="4"' in s_src
    assert '"g:MLP/layer 1" -> "g:MLP/layer 2" [label="(4,)"' in t_src


def test_a_user_stage_around_the_model_does_not_hide_its_neurons():
    model = ScalarMLP([2, 2, 1], name="net")
    with stage("train step"):  # no kind: a user's block
        y = model(_inputs([1.0, 2.0]))[0]
        loss = (y - 1.0) ** 2
    g = draw_graph(loss, detail="neuron", legend=False)
    ids = drawn(g.source)
    assert sum(i.startswith("g:train step/net/layer") for i in ids) == 3
    # a user's block with no kinded stage inside is one node at neuron detail
    with stage("loss"):
        loss2 = (y - 1.0) ** 2 + y * 0.5
    assert "g:loss" in drawn(draw_graph(loss2, detail="neuron").source)


def micrograd_demo_step(n_samples=100, sizes=(2, 16, 16, 1)):
    """micrograd's demo training step: 100 samples through MLP(2, 16, 16, 1), a
    max-margin loss and L2 regularisation, every multiply and add its own node."""
    rng = random.Random(0)
    model = ScalarMLP(list(sizes), name="MLP", use_dot=False)
    xs = [[Value(rng.uniform(-2, 2)), Value(rng.uniform(-2, 2))] for _ in range(n_samples)]
    ys = [rng.choice((-1.0, 1.0)) for _ in range(n_samples)]
    scores = [model(x)[0] for x in xs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def test_auto_detail_for_micrograds_66000_node_demo_step():
    loss = micrograd_demo_step()
    n = len(toposort(loss))
    assert 64_000 < n < 68_000
    g = draw_graph(loss)  # detail="auto", max_nodes=2000
    assert g.counts["scalar"] == n > 2000
    assert g.detail == "neuron"
    # 33 neurons (100 calls of each drawn as one), the 200 inputs, the loss block
    assert g.num_nodes == 33 + 1 + 1 == len(drawn(g.source))
    assert g.source.count("subgraph cluster_") == 1 + 3 + 1  # model, layers, legend
    coarse = draw_graph(loss, max_nodes=20)
    assert (coarse.detail, coarse.num_nodes) == ("layer", 5)
    assert '"g:MLP/layer 1" -> "g:MLP/layer 2" [label="16 × 100 calls"' in coarse.source
    # not even "layer" fits: the nodes nearest the output are kept, one note tells the rest
    tiny = draw_graph(loss, max_nodes=3)
    assert tiny.num_nodes <= 3 and tiny.truncated == 5 - tiny.num_nodes
    assert '"more"' in tiny.source and "more nodes not drawn" in tiny.source


def test_auto_takes_the_finest_level_that_fits_and_lays_out_quickly():
    y = ScalarMLP([2, 3, 1])(_inputs([1.0, -2.0]))[0]
    assert draw_graph(y).detail == "scalar"
    assert draw_graph(y, max_nodes=35).detail == "neuron"
    assert draw_graph(y, max_nodes=4).detail == "layer"
    # one sample with micrograd's regularisation: 1,660 nodes, but a 337-long chain whose edges skip
    # hundreds of ranks (a minute in dot); auto goes one level coarser
    g = draw_graph(micrograd_demo_step(n_samples=1))
    assert g.counts["scalar"] < 2000 and g.detail == "neuron"


def test_explicit_detail_is_truncated_to_max_nodes_keeping_the_output():
    y = ScalarMLP([2, 3, 1])(_inputs([1.0, -2.0]))[0]
    g = draw_graph(y, detail="scalar", max_nodes=10, legend=False)
    assert g.detail == "scalar" and g.num_nodes <= 10 and g.truncated == 36 - g.num_nodes
    nodes, edges = parse(g.source)
    root = [n for n in nodes if "#bbf7d0" in re.search(re.escape(f'"{n}" [') + ".*", g.source).group(0)]
    assert len(root) == 1 and any(a == "more" for a, _ in edges)


# --------------------------------------------------------------------------
# Labels, kinds, gradient view
# --------------------------------------------------------------------------


def test_special_characters_are_escaped():
    nasty = 'a"b\\c<d>{e}|f\nnext'
    register_stage(('we "quote" \\ it',), label='layer "1" \\ {x|y}', kind="layer")
    x = Value(1.0, label=nasty)
    with stage('we "quote" \\ it'):
        y = x * 2.0
    src = draw_graph(y, detail="scalar").source
    assert 'label="a\\"b\\\\c<d>{e}|f\\nnext\\ndata 1, grad 0"' in src  # a plain label: no record escapes
    assert 'label="layer \\"1\\" \\\\ {x|y}";' in src  # cluster label: a plain string
    layer = draw_graph(y, detail="layer").source
    assert '"g:we \\"quote\\" \\\\ it"' in layer  # node id


@needs_dot
def test_escaped_labels_come_out_verbatim(tmp_path):
    nasty = 'a"b\\c<d>{e}|f'
    x = Value(1.0, label=nasty + "\nnext")
    with stage("s", label="cluster " + nasty):
        y = x * 2.0
    svg = ET.fromstring(draw_graph(y, detail="scalar").pipe("svg"))
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert nasty in texts and "next" in texts and "cluster " + nasty in texts


def test_node_kinds_are_distinguished_and_the_legend_lists_them():
    y = ScalarMLP([2, 1])(_inputs([1.0, 2.0]))[0]
    src = draw_graph(y, detail="scalar").source
    line = {lab: re.search(re.escape(f'"{n}" [') + ".*", src).group(0) for n in drawn(src) if (lab := label_of(src, n))}
    x0 = next(v for k, v in line.items() if k.startswith("x0"))
    w0 = next(v for k, v in line.items() if k.startswith("w0"))
    out = next(v for k, v in line.items() if k.startswith("+\\n"))
    prod = next(v for k, v in line.items() if k.startswith("×\\n"))
    assert 'style="filled"' in x0 and "#fffbe6" in x0  # input: square corners, cream
    assert "peripheries=2" in w0 and "#fde047" in w0  # parameter: yellow, double border
    assert "style=" not in prod and "#ffffff" in prod  # op result: the default rounded box, white
    assert 'node [shape=box, style="rounded,filled"' in src
    assert "#bbf7d0" in out  # output: green
    assert "subgraph cluster_legend" in src
    for text in ("input", "parameter", "op result", "output"):
        assert f'label="{text}"' in src
    assert "cluster_legend" not in draw_graph(y, legend=False).source


def test_tensor_nodes_show_shape_dtype_and_summary():
    W = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True, label="W")
    x = Tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32), label="x")
    s = (x @ W).sum()
    s.backward()
    src = draw_graph(s, detail="scalar").source
    # the picture: name, shape and one statistic; the tooltip: dtype and min/mean/max of data and grad
    assert 'label="W (3, 4)\\nmean 5.5"' in src
    assert 'tooltip="W\\n(3, 4) float64\\ndata min 0 mean 5.5 max 11\\ngrad min 1 mean 2 max 3"' in src
    assert 'tooltip="x\\n(3,) float32\\ndata [1, 2, 3]"' in src  # no grad line: x needs none
    assert 'label="@ (4,)\\nmean 41"' in src
    assert 'tooltip="@\\n(4,) float64\\ndata [32, 38, 44, 50]\\ngrad [1, 1, 1, 1]"' in src
    assert 'label="sum ()\\n164"' in src and 'tooltip="sum\\n() float64\\ndata 164\\ngrad 1"' in src


def test_gradient_view_colours_by_magnitude_and_fades_dead_parts():
    # neuron 0 of layer 1 has a negative pre-activation: ReLU is dead, its weights get no gradient
    weights = [(np.array([[1.0, -1.0], [1.0, -1.0]]), np.zeros(2)), (np.array([[1.0], [1.0]]), np.zeros(1))]
    y = ScalarMLP([2, 2, 1], weights)(_inputs([1.0, 1.0]))[0]
    before = draw_graph(y, detail="scalar").source
    assert "penwidth" not in before.replace("penwidth=1.4", "") and 'dashed"' not in before.split("cluster_legend")[
        0
    ].replace('style="dashed"; color="#a3a3a3"', "")
    y.backward()
    src = draw_graph(y, detail="scalar").source
    nodes, _ = parse(src)

    def attrs(n):
        return re.search(re.escape(f'"{n}" [') + ".*", src).group(0)

    dead = [n for n in nodes if nodes[n][-1:] == ("neuron 1",) and nodes[n][1].startswith("layer 1")]
    alive = [n for n in nodes if nodes[n][-1:] == ("neuron 0",) and nodes[n][1].startswith("layer 1")]
    assert len(dead) == len(alive) == 3
    assert all('filled,dashed"' in attrs(n) for n in dead)
    assert all("penwidth=" in attrs(n) and "dashed" not in attrs(n) for n in alive)
    # the dead neuron is faded at neuron detail too, the live one is not
    nsrc = draw_graph(y, detail="neuron").source
    assert 'style="rounded,filled,dashed"' in re.search(r'"g:MLP/layer 1/neuron 1" \[.*', nsrc).group(0)
    # it says why, and its number agrees with its style: the weights get no gradient
    assert lines_of(nsrc, "g:MLP/layer 1/neuron 1") == ["neuron 1", "ReLU off: 0"]
    assert "ReLU off for this input: its weights get no gradient" in tip_of(nsrc, "g:MLP/layer 1/neuron 1")
    # and what leaves it (a 0) is faded too
    out_edges = [e for e in re.findall(r'"g:MLP/layer 1/neuron 1" -> .*', nsrc) if "invis" not in e]
    assert out_edges and all("dashed" in e for e in out_edges)
    assert "dashed" not in re.search(r'"g:MLP/layer 1/neuron 0" \[.*', nsrc).group(0)
    # show_grad=False: no gradients, no colouring
    plain = draw_graph(y, detail="scalar", show_grad=False, show_data=False).source
    body = plain.split("\n", 1)[1]  # past the header line, "digraph layergrad {"
    assert "grad " not in body and "data " not in body and "penwidth=2" not in body


def test_larger_gradients_get_wider_edges():
    a, b = Value(1.0, label="a"), Value(1.0, label="b")
    y = a * 1000.0 + b * 0.001
    y.backward()
    src = draw_graph(y, detail="scalar").source
    width = {lab: float(w) for lab, w in re.findall(r'"(n\d+)" -> "n\d+" \[color="#\w+", penwidth=([\d.]+)', src)}
    ids = {lines_of(src, n)[0]: n for n in drawn(src)}
    assert width[ids["a"]] > width[ids["b"]] + 1


def test_draw_dot_on_micrograds_readme_expression(micrograd_readme):
    a, b, g = micrograd_readme
    assert (round(g.data, 4), round(a.grad, 4), round(b.grad, 4)) == (24.7041, 138.8338, 645.5773)
    dot_graph = draw_dot(g)
    assert type(dot_graph) is graphviz.Digraph  # micrograd's draw_dot returns graphviz's object
    assert len(toposort(g)) == len(drawn(dot_graph.source)) == draw_graph(g, detail="scalar").num_nodes
    assert "cluster_legend" not in dot_graph.source
    assert "data 24.7, grad 1" in dot_graph.source
    assert "input\\ndata -4, grad 138.8" in dot_graph.source
    assert '"** 2\\n' in dot_graph.source and '"10 ÷ x\\n' in dot_graph.source and '"ReLU\\n' in dot_graph.source
    assert draw_dot(g, format="png", rankdir="TB").format == "png"
    assert "rankdir=TB" in draw_dot(g, rankdir="TB").source


def test_many_roots_and_bad_arguments():
    ys = ScalarMLP([2, 3])(_inputs([1.0, 2.0]))
    assert draw_graph(ys, detail="neuron").num_nodes == 1 + 3
    with pytest.raises(ValueError, match="detail"):
        draw_graph(ys[0], detail="neurons")
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(ys[0], rankdir="up")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(ys[0], max_nodes=0)
    with pytest.raises(TypeError, match="Value or Tensor"):
        draw_graph(3.0)
    with pytest.raises(ValueError, match="format"):
        draw_graph(ys[0]).render("x", format="exe")


def test_same_graph_gives_the_same_source():
    y = ScalarMLP([2, 3, 1])(_inputs([1.0, -2.0]))[0]
    assert draw_graph(y).source == draw_graph(y).source


# --------------------------------------------------------------------------
# Files, programs and notebooks
# --------------------------------------------------------------------------


def _no_leftovers(folder):
    return sorted(os.listdir(folder))


def test_without_dot_source_and_save_work_render_fails_cleanly(tmp_path, monkeypatch):
    y = ScalarMLP([2, 1])(_inputs([1.0, 2.0]))[0]
    g = draw_graph(y)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert shutil.which("dot") is None
    assert g.source.startswith("digraph")
    saved = g.save(tmp_path / "out" / "graph")
    assert saved == str(tmp_path / "out" / "graph.dot")
    assert open(saved, encoding="utf-8").read() == g.source
    with pytest.raises(GraphvizNotFound) as err:
        g.render(tmp_path / "pics" / "graph")
    assert isinstance(err.value, GraphvizError) and isinstance(err.value, RuntimeError)
    for hint in ("apt-get install graphviz", "brew install graphviz", "winget install graphviz", ".save(path)"):
        assert hint in str(err.value)
    assert _no_leftovers(tmp_path) == ["out"] and _no_leftovers(tmp_path / "out") == ["graph.dot"]
    with pytest.raises(GraphvizNotFound):
        g.pipe()
    bundle = g._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "Install Graphviz" in bundle["text/plain"] and g.source in bundle["text/plain"]
    assert "nodes" in repr(g) and str(g) == g.source


def _fake_dot(folder, script):
    folder.mkdir()
    path = folder / "dot"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.mark.skipif(sys.platform == "win32", reason="uses a shell script as a fake dot")
def test_a_dot_run_that_hangs_is_stopped_and_leaves_nothing(tmp_path, monkeypatch):
    _fake_dot(tmp_path / "bin", f"exec {shutil.which('sleep')} 30\n")  # PATH holds only the fake dot
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    g = draw_graph(Value(1.0) * 2)
    with pytest.raises(GraphvizError, match="longer than 0.3 s"):
        g.render(tmp_path / "out" / "graph", timeout=0.3)
    assert _no_leftovers(tmp_path) == ["bin"]


@pytest.mark.skipif(sys.platform == "win32", reason="uses a shell script as a fake dot")
def test_a_failing_dot_run_says_why(tmp_path, monkeypatch):
    _fake_dot(tmp_path / "bin", "echo 'Error: syntax error in line 3' >&2\nexit 1\n")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    g = draw_graph(Value(1.0) * 2)
    with pytest.raises(GraphvizError, match="exit code 1.*syntax error in line 3"):
        g.render(tmp_path / "graph")
    assert _no_leftovers(tmp_path) == ["bin"]
    assert "syntax error" in g._repr_mimebundle_()["text/plain"]


@needs_dot
def test_render_writes_a_valid_svg_png_and_pdf(tmp_path):
    y = ScalarMLP([2, 3, 1])(_inputs([1.0, -2.0]))[0]
    y.backward()
    g = draw_graph(y, detail="neuron")
    path = g.render(tmp_path / "graph")
    assert path == str(tmp_path / "graph.svg") and os.path.exists(path)
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"MLP(2→3→1)", "layer 1: Linear(2→3) + ReLU", "neuron 2"} <= texts
    assert g.render(tmp_path / "graph", format="png").endswith("graph.png")
    assert open(tmp_path / "graph.png", "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert g.pipe("pdf")[:5] == b"%PDF-"
    assert _no_leftovers(tmp_path) == ["graph.png", "graph.svg"]
    bundle = g._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert list(g._repr_mimebundle_(include=["text/plain"])) == ["text/plain"]


@needs_dot
def test_every_level_of_a_tensor_mlp_renders(tmp_path):
    t = TensorMLP([2, 8, 8, 1])(Tensor(np.ones((5, 2)), label="x"))
    t.sum().backward()
    for level in ("scalar", "neuron", "layer"):
        svg = draw_graph(t.sum(), detail=level).pipe("svg", timeout=20)
        assert b"layer 2: Linear(8" in svg


def test_to_graphviz_hands_the_same_source_to_the_graphviz_package():
    graphviz = pytest.importorskip("graphviz")
    y = ScalarMLP([2, 2, 1])(_inputs([1.0, -1.0]))[0]
    g = draw_graph(y, detail="neuron")
    src = g.to_graphviz()
    assert isinstance(src, graphviz.Source)
    assert src.source.strip() == g.source.strip() and src.format == "svg" and src.engine == "dot"
    assert draw_graph(y).to_graphviz().source == draw_graph(y).source  # deterministic


def test_a_graph_keeps_its_own_labels_when_another_model_reuses_the_names():
    # two models with the same stage names: the registry holds the last one's labels,
    # the graph of the first must still show its own
    deep = TensorMLP([2, 4, 4, 1], name="net")
    out = deep(Tensor([[1.0, 2.0]]))
    TensorMLP([2, 1], name="net")(Tensor([[1.0, 2.0]]))  # relabels ("net",) and ("net", "layer 1")
    assert stage_label(("net",)) == "net(2→1)"
    src = draw_graph(out, detail="layer").source
    assert 'label="net(2→4→4→1)"' in src and "layer 1: Linear(2→4) + ReLU" in src
    assert "net(2→1)" not in src and "Linear(2→1)" not in src


def test_stage_paths_carry_their_labels_and_still_compare_as_tuples():
    with stage("m", label="M", kind="model"), stage("l", kind="layer"):
        y = Value(1.0) * 2
    assert y.stage == ("m", "l") and hash(y.stage) == hash(("m", "l")) and repr(y.stage) == "('m', 'l')"
    assert y.stage.labels == ("M", None) and y.stage.kinds == ("model", "layer")


def test_a_loss_is_one_box_and_a_loss_inside_a_loss_adds_none():
    y = ScalarMLP([2, 2, 1])(_inputs([1.0, -1.0]))[0]
    with stage("loss", label="loss: mean squared error", kind="loss"):
        with stage("loss", label="loss: inner", kind="loss"):  # a library loss called inside the user's
            loss = (y - 1.0) ** 2
    loss.backward()
    for detail in ("scalar", "neuron", "layer"):
        src = draw_graph(loss, detail=detail, legend=False).source
        nodes, _ = parse(src)
        assert src.count('label="loss: mean squared error"') == 1 and "loss: inner" not in src
        loss_nodes = [n for n, where in nodes.items() if where and where[0] == "loss: mean squared error"]
        assert loss_nodes and all(nodes[n] == ("loss: mean squared error",) for n in loss_nodes)
        assert 'fillcolor="#f0fdf4"' in src  # the loss box's own style
        if detail != "scalar":  # one node for the whole loss
            # its node says what the box title does not: the loss's value and its gradient, 1
            assert loss_nodes == ["g:loss"] and lines_of(src, "g:loss") == [f"L = {loss.data:.4g}", "grad 1"]


def test_a_loss_nodes_label_is_its_value_or_its_shape_never_the_box_title():
    x = Tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    with stage("loss", label="loss: squares", kind="loss"):
        per = x * x
        total = per.sum()
    total.label = "J"
    total.backward()
    assert lines_of(draw_graph(total, detail="layer", legend=False).source, "g:loss") == ["J = 14.25", "grad 1"]
    assert lines_of(draw_graph(total, detail="layer", show_data=False, legend=False).source, "g:loss") == [
        "J",
        "grad 1",
    ]
    assert lines_of(draw_graph(total, detail="layer", show_grad=False, legend=False).source, "g:loss") == ["J = 14.25"]
    with stage("loss", label="loss: squares", kind="loss"):
        per = x * x  # reduction="none": four values, no single number to show
    assert lines_of(draw_graph(per, detail="layer", legend=False).source, "g:loss") == ["L (2, 2) mean 3.562"]


def test_a_stage_named_loss_around_a_loss_functions_own_stage_is_the_same_box():
    # the demo wraps a loss function, which enters its own stage("loss", kind="loss"), in stage("loss")
    y = ScalarMLP([2, 1])(_inputs([1.0, -1.0]))[0]
    with stage("loss", label="loss: bce_with_logits"):
        with stage("loss", label="loss: binary cross-entropy", kind="loss"):
            loss = (y - 1.0) ** 2
    loss.backward()
    for detail in ("scalar", "layer"):
        src = draw_graph(loss, detail=detail, legend=False).source
        # one box, with the outer (the user's) label: the user may have put several losses in it
        assert "binary cross-entropy" not in src and src.count('label="loss: bce_with_logits";') == 1


def test_a_stage_named_loss_without_a_kind_is_a_loss():
    # as notebooks and the demo wrote it before "loss" was a stage kind
    y = ScalarMLP([2, 2, 1])(_inputs([1.0, -1.0]))[0]
    with stage("loss", label="loss: squared error"):
        loss = (y - 1.0) ** 2
    loss.backward()
    for detail in ("scalar", "neuron", "layer"):
        src = draw_graph(loss, detail=detail, legend=False).source
        nodes, _ = parse(src)
        assert 'fillcolor="#f0fdf4"' in src  # drawn in the loss box's style
        loss_nodes = [n for n, where in nodes.items() if where == ("loss: squared error",)]
        assert loss_nodes and (detail == "scalar" or loss_nodes == ["g:loss"])
