"""The graph core: depth, repeated backward, seeds, grad mode, detach, stages,
anomaly detection, reference cycles and topological order."""

from __future__ import annotations

import asyncio
import gc
import math
import sys
import threading
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
from autograd import (
    AnomalyError,
    Tensor,
    Value,
    current_stage,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    register_stage,
    stage,
    stage_kind,
    stage_label,
    toposort,
)
from autograd.backprop import _interior, backward_reference
from tests.engines import Engine

# ---------------------------------------------------------------------------
# Depth
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_backward_through_a_million_node_chain_at_the_default_recursion_limit() -> None:
    assert sys.getrecursionlimit() <= 1000 + 100  # Python's default (pytest adds nothing)
    n = 1_000_000
    c = 1.000001
    x0 = Value(0.5)
    x = x0
    for _ in range(n):
        x = x * c
    x.backward()
    # d/dx0 (x0 * c**n) = c**n, rounded n times along the chain
    assert x0.grad == pytest.approx(c**n, rel=1e-9)
    assert x.data == pytest.approx(0.5 * c**n, rel=1e-9)
    del x  # freeing the chain must not recurse either
    assert x0.grad > 2.718


def test_tensor_chain_deeper_than_the_recursion_limit() -> None:
    n = 5 * sys.getrecursionlimit()
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = w
    for _ in range(n):
        x = x + 1.0
    x.sum().backward()
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])
    np.testing.assert_array_equal(x.data, [1.0 + n, 2.0 + n])
    assert len(toposort(x)) == n + 1


# ---------------------------------------------------------------------------
# Repeated backward
# ---------------------------------------------------------------------------


def test_repeated_backward_leaves_accumulate_interior_nodes_show_the_last_pass() -> None:
    x = Value(3.0)
    y = x * x
    z = y + x  # dz/dx = 2x + 1 = 7
    z.backward()
    assert (x.grad, y.grad, z.grad) == (7.0, 1.0, 1.0)
    z.backward()
    # micrograd would give y.grad == 2 and x.grad == 7 + 2*3*2 + 1 == 20
    assert x.grad == 14.0
    assert y.grad == 1.0
    assert z.grad == 1.0
    x.zero_grad()
    assert x.grad == 0.0
    z.backward()
    assert x.grad == 7.0


def test_repeated_backward_on_tensors_needs_retain_graph() -> None:
    w = Tensor([1.0, -2.0], requires_grad=True)
    h = w * 3.0
    out = (h * h).sum()
    out.backward(retain_graph=True)
    out.backward()
    np.testing.assert_array_equal(w.grad, 2 * 18.0 * w.data)
    np.testing.assert_array_equal(h.grad, 2 * h.data)
    # the second pass did not retain it: the tensor engine freed the graph, as PyTorch does
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time \(op 'sum'\).*retain_graph=True"):
        out.backward()
    with pytest.raises(RuntimeError, match="a second time"):
        (h * 2.0).sum().backward()  # a new graph on top of a freed one: the freed part raises
    assert out.op.name == "sum" and out.op.text(out._meta, 1) == "sum"  # a freed node still draws as before
    # the scalar engine never frees a graph (micrograd's programs call backward again)
    x = Value(2.0)
    y = x * x
    y.backward()
    y.backward()
    assert x.grad == 8.0


def test_backward_from_an_interior_node_then_the_root() -> None:
    x = Value(2.0)
    y = x * 3.0
    z = y * y
    y.backward()
    assert x.grad == 3.0
    z.backward()  # dz/dx = 2*y*3 = 36
    assert x.grad == 3.0 + 36.0
    assert y.grad == 12.0


def test_backward_on_a_leaf() -> None:
    x = Value(2.0)
    x.backward()
    assert x.grad == 1.0
    t = Tensor([1.0, 2.0], requires_grad=True)
    t.backward(gradient=[3.0, 4.0])
    np.testing.assert_array_equal(t.grad, [3.0, 4.0])


# ---------------------------------------------------------------------------
# Seeds
# ---------------------------------------------------------------------------


def test_backward_with_gradient_for_a_non_scalar_root() -> None:
    w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = w * w
    g = np.array([[1.0, 0.5], [-1.0, 2.0]])
    y.backward(gradient=g)
    np.testing.assert_array_equal(w.grad, 2 * w.data * g)
    w2 = Tensor([1.0, 2.0], requires_grad=True)
    (w2 * 2.0).backward(gradient=Tensor([1.0, -1.0]))
    np.testing.assert_array_equal(w2.grad, [2.0, -2.0])


