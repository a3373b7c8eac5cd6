"""Training and evaluation: :func:`fit`, :func:`predict`, :func:`accuracy`, :class:`History`.

:func:`fit` is the loop every notebook would otherwise write by hand, on
either engine::

    for each epoch:
        for each batch (shuffled, or the whole set):
            zero the gradients
            prediction = model(batch)             # tensor: one call; scalar: one call per sample
            loss(prediction, labels).backward()
            optimizer.step()

It checks every input **before** training (so a mistake never leaves a
half-trained model behind), picks a loss that suits the model's output, and
returns a :class:`History` of the loss and accuracy per epoch.

Examples
--------
>>> import nn
>>> X, y = nn.data.circles(100, seed=0)
>>> model = nn.MLP(2, [8, 1], seed=0)
>>> history = fit(model, X, y, epochs=5, progress=False)
>>> history.epochs, len(history.loss)
(5, 5)
>>> predict(model, X[:3]).shape
(3,)
"""

from __future__ import annotations

import html
import math
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import Node, Tensor, Value, no_grad
from autograd.graph import _gc_paused

from .checks import check_inputs, check_int, check_pair, check_targets, check_trainable
from .inspect.snapshots import Snapshots
from .losses import TARGET_CHECKS, bce_with_logits, cross_entropy, mse_loss
from .optim import Adam
from .targets import distinct_values

__all__ = ["fit", "predict", "accuracy", "History", "DEFAULT_LR"]

#: Adam's learning rate when :func:`fit` makes the optimiser.  0.01 is ten
#: times PyTorch's Adam default: small networks on small data sets (the
#: circles of the seed's story) then train in a few hundred full-batch epochs,
#: and it is still small enough to be stable for them.
DEFAULT_LR = 0.01


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------


class History:
    """What happened during :func:`fit`, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        The training loss, averaged over the epoch's batches (each measured
        just before its update, as Keras does).
    accuracy : list of float
        The training accuracy (a fraction in [0, 1]) of the same predictions;
        nan when the targets are not class labels (e.g. regression).
    val_loss, val_accuracy : list of float
        Loss and accuracy on the ``validation`` set after each epoch (empty
        without a validation set).
    time : float
        Seconds spent training.
    snapshots : nn.inspect.Snapshots or None
        Copies of the weights, ``(epoch, state_dict)`` pairs, kept when
        :func:`fit` is given ``snapshot_every=k``: epoch 0 (before training),
        every ``k``-th epoch and the last one.  None otherwise.

    Examples
    --------
    >>> h = History()
    >>> h.loss += [0.7, 0.4]; h.accuracy += [0.5, 0.75]
    >>> h.epochs
    2
    >>> h
    History(epochs=2, loss=0.4, accuracy=75.0 %, time=0.00 s)
    >>> h.best()
    {'epoch': 2, 'loss': 0.4, 'accuracy': 0.75}
    """

    def __init__(self) -> None:
        self.loss: list[float] = []
        self.accuracy: list[float] = []
        self.val_loss: list[float] = []
        self.val_accuracy: list[float] = []
        self.time = 0.0
        self.snapshots: Any = None

    @property
    def epochs(self) -> int:
        """How many epochs were run."""
        return len(self.loss)

    def __len__(self) -> int:
        return self.epochs

    def _columns(self) -> list[tuple[str, list[float]]]:
        cols = [("loss", self.loss), ("accuracy", self.accuracy)]
        if self.val_loss:
            cols += [("val_loss", self.val_loss), ("val_accuracy", self.val_accuracy)]
        return cols

    def best(self, metric: str | None = None) -> dict[str, Any]:
        """The epoch with the best ``metric`` and all metrics at that epoch.

        Parameters
        ----------
        metric : str, optional
            ``"loss"``, ``"accuracy"``, ``"val_loss"`` or ``"val_accuracy"``;
            losses are minimised, accuracies maximised.  Default: ``"val_loss"``
            when there is a validation set, else ``"loss"``.

        Returns
        -------
        dict
            ``{"epoch": k (1-based), "loss": ..., "accuracy": ..., ...}``.

        Examples
        --------
        >>> h = History(); h.loss += [0.5, 0.3, 0.4]; h.accuracy += [0.6, 0.8, 0.9]
        >>> h.best("accuracy")["epoch"]
        3
        """
        cols = dict(self._columns())
        metric = metric or ("val_loss" if self.val_loss else "loss")
        if metric not in cols:
            raise ValueError(f"History.best: metric must be one of {list(cols)}, got {metric!r}")
        values = np.asarray(cols[metric], dtype=float)
        if values.size == 0 or np.all(np.isnan(values)):
            raise ValueError(f"History.best: no {metric} was recorded")
        i = int(np.nanargmax(values) if "accuracy" in metric else np.nanargmin(values))
        return {"epoch": i + 1, **{k: v[i] for k, v in cols.items()}}

    @staticmethod
    def _fmt(key: str, v: float) -> str:
        if "accuracy" in key:
            return "nan" if math.isnan(v) else f"{100 * v:.1f} %"
        return f"{v:.4g}"

    def __repr__(self) -> str:
        parts = [f"epochs={self.epochs}"]
        if self.epochs:
            parts += [f"{k}={self._fmt(k, v[-1])}" for k, v in self._columns()]
        parts.append(f"time={self.time:.2f} s")
        return f"History({', '.join(parts)})"

    def _repr_html_(self, last: int = 10) -> str:
        cols = self._columns()
        head = "".join(f"<th>{html.escape(k)}</th>" for k in ["epoch"] + [k for k, _ in cols])
        rows = []
        for i in range(max(0, self.epochs - last), self.epochs):
            cells = [str(i + 1)] + [self._fmt(k, v[i]) for k, v in cols]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        shown = f", last {min(last, self.epochs)} shown" if self.epochs > last else ""
        return (
            f"<div><b>History</b>: {self.epochs} epochs in {self.time:.2f} s{shown}"
            f"<table><tr>{head}</tr>{''.join(rows)}</table></div>"
        )


