"""nn.utils: gradient clipping by joint norm and by value, on both engines, with PyTorch's formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import Tensor, Value
from nn.utils import clip_grad_norm_, clip_grad_value_

G = [np.array([3.0, -4.0]), np.array([12.0])]  # joint 2-norm 13


def leaves(engine):
    if engine.name == "tensor":
        ps = [Tensor(np.zeros(g.shape), requires_grad=True) for g in G]
        for p, g in zip(ps, G):
            p.grad = g.copy()
        return ps
    ps = [Value(0.0) for g in G for _ in g]
    for p, x in zip(ps, np.concatenate(G)):
        p.grad = float(x)
    return ps


def grads(ps):
    return np.concatenate([np.atleast_1d(np.asarray(p.grad, dtype=float)) for p in ps])


@pytest.mark.parametrize(
    "norm_type, total", [(2.0, 13.0), (1.0, 19.0), (math.inf, 12.0), (3.0, (27 + 64 + 1728) ** (1 / 3))]
)
def test_clip_grad_norm_scales_by_max_over_norm(engine, norm_type, total):
    ps = leaves(engine)
    got = clip_grad_norm_(ps, max_norm=2.0, norm_type=norm_type)
    assert float(got) == pytest.approx(total, rel=1e-12)
    assert isinstance(got, Tensor if engine.name == "tensor" else float)
    np.testing.assert_allclose(grads(ps), np.concatenate(G) * 2.0 / (total + 1e-6), rtol=1e-12)


def test_clip_grad_norm_leaves_small_gradients_and_skips_missing_ones():
    p, q = Tensor([0.0, 0.0], requires_grad=True), Tensor([0.0], requires_grad=True)
    p.grad = np.array([0.3, 0.4])
    g = p.grad
    assert float(clip_grad_norm_([p, q], max_norm=1.0)) == pytest.approx(0.5)
    assert p.grad is g and p.grad.tolist() == [0.3, 0.4] and q.grad is None
    p.grad = np.array([np.inf, 0.0])
    with pytest.raises(RuntimeError, match="total norm .* inf"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_clamps_each_entry(engine):
    ps = leaves(engine)
    assert clip_grad_value_(ps, 3.5) is None
    np.testing.assert_array_equal(grads(ps), [3.0, -3.5, 3.5])
    with pytest.raises(ValueError, match="clip_value must be >= 0"):
        clip_grad_value_(ps, -1.0)
    with pytest.raises(TypeError, match="got a model"):
        import nn

        clip_grad_value_(nn.Linear(1, 1), 1.0)
