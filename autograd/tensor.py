"""``Tensor``: the vector engine, one numpy array per node (PyTorch's names)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .graph import _CTX, Node, _anomaly, _finite, _link
from .ops import ARRAY, OPS, Op
from .value import Value, _extreme

__all__ = [
    "Tensor",
    "tensor",
    "concatenate",
    "stack",
    "where",
    "maximum",
    "minimum",
    "zeros",
    "ones",
    "randn",
]

_new = object.__new__
# Scalars that never change a tensor's dtype: Python numbers (weak in numpy), and numpy's
# bool, which cannot raise a float dtype either (numpy: float32 array * np.True_ is float32).
_PY_SCALARS = (int, float, bool, np.bool_)


def _as_array(data: Any, dtype: Any = None, where: str = "Tensor") -> np.ndarray:
    """Convert user data to a float ndarray following the dtype rules."""
    if isinstance(data, Node):
        if not isinstance(data, Tensor):
            raise TypeError(f"{where}: cannot make a Tensor from a {type(data).__name__}; use its .data")
        data = data.data
    if isinstance(data, (str, bytes)) or data is None or isinstance(data, (dict, set)):
        raise TypeError(
            f"{where}: expected a number, a nested list of numbers or a numpy array, got {type(data).__name__}"
        )
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        if dtype is not None:
            return arr.astype(dtype, copy=False)
        kind = arr.dtype.kind
        if kind == "f":
            return arr  # a given float array keeps its dtype
        if kind in "iub":
            return arr.astype(np.float64)
        raise TypeError(
            f"{where}: arrays of dtype {arr.dtype} are not supported; expected a real (float, int or bool) array"
        )
    try:
        arr = np.array(data, dtype=np.float64 if dtype is None else dtype)
    except (ValueError, TypeError) as e:
        raise (TypeError if "could not convert" in str(e) or isinstance(e, TypeError) else ValueError)(
            f"{where}: cannot convert {type(data).__name__} to a numeric array "
            f"(nested lists must be rectangular and hold only numbers): {e}"
        ) from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{where}: expected real numbers, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and isinstance(data, (list, tuple)) and np.isnan(arr).any() and _has_none(data):
        # NOTE: numpy turns None into nan under a float dtype; None is not a number.
        raise TypeError(f"{where}: cannot convert {type(data).__name__} to a numeric array: it holds None")
    return arr


def _has_none(data: Any) -> bool:
    """Whether nested lists/tuples hold None anywhere (iterative: nesting depth is unbounded)."""
    stack = [data]
    while stack:
        for x in stack.pop():
            if x is None:
                return True
            if isinstance(x, (list, tuple)):
                stack.append(x)
    return False


def _shapes(arrays: Sequence[Any]) -> str:
    return ", ".join(str(np.shape(a)) for a in arrays)


_ADD, _MUL, _MATMUL, _TANH, _RELU = OPS["add"], OPS["mul"], OPS["matmul"], OPS["tanh"], OPS["relu"]


def _make(op: Op, prev: tuple, meta: tuple = ()) -> Tensor:
    """Run ``op`` forward on the parents ``prev`` and create its node."""
    n = len(prev)
    try:
        # NOTE: arity 1 and 2 are unrolled (no list, no any()): most ops come through here.
        if n == 1:
            a = prev[0]
            data = op.fwd(ARRAY, a.data, *meta) if meta else op.fwd(ARRAY, a.data)
            if not op.variadic:
                return _node(op, a, None, meta, data, a.requires_grad)
        elif n == 2:
            a, b = prev
            data = op.fwd(ARRAY, a.data, b.data, *meta) if meta else op.fwd(ARRAY, a.data, b.data)
            if not op.variadic:
                return _node(op, a, b, meta, data, a.requires_grad or b.requires_grad)
        else:
            data = op.fwd(ARRAY, *[p.data for p in prev], *meta)
    except (ValueError, IndexError, TypeError) as e:
        raise type(e)(f"{op.name}: {e} (input shapes: {_shapes([p.data for p in prev])})") from None
    # a variadic op (concatenate, stack): its parents are kept as one tuple
    out = _leaf(data if type(data) is np.ndarray else np.asarray(data))
    ctx = _CTX.get()
    if ctx[1] and any(p.requires_grad for p in prev):
        _link(out, prev, True)
        out.op, out._meta, out.requires_grad = op, meta, True
    if ctx[2] and not _finite(out.data):
        _link(out, prev, True)  # so that the error can name every input
        out.op, out._meta = op, meta
        _anomaly("forward", out, out.data)
    return out


def _node(op: Op, a: Tensor, b: Tensor | None, meta: tuple, data: Any, record: bool) -> Tensor:
    """The node of a unary (``b`` None) or binary op whose result ``data`` the caller computed.

    Every arity-1/2 op ends here (:func:`_make` after running the table's forward;
    ``+``/``*`` with a number, ``tanh`` and ``relu`` directly), as
    :func:`autograd.value._make` does for the scalar engine.
    """
    stage, grad_on, anomaly = _CTX.get()
    if type(data) is not np.ndarray:
        data = np.asarray(data)
    out = _new(Tensor)
    out.data = data
    out.grad = None
    out.stage = stage
    out.label = None
    if record and grad_on:
        out._a = a
        out._b = b
        out.op = op
        out._meta = meta
        out.requires_grad = True
    else:
        out._a = out._b = None
        out.op = None
        out._meta = ()
        out.requires_grad = False
    if anomaly and not _finite(data):
        out._a, out._b, out.op, out._meta = a, b, op, meta  # so that the error can name them
        _anomaly("forward", out, data)
    return out


def _leaf(data: np.ndarray) -> Tensor:
    out = _new(Tensor)
    out.data = data
    out.grad = None
    out._a = out._b = None
    out.op = None
    out._meta = ()
    out.stage = _CTX.get()[0]
    out.label = None
    out.requires_grad = False
    return out


def _operand(x: Any, where: str, like: np.ndarray | None = None) -> Tensor:
    """Any operand as a Tensor (constants become leaves that need no grad)."""
    if isinstance(x, Tensor):
        return x
    if type(x) in _PY_SCALARS and like is not None:
        return _leaf(np.asarray(x, dtype=like.dtype if like.dtype.kind == "f" else np.float64))
    if isinstance(x, Node):
        raise TypeError(
            f"{where}: cannot mix a Tensor and a {type(x).__name__} in one operation; "
            "use Tensor with Tensor and Value with Value"
        )
    if isinstance(x, (np.ndarray, np.generic, list, tuple)) or isinstance(x, numbers.Real):
        return _leaf(_as_array(x, where=where))
    raise TypeError(f"{where}: unsupported operand of type {type(x).__name__}; expected a Tensor, an array or a number")


def _unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast gradient back to ``shape``."""
    if type(g) is not np.ndarray:
        g = np.asarray(g)
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        # NOTE: one leading axis (a bias under a batch) is the common case
        g = g.sum(axis=0) if extra == 1 else g.sum(axis=tuple(range(extra)))
        if g.shape == shape:
            return g
    if extra >= 0:
        gs = g.shape
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and gs[i] != 1)
        if axes:
            g = g.sum(axis=axes, keepdims=True)
    return g if g.shape == shape else np.broadcast_to(g, shape)


