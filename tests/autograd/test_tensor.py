"""The tensor engine: dtype rules, properties, every operation against numpy,
gradients of composites against central differences, and agreement with the
scalar engine on the same expressions."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor, Value, no_grad
from autograd.ops import Op

EPS = 1e-6


def assert_grads_match_fd(fn: Callable[..., Tensor], *arrays: np.ndarray, seed: int = 0) -> Tensor:
    """Check ``fn``'s gradients along random directions against central differences."""
    leaves = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = fn(*leaves)
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(out.shape)
    out.backward(gradient=v)

    def F(xs: list[np.ndarray]) -> float:
        with no_grad():
            return float(np.sum(fn(*[Tensor(x) for x in xs]).data * v))

    base = [leaf.data.copy() for leaf in leaves]
    for i, x in enumerate(base):
        g = leaves[i].grad
        assert g is not None and g.shape == x.shape
        u = rng.standard_normal(x.shape)
        plus = [y if j != i else y + EPS * u for j, y in enumerate(base)]
        minus = [y if j != i else y - EPS * u for j, y in enumerate(base)]
        numeric = (F(plus) - F(minus)) / (2 * EPS)
        analytic = float(np.sum(g * u))
        assert abs(analytic - numeric) <= 1e-6 + 1e-5 * abs(numeric), (
            f"input {i}: derivative {analytic!r}, central differences {numeric!r}; inputs {base!r}"
        )
    return out


# ---------------------------------------------------------------------------
# dtype rules
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, dtype",
    [
        (1, np.float64),
        (2.5, np.float64),
        (True, np.bool_),  # booleans are masks, not numbers (PyTorch: torch.tensor(True) is bool)
        ([True, False], np.bool_),
        ([1, 2, 3], np.float64),
        ([[1.5, 2], [3, 4]], np.float64),
        (np.arange(3, dtype=np.int32), np.float64),
        (np.arange(3, dtype=np.int64), np.float64),
        (np.array([True, False]), np.bool_),
        (np.ones(2, dtype=np.float32), np.float32),
        (np.ones(2, dtype=np.float16), np.float16),
        (np.ones(2, dtype=np.float64), np.float64),
        (np.float32(1.0), np.float32),
    ],
)
def test_construction_dtypes(data: Any, dtype: Any) -> None:
    t = Tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=dtype))


def test_explicit_dtype_and_tensor_function() -> None:
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert ag.tensor([1, 2]).dtype == np.float64
    t = ag.tensor([1.0], requires_grad=True, label="w")
    assert t.requires_grad and t.label == "w"


SCALAR_OPS = {
    "t * 0.5": lambda t: t * 0.5,
    "0.5 * t": lambda t: 0.5 * t,
    "t + 1": lambda t: t + 1,
    "1 + t": lambda t: 1 + t,
    "t - 2.0": lambda t: t - 2.0,
    "2.0 - t": lambda t: 2.0 - t,
    "t / 3": lambda t: t / 3,
    "3 / t": lambda t: 3 / t,
    "t ** 2": lambda t: t**2,
    "2.0 ** t": lambda t: 2.0**t,
    "maximum(t, 0.5)": lambda t: ag.maximum(t, 0.5),
    "where(m, t, 0.0)": lambda t: ag.where(t.data > 1, t, 0.0),
    "mean": lambda t: t.mean(),
    "softmax": lambda t: t.softmax(),
    "var": lambda t: t.var(),
}


@pytest.mark.parametrize("expr", SCALAR_OPS)
def test_python_scalars_are_weak_float32_stays_float32(expr: str) -> None:
    t = Tensor(np.array([0.5, 1.5, 2.5], dtype=np.float32), requires_grad=True)
    out = SCALAR_OPS[expr](t)
    assert out.dtype == np.float32, f"{expr} gave {out.dtype}"
    out.sum().backward()
    assert t.grad is not None and t.grad.dtype == np.float32


@pytest.mark.parametrize("c", [np.True_, np.False_, np.float32(2.0), np.float64(2.0), np.int64(2)], ids=repr)
def test_numpy_scalars_promote_as_numpy_does(c: Any) -> None:
    arr = np.array([0.5, 1.5, 2.5], dtype=np.float32)
    for name, op in (("+", operator.add), ("-", operator.sub), ("*", operator.mul)):
        for args, ref in (((Tensor(arr), c), (arr, c)), ((c, Tensor(arr)), (c, arr))):
            out = op(*args)
            want = op(*ref)
            assert type(out) is Tensor, f"{name} with {c!r}"
            assert out.dtype == want.dtype, f"{name} with {c!r}: {out.dtype}, numpy gives {want.dtype}"
            np.testing.assert_array_equal(out.data, want)


def test_mixed_float32_and_float64_tensors_promote_and_grads_keep_their_dtype() -> None:
    a = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    b = Tensor(np.full(3, 2.0), requires_grad=True)
    out = a * b
    assert out.dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_array_equal(a.grad, [2.0, 2.0, 2.0])


# ---------------------------------------------------------------------------
# ndarray (op) Tensor
# ---------------------------------------------------------------------------

NDARRAY_OPS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}


