"""Gradient hooks and retained gradients, kept in a side table keyed by node that backward consults only when non-empty.

A node has no slot for hooks (every node would pay for it, and the scalar
engine makes tens of thousands per step): ``node.register_hook(fn)`` and
``node.retain_grad()`` write an entry here instead.  While the table is empty,
``backward()`` runs its tuned loop; otherwise it runs the general loop
(:func:`autograd.backprop.propagate`), which calls each hook on the node's
complete gradient, as PyTorch does:

- a hook ``fn(grad)`` gets the gradient as a node of the node's engine (a
  constant ``Value``/``Tensor``, or a node of the recorded graph under
  ``create_graph=True``) and may return a replacement (a node, a number or an
  array) or None to keep it;
- hooks run in the order they were registered; a leaf's hooks run once, on
  the sum of all that reaches it, before it is added into ``.grad``;
- a retained node (``retain_grad()``) keeps the gradient *after* its hooks,
  and accumulates it across passes like a leaf, also under
  ``autograd.grad``.

An entry keeps its node alive, so entries do not outlive their use: a
handle's ``remove()`` deletes its hook, and a backward pass that does not
retain its graph drops the entries of the interior nodes it went through
(PyTorch frees that graph; its hooks could never run again).  A leaf's hooks
stay until removed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from .ops import OPS

__all__ = [
    "RemovableHandle",
    "register_hook",
    "retain_grad",
    "retains_grad",
    "hooks_of",
    "TABLE",
    "forget",
    "add_hook",
    "tap",
]


class _Entry:
    """One node's hooks (by handle id, in registration order) and whether it retains its gradient."""

    __slots__ = ("hooks", "retain")

    def __init__(self) -> None:
        self.hooks: dict[int, Callable[[Any], Any]] = {}
        self.retain = False


TABLE: dict[Any, _Entry] = {}
"""node -> its hooks and retain flag; empty for almost every program (so backward takes its fast path)."""

_ids = itertools.count()


class RemovableHandle:
    """What ``register_hook`` (and a module's ``register_*_hook``) returns: ``remove()`` takes the hook off again.

    Examples
    --------
    >>> from autograd import Value
    >>> x = Value(2.0)
    >>> h = x.register_hook(lambda g: g * 10)
    >>> (x * x).backward()
    >>> x.grad
    40.0
    >>> h.remove()
    >>> x.zero_grad(); (x * x).backward(); x.grad
    4.0
    """

    __slots__ = ("_table", "_key", "_id")

    def __init__(self, table: Any, key: Any, hook_id: int) -> None:
        self._table = table  # TABLE (key: a node), or a dict of hooks by id (key: None)
        self._key = key
        self._id = hook_id

    def remove(self) -> None:
        """Remove the hook (doing nothing if it is gone already)."""
        if self._key is None:
            self._table.pop(self._id, None)
            return
        entry = self._table.get(self._key)
        if entry is not None:
            entry.hooks.pop(self._id, None)
            if not entry.hooks and not entry.retain:
                del self._table[self._key]

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def register_hook(node: Any, hook: Callable[[Any], Any]) -> RemovableHandle:
    """Call ``hook(grad)`` whenever a gradient for ``node`` is computed; it may return a replacement.

    Examples
    --------
    >>> from autograd import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> h = x.register_hook(lambda g: g * 0.5)
    >>> (x * x).sum().backward()
    >>> x.grad.tolist()
    [1.0, 2.0]
    >>> h.remove()   # a leaf's hook stays until removed
    """
    if not callable(hook):
        raise TypeError(f"register_hook: expected a function of the gradient, got {type(hook).__name__}")
    if not node.requires_grad:
        raise RuntimeError(
            "register_hook: cannot register a hook on a node that does not require grad "
            "(a constant, or a result made under no_grad)"
        )
    entry = TABLE.get(node)
    if entry is None:
        entry = TABLE[node] = _Entry()
    hook_id = next(_ids)
    entry.hooks[hook_id] = hook
    return RemovableHandle(TABLE, node, hook_id)


def add_hook(hooks: dict[int, Any], hook: Callable[..., Any]) -> RemovableHandle:
    """Add ``hook`` to a plain dict of hooks (a module's), returning its handle.

    Examples
    --------
    >>> hooks = {}
    >>> h = add_hook(hooks, print)
    >>> len(hooks), (h.remove(), len(hooks))[1]
    (1, 0)
    """
    if not callable(hook):
        raise TypeError(f"register hook: expected a function, got {type(hook).__name__}")
    hook_id = next(_ids)
    hooks[hook_id] = hook
    return RemovableHandle(hooks, None, hook_id)


def tap(node: Any, fn: Callable[[Any], Any]) -> Any:
    """The identity of ``node`` as a new node whose gradient passes through ``fn`` on its way back (the ``tap`` row).

    ``fn`` gets the gradient as the backward pass computes it (numbers, or a
    node under ``create_graph=True``) and returns what goes on.  The hook
    lives in the new node, so it goes when the graph goes: this is how a
    module's backward hook sees the gradients of its inputs and outputs.

    Examples
    --------
    >>> from autograd import Value
    >>> x = Value(3.0)
    >>> seen = []
    >>> y = tap(x, lambda g: (seen.append(g), g * 2)[1]) * 5.0
    >>> y.backward()
    >>> seen, x.grad
    ([5.0], 10.0)
    """
    return node._unary(OPS["tap"], fn)


def retain_grad(node: Any) -> None:
    """Make interior ``node`` keep (and accumulate) its gradient in ``.grad``, as a leaf does.

    Examples
    --------
    >>> from autograd import Tensor
    >>> x = Tensor([3.0], requires_grad=True)
    >>> y = x * x
    >>> y.retain_grad()
    >>> (y * 2.0).sum().backward(create_graph=True)
    >>> y.grad.tolist(), y.retains_grad
    ([2.0], True)
    """
    if not node.requires_grad:
        raise RuntimeError("retain_grad: cannot retain the gradient of a node that does not require grad")
    if node._row is None:  # a leaf keeps its gradient anyway (PyTorch: a no-op)
        return
    entry = TABLE.get(node)
    if entry is None:
        entry = TABLE[node] = _Entry()
    entry.retain = True


def retains_grad(node: Any) -> bool:
    """Whether ``retain_grad()`` was called on interior ``node`` (and its entry is still kept)."""
    entry = TABLE.get(node)
    return entry is not None and entry.retain


def hooks_of(node: Any) -> _Entry | None:
    """``node``'s entry, or None."""
    return TABLE.get(node)


def forget(nodes: Any) -> None:
    """Drop the entries of these interior nodes (their graph is done with: see the module docstring)."""
    for node in nodes:
        if node in TABLE and node._row is not None:
            del TABLE[node]
