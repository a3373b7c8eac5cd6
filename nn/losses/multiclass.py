"""Losses over classes: ``cross_entropy`` of logits and ``nll_loss`` of log-probabilities, with PyTorch's options."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from autograd import Tensor, Value
from autograd.fused import ENABLED as FUSE
from autograd.fused_cross_entropy import cross_entropy as fused_cross_entropy

from ..targets import class_targets, plain_class_targets, prediction, target_array
from .core import check_reduction, loss_path, loss_stage, vmean, vsum

__all__ = ["cross_entropy", "nll_loss"]


def _options(name: str, weight: Any, k: int, label_smoothing: Any, ignore_index: Any) -> tuple[Any, float, int]:
    w = None
    if weight is not None:
        w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=np.float64)
        if w.shape != (k,):
            raise ValueError(f"{name}: weight must have one entry per class, shape ({k},), got {w.shape}")
    ls = float(label_smoothing) if isinstance(label_smoothing, numbers.Real) else float("nan")
    if isinstance(label_smoothing, bool) or not 0 <= ls <= 1:
        raise ValueError(f"{name}: label_smoothing must be a number in [0, 1], got {label_smoothing!r}")
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral):
        raise TypeError(f"{name}: ignore_index must be an int, got {ignore_index!r}")
    return w, ls, int(ignore_index)


def _tensor_loss(
    logp: Tensor, t: np.ndarray, w: Any, eps: float, ignore: int, reduction: str, probabilities: bool
) -> Any:
    """PyTorch's (label-smoothed, weighted) negative log-likelihood of log-probabilities ``logp`` (N, k)."""
    n, k = logp.shape
    if probabilities:  # soft targets: -sum_c q_c logp_c, the mean is over the N samples
        q = t * (1 - eps) + eps / k
        if w is not None:
            q = q * w
        per = -(logp * Tensor(q.astype(logp.dtype))).sum(axis=1)
        return per if reduction == "none" else (per.sum() if reduction == "sum" else per.sum() * (1.0 / n))
    valid = t != ignore
    safe = np.where(valid, t, 0)
    picked = logp[np.arange(n), safe]
    plain = w is None and bool(valid.all())
    wt = np.ones(n) if w is None else w[safe]
    wt = np.where(valid, wt, 0.0)
    nll = -picked if plain else -(picked * Tensor(wt.astype(logp.dtype)))
    total_w = float(wt.sum())

    def reduced(per: Tensor) -> Tensor:
        if reduction == "none":
            return per
        if reduction == "sum":
            return per.sum()
        return per.mean() if plain else per.sum() * (1.0 / total_w) if total_w else per.sum() * float("nan")

    out = reduced(nll)
    if eps:
        smooth = -(logp.sum(axis=1) if w is None else (logp * Tensor(w.astype(logp.dtype))).sum(axis=1))
        if not valid.all():
            smooth = smooth * Tensor(valid.astype(logp.dtype))
        out = out * (1 - eps) + reduced(smooth) * (eps / k)
    return out


def _value_loss(rows: list[list[Value]], t: np.ndarray, w: Any, eps: float, ignore: int, reduction: str) -> Any:
    """The same loss on the scalar engine, for rows of log-probabilities."""
    k = len(rows[0])
    nll, smooth, total_w = [], [], 0.0
    for row, c in zip(rows, t.tolist()):
        if c == ignore:
            nll.append(Value(0.0, requires_grad=False))
            smooth.append(Value(0.0, requires_grad=False))
            continue
        wc = 1.0 if w is None else float(w[c])
        total_w += wc
        nll.append(-row[c] if w is None else -row[c] * wc)
        if eps:
            smooth.append(-vsum(row if w is None else [v * float(wj) for v, wj in zip(row, w)]))
    if reduction == "none":
        return [a * (1 - eps) + b * (eps / k) for a, b in zip(nll, smooth)] if eps else nll
    if reduction == "sum":
        out = vsum(nll)
        return out * (1 - eps) + vsum(smooth) * (eps / k) if eps else out
    plain = w is None and total_w == len(rows)
    out = vmean(nll) if plain else vsum(nll) * (1.0 / total_w)
    return out * (1 - eps) + vsum(smooth) * (1.0 / total_w) * (eps / k) if eps else out


