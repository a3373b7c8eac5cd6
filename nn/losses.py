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

from autograd import Tensor, Value, dot
from autograd.graph import Node

__all__ = ["mse_loss", "hinge_loss", "bce_with_logits", "cross_entropy", "l2_penalty"]


# ---------------------------------------------------------------------------
# predictions: which engine, how many samples and outputs
# ---------------------------------------------------------------------------


class _Pred:
    """A prediction, checked: its engine, ``n`` samples, ``k`` outputs each."""

    __slots__ = ("tensor", "rows", "n", "k", "flat")

    def __init__(self, tensor: Tensor | None, rows: list[list[Value]] | None, n: int, k: int, flat: bool):
        self.tensor = tensor  # the Tensor (tensor engine) or None
        self.rows = rows  # one list of k Values per sample (scalar engine) or None
        self.n = n
        self.k = k
        self.flat = flat  # True: given as (N,) (one output, no output axis)

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.n,) if self.flat else (self.n, self.k)


def _kind(x: Any) -> str:
    """A short description of an object's type for error messages."""
    if isinstance(x, np.ndarray):
        return f"a numpy array of shape {x.shape}"
    if isinstance(x, Tensor):
        return f"a Tensor of shape {x.shape}"
    return f"a {type(x).__name__}"


def _prediction(name: str, pred: Any) -> _Pred:
    """Check ``pred`` and say which engine it belongs to."""
    if isinstance(pred, Tensor):
        if pred.ndim not in (1, 2):
            raise ValueError(
                f"{name}: the prediction must have shape (N,) or (N, k) (N samples, k outputs), "
                f"got a Tensor of shape {pred.shape}"
            )
        if pred.shape[0] == 0:
            raise ValueError(f"{name}: the prediction is empty (shape {pred.shape}); there are no samples")
        if pred.ndim == 2 and pred.shape[1] == 0:
            raise ValueError(f"{name}: the prediction has no outputs (shape {pred.shape})")
        flat = pred.ndim == 1
        return _Pred(pred, None, pred.shape[0], 1 if flat else pred.shape[1], flat)
    if isinstance(pred, Value):
        raise TypeError(
            f"{name}: got a single Value; pass a list with one prediction per sample, e.g. [model(x) for x in X]"
        )
    if isinstance(pred, np.ndarray):
        raise TypeError(
            f"{name}: got a numpy array of shape {pred.shape}, which records no gradient; pass the model's "
            "output (a Tensor, or a list of Values on the scalar engine)"
        )
    if not isinstance(pred, (list, tuple)):
        raise TypeError(
            f"{name}: the prediction must be a Tensor (tensor engine) or a list of Values (scalar engine), "
            f"got {_kind(pred)}"
        )
    if len(pred) == 0:
        raise ValueError(f"{name}: the prediction is an empty list; there are no samples")
    first = pred[0]
    if isinstance(first, Value):
        for i, p in enumerate(pred):
            if not isinstance(p, Value):
                raise TypeError(
                    f"{name}: prediction {i} is {_kind(p)}, but prediction 0 is a Value; expected only Values"
                )
        return _Pred(None, [[p] for p in pred], len(pred), 1, True)
    if isinstance(first, (list, tuple)):
        k = len(first)
        if k == 0:
            raise ValueError(f"{name}: prediction 0 is an empty list; expected one Value per output")
        rows = []
        for i, row in enumerate(pred):
            if not isinstance(row, (list, tuple)) or len(row) != k:
                got = f"{len(row)} outputs" if isinstance(row, (list, tuple)) else _kind(row)
                raise ValueError(
                    f"{name}: every sample must have the same number of outputs; prediction 0 has {k}, "
                    f"prediction {i} has {got}"
                )
            for p in row:
                if not isinstance(p, Value):
                    raise TypeError(
                        f"{name}: prediction {i} holds {_kind(p)}; on the scalar engine every output must be a Value"
                    )
            rows.append(list(row))
        return _Pred(None, rows, len(pred), k, False)
    if isinstance(first, Tensor):
        raise TypeError(
            f"{name}: got a list of Tensors; pass one Tensor of shape (N, k) instead "
            "(the model's output for all samples)"
        )
    raise TypeError(
        f"{name}: the prediction must be a Tensor (tensor engine) or a list of Values (scalar engine), "
        f"got a list of {type(first).__name__}"
    )


# ---------------------------------------------------------------------------
# targets
# ---------------------------------------------------------------------------


def _target_array(name: str, target: Any) -> np.ndarray:
    """``target`` (list, ndarray or Tensor) as a finite real ndarray."""
    if isinstance(target, Tensor):
        arr = target.data
    elif isinstance(target, Node):
        raise TypeError(
            f"{name}: the target is a single {type(target).__name__}; targets are plain numbers "
            "(a list, a numpy array or a Tensor), one per sample"
        )
    elif isinstance(target, (list, tuple, np.ndarray)):
        if isinstance(target, (list, tuple)) and any(isinstance(t, Node) for t in target):
            raise TypeError(
                f"{name}: the target holds Values; targets are plain numbers (use [v.data for v in target])"
            )
        try:
            arr = np.asarray(target)
        except ValueError:
            raise ValueError(f"{name}: the target is a ragged list; expected shape (N,) or (N, k)") from None
    else:
        raise TypeError(f"{name}: the target must be a list, a numpy array or a Tensor, got {_kind(target)}")
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name}: the target must hold real numbers, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: the target contains nan or inf")
    return arr


def _values(arr: np.ndarray, limit: int = 6) -> str:
    """The distinct values of ``arr``, briefly (for error messages)."""
    u = np.unique(arr)
    shown = ", ".join(f"{v:g}" for v in u[:limit].tolist())
    return "{" + shown + (", ..." if u.size > limit else "") + "}"


