"""Layer representations: the data as each layer represents it, and how each layer bends the plane."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import palette

from ..checks import check_module, check_pair, check_plane
from ..inspect.plane import grid_lines
from ..inspect.probes import Probe, fit_probes
from ..inspect.snapshots import maybe_at_epoch
from ..inspect.stages import layer_outputs
from ..module import Module
from .figures import finish_figure, new_figure
from .parts import check_data, class_indices, column_title, layer_modules, scatter_classes

__all__ = [
    "layer_representations",
    "warped_grids",
    "panel_basis",
    "spread",
    "draw_probe_cut",
    "draw_grid",
    "GRID_COLOURS",
]


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


def panel_basis(F: np.ndarray, probe: Probe | None = None) -> tuple[np.ndarray, np.ndarray, tuple[str, str]]:
    """The 2-D view of a representation ``F``: ``(mean, basis, axis labels)``; a point shows at ``(F - mean) @ basis``.

    One or two units are shown as they are.  A wider layer is shown in the
    directions its linear probe looks at, so the probe's cut drawn on the
    panel is exactly the probe's decision: for two classes, the probe's
    weight direction (x) and the largest spread of the data across it (y);
    for three classes, the plane of the probe's score differences.  Without
    a probe, or with more classes, the first two principal components
    (where a drawn cut is the probe's cut through that plane).

    Examples
    --------
    >>> import nn
    >>> from nn.inspect import fit_probes, layer_outputs
    >>> X, y = nn.data.circles(80, seed=0)
    >>> net = nn.MLP(2, [6, 1], seed=0)
    >>> F = layer_outputs(net, X)["layer 1"]
    >>> probe = fit_probes(net, X, y, epochs=50)["layer 1"]
    >>> mean, basis, labels = panel_basis(F, probe)
    >>> labels[0]
    "probe's direction"
    >>> shown = mean + ((F - mean) @ basis) @ basis.T   # the panel's points, back in the layer's space
    >>> bool((probe.predict(shown) == probe.predict(F)).all())
    True
    """
    width = F.shape[1]
    if width <= 2 or probe is None:
        return _projection(F)
    W = np.asarray(probe.model.get_weights()[0][0], dtype=np.float64) / probe.scale[:, None]
    mean = F.mean(axis=0)
    C = F - mean
    if W.shape[1] == 1 and np.linalg.norm(W) > 0:
        u = W[:, 0] / np.linalg.norm(W[:, 0])
        R = C - np.outer(C @ u, u)
        _, _, vt = np.linalg.svd(R, full_matrices=False)
        v = vt[0] - (vt[0] @ u) * u
        v = v / (np.linalg.norm(v) or 1.0)
        return mean, np.column_stack([u, v]), ("probe's direction", "largest spread across it")
    if W.shape[1] == 3:
        D = W[:, 1:] - W[:, :1]
        Q, r = np.linalg.qr(D)
        if np.all(np.abs(np.diag(r)) > 1e-12 * max(1.0, float(np.abs(D).max()))):
            return mean, Q, ("probe's plane, axis 1", "probe's plane, axis 2")
    return _projection(F)


def _project(F: np.ndarray, mean: np.ndarray, basis: np.ndarray, offset: np.ndarray | float) -> np.ndarray:
    P = (F - mean) @ basis
    if P.shape[1] == 1:
        P = np.column_stack([P[:, 0], np.broadcast_to(offset, P.shape[:1])])
    return P


def spread(n: int, seed: int = 0) -> np.ndarray:
    """Vertical positions for a one-unit layer's panel: uniform in [-1, 1], independent of the labels.

    A one-unit representation is a single number per sample; the panel draws
    it along x and spreads the points vertically at random so they do not
    overlap.  The spread must not depend on the class, or a mixed-up layer
    would look separated.

    Examples
    --------
    >>> v = spread(5)
    >>> v.shape, bool(np.all(np.abs(v) <= 1))
    ((5,), True)
    """
    return np.random.default_rng(seed).uniform(-1.0, 1.0, n)


def draw_probe_cut(ax: Any, probe: Probe, mean: np.ndarray, basis: np.ndarray, resolution: int = 120) -> None:
    """Draw where ``probe`` changes its decision, in the panel's coordinates (``palette.LINE``).

    The panel shows ``(F - mean) @ basis``; its points map back to
    ``mean + P @ basis.T``, so for a 1- or 2-unit layer the line is exactly
    the probe's, and for a wider one it is the probe's cut through the plane
    of the first two principal components.

    Examples
    --------
    >>> import nn
    >>> from nn.inspect import fit_probes
    >>> from nn.plot.figures import new_figure
    >>> X = np.array([[-1.0, 0.0], [-0.5, 1.0], [0.5, 0.0], [1.0, 1.0]])
    >>> probe = fit_probes(nn.MLP(2, [1]), X, np.array([0, 0, 1, 1]), epochs=100)["input"]
    >>> ax = new_figure(2, 2).add_subplot()
    >>> ax.set_xlim(-1.5, 1.5), ax.set_ylim(-0.5, 1.5)  # doctest: +ELLIPSIS
    (...)
    >>> draw_probe_cut(ax, probe, np.zeros(2), np.eye(2))
    >>> len(ax.collections)
    1
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    P = np.column_stack([gx.ravel(), gy.ravel()])[:, : basis.shape[1]]
    pred = probe.predict(mean + P @ basis.T).reshape(gx.shape)
    present = np.unique(pred)
    for c in present[:1] if len(present) == 2 else present:  # each class's border (two classes: one line)
        region = (pred == c).astype(float)
        if 0 < region.mean() < 1:
            ax.contour(xs, ys, region, levels=[0.5], colors=palette.LINE, linewidths=1.2)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def draw_grid(ax: Any, G: np.ndarray, shape: tuple[int, int], mean: np.ndarray, basis: np.ndarray) -> None:
    """Draw grid lines (``shape = (lines, points)``, first half horizontal) after a layer, in neutral greys.

    Horizontal lines of the input plane are dark grey, vertical ones light
    grey: grey, because orange and blue mean classes and signs.

    Examples
    --------
    >>> from nn.inspect import grid_lines
    >>> from nn.plot.figures import new_figure
    >>> mesh = grid_lines((-1, 1, -1, 1), lines=3, points=5)
    >>> ax = new_figure(2, 2).add_subplot()
    >>> draw_grid(ax, mesh.reshape(-1, 2), mesh.shape[:2], np.zeros(2), np.eye(2))
    >>> sorted({line.get_color() for line in ax.lines}) == sorted(GRID_COLOURS)
    True
    """
    n_lines, n_points = shape
    for i in range(n_lines):
        seg = G[i * n_points : (i + 1) * n_points]
        Q = _project(seg, mean, basis, (i - n_lines / 2) / n_lines)
        ax.plot(Q[:, 0], Q[:, 1], color=GRID_COLOURS[0 if i < n_lines // 2 else 1], linewidth=0.7)


#: grid lines of the warp views: horizontal input lines dark grey, vertical ones light grey
GRID_COLOURS = ("#4a4a4a", "#a8a8a8")


def layer_representations(
    model: Module,
    X: Any,
    y: Any,
    warp: bool = True,
    lines: int = 11,
    margin: float = 0.25,
    probes: bool = True,
    probe_epochs: int = 300,
    epoch: int | None = None,
    snapshots: Any = None,
    cell: float = 2.6,
    title: str | None = None,
    path: Any = None,
    dpi: Any = None,
    test: tuple[Any, Any] | None = None,
) -> Any:
    """The data as each layer represents it, each probe's straight cut, and how each layer bends the input plane.

    Top row: for the input and after each layer, every sample at its position
    in that layer's representation, coloured by class (2 neurons: directly;
    1: along x, spread vertically at random; more: in the directions its
    probe looks at, or the first two principal components, see
    :func:`panel_basis`).  With ``probes``, a linear probe (a linear
    classifier, see :func:`nn.inspect.fit_probes`) is trained on each
    representation; its decision line is drawn in near-black and its
    accuracy on these points (or on ``test``) is in the title.  Watch the classes become separable layer by layer.  The
    output layer's probe is trivially good: the output *is* the decision.

    Bottom row (``warp=True``, 2-D inputs only): a regular grid of horizontal
    (dark grey) and vertical (light grey) lines over the input plane, pushed
    through the network and shown in the same coordinates: how each layer
    stretches, folds and flattens the plane.

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
    probes : bool, default True
        Train a linear probe per representation and draw its decision line.
    probe_epochs : int, default 300
        Training steps per probe.
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
    test : (X_test, y_test), optional
        Held-out points to score the probes on (they are trained on ``X, y``),
        so that the titles give the numbers :func:`nn.inspect.linear_probes`
        gives with the same ``test`` and :func:`linear_probes` plots.

    Returns
    -------
    matplotlib.figure.Figure
        ``1 + layers`` axes per row; two rows with ``warp``.

    Examples
    --------
    >>> import nn
    >>> X, y = nn.data.circles(60, seed=0)
    >>> fig = layer_representations(nn.MLP(2, [5, 2, 1], seed=0), X, y, probe_epochs=20)
    >>> len(fig.axes)   # (input + 3 layers) x (data, warp)
    8
    >>> fig.axes[0].get_title().splitlines()[0]
    'input'
    """
    where = "layer_representations"
    model = check_module(model, where)
    X, y = check_data(X, y, where)
    if warp:
        check_plane(model, where)
    Xt = yt = None
    if test is not None:
        Xt, yt = check_data(*check_pair(test, where, "test", "X_test, y_test"), where)
    with maybe_at_epoch(model, snapshots, epoch):
        reps = layer_outputs(model, X)
        cuts = fit_probes(model, X, y, epochs=probe_epochs) if probes else {}
        test_reps = layer_outputs(model, Xt) if Xt is not None and cuts else {}
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
    jitter = spread(len(cls))
    for c, (name, F) in enumerate(reps.items()):
        mean, basis, labels = panel_basis(F, cuts.get(name))
        if name == "input" and F.shape[1] == 2:
            labels = ("$x_0$", "$x_1$")
        P = _project(F, mean, basis, jitter)
        ax = axes[0, c]
        scatter_classes(ax, P, cls, names, size=10)
        head = "input" if name == "input" else column_title(name, mods.get(name), c == n_cols - 1)
        if name in cuts:
            probe = cuts[name]
            ax.margins(0.08)
            ax.autoscale_view()
            draw_probe_cut(ax, probe, mean, basis)
            if yt is None:
                acc = float(np.mean(probe.predict(F) == np.searchsorted(probe.classes, y)))
                head += f"\nlinear probe {100 * acc:.0f} %"
            else:
                known = np.isin(yt, probe.classes)
                acc = float(np.mean(known & (probe.predict(test_reps[name]) == np.searchsorted(probe.classes, yt))))
                head += f"\nlinear probe {100 * acc:.0f} % (held out)"
        ax.set_title(head, fontsize=8)
        ax.set_xlabel(labels[0], fontsize=8)
        ax.set_ylabel(labels[1] if F.shape[1] > 1 else "random spread (no meaning)", fontsize=8)
        ax.tick_params(labelsize=7)
        if c == 0:
            ax.legend(fontsize=7, loc="best", framealpha=0.7)
        if mesh is not None:
            ax = axes[1, c]
            draw_grid(ax, flat[name], mesh.shape[:2], mean, basis)
            ax.set_xlabel(labels[0], fontsize=8)
            ax.set_ylabel(labels[1] if F.shape[1] > 1 else "(one row per grid line)", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.set_title("input grid" if c == 0 else f"the grid after {name}", fontsize=8)
    if title is None and epoch is not None:
        title = f"epoch {epoch}"
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return finish_figure(fig, path, dpi)


def warped_grids(
    models: dict[str, Module],
    X: Any,
    lines: int = 11,
    margin: float = 0.25,
    cell: float = 2.2,
    title: str | None = None,
    path: Any = None,
    dpi: Any = None,
) -> Any:
    """One row per model: a regular grid of the input plane after each of its layers.

    A network without nonlinearity keeps every grid line straight and
    parallel through every layer (each layer is a linear map, and so is the
    whole stack); a nonlinear one bends and folds the plane.  Horizontal
    input lines are dark grey, vertical ones light grey.  Layers of one unit
    (a line, not a plane) are left out.

    Parameters
    ----------
    models : dict of str to nn.Module
        Row title -> a model with 2 inputs.
    X : array_like of shape (N, 2)
        Data whose extent (plus ``margin``) the grid covers.
    lines : int, default 11
        Grid lines in each direction.
    margin : float, default 0.25
        Space around the data.
    cell : float, default 2.2
        Size of one panel in inches.
    title : str, optional
        A title over the figure.
    path : str or path-like, optional
        Also save the figure there.
    dpi : float, optional
        Resolution when saving.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per model and representation (input, then each layer).

    Examples
    --------
    >>> import nn
    >>> X, _ = nn.data.circles(40, seed=0)
    >>> nets = {"relu": nn.MLP(2, [3, 1], seed=0), "linear": nn.MLP(2, [3, 1], activation="identity", seed=0)}
    >>> len(warped_grids(nets, X).axes)   # input and layer 1 of each (the one-unit output is left out)
    4
    """
    where = "warped_grids"
    if not isinstance(models, dict) or not models:
        raise ValueError(f"{where}: models must be a non-empty dict of name -> model, got {type(models).__name__}")
    X, _ = check_data(X, None, where, need_y=False)
    checked = {}
    for name, m in models.items():
        checked[name] = check_module(m, where)
        check_plane(checked[name], where)
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    mesh = grid_lines((lo[0], hi[0], lo[1], hi[1]), lines=lines)
    flats = {}
    for row_name, m in checked.items():  # a one-unit layer (a line, not a plane) is left out
        outs = layer_outputs(m, mesh.reshape(-1, 2))
        flats[row_name] = {k: v for k, v in outs.items() if v.shape[1] >= 2}
    n_cols = max(len(f) for f in flats.values())
    fig = new_figure(cell * n_cols, cell * len(flats) + (0.5 if title else 0.2))
    axes = fig.subplots(len(flats), n_cols, squeeze=False)
    for r, (row_name, flat) in enumerate(flats.items()):
        mods = layer_modules(checked[row_name])
        for c in range(n_cols):
            ax = axes[r, c]
            if c >= len(flat):
                ax.set_visible(False)
                continue
            name, G = list(flat.items())[c]
            mean, basis, labels = _projection(G)
            draw_grid(ax, G, mesh.shape[:2], mean, basis)
            head = "input" if name == "input" else column_title(name, mods.get(name), name == list(mods)[-1])
            ax.set_title(head.replace("\n", ": "), fontsize=8)
            ax.set_xlabel("$x_0$" if name == "input" else labels[0], fontsize=7)
            ax.set_ylabel(row_name if c == 0 else (labels[1] if G.shape[1] > 1 else ""), fontsize=8 if c == 0 else 7)
            ax.tick_params(labelsize=6)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return finish_figure(fig, path, dpi)
