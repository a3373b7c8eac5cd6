"""The Tensor methods as module-level functions (PyTorch's ``torch.exp``, ``torch.sum``, ...).

``autograd.exp(x)`` is ``x.exp()``, ``autograd.sum(x, dim=1)`` is
``x.sum(dim=1)``, and so on: each function converts its first argument (a
number, list or array becomes a constant Tensor) and calls the method, so the
meaning is the method's.  Elementwise functions also take a ``Value``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .node import Node
from .ops import OPS
from .tensor import Tensor, operand
from .value import Value

__all__ = [
    "exp",
    "log",
    "sqrt",
    "abs",
    "tanh",
    "erf",
    "sigmoid",
    "relu",
    "sin",
    "cos",
    "pow",
    "square",
    "clamp",
    "clip",
    "sum",
    "mean",
    "prod",
    "cumsum",
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "var",
    "std",
    "norm",
    "logsumexp",
    "softmax",
    "log_softmax",
    "numel",
    "is_tensor",
    "allclose",
]


def _tensor(x: Any, where: str) -> Tensor:
    """The first argument as a Tensor (a number, list or array as a constant)."""
    return x if type(x) is Tensor else operand(x, where)


def _node(x: Any, where: str) -> Any:
    """The first argument of an elementwise function: a Value stays a Value, anything else a Tensor."""
    return x if isinstance(x, Value) else _tensor(x, where)


def exp(input: Any) -> Any:
    """e ** input.  ``exp(Tensor([0.0])).tolist()`` is ``[1.0]``.

    Examples
    --------
    >>> exp(Tensor([0.0])).tolist(), exp(Value(0.0)).data
    ([1.0], 1.0)
    """
    return _node(input, "exp").exp()


def log(input: Any) -> Any:
    """Natural logarithm.

    Examples
    --------
    >>> log(Tensor([1.0])).tolist()
    [0.0]
    """
    return _node(input, "log").log()


def sqrt(input: Any) -> Any:
    """Square root.

    Examples
    --------
    >>> sqrt(Tensor([4.0])).tolist()
    [2.0]
    """
    return _node(input, "sqrt").sqrt()


def abs(input: Any) -> Any:
    """Absolute value.

    Examples
    --------
    >>> abs(Tensor([-2.0])).tolist()
    [2.0]
    """
    return _node(input, "abs").abs()


def tanh(input: Any) -> Any:
    """Hyperbolic tangent.

    Examples
    --------
    >>> tanh(Tensor([0.0])).tolist()
    [0.0]
    """
    return _node(input, "tanh").tanh()


def erf(input: Any) -> Any:
    """The error function, elementwise (``torch.erf``); its derivative is ``2/√π · exp(-x²)``.

    Examples
    --------
    >>> erf(Tensor([0.0, 1.0])).tolist()
    [0.0, 0.8427007929497149]
    >>> round(erf(Value(0.5)).data, 6)
    0.5205
    """
    return _node(input, "erf").erf()


def sigmoid(input: Any) -> Any:
    """Logistic sigmoid.

    Examples
    --------
    >>> sigmoid(Tensor([0.0])).tolist()
    [0.5]
    """
    return _node(input, "sigmoid").sigmoid()


def relu(input: Any) -> Any:
    """max(input, 0).

    Examples
    --------
    >>> relu(Tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    return _node(input, "relu").relu()


def sin(input: Any) -> Any:
    """Sine (radians); a Value gives a Value.

    Examples
    --------
    >>> sin(Tensor([0.0])).tolist(), sin(Value(0.0)).data
    ([0.0], 0.0)
    """
    return _node(input, "sin")._unary(OPS["sin"])


def cos(input: Any) -> Any:
    """Cosine (radians); a Value gives a Value.

    Examples
    --------
    >>> cos(Tensor([0.0])).tolist(), cos(Value(0.0)).data
    ([1.0], 1.0)
    """
    return _node(input, "cos")._unary(OPS["cos"])


def pow(input: Any, exponent: Any) -> Any:
    """input ** exponent.

    Examples
    --------
    >>> pow(Tensor([3.0]), 2).tolist()
    [9.0]
    """
    return _node(input, "pow") ** exponent


def square(input: Any) -> Any:
    """input * input.

    Examples
    --------
    >>> square(Tensor([3.0])).tolist()
    [9.0]
    """
    x = _node(input, "square")
    return x * x


def clamp(input: Any, min: Any = None, max: Any = None) -> Tensor:
    """Limit to ``[min, max]`` (either may be None); see :meth:`Tensor.clamp`.

    Examples
    --------
    >>> clamp(Tensor([-1.0, 2.0]), min=0).tolist()
    [0.0, 2.0]
    """
    return _tensor(input, "clamp").clamp(min, max)


clip = clamp


def sum(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """``input.sum(...)``: over ``dim`` (all by default), ``keepdim``.

    Examples
    --------
    >>> sum(Tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1).tolist()
    [3.0, 7.0]
    """
    return _tensor(input, "sum").sum(*args, **kwargs)


def mean(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """``input.mean(...)``.

    Examples
    --------
    >>> mean(Tensor([1.0, 2.0])).item()
    1.5
    """
    return _tensor(input, "mean").mean(*args, **kwargs)


def prod(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """``input.prod(...)``.

    Examples
    --------
    >>> prod(Tensor([2.0, 3.0])).item()
    6.0
    """
    return _tensor(input, "prod").prod(*args, **kwargs)


def cumsum(input: Any, dim: Any = None, **kwargs: Any) -> Tensor:
    """``input.cumsum(dim)``.

    Examples
    --------
    >>> cumsum(Tensor([1.0, 2.0]), dim=0).tolist()
    [1.0, 3.0]
    """
    return _tensor(input, "cumsum").cumsum(dim, **kwargs)


def max(input: Any, *args: Any, **kwargs: Any) -> Any:
    """``input.max(...)``: the largest element, or ``(values, indices)`` along ``dim``, or the maximum with a tensor.

    Examples
    --------
    >>> max(Tensor([[1.0, 5.0], [3.0, 2.0]]), dim=1).indices.tolist()
    [1, 0]
    """
    return _tensor(input, "max").max(*args, **kwargs)


def min(input: Any, *args: Any, **kwargs: Any) -> Any:
    """``input.min(...)``: the smallest element, or ``(values, indices)`` along ``dim``.

    Examples
    --------
    >>> min(Tensor([3.0, 1.0])).item()
    1.0
    """
    return _tensor(input, "min").min(*args, **kwargs)


def amax(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """``input.amax(...)``.

    Examples
    --------
    >>> amax(Tensor([[1.0, 5.0]]), 1).tolist()
    [5.0]
    """
    return _tensor(input, "amax").amax(*args, **kwargs)


def amin(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """``input.amin(...)``.

    Examples
    --------
    >>> amin(Tensor([[1.0, 5.0]]), 1).tolist()
    [1.0]
    """
    return _tensor(input, "amin").amin(*args, **kwargs)


def argmax(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """``input.argmax(...)``: an int64 tensor.

    Examples
    --------
    >>> argmax(Tensor([1.0, 3.0, 2.0])).item()
    1
    """
    return _tensor(input, "argmax").argmax(*args, **kwargs)


def argmin(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """``input.argmin(...)``: an int64 tensor.

    Examples
    --------
    >>> argmin(Tensor([1.0, 3.0, 0.5])).item()
    2
    """
    return _tensor(input, "argmin").argmin(*args, **kwargs)


def var(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """``input.var(...)``: divided by ``N - 1`` unless ``correction`` (or ``unbiased=False``) says otherwise.

    Examples
    --------
    >>> var(Tensor([1.0, 3.0])).item(), var(Tensor([1.0, 3.0]), correction=0).item()
    (2.0, 1.0)
    """
    return _tensor(input, "var").var(*args, **kwargs)


def std(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """``input.std(...)`` (``correction=1`` by default).

    Examples
    --------
    >>> std(Tensor([1.0, 3.0]), correction=0).item()
    1.0
    """
    return _tensor(input, "std").std(*args, **kwargs)


def norm(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """``input.norm(...)``.

    Examples
    --------
    >>> norm(Tensor([3.0, 4.0])).item()
    5.0
    """
    return _tensor(input, "norm").norm(*args, **kwargs)


def logsumexp(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """``input.logsumexp(...)``.

    Examples
    --------
    >>> round(logsumexp(Tensor([0.0, 0.0]), 0).item(), 6)
    0.693147
    """
    return _tensor(input, "logsumexp").logsumexp(*args, **kwargs)


def softmax(input: Any, dim: Any = None, **kwargs: Any) -> Tensor:
    """``input.softmax(dim)``.

    Examples
    --------
    >>> softmax(Tensor([0.0, 0.0]), dim=0).tolist()
    [0.5, 0.5]
    """
    return _tensor(input, "softmax").softmax(dim, **kwargs)


def log_softmax(input: Any, dim: Any = None, **kwargs: Any) -> Tensor:
    """``input.log_softmax(dim)``.

    Examples
    --------
    >>> [round(v, 4) for v in log_softmax(Tensor([0.0, 0.0]), dim=0).tolist()]
    [-0.6931, -0.6931]
    """
    return _tensor(input, "log_softmax").log_softmax(dim, **kwargs)


def numel(input: Any) -> int:
    """The number of elements.

    Examples
    --------
    >>> numel(Tensor(np.zeros((2, 3))))
    6
    """
    return _tensor(input, "numel").numel()


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a Tensor.

    Examples
    --------
    >>> is_tensor(Tensor([1.0])), is_tensor([1.0])
    (True, False)
    """
    return isinstance(obj, Tensor)


def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether ``|input - other| <= atol + rtol * |other|`` everywhere (numbers, no gradient).

    Examples
    --------
    >>> allclose(Tensor([1.0]), Tensor([1.0 + 1e-9]))
    True
    """
    a = np.asarray(input.data if isinstance(input, Node) else input)
    b = np.asarray(other.data if isinstance(other, Node) else other)
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
