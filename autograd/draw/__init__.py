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

``"auto"`` picks the level from the size of the picture: the finest with at
most 150 nodes, 60 at ``"scalar"`` (else the finest under ``max_nodes``).

Each node shows a line or two (name or op, a tensor's shape, one number); the
rest (dtype, min/mean/max, gradients) is its tooltip.  The layers stand in one
row, the neurons of a layer in index order (:mod:`~autograd.draw.order`), a
stage of kind ``"loss"`` has a box of its own, and gradient size is the purple
scale of :mod:`autograd.palette` with a legend that prints its numbers.

Building the DOT text is pure string work and needs no program.  Turning it
into a picture (:meth:`Graph.render`, :meth:`Graph.pipe`, notebook display)
runs Graphviz's ``dot`` with a timeout.

What is read from a node: ``op`` (a row of :data:`autograd.ops.OPS`, or None
for a leaf), ``_prev``, ``_meta``, ``stage``, ``data``, ``grad``, ``label`` and
``requires_grad``, plus the stage registry (:func:`autograd.stage_label`,
:func:`autograd.stage_kind`).  Nothing else: the renderer knows no layer class.
Values of other libraries with micrograd's attributes (``data``, ``grad``,
``_prev``, ``_op``) are mirrored into such nodes first (:mod:`~autograd.draw.foreign`).
:func:`draw_graph` returns a :class:`Graph`; :func:`draw_dot`, micrograd's
function, returns a ``graphviz.Digraph`` holding the same DOT text.

The package, one step per module: :mod:`~autograd.draw.index` collects the
graph (:mod:`~autograd.draw.foreign` mirrors other libraries' values),
:mod:`~autograd.draw.plan` picks the detail level and what collapses,
:mod:`~autograd.draw.emit` writes the DOT text (with :mod:`~autograd.draw.fields`
for the text inside nodes, :mod:`~autograd.draw.order` for where nodes sit,
:mod:`~autograd.draw.style` for colours and
:mod:`~autograd.draw.text` for quoting; how an op is shown is read from its row,
:meth:`autograd.ops.Op.text`), :mod:`~autograd.draw.drawing` holds the two functions, and
:mod:`~autograd.draw.render` runs Graphviz.
"""

from .drawing import draw_dot, draw_graph
from .emit import FAST_LAYOUT_NODES, FAST_LAYOUT_SPREAD
from .plan import DETAILS
from .render import DEFAULT_TIMEOUT, DISPLAY_TIMEOUT, FORMATS, INSTALL_HINT, Graph, GraphvizError, GraphvizNotFound

__all__ = [
    "draw_graph",
    "draw_dot",
    "Graph",
    "GraphvizError",
    "GraphvizNotFound",
    "DETAILS",
    # settings that were module constants of the single-file renderer, still readable here
    "FORMATS",
    "DEFAULT_TIMEOUT",
    "DISPLAY_TIMEOUT",
    "INSTALL_HINT",
    "FAST_LAYOUT_NODES",
    "FAST_LAYOUT_SPREAD",
]
