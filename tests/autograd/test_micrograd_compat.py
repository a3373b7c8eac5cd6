"""micrograd's material on layergrad's Value: its tests, the lecture that builds it, custom ops its way.

Everything here is written against micrograd's ``Value`` API (``data``,
``grad``, ``_prev``, ``_op``, ``_backward``, the constructor
``Value(data, _children, _op)``) and runs with only the import changed.
micrograd's numbers (its ``test/test_engine.py`` takes them from PyTorch) are
checked to 1e-12; where the ``micrograd`` package is installed, the same code
also runs on it and the two are compared.  micrograd's ``nn`` and its demo
are covered in ``tests/nn/test_micrograd.py``.
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from autograd import Tensor, Value
from autograd.backprop import backward_reference
from autograd.node import Node
from tests.micrograd_programs import more_ops, sanity_check


def close(got: float, want: float, tol: float = 1e-12) -> bool:
    return abs(got - want) <= tol * max(1.0, abs(want))


# ---------------------------------------------------------------------------
# micrograd's test/test_engine.py, written again: the same expressions, PyTorch's numbers
# ---------------------------------------------------------------------------


def test_sanity_check_gives_pytorchs_numbers() -> None:
    x, y = sanity_check(Value)
    assert y.data == -20.0 and x.grad == 46.0


def test_more_ops_give_pytorchs_numbers() -> None:
    a, b, g = more_ops(Value)
    assert close(g.data, 24.70408163265306)
    assert close(a.grad, 138.83381924198252)
    assert close(b.grad, 645.5772594752186)


# ---------------------------------------------------------------------------
# The lecture that builds micrograd step by step
# ---------------------------------------------------------------------------


def lecture_neuron(tanh: Any = None) -> dict[str, Value]:
    """The lecture's neuron: two inputs, two weights, a bias, tanh; every node labelled."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh() if tanh is None else tanh(n)
    o.label = "o"
    return {v.label: v for v in (x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o)}


# the lecture's answers: do/dn = 1 - tanh(n)**2 = 0.5, then through the sums and products
LECTURE_GRADS = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5, "n": 0.5}


def assert_lecture_grads(v: dict[str, Value]) -> None:
    assert close(v["o"].data, 0.7071067811865476)
    for name, want in LECTURE_GRADS.items():
        assert close(v[name].grad, want), (name, v[name].grad, want)


def test_the_lecture_backward_by_hand_node_by_node_then_by_topological_order_then_backward() -> None:
    v = lecture_neuron()
    # 1. the chain rule, one node at a time, as the lecture does it
    v["o"].grad = 1.0
    v["o"]._backward()
    assert close(v["n"].grad, 0.5) and v["b"].grad == 0.0  # one step: only o's parent so far
    v["n"]._backward()
    assert v["b"].grad == v["x1*w1 + x2*w2"].grad == v["n"].grad  # a sum passes its gradient through
    v["b"]._backward()  # a leaf: nothing to do
    assert v["b"].grad == v["n"].grad
    v["x1*w1 + x2*w2"]._backward()
    v["x2*w2"]._backward()
    v["x1*w1"]._backward()
    assert_lecture_grads(v)

    # 2. the lecture's own topological sort (recursive, over _prev), then _backward in reverse
    v = lecture_neuron()
    topo: list[Value] = []
    visited: set[Value] = set()

    def build_topo(node: Value) -> None:
        if node not in visited:
            visited.add(node)
            for child in node._prev:
                build_topo(child)
            topo.append(node)

    build_topo(v["o"])
    assert len(topo) == 10 and topo[-1] is v["o"]
    v["o"].grad = 1.0
    for node in reversed(topo):
        node._backward()
    assert_lecture_grads(v)

    # 3. and backward() does all of it
    v = lecture_neuron()
    v["o"].backward()
    assert_lecture_grads(v)


