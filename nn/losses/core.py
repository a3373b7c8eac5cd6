"""What every loss shares: the ``reduction`` argument, and applying a per-element loss on either engine."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import numpy as np

from autograd import Tensor, Value, cached_stage, in_stage_kind
from autograd.context import CTX as _CTX
from autograd.fused import ENABLED as FUSE

from ..targets import Prediction, data_leaf, mse_targets, prediction, target_array

__all__ = [
    "REDUCTIONS",
    "check_reduction",
    "vmean",
    "vsum",
    "reduce",
    "elementwise",
    "checked",
    "weight_array",
    "loss_stage",
    "loss_path",
    "fused_fast",
    "data_leaf",
]

F = TypeVar("F", bound=Callable[..., Any])

REDUCTIONS = ("mean", "sum", "none")


def loss_stage(full_name: str) -> Callable[[F], F]:
    """Decorate a loss function so its nodes are made in the stage ``"loss"`` labelled ``"loss: <full_name>"``.

    The stage has kind ``"loss"``, so drawings show the loss as a processing
    step of its own.  Called inside a stage that already is a loss stage (a
    loss module, or a stage named ``"loss"``), it adds no second level.  The
    block is made once (:class:`autograd.cached_stage`); the decorated
    function keeps it as ``.stage_block``, for the loss modules.

    Examples
    --------
    >>> from autograd import Tensor
    >>> @loss_stage("doubled sum")
    ... def doubled(p, y):
    ...     return (p * 2).sum()
    >>> out = doubled(Tensor([1.0]), None)
    >>> out.stage, out.stage.labels, out.stage.kinds
    (('loss',), ('loss: doubled sum',), ('loss',))
    """
    # NOTE: not registered: the paths carry label and kind, and a user's stage("loss") keeps its own
    block = cached_stage("loss", label=f"loss: {full_name}", kind="loss", register=False)

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def staged(*args: Any, **kwargs: Any) -> Any:
            if in_stage_kind("loss", "loss"):
                return fn(*args, **kwargs)
            with block:
                return fn(*args, **kwargs)

        staged.stage_block = block  # type: ignore[attr-defined]
        return staged  # type: ignore[return-value]

    return decorate


def check_reduction(name: str, reduction: Any) -> str:
    """``reduction`` itself when it is ``"mean"``, ``"sum"`` or ``"none"``, else an error naming the loss.

    Examples
    --------
    >>> check_reduction("mse_loss", "avg")
    Traceback (most recent call last):
    ...
    ValueError: mse_loss: reduction must be 'mean', 'sum' or 'none', got 'avg'
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return str(reduction)


def vsum(terms: list[Value]) -> Value:
    """Sum of Values, left to right."""
    acc = terms[0]
    for t in terms[1:]:
        acc = acc + t
    return acc


def vmean(terms: list[Value]) -> Value:
    """Mean of Values: summed left to right, then times 1/n (as Tensor.mean)."""
    return vsum(terms) * (1.0 / len(terms))


def reduce(per: Any, reduction: str, shape_of: Prediction | None = None) -> Any:
    """Reduce per-element losses: a Tensor, or (scalar engine) rows of Values laid out as the prediction.

    With ``"none"`` a Tensor is returned as is and rows of Values come back as
    a list of Values (one output per sample) or a list of lists.
    """
    if isinstance(per, Tensor):
        return per if reduction == "none" else (per.sum() if reduction == "sum" else per.mean())
    flat = [v for row in per for v in row]
    if reduction == "mean":
        return vmean(flat)
    if reduction == "sum":
        return vsum(flat)
    return [row[0] for row in per] if shape_of is not None and shape_of.flat else per


def checked(name: str, given: Any, target: Any, check: Callable) -> tuple[Any, np.ndarray, Prediction | None]:
    """The prediction (a :class:`Prediction`, or a Tensor of 3 or more dimensions) and its checked target.

    1-D and 2-D predictions go through :func:`nn.targets.prediction` (so ``(N,)``
    and ``(N, 1)`` pair with targets of either shape); a Tensor with more
    dimensions needs a target of exactly its shape, as in PyTorch.
    """
    if isinstance(given, Tensor) and given.ndim > 2:
        arr = target_array(name, target)
        if arr.shape != given.shape:
            raise ValueError(f"{name}: the target has shape {arr.shape}; expected the prediction's shape {given.shape}")
        flat = check(arr.reshape(-1), arr.size, 1, (arr.size,), name=name)
        return given, flat.reshape(arr.shape), None
    pred = prediction(name, given)
    t = check(target_array(name, target), pred.n, pred.k, pred.shape, name=name)
    return pred, t, pred


def weight_array(name: str, weight: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """A per-element weight as a float array that broadcasts to ``shape`` (None stays None)."""
    if weight is None:
        return None
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=np.float64)
    try:
        np.broadcast_shapes(w.shape, shape)
    except ValueError:
        raise ValueError(f"{name}: weight of shape {w.shape} does not broadcast to the prediction's {shape}") from None
    return w


