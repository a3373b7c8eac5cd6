"""Registration that cannot be bypassed: ModuleList, ModuleDict, Sequential, Parameter, buffers and the Module API."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor, Value
from nn.optim import SGD


def make_layer(engine, nin, nout, seed=0):
    """A layer of the engine under test: Linear (tensor) or Layer (scalar)."""
    if engine.name == "tensor":
        return nn.Linear(nin, nout, seed=seed)
    return nn.Layer(nin, nout, activation="identity", seed=seed)


def run(engine, model, x):
    x = np.asarray(x, dtype=float)
    if engine.name == "tensor":
        return model(x[None, :])
    return model(x.tolist())


def loss_of(engine, out):
    if engine.name == "tensor":
        return (out * out).sum()
    total = out[0] * out[0]
    for v in out[1:]:
        total = total + v * v
    return total


class Chain(nn.Module):
    """A custom module whose layers live in a plain list, a dict and a list built by append."""

    def __init__(self, engine, swap="list"):
        super().__init__()
        self.layers = [make_layer(engine, 2, 3, 0), make_layer(engine, 3, 3, 1)]
        self.heads = {"out": make_layer(engine, 3, 2, 2)}
        self.blocks = nn.ModuleList()
        self.blocks.append(make_layer(engine, 2, 2, 3))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.heads["out"](x)


def trained_after_one_step(engine, model, new):
    """Whether one SGD step built from model.parameters() moves ``new``'s weights."""
    before = [np.array(p.data, dtype=float) for p in new.parameters()]
    opt = SGD(model.parameters(), lr=0.1)
    opt.zero_grad()
    loss_of(engine, run(engine, model, [1.0, -2.0])).backward()
    opt.step()
    after = [np.array(p.data, dtype=float) for p in new.parameters()]
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


@pytest.mark.parametrize("how", ["list item", "dict item", "attribute", "list append"])
def test_a_swapped_or_appended_layer_is_trained(engine, how):
    model = Chain(engine)
    assert isinstance(model.layers, nn.ModuleList) and isinstance(model.heads, nn.ModuleDict)
    if how == "list item":
        new = model.layers[1] = make_layer(engine, 3, 3, 7)
    elif how == "dict item":
        new = model.heads["out"] = make_layer(engine, 3, 2, 7)
    elif how == "attribute":
        new = make_layer(engine, 3, 2, 7)
        model.heads = {"out": new}
    else:
        new = make_layer(engine, 3, 3, 7)
        model.layers.append(new)
        model.heads["out"] = make_layer(engine, 3, 2, 8)
    ids = {id(p) for p in model.parameters()}
    assert all(id(p) in ids for p in new.parameters())
    assert trained_after_one_step(engine, model, new)


def test_swapping_keeps_the_order_of_names_as_pytorch():
    model = Chain(type("E", (), {"name": "tensor"})())
    names = [n for n, _ in model.named_parameters()]
    model.layers[0] = nn.Linear(2, 3)
    model.heads = nn.ModuleDict({"out": nn.Linear(3, 2)})  # an existing attribute keeps its place
    assert [n for n, _ in model.named_parameters()] == names
    assert names == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
        "heads.out.weight",
        "heads.out.bias",
        "blocks.0.weight",
        "blocks.0.bias",
    ]


def test_a_plain_container_filled_later_raises_instead_of_training_nothing():
    class Late(nn.Module):
        def __init__(self, box):
            super().__init__()
            self.blocks = box
            if isinstance(box, list):
                box.append(nn.Linear(2, 2))
            else:
                box["a"] = nn.Linear(2, 2)
            self._cache = [nn.Linear(1, 1)]  # private on purpose: allowed, not registered

    for box, kind in (([], "ModuleList"), ({}, "ModuleDict")):
        m = Late(box)
        with pytest.raises(TypeError, match=rf"Late\.blocks is a plain .*never be trained.*nn\.{kind}"):
            m.parameters()
    with pytest.raises(TypeError, match="mixes Modules with other objects.*ModuleList"):
        nn.Module().__setattr__("xs", [nn.Linear(1, 1), 3])
    m = nn.Module()
    m.ws = []
    m.ws.append(nn.Parameter([1.0]))
    with pytest.raises(TypeError, match="holding a Parameter"):
        list(m.named_parameters())


