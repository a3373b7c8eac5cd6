"""Losses as modules (PyTorch's ``nn.MSELoss``, ``nn.CrossEntropyLoss``, ...), and which target check each loss runs.

A loss module keeps its options (``reduction``, ``weight``, ...) and is
called as ``criterion(prediction, target)``; its nodes are made in the same
stage as its function's (``"loss"``, labelled ``"loss: mean squared error"``,
..., of kind ``"loss"``), so a drawing shows the loss as a step of its own.  :func:`target_check` tells :func:`nn.fit`
how to check the labels before training, for functions and modules alike.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from ..module import Module
from ..targets import bce_targets, class_targets, hinge_targets, mse_targets
from .binary import bce_with_logits, binary_cross_entropy, binary_cross_entropy_with_logits
from .core import check_reduction
from .multiclass import cross_entropy, nll_loss
from .regression import hinge_loss, huber_loss, l1_loss, mse_loss, smooth_l1_loss

__all__ = [
    "Loss",
    "MSELoss",
    "L1Loss",
    "HuberLoss",
    "SmoothL1Loss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "TARGET_CHECKS",
    "target_check",
]


class Loss(Module):
    """Base of the loss modules: ``forward(prediction, target)`` calls ``fn`` with the module's options.

    Examples
    --------
    >>> from autograd import Tensor
    >>> MSELoss(reduction="sum")(Tensor([1.0, 2.0]), [0.0, 0.0]).item()
    5.0
    """

    kind = "loss"
    #: the loss function the module calls
    fn: Callable[..., Any] = staticmethod(mse_loss)
    #: the target check :func:`nn.fit` runs on the labels before training
    check: Callable[..., Any] = staticmethod(mse_targets)
    reduction: str
    options: dict[str, Any]

    def __init__(self, *, reduction: str = "mean", **options: Any) -> None:
        super().__init__()
        object.__setattr__(self, "reduction", check_reduction(type(self).__name__, reduction))
        object.__setattr__(self, "options", options)

    def forward(self, input: Any, target: Any) -> Any:
        return type(self).fn(input, target, reduction=self.reduction, **self.options)

    def stage_block(self) -> Any:
        """The loss function's own stage (``"loss"``, kind ``"loss"``), not a second one named after the module.

        Examples
        --------
        >>> MSELoss().stage_block().label
        'loss: mean squared error'
        """
        return type(self).fn.stage_block  # type: ignore[attr-defined]

    def extra_repr(self) -> str:
        shown = {k: v for k, v in self.options.items() if v is not None}
        if self.reduction != "mean":
            shown = {"reduction": repr(self.reduction), **shown}
        return ", ".join(f"{k}={v}" for k, v in shown.items())


class MSELoss(Loss):
    """Mean squared error (:func:`nn.losses.mse_loss`) as a module.

    Examples
    --------
    >>> from autograd import Tensor
    >>> MSELoss()(Tensor([1.0, 2.0]), [0.0, 0.0]).item()
    2.5
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)


class L1Loss(Loss):
    """Mean absolute error (:func:`nn.losses.l1_loss`) as a module.

    Examples
    --------
    >>> from autograd import Tensor
    >>> L1Loss()(Tensor([1.0, 3.0]), [2.0, 2.0]).item()
    1.0
    """

    fn = staticmethod(l1_loss)

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)


class HuberLoss(Loss):
    """Huber loss (:func:`nn.losses.huber_loss`) as a module.

    Examples
    --------
    >>> from autograd import Tensor
    >>> HuberLoss(delta=2.0)(Tensor([3.0]), [0.0]).item()   # 2 * (3 - 1)
    4.0
    """

    fn = staticmethod(huber_loss)

    def __init__(self, *, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction, delta=delta)


class SmoothL1Loss(Loss):
    """Smooth L1 loss (:func:`nn.losses.smooth_l1_loss`) as a module.

    Examples
    --------
    >>> from autograd import Tensor
    >>> SmoothL1Loss()(Tensor([0.0, 3.0]), [0.5, 0.0]).item()   # (0.5 * 0.5**2 + (3 - 0.5)) / 2
    1.3125
    """

    fn = staticmethod(smooth_l1_loss)

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction=reduction, beta=beta)


