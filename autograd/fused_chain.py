"""A fused chain of layers: an MLP's layers as one node while training, its layers' nodes whenever read.

:func:`autograd.fused.linear` records a layer as one node; an ``nn.MLP`` of
small layers still records one per layer, each made, visited, handed a
gradient and freed.  :func:`layers` records the whole chain ``x -> layer 1 ->
... -> layer n`` as **one** node of the row :data:`CHAIN`.  Forward and backward
it computes each layer as the fused layer does (:mod:`autograd.layer_math`:
the same numbers, bit for bit), its rule from the last layer to the first.
It keeps each layer's three arrays and makes no per-layer record while
training: the layers' :class:`autograd.fused.Steps` are made when it is unfused.

Reading the graph unfuses it, as any fused node: the node becomes the last
layer's node, made from fused layer nodes for the layers before it (with
their stage tags, outputs and, after backward, gradients), and each of those
unfuses into its three steps when read.  A chain is only recorded for layers
whose every step is kept for the picture (at most
:data:`autograd.fused.KEEP_STEPS_UP_TO` outputs each) and whose weights and
biases all require grad; anything else is recorded layer by layer.

Examples
--------
>>> import numpy as np
>>> from autograd import Tensor, toposort
>>> x = Tensor(np.ones((4, 2)))
>>> W1, b1 = Tensor(np.full((2, 3), 0.5), requires_grad=True), Tensor(np.zeros(3), requires_grad=True)
>>> W2, b2 = Tensor(np.ones((3, 1)), requires_grad=True), Tensor(np.zeros(1), requires_grad=True)
>>> y = layers(x, (W1, b1, W2, b2), (OPS["relu"], None), ((), ()), (((),) * 3,) * 2)
>>> y._row.name  # one node (the engine's slot: .op would unfuse it)
'layers'
>>> y.sum().backward()
>>> W1.grad.tolist()[0]
[4.0, 4.0, 4.0]
>>> [n.op.name for n in toposort(y) if n.op is not None]  # reading the graph unfuses it
['matmul', 'add', 'relu', 'matmul', 'add']
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .context import CTX as _CTX
from .convert import own_dtype
from .freed import freed
from .fused import KEEP_STEPS_UP_TO, LINEAR, Steps, become, unfuse
from .layer_math import layer_arrays, layer_rule
from .node import LEAF_LOCK, MANY, Node
from .ops import OPS, TENSOR_ONLY, Op
from .released import is_released, stand_in
from .versions import CLOCK, saved_values

__all__ = ["CHAIN", "Chain", "ChainPlan", "layers", "unfuse_chain", "hand_over"]

_RELU, _MATMUL = OPS["relu"], OPS["matmul"]
_ND = np.ndarray
_ref = weakref.ref


class Chain:
    """What a fused chain node keeps: each layer's activation, constants and stage paths, the arrays it computed
    (weighted sum, pre-activation, output) and, after backward on a graph that keeps interior gradients, the
    gradients at each pre-activation and between layers.  The layers' :class:`autograd.fused.Steps` are made
    only when the node is unfused (a training step never makes them).

    Examples
    --------
    >>> relu = (OPS["relu"], (), ((),) * 3)
    >>> c = Chain((relu, (None, (), ((),) * 3)), [(np.ones(2), np.ones(2), np.ones(2))] * 2, False)
    >>> c.shown.name, c.hidden
    ('add', 0)
    """

    __slots__ = ("layers", "arrays", "need_x", "grads", "hidden", "unfused")

    def __init__(self, layers: tuple[tuple[Any, ...], ...], arrays: list[Any], need_x: bool, hidden: int = 0) -> None:
        self.layers = layers  # per layer, first layer first: (activation row or None, its constants, stage paths)
        self.arrays = arrays  # per layer (x @ W, x @ W + b, output); the last output is the node's own value
        self.need_x = need_x  # whether the first layer's input wants a gradient (every later one does)
        # after backward, while kept: (the gradient at each layer's pre-activation, at each output but the last)
        self.grads: tuple[list[Any], list[Any]] | None = None
        self.hidden = hidden  # elements of the nodes it stands for besides its output
        self.unfused: tuple | None = None  # (row, _a, _b, _meta) once unfused: a copy of the node gets the same

    @property
    def shown(self) -> Op:
        """The row the node is shown as: its last layer's last step's (its activation's, else the bias's add)."""
        act = self.layers[-1][0]
        return OPS["add"] if act is None else act

    def drop_grads(self) -> None:
        """Forget the interior gradients (a graph too big to keep interior gradients)."""
        self.grads = None

    def saved(self, node: Node) -> tuple[bool, frozenset[int]]:
        """What the unfused nodes' rules read of the node's output and parents (for the versions check).

        The outputs between layers are read by the next layer's rules, but nothing outside the node holds them;
        of its parents, the first layer's matmul reads ``x`` (W1's rule, if W1 wants a gradient) and W1 (x's
        rule, if x wants one); every later layer's matmul reads its weight (its input wants a gradient); the
        last activation may read the output (relu reads its kept input; see :meth:`autograd.fused.Steps.saved`).
        """
        x, W = node._a[0], node._a[1]
        read = [0] * W.requires_grad + [1 + 2 * i for i in range(len(self.layers)) if i or x.requires_grad]
        act = self.layers[-1][0]
        out_used = act is not None and act is not _RELU and saved_values(act)[0][0]
        return bool(out_used), frozenset(read)

    def let_go(self, least: int) -> list[np.ndarray]:
        """Stop holding what the layers' nodes of a released graph let go of (each array once): each layer's
        weighted sum and pre-activation, and the outputs between layers (read back as released stand-ins), of at
        least ``least`` elements."""
        kept: list[np.ndarray] = []
        last = len(self.arrays) - 1
        for i, (ws, z, out) in enumerate(self.arrays):
            if ws is not None and ws.size >= least:
                kept.append(ws)
                ws = None
            if z is not None and z.size >= least:
                kept.append(z)
                z = None
            if i < last and out.size >= least and not is_released(out):
                if not any(out is k for k in kept):  # an identity layer's output is its pre-activation
                    kept.append(out)
                out = stand_in(out)
            self.arrays[i] = (ws, z, out)
        return kept

    def steps(self) -> list[Steps]:
        """Each layer's :class:`autograd.fused.Steps` (what its own fused node keeps), made from what the chain
        kept (its node is unfused into the layers' nodes with them)."""
        gzs = None if self.grads is None else self.grads[0]
        out: list[Steps] = []
        for i, ((act, meta, stages), (ws, z, h)) in enumerate(zip(self.layers, self.arrays)):
            s = Steps(stages, act, meta, self.need_x if i == 0 else True, ws, z, ((act is not None) + 1) * h.size)
            s.gz = None if gzs is None else gzs[i]
            out.append(s)
        return out

    def __repr__(self) -> str:
        return f"Chain({len(self.layers)} layers)"


def _fwd(xp: Any, x: Any, *args: Any) -> Any:
    """Each layer's three rows' forwards in turn (the values :func:`layers` records; used again to check them)."""
    chain: Chain = args[-1]
    for i, (act, meta, _) in enumerate(chain.layers):
        z = _MATMUL.fwd(xp, x, args[2 * i]) + args[2 * i + 1]
        x = z if act is None else act.fwd(xp, z, *meta)
    return x


def _chain_vjp(xp: Any, g: Any, out: Any, *args: Any) -> list[Any]:
    """The gradients of x and every W and b: each layer's rule (:func:`autograd.layer_math.layer_rule`, the fused
    layer's), last layer first (as its nodes run)."""
    chain: Chain = args[-1]
    layers, arrays = chain.layers, chain.arrays
    n = len(layers)
    grads: list[Any] = [None] * (2 * n + 1)
    gzs: list[Any] = [None] * n
    gouts: list[Any] = [None] * (n - 1)
    for i in range(n - 1, -1, -1):
        act, meta, _ = layers[i]
        gzs[i], g, grads[2 * i + 1], grads[2 * i + 2] = layer_rule(
            xp,
            g,
            out if i == n - 1 else arrays[i][2],
            args[0] if i == 0 else arrays[i - 1][2],
            args[2 * i + 1],
            args[2 * i + 2],
            act,
            meta,
            arrays[i][1],
            chain.need_x if i == 0 else True,
        )
        if i:
            gouts[i - 1] = g  # the gradient at layer i's input, kept for the picture (backward may drop it)
    grads[0] = g
    chain.grads = (gzs, gouts)
    return grads


_ORDERS: dict[int, tuple[int, ...]] = {}  # number of parents -> the order hand_over gives them their gradients


def hand_over(parents: tuple[Node, ...], grads: list[Any]) -> None:
    """Give a chain node's parents their gradients, in the order the layers' own nodes would (last layer first,
    its weight then its bias; ``x`` before the first layer's), so a leaf used twice sums them in the same order.

    A leaf's first gradient, a fresh array of its dtype (what the rules return), is taken over under one lock
    for all of them; anything else is accumulated as :meth:`autograd.Tensor._accumulate` does.  The caller has
    checked the shapes (each parent's ``.data`` may have been replaced since the forward pass).

    Examples
    --------
    >>> from autograd import Tensor
    >>> x, W, b = Tensor([[1.0]]), Tensor([[2.0]], requires_grad=True), Tensor([0.0], requires_grad=True)
    >>> hand_over((x, W, b), [None, np.ones((1, 1)), np.ones(1)])
    >>> W.grad.tolist(), b.grad.tolist()
    ([[1.0]], [1.0])
    """
    order = _ORDERS.get(len(parents))
    if order is None:
        n = len(parents) // 2
        order = _ORDERS[len(parents)] = tuple(j for i in range(n, 1, -1) for j in (2 * i - 1, 2 * i)) + (0, 1, 2)
    rest = None
    with LEAF_LOCK:
        for j in order:
            p, gp = parents[j], grads[j]
            if gp is None or not p.requires_grad:
                continue
            if p.grad is None and p._row is None and type(gp) is _ND and gp.base is None and gp.dtype is p.data.dtype:
                p.grad = gp  # NOTE: the rules' results are new arrays (writeable, of their own memory)
            elif rest is None:
                rest = [(p, gp)]
            else:
                rest.append((p, gp))
    if rest is not None:
        for p, gp in rest:
            p._accumulate(gp)


def _label(consts: tuple[Any, ...], n_parents: int) -> str:
    return f"{(n_parents - 1) // 2} layers"


def unfuse_chain(node: Node) -> None:
    """Turn chain node ``node`` in place into its layers' nodes: the last layer's (unfused into its steps),
    whose input is the layer before's fused node, and so on back to ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> W = Tensor(np.eye(2), requires_grad=True)
    >>> b = Tensor(np.zeros(2), requires_grad=True)
    >>> y = layers(Tensor(np.ones((1, 2))), (W, b, W, b), (OPS["tanh"], None), ((), ()), (((),) * 3,) * 2)
    >>> unfuse_chain(y)
    >>> y._row.name, y._a._row.name, y._a._a._b is MANY and y._a._a._row.name
    ('add', 'matmul', 'linear')
    """
    chain: Chain = node._meta[0]
    was_freed = node._row.vjp is not _chain_vjp  # type: ignore[union-attr]  # a freed row's rule raises
    if chain.unfused is None:
        a, gouts = node._a, None if chain.grads is None else chain.grads[1]
        row = freed(LINEAR) if was_freed else LINEAR
        steps = chain.steps()
        prev = a[0]
        for i, s in enumerate(steps[:-1]):
            n: Node = object.__new__(type(node))
            n.data, n.grad, n.label = chain.arrays[i][2], None if gouts is None else gouts[i], node._blank_label
            n.stage = s.stages[2] if s.act is not None else s.stages[1]
            n._a, n._b, n._row, n._meta, n.requires_grad = (prev, a[2 * i + 1], a[2 * i + 2]), MANY, row, (s,), True
            n._born = node._born  # type: ignore[attr-defined]
            prev = n
        chain.unfused = (LINEAR, (prev, a[-2], a[-1]), MANY, (steps[-1],))
        chain.arrays, chain.grads = [], None  # the layers' nodes hold them now (and let go of them when released)
    become(node, chain.unfused, was_freed)
    unfuse(node)  # the last layer's own steps


CHAIN = Op(
    "layers",
    _fwd,
    _chain_vjp,
    "layers",
    "layers",
    _label,
    TENSOR_ONLY,
    variadic=True,
    saves=(0, 1),
    fused=unfuse_chain,
)
"""The fused chain row: several layers ``act(x @ W + b)`` in a row as one node (see the module's text)."""


# what a ChainPlan's check found: weak references to the arrays, per layer (act, meta, stages), the input
# width, the dtype, the widest layer's width, the chain's hidden elements per row of input and its stage
_Checked = tuple[tuple[Any, ...], tuple[tuple[Any, ...], ...], int, Any, int, int, Any]


class ChainPlan:
    """Layers ``act_i(x @ W_i + b_i)`` to record as one chain node, checked once and then per call only by the
    identity of each weight's and bias's array (their shapes, dtypes and layouts cannot change while it holds).

    ``params`` is ``(W1, b1, W2, b2, ...)``, ``acts`` each layer's activation row (relu, tanh, sigmoid or None),
    ``metas`` their constants and ``stages`` each layer's three stage paths.  Calling it with ``x`` gives the
    chain node, or None when the layers must be recorded one by one: nothing is recorded (no grad,
    :func:`autograd.detect_anomaly`), fewer than two layers, a weight or bias that does not require grad, or a
    layer :func:`autograd.fused.linear` would not record as one node keeping all its steps (shapes that do not
    chain, mixed dtypes, a layer of more than :data:`autograd.fused.KEEP_STEPS_UP_TO` outputs, an operand
    neither C- nor Fortran-contiguous).

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> W = Tensor(np.eye(2), requires_grad=True)
    >>> b = Tensor(np.zeros(2), requires_grad=True)
    >>> plan = ChainPlan((W, b, W, b), (OPS["relu"], None), ((), ()), (((),) * 3,) * 2)
    >>> plan(Tensor([[1.0, -2.0]])).tolist()
    [[1.0, 0.0]]
    """

    __slots__ = ("_params", "acts", "metas", "stages", "checked")

    def __init__(self, params: Any, acts: tuple[Any, ...], metas: tuple[tuple, ...], stages: Any):
        # NOTE: params may be a function giving them per call (None once they are gone): a model's plan holds
        # its layers weakly, so a layer or parameter the model no longer has is not kept alive by an old plan
        self._params = params if callable(params) else (lambda given=tuple(params): given)
        self.acts, self.metas, self.stages = tuple(acts), tuple(metas), tuple(stages)
        # NOTE: what the last check found, set and read as one tuple (a model may be called in several threads
        # while one checks new arrays): weak references to the arrays (an array a parameter no longer holds is
        # not kept alive: the layers' nodes hold parameters, not arrays), (act, meta, stages) per layer, the
        # input width, the dtype, the widest layer's width, hidden elements per row of input, the node's stage
        self.checked: _Checked = ((), (), -1, None, 0, 0, None)

    @property
    def params(self) -> tuple[Node, ...] | None:
        """The weights and biases ``(W1, b1, W2, b2, ...)`` (None: a layer they came from is gone)."""
        return self._params()

    def _check(self, params: tuple[Node, ...]) -> _Checked | None:
        """Check the weights and biases as :func:`autograd.fused.linear` would; what it found (kept), or None."""
        n = len(self.acts)
        if n < 2 or len(params) != 2 * n:
            return None
        datas = tuple(p.data for p in params)
        first = datas[0]
        if type(first) is not np.ndarray or len(first.shape) != 2 or first.dtype.char not in "fd":
            return None  # NOTE: float32 and float64: the layers' rules then give new arrays (hand_over)
        width, dtype = first.shape[0], first.dtype
        for i in range(n):
            W, b, Wd, bd = params[2 * i], params[2 * i + 1], datas[2 * i], datas[2 * i + 1]
            if not (W.requires_grad and b.requires_grad) or type(Wd) is not np.ndarray or type(bd) is not np.ndarray:
                return None
            shape = Wd.shape
            if (
                len(shape) != 2
                or shape[0] != width
                or bd.shape != shape[1:]
                or Wd.dtype is not dtype
                or bd.dtype is not dtype
                or not Wd.flags.forc
            ):
                return None
            width = shape[1]
        widths = [d.shape[1] for d in datas[0::2]]
        # per row of input: each layer's weighted sum, pre-activation (an activation's input) and output, but the
        # node's own output (what linear() counts per layer, and the outputs between layers)
        per_row = sum(((a is not None) + 2) * w for a, w in zip(self.acts, widths)) - widths[-1]
        layers = tuple(zip(self.acts, self.metas, self.stages))
        last = layers[-1]
        stage = last[2][2] if last[0] is not None else last[2][1]  # the last step's: activation, else bias
        found: _Checked = (tuple(map(_ref, datas)), layers, first.shape[0], dtype, max(widths), per_row, stage)
        self.checked = found
        return found

    def __call__(self, x: Node) -> Node | None:
        _, grad_on, anomaly, _, _ = _CTX.get()
        if anomaly or not grad_on:
            return None
        params = self._params()
        if params is None:
            return None
        refs, layers, nin, dtype, widest, per_row, stage = self.checked
        datas = [p.data for p in params]
        stale = not refs  # never checked
        for p, d, r in zip(params, datas, refs):
            if d is not r() or not p.requires_grad:  # NOTE: a dead reference gives None: checked again
                stale = True
                break
        if stale:
            found = self._check(params)
            if found is None:
                return None
            refs, layers, nin, dtype, widest, per_row, stage = found
        xd = x.data
        if (
            type(xd) is not np.ndarray
            or len(xd.shape) != 2
            or xd.shape[1] != nin
            or (xd.dtype is not dtype and not own_dtype(xd, dtype))  # an unpickled batch's: given numpy's own
            or not xd.flags.forc
            or xd.shape[0] * widest > KEEP_STEPS_UP_TO
        ):
            return None
        arrays, h = [], xd
        for (act, meta, _), Wd, bd in zip(layers, datas[0::2], datas[1::2]):
            done = layer_arrays(h, Wd, bd, act, meta, True)  # every step kept (at most KEEP_STEPS_UP_TO)
            arrays.append(done)
            h = done[2]
        cls = type(x)
        node: Node = object.__new__(cls)
        node.data, node.grad, node.label, node._born = h, None, cls._blank_label, CLOCK.now  # type: ignore[attr-defined]
        node.stage = stage
        chain = Chain(layers, arrays, x.requires_grad, xd.shape[0] * per_row)
        node._a, node._b, node._row, node._meta, node.requires_grad = (x, *params), MANY, CHAIN, (chain,), True
        return node


def layers(
    x: Node, params: tuple[Node, ...], acts: tuple[Any, ...], metas: tuple[tuple, ...], stages: Any
) -> Node | None:
    """Layers ``x -> act_i(x @ W_i + b_i)`` in a row as one fused node, or None: :class:`ChainPlan` for one call.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> W = Tensor(np.eye(2), requires_grad=True)
    >>> b = Tensor(np.zeros(2), requires_grad=True)
    >>> layers(Tensor([[1.0, -2.0]]), (W, b, W, b), (OPS["relu"], None), ((), ()), (((),) * 3,) * 2).tolist()
    [[1.0, 0.0]]
    """
    if not isinstance(x, Node):
        return None
    return ChainPlan(params, acts, metas, stages)(x)
