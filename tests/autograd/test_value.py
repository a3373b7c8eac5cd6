"""The scalar engine: micrograd's API and reference numbers, and what Value adds."""

from __future__ import annotations

import math
import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Tensor, Value

# ---------------------------------------------------------------------------
# micrograd's reference expressions (its README and test/test_engine.py; the
# numbers there come from PyTorch).
# ---------------------------------------------------------------------------


def test_micrograd_readme_expression(micrograd_readme) -> None:
    a, b, g = micrograd_readme
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_micrograd_sanity_check() -> None:
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    assert y.data == -20.0
    assert x.grad == 46.0


def test_micrograd_style_sum_and_neuron() -> None:
    # sum() starts from the int 0; a neuron is a sum of products plus a bias.
    ws = [Value(0.5), Value(-1.5), Value(2.0)]
    xs = [1.0, 2.0, -3.0]
    b = Value(0.25)
    act = sum((wi * xi for wi, xi in zip(ws, xs)), b)
    out = act.tanh()
    out.backward()
    expected = 0.5 * 1.0 - 1.5 * 2.0 + 2.0 * -3.0 + 0.25
    assert act.data == expected
    assert out.data == math.tanh(expected)
    dtanh = 1 - math.tanh(expected) ** 2
    assert [w.grad for w in ws] == pytest.approx([dtanh * x for x in xs], rel=1e-15)
    assert b.grad == pytest.approx(dtanh, rel=1e-15)
    total = sum([Value(1.0), Value(2.0), Value(3.5)])
    assert isinstance(total, Value) and total.data == 6.5


# ---------------------------------------------------------------------------
# What micrograd's drawing code reads: _prev, _op, data, grad.
# ---------------------------------------------------------------------------


def test_prev_and_op_strings() -> None:
    a, b = Value(2.0), Value(3.0)
    assert a._op == "" and a._prev == ()
    assert (a + b)._op == "+" and (a + b)._prev == (a, b)
    assert (a * b)._op == "*" and (a * b)._prev == (a, b)
    assert (a**2)._op == "**2"
    assert (a**-1)._op == "**-1"
    assert (a**0.5)._op == "**0.5"
    assert a.relu()._op == "ReLU"
    assert (a - b)._op == "-"
    assert (a / b)._op == "/"
    assert a.tanh()._op == "tanh"
    # a number operand is a constant: one parent
    assert (a + 1)._prev == (a,)
    assert (2 * a)._prev == (a,)


def test_prev_is_an_ordered_tuple_that_keeps_repeats() -> None:
    # micrograd keeps a set, so a*a has one child; the tuple keeps both edges.
    a = Value(3.0)
    sq = a * a
    assert sq._prev == (a, a)
    sq.backward()
    assert a.grad == 6.0


def test_micrograd_constructor_arguments() -> None:
    a = Value(1.0)
    v = Value(2.0, (a,), "custom", label="v")
    assert v._prev == (a,)
    assert v._op == "custom"
    assert v.label == "v"


def test_data_is_a_float_and_repr_is_micrograds() -> None:
    v = Value(3)
    assert type(v.data) is float and v.data == 3.0
    assert type(v.grad) is float and v.grad == 0.0
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    w = Value(-1.5)
    (w * 2).backward()
    assert repr(w) == "Value(data=-1.5, grad=2.0)"
    assert type(Value(np.float32(1.5)).data) is float


# ---------------------------------------------------------------------------
# Operators with numbers on either side.
# ---------------------------------------------------------------------------

