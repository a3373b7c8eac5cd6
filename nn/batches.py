"""The batches :func:`nn.fit` trains on: from arrays (shuffled from a seed) or from a DataLoader, and their accuracy."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from autograd import Tensor, no_grad

from .checks import check_inputs
from .data import DataLoader, TensorDataset
from .metrics import EvalMode, forward_batch, label_mode, model_input, score_accuracy, score_array

__all__ = [
    "Batches",
    "array_batches",
    "loader_arrays",
    "loader_batches",
    "output_width",
    "label_array",
    "epoch_accuracy",
]

#: Called once per epoch, gives that epoch's ``(inputs, targets)`` batches.
Batches = Callable[[], Iterable[tuple[Any, Any]]]


def array_batches(
    model: Any, engine: str, X: np.ndarray, y: np.ndarray, size: int | None = None, rng: Any = None
) -> Batches:
    """Batches of the rows of ``(X, y)``: all at once, or ``size`` at a time in a new random order each epoch."""

    def batches() -> Iterator[tuple[Any, np.ndarray]]:
        n = X.shape[0]
        if size is None or size >= n or rng is None:
            order = [np.arange(n)]
        else:
            perm = rng.permutation(n)
            order = [perm[i : i + size] for i in range(0, n, size)]
        for idx in order:
            yield model_input(model, engine, X[idx]), y[idx]

    return batches


def loader_arrays(loader: DataLoader, where: str, nin: int | None) -> tuple[np.ndarray, np.ndarray | None]:
    """A loader's TensorDataset's inputs (checked) and labels, or for another dataset one sample's inputs and None."""
    ds = loader.dataset
    if isinstance(ds, TensorDataset):
        if len(ds.tensors) < 2:
            raise ValueError(f"{where}: the DataLoader's TensorDataset needs inputs and targets (2 tensors)")
        X = ds.tensors[0].data
        return (check_inputs(X, where, nin) if X.ndim == 2 else X), ds.tensors[1].data
    if len(ds) == 0:
        raise ValueError(f"{where}: the DataLoader's dataset is empty")
    first = ds[0]
    if not isinstance(first, (tuple, list)) or len(first) < 2:
        raise TypeError(f"{where}: each sample of the DataLoader's dataset must be (inputs, target)")
    x0 = first[0].data if isinstance(first[0], Tensor) else np.asarray(first[0])
    return x0[None], None


def loader_batches(model: Any, engine: str, loader: DataLoader) -> Batches:
    """The batches of a DataLoader, each checked to be ``(inputs, targets)``."""

    def batches() -> Iterator[tuple[Any, Any]]:
        for batch in loader:
            if not isinstance(batch, (tuple, list)) or len(batch) < 2:
                raise TypeError(
                    f"fit: each batch of the DataLoader must be (inputs, targets), got {type(batch).__name__}"
                )
            yield model_input(model, engine, batch[0]), batch[1]

    return batches


def output_width(model: Any, engine: str, X: np.ndarray, where: str) -> int:
    """``model.nout``, or the width of its output for the first sample (run in eval mode without a graph)."""
    nout = getattr(model, "nout", None)
    if isinstance(nout, numbers.Integral) and not isinstance(nout, bool):
        return int(nout)
    with no_grad(), EvalMode(model):
        return int(score_array(forward_batch(model, engine, model_input(model, engine, X[:1]), where)).shape[1])


def label_array(y: Any) -> np.ndarray:
    """Targets as an array (a Tensor's data)."""
    return np.asarray(y.data if isinstance(y, Tensor) else y)


def epoch_accuracy(scores: list[np.ndarray], labels: list[np.ndarray], nout: int, threshold: float) -> float:
    """The accuracy over an epoch's batches (nan when the targets are not class labels)."""
    if not scores:
        return float("nan")
    s = np.concatenate(scores)
    y = np.concatenate([lab.reshape(len(lab), -1) if lab.ndim > 1 else lab for lab in labels])
    return score_accuracy(s, y, label_mode(y, nout), threshold)
