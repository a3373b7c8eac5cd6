"""The PyTorch names a newcomer reaches for: creation, dtypes, conversions, shapes, selections, module functions.

Values are PyTorch's (its meaning is encoded here directly; ``pytorch_cases.py``
holds programs whose answers were recorded from torch).  Composite selections
(gather, index_select, masked_fill, split, chunk, max(dim)) are checked against
central differences on random shapes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd import Tensor, Value

from .test_tensor import assert_grads_match_fd

REAL = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


# ---------------------------------------------------------------------------
# creation and dtypes
# ---------------------------------------------------------------------------


def test_creation_functions_follow_pytorch() -> None:
    assert ag.zeros(2, 3).shape == (2, 3) and ag.zeros((2, 3)).dtype == np.float64
    assert ag.ones(2, dtype=ag.float32).dtype == np.float32 and ag.ones(2).tolist() == [1.0, 1.0]
    assert ag.full((2,), 7).tolist() == [7, 7] and ag.full((2,), 7).dtype == np.int64  # dtype from the value
    assert ag.full((2,), 0.5).dtype == np.float64 and ag.full((1,), True).dtype == np.bool_
    assert ag.arange(5).tolist() == [0, 1, 2, 3, 4] and ag.arange(5).dtype == np.int64  # ints: int64
    assert ag.arange(1, 2, 0.25).tolist() == [1.0, 1.25, 1.5, 1.75] and ag.arange(3.0).dtype == np.float64
    assert ag.linspace(-1, 1, 5).tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert ag.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert ag.empty(2, 2).shape == (2, 2)
    like = ag.ones(2, 3, dtype=ag.float32)
    for fn in (ag.zeros_like, ag.ones_like, ag.empty_like, ag.rand_like, ag.randn_like):
        out = fn(like)
        assert out.shape == (2, 3) and out.dtype == np.float32 and not out.requires_grad, fn.__name__
    assert ag.full_like(like, 3.0).tolist() == [[3.0] * 3] * 2
    assert ag.zeros(2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        ag.zeros(2, dtype=ag.int64, requires_grad=True)


def test_tensor_copies_from_numpy_shares_as_tensor_shares_when_it_can() -> None:
    a = np.array([1.0, 2.0])
    t, f, s = ag.tensor(a), ag.from_numpy(a), ag.as_tensor(a)
    a[0] = 100.0
    assert t.tolist() == [1.0, 2.0] and f.tolist() == [100.0, 2.0] and s.data is a
    f.add_(1.0)  # the tensor changes the array too
    assert a.tolist() == [101.0, 3.0]
    ints = np.arange(3)
    assert ag.tensor(ints).dtype == np.int64 and ag.from_numpy(ints).dtype == np.int64
    # Python numbers and lists are float64 (layergrad's rule; PyTorch infers int64 for [1, 2])
    assert ag.tensor([1, 2]).dtype == np.float64 and ag.tensor(3).dtype == np.float64
    # the Tensor class always makes floats, as torch.Tensor(...) does
    assert Tensor(ints).dtype == np.float64 and Tensor(ints, dtype=ag.int64).dtype == np.int64
    with pytest.raises(TypeError, match="from_numpy: expected a numpy.ndarray"):
        ag.from_numpy([1.0])


def test_random_numbers_repeat_after_manual_seed() -> None:
    ag.manual_seed(123)
    a = (ag.randn(3), ag.rand(2), ag.randint(0, 10, (4,)), ag.randint(5, (2,)))
    ag.manual_seed(123)
    b = (ag.randn(3), ag.rand(2), ag.randint(0, 10, (4,)), ag.randint(5, (2,)))
    assert all(x.tolist() == y.tolist() for x, y in zip(a, b))
    assert a[2].dtype == np.int64 and all(0 <= v < 10 for v in a[2].tolist())
    assert ag.randn(2, 3, requires_grad=True).requires_grad and ag.randn((), dtype=ag.float32).shape == ()


def test_dtype_names_conversions_and_devices() -> None:
    assert ag.float == ag.float32 and ag.double == ag.float64 and ag.long == ag.int64 and ag.int == ag.int32
    x = Tensor([1.5, -2.5], requires_grad=True)
    assert x.float().dtype == np.float32 and x.double() is x and x.half().dtype == np.float16
    assert x.long().tolist() == [1, -2] and x.long().dtype == np.int64 and not x.long().requires_grad
    assert x.int().dtype == np.int32 and x.bool().tolist() == [True, True]
    assert x.to(ag.float32).requires_grad and x.to("cpu") is x and x.to(x) is x
    assert x.to(ag.float64, copy=True) is not x and x.type_as(ag.zeros(1, dtype=ag.float32)).dtype == np.float32
    assert x.is_floating_point() and not x.long().is_floating_point()
    assert x.device == ag.device("cpu") and x.cpu() is x and ag.get_default_dtype() == np.float64
    ag.set_default_dtype(ag.float64)
    with pytest.raises(ValueError, match="default float dtype is float64"):
        ag.set_default_dtype(ag.float32)
    with pytest.raises(RuntimeError, match="CPU only"):
        ag.zeros(2, device="cuda")
    with pytest.raises(TypeError, match="is not a dtype"):
        x.to(object())


def test_clone_and_contiguous() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    c = x.clone()
    assert c.data is not x.data and c.op.name == "clone" and c.requires_grad
    assert x.contiguous() is x
    t = x.t()
    assert t.contiguous() is not t and t.contiguous().data.flags.c_contiguous
    (c * c).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data)


# ---------------------------------------------------------------------------
# sizes, bool tensors, module functions
# ---------------------------------------------------------------------------


def test_bool_tensors_behave_like_pytorchs() -> None:
    x = Tensor([1.0, 2.0, 3.0])
    m = x > 1.5
    assert m.dtype == np.bool_ and m.sum().item() == 2 and m.sum().dtype == np.int64
    assert m.float().dtype == np.float32 and m.float().mean().item() == pytest.approx(2 / 3)
    assert m.any().item() is True and m.all().item() is False
    assert ((x > 1) & (x < 3)).tolist() == [False, True, False] and (~m).tolist() == [True, False, False]
    assert bool(x.sum() > 5) and not bool(x.sum() < 5)
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(m)
    with pytest.raises(TypeError, match="expects bool or integer tensors"):
        x & x


def test_module_functions_mirror_the_methods() -> None:
    x = Tensor([[1.0, -2.0], [3.0, 0.5]])
    for name, args in [
        ("exp", ()),
        ("sin", ()),
        ("cos", ()),
        ("abs", ()),
        ("tanh", ()),
        ("sigmoid", ()),
        ("relu", ()),
        ("square", ()),
        ("sum", (1,)),
        ("mean", (0,)),
        ("prod", (1,)),
        ("cumsum", (0,)),
        ("amax", (1,)),
        ("argmax", (1,)),
        ("var", (0,)),
        ("std", ()),
        ("norm", ()),
        ("logsumexp", (1,)),
        ("softmax", (1,)),
        ("log_softmax", (0,)),
        ("flatten", ()),
        ("t", ()),
        ("unsqueeze", (0,)),
    ]:
        want = getattr(x, name)(*args)
        got = getattr(ag, name)(x, *args)
        np.testing.assert_array_equal(got.data, want.data, err_msg=name)
    assert ag.max(x, 1).indices.tolist() == [0, 0] and ag.min(x).item() == -2.0
    np.testing.assert_array_equal(ag.clamp(x, min=0).data, [[1.0, 0.0], [3.0, 0.5]])
    np.testing.assert_array_equal(ag.cat([x, x], dim=1).data, np.concatenate([x.data, x.data], axis=1))
    np.testing.assert_array_equal(ag.stack([x, x], dim=2).data, np.stack([x.data, x.data], axis=2))
    np.testing.assert_array_equal(ag.mm(x, x).data, x.data @ x.data)
    assert ag.numel(x) == 4 and ag.is_tensor(x) and not ag.is_tensor(x.data) and ag.allclose(x, x.data + 1e-12)
    assert ag.exp([0.0]).tolist() == [1.0]  # a list becomes a constant tensor
    v = ag.sin(Value(0.5))  # elementwise functions take a Value too
    assert isinstance(v, Value) and v.data == pytest.approx(np.sin(0.5))
    v.backward()
    with pytest.raises(RuntimeError, match="mm: expects two 2-D tensors"):
        ag.mm(x, x[0])
    with pytest.raises(RuntimeError, match="bmm: expects two 3-D tensors"):
        ag.bmm(x, x)
    with pytest.raises(TypeError, match="cat: expects a sequence of tensors"):
        ag.cat(x)


def test_view_refuses_where_pytorch_does() -> None:
    x = ag.arange(6.0).view(2, 3)
    assert x.view(3, 2).shape == (3, 2) and x.view(-1).shape == (6,)
    with pytest.raises(RuntimeError, match="view size is not compatible with input tensor's size and stride"):
        x.t().view(6)
    assert x.t().reshape(6).tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]


# ---------------------------------------------------------------------------
# selections and pieces: composites of getitem, checked against central differences
# ---------------------------------------------------------------------------


@given(data=st.data())
def test_gather_and_index_select(data: Any) -> None:
    shape = data.draw(SHAPES, label="shape")
    x = data.draw(hnp.arrays(np.float64, shape, elements=REAL), label="x")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    d = dim % len(shape)
    ishape = tuple(
        data.draw(st.integers(1, n), label=f"index size {i}")
        if i != d
        else data.draw(st.integers(1, 5), label="index length")
        for i, n in enumerate(shape)
    )
    index = data.draw(hnp.arrays(np.int64, ishape, elements=st.integers(0, shape[d] - 1)), label="index")
    # PyTorch: out[i][j][k] = x[index[i][j][k]][j][k] for dim 0, and so on
    want = np.empty(ishape)
    for pos in np.ndindex(*ishape):
        src = list(pos)
        src[d] = index[pos]
        want[pos] = x[tuple(src)]
    np.testing.assert_array_equal(Tensor(x).gather(dim, Tensor(index, dtype=ag.int64)).data, want)
    assert_grads_match_fd(lambda t: t.gather(dim, index), x)
    rows = index.reshape(-1)[:4]
    np.testing.assert_array_equal(Tensor(x).index_select(dim, rows).data, np.take(x, rows, axis=d))
    assert_grads_match_fd(lambda t: t.index_select(dim, rows), x)


@given(data=st.data())
def test_masked_fill_split_chunk_max_dim(data: Any) -> None:
    shape = data.draw(SHAPES, label="shape")
    n = int(np.prod(shape))
    x = (np.array(data.draw(st.permutations(range(n)), label="order"), dtype=np.float64) * 0.3).reshape(shape)
    mask = data.draw(hnp.arrays(np.bool_, shape[-1:]), label="mask")
    np.testing.assert_array_equal(Tensor(x).masked_fill(mask, -1.0).data, np.where(mask, -1.0, x))
    assert_grads_match_fd(lambda t: t.masked_fill(mask, 0.5), x)
    dim = data.draw(st.integers(0, len(shape) - 1), label="dim")
    size = data.draw(st.integers(1, 4), label="split size")
    pieces = Tensor(x).split(size, dim)
    want = np.split(x, list(range(size, shape[dim], size)), axis=dim)
    assert [p.shape for p in pieces] == [w.shape for w in want]
    chunks = data.draw(st.integers(1, 5), label="chunks")
    step = -(-shape[dim] // chunks)
    assert [p.shape[dim] for p in Tensor(x).chunk(chunks, dim)] == [
        min(step, shape[dim] - i) for i in range(0, shape[dim], step)
    ]
    assert_grads_match_fd(lambda t: ag.cat([p * (k + 1) for k, p in enumerate(t.split(size, dim))], dim), x)
    values, indices = Tensor(x).max(dim, keepdim=True)
    np.testing.assert_array_equal(values.data, x.max(axis=dim, keepdims=True))
    np.testing.assert_array_equal(indices.data, np.expand_dims(x.argmax(axis=dim), dim))
    assert_grads_match_fd(lambda t: t.max(dim).values, x)
    assert_grads_match_fd(lambda t: t.min(dim=dim, keepdim=True)[0], x)


def test_selection_errors() -> None:
    x = ag.zeros(2, 3)
    with pytest.raises(TypeError, match="gather: index must hold integers"):
        x.gather(1, Tensor([[0.5]]))
    with pytest.raises(IndexError, match="gather: index out of range for dim 1 of size 3"):
        x.gather(1, ag.tensor([[3]]).long())
    with pytest.raises(TypeError, match="masked_fill: mask must be a bool tensor"):
        x.masked_fill(x, 1.0)
    with pytest.raises(RuntimeError, match="split: sizes \\[1, 1\\] must be >= 0 and sum to 3"):
        x.split([1, 1], dim=1)
    with pytest.raises(RuntimeError, match="expand: the expanded size \\(4\\) must match the existing size \\(3\\)"):
        x.expand(2, 4)
    with pytest.raises(RuntimeError, match="repeat: the number of repeats \\(1\\) can not be smaller"):
        x.repeat(2)
    with pytest.raises(RuntimeError, match="t: expects a tensor with <= 2 dimensions"):
        ag.zeros(1, 2, 3).t()
    with pytest.raises(RuntimeError, match="clamp: at least one of min or max must not be None"):
        x.clamp()
    with pytest.raises(TypeError, match="clamp: min must be a number or None"):
        x.clamp(min=x)
    with pytest.raises(TypeError, match="max: dim must be one int"):
        x.max(dim=(0, 1))
