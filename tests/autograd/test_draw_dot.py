"""micrograd's drawing: ``draw_dot`` returns a ``graphviz.Digraph``, anyone's micrograd values can be drawn,
and ``Graph.render`` takes graphviz's keywords.

Tests that run Graphviz are marked ``needs_dot`` and skipped without it.  The
system viewer is replaced by a fake ``xdg-open`` on ``PATH`` that records what
it was asked to open.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
import time
import xml.etree.ElementTree as ET
from typing import Any

import graphviz
import pytest

from autograd import Value, draw_dot, draw_graph, stage
from autograd.draw import Graph

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
unix_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fakes the Linux viewer, xdg-open")

NODE = re.compile(r'^\s*"?([\w:/ .-]+?)"? \[label="([^"]*)"', re.M)


def labels(source: str) -> list[str]:
    """The labels of the drawn nodes, lines joined by " | " (the DOT text separates them with an escaped newline)."""
    return [m.group(2).replace("\\n", " | ") for m in NODE.finditer(source) if not m.group(1).startswith("legend")]


def expression() -> Value:
    x, w, b = Value(3.0, label="x"), Value(-0.5, label="w"), Value(2.0, label="b")
    with stage("neuron", kind="neuron"):
        y = (w * x + b).relu()
    y.label = "y"
    y.backward()
    return y


@pytest.fixture
def viewer(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fake xdg-open first on PATH (dot stays reachable); returns a function that waits for what it opened."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    log = tmp_path / "opened.txt"
    script = folder / "xdg-open"
    script.write_text(f'#!/bin/sh\necho "$1" >> "{log}"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")

    def opened() -> list[str]:
        deadline = time.monotonic() + 10
        while not log.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return log.read_text().split() if log.exists() else []

    return opened


# ---------------------------------------------------------------------------
# draw_dot is graphviz's object
# ---------------------------------------------------------------------------


def test_draw_dot_returns_a_digraph_with_layergrads_picture() -> None:
    y = expression()
    dot = draw_dot(y)
    assert type(dot) is graphviz.Digraph
    assert dot.format == "svg" and dot.engine == "dot" and dot.graph_attr["rankdir"] == "LR"
    assert dot.node_attr["shape"] == "box" and dot.node_attr["style"] == "rounded,filled"
    assert dot.edge_attr["color"] == "#666666"
    assert "subgraph cluster_1" in dot.source and 'label="neuron"' in dot.source  # the stage box stays
    assert labels(dot.source) == labels(draw_graph(y, detail="scalar", legend=False).source)
    assert any(label.startswith("y = ReLU") for label in labels(dot.source))
    tb = draw_dot(y, format="png", rankdir="TB")
    assert tb.format == "png" and tb.graph_attr["rankdir"] == "TB" and "rankdir=TB" in tb.source
    with pytest.raises(ValueError, match="format"):
        draw_dot(y, format="nonsense")
    with pytest.raises(ValueError, match="^draw_dot: rankdir"):
        draw_dot(y, rankdir="up")


def test_graphviz_methods_on_the_result_work_as_users_expect() -> None:
    dot = draw_dot(expression())
    n_statements = len(dot.body)
    dot.node("note", "a note")
    dot.edge("note", "n0", style="dotted")
    dot.attr(label="my graph")
    dot.attr("node", fontsize="14")
    with dot.subgraph(name="cluster_mine") as sub:
        sub.node("inside")
    assert len(dot.body) == n_statements + 4 + 3  # node, edge, two attr lines, the subgraph's 3 lines
    src = dot.source
    assert "note -> n0 [style=dotted]" in src and 'label="my graph"' in src and "subgraph cluster_mine" in src
    assert src.startswith("digraph layergrad {") and src.rstrip().endswith("}")
    twin = dot.copy()
    assert type(twin) is graphviz.Digraph and twin.source == src and twin is not dot
    dot.format = "pdf"
    dot.graph_attr["rankdir"] = "BT"
    assert "rankdir=BT" in dot.source and twin.graph_attr["rankdir"] == "LR"


@needs_dot
def test_the_digraph_renders_pipes_and_displays(tmp_path: Any) -> None:
    dot = draw_dot(expression())
    svg = dot.pipe(format="svg")
    root = ET.fromstring(svg)
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"neuron", "y = ReLU", "data 0.5, grad 1"} <= texts
    path = dot.render("gout", directory=tmp_path)  # micrograd's call: the source 'gout', the picture 'gout.svg'
    assert os.path.normpath(path) == str(tmp_path / "gout.svg")
    assert sorted(os.listdir(tmp_path)) == ["gout", "gout.svg"]
    path = dot.render(filename="g2", directory=tmp_path, format="png", cleanup=True)
    assert path.endswith("g2.png") and open(path, "rb").read(4) == b"\x89PNG" and not (tmp_path / "g2").exists()
    assert dot._repr_mimebundle_()["image/svg+xml"].lstrip().startswith("<?xml")


@needs_dot
@unix_only
def test_digraph_view_and_render_view_open_the_picture(tmp_path: Any, viewer: Any) -> None:
    dot = draw_dot(expression())
    path = dot.render("gout", directory=tmp_path, view=True)
    assert viewer() == [path]


def test_draw_dot_keeps_detail_levels_and_collapse() -> None:
    xs = [Value(float(i)) for i in range(3)]
    outs = []
    for j in range(3):
        with stage("model", kind="model"), stage(f"neuron {j}", kind="neuron"):
            outs.append(sum(x * (j + 1.0) for x in xs).tanh())
    total = sum(outs)
    assert len(labels(draw_dot(total).source)) > len(labels(draw_dot(total, detail="neuron").source))
    small = draw_dot(total, detail="auto", max_nodes=8)
    assert len(labels(small.source)) <= 8
    assert "legend" in draw_dot(total, legend=True).source and "legend" not in draw_dot(total).source


# ---------------------------------------------------------------------------
# anyone's micrograd values
# ---------------------------------------------------------------------------


class LectureValue:
    """A learner's own Value from the lecture: data, grad, label, a set of children and an op string."""

    def __init__(self, data: float, _children: tuple = (), _op: str = "", label: str = "") -> None:
        self.data = data
        self.grad = 0.0
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __add__(self, other: LectureValue) -> LectureValue:
        return LectureValue(self.data + other.data, (self, other), "+")

    def __mul__(self, other: LectureValue) -> LectureValue:
        return LectureValue(self.data * other.data, (self, other), "*")


