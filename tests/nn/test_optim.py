"""Tests for nn/optim.py: each update rule against a numpy formula, on both engines; schedules; errors."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor, Value
from nn.optim import SGD, Adam, AdamW, LinearLR, StepLR

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
    assert a.data.tolist() == [1.0] and opt.state[0] == {}
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
    (lambda: LinearLR(SGD([Value(1.0)], lr=0.1), total_steps=0), ValueError, ["LinearLR", "total_steps"]),
    (lambda: LinearLR(SGD([Value(1.0)], lr=0.1), end_factor=-0.5), ValueError, ["LinearLR", "end_factor"]),
    (lambda: LinearLR(object()), TypeError, ["LinearLR", "lr attribute", "object"]),
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
    sched = LinearLR(opt, start_factor=1.0, end_factor=0.1, total_steps=100)
    seen = []
    for _ in range(120):
        seen.append(opt.lr)
        sched.step()
    expected = [1.0 - 0.9 * min(k, 100) / 100 for k in range(120)]
    np.testing.assert_allclose(seen, expected, rtol=1e-12)
    assert sched.get_lr() == opt.lr


def test_linear_lr_start_factor_applies_at_once_and_warms_up():
    opt = Adam([Value(0.0)], lr=0.1)
    sched = LinearLR(opt, start_factor=0.25, end_factor=1.0, total_steps=3)
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
