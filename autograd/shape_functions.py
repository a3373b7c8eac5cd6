"""Shape and selection functions at module level (PyTorch's ``torch.reshape``, ``torch.gather``, ...).

Each converts its first argument (a number, list or array becomes a constant
Tensor) and calls the Tensor method of the same name, so the meaning is the
method's.
"""

from __future__ import annotations

from typing import Any

import numpy as np  # noqa: F401 (used by the examples)

from .tensor import Tensor, operand

__all__ = [
    "reshape",
    "flatten",
    "squeeze",
    "unsqueeze",
    "transpose",
    "permute",
    "t",
    "split",
    "chunk",
    "gather",
    "index_select",
    "masked_fill",
]


def reshape(input: Any, shape: Any) -> Tensor:
    """``input.reshape(shape)``.

    Examples
    --------
    >>> reshape(Tensor([1.0, 2.0]), (2, 1)).shape
    (2, 1)
    """
    return operand(input, "reshape").reshape(shape)


def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """``input.flatten(start_dim, end_dim)``.

    Examples
    --------
    >>> flatten(Tensor(np.zeros((2, 3, 4))), 1).shape
    (2, 12)
    """
    return operand(input, "flatten").flatten(start_dim, end_dim)


def squeeze(input: Any, dim: Any = None) -> Tensor:
    """``input.squeeze(dim)``.

    Examples
    --------
    >>> squeeze(Tensor(np.zeros((1, 3)))).shape
    (3,)
    """
    return operand(input, "squeeze").squeeze(dim)


def unsqueeze(input: Any, dim: int) -> Tensor:
    """``input.unsqueeze(dim)``.

    Examples
    --------
    >>> unsqueeze(Tensor([1.0, 2.0]), 0).shape
    (1, 2)
    """
    return operand(input, "unsqueeze").unsqueeze(dim)


def transpose(input: Any, dim0: int, dim1: int) -> Tensor:
    """``input.transpose(dim0, dim1)``: swap two dimensions.

    Examples
    --------
    >>> transpose(Tensor(np.zeros((2, 3))), 0, 1).shape
    (3, 2)
    """
    return operand(input, "transpose").transpose(dim0, dim1)


def permute(input: Any, dims: Any) -> Tensor:
    """``input.permute(dims)``.

    Examples
    --------
    >>> permute(Tensor(np.zeros((2, 3, 4))), (2, 0, 1)).shape
    (4, 2, 3)
    """
    return operand(input, "permute").permute(dims)


def t(input: Any) -> Tensor:
    """``input.t()``.

    Examples
    --------
    >>> t(Tensor(np.zeros((2, 3)))).shape
    (3, 2)
    """
    return operand(input, "t").t()


def split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``tensor.split(split_size_or_sections, dim)``.

    Examples
    --------
    >>> [x.tolist() for x in split(Tensor([1.0, 2.0, 3.0]), 2)]
    [[1.0, 2.0], [3.0]]
    """
    return operand(tensor, "split").split(split_size_or_sections, dim)


def chunk(input: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``input.chunk(chunks, dim)``.

    Examples
    --------
    >>> [x.tolist() for x in chunk(Tensor([1.0, 2.0, 3.0, 4.0]), 2)]
    [[1.0, 2.0], [3.0, 4.0]]
    """
    return operand(input, "chunk").chunk(chunks, dim)


def gather(input: Any, dim: int, index: Any) -> Tensor:
    """``input.gather(dim, index)``.

    Examples
    --------
    >>> gather(Tensor([[1.0, 2.0], [3.0, 4.0]]), 1, [[1], [0]]).tolist()
    [[2.0], [3.0]]
    """
    return operand(input, "gather").gather(dim, index)


def index_select(input: Any, dim: int, index: Any) -> Tensor:
    """``input.index_select(dim, index)``.

    Examples
    --------
    >>> index_select(Tensor([10.0, 20.0, 30.0]), 0, [2, 0]).tolist()
    [30.0, 10.0]
    """
    return operand(input, "index_select").index_select(dim, index)


def masked_fill(input: Any, mask: Any, value: Any) -> Tensor:
    """``input.masked_fill(mask, value)``.

    Examples
    --------
    >>> x = Tensor([1.0, -2.0])
    >>> masked_fill(x, x < 0, 0.0).tolist()
    [1.0, 0.0]
    """
    return operand(input, "masked_fill").masked_fill(mask, value)
