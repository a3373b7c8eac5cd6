"""The collected graph: the nodes behind the roots, numbered, with their kinds, parents and stages.

This is the only part of the renderer that walks the graph.  It reads a node's
``op``, ``_prev``, ``_meta``, ``stage``, ``grad`` and ``requires_grad`` and the
stage registry; the planner then works on positions (``int``) alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import stage_kind, stage_label
from .foreign import adopt, is_micrograd_like

# Kinds of graph node, by how they are drawn.
OP, INPUT, PARAM, CONST = 0, 1, 2, 3
#: Stage kinds that belong to a model (never drawn inside a loss box).
_MODEL_KINDS = ("model", "layer", "neuron")
#: The op of a scalar neuron's weighted sum, which "scalar" detail draws as its multiplies and adds.
DOT_OP = "dot"


def roots_of(root: Any, where: str = "draw_graph") -> list[Any]:
    """The output node(s) to draw: one node, or a non-empty list or tuple of nodes.

    A node is a layergrad Value or Tensor, or any value with micrograd's
    attributes (``data``, ``grad``, ``_prev``, ``_op``), which is mirrored
    (see :mod:`autograd.draw.foreign`).
    """
    if is_micrograd_like(root):
        return adopt([root])
    if isinstance(root, (list, tuple)):
        roots = list(root)
        if roots and all(is_micrograd_like(r) for r in roots):
            return adopt(roots)
    raise TypeError(
        f"{where}: expected a Value or Tensor (or a list of them, or values with micrograd's data, grad, _prev "
        f"and _op), got {type(root).__name__}"
    )


def collect(roots: list[Any]) -> list[Any]:
    """All nodes reachable from the roots, parents first, parents in argument order.

    Like :func:`autograd.toposort` (iterative, any depth), but siblings come out
    in argument order (x0 before x1, layer 1 before layer 2), which is the order
    Graphviz then draws them in.
    """
    order: list[Any] = []
    seen: set[Any] = set()
    emit, mark = order.append, seen.add
    for root in roots:
        if root in seen:
            continue
        stack: list[Any] = [root]
        push, pop = stack.append, stack.pop
        while stack:
            node = pop()
            if node is None:  # marker: the node below it has all its parents emitted
                emit(pop())
                continue
            if node in seen:
                continue
            mark(node)
            push(node)
            push(None)
            prev = node._prev
            for k in range(len(prev) - 1, -1, -1):
                if prev[k] not in seen:
                    push(prev[k])
    return order


def dot_terms(node: Any) -> int:
    """How many products a scalar ``dot`` node sums."""
    return len(node._prev) if node._meta else len(node._prev) // 2


def grad_magnitude(node: Any) -> float | None:
    """Mean absolute gradient of a node, or None when it has none."""
    g = node.grad
    if g is None or not node.requires_grad:
        return None
    if isinstance(g, np.ndarray):
        if g.size == 0:
            return 0.0
        with np.errstate(all="ignore"):
            return float(np.abs(g).mean())
    try:
        return abs(float(g))
    except (TypeError, ValueError):
        return None


class GraphIndex:
    """The nodes behind ``roots`` in drawing order, and what the planner needs about each, by position.

    Attributes
    ----------
    order : list
        The nodes, parents first (see :func:`collect`); a node's position is its id here.
    prev, stages, kinds : list
        Per position: the parents' positions, the stage path, and one of
        ``OP``, ``INPUT`` (a leaf outside any stage), ``PARAM``, ``CONST``.
    roots, root_set :
        The roots' positions.
    dots : dict
        Position -> number of products, for every scalar ``dot`` node.
    distinct : set
        The distinct stage paths.
    kinded_below : set
        Unkinded stage prefixes that contain kinded stages (e.g. a user's
        "train" around a model); these never collapse.
    """

    def __init__(self, roots: list[Any]) -> None:
        order = collect(roots)
        self.order = order
        position = {n: i for i, n in enumerate(order)}
        get = position.__getitem__
        self.prev = [tuple(map(get, n._prev)) for n in order]
        # Each level's label and kind as the nodes were made (StagePath), so that
        # another model entered later under the same names cannot relabel this graph;
        # the registry is the fallback (parameters, hand-made paths).
        self._info: dict[tuple[str, ...], tuple[str | None, str | None]] = {}
        shown: dict[int, tuple[str, ...]] = {}
        for st in {id(n.stage): n.stage for n in order}.values():
            shown[id(st)] = self._lift(st)
        self.stages = [shown[id(n.stage)] for n in order]
        kinds = []
        dots: dict[int, int] = {}
        for i, n in enumerate(order):
            op = n._row
            if op is not None:
                kinds.append(OP)
                if op.name == DOT_OP:
                    dots[i] = dot_terms(n)
            elif not n.stage:
                kinds.append(INPUT)
            else:
                kinds.append(PARAM if n.requires_grad else CONST)
        self._inputs_in_stages(kinds)
        self.kinds = kinds
        self.dots = dots
        self.roots = [position[r] for r in roots]
        self.root_set = set(self.roots)
        self.distinct = set(self.stages)
        self.kinded_below: set[tuple[str, ...]] = set()
        for s in self.distinct:
            ks = [self.kind(s[: j + 1]) for j in range(len(s))]
            for j in range(len(s)):
                if any(k is not None for k in ks[j + 1 :]):
                    self.kinded_below.add(s[: j + 1])
        self._consumers: dict[int, list[int]] | None = None
        self._mags: list[float | None] | None = None

    def _lift(self, st: tuple[str, ...]) -> tuple[str, ...]:
        """The path a node is drawn under: a model entered inside a loss stage is drawn on its own.

        A model called inside ``stage("loss")`` records paths such as
        ``("loss", "MLP", "layer 1", ...)`` while its parameters were made under
        ``("MLP", "layer 1")``; the part from the first model, layer or neuron
        level after a loss level on is kept, so the model is drawn once, beside the
        loss box and not inside it.  A stage named "loss" is a loss even without
        a kind.  A loss stage inside another loss stage, or inside an unkinded
        stage of the same name, makes no box of its own.
        Also records every level's label and kind.
        """
        own = getattr(st, "labels", None) is not None and getattr(st, "kinds", None) is not None
        if own:
            labels, st_kinds = st.labels, st.kinds  # type: ignore[attr-defined]
        else:  # a plain tuple (a hand-made path): the registry says, at lookup
            labels = tuple(stage_label(st[: j + 1]) for j in range(len(st)))
            st_kinds = tuple(stage_kind(st[: j + 1]) for j in range(len(st)))
        if "loss" in st and any(k is None and name == "loss" for name, k in zip(st, st_kinds)):
            # a stage named "loss" without a kind (as written before "loss" was a kind) is a loss
            st_kinds = tuple("loss" if k is None and name == "loss" else k for name, k in zip(st, st_kinds))
            own = True
        keep: list[int] = []
        in_loss = False
        for j, k in enumerate(st_kinds):
            if k is None and j + 1 < len(st) and st_kinds[j + 1] == "loss" and st[j + 1] == st[j]:
                continue  # stage("loss") around a loss function's own stage("loss", kind="loss"): one box
            if k == "loss":
                if in_loss:  # a loss inside a loss (a library loss in the user's loss stage): one box
                    continue
                in_loss = True
            elif in_loss and k in _MODEL_KINDS:  # a model called inside a loss: drawn on its own
                keep, in_loss = [], False
            keep.append(j)
        if len(keep) == len(st) and not own:
            return tuple(st)
        path = tuple(st[j] for j in keep)
        for j in range(len(path)):
            self._info[path[: j + 1]] = (labels[keep[j]], st_kinds[keep[j]])
        return path

    def _inputs_in_stages(self, kinds: list[int]) -> None:
        """Leaves without a gradient made inside a stage but fed into a model are inputs, not constants.

        ``Tensor(X)`` written inside ``stage("loss")`` records the loss stage; what
        tells it from the loss's own constants (a target) is that a model's ops use it.
        """
        consts = {i for i, k in enumerate(kinds) if k == CONST}
        if not consts:
            return
        for c, ps in enumerate(self.prev):
            for p in ps:
                if p in consts and self._in_model(self.stages[c], self.stages[p]):
                    kinds[p] = INPUT
                    self.stages[p] = ()
                    consts.discard(p)

    def _in_model(self, path: tuple[str, ...], outer: tuple[str, ...]) -> bool:
        """Whether ``path`` enters a model, layer or neuron stage that ``outer`` is not inside."""
        if path[: len(outer)] == outer and any(
            self.kind(path[: j + 1]) in _MODEL_KINDS for j in range(len(outer), len(path))
        ):
            return True
        return bool(path) and path[0] != (outer[0] if outer else None) and self.kind(path[:1]) in _MODEL_KINDS

    def label(self, path: tuple[str, ...]) -> str | None:
        """The label of a stage path, as its nodes were made, else from the registry."""
        info = self._info.get(path)
        return (info[0] if info else None) or stage_label(path)

    def kind(self, path: tuple[str, ...]) -> str | None:
        """The kind of a stage path ("model", "layer", "neuron", "step", "loss" or None)."""
        info = self._info.get(path)
        return (info[1] if info else None) or stage_kind(path)

    def consumers(self) -> dict[int, list[int]]:
        """The consumers of every input leaf."""
        if self._consumers is None:
            kinds = self.kinds
            cons: dict[int, list[int]] = {i: [] for i, k in enumerate(kinds) if k == INPUT}
            if cons:
                for c, ps in enumerate(self.prev):
                    for p in ps:
                        if p in cons:
                            cons[p].append(c)
            self._consumers = cons
        return self._consumers

    def mag(self, i: int) -> float | None:
        """Mean absolute gradient of the node at position ``i`` (see :meth:`mags`)."""
        return self.mags()[i]

    def mags(self) -> list[float | None]:
        """Mean absolute gradient of every node, by position (None: it has none); computed once.

        NOTE: all at once, in one pass: a drawing reads almost every node's (the members of
        each collapsed group), and a list index is much cheaper than a cached call per read.
        """
        if self._mags is None:
            self._mags = [grad_magnitude(n) for n in self.order]
        return self._mags
