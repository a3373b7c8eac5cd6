"""The explorer's Python side: fit(record=...), the frames, the backprop trace and the page text (no browser)."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import nn
from autograd import Tensor, toposort
from nn.explore.frames import pack, unpack
from nn.explore.recording import MAX_FRAMES, record_every
from nn.explore.trace import backprop_trace, sample_loss, scalar_model


@pytest.fixture(scope="module")
def run():
    X, y = nn.data.circles(80, noise=0.05, seed=1)
    Xtr, Xte, ytr, yte = nn.data.split(X, y, seed=0)
    model = nn.MLP(2, [5, 4, 1], seed=3)
    ex = nn.explore(model, Xtr, ytr, test=(Xte, yte), epochs=12, record=4, probe_epochs=20, sample=2)
    return model, Xtr, ytr, Xte, yte, ex


# ---------------------------------------------------------------- fit(record=...)


def test_record_keeps_epoch_zero_every_kth_and_the_last():
    X, y = nn.data.circles(40, seed=0)
    h = nn.fit(nn.MLP(2, [3, 1], seed=0), X, y, epochs=7, record=3, snapshot_every=2, progress=False)
    assert h.record.epochs == [0, 3, 6, 7]
    assert h.snapshots.epochs == [0, 2, 4, 6, 7]  # snapshot_every still works beside record
    assert h.record.X is not None and h.record.loss is nn.bce_with_logits
    assert nn.fit(nn.MLP(2, [1]), X, y, epochs=1, progress=False).record is None


def test_record_true_spreads_about_max_frames_over_the_run():
    assert record_every(True, 600) == math.ceil(600 / MAX_FRAMES)
    X, y = nn.data.circles(20, seed=0)
    h = nn.fit(nn.MLP(2, [2, 1], seed=0), X, y, epochs=130, record=True, progress=False)
    assert len(h.record.epochs) <= MAX_FRAMES + 2 and h.record.epochs[0] == 0 and h.record.epochs[-1] == 130


@pytest.mark.parametrize("bad", ["yes", 1.5, 0, -2])
def test_record_refuses_what_is_not_a_positive_int(bad):
    X, y = nn.data.circles(20, seed=0)
    with pytest.raises((TypeError, ValueError), match="record"):
        nn.fit(nn.MLP(2, [1]), X, y, epochs=1, record=bad, progress=False)


def test_recorded_gradient_norms_are_the_last_updates_gradients():
    X, y = nn.data.circles(40, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    h = nn.fit(model, X, y, epochs=3, record=1, progress=False)
    last = h.record.grad_norms[-1]
    for layer in model.layers:
        expected = math.sqrt(sum(float(np.sum(p.grad**2)) for p in layer.parameters()))
        assert last[layer.name] == pytest.approx(expected, rel=1e-12)
    assert all(math.isnan(v) for v in h.record.grad_norms[0].values())  # before training: no gradient


# ---------------------------------------------------------------- frames


@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 30)), elements=st.floats(-1e3, 1e3)))
def test_pack_roundtrips_within_half_a_step(a):
    back = unpack(pack(a))
    step = (a.max(axis=1) - a.min(axis=1))[:, None] / 255
    assert back.shape == a.shape
    assert np.all(np.abs(back - a) <= step / 2 + 1e-9 * (1 + np.abs(a)))


def test_frames_hold_one_entry_per_recorded_epoch(run):
    model, Xtr, ytr, Xte, yte, ex = run
    d = ex.data
    F = len(d["epochs"])
    assert d["epochs"] == [0, 4, 8, 12] and d["sizes"] == [2, 5, 4, 1]
    assert unpack(d["maps"]).shape == (F, 10, d["res"] ** 2)
    assert len(d["probes"]) == F and len(d["probes"][0]) == len(d["repNames"]) == 4
    assert len(d["history"]["loss"]) == 12 and len(d["history"]["val_loss"]) == 12
    # the last frame is the model as trained: its weights and its accuracies
    W, b = d["weights"][-1][0]
    assert np.array_equal(np.array(W), model.layers[0].weight.data) and np.array_equal(
        np.array(b), model.layers[0].bias.data
    )
    assert d["acc"][-1] == [nn.accuracy(model, Xtr, ytr), nn.accuracy(model, Xte, yte)]
    probes = nn.inspect.linear_probes(model, Xtr, ytr, test=(Xte, yte), epochs=20)
    assert d["probes"][-1] == list(probes.values()) and d["repNames"] == list(probes)


def test_neuron_maps_are_each_neurons_output_over_the_plane(run):
    model, *_, ex = run
    d = ex.data
    g = nn.inspect.grid(extent=d["extent"], resolution=d["res"])
    outs = nn.inspect.neuron_outputs(model, g)
    cols = np.concatenate(list(outs.values()), axis=1).T
    scale = np.abs(cols).max(axis=1)
    assert np.allclose(d["mapScale"][-1], scale)
    maps = unpack(d["maps"])[-1]
    assert np.allclose(maps * scale[:, None], cols, atol=scale.max() / 255)


# ---------------------------------------------------------------- the backprop trace


def _reference(model, x, label):
    """The sample's graph and gradients, computed here without the trace."""
    twin = model.to_engine("scalar") if model.engine == "tensor" else model
    L = nn.bce_with_logits([twin([float(v) for v in x])[0]], [label])
    L.backward()
    return toposort(L)


