"""The pieces every picture shares: the data and its classes, their colours, the model's scores."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor, no_grad, palette

from ..checks import check_inputs, check_labels
from ..inspect.stages import tensor_twin
from ..module import Module

__all__ = [
    "CLASS_COLORS",
    "signed_cmap",
    "gradient_cmap",
    "check_data",
    "class_indices",
    "class_color",
    "scatter_classes",
    "model_scores",
    "predicted_classes",
    "layer_modules",
    "column_title",
]

#: class colours: the palette's (class 0 orange, class 1 blue, then further distinct colours)
CLASS_COLORS = palette.CLASS_COLOURS


def signed_cmap() -> Any:
    """The matplotlib colormap of every signed quantity (weights, activations, weighted sums).

    Orange below zero, light grey at zero, blue above (:mod:`autograd.palette`),
    so a colour means the same in a neuron map as in a graph.  Use it with a
    range symmetric about zero (``vmin=-m, vmax=m``).

    Examples
    --------
    >>> from matplotlib.colors import to_hex
    >>> cmap = signed_cmap()
    >>> to_hex(cmap(0.0)) == palette.NEGATIVE, to_hex(cmap(0.5)) == palette.ZERO, to_hex(cmap(1.0)) == palette.POSITIVE
    (True, True, True)
    """
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "layergrad_signed",
        [palette.NEGATIVE, palette.ZERO, palette.POSITIVE],
        N=255,  # odd: 0 is one entry
    )


def gradient_cmap() -> Any:
    """The matplotlib colormap of gradient magnitude: the palette's purple ramp, light (small) to dark (large).

    Examples
    --------
    >>> from matplotlib.colors import to_hex
    >>> to_hex(gradient_cmap()(1.0)) == palette.GRADIENT_RAMP[-1]
    True
    """
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("layergrad_gradient", list(palette.GRADIENT_RAMP), N=256)


def check_data(X: Any, y: Any, where: str, need_y: bool = True) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The data to draw: ``X`` as a float array (N, features) and ``y`` as labels, or None.

    ``y`` needs ``X``; ``need_y`` makes both required.

    Examples
    --------
    >>> check_data(None, None, "neuron_maps", need_y=False)
    (None, None)
    >>> check_data([[0.0, 1.0]], None, "layer_representations")
    Traceback (most recent call last):
    ...
    ValueError: layer_representations: needs the labels y as well as X
    """
    if X is None:
        if y is not None:
            raise ValueError(f"{where}: y given without X")
        if need_y:
            raise ValueError(f"{where}: needs the data X and labels y")
        return None, None
    Xa = check_inputs(X, where)
    if y is None:
        if need_y:
            raise ValueError(f"{where}: needs the labels y as well as X")
        return Xa, None
    return Xa, check_labels(y, Xa.shape[0], where)


def class_indices(y: np.ndarray, nout: int | None) -> tuple[np.ndarray, list[str]]:
    """Class index per sample (for colours) and the legend names.

    A model with one output (``nout == 1``), or labels in {-1, 0, 1}, has two
    classes: positive labels are class 1.  Other labels that are whole numbers
    >= 0 are class indices; anything else is numbered in sorted order.

    Examples
    --------
    >>> class_indices(np.array([-1, 1, 1]), 1)
    (array([0, 1, 1]), ['-1', '1'])
    >>> class_indices(np.array([2.5, 0.5]), None)[1]
    ['0.5', '2.5']
    """
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


def class_color(i: int) -> str:
    """The colour of class ``i``: 0 orange, 1 blue, as in :mod:`autograd.palette` (repeats after eight).

    Examples
    --------
    >>> class_color(0) == class_color(8) == palette.NEGATIVE, class_color(1) == palette.POSITIVE
    (True, True)
    """
    return CLASS_COLORS[int(i) % len(CLASS_COLORS)]


def scatter_classes(
    ax: Any, P: np.ndarray, cls: np.ndarray | None, names: list[str] | None = None, size: float = 14
) -> None:
    """Scatter the points ``P`` (N, 2) on ``ax``, one colour per class (the palette's; near-black when ``cls`` is None).

    Examples
    --------
    >>> from nn.plot.figures import new_figure
    >>> ax = new_figure(2, 2).add_subplot()
    >>> scatter_classes(ax, np.zeros((3, 2)), np.array([0, 1, 1]), ["0", "1"])
    >>> [c.get_label() for c in ax.collections]
    ['class 0', 'class 1']
    """
    if cls is None:
        ax.scatter(P[:, 0], P[:, 1], s=size, color=palette.LINE, alpha=0.5, linewidths=0)
        return
    for c in np.unique(cls):
        m = cls == c
        label = None if names is None or c >= len(names) else f"class {names[c]}"
        ax.scatter(P[m, 0], P[m, 1], s=size, color=class_color(c), edgecolors="white", linewidths=0.4, label=label)


def model_scores(model: Module, points: np.ndarray) -> np.ndarray:
    """Model outputs (n, nout) at ``points``, without recording (a scalar MLP runs on its tensor twin).

    Examples
    --------
    >>> import nn
    >>> model_scores(nn.MLP(2, [3, 2], seed=0), np.zeros((4, 2))).shape
    (4, 2)
    """
    fast = tensor_twin(model)
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


def predicted_classes(scores: np.ndarray, threshold: float) -> np.ndarray:
    """Class per row of ``scores``: above ``threshold`` for one column, else the argmax.

    Examples
    --------
    >>> predicted_classes(np.array([[0.2], [-1.0]]), 0.0).tolist()
    [1, 0]
    """
    if scores.shape[1] == 1:
        return (scores[:, 0] > threshold).astype(np.int64)
    return scores.argmax(axis=1)


def layer_modules(model: Module) -> dict[str, Module]:
    """The model's layers by name (a model without ``.layers`` is its own only layer).

    Examples
    --------
    >>> import nn
    >>> list(layer_modules(nn.MLP(2, [3, 1])))
    ['layer 1', 'layer 2']
    """
    mods = getattr(model, "layers", None) or [model]
    return {m.name: m for m in mods}


def column_title(name: str, mod: Module | None, last: bool) -> str:
    """The title over a layer's column: its name, then its activation (and "(output)" when ``last``).

    Examples
    --------
    >>> import nn
    >>> net = nn.MLP(2, [3, 1], activation="tanh")
    >>> column_title("layer 1", net.layers[0], False), column_title("layer 2", net.layers[1], True)
    ('layer 1\\nTanh', 'layer 2\\nIdentity (output)')
    """
    act = ""
    if mod is not None:
        a = getattr(mod, "activation", None)
        act = "" if a is None else a.describe()
        if not act and hasattr(mod, "key"):  # an activation module on its own
            act = mod.describe()
    if last:
        act = f"{act or 'Identity'} (output)"
    return f"{name}\n{act}" if act else name
