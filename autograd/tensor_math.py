"""Tensor reductions and elementwise math with PyTorch's signatures: sum, max (values, indices), var, clamp, ...

:class:`MathMethods` is a base class of :class:`autograd.Tensor`.  Every
reduction takes PyTorch's ``dim=``/``keepdim=`` and numpy's
``axis=``/``keepdims=`` (one spelling per call); each method is a row of the
op table or a composition of rows.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .convert import count, keep_arg
from .node import Node
from .ops import OPS
from .tensor_shapes import ShapeMethods

__all__ = ["MathMethods", "ValuesIndices", "clamp_bounds"]


def clamp_bounds(lo: Any, hi: Any, where: str) -> tuple[float | None, float | None]:
    """clamp's bounds as floats or None, checked: numbers only, not both None.

    Examples
    --------
    >>> clamp_bounds(0, None, "clamp")
    (0.0, None)
    """
    if lo is None and hi is None:
        raise RuntimeError(f"{where}: at least one of min or max must not be None")
    for name, b in (("min", lo), ("max", hi)):
        if b is not None and (isinstance(b, (bool, Node, np.ndarray)) or not isinstance(b, (int, float, np.number))):
            raise TypeError(
                f"{where}: {name} must be a number or None, got {type(b).__name__}; "
                "for tensor bounds use autograd.maximum/minimum"
            )
    return (None if lo is None else float(lo), None if hi is None else float(hi))


class ValuesIndices(NamedTuple):
    """What ``max(dim)``/``min(dim)`` return, as PyTorch's ``torch.return_types.max``: ``values, indices``."""

    values: Any
    indices: Any


