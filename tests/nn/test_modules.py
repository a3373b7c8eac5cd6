"""nn.Module: registration, parameter names and counts, grads, modes, state, display and stages."""

from __future__ import annotations

import re

import numpy as np
import pytest

import nn
from autograd import Tensor, Value, stage_kind, stage_label
from nn.layers import STEPS
from tests.nn.helpers import graph_nodes, scalar_outputs

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def expected_scalar_names(sizes: list[int]) -> list[str]:
    names = []
    for i, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        for j in range(nout):
            names += [f"layers.{i}.neurons.{j}.w.{k}" for k in range(nin)]
            names.append(f"layers.{i}.neurons.{j}.b")
    return names


def n_params(sizes: list[int]) -> int:
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


# ---------------------------------------------------------------------------
# Module: parameters, names, counts, grads, modes
# ---------------------------------------------------------------------------


def test_parameters_order_is_stable_and_layer_by_layer_on_the_tensor_engine():
    net = nn.MLP(2, [3, 4, 1], seed=0)
    expected = []
    for layer in net.layers:
        expected += [layer.weight, layer.bias]
    assert all(a is b for a, b in zip(net.parameters(), expected)) and len(net.parameters()) == 6
    assert [id(p) for p in net.parameters()] == [id(p) for p in net.parameters()]
    assert [n for n, _ in net.named_parameters()] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
        "layers.2.weight",
        "layers.2.bias",
    ]


def test_parameters_order_is_neuron_by_neuron_on_the_scalar_engine():
    sizes = [3, 5, 4, 2]
    net = nn.MLP(sizes[0], sizes[1:], engine="scalar", seed=0)
    named = list(net.named_parameters())
    assert [n for n, _ in named] == expected_scalar_names(sizes)
    assert [id(p) for _, p in named] == [id(p) for p in net.parameters()]
    by_name = dict(named)
    assert by_name["layers.1.neurons.3.w.0"] is net.layers[1].neurons[3].w[0]
    assert by_name["layers.1.neurons.3.b"] is net.layers[1].neurons[3].b
    assert by_name["layers.2.neurons.1.w.3"] is net.layers[2].neurons[1].w[3]
    assert by_name is not None and all(isinstance(p, Value) for p in net.parameters())


@pytest.mark.parametrize("sizes", [[2, 1], [2, 16, 16, 1], [3, 5, 4], [1, 1, 1, 1], [6, 2, 7]])
def test_num_parameters_follows_the_formula(engine, sizes):
    net = nn.MLP(sizes[0], sizes[1:], engine=engine.name, seed=0)
    assert net.num_parameters() == n_params(sizes)
    assert net.num_parameters() == sum(np.size(p.data) for p in net.parameters())


def test_num_parameters_of_single_modules():
    assert nn.Linear(3, 4).num_parameters() == 16
    assert nn.Linear(3, 4, bias=False).num_parameters() == 12
    assert nn.Layer(3, 4).num_parameters() == 16
    assert nn.Neuron(5).num_parameters() == 6
    assert nn.ReLU().num_parameters() == 0


def test_zero_grad_resets_values_to_zero_and_tensors_to_none():
    X = np.array([[0.3, -1.2], [1.5, 0.4]])
    tnet = nn.MLP(2, [4, 1], seed=1)
    (tnet(X) ** 2).sum().backward()
    assert all(p.grad is not None and np.any(p.grad != 0) for p in tnet.parameters())
    tnet.zero_grad()
    assert all(p.grad is None for p in tnet.parameters())

    snet = tnet.to_engine("scalar")
    sum(o * o for row in scalar_outputs(snet, X) for o in row).backward()
    assert any(p.grad != 0 for p in snet.parameters())
    snet.zero_grad()
    assert all(p.grad == 0.0 and isinstance(p.grad, float) for p in snet.parameters())


def test_train_and_eval_are_recursive(engine):
    net = nn.MLP(2, [3, 3, 1], engine=engine.name, seed=0)
    mods = list(net.modules())
    # the model, its ModuleList of layers, the layers (and on the scalar engine each layer's ModuleList of neurons)
    assert len(mods) == (1 + 1 + 3 if engine.name == "tensor" else 1 + 1 + 3 * 2 + 3 + 3 + 1)
    assert all(m.training for m in mods)
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    assert net.train() is net
    assert all(m.training for m in net.modules())
    net.train(False)
    assert not any(m.training for m in net.modules())


