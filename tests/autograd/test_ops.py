"""Every row of the table of primitives against central differences.

The tests are driven by :data:`autograd.ops.OPS`: each is parametrized over the
table's rows, so a new row is picked up with no edit here.  A row that works on
floats (``engines`` holds both engines, and ``dot``) is checked on the Value
engine with scalars and on the Tensor engine with broadcast shapes; a
Tensor-only row has a generator of its own in :data:`TENSOR_CASES`.

A Tensor row is checked along random directions: with ``v`` a random cotangent
for the output and ``u`` a random direction for one input,
``sum(grad * u)`` must equal ``(F(x + eps*u) - F(x - eps*u)) / (2*eps)`` with
``F = sum(f(x) * v)``: one dot product checks the whole Jacobian.

Inputs are drawn away from kinks and singularities (0 for relu/abs/step/log/
sqrt/division, the bounds of clip, ties of maximum/minimum/max/min, negative
bases of pow), so central differences are accurate there.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
import autograd.ops as ops_module
from autograd import Tensor, Value, no_grad
from autograd.hooks import tap
from autograd.ops import BOTH, OPS
from autograd.tensor import apply_op
from tests.engines import Engine

EPS = 1e-6
ATOL = 1e-6
RTOL = 1e-5


# ---------------------------------------------------------------------------
# Element domains: strategies for the numbers a row is checked at.
# ---------------------------------------------------------------------------


def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


REAL = _floats(-3.0, 3.0)
WIDE = _floats(-6.0, 6.0)
POSITIVE = _floats(0.2, 3.0)  # log, sqrt, the base of a**b: away from 0
NONZERO = _floats(0.2, 3.0) | _floats(-3.0, -0.2)  # kinks at 0, denominators
EXPONENT = _floats(-2.0, 2.0)
SLOPE = _floats(0.0, 0.5)


def _grid(offset: float) -> st.SearchStrategy[float]:
    """Numbers in [k + offset, k + offset + 0.1] for a random integer k in [-3, 3]."""
    return REAL.map(lambda x: math.floor(x) + offset + 0.1 * (x - math.floor(x)))


# maximum/minimum: a from LOW_GRID and b from HIGH_GRID differ by at least 0.4,
# and either can be the larger one.
LOW_GRID = _grid(0.25)
HIGH_GRID = _grid(0.75)


class Case(NamedTuple):
    """What a row is checked at: one element domain per node input, and the constants."""

    domains: list[st.SearchStrategy[float]]
    consts: tuple[Any, ...] = ()


def _nodes(*domains: st.SearchStrategy[float]) -> Callable[[Any], Case]:
    return lambda draw: Case(list(domains))


def _with_const(domain: st.SearchStrategy[float], const: st.SearchStrategy[Any]) -> Callable[[Any], Case]:
    return lambda draw: Case([domain], (draw(const),))


def _clip_case(draw: Any) -> Case:
    lo = draw(_floats(-2.0, 0.5))
    hi = lo + draw(_floats(0.5, 2.5))
    u = _floats(0.0, 1.0)
    # below, inside or above [lo, hi], at least 0.1 away from both bounds
    domain = st.one_of(
        u.map(lambda t: lo - 0.1 - 2.0 * t),
        u.map(lambda t: lo + 0.1 + t * (hi - lo - 0.2)),
        u.map(lambda t: hi + 0.1 + 2.0 * t),
    )
    return Case([domain], (lo, hi))


def _erf_ref(x: Any) -> Any:
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _gelu_ref(x: Any, approximate: str) -> Any:
    if approximate == "tanh":  # Hendrycks & Gimpel's tanh approximation (PyTorch's GELU(approximate="tanh"))
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1.0 + _erf_ref(x / math.sqrt(2.0)))  # x·Φ(x), PyTorch's default


class Row(NamedTuple):
    """How a row is reached through the public API, its reference forward, and where it is checked."""

    api: Callable[..., Any]  # (*nodes, *consts) -> node made by this row
    ref: Callable[..., Any]  # (*arrays, *consts) -> expected forward, computed with numpy
    case: Callable[[Any], Case]  # draw -> Case


# One entry per row that works on both engines (engines == BOTH).  `test_every_row_is_covered`
# fails for a row that has no entry here or in TENSOR_CASES.
ROWS: dict[str, Row] = {
    "add": Row(lambda a, b: a + b, np.add, _nodes(REAL, REAL)),
    "sub": Row(lambda a, b: a - b, np.subtract, _nodes(REAL, REAL)),
    "rsub": Row(lambda a, c: c - a, lambda a, c: c - a, _with_const(REAL, REAL)),
    "mul": Row(lambda a, b: a * b, np.multiply, _nodes(REAL, REAL)),
    "div": Row(lambda a, b: a / b, np.divide, _nodes(REAL, NONZERO)),
    "rdiv": Row(lambda a, c: c / a, lambda a, c: c / a, _with_const(NONZERO, REAL)),
    "neg": Row(lambda a: -a, np.negative, _nodes(REAL)),
    "pow": Row(lambda a, b: a**b, np.power, _nodes(POSITIVE, EXPONENT)),
    "rpow": Row(lambda a, c: c**a, lambda a, c: np.power(c, a), _with_const(EXPONENT, POSITIVE)),
    "exp": Row(lambda a: a.exp(), np.exp, _nodes(REAL)),
    "log": Row(lambda a: a.log(), np.log, _nodes(POSITIVE)),
    "sqrt": Row(lambda a: a.sqrt(), np.sqrt, _nodes(POSITIVE)),
    "abs": Row(lambda a: abs(a), np.abs, _nodes(NONZERO)),
    "tanh": Row(lambda a: a.tanh(), np.tanh, _nodes(REAL)),
    "sigmoid": Row(lambda a: a.sigmoid(), lambda a: 1.0 / (1.0 + np.exp(-a)), _nodes(WIDE)),
    "relu": Row(lambda a: a.relu(), lambda a: np.maximum(a, 0.0), _nodes(NONZERO)),
    "step": Row(lambda a: a.step(), lambda a: np.where(a > 0, 1.0, 0.0), _nodes(NONZERO)),
    "leaky_relu": Row(
        lambda a, s: a.leaky_relu(s), lambda a, s: np.where(a > 0, a, s * a), _with_const(NONZERO, SLOPE)
    ),
    "softplus": Row(lambda a: a.softplus(), lambda a: np.logaddexp(0.0, a), _nodes(WIDE)),
    "erf": Row(lambda a: a.erf(), _erf_ref, _nodes(WIDE)),
    "gelu": Row(lambda a, k: a.gelu(k), _gelu_ref, _with_const(REAL, st.sampled_from(["none", "tanh"]))),
    "clip": Row(lambda a, lo, hi: a.clip(lo, hi), np.clip, _clip_case),
    "sin": Row(ag.sin, np.sin, _nodes(WIDE)),
    "cos": Row(ag.cos, np.cos, _nodes(WIDE)),
    "maximum": Row(ag.maximum, np.maximum, _nodes(LOW_GRID, HIGH_GRID)),
    "minimum": Row(ag.minimum, np.minimum, _nodes(HIGH_GRID, LOW_GRID)),
    "tap": Row(lambda a: tap(a, lambda g: g * 1.0), lambda a: a, _nodes(REAL)),
}


def _row(name: str) -> Row:
    """The entry for ``name``, or a generic one for a unary row added to the table but not here.

    The generic entry applies the row through the engines' unary hook and
    checks only its derivative (no reference forward); the coverage test still
    fails until the row gets an entry.
    """
    if name in ROWS:
        return ROWS[name]
    op = OPS[name]
    n_inputs = len(inspect.signature(op.fwd).parameters) - 1
    if op.variadic or n_inputs != 1 or len(op.vjp) != 1:
        pytest.fail(f"row {name!r} is not a plain unary row: add it to ROWS with a Case")
    return Row(lambda node: node._unary(op), None, _nodes(POSITIVE))


def _message(name: str, engine: str, inputs: Any, consts: Any, which: int, analytic: Any, numeric: Any) -> str:
    return (
        f"{engine} row {name!r}: derivative for input {which} is {analytic!r}, central differences give "
        f"{numeric!r}\n  inputs: {inputs!r}\n  constants: {consts!r}"
    )


def _close(analytic: float, numeric: float) -> bool:
    return abs(analytic - numeric) <= ATOL + RTOL * abs(numeric)


# ---------------------------------------------------------------------------
# Value engine: every row that works on floats, with scalars.
# ---------------------------------------------------------------------------

SCALAR_ROWS = [name for name, op in OPS.items() if op.engines == BOTH]


@pytest.mark.parametrize("name", SCALAR_ROWS)
@given(data=st.data())
def test_row_on_value_engine(name: str, data: Any) -> None:
    row = _row(name)
    case = row.case(data.draw)
    xs = [data.draw(d, label=f"x{i}") for i, d in enumerate(case.domains)]
    leaves = [Value(x) for x in xs]
    out = row.api(*leaves, *case.consts)
    assert isinstance(out, Value)
    assert out.op is OPS[name], f"the public call made {out.op and out.op.name!r}, not row {name!r}"
    assert out._prev == tuple(leaves)
    if row.ref is not None:
        expected = float(row.ref(*[np.float64(x) for x in xs], *case.consts))
        assert math.isclose(out.data, expected, rel_tol=1e-12, abs_tol=1e-12), (
            f"Value row {name!r}: forward {out.data!r}, numpy gives {expected!r} at {xs!r}, {case.consts!r}"
        )
    out.backward()
    for i, x in enumerate(xs):
        analytic = leaves[i].grad
        assert type(analytic) is float, f"Value grads are Python floats, got {type(analytic).__name__}"

        def f(t: float, i: int = i) -> float:
            args = [Value(t if j == i else v) for j, v in enumerate(xs)]
            return row.api(*args, *case.consts).data

        numeric = (f(x + EPS) - f(x - EPS)) / (2 * EPS)
        assert _close(analytic, numeric), _message(name, "Value", xs, case.consts, i, analytic, numeric)


@given(n=st.integers(1, 5), data=st.data())
def test_dot_row_on_value_engine(n: int, data: Any) -> None:
    ws = [data.draw(REAL, label=f"w{i}") for i in range(n)]
    xs = [data.draw(REAL, label=f"x{i}") for i in range(n)]
    some = data.draw(st.lists(st.booleans(), min_size=n, max_size=n), label="which xs are Values (mixed)")
    for is_value in ([True] * n, [False] * n, some):
        wl = [Value(w) for w in ws]
        xl = [Value(x) if v else x for x, v in zip(xs, is_value)]
        out = ag.dot(wl, xl)
        assert out.op is OPS["dot"]
        assert math.isclose(out.data, float(np.dot(ws, xs)), rel_tol=1e-12, abs_tol=1e-12)
        out.backward()
        for k in range(n):
            for leaves, vals, which in ((wl, ws, "w"), (xl, xs, "x")):
                if which == "x" and not is_value[k]:
                    continue
                plus = list(vals)
                minus = list(vals)
                plus[k] += EPS
                minus[k] -= EPS
                pair = (plus, xs) if which == "w" else (ws, plus)
                pair_m = (minus, xs) if which == "w" else (ws, minus)
                numeric = (float(np.dot(*pair)) - float(np.dot(*pair_m))) / (2 * EPS)
                analytic = leaves[k].grad
                assert _close(analytic, numeric), _message(
                    "dot", "Value", (ws, xs), (), f"{which}{k}", analytic, numeric
                )
        if not any(is_value):
            assert out._prev == tuple(wl) and out._meta == tuple(xs)
        elif not all(is_value):  # the numbers became constant leaves, in place
            xs_nodes = out._prev[n:]
            assert [x.data for x in xs_nodes] == xs
            assert all(x.requires_grad == v for x, v in zip(xs_nodes, is_value))


# ---------------------------------------------------------------------------
# Tensor engine: shared checker along random directions.
# ---------------------------------------------------------------------------


def check_tensor_row(
    name: str,
    data: Any,
    inputs: list[np.ndarray],
    fn: Callable[..., Tensor],
    ref: Callable[..., Any] | None,
    consts: tuple[Any, ...] = (),
) -> None:
    """Run ``fn`` (a public call that must make row ``name``) and check forward and vjp."""
    leaves = [Tensor(x.copy(), requires_grad=True) for x in inputs]
    out = fn(*leaves)
    assert isinstance(out, Tensor)
    assert out.op is OPS[name], f"the public call made {out.op and out.op.name!r}, not row {name!r}"
    assert out.dtype == np.float64
    if ref is not None:
        expected = np.asarray(ref(*inputs), dtype=np.float64)
        assert out.shape == expected.shape, f"Tensor row {name!r}: shape {out.shape}, numpy gives {expected.shape}"
        np.testing.assert_allclose(
            out.data, expected, rtol=1e-12, atol=1e-12, err_msg=f"Tensor row {name!r} forward at {inputs!r} {consts!r}"
        )
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="direction seed"))
    v = rng.standard_normal(out.shape)
    out.backward(gradient=v)

    def F(xs: list[np.ndarray]) -> float:
        with no_grad():
            return float(np.sum(fn(*[Tensor(x) for x in xs]).data * v))

    for i, x in enumerate(inputs):
        g = leaves[i].grad
        assert g is not None, f"Tensor row {name!r}: input {i} got no gradient"
        assert g.shape == x.shape and g.dtype == np.float64, (
            f"Tensor row {name!r}: gradient of input {i} has shape {g.shape} {g.dtype}, input has {x.shape}"
        )
        u = rng.standard_normal(x.shape)
        plus = [y if j != i else y + EPS * u for j, y in enumerate(inputs)]
        minus = [y if j != i else y - EPS * u for j, y in enumerate(inputs)]
        numeric = (F(plus) - F(minus)) / (2 * EPS)
        analytic = float(np.sum(g * u))
        assert _close(analytic, numeric), _message(name, "Tensor", inputs, consts, i, analytic, numeric)


SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


@pytest.mark.parametrize("name", SCALAR_ROWS)
@given(data=st.data())
def test_row_on_tensor_engine_with_broadcasting(name: str, data: Any) -> None:
    row = _row(name)
    case = row.case(data.draw)
    k = len(case.domains)
    if k == 1:
        shapes = [data.draw(SHAPES, label="shape")]
    else:
        shapes = list(
            data.draw(
                hnp.mutually_broadcastable_shapes(num_shapes=k, min_dims=0, max_dims=3, max_side=3), label="shapes"
            ).input_shapes
        )
    inputs = [
        data.draw(hnp.arrays(np.float64, shape, elements=dom), label=f"x{i}")
        for i, (shape, dom) in enumerate(zip(shapes, case.domains))
    ]
    ref = None if row.ref is None else (lambda *xs: row.ref(*xs, *case.consts))
    check_tensor_row(name, data, inputs, lambda *ts: row.api(*ts, *case.consts), ref, case.consts)


# Constant operands: `x + 2.0`, `2.0 * x`, `x ** 3`, ... use the same rows with
# the number stored as a constant, so only the node's rule runs.
CONST_FORMS = {
    "x + c": ("add", lambda a, c: a + c, lambda a, c: a + c, REAL),
    "c + x": ("add", lambda a, c: c + a, lambda a, c: c + a, REAL),
    "x - c": ("sub", lambda a, c: a - c, lambda a, c: a - c, REAL),
    "x * c": ("mul", lambda a, c: a * c, lambda a, c: a * c, REAL),
    "c * x": ("mul", lambda a, c: c * a, lambda a, c: c * a, REAL),
    "x / c": ("div", lambda a, c: a / c, lambda a, c: a / c, NONZERO),
    "x ** c": ("pow", lambda a, c: a**c, lambda a, c: np.power(a, c), EXPONENT),
    "x ** 2 (negative base)": ("pow", lambda a, c: a**2, lambda a, c: a * a, REAL),
    "x ** 3 (negative base)": ("pow", lambda a, c: a**3, lambda a, c: a * a * a, REAL),
    "maximum(x, c)": ("maximum", lambda a, c: ag.maximum(a, c), np.maximum, REAL),
    "maximum(c, x)": ("maximum", lambda a, c: ag.maximum(c, a), lambda a, c: np.maximum(c, a), REAL),
    "minimum(x, c)": ("minimum", lambda a, c: ag.minimum(a, c), np.minimum, REAL),
}


@pytest.mark.parametrize("form", CONST_FORMS)
@given(data=st.data())
def test_constant_operand_forms(form: str, data: Any) -> None:
    name, api, ref, const_domain = CONST_FORMS[form]
    c = data.draw(const_domain, label="c")
    domain = POSITIVE if name == "pow" and "negative" not in form else REAL
    if name in ("maximum", "minimum"):
        domain = REAL.filter(lambda x: abs(x - c) > 0.1)
    # Value engine
    x = data.draw(domain, label="x")
    leaf = Value(x)
    out = api(leaf, c)
    assert out.op is OPS[name] and out._prev == (leaf,)
    assert math.isclose(out.data, float(ref(np.float64(x), c)), rel_tol=1e-12, abs_tol=1e-12)
    out.backward()
    numeric = (api(Value(x + EPS), c).data - api(Value(x - EPS), c).data) / (2 * EPS)
    assert _close(leaf.grad, numeric), _message(name, f"Value {form}", [x], (c,), 0, leaf.grad, numeric)
    # Tensor engine
    shape = data.draw(SHAPES, label="shape")
    arr = data.draw(hnp.arrays(np.float64, shape, elements=domain), label="array")
    check_tensor_row(name, data, [arr], lambda t: api(t, c), lambda a: ref(a, c), (c,))


# ---------------------------------------------------------------------------
# Tensor-only rows: a generator each.  A generator draws the inputs and returns
# (inputs, public call, numpy reference).
# ---------------------------------------------------------------------------


def _array(
    data: Any, shape: tuple[int, ...], elements: st.SearchStrategy[float] = REAL, label: str = "x"
) -> np.ndarray:
    return data.draw(hnp.arrays(np.float64, shape, elements=elements), label=label)


def _distinct(data: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Values without ties: a shuffled grid with gaps of at least 0.2, jittered."""
    n = int(np.prod(shape, dtype=np.int64))
    perm = np.array(data.draw(st.permutations(range(n)), label="order"), dtype=np.float64)
    jitter = np.array(data.draw(st.lists(_floats(0.0, 0.1), min_size=n, max_size=n), label="jitter"))
    return (0.3 * (perm - n / 2) + jitter).reshape(shape)


