"""Scoring a model: :func:`predict`, :func:`accuracy`, and the forward pass they share with :func:`nn.fit`."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor, Value, no_grad

from .activations import Sigmoid
from .checks import check_inputs, check_targets, check_trainable, model_nin
from .targets import distinct_values

__all__ = [
    "predict",
    "accuracy",
    "ends_in_sigmoid",
    "default_threshold",
    "label_mode",
    "score_accuracy",
    "model_input",
    "forward_batch",
    "score_array",
    "EvalMode",
]


def label_mode(y: np.ndarray, nout: int) -> str | None:
    """How to score ``y`` as classes: "binary", "multiclass" or None (not class labels).

    Examples
    --------
    >>> label_mode(np.array([-1, 1, 1]), 1), label_mode(np.array([0, 2]), 3), label_mode(np.array([0.5]), 1)
    ('binary', 'multiclass', None)
    """
    flat = y.reshape(-1) if (y.ndim == 1 or y.shape[1:] == (1,)) else None
    if flat is None:
        return None
    if nout == 1:
        values = set(np.unique(flat).tolist())
        return "binary" if values <= {0, 1} or values <= {-1, 1} else None
    if np.all(flat == np.round(flat)) and np.all((flat >= 0) & (flat < nout)):
        return "multiclass"
    return None


def score_accuracy(scores: np.ndarray, y: np.ndarray, mode: str | None, threshold: float) -> float:
    """Fraction of rows of ``scores`` (N, k) whose predicted class matches ``y`` (nan when ``mode`` is None).

    Examples
    --------
    >>> score_accuracy(np.array([[0.3], [-2.0]]), np.array([1, 1]), "binary", 0.0)
    0.5
    """
    if mode is None:
        return float("nan")
    flat = y.reshape(-1)
    if mode == "binary":
        return float(np.mean((scores[:, 0] > threshold) == (flat > 0)))
    return float(np.mean(np.argmax(scores, axis=1) == flat))


# ---------------------------------------------------------------------------
# forward passes
# ---------------------------------------------------------------------------


def _row(out: Any, where: str) -> list[Value]:
    if isinstance(out, Value):  # a micrograd-style model with one output
        return [out]
    if isinstance(out, (list, tuple)):
        return list(out)
    raise TypeError(f"{where}: a scalar-engine model must return a list of Values, got {type(out).__name__}")


def model_input(model: Any, engine: str, X: Any) -> Any:
    """A batch as the model takes it: a Tensor in the dtype of the model's parameters (tensor engine), else an array.

    Examples
    --------
    >>> import nn
    >>> model_input(nn.Linear(2, 1, dtype=np.float32), "tensor", np.zeros((1, 2))).dtype
    dtype('float32')
    """
    arr = X.data if isinstance(X, Tensor) else np.asarray(X)
    if engine != "tensor":
        return arr
    dtypes = {p.dtype for p in model.parameters() if isinstance(p, Tensor)} if hasattr(model, "parameters") else set()
    if isinstance(X, Tensor) and (len(dtypes) != 1 or X.dtype in dtypes):
        return X
    return Tensor(arr.astype(dtypes.pop(), copy=False) if len(dtypes) == 1 and arr.dtype.kind == "f" else arr)


def forward_batch(model: Any, engine: str, X: Any, where: str) -> Any:
    """The model's prediction for the rows of X: a Tensor, or a list of lists of Values.

    ``engine`` is the model's (see :func:`nn.checks.check_trainable`); the scalar
    engine is called once per row.

    Examples
    --------
    >>> import nn
    >>> out = forward_batch(nn.MLP(2, [1], engine="scalar"), "scalar", np.zeros((3, 2)), "fit")
    >>> len(out), len(out[0])
    (3, 1)
    """
    if engine == "tensor":
        return model(model_input(model, engine, X))
    return [_row(model(x), where) for x in model_input(model, engine, X).tolist()]


def score_array(pred: Any) -> np.ndarray:
    """Prediction data (a Tensor, or rows of Values) as a float array of shape (N, k).

    Examples
    --------
    >>> score_array(Tensor([1.0, 2.0])).tolist()
    [[1.0], [2.0]]
    >>> score_array([[Value(0.5), Value(-1.0)]]).tolist()
    [[0.5, -1.0]]
    """
    if isinstance(pred, Tensor):
        d = np.asarray(pred.data, dtype=np.float64)
        return d.reshape(d.shape[0], -1)
    return np.array([[v.data for v in row] for row in pred], dtype=np.float64)


class EvalMode:
    """Put a model in eval mode inside the block, then restore its mode.

    Examples
    --------
    >>> import nn
    >>> net = nn.MLP(2, [1])
    >>> with EvalMode(net):
    ...     net.training
    False
    >>> net.training
    True
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.was = getattr(model, "training", None)

    def __enter__(self) -> None:
        if self.was is not None and callable(getattr(self.model, "eval", None)):
            self.model.eval()

    def __exit__(self, *exc: object) -> None:
        if self.was is not None and callable(getattr(self.model, "train", None)):
            self.model.train(self.was)