def test_the_lectures_tanh_built_from_exp_gives_the_same_gradients() -> None:
    def tanh_by_exp(n: Value) -> Value:
        e = (2 * n).exp()
        return (e - 1) / (e + 1)

    v = lecture_neuron(tanh_by_exp)
    v["o"].backward()
    assert_lecture_grads(v)


def test_the_lectures_gradient_accumulation_cases() -> None:
    a = Value(3.0, label="a")
    b = a + a
    b.backward()
    assert a.grad == 2.0  # the lecture's bug (grad overwritten) does not happen
    a, b = Value(-2.0), Value(3.0)
    d = a * b
    e = a + b
    f = d * e
    f.backward()
    assert (a.grad, b.grad) == (-3.0, -8.0)
    a = Value(2.0)
    assert (a + 1).data == 3.0 and (1 + a).data == 3.0 and (2 * a).data == 4.0 and (a * 2).data == 4.0
    assert (a / Value(4.0)).data == 0.5 and (a - 1).data == 1.0 and (a**2).data == 4.0 and a.exp().data == math.exp(2)


# ---------------------------------------------------------------------------
# Custom ops, micrograd's way: Value(data, (parents,), "op") and a hand-written _backward
# ---------------------------------------------------------------------------


def tanh_op(x: Value) -> Value:
    """The lecture's tanh, added as an op with its own _backward."""
    t = (math.exp(2 * x.data) - 1) / (math.exp(2 * x.data) + 1)
    out = Value(t, (x,), "tanh")

    def _backward() -> None:
        x.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def test_a_custom_op_on_plain_values_gets_the_builtin_gradients() -> None:
    x, w = Value(0.7), Value(1.3)
    y = (tanh_op(x * w + 0.5) * x + w).relu() * 3
    x2, w2 = Value(0.7), Value(1.3)
    y2 = ((x2 * w2 + 0.5).tanh() * x2 + w2).relu() * 3
    y.backward()
    y2.backward()
    assert close(y.data, y2.data, 1e-15) and close(x.grad, x2.grad, 1e-14) and close(w.grad, w2.grad, 1e-14)
    assert x.grad != 0.0
    node = y._prev[0]._prev[0]._prev[0]._prev[0]  # * 3 <- relu <- + w <- * x <- tanh
    assert node._op == "tanh" and node._prev[0]._op == "+" and not node.is_leaf


def test_custom_nodes_are_interior_nodes_repeated_backward_does_not_double_count() -> None:
    x = Value(0.3)
    h = tanh_op(x)
    y = h * h
    y.backward()
    first_x, first_h = x.grad, h.grad
    y.backward()
    assert h.grad == first_h  # interior: the last pass only (micrograd would give 2x)
    assert x.grad == 2 * first_x  # leaves accumulate, as in micrograd and PyTorch


def test_a_constructed_node_without_backward_passes_nothing_on_as_in_micrograd() -> None:
    x = Value(2.0)
    out = Value(4.0, (x,), "square")
    assert out._op == "square" and out._prev == (x,)
    (out * 3).backward()
    assert out.grad == 3.0 and x.grad == 0.0
    out._backward()  # micrograd's default: a function that does nothing
    assert x.grad == 0.0


def test_backward_attribute_on_leaves_table_nodes_and_custom_nodes() -> None:
    a, b = Value(2.0), Value(-3.0)
    a._backward()  # a leaf: nothing happens
    assert a.grad == 0.0
    y = a * b + a
    y.grad = 2.0
    y._backward()  # one step of the chain rule, into its parents
    mul = y._prev[0]
    assert a.grad == 2.0 and mul.grad == 2.0 and b.grad == 0.0
    mul._backward()
    assert a.grad == 2.0 + 2.0 * -3.0 and b.grad == 2.0 * 2.0
    fn = lambda: None  # noqa: E731
    c = Value(1.0, (a,), "f")
    c._backward = fn
    assert c._backward is fn
    with pytest.raises(TypeError, match="_backward: expected a function of no arguments, got float"):
        c._backward = 1.0  # type: ignore[assignment]