# name -> (apply with the Value on the left, with the Value on the right, value f(x, c), d/dx)
BINARY = {
    "+": (lambda x, c: x + c, lambda x, c: c + x, lambda x, c: x + c, lambda x, c: 1.0),
    "-": (lambda x, c: x - c, lambda x, c: c - x, lambda x, c: x - c, lambda x, c: 1.0),
    "*": (lambda x, c: x * c, lambda x, c: c * x, lambda x, c: x * c, lambda x, c: c),
    "/": (lambda x, c: x / c, lambda x, c: c / x, lambda x, c: x / c, lambda x, c: 1.0 / c),
    "**": (lambda x, c: x**c, lambda x, c: c**x, lambda x, c: x**c, lambda x, c: c * x ** (c - 1)),
}
# derivative of the right-hand form c (op) x with respect to x
RIGHT = {
    "+": (lambda x, c: c + x, lambda x, c: 1.0),
    "-": (lambda x, c: c - x, lambda x, c: -1.0),
    "*": (lambda x, c: c * x, lambda x, c: c),
    "/": (lambda x, c: c / x, lambda x, c: -c / x**2),
    "**": (lambda x, c: c**x, lambda x, c: c**x * math.log(c)),
}


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize(
    "number", [3, 2.5, np.float64(1.5), np.int64(2)], ids=["int", "float", "np.float64", "np.int64"]
)
def test_numbers_on_either_side(op: str, number: object) -> None:
    left, right, f, df = BINARY[op]
    x = 1.75
    c = float(number)
    v = Value(x)
    out = left(v, number)
    assert isinstance(out, Value)
    assert out.data == pytest.approx(f(x, c), rel=1e-14)
    out.backward()
    assert v.grad == pytest.approx(df(x, c), rel=1e-14)

    v = Value(x)
    out = right(v, number)
    assert isinstance(out, Value)
    g, dg = RIGHT[op]
    assert out.data == pytest.approx(g(x, c), rel=1e-14)
    out.backward()
    assert v.grad == pytest.approx(dg(x, c), rel=1e-14)


@pytest.mark.parametrize("op", BINARY)
def test_value_with_value(op: str) -> None:
    fn = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}[op]
    x, y = 1.75, 0.6
    a, b = Value(x), Value(y)
    out = fn(a, b)
    out.backward()
    assert out.data == pytest.approx(fn(x, y), rel=1e-14)
    h = 1e-6
    assert a.grad == pytest.approx((fn(x + h, y) - fn(x - h, y)) / (2 * h), rel=1e-6)
    assert b.grad == pytest.approx((fn(x, y + h) - fn(x, y - h)) / (2 * h), rel=1e-6)


def test_value_pow_value_gradients() -> None:
    a, b = Value(2.0), Value(3.0)
    out = a**b
    out.backward()
    assert out.data == 8.0
    assert a.grad == pytest.approx(3.0 * 2.0**2, rel=1e-15)
    assert b.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)
    assert out._prev == (a, b)


def test_negation_and_unary_plus_forms() -> None:
    a = Value(2.5)
    n = -a
    n.backward()
    assert n.data == -2.5 and a.grad == -1.0
    assert n._prev == (a,)


def test_in_place_operators_build_new_nodes() -> None:
    a = Value(2.0)
    b = a
    b += 1
    b *= 3
    b -= 1
    b /= 2
    b **= 2
    assert a.data == 2.0  # the original is untouched
    b.backward()
    expected = ((2.0 + 1) * 3 - 1) / 2
    assert b.data == expected**2
    assert a.grad == pytest.approx(2 * expected * 3 / 2, rel=1e-15)


# ---------------------------------------------------------------------------
# Comparisons, equality and hashing.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("flag", [True, False])
def test_numpy_bools_are_numbers_as_python_bools_are(flag: bool) -> None:
    for op in (operator.add, operator.sub, operator.mul):
        for a, b in ((Value(2.5), flag), (flag, Value(2.5))):
            want = op(a, b)
            got = op(*(np.bool_(x) if type(x) is bool else x for x in (a, b)))
            assert type(got) is Value and got.data == want.data, (op, a, b)
    assert (Value(0.5) < np.bool_(flag)) is (0.5 < flag)


def test_comparisons_return_plain_bools() -> None:
    a, b = Value(1.0), Value(2.0)
    results = [a < b, a <= b, a > b, a >= b, a < 2, a > 0.5, 3 > a, 0 < a, a <= 1, a >= 1.0]
    assert results == [True, True, False, False, True, True, True, True, True, True]
    assert all(type(r) is bool for r in results)
    assert max([Value(3.0), Value(-1.0), Value(5.0)]).data == 5.0
    assert [v.data for v in sorted([Value(3.0), Value(-1.0), Value(2.0)])] == [-1.0, 2.0, 3.0]


