"""matplotlib, imported on first use; new figures, and saving them atomically."""

from __future__ import annotations

import os
import tempfile
from typing import Any

__all__ = ["pyplot", "new_figure", "save_figure", "finish_figure"]

_INSTALL = "pip install 'layergrad[plot]'"


def pyplot() -> Any:
    """pyplot, imported on first use, or an ImportError naming the extra.

    Examples
    --------
    >>> pyplot().__name__
    'matplotlib.pyplot'
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(f"nn.plot needs matplotlib, an optional extra of layergrad: {_INSTALL}") from e
    return plt


def new_figure(width: float, height: float) -> Any:
    """A new Figure of ``width`` x ``height`` inches (at least 1), not kept open by pyplot.

    So no figure leaks, and in Jupyter it is shown once, as a cell's value.

    Examples
    --------
    >>> new_figure(0.5, 3.0).get_size_inches().tolist()
    [1.0, 3.0]
    """
    plt = pyplot()
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


def finish_figure(fig: Any, path: Any, dpi: Any) -> Any:
    """``fig``, saved to ``path`` first when one is given (the last step of every picture).

    Examples
    --------
    >>> fig = new_figure(2, 2)
    >>> finish_figure(fig, None, None) is fig
    True
    """
    if path is not None:
        save_figure(fig, path, dpi)
    return fig
