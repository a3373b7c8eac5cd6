"""``Value``: the scalar engine, one Python float per node (micrograd's API)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Sequence
from math import tanh as _tanh
from typing import Any

import numpy as np

from .backprop import backward
from .context import CTX as _CTX
from .display import value_html
from .node import MANY, Node, builder, link
from .ops import OPS, Op
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
    raise TypeError(f"{where}: unsupported operand of type {type(x).__name__}; expected a number or a Value")


class Value(Node):
    """A scalar that records the operations applied to it.

    A drop-in for micrograd's ``Value``: ``data``, ``grad``, ``+ - * / **``
    with numbers on either side, ``relu()``, ``backward()``, and the
    attributes ``_prev`` and ``_op`` read by micrograd-style drawing code.
    Equality and hashing are by identity, so Values live in sets and dicts;
    ``< > <= >=`` compare ``data``.

    Parameters
    ----------
    data : float
        The number.
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
        # NOTE: float() because _number passes ints through (fast path for constants);
        # a node's data is always a float (int ** int would otherwise stay exact).
        self.data = data if type(data) is float else float(_number(data, "Value"))
        self.grad = 0.0
        link(self, tuple(_children), len(_children) > 2)
        self.op = None
        self._meta = (_op,) if _op else ()
        self.stage = _CTX.get()[0]
        self.label = label
        self.requires_grad = bool(requires_grad)

    # micrograd compatibility --------------------------------------------------
    @property
    def _op(self) -> str:
        """micrograd's op string: ``'+'``, ``'*'``, ``'**2'``, ``'ReLU'``, ... ('' for a leaf)."""
        op = self.op
        if op is None:
            return self._meta[0] if self._meta else ""
        sym = op.symbol
        if "{0}" in sym:  # e.g. '**{0}': the constant exponent, or '**' for Value ** Value
            return sym.format(_fmt(self._meta[0])) if self._meta else sym.replace("{0}", "")
        return sym

    # engine hooks -------------------------------------------------------------
    def _seed(self, gradient: Any) -> float:
        if gradient is None:
            return 1.0
        if type(gradient) is Value:
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
        if t is Value:
            return _make(_ADD, self, other, (), self.data + other.data, self.requires_grad or other.requires_grad)
        c = _number(other, "add")
        return _make(_ADD, self, None, (c,), self.data + c, self.requires_grad)

    __radd__ = __add__

    def __mul__(self, other: Any) -> Value:
        t = type(other)
        if t is float or t is int:  # NOTE: a number first, with one type() call: the common case in chains
            return _make(_MUL, self, None, (other,), self.data * other, self.requires_grad)
        if t is Value:
            return _make(_MUL, self, other, (), self.data * other.data, self.requires_grad or other.requires_grad)
        c = _number(other, "mul")
        return _make(_MUL, self, None, (c,), self.data * c, self.requires_grad)

    __rmul__ = __mul__

    def __sub__(self, other: Any) -> Value:
        t = type(other)
        if t is float or t is int:  # NOTE: a number first, with one type() call: the common case in chains
            return _make(_SUB, self, None, (other,), self.data - other, self.requires_grad)
        if t is Value:
            return _make(_SUB, self, other, (), self.data - other.data, self.requires_grad or other.requires_grad)
        c = _number(other, "sub")
        return _make(_SUB, self, None, (c,), self.data - c, self.requires_grad)

    def __rsub__(self, other: Any) -> Value:
        c = _number(other, "sub")
        return _make(_RSUB, self, None, (c,), c - self.data, self.requires_grad)

    def __truediv__(self, other: Any) -> Value:
        if type(other) is Value:
            data = _DIV.fwd(SCALAR, self.data, other.data) if other.data else _div0(self.data, other.data)
            return _make(_DIV, self, other, (), data, self.requires_grad or other.requires_grad)
        c = _number(other, "div")
        return _make(_DIV, self, None, (c,), self.data / c if c else _div0(self.data, c), self.requires_grad)

    def __rtruediv__(self, other: Any) -> Value:
        c = _number(other, "div")
        return _make(_RDIV, self, None, (c,), c / self.data if self.data else _div0(c, self.data), self.requires_grad)

    def __pow__(self, other: Any) -> Value:
        if type(other) is Value:
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
    return other.data if type(other) is Value else _number(other, "compare")


def extreme(op: Op, a: Any, b: Any) -> Value:
    """Row ``op`` (``maximum``/``minimum``) of two Values, or of a Value and a number (the Value goes first)."""
    if type(a) is not Value:
        a, b = b, a
    if type(b) is Value:
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
        if type(w) is not Value:
            raise TypeError(f"dot: weights must be Values, got {type(w).__name__}")
    acc = 0.0
    if all(type(x) is Value for x in xs):
        for w, x in zip(ws, xs):
            acc += w.data * x.data
        prev = ws + xs
        return _make(_DOT, prev, MANY, (), acc, any(p.requires_grad for p in prev))
    if any(type(x) is Value for x in xs):  # Values and numbers: the numbers become constant leaves
        xv = tuple(x if type(x) is Value else Value(_number(x, "dot"), requires_grad=False) for x in xs)
        return dot(ws, xv)
    consts = tuple(x if type(x) is float else _number(x, "dot") for x in xs)
    for w, x in zip(ws, consts):
        acc += w.data * x
    return _make(_DOT, ws, MANY, consts, acc, any(w.requires_grad for w in ws))
