"""Cached stages: losses run in their own ``loss`` stage, and stage labels follow a module when it changes."""

from __future__ import annotations

import contextlib
import inspect

import numpy as np
import pytest

import autograd.fused as fused
import nn
from autograd import Tensor, Value, current_stage, detect_anomaly, no_grad, stage, stage_label, toposort
from nn.losses import (
    bce_with_logits,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    huber_loss,
    l1_loss,
    l2_penalty,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)

P2 = np.array([[0.2, -0.4], [1.0, 0.3], [-0.5, 0.5]])
LOSSES = [
    (mse_loss, "mean squared error", [0.5, -1.0, 2.0]),
    (l1_loss, "mean absolute error", [0.5, -1.0, 2.0]),
    (huber_loss, "Huber", [0.5, -1.0, 2.0]),
    (smooth_l1_loss, "smooth L1", [0.5, -1.0, 2.0]),
    (hinge_loss, "hinge", [1, -1, 1]),
    (bce_with_logits, "binary cross-entropy with logits", [1, 0, 1]),
    (binary_cross_entropy_with_logits, "binary cross-entropy with logits", [1, 0, 1]),
]


def _interior(root: object) -> list:
    return [n for n in toposort(root) if n.op is not None]


@pytest.mark.parametrize("fn, full, target", LOSSES, ids=[f.__name__ for f, _, _ in LOSSES])
def test_every_loss_function_runs_in_its_loss_stage_on_both_engines(fn, full, target):
    pred = Tensor([[0.3], [-0.2], [0.9]], requires_grad=True)
    out = fn(pred, target)
    nodes = _interior(out)
    assert nodes and all(n.stage == ("loss",) for n in nodes)
    assert all(n.stage.labels == (f"loss: {full}",) and n.stage.kinds == ("loss",) for n in nodes)
    scalar = fn([Value(0.3), Value(-0.2), Value(0.9)], target)
    assert all(n.stage == ("loss",) and n.stage.labels == (f"loss: {full}",) for n in _interior(scalar))
    assert scalar.data == pytest.approx(out.item(), rel=1e-12)


@pytest.mark.parametrize(
    "call, full",
    [
        (lambda: binary_cross_entropy(Tensor([0.2, 0.9], requires_grad=True), [0, 1]), "binary cross-entropy"),
        (lambda: cross_entropy(Tensor(P2, requires_grad=True), [0, 1, 1]), "cross-entropy"),
        (lambda: nll_loss(Tensor(-np.abs(P2), requires_grad=True), [0, 1, 1]), "negative log-likelihood"),
        (lambda: l2_penalty([Tensor(P2, requires_grad=True)], alpha=0.1), "L2 penalty"),
    ],
    ids=["bce", "cross_entropy", "nll", "l2_penalty"],
)
def test_the_other_losses_are_labelled_too(call, full):
    assert {(n.stage, n.stage.labels, n.stage.kinds) for n in _interior(call())} == {
        (("loss",), (f"loss: {full}",), ("loss",))
    }


def test_the_model_nodes_are_not_in_the_loss_stage_and_the_loss_nodes_are():
    net = nn.MLP(2, [4, 1], seed=0)
    loss = mse_loss(net(P2), [0.5, -1.0, 2.0])
    model = [n for n in _interior(loss) if n.stage[:1] == ("MLP",)]
    losses = [n for n in _interior(loss) if n.stage[:1] != ("MLP",)]
    assert {n.op.name for n in model} == {"matmul", "add", "relu"}
    assert all("loss" not in n.stage and "loss" not in n.stage.kinds for n in model)
    assert {n.op.name for n in losses} == {"sub", "mul", "sum"}  # the mean is a sum times 1/n
    assert all(n.stage == ("loss",) and n.stage.kinds == ("loss",) for n in losses)
    target = [n for n in toposort(loss) if n.label == "target"]
    assert len(target) == 1 and target[0].stage == ()  # data is drawn with the inputs


