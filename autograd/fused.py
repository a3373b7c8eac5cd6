"""Fused layers: one node for a layer's three steps while training, the three nodes whenever the graph is read.

A fully connected layer is three rows of the table in a row: ``matmul``
(the weighted sum), ``add`` (the bias) and the activation.  Recorded as three
nodes, its bookkeeping (three nodes made, tagged, visited and freed, three
rules dispatched, a gradient handed from node to node) costs more than its
arithmetic on small batches.  PyTorch fuses the first two into one
``AddmmBackward`` node; here :func:`linear` records all three steps as **one**
node of the row :data:`LINEAR`, whose rule runs the three rows' own rules in
turn (no new derivative: the same functions, so the same numbers, bit for bit).

The picture does not change: the first time anything reads the graph's
structure (``op``, ``_prev``, ``grad_fn``, :func:`autograd.toposort`, a drawing,
``nn.inspect``, a hook, ``create_graph``), the fused node is **unfused** in
place into exactly the three nodes the unfused path records, with their stage
tags, values and (after backward) gradients.  Only the hot path never looks.

What a fused node keeps for that: the weighted sum and the pre-activation of
a layer of at most :data:`KEEP_STEPS_UP_TO` elements (bigger ones are
computed in place and shown as released, as after backward on a big graph),
and the gradient at the pre-activation while the graph keeps interior
gradients.  :func:`fusion` switches fusing off (``with fusion(False): ...``).
The fused squared error of ``mse_loss`` (:mod:`autograd.fused_loss`) and the
fused cross-entropy of ``cross_entropy`` (:mod:`autograd.fused_cross_entropy`)
are built on the same pieces (:func:`step_node`, :func:`constant_node`, :func:`become`).

Examples
--------
>>> import numpy as np
>>> from autograd import Tensor, toposort
>>> from autograd.ops import OPS
>>> x = Tensor(np.ones((4, 2)))
>>> W = Tensor(np.full((2, 3), 0.5), requires_grad=True)
>>> b = Tensor(np.zeros(3), requires_grad=True)
>>> y = linear(x, W, b, OPS["relu"])
>>> y._row.name  # one node, of the row linear (the engine's slot: .op would unfuse it)
'linear'
>>> y.sum().backward()
>>> W.grad.tolist()[0]
[4.0, 4.0, 4.0]
>>> y.op.name, [n.op.name for n in toposort(y) if n.op is not None]  # reading the graph unfuses it
('relu', ['matmul', 'add', 'relu'])
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import numpy as np

from .context import CTX as _CTX
from .freed import freed
from .layer_math import layer_arrays, layer_rule
from .node import MANY, Node
from .ops import OPS, TENSOR_ONLY, Op
from .released import let_go_of, stand_in
from .versions import CLOCK, modified_at, saved_values
from .xp import ARRAY

__all__ = [
    "LINEAR",
    "KEEP_STEPS_UP_TO",
    "Steps",
    "linear",
    "unfuse",
    "unfuse_graph",
    "step_node",
    "constant_node",
    "become",
    "fusion",
    "ENABLED",
]

#: A fused layer keeps its weighted sum and pre-activation (for the picture) up to this many elements each.
KEEP_STEPS_UP_TO = 1 << 16

#: Whether :func:`linear`'s callers fuse (one bool in a list, flipped by :func:`fusion`).
ENABLED = [True]

_MATMUL, _ADD, _RELU, _TANH, _SIGMOID = OPS["matmul"], OPS["add"], OPS["relu"], OPS["tanh"], OPS["sigmoid"]


class Steps:
    """What a fused layer node keeps to run its rule and to be unfused: stage tags, values, the activation.

    Examples
    --------
    >>> s = Steps((("w",), ("b",), ("a",)), OPS["relu"], (), True)
    >>> s.act.name, s.ws is None
    ('relu', True)
    """

    __slots__ = ("stages", "act", "act_meta", "need_x", "ws", "z", "gz", "hidden", "unfused")

    def __init__(
        self,
        stages: tuple[Any, Any, Any],
        act: Op | None,
        act_meta: tuple,
        need_x: bool,
        ws: np.ndarray | None = None,
        z: np.ndarray | None = None,
        hidden: int = 0,
    ) -> None:
        self.stages = stages  # stage paths of the weighted sum, the bias and the activation
        self.act = act  # the activation's row, None for a purely linear layer
        self.act_meta = act_meta  # its constants (leaky_relu's slope)
        self.need_x = need_x  # whether the input wanted a gradient when recorded
        self.ws = ws  # x @ W, kept for the picture (None: not kept)
        self.z = z  # x @ W + b, kept for the picture or the rule (None: not kept)
        self.gz: np.ndarray | None = None  # the gradient at z after backward (None: not kept)
        self.hidden = hidden  # elements of the nodes it stands for besides its output (set by linear())
        self.unfused: tuple | None = None  # (row, _a, _b, _meta) once unfused: a copy of the node gets the same

    @property
    def shown(self) -> Op:
        """The row the node is shown as, its last step's: the activation's, else the bias's ``add``."""
        return _ADD if self.act is None else self.act

    def drop_grads(self) -> None:
        """Forget the interior gradient (a graph too big to keep interior gradients)."""
        self.gz = None

    def saved(self, node: Node) -> tuple[bool, frozenset[int]]:
        """What the unfused nodes' rules read: whether the output, and which of x, W, b (for the versions check).

        matmul's rule for W reads x and its rule for x reads W; add reads nothing; the activation's rule reads
        its input (kept here, unless relu's rule reads the output instead) or its output.
        """
        x, W, _ = node._a
        act = self.act
        if act is None:
            out_used = False
        elif act is _RELU:
            out_used = self.z is None
        else:
            out_used = saved_values(act)[0][0]
        inputs = (0,) * W.requires_grad + (1,) * x.requires_grad
        return out_used, frozenset(inputs)

    def let_go(self, least: int) -> list[np.ndarray]:
        """Stop holding the weighted sum and pre-activation of at least ``least`` elements (a released graph)."""
        return let_go_of(self, ("ws", "z"), least)

    def __repr__(self) -> str:
        act = "identity" if self.act is None else self.act.name
        return f"Steps({act}, kept={self.z is not None})"


