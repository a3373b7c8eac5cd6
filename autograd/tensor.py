"""``Tensor``: the vector engine, one numpy array per node (PyTorch's names and meanings).

The class is assembled from bases that each hold one group of methods:
:mod:`autograd.tensor_shapes` (shapes, views, selections),
:mod:`autograd.tensor_math` (reductions, elementwise math) and
:mod:`autograd.inplace` (in-place ops); this module holds the engine hooks,
the operators, conversions and ``backward``.
"""

from __future__ import annotations

import numbers
import sys
from typing import Any

import numpy as np

from .backprop import backward
from .context import CTX as _CTX
from .convert import PY_SCALARS, as_array, seed_array, shapes_text, unbroadcast
from .display import tensor_html, tensor_repr
from .dtypes import device_arg, dtype_arg
from .inplace import InplaceMethods
from .node import LEAF_LOCK as _LEAF_LOCK
from .node import MANY, Node, builder
from .ops import OPS, Op
from .released import POOL, is_released, take
from .versions import CLOCK, check_saved
from .xp import ARRAY

__all__ = ["Tensor", "apply_op", "operand"]

_ND = np.ndarray
_refcount: Any = getattr(sys, "getrefcount", None)  # checked at import by check_in_place()


def _never_alone(x: Any) -> int:
    """The count that makes every .grad look held: accumulation always makes a new sum."""
    return 1 << 30


_ADD, _MUL, _MATMUL, _TANH, _RELU = OPS["add"], OPS["mul"], OPS["matmul"], OPS["tanh"], OPS["relu"]


def apply_op(op: Op, prev: tuple, meta: tuple = ()) -> Tensor:
    """Run row ``op``'s forward on the parent Tensors ``prev`` (and constants ``meta``) and create its node.

    Examples
    --------
    >>> apply_op(OPS["exp"], (Tensor([0.0]),)).tolist()
    [1.0]
    """
    n = len(prev)
    try:
        # NOTE: arity 1 and 2 are unrolled (no list, no any()): most ops come through here.
        if n == 1:
            a = prev[0]
            data = op.fwd(ARRAY, a.data, *meta) if meta else op.fwd(ARRAY, a.data)
            if not op.variadic:
                out = _node(op, a, None, meta, data if type(data) is _ND else np.asarray(data), a.requires_grad)
                out._born = CLOCK.now
                return out
        elif n == 2:
            a, b = prev
            data = op.fwd(ARRAY, a.data, b.data, *meta) if meta else op.fwd(ARRAY, a.data, b.data)
            if not op.variadic:
                out = _node(
                    op, a, b, meta, data if type(data) is _ND else np.asarray(data), a.requires_grad or b.requires_grad
                )
                out._born = CLOCK.now
                return out
        else:
            data = op.fwd(ARRAY, *[p.data for p in prev], *meta)
    except (ValueError, IndexError, TypeError) as e:
        raise type(e)(f"{op.name}: {e} (input shapes: {shapes_text([p.data for p in prev])})") from None
    # a variadic op (concatenate, stack): its parents are kept as one tuple
    data = data if type(data) is _ND else np.asarray(data)
    out = _node(op, tuple(prev), MANY, meta, data, any(p.requires_grad for p in prev))
    out._born = CLOCK.now
    return out


def _into(a: np.ndarray) -> np.ndarray | None:
    """A recycled array for an elementwise result of ``a``'s shape and dtype (None: numpy allocates)."""
    return take(a.shape, a.dtype) if a.dtype.kind == "f" else None


def _add_into(a: np.ndarray, c: float) -> np.ndarray:
    return np.add(a, c, out=_into(a)) if a.dtype.kind == "f" else a + c


def _mul_into(a: np.ndarray, c: float) -> np.ndarray:
    return np.multiply(a, c, out=_into(a)) if a.dtype.kind == "f" else a * c


def _leaf(data: np.ndarray) -> Tensor:
    """A constant: a leaf that does not require grad (the node builder without an op)."""
    out = _node(None, None, None, (), data, False)
    out._born = CLOCK.now
    return out


