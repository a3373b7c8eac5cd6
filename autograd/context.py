"""The context every new node reads: its stage path, whether grad mode is on, whether anomalies are checked.

One context variable holds all three, so a node builder reads it once per op;
:mod:`autograd.stages` and :mod:`autograd.modes` are the only writers.  Being a
``ContextVar``, it is per thread and per async task.

A block (``stage``, ``no_grad``, ...) enters with :func:`enter`, which keeps
the context it replaces inside the new one, and leaves with :func:`leave`,
which goes back to it.  So the objects that open blocks hold no state of their
own: one ``no_grad()`` object can be entered by many threads at once, and
re-entered, and a block left by an exception or an interrupt restores exactly
what it replaced.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

__all__ = ["CTX", "Ctx", "enter", "leave"]

# NOTE: a plain tuple, not a NamedTuple: node builders unpack it on every op, and
# CPython's specialised unpacking and indexing only apply to exact tuples (a
# NamedTuple cost about 20 ns more an op).
Ctx = tuple[tuple[str, ...], bool, bool, Any]
"""(stage path, grad mode on, anomaly detection on, the context this one replaced or None)."""

CTX: ContextVar[Ctx] = ContextVar("layergrad", default=((), True, False, None))  # noqa: B039 (an immutable tuple)

_get, _set = CTX.get, CTX.set


def enter(path: tuple[str, ...], grad: bool, anomaly: bool) -> None:
    """Open a block: the context becomes ``(path, grad, anomaly)`` until :func:`leave`.

    Examples
    --------
    >>> enter(("a",), False, False)
    >>> CTX.get()[:3]
    (('a',), False, False)
    >>> leave()
    >>> CTX.get()[:3]
    ((), True, False)
    """
    _set((path, grad, anomaly, _get()))


def leave() -> None:
    """Close the innermost block: the context goes back to the one it replaced.

    An interrupt (Ctrl-C) that lands while the context is being put back is
    held until it is, then raised: a block never leaves its mode behind.
    """
    pending: BaseException | None = None
    while True:
        try:
            parent = _get()[3]
            if parent is not None:
                _set(parent)
            break
        except BaseException as e:  # NOTE: KeyboardInterrupt between the two calls: finish, then raise
            pending = e
    if pending is not None:
        raise pending
