"""``draw_network``: the classic picture of a neural network, from a model's weights.

Columns of neuron circles (input layer, hidden layers, output layer), one
directed edge per weight, coloured by sign with :mod:`autograd.palette`'s code
(blue positive, orange negative) and drawn wider and more opaque for larger
magnitudes.  Between wide layers (more than :data:`DENSE_EDGES` weights) only
each neuron's few largest weights are drawn, translucent, so that the edges do
not become a tangle; the caption says so.
Each layer's title names its activation; each circle holds its neuron's bias.
Neurons are drawn in index order, top to bottom (first at the top).  Layers
wider than ``max_width`` are summarised: their first and last neurons are drawn
and an ellipsis node stands for the rest.
"""

from __future__ import annotations

import numpy as np

from autograd import Graph
from autograd.palette import NEGATIVE, POSITIVE

from .activations import Activation, Identity
from .module import Module

__all__ = ["draw_network"]

#: Layers with more weights than this between them get translucent edges (opacity follows |w|),
#: and only each neuron's ``strongest`` largest |w| inputs (see :func:`draw_network`).
DENSE_EDGES = 48
#: Cluster padding in points around the circles.  NOTE: it does not widen a box for its title: a title wider
#: than its column of circles gets 8 pt each side of Graphviz's measure of it, whatever the margin (measured).
CLUSTER_MARGIN = 16


def _layers(model: Module) -> list[tuple[Module, Activation]]:
    """``(layer, activation)`` pairs in order: Linear/Layer modules and what follows them."""
    out: list[tuple[Module, Activation]] = []
    for m in model.modules():
        if isinstance(m, Activation) and out and type(out[-1][1]) is Identity:
            out[-1] = (out[-1][0], m)  # Sequential(Linear, ReLU): the ReLU is that layer's activation
        elif hasattr(m, "get_weights") and m.kind == "layer":
            out.append((m, getattr(m, "activation", None) or Identity()))
    if not out:
        raise ValueError(f"draw_network: {type(model).__name__} has no Linear or Layer with weights to draw")
    return out


def _shown(n: int, max_width: int) -> list[int | None]:
    """Indices of the neurons to draw; None marks the ellipsis of a summarised layer."""
    if n <= max_width:
        return list(range(n))
    head = max_width // 2
    tail = max_width - head - 1
    return list(range(head)) + [None] + list(range(n - tail, n))


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _order(ids: list[str], rankdir: str) -> str:
    """A ``rank=same`` group that keeps ``ids`` in this order (first on top for LR, first on the left for TB)."""
    if len(ids) < 2:
        return ""
    chain = ids[::-1] if rankdir in ("LR", "RL") else ids  # NOTE: dot lays out TB and turns LR; see autograd.draw.order
    return f"  {{ rank=same; {' -> '.join(chain)} [style=invis]; }}"


