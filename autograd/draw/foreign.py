"""Other libraries' micrograd-style values (``data``, ``grad``, ``_prev``, ``_op``) seen as the renderer's nodes.

micrograd's own ``Value``, the one a learner builds in Karpathy's lecture, or
any class with those attributes can be drawn: :func:`adopt` mirrors its graph
in :class:`Foreign` nodes, which carry what the renderer reads from a
layergrad node (an op row for ``_op``, no stage).  micrograd keeps its
parents in a set, so their order is the set's.
"""

from __future__ import annotations

from typing import Any

from ..node import Node
from ..ops import Op, custom


def is_micrograd_like(x: Any) -> bool:
    """Whether ``x`` looks like a micrograd value: it has ``data`` and ``_prev``.

    Examples
    --------
    >>> from autograd import Value
    >>> class Mine:
    ...     def __init__(self, data, _children=()):
    ...         self.data, self.grad, self._prev, self._op = data, 0.0, set(_children), ""
    >>> is_micrograd_like(Mine(1.0)), is_micrograd_like(Value(1.0)), is_micrograd_like(1.0)
    (True, True, False)
    """
    return hasattr(x, "_prev") and hasattr(x, "data")


class Foreign:
    """A node of another library's graph, as the renderer reads a node.

    ``op`` (``_row``) is ``None`` for a value without parents, else a row made by
    :func:`autograd.ops.custom` that shows ``_op``; ``grad`` is None when the
    value has none.
    """

    __slots__ = ("data", "grad", "_prev", "_row", "_meta", "stage", "label", "requires_grad")

    def __init__(self, value: Any, prev: tuple[Foreign, ...]) -> None:
        self.data = value.data
        self.grad = getattr(value, "grad", None)
        self._prev = prev
        self._row: Op | None = custom(str(getattr(value, "_op", "") or "")) if prev else None
        self._meta: tuple[Any, ...] = ()
        self.stage: tuple[str, ...] = ()
        label = getattr(value, "label", "")
        self.label = label if isinstance(label, str) else str(label)
        self.requires_grad = self.grad is not None

    @property
    def op(self) -> Op | None:
        """The row shown for it (the renderer reads ``_row``, as it does on layergrad's nodes)."""
        return self._row


def adopt(roots: list[Any]) -> list[Any]:
    """The roots, with every non-layergrad value replaced by a :class:`Foreign` mirror of its graph.

    Layergrad nodes are returned as they are.  The walk is iterative, so a
    graph of any depth can be mirrored; a value reached twice is mirrored once.

    Examples
    --------
    >>> class Mine:
    ...     def __init__(self, data, _children=(), _op=""):
    ...         self.data, self.grad, self._prev, self._op = data, 0.0, tuple(_children), _op
    >>> a = Mine(2.0)
    >>> y = Mine(4.0, (a, a), "*")
    >>> [m] = adopt([y])
    >>> m.op.short, len(m._prev), m._prev[0] is m._prev[1], m._prev[0].op
    ('*', 2, True, None)
    """
    if all(isinstance(r, Node) for r in roots):
        return roots
    mirror: dict[int, Foreign] = {}
    out: list[Any] = []
    for root in roots:
        if isinstance(root, Node):
            out.append(root)
            continue
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            value, ready = stack.pop()
            key = id(value)
            if key in mirror:
                continue
            parents = tuple(value._prev)
            if ready:
                mirror[key] = Foreign(value, tuple(mirror[id(p)] for p in parents))
                continue
            stack.append((value, True))
            stack.extend((p, False) for p in parents if id(p) not in mirror)
        out.append(mirror[id(root)])
    return out
