"""``nn.functional``: PyTorch's ``F``, the functional forms of the layers, activations and losses.

``import nn.functional as F`` then ``F.relu(x)``, ``F.softmax(x, dim=1)``,
``F.dropout(x, p, training=self.training)``, ``F.cross_entropy(logits, y)``, ...
with PyTorch's signatures.  Where layergrad cannot give PyTorch's meaning it
raises instead of computing something else (in-place variants).

Examples
--------
>>> import nn.functional as F
>>> from autograd import Tensor
>>> F.relu(Tensor([-1.0, 2.0])).tolist()
[0.0, 2.0]
>>> round(F.cross_entropy(Tensor([[0.0, 0.0]]), [1]).item(), 4)
0.6931
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor, Value, where

from . import activations
from .dropout import dropout as _dropout
from .embedding import embedding
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .normalization import batch_norm, layer_norm
from .reshaping import log_softmax, softmax

__all__ = [
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "softplus",
    "gelu",
    "silu",
    "elu",
    "softmax",
    "log_softmax",
    "dropout",
    "linear",
    "layer_norm",
    "batch_norm",
    "embedding",
    "mse_loss",
    "l1_loss",
    "huber_loss",
    "smooth_l1_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "nll_loss",
]


def _not_inplace(where: str, inplace: bool) -> None:
    if inplace:
        raise ValueError(f"{where}: inplace=True is not supported; use the result (x = F.{where}(x))")


def relu(input: Any, inplace: bool = False) -> Any:
    """max(x, 0).

    Examples
    --------
    >>> relu(Tensor([-2.0, 3.0])).tolist()
    [0.0, 3.0]
    """
    _not_inplace("relu", inplace)
    return activations.relu(input)


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Any:
    """x above 0, ``negative_slope * x`` below.

    Examples
    --------
    >>> from autograd import Tensor
    >>> leaky_relu(Tensor([-2.0, 3.0]), 0.5).tolist()
    [-1.0, 3.0]
    """
    _not_inplace("leaky_relu", inplace)
    return activations.leaky_relu(input, negative_slope)


def sigmoid(input: Any) -> Any:
    """1 / (1 + e^-x).

    Examples
    --------
    >>> from autograd import Tensor
    >>> sigmoid(Tensor([0.0])).tolist()
    [0.5]
    """
    return activations.sigmoid(input)


def tanh(input: Any) -> Any:
    """Hyperbolic tangent.

    Examples
    --------
    >>> from autograd import Tensor
    >>> tanh(Tensor([0.0])).tolist()
    [0.0]
    """
    return activations.tanh(input)


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:
    """``log(1 + e^(beta x)) / beta``, and ``x`` itself where ``beta * x > threshold`` (PyTorch's rule).

    Examples
    --------
    >>> softplus(Tensor([0.0, 30.0])).tolist()[1]
    30.0
    """
    if isinstance(input, Tensor):
        bx = input * beta if beta != 1 else input
        smooth = bx.softplus() * (1.0 / beta) if beta != 1 else bx.softplus()
        return where(bx.data > threshold, input, smooth)
    if isinstance(input, Value):
        return input if beta * input.data > threshold else (input * beta).softplus() * (1.0 / beta)
    return [softplus(v, beta, threshold) for v in input]


def gelu(input: Any, approximate: str = "none") -> Any:
    """GELU as ``torch.nn.functional.gelu``: exact ``x·Φ(x)`` with erf, or the tanh formula (``approximate="tanh"``).

    Examples
    --------
    >>> round(gelu(Tensor([1.0])).item(), 6), round(gelu(Tensor([1.0]), approximate="tanh").item(), 6)
    (0.841345, 0.841192)
    >>> gelu(Tensor([1.0]), approximate="fast")
    Traceback (most recent call last):
    ...
    ValueError: gelu: approximate must be 'none' or 'tanh', got 'fast'
    """
    return activations.gelu(input, approximate)


def silu(input: Any, inplace: bool = False) -> Any:
    """``x * sigmoid(x)`` (also called swish).

    Examples
    --------
    >>> from autograd import Tensor
    >>> silu(Tensor([0.0, 2.0])).tolist()[0]
    0.0
    """
    _not_inplace("silu", inplace)
    if isinstance(input, (list, tuple)):
        return [v * v.sigmoid() for v in input]
    return input * input.sigmoid()


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Any:
    """x above 0, ``alpha * (e^x - 1)`` below.

    Examples
    --------
    >>> [round(v, 4) for v in elu(Tensor([1.0, -1.0])).tolist()]
    [1.0, -0.6321]
    """
    _not_inplace("elu", inplace)
    if isinstance(input, Tensor):
        neg = (input.clip(-np.inf, 0.0).exp() - 1.0) * alpha  # clipped: exp of a large positive x is never taken
        return where(input.data > 0, input, neg)
    if isinstance(input, Value):
        return input if input.data > 0 else (input.exp() - 1.0) * alpha
    return [elu(v, alpha) for v in input]


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False, *, seed: Any = None) -> Any:
    """Dropout (see :func:`nn.dropout.dropout`); ``seed`` picks the mask's randomness.

    Examples
    --------
    >>> dropout(Tensor([1.0, 1.0]), 0.5, training=False).tolist()
    [1.0, 1.0]
    """
    _not_inplace("dropout", inplace)
    return _dropout(input, p, training, seed)


def linear(input: Any, weight: Any, bias: Any = None) -> Tensor:
    """``input @ weight.T + bias`` with PyTorch's layout: ``weight`` is ``(out_features, in_features)``.

    Note that :class:`nn.Linear` stores its weight the other way round,
    ``(in, out)``: for such a weight write ``x @ W + b``.

    Examples
    --------
    >>> linear(Tensor([[1.0, 2.0]]), Tensor([[1.0, 0.0], [0.0, 3.0], [1.0, 1.0]])).tolist()
    [[1.0, 6.0, 3.0]]
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    w = weight if isinstance(weight, Tensor) else Tensor(weight)
    if w.ndim != 2 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"linear: weight must be (out_features, in_features) = (?, {x.shape[-1]}) for input {x.shape}, "
            f"got {w.shape} (nn.Linear's own weight is (in, out): use x @ W + b for it)"
        )
    out = x @ w.T
    return out if bias is None else out + bias
