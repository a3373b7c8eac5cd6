"""Random training programs give the same numbers, graphs and errors on the fast paths as without them.

The W2 step (``nn.MLP``, ``nn.mse_loss``, ``nn.optim.SGD``) runs through fast
paths: fused layer and loss nodes, ``Linear``'s cached plan, ``MLP.__call__``
without ``Module.__call__``.  Each program here is a random sequence of what
happens to a model while it trains (steps, freezing and unfreezing, a swapped
activation, new weights, a graph read before backward, hooks, a dtype cast, a
pickle round trip, a graph released after backward, a state dict loaded, a
flag changed between forward and backward, ...), run
three ways: as is, under ``fusion(False)`` and through ``nn.Module.__call__``.
Every loss, parameter, gradient, graph node and error must be the same.
"""

from __future__ import annotations

import contextlib
import pickle
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from autograd import Tensor
from autograd.fused import fusion
from tests.nn.helpers import graph_record, same

ACTIVATIONS = ["relu", "tanh", "sigmoid", "leaky_relu", "identity"]
# what may happen between a forward pass and its backward pass
MIDDLE = ["freeze W", "unfreeze W", "freeze b", "unfreeze b", "read", "retain_grad", "hook", "x needs no grad"]
MIDDLE += ["x changed", "W changed", "W data", "W data of another shape"]
EVENTS = [
    "step", "step", "momentum", "zero_grad(False)", "create_graph", "freeze", "unfreeze", "freeze W", "activation",
    "set_weights", "read", "retain_grad", "forward hook", "float32", "float64", "no_grad", "x needs grad", "strided",
    "rename", "one row", "batch", "pickle", "Module.__call__", "between", "between",
    "tie biases", "W data", "in a stage", "backward twice", "released", "load_state_dict", "eval",
]  # fmt: skip


class Run:
    """One program's model, optimiser and data, and everything it observed."""

    def __init__(self, call: Any) -> None:
        self.call = call
        self.model = nn.MLP(3, [4, 4, 2], activation="tanh", seed=0)
        self.opt = nn.optim.SGD(self.model.parameters(), lr=0.05)
        self.rng = np.random.default_rng(0)
        self.X, self.Y = self.rng.normal(size=(6, 3)), self.rng.normal(size=(6, 2))
        self.x_grad = False
        self.seen: list[Any] = []

    def x(self) -> Any:
        X = self.X.astype(self.model.layers[0].weight.dtype)  # type: ignore[union-attr]
        return Tensor(X, requires_grad=True) if self.x_grad else X

    def grads(self) -> list[Any]:
        grads = [getattr(p.grad, "data", p.grad) for p in self.model.parameters()]  # a create_graph grad: its numbers
        return [None if g is None else np.asarray(g) for g in grads]

    def event(self, what: str, k: int) -> None:
        m, call = self.model, self.call
        layer = m.layers[k % len(m.layers)]
        if what in ("step", "momentum", "zero_grad(False)"):
            if what == "momentum":
                self.opt = nn.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)
            self.opt.zero_grad(set_to_none=what != "zero_grad(False)")
            loss = nn.mse_loss(call(m, self.x()), self.Y)
            loss.backward()
            self.opt.step()
            self.seen.append(float(loss.data))
        elif what == "create_graph":
            self.opt.zero_grad()
            nn.mse_loss(call(m, self.x()), self.Y).backward(create_graph=True)
            g = layer.weight.grad
            if g is not None:
                (g * g).sum().backward()
        elif what in ("freeze", "unfreeze"):
            layer.requires_grad_(what == "unfreeze")
        elif what == "freeze W":
            layer.weight.requires_grad_(False)
        elif what == "activation":
            layer.activation = nn.activations.get_activation(ACTIVATIONS[k % len(ACTIVATIONS)])
        elif what == "set_weights":
            layer.set_weights(*[w * 0.9 for w in layer.get_weights()])
        elif what in ("read", "retain_grad"):
            y = call(m, self.x())
            if what == "retain_grad":
                y.retain_grad()
            loss = (y * y).sum()
            before = graph_record(loss) if what == "read" else None
            loss.backward()
            self.seen += [before, graph_record(loss), None if y.grad is None else np.asarray(y.grad)]
        elif what == "forward hook":
            handle = layer.register_forward_hook(lambda mod, args, out: out * 1.5)
            loss = call(m, self.x()).sum()
            handle.remove()
            loss.backward()
            self.seen.append(graph_record(loss))
        elif what in ("float32", "float64"):
            m.to(np.dtype(what))
        elif what == "no_grad":
            with autograd.no_grad(), autograd.stage("eval", label=f"eval {k}"):
                y = call(m, self.x())
            self.seen += [y.data, tuple(y.stage), y.stage.labels, y.requires_grad]
        elif what == "x needs grad":
            self.x_grad = not self.x_grad
        elif what == "strided":
            wide = np.zeros((len(self.X), 6))
            wide[:, ::2] = self.X
            loss = call(m, wide[:, ::2]).sum()
            loss.backward()
            self.seen.append(graph_record(loss))
        elif what == "rename":
            layer.set_name(f"layer {k}")
        elif what == "one row":
            y = call(m, self.X[0])
            self.seen += [y.data, tuple(y.stage)]
        elif what == "batch":
            n = 1 + k % 3
            self.X, self.Y = self.rng.normal(size=(n, 3)), self.rng.normal(size=(n, 2))
        elif what == "pickle":
            self.model = pickle.loads(pickle.dumps(m))
            self.opt = nn.optim.SGD(self.model.parameters(), lr=0.05)
        elif what == "Module.__call__":
            loss = nn.Module.__call__(m, self.x()).sum()
            loss.backward()
            self.seen.append(graph_record(loss))
        elif what == "tie biases":  # two layers share one bias: its gradients add up in the layers' order
            m.layers[1].bias = m.layers[0].bias
        elif what == "W data":  # a new array of the same shape and dtype
            layer.weight.data = layer.weight.data * 1.0
        elif what == "in a stage":
            with autograd.stage(f"stage {k % 2}"):
                loss = nn.mse_loss(call(m, self.x()), self.Y)
                loss.backward()
            self.seen.append(graph_record(loss))
        elif what == "released":  # a graph that lets go of its interior data after backward (as a big one does)
            with _released_graphs():
                loss = nn.mse_loss(call(m, self.x()), self.Y)
                loss.backward()
            self.seen.append(graph_record(loss))
        elif what == "load_state_dict":  # new arrays from a state dict
            m.load_state_dict({k: np.asarray(getattr(v, "data", v)) * 0.75 for k, v in m.state_dict().items()})
        elif what == "eval":
            m.train(not m.training)
        elif what == "backward twice":
            loss = nn.mse_loss(call(m, self.x()), self.Y)
            loss.backward()
            loss.backward()  # raises: the graph was freed
        else:  # "between": a change between the forward pass and backward
            x = self.x()
            y = call(m, x)
            loss = nn.mse_loss(y, self.Y)
            middle = MIDDLE[k % len(MIDDLE)]
            if middle.startswith(("freeze", "unfreeze")):
                getattr(layer, "weight" if middle.endswith("W") else "bias").requires_grad_(middle[0] == "u")
            elif middle == "read":
                self.seen.append(graph_record(loss))
            elif middle == "retain_grad":
                y.retain_grad()
            elif middle == "hook":
                y.register_hook(lambda g: g * 2.0)
            elif middle == "x changed":
                if isinstance(x, Tensor):
                    with autograd.no_grad():
                        x += 1.0
            elif middle == "W changed":  # an optimiser step between the forward pass and backward
                with autograd.no_grad():
                    layer.weight -= 0.125
            elif middle.startswith("W data"):
                shape = layer.weight.shape if middle == "W data" else (7,) + layer.weight.shape[1:]
                layer.weight.data = np.full(shape, 0.5, dtype=layer.weight.dtype)
            elif isinstance(x, Tensor):
                x.requires_grad_(False)
            loss.backward()
            self.seen += [graph_record(loss), None if not isinstance(x, Tensor) or x.grad is None else x.grad]


