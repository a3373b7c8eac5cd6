"""In-place Tensor operations with PyTorch's rules: ``+= -= *= /=``, ``add_`` ... ``clamp_``, and ``x[i] = v``.

An in-place op changes the tensor's array itself, so every view of the memory
and every reference to the tensor (a model's parameters) sees the change, and
the change is recorded on the clock of :mod:`autograd.versions` (so a backward
pass that needs the old values raises, as in PyTorch).

- With grad mode on, a leaf that requires grad cannot be changed in place
  (PyTorch's error); change it inside :class:`autograd.no_grad` (as optimizers
  do) or through ``.data``.
- With grad mode on and something that requires grad involved, the op is
  recorded: the tensor becomes the result of the op's row, whose first input is
  a node holding the tensor's previous role.  When the tensor is a view of
  another tensor (``x[0]``, ``x.T``, ``x.view(...)``), that tensor is rebased
  too, to a ``setitem`` of the new values, as PyTorch's ``CopySlices`` does.
- Otherwise only the array changes.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .context import CTX as _CTX
from .convert import PY_SCALARS, index_arrays
from .node import Node
from .ops import OPS, Op
from .tensor_math import MathMethods, clamp_bounds
from .versions import CLOCK, mark_modified, reads_input
from .xp import ARRAY

__all__ = ["InplaceMethods", "LEAF_ERROR", "VIEW_LEAF_ERROR"]

LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_LEAF_ERROR = "a view of a leaf Variable that requires grad is being used in an in-place operation."
_HINT = " Change it inside `with autograd.no_grad():` (as optimizers do), or change its .data."

_VIEWS = frozenset({"getitem", "reshape", "transpose"})  # ops whose result may share its input's memory
_NOTHING = object()  # no operand (zero_, clamp_)
_OPERATORS = frozenset({"+=", "-=", "*=", "/="})
_UFUNCS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}


def _view_base(node: Any) -> Any:
    """The tensor ``node`` is a view of (through getitem, reshape or transpose), or None."""
    op = node._row
    if op is None or op.name not in _VIEWS:
        return None
    base = node._a
    return base if np.may_share_memory(base.data, node.data) else None


class InplaceMethods(MathMethods):
    """In-place operations of a Tensor (a base class of :class:`autograd.Tensor`)."""

    __slots__ = ()

    def _fast(self, ufunc: Any, other: Any) -> bool:
        """An array or number into a tensor with nothing to record (an optimizer step): numpy in place, or False."""
        if (type(other) is np.ndarray or type(other) is float) and not (self.requires_grad and _CTX.get()[1]):
            data = self.data
            try:
                ufunc(data, other)  # numpy's in-place operator: same_kind casting, no new array
            except (TypeError, ValueError):
                return False  # the general path says what is wrong
            mark_modified(data)
            return True
        return False

    def _inplace(self, op: Op, other: Any, meta: tuple, where: str, index: Any = _NOTHING) -> Any:
        """Change this tensor's array to row ``op``'s result on (self, other, *meta), in place."""
        grad_on = _CTX.get()[1]
        if grad_on and self.requires_grad:
            if self._row is None:
                raise RuntimeError(f"{where}: {LEAF_ERROR}{_HINT}")
            base = _view_base(self)
            while base is not None:
                if base._row is None and base.requires_grad:
                    raise RuntimeError(f"{where}: {VIEW_LEAF_ERROR}{_HINT}")
                base = _view_base(base)
        data = self.data
        if not data.flags.writeable:
            raise RuntimeError(
                f"{where}: the tensor's memory is read-only (an expand() result, or a read-only array); "
                "more than one element may refer to one memory location. Use .clone() first."
            )
        plain = type(other) in PY_SCALARS or type(other) is np.ndarray
        ufunc = _UFUNCS.get(op.name)
        if ufunc is not None and plain and not (grad_on and self.requires_grad):
            # NOTE: nothing to record (an optimizer step): numpy in place, no node, no copy
            try:
                ufunc(data, other, out=data, casting="same_kind")
            except TypeError:
                self._check_result(np.result_type(data, other), np.broadcast_shapes(data.shape, np.shape(other)), where)
                raise
            except ValueError:
                self._check_result(data.dtype, np.broadcast_shapes(data.shape, np.shape(other)), where)
                raise
            mark_modified(data)
            return self
        parents: tuple = ()
        if other is _NOTHING:
            pass
        elif type(other) in PY_SCALARS:
            meta = (other,) + meta
        else:
            parents = (self._operand(other, where, data),)
        record = grad_on and (self.requires_grad or any(p.requires_grad for p in parents))
        if record and self._row is None and data.base is not None:
            # NOTE: a leaf that views memory without a recorded link to its owner (a slice
            # of a tensor that does not require grad): the owner's graph cannot learn of
            # the change. ``+=`` and friends give a new tensor instead (so ``buf[i] += w``
            # works through __setitem__); the methods refuse.
            if where in _OPERATORS:
                return self._apply(op, (self, *parents), meta)
            raise RuntimeError(
                f"{where}: this tensor views another array's memory without a recorded link to it (e.g. a "
                "slice of a tensor that does not require grad); recording an in-place op on it is not "
                "supported. Write through the tensor it views (buf[i] += w, buf[i] = v) or use .clone()."
            )
        keep = data.copy() if record and reads_input(op, 0) else None
        if index is not _NOTHING:  # x[index] = v: write only the selected elements
            try:
                data[index] = parents[0].data if parents else meta[0]
            except (ValueError, IndexError, TypeError) as e:
                raise type(e)(f"{where}: {e} (tensor shape {data.shape})") from None
        else:
            try:
                new = np.asarray(op.fwd(ARRAY, data, *[p.data for p in parents], *meta))
            except (ValueError, TypeError) as e:
                raise type(e)(f"{where}: {e} (tensor shape {data.shape})") from None
            self._check_result(new.dtype, new.shape, where)
            data[...] = new
        mark_modified(data)
        if record:
            base = _view_base(self)  # before the rebase: a kept copy of the old values is no view
            old = self._rebase(op, parents, meta, keep)
            self._rebase_bases(old, base)
        return self

    def _check_result(self, dtype: Any, shape: tuple, where: str) -> None:
        data = self.data
        if tuple(shape) != data.shape:
            raise RuntimeError(
                f"{where}: output with shape {list(data.shape)} doesn't match the broadcast shape {list(shape)}"
            )
        if dtype != data.dtype and not np.can_cast(dtype, data.dtype, "same_kind"):
            raise RuntimeError(f"{where}: result type {dtype} can't be cast to the desired output type {data.dtype}")

    def _rebase(self, op: Op, parents: tuple, meta: tuple, keep: Any) -> Any:
        """Record ``op`` on this tensor: it becomes ``op(old, *parents)``, ``old`` holding its previous role."""
        self._unfuse()  # a fused node (autograd.fused) shows as the nodes it stands for
        old = object.__new__(type(self))
        old.data = self.data if keep is None else keep
        if keep is not None:
            # the previous values live on in ``keep`` for the new op; whatever saved
            # the tensor before the change must still see it as changed
            mark_modified(keep)
        old.grad = None
        old._a, old._b, old._row, old._meta = self._a, self._b, self._row, self._meta
        old.stage, old.label, old.requires_grad, old._born = self.stage, self.label, self.requires_grad, self._born
        self._a, self._b = (old, parents[0]) if parents else (old, None)
        self._row, self._meta = op, meta
        self.requires_grad = True
        self.grad = None
        self.stage = _CTX.get()[0]
        self._born = CLOCK.now
        return old

    def _rebase_bases(self, old: Any, base: Any) -> None:
        """This tensor was a view of ``base`` (``old``: its previous role): record the change on what it views."""
        view = self
        while base is not None:
            if old._row.name == "getitem":
                index, values = old._meta[0], view
            elif old._row.name == "reshape":
                index, values = Ellipsis, view.reshape(base.shape)
            else:  # transpose: put the axes back
                index, values = Ellipsis, view.permute(ARRAY.inverse_permutation(old._meta[0]))
            base_old = base._rebase(OPS["setitem"], (values,), (index,), None)
            old._a = base_old  # the view's previous role hangs off the base's previous role
            view, old = base, base_old
            base = _view_base(old)

    # operators ----------------------------------------------------------------------
    def __iadd__(self, other: Any) -> Any:
        return self if self._fast(operator.iadd, other) else self._inplace(OPS["add"], other, (), "+=")

    def __isub__(self, other: Any) -> Any:
        return self if self._fast(operator.isub, other) else self._inplace(OPS["sub"], other, (), "-=")

    def __imul__(self, other: Any) -> Any:
        return self._inplace(OPS["mul"], other, (), "*=")

    def __itruediv__(self, other: Any) -> Any:
        return self._inplace(OPS["div"], other, (), "/=")

    def __setitem__(self, index: Any, value: Any) -> None:
        idx = index_arrays(index)
        self._inplace(OPS["setitem"], value, (idx,), "[]= (setitem)", index=idx)

    # methods -------------------------------------------------------------------------
    def add_(self, other: Any, alpha: Any = 1) -> Any:
        """``self += alpha * other``, in place.

        Examples
        --------
        >>> from autograd import tensor
        >>> x = tensor([1.0, 2.0])
        >>> x.add_(1.0).tolist(), x.tolist()
        ([2.0, 3.0], [2.0, 3.0])
        """
        if alpha == 1 and self._fast(operator.iadd, other):
            return self
        return self._inplace(OPS["add"], other if alpha == 1 else other * alpha, (), "add_")

    def sub_(self, other: Any, alpha: Any = 1) -> Any:
        """``self -= alpha * other``, in place (an optimizer step).

        Examples
        --------
        >>> from autograd import tensor, no_grad
        >>> w = tensor([1.0, 2.0], requires_grad=True)
        >>> with no_grad():
        ...     _ = w.sub_(0.5)
        >>> w.tolist()
        [0.5, 1.5]
        """
        if alpha == 1 and self._fast(operator.isub, other):
            return self
        return self._inplace(OPS["sub"], other if alpha == 1 else other * alpha, (), "sub_")

    def mul_(self, other: Any) -> Any:
        """``self *= other``, in place."""
        return self._inplace(OPS["mul"], other, (), "mul_")

    def div_(self, other: Any) -> Any:
        """``self /= other``, in place."""
        return self._inplace(OPS["div"], other, (), "div_")

    def fill_(self, value: Any) -> Any:
        """Set every element to ``value``, in place.

        Examples
        --------
        >>> from autograd import zeros
        >>> zeros(2).fill_(7).tolist()
        [7.0, 7.0]
        """
        if isinstance(value, Node):
            if value.requires_grad or value.data.size != 1:
                raise TypeError("fill_: value must be a number or a one-element tensor that does not require grad")
            value = value.data.item()
        if type(value) not in PY_SCALARS:
            value = float(value) if isinstance(value, (np.floating, float)) else int(value)
        return self._inplace(OPS["fill"], value, (), "fill_")

    def zero_(self) -> Any:
        """Set every element to 0, in place."""
        return self.fill_(0)

    def copy_(self, src: Any) -> Any:
        """Copy ``src``'s values (broadcast, cast to this dtype) into this tensor, in place.

        Examples
        --------
        >>> from autograd import zeros
        >>> zeros(2, 2).copy_([1.0, 2.0]).tolist()
        [[1.0, 2.0], [1.0, 2.0]]
        """
        if type(src) in PY_SCALARS:
            return self.fill_(src)
        return self._inplace(OPS["copy"], src, (), "copy_")

    def clamp_(self, min: Any = None, max: Any = None) -> Any:
        """:meth:`clamp`, in place."""
        return self._inplace(OPS["clip"], _NOTHING, clamp_bounds(min, max, "clamp_"), "clamp_")

    clip_ = clamp_