def _fwd(xp: Any, x: Any, W: Any, b: Any, steps: Steps) -> Any:
    """The three rows' forwards in turn (the values :func:`linear` records; used again to check them)."""
    z = _MATMUL.fwd(xp, x, W) + b
    act = steps.act
    return z if act is None else act.fwd(xp, z, *steps.act_meta)


def _vjp(xp: Any, g: Any, out: Any, x: Any, W: Any, b: Any, steps: Steps) -> tuple[Any, Any, Any]:
    """The gradients of x, W and b: the activation's rule, then add's and matmul's, as the three nodes run them."""
    gz, gx, gW, gb = layer_rule(xp, g, out, x, W, b, steps.act, steps.act_meta, steps.z, steps.need_x)
    steps.gz = gz  # kept for the picture: backward drops it on a graph that keeps no interior gradients
    return gx, gW, gb


def _label(consts: tuple[Any, ...], n_parents: int) -> str:
    act = consts[0].act if consts and isinstance(consts[0], Steps) else None
    return "x @ W + b" if act is None else f"{act.short}(x @ W + b)"


def unfuse(node: Node) -> None:
    """Turn fused layer node ``node`` in place into the nodes the unfused path records (matmul, add, activation).

    The node keeps its identity and value and becomes the last of them; the
    weighted sum and the bias step are made with the stage tags, values and
    gradients they would have had.  A graph freed by backward stays freed.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> W = Tensor(np.eye(2), requires_grad=True)
    >>> y = linear(Tensor(np.ones((1, 2))), W, Tensor(np.ones(2)), None)
    >>> unfuse(y)
    >>> y.op.name, y._a.op.name
    ('add', 'matmul')
    """
    steps: Steps = node._meta[0]
    was_freed = node._row.vjp is not _vjp  # type: ignore[union-attr]  # a freed row's rule raises
    if steps.unfused is None:
        x, W, b = node._a
        out = node.data
        if not was_freed and (steps.ws is None or steps.z is None):  # a live graph shows (and its rules read) them
            _recompute(steps, x.data, W.data, b.data, out, node._born)  # type: ignore[attr-defined]
        ws_data = steps.ws if steps.ws is not None else stand_in(out)  # not kept: shown as released
        # x @ W was recorded (linear() fuses no layer whose weighted sum is a constant), whatever the flags are now
        ws = step_node(node, _MATMUL, x, W, (), ws_data, steps.stages[0], steps.gz, was_freed)
        act = steps.act
        if act is None:  # the node itself is the bias step
            steps.unfused = (_ADD, ws, b, ())
        else:
            z_data = steps.z if steps.z is not None else stand_in(out)
            z = step_node(node, _ADD, ws, b, (), z_data, steps.stages[1], steps.gz, was_freed)
            steps.unfused = (act, z, None, steps.act_meta)
        steps.ws = steps.z = steps.gz = None
    become(node, steps.unfused, was_freed)


