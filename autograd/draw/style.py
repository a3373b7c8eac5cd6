"""Colours and shapes: node kinds, stage clusters, the gradient-magnitude scale and the legend.

Colours that carry a meaning come from :mod:`autograd.palette`: gradient
magnitude is its purple :data:`~autograd.palette.GRADIENT_RAMP` (light: small,
dark: large), parts that get no gradient are :data:`~autograd.palette.MUTED`.
Node fills only tell kinds apart and use none of the palette's meanings
(orange, blue, purple).
"""

from __future__ import annotations

import math

from ..palette import GRADIENT_RAMP, MUTED
from .text import quote

# fmt: off
FILL = {                       # kind -> (fill colour, extra attributes); every node is a box
    "input":        ("#fffbe6", ""),                                  # cream: data coming in
    "parameter":    ("#fde047", ", peripheries=2"),                   # yellow, double border: learned
    "constant":     ("#eeeeee", ", fontcolor=\"#555555\""),
    "intermediate": ("#ffffff", ""),                                  # white: made by an op
    "output":       ("#bbf7d0", ""),                                  # green: the root
    "group":        ("#f5f5f4", ""),                                  # stone: a collapsed stage
}
CLUSTER = {                    # stage kind -> cluster attributes
    "model":  'style="rounded"; color="#44403c"; penwidth=1.4; fontsize=13',
    "layer":  'style="rounded,filled"; fillcolor="#fafaf9"; color="#57534e"; fontsize=12',
    "neuron": 'style="rounded,filled"; fillcolor="#ffffff"; color="#a8a29e"; fontsize=10',
    "step":   'style="dashed"; color="#a3a3a3"; fontsize=9',
    "loss":   'style="rounded,filled,bold"; fillcolor="#f0fdf4"; color="#166534"; fontsize=12',
    None:     'style="rounded"; color="#888888"; fontsize=11',
}
RAMP = GRADIENT_RAMP[2:]       # the purple ramp without its two faintest shades (too light for a border)
DECADES = 6.0                  # magnitudes this many powers of ten below the largest look faintest
FADED = ("#c8c8c8", MUTED)     # border/edge colour and font colour of parts that get no gradient
NAN_COLOUR = "#dc2626"         # red: a nan gradient (an error, not a size)
# fmt: on
FONT = "Helvetica,Arial,sans-serif"
LEGEND_ROWS = 6  # entries per column of the legend's node kinds (the |grad| scale is one column, largest on top)
_SWATCH = "height=0.22, width=0.75, margin=0.02, fontsize=8"  # a small box of the |grad| scale
# the graph, node and edge defaults of every drawing (DOT attribute values, unquoted)
GRAPH = {
    "newrank": "true",
    "fontname": FONT,
    "fontsize": "12",
    "nodesep": "0.15",
    "ranksep": "0.3",
    "outputorder": "edgesfirst",
    "remincross": "false",  # NOTE: dot's last crossing pass would undo the neuron order (see autograd.draw.order)
}
NODE = {
    "shape": "box",
    "style": "rounded,filled",
    "fillcolor": "#ffffff",
    "color": "#444444",
    "fontname": FONT,
    "fontsize": "10",
    "height": "0.3",
    "margin": "0.06,0.03",
}
EDGE = {"color": "#666666", "arrowsize": "0.6", "fontname": FONT, "fontsize": "8", "fontcolor": "#555555"}
# added to GRAPH for big drawings: trades beauty for layout speed
FAST_LAYOUT = {"nslimit": "1", "nslimit1": "1", "mclimit": "0.1", "splines": "line", "remincross": "false"}

# Legend entries, in the order they are listed.
_LEGEND_TEXT = {
    "input": "input",
    "parameter": "parameter",
    "constant": "constant",
    "intermediate": "op result",
    "group": "stage (collapsed)",
    "output": "output",
}


def node_style(kind: str) -> str:
    """The fill (and extra attributes) of a node of ``kind``, with a leading ``, ``.

    >>> node_style("parameter")
    ', fillcolor="#fde047", peripheries=2'
    """
    fill, extra = FILL[kind]
    return f', fillcolor="{fill}"{extra}'


