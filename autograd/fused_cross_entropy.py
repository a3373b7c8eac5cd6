"""Fused cross-entropy: ``cross_entropy``'s steps (log-softmax, pick, negate, reduce) as one node, unfused when read.

``nn.cross_entropy(z, y)`` for logits ``z`` of shape ``(N, k)`` records, unfused,
the constant row maximum ``m`` (0 where it is not finite), ``shifted = z - m``,
``lse = logsumexp(shifted, axis=1)``, ``logp = shifted - lse``, the pick
``logp[arange(N), y]``, its negation, the sum and (for the mean) ``× 1/N``.  The
row :data:`CROSS_ENTROPY` records them as one node whose rule runs those rows'
rules in turn, so the loss, the logits' gradient and every interior gradient
are the unfused numbers bit for bit; reading the graph's structure unfuses the
node in place into exactly those nodes (made by :mod:`autograd.fused`'s pieces).

Where the fused node saves numpy calls it computes the same bits another way
(each place says why it is exact):

- the row maximum of a narrow batch comes from one contiguous reduction of the
  transposed logits instead of numpy's slow per-row reduction; a maximum is one
  of the elements, so it is the same number, and the same bits unless it is
  ``±0`` or nan (or not finite), where numpy's own reduction runs instead;
- ``logsumexp``'s forward takes the maximum of ``shifted`` again: that maximum
  is always ``±0`` (see :func:`cross_entropy`), so its shift and its added
  maximum change no bit and are skipped;
- the pick reads ``shifted - lse`` at the picked places only (the same
  subtractions), and the picture's ``logp`` is computed when unfused;
- in the rule, ``getitem``'s scatter of unique places is an assignment of
  ``0 + g`` (what ``np.add.at`` adds into zeros), and the row sums of its
  negation (``sub``'s rule for ``lse``, summed back to ``(N, 1)``) are that
  negated value itself whenever it is not zero (every other term is ``-0``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .context import CTX as _CTX
from .convert import unbroadcast
from .fused import become, constant_node, step_node
from .fused_loss import LossRecord
from .node import MANY, Node
from .ops import OPS, TENSOR_ONLY, Op
from .released import stand_in
from .versions import CLOCK
from .xp import ARRAY

__all__ = ["CROSS_ENTROPY", "CrossEntropy", "cross_entropy", "unfuse_cross_entropy", "NARROW_UP_TO"]

#: Logits of at most this many classes take their row maximum from the transposed batch (see the module's text).
NARROW_UP_TO = 64

_SUB, _LSE, _GETITEM, _NEG, _SUM, _MUL = (
    OPS["sub"],
    OPS["logsumexp"],
    OPS["getitem"],
    OPS["neg"],
    OPS["sum"],
    OPS["mul"],
)
_lse_rule = _LSE.vjp[0]
_count_nonzero = np.count_nonzero
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class CrossEntropy(LossRecord):
    """What a fused cross-entropy node keeps: the pick, the interior values its rules read or a picture shows.

    ``shifted`` and ``lse`` (which ``logsumexp``'s rule reads), the picks and their sum; ``logp`` is computed
    again when the node is unfused, so it holds less than the unfused nodes would and needs no size limit.
    A released graph lets go of those of 4,096 elements or more, as of the unfused nodes' data.

    Examples
    --------
    >>> CrossEntropy((np.arange(2), np.zeros(2, np.intp)), 0.5).scale
    0.5
    """

    __slots__ = ("index", "k", "m", "shifted", "lse", "picked", "nll", "s")
    RELEASED = ("shifted", "lse", "picked", "nll")  # the interior values a released graph lets go of

    def __init__(self, index: tuple[np.ndarray, np.ndarray], scale: float | None, k: int = 2) -> None:
        self.index = index  # (arange(N), the class of each sample): getitem's constant
        self.scale = scale  # 1/N for the mean, None for the sum
        self.k = k  # the number of classes
        self.m: Any = None  # the row maxima, (N, 1) (log_softmax's constant)
        self.shifted: Any = None  # z - m (the rule reads it)
        self.lse: Any = None  # logsumexp(shifted), (N, 1) (the rule reads it)
        self.picked: Any = None  # logp at the picked places, (N,)
        self.nll: Any = None  # -picked
        self.s: Any = None  # the sum of nll (the mean's input)
        self.grads: tuple[Any, ...] | None = None  # after backward: the gradients at s, nll, picked, logp, lse, shifted
        self.hidden = 0  # elements of the nodes it stands for besides its output
        self.unfused: tuple | None = None  # (row, _a, _b, _meta) once unfused: a copy of the node gets the same

    def __repr__(self) -> str:
        return f"CrossEntropy({'mean' if self.scale is not None else 'sum'})"


def _ce_fwd(xp: Any, z: Any, steps: CrossEntropy) -> Any:
    """The unfused rows' forwards: log-softmax along axis 1 (as ``Tensor.log_softmax``), pick, negate, reduce."""
    m = xp.max(z, 1, True)
    shifted = z - xp.where(xp.isfinite(m), m, 0).astype(z.dtype, copy=False)
    logp = shifted - _LSE.fwd(xp, shifted, 1, True)
    s = xp.sum(-logp[steps.index], None, False)
    return s if steps.scale is None else s * steps.scale


def _ce_vjp(xp: Any, g: Any, out: Any, z: Any, steps: CrossEntropy) -> tuple[Any]:
    """The unfused rows' rules in turn (mul, sum, neg, getitem, sub, logsumexp, sub), as the unfused loop runs them."""
    gs = g if steps.scale is None else unbroadcast(g * steps.scale, ())  # mul's rule, summed to s's shape ()
    shifted, lse = steps.shifted, steps.lse
    n = shifted.shape[0]
    g_nll = ARRAY.broadcast_to(gs, (n,))  # sum's rule
    g_picked = -g_nll  # neg's rule
    # NOTE: getitem's rule adds g into zeros at the picked places (np.add.at); the places are unique (one per
    # row), so each holds 0 + g, assigned here without add.at's slow loop
    w = g_picked + _ZEROS[g_picked.dtype]
    g_logp = np.zeros(shifted.shape, w.dtype)
    g_logp[steps.index] = w
    # sub's rule for lse is -g_logp, summed back to (N, 1) by the engine. NOTE: a row of -g_logp holds -w_i once
    # and -0 elsewhere: any order of sums gives -w_i exactly when w_i is not zero (x + ±0 = x); numpy's sum of
    # -0s alone starts from +0, so a zero w falls back to the sum itself
    g_lse = np.negative(w).reshape(n, 1) if w.all() else unbroadcast(-g_logp, lse.shape)
    g_shifted = g_logp + _lse_rule(ARRAY, g_lse, lse, shifted, 1, True)  # accumulated in the unfused order
    steps.grads = (gs, g_nll, g_picked, g_logp, g_lse, g_shifted)
    return (g_shifted,)  # sub's rule for z


_ZEROS = {d: np.zeros((), d) for d in _FLOATS}
for _z in _ZEROS.values():
    _z.flags.writeable = False


def _ce_label(consts: tuple[Any, ...], n_parents: int) -> str:
    steps = consts[0] if consts else None
    return "cross-entropy (sum)" if getattr(steps, "scale", 0) is None else "cross-entropy (mean)"


def _shaped(like: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A released stand-in of ``shape`` in ``like``'s dtype (a value a released graph no longer holds)."""
    return stand_in(np.broadcast_to(np.zeros((), like.dtype), shape))


def unfuse_cross_entropy(node: Node) -> None:
    """Turn a fused cross-entropy node in place into the unfused nodes (max, sub, logsumexp, sub, [ ], −, sum[, ×]).

    Examples
    --------
    >>> from autograd import Tensor
    >>> z = Tensor([[1.0, 2.0], [0.5, 0.0]], requires_grad=True)
    >>> loss = cross_entropy(z, np.array([1, 0]), 0.5)
    >>> unfuse_cross_entropy(loss)
    >>> [loss.op.name, loss._a.op.name, loss._a._a.op.name, loss._a._a._a.op.name]
    ['mul', 'sum', 'neg', 'getitem']
    """
    steps: CrossEntropy = node._meta[0]
    was_freed = node._row.vjp is not _ce_vjp  # type: ignore[union-attr]  # a freed row's rule raises
    if steps.unfused is None:
        (z,) = node._a
        stage, zd = node.stage, steps.m
        n, k = steps.index[0].size, steps.k
        gs, g_nll, g_picked, g_logp, g_lse, g_shifted = steps.grads or (None,) * 6
        shifted_data, lse_data = steps.shifted, steps.lse
        if shifted_data is not None and lse_data is not None:
            logp_data = shifted_data - lse_data  # the same subtraction as the forward's picks
        else:
            logp_data = _shaped(zd, (n, k))
        if shifted_data is None:
            shifted_data = _shaped(zd, (n, k))
        if lse_data is None:
            lse_data = _shaped(zd, (n, 1))
        picked_data = steps.picked if steps.picked is not None else _shaped(zd, (n,))
        nll_data = steps.nll if steps.nll is not None else _shaped(zd, (n,))
        m = constant_node(node, steps.m, stage, node._blank_label)
        shifted = step_node(node, _SUB, z, m, (), shifted_data, stage, g_shifted, was_freed)
        lse = step_node(node, _LSE, shifted, None, (1, True), lse_data, stage, g_lse, was_freed)
        logp = step_node(node, _SUB, shifted, lse, (), logp_data, stage, g_logp, was_freed)
        picked = step_node(node, _GETITEM, logp, None, (steps.index,), picked_data, stage, g_picked, was_freed)
        nll = step_node(node, _NEG, picked, None, (), nll_data, stage, g_nll, was_freed)
        if steps.scale is None:
            steps.unfused = (_SUM, nll, None, (None, False))
        else:
            s = step_node(node, _SUM, nll, None, (None, False), steps.s, stage, gs, was_freed)
            steps.unfused = (_MUL, s, None, (steps.scale,))
        steps.m = steps.shifted = steps.lse = steps.picked = steps.nll = steps.s = steps.grads = None
    become(node, steps.unfused, was_freed)


CROSS_ENTROPY = Op(
    "cross_entropy",
    _ce_fwd,
    _ce_vjp,
    "cross_entropy",
    "cross-entropy",
    _ce_label,
    TENSOR_ONLY,
    variadic=True,
    saves=(),
    fused=unfuse_cross_entropy,
)
"""The fused cross-entropy row: ``-mean(log_softmax(z)[arange(N), y])`` (or the sum) as one node."""


def _row_max(zd: np.ndarray) -> np.ndarray:
    """log_softmax's constant: the row maxima, ``(N, 1)``, 0 where not finite (``Tensor.log_softmax``'s bits)."""
    if zd.shape[1] <= NARROW_UP_TO:
        # NOTE: numpy reduces a narrow row at a time (about 30 µs for 512 x 10); reduced down the contiguous
        # transposed batch it is one vectorised pass.  A maximum is one of the elements: the same number, and
        # the same bits unless it is ±0 (either zero may win a tie) or nan (any payload); those, and rows that
        # are not finite, take numpy's own reduction below
        m = np.maximum.reduce(np.ascontiguousarray(zd.T), axis=0)
        n = m.size
        if _count_nonzero(np.isfinite(m)) == n and _count_nonzero(m) == n:  # all finite, none ±0
            return m.reshape(-1, 1)  # np.where(isfinite(m), m, 0) of finite m is m
    m = zd.max(axis=1, keepdims=True)
    return np.where(np.isfinite(m), m, 0).astype(zd.dtype, copy=False)


def cross_entropy(z: Node, target: np.ndarray, scale: float | None) -> Node | None:
    """``-sum(log_softmax(z, axis=1)[arange(N), target])``, times ``scale`` unless None, as one fused node.

    ``z`` is a Tensor of logits ``(N, k)`` (float32 or float64) that requires grad, ``target`` an ``intp``
    array of ``N`` classes in ``0 .. k-1`` that nothing else holds (the caller checked both).  Returns None
    where the unfused path must run: under :func:`autograd.detect_anomaly` (which checks every step), when
    nothing is recorded (grad mode off, or ``z`` needs no gradient) and for other dtypes or shapes.

    NOTE: ``logsumexp``'s forward subtracts ``m2 = max(shifted)`` (0 where not finite) and adds it back.  For
    a row whose maximum ``m`` is finite, ``shifted`` holds ``m - m = +0`` and ``x - m <= 0`` elsewhere (rounding
    keeps the sign), so ``m2`` is ``±0``; otherwise ``m`` was replaced by 0, ``shifted`` is the row itself and
    its maximum is not finite, so ``m2`` is 0.  Subtracting ``±0`` changes at most a ``-0`` into ``+0``, whose
    ``exp`` is the same 1; adding it to ``log(sum)`` changes nothing, since ``log`` never gives ``-0``
    (``log(1) = +0``).  So ``lse = log(sum(exp(shifted)))`` bit for bit, without the second maximum.

    Examples
    --------
    >>> from autograd import Tensor
    >>> z = Tensor([[0.0, 0.0], [2.0, 0.0]], requires_grad=True)
    >>> loss = cross_entropy(z, np.array([1, 0]), 0.5)
    >>> round(loss.item(), 4), loss._row.name, loss.op.name  # one node; reading its op unfuses it
    (0.41, 'cross_entropy', 'mul')
    """
    stage, grad_on, anomaly, _, _ = _CTX.get()
    zd = z.data
    if anomaly or not (grad_on and z.requires_grad) or zd.ndim != 2 or zd.dtype not in _FLOATS:
        return None
    n = zd.shape[0]
    if target.shape != (n,) or zd.shape[1] < 2:
        return None
    m = _row_max(zd)
    shifted = zd - m
    lse = np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # logsumexp's forward (see the NOTE above)
    index = (np.arange(n), target)
    picked = shifted[index] - lse.reshape(n)  # (shifted - lse)[index]: the same subtractions
    nll = -picked
    s = np.asarray(nll.sum(axis=None, keepdims=False))  # sum's forward, as the node stores it
    out = np.asarray(s if scale is None else s * scale)  # mul's forward on the 0-d sum
    steps = CrossEntropy(index, scale, zd.shape[1])
    steps.m, steps.shifted, steps.lse, steps.picked, steps.nll, steps.s = m, shifted, lse, picked, nll, s
    # the interior nodes besides the output: shifted and logp (N x k), lse, picked and nll (N), and s for the mean
    steps.hidden = 2 * zd.size + 3 * n + (scale is not None)
    node: Node = object.__new__(type(z))
    node.data, node.grad, node.label, node.stage = out, None, type(z)._blank_label, stage
    node._born = CLOCK.now  # type: ignore[attr-defined]
    node._a, node._b, node._row, node._meta, node.requires_grad = (z,), MANY, CROSS_ENTROPY, (steps,), True
    return node