def test_scalar_roots_take_a_gradient_too() -> None:
    x = Value(2.0)
    (x * x).backward(gradient=0.5)
    assert x.grad == 2.0
    t = Tensor([[2.0]], requires_grad=True)
    (t * t).backward()  # one element: seeded with 1 whatever its shape
    np.testing.assert_array_equal(t.grad, [[4.0]])


def test_non_scalar_root_without_gradient_is_a_clear_error() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"backward: the output has shape \(2,\).*gradient="):
        (w * 2.0).backward()
    assert w.grad is None


def test_gradient_of_the_wrong_shape_is_a_clear_error() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"backward: gradient has shape \(3,\) but the output has shape \(2,\)"):
        (w * 2.0).backward(gradient=np.ones(3))
    assert w.grad is None


# ---------------------------------------------------------------------------
# Grad mode
# ---------------------------------------------------------------------------


def test_no_grad_records_nothing() -> None:
    a = Value(2.0)
    w = Tensor([1.0], requires_grad=True)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        b = a * 3 + 1
        u = (w * 2.0).sum()
    assert is_grad_enabled()
    for node in (b, u):
        assert node._prev == () and node.op is None and not node.requires_grad and node.is_leaf
    assert b.data == 7.0 and u.item() == 2.0
    b.backward()
    assert a.grad == 0.0  # nothing links b to a


def test_no_grad_and_enable_grad_nest() -> None:
    a = Value(1.0)
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            b = a + 1
            with no_grad():
                c = a + 1
            d = a + 1
        e = a + 1
    assert b._prev == (a,) and d._prev == (a,)
    assert c._prev == () and e._prev == ()


def test_grad_mode_decorators() -> None:
    @no_grad()
    def evaluate(v: Value) -> Value:
        """Docstring kept."""
        return v * 2

    @enable_grad()
    def train(v: Value) -> Value:
        return v * 2

    a = Value(1.0)
    out = evaluate(a)
    assert out._prev == () and not out.requires_grad
    assert evaluate.__name__ == "evaluate" and evaluate.__doc__ == "Docstring kept."
    with no_grad():
        inner = train(a)
        after = a * 2
    assert inner._prev == (a,)
    assert after._prev == ()
    assert is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception() -> None:
    with pytest.raises(KeyError):
        with no_grad():
            raise KeyError("inside no_grad")
    assert is_grad_enabled()


# ---------------------------------------------------------------------------
# detach, requires_grad_, zero_grad
# ---------------------------------------------------------------------------


def test_detach_stops_the_gradient() -> None:
    x = Value(3.0)
    y = x.detach() * x
    y.backward()
    assert x.grad == 3.0  # only through the second factor
    d = x.detach()
    assert d.data == 3.0 and d.is_leaf and not d.requires_grad and d is not x

    t = Tensor([1.0, 2.0], requires_grad=True)
    td = t.detach()
    assert td.data is t.data and not td.requires_grad and td.is_leaf
    (td * t).sum().backward()
    np.testing.assert_array_equal(t.grad, [1.0, 2.0])


def test_requires_grad_() -> None:
    t = Tensor([1.0, 2.0])
    assert not t.requires_grad
    assert t.requires_grad_() is t and t.requires_grad
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad, [2.0, 4.0])
    v = Value(1.0).requires_grad_(False)
    assert not v.requires_grad
    out = v * 2
    assert out._prev == () and not out.requires_grad
    with pytest.raises(RuntimeError, match="requires_grad_: only leaves can change requires_grad.*'mul'"):
        (t * 2.0).requires_grad_(False)
    with pytest.raises(RuntimeError, match="requires_grad_: only leaves.*'add'"):
        (Value(1.0) + 1).requires_grad_()


def test_a_value_that_does_not_require_grad_gets_no_gradient() -> None:
    a = Value(2.0, requires_grad=False)
    b = Value(3.0)
    (a * b).backward()
    assert a.grad == 0.0 and b.grad == 2.0


def test_zero_grad() -> None:
    v = Value(2.0)
    (v * v).backward()
    assert v.grad == 4.0
    v.zero_grad()
    assert v.grad == 0.0
    t = Tensor([1.0], requires_grad=True)
    (t * t).sum().backward()
    t.zero_grad()
    assert t.grad is None


# ---------------------------------------------------------------------------
# Stages
# ---------------------------------------------------------------------------


