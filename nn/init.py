"""``nn.init``: fill a parameter in place with constants or seeded random numbers (PyTorch's ``torch.nn.init``).

Every function writes ``tensor.data`` in place and returns the tensor; the
random ones take ``generator=`` (an int seed, a numpy Generator or None for
fresh randomness).  **Fans**: layergrad's :class:`nn.Linear` stores its weight
as ``(in_features, out_features)``, the transpose of PyTorch's, so for a 2-D
tensor ``fan_in = shape[0]`` and ``fan_out = shape[1]``; with ``init.xavier_*``
and ``init.kaiming_*`` on ``layer.weight`` this gives the same distribution
as PyTorch's on its ``(out, in)`` weight.  For a tensor laid out the PyTorch
way, ``(out, in)``, pass ``mode="fan_out"`` to ``kaiming_*`` to mean its
inputs.  Tensors of 3 or more dimensions follow PyTorch's convention
(``(out, in, *kernel)``: fan_in = ``shape[1] * prod(kernel)``).

Examples
--------
>>> import nn
>>> layer = nn.Linear(4, 2)
>>> _ = nn.init.zeros_(layer.bias)
>>> _ = nn.init.xavier_uniform_(layer.weight, generator=0)
>>> layer.bias.tolist()
[0.0, 0.0]
>>> bool(abs(layer.weight.data).max() <= (6 / (4 + 2)) ** 0.5)
True
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from autograd import Tensor, Value
from autograd.versions import mark_modified

from .layers import make_rng

__all__ = [
    "calculate_gain",
    "fans",
    "zeros_",
    "ones_",
    "constant_",
    "normal_",
    "uniform_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
]


def _target(where: str, tensor: Any) -> Tensor:
    if isinstance(tensor, Tensor):
        return tensor
    if isinstance(tensor, Value) or (isinstance(tensor, (list, tuple)) and tensor and isinstance(tensor[0], Value)):
        raise TypeError(
            f"{where}: initialisers fill Tensors (the tensor engine); for Values set each .data, "
            "or build the model with engine='tensor'"
        )
    raise TypeError(f"{where}: expected a Tensor (e.g. layer.weight), got {type(tensor).__name__}")


def _fill(t: Tensor, values: Any) -> Tensor:
    t.data[...] = values  # NOTE: in place: the parameter object (and optimisers holding it) stay the same
    mark_modified(t.data)
    return t


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for an activation (PyTorch's table).

    ``linear``, ``sigmoid`` and ``conv*``: 1; ``tanh``: 5/3; ``relu``: sqrt(2);
    ``leaky_relu``: sqrt(2 / (1 + slope**2)) (slope ``param``, default 0.01); ``selu``: 3/4.

    Examples
    --------
    >>> calculate_gain("relu") == math.sqrt(2), calculate_gain("tanh")
    (True, 1.6666666666666667)
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, numbers.Real):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + float(slope) ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def fans(tensor: Any) -> tuple[int, int]:
    """``(fan_in, fan_out)``: a 2-D tensor is read as layergrad's ``(in, out)`` weight; more dimensions as PyTorch.

    Examples
    --------
    >>> fans(Tensor(np.zeros((3, 5))))
    (3, 5)
    >>> fans(Tensor(np.zeros((8, 4, 3))))    # (out, in, kernel): PyTorch's convention
    (12, 24)
    """
    t = _target("fans", tensor)
    if t.ndim < 2:
        raise ValueError(f"fans: fan in and fan out need a tensor of 2 or more dimensions, got shape {t.shape}")
    if t.ndim == 2:
        return int(t.shape[0]), int(t.shape[1])
    field = int(np.prod(t.shape[2:]))
    return int(t.shape[1]) * field, int(t.shape[0]) * field


def zeros_(tensor: Any) -> Tensor:
    """Fill with 0.

    Examples
    --------
    >>> from autograd import ones
    >>> zeros_(ones(2)).tolist()
    [0.0, 0.0]
    """
    return _fill(_target("zeros_", tensor), 0.0)


def ones_(tensor: Any) -> Tensor:
    """Fill with 1.

    Examples
    --------
    >>> from autograd import zeros
    >>> ones_(zeros(2)).tolist()
    [1.0, 1.0]
    """
    return _fill(_target("ones_", tensor), 1.0)


def constant_(tensor: Any, val: float) -> Tensor:
    """Fill with ``val``.

    Examples
    --------
    >>> constant_(Tensor(np.zeros(2)), 0.5).tolist()
    [0.5, 0.5]
    """
    return _fill(_target("constant_", tensor), float(val))


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with draws from N(mean, std²).

    Examples
    --------
    >>> t = normal_(Tensor(np.zeros(10000)), 2.0, 0.5, generator=0)
    >>> round(float(t.data.mean()), 1), round(float(t.data.std()), 1)
    (2.0, 0.5)
    """
    t = _target("normal_", tensor)
    return _fill(t, make_rng(generator).normal(mean, std, t.shape))


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with draws from U(a, b).

    Examples
    --------
    >>> from autograd import zeros
    >>> w = uniform_(zeros(100), -1.0, 1.0, generator=0)
    >>> bool((w.data >= -1).all() and (w.data < 1).all())
    True
    """
    t = _target("uniform_", tensor)
    if a > b:
        raise ValueError(f"uniform_: the lower bound a={a} is above the upper bound b={b}")
    return _fill(t, make_rng(generator).uniform(a, b, t.shape))


def xavier_uniform_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Examples
    --------
    >>> from autograd import zeros
    >>> w = xavier_uniform_(zeros(4, 2), generator=0)   # a = sqrt(6 / 6) = 1
    >>> bool((abs(w.data) <= 1.0).all())
    True
    """
    fan_in, fan_out = fans(_target("xavier_uniform_", tensor))
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot normal: N(0, std²) with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Examples
    --------
    >>> from autograd import zeros
    >>> xavier_normal_(zeros(3, 2), generator=0).shape
    (3, 2)
    """
    fan_in, fan_out = fans(_target("xavier_normal_", tensor))
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(where: str, tensor: Any, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{where}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fans(_target(where, tensor))
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator: Any = None
) -> Tensor:
    """He uniform: U(-b, b) with ``b = gain * sqrt(3 / fan)`` (``mode`` picks the fan; the gain as calculate_gain).

    Examples
    --------
    >>> t = kaiming_uniform_(Tensor(np.zeros((50, 10))), nonlinearity="relu", generator=0)
    >>> bool(abs(t.data).max() <= math.sqrt(2) * math.sqrt(3 / 50))     # fan_in = 50 inputs
    True
    """
    bound = math.sqrt(3.0) * _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator: Any = None
) -> Tensor:
    """He normal: N(0, std²) with ``std = gain / sqrt(fan)``.

    Examples
    --------
    >>> from autograd import zeros
    >>> kaiming_normal_(zeros(8, 4), generator=0).shape
    (8, 4)
    """
    return normal_(tensor, 0.0, _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity), generator)
