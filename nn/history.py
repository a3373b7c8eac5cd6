"""``History``: the loss and accuracy of every epoch of :func:`nn.fit`, and how to show them."""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np

__all__ = ["History", "format_metric"]


def format_metric(key: str, v: float) -> str:
    """A metric as :func:`nn.fit` shows it: accuracies in percent, losses with 4 digits.

    Examples
    --------
    >>> format_metric("val_accuracy", 0.8125), format_metric("loss", 0.123456), format_metric("accuracy", float("nan"))
    ('81.2 %', '0.1235', 'nan')
    """
    if "accuracy" in key:
        return "nan" if math.isnan(v) else f"{100 * v:.1f} %"
    return f"{v:.4g}"


class History:
    """What happened during :func:`fit`, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        The training loss, averaged over the epoch's batches (each measured
        just before its update, as Keras does).
    accuracy : list of float
        The training accuracy (a fraction in [0, 1]) of the same predictions;
        nan when the targets are not class labels (e.g. regression).
    val_loss, val_accuracy : list of float
        Loss and accuracy on the ``validation`` set after each epoch (empty
        without a validation set).
    time : float
        Seconds spent training.
    snapshots : nn.inspect.Snapshots or None
        Copies of the weights, ``(epoch, state_dict)`` pairs, kept when
        :func:`fit` is given ``snapshot_every=k``: epoch 0 (before training),
        every ``k``-th epoch and the last one.  None otherwise.
    record : nn.explore.Recording or None
        The run as :func:`nn.explore` replays it, kept when :func:`fit` is
        given ``record=True`` (or ``record=k``).  None otherwise.

    Examples
    --------
    >>> h = History()
    >>> h.loss += [0.7, 0.4]; h.accuracy += [0.5, 0.75]
    >>> h.epochs
    2
    >>> h
    History(epochs=2, loss=0.4, accuracy=75.0 %, time=0.00 s)
    >>> h.best()
    {'epoch': 2, 'loss': 0.4, 'accuracy': 0.75}
    """

    def __init__(self) -> None:
        self.loss: list[float] = []
        self.accuracy: list[float] = []
        self.val_loss: list[float] = []
        self.val_accuracy: list[float] = []
        self.time = 0.0
        self.snapshots: Any = None
        self.record: Any = None

    @property
    def epochs(self) -> int:
        """How many epochs were run."""
        return len(self.loss)

    def __len__(self) -> int:
        return self.epochs

    def _columns(self) -> list[tuple[str, list[float]]]:
        cols = [("loss", self.loss), ("accuracy", self.accuracy)]
        if self.val_loss:
            cols += [("val_loss", self.val_loss), ("val_accuracy", self.val_accuracy)]
        return cols

    def best(self, metric: str | None = None) -> dict[str, Any]:
        """The epoch with the best ``metric`` and all metrics at that epoch.

        Parameters
        ----------
        metric : str, optional
            ``"loss"``, ``"accuracy"``, ``"val_loss"`` or ``"val_accuracy"``;
            losses are minimised, accuracies maximised.  Default: ``"val_loss"``
            when there is a validation set, else ``"loss"``.

        Returns
        -------
        dict
            ``{"epoch": k (1-based), "loss": ..., "accuracy": ..., ...}``.

        Examples
        --------
        >>> h = History(); h.loss += [0.5, 0.3, 0.4]; h.accuracy += [0.6, 0.8, 0.9]
        >>> h.best("accuracy")["epoch"]
        3
        """
        cols = dict(self._columns())
        metric = metric or ("val_loss" if self.val_loss else "loss")
        if metric not in cols:
            raise ValueError(f"History.best: metric must be one of {list(cols)}, got {metric!r}")
        values = np.asarray(cols[metric], dtype=float)
        if values.size == 0 or np.all(np.isnan(values)):
            raise ValueError(f"History.best: no {metric} was recorded")
        i = int(np.nanargmax(values) if "accuracy" in metric else np.nanargmin(values))
        return {"epoch": i + 1, **{k: v[i] for k, v in cols.items()}}

    def __repr__(self) -> str:
        parts = [f"epochs={self.epochs}"]
        if self.epochs:
            parts += [f"{k}={format_metric(k, v[-1])}" for k, v in self._columns()]
        parts.append(f"time={self.time:.2f} s")
        return f"History({', '.join(parts)})"

    def _repr_html_(self, last: int = 10) -> str:
        cols = self._columns()
        head = "".join(f"<th>{html.escape(k)}</th>" for k in ["epoch"] + [k for k, _ in cols])
        rows = []
        for i in range(max(0, self.epochs - last), self.epochs):
            cells = [str(i + 1)] + [format_metric(k, v[i]) for k, v in cols]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        shown = f", last {min(last, self.epochs)} shown" if self.epochs > last else ""
        return (
            f"<div><b>History</b>: {self.epochs} epochs in {self.time:.2f} s{shown}"
            f"<table><tr>{head}</tr>{''.join(rows)}</table></div>"
        )