def test_stage_paths_nest_and_are_empty_outside() -> None:
    outside = Value(1.0) * 2
    assert outside.stage == () and current_stage() == ()
    with stage("model", label="MLP(2→1)", kind="model") as path:
        assert path == ("model",)
        w = Value(0.5)
        with stage("layer 1", kind="layer"):
            h = (w * 3).relu()
            t = Tensor([1.0]) + 1.0
            with stage("activation"):
                a = h.tanh()
                assert current_stage() == ("model", "layer 1", "activation")
        y = a + 1
    assert w.stage == ("model",)
    assert h.stage == ("model", "layer 1") and t.stage == ("model", "layer 1")
    assert a.stage == ("model", "layer 1", "activation")
    assert y.stage == ("model",)
    assert current_stage() == () and (Value(1.0) + 1).stage == ()
    assert isinstance(a.stage, tuple) and all(isinstance(s, str) for s in a.stage)


def test_stage_labels_and_kinds_live_in_the_registry() -> None:
    with stage("test-net", label="a test network", kind="model"):
        with stage("layer 7", label="layer 7: Linear(2→3) + ReLU", kind="layer"):
            v = Value(1.0) * 2
    assert stage_label(("test-net",)) == "a test network"
    assert stage_kind(("test-net",)) == "model"
    assert stage_label(v.stage) == "layer 7: Linear(2→3) + ReLU"
    assert stage_kind(["test-net", "layer 7"]) == "layer"
    assert stage_label(("nowhere", "at all")) is None and stage_kind(("nowhere",)) is None
    register_stage(("test-net", "param"), label="weights", kind="neuron")
    assert stage_label(("test-net", "param")) == "weights" and stage_kind(("test-net", "param")) == "neuron"
    # nodes stay plain: the label is not stored on them
    assert not hasattr(v, "__dict__")


