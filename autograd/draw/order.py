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
            if target is None:
                continue
            if target in lasts:  # NOTE: the last column is one rank=max group: the parameter joins it
                lines.append(f"  {{ rank=max; {quote(ids[u])}; }}")
            else:
                lines.append(f"  {{ rank=same; {quote(ids[u])}; {quote(target)}; }}")
    lines.extend(_neuron_order(index, plan, drawn, ids, rankdir))
    return lines


def _neuron_order(index: GraphIndex, plan: Plan, drawn: set[Any], ids: dict[Any, str], rankdir: str) -> list[str]:
    """One ordered ``rank=same`` chain per layer: each neuron's first drawn output, in the neurons' index order."""
    kind, unit, order = index.kind, plan.unit, index.order
    # NOTE: one neuron number per distinct stage path, then per node: the edge loop below runs over
    # every edge of the graph (10^5 on a big one), so it only compares small ints
    neurons: list[tuple[str, ...]] = []
    number: dict[tuple[str, ...], int] = {}
    of_stage: dict[tuple[str, ...], int] = {}
    for s in index.distinct:
        of_stage[s] = -1
        for j in range(len(s), 0, -1):
            if kind(s[:j]) == "neuron":
                n = s[:j]
                if n not in number:
                    number[n] = len(neurons)
                    neurons.append(n)
                of_stage[s] = number[n]
                break
    if not neurons:
        return []
    nid = [of_stage[s] for s in index.stages]
    if plan.level == "scalar":
        leaving = {r for r in index.roots if nid[r] >= 0}
        for c, ps in enumerate(index.prev):
            k = nid[c]
            for p in ps:
                if nid[p] != k and nid[p] >= 0:
                    leaving.add(p)
    else:  # a unit is a neuron (or holds whole neurons): what leaves a neuron leaves its unit
        leaving = {i for i in plan.outflow if nid[i] >= 0}
    first: dict[int, int] = {}  # neuron number -> position of its first output that is drawn
    for i in leaving:
        k = nid[i]
        if unit[i] in drawn and order[i]._row is not None and (k not in first or i < first[k]):
            first[k] = i
    outputs = {neurons[k]: (i, ids[unit[i]]) for k, i in first.items()}
    layers: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for n in outputs:
        layers.setdefault(n[:-1], []).append(n)
    lines = []
    for row in layers.values():
        if len(row) > 1:
            row.sort(key=lambda n: natural_key(n[-1]))
            pinned = list(dict.fromkeys(outputs[n][1] for n in row))  # one id once (a layer drawn as one node)
            if len(pinned) > 1:
                lines.append(chain(pinned, "same", rankdir))
    return lines