# ---------------------------------------------------------------------------
# state_dict / load_state_dict
# ---------------------------------------------------------------------------


def test_state_dict_round_trip_gives_the_same_outputs(engine):
    a = nn.MLP(3, [4, 2], engine=engine.name, seed=1)
    b = nn.MLP(3, [4, 2], engine=engine.name, seed=2)
    x = [0.5, -1.0, 2.0]
    run = lambda m: engine.run_one(m, x)  # the outputs for x as an array
    assert not np.allclose(run(a), run(b))
    state = a.state_dict()
    assert list(state) == [n for n, _ in a.named_parameters()]
    assert all(isinstance(v, np.ndarray) for v in state.values())
    b.load_state_dict(state)
    np.testing.assert_array_equal(run(a), run(b))
    # the state is a copy: changing it changes neither model
    for v in state.values():
        v[...] = 0.0
    assert np.any(run(a) != 0) and np.array_equal(run(a), run(b))


def test_state_dict_of_a_scalar_model_holds_zero_d_arrays():
    state = nn.Neuron(2, seed=0).state_dict()
    assert list(state) == ["w.0", "w.1", "b"]
    assert all(v.shape == () and v.dtype == np.float64 for v in state.values())


def _snapshot(m: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in m.state_dict().items()}


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_load_state_dict_rejects_missing_and_unexpected_names_and_changes_nothing(engine):
    net = nn.MLP(2, [3, 1], engine=engine.name, seed=0)
    other = nn.MLP(2, [3, 1], engine=engine.name, seed=5).state_dict()
    before = _snapshot(net)
    first = next(iter(other))

    missing = dict(other)
    del missing[first]
    with pytest.raises(KeyError, match=re.escape(first)) as e:
        net.load_state_dict(missing)
    assert "missing" in str(e.value)
    assert _same(before, _snapshot(net))

    extra = dict(other, **{"layers.9.weight": np.zeros(3)})
    with pytest.raises(KeyError, match=r"unexpected.*layers\.9\.weight"):
        net.load_state_dict(extra)
    assert _same(before, _snapshot(net))

    # strict=False loads what matches and ignores the rest
    net.load_state_dict(missing, strict=False)
    after = _snapshot(net)
    assert np.array_equal(after[first], before[first])
    assert all(np.array_equal(after[k], other[k]) for k in missing)


def test_load_state_dict_rejects_a_wrong_shape_late_in_the_list_and_changes_nothing():
    net = nn.MLP(2, [3, 1], seed=0)
    state = nn.MLP(2, [3, 1], seed=9).state_dict()
    state["layers.1.bias"] = np.zeros(2)  # the last entry: everything before it is fine
    before = _snapshot(net)
    with pytest.raises(ValueError, match=r"layers\.1\.bias.*\(2,\).*\(1,\)"):
        net.load_state_dict(state)
    assert _same(before, _snapshot(net))


def test_load_state_dict_rejects_a_non_scalar_for_a_value_and_non_numbers():
    net = nn.MLP(2, [1], engine="scalar", seed=0)
    state = net.state_dict()
    bad = dict(state, **{"layers.0.neurons.0.b": np.zeros(1)})
    with pytest.raises(ValueError, match=r"layers\.0\.neurons\.0\.b"):
        net.load_state_dict(bad)
    tnet = nn.MLP(2, [1], seed=0)
    before = _snapshot(tnet)
    with pytest.raises(TypeError, match="dtype"):
        tnet.load_state_dict(dict(tnet.state_dict(), **{"layers.0.bias": np.array(["x"])}))
    assert _same(before, _snapshot(tnet))


# ---------------------------------------------------------------------------
# display
# ---------------------------------------------------------------------------


def test_nested_repr_shows_the_architecture():
    net = nn.MLP(2, [16, 16, 1], seed=0)
    assert repr(net) == (
        "MLP(2→16→16→1, engine='tensor'\n"
        "  (layers.0): Linear(2→16, activation=ReLU)\n"
        "  (layers.1): Linear(16→16, activation=ReLU)\n"
        "  (layers.2): Linear(16→1)\n"
        ")"
    )
    s = repr(nn.MLP(2, [3, 1], activation="tanh", engine="scalar"))
    assert "engine='scalar'" in s
    assert "(layers.0): Layer(2→3, activation=Tanh)" in s
    assert "(layers.1): Layer(3→1, activation=Identity)" in s
    seq = nn.Sequential(nn.Linear(2, 4), nn.LeakyReLU(0.2), nn.Linear(4, 1, bias=False))
    assert repr(seq).splitlines() == [
        "Sequential(",
        "  (0): Linear(2→4)",
        "  (1): LeakyReLU(0.2)",
        "  (2): Linear(4→1, bias=False)",
        ")",
    ]
    outer = nn.Sequential(seq, nn.Tanh())
    assert "\n    (1): LeakyReLU(0.2)" in repr(outer)  # nesting indents