@pytest.mark.parametrize("op", NDARRAY_OPS)
def test_ndarray_op_tensor_is_a_tensor(op: str) -> None:
    fn = NDARRAY_OPS[op]
    arr = np.array([[1.5, 2.0, 0.5]])
    x = np.array([[0.5], [1.25]])
    t = Tensor(x, requires_grad=True)
    out = fn(arr, t)
    assert isinstance(out, Tensor), f"ndarray {op} Tensor gave {type(out).__name__}"
    np.testing.assert_allclose(out.data, fn(arr, x), rtol=1e-15)
    out2 = fn(t, arr)
    assert isinstance(out2, Tensor)
    np.testing.assert_allclose(out2.data, fn(x, arr), rtol=1e-15)
    assert_grads_match_fd(lambda t: fn(arr, t), x)
    assert_grads_match_fd(lambda t: fn(t, arr), x)


def test_ndarray_matmul_tensor_is_a_tensor() -> None:
    m = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]])
    v = np.array([2.0, -1.0])
    t = Tensor(v, requires_grad=True)
    out = m @ t
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.data, m @ v)
    out.sum().backward()
    np.testing.assert_allclose(t.grad, m.sum(axis=0))
    out = Tensor(m) @ np.array([1.0, 1.0])
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.data, m.sum(axis=1))
    # numpy scalars too
    assert isinstance(np.float64(2.0) * Tensor([1.0]), Tensor)


# ---------------------------------------------------------------------------
# Properties and conversions
# ---------------------------------------------------------------------------


def test_properties() -> None:
    x = np.arange(6.0).reshape(2, 3)
    t = Tensor(x)
    assert t.shape == (2, 3) and t.ndim == 2 and t.dtype == np.float64
    # PyTorch's size() is a method (the shape, or one dimension's size); numel() counts
    assert t.size() == (2, 3) and t.size(1) == 3 and t.size(-2) == 2 and t.numel() == 6 and t.dim() == 2
    assert isinstance(t.T, Tensor) and t.T.shape == (3, 2)
    np.testing.assert_array_equal(t.T.data, x.T)
    assert t.numpy() is t.data
    assert len(t) == 2
    assert np.asarray(t) is t.data
    np.testing.assert_array_equal(np.asarray(t, dtype=np.float32), x.astype(np.float32))
    assert t.tolist() == x.tolist()
    assert Tensor([[4.5]]).item() == 4.5 and type(Tensor([[4.5]]).item()) is float
    assert float(Tensor([2.5])) == 2.5 and float(Tensor(3.0)) == 3.0
    assert [row.tolist() for row in t] == x.tolist()


def test_conversion_errors() -> None:
    with pytest.raises(ValueError, match=r"item: only one-element tensors.*shape \(2,\)"):
        Tensor([1.0, 2.0]).item()
    with pytest.raises(ValueError, match="item"):
        float(Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="len"):
        len(Tensor(1.0))


def test_data_is_updatable_in_place_and_leaf_grad_is_writable() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    w.grad *= 0.5  # optimisers scale gradients in place
    w.data -= 0.1 * w.grad
    np.testing.assert_allclose(w.data, [0.9, 1.8])


# ---------------------------------------------------------------------------
# Operations: values against numpy, composites' gradients against differences
# ---------------------------------------------------------------------------

X = np.array([[0.3, -1.2, 2.0, 0.7], [1.1, 0.4, -0.6, -2.2], [0.9, -0.1, 1.6, 0.2]])


def test_elementwise_functions_against_numpy() -> None:
    t = Tensor(X)
    np.testing.assert_allclose((-t).data, -X)
    np.testing.assert_allclose(t.exp().data, np.exp(X), rtol=1e-15)
    np.testing.assert_allclose(abs(t).log().data, np.log(np.abs(X)), rtol=1e-15)
    np.testing.assert_allclose(abs(t).sqrt().data, np.sqrt(np.abs(X)), rtol=1e-15)
    np.testing.assert_allclose(t.abs().data, np.abs(X))
    np.testing.assert_allclose(t.tanh().data, np.tanh(X), rtol=1e-15)
    np.testing.assert_allclose(t.sigmoid().data, 1 / (1 + np.exp(-X)), rtol=1e-14)
    np.testing.assert_allclose(t.relu().data, np.maximum(X, 0))
    np.testing.assert_allclose(t.clip(-0.5, 1.0).data, np.clip(X, -0.5, 1.0))


def test_clip_gradient_is_zero_outside() -> None:
    t = Tensor([-2.0, -0.3, 0.4, 3.0], requires_grad=True)
    t.clip(-1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(t.grad, [0.0, 1.0, 1.0, 0.0])
    # Tensor.clip is PyTorch's clamp: min > max sets everything to max, with no gradient
    t.grad = None
    out = t.clip(1.0, -1.0)
    out.sum().backward()
    np.testing.assert_array_equal(out.data, [-1.0, -1.0, -1.0, -1.0])
    np.testing.assert_array_equal(t.grad, [0.0, 0.0, 0.0, 0.0])


AXES = [None, 0, 1, -1, (0, 1), (1,), (-1, 0), ()]


@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin"])
def test_reductions(name: str, axis: Any, keepdims: bool) -> None:
    t = Tensor(X)
    out = getattr(t, name)(axis=axis, keepdims=keepdims)
    np_axis = None if axis == () else axis  # PyTorch: an empty tuple of dims reduces them all (numpy: none)
    expected = getattr(np, {"amax": "max", "amin": "min"}.get(name, name))(X, axis=np_axis, keepdims=keepdims)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-15)
    assert_grads_match_fd(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), X)