def _axis_arg(data: Any, ndim: int) -> Any:
    """None, an int (maybe negative) or a tuple of distinct axes (maybe empty, maybe negative)."""
    if ndim == 0:
        return None
    ints = st.integers(-ndim, ndim - 1)
    return data.draw(
        st.none() | ints | st.lists(ints, unique_by=lambda a: a % ndim, max_size=ndim).map(tuple), label="axis"
    )


def _matmul_case(data: Any) -> tuple:
    n, k, m, b = (data.draw(st.integers(1, 4), label=s) for s in "nkmb")
    kind = data.draw(
        st.sampled_from(
            [
                "1d@1d",
                "2d@1d",
                "1d@2d",
                "2d@2d",
                "batched@2d",
                "batched@batched",
                "broadcast batches",
                "1d@batched",
                "batched@1d",
            ]
        ),
        label="kind",
    )
    sa, sb = {
        "1d@1d": ((k,), (k,)),
        "2d@1d": ((n, k), (k,)),
        "1d@2d": ((k,), (k, m)),
        "2d@2d": ((n, k), (k, m)),
        "batched@2d": ((b, n, k), (k, m)),
        "batched@batched": ((b, n, k), (b, k, m)),
        "broadcast batches": ((1, b, n, k), (2, 1, k, m)),
        "1d@batched": ((k,), (b, k, m)),
        "batched@1d": ((b, n, k), (k,)),
    }[kind]
    return [_array(data, sa, label="a"), _array(data, sb, label="b")], lambda a, b: a @ b, np.matmul