def cluster_attrs(kind: str | None) -> str:
    """The attributes of a stage's cluster, by the stage's kind."""
    return CLUSTER.get(kind, CLUSTER[None])


def grad_level(m: float, max_mag: float) -> float:
    """Where ``m`` sits on the log scale from ``max_mag`` 10^-DECADES (0) to ``max_mag`` (1).

    >>> grad_level(1.0, 1.0), grad_level(0.001, 1.0), grad_level(1e-9, 1.0)
    (1.0, 0.5, 0.0)
    """
    if m == math.inf:
        return 1.0
    return max(0.0, min(1.0, 1.0 + math.log10(m / max_mag) / DECADES))


def grad_attrs(m: float | None, max_mag: float, edge: bool = False) -> str:
    """Colour and width for gradient magnitude ``m`` against the largest, ``max_mag`` (faded when zero)."""
    if m is None:
        return ""
    if m != m:  # nan: flag it
        return f', color="{NAN_COLOUR}", penwidth=3, style="bold"' if edge else f', color="{NAN_COLOUR}", penwidth=3'
    if m == 0:
        return f', color="{FADED[0]}", style="dashed"' + ("" if edge else f', fontcolor="{FADED[1]}"')
    t = grad_level(m, max_mag)
    color = RAMP[int(round(t * (len(RAMP) - 1)))]
    width = (0.6 + 2.0 * t) if edge else (1.0 + 1.5 * t)
    return f', color="{color}", penwidth={width:.2f}'


def legend(kinds_seen: set[str], max_mag: float | None, rankdir: str = "LR") -> list[str]:
    """The legend: the node kinds drawn and, unless ``max_mag`` is None, the |grad| scale, in short columns.

    The gradient scale shows the border colour at the largest magnitude drawn
    and at 100, 10,000 and a million times less, with those numbers, then "0",
    in one column of small boxes read top to bottom under its heading.  The
    node kinds stand in columns of at most :data:`LEGEND_ROWS`.  Each column is
    one ``rank=same`` group, so the legend is a small block of a few of the
    picture's columns, not a row across all of them.
    """
    lines = ["  subgraph cluster_legend {", '    label="legend"; style="rounded"; color="#bbbbbb"; fontsize=9;']
    kinds = []
    for kind, text in _LEGEND_TEXT.items():
        if kind in kinds_seen:
            name = f"legend:{kind}"
            kinds.append(name)
            lines.append(f"    {quote(name)} [label={quote(text)}{node_style(kind)}, height=0.3, fontsize=9];")
    if max_mag is not None:
        grads = ["legend:grad"]
        lines.append('    "legend:grad" [label="border: |grad|", shape=plaintext, style="", fontsize=9];')
        for k, power in enumerate((0, 2, 4, 6)):
            m = max_mag * 10.0**-power
            name = f"legend:grad{k}"
            grads.append(name)
            attrs = grad_attrs(m, max_mag)
            lines.append(f'    {quote(name)} [label="{m:.2g}", fillcolor="#ffffff"{attrs}, {_SWATCH}];')
        grads.append("legend:grad-zero")
        attrs = grad_attrs(0.0, max_mag).replace('style="dashed"', 'style="rounded,filled,dashed"')
        lines.append(f'    "legend:grad-zero" [label="0 (none)", fillcolor="#ffffff"{attrs}, {_SWATCH}];')
    columns = [kinds[k : k + LEGEND_ROWS] for k in range(0, len(kinds), LEGEND_ROWS)]
    if max_mag is not None:
        columns.append(grads)
    for column in columns:
        ids = column[::-1] if rankdir in ("LR", "RL") else column  # first on top (see autograd.draw.order)
        nodes = " ".join(quote(i) + ";" for i in ids)
        chain = (" " + " -> ".join(quote(i) for i in ids) + " [style=invis];") if len(ids) > 1 else ""
        lines.append(f"    {{ rank=same; {nodes}{chain} }}")
    for a, b in zip(columns, columns[1:]):
        lines.append(f"    {quote(a[0])} -> {quote(b[0])} [style=invis];")
    lines.append("  }")
    return lines if columns else []
