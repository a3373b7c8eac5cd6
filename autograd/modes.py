"""Grad modes: whether operations are recorded (``no_grad``/``enable_grad``) and checked (``detect_anomaly``)."""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np

from .context import CTX as _CTX
from .context import enter, leave

__all__ = ["no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "AnomalyError", "is_finite", "raise_anomaly"]

F = TypeVar("F", bound=Callable[..., Any])


class _GradMode:
    """Context manager and decorator that sets whether operations are recorded.

    The object keeps no state: the context it replaces is kept in the new
    context (see :mod:`autograd.context`), so one object can be used by many
    threads at once and entered again while it is active.
    """

    __slots__ = ()
    _enabled = True

    def __enter__(self) -> None:
        parent = _CTX.get()
        try:  # autograd.context.enter, inlined
            _CTX.set((parent[0], self._enabled, parent[2], parent, self))
        except BaseException:  # NOTE: an interrupt right after the set: undo, no exit will come
            _CTX.set(parent)
            raise

    __exit__ = leave  # NOTE: the function itself: one Python call to leave, one place for an interrupt

    def __call__(self, fn: F) -> F:
        mode = type(self)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mode():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Record nothing inside: results are leaves that do not require grad.

    Use it for evaluation and for parameter updates.  Works as a context
    manager and as a decorator.

    Examples
    --------
    >>> from autograd import Value, no_grad
    >>> a = Value(2.0)
    >>> with no_grad():
    ...     b = a * 3
    >>> b.requires_grad, b._prev
    (False, ())
    """

    _enabled = False


class enable_grad(_GradMode):
    """Record operations again inside a :class:`no_grad` block.

    Examples
    --------
    >>> from autograd import Value, no_grad, enable_grad
    >>> with no_grad():
    ...     with enable_grad():
    ...         b = Value(2.0) * 3
    >>> b.requires_grad
    True
    """

    _enabled = True


def is_grad_enabled() -> bool:
    """Whether operations are being recorded right now.

    Examples
    --------
    >>> is_grad_enabled()
    True
    >>> with no_grad():
    ...     is_grad_enabled()
    False
    """
    return _CTX.get()[1]


class AnomalyError(FloatingPointError):
    """Raised inside :func:`detect_anomaly` when an op produces NaN or inf."""


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first op whose forward or backward gives NaN or inf.

    The error names the op, its stage path and a summary of its inputs.

    Examples
    --------
    >>> from autograd import Value, detect_anomaly
    >>> with detect_anomaly():
    ...     Value(-1.0).log()
    Traceback (most recent call last):
    ...
    autograd.modes.AnomalyError: forward of 'log' at stage () produced nan; inputs: [-1.0]
    """
    path, grad, _, _, _ = _CTX.get()
    owner = object()
    enter(owner, path, grad, True)
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        leave(owner)


def is_finite(x: Any) -> bool:
    """Whether a float or every element of an array is finite."""
    if isinstance(x, float):
        return math.isfinite(x)
    return bool(np.all(np.isfinite(x)))


def _summary(x: Any) -> str:
    if isinstance(x, np.ndarray):
        if x.size <= 6:
            return np.array2string(x, precision=4)
        return f"array{x.shape} {x.dtype} min={np.nanmin(x):.4g} max={np.nanmax(x):.4g} nan={int(np.isnan(x).sum())}"
    return repr(x)


def raise_anomaly(kind: str, node: Any, value: Any) -> None:
    """Raise :class:`AnomalyError` for ``node``'s ``kind`` ("forward"/"backward") result ``value``."""
    op = node._row
    if op is None:  # pragma: no cover - unreachable: every caller links the op first
        raise AssertionError("_anomaly: the node has no op")
    inputs = [p.data for p in node._parents] + list(node._meta)
    raise AnomalyError(
        f"{kind} of {op.name!r} at stage {node.stage!r} produced "
        f"{'nan' if np.any(np.isnan(value)) else 'inf'}; inputs: "
        f"[{', '.join(_summary(x) for x in inputs)}]"
    )
