"""The nn modules: registration, stages, state, activations, both layer families, init.

The central fact is checked with hypothesis: the same weights give the same
outputs and the same gradients on the scalar engine (Neurons of Values) and
on the tensor engine (Linear layers on arrays), to 1e-12 in float64.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Tensor, Value, stage_kind, stage_label, toposort
from nn.layers import STEPS, init_weights, make_rng

TIGHT = dict(rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def scalar_outputs(net: nn.MLP, X: np.ndarray) -> list[list[Value]]:
    """The scalar net's outputs, one list of Values per row of X."""
    return [net(row.tolist()) for row in X]


def scalar_grads(net: nn.MLP) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each scalar layer's parameter gradients laid out as (W, b) like get_weights."""
    out = []
    for layer in net.layers:
        W = np.array([[w.grad for w in n.w] for n in layer.neurons]).T
        b = np.array([n.b.grad for n in layer.neurons])
        out.append((W, b))
    return out


def tensor_grads(net: nn.MLP) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(layer.weight.grad, layer.bias.grad) for layer in net.layers]


def graph_nodes(outputs) -> list:
    """Every node reachable from one output or a list of outputs (each once)."""
    roots = outputs if isinstance(outputs, list) else [outputs]
    seen: dict[int, object] = {}
    for r in roots:
        for n in toposort(r):
            seen.setdefault(id(n), n)
    return list(seen.values())


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


@pytest.mark.parametrize("engine", ["tensor", "scalar"])
@pytest.mark.parametrize("sizes", [[2, 1], [2, 16, 16, 1], [3, 5, 4], [1, 1, 1, 1], [6, 2, 7]])
def test_num_parameters_follows_the_formula(engine, sizes):
    net = nn.MLP(sizes[0], sizes[1:], engine=engine, seed=0)
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


@pytest.mark.parametrize("engine", ["tensor", "scalar"])
def test_train_and_eval_are_recursive(engine):
    net = nn.MLP(2, [3, 3, 1], engine=engine, seed=0)
    mods = list(net.modules())
    assert len(mods) == (1 + 3 if engine == "tensor" else 1 + 3 + 3 + 3 + 1)
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


@pytest.mark.parametrize("engine", ["tensor", "scalar"])
def test_state_dict_round_trip_gives_the_same_outputs(engine):
    a = nn.MLP(3, [4, 2], engine=engine, seed=1)
    b = nn.MLP(3, [4, 2], engine=engine, seed=2)
    x = [0.5, -1.0, 2.0]
    run = (lambda m: np.array([v.data for v in m(x)])) if engine == "scalar" else (lambda m: m(np.array([x])).data[0])
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


@pytest.mark.parametrize("engine", ["tensor", "scalar"])
def test_load_state_dict_rejects_missing_and_unexpected_names_and_changes_nothing(engine):
    net = nn.MLP(2, [3, 1], engine=engine, seed=0)
    other = nn.MLP(2, [3, 1], engine=engine, seed=5).state_dict()
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
        "  (layers.0): Linear(2→4)",
        "  (layers.1): LeakyReLU(0.2)",
        "  (layers.2): Linear(4→1, bias=False)",
        ")",
    ]
    outer = nn.Sequential(seq, nn.Tanh())
    assert "\n    (layers.1): LeakyReLU(0.2)" in repr(outer)  # nesting indents


@pytest.mark.parametrize("engine", ["tensor", "scalar"])
def test_repr_html_has_one_table_row_per_layer(engine):
    net = nn.MLP(2, [16, 8, 1], activation="tanh", engine=engine, seed=0)
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
    assert f"{engine} engine" in page and "193 parameters" in page
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
    assert stage_label(("MLP", "layer 2")) == "layer 2: Layer(4→3) + ReLU"
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


# ---------------------------------------------------------------------------
# activations
# ---------------------------------------------------------------------------

