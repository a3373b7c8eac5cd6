"""Tensor methods that change shapes and select elements (PyTorch's meanings): view, permute, expand, gather, ...

:class:`ShapeMethods` is a base class of :class:`autograd.Tensor`; it holds
no state and reaches the engine through the hooks declared in
:mod:`autograd.tensor_convert`.  Every method here is a row
(``reshape``, ``transpose``, ``expand``, ``repeat``, ``getitem``) or a
composition of rows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .convert import dim_arg, index_arrays, normalize_axis, sizes_arg
from .node import Node
from .ops import OPS
from .tensor_convert import ConvertMethods

__all__ = ["ShapeMethods", "data_of", "index_array"]


def data_of(x: Any) -> Any:
    """A Tensor's array, or ``x`` itself (an index, a mask or a number given as data)."""
    return x.data if isinstance(x, Node) and isinstance(x.data, np.ndarray) else x


def index_array(index: Any, where: str) -> np.ndarray:
    """An index tensor as an integer array; whole floats are accepted (``tensor([1, 0])`` is float64 here).

    Examples
    --------
    >>> index_array([1.0, 0.0], "gather").tolist()
    [1, 0]
    """
    idx = np.asarray(data_of(index))
    if idx.dtype.kind == "f" and np.all(idx == np.round(idx)):
        idx = idx.astype(np.int64)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{where}: index must hold integers (e.g. a .long() tensor), got {idx.dtype} {idx.tolist()!r}")
    return idx


