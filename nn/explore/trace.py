"""The backprop trace: one sample through the scalar engine, every node's value and every chain-rule step.

The page's "Backprop, step by step" view replays this trace.  Forward fills
node values in topological order; backward visits the op nodes in reverse
order and, at each, shows the incoming gradient ``g``, the local derivative
of the node with respect to each parent (the op's rule in
:mod:`autograd.ops`, evaluated at ``g = 1``) and the product sent to that
parent (the rule evaluated at ``g``), and the parent's gradient after adding
it.  The trace is checked against a real ``backward()``: every gradient it
shows equals ``node.grad``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from autograd import Value, stage, toposort
from autograd.node import parent_grads

from .adapt import twin

__all__ = ["backprop_trace", "scalar_model", "sample_loss", "RULES"]

#: How the page writes each op's local derivative (``a``, ``b`` the parents, ``out`` the result).
RULES = {
    "add": "∂out/∂a = 1, ∂out/∂b = 1",
    "sub": "∂out/∂a = 1, ∂out/∂b = −1",
    "mul": "∂out/∂a = b, ∂out/∂b = a",
    "neg": "∂out/∂a = −1",
    "dot": "out = Σ wᵢxᵢ: ∂out/∂wᵢ = xᵢ, ∂out/∂xᵢ = wᵢ",
    "relu": "∂out/∂a = 1 if a > 0 else 0",
    "leaky_relu": "∂out/∂a = 1 if a > 0 else the slope",
    "tanh": "∂out/∂a = 1 − out²",
    "sigmoid": "∂out/∂a = out · (1 − out)",
    "softplus": "out = log(1 + eᵃ): ∂out/∂a = sigmoid(a)",
    "exp": "∂out/∂a = out",
    "log": "∂out/∂a = 1 / a",
    "pow": "out = aⁿ: ∂out/∂a = n · aⁿ⁻¹",
    "div": "∂out/∂a = 1 / b, ∂out/∂b = −a / b²",
}


def scalar_model(model: Any) -> Any:
    """A fresh scalar-engine copy of ``model`` (same weights, zero gradients), so tracing changes nothing.

    An ``nn.MLP`` gives its own twin; an ``nn.Sequential`` of dense layers and
    activations (e.g. from ``nn.from_torch``) an equivalent ``nn.Sequential``
    of scalar layers (see :mod:`nn.explore.adapt`).

    Examples
    --------
    >>> import nn
    >>> net = nn.MLP(2, [1], seed=0)
    >>> copy = scalar_model(net)
    >>> copy.engine, copy is net
    ('scalar', False)
    """
    return twin(model, "scalar", "explore")


def sample_loss(model: Any, x: Any, label: Any, loss: Any) -> Value:
    """``loss(model(x), label)`` for one sample on the scalar engine, the loss's nodes in a "loss" stage.

    ``model`` must already be on the scalar engine (see :func:`scalar_model`).

    Examples
    --------
    >>> import nn
    >>> net = nn.MLP(2, [3, 1], seed=0, engine="scalar")
    >>> L = sample_loss(net, [0.5, -1.0], 1, nn.bce_with_logits)
    >>> round(L.data, 4), L.stage
    (0.5482, ('loss',))
    """
    out = model([float(v) for v in x])
    pred = [out[0]] if len(out) == 1 else [out]
    name = getattr(loss, "__name__", type(loss).__name__)
    with stage("loss", label=f"loss: {name}", kind="loss"):
        L = loss(pred, [label])
    return L


def _name(node: Any) -> str:
    """How the page names a node: its label, else its op's short name."""
    if node.label:
        return str(node.label)
    return node.op.text(node._meta, len(node._prev)) if node.op is not None else "leaf"


def _group(node: Any) -> tuple[str, ...]:
    """The stage path of the neuron (or the loss) a node belongs to; () for the inputs."""
    path = tuple(node.stage)
    kinds = getattr(node.stage, "kinds", None) or ()
    for j, k in enumerate(kinds):
        if k in ("neuron", "loss"):
            return path[: j + 1]
    for j, name in enumerate(path):  # parameters: the neuron's path, without kinds of their own
        if name.startswith("neuron") or name == "loss":
            return path[: j + 1]
    return path


