"""Losses of real-valued predictions (mean squared and absolute error, Huber, smooth L1, hinge) and the L2 penalty."""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

from autograd import Node, Tensor, Value, dot, where
from autograd.fused_loss import squared_error

from ..targets import hinge_targets, kind_of, mse_targets
from .core import elementwise, fused_fast, loss_stage

__all__ = ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "hinge_loss", "l2_penalty"]


def _square(p: Any, y: Any) -> Any:
    d = p - y
    return d * d


def _positive(name: str, what: str, x: Any, strict: bool = False) -> float:
    v = float(x) if isinstance(x, numbers.Real) and not isinstance(x, bool) else float("nan")
    if not (v > 0 if strict else v >= 0) or v == float("inf"):
        raise ValueError(f"{name}: {what} must be a finite number {'> 0' if strict else '>= 0'}, got {x!r}")
    return v


@loss_stage("mean squared error")
def _mse_staged(prediction: Any, target: Any, reduction: str) -> Any:
    """:func:`mse_loss` in its stage, every case but the one fused node (:func:`nn.losses.core.fused_fast`)."""
    return elementwise("mse_loss", mse_targets, prediction, target, _square, reduction)


_MSE_BLOCK = _mse_staged.stage_block  # type: ignore[attr-defined]


def mse_loss(prediction: Any, target: Any, *, reduction: str = "mean") -> Any:
    """Mean squared error, ``mean((prediction - target) ** 2)``.

    For regression, and for classification the way early networks were
    trained (targets 0/1 or -1/+1).

    Parameters
    ----------
    prediction : Tensor or list of Values or list of lists of Values
        The model's outputs: a Tensor ``(N,)``, ``(N, 1)`` or ``(N, k)`` (or of
        any shape, with a target of the same shape); on the scalar engine a list
        of ``N`` Values or of ``N`` lists of ``k`` Values.
    target : list, ndarray or Tensor
        Real numbers of shape ``(N,)`` or ``(N, 1)`` (one output) or ``(N, k)``.
    reduction : {"mean", "sum", "none"}
        Average or add the squared errors, or return them all (shaped as the prediction).

    Returns
    -------
    Tensor or Value (or the per-element losses with ``reduction="none"``)

    Examples
    --------
    >>> from autograd import Tensor, Value
    >>> mse_loss(Tensor([1.0, 2.0]), [0.0, 0.0]).item()
    2.5
    >>> mse_loss([Value(1.0), Value(2.0)], [0.0, 0.0], reduction="sum").data
    5.0
    """
    # NOTE: a training step's case (one fused node) without the staged wrapper's block: the node gets its path
    out = fused_fast("mse_loss", prediction, target, reduction, squared_error, _MSE_BLOCK)
    return _mse_staged(prediction, target, reduction) if out is None else out


mse_loss.stage_block = _MSE_BLOCK  # type: ignore[attr-defined]  # the loss modules enter it


@loss_stage("mean absolute error")
def l1_loss(prediction: Any, target: Any, *, reduction: str = "mean") -> Any:
    """Mean absolute error, ``mean(|prediction - target|)`` (its gradient at 0 is 0, as PyTorch's).

    Arguments as in :func:`mse_loss`.

    Examples
    --------
    >>> from autograd import Tensor
    >>> l1_loss(Tensor([1.0, -3.0]), [0.0, 0.0]).item()
    2.0
    >>> l1_loss(Tensor([1.0, -3.0]), [0.0, 0.0], reduction="none").tolist()
    [1.0, 3.0]
    """
    return elementwise("l1_loss", mse_targets, prediction, target, lambda p, y: (p - y).abs(), reduction)


@loss_stage("Huber")
def huber_loss(prediction: Any, target: Any, *, reduction: str = "mean", delta: float = 1.0) -> Any:
    """Huber loss: squared for small errors, linear for large ones, so outliers pull less.

    With ``d = prediction - target``: ``0.5 * d**2`` where ``|d| < delta``,
    else ``delta * (|d| - 0.5 * delta)``.  Other arguments as in :func:`mse_loss`.

    Examples
    --------
    >>> from autograd import Tensor
    >>> huber_loss(Tensor([0.5, 3.0]), [0.0, 0.0], reduction="none").tolist()
    [0.125, 2.5]
    """
    delta = _positive("huber_loss", "delta", delta, strict=True)

    def tensor_fn(p: Any, y: Any) -> Any:
        d = p - y
        a = d.abs()
        return where(a.data < delta, d * d * 0.5, (a - 0.5 * delta) * delta)

    def value_fn(p: Any, y: Any) -> Any:
        d = p - y
        return d * d * 0.5 if abs(d.data) < delta else (d.abs() - 0.5 * delta) * delta

    return elementwise("huber_loss", mse_targets, prediction, target, tensor_fn, reduction, value_fn=value_fn)


