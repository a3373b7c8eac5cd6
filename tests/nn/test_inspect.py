"""nn.inspect: the numbers behind the pictures (no matplotlib needed)."""

from __future__ import annotations

import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Tensor, no_grad
from nn import inspect
from nn.losses import bce_with_logits, cross_entropy


def adam_train(net, X, y, epochs=200, lr=0.02, loss=bce_with_logits, snapshots=None):
    """A few-line full-batch Adam loop (independent of nn.train)."""
    params = net.parameters()
    m = [np.zeros_like(p.data) for p in params]
    v = [np.zeros_like(p.data) for p in params]
    if snapshots is not None:
        snapshots(net, 0)
    for step in range(1, epochs + 1):
        net.zero_grad()
        loss(net(Tensor(X)), y).backward()
        for i, p in enumerate(params):
            g = p.grad
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            p.data -= lr * (m[i] / (1 - 0.9**step)) / (np.sqrt(v[i] / (1 - 0.999**step)) + 1e-8)
        if snapshots is not None:
            snapshots(net, step, force=step == epochs)
    return net


@pytest.fixture(scope="module")
def circles():
    X, y = nn.data.circles(300, noise=0.05, seed=0)
    return nn.data.split(X, y, test_fraction=0.3, seed=0)


@pytest.fixture(scope="module")
def trained(circles):
    Xtr, _, ytr, _ = circles
    return adam_train(nn.MLP(2, [8, 8, 1], activation="relu", seed=0), Xtr, ytr)


# ---------------------------------------------------------------------------
# activations
# ---------------------------------------------------------------------------

STAGES = ["weighted sum", "bias", "activation"]


def test_activations_keys_shapes_and_values_tensor_engine():
    net = nn.MLP(2, [4, 3, 1], activation="relu", seed=1)
    X = np.random.default_rng(0).normal(size=(6, 2))
    acts = inspect.activations(net, X)
    expected = ["input"] + [f"layer {i}/{s}" for i in (1, 2) for s in STAGES] + ["layer 3/weighted sum", "layer 3/bias"]
    assert list(acts) == expected
    widths = {"input": 2, "layer 1": 4, "layer 2": 3, "layer 3": 1}
    for key, value in acts.items():
        assert value.shape == (6, widths[key.split("/")[0]])
    h = X
    for i, (W, b) in enumerate(net.get_weights(), start=1):
        np.testing.assert_allclose(acts[f"layer {i}/weighted sum"], h @ W)
        np.testing.assert_allclose(acts[f"layer {i}/bias"], h @ W + b)
        h = np.maximum(h @ W + b, 0) if i < 3 else h @ W + b
        if i < 3:
            np.testing.assert_allclose(acts[f"layer {i}/activation"], h)
    np.testing.assert_allclose(acts["layer 3/bias"], net(X).data)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_activations_equal_across_engines(activation):
    # 12 neurons: the scalar engine's "neuron 10" must come after "neuron 2"
    net = nn.MLP(2, [12, 3, 2], activation=activation, seed=3)
    X = np.random.default_rng(1).normal(size=(5, 2))
    a_t = inspect.activations(net, X)
    a_s = inspect.activations(net.to_engine("scalar"), X)
    assert list(a_t) == list(a_s)
    for key in a_t:
        np.testing.assert_allclose(a_s[key], a_t[key], rtol=1e-12, atol=1e-12, err_msg=key)


@settings(max_examples=15, deadline=None)
@given(
    widths=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    n=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu", "identity"]),
)
def test_activations_engines_agree_property(widths, n, seed, activation):
    net = nn.MLP(3, widths, activation=activation, seed=seed)
    X = np.random.default_rng(seed).normal(size=(n, 3))
    a_t = inspect.activations(net, X)
    a_s = inspect.activations(net.to_engine("scalar"), X)
    assert list(a_t) == list(a_s)
    for key in a_t:
        assert a_t[key].shape == (n, a_t[key].shape[1])
        np.testing.assert_allclose(a_s[key], a_t[key], rtol=1e-10, atol=1e-10)


def test_activations_record_under_no_grad_and_leave_model_alone():
    net = nn.MLP(2, [3, 1], seed=0)
    before = net.state_dict()
    with no_grad():
        acts = inspect.activations(net, np.ones((2, 2)))
    assert "layer 1/activation" in acts
    assert all(p.grad is None for p in net.parameters())
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_activations_frozen_parameters_still_recorded():
    net = nn.MLP(2, [3, 1], seed=0)
    for p in net.parameters():
        p.requires_grad = False
    assert list(inspect.activations(net, np.ones((2, 2))))[1] == "layer 1/weighted sum"


