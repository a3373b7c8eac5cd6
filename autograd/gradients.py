"""PyTorch's ``autograd.grad(outputs, inputs)``: the gradients as a tuple (numbers or graphs); ``.grad`` untouched."""

from __future__ import annotations

from typing import Any

import numpy as np

from .backprop import gc_paused
from .node import Node
from .propagate import constant_like, propagate

__all__ = ["gradients"]


def _nodes(x: Any, what: str) -> list[Node]:
    items = [x] if isinstance(x, Node) else x
    if not isinstance(items, (list, tuple)) or not items:
        raise TypeError(f"grad: {what} must be a Value or Tensor, or a non-empty list or tuple of them, got {x!r}")
    for k, n in enumerate(items):
        if not isinstance(n, Node):
            raise TypeError(f"grad: {what}[{k}] must be a Value or a Tensor, got {type(n).__name__}")
    return list(items)


@gc_paused
def gradients(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, as PyTorch's ``torch.autograd.grad``.

    This is what ``autograd.grad(outputs, inputs, ...)`` calls (given a
    function instead, ``autograd.grad`` is the function transform of
    :mod:`autograd.functional`).  Nothing is accumulated into ``.grad``
    (except into nodes that called ``retain_grad()``, as in PyTorch).

    Parameters
    ----------
    outputs : Value, Tensor or sequence of them
        What to differentiate; their gradients are summed.
    inputs : Value, Tensor or sequence of them
        The nodes (leaves or interior) to differentiate with respect to.
    grad_outputs : number, array, node, or a sequence of them (one per output), optional
        The gradient of some final scalar with respect to each output (implied 1
        for one-element outputs).  A node that requires grad makes the result
        differentiable with respect to it too (under ``create_graph``).
    retain_graph : bool, optional
        Keep the graph for another pass; defaults to ``create_graph``.
    create_graph : bool, default False
        Record the pass: the gradients are nodes of a graph that can be
        differentiated again (gradients of gradients).
    allow_unused : bool, default False
        Give None for an input the outputs do not depend on, instead of raising.

    Returns
    -------
    tuple
        One gradient per input: a Value or Tensor (a constant leaf, or a node of
        the recorded graph under ``create_graph``), or None for an unused input.

    Examples
    --------
    >>> from autograd import Value
    >>> x = Value(2.0)
    >>> y = x ** 3
    >>> (dy,) = gradients(y, x, create_graph=True)     # 3x², a graph
    >>> (d2y,) = gradients(dy, x)                        # 6x
    >>> dy.data, d2y.data, x.grad
    (12.0, 12.0, 0.0)
    """
    outs = _nodes(outputs, "outputs")
    ins = _nodes(inputs, "inputs")
    if grad_outputs is None:
        seeds: list[Any] = [None] * len(outs)
    elif isinstance(outputs, Node) and not (isinstance(grad_outputs, (list, tuple)) and len(grad_outputs) == 1):
        seeds = [grad_outputs]
    else:
        seeds = list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else [grad_outputs]
    if len(seeds) != len(outs):
        raise ValueError(f"grad: got {len(seeds)} grad_outputs for {len(outs)} outputs; give one per output")
    for k, o in enumerate(outs):
        if not o.requires_grad:
            raise RuntimeError(
                f"grad: outputs[{k}] does not require grad: it was computed from no node that requires grad "
                "(or under no_grad), so there is nothing to differentiate"
            )
    for k, x in enumerate(ins):
        if not x.requires_grad:
            raise RuntimeError(f"grad: inputs[{k}] does not require grad, so it has no gradient")
    engines = {type(n)._xp for n in outs + ins}
    if len(engines) > 1:
        raise TypeError("grad: outputs and inputs mix Values and Tensors; use one engine per computation")
    got = propagate(outs, seeds, retain_graph, create_graph, ins, accumulate=False)
    result: list[Any] = []
    for k, x in enumerate(ins):
        g = got.get(x)
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: inputs[{k}] was not used to compute the outputs (its gradient is undefined); "
                    "pass allow_unused=True to get None for it"
                )
            result.append(None)
            continue
        if not isinstance(g, Node):  # numbers: a constant leaf of the input's engine, with its own data
            g = constant_like(x, np.array(g) if isinstance(g, np.ndarray) else g)
        result.append(g)
    return tuple(result)
