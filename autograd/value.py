"""``Value``: the scalar engine, one Python float per node (micrograd's API)."""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Collection, Sequence
from math import tanh as _tanh
from typing import Any

import numpy as np

from .backprop import backward
from .context import CTX as _CTX
from .display import value_html
from .node import MANY, Node, builder, link
from .ops import CUSTOM, OPS, Op, custom
from .xp import SCALAR

__all__ = ["Value", "dot"]

_ADD, _SUB, _RSUB, _MUL = OPS["add"], OPS["sub"], OPS["rsub"], OPS["mul"]
_DIV, _RDIV, _NEG, _POW, _RPOW = OPS["div"], OPS["rdiv"], OPS["neg"], OPS["pow"], OPS["rpow"]
_RELU, _TANH, _DOT = OPS["relu"], OPS["tanh"], OPS["dot"]


def _number(x: Any, where: str) -> float:
    """A Python/numpy real number as float, or a clear TypeError."""
    t = type(x)
    if t is float or t is int:  # fast path: the common case, no ABC check
        return x
    if isinstance(x, (numbers.Real, np.bool_)) and not isinstance(x, Node):  # numpy's bool is no numbers.Real
        return float(x)
    if isinstance(x, Node):
        raise TypeError(
            f"{where}: cannot mix a Value and a {type(x).__name__} in one operation; "
            "use Value with Value and Tensor with Tensor"
        )
    name = type(x).__name__
    if name == "Value":  # another library's Value (micrograd's): say whose
        name = f"{type(x).__module__}.Value (not layergrad's)"
    raise TypeError(f"{where}: unsupported operand of type {name}; expected a number or a Value")


def _value_data(x: Any) -> float:
    """The number a new Value holds: a real number, another Value's number, or a 0-d numpy array's."""
    if isinstance(x, (float, int)):  # numpy's float64 is a float: micrograd's demo gives those
        return float(x)
    if isinstance(x, Value):
        return x.data
    if isinstance(x, np.ndarray):
        if x.ndim == 0 and x.dtype.kind in "biuf":
            return float(x)
        raise TypeError(
            f"Value: data must be one number; got a numpy array of shape {x.shape} and dtype {x.dtype} "
            "(a 0-d array works; for arrays use Tensor)"
        )
    if isinstance(x, (numbers.Real, np.bool_, Node)):
        return float(_number(x, "Value"))  # a Tensor: the engines' "cannot mix" error
    raise TypeError(f"Value: data must be a real number, a Value or a 0-d numpy array; got {type(x).__name__}")


