"""Neuron maps: every neuron's output over the 2-D input plane, arranged like the network."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import palette

from ..checks import check_int, check_module, check_plane
from ..inspect.plane import grid, neuron_outputs
from ..inspect.snapshots import maybe_at_epoch
from ..inspect.stages import activations, tensor_twin
from ..module import Module
from .figures import finish_figure, new_figure
from .parts import check_data, class_color, class_indices, column_title, layer_modules, signed_cmap

__all__ = ["neuron_maps", "draw_neuron_maps", "neuron_maps_size"]


def _neuron_layout(widths: list[int], max_rows: int) -> tuple[int, list[int]]:
    """Rows of the grid and sub-columns per layer: the widest layer's columns are balanced
    (16 neurons with ``max_rows=12`` give 2 columns of 8, not 12 + 4)."""
    widest = max(widths)
    rows = -(-widest // -(-widest // max_rows))
    subcols = [-(-w // rows) for w in widths]
    return rows, subcols


def neuron_maps_size(
    model: Module, show_input: bool, max_rows: int, cell: float, with_title: bool = True, stages: int = 0
) -> tuple[float, float]:
    """Figure size (inches) for :func:`neuron_maps`: ``cell`` per map, thin gaps between layers.

    ``stages`` is the width of an extra column of weighted sums (0 for none);
    room is left under the maps for the colour bars.

    Examples
    --------
    >>> import nn
    >>> neuron_maps_size(nn.MLP(2, [3, 1]), show_input=True, max_rows=12, cell=1.0)
    (3.9, 4.5)
    """
    widths = [2] if show_input else []
    widths += [int(getattr(m, "nout", 0) or 0) for m in layer_modules(model).values()]
    if stages:
        widths.append(stages)
    rows, subcols = _neuron_layout([w for w in widths if w] or [1], max_rows)
    return cell * (sum(subcols) + 0.25 * (len(subcols) - 1)) + 0.4, cell * rows + 1.2 + 0.3 * with_title


def _staged_layer(model: Module, stages: Any) -> str | None:
    """The layer whose weighted sum is shown beside its activation (None: no such column)."""
    if stages is None or stages is False:
        return None
    mods = layer_modules(model)
    if stages is True or stages == "first":
        for name, m in mods.items():
            act = getattr(m, "activation", None)
            if act is not None and act.describe() not in ("", "Identity"):
                return name
        return None
    if stages not in mods:
        raise ValueError(
            f"neuron_maps: stages must be 'first', None or a layer name ({', '.join(mods)}), got {stages!r}"
        )
    return str(stages)


def _columns(model: Module, points: np.ndarray, staged: str | None) -> list[tuple[str, str, np.ndarray]]:
    """``(layer name, column kind, values)`` per column: each layer's output, plus a staged layer's weighted sum."""
    cols = [(name, "output", v) for name, v in neuron_outputs(model, points).items()]
    if staged is None:
        return cols
    acts = activations(tensor_twin(model), points)
    pre = acts.get(f"{staged}/bias", acts.get(f"{staged}/weighted sum"))
    if pre is None:
        return cols
    i = [c[0] for c in cols].index(staged)
    return cols[:i] + [(staged, "sum", pre)] + cols[i:]


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
    stages: Any = None,
    threshold: float = 0.0,
) -> None:
    """Draw the neuron maps of :func:`neuron_maps` into the empty figure ``fig`` (checked arguments).

    Examples
    --------
    >>> import nn
    >>> from nn.plot.figures import new_figure
    >>> fig = new_figure(4, 3)
    >>> draw_neuron_maps(fig, nn.MLP(2, [2, 1]), None, None, 5, 0.5, False, 12, "neuron", None)
    >>> len(fig.axes)   # 3 maps and 2 colour bars
    5
    """
    g = grid(X, resolution=resolution, margin=margin)
    columns = _columns(model, g.points, _staged_layer(model, stages))
    if show_input:
        columns.insert(0, ("input", "input", g.points))
    widths = [v.shape[1] for _, _, v in columns]
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
        rows + 1,
        len(ratios),
        width_ratios=ratios,
        height_ratios=[1.0] * rows + [0.09],
        wspace=0.08,
        hspace=0.08,
        left=0.2 / W,
        right=1 - 0.2 / W,
        bottom=0.45 / H,
        top=1 - (1.0 if title else 0.7) / H,
    )
    mods = layer_modules(model)
    cmap = signed_cmap()
    last = columns[-1][0]
    nout = columns[-1][2].shape[1]
    cls, _ = (None, None) if y is None or X is None else class_indices(y, getattr(model, "nout", None))
    for (name, kind, values), start, sc in zip(columns, starts, subcols):
        layer_max = float(np.max(np.abs(values))) if values.size else 0.0
        image = None
        for j in range(values.shape[1]):
            ax = fig.add_subplot(gs[j % rows, start + j // rows])
            img = g.image(values[:, j])
            vmax = layer_max if scale == "layer" else float(np.max(np.abs(img)))
            vmax = vmax if vmax > 0 else 1.0
            image = ax.imshow(
                img,
                origin="lower",
                extent=g.extent,
                cmap=cmap,
                vmin=-vmax,
                vmax=vmax,
                interpolation="bilinear",
                aspect="auto",
            )
            if kind == "output" and name == last:
                _decision_line(ax, g, values, j, threshold)
            if X is not None and (kind == "input" or name == last):  # data only where it does not hide the map
                if cls is None:
                    ax.scatter(X[:, 0], X[:, 1], s=2, color=palette.LINE, alpha=0.3, linewidths=0)
                else:
                    for k in np.unique(cls):
                        m = cls == k
                        ax.scatter(X[m, 0], X[m, 1], s=3, color=class_color(k), edgecolors="white", linewidths=0.2)
                ax.set_xlim(g.extent[0], g.extent[1])
                ax.set_ylim(g.extent[2], g.extent[3])
            ax.set_xticks([])
            ax.set_yticks([])
            label = ("$x_0$", "$x_1$")[j] if kind == "input" else str(j)
            ax.text(
                0.04,
                0.05,
                label,
                transform=ax.transAxes,
                fontsize=6,
                color=palette.LINE,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.8, "linewidth": 0},
            )
            if j == 0:
                staged = any(c[1] == "sum" and c[0] == name for c in columns)
                ax.set_title(_head(name, kind, mods, name == last and kind == "output", nout, staged), fontsize=7)
        cax = fig.add_subplot(gs[rows, start : start + sc], label="<colorbar>")
        bar = fig.colorbar(image, cax=cax, orientation="horizontal")
        if scale == "neuron":
            bar.set_ticks([-vmax, 0, vmax], labels=["−max", "0", "+max"])
        else:
            bar.set_ticks([-vmax, 0, vmax], labels=[f"{-vmax:.2g}", "0", f"{vmax:.2g}"])
        bar.ax.tick_params(labelsize=6, length=2, pad=1)
    if title:
        fig.suptitle(title, fontsize=10, y=1 - 0.1 / H, va="top")


def _head(name: str, kind: str, mods: dict[str, Module], last: bool, nout: int, staged: bool) -> str:
    """A column's title."""
    if kind == "input":
        return "input"
    if kind == "sum":
        return f"{name}\nstage 1: w·x + b"
    text = column_title(name, mods.get(name), last)
    if staged:
        return text.replace("\n", "\nstage 2: ", 1)
    if last:
        return text + ("\nblack line: output = 0" if nout == 1 else "\nclass: largest output")
    return text


