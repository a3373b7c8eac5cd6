"""The table of primitives: every forward and its derivative, one row each.

Each row is an :class:`Op`.  ``fwd(xp, *inputs)`` computes the result with the
engine's math namespace ``xp`` (:data:`SCALAR` for ``Value``, :data:`ARRAY` for
``Tensor``).  ``vjp`` is a column of rules, one per differentiable input, each
``rule(g, out, *inputs) -> gradient for that input`` where ``g`` is the incoming
gradient and ``out`` the forward result (names fixed as in JAX/PyTorch
derivative tables).  A *variadic* op (``dot``, ``concatenate``, ``stack``) has
one rule that returns the gradients of all its inputs.

Inputs are the parents' data followed by the node's constants (Python numbers,
axes, shapes, indices): a constant is a trailing input that has no rule, so
``x * 2.0`` is the ``mul`` row with ``b = 2.0`` and only ``vjp[0]`` runs.

The rules use only operators and the few helpers below that accept both floats
and arrays, so one row serves both engines.  Broadcasting is *not* undone here:
the engine sums a gradient back to its input's shape in one place.

To add a primitive, add a row and give it sample inputs in ``tests/test_ops.py``
(``ROWS`` or ``TENSOR_CASES``): that test enumerates the table and fails for a
row without samples, so every row is checked against central differences.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Op", "OPS", "SCALAR", "ARRAY"]


class Op(NamedTuple):
    """One primitive: its name, forward, derivative rules and display symbol.

    Examples
    --------
    >>> from autograd.ops import OPS
    >>> OPS["mul"].fwd(SCALAR, 3.0, 4.0)
    12.0
    >>> [rule(1.0, 12.0, 3.0, 4.0) for rule in OPS["mul"].vjp]
    [4.0, 3.0]
    """

    name: str
    fwd: Callable[..., Any]
    vjp: Any  # tuple of per-input rules, or one rule returning all (variadic)
    symbol: str = ""  # micrograd's ``_op`` string; ``{0}`` is the first constant
    variadic: bool = False


# --------------------------------------------------------------------------
# Math namespaces: the same names for floats (SCALAR) and arrays (ARRAY).
# NOTE: scalar functions follow IEEE/numpy semantics (inf, nan) instead of
# raising, so Value and Tensor give the same numbers for the same expression.
# --------------------------------------------------------------------------


def _s_exp(a):
    try:
        return math.exp(a)
    except OverflowError:
        return math.inf


def _s_log(a):
    if a > 0:
        return math.log(a)
    return -math.inf if a == 0 else math.nan


def _s_sqrt(a):
    return math.sqrt(a) if a >= 0 else math.nan


def _s_sigmoid(a):
    # NOTE: exp of a non-positive number only, so it never overflows.
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _s_softplus(a):
    # log(1 + e^a) = max(a, 0) + log1p(e^-|a|): no overflow for large |a|.
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def _s_pow(a, b):
    # NOTE: numpy's results, where Python's differ: numpy computes x ** 0.5 as sqrt(x)
    # (nan for -inf); a negative finite base to a fractional power is nan (Python:
    # complex); 0.0 ** -k and overflows are ±inf (Python raises).
    if b == 0.5:
        return _s_sqrt(a)
    if -math.inf < a < 0 and math.isfinite(b) and not float(b).is_integer():
        return math.nan
    try:
        return float(a**b)
    except (ZeroDivisionError, OverflowError):  # the sign is a's only for an odd integer power
        odd = float(b).is_integer() and int(b) % 2 == 1
        return math.copysign(math.inf, a) if odd else math.inf


class _Scalar:
    """Math on Python floats (the ``Value`` engine's ``xp``)."""

    exp = staticmethod(_s_exp)
    log = staticmethod(_s_log)
    sqrt = staticmethod(_s_sqrt)
    tanh = staticmethod(math.tanh)
    sigmoid = staticmethod(_s_sigmoid)
    softplus = staticmethod(_s_softplus)
    pow = staticmethod(_s_pow)
    abs = staticmethod(abs)

    @staticmethod
    def relu(a):
        return a if a > 0 or a != a else 0.0  # nan stays nan, as np.maximum(nan, 0)

    @staticmethod
    def step(a):
        return 1.0 if a > 0 else 0.0

    @staticmethod
    def where(c, a, b):
        return a if c else b

    @staticmethod
    def clip(a, lo, hi):
        return min(max(a, lo), hi)

    maximum = staticmethod(max)
    minimum = staticmethod(min)


def _a_sigmoid(a):
    # NOTE: exp(-|a|) never overflows; pick the branch that keeps precision.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(e.dtype, copy=False)


def _a_softplus(a):
    return np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a)))