def test_max_min_ties_share_the_gradient() -> None:
    t = Tensor([1.0, 3.0, 3.0, -2.0], requires_grad=True)
    t.max().backward()
    np.testing.assert_array_equal(t.grad, [0.0, 0.5, 0.5, 0.0])
    t = Tensor([[1.0, 1.0], [0.0, 2.0]], requires_grad=True)
    t.amin(axis=1).sum().backward()
    np.testing.assert_array_equal(t.grad, [[0.5, 0.5], [1.0, 0.0]])
    # max(dim)/min(dim), as PyTorch: the gradient goes to the element `indices` names (the first of ties)
    t = Tensor([[1.0, 1.0], [0.0, 2.0]], requires_grad=True)
    values, indices = t.min(dim=1)
    values.sum().backward()
    assert indices.tolist() == [0, 0]
    np.testing.assert_array_equal(t.grad, [[1.0, 0.0], [1.0, 0.0]])
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([1.0, 1.0], requires_grad=True)
    ag.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 0.0])


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)], ids=str)
@pytest.mark.parametrize("ddof", [0, 1])
def test_var_std(axis: Any, ddof: int) -> None:
    t = Tensor(X)
    np.testing.assert_allclose(t.var(axis=axis, ddof=ddof).data, np.var(X, axis=axis, ddof=ddof), rtol=1e-13)
    np.testing.assert_allclose(t.std(axis=axis, ddof=ddof).data, np.std(X, axis=axis, ddof=ddof), rtol=1e-13)
    np.testing.assert_allclose(t.var(dim=axis, correction=ddof).data, np.var(X, axis=axis, ddof=ddof), rtol=1e-13)
    # PyTorch's default divides by N - 1 (numpy's ddof=1); unbiased=False divides by N
    want = np.var(X, axis=axis, ddof=1, keepdims=True)
    np.testing.assert_allclose(t.var(axis=axis, keepdims=True).data, want, rtol=1e-13)
    np.testing.assert_allclose(t.var(axis, True, True).data, want, rtol=1e-13)  # var(dim, unbiased, keepdim)
    np.testing.assert_allclose(t.std(axis, False).data, np.std(X, axis=axis), rtol=1e-13)
    assert_grads_match_fd(lambda t: t.var(axis=axis, ddof=ddof), X)
    assert_grads_match_fd(lambda t: t.std(axis=axis, ddof=ddof), X)


