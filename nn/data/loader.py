"""``TensorDataset`` and ``DataLoader``: mini-batches of Tensors, shuffled from a seed (as ``torch.utils.data``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from autograd import Node, Tensor

from .common import check_int_arg, make_generator

__all__ = ["TensorDataset", "DataLoader", "default_collate"]


def _array(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


class TensorDataset:
    """Samples made of rows of tensors of the same length: ``dataset[i] == (X[i], y[i])``.

    Parameters
    ----------
    *tensors : Tensor, ndarray or list
        The columns of the dataset (e.g. inputs and labels), each with one row per sample.

    Examples
    --------
    >>> ds = TensorDataset(np.zeros((4, 2)), [0, 1, 0, 1])
    >>> len(ds), [t.shape for t in ds[1]]
    (4, [(2,), ()])
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        arrays = [_array(t) for t in tensors]
        for i, a in enumerate(arrays):
            if isinstance(tensors[i], Node) and not isinstance(tensors[i], Tensor):
                raise TypeError(
                    f"TensorDataset: tensor {i} is a {type(tensors[i]).__name__}; expected Tensors or arrays"
                )
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is a single number; expected one row per sample")
        lengths = [a.shape[0] for a in arrays]
        if len(set(lengths)) != 1:
            raise ValueError(f"TensorDataset: the tensors have different numbers of rows {lengths}; they must match")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(a) for t, a in zip(tensors, arrays))

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(Tensor(t.data[index]) for t in self.tensors)

    def rows(self, idx: np.ndarray) -> list[Tensor]:
        """The rows ``idx`` of every tensor, as new Tensors (one batch)."""
        return [Tensor(t.data[idx]) for t in self.tensors]


def default_collate(items: Sequence[Any]) -> Any:
    """Stack samples into a batch: numbers and arrays into one Tensor, tuples field by field (a list, as PyTorch).

    Parameters
    ----------
    items : list
        The samples of one batch: numbers, arrays, Tensors, or tuples or dicts of them.

    Returns
    -------
    Tensor, list or dict
        One Tensor per field, stacked along a new first axis.

    Examples
    --------
    >>> x, y = default_collate([(np.ones(2), 0), (np.zeros(2), 1)])
    >>> x.shape, y.tolist()
    ((2, 2), [0.0, 1.0])
    """
    first = items[0]
    if isinstance(first, (tuple, list)) and not isinstance(first, str):
        if any(len(it) != len(first) for it in items):
            raise ValueError("default_collate: the samples have different numbers of fields")
        return [default_collate([it[j] for it in items]) for j in range(len(first))]
    if isinstance(first, dict):
        return {k: default_collate([it[k] for it in items]) for k in first}
    try:
        return Tensor(np.stack([_array(it) for it in items]))
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"default_collate: cannot stack samples of type {type(first).__name__} into a Tensor ({e})"
        ) from None


class DataLoader:
    """Iterate over a dataset in mini-batches of Tensors, optionally shuffled from a seed (PyTorch's ``DataLoader``).

    Each pass (each ``for batch in loader``) shuffles anew when ``shuffle``
    is set; with an int ``seed`` the sequence of passes is the same on every
    run.  A batch from a :class:`TensorDataset` is a list with one Tensor per
    tensor of the dataset (``for xb, yb in loader``).  Labels come as float
    Tensors (layergrad's Tensors are floating point); the losses accept whole numbers.

    Parameters
    ----------
    dataset : TensorDataset or any object with ``__len__`` and ``__getitem__``
        The samples.
    batch_size : int or None, default 1
        Samples per batch (None: one sample at a time, not batched).
    shuffle : bool, default False
        Draw a new order of the samples for every pass.
    drop_last : bool, default False
        Leave out a last batch smaller than ``batch_size``.
    seed : int, numpy Generator or None
        The source of the shuffles (None: fresh randomness).
    collate_fn : callable, optional
        Makes a batch from a list of samples (default: :func:`default_collate`).
    num_workers : int, default 0
        Only 0: batches are made in this process.

    Examples
    --------
    >>> X, y = np.arange(10.0).reshape(5, 2), np.array([0, 1, 0, 1, 1])
    >>> loader = DataLoader(TensorDataset(X, y), batch_size=2)
    >>> [(xb.shape, yb.tolist()) for xb, yb in loader]
    [((2, 2), [0.0, 1.0]), ((2, 2), [0.0, 1.0]), ((1, 2), [1.0])]
    >>> len(DataLoader(TensorDataset(X, y), batch_size=2, drop_last=True))
    2
    >>> shuffled = DataLoader(TensorDataset(X, y), batch_size=5, shuffle=True, seed=0)
    >>> sorted(next(iter(shuffled))[0][:, 0].tolist())
    [0.0, 2.0, 4.0, 6.0, 8.0]
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: Any = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        num_workers: int = 0,
    ) -> None:
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: the dataset needs __len__ and __getitem__, got {type(dataset).__name__}")
        if batch_size is not None:
            batch_size = check_int_arg(batch_size, "batch_size", "DataLoader", 1)
        if num_workers != 0:
            raise ValueError("DataLoader: num_workers must be 0; layergrad makes the batches in this process")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.generator = np.random.default_rng() if seed is None else make_generator(seed, "DataLoader")
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def batches(self) -> list[np.ndarray]:
        """The sample indices of each batch of one pass (drawing a new order when shuffling)."""
        n = len(self.dataset)
        order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        size = 1 if self.batch_size is None else self.batch_size
        out = [order[i : i + size] for i in range(0, n, size)]
        return out[:-1] if self.drop_last and out and len(out[-1]) < size else out

    def __iter__(self) -> Iterator[Any]:
        for idx in self.batches():
            if self.batch_size is None:
                yield self.dataset[int(idx[0])]
            elif self.collate_fn is None and isinstance(self.dataset, TensorDataset):
                yield self.dataset.rows(idx)
            else:
                yield (self.collate_fn or default_collate)([self.dataset[int(i)] for i in idx])

    def __repr__(self) -> str:
        return (
            f"DataLoader({len(self.dataset)} samples, batch_size={self.batch_size}, shuffle={self.shuffle}"
            f"{', drop_last=True' if self.drop_last else ''})"
        )