def step_node(
    like: Node, op: Op, a: Any, b: Any, meta: tuple, data: Any, stage: Any, grad: Any, was_freed: bool
) -> Node:
    """One of the nodes fused node ``like`` stands for: op ``op`` (freed if ``like``'s graph is), recorded when it was.

    Examples
    --------
    >>> from autograd import Tensor
    >>> a = Tensor([1.0], requires_grad=True)
    >>> n = step_node(a * 2.0, OPS["neg"], a, None, (), np.array([-1.0]), ("s",), None, False)
    >>> n.op.name, n._prev == (a,), n.stage
    ('neg', True, ('s',))
    """
    n: Node = object.__new__(type(like))
    n.data, n.grad, n.stage, n.label = data, grad, stage, like._blank_label
    n._a, n._b, n._row, n._meta, n.requires_grad = a, b, freed(op) if was_freed else op, meta, True
    n._born = like._born  # type: ignore[attr-defined]
    return n


def constant_node(like: Node, data: Any, stage: Any, label: Any) -> Node:
    """A constant among the nodes fused node ``like`` stands for (a leaf that needs no gradient).

    Examples
    --------
    >>> from autograd import Tensor
    >>> c = constant_node(Tensor([1.0]), np.zeros(2), (), "target")
    >>> c.op is None, c.requires_grad, c.label
    (True, False, 'target')
    """
    n: Node = object.__new__(type(like))
    n.data, n.grad, n.stage, n.label = data, None, stage, label
    n._a = n._b = n._row = None
    n._meta, n.requires_grad = (), False
    n._born = like._born  # type: ignore[attr-defined]
    return n


def become(node: Node, unfused: tuple, was_freed: bool) -> None:
    """Make fused ``node`` the last of the nodes it stands for: ``unfused`` is its ``(row, _a, _b, _meta)``.

    Kept on the fused node's steps, so a shallow copy of the node unfuses into the same parents.

    Examples
    --------
    >>> from autograd import Tensor
    >>> a = Tensor([1.0], requires_grad=True)
    >>> y = a * 2.0
    >>> become(y, (OPS["neg"], a, None, ()), False)
    >>> y.op.name
    'neg'
    """
    op, a, b, meta = unfused
    row = freed(op) if was_freed else op
    # NOTE: made before the slots change, then set with no call between (no thread switch): a reader that
    # finds _b changed skips the lock and must find the rest changed too
    node._row, node._a, node._meta, node._b = row, a, meta, b


