"""Loss functions: how far a model's predictions are from the targets.

Every loss is called as ``loss(prediction, target)`` and returns **one scalar
node** (the mean over samples) that you can call ``.backward()`` on.  The same
function serves both engines, because it only uses the operators of
:class:`autograd.Value` and :class:`autograd.Tensor`:

- **tensor engine**: ``prediction`` is the model's output Tensor, shaped
  ``(N,)`` or ``(N, 1)`` for one output per sample and ``(N, k)`` for ``k``
  outputs;
- **scalar engine**: ``prediction`` is a list of Values (one output per
  sample) or a list of lists of Values (``k`` outputs per sample, which is
  what ``[model(x) for x in X]`` gives).

``target`` may be a list, a numpy array or a Tensor (its ``.data`` is used),
shaped ``(N,)`` or ``(N, 1)`` for one output.  Targets never need a gradient.

Which loss for which labels:

- :func:`mse_loss`: any real targets, any number of outputs (regression);
- :func:`hinge_loss`: labels -1 and +1, one score per sample (> 0 means +1);
- :func:`bce_with_logits`: labels 0 and 1, one logit per sample (> 0 means 1);
- :func:`cross_entropy`: class indices 0 .. k-1, one logit per class.

:func:`l2_penalty` adds ``alpha * sum(w**2)`` over the parameters.

Examples
--------
>>> from autograd import Tensor, Value
>>> bce_with_logits(Tensor([2.0, -1.0]), [1, 0]).item()  # doctest: +ELLIPSIS
0.2200...
>>> bce_with_logits([Value(2.0), Value(-1.0)], [1, 0]).data  # doctest: +ELLIPSIS
0.2200...
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd import Node, Tensor, Value, dot

from .targets import (
    Prediction,
    bce_targets,
    class_targets,
    hinge_targets,
    kind_of,
    mse_targets,
    prediction,
    target_array,
)

__all__ = ["mse_loss", "hinge_loss", "bce_with_logits", "cross_entropy", "l2_penalty"]


# ---------------------------------------------------------------------------
# scalar-engine helpers
# ---------------------------------------------------------------------------


def _vmean(terms: list[Value]) -> Value:
    """Mean of Values: summed left to right, then times 1/n (as Tensor.mean)."""
    acc = terms[0]
    for t in terms[1:]:
        acc = acc + t
    return acc * (1.0 / len(terms))


def _elementwise(pred: Prediction, t: np.ndarray, tensor_fn: Callable, value_fn: Callable) -> Any:
    """Mean over all samples and outputs of a per-element loss."""
    if pred.tensor is not None:
        p = pred.tensor
        target = Tensor(t.astype(p.dtype, copy=False), label="target")  # drawn as such, not as an input
        return tensor_fn(p, target).mean()
    rows = pred.rows
    if rows is None:  # pragma: no cover - unreachable: a prediction holds a tensor or rows
        raise AssertionError("_elementwise: the prediction has no rows")
    t2 = t.reshape(pred.n, pred.k).tolist()
    return _vmean([value_fn(p, ti) for row, trow in zip(rows, t2) for p, ti in zip(row, trow)])


def _check(name: str, given: Any, target: Any, check: Callable) -> tuple[Prediction, np.ndarray]:
    """The checked prediction and the target, ready for the loss ``name``."""
    pred = prediction(name, given)
    t = check(target_array(name, target), pred.n, pred.k, pred.shape)
    return pred, t


# ---------------------------------------------------------------------------
# the losses
# ---------------------------------------------------------------------------


def mse_loss(prediction: Any, target: Any) -> Any:
    """Mean squared error, ``mean((prediction - target) ** 2)``.

    For regression, and for classification the way early networks were
    trained (targets 0/1 or -1/+1).

    Parameters
    ----------
    prediction : Tensor or list of Values or list of lists of Values
        The model's outputs: a Tensor ``(N,)``, ``(N, 1)`` or ``(N, k)``; on
        the scalar engine a list of ``N`` Values or of ``N`` lists of ``k`` Values.
    target : list, ndarray or Tensor
        Real numbers of shape ``(N,)`` or ``(N, 1)`` (one output) or ``(N, k)``.

    Returns
    -------
    Tensor or Value
        A scalar node: the mean over all samples and outputs.

    Examples
    --------
    >>> from autograd import Tensor, Value
    >>> mse_loss(Tensor([1.0, 2.0]), [0.0, 0.0]).item()
    2.5
    >>> mse_loss([Value(1.0), Value(2.0)], [0.0, 0.0]).data
    2.5
    """
    pred, t = _check("mse_loss", prediction, target, mse_targets)

    def sq(p: Any, y: Any) -> Any:
        d = p - y
        return d * d

    return _elementwise(pred, t, sq, sq)


def hinge_loss(prediction: Any, target: Any) -> Any:
    """Max-margin (SVM) loss ``mean(relu(1 - y * score))`` for labels -1 and +1.

    A sample costs nothing once it is on the right side with a margin of 1
    (``y * score >= 1``); this is the loss of micrograd's demo.

    Parameters
    ----------
    prediction : Tensor or list of Values
        Scores: positive means class +1.  Shapes as in :func:`mse_loss`.
    target : list, ndarray or Tensor
        Labels, each -1 or +1.

    Returns
    -------
    Tensor or Value
        A scalar node: the mean over samples.

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
    pred, t = _check("hinge_loss", prediction, target, hinge_targets)
    return _elementwise(pred, t, lambda p, y: (1.0 - p * y).relu(), lambda p, y: (1.0 - p * y).relu())


