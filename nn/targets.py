"""What a loss accepts: predictions from either engine, and the targets each loss allows.

Every loss in :mod:`nn.losses` first turns its prediction into a
:class:`Prediction` (which engine, ``n`` samples, ``k`` outputs each) and its
target into a checked array; :func:`nn.fit` runs the same target checks on
the labels before training, so a mistake is reported before any update.

Examples
--------
>>> from autograd import Tensor
>>> p = prediction("mse_loss", Tensor([[1.0, 2.0], [3.0, 4.0]]))
>>> p.n, p.k, p.shape
(2, 2, (2, 2))
>>> bce_targets(target_array("bce_with_logits", [0, 1]), 2, 1, (2,)).tolist()
[0.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Node, Tensor, Value

__all__ = [
    "Prediction",
    "prediction",
    "kind_of",
    "target_array",
    "distinct_values",
    "mse_targets",
    "hinge_targets",
    "bce_targets",
    "class_targets",
    "plain_class_targets",
    "data_leaf",
]


def data_leaf(arr: np.ndarray, label: str) -> Tensor:
    """Given data (a model's input, a target, a weight) as a labelled Tensor outside every stage.

    Drawings put such leaves on the left, feeding the first stage.

    >>> leaf = data_leaf(np.array([1.0, 0.0]), "target")
    >>> leaf.label, leaf.stage, leaf.requires_grad
    ('target', (), False)
    """
    leaf = Tensor(arr, False, None, label)  # NOTE: positional: a call with a keyword costs a dict (a model's input)
    leaf.stage = ()
    return leaf


# ---------------------------------------------------------------------------
# predictions: which engine, how many samples and outputs
# ---------------------------------------------------------------------------


class Prediction:
    """A prediction, checked: its engine, ``n`` samples, ``k`` outputs each.

    Made by :func:`prediction`.  Exactly one of ``tensor`` (tensor engine)
    and ``rows`` (scalar engine: one list of ``k`` Values per sample) is set.

    Examples
    --------
    >>> from autograd import Value
    >>> p = prediction("mse_loss", [Value(1.0), Value(2.0)])
    >>> p.tensor is None, p.shape
    (True, (2,))
    """

    __slots__ = ("tensor", "rows", "n", "k", "flat")

    def __init__(self, tensor: Tensor | None, rows: list[list[Value]] | None, n: int, k: int, flat: bool):
        self.tensor = tensor  # the Tensor (tensor engine) or None
        self.rows = rows  # one list of k Values per sample (scalar engine) or None
        self.n = n
        self.k = k
        self.flat = flat  # True: given as (N,) (one output, no output axis)

    @property
    def shape(self) -> tuple[int, ...]:
        """``(n,)`` when given without an output axis, else ``(n, k)``."""
        return (self.n,) if self.flat else (self.n, self.k)


def kind_of(x: Any) -> str:
    """A short description of an object's type, for error messages.

    Examples
    --------
    >>> kind_of(np.zeros((2, 3))), kind_of(3)
    ('a numpy array of shape (2, 3)', 'a int')
    """
    if isinstance(x, np.ndarray):
        return f"a numpy array of shape {x.shape}"
    if isinstance(x, Tensor):
        return f"a Tensor of shape {x.shape}"
    return f"a {type(x).__name__}"


def prediction(name: str, pred: Any) -> Prediction:
    """Check ``pred`` and say which engine it belongs to.

    Parameters
    ----------
    name : str
        The loss's name, which starts every error message.
    pred : Tensor, list of Values or list of lists of Values
        A model's output for ``N`` samples.

    Returns
    -------
    Prediction

    Examples
    --------
    >>> from autograd import Value
    >>> prediction("cross_entropy", [[Value(0.0), Value(1.0)]]).shape
    (1, 2)
    >>> prediction("mse_loss", np.zeros(3))
    Traceback (most recent call last):
    ...
    TypeError: mse_loss: got a numpy array of shape (3,), which records no gradient; ...
    """
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
        return Prediction(pred, None, pred.shape[0], 1 if flat else pred.shape[1], flat)
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
            f"got {kind_of(pred)}"
        )
    if len(pred) == 0:
        raise ValueError(f"{name}: the prediction is an empty list; there are no samples")
    first = pred[0]
    if isinstance(first, Value):
        for i, p in enumerate(pred):
            if not isinstance(p, Value):
                raise TypeError(
                    f"{name}: prediction {i} is {kind_of(p)}, but prediction 0 is a Value; expected only Values"
                )
        return Prediction(None, [[p] for p in pred], len(pred), 1, True)
    if isinstance(first, (list, tuple)):
        k = len(first)
        if k == 0:
            raise ValueError(f"{name}: prediction 0 is an empty list; expected one Value per output")
        rows = []
        for i, row in enumerate(pred):
            if not isinstance(row, (list, tuple)) or len(row) != k:
                got = f"{len(row)} outputs" if isinstance(row, (list, tuple)) else kind_of(row)
                raise ValueError(
                    f"{name}: every sample must have the same number of outputs; prediction 0 has {k}, "
                    f"prediction {i} has {got}"
                )
            for p in row:
                if not isinstance(p, Value):
                    raise TypeError(
                        f"{name}: prediction {i} holds {kind_of(p)}; on the scalar engine every output must be a Value"
                    )
            rows.append(list(row))
        return Prediction(None, rows, len(pred), k, False)
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


def target_array(name: str, target: Any) -> np.ndarray:
    """``target`` (list, ndarray or Tensor) as a finite real ndarray.

    Booleans become 0 and 1; nothing else is converted.

    Examples
    --------
    >>> target_array("mse_loss", [True, False]).tolist()
    [1, 0]
    >>> target_array("mse_loss", [1.0, float("nan")])
    Traceback (most recent call last):
    ...
    ValueError: mse_loss: the target contains nan or inf
    """
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
        raise TypeError(f"{name}: the target must be a list, a numpy array or a Tensor, got {kind_of(target)}")
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name}: the target must hold real numbers, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: the target contains nan or inf")
    return arr


def distinct_values(arr: np.ndarray, limit: int = 6) -> str:
    """The distinct values of ``arr``, briefly (for error messages).

    Examples
    --------
    >>> distinct_values(np.array([3, 1, 1, 2])), distinct_values(np.arange(9), limit=3)
    ('{1, 2, 3}', '{0, 1, 2, ...}')
    """
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


def mse_targets(arr: np.ndarray, n: int, k: int, shape: tuple[int, ...], name: str = "mse_loss") -> np.ndarray:
    """Targets for :func:`nn.losses.mse_loss`: any real numbers, laid out as the prediction.

    Every target check takes the :func:`target_array`, the prediction's ``n``
    samples, ``k`` outputs and ``shape``, and returns the target ready for the
    loss (or raises an error that names the loss and the fix).

    Examples
    --------
    >>> mse_targets(np.array([[1], [2]]), 2, 1, (2,)).tolist()
    [1.0, 2.0]
    """
    return _same_layout(name, arr, n, k, shape).astype(np.float64)


def hinge_targets(arr: np.ndarray, n: int, k: int, shape: tuple[int, ...], name: str = "hinge_loss") -> np.ndarray:
    """Targets for :func:`nn.losses.hinge_loss`: labels -1 and +1.

    Examples
    --------
    >>> hinge_targets(np.array([0, 1]), 2, 1, (2,))
    Traceback (most recent call last):
    ...
    ValueError: hinge_loss: labels must be -1 or +1, got the values {0, 1} (0/1 labels: convert with ...)
    """
    t = _same_layout(name, arr, n, k, shape)
    bad = (t != 1) & (t != -1)
    if bad.any():
        hint = ""
        if np.all((t == 0) | (t == 1)):
            hint = " (0/1 labels: convert with y = 2 * y - 1, or use bce_with_logits)"
        raise ValueError(f"{name}: labels must be -1 or +1, got the values {distinct_values(t)}{hint}")
    return t.astype(np.float64)


def bce_targets(arr: np.ndarray, n: int, k: int, shape: tuple[int, ...], name: str = "bce_with_logits") -> np.ndarray:
    """Targets for :func:`nn.losses.bce_with_logits`: labels 0 and 1 (or probabilities).

    Examples
    --------
    >>> bce_targets(np.array([0.25, 1.0]), 2, 1, (2, 1)).tolist()
    [[0.25], [1.0]]
    """
    t = _same_layout(name, arr, n, k, shape)
    if np.any((t < 0) | (t > 1)):
        hint = ""
        if np.all((t == -1) | (t == 1)):
            hint = " (-1/+1 labels: convert with y = (y + 1) // 2, or use hinge_loss)"
        raise ValueError(
            f"{name}: labels must be 0 or 1 (or probabilities in [0, 1]), got the values {distinct_values(t)}{hint}"
        )
    return t.astype(np.float64)


def class_targets(
    arr: np.ndarray,
    n: int,
    k: int,
    shape: tuple[int, ...],
    name: str = "cross_entropy",
    ignore_index: int | None = None,
) -> np.ndarray:
    """Targets for :func:`nn.losses.cross_entropy`: class indices ``0 .. k-1`` (or ``ignore_index``), as ``intp``.

    Examples
    --------
    >>> class_targets(np.array([[2.0], [0.0]]), 2, 3, (2, 3)).tolist()
    [2, 0]
    >>> class_targets(np.array([2, -100]), 2, 3, (2, 3), ignore_index=-100).tolist()
    [2, -100]
    """
    if k < 2:
        raise ValueError(
            f"{name}: the prediction has shape {shape}, one output per sample; {name} needs one "
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
    out_of_range = ((arr < 0) | (arr >= k)) & (arr != ignore_index if ignore_index is not None else True)
    if out_of_range.any():
        raise ValueError(
            f"{name}: class labels must be in 0..{k - 1} for {k} outputs, got {arr[out_of_range][0]:g} "
            f"(all values: {distinct_values(arr)})"
        )
    return arr.astype(np.intp)


def plain_class_targets(arr: np.ndarray, n: int, k: int, ignore_index: int) -> np.ndarray | None:
    """:func:`class_targets`' result in the common case, cheaply: integer classes in ``0 .. k-1``; else None.

    None means "not this case" (floats, another shape, a class out of range,
    an ``ignore_index`` among the classes): :func:`class_targets` then checks
    the target in full and names what is wrong.  An array returned here is the
    one :func:`class_targets` returns without an error: ``k >= 2``, shape
    ``(n,)`` or ``(n, 1)``, integers (no fractions to check), every class in
    ``0 .. k-1`` (so none is out of range, and none is ``ignore_index``, which
    is outside that range), as a new ``intp`` array.

    Examples
    --------
    >>> plain_class_targets(np.array([[2], [0]]), 2, 3, -100).tolist()
    [2, 0]
    >>> plain_class_targets(np.array([2, 3]), 2, 3, -100) is None   # 3 is out of range: checked in full
    True
    """
    if arr.dtype.kind not in "iu" or k < 2 or 0 <= ignore_index < k:
        return None
    if arr.shape != (n,):
        if arr.shape != (n, 1):
            return None
        arr = arr.reshape(n)
    t = arr.astype(np.intp)
    # NOTE: seen as unsigned, a negative class is huge: one comparison checks 0 <= t < k
    return t if (t.view(np.uintp) < k).all() else None
