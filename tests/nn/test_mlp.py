"""MLP on both engines: the same weights give the same numbers; to_engine, get/set_weights; linear maps.

The central fact is checked with hypothesis: the same weights give the same
outputs and the same gradients on the scalar engine (Neurons of Values) and
on the tensor engine (Linear layers on arrays), to 1e-12 in float64.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from tests.nn.helpers import TIGHT, graph_nodes, scalar_outputs


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
# the linear classifier and the collapse without nonlinearity
# ---------------------------------------------------------------------------


def test_mlp_2_1_is_the_linear_classifier(engine):
    net = nn.MLP(2, [1], engine=engine.name, seed=0)
    assert len(net.layers) == 1 and net.num_parameters() == 3
    assert net.describe() == "MLP(2→1)"
    ((W, b),) = net.get_weights()
    x = np.array([0.3, -0.8])
    out = net(x.tolist())[0] if engine.name == "scalar" else net(x[None, :])
    nodes = graph_nodes(out)
    assert not any(n.stage and n.stage[-1] == "activation" for n in nodes)
    ops = {n.op.name for n in nodes if n.op is not None}
    assert ops == ({"dot", "add"} if engine.name == "scalar" else {"matmul", "add"})
    assert engine.number(out) == pytest.approx(float(x @ W[:, 0] + b[0]), rel=1e-14)


def test_identity_network_collapses_to_one_linear_map(engine):
    net = nn.MLP(3, [6, 5, 2], activation="identity", engine=engine.name, seed=4)
    f = partial(engine.run_one, net)  # one input vector -> the outputs as an array
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
    bent = nn.MLP(3, [6, 5, 2], activation="relu", engine=engine.name, seed=4)
    g = partial(engine.run_one, bent)
    assert not np.allclose(g(2 * x - 3 * y), 2 * g(x) - 3 * g(y) + 2 * g(zero), atol=1e-6)


def test_raw_numbers_given_to_a_scalar_model_become_input_nodes_outside_the_stages():
    net = nn.MLP(2, [3, 1], engine="scalar", seed=0)
    out = net([0.5, -1.0])[0]
    inputs = [n for n in graph_nodes(out) if n.op is None and not n.requires_grad]
    assert sorted(n.label for n in inputs) == ["x0", "x1"] and all(n.stage == () for n in inputs)
    assert sorted(n.data for n in inputs) == [-1.0, 0.5]
    assert out.data == pytest.approx(net.to_engine("tensor")(np.array([[0.5, -1.0]])).data.item(), abs=1e-12)


@pytest.mark.parametrize("bad", [None, "16", 3.5], ids=repr)
def test_mlp_names_layer_widths_that_are_not_a_list(bad: object) -> None:
    with pytest.raises(TypeError, match=r"^MLP: nouts must be a list of layer widths such as \[16, 16, 1\], got "):
        nn.MLP(2, bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "make", [lambda: nn.MLP(3, [4, 2], seed=0), lambda: nn.Linear(3, 2, seed=0)], ids=["MLP", "Linear"]
)
def test_a_forward_set_on_the_instance_runs_on_every_call_as_in_pytorch(make: object) -> None:
    # PyTorch's Module.__call__ calls self.forward: a forward patched on one instance (a common way to trace or
    # wrap a model) runs on every call, not only on the first one after it was set
    model = make()  # type: ignore[operator]
    x = np.ones((5, 3))
    model(x), model(x)  # the fast path's caches are warm
    seen: list[tuple[int, ...]] = []
    old = model.forward

    def traced(inp: object) -> object:
        seen.append(np.shape(inp))
        return old(inp)

    model.forward = traced
    outs = [model(x) for _ in range(3)]
    assert seen == [(5, 3)] * 3
    np.testing.assert_array_equal(outs[2].data, outs[0].data)
    del model.forward  # the class's forward again, and the fast path
    assert model(x).shape == (5, 2) and len(seen) == 3


@pytest.mark.parametrize("cls", [nn.MLP, nn.Linear], ids=lambda c: c.__name__)
def test_a_forward_patched_on_the_class_runs_on_every_call(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    # mock.patch.object(nn.Linear, "forward", ...) is how tests and tracers wrap every layer: each call runs it
    model = nn.MLP(3, [4, 2], seed=0) if cls is nn.MLP else nn.Linear(3, 2, seed=0)
    x = np.ones((5, 3))
    want = model(x).data
    model(x)  # the fast path's caches are warm
    seen: list[str] = []
    old = cls.forward

    def traced(self: nn.Module, inp: object) -> object:
        seen.append(self.name)
        return old(self, inp)

    monkeypatch.setattr(cls, "forward", traced)
    outs = [model(x) for _ in range(3)]
    assert seen == [model.name] * 3
    np.testing.assert_array_equal(outs[2].data, want)


def _train(model: nn.Module, steps: int, x: np.ndarray, y: np.ndarray) -> list[float]:
    """``steps`` W2 steps (mse_loss, plain SGD): the losses."""
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    return losses


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_model_pickled_or_copied_mid_training_is_the_unfused_runs(how: str) -> None:
    # torch.save / pickle of a model between steps: the fast path's cached plan (which holds the table's rows,
    # lambdas) made every model that had trained on the fast path unpicklable, where fusion(False) pickled it
    import copy
    import pickle

    from autograd.fused import fusion

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    runs = []
    for fuse in (True, False):
        with fusion(fuse):
            model = nn.MLP(2, [4, 3, 1], seed=0)
            before = _train(model, 2, x, y)
            twin = pickle.loads(pickle.dumps(model)) if how == "pickle" else copy.deepcopy(model)
            runs.append((before, _train(twin, 2, x, y), _train(model, 1, x, y), twin.get_weights()))
            out = twin(x)
            assert out.stage == ("MLP", "layer 3", "bias") and out.stage.labels[-2] == "layer 3: Linear(3→1)"
    assert runs[0][:3] == runs[1][:3]
    for (Wf, bf), (Wu, bu) in zip(runs[0][3], runs[1][3]):
        np.testing.assert_array_equal(Wf, Wu)
        np.testing.assert_array_equal(bf, bu)


@pytest.mark.parametrize("how", ["MLP.set_weights", "Linear.set_weights", "load_state_dict"])
def test_weights_set_between_forward_and_backward_make_backward_raise_as_load_state_dict(how: str) -> None:
    # set_weights writes the weights in place, as load_state_dict does (PyTorch's copy_ under no_grad bumps the
    # version): a graph recorded before would give gradients computed from the new weights, silently
    from autograd.fused import fusion

    x, y = np.ones((4, 2)), np.zeros((4, 1))
    other = nn.MLP(2, [3, 1], seed=1)
    for fuse in (True, False):
        with fusion(fuse):
            model = nn.MLP(2, [3, 1], seed=0)
            loss = nn.mse_loss(model(x), y)
            if how == "MLP.set_weights":
                model.set_weights(other.get_weights())
            elif how == "Linear.set_weights":
                model.layers[1].set_weights(*other.layers[1].get_weights())  # type: ignore[union-attr]
            else:
                model.load_state_dict(other.state_dict())
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                loss.backward()
            nn.mse_loss(model(x), y).backward()  # a forward pass after the change is fine
            np.testing.assert_array_equal(model.get_weights()[1][0], other.get_weights()[1][0])


@pytest.mark.parametrize("where", ["class node", "class fn", "base class node", "instance node"])
@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_an_activation_patched_on_its_class_or_instance_runs_as_unfused(
    where: str, act: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a layer applies its activation with act.node(z) (type(act).fn for the built-in ones); the fused node used the
    # activation's row instead, so a node or fn patched on the class (mock.patch.object, a tracer) or a node set
    # on the activation object ran under fusion(False) and was skipped by the fused path
    from autograd.fused import LINEAR, fusion
    from autograd.fused_chain import CHAIN

    x = np.array([[1.0, -2.0], [0.5, 0.3], [-1.0, 0.2]])
    calls: list[str] = []

    def doubled(v: object) -> object:
        calls.append("patched")
        return v * 2.0  # type: ignore[operator]

    model = nn.MLP(2, [3, 1], activation=act, seed=0)
    model(x), model(x)  # the fast path's plans are made
    cls = type(model.layers[0].activation)  # type: ignore[union-attr]
    if where == "class node":
        monkeypatch.setattr(cls, "node", lambda self, v: doubled(v))
    elif where == "class fn":
        monkeypatch.setattr(cls, "fn", staticmethod(doubled))
    elif where == "base class node":
        monkeypatch.setattr(nn.activations.Activation, "node", lambda self, v: doubled(v))
    else:
        model.layers[0].activation.node = doubled  # type: ignore[union-attr]
    outs, counts = [], []
    for fuse in (True, False):
        with fusion(fuse):
            outs.append([model(x).data for _ in range(2)])
        counts.append(len(calls))
        calls.clear()
    assert counts[0] == counts[1]  # every call, fused or not, runs what the unfused steps run
    # LeakyReLU defines its own node(): patching the base class's or fn changes nothing for it, as unfused
    assert counts[0] == (0 if act == "leaky_relu" and where in ("class fn", "base class node") else 2)
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0][0], nn.Module.__call__(model, x).data)
    monkeypatch.undo()
    if where == "instance node":
        del model.layers[0].activation.node  # type: ignore[union-attr]
    model(x), model(x)  # (the stage blocks, then the layers' and the model's plans, are made again)
    y = model(x)  # the class's own node() again: the layers are one fused node, each layer's steps fused
    if act == "leaky_relu":  # its slope is read per call: no plan, a fused node per layer
        assert y._row is LINEAR and y._a[0]._row is LINEAR
    else:
        assert y._row is CHAIN and y._meta[0].layers[0][0].name == act


@pytest.mark.parametrize("engine", ["tensor", "scalar"])
def test_an_activation_assigned_to_an_mlp_is_its_hidden_layers_as_the_constructors(engine, tmp_path):
    # net.activation = "tanh" left the layers computing relu while config(), describe() and a saved file said tanh:
    # the file loaded as another model (other outputs), and to_engine made another model too
    x = np.array([[0.5, -1.0], [-2.0, 0.25]])
    net = nn.MLP(2, [3, 3, 1], activation="relu", engine=engine, seed=0)
    net.activation = "tanh"
    want = nn.MLP(2, [3, 3, 1], activation="tanh", engine=engine, seed=0).set_weights(net.get_weights())

    def run(m: nn.MLP) -> np.ndarray:
        if m.engine == "scalar":
            return np.array([[v.data for v in row] for row in scalar_outputs(m, x)])
        return m(x).data

    out = run(net)
    assert np.allclose(out, run(want), **TIGHT)
    assert [n for n, _ in net.named_modules()] == [n for n, _ in want.named_modules()]
    if engine == "tensor":
        assert np.allclose(run(nn.load(nn.save(net, tmp_path / "net"))), out, **TIGHT)
        assert np.allclose(run(net.to_engine("scalar")), out, **TIGHT)


@pytest.mark.parametrize("what", ["save", "to_engine", "config"])
@pytest.mark.parametrize("layer", [0, 2])
def test_an_mlp_whose_layer_got_another_activation_is_not_described_as_the_mlp_it_was(what, layer, tmp_path):
    # the file and the twin were built from the MLP's one activation: silently other numbers than the model's
    net = nn.MLP(2, [3, 3, 1], activation="relu", seed=0)
    net.layers[layer].activation = "sigmoid"
    assert net.describe() == ("MLP(2→3→3→1, Sigmoid/ReLU)" if layer == 0 else "MLP(2→3→3→1, ReLU)")
    run = {
        "save": lambda: nn.save(net, tmp_path / "net"),
        "to_engine": lambda: net.to_engine("scalar"),
        "config": net.config,
    }[what]
    said = "config" if what == "save" else what
    with pytest.raises(ValueError, match=rf"MLP\.{said}: layer {layer + 1}'s activation is Sigmoid"):
        run()
    assert not list(tmp_path.iterdir())


def test_a_subclass_setting_activation_before_the_base_init_is_told_so():
    # it was set, then silently replaced by the constructor's activation (any other attribute raises)
    class Early(nn.Linear):
        def __init__(self) -> None:
            self.activation = nn.Tanh()
            super().__init__(2, 2, activation="relu")

    with pytest.raises(RuntimeError, match=r"Early: call super\(\).__init__\(\) before setting attributes"):
        Early()
