"""``nn.export_onnx``: onnxruntime gets the model's outputs (float32 1e-6, float64 1e-12); nodes carry the stages."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Tensor

onnx = pytest.importorskip("onnx", reason="onnx is not installed: pip install layergrad[interop]")
ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed: pip install layergrad[interop]")

ACTS = ["identity", "relu", "leaky_relu", "sigmoid", "tanh", "softplus", "gelu", "gelu_tanh"]
TOL = {np.float32: 1e-6, np.float64: 1e-12}


def run(path: str, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


def export(model: nn.Module, folder: Path, **kw: Any) -> str:
    path = nn.export_onnx(model, folder / "model.onnx", **kw)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    return path


@settings(max_examples=25)
@given(
    act=st.sampled_from(ACTS),
    dtype=st.sampled_from([np.float32, np.float64]),
    nin=st.integers(1, 5),
    widths=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    batch=st.integers(1, 9),
    seed=st.integers(0, 99),
)
def test_an_mlp_runs_in_onnxruntime_with_the_same_outputs(
    tmp_path_factory: Any, act: str, dtype: Any, nin: int, widths: list[int], batch: int, seed: int
) -> None:
    net = nn.MLP(nin, widths, activation=act, seed=seed).to(dtype)
    path = export(net, tmp_path_factory.mktemp("onnx"))
    x = (np.random.default_rng(seed).normal(size=(batch, nin)) * 3).astype(dtype)
    y = run(path, x)
    assert y.dtype == dtype and y.shape == (batch, widths[-1])
    np.testing.assert_allclose(y, net(x).data, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normalisation_embedding_and_softmax_layers_run_in_evaluation_mode(tmp_path: Path, dtype: Any) -> None:
    net = nn.Sequential(
        nn.Embedding(10, 4, seed=0),
        nn.Flatten(),
        nn.LayerNorm(12),
        nn.Linear(12, 5, activation="gelu", seed=1),
        nn.BatchNorm1d(5),
        nn.Dropout(0.3),
        nn.Linear(5, 3, activation="softplus", seed=2),
        nn.Softmax(dim=1),
    )
    rng = np.random.default_rng(0)
    for _ in range(3):  # running statistics away from 0 and 1
        net(rng.integers(0, 10, (8, 3)))
    state = {k: v + rng.normal(size=v.shape) * 0.1 if v.dtype.kind == "f" else v for k, v in net.state_dict().items()}
    net.load_state_dict(state)
    net.to(dtype)
    path = export(net, tmp_path, input_shape=(None, 3))
    x = rng.integers(0, 10, (6, 3))
    net.eval()
    np.testing.assert_allclose(run(path, x), net(x).data, rtol=TOL[dtype], atol=TOL[dtype])
    assert onnx.load(path).graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64


def test_a_scalar_engine_model_exports_in_float64(tmp_path: Path) -> None:
    net = nn.MLP(2, [4, 1], activation="tanh", engine="scalar", seed=3)
    path = export(net, tmp_path)
    x = np.random.default_rng(0).normal(size=(5, 2))
    want = np.array([[v.data for v in net(row.tolist())] for row in x])
    np.testing.assert_allclose(run(path, x), want, rtol=1e-12, atol=1e-12)


def test_node_names_are_the_stage_paths(tmp_path: Path) -> None:
    net = nn.MLP(2, [3, 1], activation="relu")
    proto = onnx.load(export(net, tmp_path))
    assert [n.name for n in proto.graph.node] == [
        "MLP/layer 1/weighted sum",
        "MLP/layer 1/bias",
        "MLP/layer 1/activation",
        "MLP/layer 2/weighted sum",
        "MLP/layer 2/bias",
    ]
    assert [n.op_type for n in proto.graph.node] == ["MatMul", "Add", "Relu", "MatMul", "Add"]
    assert sorted(i.name for i in proto.graph.initializer) == sorted(
        ["MLP/layer 1.weight", "MLP/layer 1.bias", "MLP/layer 2.weight", "MLP/layer 2.bias"]
    )
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert (dims[0].dim_param, dims[1].dim_value) == ("batch", 2)
    assert proto.graph.output[0].type.tensor_type.shape.dim[1].dim_value == 1
    assert proto.producer_name == "layergrad" and proto.doc_string == net.describe()


@pytest.mark.parametrize(
    ("act", "float32_op"),
    [("leaky_relu", "LeakyRelu"), ("softplus", "Softplus"), ("gelu", "Gelu"), ("gelu_tanh", "Gelu")],
)
def test_float64_writes_ops_onnxruntime_lacks_as_exact_steps_inside_the_stage(
    tmp_path: Path, act: str, float32_op: str
) -> None:
    net = nn.Sequential(nn.Linear(2, 3, activation=act, seed=0))
    ops32 = {n.name: n.op_type for n in onnx.load(export(net.to(np.float32), tmp_path)).graph.node}
    assert ops32["Sequential/layer 1/activation"] == float32_op
    nodes64 = onnx.load(export(net.to(np.float64), tmp_path)).graph.node
    steps = [n.name for n in nodes64 if n.name.startswith("Sequential/layer 1/activation")]
    assert len(steps) > 1 and steps[-1] == "Sequential/layer 1/activation"
    assert all(s == steps[-1] or s.startswith(steps[-1] + "/") for s in steps)
    assert float32_op not in {n.op_type for n in nodes64}


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_each_gelu_exports_with_its_approximation(tmp_path: Path, approximate: str, dtype: Any) -> None:
    seq = nn.Sequential(nn.GELU(approximate=approximate))
    path = export(seq, tmp_path, input_shape=(None,), dtype=dtype)
    nodes = onnx.load(path).graph.node
    if dtype == np.float32:  # onnxruntime's Gelu, with the attribute that says which one
        [node] = nodes
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        assert node.op_type == "Gelu" and attrs == {"approximate": approximate.encode()}
    else:  # no Erf and no Gelu kernel in float64: exact steps (erfc through exp and a polynomial for "none")
        assert {"Erf", "Gelu"}.isdisjoint(n.op_type for n in nodes)
        assert ("Exp" in {n.op_type for n in nodes}) == (approximate == "none")
    x = np.concatenate([np.linspace(-12, 12, 4801), [-40.0, -0.0, 0.0, 40.0]]).astype(dtype)
    want = torch_gelu(x, approximate)
    np.testing.assert_allclose(run(path, x), want, rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_allclose(seq(Tensor(x)).data, want, rtol=TOL[dtype], atol=TOL[dtype])


def torch_gelu(x: np.ndarray, approximate: str) -> np.ndarray:
    """PyTorch's GELU when torch is installed, otherwise the formula with math.erf (torch agrees to 5e-16)."""
    try:
        import torch
    except ImportError:
        if approximate == "tanh":
            return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
        x64 = x.astype(np.float64)
        return (0.5 * x64 * (1 + np.vectorize(math.erf, otypes=[np.float64])(x64 * math.sqrt(0.5)))).astype(x.dtype)
    return torch.nn.functional.gelu(torch.from_numpy(x), approximate=approximate).numpy()


