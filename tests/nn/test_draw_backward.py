"""Drawing a model's backward pass: create_graph=True gradients grouped as "layer 2 (backward)"."""

from __future__ import annotations

import re

import numpy as np

import autograd as ag
from autograd import Tensor, Value, draw_graph
from nn import MLP


def _cluster_labels(src: str) -> list[str]:
    return re.findall(r'label="([^"]*)"; ', src)


def test_draw_graph_groups_the_gradient_by_the_layer_whose_backward_made_it() -> None:
    model = MLP(2, [3, 1], engine="tensor", seed=0)
    x = Tensor(np.array([[1.0, -1.0], [0.5, 2.0]]))
    loss = (model(x) ** 2).mean()
    (g,) = ag.grad(loss, model.parameters()[0], create_graph=True)
    labels = _cluster_labels(draw_graph([loss, g]).source)
    for name in ("MLP (backward)", "layer 2 (backward)", "layer 1 (backward)", "activation (backward)"):
        assert name in labels, (name, labels)
    assert "layer 1: Linear(2→3) + ReLU" in labels  # the forward pass keeps its own clusters
    # on the scalar engine too
    m = MLP(2, [2, 1], engine="scalar", seed=0)
    out = m([Value(1.0), Value(-1.0)])
    out = out[0] if isinstance(out, list) else out
    params = m.parameters()
    gs = ag.grad(out * out, params, create_graph=True)
    src = draw_graph(list(gs)).source
    assert "layer 2 (backward)" in _cluster_labels(src)
