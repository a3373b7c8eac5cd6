"""Look inside a trained network: the numbers behind :mod:`nn.plot`.

Each layer of a network re-describes its input; these functions measure those
descriptions.  None of them draws anything (matplotlib is not needed) and none
of them changes the model.

- :func:`activations`: the output of every processing stage of every layer
  (weighted sum, bias, activation), read from the stage tags of the recorded
  computation graph.  Works on both engines.
- :func:`layer_outputs`: the representation after each layer.
- :func:`linear_probes`: how linearly separable the classes are in each
  layer's representation (the accuracy of a linear classifier trained on it,
  with layergrad itself).
- :func:`gradient_health`: per layer, the gradient and weight norms, the
  update-to-weight ratio and the fraction of dead ReLU units.
- :func:`grid` and :func:`neuron_outputs`: every neuron's output over the 2-D
  input plane (the data behind the neuron-map pictures).
- :class:`Snapshots`, :func:`take_snapshot` and :func:`at_epoch`: copies of
  the weights during training, for pictures of any epoch (a time-lapse).

Examples
--------
>>> import numpy as np
>>> import nn
>>> from nn import inspect
>>> net = nn.MLP(2, [3, 1], seed=0)
>>> acts = inspect.activations(net, np.zeros((4, 2)))
>>> list(acts)
['input', 'layer 1/weighted sum', 'layer 1/bias', 'layer 1/activation', 'layer 2/weighted sum', 'layer 2/bias']
>>> acts["layer 1/activation"].shape
(4, 3)
"""

from __future__ import annotations

import contextlib
import math
import re
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from autograd import Node, Tensor, Value, current_stage, enable_grad, no_grad, stage_kind, toposort

from .activations import Activation, Identity
from .module import Module

__all__ = [
    "activations",
    "layer_outputs",
    "linear_probes",
    "gradient_health",
    "RELU_FAMILY",
    "Grid",
    "grid",
    "neuron_outputs",
    "grid_lines",
    "take_snapshot",
    "Snapshots",
    "snapshot_list",
    "at_epoch",
]

#: Activation keys whose units can *die*: output 0 (or, for leaky ReLU, the
#: small-slope side) for every input, so they stop learning.
RELU_FAMILY = ("relu", "leaky_relu")


# ---------------------------------------------------------------------------
# inputs and models
# ---------------------------------------------------------------------------


def _batch(X: Any, where: str, nin: int | None = None) -> np.ndarray:
    """``X`` as a float64 array (N, width), or a clear error."""
    if isinstance(X, Tensor):
        X = X.data
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim == 1 and nin is not None and arr.shape[0] == nin:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{where}: X must be a 2-D array of shape (N, nin), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{where}: X has no rows")
    if nin is not None and arr.shape[1] != nin:
        raise ValueError(f"{where}: the model takes {nin} inputs per sample (nin={nin}), but X has shape {arr.shape}")
    return arr


def _check_model(model: Any, where: str) -> Module:
    if not isinstance(model, Module):
        raise TypeError(f"{where}: model must be an nn Module (e.g. nn.MLP), got {type(model).__name__}")
    return model


def _nin(model: Module) -> int | None:
    nin = getattr(model, "nin", None)
    return int(nin) if isinstance(nin, (int, np.integer)) else None


def _fast(model: Module) -> Module:
    """A tensor-engine twin of a scalar-engine MLP (same weights, same numbers), else the model."""
    if model.engine == "scalar" and hasattr(model, "to_engine"):
        return model.to_engine("tensor")
    return model


