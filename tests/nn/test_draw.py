"""nn.draw_network: one edge per weight, colours by sign, summarised wide layers, both engines."""

import re

import numpy as np
import pytest

import nn
from nn.draw import NEGATIVE, POSITIVE, draw_network


def edges(src):
    return re.findall(r"^\s*(\w+) -> (\w+) \[color=\"(#\w+)\", penwidth=([\d.]+), tooltip=\"w = ([^\"]+)\"", src, re.M)


def test_one_edge_per_weight_with_sign_colour_and_width():
    net = nn.MLP(3, [4, 2], seed=1)
    g = draw_network(net)
    es = edges(g.source)
    assert len(es) == 3 * 4 + 4 * 2
    assert g.num_nodes == 3 + 4 + 2
    W1 = net.layers[0].weight.data
    for src, dst, colour, _width, w in es:
        if src.startswith("in_"):
            i, j = int(src[3:]), int(dst.split("_")[1])
            assert float(w) == pytest.approx(W1[i, j], rel=1e-3)
        assert colour == (POSITIVE if float(w) >= 0 else NEGATIVE)
    # the widest edge is the largest |w| overall
    widest = max(es, key=lambda e: float(e[3]))
    largest = max(abs(np.concatenate([layer.weight.data.ravel() for layer in net.layers])))
    assert abs(float(widest[4])) == pytest.approx(largest, rel=1e-3)


def test_labels_name_layers_and_activations():
    src = draw_network(nn.MLP(2, [5, 1], activation="tanh", seed=0)).source
    assert "layer 1: Linear(2→5) + Tanh" in src and "(hidden layer, Tanh)" in src
    assert "layer 2: Linear(5→1)" in src and "(output layer, linear)" in src
    # each circle holds its neuron's index and bias (short enough to fit inside it)
    labels = re.findall(r'l0_(\d+) \[label="([^"]*)"', src)
    assert [(int(j), text) for j, text in labels] == [(j, f"{j}\\nb +0.00") for j in range(5)]
    assert src.count("subgraph cluster_") == 3  # input + 2 layers


def test_dense_layers_fade_small_weights():
    net = nn.MLP(2, [8, 8, 1], seed=0)
    es = edges(draw_network(net, strongest=None).source)
    W = net.layers[1].weight.data
    scale = max(abs(layer.weight.data).max() for layer in net.layers)
    dense = [e for e in es if e[0].startswith("l0_")]  # 64 edges between the hidden layers: translucent
    assert len(dense) == 64
    for src, dst, colour, _width, w in dense:
        i, j = int(src.split("_")[1]), int(dst.split("_")[1])
        assert float(w) == pytest.approx(W[i, j], rel=1e-3)
        assert colour[:7] == (POSITIVE if W[i, j] >= 0 else NEGATIVE)
        assert int(colour[7:], 16) == round(255 * (0.12 + 0.88 * abs(W[i, j]) / scale))  # opacity grows with |w|
    assert all(len(e[2]) == 7 for e in es if e[0].startswith("in_"))  # 16 edges: opaque


def test_between_wide_layers_only_each_neurons_largest_weights():
    net = nn.MLP(2, [8, 8, 1], seed=0)
    src = draw_network(net).source  # strongest=3 by default
    es = edges(src)
    W = np.abs(net.layers[1].weight.data)
    dense = [(int(a.split("_")[1]), int(b.split("_")[1])) for a, b, *_ in es if a.startswith("l0_")]
    for j in range(8):
        kept = sorted(i for i, jj in dense if jj == j)
        assert kept == sorted(np.argsort(-W[:, j])[:3].tolist())  # the three largest |w| into neuron j
    assert len(dense) == 8 * 3
    assert sum(1 for e in es if e[0].startswith("in_")) == 2 * 8  # 16 weights: all drawn
    assert sum(1 for e in es if e[0].startswith("l1_")) == 8
    assert "only each neuron's 3 largest |w| drawn" in src
    assert "largest |w| drawn" not in draw_network(nn.MLP(2, [3, 1], seed=0)).source  # nothing left out
    with pytest.raises(ValueError, match="draw_network: strongest must be a positive int or None, got 0"):
        draw_network(net, strongest=0)


def test_same_picture_on_both_engines():
    net = nn.MLP(2, [3, 2], seed=4)
    a = edges(draw_network(net).source)
    b = edges(draw_network(net.to_engine("scalar")).source)
    assert a == b


def test_wide_layers_are_summarised():
    g = draw_network(nn.MLP(100, [64, 3], seed=0), max_width=10)
    src = g.source
    assert "in_more" in src and "91 more" in src  # 100 - 10 + 1
    assert "l0_more" in src and "55 more" in src
    assert g.num_nodes == 9 + 9 + 3
    assert len(edges(src)) == 9 * 3 + 9 * 3  # 81 weights between the wide layers: each neuron's 3 largest
    # the ellipsis stands between the first and the last neurons in the pinned order (first on top)
    chain = re.search(r"\{ rank=same; (l0_\w+(?: -> l0_\w+)+) \[style=invis\]; \}", src).group(1).split(" -> ")
    assert chain[::-1] == [f"l0_{j}" for j in range(5)] + ["l0_more"] + [f"l0_{j}" for j in range(60, 64)]


def test_sequential_takes_following_activation():
    net = nn.Sequential(nn.Linear(2, 3, seed=0), nn.ReLU(), nn.Linear(3, 1, seed=1))
    src = draw_network(net).source
    assert "(hidden layer, ReLU)" in src and "(output layer, linear)" in src


def test_bad_input():
    with pytest.raises(TypeError, match="draw_network: expected an nn.Module"):
        draw_network("MLP")
    with pytest.raises(ValueError, match="max_width"):
        draw_network(nn.MLP(2, [1]), max_width=1)
    with pytest.raises(ValueError, match="no Linear or Layer"):
        draw_network(nn.ReLU())


def test_the_same_mlp_has_the_same_layer_titles_on_both_engines():
    from autograd import Tensor, draw_graph

    titles = {}
    for engine in ("scalar", "tensor"):
        net = nn.MLP(2, [3, 1], activation="tanh", engine=engine, seed=0)
        out = net(Tensor(np.ones((1, 2)))) if engine == "tensor" else net([1.0, 1.0])
        src = draw_graph(out, detail="layer", legend=False).source
        titles[engine] = sorted(set(re.findall(r"layer \d: \w+\([^)]*\)[^\\\"]*", src)))
        assert [net.layers[i].describe() for i in (0, 1)] == ["layer 1: Linear(2→3) + Tanh", "layer 2: Linear(3→1)"]
    assert titles["scalar"] == titles["tensor"] and len(titles["scalar"]) >= 2
    assert repr(nn.MLP(2, [1], engine="scalar").layers[0]).startswith("Layer(")  # the class keeps its name
