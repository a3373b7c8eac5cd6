"""Fused layer nodes (autograd.fused): the same numbers as the three nodes they stand for, bit for bit, and the same
graph (ops, stages, values, gradients, drawings) as soon as anything reads it."""

from __future__ import annotations

import copy
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import autograd.fused as fused
import autograd.fused_loss as fused_loss
import nn
from autograd import Tensor, detect_anomaly, toposort
from autograd.gradcheck import gradcheck
from autograd.ops import OPS
from autograd.released import is_released
from tests.nn.helpers import two_readers_see_one_graph

ACTS = [None, "relu", "tanh", "sigmoid", "leaky_relu"]


def _layer(nin: int, nout: int, act: str | None, dtype: type, seed: int) -> nn.Linear:
    layer = nn.Linear(nin, nout, activation=act, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed + 1)
    layer.bias.data[...] = rng.normal(size=nout).astype(dtype)
    return layer


def _run(layer: nn.Linear, x0: np.ndarray, fuse: bool, x_grad: bool) -> tuple[Tensor, Tensor, Tensor, dict]:
    for p in layer.parameters():
        p.grad = None
    x = Tensor(x0.copy(), requires_grad=x_grad)
    with fused.fusion(fuse):
        y = layer(x)
    loss = (y * y).sum()
    loss.backward()
    grads = {"x": x.grad, "W": layer.weight.grad.copy(), "b": layer.bias.grad.copy()}
    return x, y, loss, grads


def _graph(loss: Tensor) -> list[tuple]:
    """Every node behind ``loss``: op, stage, value (None when released), gradient, parents' positions."""
    order = toposort(loss)
    index = {id(n): i for i, n in enumerate(order)}
    out = []
    for n in order:
        data = None if is_released(n.data) else np.asarray(n.data).tolist()
        grad = None if n.grad is None else np.asarray(n.grad).tolist()
        parents = tuple(index[id(p)] for p in n._prev)
        dtype = np.asarray(n.data).dtype, None if n.grad is None else np.asarray(n.grad).dtype
        op = None if n.op is None else n.op.name
        out.append((op, n.stage, data, grad, parents, n._meta, n.label, n.requires_grad, type(n.data), dtype))
    return out


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 6),
    nin=st.integers(1, 5),
    nout=st.integers(1, 5),
    act=st.sampled_from(ACTS),
    dtype=st.sampled_from([np.float32, np.float64]),
    x_grad=st.booleans(),
    keep=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_fused_layer_gives_the_unfused_numbers_bit_for_bit(n, nin, nout, act, dtype, x_grad, keep, seed):
    layer = _layer(nin, nout, act, dtype, seed)
    x0 = np.random.default_rng(seed).normal(size=(n, nin)).astype(dtype)
    old = fused.KEEP_STEPS_UP_TO
    fused.KEEP_STEPS_UP_TO = old if keep else 0  # not kept: the bias and relu go in in place
    try:
        xf, yf, lf, gf = _run(layer, x0, True, x_grad)
    finally:
        fused.KEEP_STEPS_UP_TO = old
    assert yf._row is fused.LINEAR or yf._row.name.startswith("linear")  # recorded as one node (the raw slot)
    xu, yu, lu, gu = _run(layer, x0, False, x_grad)
    assert yf.dtype == yu.dtype == dtype
    np.testing.assert_array_equal(yf.data, yu.data)
    np.testing.assert_array_equal(lf.data, lu.data)
    for k in gf:
        if gu[k] is None:
            assert gf[k] is None
        else:
            assert gf[k].dtype == gu[k].dtype
            np.testing.assert_array_equal(gf[k], gu[k])


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 4),
    nin=st.integers(1, 4),
    nout=st.integers(1, 4),
    act=st.sampled_from(ACTS),
    backward=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_reading_the_graph_unfuses_it_into_the_unfused_graph(n, nin, nout, act, backward, seed):
    layer = _layer(nin, nout, act, np.float64, seed)
    x0 = np.random.default_rng(seed).normal(size=(n, nin))
    graphs = []
    for fuse in (True, False):
        with fused.fusion(fuse):
            y = layer(Tensor(x0))
        loss = (y * y).sum()
        if backward:
            loss.backward(retain_graph=True)
        graphs.append(_graph(loss))
        for p in layer.parameters():
            p.grad = None
    assert graphs[0] == graphs[1]
    steps = [g[1][-1] for g in graphs[1] if g[0] is not None and g[1]]
    assert steps[:2] == ["weighted sum", "bias"] and steps[2:] == ([] if act is None else ["activation"])


def test_drawings_of_a_fused_graph_equal_the_unfused_ones():
    model = nn.MLP(2, [4, 3, 1], seed=0)
    X = np.random.default_rng(1).normal(size=(5, 2))
    sources = []
    for fuse in (True, False):
        with fused.fusion(fuse):
            loss = nn.mse_loss(model(X), np.zeros(5))
        before = autograd.draw_graph(loss, detail="layer").source
        loss.backward()
        after = [autograd.draw_graph(loss, detail=d).source for d in ("layer", "neuron", "auto")]
        sources.append((before, after))
        model.zero_grad()
    assert sources[0] == sources[1]
    assert "weighted sum" in sources[0][0] and "bias" in sources[0][0]


