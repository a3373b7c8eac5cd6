"""The new layers (Dropout, LayerNorm, BatchNorm1d, Embedding, Flatten, Softmax), nn.functional and nn.init."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
import nn.functional as F
from autograd import Tensor, Value, gradcheck
from tests.nn.helpers import graph_nodes

X = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 4.0, -1.0, 2.0], [2.5, 0.5, 0.5, -3.0]])


# ---------------------------------------------------------------------------
# Dropout
# ---------------------------------------------------------------------------


def test_dropout_keeps_the_expectation_and_zeroes_a_fraction_p():
    drop = nn.Dropout(0.3, seed=0)
    out = drop(Tensor(np.ones((400, 250)))).data
    assert set(np.unique(out).tolist()) == {0.0, 1 / 0.7}
    assert abs((out == 0).mean() - 0.3) < 0.005  # 100,000 draws: the fraction is within 5 standard errors
    assert abs(out.mean() - 1.0) < 0.01
    again = nn.Dropout(0.3, seed=0)(Tensor(np.ones((400, 250)))).data
    np.testing.assert_array_equal(out, again)  # the same seed, the same masks
    assert not np.array_equal(out, drop(Tensor(np.ones((400, 250)))).data)  # a new mask each call


def test_dropout_gradient_is_the_mask_and_eval_passes_through(engine):
    drop = nn.Dropout(0.5, seed=1)
    if engine.name == "tensor":
        x = Tensor(np.ones(50), requires_grad=True)
        y = drop(x)
        y.sum().backward()
        np.testing.assert_array_equal(x.grad, y.data)  # d(x * mask / (1 - p)) / dx = mask / (1 - p)
        assert {n.stage for n in graph_nodes(y) if n.op is not None} == {("Dropout", "mask")}
    else:
        xs = [Value(1.0) for _ in range(50)]
        ys = drop(xs)
        assert {v.data for v in ys} == {0.0, 2.0}
    drop.eval()
    x = Tensor(X)
    assert drop(x) is x and F.dropout(x, 0.5, training=False) is x
    assert nn.Dropout(1.0)(Tensor(X)).data.tolist() == np.zeros_like(X).tolist()
    with pytest.raises(ValueError, match="p must be a number in \\[0, 1\\]"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="inplace=True is not supported"):
        F.dropout(x, inplace=True)


# ---------------------------------------------------------------------------
# normalisation
# ---------------------------------------------------------------------------


def test_layer_norm_normalises_each_sample_and_learns_scale_and_shift():
    ln = nn.LayerNorm(4)
    ln.weight.data[...] = [1.0, 2.0, 0.5, -1.0]
    ln.bias.data[...] = [0.0, 1.0, 0.0, 2.0]
    m, v = X.mean(axis=1, keepdims=True), X.var(axis=1, keepdims=True)  # the biased variance, as PyTorch
    want = (X - m) / np.sqrt(v + 1e-5) * ln.weight.data + ln.bias.data
    x = Tensor(X, requires_grad=True)
    out = ln(x)
    np.testing.assert_allclose(out.data, want, rtol=1e-12)
    assert {n.stage[1] for n in graph_nodes(out) if n.op is not None} == {"normalise", "scale and shift"}
    gradcheck(lambda t: (ln(t) * Tensor(X)).sum(), Tensor(X + 0.1, requires_grad=True))
    three = nn.LayerNorm((2, 2), elementwise_affine=False)
    y = three(Tensor(X[:2].reshape(2, 2, 2)))
    np.testing.assert_allclose(
        y.data.reshape(2, 4), (X[:2] - X[:2].mean(1, keepdims=True)) / np.sqrt(X[:2].var(1, keepdims=True) + 1e-5)
    )
    assert three.parameters() == []
    with pytest.raises(ValueError, match="last dimensions are \\(4,\\)"):
        ln(Tensor(np.zeros((2, 3))))
    with pytest.raises(TypeError, match="tensor engine"):
        ln([Value(1.0)] * 4)


def test_batch_norm_trains_on_batch_statistics_and_evaluates_on_running_ones():
    bn = nn.BatchNorm1d(4, momentum=0.2)
    out = bn(Tensor(X))
    m, v = X.mean(axis=0), X.var(axis=0)
    np.testing.assert_allclose(out.data, (X - m) / np.sqrt(v + 1e-5), rtol=1e-12)
    # the running variance uses the unbiased variance (n / (n - 1)), as PyTorch
    np.testing.assert_allclose(bn.running_mean.data, 0.2 * m, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.data, 0.8 + 0.2 * v * 3 / 2, rtol=1e-12)
    assert int(bn.num_batches_tracked) == 1 and bn.num_batches_tracked.dtype == np.int64
    rm, rv = bn.running_mean.data.copy(), bn.running_var.data.copy()
    bn.eval()
    np.testing.assert_allclose(bn(Tensor(X[:1])).data, (X[:1] - rm) / np.sqrt(rv + 1e-5), rtol=1e-12)
    np.testing.assert_array_equal(bn.running_mean.data, rm)  # evaluation changes nothing
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]


def test_batch_norm_gradient_and_options():
    bn = nn.BatchNorm1d(4)
    gradcheck(lambda t: (bn(t) * Tensor(X)).sum(), Tensor(X * 1.3, requires_grad=True))
    cumulative = nn.BatchNorm1d(4, momentum=None)
    for k in range(3):
        cumulative(Tensor(X + k))
    np.testing.assert_allclose(cumulative.running_mean.data, X.mean(axis=0) + 1.0, rtol=1e-12)  # the plain average
    stateless = nn.BatchNorm1d(4, affine=False, track_running_stats=False).eval()
    np.testing.assert_allclose(stateless(Tensor(X)).data, (X - X.mean(0)) / np.sqrt(X.var(0) + 1e-5), rtol=1e-12)
    assert stateless.parameters() == [] and stateless.state_dict() == {}
    seq = nn.BatchNorm1d(2)(Tensor(np.arange(12.0).reshape(2, 2, 3)))  # (N, C, L): statistics over N and L
    assert abs(seq.data[:, 0].mean()) < 1e-12
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(Tensor(X[:1]))
    with pytest.raises(ValueError, match="\\(N, 4\\) or \\(N, 4, L\\)"):
        bn(Tensor(np.zeros((3, 5))))


# ---------------------------------------------------------------------------
# Embedding, Flatten, Softmax
# ---------------------------------------------------------------------------


def test_embedding_looks_up_rows_and_sends_gradients_back_to_them():
    emb = nn.Embedding(5, 3, padding_idx=1, seed=0)
    assert emb.weight.data[1].tolist() == [0.0, 0.0, 0.0]
    idx = np.array([[0, 2], [2, 1]])
    out = emb(Tensor(idx.astype(float)))  # whole-number floats are accepted (Tensors are float)
    np.testing.assert_array_equal(out.data, emb.weight.data[idx])
    (out * 2.0).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad[:, 0], [2.0, 0.0, 4.0, 0.0, 0.0])  # row 2 twice; padding row none
    with pytest.raises(IndexError, match="index 5 is out of range for 5"):
        emb([5])
    with pytest.raises(TypeError, match="whole numbers"):
        emb(Tensor([0.5]))


def test_flatten_softmax_and_log_softmax(engine):
    t = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert nn.Flatten()(t).shape == (2, 12) and nn.Flatten(0, -2)(t).shape == (6, 4)
    z = np.array([1.0, 2.0, -1.0])
    p = np.exp(z) / np.exp(z).sum()
    if engine.name == "tensor":
        got = nn.Softmax(dim=0)(Tensor(z)).data
        lgot = nn.LogSoftmax(dim=-1)(Tensor(z)).data
    else:
        got = np.array([v.data for v in nn.Softmax(dim=0)([Value(v) for v in z])])
        lgot = np.array([v.data for v in nn.LogSoftmax(dim=0)([Value(v) for v in z])])
        assert [v.data for v in nn.Flatten()([[Value(1.0)], [Value(2.0)]])] == [1.0, 2.0]
    np.testing.assert_allclose(got, p, rtol=1e-12)
    np.testing.assert_allclose(lgot, np.log(p), rtol=1e-12)
    with pytest.raises(ValueError, match="pass dim"):
        nn.Softmax()


# ---------------------------------------------------------------------------
# nn.functional
# ---------------------------------------------------------------------------


def test_functional_matches_pytorchs_definitions():
    x = Tensor(X)
    np.testing.assert_allclose(F.softplus(x, beta=2.0).data, np.log1p(np.exp(2 * X)) / 2, rtol=1e-12)
    assert F.softplus(Tensor([25.0])).item() == 25.0  # above the threshold: x itself, as PyTorch
    np.testing.assert_allclose(F.silu(x).data, X / (1 + np.exp(-X)), rtol=1e-12)
    np.testing.assert_allclose(F.elu(x, alpha=0.5).data, np.where(X > 0, X, 0.5 * (np.exp(X) - 1)), rtol=1e-12)
    W, b = np.arange(8.0).reshape(2, 4), np.array([1.0, -1.0])  # PyTorch's (out, in) layout
    np.testing.assert_allclose(F.linear(x, Tensor(W), Tensor(b)).data, X @ W.T + b)
    with pytest.raises(ValueError, match="\\(out_features, in_features\\)"):
        F.linear(x, Tensor(W.T))
    erf = np.vectorize(math.erf)
    np.testing.assert_allclose(F.gelu(x).data, 0.5 * X * (1 + erf(X / math.sqrt(2))), rtol=1e-15, atol=1e-16)
    tanh_form = 0.5 * X * (1 + np.tanh(math.sqrt(2 / math.pi) * (X + 0.044715 * X**3)))
    np.testing.assert_allclose(F.gelu(x, approximate="tanh").data, tanh_form, rtol=1e-15, atol=1e-16)
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh', got 'Tanh'"):
        F.gelu(x, approximate="Tanh")
    with pytest.raises(ValueError, match="inplace"):
        F.relu(x, inplace=True)
    np.testing.assert_allclose(F.layer_norm(x, (4,)).data, nn.LayerNorm(4)(x).data)
    rm, rv = np.zeros(4), np.ones(4)
    F.batch_norm(x, rm, rv, training=True, momentum=0.5)
    np.testing.assert_allclose(rm, 0.5 * X.mean(0))
    assert F.embedding([1], Tensor(W)).tolist() == [W[1].tolist()]
    assert F.nll_loss is nn.losses.nll_loss and F.cross_entropy is nn.losses.cross_entropy


# ---------------------------------------------------------------------------
# nn.init
# ---------------------------------------------------------------------------


def test_init_fills_in_place_with_pytorchs_distributions_and_fans():
    w = nn.Linear(300, 200).weight  # layergrad's (in, out) layout: fan_in 300, fan_out 200
    data = w.data
    assert nn.init.fans(w) == (300, 200)
    assert nn.init.kaiming_uniform_(w, nonlinearity="relu", generator=0) is w and w.data is data
    bound = math.sqrt(2) * math.sqrt(3 / 300)
    assert abs(w.data).max() <= bound and abs(w.data).max() > 0.99 * bound
    nn.init.kaiming_normal_(w, mode="fan_out", generator=1)
    assert abs(w.data.std() - math.sqrt(2 / 200)) < 0.002
    nn.init.xavier_uniform_(w, gain=nn.init.calculate_gain("tanh"), generator=2)
    assert abs(w.data).max() <= 5 / 3 * math.sqrt(6 / 500)
    nn.init.xavier_normal_(w, generator=3)
    assert abs(w.data.std() - math.sqrt(2 / 500)) < 0.001
    a = nn.init.normal_(Tensor(np.zeros(5)), generator=7).data.copy()
    np.testing.assert_array_equal(nn.init.normal_(Tensor(np.zeros(5)), generator=7).data, a)  # seeded
    assert nn.init.uniform_(Tensor(np.zeros(1000)), -2, -1, generator=0).data.max() <= -1
    assert nn.init.constant_(w, 0.25).data.max() == 0.25 and nn.init.ones_(w).data.min() == 1.0
    assert nn.init.zeros_(w).data.any() == False  # noqa: E712
    assert nn.init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        nn.init.xavier_uniform_(Tensor(np.zeros(3)))
    with pytest.raises(TypeError, match="tensor engine"):
        nn.init.normal_(Value(1.0))


def test_init_applies_to_a_model_with_apply():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))

    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.1)
            nn.init.zeros_(m.bias)

    model.apply(init)
    assert all(np.all(p.data == (0.1 if p.ndim == 2 else 0.0)) for p in model.parameters())
