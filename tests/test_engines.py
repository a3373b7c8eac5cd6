"""The engine fixture (tests/engines.py): each helper does the same job on both engines."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor, Value


def test_the_fixture_ids_are_the_engine_names(request: pytest.FixtureRequest, engine) -> None:
    assert request.node.callspec.id == engine.name
    assert engine.node is {"scalar": Value, "tensor": Tensor}[engine.name]


def test_a_leaf_from_a_float_runs_forward_and_backward(engine) -> None:
    x = engine.leaf(3.0)
    y = x * x + 2 * x
    y.backward()
    assert isinstance(x, engine.node) and isinstance(y, engine.node)
    assert engine.number(y) == 15.0
    assert engine.grads(x) == 8.0


def test_leaves_from_a_list_read_back_as_arrays(engine) -> None:
    rows = [[1.0, -2.0], [0.5, 4.0]]
    xs = engine.leaf(rows)
    if engine.name == "tensor":
        assert isinstance(xs, Tensor) and xs.requires_grad
    else:
        assert all(isinstance(v, Value) and v.requires_grad for row in xs for v in row)
    np.testing.assert_array_equal(engine.numbers(xs), rows)
    frozen = engine.leaf([1.0, 2.0], requires_grad=False)
    assert not any(v.requires_grad for v in (frozen if isinstance(frozen, list) else [frozen]))


def test_run_one_gives_a_models_outputs_for_one_sample(engine) -> None:
    net = nn.MLP(2, [3, 2], engine=engine.name, seed=0)
    out = engine.run_one(net, [0.5, -1.0])
    want = net.to_engine("tensor")(np.array([[0.5, -1.0]])).data[0]
    assert out.shape == (2,)
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)