def _log_rows(rows: list[list[Value]]) -> list[list[Value]]:
    """Log-softmax of each row of Values, with the maximum subtracted first (a constant: no gradient changes)."""
    out = []
    for row in rows:
        m = max(v.data for v in row)
        shifted = [v - m for v in row]
        s = shifted[0].exp()
        for v in shifted[1:]:
            s = s + v.exp()
        ls = s.log()
        out.append([v - ls for v in shifted])  # NOTE: (x - m) - log(sum): precise at any scale
    return out


def _plain(given: Any, target: Any, weight: Any, ignore_index: Any, reduction: str, label_smoothing: Any) -> Any:
    """The fused node of the plain case, checked cheaply (logits of 2 dimensions, an integer target array, no
    options), or None: then the general path checks everything and names what is wrong."""
    if (
        type(given) is not Tensor
        or type(target) is not np.ndarray
        or weight is not None
        or reduction not in ("mean", "sum")
        or type(ignore_index) is not int
        or type(label_smoothing) not in (float, int)
        or label_smoothing != 0
        or not FUSE[0]
    ):
        return None
    shape = given.data.shape
    if len(shape) != 2 or not shape[0]:
        return None
    t = plain_class_targets(target, shape[0], shape[1], ignore_index)
    return None if t is None else fused_cross_entropy(given, t, None if reduction == "sum" else 1.0 / shape[0])


def _loss(
    name: str,
    given: Any,
    target: Any,
    weight: Any,
    ignore_index: Any,
    reduction: str,
    label_smoothing: Any,
    logits: bool,
) -> Any:
    check_reduction(name, reduction)
    pred = prediction(name, given)
    w, eps, ignore = _options(name, weight, pred.k, label_smoothing, ignore_index)
    arr = target_array(name, target)
    if pred.tensor is not None and arr.shape == pred.shape and arr.ndim == 2 and arr.dtype.kind == "f" and pred.k > 1:
        logp = pred.tensor.log_softmax(axis=1) if logits else pred.tensor
        return _tensor_loss(logp, arr, w, eps, ignore, reduction, probabilities=True)
    tensor = pred.tensor
    # the plain case (logits, no weight, no smoothing, reduced): one fused node (autograd.fused_cross_entropy)
    fuse = logits and type(tensor) is Tensor and w is None and not eps and reduction != "none" and FUSE[0]
    t = plain_class_targets(arr, pred.n, pred.k, ignore) if fuse else None  # None: checked in full below
    if t is None:
        t = class_targets(arr, pred.n, pred.k, pred.shape, name=name, ignore_index=ignore)
        fuse = fuse and not (t == ignore).any()
    if fuse and tensor is not None:
        out = fused_cross_entropy(tensor, t, None if reduction == "sum" else 1.0 / pred.n)
        if out is not None:  # None: the unfused path records it (detect_anomaly, nothing recorded, another dtype)
            return out
    if pred.tensor is not None:
        logp = pred.tensor.log_softmax(axis=1) if logits else pred.tensor
        return _tensor_loss(logp, t, w, eps, ignore, reduction, probabilities=False)
    rows = pred.rows
    if rows is None:  # pragma: no cover - unreachable: a prediction holds a tensor or rows
        raise AssertionError(f"{name}: the prediction has no rows")
    if logits and w is None and not eps and reduction == "mean" and not (t == ignore).any():
        terms = []  # the plain case, one node per sample less: log(sum(exp(x - m))) - (x_y - m)
        for row, c in zip(rows, t.tolist()):
            m = max(v.data for v in row)
            s = (row[0] - m).exp()
            for v in row[1:]:
                s = s + (v - m).exp()
            terms.append(s.log() - (row[c] - m))
        return vmean(terms)
    return _value_loss(_log_rows(rows) if logits else rows, t, w, eps, ignore, reduction)


