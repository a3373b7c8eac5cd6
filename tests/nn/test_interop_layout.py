"""The torch layout without torch: the plan of a model's twin, state dicts in PyTorch's names, and their errors."""

from __future__ import annotations

import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from nn.interop import layergrad_state, torch_plan
from nn.interop.extras import need
from nn.interop.layout import pieces
from nn.interop.layout import torch_state_dict as numpy_torch_state

ENG = ["tensor", "scalar"]


def test_an_mlp_is_linear_then_activation_in_one_flat_sequential() -> None:
    for activation, approximate in (("gelu", "none"), ("gelu_tanh", "tanh")):
        plan = torch_plan(nn.MLP(2, [3, 4, 1], activation=activation))
        got = [(name, p.torch_type, p.options) for name, p in pieces(plan)]
        assert got == [
            ("0", "Linear", {"in_features": 2, "out_features": 3, "bias": True}),
            ("1", "GELU", {"approximate": approximate}),
            ("2", "Linear", {"in_features": 3, "out_features": 4, "bias": True}),
            ("3", "GELU", {"approximate": approximate}),
            ("4", "Linear", {"in_features": 4, "out_features": 1, "bias": True}),
        ]


def test_a_sequential_keeps_its_keys_unless_a_layer_splits() -> None:
    named = nn.Sequential(OrderedDict(fc=nn.Linear(2, 3), act=nn.Tanh(), out=nn.Linear(3, 1)))
    assert [name for name, _ in pieces(torch_plan(named))] == ["fc", "act", "out"]
    split = nn.Sequential(nn.Linear(2, 3, activation="relu"), nn.LayerNorm(3), nn.Sequential(nn.Linear(3, 1)))
    assert [name for name, _ in pieces(torch_plan(split))] == ["0", "1", "2", "3.0"]


@given(nin=st.integers(1, 5), widths=st.lists(st.integers(1, 5), min_size=1, max_size=3))
def test_torch_keys_and_shapes_for_both_engines(nin: int, widths: list[int]) -> None:
    tensor = nn.MLP(nin, widths, activation="tanh", seed=1)
    scalar = tensor.to_engine("scalar")
    a, b = numpy_torch_state(tensor), numpy_torch_state(scalar)
    sizes = [nin, *widths]
    assert list(a) == [f"{2 * i}.{w}" for i in range(len(widths)) for w in ("weight", "bias")]
    assert list(a) == list(b)
    for i, (W, bias) in enumerate(tensor.get_weights()):
        assert a[f"{2 * i}.weight"].shape == (sizes[i + 1], sizes[i])
        np.testing.assert_array_equal(a[f"{2 * i}.weight"], W.T)
        np.testing.assert_array_equal(b[f"{2 * i}.weight"], W.T)
        np.testing.assert_array_equal(a[f"{2 * i}.bias"], bias)


@given(nin=st.integers(1, 4), widths=st.lists(st.integers(1, 4), min_size=1, max_size=3), engine=st.sampled_from(ENG))
def test_load_state_dict_torch_layout_round_trips(nin: int, widths: list[int], engine: str) -> None:
    src = nn.MLP(nin, widths, activation="relu", engine=engine, seed=2)
    dst = nn.MLP(nin, widths, activation="relu", engine=engine, seed=3)
    result = dst.load_state_dict(numpy_torch_state(src), layout="torch")
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (wa, ba), (wb, bb) in zip(src.get_weights(), dst.get_weights()):
        np.testing.assert_array_equal(wa, wb)
        np.testing.assert_array_equal(ba, bb)


def test_a_pytorch_state_dict_of_numpy_arrays_loads_into_an_mlp() -> None:
    net = nn.MLP(2, [3, 1])
    sd = {"0.weight": np.arange(6.0).reshape(3, 2), "0.bias": np.ones(3), "2.weight": np.ones((1, 3)), "2.bias": [0.5]}
    net.load_state_dict(sd, layout="torch")
    assert net.layers[0].weight.tolist() == [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]
    assert net.layers[1].bias.tolist() == [0.5]
    out = net(np.array([[1.0, 1.0]])).item()
    assert out == pytest.approx(sum(max(v, 0.0) for v in (1.0 + 1, 5.0 + 1, 9.0 + 1)) + 0.5)


