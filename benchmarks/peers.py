"""Optional peers: micrograd 0.1.0 and torch 2.13.0 (CPU).

Each function imports its peer lazily, so a missing peer only raises
ImportError when its column is run (the harness checks ``installed()`` first
and prints a skip note).
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys

import numpy as np

from . import data
from .harness import Case

PINS = {"micrograd": "micrograd==0.1.0", "torch": "torch==2.13.0"}


def installed(dist: str) -> bool:
    """True when the peer's top-level module can be imported."""
    return importlib.util.find_spec(dist) is not None


# -------------------------------------------------------------- micrograd ---


def micrograd_value():
    """micrograd's ``(Value, MLP)``."""
    from micrograd.engine import Value
    from micrograd.nn import MLP

    return Value, MLP


def micrograd_tanh(v):
    """tanh for micrograd 0.1.0's Value, which has no tanh method.

    Builds a node the way micrograd builds its own unary ops (e.g. relu):
    a new Value with ``v`` as child and a closure for the local gradient.
    """
    t = math.tanh(v.data)
    out = type(v)(t, (v,), "tanh")

    def _backward():
        v.grad += (1 - t * t) * out.grad

    out._backward = _backward
    return out


def micrograd_chain_case(n: int = data.CHAIN_N) -> Case:
    """W4s in micrograd: its topological sort recurses once per node, so a
    3,000-op chain needs a recursion limit above the default 1,000; raised
    while the case is open and restored by ``close()``."""
    from .programs import value_tanh_chain_case

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 4 * (3 * n) + 1000))
    case = value_tanh_chain_case(micrograd_value()[0], tanh=micrograd_tanh, n=n)
    case.close = lambda: sys.setrecursionlimit(old)
    return case


# ------------------------------------------------------------------ torch ---


def pinned_threads() -> int:
    """The thread count the harness pinned in this child's environment (1 if none)."""
    return int(os.environ.get("OMP_NUM_THREADS", "1"))


def _threads(torch, n: int | None):
    """Set torch's intra-op threads (default: the pinned count); return a function restoring the old count."""
    old = torch.get_num_threads()
    torch.set_num_threads(pinned_threads() if n is None else n)
    return lambda: torch.set_num_threads(old)


def torch_mlp_case(problem: dict, lr: float, loss: str, threads: int | None = None) -> Case:
    """W2/W3 in torch: same weights and data, ``x @ W + b``, ``relu``,
    ``F.mse_loss`` / ``F.cross_entropy``, manual SGD under ``no_grad``."""
    import torch

    F = torch.nn.functional
    restore = _threads(torch, threads)
    params = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in problem["params"]]
    flat = [p for pair in params for p in pair]
    X, y = torch.from_numpy(problem["X"]), torch.from_numpy(problem["y"])
    last = len(params) - 1
    lossfn = F.mse_loss if loss == "mse" else F.cross_entropy
    out = {}

    def step():
        for p in flat:
            p.grad = None
        h = X
        for l, (W, b) in enumerate(params):
            h = h @ W + b
            if l != last:
                h = h.relu()
        L = lossfn(h, y)
        L.backward()
        with torch.no_grad():
            for p in flat:
                p.sub_(p.grad, alpha=lr)
        out["loss"] = L

    return Case(step, lambda: {"loss": out["loss"].item(), "grad": params[0][0].grad.numpy().copy()}, restore)


def torch_tanh_chain_case(x0: np.ndarray, n: int = data.CHAIN_N, threads: int | None = None) -> Case:
    """W4 (and W4L) in torch: the tanh chain on a float32 tensor (16 elements; W4L: 100,000)."""
    import torch

    restore = _threads(torch, threads)
    a, c = data.CHAIN_MUL, data.CHAIN_ADD
    base = torch.from_numpy(x0.copy())
    out = {}

    def step():
        x = leaf = base.detach().requires_grad_()
        for _ in range(n):
            x = (x * a + c).tanh()
        s = x.sum()
        s.backward()
        out["s"], out["leaf"] = s, leaf

    return Case(step, lambda: {"sum": out["s"].item(), "grad": out["leaf"].grad.numpy().copy()}, restore)
