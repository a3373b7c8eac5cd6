"""Tests for nn/optim: each update rule against a numpy formula, on both engines; schedules; errors."""

from __future__ import annotations

import copy
import gc
import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd import Tensor, Value
from nn.optim import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiStepLR,
    Optimizer,
    ReduceLROnPlateau,
    RMSprop,
    StepLR,
)
from nn.optim.sgd import lr_arrays

W0 = np.array([0.5, -1.5, 2.0])
# the gradients fed to the optimiser at steps 1, 2, 3
GRADS = [np.array([0.1, -0.4, 2.0]), np.array([-0.3, 0.2, 1.0]), np.array([0.05, 0.0, -0.5])]


# ---------------------------------------------------------------------------
# reference updates written from the published formulas, with numpy
# ---------------------------------------------------------------------------


def ref_sgd(lr, momentum=0.0, weight_decay=0.0, nesterov=False):
    w, buf = W0.copy(), np.zeros_like(W0)
    for g in GRADS:
        g = g + weight_decay * w
        buf = momentum * buf + g
        w = w - lr * (g + momentum * buf if nesterov else buf)
    return w


def ref_adam(lr, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0, decoupled=False):
    w, m, v = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    for t, g in enumerate(GRADS, start=1):
        if decoupled:
            w = w * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w


RULES = {
    "sgd": (lambda ps: SGD(ps, lr=0.1), lambda: ref_sgd(0.1)),
    "sgd momentum": (lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda: ref_sgd(0.1, momentum=0.9)),
    "sgd nesterov": (
        lambda ps: SGD(ps, lr=0.1, momentum=0.8, nesterov=True),
        lambda: ref_sgd(0.1, momentum=0.8, nesterov=True),
    ),
    "sgd weight decay": (
        lambda ps: SGD(ps, lr=0.1, momentum=0.5, weight_decay=0.01),
        lambda: ref_sgd(0.1, momentum=0.5, weight_decay=0.01),
    ),
    "adam": (lambda ps: Adam(ps, lr=0.01), lambda: ref_adam(0.01)),
    "adam betas eps": (
        lambda ps: Adam(ps, lr=0.05, betas=(0.5, 0.9), eps=1e-3),
        lambda: ref_adam(0.05, b1=0.5, b2=0.9, eps=1e-3),
    ),
    "adam weight decay": (
        lambda ps: Adam(ps, lr=0.01, weight_decay=0.1),
        lambda: ref_adam(0.01, weight_decay=0.1),
    ),
    "adamw": (lambda ps: AdamW(ps, lr=0.01), lambda: ref_adam(0.01, weight_decay=1e-2, decoupled=True)),
    "adamw strong decay": (
        lambda ps: AdamW(ps, lr=0.1, weight_decay=0.5),
        lambda: ref_adam(0.1, weight_decay=0.5, decoupled=True),
    ),
}


def run_tensor(make):
    w = Tensor(W0.copy(), requires_grad=True)
    opt = make([w])
    for g in GRADS:
        opt.zero_grad()
        w.grad = g.copy()
        opt.step()
    return w.data


def run_scalar(make):
    ws = [Value(float(x)) for x in W0]
    opt = make(ws)
    for g in GRADS:
        opt.zero_grad()
        for w, gi in zip(ws, g):
            w.grad = float(gi)
        opt.step()
    assert all(type(w.data) is float for w in ws)
    return np.array([w.data for w in ws])


RUNS = {"tensor": run_tensor, "scalar": run_scalar}


@pytest.mark.parametrize("rule", list(RULES))
def test_three_steps_match_the_formula(rule, engine):
    make, ref = RULES[rule]
    expected = ref()
    got = RUNS[engine.name](make)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    assert not np.allclose(got, W0)  # it did move


def test_first_adam_step_has_size_lr():
    # bias correction: m_hat = g and v_hat = g^2 at step 1, so the step is lr * sign(g)
    w = Tensor(np.array([1.0, 1.0]), requires_grad=True)
    w.grad = np.array([0.01, -50.0])
    Adam([w], lr=0.1).step()
    np.testing.assert_allclose(w.data, [0.9, 1.1], rtol=1e-5)


def test_tensor_update_is_in_place():
    data = W0.copy()
    w = Tensor(data, requires_grad=True)
    view = data[:2]
    w.grad = np.ones(3)
    SGD([w], lr=0.5).step()
    assert w.data is data
    np.testing.assert_allclose(view, W0[:2] - 0.5)


def test_float32_parameter_stays_float32():
    w = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    w.grad = np.ones(2, dtype=np.float32)
    Adam([w], lr=0.1).step()
    assert w.dtype == np.float32
    np.testing.assert_allclose(w.data, [0.9, 0.9], rtol=1e-6)