def _all_scores(model: Any, X: Any, where: str) -> np.ndarray:
    """Checked scores (N, k) of ``model`` for ``X``, in eval mode and without a graph."""
    engine = check_trainable(model, where, widths=False)
    Xa = check_inputs(X, where, model_nin(model))
    with no_grad(), EvalMode(model):
        return score_array(forward_batch(model, engine, Xa, where))


def ends_in_sigmoid(model: Any) -> bool:
    """Whether the model's last step is a sigmoid, so its one output is a probability (threshold 0.5).

    >>> import nn
    >>> ends_in_sigmoid(nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())), ends_in_sigmoid(nn.MLP(2, [3, 1]))
    (True, False)
    """
    children = list(model.children()) if callable(getattr(model, "children", None)) else []
    if children:
        return ends_in_sigmoid(children[-1])
    return isinstance(model, Sigmoid) or isinstance(getattr(model, "activation", None), Sigmoid)


def default_threshold(model: Any, threshold: float | None) -> float:
    """``threshold`` if given, else 0.5 for a model ending in a sigmoid (a probability) and 0 for a logit.

    >>> import nn
    >>> default_threshold(nn.Linear(2, 1, activation="sigmoid"), None), default_threshold(nn.Linear(2, 1), None)
    (0.5, 0.0)
    """
    if threshold is not None:
        return float(threshold)
    return 0.5 if ends_in_sigmoid(model) else 0.0


def predict(model: Any, X: Any, threshold: float | None = None) -> np.ndarray:
    """Class labels for the rows of ``X``.

    One output: 1 where the score (a logit) is above ``threshold``, else 0.
    Several outputs: the index of the largest one (argmax).  Runs without
    recording a graph, in eval mode; the scalar engine is called sample by sample.

    Parameters
    ----------
    model : nn model
        With ``.engine``, ``.nin`` and ``.nout`` (e.g. :class:`nn.MLP`).
    X : array_like of shape (N, nin)
        The inputs.
    threshold : float, optional
        For one output: the score above which the class is 1.  By default 0.5
        when the model ends in a sigmoid (its output is a probability), else 0
        (a logit); use 0.5 for a model trained with mse on 0/1 targets.

    Returns
    -------
    numpy.ndarray of int64, shape (N,)

    Examples
    --------
    >>> import numpy as np, nn
    >>> model = nn.MLP(2, [3], seed=0)
    >>> predict(model, np.zeros((4, 2))).tolist()    # all logits 0: class 0 for each
    [0, 0, 0, 0]
    """
    s = _all_scores(model, X, "predict")
    if s.shape[1] == 1:
        return (s[:, 0] > default_threshold(model, threshold)).astype(np.int64)
    return np.argmax(s, axis=1).astype(np.int64)


def accuracy(model: Any, X: Any, y: Any, threshold: float | None = None) -> float:
    """The fraction of samples whose predicted class is the label.

    Parameters
    ----------
    model : nn model
        As for :func:`predict`.
    X : array_like of shape (N, nin)
        The inputs.
    y : array_like of shape (N,)
        Labels: 0/1 or -1/+1 for a model with one output (a score above
        ``threshold`` means the positive class), class indices ``0 .. k-1`` for
        ``k`` outputs.
    threshold : float, optional
        As for :func:`predict` (0.5 for a model ending in a sigmoid, else 0).

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> import numpy as np, nn
    >>> model = nn.MLP(1, [1], seed=0)
    >>> model.layers[0].weight.data[:] = 1.0; model.layers[0].bias.data[:] = 0.0   # score = x
    >>> accuracy(model, [[-2.0], [-1.0], [1.0], [3.0]], [0, 1, 1, 1])
    0.75
    """
    s = _all_scores(model, X, "accuracy")
    arr = check_targets(y, s.shape[0], s.shape[1], "accuracy")
    mode = label_mode(arr, s.shape[1])
    if mode is None:
        expected = "0/1 or -1/+1 labels" if s.shape[1] == 1 else f"class indices 0..{s.shape[1] - 1}"
        raise ValueError(
            f"accuracy: the model has {s.shape[1]} output{'s' if s.shape[1] > 1 else ''}, so y must hold "
            f"{expected}, got the values {distinct_values(arr)} (shape {arr.shape})"
        )
    return score_accuracy(s, arr, mode, default_threshold(model, threshold))
