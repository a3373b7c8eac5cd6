"""Released data: the stand-in a big graph's unheld intermediate gets after backward, and how to recognise it.

:func:`autograd.propagate.release` replaces the data of an intermediate node
that only its freed graph still refers to by a read-only broadcast of one
shared NaN (or 0) per dtype: the same shape and dtype, no memory.  Whatever
reads a node's values (``Tensor.numpy()``, ``repr``, the drawings) asks
:func:`is_released` first and says "released" instead of showing NaN
statistics.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["stand_in", "is_released", "released_error"]

_FILLS: dict[np.dtype, np.ndarray] = {}  # dtype -> the one 0-d array every stand-in of that dtype views


def stand_in(d: np.ndarray) -> np.ndarray:
    """A read-only array of ``d``'s shape and dtype that costs no memory and :func:`is_released` recognises.

    Examples
    --------
    >>> s = stand_in(np.ones((2, 3), dtype=np.float32))
    >>> s.shape, s.dtype, s.strides, is_released(s)
    ((2, 3), dtype('float32'), (0, 0), True)
    """
    fill = _FILLS.get(d.dtype)
    if fill is None:
        fill = np.array(np.nan if d.dtype.kind in "fc" else 0, dtype=d.dtype)
        fill = _FILLS.setdefault(d.dtype, fill)
    return np.broadcast_to(fill, d.shape)


def is_released(x: Any) -> bool:
    """Whether ``x`` (a node or an array) holds data released after backward (see :func:`stand_in`).

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> x = Tensor(np.ones(600_000), requires_grad=True)  # big enough to keep no interior gradients
    >>> loss = ((x * 2.0) * 3.0).sum()
    >>> loss.backward()
    >>> is_released(loss._a._a), is_released(loss), is_released(x)
    (True, False, False)
    """
    d = x if type(x) is np.ndarray else getattr(x, "data", None)
    if type(d) is not np.ndarray:
        return False
    base = d.base
    return base is not None and base is _FILLS.get(d.dtype)


def released_error(where: str, shape: Any) -> RuntimeError:
    """The error raised by whatever is asked for the values of a released node.

    Examples
    --------
    >>> print(released_error("numpy", (3,)))  # doctest: +ELLIPSIS
    numpy: the data of this intermediate tensor (shape (3,)) was released after backward() ...
    """
    return RuntimeError(
        f"{where}: the data of this intermediate tensor (shape {tuple(shape)}) was released after backward() "
        "(a graph too big to keep its interior gradients lets go of intermediate values nothing else holds, "
        "as PyTorch does). Keep a reference to it before backward(), call retain_grad() on it, or call "
        "backward(retain_graph=True) to keep its data"
    )
