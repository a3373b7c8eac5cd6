"""A fully connected layer's arithmetic, ``act(x @ W + b)`` and its rule, as the unfused rows compute them.

The fused layer (:mod:`autograd.fused`) and the fused chain of layers
(:mod:`autograd.fused_chain`) both compute a layer with these two functions,
so their numbers are the unfused nodes' numbers, bit for bit: the forward is
``matmul``'s, ``add``'s and the activation's forwards in turn, the rule their
rules in turn (no new derivative).

Examples
--------
>>> import numpy as np
>>> from autograd.ops import OPS
>>> ws, z, out = layer_arrays(np.ones((1, 2)), np.eye(2), np.array([-2.0, 0.0]), OPS["relu"], (), True)
>>> out.tolist()
[[0.0, 1.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .convert import unbroadcast
from .ops import OPS, Op, matmul_vjp_a, matmul_vjp_b
from .released import POOL, take
from .xp import ARRAY, DOT

__all__ = ["layer_arrays", "layer_rule", "ZERO"]

_RELU = OPS["relu"]
_ND = np.ndarray
_dot = DOT  # np.dot without its dispatch: exact ndarrays only (a subclass's own products run as unfused)
_add_reduce = np.add.reduce
# NOTE: relu's zero as a 0-d array of the data's dtype: the same comparisons as with 0, without converting it per call
ZERO = {np.dtype(t): np.zeros((), t) for t in (np.float32, np.float64)}
for _z in ZERO.values():
    _z.flags.writeable = False


def layer_arrays(xd: Any, Wd: Any, bd: Any, act: Op | None, act_meta: tuple, keep: bool) -> tuple[Any, Any, Any]:
    """A layer's weighted sum, pre-activation and output as the unfused rows compute them: three arrays if
    ``keep`` (for the picture), else computed in place (``ws is z``).

    Examples
    --------
    >>> ws, z, out = layer_arrays(np.ones((1, 2)), np.eye(2), np.array([-2.0, 0.0]), _RELU, (), True)
    >>> ws.tolist(), z.tolist(), out.tolist()
    ([[1.0, 1.0]], [[-1.0, 1.0]], [[0.0, 1.0]])
    """
    if type(xd) is not _ND or type(Wd) is not _ND:
        # NOTE: an ndarray subclass (a Tensor's .data set to one) may have its own products: the unfused matmul's,
        # whose node holds an ndarray
        ws = np.asarray(ARRAY.matmul(xd, Wd))
    elif (buf := take((xd.shape[0], Wd.shape[1]), xd.dtype) if POOL else None) is not None:
        ws = _dot(xd, Wd, out=buf)  # an array the last big graph let go
    elif Wd.dtype.char in "fd":  # NOTE: ARRAY.matmul's case (np.dot is @ bit for bit) without its checks
        ws = _dot(xd, Wd)
    else:
        ws = ARRAY.matmul(xd, Wd)
    if keep:
        z = ws + bd  # a new array: the weighted sum is kept as it was
    else:
        ws += bd  # nothing will show the weighted sum: the bias goes in in place
        z = ws
    if act is None:
        out = z
    elif act is _RELU:  # relu's forward (ARRAY.relu), without the row's two calls around it
        # NOTE: in place when nothing will show the pre-activation (relu's rule then reads the output)
        zero = ZERO.get(z.dtype, 0)
        out = np.maximum(z, zero) if keep else np.maximum(z, zero, out=z)
    else:
        out = act.fwd(ARRAY, z, *act_meta)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
    return ws, z, out


def layer_rule(
    xp: Any, g: Any, out: Any, x: Any, W: Any, b: Any, act: Op | None, act_meta: tuple, z: Any, need_x: bool
) -> tuple[Any, Any, Any, Any]:
    """A layer ``act(x @ W + b)``'s rule at output gradient ``g``: the gradient at its pre-activation ``z``, then
    those of x (None unless ``need_x``), W and b: the activation's rule, then add's and matmul's, as the three
    nodes run them (``z`` may be None for relu, whose output then serves).

    Examples
    --------
    >>> x, W, b = np.ones((1, 2)), np.eye(2), np.array([-2.0, 0.0])
    >>> ws, z, out = layer_arrays(x, W, b, _RELU, (), True)
    >>> [a.tolist() for a in layer_rule(ARRAY, np.ones((1, 2)), out, x, W, b, _RELU, (), z, True)]
    [[[0.0, 1.0]], [[0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]], [0.0, 1.0]]
    """
    if act is None:
        gz = g
    elif act is _RELU:
        # relu's rule, g * (z > 0); z > 0 exactly where relu(z) > 0, so the output serves when z is not kept
        gz = g * ((out if z is None else z) > ZERO.get(out.dtype, 0))
    else:
        gz = act.vjp[0](xp, g, out, z, *act_meta)
    if _ND is type(gz) is type(W) is type(x) and gz.ndim == 2 and gz.dtype is W.dtype and gz.dtype.char in "fd":
        # NOTE: matmul's two rules and the bias's sum without their general cases (np.dot is @ bit for bit,
        # see autograd.xp.ARRAY.matmul; the sum is the one unbroadcast makes); a subclass's .data: the rules
        gx = _dot(gz, W.T) if need_x else None
        return gz, gx, _dot(x.T, gz), _add_reduce(gz, 0) if b.ndim == 1 else unbroadcast(gz, b.shape)
    gx = matmul_vjp_a(xp, gz, None, x, W) if need_x else None
    return gz, gx, matmul_vjp_b(xp, gz, None, x, W), unbroadcast(gz, b.shape)