def test_a_loss_module_uses_the_same_stage_and_nothing_nests():
    pred = Tensor([[0.3], [-0.2]], requires_grad=True)
    for out in (nn.MSELoss()(pred, [1.0, 0.0]), nn.BCEWithLogitsLoss()(pred, [1, 0])):
        assert {n.stage for n in _interior(out)} == {("loss",)}
    assert nn.MSELoss()(pred, [1.0, 0.0]).stage.labels == ("loss: mean squared error",)
    # nn/demo.py's way: an explicit stage named "loss" around the call adds no second level
    with stage("loss", label="loss: mse_loss"):
        out = mse_loss(pred, [1.0, 0.0])
    assert {n.stage for n in _interior(out)} == {("loss",)} and out.stage.labels == ("loss: mse_loss",)
    # inside another stage the loss is a level of its own
    with stage("step 3", kind="step"):
        out = mse_loss(pred, [1.0, 0.0])
    assert out.stage == ("step 3", "loss") and out.stage.kinds == ("step", "loss")


def test_the_cheap_mse_path_gives_the_checked_paths_numbers_and_errors():
    rng = np.random.default_rng(0)
    p = rng.normal(size=(6, 1)).astype(np.float32)
    y = rng.normal(size=6)
    for target in (y, y.reshape(6, 1), y.tolist()):  # fast, fast (reshaped), checked
        a = Tensor(p, requires_grad=True)
        out = mse_loss(a, target, reduction="sum")
        out.backward()
        assert out.dtype == np.float32
        np.testing.assert_allclose(out.item(), ((p[:, 0] - y.astype(np.float32)) ** 2).sum(), rtol=1e-6)
        np.testing.assert_allclose(a.grad[:, 0], 2 * (p[:, 0] - y.astype(np.float32)), rtol=1e-6)
    with pytest.raises(ValueError, match="mse_loss: the target contains nan or inf"):
        mse_loss(Tensor(p), np.where(np.arange(6) == 2, np.nan, y))
    with pytest.raises(ValueError, match="mse_loss"):
        mse_loss(Tensor(p), np.zeros(5))
    assert np.isinf(mse_loss(Tensor([np.inf, 1.0]), np.array([0.0, 1.0])).item())  # a prediction may be inf


def test_stage_labels_follow_a_module_that_is_renamed_changed_or_moved():
    net = nn.MLP(2, [3, 1], seed=0)
    x = np.ones((1, 2))
    assert net(x).stage.labels[:2] == ("MLP(2→3→1, ReLU)", "layer 2: Linear(3→1)")
    net.layers[1].set_name("head")
    out = net(x)
    assert out.stage[:2] == ("MLP", "head") and out.stage.labels[1] == "head: Linear(3→1)"
    layer = nn.Linear(3, 2)
    assert layer(np.ones((1, 3))).stage.labels == ("Linear: Linear(3→2)", None)
    layer.activation = nn.Tanh()  # re-described: the next call is labelled anew
    assert layer(np.ones((1, 3))).stage.labels[0] == "Linear: Linear(3→2) + Tanh"
    seq = nn.Sequential(layer)  # moved into a container: a new path under it
    assert seq(np.ones((1, 3))).stage[:2] == ("Sequential", "layer 1")
    assert stage_label(("Sequential", "layer 1")) == "layer 1: Linear(3→2) + Tanh"


class _Moody(nn.Module):
    """Describes itself by its mode, as a layer that behaves differently in training might."""

    def forward(self, x):
        return x * 2.0

    def describe(self) -> str:
        return f"moody ({'training' if self.training else 'evaluating'})"


def test_stage_labels_follow_train_and_eval_and_the_registry_follows_the_last_model_called():
    m = _Moody()
    assert m(Tensor([1.0])).stage.labels == ("moody (training)",)
    m.eval()
    assert m(Tensor([1.0])).stage.labels == ("moody (evaluating)",)
    assert stage_label(("_Moody",)) == "moody (evaluating)"
    m.train()
    assert m(Tensor([1.0])).stage.labels == ("moody (training)",)
    # two models with the same stage names: the registry shows the one called last
    a, b = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [5, 1], seed=0)
    for model, label in ((a, "MLP(2→3→1, ReLU)"), (b, "MLP(2→5→1, ReLU)"), (a, "MLP(2→3→1, ReLU)")):
        out = model(np.ones((1, 2)))
        assert stage_label(("MLP",)) == label and out.stage.labels[0] == label


