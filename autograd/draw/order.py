"""Where nodes sit: inputs first, outputs last, parameters beside their op, neurons in index order.

Graphviz's ``dot`` puts nodes in columns (*ranks*, left to right for
``rankdir=LR``) and chooses their order inside a column itself, to save edge
crossings; left alone it draws neuron 8 above neuron 0.  These statements pin
what a reader expects:

- inputs in the first column, in argument order, and the output(s) in the last;
- every parameter or constant in the column of the op that uses it (so a
  layer's box does not reach back into the previous layer's column, which made
  the layer boxes a staircase);
- the neurons of each layer in index order, top to bottom (``rankdir=LR``) or
  left to right (``rankdir=TB``): an invisible chain of edges inside a
  ``rank=same`` group, which ``dot`` keeps in order.
"""

from __future__ import annotations

import re
from typing import Any

from .index import CONST, INPUT, PARAM, GraphIndex
from .plan import Plan
from .text import quote

_NUMBER = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key that puts "neuron 2" before "neuron 10".

    >>> sorted(["neuron 10", "neuron 2", "neuron 1"], key=natural_key)
    ['neuron 1', 'neuron 2', 'neuron 10']
    """
    return tuple(int(p) if p.isdigit() else p for p in _NUMBER.split(name))


def chain(ids: list[str], rank: str = "same", rankdir: str = "TB") -> str:
    """One ``rank=`` group holding ``ids`` in this order (an invisible edge between neighbours).

    ``dot`` lays out top to bottom and turns the picture for ``rankdir=LR``,
    which puts the first of a row at the bottom: the chain is reversed there so
    that ``ids[0]`` is drawn on top.

    >>> chain(["a", "b"], rankdir="LR")
    '  { rank=same; "b"; "a"; "b" -> "a" [style=invis]; }'
    """
    if rankdir in ("LR", "RL"):
        ids = ids[::-1]
    nodes = " ".join(quote(i) + ";" for i in ids)
    if len(ids) < 2:
        return f"  {{ rank={rank}; {nodes} }}"
    edges = " -> ".join(quote(i) for i in ids)
    return f"  {{ rank={rank}; {nodes} {edges} [style=invis]; }}"


def order_lines(
    index: GraphIndex, plan: Plan, drawn: set[Any], ids: dict[Any, str], anchors: dict[str, str], rankdir: str
) -> list[str]:
    """The ``rank`` statements of one drawing.

    ``anchors`` maps the id of every drawn leaf to the id of the first op it
    feeds (as the edges were written).  The orders pinned hold only if the graph
    is laid out with ``remincross=false`` (the last pass of ``dot``'s crossing
    reduction ignores them; see :data:`~autograd.draw.style.GRAPH`).
    """
    unit, kinds, roots = plan.unit, index.kinds, index.roots
    lines: list[str] = []
    firsts = [
        ids[u]
        for u in plan.first
        if u in drawn and (type(u) is tuple and u[0] == "i" or type(u) is int and kinds[u] == INPUT)
    ]
    firsts = [f for f in firsts if not any(ids.get(unit[r]) == f for r in roots)]
    if firsts:
        lines.append(chain(firsts, "min"))  # NOTE: in the first column the chain is not turned for LR (measured)
    lasts = sorted({ids[unit[r]] for r in roots if unit[r] in drawn} - set(firsts))
    if lasts and len(plan.first) > 1:
        lines.append(chain(lasts, "max", rankdir))
    # parameters and constants beside the op they feed
    for u in plan.first:
        if u in drawn and type(u) is int and kinds[u] in (PARAM, CONST):
            target = anchors.get(ids[u])
            if target is not None and target not in lasts:
                lines.append(f"  {{ rank=same; {quote(ids[u])}; {quote(target)}; }}")
    lines.extend(_neuron_order(index, plan, drawn, ids, rankdir))
    return lines


def _neuron_order(index: GraphIndex, plan: Plan, drawn: set[Any], ids: dict[Any, str], rankdir: str) -> list[str]:
    """One ordered ``rank=same`` chain per layer: each neuron's first drawn output, in the neurons' index order."""
    kind, stages, unit = index.kind, index.stages, plan.unit
    neuron_of: dict[tuple[str, ...], tuple[str, ...] | None] = {}

    def neuron(i: int) -> tuple[str, ...] | None:
        s = stages[i]
        n = neuron_of.get(s, ())
        if n == ():
            n = None
            for j in range(len(s), 0, -1):
                if kind(s[:j]) == "neuron":
                    n = s[:j]
                    break
            neuron_of[s] = n
        return n

    outputs: dict[tuple[str, ...], tuple[int, str]] = {}  # neuron path -> (position, id) of its first output
    leaving = set(index.roots)
    for c, ps in enumerate(index.prev):
        for p in ps:
            if neuron(p) != neuron(c):
                leaving.add(p)
    for i in leaving:
        n = neuron(i)
        if n is None or unit[i] not in drawn or index.order[i].op is None:
            continue
        if n not in outputs or i < outputs[n][0]:
            outputs[n] = (i, ids[unit[i]])
    layers: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for n in outputs:
        layers.setdefault(n[:-1], []).append(n)
    lines = []
    for neurons in layers.values():
        if len(neurons) > 1:
            neurons.sort(key=lambda n: natural_key(n[-1]))
            lines.append(chain([outputs[n][1] for n in neurons], "same", rankdir))
    return lines