@pytest.mark.parametrize("engine", ["tensor", "scalar"])
def test_trace_gradients_are_backwards(engine):
    model = nn.MLP(2, [3, 2, 1], seed=4, engine=engine)
    x, label = [0.3, -0.7], 1
    t = backprop_trace(model, x, label, nn.bce_with_logits)
    ref = _reference(model, x, label)
    assert len(t["nodes"]) == len(ref)
    for shown, node in zip(t["nodes"], ref):
        assert shown["value"] == node.data, shown
        assert shown["grad"] == (node.grad if node.requires_grad else None), shown
    assert t["loss"] == ref[-1].data


def test_trace_steps_are_the_chain_rule_as_arithmetic():
    t = backprop_trace(nn.MLP(2, [3, 1], seed=0), [0.5, -1.0], 0, nn.bce_with_logits)
    nodes = t["nodes"]
    ops = [i for i, n in enumerate(nodes) if n["op"] != "leaf"]
    assert [s["node"] for s in t["backward"]] == ops[::-1]  # every op node, in reverse topological order
    running = [0.0] * len(nodes)
    running[-1] = 1.0
    for s in t["backward"]:
        assert s["g"] == running[s["node"]]
        for p, local, sent, after in zip(nodes[s["node"]]["parents"], s["local"], s["sent"], s["after"]):
            if sent is None:  # an input: it needs no gradient
                assert local is None and after is None and nodes[p]["grad"] is None
                continue
            assert sent == s["g"] * local  # the product sent is incoming gradient times local derivative
            running[p] += sent
            assert after == running[p]
    assert [n["grad"] for n in nodes] == [None if n["grad"] is None else r for n, r in zip(nodes, running)]
    assert sum(n["grad"] is None for n in nodes) == 2  # x0 and x1


def test_trace_weight_gradient_matches_central_differences():
    model = nn.MLP(2, [3, 1], seed=2, engine="scalar")
    x, label = [0.4, 0.9], 1
    t = backprop_trace(model, x, label, nn.bce_with_logits)
    w = model.layers[0].neurons[1].w[0]
    node = next(n for n in t["nodes"] if n["group"] == "MLP/layer 1/neuron 1" and n["name"] == "w0")
    h, w0 = 1e-6, w.data
    w.data = w0 + h
    up = sample_loss(model, x, label, nn.bce_with_logits).data
    w.data = w0 - h
    down = sample_loss(model, x, label, nn.bce_with_logits).data
    w.data = w0
    assert node["grad"] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-9)