def test_stage_argument_errors() -> None:
    with pytest.raises(TypeError, match="stage: name must be a non-empty str, got ''"):
        stage("")
    with pytest.raises(TypeError, match="stage: name must be a non-empty str, got 3"):
        stage(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stage: kind must be one of .* got 'bogus'"):
        stage("x", kind="bogus")
    with pytest.raises(ValueError, match="register_stage: kind must be one of .* got 'bogus'"):
        register_stage(("x",), kind="bogus")


def test_stage_is_restored_after_an_exception_and_reusable() -> None:
    s = stage("again")
    with pytest.raises(KeyError):
        with stage("outer"), s:
            raise KeyError("x")
    assert current_stage() == ()
    with s:
        with s:
            assert current_stage() == ("again", "again")
        assert current_stage() == ("again",)
    assert current_stage() == ()


def test_threads_each_see_their_own_stage_path_and_grad_mode() -> None:
    n = 4
    barrier = threading.Barrier(n, timeout=30)  # a guard against a deadlock, not a time bound
    results: dict[int, Any] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            with stage(f"thread {i}"):
                barrier.wait()  # every thread is inside its own block now
                with stage("inner"):
                    barrier.wait()
                    if i % 2:
                        with no_grad():
                            barrier.wait()
                            v = Value(float(i)) * 2
                            recorded = v._prev != ()
                    else:
                        barrier.wait()
                        v = Value(float(i)) * 2
                        recorded = v._prev != ()
                    t = Tensor([float(i)]) + 1.0
                    barrier.wait()
                    results[i] = [current_stage(), v.stage, t.stage, recorded]
            results[i].append(current_stage())
        except BaseException as e:  # re-raised in the main thread
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    for i in range(n):
        path = (f"thread {i}", "inner")
        assert results[i] == [path, path, path, i % 2 == 0, ()]
    assert current_stage() == ()


def test_asyncio_tasks_each_see_their_own_stage_path() -> None:
    async def task(i: int) -> tuple:
        with stage(f"task {i}"):
            await asyncio.sleep(0)  # the other tasks run inside their own blocks meanwhile
            v = Value(1.0) + i
            await asyncio.sleep(0)
            with stage("inner"):
                await asyncio.sleep(0)
                w = v * 2
            return current_stage(), v.stage, w.stage

    async def main() -> list:
        return await asyncio.gather(*(task(i) for i in range(5)))

    for i, (now, v_stage, w_stage) in enumerate(asyncio.run(main())):
        assert now == (f"task {i}",)
        assert v_stage == (f"task {i}",)
        assert w_stage == (f"task {i}", "inner")
    assert current_stage() == ()


# ---------------------------------------------------------------------------
# detect_anomaly
# ---------------------------------------------------------------------------


def test_anomaly_in_forward_names_op_stage_and_inputs() -> None:
    with pytest.raises(AnomalyError, match=r"forward of 'log' at stage \(\) produced nan; inputs: \[-1\.0\]"):
        with detect_anomaly():
            Value(-1.0).log()
    with stage("net"), stage("layer 1"):
        with pytest.raises(
            AnomalyError, match=r"forward of 'log' at stage \('net', 'layer 1'\) produced inf; inputs: \[\[0\.\]\]"
        ):
            with detect_anomaly():
                Tensor([0.0]).log()  # -inf, and the input does not require grad
        with pytest.raises(AnomalyError, match=r"forward of 'div' at stage \('net', 'layer 1'\) produced inf"):
            with detect_anomaly():
                Tensor([1.0, 2.0], requires_grad=True) / Tensor([1.0, 0.0])
    with pytest.raises(AnomalyError, match=r"forward of 'exp' .* produced inf; inputs: \[1000\.0\]"):
        with detect_anomaly(), no_grad():
            Value(1000.0).exp()
    assert issubclass(AnomalyError, FloatingPointError)


def test_anomaly_in_backward() -> None:
    x = Value(0.0)
    y = x.sqrt()  # forward is fine: 0.0
    assert y.data == 0.0
    with pytest.raises(AnomalyError, match=r"backward of 'sqrt' at stage \(\) produced inf; inputs: \[0\.0\]"):
        with detect_anomaly():
            y.backward()
    with stage("loss"):
        t = Tensor([0.0, 4.0], requires_grad=True)
        s = t.sqrt().sum()
    with pytest.raises(
        AnomalyError, match=r"backward of 'sqrt' at stage \('loss',\) produced inf; inputs: \[\[0\. 4\.\]\]"
    ):
        with detect_anomaly():
            s.backward()


def test_without_detect_anomaly_nan_and_inf_pass_silently() -> None:
    assert math.isnan(Value(-1.0).log().data)
    x = Value(0.0)
    x.sqrt().backward()
    assert x.grad == math.inf
    with np.errstate(all="ignore"):
        assert Tensor([0.0]).log().data[0] == -math.inf


# ---------------------------------------------------------------------------
# No reference cycles
# ---------------------------------------------------------------------------


def _count(cls: type) -> int:
    return sum(1 for o in gc.get_objects() if type(o) is cls)


def test_no_reference_cycles_nodes_are_freed_by_reference_counting(engine: Engine) -> None:
    cls = engine.node
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        before = _count(cls)
        if engine.name == "scalar":
            ws: list = [Value(0.1 * i) for i in range(20)]
            mid: list = [ag.dot(ws[:10], ws[10:]).tanh(), (ws[0] * ws[1] + 2) ** 2, ws[2].relu() - ws[3] / 4]
            root = sum(mid[1:], mid[0]).sigmoid()
        else:
            ws = [Tensor(np.full((3,), 0.1 * i), requires_grad=True) for i in range(6)]
            mid = [ag.stack(ws[:3]) @ ws[3] + ws[4][[0, 0, 1]]]
            root = (ag.concatenate([mid[0], ws[5]]).softmax() * 2.0).sum()
        root.backward()
        assert _count(cls) >= before + len(ws) + 5
        del root, mid, ws
        assert _count(cls) == before, "nodes survived their last reference: a reference cycle"
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


# ---------------------------------------------------------------------------
# toposort and backward on random DAGs
# ---------------------------------------------------------------------------


@st.composite
def dags(draw: Any) -> tuple[int, list[tuple[str, tuple[int, ...]]]]:
    """A random DAG: leaves 0..n-1, then nodes that combine earlier nodes (shared freely)."""
    n_leaves = draw(st.integers(1, 4))
    nodes = []
    for k in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(["+", "*", "tanh", "dot", "-"]))
        arity = {"+": 2, "*": 2, "-": 2, "tanh": 1, "dot": 4}[kind]
        nodes.append((kind, tuple(draw(st.integers(0, n_leaves + k - 1)) for _ in range(arity))))
    return n_leaves, nodes


def _build(dag: tuple, leaves: list[Value]) -> list[Value]:
    regs = list(leaves)
    for kind, args in dag[1]:
        xs = [regs[i] for i in args]
        if kind == "+":
            regs.append(xs[0] + xs[1])
        elif kind == "*":
            regs.append(xs[0] * xs[1] * 0.5)
        elif kind == "-":
            regs.append(xs[0] - xs[1])
        elif kind == "tanh":
            regs.append(xs[0].tanh())
        else:
            regs.append(ag.dot(xs[:2], xs[2:]) * 0.25)
    return regs