def _reduction_case(name: str) -> Callable[[Any], tuple]:
    def case(data: Any) -> tuple:
        shape = data.draw(SHAPES, label="shape")
        axis = _axis_arg(data, len(shape))
        keepdims = data.draw(st.booleans(), label="keepdims")
        if name in ("max", "min"):
            x = _distinct(data, shape)
        elif name == "norm":  # away from the kink at 0
            x = _array(data, shape, NONZERO)
        else:
            x = _array(data, shape)
        if axis == ():
            axis = None  # PyTorch: an empty tuple of dims reduces them all (numpy: none)
        if name == "logsumexp":
            ref = lambda a: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))
        elif name == "norm":
            ref = lambda a: np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))
        else:
            ref = lambda a: getattr(np, name)(a, axis=axis, keepdims=keepdims)
        method = {"max": "amax", "min": "amin"}.get(name, name)  # max(dim) is PyTorch's (values, indices)
        if name == "norm":
            return [x], lambda t: t.norm(2, axis, keepdims), ref
        return [x], lambda t: getattr(t, method)(axis, keepdims), ref

    return case


def _reshape_case(data: Any) -> tuple:
    shape = data.draw(SHAPES, label="shape")
    n = int(np.prod(shape, dtype=np.int64))
    target = data.draw(
        st.sampled_from(
            [(n,), (-1,), (1, n), (n, 1, 1), tuple(reversed(shape)), (-1,) + shape[-1:], ()]
            if n == 1
            else [(n,), (-1,), (1, n), (n, 1, 1), tuple(reversed(shape)), (-1,) + shape[-1:]]
        ),
        label="target",
    )
    return [_array(data, shape)], lambda t: t.reshape(target), lambda a: np.reshape(a, target)


