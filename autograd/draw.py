"""Draw a computation graph with Graphviz, grouped by the stages that made it.

:func:`draw_graph` turns the graph behind an output into DOT text, the language
of Graphviz.  Nodes are grouped into nested boxes (*clusters*) by their
``stage`` path, so a network's layers, and inside them the processing steps
(weighted sum, bias, activation), can be seen as blocks.  The same graph can be
drawn at three *detail levels*:

``"scalar"``
    every operation; a neuron's weighted sum (one ``dot`` node in the engine)
    is drawn as its separate multiplies and adds.
``"neuron"``
    one node per neuron (scalar engine) or per processing step (tensor engine,
    where one tensor already holds all the neurons of a layer).
``"layer"``
    one node per layer, with its steps, operation counts and parameter counts;
    edges between layers carry the shapes (tensors) or widths (scalars).

``"auto"`` picks the finest level that stays under ``max_nodes``.

Building the DOT text is pure string work and needs no program.  Turning it
into a picture (:meth:`Graph.render`, :meth:`Graph.pipe`, notebook display)
runs Graphviz's ``dot`` with a timeout.

What is read from a node: ``op`` (a row of :data:`autograd.ops.OPS`, or None
for a leaf), ``_prev``, ``_meta``, ``stage``, ``data``, ``grad``, ``label`` and
``requires_grad``, plus the stage registry (:func:`autograd.stage_label`,
:func:`autograd.stage_kind`).  Nothing else: the renderer knows no layer class.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from typing import Any

import numpy as np

from .graph import stage_kind, stage_label

__all__ = ["draw_graph", "draw_dot", "Graph", "GraphvizError", "GraphvizNotFound", "DETAILS"]

DETAILS = ("scalar", "neuron", "layer")
"""The detail levels, finest first."""

#: Output formats accepted by :meth:`Graph.render` and :meth:`Graph.pipe`.
FORMATS = ("svg", "png", "pdf", "jpg", "jpeg", "gif", "ps", "eps", "json", "plain", "dot", "xdot")

#: Above this many drawn nodes, layout attributes that trade beauty for speed are set.
FAST_LAYOUT_NODES = 800
#: ... and above this many virtual nodes (see ``_Drawing.spread``), too.
FAST_LAYOUT_SPREAD = 5000
#: "auto" also wants at most this many virtual nodes per allowed node: a
#: 1,660-node graph with 60,000 took 4-12 s to lay out, one with 10,000 took 0.9 s.
SPREAD_PER_NODE = 10
#: Seconds a ``dot`` run may take in :meth:`Graph.render` and :meth:`Graph.pipe`.
DEFAULT_TIMEOUT = 60.0
#: Seconds a ``dot`` run may take when a notebook displays a graph.
DISPLAY_TIMEOUT = 30.0

INSTALL_HINT = (
    "Install Graphviz: 'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS), "
    "'winget install graphviz' or 'choco install graphviz' (Windows; then add its bin folder to PATH), "
    "or 'conda install -c conda-forge graphviz'."
)

# Kinds of graph node, by how they are drawn.
_OP, _INPUT, _PARAM, _CONST = 0, 1, 2, 3

# fmt: off
_FILL = {                      # kind -> (shape, fill colour, extra attributes)
    "input":        ("record",  "#dbeafe", ""),                       # blue box
    "parameter":    ("record",  "#fde68a", ", peripheries=2"),        # amber, double border: learned
    "constant":     ("record",  "#eeeeee", ", fontcolor=\"#555555\""),
    "intermediate": ("Mrecord", "#ffffff", ""),                       # rounded: made by an op
    "output":       ("Mrecord", "#bbf7d0", ""),                       # green: the root
    "group":        ("Mrecord", "#ede9fe", ""),                       # violet: collapsed stage
}
_CLUSTER = {                   # stage kind -> cluster attributes
    "model":  'style="rounded"; color="#4b5563"; penwidth=1.4; fontsize=13',
    "layer":  'style="rounded,filled"; fillcolor="#eef2ff"; color="#6366f1"; fontsize=12',
    "neuron": 'style="rounded,filled"; fillcolor="#fafafa"; color="#94a3b8"; fontsize=11',
    "step":   'style="dashed"; color="#a3a3a3"; fontsize=10',
    None:     'style="rounded"; color="#888888"; fontsize=11',
}
# gradient magnitude, small to large (log scale): light to dark red
_RAMP = ("#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d")
_DECADES = 6.0                 # magnitudes this many powers of ten below the largest look faintest
_FADED = ("#c8c8c8", "#9a9a9a")  # border/edge colour and font colour of zero-gradient parts
_SYMBOL = {
    "add": "+", "sub": "−", "rsub": "−", "mul": "×", "div": "÷", "rdiv": "÷", "neg": "−x",
    "pow": "**", "rpow": "**", "matmul": "@", "dot": "w·x", "getitem": "[ ]", "concatenate": "concat",
}
_FAST_LAYOUT = "nslimit=1, nslimit1=1, mclimit=0.1, splines=line, remincross=false"
# fmt: on
_DOT_OP = "dot"


class GraphvizError(RuntimeError):
    """Running Graphviz failed: the program is missing, timed out or rejected the input."""


class GraphvizNotFound(GraphvizError):
    """Graphviz's layout program (``dot``) is not on ``PATH``."""


# --------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------


