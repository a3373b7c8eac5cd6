"""The fused chain of layers (``autograd.fused_chain``, planned by ``nn.chain``): an MLP's layers as one node.

It must give what the layers give one by one (a fused node each) and unfused (three nodes each), bit for
bit: values, every gradient, the graph read back (ops, stages, values, gradients, parents), and the same
errors, whenever the graph is read (before or after backward, or never).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import autograd.fused as fused
import autograd.fused_chain as fused_chain
import nn
from autograd import Tensor, detect_anomaly, toposort
from autograd.fused import LINEAR, fusion
from autograd.fused_chain import CHAIN, ChainPlan
from autograd.gradcheck import gradcheck
from autograd.ops import OPS
from autograd.released import is_released
from tests.nn.helpers import graph_record, same, two_readers_see_one_graph

HOW = ["chain", "layers", "unfused"]


def _mlp(sizes: list[int], act: str, dtype: type = np.float64, seed: int = 0) -> nn.MLP:
    model = nn.MLP(sizes[0], sizes[1:], activation=act, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed + 1)
    for layer in model.layers:
        layer.bias.data[...] = rng.normal(size=layer.bias.shape).astype(dtype)  # type: ignore[union-attr]
    return model


def _call(model: nn.MLP, x: object, how: str) -> Tensor:
    """``model(x)`` recorded as one chain node, as a fused node per layer, or unfused."""
    if how == "chain":
        model(x), model(x)  # the first calls cache the stage blocks and make the plans
        y = model(x)
        assert y._row is CHAIN
    elif how == "layers":
        y = nn.Module.__call__(model, x)  # MLP.forward: each layer's own fast path
        assert y._row is LINEAR
    else:
        with fusion(False):
            y = model(x)
        assert y._row.fused is None
    return y


def _all_ways(run):
    """``run(how)`` for each way of recording; the chain's result, checked equal to the other two."""
    results = [run(how) for how in HOW]
    assert same(results[0], results[1]), "chain != a fused node per layer"
    assert same(results[0], results[2]), "chain != unfused"
    return results[0]


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=3, max_size=6),
    act=st.sampled_from(["relu", "tanh", "sigmoid", "identity"]),
    dtype=st.sampled_from([np.float32, np.float64]),
    batch=st.integers(1, 5),
    x_grad=st.booleans(),
    read=st.sampled_from(["never", "before", "after"]),
    loss=st.sampled_from(["mse", "squares"]),
    seed=st.integers(0, 2**16),
)
def test_a_chain_gives_the_layers_numbers_and_graph_bit_for_bit(sizes, act, dtype, batch, x_grad, read, loss, seed):
    model = _mlp(sizes, act, dtype, seed % 7)
    x0 = np.random.default_rng(seed).normal(size=(batch, sizes[0])).astype(dtype)
    target = np.random.default_rng(seed + 1).normal(size=(batch, sizes[-1])).astype(dtype)

    def run(how):
        model.zero_grad()
        x = Tensor(x0.copy(), requires_grad=x_grad)
        y = _call(model, x, how)
        L = nn.mse_loss(y, target) if loss == "mse" else (y * y).sum()
        before = graph_record(L) if read == "before" else None
        L.backward()
        seen = [y.data.copy(), float(L.data), [p.grad.copy() for p in model.parameters()], x.grad, before]
        if read == "after":
            seen.append(graph_record(L))
        return seen

    _all_ways(run)


def test_an_mlp_records_one_node_from_its_third_call_and_the_chain_reads_back_as_its_layers():
    model = _mlp([2, 3, 3, 1], "relu")
    x = np.ones((4, 2))
    assert model(x)._row is LINEAR and model(x)._row is LINEAR  # stage blocks, then the plans are made
    y = model(x)
    assert y._row is CHAIN and len(y._a) == 7 and y._a[1] is model.layers[0].weight
    assert y.op.name == "add"  # read: the last layer's last step (identity: the bias)
    assert [n.op.name for n in toposort(y) if n.op is not None] == ["matmul", "add", "relu"] * 2 + ["matmul", "add"]


