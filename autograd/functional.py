"""Function transformations (HIPS autograd / JAX style): grad, value_and_grad, jacobian, hessian, jvp, vjp, hvp.

A transform takes a function of Values/Tensors and returns a new function.
Called with numbers, arrays or leaves it gives numbers and arrays (floats for
Value arguments, ndarrays for Tensor ones), and leaves the caller's nodes
untouched.  Called *inside another transform* it gives nodes of the graph
being recorded, so transforms compose to any order: ``grad(grad(f))``,
``jacobian(grad(f))`` (which is :func:`hessian`), ``jvp(grad(f), ...)``.
Every derivative comes from the one table of rules, run on graph nodes when
a gradient must itself be differentiated (``create_graph=True``).

``autograd.grad`` is also PyTorch's ``torch.autograd.grad`` when given
outputs and inputs instead of a function (see :func:`grad`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import numpy as np

from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .gradients import gradients
from .graph import Node, backward
from .propagate import constant_like
from .tensor import Tensor
from .value import Value
from .xp_graph import GRAPH

__all__ = [
    "grad",
    "value_and_grad",
    "elementwise_grad",
    "jacobian",
    "hessian",
    "jvp",
    "vjp",
    "hvp",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
]

# How many transforms are running their function right now (in this thread or task): a
# transform called inside another one keeps its graph and returns nodes.
_DEPTH: ContextVar[int] = ContextVar("layergrad_transform_depth", default=0)


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


def _leaf(x: Any, nested: bool) -> Node:
    """The node to differentiate with respect to: the argument itself inside a transform, else a fresh leaf."""
    if nested and isinstance(x, Node) and x.requires_grad:
        return x
    return _fresh(x)


def _call(f: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``f(*args, **kwargs)`` one transform deeper."""
    token = _DEPTH.set(_DEPTH.get() + 1)
    try:
        return f(*args, **kwargs)
    finally:
        _DEPTH.reset(token)


def _trace(f: Callable[..., Any], args: tuple, kwargs: dict, argnums: Any, where: str) -> tuple[Any, list, bool]:
    """Run ``f`` with leaves at ``argnums``: (output, the leaves, whether this call is inside another transform)."""
    nested = _DEPTH.get() > 0
    nums = _argnums(argnums, len(args), where)
    call_args = list(args)
    leaves = []
    for i in nums:
        call_args[i] = _leaf(args[i], nested)
        leaves.append(call_args[i])
    return _call(f, call_args, kwargs), leaves, nested


def _result(g: Any, like: Node, nested: bool) -> Any:
    """A gradient as a transform returns it: a node inside a transform, else a float or an ndarray (0 if unused)."""
    if g is not None:
        return g if nested else g.data
    zero = np.zeros_like(like.data) if isinstance(like.data, np.ndarray) else 0.0
    return constant_like(like, zero) if nested else zero


def _grads(out: Node, leaves: list[Node], nested: bool, seed: Any = None) -> list[Any]:
    """The gradients of ``out`` (seeded with ``seed``) for ``leaves``, as transforms return them."""
    if not out.requires_grad:  # a constant output: every gradient is 0
        return [_result(None, x, nested) for x in leaves]
    gs = gradients(out, leaves, grad_outputs=seed, retain_graph=True, create_graph=nested, allow_unused=True)
    return [_result(g, x, nested) for g, x in zip(gs, leaves)]


def _shaped(items: list[Any], argnums: Any) -> Any:
    return tuple(items) if isinstance(argnums, tuple) else items[0]


# --------------------------------------------------------------------------
# grad and value_and_grad
# --------------------------------------------------------------------------