def test_equality_and_hash_are_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == a
    assert a != b
    assert not (a == b)
    assert len({a, b}) == 2
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b"
    assert hash(a) == hash(a)
    assert a in [a] and b not in {a}
    # equality never compares data, even with the same number
    assert (a == 1.0) is False


# ---------------------------------------------------------------------------
# Functions beyond micrograd.
# ---------------------------------------------------------------------------


@given(x=st.floats(-20, 20, allow_nan=False))
def test_tanh_sigmoid_exp_against_math(x: float) -> None:
    for method, f, df in [
        ("tanh", math.tanh, lambda x: 1 - math.tanh(x) ** 2),
        ("sigmoid", lambda x: 1 / (1 + math.exp(-x)), lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
        ("exp", math.exp, math.exp),
    ]:
        v = Value(x)
        out = getattr(v, method)()
        out.backward()
        assert out.data == pytest.approx(f(x), rel=1e-12, abs=1e-300), method
        assert v.grad == pytest.approx(df(x), rel=1e-9, abs=1e-15), method


@given(x=st.floats(1e-3, 1e3, allow_nan=False))
def test_log_and_abs_against_math(x: float) -> None:
    v = Value(x)
    out = v.log()
    out.backward()
    assert out.data == pytest.approx(math.log(x), rel=1e-14, abs=1e-300)
    assert v.grad == pytest.approx(1 / x, rel=1e-14)
    for sign in (1.0, -1.0):
        v = Value(sign * x)
        out = abs(v)
        out.backward()
        assert out.data == x
        assert v.grad == sign
    assert Value(-x).abs().data == x


@pytest.mark.parametrize("x", [1000.0, -1000.0, 710.0, -745.5])
def test_sigmoid_is_stable_at_large_inputs(x: float) -> None:
    v = Value(x)
    s = v.sigmoid()
    s.backward()
    assert math.isfinite(s.data) and math.isfinite(v.grad)
    assert s.data == (1.0 if x > 0 else pytest.approx(0.0, abs=1e-300))
    assert v.grad == pytest.approx(0.0, abs=1e-300)
    assert 0.0 <= s.data <= 1.0


def test_tanh_at_large_inputs() -> None:
    for x in (1000.0, -1000.0):
        v = Value(x)
        t = v.tanh()
        t.backward()
        assert t.data == math.copysign(1.0, x)
        assert v.grad == 0.0


def test_exp_overflow_and_log_domain_follow_ieee() -> None:
    # the engines follow numpy: inf and nan, not OverflowError/ValueError
    assert Value(1000.0).exp().data == math.inf
    assert Value(0.0).log().data == -math.inf
    assert math.isnan(Value(-1.0).log().data)
    assert Value(1.0) / 0 is not None and (Value(1.0) / 0).data == math.inf
    assert math.isnan((Value(0.0) / Value(0.0)).data)
    assert math.isnan((Value(-8.0) ** (1 / 3)).data)  # numpy gives nan, Python a complex


def test_item_float_and_label() -> None:
    v = Value(2.5, label="w")
    assert v.item() == 2.5 and float(v) == 2.5 and v.label == "w"
    assert type(v.item()) is float


# ---------------------------------------------------------------------------
# Bad operands.
# ---------------------------------------------------------------------------

OPERATORS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
}


@pytest.mark.parametrize("name", OPERATORS)
def test_mixing_value_and_tensor_is_a_type_error(name: str) -> None:
    fn = OPERATORS[name]
    v, t = Value(2.0), Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=rf"{name}: cannot mix a Value and a Tensor"):
        fn(v, t)
    with pytest.raises(TypeError, match=rf"{name}: cannot mix a Tensor and a Value"):
        fn(t, v)


def test_mixing_in_comparisons_and_matmul() -> None:
    with pytest.raises(TypeError, match="cannot mix a Value and a Tensor"):
        _ = Value(1.0) < Tensor([1.0])
    with pytest.raises(TypeError, match="matmul: cannot mix a Tensor and a Value"):
        Tensor([1.0]) @ Value(1.0)
    with pytest.raises(TypeError, match="matmul: cannot mix a Tensor and a Value"):
        Value(1.0) @ Tensor([1.0])