# ---------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------


def _label_mode(y: np.ndarray, nout: int) -> str | None:
    """How to score ``y`` as classes: "binary", "multiclass" or None (not class labels)."""
    flat = y.reshape(-1) if (y.ndim == 1 or y.shape[1:] == (1,)) else None
    if flat is None:
        return None
    if nout == 1:
        values = set(np.unique(flat).tolist())
        return "binary" if values <= {0, 1} or values <= {-1, 1} else None
    if np.all(flat == np.round(flat)) and np.all((flat >= 0) & (flat < nout)):
        return "multiclass"
    return None


def _score_accuracy(scores: np.ndarray, y: np.ndarray, mode: str | None, threshold: float) -> float:
    """Fraction of rows of ``scores`` (N, k) whose predicted class matches ``y``."""
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


def _forward(model: Any, engine: str, X: np.ndarray, where: str) -> Any:
    """The model's prediction for the rows of X: a Tensor, or a list of lists of Values."""
    if engine == "tensor":
        return model(X)
    return [_row(model(x), where) for x in X.tolist()]


def _scores(pred: Any) -> np.ndarray:
    """Prediction data as a float array of shape (N, k)."""
    if isinstance(pred, Tensor):
        d = np.asarray(pred.data, dtype=np.float64)
        return d.reshape(d.shape[0], -1)
    return np.array([[v.data for v in row] for row in pred], dtype=np.float64)


class _EvalMode:
    """Put a model in eval mode inside the block, then restore its mode."""

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
    engine = check_trainable(model, where)
    Xa = check_inputs(X, where, int(model.nin))
    with no_grad(), _EvalMode(model):
        return _scores(_forward(model, engine, Xa, where))


def predict(model: Any, X: Any, threshold: float = 0.0) -> np.ndarray:
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
    threshold : float, default 0
        For one output: the score above which the class is 1 (0 suits a
        logit; use 0.5 for a model trained with mse on 0/1 targets).

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
        return (s[:, 0] > threshold).astype(np.int64)
    return np.argmax(s, axis=1).astype(np.int64)


def accuracy(model: Any, X: Any, y: Any, threshold: float = 0.0) -> float:
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
    threshold : float, default 0
        As for :func:`predict`.

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
    mode = _label_mode(arr, s.shape[1])
    if mode is None:
        expected = "0/1 or -1/+1 labels" if s.shape[1] == 1 else f"class indices 0..{s.shape[1] - 1}"
        raise ValueError(
            f"accuracy: the model has {s.shape[1]} output{'s' if s.shape[1] > 1 else ''}, so y must hold "
            f"{expected}, got the values {distinct_values(arr)} (shape {arr.shape})"
        )
    return _score_accuracy(s, arr, mode, threshold)


# ---------------------------------------------------------------------------
# progress display
# ---------------------------------------------------------------------------