def _a_step(a):
    return (a > 0).astype(a.dtype)


class _Array:
    """Math on numpy arrays (the ``Tensor`` engine's ``xp``)."""

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sqrt = staticmethod(np.sqrt)
    tanh = staticmethod(np.tanh)
    sigmoid = staticmethod(_a_sigmoid)
    softplus = staticmethod(_a_softplus)
    pow = staticmethod(np.power)
    abs = staticmethod(np.abs)
    step = staticmethod(_a_step)
    where = staticmethod(np.where)
    clip = staticmethod(np.clip)
    maximum = staticmethod(np.maximum)
    minimum = staticmethod(np.minimum)

    @staticmethod
    def relu(a):
        return np.maximum(a, 0)


SCALAR = _Scalar()
ARRAY = _Array()


def _xp(a):
    """The math namespace for a raw input (float or ndarray)."""
    return ARRAY if isinstance(a, np.ndarray) else SCALAR


# Helpers the rules use; each accepts floats and arrays alike.
def _relu_vjp(g, out, a):
    """g where a > 0, else 0 (multiplying keeps inf*0 = nan, as micrograd does)."""
    if type(a) is float:
        return g * (1.0 if a > 0.0 else 0.0)
    return g * (a > 0)  # a bool array keeps g's float dtype


def _gt(a, b):
    """1 where a > b, else 0, in a's float type."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.greater(a, b).astype(np.result_type(a, b, np.float16))
    return 1.0 if a > b else 0.0


def _split_tie(a, b):
    """Share of the gradient that goes to ``a`` in max(a, b): 1, 0.5 on ties, 0."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        dt = np.result_type(a, b, np.float16)
        return (np.greater(a, b).astype(dt) + np.equal(a, b).astype(dt) * 0.5).astype(dt)
    return 1.0 if a > b else (0.5 if a == b else 0.0)


def _sign(a):
    if isinstance(a, np.ndarray):
        return np.sign(a)
    return float((a > 0) - (a < 0)) if a == a else a  # nan for nan, as np.sign


def _between(a, lo, hi):
    if isinstance(a, np.ndarray):
        return ((a >= lo) & (a <= hi)).astype(a.dtype)
    return 1.0 if lo <= a <= hi else 0.0


def _gelu_inner(a):
    return 0.7978845608028654 * (a + 0.044715 * a * a * a)


def _gelu_fwd(xp, a):
    # NOTE: the tanh approximation (numpy has no erf); PyTorch's
    # GELU(approximate="tanh").
    return 0.5 * a * (1 + xp.tanh(_gelu_inner(a)))


def _gelu_vjp(g, out, a):
    t = _xp(a).tanh(_gelu_inner(a))
    dinner = 0.7978845608028654 * (1 + 3 * 0.044715 * a * a)
    return g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * dinner)


# --------------------------------------------------------------------------
# Array-only helpers (reductions, shapes, indexing).
# --------------------------------------------------------------------------


def _expand(g, shape, axis, keepdims):
    """Put reduced axes back so ``g`` broadcasts against an input of ``shape``."""
    if axis is None or keepdims:
        return g if (axis is not None or keepdims) else np.reshape(g, (1,) * len(shape))
    return np.expand_dims(g, axis)


def _sum_vjp(g, out, a, axis, keepdims):
    if axis is None or keepdims:  # g already broadcasts against a
        if a.size <= 4096:
            # NOTE: small inputs get a filled array: two C calls instead of
            # np.broadcast_to's Python wrapper (microseconds per training step)
            full = np.empty(a.shape, g.dtype)
            full[...] = g
            return full
        return np.broadcast_to(g, a.shape)
    return np.broadcast_to(_expand(g, a.shape, axis, keepdims), a.shape)


def _extreme_vjp(g, out, a, axis, keepdims):
    # NOTE: ties share the gradient equally (like numpy's amax in JAX).
    o = _expand(out, a.shape, axis, keepdims)
    mask = (a == o).astype(g.dtype if isinstance(g, np.ndarray) else a.dtype)
    count = mask.sum(axis=axis, keepdims=True)
    return _expand(g, a.shape, axis, keepdims) * mask / count


def _logsumexp_fwd(xp, a, axis, keepdims):
    # NOTE: shift by the max so exp never overflows; an all -inf slice gives -inf.
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0).astype(a.dtype, copy=False)
    s = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=axis)


