"""Nodes: what both engines share, and the one builder that makes an op's result node.

A node records its ``data``, its ``grad``, its parents (``_prev``, an ordered
tuple; stored as ``_a``/``_b`` so that a node allocates no tuple of its own),
the primitive that made it (``op``, a row of :mod:`autograd.ops`, or ``None``
for a leaf), that primitive's constants (``_meta``), an optional ``label`` and
the ``stage`` path it was created in.  :func:`builder` makes the function each
engine creates op nodes with; :func:`autograd.backprop.backward` walks them,
and :func:`backward_step` is one node's part of that walk (micrograd's
``_backward``, which every node offers as an attribute).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import MethodType
from typing import TYPE_CHECKING, Any

import numpy as np

from . import hooks
from .context import CTX as _CTX
from .modes import is_finite, raise_anomaly
from .ops import CUSTOM, OPS, Op, custom
from .xp import ARRAY

__all__ = ["Node", "MANY", "UNFUSING", "LEAF_LOCK", "link", "builder", "backward_step", "parent_grads", "grads_float64"]
__all__ += ["rule_results"]


class _Many:
    """The type of :data:`MANY`: one marker, the same object after ``copy.deepcopy`` and pickling."""

    __slots__ = ()

    def __reduce__(self) -> str:
        return "MANY"  # copy and pickle give the module's one MANY back

    def __repr__(self) -> str:
        return "MANY"


MANY = _Many()  # marker in ``Node._b``: ``_a`` holds a tuple of parents
#: Held while a fused node is unfused (readers in several threads make one graph) and while a tensor graph's
#: backward pass through fused nodes runs (a reader in another thread must not unfuse a node it runs through).
UNFUSING = threading.RLock()
#: Held while a tensor leaf's gradient is read and written (backward passes in several threads may share leaves).
LEAF_LOCK = threading.Lock()


def link(node: Node, parents: tuple, variadic: bool = False) -> None:
    """Store ``parents`` in ``node._a``/``node._b`` (a variadic op's always as a tuple)."""
    n = len(parents)
    if variadic:
        node._a, node._b = tuple(parents), MANY
    elif n == 0:
        node._a = node._b = None
    elif n == 1:
        node._a, node._b = parents[0], None
    elif n == 2:
        node._a, node._b = parents
    else:
        node._a, node._b = tuple(parents), MANY


def _nothing() -> None:
    """A leaf's ``_backward``: a leaf has no parents to pass a gradient to."""


class BackwardAttribute:
    """``node._backward``: micrograd's per-node backward function, on every node, stored on none.

    Reading it gives a function of no arguments that applies the node's
    derivative rules once (:func:`backward_step`); nothing is kept per node, so
    it costs nothing until it is read.  Assigning a function makes the node a
    *custom* op node (micrograd's way of adding an op): its row becomes
    :func:`autograd.ops.custom` holding that function, which ``backward()``
    then calls in topological order instead of any rule.
    """

    def __get__(self, node: Node | None, owner: type | None = None) -> Any:
        if node is None:
            return self
        op = node._row
        if op is None:
            return _nothing
        if op.name == CUSTOM:
            return op.vjp
        return MethodType(backward_step, node)  # a bound method: made on reading, kept nowhere

    def __set__(self, node: Node, fn: Callable[[], Any]) -> None:
        if not callable(fn):
            raise TypeError(f"_backward: expected a function of no arguments, got {type(fn).__name__}")
        prev = node._prev  # NOTE: read before the op: it unfuses a fused node (autograd.fused)
        op = node._row
        if op is None:
            meta = node._meta
            symbol = meta[0] if meta and type(meta[0]) is str else ""
        else:
            symbol = op.symbol if op.name == CUSTOM else getattr(node, "_op", op.short)
        link(node, prev, variadic=True)
        node._row = custom(symbol, fn)
        node._meta = ()


class Node:
    """What both engines share: data, grad, parents, op, stage, label.

    Not used directly: build :class:`autograd.Value` or :class:`autograd.Tensor`.
    """

    # NOTE: parents live in two slots instead of a tuple: ``_a`` (first parent
    # or None) and ``_b`` (second parent or None); a variadic node (``dot``,
    # ``concatenate``) keeps its parent tuple in ``_a`` and MANY in ``_b``.
    # One allocation less per node: less memory and fewer garbage-collector
    # passes, which dominate the cost of building large scalar graphs.
    # NOTE: the row that made the node lives in ``_row``, what the engine reads; ``op`` is the public view of it,
    # which unfuses a fused node first (as ``_prev`` does), so a reader never sees a row the graph does not draw.
    __slots__ = ("data", "grad", "_a", "_b", "_row", "_meta", "stage", "label", "requires_grad")

    data: Any
    grad: Any
    _a: Any  # first parent, None, or (with ``_b`` MANY) the parent tuple
    _b: Any  # second parent, None or MANY
    _row: Op | None
    _meta: tuple[Any, ...]
    stage: tuple[str, ...]
    label: str | None
    requires_grad: bool

    _backward = BackwardAttribute()

    @property
    def op(self) -> Op | None:
        """The op (a row of :data:`autograd.ops.OPS`) that made this node; None for a leaf.

        A fused node (:mod:`autograd.fused`) is unfused first: the op is the one
        the unfused graph records for this node, as drawings show it.

        Examples
        --------
        >>> from autograd import Value
        >>> (Value(2.0) * 3).op.name, Value(2.0).op
        ('mul', None)
        """
        self._unfuse()
        return self._row

    @op.setter
    def op(self, row: Op | None) -> None:
        self._row = row

    @property
    def _prev(self) -> tuple[Node, ...]:
        """The parents, in argument order (micrograd's name); a fused node is unfused first (:mod:`autograd.fused`)."""
        self._unfuse()
        return self._parents

    def _unfuse(self) -> None:
        """Turn a fused node (:mod:`autograd.fused`) in place into the nodes it stands for; any other: nothing.

        What every reader of a node's op or parents calls first, so that it sees the unfused graph.
        """
        if self._b is MANY:
            op = self._row
            if op is not None and op.fused is not None:
                with UNFUSING:  # NOTE: one reader makes the pieces; another waits, then finds them made
                    op = self._row
                    if self._b is MANY and op is not None and op.fused is not None:
                        op.fused(self)

    @property
    def _parents(self) -> tuple[Node, ...]:
        """The parents as recorded, a fused node's included (what a backward pass in progress must read)."""
        a = self._a
        if a is None:
            return ()
        b = self._b
        if b is None:
            return (a,)
        return a if b is MANY else (a, b)

    # Engine hooks -----------------------------------------------------------
    _xp: Any = None  # math namespace for ops.Op.fwd
    _zero: Any = None  # what an interior node's grad is reset to before a pass
    _scalar = False  # True: grads are Python floats, added with +=
    _blank_label: Any = None  # a new op node's label
    _check_saved: Any = None  # fn(order) run before a backward pass, or None (Tensor: autograd.versions)

    def _seed(self, gradient: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _unary(self, op: Any, *consts: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _accumulate(self, g: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    if TYPE_CHECKING:  # both engines define it (Value: grad 0.0, Tensor: grad None)

        def zero_grad(self) -> None: ...

        def backward(
            self,
            gradient: Any = None,
            retain_graph: bool | None = None,
            create_graph: bool = False,
            inputs: Any = None,
        ) -> None: ...

    # Shared API -------------------------------------------------------------
    @property
    def is_leaf(self) -> bool:
        """True for nodes not made by a recorded op (inputs, parameters)."""
        return self._row is None

    def requires_grad_(self, requires_grad: bool = True) -> Node:
        """Set ``requires_grad`` on a leaf in place and return it."""
        if self._row is not None:
            self._unfuse()  # a fused node (autograd.fused) shows as the nodes it stands for
            raise RuntimeError(
                f"requires_grad_: only leaves can change requires_grad; this node was made by {self._row.name!r} "
                "(use .detach() to get a leaf)"
            )
        self.requires_grad = bool(requires_grad)
        return self

    # Hooks (kept in a side table, autograd.hooks: no slot on any node) ---------
    def register_hook(self, hook: Callable[[Any], Any]) -> hooks.RemovableHandle:
        """Call ``hook(grad)`` each time this node's gradient is computed; it may return a replacement.

        ``grad`` is a node of this engine (a constant, or part of the recorded
        graph under ``create_graph=True``); a leaf's hooks see the sum of all
        that reaches it, before it goes into ``.grad``.  Returns a handle whose
        ``remove()`` takes the hook off.  See :mod:`autograd.hooks`.

        Examples
        --------
        >>> from autograd import Tensor
        >>> x = Tensor([1.0, -1.0], requires_grad=True)
        >>> y = x * 2.0
        >>> handle = y.register_hook(lambda g: g.clip(-1.0, 1.0))   # clip what flows back through y
        >>> (y * 3.0).sum().backward()
        >>> x.grad.tolist()
        [2.0, 2.0]
        """
        return hooks.register_hook(self, hook)

    def retain_grad(self) -> None:
        """Keep this interior node's gradient in ``.grad``, accumulated across passes as a leaf's (PyTorch's rule).

        layergrad keeps every interior node's gradient of the last pass anyway
        (drawings show it), except under ``create_graph=True``; a retained node
        also keeps it there, and adds up passes instead of showing the last.
        A pass without ``retain_graph=True`` ends the retaining (and the
        node's hooks), as PyTorch frees that graph.

        Examples
        --------
        >>> from autograd import Value
        >>> x = Value(2.0)
        >>> y = x * x
        >>> y.retain_grad()
        >>> (y * 3.0).backward(retain_graph=True); (y * 3.0).backward()
        >>> y.grad, y.retains_grad
        (6.0, False)
        """
        hooks.retain_grad(self)

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this interior node."""
        return hooks.retains_grad(self)

    # Elementwise functions, the same on both engines ---------------------------
    def exp(self) -> Any:
        """e ** self."""
        return self._unary(OPS["exp"])

    def log(self) -> Any:
        """Natural logarithm (nan below 0, -inf at 0, as numpy)."""
        return self._unary(OPS["log"])

    def sqrt(self) -> Any:
        """Square root."""
        return self._unary(OPS["sqrt"])

    def abs(self) -> Any:
        """Absolute value (gradient 0 at 0)."""
        return self._unary(OPS["abs"])

    def __abs__(self) -> Any:
        return self._unary(OPS["abs"])

    def tanh(self) -> Any:
        """Hyperbolic tangent: squashes to (-1, 1)."""
        return self._unary(OPS["tanh"])

    def sigmoid(self) -> Any:
        """Logistic sigmoid 1 / (1 + e^-x), computed without overflow."""
        return self._unary(OPS["sigmoid"])

    def relu(self) -> Any:
        """max(x, 0): passes positive values, zeroes negative ones."""
        return self._unary(OPS["relu"])

    def step(self) -> Any:
        """Threshold: 1 above 0, 0 below; its gradient is 0 everywhere."""
        return self._unary(OPS["step"])

    def leaky_relu(self, negative_slope: float = 0.01) -> Any:
        """x above 0, ``negative_slope * x`` below."""
        return self._unary(OPS["leaky_relu"], float(negative_slope))

    def softplus(self) -> Any:
        """log(1 + e^x), a smooth ReLU, computed without overflow."""
        return self._unary(OPS["softplus"])

    def erf(self) -> Any:
        """The error function ``2/√π ∫₀ˣ e^(-t²) dt``, as ``torch.erf`` and ``math.erf``."""
        return self._unary(OPS["erf"])

    def gelu(self, approximate: str = "none") -> Any:
        """Gaussian error linear unit ``x·Φ(x)`` with erf; ``approximate="tanh"``: PyTorch's tanh formula."""
        if approximate not in ("none", "tanh"):
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        return self._unary(OPS["gelu"], approximate)

    def clip(self, lo: float, hi: float) -> Any:
        """Limit to [lo, hi]; the gradient is 0 outside."""
        if lo > hi:
            raise ValueError(f"clip: lo must be <= hi, got lo={lo}, hi={hi}")
        return self._unary(OPS["clip"], lo, hi)

    @property
    def parents(self) -> tuple[Node, ...]:
        """The nodes this one was computed from, in argument order."""
        return self._prev

    @property
    def constants(self) -> tuple[Any, ...]:
        """The op's non-node inputs (Python numbers, axes, indices); a fused node is unfused first."""
        self._unfuse()  # a fused node (autograd.fused) shows as the nodes it stands for
        return self._meta


def builder(cls: type[Node]) -> Callable[..., Any]:
    """The node builder of engine class ``cls``: ``make(op, a, b, meta, data, record)``.

    ``make`` creates the node of ``op`` whose result ``data`` the caller
    computed, with parents ``a`` and ``b`` (``b`` None for a unary op; ``a`` a
    tuple and ``b`` :data:`MANY` for a variadic one) and constants ``meta``.
    It records the parents only when ``record`` (some parent requires grad)
    and grad mode is on; otherwise the result is a leaf (``op`` None makes a
    constant leaf).  Both engines build
    every op node through it: it is their hot path, so the engine's class,
    its empty gradient and label are bound once here, not looked up per op.

    Examples
    --------
    >>> from autograd import Value
    >>> from autograd.ops import OPS
    >>> make = builder(Value)
    >>> a = Value(2.0)
    >>> y = make(OPS["neg"], a, None, (), -a.data, True)
    >>> y.data, y._prev == (a,), y.op.name
    (-2.0, True, 'neg')
    """

    # NOTE: the engine's constants are bound as default arguments: local loads, the
    # fastest kind (closure cells cost about 10 ns more per node on the scalar engine)
    def make(
        op: Op,
        a: Any,
        b: Any,
        meta: tuple,
        data: Any,
        record: bool,
        new: Callable[..., Any] = object.__new__,
        cls: type[Node] = cls,
        zero: Any = cls._zero,
        blank: Any = cls._blank_label,
        get: Callable[[], Any] = _CTX.get,
    ) -> Any:
        stage, grad_on, anomaly, _, _ = get()
        out: Node = new(cls)
        out.data = data
        out.grad = zero
        out.stage = stage
        out.label = blank
        # NOTE: do not leave slots unset behind a __getattr__ fallback: a class with
        # __getattr__ loses CPython's specialised attribute loads, which made
        # backward 2.5x slower when tried.
        if record and grad_on:
            out._a = a
            out._b = b
            out._row = op
            out._meta = meta
            out.requires_grad = True
        else:
            out._a = out._b = None
            out._row = None
            out._meta = ()
            out.requires_grad = False
        if anomaly and op is not None and not is_finite(data):
            # NOTE: detect_anomaly checks every op, recorded or not; an unrecorded
            # node is linked here only so that the error can name its op and inputs.
            out._a, out._b, out._row, out._meta = a, b, op, meta
            raise_anomaly("forward", out, data)
        return out

    return make


def rule_results(xp: Any, op: Op, prev: tuple, g: Any, out: Any, args: list) -> Any:
    """The gradients row ``op`` gives each parent in ``prev`` (None where a parent needs none)."""
    if op.variadic:
        return op.vjp(xp, g, out, *args)
    return [rule(xp, g, out, *args) if p.requires_grad else None for p, rule in zip(prev, op.vjp)]


def grads_float64(node: Node, g: Any) -> list[Any]:
    """:func:`rule_results` of scalar node ``node`` computed in numpy float64, as Python floats.

    Python floats raise ZeroDivisionError where numpy gives ±inf or nan: a
    node that raised is computed again here, so both engines give the same numbers.
    """
    prev = node._prev
    args64 = [np.float64(x) if type(x) is float else x for x in [p.data for p in prev] + list(node._meta)]
    with np.errstate(all="ignore"):
        grads = rule_results(ARRAY, node._row, prev, np.float64(g), node.data, args64)  # type: ignore[arg-type]
    return [None if x is None else float(x) for x in grads]


def parent_grads(node: Node, g: Any) -> list[Any]:
    """What op node ``node`` passes to each parent when gradient ``g`` reaches it (None: not needed).

    Examples
    --------
    >>> from autograd import Value
    >>> a, b = Value(2.0), Value(3.0)
    >>> parent_grads(a * b, 1.0), parent_grads(a / Value(0.0), 1.0)
    ([3.0, 2.0], [inf, -inf])
    """
    prev = node._prev
    try:
        return list(rule_results(node._xp, node._row, prev, g, node.data, [p.data for p in prev] + list(node._meta)))  # type: ignore[arg-type]
    except ZeroDivisionError:
        return grads_float64(node, g)


def backward_step(node: Node) -> None:
    """One node's part of backward, micrograd's ``_backward``: its rules, once, into its parents' ``grad``.

    The node's own ``grad`` times its local derivatives (its row's rules) is
    added into the ``grad`` of each parent that requires one, exactly as
    micrograd's closure does; a custom node's function is called instead, and
    a leaf does nothing.  ``backward()`` is this, for every node in reverse
    topological order, after seeding the output with 1.  ``node._backward()``
    calls it.

    Examples
    --------
    >>> from autograd import Value
    >>> x, w = Value(2.0), Value(-3.0)
    >>> y = x * w
    >>> y.grad = 1.0
    >>> y._backward()          # the chain rule, one node: dy/dx = w, dy/dw = x
    >>> x.grad, w.grad
    (-3.0, 2.0)
    """
    op = node._row
    if op is None:
        return
    if op.name == CUSTOM:
        op.vjp()
        return
    g = node.grad
    if g is None:  # a tensor branch the gradient never reached
        return
    anomaly = _CTX.get()[2]
    given: list[Any] = []
    for p, gp in zip(node._prev, parent_grads(node, g)):
        if gp is None or not p.requires_grad:
            continue
        if anomaly and not is_finite(gp):
            raise_anomaly("backward", node, gp)
        if type(gp) is np.ndarray:
            if any(gp is q for q in given):  # add gives one array to both parents: each gets its own
                gp = gp.copy()
            given.append(gp)
        p._accumulate(gp)
