"""The third math namespace: the rules' ``xp`` functions as the engines' own ops, so a backward pass records a graph.

:data:`autograd.xp.SCALAR` and :data:`autograd.xp.ARRAY` compute on numbers.
:data:`GRAPH` has the same names, but given a node (a ``Value`` or a
``Tensor``) it returns a node made by a row of :mod:`autograd.ops`:
``GRAPH.exp(a)`` is the ``exp`` row applied to ``a``, ``GRAPH.sum_to(g,
shape)`` the ``sum_to`` row.  A derivative rule ``rule(xp, g, out, *inputs)``
run with ``xp=GRAPH`` on nodes (``g`` the incoming gradient node, ``out`` the
node itself, the inputs its parents) therefore builds the graph of its own
result, which can be differentiated again: this is how
``backward(create_graph=True)`` works, with no second table of derivatives
(PyTorch's rules are Tensor code, JAX's are lax primitives, for the same
reason).

Three kinds of function:

- *ops*: a row of the table (``exp``, ``tanh``, ``sum``, ``reshape``,
  ``broadcast_to``, ``sum_to``, ``scatter_add``, ...), including rows added
  later, reached by name;
- *shape helpers* (``expand``, ``expand_dims``, ``swapaxes``, ``take``,
  ``split``): compositions of those rows;
- *masks* (``positive``, ``gt``, ``share``, ``sign``, ``between``,
  ``equal_mask``, ``isfinite``, ``inverse_permutation``): computed from the
  nodes' data as constants, because the derivative of a mask is zero
  wherever it is defined (relu's ``a > 0``, the ties of a max).

Given no node at all, every function computes on the raw numbers with the
namespace of their kind (``SCALAR`` for floats, ``ARRAY`` otherwise).

Examples
--------
>>> from autograd import Value
>>> from autograd.xp_graph import GRAPH
>>> x = Value(0.5)
>>> y = GRAPH.tanh(x)
>>> y.op.name, y._prev == (x,)
('tanh', True)
>>> GRAPH.positive(x), GRAPH.exp(0.0)
(1.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .node import MANY, Node, builder
from .ops import OPS, Op
from .versions import CLOCK
from .xp import ARRAY, SCALAR

__all__ = ["GRAPH", "apply"]


_MAKERS: dict[type, Callable[..., Any]] = {}


def _maker(cls: type[Node]) -> Callable[..., Any]:
    """The node builder of engine class ``cls`` (made once per class)."""
    make = _MAKERS.get(cls)
    if make is None:
        make = _MAKERS[cls] = builder(cls)
    return make


def _stamped(node: Any) -> Any:
    """``node``, with the clock tick it was made at if its engine tracks in-place changes (Tensor's ``_born``)."""
    # NOTE: without it, backward() through a recorded gradient fails once anything changed in place
    if hasattr(type(node), "_born"):
        node._born = CLOCK.now
    return node


def _constant(like: Node, x: Any) -> Node:
    """``x`` as a leaf of ``like``'s engine that does not require grad (a Python number takes ``like``'s dtype)."""
    make = _maker(type(like))
    if isinstance(like.data, np.ndarray):
        kind = like.data.dtype if like.data.dtype.kind == "f" else np.float64
        arr = np.asarray(x, dtype=kind if isinstance(x, (int, float, bool)) else None)
        if arr.dtype.kind != "f":
            arr = arr.astype(kind)
        return _stamped(make(None, None, None, (), arr, False))
    return make(None, None, None, (), float(x), False)


def apply(op: Op, parents: Sequence[Any], consts: tuple[Any, ...] = ()) -> Any:
    """Row ``op`` applied to ``parents`` (nodes, and numbers or arrays made constant leaves) with constants ``consts``.

    Examples
    --------
    >>> from autograd import Tensor
    >>> y = apply(OPS["maximum"], (Tensor([1.0, 5.0], requires_grad=True), 3.0))
    >>> y.tolist(), y.op.name, y.requires_grad
    ([3.0, 5.0], 'maximum', True)
    """
    like = next(p for p in parents if isinstance(p, Node))
    nodes = tuple(p if isinstance(p, Node) else _constant(like, p) for p in parents)
    base = like._xp
    data = op.fwd(base, *[p.data for p in nodes], *consts)
    if base is ARRAY and type(data) is not np.ndarray:
        data = np.asarray(data)
    record = any(p.requires_grad for p in nodes)
    make = _maker(type(like))
    if op.variadic or len(nodes) > 2:
        return _stamped(make(op, nodes, MANY, consts, data, record))
    return _stamped(make(op, nodes[0], nodes[1] if len(nodes) == 2 else None, consts, data, record))


def _has_node(*xs: Any) -> bool:
    return any(isinstance(x, Node) for x in xs)


def _raw(name: str, *args: Any) -> Any:
    """Function ``name`` of the numbers' own namespace (no node among ``args``)."""
    array = any(isinstance(a, (np.ndarray, np.generic)) for a in args)
    ns = ARRAY if array or not hasattr(SCALAR, name) else SCALAR
    return getattr(ns, name)(*args)


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Node) else x


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(np.shape(_data(x)))