def test_a_fused_node_is_one_node_while_training_and_three_once_read():
    model = nn.MLP(2, [3, 1], seed=0)
    y = model(np.ones((4, 2)))
    assert y._b is not None and y._row is fused.LINEAR and len(y._a) == 3  # the raw slot: .op would unfuse
    assert y.grad_fn.name == "add"  # reading grad_fn unfuses (a linear output layer: its last step is the bias)
    assert y._a.op.name == "matmul" and y._a._a._row.name == "linear"  # the first layer is still fused...
    hidden = y._a._a
    assert [p.op.name for p in hidden._prev] == ["add"]  # ...until its parents are read
    assert hidden.op.name == "relu"


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("first", ["op", "parents", "grad_fn"])
def test_a_fused_nodes_op_is_the_unfused_graphs_from_the_first_read(act, first):
    # .op is the public view of the row: reading it unfuses, as _prev and grad_fn do, so it never names the
    # fused row ('linear'), whatever is read first
    def build(fuse):
        with fused.fusion(fuse):
            return _layer(3, 2, act, np.float64, 0)(Tensor(np.ones((4, 3)), requires_grad=True))

    y, u = build(True), build(False)
    assert y._row is fused.LINEAR
    seen = {"op": lambda n: n.op.name, "parents": lambda n: [p.op for p in n._prev], "grad_fn": lambda n: n.grad_fn}
    seen[first](y)
    assert y.op.name == u.op.name != "linear"
    assert [p.op and p.op.name for p in y._prev] == [p.op and p.op.name for p in u._prev]
    assert _graph(y) == _graph(u)


def test_two_threads_reading_one_fused_node_see_one_unfused_graph(monkeypatch):
    # the unfused pieces are made once: a second reader waits, then sees the first one's pieces (before, both
    # made their own, and the later one showed the weighted sum and pre-activation as released)
    def build(fuse):
        with fused.fusion(fuse):
            return _layer(3, 2, "relu", np.float64, 0)(Tensor(np.ones((4, 3)), requires_grad=True))

    two_readers_see_one_graph(build(True), build(False), monkeypatch)


