"""Charts of numbers: linear-probe accuracy per layer, and loss and accuracy per epoch."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import palette

from ..inspect.probes import linear_probes as measure_probes
from ..module import Module
from .figures import finish_figure, new_figure

__all__ = ["linear_probes", "training_curves", "BAR", "STYLES"]

#: the colour of a bar that carries no class or sign (neutral grey)
BAR = "#b8b8b8"
#: line styles (style, colour) for several models on one chart: neutral, so no colour claims a class or a sign
STYLES = (("-", palette.LINE), ("--", "#6f6f6f"), (":", "#6f6f6f"), ("-.", "#9a9a9a"), ((0, (5, 1, 1, 1)), "#9a9a9a"))


def linear_probes(
    model: Module | None = None,
    X: Any = None,
    y: Any = None,
    test: tuple[Any, Any] | None = None,
    probes: dict[str, float] | None = None,
    epochs: int = 300,
    seed: int = 0,
    output: bool = True,
    chance: float | None = None,
    ax: Any = None,
    title: str | None = None,
    path: Any = None,
    dpi: Any = None,
) -> Any:
    """A bar chart of :func:`nn.inspect.linear_probes`: linear separability after each layer.

    One grey bar per representation, its accuracy written on top.  The last
    bar (with ``output``) is the model's output layer: hatched and labelled
    "trivially separable", since a probe on the output only has to copy the
    model's own decision.  A dashed line marks the majority class (chance).

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
    output : bool, default True
        The last entry is the model's output layer (drawn hatched).
    chance : float, optional
        The majority-class accuracy to mark (computed from the labels when
        the probes are measured here).
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
    >>> fig.axes[0].patches[-1].get_hatch()
    '//'
    """
    where = "linear_probes"
    if probes is None:
        if model is None or X is None or y is None:
            raise ValueError(f"{where}: give model, X and y (and test=), or probes= from nn.inspect.linear_probes")
        probes = measure_probes(model, X, y, test=test, epochs=epochs, seed=seed)
        labels = np.asarray(test[1] if test is not None else y).ravel()
        _, counts = np.unique(labels, return_counts=True)
        chance = chance if chance is not None else counts.max() / counts.sum()
    if not probes:
        raise ValueError(f"{where}: no probe accuracies to draw")
    names = list(probes)
    vals = [100.0 * float(probes[k]) for k in names]
    if ax is None:
        fig = new_figure(max(3.5, 0.9 * len(names) + 1.5), 3.4)
        ax = fig.add_subplot(1, 1, 1)
    else:
        fig = ax.figure
    bars = ax.bar(range(len(names)), vals, color=BAR, edgecolor=palette.LINE, linewidth=0.6)
    for b, v in zip(bars, vals):
        ax.text(b.get_x() + b.get_width() / 2, v + 1, f"{v:.0f} %", ha="center", va="bottom", fontsize=8)
    if output and len(names) > 1:
        last = bars[-1]
        last.set_facecolor("white")
        last.set_hatch("//")
        ax.text(
            last.get_x() + last.get_width() / 2,
            min(vals[-1], 100) / 2,
            "output:\ntrivially\nseparable",
            ha="center",
            va="center",
            fontsize=6.5,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "linewidth": 0},
        )
    if chance is not None:
        ax.axhline(100 * chance, color=palette.LINE, linestyle="--", linewidth=0.8, label="chance (majority class)")
        ax.legend(loc="upper left", fontsize=7, frameon=False)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, fontsize=8, rotation=20 if len(names) > 6 else 0)
    ax.set_ylim(0, 122)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("linear probe accuracy (%)")
    ax.set_title(title or "how linearly separable each representation is", fontsize=10)
    fig.tight_layout()
    return finish_figure(fig, path, dpi)


def _series(history: Any, name: str) -> list[float]:
    v = history.get(name) if isinstance(history, dict) else getattr(history, name, None)
    if v is None:
        return []
    return [float(x) for x in v]


def _is_many(history: Any) -> bool:
    """True for ``{model name: history}`` (several models), False for one history."""
    if not isinstance(history, dict) or not history:
        return False
    return all(not isinstance(v, (list, tuple, np.ndarray)) for v in history.values())


def training_curves(history: Any, title: str | None = None, path: Any = None, dpi: Any = None) -> Any:
    """Loss and accuracy per epoch: of one model (training and validation), or of several on one chart.

    Lines are drawn in near-black and greys with different dashes (colour
    would claim a class or a sign): one model's training curve is solid and
    its validation curve dashed; several models get one style each, named in
    the legend.

    Parameters
    ----------
    history : History, dict, or dict of str to History
        With lists ``loss`` and, optionally, ``accuracy``, ``val_loss`` and
        ``val_accuracy`` (attributes or keys; accuracy as a fraction).  A dict
        whose values are histories (not lists) draws each model's training
        curves, labelled by its key.
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
    >>> fig = training_curves({"deep": {"loss": [0.7, 0.2]}, "linear": {"loss": [0.7, 0.69]}})
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['deep', 'linear']
    """
    if _is_many(history):
        runs = [(str(name), h) for name, h in history.items()]
        series = [
            (f"{name}", style, _series(h, "loss"), _series(h, "accuracy"))
            for (name, h), style in zip(runs, _styles(len(runs)))
        ]
    else:
        val = (_series(history, "val_loss"), _series(history, "val_accuracy"))
        series = [("train", STYLES[0], _series(history, "loss"), _series(history, "accuracy"))]
        if val[0] or val[1]:
            series.append(("validation", ("--", STYLES[0][1]), *val))
    if not any(loss for _, _, loss, _ in series):
        raise ValueError("training_curves: the history has no loss values (train first)")
    has_acc = any(any(np.isfinite(acc)) for _, _, _, acc in series)
    fig = new_figure(9.0 if has_acc else 4.8, 3.4)
    axes = fig.subplots(1, 2 if has_acc else 1, squeeze=False)[0]
    ax = axes[0]
    losses = [v for _, _, loss, _ in series for v in loss]
    for label, (style, colour), loss, _ in series:
        if loss:
            ax.plot(range(1, len(loss) + 1), loss, linestyle=style, color=colour, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if losses and min(losses) > 0 and max(losses) / min(losses) > 100:
        ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.set_title("loss", fontsize=10)
    if has_acc:
        ax = axes[1]
        for label, (style, colour), _, acc in series:
            if acc and any(np.isfinite(acc)):
                ax.plot(range(1, len(acc) + 1), [100 * v for v in acc], linestyle=style, color=colour, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy (%)")
        ax.set_ylim(0, 102)
        ax.legend(fontsize=8, loc="lower right")
        ax.set_title("accuracy", fontsize=10)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return finish_figure(fig, path, dpi)


def _styles(n: int) -> list[tuple[Any, str]]:
    """``n`` line styles, cycling through :data:`STYLES`."""
    return [STYLES[i % len(STYLES)] for i in range(n)]