def draw_network(
    model: Module, max_width: int = 20, rankdir: str = "LR", show_bias: bool = True, strongest: int | None = 3
) -> Graph:
    """Draw ``model`` as columns of neurons joined by one edge per weight.

    Parameters
    ----------
    model : nn.Module
        An MLP, Linear, Layer or Sequential, on either engine.
    max_width : int
        Layers wider than this are summarised (first and last neurons plus an
        ellipsis in between); 20 circles keep the picture about a screen high.
    rankdir : {"LR", "TB"}
        Left to right (input on the left) or top to bottom.
    show_bias : bool
        Print each neuron's bias under its activation.
    strongest : int or None, default 3
        Between layers joined by more than :data:`DENSE_EDGES` weights, draw
        only each neuron's ``strongest`` inputs of largest ``|w|`` (None: every
        weight, a tangle between wide layers).

    Returns
    -------
    autograd.draw.Graph
        ``.source`` (DOT), ``.render(path)``, ``.save(path)``, notebook display.

    Examples
    --------
    >>> from nn import MLP
    >>> g = draw_network(MLP(2, [3, 1], seed=0))
    >>> g.num_nodes  # 2 inputs + 3 hidden + 1 output
    6
    >>> g.source.count('tooltip="w = ')  # one edge per weight: 2*3 + 3*1
    9
    """
    if not isinstance(model, Module):
        raise TypeError(f"draw_network: expected an nn.Module, got {type(model).__name__}")
    if not isinstance(max_width, int) or max_width < 3:
        raise ValueError(f"draw_network: max_width must be an int >= 3, got {max_width!r}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_network: rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    if strongest is not None and (not isinstance(strongest, int) or isinstance(strongest, bool) or strongest < 1):
        raise ValueError(f"draw_network: strongest must be a positive int or None, got {strongest!r}")
    layers = _layers(model)
    weights = [layer.get_weights() for layer, _ in layers]  # type: ignore[attr-defined]
    nin = weights[0][0].shape[0]
    scale = max(float(np.abs(W).max()) for W, _ in weights) or 1.0
    title = model.describe() if hasattr(model, "describe") else type(model).__name__
    widths = [len(_shown(nin, max_width))] + [len(_shown(W.shape[1], max_width)) for W, _ in weights]
    any_dense = any(a * b > DENSE_EDGES for a, b in zip(widths, widths[1:]))
    caption = ["edge: weight w (blue w > 0, orange w < 0; wider: larger |w|); circle: neuron index and bias b"]
    if any_dense:
        caption.append(
            "between wide layers, fainter: smaller |w|"
            + ("" if strongest is None else f"; only each neuron's {strongest} largest |w| drawn")
        )
    lines = [
        "digraph network {",
        f'  graph [rankdir={rankdir}, splines=line, nodesep=0.1, ranksep=1.3, fontname="Helvetica", fontsize=11, '
        f'remincross=false, label="{_esc(chr(10).join([title, *caption]))}", labelloc=t];',
        '  node [shape=circle, fixedsize=true, width=0.6, fontsize=8, fontname="Helvetica", style=filled];',
        "  edge [arrowsize=0.3];",
    ]
    count = 0
    columns: list[list[tuple[str, int | None]]] = []
    # input column
    col: list[tuple[str, int | None]] = []
    lines.append(
        f'  subgraph cluster_input {{ label="input layer"; style=rounded; color="#a0aec0"; margin={CLUSTER_MARGIN};'
    )
    for i in _shown(nin, max_width):
        if i is None:
            lines.append(f'    in_more [label="⋮\\n{nin - max_width + 1} more", shape=plaintext, style=""];')
            col.append(("in_more", None))
        else:
            lines.append(f'    in_{i} [label="x{i}", fillcolor="#fffbe6"];')
            col.append((f"in_{i}", i))
            count += 1
    lines.append(_order([c for c, _ in col], rankdir))  # the ellipsis between first and last
    lines.append("  }")
    columns.append(col)
    for k, ((layer, act), (W, b)) in enumerate(zip(layers, weights)):
        nout = W.shape[1]
        last = k == len(layers) - 1
        title = layer.describe() if hasattr(layer, "describe") else f"layer {k + 1}"
        role = "output layer" if last else "hidden layer"
        act_name = "linear" if type(act) is Identity else act.describe()
        lines.append(
            f'  subgraph cluster_l{k} {{ label="{_esc(title)}\\n({role}, {_esc(act_name)})"; style=rounded; '
            f'color="#a8a29e"; margin={CLUSTER_MARGIN};'
        )
        col = []
        for j in _shown(nout, max_width):
            if j is None:
                lines.append(f'    l{k}_more [label="⋮\\n{nout - max_width + 1} more", shape=plaintext, style=""];')
                col.append((f"l{k}_more", None))
                continue
            text = f"{j}\\nb {b[j]:+.2f}" if show_bias else f"{j}"
            fill = "#bbf7d0" if last else "#f5f5f4"
            lines.append(
                f'    l{k}_{j} [label="{text}", fillcolor="{fill}", '
                f'tooltip="{_esc(title)}, neuron {j}: {_esc(act_name)}(w·x + b), b = {b[j]:.4g}"];'
            )
            col.append((f"l{k}_{j}", j))
            count += 1
        lines.append(_order([c for c, _ in col], rankdir))
        lines.append("  }")
        pairs = [(src, i, dst, j) for src, i in columns[-1] for dst, j in col if i is not None and j is not None]
        dense = len(pairs) > DENSE_EDGES
        if dense and strongest is not None:  # each neuron's largest |w| inputs, in the order written
            kept: set[int] = set()
            for dst, j in col:
                ins = [(abs(float(W[i, j])), n) for n, (_, i, d, _) in enumerate(pairs) if d == dst]
                kept.update(n for _, n in sorted(ins, key=lambda t: -t[0])[:strongest])
            pairs = [p for n, p in enumerate(pairs) if n in kept]
        for src, i, dst, j in pairs:
            w = float(W[i, j])
            t = abs(w) / scale
            width = 0.3 + 3.2 * t
            colour = POSITIVE if w >= 0 else NEGATIVE
            if dense:  # many edges: the small weights fade out, the large ones stay visible
                colour += f"{round(255 * (0.12 + 0.88 * t)):02x}"
            lines.append(f'  {src} -> {dst} [color="{colour}", penwidth={width:.2f}, tooltip="w = {w:.4g}"];')
        columns.append(col)
    lines.append("}")
    graph = Graph("\n".join(lines) + "\n", detail="network", num_nodes=count)
    return graph