def test_the_chain_row_against_central_differences():
    rng = np.random.default_rng(5)
    for acts in [(OPS["relu"], None), (OPS["tanh"], OPS["sigmoid"], None), (None, OPS["tanh"])]:
        widths = [3] + [2 + i for i in range(len(acts))]
        params = []
        for nin, nout in zip(widths, widths[1:]):
            params += [Tensor(rng.normal(size=(nin, nout)), requires_grad=True)]
            params += [Tensor(rng.normal(size=nout), requires_grad=True)]
        x = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
        stages = (((),) * 3,) * len(acts)

        def f(x, *ps, acts=acts, stages=stages):
            y = fused_chain.layers(x, ps, acts, ((),) * len(acts), stages)
            if y is None:  # nothing recorded (gradcheck's numeric side, under no_grad): layer by layer
                y = x
                for i, act in enumerate(acts):
                    y = fused.linear(y, ps[2 * i], ps[2 * i + 1], act)
            return y

        assert f(x, *params)._row is CHAIN
        assert gradcheck(f, x, *params)


def test_a_second_backward_raises_naming_the_unfused_graphs_last_op():
    def run(how):
        y = _call(_mlp([2, 3, 2], "tanh"), np.ones((2, 2)), how)
        y.backward(np.ones((2, 2)))
        with pytest.raises(RuntimeError, match="a second time") as e:
            y.backward(np.ones((2, 2)))
        return str(e.value)

    assert "'add'" in _all_ways(run)


def test_retain_graph_allows_a_second_pass_and_interior_gradients_show_the_last_pass():
    def run(how):
        model = _mlp([2, 3, 3, 2], "sigmoid")
        model.zero_grad()
        y = _call(model, Tensor(np.ones((2, 2)), requires_grad=True), how)
        y.backward(np.ones((2, 2)), retain_graph=True)
        y.backward(np.full((2, 2), 0.5))
        return [p.grad.copy() for p in model.parameters()], graph_record(y)

    _all_ways(run)


@pytest.mark.parametrize("act", ["relu", "tanh", "identity"])
def test_a_released_graph_lets_go_of_what_the_layers_let_go_of(act, monkeypatch):
    # a big graph (no interior gradients) lets go of its interior data after backward: the outputs between the
    # layers and their steps' arrays are released stand-ins when read back, as the layers' own nodes are
    monkeypatch.setattr(autograd.backprop, "INTERIOR_GRADS_UP_TO", 0)
    monkeypatch.setattr(autograd.released, "RELEASE_FROM", 8)

    def run(how):
        model = _mlp([3, 5, 4, 3], act)
        leaf = Tensor(np.random.default_rng(3).normal(size=(4, 3)), requires_grad=True)
        y = _call(model, leaf * 1.0, how)
        loss = (y * y).sum()
        if how == "chain":
            chain = y._meta[0]
        loss.backward()
        if how == "chain":  # it holds no array of RELEASE_FROM elements or more but its parents' and output's
            held = [list(t) for t in chain.arrays]
            held[-1].pop()  # the node's own output
            assert all(d is None or is_released(d) or d.size < 8 for ds in held for d in ds)
        return graph_record(loss), leaf.grad, [p.grad for p in model.parameters()]

    released = _all_ways(run)[0]
    assert sum(n[3] is None for n in released) >= 6  # two layers' three steps at least


@pytest.mark.parametrize("how_changed", ["W step", "x change", "y +=", "y view"])
@pytest.mark.parametrize("act", ["relu", "tanh", "identity"])
def test_in_place_changes_raise_exactly_where_the_unfused_graph_raises(how_changed, act):
    def run(how):
        model = _mlp([3, 4, 2], act)
        x = Tensor(np.random.default_rng(3).normal(size=(5, 3)), requires_grad=how_changed == "x change")
        y = _call(model, x, how)
        with autograd.no_grad():
            if how_changed == "W step":  # an optimizer step between the forward pass and backward
                model.layers[1].weight -= 0.125
            elif how_changed == "x change":
                x += 1.0
        if how_changed == "y +=":
            y += 1.0
        elif how_changed == "y view":
            y[0] += 1.0
        try:
            (y * y).sum().backward()
        except RuntimeError as e:
            return str(e)
        return [p.grad.tolist() for p in model.parameters()]

    _all_ways(run)


