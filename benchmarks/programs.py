"""Workload programs written against an engine's public API.

The ``value_*`` programs take a micrograd-compatible ``Value`` (and ``MLP``)
and run for both micrograd and layergrad; the ``tensor_*`` programs use
layergrad's numpy-backed ``Tensor`` (torch has its own in ``peers.py``).
The ``layergrad_*`` functions import layergrad's API; they raise ImportError
or AttributeError while the engine lacks it, which the harness reports as
"layergrad: not available".
"""

from __future__ import annotations

import random

import numpy as np

from . import data
from .harness import Case

# ---------------------------------------------------------- layergrad API ---


def layergrad_value():
    """layergrad's scalar ``Value`` (as ``micrograd.engine.Value``)."""
    from autograd import Value

    return Value


def layergrad_mlp():
    """layergrad's ``(Value, MLP)``, as ``micrograd.engine`` / ``micrograd.nn``."""
    from nn.micrograd import MLP

    return layergrad_value(), MLP


def layergrad_tensor():
    """layergrad's tensor class."""
    from autograd import Tensor

    return Tensor


def reusing_freed_memory(factory):
    """``factory()`` after ``autograd.reuse_freed_memory()`` (the opt-in, process-wide allocator setting).

    Only meaningful with each implementation in its own process (the default):
    under ``--rotated`` the setting would apply to the others in the process too.
    """

    def make():
        from autograd import reuse_freed_memory

        reuse_freed_memory()
        return factory()

    return make


# ------------------------------------------------------- scalar programs ---


def value_demo_case(Value, MLP) -> Case:
    """W1: one iteration of micrograd's demo training loop, as the notebook runs it.

    Data are numpy arrays as ``make_moons`` returns them (so inputs are
    ``Value(np.float64)`` and labels ``np.int64``).  The model is built right
    after ``random.seed(1337)``; Python's ``random`` state is restored after.
    The learning-rate schedule uses ``k % 100`` so that long timing runs never
    reach a negative rate (the demo itself stops at k = 99).
    """
    X, y = data.moons()
    saved = random.getstate()
    try:
        random.seed(data.W1_SEED)
        model = MLP(data.W1_SIZES[0], data.W1_SIZES[1:])
    finally:
        random.setstate(saved)
    init = [float(p.data) for p in model.parameters()]
    state = {"k": 0}

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = data.W1_ALPHA * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    def step():
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * (state["k"] % 100) / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        state["k"] += 1
        state["loss"] = total_loss

    def read():
        return {"loss": float(state["loss"].data), "init": init, "grad": [float(p.grad) for p in model.parameters()]}

    step.state = state  # the last loss node, for the graph-drawing workload (G)
    return Case(step, read)


def value_tanh_chain_case(Value, tanh=None, x0: float = data.W4S_X0, n: int = data.CHAIN_N) -> Case:
    """W4s: ``x = (x * a + c).tanh()`` n times on one Value, then ``x.backward()``.

    ``tanh(v)`` stands in for ``v.tanh()`` on engines without that method
    (micrograd); an engine that has it is called as users write it.
    """
    a, c = data.CHAIN_MUL, data.CHAIN_ADD
    out = {}

    def step():
        x = leaf = Value(x0)
        if tanh is None:
            for _ in range(n):
                x = (x * a + c).tanh()
        else:
            for _ in range(n):
                x = tanh(x * a + c)
        x.backward()
        out["x"], out["leaf"] = x, leaf

    return Case(step, lambda: {"value": float(out["x"].data), "grad": float(out["leaf"].grad)})


# ------------------------------------------------------- tensor programs ---


def tensor_mlp_case(Tensor, problem: dict, lr: float, loss: str) -> Case:
    """W2/W3: one SGD step of a ReLU MLP built by hand from layergrad Tensors.

    Zeroes gradients by setting ``p.grad = None`` (as torch does), updates
    ``p.data`` in place.  MSE is ``mean(d * d)`` with ``d = out + (-y)``;
    cross-entropy is ``-mean(log_softmax(out)[rows, y])``.
    """
    params = [
        (Tensor(W.copy(), requires_grad=True), Tensor(b.copy(), requires_grad=True)) for W, b in problem["params"]
    ]
    flat = [p for pair in params for p in pair]
    X = Tensor(problem["X"])
    n, last = problem["X"].shape[0], len(params) - 1
    if loss == "mse":
        neg_y = Tensor(-problem["y"])
    else:
        rows, labels = np.arange(n), problem["y"]
    out = {}

    def step():
        for p in flat:
            p.grad = None
        h = X
        for l, (W, b) in enumerate(params):
            h = h @ W + b
            if l != last:
                h = h.relu()
        if loss == "mse":
            d = h + neg_y
            L = (d * d).mean()
        else:
            logp = h.log_softmax(axis=-1)
            L = logp[rows, labels].mean() * -1.0
        L.backward()
        for p in flat:
            p.data -= lr * p.grad
        out["loss"] = L

    return Case(step, lambda: {"loss": float(np.asarray(out["loss"].data)), "grad": np.asarray(params[0][0].grad)})


