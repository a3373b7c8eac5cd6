"""Binary cross-entropy, of probabilities (``binary_cross_entropy``) and of logits (``bce_with_logits``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor, maximum

from ..targets import bce_targets
from .core import elementwise, loss_stage

__all__ = ["bce_with_logits", "binary_cross_entropy_with_logits", "binary_cross_entropy"]

_TINY = math.exp(-100.0)  # log(_TINY) == -100: where PyTorch clamps the logs of binary_cross_entropy


@loss_stage("binary cross-entropy with logits")
def bce_with_logits(
    prediction: Any, target: Any, weight: Any = None, *, reduction: str = "mean", pos_weight: Any = None
) -> Any:
    """Binary cross-entropy of a logit: ``mean(softplus(z) - y * z)`` for labels 0 and 1.

    Equal to ``-mean(y * log(sigmoid(z)) + (1 - y) * log(1 - sigmoid(z)))``,
    but computed from the logit ``z`` directly, so it stays finite for
    ``z = ±1e4`` where ``sigmoid`` rounds to exactly 0 or 1.  The gradient with
    respect to ``z`` is ``sigmoid(z) - y``.  PyTorch's name is
    :func:`binary_cross_entropy_with_logits`.

    Parameters
    ----------
    prediction : Tensor or list of Values
        Logits (scores before the sigmoid): positive means class 1.  Shapes as
        in :func:`mse_loss`; several outputs are several independent yes/no questions.
    target : list, ndarray or Tensor
        Labels 0 or 1 (probabilities in [0, 1] are accepted too).
    weight : array_like, optional
        A factor for each element's loss (broadcast to the prediction's shape).
    reduction : {"mean", "sum", "none"}
        As in :func:`mse_loss`.
    pos_weight : array_like, optional
        A factor for the positive term of each output (shape ``(k,)``), to
        weigh rare positives: ``-(pos_weight * y * log(sigmoid(z)) + (1 - y) * log(1 - sigmoid(z)))``.

    Raises
    ------
    ValueError
        For labels outside [0, 1] (-1/+1 labels name the conversion).

    Examples
    --------
    >>> from autograd import Tensor, maximum
    >>> round(bce_with_logits(Tensor([0.0]), [1]).item(), 4)   # log 2
    0.6931
    >>> bce_with_logits(Tensor([1e4, -1e4]), [1, 0]).item()
    0.0
    >>> round(bce_with_logits(Tensor([0.0]), [1], pos_weight=[3.0]).item(), 4)   # 3 log 2
    2.0794
    """
    if pos_weight is None:

        def fn(z: Any, y: Any) -> Any:
            return z.softplus() - z * y

    else:
        pw = np.asarray(pos_weight.data if isinstance(pos_weight, Tensor) else pos_weight, dtype=np.float64)

        def fn(z: Any, y: Any) -> Any:
            # (1 - y) z + (1 + (pw - 1) y) softplus(-z): the positive term log(1 + e^-z) is weighted
            yd = y.data if isinstance(y, Tensor) else y
            lw = 1.0 + (pw - 1.0) * yd
            if isinstance(z, Tensor):
                return z * Tensor((1.0 - yd).astype(z.dtype)) + (-z).softplus() * Tensor(lw.astype(z.dtype))
            if np.size(lw) != 1:
                raise ValueError("bce_with_logits: a pos_weight per output needs the tensor engine; give one number")
            return z * (1.0 - yd) + (-z).softplus() * float(np.reshape(lw, -1)[0])

    name = "bce_with_logits"
    return elementwise(name, bce_targets, prediction, target, fn, reduction, weight)


@loss_stage("binary cross-entropy with logits")
def binary_cross_entropy_with_logits(
    input: Any, target: Any, weight: Any = None, *, reduction: str = "mean", pos_weight: Any = None
) -> Any:
    """PyTorch's name for :func:`bce_with_logits`.

    Examples
    --------
    >>> from autograd import Tensor, maximum
    >>> round(binary_cross_entropy_with_logits(Tensor([0.0, 0.0]), [1, 0], reduction="sum").item(), 4)
    1.3863
    """
    return bce_with_logits(input, target, weight, reduction=reduction, pos_weight=pos_weight)


@loss_stage("binary cross-entropy")
def binary_cross_entropy(input: Any, target: Any, weight: Any = None, *, reduction: str = "mean") -> Any:
    """Binary cross-entropy of probabilities: ``-mean(y * log(p) + (1 - y) * log(1 - p))``.

    ``p`` must already be in [0, 1] (e.g. after a sigmoid); each log is
    clamped at -100, as PyTorch does, so ``p = 0`` or 1 gives a finite loss.
    From logits, :func:`bce_with_logits` is more precise.

    Examples
    --------
    >>> from autograd import Tensor, maximum
    >>> round(binary_cross_entropy(Tensor([0.5, 0.9]), [1.0, 1.0], reduction="none").tolist()[1], 4)
    0.1054
    >>> binary_cross_entropy(Tensor([1.5]), [1.0])
    Traceback (most recent call last):
    ...
    ValueError: binary_cross_entropy: the input must hold probabilities in [0, 1]; got values up to 1.5 ...
    """
    name = "binary_cross_entropy"
    data = (
        input.data
        if isinstance(input, Tensor)
        else np.array([getattr(v, "data", np.nan) for row in input for v in (row if isinstance(row, list) else [row])])
    )
    if data.size and not (np.all(data >= 0) and np.all(data <= 1)):
        raise ValueError(
            f"{name}: the input must hold probabilities in [0, 1]; got values up to {np.nanmax(data):g} "
            f"and down to {np.nanmin(data):g} (for logits use binary_cross_entropy_with_logits)"
        )

    def fn(p: Any, y: Any) -> Any:
        # NOTE: each log is clamped at -100 (PyTorch's choice) by clamping its input at e^-100 first:
        # log(0) = -inf never appears, and the gradient stays finite (0 where the clamp acts)
        return -(y * maximum(p, _TINY).log() + (1.0 - y) * maximum(1.0 - p, _TINY).log())

    return elementwise(name, bce_targets, input, target, fn, reduction, weight)