def _logsumexp_vjp(g, out, a, axis, keepdims):
    o = _expand(out, a.shape, axis, keepdims)
    return _expand(g, a.shape, axis, keepdims) * np.exp(a - o)


def _matmul_vjp_a(g, out, a, b):
    if a.ndim == 2 and b.ndim == 2:  # the common case, without the general reshaping
        return g @ b.T
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g
    if b.ndim == 1:
        g2 = g2[..., None]
    if a.ndim == 1:
        g2 = np.expand_dims(g2, -2)
    ga = g2 @ np.swapaxes(b2, -1, -2)
    return ga[..., 0, :] if a.ndim == 1 else ga


def _matmul_vjp_b(g, out, a, b):
    if a.ndim == 2 and b.ndim == 2:
        return a.T @ g
    a2 = a[None, :] if a.ndim == 1 else a
    g2 = g
    if b.ndim == 1:
        g2 = g2[..., None]
    if a.ndim == 1:
        g2 = np.expand_dims(g2, -2)
    gb = np.swapaxes(a2, -1, -2) @ g2
    return gb[..., 0] if b.ndim == 1 else gb


def _getitem_vjp(g, out, a, index):
    z = np.zeros(a.shape, dtype=g.dtype)
    if _is_basic_index(index):
        z[index] = g
    else:
        # NOTE: add.at accumulates repeated integer indices; plain
        # assignment would keep only the last one.
        np.add.at(z, index, g)
    return z


def _is_basic_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in items)


def _transpose_vjp(g, out, a, axes):
    return np.transpose(g, None if axes is None else np.argsort(axes))


def _concatenate_fwd(xp, *args):
    *arrays, axis = args
    return np.concatenate(arrays, axis=axis)


def _concatenate_vjp(g, out, *args):
    *arrays, axis = args
    cuts = np.cumsum([x.shape[axis] for x in arrays])[:-1]
    return np.split(g, cuts, axis=axis)


def _stack_fwd(xp, *args):
    *arrays, axis = args
    return np.stack(arrays, axis=axis)


def _stack_vjp(g, out, *args):
    *arrays, axis = args
    return [np.take(g, i, axis=axis) for i in range(len(arrays))]


def _dot_fwd(xp, *args):
    # NOTE: a neuron's weighted sum w·x as one node; summed left to right, as
    # the chain of '+' nodes micrograd builds would sum it.
    n = len(args) // 2
    acc = 0.0
    for w, x in zip(args[:n], args[n:]):
        acc += w * x
    return acc


def _dot_vjp(g, out, *args):
    n = len(args) // 2
    return [g * x for x in args[n:]] + [g * w for w in args[:n]]


def _log_rule(a):
    return _xp(a).log(a)


