"""Gradient slots: where backward writes a leaf's next fresh gradient (a view of a flat buffer an optimiser armed).

PyTorch's foreach and fused optimisers, and apex's flat buffers, update a
whole model with a few kernels because its parameters and gradients each sit
in one contiguous buffer.  The numpy way to get there: an optimiser whose
parameters are consecutive views of one array (see :func:`nn.flatten_parameters`)
**arms** one slot per parameter, a view of one fresh gradient buffer, before
the next backward pass.  The fused layer rule (:mod:`autograd.fused`) then
**claims** the slot of its weight and bias and writes their gradients there
with ``out=`` (the same numpy calls, so the same numbers), and the leaf
**takes** the view over as its ``.grad`` instead of copying it.

Slots are keyed by the parameter's data array (the fused rule sees arrays, not
nodes) and checked three ways: the array is the very one armed (held by a weak
reference, so an armed slot never keeps a dead model alive), the slot's shape
and dtype are the gradient's, and the leaf that takes it is the one armed.  A
slot serves one gradient: claiming removes it.  When nothing is armed, the
fused rule and ``Tensor._accumulate`` each pay one test of an empty dict.

Examples
--------
>>> import numpy as np
>>> from autograd import Tensor
>>> w = Tensor(np.zeros(2), requires_grad=True)
>>> buffer = np.empty(2)
>>> arm(slots([(watch(w.data), w, buffer[:2])]))
>>> view = claim(w.data, (2,), w.data.dtype)
>>> view is not None and view.base is buffer
True
>>> claim(w.data, (2,), w.data.dtype) is None   # a slot serves one gradient
True
>>> taken(view, w), taken(view, w)                # the leaf takes it over once
(True, False)
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["ARMED", "TAKEN", "UNARMED", "watch", "slots", "arm", "claim", "taken", "disarm"]

#: id(a parameter's data array) -> (weak reference to that array, id(the leaf), the view its gradient goes to)
ARMED: dict[int, tuple[Any, int, np.ndarray]] = {}

#: id(a claimed view) -> (the view, id(the leaf it is for)): written by the fused rule, not yet taken over
TAKEN: dict[int, tuple[Any, int]] = {}

#: What ``TAKEN.pop(id(g), UNARMED)`` gives for a gradient that is no claimed view (no leaf has id -1)
UNARMED: tuple[Any, int] = (None, -1)


def _forget(key: int, ref: Any) -> None:
    """Drop the slot of a data array that was freed (a weak-reference callback)."""
    entry = ARMED.get(key)
    if entry is not None and entry[0] is ref:
        del ARMED[key]


def watch(data: np.ndarray) -> Any:
    """A weak reference to a parameter's data array that drops the array's slot when the array dies.

    Made once per parameter and reused at every :func:`arm` (a weak reference costs more than the rest).

    Examples
    --------
    >>> a = np.zeros(1)
    >>> watch(a)() is a
    True
    """
    key = id(data)
    return weakref.ref(data, lambda ref: _forget(key, ref))


def slots(armed: Iterable[tuple[Any, Any, np.ndarray]]) -> dict[int, tuple[Any, int, np.ndarray]]:
    """The slots to :func:`arm` for ``(watch(leaf.data), leaf, view)`` triples: each leaf's gradient goes to its view.

    Made once per gradient buffer and armed as often as the buffer is reused.

    Examples
    --------
    >>> from autograd import Tensor
    >>> w = Tensor([1.0], requires_grad=True)
    >>> list(slots([(watch(w.data), w, np.empty(1))])) == [id(w.data)]
    True
    """
    made = {}
    for ref, leaf, view in armed:
        data = ref()
        if data is not None:
            made[id(data)] = (ref, id(leaf), view)
    return made


def arm(made: dict[int, tuple[Any, int, np.ndarray]]) -> None:
    """Arm the slots ``made`` by :func:`slots` (replacing those armed for the same arrays); forget claimed views.

    Examples
    --------
    >>> from autograd import Tensor
    >>> w = Tensor([1.0], requires_grad=True)
    >>> arm(slots([(watch(w.data), w, np.empty(1))])); id(w.data) in ARMED
    True
    >>> disarm([w.data]); id(w.data) in ARMED
    False
    """
    TAKEN.clear()
    ARMED.update(made)


def disarm(arrays: Iterable[np.ndarray]) -> None:
    """Forget the slots armed for these data arrays (nothing armed: nothing happens)."""
    for a in arrays:
        ARMED.pop(id(a), None)


def claim(data: np.ndarray, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | None:
    """The view armed for the gradient of data array ``data`` (of ``shape`` and ``dtype``), or None; claimed once.

    Examples
    --------
    >>> claim(np.zeros(3), (3,), np.dtype(float)) is None   # nothing armed for this array
    True
    """
    entry = ARMED.pop(id(data), None)  # NOTE: pop, not get: two passes in two threads never share one slot
    if entry is None:
        return None
    ref, leaf, view = entry
    if ref() is not data or view.shape != shape or view.dtype is not dtype:
        return None  # a stale or mismatched slot is dropped, never written
    TAKEN[id(view)] = (view, leaf)
    return view


def taken(g: np.ndarray, leaf: Any) -> bool:
    """Whether gradient ``g`` is the view claimed for ``leaf`` (it then stops being claimed): the leaf keeps it.

    Examples
    --------
    >>> taken(np.zeros(2), object())
    False
    """
    entry = TAKEN.pop(id(g), None)
    return entry is not None and entry[0] is g and entry[1] == id(leaf)
