"""Flat parameters and gradients (nn.flat, autograd.grad_slots), SGD's one-call update: same numbers, every fallback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Tensor, draw_graph, grad_slots
from autograd.fused import fusion
from autograd.versions import INPLACE_ERROR
from nn.flat import flat_layout, flatten_parameters
from nn.optim import SGD, Optimizer


def problem(sizes: list[int], batch: int, dtype: Any, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, sizes[0])).astype(dtype)
    y = rng.standard_normal((batch, sizes[-1])).astype(dtype)
    return X, y


def twins(sizes: list[int], dtype: Any = np.float32) -> tuple[nn.MLP, nn.MLP]:
    """The same MLP twice: flat (as built), and with every parameter given its own array (the per-parameter path)."""
    flat = nn.MLP(sizes[0], sizes[1:], dtype=dtype)
    plain = nn.MLP(sizes[0], sizes[1:], dtype=dtype)
    for p in plain.parameters():
        p.data = p.data.copy()
    assert flat_layout(flat.parameters()) is not None and flat_layout(plain.parameters()) is None
    return flat, plain


def grad_buffer(model: nn.MLP) -> Any:
    """The one array every parameter's gradient is a view of (None if they are not all views of one)."""
    bases = {id(p.grad.base) for p in model.parameters() if p.grad is not None}
    first = model.parameters()[0].grad
    return first.base if len(bases) == 1 and first is not None and first.base is not None else None


def same(a: nn.MLP, b: nn.MLP) -> None:
    for p, q in zip(a.parameters(), b.parameters()):
        assert p.data.dtype == q.data.dtype
        np.testing.assert_array_equal(p.data, q.data)
        if q.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_array_equal(p.grad, q.grad)


@given(
    nin=st.integers(1, 4),
    hidden=st.lists(st.integers(1, 12), min_size=0, max_size=2),
    nout=st.integers(1, 3),
    batch=st.integers(1, 9),
    dtype=st.sampled_from([np.float32, np.float64]),
    lr=st.sampled_from([0.05, 0.3]),
)
def test_the_flat_path_gives_the_per_parameter_paths_numbers_bit_for_bit(nin, hidden, nout, batch, dtype, lr):
    sizes = [nin, *hidden, nout]
    X, y = problem(sizes, batch, dtype)
    flat, plain = twins(sizes, dtype)
    opts = SGD(flat.parameters(), lr=lr), SGD(plain.parameters(), lr=lr)
    for _ in range(3):
        losses = []
        for model, opt in zip((flat, plain), opts):
            opt.zero_grad()
            loss = nn.mse_loss(model(X), y)
            loss.backward()
            losses.append(loss.item())
            if model is flat:  # the flat path is the one taken
                layout = opts[0]._flat[id(opts[0].param_groups[0])][1]
                assert grad_buffer(flat) is layout.grad and layout.ready(opts[0].param_groups[0]["params"])
            opt.step()
        assert losses[0] == losses[1]
        same(flat, plain)
    with fusion(False):  # the unfused graph's gradients, for the flat model's weights
        plain.zero_grad()
        nn.mse_loss(plain(X), y).backward()
    opts[0].zero_grad()
    nn.mse_loss(flat(X), y).backward()
    same(flat, plain)


def test_mlp_parameters_are_consecutive_views_of_one_buffer_with_their_values():
    twin = nn.MLP(3, [5, 2], seed=4)
    for p in twin.parameters():
        p.data = p.data.copy()
    net = nn.MLP(3, [5, 2], seed=4)
    buffer = net.parameters()[0].data.base
    assert buffer.shape == (sum(p.data.size for p in net.parameters()),)
    assert all(p.data.base is buffer for p in net.parameters())
    same(net, twin)
    # set_weights, load_state_dict and nn.init write in place: the layout stays
    net.set_weights(twin.get_weights())
    net.load_state_dict(twin.state_dict())
    nn.init.zeros_(net.layers[0].bias)
    assert flat_layout(net.parameters()) is not None
    assert all(type(p.data) is float for p in nn.MLP(2, [1], engine="scalar").parameters())  # Values: not flattened


def step_both(flat: nn.MLP, plain: nn.MLP, program: Callable[[nn.MLP, Optimizer], None], steps: int = 2) -> None:
    """Run ``program(model, opt)`` on both twins for a few steps; weights and gradients must stay equal."""
    opts = [SGD(m.parameters(), lr=0.1) for m in (flat, plain)]
    for _ in range(steps):
        for model, opt in zip((flat, plain), opts):
            program(model, opt)
        same(flat, plain)


