"""The text inside drawn nodes: a node's op, data and grad, and a collapsed unit's summary."""

from __future__ import annotations

from typing import Any

import numpy as np

from .index import INPUT, OP, PARAM, GraphIndex
from .text import number, shape_text, summary

_LEAF_NAMES = ("input", "input", "parameter", "constant")  # by node kind, for a leaf without a label


class Fields:
    """Record fields (lines of a node's box) for the nodes of one collected graph.

    Parameters
    ----------
    index : GraphIndex
        The collected graph.
    show_data, show_grad : bool
        Whether values and gradients are shown.
    """

    def __init__(self, index: GraphIndex, show_data: bool, show_grad: bool) -> None:
        self.index = index
        self.order = index.order
        self.show_data, self.show_grad = show_data, show_grad

    def node(self, i: int) -> list[str]:
        """Record fields of one node: header, then data and grad."""
        n = self.order[i]
        label = n.label or ""
        if n.op is not None:
            text = n.op.text(n._meta, len(n._prev))
            header = f"{label} = {text}" if label else text
        else:
            header = label or _LEAF_NAMES[self.index.kinds[i]]
        fields = [header]
        d = n.data
        if isinstance(d, np.ndarray):
            fields.append(f"{shape_text(d)} {d.dtype}")
            if self.show_data:
                fields.append("data " + summary(d))
            if self.show_grad and n.requires_grad:
                fields.append("grad " + ("None" if n.grad is None else summary(n.grad)))
        else:
            if self.show_data:
                fields.append("data " + number(d))
            if self.show_grad and n.requires_grad:
                fields.append("grad " + number(n.grad))
        return fields

    def value(self, header: str, data: float, grad: Any) -> list[str]:
        """Record fields of one step of a scalar ``dot`` drawn as multiplies and adds."""
        fields = [header]
        if self.show_data:
            fields.append("data " + number(data))
        if self.show_grad and grad is not None:
            fields.append("grad " + number(grad))
        return fields

    def group(self, path: tuple[str, ...], members: list[int], outflow: list[int], level: str) -> list[str]:
        """Record fields of a collapsed stage: what it does, holds and outputs."""
        order, kinds, kind_of = self.order, self.index.kinds, self.index.kind
        depth = len(path)
        header = self.index.label(path) or path[-1]
        kind = kind_of(path)
        steps: list[str] = []
        neurons: set[tuple[str, ...]] = set()
        ops: dict[str, int] = {}
        params: list[int] = []
        act: list[int] = []
        seen_stage: dict[tuple[str, ...], Any] = {}
        for i in members:
            s = order[i].stage
            info = seen_stage.get(s)
            if info is None:
                step = neuron = None
                for j in range(depth, len(s)):
                    k = kind_of(s[: j + 1])
                    if k == "neuron" and neuron is None:
                        neuron = s[: j + 1]
                    elif k == "step" and step is None:
                        step = s[j]
                info = seen_stage[s] = (step, neuron)
                if step is not None and step not in steps:
                    steps.append(step)
            step, neuron = info
            if neuron is not None:
                neurons.add(neuron)
            op = order[i].op
            if op is not None:
                sym = op.short
                ops[sym] = ops.get(sym, 0) + 1
                if step == "activation":
                    act.append(i)
            elif kinds[i] == PARAM:
                params.append(i)
        fields = [header]
        if level == "neuron" and kind == "neuron":
            return fields + self._neuron(members, outflow, params, act)
        if len(steps) > 1:
            fields.append(" → ".join(steps))
        if neurons and kind != "neuron":
            fields.append(f"{len(neurons)} neuron" + ("s" if len(neurons) > 1 else ""))
        if ops:
            fields.append("ops: " + ", ".join(f"{c} {s}" for s, c in ops.items()))
        if params:
            fields.append(self._params(params))
        if act and self.show_data:
            fields.append(self._activity(act))
        if outflow and self.show_data:
            fields.append("out " + self._values(outflow))
        if self.show_grad:
            g = self._grad_text(params, outflow)
            if g:
                fields.append(g)
        return fields

    def block(self, members: list[int], outflow: list[int]) -> list[str]:
        """A connected block of ops outside any stage: its op counts, output and gradient."""
        order = self.order
        ops: dict[str, int] = {}
        for i in members:
            sym = order[i].op.short
            ops[sym] = ops.get(sym, 0) + 1
        labels = [order[i].label for i in outflow if order[i].label]
        header = "ops outside any stage" + (f" → {', '.join(labels[:3])}" if labels else "")
        fields = [header, f"{len(members)} ops: " + ", ".join(f"{c} {s}" for s, c in ops.items())]
        if outflow and self.show_data:
            fields.append("out " + self._values(outflow))
        if self.show_grad:
            g = self._grad_text([], outflow)
            if g:
                fields.append(g)
        return fields

    def inputs(self, members: list[int]) -> list[str]:
        """Inputs that feed the same units, drawn as one node."""
        order = self.order
        labels = [order[i].label for i in members if order[i].label]
        fields = [f"inputs ({len(members)})"]
        if labels and len(labels) == len(members) and len(members) <= 6:
            fields.append(", ".join(labels))
        if self.show_data:
            fields.append(self._values(members))
        if self.show_grad:
            g = self._grad_text([], members)
            if g:
                fields.append(g)
        return fields

    def width(self, srcs: list[int]) -> str:
        """How many scalars flow along an edge: per call when the sources are neurons called repeatedly."""
        neurons = set()
        for i in srcs:
            s = self.order[i].stage
            for j in range(len(s), 0, -1):
                if self.index.kind(s[:j]) == "neuron":
                    neurons.add(s[:j])
                    break
        n = len(srcs)
        if neurons and len(neurons) < n and n % len(neurons) == 0:
            return f"{len(neurons)} × {n // len(neurons)} calls"
        return str(n)

    def edge_label(self, srcs: list[int], level: str, between_groups: bool) -> str:
        """What flows along an edge between units: the shapes (tensors) or, at "layer", the width."""
        order, kinds = self.order, self.index.kinds
        data_srcs = [i for i in srcs if kinds[i] in (OP, INPUT)]
        if not data_srcs:
            return ""
        arrays = [order[i].data for i in data_srcs if isinstance(order[i].data, np.ndarray)]
        if arrays:
            shapes: list[str] = []
            for arr in arrays:
                s = shape_text(arr)
                if s not in shapes:
                    shapes.append(s)
            return ", ".join(shapes[:3]) + (" …" if len(shapes) > 3 else "")
        if level == "layer" and between_groups:
            return self.width(data_srcs)
        return ""

    def grad_mean(self, idx: list[int]) -> float | None:
        """Mean absolute gradient over all elements of the nodes ``idx`` (None: none has one)."""
        total, count = 0.0, 0
        for i in idx:
            m = self.index.mag(i)
            if m is None:
                continue
            d = self.order[i].data
            size = d.size if isinstance(d, np.ndarray) else 1
            total += m * size
            count += size
        return total / count if count else None

    def group_mag(self, params: list[int], outflow: list[int]) -> float | None:
        """The magnitude a collapsed unit is coloured by: its parameters' gradient, else its output's."""
        m = self.grad_mean(params)
        return m if m is not None else self.grad_mean(outflow)

    # -- parts of the fields above ------------------------------------------------
    def _neuron(self, members: list[int], outflow: list[int], params: list[int], act: list[int]) -> list[str]:
        """A neuron: weighted sum, activation, output value and gradient."""
        order = self.order
        fields = [f"{len(params)} params"] if params else []
        act_set = set(act)
        member_set = set(members)
        z = [p for i in act for p in self.index.prev[i] if p in member_set and p not in act_set]
        if self.show_data:
            if z:
                fields.append("w·x + b: " + self._values(z))
            if act:
                fields.append(f"{order[act[-1]].op.short}: " + self._values(outflow or act))
                fields.append(self._activity(act))
            elif outflow:
                fields.append("w·x + b (linear): " + self._values(outflow))
        if self.show_grad and outflow:
            gs = [self.index.mag(i) for i in outflow]
            known = [g for g in gs if g is not None]
            if known:
                fields.append(
                    "grad "
                    + (
                        number(order[outflow[0]].grad)
                        if len(outflow) == 1
                        else "mean |g| " + number(sum(known) / len(known))
                    )
                )
        return fields

    def _values(self, idx: list[int]) -> str:
        """The values of nodes ``idx``: one number, a summary of many, or the first array's summary."""
        data = [self.order[i].data for i in idx]
        if len(data) == 1 and not isinstance(data[0], np.ndarray):
            return number(data[0])
        if all(not isinstance(d, np.ndarray) for d in data):
            return f"{len(data)} values, " + summary(np.array(data, dtype=np.float64))
        first = data[0]
        more = f" (+{len(data) - 1} more)" if len(data) > 1 else ""
        return f"{shape_text(first)} {summary(first)}{more}"

    def _activity(self, act: list[int]) -> str:
        """How many activation outputs are non-zero (ReLU-like) or saturated (tanh, sigmoid)."""
        order = self.order
        name = order[act[-1]].op.name
        data = np.concatenate([np.ravel(np.asarray(order[i].data, dtype=np.float64)) for i in act])
        if data.size == 0:
            return "no values"
        if name in ("relu", "step", "leaky_relu", "gelu", "softplus"):
            return f"active (> 0): {100.0 * np.count_nonzero(data > 0) / data.size:.0f}%"
        if name == "tanh":
            return f"saturated (|y| > 0.99): {100.0 * np.count_nonzero(np.abs(data) > 0.99) / data.size:.0f}%"
        if name == "sigmoid":
            sat = np.count_nonzero((data < 0.01) | (data > 0.99))
            return f"saturated (y < 0.01 or > 0.99): {100.0 * sat / data.size:.0f}%"
        return f"activation {order[act[-1]].op.short}"

    def _params(self, params: list[int]) -> str:
        """How many parameters a unit holds, and the first few arrays' names and shapes."""
        order = self.order
        arrays = [order[i] for i in params if isinstance(order[i].data, np.ndarray)]
        total = sum(int(n.data.size) for n in arrays) + (len(params) - len(arrays))
        if arrays:
            names = ", ".join(f"{n.label or 'param'} {shape_text(n.data)}" for n in arrays[:4])
            return f"params {total}: {names}" + (" …" if len(arrays) > 4 else "")
        return f"params {total}"

    def _grad_text(self, params: list[int], outflow: list[int]) -> str:
        """Mean absolute gradient of a unit's parameters and of its output."""
        parts = []
        for name, idx in (("params", params), ("out", outflow)):
            m = self.grad_mean(idx)
            if m is not None:
                parts.append(f"mean |grad {name}| {number(m)}")
        return ", ".join(parts)
