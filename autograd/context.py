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

import signal
from contextvars import ContextVar
from typing import Any

__all__ = ["CTX", "Ctx", "enter", "leave"]

# NOTE: a plain tuple, not a NamedTuple: node builders unpack it on every op, and
# CPython's specialised unpacking and indexing only apply to exact tuples (a
# NamedTuple cost about 20 ns more an op).
Ctx = tuple[tuple[str, ...], bool, bool, Any, Any]
"""(stage path, grad mode on, anomaly detection on, the context this one replaced or None, the block's owner)."""

CTX: ContextVar[Ctx] = ContextVar("layergrad", default=((), True, False, None, None))  # noqa: B039 (immutable)

_get, _set = CTX.get, CTX.set


def enter(owner: Any, path: tuple[str, ...], grad: bool, anomaly: bool) -> None:
    """Open ``owner``'s block: the context becomes ``(path, grad, anomaly)`` until ``owner`` leaves.

    Examples
    --------
    >>> block = object()
    >>> enter(block, ("a",), False, False)
    >>> CTX.get()[:3]
    (('a',), False, False)
    >>> leave(block)
    >>> CTX.get()[:3]
    ((), True, False)
    """
    parent = _get()
    try:
        _set((path, grad, anomaly, parent, owner))
    except BaseException:
        # NOTE: an interrupt checked right after the set: the with-statement never
        # started, so no exit will come; undo before passing it on
        _set(parent)
        raise


def leave(owner: Any, *exc: object) -> None:
    """Close ``owner``'s innermost block: the context goes back to the one that block replaced.

    Blocks opened inside it whose exit never ran (an interrupt at the very
    start of their ``__exit__``) are closed with it.  An interrupt that lands
    while the context is being put back is held until it is, then raised.
    Context managers use this function itself as their ``__exit__``, so that
    leaving costs one Python call: fewer places for an interrupt to land.
    """
    pending: BaseException | None = None
    while True:
        try:
            ctx = _get()
            found = ctx
            while found[3] is not None and found[4] is not owner:
                found = found[3]
            if found[3] is not None:
                _set(found[3])
            elif ctx[3] is not None:  # not opened by owner (misuse): close the innermost block
                _set(ctx[3])
            break
        except BaseException as e:  # NOTE: KeyboardInterrupt while restoring: finish, then raise it
            pending = e
    if pending is not None:
        raise pending
    if _pending:
        _raise_pending()


# --------------------------------------------------------------------------
# Ctrl-C.  Python raises KeyboardInterrupt at the next check between
# instructions, and one such check is the very start of every Python function:
# an interrupt that lands at the start of ``leave`` (a with-statement's exit)
# would leave the block's mode on for good.  So the SIGINT handler, when it is
# Python's default one, is wrapped: an interrupt that lands inside ``leave`` is
# held and raised as it finishes, with the context already right.  (Entering
# needs no help: an interrupt right after the set is caught there and undone.)
# --------------------------------------------------------------------------

_pending: list[tuple[int, Any]] = []
_CRITICAL = (leave.__code__,)


def _raise_pending() -> None:
    """Raise the interrupt held while a block was entered or left."""
    signum, frame = _pending.pop()
    _pending.clear()
    signal.default_int_handler(signum, frame)


def _on_sigint(signum: int, frame: Any) -> None:
    """Python's default Ctrl-C handler, except inside ``leave``: there, held until it finishes."""
    if frame is not None and frame.f_code in _CRITICAL:
        _pending.append((signum, frame))
        return
    signal.default_int_handler(signum, frame)


def _install() -> None:
    """Wrap the SIGINT handler if it is Python's default (only the main thread can; others keep theirs)."""
    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _on_sigint)
    except (ValueError, OSError, AttributeError):  # not the main thread, or no signals here
        pass


_install()
