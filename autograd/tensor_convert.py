"""Tensor conversions and comparisons: dtypes (``to``, ``float``, ``long``), ``item``, ``clone``, bool tensors.

:class:`ConvertMethods` is the first base class of :class:`autograd.Tensor`
(below :mod:`autograd.tensor_shapes`); it also declares the three hooks the
Tensor class sets for all its bases: ``_apply`` (run a row of the op table),
``_operand`` (anything as a Tensor) and ``_const`` (an array as a constant
Tensor).  Comparisons give bool tensors without gradient; a cast between
floating dtypes is the ``cast`` row, so gradients flow through it.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .convert import comparison_operand, own_dtype
from .dtypes import device, device_arg, dtype_arg
from .node import Node
from .ops import OPS, Op
from .released import is_released, released_error

__all__ = ["ConvertMethods"]


class ConvertMethods(Node):
    """Conversions and comparisons of a Tensor (a base class of :class:`autograd.Tensor`)."""

    __slots__ = ("_born",)  # the clock tick the node was recorded at (autograd.versions)
    _born: int

    # hooks, set by Tensor: run a row, convert an operand, wrap a constant array
    _apply: Callable[..., Any]
    _operand: Callable[..., Any]
    _const: Callable[..., Any]

    @property
    def shape(self) -> tuple[builtins.int, ...]:
        """The sizes of the dimensions, a tuple (PyTorch's ``torch.Size`` is a tuple too)."""
        return self.data.shape

    @property
    def ndim(self) -> builtins.int:
        """Number of dimensions."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The array's dtype (``autograd.float64``, ``autograd.int64``, ...)."""
        return self.data.dtype

    if TYPE_CHECKING:

        def __getitem__(self, index: Any) -> Any: ...

    @property
    def grad_fn(self) -> Op | None:
        """The op that made this tensor (a row of :mod:`autograd.ops`), None for a leaf."""
        return self.op  # a fused node (autograd.fused) shows as the nodes it stands for

    def __copy__(self) -> Any:
        """``copy.copy``: a tensor with the same slots (the same data, parents and op, not a new array).

        A fused node (:mod:`autograd.fused`) is unfused first, so that the copy and the original share the
        nodes it stands for, as unfused (a backward pass through one frees them for the other).

        Examples
        --------
        >>> import copy
        >>> from autograd import Tensor
        >>> a = Tensor([2.0], requires_grad=True)
        >>> b = copy.copy(a * 3.0)
        >>> b.tolist(), b.op.name, b._prev[0] is a
        ([6.0], 'mul', True)
        """
        self._unfuse()
        new = object.__new__(type(self))
        for cls in type(self).__mro__:
            slots = cls.__dict__.get("__slots__", ())
            for name in (slots,) if isinstance(slots, str) else slots:
                if name not in ("__dict__", "__weakref__") and hasattr(self, name):
                    setattr(new, name, getattr(self, name))
        state = getattr(self, "__dict__", None)
        if state:
            new.__dict__.update(state)
        return new

    def __setstate__(self, state: Any) -> None:
        """Unpickling: the attributes as pickled, each array given numpy's own dtype object for its dtype.

        A pickled array comes back with a dtype object of its own (equal to ``np.float32``, not the same
        object), and the fused paths (:mod:`autograd.fused`) compare dtypes by identity: an unpickled model
        would train, with the same numbers, on the slow path.  The array itself is kept (no copy).

        Examples
        --------
        >>> import pickle, numpy as np
        >>> from autograd import Tensor
        >>> t = pickle.loads(pickle.dumps(Tensor(np.ones(2, dtype=np.float32))))
        >>> t.data.dtype is np.dtype(np.float32)
        True
        """
        attrs, slots = state if isinstance(state, tuple) else (state, None)
        for part in (attrs, slots):
            for name, value in (part or {}).items():
                if type(value) is np.ndarray and value.dtype.kind in "biufc":
                    own_dtype(value, np.dtype(value.dtype.char))  # (a non-native byte order stays as it is)
                object.__setattr__(self, name, value)

    @property
    def device(self) -> Any:
        """Always the CPU."""
        return device("cpu")

    def is_floating_point(self) -> builtins.bool:
        """Whether the dtype is a floating point one (only those can require grad)."""
        return self.data.dtype.kind == "f"

    # comparisons: bool tensors, no gradient ----------------------------------------------
    def _compare(self, result: Any) -> Any:
        return self._const(np.asarray(result))

    def __lt__(self, other: Any) -> Any:
        return self._compare(self.data < comparison_operand(other, "compare (<)"))

    def __le__(self, other: Any) -> Any:
        return self._compare(self.data <= comparison_operand(other, "compare (<=)"))

    def __gt__(self, other: Any) -> Any:
        return self._compare(self.data > comparison_operand(other, "compare (>)"))

    def __ge__(self, other: Any) -> Any:
        return self._compare(self.data >= comparison_operand(other, "compare (>=)"))

    def __eq__(self, other: Any) -> Any:
        return self._compare(self.data == comparison_operand(other, "compare (==)"))

    def __ne__(self, other: Any) -> Any:
        return self._compare(self.data != comparison_operand(other, "compare (!=)"))

    __hash__ = Node.__hash__  # identity: nodes live in sets and dicts

    # logical and bitwise operators of bool and integer tensors: no gradient ------------------
    def _logical(self, other: Any, fn: Any, symbol: str) -> Any:
        a = self.data
        b = comparison_operand(other, f"{symbol}")
        if a.dtype.kind == "f" or np.asarray(b).dtype.kind == "f":
            raise TypeError(f"{symbol}: expects bool or integer tensors, got {a.dtype} and {np.asarray(b).dtype}")
        return self._const(np.asarray(fn(a, b)))

    def __and__(self, other: Any) -> Any:
        return self._logical(other, np.bitwise_and, "&")

    __rand__ = __and__

    def __or__(self, other: Any) -> Any:
        return self._logical(other, np.bitwise_or, "|")

    __ror__ = __or__

    def __xor__(self, other: Any) -> Any:
        return self._logical(other, np.bitwise_xor, "^")

    __rxor__ = __xor__

    def __invert__(self) -> Any:
        if self.data.dtype.kind == "f":
            raise TypeError(f"~: expects a bool or integer tensor, got {self.data.dtype}")
        return self._const(np.asarray(~self.data))

    def logical_not(self) -> Any:
        """Elementwise not, as a bool tensor."""
        return self._const(np.logical_not(self.data))

    def __bool__(self) -> builtins.bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous (shape {self.shape}); "
                "use .any() or .all()"
            )
        return builtins.bool(self.data.item())

    # conversions ----------------------------------------------------------------
    def item(self) -> Any:
        """The value of a one-element tensor as a Python number (float, int or bool, by dtype)."""
        if self.data.size != 1:
            if is_released(self):
                raise released_error("item", self.shape)
            raise ValueError(f"item: only one-element tensors can be converted, this one has shape {self.shape}")
        return self.data.item()

    def __float__(self) -> builtins.float:
        return builtins.float(self.item())

    def __int__(self) -> builtins.int:
        return builtins.int(self.item())

    def __index__(self) -> builtins.int:
        if self.data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors of a single element can be used as an index, got {self.dtype}")
        return builtins.int(self.item())

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied); an intermediate released after backward raises."""
        d = self.data
        if d.base is not None and is_released(d):
            raise released_error("numpy", d.shape)
        return d

    def tolist(self) -> Any:
        """The data as nested Python lists."""
        if is_released(self):
            raise released_error("tolist", self.shape)
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # numpy's protocol: np.array(t) (copy=True) gets a copy, so a snapshot never changes with
        # the tensor; np.asarray(t) (copy=None) shares; copy=False refuses only a needed copy.
        d = self.data
        if d.base is not None and is_released(d):
            raise released_error("__array__", d.shape)
        if dtype is not None and np.dtype(dtype) != d.dtype:
            if copy is False:
                raise ValueError(f"__array__: converting {d.dtype} to {np.dtype(dtype)} needs a copy, copy=False")
            return d.astype(dtype)
        return d.copy() if copy else d

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    def detach(self) -> Any:
        """A new leaf sharing the data, taking no part in backward."""
        return self._const(self.data)

    def clone(self) -> Any:
        """A copy with its own memory; gradients flow back through it.

        Examples
        --------
        >>> from autograd import Tensor
        >>> x = Tensor([1.0], requires_grad=True)
        >>> y = x.clone()
        >>> y.data is x.data, y.op.name
        (False, 'clone')
        """
        return self._apply(OPS["clone"], (self,), ("K",))

    def contiguous(self) -> Any:
        """This tensor if its memory is C-contiguous (row-major), else a row-major copy."""
        return self if self.data.flags.c_contiguous else self._apply(OPS["clone"], (self,), ("C",))

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """This tensor in another dtype (``to(autograd.float32)``, ``to(other)``); ``"cpu"`` is accepted.

        Returns this tensor itself when nothing changes (``copy=True`` forces a copy).
        A cast between floating dtypes passes gradients; a cast to an integer or
        bool dtype gives a tensor that does not require grad.

        Examples
        --------
        >>> from autograd import Tensor
        >>> x = Tensor([1.5, 2.0], requires_grad=True)
        >>> x.to("cpu") is x, x.to(np.float32).dtype, x.long().tolist()
        (True, dtype('float32'), [1, 2])
        """
        dtype, copy = kwargs.pop("dtype", None), builtins.bool(kwargs.pop("copy", False))
        device_arg(kwargs.pop("device", None), "to")
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to: unexpected arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, ConvertMethods):
                dtype = a.dtype
            elif isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda", "mps") or isinstance(a, device):
                device_arg(a, "to")
            else:
                dtype = a
        dt = self.dtype if dtype is None else dtype_arg(dtype, "to")
        if dt == self.dtype:
            return self.clone() if copy else self
        if dt.kind == "f" and self.data.dtype.kind == "f":
            return self._apply(OPS["cast"], (self,), (dt,))
        return self._const(self.data.astype(dt))

    def float(self) -> Any:
        """As float32 (PyTorch's ``float``)."""
        return self.to(np.float32)

    def double(self) -> Any:
        """As float64."""
        return self.to(np.float64)

    def half(self) -> Any:
        """As float16."""
        return self.to(np.float16)

    def long(self) -> Any:
        """As int64 (no gradient)."""
        return self.to(np.int64)

    def int(self) -> Any:
        """As int32 (no gradient)."""
        return self.to(np.int32)

    def bool(self) -> Any:
        """As bool (no gradient)."""
        return self.to(np.bool_)

    def type_as(self, other: Any) -> Any:
        """In ``other``'s dtype."""
        return self.to(other.dtype)

    def cpu(self) -> Any:
        """This tensor (layergrad runs on the CPU)."""
        return self
