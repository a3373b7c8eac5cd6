"""In-place Tensor operations and version tracking, as PyTorch: values, errors, recorded gradients, the clock.

PyTorch's answers for fixed programs are in ``pytorch_cases.py``; here the
rules are checked on random shapes (hypothesis): in-place results against
numpy, gradients of recorded in-place ops against central differences
(broadcasting included), and when a backward pass must refuse.
"""

from __future__ import annotations

import gc
import operator
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
import nn
from autograd import Tensor, Value, no_grad
from autograd.versions import CLOCK, INPLACE_ERROR, mark_again, modified_at

from .test_tensor import assert_grads_match_fd

REAL = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
AWAY = st.floats(0.5, 3.0) | st.floats(-3.0, -0.5)
IN_PLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv}
OUT_OF_PLACE = {"+=": operator.add, "-=": operator.sub, "*=": operator.mul, "/=": operator.truediv}
METHODS = {"+=": "add_", "-=": "sub_", "*=": "mul_", "/=": "div_"}


def _target_and_operand(data: Any) -> tuple[np.ndarray, np.ndarray]:
    """A target array and an operand whose shape broadcasts to the target's."""
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3), label="shape")
    k = data.draw(st.integers(0, len(shape)), label="operand dims")
    ones = data.draw(st.lists(st.booleans(), min_size=k, max_size=k), label="size-1 dims")
    oshape = tuple(1 if one else n for one, n in zip(ones, shape[len(shape) - k :]))
    target = data.draw(hnp.arrays(np.float64, shape, elements=REAL), label="target")
    other = data.draw(hnp.arrays(np.float64, oshape, elements=AWAY), label="operand")
    return target, other


@pytest.mark.parametrize("op", IN_PLACE)
@given(data=st.data())
def test_inplace_operators_change_the_array_itself(op: str, data: Any) -> None:
    target, other = _target_and_operand(data)
    kind = data.draw(st.sampled_from(["tensor", "array", "number", "method"]), label="operand kind")
    t = Tensor(target.copy())
    array, view = t.data, t.data[...]
    before = modified_at(array)
    if kind == "method":
        out = getattr(t, METHODS[op])(Tensor(other))
    else:
        rhs = {"tensor": Tensor(other), "array": other, "number": float(other.flat[0])}[kind]
        out = IN_PLACE[op](t, rhs)
        other = np.asarray(rhs if kind == "number" else other)
    want = OUT_OF_PLACE[op](target, other)
    assert out is t and t.data is array, "an in-place op keeps the tensor and its array"
    np.testing.assert_array_equal(t.data, want)
    np.testing.assert_array_equal(view, want)  # views of the memory see the change
    assert modified_at(array) > before and not t.requires_grad and t.op is None


@pytest.mark.parametrize("op", IN_PLACE)
@given(data=st.data())
def test_recorded_inplace_ops_back_propagate_like_out_of_place_ones(op: str, data: Any) -> None:
    target, other = _target_and_operand(data)
    v = data.draw(hnp.arrays(np.float64, target.shape, elements=REAL), label="cotangent")

    def inplace(x: Tensor, y: Tensor) -> Tensor:
        h = x * 1.5  # not a leaf: in-place ops on it are recorded
        IN_PLACE[op](h, y)
        return h * h * Tensor(v)

    def plain(x: Tensor, y: Tensor) -> Tensor:
        h = OUT_OF_PLACE[op](x * 1.5, y)
        return h * h * Tensor(v)

    out = assert_grads_match_fd(inplace, target, other)
    np.testing.assert_allclose(out.data, plain(Tensor(target), Tensor(other)).data, rtol=1e-14)


