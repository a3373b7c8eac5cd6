"""Flat parameters: a model's parameters as consecutive views of one buffer per dtype, and their flat gradients.

PyTorch's foreach and fused optimisers (and apex's flat buffers) update a whole
model in a few kernels; numpy's version of that is one call on one array.
:func:`flatten_parameters` re-homes parameters so that each one's ``.data``
is a view of one contiguous buffer per dtype (``nn.MLP`` does it in its
constructor, before anyone can hold the old arrays).  :func:`flat_layout`
recognises such parameters, and a :class:`FlatLayout` arms one fresh gradient
buffer for them (:mod:`autograd.grad_slots`), so that after backward every
``p.grad`` is a view of it and ``SGD`` updates the whole buffer at once.

Nothing changes values.  Anything that later gives a parameter a new ``.data``
array (``module.to(dtype)``, a user's ``p.data = ...``) simply breaks the
layout; the optimiser notices (it checks array identity) and takes its
per-parameter path.  ``set_weights``, ``load_state_dict`` and ``nn.init``
write in place, so they keep it.

Examples
--------
>>> import numpy as np
>>> from autograd import Tensor
>>> a, b = Tensor(np.ones((2, 2)), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
>>> flatten_parameters([a, b])
>>> a.data.base is b.data.base, a.data.base.shape
(True, (6,))
>>> flat_layout([a, b]) is not None, flat_layout([b, a]) is None   # in order, covering the buffer
(True, True)
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.grad_slots import arm, disarm, slots, watch

__all__ = ["flatten_parameters", "flat_layout", "FlatLayout"]

_getrefcount: Any = getattr(sys, "getrefcount", None)  # None (PyPy): a gradient buffer is never reused
_is = operator.is_
_data, _grad, _requires_grad = (operator.attrgetter(a) for a in ("data", "grad", "requires_grad"))


def _floats(params: Sequence[Any]) -> list[Tensor]:
    """The Tensors among ``params`` whose data is a float numpy array."""
    return [p for p in params if isinstance(p, Tensor) and type(p.data) is np.ndarray and p.data.dtype.kind == "f"]


def flatten_parameters(params: Sequence[Any]) -> None:
    """Re-home each dtype's float Tensor parameters as consecutive views of one new contiguous buffer, in order.

    The values are copied exactly; every parameter keeps its identity, shape and
    dtype, only its ``.data`` becomes a view.  Call it before anything holds the
    old arrays (a view or graph made earlier would no longer see the parameter).

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> w = Tensor(np.arange(4.0).reshape(2, 2), requires_grad=True)
    >>> flatten_parameters([w, Tensor(np.ones(1), requires_grad=True)])
    >>> w.tolist(), w.data.base.tolist()
    ([[0.0, 1.0], [2.0, 3.0]], [0.0, 1.0, 2.0, 3.0, 1.0])
    """
    by_dtype: dict[np.dtype, list[Tensor]] = {}
    for p in _floats(params):
        by_dtype.setdefault(p.data.dtype, []).append(p)
    for dtype, ps in by_dtype.items():
        buffer = np.empty(sum(p.data.size for p in ps), dtype)
        start = 0
        for p in ps:
            n = p.data.size
            view = buffer[start : start + n].reshape(p.data.shape)
            view[...] = p.data
            p.data = view
            start += n


def flat_layout(params: Sequence[Any]) -> FlatLayout | None:
    """A :class:`FlatLayout` if ``params`` are, in order, consecutive views exactly covering one buffer; else None.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> flat_layout([Tensor(np.ones(2), requires_grad=True)]) is None   # owns its memory: not a view
    True
    """
    if not params or not isinstance(params[0], Tensor):
        return None
    buffer = getattr(params[0].data, "base", None)
    if type(buffer) is not np.ndarray or buffer.ndim != 1 or not buffer.flags.c_contiguous:
        return None
    if len(_floats(params)) != len(params):
        return None
    start, address, item = 0, buffer.ctypes.data, buffer.itemsize
    spans = []
    for p in params:
        d = p.data
        ok = d.base is buffer and d.dtype is buffer.dtype and d.flags.c_contiguous and d.flags.writeable
        if not ok or d.size == 0 or d.ctypes.data != address + start * item:
            return None
        spans.append((start, start + d.size, d.shape))
        start += d.size
    return FlatLayout(params, buffer, spans) if start == buffer.size else None


class FlatLayout:
    """Parameters that are consecutive views of one buffer, and the flat gradient buffer armed for them.

    Parameters
    ----------
    params : list of Tensor
        The parameters, in buffer order.
    buffer : numpy.ndarray
        The 1-D array their data are views of.
    spans : list of (start, stop, shape)
        Where each parameter sits in ``buffer``.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> ps = [Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(1), requires_grad=True)]
    >>> flatten_parameters(ps)
    >>> layout = flat_layout(ps)
    >>> layout.arm(); ps[0].grad is None               # armed: backward will write into layout.grad
    True
    >>> layout.holds(ps), layout.ready(ps)           # ready once every .grad is its armed view
    (True, False)
    """

    __slots__ = ("params", "datas", "refs", "data", "spans", "grad", "views", "slots")

    def __init__(self, params: Sequence[Tensor], buffer: np.ndarray, spans: list[tuple[int, int, Any]]) -> None:
        self.params = params  # the group's own list: a group whose list is replaced is looked at again
        self.datas = [p.data for p in params]  # the views the layout was found with (identity is checked)
        self.refs = [watch(d) for d in self.datas]  # made once: arming reuses them
        self.data = buffer
        self.spans = spans
        self.grad: np.ndarray | None = None  # the gradient buffer armed last
        self.views: list[np.ndarray] = []  # its views, one per parameter
        self.slots: dict[int, Any] = {}  # their slots (autograd.grad_slots), made with them

    def holds(self, params: Sequence[Any]) -> bool:
        """Whether ``params`` is the list this layout was found for, of the same length (see :meth:`ready`)."""
        return params is self.params and len(params) == len(self.datas)

    def arm(self) -> None:
        """Arm a gradient buffer: each parameter's next fresh gradient is written into its view of it.

        A new buffer (``np.empty``) unless nothing but this layout holds the last one or any of its views
        (a gradient the program kept from the last step keeps its values).
        """
        if self.grad is None or _getrefcount is None or not self._unheld():
            G = np.empty(self.data.size, self.data.dtype)
            self.grad, self.views = G, [G[a:b].reshape(shape) for a, b, shape in self.spans]
            self.slots = slots(zip(self.refs, self.params, self.views))
        arm(self.slots)

    def _unheld(self) -> bool:
        """Whether nothing but this layout holds its gradient buffer or any of its views."""
        # NOTE: the buffer: the attribute, each view's base and getrefcount's argument; a view: the list,
        # its slot and the argument (map passes it on without a reference of its own)
        views = self.views
        return _getrefcount(self.grad) == 2 + len(views) and all(map((3).__eq__, map(_getrefcount, views)))

    def ready(self, params: Sequence[Any]) -> bool:
        """Whether ``params`` are still this layout's parameters, with their data, requiring grad, each ``.grad``
        its armed view."""
        ps = self.params
        return (
            params is ps
            and len(ps) == len(self.views)
            and all(map(_is, map(_grad, ps), self.views))
            and all(map(_is, map(_data, ps), self.datas))
            and all(map(_requires_grad, ps))
        )

    def disarm(self) -> None:
        """Forget the armed slots (the parameters' next gradients are fresh arrays again)."""
        disarm(self.datas)