def _esc(text: str, record: bool = False) -> str:
    """Escape text for a double-quoted DOT string (``record``: also a record field)."""
    s = str(text).replace("\\", "\\\\").replace('"', '\\"')
    if record:
        for ch in "{}|<>":
            s = s.replace(ch, "\\" + ch)
    return s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _q(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + _esc(text) + '"'


def _num(x: Any) -> str:
    """A number in at most 4 significant digits."""
    try:
        return f"{float(x):.4g}"
    except (TypeError, ValueError):
        return str(x)


def _const(c: Any) -> str:
    """An op constant, short."""
    if isinstance(c, bool) or c is None:
        return str(c)
    if isinstance(c, int):
        return str(c)
    if isinstance(c, float):
        return str(int(c)) if c.is_integer() and abs(c) < 1e15 else f"{c:.4g}"
    if isinstance(c, np.ndarray):
        return f"array{c.shape}"
    s = repr(c)
    return s if len(s) <= 24 else s[:23] + "…"


def _summary(a: Any) -> str:
    """min/mean/max of an array, or its values when it has at most 4."""
    a = np.asarray(a)
    if a.size == 0:
        return "empty"
    if a.ndim == 0:
        return _num(a)
    if a.size <= 4:
        return "[" + ", ".join(_num(v) for v in a.ravel().tolist()) + "]"
    with np.errstate(all="ignore"):
        a = a.astype(np.float64, copy=False)
        ok = np.isfinite(a)
        bad = int(a.size - np.count_nonzero(ok))
        if bad == a.size:
            return f"all {a.size} nan/inf"
        f = a if not bad else a[ok]
        s = f"min {_num(f.min())} mean {_num(f.mean())} max {_num(f.max())}"
    return s + (f" ({bad} nan/inf)" if bad else "")


def _shape(a: Any) -> str:
    return "(" + ", ".join(str(d) for d in a.shape) + (",)" if len(a.shape) == 1 else ")")


def _mag(node: Any) -> float | None:
    """Mean absolute gradient of a node, or None when it has none."""
    g = node.grad
    if g is None or not node.requires_grad:
        return None
    if isinstance(g, np.ndarray):
        if g.size == 0:
            return 0.0
        with np.errstate(all="ignore"):
            return float(np.abs(g).mean())
    try:
        return abs(float(g))
    except (TypeError, ValueError):
        return None


def _op_symbol(op: Any) -> str:
    """The op's short name, without constants (used for counts)."""
    return _SYMBOL.get(op.name) or (op.symbol.split("{")[0].strip() or op.name)


def _op_text(node: Any) -> str:
    """The op of a node with its constants, e.g. ``× 2`` or ``sum(axis=1)``."""
    op, meta = node.op, node._meta
    name = op.name
    sym = _op_symbol(op)
    if not meta:
        if name == _DOT_OP:
            return f"w·x ({len(node._prev) // 2} terms)"
        return sym
    c = meta[0]
    if name in ("add", "sub", "mul", "div"):
        return f"{sym} {_const(c)}"
    if name in ("rsub", "rdiv"):
        return f"{_const(c)} {sym} x"
    if name == "pow":
        return f"** {_const(c)}"
    if name == "rpow":
        return f"{_const(c)} ** x"
    if name == "leaky_relu":
        return f"LeakyReLU({_const(c)})"
    if name == "clip":
        return f"clip({_const(meta[0])}, {_const(meta[1])})"
    if name in ("sum", "max", "min", "logsumexp"):
        return sym if c is None else f"{sym}(axis={_const(c)})"
    if name in ("reshape", "transpose"):
        return sym if c is None else f"{sym} {_const(c)}"
    if name == "getitem":
        return "[" + _const(c) + "]"
    if name in ("concatenate", "stack"):
        return f"{sym}(axis={_const(meta[-1])})"
    if name == _DOT_OP:
        return f"w·x ({len(node._prev)} terms)"
    return sym


# --------------------------------------------------------------------------
# The graph object
# --------------------------------------------------------------------------


def _which(program: str) -> str:
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
        _check_format(format)
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

    def pipe(self, format: str = "svg", timeout: float | None = DEFAULT_TIMEOUT) -> bytes:
        """Run Graphviz and return the picture as bytes.

        Parameters
        ----------
        format : str, default "svg"
            One of :data:`FORMATS`.
        timeout : float or None, default 60
            Seconds before the run is stopped and :class:`GraphvizError` raised.

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
        _check_format(format)
        program = _which(self.engine)
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
                f"Graphviz's {self.engine!r} took longer than {timeout} s for {self.num_nodes} nodes and was "
                "stopped. Draw fewer nodes (detail='layer' or a smaller max_nodes) or pass a larger timeout."
            ) from None
        except OSError as e:
            raise GraphvizError(f"could not run Graphviz's {self.engine!r} ({program}): {e}. {INSTALL_HINT}") from None
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", "replace").strip()
            if len(err) > 600:
                err = err[:600] + "…"
            raise GraphvizError(f"Graphviz's {self.engine!r} failed (exit code {done.returncode}): {err}")
        return done.stdout

    def render(
        self, path: str | os.PathLike, format: str | None = None, timeout: float | None = DEFAULT_TIMEOUT
    ) -> str:
        """Render to ``path`` plus the format's extension and return that file's path.

        The picture is made first and written through a temporary file, so a
        failed run leaves no file behind.  Missing folders are created.

        Parameters
        ----------
        path : str or path-like
            File name without extension (an extension equal to ``format`` is kept as is).
        format : str, optional
            "svg", "png", "pdf", ... (default: the graph's ``format``).
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
        ...     path = Graph('digraph { a -> b }').render(os.path.join(folder, "graph"), format="png")
        ... except GraphvizNotFound:     # Graphviz is not installed: nothing is written
        ...     path = os.path.join(folder, "graph.png")
        ...     open(path, "wb").close()
        >>> os.listdir(folder)
        ['graph.png']
        """
        fmt = format or self.format
        data = self.pipe(fmt, timeout=timeout)
        target = _with_ext(path, fmt)
        atomic_write(target, data)
        return target

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


def _first_sentence(e: Exception) -> str:
    s = str(e)
    cut = s.find(". ")
    return s if cut < 0 else s[: cut + 1]


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")


def _with_ext(path: str | os.PathLike, fmt: str) -> str:
    p = os.fspath(path)
    return p if p.endswith("." + fmt) else f"{p}.{fmt}"


# --------------------------------------------------------------------------
# Building the drawing
# --------------------------------------------------------------------------


def _collect(roots: list[Any]) -> list[Any]:
    """All nodes reachable from the roots, parents first, parents in argument order.

    Like :func:`autograd.toposort` (iterative, any depth), but siblings come out
    in argument order (x0 before x1, layer 1 before layer 2), which is the order
    Graphviz then draws them in.
    """
    order: list[Any] = []
    seen: set[Any] = set()
    emit, mark = order.append, seen.add
    for root in roots:
        if root in seen:
            continue
        stack: list[Any] = [root]
        push, pop = stack.append, stack.pop
        while stack:
            node = pop()
            if node is None:  # marker: the node below it has all its parents emitted
                emit(pop())
                continue
            if node in seen:
                continue
            mark(node)
            push(node)
            push(None)
            prev = node._prev
            for k in range(len(prev) - 1, -1, -1):
                if prev[k] not in seen:
                    push(prev[k])
    return order


def _dot_terms(node: Any) -> int:
    """How many products a scalar ``dot`` node sums."""
    return len(node._prev) if node._meta else len(node._prev) // 2


class _Plan:
    """One detail level: the unit of every node, and the edges between units."""

    __slots__ = ("unit", "first", "first_op", "edges", "outflow", "pairs", "weight")

    def __init__(
        self,
        unit: list[Any],
        first: dict[Any, int],
        first_op: dict[Any, int],
        edges: dict[tuple[Any, Any], Any],
        outflow: set[int],
        pairs: list[tuple[int, int]],
        weight: dict[int, int],
    ) -> None:
        self.unit, self.first, self.first_op, self.edges = unit, first, first_op, edges
        self.outflow, self.pairs, self.weight = outflow, pairs, weight


class _Drawing:
    """One graph, measured per detail level and written as DOT for one of them."""

    def __init__(self, roots: list[Any], show_data: bool, show_grad: bool, rankdir: str, legend: bool):
        self.show_data, self.show_grad, self.rankdir, self.legend = show_data, show_grad, rankdir, legend
        order = _collect(roots)
        self.order = order
        index = {n: i for i, n in enumerate(order)}
        get = index.__getitem__
        self.prev = [tuple(map(get, n._prev)) for n in order]
        self.stages = [n.stage for n in order]
        kinds = []
        for n in order:
            if n.op is not None:
                kinds.append(_OP)
            elif not n.stage:
                kinds.append(_INPUT)
            else:
                kinds.append(_PARAM if n.requires_grad else _CONST)
        self.kinds = kinds
        self.roots = [index[r] for r in roots]
        self.root_set = set(self.roots)
        self.distinct = set(self.stages)
        # Each level's label and kind as the nodes were made (StagePath), so that
        # another model entered later under the same names cannot relabel this graph;
        # the registry is the fallback (parameters, hand-made paths).
        self._info: dict[tuple[str, ...], tuple[str | None, str | None]] = {}
        for st in {id(st): st for st in self.stages}.values():
            labels = getattr(st, "labels", None)
            if labels is not None:
                st_kinds = st.kinds
                for j in range(len(st)):
                    self._info[st[: j + 1]] = (labels[j], st_kinds[j])
        # unkinded stages that contain kinded ones (e.g. a user's "train" around a model) never collapse
        self.kinded_below: set[tuple[str, ...]] = set()
        for s in self.distinct:
            ks = [self._kind(s[: j + 1]) for j in range(len(s))]
            for j in range(len(s)):
                if any(k is not None for k in ks[j + 1 :]):
                    self.kinded_below.add(s[: j + 1])
        self.grad_view = show_grad and any(_mag(order[r]) for r in self.roots)
        self._consumers: dict[int, list[int]] | None = None
        self._comps: dict[int, tuple[str, int]] | None = None
        self._plans: dict[str, _Plan] = {}
        self._mags: dict[int, float | None] = {}

    def _label(self, path: tuple[str, ...]) -> str | None:
        info = self._info.get(path)
        return (info[0] if info else None) or stage_label(path)

    def _kind(self, path: tuple[str, ...]) -> str | None:
        info = self._info.get(path)
        return (info[1] if info else None) or stage_kind(path)

    # -- measuring ------------------------------------------------------------
    def _group_of(self, path: tuple[str, ...], level: str) -> tuple[str, ...] | None:
        """The stage prefix that ``path`` collapses into at ``level`` (None: not collapsed)."""
        ks = [self._kind(path[: j + 1]) for j in range(len(path))]
        if level == "neuron":
            for j, k in enumerate(ks):
                if k == "neuron":
                    return path[: j + 1]
            wanted: tuple[Any, ...] = ("step",)
        else:
            for j, k in enumerate(ks):
                if k == "layer":
                    return path[: j + 1]
            wanted = ("neuron", "step")
        for j, k in enumerate(ks):
            if k in wanted or (k is None and path[: j + 1] not in self.kinded_below):
                return path[: j + 1]
        return None

    def consumers(self) -> dict[int, list[int]]:
        """The consumers of every input leaf."""
        if self._consumers is None:
            kinds = self.kinds
            cons: dict[int, list[int]] = {i: [] for i, k in enumerate(kinds) if k == _INPUT}
            if cons:
                for c, ps in enumerate(self.prev):
                    for p in ps:
                        if p in cons:
                            cons[p].append(c)
            self._consumers = cons
        return self._consumers

    def units(self, level: str) -> list[Any]:
        """The drawn unit of every node.

        A unit is the node's index (drawn alone), ``("g", path)`` (a collapsed
        stage), ``("c", k)`` (a connected block of ops outside any stage) or
        ``("i", consumers)`` (the inputs that feed the same units).
        """
        if level == "scalar":
            return list(range(len(self.order)))
        gmap = {}
        for s in self.distinct:
            g = self._group_of(s, level)
            gmap[s] = None if g is None else ("g", g)
        unit: list[Any] = [i if g is None else g for i, g in enumerate(map(gmap.__getitem__, self.stages))]
        for i, c in self._components().items():
            unit[i] = c
        for i, cs in self.consumers().items():
            if cs and i not in self.root_set:
                unit[i] = ("i", frozenset([unit[c] for c in cs]))
        return unit

    def _components(self) -> dict[int, tuple[str, int]]:
        """Ops outside any stage, joined into connected blocks (a loss, a user's formula).

        Drawn one by one they can be long chains (micrograd's demo sums 337
        squared parameters) whose edges span hundreds of ranks, which Graphviz
        lays out very slowly; at "neuron" and "layer" detail each block is one node.
        """
        if self._comps is not None:
            return self._comps
        kinds, stages, prev = self.kinds, self.stages, self.prev
        loose = [i for i, k in enumerate(kinds) if k == _OP and not stages[i]]
        parent = {i: i for i in loose}

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for c in loose:
            for p in prev[c]:
                if p in parent:
                    a, b = find(p), find(c)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
        sizes: dict[int, int] = {}
        for i in loose:
            r = find(i)
            sizes[r] = sizes.get(r, 0) + 1
        self._comps = {i: ("c", r) for i in loose if sizes[(r := find(i))] > 1}
        return self._comps

    def count(self, level: str) -> int:
        """How many nodes ``level`` draws (before any truncation)."""
        if level == "scalar":
            extra = 0
            for n in self.order:
                op = n.op
                if op is not None and op.name == _DOT_OP:
                    extra += max(0, 2 * _dot_terms(n) - 2)
            return len(self.order) + extra
        return len(set(self.units(level)))

    def plan(self, level: str) -> _Plan:
        """Units, the edges between them and what crosses each edge, for one level."""
        cached = self._plans.get(level)
        if cached is not None:
            return cached
        kinds, prev = self.kinds, self.prev
        unit = self.units(level)
        scalar = level == "scalar"
        first: dict[Any, int] = {}
        first_op: dict[Any, int] = {}
        for i, u in enumerate(unit):
            if u not in first:
                first[u] = i
            if kinds[i] == _OP and u not in first_op:
                first_op[u] = i
        edges: dict[tuple[Any, Any], Any] = {}
        outflow: set[int] = set(self.roots)
        pairs: list[tuple[int, int]] = []
        for c, ps in enumerate(prev):
            uc = unit[c]
            for p in ps:
                up = unit[p]
                if up == uc:
                    continue
                if scalar:
                    pairs.append((p, c))
                    edges[(up, uc)] = None
                else:
                    outflow.add(p)
                    srcs = edges.get((up, uc))
                    if srcs is None:
                        edges[(up, uc)] = {p: None}
                    else:
                        srcs[p] = None
        # a dot node drawn as its products and sums counts as all of them
        weight: dict[int, int] = {}
        if scalar:
            for i, n in enumerate(self.order):
                if n.op is not None and n.op.name == _DOT_OP:
                    weight[i] = max(1, 2 * _dot_terms(n) - 1)
        plan = _Plan(unit, first, first_op, edges, outflow, pairs, weight)
        self._plans[level] = plan
        return plan

    def spread(self, level: str) -> int:
        """Estimated extra points Graphviz adds to route edges that skip ranks.

        ``dot`` puts one virtual node on every rank an edge crosses; their
        number, not the node count, is what makes some layouts take minutes.
        Ranks are estimated by longest path in first-appearance order.
        """
        plan = self.plan(level)
        parents: dict[Any, list[Any]] = {}
        for up, uc in plan.edges:
            parents.setdefault(uc, []).append(up)
        rank: dict[Any, int] = {}
        for u in sorted(plan.first, key=lambda u: plan.first_op.get(u, plan.first[u])):
            r = 0
            for p in parents.get(u, ()):
                rp = rank.get(p)
                if rp is not None and rp + 1 > r:
                    r = rp + 1
            rank[u] = r
        return sum(max(0, abs(rank[uc] - rank[up]) - 1) for up, uc in plan.edges)

    # -- helpers for labels -----------------------------------------------------
    def mag(self, i: int) -> float | None:
        m = self._mags.get(i, -1.0)
        if m == -1.0:
            m = self._mags[i] = _mag(self.order[i])
        return m

    def _kind_name(self, i: int) -> str:
        if i in self.root_set:
            return "output"
        return ("intermediate", "input", "parameter", "constant")[self.kinds[i]]

    def _fields(self, i: int) -> list[str]:
        """Record fields of one node: header, then data and grad."""
        n = self.order[i]
        label = n.label or ""
        if n.op is not None:
            text = _op_text(n)
            header = f"{label} = {text}" if label else text
        else:
            header = label or ("input", "input", "parameter", "constant")[self.kinds[i]]
        fields = [header]
        d = n.data
        if isinstance(d, np.ndarray):
            fields.append(f"{_shape(d)} {d.dtype}")
            if self.show_data:
                fields.append("data " + _summary(d))
            if self.show_grad and n.requires_grad:
                fields.append("grad " + ("None" if n.grad is None else _summary(n.grad)))
        else:
            if self.show_data:
                fields.append("data " + _num(d))
            if self.show_grad and n.requires_grad:
                fields.append("grad " + _num(n.grad))
        return fields

    def _record(self, fields: list[str]) -> str:
        body = "|".join(_esc(f, record=True) for f in fields)
        return body if self.rankdir in ("LR", "RL") else "{" + body + "}"

    def _grad_attrs(self, m: float | None, edge: bool = False) -> str:
        """Colour and width for a gradient magnitude (faded when zero)."""
        if not self.grad_view or m is None:
            return ""
        if m != m:  # nan: flag it
            return ', color="#7e22ce", penwidth=3, style="bold"' if edge else ', color="#7e22ce", penwidth=3'
        if m == 0:
            return f', color="{_FADED[0]}", style="dashed"' + ("" if edge else f', fontcolor="{_FADED[1]}"')
        t = 1.0 if m == math.inf else max(0.0, min(1.0, 1.0 + math.log10(m / self.max_mag) / _DECADES))
        color = _RAMP[int(round(t * (len(_RAMP) - 1)))]
        width = (0.6 + 2.4 * t) if edge else (1.0 + 1.5 * t)
        return f', color="{color}", penwidth={width:.2f}'

    def _node(self, uid: str, kind: str, fields: list[str], m: float | None) -> str:
        shape, fill, extra = _FILL[kind]
        attrs = self._grad_attrs(m)
        if "dashed" in attrs:
            attrs = attrs.replace('style="dashed"', 'style="filled,dashed"')
        return f'{_q(uid)} [label="{self._record(fields)}", shape={shape}, fillcolor="{fill}"{extra}{attrs}];'

    # -- groups -------------------------------------------------------------------
    def _group_fields(self, path: tuple[str, ...], members: list[int], outflow: list[int], level: str) -> list[str]:
        """Record fields of a collapsed stage: what it does, holds and outputs."""
        order, kinds = self.order, self.kinds
        depth = len(path)
        header = self._label(path) or path[-1]
        kind = self._kind(path)
        steps: list[str] = []
        neurons: set[tuple[str, ...]] = set()
        ops: dict[str, int] = {}
        params: list[int] = []
        act: list[int] = []
        seen_stage: dict[tuple[str, ...], Any] = {}
        for i in members:
            s = order[i].stage
            info = seen_stage.get(s)
            if info is None:
                step = neuron = None
                for j in range(depth, len(s)):
                    k = self._kind(s[: j + 1])
                    if k == "neuron" and neuron is None:
                        neuron = s[: j + 1]
                    elif k == "step" and step is None:
                        step = s[j]
                info = seen_stage[s] = (step, neuron)
                if step is not None and step not in steps:
                    steps.append(step)
            step, neuron = info
            if neuron is not None:
                neurons.add(neuron)
            op = order[i].op
            if op is not None:
                sym = _op_symbol(op)
                ops[sym] = ops.get(sym, 0) + 1
                if step == "activation":
                    act.append(i)
            elif kinds[i] == _PARAM:
                params.append(i)
        fields = [header]
        if level == "neuron" and kind == "neuron":
            return fields + self._neuron_fields(members, outflow, params, act)
        if len(steps) > 1:
            fields.append(" → ".join(steps))
        if neurons and kind != "neuron":
            fields.append(f"{len(neurons)} neuron" + ("s" if len(neurons) > 1 else ""))
        if ops:
            fields.append("ops: " + ", ".join(f"{c} {s}" for s, c in ops.items()))
        if params:
            fields.append(self._params_text(params))
        if act and self.show_data:
            fields.append(self._activity(act))
        if outflow and self.show_data:
            fields.append(self._out_text(outflow))
        if self.show_grad:
            g = self._grad_text(params, outflow)
            if g:
                fields.append(g)
        return fields

    def _block_fields(self, members: list[int], outflow: list[int]) -> list[str]:
        """A connected block of ops outside any stage: its op counts, output and gradient."""
        order = self.order
        ops: dict[str, int] = {}
        for i in members:
            sym = _op_symbol(order[i].op)
            ops[sym] = ops.get(sym, 0) + 1
        labels = [order[i].label for i in outflow if order[i].label]
        header = "ops outside any stage" + (f" → {', '.join(labels[:3])}" if labels else "")
        fields = [header, f"{len(members)} ops: " + ", ".join(f"{c} {s}" for s, c in ops.items())]
        if outflow and self.show_data:
            fields.append(self._out_text(outflow))
        if self.show_grad:
            g = self._grad_text([], outflow)
            if g:
                fields.append(g)
        return fields

    def _neuron_fields(self, members: list[int], outflow: list[int], params: list[int], act: list[int]) -> list[str]:
        """A neuron: weighted sum, activation, output value and gradient."""
        order = self.order
        fields = [f"{len(params)} params"] if params else []
        act_set = set(act)
        member_set = set(members)
        z = [p for i in act for p in self.prev[i] if p in member_set and p not in act_set]
        if self.show_data:
            if z:
                fields.append("w·x + b: " + self._values(z))
            if act:
                fields.append(f"{_op_symbol(order[act[-1]].op)}: " + self._values(outflow or act))
                fields.append(self._activity(act))
            elif outflow:
                fields.append("w·x + b (linear): " + self._values(outflow))
        if self.show_grad and outflow:
            gs = [self.mag(i) for i in outflow]
            known = [g for g in gs if g is not None]
            if known:
                fields.append(
                    "grad "
                    + (
                        _num(order[outflow[0]].grad)
                        if len(outflow) == 1
                        else "mean |g| " + _num(sum(known) / len(known))
                    )
                )
        return fields

    def _values(self, idx: list[int]) -> str:
        data = [self.order[i].data for i in idx]
        if len(data) == 1 and not isinstance(data[0], np.ndarray):
            return _num(data[0])
        if all(not isinstance(d, np.ndarray) for d in data):
            return f"{len(data)} values, " + _summary(np.array(data, dtype=np.float64))
        first = data[0]
        more = f" (+{len(data) - 1} more)" if len(data) > 1 else ""
        return f"{_shape(first)} {_summary(first)}{more}"

    def _out_text(self, outflow: list[int]) -> str:
        return "out " + self._values(outflow)

    def _activity(self, act: list[int]) -> str:
        """How many activation outputs are non-zero (ReLU-like) or saturated (tanh, sigmoid)."""
        order = self.order
        name = order[act[-1]].op.name
        data = np.concatenate([np.ravel(np.asarray(order[i].data, dtype=np.float64)) for i in act])
        if data.size == 0:
            return "no values"
        if name in ("relu", "step", "leaky_relu", "gelu", "softplus"):
            return f"active (> 0): {100.0 * np.count_nonzero(data > 0) / data.size:.0f}%"
        if name == "tanh":
            return f"saturated (|y| > 0.99): {100.0 * np.count_nonzero(np.abs(data) > 0.99) / data.size:.0f}%"
        if name == "sigmoid":
            sat = np.count_nonzero((data < 0.01) | (data > 0.99))
            return f"saturated (y < 0.01 or > 0.99): {100.0 * sat / data.size:.0f}%"
        return f"activation {_op_symbol(order[act[-1]].op)}"

    def _params_text(self, params: list[int]) -> str:
        order = self.order
        arrays = [order[i] for i in params if isinstance(order[i].data, np.ndarray)]
        total = sum(int(n.data.size) for n in arrays) + (len(params) - len(arrays))
        if arrays:
            names = ", ".join(f"{n.label or 'param'} {_shape(n.data)}" for n in arrays[:4])
            return f"params {total}: {names}" + (" …" if len(arrays) > 4 else "")
        return f"params {total}"

    def _grad_mean(self, idx: list[int]) -> float | None:
        """Mean absolute gradient over all elements of the nodes ``idx`` (None: none has one)."""
        total, count = 0.0, 0
        for i in idx:
            m = self.mag(i)
            if m is None:
                continue
            d = self.order[i].data
            size = d.size if isinstance(d, np.ndarray) else 1
            total += m * size
            count += size
        return total / count if count else None

    def _grad_text(self, params: list[int], outflow: list[int]) -> str:
        parts = []
        for name, idx in (("params", params), ("out", outflow)):
            m = self._grad_mean(idx)
            if m is not None:
                parts.append(f"mean |grad {name}| {_num(m)}")
        return ", ".join(parts)

    def _group_mag(self, params: list[int], outflow: list[int]) -> float | None:
        """The magnitude a collapsed unit is coloured by: its parameters' gradient, else its output's."""
        m = self._grad_mean(params)
        return m if m is not None else self._grad_mean(outflow)

    # -- writing --------------------------------------------------------------------
    def build(self, level: str, max_nodes: int) -> tuple[str, int, int]:
        """DOT source for ``level`` with at most ``max_nodes`` nodes: (source, drawn, left out)."""
        order, kinds = self.order, self.kinds
        plan = self.plan(level)
        unit, first, first_op, edges = plan.unit, plan.first, plan.first_op, plan.edges
        outflow, pairs, weight = plan.outflow, plan.pairs, plan.weight
        scalar = level == "scalar"
        total = len(first) + sum(w - 1 for w in weight.values())
        keep = self._keep(first, edges, unit, weight, max_nodes) if total > max_nodes else None
        left_out = 0
        if keep is not None:
            left_out = total - sum(weight.get(u, 1) if type(u) is int else 1 for u in keep)
        drawn = set(first) if keep is None else keep

        members: dict[Any, list[int]] = {}
        if not scalar:
            for i, u in enumerate(unit):
                if type(u) is tuple and u in drawn:
                    m = members.get(u)
                    if m is None:
                        members[u] = [i]
                    else:
                        m.append(i)
        mags: list[float] = []
        if self.grad_view:
            mags = self._all_mags(drawn, members, outflow)
        self.max_mag = max(mags) if mags else 1.0
        if not math.isfinite(self.max_mag) or self.max_mag <= 0:
            self.max_mag = 1.0

        ids: dict[Any, str] = {}
        numbered = {"i": 0, "c": 0}
        for u in first:
            if u not in drawn:
                continue
            if type(u) is int:
                ids[u] = f"n{u}"
            elif u[0] == "g":
                ids[u] = "g:" + "/".join(u[1])
            else:
                ids[u] = f"{'in' if u[0] == 'i' else 'ops'}{numbered[u[0]]}"
                numbered[u[0]] += 1

        # node statements, by the cluster (stage path) they sit in
        where: dict[tuple[str, ...], list[str]] = {}
        op_rank: dict[tuple[str, ...], int] = {}
        kinds_seen: set[str] = set()
        n_drawn = 0
        for u in first:
            if u not in drawn:
                continue
            if type(u) is int:
                kind = self._kind_name(u)
                if scalar and u in weight:
                    stmts = self._expand(u, ids)
                    kinds_seen.add("intermediate")
                else:
                    stmts = [self._node(ids[u], kind, self._fields(u), self.mag(u))]
                n_drawn += weight.get(u, 1)
                place = order[u].stage
            elif u[0] == "g":
                path = u[1]
                mem = members[u]
                out = [i for i in mem if i in outflow]
                fields = self._group_fields(path, mem, out, level)
                params = [i for i in mem if kinds[i] == _PARAM]
                kind = "output" if any(i in self.root_set for i in mem) else "group"
                stmts = [self._node(ids[u], kind, fields, self._group_mag(params, out))]
                n_drawn += 1
                place = path[:-1]
            elif u[0] == "c":
                mem = members[u]
                out = [i for i in mem if i in outflow]
                kind = "output" if any(i in self.root_set for i in mem) else "group"
                stmts = [self._node(ids[u], kind, self._block_fields(mem, out), self._group_mag([], out))]
                n_drawn += 1
                place = ()
            else:
                mem = members[u]
                kind = "input"
                if len(mem) == 1:
                    fields = self._fields(mem[0])
                else:
                    fields = self._inputs_fields(mem)
                stmts = [self._node(ids[u], kind, fields, self._group_mag([], mem))]
                n_drawn += 1
                place = ()
            kinds_seen.add(kind)
            where.setdefault(place, []).extend(stmts)
            if u in first_op and first_op[u] < op_rank.get(place, 1 << 60):
                op_rank[place] = first_op[u]

        lines = [
            "digraph layergrad {",
            f'  graph [rankdir={self.rankdir}, newrank=true, fontname="Helvetica,Arial,sans-serif", fontsize=12, '
            f"nodesep=0.18, ranksep=0.35, outputorder=edgesfirst"
            + (", " + _FAST_LAYOUT if n_drawn > FAST_LAYOUT_NODES or self.spread(level) > FAST_LAYOUT_SPREAD else "")
            + "];",
            '  node [shape=Mrecord, style=filled, fillcolor="#ffffff", color="#444444", '
            'fontname="Helvetica,Arial,sans-serif", fontsize=10, height=0.3];',
            '  edge [color="#666666", arrowsize=0.6, fontname="Helvetica,Arial,sans-serif", fontsize=9];',
        ]
        self._emit_clusters(where, op_rank, lines)
        # edges
        if scalar:
            for p, c in pairs:
                if c in weight or unit[c] not in drawn or unit[p] not in drawn:
                    continue
                lines.append(f"  {_q(ids[p])} -> {_q(ids[c])} [{self._grad_attrs(self.mag(p), edge=True)[2:]}];")
            for c in weight:
                if c in drawn:
                    lines.extend(self._expand_edges(c, ids, drawn))
        else:
            for (up, uc), srcs in edges.items():
                if up not in drawn or uc not in drawn:
                    continue
                lines.append(self._group_edge(ids[up], ids[uc], list(srcs), level))
        if left_out and keep is not None:  # left_out > 0 only when keep was computed
            lines.extend(self._truncation(left_out, keep, edges, ids))
        # inputs on the left, the output on the right
        firsts = [
            ids[u]
            for u in first
            if u in drawn and (type(u) is tuple and u[0] == "i" or type(u) is int and kinds[u] == _INPUT)
        ]
        firsts = [f for f in firsts if not any(ids.get(unit[r]) == f for r in self.roots)]
        if firsts:
            lines.append("  { rank=min; " + " ".join(_q(f) + ";" for f in firsts) + " }")
        lasts = sorted({ids[unit[r]] for r in self.roots if unit[r] in drawn} - set(firsts))
        if lasts and len(first) > 1:
            lines.append("  { rank=max; " + " ".join(_q(f) + ";" for f in lasts) + " }")
        if self.legend:
            lines.extend(self._legend(kinds_seen))
        lines.append("}")
        return "\n".join(lines) + "\n", n_drawn, left_out

    def _all_mags(self, drawn: set[Any], members: dict[Any, list[int]], outflow: set[int]) -> list[float]:
        out: list[float] = []
        for u in drawn:
            if type(u) is int:
                ms = [self.mag(u)] + [self.mag(p) for p in self.prev[u]]
            else:
                ms = [self.mag(i) for i in members[u]]
            out.extend(m for m in ms if m is not None and math.isfinite(m) and m > 0)
        return out

    def _keep(
        self, first: dict[Any, int], edges: dict, unit: list[Any], weight: dict[int, int], max_nodes: int
    ) -> set[Any]:
        """The units nearest the output(s) that fit in ``max_nodes - 1`` (one slot: the 'more' note)."""
        parents: dict[Any, list[Any]] = {}
        for up, uc in edges:
            parents.setdefault(uc, []).append(up)
        budget = max(1, max_nodes - 1)
        keep: set[Any] = set()
        queue = []
        for r in self.roots:
            u = unit[r]
            if u not in keep:
                keep.add(u)
                queue.append(u)
                budget -= weight.get(u, 1) if type(u) is int else 1
        head = 0
        while head < len(queue) and budget > 0:
            u = queue[head]
            head += 1
            for p in parents.get(u, ()):
                if p in keep:
                    continue
                w = weight.get(p, 1) if type(p) is int else 1
                if w > budget:
                    continue
                keep.add(p)
                queue.append(p)
                budget -= w
                if budget <= 0:
                    break
        return keep

    def _truncation(self, left_out: int, keep: set[Any], edges: dict, ids: dict[Any, str]) -> list[str]:
        note = f"… {left_out} more nodes not drawn\n(raise max_nodes or use a coarser detail)"
        lines = [
            f'  "more" [label="{_esc(note)}", shape=note, fillcolor="#fff7ed", color="#9a3412", fontcolor="#9a3412"];'
        ]
        targets = sorted({ids[uc] for (up, uc) in edges if uc in keep and up not in keep})
        for t in targets:
            lines.append(f'  "more" -> {_q(t)} [style=dotted, color="#9a3412"];')
        return lines

    def _emit_clusters(
        self, where: dict[tuple[str, ...], list[str]], op_rank: dict[tuple[str, ...], int], lines: list[str]
    ) -> None:
        """Nested ``subgraph cluster_N`` blocks, one per stage path."""
        children: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        paths = set()
        for place in where:
            for j in range(1, len(place) + 1):
                paths.add(place[:j])
        for p in sorted(paths, key=lambda p: (len(p), p)):
            children.setdefault(p[:-1], []).append(p)
        # clusters in the order of their first op (a layer's parameters may be reached early)
        rank: dict[tuple[str, ...], tuple[int, int]] = {}
        for k, place in enumerate(where):
            r = (op_rank.get(place, 1 << 60), k)
            for j in range(1, len(place) + 1):
                if r < rank.get(place[:j], (1 << 61, 0)):
                    rank[place[:j]] = r
        ordered_children = {parent: sorted(kids, key=rank.__getitem__) for parent, kids in children.items()}
        counter = [0]

        def emit(path: tuple[str, ...], indent: str) -> None:
            for stmt in where.get(path, ()):
                lines.append(indent + stmt)
            for kid in ordered_children.get(path, ()):
                counter[0] += 1
                label = self._label(kid) or kid[-1]
                lines.append(f"{indent}subgraph cluster_{counter[0]} {{")
                lines.append(f"{indent}  label={_q(label)}; {_CLUSTER.get(self._kind(kid), _CLUSTER[None])};")
                emit(kid, indent + "  ")
                lines.append(indent + "}")

        emit((), "  ")

    def _inputs_fields(self, mem: list[int]) -> list[str]:
        order = self.order
        labels = [order[i].label for i in mem if order[i].label]
        header = f"inputs ({len(mem)})"
        fields = [header]
        if labels and len(labels) == len(mem) and len(mem) <= 6:
            fields.append(", ".join(labels))
        if self.show_data:
            fields.append(self._values(mem))
        if self.show_grad:
            g = self._grad_text([], mem)
            if g:
                fields.append(g)
        return fields

    def _group_edge(self, a: str, b: str, srcs: list[int], level: str) -> str:
        """An edge between collapsed units, labelled with what flows along it."""
        order, kinds = self.order, self.kinds
        attrs = []
        data_srcs = [i for i in srcs if kinds[i] in (_OP, _INPUT)]
        if data_srcs:
            arrays = [order[i].data for i in data_srcs if isinstance(order[i].data, np.ndarray)]
            label = ""
            if arrays:
                shapes = []
                for arr in arrays:
                    s = _shape(arr)
                    if s not in shapes:
                        shapes.append(s)
                label = ", ".join(shapes[:3]) + (" …" if len(shapes) > 3 else "")
            elif level == "layer" and (a.startswith("g:") or b.startswith("g:")):
                label = self._width(data_srcs)
            if label:
                attrs.append(f"label={_q(label)}")
        g = self._grad_attrs(self._grad_mean(srcs), edge=True)
        if g:
            attrs.append(g[2:])
        return f"  {_q(a)} -> {_q(b)} [{', '.join(attrs)}];"

    def _width(self, srcs: list[int]) -> str:
        """How many scalars flow: per call when the sources are neurons called repeatedly."""
        neurons = set()
        for i in srcs:
            s = self.order[i].stage
            for j in range(len(s), 0, -1):
                if self._kind(s[:j]) == "neuron":
                    neurons.add(s[:j])
                    break
        n = len(srcs)
        if neurons and len(neurons) < n and n % len(neurons) == 0:
            return f"{len(neurons)} × {n // len(neurons)} calls"
        return str(n)

    # -- a scalar dot node drawn as its multiplies and adds -----------------------------
    def _expand(self, i: int, ids: dict[Any, str]) -> list[str]:
        n = self.order[i]
        terms = _dot_terms(n)
        ws = n._prev[:terms]
        xs = n._meta if n._meta else [x.data for x in n._prev[terms:]]
        xconst = bool(n._meta)
        g = n.grad if n.requires_grad else None
        m = self.mag(i)
        stmts = []
        uid = ids[i]
        acc = 0.0
        kind = self._kind_name(i)
        for k in range(terms):
            prod = ws[k].data * xs[k]
            acc = acc + prod if k else prod
            last_mul = terms == 1
            head = f"× {_const(xs[k])}" if xconst else "×"
            if last_mul:
                head = (n.label + " = " if n.label else "") + head
                stmts.append(self._node(uid, kind, self._vfields(head, prod, g), m))
            else:
                stmts.append(self._node(f"{uid}_m{k}", "intermediate", self._vfields(head, prod, g), m))
            if k >= 1:
                last = k == terms - 1
                head = "+ (w·x)" if last else "+"
                if last:
                    head = (n.label + " = " if n.label else "") + head
                    stmts.append(self._node(uid, kind, self._vfields(head, n.data, g), m))
                elif k >= 1:
                    stmts.append(self._node(f"{uid}_a{k}", "intermediate", self._vfields(head, acc, g), m))
        if terms == 0:
            stmts.append(self._node(uid, kind, self._vfields("w·x (0 terms)", n.data, g), m))
        return stmts

    def _vfields(self, header: str, data: float, grad: Any) -> list[str]:
        fields = [header]
        if self.show_data:
            fields.append("data " + _num(data))
        if self.show_grad and grad is not None:
            fields.append("grad " + _num(grad))
        return fields

    def _expand_edges(self, i: int, ids: dict[Any, str], drawn: set[Any]) -> list[str]:
        n = self.order[i]
        terms = _dot_terms(n)
        prev = self.prev[i]
        uid = ids[i]
        out = []
        ea = self._grad_attrs(self.mag(i), edge=True)[2:]

        def mul(k: int) -> str:
            return uid if terms == 1 else f"{uid}_m{k}"

        def add(k: int) -> str:
            return uid if k == terms - 1 else f"{uid}_a{k}"

        for k in range(terms):
            srcs = [prev[k]] if n._meta else [prev[k], prev[terms + k]]
            for p in srcs:
                if p in drawn:
                    out.append(f"  {_q(ids[p])} -> {_q(mul(k))} [{self._grad_attrs(self.mag(p), edge=True)[2:]}];")
            if k >= 1:
                left = mul(0) if k == 1 else add(k - 1)
                out.append(f"  {_q(left)} -> {_q(add(k))} [{ea}];")
                out.append(f"  {_q(mul(k))} -> {_q(add(k))} [{ea}];")
        return out

    # -- legend ---------------------------------------------------------------------------
    def _legend(self, kinds_seen: set[str]) -> list[str]:
        lines = ["  subgraph cluster_legend {", '    label="legend"; style="rounded"; color="#bbbbbb"; fontsize=10;']
        text = {
            "input": "input (leaf, no stage)",
            "parameter": "parameter (learned)",
            "constant": "constant",
            "intermediate": "result of an op",
            "group": "collapsed stage",
            "output": "output",
        }
        names = []
        for kind in ("input", "parameter", "constant", "intermediate", "group", "output"):
            if kind in kinds_seen:
                shape, fill, extra = _FILL[kind]
                name = f"legend:{kind}"
                names.append(name)
                lines.append(
                    f'    {_q(name)} [label="{_esc(text[kind], True)}", shape={shape}, fillcolor="{fill}"{extra}];'
                )
        if self.grad_view:
            for name, label, attrs in (
                ("legend:grad-large", "largest |grad|", self._grad_attrs(self.max_mag)),
                (
                    "legend:grad-small",
                    f"|grad| 1e-{int(_DECADES) - 1} × largest",
                    self._grad_attrs(self.max_mag * 10 ** -(_DECADES - 1)),
                ),
                (
                    "legend:grad-zero",
                    "zero grad (dead)",
                    self._grad_attrs(0.0).replace('style="dashed"', 'style="filled,dashed"'),
                ),
            ):
                names.append(name)
                lines.append(f'    {_q(name)} [label="{_esc(label, True)}", shape=Mrecord{attrs}];')
        for a, b in zip(names, names[1:]):
            lines.append(f"    {_q(a)} -> {_q(b)} [style=invis];")
        lines.append("  }")
        return lines if names else []


def _roots(root: Any) -> list[Any]:
    if hasattr(root, "_prev") and hasattr(root, "stage"):
        return [root]
    if isinstance(root, (list, tuple)):
        roots = list(root)
        if roots and all(hasattr(r, "_prev") and hasattr(r, "stage") for r in roots):
            return roots
    raise TypeError(f"draw_graph: expected a Value or Tensor (or a list of them), got {type(root).__name__}")


def draw_graph(
    root: Any,
    detail: str = "auto",
    show_data: bool = True,
    show_grad: bool = True,
    rankdir: str = "LR",
    max_nodes: int = 2000,
    legend: bool = True,
) -> Graph:
    """Draw the computation graph behind ``root``, grouped by stage.

    Parameters
    ----------
    root : Value, Tensor or list of them
        The output(s) whose graph to draw.
    detail : {"auto", "scalar", "neuron", "layer"}, default "auto"
        ``"scalar"``: every op (a neuron's ``dot`` drawn as its multiplies and
        adds); ``"neuron"``: one node per neuron (scalar engine) or processing
        step (tensor engine); ``"layer"``: one node per layer; ``"auto"``: the
        finest level with at most ``max_nodes`` nodes.
    show_data : bool, default True
        Show values (numbers, or shape and min/mean/max for tensors).
    show_grad : bool, default True
        Show gradients; after ``backward()`` also colour nodes and edges by
        gradient magnitude (log scale, dark red = large; dashed grey = zero).
    rankdir : {"LR", "TB", "RL", "BT"}, default "LR"
        Direction of the flow: inputs left, output right for "LR".
    max_nodes : int, default 2000
        Upper bound on drawn nodes.  If even "layer" detail (or the level
        asked for) needs more, the nodes nearest the output are kept and one
        note says how many were left out, so a render always stays bounded.
    legend : bool, default True
        Add a legend of the node kinds drawn (and of the gradient colours).

    Returns
    -------
    Graph
        ``.source`` (DOT), ``.render(path)``, ``.save(path)``, ``.pipe()``,
        notebook display; ``.detail`` is the level used, ``.num_nodes`` the
        nodes drawn and ``.counts`` the node count of each level measured.

    Examples
    --------
    >>> from autograd import Value, stage
    >>> from autograd.draw import draw_graph
    >>> x = Value(3.0, label="x")        # an input: a leaf outside any stage
    >>> with stage("neuron 0", kind="neuron"):
    ...     w = Value(0.5, label="w")    # a parameter: a leaf in its owner's stage
    ...     y = (w * x + 1.0).relu()
    >>> y.backward()
    >>> g = draw_graph(y, detail="scalar")
    >>> g.num_nodes, "+ 1" in g.source, "subgraph cluster_1" in g.source
    (5, True, True)
    >>> draw_graph(y, detail="neuron").num_nodes   # x, and the neuron as one node
    2
    """
    if detail not in ("auto",) + DETAILS:
        raise ValueError(f"draw_graph: detail must be 'auto', 'scalar', 'neuron' or 'layer'; got {detail!r}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'TB', 'RL' or 'BT'; got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive int; got {max_nodes!r}")
    drawing = _Drawing(_roots(root), show_data, show_grad, rankdir, legend)
    counts: dict[str, int] = {}
    if detail == "auto":
        level = DETAILS[-1]
        for lv in DETAILS:
            counts[lv] = drawing.count(lv)
            if counts[lv] <= max_nodes and drawing.spread(lv) <= SPREAD_PER_NODE * max_nodes:
                level = lv
                break
    else:
        level = detail
    source, n_drawn, left_out = drawing.build(level, max_nodes)
    counts.setdefault(level, n_drawn + left_out)
    g = Graph(source, detail=level, num_nodes=n_drawn, truncated=left_out)
    g.counts = counts
    return g


def draw_dot(root: Any, format: str = "svg", rankdir: str = "LR") -> Graph:
    """micrograd's ``draw_dot``: every operation, with data and grad.

    The same picture as ``draw_graph(root, detail="scalar", legend=False)``
    (so at most 2000 nodes are drawn); ``format`` is the default format of
    :meth:`Graph.render`.

    Examples
    --------
    >>> from autograd import Value
    >>> from autograd.draw import draw_dot
    >>> x = Value(2.0, label="x")
    >>> y = x * x + 1
    >>> y.backward()
    >>> dot = draw_dot(y)
    >>> dot.num_nodes, "grad 4" in dot.source
    (3, True)
    """
    _check_format(format)
    g = draw_graph(root, detail="scalar", rankdir=rankdir, legend=False)
    g.format = format
    return g