def test_a_learners_own_value_class_is_drawn() -> None:
    a, b, c = LectureValue(2.0, label="a"), LectureValue(-3.0, label="b"), LectureValue(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    d.grad = 1.0
    dot = draw_dot(d)
    got = labels(dot.source)
    assert len(got) == 5
    assert {"a | data 2, grad 0", "b | data -3, grad 0", "c | data 10, grad 0", "e = * | data -6, grad 0"} <= set(got)
    assert "d = + | data 4, grad 1" in got
    assert len([line for line in dot.source.splitlines() if " -> " in line and "invis" not in line]) == 4
    g = draw_graph(d)
    assert g.detail == "scalar" and g.num_nodes == 5


def test_micrograds_own_values_are_drawn() -> None:
    engine = pytest.importorskip("micrograd.engine")
    x = engine.Value(1.0)
    y = (x * 2 + 1).relu()
    y.backward()
    dot = draw_dot(y)
    got = labels(dot.source)
    assert len(got) == 6  # x, the constants 2 and 1 (micrograd makes them nodes), *, +, ReLU
    assert "ReLU | data 3, grad 1" in got and "input | data 1, grad 2" in got
    assert sum(label.startswith("* |") for label in got) == 1 and sum(label.startswith("+ |") for label in got) == 1
    assert draw_graph([y, x]).num_nodes == 6
    with pytest.raises(TypeError, match="^draw_dot: expected a Value or Tensor .*micrograd's data, grad, _prev"):
        draw_dot(3.0)


def test_a_custom_node_is_drawn_with_its_op() -> None:
    x = Value(0.5, label="x")
    out = Value(2 * x.data, (x,), "double")

    def _backward() -> None:
        x.grad += 2 * out.grad

    out._backward = _backward
    y = out * 3.0
    y.backward()
    got = labels(draw_dot(y).source)
    assert "double | data 1, grad 3" in got and "x | data 0.5, grad 6" in got
    assert labels(draw_graph(y, detail="layer").source)


def test_a_micrograd_style_drawing_function_works_on_layergrads_values() -> None:
    """The drawing code of micrograd's trace_graph notebook, written again: it reads _prev, _op, data, grad."""

    def trace(root: Any) -> tuple[set, set]:
        nodes, edges = set(), set()
        todo = [root]
        while todo:
            v = todo.pop()
            if v not in nodes:
                nodes.add(v)
                for child in v._prev:
                    edges.add((child, v))
                    todo.append(child)
        return nodes, edges

    def my_draw_dot(root: Any) -> graphviz.Digraph:
        dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
        nodes, edges = trace(root)
        for n in nodes:
            uid = str(id(n))
            dot.node(name=uid, label=f"{{ data {n.data:.4f} | grad {n.grad:.4f} }}", shape="record")
            if n._op:
                dot.node(name=uid + n._op, label=n._op)
                dot.edge(uid + n._op, uid)
        for n1, n2 in edges:
            dot.edge(str(id(n1)), str(id(n2)) + n2._op)
        return dot

    x = Value(1.0)
    y = (x * 2 + 1).relu()
    y.backward()
    src = my_draw_dot(y).source
    assert "label=ReLU" in src and 'label="*"' in src and 'label="+"' in src
    assert "data 3.0000 | grad 1.0000" in src and "data 1.0000 | grad 2.0000" in src


# ---------------------------------------------------------------------------
# Graph.render takes graphviz's keywords
# ---------------------------------------------------------------------------


@needs_dot
def test_graph_render_takes_graphvizs_keywords(tmp_path: Any) -> None:
    g = draw_graph(expression())
    path = g.render("pic", directory=tmp_path / "out", format="png", cleanup=True)
    assert path == str(tmp_path / "out" / "pic.png") and open(path, "rb").read(4) == b"\x89PNG"
    assert os.listdir(tmp_path / "out") == ["pic.png"]  # no DOT source left behind, no temporary file
    path = g.render(outfile=tmp_path / "exact.pdf")
    assert path == str(tmp_path / "exact.pdf") and open(path, "rb").read(5) == b"%PDF-"
    path = g.render(filename=tmp_path / "named.svg")  # an extension equal to the format is kept
    assert path == str(tmp_path / "named.svg")
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        assert g.render() == "graph.svg" and os.path.exists(tmp_path / "graph.svg")
    finally:
        os.chdir(cwd)
    if shutil.which("neato"):
        neato = g.render("laid", directory=tmp_path, engine="neato", format="plain")
        assert open(neato).read().startswith("graph ") and g.engine == "dot"
    assert g.pipe().lstrip().startswith(b"<?xml")  # pipe's format defaults to the graph's


@needs_dot
@unix_only
def test_graph_render_view_and_view_open_the_picture(tmp_path: Any, viewer: Any) -> None:
    g = Graph("digraph { a -> b }")
    path = g.view("v", directory=tmp_path)
    assert viewer() == [path] and path == str(tmp_path / "v.svg")