def _transpose_case(data: Any) -> tuple:
    shape = data.draw(SHAPES, label="shape")
    axes = data.draw(st.none() | st.permutations(range(len(shape))).map(tuple), label="axes")
    if axes is None:
        fn = lambda t: t.T
    elif len(shape) >= 2 and data.draw(st.booleans(), label="swap two dims"):
        d0, d1 = data.draw(st.permutations(range(len(shape))), label="dims")[:2]
        swapped = list(range(len(shape)))
        swapped[d0], swapped[d1] = d1, d0
        return [_array(data, shape)], lambda t: t.transpose(d0, d1), lambda a: np.swapaxes(a, d0, d1)
    else:
        fn = lambda t: t.permute(*axes)
    return [_array(data, shape)], fn, lambda a: np.transpose(a, axes)


def _getitem_case(data: Any) -> tuple:
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), label="shape")
    kind = data.draw(
        st.sampled_from(
            ["basic", "int array", "int array, 2 axes", "int array and slice", "mask", "mask on axis 0", "negative int"]
        ),
        label="kind",
    )
    if kind == "basic":
        index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True), label="index")
    elif kind == "negative int":
        index = data.draw(st.integers(-shape[0], -1), label="index")
    elif kind == "int array":
        ids = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=5), label="ids")
        index = ids + [ids[0]]  # a repeated index: its gradients must add up
    elif kind == "int array, 2 axes" and len(shape) >= 2:
        ids = data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=4), label="ids")
        jds = data.draw(st.lists(st.integers(0, shape[1] - 1), min_size=len(ids), max_size=len(ids)), label="jds")
        index = (np.array(ids + ids[:1]), np.array(jds + jds[:1]))
    elif kind == "int array and slice" and len(shape) >= 2:
        ids = data.draw(st.lists(st.integers(0, shape[1] - 1), min_size=1, max_size=4), label="ids")
        index = (slice(None), np.array(ids + ids))
    elif kind == "mask on axis 0":
        index = data.draw(hnp.arrays(np.bool_, shape[:1]), label="mask")
    else:
        index = data.draw(hnp.arrays(np.bool_, shape), label="mask")
    np_index = np.array(index) if isinstance(index, list) else index
    return [_array(data, shape)], lambda t: t[index], lambda a: a[np_index]