X3, Y3 = problem([2, 4, 1], 6, np.float32)


def train_step(model: nn.MLP, opt: Optimizer) -> None:
    opt.zero_grad()
    nn.mse_loss(model(X3), Y3).backward()
    opt.step()


def test_zero_grad_leaves_none_and_backward_leaves_the_exact_gradient():
    flat, plain = twins([2, 4, 1])
    opt = SGD(flat.parameters(), lr=0.1)
    opt.zero_grad()
    assert all(p.grad is None for p in flat.parameters())
    for m in (flat, plain):
        nn.mse_loss(m(X3), Y3).backward()
    assert grad_buffer(flat) is not None
    same(flat, plain)


def test_two_backward_calls_without_zero_grad_accumulate():
    def program(model, opt):
        opt.zero_grad()
        for _ in range(2):
            nn.mse_loss(model(X3), Y3).backward()
        opt.step()

    step_both(*twins([2, 4, 1]), program)


def test_zero_grad_without_set_to_none_zeroes_the_gradients_in_place():
    flat, plain = twins([2, 4, 1])

    def program(model, opt):
        before = [p.grad for p in model.parameters()]
        opt.zero_grad(set_to_none=False)
        for p, g in zip(model.parameters(), before):
            assert p.grad is g and (g is None or not g.any())
        nn.mse_loss(model(X3), Y3).backward()
        opt.step()

    step_both(flat, plain, train_step, steps=1)
    step_both(flat, plain, program)


def test_a_gradient_the_program_holds_keeps_its_values():
    net = nn.MLP(2, [4, 1], dtype=np.float32)
    opt = SGD(net.parameters(), lr=0.1)
    train_step(net, opt)
    held = net.parameters()[0].grad
    kept = held.copy()
    for _ in range(2):
        train_step(net, opt)
    np.testing.assert_array_equal(held, kept)
    assert net.parameters()[0].grad.base is not held.base
    # nothing holds the last buffer: the next one reuses it (a held view of it would count too)
    before = id(grad_buffer(net))  # an id only: holding the buffer here would make the next one new
    train_step(net, opt)
    assert id(grad_buffer(net)) == before
    held = net.parameters()[3].grad.T  # a view of a gradient holds the buffer: a new one
    train_step(net, opt)
    assert id(grad_buffer(net)) != before and held.base is not grad_buffer(net)


def test_replaced_data_breaks_the_layout_and_the_per_parameter_path_takes_over():
    flat, plain = twins([2, 4, 1])
    step_both(flat, plain, train_step, steps=1)
    for m in (flat, plain):
        p = m.parameters()[2]
        p.data = p.data.copy()
    assert flat_layout(flat.parameters()) is None
    step_both(flat, plain, train_step)


def test_data_replaced_between_zero_grad_and_backward_gets_no_armed_slot():
    net = nn.MLP(2, [4, 1], dtype=np.float32)
    opt = SGD(net.parameters(), lr=0.1)
    opt.zero_grad()
    w = net.parameters()[0]
    w.data = w.data.copy()  # same shape and dtype: the slot armed for the old array must not take its gradient
    nn.mse_loss(net(X3), Y3).backward()
    assert w.grad.base is None and net.parameters()[1].grad.base is not None
    before = [p.data.copy() for p in net.parameters()]
    grads = [p.grad.copy() for p in net.parameters()]
    opt.step()
    for p, d, g in zip(net.parameters(), before, grads):
        np.testing.assert_array_equal(p.data, d - np.float32(0.1) * g)


@pytest.mark.parametrize("how", ["requires_grad_", "grad_none"])
def test_a_parameter_left_out_is_not_updated(how):
    flat, plain = twins([2, 4, 1])

    def program(model, opt):
        opt.zero_grad()
        nn.mse_loss(model(X3), Y3).backward()
        p = model.parameters()[1]
        if how == "requires_grad_":
            p.requires_grad_(False)
        else:
            p.grad = None
        opt.step()
        p.requires_grad_(True)

    first = flat.parameters()[1].data.copy()
    step_both(flat, plain, program)
    np.testing.assert_array_equal(flat.parameters()[1].data, first)


