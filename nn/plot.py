"""Pictures of what a network computes, layer by layer (matplotlib, an optional extra).

Install the extra with ``pip install 'layergrad[plot]'``; matplotlib is
imported only when a function here is called.  The numbers behind every
picture come from :mod:`nn.inspect`, which needs no matplotlib.

Every function returns a matplotlib ``Figure`` and, given ``path=``, also
saves it there (atomically: a temporary file, then a rename).  The figure is
not left open in pyplot: in Jupyter it is shown once, as the cell's value; in
a script save it with ``path=`` (or ``fig.savefig``).

- :func:`decision_boundary`: the class the model predicts at each point of
  the 2-D input plane, with the data on top.
- :func:`neuron_maps`: one small heatmap per neuron of every layer over the
  input plane, arranged like the network (columns = layers).
- :func:`layer_representations`: the data as each layer represents it, and
  how each layer bends a regular grid of the input plane.
- :func:`linear_probes`: how linearly separable the classes are after each layer.
- :func:`training_curves`: loss and accuracy per epoch.
- :func:`animate`: a time-lapse (GIF or a strip of frames) from training snapshots.

Examples
--------
>>> import nn
>>> from nn import plot
>>> X, y = nn.data.circles(60, seed=0)
>>> fig = plot.decision_boundary(nn.MLP(2, [4, 1], seed=0), X, y, resolution=20)
>>> len(fig.axes)
1
"""

from __future__ import annotations

import os
import tempfile
import warnings
from typing import Any

import numpy as np

from autograd import Tensor, no_grad

from . import inspect as _inspect
from .module import Module

__all__ = [
    "decision_boundary",
    "neuron_maps",
    "layer_representations",
    "linear_probes",
    "training_curves",
    "animate",
    "save_figure",
]

_INSTALL = "pip install 'layergrad[plot]'"
#: class colours (a colour-blind friendly categorical palette)
_CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
_NEURON_CMAP = "RdBu_r"


# ---------------------------------------------------------------------------
# matplotlib, figures, saving
# ---------------------------------------------------------------------------


def _mpl() -> Any:
    """pyplot, imported on first use, or an ImportError naming the extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(f"nn.plot needs matplotlib, an optional extra of layergrad: {_INSTALL}") from e
    return plt


def _figure(width: float, height: float) -> Any:
    """A new Figure, not kept open by pyplot (no leaks, shown once in Jupyter)."""
    plt = _mpl()
    fig = plt.figure(figsize=(max(float(width), 1.0), max(float(height), 1.0)))
    plt.close(fig)
    return fig


def save_figure(fig: Any, path: str | os.PathLike, dpi: Any = None) -> str:
    """Save ``fig`` to ``path`` atomically (temporary file, then rename); return the path.

    The format follows the file's extension (``.png`` without one).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        What to save.
    path : str or path-like
        Where; missing folders are created.
    dpi : float, optional
        Resolution (the figure's own by default).

    Returns
    -------
    str
        ``path``.

    Examples
    --------
    >>> import os, tempfile
    >>> from nn import plot
    >>> fig = plot.training_curves({"loss": [1.0, 0.5]})
    >>> out = plot.save_figure(fig, os.path.join(tempfile.mkdtemp(), "curves.png"))
    >>> os.path.getsize(out) > 0
    True
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    suffix = os.path.splitext(path)[1]
    fmt = suffix[1:].lower() if suffix else "png"
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix or ".png", dir=folder)
    os.close(fd)
    try:
        fig.savefig(tmp, format=fmt, dpi=dpi if dpi is not None else "figure")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _finish(fig: Any, path: Any, dpi: Any) -> Any:
    if path is not None:
        save_figure(fig, path, dpi)
    return fig


# ---------------------------------------------------------------------------
# shared pieces
# ---------------------------------------------------------------------------


def _model(model: Any, where: str) -> Module:
    if not isinstance(model, Module):
        raise TypeError(f"{where}: model must be an nn Module (e.g. nn.MLP), got {type(model).__name__}")
    return model


def _data(X: Any, y: Any, where: str, need_y: bool = True) -> tuple[np.ndarray | None, np.ndarray | None]:
    if X is None:
        if y is not None:
            raise ValueError(f"{where}: y given without X")
        if need_y:
            raise ValueError(f"{where}: needs the data X and labels y")
        return None, None
    Xa = _inspect._batch(X, where)
    if y is None:
        if need_y:
            raise ValueError(f"{where}: needs the labels y as well as X")
        return Xa, None
    return Xa, _inspect._labels(y, Xa.shape[0], where)