class Value(Node):
    """A scalar that records the operations applied to it.

    A drop-in for micrograd's ``Value``: ``data``, ``grad``, ``+ - * / **``
    with numbers on either side, ``relu()``, ``tanh()``, ``exp()``,
    ``backward()``, each node's ``_backward()``, and the attributes ``_prev``
    and ``_op`` read by micrograd-style drawing code.  Equality and hashing
    are by identity, so Values live in sets and dicts; ``< > <= >=`` compare
    ``data``.

    An op can be added micrograd's way: make the result with
    ``Value(data, (parents...), "name")`` and assign it a ``_backward``
    function that adds into the parents' ``grad`` (see the example); the node
    is then a *custom* node that ``backward()`` calls in topological order.

    Subclasses mix freely with Value: an operator's result has the class of
    its left operand (``V * Value`` is a ``V``, ``Value * V`` a ``Value``), and
    a number on the left gives a ``Value`` (``2 * V`` is a ``Value``, as in
    micrograd, whose results are always ``Value``).  Results are made without
    calling ``__init__``.

    Parameters
    ----------
    data : float
        The number (a Python or numpy real number, a 0-d numpy array, or a
        Value, whose number is copied into a new leaf).
    _children : tuple of Value, optional
        micrograd's parents argument: the node is a custom op node with these
        parents, whose gradient rule is the ``_backward`` assigned to it
        (until one is, it passes no gradient on, as in micrograd).
    _op : str, optional
        micrograd's op name, shown in drawings and returned by ``_op``.
    label : str, optional
        A name shown in drawings.
    requires_grad : bool, default True
        As in micrograd, every Value takes part in backward unless told not to.

    Examples
    --------
    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = (a * b + a).relu() + a * b
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (-6.0, -3.0, 2.0)

    A custom op, micrograd's way:

    >>> def cube(v):
    ...     out = Value(v.data**3, (v,), "cube")
    ...     def _backward():
    ...         v.grad += 3 * v.data**2 * out.grad
    ...     out._backward = _backward
    ...     return out
    >>> x = Value(2.0)
    >>> y = cube(x) * 2
    >>> y.backward()
    >>> y.data, x.grad, cube(x)._op
    (16.0, 24.0, 'cube')
    """

    __slots__ = ()
    _xp = SCALAR
    _zero = 0.0
    _scalar = True
    _blank_label = ""
    backward = backward

    def __init__(
        self,
        data: Any,
        _children: Collection[Value] = (),
        _op: str = "",
        label: str = "",
        requires_grad: bool = True,
    ) -> None:
        # NOTE: a node's data is always a float (int ** int would otherwise stay exact).
        self.data = data if type(data) is float else _value_data(data)
        self.grad = 0.0
        if _children:  # micrograd's way of making an op's result: a custom node (see autograd.ops.custom)
            children = tuple(_children)
            for c in children:
                if not isinstance(c, Value):
                    raise TypeError(f"Value: _children must be Values, got a {type(c).__name__}")
            link(self, children, variadic=True)
            self._row = custom(str(_op))
            self._meta = ()
        else:
            self._a = self._b = None
            self._row = None
            self._meta = (str(_op),) if _op else ()
        self.stage = _CTX.get()[0]
        self.label = label
        self.requires_grad = bool(requires_grad)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass's instances keep their class through operators (see the class docstring)."""
        super().__init_subclass__(**kwargs)
        for name in _KEEP_CLASS:
            original = Value.__dict__[name]
            if getattr(cls, name) is original:  # neither this class nor one between redefines it
                setattr(cls, name, _keeps_class(original))

    # micrograd compatibility --------------------------------------------------
    @property
    def _op(self) -> str:
        """micrograd's op string: ``'+'``, ``'*'``, ``'**2'``, ``'ReLU'``, ... ('' for a leaf)."""
        op = self._row
        if op is None:
            return self._meta[0] if self._meta else ""
        sym = op.symbol
        if op.name == CUSTOM:
            return sym
        if "{0}" in sym:  # e.g. '**{0}': the constant exponent, or '**' for Value ** Value
            return sym.format(_fmt(self._meta[0])) if self._meta else sym.replace("{0}", "")
        return sym

    # engine hooks -------------------------------------------------------------
    def _seed(self, gradient: Any) -> float:
        if gradient is None:
            return 1.0
        if isinstance(gradient, Value):
            return gradient.data
        if isinstance(gradient, numbers.Real) and not isinstance(gradient, Node):
            return float(gradient)
        raise TypeError(f"backward: gradient of a Value must be a number (or a Value), got {type(gradient).__name__}")

    def _accumulate(self, g: float) -> None:
        self.grad += g

    def _unary(self, op: Op, *consts: Any) -> Value:
        return _make(op, self, None, consts, op.fwd(SCALAR, self.data, *consts), self.requires_grad)

    # arithmetic ---------------------------------------------------------------
    def __add__(self, other: Any) -> Value:
        t = type(other)
        if t is float or t is int:  # NOTE: a number first, with one type() call: the common case in chains
            return _make(_ADD, self, None, (other,), self.data + other, self.requires_grad)
        if t is Value or isinstance(other, Value):
            return _make(_ADD, self, other, (), self.data + other.data, self.requires_grad or other.requires_grad)
        c = _number(other, "add")
        return _make(_ADD, self, None, (c,), self.data + c, self.requires_grad)

    __radd__ = __add__

    def __mul__(self, other: Any) -> Value:
        t = type(other)
        if t is float or t is int:  # NOTE: a number first, with one type() call: the common case in chains
            return _make(_MUL, self, None, (other,), self.data * other, self.requires_grad)
        if t is Value or isinstance(other, Value):
            return _make(_MUL, self, other, (), self.data * other.data, self.requires_grad or other.requires_grad)
        c = _number(other, "mul")
        return _make(_MUL, self, None, (c,), self.data * c, self.requires_grad)

    __rmul__ = __mul__

    def __sub__(self, other: Any) -> Value:
        t = type(other)
        if t is float or t is int:  # NOTE: a number first, with one type() call: the common case in chains
            return _make(_SUB, self, None, (other,), self.data - other, self.requires_grad)
        if t is Value or isinstance(other, Value):
            return _make(_SUB, self, other, (), self.data - other.data, self.requires_grad or other.requires_grad)
        c = _number(other, "sub")
        return _make(_SUB, self, None, (c,), self.data - c, self.requires_grad)

    def __rsub__(self, other: Any) -> Value:
        c = _number(other, "sub")
        return _make(_RSUB, self, None, (c,), c - self.data, self.requires_grad)

    def __truediv__(self, other: Any) -> Value:
        if isinstance(other, Value):
            data = _DIV.fwd(SCALAR, self.data, other.data) if other.data else _div0(self.data, other.data)
            return _make(_DIV, self, other, (), data, self.requires_grad or other.requires_grad)
        c = _number(other, "div")
        return _make(_DIV, self, None, (c,), self.data / c if c else _div0(self.data, c), self.requires_grad)

    def __rtruediv__(self, other: Any) -> Value:
        c = _number(other, "div")
        return _make(_RDIV, self, None, (c,), c / self.data if self.data else _div0(c, self.data), self.requires_grad)

    def __pow__(self, other: Any) -> Value:
        if isinstance(other, Value):
            data = SCALAR.pow(self.data, other.data)
            return _make(_POW, self, other, (), data, self.requires_grad or other.requires_grad)
        c = other if type(other) is int else _number(other, "pow")
        return _make(_POW, self, None, (c,), SCALAR.pow(self.data, c), self.requires_grad)

    def __rpow__(self, other: Any) -> Value:
        c = _number(other, "pow")
        return _make(_RPOW, self, None, (c,), SCALAR.pow(c, self.data), self.requires_grad)

    def __neg__(self) -> Value:
        return _make(_NEG, self, None, (), -self.data, self.requires_grad)

    def relu(self) -> Value:
        """max(x, 0): passes positive values, zeroes negative ones."""
        d = self.data
        return _make(_RELU, self, None, (), d if d > 0 or d != d else 0.0, self.requires_grad)

    def tanh(self) -> Value:
        """Hyperbolic tangent: squashes to (-1, 1)."""
        return _make(_TANH, self, None, (), _tanh(self.data), self.requires_grad)

    # comparisons on data: plain bools ---------------------------------------------
    def __lt__(self, other: Any) -> bool:
        return self.data < _cmp(other)

    def __le__(self, other: Any) -> bool:
        return self.data <= _cmp(other)

    def __gt__(self, other: Any) -> bool:
        return self.data > _cmp(other)

    def __ge__(self, other: Any) -> bool:
        return self.data >= _cmp(other)

    __hash__ = Node.__hash__  # identity: nodes live in sets and dicts

    # conversions ------------------------------------------------------------------
    def __float__(self) -> float:
        return float(self.data)

    def item(self) -> float:
        """The number, as a Python float."""
        return float(self.data)

    def detach(self) -> Value:
        """A new leaf with the same data that takes no part in backward."""
        return Value(self.data, requires_grad=False)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0."""
        self.grad = 0.0

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    def _repr_html_(self) -> str:
        return value_html(self)


_make = builder(Value)
# the scalar engine's op nodes: _make(op, a, b, meta, data, record) (see autograd.node.builder)

# The methods whose result takes the class of a subclass's instance (a number on the left stays a Value:
# the reflected methods are inherited unchanged, so Python never prefers a subclass's over Value's).
_KEEP_CLASS = ("__add__", "__sub__", "__mul__", "__truediv__", "__pow__", "__neg__", "relu", "tanh", "_unary", "detach")


def _keeps_class(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` of Value for a subclass: its Value result recast to the subclass of ``self``."""

    @functools.wraps(method)
    def of_subclass(self: Value, *args: Any) -> Any:
        out = method(self, *args)
        return _recast(out, type(self)) if type(out) is Value else out

    return of_subclass


