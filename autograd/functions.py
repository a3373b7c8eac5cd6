"""Module-level functions of the tensor engine (PyTorch's and numpy's spellings): creation, joins, selections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .convert import normalize_axis, shape_arg, shapes_text
from .ops import OPS
from .tensor import Tensor, apply_op, operand
from .value import Value, extreme

__all__ = ["tensor", "matmul", "concatenate", "stack", "where", "maximum", "minimum", "zeros", "ones", "randn"]


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, label: str | None = None) -> Tensor:
    """Make a Tensor (PyTorch's ``torch.tensor`` spelling).

    Examples
    --------
    >>> tensor([1, 2]).dtype
    dtype('float64')
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, label=label)


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with numpy's rules (1-D, 2-D and batched).

    Examples
    --------
    >>> matmul(Tensor([[1.0, 2.0]]), Tensor([[3.0], [4.0]])).tolist()
    [[11.0]]
    """
    return (a if type(a) is Tensor else operand(a, "matmul")).matmul(b)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis.

    Examples
    --------
    >>> concatenate([Tensor([1.0]), Tensor([2.0, 3.0])]).tolist()
    [1.0, 2.0, 3.0]
    """
    ts = tuple(operand(t, "concatenate") for t in tensors)
    if not ts:
        raise ValueError("concatenate: needs at least one tensor")
    return apply_op(OPS["concatenate"], ts, (normalize_axis(axis, ts[0].ndim, "concatenate"),))


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis.

    Examples
    --------
    >>> stack([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])]).shape
    (2, 2)
    """
    ts = tuple(operand(t, "stack") for t in tensors)
    if not ts:
        raise ValueError("stack: needs at least one tensor")
    if len({t.shape for t in ts}) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {shapes_text([t.data for t in ts])}")
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
    """
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition).astype(bool)
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


def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros.

    Examples
    --------
    >>> zeros(2, 3).shape
    (2, 3)
    """
    return Tensor(np.zeros(shape_arg(shape, "zeros"), dtype=dtype), requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A tensor of ones.

    Examples
    --------
    >>> ones(2).tolist()
    [1.0, 1.0]
    """
    return Tensor(np.ones(shape_arg(shape, "ones"), dtype=dtype), requires_grad=requires_grad)


def randn(
    *shape: Any,
    seed: int | None = None,
    generator: np.random.Generator | None = None,
    dtype: Any = np.float64,
    requires_grad: bool = False,
) -> Tensor:
    """Standard-normal samples, reproducible with ``seed`` or ``generator``.

    Examples
    --------
    >>> bool((randn(3, seed=0).data == randn(3, seed=0).data).all())
    True
    """
    if generator is not None and seed is not None:
        raise ValueError("randn: give seed or generator, not both")
    rng = generator if generator is not None else np.random.default_rng(seed)
    data = rng.standard_normal(shape_arg(shape, "randn")).astype(dtype, copy=False)
    return Tensor(data, requires_grad=requires_grad)