def _recompute(steps: Steps, xd: Any, Wd: Any, bd: Any, out: Any, born: int) -> None:
    """A big layer's weighted sum and pre-activation, computed again from its inputs for a graph still in use.

    The same two operations as :func:`linear`, so the same numbers, while no input changed since; if one did,
    relu's rule still needs the sign of its input, which its output has (the values are then not shown).
    """
    if max(modified_at(xd), modified_at(Wd), modified_at(bd)) <= born:
        ws = ARRAY.matmul(xd, Wd)
        if steps.ws is None:
            steps.ws = ws
        if steps.z is None:
            steps.z = ws + bd
    elif steps.act is _RELU and steps.z is None:
        steps.z = out  # relu(z) > 0 exactly where z > 0: relu's rule gives the same gradient


def unfuse_graph(roots: Any) -> None:
    """Unfuse every fused node reachable from ``roots`` (a node or a list of them); iterative, any depth.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> y = linear(Tensor(np.ones((1, 2))), Tensor(np.eye(2), requires_grad=True), Tensor(np.ones(2)), OPS["tanh"])
    >>> unfuse_graph(y.sum())
    >>> y.op.name
    'tanh'
    """
    stack = list(roots) if isinstance(roots, (list, tuple)) else [roots]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, Node):
            continue
        seen.add(id(node))
        node._unfuse()
        a, b = node._a, node._b
        if a is None:
            continue
        if b is MANY:
            stack.extend(a)
        else:
            stack.append(a)
            if b is not None:
                stack.append(b)


LINEAR = Op(
    "linear",
    _fwd,
    _vjp,
    "linear",
    "linear",
    _label,
    TENSOR_ONLY,
    variadic=True,
    saves=(0, 1),
    fused=unfuse,
)
"""The fused layer row: ``activation(x @ W + b)`` as one node (see the module's text)."""


def linear(x: Node, W: Node, b: Node, act: Op | None, act_meta: tuple = (), stages: Any = None) -> Node | None:
    """``act(x @ W + b)`` for 2-D ``x`` as one fused node (``act`` the row relu, tanh, sigmoid, leaky_relu or None).

    Returns None under :func:`autograd.detect_anomaly` (which checks every step: the caller records the three
    nodes itself), when ``x`` and ``W`` are not two matrices that multiply (the unfused ``@`` then broadcasts
    a stack, or raises its own error), when ``b`` is not ``(nout,)`` (the unfused add broadcasts it), when ``x``
    or ``W`` is neither C- nor Fortran-contiguous (``@`` sums in another order than ``np.dot``), when ``x``,
    ``W`` and ``b`` are not of one dtype (promotion) and when only ``b`` requires grad (``x @ W`` is then a
    constant of the graph, as unfused).

    The caller checks that the dtype is a float one; ``stages`` are the three steps' stage
    paths (default: the current stage for all three).

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> y = linear(Tensor([[1.0, -2.0]]), Tensor(np.eye(2)), Tensor([0.5, 0.5]), OPS["relu"])
    >>> y.tolist()
    [[1.5, 0.0]]
    """
    stage, grad_on, anomaly, _, _ = _CTX.get()
    if anomaly:  # detect_anomaly checks every step: the three nodes are recorded one by one
        return None
    if stages is None:
        stages = (stage, stage, stage)
    xd, Wd, bd = x.data, W.data, b.data
    xs, Ws = xd.shape, Wd.shape
    if len(Ws) != 2 or len(xs) != 2 or xs[1] != Ws[0] or bd.shape != Ws[1:]:
        # NOTE: not a layer (a stack broadcasts under @ where np.dot pairs other axes; a bias of another shape
        # broadcasts in the unfused add): the unfused nodes compute it, or raise their own errors
        return None
    if not (xd.flags.forc and Wd.flags.forc):
        # NOTE: np.dot copies an operand that is neither C- nor Fortran-contiguous (a column slice X[:, ::2], a
        # weight that views another array) and then sums in another order than @: the last bits would differ
        return None
    if bd.dtype is not Wd.dtype or xd.dtype is not Wd.dtype:
        # NOTE: one dtype, or numpy's promotion decides: a float64 bias makes z float64 while the weighted sum and
        # its gradient stay float32 (the unfused add casts it); the in-place `ws += b` would keep float32
        return None
    need_x = x.requires_grad
    if need_x or W.requires_grad:
        record = grad_on
    elif grad_on and b.requires_grad:
        # NOTE: a frozen weight and a trainable bias: unfused, x @ W is a constant with no parents, so W gets no
        # gradient even if it is unfrozen before backward (as in PyTorch); the unfused nodes record that
        return None
    else:
        record = False
    keep = record and xd.shape[0] * Wd.shape[1] <= KEEP_STEPS_UP_TO  # the weighted sum's size
    ws, z, out = layer_arrays(xd, Wd, bd, act, act_meta, keep)
    cls = type(x)
    n: Node = object.__new__(cls)
    n.data, n.grad, n.label, n._born = out, None, cls._blank_label, CLOCK.now  # type: ignore[attr-defined]
    n.stage = stages[2] if act is not None else stages[1]
    if not record:
        n._a = n._b = n._row = None
        # NOTE: the unfused path tags its last step (activation, else bias) even when nothing is recorded
        n._meta, n.requires_grad = (), False
        return n
    hidden = ((act is not None) + 1) * out.size  # the interior nodes it stands for besides its output: x @ W, z
    # kept for the picture; leaky_relu's rule reads its input even when nothing is kept
    with_z = keep or (act is not None and act is not _RELU and act is not _TANH and act is not _SIGMOID)
    steps = Steps(stages, act, act_meta, need_x, ws if keep else None, z if with_z else None, hidden)
    n._a, n._b, n._row, n._meta, n.requires_grad = (x, W, b), MANY, LINEAR, (steps,), True
    return n