def _np_log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    # independent reference: shift by the max, in extended precision
    x = x.astype(np.longdouble)
    s = x - x.max(axis=axis, keepdims=True)
    return (s - np.log(np.exp(s).sum(axis=axis, keepdims=True))).astype(np.float64)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_family_against_numpy(axis: int) -> None:
    t = Tensor(X)
    ls = _np_log_softmax(X, axis)
    np.testing.assert_allclose(t.log_softmax(axis).data, ls, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(t.softmax(axis).data, np.exp(ls), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(t.softmax(axis).data.sum(axis=axis), 1.0, rtol=1e-14)
    lse = np.log(np.exp(X).sum(axis=axis))
    np.testing.assert_allclose(t.logsumexp(axis).data, lse, rtol=1e-14)
    assert_grads_match_fd(lambda t: t.softmax(axis), X)
    assert_grads_match_fd(lambda t: t.log_softmax(axis), X)
    assert_grads_match_fd(lambda t: t.logsumexp(axis, keepdims=True), X)


def test_softmax_default_axis_is_last() -> None:
    t = Tensor(X)
    np.testing.assert_allclose(t.softmax().data, t.softmax(-1).data)
    np.testing.assert_allclose(t.logsumexp().data, t.logsumexp(-1).data)


@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_softmax_family_is_stable_for_huge_logits(scale: float) -> None:
    logits = np.array([[1.0, 0.0, -1.0, 0.5], [1.0, 1.0, -1.0, 0.0]]) * scale
    v = np.array([[0.3, -1.0, 2.0, 0.5], [1.0, 0.0, -0.5, 0.25]])
    expected_ls = _np_log_softmax(logits, -1)
    for name in ("softmax", "log_softmax", "logsumexp"):
        t = Tensor(logits, requires_grad=True)
        out = getattr(t, name)(-1)
        assert np.all(np.isfinite(out.data)), f"{name} at {scale}: {out.data}"
        out.backward(gradient=v if name != "logsumexp" else v[:, 0])
        assert np.all(np.isfinite(t.grad)), f"{name} gradient at {scale}: {t.grad}"
        p = np.exp(expected_ls)
        if name == "softmax":
            np.testing.assert_allclose(out.data, p, atol=1e-300)
            # d/dx sum(v * softmax(x)) = p * (v - sum(p * v))
            np.testing.assert_allclose(t.grad, p * (v - (p * v).sum(axis=-1, keepdims=True)), atol=1e-12)
        elif name == "log_softmax":
            # NOTE: x - logsumexp(x) is exact up to a few ulp of |x| (1.8e-12 at 1e4)
            np.testing.assert_allclose(out.data, expected_ls, rtol=1e-15, atol=1e-11)
            np.testing.assert_allclose(t.grad, v - p * v.sum(axis=-1, keepdims=True), atol=1e-12)
        else:
            m = logits.max(axis=-1)
            np.testing.assert_allclose(out.data, m + np.log(np.exp(logits - m[:, None]).sum(axis=-1)), rtol=1e-15)
            np.testing.assert_allclose(t.grad, p * v[:, :1], atol=1e-12)


def test_shape_operations() -> None:
    x = np.arange(24.0).reshape(2, 1, 3, 4)
    t = Tensor(x)
    np.testing.assert_array_equal(t.flatten().data, x.ravel())
    np.testing.assert_array_equal(t.reshape(6, 4).data, x.reshape(6, 4))
    np.testing.assert_array_equal(t.reshape((4, -1)).data, x.reshape(4, -1))
    np.testing.assert_array_equal(t.view(-1, 12).data, x.reshape(-1, 12))
    np.testing.assert_array_equal(t.T.data, x.transpose())
    np.testing.assert_array_equal(t.permute(3, 0, 2, 1).data, x.transpose(3, 0, 2, 1))
    np.testing.assert_array_equal(t.permute((1, 0, 3, 2)).data, x.transpose(1, 0, 3, 2))
    # transpose(dim0, dim1) swaps two dimensions, as PyTorch (not numpy's permutation)
    np.testing.assert_array_equal(t.transpose(0, 3).data, np.swapaxes(x, 0, 3))
    np.testing.assert_array_equal(t.transpose(-1, -2).data, np.swapaxes(x, -1, -2))
    np.testing.assert_array_equal(t.mT.data, np.swapaxes(x, -1, -2))
    np.testing.assert_array_equal(t.squeeze().data, x.squeeze())
    np.testing.assert_array_equal(t.squeeze(1).data, x.squeeze(1))
    np.testing.assert_array_equal(t.squeeze(-3).data, x.squeeze(-3))
    # squeezing a dimension whose size is not 1 changes nothing, as in PyTorch
    assert t.squeeze(0).shape == x.shape and t.squeeze((0, 1)).shape == (2, 3, 4)
    for axis in (0, 2, -1, -5, 4):
        np.testing.assert_array_equal(t.unsqueeze(axis).data, np.expand_dims(x, axis))
        np.testing.assert_array_equal(t.expand_dims(axis).data, np.expand_dims(x, axis))
    for fn in (
        lambda t: t.flatten(),
        lambda t: t.squeeze(),
        lambda t: t.unsqueeze(-1),
        lambda t: t.permute(3, 0, 2, 1),
        lambda t: t.transpose(1, 3),
        lambda t: t.reshape(4, -1),
    ):
        assert_grads_match_fd(fn, x / 10)


def test_indexing() -> None:
    t = Tensor(X)
    for index in [
        1,
        -1,
        (0, 2),
        slice(1, None),
        (slice(None), 1),
        (Ellipsis, -1),
        (None, 0),
        ([0, 2, 0],),
        (np.array([1, 1]), np.array([0, 3])),
        X > 0.5,
        (slice(None), [3, 3, 0]),
    ]:
        np.testing.assert_array_equal(t[index].data, X[index])


def test_integer_array_index_accumulates_repeated_gradients() -> None:
    t = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    t[[0, 2, 0, 0]].sum().backward()
    np.testing.assert_array_equal(t.grad, [3.0, 0.0, 1.0])
    t = Tensor(np.zeros((2, 3)), requires_grad=True)
    out = t[np.array([1, 1, 0]), np.array([2, 2, 2])]
    out.backward(gradient=np.array([1.0, 2.0, 4.0]))
    np.testing.assert_array_equal(t.grad, [[0.0, 0.0, 4.0], [0.0, 0.0, 3.0]])
    # a Tensor of indices works like an int array
    t = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    t[Tensor([2, 2])].sum().backward()
    np.testing.assert_array_equal(t.grad, [0.0, 0.0, 2.0])


def test_boolean_mask_indexing() -> None:
    t = Tensor(X, requires_grad=True)
    mask = t > 0.5
    assert isinstance(mask, Tensor) and mask.dtype == np.bool_ and not mask.requires_grad
    picked = t[mask]
    np.testing.assert_array_equal(picked.data, X[X > 0.5])
    (picked * 2).sum().backward()
    np.testing.assert_array_equal(t.grad, np.where(X > 0.5, 2.0, 0.0))
    t = Tensor(X, requires_grad=True)
    rows = np.array([True, False, True])
    t[rows].sum().backward()
    np.testing.assert_array_equal(t.grad, np.where(rows[:, None], 1.0, 0.0) * np.ones_like(X))


def test_argmax_argmin_are_int64_tensors_without_gradient() -> None:
    t = Tensor(X, requires_grad=True)
    for axis in (None, 0, 1, -1):
        a = t.argmax(axis)
        assert isinstance(a, Tensor) and a.dtype == np.int64 and not a.requires_grad
        np.testing.assert_array_equal(a.data, np.argmax(X, axis=axis))
        np.testing.assert_array_equal(t.argmin(dim=axis).data, np.argmin(X, axis=axis))
    assert t.argmax(1, keepdim=True).shape == (3, 1)
    assert t.grad is None


COMPARISONS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@pytest.mark.parametrize("op", COMPARISONS)
def test_comparisons_return_bool_tensors(op: str) -> None:
    fn = COMPARISONS[op]
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([3.0, 2.0, 1.0])
    ta, tb = Tensor(a, requires_grad=True), Tensor(b)
    for left, right, expected in [
        (ta, tb, fn(a, b)),
        (ta, 2.0, fn(a, 2.0)),
        (ta, b, fn(a, b)),
        (2.0, ta, fn(2.0, a)),
    ]:
        out = fn(left, right)
        assert isinstance(out, Tensor) and out.dtype == np.bool_, f"{op} gave {type(out).__name__}"
        assert not out.requires_grad and out.op is None
        np.testing.assert_array_equal(out.data, expected)


def test_concatenate_stack_where() -> None:
    a = np.arange(6.0).reshape(2, 3)
    b = -np.arange(3.0).reshape(1, 3)
    np.testing.assert_array_equal(ag.concatenate([Tensor(a), Tensor(b)]).data, np.concatenate([a, b]))
    np.testing.assert_array_equal(
        ag.concatenate([Tensor(a), a.T.reshape(2, 3)], axis=-1).data, np.concatenate([a, a.T.reshape(2, 3)], axis=-1)
    )
    np.testing.assert_array_equal(ag.stack([Tensor(a), Tensor(a * 2)], axis=1).data, np.stack([a, a * 2], axis=1))
    np.testing.assert_array_equal(ag.stack([Tensor(a), Tensor(a)], axis=-1).data, np.stack([a, a], axis=-1))
    cond = a > 2
    np.testing.assert_array_equal(ag.where(cond, Tensor(a), Tensor(-a)).data, np.where(cond, a, -a))
    np.testing.assert_array_equal(ag.where(cond, Tensor(a), 0.0).data, np.where(cond, a, 0.0))
    np.testing.assert_array_equal(ag.where(Tensor(cond), 1.0, Tensor(a)).data, np.where(cond, 1.0, a))
    assert_grads_match_fd(lambda x, y: ag.concatenate([x, y], axis=0), a, b)
    assert_grads_match_fd(lambda x, y: ag.stack([x, y * y], axis=2), a, a + 1)
    assert_grads_match_fd(lambda x, y: ag.where(cond, x, y), a, b)


def test_maximum_minimum() -> None:
    a = np.array([[1.0, -2.0, 3.5]])
    b = np.array([[0.5], [2.5]])
    np.testing.assert_array_equal(ag.maximum(Tensor(a), Tensor(b)).data, np.maximum(a, b))
    np.testing.assert_array_equal(ag.minimum(Tensor(a), Tensor(b)).data, np.minimum(a, b))
    np.testing.assert_array_equal(ag.maximum(0.0, Tensor(a)).data, np.maximum(0.0, a))
    np.testing.assert_array_equal(ag.minimum(Tensor(a), b).data, np.minimum(a, b))
    assert_grads_match_fd(lambda x, y: ag.maximum(x, y), a, b)
    assert_grads_match_fd(lambda x, y: ag.minimum(x, y), a, b)


def test_zeros_ones() -> None:
    for fn, ref in ((ag.zeros, np.zeros), (ag.ones, np.ones)):
        t = fn(2, 3)
        assert isinstance(t, Tensor) and t.dtype == np.float64 and not t.requires_grad
        np.testing.assert_array_equal(t.data, ref((2, 3)))
        np.testing.assert_array_equal(fn((4,)).data, ref(4))
        assert fn().shape == ()
        assert fn(3, dtype=np.float32).dtype == np.float32
        assert fn(2, requires_grad=True).requires_grad


def test_randn_seed_and_generator() -> None:
    a = ag.randn(3, 4, seed=7)
    assert a.shape == (3, 4) and a.dtype == np.float64
    np.testing.assert_array_equal(a.data, np.random.default_rng(7).standard_normal((3, 4)))
    np.testing.assert_array_equal(ag.randn((3, 4), seed=7).data, a.data)
    assert not np.array_equal(ag.randn(3, 4, seed=8).data, a.data)
    g1, g2 = np.random.default_rng(123), np.random.default_rng(123)
    first = ag.randn(5, generator=g1)
    np.testing.assert_array_equal(first.data, g2.standard_normal(5))
    second = ag.randn(5, generator=g1)  # the generator advances
    np.testing.assert_array_equal(second.data, g2.standard_normal(5))
    assert ag.randn(2, seed=0, dtype=np.float32).dtype == np.float32
    assert ag.randn(2, seed=0, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="randn: give seed or generator, not both"):
        ag.randn(2, seed=1, generator=g1)


# ---------------------------------------------------------------------------
# Gradient bookkeeping
# ---------------------------------------------------------------------------


def test_no_gradient_for_inputs_that_do_not_require_it() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    out = w * c
    # make c's rule explode if the backward loop calls it
    mul = out.op

    def forbidden(g: Any, out: Any, a: Any, b: Any) -> Any:
        raise AssertionError("the rule for an input that does not require grad was called")

    out.op = Op(mul.name, mul.fwd, (mul.vjp[0], forbidden), mul.symbol)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])
    assert c.grad is None
    # nothing requires grad: nothing is recorded at all
    d = Tensor([1.0]) * Tensor([2.0])
    assert d.op is None and d._prev == () and not d.requires_grad


