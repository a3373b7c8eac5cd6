"""Detail levels: which nodes collapse into one drawn unit, and which level and units fit ``max_nodes``."""

from __future__ import annotations

from typing import Any

from .index import INPUT, OP, GraphIndex

DETAILS = ("scalar", "neuron", "layer")
"""The detail levels, finest first."""

#: "auto" also wants at most this many virtual nodes (see :meth:`Planner.spread`) per allowed node:
#: a 1,660-node graph with 60,000 took 4-12 s to lay out, one with 10,000 took 0.9 s.
SPREAD_PER_NODE = 10
#: "auto" prefers the finest level with at most this many nodes: about what a screen shows readably
#: (one sample through MLP(2, [3, 3, 1]) is 57 nodes at "scalar"; MLP(2, [8, 8, 1]) is 299, so it is drawn by neuron).
READABLE_NODES = 150
#: ... and at "scalar" detail, where every multiply and add is a box inside neuron and step boxes: one
#: sample through MLP(2, [3, 3, 1]) with its loss is 73 nodes and 2,460 x 1,209 pt, two samples 121 nodes
#: and 2,662 x 1,542 pt (too big to read at a glance); MLP(2, [3, 1]), 40 nodes, is 1,628 x 963 pt.
READABLE_SCALAR_NODES = 60


class Plan:
    """One detail level: the unit of every node, and the edges between units.

    ``level`` is the detail level; ``unit[i]`` is what node ``i`` is drawn as (see :meth:`Planner.units`);
    ``first`` and ``first_op`` map a unit to its first node and first op node;
    ``edges`` maps (parent unit, child unit) to the parent nodes whose values
    cross it (None at "scalar" detail, where ``pairs`` lists the node edges);
    ``outflow`` holds the nodes whose values leave their unit; ``weight`` is how
    many drawn nodes a scalar ``dot`` node counts as (its multiplies and adds).
    """

    __slots__ = ("level", "unit", "first", "first_op", "edges", "outflow", "pairs", "weight")

    def __init__(
        self,
        level: str,
        unit: list[Any],
        first: dict[Any, int],
        first_op: dict[Any, int],
        edges: dict[tuple[Any, Any], Any],
        outflow: set[int],
        pairs: list[tuple[int, int]],
        weight: dict[int, int],
    ) -> None:
        self.level = level
        self.unit, self.first, self.first_op, self.edges = unit, first, first_op, edges
        self.outflow, self.pairs, self.weight = outflow, pairs, weight


