"""The table of primitives: every op's forward, derivatives, engines and display, one row each.

Each row is an :class:`Op`, and it is the only place an op is defined:

- ``fwd(xp, *inputs)`` computes the result with the engine's math namespace
  ``xp`` (:data:`SCALAR` for ``Value``, :data:`ARRAY` for ``Tensor``; see
  :mod:`autograd.xp`);
- ``vjp`` is a column of rules, one per differentiable input, each
  ``rule(xp, g, out, *inputs) -> gradient for that input``, where ``g`` is the
  incoming gradient and ``out`` the forward result (names fixed as in
  JAX/PyTorch derivative tables).  A *variadic* op (``dot``, ``concatenate``,
  ``stack``) has one rule that returns the gradients of all its inputs;
- ``engines`` says which engines record it;
- ``symbol`` is micrograd's ``_op`` string, ``display`` and ``label`` how a
  drawing shows the node (:meth:`Op.text`).

Inputs are the parents' data followed by the node's constants (Python numbers,
axes, shapes, indices): a constant is a trailing input that has no rule, so
``x * 2.0`` is the ``mul`` row with ``b = 2.0`` and only ``vjp[0]`` runs.

Rules use only operators and ``xp.*``; none calls numpy or looks at its
input's type, so the same rule runs on floats, on arrays and on graph nodes
(:data:`autograd.xp_graph.GRAPH`, whose functions are these rows: the backward
pass then records itself, and gradients of gradients need no second table).
Masks (relu's ``a > 0``) come from ``xp`` as constants.  The table is closed
under differentiation: the shape functions rules call (``broadcast_to``,
``sum_to``, ``scatter_add``) are rows too, each with its own rule.
Broadcasting is *not* undone in a rule: the engine sums a gradient back to its
input's shape in one place (the ``sum_to`` row when the backward is recorded).

An op can also be defined outside the table, micrograd's way (a node made
with ``Value(data, children, "op")`` whose ``_backward`` is set by hand):
:func:`custom` makes the row of such a node.

To add a primitive, add a row and give it sample inputs in ``tests/autograd/test_ops.py``
(``ROWS`` or ``TENSOR_CASES``): that test enumerates the table and fails for a
row without samples, so every row is checked against central differences.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .xp import ARRAY, SCALAR

__all__ = ["Op", "OPS", "SCALAR", "ARRAY", "BOTH", "SCALAR_ONLY", "TENSOR_ONLY", "CUSTOM", "custom"]

BOTH = frozenset({"scalar", "tensor"})
"""Engines of a row that works on floats and on arrays."""
SCALAR_ONLY = frozenset({"scalar"})
TENSOR_ONLY = frozenset({"tensor"})


def format_constant(c: Any) -> str:
    """An op constant, short, as drawings show it (``2`` for 2.0, ``array(3,)`` for an array).

    Examples
    --------
    >>> format_constant(2.0), format_constant(0.25), format_constant((1, 2))
    ('2', '0.25', '(1, 2)')
    """
    if isinstance(c, bool) or c is None:
        return str(c)
    if isinstance(c, int):
        return str(c)
    if isinstance(c, float):
        return str(int(c)) if c.is_integer() and abs(c) < 1e15 else f"{c:.4g}"
    if isinstance(c, np.ndarray):
        return f"array{c.shape}"
    s = repr(c)
    return s if len(s) <= 24 else s[:23] + "…"


class Op(NamedTuple):
    """One primitive: name, forward, derivative rules, engines and how it is shown.

    Examples
    --------
    >>> from autograd.ops import OPS, SCALAR
    >>> OPS["mul"].fwd(SCALAR, 3.0, 4.0)
    12.0
    >>> [rule(SCALAR, 1.0, 12.0, 3.0, 4.0) for rule in OPS["mul"].vjp]
    [4.0, 3.0]
    >>> OPS["mul"].text((2.0,), 1), OPS["sum"].text((1, False), 1)
    ('× 2', 'sum(axis=1)')
    """

    name: str
    fwd: Callable[..., Any]
    vjp: Any  # tuple of per-input rules, or one rule returning all (variadic)
    symbol: str = ""  # micrograd's ``_op`` string; ``{0}`` is the first constant
    display: str = ""  # short name in drawings, without constants ("" means symbol, then name)
    label: Any = ""  # drawings with constants: a format string of them ({0}, {1}), or fn(consts, n_parents)
    engines: frozenset[str] = BOTH
    variadic: bool = False
    steps: Callable[..., Any] | None = None  # the finer steps a drawing can show (dot: products, partial sums)
    saves: tuple[int, ...] | None = None  # inputs whose values the rules read (None: derived from the rules)
    fused: Callable[..., Any] | None = None  # a fused row's unfuse(node): the nodes it stands for (autograd.fused)

    def text(self, consts: tuple[Any, ...], n_parents: int) -> str:
        """How a drawing shows a node of this op with these constants, e.g. ``× 2`` or ``sum(axis=1)``."""
        if callable(self.label):
            return str(self.label(consts, n_parents))
        if not consts or consts[0] is None or not self.label:
            return self.short
        return str(self.label).format(*[format_constant(c) for c in consts])

    def __repr__(self) -> str:
        # the row's name, not its functions: what ``print(t.grad_fn)`` shows
        return f"<Op {self.name!r}>"

    def __deepcopy__(self, memo: dict) -> Op:
        # a row is a constant of the library (code compares rows by identity): a copied graph shares them
        return self

    @property
    def short(self) -> str:
        """The op's short name in drawings, without constants (used for counts)."""
        return self.display or self.symbol.split("{")[0].strip() or self.name