def _same_layout(name: str, arr: np.ndarray, n: int, k: int, shape: tuple[int, ...]) -> np.ndarray:
    """A target for an elementwise loss, reshaped to the prediction's ``shape``."""
    if arr.ndim == 1 and k == 1 and arr.shape[0] == n:
        return arr.reshape(shape)
    if arr.ndim == 2 and arr.shape == (n, k):
        return arr.reshape(shape)
    if arr.ndim == 0:
        raise ValueError(f"{name}: the target is a single number; expected one target per sample, shape {shape}")
    if arr.shape[0] != n:
        raise ValueError(f"{name}: {n} predictions but {arr.shape[0]} targets; they must have the same length")
    expected = "(N,) or (N, 1)" if k == 1 else f"(N, {k})"
    raise ValueError(
        f"{name}: the target has shape {arr.shape} but the prediction has shape {shape} "
        f"({k} output{'s' if k > 1 else ''} per sample); expected a target of shape {expected}"
    )


def _mse_targets(arr: np.ndarray, n: int, k: int, shape: tuple[int, ...]) -> np.ndarray:
    return _same_layout("mse_loss", arr, n, k, shape).astype(np.float64)


def _hinge_targets(arr: np.ndarray, n: int, k: int, shape: tuple[int, ...]) -> np.ndarray:
    t = _same_layout("hinge_loss", arr, n, k, shape)
    bad = (t != 1) & (t != -1)
    if bad.any():
        hint = ""
        if np.all((t == 0) | (t == 1)):
            hint = " (0/1 labels: convert with y = 2 * y - 1, or use bce_with_logits)"
        raise ValueError(f"hinge_loss: labels must be -1 or +1, got the values {_values(t)}{hint}")
    return t.astype(np.float64)


def _bce_targets(arr: np.ndarray, n: int, k: int, shape: tuple[int, ...]) -> np.ndarray:
    t = _same_layout("bce_with_logits", arr, n, k, shape)
    if np.any((t < 0) | (t > 1)):
        hint = ""
        if np.all((t == -1) | (t == 1)):
            hint = " (-1/+1 labels: convert with y = (y + 1) // 2, or use hinge_loss)"
        raise ValueError(
            f"bce_with_logits: labels must be 0 or 1 (or probabilities in [0, 1]), got the values {_values(t)}{hint}"
        )
    return t.astype(np.float64)


def _class_targets(arr: np.ndarray, n: int, k: int, shape: tuple[int, ...]) -> np.ndarray:
    name = "cross_entropy"
    if k < 2:
        raise ValueError(
            f"cross_entropy: the prediction has shape {shape}, one output per sample; cross_entropy needs one "
            "logit per class (k >= 2 outputs). For two classes with one output use bce_with_logits"
        )
    if arr.ndim == 2 and arr.shape == (n, 1):
        arr = arr.reshape(n)
    if arr.ndim != 1:
        hint = " (one-hot targets? pass the class indices, y.argmax(axis=1))" if arr.shape == (n, k) else ""
        raise ValueError(
            f"{name}: the target has shape {arr.shape}; expected class indices of shape (N,) = ({n},){hint}"
        )
    if arr.shape[0] != n:
        raise ValueError(f"{name}: {n} predictions but {arr.shape[0]} targets; they must have the same length")
    if arr.dtype.kind == "f":
        frac = arr[arr != np.round(arr)]
        if frac.size:
            raise TypeError(
                f"{name}: class labels must be integers 0..{k - 1}, got non-integer values such as {frac[0]:g}"
                " (for real-valued targets use mse_loss; for 0/1 probabilities with one output, bce_with_logits)"
            )
    out_of_range = (arr < 0) | (arr >= k)
    if out_of_range.any():
        raise ValueError(
            f"{name}: class labels must be in 0..{k - 1} for {k} outputs, got {arr[out_of_range][0]:g} "
            f"(all values: {_values(arr)})"
        )
    return arr.astype(np.intp)


# ---------------------------------------------------------------------------
# scalar-engine helpers
# ---------------------------------------------------------------------------


def _vmean(terms: list[Value]) -> Value:
    """Mean of Values: summed left to right, then times 1/n (as Tensor.mean)."""
    acc = terms[0]
    for t in terms[1:]:
        acc = acc + t
    return acc * (1.0 / len(terms))


def _elementwise(pred: _Pred, t: np.ndarray, tensor_fn: Callable, value_fn: Callable) -> Any:
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


def _check(name: str, prediction: Any, target: Any, check: Callable) -> tuple[_Pred, np.ndarray]:
    pred = _prediction(name, prediction)
    t = check(_target_array(name, target), pred.n, pred.k, pred.shape)
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
    pred, t = _check("mse_loss", prediction, target, _mse_targets)

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
    pred, t = _check("hinge_loss", prediction, target, _hinge_targets)
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
    pred, t = _check("bce_with_logits", prediction, target, _bce_targets)

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
    pred, t = _check("cross_entropy", prediction, target, _class_targets)
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
        terms.append(s.log() + m - row[c])
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
        raise TypeError(f"{name}: params must be an iterable of Values or Tensors (or a model), got {_kind(params)}")
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


#: Each built-in loss and the check it runs on targets ``(arr, n, k, shape)``;
#: :func:`nn.fit` uses it to validate labels before any training.
_TARGET_CHECKS: dict[Callable, Callable] = {
    mse_loss: _mse_targets,
    hinge_loss: _hinge_targets,
    bce_with_logits: _bce_targets,
    cross_entropy: _class_targets,
}
