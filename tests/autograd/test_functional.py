"""grad, value_and_grad and gradcheck."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import GradcheckError, Tensor, Value, grad, gradcheck, value_and_grad
from autograd.ops import OPS, Op

# ---------------------------------------------------------------------------
# grad and value_and_grad
# ---------------------------------------------------------------------------


def test_grad_of_a_scalar_function_of_numbers() -> None:
    assert grad(lambda x: x**3)(2.0) == 12.0
    assert grad(lambda x: x.tanh())(0.5) == pytest.approx(1 - math.tanh(0.5) ** 2, rel=1e-15)
    g = grad(lambda x: x**3)(2)  # an int argument becomes a Value
    assert g == 12.0 and type(g) is float


def test_value_and_grad_of_values_does_not_touch_the_callers_value() -> None:
    x = Value(3.0)
    val, g = value_and_grad(lambda v: v * v + 1)(x)
    assert (val, g) == (10.0, 6.0)
    assert type(val) is float
    assert x.grad == 0.0


def test_grad_of_a_tensor_function() -> None:
    g = grad(lambda w: (w * w).sum())([1.0, 2.0])
    assert isinstance(g, np.ndarray)
    np.testing.assert_array_equal(g, [2.0, 4.0])
    w = Tensor([[1.0, -1.0]])
    val, g = value_and_grad(lambda t: (t.exp() * 2.0).sum())(w)
    assert val == pytest.approx(2 * (math.e + 1 / math.e), rel=1e-15)
    np.testing.assert_allclose(g, 2 * np.exp(w.data), rtol=1e-15)
    assert w.grad is None  # the caller's tensor is untouched
    g = grad(lambda a: (a * 2.0).sum())(np.array([1.0, 2.0], dtype=np.float32))
    assert g.dtype == np.float32


def f3(x, y, z):  # noqa: ANN001, ANN201 - works on Values and numbers
    return x * y + z**2


@pytest.mark.parametrize(
    "argnums, expected",
    [
        (0, 3.0),
        (1, 2.0),
        (2, 8.0),
        (-1, 8.0),
        (-3, 3.0),
        ((0, 2), (3.0, 8.0)),
        ((2, 0), (8.0, 3.0)),
        ((-1, 1), (8.0, 2.0)),
        ((1,), (2.0,)),
    ],
)
def test_argnums(argnums, expected) -> None:  # noqa: ANN001
    x, y, z = 2.0, 3.0, 4.0
    assert grad(f3, argnums=argnums)(x, y, z) == expected
    val, g = value_and_grad(f3, argnums=argnums)(x, y, z)
    assert val == x * y + z**2 and g == expected


def test_argnums_over_tensors_and_unused_arguments() -> None:
    f = lambda a, b, c: (a * b).sum()
    ga, gc_ = grad(f, argnums=(0, 2))(np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([5.0]))
    np.testing.assert_array_equal(ga, [3.0, 4.0])
    np.testing.assert_array_equal(gc_, [0.0])  # unused: zeros of its shape
    assert grad(lambda x, y: x * 2, argnums=(0, 1))(1.0, 5.0) == (2.0, 0.0)


def test_keyword_arguments_pass_through() -> None:
    f = lambda x, scale=1.0: x * scale
    assert grad(f)(2.0, scale=3.0) == 3.0


def test_grad_errors() -> None:
    with pytest.raises(ValueError, match=r"grad: the function must return a scalar, got shape \(2,\)"):
        grad(lambda w: w * 2.0)([1.0, 2.0])
    with pytest.raises(ValueError, match=r"value_and_grad: the function must return a scalar, got shape \(2, 1\)"):
        value_and_grad(lambda w: w * 2.0)(np.ones((2, 1)))
    with pytest.raises(TypeError, match="grad: the function must return a Value or a Tensor, got float"):
        grad(lambda x: 3.0)(1.0)
    with pytest.raises(TypeError, match="value_and_grad: the function must return a Value or a Tensor, got ndarray"):
        value_and_grad(lambda x: x.data)(np.ones(1))
    with pytest.raises(ValueError, match=r"grad: argnums 2 out of range for 2 positional argument\(s\)"):
        grad(lambda x, y: x * y, argnums=2)(1.0, 2.0)
    with pytest.raises(ValueError, match=r"value_and_grad: argnums \(0, -3\) out of range for 2"):
        value_and_grad(lambda x, y: x * y, argnums=(0, -3))(1.0, 2.0)
    with pytest.raises(TypeError, match="grad: argnums must be an int or a tuple of ints, got 'x'"):
        grad(lambda x: x, argnums="x")(1.0)
    with pytest.raises(TypeError, match="grad: argnums must be an int or a tuple of ints, got True"):
        grad(lambda x, y: x * y, argnums=True)(1.0, 2.0)
    with pytest.raises(TypeError, match=r"argnums must be an int or a tuple of ints, got \(0, 1\.0\)"):
        grad(lambda x, y: x * y, argnums=(0, 1.0))(1.0, 2.0)


# ---------------------------------------------------------------------------
# gradcheck
# ---------------------------------------------------------------------------


def test_gradcheck_accepts_correct_functions() -> None:
    assert gradcheck(lambda x: (x * x).sum(), Tensor([1.0, 2.0])) is True
    assert gradcheck(lambda x, y: (x @ y).tanh(), np.array([[0.5, -1.0], [2.0, 0.1]]), np.array([0.3, 0.7])) is True
    assert gradcheck(lambda a, b: (a * b + a.exp()).sigmoid(), Value(0.3), 1.5) is True
    assert gradcheck(lambda t: t.softmax(axis=0), Tensor(np.arange(6.0).reshape(3, 2) / 3)) is True
    assert gradcheck(lambda t: t.var(axis=1), np.random.default_rng(0).standard_normal((3, 4))) is True
    # a float32 input is checked in float64
    assert gradcheck(lambda t: (t**3).sum(), Tensor(np.array([0.5, 1.5], dtype=np.float32))) is True


def _numbers(message: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?\d+\.\d+(?:e[-+]?\d+)?", message)]


def test_gradcheck_reports_a_wrong_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    exp = OPS["exp"]
    wrong = Op("exp", exp.fwd, (lambda xp, g, out, a: g * out * 2.0,), exp.symbol)  # twice the true derivative
    monkeypatch.setitem(OPS, "exp", wrong)
    x = np.array([0.1, 2.0, 0.5])
    assert Tensor(x, requires_grad=True).exp().op is wrong  # the patched row is the one used
    with pytest.raises(GradcheckError, match=r"gradcheck: input 0\[1\]: analytic gradient .* != numeric ") as info:
        gradcheck(lambda t: t.exp().sum(), Tensor(x))
    analytic, numeric = _numbers(str(info.value))[:2]
    assert analytic == pytest.approx(2 * math.exp(2.0), rel=1e-12)  # the worst element is x[1] = 2.0
    assert numeric == pytest.approx(math.exp(2.0), rel=1e-6)
    assert isinstance(info.value, ValueError)


def test_gradcheck_reports_a_broken_gradient_on_values() -> None:
    # detach() cuts one of the two paths: analytic x, numeric 2x
    with pytest.raises(GradcheckError, match=r"gradcheck: input 1: analytic gradient 3\.0 != numeric ") as info:
        gradcheck(lambda a, x: a * x.detach() * x, 1.0, 3.0)
    assert _numbers(str(info.value))[1] == pytest.approx(6.0, rel=1e-6)


def test_gradcheck_names_the_worst_element_of_a_matrix() -> None:
    x = np.array([[0.5, 1.0], [3.0, 1.5]])
    # the gradient through the second path is lost: error is largest where x is largest
    with pytest.raises(GradcheckError, match=r"input 0\[1, 0\]: analytic gradient 3\.0 != numeric ") as info:
        gradcheck(lambda t: (t.detach() * t).sum(), x)
    assert _numbers(str(info.value.args[0]))[1] == pytest.approx(6.0, rel=1e-6)


def test_gradcheck_tolerances_and_errors() -> None:
    # a derivative off by 1e-4 relative passes the default rtol (1e-3) but not a tight one
    # (detach hides half of the 1e-4 * t**2 term: analytic 1 + 1e-4 t, numeric 1 + 2e-4 t)
    f = lambda t: (t * (1 + 1e-4 * t.detach())).sum()
    assert gradcheck(f, np.array([1.0, 2.0])) is True
    with pytest.raises(GradcheckError):
        gradcheck(f, np.array([1.0, 2.0]), atol=0.0, rtol=1e-6)
    with pytest.raises(TypeError, match="gradcheck: the function must return a Value or a Tensor, got float"):
        gradcheck(lambda x: 1.0, 2.0)


def test_functional_names_are_exported() -> None:
    assert ag.grad is grad and ag.value_and_grad is value_and_grad and ag.gradcheck is gradcheck
    assert issubclass(ag.GradcheckError, ValueError)


@pytest.mark.parametrize("bad", ["a", None, [1.0, "x"], True, {"x": 1}], ids=repr)
def test_gradcheck_names_an_input_that_is_not_a_number(bad: Any) -> None:
    with pytest.raises(TypeError, match=r"^gradcheck: input 1 must be a Value, a Tensor, a number or an array"):
        gradcheck(lambda a, b: a * b, 1.0, bad)