@pytest.mark.parametrize("which", ["x", "W1", "b2"])
@pytest.mark.parametrize("same_shape", [True, False])
def test_an_input_replaced_after_the_forward_pass_gives_the_unfused_result_or_message(which, same_shape):
    def run(how):
        model = _mlp([3, 4, 2], "relu")
        x = Tensor(np.ones((2, 3)), requires_grad=True)
        y = _call(model, x, how)
        target = {"x": x, "W1": model.layers[0].weight, "b2": model.layers[1].bias}[which]
        shape = target.data.shape if same_shape else (5,) + target.data.shape[1:]
        target.data = np.full(shape, 0.5)
        try:
            (y * 1.0).sum().backward()
        except ValueError as e:  # the steps before the failing one gave their leaves gradients, as unfused
            return str(e), [None if p.grad is None else p.grad.tolist() for p in model.parameters()]
        return [p.grad.tolist() for p in model.parameters()], x.grad.tolist()

    out = _all_ways(run)
    assert isinstance(out[0], str) != same_shape


def test_a_parameter_used_by_several_layers_sums_its_gradients_in_the_layers_order():
    # three layers share one bias: backward adds its three gradients in the order the layers' nodes run
    # (float32 addition is not associative: another order would change the last bits)
    def run(how):
        model = _mlp([3, 5, 5, 5, 2], "tanh", np.float32, seed=4)
        shared = model.layers[0].bias
        model.layers[1].bias = shared
        model.layers[2].bias = shared
        x = np.random.default_rng(8).normal(size=(6, 3)).astype(np.float32) * 7
        y = _call(model, x, how)
        (y * y).sum().backward()
        return shared.grad.copy()

    _all_ways(run)


def test_a_gradient_already_there_is_added_to_as_layer_by_layer():
    def run(how):
        model = _mlp([2, 3, 2], "relu")
        for p in model.parameters():
            p.grad = np.full(p.shape, 0.25)
        old = model.layers[0].weight.grad  # the program holds it: a new sum, it keeps its values
        y = _call(model, np.ones((3, 2)), how)
        y.sum().backward()
        return old.copy(), [p.grad.copy() for p in model.parameters()]

    _all_ways(run)


@pytest.mark.parametrize("change", ["freeze W1", "freeze b2", "x needs grad", "unfreeze after forward"])
def test_flags_changed_around_the_forward_pass_give_the_unfused_gradients(change):
    def run(how):
        model = _mlp([3, 4, 2], "relu")
        x = Tensor(np.ones((2, 3)))
        if change == "freeze W1":
            model.layers[0].weight.requires_grad_(False)
        if change == "unfreeze after forward":
            model.layers[1].bias.requires_grad_(False)
        y = nn.Module.__call__(model, x) if how == "layers" else None
        if how != "layers":
            with fusion(how == "chain"):
                model(x), model(x)
                y = model(x)
        if change == "freeze b2":
            model.layers[1].bias.requires_grad_(False)
        elif change == "x needs grad":
            x.requires_grad_(True)
        elif change == "unfreeze after forward":
            model.layers[1].bias.requires_grad_(True)
        y.sum().backward()
        grads = [None if p.grad is None else p.grad.tolist() for p in model.parameters()]
        return grads, None if x.grad is None else x.grad.tolist()

    _all_ways(run)


def test_no_chain_when_nothing_is_recorded_or_a_layer_cannot_be_one():
    model = _mlp([2, 3, 2], "relu")
    x = np.ones((2, 2))
    model(x), model(x)
    with autograd.no_grad():
        assert model(x)._row is None
    with detect_anomaly():
        assert model(x).op.name == "add" and model(x)._row.fused is None
    with fusion(False):
        assert model(x)._row.fused is None
    assert model(np.ones((2, 2), dtype=np.float32))._row is LINEAR  # cast by the layer: its own path
    model.layers[1].weight.requires_grad_(False)
    assert model(x)._row is LINEAR
    model.layers[1].weight.requires_grad_(True)
    assert model(x)._row is CHAIN
    strided = np.ones((2, 4))[:, ::2]
    assert model(strided)._row is not CHAIN
    model.layers[0].weight.data = np.asfortranarray(model.layers[0].weight.data)  # another layout: checked again
    assert model(x)._row is CHAIN
    single = _mlp([2, 3], "relu")
    single(x), single(x)
    assert single(x)._row is LINEAR  # one layer: its own fused node


def test_wide_layers_are_recorded_layer_by_layer(monkeypatch):
    monkeypatch.setattr(fused_chain, "KEEP_STEPS_UP_TO", 5)
    model = _mlp([2, 3, 2], "relu")
    model(np.ones((1, 2))), model(np.ones((1, 2)))
    assert model(np.ones((1, 2)))._row is CHAIN
    assert model(np.ones((2, 2)))._row is LINEAR  # 2 x 3 outputs > 5