def test_trace_groups_nodes_by_neuron_and_lays_them_out():
    t = backprop_trace(nn.MLP(2, [3, 1], seed=0), [0.5, -1.0], 1, nn.bce_with_logits)
    groups = {n["group"]: n["col"] for n in t["nodes"]}
    assert groups == {"input": 0, "MLP/layer 1/neuron 0": 1, "MLP/layer 1/neuron 1": 1, "MLP/layer 1/neuron 2": 1,
                      "MLP/layer 2/neuron 0": 2, "loss": 3}  # fmt: skip
    neuron = [n for n in t["nodes"] if n["group"] == "MLP/layer 1/neuron 0"]
    assert sorted((n["op"], n["slot"], n["name"]) for n in neuron if n["op"] == "leaf") == [
        ("leaf", 0, "w0"), ("leaf", 1, "w1"), ("leaf", 2, "b")]  # fmt: skip
    assert [n["op"] for n in sorted((n for n in neuron if n["op"] != "leaf"), key=lambda n: n["slot"])] == [
        "dot",
        "add",
        "relu",
    ]


def test_scalar_model_refuses_what_it_cannot_trace():
    with pytest.raises(TypeError, match=r"cannot show the module at '1' \(LayerNorm\)"):
        scalar_model(nn.Sequential(nn.Linear(2, 3), nn.LayerNorm(3)))


# ---------------------------------------------------------------- explore() and the page


def test_explore_replays_a_recorded_history():
    X, y = nn.data.moons(60, seed=0)
    model = nn.MLP(2, [4, 1], seed=0, engine="scalar")
    h = nn.fit(model, X, y, epochs=3, record=1, progress=False)
    ex = nn.explore(h, probe_epochs=5)
    assert ex.data["epochs"] == [0, 1, 2, 3] and ex.data["acc"][-1][1] is None  # no test set
    with pytest.raises(ValueError, match="no recording"):
        nn.explore(nn.fit(model, X, y, epochs=1, progress=False))
    with pytest.raises(TypeError, match="give no X or y"):
        nn.explore(h, X, y)


def test_explore_checks_its_inputs():
    X, y = nn.data.circles(30, seed=0)
    with pytest.raises(TypeError, match="explore: the explorer needs an nn model .* got list"):
        nn.explore([nn.Linear(2, 1)], X, y)
    with pytest.raises(ValueError, match="needs 2 inputs; it has 3"):
        nn.explore(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)), X, y)
    with pytest.raises(TypeError, match=r"module at '1.0' \(Dropout\)"):
        nn.explore(nn.Sequential(nn.Linear(2, 4), nn.Sequential(nn.Dropout(0.1)), nn.Linear(4, 1)), X, y)
    with pytest.raises(TypeError, match=r"module at '2' \(Tanh\): a second activation after ReLU"):
        nn.explore(nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Tanh(), nn.Linear(4, 1)), X, y)
    with pytest.raises(TypeError, match=r"module at '1' \(Softmax\): the page reads k outputs as logits; drop it"):
        nn.explore(nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=1)), X, y)
    with pytest.raises(TypeError, match=r"module at '0' \(ReLU\): an activation before the first Linear"):
        nn.explore(nn.Sequential(nn.ReLU(), nn.Linear(2, 1)), X, y)
    with pytest.raises(TypeError, match="give the training data"):
        nn.explore(nn.MLP(2, [1]))
    with pytest.raises(ValueError, match="sample must be below the 30 training samples, got 30"):
        nn.explore(nn.MLP(2, [1]), X, y, epochs=0, sample=30)
    with pytest.raises(ValueError, match="record must be True or a number of epochs"):
        nn.explore(nn.MLP(2, [1]), X, y, record=False)


def test_page_is_one_self_contained_file(run, tmp_path):
    *_, ex = run
    ex.data["title"] = "a </script><!-- tricky {{JS}} title"
    try:
        text = ex.html()
        path = ex.save(tmp_path / "sub" / "page")
    finally:
        ex.data["title"] = "layergrad explorer"
    assert path.endswith("page.html") and open(path, encoding="utf-8").read() == text
    assert text.count("</script>") == 2 and "<link" not in text and not re.search(r"\bsrc=", text)
    urls = set(re.findall(r"https?://[^\s\"']+", text))
    assert urls == {"http://www.w3.org/2000/svg"}, urls  # the SVG namespace is a name, not a request
    blob = text.split('<script id="layergrad-data" type="application/json">')[1].split("</script>")[0]
    assert json.loads(blob)["trace"]["nodes"] == ex.trace["nodes"]
    with pytest.raises(ValueError, match="is a folder"):
        ex.save(tmp_path)