def _classes(y: np.ndarray, nout: int | None) -> tuple[np.ndarray, list[str]]:
    """Class index per sample (for colours) and the legend names."""
    if nout == 1 or (nout is None and set(np.unique(y).tolist()) <= {-1, 0, 1}):
        values = np.unique(y)
        cls = (y > 0).astype(np.int64)
        neg = [v for v in values.tolist() if v <= 0]
        names = [f"{neg[0]:g}" if neg else "0", "1"]
        return cls, names
    values = np.unique(y)
    if np.all(values == np.round(values)) and values.min() >= 0:
        cls = y.astype(np.int64)
        return cls, [str(i) for i in range(int(cls.max()) + 1)]
    cls = np.searchsorted(values, y)
    return cls, [str(v) for v in values.tolist()]


def _color(i: int) -> str:
    return _CLASS_COLORS[int(i) % len(_CLASS_COLORS)]


def _scatter(ax: Any, P: np.ndarray, cls: np.ndarray | None, names: list[str] | None = None, size: float = 14) -> None:
    if cls is None:
        ax.scatter(P[:, 0], P[:, 1], s=size, c="k", alpha=0.5, linewidths=0)
        return
    for c in np.unique(cls):
        m = cls == c
        label = None if names is None or c >= len(names) else f"class {names[c]}"
        ax.scatter(P[m, 0], P[m, 1], s=size, color=_color(c), edgecolors="white", linewidths=0.4, label=label)


def _forward(model: Module, points: np.ndarray) -> np.ndarray:
    """Model outputs (n, nout) at ``points``, without recording (a scalar MLP runs on its tensor twin)."""
    fast = _inspect._fast(model)
    with no_grad():
        if fast.engine == "scalar":
            rows = []
            for p in points:
                out = fast(p.tolist())
                out = out if isinstance(out, (list, tuple)) else [out]
                rows.append([float(v.data) for v in out])
            return np.array(rows, dtype=np.float64)
        out = fast(Tensor(points))
    s = np.asarray(out.data, dtype=np.float64)
    return s.reshape(len(points), -1)


def _predicted(scores: np.ndarray, threshold: float) -> np.ndarray:
    if scores.shape[1] == 1:
        return (scores[:, 0] > threshold).astype(np.int64)
    return scores.argmax(axis=1)


def _layer_modules(model: Module) -> dict[str, Module]:
    mods = getattr(model, "layers", None) or [model]
    return {m.name: m for m in mods}


def _column_title(name: str, mod: Module | None, last: bool) -> str:
    act = ""
    if mod is not None:
        a = getattr(mod, "activation", None)
        act = "" if a is None else a.describe()
        if not act and hasattr(mod, "key"):  # an activation module on its own
            act = mod.describe()
    if last:
        act = f"{act or 'Identity'} (output)"
    return f"{name}\n{act}" if act else name


def _extent_of(X: np.ndarray | None, margin: float, resolution: int) -> Any:
    return _inspect.grid(X, resolution=resolution, margin=margin)


# ---------------------------------------------------------------------------
# decision boundary
# ---------------------------------------------------------------------------


