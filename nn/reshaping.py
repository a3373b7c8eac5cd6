"""Layers without parameters that reshape or normalise: ``Flatten``, ``Softmax`` and ``LogSoftmax``."""

from __future__ import annotations

import numbers
from typing import Any

from autograd import Tensor, Value, stage

from .module import Module

__all__ = ["softmax", "log_softmax", "Flatten", "Softmax", "LogSoftmax"]


def _dim(where: str, dim: Any) -> int:
    if dim is None:
        raise ValueError(
            f"{where}: pass dim, the dimension that sums to 1 (e.g. dim=1 for (N, k) logits); "
            "PyTorch's implicit choice of dimension is deprecated, and a guess could normalise the wrong one"
        )
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{where}: dim must be an int, got {dim!r}")
    return int(dim)


def _value_row(where: str, x: Any, dim: int) -> list[Value]:
    if dim not in (0, -1):
        raise ValueError(f"{where}: a list of Values is one sample, so dim must be 0 or -1, got {dim}")
    if not x or not all(isinstance(v, Value) for v in x):
        raise TypeError(f"{where}: expected a Tensor or a non-empty list of Values")
    return list(x)


def log_softmax(x: Any, dim: int | None = None) -> Any:
    """Log-probabilities ``x - logsumexp(x)`` along ``dim``, precise at any scale (PyTorch's ``F.log_softmax``).

    Works on a Tensor, or on a list of Values (one sample, ``dim=0`` or ``-1``).

    Examples
    --------
    >>> from autograd import Tensor, Value
    >>> [round(v, 4) for v in log_softmax(Tensor([0.0, 0.0]), dim=0).tolist()]
    [-0.6931, -0.6931]
    >>> [round(v.data, 4) for v in log_softmax([Value(0.0), Value(0.0)], dim=0)]
    [-0.6931, -0.6931]
    """
    d = _dim("log_softmax", dim)
    if isinstance(x, Tensor):
        return x.log_softmax(axis=d)
    row = _value_row("log_softmax", x, d)
    m = max(v.data for v in row)  # NOTE: a constant: subtracting it changes no gradient
    shifted = [v - m for v in row]
    s = shifted[0].exp()
    for v in shifted[1:]:
        s = s + v.exp()
    ls = s.log()
    return [v - ls for v in shifted]


def softmax(x: Any, dim: int | None = None) -> Any:
    """Probabilities ``exp(x) / sum(exp(x))`` along ``dim`` (PyTorch's ``F.softmax``).

    Examples
    --------
    >>> from autograd import Tensor
    >>> softmax(Tensor([[1.0, 1.0, 1.0]]), dim=1).tolist()
    [[0.3333333333333333, 0.3333333333333333, 0.3333333333333333]]
    """
    d = _dim("softmax", dim)
    if isinstance(x, Tensor):
        return x.softmax(axis=d)
    return [v.exp() for v in log_softmax(x, d)]


class Softmax(Module):
    """Turn scores into probabilities along ``dim`` (PyTorch's ``nn.Softmax``; ``dim`` is required).

    Examples
    --------
    >>> from autograd import Tensor
    >>> Softmax(dim=1)(Tensor([[0.0, 0.0]])).tolist()
    [[0.5, 0.5]]
    """

    kind = "layer"

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = _dim(type(self).__name__, dim)

    def forward(self, x: Any) -> Any:
        with stage("softmax", kind="step"):
            return softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """Log-probabilities along ``dim`` (PyTorch's ``nn.LogSoftmax``), e.g. before :class:`nn.NLLLoss`.

    Examples
    --------
    >>> from autograd import Tensor
    >>> [round(v, 4) for v in LogSoftmax(dim=-1)(Tensor([0.0, 0.0])).tolist()]
    [-0.6931, -0.6931]
    """

    def forward(self, x: Any) -> Any:
        with stage("log-softmax", kind="step"):
            return log_softmax(x, self.dim)


class Flatten(Module):
    """Merge the dimensions ``start_dim .. end_dim`` into one (PyTorch's ``nn.Flatten``; by default all but the batch).

    On the scalar engine a (nested) list of Values becomes one flat list.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> Flatten()(Tensor(np.zeros((2, 3, 4)))).shape
    (2, 12)
    >>> Flatten(0, 1)(Tensor(np.zeros((2, 3, 4)))).shape
    (6, 4)
    """

    kind = "layer"

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x: Any) -> Any:
        with stage("flatten", kind="step"):
            if isinstance(x, Tensor):
                n = max(x.ndim, 1)
                a, b = self.start_dim % n, self.end_dim % n
                if not (-n <= self.start_dim < n and -n <= self.end_dim < n) or a > b:
                    raise ValueError(
                        f"{self.name}: cannot flatten dimensions {self.start_dim}..{self.end_dim} of shape {x.shape}"
                    )
                shape = x.shape
                return x.reshape(shape[:a] + (-1,) + shape[b + 1 :]) if x.ndim else x.reshape(1)
            if isinstance(x, (list, tuple)):
                return _flat(x)
            raise TypeError(f"{self.name}: expected a Tensor or a list of Values, got {type(x).__name__}")

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


def _flat(x: Any) -> list[Any]:
    out: list[Any] = []
    for v in x:
        out.extend(_flat(v) if isinstance(v, (list, tuple)) else [v])
    return out