def value_and_grad(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """Make a function that returns ``(f(*args), gradient)``.

    The arguments picked by ``argnums`` are replaced by fresh leaves, so the
    caller's Values/Tensors are not touched.  Numbers become Values; arrays and
    lists become Tensors.  The value is a Python float; a gradient is a float
    (Value argument) or an ndarray (Tensor argument); a tuple ``argnums`` gives
    a tuple of gradients.  Inside another transform, the value and the
    gradients are nodes of the recorded graph (see the module docstring).

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
        out, leaves, nested = _trace(f, args, kwargs, argnums, where)
        _scalar_output(out, where)
        if nested:
            return out, _shaped(_grads(out, leaves, True), argnums)
        backward(out)  # NOTE: first order: the tuned loop, on leaves no one else holds
        grads = [np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad for leaf in leaves]
        return out.item(), _shaped(grads, argnums)

    return wrapper


def _grad_transform(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    value_and_grad_f = _value_and_grad(f, argnums, "grad")  # built once, not per call

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return value_and_grad_f(*args, **kwargs)[1]

    return wrapper


def grad(*args: Any, **kwargs: Any) -> Any:
    """Make a function that returns the gradient of scalar ``f`` (HIPS/JAX style); or PyTorch's ``autograd.grad``.

    ``grad(f, argnums=0)`` returns a function (a float or ndarray for each
    argument in ``argnums``; nodes inside another transform, so ``grad(grad(f))``
    is the second derivative).  ``grad(outputs, inputs, grad_outputs=None,
    retain_graph=None, create_graph=False, allow_unused=False)`` (given nodes,
    not a function) is ``torch.autograd.grad``: see
    :func:`autograd.gradients.gradients`.

    Examples
    --------
    >>> from autograd import Value, grad
    >>> grad(lambda x: x ** 3)(2.0)
    12.0
    >>> grad(grad(lambda x: x ** 3))(2.0)
    12.0
    >>> grad(lambda w: (w * w).sum())([1.0, 2.0]).tolist()
    [2.0, 4.0]
    >>> x = Value(2.0)
    >>> grad(x ** 3, x)[0].data
    12.0
    """
    first = args[0] if args else kwargs.get("f", kwargs.get("outputs"))
    if "outputs" in kwargs or "inputs" in kwargs or not callable(first):
        return gradients(*args, **kwargs)
    return _grad_transform(*args, **kwargs)


def elementwise_grad(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """Make a function that returns the gradient of ``f(x).sum()``: for an elementwise ``f``, each element's derivative.

    HIPS autograd's ``elementwise_grad``: a vector-Jacobian product with a
    cotangent of ones.  Composes with itself and the other transforms.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import elementwise_grad
    >>> x = np.array([0.0, 1.0])
    >>> elementwise_grad(lambda t: t ** 3)(x).tolist()
    [0.0, 3.0]
    >>> elementwise_grad(elementwise_grad(lambda t: t ** 3))(x).tolist()
    [0.0, 6.0]
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        out, leaves, nested = _trace(f, args, kwargs, argnums, "elementwise_grad")
        if not isinstance(out, Node):
            raise TypeError(f"elementwise_grad: the function must return a Value or a Tensor, got {type(out).__name__}")
        ones = np.ones_like(out.data) if isinstance(out.data, np.ndarray) else 1.0
        return _shaped(_grads(out, leaves, nested, ones), argnums)

    return wrapper


# --------------------------------------------------------------------------
# Jacobians and Hessians
# --------------------------------------------------------------------------


def _outputs(out: Any, where: str) -> tuple[list[Node], bool]:
    """The function's output(s) as a list of nodes, and whether it was one node."""
    if isinstance(out, Node):
        return [out], True
    if isinstance(out, (list, tuple)) and out and all(isinstance(o, Node) for o in out):
        return list(out), False
    raise TypeError(f"{where}: the function must return a Value or a Tensor (or a tuple of them), got {out!r}")


def _jacobian_of(o: Node, leaves: list[Node], nested: bool) -> list[Any]:
    """d o / d leaf for each leaf, of shape ``o.shape + leaf.shape``: one reverse pass per element of ``o``."""
    shape = np.shape(o.data)
    rows: list[list[Any]] = []
    for i in range(int(np.prod(shape, dtype=np.int64))):
        seed: Any = 1.0
        if isinstance(o.data, np.ndarray):
            seed = np.zeros(shape, dtype=o.data.dtype)
            seed.reshape(-1)[i] = 1
        rows.append(_grads(o, leaves, nested, seed))
    blocks = []
    for k, x in enumerate(leaves):
        parts = [row[k] for row in rows]
        xshape = np.shape(x.data)
        if not shape and not isinstance(o.data, np.ndarray):
            blocks.append(parts[0])  # a Value: the derivative itself
        elif nested:
            whole = GRAPH.stack([p if isinstance(p, Tensor) else _as_tensor(p) for p in parts], 0)
            blocks.append(GRAPH.reshape(whole, shape + xshape))
        else:
            blocks.append(np.stack([np.asarray(p) for p in parts]).reshape(shape + xshape))
    return blocks


def _as_tensor(p: Any) -> Tensor:
    if isinstance(p, Value):
        raise TypeError("jacobian: a Tensor output of Value inputs cannot be assembled; use one engine")
    return Tensor(p)


def jacobian(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """Make a function that returns the Jacobian of ``f`` (reverse mode, as HIPS ``jacobian`` and JAX ``jacrev``).

    For an output of shape ``S`` and an argument of shape ``A`` the Jacobian
    has shape ``S + A`` (a float for a Value of a Value).  A tuple ``argnums``
    gives a tuple over the arguments; a function returning a tuple of nodes
    gives a tuple over its outputs (of those).  The values agree with
    ``torch.autograd.functional.jacobian``.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import jacobian
    >>> jacobian(lambda x: x * x)(np.array([1.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    >>> jacobian(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (4.0, 3.0)
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        out, leaves, nested = _trace(f, args, kwargs, argnums, "jacobian")
        outs, single = _outputs(out, "jacobian")
        per_output = [_shaped(_jacobian_of(o, leaves, nested), argnums) for o in outs]
        return per_output[0] if single else tuple(per_output)

    return wrapper


def hessian(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """Make a function that returns the Hessian of scalar ``f``: ``jacobian(grad(f))`` (reverse over reverse).

    For an argument of shape ``A`` the Hessian has shape ``A + A``; a tuple
    ``argnums`` gives the blocks ``H[i][j]`` of shape ``A_i + A_j`` as a tuple
    of tuples (as JAX and ``torch.autograd.functional.hessian``).

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import hessian
    >>> hessian(lambda x: (x ** 3).sum())(np.array([1.0, 2.0])).tolist()
    [[6.0, 0.0], [0.0, 12.0]]
    >>> hessian(lambda x, y: x * x * y, argnums=(0, 1))(3.0, 2.0)
    ((4.0, 6.0), (6.0, 0.0))
    """
    return jacobian(_grad_transform(f, argnums), argnums)


# --------------------------------------------------------------------------
# Products with a Jacobian or a Hessian
# --------------------------------------------------------------------------


def _tuple(x: Any) -> tuple[tuple[Any, ...], bool]:
    return (tuple(x), False) if isinstance(x, (tuple, list)) else ((x,), True)


def _zeros_like_node(o: Node) -> Node:
    """A leaf of zeros shaped like ``o`` that requires grad (the dummy cotangent of the double-vjp trick)."""
    if isinstance(o, Tensor):
        return Tensor(np.zeros_like(o.data), requires_grad=True)
    return Value(0.0)


def _tangent(t: Any, x: Node, where: str) -> Any:
    """Tangent ``t`` checked against argument ``x``: a node stays itself (so a product can be differentiated)."""
    if isinstance(t, Node):
        data = t.data
    else:
        data = np.asarray(t, dtype=np.float64) if isinstance(x.data, np.ndarray) else float(t)
        t = data
    if np.shape(data) != np.shape(x.data):
        raise ValueError(f"{where}: a tangent has shape {np.shape(data)} but its argument has {np.shape(x.data)}")
    return t


def jvp(f: Callable[..., Any], primals: Any, tangents: Any) -> tuple[Any, Any]:
    """The value of ``f`` at ``primals`` and its Jacobian-vector product with ``tangents`` (JAX's ``jvp``).

    Forward mode, computed with two reverse passes (the double-vjp trick):
    ``g(u) = J^T u`` is recorded for a dummy cotangent ``u``, and the product
    ``J t`` is the gradient of ``<g(u), t>`` with respect to ``u``.  ``primals``
    and ``tangents`` are tuples (one entry per argument of ``f``; a single
    argument may be given alone).  Returns ``(f(*primals), J t)``, each shaped
    as ``f``'s output; agrees with ``torch.autograd.functional.jvp``.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import jvp
    >>> out, t = jvp(lambda x: x * x, (np.array([1.0, 2.0]),), (np.array([1.0, 0.5]),))
    >>> out.tolist(), t.tolist()
    ([1.0, 4.0], [2.0, 2.0])
    >>> jvp(lambda x, y: x * y, (3.0, 4.0), (1.0, 0.0))
    (12.0, 4.0)
    """
    prims, _ = _tuple(primals)
    tans, _ = _tuple(tangents)
    if len(prims) != len(tans):
        raise ValueError(f"jvp: {len(prims)} primals but {len(tans)} tangents; give one tangent per primal")
    out, leaves, nested = _trace(f, prims, {}, tuple(range(len(prims))), "jvp")
    tans = tuple(_tangent(t, x, "jvp") for t, x in zip(tans, leaves))
    outs, single = _outputs(out, "jvp")
    us = [_zeros_like_node(o) for o in outs]
    live = [k for k, o in enumerate(outs) if o.requires_grad]
    products: list[Any] = [None] * len(outs)
    if live:
        gs = gradients([outs[k] for k in live], leaves, [us[k] for k in live], create_graph=True, allow_unused=True)
        pairs = [(g, t) for g, t in zip(gs, tans) if g is not None and g.requires_grad]
        if pairs:
            back = gradients(
                [g for g, _ in pairs],
                [us[k] for k in live],
                [t for _, t in pairs],
                create_graph=nested,
                allow_unused=True,
            )
            for k, p in zip(live, back):
                products[k] = p
    values = [o if nested else _plain(o) for o in outs]
    tangents_out = [_result(p, o, nested) for p, o in zip(products, outs)]
    if single:
        return values[0], tangents_out[0]
    return tuple(values), tuple(tangents_out)


def _plain(o: Node) -> Any:
    return o.item() if isinstance(o, Value) else o.data


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """The value of ``f`` at ``primals``, and a function of a cotangent giving the vector-Jacobian products (JAX's).

    ``vjp_fn(cotangent)`` returns a tuple with one entry per primal (shaped as
    that primal): ``cotangent^T J``.  It can be called any number of times.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import vjp
    >>> out, vjp_fn = vjp(lambda x: x * x, np.array([1.0, 2.0]))
    >>> out.tolist(), vjp_fn(np.array([1.0, 10.0]))[0].tolist()
    ([1.0, 4.0], [2.0, 40.0])
    """
    out, leaves, nested = _trace(f, primals, {}, tuple(range(len(primals))), "vjp")
    if not isinstance(out, Node):
        raise TypeError(f"vjp: the function must return a Value or a Tensor, got {type(out).__name__}")

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        if np.shape(cotangent.data if isinstance(cotangent, Node) else cotangent) != np.shape(out.data):
            raise ValueError(
                f"vjp: the cotangent has shape {np.shape(cotangent)} but the output has shape {np.shape(out.data)}"
            )
        return tuple(_grads(out, leaves, nested or isinstance(cotangent, Node), cotangent))

    return (out if nested else _plain(out)), vjp_fn


def hvp(f: Callable[..., Any], primals: Any, tangents: Any) -> tuple[Any, Any]:
    """The value of scalar ``f`` at ``primals`` and its Hessian-vector product with ``tangents``.

    Reverse over reverse: the gradient is recorded, and ``H t`` is the
    gradient of ``<grad f, t>`` (the Hessian is symmetric).  ``primals`` and
    ``tangents`` as in :func:`jvp`; the product has one entry per primal (a
    single one when a single primal was given alone).  Agrees with
    ``torch.autograd.functional.hvp``.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import hvp
    >>> value, hv = hvp(lambda x: (x ** 3).sum(), np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    >>> value, hv.tolist()
    (9.0, [6.0, 12.0])
    """
    prims, alone = _tuple(primals)
    tans, _ = _tuple(tangents)
    if len(prims) != len(tans):
        raise ValueError(f"hvp: {len(prims)} primals but {len(tans)} tangents; give one tangent per primal")
    out, leaves, nested = _trace(f, prims, {}, tuple(range(len(prims))), "hvp")
    _scalar_output(out, "hvp")
    tans = tuple(_tangent(t, x, "hvp") for t, x in zip(tans, leaves))
    products: list[Any] = [None] * len(leaves)
    if out.requires_grad:
        gs = gradients(out, leaves, create_graph=True, allow_unused=True)
        pairs = [(g, t) for g, t in zip(gs, tans) if g is not None and g.requires_grad]
        if pairs:
            products = list(
                gradients([g for g, _ in pairs], leaves, [t for _, t in pairs], create_graph=nested, allow_unused=True)
            )
    result = [_result(p, x, nested) for p, x in zip(products, leaves)]
    return (out if nested else out.item()), (result[0] if alone else tuple(result))
