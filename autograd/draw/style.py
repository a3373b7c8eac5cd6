"""Colours and shapes: node kinds, stage clusters, the gradient-magnitude ramp and the legend."""

from __future__ import annotations

import math

from .text import escape, quote

# fmt: off
FILL = {                       # kind -> (shape, fill colour, extra attributes)
    "input":        ("record",  "#dbeafe", ""),                       # blue box
    "parameter":    ("record",  "#fde68a", ", peripheries=2"),        # amber, double border: learned
    "constant":     ("record",  "#eeeeee", ", fontcolor=\"#555555\""),
    "intermediate": ("Mrecord", "#ffffff", ""),                       # rounded: made by an op
    "output":       ("Mrecord", "#bbf7d0", ""),                       # green: the root
    "group":        ("Mrecord", "#ede9fe", ""),                       # violet: collapsed stage
}
CLUSTER = {                    # stage kind -> cluster attributes
    "model":  'style="rounded"; color="#4b5563"; penwidth=1.4; fontsize=13',
    "layer":  'style="rounded,filled"; fillcolor="#eef2ff"; color="#6366f1"; fontsize=12',
    "neuron": 'style="rounded,filled"; fillcolor="#fafafa"; color="#94a3b8"; fontsize=11',
    "step":   'style="dashed"; color="#a3a3a3"; fontsize=10',
    None:     'style="rounded"; color="#888888"; fontsize=11',
}
# gradient magnitude, small to large (log scale): light to dark red
RAMP = ("#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d")
DECADES = 6.0                  # magnitudes this many powers of ten below the largest look faintest
FADED = ("#c8c8c8", "#9a9a9a")   # border/edge colour and font colour of zero-gradient parts
# fmt: on
FONT = "Helvetica,Arial,sans-serif"
# the graph, node and edge defaults of every drawing (DOT attribute values, unquoted)
GRAPH = {
    "newrank": "true",
    "fontname": FONT,
    "fontsize": "12",
    "nodesep": "0.18",
    "ranksep": "0.35",
    "outputorder": "edgesfirst",
}
NODE = {
    "shape": "Mrecord",
    "style": "filled",
    "fillcolor": "#ffffff",
    "color": "#444444",
    "fontname": FONT,
    "fontsize": "10",
    "height": "0.3",
}
EDGE = {"color": "#666666", "arrowsize": "0.6", "fontname": FONT, "fontsize": "9"}
# added to GRAPH for big drawings: trades beauty for layout speed
FAST_LAYOUT = {"nslimit": "1", "nslimit1": "1", "mclimit": "0.1", "splines": "line", "remincross": "false"}

# Legend entries, in the order they are listed.
_LEGEND_TEXT = {
    "input": "input (leaf, no stage)",
    "parameter": "parameter (learned)",
    "constant": "constant",
    "intermediate": "result of an op",
    "group": "collapsed stage",
    "output": "output",
}


def cluster_attrs(kind: str | None) -> str:
    """The attributes of a stage's cluster, by the stage's kind."""
    return CLUSTER.get(kind, CLUSTER[None])


def grad_attrs(m: float | None, max_mag: float, edge: bool = False) -> str:
    """Colour and width for gradient magnitude ``m`` against the largest, ``max_mag`` (faded when zero)."""
    if m is None:
        return ""
    if m != m:  # nan: flag it
        return ', color="#7e22ce", penwidth=3, style="bold"' if edge else ', color="#7e22ce", penwidth=3'
    if m == 0:
        return f', color="{FADED[0]}", style="dashed"' + ("" if edge else f', fontcolor="{FADED[1]}"')
    t = 1.0 if m == math.inf else max(0.0, min(1.0, 1.0 + math.log10(m / max_mag) / DECADES))
    color = RAMP[int(round(t * (len(RAMP) - 1)))]
    width = (0.6 + 2.4 * t) if edge else (1.0 + 1.5 * t)
    return f', color="{color}", penwidth={width:.2f}'


def legend(kinds_seen: set[str], max_mag: float | None) -> list[str]:
    """The legend cluster: the node kinds drawn, and the gradient colours unless ``max_mag`` is None."""
    lines = ["  subgraph cluster_legend {", '    label="legend"; style="rounded"; color="#bbbbbb"; fontsize=10;']
    names = []
    for kind, text in _LEGEND_TEXT.items():
        if kind in kinds_seen:
            shape, fill, extra = FILL[kind]
            name = f"legend:{kind}"
            names.append(name)
            lines.append(f'    {quote(name)} [label="{escape(text, True)}", shape={shape}, fillcolor="{fill}"{extra}];')
    if max_mag is not None:
        for name, label, attrs in (
            ("legend:grad-large", "largest |grad|", grad_attrs(max_mag, max_mag)),
            (
                "legend:grad-small",
                f"|grad| 1e-{int(DECADES) - 1} × largest",
                grad_attrs(max_mag * 10 ** -(DECADES - 1), max_mag),
            ),
            (
                "legend:grad-zero",
                "zero grad (dead)",
                grad_attrs(0.0, max_mag).replace('style="dashed"', 'style="filled,dashed"'),
            ),
        ):
            names.append(name)
            lines.append(f'    {quote(name)} [label="{escape(label, True)}", shape=Mrecord{attrs}];')
    for a, b in zip(names, names[1:]):
        lines.append(f"    {quote(a)} -> {quote(b)} [style=invis];")
    lines.append("  }")
    return lines if names else []
