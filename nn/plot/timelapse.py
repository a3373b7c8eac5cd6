"""A time-lapse of training: one picture per snapshot, as an animated GIF or a strip of frames."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np

from ..checks import check_module, check_plane
from ..inspect.snapshots import snapshot_list
from ..module import Module
from .boundary import draw_decision_boundary
from .figures import finish_figure, new_figure, written_beside
from .maps import draw_neuron_maps, neuron_maps_size
from .parts import check_data

__all__ = ["animate"]

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
    model = check_module(model, where)
    if kind not in _KINDS:
        raise ValueError(f"{where}: kind must be one of {_KINDS}, got {kind!r}")
    check_plane(model, where)
    pairs = _pick(snapshot_list(source), max_frames)
    X, y = check_data(X, y, where, need_y=False)
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
            draw_decision_boundary(
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
            draw_neuron_maps(
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
        size = neuron_maps_size(
            model, options.get("show_input", True), options.get("max_rows", 12), options.get("cell", 1.1)
        )
    fig = new_figure(*size)
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
            with written_beside(path, ".gif") as tmp:
                writer = animation.PillowWriter(fps=fps)
                with writer.saving(fig, tmp, dpi):
                    for epoch, state in pairs:
                        model.load_state_dict(state)
                        fig.clf()
                        draw(fig, epoch)
                        writer.grab_frame()
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
    out = new_figure(sheet.shape[1] / dpi, sheet.shape[0] / dpi)
    out.set_dpi(dpi)
    ax = out.add_axes((0, 0, 1, 1))
    ax.imshow(sheet, interpolation="nearest")
    ax.set_axis_off()
    return finish_figure(out, path, dpi)
