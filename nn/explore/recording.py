"""Recording: what ``nn.fit(..., record=...)`` keeps of a run for the explorer page.

A :class:`Recording` holds the model, the data it was trained on, the loss
function, and for every recorded epoch a copy of the weights (an
:class:`nn.inspect.Snapshots`) and each layer's gradient norm after the
epoch's last update.  The per-epoch loss and accuracy stay in the
:class:`nn.History` the recording hangs on (``history.record``).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import numpy as np

from ..checks import check_int
from ..inspect.snapshots import Snapshots

__all__ = ["Recording", "record_every", "layer_grad_norms", "MAX_FRAMES"]

#: ``record=True`` keeps at most about this many epochs (plus epoch 0 and the last).
MAX_FRAMES = 60


def record_every(record: Any, epochs: int, where: str = "fit") -> int | None:
    """The ``every`` of a ``record=`` argument: None (off), True (about :data:`MAX_FRAMES` frames) or an int.

    Examples
    --------
    >>> record_every(None, 100), record_every(True, 600), record_every(True, 10), record_every(5, 100)
    (None, 10, 1, 5)
    >>> record_every("yes", 10)
    Traceback (most recent call last):
    ...
    TypeError: fit: record must be True, False, None or a positive int (every k epochs), got 'yes'
    """
    if record is None or record is False:
        return None
    if record is True:
        return max(1, math.ceil(epochs / MAX_FRAMES))
    if isinstance(record, (bool, np.bool_)) or not isinstance(record, (int, np.integer)):
        raise TypeError(f"{where}: record must be True, False, None or a positive int (every k epochs), got {record!r}")
    return check_int(record, "record", where)


def _layer_modules(model: Any) -> list[Any]:
    """The model's layers that have parameters (the model itself when it has no ``layers``)."""
    mods = list(getattr(model, "layers", None) or [model])
    return [m for m in mods if m.parameters()]


def layer_grad_norms(model: Any) -> OrderedDict[str, float]:
    """The L2 norm of each layer's parameter gradients as they are now (nan where none was computed).

    Examples
    --------
    >>> import nn
    >>> net = nn.MLP(2, [3, 1], seed=0)
    >>> dict(layer_grad_norms(net))
    {'layer 1': nan, 'layer 2': nan}
    """
    out: OrderedDict[str, float] = OrderedDict()
    for m in _layer_modules(model):
        grads = [p.grad for p in m.parameters()]
        if all(g is None for g in grads):
            out[m.name] = math.nan
            continue
        total = sum(float(np.sum(np.square(np.asarray(g, dtype=np.float64)))) for g in grads if g is not None)
        out[m.name] = math.sqrt(total)
    return out


class Recording:
    """A run of :func:`nn.fit` as the explorer replays it: weights and gradient norms per recorded epoch.

    Made by ``nn.fit(model, X, y, record=True)`` (or ``record=k``: every
    ``k``-th epoch) and kept as ``history.record``; epoch 0 (before training)
    and the last epoch are always recorded.

    Attributes
    ----------
    model : nn.Module
        The trained model (the object itself, not a copy).
    X, y : ndarray
        The training data.
    test : (X_test, y_test) or None
        The validation data given to ``fit``.
    loss : callable
        The loss function used.
    snapshots : nn.inspect.Snapshots
        ``(epoch, state_dict)`` per recorded epoch.
    grad_norms : list of dict
        Per recorded epoch, ``layer name -> gradient norm`` after that epoch's
        last update (nan at epoch 0, before any gradient).

    Examples
    --------
    >>> import nn
    >>> X, y = nn.data.circles(60, seed=0)
    >>> h = nn.fit(nn.MLP(2, [4, 1], seed=0), X, y, epochs=5, record=2, progress=False)
    >>> h.record.epochs
    [0, 2, 4, 5]
    >>> sorted(h.record.grad_norms[-1])
    ['layer 1', 'layer 2']
    """

    def __init__(self, model: Any, X: Any, y: Any, test: Any, loss: Any, every: int) -> None:
        self.model, self.X, self.y, self.test, self.loss = model, X, y, test, loss
        self.snapshots = Snapshots(every=every)
        self.grad_norms: list[OrderedDict[str, float]] = []

    @property
    def every(self) -> int:
        """Epochs between two recordings."""
        return int(self.snapshots.every)

    @property
    def epochs(self) -> list[int]:
        """The recorded epochs, in order (0 is before training)."""
        return self.snapshots.epochs

    def __call__(self, model: Any, epoch: int, force: bool = False) -> None:
        """Record ``model`` at ``epoch`` if due (``force``: always, e.g. the last epoch)."""
        if self.snapshots(model, epoch, force=force):
            self.grad_norms.append(layer_grad_norms(model) if epoch > 0 else _nan_norms(model))

    def __repr__(self) -> str:
        return f"Recording(every={self.every}, epochs={len(self.epochs)} recorded, samples={len(self.X)})"


def _nan_norms(model: Any) -> OrderedDict[str, float]:
    """nan for every layer: no gradient exists before the first update."""
    return OrderedDict((m.name, math.nan) for m in _layer_modules(model))