def test_backward_twice_raises_as_unfused_and_retain_graph_allows_it():
    layer = _layer(3, 2, "relu", np.float64, 0)
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    loss = layer(x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()
    toposort(loss)  # unfused after being freed: still freed
    with pytest.raises(RuntimeError, match="a second time"):
        loss.backward()
    x.grad = None
    loss = layer(x).sum()
    loss.backward(retain_graph=True)
    g1 = x.grad.copy()
    loss.backward()
    np.testing.assert_array_equal(x.grad, 2 * g1)


@pytest.mark.parametrize(
    "root", ["layer", "linear layer", "mse_loss", "mse_loss sum", "cross_entropy", "cross_entropy sum"]
)
def test_a_second_backward_names_the_op_the_unfused_graph_names(root):
    # the freed fused row's rule raised naming 'linear', 'squared_error' or 'cross_entropy', rows no drawing shows
    def run():
        z = Tensor(np.array([[0.5, -1.0, 2.0], [0.1, 0.2, -0.3]]), requires_grad=True)
        kind, _, reduction = root.partition(" ")
        if kind == "layer" or kind == "linear":
            out, grad = _layer(3, 2, "tanh" if kind == "layer" else None, np.float64, 0)(z), np.ones((2, 2))
        elif kind == "mse_loss":
            out, grad = nn.mse_loss(z * 1.0, np.zeros((2, 3)), reduction=reduction or "mean"), None
        else:
            out, grad = nn.cross_entropy(z * 1.0, np.array([0, 2]), reduction=reduction or "mean"), None
        fused_now = out._row.fused is not None
        out.backward(grad)
        with pytest.raises(RuntimeError, match="a second time") as e:
            out.backward(grad)
        return str(e.value), fused_now

    (f, was_fused), (u, _) = _both(run)
    assert was_fused and f == u


def test_hooks_and_create_graph_run_through_the_unfused_nodes():
    layer = _layer(2, 3, "tanh", np.float64, 3)
    x0 = np.array([[0.3, -0.7], [1.1, 0.2]])
    results = []
    for fuse in (True, False):
        x = Tensor(x0, requires_grad=True)
        with fused.fusion(fuse):
            y = layer(x)
        seen: list = []
        y.register_hook(seen.append)
        (gx,) = autograd.grad((y * y).sum(), [x], create_graph=True)
        (ggx,) = autograd.grad(gx.sum(), [x])
        results.append((gx.data, ggx.data, seen[0].data))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_the_fused_row_against_central_differences():
    rng = np.random.default_rng(5)
    for act in (None, OPS["relu"], OPS["tanh"], OPS["sigmoid"]):
        x = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
        W = Tensor(rng.normal(size=(4, 2)), requires_grad=True)
        b = Tensor(rng.normal(size=2), requires_grad=True)
        assert gradcheck(lambda x, W, b, act=act: fused.linear(x, W, b, act), x, W, b)


def test_big_layers_compute_in_place_and_show_their_steps_as_released(monkeypatch):
    monkeypatch.setattr(fused, "KEEP_STEPS_UP_TO", 10)
    layer = _layer(3, 4, "relu", np.float64, 1)
    x0 = np.random.default_rng(2).normal(size=(5, 3))
    y = layer(Tensor(x0))
    steps = y._meta[0]
    assert steps.ws is None and steps.z is None  # 20 elements > 10: nothing kept but the output
    np.testing.assert_allclose(y.data, np.maximum(x0 @ layer.weight.data + layer.bias.data, 0))
    y.sum().backward()
    y._prev  # noqa: B018
    z, ws = y._a, y._a._a
    assert is_released(z.data) and is_released(ws.data)
    assert "released" in repr(z)


def test_detect_anomaly_records_each_step():
    layer = _layer(2, 2, "relu", np.float64, 0)
    with detect_anomaly():
        y = layer(Tensor(np.ones((1, 2))))
    assert y.op.name == "relu" and y._a.op.name == "add"


def test_changing_the_input_in_place_after_the_forward_is_caught():
    layer = _layer(2, 2, "relu", np.float64, 0)
    x = Tensor(np.ones((3, 2)), requires_grad=True)
    h = x * 1.0
    y = layer(h)
    with autograd.no_grad():
        h += 1.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_a_big_fused_graph_keeps_no_interior_gradients_and_counts_as_its_three_steps():
    n = autograd.propagate.INTERIOR_GRADS_UP_TO // 6 + 1  # 2 fused layers of n elements: 6 n unfused
    layer = _layer(1, 1, "relu", np.float64, 0)
    x = Tensor(np.ones((n, 1)), requires_grad=True)
    y = layer(layer(x))
    y.sum().backward()
    assert y._meta[0].gz is None and y.grad is None
    np.testing.assert_array_equal(x.grad.shape, (n, 1))


@settings(max_examples=30, deadline=None)
@given(
    shape=st.sampled_from([(1,), (5,), (4, 1), (3, 2), (6, 3)]),
    reduction=st.sampled_from(["mean", "sum"]),
    dtype=st.sampled_from([np.float32, np.float64]),
    target_shape=st.sampled_from(["same", "flat"]),
    backward=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_fused_mse_loss_gives_the_unfused_numbers_and_graph(shape, reduction, dtype, target_shape, backward, seed):
    rng = np.random.default_rng(seed)
    p0 = rng.normal(size=shape).astype(dtype)
    flat = target_shape == "flat" and len(shape) == 2 and shape[-1] == 1  # a column's target (N,); a (1,) has none
    t = rng.normal(size=shape[:-1] if flat else shape)
    results = []
    for fuse in (True, False):
        p = Tensor(p0, requires_grad=True)
        h = p * 1.5  # an interior prediction, as a model's output
        with fused.fusion(fuse):
            loss = nn.mse_loss(h, t, reduction=reduction)
        if fuse:
            assert loss._row is fused_loss.SQUARED_ERROR
        if backward:
            loss.backward(retain_graph=True)
        results.append((loss.data, p.grad, _graph(loss)))
    (lf, gf, graph_f), (lu, gu, graph_u) = results
    assert lf.dtype == lu.dtype == dtype
    np.testing.assert_array_equal(lf, lu)
    if backward:
        np.testing.assert_array_equal(gf, gu)
    assert graph_f == graph_u


def test_fused_mse_loss_is_checked_by_central_differences_and_draws_as_unfused():
    rng = np.random.default_rng(3)
    t = rng.normal(size=(4, 2))
    p = Tensor(rng.normal(size=(4, 2)), requires_grad=True)
    assert gradcheck(lambda p: fused_loss.squared_error(p, t, 1.0 / t.size), p)
    assert gradcheck(lambda p: fused_loss.squared_error(p, t, None), p)
    sources = []
    for fuse in (True, False):
        p.grad = None
        with fused.fusion(fuse):
            loss = nn.mse_loss(p * 2.0, t)
        loss.backward()
        sources.append(autograd.draw_graph(loss, detail="scalar").source)
    assert sources[0] == sources[1] and "target" in sources[0]


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 9),
    dtype=st.sampled_from([np.float32, np.float64]),
    g=st.floats(-1e30, 1e30, allow_subnormal=True) | st.sampled_from([0.0, -0.0, 1e-45, 3e-39]),
    how=st.sampled_from(["given", "times", "plus"]),
)
def test_a_fused_loss_gradient_from_any_gradient_at_it_is_the_unfused_one(n, dtype, g, how):
    # the mean's rule takes a 0-d gradient as numpy's scalar: the products and their types are the unfused ones
    p0 = np.linspace(-2.0, 3.0, n).astype(dtype)
    t = np.cos(np.arange(n))
    results = []
    for fuse in (True, False):
        p = Tensor(p0, requires_grad=True)
        with fused.fusion(fuse):
            loss = nn.mse_loss(p * 1.0, t)
        if how == "given":
            loss.backward(gradient=g)
        elif how == "times":  # the gradient at the loss is a product's (numpy's scalar or a 0-d array)
            (loss * g).backward()
        else:
            (loss + Tensor(np.array(g, dtype))).backward()
        s = loss._prev[0]  # reading the fused node unfuses it: the sum, whose gradient the mean's rule gave
        gs = np.asarray(s.grad)  # NOTE: numpy's scalar when fused, a 0-d array unfused (as before: equal values)
        results.append((p.grad.tobytes(), p.grad.dtype, gs.tobytes(), gs.dtype, s.op.name))
    assert results[0] == results[1]