def test_a_float16_model_is_recorded_layer_by_layer():
    model = _mlp([2, 3, 2], "relu", np.float16)
    x = np.ones((2, 2), dtype=np.float16)
    model(x), model(x)
    assert model(x)._row is LINEAR


@pytest.mark.parametrize("how_copied", ["copy", "deepcopy"])
def test_a_copied_chain_node_is_a_copy_of_the_layers_graph(how_copied):
    def run(how):
        model = _mlp([2, 3, 2], "tanh")
        y = _call(model, Tensor(np.ones((2, 2)), requires_grad=True), how)
        twin = copy.copy(y) if how_copied == "copy" else copy.deepcopy(y)
        (twin * twin).sum().backward()
        return graph_record(twin)

    _all_ways(run)


def test_two_threads_reading_one_chain_node_see_one_unfused_graph(monkeypatch):
    y = _call(_mlp([2, 3, 3, 2], "relu"), Tensor(np.ones((4, 2)), requires_grad=True), "chain")
    u = _call(_mlp([2, 3, 3, 2], "relu"), Tensor(np.ones((4, 2)), requires_grad=True), "unfused")
    two_readers_see_one_graph(y, u, monkeypatch)


def test_a_chain_plan_checks_the_arrays_again_when_one_is_replaced():
    W1, b1 = Tensor(np.eye(2), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    W2, b2 = Tensor(np.ones((2, 1)), requires_grad=True), Tensor(np.zeros(1), requires_grad=True)
    plan = ChainPlan((W1, b1, W2, b2), (OPS["relu"], None), ((), ()), (((),) * 3,) * 2)
    x = Tensor([[1.0, -2.0]])
    assert plan(x).tolist() == [[1.0]]
    W2.data = np.full((2, 1), 2.0)
    assert plan(x).tolist() == [[2.0]]
    W2.data = np.ones((3, 1))  # no longer chains: the caller records the layers one by one
    assert plan(x) is None
    W2.data = np.ones((2, 1), dtype=np.float32)
    assert plan(x) is None
    W2.data = np.ones((2, 1))
    b1.requires_grad_(False)
    assert plan(x) is None


def test_layers_declines_what_it_cannot_record():
    W, b = Tensor(np.eye(2), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    stages = (((),) * 3,) * 2
    assert fused_chain.layers(np.ones((1, 2)), (W, b, W, b), (None, None), ((), ()), stages) is None  # not a node
    assert fused_chain.layers(Tensor(np.ones(2)), (W, b, W, b), (None, None), ((), ()), stages) is None  # 1-d
    assert fused_chain.layers(Tensor(np.ones((1, 3))), (W, b, W, b), (None, None), ((), ()), stages) is None
    one = fused_chain.layers(Tensor(np.ones((1, 2))), (W, b), (None,), ((),), stages[:1])
    assert one is None  # one layer: fused.linear's node


def test_a_call_in_another_thread_while_a_plan_is_checked_again_uses_the_new_arrays_or_none(monkeypatch):
    # a thread checking the arrays again must not let another thread see the new arrays' identities with the
    # old arrays' layers (it computed with the old weight then): the other call runs in the middle of the check
    W1, b1 = Tensor(np.eye(2), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    W2, b2 = Tensor(np.ones((2, 1)), requires_grad=True), Tensor(np.zeros(1), requires_grad=True)
    plan = ChainPlan((W1, b1, W2, b2), (OPS["relu"], None), ((), ()), (((),) * 3,) * 2)
    x = Tensor([[1.0, 2.0]])
    assert plan(x).tolist() == [[3.0]]
    W1.data = np.full((2, 2), 2.0)
    seen: list = []

    def max_meanwhile(*args, **kwargs):  # the check's last steps: where another thread may run
        if not seen:
            seen.append("running")  # once: the other call checks the arrays too
            y = plan(x)
            seen.append(None if y is None else y.tolist())
        return max(*args, **kwargs)

    monkeypatch.setattr(fused_chain, "max", max_meanwhile, raising=False)
    assert plan(x).tolist() == [[12.0]]
    assert seen == ["running", [[12.0]]]


LOSS_CASES = [
    "step", "retain_graph twice", "second backward", "W step between", "y changed", "x data of another shape",
    "W data of another shape", "detect_anomaly", "hook on y", "retain_grad", "gradient given", "cross_entropy",
    "x needs grad", "grad already there", "frozen W2",
]  # fmt: skip


@pytest.mark.parametrize("case", LOSS_CASES)
def test_a_fused_loss_over_a_chain_backpropagates_as_the_layers_loop_does(case, monkeypatch):
    # backward of a fused loss over a chain runs in one go (autograd.fused_pass); everything else, the loop
    import autograd.backprop as backprop

    taken: list[bool] = []
    one_go = backprop.loss_over_chain
    monkeypatch.setattr(backprop, "loss_over_chain", lambda *a: taken.append(one_go(*a)) or taken[-1])

    def run(how):
        model = _mlp([3, 4, 4, 2], "tanh", seed=3)
        if case == "frozen W2":
            model.layers[1].weight.requires_grad_(False)
        if case == "grad already there":
            for p in model.parameters():
                p.grad = np.full(p.shape, 0.5)
        x = Tensor(np.random.default_rng(4).normal(size=(5, 3)), requires_grad=case == "x needs grad")
        y = _call(model, x, how) if case != "frozen W2" or how != "chain" else model(x)
        if case == "cross_entropy":
            loss = nn.cross_entropy(y, np.array([0, 1, 1, 0, 1]))
        else:
            loss = nn.mse_loss(y, np.linspace(-1.0, 1.0, 10).reshape(5, 2))
        if case == "W step between":  # the second layer's weight: its input's gradient needs it
            with autograd.no_grad():
                model.layers[1].weight -= 0.1
        elif case == "y changed":  # nothing reads it: no error
            with autograd.no_grad():
                y += 1.0
        elif case.startswith("x data"):
            x.data = np.ones((7, 3))
        elif case.startswith("W data"):
            model.layers[1].weight.data = np.ones((6, 4))
        elif case == "hook on y":
            y.register_hook(lambda g: g * 2.0)
        elif case == "retain_grad":
            y.retain_grad()
        seen: list = []
        try:
            if case == "detect_anomaly":
                with detect_anomaly():
                    loss.backward()
            elif case == "gradient given":
                loss.backward(np.array(0.5))
            else:
                loss.backward(retain_graph=case == "retain_graph twice")
            if case in ("retain_graph twice", "second backward"):
                loss.backward()
        except (RuntimeError, ValueError) as e:
            seen.append((type(e).__name__, str(e)))
        grads = [None if p.grad is None else p.grad.copy() for p in model.parameters()]
        return seen, grads, None if x.grad is None else x.grad.copy(), None if y.grad is None else y.grad.copy()

    out = _all_ways(run)
    if case in ("step", "retain_graph twice", "gradient given", "cross_entropy", "x needs grad", "grad already there"):
        assert True in taken  # the chain's way ran in one go
    errors = ("second backward", "W step between", "x data of another shape", "W data of another shape")
    assert bool(out[0]) == (case in errors), case  # an error, the same text on every way


class _Doubling(np.ndarray):
    """An array type whose matrix products come out doubled, whether numpy's ``@`` (a ufunc) or ``np.dot``
    (an ``__array_function__``) computes them: the fused paths must consult it as the unfused nodes do."""

    def __array_function__(self, func, types, args, kwargs):
        out = super().__array_function__(func, types, args, kwargs)
        return out * 2 if func is np.dot else out

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs = tuple(i.view(np.ndarray) if isinstance(i, _Doubling) else i for i in inputs)
        out = getattr(ufunc, method)(*inputs, **kwargs)
        return out * 2 if ufunc is np.matmul else out


class _Plain(np.ndarray):
    """An ndarray subclass with nothing of its own (numpy's functions give it back)."""


@pytest.mark.parametrize("where", ["x before", "W1 before", "x after", "W1 after", "W2 after"])
@pytest.mark.parametrize("kind", [_Doubling, _Plain])
def test_an_array_subclass_gives_the_unfused_numbers_and_array_types(where, kind):
    # a Tensor's .data set to an ndarray subclass (one that overrides numpy's products, or not), before the
    # forward pass (the chain declines it: a fused node per layer) or between it and backward (the chain's and
    # layers' rules): the values and the nodes' array types are the unfused ones
    def run(how):
        model = _mlp([3, 4, 2], "tanh")
        X = np.arange(6.0).reshape(2, 3)
        model(X), model(X)
        x = Tensor(X.copy(), requires_grad=True)
        W1, W2 = model.layers[0].weight, model.layers[1].weight
        if where == "x before":
            x.data = x.data.view(kind)
        elif where == "W1 before":
            W1.data = W1.data.view(kind)
        if how == "chain":
            y = model(x)
            assert y._row is (CHAIN if where.endswith("after") else LINEAR)
        else:
            y = _call(model, x, how)
        if where == "x after":
            x.data = x.data.view(kind)
        elif where.endswith("after"):
            (W1 if where == "W1 after" else W2).data = (W1 if where == "W1 after" else W2).data.view(kind)
        loss = (y * y).sum()
        loss.backward(retain_graph=True)
        types = [type(n.data).__name__ for n in toposort(loss)] + [type(p.grad).__name__ for p in model.parameters()]
        return np.asarray(y.data), [np.asarray(p.grad) for p in model.parameters()], np.asarray(x.grad), types

    _all_ways(run)


@pytest.mark.parametrize("which", ["x", "W1", "W2", "b2", "W3"])
@pytest.mark.parametrize("act", ["relu", "sigmoid", "identity"])
@pytest.mark.parametrize("second", [False, True])
@pytest.mark.parametrize("case", ["sum", "mse", "big"])
def test_a_backward_that_fails_on_a_replaced_input_leaves_the_unfused_interior_gradients(
    which, act, second, case, monkeypatch
):
    # the unfused pass gives each node it reached before the failing rule its gradient (a graph that keeps them;
    # a big one keeps those it handed over but had not run yet); the graph read back after the error shows
    # them, whether the chain's rule, the fused loss's pass over it or the layers' rules failed
    if case == "big":
        monkeypatch.setattr(autograd.backprop, "INTERIOR_GRADS_UP_TO", 0)

    def run(how):
        model = _mlp([3, 4, 4, 2], act)
        x = Tensor(np.ones((2, 3)), requires_grad=True)
        y = _call(model, x, how)
        loss = nn.mse_loss(y, np.zeros((2, 2))) if case == "mse" else (y * 1.0).sum()
        if second:  # a first pass keeps the graph: the second one's failure resets what the first gave
            loss.backward(retain_graph=True)
        layers = model.layers
        target = {"x": x, "W1": layers[0].weight, "W2": layers[1].weight, "b2": layers[1].bias, "W3": layers[2].weight}
        good = target[which].data
        target[which].data = np.full((5,) + good.shape[1:], 0.5)
        with pytest.raises(ValueError, match="data replaced with another shape") as e:
            loss.backward(retain_graph=True)  # (a big graph's data is then kept for the picture)
        target[which].data = good
        return str(e.value), graph_record(loss), [p.grad for p in model.parameters()], x.grad

    _all_ways(run)


@pytest.mark.parametrize("sizes", [[2, 3, 2], [3, 4, 4, 1], [2, 1, 5, 2]])
@pytest.mark.parametrize("act", ["relu", "tanh", "identity"])
@pytest.mark.parametrize("loss", ["mse", "squares"])
@pytest.mark.parametrize("batch", [1, 3])
def test_a_chain_counts_as_the_unfused_nodes_for_keeping_interior_gradients(sizes, act, loss, batch, monkeypatch):
    # backward keeps interior gradients up to INTERIOR_GRADS_UP_TO interior elements: the chain node (its hidden
    # count), the loop and the fused loss's pass over it decide at the unfused graph's size, to the element
    def record(how):
        model = _mlp(sizes, act)
        y = _call(model, Tensor(np.ones((batch, sizes[0])), requires_grad=True), how)
        return nn.mse_loss(y, np.zeros((batch, sizes[-1]))) if loss == "mse" else (y * y).sum()

    size = sum(n.data.size for n in toposort(record("unfused")) if n._row is not None)
    for limit, kept in [(size - 1, False), (size, True)]:
        monkeypatch.setattr(autograd.backprop, "INTERIOR_GRADS_UP_TO", limit)

        def run(how):
            L = record(how)
            L.backward(retain_graph=True)
            return graph_record(L)

        seen = _all_ways(run)
        assert all((n[5] is not None) == kept for n in seen[:-1] if n[0] is not None)  # interior nodes
