"""Fused squared error: ``mse_loss``'s four steps (difference, square, sum, × 1/n) as one node, unfused when read.

The row :data:`SQUARED_ERROR` runs the four rows' own rules in turn (the
unfused numbers, bit for bit); reading the graph's structure unfuses the node
in place into the target leaf and the ``sub``, ``mul``, ``sum`` (and ``mul``)
nodes the unfused path records, made by :mod:`autograd.fused`'s pieces.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .context import CTX as _CTX
from .fused import become, constant_node, step_node
from .node import MANY, Node
from .ops import OPS, TENSOR_ONLY, Op
from .released import let_go_of, stand_in
from .versions import CLOCK
from .xp import ARRAY

__all__ = ["SQUARED_ERROR", "LossRecord", "SquaredError", "squared_error", "unfuse_squared_error", "KEEP_SQUARES_UP_TO"]

#: A fused squared-error node keeps the squares (for the picture) up to this many elements.
KEEP_SQUARES_UP_TO = 1 << 16

_add_reduce = np.add.reduce
_ND = np.ndarray
_SUB, _MUL, _SUM = OPS["sub"], OPS["mul"], OPS["sum"]


class LossRecord:
    """What every fused loss's record shares: its mean's ``scale`` (None for the sum) and interior ``grads``.

    Its node is shown as its last step (the mean's ``mul``, else the ``sum``); its unfused rules read nothing
    of the node's output or input but what the record keeps; a released graph lets go of the arrays named
    in ``RELEASED``.

    Examples
    --------
    >>> SquaredError(np.zeros(2), 0.5, "target").shown.name
    'mul'
    """

    __slots__ = ("scale", "grads", "hidden", "unfused")
    RELEASED: tuple[str, ...] = ()
    scale: float | None  # 1/n for the mean, None for the sum
    grads: tuple[Any, ...] | None  # the interior gradients after backward
    hidden: int  # elements of the nodes it stands for besides its output
    unfused: tuple | None  # (row, _a, _b, _meta) once unfused: a copy of the node gets the same

    @property
    def shown(self) -> Op:
        """The row the node is shown as, its last step's: the mean's ``mul``, else the ``sum``."""
        return _SUM if self.scale is None else _MUL

    def drop_grads(self) -> None:
        """Forget the interior gradients (a graph too big to keep interior gradients)."""
        self.grads = None

    def saved(self, node: Node) -> tuple[bool, frozenset[int]]:
        """What the unfused rules read of the output and the input: nothing (see :meth:`autograd.fused.Steps.saved`)."""
        return False, frozenset()

    def let_go(self, least: int) -> list[np.ndarray]:
        """Stop holding the interior values named in ``RELEASED`` of at least ``least`` elements (a released graph)."""
        return let_go_of(self, self.RELEASED, least)


class SquaredError(LossRecord):
    """What a fused squared-error node keeps: the target, the difference, the squares, the sum, their gradients.

    Examples
    --------
    >>> SquaredError(np.zeros(2), None, "target").scale is None
    True
    """

    __slots__ = ("target", "label", "d", "sq", "s")
    RELEASED = ("d", "sq")  # the difference and the squares

    def __init__(
        self,
        target: np.ndarray,
        scale: float | None,
        label: str,
        d: np.ndarray | None = None,
        s: Any = None,
        sq: np.ndarray | None = None,
    ) -> None:
        self.target = target  # the target array (a constant of the prediction's shape and dtype)
        self.scale = scale  # 1/n for the mean, None for the sum
        self.label = label  # the target leaf's label
        self.d = d  # p - t (the rule reads it)
        self.sq = sq  # (p - t) ** 2, kept for the picture
        self.s = s  # their sum (the mean's input; numpy's scalar)
        self.grads: tuple[Any, ...] | None = None  # the gradients at s, sq and d after backward
        # the elements of d, d * d and (for the mean) the sum, one number; the target is a leaf
        self.hidden = 0 if d is None else 2 * d.size + (scale is not None)
        self.unfused: tuple | None = None  # (row, _a, _b, _meta) once unfused: a copy of the node gets the same

    def __repr__(self) -> str:
        return f"SquaredError({'mean' if self.scale is not None else 'sum'})"


def _se_fwd(xp: Any, p: Any, steps: SquaredError) -> Any:
    """The four rows' forwards: ``sum((p - t) * (p - t))``, times ``scale`` for the mean."""
    d = p - steps.target
    s = xp.sum(d * d, None, False)
    return s if steps.scale is None else s * steps.scale


def _se_vjp(xp: Any, g: Any, out: Any, p: Any, steps: SquaredError) -> tuple[Any]:
    """The four rows' rules in turn, as the unfused nodes run them (d's two gradients added as accumulated)."""
    scale = steps.scale
    # NOTE: mul's rule, g * b; a 0-d g (the seed) is multiplied as numpy's scalar: the same float32/64 product and
    # the same result (numpy's scalar) as the 0-d array's, without a ufunc call
    gs = g if scale is None else (g[()] if type(g) is _ND else g) * scale
    d: Any = steps.d
    # NOTE: sum's rule broadcasts gs to d's shape and mul's two rules multiply that by d: gs * d gives the same
    # products without the broadcast copy, and u + u is the sum of the two equal products added into d's gradient
    u = gs * d
    gd = u + u
    steps.grads = (gs, None, gd)  # the squares' gradient (gs broadcast) is made if the node is unfused
    return (gd,)


def _se_label(consts: tuple[Any, ...], n_parents: int) -> str:
    steps = consts[0] if consts else None
    return "sum((p - t)²)" if getattr(steps, "scale", 0) is None else "mean((p - t)²)"


def unfuse_squared_error(node: Node) -> None:
    """Turn a fused squared-error node in place into the unfused nodes (target, sub, mul, sum[, mul]).

    Examples
    --------
    >>> from autograd import Tensor
    >>> p = Tensor([1.0, 2.0], requires_grad=True)
    >>> loss = squared_error(p, np.zeros(2), 0.5, "target")
    >>> unfuse_squared_error(loss)
    >>> loss.op.name, loss._a.op.name, loss._a._a.op.name, loss._a._a._a.op.name
    ('mul', 'sum', 'mul', 'sub')
    """
    steps: SquaredError = node._meta[0]
    was_freed = node._row.vjp is not _se_vjp  # type: ignore[union-attr]  # a freed row's rule raises
    if steps.unfused is None:
        (p,) = node._a
        stage = node.stage
        grads = steps.grads or (None, None, None)
        t = constant_node(node, steps.target, (), steps.label)
        d_data: Any = steps.d if steps.d is not None else stand_in(steps.target)  # None: released with its graph
        d = step_node(node, _SUB, p, t, (), d_data, stage, grads[2], was_freed)
        if steps.sq is not None:
            sq_data = steps.sq
        elif not was_freed:  # a graph still in use shows the squares (the same product as squared_error's)
            sq_data = d_data * d_data
        else:
            sq_data = stand_in(d_data)
        gsq = None if grads[0] is None else ARRAY.broadcast_to(grads[0], steps.target.shape)  # sum's rule, as run
        sq = step_node(node, _MUL, d, d, (), sq_data, stage, gsq, was_freed)
        if steps.scale is None:
            steps.unfused = (_SUM, sq, None, (None, False))
        else:
            s = step_node(node, _SUM, sq, None, (None, False), np.asarray(steps.s), stage, grads[0], was_freed)
            steps.unfused = (_MUL, s, None, (steps.scale,))
        steps.d = steps.sq = steps.s = steps.grads = None
    become(node, steps.unfused, was_freed)


SQUARED_ERROR = Op(
    "squared_error",
    _se_fwd,
    _se_vjp,
    "squared_error",
    "squared error",
    _se_label,
    TENSOR_ONLY,
    variadic=True,
    saves=(),
    fused=unfuse_squared_error,
)
"""The fused squared-error row: ``sum((p - t)²)`` (times ``1/n`` for the mean) as one node."""


def squared_error(p: Node, target: np.ndarray, scale: float | None, label: str = "target") -> Node | None:
    """``sum((p - target)²)``, times ``scale`` unless None, as one fused node (the target a float array of p's shape).

    Returns None under :func:`autograd.detect_anomaly` (the caller records the steps itself).

    Examples
    --------
    >>> from autograd import Tensor
    >>> squared_error(Tensor([1.0, 3.0]), np.array([0.0, 1.0]), 0.5).item()
    2.5
    """
    stage, grad_on, anomaly, _, _ = _CTX.get()
    if anomaly:
        return None
    d = p.data - target
    sq = d * d
    s = _add_reduce(sq, None)  # NOTE: the sum row's forward (ndarray.sum reduces with np.add) without its wrappers
    # NOTE: the mean's product on numpy's scalar (the same float32/64 arithmetic as on a 0-d array, cheaper)
    out = np.asarray(s if scale is None else s * scale)
    cls = type(p)
    n: Node = object.__new__(cls)
    n.data, n.grad, n.label, n.stage = out, None, cls._blank_label, stage
    n._born = CLOCK.now  # type: ignore[attr-defined]
    if grad_on and p.requires_grad:
        steps = SquaredError(target, scale, label, d, s, sq if sq.size <= KEEP_SQUARES_UP_TO else None)
        n._a, n._b, n._row, n._meta, n.requires_grad = (p,), MANY, SQUARED_ERROR, (steps,), True
    else:
        n._a = n._b = n._row = None
        n._meta, n.requires_grad = (), False
    return n
