"""Released data: what a big graph lets go of after backward, the stand-in it leaves, and how to recognise it.

:func:`release` replaces the data of an intermediate node
that only its freed graph still refers to by a read-only broadcast of one
shared NaN (or 0) per dtype: the same shape and dtype, no memory.  Whatever
reads a node's values (``Tensor.numpy()``, ``repr``, the drawings) asks
:func:`is_released` first and says "released" instead of showing NaN
statistics.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .hooks import TABLE
from .node import MANY, Node, builder
from .ops import OPS

__all__ = [
    "release",
    "releasing",
    "RELEASE_FROM",
    "stand_in",
    "is_released",
    "released_error",
    "POOL",
    "take",
    "recycle",
    "clear_pool",
    "let_go_of",
]

#: Arrays let go by the last release, by ``(shape, dtype)``, that the next forward pass writes its results
#: into (``out=``) instead of asking the allocator for fresh pages.  Emptied at every release
#: (:func:`clear_pool` empties it by hand).
POOL: dict[tuple[tuple[int, ...], np.dtype], list[np.ndarray]] = {}

#: At most this many bytes are kept in :data:`POOL`; a bigger graph's other arrays are freed.
POOL_BYTES = 256 << 20

_FILLS: dict[np.dtype, np.ndarray] = {}  # dtype -> the one 0-d array every stand-in of that dtype views


def stand_in(d: np.ndarray) -> np.ndarray:
    """A read-only array of ``d``'s shape and dtype that costs no memory and :func:`is_released` recognises.

    Examples
    --------
    >>> s = stand_in(np.ones((2, 3), dtype=np.float32))
    >>> s.shape, s.dtype, s.strides, is_released(s)
    ((2, 3), dtype('float32'), (0, 0), True)
    """
    fill = _FILLS.get(d.dtype)
    if fill is None:
        fill = np.array(np.nan if d.dtype.kind in "fc" else 0, dtype=d.dtype)
        fill = _FILLS.setdefault(d.dtype, fill)
    return np.broadcast_to(fill, d.shape)


def is_released(x: Any) -> bool:
    """Whether ``x`` (a node or an array) holds data released after backward (see :func:`stand_in`).

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> x = Tensor(np.ones(600_000), requires_grad=True)  # big enough to keep no interior gradients
    >>> loss = ((x * 2.0) * 3.0).sum()
    >>> loss.backward()
    >>> is_released(loss._a._a), is_released(loss), is_released(x)
    (True, False, False)
    """
    d = x if type(x) is np.ndarray else getattr(x, "data", None)
    if type(d) is not np.ndarray:
        return False
    base = d.base
    return base is not None and base is _FILLS.get(d.dtype)


def released_error(where: str, shape: Any) -> RuntimeError:
    """The error raised by whatever is asked for the values of a released node.

    Examples
    --------
    >>> print(released_error("numpy", (3,)))  # doctest: +ELLIPSIS
    numpy: the data of this intermediate tensor (shape (3,)) was released after backward() ...
    """
    return RuntimeError(
        f"{where}: the data of this intermediate tensor (shape {tuple(shape)}) was released after backward() "
        "(a graph too big to keep its interior gradients lets go of intermediate values nothing else holds, "
        "as PyTorch does). Keep a reference to it before backward(), call retain_grad() on it, or call "
        "backward(retain_graph=True) to keep its data"
    )


def recycle(d: np.ndarray) -> None:
    """Keep ``d`` (an array nothing else refers to any more) for the next forward pass to write into.

    >>> clear_pool(); recycle(np.zeros(2)); take((2,), np.dtype(np.float64)) is not None
    True
    """
    POOL.setdefault((d.shape, d.dtype), []).append(d)


def take(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | None:
    """A recycled array of this shape and dtype, now the caller's, or None.

    Examples
    --------
    >>> recycle(np.ones(3))
    >>> take((3,), np.dtype(np.float64)).shape, take((3,), np.dtype(np.float64))
    ((3,), None)
    """
    free = POOL.get((shape, dtype))
    if free:
        try:
            return free.pop()
        except IndexError:  # another thread took the last one
            return None
    return None


def clear_pool() -> None:
    """Give every recycled array back to the allocator.

    >>> recycle(np.zeros(2)); clear_pool(); take((2,), np.dtype(np.float64)) is None
    True
    """
    POOL.clear()


#: Interior data of at least this many elements is let go by :func:`release`.
RELEASE_FROM = 4096

_refcount = getattr(sys, "getrefcount", None)  # None (PyPy): never release
_counting: bool | None = None  # does _unheld tell held nodes from unheld ones here? (None: not checked yet)


def releasing(cls: type[Node]) -> bool:
    """Whether :func:`release` lets go of data in this interpreter: its reference counting passed :func:`_self_check`.

    Examples
    --------
    >>> from autograd import Tensor
    >>> releasing(Tensor)  # CPython 3.10 and 3.11: the counts are exact
    True
    """
    global _counting
    if _counting is None:
        _counting = _self_check(cls)
    return _counting


def _self_check(cls: type[Node]) -> bool:
    """Run :func:`_unheld` on sentinel nodes held and not held in known ways; True only if both answers are right.

    The count :func:`_unheld` relies on is CPython's (3.10, 3.11): a node held
    only by its graph has exactly the references the graph makes.  Another
    interpreter may count differently (immortal objects, borrowed references
    on the stack, no reference counts at all); a node the program holds would
    then get NaN data, so a wrong answer here switches releasing off.
    """
    if _refcount is None:
        return False
    make = builder(cls)
    row = OPS["neg"]

    def node(a: Node, b: Node | None) -> Node:
        out = make(None, None, None, (), np.zeros(RELEASE_FROM), False)
        out._a, out._b, out._row = a, b, row
        return out

    leaf = make(None, None, None, (), np.zeros(RELEASE_FROM), False)
    held = node(leaf, None)  # held by this local variable
    order = [held]
    order.append(node(order[0], None))  # held only by its child: an edge
    order.append(node(order[1], order[1]))  # held only by its child, twice
    order.append(node(order[2], None))  # the root
    boxed = [node(order[3], None)]  # held by a list
    order.append(boxed[0])
    order.append(node(order[4], None))
    alone = np.zeros(1)
    shared = np.zeros(1)
    box = [shared]
    try:
        return _unheld(order, {id(order[-1])}) == [1, 2, 3] and _alone(alone) and not _alone(box[0])
    except Exception:  # a count that is not an int, a missing function: do not release
        return False


def _unheld(order: list[Node], skip: set[int]) -> list[int]:
    """The positions in ``order`` of big-data nodes nothing but the graph holds (``skip``: ids never released)."""
    edges = _edges(order)
    refcount = _refcount
    found: list[int] = []
    for i in range(len(order)):
        node = order[i]
        d = node.data
        if type(d) is not np.ndarray or d.size < RELEASE_FROM or id(node) in skip or node in TABLE:
            continue
        # NOTE: the references counted: the graph's edges, the order list, `node` here and
        # getrefcount's argument; one more means the program holds the node (checked by _self_check)
        if refcount(node) <= edges.get(id(node), 0) + 3:  # type: ignore[misc]
            found.append(i)
    return found


def release(order: list[Node], roots: Any = ()) -> None:
    """After a pass that freed a big tensor graph: let go of interior data that only the graph holds.

    PyTorch frees an intermediate result as soon as nothing but its graph
    refers to it.  Here a node *is* its result, and its children refer to it,
    so after backward a node that nobody else holds (no variable, no hook
    entry) gets a stand-in of the same shape and dtype that costs no memory
    (:func:`autograd.released.stand_in`, recognised by :func:`is_released`),
    and its array goes back to the allocator, or, a float array nothing
    else refers to, into :data:`POOL` (up to :data:`POOL_BYTES`) for the
    next forward pass to write into.  Nodes of fewer than
    :data:`RELEASE_FROM` elements, the ``roots`` and nodes the program still
    holds keep their data.  Only called for graphs that keep no interior
    gradients (:func:`keeps_interior_grads`).  "Holds" is read from reference
    counts; where they cannot be trusted (:func:`releasing` is False), nothing
    is released.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> x = Tensor(np.ones(5000), requires_grad=True)
    >>> kept = x * 2.0
    >>> loss = ((kept + 1.0) * 3.0).sum()
    >>> release([kept, loss._a._a, loss._a, loss], [loss])
    >>> is_released(loss._a._a), float(kept.data[0]), loss.item()
    (True, 2.0, 45000.0)
    """
    if not order or not releasing(type(order[0])):
        return
    clear_pool()  # what the last pass let go and the forward since did not reuse goes back to the allocator
    room = POOL_BYTES
    for i in _unheld(order, {id(r) for r in roots}):
        node = order[i]
        d = node.data
        node.data = stand_in(d)
        if _poolable(d, room) and _alone(d):  # NOTE: _alone counts this function's own reference to d
            recycle(d)
            room -= d.nbytes
    for node in order:  # a fused node's steps (autograd.fused) let go of what their nodes would have
        if node._b is MANY and node._row.fused is not None:  # type: ignore[union-attr]
            kept = node._meta[0].let_go(RELEASE_FROM)
            while kept:
                d = kept.pop()
                if _poolable(d, room) and _alone(d):
                    recycle(d)
                    room -= d.nbytes


def _poolable(d: np.ndarray, room: int) -> bool:
    """Whether released array ``d`` may go into :data:`POOL` (with ``room`` bytes left): a whole, writable,
    C-contiguous float array (that nothing else holds: :func:`_alone`, asked by the caller)."""
    return d.nbytes <= room and d.base is None and d.dtype.kind == "f" and d.flags.c_contiguous and d.flags.writeable


def let_go_of(holder: Any, names: tuple[str, ...], least: int) -> list[np.ndarray]:
    """Set ``holder``'s array attributes ``names`` of at least ``least`` elements to None; return those arrays.

    What a fused node's steps do when their graph is released (the arrays may then be recycled).

    Examples
    --------
    >>> import types
    >>> h = types.SimpleNamespace(a=np.zeros(5), b=np.zeros(2))
    >>> [d.size for d in let_go_of(h, ("a", "b"), 4)], h.a, h.b.size
    ([5], None, 2)
    """
    out = []
    for name in names:
        d = getattr(holder, name)
        if d is not None and d.size >= least:
            setattr(holder, name, None)
            out.append(d)
    return out


def _alone(d: np.ndarray) -> bool:
    """Whether nothing refers to array ``d`` but the caller's one local variable (checked by :func:`_self_check`)."""
    # NOTE: the references counted: the caller's variable, this parameter and getrefcount's argument
    return _refcount(d) <= 3  # type: ignore[misc]


def _edges(order: list[Node]) -> dict[int, int]:
    """``id(node)`` -> how many nodes of ``order`` have it as a parent (in a function: no local outlives it)."""
    edges: dict[int, int] = {}
    for node in order:
        a, b = node._a, node._b
        for p in a if b is MANY else (a, b):
            if p is not None and p._row is not None:
                edges[id(p)] = edges.get(id(p), 0) + 1
    return edges