def operand(x: Any, where: str, like: np.ndarray | None = None) -> Tensor:
    """Any operand as a Tensor (constants become leaves that need no grad; ``like``: a Python number takes its dtype).

    Examples
    --------
    >>> operand([1.0, 2.0], "add").requires_grad
    False
    """
    if isinstance(x, Tensor):
        return x
    if type(x) in PY_SCALARS and like is not None:
        return _leaf(np.asarray(x, dtype=like.dtype if like.dtype.kind == "f" else np.float64))
    if isinstance(x, Node):
        raise TypeError(
            f"{where}: cannot mix a Tensor and a {type(x).__name__} in one operation; "
            "use Tensor with Tensor and Value with Value"
        )
    if isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind in "iub":
        return _leaf(np.asarray(x))  # an integer or bool array keeps its dtype, as a tensor of it would
    if isinstance(x, (np.ndarray, np.generic, list, tuple)) or isinstance(x, numbers.Real):
        return _leaf(as_array(x, where=where))
    raise TypeError(f"{where}: unsupported operand of type {type(x).__name__}; expected a Tensor, an array or a number")


class Tensor(InplaceMethods):
    """An n-dimensional array that records the operations applied to it.

    Names and meanings follow PyTorch (the docs page "Coming from PyTorch" lists
    the differences).  ``Tensor(data)`` always makes a floating point tensor, as
    ``torch.Tensor(data)`` does: Python numbers, nested lists and integer or
    bool arrays become float64; a float array keeps its dtype.  (``autograd.tensor``
    and ``autograd.from_numpy`` keep an integer array's dtype.)  Python
    scalars in an operation are *weak*: ``float32_tensor * 0.5`` stays float32.

    Parameters
    ----------
    data : number, nested list, ndarray or Tensor
        The values.
    requires_grad : bool, default False
        Whether backward computes a gradient for this tensor (floating point only).
    dtype : dtype, optional
        Convert to this dtype (e.g. ``autograd.float32``).
    label : str, optional
        A name shown in drawings.
    device : "cpu", optional
        Accepted for PyTorch code; layergrad runs on the CPU.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> W = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> x = Tensor([1.0, -1.0])
    >>> y = (W @ x).relu().sum() + W.sum()
    >>> y.backward()
    >>> y.item(), W.grad.tolist()
    (10.0, [[1.0, 1.0], [1.0, 1.0]])
    >>> (Tensor(np.ones(2, dtype=np.float32)) * 0.5).dtype
    dtype('float32')
    """

    __slots__ = ()
    _xp = ARRAY
    _zero = None
    __array_ufunc__ = None  # ndarray (op) Tensor defers to Tensor's reflected op
    _check_saved = staticmethod(check_saved)  # run by backward before a pass (autograd.versions)

    def __init__(
        self, data: Any, requires_grad: bool = False, dtype: Any = None, label: str | None = None, device: Any = None
    ) -> None:
        if device is not None:  # NOTE: the usual None needs no check (a call less for every leaf)
            device_arg(device, "Tensor")
        if dtype is None and type(data) is _ND and data.dtype.kind in "fb":  # NOTE: as_array's answer, at once
            self.data = data
        else:
            self.data = as_array(data, None if dtype is None else dtype_arg(dtype, "Tensor"))
        self.grad = None
        self._a = self._b = self._row = None
        self._meta = ()
        self.stage = _CTX.get()[0]
        self.label = label
        self.requires_grad = False
        self._born = CLOCK.now
        if requires_grad:
            self.requires_grad_(True)

    # engine hooks ---------------------------------------------------------------
    _apply = staticmethod(apply_op)
    _operand = staticmethod(operand)
    _const = staticmethod(_leaf)

    def _seed(self, gradient: Any) -> np.ndarray:
        return seed_array(gradient, self.data)

    def _accumulate(self, g: Any) -> None:
        d = self.data
        if self._row is None and self.grad is None and type(g) is _ND and g.base is None and g.flags.writeable:
            if g.shape == d.shape and g.dtype is d.dtype:  # NOTE: the hot case: a leaf's first gradient, taken over
                with _LEAF_LOCK:
                    if self.grad is None:
                        self.grad = g
                        return
        if type(g) is not np.ndarray or g.shape != d.shape:
            g = unbroadcast(g, d.shape)
        if g.dtype is not d.dtype and g.dtype != d.dtype:
            g = g.astype(d.dtype)
        if self._row is not None:  # an interior node: its graph belongs to one backward pass
            cur = self.grad
            self.grad = g if cur is None else cur + g
            return
        # A leaf's grad is a writable array that owns its memory (optimisers or
        # users may update it in place); views and read-only arrays are copied.
        # NOTE: like PyTorch, a fresh gradient is taken over without a copy; never
        # another leaf's (backward copies when one rule result would go to two parents).
        if g.base is not None or not g.flags.writeable:
            g = np.array(g)
        # NOTE: leaves (parameters) may be shared by backward passes in several threads:
        # the read-add-write is done under a lock, or concurrent passes lose updates.
        with _LEAF_LOCK:
            cur = self.grad
            if cur is None:
                self.grad = g
            elif (
                type(cur) is _ND
                and _refcount(cur) <= 3
                and cur.dtype is g.dtype
                and cur.shape == g.shape
                and cur.base is None
                and cur.flags.writeable
            ):
                # NOTE: PyTorch's rule: a .grad that nothing else holds (the attribute, `cur`
                # and getrefcount's argument) is added into in place; one the program holds
                # (old = p.grad) is replaced by a new sum, so `old` keeps its values
                cur += g
            else:
                self.grad = cur + g

    def _unary(self, op: Op, *consts: Any) -> Tensor:
        return apply_op(op, (self,), consts)

    def _binary(self, other: Any, op: Op) -> Tensor:
        if type(other) in PY_SCALARS:
            return apply_op(op, (self,), (other,))
        return apply_op(op, (self, operand(other, op.name)))

    def _reflected(self, other: Any, op: Op, rop: Op) -> Tensor:
        if type(other) in PY_SCALARS:
            return apply_op(rop, (self,), (other,))
        return apply_op(op, (operand(other, op.name), self))

    def backward(
        self, gradient: Any = None, retain_graph: Any = None, create_graph: bool = False, inputs: Any = None
    ) -> None:
        """Back-propagate from this tensor: leaves that require grad accumulate ``d self / d leaf`` in ``.grad``.

        ``gradient`` is needed for an output of more than one element.  The
        graph is freed when the pass ends unless ``retain_graph=True``;
        ``create_graph=True`` records the pass itself; ``inputs=`` restricts
        which nodes accumulate (see :func:`autograd.backward`).

        Examples
        --------
        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad.tolist()
        [2.0, 4.0]
        >>> Tensor([1.0]).backward()
        Traceback (most recent call last):
        ...
        RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn ...
        """
        if not self.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn (this Tensor was not "
                "computed from a tensor with requires_grad=True, or it was computed under no_grad())"
            )
        backward(self, gradient, retain_graph, create_graph, inputs)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` on a leaf in place and return it (floating point tensors only)."""
        if requires_grad and self.data.dtype.kind != "f":
            raise RuntimeError(
                f"requires_grad_: only Tensors of floating point dtype can require gradients, this one is "
                f"{self.data.dtype}; convert it first (.double() or .float())"
            )
        Node.requires_grad_(self, requires_grad)
        return self

    # arithmetic -----------------------------------------------------------------
    # NOTE: + and * with a number are the hottest ops: they compute the result here
    # and build the node with _node (no forward lambda, no _binary hop).
    def __add__(self, other: Any) -> Tensor:
        if type(other) in PY_SCALARS:  # a weak scalar: numpy keeps the tensor's dtype
            d = self.data + other if not POOL or type(other) is not float else _add_into(self.data, other)
            out = _node(_ADD, self, None, (other,), d if type(d) is _ND else np.asarray(d), self.requires_grad)
            out._born = CLOCK.now
            return out
        if POOL and type(other) is Tensor:
            a, b = self.data, other.data
            # a bias added to a batch, or two arrays of one shape: the result has a's shape
            same = a.shape == b.shape or (b.ndim == 1 and a.ndim == 2 and a.shape[1] == b.shape[0])
            if same and a.dtype is b.dtype:
                buf = take(a.shape, a.dtype)
                if buf is not None:
                    rg = self.requires_grad or other.requires_grad
                    out = _node(_ADD, self, other, (), np.add(a, b, out=buf), rg)
                    out._born = CLOCK.now
                    return out
        return apply_op(_ADD, (self, operand(other, "add")))

    def __radd__(self, other: Any) -> Tensor:
        if type(other) in PY_SCALARS:
            d = self.data + other if not POOL or type(other) is not float else _add_into(self.data, other)
            out = _node(_ADD, self, None, (other,), d if type(d) is _ND else np.asarray(d), self.requires_grad)
            out._born = CLOCK.now
            return out
        return apply_op(_ADD, (operand(other, "add"), self))

    def __sub__(self, other: Any) -> Tensor:
        return self._binary(other, OPS["sub"])

    def __rsub__(self, other: Any) -> Tensor:
        return self._reflected(other, OPS["sub"], OPS["rsub"])

    def __mul__(self, other: Any) -> Tensor:
        if type(other) in PY_SCALARS:
            d = self.data * other if not POOL or type(other) is not float else _mul_into(self.data, other)
            out = _node(_MUL, self, None, (other,), d if type(d) is _ND else np.asarray(d), self.requires_grad)
            out._born = CLOCK.now
            return out
        return apply_op(_MUL, (self, operand(other, "mul")))

    def __rmul__(self, other: Any) -> Tensor:
        if type(other) in PY_SCALARS:
            d = self.data * other if not POOL or type(other) is not float else _mul_into(self.data, other)
            out = _node(_MUL, self, None, (other,), d if type(d) is _ND else np.asarray(d), self.requires_grad)
            out._born = CLOCK.now
            return out
        return apply_op(_MUL, (operand(other, "mul"), self))

    def tanh(self) -> Tensor:
        """Hyperbolic tangent: squashes to (-1, 1).

        Examples
        --------
        >>> Tensor([0.0, 100.0]).tanh().tolist()
        [0.0, 1.0]
        """
        a = self.data
        d = np.tanh(a) if not POOL else np.tanh(a, out=_into(a))
        out = _node(_TANH, self, None, (), d if type(d) is _ND else np.asarray(d), self.requires_grad)
        out._born = CLOCK.now
        return out

    def relu(self) -> Tensor:
        """max(x, 0): passes positive values, zeroes negative ones.

        Examples
        --------
        >>> Tensor([-2.0, 3.0]).relu().tolist()
        [0.0, 3.0]
        """
        a = self.data
        d = np.maximum(a, 0) if not POOL else np.maximum(a, 0, out=_into(a))
        out = _node(_RELU, self, None, (), d if type(d) is _ND else np.asarray(d), self.requires_grad)
        out._born = CLOCK.now
        return out

    def __truediv__(self, other: Any) -> Tensor:
        return self._binary(other, OPS["div"])

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._reflected(other, OPS["div"], OPS["rdiv"])

    def __pow__(self, other: Any) -> Tensor:
        return self._binary(other, OPS["pow"])

    def __rpow__(self, other: Any) -> Tensor:
        return self._reflected(other, OPS["pow"], OPS["rpow"])

    def __neg__(self) -> Tensor:
        return apply_op(OPS["neg"], (self,))

    def matmul(self, other: Any) -> Tensor:
        """Matrix product with numpy's rules (1-D, 2-D and batched).

        Examples
        --------
        >>> Tensor([[1.0, 2.0]]).matmul(Tensor([[3.0], [4.0]])).tolist()
        [[11.0]]
        """
        tb = other if type(other) is Tensor else operand(other, "matmul")
        a, b = self.data, tb.data
        if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0]:
            if POOL and a.dtype is b.dtype:  # write into an array the last big graph let go
                buf = take((a.shape[0], b.shape[1]), a.dtype)
                if buf is not None:
                    out = _node(_MATMUL, self, tb, (), np.matmul(a, b, out=buf), self.requires_grad or tb.requires_grad)
                    out._born = CLOCK.now
                    return out
            return apply_op(_MATMUL, (self, tb))  # NOTE: the common case, checked in one line
        sa, sb = a.shape, b.shape
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: operands must have at least 1 dimension, got shapes {sa} and {sb}")
        inner_a = sa[-1]
        inner_b = sb[0] if b.ndim == 1 else sb[-2]
        if inner_a != inner_b:
            raise ValueError(f"matmul: shapes {sa} and {sb} do not align (inner dimensions {inner_a} != {inner_b})")
        return apply_op(_MATMUL, (self, tb))

    __matmul__ = matmul

    def __rmatmul__(self, other: Any) -> Tensor:
        return operand(other, "matmul").matmul(self)

    def mm(self, other: Any) -> Tensor:
        """Matrix product of two 2-D tensors (PyTorch's ``mm``; :meth:`matmul` broadcasts)."""
        o = operand(other, "mm")
        if self.ndim != 2 or o.ndim != 2:
            raise RuntimeError(f"mm: expects two 2-D tensors, got shapes {self.shape} and {o.shape}; use matmul")
        return self.matmul(o)

    def bmm(self, other: Any) -> Tensor:
        """Batched matrix product of two 3-D tensors (PyTorch's ``bmm``)."""
        o = operand(other, "bmm")
        if self.ndim != 3 or o.ndim != 3 or self.shape[0] != o.shape[0]:
            raise RuntimeError(f"bmm: expects two 3-D tensors with equal batch sizes, got {self.shape} and {o.shape}")
        return self.matmul(o)

    def __mod__(self, other: Any) -> Tensor:
        return self._binary(other, OPS["remainder"])

    def __rmod__(self, other: Any) -> Tensor:
        return self._reflected(other, OPS["remainder"], OPS["rremainder"])

    def __floordiv__(self, other: Any) -> Tensor:
        return self._binary(other, OPS["floor_divide"])

    def __rfloordiv__(self, other: Any) -> Tensor:
        return self._reflected(other, OPS["floor_divide"], OPS["rfloor_divide"])

    def zero_grad(self) -> None:
        """Set ``grad`` to None."""
        self.grad = None

    def __repr__(self) -> str:
        if is_released(self):  # no NaN values shown for data that is gone
            return f"Tensor(<released after backward>, shape={self.shape}, dtype={self.dtype}, op={self.grad_fn.name})"  # type: ignore[union-attr]
        return tensor_repr(self)

    def _repr_html_(self) -> str:
        if is_released(self):
            return f"<span>Tensor shape=<code>{self.shape}</code> data released after backward()</span>"
        return tensor_html(self)


_node = builder(Tensor)
# the tensor engine's op nodes: _node(op, a, b, meta, data, record) (see autograd.node.builder)


def check_in_place() -> bool:
    """Whether adding into a leaf's unheld ``.grad`` in place is safe here; if not, it is switched off.

    A leaf's ``.grad`` that nothing else holds is added into in place; that
    is read from a reference count, which only CPython's usual counting makes
    exact.  This runs the real accumulation on two sentinel leaves (one whose
    old gradient the caller holds, one whose nobody does) and keeps the
    in-place path only if the held one kept its values and the other was added
    into; otherwise every accumulation makes a new sum (always correct).
    Run once at import.

    Examples
    --------
    >>> check_in_place()
    True
    """
    global _refcount
    ok = False
    if _refcount is not None and _refcount is not _never_alone:
        try:
            held = Tensor(np.zeros(2), requires_grad=True)
            held.grad = np.zeros(2)
            old = held.grad
            held._accumulate(np.ones(2))
            alone = Tensor(np.zeros(2), requires_grad=True)
            alone.grad = np.zeros(2)
            buffer = id(alone.grad)
            alone._accumulate(np.ones(2))
            ok = old[0] == 0.0 and held.grad[0] == 1.0 and id(alone.grad) == buffer and alone.grad[0] == 1.0
        except Exception:
            ok = False
    if not ok:
        _refcount = _never_alone
    return bool(ok)


check_in_place()