def test_repr_html_has_one_table_row_per_layer(engine):
    net = nn.MLP(2, [16, 8, 1], activation="tanh", engine=engine.name, seed=0)
    page = net._repr_html_()
    rows = re.findall(r"<tr>(.*?)</tr>", page)
    header, body = rows[0], rows[1:]
    assert [h for h in re.findall(r"<th>(.*?)</th>", header)] == ["layer", "shape", "activation", "parameters"]
    cells = [re.findall(r"<td>(.*?)</td>", r) for r in body]
    assert cells == [
        ["layer 1", "2→16", "Tanh", "48"],
        ["layer 2", "16→8", "Tanh", "136"],
        ["layer 3", "8→1", "Identity", "9"],
    ]
    assert f"{engine.name} engine" in page and "193 parameters" in page
    assert "MLP(2→16→8→1, Tanh)" in page


def test_repr_html_escapes_names():
    net = nn.MLP(2, [1], seed=0)
    net.layers[0].set_name("<b>x</b>")
    assert "<b>x</b>" not in net._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in net._repr_html_()


# ---------------------------------------------------------------------------
# stages: parameters live in their layer; every forward node knows its stage
# ---------------------------------------------------------------------------


def test_parameters_get_their_owners_stage_path():
    tnet = nn.MLP(2, [16, 16, 1], seed=0)
    assert tnet.layers[0].weight.stage == ("MLP", "layer 1")
    assert tnet.layers[0].bias.stage == ("MLP", "layer 1")
    assert tnet.layers[2].weight.stage == ("MLP", "layer 3")
    assert stage_kind(("MLP", "layer 1")) == "layer"
    assert stage_label(("MLP", "layer 1")) == "layer 1: Linear(2→16) + ReLU"

    snet = nn.MLP(2, [3, 1], engine="scalar", seed=0)
    n0 = snet.layers[0].neurons[0]
    assert all(w.stage == ("MLP", "layer 1", "neuron 0") for w in n0.w)
    assert n0.b.stage == ("MLP", "layer 1", "neuron 0")
    assert snet.layers[1].neurons[0].b.stage == ("MLP", "layer 2", "neuron 0")
    assert stage_kind(("MLP", "layer 1", "neuron 0")) == "neuron"
    assert stage_label(("MLP", "layer 1", "neuron 0")) == "neuron 0: ReLU(2)"
    assert [w.label for w in n0.w] + [n0.b.label] == ["w0", "w1", "b"]


def test_a_renamed_module_moves_its_parameters():
    net = nn.MLP(2, [3, 1], seed=0)
    net.set_name("net")
    assert net.layers[1].weight.stage == ("net", "layer 2")
    net.layers[1].set_name("out")
    assert net.layers[1].bias.stage == ("net", "out")
    out = net(np.ones((2, 2)))
    assert out.stage == ("net", "out", "bias")


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_every_tensor_forward_node_carries_its_layer_and_step(activation):
    net = nn.MLP(2, [16, 16, 1], activation=activation, seed=0)
    out = net(np.random.default_rng(0).normal(size=(5, 2)))
    act_op, shown = {"relu": ("relu", "ReLU"), "tanh": ("tanh", "Tanh")}[activation]
    interior = [n for n in graph_nodes(out) if n.op is not None]
    assert interior
    steps = {}
    for n in interior:
        assert n.stage[:1] == ("MLP",) and len(n.stage) == 3, n.stage
        assert n.stage[1] in {"layer 1", "layer 2", "layer 3"} and n.stage[2] in STEPS
        steps.setdefault(n.stage[1], {}).setdefault(n.stage[2], set()).add(n.op.name)
    hidden = {"weighted sum": {"matmul"}, "bias": {"add"}, "activation": {act_op}}
    assert steps == {"layer 1": hidden, "layer 2": hidden, "layer 3": {"weighted sum": {"matmul"}, "bias": {"add"}}}
    # leaves: the parameters at their layer, the raw input outside every stage (drawn on the left)
    leaves = [n for n in graph_nodes(out) if n.op is None]
    inputs = [n for n in leaves if not n.requires_grad]
    assert len(inputs) == 1 and inputs[0].stage == () and inputs[0].label == "input"
    for n in leaves:
        if n.requires_grad:
            assert n.stage[:2] in {("MLP", "layer 1"), ("MLP", "layer 2"), ("MLP", "layer 3")}
    assert stage_kind(("MLP",)) == "model"
    assert stage_label(("MLP",)) == net.describe() == f"MLP(2→16→16→1, {shown})"
    assert stage_kind(("MLP", "layer 2")) == "layer"
    assert stage_label(("MLP", "layer 2")) == f"layer 2: Linear(16→16) + {shown}"
    assert stage_label(("MLP", "layer 3")) == "layer 3: Linear(16→1)"
    for s in STEPS:
        assert stage_kind(("MLP", "layer 1", s)) == "step"