def test_parameters_without_gradient_are_skipped():
    a = Tensor([1.0], requires_grad=True)  # grad None: took no part in backward
    b = Tensor([1.0], requires_grad=True)
    frozen = Value(1.0, requires_grad=False)
    opt = Adam([a, b], lr=0.1, weight_decay=0.5)
    b.grad = np.array([2.0])
    opt.step()
    assert a.data.tolist() == [1.0] and not opt.state.get(a)
    assert b.data.tolist() != [1.0]
    # when a finally gets a gradient, its Adam step count starts at 1
    opt.zero_grad()
    a.grad = np.array([3.0])
    opt.step()
    np.testing.assert_allclose(a.data, [0.9])
    frozen.grad = 5.0
    s = SGD([frozen], lr=1.0)
    s.step()
    assert frozen.data == 1.0


@pytest.mark.parametrize(
    "make",
    [lambda p: SGD(p, lr=0.1), lambda p: SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1), lambda p: Adam(p, lr=0.1)],
    ids=["SGD", "SGD momentum", "Adam"],
)
def test_a_parameter_frozen_mid_training_stays_put_even_with_a_zero_gradient(make):
    # a documented difference (docs/coming-from-pytorch-nn.md): PyTorch moves it by its momentum and weight decay
    w = Tensor([1.0, -2.0], requires_grad=True)
    opt = make([w])
    (w * w).sum().backward()
    opt.step()
    w.requires_grad_(False)
    opt.zero_grad(set_to_none=False)
    before = w.data.copy()
    opt.step()
    np.testing.assert_array_equal(w.data, before)


def test_zero_grad_resets_both_engines():
    t, v = Tensor([1.0], requires_grad=True), Value(1.0)
    t.grad, v.grad = np.array([3.0]), 3.0
    SGD([t, v], lr=0.1).zero_grad()
    assert t.grad is None and v.grad == 0.0


def test_sgd_minimises_a_quadratic_on_both_engines():
    # f(w) = sum((w - 3)^2): SGD converges to 3
    t = Tensor(np.zeros(2), requires_grad=True)
    vs = [Value(0.0), Value(0.0)]
    ot, ov = SGD([t], lr=0.1, momentum=0.5), SGD(vs, lr=0.1, momentum=0.5)
    for _ in range(100):
        ot.zero_grad()
        ((t - 3.0) * (t - 3.0)).sum().backward()
        ot.step()
        ov.zero_grad()
        ((vs[0] - 3.0) * (vs[0] - 3.0) + (vs[1] - 3.0) * (vs[1] - 3.0)).backward()
        ov.step()
    np.testing.assert_allclose(t.data, [3.0, 3.0], atol=1e-6)
    np.testing.assert_allclose([v.data for v in vs], t.data, rtol=1e-12)


def test_optimiser_takes_a_generator_once():
    ps = [Value(1.0), Value(2.0)]
    opt = SGD((p for p in ps), lr=0.1)
    assert opt.params == ps
    assert "SGD(2 parameters, lr=0.1)" == repr(opt)
    assert "AdamW(1 parameter, lr=0.001, weight_decay=0.01)" == repr(AdamW([Value(0.0)]))


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------


def _used_up():
    gen = (p for p in [Value(1.0)])
    list(gen)
    return gen


class _FakeModel:
    def parameters(self):
        return [Value(1.0)]


