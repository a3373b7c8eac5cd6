"""The output of every processing stage of a model, read from the recorded graph's stage tags."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd import Node, Tensor, Value, current_stage, enable_grad, stage_kind, toposort
from autograd.fused import fusion

from ..checks import check_inputs, check_module, model_nin
from ..module import Module

__all__ = ["activations", "layer_outputs", "tensor_twin"]


def tensor_twin(model: Module) -> Module:
    """A tensor-engine twin of a scalar-engine MLP (same weights, same numbers), else the model itself.

    Examples
    --------
    >>> import nn
    >>> tensor_twin(nn.MLP(2, [1], engine="scalar")).engine
    'tensor'
    """
    if model.engine == "scalar" and hasattr(model, "to_engine"):
        return model.to_engine("tensor")
    return model


_DIGITS = re.compile(r"(\d+)")


def _natural(name: str) -> list[Any]:
    """Sort key that puts "neuron 2" before "neuron 10"."""
    return [int(t) if t.isdigit() else t for t in _DIGITS.split(name)]


def _graph(roots: Sequence[Node]) -> list[Node]:
    """Nodes reachable from any root, parents before children (merged toposorts)."""
    order: list[Node] = []
    seen: set[int] = set()
    for root in roots:
        for node in toposort(root):
            if id(node) not in seen:
                seen.add(id(node))
                order.append(node)
    return order


def _stage_outputs(roots: Sequence[Node], prefix: tuple[str, ...]) -> OrderedDict[str, list[tuple[Any, Any]]]:
    """For each stage under ``prefix``: its output node(s), in graph order.

    A stage's output is the last node created in it that leaves it (is used by
    a node of another stage, or is a root).  Scalar-engine stages are split by
    neuron: the value is a list of ``(neuron name, data)`` sorted by name;
    tensor-engine stages give ``[(None, array)]``.
    """
    order = _graph(roots)
    leaves: set[int] = {id(r) for r in roots}
    for node in order:
        for p in node._prev:
            if p.stage != node.stage:
                leaves.add(id(p))
    n = len(prefix)
    found: OrderedDict[str, dict[Any, Any]] = OrderedDict()
    for node in order:
        if node.op is None or id(node) not in leaves:
            continue
        path = node.stage
        if path[:n] != prefix:
            continue
        parts, unit = [], None
        for i in range(n, len(path)):
            if stage_kind(path[: i + 1]) == "neuron":
                unit = path[i] if unit is None else f"{unit}/{path[i]}"
            else:
                parts.append(path[i])
        key = "/".join(parts) or "output"
        found.setdefault(key, {})[unit] = node.data  # later nodes overwrite: the last exit wins
    return OrderedDict(
        (key, sorted(units.items(), key=lambda kv: _natural(kv[0] or ""))) for key, units in found.items()
    )


def _rows(units: list[tuple[Any, Any]], n: int) -> np.ndarray:
    """A stage's output as an (n, width) float64 array."""
    if len(units) == 1 and units[0][0] is None:
        arr = np.asarray(units[0][1], dtype=np.float64)
        if arr.ndim == 0:
            arr = np.full((n, 1), float(arr))
        return arr.reshape(n, -1) if arr.ndim != 2 else arr
    return np.array([float(np.asarray(d)) for _, d in units], dtype=np.float64)[None, :]


