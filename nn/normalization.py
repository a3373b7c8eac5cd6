"""Normalisation layers: ``LayerNorm`` (over each sample's features) and ``BatchNorm1d`` (over the batch, per feature).

Both subtract a mean and divide by ``sqrt(variance + eps)`` (the biased
variance, as PyTorch), then scale and shift by learned ``weight`` and
``bias``.  In drawings their stage shows two steps, ``normalise`` and
``scale and shift``.  Both are composites of existing Tensor ops.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd import Tensor, stage

from .checks import check_float_dtype
from .module import Module
from .parameter import Parameter

__all__ = ["layer_norm", "batch_norm", "LayerNorm", "BatchNorm1d"]


def _tensor(x: Any, where: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (list, tuple)) and x and not isinstance(x[0], (numbers.Real, list, tuple, np.ndarray)):
        raise TypeError(f"{where}: works on Tensors only (the tensor engine); got a list of {type(x[0]).__name__}")
    if not isinstance(x, (np.ndarray, list, tuple)):
        raise TypeError(f"{where}: expected a Tensor (the tensor engine), got {type(x).__name__}")
    return Tensor(x)


def _shape(normalized_shape: Any) -> tuple[int, ...]:
    return (int(normalized_shape),) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)


def _normalise(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """``(x - mean) / sqrt(var + eps)`` over ``axes``, with the biased variance; also the mean and variance."""
    mean = x.mean(axes, keepdims=True)
    d = x - mean
    # NOTE: the biased (1/N) variance of the batch, computed from existing ops
    var = (d * d).mean(axes, keepdims=True)
    return d * (var + eps) ** -0.5, mean, var


def _affine(y: Tensor, weight: Any, bias: Any) -> Tensor:
    if weight is None and bias is None:
        return y
    with stage("scale and shift", kind="step"):
        if weight is not None:
            y = y * weight
        if bias is not None:
            y = y + bias
    return y


def layer_norm(
    x: Any, normalized_shape: Sequence[int] | int, weight: Any = None, bias: Any = None, eps: float = 1e-5
) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dimensions, then scale and shift (PyTorch's ``F.layer_norm``).

    Examples
    --------
    >>> y = layer_norm(Tensor([[1.0, 2.0, 3.0]]), 3)
    >>> np.round(y.data, 4).tolist()
    [[-1.2247, 0.0, 1.2247]]
    """
    x = _tensor(x, "layer_norm")
    shape = _shape(normalized_shape)
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k :] != shape or x.ndim < k:
        raise ValueError(f"layer_norm: expected inputs whose last dimensions are {shape}, got shape {x.shape}")
    with stage("normalise", kind="step"):
        y, _, _ = _normalise(x, tuple(range(x.ndim - k, x.ndim)), float(eps))
    return _affine(y, weight, bias)


def _channel_axes(x: Tensor, where: str, num_features: int | None) -> tuple[tuple[int, ...], tuple[int, ...]]:
    if x.ndim not in (2, 3) or (num_features is not None and x.shape[1] != num_features):
        want = "(N, C) or (N, C, L)" if num_features is None else f"(N, {num_features}) or (N, {num_features}, L)"
        raise ValueError(f"{where}: expected input of shape {want}, got {x.shape}")
    axes = (0,) if x.ndim == 2 else (0, 2)
    shape = (1, x.shape[1]) + ((1,) if x.ndim == 3 else ())
    return axes, shape