def test_batchnorm_buffers_and_layernorm_parameters_are_copied() -> None:
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.LayerNorm(4, bias=False))
    net(np.random.default_rng(0).normal(size=(5, 3)))
    sd = numpy_torch_state(net)
    assert list(sd) == [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
        "1.running_mean",
        "1.running_var",
        "1.num_batches_tracked",
        "2.weight",
    ]
    assert int(sd["1.num_batches_tracked"]) == 1
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.LayerNorm(4, bias=False))
    other.load_state_dict(sd, layout="torch")
    for k, v in other.state_dict().items():
        np.testing.assert_array_equal(v, net.state_dict()[k])


def test_mismatched_keys_raise_like_pytorchs_strict_mode() -> None:
    net = nn.MLP(2, [3, 1])
    sd = dict(numpy_torch_state(net))
    sd["4.weight"] = sd.pop("2.weight")
    with pytest.raises(KeyError, match=r"missing keys: \['2.weight'\]; unexpected keys: \['4.weight'\]"):
        net.load_state_dict(sd, layout="torch")
    wrapped = {f"module.{k}": v for k, v in numpy_torch_state(net).items()}
    with pytest.raises(KeyError, match="come from DistributedDataParallel: use ddp.module.state_dict()"):
        net.load_state_dict(wrapped, layout="torch")
    result = net.load_state_dict(sd, strict=False, layout="torch")
    assert result.missing_keys == ["2.weight"] and result.unexpected_keys == ["4.weight"]


def test_a_wrong_shape_raises_and_changes_nothing() -> None:
    net = nn.MLP(2, [3, 1])
    before = net.state_dict()
    sd = dict(numpy_torch_state(net))
    sd["0.bias"] = np.full(3, 7.0)
    sd["0.weight"] = np.zeros((2, 3))  # layergrad's (in, out), not PyTorch's (out, in)
    with pytest.raises(ValueError, match=r"size mismatch for '0.weight': the state has shape \(2, 3\).*\(3, 2\)"):
        net.load_state_dict(sd, layout="torch")
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_unknown_layout_and_bad_state_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown layout 'jax'; known: 'layergrad', 'torch'"):
        nn.MLP(2, [1]).load_state_dict({}, layout="jax")
    with pytest.raises(TypeError, match="expected a dict of tensors, got list"):
        layergrad_state(nn.MLP(2, [1]), [1, 2])


class Doubler(nn.Module):
    def forward(self, x):  # type: ignore[no-untyped-def]
        return x * 2


@pytest.mark.parametrize(
    ("model", "where", "what"),
    [
        (nn.Sequential(nn.Linear(2, 2), Doubler()), "'1'", "Doubler: its forward is code of its own"),
        (nn.Sequential(nn.Step()), "'0'", "PyTorch has no module that computes what Step does"),
        (nn.MLP(2, [2, 1], activation="step"), "'layers.0'", "activation Step has no exact torch twin"),
        (nn.Sequential(nn.Sequential(nn.Linear(2, 2), nn.Step())), "'0.1'", "nn.activations.Step"),
        (nn.Neuron(2), "(the model itself)", "nn.layers.Neuron"),
    ],
)
def test_a_layer_without_a_torch_twin_is_named(model: nn.Module, where: str, what: str) -> None:
    with pytest.raises(TypeError, match="to_torch: cannot represent the layer at") as info:
        torch_plan(model)
    assert where in str(info.value) and what in str(info.value)


def test_need_names_the_extra() -> None:
    with pytest.raises(ImportError, match=r"export_onnx needs the optional package 'not_a_pkg_x': pip install lay"):
        need("not_a_pkg_x", "nn.export_onnx")


def test_without_torch_the_functions_say_which_extra_to_install() -> None:
    # a child interpreter where torch and onnx cannot be imported
    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['onnx'] = None\n"
        "import nn\n"
        "for f, args in [(nn.to_torch, (nn.MLP(2, [1]),)), (nn.from_torch, (None,)),"
        " (nn.export_onnx, (nn.MLP(2, [1]), 'x.onnx'))]:\n"
        "    try:\n        f(*args)\n    except ImportError as e:\n        print(e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "nn.to_torch needs the optional package 'torch': pip install layergrad[interop]",
        "nn.from_torch needs the optional package 'torch': pip install layergrad[interop]",
        "nn.export_onnx needs the optional package 'onnx': pip install layergrad[interop]",
    ]