BAD = [
    (lambda: SGD([], lr=0.1), ValueError, ["SGD", "no parameters", "model.parameters()"]),
    (lambda: Adam(iter([])), ValueError, ["Adam", "no parameters"]),
    (lambda: AdamW(_used_up()), ValueError, ["AdamW", "no parameters", "used up"]),
    (lambda: SGD([Value(1.0)], lr=-0.1), ValueError, ["SGD", "lr", ">= 0", "-0.1"]),
    (lambda: Adam([Value(1.0)], lr=float("nan")), ValueError, ["Adam", "lr"]),
    (lambda: SGD([Value(1.0)], lr="0.1"), TypeError, ["SGD", "lr", "number"]),
    (lambda: SGD([1.0, 2.0], lr=0.1), TypeError, ["SGD", "parameter 0", "float", "Values or Tensors"]),
    (lambda: SGD([np.zeros(2)], lr=0.1), TypeError, ["SGD", "ndarray"]),
    (lambda: SGD(Value(1.0), lr=0.1), TypeError, ["SGD", "wrap it in a list"]),
    (lambda: SGD(_FakeModel(), lr=0.1), TypeError, ["SGD", "model.parameters()"]),
    (lambda: SGD(5, lr=0.1), TypeError, ["SGD", "iterable"]),
    (lambda: SGD([Value(1.0) * 2], lr=0.1), ValueError, ["SGD", "not a leaf", "mul"]),
    (lambda: SGD([V, V], lr=0.1), ValueError, ["SGD", "parameter 1", "more than once"]),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=1.0), ValueError, ["SGD", "momentum", "< 1"]),
    (lambda: SGD([Value(1.0)], lr=0.1, weight_decay=-1), ValueError, ["SGD", "weight_decay"]),
    (lambda: SGD([Value(1.0)], lr=0.1, nesterov=True), ValueError, ["SGD", "nesterov", "momentum > 0"]),
    (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), ValueError, ["Adam", "betas[1]", "< 1"]),
    (lambda: Adam([Value(1.0)], betas=0.9), TypeError, ["Adam", "betas", "pair"]),
    (lambda: Adam([Value(1.0)], eps=-1e-8), ValueError, ["Adam", "eps"]),
    (lambda: StepLR(SGD([Value(1.0)], lr=0.1), step_size=0), ValueError, ["StepLR", "step_size", ">= 1"]),
    (lambda: StepLR(SGD([Value(1.0)], lr=0.1), step_size=2, gamma=-1), ValueError, ["StepLR", "gamma"]),
    (lambda: LinearLR(SGD([Value(1.0)], lr=0.1), total_iters=0), ValueError, ["LinearLR", "total_iters"]),
    (lambda: LinearLR(SGD([Value(1.0)], lr=0.1), end_factor=-0.5), ValueError, ["LinearLR", "end_factor"]),
    (lambda: LinearLR(object()), TypeError, ["LinearLR", "param_groups", "object"]),
]
V = Value(1.0)


@pytest.mark.parametrize("make, exc, fragments", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_input_raises_a_clear_error(make, exc, fragments):
    with pytest.raises(exc) as info:
        make()
    for f in fragments:
        assert f in str(info.value), (f, str(info.value))


# ---------------------------------------------------------------------------
# schedules
# ---------------------------------------------------------------------------


def test_linear_lr_reproduces_micrograds_demo():
    # micrograd's demo: learning_rate = 1.0 - 0.9 * k / 100 at iteration k
    opt = SGD([Value(0.0)], lr=1.0)
    sched = LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=100)
    seen = []
    for _ in range(120):
        seen.append(opt.lr)
        sched.step()
    expected = [1.0 - 0.9 * min(k, 100) / 100 for k in range(120)]
    np.testing.assert_allclose(seen, expected, rtol=1e-12)
    assert sched.get_last_lr() == [opt.lr] == [opt.param_groups[0]["lr"]]


def test_linear_lr_start_factor_applies_at_once_and_warms_up():
    opt = Adam([Value(0.0)], lr=0.1)
    sched = LinearLR(opt, start_factor=0.25, end_factor=1.0, total_iters=3)
    assert opt.lr == pytest.approx(0.025)
    assert [sched.step() for _ in range(4)] == pytest.approx([0.05, 0.075, 0.1, 0.1])
    assert sched.base_lr == 0.1


def test_step_lr_sequence():
    opt = SGD([Value(0.0)], lr=0.8)
    sched = StepLR(opt, step_size=3, gamma=0.5)
    lrs = [opt.lr] + [sched.step() for _ in range(7)]
    assert lrs == pytest.approx([0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2])
    assert repr(sched) == "StepLR(step=7, lr=0.2)"


def test_schedule_changes_the_step_the_optimiser_takes():
    w = Value(0.0)
    opt = SGD([w], lr=1.0)
    sched = StepLR(opt, step_size=1, gamma=0.1)
    for _ in range(3):
        w.grad = -1.0  # each step moves w up by the current lr
        opt.step()
        sched.step()
    assert w.data == pytest.approx(1.0 + 0.1 + 0.01)


# ---------------------------------------------------------------------------
# PyTorch's other rules and options, written from its documented algorithms
# ---------------------------------------------------------------------------


def ref_sgd_dampening(lr, momentum, dampening, maximize=False):
    w, buf = W0.copy(), None
    for g in GRADS:
        g = -g if maximize else g
        buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g  # the first step is not dampened
        w = w - lr * buf
    return w


def ref_amsgrad(lr, b1=0.9, b2=0.999, eps=1e-8):
    w, m, v, vmax = W0.copy(), 0 * W0, 0 * W0, 0 * W0
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        w = w - lr / (1 - b1**t) * m / (np.sqrt(vmax) / np.sqrt(1 - b2**t) + eps)
    return w


def ref_rmsprop(lr, alpha=0.99, eps=1e-8, momentum=0.0, centered=False, weight_decay=0.0):
    w, v, a, b = W0.copy(), 0 * W0, 0 * W0, 0 * W0
    for g in GRADS:
        g = g + weight_decay * w
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            a = alpha * a + (1 - alpha) * g
            d = np.sqrt(v - a * a) + eps
        else:
            d = np.sqrt(v) + eps
        if momentum:
            b = momentum * b + g / d
            w = w - lr * b
        else:
            w = w - lr * g / d
    return w


