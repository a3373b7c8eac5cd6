"""The ``erf`` primitive: values against ``math.erf``, dtypes, special values, first and second derivatives."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd import Tensor, Value
from autograd.ops import OPS

EPS = 1e-6
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


def _math_erf(a: np.ndarray) -> np.ndarray:
    return np.array([math.erf(float(v)) for v in np.ravel(a)], dtype=np.float64).reshape(np.shape(a))


@given(x=hnp.arrays(np.float64, SHAPES, elements=ANY_FLOAT))
def test_float64_values_are_math_erf_bit_for_bit(x: np.ndarray) -> None:
    out = ag.erf(Tensor(x, requires_grad=True))
    assert out.op is OPS["erf"] and out.dtype == np.float64 and out.shape == x.shape
    expected = _math_erf(x)
    assert np.array_equal(out.data, expected, equal_nan=True), f"erf({x!r}) = {out.data!r}, math.erf gives {expected!r}"


@given(x=st.floats(-1e300, 1e300) | st.floats(-8.0, 8.0) | st.floats(-1e-300, 1e-300))
def test_value_engine_is_math_erf(x: float) -> None:
    assert Value(x).erf().data == math.erf(x)
    assert ag.erf(Value(x)).data == math.erf(x)


def test_special_values() -> None:
    x = np.array([-np.inf, -30.0, -6.0, -0.0, 0.0, 6.0, 30.0, np.inf, np.nan])
    out = Tensor(x).erf().data
    np.testing.assert_array_equal(out[:8], [-1.0, -1.0, -1.0, -0.0, 0.0, 1.0, 1.0, 1.0])
    assert np.signbit(out[3]) and not np.signbit(out[4])  # erf(-0.0) is -0.0, as math.erf and torch.erf
    assert np.isnan(out[8])
    assert Value(math.inf).erf().data == 1.0 and math.isnan(Value(math.nan).erf().data)
    # the derivative is 0 far out, not nan (exp(-x²) underflows to 0)
    t = Tensor(x[:8], requires_grad=True)
    t.erf().sum().backward()
    assert t.grad is not None
    np.testing.assert_array_equal(t.grad[[0, 1, 6, 7]], 0.0)
    assert t.grad[4] == TWO_OVER_SQRT_PI


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@given(data=st.data())
def test_small_floats_keep_their_dtype_and_are_rounded_once(dtype: Any, data: Any) -> None:
    x = data.draw(hnp.arrays(dtype, SHAPES, elements=st.floats(-10, 10, width=np.finfo(dtype).bits)), label="x")
    t = Tensor(x, requires_grad=True)
    out = t.erf()
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.data, _math_erf(x.astype(np.float64)).astype(dtype))
    out.sum().backward()
    assert t.grad is not None and t.grad.dtype == dtype


def test_integer_tensors_give_float64() -> None:
    out = ag.erf([0, 1, 2])
    assert out.dtype == np.float64
    assert out.tolist() == [0.0, math.erf(1.0), math.erf(2.0)]


@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    data=st.data(),
)
def test_gradient_matches_central_differences_through_broadcasting(shapes: Any, data: Any) -> None:
    sa, sb = shapes.input_shapes
    a = data.draw(hnp.arrays(np.float64, sa, elements=st.floats(-3, 3)), label="a")
    b = data.draw(hnp.arrays(np.float64, sb, elements=st.floats(-3, 3)), label="b")
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    out = (ta * tb).erf()
    v = rng.standard_normal(out.shape)
    out.backward(gradient=v)

    def F(x: np.ndarray, y: np.ndarray) -> float:
        return float(np.sum(_math_erf(x * y) * v))

    for grad, x, which in ((ta.grad, a, 0), (tb.grad, b, 1)):
        assert grad is not None and grad.shape == x.shape
        u = rng.standard_normal(x.shape)
        plus = (a + EPS * u, b) if which == 0 else (a, b + EPS * u)
        minus = (a - EPS * u, b) if which == 0 else (a, b - EPS * u)
        numeric = (F(*plus) - F(*minus)) / (2 * EPS)
        analytic = float(np.sum(grad * u))
        assert abs(analytic - numeric) <= 1e-6 + 1e-5 * abs(numeric), f"input {which}: {analytic} vs {numeric}"


@given(x=st.floats(-4.0, 4.0))
def test_second_derivative_on_both_engines(x: float) -> None:
    second = -2.0 * x * TWO_OVER_SQRT_PI * math.exp(-x * x)  # d²/dx² erf(x)
    v = Value(x)
    (g,) = ag.grad(v.erf(), v, create_graph=True)
    assert math.isclose(g.data, TWO_OVER_SQRT_PI * math.exp(-x * x), rel_tol=1e-12, abs_tol=1e-15)
    g.backward()
    assert math.isclose(v.grad, second, rel_tol=1e-9, abs_tol=1e-12)
    t = Tensor([x, x], requires_grad=True)
    (gt,) = ag.grad(t.erf().sum(), t, create_graph=True)
    gt.sum().backward()
    assert t.grad is not None
    np.testing.assert_allclose(t.grad, [second, second], rtol=1e-9, atol=1e-12)


def test_against_torch() -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install layergrad[interop]")
    x = np.concatenate([np.linspace(-7, 7, 2001), [-1e10, -26.0, 1e-300, 26.0, 1e10]])
    t = Tensor(x, requires_grad=True)
    t.erf().sum().backward()
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch.erf(tx).sum().backward()
    np.testing.assert_allclose(
        ag.erf(Tensor(x)).data, torch.erf(tx).detach().numpy(), rtol=5e-16, atol=1e-300
    )  # torch's erf: 1 ulp
    np.testing.assert_allclose(t.grad, tx.grad.numpy(), rtol=1e-14, atol=0)


@pytest.mark.parametrize(
    "expr",
    [
        lambda t: t.erf().sum(),
        lambda t: t.gelu().sum(),
        lambda t: (t * Tensor([[1.0], [2.0]])).erf().sum(),  # the recorded gradient sums a broadcast back
        lambda t: t.clip(-1.0, 1.0).erf().sum() * t.sum(),
    ],
)
def test_a_recorded_gradient_differentiates_after_an_in_place_change_elsewhere(expr: Any) -> None:
    # Rows a recorded backward reaches by name (erf is one) once made Tensor nodes without the clock
    # tick that in-place checks read: any in-place op earlier in the process broke the second backward.
    w = Tensor([1.0], requires_grad=True)
    with ag.no_grad():
        w -= 0.1
    t = Tensor([0.5, -0.3], requires_grad=True)
    (g,) = ag.grad(expr(t), t, create_graph=True)
    g.sum().backward()
    assert t.grad is not None and np.all(np.isfinite(t.grad))
    u = Tensor([0.5, -0.3], requires_grad=True)
    (g1,) = ag.grad(expr(u), u, create_graph=True)
    h = ag.grad(g1.sum(), u)[0]
    np.testing.assert_array_equal(t.grad, h.data)
