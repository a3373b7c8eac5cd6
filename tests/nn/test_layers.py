"""nn's layers: Neuron and Layer (scalar), Linear and Sequential (tensor), input checks, initialisation."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import nn
from autograd import Tensor, Value
from nn.layers import init_weights, make_rng
from tests.nn.helpers import TIGHT, graph_nodes

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


def test_wrong_input_width_names_the_layer_and_both_widths(engine):
    net = nn.MLP(3, [4, 2], engine=engine.name, seed=0)
    x = [1.0] * 5 if engine.name == "scalar" else np.ones((2, 5))
    with pytest.raises(ValueError) as e:
        net(x)
    msg = str(e.value)
    assert "layer 1" in msg and "3" in msg and "5" in msg
    assert re.search(r"expected (inputs of width )?3", msg)
    # a layer deeper inside, called directly
    with pytest.raises(ValueError, match=r"layer 2.*4.*got.*7"):
        net.layers[1]([1.0] * 7 if engine.name == "scalar" else np.ones((1, 7)))


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
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]  # PyTorch's names
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


def test_seeds_make_initialisation_reproducible(engine):
    def weights(seed):
        return nn.MLP(3, [5, 2], engine=engine.name, seed=seed).get_weights()

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


@pytest.mark.parametrize("make", [lambda dt: nn.Linear(2, 3, dtype=dt), lambda dt: nn.MLP(2, [3, 1], dtype=dt)])
@pytest.mark.parametrize("dtype", [np.int32, np.int64, bool])
def test_layers_refuse_a_non_float_dtype(make: object, dtype: object) -> None:
    # Linear(2, 3, dtype=np.int32) built a float64 model whose weights had all truncated to zero
    with pytest.raises(TypeError, match=r"dtype must be a floating dtype"):
        make(dtype)  # type: ignore[operator]
    assert make(np.float32).parameters()[0].dtype == np.float32  # type: ignore[operator]