def _draw_decision_boundary(
    ax: Any,
    model: Module,
    X: Any,
    y: Any,
    resolution: int,
    margin: float,
    threshold: float,
    title: Any,
    prefix: str = "",
) -> None:
    g = _extent_of(X, margin, resolution)
    scores = _forward(model, g.points)
    pred = _predicted(scores, threshold)
    k = max(2, scores.shape[1])
    from matplotlib.colors import ListedColormap

    cmap = ListedColormap([_color(i) for i in range(k)])
    ax.contourf(g.xs, g.ys, g.image(pred), levels=np.arange(k + 1) - 0.5, cmap=cmap, alpha=0.25)
    if scores.shape[1] == 1:
        img = g.image(scores[:, 0])
        if img.min() < threshold < img.max():
            ax.contour(g.xs, g.ys, img, levels=[threshold], colors="k", linewidths=1.0)
    else:
        for c in np.unique(pred):  # each class's border (a shared border is drawn twice, in one place)
            region = g.image((pred == c).astype(float))
            if 0 < region.mean() < 1:
                ax.contour(g.xs, g.ys, region, levels=[0.5], colors="k", linewidths=0.8)
    text = "decision boundary"
    if X is not None:
        cls, names = (None, None) if y is None else _classes(y, scores.shape[1])
        _scatter(ax, X, cls, names)
        if y is not None:
            acc = float(np.mean(_predicted(_forward(model, X), threshold) == cls))
            text = f"decision boundary (accuracy {100 * acc:.1f} %)"
            if names is not None:
                ax.legend(loc="upper right", fontsize=7, framealpha=0.7)
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
    path: Any = None,
    dpi: Any = None,
) -> Any:
    """The class the model predicts at each point of the 2-D input plane, with the data on top.

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
    >>> import nn
    >>> X, y = nn.data.xor(80, seed=0)
    >>> fig = decision_boundary(nn.MLP(2, [8, 1], seed=0), X, y, resolution=30)
    >>> fig.axes[0].get_xlabel()
    '$x_0$'
    """
    where = "decision_boundary"
    model = _model(model, where)
    _inspect._plane(model, where)
    X, y = _data(X, y, where, need_y=False)
    with _inspect._maybe_epoch(model, snapshots, epoch):
        if ax is None:
            fig = _figure(5.2, 4.8)
            ax = fig.add_subplot(1, 1, 1)
        else:
            fig = ax.figure
        prefix = "" if epoch is None else f"epoch {epoch}: "
        _draw_decision_boundary(ax, model, X, y, resolution, margin, threshold, title, prefix)
    return _finish(fig, path, dpi)


# ---------------------------------------------------------------------------
# neuron maps
# ---------------------------------------------------------------------------