def test_module_list_behaves_as_a_list():
    a, b, c = nn.Linear(1, 1), nn.Linear(1, 2), nn.Linear(2, 2)
    ml = nn.ModuleList([a, b])
    assert len(ml) == 2 and list(ml) == [a, b] and ml[-1] is b
    ml.insert(0, c)
    assert list(ml) == [c, a, b] and list(ml._modules) == ["0", "1", "2"]
    assert ml.pop(1) is a and list(ml) == [c, b]
    ml += [a]
    assert list(ml) == [c, b, a]
    del ml[0:2]
    assert list(ml) == [a]
    sliced = (ml + [b])[1:]
    assert isinstance(sliced, nn.ModuleList) and list(sliced) == [b]
    with pytest.raises(IndexError, match="out of range"):
        ml[3]
    with pytest.raises(TypeError, match="expected Modules, got int"):
        ml.append(3)
    with pytest.raises(NotImplementedError, match="call its modules"):
        ml(1.0)


def test_module_dict_behaves_as_a_dict():
    a, b = nn.Linear(1, 1), nn.Linear(1, 2)
    md = nn.ModuleDict([("a", a)])
    md.update({"b": b})
    assert list(md) == ["a", "b"] and md.keys() == ["a", "b"] and md.values() == [a, b]
    assert "a" in md and md.a is a and md["b"] is b and len(md) == 2
    assert md.pop("a") is a and md.items() == [("b", b)]
    with pytest.raises(KeyError, match="has no module 'zz'"):
        md["zz"]
    with pytest.raises(KeyError, match="without '.'"):
        md["x.y"] = a
    md.clear()
    assert len(md) == 0 and md.parameters() == []


def test_sequential_is_a_list_with_pytorch_names_and_stages():
    seq = nn.Sequential(nn.Linear(2, 3, seed=0), nn.ReLU())
    seq.append(nn.Linear(3, 1, seed=1))
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    new = nn.Linear(2, 3, seed=5)
    seq[0] = new
    assert seq.parameters()[0] is new.weight and new.weight.stage == ("Sequential", "layer 1")
    seq.insert(1, nn.Tanh())
    assert [m.name for m in seq] == ["layer 1", "Tanh 2", "ReLU 3", "layer 4"]
    del seq[1]
    assert [m.name for m in seq] == ["layer 1", "ReLU 2", "layer 3"] and len(seq) == 3
    X = np.ones((2, 2))
    np.testing.assert_allclose(seq(X).data, seq[2](seq[1](seq[0](X))).data)
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and head[0] is new and new.name == "layer 1"
    empty = nn.Sequential()
    assert empty(X) is X  # an empty Sequential passes its input through, as in PyTorch
    from collections import OrderedDict

    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"] and named["fc"] is named[0]


def test_shared_weights_are_listed_once_and_saved_under_each_name():
    shared = nn.Linear(2, 2)
    m = nn.Module()
    m.a = shared
    m.b = shared
    m.c = nn.Parameter(np.ones(2))
    m.d = m.c
    assert [n for n, _ in m.named_parameters()] == ["c", "a.weight", "a.bias"]
    assert len(m.parameters()) == 3 and [n for n, _ in m.named_modules()] == ["", "a"]
    assert list(m.state_dict()) == ["c", "d", "a.weight", "a.bias", "b.weight", "b.bias"]
    SGD(m.parameters(), lr=0.1)  # no "appears more than once" error