@settings(max_examples=40)
@given(dag=dags(), xs=st.lists(st.floats(-1.5, 1.5), min_size=4, max_size=4))
def test_toposort_puts_every_parent_before_its_child(dag: Any, xs: list[float]) -> None:
    leaves = [Value(x) for x in xs[: dag[0]]]
    regs = _build(dag, leaves)
    root = regs[-1]
    order = toposort(root)
    # exactly the nodes reachable from the root, each once
    reachable: set = set()
    stack = [root]
    while stack:
        n = stack.pop()
        if n not in reachable:
            reachable.add(n)
            stack.extend(n._prev)
    assert len(order) == len(set(order)) == len(reachable)
    assert set(order) == reachable
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for p in node._prev:
            assert position[p] < position[node], f"{p!r} comes after its child {node!r}"
    assert order[-1] is root
    # backward's walk visits the same interior nodes in the same order, without the leaves
    assert _interior(root) == [n for n in order if n.op is not None]


@settings(max_examples=40)
@given(dag=dags(), xs=st.lists(st.floats(-1.5, 1.5), min_size=4, max_size=4))
def test_backward_through_shared_subexpressions_matches_central_differences(dag: Any, xs: list[float]) -> None:
    n = dag[0]
    leaves = [Value(x) for x in xs[:n]]
    root = _build(dag, leaves)[-1]
    root.backward()
    h = 1e-6
    for i in range(n):
        plus = [Value(x + h if j == i else x) for j, x in enumerate(xs[:n])]
        minus = [Value(x - h if j == i else x) for j, x in enumerate(xs[:n])]
        numeric = (_build(dag, plus)[-1].data - _build(dag, minus)[-1].data) / (2 * h)
        assert abs(leaves[i].grad - numeric) <= 1e-6 + 1e-5 * abs(numeric), (
            f"leaf {i}: backward gives {leaves[i].grad!r}, central differences {numeric!r}; dag {dag}, inputs {xs[:n]}"
        )


# ---------------------------------------------------------------------------
# The tuned backward loop against the plain reference loop beside it
# ---------------------------------------------------------------------------


def _probe(x: Any, seen: list, fail: bool) -> Any:
    """x * 2 as a custom node whose _backward notes whether the garbage collector runs (and raises if ``fail``)."""
    out = _custom_mul(x, x.__class__(2.0) if isinstance(x, Value) else Tensor(np.full(x.shape, 2.0)))
    inner = out._backward

    def _backward() -> None:
        seen.append(gc.isenabled())
        if fail:
            raise ZeroDivisionError("the probe failed")  # a user's rule: passed on as is
        inner()

    out._backward = _backward
    return out


@pytest.mark.parametrize("enabled", [True, False], ids=["gc on", "gc off"])
@pytest.mark.parametrize("fail", [False, True], ids=["passes", "raises"])
@pytest.mark.parametrize("how", ["loop", "hooks"])
def test_backward_pauses_the_garbage_collector_and_puts_it_back_as_it_was(engine: Engine, enabled, fail, how):
    seen: list = []
    x = engine.leaf(1.5) if engine.name == "scalar" else engine.leaf([1.5, -0.5])
    out = _probe(x, seen, fail)
    root = out if engine.name == "scalar" else out.sum()
    if how == "hooks":  # the general loop (autograd.propagate)
        x.register_hook(lambda g: seen.append(gc.isenabled()))
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        if fail:
            with pytest.raises(ZeroDivisionError, match="the probe failed"):
                root.backward()
        else:
            root.backward()
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert seen and not any(seen)
    if not fail:
        assert engine.grads(x) == pytest.approx(2.0 if engine.name == "scalar" else [2.0, 2.0])


def test_a_training_steps_one_go_pass_runs_with_the_garbage_collector_paused(monkeypatch):
    import autograd.backprop as backprop
    import nn

    seen: list = []
    one_go = backprop.loss_over_chain

    def watched(*args: Any) -> bool:
        seen.append(gc.isenabled())
        return one_go(*args)

    monkeypatch.setattr(backprop, "loss_over_chain", watched)
    net = nn.MLP(2, [3, 1], seed=0)
    X, y = np.ones((4, 2)), np.zeros((4, 1))
    for _ in range(3):  # the chain's plan is made on the first calls
        net.zero_grad()
        nn.mse_loss(net(X), y).backward()
    assert gc.isenabled() and seen and not any(seen)
    assert net.layers[0].weight.grad is not None