SQRT_2_PI = math.sqrt(2.0 / math.pi)
FORMULAS = {
    "identity": lambda x: x,
    "step": lambda x: (x > 0).astype(float),
    "relu": lambda x: np.maximum(x, 0.0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "tanh": np.tanh,
    "softplus": lambda x: np.log1p(np.exp(x)),
    "gelu": lambda x: 0.5 * x * (1.0 + np.tanh(SQRT_2_PI * (x + 0.044715 * x**3))),
}
DERIVATIVES = {
    "identity": lambda x: np.ones_like(x),
    "step": lambda x: np.zeros_like(x),
    "relu": lambda x: (x > 0).astype(float),
    "leaky_relu": lambda x: np.where(x > 0, 1.0, 0.01),
    "sigmoid": lambda x: FORMULAS["sigmoid"](x) * (1 - FORMULAS["sigmoid"](x)),
    "tanh": lambda x: 1 - np.tanh(x) ** 2,
    "softplus": lambda x: FORMULAS["sigmoid"](x),
}
CLASSES = {
    "identity": nn.Identity,
    "step": nn.Step,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "softplus": nn.Softplus,
    "gelu": nn.GELU,
}
FUNCTIONS = {name: getattr(nn, name) for name in CLASSES}
XS = np.array([-3.0, -1.5, -0.2, 0.3, 1.0, 2.5])


def test_the_activation_table_is_complete():
    assert set(nn.ACTIVATIONS) == set(CLASSES)
    assert all(nn.ACTIVATIONS[k] is v for k, v in CLASSES.items())


@pytest.mark.parametrize("name", sorted(CLASSES))
@pytest.mark.parametrize("form", ["function", "module"])
def test_activation_on_a_value_a_list_and_a_tensor(name, form):
    f = FUNCTIONS[name] if form == "function" else CLASSES[name]()
    want = FORMULAS[name](XS)
    # one Value
    for x, w in zip(XS, want):
        out = f(Value(float(x)))
        assert isinstance(out, Value)
        assert out.data == pytest.approx(w, rel=1e-12, abs=1e-15)
    # a list of Values (and of plain numbers)
    outs = f([Value(float(x)) for x in XS])
    assert isinstance(outs, list) and all(isinstance(o, Value) for o in outs)
    np.testing.assert_allclose([o.data for o in outs], want, **TIGHT)
    outs = f(XS.tolist())
    assert all(isinstance(o, Value) for o in outs)
    np.testing.assert_allclose([o.data for o in outs], want, **TIGHT)
    # a Tensor, any shape
    t = Tensor(XS.reshape(2, 3), requires_grad=True)
    out = f(t)
    assert isinstance(out, Tensor) and out.shape == (2, 3)
    np.testing.assert_allclose(out.data, want.reshape(2, 3), **TIGHT)


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
def test_activation_gradients_on_both_engines(name):
    f = FUNCTIONS[name]
    t = Tensor(XS, requires_grad=True)
    f(t).sum().backward()
    np.testing.assert_allclose(t.grad, DERIVATIVES[name](XS), **TIGHT)
    vs = [Value(float(x)) for x in XS]
    sum(f(vs)).backward()
    np.testing.assert_allclose([v.grad for v in vs], DERIVATIVES[name](XS), **TIGHT)


def test_step_fires_above_zero_and_has_zero_gradient_everywhere():
    x = Tensor([-2.0, -1e-9, 1e-9, 5.0], requires_grad=True)
    y = nn.Step()(x)
    assert y.tolist() == [0.0, 0.0, 1.0, 1.0]
    (y * 3.0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0]
    v = Value(0.7)
    nn.step(v).backward()
    assert v.grad == 0.0


def test_leaky_relu_slope():
    act = nn.LeakyReLU(0.2)
    assert act(Value(-2.0)).data == pytest.approx(-0.4)
    assert act(Value(3.0)).data == 3.0
    t = Tensor([-2.0, 3.0], requires_grad=True)
    act(t).sum().backward()
    np.testing.assert_allclose(t.grad, [0.2, 1.0])
    assert nn.leaky_relu(Value(-1.0), 0.3).data == pytest.approx(-0.3)
    assert [v.data for v in nn.leaky_relu([-10.0, 1.0], negative_slope=0.5)] == [-5.0, 1.0]
    assert act.describe() == "LeakyReLU(0.2)" and act.config() == {"negative_slope": 0.2}
    # an MLP keeps the slope in every hidden layer, on both engines
    net = nn.MLP(2, [3, 1], activation=act, seed=0)
    assert net.layers[0].activation.negative_slope == 0.2
    assert net.to_engine("scalar").layers[0].activation.negative_slope == 0.2


def test_activation_functions_reject_other_types():
    for f in FUNCTIONS.values():
        with pytest.raises(TypeError, match="Value"):
            f("relu")
        with pytest.raises(TypeError, match="Value"):
            f(np.array([1.0]))


@pytest.mark.parametrize(
    "given, cls",
    [
        ("relu", nn.ReLU),
        ("ReLU", nn.ReLU),
        ("tanh", nn.Tanh),
        ("sigmoid", nn.Sigmoid),
        ("gelu", nn.GELU),
        ("softplus", nn.Softplus),
        ("step", nn.Step),
        ("threshold", nn.Step),
        ("identity", nn.Identity),
        ("linear", nn.Identity),
        ("none", nn.Identity),
        (None, nn.Identity),
        ("leaky_relu", nn.LeakyReLU),
        ("LeakyReLU", nn.LeakyReLU),
        (nn.Tanh, nn.Tanh),
    ],
)
def test_get_activation_names_aliases_classes_and_none(given, cls):
    act = nn.get_activation(given)
    assert type(act) is cls


def test_get_activation_passes_modules_through_and_rejects_unknowns():
    act = nn.LeakyReLU(0.3)
    assert nn.get_activation(act) is act
    with pytest.raises(ValueError) as e:
        nn.get_activation("swish")
    msg = str(e.value)
    assert "'swish'" in msg
    for name in nn.ACTIVATIONS:
        assert name in msg
    with pytest.raises(TypeError, match="activation must be a name"):
        nn.get_activation(3)
    with pytest.raises(ValueError, match="swish"):
        nn.MLP(2, [3, 1], activation="swish")
    with pytest.raises(ValueError, match="known: identity"):
        nn.Neuron(2, activation="swish")


# ---------------------------------------------------------------------------
# the scalar family
# ---------------------------------------------------------------------------


def test_neuron_computes_activation_of_weighted_sum_plus_bias():
    n = nn.Neuron(3, activation="tanh", weights=[0.5, -1.0, 2.0], bias=0.25)
    x = [1.0, 2.0, -0.5]
    out = n(x)
    assert isinstance(out, Value)
    assert out.data == pytest.approx(math.tanh(0.5 - 2.0 - 1.0 + 0.25), rel=1e-15)
    lin = nn.Neuron(3, activation="identity", weights=[0.5, -1.0, 2.0], bias=0.25)
    z = lin([Value(v) for v in x])
    assert z.data == 0.5 - 2.0 - 1.0 + 0.25 and z.op.name == "add"
    z.backward()
    assert [w.grad for w in lin.w] == x and lin.b.grad == 1.0
    assert repr(n) == "Neuron(3, activation=Tanh)"


def test_layer_always_returns_a_list():
    one = nn.Layer(3, 1, seed=0)([1.0, 2.0, 3.0])
    assert isinstance(one, list) and len(one) == 1 and isinstance(one[0], Value)
    many = nn.Layer(3, 4, activation="sigmoid", seed=0)(np.array([1.0, 2.0, 3.0]))
    assert len(many) == 4 and all(0 < v.data < 1 for v in many)


def test_layer_neuron_j_uses_column_j_of_its_weights():
    layer = nn.Layer(3, 2, activation="identity", seed=0)
    W = np.array([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]])
    layer.set_weights(W, [0.5, -0.5])
    out = layer([1.0, 1.0, 1.0])
    assert [v.data for v in out] == [6.5, 14.5]
    W2, b2 = layer.get_weights()
    np.testing.assert_array_equal(W2, W)
    np.testing.assert_array_equal(b2, [0.5, -0.5])