@loss_stage("cross-entropy")
def _cross_entropy_staged(
    prediction: Any, target: Any, weight: Any, ignore_index: Any, reduction: str, label_smoothing: Any
) -> Any:
    """:func:`cross_entropy` in its stage, every case but the plain one's fused node."""
    return _loss("cross_entropy", prediction, target, weight, ignore_index, reduction, label_smoothing, True)


_CE_BLOCK = _cross_entropy_staged.stage_block  # type: ignore[attr-defined]


def cross_entropy(
    prediction: Any,
    target: Any,
    weight: Any = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Any:
    """Softmax cross-entropy: ``mean(logsumexp(z_i) - z_i[y_i])`` for class indices (PyTorch's ``F.cross_entropy``).

    The model gives one logit per class; the loss is the negative
    log-probability of the right class under the softmax.  It is computed as a
    log-softmax (the maximum logit is subtracted first), so logits of ±1e4
    give a finite loss and finite gradients.

    Parameters
    ----------
    prediction : Tensor or list of lists of Values
        Logits of shape ``(N, k)`` with ``k >= 2`` classes; on the scalar
        engine ``N`` lists of ``k`` Values.
    target : list, ndarray or Tensor
        Class indices ``0 .. k-1``, shape ``(N,)`` or ``(N, 1)``.  Floats are
        accepted only when they are whole numbers (a Tensor's data is float).
        On the tensor engine, a float array of shape ``(N, k)`` is read as
        class probabilities, as PyTorch does.
    weight : array_like of shape (k,), optional
        A weight per class; the mean is then ``sum(w_y * loss) / sum(w_y)``.
    ignore_index : int, default -100
        Samples with this target add nothing (and do not count in the mean).
    reduction : {"mean", "sum", "none"}
        Average or add the per-sample losses, or return them (shape ``(N,)``).
    label_smoothing : float, default 0
        In [0, 1]: the target puts ``1 - label_smoothing`` on the right class
        and spreads ``label_smoothing`` evenly over all ``k`` classes.

    Returns
    -------
    Tensor or Value (or the per-sample losses with ``reduction="none"``)

    Raises
    ------
    TypeError
        For non-integer labels.
    ValueError
        For labels outside ``0 .. k-1``, or a single output.

    Examples
    --------
    >>> from autograd import Tensor, Value
    >>> round(cross_entropy(Tensor([[0.0, 0.0]]), [1]).item(), 4)   # log 2
    0.6931
    >>> round(cross_entropy([[Value(0.0), Value(0.0)]], [1]).data, 4)
    0.6931
    >>> round(cross_entropy(Tensor([[2.0, 0.0]]), [0], label_smoothing=0.2).item(), 4)
    0.3269
    """
    out = _plain(prediction, target, weight, ignore_index, reduction, label_smoothing)
    if out is not None:  # NOTE: the plain case's one node, made without entering the stage's block: tagged here
        out.stage = loss_path(_CE_BLOCK)
        return out
    return _cross_entropy_staged(prediction, target, weight, ignore_index, reduction, label_smoothing)


cross_entropy.stage_block = _CE_BLOCK  # type: ignore[attr-defined]  # the loss modules enter it


@loss_stage("negative log-likelihood")
def nll_loss(input: Any, target: Any, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean") -> Any:
    """Negative log-likelihood of class indices, for log-probabilities (e.g. after ``log_softmax``).

    ``nll_loss(log_softmax(z, dim=1), y)`` is ``cross_entropy(z, y)``; the
    arguments are those of :func:`cross_entropy` (without label smoothing).

    Examples
    --------
    >>> from autograd import Tensor
    >>> nll_loss(Tensor([[-1.0, -2.0], [-3.0, -0.5]]), [0, 1]).item()
    0.75
    >>> nll_loss(Tensor([[-1.0, -2.0], [-3.0, -0.5]]), [0, 1], weight=[1.0, 3.0]).item()   # (1 + 1.5) / 4
    0.625
    """
    return _loss("nll_loss", input, target, weight, ignore_index, reduction, 0.0, False)