def _labels(y: Any, n: int, where: str, names: tuple[str, str] = ("y", "X")) -> np.ndarray:
    arr = np.asarray(y.data if isinstance(y, Tensor) else y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.shape[0] != n:
        yname, xname = names
        raise ValueError(f"{where}: {yname} must have one label per row of {xname} ({n}), got shape {arr.shape}")
    return arr


# ---------------------------------------------------------------------------
# activations: read from the recorded graph's stage tags
# ---------------------------------------------------------------------------

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
    _check_model(model, where)
    X = _batch(X, where, _nin(model))
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
    acts = activations(_fast(_check_model(model, "layer_outputs")), X)
    out: OrderedDict[str, np.ndarray] = OrderedDict()
    for key, value in acts.items():
        out[_layer_of(key)] = value  # later stages of a layer overwrite earlier ones
    return out


# ---------------------------------------------------------------------------
# linear probes
# ---------------------------------------------------------------------------


def _fit_linear(F: np.ndarray, t: np.ndarray, k: int, epochs: int, lr: float, seed: int) -> Module:
    """A linear classifier (an ``nn.MLP`` with no hidden layer) trained by full-batch Adam."""
    from .losses import bce_with_logits, cross_entropy
    from .mlp import MLP

    probe = MLP(F.shape[1], [1 if k == 2 else k], seed=seed)
    params = probe.parameters()
    m = [np.zeros_like(p.data) for p in params]
    v = [np.zeros_like(p.data) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    x = Tensor(F)
    for step in range(1, epochs + 1):
        probe.zero_grad()
        out = probe(x)
        loss = bce_with_logits(out, t) if k == 2 else cross_entropy(out, t)
        loss.backward()
        for i, p in enumerate(params):
            g = p.grad
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            p.data -= lr * (m[i] / (1 - b1**step)) / (np.sqrt(v[i] / (1 - b2**step)) + eps)
    return probe


def _probe_predict(probe: Module, F: np.ndarray, k: int) -> np.ndarray:
    with no_grad():
        s = probe(Tensor(F)).data
    return (s[:, 0] > 0).astype(np.int64) if k == 2 else s.argmax(axis=1)


def linear_probes(
    model: Module,
    X: Any,
    y: Any,
    test: tuple[Any, Any] | None = None,
    epochs: int = 300,
    lr: float = 0.05,
    seed: int = 0,
) -> OrderedDict[str, float]:
    """How linearly separable the classes are at the input and after each layer.

    For each representation (see :func:`layer_outputs`) a *linear probe*, a
    linear classifier (``nn.MLP(width, [1])`` for two classes, ``[k]`` outputs
    with cross-entropy for k classes), is trained on the training data's
    representation with layergrad itself (full-batch Adam on standardised
    features) and scored on the test data's representation.  The model is not
    changed.  On concentric circles the input scores about chance (no line
    separates a disc from a ring) and the last hidden layer of a trained
    network close to 100 %: the network has learned a representation in which
    the task is linear.

    Parameters
    ----------
    model : nn.Module
        The (trained) network.
    X, y : array_like
        Training inputs ``(N, nin)`` and class labels ``(N,)`` (any values;
        sorted unique labels become classes 0 .. k-1).
    test : (X_test, y_test), optional
        Held-out data to score the probes on; without it the probes are scored
        on the training data.
    epochs : int, default 300
        Full-batch training steps per probe.
    lr : float, default 0.05
        Adam's learning rate.
    seed : int, default 0
        Initial weights of each probe.

    Returns
    -------
    OrderedDict of str to float
        ``name -> accuracy`` (between 0 and 1), ordered from ``"input"`` to
        the output layer.

    Examples
    --------
    >>> import nn
    >>> X, y = nn.data.circles(120, seed=0)
    >>> acc = linear_probes(nn.MLP(2, [8, 1], seed=0), X, y, epochs=50)
    >>> list(acc)
    ['input', 'layer 1', 'layer 2']
    >>> all(0.0 <= a <= 1.0 for a in acc.values())
    True
    """
    where = "linear_probes"
    _check_model(model, where)
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"{where}: epochs must be a positive int, got {epochs!r}")
    X = _batch(X, where, _nin(model))
    y = _labels(y, X.shape[0], where)
    if test is None:
        Xt, yt = X, y
    else:
        if not (isinstance(test, (tuple, list)) and len(test) == 2):
            raise TypeError(f"{where}: test must be a pair (X_test, y_test), got {type(test).__name__}")
        Xt = _batch(test[0], where, _nin(model))
        yt = _labels(test[1], Xt.shape[0], where, ("the labels of test=(X_test, y_test)", "X_test"))
    classes = np.unique(y)
    k = len(classes)
    if k < 2:
        raise ValueError(f"{where}: y has a single class ({classes[0]!r}); probes need at least two")
    t = np.searchsorted(classes, y)
    known = np.isin(yt, classes)
    tt = np.where(known, np.searchsorted(classes, yt).clip(0, k - 1), -1)
    train_reps = layer_outputs(model, X)
    test_reps = layer_outputs(model, Xt)
    result: OrderedDict[str, float] = OrderedDict()
    for name, F in train_reps.items():
        mu, sd = F.mean(axis=0), F.std(axis=0)
        sd = np.where(sd > 1e-12, sd, 1.0)  # a constant (e.g. dead) feature stays 0
        probe = _fit_linear((F - mu) / sd, t, k, int(epochs), float(lr), seed)
        pred = _probe_predict(probe, (test_reps[name] - mu) / sd, k)
        result[name] = float(np.mean(pred == tt))
    return result


# ---------------------------------------------------------------------------
# gradient health
# ---------------------------------------------------------------------------


def _layers(model: Module) -> list[tuple[Module, Activation, str]]:
    """``(layer with parameters, its activation, name of the module that applies it)``."""
    mods = list(getattr(model, "layers", None) or [model])
    found = []
    for i, m in enumerate(mods):
        if not m.parameters():
            continue
        act, name = getattr(m, "activation", None), m.name
        if act is None or type(act) is Identity:
            nxt = mods[i + 1] if i + 1 < len(mods) else None
            if isinstance(nxt, Activation):  # Sequential(Linear, ReLU, ...)
                act, name = nxt, nxt.name
        found.append((m, act if act is not None else Identity(), name))
    return found


def _norm(values: list[Any]) -> float:
    total = 0.0
    for v in values:
        a = np.asarray(v, dtype=np.float64)
        total += float(np.sum(a * a))
    return math.sqrt(total)


def gradient_health(model: Module, X: Any, y: Any, loss: Any, lr: float = 0.01) -> OrderedDict[str, dict[str, Any]]:
    """Per layer: gradient and weight norms, update ratio and dead ReLU units, on one batch.

    One forward and backward pass of ``loss(model(X), y)`` gives every
    parameter's gradient.  For each layer (weights and bias together):

    - ``grad_norm``: the L2 norm of the gradient;
    - ``weight_norm``: the L2 norm of the parameters;
    - ``update_ratio``: ``lr * grad_norm / weight_norm``, the relative size of
      one plain SGD step (around 1e-3 is healthy; much smaller, the layer
      barely learns; much larger, it thrashes);
    - ``dead_fraction``: for ReLU-family layers (:data:`RELU_FAMILY`), the
      fraction of units whose output is zero for every sample of the batch
      (for leaky ReLU: on the negative side for every sample); such units get
      no gradient through their activation.  None for other activations.

    The weights are not changed, and every parameter's ``grad`` is put back
    as it was before the call.

    Parameters
    ----------
    model : nn.Module
        An :class:`nn.MLP` (or a ``Sequential``, or one layer), either engine.
    X, y : array_like
        One batch: inputs ``(N, nin)`` and targets in the form ``loss`` expects.
    loss : callable or str
        ``loss(prediction, target) -> scalar node``, e.g.
        :func:`nn.losses.bce_with_logits`, or the name of a function in
        :mod:`nn.losses`.
    lr : float, default 0.01
        The learning rate used for ``update_ratio``.

    Returns
    -------
    OrderedDict of str to dict
        ``layer name -> {"grad_norm", "weight_norm", "update_ratio", "dead_fraction"}``.

    Examples
    --------
    >>> import nn
    >>> from nn.losses import bce_with_logits
    >>> X, y = nn.data.circles(64, seed=0)
    >>> net = nn.MLP(2, [8, 8, 1], seed=0)
    >>> h = gradient_health(net, X, y, bce_with_logits, lr=0.1)
    >>> list(h)
    ['layer 1', 'layer 2', 'layer 3']
    >>> sorted(h["layer 1"])
    ['dead_fraction', 'grad_norm', 'update_ratio', 'weight_norm']
    >>> h["layer 3"]["dead_fraction"] is None   # the output layer has no ReLU
    True
    """
    where = "gradient_health"
    _check_model(model, where)
    if isinstance(loss, str):
        from . import losses as _losses

        known = [n for n in _losses.__all__ if n != "l2_penalty"]  # a penalty, not loss(prediction, target)
        if loss not in known:
            raise ValueError(f"{where}: unknown loss {loss!r}; known: {', '.join(known)}")
        loss = getattr(_losses, loss)
    if not callable(loss):
        raise TypeError(
            f"{where}: loss must be a callable loss(prediction, target) or a name, got {type(loss).__name__}"
        )
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating, np.integer)) or not lr > 0:
        raise ValueError(f"{where}: lr must be a positive number, got {lr!r}")
    X = _batch(X, where, _nin(model))
    params = model.parameters()
    saved = [p.grad if isinstance(p, Value) else (None if p.grad is None else np.array(p.grad)) for p in params]
    layers = _layers(model)
    try:
        for p in params:
            p.zero_grad()
        with enable_grad():
            pred = [model(row.tolist()) for row in X] if model.engine == "scalar" else model(Tensor(X))
            value = loss(pred, y)
            if not isinstance(value, Node):
                raise TypeError(f"{where}: loss returned a {type(value).__name__}; it must return a Value or Tensor")
            value.backward()
        grads = {name: [0.0 if p.grad is None else p.grad for p in layer.parameters()] for layer, _, name in layers}
    finally:
        for p, g in zip(params, saved):
            p.grad = g
    need_dead = any(act.key in RELU_FAMILY for _, act, _ in layers)
    outs = layer_outputs(model, X) if need_dead else {}
    result: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for layer, act, name in layers:
        gn = _norm(grads[name])
        wn = _norm([p.data for p in layer.parameters()])
        ratio = float(lr) * gn / wn if wn > 0 else (math.inf if gn > 0 else 0.0)
        dead = None
        if act.key in RELU_FAMILY:
            dead = float(np.mean(np.all(outs[name] <= 0, axis=0)))
        result[layer.name] = {"grad_norm": gn, "weight_norm": wn, "update_ratio": ratio, "dead_fraction": dead}
    return result