def test_scalar_mlp_returns_a_list_of_values_and_takes_values():
    net = nn.MLP(2, [5, 3], engine="scalar", seed=0)
    out = net([0.1, 0.2])
    assert isinstance(out, list) and len(out) == 3 and all(isinstance(v, Value) for v in out)
    xs = [Value(0.1), Value(0.2)]
    out2 = net(xs)
    assert [v.data for v in out2] == [v.data for v in out]
    sum(out2).backward()
    assert any(x.grad != 0 for x in xs)  # gradients reach the inputs


@pytest.mark.parametrize("engine", ["scalar", "tensor"])
def test_wrong_input_width_names_the_layer_and_both_widths(engine):
    net = nn.MLP(3, [4, 2], engine=engine, seed=0)
    x = [1.0] * 5 if engine == "scalar" else np.ones((2, 5))
    with pytest.raises(ValueError) as e:
        net(x)
    msg = str(e.value)
    assert "layer 1" in msg and "3" in msg and "5" in msg
    assert re.search(r"expected (inputs of width )?3", msg)
    # a layer deeper inside, called directly
    with pytest.raises(ValueError, match=r"layer 2.*4.*got.*7"):
        net.layers[1]([1.0] * 7 if engine == "scalar" else np.ones((1, 7)))


def test_scalar_engine_input_errors():
    net = nn.MLP(2, [3, 1], engine="scalar", seed=0)
    with pytest.raises(TypeError, match="engine='tensor'"):
        net(Tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="one sample"):
        net(np.ones((4, 2)))
    with pytest.raises(TypeError, match="list of numbers"):
        net("ab")
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        nn.Neuron(2)([1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.Layer(0, 3),
        lambda: nn.Linear(2, 0),
        lambda: nn.Neuron(-1),
        lambda: nn.Linear(2.5, 3),
        lambda: nn.MLP(2, []),
        lambda: nn.MLP(2, [3, 1], engine="gpu"),
        lambda: nn.MLP(2.5, [3, 1]),
        lambda: nn.MLP("2", [3, 1]),
        lambda: nn.MLP(2, [3, 1.5]),
        lambda: nn.MLP(2, [3, 0]),
        lambda: nn.Sequential(),
    ],
)
def test_bad_constructor_arguments(make):
    with pytest.raises(ValueError):
        make()


