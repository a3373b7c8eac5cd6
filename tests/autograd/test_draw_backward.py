"""Drawing the backward pass: a gradient recorded with create_graph=True is drawn grouped by the stage that made it."""

from __future__ import annotations

import re

import autograd as ag
from autograd import Tensor, Value, draw_graph, stage
from autograd.stages import backward_path


def _cluster_labels(src: str) -> list[str]:
    return re.findall(r'label="([^"]*)"; ', src)


def test_backward_path_names_and_kinds() -> None:
    with stage("net", kind="model"), stage("layer 2", kind="layer"), stage("activation", kind="step"):
        y = Value(1.0) * 2.0
    path = backward_path(y.stage)
    assert path == ("net (backward)", "layer 2 (backward)", "activation (backward)")
    assert path.kinds == ("model", "layer", "step")
    assert backward_path(path) == ("net (backward 2)", "layer 2 (backward 2)", "activation (backward 2)")
    assert backward_path(backward_path(path))[1] == "layer 2 (backward 3)"
    assert backward_path(()) == ("backward",)


def test_recorded_nodes_carry_the_backward_stage_of_the_node_whose_rule_made_them() -> None:
    x = Value(0.5)
    with stage("layer 1"):
        h = x.tanh()
    with stage("layer 2"):
        y = h * h
    (g,) = ag.grad(y, x, create_graph=True)
    stages = {n.stage for n in ag.toposort(g) if n.op is not None and n.requires_grad}
    assert ("layer 2 (backward)",) in stages and ("layer 1 (backward)",) in stages
    assert g.stage == ("layer 1 (backward)",)  # the last rule applied: tanh's, in layer 1
    assert {n.stage for n in ag.toposort(y) if n.op is not None} == {("layer 1",), ("layer 2",)}


def test_draw_graph_shows_the_backward_clusters() -> None:
    x = Tensor([0.5, -1.0], requires_grad=True)
    with stage("model", kind="model"), stage("layer 1", kind="layer"):
        h = (x * 2.0).tanh()
    loss = (h * h).sum()
    (g,) = ag.grad(loss, x, create_graph=True)
    labels = _cluster_labels(draw_graph([loss, g]).source)
    assert {"model (backward)", "layer 1 (backward)", "backward", "model", "layer 1"} <= set(labels), labels
