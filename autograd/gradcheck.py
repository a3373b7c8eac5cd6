"""Numerical checks of derivatives: ``gradcheck`` (first derivatives) and ``gradgradcheck`` (second), in float64."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .gradients import gradients
from .graph import Node, backward, no_grad
from .tensor import Tensor
from .value import Value

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


def _fresh(x: Any) -> Node:
    """A new leaf that requires grad holding ``x`` (a float or a float64 array)."""
    return Value(x) if isinstance(x, float) else Tensor(np.array(x), requires_grad=True)


def _grad_of(leaf: Node) -> Any:
    if isinstance(leaf, Tensor):
        return np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad
    return leaf.grad


class GradcheckError(ValueError):
    """Analytic and numeric derivatives disagree (see :func:`gradcheck` and :func:`gradgradcheck`)."""


def _compare(
    where: str,
    what: str,
    base: list[Any],
    analytic: list[Any],
    numeric_f: Callable[[list[Any]], float],
    eps: float,
    atol: float,
    rtol: float,
) -> None:
    """Compare ``analytic[k]`` with central differences of ``numeric_f`` at ``base``; raise naming the worst element."""
    worst = None
    for k, b in enumerate(base):
        grad_k = np.asarray(analytic[k], dtype=np.float64).reshape(-1)
        flat = np.asarray(b, dtype=np.float64).reshape(-1)
        for j in range(flat.size):
            vals_plus = [x if i != k else _with(b, j, flat[j] + eps) for i, x in enumerate(base)]
            vals_minus = [x if i != k else _with(b, j, flat[j] - eps) for i, x in enumerate(base)]
            numeric = (numeric_f(vals_plus) - numeric_f(vals_minus)) / (2 * eps)
            a = float(grad_k[j])
            err = abs(a - numeric) - (atol + rtol * abs(numeric))
            if not np.isfinite(a) or not np.isfinite(numeric):
                err = np.inf if np.isfinite(a) != np.isfinite(numeric) else err
            if err > 0 and (worst is None or err > worst[0]):
                worst = (err, k, np.unravel_index(j, np.shape(b)) if np.ndim(b) else (), a, numeric)
    if worst is not None:
        _, k, idx, a, numeric = worst
        raise GradcheckError(
            f"{where}: input {k}{[int(i) for i in idx] if idx else ''}: analytic {what} {a!r} "
            f"!= numeric {numeric!r} (atol={atol}, rtol={rtol}, eps={eps})"
        )


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

    analytic = [_grad_of(leaf) for leaf in leaves]
    _compare("gradcheck", "gradient", base, analytic, numeric_f, eps, atol, rtol)
    return True


def gradgradcheck(
    f: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check ``f``'s second derivatives against central finite differences of its first derivatives, in float64.

    The gradient ``g(x)`` of ``<f(x), v>`` (``v`` a fixed random direction
    for a non-scalar output) is computed with ``create_graph=True`` and
    differentiated again along a fixed random direction ``u``: the result,
    ``H u`` for every input at once, must match central differences of
    ``<g(x), u>`` with ``g`` computed by an ordinary (first-order) backward.
    So one check covers the whole Hessian, mixed partials between inputs
    included.  PyTorch's ``gradgradcheck``, without its check with respect to
    ``grad_outputs`` (that is a first derivative: :func:`gradcheck`).

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
    >>> from autograd import Tensor, gradgradcheck
    >>> gradgradcheck(lambda x: (x.tanh() * x).sum(), Tensor([0.5, -1.0]))
    True
    >>> gradgradcheck(lambda a, b: (a * b).exp(), 0.3, 1.2)
    True
    """
    base = [_to64(x, k, "gradgradcheck") for k, x in enumerate(inputs)]
    rng = np.random.default_rng(0)
    direction: list[Any] = []

    def first(vals: list[Any], create_graph: bool) -> tuple[list[Node], tuple[Any, ...]]:
        leaves = [_fresh(v) for v in vals]
        out = f(*leaves)
        if not isinstance(out, Node):
            raise TypeError(f"gradgradcheck: the function must return a Value or a Tensor, got {type(out).__name__}")
        if isinstance(out, Tensor) and out.data.size != 1:
            if not direction:
                direction.append(rng.standard_normal(out.shape))
            out = (out * Tensor(direction[0])).sum()
        if not out.requires_grad:
            return leaves, (None,) * len(leaves)
        return leaves, gradients(out, leaves, create_graph=create_graph, allow_unused=True)

    leaves, gs = first(base, True)
    u = [rng.standard_normal(np.shape(b)) if np.ndim(b) else float(rng.standard_normal()) for b in base]
    terms = [(g * Tensor(uk)).sum() if isinstance(g, Tensor) else g * uk for g, uk in zip(gs, u) if g is not None]
    s = terms[0] if terms else None
    for t in terms[1:]:
        s = s + t
    if s is not None and s.requires_grad:
        second = gradients(s, leaves, allow_unused=True)
        analytic = [np.zeros(np.shape(b)) if h is None else h.data for h, b in zip(second, base)]
    else:  # the gradient does not depend on the inputs: every second derivative is 0
        analytic = [np.zeros(np.shape(b)) for b in base]

    def numeric_f(vals: list[Any]) -> float:
        _, g1 = first(vals, False)
        return float(sum(np.sum(np.asarray(g.data) * uk) for g, uk in zip(g1, u) if g is not None))

    _compare("gradgradcheck", "second derivative", base, analytic, numeric_f, eps, atol, rtol)
    return True


def _to64(x: Any, k: int, where: str = "gradcheck") -> Any:
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
            f"{where}: input {k} must be a Value, a Tensor, a number or an array of numbers, got {type(x).__name__}"
            f"{f' {x!r}' if isinstance(x, str) else ''}"
        ) from None


def _with(b: Any, j: int, v: float) -> Any:
    if isinstance(b, float):
        return v
    c = np.array(b, dtype=np.float64)
    c.reshape(-1)[j] = v
    return c