@given(data=st.data())
def test_recorded_writes_through_views_reach_the_base(data: Any) -> None:
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=3), label="shape")
    x = data.draw(hnp.arrays(np.float64, shape, elements=REAL), label="x")
    w = data.draw(hnp.arrays(np.float64, shape[-1:], elements=AWAY), label="w")
    which = data.draw(st.sampled_from(["row.mul_", "mT.add_", "view.sub_", "setitem", "buf[i] +="]), label="how")

    def fn(x: Tensor, w: Tensor) -> Tensor:
        h = x * 2.0
        if which == "row.mul_":
            h[0].mul_(w)
        elif which == "mT.add_":
            h.mT.add_(w.unsqueeze(-1))
        elif which == "view.sub_":
            h.reshape(-1)[: w.shape[0]].sub_(w)
        elif which == "setitem":
            h[..., 1] = w[0] * w[1]
        else:
            buf = ag.zeros(*h.shape)
            buf[0] += h[0] * w
            return buf.sin() + h
        return h.sin()

    assert_grads_match_fd(fn, x, w)


def test_leaves_that_require_grad_refuse_in_place_ops_unless_under_no_grad() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    for change in (lambda: w.add_(1.0), lambda: w.__isub__(1.0), lambda: w.zero_(), lambda: w.__setitem__(0, 5.0)):
        with pytest.raises(RuntimeError, match=r"a leaf Variable that requires grad is being used in an in-place"):
            change()
    with pytest.raises(RuntimeError, match=r"a view of a leaf Variable that requires grad is being used"):
        w[0:1].fill_(3.0)
    np.testing.assert_array_equal(w.data, [1.0, 2.0])
    with no_grad():
        w -= 0.5
        w[1] = 7.0
    assert w.is_leaf and w.requires_grad and w.tolist() == [0.5, 7.0]


def test_an_optimizer_step_updates_in_place_and_old_graphs_refuse_backward() -> None:
    model = nn.MLP(2, [3, 1], engine="tensor", seed=0)
    params = list(model.parameters())
    arrays = [p.data for p in params]
    X = np.array([[0.5, -1.0], [1.0, 2.0]])
    loss = (model(X) ** 2).mean()
    loss.backward()
    before = [a.copy() for a in arrays]
    nn.optim.SGD(params, lr=0.1).step()
    assert all(p.data is a for p, a in zip(params, arrays)), "the parameters' arrays were replaced"
    assert all(not np.array_equal(a, b) for a, b in zip(arrays, before))
    with pytest.raises(RuntimeError, match=INPLACE_ERROR):
        loss.backward()
    (model(X) ** 2).mean().backward()  # a new forward pass records the new values: fine


def test_mark_again_reuses_the_records_of_the_same_arrays_and_marks_any_others() -> None:
    a, b = np.zeros(2), np.zeros(3)
    records = mark_again([a, b], ())
    assert len(records) == 2 and modified_at(a) == modified_at(b) == CLOCK.now
    again = mark_again([a, b], records)
    assert again is records and modified_at(a) == modified_at(b) == CLOCK.now  # one tick, both set
    c = np.zeros(2)
    swapped = mark_again([a, c], records)  # another array in b's place: marked, and its record kept
    assert modified_at(c) == modified_at(a) == CLOCK.now > modified_at(b)
    assert [r[0]() for r in swapped] == [a, c] and mark_again([a, c], swapped) is swapped
    assert mark_again([c, a], swapped) is not swapped and modified_at(c) == CLOCK.now  # another order
    base = np.zeros(4)
    kept = mark_again([base[1:], a], swapped)  # a view: its owner is marked, and no records are kept
    assert kept == () and modified_at(base) == modified_at(a) == CLOCK.now
    assert mark_again([], ()) == () and modified_at(a) == CLOCK.now - 1  # nothing changed: a tick all the same


def test_mark_again_does_not_trust_the_record_of_a_freed_array() -> None:
    a = np.zeros(2)
    records = mark_again([a], ())
    del a
    gc.collect()
    for _ in range(50):  # a new array may take the freed one's id: its record is its own
        b = np.zeros(2)
        records = mark_again([b], records)
        assert modified_at(b) == CLOCK.now and records[0][0]() is b
        t = Tensor(b, requires_grad=True)
        loss = (t * t).sum()
        mark_again([b], records)
        with pytest.raises(RuntimeError, match=INPLACE_ERROR):
            loss.backward()
        del b


