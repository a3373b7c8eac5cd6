"""The decision boundary: the class a model predicts at each point of the 2-D input plane."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import palette

from ..checks import check_module, check_pair, check_plane
from ..inspect.plane import grid
from ..inspect.snapshots import maybe_at_epoch
from ..module import Module
from .figures import finish_figure, new_figure
from .parts import check_data, class_color, class_indices, model_scores, predicted_classes, scatter_classes

__all__ = ["decision_boundary", "draw_decision_boundary"]


def draw_decision_boundary(
    ax: Any,
    model: Module,
    X: Any,
    y: Any,
    resolution: int,
    margin: float,
    threshold: float,
    title: Any,
    prefix: str = "",
    test: Any = None,
) -> None:
    """Draw the picture of :func:`decision_boundary` on ``ax`` (checked arguments; ``prefix`` starts the title).

    ``test`` is ``(X_test, y_test)`` as arrays, or None.

    Examples
    --------
    >>> import nn
    >>> from nn.plot.figures import new_figure
    >>> ax = new_figure(3, 3).add_subplot()
    >>> draw_decision_boundary(ax, nn.MLP(2, [1]), None, None, 5, 0.5, 0.0, None, "epoch 3: ")
    >>> ax.get_title()
    'epoch 3: decision boundary'
    """
    g = grid(X, resolution=resolution, margin=margin)
    scores = model_scores(model, g.points)
    pred = predicted_classes(scores, threshold)
    k = max(2, scores.shape[1])
    from matplotlib.colors import ListedColormap

    cmap = ListedColormap([class_color(i) for i in range(k)])
    ax.contourf(g.xs, g.ys, g.image(pred), levels=np.arange(k + 1) - 0.5, cmap=cmap, alpha=0.25)
    if scores.shape[1] == 1:
        img = g.image(scores[:, 0])
        if img.min() < threshold < img.max():
            ax.contour(g.xs, g.ys, img, levels=[threshold], colors=palette.LINE, linewidths=1.2)
    else:
        for c in np.unique(pred):  # each class's border (a shared border is drawn twice, in one place)
            region = g.image((pred == c).astype(float))
            if 0 < region.mean() < 1:
                ax.contour(g.xs, g.ys, region, levels=[0.5], colors=palette.LINE, linewidths=1.0)
    text = "decision boundary"
    measured = []
    if X is not None:
        cls, names = (None, None) if y is None else class_indices(y, scores.shape[1])
        scatter_classes(ax, X, cls, names)
        if y is not None:
            acc = float(np.mean(predicted_classes(model_scores(model, X), threshold) == cls))
            measured.append(f"{'all points' if test is not None else 'accuracy'} {100 * acc:.1f} %")
            if names is not None:
                ax.legend(loc="upper right", fontsize=7, framealpha=0.7)
    if test is not None:
        Xt, yt = test
        tcls, _ = class_indices(yt, scores.shape[1])
        tacc = float(np.mean(predicted_classes(model_scores(model, Xt), threshold) == tcls))
        measured.append(f"test {100 * tacc:.1f} %")
    if measured:
        text = f"decision boundary ({', '.join(measured)})"
    if title is not None and measured:
        title = f"{title}\n{', '.join(measured)}"
    ax.set_xlim(g.extent[0], g.extent[1])
    ax.set_ylim(g.extent[2], g.extent[3])
    ax.set_aspect("equal")
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.set_title(prefix + text if title is None else title, fontsize=10)


def decision_boundary(
    model: Module,
    X: Any = None,
    y: Any = None,
    resolution: int = 100,
    margin: float = 0.5,
    threshold: float = 0.0,
    epoch: int | None = None,
    snapshots: Any = None,
    ax: Any = None,
    title: str | None = None,
    test: tuple[Any, Any] | None = None,
    path: Any = None,
    dpi: Any = None,
) -> Any:
    """The class the model predicts at each point of the 2-D input plane, with the data on top.

    The line where the decision changes is near-black; the regions and the
    points take their class colours (:mod:`autograd.palette`).  The title
    carries the measured accuracy: on ``X, y`` and, given ``test``, on the
    held-out data (also under a custom ``title``).

    Parameters
    ----------
    model : nn.Module
        A classifier with 2 inputs: one output (class 1 where it is above
        ``threshold``) or one output per class (argmax).
    X, y : array_like, optional
        Data to draw (and to size the plane); with ``y`` the title shows the accuracy.
    resolution : int, default 100
        Grid points per side.
    margin : float, default 0.5
        Space around the data.
    threshold : float, default 0
        For one output; use 0.5 for a model trained with mse on 0/1 targets.
    epoch : int, optional
        Draw the model as it was at this epoch (needs ``snapshots``).
    snapshots : History, inspect.Snapshots or list of (epoch, state_dict), optional
        Where the weights of each epoch are kept (``nn.fit(..., snapshot_every=k)``).
    ax : matplotlib Axes, optional
        Draw here instead of in a new figure.
    title : str, optional
        Replaces the default title (the accuracies are added on a second line).
    test : (X_test, y_test), optional
        Held-out data: its accuracy goes into the title.
    path : str or path-like, optional
        Also save the figure there.
    dpi : float, optional
        Resolution when saving.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import nn
    >>> X, y = nn.data.xor(80, seed=0)
    >>> fig = decision_boundary(nn.MLP(2, [8, 1], seed=0), X, y, resolution=30)
    >>> fig.axes[0].get_xlabel()
    '$x_0$'
    >>> fig = decision_boundary(nn.MLP(2, [1], seed=0), X, y, test=(X[:10], y[:10]), title="linear", resolution=10)
    >>> fig.axes[0].get_title().splitlines()[0]
    'linear'
    """
    where = "decision_boundary"
    model = check_module(model, where)
    check_plane(model, where)
    X, y = check_data(X, y, where, need_y=False)
    if test is not None:
        X_test, y_test = check_pair(test, where, "test", "X_test, y_test")
        test = check_data(X_test, y_test, where)
    with maybe_at_epoch(model, snapshots, epoch):
        if ax is None:
            fig = new_figure(5.2, 4.8)
            ax = fig.add_subplot(1, 1, 1)
        else:
            fig = ax.figure
        prefix = "" if epoch is None else f"epoch {epoch}: "
        draw_decision_boundary(ax, model, X, y, resolution, margin, threshold, title, prefix, test)
    return finish_figure(fig, path, dpi)
