"""Functions that create tensors (PyTorch's names): tensor, from_numpy, zeros, arange, randn, ... and the seed.

dtype rules: Python numbers and lists become float64 (``tensor([1, 2])`` is
float64 where PyTorch infers int64); a numpy array keeps its dtype
(``tensor(np.arange(3))`` and ``from_numpy`` are int64); ``arange`` of ints and
``full`` of an int are int64 and ``randint`` is int64, as in PyTorch.  Only
floating point tensors can require grad.

Random numbers come from numpy's generator: :func:`manual_seed` makes them
reproducible, but they are not PyTorch's numbers for the same seed.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .convert import as_array, shape_arg
from .dtypes import device_arg, dtype_arg
from .node import Node
from .tensor import Tensor

__all__ = [
    "tensor",
    "as_tensor",
    "from_numpy",
    "zeros",
    "ones",
    "empty",
    "full",
    "arange",
    "linspace",
    "eye",
    "rand",
    "randn",
    "randint",
    "zeros_like",
    "ones_like",
    "empty_like",
    "full_like",
    "rand_like",
    "randn_like",
    "manual_seed",
]


class _Seeded:
    """The generator behind rand/randn/randint when none is given (reset by manual_seed)."""

    rng = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the generator of :func:`rand`, :func:`randn` and :func:`randint`, and return it.

    Examples
    --------
    >>> _ = manual_seed(0); a = randn(2)
    >>> _ = manual_seed(0); b = randn(2)
    >>> a.tolist() == b.tolist()
    True
    """
    if isinstance(seed, builtins.bool) or not isinstance(seed, (builtins.int, np.integer)):
        raise TypeError(f"manual_seed: seed must be an int, got {seed!r}")
    _Seeded.rng = np.random.default_rng(builtins.int(seed))
    return _Seeded.rng


def _make(data: np.ndarray, dtype: Any, requires_grad: bool, device: Any, where: str) -> Tensor:
    """A leaf tensor holding ``data`` (cast to ``dtype``), checked: device, floating point to require grad."""
    device_arg(device, where)
    t = Tensor(data, dtype=data.dtype if dtype is None else dtype_arg(dtype, where))  # no copy when it matches
    if requires_grad:
        t.requires_grad_(True)
    return t


def _data(data: Any, where: str) -> np.ndarray:
    """User data as an array: a Tensor's or ndarray's dtype kept, numbers and lists as float64."""
    if isinstance(data, Node):
        if not isinstance(data.data, np.ndarray):
            raise TypeError(f"{where}: cannot make a Tensor from a {type(data).__name__}; use its .data")
        return data.data
    if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind in "iub":
        return np.asarray(data)
    return as_array(data, where=where)


def tensor(
    data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, label: str | None = None
) -> Tensor:
    """A new tensor holding a copy of ``data`` (PyTorch's ``torch.tensor``).

    Python numbers and lists become float64; an array or tensor keeps its
    dtype (so integer labels stay int64); ``dtype=`` converts.

    Examples
    --------
    >>> import numpy as np
    >>> tensor([1, 2]).dtype, tensor(np.arange(2)).dtype, tensor([1, 2], dtype=np.float32).dtype
    (dtype('float64'), dtype('int64'), dtype('float32'))
    """
    t = _make(np.array(_data(data, "tensor"), copy=True), dtype, requires_grad, device, "tensor")
    t.label = label
    return t


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing an array's memory when no conversion is needed.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.zeros(2)
    >>> as_tensor(a).data is a
    True
    """
    if isinstance(data, Tensor) and dtype is None:
        return data
    return _make(_data(data, "as_tensor"), dtype, False, device, "as_tensor")


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory and dtype: a change to one shows in the other.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.arange(3)
    >>> t = from_numpy(a)
    >>> t += 1
    >>> a.tolist(), t.dtype
    ([1, 2, 3], dtype('int64'))
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    if array.dtype.kind not in "fiub":
        raise TypeError(f"from_numpy: arrays of dtype {array.dtype} are not supported")
    return _make(array, None, False, None, "from_numpy")


def _filled(fill: Any, size: tuple, dtype: Any, requires_grad: bool, device: Any, where: str) -> Tensor:
    dt = np.float64 if dtype is None else dtype_arg(dtype, where)
    return _make(np.full(shape_arg(size, where), fill, dtype=dt), None, requires_grad, device, where)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (float64 unless ``dtype`` says otherwise).

    Examples
    --------
    >>> zeros(2, 3).shape, zeros((2,)).tolist()
    ((2, 3), [0.0, 0.0])
    """
    return _filled(0, size, dtype, requires_grad, device, "zeros")


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones.

    Examples
    --------
    >>> ones(2).tolist()
    [1.0, 1.0]
    """
    return _filled(1, size, dtype, requires_grad, device, "ones")


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are not set (here: zeros, so nothing depends on leftover memory).

    Examples
    --------
    >>> empty(2, 2).shape
    (2, 2)
    """
    return _filled(0, size, dtype, requires_grad, device, "empty")


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value (bool, int64, float64), as PyTorch.

    Examples
    --------
    >>> full((2,), 7).tolist(), full((2,), 0.5).dtype
    ([7, 7], dtype('float64'))
    """
    if dtype is None:
        kind = np.asarray(fill_value).dtype.kind
        dtype = np.bool_ if kind == "b" else (np.int64 if kind in "iu" else np.float64)
    size = size if isinstance(size, (tuple, list)) else (size,)
    return _filled(fill_value, tuple(size), dtype, requires_grad, device, "full")


def arange(
    start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """``start, start + step, ...`` up to ``end`` (excluded); int64 when all arguments are ints, as PyTorch.

    Examples
    --------
    >>> arange(3).tolist(), arange(0, 1, 0.25).tolist()
    ([0, 1, 2], [0.0, 0.25, 0.5, 0.75])
    """
    if end is None:
        start, end = 0, start
    args = (start, end, step)
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    ints = all(isinstance(a, (builtins.int, np.integer)) and not isinstance(a, builtins.bool) for a in args)
    data = np.arange(start, end, step, dtype=np.int64 if ints else np.float64)
    return _make(data, dtype, requires_grad, device, "arange")


def linspace(
    start: Any, end: Any, steps: int, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced numbers from ``start`` to ``end`` (both included).

    Examples
    --------
    >>> linspace(0, 1, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if isinstance(steps, builtins.bool) or not isinstance(steps, (builtins.int, np.integer)) or steps < 0:
        raise RuntimeError(f"linspace: steps must be a non-negative int, got {steps!r}")
    return _make(np.linspace(float(start), float(end), builtins.int(steps)), dtype, requires_grad, device, "linspace")


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The ``n`` by ``m`` (default ``n``) identity matrix.

    Examples
    --------
    >>> eye(2).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    return _make(np.eye(n, n if m is None else m), dtype, requires_grad, device, "eye")


def _rng(generator: Any, seed: Any, where: str) -> np.random.Generator:
    if generator is not None and seed is not None:
        raise ValueError(f"{where}: give seed or generator, not both")
    if generator is not None:
        return generator
    return np.random.default_rng(seed) if seed is not None else _Seeded.rng


def rand(
    *size: Any,
    generator: Any = None,
    seed: int | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [0, 1) (numpy's generator; reproducible with :func:`manual_seed`, ``seed`` or ``generator``).

    Examples
    --------
    >>> x = rand(1000, seed=0)
    >>> bool(((x >= 0) & (x < 1)).all())
    True
    """
    data = _rng(generator, seed, "rand").random(shape_arg(size, "rand"))
    return _make(data, dtype, requires_grad, device, "rand")