def ref_adagrad(lr, lr_decay=0.0, init=0.0, eps=1e-10):
    w, s = W0.copy(), np.full_like(W0, init)
    for t, g in enumerate(GRADS, start=1):
        s = s + g * g
        w = w - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
    return w


MORE = {
    "sgd dampening": (
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.5),
        lambda: ref_sgd_dampening(0.1, 0.9, 0.5),
    ),
    "sgd maximize": (
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.5, maximize=True),
        lambda: ref_sgd_dampening(0.1, 0.9, 0.5, maximize=True),
    ),
    "adam amsgrad": (lambda ps: Adam(ps, lr=0.05, amsgrad=True), lambda: ref_amsgrad(0.05)),
    "rmsprop": (lambda ps: RMSprop(ps, lr=0.01), lambda: ref_rmsprop(0.01)),
    "rmsprop centered momentum decay": (
        lambda ps: RMSprop(ps, lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1),
        lambda: ref_rmsprop(0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1),
    ),
    "adagrad": (lambda ps: Adagrad(ps, lr=0.1), lambda: ref_adagrad(0.1)),
    "adagrad decay init": (
        lambda ps: Adagrad(ps, lr=0.1, lr_decay=0.5, initial_accumulator_value=0.2),
        lambda: ref_adagrad(0.1, lr_decay=0.5, init=0.2),
    ),
}


@pytest.mark.parametrize("rule", list(MORE))
def test_more_rules_match_the_formula(rule, engine):
    make, ref = MORE[rule]
    got = RUNS[engine.name](make)
    np.testing.assert_allclose(got, ref(), rtol=1e-12, atol=1e-14)
    assert not np.allclose(got, W0)


def test_param_groups_have_their_own_settings_and_add_param_group_checks():
    a, b = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "weight_decay": 1.0}], lr=0.1)
    a.grad, b.grad = np.array([1.0]), np.array([1.0])
    opt.step()
    assert a.data.tolist() == [0.9] and b.data.tolist() == [0.0]  # 1 - 0.5 * (1 + 1 * 1)
    with pytest.raises(ValueError, match="different learning rates"):
        _ = opt.lr
    opt.lr = 0.2
    assert [g["lr"] for g in opt.param_groups] == [0.2, 0.2]
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="momentum"):
        opt.add_param_group({"params": [Tensor([1.0], requires_grad=True)], "momentum": 2.0})
    c = Tensor([1.0], requires_grad=True)
    opt.add_param_group({"params": c, "lr": 1.0})  # one tensor is accepted, as PyTorch does
    assert opt.param_groups[-1]["momentum"] == 0.0 and opt.params[-1] is c
    assert repr(opt) == "SGD(3 parameters in 3 groups, lr=0.2)"


def test_state_dict_round_trip_continues_identically():
    def run(opt, w, steps):
        for g in GRADS[:steps]:
            w.grad = g.copy()
            opt.step()

    w1 = Tensor(W0.copy(), requires_grad=True)
    o1 = Adam([w1], lr=0.1, amsgrad=True)
    run(o1, w1, 2)
    saved = o1.state_dict()
    assert saved["param_groups"][0]["params"] == [0] and saved["state"][0]["step"] == 2
    w2 = Tensor(w1.data.copy(), requires_grad=True)
    o2 = Adam([w2], lr=0.5)
    o2.load_state_dict(saved)
    assert o2.param_groups[0]["lr"] == 0.1 and o2.param_groups[0]["amsgrad"]
    saved["state"][0]["exp_avg"][...] = 99.0  # the optimiser holds copies
    w1.grad = w2.grad = GRADS[2].copy()
    o1.step()
    o2.step()
    np.testing.assert_array_equal(w1.data, w2.data)
    with pytest.raises(ValueError, match="number of parameter groups"):
        o2.load_state_dict({"state": {}, "param_groups": []})


def test_zero_grad_set_to_none_and_step_closure():
    w = Tensor([2.0], requires_grad=True)
    opt = SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 4.0 and w.data.tolist() == [1.0]
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and w.grad.tolist() == [0.0]
    opt.zero_grad()
    assert w.grad is None


class _GradArray(np.ndarray):
    """An ndarray subclass as a gradient (a user's own, np.memmap, ...)."""