def _natural(name: str) -> list[Any]:
    """Sort key that puts "neuron 2" before "neuron 10"."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _layout(order: list[Any]) -> list[tuple[int, int, int]]:
    """``(column, row, slot)`` of each node: inputs in column 0, one column per layer, the loss last.

    ``row`` is the neuron's place in its layer; ``slot`` the node's place in
    its neuron (leaves: weights in order, then the bias; ops: forward order).
    """
    groups = [_group(n) for n in order]

    def layer(g: tuple[str, ...]) -> tuple[str, ...]:
        return g[:-1] if g and g != ("loss",) else g

    inner = sorted({layer(g) for g in groups} - {(), ("loss",)}, key=lambda k: [_natural(p) for p in k])
    columns = {(): 0, **{k: i + 1 for i, k in enumerate(inner)}, ("loss",): len(inner) + 1}
    rows: dict[tuple[str, ...], int] = {}
    for k in columns:
        members = sorted({g for g in groups if layer(g) == k}, key=lambda g: [_natural(p) for p in g])
        rows.update((g, r) for r, g in enumerate(members))
    slots: dict[int, int] = {}
    for g in set(groups):
        idx = [i for i, h in enumerate(groups) if h == g]
        leaves = sorted(
            (i for i in idx if order[i].op is None), key=lambda i: (_name(order[i]) == "b", _natural(_name(order[i])))
        )
        slots.update((i, s) for s, i in enumerate(leaves))
        slots.update((i, s) for s, i in enumerate(i for i in idx if order[i].op is not None))
    return [(columns[layer(g)], rows[g], slots[i]) for i, g in enumerate(groups)]


def _number(x: Any) -> float | None:
    """A float for JSON (None for no gradient, nan or an infinity)."""
    if x is None:
        return None
    v = float(x)
    return v if np.isfinite(v) else None


def backprop_trace(model: Any, x: Any, label: Any, loss: Any) -> dict[str, Any]:
    """Record one sample's forward and backward pass, node by node, as plain data for the page.

    Parameters
    ----------
    model : nn.MLP or nn.Sequential
        Either engine; it is traced on a scalar twin (the same weights).
    x : sequence of float
        One input sample.
    label : int
        Its class.
    loss : callable
        The loss function, e.g. :func:`nn.bce_with_logits`.

    Returns
    -------
    dict
        ``nodes``: in topological order, each with ``op``, ``name``, ``stage``
        (path), ``stageLabels``, ``parents`` (indices), ``value`` and ``grad``
        (the gradient ``backward()`` computed; None for a node that needs
        none, such as an input); ``backward``: one step per op
        node in reverse order, with ``node``, ``g`` (incoming gradient),
        ``local`` and ``sent`` per parent, and ``after`` (each parent's
        gradient once this step has added to it); ``rules``: how each op's
        local derivative is written; ``loss``, ``x`` and ``label``.

    Examples
    --------
    >>> import nn
    >>> t = backprop_trace(nn.MLP(2, [2, 1], seed=0), [0.5, -1.0], 1, nn.bce_with_logits)
    >>> t["nodes"][-1]["grad"], len(t["backward"]) == sum(n["op"] != "leaf" for n in t["nodes"])
    (1.0, True)
    """
    net = scalar_model(model)
    L = sample_loss(net, x, label, loss)
    order = toposort(L)
    index = {id(n): i for i, n in enumerate(order)}
    L.backward()
    nodes = []
    for n, (col, row, slot) in zip(order, _layout(order)):
        path = tuple(n.stage)
        nodes.append(
            {
                "group": "/".join(_group(n)) or "input",
                "col": col,
                "row": row,
                "slot": slot,
                "op": n.op.name if n.op is not None else "leaf",
                "name": _name(n),
                "stage": list(path),
                "stageLabels": [str(s) if s else "" for s in getattr(n.stage, "labels", ())],
                "parents": [index[id(p)] for p in n._prev] if n.op is not None else [],
                "value": _number(n.data),
                "grad": _number(n.grad) if n.requires_grad else None,
            }
        )
    # replay the chain rule with the ops' own rules; the totals must be backward()'s
    running = [0.0] * len(order)
    running[-1] = 1.0
    steps = []
    for i in range(len(order) - 1, -1, -1):
        n = order[i]
        if n.op is None:
            continue
        g = running[i]
        # a parent that needs no gradient (an input, a constant) gets none: shown as "—"
        local = [v if p.requires_grad else None for p, v in zip(n._prev, parent_grads(n, 1.0))]
        sent = [v if p.requires_grad else None for p, v in zip(n._prev, parent_grads(n, g))]
        after = []
        for p, s in zip(n._prev, sent):
            j = index[id(p)]
            if s is not None:
                running[j] += s
            after.append(_number(running[j]) if p.requires_grad else None)
        steps.append(
            {
                "node": i,
                "g": _number(g),
                "local": [_number(v) for v in local],
                "sent": [_number(v) for v in sent],
                "after": after,
            }
        )
    for i, n in enumerate(order):
        if n.requires_grad and running[i] != float(n.grad):
            raise RuntimeError(
                f"explore: the replayed chain rule gives {running[i]!r} for node {i} ({_name(n)}) "
                f"but backward() gave {float(n.grad)!r}"
            )
    ops = {n.op.name for n in order if n.op is not None}
    return {
        "nodes": nodes,
        "backward": steps,
        "rules": {k: RULES.get(k, f"the derivative rule of '{k}' in autograd/ops.py") for k in sorted(ops)},
        "loss": _number(L.data),
        "x": [float(v) for v in x],
        "label": int(label),
    }
