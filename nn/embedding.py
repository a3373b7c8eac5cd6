"""``Embedding``: a learned vector for each integer index (a lookup table), PyTorch's ``nn.Embedding``."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from autograd import Tensor, Value, stage, where

from .checks import check_float_dtype
from .layers import make_rng
from .module import Module
from .parameter import Parameter

__all__ = ["embedding", "Embedding", "indices"]


def indices(x: Any, n: int, where_: str) -> np.ndarray:
    """``x`` (ints, an int array, or a Tensor of whole numbers) as an integer array of indices in ``0 .. n-1``.

    Examples
    --------
    >>> indices(Tensor([2.0, 0.0]), 3, "Embedding").tolist()
    [2, 0]
    """
    if isinstance(x, Value) or (isinstance(x, (list, tuple)) and any(isinstance(v, Value) for v in x)):
        raise TypeError(f"{where_}: works on the tensor engine; give indices as ints, an array or a Tensor")
    arr = np.asarray(x.data if isinstance(x, Tensor) else x)
    if arr.dtype.kind == "f":
        frac = arr[arr != np.round(arr)]
        if frac.size:
            raise TypeError(f"{where_}: indices must be whole numbers, got values such as {frac[0]:g}")
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"{where_}: indices must be integers, got dtype {arr.dtype}")
    arr = arr.astype(np.intp)
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        raise IndexError(f"{where_}: index {arr[bad][0]} is out of range for {n} embeddings (0 .. {n - 1})")
    return arr


def embedding(x: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` picked by the indices ``x``: shape ``x.shape + (embedding_dim,)`` (PyTorch's ``F.embedding``).

    The row ``padding_idx`` gets no gradient.

    Examples
    --------
    >>> W = Tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> embedding([[1, 2], [2, 0]], W).shape
    (2, 2, 2)
    """
    idx = indices(x, weight.shape[0], "embedding")
    with stage("lookup", kind="step"):
        out = weight[idx]
        if padding_idx is not None and np.any(idx == padding_idx):
            # NOTE: the padding row is looked up like any other but takes no gradient (a detached copy there)
            mask = np.broadcast_to((idx != padding_idx)[..., None], out.shape)
            out = where(mask, out, out.detach())
    return out


class Embedding(Module):
    """A table of ``num_embeddings`` learned vectors of size ``embedding_dim``, looked up by index.

    ``Embedding(10, 3)(indices)`` gives ``indices.shape + (3,)``: row ``i`` of
    ``weight`` for each index ``i`` (the gradient flows into the rows used).
    ``weight`` starts from a standard normal, as in PyTorch; the row
    ``padding_idx`` starts at 0 and is never trained.  Indices are ints, an
    int array or a Tensor of whole numbers.  Tensor engine only.

    Parameters
    ----------
    num_embeddings : int
        The number of rows (the size of the vocabulary).
    embedding_dim : int
        The size of each vector.
    padding_idx : int, optional
        An index whose vector stays 0 and gets no gradient.
    seed : int, numpy Generator or None
        The source of the initial weights.
    dtype : numpy dtype
        float64 by default.

    Examples
    --------
    >>> emb = Embedding(5, 2, padding_idx=0, seed=0)
    >>> emb([[0, 3], [3, 4]]).shape
    (2, 2, 2)
    >>> emb.weight.data[0].tolist()
    [0.0, 0.0]
    """

    kind = "layer"

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        seed: Any = None,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        dtype = check_float_dtype(dtype, "Embedding")
        for what, v in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise ValueError(f"Embedding: {what} must be a positive int, got {v!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be within the {self.num_embeddings} embeddings")
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx = padding_idx
        w = make_rng(seed).standard_normal((self.num_embeddings, self.embedding_dim)).astype(dtype)
        if padding_idx is not None:
            w[padding_idx] = 0.0
        self.weight = Parameter(w)

    def forward(self, x: Any) -> Tensor:
        return embedding(x, self.weight, self.padding_idx)

    def describe(self) -> str:
        return f"{self.name}: Embedding({self.num_embeddings}, {self.embedding_dim})"

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