@pytest.mark.parametrize("zero", ["optimizer", "module"])
def test_zero_grad_keeping_arrays_zeroes_an_array_subclass_in_place(zero):
    # set_to_none=False zeroes an array gradient in place, the same object (as PyTorch's zero_()); an ndarray
    # subclass was taken for a gradient with history and replaced by a new plain array (zeros_like of its buffer)
    import nn

    model = nn.Linear(2, 2, seed=0)
    grads = [np.arange(1.0, 1.0 + p.data.size).reshape(p.shape).view(_GradArray) for p in model.parameters()]
    for p, g in zip(model.parameters(), grads):
        p.grad = g
    if zero == "optimizer":
        SGD(model.parameters(), lr=0.1).zero_grad(set_to_none=False)
    else:
        model.zero_grad(set_to_none=False)
    for p, g in zip(model.parameters(), grads):
        assert p.grad is g and type(p.grad) is _GradArray and not g.any()


@pytest.mark.parametrize("zero", ["optimizer", "module"])
def test_zero_grad_keeping_arrays_after_create_graph_cuts_the_gradients_history_as_pytorch(zero):
    # a gradient penalty: backward(create_graph=True) makes each .grad a graph; PyTorch's zero_grad(set_to_none=
    # False) detaches it and zeroes it, so the next step's gradients start from zero without history. Writing 0
    # into the graph's node kept its history, and the next backward through it raised "modified by an inplace
    # operation" (the optimizer had changed the weights that history had saved)
    import nn

    x, y = np.random.default_rng(0).normal(size=(5, 2)), np.linspace(-1.0, 1.0, 5)
    runs = []
    for set_to_none in (True, False):
        model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
        opt = SGD(model.parameters(), lr=0.1, momentum=0.5)
        for _ in range(3):
            if zero == "optimizer":
                opt.zero_grad(set_to_none=set_to_none)
            else:
                model.zero_grad(set_to_none=set_to_none)
            nn.mse_loss(model(x), y).backward(create_graph=True)
            g = model.layers[0].weight.grad
            (g * g).sum().backward()  # the penalty's gradient, through the gradient's graph
            opt.step()
        if not set_to_none:
            opt.zero_grad(set_to_none=False)
            assert all(type(p.grad) is np.ndarray and not p.grad.any() for p in model.parameters())
        runs.append([p.data.copy() for p in model.parameters()])
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------
# schedules: PyTorch's sequences (closed forms of its recursive rules)
# ---------------------------------------------------------------------------


def lrs(make_sched, lr=1.0, n=12):
    opt = SGD([Value(0.0)], lr=lr)
    sched = make_sched(opt)
    out = [opt.lr]
    for _ in range(n):
        sched.step()
        out.append(opt.lr)
    assert sched.get_last_lr() == [out[-1]]
    return out


def test_schedules_follow_pytorchs_formulas():
    e = np.arange(13)
    np.testing.assert_allclose(lrs(lambda o: StepLR(o, 4, 0.5)), 0.5 ** (e // 4), rtol=1e-12)
    np.testing.assert_allclose(
        lrs(lambda o: MultiStepLR(o, [3, 3, 7], 0.1)), [0.1 ** (2 * (k >= 3) + (k >= 7)) for k in e], rtol=1e-12
    )
    np.testing.assert_allclose(lrs(lambda o: ExponentialLR(o, 0.9)), 0.9**e, rtol=1e-12)
    cos = 0.1 + (1.0 - 0.1) * (1 + np.cos(np.pi * e / 5)) / 2  # past T_max it climbs back, as PyTorch's
    np.testing.assert_allclose(lrs(lambda o: CosineAnnealingLR(o, T_max=5, eta_min=0.1)), cos, rtol=1e-12)
    lin = 1 / 3 + (1 - 1 / 3) * np.minimum(e, 5) / 5  # PyTorch's defaults: a third, up to 1 in 5 steps
    np.testing.assert_allclose(lrs(lambda o: LinearLR(o)), lin, rtol=1e-12)
    np.testing.assert_allclose(lrs(lambda o: LambdaLR(o, lambda k: 0.5 * k), lr=2.0), e.astype(float), rtol=1e-12)


def test_schedules_act_on_every_group_from_its_own_initial_rate():
    a, b = Value(0.0), Value(0.0)
    opt = SGD([{"params": [a], "lr": 1.0}, {"params": [b], "lr": 0.1}], lr=0.5)
    sched = LambdaLR(opt, [lambda k: 1.0, lambda k: k + 1.0])
    sched.step()
    assert [g["lr"] for g in opt.param_groups] == [1.0, 0.2] and sched.base_lrs == [1.0, 0.1]
    assert [g["initial_lr"] for g in opt.param_groups] == [1.0, 0.1]
    again = StepLR(opt, step_size=1, gamma=0.5)  # chained: it starts from the current rates
    again.step()
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1]


def test_reduce_lr_on_plateau_waits_for_patience_then_cools_down():
    opt = SGD([Value(0.0)], lr=1.0)
    sched = ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=1, cooldown=1, min_lr=0.2)
    seen = [sched.step(m) for m in [1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]]
    # bad epochs 1, 2 (> patience): halve; one cooldown epoch; then 1, 2: halve again; floor 0.2
    assert seen == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2]
    with pytest.raises(TypeError, match="pass the metric"):
        sched.step()
    with pytest.raises(ValueError, match="factor"):
        ReduceLROnPlateau(opt, factor=1.0)