def _axis(axis: Any, ndim: int, where: str) -> Any:
    """Validate and normalise an axis argument (None, int or tuple of ints)."""
    if axis is None:
        return None
    axes = axis if isinstance(axis, tuple) else (axis,)
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{where}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{where}: axis {a} is out of range for a tensor with {ndim} dimension(s)")
        out.append(int(a) % max(ndim, 1))
    return tuple(out) if isinstance(axis, tuple) else out[0]


def _index(index: Any) -> Any:
    """Tensors and lists inside an index become arrays."""
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data.astype(np.intp) if index.data.dtype.kind == "f" else index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


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
    __array_ufunc__ = None  # ndarray (op) Tensor defers to Tensor's reflected op

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, label: str | None = None) -> None:
        self.data = _as_array(data, dtype)
        self.grad = None
        self._a = self._b = None
        self.op = None
        self._meta = ()
        self.stage = _CTX.get()[0]
        self.label = label
        self.requires_grad = bool(requires_grad)

    # engine hooks ---------------------------------------------------------------
    def _seed(self, gradient: Any) -> np.ndarray:
        d = self.data
        if gradient is None:
            if d.size != 1:
                raise RuntimeError(
                    f"backward: the output has shape {d.shape}; gradient can be implied only for a "
                    "one-element output. Pass gradient= with the same shape, or reduce first (e.g. .sum())"
                )
            return np.array(1, dtype=d.dtype) if d.ndim == 0 else np.ones(d.shape, d.dtype)
        try:
            g = np.array(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=d.dtype)
        except (TypeError, ValueError):
            raise TypeError(
                f"backward: gradient must be a number, an array or a Tensor of numbers, got {type(gradient).__name__}"
            ) from None
        if g.shape != d.shape:
            raise ValueError(f"backward: gradient has shape {g.shape} but the output has shape {d.shape}")
        return g

    def _accumulate(self, g: Any) -> None:
        d = self.data
        if type(g) is not np.ndarray or g.shape != d.shape:
            g = _unbroadcast(g, d.shape)
        if g.dtype is not d.dtype and g.dtype != d.dtype:
            g = g.astype(d.dtype)
        cur = self.grad
        if cur is None:
            # A leaf's grad is a writable array that owns its memory (optimisers or
            # users may update it in place); views and read-only arrays are copied.
            # NOTE: like PyTorch, a fresh gradient is taken over without a copy; it
            # may also be an interior node's (display-only) grad, never another leaf's
            # (backward copies when one rule result would go to two parents).
            if self.op is None and (g.base is not None or not g.flags.writeable):
                g = np.array(g)
            self.grad = g
        else:
            self.grad = cur + g

    def _unary(self, op: Op, *consts: Any) -> Tensor:
        return _make(op, (self,), consts)

    def _binary(self, other: Any, op: Op) -> Tensor:
        if type(other) in _PY_SCALARS:
            return _make(op, (self,), (other,))
        return _make(op, (self, _operand(other, op.name)))

    def _reflected(self, other: Any, op: Op, rop: Op) -> Tensor:
        if type(other) in _PY_SCALARS:
            return _make(rop, (self,), (other,))
        return _make(op, (_operand(other, op.name), self))

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
        if type(other) in _PY_SCALARS:  # a weak scalar: numpy keeps the tensor's dtype
            return _node(_ADD, self, None, (other,), self.data + other, self.requires_grad)
        return _make(_ADD, (self, _operand(other, "add")))

    def __radd__(self, other: Any) -> Tensor:
        if type(other) in _PY_SCALARS:
            return _node(_ADD, self, None, (other,), self.data + other, self.requires_grad)
        return _make(_ADD, (_operand(other, "add"), self))

    def __sub__(self, other: Any) -> Tensor:
        return self._binary(other, OPS["sub"])

    def __rsub__(self, other: Any) -> Tensor:
        return self._reflected(other, OPS["sub"], OPS["rsub"])

    def __mul__(self, other: Any) -> Tensor:
        if type(other) in _PY_SCALARS:
            return _node(_MUL, self, None, (other,), self.data * other, self.requires_grad)
        return _make(_MUL, (self, _operand(other, "mul")))

    def __rmul__(self, other: Any) -> Tensor:
        if type(other) in _PY_SCALARS:
            return _node(_MUL, self, None, (other,), self.data * other, self.requires_grad)
        return _make(_MUL, (_operand(other, "mul"), self))

    def tanh(self) -> Tensor:
        """Hyperbolic tangent: squashes to (-1, 1).

        Examples
        --------
        >>> Tensor([0.0, 100.0]).tanh().tolist()
        [0.0, 1.0]
        """
        return _node(_TANH, self, None, (), np.tanh(self.data), self.requires_grad)

    def relu(self) -> Tensor:
        """max(x, 0): passes positive values, zeroes negative ones.

        Examples
        --------
        >>> Tensor([-2.0, 3.0]).relu().tolist()
        [0.0, 3.0]
        """
        return _node(_RELU, self, None, (), np.maximum(self.data, 0), self.requires_grad)

    def __truediv__(self, other: Any) -> Tensor:
        return self._binary(other, OPS["div"])

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._reflected(other, OPS["div"], OPS["rdiv"])

    def __pow__(self, other: Any) -> Tensor:
        return self._binary(other, OPS["pow"])

    def __rpow__(self, other: Any) -> Tensor:
        return self._reflected(other, OPS["pow"], OPS["rpow"])

    def __neg__(self) -> Tensor:
        return _make(OPS["neg"], (self,))

    def __matmul__(self, other: Any) -> Tensor:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return matmul(other, self)

    # comparisons: boolean arrays, no gradient --------------------------------------------
    def _cmp_data(self, other: Any, symbol: str) -> Any:
        if isinstance(other, Tensor):
            return other.data
        where = f"compare ({symbol})"
        if isinstance(other, Node):
            raise TypeError(f"{where}: cannot compare a Tensor with a {type(other).__name__}")
        if type(other) in _PY_SCALARS or isinstance(other, (np.ndarray, np.generic, numbers.Real)):
            return other
        if isinstance(other, (list, tuple)):
            return _as_array(other, where=where)
        raise TypeError(
            f"{where}: unsupported operand of type {type(other).__name__}; expected a Tensor, an array or a number"
        )

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
        return _make(OPS["sum"], (self,), (_axis(axis, self.ndim, "sum"), bool(keepdims)))

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis``."""
        ax = _axis(axis, self.ndim, "mean")
        return self.sum(ax, keepdims) * (1.0 / _count(self.shape, ax))

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``; tied maxima share the gradient."""
        self._nonempty("max")
        return _make(OPS["max"], (self,), (_axis(axis, self.ndim, "max"), bool(keepdims)))

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Minimum over ``axis``; tied minima share the gradient."""
        self._nonempty("min")
        return _make(OPS["min"], (self,), (_axis(axis, self.ndim, "min"), bool(keepdims)))

    def _nonempty(self, where: str) -> None:
        if self.data.size == 0:
            raise ValueError(f"{where}: the tensor is empty (shape {self.shape}); there is no {where}")

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """Variance over ``axis`` (numpy's convention: ``ddof=0``)."""
        ax = _axis(axis, self.ndim, "var")
        d = self - self.mean(ax, keepdims=True)
        n = _count(self.shape, ax) - ddof
        if n <= 0:
            raise ValueError(f"var: ddof={ddof} leaves no degrees of freedom for {_count(self.shape, ax)} elements")
        return (d * d).sum(ax, keepdims) * (1.0 / n)

    def std(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """Standard deviation over ``axis`` (``ddof=0``)."""
        return self.var(_axis(axis, self.ndim, "std"), keepdims, ddof).sqrt()

    def logsumexp(self, axis: Any = -1, keepdims: bool = False) -> Tensor:
        """log(sum(exp(x))) over ``axis``, stable for large inputs."""
        return _make(OPS["logsumexp"], (self,), (_axis(axis, self.ndim, "logsumexp"), bool(keepdims)))

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x - logsumexp(x): log-probabilities, stable for logits of ±1e4."""
        return self - self.logsumexp(_axis(axis, self.ndim, "log_softmax"), keepdims=True)

    def softmax(self, axis: int = -1) -> Tensor:
        """Probabilities exp(x) / sum(exp(x)) along ``axis``."""
        return self.log_softmax(_axis(axis, self.ndim, "softmax")).exp()

    def argmax(self, axis: Any = None) -> np.ndarray:
        """Index of the maximum (an ndarray; no gradient)."""
        return np.argmax(self.data, axis=_axis(axis, self.ndim, "argmax"))

    def argmin(self, axis: Any = None) -> np.ndarray:
        """Index of the minimum (an ndarray; no gradient)."""
        return np.argmin(self.data, axis=_axis(axis, self.ndim, "argmin"))

    # shapes ---------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        """The same values in a new shape (one dimension may be -1)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _make(OPS["reshape"], (self,), (tuple(int(s) for s in shape),))

    view = reshape

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes (none given: reverse them)."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if axes:
            if sorted(_axis(a, self.ndim, "transpose") for a in axes) != list(range(self.ndim)):
                raise ValueError(
                    f"transpose: axes {axes} are not a permutation of the {self.ndim} axes of shape {self.shape}"
                )
            axes = tuple(_axis(a, self.ndim, "transpose") for a in axes)
        return _make(OPS["transpose"], (self,), (axes or None,))

    def flatten(self) -> Tensor:
        """All values in one dimension."""
        return self.reshape(-1)

    def squeeze(self, axis: Any = None) -> Tensor:
        """Drop axes of length 1 (all of them, or the ones given)."""
        ax = _axis(axis, self.ndim, "squeeze")
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
        return _make(OPS["getitem"], (self,), (_index(index),))

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
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20, prefix="Tensor(")
        extras = []
        if self.data.dtype != np.float64:
            extras.append(f"dtype={self.data.dtype}")
        if self.requires_grad:
            extras.append("requires_grad=True")
        if self.op is not None:
            extras.append(f"op={self.op.name}")
        return f"Tensor({body}{''.join(', ' + e for e in extras)})"

    def _repr_html_(self) -> str:
        d = self.data
        stats = "" if d.size == 0 else f" min={d.min():.4g} mean={d.mean():.4g} max={d.max():.4g}"
        g = "None" if self.grad is None else f"norm={np.linalg.norm(self.grad):.4g}"
        op = self.op.name if self.op is not None else "leaf"
        return (
            f"<span>Tensor shape=<code>{d.shape}</code> dtype=<code>{d.dtype}</code>{stats} "
            f"grad=<code>{g}</code> op=<code>{op}</code></span>"
        )


def _count(shape: tuple[int, ...], axis: Any) -> int:
    """How many elements a reduction over ``axis`` combines (math.prod: np.prod costs microseconds)."""
    if axis is None:
        return math.prod(shape)
    axes = axis if isinstance(axis, tuple) else (axis,)
    return math.prod(shape[a] for a in axes)


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, label: str | None = None) -> Tensor:
    """Make a Tensor (PyTorch's ``torch.tensor`` spelling).

    Examples
    --------
    >>> tensor([1, 2]).dtype
    dtype('float64')
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, label=label)


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with numpy's rules (1-D, 2-D and batched).

    Examples
    --------
    >>> matmul(Tensor([[1.0, 2.0]]), Tensor([[3.0], [4.0]])).tolist()
    [[11.0]]
    """
    ta = a if type(a) is Tensor else _operand(a, "matmul")
    tb = b if type(b) is Tensor else _operand(b, "matmul")
    if ta.data.ndim == 2 and tb.data.ndim == 2 and ta.data.shape[1] == tb.data.shape[0]:
        return _make(_MATMUL, (ta, tb))  # NOTE: the common case, checked in one line
    sa, sb = ta.shape, tb.shape
    if ta.ndim == 0 or tb.ndim == 0:
        raise ValueError(f"matmul: operands must have at least 1 dimension, got shapes {sa} and {sb}")
    inner_a = sa[-1]
    inner_b = sb[0] if tb.ndim == 1 else sb[-2]
    if inner_a != inner_b:
        raise ValueError(f"matmul: shapes {sa} and {sb} do not align (inner dimensions {inner_a} != {inner_b})")
    return _make(OPS["matmul"], (ta, tb))


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis.

    Examples
    --------
    >>> concatenate([Tensor([1.0]), Tensor([2.0, 3.0])]).tolist()
    [1.0, 2.0, 3.0]
    """
    ts = tuple(_operand(t, "concatenate") for t in tensors)
    if not ts:
        raise ValueError("concatenate: needs at least one tensor")
    return _make(OPS["concatenate"], ts, (_axis(axis, ts[0].ndim, "concatenate"),))


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis.

    Examples
    --------
    >>> stack([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])]).shape
    (2, 2)
    """
    ts = tuple(_operand(t, "stack") for t in tensors)
    if not ts:
        raise ValueError("stack: needs at least one tensor")
    if len({t.shape for t in ts}) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {_shapes([t.data for t in ts])}")
    n = ts[0].ndim + 1
    if not -n <= axis < n:
        raise ValueError(f"stack: axis {axis} is out of range for a result with {n} dimensions")
    return _make(OPS["stack"], ts, (axis % n,))


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a`` where ``condition`` holds, else ``b``.

    Examples
    --------
    >>> where(np.array([True, False]), Tensor([1.0, 2.0]), 0.0).tolist()
    [1.0, 0.0]
    """
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition).astype(bool)
    like = a.data if isinstance(a, Tensor) else (b.data if isinstance(b, Tensor) else None)
    return _make(OPS["where"], (_operand(a, "where", like), _operand(b, "where", like)), (cond,))


def _scalar_pair(a: Any, b: Any) -> bool:
    """True when an elementwise function gets Values (and maybe a number), no Tensor."""
    return (type(a) is Value or type(b) is Value) and not (isinstance(a, Tensor) or isinstance(b, Tensor))


def maximum(a: Any, b: Any) -> Any:
    """Elementwise maximum; ties share the gradient.

    Works on Tensors and, as the table row serves both engines, on Values
    (a Value with a Value or a number gives a Value).

    Examples
    --------
    >>> maximum(Tensor([1.0, 5.0]), 3.0).tolist()
    [3.0, 5.0]
    """
    if _scalar_pair(a, b):
        return _extreme(OPS["maximum"], a, b)
    like = a.data if isinstance(a, Tensor) else (b.data if isinstance(b, Tensor) else None)
    return _make(OPS["maximum"], (_operand(a, "maximum", like), _operand(b, "maximum", like)))


def minimum(a: Any, b: Any) -> Any:
    """Elementwise minimum; ties share the gradient.

    Works on Tensors and, as the table row serves both engines, on Values
    (a Value with a Value or a number gives a Value).

    Examples
    --------
    >>> minimum(Tensor([1.0, 5.0]), 3.0).tolist()
    [1.0, 3.0]
    """
    if _scalar_pair(a, b):
        return _extreme(OPS["minimum"], a, b)
    like = a.data if isinstance(a, Tensor) else (b.data if isinstance(b, Tensor) else None)
    return _make(OPS["minimum"], (_operand(a, "minimum", like), _operand(b, "minimum", like)))


def _shape_arg(shape: tuple[Any, ...], where: str) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        out = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: shape must be ints, got {shape!r}") from None
    if any(s < 0 for s in out):
        raise ValueError(f"{where}: shape must not be negative, got {out}")
    return out


def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros.

    Examples
    --------
    >>> zeros(2, 3).shape
    (2, 3)
    """
    return Tensor(np.zeros(_shape_arg(shape, "zeros"), dtype=dtype), requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A tensor of ones.

    Examples
    --------
    >>> ones(2).tolist()
    [1.0, 1.0]
    """
    return Tensor(np.ones(_shape_arg(shape, "ones"), dtype=dtype), requires_grad=requires_grad)


def randn(
    *shape: Any,
    seed: int | None = None,
    generator: np.random.Generator | None = None,
    dtype: Any = np.float64,
    requires_grad: bool = False,
) -> Tensor:
    """Standard-normal samples, reproducible with ``seed`` or ``generator``.

    Examples
    --------
    >>> bool((randn(3, seed=0).data == randn(3, seed=0).data).all())
    True
    """
    if generator is not None and seed is not None:
        raise ValueError("randn: give seed or generator, not both")
    rng = generator if generator is not None else np.random.default_rng(seed)
    data = rng.standard_normal(_shape_arg(shape, "randn")).astype(dtype, copy=False)
    return Tensor(data, requires_grad=requires_grad)
