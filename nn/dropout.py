"""``Dropout``: zero a random fraction ``p`` of the inputs while training and scale the rest by ``1 / (1 - p)``.

In evaluation mode (``model.eval()``) dropout passes its input through, so
the expected output is the same in both modes.  Each module draws its masks
from its own numpy Generator (``seed=``), so a run is reproducible.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from autograd import Tensor, Value, stage

from .layers import make_rng
from .module import Module

__all__ = ["dropout", "Dropout"]


def _check_p(where: str, p: Any) -> float:
    v = float(p) if isinstance(p, numbers.Real) and not isinstance(p, bool) else float("nan")
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{where}: the probability p must be a number in [0, 1], got {p!r}")
    return v


def dropout(x: Any, p: float = 0.5, training: bool = True, seed: Any = None) -> Any:
    """Zero each element with probability ``p`` and scale the kept ones by ``1 / (1 - p)`` (PyTorch's ``F.dropout``).

    Parameters
    ----------
    x : Tensor, Value or list of Values
        The input.
    p : float, default 0.5
        The probability of zeroing an element, in [0, 1].
    training : bool, default True
        False returns ``x`` itself (as in evaluation mode).
    seed : int, numpy Generator or None
        Where the mask comes from (None: fresh randomness).

    Examples
    --------
    >>> from autograd import Tensor
    >>> out = dropout(Tensor(np.ones(8)), p=0.5, seed=0)
    >>> sorted(set(out.tolist()))          # kept elements are scaled by 1 / (1 - p)
    [0.0, 2.0]
    >>> dropout(Tensor([1.0]), p=0.5, training=False).tolist()
    [1.0]
    """
    p = _check_p("dropout", p)
    if not training or p == 0.0:
        return x
    rng = make_rng(seed)
    if isinstance(x, Tensor):
        keep = rng.random(x.shape) >= p
        scale = np.zeros(x.shape) if p == 1.0 else keep / (1.0 - p)
        return x * Tensor(scale.astype(x.dtype), label="dropout mask")
    if isinstance(x, Value):
        return dropout([x], p, training, rng)[0]
    if isinstance(x, (list, tuple)) and all(isinstance(v, Value) for v in x):
        keep = rng.random(len(x)) >= p
        return [v * (0.0 if p == 1.0 else float(k) / (1.0 - p)) for v, k in zip(x, keep.tolist())]
    raise TypeError(f"dropout: expected a Tensor, a Value or a list of Values, got {type(x).__name__}")


class Dropout(Module):
    """Randomly zero a fraction ``p`` of the inputs while training (a regulariser), PyTorch's ``nn.Dropout``.

    Each element is kept with probability ``1 - p`` and then scaled by
    ``1 / (1 - p)``, so the expected output equals the input; in evaluation
    mode the input passes unchanged.  Works on Tensors (any shape) and on
    lists of Values (the scalar engine).  The mask is drawn in a ``mask``
    step of the layer's stage.

    Parameters
    ----------
    p : float, default 0.5
        The probability of zeroing an element, in [0, 1].
    inplace : bool, default False
        Only False: layergrad never overwrites a module's input.
    seed : int, numpy Generator or None
        The source of this layer's masks (None: fresh randomness; an int makes them reproducible).

    Examples
    --------
    >>> from autograd import Tensor
    >>> drop = Dropout(0.25, seed=0)
    >>> out = drop(Tensor(np.ones((1000, 4))))
    >>> round(float((out.data == 0).mean()), 2), round(float(out.data.mean()), 2)
    (0.25, 1.0)
    >>> drop.eval()(Tensor([1.0, 2.0])).tolist()
    [1.0, 2.0]
    """

    kind = "layer"
    rng: np.random.Generator

    def __init__(self, p: float = 0.5, inplace: bool = False, seed: Any = None) -> None:
        super().__init__()
        self.p = _check_p("Dropout", p)
        if inplace:
            raise ValueError("Dropout: inplace=True is not supported; layergrad's layers never overwrite their input")
        self.inplace = False
        object.__setattr__(self, "rng", make_rng(seed))

    def forward(self, x: Any) -> Any:
        if not self.training or self.p == 0.0:
            return x
        with stage("mask", kind="step"):
            return dropout(x, self.p, True, self.rng)

    def describe(self) -> str:
        return f"{self.name}: Dropout(p={self.p:g})"

    def extra_repr(self) -> str:
        return f"p={self.p:g}"