def test_step_after_backward_with_create_graph_uses_the_gradients_numbers() -> None:
    from autograd import Tensor, Value
    from nn.optim import SGD

    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward(create_graph=True)  # w.grad is a Tensor node, 2w
    SGD([w], lr=0.25).step()
    assert type(w.data) is np.ndarray and w.data.tolist() == [0.5, 1.0]
    v = Value(3.0)
    (v * v).backward(create_graph=True)
    SGD([v], lr=0.5).step()
    assert v.data == 0.0


def test_sgd_step_marks_every_updated_tensor_even_when_a_later_one_fails() -> None:
    # the plain SGD path ticks the version clock once for all the arrays it changed (autograd.versions);
    # a graph recorded before the step must then refuse backward, as PyTorch's in-place check does
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0], requires_grad=True)
    loss = (a * a).sum() + (b * b).sum()
    a.grad, b.grad = np.array([1.0, 1.0]), np.array([1.0])
    SGD([a, b], lr=0.5).step()
    assert a.data.tolist() == [0.5, 1.5] and b.data.tolist() == [2.5]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
    # a parameter whose gradient the update cannot use raises, and the ones updated before it stay marked
    c, d = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    loss = (c * c).sum()
    c.grad, d.grad = np.array([2.0]), "not a gradient"
    with pytest.raises(TypeError):
        SGD([c, d], lr=0.5).step()
    assert c.data.tolist() == [0.0]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


# ---------------------------------------------------------------------------
# SGD's plain path (no momentum, weight decay or maximize): the general update's bits, and what it
# changed marked.  It multiplies by the learning rate as a 0-d array of the gradient's dtype
# (nn.optim.sgd.lr_arrays) and marks its arrays through autograd.versions.mark_again; each condition
# it checks is checked here by a program that would give other numbers, or no error, if it were wrong.
# ---------------------------------------------------------------------------

DTYPES = [np.float16, np.float32, np.float64]
LRS = (
    st.floats(0.0, 1e300)
    | st.floats(0.0, 1e-40)  # float32 subnormals and zero
    | st.floats(3.0e38, 3.5e38)  # about float32's largest
    | st.floats(1e-4, 1.0)
    | st.sampled_from([0.05, 0.1, -0.0, 1e-45, 2.0**-149, 3.4028235677973366e38])
)


def _elements(dtype: Any) -> Any:
    """Any value of ``dtype`` (inf, nan, signed zeros, subnormals), or a plain one whose products round."""
    return hnp.from_dtype(np.dtype(dtype)) | st.floats(-100.0, 100.0, width=np.dtype(dtype).itemsize * 8)


def _grads(data: Any, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    return data.draw(hnp.arrays(dtype, shape, elements=_elements(dtype)), label="grad")


def _general(w: np.ndarray, g: np.ndarray, lr: Any) -> np.ndarray:
    """What the general path (Optimizer.step, SGD.update) writes into a copy of ``w``."""
    t = Tensor(w.copy(), requires_grad=True)
    opt = SGD([t], lr=0.5)
    opt.param_groups[0]["lr"] = lr
    t.grad = g.copy()
    Optimizer.step(opt)
    return t.data


def _plain_step(w: np.ndarray, g: np.ndarray, lr: Any) -> np.ndarray:
    """The weights after one plain SGD.step at rate ``lr`` (set in the group as a schedule would) from ``w``, ``g``."""
    t = Tensor(w.copy(), requires_grad=True)
    opt = SGD([t], lr=0.5)
    opt.param_groups[0]["lr"] = lr
    t.grad = g.copy()
    opt.step()
    return t.data


@given(data=st.data())
def test_the_plain_path_gives_the_general_updates_bits(data: Any) -> None:
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=4), label="shape")
    wdt, gdt = data.draw(st.sampled_from(DTYPES), label="w dtype"), data.draw(st.sampled_from(DTYPES), label="g dtype")
    w = data.draw(hnp.arrays(wdt, shape, elements=_elements(wdt)), label="w")
    g = _grads(data, shape, gdt)
    lr = data.draw(LRS, label="lr")
    kind = data.draw(st.sampled_from(["float", "int", "numpy float64", "numpy float32"]), label="lr kind")
    kinds = {"float": lr, "int": int(min(lr, 1e6)), "numpy float64": np.float64(lr), "numpy float32": np.float32(1.5)}
    lr = kinds[kind]
    with np.errstate(all="ignore"):
        want, got = _general(w, g, lr), _plain_step(w, g, lr)
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), (lr, g, got, want)