def tensor_tanh_chain_case(Tensor, x0: np.ndarray, n: int = data.CHAIN_N) -> Case:
    """W4: ``x = (x * a + c).tanh()`` n times on a float32 Tensor, then ``x.sum().backward()``."""
    a, c = data.CHAIN_MUL, data.CHAIN_ADD
    out = {}

    def step():
        x = leaf = Tensor(x0, requires_grad=True)
        for _ in range(n):
            x = (x * a + c).tanh()
        s = x.sum()
        s.backward()
        out["s"], out["leaf"] = s, leaf

    return Case(step, lambda: {"sum": float(np.asarray(out["s"].data)), "grad": np.asarray(out["leaf"].grad)})


def micrograd_chain_demo_loss(Value, stage, register_stage):
    """G: micrograd's demo step built as micrograd builds it (about 66,000 nodes).

    micrograd's neuron is ``sum((wi * xi for wi, xi in zip(w, x)), b)``: one
    multiply and one add node per weight, where layergrad's own ``Neuron`` uses
    one fused ``dot`` node (11,000 nodes for the same step).  The stages follow
    nn's convention (model > layer > neuron), so the drawing can group them.
    """
    X, y = data.moons()
    rng = random.Random(data.W1_SEED)
    sizes = data.W1_SIZES
    register_stage(("MLP",), label="MLP(2→16→16→1)", kind="model")
    layers = []
    for i, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        path = ("MLP", f"layer {i + 1}")
        register_stage(
            path, label=f"layer {i + 1}: {nin}→{nout}" + (" + ReLU" if i < len(sizes) - 2 else ""), kind="layer"
        )
        neurons = []
        for j in range(nout):
            register_stage(path + (f"neuron {j}",), kind="neuron")
            w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
            b = Value(0.0)
            for p in w + [b]:
                p.stage = path + (f"neuron {j}",)
            neurons.append((w, b))
        layers.append(neurons)
    params = [p for layer in layers for w, b in layer for p in w + [b]]

    def model(x):
        with stage("MLP"):
            for i, layer in enumerate(layers):
                with stage(f"layer {i + 1}"):
                    out = []
                    for j, (w, b) in enumerate(layer):
                        with stage(f"neuron {j}"):
                            act = sum((wi * xi for wi, xi in zip(w, x)), b)
                            out.append(act.relu() if i < len(layers) - 1 else act)
                    x = out
        return x[0]

    scores = [model([Value(float(a)) for a in row]) for row in X]
    losses = [(1 + -float(yi) * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = data.W1_ALPHA * sum(p * p for p in params)
    loss = data_loss + reg_loss
    loss.backward()
    return loss


def nn_mlp_case(problem: dict, lr: float, loss: str) -> Case:
    """W2/W3 with layergrad's library API: ``nn.MLP`` (stages and all), ``nn.optim.SGD``
    and ``nn.mse_loss`` / ``nn.cross_entropy``, from the same float32 weights."""
    import nn

    sizes = [problem["params"][0][0].shape[0]] + [W.shape[1] for W, _ in problem["params"]]
    model = nn.MLP(sizes[0], sizes[1:], dtype=np.float32).set_weights(problem["params"])
    opt = nn.optim.SGD(model.parameters(), lr=lr)
    X, y = problem["X"], problem["y"]
    loss_fn = nn.mse_loss if loss == "mse" else nn.cross_entropy
    first = model.parameters()[0]
    out = {}

    def step():
        opt.zero_grad()
        L = loss_fn(model(X), y)
        L.backward()
        opt.step()
        out["loss"] = L

    return Case(step, lambda: {"loss": float(np.asarray(out["loss"].data)), "grad": np.asarray(first.grad)})
