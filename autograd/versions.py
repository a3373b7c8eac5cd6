"""Version tracking of the tensor engine: which arrays were changed in place, and which recorded ops that breaks.

PyTorch keeps a version counter per storage and raises at backward when a
value an op saved for its gradient has changed since.  Here the same question
is answered with a clock:

- :data:`CLOCK` ticks once per in-place change of a tensor's array
  (:func:`mark_modified`, called by every in-place method and by the
  optimisers), and remembers the tick of the array's last change.  Arrays are
  keyed by the array that owns their memory, so a change through a view counts
  for every tensor that shares the memory, as PyTorch's shared storage does.
- A tensor op node stores the tick it was recorded at (``_born``): one slot on
  ``Tensor`` only, so the scalar engine pays nothing.
- :func:`check_saved` runs before a backward pass of the tensor engine: a node
  whose rules read an input (or its own result) that changed after the node was
  recorded raises PyTorch's error.  Which values a row's rules read is derived
  from the rules themselves (:func:`saved_values`); a rule that only reads
  ``a.shape`` does not save ``a``, as PyTorch's ``sum`` saves only sizes.

Nothing is paid until some array has been changed in place: the check returns
at once while :data:`CLOCK` has no record.
"""

from __future__ import annotations

import dis
import functools
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .ops import Op

__all__ = [
    "CLOCK",
    "Clock",
    "mark_modified",
    "mark_all_modified",
    "mark_again",
    "modified_at",
    "check_saved",
    "saved_values",
    "reads_input",
    "INPLACE_ERROR",
    "unfused_pieces",
]

INPLACE_ERROR = "one of the variables needed for gradient computation has been modified by an inplace operation"


class Clock:
    """The tick counter of in-place changes and the tick of each changed array's last change."""

    __slots__ = ("now", "changed")

    def __init__(self) -> None:
        self.now = 0
        # id(owner array) -> [weak reference to it, tick of its last change]
        self.changed: dict[int, list[Any]] = {}


CLOCK = Clock()
"""The one clock of the tensor engine."""


def _owner(arr: np.ndarray) -> np.ndarray:
    """The array that owns ``arr``'s memory (``arr`` itself when it is not a view)."""
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr


def _forget(key: int, ref: Any) -> None:
    """Drop the record of an array that was freed (a weak-reference callback)."""
    entry = CLOCK.changed.get(key)
    if entry is not None and entry[0] is ref:
        del CLOCK.changed[key]


def mark_modified(arr: np.ndarray) -> None:
    """Record that ``arr`` (and every array sharing its memory) was just changed in place.

    Examples
    --------
    >>> a = np.zeros(3)
    >>> before = modified_at(a[1:])
    >>> mark_modified(a)
    >>> modified_at(a[1:]) > before
    True
    """
    clock = CLOCK
    now = clock.now = clock.now + 1
    _mark_at((arr,), now)


def mark_all_modified(arrays: Sequence[np.ndarray]) -> None:
    """:func:`mark_modified` for several arrays changed at once (one tick: an optimiser's step).

    Examples
    --------
    >>> a, b = np.zeros(2), np.zeros(3)
    >>> mark_all_modified([a, b])
    >>> modified_at(a) == modified_at(b) > 0
    True
    """
    clock = CLOCK
    now = clock.now = clock.now + 1
    _mark_at(arrays, now)


def _mark_at(arrays: Sequence[np.ndarray], now: int) -> None:
    """Set the tick of the last change of each array's memory to ``now``."""
    changed = CLOCK.changed
    for arr in arrays:
        owner = arr if arr.base is None else _owner(arr)
        key = id(owner)
        entry = changed.get(key)
        if entry is not None and entry[0]() is owner:
            entry[1] = now
        elif entry is not None:  # the record of a freed array whose callback has not run yet
            changed[key] = [weakref.ref(owner, functools.partial(_forget, key)), now]
        else:
            # NOTE: setdefault, not a store: another thread may have made a record of owner since the lookup,
            # and kept it (mark_again); that live record stays the clock's, with the later tick
            made = [weakref.ref(owner, functools.partial(_forget, key)), now]
            entry = changed.setdefault(key, made)
            if entry is not made and entry[1] < now:
                entry[1] = now