@given(lr=LRS, data=st.data())
def test_lr_arrays_multiply_to_the_floats_bits(lr: float, data: Any) -> None:
    s32, s64 = lr_arrays(lr)
    for dtype, s in ((np.float32, s32), (np.float64, s64)):
        g = _grads(data, (3,), dtype)
        with np.errstate(all="ignore"):
            got, want = s * g, lr * g
        assert got.dtype == want.dtype == dtype and got.tobytes() == want.tobytes(), (lr, g, got, want)


@pytest.mark.parametrize("wdt", [np.float32, np.float64])
@pytest.mark.parametrize("gdt", DTYPES)
@pytest.mark.parametrize("lr", [0.1, 0.05, np.float64(0.1), np.float32(0.1), 1])
def test_each_dtype_and_kind_of_rate_gives_the_general_updates_bits(wdt: Any, gdt: Any, lr: Any) -> None:
    # random plain values: the products round, so a rate taken in another dtype than the general path's
    # (a float32 rate for float64 gradients, the float64 product of a numpy float64 rate) gives other bits
    rng = np.random.default_rng(7)
    w, g = rng.normal(size=500).astype(wdt), rng.normal(size=500).astype(gdt)
    want, got = _general(w, g, lr), _plain_step(w, g, lr)
    assert got.dtype == want.dtype == wdt and got.tobytes() == want.tobytes()
    if gdt is not np.float16 and type(lr) in (float, np.float64):  # the rate in the other dtype would not do
        other = np.float32 if (gdt is np.float64 or type(lr) is np.float64) else np.float64
        assert (w - (np.asarray(lr, other) * g)).astype(wdt).tobytes() != want.tobytes()


def test_lr_arrays_keep_floats_whose_float32_would_overflow_and_cannot_be_written() -> None:
    big = 3.5e38
    s32, s64 = lr_arrays(big)
    assert s32 is big and s64.dtype == np.float64 and float(s64) == big
    w = Tensor(np.ones(2, np.float32), requires_grad=True)
    opt = SGD([w], lr=big)
    for _ in range(2):  # numpy's warning for the float's cast, at every step as lr * g gives it
        w.grad = np.ones(2, np.float32)
        with pytest.warns(RuntimeWarning, match="overflow encountered in cast"):
            opt.step()
    with pytest.raises(ValueError, match="read-only"):
        lr_arrays(0.25)[0][...] = 1.0
    # a signed zero keeps its sign (0.0 == -0.0, so a cache by value would mix them up)
    assert np.signbit(lr_arrays(-0.0)[0]) and not np.signbit(lr_arrays(0.0)[0])


def test_lr_arrays_keep_a_small_cache_that_answers_each_float_with_its_own_value() -> None:
    from nn.optim import sgd

    rates = [0.001 * (i + 1) for i in range(200)]  # a schedule's new float at each change
    for lr in rates:
        s32, s64 = lr_arrays(lr)
        assert float(s64) == lr and s32 == np.float32(lr) and lr_arrays(lr)[1] is s64  # the second call: cached
        assert len(sgd._LR_ARRAYS) <= 64
    assert all(float(lr_arrays(lr)[1]) == lr for lr in rates)


def test_a_schedule_changing_lr_between_steps_takes_each_new_rate() -> None:
    w = Tensor(np.ones(2, np.float32), requires_grad=True)
    opt = SGD([w], lr=0.5)
    for lr in [0.5, 0.25, 0.125, 0.5]:
        opt.param_groups[0]["lr"] = lr
        before = w.data.copy()
        w.grad = np.ones(2, np.float32)
        opt.step()
        assert w.data.tolist() == (before - np.float32(lr)).tolist()


def test_replaced_arrays_are_marked_and_old_graphs_refuse_backward() -> None:
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0], requires_grad=True)
    opt = SGD([a, b], lr=0.5)
    for _ in range(2):  # the second step marks through the records the first kept
        loss = (a * a).sum() + (b * b).sum()
        a.grad, b.grad = np.ones(2), np.ones(1)
        opt.step()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()
    a.data = np.array([5.0, 6.0])  # a new array: the records kept for the old one do not stand for it
    loss = (a * a).sum()
    a.grad = np.ones(2)
    opt.step()
    assert a.data.tolist() == [4.5, 5.5]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
    a.data = np.arange(4.0)[1:3]  # a view: its owner is marked
    loss = (a * a).sum()
    a.grad = np.ones(2)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_a_stepped_sgd_pickles_and_copies_and_the_copy_marks_its_own_arrays() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    opt = SGD([w], lr=0.5)
    w.grad = np.ones(2)
    opt.step()
    for twin in (pickle.loads(pickle.dumps(opt)), copy.deepcopy(opt)):
        (tw,) = twin.param_groups[0]["params"]
        assert tw is not w and tw.data.tolist() == [0.5, 1.5]
        loss = (tw * tw).sum()
        tw.grad = np.ones(2)
        twin.step()
        assert tw.data.tolist() == [0.0, 1.0] and w.data.tolist() == [0.5, 1.5]
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()
    del opt, w
    gc.collect()