def test_a_fused_squared_error_keeps_the_squares_up_to_its_limit_and_records_only_when_asked(monkeypatch):
    t = np.arange(4.0)
    p = Tensor(np.ones(4), requires_grad=True)
    for limit, kept in ((4, True), (3, False)):
        monkeypatch.setattr(fused_loss, "KEEP_SQUARES_UP_TO", limit)
        steps = fused_loss.squared_error(p, t, 0.25)._meta[0]
        assert (steps.sq is not None) is kept and steps.hidden == 9  # d, d * d and the sum
        np.testing.assert_array_equal(steps.d, 1.0 - t)
        assert steps.s == 6.0 and steps.scale == 0.25 and steps.grads is None and steps.unfused is None
    assert fused_loss.squared_error(p, t, None)._meta[0].hidden == 8  # no mean: no sum node beside the output
    with autograd.no_grad():
        off = fused_loss.squared_error(p, t, 0.25)
    for n in (off, fused_loss.squared_error(Tensor(np.ones(4)), t, 0.25)):  # nothing recorded
        assert n._row is None and n._meta == () and not n.requires_grad and n.item() == 1.5


def test_a_linear_subclass_with_its_own_forward_runs_it_and_hooks_still_run():
    class Doubled(nn.Linear):
        def forward(self, x):
            return super().forward(x) * 2.0

    x = np.ones((3, 2))
    plain, doubled = nn.Linear(2, 2, seed=0), Doubled(2, 2, seed=0)
    np.testing.assert_array_equal(doubled(x).data, 2 * plain(x).data)
    seen = []
    plain.register_forward_hook(lambda m, args, out: seen.append(out.shape))
    plain(x)
    assert seen == [(3, 2)]


# --------------------------------------------------------------------------
# Divergences found in review: each test failed before its fix.
# --------------------------------------------------------------------------


def _both(fn):
    """``fn()`` run with fusing on and off: the two results."""
    out = []
    for fuse in (True, False):
        with fused.fusion(fuse):
            out.append(fn())
    return out


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("how", ["hook", "create_graph", "inputs", "toposort"])
def test_a_big_layer_read_before_backward_gives_the_unfused_values_and_gradients(monkeypatch, act, how):
    monkeypatch.setattr(fused, "KEEP_STEPS_UP_TO", 0)  # every layer big: computed in place, steps not kept
    layer = _layer(3, 4, act, np.float64, 7)
    x0 = np.random.default_rng(8).normal(size=(5, 3))

    def run():
        layer.zero_grad()
        x = Tensor(x0, requires_grad=True)
        y = layer(x)
        loss = (y * y).sum()
        if how == "hook":
            y.register_hook(lambda g: g)
        graph = _graph(loss) if how == "toposort" else None  # before backward: the values, none released
        if how == "create_graph":
            (gW,) = autograd.grad(loss, [layer.weight], create_graph=True)
            return gW.data, graph
        loss.backward(inputs=[layer.weight] if how == "inputs" else None)
        return layer.weight.grad.copy(), graph

    (gf, graph_f), (gu, graph_u) = _both(run)
    np.testing.assert_array_equal(gf, gu)  # relu read a released stand-in: all gradients were 0
    assert graph_f == graph_u


@pytest.mark.parametrize("act", ACTS)
def test_a_layer_that_records_nothing_is_tagged_with_its_last_step_as_unfused(act):
    layer = _layer(2, 3, act, np.float64, 0)

    def run():
        with autograd.no_grad():
            a = layer(Tensor(np.ones((2, 2))))
        layer.requires_grad_(False)
        b = layer(Tensor(np.ones((2, 2))))
        layer.requires_grad_(True)
        return a.stage, b.stage, a.requires_grad, b.op

    f, u = _both(run)
    assert f == u and f[0][-1] == ("activation" if act else "bias")


def _change(y, how):
    if how == "+=":
        y += 1.0
    elif how == "detach":
        with autograd.no_grad():
            v = y.detach()
            v += 1.0
    elif how == "view":
        y[0] += 1.0
    elif how == "clamp_":
        y.clamp_(min=0.0)
    elif how == "W step":  # an optimizer step between the forward pass and backward
        return "W"
    elif how == "x change":
        return "x"
    return "y"


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("how", ["+=", "detach", "view", "clamp_", "W step", "x change"])
@pytest.mark.parametrize("big", [False, True])
def test_in_place_changes_raise_exactly_where_the_unfused_graph_raises(monkeypatch, act, how, big):
    if big:
        monkeypatch.setattr(fused, "KEEP_STEPS_UP_TO", 0)
    layer = _layer(3, 4, act, np.float64, 2)
    x0 = np.random.default_rng(3).normal(size=(5, 3))

    W0 = layer.weight.data.copy()

    def run():
        layer.zero_grad()
        layer.weight.data[...] = W0
        x = Tensor(x0.copy())
        y = layer(x)  # the input requires no grad: matmul's rule for W reads only x
        changed = _change(y, how)
        with autograd.no_grad():
            if changed == "W":
                layer.weight -= 0.125
            elif changed == "x":
                x += 1.0
        try:
            (y * y).sum().backward()
        except RuntimeError as e:
            return str(e)  # the unfused nodes' own message: their ops, inputs and positions
        return layer.weight.grad.tolist(), layer.bias.grad.tolist()

    f, u = _both(run)
    assert f == u


def test_detect_anomaly_in_backward_names_the_unfused_step():
    layer = _layer(2, 3, "relu", np.float64, 0)
    x0 = np.ones((2, 2))

    def run():
        y = layer(Tensor(x0, requires_grad=True))
        with pytest.raises(autograd.modes.AnomalyError) as info, detect_anomaly():
            y.backward(np.full(y.shape, np.nan))
        return str(info.value)

    f, u = _both(run)
    assert f == u and "'relu'" in f


