"""The two engines as the tests see them: what the ``engine`` fixture in conftest.py gives.

A test that takes ``engine`` runs once per engine, with ids ``scalar`` and ``tensor``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd import Tensor, Value


@dataclass(frozen=True)
class Engine:
    """One engine: its name, its node class, and how to make leaves and read numbers back."""

    name: str  # "scalar" or "tensor": the engine= argument of nn constructors
    node: type  # Value or Tensor

    def leaf(self, x: Any, requires_grad: bool = True) -> Any:
        """A leaf from a float or a (nested) list: a Value or (nested) list of Values, or one Tensor."""
        if self.name == "tensor":
            return Tensor(x, requires_grad=requires_grad)
        if isinstance(x, (list, tuple, np.ndarray)):
            return [self.leaf(v, requires_grad) for v in x]
        return Value(float(x), requires_grad=requires_grad)

    def numbers(self, out: Any) -> np.ndarray:
        """The data of a node, or of a (nested) list of nodes, as an array."""
        if isinstance(out, (list, tuple)):
            return np.array([self.numbers(o) for o in out])
        return np.asarray(out.data)

    def number(self, out: Any) -> float:
        """The one number a node holds (a Value, or a one-element Tensor)."""
        return float(out.item())

    def grads(self, leaf: Any) -> np.ndarray:
        """The gradient of a leaf, or of a (nested) list of leaves, as an array."""
        if isinstance(leaf, (list, tuple)):
            return np.array([self.grads(v) for v in leaf])
        return np.asarray(leaf.grad)

    def run_one(self, model: Any, x: Any) -> np.ndarray:
        """A model's outputs for one sample ``x`` (a sequence of numbers), as a 1-D array."""
        x = np.asarray(x, dtype=float)
        if self.name == "scalar":
            return self.numbers(model(x.tolist()))
        return self.numbers(model(x[None, :]))[0]


ENGINES = {"scalar": Engine("scalar", Value), "tensor": Engine("tensor", Tensor)}
