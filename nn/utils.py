"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_`` (PyTorch's ``torch.nn.utils``), on both engines."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import Node, Tensor, Value

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(where: str, parameters: Any) -> list[Any]:
    """The parameters that have a gradient (a single Value or Tensor is accepted, as PyTorch does)."""
    if isinstance(parameters, Node):
        parameters = [parameters]
    elif hasattr(parameters, "parameters") and callable(parameters.parameters):
        raise TypeError(f"{where}: got a model; pass its parameters: {where}(model.parameters(), ...)")
    if not isinstance(parameters, Iterable):
        raise TypeError(f"{where}: expected an iterable of Values or Tensors, got {type(parameters).__name__}")
    ps = list(parameters)
    for i, p in enumerate(ps):
        if not isinstance(p, (Value, Tensor)):
            raise TypeError(f"{where}: parameter {i} is a {type(p).__name__}; expected Values or Tensors")
    return [p for p in ps if p.grad is not None]


def _number(where: str, what: str, x: Any) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{where}: {what} must be a number, got {x!r}")
    return float(x)


def clip_grad_norm_(parameters: Any, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Any:
    """Scale all gradients together so that their joint norm is at most ``max_norm``; return the norm before.

    The joint norm is the ``norm_type``-norm of the per-parameter norms (the
    norm of all gradients as one vector; ``float("inf")`` takes the largest
    absolute value).  When it exceeds ``max_norm``, every gradient is
    multiplied, in place, by ``max_norm / (norm + 1e-6)``.  Parameters
    without a gradient are skipped.

    Parameters
    ----------
    parameters : iterable of Values or Tensors, or one of them
        E.g. ``model.parameters()``.
    max_norm : float
        The largest norm allowed.
    norm_type : float, default 2.0
        Which p-norm (``float("inf")`` for the maximum norm).
    error_if_nonfinite : bool, default False
        Raise when the norm is nan or inf (else the gradients become nan).

    Returns
    -------
    Tensor or float
        The joint norm before clipping: a 0-d Tensor for Tensors (as PyTorch), a float for Values.

    Examples
    --------
    >>> from autograd import Tensor
    >>> w = Tensor([0.0, 0.0], requires_grad=True)
    >>> w.grad = np.array([3.0, 4.0])
    >>> float(clip_grad_norm_([w], max_norm=1.0))
    5.0
    >>> np.round(w.grad, 6).tolist()
    [0.6, 0.8]
    """
    where = "clip_grad_norm_"
    ps = _with_grads(where, parameters)
    max_norm, norm_type = _number(where, "max_norm", max_norm), _number(where, "norm_type", norm_type)
    scalar = bool(ps) and all(isinstance(p, Value) for p in ps)
    if not ps:
        return 0.0 if scalar else Tensor(0.0)
    grads = [np.asarray(p.grad, dtype=np.float64 if isinstance(p, Value) else None) for p in ps]
    if norm_type == math.inf:
        norms = [np.max(np.abs(g)) if g.size else 0.0 for g in grads]
        total = float(np.max(norms))
    else:
        norms = [np.sum(np.abs(g) ** norm_type) ** (1.0 / norm_type) for g in grads]
        total = float(np.sum(np.abs(np.array(norms)) ** norm_type) ** (1.0 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"{where}: the total norm of order {norm_type:g} of the gradients is {total}; "
            "pass error_if_nonfinite=False to clip anyway"
        )
    coef = min(max_norm / (total + 1e-6), 1.0)
    for p in ps:
        if isinstance(p, Value):
            p.grad = p.grad * coef
        else:
            np.multiply(p.grad, coef, out=p.grad, casting="unsafe")  # NOTE: in place, as PyTorch
    return total if scalar else Tensor(total)


def clip_grad_value_(parameters: Any, clip_value: float) -> None:
    """Clip every gradient, in place, to ``[-clip_value, clip_value]``.

    Examples
    --------
    >>> from autograd import Value
    >>> a, b = Value(0.0), Value(0.0)
    >>> a.grad, b.grad = 5.0, -0.5
    >>> clip_grad_value_([a, b], 1.0); a.grad, b.grad
    (1.0, -0.5)
    """
    where = "clip_grad_value_"
    c = _number(where, "clip_value", clip_value)
    if c < 0:
        raise ValueError(f"{where}: clip_value must be >= 0, got {c}")
    for p in _with_grads(where, parameters):
        if isinstance(p, Value):
            p.grad = min(max(p.grad, -c), c)
        else:
            np.clip(p.grad, -c, c, out=p.grad)


def zero_grad_of(p: Any, set_to_none: bool = True) -> None:
    """Reset one parameter's gradient as PyTorch's ``zero_grad`` does (``Module`` and optimisers call it).

    A Tensor's gradient becomes None, or with ``set_to_none=False`` zeros: the same array, zeroed in place,
    or, for a gradient recorded by ``backward(create_graph=True)``, zeros without its history (PyTorch
    detaches it, so later passes do not run through the graph of an earlier step).  A Value's becomes 0.

    Examples
    --------
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> (w * w).sum().backward(create_graph=True)
    >>> type(w.grad).__name__
    'Tensor'
    >>> zero_grad_of(w, set_to_none=False); w.grad
    array([0., 0.])
    """
    g = p.grad
    if not isinstance(p, Tensor):
        p.grad = 0.0
    elif set_to_none or g is None:
        p.grad = None
    elif isinstance(g, Node):  # a graph: new zeros, without its history
        p.grad = np.zeros_like(np.asarray(g.data))
    else:  # an array (or a subclass of one): the same object
        g[...] = 0
