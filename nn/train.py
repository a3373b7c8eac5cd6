"""Training: :func:`fit`, the loop every notebook would otherwise write by hand.

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

:class:`History` (:mod:`nn.history`), :func:`predict` and :func:`accuracy`
(:mod:`nn.metrics`) can be imported from here too, as before.

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

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import Node, gc_paused, no_grad

from .batches import (
    Batches,
    array_batches,
    epoch_accuracy,
    label_array,
    loader_arrays,
    loader_batches,
    output_width,
)
from .checks import check_inputs, check_int, check_pair, check_targets, check_trainable, model_nin
from .data import DataLoader
from .explore.recording import Recording, record_every
from .history import History, format_metric
from .inspect.snapshots import Snapshots
from .losses import BCELoss, MSELoss, bce_with_logits, binary_cross_entropy, cross_entropy, mse_loss, target_check
from .metrics import EvalMode, accuracy, forward_batch, predict, score_array
from .optim import Adam

__all__ = ["fit", "predict", "accuracy", "History", "DEFAULT_LR"]

#: Adam's learning rate when :func:`fit` makes the optimiser.  0.01 is ten
#: times PyTorch's Adam default: small networks on small data sets (the
#: circles of the seed's story) then train in a few hundred full-batch epochs,
#: and it is still small enough to be stable for them.
DEFAULT_LR = 0.01


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
        shown = {k: format_metric(k, v) for k, v in metrics.items()}
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
    y: Any = None,
    loss: Callable[[Any, Any], Any] | None = None,
    optimizer: Any = None,
    epochs: int = 100,
    batch_size: int | None = None,
    validation: Any = None,
    progress: bool = True,
    seed: Any = 0,
    snapshot_every: int | None = None,
    record: bool | int | None = None,
) -> History:
    """Train ``model`` on ``(X, y)`` (or on the batches of a DataLoader) and return the :class:`History`.

    Everything that can be is checked before the first update: ``X`` must be
    2-D with ``model.nin`` columns (when the model has ``nin``), ``y`` must
    have one label per row and labels of the kind the loss expects, and so
    must ``validation``.  The garbage collector is paused while training (the
    graph has no cycles to collect) and restored afterwards, also on errors.

    Parameters
    ----------
    model : nn model
        Any module with a forward, on either engine (e.g. :class:`nn.MLP`, a
        :class:`nn.Sequential` or your own :class:`nn.Module`).  On the scalar
        engine each sample is fed on its own (``model(list_of_numbers)``) and
        the loss gets a list of lists of Values.  A model without ``nout`` is
        run once on one sample (in eval mode, without a graph) to learn its output width.
    X : array_like of shape (N, ...), or nn.data.DataLoader
        Training inputs (an ndarray, a nested list or a Tensor), or a
        :class:`nn.data.DataLoader` whose batches are ``(inputs, labels)``
        (then ``y`` and ``batch_size`` are not given: the loader decides).
    y : array_like of shape (N,) or (N, 1), optional
        Training targets (class labels for the default losses).
    loss : callable, optional
        ``loss(prediction, target)`` returning a scalar node, e.g.
        :func:`nn.cross_entropy` or a loss module such as ``nn.MSELoss()``.
        Default: :func:`nn.bce_with_logits` for a model with one output
        (labels 0/1), :func:`nn.cross_entropy` for several (labels 0..k-1).
        The built-in losses' label rules are checked before training; a
        custom loss is checked only for lengths.
    optimizer : optimiser, optional
        Default: ``Adam(model.parameters(), lr=DEFAULT_LR)`` with ``DEFAULT_LR = 0.01``.
    epochs : int, default 100
        Passes over the training set.
    batch_size : int, optional
        Samples per update; None means the whole set (full batch).
        Mini-batches are reshuffled every epoch from ``seed``.
    validation : (X_val, y_val) or DataLoader, optional
        Evaluated after every epoch (without a graph, in eval mode).
    progress : bool, default True
        Show a progress bar (tqdm when installed, else one line on stderr).
    seed : int or numpy Generator, default 0
        Shuffles the mini-batches; the same seed gives the same training.
    snapshot_every : int, optional
        Keep a copy of the weights before training, every ``snapshot_every``
        epochs and after the last epoch, in ``History.snapshots`` (for
        :mod:`nn.inspect` and :mod:`nn.plot`: how the model changed).
    record : bool or int, optional
        Record the run for :func:`nn.explore` in ``History.record`` (an
        :class:`nn.explore.Recording`): the weights and each layer's gradient
        norm at epoch 0, every ``record``-th epoch (``True``: about 60 epochs
        spread over the run) and the last, with the data and the loss.

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
    >>> loader = nn.data.DataLoader(nn.data.TensorDataset(X, y), batch_size=50, shuffle=True, seed=0)
    >>> fit(nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1)), loader, epochs=2, progress=False).epochs
    2
    """
    where = "fit"
    engine = check_trainable(model, where, widths=False)
    nin = model_nin(model)
    loader = X if isinstance(X, DataLoader) else None
    if loader is not None:
        if y is not None or batch_size is not None:
            raise TypeError(
                f"{where}: X is a DataLoader, which gives the labels and the batches; leave y and batch_size out"
            )
        Xa, ya = loader_arrays(loader, where, nin)
    else:
        if y is None:
            raise TypeError(f"{where}: y (the targets) is missing; pass fit(model, X, y) or a DataLoader as X")
        Xa, ya = check_inputs(X, where, nin), None
    nout = output_width(model, engine, Xa, where)
    if loss is None:
        loss = bce_with_logits if nout == 1 else cross_entropy
    elif not callable(loss):
        raise TypeError(f"{where}: loss must be a function loss(prediction, target), got {type(loss).__name__}")
    check = target_check(loss)
    if loader is None:
        ya = check_targets(y, Xa.shape[0], nout, where, check)
    elif ya is not None:
        ya = check_targets(ya, ya.shape[0], nout, where, check)
    val: DataLoader | tuple[np.ndarray, np.ndarray] | None = None
    if isinstance(validation, DataLoader):
        val = validation
    elif validation is not None:
        X_val, y_val = check_pair(validation, where, "validation", "X_val, y_val")
        Xv = check_inputs(X_val, where, nin, name="X_val")
        val = (Xv, check_targets(y_val, Xv.shape[0], nout, where, check, name="y_val"))
    epochs = check_int(epochs, "epochs", where, minimum=0)
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", where)
    snapshots = None
    if snapshot_every is not None:
        snapshots = Snapshots(every=check_int(snapshot_every, "snapshot_every", where))
    every = record_every(record, epochs, where)
    recording = None
    if every is not None:
        if ya is None:
            raise ValueError(f"{where}: record= needs class labels; this DataLoader gives none")
        test = val if isinstance(val, tuple) else None
        recording = Recording(model, Xa, ya, test, loss, every)
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
    labels = ya if ya is not None else np.zeros(0)
    binary = nout == 1 and labels.size and set(np.unique(labels).tolist()) <= {0, 1}
    # a score above the threshold is class 1: 0 for logits, 0.5 for probabilities (BCE) and 0/1 regression (MSE)
    on_half = loss is mse_loss or loss is binary_cross_entropy or isinstance(loss, (MSELoss, BCELoss))
    threshold = 0.5 if on_half and binary else 0.0
    if loader is not None:
        train: Batches = loader_batches(model, engine, loader)
    else:
        train = array_batches(model, engine, Xa, ya if ya is not None else np.zeros(0), batch_size, rng)
    valid = None
    if isinstance(val, DataLoader):
        valid = loader_batches(model, engine, val)
    elif val is not None:
        valid = array_batches(model, engine, *val)
    history = _train(
        model, engine, nout, train, loss, optimizer, epochs, valid, bool(progress), threshold, snapshots, recording
    )
    history.record = recording
    return history


@gc_paused
def _train(
    model: Any,
    engine: str,
    nout: int,
    train: Batches,
    loss: Callable,
    optimizer: Any,
    epochs: int,
    val: Batches | None,
    progress: bool,
    threshold: float,
    snapshots: Any,
    recording: Any = None,
) -> History:
    """The training loop of :func:`fit`, on checked inputs."""
    where = "fit"
    history = History()
    if snapshots is not None:
        history.snapshots = snapshots
        snapshots(model, 0)
    if recording is not None:
        recording(model, 0)
    bar = _Progress(epochs, progress)
    was_training = getattr(model, "training", None)
    start = time.perf_counter()
    try:
        for epoch in range(1, epochs + 1):
            if was_training is not None:
                model.train()
            total_loss, n, scores, labels = 0.0, 0, [], []
            for xb, yb in train():
                optimizer.zero_grad()
                pred = forward_batch(model, engine, xb, where)
                L = loss(pred, yb)
                if not isinstance(L, Node):
                    raise TypeError(f"{where}: the loss must return a Value or a Tensor, got {type(L).__name__}")
                L.backward()
                optimizer.step()
                size = len(xb)
                total_loss, n = total_loss + float(L.data) * size, n + size
                scores.append(score_array(pred))
                labels.append(label_array(yb))
            history.loss.append(total_loss / max(n, 1))
            history.accuracy.append(epoch_accuracy(scores, labels, nout, threshold))
            metrics = {"loss": history.loss[-1], "accuracy": history.accuracy[-1]}
            if val is not None:
                with no_grad(), EvalMode(model):
                    vloss, vn, vscores, vlabels = 0.0, 0, [], []
                    for xb, yb in val():
                        vpred = forward_batch(model, engine, xb, where)
                        vloss, vn = vloss + float(loss(vpred, yb).data) * len(xb), vn + len(xb)
                        vscores.append(score_array(vpred))
                        vlabels.append(label_array(yb))
                history.val_loss.append(vloss / max(vn, 1))
                history.val_accuracy.append(epoch_accuracy(vscores, vlabels, nout, threshold))
                metrics.update(val_loss=history.val_loss[-1], val_accuracy=history.val_accuracy[-1])
            history.time = time.perf_counter() - start
            if snapshots is not None:
                snapshots(model, epoch, force=epoch == epochs)
            if recording is not None:
                recording(model, epoch, force=epoch == epochs)
            bar.update(epoch, metrics)
    finally:
        bar.close()
        if was_training is not None:
            model.train(was_training)
    return history
