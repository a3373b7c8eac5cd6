"""Every row of the table differentiated twice: grad of grad against central differences of the first-order gradient.

A recorded backward pass (``create_graph=True``) runs each row's rules on graph
nodes, so the gradient ``g(x)`` is itself a graph.  For random directions ``u``
(over the gradient) and ``w`` (over the inputs), the derivative of
``<g(x), u>`` along ``w``, computed by differentiating the recorded gradient,
must equal ``(G(x + eps*w) - G(x - eps*w)) / (2*eps)`` with
``G(x) = <g(x), u>`` and ``g`` computed by the ordinary first-order backward.
One dot product checks the whole Hessian, mixed partials included.

The rows, their inputs and their domains are those of ``test_ops.py`` (so a new
row is checked here too); elementwise rows run on both engines, the Tensor
engine with broadcast shapes (so the recorded un-broadcasting is checked as
well).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd import Tensor, Value
from autograd.gradients import gradients
from autograd.ops import BOTH, OPS
from tests.autograd.test_ops import CONST_FORMS, POSITIVE, ROWS, SHAPES, TENSOR_CASES, Case, Row

EPS = 1e-6
ATOL = 1e-6
RTOL = 1e-5

SCALAR_ROWS = [name for name, op in OPS.items() if op.engines == BOTH]
TENSOR_ONLY_ROWS = [name for name, op in OPS.items() if op.engines == {"tensor"}]


def _entry(name: str) -> Row:
    if name in ROWS:
        return ROWS[name]
    op = OPS[name]  # a unary row added to the table without an entry (test_ops fails for it)
    n_inputs = len(inspect.signature(op.fwd).parameters) - 1
    if op.variadic or n_inputs != 1:
        pytest.fail(f"row {name!r} has no entry in test_ops.ROWS")
    return Row(lambda node: node._unary(op), None, lambda draw: Case([POSITIVE]))


def _close(analytic: float, numeric: float) -> bool:
    return abs(analytic - numeric) <= ATOL + RTOL * abs(numeric)


def _message(name: str, engine: str, inputs: Any, analytic: Any, numeric: Any) -> str:
    return (
        f"{engine} row {name!r}: second derivative along the directions is {analytic!r}, central differences "
        f"of the first derivative give {numeric!r}\n  inputs: {inputs!r}"
    )


def _plain_grads(fn: Callable[..., Any], xs: list[Any], cotangent: Any, scalar: bool) -> list[Any]:
    """First-order gradients of ``<fn(xs), cotangent>`` by the ordinary backward (no graph recorded)."""
    leaves = [Value(x) for x in xs] if scalar else [Tensor(x.copy(), requires_grad=True) for x in xs]
    out = fn(*leaves)
    if out.requires_grad:
        out.backward(cotangent)
    zero = 0.0 if scalar else None
    return [(leaf.grad if leaf.grad is not zero else (0.0 if scalar else np.zeros_like(leaf.data))) for leaf in leaves]


def check_second_order(
    name: str, data: Any, fn: Callable[..., Any], xs: list[Any], scalar: bool, row: Any = None
) -> None:
    """Check row ``name`` (reached by ``fn``) twice differentiated at ``xs`` along random directions."""
    if name == "pow" and len(xs) == 2:
        # NOTE: at an exponent of exactly 0, d/da is set to 0 (PyTorch's value, where the formula
        # gives 0 * a**-1): the first derivative is not differentiable in b there
        assume(np.all(np.asarray(xs[1]) != 0))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="direction seed"))
    leaves = [Value(x) for x in xs] if scalar else [Tensor(x.copy(), requires_grad=True) for x in xs]
    out = fn(*leaves)
    assert out.op is OPS[name if row is None else row], f"the public call made {out.op and out.op.name!r}"
    v = 1.0 if scalar else rng.standard_normal(out.shape)
    gs = gradients(out, leaves, grad_outputs=v, create_graph=True, allow_unused=True)
    # the recorded first derivative is the first derivative
    plain = _plain_grads(fn, xs, v, scalar)
    for k, (g, p) in enumerate(zip(gs, plain)):
        got = 0.0 if g is None else g.data
        np.testing.assert_allclose(got, p, rtol=1e-12, atol=1e-12, err_msg=f"{name}: recorded gradient {k}")
    u = [float(rng.standard_normal()) if scalar else rng.standard_normal(np.shape(x)) for x in xs]
    w = [float(rng.standard_normal()) if scalar else rng.standard_normal(np.shape(x)) for x in xs]
    terms = [(g * uk if scalar else (g * Tensor(uk)).sum()) for g, uk in zip(gs, u) if g is not None]
    s = terms[0]
    for t in terms[1:]:
        s = s + t
    if s.requires_grad:
        hs = gradients(s, leaves, allow_unused=True)
        analytic = sum(float(np.sum((0.0 if h is None else h.data) * wk)) for h, wk in zip(hs, w))
    else:  # the gradient is constant: every second derivative is 0
        analytic = 0.0

    def G(ys: list[Any]) -> float:
        return sum(float(np.sum(g * uk)) for g, uk in zip(_plain_grads(fn, ys, v, scalar), u))

    plus = [x + EPS * wk for x, wk in zip(xs, w)]
    minus = [x - EPS * wk for x, wk in zip(xs, w)]
    numeric = (G(plus) - G(minus)) / (2 * EPS)
    assert _close(analytic, numeric), _message(name, "Value" if scalar else "Tensor", xs, analytic, numeric)


@pytest.mark.parametrize("name", SCALAR_ROWS)
@given(data=st.data())
def test_row_twice_on_value_engine(name: str, data: Any) -> None:
    row = _entry(name)
    case = row.case(data.draw)
    xs = [data.draw(d, label=f"x{i}") for i, d in enumerate(case.domains)]
    check_second_order(name, data, lambda *vs: row.api(*vs, *case.consts), xs, scalar=True)


@pytest.mark.parametrize("name", SCALAR_ROWS)
@given(data=st.data())
def test_row_twice_on_tensor_engine_with_broadcasting(name: str, data: Any) -> None:
    row = _entry(name)
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
    xs = [
        data.draw(hnp.arrays(np.float64, shape, elements=dom), label=f"x{i}")
        for i, (shape, dom) in enumerate(zip(shapes, case.domains))
    ]
    check_second_order(name, data, lambda *ts: row.api(*ts, *case.consts), xs, scalar=False)


# rows without a first derivative (PyTorch's too): create_graph raises the same error as backward
NO_DERIVATIVE = {"floor_divide", "rfloor_divide"}
# rows whose rule has no graph form yet: create_graph through them raises a clear error (a known gap)
FIRST_ORDER_ONLY: set[str] = set()


@pytest.mark.parametrize("name", TENSOR_ONLY_ROWS)
@given(data=st.data())
def test_tensor_only_row_twice(name: str, data: Any) -> None:
    if name not in TENSOR_CASES:
        pytest.fail(f"row {name!r} has no generator in test_ops.TENSOR_CASES")
    inputs, fn, _ = TENSOR_CASES[name](data)
    if name in NO_DERIVATIVE or name in FIRST_ORDER_ONLY:
        xs = [Tensor(x, requires_grad=True) for x in inputs]
        out = fn(*xs).sum()
        error = "derivative for floor_divide is not implemented" if name in NO_DERIVATIVE else "no graph form yet"
        with pytest.raises((RuntimeError, NotImplementedError), match=error):
            ag.grad(out, xs, create_graph=True)
        return
    check_second_order(name, data, fn, inputs, scalar=False)


@pytest.mark.parametrize("form", CONST_FORMS)
@given(data=st.data())
def test_constant_operand_forms_twice(form: str, data: Any) -> None:
    name, api, _, const_domain = CONST_FORMS[form]
    c = data.draw(const_domain, label="c")
    domain = POSITIVE if name == "pow" and "negative" not in form else st.floats(-3.0, 3.0)
    if name in ("maximum", "minimum"):
        domain = domain.filter(lambda x: abs(x - c) > 0.1)
    x = data.draw(domain, label="x")
    check_second_order(name, data, lambda v: api(v, c), [x], scalar=True)
    arr = data.draw(hnp.arrays(np.float64, data.draw(SHAPES, label="shape"), elements=domain), label="array")
    check_second_order(name, data, lambda t: api(t, c), [arr], scalar=False)


@given(n=st.integers(1, 4), data=st.data())
def test_dot_row_twice(n: int, data: Any) -> None:
    xs = [data.draw(st.floats(-3.0, 3.0), label=f"x{i}") for i in range(2 * n)]
    check_second_order("dot", data, lambda *vs: ag.dot(vs[:n], vs[n:]) * ag.dot(vs[:n], vs[n:]), xs, True, "mul")
    consts = [data.draw(st.floats(-3.0, 3.0), label=f"c{i}") for i in range(n)]
    check_second_order("dot", data, lambda *vs: ag.dot(vs, consts).tanh(), xs[:n], True, "tanh")


def test_prod_twice_at_an_exact_zero_is_refused_clearly() -> None:
    x = Tensor([0.0, 2.0, 3.0], requires_grad=True)
    (g,) = ag.grad(x.prod() * 1.0, [x], create_graph=False)
    np.testing.assert_array_equal(g.data if isinstance(g, Tensor) else g, [6.0, 0.0, 0.0])  # first order: exact
    with pytest.raises(NotImplementedError, match="prod at an input that is exactly 0"):
        ag.grad(x.prod(), [x], create_graph=True)
