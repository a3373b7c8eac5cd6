"""The math namespaces the op table speaks: the same names for Python floats and numpy arrays.

Every forward and every derivative rule in :mod:`autograd.ops` receives one of
these as ``xp`` and calls only operators and ``xp.*``, so one row serves both
engines: :data:`SCALAR` for ``Value`` (one float per node), :data:`ARRAY` for
``Tensor`` (one array per node).  Masks (relu's ``a > 0``, the ties of a
maximum) are computed here from data: they are constants of a rule, never
differentiated.

The scalar functions follow numpy's results at nan, inf and -0.0 instead of
raising, so the two engines give the same numbers for the same expression.

Examples
--------
>>> from autograd.xp import ARRAY, SCALAR
>>> SCALAR.relu(-2.0), SCALAR.positive(3.0)
(0.0, 1.0)
>>> import numpy as np
>>> ARRAY.relu(np.array([-2.0, 3.0])).tolist()
[0.0, 3.0]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["SCALAR", "ARRAY", "DOT"]


# --------------------------------------------------------------------------
# Floats
# --------------------------------------------------------------------------


def _s_exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return math.inf


def _s_log(a: float) -> float:
    if a > 0:
        return math.log(a)
    return -math.inf if a == 0 else math.nan


def _s_sqrt(a: float) -> float:
    return math.sqrt(a) if a >= 0 else math.nan


def _s_sigmoid(a: float) -> float:
    # NOTE: exp of a non-positive number only, so it never overflows.
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _s_softplus(a: float) -> float:
    # log(1 + e^a) = max(a, 0) + log1p(e^-|a|): no overflow for large |a|.
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def _s_pow(a: float, b: float) -> float:
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

    name = "scalar"
    inf = math.inf
    exp = staticmethod(_s_exp)
    log = staticmethod(_s_log)
    sqrt = staticmethod(_s_sqrt)
    tanh = staticmethod(math.tanh)
    sigmoid = staticmethod(_s_sigmoid)
    softplus = staticmethod(_s_softplus)
    pow = staticmethod(_s_pow)
    abs = staticmethod(abs)
    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    erf = staticmethod(math.erf)

    @staticmethod
    def relu(a: float) -> float:
        return a if a > 0 or a != a else 0.0  # nan stays nan, as np.maximum(nan, 0)

    @staticmethod
    def step(a: float) -> float:
        return 1.0 if a > 0 else 0.0

    @staticmethod
    def where(c: Any, a: float, b: float) -> float:
        return a if c else b

    @staticmethod
    def clip(a: float, lo: float, hi: float) -> float:
        return min(max(a, lo), hi)

    @staticmethod
    def maximum(a: float, b: float) -> float:
        return a if a >= b or a != a else b  # nan wins from either side, as np.maximum

    @staticmethod
    def minimum(a: float, b: float) -> float:
        return a if a <= b or a != a else b

    # masks: constants of a rule, computed from data ---------------------------
    @staticmethod
    def positive(a: float) -> float:
        """1.0 where a > 0, else 0.0 (relu's mask)."""
        return 1.0 if a > 0.0 else 0.0

    @staticmethod
    def gt(a: float, b: float) -> float:
        """1.0 where a > b, else 0.0."""
        return 1.0 if a > b else 0.0

    @staticmethod
    def share(a: float, b: float) -> float:
        """a's share of max(a, b)'s gradient: 1, 0.5 on a tie, 0."""
        return 1.0 if a > b else (0.5 if a == b else 0.0)

    @staticmethod
    def sign(a: float) -> float:
        return float((a > 0) - (a < 0)) if a == a else a  # nan for nan, as np.sign

    @staticmethod
    def between(a: float, lo: float, hi: float) -> float:
        """1.0 where lo <= a <= hi, else 0.0 (clip's mask)."""
        return 1.0 if lo <= a <= hi else 0.0


# --------------------------------------------------------------------------
# Arrays
# --------------------------------------------------------------------------


def _a_sigmoid(a: np.ndarray) -> np.ndarray:
    # NOTE: exp(-|a|) never overflows; pick the branch that keeps precision.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(e.dtype, copy=False)


def _a_erf(a: Any) -> np.ndarray:
    """The error function of every element: ``math.erf`` itself, so bit for bit the Value engine's numbers.

    NOTE: numpy has no erf.  ``math.erf`` per element costs about 50 ns (0.8 ms
    for 16,384 numbers, 40x ``np.tanh``); in exchange both engines give the
    same, correctly rounded float64 numbers, where a vectorised rational
    approximation would differ from ``math.erf`` by an ulp here and there.
    float32 and float16 keep their dtype (computed in float64, rounded once).
    """
    a = np.asarray(a)
    kind = a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)
    out = np.fromiter(map(math.erf, a.ravel().tolist()), dtype=np.float64, count=a.size)
    return out.reshape(a.shape).astype(kind, copy=False)