def elementwise(
    name: str,
    check: Callable,
    prediction: Any,
    target: Any,
    fn: Callable[[Any, Any], Any],
    reduction: str,
    weight: Any = None,
    value_fn: Callable[[Any, Any], Any] | None = None,
) -> Any:
    """Apply ``fn(p, y)`` to every element (``value_fn`` on the scalar engine, default ``fn``), weight, reduce.

    A loss recorded as one fused node is made before, by :func:`fused_fast`.

    Examples
    --------
    >>> from autograd import Tensor
    >>> elementwise("l1_loss", mse_targets, Tensor([1.0, -3.0]), np.zeros(2), lambda p, y: (p - y).abs(), "sum").item()
    4.0
    """
    if check is mse_targets and weight is None and reduction != "none":
        fast = _fast(name, prediction, target, fn, reduction)
        if fast is not None:
            return fast
    check_reduction(name, reduction)
    pred, t, layout = checked(name, prediction, target, partial(check))
    tensor = pred if isinstance(pred, Tensor) else pred.tensor
    if tensor is not None:
        per = fn(tensor, data_leaf(t.astype(tensor.dtype, copy=False), "target"))
        w = weight_array(name, weight, tensor.shape)
        if w is not None:
            per = per * data_leaf(w.astype(tensor.dtype, copy=False), "weight")
        return reduce(per, reduction)
    rows, vfn = pred.rows, value_fn or fn
    w = weight_array(name, weight, (pred.n, pred.k))
    t2 = t.reshape(pred.n, pred.k).tolist()
    ws = None if w is None else np.broadcast_to(w, (pred.n, pred.k)).tolist()
    per_rows = [
        [vfn(p, ti) if ws is None else vfn(p, ti) * ws[i][j] for j, (p, ti) in enumerate(zip(row, trow))]
        for i, (row, trow) in enumerate(zip(rows, t2))
    ]
    return reduce(per_rows, reduction, layout)


def _plain_target(pd: np.ndarray, target: np.ndarray, reduction: str) -> np.ndarray | None:
    """A float target of prediction data ``pd``'s layout, as ``pd``'s dtype, for a reduced loss; else None.

    ``pd`` of shape (N,) or (N, k), nothing empty; the target of that shape, or (N,) against (N, 1) or back.
    Any real target is valid here: the caller checks the finished loss instead (see :func:`fused_fast`).
    """
    shape, tshape = pd.shape, target.shape
    if target.dtype.kind != "f" or len(shape) not in (1, 2) or 0 in shape or reduction not in ("mean", "sum"):
        return None
    if tshape != shape:
        if (len(shape) == 2 and shape == tshape + (1,)) or (len(shape) == 1 and tshape == shape + (1,)):
            target = target.reshape(shape)
        else:
            return None
    if target.dtype is not pd.dtype:
        target = target.astype(pd.dtype)  # the graph only reads it: a float array of its dtype is used as is
    return target


def _fast(name: str, prediction: Any, target: Any, fn: Callable[[Any, Any], Any], reduction: str) -> Any:
    """The common case, cheaply: a Tensor of shape (N,) or (N, k) and a float array of its layout.

    Any real target is valid here, so instead of scanning the target for
    nan/inf the finished loss is checked; when it is not finite the full
    check runs (and names a bad target).  None when the case is not this one.
    """
    if type(prediction) is not Tensor or type(target) is not np.ndarray:
        return None
    t = _plain_target(prediction.data, target, reduction)
    if t is None:
        return None
    per = fn(prediction, data_leaf(t, "target"))
    out = per.sum() if reduction == "sum" else per.mean()
    if not math.isfinite(out.data):  # NOTE: a 0-d array: math's check, not a ufunc call
        # raises for a given target with nan or inf (not for one the cast to the prediction's dtype made inf)
        checked(name, prediction, target, mse_targets)
    return out


def loss_path(block: cached_stage) -> tuple[str, ...]:
    """The stage path a loss's nodes get now: ``block``'s under the current stage, or the current one in a loss stage.

    What :func:`loss_stage`'s wrapper gives them by entering ``block``, without entering it.

    Examples
    --------
    >>> block = cached_stage("loss", label="loss: doubled", kind="loss", register=False)
    >>> loss_path(block), loss_path(block).labels
    (('loss',), ('loss: doubled',))
    >>> with block:
    ...     loss_path(block)
    ('loss',)
    """
    base = _CTX.get()[0]
    if base and in_stage_kind("loss", "loss"):
        return base
    return block.at(base)


def fused_fast(name: str, prediction: Any, target: Any, reduction: str, fused: Any, block: cached_stage) -> Any:
    """The common case of an elementwise loss with targets checked by ``mse_targets``, as ``fused``'s one node
    made in ``block``'s stage without entering it; None (the caller runs the staged loss) for any other case.

    The case: a Tensor of shape (N,) or (N, k), a float array of its layout, reduced, fusion on, and a
    node made (``fused`` gives None under :func:`autograd.detect_anomaly`).  The finished loss is
    checked as in :func:`elementwise`'s cheap path: a target with nan or inf raises the full check's error.

    Examples
    --------
    >>> from autograd import Tensor
    >>> from autograd.fused_loss import squared_error
    >>> block = cached_stage("loss", label="loss: squares", kind="loss", register=False)
    >>> out = fused_fast("mse_loss", Tensor([1.0, 3.0]), np.zeros(2), "mean", squared_error, block)
    >>> out.item(), out.stage, out.stage.kinds
    (5.0, ('loss',), ('loss',))
    >>> fused_fast("mse_loss", Tensor([1.0, 3.0]), [0.0, 0.0], "mean", squared_error, block) is None  # a list
    True
    """
    if type(prediction) is not Tensor or type(target) is not np.ndarray or not FUSE[0]:
        return None
    t = _plain_target(prediction.data, target, reduction)
    if t is None:
        return None
    out = fused(prediction, t, None if reduction == "sum" else 1.0 / t.size, "target")
    if out is None:
        return None
    out.stage = loss_path(block)  # NOTE: the one node the loss makes: tagged as the staged wrapper's block would
    if not math.isfinite(out.data):  # NOTE: as in _fast
        checked(name, prediction, target, mse_targets)
    return out