# ---------------------------------------------------------------------------
# the tensor family
# ---------------------------------------------------------------------------


def test_linear_shapes_and_formula():
    layer = nn.Linear(3, 4, seed=0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    out = layer(X)
    assert out.shape == (5, 4)
    np.testing.assert_allclose(out.data, X @ layer.weight.data + layer.bias.data, **TIGHT)
    assert layer(X[0]).shape == (4,)
    assert layer([[1.0, 2.0, 3.0]]).shape == (1, 4)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (4,)
    np.testing.assert_array_equal(layer.bias.data, 0.0)


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False, seed=0)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    X = np.ones((2, 3))
    out = layer(X)
    np.testing.assert_allclose(out.data, X @ layer.weight.data, **TIGHT)
    assert {n.op.name for n in graph_nodes(out) if n.op is not None} == {"matmul"}
    W, b = layer.get_weights()
    np.testing.assert_array_equal(b, np.zeros(2))
    layer.set_weights(W * 2, b)
    with pytest.raises(ValueError, match="no bias"):
        layer.set_weights(W, [1.0, 0.0])
    np.testing.assert_array_equal(layer.weight.data, W * 2)


def test_linear_with_an_activation():
    layer = nn.Linear(2, 3, activation="relu", seed=0)
    X = np.random.default_rng(1).normal(size=(6, 2))
    np.testing.assert_allclose(layer(X).data, np.maximum(X @ layer.weight.data, 0), **TIGHT)


def test_sequential_chains_modules():
    a, b = nn.Linear(2, 4, seed=0), nn.Linear(4, 3, seed=1)
    seq = nn.Sequential(a, nn.Tanh(), b)
    X = np.random.default_rng(2).normal(size=(7, 2))
    want = np.tanh(X @ a.weight.data + a.bias.data) @ b.weight.data + b.bias.data
    np.testing.assert_allclose(seq(X).data, want, **TIGHT)
    assert len(seq) == 3 and seq[0] is a and seq[2] is b
    assert seq.nin == 2 and seq.nout == 3
    assert [n for n, _ in seq.named_parameters()] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.2.weight",
        "layers.2.bias",
    ]
    assert a.weight.stage == ("Sequential", "layer 1") and b.weight.stage == ("Sequential", "layer 3")
    out = seq(X)
    assert {n.stage[:2] for n in graph_nodes(out) if n.op is not None} == {
        ("Sequential", "layer 1"),
        ("Sequential", "Tanh 2"),
        ("Sequential", "layer 3"),
    }
    with pytest.raises(TypeError, match="Modules"):
        nn.Sequential(a, np.tanh)