def randn(
    *size: Any,
    generator: Any = None,
    seed: int | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard-normal samples, reproducible with :func:`manual_seed`, ``seed`` or ``generator``.

    Examples
    --------
    >>> bool((randn(3, seed=0).data == randn(3, seed=0).data).all())
    True
    """
    data = _rng(generator, seed, "randn").standard_normal(shape_arg(size, "randn"))
    return _make(data, dtype, requires_grad, device, "randn")


def randint(
    *args: Any, generator: Any = None, seed: int | None = None, dtype: Any = None, device: Any = None
) -> Tensor:
    """Random integers in ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)`` (int64).

    Examples
    --------
    >>> x = randint(0, 3, (100,), seed=0)
    >>> x.dtype, bool(((x >= 0) & (x < 3)).all())
    (dtype('int64'), True)
    """
    if len(args) == 2:
        low, (high, size) = 0, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError(f"randint: expected (high, size) or (low, high, size), got {len(args)} arguments")
    data = _rng(generator, seed, "randint").integers(low, high, size=shape_arg(tuple(size), "randint"))
    return _make(data.astype(np.int64), dtype, False, device, "randint")


def _like(t: Any, where: str) -> Any:
    if not isinstance(t, Tensor):
        raise TypeError(f"{where}: expected a Tensor, got {type(t).__name__}")
    return t


def zeros_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``input``'s shape and dtype.

    Examples
    --------
    >>> zeros_like(ones(2, dtype=np.float32)).dtype
    dtype('float32')
    """
    t = _like(input, "zeros_like")
    return _filled(0, t.shape, t.dtype if dtype is None else dtype, requires_grad, None, "zeros_like")


def ones_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``input``'s shape and dtype.

    Examples
    --------
    >>> from autograd import zeros
    >>> ones_like(zeros(2)).tolist()
    [1.0, 1.0]
    """
    t = _like(input, "ones_like")
    return _filled(1, t.shape, t.dtype if dtype is None else dtype, requires_grad, None, "ones_like")


def empty_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``input``'s shape and dtype whose values are not set (here: zeros).

    Examples
    --------
    >>> from autograd import ones
    >>> empty_like(ones(2, 3)).shape
    (2, 3)
    """
    t = _like(input, "empty_like")
    return _filled(0, t.shape, t.dtype if dtype is None else dtype, requires_grad, None, "empty_like")


def full_like(input: Tensor, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` in ``input``'s shape and dtype.

    Examples
    --------
    >>> from autograd import zeros
    >>> full_like(zeros(2), 7.0).tolist()
    [7.0, 7.0]
    """
    t = _like(input, "full_like")
    return _filled(fill_value, t.shape, t.dtype if dtype is None else dtype, requires_grad, None, "full_like")


def rand_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) of ``input``'s shape and dtype.

    Examples
    --------
    >>> from autograd import zeros
    >>> r = rand_like(zeros(3))
    >>> r.shape, bool(((r.data >= 0) & (r.data < 1)).all())
    ((3,), True)
    """
    t = _like(input, "rand_like")
    return rand(t.shape, dtype=t.dtype if dtype is None else dtype, requires_grad=requires_grad)


def randn_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard-normal samples of ``input``'s shape and dtype.

    Examples
    --------
    >>> from autograd import zeros
    >>> randn_like(zeros(2, 2)).shape
    (2, 2)
    """
    t = _like(input, "randn_like")
    return randn(t.shape, dtype=t.dtype if dtype is None else dtype, requires_grad=requires_grad)