# --------------------------------------------------------------------------
# Rules too long for one line of the table.
# --------------------------------------------------------------------------


_SQRT1_2 = 0.7071067811865476  # 1/√2
_INV_SQRT_2PI = 0.3989422804014327  # 1/√(2π), the standard normal density at 0
_TWO_OVER_SQRT_PI = 1.1283791670955126  # erf's derivative at 0


def _gelu_inner(a: Any) -> Any:
    return 0.7978845608028654 * (a + 0.044715 * a * a * a)


def _gelu_fwd(xp: Any, a: Any, approximate: str) -> Any:
    # NOTE: PyTorch's two GELUs: x·Φ(x) with erf ("none"), or Hendrycks & Gimpel's tanh formula ("tanh").
    if approximate == "tanh":
        return 0.5 * a * (1 + xp.tanh(_gelu_inner(a)))
    return 0.5 * a * (1 + xp.erf(a * _SQRT1_2))


def _gelu_vjp(xp: Any, g: Any, out: Any, a: Any, approximate: str) -> Any:
    if approximate == "tanh":
        t = xp.tanh(_gelu_inner(a))
        dinner = 0.7978845608028654 * (1 + 3 * 0.044715 * a * a)
        return g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * dinner)
    # Φ(x) + x·φ(x)
    return g * (0.5 * (1 + xp.erf(a * _SQRT1_2)) + a * xp.exp(-0.5 * a * a) * _INV_SQRT_2PI)


def _gelu_label(consts: tuple[Any, ...], n_parents: int) -> str:
    return "GELU(tanh)" if consts and consts[0] == "tanh" else "GELU"


def _sum_vjp(xp: Any, g: Any, out: Any, a: Any, axis: Any, keepdims: bool) -> Any:
    if axis is None or keepdims:  # NOTE: g already broadcasts against a (the common case: a loss)
        return xp.broadcast_to(g, a.shape)
    return xp.broadcast_to(xp.expand(g, a.shape, axis, keepdims), a.shape)


def _extreme_vjp(xp: Any, g: Any, out: Any, a: Any, axis: Any, keepdims: bool) -> Any:
    # NOTE: ties share the gradient equally (like numpy's amax in JAX).
    mask = xp.equal_mask(a, xp.expand(out, a.shape, axis, keepdims), g)
    return xp.expand(g, a.shape, axis, keepdims) * mask / xp.sum(mask, axis, True)