def test_constants_repr_and_html_show_the_unfused_step():
    layer = _layer(2, 3, "tanh", np.float64, 0)

    def run():
        y1, y2, y3 = (layer(Tensor(np.ones((2, 2)))) for _ in range(3))
        return y1.constants, repr(y2), y3._repr_html_()

    f, u = _both(run)
    assert f == u and "op=tanh" in f[1]


def test_the_released_text_names_the_unfused_step(monkeypatch):
    monkeypatch.setattr(autograd.backprop, "INTERIOR_GRADS_UP_TO", 0)  # every graph big: released after backward
    monkeypatch.setattr(fused, "KEEP_STEPS_UP_TO", 0)
    layer = _layer(100, 100, "relu", np.float64, 0)

    def run():
        loss = layer(layer(Tensor(np.ones((100, 100))))).sum()
        loss.backward()
        return repr(loss._a)

    f, u = _both(run)
    assert f == u and "released" in f and "op=relu" in f


def test_a_deep_copy_of_a_fused_graph_is_a_copy_of_the_unfused_graph():
    import copy

    layer = _layer(3, 2, "relu", np.float64, 4)
    x0 = np.random.default_rng(5).normal(size=(4, 3))

    def run():
        layer.zero_grad()
        loss = nn.mse_loss(layer(Tensor(x0, requires_grad=True)), np.zeros((4, 2)))
        twin = copy.deepcopy(loss)
        twin.backward()
        return _graph(twin)

    f, u = _both(run)
    assert f == u


@pytest.mark.parametrize("act", ["relu", "tanh", None])
def test_a_released_big_graph_holds_no_interior_arrays_in_fused_steps(act):
    model = nn.MLP(100, [100] * 30 + [1], seed=0) if act == "relu" else None
    if model is None:
        model = nn.Sequential(*[nn.Linear(100, 100, activation=act, seed=i) for i in range(30)], nn.Linear(100, 1))
    X = np.random.default_rng(0).normal(size=(200, 100))  # 20000 elements a step: released, not kept

    def run():
        model.zero_grad()
        loss = nn.mse_loss(model(X), np.zeros(200))
        loss.backward()
        held = 0
        stack, seen = [loss], set()
        while stack:  # the raw structure, without unfusing
            n = stack.pop()
            if id(n) in seen or n._a is None:
                continue
            seen.add(id(n))
            if n._row.fused is not None:
                for name in ("ws", "z", "gz", "d", "sq"):
                    held += getattr(getattr(n._meta[0], name, None), "nbytes", 0)
            stack.extend(n._a if n._b is fused.MANY else [p for p in (n._a, n._b) if p is not None])
        released = [is_released(n) for n in toposort(loss)]
        return held, released

    (held_f, released_f), (_, released_u) = _both(run)
    assert held_f < 4096 * 8  # only the output layer's small steps (which the unfused graph keeps too)
    assert released_f == released_u and sum(released_u) > 20


@pytest.mark.parametrize("case", ["mse mean", "mse sum", "bias only", "relu"])
def test_a_fused_node_counts_as_its_interior_nodes_for_keeping_interior_gradients(monkeypatch, case):
    p0 = np.random.default_rng(0).normal(size=(6, 2))
    layer = _layer(2, 2, "relu" if case == "relu" else None, np.float64, 0)
    if case == "bias only":
        layer.weight.requires_grad = False  # x @ W of two constants is a constant, not an interior node

    def run(limit):
        monkeypatch.setattr(autograd.backprop, "INTERIOR_GRADS_UP_TO", limit)
        layer.zero_grad()
        p = Tensor(p0, requires_grad=True)
        h = p * 1.5
        if case.startswith("mse"):
            loss = nn.mse_loss(h, np.zeros((6, 2)), reduction=case[4:])
        elif case == "bias only":  # only the bias requires grad
            h = layer(Tensor(p0))
            loss = (h * 1.0).sum()
        else:
            loss = layer(h).sum()
        loss.backward()
        return h.grad is not None

    for limit in range(10, 60):  # around the unfused graph's size, which decides
        f, u = _both(lambda limit=limit: run(limit))
        assert f == u, limit


def test_setting_backward_on_a_fused_node_sees_the_unfused_step():
    layer = _layer(2, 2, "relu", np.float64, 0)

    def run():
        y = layer(Tensor(np.ones((2, 2))))
        y._backward = lambda: None  # micrograd's way: the node becomes a custom op named after its last step
        return y.op.symbol, [p.op.name for p in y._prev]

    f, u = _both(run)
    assert f == u == ("ReLU", ["add"])


@pytest.mark.parametrize("act", ACTS)
def test_the_in_place_error_names_a_fused_input_by_its_unfused_step(act):
    layer = _layer(3, 4, act, np.float64, 2)

    def run():
        y = layer(Tensor(np.ones((2, 3))))
        loss = (y * y).sum()  # mul reads y
        with autograd.no_grad():
            v = y.detach()
            v += 1.0
        with pytest.raises(RuntimeError) as info:
            loss.backward()
        return str(info.value)

    f, u = _both(run)
    assert f == u and "the output of 'linear'" not in f


