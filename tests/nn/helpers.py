"""Helpers shared by the nn module tests (test_modules, test_layers, test_activations, test_mlp)."""

from __future__ import annotations

import numpy as np

import nn
from autograd import Value, toposort

TIGHT = dict(rtol=1e-12, atol=1e-12)


def scalar_outputs(net: nn.MLP, X: np.ndarray) -> list[list[Value]]:
    """The scalar net's outputs, one list of Values per row of X."""
    return [net(row.tolist()) for row in X]


def graph_nodes(outputs) -> list:
    """Every node reachable from one output or a list of outputs (each once)."""
    roots = outputs if isinstance(outputs, list) else [outputs]
    seen: dict[int, object] = {}
    for r in roots:
        for n in toposort(r):
            seen.setdefault(id(n), n)
    return list(seen.values())
