"""``Tensor``: the vector engine, one numpy array per node (PyTorch's names)."""

from __future__ import annotations

import numbers
import threading
from typing import Any

import numpy as np

from .backprop import backward
from .context import CTX as _CTX
from .convert import (
    PY_SCALARS,
    as_array,
    comparison_operand,
    count,
    index_arrays,
    normalize_axis,
    seed_array,
    shapes_text,
    unbroadcast,
)
from .display import tensor_html, tensor_repr
from .node import MANY, Node, builder
from .ops import OPS, Op
from .xp import ARRAY

__all__ = ["Tensor", "apply_op", "operand"]

_ND = np.ndarray
_LEAF_LOCK = threading.Lock()


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
                return _node(op, a, None, meta, data if type(data) is _ND else np.asarray(data), a.requires_grad)
        elif n == 2:
            a, b = prev
            data = op.fwd(ARRAY, a.data, b.data, *meta) if meta else op.fwd(ARRAY, a.data, b.data)
            if not op.variadic:
                return _node(
                    op,
                    a,
                    b,
                    meta,
                    data if type(data) is _ND else np.asarray(data),
                    a.requires_grad or b.requires_grad,
                )
        else:
            data = op.fwd(ARRAY, *[p.data for p in prev], *meta)
    except (ValueError, IndexError, TypeError) as e:
        raise type(e)(f"{op.name}: {e} (input shapes: {shapes_text([p.data for p in prev])})") from None
    # a variadic op (concatenate, stack): its parents are kept as one tuple
    data = data if type(data) is _ND else np.asarray(data)
    return _node(op, tuple(prev), MANY, meta, data, any(p.requires_grad for p in prev))


def _leaf(data: np.ndarray) -> Tensor:
    """A constant: a leaf that does not require grad (the node builder without an op)."""
    return _node(None, None, None, (), data, False)


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
    if isinstance(x, (np.ndarray, np.generic, list, tuple)) or isinstance(x, numbers.Real):
        return _leaf(as_array(x, where=where))
    raise TypeError(f"{where}: unsupported operand of type {type(x).__name__}; expected a Tensor, an array or a number")


