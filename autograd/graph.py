"""The graph core shared by both engines: nodes, stages, grad mode, backward.

A node records its ``data``, its ``grad``, its parents (``_prev``, an ordered
tuple; stored as ``_a``/``_b`` so that a node allocates no tuple of its own),
the primitive that made it (``op``, a row of :mod:`autograd.ops`, or ``None``
for a leaf), that primitive's constants (``_meta``), an optional
``label`` and the ``stage`` path it was created in.

There is one backward loop for both engines (:func:`backward`); an engine only
says how a gradient is added into a node (``_accumulate``).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import math
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from .ops import OPS, Op

__all__ = [
    "Node",
    "stage",
    "stage_label",
    "stage_kind",
    "register_stage",
    "current_stage",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "AnomalyError",
    "toposort",
]


# The context every new node reads: (stage path, grad mode on, anomaly detection on).
# NOTE: a plain tuple, not a NamedTuple: node builders unpack it on every op, and
# CPython's specialised unpacking and indexing only apply to exact tuples (a
# NamedTuple cost about 20 ns more an op).
_Ctx = tuple[tuple[str, ...], bool, bool]
_CTX: ContextVar[_Ctx] = ContextVar("layergrad", default=((), True, False))  # noqa: B039 (an immutable tuple)

# path -> human label (e.g. "layer 1: Linear(2→16) + ReLU") and kind ("model",
# "layer", "neuron", "step"); read by the renderer, written by `stage`.
_LABELS: dict[tuple[str, ...], str] = {}
_KINDS: dict[tuple[str, ...], str] = {}
STAGE_KINDS = ("model", "layer", "neuron", "step")


class StagePath(tuple):
    """A stage path (a tuple of names) that remembers each level's label and kind.

    The registry maps a path to the label it was *last* entered with, so two
    models that share names (two ``MLP``s, say) overwrite each other's labels.
    A ``StagePath`` keeps the labels and kinds its nodes were made under, so a
    graph drawn later still shows its own model.  It compares, hashes and
    prints as the plain tuple it is.

    Examples
    --------
    >>> p = extend_path((), "net", label="MLP(2→1)", kind="model")
    >>> p == ("net",), p.labels, p.kinds
    (True, ('MLP(2→1)',), ('model',))
    """

    labels: tuple[str | None, ...]
    kinds: tuple[str | None, ...]
    _kids: dict[tuple[str, str | None, str | None], StagePath]


# Children of the empty path (see extend_path); a StagePath keeps its own in ``_kids``.
_ROOT_KIDS: dict[tuple[str, str | None, str | None], StagePath] = {}
_MAX_KIDS = 4096  # NOTE: bounds the caches when stage names are made up on the fly


def extend_path(base: tuple[str, ...], name: str, label: str | None = None, kind: str | None = None) -> StagePath:
    """``base + (name,)`` as a :class:`StagePath` carrying every level's label and kind.

    Levels that ``base`` does not carry labels for are read from the registry,
    as is this level's when ``label``/``kind`` are not given.  The result is
    cached on ``base`` (a model called a thousand times makes its paths once).

    Examples
    --------
    >>> extend_path(("net",), "layer 1", kind="layer").kinds[-1]
    'layer'
    >>> extend_path((), "net", "MLP") is extend_path((), "net", "MLP")
    True
    """
    key = (name, label, kind)
    if type(base) is StagePath:
        kids = base._kids
    elif not base:
        kids = _ROOT_KIDS
    else:
        kids = None
    if kids is not None:
        path = kids.get(key)
        if path is not None:
            return path
    full = tuple(base) + (name,)
    path = StagePath(full)
    if type(base) is StagePath:  # it carries its own
        labels, kinds = base.labels, base.kinds
    else:
        labels = tuple(_LABELS.get(base[: j + 1]) for j in range(len(base)))
        kinds = tuple(_KINDS.get(base[: j + 1]) for j in range(len(base)))
    path.labels = labels + (label or _LABELS.get(full),)
    path.kinds = kinds + (kind or _KINDS.get(full),)
    path._kids = {}
    if kids is not None:
        if len(kids) >= _MAX_KIDS:
            kids.clear()
        kids[key] = path
    return path


class stage:
    """Tag every node created inside the block with a stage path.

    Nested blocks form a path, outermost first.  A node records the path in
    ``node.stage``; outside any block it is ``()``.  The optional ``label`` is
    a human description of the path, kept in a registry (see
    :func:`stage_label`) so that nodes stay small.  Context-variable based, so
    threads and async tasks each see their own path.

    Examples
    --------
    >>> from autograd import Value, stage
    >>> with stage("layer 1", label="layer 1: 2 inputs → 3 neurons"):
    ...     with stage("activation"):
    ...         y = Value(-2.0).relu()
    >>> y.stage
    ('layer 1', 'activation')
    >>> stage_label(("layer 1",))
    'layer 1: 2 inputs → 3 neurons'
    """

    __slots__ = ("name", "label", "kind", "_tokens")

    def __init__(self, name: str, label: str | None = None, kind: str | None = None):
        if not isinstance(name, str) or not name:
            raise TypeError(f"stage: name must be a non-empty str, got {name!r}")
        if kind is not None and kind not in STAGE_KINDS:
            raise ValueError(f"stage: kind must be one of {STAGE_KINDS} or None, got {kind!r}")
        self.name = name
        self.label = label
        self.kind = kind
        self._tokens: list[Any] = []

    def __enter__(self) -> tuple[str, ...]:
        base, grad, anomaly = _CTX.get()
        key = base + (self.name,)
        if self.label:
            _LABELS[key] = self.label
        if self.kind:
            _KINDS[key] = self.kind
        path = extend_path(base, self.name, self.label, self.kind)
        self._tokens.append(_CTX.set((path, grad, anomaly)))
        return path

    def __exit__(self, *exc: object) -> None:
        _CTX.reset(self._tokens.pop())


def stage_label(path: tuple[str, ...]) -> str | None:
    """The human label registered for a stage path, or None.

    Examples
    --------
    >>> with stage("model", label="MLP(2→1)"):
    ...     pass
    >>> stage_label(("model",))
    'MLP(2→1)'
    """
    return _LABELS.get(tuple(path))


def stage_kind(path: tuple[str, ...]) -> str | None:
    """The kind registered for a stage path (``"layer"``, ``"neuron"``, ...), or None.

    Examples
    --------
    >>> with stage("layer 1", kind="layer"):
    ...     pass
    >>> stage_kind(("layer 1",))
    'layer'
    """
    return _KINDS.get(tuple(path))


def register_stage(path: tuple[str, ...], label: str | None = None, kind: str | None = None) -> None:
    """Record a label and kind for ``path`` without entering it (used for parameters).

    Examples
    --------
    >>> register_stage(("net", "layer 1"), label="layer 1: Linear(2→3)", kind="layer")
    >>> stage_label(("net", "layer 1")), stage_kind(("net", "layer 1"))
    ('layer 1: Linear(2→3)', 'layer')
    """
    if kind is not None and kind not in STAGE_KINDS:
        raise ValueError(f"register_stage: kind must be one of {STAGE_KINDS} or None, got {kind!r}")
    path = tuple(path)
    if label:
        _LABELS[path] = label
    if kind:
        _KINDS[path] = kind


def current_stage() -> tuple[str, ...]:
    """The stage path that a node created now would get.

    Examples
    --------
    >>> current_stage()
    ()
    >>> with stage("a"), stage("b"):
    ...     current_stage()
    ('a', 'b')
    """
    return _CTX.get()[0]


F = TypeVar("F", bound=Callable[..., Any])


class _GradMode:
    """Context manager and decorator that sets whether operations are recorded."""

    _enabled = True

    def __init__(self) -> None:
        self._tokens: list[Any] = []

    def __enter__(self) -> None:
        path, _, anomaly = _CTX.get()
        self._tokens.append(_CTX.set((path, self._enabled, anomaly)))

    def __exit__(self, *exc: object) -> None:
        _CTX.reset(self._tokens.pop())

    def __call__(self, fn: F) -> F:
        mode = type(self)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mode():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Record nothing inside: results are leaves that do not require grad.

    Use it for evaluation and for parameter updates.  Works as a context
    manager and as a decorator.

    Examples
    --------
    >>> from autograd import Value, no_grad
    >>> a = Value(2.0)
    >>> with no_grad():
    ...     b = a * 3
    >>> b.requires_grad, b._prev
    (False, ())
    """

    _enabled = False


