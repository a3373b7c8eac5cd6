"""Gradient hooks and retained gradients, on both engines, as PyTorch runs the same programs.

The expected values are PyTorch's for each program (worked out here by hand);
the last test runs the programs under torch where it is installed.
"""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor, Value
from autograd.hooks import TABLE
from tests.engines import Engine


def _val(t: Any) -> Any:
    return np.asarray(t.data).tolist()


def _program(T: Any, grad: Any, val: Any) -> list[Any]:
    """One program, written for both layergrad and torch (``T`` makes a leaf, ``grad`` is autograd.grad)."""
    out: list[Any] = []
    x = T([1.0, 2.0])
    calls: list[Any] = []
    h = x.register_hook(lambda g: (calls.append(("x", val(g))), g * 10)[1])
    y = x * x
    y.register_hook(lambda g: (calls.append(("y", val(g))), g + 1)[1])
    y.retain_grad()
    z = (y * 3).sum()
    z.register_hook(lambda g: calls.append(("z", val(g))))
    (gx,) = grad(z, x, retain_graph=True)
    out.append(("grad", val(gx), calls[:], x.grad, val(y.grad)))
    calls.clear()
    z.backward(retain_graph=True)
    out.append(("backward", val(x.grad), val(y.grad), calls[:]))
    h.remove()
    calls.clear()
    x.grad = None
    z.backward()
    out.append(("removed", val(x.grad), calls[:]))
    a = T(2.0)
    b = a * 3
    b.retain_grad()
    b.register_hook(lambda g: g * 100)  # registered after retain_grad: .grad still sees its result
    (b * b).backward()
    out.append(("retain then hook", val(b.grad), val(a.grad)))
    c = T(2.0)
    n: list[Any] = []
    c.register_hook(lambda g: n.append(val(g)))
    (c * c + c).backward()
    out.append(("leaf used twice", n))
    w = T([0.5, -1.0])
    w.register_hook(lambda g: g * 2)
    (gw,) = grad((w**3).sum(), w, create_graph=True)
    (hw,) = grad(gw.sum(), w)
    out.append(("hook under create_graph", val(gw), val(hw)))
    return out


EXPECTED = [
    # x's hook multiplies by 10 what reaches it: 2x * (3 + 1); y's hook adds 1 to 3; grad() leaves x.grad alone
    # but fills the retained y.grad (after y's hook)
    ("grad", [80.0, 160.0], [("z", 1.0), ("y", [3.0, 3.0]), ("x", [8.0, 16.0])], None, [4.0, 4.0]),
    # a retained gradient accumulates across passes, as a leaf's
    ("backward", [80.0, 160.0], [8.0, 8.0], [("z", 1.0), ("y", [3.0, 3.0]), ("x", [8.0, 16.0])]),
    ("removed", [8.0, 16.0], [("z", 1.0), ("y", [3.0, 3.0])]),
    ("retain then hook", 1200.0, 3600.0),
    ("leaf used twice", [5.0]),  # one call, with the sum 2c + 1
    # w's hook doubles each gradient that reaches w: 2 * 3w², then 2 * 6w * 2
    ("hook under create_graph", [1.5, 6.0], [12.0, -24.0]),
]


def test_hooks_and_retain_grad_as_pytorch() -> None:
    got = _program(lambda d: Tensor(d, requires_grad=True), ag.grad, _val)
    assert got == EXPECTED


def test_the_same_program_on_values() -> None:
    x = Value(2.0)
    calls = []
    x.register_hook(lambda g: (calls.append(g.data), g * 10)[1])
    y = x * x
    y.retain_grad()
    y.register_hook(lambda g: g + 1)
    (y * 3.0).backward(retain_graph=True)
    assert (x.grad, y.grad, calls) == (160.0, 4.0, [16.0])
    assert isinstance(calls[0], float)
    (y * 3.0).backward()  # not retained: y's entry goes with this pass (PyTorch frees the graph)
    assert (x.grad, y.grad) == (320.0, 8.0)
    assert not y.retains_grad and y not in TABLE


def test_hooks_see_nodes_and_may_return_numbers(engine: Engine) -> None:
    x = engine.leaf(3.0) if engine.name == "scalar" else Tensor([3.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: (seen.append(type(g)), 2.0 if engine.name == "scalar" else np.array([2.0]))[1])
    (x * x).sum().backward() if engine.name == "tensor" else (x * x).backward()
    assert seen == [engine.node]
    assert float(np.asarray(x.grad).ravel()[0]) == 2.0


def test_hook_errors() -> None:
    with pytest.raises(RuntimeError, match="register_hook: cannot register a hook on a node that does not require"):
        Tensor([1.0]).register_hook(lambda g: g)
    with pytest.raises(TypeError, match="register_hook: expected a function of the gradient, got int"):
        Value(1.0).register_hook(3)
    with pytest.raises(RuntimeError, match="retain_grad: cannot retain the gradient of a node that does not require"):
        Value(1.0, requires_grad=False).retain_grad()
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match=r"has changed the shape of the gradient: \(2,\) expected, got \(\)"):
        (x * 2.0).sum().backward()
    h.remove()


def test_the_table_stays_empty_and_does_not_keep_graphs() -> None:
    assert not TABLE  # conftest clears it after each test
    x = Tensor([1.0], requires_grad=True)
    for _ in range(3):
        y = x * 2.0
        y.register_hook(lambda g: g)
        y.retain_grad()
        y.sum().backward()
    assert not TABLE  # interior entries go with the pass that did not retain the graph
    with x.register_hook(lambda g: g):  # a handle is a context manager too
        assert x in TABLE
    assert not TABLE
    gc.collect()


def test_retain_grad_on_a_leaf_is_a_no_op() -> None:
    x = Value(1.0)
    x.retain_grad()
    assert not TABLE and not x.retains_grad


def test_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    T = lambda d: torch.tensor(d, dtype=torch.float64, requires_grad=True)
    assert _program(T, torch.autograd.grad, lambda t: t.detach().tolist()) == EXPECTED