def test_every_scalar_forward_node_carries_its_layer_neuron_and_step():
    net = nn.MLP(2, [4, 3, 1], engine="scalar", seed=0)
    out = net([0.7, -0.4])
    assert isinstance(out, list) and len(out) == 1
    seen = {}
    for n in graph_nodes(out):
        if n.op is None:
            continue
        assert n.stage[0] == "MLP" and len(n.stage) == 4, n.stage
        _, layer, neuron, step = n.stage
        assert re.fullmatch(r"layer [123]", layer) and re.fullmatch(r"neuron \d", neuron) and step in STEPS
        seen.setdefault((layer, step), set()).add(n.op.name)
        assert stage_kind(n.stage) == "step"
        assert stage_kind(n.stage[:3]) == "neuron"
        assert stage_kind(n.stage[:2]) == "layer"
    assert seen == {
        ("layer 1", "weighted sum"): {"dot"},
        ("layer 1", "bias"): {"add"},
        ("layer 1", "activation"): {"relu"},
        ("layer 2", "weighted sum"): {"dot"},
        ("layer 2", "bias"): {"add"},
        ("layer 2", "activation"): {"relu"},
        ("layer 3", "weighted sum"): {"dot"},
        ("layer 3", "bias"): {"add"},
    }
    neurons = {n.stage[:3] for n in graph_nodes(out) if n.op is not None}
    assert len(neurons) == 4 + 3 + 1
    assert stage_label(("MLP", "layer 2")) == "layer 2: Linear(4→3) + ReLU"  # titled as on the tensor engine
    assert stage_label(("MLP", "layer 2", "neuron 2")) == "neuron 2: ReLU(4)"
    assert stage_label(("MLP", "layer 3", "neuron 0")) == "neuron 0: Identity(3)"


def test_a_module_outside_a_model_uses_its_own_name():
    out = nn.Linear(2, 3, activation="relu", seed=0)(np.ones((1, 2)))
    assert out.stage == ("Linear", "activation")
    v = nn.Neuron(2, activation="tanh", seed=0)([1.0, 2.0])
    assert v.stage == ("Neuron", "activation") and v.op.name == "tanh"
    assert nn.ReLU()(Value(-1.0)).stage == ("ReLU",)


def test_module_subclass_rules():
    class NoInit(nn.Module):
        def __init__(self):
            self.x = 1

    with pytest.raises(RuntimeError, match="super"):
        NoInit()

    class NoForward(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="NoForward"):
        NoForward()(1)
    with pytest.raises(NotImplementedError, match="cannot be saved"):
        NoForward().config()

    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2, seed=0)
            self.scale = Tensor([1.0], requires_grad=True)
            self.fixed = Tensor([1.0])  # not a parameter: no grad
            self.many = [Value(1.0), Value(2.0)]

        def forward(self, x):
            return self.a(x) * self.scale

    p = Pair()
    assert [n for n, _ in p.named_parameters()] == ["scale", "many.0", "many.1", "a.weight", "a.bias"]
    assert p.scale.stage == ("Pair",) and p.many[1].stage == ("Pair",) and p.a.weight.stage[0] == "Pair"
    assert [v.label for v in p.many] == ["many0", "many1"] and p.scale.label == "scale"
    p.a = nn.Linear(2, 2, bias=False, seed=0)  # replacing a child replaces its parameters
    assert [n for n, _ in p.named_parameters()] == ["scale", "many.0", "many.1", "a.weight"]
    p.scale = None
    assert "scale" not in dict(p.named_parameters())
