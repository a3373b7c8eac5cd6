"""The text inside drawn nodes: a node's op, data and grad, and a collapsed unit's summary."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..released import is_released
from .index import INPUT, OP, PARAM, GraphIndex
from .text import number, shape_text, summary

_LEAF_NAMES = ("input", "input", "parameter", "constant")  # by node kind, for a leaf without a label
_GATES = ("relu", "step")  # activations that output exactly 0 and pass no gradient when off
_RELEASED = "released after backward()"  # the data text of an intermediate whose data was let go


class Box(NamedTuple):
    """The text of one drawn node: the short ``label`` lines, and every detail for its ``tooltip``.

    >>> Box(["W (3, 4)", "mean 5.5"], ["W", "(3, 4) float64", "data min 0 mean 5.5 max 11"]).label
    ['W (3, 4)', 'mean 5.5']
    """

    label: list[str]
    tooltip: list[str]


def _statistic(a: np.ndarray) -> str:
    """One number that describes an array: its only value, else its mean."""
    if a.size == 1:
        return number(a.reshape(-1)[0])
    if a.size == 0:
        return "empty"
    with np.errstate(all="ignore"):
        return "mean " + number(np.asarray(a, dtype=np.float64).mean())


class Fields:
    """The lines of text of the nodes of one collected graph (short labels, full tooltips).

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

    def node(self, i: int) -> Box:
        """One node: its op or name, and its value and gradient (a tensor: shape and mean)."""
        n = self.order[i]
        label = n.label or ""
        if n._row is not None:
            n_parents = len(n._prev)  # NOTE: read first: it unfuses a fused node (autograd.fused) before its op is
            text = n._row.text(n._meta, n_parents)
            header = f"{label} = {text}" if label else text
        else:
            header = label or _LEAF_NAMES[self.index.kinds[i]]
        fields = [header]
        d = n.data
        if isinstance(d, np.ndarray):
            fields.append(f"{shape_text(d)} {d.dtype}")
            released = is_released(d)
            if self.show_data:
                fields.append("data " + (_RELEASED if released else summary(d)))
            if self.show_grad and n.requires_grad:
                fields.append("grad " + ("None" if n.grad is None else summary(n.grad)))
            label = [f"{header} {shape_text(d)}"]
            if self.show_data:
                label.append("released" if released else _statistic(d))
            return Box(label, fields)
        if self.show_data:
            fields.append("data " + number(d))
        if self.show_grad and n.requires_grad:
            fields.append("grad " + number(n.grad))
        return Box([header, ", ".join(fields[1:])] if len(fields) > 1 else fields, fields)

    def value(self, header: str, data: float, grad: Any) -> Box:
        """One step of a scalar ``dot`` drawn as multiplies and adds."""
        fields = [header]
        if self.show_data:
            fields.append("data " + number(data))
        if self.show_grad and grad is not None:
            fields.append("grad " + number(grad))
        return Box([header, ", ".join(fields[1:])] if len(fields) > 1 else fields, fields)

    def group(self, path: tuple[str, ...], members: list[int], outflow: list[int], level: str) -> Box:
        """A collapsed stage: what it does, holds and outputs (the label: its name and one summary line)."""
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
            s = self.index.stages[i]
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
            op = order[i]._row
            if op is not None:
                sym = op.short
                ops[sym] = ops.get(sym, 0) + 1
                if step == "activation":
                    act.append(i)
            elif kinds[i] == PARAM:
                params.append(i)
        fields = [header]
        if level == "neuron" and kind == "neuron":
            short, full = self._neuron(members, outflow, params, act)
            return Box([header, short], fields + full)
        summary_line = []
        if len(steps) > 1:
            fields.append(" → ".join(steps))
        if neurons and kind != "neuron":
            fields.append(f"{len(neurons)} neuron" + ("s" if len(neurons) > 1 else ""))
            summary_line.append(fields[-1])
        if ops:
            fields.append("ops: " + ", ".join(f"{c} {s}" for s, c in ops.items()))
        if params:
            fields.append(self._params(params))
            summary_line.append(f"{self._param_count(params)} params")
        if act and self.show_data:
            fields.append(self._activity(act))
        if outflow and self.show_data:
            fields.append("out " + self._values(outflow))
        if self.show_grad:
            g = self._grad_text(params, outflow)
            if g:
                fields.append(g)
        if kind == "loss" and outflow:
            return Box(self._loss_label(outflow), fields)
        if not summary_line and outflow:
            d = order[outflow[0]].data
            if self.show_data and len(outflow) == 1 and np.size(d) == 1:
                summary_line.append("out " + number(np.asarray(d).reshape(-1)[0]))
            elif isinstance(d, np.ndarray):
                summary_line.append("out " + shape_text(d))
            else:
                summary_line.append(f"{len(outflow)} outputs")
        return Box([header, ", ".join(summary_line)] if summary_line else [header], fields)

    def _loss_label(self, outflow: list[int]) -> list[str]:
        """A loss box's node: its value and gradient (the box's title already names the loss).

        A scalar loss reads ``L = 0.693`` and ``grad 1`` (its own label instead of
        ``L`` when it has one); a loss of several values, their count or shape.
        """
        n = self.order[outflow[0]]
        d = n.data
        name = n.label or "L"
        if len(outflow) > 1:
            return [f"{name}: {len(outflow)} values"]
        if np.size(d) != 1:
            return [f"{name} {shape_text(d)}" + (" " + _statistic(d) if self.show_data else "")]
        lines = [f"{name} = {number(np.asarray(d).reshape(-1)[0])}" if self.show_data else name]
        if self.show_grad and n.requires_grad and n.grad is not None:
            lines.append("grad " + number(np.asarray(n.grad).reshape(-1)[0]))
        return lines

    def block(self, members: list[int], outflow: list[int]) -> Box:
        """A connected block of ops outside any stage: its op counts, output and gradient."""
        order = self.order
        ops: dict[str, int] = {}
        for i in members:
            sym = order[i]._row.short
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
        return Box(["ops outside any stage", f"{len(members)} ops"], fields)

    def inputs(self, members: list[int]) -> Box:
        """Inputs that feed the same units, drawn as one node."""
        order = self.order
        labels = [order[i].label for i in members if order[i].label]
        fields = [f"inputs ({len(members)})"]
        if labels and len(labels) == len(members) and len(members) <= 6:
            fields.append(", ".join(labels))
        label = list(fields)
        if self.show_data:
            fields.append(self._values(members))
        if self.show_grad:
            g = self._grad_text([], members)
            if g:
                fields.append(g)
        return Box(label, fields)

    def width(self, srcs: list[int]) -> str:
        """How many scalars flow along an edge: per call when the sources are neurons called repeatedly."""
        neurons = set()
        for i in srcs:
            s = self.index.stages[i]
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
        mags, order = self.index.mags(), self.order
        total, count = 0.0, 0
        for i in idx:
            m = mags[i]
            if m is None:
                continue
            d = order[i].data
            size = d.size if isinstance(d, np.ndarray) else 1
            total += m * size
            count += size
        return total / count if count else None

    def group_mag(self, params: list[int], outflow: list[int]) -> float | None:
        """The magnitude a collapsed unit is coloured by: its parameters' gradient, else its output's."""
        m = self.grad_mean(params)
        return m if m is not None else self.grad_mean(outflow)

    # -- parts of the fields above ------------------------------------------------
    def _neuron(
        self, members: list[int], outflow: list[int], params: list[int], act: list[int]
    ) -> tuple[str, list[str]]:
        """A neuron: one short line (its activation's output), and every detail for the tooltip.

        A ReLU-like neuron whose outputs are all zero and whose weights got no
        gradient says so ("ReLU off"): its output still has a gradient, but none
        passes back through the activation to the weights.
        """
        order = self.order
        fields = [f"{len(params)} params"] if params else []
        short = ""
        off = self.is_off(params, act)
        act_set = set(act)
        member_set = set(members)
        z = [p for i in act for p in self.index.prev[i] if p in member_set and p not in act_set]
        if self.show_data:
            if z:
                fields.append("w·x + b: " + self._values(z))
            if act:
                fields.append(f"{order[act[-1]]._row.short}: " + self._values(outflow or act))
                activity = self._activity(act)
                fields.append(activity)
                vals = [order[i].data for i in (outflow or act)]
                one = len(vals) == 1 and not isinstance(vals[0], np.ndarray)
                short = f"{order[act[-1]]._row.short} " + (number(vals[0]) if one else activity)
            elif outflow:
                fields.append("w·x + b (linear): " + self._values(outflow))
                short = "linear " + self._values(outflow) if len(outflow) == 1 else f"linear, {len(outflow)} calls"
        if off:
            short = f"{order[act[-1]]._row.short} off: 0"
            fields.append(f"{order[act[-1]]._row.short} off for this input: its weights get no gradient")
        elif params and self.show_grad:
            m = self.grad_mean(params)
            if m is not None:
                fields.append("mean |grad| of its weights " + number(m))
        if self.show_grad and outflow:
            gs = [self.index.mag(i) for i in outflow]
            known = [g for g in gs if g is not None]
            if known:
                fields.append(
                    "grad of its output "
                    + (
                        number(order[outflow[0]].grad)
                        if len(outflow) == 1
                        else "mean |g| " + number(sum(known) / len(known))
                    )
                )
        return short or f"{len(params)} params", fields

    def is_off(self, params: list[int], act: list[int]) -> bool:
        """Whether a ReLU-like activation passed nothing: all its outputs 0 and its weights no gradient."""
        if not act or not params or self.order[act[-1]]._row.name not in _GATES:
            return False
        if any(np.any(np.asarray(self.order[i].data) != 0) for i in act):
            return False
        m = self.grad_mean(params)
        return m is None or m == 0

    def _values(self, idx: list[int]) -> str:
        """The values of nodes ``idx``: one number, a summary of many, or the first array's summary."""
        data = [self.order[i].data for i in idx]
        if len(data) == 1 and not isinstance(data[0], np.ndarray):
            return number(data[0])
        if all(not isinstance(d, np.ndarray) for d in data):
            return f"{len(data)} values, " + summary(np.array(data, dtype=np.float64))
        first = data[0]
        more = f" (+{len(data) - 1} more)" if len(data) > 1 else ""
        return f"{shape_text(first)} {_RELEASED if is_released(first) else summary(first)}{more}"

    def _activity(self, act: list[int]) -> str:
        """How many activation outputs are non-zero (ReLU-like) or saturated (tanh, sigmoid)."""
        order = self.order
        name = order[act[-1]]._row.name
        if any(is_released(order[i]) for i in act):
            return "activity unknown: " + _RELEASED
        values = [order[i].data for i in act]
        if any(isinstance(v, np.ndarray) for v in values):
            data = np.concatenate([np.ravel(np.asarray(v, dtype=np.float64)) for v in values])
        else:  # NOTE: a scalar neuron called on many samples: one array, not one per value
            data = np.array(values, dtype=np.float64)
        if data.size == 0:
            return "no values"
        if name in ("relu", "step", "leaky_relu", "gelu", "softplus"):
            return f"active (> 0): {100.0 * np.count_nonzero(data > 0) / data.size:.0f}%"
        if name == "tanh":
            return f"saturated (|y| > 0.99): {100.0 * np.count_nonzero(np.abs(data) > 0.99) / data.size:.0f}%"
        if name == "sigmoid":
            sat = np.count_nonzero((data < 0.01) | (data > 0.99))
            return f"saturated (y < 0.01 or > 0.99): {100.0 * sat / data.size:.0f}%"
        return f"activation {order[act[-1]]._row.short}"

    def _param_count(self, params: list[int]) -> int:
        """How many numbers the parameters ``params`` hold."""
        order = self.order
        return sum(int(order[i].data.size) if isinstance(order[i].data, np.ndarray) else 1 for i in params)

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
