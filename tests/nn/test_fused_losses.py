"""nn.cross_entropy's fused plain case: which calls fuse, the targets' checks and errors unchanged, and a training
step whose every number is the unfused one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd.fused as fused
import nn
from autograd import Tensor, toposort
from autograd.fused_cross_entropy import CROSS_ENTROPY
from nn.targets import class_targets, plain_class_targets


def _logits(n=3, k=3, dtype=np.float64):
    return Tensor(np.random.default_rng(0).normal(size=(n, k)).astype(dtype), requires_grad=True)


BAD_TARGETS = [
    [0.5, 1, 2],  # not whole numbers
    [0, 1, 3],  # out of range
    [0, -1, 2],  # negative
    [0, 1],  # too few
    [0, 1, 2, 0],  # too many
    np.eye(3, dtype=int),  # one-hot
    np.array([[0, 1, 2]]),  # (1, N)
    np.array([0, 1, 2**40]),  # huge
    np.array([0, 1, 200], dtype=np.uint8),  # unsigned, out of range
    np.array([0, 255, 1], dtype=np.uint8),
    [0, 1, float("nan")],
    3,
    ["a", "b", "c"],
]


@pytest.mark.parametrize("target", BAD_TARGETS, ids=repr)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_bad_targets_raise_the_same_errors_fused_or_not(target, reduction):
    errors = []
    for fuse in (True, False):
        with fused.fusion(fuse), pytest.raises((TypeError, ValueError)) as info:
            nn.cross_entropy(_logits(), target, reduction=reduction)
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1] and "cross_entropy" in errors[0][1]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"label_smoothing": False},
        {"label_smoothing": -0.5},
        {"ignore_index": True},
        {"ignore_index": 1.0},
        {"reduction": "avg"},
        {"weight": [1.0, 2.0]},
    ],
    ids=repr,
)
def test_bad_options_raise_the_same_errors_fused_or_not(kwargs):
    errors = []
    for fuse in (True, False):
        with fused.fusion(fuse), pytest.raises((TypeError, ValueError)) as info:
            nn.cross_entropy(_logits(), np.array([0, 1, 2]), **kwargs)
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1] and "cross_entropy" in errors[0][1]


def test_empty_and_odd_predictions_raise_as_before():
    for pred in (Tensor(np.zeros((0, 3)), requires_grad=True), Tensor(np.zeros((2, 0)), requires_grad=True)):
        with pytest.raises(ValueError, match="cross_entropy"):
            nn.cross_entropy(pred, np.zeros(pred.shape[0], dtype=int))


def test_one_output_raises_as_before():
    with pytest.raises(ValueError, match="k >= 2"):
        nn.cross_entropy(Tensor(np.zeros((3, 1)), requires_grad=True), [0, 0, 0])


@given(
    arr=st.lists(st.integers(-300, 300), min_size=1, max_size=8),
    k=st.integers(1, 6),
    ignore=st.sampled_from([-100, -1, 0, 2, 500]),
    dtype=st.sampled_from([np.int8, np.int16, np.int64, np.uint8, np.uint64, np.int32]),
    column=st.booleans(),
)
def test_plain_class_targets_is_class_targets_or_declines(arr, k, ignore, dtype, column):
    a = np.array(arr).astype(dtype)
    if column:
        a = a.reshape(-1, 1)
    n = a.shape[0]
    plain = plain_class_targets(a, n, k, ignore)
    try:
        full = class_targets(a, n, k, (n, k), ignore_index=ignore)
    except (TypeError, ValueError):
        assert plain is None  # what class_targets refuses is never accepted here
        return
    if plain is not None:
        assert plain.dtype == full.dtype and plain.tolist() == full.tolist()
        assert not (full == ignore).any()
        assert not np.shares_memory(plain, a)  # its own copy: the recorded graph keeps it
    elif a.dtype.kind in "iu" and k >= 2 and not 0 <= ignore < k:
        assert ((full < 0) | (full >= k)).any()  # declined only what is out of range (ignore_index)


@pytest.mark.parametrize(
    "kwargs, target, fuses",
    [
        ({}, [0, 2, 1], True),
        ({"reduction": "sum"}, [0, 2, 1], True),
        ({}, np.array([[0], [2], [1]]), True),
        ({}, Tensor([0.0, 2.0, 1.0]), True),  # whole-number floats: checked in full, then fused
        ({}, [True, False, True], True),
        ({}, np.array([0, 2, 1], dtype=np.int32), True),
        ({"label_smoothing": 0, "ignore_index": np.int64(-5)}, np.array([0, 2, 1]), True),
        ({"ignore_index": 1}, [0, 2, 0], True),  # an ignore_index that no sample has
        ({"ignore_index": 1}, np.array([0, 2, 0]), True),
        ({"ignore_index": 1}, [0, 1, 0], False),
        ({"reduction": "none"}, [0, 2, 1], False),
        ({"weight": [1.0, 2.0, 3.0]}, [0, 2, 1], False),
        ({"label_smoothing": 0.1}, [0, 2, 1], False),
    ],
)
def test_which_calls_fuse_and_every_call_gives_the_unfused_numbers(kwargs, target, fuses):
    results = []
    for fuse in (True, False):
        z = _logits()
        with fused.fusion(fuse):
            loss = nn.cross_entropy(z * 1.0, target, **kwargs)
        if fuse:
            assert (loss._row is CROSS_ENTROPY) == fuses
        (loss.sum() if loss.ndim else loss).backward()
        results.append((loss.data.tobytes(), z.grad.tobytes(), [n.op and n.op.name for n in toposort(loss)]))
    assert results[0] == results[1]


def test_nll_loss_and_other_dtypes_stay_unfused():
    z = _logits()
    assert nn.losses.nll_loss(z.log_softmax(1), [0, 1, 2]).op.name == "mul"
    half = Tensor(np.zeros((2, 3), np.float16), requires_grad=True)
    assert nn.cross_entropy(half, [0, 1]).op.name == "mul"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_steps_of_an_mlp_give_the_unfused_numbers(dtype):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(32, 6)).astype(dtype)
    y = rng.integers(0, 5, 32)
    runs = []
    for fuse in (True, False):
        model = nn.MLP(6, [16, 16, 5], seed=3, dtype=dtype)
        opt = nn.optim.SGD(model.parameters(), lr=0.1)
        losses = []
        with fused.fusion(fuse):
            for _ in range(3):
                opt.zero_grad()
                loss = nn.cross_entropy(model(X), y)
                loss.backward()
                opt.step()
                losses.append(loss.data.tobytes())
        runs.append((losses, [p.data.tobytes() for p in model.parameters()]))
    assert runs[0] == runs[1]