def bce_with_logits(prediction: Any, target: Any) -> Any:
    """Binary cross-entropy of a logit: ``mean(softplus(z) - y * z)`` for labels 0 and 1.

    Equal to ``-mean(y * log(sigmoid(z)) + (1 - y) * log(1 - sigmoid(z)))``,
    but computed from the logit ``z`` directly, so it stays finite for
    ``z = ±1e4`` where ``sigmoid`` rounds to exactly 0 or 1.  The gradient with
    respect to ``z`` is ``sigmoid(z) - y``.

    Parameters
    ----------
    prediction : Tensor or list of Values
        Logits (scores before the sigmoid): positive means class 1.  Shapes as
        in :func:`mse_loss`; several outputs are several independent yes/no questions.
    target : list, ndarray or Tensor
        Labels 0 or 1 (probabilities in [0, 1] are accepted too).

    Returns
    -------
    Tensor or Value
        A scalar node: the mean over samples (and outputs).

    Raises
    ------
    ValueError
        For labels outside [0, 1] (-1/+1 labels name the conversion).

    Examples
    --------
    >>> from autograd import Tensor
    >>> round(bce_with_logits(Tensor([0.0]), [1]).item(), 4)   # log 2
    0.6931
    >>> bce_with_logits(Tensor([1e4, -1e4]), [1, 0]).item()
    0.0
    """
    pred, t = _check("bce_with_logits", prediction, target, bce_targets)

    def bce(z: Any, y: Any) -> Any:
        return z.softplus() - z * y

    return _elementwise(pred, t, bce, bce)


def cross_entropy(prediction: Any, target: Any) -> Any:
    """Softmax cross-entropy: ``mean(logsumexp(z_i) - z_i[y_i])`` for class indices.

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

    Returns
    -------
    Tensor or Value
        A scalar node: the mean over samples.

    Raises
    ------
    TypeError
        For non-integer labels.
    ValueError
        For labels outside ``0 .. k-1``, one-hot targets, or a single output.

    Examples
    --------
    >>> from autograd import Tensor, Value
    >>> round(cross_entropy(Tensor([[0.0, 0.0]]), [1]).item(), 4)   # log 2
    0.6931
    >>> round(cross_entropy([[Value(0.0), Value(0.0)]], [1]).data, 4)
    0.6931
    """
    pred, t = _check("cross_entropy", prediction, target, class_targets)
    if pred.tensor is not None:
        logp = pred.tensor.log_softmax(axis=1)
        return -logp[np.arange(pred.n), t].mean()
    rows = pred.rows
    if rows is None:  # pragma: no cover - unreachable: a prediction holds a tensor or rows
        raise AssertionError("cross_entropy: the prediction has no rows")
    terms = []
    for row, c in zip(rows, t.tolist()):
        # NOTE: the max is a constant (a float), not a node: subtracting it
        # changes no gradient and keeps every exp <= 1.
        m = max(v.data for v in row)
        s = (row[0] - m).exp()
        for v in row[1:]:
            s = s + (v - m).exp()
        terms.append(s.log() - (row[c] - m))  # NOTE: not log(s) + m - z: m + log(s) rounds at large m
    return _vmean(terms)


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
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not alpha >= 0 or alpha == float("inf"):
        raise ValueError(f"{name}: alpha must be a finite number >= 0, got {alpha!r}")
    if all(isinstance(p, Value) for p in ps):
        return dot(ps, ps) * float(alpha)
    if all(isinstance(p, Tensor) for p in ps):
        total = (ps[0] * ps[0]).sum()
        for p in ps[1:]:
            total = total + (p * p).sum()
        return total * float(alpha)
    kinds = sorted({type(p).__name__ for p in ps})
    raise TypeError(f"{name}: params must be all Values or all Tensors, got {', '.join(kinds)}")


#: Each built-in loss and the check it runs on targets ``(arr, n, k, shape)``
#: (see :mod:`nn.targets`); :func:`nn.fit` uses it to validate labels before any training.
TARGET_CHECKS: dict[Callable, Callable] = {
    mse_loss: mse_targets,
    hinge_loss: hinge_targets,
    bce_with_logits: bce_targets,
    cross_entropy: class_targets,
}