def _logsumexp_fwd(xp: Any, a: Any, axis: Any, keepdims: bool) -> Any:
    # NOTE: shift by the max so exp never overflows; an all -inf or empty slice gives -inf.
    m = xp.max(a, axis, True, -xp.inf)
    m = xp.where(xp.isfinite(m), m, 0).astype(a.dtype, copy=False)
    s = xp.log(xp.sum(xp.exp(a - m), axis, True)) + m
    return s if keepdims else xp.squeeze(s, axis=axis)


def _logsumexp_vjp(xp: Any, g: Any, out: Any, a: Any, axis: Any, keepdims: bool) -> Any:
    return xp.expand(g, a.shape, axis, keepdims) * xp.exp(a - xp.expand(out, a.shape, axis, keepdims))


def matmul_vjp_a(xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    """matmul's rule for ``a``: ``g @ b.T`` (with numpy's 1-D and batched cases).

    Examples
    --------
    >>> matmul_vjp_a(ARRAY, np.ones((1, 2)), None, np.ones((1, 3)), np.arange(6.0).reshape(3, 2)).tolist()
    [[1.0, 5.0, 9.0]]
    """
    if a.ndim == 2 and b.ndim == 2:  # the common case, without the general reshaping
        return xp.matmul(g, b.T)  # NOTE: not g @ b.T: see autograd.xp's matmul
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g[..., None] if b.ndim == 1 else g
    if a.ndim == 1:
        g2 = xp.expand_dims(g2, -2)
    ga = g2 @ xp.swapaxes(b2, -1, -2)
    return ga[..., 0, :] if a.ndim == 1 else ga


def matmul_vjp_b(xp: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    """matmul's rule for ``b``: ``a.T @ g`` (with numpy's 1-D and batched cases).

    Examples
    --------
    >>> matmul_vjp_b(ARRAY, np.ones((1, 2)), None, np.array([[1.0, 2.0, 3.0]]), np.ones((3, 2))).tolist()
    [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]
    """
    if a.ndim == 2 and b.ndim == 2:
        return a.T @ g
    a2 = a[None, :] if a.ndim == 1 else a
    g2 = g[..., None] if b.ndim == 1 else g
    if a.ndim == 1:
        g2 = xp.expand_dims(g2, -2)
    gb = xp.swapaxes(a2, -1, -2) @ g2
    return gb[..., 0] if b.ndim == 1 else gb


def _prod_vjp(xp: Any, g: Any, out: Any, a: Any, axis: Any, keepdims: bool) -> Any:
    # NOTE: the product of the *other* elements, not out / a: exact where a has zeros.
    return xp.expand(g, a.shape, axis, keepdims) * xp.prod_others(a, axis)


def _norm_vjp(xp: Any, g: Any, out: Any, a: Any, axis: Any, keepdims: bool) -> Any:
    # NOTE: 0 where the norm is 0 (PyTorch's subgradient), not 0/0.
    return xp.expand(g, a.shape, axis, keepdims) * xp.divide_or_zero(a, xp.expand(out, a.shape, axis, keepdims))


def _dot_fwd(xp: Any, *args: Any) -> Any:
    # NOTE: a neuron's weighted sum w·x as one node; summed left to right, as
    # the chain of '+' nodes micrograd builds would sum it.
    n = len(args) // 2
    acc = 0.0
    for w, x in zip(args[:n], args[n:]):
        acc += w * x
    return acc


def _dot_vjp(xp: Any, g: Any, out: Any, *args: Any) -> list[Any]:
    n = len(args) // 2
    return [g * x for x in args[n:]] + [g * w for w in args[:n]]


def _dot_steps(xp: Any, *args: Any) -> tuple[list[Any], list[Any]]:
    """The products ``w_k * x_k`` and the running sums after each, as the scalar-detail drawing shows them."""
    n = len(args) // 2
    products, sums = [], []
    acc = 0.0
    for k, (w, x) in enumerate(zip(args[:n], args[n:])):
        p = w * x
        acc = acc + p if k else p
        products.append(p)
        sums.append(acc)
    return products, sums


def _dot_label(consts: tuple[Any, ...], n_parents: int) -> str:
    # weights and inputs are 2n inputs in all, parents or constants
    return f"w·x ({(n_parents + len(consts)) // 2} terms)"


def _concatenate_fwd(xp: Any, *args: Any) -> Any:
    *arrays, axis = args
    return xp.concatenate(arrays, axis=axis)


def _concatenate_vjp(xp: Any, g: Any, out: Any, *args: Any) -> list[Any]:
    *arrays, axis = args
    return xp.split(g, [x.shape[axis] for x in arrays], axis)


def _stack_fwd(xp: Any, *args: Any) -> Any:
    *arrays, axis = args
    return xp.stack(arrays, axis=axis)


def _stack_vjp(xp: Any, g: Any, out: Any, *args: Any) -> list[Any]:
    *arrays, axis = args
    return [xp.take(g, i, axis=axis) for i in range(len(arrays))]


# --------------------------------------------------------------------------
# The table.  Row: name, forward, (rule per input) or one variadic rule,
# micrograd symbol, display, label with constants, engines.
# --------------------------------------------------------------------------
# fmt: off
_ROWS = [
    # elementwise, both engines ------------------------------------------------
    Op("add",     lambda xp, a, b: a + b,          (lambda xp, g, out, a, b: g,
                                                    lambda xp, g, out, a, b: g), "+", "+", "+ {0}"),
    Op("sub",     lambda xp, a, b: a - b,          (lambda xp, g, out, a, b: g,
                                                    lambda xp, g, out, a, b: -g), "-", "−", "− {0}"),
    Op("rsub",    lambda xp, a, c: c - a,          (lambda xp, g, out, a, c: -g,), "-", "−", "{0} − x"),
    Op("mul",     lambda xp, a, b: a * b,          (lambda xp, g, out, a, b: g * b,
                                                    lambda xp, g, out, a, b: g * a), "*", "×", "× {0}"),
    Op("div",     lambda xp, a, b: a / b,          (lambda xp, g, out, a, b: g / b,
                                                    lambda xp, g, out, a, b: -g * out / b), "/", "÷", "÷ {0}"),
    Op("rdiv",    lambda xp, a, c: c / a,          (lambda xp, g, out, a, c: -g * out / a,), "/", "÷", "{0} ÷ x"),
    Op("neg",     lambda xp, a: -a,                (lambda xp, g, out, a: -g,), "-", "−x"),
    # NOTE: at a zero base or exponent the gradient is 0 where the formula gives 0*inf (PyTorch's
    # values): d/da is 0 when b == 0 (the exponent b-1 becomes 0 there), d/db is 0 when a == 0
    # and b >= 0 (the log's argument becomes 1 there). d/db is nan for a < 0: it only runs when b is a node.
    Op("pow",     lambda xp, a, b: xp.pow(a, b),   (lambda xp, g, out, a, b: g * b * xp.pow(a, b - 1 + (b == 0)),
                                                    lambda xp, g, out, a, b: g * out * xp.log(a + (a == 0) * (b >= 0))),
                                                   "**{0}", "**", "** {0}"),
    Op("rpow",    lambda xp, a, c: xp.pow(c, a),   (lambda xp, g, out, a, c: g * out * xp.log(c + (c == 0) * (a >= 0)),
                                                    ), "**", "**", "{0} ** x"),
    Op("exp",     lambda xp, a: xp.exp(a),         (lambda xp, g, out, a: g * out,), "exp"),
    Op("log",     lambda xp, a: xp.log(a),         (lambda xp, g, out, a: g / a,), "log"),
    Op("sqrt",    lambda xp, a: xp.sqrt(a),        (lambda xp, g, out, a: g * 0.5 / out,), "sqrt"),
    Op("abs",     lambda xp, a: xp.abs(a),         (lambda xp, g, out, a: g * xp.sign(a),), "abs"),  # NOTE: 0 at 0
    Op("tanh",    lambda xp, a: xp.tanh(a),        (lambda xp, g, out, a: g * (1 - out * out),), "tanh"),
    Op("sigmoid", lambda xp, a: xp.sigmoid(a),     (lambda xp, g, out, a: g * out * (1 - out),), "sigmoid"),
    # NOTE: 0 at the kink; multiplying by the mask keeps inf*0 = nan, as micrograd does
    Op("relu",    lambda xp, a: xp.relu(a),        (lambda xp, g, out, a: g * xp.positive(a),), "ReLU"),
    # NOTE: step's derivative is zero almost everywhere: it cannot be trained by gradients
    Op("step",    lambda xp, a: xp.step(a),        (lambda xp, g, out, a: g * 0,), "step"),
    Op("leaky_relu", lambda xp, a, s: xp.where(a > 0, a, a * s),
                                                   (lambda xp, g, out, a, s: g * (xp.gt(a, 0) * (1 - s) + s),),
                                                   "LeakyReLU", "LeakyReLU", "LeakyReLU({0})"),
    Op("softplus", lambda xp, a: xp.softplus(a),   (lambda xp, g, out, a: g * xp.sigmoid(a),), "softplus"),
    Op("erf",     lambda xp, a: xp.erf(a),         (lambda xp, g, out, a: g * _TWO_OVER_SQRT_PI * xp.exp(-a * a),),
                                                   "erf"),
    Op("gelu",    _gelu_fwd,                       (_gelu_vjp,), "GELU", "GELU", _gelu_label),
    Op("clip",    lambda xp, a, lo, hi: xp.clip(a, lo, hi),
                                                   (lambda xp, g, out, a, lo, hi: g * xp.between(a, lo, hi),),
                                                   "clip", "clip", "clip({0}, {1})"),
    Op("sin",     lambda xp, a: xp.sin(a),         (lambda xp, g, out, a: g * xp.cos(a),), "sin"),
    Op("cos",     lambda xp, a: xp.cos(a),         (lambda xp, g, out, a: -g * xp.sin(a),), "cos"),
    Op("maximum", lambda xp, a, b: xp.maximum(a, b), (lambda xp, g, out, a, b: g * xp.share(a, b),
                                                      lambda xp, g, out, a, b: g * xp.share(b, a)), "max"),
    Op("minimum", lambda xp, a, b: xp.minimum(a, b), (lambda xp, g, out, a, b: g * xp.share(b, a),
                                                      lambda xp, g, out, a, b: g * xp.share(a, b)), "min"),
    # NOTE: the identity, whose gradient passes through fn on its way back (a module's backward hook)
    Op("tap",     lambda xp, a, fn: a,             (lambda xp, g, out, a, fn: fn(g),), "tap", "hook"),
    # scalar engine only ---------------------------------------------------------
    Op("dot",     _dot_fwd,                        _dot_vjp, "dot", "w·x", _dot_label, SCALAR_ONLY, variadic=True,
                                                   steps=_dot_steps),
    # tensor engine only ---------------------------------------------------------
    Op("matmul",  lambda xp, a, b: a @ b,          (matmul_vjp_a, matmul_vjp_b), "@", "@", "", TENSOR_ONLY),
    Op("sum",     lambda xp, a, axis, keepdims: xp.sum(a, axis, keepdims),
                                                   (_sum_vjp,), "sum", "sum", "sum(axis={0})", TENSOR_ONLY),
    Op("max",     lambda xp, a, axis, keepdims: xp.max(a, axis, keepdims),
                                                   (_extreme_vjp,), "max", "max", "max(axis={0})", TENSOR_ONLY),
    Op("min",     lambda xp, a, axis, keepdims: xp.min(a, axis, keepdims),
                                                   (_extreme_vjp,), "min", "min", "min(axis={0})", TENSOR_ONLY),
    Op("logsumexp", _logsumexp_fwd,                (_logsumexp_vjp,), "logsumexp", "logsumexp",
                                                   "logsumexp(axis={0})", TENSOR_ONLY),
    Op("reshape", lambda xp, a, shape: xp.reshape(a, shape),
                                                   (lambda xp, g, out, a, shape: xp.reshape(g, a.shape),),
                                                   "reshape", "reshape", "reshape {0}", TENSOR_ONLY),
    Op("transpose", lambda xp, a, axes: xp.transpose(a, axes),
                                                   (lambda xp, g, out, a, axes: xp.transpose(
                                                       g, xp.inverse_permutation(axes)),),
                                                   "transpose", "transpose", "transpose {0}", TENSOR_ONLY),
    Op("getitem", lambda xp, a, index: a[index],   (lambda xp, g, out, a, index: xp.scatter_add(a.shape, index, g),),
                                                   "[]", "[ ]", "[{0}]", TENSOR_ONLY),
    Op("where",   lambda xp, a, b, c: xp.where(c, a, b),
                                                   (lambda xp, g, out, a, b, c: xp.where(c, g, 0),
                                                    lambda xp, g, out, a, b, c: xp.where(c, 0, g)),
                                                   "where", "where", "", TENSOR_ONLY),
    Op("concatenate", _concatenate_fwd,            _concatenate_vjp, "concat", "concat", "concat(axis={0})",
                                                   TENSOR_ONLY, variadic=True, saves=()),
    Op("stack",   _stack_fwd,                      _stack_vjp, "stack", "stack", "stack(axis={0})",
                                                   TENSOR_ONLY, variadic=True, saves=()),
    # Python's % is PyTorch's remainder (the sign of the divisor), differentiable in both inputs
    Op("remainder", lambda xp, a, b: xp.remainder(a, b),
                                                   (lambda xp, g, out, a, b: g,
                                                    lambda xp, g, out, a, b: -g * xp.floor_divide(a, b)),
                                                   "%", "%", "% {0}", TENSOR_ONLY),
    Op("rremainder", lambda xp, a, c: xp.remainder(c, a),
                                                   (lambda xp, g, out, a, c: -g * xp.floor_divide(c, a),),
                                                   "%", "%", "{0} % x", TENSOR_ONLY),
    # NOTE: PyTorch records // but has no derivative for it: backward through it raises, as there
    Op("floor_divide", lambda xp, a, b: xp.floor_divide(a, b),
                                                   (lambda xp, g, out, a, b: xp.no_derivative("floor_divide"),
                                                    lambda xp, g, out, a, b: xp.no_derivative("floor_divide")),
                                                   "//", "//", "// {0}", TENSOR_ONLY),
    Op("rfloor_divide", lambda xp, a, c: xp.floor_divide(c, a),
                                                   (lambda xp, g, out, a, c: xp.no_derivative("floor_divide"),),
                                                   "//", "//", "{0} // x", TENSOR_ONLY),
    Op("prod",    lambda xp, a, axis, keepdims: xp.prod(a, axis, keepdims),
                                                   (_prod_vjp,), "prod", "prod", "prod(dim={0})", TENSOR_ONLY),
    Op("cumsum",  lambda xp, a, axis: xp.cumsum(a, axis),
                                                   (lambda xp, g, out, a, axis: xp.flip(
                                                       xp.cumsum(xp.flip(g, axis), axis), axis),),
                                                   "cumsum", "cumsum", "cumsum(dim={0})", TENSOR_ONLY),
    Op("norm",    lambda xp, a, axis, keepdims: xp.sqrt(xp.sum(a * a, axis, keepdims)),
                                                   (_norm_vjp,), "norm", "‖x‖", "‖x‖(dim={0})", TENSOR_ONLY),
    # NOTE: expand's result is a read-only view; the engine sums the gradient back to the input's shape
    Op("expand",  lambda xp, a, shape: xp.broadcast_view(a, shape),
                                                   (lambda xp, g, out, a, shape: g,),
                                                   "expand", "expand", "expand {0}", TENSOR_ONLY),
    Op("repeat",  lambda xp, a, reps: xp.tile(a, reps),
                                                   (lambda xp, g, out, a, reps: xp.untile(g, a.shape, reps),),
                                                   "repeat", "repeat", "repeat {0}", TENSOR_ONLY),
    # a copy in new memory; order "K" keeps the layout (clone), "C" makes it row-major (contiguous)
    Op("clone",   lambda xp, a, order: xp.copy(a, order), (lambda xp, g, out, a, order: g,), "clone", "clone", "",
                                                   TENSOR_ONLY),
    # a change of float dtype (.float(), .double(), .to()); the gradient is cast back by the engine
    Op("cast",    lambda xp, a, dtype: xp.cast(a, dtype),
                                                   (lambda xp, g, out, a, dtype: g,), "cast", "cast", "to {0}",
                                                   TENSOR_ONLY),
    # in-place ops recorded on a tensor that requires grad (fill_/zero_, copy_, x[i] = v)
    Op("fill",    lambda xp, a, value: xp.full_like(a, value),
                                                   (lambda xp, g, out, a, value: xp.zeros_like(g),),
                                                   "fill", "fill", "fill {0}", TENSOR_ONLY),
    Op("copy",    lambda xp, a, b: xp.copy_into(a, b),
                                                   (lambda xp, g, out, a, b: xp.zeros_like(g),
                                                    lambda xp, g, out, a, b: g), "copy_", "copy_", "", TENSOR_ONLY),
    Op("setitem", lambda xp, a, v, index: xp.setitem(a, index, v),
                                                   (lambda xp, g, out, a, v, index: xp.setitem(g, index, 0),
                                                    lambda xp, g, out, a, v, index: g[index]),
                                                   "[]=", "[ ]=", "[{1}] =", TENSOR_ONLY),
    # the rows the rules themselves use, so that a rule's result can be differentiated again
    # (gradients of gradients): each pair undoes the other, as tinygrad pairs EXPAND with REDUCE
    Op("broadcast_to", lambda xp, a, shape: xp.broadcast_to(a, shape),
                                                   (lambda xp, g, out, a, shape: xp.sum_to(g, a.shape),),
                                                   "broadcast", "broadcast", "broadcast to {0}", TENSOR_ONLY),
    Op("sum_to",  lambda xp, a, shape: xp.sum_to(a, shape),  # NOTE: broadcasting undone (an input's gradient)
                                                   (lambda xp, g, out, a, shape: xp.broadcast_to(g, a.shape),),
                                                   "sum_to", "sum to", "sum to {0}", TENSOR_ONLY),
    Op("scatter_add", lambda xp, a, shape, index: xp.scatter_add(shape, index, a),  # zeros, a added at index
                                                   (lambda xp, g, out, a, shape, index: g[index],),
                                                   "scatter_add", "scatter", "scatter into {0}", TENSOR_ONLY),
]
# fmt: on

OPS: dict[str, Op] = {op.name: op for op in _ROWS}
"""Every primitive by name."""


# --------------------------------------------------------------------------
# Ops defined outside the table, micrograd's way: a node with its own _backward.
# --------------------------------------------------------------------------

CUSTOM = "custom"
"""The name of every row made by :func:`custom`."""


def _no_forward(xp: Any, *inputs: Any) -> Any:
    raise TypeError("a custom op has no forward in the table: its node's data was computed by the code that made it")


def _no_backward() -> None:
    """micrograd's default ``_backward``: passes no gradient on."""


@functools.lru_cache(maxsize=256)
def _shared(symbol: str) -> Op:
    return Op(CUSTOM, _no_forward, _no_backward, symbol, symbol or "custom op", variadic=True)


def custom(symbol: str = "", backward: Callable[[], None] | None = None) -> Op:
    """The row of one node whose derivative is its own ``_backward`` function, as in micrograd.

    ``Value(data, (a, b), "op")`` gives its node such a row, and assigning
    ``node._backward = fn`` gives it one holding ``fn``: a function of no
    arguments that adds the node's ``grad`` times its local derivatives into
    its parents' ``grad``.  The row's ``vjp`` is that function; ``symbol`` is
    micrograd's ``_op`` string, which drawings show.  Rows without a function
    are shared; a row with one belongs to its node.

    Examples
    --------
    >>> row = custom("double", lambda: None)
    >>> row.name, row.symbol, row.short, row.variadic
    ('custom', 'double', 'double', True)
    >>> custom("sq") is custom("sq")      # no function: one shared row, whose vjp does nothing
    True
    """
    if backward is None:
        return _shared(str(symbol))
    return Op(CUSTOM, _no_forward, backward, str(symbol), str(symbol) or "custom op", variadic=True)