def test_the_registry_follows_the_last_model_called_down_to_its_layers_on_every_path():
    # a layer's label is registered again by every call, as Module.__call__'s stage block does, also on the fast
    # path that reuses the layer's step paths (nn.Linear.__call__) and when the model is called inside a stage
    x = np.ones((4, 2))
    a, b = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [5, 1], activation="tanh", seed=0)
    for base in ((), ("run",)):
        with stage(*base) if base else contextlib.nullcontext():
            for model in (a, a, b, b, a, a, b, a):
                out = model(x)
                want = "layer 1: Linear(2→3) + ReLU" if model is a else "layer 1: Linear(2→5) + Tanh"
                assert stage_label(base + ("MLP", "layer 1")) == want
                assert stage_label(base + ("MLP", "layer 2")) == out.stage.labels[-2]


class _Swish(nn.Sigmoid):
    """A user's activation of two nodes (a subclass of a one-node one): both belong in the activation step."""

    def node(self, v):
        return v * v.sigmoid()


def test_a_layers_steps_are_tagged_whether_its_activation_makes_one_node_or_several():
    x = np.array([[0.5, -1.0]])
    for act, ops in (("relu", {"relu"}), ("tanh", {"tanh"}), (_Swish(), {"sigmoid", "mul"})):
        layer = nn.Linear(2, 3, activation=act, seed=0)
        out = layer(x)
        steps = {n.op.name: n.stage for n in _interior(out)}
        assert steps.pop("matmul") == ("Linear", "weighted sum") and steps.pop("add") == ("Linear", "bias")
        assert set(steps) == ops and set(steps.values()) == {("Linear", "activation")}
        assert all(n.stage.kinds == ("layer", "step") for n in _interior(out))


def _mse_block_contexts():
    """Where a loss may be called: nowhere, inside a model's stage, a user's loss stage, a stage of kind loss."""
    return {
        "top": contextlib.nullcontext(),
        "step": stage("step 3", kind="step"),
        "named loss": stage("loss", label="loss: mse_loss"),
        "kind loss": stage("objective", kind="loss"),
    }


@pytest.mark.parametrize("where", list(_mse_block_contexts()))
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_loss_one_node_path_tags_its_node_as_the_staged_path_does(where, reduction):
    # an array target takes nn.losses.core.fused_fast (one node, no block entered); a list the staged path
    pred = Tensor(P2[:, :1].copy(), requires_grad=True)
    y = np.array([0.5, -1.0, 2.0])
    with _mse_block_contexts()[where]:
        fast = mse_loss(pred, y, reduction=reduction)
        staged = mse_loss(pred, y.tolist(), reduction=reduction)
    assert fast._row.name == "squared_error" and staged._row.name != "squared_error"
    assert fast.stage is staged.stage and fast.stage.labels == staged.stage.labels
    assert fast.stage.kinds == staged.stage.kinds
    assert fast.item() == pytest.approx(staged.item(), rel=1e-12)
    want = {"top": ("loss",), "step": ("step 3", "loss"), "named loss": ("loss",), "kind loss": ("objective",)}
    assert fast.stage == want[where]
    # read, the fused node unfuses into the staged path's nodes, in the same stage
    assert {n.stage for n in _interior(fast)} == {fast.stage}


def test_mse_loss_one_node_path_leaves_the_current_stage_as_it_was():
    with stage("step 3", kind="step"):
        mse_loss(Tensor([1.0, 2.0], requires_grad=True), np.zeros(2))
        assert current_stage() == ("step 3",)
    assert current_stage() == ()