class Tensor(Node):
    """An n-dimensional array that records the operations applied to it.

    Names follow PyTorch.  Python numbers and nested lists become float64; a
    float array keeps its dtype (integer arrays become float64).  Python
    scalars in an operation are *weak*: ``float32_tensor * 0.5`` stays float32.

    Parameters
    ----------
    data : number, nested list, ndarray or Tensor
        The values.
    requires_grad : bool, default False
        Whether backward computes a gradient for this tensor.
    dtype : numpy dtype, optional
        Convert to this dtype.
    label : str, optional
        A name shown in drawings.

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
    backward = backward
    __array_ufunc__ = None  # ndarray (op) Tensor defers to Tensor's reflected op

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, label: str | None = None) -> None:
        self.data = as_array(data, dtype)
        self.grad = None
        self._a = self._b = None
        self.op = None
        self._meta = ()
        self.stage = _CTX.get()[0]
        self.label = label
        self.requires_grad = bool(requires_grad)

    # engine hooks ---------------------------------------------------------------
    def _seed(self, gradient: Any) -> np.ndarray:
        return seed_array(gradient, self.data)

    def _accumulate(self, g: Any) -> None:
        d = self.data
        if type(g) is not np.ndarray or g.shape != d.shape:
            g = unbroadcast(g, d.shape)
        if g.dtype is not d.dtype and g.dtype != d.dtype:
            g = g.astype(d.dtype)
        if self.op is not None:  # an interior node: its graph belongs to one backward pass
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
            self.grad = g if cur is None else cur + g

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

    # properties -------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The array's shape."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The array's dtype."""
        return self.data.dtype

    @property
    def size(self) -> int:
        """Number of elements."""
        return self.data.size

    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed)."""
        return self.transpose()

    # arithmetic -----------------------------------------------------------------
    # NOTE: + and * with a number are the hottest ops: they compute the result here
    # and build the node with _node (no forward lambda, no _binary hop).
    def __add__(self, other: Any) -> Tensor:
        if type(other) in PY_SCALARS:  # a weak scalar: numpy keeps the tensor's dtype
            d = self.data + other
            return _node(_ADD, self, None, (other,), d if type(d) is _ND else np.asarray(d), self.requires_grad)
        return apply_op(_ADD, (self, operand(other, "add")))

    def __radd__(self, other: Any) -> Tensor:
        if type(other) in PY_SCALARS:
            d = self.data + other
            return _node(_ADD, self, None, (other,), d if type(d) is _ND else np.asarray(d), self.requires_grad)
        return apply_op(_ADD, (operand(other, "add"), self))

    def __sub__(self, other: Any) -> Tensor:
        return self._binary(other, OPS["sub"])

    def __rsub__(self, other: Any) -> Tensor:
        return self._reflected(other, OPS["sub"], OPS["rsub"])

    def __mul__(self, other: Any) -> Tensor:
        if type(other) in PY_SCALARS:
            d = self.data * other
            return _node(_MUL, self, None, (other,), d if type(d) is _ND else np.asarray(d), self.requires_grad)
        return apply_op(_MUL, (self, operand(other, "mul")))

    def __rmul__(self, other: Any) -> Tensor:
        if type(other) in PY_SCALARS:
            d = self.data * other
            return _node(_MUL, self, None, (other,), d if type(d) is _ND else np.asarray(d), self.requires_grad)
        return apply_op(_MUL, (operand(other, "mul"), self))

    def tanh(self) -> Tensor:
        """Hyperbolic tangent: squashes to (-1, 1).

        Examples
        --------
        >>> Tensor([0.0, 100.0]).tanh().tolist()
        [0.0, 1.0]
        """
        d = np.tanh(self.data)
        return _node(_TANH, self, None, (), d if type(d) is _ND else np.asarray(d), self.requires_grad)

    def relu(self) -> Tensor:
        """max(x, 0): passes positive values, zeroes negative ones.

        Examples
        --------
        >>> Tensor([-2.0, 3.0]).relu().tolist()
        [0.0, 3.0]
        """
        d = np.maximum(self.data, 0)
        return _node(_RELU, self, None, (), d if type(d) is _ND else np.asarray(d), self.requires_grad)

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

    # comparisons: boolean arrays, no gradient --------------------------------------------
    def _cmp_data(self, other: Any, symbol: str) -> Any:
        return comparison_operand(other, f"compare ({symbol})")

    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < self._cmp_data(other, "<")

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= self._cmp_data(other, "<=")

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > self._cmp_data(other, ">")

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= self._cmp_data(other, ">=")

    def __eq__(self, other: Any) -> Any:
        return self.data == self._cmp_data(other, "==")

    def __ne__(self, other: Any) -> Any:
        return self.data != self._cmp_data(other, "!=")

    __hash__ = Node.__hash__  # identity: nodes live in sets and dicts

    # reductions -----------------------------------------------------------------
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (None: all; an int or a tuple of ints)."""
        return apply_op(OPS["sum"], (self,), (normalize_axis(axis, self.ndim, "sum"), bool(keepdims)))

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis``."""
        ax = normalize_axis(axis, self.ndim, "mean")
        return self.sum(ax, keepdims) * (1.0 / count(self.shape, ax))

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``; tied maxima share the gradient."""
        self._nonempty("max")
        return apply_op(OPS["max"], (self,), (normalize_axis(axis, self.ndim, "max"), bool(keepdims)))

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Minimum over ``axis``; tied minima share the gradient."""
        self._nonempty("min")
        return apply_op(OPS["min"], (self,), (normalize_axis(axis, self.ndim, "min"), bool(keepdims)))

    def _nonempty(self, where: str) -> None:
        if self.data.size == 0:
            raise ValueError(f"{where}: the tensor is empty (shape {self.shape}); there is no {where}")

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """Variance over ``axis`` (numpy's convention: ``ddof=0``)."""
        ax = normalize_axis(axis, self.ndim, "var")
        d = self - self.mean(ax, keepdims=True)
        n = count(self.shape, ax) - ddof
        if n <= 0:
            raise ValueError(f"var: ddof={ddof} leaves no degrees of freedom for {count(self.shape, ax)} elements")
        return (d * d).sum(ax, keepdims) * (1.0 / n)

    def std(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """Standard deviation over ``axis`` (``ddof=0``)."""
        return self.var(normalize_axis(axis, self.ndim, "std"), keepdims, ddof).sqrt()

    def logsumexp(self, axis: Any = -1, keepdims: bool = False) -> Tensor:
        """log(sum(exp(x))) over ``axis``, stable for large inputs."""
        return apply_op(OPS["logsumexp"], (self,), (normalize_axis(axis, self.ndim, "logsumexp"), bool(keepdims)))

    def log_softmax(self, axis: int = -1) -> Tensor:
        """Log-probabilities ``(x - m) - log(sum(exp(x - m)))`` with m the maximum, precise at any scale.

        NOTE: not ``x - (m + log(...))``: at logits of 1e4 in float32, m + log 2 rounds to 10000.69336.
        The maximum is a constant (subtracting it changes no gradient).
        """
        ax = normalize_axis(axis, self.ndim, "log_softmax")
        d = self.data
        m = d.max(axis=ax, keepdims=True) if d.size else np.zeros((1,) * d.ndim, d.dtype)
        shifted = self - np.where(np.isfinite(m), m, 0).astype(d.dtype, copy=False)
        return shifted - shifted.logsumexp(ax, keepdims=True)

    def softmax(self, axis: int = -1) -> Tensor:
        """Probabilities exp(x) / sum(exp(x)) along ``axis``."""
        return self.log_softmax(normalize_axis(axis, self.ndim, "softmax")).exp()

    def argmax(self, axis: Any = None) -> np.ndarray:
        """Index of the maximum (an ndarray; no gradient)."""
        return np.argmax(self.data, axis=normalize_axis(axis, self.ndim, "argmax"))

    def argmin(self, axis: Any = None) -> np.ndarray:
        """Index of the minimum (an ndarray; no gradient)."""
        return np.argmin(self.data, axis=normalize_axis(axis, self.ndim, "argmin"))

    # shapes ---------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        """The same values in a new shape (one dimension may be -1)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return apply_op(OPS["reshape"], (self,), (tuple(int(s) for s in shape),))

    view = reshape

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes (none given: reverse them)."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if axes:
            if sorted(normalize_axis(a, self.ndim, "transpose") for a in axes) != list(range(self.ndim)):
                raise ValueError(
                    f"transpose: axes {axes} are not a permutation of the {self.ndim} axes of shape {self.shape}"
                )
            axes = tuple(normalize_axis(a, self.ndim, "transpose") for a in axes)
        return apply_op(OPS["transpose"], (self,), (axes or None,))

    def flatten(self) -> Tensor:
        """All values in one dimension."""
        return self.reshape(-1)

    def squeeze(self, axis: Any = None) -> Tensor:
        """Drop axes of length 1 (all of them, or the ones given)."""
        ax = normalize_axis(axis, self.ndim, "squeeze")
        axes = (ax,) if isinstance(ax, int) else ax
        if axes is not None:
            for a in axes:
                if self.shape[a] != 1:
                    raise ValueError(f"squeeze: axis {a} has length {self.shape[a]}, not 1 (shape {self.shape})")
        return self.reshape(np.squeeze(np.empty(self.shape, dtype=bool), axis=axes).shape)

    def unsqueeze(self, axis: int) -> Tensor:
        """Insert an axis of length 1 at ``axis``."""
        shape = list(self.shape)
        n = len(shape) + 1
        if not -n <= axis < n:
            raise ValueError(f"unsqueeze: axis {axis} is out of range for a result with {n} dimensions")
        shape.insert(axis % n, 1)
        return self.reshape(tuple(shape))

    expand_dims = unsqueeze

    def __getitem__(self, index: Any) -> Tensor:
        return apply_op(OPS["getitem"], (self,), (index_arrays(index),))

    # conversions ----------------------------------------------------------------
    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted, this one has shape {self.shape}")
        return self.data.item()

    def __float__(self) -> float:
        return float(self.item())

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied)."""
        return self.data

    def tolist(self) -> Any:
        """The data as nested Python lists."""
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    def detach(self) -> Tensor:
        """A new leaf sharing the data, taking no part in backward."""
        return _leaf(self.data)

    def zero_grad(self) -> None:
        """Set ``grad`` to None."""
        self.grad = None

    def __repr__(self) -> str:
        return tensor_repr(self)

    def _repr_html_(self) -> str:
        return tensor_html(self)


_node = builder(Tensor)
# the tensor engine's op nodes: _node(op, a, b, meta, data, record) (see autograd.node.builder)
