"""micrograd's ``nn`` API on layergrad's scalar family: change only the imports.

``from nn.micrograd import Neuron, Layer, MLP`` gives classes with micrograd's
signatures and return conventions (``nonlin=``, a bare Value from a one-neuron
layer, ``parameters()`` in micrograd's order).  As in micrograd, initial
weights come from Python's global ``random`` (uniform in [-1, 1], biases 0),
so ``random.seed(1337)`` reproduces micrograd's demo exactly.  This module is
a thin adapter: the computation is :class:`nn.Neuron` / :class:`nn.Layer`.

Examples
--------
>>> import random
>>> from nn.micrograd import MLP
>>> random.seed(0)
>>> model = MLP(2, [4, 1])
>>> type(model([1.0, -1.0])).__name__
'Value'
>>> len(model.parameters())
17
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autograd import Value

from . import layers as _layers
from . import mlp as _mlp
from . import module as _module

if TYPE_CHECKING:
    from .module import Module as _Module

__all__ = ["Module", "Neuron", "Layer", "MLP"]


class Module:
    """micrograd's base: ``zero_grad()`` and ``parameters()``."""

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0."""
        for p in self.parameters():
            p.grad = 0

    def parameters(self) -> list[Value]:
        """All parameters."""
        return []


class Neuron(_layers.Neuron):
    """``Neuron(nin, nonlin=True)``: ReLU unless ``nonlin=False``."""

    nonlin: bool

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        w = [random.uniform(-1, 1) for _ in range(nin)]
        super().__init__(nin, "relu" if nonlin else "identity", weights=w, bias=0.0)
        object.__setattr__(self, "nonlin", nonlin)

    def parameters(self) -> list[Value]:  # type: ignore[override]  # micrograd's Values (a fresh list)
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(_layers.Layer):
    """``Layer(nin, nout, **kwargs)``: returns a bare Value when ``nout == 1``."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        nonlin = kwargs.get("nonlin", True)
        super().__init__(nin, nout, activation="relu" if nonlin else "identity", seed=0)
        neurons: list[_layers.Neuron] = [Neuron(nin, **kwargs) for _ in range(nout)]
        for j, n in enumerate(neurons):
            object.__setattr__(n, "name", f"neuron {j}")
        self.neurons = neurons

    def __call__(self, x: Sequence[Any]) -> Any:
        out = super().__call__(x)
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(_mlp.MLP):
    """``MLP(nin, nouts)``: ReLU hidden layers, a linear last layer, micrograd's init."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        super().__init__(nin, list(nouts), activation="relu", engine="scalar", seed=0)
        sz = [nin] + list(nouts)
        layers: list[_Module] = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]
        for i, layer in enumerate(layers):
            object.__setattr__(layer, "name", f"layer {i + 1}")
        self.layers = layers

    def __call__(self, x: Sequence[Any]) -> Any:
        # NOTE: Module.__call__ itself: nn.MLP's own __call__ only adds a fast path for the tensor engine
        out = _module.Module.__call__(self, x)
        return out[0] if isinstance(out, list) and len(out) == 1 else out

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = _layers.Layer.__call__(layer, x)
        return x

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