def test_sequential_of_scalar_layers():
    seq = nn.Sequential(nn.Layer(2, 3, seed=0), nn.Layer(3, 1, activation="identity", seed=1))
    assert seq.engine == "scalar"
    out = seq([1.0, -1.0])
    assert isinstance(out, list) and len(out) == 1


@pytest.mark.parametrize("sizes", [[2, 1], [2, 8, 1], [4, 3, 3, 5]])
def test_tensor_mlp_maps_n_by_nin_to_n_by_nout(sizes):
    net = nn.MLP(sizes[0], sizes[1:], seed=0)
    for N in (1, 7):
        out = net(np.zeros((N, sizes[0])))
        assert isinstance(out, Tensor) and out.shape == (N, sizes[-1])
    assert net(Tensor(np.ones((3, sizes[0])))).shape == (3, sizes[-1])


def test_float32_is_kept_through_forward_backward_and_to_engine():
    net = nn.MLP(2, [8, 1], seed=0, dtype=np.float32)
    assert all(p.dtype == np.float32 for p in net.parameters())
    for X in (np.ones((4, 2)), np.ones((4, 2), dtype=np.float32), [[1.0, 2.0]], np.ones((4, 2), dtype=int)):
        out = net(X)
        assert out.dtype == np.float32, type(X)
    (net(np.ones((4, 2))) ** 2).sum().backward()
    assert all(p.grad.dtype == np.float32 for p in net.parameters())
    assert net.config()["dtype"] == "float32"
    assert net.to_engine("tensor", dtype=np.float32).layers[0].weight.dtype == np.float32
    assert net.to_engine("tensor").layers[0].weight.dtype == np.float64
    assert nn.Linear(2, 2, dtype=np.float32)(np.ones((1, 2))).dtype == np.float32


# ---------------------------------------------------------------------------
# the same weights give the same numbers on both engines
# ---------------------------------------------------------------------------

ENGINE_ACTS = ["relu", "tanh", "sigmoid", "identity", "leaky_relu", "gelu", "softplus"]


@st.composite
def nets_and_inputs(draw):
    nin = draw(st.integers(1, 6))
    hidden = draw(st.lists(st.integers(1, 6), min_size=0, max_size=2))
    nout = draw(st.integers(1, 6))
    act = draw(st.sampled_from(ENGINE_ACTS))
    seed = draw(st.integers(0, 2**16))
    n = draw(st.integers(1, 4))
    X = np.array(draw(st.lists(st.lists(st.floats(-3, 3), min_size=nin, max_size=nin), min_size=n, max_size=n)))
    return nin, hidden + [nout], act, seed, X


@given(nets_and_inputs())
def test_same_weights_same_outputs_and_gradients_on_both_engines(case):
    nin, nouts, act, seed, X = case
    tnet = nn.MLP(nin, nouts, activation=act, seed=seed)
    snet = tnet.to_engine("scalar")
    back = snet.to_engine("tensor")
    assert snet.engine == "scalar" and back.engine == "tensor"

    tout = tnet(X)
    souts = scalar_outputs(snet, X)
    np.testing.assert_allclose(np.array([[v.data for v in row] for row in souts]), tout.data, **TIGHT)
    np.testing.assert_array_equal(back(X).data, tout.data)

    (tout * tout).sum().backward()
    sum(v * v for row in souts for v in row).backward()
    for (gW, gb), (sW, sb) in zip(tensor_grads(tnet), scalar_grads(snet)):
        np.testing.assert_allclose(sW, gW, **TIGHT)
        np.testing.assert_allclose(sb, gb, **TIGHT)

    # the same seed builds the same weights directly on either engine
    direct = nn.MLP(nin, nouts, activation=act, seed=seed, engine="scalar")
    for (W1, b1), (W2, b2) in zip(direct.get_weights(), tnet.get_weights()):
        np.testing.assert_array_equal(W1, W2)
        np.testing.assert_array_equal(b1, b2)


def test_to_engine_copies_rather_than_shares():
    net = nn.MLP(2, [3, 1], seed=0)
    twin = net.to_engine("scalar")
    twin.layers[0].neurons[0].w[0].data += 1.0
    assert net.get_weights()[0][0][0, 0] != twin.get_weights()[0][0][0, 0]
    assert twin.to_engine("scalar") is not twin


