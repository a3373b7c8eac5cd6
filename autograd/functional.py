"""Function transformations: ``grad``, ``value_and_grad`` and ``gradcheck``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .graph import Node, backward, no_grad
from .tensor import Tensor
from .value import Value

__all__ = ["grad", "value_and_grad", "gradcheck", "GradcheckError"]


def _fresh(x: Any) -> Node:
    """A new leaf that requires grad, holding the data of ``x``."""
    if isinstance(x, Value):
        return Value(x.data)
    if isinstance(x, Tensor):
        return Tensor(x.data.copy(), requires_grad=True)
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return Value(float(x))
    return Tensor(x, requires_grad=True)


def _argnums(argnums: Any, n: int, where: str) -> tuple[int, ...]:
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    for i in nums:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"{where}: argnums must be an int or a tuple of ints, got {argnums!r}")
        if not -n <= i < n:
            raise ValueError(f"{where}: argnums {argnums!r} out of range for {n} positional argument(s)")
    return tuple(int(i) % n for i in nums)


def _scalar_output(out: Any, where: str) -> None:
    if not isinstance(out, Node):
        raise TypeError(f"{where}: the function must return a Value or a Tensor, got {type(out).__name__}")
    if isinstance(out, Tensor) and out.data.size != 1:
        raise ValueError(f"{where}: the function must return a scalar, got shape {out.shape}")


def value_and_grad(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """Make a function that returns ``(f(*args), gradient)``.

    The arguments picked by ``argnums`` are replaced by fresh leaves, so the
    caller's Values/Tensors are not touched.  Numbers become Values; arrays and
    lists become Tensors.  The value is a Python float; a gradient is a float
    (Value argument) or an ndarray (Tensor argument); a tuple ``argnums`` gives
    a tuple of gradients.

    Examples
    --------
    >>> from autograd import value_and_grad
    >>> value_and_grad(lambda x, y: x * y + y, argnums=(0, 1))(3.0, 4.0)
    (16.0, (4.0, 4.0))
    """
    return _value_and_grad(f, argnums, "value_and_grad")


def _value_and_grad(f: Callable[..., Any], argnums: Any, where: str) -> Callable[..., Any]:
    """``value_and_grad``, with errors naming ``where`` (the function the user called)."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), where)
        call_args = list(args)
        leaves = {i: _fresh(call_args[i]) for i in nums}
        for i, leaf in leaves.items():
            call_args[i] = leaf
        out = f(*call_args, **kwargs)
        _scalar_output(out, where)
        backward(out)
        grads = tuple(_grad_of(leaves[i]) for i in nums)
        return out.item(), (grads if isinstance(argnums, tuple) else grads[0])

    return wrapper


def _grad_of(leaf: Node) -> Any:
    if isinstance(leaf, Tensor):
        return np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad
    return leaf.grad


def grad(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """Make a function that returns the gradient of scalar ``f`` (HIPS/JAX style).

    Examples
    --------
    >>> from autograd import grad
    >>> grad(lambda x: x ** 3)(2.0)
    12.0
    >>> grad(lambda w: (w * w).sum())([1.0, 2.0]).tolist()
    [2.0, 4.0]
    """
    value_and_grad_f = _value_and_grad(f, argnums, "grad")  # built once, not per call

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return value_and_grad_f(*args, **kwargs)[1]

    return wrapper


class GradcheckError(ValueError):
    """Analytic and numeric gradients disagree (see :func:`gradcheck`)."""


def gradcheck(
    f: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check ``f``'s backward against central finite differences in float64.

    Every input (a Value, Tensor, number or array) is perturbed element by
    element.  A non-scalar output is reduced with a fixed random direction, so
    one check covers its whole Jacobian.

    Returns
    -------
    bool
        True when every element satisfies ``|analytic - numeric| <= atol + rtol * |numeric|``.

    Raises
    ------
    GradcheckError
        Naming the worst input element, its analytic and its numeric value.

    Examples
    --------
    >>> from autograd import Tensor, gradcheck
    >>> gradcheck(lambda x: (x * x).sum(), Tensor([1.0, 2.0]))
    True
    """
    base = [_to64(x, k) for k, x in enumerate(inputs)]
    leaves = [_fresh(b) for b in base]
    out = f(*leaves)
    if not isinstance(out, Node):
        raise TypeError(f"gradcheck: the function must return a Value or a Tensor, got {type(out).__name__}")
    direction = None
    if isinstance(out, Tensor) and out.data.size != 1:
        direction = np.random.default_rng(0).standard_normal(out.shape)
        out = (out * Tensor(direction)).sum()
    backward(out)

    def numeric_f(vals: list[Any]) -> float:
        with no_grad():
            o = f(*[Value(v) if isinstance(b, float) else Tensor(v) for v, b in zip(vals, base)])
        d = np.asarray(o.data, dtype=np.float64)
        return float(d.sum() if direction is None else (d * direction).sum())

    worst = None
    for k, b in enumerate(base):
        analytic = np.asarray(_grad_of(leaves[k]), dtype=np.float64)
        flat = np.asarray(b, dtype=np.float64).reshape(-1)
        for j in range(flat.size):
            vals_plus = [x if i != k else _with(b, j, flat[j] + eps) for i, x in enumerate(base)]
            vals_minus = [x if i != k else _with(b, j, flat[j] - eps) for i, x in enumerate(base)]
            numeric = (numeric_f(vals_plus) - numeric_f(vals_minus)) / (2 * eps)
            a = float(analytic.reshape(-1)[j])
            err = abs(a - numeric) - (atol + rtol * abs(numeric))
            if not np.isfinite(a) or not np.isfinite(numeric):
                err = np.inf if np.isfinite(a) != np.isfinite(numeric) else err
            if err > 0 and (worst is None or err > worst[0]):
                worst = (err, k, np.unravel_index(j, np.shape(b)) if np.ndim(b) else (), a, numeric)
    if worst is not None:
        _, k, idx, a, numeric = worst
        raise GradcheckError(
            f"gradcheck: input {k}{[int(i) for i in idx] if idx else ''}: analytic gradient {a!r} "
            f"!= numeric {numeric!r} (atol={atol}, rtol={rtol}, eps={eps})"
        )
    return True


def _to64(x: Any, k: int) -> Any:
    """Input ``k`` of gradcheck as a float or a float64 array, or a clear TypeError."""
    if isinstance(x, Value):
        return float(x.data)
    if isinstance(x, Tensor):
        return np.array(x.data, dtype=np.float64)
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    try:
        arr = np.asarray(x)
        if arr.dtype.kind not in "fiu":
            raise TypeError
        return np.array(arr, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"gradcheck: input {k} must be a Value, a Tensor, a number or an array of numbers, got {type(x).__name__}"
            f"{f' {x!r}' if isinstance(x, str) else ''}"
        ) from None


def _with(b: Any, j: int, v: float) -> Any:
    if isinstance(b, float):
        return v
    c = np.array(b, dtype=np.float64)
    c.reshape(-1)[j] = v
    return c
