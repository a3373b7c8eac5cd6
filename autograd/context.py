"""The context every new node reads: its stage path, whether grad mode is on, whether anomalies are checked.

One context variable holds all three, so a node builder reads it once per op;
:mod:`autograd.stages` and :mod:`autograd.modes` are the only writers.  Being a
``ContextVar``, it is per thread and per async task.
"""

from __future__ import annotations

from contextvars import ContextVar

__all__ = ["CTX", "Ctx"]

# NOTE: a plain tuple, not a NamedTuple: node builders unpack it on every op, and
# CPython's specialised unpacking and indexing only apply to exact tuples (a
# NamedTuple cost about 20 ns more an op).
Ctx = tuple[tuple[str, ...], bool, bool]
"""(stage path, grad mode on, anomaly detection on)."""

CTX: ContextVar[Ctx] = ContextVar("layergrad", default=((), True, False))  # noqa: B039 (an immutable tuple)