def test_get_and_set_weights_round_trip():
    a = nn.MLP(3, [4, 2], seed=1)
    b = nn.MLP(3, [4, 2], engine="scalar", seed=2)
    ws = a.get_weights()
    assert [(W.shape, bb.shape) for W, bb in ws] == [((3, 4), (4,)), ((4, 2), (2,))]
    assert all(W.dtype == np.float64 for W, _ in ws)
    assert b.set_weights(ws) is b
    for (W1, b1), (W2, b2) in zip(b.get_weights(), ws):
        np.testing.assert_array_equal(W1, W2)
        np.testing.assert_array_equal(b1, b2)
    ws[0][0][...] = 0.0  # get_weights returns copies
    assert np.any(a.get_weights()[0][0] != 0)


def test_set_weights_shape_errors_change_nothing():
    net = nn.MLP(3, [4, 2], seed=1)
    before = net.get_weights()
    good = nn.MLP(3, [4, 2], seed=2).get_weights()
    with pytest.raises(ValueError, match="2 layers, got weights for 1"):
        net.set_weights(good[:1])
    bad_W = [good[0], (np.zeros((4, 3)), good[1][1])]
    with pytest.raises(ValueError, match=r"layer 2.*\(4, 2\).*\(4, 3\)"):
        net.set_weights(bad_W)
    bad_b = [(good[0][0], np.zeros(5)), good[1]]
    with pytest.raises(ValueError, match=r"layer 1.*\(4,\).*\(5,\)"):
        net.set_weights(bad_b)
    for (W1, b1), (W2, b2) in zip(net.get_weights(), before):
        np.testing.assert_array_equal(W1, W2)
        np.testing.assert_array_equal(b1, b2)
    snet = net.to_engine("scalar")
    with pytest.raises(ValueError, match="layer 2"):
        snet.set_weights(bad_W)
    for (W1, _), (W2, _) in zip(snet.get_weights(), before):
        np.testing.assert_array_equal(W1, W2)


# ---------------------------------------------------------------------------
# initialisation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "activation, he",
    [
        ("relu", True),
        ("leaky_relu", True),
        ("gelu", True),
        ("softplus", True),
        ("tanh", False),
        ("sigmoid", False),
        ("identity", False),
    ],
)
def test_initial_weight_scale(activation, he):
    nin, nout = 400, 600
    W = nn.Linear(nin, nout, activation=activation, seed=0).weight.data
    want = math.sqrt(2.0 / nin) if he else math.sqrt(2.0 / (nin + nout))
    assert W.std() == pytest.approx(want, rel=0.02)
    assert abs(W.mean()) < 0.02 * want
    # the scalar layer draws the very same numbers
    if activation in ("relu", "tanh"):
        Ws, bs = nn.Layer(40, 60, activation=activation, seed=3).get_weights()
        np.testing.assert_array_equal(Ws, nn.Linear(40, 60, activation=activation, seed=3).weight.data)
        np.testing.assert_array_equal(bs, 0.0)


def test_mlp_hidden_layers_use_he_or_glorot_and_the_linear_output_glorot():
    big = nn.MLP(300, [500, 200], activation="relu", seed=0)
    assert big.layers[0].weight.data.std() == pytest.approx(math.sqrt(2 / 300), rel=0.03)
    assert big.layers[1].weight.data.std() == pytest.approx(math.sqrt(2 / 700), rel=0.03)
    big = nn.MLP(300, [500, 200], activation="tanh", seed=0)
    assert big.layers[0].weight.data.std() == pytest.approx(math.sqrt(2 / 800), rel=0.03)


def test_init_weights_helper():
    W = init_weights(1000, 500, nn.ReLU(), make_rng(0))
    assert W.shape == (1000, 500) and W.std() == pytest.approx(math.sqrt(2 / 1000), rel=0.02)