def test_activations_sequential_and_single_layer():
    seq = nn.Sequential(nn.Linear(2, 4, seed=0), nn.ReLU(), nn.Linear(4, 1, seed=1))
    acts = inspect.activations(seq, np.ones((3, 2)))
    assert list(acts) == [
        "input",
        "layer 1/weighted sum",
        "layer 1/bias",
        "ReLU 2",
        "layer 3/weighted sum",
        "layer 3/bias",
    ]
    np.testing.assert_allclose(acts["ReLU 2"], np.maximum(acts["layer 1/bias"], 0))
    lin = nn.Linear(2, 3, activation="tanh", seed=0)
    assert list(inspect.activations(lin, np.ones((1, 2)))) == ["input", "weighted sum", "bias", "activation"]


def test_activations_bad_input_names_nin():
    with pytest.raises(ValueError, match=r"nin=2"):
        inspect.activations(nn.MLP(2, [1]), np.ones((4, 3)))
    with pytest.raises(TypeError, match="nn Module"):
        inspect.activations(lambda x: x, np.ones((4, 2)))


def test_layer_outputs_and_neuron_outputs():
    net = nn.MLP(2, [5, 3, 1], seed=0)
    outs = inspect.layer_outputs(net, np.ones((4, 2)))
    assert {k: v.shape for k, v in outs.items()} == {
        "input": (4, 2),
        "layer 1": (4, 5),
        "layer 2": (4, 3),
        "layer 3": (4, 1),
    }
    g = inspect.grid(resolution=7)
    maps = inspect.neuron_outputs(net, g)
    assert list(maps) == ["layer 1", "layer 2", "layer 3"]
    assert maps["layer 2"].shape == (49, 3)
    scalar = inspect.neuron_outputs(net.to_engine("scalar"), g.points)
    for k in maps:
        np.testing.assert_allclose(scalar[k], maps[k])


def test_grid_layout():
    X = np.array([[0.0, 0.0], [1.0, 2.0]])
    g = inspect.grid(X, resolution=4, margin=0.5)
    assert g.extent == (-0.5, 1.5, -0.5, 2.5)
    img = g.image(g.points[:, 1])  # rows go up the plane
    np.testing.assert_allclose(img[:, 0], g.ys)
    np.testing.assert_allclose(g.image(g.points[:, 0])[0], g.xs)
    with pytest.raises(ValueError, match="2 columns"):
        inspect.grid(np.ones((3, 3)))
    assert inspect.grid_lines((0, 1, 0, 1), lines=4, points=5).shape == (8, 5, 2)


# ---------------------------------------------------------------------------
# linear probes
# ---------------------------------------------------------------------------


def test_probes_rise_on_circles(circles, trained):
    Xtr, Xte, ytr, yte = circles
    before = trained.state_dict()
    acc = inspect.linear_probes(trained, Xtr, ytr, test=(Xte, yte))
    assert list(acc) == ["input", "layer 1", "layer 2", "layer 3"]
    # no straight line separates a disc from a ring: about chance at the input
    assert acc["input"] <= 0.7
    # the last hidden layer has made the task linear
    assert acc["layer 2"] >= 0.95
    assert acc["layer 2"] >= acc["input"] + 0.25
    for k, v in trained.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_probes_multiclass_and_labels():
    X, y = nn.data.spiral(90, seed=0, classes=3)
    acc = inspect.linear_probes(nn.MLP(2, [6, 3], seed=0), X, y + 10, epochs=30)  # any label values
    assert list(acc) == ["input", "layer 1", "layer 2"]
    assert all(0.0 <= a <= 1.0 for a in acc.values())
    with pytest.raises(ValueError, match="single class"):
        inspect.linear_probes(nn.MLP(2, [1]), X, np.zeros(len(X)))
    with pytest.raises(TypeError, match="pair"):
        inspect.linear_probes(nn.MLP(2, [1]), X, y, test=X)


# ---------------------------------------------------------------------------
# gradient health
# ---------------------------------------------------------------------------


def _manual_grads(net, X, y):
    net.zero_grad()
    bce_with_logits(net(Tensor(X)), y).backward()
    out = {layer.name: [p.grad.copy() for p in layer.parameters()] for layer in net.layers}
    net.zero_grad()
    return out


