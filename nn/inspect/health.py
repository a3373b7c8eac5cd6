"""Gradient health: per layer, gradient and weight norms, the update ratio and dead ReLU units."""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import numpy as np

from autograd import Node, Tensor, Value, enable_grad

from .. import losses
from ..activations import Activation, Identity
from ..checks import check_inputs, check_module, model_nin
from ..module import Module
from .stages import layer_outputs

__all__ = ["gradient_health", "RELU_FAMILY"]

#: Activation keys whose units can *die*: output 0 (or, for leaky ReLU, the
#: small-slope side) for every input, so they stop learning.
RELU_FAMILY = ("relu", "leaky_relu")


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
    check_module(model, where)
    if isinstance(loss, str):
        known = [fn.__name__ for fn in losses.TARGET_CHECKS]  # the loss functions (not the penalty, not modules)
        if loss not in known:
            raise ValueError(f"{where}: unknown loss {loss!r}; known: {', '.join(known)}")
        loss = getattr(losses, loss)
    if not callable(loss):
        raise TypeError(
            f"{where}: loss must be a callable loss(prediction, target) or a name, got {type(loss).__name__}"
        )
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating, np.integer)) or not lr > 0:
        raise ValueError(f"{where}: lr must be a positive number, got {lr!r}")
    X = check_inputs(X, where, model_nin(model), one_row=True)
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