def test_jupyter_shows_each_explorer_in_its_own_frame(run):
    *_, ex = run
    a, b = ex._repr_html_(), ex._repr_html_()
    ids = [re.search(r'id="([^"]+)"', s).group(1) for s in (a, b)]
    assert a.startswith("<iframe") and "srcdoc=" in a and ids[0] != ids[1]
    assert "<script" not in a.split("srcdoc=")[0] and "&lt;script" in a  # the page is escaped into srcdoc


def test_page_colours_are_the_palette(run):
    *_, ex = run
    from autograd import palette

    assert ex.data["palette"] == palette.as_dict()
    from nn.explore.page import asset

    js = asset("explorer.js")
    assert not re.search(r"#[0-9a-fA-F]{6}", js)  # no colour of its own that could mean class or sign


def test_explore_without_training_shows_the_model_as_it_is():
    X, y = nn.data.xor(50, seed=0)
    model = nn.MLP(2, [4, 1], seed=0, activation="sigmoid")
    before = model.state_dict()
    ex = nn.explore(model, X, y, epochs=0, probe_epochs=5)
    assert ex.data["epochs"] == [0] and ex.data["history"]["loss"] == []
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())
    assert ex.trace["epoch"] == 0 and ex.data["activation"] == "sigmoid"


# ---------------------------------------------------------------- the models users bring

MODELS = {
    "linear-activation": lambda: nn.Sequential(nn.Linear(2, 5, activation="tanh", seed=0), nn.Linear(5, 1, seed=1)),
    "modules": lambda: nn.Sequential(
        nn.Linear(2, 4, seed=0), nn.LeakyReLU(0.1), nn.Linear(4, 3, seed=1), nn.GELU(), nn.Identity(),
        nn.Linear(3, 3, seed=2), nn.Softplus(), nn.Linear(3, 1, seed=3),
    ),
    "scalar-layers": lambda: nn.Sequential(nn.Layer(2, 3, "sigmoid", seed=0), nn.Layer(3, 1, "identity", seed=1)),
    "micrograd": lambda: __import__("nn.micrograd", fromlist=["MLP"]).MLP(2, [4, 1]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(MODELS))
def test_explore_takes_the_models_users_bring(name):
    """Every shape of model gives a trace whose gradients are the model's own backward(), and the same pictures."""
    X, y = nn.data.moons(60, seed=0)
    model = MODELS[name]()
    ex = nn.explore(model, X, y, epochs=3, record=1, probe_epochs=5, sample=4)
    assert ex.data["sizes"][0] == 2 and len(ex.data["layers"]) == len(ex.data["sizes"]) - 1
    assert len(ex.data["mapScale"][-1]) == sum(ex.data["sizes"][1:])
    # the model's own gradients for the traced sample, with the weights it has now (the last epoch)
    model.zero_grad()
    x = X[4]
    out = model([float(v) for v in x]) if model.engine == "scalar" else model(Tensor(x[None]))
    pred = ([out] if not isinstance(out, list) else out) if model.engine == "scalar" else out
    L = nn.bce_with_logits(
        [pred] if model.engine == "scalar" else pred, [int(y[4])] if model.engine == "scalar" else y[4:5]
    )
    L.backward()
    assert ex.trace["loss"] == pytest.approx(float(L.data), rel=1e-12)
    shown = sorted(n["grad"] for n in ex.trace["nodes"] if n["op"] == "leaf" and n["grad"] is not None)
    want = sorted(float(g) for p in model.parameters() for g in np.ravel(p.grad))
    assert shown == pytest.approx(want, rel=1e-9, abs=1e-15)


def test_a_sigmoid_output_is_read_as_a_probability():
    X, y = nn.data.circles(80, noise=0.05, seed=0)
    model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.Tanh(), nn.Linear(8, 1, seed=1), nn.Sigmoid())
    ex = nn.explore(
        model, X, y, epochs=40, record=10, probe_epochs=5, optimizer=nn.optim.Adam(model.parameters(), lr=0.05)
    )
    assert ex.data["output"] == "probability" and ex.data["architecture"] == "2→8 tanh→1 sigmoid"
    p = model(Tensor(X)).data[:, 0]
    assert ex.data["acc"][-1][0] == pytest.approx(float(np.mean((p > 0.5) == y)))
    assert ex.data["acc"][-1][0] > 0.8  # it learned, trained with binary cross-entropy on probabilities
    assert ex.trace["rules"] and "loss" in ex.trace["nodes"][-1]["group"]
    # the accuracy curve is the page's own, at the recorded epochs (fit would score p > 0)
    acc = ex.data["history"]["accuracy"]
    assert acc[39] == ex.data["acc"][-1][0] and acc[0] is None