def mark_again(arrays: Sequence[np.ndarray], records: tuple[list[Any], ...]) -> tuple[list[Any], ...]:
    """:func:`mark_all_modified` for arrays marked step after step (an optimiser's); returns ``records`` for next time.

    ``records`` are the clock's records of the arrays, as this function
    returned them last time (``()`` at first).  When each record still gives
    back its array (through its weak reference, so the array is alive and owns
    its memory), only their ticks are set: no ``id``, no dict lookup.  Other
    arrays are marked as :func:`mark_all_modified` does, and their records are
    returned (``()`` when one is a view, whose record is its owner's).

    NOTE: a record that gives its array back is still the clock's: the clock
    forgets a record only when its array is freed, and replaces one only when
    its weak reference is dead (a record another thread made meanwhile is
    kept, not overwritten: see ``_mark_at``).

    Examples
    --------
    >>> a, b = np.zeros(2), np.zeros(3)
    >>> records = mark_again([a, b], ())
    >>> first = modified_at(a)
    >>> records = mark_again([a, b], records)
    >>> modified_at(a) == modified_at(b) == first + 1
    True
    """
    clock = CLOCK
    now = clock.now = clock.now + 1
    if len(records) == len(arrays):
        for arr, record in zip(arrays, records):
            if record[0]() is not arr:
                break
            record[1] = now
        else:
            return records
    _mark_at(arrays, now)
    changed = clock.changed
    kept = []
    for arr in arrays:
        if arr.base is not None:  # a view: its record is its owner's
            return ()
        kept.append(changed[id(arr)])  # NOTE: just made or set by _mark_at, and arr is alive to keep it
    return tuple(kept)


def modified_at(arr: Any) -> int:
    """The tick of the last in-place change of ``arr``'s memory (0: never changed).

    Examples
    --------
    >>> modified_at(np.ones(2))
    0
    """
    if not isinstance(arr, np.ndarray):
        return 0
    owner = _owner(arr)
    entry = CLOCK.changed.get(id(owner))
    return entry[1] if entry is not None and entry[0]() is owner else 0


# --------------------------------------------------------------------------
# Which values a row's rules read
# --------------------------------------------------------------------------

_METADATA = frozenset({"shape", "ndim", "dtype", "size"})