@pytest.mark.parametrize(
    "case",
    ["no fusion", "detect_anomaly", "int target", "(N, k) against (N,)", "reduction none", "a Tensor subclass"],
)
def test_mse_loss_other_cases_take_the_staged_path_and_are_tagged_alike(case):
    class Sub(Tensor):
        pass

    pred = (Sub if case == "a Tensor subclass" else Tensor)(np.array([[0.3], [-0.2], [0.9]]), requires_grad=True)
    y = np.array([1, 0, 2]) if case == "int target" else np.array([0.5, -1.0, 2.0])
    if case == "(N, k) against (N,)":
        pred, y = Tensor(P2, requires_grad=True), np.ones((3, 2))
        y = y[:, 0]
    block = {"no fusion": fused.fusion(False), "detect_anomaly": detect_anomaly()}.get(case, contextlib.nullcontext())
    with block:
        if case == "(N, k) against (N,)":
            with pytest.raises(ValueError, match="mse_loss: the target has shape"):
                mse_loss(pred, y)
            return
        out = mse_loss(pred, y, reduction="none" if case == "reduction none" else "mean")
        assert out._row.name != "squared_error"
    assert {(n.stage, n.stage.labels, n.stage.kinds) for n in _interior(out)} == {
        (("loss",), ("loss: mean squared error",), ("loss",))
    }


def test_mse_loss_keeps_its_signature_and_its_stage_block():
    params = inspect.signature(mse_loss).parameters
    assert [(p.name, p.kind.name, p.default) for p in params.values()] == [
        ("prediction", "POSITIONAL_OR_KEYWORD", inspect.Parameter.empty),
        ("target", "POSITIONAL_OR_KEYWORD", inspect.Parameter.empty),
        ("reduction", "KEYWORD_ONLY", "mean"),
    ]
    assert mse_loss.stage_block is nn.MSELoss().stage_block() and mse_loss.stage_block.label == (
        "loss: mean squared error"
    )
    with pytest.raises(TypeError, match=r"mse_loss\(\) takes 2 positional arguments but 3 were given"):
        mse_loss(Tensor([1.0]), np.zeros(1), "sum")
    with pytest.raises(TypeError, match=r"mse_loss\(\) got an unexpected keyword argument 'reductio'"):
        mse_loss(Tensor([1.0]), np.zeros(1), reductio="sum")


@pytest.mark.parametrize("where", list(_mse_block_contexts()))
def test_cross_entropys_plain_node_is_tagged_as_the_staged_path_tags_it(where):
    # an int array of classes takes the plain case outside the block; a list is checked in full inside it
    z = Tensor(P2, requires_grad=True)
    with _mse_block_contexts()[where]:
        plain = cross_entropy(z, np.array([0, 1, 1]))
        staged = cross_entropy(z, [0, 1, 1])
    assert plain._row.name == staged._row.name == "cross_entropy"
    assert plain.stage is staged.stage and plain.stage.labels == staged.stage.labels
    assert plain.stage.kinds == staged.stage.kinds and plain.item() == staged.item()
    want = {"top": ("loss",), "step": ("step 3", "loss"), "named loss": ("loss",), "kind loss": ("objective",)}
    assert plain.stage == want[where] and {n.stage for n in _interior(plain)} == {plain.stage}
    assert current_stage() == ()


@pytest.mark.parametrize("case", ["no fusion", "detect_anomaly", "no_grad", "weight", "smoothing", "none"])
def test_cross_entropys_other_cases_are_tagged_in_its_stage(case):
    z = Tensor(P2, requires_grad=True)
    block = {"no fusion": fused.fusion(False), "detect_anomaly": detect_anomaly(), "no_grad": no_grad()}
    kwargs = {"weight": {"weight": [1.0, 2.0]}, "smoothing": {"label_smoothing": 0.1}, "none": {"reduction": "none"}}
    with block.get(case, contextlib.nullcontext()):
        out = cross_entropy(z, np.array([0, 1, 1]), **kwargs.get(case, {}))
    nodes = _interior(out) or [out]  # under no_grad the loss is one node that records nothing
    assert {(n.stage, n.stage.labels, n.stage.kinds) for n in nodes} == {
        (("loss",), ("loss: cross-entropy",), ("loss",))
    }
    assert cross_entropy.stage_block is nn.CrossEntropyLoss().stage_block()