def test_errors_about_a_fused_output_name_its_unfused_step():
    layer = _layer(2, 2, "sigmoid", np.float64, 0)

    def run():
        messages = []
        for attempt in (lambda y: y.requires_grad_(False), lambda y: nn.optim.SGD([y], lr=0.1)):
            with pytest.raises((RuntimeError, ValueError)) as info:
                attempt(layer(Tensor(np.ones((2, 2)))))
            messages.append(str(info.value))
        return messages

    f, u = _both(run)
    assert f == u and "'sigmoid'" in f[0] and "'sigmoid'" in f[1]


@pytest.mark.parametrize("act", ACTS)
def test_an_input_replaced_with_another_shape_fails_with_the_unfused_message(act):
    layer = _layer(3, 4, act, np.float64, 0)

    def run():
        x = Tensor(np.ones((2, 3)))
        loss = (layer(x) * 1.0).sum()
        x.data = np.ones((5, 3))
        with pytest.raises(ValueError) as info:
            loss.backward()
        return str(info.value)

    f, u = _both(run)
    assert f == u and f.startswith("backward of 'matmul'")


def test_an_input_that_requires_grad_after_the_forward_pass_gets_the_unfused_gradient():
    layer = _layer(3, 4, "relu", np.float64, 0)

    def run():
        x = Tensor(np.random.default_rng(0).normal(size=(2, 3)))
        y = layer(x)
        x.requires_grad_(True)  # matmul's rule for x runs when x requires grad at backward
        (y * y).sum().backward()
        return None if x.grad is None else x.grad.tolist()

    f, u = _both(run)
    assert f == u and f is not None


@pytest.mark.parametrize("what", ["layer", "loss"])
def test_a_shallow_copy_of_a_fused_node_shares_the_unfused_parents(what):
    import copy

    layer = _layer(3, 2, "relu", np.float64, 4)

    def run():
        y = layer(Tensor(np.ones((2, 3)), requires_grad=True))
        if what == "loss":
            y = nn.mse_loss(y * 1.0, np.zeros((2, 2)))
        twin = copy.copy(y)
        (y * 1.0).sum().backward(retain_graph=True)
        y._prev  # noqa: B018
        shared = twin._prev[0] is y._prev[0]  # the copy's parents: the nodes y was unfused into
        return shared, twin.op, _graph(twin)[:-1] == _graph(y)[:-1]

    f, u = _both(run)
    assert f == u and f[0] and f[2]


@pytest.mark.parametrize("new_shape", [(5, 2), (3, 4)])
def test_a_weight_replaced_with_another_shape_fails_as_the_unfused_matmul_does(new_shape):
    messages = []
    for fuse in (True, False):
        layer = nn.Linear(3, 2, activation="relu", seed=0)
        x = Tensor(np.ones((4, 3)), requires_grad=True)
        with fused.fusion(fuse):
            y = layer(x)
        layer.weight.data = np.ones(new_shape)
        with pytest.raises(ValueError) as info:
            y.sum().backward()
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith("backward of ")


@pytest.mark.parametrize("new_shape", [(2, 3, 2), (3,), (5, 2)], ids=["stack", "vector", "width"])
def test_a_weight_replaced_before_the_forward_computes_or_fails_as_the_unfused_matmul(new_shape):
    # a stack of matrices broadcasts under @ (np.dot would pair the axes otherwise: another shape, silently)
    results = []
    for fuse in (True, False):
        layer = nn.Linear(3, 2, activation="relu", seed=0)
        layer.weight.data = np.arange(np.prod(new_shape), dtype=float).reshape(new_shape) - 2.0
        x = Tensor(np.linspace(-1, 1, 12).reshape(4, 3), requires_grad=True)
        with fused.fusion(fuse):
            try:
                y = layer(x)
            except ValueError as e:
                results.append(str(e))
                continue
            y.sum().backward()
        results.append((y.data.shape, y.data.tolist(), x.grad.tolist()))
    assert results[0] == results[1]
    if new_shape == (2, 3, 2):
        assert results[0][0] == (2, 4, 2)


@pytest.mark.parametrize("grad", [True, False], ids=["recorded", "no_grad"])
@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("wdt, bdt", [(np.float32, np.float64), (np.float64, np.float32), (np.float32, np.float16)])
def test_a_bias_of_another_dtype_gives_the_unfused_dtype_and_numbers(wdt, bdt, act, grad):
    # float32 x @ W plus a float64 bias is float64 under numpy's promotion, and the weighted sum's gradient is
    # float32 (the add node casts it): in place, or in float64 through the rule, the fused layer would differ
    results = []
    for fuse in (True, False):
        layer = nn.Linear(3, 2, activation=act, seed=0, dtype=wdt)
        layer.bias.data = np.array([0.3, -0.2], bdt)
        x = Tensor(np.linspace(-1, 1, 12).reshape(4, 3).astype(wdt), requires_grad=grad)
        with fused.fusion(fuse), autograd.enable_grad() if grad else autograd.no_grad():
            y = layer(x)
        got = [y.data.dtype, y.data.tolist()]
        if grad:
            y.backward(np.random.default_rng(0).normal(size=(4, 2)))
            got += [(g.dtype, g.tolist()) for g in (x.grad, layer.weight.grad, layer.bias.grad)]
        results.append(got)
    assert results[0] == results[1]
    assert results[0][0] == np.result_type(wdt, bdt)