def _recast(node: Value, cls: type[Value]) -> Value:
    """A node of class ``cls`` with the same slots as ``node``, a new result no one else refers to."""
    out = object.__new__(cls)
    for name in Node.__slots__:
        setattr(out, name, getattr(node, name))
    return out


def _fmt(c: Any) -> str:
    return str(int(c)) if isinstance(c, float) and c.is_integer() else str(c)


def _div0(num: float, zero: float) -> float:
    """``num / zero`` for a zero divisor as IEEE/numpy give it (Python raises): ±inf, or nan for 0/0.

    The sign follows both operands: ``1 / -0.0`` is ``-inf``.
    """
    if num == 0 or num != num:
        return math.nan
    return math.copysign(math.inf, num) * math.copysign(1.0, zero)


def _cmp(other: Any) -> float:
    return other.data if isinstance(other, Value) else _number(other, "compare")


def extreme(op: Op, a: Any, b: Any) -> Value:
    """Row ``op`` (``maximum``/``minimum``) of two Values, or of a Value and a number (the Value goes first)."""
    if not isinstance(a, Value):
        a, b = b, a
    if isinstance(b, Value):
        return _make(op, a, b, (), op.fwd(SCALAR, a.data, b.data), a.requires_grad or b.requires_grad)
    c = _number(b, op.name)
    return _make(op, a, None, (c,), op.fwd(SCALAR, a.data, c), a.requires_grad)