@pytest.mark.parametrize("name", OPERATORS)
@pytest.mark.parametrize("bad", ["a", None, object()], ids=["str", "None", "object"])
def test_unsupported_operand_types_name_the_op(name: str, bad: object) -> None:
    fn = OPERATORS[name]
    kind = type(bad).__name__
    with pytest.raises(TypeError, match=rf"{name}: unsupported operand of type {kind}"):
        fn(Value(1.0), bad)
    with pytest.raises(TypeError, match=rf"{name}: unsupported operand of type {kind}"):
        fn(bad, Value(1.0))


@pytest.mark.parametrize("bad", ["a", None, object(), [1.0]], ids=["str", "None", "object", "list"])
def test_bad_constructor_and_comparison_inputs(bad: object) -> None:
    kind = type(bad).__name__
    want = rf"Value: data must be a real number, a Value or a 0-d numpy array; got {kind}"
    with pytest.raises(TypeError, match=want):
        Value(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=rf"compare: unsupported operand of type {kind}"):
        _ = Value(1.0) < bad  # type: ignore[operator]


def test_micrograd_op_string_of_value_power_and_a_value_gradient():
    a, b = Value(2.0), Value(3.0)
    assert (a**b)._op == "**" and (a**2)._op == "**2" and (a * b)._op == "*"
    y = a * a
    y.backward(Value(0.5))  # a Value as the gradient, like Tensor.backward(Tensor)
    assert a.grad == 2.0


@given(
    x=st.floats(-5, 5, allow_nan=False) | st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan]),
    c=st.floats(-3, 3, allow_nan=False) | st.sampled_from([0.0, -0.0, 2, -1, 0.5]),
)
def test_inline_fast_paths_match_the_rows_forward(x: float, c: float) -> None:
    """Value's operators compute their result inline (the hot path); each must equal its row's forward."""
    from autograd.ops import SCALAR

    v, w = Value(x), Value(c)
    cases = [
        (v + c, (x, c)),
        (c + v, (x, c)),
        (v * c, (x, c)),
        (c * v, (x, c)),
        (v - c, (x, c)),
        (c - v, (x, c)),
        (v + w, (x, c)),
        (v * w, (x, c)),
        (v - w, (x, c)),
        (v / w, (x, c)),
        (v / c, (x, c)),
        (c / v, (x, c)),
        (v**c, (x, c)),
        (c**v, (x, c)),
        (-v, (x,)),
        (v.tanh(), (x,)),
        (v.relu(), (x,)),
    ]
    for node, args in cases:
        if node.op.name in ("div", "rdiv") and (c == 0 or x == 0):
            continue  # Python raises on a zero divisor; the engine follows numpy there (tested elsewhere)
        want = node.op.fwd(SCALAR, *args)
        assert type(node.data) is float
        assert node.data == want or (math.isnan(node.data) and math.isnan(want)), (
            f"{node.op.name}: inline result {node.data!r}, the row's forward gives {want!r} at x={x!r}, c={c!r}"
        )
        assert math.copysign(1.0, node.data) == math.copysign(1.0, want) or math.isnan(want)


@pytest.mark.parametrize("fn", ["maximum", "minimum"])
def test_maximum_and_minimum_keep_a_nan_from_either_side_as_numpy_does(fn: str) -> None:
    import autograd as ag

    f = getattr(ag, fn)
    for a, b in [(1.0, math.nan), (math.nan, 1.0), (math.nan, math.nan)]:
        want = getattr(np, fn)(a, b)
        assert math.isnan(want)
        assert math.isnan(f(Value(a), Value(b)).data), f"{fn}({a}, {b}) on Values"
        assert math.isnan(f(Value(a), b).data), f"{fn}(Value({a}), {b})"
        assert math.isnan(f(a, Value(b)).data), f"{fn}({a}, Value({b}))"
        assert np.isnan(f(Tensor([a]), Tensor([b])).data).all()