@contextlib.contextmanager
def _released_graphs() -> Any:
    """Every graph counts as big (no interior gradients; data of 8 elements or more let go after backward)."""
    limit, least = autograd.backprop.INTERIOR_GRADS_UP_TO, autograd.released.RELEASE_FROM
    autograd.backprop.INTERIOR_GRADS_UP_TO, autograd.released.RELEASE_FROM = 0, 8
    try:
        yield
    finally:
        autograd.backprop.INTERIOR_GRADS_UP_TO, autograd.released.RELEASE_FROM = limit, least


def _run(program: list[tuple[str, int]], how: str) -> list[Any]:
    """Everything ``program`` observed, run ``how`` ("fast", "fusion(False)" or "Module.__call__")."""
    call = (lambda m, x: nn.Module.__call__(m, x)) if how == "Module.__call__" else (lambda m, x: m(x))
    run = Run(call)
    with fusion(False) if how == "fusion(False)" else contextlib.nullcontext():
        for what, k in program:
            try:
                run.event(what, k)
            except Exception as e:  # an error is an observation too: the same error, the same text
                run.seen.append((what, type(e).__name__, str(e)))
            run.seen += [run.grads(), [p.data.copy() for p in run.model.parameters()]]
    return run.seen


@settings(max_examples=60, deadline=None)
@given(program=st.lists(st.tuples(st.sampled_from(EVENTS), st.integers(0, 99)), min_size=1, max_size=10))
def test_a_random_training_program_is_the_same_on_the_fast_paths_and_without_them(program):
    fast = _run(program, "fast")
    assert same(fast, _run(program, "fusion(False)"))
    assert same(fast, _run(program, "Module.__call__"))


def test_an_unpickled_batch_takes_the_fused_nodes_as_the_batch_it_was():
    # a batch that came through pickle (a worker process, a data set stored with pickle) has a dtype object equal
    # to numpy's but not the same one: the fused layer and chain compared it by identity and declined it (the
    # layers' nodes one by one, the slow path), where Tensors unpickled get numpy's own dtype objects
    from autograd.fused_chain import CHAIN

    for dtype in (np.float64, np.float32):
        x = np.random.default_rng(0).normal(size=(8, 2)).astype(dtype)
        model = nn.MLP(2, [4, 4, 1], seed=0, dtype=dtype)
        layer = nn.Linear(2, 3, activation="relu", seed=0, dtype=dtype)
        for _ in range(3):
            want, one = model(x), layer(x)
        assert want._row is CHAIN and one._row.name == "linear"
        for wrap in (lambda a: a, Tensor):
            xu = pickle.loads(pickle.dumps(x))
            assert xu.dtype == x.dtype and xu.dtype is not x.dtype  # what numpy gives back
            got = model(wrap(xu))
            assert got._row is CHAIN and np.array_equal(got.data, want.data)
            xu = pickle.loads(pickle.dumps(x))
            got = layer(wrap(xu))
            assert got._row.name == "linear" and np.array_equal(got.data, one.data)
            assert xu.dtype is x.dtype  # given numpy's own object in place: the same array, no copy
    big = np.ones((2, 2), dtype=">f8")  # equal to no native dtype: never given one
    assert np.array_equal(model(big).data, model(np.ones((2, 2))).data) and big.dtype.byteorder == ">"