def test_leaves_accumulate_across_backward_calls() -> None:
    w = Tensor([1.0, -2.0], requires_grad=True)
    y = (w * w).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(w.grad, 2 * (2 * w.data))
    w.zero_grad()
    assert w.grad is None
    (w * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])


def test_broadcast_gradients_are_summed_back_to_the_input_shape() -> None:
    a = Tensor(np.ones((3, 1)), requires_grad=True)
    b = Tensor(np.ones(4) * 2.0, requires_grad=True)
    s = Tensor(5.0, requires_grad=True)
    (a * b * s).sum().backward()
    np.testing.assert_array_equal(a.grad, np.full((3, 1), 4 * 2.0 * 5.0))
    np.testing.assert_array_equal(b.grad, np.full(4, 3 * 5.0))
    assert s.grad.shape == () and s.grad == 3 * 4 * 2.0


# ---------------------------------------------------------------------------
# The same expressions on Value and on Tensor agree to 1e-12 in float64
# ---------------------------------------------------------------------------

# name -> (arity, function of engine nodes); every function works on both engines.
EXPR_OPS: dict[str, tuple[int, Callable[..., Any]]] = {
    "add": (2, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b),
    "mul": (2, lambda a, b: a * b),
    "div": (2, lambda a, b: a / (b * b + 1.0)),
    "pow": (2, lambda a, b: (a * a + 0.5) ** b.tanh()),
    "maximum": (2, lambda a, b: ag.maximum(a, b)),
    "minimum": (2, lambda a, b: ag.minimum(a, b)),
    "neg": (1, lambda a: -a),
    "x + c": (1, lambda a: a + 0.75),
    "c - x": (1, lambda a: 0.5 - a),
    "x * c": (1, lambda a: a * -1.25),
    "c / x": (1, lambda a: 2.0 / (a * a + 1.0)),
    "x ** 2": (1, lambda a: a**2),
    "c ** x": (1, lambda a: 1.5 ** a.tanh()),
    "exp": (1, lambda a: a.tanh().exp()),
    "log": (1, lambda a: (a * a + 0.1).log()),
    "sqrt": (1, lambda a: (a * a + 0.1).sqrt()),
    "abs": (1, lambda a: abs(a)),
    "tanh": (1, lambda a: a.tanh()),
    "sigmoid": (1, lambda a: a.sigmoid()),
    "relu": (1, lambda a: a.relu()),
    "leaky_relu": (1, lambda a: a.leaky_relu(0.1)),
    "softplus": (1, lambda a: a.softplus()),
    "gelu": (1, lambda a: a.gelu()),
    "gelu tanh": (1, lambda a: a.gelu("tanh")),
    "erf": (1, lambda a: a.erf()),
    "clip": (1, lambda a: a.clip(-1.0, 1.5)),
}