def activations(model: Module, X: Any) -> OrderedDict[str, np.ndarray]:
    """The output of every processing stage of every layer, for inputs ``X``.

    The model is run once with recording on (even inside ``no_grad``); the
    recorded graph is walked and its nodes grouped by the stage path they were
    created in (``node.stage``), so nothing about the model changes and no
    hooks are needed.  On the scalar engine the model is run sample by sample
    and each layer's neurons are put side by side.

    Parameters
    ----------
    model : nn.Module
        Usually an :class:`nn.MLP`, on either engine.
    X : array_like, shape (N, nin)
        Inputs, one row per sample.

    Returns
    -------
    OrderedDict of str to ndarray
        Ordered from input to output: ``"input"`` (X itself), then
        ``"layer 1/weighted sum"``, ``"layer 1/bias"``, ``"layer 1/activation"``,
        ``"layer 2/weighted sum"``, ... Each value has shape ``(N, width)``.
        A layer without an activation (the output layer) has no
        ``"activation"`` entry.

    Examples
    --------
    >>> import numpy as np
    >>> import nn
    >>> net = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    >>> X = np.array([[0.5, -1.0], [1.0, 2.0]])
    >>> acts = activations(net, X)
    >>> {k: v.shape for k, v in acts.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'input': (2, 2), 'layer 1/weighted sum': (2, 4), 'layer 1/bias': (2, 4),
     'layer 1/activation': (2, 4), 'layer 2/weighted sum': (2, 1), 'layer 2/bias': (2, 1)}
    >>> scalar = activations(net.to_engine("scalar"), X)
    >>> bool(np.allclose(scalar["layer 1/activation"], acts["layer 1/activation"]))
    True
    """
    where = "activations"
    check_module(model, where)
    X = check_inputs(X, where, model_nin(model), one_row=True)
    n = X.shape[0]
    prefix = current_stage() + (model.name,)
    out: OrderedDict[str, np.ndarray] = OrderedDict(input=X.copy())
    with enable_grad():
        if model.engine == "scalar":
            per_sample: OrderedDict[str, list[np.ndarray]] = OrderedDict()
            for row in X:
                res = model([Value(float(v)) for v in row])
                roots = [v for v in (res if isinstance(res, (list, tuple)) else [res]) if isinstance(v, Node)]
                for key, units in _stage_outputs(roots, prefix).items():
                    per_sample.setdefault(key, []).append(_rows(units, 1))
            for key, rows in per_sample.items():
                if len(rows) != n:
                    raise RuntimeError(f"{where}: stage {key!r} ran for {len(rows)} of {n} samples")
                out[key] = np.concatenate(rows, axis=0)
        else:
            # NOTE: an input that requires grad makes the engine record even
            # when every parameter is frozen.
            with fusion(False):  # every step's values, however big the batch (a fused layer keeps only its output)
                res = model(Tensor(X, requires_grad=True))
            roots = [r for r in (res if isinstance(res, (list, tuple)) else [res]) if isinstance(r, Node)]
            for key, units in _stage_outputs(roots, prefix).items():
                out[key] = _rows(units, n)
    return out


def _layer_of(key: str) -> str:
    return key.split("/", 1)[0]


def layer_outputs(model: Module, X: Any) -> OrderedDict[str, np.ndarray]:
    """The representation of ``X`` after each layer: ``"input"``, ``"layer 1"``, ...

    Each layer's output is its last processing stage (the activation, or the
    bias for a layer without one).  A scalar-engine MLP is evaluated on its
    tensor-engine twin (the same weights give the same numbers, much faster).

    Parameters
    ----------
    model : nn.Module
        Usually an :class:`nn.MLP`.
    X : array_like, shape (N, nin)
        Inputs.

    Returns
    -------
    OrderedDict of str to ndarray
        ``"input"`` then one entry per layer, each of shape ``(N, width)``.

    Examples
    --------
    >>> import numpy as np
    >>> import nn
    >>> net = nn.MLP(2, [5, 3, 1], seed=0)
    >>> {k: v.shape for k, v in layer_outputs(net, np.ones((7, 2))).items()}
    {'input': (7, 2), 'layer 1': (7, 5), 'layer 2': (7, 3), 'layer 3': (7, 1)}
    """
    where = "layer_outputs"
    X = check_inputs(X, where, model_nin(check_module(model, where)), one_row=True)  # errors name this function
    acts = activations(tensor_twin(model), X)
    out: OrderedDict[str, np.ndarray] = OrderedDict()
    for key, value in acts.items():
        out[_layer_of(key)] = value  # later stages of a layer overwrite earlier ones
    return out