# --------------------------------------------------------------------------
# The table.  Row: name, forward, (rule per input) or one variadic rule, symbol.
# --------------------------------------------------------------------------
# fmt: off
_ROWS = [
    # elementwise, both engines ------------------------------------------------
    Op("add",     lambda xp, a, b: a + b,              (lambda g, out, a, b: g,
                                                        lambda g, out, a, b: g), "+"),
    Op("sub",     lambda xp, a, b: a - b,              (lambda g, out, a, b: g,
                                                        lambda g, out, a, b: -g), "-"),
    Op("rsub",    lambda xp, a, c: c - a,              (lambda g, out, a, c: -g,), "-"),
    Op("mul",     lambda xp, a, b: a * b,              (lambda g, out, a, b: g * b,
                                                        lambda g, out, a, b: g * a), "*"),
    Op("div",     lambda xp, a, b: a / b,              (lambda g, out, a, b: g / b,
                                                        lambda g, out, a, b: -g * out / b), "/"),
    Op("rdiv",    lambda xp, a, c: c / a,              (lambda g, out, a, c: -g * out / a,), "/"),
    Op("neg",     lambda xp, a: -a,                    (lambda g, out, a: -g,), "-"),
    # NOTE: d(a**b)/db = out*log(a) is nan for a < 0; it only runs when b is a node.
    Op("pow",     lambda xp, a, b: xp.pow(a, b),       (lambda g, out, a, b: g * b * _xp(a).pow(a, b - 1),
                                                        lambda g, out, a, b: g * out * _log_rule(a)),
                                                       "**{0}"),
    Op("rpow",    lambda xp, a, c: xp.pow(c, a),       (lambda g, out, a, c: g * out * _log_rule(c),), "**"),
    Op("exp",     lambda xp, a: xp.exp(a),             (lambda g, out, a: g * out,), "exp"),
    Op("log",     lambda xp, a: xp.log(a),             (lambda g, out, a: g / a,), "log"),
    Op("sqrt",    lambda xp, a: xp.sqrt(a),            (lambda g, out, a: g * 0.5 / out,), "sqrt"),
    Op("abs",     lambda xp, a: xp.abs(a),             (lambda g, out, a: g * _sign(a),), "abs"),  # NOTE: 0 at 0
    Op("tanh",    lambda xp, a: xp.tanh(a),            (lambda g, out, a: g * (1 - out * out),), "tanh"),
    Op("sigmoid", lambda xp, a: xp.sigmoid(a),         (lambda g, out, a: g * out * (1 - out),), "sigmoid"),
    Op("relu",    lambda xp, a: xp.relu(a),            (_relu_vjp,), "ReLU"),  # NOTE: 0 at the kink
    # NOTE: step's derivative is zero almost everywhere: it cannot be trained by gradients
    Op("step",    lambda xp, a: xp.step(a),            (lambda g, out, a: g * 0,), "step"),
    Op("leaky_relu", lambda xp, a, s: xp.where(a > 0, a, a * s),
                                                       (lambda g, out, a, s: g * (_gt(a, 0) * (1 - s) + s),),
                                                       "LeakyReLU"),
    Op("softplus", lambda xp, a: xp.softplus(a),       (lambda g, out, a: g * _xp(a).sigmoid(a),), "softplus"),
    Op("gelu",    _gelu_fwd,                           (_gelu_vjp,), "GELU"),
    Op("clip",    lambda xp, a, lo, hi: xp.clip(a, lo, hi),
                                                       (lambda g, out, a, lo, hi: g * _between(a, lo, hi),), "clip"),
    Op("maximum", lambda xp, a, b: xp.maximum(a, b),   (lambda g, out, a, b: g * _split_tie(a, b),
                                                        lambda g, out, a, b: g * _split_tie(b, a)), "max"),
    Op("minimum", lambda xp, a, b: xp.minimum(a, b),   (lambda g, out, a, b: g * _split_tie(b, a),
                                                        lambda g, out, a, b: g * _split_tie(a, b)), "min"),
    # scalar engine only ---------------------------------------------------------
    Op("dot",     _dot_fwd,                            _dot_vjp, "dot", variadic=True),
    # tensor engine only ---------------------------------------------------------
    Op("matmul",  lambda xp, a, b: a @ b,              (_matmul_vjp_a, _matmul_vjp_b), "@"),
    Op("sum",     lambda xp, a, axis, keepdims: a.sum(axis=axis, keepdims=keepdims),
                                                       (_sum_vjp,), "sum"),
    Op("max",     lambda xp, a, axis, keepdims: np.max(a, axis=axis, keepdims=keepdims),
                                                       (_extreme_vjp,), "max"),
    Op("min",     lambda xp, a, axis, keepdims: np.min(a, axis=axis, keepdims=keepdims),
                                                       (_extreme_vjp,), "min"),
    Op("logsumexp", _logsumexp_fwd,                    (_logsumexp_vjp,), "logsumexp"),
    Op("reshape", lambda xp, a, shape: np.reshape(a, shape),
                                                       (lambda g, out, a, shape: np.reshape(g, a.shape),), "reshape"),
    Op("transpose", lambda xp, a, axes: np.transpose(a, axes), (_transpose_vjp,), "transpose"),
    Op("getitem", lambda xp, a, index: a[index],       (_getitem_vjp,), "[]"),
    Op("where",   lambda xp, a, b, c: np.where(c, a, b),
                                                       (lambda g, out, a, b, c: np.where(c, g, 0),
                                                        lambda g, out, a, b, c: np.where(c, 0, g)), "where"),
    Op("concatenate", _concatenate_fwd,                _concatenate_vjp, "concat", variadic=True),
    Op("stack",   _stack_fwd,                          _stack_vjp, "stack", variadic=True),
]
# fmt: on

OPS: dict[str, Op] = {op.name: op for op in _ROWS}
"""Every primitive by name."""

#: Rows that work on both engines (the rest are engine-specific).
ELEMENTWISE = tuple(
    name
    for name in OPS
    if name
    not in {
        "dot",
        "matmul",
        "sum",
        "max",
        "min",
        "logsumexp",
        "reshape",
        "transpose",
        "getitem",
        "where",
        "concatenate",
        "stack",
    }
)
