"""Snapshots: copies of the weights during training, and the model as it was at any epoch."""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..checks import check_int, check_module
from ..module import Module

__all__ = ["take_snapshot", "Snapshots", "snapshot_list", "at_epoch", "maybe_at_epoch"]


def take_snapshot(model: Module, epoch: int) -> tuple[int, OrderedDict[str, np.ndarray]]:
    """``(epoch, a copy of the model's weights)``.

    Examples
    --------
    >>> import nn
    >>> net = nn.MLP(2, [1], seed=0)
    >>> epoch, state = take_snapshot(net, 3)
    >>> epoch, list(state)
    (3, ['layers.0.weight', 'layers.0.bias'])
    """
    return int(epoch), check_module(model, "take_snapshot").state_dict()


class Snapshots(list):
    """A list of ``(epoch, state_dict)`` pairs, and the hook that fills it.

    Call it as ``snapshots(model, epoch)`` after each epoch: it keeps a copy
    of the weights when ``epoch`` is a multiple of ``every`` (or when
    ``force=True``, e.g. for the last epoch), never twice for one epoch.
    Epoch 0 means "before training".

    Parameters
    ----------
    every : int, default 1
        Keep every ``every``-th epoch.
    items : iterable of (epoch, state_dict), optional
        Initial content.

    Examples
    --------
    >>> import nn
    >>> net = nn.MLP(2, [1], seed=0)
    >>> snaps = Snapshots(every=2)
    >>> for epoch in range(0, 6):
    ...     _ = snaps(net, epoch, force=(epoch == 5))
    >>> snaps.epochs
    [0, 2, 4, 5]
    >>> snaps.state(4)["layers.0.bias"].shape
    (1,)
    """

    def __init__(self, every: int = 1, items: Any = ()) -> None:
        every = check_int(every, "every", "Snapshots")
        super().__init__((int(e), s) for e, s in items)
        self.every = every

    def __call__(self, model: Module, epoch: int, force: bool = False) -> bool:
        """Keep a snapshot of ``model`` at ``epoch`` if due; return whether one was kept."""
        epoch = int(epoch)
        if not force and epoch % self.every != 0:
            return False
        if self and self[-1][0] == epoch:
            return False
        self.append(take_snapshot(model, epoch))
        return True

    @property
    def epochs(self) -> list[int]:
        """The epochs that have a snapshot, in order."""
        return [e for e, _ in self]

    def state(self, epoch: int) -> OrderedDict[str, np.ndarray]:
        """The weights kept at ``epoch`` (exactly; see :attr:`epochs`)."""
        return _find(self, epoch)

    def restore(self, model: Module, epoch: int) -> contextlib.AbstractContextManager[Module]:
        """A context in which ``model`` has the weights of ``epoch``; see :func:`at_epoch`.

        Examples
        --------
        >>> import nn
        >>> net, snaps = nn.MLP(2, [1], seed=0), Snapshots()
        >>> _ = snaps(net, 0)
        >>> net.layers[0].bias.data[...] = 1.0
        >>> with snaps.restore(net, 0):
        ...     float(net.layers[0].bias.data[0])
        0.0
        """
        return at_epoch(model, self, epoch)

    def __repr__(self) -> str:
        return f"Snapshots(every={self.every}, epochs={self.epochs})"


def snapshot_list(source: Any) -> list[tuple[int, Any]]:
    """The ``(epoch, state_dict)`` pairs of a History (``.snapshots``), a Snapshots or a list.

    Examples
    --------
    >>> snapshot_list([(0, {}), (5, {})])
    [(0, {}), (5, {})]
    """
    items = getattr(source, "snapshots", source)
    if items is None:
        raise ValueError("no snapshots: train with nn.fit(..., snapshot_every=k) to keep them")
    try:
        pairs = [(int(e), s) for e, s in items]
    except (TypeError, ValueError):
        raise TypeError(
            "expected a History with .snapshots, a Snapshots or a list of (epoch, state_dict), "
            f"got {type(source).__name__}"
        ) from None
    if not pairs:
        raise ValueError("no snapshots were kept: train with nn.fit(..., snapshot_every=k)")
    return pairs


def _find(source: Any, epoch: int) -> Any:
    """The state kept at ``epoch`` in ``source``, or a KeyError listing the epochs kept."""
    pairs = snapshot_list(source)
    for e, s in pairs:
        if e == int(epoch):
            return s
    shown = [e for e, _ in pairs]
    more = "" if len(shown) <= 12 else f" ... ({len(shown)} in all)"
    raise KeyError(f"no snapshot for epoch {epoch}; snapshots exist for epochs {shown[:12]}{more}")


@contextlib.contextmanager
def at_epoch(model: Module, snapshots: Any, epoch: int) -> Iterator[Module]:
    """Temporarily give ``model`` the weights it had at ``epoch``.

    The current weights come back when the block ends (also on errors).

    Parameters
    ----------
    model : nn.Module
        The model the snapshots were taken from.
    snapshots : History, Snapshots or list of (epoch, state_dict)
        Where the weights are kept.
    epoch : int
        Which snapshot.

    Examples
    --------
    >>> import numpy as np
    >>> import nn
    >>> net = nn.MLP(2, [1], seed=0)
    >>> snaps = Snapshots()
    >>> _ = snaps(net, 0)
    >>> net.layers[0].bias.data[...] = 7.0
    >>> with at_epoch(net, snaps, 0):
    ...     float(net.layers[0].bias.data[0])
    0.0
    >>> float(net.layers[0].bias.data[0])
    7.0
    """
    state = _find(snapshots, epoch)
    current = model.state_dict()
    model.load_state_dict(state)
    try:
        yield model
    finally:
        model.load_state_dict(current)


def maybe_at_epoch(model: Module, snapshots: Any, epoch: int | None) -> contextlib.AbstractContextManager[Any]:
    """:func:`at_epoch` when ``epoch`` is given, else a context that changes nothing.

    The pictures of :mod:`nn.plot` take ``epoch=`` and ``snapshots=`` through this.

    Examples
    --------
    >>> import nn
    >>> net = nn.MLP(2, [1], seed=0)
    >>> with maybe_at_epoch(net, None, None) as same:
    ...     same is net
    True
    >>> with maybe_at_epoch(net, None, 3):
    ...     pass
    Traceback (most recent call last):
    ...
    ValueError: epoch= needs snapshots=: pass the History of nn.fit(..., snapshot_every=k) or an nn.inspect.Snapshots
    """
    if epoch is None:
        return contextlib.nullcontext(model)
    if snapshots is None:
        raise ValueError(
            "epoch= needs snapshots=: pass the History of nn.fit(..., snapshot_every=k) or an nn.inspect.Snapshots"
        )
    return at_epoch(model, snapshots, epoch)