def _where_case(data: Any) -> tuple:
    shapes = data.draw(
        hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3), label="shapes"
    )
    sc, sa, sb = shapes.input_shapes
    cond = data.draw(hnp.arrays(np.bool_, sc), label="condition")
    return (
        [_array(data, sa, label="a"), _array(data, sb, label="b")],
        lambda a, b: ag.where(cond, a, b),
        lambda a, b: np.where(cond, a, b),
    )


def _concatenate_case(data: Any) -> tuple:
    shape = list(data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), label="shape"))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    k = data.draw(st.integers(1, 3), label="count")
    arrays = []
    for i in range(k):
        s = list(shape)
        s[axis] = data.draw(st.integers(1, 3), label=f"length {i}")
        arrays.append(_array(data, tuple(s), label=f"x{i}"))
    return arrays, lambda *ts: ag.concatenate(ts, axis=axis), lambda *xs: np.concatenate(xs, axis=axis)


def _stack_case(data: Any) -> tuple:
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3), label="shape")
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    k = data.draw(st.integers(1, 3), label="count")
    arrays = [_array(data, shape, label=f"x{i}") for i in range(k)]
    return arrays, lambda *ts: ag.stack(ts, axis=axis), lambda *xs: np.stack(xs, axis=axis)


def _remainder_case(data: Any) -> tuple:
    shape = data.draw(SHAPES, label="shape")
    b = _array(data, shape, NONZERO, "b")
    # a = b * (k + f), f in [0.2, 0.8]: a / b is away from the integers where % jumps
    k = _array(data, shape, st.integers(-3, 3).map(float), "k")
    f = _array(data, shape, _floats(0.2, 0.8), "f")
    return [b * (k + f), b], lambda x, y: x % y, np.remainder


