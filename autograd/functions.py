"""Module-level functions of several tensors (PyTorch's ``torch.*`` spellings): matmul, cat, stack, where, maximum.

The Tensor methods as functions (``autograd.exp``, ``autograd.sum``, ...) are
in :mod:`autograd.tensor_functions`, creation functions in
:mod:`autograd.creation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .convert import dim_arg, normalize_axis, shapes_text
from .node import Node
from .ops import OPS
from .tensor import Tensor, apply_op, operand
from .value import Value, extreme

__all__ = [
    "matmul",
    "mm",
    "bmm",
    "concatenate",
    "cat",
    "stack",
    "where",
    "maximum",
    "minimum",
]


def _tensor(x: Any, where: str) -> Tensor:
    """The first argument of a tensor function as a Tensor (a number, list or array as a constant)."""
    return x if type(x) is Tensor else operand(x, where)


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with numpy's rules (1-D, 2-D and batched).

    Examples
    --------
    >>> matmul(Tensor([[1.0, 2.0]]), Tensor([[3.0], [4.0]])).tolist()
    [[11.0]]
    """
    return (a if type(a) is Tensor else operand(a, "matmul")).matmul(b)


def mm(input: Any, mat2: Any) -> Tensor:
    """Matrix product of two 2-D tensors.

    Examples
    --------
    >>> mm(Tensor([[1.0, 2.0]]), Tensor([[3.0], [4.0]])).tolist()
    [[11.0]]
    """
    return _tensor(input, "mm").mm(mat2)


def bmm(input: Any, mat2: Any) -> Tensor:
    """Batched matrix product of two 3-D tensors.

    Examples
    --------
    >>> bmm(Tensor(np.ones((2, 1, 3))), Tensor(np.ones((2, 3, 1)))).shape
    (2, 1, 1)
    """
    return _tensor(input, "bmm").bmm(mat2)


def concatenate(tensors: Sequence[Any], axis: Any = None, *, dim: Any = None) -> Tensor:
    """Join tensors along an existing dimension (``dim`` or numpy's ``axis``, default 0).

    Examples
    --------
    >>> concatenate([Tensor([1.0]), Tensor([2.0, 3.0])]).tolist()
    [1.0, 2.0, 3.0]
    """
    if isinstance(tensors, Node):
        raise TypeError("cat: expects a sequence of tensors (a list or tuple), got one Tensor")
    ts = tuple(operand(t, "concatenate") for t in tensors)
    if not ts:
        raise ValueError("concatenate: needs at least one tensor")
    d = dim_arg(dim, axis, "concatenate", 0)
    return apply_op(OPS["concatenate"], ts, (normalize_axis(d, ts[0].ndim, "concatenate"),))


def cat(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """Join tensors along dimension ``dim`` (PyTorch's name for :func:`concatenate`).

    Examples
    --------
    >>> cat([Tensor([[1.0]]), Tensor([[2.0]])], dim=1).tolist()
    [[1.0, 2.0]]
    """
    return concatenate(tensors, dim=dim)


def stack(tensors: Sequence[Any], dim: Any = None, *, axis: Any = None) -> Tensor:
    """Join same-shaped tensors along a new dimension.

    Examples
    --------
    >>> stack([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])]).shape
    (2, 2)
    """
    if isinstance(tensors, Node):
        raise TypeError("stack: expects a sequence of tensors (a list or tuple), got one Tensor")
    ts = tuple(operand(t, "stack") for t in tensors)
    if not ts:
        raise ValueError("stack: needs at least one tensor")
    if len({t.shape for t in ts}) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {shapes_text([t.data for t in ts])}")
    axis = dim_arg(dim, axis, "stack", 0)
    n = ts[0].ndim + 1
    if not -n <= axis < n:
        raise ValueError(f"stack: axis {axis} is out of range for a result with {n} dimensions")
    return apply_op(OPS["stack"], ts, (axis % n,))


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a`` where ``condition`` holds, else ``b``.

    Examples
    --------
    >>> where(np.array([True, False]), Tensor([1.0, 2.0]), 0.0).tolist()
    [1.0, 0.0]
    >>> x = Tensor([-1.0, 2.0])
    >>> where(x > 0, x, 0.0).tolist()
    [0.0, 2.0]
    """
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition).astype(bool, copy=False)
    like = a.data if isinstance(a, Tensor) else (b.data if isinstance(b, Tensor) else None)
    return apply_op(OPS["where"], (operand(a, "where", like), operand(b, "where", like)), (cond,))


def _scalar_pair(a: Any, b: Any) -> bool:
    """True when an elementwise function gets Values (and maybe a number), no Tensor."""
    return (type(a) is Value or type(b) is Value) and not (isinstance(a, Tensor) or isinstance(b, Tensor))


def maximum(a: Any, b: Any) -> Any:
    """Elementwise maximum; ties share the gradient.

    Works on Tensors and, as the table row serves both engines, on Values
    (a Value with a Value or a number gives a Value).

    Examples
    --------
    >>> maximum(Tensor([1.0, 5.0]), 3.0).tolist()
    [3.0, 5.0]
    """
    if _scalar_pair(a, b):
        return extreme(OPS["maximum"], a, b)
    like = a.data if isinstance(a, Tensor) else (b.data if isinstance(b, Tensor) else None)
    return apply_op(OPS["maximum"], (operand(a, "maximum", like), operand(b, "maximum", like)))


def minimum(a: Any, b: Any) -> Any:
    """Elementwise minimum; ties share the gradient.

    Works on Tensors and, as the table row serves both engines, on Values
    (a Value with a Value or a number gives a Value).

    Examples
    --------
    >>> minimum(Tensor([1.0, 5.0]), 3.0).tolist()
    [1.0, 3.0]
    """
    if _scalar_pair(a, b):
        return extreme(OPS["minimum"], a, b)
    like = a.data if isinstance(a, Tensor) else (b.data if isinstance(b, Tensor) else None)
    return apply_op(OPS["minimum"], (operand(a, "minimum", like), operand(b, "minimum", like)))