class MathMethods(ShapeMethods):
    """Reductions and elementwise math of a Tensor (a base class of :class:`autograd.Tensor`)."""

    __slots__ = ()

    if TYPE_CHECKING:  # operators and methods the Tensor class defines

        def __sub__(self, other: Any) -> Any: ...
        def __mul__(self, other: Any) -> Any: ...
        def __truediv__(self, other: Any) -> Any: ...
        def __pow__(self, other: Any) -> Any: ...
        def __neg__(self) -> Any: ...
        def __ne__(self, other: Any) -> Any: ...
        def double(self) -> Any: ...
        def to(self, *args: Any, **kwargs: Any) -> Any: ...

    def _floating(self, where: str) -> None:
        if self.data.dtype.kind != "f":
            raise RuntimeError(
                f"{where}: expects a floating point tensor, got dtype {self.data.dtype}; "
                "convert with .double() or .float()"
            )

    def _nonempty(self, where: str) -> None:
        if self.data.size == 0:
            raise ValueError(f"{where}: the tensor is empty (shape {self.shape}); there is no {where}")

    # sums ---------------------------------------------------------------------------
    def sum(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        """Sum over ``dim`` (None: all; an int or a tuple of ints); a bool or integer tensor sums to int64.

        Examples
        --------
        >>> from autograd import tensor
        >>> tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0).tolist()
        [4.0, 6.0]
        """
        keep = keep_arg(keepdim, keepdims, "sum")
        return self._apply(OPS["sum"], (self,), (self._dims(dim, axis, "sum"), keep))

    def mean(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        """Mean over ``dim`` (None: all).

        Examples
        --------
        >>> from autograd import tensor
        >>> tensor([[1.0, 2.0], [3.0, 4.0]]).mean(1, keepdim=True).tolist()
        [[1.5], [3.5]]
        """
        if self.data.dtype.kind != "f":
            self._floating("mean")
        ax = self._dims(dim, axis, "mean")
        keep = keep_arg(keepdim, keepdims, "mean")
        n = count(self.data.shape, ax)
        return self._apply(OPS["sum"], (self,), (ax, keep)) * (1.0 / n if n else math.nan)  # empty: nan, as PyTorch

    def prod(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        """Product over ``dim``; its gradient is exact where elements are 0.

        Examples
        --------
        >>> from autograd import tensor
        >>> tensor([[1.0, 2.0], [3.0, 4.0]]).prod(1).tolist()
        [2.0, 12.0]
        """
        keep = keep_arg(keepdim, keepdims, "prod")
        return self._apply(OPS["prod"], (self,), (self._dims(dim, axis, "prod"), keep))

    def cumsum(self, dim: Any = None, *, axis: Any = None) -> Any:
        """Running sum along ``dim`` (required, as in PyTorch).

        Examples
        --------
        >>> from autograd import tensor
        >>> tensor([1.0, 2.0, 3.0]).cumsum(0).tolist()
        [1.0, 3.0, 6.0]
        """
        d = self._dims(dim, axis, "cumsum")
        if not isinstance(d, int):
            raise TypeError(f"cumsum: needs one dim (an int), got {dim if dim is not None else axis!r}")
        return self._apply(OPS["cumsum"], (self,), (d,))

    # extremes -----------------------------------------------------------------------
    def _extreme(self, name: str, dim: Any, keepdim: Any, axis: Any, keepdims: Any) -> Any:
        if isinstance(dim, Node):  # max(other): the elementwise maximum, as PyTorch
            return self._apply(OPS["maximum" if name == "max" else "minimum"], (self, dim))
        self._nonempty(name)
        d = self._dims(dim, axis, name)
        keep = keep_arg(keepdim, keepdims, name)
        if d is None:
            if keep:
                raise TypeError(f"{name}: keepdim needs a dim")
            return self._apply(OPS[name], (self,), (None, False))
        if not isinstance(d, int):
            raise TypeError(f"{name}: dim must be one int, got {d!r}; use amax/amin for several dims")
        pick = np.argmax if name == "max" else np.argmin
        idx = np.expand_dims(pick(self.data, axis=d), d)
        values = self.gather(d, idx)
        return ValuesIndices(values if keep else values.squeeze(d), self._const(idx if keep else np.squeeze(idx, d)))

    def max(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        """The largest element; with ``dim``, PyTorch's ``(values, indices)`` along it; with a tensor, the maximum.

        Without ``dim``, tied maxima share the gradient (as PyTorch's ``max()``);
        with ``dim``, the gradient goes to the element ``indices`` names.

        Examples
        --------
        >>> from autograd import tensor
        >>> x = tensor([[1.0, 5.0], [3.0, 2.0]])
        >>> x.max().item()
        5.0
        >>> values, indices = x.max(1)
        >>> values.tolist(), indices.tolist()
        ([5.0, 3.0], [1, 0])
        """
        return self._extreme("max", dim, keepdim, axis, keepdims)

    def min(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        """The smallest element; with ``dim``, PyTorch's ``(values, indices)``; with a tensor, the minimum.

        Examples
        --------
        >>> from autograd import tensor
        >>> tensor([[1.0, 5.0], [3.0, 2.0]]).min(dim=0).indices.tolist()
        [0, 1]
        """
        return self._extreme("min", dim, keepdim, axis, keepdims)

    def amax(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        """Maximum over ``dim`` (several dims allowed); tied maxima share the gradient.

        Examples
        --------
        >>> from autograd import tensor
        >>> tensor([[1.0, 5.0], [3.0, 2.0]]).amax(0).tolist()
        [3.0, 5.0]
        """
        self._nonempty("amax")
        d = self._dims(dim, axis, "amax")
        return self._apply(OPS["max"], (self,), (d, keep_arg(keepdim, keepdims, "amax")))

    def amin(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        """Minimum over ``dim`` (several dims allowed); tied minima share the gradient."""
        self._nonempty("amin")
        d = self._dims(dim, axis, "amin")
        return self._apply(OPS["min"], (self,), (d, keep_arg(keepdim, keepdims, "amin")))

    def argmax(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        """Index of the largest element (over all elements, or along ``dim``): an int64 tensor, no gradient.

        Examples
        --------
        >>> from autograd import tensor
        >>> tensor([[1.0, 5.0], [3.0, 2.0]]).argmax(1).tolist()
        [1, 0]
        """
        return self._arg(np.argmax, dim, keepdim, axis, keepdims, "argmax")

    def argmin(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        """Index of the smallest element: an int64 tensor, no gradient."""
        return self._arg(np.argmin, dim, keepdim, axis, keepdims, "argmin")

    def _arg(self, fn: Any, dim: Any, keepdim: Any, axis: Any, keepdims: Any, where: str) -> Any:
        self._nonempty(where)
        d = self._dims(dim, axis, where)
        keep = keep_arg(keepdim, keepdims, where)
        if d is not None and not isinstance(d, int):
            raise TypeError(f"{where}: dim must be one int or None, got {d!r}")
        out = np.asarray(fn(self.data, axis=d, keepdims=keep), dtype=np.int64)
        return self._const(out)

    def any(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        """Whether any element is nonzero (over all, or along ``dim``): a bool tensor.

        Examples
        --------
        >>> from autograd import tensor
        >>> (tensor([1.0, -2.0]) > 0).any().item()
        True
        """
        d = self._dims(dim, axis, "any")
        return self._const(np.asarray(np.any(self.data, axis=d, keepdims=keep_arg(keepdim, keepdims, "any"))))

    def all(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        """Whether every element is nonzero: a bool tensor.

        Examples
        --------
        >>> from autograd import tensor
        >>> (tensor([1.0, -2.0]) > 0).all().item()
        False
        """
        d = self._dims(dim, axis, "all")
        return self._const(np.asarray(np.all(self.data, axis=d, keepdims=keep_arg(keepdim, keepdims, "all"))))

    # spread -------------------------------------------------------------------------
    def var(
        self,
        dim: Any = None,
        unbiased: Any = None,
        keepdim: Any = None,
        *,
        correction: Any = None,
        axis: Any = None,
        keepdims: Any = None,
        ddof: Any = None,
    ) -> Any:
        """Variance over ``dim``, divided by ``N - correction`` (PyTorch's default ``correction=1``, not numpy's 0).

        ``unbiased=False`` (or ``correction=0``, or numpy's ``ddof=0``) divides
        by ``N``.  With ``N - correction <= 0`` the result is nan or inf, as in
        PyTorch.

        Examples
        --------
        >>> from autograd import tensor
        >>> x = tensor([1.0, 2.0, 3.0, 4.0])
        >>> x.var().item(), x.var(correction=0).item(), x.var(unbiased=False).item()
        (1.6666666666666667, 1.25, 1.25)
        """
        if isinstance(dim, bool):  # var(unbiased): PyTorch's other signature
            dim, unbiased = None, dim
        given = [n for n, v in (("unbiased", unbiased), ("correction", correction), ("ddof", ddof)) if v is not None]
        if len(given) > 1:
            raise TypeError(f"var: give one of unbiased=, correction= or ddof=, got {', '.join(given)}")
        if correction is None:
            correction = ddof if ddof is not None else (0 if unbiased is False else 1)
        self._floating("var")
        ax = self._dims(dim, axis, "var")
        d = self - self.mean(ax, keepdim=True)
        n = count(self.shape, ax) - correction
        squares = (d * d).sum(ax, keep_arg(keepdim, keepdims, "var"))
        return squares / n if n > 0 else squares * math.inf

    def std(
        self,
        dim: Any = None,
        unbiased: Any = None,
        keepdim: Any = None,
        *,
        correction: Any = None,
        axis: Any = None,
        keepdims: Any = None,
        ddof: Any = None,
    ) -> Any:
        """Standard deviation: the square root of :meth:`var` (``correction=1`` by default, as PyTorch).

        Examples
        --------
        >>> from autograd import tensor
        >>> round(tensor([1.0, 2.0, 3.0, 4.0]).std().item(), 6)
        1.290994
        """
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        d = self._dims(dim, axis, "std")
        v = self.var(d, unbiased, keepdim, correction=correction, keepdims=keepdims, ddof=ddof)
        zero = v.data == 0
        if not zero.any():
            return v.sqrt()
        # NOTE: at zero spread the gradient is 0, as PyTorch's (sqrt's 0.5/0 times var's 0 would be nan):
        # where the variance is 0 the root is taken of 1 and the result replaced by 0, so no gradient flows.
        where = OPS["where"]
        safe = self._apply(where, (self._const(np.ones_like(v.data)), v), (zero,))
        return self._apply(where, (self._const(np.zeros_like(v.data)), safe.sqrt()), (zero,))

    def norm(
        self, p: Any = "fro", dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None
    ) -> Any:
        """The ``p``-norm over ``dim`` (default: the 2-norm of all elements; its gradient is 0 at 0, as PyTorch).

        Examples
        --------
        >>> from autograd import tensor
        >>> x = tensor([3.0, -4.0])
        >>> x.norm().item(), x.norm(1).item(), x.norm(float("inf")).item()
        (5.0, 7.0, 4.0)
        """
        self._floating("norm")
        d = self._dims(dim, axis, "norm")
        keep = keep_arg(keepdim, keepdims, "norm")
        if p in ("fro", 2, 2.0):
            return self._apply(OPS["norm"], (self,), (d, keep))
        if isinstance(p, str) or isinstance(p, bool) or not isinstance(p, (int, float)):
            raise ValueError(f"norm: p must be a number or 'fro', got {p!r}")
        a = self.abs()
        if p == math.inf:
            return a.amax(d, keep)
        if p == -math.inf:
            return a.amin(d, keep)
        if p == 1:
            return a.sum(d, keep)
        if p == 0:
            return (a != 0).double().sum(d, keep).to(self.dtype)
        return (a ** float(p)).sum(d, keep) ** (1.0 / p)

    def logsumexp(self, dim: Any = -1, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        """log(sum(exp(x))) over ``dim`` (default -1; None: all), stable for large inputs.

        Examples
        --------
        >>> from autograd import tensor
        >>> round(tensor([1000.0, 1000.0]).logsumexp(0).item(), 6)
        1000.693147
        """
        d = self._dims(None if axis is not None and dim == -1 else dim, axis, "logsumexp")
        return self._apply(OPS["logsumexp"], (self,), (d, keep_arg(keepdim, keepdims, "logsumexp")))

    def log_softmax(self, dim: Any = None, *, axis: Any = None) -> Any:
        """x - logsumexp(x) along ``dim`` (default -1): log-probabilities, stable for logits of ±1e4.

        Examples
        --------
        >>> from autograd import tensor
        >>> [round(v, 4) for v in tensor([0.0, 0.0]).log_softmax(0).tolist()]
        [-0.6931, -0.6931]
        """
        d = -1 if dim is None and axis is None else self._dims(dim, axis, "log_softmax")
        # NOTE: (x - m) - log(sum(exp(x - m))), not x - (m + log(...)): at logits of 1e4 in
        # float32, m + log 2 rounds to 10000.69336. The maximum m is a constant (no gradient change).
        data = self.data
        m = data.max(axis=d, keepdims=True) if data.size else np.zeros((1,) * data.ndim, data.dtype)
        shifted = self - np.where(np.isfinite(m), m, 0).astype(data.dtype, copy=False)
        return shifted - shifted.logsumexp(d, keepdim=True)

    def softmax(self, dim: Any = None, *, axis: Any = None) -> Any:
        """Probabilities exp(x) / sum(exp(x)) along ``dim`` (default -1).

        Examples
        --------
        >>> from autograd import tensor
        >>> tensor([[0.0, 0.0]]).softmax(dim=1).tolist()
        [[0.5, 0.5]]
        """
        return self.log_softmax(self._dims(-1 if dim is None and axis is None else dim, axis, "softmax")).exp()

    # elementwise --------------------------------------------------------------------
    def pow(self, exponent: Any) -> Any:
        """``self ** exponent``.

        Examples
        --------
        >>> from autograd import tensor
        >>> tensor([2.0, 3.0]).pow(2).tolist()
        [4.0, 9.0]
        """
        return self**exponent

    def square(self) -> Any:
        """``self * self``."""
        return self * self

    def sin(self) -> Any:
        """Sine (radians)."""
        return self._apply(OPS["sin"], (self,))

    def cos(self) -> Any:
        """Cosine (radians)."""
        return self._apply(OPS["cos"], (self,))

    def neg(self) -> Any:
        """``-self``."""
        return -self

    def clamp(self, min: Any = None, max: Any = None) -> Any:
        """Limit to ``[min, max]`` (either may be None); the gradient is 0 where a bound is exceeded.

        As in PyTorch, ``min > max`` sets every element to ``max``.

        Examples
        --------
        >>> from autograd import tensor
        >>> tensor([-2.0, 0.5, 3.0]).clamp(min=0).tolist(), tensor([-2.0, 0.5, 3.0]).clamp(-1, 1).tolist()
        ([0.0, 0.5, 3.0], [-1.0, 0.5, 1.0])
        """
        return self._apply(OPS["clip"], (self,), clamp_bounds(min, max, "clamp"))

    clip = clamp  # type: ignore[assignment]  # PyTorch's clip (= clamp), not Value's clip(lo, hi)