@pytest.mark.parametrize("grad", [True, False], ids=["recorded", "no_grad"])
@pytest.mark.parametrize("bias_shape", [(1,), (3, 4, 2), (1, 2), (4, 2), ()], ids=repr)
def test_a_bias_replaced_with_another_shape_broadcasts_as_the_unfused_add(bias_shape, grad):
    # x @ W + b broadcasts b as numpy does: a (1,) bias or a stack of biases is the unfused add's business
    results = []
    for fuse in (True, False):
        layer = nn.Linear(3, 2, activation="relu", seed=0)
        layer.bias.data = np.arange(np.prod(bias_shape), dtype=float).reshape(bias_shape) * 0.1 - 0.2
        x = Tensor(np.linspace(-1, 1, 12).reshape(4, 3), requires_grad=grad)
        with fused.fusion(fuse), autograd.enable_grad() if grad else autograd.no_grad():
            y = layer(x)
        got = [y.shape, y.data.tolist()]
        if grad:
            y.sum().backward()
            got += [x.grad.tolist(), layer.weight.grad.tolist(), layer.bias.grad.tolist()]
        results.append(got)
    assert results[0] == results[1]
    assert results[0][0] == np.broadcast_shapes((4, 2), bias_shape)


@pytest.mark.parametrize("what", ["layer", "loss"])
def test_a_second_backward_that_fails_resets_interior_gradients_as_unfused(what):
    layer = _layer(3, 2, "tanh", np.float64, 5)

    def run():
        layer.zero_grad()
        y = layer(Tensor(np.ones((2, 3)), requires_grad=True))
        loss = nn.mse_loss(y * 1.0, np.zeros((2, 2))) if what == "loss" else (y * 1.0).sum()
        loss.backward()
        with pytest.raises(RuntimeError, match="a second time"):
            loss.backward()  # every interior gradient is reset before the freed graph raises
        return _graph(loss)

    f, u = _both(run)
    assert f == u


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("read_first", [False, True], ids=["backward", "read then backward"])
@pytest.mark.parametrize("flags", [(False, True), (True, False)], ids=["unfrozen after", "frozen after"])
def test_a_weight_frozen_or_unfrozen_between_forward_and_backward_gives_the_unfused_graph(act, read_first, flags):
    # freezing a layer's weight (fine-tuning only its bias): unfused, x @ W of an input and a frozen weight is a
    # constant, so W gets no gradient even if it is unfrozen before backward (as in PyTorch: the edge was never
    # made), and a weight frozen after the forward is still the matmul's parent; the fused node gave the unfrozen
    # weight a gradient, and unfused by the flags at the time of reading
    layer = _layer(3, 4, act, np.float64, 2)

    def run():
        for p in layer.parameters():
            p.grad = None
        layer.weight.requires_grad_(flags[0])
        y = layer(np.random.default_rng(1).normal(size=(5, 3)))
        layer.weight.requires_grad_(flags[1])
        loss = (y * y).sum()
        before = _graph(loss) if read_first else None
        loss.backward()
        return before, _graph(loss), layer.weight.grad, layer.bias.grad.tolist()

    f, u = _both(run)
    assert f[0] == u[0] and f[1] == u[1] and f[3] == u[3]
    assert f[2] is None and u[2] is None  # torch gives None in both orders too
    ops = [n.op.name if n.op else None for n in toposort(layer(np.ones((1, 3))).sum())]
    assert ops.count("matmul") == flags[1]  # frozen now: x @ W is a constant, as unfused


def _strided(a: np.ndarray, how: str) -> np.ndarray:
    """``a``'s values in a layout that is neither C- nor Fortran-contiguous."""
    if how == "every other column":
        wide = np.zeros((a.shape[0], 2 * a.shape[1]), a.dtype)
        wide[:, ::2] = a
        return wide[:, ::2]
    if how == "every other row":
        tall = np.zeros((2 * a.shape[0], a.shape[1]), a.dtype)
        tall[::2] = a
        return tall[::2]
    return a[:, ::-1].copy()[:, ::-1]  # reversed columns


@pytest.mark.parametrize("how", ["every other column", "every other row", "reversed columns"])
@pytest.mark.parametrize("which", ["x", "W"])
@pytest.mark.parametrize("shape", [(1, 17, 5), (2, 64, 1), (7, 64, 1), (1, 3, 2), (40, 200, 16)])
def test_a_strided_input_or_weight_gives_the_unfused_numbers_bit_for_bit(how, which, shape):
    # a column slice of a data table (X[:, ::2]) or a weight that views another array: np.dot, the fused node's
    # product, copies such an operand and sums in another order than @, the unfused matmul (last bits differ)
    n, nin, nout = shape
    rng = np.random.default_rng(n * nin + nout)
    x0, W0 = rng.normal(size=(n, nin)), rng.normal(size=(nin, nout))
    x0, W0 = (_strided(x0, how), W0) if which == "x" else (x0, _strided(W0, how))

    def run():
        layer = nn.Linear(nin, nout, activation="tanh", seed=0)
        layer.weight = nn.Parameter(W0)
        assert layer.weight.data.flags.forc == W0.flags.forc  # the weight keeps its layout
        x = Tensor(x0, requires_grad=True)
        y = layer(x)
        (y * y).sum().backward()
        return [y.data, layer.weight.grad, layer.bias.grad, x.grad, layer(x0).data]

    for f, u in zip(*_both(run)):
        np.testing.assert_array_equal(f, u)