def test_plain_sgd_in_several_threads_gives_each_thread_its_own_sequential_numbers() -> None:
    # the lr cache and the version clock are shared by every optimiser: threads training their own models
    # (each rate a new float per step, so the cache is filled and cleared meanwhile) get the numbers of a
    # sequential run, and a graph recorded before a step still refuses backward
    import sys
    import threading

    import nn

    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(16, 2)).astype(np.float32), rng.normal(size=(16, 1)).astype(np.float32)

    def train(k: int, out: dict[int, Any]) -> None:
        model = nn.MLP(2, [8, 1], dtype=np.float32, seed=0)
        opt = SGD(model.parameters(), lr=0.1)
        refused = 0
        for i in range(40):
            opt.param_groups[0]["lr"] = 0.01 * (k + 1) + 1e-4 * i
            opt.zero_grad()
            loss = nn.mse_loss(model(X), y)
            loss.backward(retain_graph=True)
            opt.step()
            try:
                loss.backward()
            except RuntimeError as e:
                refused += "modified by an inplace operation" in str(e)
        out[k] = ([p.data.tobytes() for p in model.parameters()], refused)

    alone: dict[int, Any] = {}
    for k in range(4):
        train(k, alone)
    together: dict[int, Any] = {}
    threads = [threading.Thread(target=train, args=(k, together)) for k in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as Python can
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert together == alone and all(refused == 40 for _, refused in alone.values())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_rounds_the_product_then_the_difference_where_pytorch_rounds_once(dtype: Any) -> None:
    # the documented difference (docs/coming-from-pytorch-nn.md): torch.optim.SGD's param.add_(g, alpha=-lr)
    # is a fused multiply-add, one rounding; w -= lr * g rounds the product and then the difference, so
    # some elements differ from PyTorch's at each step by the product's rounding (half a unit in its last
    # place) and the difference's (half a unit in the result's last place)
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    w0, g = rng.normal(size=4000).astype(dtype), rng.normal(size=4000).astype(dtype)
    lr = 0.1
    w = Tensor(w0.copy(), requires_grad=True)
    w.grad = g.copy()
    SGD([w], lr=lr).step()
    assert w.data.tobytes() == (w0 - dtype(lr) * g).tobytes()  # two roundings, as numpy writes it
    tw = torch.tensor(w0.copy(), requires_grad=True)
    tw.grad = torch.tensor(g.copy())
    torch.optim.SGD([tw], lr=lr).step()
    theirs = tw.detach().numpy()
    differ = w.data != theirs
    assert 0.02 < differ.mean() < 0.3  # a difference that shows (about one element in ten here)
    gap = np.abs(w.data.astype(np.float64) - theirs)
    assert np.all(gap <= (np.spacing(np.abs(dtype(lr) * g)) + np.spacing(np.abs(theirs))).astype(np.float64))
    assert np.any(gap > np.spacing(np.abs(theirs)))  # where w and lr * g nearly cancel: more than the last bit


def test_a_lambda_schedule_giving_numpy_numbers_sets_the_rates_pytorch_would_use() -> None:
    # PyTorch multiplies by a numpy rate as by a Python number (float32 weights stay in float32); numpy
    # multiplies a float32 gradient by a numpy float64 in float64: LambdaLR keeps its rates as Python floats
    rng = np.random.default_rng(5)
    w0, g = rng.normal(size=1000).astype(np.float32), rng.normal(size=1000).astype(np.float32)

    def train(fn: Any) -> tuple[np.ndarray, list[Any]]:
        w = Tensor(w0.copy(), requires_grad=True)
        opt = SGD([w], lr=0.1)
        sched = LambdaLR(opt, fn)
        rates = []
        for _ in range(3):
            w.grad = g.copy()
            opt.step()
            sched.step()
            rates.append(opt.param_groups[0]["lr"])
        return w.data, rates

    (plain, plain_rates), (numpy, numpy_rates) = train(lambda k: 0.9**k), train(lambda k: np.float64(0.9) ** k)
    assert all(type(r) is float for r in numpy_rates) and numpy_rates == plain_rates
    assert numpy.dtype == np.float32 and numpy.tobytes() == plain.tobytes()
    _, halves = train(lambda k: np.float32(0.5) ** k)  # numpy's float32 product, its value kept as a float
    assert halves == [float(0.1 * np.float32(0.5) ** k) for k in (1, 2, 3)] and {type(r) for r in halves} == {float}
