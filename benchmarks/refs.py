"""Hand-written references: pure-Python floats (W1, W4s, W5) and numpy (W2-W4).

Each ``*_case`` function returns a :class:`~benchmarks.harness.Case` whose
``step()`` does the workload's forward and backward (and SGD update) by hand,
with no graph and no objects per op, and whose ``read()`` returns the same
keys as the engines' cases.
"""

from __future__ import annotations

import math
from operator import mul

import numpy as np

from . import data
from .harness import Case

# --------------------------------------------------------------------- W1 ---


def w1_python_case() -> Case:
    """micrograd's demo step (MLP 2-16-16-1, SVM loss + L2, SGD) in plain floats.

    Parameters live in nested lists ``W[layer][neuron][input]`` and
    ``B[layer][neuron]``; the gradient is returned flattened in micrograd's
    ``parameters()`` order (per neuron: its weights, then its bias).
    """
    Xn, yn = data.moons()
    X, Y = Xn.tolist(), yn.tolist()
    n, alpha = len(X), data.W1_ALPHA
    W = data.moons_init_weights()
    B = [[0.0] * len(layer) for layer in W]
    last = len(W) - 1
    init = [p for layer in W for ws in layer for p in (*ws, 0.0)]
    state = {"k": 0}

    def step():
        inv_n = 1.0 / n
        gW = [[[0.0] * len(w) for w in layer] for layer in W]
        gB = [[0.0] * len(layer) for layer in W]
        Wt = [[list(col) for col in zip(*layer)] for layer in W]  # for backward
        loss_sum, correct = 0.0, 0
        for x, t in zip(X, Y):
            # forward, keeping each layer's input and pre-activation
            ins, pres, h = [], [], x
            for l, (Wl, Bl) in enumerate(zip(W, B)):
                z = [sum(map(mul, w, h), b) for w, b in zip(Wl, Bl)]
                ins.append(h)
                pres.append(z)
                h = z if l == last else [v if v > 0.0 else 0.0 for v in z]
            score = h[0]
            margin = 1 + -t * score
            correct += (t > 0) == (score > 0)
            # Dense backward for every point, zeros included (as a graph
            # engine does), so the cost does not depend on the training state.
            active = margin > 0.0
            loss_sum += margin if active else 0.0
            gz = [-t * inv_n if active else 0.0]
            for l in range(last, -1, -1):
                if l != last:
                    gz = [g if z > 0.0 else 0.0 for g, z in zip(gz, pres[l])]
                hin, gWl, gBl = ins[l], gW[l], gB[l]
                for j, g in enumerate(gz):
                    gWl[j] = [a + g * b for a, b in zip(gWl[j], hin)]
                    gBl[j] += g
                if l:
                    gz = [sum(map(mul, gz, col)) for col in Wt[l]]
        reg = sum(p * p for Wl, Bl in zip(W, B) for ws, b in zip(Wl, Bl) for p in (*ws, b))
        state["loss"] = loss_sum * inv_n + alpha * reg
        state["acc"] = correct / n
        # d(alpha * sum p*p)/dp = 2 * alpha * p, then SGD with the demo's schedule
        lr = 1.0 - 0.9 * (state["k"] % 100) / 100  # as programs.value_demo_case
        for Wl, Bl, gWl, gBl in zip(W, B, gW, gB):
            for j in range(len(Wl)):
                gw = [g + 2 * alpha * w for g, w in zip(gWl[j], Wl[j])]
                gb = gBl[j] + 2 * alpha * Bl[j]
                gWl[j], gBl[j] = gw, gb
                Wl[j] = [w - lr * g for w, g in zip(Wl[j], gw)]
                Bl[j] -= lr * gb
        state["grad"] = [g for gWl, gBl in zip(gW, gB) for gw, gb in zip(gWl, gBl) for g in (*gw, gb)]
        state["k"] += 1

    return Case(step, lambda: {"loss": state["loss"], "init": init, "grad": state["grad"]})


# ------------------------------------------------------------- W4s / W5 ---


def tanh_chain_python_case(x0: float = data.W4S_X0, n: int = data.CHAIN_N) -> Case:
    """W4s: ``x = tanh(x * a + c)`` n times on one float, then d x_n / d x_0."""
    a, c = data.CHAIN_MUL, data.CHAIN_ADD
    out = {}

    def step():
        x, ts = x0, []
        for _ in range(n):
            x = math.tanh(x * a + c)
            ts.append(x)
        g = 1.0
        for t in reversed(ts):
            g = a * ((1.0 - t * t) * g)
        out["value"], out["grad"] = x, g

    return Case(step, lambda: dict(out))


def w5_expected(n: int, x0: float = data.W5_X0, a: float = data.W5_MUL) -> dict:
    """W5's exact answers: ``x = x * a + 0.0`` n times, value and d x_n / d x_0."""
    x = x0
    for _ in range(n):
        x = x * a + 0.0
    g = 1.0
    for _ in range(n):
        g = a * g
    return {"value": x, "grad": g}


# ------------------------------------------------------------ W2 / W3 ---


def mlp_numpy_case(problem: dict, lr: float, loss: str) -> Case:
    """One SGD step of a ReLU MLP (float32) with MSE or softmax cross-entropy.

    Forward: ``h = relu(h @ W + b)`` per hidden layer, linear output.  Backward
    by hand, then ``W -= lr * dW`` in place.  ``read()`` gives the loss and
    the first layer's weight gradient.
    """
    X, y = problem["X"], problem["y"]
    params = [(W.copy(), b.copy()) for W, b in problem["params"]]
    n, last = X.shape[0], len(params) - 1
    rows = np.arange(n)
    out = {}

    def step():
        ins, pres, h = [], [], X
        for l, (W, b) in enumerate(params):
            ins.append(h)
            z = h @ W + b
            pres.append(z)
            h = z if l == last else np.maximum(z, 0)
        if loss == "mse":
            d = h - y
            out["loss"] = float(np.mean(d * d))
            g = d * (2.0 / d.size)
        else:
            z = h - h.max(axis=1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            out["loss"] = float(-logp[rows, y].mean())
            g = np.exp(logp)
            g[rows, y] -= 1.0
            g *= 1.0 / n
        grads = []
        for l in range(last, -1, -1):
            W = params[l][0]
            if l != last:
                g = g * (pres[l] > 0)
            grads.append((ins[l].T @ g, g.sum(axis=0)))
            if l:
                g = g @ W.T
        grads.reverse()
        for (W, b), (dW, db) in zip(params, grads):
            W -= lr * dW
            b -= lr * db
        out["grad"] = grads[0][0]

    return Case(step, lambda: dict(out))


# ------------------------------------------------------------------- W4 ---


def tanh_chain_numpy_case(x0: np.ndarray, n: int = data.CHAIN_N) -> Case:
    """W4: the tanh chain on a float32 vector; records each tanh output for backward."""
    a, c = data.CHAIN_MUL, data.CHAIN_ADD
    out = {}

    def step():
        x, ts = x0, []
        for _ in range(n):
            x = np.tanh(x * a + c)
            ts.append(x)
        g = np.ones_like(x0)
        for t in reversed(ts):
            g = a * ((1.0 - t * t) * g)
        out["sum"], out["grad"] = float(x.sum()), g

    return Case(step, lambda: dict(out))