@st.composite
def programs(draw: Any) -> tuple[int, list[tuple[str, tuple[int, ...]]]]:
    """A straight-line program: each step applies an op to earlier registers."""
    n_inputs = draw(st.integers(1, 3))
    steps = []
    for k in range(draw(st.integers(1, 8))):
        name = draw(st.sampled_from(sorted(EXPR_OPS)))
        arity = EXPR_OPS[name][0]
        args = tuple(draw(st.integers(0, n_inputs + k - 1)) for _ in range(arity))
        steps.append((name, args))
    return n_inputs, steps


def _run(program: tuple[int, list], inputs: list[Any]) -> Any:
    regs = list(inputs)
    for name, args in program[1]:
        regs.append(EXPR_OPS[name][1](*[regs[i] for i in args]))
    return regs[-1]


def _close(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


# One-input expressions at the numbers where Python and numpy part ways (nan,
# ±inf, -0.0, huge): Python raises or returns a complex number where numpy gives
# inf, nan or a signed zero.
SPECIAL_EXPRS: dict[str, Callable[[Any], Any]] = {
    **{name: f for name, (arity, f) in EXPR_OPS.items() if arity == 1},
    "c / x (no offset)": lambda a: 2.0 / a,
    "x / 0": lambda a: a / 0.0,
    "x ** 0.5": lambda a: a**0.5,
    "x ** -0.5": lambda a: a**-0.5,
    "x ** 1.5": lambda a: a**1.5,
    "x ** -1": lambda a: a**-1,
    "1.5 ** x": lambda a: 1.5**a,
    "exp(x)": lambda a: a.exp(),
    "log(x)": lambda a: a.log(),
    "sqrt(x)": lambda a: a.sqrt(),
    "step": lambda a: a.step(),
}
SPECIAL_VALUES = [math.nan, math.inf, -math.inf, -0.0, 0.0, -1.0, -2.5, 1e300, -1e300]


def _same(a: Any, b: Any) -> bool:
    if type(a) is not float or type(b) is not float:  # e.g. a complex number from Python's **
        return False
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b))  # (equal zeros of either sign pass)