def test_gradient_health_numbers_and_no_side_effects(circles):
    Xtr, _, ytr, _ = circles
    net = nn.MLP(2, [6, 4, 1], seed=2)
    expected = _manual_grads(net, Xtr, ytr)
    sentinel = [np.full_like(p.data, 7.0) for p in net.parameters()]
    for p, s in zip(net.parameters(), sentinel):
        p.grad = s.copy()
    before = net.state_dict()
    h = inspect.gradient_health(net, Xtr, ytr, bce_with_logits, lr=0.05)
    assert list(h) == ["layer 1", "layer 2", "layer 3"]
    for name, stats in h.items():
        layer = next(m for m in net.layers if m.name == name)
        g = np.sqrt(sum(float(np.sum(a * a)) for a in expected[name]))
        w = np.sqrt(sum(float(np.sum(p.data**2)) for p in layer.parameters()))
        assert stats["grad_norm"] == pytest.approx(g, rel=1e-12)
        assert stats["weight_norm"] == pytest.approx(w, rel=1e-12)
        assert stats["update_ratio"] == pytest.approx(0.05 * g / w, rel=1e-12)
    # weights unchanged, grads put back exactly
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    for p, s in zip(net.parameters(), sentinel):
        np.testing.assert_array_equal(p.grad, s)


def test_dead_fraction_forced_dead_healthy_and_none(circles):
    Xtr, _, ytr, _ = circles
    net = nn.MLP(2, [6, 4, 1], activation="relu", seed=2)
    h = inspect.gradient_health(net, Xtr, ytr, "bce_with_logits")
    assert h["layer 1"]["dead_fraction"] == 0.0  # zero bias, data all around the origin
    assert h["layer 3"]["dead_fraction"] is None  # the output layer has no ReLU
    net.layers[0].bias.data[...] = -1e3  # every unit of layer 1 off for every sample
    h = inspect.gradient_health(net, Xtr, ytr, "bce_with_logits")
    assert h["layer 1"]["dead_fraction"] == 1.0
    assert h["layer 1"]["grad_norm"] == 0.0
    half = nn.MLP(2, [4, 1], seed=0)
    half.layers[0].bias.data[:2] = -1e3
    assert inspect.gradient_health(half, Xtr, ytr, bce_with_logits)["layer 1"]["dead_fraction"] == 0.5
    tanh = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    assert all(s["dead_fraction"] is None for s in inspect.gradient_health(tanh, Xtr, ytr, bce_with_logits).values())
    leaky = nn.MLP(2, [4, 1], activation="leaky_relu", seed=0)
    leaky.layers[0].bias.data[...] = -1e3
    assert inspect.gradient_health(leaky, Xtr, ytr, bce_with_logits)["layer 1"]["dead_fraction"] == 1.0


def test_gradient_health_scalar_engine_matches_tensor(circles):
    Xtr, _, ytr, _ = circles
    X, y = Xtr[:12], ytr[:12]
    net = nn.MLP(2, [3, 1], seed=4)
    twin = net.to_engine("scalar")
    for p in twin.parameters():
        p.grad = 0.5
    h_t = inspect.gradient_health(net, X, y, bce_with_logits)
    h_s = inspect.gradient_health(twin, X, y, bce_with_logits)
    assert list(h_s) == list(h_t) == ["layer 1", "layer 2"]
    assert h_t["layer 2"]["dead_fraction"] is None and h_s["layer 2"]["dead_fraction"] is None  # linear output layer
    for name in h_t:
        for key in ("grad_norm", "weight_norm", "update_ratio", "dead_fraction"):
            if h_t[name][key] is not None:
                assert h_s[name][key] == pytest.approx(h_t[name][key], rel=1e-9)
    assert all(p.grad == 0.5 for p in twin.parameters())


def test_gradient_health_multiclass_and_errors():
    X, y = nn.data.spiral(60, seed=0, classes=3)
    h = inspect.gradient_health(nn.MLP(2, [5, 3], seed=0), X, y, cross_entropy)
    assert h["layer 1"]["grad_norm"] > 0
    with pytest.raises(ValueError, match="unknown loss"):
        inspect.gradient_health(nn.MLP(2, [5, 3]), X, y, "nope")
    with pytest.raises(ValueError, match="lr"):
        inspect.gradient_health(nn.MLP(2, [5, 3]), X, y, cross_entropy, lr=0)


# ---------------------------------------------------------------------------
# snapshots
# ---------------------------------------------------------------------------