def test_overriding_a_table_nodes_backward_replaces_its_rule() -> None:
    x = Value(3.0)
    y = x * 2.0

    def _backward() -> None:  # a straight-through estimator, written micrograd's way
        x.grad += y.grad

    y._backward = _backward
    assert y._op == "*" and y._prev == (x,)
    (y * 5.0).backward()
    assert x.grad == 5.0


def test_backward_exists_on_tensor_nodes_too() -> None:
    t = Tensor([1.0, -2.0], requires_grad=True)
    y = t * t
    y.grad = np.ones(2)
    y._backward()
    np.testing.assert_array_equal(t.grad, [2.0, -4.0])


def test_backward_costs_no_slot_per_node() -> None:
    assert "_backward" not in Node.__slots__ and Value.__slots__ == ()
    assert not hasattr(Value(1.0), "__dict__")


def test_a_custom_graph_gives_the_same_gradients_in_the_tuned_and_the_reference_loop() -> None:
    def build() -> tuple[list[Value], Value]:
        xs = [Value(v) for v in (0.4, -0.9, 1.7)]
        h = tanh_op(xs[0] * xs[1]) + tanh_op(xs[2])
        return xs, tanh_op(h * h + xs[0]) * xs[2]

    xs, y = build()
    ys, z = build()
    y.backward()
    backward_reference(z)
    assert [x.grad for x in xs] == [x.grad for x in ys] and all(x.grad != 0.0 for x in xs)


# ---------------------------------------------------------------------------
# Subclasses: custom ops as methods, mixing with Value
# ---------------------------------------------------------------------------


def subclass_of(base: Any) -> Any:
    """A learner's subclass that adds ``double`` micrograd's way (works on micrograd's Value too)."""

    class V(base):  # type: ignore[misc, valid-type]
        def double(self) -> Any:
            out = V(2 * self.data, (self,), "double")

            def _backward() -> None:
                self.grad += 2 * out.grad

            out._backward = _backward
            return out

    return V


def test_a_custom_op_in_a_subclass_gets_its_gradient() -> None:
    V = subclass_of(Value)
    x = V(2.0)
    y = x.double()
    y.backward()
    assert x.grad == 2.0 and y._op == "double" and isinstance(y, V)
    x = V(0.5)
    z = ((x * 3).double() + x).tanh()  # x * 3 is a V, so it has double()
    z.backward()
    x2 = Value(0.5)
    z2 = ((x2 * 3) * 2 + x2).tanh()
    z2.backward()
    assert type(z) is V and close(z.data, z2.data, 1e-15) and close(x.grad, x2.grad, 1e-15)


def test_subclasses_mix_with_value_the_result_has_the_left_operands_class() -> None:
    V = subclass_of(Value)
    a, b = V(2.0), Value(3.0)
    ab = a * b
    assert type(ab) is V and ab.data == 6.0
    ab.backward()
    assert (a.grad, b.grad) == (3.0, 2.0)
    assert type(b * a) is Value and type(b + a) is Value and type(b - a) is Value and type(b / a) is Value
    assert type(a + b) is V and type(a - 1) is V and type(a / b) is V and type(a**2) is V and type(a**b) is V
    assert type(-a) is V and type(a.exp()) is V and type(a.relu()) is V and type(abs(a)) is V
    assert type(2 * a) is Value and type(1 - a) is Value and type(2**a) is Value  # a number on the left
    total = sum([V(1.0), V(2.0), Value(3.0)])  # sum() starts from the number 0
    assert type(total) is Value and total.data == 6.0
    assert a < b and b > a and max(a, b) is b

    class W(V):  # a subclass of the subclass keeps its own class, and its parent's methods
        pass

    w = W(1.0)
    assert type(w * a) is W and type(a * w) is V and type(w.double()) is V
    assert type(w.detach()) is W and w.detach().requires_grad is False


