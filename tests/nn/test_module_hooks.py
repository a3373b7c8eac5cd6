"""Module.register_forward_hook and register_full_backward_hook, with PyTorch's semantics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograd import Tensor, Value
from autograd.hooks import TABLE
from nn import Linear, Module, Neuron


def _linear() -> tuple[Linear, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X, W, B = rng.standard_normal((3, 2)), rng.standard_normal((2, 4)), rng.standard_normal(4)
    layer = Linear(2, 4, seed=0)
    layer.weight.data[...] = W
    layer.bias.data[...] = B
    return layer, X, W, B


def test_forward_hook_sees_args_and_output_and_may_replace_it() -> None:
    layer, X, W, B = _linear()
    seen: list[Any] = []
    h = layer.register_forward_hook(lambda m, args, out: seen.append((m, args[0].shape, out.shape)))
    layer(X)
    assert seen == [(layer, (3, 2), (3, 4))]
    h2 = layer.register_forward_hook(lambda m, args, out: out * 0.0)
    np.testing.assert_array_equal(layer(X).data, np.zeros((3, 4)))
    h.remove()
    h2.remove()
    np.testing.assert_allclose(layer(X).data, X @ W + B)
    assert len(seen) == 2


def test_full_backward_hook_gets_grad_input_and_grad_output_and_may_replace() -> None:
    layer, X, W, B = _linear()
    rec: list[Any] = []

    def hook(m: Module, grad_input: tuple, grad_output: tuple) -> tuple:
        rec.append((m, [g.data.copy() for g in grad_input], [g.data.copy() for g in grad_output]))
        return (grad_input[0] * 2.0,)

    layer.register_full_backward_hook(hook)
    x = Tensor(X, requires_grad=True)
    y = layer(x)
    (y * y).sum().backward()
    go = 2 * (X @ W + B)  # d sum(y²) / dy
    ((m, (gi,), (go_seen,)),) = rec
    assert m is layer
    np.testing.assert_allclose(go_seen, go, rtol=1e-14)
    np.testing.assert_allclose(gi, go @ W.T, rtol=1e-14)
    np.testing.assert_allclose(x.grad, 2 * go @ W.T, rtol=1e-14)  # the replacement went on
    np.testing.assert_allclose(layer.weight.grad, X.T @ go, rtol=1e-14)  # parameters are not affected
    assert not TABLE  # the hook lives in the graph, not in the table


def test_full_backward_hook_without_an_input_that_requires_grad() -> None:
    layer, X, _, _ = _linear()
    rec: list[Any] = []
    layer.register_full_backward_hook(lambda m, gi, go: rec.append((gi, go[0].shape)))
    layer(X).sum().backward()
    assert rec == [((None,), (3, 4))]
    n = Neuron(2, activation="tanh", seed=0)
    got: list[Any] = []
    n.register_full_backward_hook(lambda m, gi, go: got.append((gi, type(go[0]), go[0].data)))
    n([Value(1.0), Value(2.0)]).backward()  # a list is no node: its gradient is not a module input's
    assert got == [((None,), Value, 1.0)]


class _Pair(Module):
    kind = "layer"

    def forward(self, a: Any, b: Any) -> Any:
        return a * b


def test_a_module_with_two_inputs() -> None:
    m = _Pair()
    a, b = Tensor([2.0], requires_grad=True), Tensor([3.0], requires_grad=True)
    rec: list[Any] = []
    h = m.register_full_backward_hook(lambda mod, gi, go: rec.append([g.tolist() for g in gi]))
    m(a, b).sum().backward()
    assert rec == [[[3.0], [2.0]]]
    h.remove()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0.0, gi[1] * 0.0))
    with pytest.raises(RuntimeError, match=r"only the gradient of input 1 can still be replaced \(input 0.s has gone"):
        m(a, b).sum().backward()


def test_no_hooks_no_detour() -> None:
    layer, X, _, _ = _linear()
    out = layer(Tensor(X, requires_grad=True))
    assert out.op is not None and out.op.name != "tap"
    assert layer._forward_hooks is None and layer._backward_hooks is None