def batch_norm(
    x: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation over ``(N, C)`` or ``(N, C, L)`` inputs (PyTorch's ``F.batch_norm``).

    Training (or no running statistics): normalise with the batch's mean and
    biased variance, and update ``running_mean``/``running_var`` in place as
    ``(1 - momentum) * running + momentum * batch`` (the running variance from
    the unbiased batch variance).  Otherwise normalise with the running statistics.

    Examples
    --------
    >>> rm, rv = np.zeros(1), np.ones(1)
    >>> y = batch_norm(Tensor([[1.0], [3.0]]), rm, rv, training=True)
    >>> np.round(y.data, 4).ravel().tolist(), rm.tolist(), rv.tolist()   # var of (1, 3): 1 biased, 2 unbiased
    ([-1.0, 1.0], [0.2], [1.1])
    """
    x = _tensor(x, "batch_norm")
    axes, shape = _channel_axes(x, "batch_norm", None)
    rm = running_mean.data if isinstance(running_mean, Tensor) else running_mean
    rv = running_var.data if isinstance(running_var, Tensor) else running_var
    if training or rm is None:
        n = int(np.prod([x.shape[a] for a in axes]))
        if training and n <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input of shape {x.shape}"
            )
        with stage("normalise", kind="step"):
            y, mean, var = _normalise(x, axes, float(eps))
        if training and rm is not None and rv is not None:
            m = float(momentum)
            unbiased = var.data.reshape(-1) * (n / (n - 1))
            rm[...] = m * mean.data.reshape(-1) + (1 - m) * rm  # NOTE: in-place buffer updates, as PyTorch
            rv[...] = m * unbiased + (1 - m) * rv
    else:
        with stage("normalise", kind="step"):
            mean_c = Tensor(np.array(rm, dtype=x.dtype).reshape(shape), label="running_mean")
            inv = Tensor((np.array(rv, dtype=x.dtype).reshape(shape) + eps) ** -0.5, label="1/sqrt(running_var+eps)")
            y = (x - mean_c) * inv
    w = None if weight is None else weight.reshape(shape) if isinstance(weight, Tensor) else np.reshape(weight, shape)
    b = None if bias is None else bias.reshape(shape) if isinstance(bias, Tensor) else np.reshape(bias, shape)
    return _affine(y, w, b)


class LayerNorm(Module):
    """Normalise each sample over its last dimensions, then scale and shift (PyTorch's ``nn.LayerNorm``).

    ``y = (x - mean) / sqrt(var + eps) * weight + bias``, with the mean and
    biased variance taken over the last ``len(normalized_shape)`` dimensions of
    each sample; ``weight`` starts at 1 and ``bias`` at 0.  Tensor engine only.

    Parameters
    ----------
    normalized_shape : int or tuple of int
        The shape of the trailing dimensions that are normalised.
    eps : float, default 1e-5
        Added to the variance.
    elementwise_affine : bool, default True
        Learn ``weight`` (and ``bias``).
    bias : bool, default True
        Learn ``bias`` (when ``elementwise_affine``).
    dtype : numpy dtype
        float64 by default.

    Examples
    --------
    >>> ln = LayerNorm(3)
    >>> np.round(ln(Tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 3.0]])).data, 4).tolist()
    [[-1.2247, 0.0, 1.2247], [-0.7071, -0.7071, 1.4142]]
    >>> [n for n, _ in ln.named_parameters()]
    ['weight', 'bias']
    """

    kind = "layer"

    def __init__(
        self,
        normalized_shape: Sequence[int] | int,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        dtype = check_float_dtype(dtype, "LayerNorm")
        shape = _shape(normalized_shape)
        if not shape or not all(isinstance(s, numbers.Integral) and int(s) >= 1 for s in shape):
            raise ValueError(f"LayerNorm: normalized_shape must be positive ints, got {normalized_shape!r}")
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps = float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype)) if elementwise_affine and bias else None

    def forward(self, x: Any) -> Tensor:
        return layer_norm(_tensor(x, self.describe()), self.normalized_shape, self.weight, self.bias, self.eps)

    def describe(self) -> str:
        return f"{self.name}: LayerNorm{self.normalized_shape}"

    def extra_repr(self) -> str:
        affine = "" if self.elementwise_affine else ", elementwise_affine=False"
        return f"{self.normalized_shape}, eps={self.eps:g}{affine}"


class BatchNorm1d(Module):
    """Normalise each feature over the batch, with running statistics for evaluation (PyTorch's ``nn.BatchNorm1d``).

    Training: ``y = (x - batch_mean) / sqrt(batch_var + eps) * weight + bias``
    with the biased batch variance, and the running statistics move towards
    the batch's: ``running = (1 - momentum) * running + momentum * batch``
    (the running variance from the *unbiased* batch variance, as PyTorch;
    ``momentum=None`` takes the cumulative average instead).  Evaluation
    (``model.eval()``): the running statistics replace the batch's.  Inputs
    are ``(N, C)`` or ``(N, C, L)``.  Tensor engine only.

    Parameters
    ----------
    num_features : int
        ``C``, the number of features (channels).
    eps : float, default 1e-5
        Added to the variance.
    momentum : float or None, default 0.1
        The weight of each batch in the running statistics.
    affine : bool, default True
        Learn ``weight`` and ``bias``.
    track_running_stats : bool, default True
        Keep ``running_mean``, ``running_var`` and ``num_batches_tracked``
        (buffers: saved in ``state_dict``, not trained); False always uses the batch's statistics.
    dtype : numpy dtype
        float64 by default.

    Examples
    --------
    >>> bn = BatchNorm1d(2)
    >>> y = bn(Tensor([[1.0, 10.0], [3.0, 30.0]]))
    >>> np.round(y.data, 4).tolist(), bn.running_mean.tolist(), int(bn.num_batches_tracked)
    ([[-1.0, -1.0], [1.0, 1.0]], [0.2, 2.0], 1)
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    kind = "layer"
    num_features: int
    eps: float
    momentum: float | None
    affine: bool
    track_running_stats: bool
    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: np.ndarray | None
    weight: Parameter | None
    bias: Parameter | None

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        dtype = check_float_dtype(dtype, "BatchNorm1d")
        if isinstance(num_features, bool) or not isinstance(num_features, numbers.Integral) or num_features < 1:
            raise ValueError(f"BatchNorm1d: num_features must be a positive int, got {num_features!r}")
        self.num_features = int(num_features)
        self.eps = float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        self.weight = Parameter(np.ones(self.num_features, dtype=dtype)) if affine else None
        self.bias = Parameter(np.zeros(self.num_features, dtype=dtype)) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(self.num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(self.num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def forward(self, x: Any) -> Tensor:
        x = _tensor(x, self.describe())
        _channel_axes(x, self.describe(), self.num_features)
        momentum = self.momentum
        if self.training and self.num_batches_tracked is not None:
            self.num_batches_tracked[...] += 1  # NOTE: in place: the buffer object stays the same
            if momentum is None:  # the cumulative average of all batches so far
                momentum = 1.0 / float(self.num_batches_tracked)
        use_batch = self.training or not self.track_running_stats
        return batch_norm(
            x,
            None if not self.track_running_stats else self.running_mean,
            None if not self.track_running_stats else self.running_var,
            self.weight,
            self.bias,
            use_batch,
            momentum or 0.0,
            self.eps,
        )

    def describe(self) -> str:
        return f"{self.name}: BatchNorm1d({self.num_features})"

    def extra_repr(self) -> str:
        parts = [str(self.num_features), f"eps={self.eps:g}", f"momentum={self.momentum}"]
        parts += [] if self.affine else ["affine=False"]
        return ", ".join(parts + ([] if self.track_running_stats else ["track_running_stats=False"]))
