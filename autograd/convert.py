"""Conversions and argument checks of the tensor engine: user data to arrays, axes, shapes, broadcasting."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .node import Node

__all__ = [
    "as_array",
    "PY_SCALARS",
    "unbroadcast",
    "normalize_axis",
    "shape_arg",
    "count",
    "seed_array",
    "comparison_operand",
    "index_arrays",
    "shapes_text",
    "dim_arg",
    "keep_arg",
    "sizes_arg",
    "FLOAT_KINDS",
    "own_dtype",
]

FLOAT_KINDS = "f"  # dtype kinds that can require grad (PyTorch: floating point only)

# Scalars that never change a tensor's dtype: Python numbers (weak in numpy), and numpy's
# bool, which cannot raise a float dtype either (numpy: float32 array * np.True_ is float32).
PY_SCALARS = (int, float, bool, np.bool_)


def as_array(data: Any, dtype: Any = None, where: str = "Tensor") -> np.ndarray:
    """Convert user data to an ndarray following the dtype rules.

    Numbers become float64, a float array keeps its dtype, an integer array
    becomes float64; booleans (a bool array, or lists of bools) stay bool:
    they are masks, not numbers, and a mask must select, never index.

    Examples
    --------
    >>> as_array([1, 2]).dtype, as_array(np.zeros(2, np.float32)).dtype, as_array([True, False]).dtype
    (dtype('float64'), dtype('float32'), dtype('bool'))
    """
    if isinstance(data, Node):
        if not isinstance(data.data, np.ndarray):  # a Value: one engine per expression
            raise TypeError(f"{where}: cannot make a Tensor from a {type(data).__name__}; use its .data")
        data = data.data
    if isinstance(data, (str, bytes)) or data is None or isinstance(data, (dict, set)):
        raise TypeError(
            f"{where}: expected a number, a nested list of numbers or a numpy array, got {type(data).__name__}"
        )
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        if dtype is not None:
            return arr.astype(dtype, copy=False)
        kind = arr.dtype.kind
        if kind == "f" or kind == "b":
            return arr  # a given float array keeps its dtype; a bool array stays a mask
        if kind in "iu":
            return arr.astype(np.float64)
        raise TypeError(
            f"{where}: arrays of dtype {arr.dtype} are not supported; expected a real (float, int or bool) array"
        )
    if dtype is None and isinstance(data, (list, tuple, bool)) and _all_bools(data):
        return np.array(data, dtype=bool)
    try:
        arr = np.array(data, dtype=np.float64 if dtype is None else dtype)
    except (ValueError, TypeError) as e:
        raise (TypeError if "could not convert" in str(e) or isinstance(e, TypeError) else ValueError)(
            f"{where}: cannot convert {type(data).__name__} to a numeric array "
            f"(nested lists must be rectangular and hold only numbers): {e}"
        ) from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{where}: expected real numbers, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and isinstance(data, (list, tuple)) and np.isnan(arr).any() and has_none(data):
        # NOTE: numpy turns None into nan under a float dtype; None is not a number.
        raise TypeError(f"{where}: cannot convert {type(data).__name__} to a numeric array: it holds None")
    return arr


def _all_bools(data: Any) -> bool:
    """Whether ``data`` is a bool, or nested lists/tuples holding only bools (at least one)."""
    if isinstance(data, (bool, np.bool_)):
        return True
    stack, seen = [data], False
    while stack:
        for x in stack.pop():
            if isinstance(x, (list, tuple)):
                stack.append(x)
            elif isinstance(x, (bool, np.bool_)):
                seen = True
            else:
                return False
    return seen


def has_none(data: Any) -> bool:
    """Whether nested lists/tuples hold None anywhere (iterative: nesting depth is unbounded)."""
    stack = [data]
    while stack:
        for x in stack.pop():
            if x is None:
                return True
            if isinstance(x, (list, tuple)):
                stack.append(x)
    return False


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast gradient back to ``shape``.

    Examples
    --------
    >>> unbroadcast(np.ones((4, 3)), (3,)).tolist()
    [4.0, 4.0, 4.0]
    """
    if type(g) is not np.ndarray:
        g = np.asarray(g)
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        # NOTE: one leading axis (a bias under a batch) is the common case
        g = g.sum(axis=0) if extra == 1 else g.sum(axis=tuple(range(extra)))
        if g.shape == shape:
            return g
    if extra >= 0:
        gs = g.shape
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and gs[i] != 1)
        if axes:
            g = g.sum(axis=axes, keepdims=True)
    return g if g.shape == shape else np.broadcast_to(g, shape)