def _accumulate(parent: Any, g: Any) -> None:
    parent._accumulate(g)  # Value: grad += g; Tensor: the same, summed back to the parent's shape


def _custom_square(x: Any) -> Any:
    """x * x added micrograd's way: a node whose _backward is assigned by hand."""
    out = Value(x.data * x.data, (x,), "square") if isinstance(x, Value) else x * x

    def _backward() -> None:
        _accumulate(x, 2 * x.data * out.grad)

    out._backward = _backward
    return out


def _custom_mul(x: Any, y: Any) -> Any:
    """x * y added micrograd's way, with two parents (maybe the same node twice)."""
    out = Value(x.data * y.data, (x, y), "*") if isinstance(x, Value) else x * y

    def _backward() -> None:
        _accumulate(x, y.data * out.grad)
        _accumulate(y, x.data * out.grad)

    out._backward = _backward
    return out


_REF_OPS = {
    "custom square": (1, lambda x: _custom_square(x[0])),
    "custom mul": (2, lambda x: _custom_mul(x[0], x[1])),
    "+": (2, lambda x: x[0] + x[1]),
    "*": (2, lambda x: x[0] * x[1] * 0.5),
    "-": (2, lambda x: x[0] - x[1]),
    "/": (2, lambda x: x[0] / (x[1] * x[1] + 1.0)),
    "c-x": (1, lambda x: 2.0 - x[0]),
    "tanh": (1, lambda x: x[0].tanh()),
    "relu": (1, lambda x: x[0].relu()),
    "sigmoid": (1, lambda x: x[0].sigmoid()),
    "max": (2, lambda x: ag.maximum(x[0], x[1])),
    "pow": (1, lambda x: (x[0] * x[0] + 0.5) ** 1.5),
}


@st.composite
def ref_dags(draw: Any) -> tuple[int, list[tuple[str, tuple[int, ...]]]]:
    """A random DAG over ops both engines have: leaves 0..n-1, then nodes combining earlier ones."""
    n_leaves = draw(st.integers(1, 4))
    nodes = []
    for k in range(draw(st.integers(1, 30))):
        kind = draw(st.sampled_from(sorted(_REF_OPS)))
        nodes.append((kind, tuple(draw(st.integers(0, n_leaves + k - 1)) for _ in range(_REF_OPS[kind][0]))))
    return n_leaves, nodes


def _build_ref(dag: tuple, leaves: list[Any]) -> list[Any]:
    regs = list(leaves)
    for kind, args in dag[1]:
        regs.append(_REF_OPS[kind][1]([regs[i] for i in args]))
    return regs


@settings(max_examples=60)
@given(dag=ref_dags(), xs=st.lists(st.floats(-1.5, 1.5), min_size=12, max_size=12), twice=st.booleans())
def test_tuned_backward_equals_the_reference_loop(engine: Engine, dag: Any, xs: list[float], twice: bool) -> None:
    n = dag[0]

    def leaves() -> list[Any]:
        if engine.name == "scalar":
            return [Value(x) for x in xs[:n]]
        return [Tensor(np.array(xs[3 * i : 3 * i + 3]), requires_grad=True) for i in range(n)]

    tuned_leaves, ref_leaves = leaves(), leaves()
    tuned, ref = _build_ref(dag, tuned_leaves), _build_ref(dag, ref_leaves)
    seed = 1.0 if engine.name == "scalar" else np.linspace(-1.0, 1.0, 3)
    if engine.name == "tensor" and tuned[-1].shape != (3,):
        return
    for _ in range(2 if twice else 1):  # leaves accumulate across passes in both loops
        ag.backward(tuned[-1], seed, retain_graph=True)
        backward_reference(ref[-1], seed)
    for k, (a, b) in enumerate(zip(tuned, ref)):
        ga, gb = a.grad, b.grad
        if engine.name == "tensor" and (ga is None or gb is None):
            assert ga is None and gb is None, f"node {k}: one loop left grad None; dag {dag}"
            continue
        assert np.array_equal(np.asarray(ga), np.asarray(gb), equal_nan=True), (
            f"node {k}: tuned loop gives {ga!r}, reference loop {gb!r}; dag {dag}, inputs {xs}"
        )