class _Interleaved(dict):
    """The clock's records, where the first lookup of ``key`` runs ``between`` first: another thread's step."""

    def __init__(self, records: dict, key: int, between: Any) -> None:
        super().__init__(records)
        self.key, self.between = key, between

    def get(self, key: Any, default: Any = None) -> Any:
        found = super().get(key, default)
        if key == self.key and self.between is not None:
            between, self.between = self.between, None
            between()  # runs after this lookup found no record and before the caller writes its own
        return found


def test_a_record_made_meanwhile_by_another_thread_is_kept_by_the_clock(monkeypatch: Any) -> None:
    # Thread A marks a fresh array (mark_modified: an in-place op) and finds no record; before A writes its
    # own, thread B's SGD step marks the same array and keeps the record it made.  A must not replace that
    # live record: B's later steps set only the records they keep, so the clock would miss them.
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = nn.optim.SGD([w], lr=0.1)
    w.grad = np.ones(2)
    monkeypatch.setattr(CLOCK, "changed", _Interleaved(CLOCK.changed, id(w.data), opt.step))
    ag.versions.mark_modified(w.data)  # thread A, with thread B's step in between
    assert opt._records and opt._records[0] is CLOCK.changed[id(w.data)]  # B's record is the clock's
    assert modified_at(w.data) == CLOCK.now
    loss = (w * w).sum()
    w.grad = np.ones(2)
    opt.step()  # B's next step: the record it kept is the one the in-place check reads
    assert modified_at(w.data) == CLOCK.now
    with pytest.raises(RuntimeError, match=INPLACE_ERROR):
        loss.backward()


def test_a_change_through_another_tensor_sharing_the_memory_is_noticed() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.detach().add_(1.0)  # as in PyTorch, detach() shares memory and version
    with pytest.raises(RuntimeError, match=INPLACE_ERROR):
        loss.backward()
    w2 = Tensor([1.0, 2.0], requires_grad=True)
    loss2 = (w2 * w2).sum()
    w2.data += 1.0  # .data is outside autograd, as in PyTorch: not tracked
    loss2.backward()
    np.testing.assert_array_equal(w2.grad, [4.0, 6.0])


def test_a_mask_or_index_changed_after_use_is_noticed() -> None:
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    mask = x > 0
    y = ag.where(mask, x, 0.0).sum()
    mask[0] = False  # PyTorch's where saved the condition: its version changed
    with pytest.raises(RuntimeError, match=INPLACE_ERROR):
        y.backward()
    idx = ag.arange(2)
    z = x[idx].sum()
    idx += 1
    with pytest.raises(RuntimeError, match=r"array constant of 'getitem'"):
        z.backward()


def test_a_result_changed_in_place_after_use_is_refused_not_mixed_up() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    z = y * 3.0
    y.mul_(2.0)  # recorded: y's history now ends in this mul; z used y before
    with pytest.raises(RuntimeError, match=r"was changed in place by a recorded 'mul' after 'mul' used it"):
        z.sum().backward()


def test_nothing_is_paid_until_something_changes_in_place() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).tanh().sum()
    assert all(n._born <= CLOCK.now for n in ag.toposort(y))
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * np.array([1.0, 2.0]) * (1 - np.tanh([1.0, 4.0]) ** 2))


def test_the_scalar_engine_keeps_micrograds_rebinding() -> None:
    a = Value(1.0)
    b = a
    a += 2.0  # micrograd: a new Value, the old one untouched
    assert a is not b and b.data == 1.0 and a.data == 3.0 and a._prev == (b,)


def test_in_place_errors_say_what_went_wrong() -> None:
    with pytest.raises(RuntimeError, match=r"^\+=: output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        ag.ones(3).__iadd__(ag.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"can't be cast to the desired output type int64"):
        ag.ones(3, dtype=ag.int64).__iadd__(1.5)
    with pytest.raises(RuntimeError, match=r"read-only .*expand"):
        ag.ones(3, 1).expand(3, 2).add_(1.0)
    buf = ag.zeros(3)
    view = buf[0:2]
    with pytest.raises(RuntimeError, match=r"views another array's memory without a recorded link"):
        view.add_(Tensor([1.0, 1.0], requires_grad=True))
    t = ag.arange(3)
    t *= 2  # integer tensors change in place too
    assert t.tolist() == [0, 2, 4] and t.dtype == np.int64