def normalize_axis(axis: Any, ndim: int, where: str) -> Any:
    """Validate and normalise an axis argument (None, int or tuple of ints).

    Examples
    --------
    >>> normalize_axis(-1, 3, "sum"), normalize_axis((0, -1), 2, "sum")
    (2, (0, 1))
    """
    if axis is None:
        return None
    axes = axis if isinstance(axis, tuple) else (axis,)
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{where}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{where}: axis {a} is out of range for a tensor with {ndim} dimension(s)")
        out.append(int(a) % max(ndim, 1))
    return tuple(out) if isinstance(axis, tuple) else out[0]


def shape_arg(shape: tuple[Any, ...], where: str) -> tuple[int, ...]:
    """A shape given as ints or one tuple/list of ints, checked.

    Examples
    --------
    >>> shape_arg((2, 3), "zeros"), shape_arg(([2, 3],), "zeros")
    ((2, 3), (2, 3))
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        out = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: shape must be ints, got {shape!r}") from None
    if any(s < 0 for s in out):
        raise ValueError(f"{where}: shape must not be negative, got {out}")
    return out


def count(shape: tuple[int, ...], axis: Any) -> int:
    """How many elements a reduction over ``axis`` combines (math.prod: np.prod costs microseconds).

    Examples
    --------
    >>> count((2, 3, 4), (0, 2))
    8
    """
    if axis is None:
        return math.prod(shape)
    axes = axis if isinstance(axis, tuple) else (axis,)
    return math.prod(shape[a] for a in axes)


_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_ONE32, _ONE64 = np.array(1, _F32), np.array(1, _F64)  # copied, never handed out
_ONE32.flags.writeable = _ONE64.flags.writeable = False


def seed_array(gradient: Any, data: np.ndarray) -> np.ndarray:
    """The gradient ``backward`` starts from at an output holding ``data`` (implied 1 for one element).

    Examples
    --------
    >>> seed_array(None, np.zeros(())).tolist(), seed_array([1, 2], np.zeros(2)).tolist()
    (1.0, [1.0, 2.0])
    """
    if gradient is None:
        if data.ndim == 0:  # NOTE: a loss: a copy of a ready one (a fresh array: the root's grad is the user's)
            dtype = data.dtype
            if dtype is _F32:
                return _ONE32.copy()
            if dtype is _F64:
                return _ONE64.copy()
            return np.array(1, dtype=dtype)
        if data.size != 1:
            raise RuntimeError(
                f"backward: the output has shape {data.shape}; gradient can be implied only for a "
                "one-element output. Pass gradient= with the same shape, or reduce first (e.g. .sum())"
            )
        return np.ones(data.shape, data.dtype)
    if isinstance(gradient, Node) and not isinstance(gradient.data, np.ndarray):
        raise TypeError(f"backward: gradient must be a number, an array or a Tensor, got {type(gradient).__name__}")
    try:
        g = np.array(gradient.data if isinstance(gradient, Node) else gradient, dtype=data.dtype)
    except (TypeError, ValueError):
        raise TypeError(
            f"backward: gradient must be a number, an array or a Tensor of numbers, got {type(gradient).__name__}"
        ) from None
    if g.shape != data.shape:
        raise ValueError(f"backward: gradient has shape {g.shape} but the output has shape {data.shape}")
    return g


def comparison_operand(other: Any, where: str) -> Any:
    """The other side of a Tensor comparison as data a numpy comparison takes, or a clear TypeError.

    Examples
    --------
    >>> comparison_operand([1, 2], "compare (<)").tolist()
    [1.0, 2.0]
    """
    if isinstance(other, Node):
        if isinstance(other.data, np.ndarray):
            return other.data
        raise TypeError(f"{where}: cannot compare a Tensor with a {type(other).__name__}")
    if type(other) in PY_SCALARS or isinstance(other, (np.ndarray, np.generic, numbers.Real)):
        return other
    if isinstance(other, (list, tuple)):
        return as_array(other, where=where)
    raise TypeError(
        f"{where}: unsupported operand of type {type(other).__name__}; expected a Tensor, an array or a number"
    )


def index_arrays(index: Any) -> Any:
    """An index with the Tensors and lists inside it turned into arrays.

    Examples
    --------
    >>> index_arrays((slice(None), [0, 2]))
    (slice(None, None, None), array([0, 2]))
    """
    if isinstance(index, tuple):
        return tuple(index_arrays(i) for i in index)
    if isinstance(index, Node) and isinstance(index.data, np.ndarray):
        d = index.data
        if d.dtype.kind == "f":
            whole = d == np.round(d)
            if not whole.all():
                bad = d[~whole].ravel()[0].item()
                raise IndexError(
                    f"index tensor holds {bad!r}, which is not a whole number; "
                    "index with integers (.long()) or a bool mask"
                )
            return d.astype(np.intp)
        return d
    if isinstance(index, list):
        return np.asarray(index)
    return index


def shapes_text(arrays: Any) -> str:
    """The shapes of ``arrays`` for an error message.

    Examples
    --------
    >>> shapes_text([np.zeros((2, 3)), np.zeros(3)])
    '(2, 3), (3,)'
    """
    return ", ".join(str(np.shape(a)) for a in arrays)


def dim_arg(dim: Any, axis: Any, where: str, default: Any = None) -> Any:
    """PyTorch's ``dim=`` or numpy's ``axis=`` (one of them), ``default`` when neither is given.

    Examples
    --------
    >>> dim_arg(None, 1, "sum"), dim_arg(0, None, "sum"), dim_arg(None, None, "sum")
    (1, 0, None)
    """
    if dim is not None and axis is not None:
        raise TypeError(f"{where}: give dim= or axis= (the same thing), not both; got dim={dim!r}, axis={axis!r}")
    if isinstance(dim, list):
        dim = tuple(dim)
    if isinstance(axis, list):
        axis = tuple(axis)
    return dim if dim is not None else (axis if axis is not None else default)


def keep_arg(keepdim: Any, keepdims: Any, where: str) -> bool:
    """PyTorch's ``keepdim=`` or numpy's ``keepdims=`` (one of them), False when neither is given.

    Examples
    --------
    >>> keep_arg(True, None, "sum"), keep_arg(None, None, "sum")
    (True, False)
    """
    if keepdims is None:
        return keepdim is not None and bool(keepdim)
    if keepdim is not None and bool(keepdim) != bool(keepdims):
        raise TypeError(f"{where}: give keepdim= or keepdims= (the same thing), not both")
    return bool(keepdim if keepdim is not None else keepdims)


def sizes_arg(sizes: tuple[Any, ...], where: str) -> tuple[int, ...]:
    """Sizes given as ints or one tuple/list of ints (``-1`` allowed), checked.

    Examples
    --------
    >>> sizes_arg((2, -1), "view"), sizes_arg(([2, 3],), "view")
    ((2, -1), (2, 3))
    """
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    out = []
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{where}: sizes must be ints, got {sizes!r}")
        out.append(int(s))
    return tuple(out)


def own_dtype(arr: np.ndarray, dtype: np.dtype) -> bool:
    """Whether ``arr``'s dtype is the object ``dtype``, after giving ``arr`` that object in place when they are equal.

    An unpickled array has a dtype object of its own, equal to numpy's but not the same one, and the fast paths
    (:mod:`autograd.fused`, :mod:`autograd.fused_chain`) compare dtypes by identity.  The array is kept (no copy,
    the same numbers); a dtype that is not equal (another byte order, another type) is left as it is.

    Examples
    --------
    >>> import pickle
    >>> a = pickle.loads(pickle.dumps(np.ones(2)))
    >>> a.dtype is np.dtype(np.float64), own_dtype(a, np.dtype(np.float64)), a.dtype is np.dtype(np.float64)
    (False, True, True)
    >>> own_dtype(np.ones(2, dtype=">f8"), np.dtype(np.float64))
    False
    """
    if arr.dtype is dtype:
        return True
    if type(arr) is not np.ndarray or arr.dtype != dtype:
        return False
    try:
        arr.dtype = dtype  # type: ignore[misc]  # NOTE: only the descriptor object changes: equal, so same meaning
    except (AttributeError, TypeError, ValueError):  # a future numpy may refuse: the slow path then
        return False
    return arr.dtype is dtype