@loss_stage("smooth L1")
def smooth_l1_loss(prediction: Any, target: Any, *, reduction: str = "mean", beta: float = 1.0) -> Any:
    """Smooth L1 loss: ``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta`` (``beta=0``: L1).

    Examples
    --------
    >>> from autograd import Tensor
    >>> smooth_l1_loss(Tensor([0.5, 3.0]), [0.0, 0.0], reduction="none", beta=2.0).tolist()
    [0.0625, 2.0]
    """
    beta = _positive("smooth_l1_loss", "beta", beta)
    if beta == 0:
        return l1_loss(prediction, target, reduction=reduction)

    def tensor_fn(p: Any, y: Any) -> Any:
        d = p - y
        a = d.abs()
        return where(a.data < beta, d * d * (0.5 / beta), a - 0.5 * beta)

    def value_fn(p: Any, y: Any) -> Any:
        d = p - y
        return d * d * (0.5 / beta) if abs(d.data) < beta else d.abs() - 0.5 * beta

    return elementwise("smooth_l1_loss", mse_targets, prediction, target, tensor_fn, reduction, value_fn=value_fn)


@loss_stage("hinge")
def hinge_loss(prediction: Any, target: Any, *, reduction: str = "mean") -> Any:
    """Max-margin (SVM) loss ``mean(relu(1 - y * score))`` for labels -1 and +1.

    A sample costs nothing once it is on the right side with a margin of 1
    (``y * score >= 1``); this is the loss of micrograd's demo.

    Parameters
    ----------
    prediction : Tensor or list of Values
        Scores: positive means class +1.  Shapes as in :func:`mse_loss`.
    target : list, ndarray or Tensor
        Labels, each -1 or +1.
    reduction : {"mean", "sum", "none"}
        As in :func:`mse_loss`.

    Raises
    ------
    ValueError
        For labels other than -1 and +1 (0/1 labels name the conversion).

    Examples
    --------
    >>> from autograd import Tensor
    >>> hinge_loss(Tensor([2.0, 0.5]), [1, -1]).item()   # 0 and 1.5, averaged
    0.75
    """
    return elementwise("hinge_loss", hinge_targets, prediction, target, lambda p, y: (1.0 - p * y).relu(), reduction)


@loss_stage("L2 penalty")
def l2_penalty(params: Any, alpha: float) -> Any:
    """``alpha * sum(w ** 2)`` over all parameters (L2 regularisation, weight decay).

    Add it to a loss to keep weights small, as micrograd's demo does with
    ``alpha = 1e-4``.  Its gradient is ``2 * alpha * w``, so it matches
    ``SGD(..., weight_decay=2 * alpha)``.

    Parameters
    ----------
    params : iterable of Values or Tensors, or a model
        The parameters (a model's ``.parameters()`` is called for you).
    alpha : float
        The strength, >= 0.

    Returns
    -------
    Value or Tensor
        A scalar node.

    Examples
    --------
    >>> from autograd import Tensor, Value
    >>> l2_penalty([Value(1.0), Value(-2.0)], alpha=0.1).data
    0.5
    >>> l2_penalty([Tensor([[1.0, -2.0]], requires_grad=True)], alpha=0.1).item()
    0.5
    """
    name = "l2_penalty"
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    if isinstance(params, Node) or not isinstance(params, Iterable):
        raise TypeError(f"{name}: params must be an iterable of Values or Tensors (or a model), got {kind_of(params)}")
    ps = list(params)
    if not ps:
        raise ValueError(f"{name}: got no parameters")
    alpha = _positive(name, "alpha", alpha)
    if all(isinstance(p, Value) for p in ps):
        return dot(ps, ps) * alpha
    if all(isinstance(p, Tensor) for p in ps):
        total = (ps[0] * ps[0]).sum()
        for p in ps[1:]:
            total = total + (p * p).sum()
        return total * alpha
    kinds = sorted({type(p).__name__ for p in ps})
    raise TypeError(f"{name}: params must be all Values or all Tensors, got {', '.join(kinds)}")