def _decision_line(ax: Any, g: Any, values: np.ndarray, j: int, threshold: float) -> None:
    """On an output map: where the model's decision changes (its threshold, or the argmax's borders)."""
    if values.shape[1] == 1:
        img = g.image(values[:, 0])
        if img.min() < threshold < img.max():
            ax.contour(g.xs, g.ys, img, levels=[threshold], colors=palette.LINE, linewidths=1.2)
        return
    region = g.image((values.argmax(axis=1) == j).astype(float))
    if 0 < region.mean() < 1:
        ax.contour(g.xs, g.ys, region, levels=[0.5], colors=palette.LINE, linewidths=1.2)


def neuron_maps(
    model: Module,
    X: Any = None,
    y: Any = None,
    resolution: int = 100,
    margin: float = 0.5,
    show_input: bool = True,
    max_rows: int = 12,
    scale: str = "layer",
    stages: Any = "first",
    threshold: float = 0.0,
    cell: float = 1.1,
    epoch: int | None = None,
    snapshots: Any = None,
    title: str | None = None,
    path: Any = None,
    dpi: Any = None,
) -> Any:
    """One heatmap per neuron of every layer over the 2-D input plane, columns = layers.

    Each small picture shows what one neuron computes as a function of the
    input point, on the signed scale of :mod:`autograd.palette` (blue
    positive, orange negative, light grey 0, so a ReLU unit is grey where it
    is off); a colour bar under each column gives the numbers.  The first
    layer's neurons draw straight boundaries; later layers combine them into
    curved regions, and the output map carries the model's decision line.
    The data ``X`` is drawn on the input and output maps only (elsewhere it
    would hide the map).

    A neuron works in two stages: a weighted sum ``w·x + b`` (over the
    plane, a flat ramp) and then its activation (which folds or squashes the
    ramp).  ``stages`` shows both for one layer: a column of weighted sums
    right before that layer's activations.  Any number of layers and
    neurons: a layer with more than ``max_rows`` neurons wraps into several
    sub-columns.

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
    scale : {"layer", "neuron"}, default "layer"
        Colour range shared by each column's maps (the colour bar shows its
        numbers), or one per map (the bar then reads -max .. +max).
    stages : "first", layer name or None, default "first"
        The layer whose weighted sums are shown beside its activations
        (``"first"``: the first layer with a nonlinearity; None: none).
    threshold : float, default 0
        Where the output map draws the decision line (one output); with
        several outputs each map shows where it is the largest.
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
        One axes per map (inputs, weighted sums, neurons), and one colour bar per column.

    Examples
    --------
    >>> import nn
    >>> fig = neuron_maps(nn.MLP(2, [3, 2, 1], seed=0), resolution=10)
    >>> len(fig.axes)   # maps: 2 inputs + 3 sums + 3 + 2 + 1 neurons; 5 colour bars
    16
    """
    where = "neuron_maps"
    model = check_module(model, where)
    check_plane(model, where)
    if scale not in ("layer", "neuron"):
        raise ValueError(f"{where}: scale must be 'neuron' or 'layer', got {scale!r}")
    max_rows = check_int(max_rows, "max_rows", where)
    X, y = check_data(X, y, where, need_y=False)
    if title is None and epoch is not None:
        title = f"epoch {epoch}"
    staged = _staged_layer(model, stages)
    extra = int(getattr(layer_modules(model)[staged], "nout", 0) or 0) if staged else 0
    fig = new_figure(*neuron_maps_size(model, show_input, max_rows, cell, bool(title), extra))
    with maybe_at_epoch(model, snapshots, epoch):
        draw_neuron_maps(fig, model, X, y, resolution, margin, show_input, max_rows, scale, title, staged, threshold)
    return finish_figure(fig, path, dpi)