def test_three_classes_give_three_coloured_regions():
    X, y = nn.data.spiral(60, classes=3, seed=0)
    model = nn.Sequential(nn.Linear(2, 16, seed=0), nn.ReLU(), nn.Linear(16, 3, seed=1))
    ex = nn.explore(
        model, X, y, epochs=60, record=20, probe_epochs=20, optimizer=nn.optim.Adam(model.parameters(), lr=0.05)
    )
    assert ex.data["classes"] == 3 and ex.data["sizes"] == [2, 16, 3]
    regions = np.rint(unpack(ex.data["boundary"])[-1]).astype(int)
    assert set(regions.tolist()) == {0, 1, 2}
    logits = model(Tensor(X)).data
    assert ex.data["acc"][-1][0] == pytest.approx(float(np.mean(logits.argmax(axis=1) == y)))
    assert all(0 <= p <= 1 for p in ex.data["probes"][-1])
    L = nn.cross_entropy(model(Tensor(X[:1])), y[:1])
    model.zero_grad()
    L.backward()
    assert ex.trace["loss"] == pytest.approx(float(L.data), rel=1e-12)
    w0 = [n["grad"] for n in ex.trace["nodes"] if n["group"] == "Sequential/layer 2/neuron 2" and n["name"] == "b"]
    assert w0 == [pytest.approx(float(model[2].bias.grad[2]), rel=1e-12)]


def test_a_model_from_torch_is_explored_with_torchs_gradients():
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'layergrad[interop]'")
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(2, 6), torch.nn.Tanh(), torch.nn.Linear(6, 1)).double()
    X, y = nn.data.moons(50, seed=1)
    model = nn.from_torch(tm)
    ex = nn.explore(model, X, y, epochs=0, probe_epochs=5, sample=7)  # epochs=0: torch's weights as they are
    tm.zero_grad()
    out = tm(torch.tensor(X[7:8]))
    L = torch.nn.functional.binary_cross_entropy_with_logits(out[:, 0], torch.tensor(y[7:8], dtype=torch.float64))
    L.backward()
    assert ex.trace["loss"] == pytest.approx(L.item(), rel=1e-12)
    got = {(n["group"], n["name"]): n["grad"] for n in ex.trace["nodes"] if n["op"] == "leaf" and n["grad"] is not None}
    for j in range(6):
        assert got[("Sequential/layer 1/neuron " + str(j), "b")] == pytest.approx(tm[0].bias.grad[j].item(), rel=1e-9)
        for i in range(2):
            want = tm[0].weight.grad[j, i].item()
            assert got[("Sequential/layer 1/neuron " + str(j), f"w{i}")] == pytest.approx(want, rel=1e-9, abs=1e-15)


def test_big_networks_get_coarser_maps_and_a_small_page():
    from nn.explore.page import map_resolution

    assert map_resolution(31, 33) == 32  # the demo keeps the full 32 x 32
    for frames, neurons in [(61, 67), (61, 129), (200, 1000)]:
        r = map_resolution(frames, neurons)
        assert r == 16 or frames * neurons * r * r * 4 / 3 <= 2_000_000
    X, y = nn.data.moons(40, seed=0)
    ex = nn.explore(nn.MLP(2, [40, 40, 1], seed=0), X, y, epochs=60, record=1, probe_epochs=2)
    assert ex.data["res"] == map_resolution(61, 81) < 32
    assert len(ex.html()) < 5_000_000  # 8.7 MB before the maps had a budget and the weights were packed