@pytest.mark.parametrize("name", SPECIAL_EXPRS)
def test_engines_agree_at_nan_inf_and_signed_zero(name: str) -> None:
    f = SPECIAL_EXPRS[name]
    for x in SPECIAL_VALUES:
        v = Value(x)
        out_v = f(v)
        out_v.backward()
        t = Tensor(np.array([x]), requires_grad=True)
        with np.errstate(all="ignore"):
            out_t = f(t)
            out_t.sum().backward()
        t_grad = 0.0 if t.grad is None else float(t.grad[0])
        assert _same(out_v.data, float(out_t.data[0])), f"{name} at {x!r}: Value {out_v.data!r}, Tensor {out_t.data!r}"
        assert _same(v.grad, t_grad), f"gradient of {name} at {x!r}: Value {v.grad!r}, Tensor {t_grad!r}"


@given(
    program=programs(),
    samples=st.integers(1, 4),
    shared=st.booleans(),
    data=st.data(),
)
def test_value_and_tensor_engines_agree(program: Any, samples: int, shared: bool, data: Any) -> None:
    n_inputs = program[0]
    x = np.array([[data.draw(st.floats(-2, 2), label=f"x{i}[{s}]") for s in range(samples)] for i in range(n_inputs)])
    if shared:  # input 0 is one number broadcast over all samples
        x[0, :] = x[0, 0]
    # Tensor engine: every sample at once (input 0 as a 0-d tensor when shared);
    # adding zeros gives the output one entry per sample even if it uses only input 0.
    leaves = [Tensor(x[0, 0] if (i == 0 and shared) else x[i], requires_grad=True) for i in range(n_inputs)]
    out_t = _run(program, leaves) + np.zeros(samples)
    out_t.sum().backward()
    tensor_grads = [np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad for leaf in leaves]
    # Value engine: one sample at a time
    value_grads = np.zeros((n_inputs, samples))
    for s in range(samples):
        vals = [Value(float(x[i, s])) for i in range(n_inputs)]
        out_v = _run(program, vals) + 0.0
        out_v.backward()
        value_grads[:, s] = [v.grad for v in vals]
        t_data = float(out_t.data[s])
        assert _close(out_v.data, t_data), f"value: Value {out_v.data!r}, Tensor {t_data!r}; program {program}"
    for i in range(n_inputs):
        if i == 0 and shared:
            # the shared input's gradient is the sum over samples of the per-sample gradients
            total = math.fsum(value_grads[0])
            g0 = float(tensor_grads[0])
            scale = samples * max([1.0] + [abs(p) for p in value_grads[0]])
            assert g0 == total or abs(g0 - total) <= 1e-12 * scale or (math.isnan(g0) and math.isnan(total)), (
                f"shared input: Tensor {g0!r}, sum of Value gradients {total!r}; program {program}, inputs {x}"
            )
            continue
        for s in range(samples):
            vg, tg = float(value_grads[i, s]), float(tensor_grads[i][s])
            assert _close(vg, tg), (
                f"d/dx{i} at sample {s}: Value {vg!r}, Tensor {tg!r}; program {program}, inputs {x[:, s]}"
            )


def test_leaf_gradients_are_owned_writable_arrays_never_shared_between_leaves():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((2, 3)), requires_grad=True)
    c = Tensor(np.ones(3), requires_grad=True)  # broadcast: gets a fresh sum
    ((a + b) + c).sum().backward()
    assert a.grad is not b.grad and not np.shares_memory(a.grad, b.grad)
    for t in (a, b, c):
        assert t.grad.flags.writeable and t.grad.base is None
    a.grad *= 0.0  # an in-place edit of one leaf's gradient leaves the others alone
    np.testing.assert_array_equal(b.grad, np.ones((2, 3)))
    np.testing.assert_array_equal(c.grad, np.full(3, 2.0))
    for n in (3, 5000):  # sum's rule: a filled array (small), a read-only broadcast view (large)
        x = Tensor(np.ones(n), requires_grad=True)
        x.sum().backward()  # either way the leaf holds its own writable array
        assert x.grad.flags.writeable and x.grad.base is None and x.grad.shape == (n,)
        np.testing.assert_array_equal(x.grad, np.ones(n))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_the_implied_seed_is_a_fresh_one_of_the_outputs_dtype_and_shape(dtype: Any, shape: tuple) -> None:
    # the seed becomes the root's grad, the user's array: it is new at each backward, writable and owned
    x = Tensor(np.full(shape, 3.0, dtype), requires_grad=True)
    seeds = []
    for _ in range(2):
        y = x * 2.0
        y.backward()
        seeds.append(y.grad)
        assert y.grad.dtype == dtype and y.grad.shape == shape and y.grad.tolist() == np.ones(shape).tolist()
        assert y.grad.flags.writeable and y.grad.flags.owndata and y.grad.base is None
        y.grad[...] = 7.0  # the user's to change: the next seed is 1 all the same
    assert seeds[0] is not seeds[1] and x.grad.tolist() == np.full(shape, 4.0).tolist()