# the fusion() blocks in force, oldest first (a token and its value each), and the value found before the first
_BLOCKS: list[tuple[object, bool]] = []
_BEFORE = [True]
# NOTE: reentrant, and nothing the garbage collector tracks is made while it is held: a collection run by an
# allocation there may finalize a generator abandoned inside another block, which then leaves that block here
_BLOCKS_LOCK = threading.RLock()


class fusion(contextlib.ContextDecorator):  # lower case: used as a function, `with fusion(False):` (as torch.no_grad)
    """Switch fused layers on or off inside a ``with`` block (layers then record their three nodes directly).

    The switch is process-wide (every thread's layers see it, and unfused layers give the same numbers, only
    more slowly).  Blocks may be left in any order, as two threads leave theirs: the newest block still in force
    decides, and when the last one is left the switch is back to what it was before the first.  As
    ``torch.no_grad()``, one object may be used for several blocks, nested or not, and as a decorator.

    Examples
    --------
    >>> with fusion(False):
    ...     ENABLED[0]
    False
    >>> ENABLED[0]
    True
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = bool(enabled)
        self._blocks: list[tuple[object, bool]] = []  # this object's blocks in force (one value: any may go first)

    def __enter__(self) -> None:
        on = self.enabled
        block = (object(), on)  # made before the lock is taken (see _BLOCKS_LOCK)
        self._blocks.append(block)
        with _BLOCKS_LOCK:
            if not _BLOCKS:
                _BEFORE[0] = ENABLED[0]
            _BLOCKS.append(block)
            ENABLED[0] = on

    def __exit__(self, *exc: object) -> None:
        block = self._blocks.pop()
        with _BLOCKS_LOCK:
            # NOTE: not the value this block found: an overlapping block in another thread may have left since
            _BLOCKS.remove(block)  # the same tuple (its token is unique): no new list under the lock
            ENABLED[0] = _BLOCKS[-1][1] if _BLOCKS else _BEFORE[0]