def dot(ws: Sequence[Value], xs: Sequence[Any]) -> Value:
    """The weighted sum ``w·x`` of Values as one graph node.

    This is a neuron's weighted sum: numerically the same as
    ``sum(w * x for w, x in zip(ws, xs))`` (summed left to right), but one node
    with ``2n`` parents instead of ``2n`` nodes, so a neuron stays cheap.  The
    renderer can still show every multiply and add.  ``xs`` may be numbers, or
    Values and numbers mixed (the numbers then become constant leaves).

    Examples
    --------
    >>> from autograd import Value, dot
    >>> w = [Value(1.0), Value(-2.0)]
    >>> s = dot(w, [3.0, 4.0])
    >>> s.data
    -5.0
    >>> s.backward()
    >>> [wi.grad for wi in w]
    [3.0, 4.0]
    """
    ws = tuple(ws)
    xs = tuple(xs)
    if len(ws) != len(xs):
        raise ValueError(f"dot: {len(ws)} weights but {len(xs)} inputs; they must have the same length")
    for w in ws:
        if type(w) is not Value and not isinstance(w, Value):  # NOTE: type() first: the hot path of every neuron
            raise TypeError(f"dot: weights must be Values, got {type(w).__name__}")
    acc = 0.0
    if all(type(x) is Value for x in xs) or all(isinstance(x, Value) for x in xs):
        for w, x in zip(ws, xs):
            acc += w.data * x.data
        prev = ws + xs
        return _make(_DOT, prev, MANY, (), acc, any(p.requires_grad for p in prev))
    if any(isinstance(x, Value) for x in xs):  # Values and numbers: the numbers become constant leaves
        xv = tuple(x if isinstance(x, Value) else Value(_number(x, "dot"), requires_grad=False) for x in xs)
        return dot(ws, xv)
    consts = tuple(x if type(x) is float else _number(x, "dot") for x in xs)
    for w, x in zip(ws, consts):
        acc += w.data * x
    return _make(_DOT, ws, MANY, consts, acc, any(w.requires_grad for w in ws))
