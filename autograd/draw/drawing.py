"""The drawing functions: :func:`draw_graph` collects, plans and writes one graph; :func:`draw_dot` is micrograd's."""

from __future__ import annotations

from typing import Any

from .emit import Emitter
from .index import GraphIndex, roots_of
from .plan import DETAILS, Planner
from .render import Graph, check_format


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
    planner = Planner(GraphIndex(roots_of(root)))
    level, counts = planner.choose(detail, max_nodes)
    plan, drawn, left_out = planner.select(level, max_nodes)
    source, n_drawn = Emitter(planner, show_data, show_grad, rankdir, legend).build(plan, drawn, left_out)
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
    check_format(format)
    g = draw_graph(root, detail="scalar", rankdir=rankdir, legend=False)
    g.format = format
    return g
