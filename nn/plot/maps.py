"""Neuron maps: every neuron's output over the 2-D input plane, arranged like the network."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import check_int, check_module, check_plane
from ..inspect.plane import grid, neuron_outputs
from ..inspect.snapshots import maybe_at_epoch
from ..module import Module
from .figures import finish_figure, new_figure
from .parts import check_data, class_color, class_indices, column_title, layer_modules

__all__ = ["neuron_maps", "draw_neuron_maps", "neuron_maps_size"]

_NEURON_CMAP = "RdBu_r"


def _neuron_layout(widths: list[int], max_rows: int) -> tuple[int, list[int]]:
    """Rows of the grid and sub-columns per layer: the widest layer's columns are balanced
    (16 neurons with ``max_rows=12`` give 2 columns of 8, not 12 + 4)."""
    widest = max(widths)
    rows = -(-widest // -(-widest // max_rows))
    subcols = [-(-w // rows) for w in widths]
    return rows, subcols


def neuron_maps_size(
    model: Module, show_input: bool, max_rows: int, cell: float, with_title: bool = True
) -> tuple[float, float]:
    """Figure size (inches) for :func:`neuron_maps`: ``cell`` per map, thin gaps between layers.

    Examples
    --------
    >>> import nn
    >>> neuron_maps_size(nn.MLP(2, [3, 1]), show_input=True, max_rows=12, cell=1.0)
    (3.9, 3.9)
    """
    widths = [2] if show_input else []
    widths += [int(getattr(m, "nout", 0) or 0) for m in layer_modules(model).values()]
    rows, subcols = _neuron_layout([w for w in widths if w] or [1], max_rows)
    return cell * (sum(subcols) + 0.25 * (len(subcols) - 1)) + 0.4, cell * rows + 0.6 + 0.3 * with_title


def draw_neuron_maps(
    fig: Any,
    model: Module,
    X: Any,
    y: Any,
    resolution: int,
    margin: float,
    show_input: bool,
    max_rows: int,
    scale: str,
    title: Any,
) -> None:
    """Draw the neuron maps of :func:`neuron_maps` into the empty figure ``fig`` (checked arguments).

    Examples
    --------
    >>> import nn
    >>> from nn.plot.figures import new_figure
    >>> fig = new_figure(4, 3)
    >>> draw_neuron_maps(fig, nn.MLP(2, [2, 1]), None, None, 5, 0.5, False, 12, "neuron", None)
    >>> len(fig.axes)
    3
    """
    g = grid(X, resolution=resolution, margin=margin)
    columns = list(neuron_outputs(model, g.points).items())
    if show_input:
        columns.insert(0, ("input", g.points))
    widths = [v.shape[1] for _, v in columns]
    rows, subcols = _neuron_layout(widths, max_rows)
    # a thin spacer column between layers
    ratios: list[float] = []
    starts = []
    for i, sc in enumerate(subcols):
        if i:
            ratios.append(0.25)
        starts.append(len(ratios))
        ratios.extend([1.0] * sc)
    W, H = fig.get_size_inches()
    gs = fig.add_gridspec(
        rows,
        len(ratios),
        width_ratios=ratios,
        wspace=0.08,
        hspace=0.08,
        left=0.2 / W,
        right=1 - 0.2 / W,
        bottom=0.1 / H,
        top=1 - (0.8 if title else 0.5) / H,
    )
    mods = layer_modules(model)
    cls, _ = (None, None) if y is None or X is None else class_indices(y, getattr(model, "nout", None))
    for c, ((name, values), start) in enumerate(zip(columns, starts)):
        layer_max = float(np.max(np.abs(values))) if values.size else 0.0
        for j in range(values.shape[1]):
            ax = fig.add_subplot(gs[j % rows, start + j // rows])
            img = g.image(values[:, j])
            vmax = layer_max if scale == "layer" else float(np.max(np.abs(img)))
            vmax = vmax if vmax > 0 else 1.0
            ax.imshow(
                img,
                origin="lower",
                extent=g.extent,
                cmap=_NEURON_CMAP,
                vmin=-vmax,
                vmax=vmax,
                interpolation="nearest",
                aspect="auto",
            )
            if X is not None:
                if cls is None:
                    ax.scatter(X[:, 0], X[:, 1], s=2, c="k", alpha=0.3, linewidths=0)
                else:
                    for k in np.unique(cls):
                        m = cls == k
                        ax.scatter(X[m, 0], X[m, 1], s=2, color=class_color(k), alpha=0.6, linewidths=0)
                ax.set_xlim(g.extent[0], g.extent[1])
                ax.set_ylim(g.extent[2], g.extent[3])
            ax.set_xticks([])
            ax.set_yticks([])
            label = ("$x_0$", "$x_1$")[j] if name == "input" else str(j)
            ax.text(0.03, 0.04, label, transform=ax.transAxes, fontsize=6, color="0.15")
            if j == 0:
                head = "input" if name == "input" else column_title(name, mods.get(name), c == len(columns) - 1)
                ax.set_title(head, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10, y=1 - 0.1 / H, va="top")


def neuron_maps(
    model: Module,
    X: Any = None,
    y: Any = None,
    resolution: int = 100,
    margin: float = 0.5,
    show_input: bool = True,
    max_rows: int = 12,
    scale: str = "neuron",
    cell: float = 1.1,
    epoch: int | None = None,
    snapshots: Any = None,
    title: str | None = None,
    path: Any = None,
    dpi: Any = None,
) -> Any:
    """One heatmap per neuron of every layer over the 2-D input plane, columns = layers.

    Each small picture shows what one neuron computes as a function of the
    input point (red positive, blue negative, white 0, so a ReLU unit is
    white where it is off).  The first layer's neurons draw straight
    boundaries; later layers combine them into curved regions, and the output
    neuron draws the decision.  Any number of layers and neurons: a layer with
    more than ``max_rows`` neurons wraps into several sub-columns.

    Parameters
    ----------
    model : nn.Module
        A network with 2 inputs (usually an :class:`nn.MLP`, either engine).
    X, y : array_like, optional
        Data drawn faintly on every map (and used to size the plane).
    resolution : int, default 100
        Grid points per side.
    margin : float, default 0.5
        Space around the data.
    show_input : bool, default True
        Start with a column for the two input features.
    max_rows : int, default 12
        Maps per column before a layer wraps.
    scale : {"neuron", "layer"}, default "neuron"
        Colour range per map, or shared by each layer's maps.
    cell : float, default 1.1
        Size of one map in inches.
    epoch : int, optional
        Draw the model as it was at this epoch (needs ``snapshots``).
    snapshots : History, inspect.Snapshots or list of (epoch, state_dict), optional
        Where the weights of each epoch are kept.
    title : str, optional
        A title over the whole figure.
    path : str or path-like, optional
        Also save the figure there.
    dpi : float, optional
        Resolution when saving.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per neuron (plus two for the inputs).

    Examples
    --------
    >>> import nn
    >>> fig = neuron_maps(nn.MLP(2, [3, 2, 1], seed=0), resolution=10)
    >>> len(fig.axes)   # 2 inputs + 3 + 2 + 1 neurons
    8
    """
    where = "neuron_maps"
    model = check_module(model, where)
    check_plane(model, where)
    if scale not in ("neuron", "layer"):
        raise ValueError(f"{where}: scale must be 'neuron' or 'layer', got {scale!r}")
    max_rows = check_int(max_rows, "max_rows", where)
    X, y = check_data(X, y, where, need_y=False)
    if title is None and epoch is not None:
        title = f"epoch {epoch}"
    fig = new_figure(*neuron_maps_size(model, show_input, max_rows, cell, bool(title)))
    with maybe_at_epoch(model, snapshots, epoch):
        draw_neuron_maps(fig, model, X, y, resolution, margin, show_input, max_rows, scale, title)
    return finish_figure(fig, path, dpi)