def test_export_is_atomic_and_returns_the_path(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "net.onnx"
    assert nn.export_onnx(nn.MLP(2, [1]), target) == os.fspath(target)
    assert os.listdir(target.parent) == ["net.onnx"]


@pytest.mark.parametrize(
    ("model", "kw", "error", "match"),
    [
        (nn.MLP(2, [2, 1], activation="step"), {}, TypeError, "cannot represent the layer at 'layers.0'"),
        (
            nn.Sequential(nn.BatchNorm1d(2, track_running_stats=False)),
            {"input_shape": (None, 2)},
            ValueError,
            "no running statistics",
        ),
        (nn.Sequential(nn.Flatten(0, 1)), {"input_shape": (2, 3, 4)}, ValueError, "only flattening through the last"),
        (nn.Sequential(nn.ReLU()), {}, ValueError, r"pass input_shape for Sequential\(ReLU\)"),
        (nn.MLP(2, [1]), {"input_shape": (None, 0)}, ValueError, "positive ints or None"),
        (nn.MLP(2, [1]), {"input_shape": 2}, TypeError, "must be a tuple"),
        (nn.MLP(2, [1]), {"dtype": np.int32}, TypeError, "dtype must be float32 or float64, got int32"),
    ],
)
def test_what_cannot_be_exported_is_refused_clearly(
    tmp_path: Path, model: nn.Module, kw: dict[str, Any], error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        nn.export_onnx(model, tmp_path / "x.onnx", **kw)
    assert not os.listdir(tmp_path)