class _Graph:
    """Math on graph nodes: each function makes the node of a row (see the module docstring)."""

    name = "graph"

    # unary rows -------------------------------------------------------------
    def _unary(self, name: str, a: Any) -> Any:
        return a._unary(OPS[name]) if isinstance(a, Node) else _raw(name, a)

    def exp(self, a: Any) -> Any:
        return self._unary("exp", a)

    def log(self, a: Any) -> Any:
        return self._unary("log", a)

    def sqrt(self, a: Any) -> Any:
        return self._unary("sqrt", a)

    def tanh(self, a: Any) -> Any:
        return self._unary("tanh", a)

    def sigmoid(self, a: Any) -> Any:
        return self._unary("sigmoid", a)

    def softplus(self, a: Any) -> Any:
        return self._unary("softplus", a)

    def relu(self, a: Any) -> Any:
        return self._unary("relu", a)

    def step(self, a: Any) -> Any:
        return self._unary("step", a)

    def abs(self, a: Any) -> Any:
        return self._unary("abs", a)

    # rows with more inputs ---------------------------------------------------
    def pow(self, a: Any, b: Any) -> Any:
        return a**b if _has_node(a, b) else _raw("pow", a, b)

    def clip(self, a: Any, lo: Any, hi: Any) -> Any:
        return apply(OPS["clip"], (a,), (lo, hi)) if isinstance(a, Node) else _raw("clip", a, lo, hi)

    def maximum(self, a: Any, b: Any) -> Any:
        return apply(OPS["maximum"], (a, b)) if _has_node(a, b) else _raw("maximum", a, b)

    def minimum(self, a: Any, b: Any) -> Any:
        return apply(OPS["minimum"], (a, b)) if _has_node(a, b) else _raw("minimum", a, b)

    def where(self, c: Any, a: Any, b: Any) -> Any:
        if not _has_node(a, b):
            return _raw("where", _data(c), a, b)
        return apply(OPS["where"], (a, b), (np.asarray(_data(c), dtype=bool),))

    # reductions ----------------------------------------------------------------
    def sum(self, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return apply(OPS["sum"], (a,), (axis, keepdims)) if isinstance(a, Node) else ARRAY.sum(a, axis, keepdims)

    def max(self, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return apply(OPS["max"], (a,), (axis, keepdims)) if isinstance(a, Node) else ARRAY.max(a, axis, keepdims)

    def min(self, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return apply(OPS["min"], (a,), (axis, keepdims)) if isinstance(a, Node) else ARRAY.min(a, axis, keepdims)

    # shapes: rows ----------------------------------------------------------------
    def reshape(self, a: Any, shape: Any) -> Any:
        if not isinstance(a, Node):
            return ARRAY.reshape(a, shape)
        shape = tuple(shape)
        return a if _shape(a) == shape else apply(OPS["reshape"], (a,), (shape,))

    def transpose(self, a: Any, axes: Any = None) -> Any:
        if not isinstance(a, Node):
            return ARRAY.transpose(a, axes)
        return apply(OPS["transpose"], (a,), (None if axes is None else tuple(axes),))

    def broadcast_to(self, a: Any, shape: Any) -> Any:
        if not isinstance(a, Node):
            return ARRAY.broadcast_to(a, shape)
        shape = tuple(shape)
        return a if _shape(a) == shape else apply(OPS["broadcast_to"], (a,), (shape,))

    def sum_to(self, a: Any, shape: Any) -> Any:
        if not isinstance(a, Node):
            return ARRAY.sum_to(a, shape)
        shape = tuple(shape)
        return a if _shape(a) == shape else apply(OPS["sum_to"], (a,), (shape,))

    def scatter_add(self, shape: Any, index: Any, g: Any) -> Any:
        if not isinstance(g, Node):
            return ARRAY.scatter_add(shape, index, g)
        return apply(OPS["scatter_add"], (g,), (tuple(shape), index))

    def concatenate(self, arrays: Sequence[Any], axis: int = 0) -> Any:
        if not _has_node(*arrays):
            return ARRAY.concatenate(arrays, axis=axis)
        return apply(OPS["concatenate"], tuple(arrays), (axis,))

    def stack(self, arrays: Sequence[Any], axis: int = 0) -> Any:
        if not _has_node(*arrays):
            return ARRAY.stack(arrays, axis=axis)
        return apply(OPS["stack"], tuple(arrays), (axis,))

    # shapes: compositions of rows ---------------------------------------------------
    def expand_dims(self, a: Any, axis: Any) -> Any:
        if not isinstance(a, Node):
            return ARRAY.expand_dims(a, axis)
        return self.reshape(a, np.expand_dims(np.empty(_shape(a), dtype=bool), axis).shape)

    def squeeze(self, a: Any, axis: Any = None) -> Any:
        if not isinstance(a, Node):
            return ARRAY.squeeze(a, axis=axis)
        return self.reshape(a, np.squeeze(np.empty(_shape(a), dtype=bool), axis=axis).shape)

    def swapaxes(self, a: Any, i: int, j: int) -> Any:
        if not isinstance(a, Node):
            return ARRAY.swapaxes(a, i, j)
        axes = list(range(len(_shape(a))))
        axes[i], axes[j] = axes[j], axes[i]
        return self.transpose(a, axes)

    def expand(self, g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
        """Put a reduction's axes back so ``g`` broadcasts against an input of ``shape`` (a reshape)."""
        if not isinstance(g, Node):
            return ARRAY.expand(g, shape, axis, keepdims)
        if keepdims:
            return g
        if axis is None:
            return self.reshape(g, (1,) * len(shape))
        return self.expand_dims(g, axis)

    def take(self, a: Any, i: int, axis: int) -> Any:
        if not isinstance(a, Node):
            return np.take(a, i, axis=axis)
        node: Any = a
        return node[(slice(None),) * (axis % len(_shape(a))) + (i,)]

    def split(self, a: Any, sizes: list[int], axis: int) -> list[Any]:
        if not isinstance(a, Node):
            return ARRAY.split(a, sizes, axis)
        node: Any = a
        lead = (slice(None),) * (axis % len(_shape(a)))
        pieces, start = [], 0
        for n in sizes:
            pieces.append(node[lead + (slice(start, start + n),)])
            start += n
        return pieces

    # the tensor rows' helpers, composed of rows --------------------------------------
    def flip(self, a: Any, axis: int) -> Any:
        """``a`` reversed along ``axis`` (cumsum's gradient): a getitem with a reversed slice."""
        if not isinstance(a, Node):
            return ARRAY.flip(a, axis)
        node: Any = a
        return node[(slice(None),) * (axis % len(_shape(a))) + (slice(None, None, -1),)]

    def untile(self, g: Any, shape: tuple[int, ...], reps: tuple[int, ...]) -> Any:
        """The copies ``tile`` made summed back into ``shape`` (repeat's gradient): reshape, sum, reshape."""
        if not isinstance(g, Node):
            return ARRAY.untile(g, shape, reps)
        padded = (1,) * (len(reps) - len(shape)) + tuple(shape)
        pairs = tuple(n for r, s in zip(reps, padded) for n in (r, s))
        node: Any = g
        return node.reshape(pairs).sum(axis=tuple(range(0, 2 * len(reps), 2))).reshape(shape)

    def divide_or_zero(self, a: Any, b: Any) -> Any:
        """``a / b``, and 0 where ``b`` is 0 (norm's gradient): the division by a safe ``b``, then a mask."""
        if not _has_node(a, b):
            return ARRAY.divide_or_zero(a, b)
        zero = _data(b) == 0
        safe = self.where(zero, 1.0, b)
        return self.where(zero, 0.0, a / safe)

    def setitem(self, a: Any, index: Any, v: Any) -> Any:
        """``a`` with the number ``v`` at ``index`` (setitem's gradient: zeros there): a mask and a shift."""
        if not isinstance(a, Node):
            return ARRAY.setitem(a, index, v)
        keep = np.ones(_shape(a), dtype=bool)
        keep[index] = False
        return self.where(keep, a, v)

    def zeros_like(self, a: Any) -> Any:
        """Zeros of ``a``'s shape: a constant (fill's and copy's gradient for the overwritten input)."""
        return _constant(a, np.zeros(_shape(a))) if isinstance(a, Node) else ARRAY.zeros_like(a)

    def floor_divide(self, a: Any, b: Any) -> Any:
        """``a // b`` as a constant: it is flat wherever it is defined (remainder's gradient reads it)."""
        return self._mask("floor_divide", a, b)

    def prod_others(self, a: Any, axis: Any) -> Any:
        """Each element's product of the others along ``axis`` (prod's gradient) as ``prod / a``.

        Exact where no element is 0; with a zero the quotient is undefined, so a
        gradient of a gradient through ``prod`` at a zero is refused (first-order
        backward handles zeros exactly).
        """
        if not isinstance(a, Node):
            return ARRAY.prod_others(a, axis)
        if (np.asarray(_data(a)) == 0).any():
            raise NotImplementedError(
                "create_graph: the derivative of prod at an input that is exactly 0 cannot be differentiated "
                "again here (first-order backward through prod works)"
            )
        return self.prod(a, axis, True) / a

    def no_derivative(self, name: str) -> Any:
        """Raise as the first derivative does: the op has none (``//``)."""
        return ARRAY.no_derivative(name)

    # masks: constants computed from data ----------------------------------------------
    def _mask(self, name: str, *args: Any) -> Any:
        out = _raw(name, *[_data(a) for a in args])
        like = next((a.data for a in args if isinstance(a, Node)), None)
        if isinstance(out, np.ndarray) and isinstance(like, np.ndarray) and like.dtype.kind == "f":
            return out.astype(like.dtype, copy=False)  # NOTE: a bool mask would make a float64 constant
        return out

    def positive(self, a: Any) -> Any:
        return self._mask("positive", a)

    def gt(self, a: Any, b: Any) -> Any:
        return self._mask("gt", a, b)

    def share(self, a: Any, b: Any) -> Any:
        return self._mask("share", a, b)

    def sign(self, a: Any) -> Any:
        return self._mask("sign", a)

    def between(self, a: Any, lo: Any, hi: Any) -> Any:
        return self._mask("between", a, lo, hi)

    def equal_mask(self, a: Any, b: Any, like: Any) -> Any:
        return self._mask("equal_mask", a, b, like)

    def isfinite(self, a: Any) -> Any:
        return _raw("isfinite", _data(a))

    def inverse_permutation(self, axes: Any) -> Any:
        return ARRAY.inverse_permutation(axes)

    # rows added to the table later --------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        op = OPS.get(name)
        if op is None or op.variadic:
            raise AttributeError(
                f"GRAPH has no function {name!r}: a rule's xp function must be a row of autograd.ops "
                "(so that it can be differentiated again) or a mask defined in autograd.xp_graph"
            )
        n = len(op.vjp)

        def row(*args: Any) -> Any:
            if not _has_node(*args[:n]):
                return _raw(name, *args)
            return apply(op, args[:n], tuple(args[n:]))

        row.__name__ = name
        return row


GRAPH = _Graph()
"""Math on graph nodes: the namespace a recorded backward pass (``create_graph=True``) runs the rules in."""
