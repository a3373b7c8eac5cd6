"""matplotlib, imported on first use; new figures, and saving them atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import Any

__all__ = ["pyplot", "new_figure", "save_figure", "finish_figure", "written_beside"]

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
    suffix = os.path.splitext(path)[1]
    fmt = suffix[1:].lower() if suffix else "png"
    with written_beside(path, suffix or ".png") as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi if dpi is not None else "figure")
    return path


@contextlib.contextmanager
def written_beside(path: str | os.PathLike, suffix: str) -> Iterator[str]:
    """A temporary file beside ``path`` to write into; renamed onto ``path`` when the block ends well.

    A failed or interrupted write leaves the old file (or none) and no temporary file behind.

    Examples
    --------
    >>> import os, tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> with written_beside(out, ".txt") as tmp:
    ...     _ = open(tmp, "w").write("done")
    >>> open(out).read(), os.listdir(os.path.dirname(out))
    ('done', ['a.txt'])
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