def _neuron_layout(widths: list[int], max_rows: int) -> tuple[int, list[int]]:
    """Rows of the grid and sub-columns per layer: the widest layer's columns are balanced
    (16 neurons with ``max_rows=12`` give 2 columns of 8, not 12 + 4)."""
    widest = max(widths)
    rows = -(-widest // -(-widest // max_rows))
    subcols = [-(-w // rows) for w in widths]
    return rows, subcols


def _neuron_maps_size(
    model: Module, show_input: bool, max_rows: int, cell: float, with_title: bool = True
) -> tuple[float, float]:
    """Figure size (inches) for :func:`neuron_maps`: ``cell`` per map, thin gaps between layers."""
    widths = [2] if show_input else []
    widths += [int(getattr(m, "nout", 0) or 0) for m in _layer_modules(model).values()]
    rows, subcols = _neuron_layout([w for w in widths if w] or [1], max_rows)
    return cell * (sum(subcols) + 0.25 * (len(subcols) - 1)) + 0.4, cell * rows + 0.6 + 0.3 * with_title


def _draw_neuron_maps(
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
    g = _extent_of(X, margin, resolution)
    columns = list(_inspect.neuron_outputs(model, g.points).items())
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
    mods = _layer_modules(model)
    cls, _ = (None, None) if y is None or X is None else _classes(y, getattr(model, "nout", None))
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
                        ax.scatter(X[m, 0], X[m, 1], s=2, color=_color(k), alpha=0.6, linewidths=0)
                ax.set_xlim(g.extent[0], g.extent[1])
                ax.set_ylim(g.extent[2], g.extent[3])
            ax.set_xticks([])
            ax.set_yticks([])
            label = ("$x_0$", "$x_1$")[j] if name == "input" else str(j)
            ax.text(0.03, 0.04, label, transform=ax.transAxes, fontsize=6, color="0.15")
            if j == 0:
                head = "input" if name == "input" else _column_title(name, mods.get(name), c == len(columns) - 1)
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
    model = _model(model, where)
    _inspect._plane(model, where)
    if scale not in ("neuron", "layer"):
        raise ValueError(f"{where}: scale must be 'neuron' or 'layer', got {scale!r}")
    if isinstance(max_rows, bool) or not isinstance(max_rows, (int, np.integer)) or max_rows < 1:
        raise ValueError(f"{where}: max_rows must be a positive int, got {max_rows!r}")
    X, y = _data(X, y, where, need_y=False)
    if title is None and epoch is not None:
        title = f"epoch {epoch}"
    fig = _figure(*_neuron_maps_size(model, show_input, int(max_rows), cell, bool(title)))
    with _inspect._maybe_epoch(model, snapshots, epoch):
        _draw_neuron_maps(fig, model, X, y, resolution, margin, show_input, int(max_rows), scale, title)
    return _finish(fig, path, dpi)


# ---------------------------------------------------------------------------
# layer representations
# ---------------------------------------------------------------------------


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
    model = _model(model, where)
    X, y = _data(X, y, where)
    if warp:
        _inspect._plane(model, where)
    with _inspect._maybe_epoch(model, snapshots, epoch):
        reps = _inspect.layer_outputs(model, X)
        mesh = None
        if warp:
            lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
            mesh = _inspect.grid_lines((lo[0], hi[0], lo[1], hi[1]), lines=lines)
            flat = _inspect.layer_outputs(model, mesh.reshape(-1, 2))
    cls, names = _classes(y, getattr(model, "nout", None))
    n_cols, n_rows = len(reps), 2 if warp else 1
    fig = _figure(cell * n_cols, cell * n_rows + (0.5 if title or epoch is not None else 0.2))
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    mods = _layer_modules(model)
    rng = np.random.default_rng(0)
    jitter = 0.35 * (cls - cls.mean()) / max(1.0, float(np.ptp(cls)) or 1.0) + 0.05 * rng.standard_normal(len(cls))
    for c, (name, F) in enumerate(reps.items()):
        mean, basis, labels = _projection(F)
        if name == "input" and F.shape[1] == 2:
            labels = ("$x_0$", "$x_1$")
        P = _project(F, mean, basis, jitter)
        ax = axes[0, c]
        _scatter(ax, P, cls, names, size=10)
        head = "input" if name == "input" else _column_title(name, mods.get(name), c == n_cols - 1)
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
    return _finish(fig, path, dpi)


# ---------------------------------------------------------------------------
# linear probes, training curves
# ---------------------------------------------------------------------------


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
        probes = _inspect.linear_probes(model, X, y, test=test, epochs=epochs, seed=seed)
        labels = np.asarray(test[1] if test is not None else y).ravel()
        _, counts = np.unique(labels, return_counts=True)
        chance = counts.max() / counts.sum()
    if not probes:
        raise ValueError(f"{where}: no probe accuracies to draw")
    names = list(probes)
    vals = [100.0 * float(probes[k]) for k in names]
    if ax is None:
        fig = _figure(max(3.5, 0.9 * len(names) + 1.5), 3.4)
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
    return _finish(fig, path, dpi)


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
    fig = _figure(9.0 if has_acc else 4.8, 3.4)
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
    return _finish(fig, path, dpi)


# ---------------------------------------------------------------------------
# time-lapse
# ---------------------------------------------------------------------------

_KINDS = ("decision_boundary", "neuron_maps")


def _pick(pairs: list[tuple[int, Any]], max_frames: int | None) -> list[tuple[int, Any]]:
    if max_frames is None or len(pairs) <= max_frames:
        return pairs
    idx = np.unique(np.round(np.linspace(0, len(pairs) - 1, max_frames)).astype(int))
    return [pairs[i] for i in idx]


def _rgba(fig: Any) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def animate(
    source: Any,
    model: Module,
    X: Any = None,
    y: Any = None,
    path: Any = "training.gif",
    kind: str = "decision_boundary",
    fps: int = 4,
    resolution: int = 60,
    max_frames: int | None = None,
    per_row: int = 6,
    dpi: float = 80,
    **options: Any,
) -> Any:
    """A time-lapse of training: one frame per snapshot, as an animated GIF or a strip of frames.

    Parameters
    ----------
    source : History, inspect.Snapshots or list of (epoch, state_dict)
        The snapshots, e.g. the History of ``nn.fit(..., snapshot_every=k)``.
    model : nn.Module
        The model they were taken from (its own weights are put back after).
    X, y : array_like, optional
        Data drawn on every frame.
    path : str or path-like, default "training.gif"
        ``.gif``: an animated GIF (Pillow, through matplotlib's PillowWriter).
        ``.png`` (or any other image extension): all frames in one picture, in
        rows of ``per_row``.  Without Pillow a ``.gif`` request falls back to
        a ``.png`` strip next to it, with a warning.
    kind : {"decision_boundary", "neuron_maps"}
        What each frame shows.
    fps : int, default 4
        Frames per second of the GIF.
    resolution : int, default 60
        Grid points per side of the input plane.
    max_frames : int, optional
        Use at most this many snapshots, evenly spread (first and last kept).
    per_row : int, default 6
        Frames per row of a strip.
    dpi : float, default 80
        Resolution of each frame.
    **options
        Passed on to :func:`decision_boundary` or :func:`neuron_maps`
        (e.g. ``margin``, ``threshold``, ``show_input``).

    Returns
    -------
    matplotlib.figure.Figure
        The GIF's last frame, or the strip.

    Examples
    --------
    >>> import os, tempfile
    >>> import nn
    >>> from nn.inspect import Snapshots
    >>> net, snaps = nn.MLP(2, [3, 1], seed=0), Snapshots()
    >>> _ = snaps(net, 0)
    >>> out = os.path.join(tempfile.mkdtemp(), "strip.png")
    >>> fig = animate(snaps, net, path=out, resolution=10)
    >>> os.path.getsize(out) > 0
    True
    """
    where = "animate"
    model = _model(model, where)
    if kind not in _KINDS:
        raise ValueError(f"{where}: kind must be one of {_KINDS}, got {kind!r}")
    _inspect._plane(model, where)
    pairs = _pick(_inspect.snapshot_list(source), max_frames)
    X, y = _data(X, y, where, need_y=False)
    path = os.fspath(path)
    strip = not path.lower().endswith(".gif")
    from matplotlib import animation

    if not strip and not animation.PillowWriter.isAvailable():
        path = os.path.splitext(path)[0] + ".png"
        warnings.warn(
            f"{where}: Pillow is not installed, so no GIF; writing the frames as one PNG strip to {path}", stacklevel=2
        )
        strip = True

    def draw(fig: Any, epoch: int) -> None:
        if kind == "decision_boundary":
            ax = fig.add_subplot(1, 1, 1)
            _draw_decision_boundary(
                ax,
                model,
                X,
                y,
                resolution,
                options.get("margin", 0.5),
                options.get("threshold", 0.0),
                None,
                f"epoch {epoch}: ",
            )
        else:
            _draw_neuron_maps(
                fig,
                model,
                X,
                y,
                resolution,
                options.get("margin", 0.5),
                options.get("show_input", True),
                options.get("max_rows", 12),
                options.get("scale", "neuron"),
                f"epoch {epoch}",
            )

    unknown = set(options) - {"margin", "threshold", "show_input", "max_rows", "scale", "cell"}
    if unknown:
        raise TypeError(f"{where}: unknown options {sorted(unknown)}")
    if kind == "decision_boundary":
        size = (5.2, 4.8)
    else:
        size = _neuron_maps_size(
            model, options.get("show_input", True), options.get("max_rows", 12), options.get("cell", 1.1)
        )
    fig = _figure(*size)
    fig.set_dpi(dpi)
    original = model.state_dict()
    frames: list[np.ndarray] = []
    try:
        if strip:
            for epoch, state in pairs:
                model.load_state_dict(state)
                fig.clf()
                draw(fig, epoch)
                frames.append(_rgba(fig))
        else:
            folder = os.path.dirname(os.path.abspath(path))
            os.makedirs(folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".gif", dir=folder)
            os.close(fd)
            try:
                writer = animation.PillowWriter(fps=fps)
                with writer.saving(fig, tmp, dpi):
                    for epoch, state in pairs:
                        model.load_state_dict(state)
                        fig.clf()
                        draw(fig, epoch)
                        writer.grab_frame()
                os.chmod(tmp, 0o644)
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
            return fig
    finally:
        model.load_state_dict(original)
    per_row = max(1, min(int(per_row), len(frames)))
    gap = 6  # pixels of grey between frames
    h, w = frames[0].shape[0] + gap, frames[0].shape[1] + gap
    n_rows = -(-len(frames) // per_row)
    sheet = np.full((n_rows * h - gap, per_row * w - gap, 4), 200, dtype=np.uint8)
    sheet[..., 3] = 255
    for i, f in enumerate(frames):
        r, c = divmod(i, per_row)
        sheet[r * h : r * h + f.shape[0], c * w : c * w + f.shape[1]] = f
    out = _figure(sheet.shape[1] / dpi, sheet.shape[0] / dpi)
    out.set_dpi(dpi)
    ax = out.add_axes((0, 0, 1, 1))
    ax.imshow(sheet, interpolation="nearest")
    ax.set_axis_off()
    return _finish(out, path, dpi)