@pytest.mark.parametrize("engine", ["tensor", "scalar"])
def test_seeds_make_initialisation_reproducible(engine):
    def weights(seed):
        return nn.MLP(3, [5, 2], engine=engine, seed=seed).get_weights()

    def equal(a, b):
        return all(np.array_equal(x, y) for p, q in zip(a, b) for x, y in zip(p, q))

    assert equal(weights(7), weights(7))
    assert not equal(weights(7), weights(8))
    # a Generator is accepted and advanced
    g1, g2 = np.random.default_rng(11), np.random.default_rng(11)
    assert equal(weights(g1), weights(g2))
    assert equal(weights(g1), weights(g2))  # both advanced in step
    g = np.random.default_rng(11)
    assert not equal(weights(g), weights(g))
    assert not equal(weights(None), weights(None))  # fresh entropy


@pytest.mark.parametrize("bad", ["0", 1.5, True, [1]])
def test_bad_seeds_are_rejected(bad):
    with pytest.raises(TypeError, match="seed"):
        nn.MLP(2, [1], seed=bad)
    with pytest.raises(TypeError, match="seed"):
        nn.Linear(2, 1, seed=bad)


def test_layers_of_an_mlp_get_different_weights():
    net = nn.MLP(4, [4, 4, 4], seed=0)
    W = [layer.weight.data for layer in net.layers]
    assert not np.allclose(W[0], W[1]) and not np.allclose(W[1], W[2])


# ---------------------------------------------------------------------------
# the linear classifier and the collapse without nonlinearity
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["tensor", "scalar"])
def test_mlp_2_1_is_the_linear_classifier(engine):
    net = nn.MLP(2, [1], engine=engine, seed=0)
    assert len(net.layers) == 1 and net.num_parameters() == 3
    assert net.describe() == "MLP(2→1)"
    ((W, b),) = net.get_weights()
    x = np.array([0.3, -0.8])
    out = net(x.tolist())[0] if engine == "scalar" else net(x[None, :])
    nodes = graph_nodes(out)
    assert not any(n.stage and n.stage[-1] == "activation" for n in nodes)
    ops = {n.op.name for n in nodes if n.op is not None}
    assert ops == ({"dot", "add"} if engine == "scalar" else {"matmul", "add"})
    value = out.data if engine == "scalar" else out.item()
    assert value == pytest.approx(float(x @ W[:, 0] + b[0]), rel=1e-14)


def as_function(net: nn.MLP):
    """The network as a function of one input vector, returning an array, on either engine."""
    if net.engine == "scalar":
        return lambda v: np.array([o.data for o in net(v.tolist())])
    return lambda v: net(v[None, :]).data[0]


@pytest.mark.parametrize("engine", ["tensor", "scalar"])
def test_identity_network_collapses_to_one_linear_map(engine):
    net = nn.MLP(3, [6, 5, 2], activation="identity", engine=engine, seed=4)
    f = as_function(net)
    rng = np.random.default_rng(0)
    x, y, zero = rng.normal(size=3), rng.normal(size=3), np.zeros(3)
    for a, b in [(2.0, -0.5), (0.3, 0.3), (-1.0, 4.0)]:
        want = a * f(x) + b * f(y) - (a + b - 1) * f(zero)
        np.testing.assert_allclose(f(a * x + b * y), want, rtol=1e-10, atol=1e-10)
    # it is one matrix and one bias
    W_eff, b_eff = np.eye(3), np.zeros(3)
    for W, b in net.get_weights():
        W_eff, b_eff = W_eff @ W, b_eff @ W + b
    np.testing.assert_allclose(f(x), x @ W_eff + b_eff, rtol=1e-10, atol=1e-10)
    # with ReLU the same check fails: the network bends the space
    bent = nn.MLP(3, [6, 5, 2], activation="relu", engine=engine, seed=4)
    g = as_function(bent)
    assert not np.allclose(g(2 * x - 3 * y), 2 * g(x) - 3 * g(y) + 2 * g(zero), atol=1e-6)


def test_raw_numbers_given_to_a_scalar_model_become_input_nodes_outside_the_stages():
    net = nn.MLP(2, [3, 1], engine="scalar", seed=0)
    out = net([0.5, -1.0])[0]
    inputs = [n for n in graph_nodes(out) if n.op is None and not n.requires_grad]
    assert sorted(n.label for n in inputs) == ["x0", "x1"] and all(n.stage == () for n in inputs)
    assert sorted(n.data for n in inputs) == [-1.0, 0.5]
    assert out.data == pytest.approx(net.to_engine("tensor")(np.array([[0.5, -1.0]])).data.item(), abs=1e-12)
