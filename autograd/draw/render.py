"""Running Graphviz: the :class:`Graph` object, ``dot`` under a time limit, and atomic file writes.

This is the only module of the renderer that starts a program.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from typing import Any

#: Output formats accepted by :meth:`Graph.render` and :meth:`Graph.pipe`.
FORMATS = ("svg", "png", "pdf", "jpg", "jpeg", "gif", "ps", "eps", "json", "plain", "dot", "xdot")

#: Seconds a ``dot`` run may take in :meth:`Graph.render` and :meth:`Graph.pipe`.
DEFAULT_TIMEOUT = 60.0
#: Seconds a ``dot`` run may take when a notebook displays a graph.
DISPLAY_TIMEOUT = 30.0

INSTALL_HINT = (
    "Install Graphviz: 'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS), "
    "'winget install graphviz' or 'choco install graphviz' (Windows; then add its bin folder to PATH), "
    "or 'conda install -c conda-forge graphviz'."
)


class GraphvizError(RuntimeError):
    """Running Graphviz failed: the program is missing, timed out or rejected the input."""


class GraphvizNotFound(GraphvizError):
    """Graphviz's layout program (``dot``) is not on ``PATH``."""


def _which(program: str) -> str:
    """The full path of a Graphviz program, or GraphvizNotFound with install instructions."""
    path = shutil.which(program)
    if path is None:
        raise GraphvizNotFound(
            f"Graphviz's {program!r} program was not found on PATH, so the graph cannot be rendered "
            f"(.source and .save(path) work without it). {INSTALL_HINT}"
        )
    return path


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    The temporary file is renamed onto ``path`` only once it is complete, so a
    reader never sees a half-written file and a failed write leaves the old
    file (or none) in place.  Missing folders are created.

    Parameters
    ----------
    path : str or path-like
        The file to write.
    data : bytes
        Its new content.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "sub", "note.txt")
    >>> atomic_write(path, b"hello")
    >>> open(path, "rb").read(), os.listdir(os.path.dirname(path))
    (b'hello', ['note.txt'])
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".layergrad-", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class Graph:
    """A drawing: DOT source text, with ways to render it through Graphviz.

    ``source`` never needs a program.  :meth:`render`, :meth:`pipe` and the
    notebook display run Graphviz's layout program (``dot`` unless ``engine``
    says otherwise) with a timeout and raise :class:`GraphvizError` with
    install instructions when it is missing.

    Parameters
    ----------
    source : str
        The DOT text.
    detail : str, optional
        The detail level it was drawn at (informational).
    num_nodes : int
        How many graph nodes are drawn (informational; legend not counted).
    format : str, default "svg"
        Default format of :meth:`render`.
    engine : str, default "dot"
        The Graphviz layout program.
    truncated : int, default 0
        How many nodes were left out to stay under ``max_nodes``.

    Attributes
    ----------
    counts : dict
        Node count of every detail level that was measured.

    Examples
    --------
    >>> g = Graph('digraph { a -> b }', num_nodes=2)
    >>> g.source
    'digraph { a -> b }'
    >>> g
    <Graph: 2 nodes, 1 lines of DOT>
    """

    def __init__(
        self,
        source: str,
        detail: str | None = None,
        num_nodes: int = 0,
        format: str = "svg",
        engine: str = "dot",
        truncated: int = 0,
    ) -> None:
        check_format(format)
        self.source = source
        self.detail = detail
        self.num_nodes = num_nodes
        self.format = format
        self.engine = engine
        self.truncated = truncated
        self.counts: dict[str, int] = {}

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        lines = self.source.count("\n") + 1
        level = f"detail={self.detail!r}, " if self.detail else ""
        more = f", {self.truncated} left out" if self.truncated else ""
        return f"<Graph: {level}{self.num_nodes} nodes{more}, {lines} lines of DOT>"

    def pipe(
        self, format: str | None = None, timeout: float | None = DEFAULT_TIMEOUT, *, engine: str | None = None
    ) -> bytes:
        """Run Graphviz and return the picture as bytes.

        Parameters
        ----------
        format : str, optional
            One of :data:`FORMATS` (default: the graph's ``format``).
        timeout : float or None, default 60
            Seconds before the run is stopped and :class:`GraphvizError` raised.
        engine : str, optional
            The layout program for this run (default: the graph's ``engine``).

        Returns
        -------
        bytes

        Raises
        ------
        GraphvizNotFound
            When the layout program is not installed.
        GraphvizError
            When it fails or takes longer than ``timeout``.

        Examples
        --------
        >>> g = Graph('digraph { a -> b }')
        >>> try:
        ...     svg = g.pipe("svg")
        ... except GraphvizNotFound:     # Graphviz is not installed here
        ...     svg = b"<svg"
        >>> b"<svg" in svg
        True
        """
        format = format or self.format
        check_format(format)
        engine = engine or self.engine
        program = _which(engine)
        try:
            done = subprocess.run(
                [program, f"-T{format}"],
                input=self.source.encode("utf-8"),
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise GraphvizError(
                f"Graphviz's {engine!r} took longer than {timeout} s for {self.num_nodes} nodes and was "
                "stopped. Draw fewer nodes (detail='layer' or a smaller max_nodes) or pass a larger timeout."
            ) from None
        except OSError as e:
            raise GraphvizError(f"could not run Graphviz's {engine!r} ({program}): {e}. {INSTALL_HINT}") from None
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", "replace").strip()
            if len(err) > 600:
                err = err[:600] + "…"
            raise GraphvizError(f"Graphviz's {engine!r} failed (exit code {done.returncode}): {err}")
        return done.stdout

    def render(
        self,
        filename: str | os.PathLike | None = None,
        directory: str | os.PathLike | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        *,
        engine: str | None = None,
        outfile: str | os.PathLike | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> str:
        """Render to ``filename`` plus the format's extension and return that file's path.

        The keywords are those of ``graphviz.Digraph.render``, so code written
        for the ``graphviz`` package (micrograd's ``dot.render("gout",
        view=True)``) works unchanged.  What differs, on purpose: the picture
        is made first (with a time limit) and written through a temporary
        file, so a failed run leaves no file behind, and the DOT source is not
        left next to the picture (:meth:`save` writes it), so ``cleanup`` has
        nothing to delete.  Missing folders are created.

        Parameters
        ----------
        filename : str or path-like, optional
            File name without extension (an extension equal to ``format`` is
            kept as is); default ``"graph"``.
        directory : str or path-like, optional
            Folder that ``filename`` is relative to.
        view : bool, default False
            Open the picture with the system's default viewer.
        cleanup : bool, default False
            Accepted for ``graphviz``'s signature; no source file is left anyway.
        format : str, optional
            "svg", "png", "pdf", ... (default: the graph's ``format``, or the
            extension of ``outfile``).
        engine : str, optional
            The layout program for this run (default: the graph's ``engine``).
        outfile : str or path-like, optional
            The exact path of the picture (instead of ``filename``).
        quiet : bool, default False
            Accepted for ``graphviz``'s signature: Graphviz's messages are
            never printed, only reported in errors.
        quiet_view : bool, default False
            Open the viewer (as ``view``) without its messages.
        timeout : float or None, default 60
            Seconds before the run is stopped.

        Returns
        -------
        str
            The path of the file written.

        Examples
        --------
        >>> import tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> try:
        ...     path = Graph('digraph { a -> b }').render("graph", directory=folder, format="png")
        ... except GraphvizNotFound:     # Graphviz is not installed: nothing is written
        ...     path = os.path.join(folder, "graph.png")
        ...     open(path, "wb").close()
        >>> os.listdir(folder)
        ['graph.png']
        """
        if outfile is not None:
            target = os.fspath(outfile)
            fmt = format or os.path.splitext(target)[1].lstrip(".").lower() or self.format
        else:
            fmt = format or self.format
            base = os.fspath(filename) if filename is not None else "graph"
            target = _with_ext(os.path.join(os.fspath(directory), base) if directory is not None else base, fmt)
        data = self.pipe(fmt, timeout=timeout, engine=engine)
        atomic_write(target, data)
        if view or quiet_view:
            _open_viewer(target, quiet_view)
        return target

    def view(
        self,
        filename: str | os.PathLike | None = None,
        directory: str | os.PathLike | None = None,
        cleanup: bool = False,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> str:
        """Render (see :meth:`render`) and open the picture in the system's viewer, as ``graphviz``'s ``view``.

        Returns
        -------
        str
            The path of the file written.
        """
        return self.render(
            filename, directory, view=True, cleanup=cleanup, quiet=quiet, quiet_view=quiet_view, timeout=timeout
        )

    def save(self, path: str | os.PathLike) -> str:
        """Write the DOT source to ``path`` (``.dot`` added unless it ends in .dot or .gv).

        Needs no Graphviz program.

        Returns
        -------
        str
            The path of the file written.

        Examples
        --------
        >>> import tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> p = Graph('digraph { a -> b }').save(os.path.join(folder, "g"))
        >>> os.path.basename(p), open(p).read()
        ('g.dot', 'digraph { a -> b }')
        """
        p = os.fspath(path)
        if not p.endswith((".dot", ".gv")):
            p += ".dot"
        atomic_write(p, self.source.encode("utf-8"))
        return p

    def to_graphviz(self) -> Any:
        """The same graph as a ``graphviz.Source`` (the ``graphviz`` Python package).

        For code built on that package: its ``view()``, ``render(engine=...)``,
        ``unflatten()`` and the rest.  Layergrad's own :meth:`render` and
        :meth:`pipe` add what the package lacks: a time limit on ``dot`` and
        no half-written files.

        Examples
        --------
        >>> src = Graph('digraph { a -> b }', format="png").to_graphviz()
        >>> type(src).__name__, src.source.strip(), src.format
        ('Source', 'digraph { a -> b }', 'png')
        """
        try:
            import graphviz  # NOTE: lazy: `import autograd` must stay fast
        except ImportError:  # pragma: no cover - a declared dependency
            raise ImportError("Graph.to_graphviz needs the graphviz Python package: pip install graphviz") from None
        return graphviz.Source(self.source, format=self.format, engine=self.engine)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Notebook display: SVG when Graphviz runs, else the DOT text with a hint."""
        bundle: dict[str, Any] = {}
        try:
            bundle["image/svg+xml"] = self.pipe("svg", timeout=DISPLAY_TIMEOUT).decode("utf-8")
            bundle["text/plain"] = repr(self)
        except GraphvizError as e:
            bundle["text/plain"] = f"{repr(self)}\n[not rendered: {_first_sentence(e)} {INSTALL_HINT}]\n{self.source}"
        if include:
            bundle = {k: v for k, v in bundle.items() if k in include}
        if exclude:
            bundle = {k: v for k, v in bundle.items() if k not in exclude}
        return bundle


def _open_viewer(path: str, quiet: bool) -> None:
    """Open a rendered file with the system's default viewer (the ``graphviz`` package's way)."""
    import graphviz  # NOTE: lazy: `import autograd` must stay fast

    graphviz.view(path, quiet=quiet)


def _first_sentence(e: Exception) -> str:
    """The first sentence of an error message."""
    s = str(e)
    cut = s.find(". ")
    return s if cut < 0 else s[: cut + 1]


def check_format(fmt: str) -> None:
    """Raise ValueError unless ``fmt`` is one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")


def _with_ext(path: str | os.PathLike, fmt: str) -> str:
    """``path`` with the extension ``.fmt``, unless it already ends in it."""
    p = os.fspath(path)
    return p if p.endswith("." + fmt) else f"{p}.{fmt}"
