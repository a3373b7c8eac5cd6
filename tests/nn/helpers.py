"""Helpers shared by the nn module tests (test_modules, test_layers, test_activations, test_mlp, the fast paths')."""

from __future__ import annotations

from typing import Any

import numpy as np

import nn
from autograd import Value, toposort
from autograd.released import is_released

TIGHT = dict(rtol=1e-12, atol=1e-12)


def one_with_activation(where: str, linear_activation: str = "tanh") -> Any:
    """A small ``nn.Linear`` (activation ``linear_activation``), ``nn.MLP`` or ``nn.Neuron`` (both tanh)."""
    if where == "Linear":
        return nn.Linear(2, 3, activation=linear_activation, seed=0)
    if where == "MLP":
        return nn.MLP(2, [3, 1], activation="tanh", seed=0)
    return nn.Neuron(2, activation="tanh", seed=0)


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


def graph_record(root: Any) -> list[tuple]:
    """Every node behind ``root``: op, stage with labels and kinds, value (None when released), gradient, parents,
    constants, label, flags and dtypes: what two ways of recording one computation must agree on."""
    order = toposort(root)
    index = {id(n): i for i, n in enumerate(order)}
    return [
        (
            None if n.op is None else n.op.name,
            tuple(n.stage),
            getattr(n.stage, "labels", None),
            getattr(n.stage, "kinds", None),
            None if is_released(n.data) else np.asarray(n.data).tolist(),
            None if n.grad is None else np.asarray(n.grad).tolist(),
            tuple(index[id(p)] for p in n._prev),
            n.label,
            n.requires_grad,
            str(np.asarray(n.data).dtype),
            None if n.grad is None else str(np.asarray(n.grad).dtype),
            repr(n._meta),
        )
        for n in order
    ]


def same(a: Any, b: Any) -> bool:
    """Equal, recursively: arrays of one shape and dtype with the same values (nan equal to nan)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    return a == b or (isinstance(a, float) and isinstance(b, float) and a != a and b != b)


def two_readers_see_one_graph(y: Any, u: Any, monkeypatch: Any) -> None:
    """Assert that two threads reading fused ``y``'s graph at once see one unfused graph, equal to ``u``'s.

    The unfused pieces are made once: the second reader waits, then finds the first one's (a slowed
    ``autograd.fused.step_node`` widens the window between a reader's test and its update).
    """
    import threading
    import time

    import autograd.fused as fused

    made = fused.step_node

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.02)
        return made(*args, **kwargs)

    monkeypatch.setattr(fused, "step_node", slow)
    start, seen = threading.Barrier(2), []

    def read() -> None:
        start.wait()
        seen.append([id(n) for n in toposort(y)])

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 2 and seen[0] == seen[1]
    assert graph_record(y) == graph_record(u)
