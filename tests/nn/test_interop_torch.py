"""``nn.to_torch`` and ``nn.from_torch``: the twin gives the same outputs and gradients (float64, 1e-12), both ways."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Tensor, Value, draw_graph
from nn import micrograd
from nn.interop import layergrad_state

torch = pytest.importorskip("torch", reason="torch is not installed: pip install layergrad[interop]")

ACTS = ["identity", "relu", "leaky_relu", "sigmoid", "tanh", "softplus", "gelu", "gelu_tanh"]
TOL = 1e-12


def _grads(model: nn.Module) -> dict[str, np.ndarray]:
    return {
        k: np.zeros(np.shape(p.data)) if p.grad is None else np.asarray(p.grad, dtype=float)
        for k, p in model.named_parameters()
    }


def assert_twins(model: nn.Module, twin: Any, x: np.ndarray, indices: bool = False) -> None:
    """Same outputs (to 1e-12); after one backward of a random weighting of the outputs, the same parameter and
    input gradients (to 1e-12, relative for gradients above 1: a normalisation of a batch with little spread
    divides by a small deviation and makes gradients of 30 or more, whose rounding differs at 1e-13 relative)."""
    rng = np.random.default_rng(0)
    model.zero_grad()
    twin.zero_grad()
    if model.engine == "scalar":
        outs, gxs = [], []
        for row in x:
            xs = [Value(float(v)) for v in row]
            out = model(xs)
            out = out if isinstance(out, list) else [out]  # micrograd's MLP gives a bare Value for one output
            outs.append([v.data for v in out])
            r = rng.normal(size=len(out))
            sum((v * float(w) for v, w in zip(out, r)), Value(0.0)).backward()
            gxs.append([v.grad for v in xs])
        y, r_all, gx = np.array(outs), None, np.array(gxs)
        rng = np.random.default_rng(0)
        r_all = np.array([rng.normal(size=y.shape[1]) for _ in range(len(x))])
    else:
        xt = Tensor(x) if indices else Tensor(x, requires_grad=True)
        out = model(xt)
        y = out.data
        r_all = np.random.default_rng(0).normal(size=y.shape)
        (out * Tensor(r_all)).sum().backward()
        gx = None if indices else xt.grad
    tx = torch.from_numpy(x) if indices else torch.from_numpy(np.array(x)).requires_grad_(True)
    ty = twin(tx)
    np.testing.assert_allclose(ty.detach().numpy(), y, rtol=0, atol=TOL)
    (ty * torch.from_numpy(r_all).to(ty.dtype)).sum().backward()
    if not indices:
        np.testing.assert_allclose(tx.grad.numpy(), gx, rtol=TOL, atol=TOL)
    torch_grads = {k: p.grad for k, p in twin.named_parameters() if p.grad is not None}
    want, _ = layergrad_state(model, torch_grads, strict=False)
    got = _grads(model)
    assert set(want) == set(got)
    # NOTE: a gradient that is 0 by symmetry (a bias right before a BatchNorm) is a cancelling sum whose rounding
    # noise scales with the model's largest gradients (torch's was 7e-12 beside gradients of up to 160 and 840)
    scale = max([1.0] + [float(np.abs(g).max()) for g in want.values() if np.size(g)])
    for k, g in want.items():
        np.testing.assert_allclose(got[k], g, rtol=TOL, atol=TOL * scale, err_msg=k)


sizes = st.lists(st.integers(1, 6), min_size=1, max_size=3)


@given(act=st.sampled_from(ACTS), nin=st.integers(1, 5), widths=sizes, batch=st.integers(1, 7), seed=st.integers(0, 99))
def test_a_tensor_mlp_and_its_twin_agree(act: str, nin: int, widths: list[int], batch: int, seed: int) -> None:
    net = nn.MLP(nin, widths, activation=act, seed=seed)
    twin = nn.to_torch(net)
    assert all(p.dtype == torch.float64 for p in twin.parameters())
    assert_twins(net, twin, np.random.default_rng(seed).normal(size=(batch, nin)) * 2)


@given(
    act=st.sampled_from(["relu", "tanh", "gelu", "gelu_tanh"]),
    nin=st.integers(1, 4),
    widths=sizes,
    batch=st.integers(1, 3),
)
def test_a_scalar_mlp_and_its_twin_agree(act: str, nin: int, widths: list[int], batch: int) -> None:
    net = nn.MLP(nin, widths, activation=act, engine="scalar", seed=4)
    assert_twins(net, nn.to_torch(net), np.random.default_rng(1).normal(size=(batch, nin)))


def test_micrograds_mlp_has_a_twin() -> None:
    import random

    random.seed(1337)
    net = micrograd.MLP(3, [4, 4, 1])
    twin = nn.to_torch(net)
    assert [type(m).__name__ for m in twin] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert_twins(net, twin, np.random.default_rng(2).normal(size=(3, 3)))


@given(batch=st.integers(2, 6), width=st.integers(1, 5), affine=st.booleans(), seed=st.integers(0, 50))
def test_normalisation_dropout_and_softmax_layers_agree(batch: int, width: int, affine: bool, seed: int) -> None:
    net = nn.Sequential(
        nn.Linear(3, width, bias=affine, seed=seed),
        nn.BatchNorm1d(width, affine=affine, momentum=None if affine else 0.3),
        nn.Linear(width, 4, activation="softplus", seed=seed + 1),
        nn.LayerNorm(4, elementwise_affine=affine),
        nn.Dropout(0.0),
        nn.Linear(4, 3, activation=nn.LeakyReLU(0.2), seed=seed + 2),
        nn.LogSoftmax(dim=1),
    )
    if affine:  # weights away from their initial 1 and 0
        net.load_state_dict(
            {k: v + np.random.default_rng(seed).normal(size=v.shape) * 0.1 for k, v in net.state_dict().items()}
        )
    twin = nn.to_torch(net)
    x = np.random.default_rng(seed).normal(size=(batch, 3))
    assert_twins(net, twin, x)  # training: batch statistics, running statistics updated on both sides
    sd, tsd = nn.torch_state_dict(net), twin.state_dict()
    for k in ("1.running_mean", "1.running_var", "1.num_batches_tracked"):
        np.testing.assert_allclose(sd[k].numpy(), tsd[k].numpy(), rtol=0, atol=TOL)
    net.eval(), twin.eval()
    assert_twins(net, twin, x)


def test_softmax_flatten_and_a_nested_sequential_agree() -> None:
    net = nn.Sequential(nn.Flatten(), nn.Sequential(nn.Linear(6, 5, activation="tanh", seed=0)), nn.Softmax(dim=-1))
    twin = nn.to_torch(net)
    assert [type(m).__name__ for m in twin[1]] == ["Linear", "Tanh"]
    assert_twins(net, twin, np.random.default_rng(0).normal(size=(4, 2, 3)))


def test_embedding_with_padding_agrees() -> None:
    net = nn.Sequential(nn.Embedding(7, 3, padding_idx=0, seed=0), nn.Flatten(), nn.Linear(6, 2, seed=1))
    twin = nn.to_torch(net)
    assert twin[0].padding_idx == 0
    assert_twins(net, twin, np.array([[0, 3], [6, 6], [2, 0]]), indices=True)


def test_dtype_and_training_mode_are_kept() -> None:
    net = nn.MLP(2, [3, 1]).to(np.float32)
    net.eval()
    twin = nn.to_torch(net)
    assert {p.dtype for p in twin.parameters()} == {torch.float32} and not twin.training
    x = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    np.testing.assert_allclose(twin(torch.from_numpy(x)).detach().numpy(), net(x).data, rtol=1e-6, atol=1e-6)
    back = nn.from_torch(twin.float())
    assert {p.dtype for p in back.parameters()} == {np.dtype(np.float32)} and not back.training
    np.testing.assert_array_equal(back[0].weight.data, net.layers[0].weight.data)


# from torch ---------------------------------------------------------------------------------------


def _torch_net(seed: int, width: int) -> Any:
    torch.manual_seed(seed)
    t = torch.nn
    return t.Sequential(
        t.Linear(3, width),
        t.GELU(approximate="tanh"),
        t.Linear(width, width),
        t.GELU(),
        t.LayerNorm(width),
        t.Linear(width, width, bias=False),
        t.Softplus(),
        t.BatchNorm1d(width),
        t.Sigmoid(),
        t.Dropout(0.0),
        t.Linear(width, 2),
        t.Identity(),
        t.Tanh(),
    ).double()


@given(seed=st.integers(0, 99), width=st.integers(1, 6), batch=st.integers(2, 6))
def test_a_torch_model_imported_gives_the_same_outputs_and_gradients(seed: int, width: int, batch: int) -> None:
    twin = _torch_net(seed, width)
    net = nn.from_torch(twin)
    assert list(net.state_dict()) == list(twin.state_dict())
    np.testing.assert_array_equal(net[0].weight.data, twin[0].weight.detach().numpy().T)
    assert_twins(net, twin, np.random.default_rng(seed).normal(size=(batch, 3)))


def test_round_trips_keep_every_number() -> None:
    layers = OrderedDict(fc=nn.Linear(2, 3, seed=0), act=nn.ReLU(), bn=nn.BatchNorm1d(3), out=nn.Linear(3, 1))
    net = nn.Sequential(layers)
    back = nn.from_torch(nn.to_torch(net))
    assert [k for k, _ in back.named_children()] == ["fc", "act", "bn", "out"]
    for (k, a), (k2, b) in zip(net.state_dict().items(), back.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(a, b)
    twin = _torch_net(3, 4)
    again = nn.to_torch(nn.from_torch(twin))
    for (k, a), (k2, b) in zip(twin.state_dict().items(), again.state_dict().items()):
        assert k == k2 and torch.equal(a, b)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_each_gelu_has_the_twin_with_its_approximation_both_ways(approximate: str) -> None:
    net = nn.Sequential(nn.Linear(2, 3, seed=0), nn.GELU(approximate=approximate))
    twin = nn.to_torch(net)
    assert type(twin[1]) is torch.nn.GELU and twin[1].approximate == approximate
    x = np.linspace(-6, 6, 40).reshape(20, 2)
    assert_twins(net, twin, x)
    back = nn.from_torch(torch.nn.Sequential(torch.nn.GELU(approximate=approximate)))
    assert type(back[0]) is nn.GELU and back[0].approximate == approximate
    tx = torch.from_numpy(x)
    np.testing.assert_allclose(
        back(Tensor(x)).data, torch.nn.functional.gelu(tx, approximate=approximate).numpy(), rtol=TOL, atol=TOL
    )


def test_a_torch_state_dict_loads_into_an_mlp() -> None:
    torch.manual_seed(0)
    twin = torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)).double()
    net = nn.MLP(2, [5, 1], activation="tanh", seed=9)
    assert net.load_state_dict(twin.state_dict(), layout="torch") == ([], [])
    assert_twins(net, twin, np.random.default_rng(0).normal(size=(4, 2)))


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(2, 1)

    def forward(self, x: Any) -> Any:
        return self.fc(x).relu()


@pytest.mark.parametrize(
    ("module", "where", "why"),
    [
        (lambda t: t.Sequential(t.Linear(2, 2), t.Conv1d(1, 1, 1)), "'1'", "torch.nn.modules.conv.Conv1d"),
        (lambda t: t.Sequential(t.Sequential(t.Softplus(beta=2))), "'0.0'", "beta=2"),
        (lambda t: t.Embedding(3, 2, max_norm=1.0), "(the module itself)", "max_norm=1.0 is not supported"),
        (lambda t: t.Softmax(), "(the module itself)", "dim=None"),
        (lambda t: Net(), "(the module itself)", "Net: its forward is code of its own"),
        (lambda t: t.Linear(2, 2).half(), "(the module itself)", "torch.float16"),
    ],
)
def test_a_module_layergrad_cannot_represent_is_named(module: Any, where: str, why: str) -> None:
    with pytest.raises(TypeError, match="from_torch: cannot represent the module at") as info:
        nn.from_torch(module(torch.nn))
    assert where in str(info.value) and why in str(info.value)
    with pytest.raises(TypeError, match="expected a torch.nn.Module, got int"):
        nn.from_torch(3)


def test_an_imported_model_is_drawn_and_inspected_by_stage() -> None:
    torch.manual_seed(0)
    net = nn.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1)).double())
    x = np.random.default_rng(0).normal(size=(3, 2))
    src = draw_graph(net(x)).source
    clusters = re.findall(r'label="([^"|]*)"; style', src)  # the boxes: model, layers, their steps
    assert clusters[:6] == [
        "Sequential(Linear → ReLU → Linear)",
        "layer 1: Linear(2→4)",
        "weighted sum",
        "bias",
        "ReLU",
        "layer 3: Linear(4→1)",
    ]
    outs = nn.inspect.layer_outputs(net, x)
    assert list(outs) == ["input", "layer 1", "ReLU 2", "layer 3"]
    np.testing.assert_allclose(outs["ReLU 2"], np.maximum(x @ net[0].weight.data + net[0].bias.data, 0))
    diagram = nn.draw_network(net).source
    assert "Sequential(Linear → ReLU → Linear)" in diagram
