"""``nn.chain``: an MLP's plan to record its layers as one node holds only while nothing a call would see changed.

Each change below is made after the plan (three calls), then the next call must run what the layers run one
by one: the same values, graph (ops, stages with their labels, parents) and hooks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor, toposort
from autograd.fused import fusion
from autograd.fused_chain import CHAIN
from tests.nn.helpers import graph_record, one_with_activation


def _planned(act: str = "relu") -> nn.MLP:
    model = nn.MLP(2, [3, 3, 2], activation=act, seed=0)
    x = np.ones((2, 2))
    model(x), model(x)
    assert model(x)._row is CHAIN
    return model


def _as_unfused(model: nn.MLP, x: Any) -> None:
    """The next calls of ``model`` give what the layers give unfused, whichever path they take."""
    for _ in range(3):  # the plan is made again over the next calls: each must be right
        y = model(x)
        with fusion(False):
            u = model(x)
        # (the constants' repr aside: a backward hook's tap node holds a function made per call)
        assert [r[:-1] for r in graph_record(y)] == [r[:-1] for r in graph_record(u)]


CHANGES = [
    "layer forward hook",
    "model forward hook",
    "layer backward hook",
    "Linear.forward patched",
    "Linear.__call__ patched",
    "forward set on a layer",
    "forward set on the model",
    "layer replaced",
    "activation replaced",
    "bias removed",
    "weight replaced",
    "renamed",
]


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_after_the_plan_is_seen_by_the_next_call(change, monkeypatch):
    model = _planned()
    layer = model.layers[1]
    seen: list[str] = []
    if change == "layer forward hook":
        layer.register_forward_hook(lambda m, args, out: out * 2.0)
    elif change == "model forward hook":
        model.register_forward_hook(lambda m, args, out: seen.append("hook"))
    elif change == "layer backward hook":
        layer.register_full_backward_hook(lambda m, gi, go: seen.append("backward hook"))
    elif change == "Linear.forward patched":
        own = nn.Linear.forward
        monkeypatch.setattr(nn.Linear, "forward", lambda self, x: own(self, x) * 3.0)
    elif change == "Linear.__call__ patched":
        own_call = nn.Linear.__call__
        monkeypatch.setattr(nn.Linear, "__call__", lambda self, x: own_call(self, x) + 1.0)
    elif change == "forward set on a layer":
        layer.forward = lambda x: x[:, :3] * 0.5
    elif change == "forward set on the model":
        model.forward = lambda x: Tensor(np.zeros((len(x), 2)))
    elif change == "layer replaced":
        model.layers[1] = nn.Linear(3, 3, activation="tanh", seed=5)
    elif change == "activation replaced":
        layer.activation = nn.activations.get_activation("sigmoid")
    elif change == "bias removed":
        layer.bias = None
    elif change == "weight replaced":
        layer.weight = nn.Parameter(np.full((3, 3), 0.5))
    else:
        layer.set_name("middle")
    x = np.ones((2, 2))
    _as_unfused(model, x)
    y = model(x)
    if change == "model forward hook":
        assert seen and y._row is not CHAIN
    elif change == "layer backward hook":
        y.sum().backward()
        assert seen == ["backward hook"]
    elif change == "renamed":
        assert y._row is CHAIN and "middle" in [s for n in toposort(y) for s in n.stage]
    elif change in ("layer replaced", "activation replaced", "weight replaced"):
        assert y._row is CHAIN  # the plan is made again: the new layer, activation or weight is in it
    else:
        assert y._row is not CHAIN


def test_a_hook_removed_lets_the_layers_be_one_node_again():
    model = _planned()
    handle = model.layers[0].register_forward_hook(lambda m, args, out: out * 2.0)
    x = np.ones((2, 2))
    assert model(x)._row is not CHAIN
    handle.remove()
    model(x), model(x)
    assert model(x)._row is CHAIN


def test_calls_in_different_stages_tag_the_steps_as_the_layers_do():
    model = _planned("tanh")
    x = np.ones((2, 2))
    for name in ["train", "eval", "train", None, "eval"]:
        with autograd.stage(name) if name else autograd.stage("outer"):
            ys = [model(x) for _ in range(3)]  # a new stage: the layers' and the model's plans are made again
            with fusion(False):
                u = model(x)
        assert ys[-1]._row is CHAIN
        assert all(graph_record(y) == graph_record(u) for y in ys)


def test_a_subclass_of_linear_is_called_as_written():
    class Doubled(nn.Linear):
        def forward(self, x: Any) -> Any:
            return super().forward(x) * 2.0

    model = nn.MLP(2, [3, 2], seed=0)
    model.layers[0] = Doubled(2, 3, seed=1)
    x = np.ones((2, 2))
    outs = [model(x).tolist() for _ in range(3)]
    with fusion(False):
        assert outs == [model(x).tolist()] * 3
    assert model(x)._row is not CHAIN


def test_a_pickled_or_copied_model_makes_its_own_plan():
    import copy
    import pickle

    model = _planned()
    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert "_chain_plan" not in twin.__dict__
        x = np.ones((2, 2))
        twin(x), twin(x)
        y = twin(x)
        assert y._row is CHAIN and y._a[1] is twin.layers[0].weight
        np.testing.assert_array_equal(y.data, model(x).data)


def test_an_unpickled_model_trains_on_the_fused_paths():
    # a pickled array comes back with a dtype object of its own; the fused paths compare dtypes by identity,
    # so an unpickled model trained (with the same numbers) layer by layer unfused
    import pickle

    model = pickle.loads(pickle.dumps(nn.MLP(2, [3, 3, 2], seed=0, dtype=np.float32)))
    assert all(p.data.dtype is np.dtype(np.float32) for p in model.parameters())
    x = np.ones((2, 2), dtype=np.float32)
    assert [model(x)._row.name for _ in range(2)] == ["linear", "linear"]  # fused layers; the plans are made
    assert model(x)._row is CHAIN


@pytest.mark.parametrize("where", ["Linear", "MLP", "Neuron"])
def test_an_activation_assigned_later_is_not_a_child_as_one_given_to_the_constructor(where):
    # it was registered as a child: a stage of its own, in named_modules(), and its label stayed in the stage
    # registry under its path, where every later model's activation step with that path showed it
    module = one_with_activation(where)
    before = [name for name, _ in module.named_modules()]
    module.activation = nn.activations.get_activation("leaky_relu")
    assert [name for name, _ in module.named_modules()] == before
    assert type(module.activation).__name__ == "LeakyReLU"
    module.activation = "sigmoid"  # a name, as the constructor takes
    assert type(module.activation).__name__ == "Sigmoid"
    with pytest.raises(ValueError, match="activation"):
        module.activation = "no such activation"
    if where == "Linear":
        other = one_with_activation(where)
        y = other(np.ones((1, 2)))
        assert y.stage.labels[-1] is None  # its own step's label, not the other layer's activation's
        assert "LeakyReLU" not in repr(y.stage.labels)


@pytest.mark.parametrize("change", ["model.to(float32)", "weight.data replaced"])
@pytest.mark.parametrize("graph", ["no graph", "graph recorded", "graph after backward"])
def test_an_array_a_parameter_no_longer_holds_is_not_kept_alive(change, graph):
    # the layers' nodes hold the parameters, not their arrays: neither the model's plan nor a chain node recorded
    # before the change keeps the old array (a model cast to float32 would hold its float64 weights too)
    import gc
    import weakref

    model = _planned()
    y = model(np.ones((2, 2))) if graph != "no graph" else None
    if graph == "graph after backward":
        y.sum().backward(retain_graph=True)  # type: ignore[union-attr]
    old = [weakref.ref(p.data) for p in model.parameters()]
    if change == "model.to(float32)":
        model.to(np.float32)
    else:
        for p in model.parameters():
            p.data = p.data * 2.0
    gc.collect()
    assert [r() for r in old] == [None] * len(old)
    x = np.ones((2, 2), dtype=model.layers[0].weight.dtype)
    _as_unfused(model, x)
    assert model(x)._row is CHAIN


@pytest.mark.parametrize("change", ["layer replaced", "weight replaced", "layer deleted"])
def test_a_parameter_the_model_no_longer_has_is_not_kept_alive_by_its_plan(change):
    # the plan made before the change is only replaced on the next call: it must not hold the old parameters
    import gc
    import weakref

    model = _planned()
    layer = model.layers[1]
    old = weakref.ref(layer.weight.data)
    if change == "layer replaced":
        model.layers[1] = nn.Linear(3, 3, activation="relu", seed=5)
    elif change == "weight replaced":
        layer.weight = nn.Parameter(np.full((3, 3), 0.5))
    else:
        del model.layers[1]
    del layer
    gc.collect()
    assert old() is None
    x = np.ones((2, 2))
    _as_unfused(model, x)
    assert model(x)._row is CHAIN