# ---------------------------------------------------------------------------
# the input plane
# ---------------------------------------------------------------------------


class Grid(NamedTuple):
    """A regular grid over the 2-D input plane.

    ``points[i * resolution + j] == (xs[j], ys[i])``, so the values of any
    function at ``points`` reshape to an image ``(resolution, resolution)``
    whose rows go up the plane.
    """

    xs: np.ndarray
    ys: np.ndarray
    points: np.ndarray
    extent: tuple[float, float, float, float]

    def image(self, values: Any) -> np.ndarray:
        """Reshape one value per point into a ``(len(ys), len(xs))`` image.

        Examples
        --------
        >>> g = grid(resolution=3)
        >>> g.image(g.points[:, 1])[:, 0].tolist()   # rows go up the plane
        [-2.0, 0.0, 2.0]
        """
        return np.asarray(values).reshape(len(self.ys), len(self.xs))


def _plane(model: Module, where: str) -> None:
    nin = _nin(model)
    if nin != 2:
        raise ValueError(
            f"{where}: the model takes {nin} inputs (nin={nin}); the input-plane views need a model with nin == 2"
        )


def grid(X: Any = None, resolution: int = 100, margin: float = 0.5, extent: Sequence[float] | None = None) -> Grid:
    """A ``resolution`` x ``resolution`` grid covering the data (plus ``margin``).

    Parameters
    ----------
    X : array_like of shape (N, 2), optional
        Data to cover; without it (and without ``extent``) the square
        [-1.5, 1.5]^2 plus the margin.
    resolution : int, default 100
        Points per side (at least 2).
    margin : float, default 0.5
        Added on every side.
    extent : (x_min, x_max, y_min, y_max), optional
        Use these bounds instead (no margin added).

    Returns
    -------
    Grid
        ``xs``, ``ys`` (each ``(resolution,)``), ``points`` ``(resolution**2, 2)``
        and ``extent``.

    Examples
    --------
    >>> g = grid(resolution=3, margin=0.5)
    >>> g.xs.tolist(), g.points.shape, g.extent
    ([-2.0, 0.0, 2.0], (9, 2), (-2.0, 2.0, -2.0, 2.0))
    >>> g.points[:3].tolist()
    [[-2.0, -2.0], [0.0, -2.0], [2.0, -2.0]]
    """
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"grid: resolution must be an int >= 2, got {resolution!r}")
    if extent is not None:
        x0, x1, y0, y1 = (float(v) for v in extent)
    else:
        if X is None:
            lo, hi = np.array([-1.5, -1.5]), np.array([1.5, 1.5])
        else:
            P = _batch(X, "grid")
            if P.shape[1] != 2:
                raise ValueError(f"grid: X must have 2 columns (points of the input plane), got shape {P.shape}")
            lo, hi = P.min(axis=0), P.max(axis=0)
        x0, y0 = (lo - float(margin)).tolist()
        x1, y1 = (hi + float(margin)).tolist()
    if not (x1 > x0 and y1 > y0):
        raise ValueError(f"grid: empty extent ({x0}, {x1}, {y0}, {y1})")
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    return Grid(xs, ys, np.column_stack([gx.ravel(), gy.ravel()]), (x0, x1, y0, y1))