def test_two_optimisers_on_one_model():
    flat, plain = twins([2, 4, 1])
    pairs = {id(m): [SGD(m.parameters(), lr=0.1), SGD(m.parameters(), lr=0.2)] for m in (flat, plain)}

    def program(model, opt):
        a, b = pairs[id(model)]
        a.zero_grad()
        b.zero_grad()
        nn.mse_loss(model(X3), Y3).backward()
        a.step()
        b.step()

    step_both(flat, plain, program, steps=3)


def test_a_group_with_a_parameter_outside_the_buffer():
    flat, plain = twins([2, 4, 1])
    extras = {id(m): Tensor(np.ones(3, np.float32), requires_grad=True) for m in (flat, plain)}

    def program(model, opt):
        opt2 = SGD([{"params": model.parameters()}, {"params": [extras[id(model)]], "lr": 0.5}], lr=0.1)
        opt2.zero_grad()
        (nn.mse_loss(model(X3), Y3) + (extras[id(model)] * 2.0).sum()).backward()
        opt2.step()
        mixed = SGD(model.parameters() + [extras[id(model)]], lr=0.1)  # one group, one param not flat
        assert flat_layout(mixed.param_groups[0]["params"]) is None
        mixed.zero_grad()
        (nn.mse_loss(model(X3), Y3) + (extras[id(model)] * 2.0).sum()).backward()
        mixed.step()

    step_both(flat, plain, program)
    np.testing.assert_array_equal(extras[id(flat)].data, extras[id(plain)].data)


@pytest.mark.parametrize("way", ["create_graph", "hook", "inputs", "drawn", "unfused", "momentum"])
def test_every_other_way_through_backward_gives_the_same_numbers(way):
    flat, plain = twins([2, 4, 1])
    momentum = 0.9 if way == "momentum" else 0.0

    def program(model, opt):
        opt.param_groups[0]["momentum"] = momentum
        opt.zero_grad()
        loss = nn.mse_loss(model(X3), Y3)
        ps = model.parameters()
        if way == "create_graph":
            loss.backward(create_graph=True)
        elif way == "hook":
            ps[0].register_hook(lambda g: g * 2.0)
            loss.backward()
        elif way == "inputs":
            loss.backward(inputs=ps[:2])
        elif way == "drawn":
            draw_graph(loss)  # reading the graph unfuses it
            loss.backward()
        elif way == "unfused":
            with fusion(False):
                nn.mse_loss(model(X3), Y3).backward()
        else:
            loss.backward()
        opt.step()

    step_both(flat, plain, program)


def test_in_place_errors_still_fire_after_a_flat_step():
    net = nn.MLP(2, [4, 1], dtype=np.float32)
    opt = SGD(net.parameters(), lr=0.1)
    opt.zero_grad()
    nn.mse_loss(net(X3), Y3).backward()
    later = nn.mse_loss(net(X3), Y3)  # recorded before the step: it saved the old weights
    assert grad_buffer(net) is not None
    opt.step()
    with pytest.raises(RuntimeError, match=INPLACE_ERROR):
        later.backward()


def test_a_slot_is_written_only_for_its_own_array_and_once():
    a = Tensor(np.zeros((2, 3)), requires_grad=True)
    b = Tensor(np.zeros(3), requires_grad=True)
    flatten_parameters([a, b])
    G = np.empty(9)
    grad_slots.arm(grad_slots.slots([(grad_slots.watch(a.data), a, G[:6].reshape(2, 3))]))
    assert grad_slots.claim(a.data.copy(), (2, 3), a.data.dtype) is None  # another array of the same shape
    assert grad_slots.claim(a.data, (2, 3), np.dtype(np.float32)) is None  # wrong dtype: the slot is dropped
    assert grad_slots.claim(a.data, (2, 3), a.data.dtype) is None
    grad_slots.arm(grad_slots.slots([(grad_slots.watch(a.data), a, G[:6].reshape(2, 3))]))
    view = grad_slots.claim(a.data, (2, 3), a.data.dtype)
    assert view is not None and not grad_slots.taken(view, b) and not grad_slots.taken(view, a)  # claimed for a
    grad_slots.arm({})
    assert not grad_slots.TAKEN


def test_an_armed_slot_does_not_keep_a_dead_model_alive():
    import gc
    import weakref

    net = nn.MLP(2, [3, 1])
    SGD(net.parameters(), lr=0.1).zero_grad()
    key = id(net.parameters()[0].data)
    assert key in grad_slots.ARMED
    ref = weakref.ref(net.parameters()[0].data.base)
    del net
    gc.collect()
    assert ref() is None and key not in grad_slots.ARMED