def _reads(fn: Callable[..., Any]) -> set[str]:
    """The parameters of ``fn`` whose values it reads (``x.shape`` and friends do not count)."""
    code = fn.__code__
    params = set(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    if code.co_flags & 0x04:  # *args: all of them, conservatively
        params.add(code.co_varnames[code.co_argcount + code.co_kwonlyargcount])
    instructions = list(dis.get_instructions(fn))
    used: set[str] = set()
    for i, ins in enumerate(instructions):
        if not ins.opname.startswith("LOAD_FAST") and ins.opname != "LOAD_DEREF":
            continue
        names = ins.argval if isinstance(ins.argval, tuple) else (ins.argval,)
        follower = instructions[i + 1] if i + 1 < len(instructions) else None
        metadata_only = (
            len(names) == 1
            and follower is not None
            and follower.opname in ("LOAD_ATTR", "LOAD_METHOD")
            and follower.argval in _METADATA
        )
        if not metadata_only:
            used.update(n for n in names if n in params)
    for const in code.co_consts:  # a nested lambda or comprehension reading a parameter
        if hasattr(const, "co_freevars"):
            used.update(n for n in const.co_freevars if n in params)
    return used


@functools.cache
def saved_values(op: Op) -> tuple[tuple[bool, frozenset[int] | None], ...]:
    """For each rule of ``op``: whether it reads the result, and which inputs' values it reads (None: all).

    A rule runs only for a parent that requires grad, so only the active
    rules' reads matter: ``x * 2.0`` reads nothing of ``x``.  A variadic op
    has one rule.

    Examples
    --------
    >>> from autograd.ops import OPS
    >>> saved_values(OPS["exp"])              # d exp(a) = g * out
    ((True, frozenset()),)
    >>> saved_values(OPS["mul"])              # g * b for a, g * a for b
    ((False, frozenset({1})), (False, frozenset({0})))
    >>> 0 in saved_values(OPS["sum"])[0][1]   # only a.shape (1 and 2 are the constants axis, keepdims)
    False
    """
    rules = (op.vjp,) if op.variadic else op.vjp
    out: list[tuple[bool, frozenset[int] | None]] = []
    for rule in rules:
        code = getattr(rule, "__code__", None)
        if code is None:  # not a plain function (a partial, a callable object): reads everything
            out.append((True, None if op.saves is None else frozenset(op.saves)))
            continue
        names = code.co_varnames[: code.co_argcount]
        read = _reads(rule)
        out_used = len(names) > 2 and names[2] in read
        if op.saves is not None:
            inputs: frozenset[int] | None = frozenset(op.saves)
        elif op.variadic and code.co_flags & 0x04 and code.co_varnames[code.co_argcount] in read:
            inputs = None  # every input, conservatively
        else:
            inputs = frozenset(i for i, name in enumerate(names[3:]) if name in read)
        out.append((out_used, inputs))
    return tuple(out)


def reads_input(op: Op, i: int) -> bool:
    """Whether any rule of ``op`` reads the value of input ``i`` (e.g. to keep it before an in-place change).

    Examples
    --------
    >>> from autograd.ops import OPS
    >>> reads_input(OPS["mul"], 0), reads_input(OPS["add"], 0)
    (True, False)
    """
    return any(inputs is None or i in inputs for _, inputs in saved_values(op))


def _describe(node: Any, which: str) -> str:
    node._unfuse()  # a fused node (autograd.fused) shows as the nodes it stands for
    data = node.data
    kind = "a leaf" if node._row is None else f"the output of {node._row.name!r}"
    return f"{which} (a {data.dtype} Tensor of shape {tuple(data.shape)}, {kind})"


def check_saved(order: list[Any]) -> None:
    """Raise PyTorch's error if a node in ``order`` needs a value changed in place after it was recorded.

    A fused node (:mod:`autograd.fused`) that fails is unfused and checked as the nodes it stands for, which
    replace it in ``order`` when they pass.

    Examples
    --------
    >>> from autograd import Tensor, no_grad
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> loss = (w * w).sum()
    >>> with no_grad():
    ...     w -= 0.1
    >>> loss.backward()
    Traceback (most recent call last):
    ...
    RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation: ...
    """
    changed = CLOCK.changed
    if not changed or not order:
        return
    now = CLOCK.now
    if min(n._born for n in order) >= now:  # nothing changed since the oldest node was recorded
        return
    i = 0
    while i < len(order):
        node = order[i]
        i += 1
        if node._born >= now:
            continue
        if node._row.fused is not None and node._b is not None:  # a fused node: what its unfused nodes read
            try:
                _check_node(node, (node._meta[0].saved(node),))
            except RuntimeError:
                # NOTE: the nodes it stands for decide (their own error, with their ops and inputs); if they
                # need nothing changed (a big relu layer's output changed: relu reads its input), the
                # pass runs them instead: they replace the fused node in ``order``
                pieces = unfused_pieces(node)
                for piece in pieces:
                    _check_node(piece, None)
                order[i - 1 : i] = pieces
                i += len(pieces) - 1
        else:
            _check_node(node, None)


def unfused_pieces(node: Any) -> list[Any]:
    """Unfuse fused ``node`` (autograd.fused) and return the op nodes it stood for, parents first.

    Examples
    --------
    >>> from autograd import Tensor
    >>> from autograd.fused import linear
    >>> from autograd.ops import OPS
    >>> y = linear(Tensor([[1.0]]), Tensor([[2.0]], requires_grad=True), Tensor([0.0]), OPS["tanh"])
    >>> [n.op.name for n in unfused_pieces(y)]
    ['matmul', 'add', 'tanh']
    """
    recorded = {id(p) for p in node._a}
    node._unfuse()  # a fused node (autograd.fused) shows as the nodes it stands for
    pieces: list[Any] = []
    seen: set[int] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen or id(n) in recorded or n._row is None:
            continue
        seen.add(id(n))
        pieces.append(n)
        stack.extend(n._prev)
    return pieces[::-1]


def _check_node(node: Any, active: Any) -> None:
    """Raise PyTorch's error if op node ``node`` needs a value changed after it was recorded (``active``: the
    rules' reads, None: its row's)."""
    born = node._born
    prev = node._parents
    if active is None:
        rules = saved_values(node._row)
        active = rules if node._row.variadic else [r for r, p in zip(rules, prev) if p.requires_grad]
    out_used = any(o for o, _ in active)
    if out_used and modified_at(node.data) > born:
        raise RuntimeError(
            f"{INPLACE_ERROR}: {_describe(node, 'the result')} of {node._row.name!r} was changed after "
            f"the op was recorded, and its gradient needs it. Hint: change a copy (.clone()) instead, "
            "or recompute the forward pass after the change."
        )
    for c in node._meta:  # an array constant (a where mask, an index) taken from a tensor's memory
        if isinstance(c, np.ndarray) and modified_at(c) > born:
            raise RuntimeError(
                f"{INPLACE_ERROR}: an array constant of {node._row.name!r} (shape {c.shape}, e.g. a mask or an "
                "index) was changed in place after the op was recorded."
            )
    for i, parent in enumerate(prev):
        if parent._born > born:
            # NOTE: the parent was changed by a *recorded* in-place op after this node used it.
            # PyTorch's edge would still lead to the parent's earlier history; here the edge
            # leads to the tensor, whose history now starts with the in-place op.
            raise RuntimeError(
                f"{_describe(parent, f'input {i}')} of {node._row.name!r} was changed in place by a recorded "
                f"{parent._row.name!r} after {node._row.name!r} used it; layergrad cannot back-propagate to its "
                "earlier value (PyTorch can). Hint: change a .clone() instead, or use an out-of-place op "
                "(y = y + 1 instead of y += 1)."
            )
        if any(ins is None or i in ins for _, ins in active) and modified_at(parent.data) > born:
            raise RuntimeError(
                f"{INPLACE_ERROR}: {_describe(parent, f'input {i}')} of {node._row.name!r} was changed after "
                f"{node._row.name!r} was recorded, and its gradient needs it (e.g. an optimizer step between "
                "the forward pass and backward). Hint: run the forward pass again after the change."
            )
