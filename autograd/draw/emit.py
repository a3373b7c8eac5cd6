"""Writing the DOT text of one planned detail level: node, cluster, edge and rank statements."""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

import numpy as np

from ..ops import format_constant
from .fields import Box, Fields
from .index import PARAM, dot_terms
from .order import chain, order_lines
from .plan import Plan, Planner
from .style import EDGE, FAST_LAYOUT, GRAPH, NODE, cluster_attrs, grad_attrs, legend, node_style
from .text import attr_list, escape, quote

#: Above this many drawn nodes, layout attributes that trade beauty for speed are set.
FAST_LAYOUT_NODES = 800
#: ... and above this many virtual nodes (see :meth:`Planner.spread`), too.
FAST_LAYOUT_SPREAD = 5000

#: Above this many edges between collapsed units (dense layers at "neuron" detail), edges are half transparent.
SEE_THROUGH_EDGES = 40
#: The note on a "neuron" drawing of a graph without neuron stages (the tensor engine).
#: The note on a "neuron"-detail picture of a graph without neuron stages (tensors, then anything else).
NO_NEURONS = "tensor engine: one box per processing step (a tensor holds all the neurons of a layer)"
NO_NEURONS_SCALAR = "no neuron stages in this graph: one box per processing step"

ONE_NODE_MARGIN = 14  # points around the one node of a stage box (Graphviz's default is 8)
#: Width of a title's character, in ems, that a box of one node leaves room for: Graphviz sizes the box to its
#: own measure of the title, in whatever font it finds (Liberation Sans here: 0.41 em a character), and a
#: browser may draw it wider (DejaVu Sans, a common fallback for sans-serif: 0.47 em).
TITLE_EM = 0.5

_NOT_YET = 1 << 60  # sorts after every node position

_KIND_NAMES = ("intermediate", "input", "parameter", "constant")  # by node kind (index.OP, ...)


class DotText(NamedTuple):
    """One drawing's DOT text in the parts a ``graphviz.Digraph`` holds: name, default attributes, body.

    Examples
    --------
    >>> t = DotText("g", {"rankdir": "LR"}, {"shape": "box"}, {"color": "#666666"}, ['  "a" -> "b";'])
    >>> print(t.source, end="")
    digraph g {
      graph [rankdir=LR];
      node [shape=box];
      edge [color="#666666"];
      "a" -> "b";
    }
    """

    name: str
    graph_attr: dict[str, str]
    node_attr: dict[str, str]
    edge_attr: dict[str, str]
    body: list[str]  # the statements, one per line, indented

    @property
    def source(self) -> str:
        """The whole DOT text."""
        head = [
            f"digraph {self.name} {{",
            f"  graph [{attr_list(self.graph_attr)}];",
            f"  node [{attr_list(self.node_attr)}];",
            f"  edge [{attr_list(self.edge_attr)}];",
        ]
        return "\n".join(head + self.body + ["}"]) + "\n"