def test_fusion_blocks_left_in_any_order_switch_fusing_back_on():
    # fusion() is one process-wide switch: two threads (or generators) whose `with fusion(False)` blocks overlap
    # leave them in any order; each block restored the value it had found, so the later exit restored the
    # earlier block's False and every layer in the process stayed unfused for good
    try:
        _overlapping_fusion_blocks()
    finally:  # a failure must not leave the process unfused
        fused.ENABLED[0] = True


def _overlapping_fusion_blocks():
    entered, first_left = threading.Event(), threading.Event()
    inside: list[bool] = []

    def first():
        with fused.fusion(False):
            entered.set()
            time.sleep(0.05)  # the second block is entered meanwhile
        first_left.set()

    def second():
        entered.wait()
        with fused.fusion(False):
            first_left.wait()
            inside.append(fused.ENABLED[0])  # the first block has left, this one is still in force

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert inside == [False] and fused.ENABLED[0] is True
    # the same with one thread: blocks entered a, b and left a, b; a fusion(True) inside fusion(False)
    a, b, c = fused.fusion(False), fused.fusion(False), fused.fusion(True)
    a.__enter__(), b.__enter__()
    a.__exit__(None, None, None)
    c.__enter__()
    assert fused.ENABLED[0] is True  # the newest block in force decides
    c.__exit__(None, None, None)
    assert fused.ENABLED[0] is False
    b.__exit__(None, None, None)
    assert fused.ENABLED[0] is True
    y = nn.Linear(2, 2, seed=0)(np.ones((3, 2)))
    assert y._row is fused.LINEAR


def test_one_fusion_object_may_be_entered_again_and_reused():
    # as torch.no_grad(): one object used for several blocks, nested or one after another, or as a decorator of a
    # recursive function. The object from @contextmanager could be entered once: nested or again it raised
    # AttributeError: '_GeneratorContextManager' object has no attribute 'args'
    off = fused.fusion(False)
    with off:
        with off:
            assert fused.ENABLED[0] is False
        assert fused.ENABLED[0] is False
        with fused.fusion(True):
            with off:
                assert fused.ENABLED[0] is False
            assert fused.ENABLED[0] is True
    assert fused.ENABLED[0] is True
    with off:
        y = nn.Linear(2, 2, seed=0)(np.ones((3, 2)))
    assert y._row is not fused.LINEAR and fused.ENABLED[0] is True

    @off
    def depth(n):
        assert fused.ENABLED[0] is False
        return 0 if n == 0 else 1 + depth(n - 1)

    assert depth(3) == 3 and fused.ENABLED[0] is True
    with pytest.raises(KeyError):
        with off:
            raise KeyError("inside")  # not swallowed; the switch is restored
    assert fused.ENABLED[0] is True and not fused._BLOCKS


_ABANDONED_BLOCK = """
import gc, sys
from autograd.fused import ENABLED, fusion
def steps():
    with fusion(False):
        yield 1
def abandon():
    g = steps(); next(g); h = [g]; h.append(h)  # left mid-block, in a cycle: only the collector finishes it
slack = int(sys.argv[1])
gc.collect(); gc.set_threshold(100)
with fusion(True):
    abandon()
    keep = []
    while gc.get_count()[0] < 100 - slack:  # the next few allocations start a collection
        keep.append([])
gc.collect()
print(ENABLED[0])
"""


@pytest.mark.parametrize("slack", range(5))
def test_a_block_finished_by_the_garbage_collector_while_another_is_left(slack):
    # a generator abandoned inside `with fusion(False)` leaves its block when the collector finalizes it, which
    # may happen at any allocation, also while another block is being left under the blocks' lock: the
    # finalizer then waited for that lock in the thread holding it, and the process hung for good
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-c", _ABANDONED_BLOCK, str(slack)], cwd=root, capture_output=True, text=True, timeout=30
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "True\n", "")


@pytest.mark.parametrize("case", ["layer", "layer with relu", "cross-entropy mean", "cross-entropy sum", "mse"])
def test_a_shallow_copy_of_a_fused_node_shares_the_nodes_a_backward_pass_frees(case):
    # unfused, copy.copy(y) is another last step over the same interior nodes: once a backward pass freed them, a
    # pass from the copy runs its own step and raises at the next one. The fused copy kept a live rule of its own:
    # it ran all the steps again (a layer's weights took a second gradient) and raised further on, naming 'relu'
    # or 'add' where the unfused graph names 'matmul', 'add', 'sum' or 'neg'
    X = np.random.default_rng(1).normal(size=(6, 3))
    out = []
    for fuse in (True, False):
        model = nn.MLP(3, [5, 4], seed=0, activation="relu")
        if case == "layer with relu":
            model.layers[-1] = nn.Linear(5, 4, activation="relu", seed=2)
        with fused.fusion(fuse):
            h = model(X)
            if case.startswith("layer"):
                first, second = h.sum(), copy.copy(h).sum()
            else:
                if case == "mse":
                    first = nn.mse_loss(h, np.ones((6, 4)))
                else:
                    first = nn.cross_entropy(h, [0, 3, 1, 2, 2, 0], reduction=case.split()[1])
                second = copy.copy(first)
        first.backward()
        with pytest.raises(RuntimeError) as info:
            second.backward()
        out.append((str(info.value), [p.grad.tobytes() for p in model.parameters()]))
    assert out[0] == out[1]