def neuron_outputs(model: Module, grid_points: Any) -> OrderedDict[str, np.ndarray]:
    """Every neuron's output at each point: per layer an array ``(n_points, width)``.

    Column j of ``"layer i"`` is what neuron j of layer i computes, as a
    function of the input; over a :func:`grid` of the 2-D plane it is the
    neuron's map.

    Parameters
    ----------
    model : nn.Module
        Usually an :class:`nn.MLP` (a scalar-engine one is evaluated on its
        tensor twin).
    grid_points : array_like of shape (n_points, nin), or a Grid
        Where to evaluate.

    Returns
    -------
    OrderedDict of str to ndarray
        ``layer name -> (n_points, width)``, from the first layer to the output.

    Examples
    --------
    >>> import nn
    >>> net = nn.MLP(2, [4, 1], seed=0)
    >>> {k: v.shape for k, v in neuron_outputs(net, grid(resolution=5)).items()}
    {'layer 1': (25, 4), 'layer 2': (25, 1)}
    """
    pts = grid_points.points if isinstance(grid_points, Grid) else grid_points
    outs = layer_outputs(model, pts)
    outs.pop("input")
    return outs


def grid_lines(extent: Sequence[float], lines: int = 11, points: int = 60) -> np.ndarray:
    """Points along a regular set of horizontal and vertical lines of the plane.

    Used to show how each layer bends the input plane.

    Parameters
    ----------
    extent : (x_min, x_max, y_min, y_max)
        The area covered.
    lines : int, default 11
        Lines in each direction.
    points : int, default 60
        Points per line.

    Returns
    -------
    ndarray of shape (2 * lines, points, 2)
        The first ``lines`` lines are horizontal, the rest vertical.

    Examples
    --------
    >>> grid_lines((-1, 1, -1, 1), lines=3, points=4).shape
    (6, 4, 2)
    """
    x0, x1, y0, y1 = (float(v) for v in extent)
    t = np.linspace(0.0, 1.0, points)
    out = np.empty((2 * lines, points, 2))
    for i, c in enumerate(np.linspace(y0, y1, lines)):
        out[i, :, 0], out[i, :, 1] = x0 + (x1 - x0) * t, c
    for i, c in enumerate(np.linspace(x0, x1, lines)):
        out[lines + i, :, 0], out[lines + i, :, 1] = c, y0 + (y1 - y0) * t
    return out


