"""The drawing functions: :func:`draw_graph` collects, plans and writes one graph; :func:`draw_dot` is micrograd's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .emit import DotText, Emitter
from .index import GraphIndex, roots_of
from .plan import DETAILS, Planner
from .render import Graph

if TYPE_CHECKING:
    import graphviz


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
    root : Value, Tensor, micrograd-style value, or a list of them
        The output(s) whose graph to draw: layergrad nodes, or values of any
        library with micrograd's attributes (``data``, ``grad``, ``_prev``,
        ``_op``; ``label`` if present), such as micrograd's own ``Value``.
    detail : {"auto", "scalar", "neuron", "layer"}, default "auto"
        ``"scalar"``: every op (a neuron's ``dot`` drawn as its multiplies and
        adds); ``"neuron"``: one node per neuron (scalar engine) or processing
        step (tensor engine, which has no node per neuron; the picture says so);
        ``"layer"``: one node per layer; ``"auto"``: picked from the picture's
        size, the finest level with at most 150 nodes (60 at ``"scalar"``,
        whose boxes are bigger), else the finest with at most ``max_nodes``.
    show_data : bool, default True
        Show values (a number, or a tensor's mean; min/mean/max in the tooltip).
    show_grad : bool, default True
        Show gradients; after ``backward()`` also colour node borders and edges
        by gradient magnitude (log scale on :data:`autograd.palette.GRADIENT_RAMP`:
        dark purple = large; dashed grey = zero; the legend prints the numbers).
    rankdir : {"LR", "TB", "RL", "BT"}, default "LR"
        Direction of the flow: inputs left, output right for "LR".
    max_nodes : int, default 2000
        Upper bound on drawn nodes.  If even "layer" detail (or the level
        asked for) needs more, the nodes nearest the output are kept and one
        note says how many were left out, so a render always stays bounded.
    legend : bool, default True
        Add a compact legend of the node kinds drawn (and of the gradient colours, with numbers).

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
    text, info = _draw(root, detail, show_data, show_grad, rankdir, max_nodes, legend, "draw_graph")
    g = Graph(text.source, detail=info[0], num_nodes=info[1], truncated=info[2])
    g.counts = info[3]
    return g


def _draw(
    root: Any,
    detail: str,
    show_data: bool,
    show_grad: bool,
    rankdir: str,
    max_nodes: int,
    legend: bool,
    where: str,
) -> tuple[DotText, tuple[str, int, int, dict[str, int]]]:
    """Collect, plan and write one drawing: its DOT text and (level, nodes drawn, left out, counts)."""
    if detail not in ("auto",) + DETAILS:
        raise ValueError(f"{where}: detail must be 'auto', 'scalar', 'neuron' or 'layer'; got {detail!r}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"{where}: rankdir must be 'LR', 'TB', 'RL' or 'BT'; got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"{where}: max_nodes must be a positive int; got {max_nodes!r}")
    planner = Planner(GraphIndex(roots_of(root, where)))
    level, counts = planner.choose(detail, max_nodes)
    plan, drawn, left_out = planner.select(level, max_nodes)
    text, n_drawn = Emitter(planner, show_data, show_grad, rankdir, legend).build(plan, drawn, left_out)
    counts.setdefault(level, n_drawn + left_out)
    return text, (level, n_drawn, left_out, counts)


def draw_dot(
    root: Any,
    format: str = "svg",
    rankdir: str = "LR",
    *,
    detail: str = "scalar",
    max_nodes: int = 2000,
    show_data: bool = True,
    show_grad: bool = True,
    legend: bool = False,
) -> graphviz.Digraph:
    """micrograd's ``draw_dot``: every operation, with data and grad, as a ``graphviz.Digraph``.

    The same signature and result type as micrograd's: the ``graphviz``
    package's ``Digraph``, so ``dot.render("gout", view=True)``,
    ``dot.view()``, ``dot.pipe()``, notebook display, ``dot.node(...)``,
    ``dot.edge(...)``, ``dot.attr(...)`` and the rest work as in micrograd.
    The picture is layergrad's (:func:`draw_graph` at ``"scalar"`` detail
    without a legend): stage boxes, gradient colours, at most ``max_nodes``
    nodes; the keyword arguments after ``rankdir`` are :func:`draw_graph`'s.
    Its default attributes are in ``dot.graph_attr``, ``dot.node_attr`` and
    ``dot.edge_attr``, its statements in ``dot.body``.

    ``root`` may be a layergrad Value or Tensor, or a value of any library
    with micrograd's attributes (``data``, ``grad``, ``_prev``, ``_op`` and,
    if present, ``label``), micrograd's own included.

    Parameters
    ----------
    root : Value, Tensor, micrograd-style value, or a list of them
        The output(s) whose graph to draw.
    format : str, default "svg"
        The Digraph's output format (any format Graphviz knows).
    rankdir : {"LR", "TB", "RL", "BT"}, default "LR"
        Direction of the flow.
    detail, max_nodes, show_data, show_grad, legend :
        As in :func:`draw_graph` (``detail="auto"`` collapses a big graph
        into neurons or layers instead of leaving nodes out).

    Returns
    -------
    graphviz.Digraph

    Examples
    --------
    >>> from autograd import Value
    >>> from autograd.draw import draw_dot
    >>> x = Value(2.0, label="x")
    >>> y = x * x + 1
    >>> y.backward()
    >>> dot = draw_dot(y)
    >>> type(dot).__name__, dot.format, dot.graph_attr["rankdir"], "grad 4" in dot.source
    ('Digraph', 'svg', 'LR', True)
    >>> dot.node("note", "y = x² + 1")           # graphviz's own methods
    >>> dot.edge("note", "n2")
    >>> dot.body[-1].strip()
    'note -> n2'
    """
    import graphviz  # NOTE: lazy: `import autograd` must stay fast

    text, _ = _draw(root, detail, show_data, show_grad, rankdir, max_nodes, legend, "draw_dot")
    return graphviz.Digraph(
        name=text.name,
        format=format,
        graph_attr=text.graph_attr,
        node_attr=text.node_attr,
        edge_attr=text.edge_attr,
        body=[line + "\n" for line in text.body],
    )