_ND = np.ndarray
# NOTE: np.dot's C function without numpy's __array_function__ dispatch in front of it (about 0.1-0.15 µs a call,
# eight calls in a small MLP's training step); every caller passes exact ndarrays, which dispatch to it anyway
DOT = getattr(np.dot, "_implementation", np.dot)


def _float_type(a: Any, b: Any) -> np.dtype:
    return np.result_type(a, b, np.float16)


class _Array:
    """Math on numpy arrays (the ``Tensor`` engine's ``xp``), plus the shape functions rules need."""

    name = "array"
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sqrt = staticmethod(np.sqrt)
    tanh = staticmethod(np.tanh)
    sigmoid = staticmethod(_a_sigmoid)
    pow = staticmethod(np.power)
    abs = staticmethod(np.abs)
    sign = staticmethod(np.sign)
    where = staticmethod(np.where)
    clip = staticmethod(np.clip)
    maximum = staticmethod(np.maximum)
    minimum = staticmethod(np.minimum)
    reshape = staticmethod(np.reshape)
    transpose = staticmethod(np.transpose)
    swapaxes = staticmethod(np.swapaxes)
    expand_dims = staticmethod(np.expand_dims)
    squeeze = staticmethod(np.squeeze)
    take = staticmethod(np.take)
    concatenate = staticmethod(np.concatenate)
    stack = staticmethod(np.stack)
    isfinite = staticmethod(np.isfinite)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    erf = staticmethod(_a_erf)
    remainder = staticmethod(np.remainder)
    floor_divide = staticmethod(np.floor_divide)
    cumsum = staticmethod(np.cumsum)
    flip = staticmethod(np.flip)
    tile = staticmethod(np.tile)
    copy = staticmethod(np.copy)
    full_like = staticmethod(np.full_like)
    zeros_like = staticmethod(np.zeros_like)

    @staticmethod
    def matmul(a: Any, b: Any) -> Any:
        """``a @ b``; two float matrices of one dtype go through ``np.dot``, the same BLAS call with less around it.

        NOTE: ``@`` makes an outer product (64x1 @ 1x64 float32, ``g @ W.T`` for
        a layer of one output) in about 6.5 µs, ``np.dot`` in about 1.3 µs, and
        saves about 0.4 µs on 64x64 products.  The values are bit for bit
        those of ``@`` (a contiguous copy of a transposed ``b`` would be faster
        still, but BLAS's other kernel sums in another order).

        >>> ARRAY.matmul(np.eye(2, dtype=np.float32), np.ones((2, 3), dtype=np.float32)).tolist()
        [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
        """
        if (
            type(a) is _ND
            and type(b) is _ND
            and a.ndim == 2
            and b.ndim == 2
            and a.shape[1] == b.shape[0]
            and a.dtype is b.dtype
            and a.dtype.char in "fd"
        ):
            return DOT(a, b)
        return a @ b

    @staticmethod
    def softplus(a: np.ndarray) -> np.ndarray:
        return np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a)))

    @staticmethod
    def relu(a: np.ndarray) -> np.ndarray:
        return np.maximum(a, 0)

    @staticmethod
    def step(a: np.ndarray) -> np.ndarray:
        return (a > 0).astype(a.dtype)

    # masks: constants of a rule, computed from data ---------------------------
    @staticmethod
    def positive(a: np.ndarray) -> np.ndarray:
        """True where a > 0 (a bool mask keeps the gradient's float dtype)."""
        return a > 0

    @staticmethod
    def gt(a: Any, b: Any) -> np.ndarray:
        """1 where a > b, else 0, in the inputs' float type."""
        return np.greater(a, b).astype(_float_type(a, b))

    @staticmethod
    def share(a: Any, b: Any) -> np.ndarray:
        """a's share of maximum(a, b)'s gradient: 1, 0.5 on ties, 0."""
        dt = _float_type(a, b)
        return (np.greater(a, b).astype(dt) + np.equal(a, b).astype(dt) * 0.5).astype(dt)

    @staticmethod
    def between(a: np.ndarray, lo: Any, hi: Any) -> np.ndarray:
        """1 where lo <= a <= hi, else 0 (clip's mask; a bound of None is no bound)."""
        inside = np.ones(a.shape, dtype=bool)
        if lo is not None:
            inside &= a >= lo
        if hi is not None:
            inside &= a <= hi
        return inside.astype(a.dtype)

    @staticmethod
    def equal_mask(a: np.ndarray, b: np.ndarray, like: Any) -> np.ndarray:
        """1 where a == b, else 0, in ``like``'s float dtype (the ties of a max or min)."""
        return (a == b).astype(like.dtype if isinstance(like, np.ndarray) else a.dtype)

    # reductions ----------------------------------------------------------------
    @staticmethod
    def sum(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        return a.sum(axis=axis, keepdims=keepdims)

    inf = np.inf

    @staticmethod
    def max(a: np.ndarray, axis: Any = None, keepdims: bool = False, initial: Any = None) -> np.ndarray:
        """numpy's max; with ``initial``, an empty slice gives ``initial`` instead of an error."""
        if initial is None:
            return np.max(a, axis=axis, keepdims=keepdims)
        return np.max(a, axis=axis, keepdims=keepdims, initial=initial)

    @staticmethod
    def min(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        return np.min(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def prod(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        return np.prod(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def prod_others(a: np.ndarray, axis: Any) -> np.ndarray:
        """Each element's product of the *other* elements along ``axis`` (prod's gradient, exact at zeros)."""
        axes = tuple(range(a.ndim)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
        if not axes:
            return np.ones_like(a)
        k = len(axes)
        moved = np.moveaxis(a, axes, tuple(range(a.ndim - k, a.ndim)))
        flat = moved.reshape(moved.shape[: a.ndim - k] + (-1,))
        ones = np.ones(flat.shape[:-1] + (1,), dtype=a.dtype)
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        return np.moveaxis((left * right).reshape(moved.shape), tuple(range(a.ndim - k, a.ndim)), axes)

    @staticmethod
    def divide_or_zero(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a / b, and 0 where b is 0 (norm's gradient at 0)."""
        zero = b == 0
        return np.where(zero, 0, a / np.where(zero, 1, b)).astype(np.result_type(a, b), copy=False)

    @staticmethod
    def no_derivative(name: str) -> Any:
        """Raise for an op that PyTorch records but cannot differentiate (``//``)."""
        raise RuntimeError(f"derivative for {name} is not implemented (as in PyTorch: // has no gradient)")

    @staticmethod
    def cast(a: np.ndarray, dtype: Any) -> np.ndarray:
        return a.astype(dtype)

    @staticmethod
    def copy_into(a: np.ndarray, b: Any) -> np.ndarray:
        """``b`` broadcast to ``a``'s shape in ``a``'s dtype (``copy_``'s result)."""
        out = np.empty_like(a)
        out[...] = b
        return out

    @staticmethod
    def setitem(a: np.ndarray, index: Any, v: Any) -> np.ndarray:
        """A copy of ``a`` with ``v`` written at ``index``."""
        out = a.copy()
        out[index] = v
        return out

    # shapes -------------------------------------------------------------------
    @staticmethod
    def expand(g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
        """Put a reduction's axes back so ``g`` broadcasts against an input of ``shape``."""
        if axis is None or keepdims:
            return g if (axis is not None or keepdims) else np.reshape(g, (1,) * len(shape))
        return np.expand_dims(g, axis)

    @staticmethod
    def broadcast_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """``g`` broadcast to ``shape``: a filled array when small, a read-only view when large."""
        if math.prod(shape) <= 4096:
            # NOTE: two C calls instead of np.broadcast_to's Python wrapper
            # (microseconds per training step)
            full = np.empty(shape, g.dtype)
            full[...] = g
            return full
        return np.broadcast_to(g, shape)

    @staticmethod
    def broadcast_view(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """``a`` broadcast to ``shape`` as a read-only view (``expand``), without copying."""
        return np.broadcast_to(a, shape)

    @staticmethod
    def untile(g: np.ndarray, shape: tuple[int, ...], reps: tuple[int, ...]) -> np.ndarray:
        """Sum the copies that ``tile(a, reps)`` made back into ``a``'s ``shape`` (repeat's gradient)."""
        padded = (1,) * (len(reps) - len(shape)) + tuple(shape)
        pairs = [n for r, s in zip(reps, padded) for n in (r, s)]
        summed = g.reshape(pairs).sum(axis=tuple(range(0, 2 * len(reps), 2)))
        return summed.reshape(shape)

    @staticmethod
    def sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """``g`` summed back to ``shape``, the shape it was broadcast from (broadcasting undone)."""
        if g.shape == shape:
            return g
        lead = g.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
        return np.reshape(g.sum(axis=axes, keepdims=True), shape)

    @staticmethod
    def inverse_permutation(axes: Any) -> Any:
        """The axes that undo ``transpose(axes)`` (None for None)."""
        return None if axes is None else tuple(np.argsort(axes).tolist())

    @staticmethod
    def scatter_add(shape: tuple[int, ...], index: Any, g: np.ndarray) -> np.ndarray:
        """Zeros of ``shape`` with ``g`` added at ``index`` (getitem's gradient)."""
        z = np.zeros(shape, dtype=g.dtype)
        items = index if isinstance(index, tuple) else (index,)
        if all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in items):
            z[index] = g
        else:
            # NOTE: add.at accumulates repeated integer indices; plain
            # assignment would keep only the last one.
            np.add.at(z, index, g)
        return z

    @staticmethod
    def split(g: np.ndarray, sizes: list[int], axis: int) -> list[np.ndarray]:
        """``g`` cut along ``axis`` into pieces of the given sizes."""
        return np.split(g, np.cumsum(sizes)[:-1], axis=axis)


SCALAR = _Scalar()
"""Math on Python floats: the ``Value`` engine's namespace."""

ARRAY = _Array()
"""Math on numpy arrays: the ``Tensor`` engine's namespace."""