def test_parameter_registers_even_when_frozen_and_shares_memory():
    data = np.zeros(3)
    p = nn.Parameter(data, requires_grad=False)
    m = nn.Module()
    m.w = p
    m.plain = Tensor([1.0])  # no grad: not a parameter
    assert m.parameters() == [p] and p.data is data and repr(p).startswith("Parameter containing:")
    t = Tensor([1.0, 2.0])
    assert nn.Parameter(t).data is t.data and nn.Parameter().shape == (0,)
    with pytest.raises(TypeError, match="is a parameter: assign an nn.Parameter"):
        m.w = Tensor([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="is a submodule"):
        m.sub = nn.Linear(1, 1)
        m.sub = 3


def test_buffers_are_saved_but_not_trained():
    m = nn.Module()
    m.register_buffer("running", Tensor(np.zeros(2)))
    m.register_buffer("count", np.zeros((), dtype=np.int64))
    m.register_buffer("scratch", Tensor(np.zeros(1)), persistent=False)
    m.fc = nn.Linear(2, 1)
    assert m.parameters() == [m.fc.weight, m.fc.bias]
    assert [n for n, _ in m.named_buffers()] == ["running", "count", "scratch"]
    state = m.state_dict()
    assert list(state) == ["running", "count", "fc.weight", "fc.bias"] and state["count"].dtype == np.int64
    state["running"] = np.array([1.0, 2.0])
    state["count"] = np.array(7)
    m.load_state_dict(state)
    assert m.running.tolist() == [1.0, 2.0] and int(m.count) == 7
    m.running = Tensor(np.ones(2))  # assigning to a buffer's name replaces the buffer
    assert m.buffers()[0] is m.running
    with pytest.raises(TypeError, match="is a buffer"):
        m.running = "x"
    with pytest.raises(ValueError, match="requires grad"):
        m.register_buffer("bad", Tensor([1.0], requires_grad=True))
    missing, unexpected = m.load_state_dict({"junk": np.zeros(1)}, strict=False)
    assert unexpected == ["junk"] and "fc.weight" in missing


def test_module_api_children_apply_requires_grad_and_add_module(engine):
    m = nn.Module()
    m.add_module("first", make_layer(engine, 2, 2))
    m.add_module("gap", None)
    m.register_parameter("scale", Value(1.0) if engine.name == "scalar" else nn.Parameter([1.0]))
    m.second = nn.ModuleList([make_layer(engine, 2, 1)])
    assert [n for n, _ in m.named_children()] == ["first", "second"]
    names = [n for n, _ in m.named_modules()]
    assert names[:2] == ["", "first"] and names.index("second") < names.index("second.0")
    assert "second.0" in names and m.get_submodule("second.0") is m.second[0]
    visited = []
    assert m.apply(visited.append) is m  # children first, then the module itself
    assert visited[-1] is m and {id(x) for x in visited} == {id(x) for x in m.modules()}
    assert visited.index(m.second[0]) < visited.index(m.second) < len(visited) - 1
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    with pytest.raises(KeyError, match="already exists"):
        m.add_module("train", nn.Linear(1, 1))
    with pytest.raises(KeyError, match="'.'"):
        m.add_module("a.b", nn.Linear(1, 1))
    with pytest.raises(TypeError, match="is not a Module"):
        m.add_module("x", 3)


def test_zero_grad_set_to_none_false_keeps_zero_arrays():
    lin = nn.Linear(2, 1)
    (lin(np.ones((1, 2))) * 1.0).sum().backward()
    g = lin.weight.grad
    lin.zero_grad(set_to_none=False)
    assert lin.weight.grad is g and not g.any()
    lin.zero_grad()
    assert lin.weight.grad is None


def test_sequential_reads_a_state_saved_under_the_old_names():
    seq = nn.Sequential(nn.Linear(2, 3, seed=0), nn.ReLU(), nn.Linear(3, 1, seed=1))
    old = {f"layers.{k}": v + 1.0 for k, v in seq.state_dict().items()}
    seq.load_state_dict(old)
    np.testing.assert_array_equal(seq[2].bias.data, old["layers.2.bias"])


def test_parameter_list_and_dict_register_what_is_added_later():
    m = nn.Module()
    m.scales = nn.ParameterList([np.ones(2)])
    m.extra = nn.ParameterDict({"a": nn.Parameter(np.ones(1))})
    m.scales.append(np.full(2, 3.0))
    m.extra["b"] = np.zeros(3)
    assert [n for n, _ in m.named_parameters()] == ["scales.0", "scales.1", "extra.a", "extra.b"]
    assert all(isinstance(p, nn.Parameter) for p in m.parameters()) and m.scales[1].stage == (
        "Module",
    )  # the owner's stage
    m.scales[0] = np.zeros(2)
    assert m.parameters()[0].tolist() == [0.0, 0.0] and len(m.scales) == 2 and list(m.extra) == ["a", "b"]
    del m.extra["a"]
    assert "a" not in m.extra and m.extra.keys() == ["b"]
    with pytest.raises(TypeError, match="modules go into a ModuleList"):
        m.scales.append(nn.Linear(1, 1))


def test_to_and_double_cast_parameters_and_float_buffers():
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert m.to(np.float32) is m and {p.dtype for p in m.parameters()} == {np.dtype(np.float32)}
    assert m[1].running_mean.dtype == np.float32 and m[1].num_batches_tracked.dtype == np.int64
    assert m.double().cpu().to("cpu")[0].weight.dtype == np.float64
    with pytest.raises(ValueError, match="CPU only"):
        m.to("cuda")


def test_to_casts_a_gradient_recorded_by_create_graph_to_plain_numbers():
    # after backward(create_graph=True) a .grad is a graph node; PyTorch's model.to(dtype) casts it under no_grad
    # (numbers without history); the cast called .astype on the node and failed
    m = nn.Linear(2, 1, seed=0)
    (m(np.ones((3, 2))) ** 2).sum().backward(create_graph=True)
    want = m.weight.grad.data.astype(np.float32)
    m.to(np.float32)
    assert type(m.weight.grad) is np.ndarray and m.weight.grad.dtype == np.float32
    np.testing.assert_array_equal(m.weight.grad, want)
