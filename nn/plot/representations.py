"""Layer representations: the data as each layer represents it, and how each layer bends the plane."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import check_module, check_plane
from ..inspect.plane import grid_lines
from ..inspect.snapshots import maybe_at_epoch
from ..inspect.stages import layer_outputs
from ..module import Module
from .figures import finish_figure, new_figure
from .parts import check_data, class_indices, column_title, layer_modules, scatter_classes

__all__ = ["layer_representations"]


def _projection(F: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[str, str]]:
    """Mean and 2 directions that show ``F`` in 2-D: itself, or its first two principal components."""
    width = F.shape[1]
    mean = F.mean(axis=0)
    if width == 2:
        return np.zeros(2), np.eye(2), ("neuron 0", "neuron 1")  # the input's are renamed by the caller
    if width == 1:
        return np.zeros(1), np.eye(1), ("neuron 0", "")
    _, s, vt = np.linalg.svd(F - mean, full_matrices=False)
    var = s**2
    share = var / var.sum() if var.sum() > 0 else np.zeros_like(var)
    return mean, vt[:2].T, (f"PC1 ({100 * share[0]:.0f} %)", f"PC2 ({100 * share[1]:.0f} %)")


def _project(F: np.ndarray, mean: np.ndarray, basis: np.ndarray, offset: np.ndarray | float) -> np.ndarray:
    P = (F - mean) @ basis
    if P.shape[1] == 1:
        P = np.column_stack([P[:, 0], np.broadcast_to(offset, P.shape[:1])])
    return P


def layer_representations(
    model: Module,
    X: Any,
    y: Any,
    warp: bool = True,
    lines: int = 11,
    margin: float = 0.25,
    epoch: int | None = None,
    snapshots: Any = None,
    cell: float = 2.6,
    title: str | None = None,
    path: Any = None,
    dpi: Any = None,
) -> Any:
    """The data as each layer represents it, and how each layer bends the input plane.

    Top row: for the input and after each layer, every sample at its position
    in that layer's representation (2 neurons: directly; more: the first two
    principal components; 1: along a line, spread vertically by class),
    coloured by class.  Watch the classes become separable layer by layer.

    Bottom row (``warp=True``, 2-D inputs only): a regular grid of horizontal
    and vertical lines over the input plane, pushed through the network and
    shown in the same coordinates: how each layer stretches, folds and
    flattens the plane.

    Parameters
    ----------
    model : nn.Module
        Usually an :class:`nn.MLP`.
    X, y : array_like
        Inputs ``(N, nin)`` and class labels ``(N,)``.
    warp : bool, default True
        Add the grid-warp row (needs ``nin == 2``).
    lines : int, default 11
        Grid lines in each direction.
    margin : float, default 0.25
        Space around the data covered by the grid.
    epoch : int, optional
        Draw the model as it was at this epoch (needs ``snapshots``).
    snapshots : History, inspect.Snapshots or list of (epoch, state_dict), optional
        Where the weights of each epoch are kept.
    cell : float, default 2.6
        Size of one panel in inches.
    title : str, optional
        A title over the whole figure.
    path : str or path-like, optional
        Also save the figure there.
    dpi : float, optional
        Resolution when saving.

    Returns
    -------
    matplotlib.figure.Figure
        ``1 + layers`` axes per row; two rows with ``warp``.

    Examples
    --------
    >>> import nn
    >>> X, y = nn.data.circles(60, seed=0)
    >>> fig = layer_representations(nn.MLP(2, [5, 2, 1], seed=0), X, y)
    >>> len(fig.axes)   # (input + 3 layers) x (data, warp)
    8
    """
    where = "layer_representations"
    model = check_module(model, where)
    X, y = check_data(X, y, where)
    if warp:
        check_plane(model, where)
    with maybe_at_epoch(model, snapshots, epoch):
        reps = layer_outputs(model, X)
        mesh = None
        if warp:
            lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
            mesh = grid_lines((lo[0], hi[0], lo[1], hi[1]), lines=lines)
            flat = layer_outputs(model, mesh.reshape(-1, 2))
    cls, names = class_indices(y, getattr(model, "nout", None))
    n_cols, n_rows = len(reps), 2 if warp else 1
    fig = new_figure(cell * n_cols, cell * n_rows + (0.5 if title or epoch is not None else 0.2))
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    mods = layer_modules(model)
    rng = np.random.default_rng(0)
    jitter = 0.35 * (cls - cls.mean()) / max(1.0, float(np.ptp(cls)) or 1.0) + 0.05 * rng.standard_normal(len(cls))
    for c, (name, F) in enumerate(reps.items()):
        mean, basis, labels = _projection(F)
        if name == "input" and F.shape[1] == 2:
            labels = ("$x_0$", "$x_1$")
        P = _project(F, mean, basis, jitter)
        ax = axes[0, c]
        scatter_classes(ax, P, cls, names, size=10)
        head = "input" if name == "input" else column_title(name, mods.get(name), c == n_cols - 1)
        ax.set_title(head, fontsize=9)
        ax.set_xlabel(labels[0], fontsize=8)
        ax.set_ylabel(labels[1] if F.shape[1] > 1 else "(spread by class)", fontsize=8)
        ax.tick_params(labelsize=7)
        if c == 0:
            ax.legend(fontsize=7, loc="best", framealpha=0.7)
        if mesh is not None:
            ax = axes[1, c]
            G = flat[name]
            n_lines = mesh.shape[0]
            for i in range(n_lines):
                seg = G[i * mesh.shape[1] : (i + 1) * mesh.shape[1]]
                Q = _project(seg, mean, basis, (i - n_lines / 2) / n_lines)
                color = "#4c72b0" if i < n_lines // 2 else "#c44e52"
                ax.plot(Q[:, 0], Q[:, 1], color=color, linewidth=0.7, alpha=0.8)
            ax.set_xlabel(labels[0], fontsize=8)
            ax.set_ylabel(labels[1] if F.shape[1] > 1 else "(one row per grid line)", fontsize=8)
            ax.tick_params(labelsize=7)
            if c == 0:
                ax.set_title("input grid (blue: horizontal, red: vertical lines)", fontsize=7)
            else:
                ax.set_title(f"the grid after {name}", fontsize=8)
    if title is None and epoch is not None:
        title = f"epoch {epoch}"
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return finish_figure(fig, path, dpi)