# ---------------------------------------------------------------------------
# snapshots: a time-lapse of training
# ---------------------------------------------------------------------------


def take_snapshot(model: Module, epoch: int) -> tuple[int, OrderedDict[str, np.ndarray]]:
    """``(epoch, a copy of the model's weights)``.

    Examples
    --------
    >>> import nn
    >>> net = nn.MLP(2, [1], seed=0)
    >>> epoch, state = take_snapshot(net, 3)
    >>> epoch, list(state)
    (3, ['layers.0.weight', 'layers.0.bias'])
    """
    return int(epoch), _check_model(model, "take_snapshot").state_dict()


class Snapshots(list):
    """A list of ``(epoch, state_dict)`` pairs, and the hook that fills it.

    Call it as ``snapshots(model, epoch)`` after each epoch: it keeps a copy
    of the weights when ``epoch`` is a multiple of ``every`` (or when
    ``force=True``, e.g. for the last epoch), never twice for one epoch.
    Epoch 0 means "before training".

    Parameters
    ----------
    every : int, default 1
        Keep every ``every``-th epoch.
    items : iterable of (epoch, state_dict), optional
        Initial content.

    Examples
    --------
    >>> import nn
    >>> net = nn.MLP(2, [1], seed=0)
    >>> snaps = Snapshots(every=2)
    >>> for epoch in range(0, 6):
    ...     _ = snaps(net, epoch, force=(epoch == 5))
    >>> snaps.epochs
    [0, 2, 4, 5]
    >>> snaps.state(4)["layers.0.bias"].shape
    (1,)
    """

    def __init__(self, every: int = 1, items: Any = ()) -> None:
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"Snapshots: every must be a positive int, got {every!r}")
        super().__init__((int(e), s) for e, s in items)
        self.every = int(every)

    def __call__(self, model: Module, epoch: int, force: bool = False) -> bool:
        """Keep a snapshot of ``model`` at ``epoch`` if due; return whether one was kept."""
        epoch = int(epoch)
        if not force and epoch % self.every != 0:
            return False
        if self and self[-1][0] == epoch:
            return False
        self.append(take_snapshot(model, epoch))
        return True

    @property
    def epochs(self) -> list[int]:
        """The epochs that have a snapshot, in order."""
        return [e for e, _ in self]

    def state(self, epoch: int) -> OrderedDict[str, np.ndarray]:
        """The weights kept at ``epoch`` (exactly; see :attr:`epochs`)."""
        return _find(self, epoch)

    def restore(self, model: Module, epoch: int) -> contextlib.AbstractContextManager[Module]:
        """A context in which ``model`` has the weights of ``epoch``; see :func:`at_epoch`.

        Examples
        --------
        >>> import nn
        >>> net, snaps = nn.MLP(2, [1], seed=0), Snapshots()
        >>> _ = snaps(net, 0)
        >>> net.layers[0].bias.data[...] = 1.0
        >>> with snaps.restore(net, 0):
        ...     float(net.layers[0].bias.data[0])
        0.0
        """
        return at_epoch(model, self, epoch)

    def __repr__(self) -> str:
        return f"Snapshots(every={self.every}, epochs={self.epochs})"


