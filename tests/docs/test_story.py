"""The seed's story as tested facts (../shared/MISSION.md).

On two concentric circles, with :func:`nn.fit`'s default settings (Adam,
bce_with_logits, full batch) and fixed seeds, judged on a held-out test split:

1. the classic method, a linear classifier ``MLP(2, [1])``, processes its
   input once and stays far below the deep network (a straight line can only
   cut off part of the ring);
2. a network with two nonlinear (ReLU) hidden layers learns it almost perfectly;
3. the same network without the nonlinearity collapses into one linear map and
   falls back to the linear classifier's accuracy;
4. the scalar engine, where every multiply and add is a node, learns it too.
"""

from __future__ import annotations

import numpy as np
import pytest

import nn
from nn.train import accuracy, fit

EPOCHS = 300  # full-batch epochs for the tensor engine: "a few hundred at most"


@pytest.fixture(scope="module")
def circles():
    X, y = nn.data.circles(300, noise=0.1, seed=0)
    return nn.data.split(X, y, test_fraction=0.25, seed=0)


def train_and_test(model, data, epochs=EPOCHS):
    X_train, X_test, y_train, y_test = data
    fit(model, X_train, y_train, epochs=epochs, progress=False, seed=0)
    return accuracy(model, X_test, y_test)


def test_linear_classifier_stays_far_below_the_deep_network(circles):
    acc = train_and_test(nn.MLP(2, [1], seed=0), circles)
    assert acc <= 0.70, f"the linear classifier reached {acc:.1%} on circles"


def test_two_nonlinear_hidden_layers_learn_the_circles(circles):
    acc = train_and_test(nn.MLP(2, [16, 16, 1], activation="relu", seed=0), circles)
    assert acc >= 0.97, f"the ReLU network reached only {acc:.1%}"


def test_without_nonlinearity_depth_gains_nothing(circles):
    deep_linear = nn.MLP(2, [16, 16, 1], activation="identity", seed=0)
    acc = train_and_test(deep_linear, circles)
    assert acc <= 0.70, f"the network without nonlinearity reached {acc:.1%}"
    # the collapse, made visible: its three layers are one linear map x @ W + b
    X = circles[1]
    (W1, b1), (W2, b2), (W3, b3) = deep_linear.get_weights()
    W, b = W1 @ W2 @ W3, (b1 @ W2 + b2) @ W3 + b3
    np.testing.assert_allclose(deep_linear(X).data, X @ W + b, rtol=1e-9, atol=1e-9)


def test_scalar_engine_learns_a_small_circles_set():
    X, y = nn.data.circles(80, noise=0.1, seed=0)
    data = nn.data.split(X, y, test_fraction=0.25, seed=0)
    model = nn.MLP(2, [8, 8, 1], engine="scalar", seed=0)
    acc = train_and_test(model, data, epochs=100)  # about 2 s: the slow engine
    assert acc >= 0.90, f"the scalar-engine network reached only {acc:.1%}"