def _rremainder_case(data: Any) -> tuple:
    shape = data.draw(SHAPES, label="shape")
    c = data.draw(_floats(0.3, 0.7), label="c")
    # c % x with x in [1, 3]: c < x, so c % x = c and the derivative is -floor(c / x) = 0 ...
    # ... and with x in [-3, -1]: c % x = c + x, derivative 1
    x = _array(data, shape, _floats(1.0, 3.0) | _floats(-3.0, -1.0))
    return [x], lambda t: c % t, lambda a: np.remainder(c, a)


def _floor_divide_case(data: Any) -> tuple:
    shape = data.draw(SHAPES, label="shape")
    return [_array(data, shape), _array(data, shape, NONZERO, "b")], lambda a, b: a // b, np.floor_divide


def _rfloor_divide_case(data: Any) -> tuple:
    shape = data.draw(SHAPES, label="shape")
    return [_array(data, shape, NONZERO)], lambda t: 7.0 // t, lambda a: np.floor_divide(7.0, a)


def _prod_case(data: Any) -> tuple:
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3), label="shape")
    axis = data.draw(st.none() | st.integers(-max(len(shape), 1), max(len(shape), 1) - 1), label="axis")
    if len(shape) == 0:
        axis = None
    keepdims = data.draw(st.booleans(), label="keepdims")
    x = _array(data, shape, NONZERO)
    return [x], lambda t: t.prod(axis, keepdims), lambda a: np.prod(a, axis=axis, keepdims=keepdims)


def _cumsum_case(data: Any) -> tuple:
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), label="shape")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    return [_array(data, shape)], lambda t: t.cumsum(axis), lambda a: np.cumsum(a, axis=axis)


def _expand_case(data: Any) -> tuple:
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3), label="shape")
    lead = data.draw(st.lists(st.integers(1, 3), max_size=2), label="new leading sizes")
    target = tuple(lead) + tuple(
        data.draw(st.integers(1, 3), label=f"size {i}") if n == 1 else n for i, n in enumerate(shape)
    )
    sizes = tuple(lead) + tuple(
        -1 if n != 1 and data.draw(st.booleans(), label=f"-1 at {i}") else m
        for i, (n, m) in enumerate(zip(shape, target[len(lead) :]))
    )
    return [_array(data, shape)], lambda t: t.expand(*sizes), lambda a: np.broadcast_to(a, target)


def _repeat_case(data: Any) -> tuple:
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3), label="shape")
    reps = tuple(data.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape) + 2), label="reps"))
    return [_array(data, shape)], lambda t: t.repeat(*reps), lambda a: np.tile(a, reps)


def _clone_case(data: Any) -> tuple:
    return [_array(data, data.draw(SHAPES, label="shape"))], lambda t: t.clone(), np.copy


def _cast_case(data: Any) -> tuple:
    # float64 -> longdouble -> float64: the outer cast is checked, in full precision
    return (
        [_array(data, data.draw(SHAPES, label="shape"))],
        lambda t: t.to(np.longdouble).double(),
        lambda a: a,
    )


def _fill_case(data: Any) -> tuple:
    c = data.draw(REAL, label="value")
    return (
        [_array(data, data.draw(SHAPES, label="shape"))],
        lambda t: t.clone().fill_(c),
        lambda a: np.full_like(a, c),
    )


def _copy_case(data: Any) -> tuple:
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=3, max_side=3), label="shapes")
    target, (src_shape,) = shapes.result_shape, shapes.input_shapes
    return (
        [_array(data, target, label="a"), _array(data, src_shape, label="src")],
        lambda a, b: a.clone().copy_(b),
        lambda a, b: np.broadcast_to(b, a.shape).copy(),
    )


def _setitem_case(data: Any) -> tuple:
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), label="shape")
    kind = data.draw(st.sampled_from(["basic", "int array", "mask"]), label="kind")
    if kind == "basic":
        index = data.draw(hnp.basic_indices(shape, allow_ellipsis=True), label="index")
    elif kind == "int array":  # distinct indices: with repeats, which write wins is not defined (PyTorch too)
        index = np.array(data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, unique=True), label="ids"))
    else:
        index = data.draw(hnp.arrays(np.bool_, shape), label="mask")
    selected = np.zeros(shape)[index].shape
    if 0 in selected:  # nothing selected: a value of that empty shape
        vshape = selected
    else:
        k = data.draw(st.integers(0, len(selected)), label="value dims")
        ones = data.draw(st.lists(st.booleans(), min_size=k, max_size=k), label="size-1 dims")
        vshape = tuple(1 if one else n for one, n in zip(ones, selected[len(selected) - k :]))

    def fn(a: Tensor, v: Tensor) -> Tensor:
        out = a.clone()
        out[index] = v
        return out

    def ref(a: np.ndarray, v: np.ndarray) -> np.ndarray:
        out = a.copy()
        out[index] = v
        return out

    return [_array(data, shape, label="a"), _array(data, vshape, label="v")], fn, ref


# rows PyTorch records but cannot differentiate: forward checked, backward must raise
NO_DERIVATIVE = {"floor_divide", "rfloor_divide"}