def snapshot_list(source: Any) -> list[tuple[int, Any]]:
    """The ``(epoch, state_dict)`` pairs of a History (``.snapshots``), a Snapshots or a list.

    Examples
    --------
    >>> snapshot_list([(0, {}), (5, {})])
    [(0, {}), (5, {})]
    """
    items = getattr(source, "snapshots", source)
    if items is None:
        raise ValueError("no snapshots: train with nn.fit(..., snapshot_every=k) to keep them")
    try:
        pairs = [(int(e), s) for e, s in items]
    except (TypeError, ValueError):
        raise TypeError(
            "expected a History with .snapshots, a Snapshots or a list of (epoch, state_dict), "
            f"got {type(source).__name__}"
        ) from None
    if not pairs:
        raise ValueError("no snapshots were kept: train with nn.fit(..., snapshot_every=k)")
    return pairs


def _find(source: Any, epoch: int) -> Any:
    pairs = snapshot_list(source)
    for e, s in pairs:
        if e == int(epoch):
            return s
    shown = [e for e, _ in pairs]
    more = "" if len(shown) <= 12 else f" ... ({len(shown)} in all)"
    raise KeyError(f"no snapshot for epoch {epoch}; snapshots exist for epochs {shown[:12]}{more}")


@contextlib.contextmanager
def at_epoch(model: Module, snapshots: Any, epoch: int) -> Iterator[Module]:
    """Temporarily give ``model`` the weights it had at ``epoch``.

    The current weights come back when the block ends (also on errors).

    Parameters
    ----------
    model : nn.Module
        The model the snapshots were taken from.
    snapshots : History, Snapshots or list of (epoch, state_dict)
        Where the weights are kept.
    epoch : int
        Which snapshot.

    Examples
    --------
    >>> import numpy as np
    >>> import nn
    >>> net = nn.MLP(2, [1], seed=0)
    >>> snaps = Snapshots()
    >>> _ = snaps(net, 0)
    >>> net.layers[0].bias.data[...] = 7.0
    >>> with at_epoch(net, snaps, 0):
    ...     float(net.layers[0].bias.data[0])
    0.0
    >>> float(net.layers[0].bias.data[0])
    7.0
    """
    state = _find(snapshots, epoch)
    current = model.state_dict()
    model.load_state_dict(state)
    try:
        yield model
    finally:
        model.load_state_dict(current)


def _maybe_epoch(model: Module, snapshots: Any, epoch: int | None) -> contextlib.AbstractContextManager[Any]:
    """:func:`at_epoch` when ``epoch`` is given, else a no-op context."""
    if epoch is None:
        return contextlib.nullcontext(model)
    if snapshots is None:
        raise ValueError(
            "epoch= needs snapshots=: pass the History of nn.fit(..., snapshot_every=k) or an nn.inspect.Snapshots"
        )
    return at_epoch(model, snapshots, epoch)