class BCELoss(Loss):
    """Binary cross-entropy of probabilities (:func:`nn.losses.binary_cross_entropy`) as a module.

    Examples
    --------
    >>> from autograd import Tensor
    >>> round(BCELoss()(Tensor([0.5]), [1.0]).item(), 4)
    0.6931
    """

    fn = staticmethod(binary_cross_entropy)
    check = staticmethod(bce_targets)

    def __init__(self, weight: Any = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction, weight=weight)


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy of logits (:func:`nn.losses.bce_with_logits`) as a module.

    Examples
    --------
    >>> from autograd import Tensor
    >>> round(BCEWithLogitsLoss()(Tensor([0.0]), [1.0]).item(), 4)
    0.6931
    """

    fn = staticmethod(binary_cross_entropy_with_logits)
    check = staticmethod(bce_targets)

    def __init__(self, weight: Any = None, *, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction=reduction, weight=weight, pos_weight=pos_weight)


class CrossEntropyLoss(Loss):
    """Softmax cross-entropy of logits and class indices (:func:`nn.losses.cross_entropy`) as a module.

    Examples
    --------
    >>> from autograd import Tensor
    >>> round(CrossEntropyLoss(label_smoothing=0.1)(Tensor([[0.0, 0.0]]), [1]).item(), 4)
    0.6931
    """

    fn = staticmethod(cross_entropy)
    check = staticmethod(class_targets)

    def __init__(
        self,
        weight: Any = None,
        *,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(reduction=reduction, weight=weight, ignore_index=ignore_index, label_smoothing=label_smoothing)

    def extra_repr(self) -> str:
        o = self.options
        parts = [] if self.reduction == "mean" else [f"reduction={self.reduction!r}"]
        parts += [f"weight={o['weight']}"] if o["weight"] is not None else []
        parts += [f"ignore_index={o['ignore_index']}"] if o["ignore_index"] != -100 else []
        return ", ".join(parts + ([f"label_smoothing={o['label_smoothing']:g}"] if o["label_smoothing"] else []))


class NLLLoss(Loss):
    """Negative log-likelihood of log-probabilities and class indices (:func:`nn.losses.nll_loss`) as a module.

    Examples
    --------
    >>> from autograd import Tensor
    >>> NLLLoss()(Tensor([[-1.0, -2.0], [-3.0, -0.5]]), [0, 1]).item()
    0.75
    """

    fn = staticmethod(nll_loss)
    check = staticmethod(class_targets)

    def __init__(self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction, weight=weight, ignore_index=ignore_index)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


TARGET_CHECKS: dict[Callable, Callable] = {
    mse_loss: mse_targets,
    l1_loss: partial(mse_targets, name="l1_loss"),
    huber_loss: partial(mse_targets, name="huber_loss"),
    smooth_l1_loss: partial(mse_targets, name="smooth_l1_loss"),
    hinge_loss: hinge_targets,
    bce_with_logits: bce_targets,
    binary_cross_entropy_with_logits: bce_targets,
    binary_cross_entropy: partial(bce_targets, name="binary_cross_entropy"),
    cross_entropy: class_targets,
    nll_loss: partial(class_targets, name="nll_loss"),
}
"""Each built-in loss function and the check it runs on targets ``(arr, n, k, shape)`` (see :mod:`nn.targets`).

:func:`nn.fit` uses it (through :func:`target_check`) to validate labels before any training."""


def target_check(loss: Any) -> Callable | None:
    """The target check of a built-in loss function or loss module (None for other losses).

    Examples
    --------
    >>> target_check(MSELoss()) is mse_targets, target_check(lambda p, y: p) is None
    (True, True)
    """
    if isinstance(loss, Loss):
        check = type(loss).check
        ignore = loss.options.get("ignore_index")
        return partial(check, ignore_index=ignore) if check is class_targets and ignore is not None else check
    try:
        return TARGET_CHECKS.get(loss)
    except TypeError:  # an unhashable callable
        return None