class enable_grad(_GradMode):
    """Record operations again inside a :class:`no_grad` block.

    Examples
    --------
    >>> from autograd import Value, no_grad, enable_grad
    >>> with no_grad():
    ...     with enable_grad():
    ...         b = Value(2.0) * 3
    >>> b.requires_grad
    True
    """

    _enabled = True


def is_grad_enabled() -> bool:
    """Whether operations are being recorded right now.

    Examples
    --------
    >>> is_grad_enabled()
    True
    >>> with no_grad():
    ...     is_grad_enabled()
    False
    """
    return _CTX.get()[1]


class AnomalyError(FloatingPointError):
    """Raised inside :func:`detect_anomaly` when an op produces NaN or inf."""


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first op whose forward or backward gives NaN or inf.

    The error names the op, its stage path and a summary of its inputs.

    Examples
    --------
    >>> from autograd import Value, detect_anomaly
    >>> with detect_anomaly():
    ...     Value(-1.0).log()
    Traceback (most recent call last):
    ...
    autograd.graph.AnomalyError: forward of 'log' at stage () produced nan; inputs: [-1.0]
    """
    path, grad, _ = _CTX.get()
    token = _CTX.set((path, grad, True))
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        _CTX.reset(token)


def _finite(x: Any) -> bool:
    if isinstance(x, float):
        return math.isfinite(x)
    return bool(np.all(np.isfinite(x)))


def _summary(x: Any) -> str:
    if isinstance(x, np.ndarray):
        if x.size <= 6:
            return np.array2string(x, precision=4)
        return f"array{x.shape} {x.dtype} min={np.nanmin(x):.4g} max={np.nanmax(x):.4g} nan={int(np.isnan(x).sum())}"
    return repr(x)


def _anomaly(kind: str, node: Node, value: Any) -> None:
    op = node.op
    if op is None:  # pragma: no cover - unreachable: every caller links the op first
        raise AssertionError("_anomaly: the node has no op")
    inputs = [p.data for p in node._prev] + list(node._meta)
    raise AnomalyError(
        f"{kind} of {op.name!r} at stage {node.stage!r} produced "
        f"{'nan' if np.any(np.isnan(value)) else 'inf'}; inputs: "
        f"[{', '.join(_summary(x) for x in inputs)}]"
    )


MANY = object()  # marker in ``Node._b``: ``_a`` holds a tuple of parents


def _link(node: Node, parents: tuple, variadic: bool = False) -> None:
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


class Node:
    """What both engines share: data, grad, parents, op, stage, label.

    Not used directly: build :class:`autograd.Value` or :class:`autograd.Tensor`.
    """

    # NOTE: parents live in two slots instead of a tuple: ``_a`` (first parent
    # or None) and ``_b`` (second parent or None); a variadic node (``dot``,
    # ``concatenate``) keeps its parent tuple in ``_a`` and MANY in ``_b``.
    # One allocation less per node: less memory and fewer garbage-collector
    # passes, which dominate the cost of building large scalar graphs.
    __slots__ = ("data", "grad", "_a", "_b", "op", "_meta", "stage", "label", "requires_grad")

    data: Any
    grad: Any
    _a: Any  # first parent, None, or (with ``_b`` MANY) the parent tuple
    _b: Any  # second parent, None or MANY
    op: Op | None
    _meta: tuple[Any, ...]
    stage: tuple[str, ...]
    label: str | None
    requires_grad: bool

    @property
    def _prev(self) -> tuple[Node, ...]:
        """The parents, in argument order (micrograd's name)."""
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

    def _seed(self, gradient: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _unary(self, op: Any, *consts: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _accumulate(self, g: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    if TYPE_CHECKING:  # both engines define it (Value: grad 0.0, Tensor: grad None)

        def zero_grad(self) -> None: ...

    # Shared API -------------------------------------------------------------
    @property
    def is_leaf(self) -> bool:
        """True for nodes not made by a recorded op (inputs, parameters)."""
        return self.op is None

    def backward(self, gradient: Any = None) -> None:
        """Back-propagate from this node; see :func:`backward`."""
        backward(self, gradient)

    def requires_grad_(self, requires_grad: bool = True) -> Node:
        """Set ``requires_grad`` on a leaf in place and return it."""
        if self.op is not None:
            raise RuntimeError(
                f"requires_grad_: only leaves can change requires_grad; this node was made by {self.op.name!r} "
                "(use .detach() to get a leaf)"
            )
        self.requires_grad = bool(requires_grad)
        return self

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

    def gelu(self) -> Any:
        """Gaussian error linear unit (tanh approximation)."""
        return self._unary(OPS["gelu"])

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
        """The op's non-node inputs (Python numbers, axes, indices)."""
        return self._meta


def _gc_paused(fn: F) -> F:
    """Run ``fn`` with the cyclic garbage collector paused, restoring it after.

    The graph is cycle-free, so pausing only skips useless collections that the
    allocation of many nodes would otherwise trigger.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return wrapper  # type: ignore[return-value]


def toposort(root: Node) -> list[Node]:
    """Nodes reachable from ``root``, parents before children.

    Iterative, so the depth of the graph is unlimited.

    Examples
    --------
    >>> from autograd import Value
    >>> a = Value(1.0, label="a")
    >>> b = a * 2
    >>> c = b + a
    >>> [n.label or n.op.name for n in toposort(c)]
    ['a', 'mul', 'add']
    """
    return _walk(root, True)


def _interior(root: Node) -> list[Node]:
    """Like :func:`toposort`, but only the nodes that ops made (what backward visits).

    Leaves never need a visit of their own: their gradient is accumulated
    when their children are processed, so the walk skips them.
    """
    return _walk(root, False) if root.op is not None else []


def _walk(root: Node, leaves: bool) -> list[Node]:
    """Iterative depth-first walk: parents before children, leaves included or not."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[Any] = [root]
    push, pop, emit, mark = stack.append, stack.pop, order.append, seen.add
    while stack:
        node = pop()
        if node is None:  # marker: the node below it is done
            emit(pop())
            continue
        if type(node) is list:  # a finished run of unary ops (see below), outermost first
            node.reverse()
            order += node
            continue
        if node in seen:
            continue
        mark(node)
        a, b = node._a, node._b
        if b is None and a is not None and (leaves or a.op is not None) and a not in seen:
            # NOTE: a chain of unary ops is walked in one go and emitted as one
            # run: no marker and no stack round trip per node.
            run = [node]
            while True:
                node = a
                mark(node)
                run.append(node)
                a, b = node._a, node._b
                if b is not None or a is None or not (leaves or a.op is not None) or a in seen:
                    break
            push(run)
        else:
            push(node)
            push(None)
        if b is None:  # a leaf, or a unary op whose parent is done or skipped
            continue
        if b is MANY:
            for p in a:
                if (leaves or p.op is not None) and p not in seen:
                    push(p)
        else:
            if (leaves or a.op is not None) and a not in seen:
                push(a)
            if (leaves or b.op is not None) and b not in seen:
                push(b)
    return order


def _rules(op: Any, prev: tuple, g: Any, out: Any, args: list) -> Any:
    """The gradients for each parent of one node (None where not needed)."""
    if op.variadic:
        return op.vjp(g, out, *args)
    return [rule(g, out, *args) if p.requires_grad else None for p, rule in zip(prev, op.vjp)]


@_gc_paused
def backward(root: Node, gradient: Any = None) -> None:
    """Back-propagate from ``root`` through the graph that made it.

    Leaves (inputs, parameters) *accumulate* their gradient across calls, as in
    PyTorch; interior nodes show the gradient of the last pass only.

    Parameters
    ----------
    root : Value or Tensor
        The output to differentiate.
    gradient : number, array or None
        The gradient of some final scalar with respect to ``root``.  Needed for
        a root with more than one element; a scalar root is seeded with 1.

    Examples
    --------
    >>> from autograd import Value
    >>> x = Value(3.0)
    >>> y = x * x + x
    >>> y.backward()
    >>> x.grad
    7.0
    """
    seed = root._seed(gradient)
    order = _interior(root)
    zero = root._zero
    for node in order:
        node.grad = zero
    if root.op is None:
        if root.requires_grad:
            root._accumulate(seed)
        return
    root.grad = seed
    scalar = root._scalar
    anomaly = _CTX.get()[2]
    for node in reversed(order):
        op: Op = node.op  # type: ignore[assignment]  # order holds interior nodes only: op is set
        g = node.grad
        if g is None:  # a tensor branch the gradient never reached
            continue
        a, b = node._a, node._b
        try:
            # NOTE: arity 1 and 2 are unrolled down to the accumulation: this
            # loop is the hot path of both engines.
            if b is None:
                if not a.requires_grad:  # switched off after recording (requires_grad_(False))
                    continue
                meta = node._meta
                rule = op.vjp[0]
                if not meta:
                    ga = rule(g, node.data, a.data)
                elif len(meta) == 1:  # NOTE: x * c and friends: a plain call, not *args
                    ga = rule(g, node.data, a.data, meta[0])
                else:
                    ga = rule(g, node.data, a.data, *meta)
                if anomaly and not _finite(ga):
                    _anomaly("backward", node, ga)
                if scalar:
                    a.grad += ga
                else:
                    a._accumulate(ga)
                continue
            if b is not MANY:
                args = (a.data, b.data) + node._meta
                ra, rb = op.vjp
                # both rules run before either parent is touched (see ZeroDivisionError below)
                ga = ra(g, node.data, *args) if a.requires_grad else None
                gb = rb(g, node.data, *args) if b.requires_grad else None
                if gb is ga and not scalar and gb is not None and gb.shape == b.data.shape:
                    # add's rule gives g to both parents: b must not keep the same array as a
                    # (a broadcast b gets a fresh sum of it anyway)
                    gb = gb.copy()
                if ga is not None:
                    if anomaly and not _finite(ga):
                        _anomaly("backward", node, ga)
                    if scalar:
                        a.grad += ga
                    else:
                        a._accumulate(ga)
                if gb is not None:
                    if anomaly and not _finite(gb):
                        _anomaly("backward", node, gb)
                    if scalar:
                        b.grad += gb
                    else:
                        b._accumulate(gb)
                continue
            prev: Any = a
            grads: Any = _rules(op, prev, g, node.data, [p.data for p in prev] + list(node._meta))
        except ZeroDivisionError:
            # NOTE: Python floats raise where numpy gives ±inf/nan; redo this
            # node in numpy float64 so both engines give the same numbers.
            prev = node._prev
            args64 = [np.float64(x) if type(x) is float else x for x in [p.data for p in prev] + list(node._meta)]
            with np.errstate(all="ignore"):
                grads = [None if x is None else float(x) for x in _rules(op, prev, np.float64(g), node.data, args64)]
        for p, gp in zip(prev, grads):
            if gp is None or not p.requires_grad:
                continue
            if anomaly and not _finite(gp):
                _anomaly("backward", node, gp)
            if scalar:
                p.grad += gp
            else:
                p._accumulate(gp)