class Planner:
    """Measures a collected graph at each detail level and picks what to draw."""

    def __init__(self, index: GraphIndex) -> None:
        self.index = index
        self._comps: dict[int, tuple[str, int]] | None = None
        self._plans: dict[str, Plan] = {}
        self._groups: dict[str, dict[tuple[str, ...], tuple[str, ...] | None]] = {}

    def choose(self, detail: str, max_nodes: int) -> tuple[str, dict[str, int]]:
        """The level to draw ``detail`` at, and the node counts measured.

        "auto" picks from the size the picture will have: the finest level with
        at most :data:`READABLE_NODES` nodes (:data:`READABLE_SCALAR_NODES` at
        "scalar" detail; or ``max_nodes``, if smaller); if
        none is that small, the finest with at most ``max_nodes``; else "layer".
        """
        counts: dict[str, int] = {}
        if detail != "auto":
            return detail, counts
        fits = []
        for level in DETAILS:
            readable = min(max_nodes, READABLE_SCALAR_NODES if level == "scalar" else READABLE_NODES)
            counts[level] = self.count(level, limit=max_nodes)
            if counts[level] <= max_nodes and self.spread(level) <= SPREAD_PER_NODE * max_nodes:
                if counts[level] <= readable:
                    return level, counts
                fits.append(level)
        return (fits[0] if fits else DETAILS[-1]), counts

    def group_of(self, path: tuple[str, ...], level: str) -> tuple[str, ...] | None:
        """The stage prefix that ``path`` collapses into at ``level`` (None: not collapsed)."""
        kind = self.index.kind
        ks = [kind(path[: j + 1]) for j in range(len(path))]
        for j, k in enumerate(ks):
            if k == "loss":  # a loss is one unit at "neuron" and "layer" detail (drawn in its own box)
                return path[: j + 1]
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
            if k in wanted or (k is None and path[: j + 1] not in self.index.kinded_below):
                return path[: j + 1]
        return None

    def _group_map(self, level: str) -> dict[tuple[str, ...], tuple[str, ...] | None]:
        """:meth:`group_of` of every distinct stage path at ``level`` (cached)."""
        cached = self._groups.get(level)
        if cached is None:
            cached = self._groups[level] = {s: self.group_of(s, level) for s in self.index.distinct}
        return cached

    def units(self, level: str) -> list[Any]:
        """The drawn unit of every node.

        A unit is the node's position (drawn alone), ``("g", path)`` (a collapsed
        stage), ``("c", k)`` (a connected block of ops outside any stage) or
        ``("i", consumers)`` (the inputs that feed the same units).
        """
        index = self.index
        if level == "scalar":
            return list(range(len(index.order)))
        gmap = {s: None if g is None else ("g", g) for s, g in self._group_map(level).items()}
        unit: list[Any] = [i if g is None else g for i, g in enumerate(map(gmap.__getitem__, index.stages))]
        for i, c in self._components().items():
            unit[i] = c
        for i, cs in index.consumers().items():
            if cs and i not in index.root_set:
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
        kinds, stages, prev = self.index.kinds, self.index.stages, self.index.prev
        loose = [i for i, k in enumerate(kinds) if k == OP and not stages[i]]
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

    def count(self, level: str, limit: int | None = None) -> int:
        """How many nodes ``level`` draws (before any truncation).

        With a ``limit``, counting stops as soon as the level surely needs more
        (the planner then goes on to a coarser level without planning this one):
        the result is then a number above ``limit`` but not the exact count.
        """
        if level == "scalar":
            return len(self.index.order) + sum(max(0, 2 * terms - 2) for terms in self.index.dots.values())
        if limit is not None and level not in self._plans:
            lower = self._at_least(level, limit)
            if lower > limit:
                return lower
        return len(set(self.units(level)))

    def _at_least(self, level: str, limit: int) -> int:
        """A lower bound on :meth:`count`, stopping as soon as it passes ``limit``.

        Nodes in a stage that collapses count once per stage; an op or parameter
        in a stage that does not collapse is a unit by itself.  Inputs and ops
        outside any stage (which join into blocks) are not counted.
        """
        index = self.index
        gmap = self._group_map(level)
        seen: set[Any] = set()
        n = 0
        kinds = index.kinds
        for i, s in enumerate(index.stages):
            if not s or kinds[i] == INPUT:
                continue
            g = gmap[s]
            if g is None:
                n += 1
            elif g not in seen:
                seen.add(g)
                n += 1
            else:
                continue
            if n > limit:
                return n
        return n

    def plan(self, level: str) -> Plan:
        """Units, the edges between them and what crosses each edge, for one level."""
        cached = self._plans.get(level)
        if cached is not None:
            return cached
        kinds, prev = self.index.kinds, self.index.prev
        unit = self.units(level)
        scalar = level == "scalar"
        first: dict[Any, int] = {}
        first_op: dict[Any, int] = {}
        for i, u in enumerate(unit):
            if u not in first:
                first[u] = i
            if kinds[i] == OP and u not in first_op:
                first_op[u] = i
        edges: dict[tuple[Any, Any], Any] = {}
        outflow: set[int] = set(self.index.roots)
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
            weight = {i: max(1, 2 * terms - 1) for i, terms in self.index.dots.items()}
        plan = Plan(level, unit, first, first_op, edges, outflow, pairs, weight)
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

    def select(self, level: str, max_nodes: int) -> tuple[Plan, set[Any], int]:
        """The plan of ``level``, the units drawn under ``max_nodes``, and how many nodes are left out.

        When everything fits, every unit is drawn; otherwise the units nearest
        the output(s) that fit in ``max_nodes - 1`` (one slot: the "more" note).
        """
        plan = self.plan(level)
        weight = plan.weight
        total = len(plan.first) + sum(w - 1 for w in weight.values())
        if total <= max_nodes:
            return plan, set(plan.first), 0
        keep = self._keep(plan, max_nodes)
        left_out = total - sum(weight.get(u, 1) if type(u) is int else 1 for u in keep)
        return plan, keep, left_out

    def _keep(self, plan: Plan, max_nodes: int) -> set[Any]:
        """The units nearest the output(s) that fit in ``max_nodes - 1``, breadth first."""
        unit, weight = plan.unit, plan.weight
        parents: dict[Any, list[Any]] = {}
        for up, uc in plan.edges:
            parents.setdefault(uc, []).append(up)
        budget = max(1, max_nodes - 1)
        keep: set[Any] = set()
        queue = []
        for r in self.index.roots:
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
