"""Bad input: each a clear error (type and message) naming the op and what was given."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor, Value

# ---------------------------------------------------------------------------
# Shape mismatch in broadcasting and matmul
# ---------------------------------------------------------------------------

BROADCAST_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
    "maximum": ag.maximum,
    "minimum": ag.minimum,
}


@pytest.mark.parametrize("name", BROADCAST_OPS)
def test_broadcast_shape_mismatch(name: str) -> None:
    fn = BROADCAST_OPS[name]
    a, b = Tensor(np.ones((2, 3)), requires_grad=True), Tensor(np.ones(4))
    pattern = rf"^{name}: .*broadcast.*\(input shapes: \(2, 3\), \(4,\)\)"
    with pytest.raises(ValueError, match=pattern):
        fn(a, b)
    with pytest.raises(ValueError, match=rf"^{name}: .*\(input shapes: \(4,\), \(2, 3\)\)"):
        fn(b, a)
    # an ndarray operand on either side
    with pytest.raises(ValueError, match=rf"^{name}: .*\(input shapes: \(2, 3\), \(4,\)\)"):
        fn(a, np.ones(4))
    with pytest.raises(ValueError, match=rf"^{name}: .*\(input shapes: \(4,\), \(2, 3\)\)"):
        fn(np.ones(4), a)


def test_where_shape_mismatch() -> None:
    with pytest.raises(ValueError, match=r"^where: .*broadcast.*\(input shapes: \(2, 3\), \(3,\)\)"):
        ag.where(np.ones(4, dtype=bool), Tensor(np.ones((2, 3))), Tensor(np.ones(3)))


def test_concatenate_and_stack_shape_mismatch() -> None:
    with pytest.raises(ValueError, match=r"^concatenate: .*\(input shapes: \(2, 3\), \(3, 2\)\)"):
        ag.concatenate([Tensor(np.ones((2, 3))), Tensor(np.ones((3, 2)))], axis=0)
    with pytest.raises(ValueError, match=r"^stack: all tensors must have the same shape, got \(2,\), \(3,\)"):
        ag.stack([Tensor(np.ones(2)), Tensor(np.ones(3))])
    with pytest.raises(ValueError, match="concatenate: needs at least one tensor"):
        ag.concatenate([])
    with pytest.raises(ValueError, match="stack: needs at least one tensor"):
        ag.stack([])


@pytest.mark.parametrize(
    "sa, sb, detail",
    [
        ((2, 3), (2, 3), r"shapes \(2, 3\) and \(2, 3\) do not align \(inner dimensions 3 != 2\)"),
        ((3,), (4,), r"shapes \(3,\) and \(4,\) do not align \(inner dimensions 3 != 4\)"),
        ((2, 3), (4,), r"shapes \(2, 3\) and \(4,\) do not align \(inner dimensions 3 != 4\)"),
        ((5,), (4, 2), r"shapes \(5,\) and \(4, 2\) do not align \(inner dimensions 5 != 4\)"),
        ((2, 3, 4), (3, 4, 5), r".*\(input shapes: \(2, 3, 4\), \(3, 4, 5\)\)"),  # batch dims
        ((), (3,), r"operands must have at least 1 dimension, got shapes \(\) and \(3,\)"),
    ],
)
def test_matmul_shape_mismatch(sa: tuple, sb: tuple, detail: str) -> None:
    a, b = Tensor(np.ones(sa)), Tensor(np.ones(sb))
    with pytest.raises(ValueError, match=rf"^matmul: {detail}"):
        a @ b
    with pytest.raises(ValueError, match=rf"^matmul: {detail}"):
        ag.matmul(np.ones(sa), b)


# ---------------------------------------------------------------------------
# backward
# ---------------------------------------------------------------------------


def test_backward_on_non_scalar_without_gradient() -> None:
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^backward: the output has shape \(2, 3\); .*gradient="):
        (w * 2.0).backward()


@pytest.mark.parametrize("shape", [(3,), (3, 2), (), (1, 2, 3)])
def test_backward_gradient_of_wrong_shape(shape: tuple) -> None:
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(
        ValueError,
        match=rf"^backward: gradient has shape {re.escape(str(shape))} but the output has shape \(2, 3\)",
    ):
        (w * 2.0).backward(gradient=np.ones(shape))
    assert w.grad is None


def test_backward_gradient_of_wrong_type() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(
        TypeError, match="^backward: gradient must be a number, an array or a Tensor of numbers, got str"
    ):
        (w * 2.0).backward(gradient="ab")
    with pytest.raises(TypeError, match="^backward: gradient of a Value must be a number \\(or a Value\\), got str"):
        (Value(1.0) * 2).backward(gradient="a")


# ---------------------------------------------------------------------------
# Unsupported operand types
# ---------------------------------------------------------------------------

TENSOR_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
    "matmul": operator.matmul,
}
BAD = {"str": "a", "None": None, "object": object(), "dict": {"a": 1}}


@pytest.mark.parametrize("name", TENSOR_OPS)
@pytest.mark.parametrize("bad", BAD)
def test_tensor_unsupported_operand_types(name: str, bad: str) -> None:
    fn, x = TENSOR_OPS[name], BAD[bad]
    t = Tensor([1.0, 2.0], requires_grad=True)
    kind = type(x).__name__
    with pytest.raises(TypeError, match=rf"^{name}: unsupported operand of type {kind}"):
        fn(t, x)
    with pytest.raises(TypeError, match=rf"^{name}: unsupported operand of type {kind}"):
        fn(x, t)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow"])
@pytest.mark.parametrize("bad", BAD)
def test_value_unsupported_operand_types(name: str, bad: str) -> None:
    fn, x = TENSOR_OPS[name], BAD[bad]
    kind = type(x).__name__
    with pytest.raises(TypeError, match=rf"^{name}: unsupported operand of type {kind}"):
        fn(Value(1.0), x)
    with pytest.raises(TypeError, match=rf"^{name}: unsupported operand of type {kind}"):
        fn(x, Value(1.0))


@pytest.mark.parametrize("symbol", ["<", "<=", ">", ">=", "==", "!="])
@pytest.mark.parametrize("bad", ["str", "None", "object"])
def test_tensor_comparison_with_unsupported_types(symbol: str, bad: str) -> None:
    fn = {
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
        "==": operator.eq,
        "!=": operator.ne,
    }[symbol]
    kind = type(BAD[bad]).__name__
    with pytest.raises(TypeError, match=rf"^compare \({symbol}\): unsupported operand of type {kind}"):
        fn(Tensor([1.0]), BAD[bad])


def test_unsupported_operands_in_module_functions() -> None:
    t = Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="^concatenate: unsupported operand of type str"):
        ag.concatenate([t, "a"])
    with pytest.raises(TypeError, match="^stack: unsupported operand of type NoneType"):
        ag.stack([t, None])
    with pytest.raises(TypeError, match="^where: unsupported operand of type str"):
        ag.where([True, False], t, "a")
    with pytest.raises(TypeError, match="^maximum: unsupported operand of type object"):
        ag.maximum(t, object())
    with pytest.raises(TypeError, match="^maximum: unsupported operand of type str; expected a number or a Value"):
        ag.maximum(Value(1.0), "a")
    with pytest.raises(TypeError, match="^add: cannot convert list to a numeric array"):
        t + [1.0, "a"]
    with pytest.raises(TypeError, match=r"^add: arrays of dtype <U1 are not supported"):
        t + np.array(["a", "b"])


def test_mixing_engines_in_module_functions() -> None:
    with pytest.raises(TypeError, match="^maximum: cannot mix a Tensor and a Value"):
        ag.maximum(Tensor([1.0]), Value(1.0))
    with pytest.raises(TypeError, match="^concatenate: cannot mix a Tensor and a Value"):
        ag.concatenate([Tensor([1.0]), Value(1.0)])
    with pytest.raises(TypeError, match="^Tensor: cannot make a Tensor from a Value; use its .data"):
        Tensor(Value(1.0))
    with pytest.raises(TypeError, match="^Value: cannot mix a Value and a Tensor"):
        Value(Tensor([1.0]))  # type: ignore[arg-type]


def test_dot_bad_input() -> None:
    with pytest.raises(ValueError, match="^dot: 1 weights but 2 inputs; they must have the same length"):
        ag.dot([Value(1.0)], [1.0, 2.0])
    with pytest.raises(TypeError, match="^dot: weights must be Values, got float"):
        ag.dot([1.0], [Value(1.0)])
    with pytest.raises(TypeError, match="^dot: unsupported operand of type str"):
        ag.dot([Value(1.0)], ["a"])


# ---------------------------------------------------------------------------
# Non-numeric or ragged input to Tensor(...)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, error, pattern",
    [
        ("abc", TypeError, "expected a number, a nested list of numbers or a numpy array, got str"),
        (b"abc", TypeError, "expected a number, a nested list of numbers or a numpy array, got bytes"),
        (None, TypeError, "expected a number, a nested list of numbers or a numpy array, got NoneType"),
        ({"a": 1}, TypeError, "expected a number, a nested list of numbers or a numpy array, got dict"),
        ({1.0, 2.0}, TypeError, "expected a number, a nested list of numbers or a numpy array, got set"),
        (object(), TypeError, "cannot convert object to a numeric array"),
        ([1.0, "a"], TypeError, "cannot convert list to a numeric array .*could not convert string to float: 'a'"),
        ([1.0, None], TypeError, "cannot convert list to a numeric array"),
        ([[1.0, 2.0], [3.0]], ValueError, "cannot convert list to a numeric array \\(nested lists must be rectangular"),
        ([1.0, [2.0]], ValueError, "cannot convert list to a numeric array \\(nested lists must be rectangular"),
        (np.array(["a", "b"]), TypeError, "arrays of dtype <U1 are not supported"),
        (np.array([1, "a"], dtype=object), TypeError, "arrays of dtype object are not supported"),
        (np.array([1 + 2j]), TypeError, "arrays of dtype complex128 are not supported"),
        (1 + 2j, TypeError, "cannot convert complex to a numeric array"),
    ],
    ids=[
        "str",
        "bytes",
        "None",
        "dict",
        "set",
        "object",
        "list with str",
        "list with None",
        "ragged",
        "ragged nesting",
        "str array",
        "object array",
        "complex array",
        "complex",
    ],
)
def test_tensor_constructor_rejects(data: Any, error: type, pattern: str) -> None:
    with pytest.raises(error, match=rf"^Tensor: {pattern}"):
        Tensor(data)


def test_shape_function_arguments() -> None:
    with pytest.raises(ValueError, match=r"^zeros: shape must not be negative, got \(-1,\)"):
        ag.zeros(-1)
    with pytest.raises(TypeError, match=r"^ones: shape must be ints, got \('a',\)"):
        ag.ones("a")
    with pytest.raises(TypeError, match=r"^randn: shape must be ints"):
        ag.randn(None)


# ---------------------------------------------------------------------------
# Axis out of range
# ---------------------------------------------------------------------------

X = Tensor(np.ones((2, 3)))


@pytest.mark.parametrize(
    "name, call, axis",
    [
        ("sum", lambda a: X.sum(axis=a), 2),
        ("sum", lambda a: X.sum(axis=a), (0, 5)),
        ("mean", lambda a: X.mean(axis=a), -3),
        ("max", lambda a: X.max(axis=a), 2),
        ("min", lambda a: X.min(axis=a), (-3,)),
        ("var", lambda a: X.var(axis=a), 4),
        ("std", lambda a: X.std(axis=a), 4),
        ("softmax", lambda a: X.softmax(axis=a), 2),
        ("log_softmax", lambda a: X.log_softmax(axis=a), -3),
        ("logsumexp", lambda a: X.logsumexp(axis=a), 3),
        ("argmax", lambda a: X.argmax(axis=a), 2),
        ("argmin", lambda a: X.argmin(axis=a), -4),
        ("transpose", lambda a: X.transpose(0, a), 2),
        ("squeeze", lambda a: X.squeeze(a), 3),
        ("concatenate", lambda a: ag.concatenate([X, X], axis=a), 2),
    ],
)
def test_axis_out_of_range(name: str, call: Callable[[Any], Any], axis: Any) -> None:
    bad = axis[-1] if isinstance(axis, tuple) else axis
    with pytest.raises(ValueError, match=rf"^{name}: axis {bad} is out of range for a tensor with 2 dimension\(s\)"):
        call(axis)


def test_axis_out_of_range_for_new_axes() -> None:
    with pytest.raises(ValueError, match=r"^stack: axis 3 is out of range for a result with 3 dimensions"):
        ag.stack([X, X], axis=3)
    with pytest.raises(ValueError, match=r"^unsqueeze: axis -4 is out of range for a result with 3 dimensions"):
        X.unsqueeze(-4)


def test_other_axis_errors() -> None:
    with pytest.raises(TypeError, match=r"^sum: axis must be an int or a tuple of ints, got 1\.5"):
        X.sum(axis=1.5)
    with pytest.raises(ValueError, match=r"^sum: duplicate value in 'axis'"):
        X.sum(axis=(0, -2))
    with pytest.raises(
        ValueError, match=r"^permute: dims \(0, 0\) are not a permutation of the 2 dims of shape \(2, 3\)"
    ):
        X.permute(0, 0)
    with pytest.raises(TypeError, match=r"^sum: give dim= or axis= \(the same thing\), not both"):
        X.sum(dim=0, axis=0)


# ---------------------------------------------------------------------------
# Other bad input
# ---------------------------------------------------------------------------


def test_other_bad_input() -> None:
    with pytest.raises(
        ValueError, match=r"^reshape: cannot reshape array of size 6 into shape \(4,\) \(input shapes: \(2, 3\)\)"
    ):
        X.reshape(4)
    with pytest.raises(
        IndexError, match=r"^getitem: index 5 is out of bounds for axis 0 with size 2 \(input shapes: \(2, 3\)\)"
    ):
        X[5]
    with pytest.raises(
        ValueError, match=r"^item: only one-element tensors can be converted, this one has shape \(2, 3\)"
    ):
        X.item()
    with pytest.raises(ValueError, match=r"^max: the tensor is empty \(shape \(0,\)\)"):
        Tensor(np.ones(0)).max()
    with pytest.raises(TypeError, match=r"^var: give one of unbiased=, correction= or ddof=, got unbiased, correction"):
        Tensor([1.0, 2.0]).var(unbiased=True, correction=1)
    with pytest.raises(ValueError, match=r"^clip: lo must be <= hi, got lo=1\.0, hi=0\.0"):
        Value(0.5).clip(1.0, 0.0)