class ShapeMethods(ConvertMethods):
    """Shapes, views and selections of a Tensor (a base class of :class:`autograd.Tensor`)."""

    __slots__ = ()

    # sizes -------------------------------------------------------------------------
    def size(self, dim: int | None = None) -> Any:
        """The shape (a tuple), or the size of dimension ``dim`` (PyTorch's ``size()``; a method, not numpy's count).

        Examples
        --------
        >>> from autograd import zeros
        >>> zeros(2, 3).size(), zeros(2, 3).size(-1)
        ((2, 3), 3)
        """
        if dim is None:
            return self.data.shape
        return self.data.shape[normalize_axis(dim, self.data.ndim, "size")]

    def numel(self) -> int:
        """The number of elements.

        Examples
        --------
        >>> from autograd import zeros
        >>> zeros(2, 3).numel()
        6
        """
        return int(self.data.size)

    def dim(self) -> int:
        """The number of dimensions (PyTorch's name for ``ndim``).

        Examples
        --------
        >>> from autograd import zeros
        >>> zeros(2, 3).dim()
        2
        """
        return int(self.data.ndim)

    # reshaping -----------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Any:
        """The same values in a new shape (one size may be -1); copies when a view is impossible.

        Examples
        --------
        >>> from autograd import arange
        >>> arange(6.0).reshape(2, -1).shape
        (2, 3)
        """
        return self._apply(OPS["reshape"], (self,), (sizes_arg(shape, "reshape"),))

    def view(self, *shape: Any) -> Any:
        """The same memory in a new shape, as PyTorch's ``view``: raises where only a copy could do it.

        Examples
        --------
        >>> from autograd import arange
        >>> arange(6.0).view(3, 2).shape
        (3, 2)
        >>> arange(6.0).view(2, 3).t().view(-1)
        Traceback (most recent call last):
        ...
        RuntimeError: view: view size is not compatible with input tensor's size and stride ...
        """
        target = sizes_arg(shape, "view")
        try:
            probe = np.reshape(self.data, target)
        except ValueError as e:
            raise RuntimeError(f"view: shape {target} is invalid for a tensor of shape {self.shape}: {e}") from None
        if probe.size and not np.may_share_memory(probe, self.data):
            raise RuntimeError(
                f"view: view size is not compatible with input tensor's size and stride (size {target}, "
                f"shape {self.shape}, not contiguous); use .reshape(...) instead"
            )
        return self._apply(OPS["reshape"], (self,), (target,))

    def view_as(self, other: Any) -> Any:
        """``view`` to ``other``'s shape."""
        return self.view(other.shape)

    def reshape_as(self, other: Any) -> Any:
        """``reshape`` to ``other``'s shape."""
        return self.reshape(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        """Merge dimensions ``start_dim`` to ``end_dim`` (inclusive) into one.

        Examples
        --------
        >>> from autograd import zeros
        >>> zeros(2, 3, 4).flatten().shape, zeros(2, 3, 4).flatten(1).shape, zeros(()).flatten().shape
        ((24,), (2, 12), (1,))
        """
        if self.ndim == 0:
            return self.reshape(1)
        lo = normalize_axis(start_dim, self.ndim, "flatten")
        hi = normalize_axis(end_dim, self.ndim, "flatten")
        if lo > hi:
            raise ValueError(f"flatten: start_dim ({start_dim}) comes after end_dim ({end_dim}) for shape {self.shape}")
        s = self.shape
        return self.reshape(s[:lo] + (math.prod(s[lo : hi + 1]),) + s[hi + 1 :])

    def squeeze(self, dim: Any = None) -> Any:
        """Drop dimensions of size 1 (all, or those in ``dim``); a ``dim`` whose size is not 1 is left alone.

        Examples
        --------
        >>> from autograd import zeros
        >>> zeros(2, 1, 3).squeeze().shape, zeros(2, 1, 3).squeeze(0).shape, zeros(2, 1, 3).squeeze(1).shape
        ((2, 3), (2, 1, 3), (2, 3))
        """
        axes = normalize_axis(dim, self.ndim, "squeeze")
        if axes is None:
            axes = tuple(i for i, n in enumerate(self.shape) if n == 1)
        elif isinstance(axes, int):
            axes = (axes,)
        drop = {a for a in axes if self.ndim and self.shape[a] == 1}
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in drop))

    def unsqueeze(self, dim: int) -> Any:
        """Insert a dimension of size 1 at ``dim``.

        Examples
        --------
        >>> from autograd import zeros
        >>> zeros(2, 3).unsqueeze(0).shape, zeros(2, 3).unsqueeze(-1).shape
        ((1, 2, 3), (2, 3, 1))
        """
        shape = list(self.shape)
        n = len(shape) + 1
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or not -n <= dim < n:
            raise ValueError(f"unsqueeze: axis {dim!r} is out of range for a result with {n} dimensions")
        shape.insert(int(dim) % n, 1)
        return self.reshape(tuple(shape))

    expand_dims = unsqueeze

    # axes ----------------------------------------------------------------------------
    def permute(self, *dims: Any) -> Any:
        """Reorder all dimensions: result dimension ``i`` is input dimension ``dims[i]``.

        Examples
        --------
        >>> from autograd import zeros
        >>> zeros(2, 3, 4).permute(2, 0, 1).shape
        (4, 2, 3)
        """
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        axes = tuple(normalize_axis(d, self.ndim, "permute") for d in dims)
        if sorted(axes) != list(range(self.ndim)):
            raise ValueError(
                f"permute: dims {dims} are not a permutation of the {self.ndim} dims of shape {self.shape}"
            )
        return self._apply(OPS["transpose"], (self,), (axes,))

    def transpose(self, dim0: int, dim1: int) -> Any:
        """Swap two dimensions (PyTorch's meaning; numpy's full permutation is :meth:`permute`).

        Examples
        --------
        >>> from autograd import zeros
        >>> zeros(2, 3, 4).transpose(0, 2).shape
        (4, 3, 2)
        """
        a = normalize_axis(dim0, self.ndim, "transpose")
        b = normalize_axis(dim1, self.ndim, "transpose")
        axes = list(range(self.ndim))
        axes[a], axes[b] = axes[b], axes[a]
        return self._apply(OPS["transpose"], (self,), (tuple(axes),))

    swapaxes = transpose

    def t(self) -> Any:
        """The transpose of a matrix; a 0-D or 1-D tensor as it is (PyTorch: at most 2 dimensions).

        Examples
        --------
        >>> from autograd import zeros
        >>> zeros(2, 3).t().shape, zeros(3).t().shape
        ((3, 2), (3,))
        """
        if self.ndim > 2:
            raise RuntimeError(
                f"t: expects a tensor with <= 2 dimensions, but it has shape {self.shape}; "
                "use .mT or .transpose(-2, -1)"
            )
        return self.transpose(0, 1) if self.ndim == 2 else self.reshape(self.shape)

    @property
    def T(self) -> Any:
        """All dimensions reversed (a matrix's transpose)."""
        return self.permute(tuple(reversed(range(self.ndim))))

    @property
    def mT(self) -> Any:
        """The last two dimensions swapped (a batch of matrices transposed)."""
        if self.ndim < 2:
            raise RuntimeError(f"mT: needs at least 2 dimensions, got shape {self.shape}")
        return self.transpose(-2, -1)

    # broadcasting copies ---------------------------------------------------------------
    def expand(self, *sizes: Any) -> Any:
        """A read-only broadcast view of size ``sizes`` (-1 keeps a size; new dimensions go in front).

        Examples
        --------
        >>> from autograd import zeros
        >>> zeros(3, 1).expand(2, 3, 4).shape, zeros(3, 1).expand(-1, 5).shape
        ((2, 3, 4), (3, 5))
        """
        target = list(sizes_arg(sizes, "expand"))
        shape = self.shape
        extra = len(target) - len(shape)
        if extra < 0:
            raise RuntimeError(f"expand: the number of sizes ({len(target)}) must be >= the tensor's dims {shape}")
        for i, n in enumerate(shape):
            want = target[extra + i]
            if want == -1:
                target[extra + i] = n
            elif n != 1 and n != want:
                raise RuntimeError(
                    f"expand: the expanded size ({want}) must match the existing size ({n}) at non-singleton "
                    f"dimension {i}; target sizes {tuple(sizes_arg(sizes, 'expand'))}, tensor shape {shape}"
                )
        if any(s < 0 for s in target):
            raise RuntimeError(f"expand: -1 is not allowed for a new leading dimension, got sizes {tuple(target)}")
        return self._apply(OPS["expand"], (self,), (tuple(target),))

    def expand_as(self, other: Any) -> Any:
        """``expand`` to ``other``'s shape."""
        return self.expand(other.shape)

    def repeat(self, *sizes: Any) -> Any:
        """Tile the tensor ``sizes[i]`` times along dimension ``i`` (PyTorch's ``repeat`` is numpy's ``tile``).

        Examples
        --------
        >>> from autograd import tensor
        >>> tensor([1.0, 2.0]).repeat(2, 2).tolist()
        [[1.0, 2.0, 1.0, 2.0], [1.0, 2.0, 1.0, 2.0]]
        """
        reps = sizes_arg(sizes, "repeat")
        if len(reps) < self.ndim:
            raise RuntimeError(
                f"repeat: the number of repeats ({len(reps)}) can not be smaller than the number of dims of the "
                f"tensor (shape {self.shape})"
            )
        if any(r < 0 for r in reps):
            raise RuntimeError(f"repeat: repeats must be >= 0, got {reps}")
        return self._apply(OPS["repeat"], (self,), (reps,))

    # pieces --------------------------------------------------------------------------
    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Any, ...]:
        """Pieces along ``dim``: of ``split_size`` each (the last may be smaller), or of the sizes in a list.

        Examples
        --------
        >>> from autograd import arange
        >>> [p.tolist() for p in arange(5.0).split(2)]
        [[0.0, 1.0], [2.0, 3.0], [4.0]]
        >>> [p.shape for p in arange(5.0).split([1, 4])]
        [(1,), (4,)]
        """
        d = normalize_axis(dim, self.ndim, "split")
        n = self.shape[d]
        if isinstance(split_size_or_sections, (list, tuple)):
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n or any(s < 0 for s in sizes):
                raise RuntimeError(f"split: sizes {sizes} must be >= 0 and sum to {n}, the size of dim {dim}")
        else:
            step = int(split_size_or_sections)
            if step <= 0:
                raise RuntimeError(f"split: split_size must be a positive int, got {split_size_or_sections!r}")
            sizes = [min(step, n - i) for i in range(0, n, step)] or [0]
        pieces, start = [], 0
        for s in sizes:
            pieces.append(self[(slice(None),) * d + (slice(start, start + s),)])
            start += s
        return tuple(pieces)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Any, ...]:
        """At most ``chunks`` pieces along ``dim``, each of ``ceil(size / chunks)`` (the last may be smaller).

        Examples
        --------
        >>> from autograd import arange
        >>> [p.shape for p in arange(6.0).chunk(4)]
        [(2,), (2,), (2,)]
        """
        if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks <= 0:
            raise RuntimeError(f"chunk: chunks must be a positive int, got {chunks!r}")
        n = self.shape[normalize_axis(dim, self.ndim, "chunk")]
        return self.split(max(1, -(-n // int(chunks))), dim)

    # selection -----------------------------------------------------------------------
    def __getitem__(self, index: Any) -> Any:
        return self._apply(OPS["getitem"], (self,), (index_arrays(index),))

    def gather(self, dim: int, index: Any) -> Any:
        """``out[i][j] = self[index[i][j]][j]`` for ``dim=0`` (and likewise for any ``dim``), as PyTorch's ``gather``.

        Examples
        --------
        >>> from autograd import tensor
        >>> tensor([[1.0, 2.0], [3.0, 4.0]]).gather(1, tensor([[1], [0]]).long()).tolist()
        [[2.0], [3.0]]
        """
        d = normalize_axis(dim, self.ndim, "gather")
        idx = index_array(index, "gather")
        if idx.ndim != self.ndim:
            raise RuntimeError(
                f"gather: index has shape {idx.shape}, it must have as many dims as the input {self.shape}"
            )
        for i, (m, n) in enumerate(zip(idx.shape, self.shape)):
            if i != d and m > n:
                raise RuntimeError(f"gather: index shape {idx.shape} is larger than the input {self.shape} in dim {i}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.shape[d]):
            raise IndexError(
                f"gather: index out of range for dim {dim} of size {self.shape[d]}: {idx.min()}..{idx.max()}"
            )
        grids: list[Any] = list(np.indices(idx.shape, sparse=True))
        grids[d] = idx
        return self[tuple(grids)]

    def index_select(self, dim: int, index: Any) -> Any:
        """The slices ``index`` (a 1-D integer tensor) along ``dim``.

        Examples
        --------
        >>> from autograd import tensor
        >>> tensor([[1.0, 2.0], [3.0, 4.0]]).index_select(0, tensor([1, 1]).long()).tolist()
        [[3.0, 4.0], [3.0, 4.0]]
        """
        d = normalize_axis(dim, self.ndim, "index_select")
        idx = index_array(index, "index_select")
        if idx.ndim > 1:
            raise TypeError(f"index_select: index must be a 1-D tensor, got shape {idx.shape}")
        return self[(slice(None),) * d + (idx.reshape(-1),)]

    def masked_fill(self, mask: Any, value: Any) -> Any:
        """``value`` where the boolean ``mask`` is True, else this tensor's element (no gradient to filled places).

        Examples
        --------
        >>> from autograd import tensor
        >>> x = tensor([1.0, -2.0, 3.0])
        >>> x.masked_fill(x < 0, 0.0).tolist()
        [1.0, 0.0, 3.0]
        """
        m = np.asarray(data_of(mask))
        if m.dtype.kind != "b":
            raise TypeError(f"masked_fill: mask must be a bool tensor (e.g. x < 0), got dtype {m.dtype}")
        if np.broadcast_shapes(m.shape, self.shape) != self.shape:
            raise RuntimeError(
                f"masked_fill: the mask of shape {m.shape} does not broadcast to the tensor's {self.shape}"
            )
        fill = self._operand(value, "masked_fill", self.data)
        return self._apply(OPS["where"], (fill, self), (m,))

    def _dims(self, dim: Any, axis: Any, where: str) -> Any:
        """``dim``/``axis`` resolved and normalised against this tensor's dims; ``()`` means all, as in PyTorch."""
        if axis is None:
            if dim is None:
                return None
            n = self.data.ndim
            if type(dim) is int and -n <= dim < n:  # NOTE: the common case, checked in one line
                return dim % n
        d = dim_arg(dim, axis, where)
        return None if d == () else normalize_axis(d, self.ndim, where)