def test_snapshots_restore_the_right_weights(circles):
    Xtr, _, ytr, _ = circles
    net = nn.MLP(2, [4, 1], seed=0)
    snaps = inspect.Snapshots(every=3)
    kept = {}

    class Spy(inspect.Snapshots):
        def __call__(self, model, epoch, force=False):
            kept[epoch] = model.state_dict()
            return snaps(model, epoch, force)

    adam_train(net, Xtr, ytr, epochs=10, snapshots=Spy())
    assert snaps.epochs == [0, 3, 6, 9, 10]
    final = net.state_dict()
    for epoch in snaps.epochs:
        with inspect.at_epoch(net, snaps, epoch) as m:
            assert m is net
            for k, v in net.state_dict().items():
                np.testing.assert_array_equal(v, kept[epoch][k])
        for k, v in net.state_dict().items():  # back to the trained weights
            np.testing.assert_array_equal(v, final[k])
    # snapshots are copies: later training does not change them
    assert not np.array_equal(snaps.state(0)["layers.0.weight"], final["layers.0.weight"])
    # a History-like object with .snapshots works too
    history = types.SimpleNamespace(snapshots=list(snaps))
    with snaps.restore(net, 3):
        w3 = net.layers[0].weight.data.copy()
    with inspect.at_epoch(net, history, 3):
        np.testing.assert_array_equal(net.layers[0].weight.data, w3)
    with pytest.raises(KeyError, match=r"epochs \[0, 3, 6, 9, 10\]"):
        with inspect.at_epoch(net, snaps, 4):
            pass
    with pytest.raises(ValueError, match="snapshot_every"):
        inspect.snapshot_list(types.SimpleNamespace(snapshots=[]))


def test_snapshot_restored_even_on_error():
    net = nn.MLP(2, [2, 1], seed=0)
    snaps = inspect.Snapshots()
    snaps(net, 0)
    net.layers[0].bias.data[...] = 5.0
    with pytest.raises(RuntimeError):
        with inspect.at_epoch(net, snaps, 0):
            raise RuntimeError("boom")
    assert float(net.layers[0].bias.data[0]) == 5.0
    assert snaps(net, 0) is False  # never twice for one epoch
    with pytest.raises(ValueError, match="every"):
        inspect.Snapshots(every=0)


def test_snapshots_scalar_engine():
    net = nn.MLP(2, [2, 1], engine="scalar", seed=0)
    epoch, state = inspect.take_snapshot(net, 2)
    net.layers[0].neurons[0].b.data = 3.0
    with inspect.at_epoch(net, [(epoch, state)], 2):
        assert net.layers[0].neurons[0].b.data == 0.0
    assert net.layers[0].neurons[0].b.data == 3.0


def test_fit_keeps_snapshots_through_the_hook():
    X, y = nn.data.circles(60, seed=0)
    net = nn.MLP(2, [4, 1], seed=0)
    initial = net.state_dict()
    history = nn.fit(net, X, y, epochs=7, snapshot_every=3, progress=False)
    assert isinstance(history.snapshots, inspect.Snapshots)
    assert history.snapshots.epochs == [0, 3, 6, 7]
    with inspect.at_epoch(net, history, 0):
        for k, v in net.state_dict().items():
            np.testing.assert_array_equal(v, initial[k])
    for k, v in history.snapshots.state(7).items():  # the last snapshot is the trained model
        np.testing.assert_array_equal(v, net.state_dict()[k])
    with pytest.raises(ValueError, match="snapshot_every"):
        inspect.snapshot_list(nn.fit(net, X, y, epochs=1, progress=False))


def test_error_messages_name_the_test_pair_and_only_real_losses(circles):
    Xtr, _, ytr, _ = circles
    net = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(
        ValueError, match=r"unknown loss 'bce'; known: mse_loss, l1_loss, .*, hinge_loss, bce_with_logits, .*nll_loss$"
    ):
        inspect.gradient_health(net, Xtr, ytr, "bce")
    with pytest.raises(
        ValueError, match=r"the labels of test=\(X_test, y_test\) must have one label per row of X_test"
    ):
        inspect.linear_probes(net, Xtr, ytr, test=(Xtr, ytr[:5]))


def test_activations_of_a_big_batch_show_every_step_of_a_fused_layer():
    # a layer of more than autograd.fused.KEEP_STEPS_UP_TO elements keeps only its output when fused
    import autograd.fused

    model = nn.MLP(2, [16, 1], seed=0)
    n = autograd.fused.KEEP_STEPS_UP_TO // 16 + 1
    X = np.random.default_rng(0).normal(size=(n, 2))
    acts = nn.inspect.activations(model, X)
    W, b = model.layers[0].get_weights()
    np.testing.assert_allclose(acts["layer 1/weighted sum"], X @ W)
    np.testing.assert_allclose(acts["layer 1/bias"], X @ W + b)
    np.testing.assert_allclose(acts["layer 1/activation"], np.maximum(X @ W + b, 0))