def test_a_subclass_that_redefines_an_op_keeps_its_own_method() -> None:
    calls = []

    class T(Value):
        def tanh(self) -> Value:
            calls.append(self)
            return tanh_op(self)

    x = T(0.2)
    y = x.tanh()
    y.backward()
    assert calls == [x] and type(y) is Value and close(x.grad, 1 - math.tanh(0.2) ** 2, 1e-15)


# ---------------------------------------------------------------------------
# The constructor
# ---------------------------------------------------------------------------


def test_the_constructor_takes_a_value_or_a_0d_array() -> None:
    a = Value(1.5)
    b = Value(a)
    assert b.data == 1.5 and type(b.data) is float and b._prev == () and b is not a
    assert Value(np.array(2.5)).data == 2.5 and Value(np.array(3)).data == 3.0
    assert Value(np.float32(0.5)).data == 0.5
    with pytest.raises(TypeError, match=r"Value: data must be one number; got a numpy array of shape \(2,\)"):
        Value(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="^Value: _children must be Values, got a float"):
        Value(1.0, (2.0,), "+")


# ---------------------------------------------------------------------------
# Against micrograd itself, when installed: the same code, both engines
# ---------------------------------------------------------------------------


@pytest.fixture
def micrograd_value() -> Any:
    return pytest.importorskip("micrograd.engine").Value


def test_test_engine_expressions_match_micrograd(micrograd_value: Any) -> None:
    (x, y), (mx, my) = sanity_check(Value), sanity_check(micrograd_value)
    assert (y.data, x.grad) == (my.data, mx.grad)
    ours, theirs = more_ops(Value), more_ops(micrograd_value)
    for o, t in zip(ours, theirs):
        assert close(o.data, t.data) and close(o.grad, t.grad)


def test_a_subclass_custom_op_matches_micrograd(micrograd_value: Any) -> None:
    results = []
    for base in (Value, micrograd_value):
        V = subclass_of(base)
        x, w = V(0.8), V(-0.4)
        y = x.double() * w + w.double().double() * x  # micrograd's results are Values: double() on V only
        y.backward()
        results.append((y.data, x.grad, w.grad))
    assert results[0] == results[1]


class Neuron:
    """A neuron written against micrograd's Value API: its weighted sum in micrograd's order (bias first)."""

    def __init__(self, value: Any, nin: int, nonlin: bool, rng: random.Random) -> None:
        self.w = [value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = value(0.0)
        self.nonlin = nonlin

    def __call__(self, x: list[Any]) -> Any:
        act = self.b
        for wi, xi in zip(self.w, x):
            act = act + wi * xi
        return act.relu() if self.nonlin else act


def test_a_demo_training_loop_matches_micrograd_step_by_step(micrograd_value: Any) -> None:
    data_rng = np.random.default_rng(0)
    X = data_rng.normal(size=(20, 2)).tolist()
    y = [1.0 if a * b > 0 else -1.0 for a, b in X]

    def train(value: Any) -> list[tuple[float, list[float], list[float]]]:
        rng = random.Random(1337)
        sizes = [2, 8, 8, 1]
        layers = [
            [Neuron(value, sizes[i], i < len(sizes) - 2, rng) for _ in range(sizes[i + 1])]
            for i in range(len(sizes) - 1)
        ]
        params = [p for layer in layers for n in layer for p in n.w + [n.b]]
        steps = []
        for k in range(4):
            scores = []
            for row in X:
                h = [value(v) for v in row]
                for layer in layers:
                    h = [n(h) for n in layer]
                scores.append(h[0])
            losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
            loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
            for p in params:
                p.grad = 0.0
            loss.backward()
            steps.append((loss.data, [p.grad for p in params], [p.data for p in params]))
            for p in params:
                p.data -= (1.0 - 0.9 * k / 100) * p.grad
        return steps

    for k, (ours, theirs) in enumerate(zip(train(Value), train(micrograd_value))):
        assert close(ours[0], theirs[0]), (k, ours[0], theirs[0])
        assert all(close(g, t) for g, t in zip(ours[1], theirs[1])), k
        assert all(close(d, t) for d, t in zip(ours[2], theirs[2])), k