def test_fast_paths_match_the_table_and_keep_anomaly_checks():
    from autograd import AnomalyError, detect_anomaly
    from autograd.ops import ARRAY

    x = Tensor(np.array([-1.5, 0.0, 2.0], dtype=np.float32), requires_grad=True)
    for y, name, want in [
        (x * 0.5, "mul", x.data * 0.5),
        (0.5 * x, "mul", x.data * 0.5),
        (x + 2, "add", x.data + 2),
        (2 + x, "add", x.data + 2),
        (x.tanh(), "tanh", np.tanh(x.data)),
        (x.relu(), "relu", np.maximum(x.data, 0)),
    ]:
        assert y.op.name == name and y._prev == (x,) and y.dtype == np.float32
        np.testing.assert_array_equal(y.data, want)
        np.testing.assert_array_equal(y.data, y.op.fwd(ARRAY, x.data, *y._meta))  # the table's forward
    with detect_anomaly(), pytest.raises(AnomalyError, match="forward of 'mul'"):
        x * float("inf")
    with no_grad():
        assert (x * 2.0).op is None and not (x.tanh()).requires_grad


def test_a_bool_mask_selects_and_a_fractional_index_is_refused() -> None:
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    np.testing.assert_array_equal(x[Tensor([True, False, True])].data, [10.0, 30.0])  # was [20, 10, 20]
    np.testing.assert_array_equal(x[Tensor(np.array([False, True, False]))].data, [20.0])
    np.testing.assert_array_equal(x[x > 15].data, [20.0, 30.0])
    np.testing.assert_array_equal(x[ag.tensor([2, 0])].data, [30.0, 10.0])  # whole numbers index
    with pytest.raises(IndexError, match=r"index tensor holds 1\.5, which is not a whole number"):
        x[Tensor([0.0, 1.5])]
    x[Tensor([True, False, True])].sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0])
    with pytest.raises(RuntimeError, match="floating point"):
        Tensor([True, False], requires_grad=True)


def test_np_array_copies_and_np_asarray_shares_as_numpy_asks() -> None:
    t = Tensor([1.0, 2.0])
    snapshot = np.array(t)
    t.data[0] = 99.0  # a training step changes the weights in place
    assert snapshot.tolist() == [1.0, 2.0]  # was [99.0, 2.0]: the snapshot was the live array
    assert np.shares_memory(np.asarray(t), t.data)
    assert np.array(t, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="needs a copy"):
        t.__array__(np.float32, copy=False)


def test_reductions_of_an_empty_tensor_give_pytorchs_values() -> None:
    e = Tensor(np.zeros((0,)), requires_grad=True)
    assert math.isnan(e.mean().item()) and math.isnan(e.var().item()) and math.isnan(e.std().item())
    assert e.logsumexp(0).item() == -math.inf
    assert e.softmax(0).shape == (0,) and e.log_softmax(0).shape == (0,)
    with pytest.raises(ValueError, match=r"max: the tensor is empty"):
        e.max()
    rows = Tensor(np.zeros((2, 0)))
    np.testing.assert_array_equal(rows.logsumexp(1).data, [-math.inf, -math.inf])


def test_data_replaced_with_another_shape_is_named_at_backward() -> None:
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (w * w).sum()
    w.data = np.zeros(4)
    with pytest.raises(ValueError, match=r"backward of 'mul' .* Was an input's \.data replaced with another shape"):
        y.backward()


def test_std_at_zero_spread_has_pytorchs_zero_gradient() -> None:
    s = Tensor([2.0, 2.0, 2.0], requires_grad=True)
    out = s.std()
    out.backward()
    assert out.item() == 0.0 and s.grad.tolist() == [0.0, 0.0, 0.0]  # was nan
    x = Tensor([[1.0, 1.0], [1.0, 3.0]], requires_grad=True)  # one row without spread, one with
    y = x.std(1)
    y.sum().backward()
    np.testing.assert_allclose(y.data, [0.0, math.sqrt(2.0)])
    np.testing.assert_allclose(x.grad, [[0.0, 0.0], [-1 / math.sqrt(2.0), 1 / math.sqrt(2.0)]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_seeds_a_one_number_output_with_a_fresh_one_of_its_dtype_unless_given(dtype) -> None:
    x = Tensor(np.array([1.0, 2.0], dtype), requires_grad=True)
    out = (x * x).sum()  # 0-d: seeded in Tensor._seed itself
    out.backward(retain_graph=True)
    first = out.grad
    assert type(first) is np.ndarray and first.dtype == dtype and first.shape == () and first == 1
    out.backward(gradient=3.0)  # a given gradient is used, of the output's dtype
    assert out.grad is not first and out.grad.dtype == dtype and out.grad == 3 and first == 1
    assert x.grad.tolist() == [8.0, 16.0]  # 2x, then 3 * 2x
    one = x[:1] * 2.0  # one element, one dimension: seeded with ones of its shape
    one.backward()
    assert one.grad.shape == (1,) and one.grad.dtype == dtype and one.grad.tolist() == [1.0]
    with pytest.raises(RuntimeError, match=r"backward: the output has shape \(2,\); gradient can be implied only"):
        (x * 2.0).backward()


@pytest.mark.parametrize("device", [None, "cpu", ag.device("cpu"), "cuda", 0])
def test_a_tensors_device_is_checked_unless_none(device) -> None:
    if device in ("cuda", 0):
        with pytest.raises(RuntimeError if device == "cuda" else TypeError, match="CPU only|device must be 'cpu'"):
            Tensor([1.0], device=device)
        return
    x = Tensor([1.0, 2.0], device=device, label="x")
    assert x.device == ag.device("cpu") and x.label == "x" and x.tolist() == [1.0, 2.0] and x._a is x._row is None