def _reduced_shape(data: Any, big: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts to ``big``: some leading axes dropped, some axes set to 1."""
    lead = data.draw(st.integers(0, len(big)), label="dropped leading axes")
    ones = data.draw(st.lists(st.booleans(), min_size=len(big), max_size=len(big)), label="axes set to 1")
    return tuple(1 if one else n for one, n in zip(ones[lead:], big[lead:]))


def _broadcast_to_case(data: Any) -> tuple:
    big = data.draw(SHAPES, label="target")
    small = _reduced_shape(data, big)
    fn = lambda t: apply_op(OPS["broadcast_to"], (t,), (big,))
    return [_array(data, small)], fn, lambda a: np.broadcast_to(a, big)


def _sum_to_case(data: Any) -> tuple:
    big = data.draw(SHAPES, label="input shape")
    small = _reduced_shape(data, big)

    def ref(a: np.ndarray) -> np.ndarray:
        lead = a.ndim - len(small)
        out = a.sum(axis=tuple(range(lead))) if lead else a
        axes = tuple(i for i, n in enumerate(small) if n == 1 and out.shape[i] != 1)
        return out.sum(axis=axes, keepdims=True) if axes else out

    return [_array(data, big)], lambda t: apply_op(OPS["sum_to"], (t,), (small,)), ref


def _scatter_add_case(data: Any) -> tuple:
    (x,), get, _ = _getitem_case(data)  # an index of every kind getitem takes, into an array of x's shape
    index = get(Tensor(x, requires_grad=True))._meta[0]
    shape = x.shape

    def ref(g: np.ndarray) -> np.ndarray:
        z = np.zeros(shape)
        np.add.at(z, index, g)
        return z

    g = _array(data, x[index].shape, label="g")
    return [g], lambda t: apply_op(OPS["scatter_add"], (t,), (shape, index)), ref


TENSOR_CASES: dict[str, Callable[[Any], tuple]] = {
    "matmul": _matmul_case,
    "sum": _reduction_case("sum"),
    "max": _reduction_case("max"),
    "min": _reduction_case("min"),
    "logsumexp": _reduction_case("logsumexp"),
    "reshape": _reshape_case,
    "transpose": _transpose_case,
    "getitem": _getitem_case,
    "where": _where_case,
    "concatenate": _concatenate_case,
    "stack": _stack_case,
    "remainder": _remainder_case,
    "rremainder": _rremainder_case,
    "floor_divide": _floor_divide_case,
    "rfloor_divide": _rfloor_divide_case,
    "prod": _prod_case,
    "cumsum": _cumsum_case,
    "norm": _reduction_case("norm"),
    "expand": _expand_case,
    "repeat": _repeat_case,
    "clone": _clone_case,
    "cast": _cast_case,
    "fill": _fill_case,
    "copy": _copy_case,
    "setitem": _setitem_case,
    "broadcast_to": _broadcast_to_case,
    "sum_to": _sum_to_case,
    "scatter_add": _scatter_add_case,
}

TENSOR_ONLY_ROWS = [name for name, op in OPS.items() if op.engines == {"tensor"}]


@pytest.mark.parametrize("name", TENSOR_ONLY_ROWS)
@given(data=st.data())
def test_tensor_only_row(name: str, data: Any) -> None:
    if name not in TENSOR_CASES:
        pytest.fail(f"row {name!r} is not elementwise: add a generator for it to TENSOR_CASES")
    inputs, fn, ref = TENSOR_CASES[name](data)
    if name in NO_DERIVATIVE:
        leaves = [Tensor(x, requires_grad=True) for x in inputs]
        out = fn(*leaves)
        assert out.op is OPS[name] and out.requires_grad
        np.testing.assert_array_equal(out.data, ref(*inputs))
        with pytest.raises(RuntimeError, match=r"derivative for floor_divide is not implemented"):
            out.sum().backward()
        return
    check_tensor_row(name, data, inputs, fn, ref)


# ---------------------------------------------------------------------------
# The table itself.
# ---------------------------------------------------------------------------


def test_every_row_is_covered() -> None:
    tested = set(SCALAR_ROWS) | set(TENSOR_ONLY_ROWS) | {"dot"}
    assert tested == set(OPS)
    missing = [n for n in OPS if n not in ROWS and n not in TENSOR_CASES and n != "dot"]
    assert not missing, f"rows without a test case (add to ROWS or TENSOR_CASES): {missing}"
    assert set(ROWS) <= set(SCALAR_ROWS), "ROWS holds only rows that work on both engines"
    assert {name for name, op in OPS.items() if op.engines == {"scalar"}} == {"dot"}


@pytest.mark.parametrize("name", list(OPS))
def test_row_is_well_formed(name: str) -> None:
    op = OPS[name]
    assert op.name == name
    assert callable(op.fwd)
    if op.variadic:
        assert callable(op.vjp)
    else:
        assert isinstance(op.vjp, tuple) and op.vjp and all(callable(r) for r in op.vjp)
        # every differentiable input has a rule, and rules take (xp, g, out, *inputs)
        n_inputs = len(inspect.signature(op.fwd).parameters) - 1
        assert len(op.vjp) <= n_inputs
        for rule in op.vjp:
            assert len(inspect.signature(rule).parameters) == n_inputs + 3
    assert op.engines and op.engines <= {"scalar", "tensor"}
    assert isinstance(op.text((), 1), str) and op.text((), 1)


# Names a forward or a rule must not use: they speak only operators and ``xp``.
FORBIDDEN = {"np", "numpy", "math", "isinstance", "type", "float", "int"}


def _names_used(fn: Any, seen: set[Any]) -> set[str]:
    """The global and attribute names ``fn`` uses, following the table's own helper functions."""
    if fn in seen:
        return set()
    seen.add(fn)
    code = fn.__code__
    names = set(code.co_names)
    for const in code.co_consts:  # nested lambdas and comprehensions
        if hasattr(const, "co_names"):
            names |= set(const.co_names)
    for name in list(names):
        helper = vars(ops_module).get(name)
        if inspect.isfunction(helper):
            names |= _names_used(helper, seen)
    return names


@pytest.mark.parametrize("name", list(OPS))
def test_row_speaks_only_operators_and_xp(name: str) -> None:
    op = OPS[name]
    fns = [op.fwd] + ([op.vjp] if op.variadic else list(op.vjp))
    for fn in fns:
        bad = _names_used(fn, set()) & FORBIDDEN
        assert not bad, f"row {name!r}: {fn.__name__} uses {sorted(bad)}; use operators and xp.* only"


def test_the_row_says_how_a_drawing_shows_it() -> None:
    assert OPS["mul"].text((2.0,), 1) == "× 2"
    assert OPS["rsub"].text((1.5,), 1) == "1.5 − x"
    assert OPS["pow"].text((3,), 1) == "** 3"
    assert OPS["sum"].text((None, False), 1) == "sum"
    assert OPS["sum"].text(((0, 1), True), 1) == "sum(axis=(0, 1))"
    assert OPS["clip"].text((-1.0, 1.0), 1) == "clip(-1, 1)"
    assert OPS["dot"].text((), 6) == "w·x (3 terms)"
    assert OPS["dot"].text((1.0, 2.0), 2) == "w·x (2 terms)"
    assert OPS["getitem"].text((slice(1, 2),), 1) == "[slice(1, 2, None)]"
    assert OPS["tanh"].text((), 1) == "tanh" and OPS["neg"].text((), 1) == "−x"


def test_pow_gradients_at_a_zero_base_or_exponent_are_pytorchs(engine: Engine) -> None:
    """PyTorch gives 0 where the formulas give 0 * inf: d(x**0)/dx at 0, d(0**y)/dy for y >= 0."""

    def leaf(v: float) -> Any:
        return Value(v) if engine.name == "scalar" else Tensor(np.array([v]), requires_grad=True)

    def grad(node: Any) -> float:
        return float(np.asarray(node.grad).ravel()[0])

    def run(f: Callable[..., Any], *xs: Any) -> None:
        out = f(*xs)
        (out if engine.name == "scalar" else out.sum()).backward()

    x = leaf(0.0)
    run(lambda x: x**0, x)
    assert grad(x) == 0.0  # was nan
    x, y = leaf(0.0), leaf(0.0)
    run(lambda x, y: x**y, x, y)
    assert (grad(x), grad(y)) == (0.0, 0.0)  # was nan, -inf
    y = leaf(2.0)
    run(lambda y: 0.0**y, y)
    assert grad(y) == 0.0  # was nan
    x, y = leaf(0.0), leaf(-1.0)
    run(lambda x, y: x**y, x, y)
    assert grad(y) == -math.inf  # inf * log(0): PyTorch keeps it, as here
    x, y = leaf(2.0), leaf(3.0)  # away from zero nothing changes
    run(lambda x, y: x**y, x, y)
    assert grad(x) == 12.0 and math.isclose(grad(y), 8 * math.log(2.0), rel_tol=1e-15)


@given(
    st.sampled_from([np.float32, np.float64]),
    st.integers(1, 9),
    st.integers(1, 9),
    st.integers(1, 9),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_array_matmul_gives_the_values_of_the_operator(
    dtype: Any, n: int, k: int, m: int, flip: bool, seed: int
) -> None:
    # ARRAY.matmul takes np.dot for two float matrices of one dtype: the values must be those of @
    from autograd.xp import ARRAY

    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, k)).astype(dtype)
    b = rng.standard_normal((m, k)).astype(dtype).T if flip else rng.standard_normal((k, m)).astype(dtype)
    got = ARRAY.matmul(a, b)
    assert got.dtype == dtype and got.shape == (n, m)
    assert np.array_equal(got, a @ b)


def test_array_matmul_falls_back_to_the_operator() -> None:
    from autograd.xp import ARRAY

    ints = np.arange(6).reshape(2, 3)
    assert ARRAY.matmul(ints, ints.T).tolist() == (ints @ ints.T).tolist()
    batch = np.ones((2, 3, 4), dtype=np.float32)
    assert ARRAY.matmul(batch, np.ones((4, 5), dtype=np.float32)).shape == (2, 3, 5)
    assert ARRAY.matmul(np.ones((2, 3), np.float32), np.ones((3, 2))).dtype == np.float64  # mixed: numpy's rules
    with pytest.raises(ValueError, match="matmul"):  # numpy's own message for a shape mismatch
        ARRAY.matmul(np.ones((2, 3)), np.ones((2, 3)))
