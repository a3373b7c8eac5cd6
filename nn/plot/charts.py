"""Charts of numbers: linear-probe accuracy per layer, and loss and accuracy per epoch."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..inspect.probes import linear_probes as measure_probes
from ..module import Module
from .figures import finish_figure, new_figure

__all__ = ["linear_probes", "training_curves"]


def linear_probes(
    model: Module | None = None,
    X: Any = None,
    y: Any = None,
    test: tuple[Any, Any] | None = None,
    probes: dict[str, float] | None = None,
    epochs: int = 300,
    seed: int = 0,
    ax: Any = None,
    title: str | None = None,
    path: Any = None,
    dpi: Any = None,
) -> Any:
    """A bar chart of :func:`nn.inspect.linear_probes`: linear separability after each layer.

    Parameters
    ----------
    model : nn.Module, optional
        The network (not needed when ``probes`` is given).
    X, y : array_like, optional
        Training data for the probes.
    test : (X_test, y_test), optional
        Held-out data to score them on.
    probes : dict of str to float, optional
        Accuracies already computed by :func:`nn.inspect.linear_probes`.
    epochs : int, default 300
        Training steps per probe.
    seed : int, default 0
        Initial weights of the probes.
    ax : matplotlib Axes, optional
        Draw here instead of in a new figure.
    title : str, optional
        Replaces the default title.
    path : str or path-like, optional
        Also save the figure there.
    dpi : float, optional
        Resolution when saving.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = linear_probes(probes={"input": 0.55, "layer 1": 0.9, "layer 2": 1.0})
    >>> [round(float(p.get_height()), 1) for p in fig.axes[0].patches]
    [55.0, 90.0, 100.0]
    """
    where = "linear_probes"
    chance = None
    if probes is None:
        if model is None or X is None or y is None:
            raise ValueError(f"{where}: give model, X and y (and test=), or probes= from nn.inspect.linear_probes")
        probes = measure_probes(model, X, y, test=test, epochs=epochs, seed=seed)
        labels = np.asarray(test[1] if test is not None else y).ravel()
        _, counts = np.unique(labels, return_counts=True)
        chance = counts.max() / counts.sum()
    if not probes:
        raise ValueError(f"{where}: no probe accuracies to draw")
    names = list(probes)
    vals = [100.0 * float(probes[k]) for k in names]
    if ax is None:
        fig = new_figure(max(3.5, 0.9 * len(names) + 1.5), 3.4)
        ax = fig.add_subplot(1, 1, 1)
    else:
        fig = ax.figure
    bars = ax.bar(range(len(names)), vals, color="#4c72b0")
    for b, v in zip(bars, vals):
        ax.text(b.get_x() + b.get_width() / 2, v + 1, f"{v:.0f} %", ha="center", va="bottom", fontsize=8)
    if chance is not None:
        ax.axhline(100 * chance, color="0.4", linestyle="--", linewidth=1)
        ax.text(len(names) - 0.5, 100 * chance + 1, "majority class", ha="right", va="bottom", fontsize=7, color="0.3")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, fontsize=8, rotation=20 if len(names) > 6 else 0)
    ax.set_ylim(0, 110)
    ax.set_ylabel("linear probe accuracy (%)")
    ax.set_title(title or "how linearly separable each representation is", fontsize=10)
    fig.tight_layout()
    return finish_figure(fig, path, dpi)


def _series(history: Any, name: str) -> list[float]:
    v = history.get(name) if isinstance(history, dict) else getattr(history, name, None)
    if v is None:
        return []
    return [float(x) for x in v]


def training_curves(history: Any, title: str | None = None, path: Any = None, dpi: Any = None) -> Any:
    """Loss and accuracy per epoch, for training and validation.

    Parameters
    ----------
    history : History, dict or any object
        With lists ``loss`` and, optionally, ``accuracy``, ``val_loss`` and
        ``val_accuracy`` (attributes or keys; accuracy as a fraction).
    title : str, optional
        A title over the figure.
    path : str or path-like, optional
        Also save the figure there.
    dpi : float, optional
        Resolution when saving.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes (loss, accuracy), or one when no accuracy was recorded.

    Examples
    --------
    >>> fig = training_curves({"loss": [0.7, 0.5, 0.3], "accuracy": [0.5, 0.8, 0.9]})
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['loss', 'accuracy (%)']
    """
    loss, val_loss = _series(history, "loss"), _series(history, "val_loss")
    acc, val_acc = _series(history, "accuracy"), _series(history, "val_accuracy")
    if not loss and not val_loss:
        raise ValueError("training_curves: the history has no loss values (train first)")
    has_acc = any(np.isfinite(acc)) or any(np.isfinite(val_acc))
    fig = new_figure(9.0 if has_acc else 4.8, 3.4)
    axes = fig.subplots(1, 2 if has_acc else 1, squeeze=False)[0]
    ax = axes[0]
    for series, label, style in ((loss, "train", "-"), (val_loss, "validation", "--")):
        if series:
            ax.plot(range(1, len(series) + 1), series, style, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if loss and min(loss) > 0 and max(loss) / min(loss) > 100:
        ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.set_title("loss", fontsize=10)
    if has_acc:
        ax = axes[1]
        for series, label, style in ((acc, "train", "-"), (val_acc, "validation", "--")):
            if series and any(np.isfinite(series)):
                ax.plot(range(1, len(series) + 1), [100 * v for v in series], style, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy (%)")
        ax.set_ylim(0, 102)
        ax.legend(fontsize=8, loc="lower right")
        ax.set_title("accuracy", fontsize=10)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return finish_figure(fig, path, dpi)