class _Progress:
    """tqdm's bar when tqdm is installed, else one line on stderr redrawn with ``\\r``."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled, self.bar = total, enabled, None
        self.line, self.width, self.last, self.pending = "", 0, 0.0, False
        self.start = time.perf_counter()
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self.bar = tqdm(total=total, desc="fit", unit="epoch", leave=True)

    def update(self, epoch: int, metrics: dict[str, float]) -> None:
        if not self.enabled:
            return
        shown = {k: History._fmt(k, v) for k, v in metrics.items()}
        if self.bar is not None:
            self.bar.set_postfix(shown, refresh=False)
            self.bar.update(1)
            return
        now = time.perf_counter()
        self.line = (
            f"fit: epoch {epoch}/{self.total}  "
            + "  ".join(f"{k} {v}" for k, v in shown.items())
            + f"  ({now - self.start:.1f} s)"
        )
        self.pending = True
        if now - self.last >= 0.1 or epoch == self.total:
            self._draw()
            self.last = now

    def _draw(self) -> None:
        sys.stderr.write("\r" + self.line.ljust(self.width))
        sys.stderr.flush()
        self.width = len(self.line)
        self.pending = False

    def close(self) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.close()
        elif self.line:
            if self.pending:
                self._draw()
            sys.stderr.write("\n")
            sys.stderr.flush()


# ---------------------------------------------------------------------------
# fit
# ---------------------------------------------------------------------------


def fit(
    model: Any,
    X: Any,
    y: Any,
    loss: Callable[[Any, Any], Any] | None = None,
    optimizer: Any = None,
    epochs: int = 100,
    batch_size: int | None = None,
    validation: tuple[Any, Any] | None = None,
    progress: bool = True,
    seed: Any = 0,
    snapshot_every: int | None = None,
) -> History:
    """Train ``model`` on ``(X, y)`` and return the :class:`History`.

    Everything is checked before the first update: ``X`` must be 2-D with
    ``model.nin`` columns, ``y`` must have one label per row and labels of the
    kind the loss expects, and so must ``validation``.  The garbage collector
    is paused while training (the graph has no cycles to collect) and restored
    afterwards, also on errors.

    Parameters
    ----------
    model : nn model
        E.g. :class:`nn.MLP`, on either engine.  On the scalar engine each
        sample is fed on its own (``model(list_of_numbers)``) and the loss gets
        a list of lists of Values.
    X : array_like of shape (N, nin)
        Training inputs (an ndarray, a nested list or a Tensor).
    y : array_like of shape (N,) or (N, 1)
        Training targets (class labels for the default losses).
    loss : callable, optional
        ``loss(prediction, target)`` returning a scalar node.  Default:
        :func:`nn.bce_with_logits` for a model with one output (labels 0/1),
        :func:`nn.cross_entropy` for several (labels 0..k-1).  The built-in
        losses' label rules are checked before training; a custom loss is
        checked only for lengths.
    optimizer : optimiser, optional
        Default: ``Adam(model.parameters(), lr=DEFAULT_LR)`` with ``DEFAULT_LR = 0.01``.
    epochs : int, default 100
        Passes over the training set.
    batch_size : int, optional
        Samples per update; None means the whole set (full batch).
        Mini-batches are reshuffled every epoch from ``seed``.
    validation : (X_val, y_val), optional
        Evaluated after every epoch (without a graph, in eval mode).
    progress : bool, default True
        Show a progress bar (tqdm when installed, else one line on stderr).
    seed : int or numpy Generator, default 0
        Shuffles the mini-batches; the same seed gives the same training.
    snapshot_every : int, optional
        Keep a copy of the weights before training, every ``snapshot_every``
        epochs and after the last epoch, in ``History.snapshots`` (for
        :mod:`nn.inspect` and :mod:`nn.plot`: how the model changed).

    Returns
    -------
    History
        Per-epoch ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, and ``time``.

    Raises
    ------
    TypeError, ValueError
        For bad inputs, before any parameter changes.

    Examples
    --------
    >>> import nn
    >>> X, y = nn.data.circles(200, noise=0.05, seed=0)
    >>> model = nn.MLP(2, [16, 16, 1], seed=0)
    >>> history = fit(model, X, y, epochs=200, progress=False)
    >>> history.accuracy[-1] > 0.95
    True
    >>> fit(model, X, y[:10], progress=False)
    Traceback (most recent call last):
    ...
    ValueError: fit: X has 200 samples but y has 10 labels; they must have the same length
    """
    where = "fit"
    engine = check_trainable(model, where)
    nin, nout = int(model.nin), int(model.nout)
    Xa = check_inputs(X, where, nin)
    n = Xa.shape[0]
    if loss is None:
        loss = bce_with_logits if nout == 1 else cross_entropy
    elif not callable(loss):
        raise TypeError(f"{where}: loss must be a function loss(prediction, target), got {type(loss).__name__}")
    ya = check_targets(y, n, nout, where, TARGET_CHECKS.get(loss))
    val = None
    if validation is not None:
        X_val, y_val = check_pair(validation, where, "validation", "X_val, y_val")
        Xv = check_inputs(X_val, where, nin, name="X_val")
        yv = check_targets(y_val, Xv.shape[0], nout, where, TARGET_CHECKS.get(loss), name="y_val")
        val = (Xv, yv)
    epochs = check_int(epochs, "epochs", where, minimum=0)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", where)
    snapshots = None
    if snapshot_every is not None:
        snapshots = Snapshots(every=check_int(snapshot_every, "snapshot_every", where))
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"{where}: progress must be True or False, got {progress!r}")
    try:
        rng = np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: seed must be an int or a numpy Generator, got {seed!r}") from None
    if optimizer is None:
        optimizer = Adam(model.parameters(), lr=DEFAULT_LR)
    else:
        if not callable(getattr(optimizer, "step", None)) or not callable(getattr(optimizer, "zero_grad", None)):
            raise TypeError(f"{where}: optimizer must have step() and zero_grad(), got {type(optimizer).__name__}")
        owned = getattr(optimizer, "params", None)
        if owned is not None and not {id(p) for p in owned} & {id(p) for p in model.parameters()}:
            raise ValueError(
                f"{where}: the optimizer holds none of this model's parameters (was it made for another model?); "
                "build it with optimizer(model.parameters(), ...)"
            )
    threshold = 0.5 if loss is mse_loss and nout == 1 and set(np.unique(ya).tolist()) <= {0, 1} else 0.0
    return _train(
        model, engine, Xa, ya, loss, optimizer, epochs, batch_size, val, bool(progress), rng, threshold, snapshots
    )


@_gc_paused
def _train(
    model: Any,
    engine: str,
    X: np.ndarray,
    y: np.ndarray,
    loss: Callable,
    optimizer: Any,
    epochs: int,
    batch_size: int | None,
    val: tuple[np.ndarray, np.ndarray] | None,
    progress: bool,
    rng: np.random.Generator,
    threshold: float,
    snapshots: Any,
) -> History:
    """The training loop of :func:`fit`, on checked inputs."""
    where = "fit"
    n, nout = X.shape[0], int(model.nout)
    mode = _label_mode(y, nout)
    val_mode = None if val is None else _label_mode(val[1], nout)
    history = History()
    if snapshots is not None:
        history.snapshots = snapshots
        snapshots(model, 0)
    bar = _Progress(epochs, progress)
    was_training = getattr(model, "training", None)
    start = time.perf_counter()
    try:
        for epoch in range(1, epochs + 1):
            if was_training is not None:
                model.train()
            if batch_size is None or batch_size >= n:
                batches = [np.arange(n)]
            else:
                order = rng.permutation(n)
                batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
            total_loss, scores = 0.0, np.empty((n, nout))
            for idx in batches:
                optimizer.zero_grad()
                pred = _forward(model, engine, X[idx], where)
                L = loss(pred, y[idx])
                if not isinstance(L, Node):
                    raise TypeError(f"{where}: the loss must return a Value or a Tensor, got {type(L).__name__}")
                L.backward()
                optimizer.step()
                total_loss += float(L.data) * len(idx)
                scores[idx] = _scores(pred)
            history.loss.append(total_loss / n)
            history.accuracy.append(_score_accuracy(scores, y, mode, threshold))
            metrics = {"loss": history.loss[-1], "accuracy": history.accuracy[-1]}
            if val is not None:
                with no_grad(), _EvalMode(model):
                    vpred = _forward(model, engine, val[0], where)
                    history.val_loss.append(float(loss(vpred, val[1]).data))
                history.val_accuracy.append(_score_accuracy(_scores(vpred), val[1], val_mode, threshold))
                metrics.update(val_loss=history.val_loss[-1], val_accuracy=history.val_accuracy[-1])
            history.time = time.perf_counter() - start
            if snapshots is not None:
                snapshots(model, epoch, force=epoch == epochs)
            bar.update(epoch, metrics)
    finally:
        bar.close()
        if was_training is not None:
            model.train(was_training)
    return history