class Emitter:
    """Writes one collected, planned graph as DOT text.

    Parameters
    ----------
    planner : Planner
        The planner of the collected graph (it holds the :class:`GraphIndex`).
    show_data, show_grad, rankdir, legend :
        As in :func:`draw_graph`.
    """

    def __init__(self, planner: Planner, show_data: bool, show_grad: bool, rankdir: str, legend: bool) -> None:
        index = planner.index
        self.planner, self.index, self.order = planner, index, index.order
        self.fields = Fields(index, show_data, show_grad)
        self.rankdir, self.legend = rankdir, legend
        self.grad_view = show_grad and any(index.mag(r) for r in index.roots)
        self.max_mag = 1.0  # the largest gradient magnitude drawn: the dark end of the colour ramp
        self.anchors: dict[str, str] = {}  # id of a drawn leaf -> id of the first op it feeds
        self.rows: list[list[str]] = []  # ids to keep in this order in one column
        self.off: set[Any] = set()  # units of neurons whose ReLU passed nothing (drawn faded, and their edges)

    def build(self, plan: Plan, drawn: set[Any], left_out: int) -> tuple[DotText, int]:
        """DOT text of the units ``drawn`` of ``plan``: (text, nodes drawn)."""
        level = plan.level
        scalar = level == "scalar"
        members: dict[Any, list[int]] = {}
        if not scalar:
            for i, u in enumerate(plan.unit):
                if type(u) is tuple and u in drawn:
                    m = members.get(u)
                    if m is None:
                        members[u] = [i]
                    else:
                        m.append(i)
        mags = self._all_mags(drawn, members) if self.grad_view else []
        self.max_mag = max(mags) if mags else 1.0
        if not math.isfinite(self.max_mag) or self.max_mag <= 0:
            self.max_mag = 1.0
        ids = _ids(plan.first, drawn)
        where, op_rank, kinds_seen, n_drawn = self._nodes(level, plan, drawn, members, ids)
        fast = n_drawn > FAST_LAYOUT_NODES or self.planner.spread(level) > FAST_LAYOUT_SPREAD
        lines: list[str] = []
        self._clusters(where, op_rank, lines)
        if scalar:
            lines.extend(self._scalar_edges(plan, drawn, ids))
        else:
            shown = [(up, uc, srcs) for (up, uc), srcs in plan.edges.items() if up in drawn and uc in drawn]
            see_through = len(shown) > SEE_THROUGH_EDGES
            for up, uc, srcs in shown:
                self.anchors.setdefault(ids[up], ids[uc])
                line = self._unit_edge(ids[up], ids[uc], list(srcs), level, up in self.off)
                lines.append(_translucent(line) if see_through else line)
        if left_out:
            lines.extend(_truncation(left_out, drawn, plan.edges, ids))
        lines.extend(order_lines(self.index, plan, drawn, ids, self.anchors, self.rankdir))
        lines.extend(chain(row, "same", self.rankdir) for row in self.rows)
        if self.legend:
            lines.extend(legend(kinds_seen, self.max_mag if self.grad_view else None, self.rankdir))
        graph_attr = {"rankdir": self.rankdir, **GRAPH, **(FAST_LAYOUT if fast else {})}
        if level == "neuron" and not self._has_neurons():
            tensors = any(isinstance(self.order[r].data, np.ndarray) for r in self.index.roots)
            note = NO_NEURONS if tensors else NO_NEURONS_SCALAR
            graph_attr.update(label=note, labelloc="t", labeljust="l", fontsize="10")
        if scalar and self._has_neurons():
            # NOTE: neuron boxes are clusters here; dot keeps their pinned order only with few crossing passes
            graph_attr["mclimit"] = "0.1"
        return DotText("layergrad", graph_attr, dict(NODE), dict(EDGE), lines), n_drawn

    # -- nodes ------------------------------------------------------------------------
    def _nodes(
        self, level: str, plan: Plan, drawn: set[Any], members: dict[Any, list[int]], ids: dict[Any, str]
    ) -> tuple[dict[tuple[str, ...], list[str]], dict[tuple[str, ...], int], set[str], int]:
        """Node statements by cluster (stage path), each cluster's first op, the kinds and number drawn."""
        kinds, root_set, fields = self.index.kinds, self.index.root_set, self.fields
        outflow, weight, first_op = plan.outflow, plan.weight, plan.first_op
        where: dict[tuple[str, ...], list[str]] = {}
        op_rank: dict[tuple[str, ...], int] = {}
        kinds_seen: set[str] = set()
        n_drawn = 0
        for u in plan.first:
            if u not in drawn:
                continue
            if type(u) is int:
                kind = self._kind_name(u)
                if level == "scalar" and u in weight:
                    stmts = self._expand(u, ids)
                    kinds_seen.add("intermediate")
                else:
                    stmts = [self._node(ids[u], kind, fields.node(u), self.index.mag(u))]
                n_drawn += weight.get(u, 1)
                place = self.index.stages[u]
            else:
                mem = members[u]
                out = [i for i in mem if i in outflow]
                kind = "output" if any(i in root_set for i in mem) else "group"
                place = ()
                if u[0] == "g":
                    path = u[1]
                    params = [i for i in mem if kinds[i] == PARAM]
                    stmt = self._node(ids[u], kind, fields.group(path, mem, out, level), fields.group_mag(params, out))
                    place = path if self.index.kind(path) == "loss" else path[:-1]  # a loss keeps its box
                    if level == "neuron" and fields.is_off(params, self._acts(mem)):
                        self.off.add(u)
                elif u[0] == "c":
                    stmt = self._node(ids[u], kind, fields.block(mem, out), fields.group_mag([], out))
                else:
                    kind = "input"
                    box = fields.node(mem[0]) if len(mem) == 1 else fields.inputs(mem)
                    stmt = self._node(ids[u], kind, box, fields.group_mag([], mem))
                stmts = [stmt]
                n_drawn += 1
            kinds_seen.add(kind)
            where.setdefault(place, []).extend(stmts)
            if u in first_op and first_op[u] < op_rank.get(place, _NOT_YET):
                op_rank[place] = first_op[u]
        return where, op_rank, kinds_seen, n_drawn

    def _kind_name(self, i: int) -> str:
        """How node ``i`` is coloured: "output", "intermediate", "input", "parameter" or "constant"."""
        if i in self.index.root_set:
            return "output"
        return _KIND_NAMES[self.index.kinds[i]]

    def _has_neurons(self) -> bool:
        """Whether any node was made inside a neuron stage."""
        kind = self.index.kind
        return any(kind(s[: j + 1]) == "neuron" for s in self.index.distinct for j in range(len(s)))

    def _acts(self, members: list[int]) -> list[int]:
        """The activation ops among ``members`` (ops in a stage named "activation")."""
        order, stages = self.order, self.index.stages
        return [i for i in members if order[i]._row is not None and "activation" in stages[i]]

    def _node(self, uid: str, kind: str, box: Box, m: float | None) -> str:
        """One node statement: a box with ``box``'s short label and tooltip, styled by ``kind`` and magnitude ``m``."""
        attrs = self._grad(m)
        leaf = kind in ("input", "parameter", "constant")
        if "dashed" in attrs:
            style = 'style="filled,dashed"' if leaf else 'style="rounded,filled,dashed"'
            attrs = attrs.replace('style="dashed"', style)
        elif leaf:
            attrs += ', style="filled"'
        label = escape("\n".join(box.label))
        tip = escape("\n".join(box.tooltip))
        return f'{quote(uid)} [label="{label}"{node_style(kind)}{attrs}, tooltip="{tip}"];'

    def _grad(self, m: float | None, edge: bool = False) -> str:
        """Gradient colour attributes (with a leading ", "), or "" when no gradients are drawn."""
        return grad_attrs(m, self.max_mag, edge) if self.grad_view else ""

    def _all_mags(self, drawn: set[Any], members: dict[Any, list[int]]) -> list[float]:
        """The finite, positive gradient magnitudes of the drawn nodes (and of a node's parents)."""
        mags, prev = self.index.mags(), self.index.prev
        out: list[float] = []
        for u in drawn:
            ms = [mags[u]] + [mags[p] for p in prev[u]] if type(u) is int else [mags[i] for i in members[u]]
            out.extend(m for m in ms if m is not None and m > 0 and math.isfinite(m))
        return out

    # -- a scalar dot node drawn as its multiplies and adds ------------------------------
    def _expand(self, i: int, ids: dict[Any, str]) -> list[str]:
        """Node statements of the products and partial sums of scalar ``dot`` node ``i``."""
        n = self.order[i]
        terms = dot_terms(n)
        ws = n._prev[:terms]
        xs = n._meta if n._meta else [x.data for x in n._prev[terms:]]
        xconst = bool(n._meta)
        g = n.grad if n.requires_grad else None
        m = self.index.mag(i)
        value = self.fields.value
        stmts = []
        uid = ids[i]
        kind = self._kind_name(i)
        named = n.label + " = " if n.label else ""
        products, sums = n._row.steps(n._xp, *[w.data for w in ws], *xs)  # the row says what the steps are
        for k in range(terms):
            prod = products[k]
            head = f"× {format_constant(xs[k])}" if xconst else "×"
            if terms == 1:
                stmts.append(self._node(uid, kind, value(named + head, prod, g), m))
            else:
                stmts.append(self._node(f"{uid}_m{k}", "intermediate", value(head, prod, g), m))
            if k == terms - 1 and k >= 1:
                stmts.append(self._node(uid, kind, value(named + "+ (w·x)", n.data, g), m))
            elif k >= 1:
                stmts.append(self._node(f"{uid}_a{k}", "intermediate", value("+", sums[k], g), m))
        if terms == 0:
            stmts.append(self._node(uid, kind, value("w·x (0 terms)", n.data, g), m))
        if terms > 1:  # the products in the order of their terms, w0·x0 on top
            self.rows.append([f"{uid}_m{k}" for k in range(terms)])
        return stmts

    def _expand_edges(self, i: int, ids: dict[Any, str], drawn: set[Any]) -> list[str]:
        """Edges into and between the products and partial sums of scalar ``dot`` node ``i``."""
        n = self.order[i]
        terms = dot_terms(n)
        prev = self.index.prev[i]
        uid = ids[i]
        out = []
        ea = self._grad(self.index.mag(i), edge=True)[2:]

        def mul(k: int) -> str:
            return uid if terms == 1 else f"{uid}_m{k}"

        def add(k: int) -> str:
            return uid if k == terms - 1 else f"{uid}_a{k}"

        for k in range(terms):
            srcs = [prev[k]] if n._meta else [prev[k], prev[terms + k]]
            for p in srcs:
                if p in drawn:
                    out.append(self._scalar_edge(p, mul(k), ids))
            if k >= 1:
                left = mul(0) if k == 1 else add(k - 1)
                out.append(f"  {quote(left)} -> {quote(add(k))} [{ea}];")
                out.append(f"  {quote(mul(k))} -> {quote(add(k))} [{ea}];")
        return out

    # -- edges, clusters and ranks ----------------------------------------------------
    def _scalar_edges(self, plan: Plan, drawn: set[Any], ids: dict[Any, str]) -> list[str]:
        """Every edge between drawn nodes at "scalar" detail, then those of expanded ``dot`` nodes."""
        unit, weight = plan.unit, plan.weight
        lines = []
        for p, c in plan.pairs:
            if c in weight or unit[c] not in drawn or unit[p] not in drawn:
                continue
            lines.append(self._scalar_edge(p, ids[c], ids))
        for c in weight:
            if c in drawn:
                lines.extend(self._expand_edges(c, ids, drawn))
        return lines

    def _scalar_edge(self, p: int, target: str, ids: dict[Any, str]) -> str:
        """The edge from node ``p`` into ``target`` at "scalar" detail.

        A parameter stands in the column of the first op it feeds (see
        :mod:`.order`); its edges into later ops (the same weight used by the
        next sample) do not constrain the columns, else each sample would start
        a column right of the one before and the layer boxes become a staircase.
        """
        src = ids[p]
        first = self.anchors.setdefault(src, target)
        attrs = self._grad(self.index.mag(p), edge=True)[2:]
        if first != target and self.index.kinds[p] == PARAM:
            attrs += (", " if attrs else "") + "constraint=false"
        return f"  {quote(src)} -> {quote(target)} [{attrs}];"

    def _unit_edge(self, a: str, b: str, srcs: list[int], level: str, off: bool = False) -> str:
        """An edge between collapsed units, labelled with what flows along it (faded from a neuron that is ``off``)."""
        attrs = []
        label = self.fields.edge_label(srcs, level, a.startswith("g:") or b.startswith("g:"))
        if label:
            attrs.append(f"label={quote(label)}")
        g = self._grad(0.0 if off else self.fields.grad_mean(srcs), edge=True)
        if g:
            attrs.append(g[2:])
        return f"  {quote(a)} -> {quote(b)} [{', '.join(attrs)}];"

    def _clusters(
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
            r = (op_rank.get(place, _NOT_YET), k)
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
                label = self.index.label(kid) or kid[-1]
                lines.append(f"{indent}subgraph cluster_{counter[0]} {{")
                attrs = cluster_attrs(self.index.kind(kid))
                if len(where.get(kid, ())) == 1 and not ordered_children.get(kid):
                    # NOTE: a box of one node is as wide as its title by Graphviz's estimate of the text (whatever
                    # the margin), which runs short of a browser's font: its node is made wide enough instead
                    attrs += f"; margin={ONE_NODE_MARGIN}"
                    where[kid] = [_min_width(where[kid][0], _title_width(label, attrs) - 2 * ONE_NODE_MARGIN)]
                lines.append(f"{indent}  label={quote(label)}; {attrs};")
                emit(kid, indent + "  ")
                lines.append(indent + "}")

        emit((), "  ")


def _title_width(title: str, attrs: str) -> float:
    """Points a box's title may take in a browser: :data:`TITLE_EM` per character of its longest line.

    >>> _title_width("loss: mean squared error", "fontsize=12")
    144.0
    """
    m = re.search(r"fontsize=([\d.]+)", attrs)
    size = float(m.group(1)) if m else 14.0  # Graphviz's default
    return TITLE_EM * size * max(len(line) for line in title.split("\n"))


def _min_width(stmt: str, points: float) -> str:
    """A node statement with a minimum ``width`` of ``points`` (a node is never narrower than its label).

    >>> _min_width('"n1" [label="x"];', 72.0)
    '"n1" [label="x", width=1.00];'
    """
    if points <= 0 or not stmt.endswith("];"):
        return stmt
    return f"{stmt[:-2]}, width={points / 72:.2f}];"


def _translucent(line: str) -> str:
    """An edge statement with its colour made half transparent (``#rrggbb`` -> ``#rrggbb80``)."""
    if 'color="#' not in line:
        return line[: line.rindex("]")] + (", " if not line.endswith("[];") else "") + 'color="#66666680"];'
    return re.sub(r'color="(#[0-9a-fA-F]{6})"', r'color="\g<1>80"', line)


def _ids(first: dict[Any, int], drawn: set[Any]) -> dict[Any, str]:
    """The DOT id of every drawn unit: ``n5`` (a node), ``g:MLP/layer 1`` (a stage), ``in0``, ``ops0``."""
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
    return ids


def _truncation(left_out: int, drawn: set[Any], edges: dict[tuple[Any, Any], Any], ids: dict[Any, str]) -> list[str]:
    """The "more" note, with an edge into every drawn unit that lost a parent."""
    note = f"… {left_out} more nodes not drawn\n(raise max_nodes or use a coarser detail)"
    lines = [
        f'  "more" [label="{escape(note)}", shape=note, fillcolor="#fff7ed", color="#9a3412", fontcolor="#9a3412"];'
    ]
    targets = sorted({ids[uc] for (up, uc) in edges if uc in drawn and up not in drawn})
    for t in targets:
        lines.append(f'  "more" -> {quote(t)} [style=dotted, color="#9a3412"];')
    return lines
