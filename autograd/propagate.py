"""The general backward loop: hooks, chosen inputs, several outputs, and the recorded pass of ``create_graph=True``.

:func:`autograd.backprop.backward`'s tuned loop covers the common case; this
loop covers the rest, with the same rules, in one plain pass:

- with ``create_graph=True`` the rules run in :data:`autograd.xp_graph.GRAPH`
  on the nodes themselves (``g`` a node, ``out`` the node, the inputs its
  parents), so every gradient is a node of a new graph that can be
  differentiated again; broadcasting is undone by the ``sum_to`` row, and each
  node made for node ``n``'s rules is tagged with ``n``'s stage followed by
  "(backward)" (:func:`autograd.stages.backward_path`), so drawings group the
  backward pass by the layer whose backward made it;
- otherwise the rules run on data, as in the tuned loop;
- gradients are summed per node in a dict, so a node's hooks
  (:mod:`autograd.hooks`) see its complete gradient; a leaf is finished as soon
  as every node that uses it is done (PyTorch's order);
- ``targets`` restricts the pass to the nodes that lead to them (``inputs=``
  of ``backward`` and ``autograd.grad``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .context import CTX as _CTX
from .context import enter, leave
from .convert import unbroadcast
from .freed import free
from .fused import unfuse_graph
from .hooks import TABLE, forget
from .modes import is_finite, raise_anomaly
from .node import Node, builder, parent_grads, rule_results
from .ops import CUSTOM, Op
from .released import RELEASE_FROM, is_released, release, releasing
from .stages import backward_path
from .xp_graph import GRAPH

__all__ = [
    "propagate",
    "free",
    "walk",
    "constant_like",
    "keeps_interior_grads",
    "INTERIOR_GRADS_UP_TO",
    "release",
    "releasing",
    "is_released",
    "RELEASE_FROM",
]


#: A tensor graph whose interior nodes hold at most this many elements in all keeps their
#: gradients after backward (drawings show them); a bigger one keeps only those of nodes
#: that called ``retain_grad()``, as PyTorch does, and frees each as soon as it is used.
#: 2**20 elements (4 MiB of float32) covers every graph small enough to draw legibly.
INTERIOR_GRADS_UP_TO = 1 << 20


def keeps_interior_grads(order: list[Node]) -> bool:
    """Whether the interior nodes ``order`` keep their gradients after backward (see :data:`INTERIOR_GRADS_UP_TO`).

    Examples
    --------
    >>> from autograd import Tensor
    >>> small = Tensor([1.0, 2.0], requires_grad=True) * 2
    >>> keeps_interior_grads([small])
    True
    """
    if not order or order[0]._scalar:
        return True
    total = 0
    for node in order:
        total += getattr(node.data, "size", 1)
    return total <= INTERIOR_GRADS_UP_TO


def walk(roots: list[Node]) -> list[Node]:
    """The interior nodes (made by ops) behind ``roots``, parents before children; iterative."""
    order: list[Node] = []
    seen: set[Node] = set()
    for root in roots:
        if root._row is None or root in seen:
            continue
        stack: list[Any] = [root]
        while stack:
            node = stack.pop()
            if node is None:  # marker: the node below it has its parents emitted
                order.append(stack.pop())
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append(node)
            stack.append(None)
            stack.extend(p for p in node._prev if p._row is not None and p not in seen)
    return order


# --------------------------------------------------------------------------
# The loop.
# --------------------------------------------------------------------------


def _seed(root: Node, gradient: Any, create_graph: bool) -> Any:
    """The gradient the pass starts from at ``root``: a node under ``create_graph`` (the given node itself)."""
    if create_graph and isinstance(gradient, Node):
        if isinstance(root.data, np.ndarray) and np.shape(gradient.data) != root.data.shape:
            raise ValueError(
                f"backward: gradient has shape {np.shape(gradient.data)} but the output has shape {root.data.shape}"
            )
        return gradient
    seed = root._seed(gradient)
    if not create_graph:
        return seed
    node = constant_like(root, seed)
    node.label = "seed"  # dy/dy: what a drawing of the recorded backward pass starts from
    return node


def constant_like(like: Node, g: Any) -> Node:
    """Gradient ``g`` (numbers) as a leaf of ``like``'s engine that does not require grad (a node stays itself)."""
    if isinstance(g, Node):
        return g
    if isinstance(like.data, np.ndarray):
        g = np.asarray(g, dtype=like.data.dtype)
    else:
        g = float(g)
    return builder(type(like))(None, None, None, (), g, False)


def _run_hooks(node: Node, g: Any, create_graph: bool) -> Any:
    """``node``'s hooks applied in turn to its gradient ``g`` (a raw gradient is shown to them as a node)."""
    entry = TABLE.get(node)
    if entry is None or not entry.hooks:
        return g
    for hook in list(entry.hooks.values()):
        given = constant_like(node, g)
        new = hook(given)
        if new is None:
            continue
        if create_graph:
            new = constant_like(node, new)
        else:
            new = new.data if isinstance(new, Node) else new
            new = np.asarray(new, dtype=node.data.dtype) if isinstance(node.data, np.ndarray) else float(new)
        if np.shape(_data(new)) != np.shape(node.data):
            raise RuntimeError(
                f"hook {getattr(hook, '__name__', hook)!r} has changed the shape of the gradient: "
                f"{np.shape(node.data)} expected, got {np.shape(_data(new))}"
            )
        g = new
    return g


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Node) else x


def _fit(p: Node, gp: Any, create_graph: bool) -> Any:
    """Contribution ``gp`` made to fit parent ``p``: broadcasting undone (a ``sum_to`` node when recording)."""
    d = p.data
    if create_graph:
        gp = constant_like(p, gp)
        if isinstance(d, np.ndarray) and gp.data.shape != d.shape:
            gp = GRAPH.sum_to(gp, d.shape)
        return gp
    if isinstance(d, np.ndarray):
        if type(gp) is not np.ndarray or gp.shape != d.shape:
            gp = unbroadcast(gp, d.shape)
        if gp.dtype != d.dtype:
            gp = gp.astype(d.dtype)
    return gp


def _custom_grads(node: Node, g: Any) -> list[Any]:
    """What a custom node's own ``_backward`` (micrograd's way) adds into each parent, measured from zero."""
    prev = node._prev
    saved = [p.grad for p in prev]
    for p in prev:
        p.grad = p._zero
    node.grad = g
    try:
        node._row.vjp()  # type: ignore[union-attr]
        return [p.grad for p in prev]
    finally:
        for p, old in zip(prev, saved):
            p.grad = old


def propagate(
    roots: list[Node],
    gradients: list[Any],
    retain_graph: bool | None,
    create_graph: bool,
    targets: Any,
    accumulate: bool,
) -> dict[Node, Any]:
    """Back-propagate from ``roots`` (seeded with ``gradients``); the general loop behind backward and ``grad``.

    With ``accumulate`` (``backward``) the gradients go into ``.grad`` (of
    ``targets`` only, when given); without (``autograd.grad``) only retained
    nodes' ``.grad`` change.  Returns the gradient that reached each target
    (a node under ``create_graph``), after its hooks.

    Examples
    --------
    >>> from autograd import Value
    >>> x = Value(2.0)
    >>> y = x * x * x
    >>> g = propagate([y], [None], None, True, [x], accumulate=False)[x]
    >>> g.data, propagate([g], [None], None, False, [x], accumulate=False)[x]
    (12.0, 12.0)
    """
    if retain_graph is None:
        retain_graph = create_graph
    want: set[Node] | None = None
    if targets is not None:
        targets = [targets] if isinstance(targets, Node) else list(targets)
        want = set(targets)
    unfuse_graph(roots)  # a fused layer node runs here as the nodes it stands for (hooks, create_graph)
    order = walk(roots)
    for root in roots:  # the tensor engine: were values the rules read changed in place since recording?
        if root._check_saved is not None:
            root._check_saved([n for n in order if n._row is not None])
            break
    run: set[Node] | None = None
    if want is not None:  # only the nodes that lead to a target
        run = set()
        for node in order:
            if any(p in want or p in run for p in node._prev):
                run.add(node)
    uses: dict[Node, int] = {}  # leaf -> edges into it still to be processed
    for node in order:
        if run is None or node in run:
            for p in node._prev:
                if p._row is None and p.requires_grad:
                    uses[p] = uses.get(p, 0) + 1
    grads: dict[Node, Any] = {}
    result: dict[Node, Any] = {}
    handed: set[int] = set()  # arrays put into some .grad in this pass: never two nodes share one
    anomaly = _CTX.get()[2]
    zero = roots[0]._zero
    keep_interior = keeps_interior_grads(order)
    if accumulate:
        for node in order:
            entry = TABLE.get(node)
            if (entry is None or not entry.retain) and (want is None or node not in want):
                node.grad = zero

    def add(p: Node, gp: Any) -> None:
        cur = grads.get(p)
        grads[p] = gp if cur is None else cur + gp

    def store(node: Node, g: Any, keep: bool) -> None:
        """``g`` into ``node.grad``: added to it (``keep``: leaves, retained nodes, targets) or replacing it."""
        if not create_graph and type(g) is np.ndarray:
            if id(g) in handed or g.base is not None or not g.flags.writeable:
                g = np.array(g)
            handed.add(id(g))
        cur = node.grad
        if keep and cur is not None and not (type(cur) is float and cur == 0.0 and isinstance(g, Node)):
            node.grad = cur + g  # NOTE: a node under create_graph (a float or array plus a node is a node)
        else:
            node.grad = g

    def finish(node: Node, g: Any) -> Any:
        """A node's complete gradient: its hooks run, what is kept of it is kept, and it is returned."""
        g = _run_hooks(node, g, create_graph)
        entry = TABLE.get(node)
        is_target = want is not None and node in want
        if is_target:
            result[node] = g
        if node._row is None:
            if accumulate and node.requires_grad and (want is None or is_target):
                store(node, g, True)
        elif (entry is not None and entry.retain) or (accumulate and is_target):
            store(node, g, True)
        elif accumulate and not create_graph and keep_interior:
            store(node, g, False)  # interior nodes show the last pass, as in the tuned loop
        return g

    for root, gradient in zip(roots, gradients):
        add(root, _seed(root, gradient, create_graph))
    owner = object()
    parent_ctx = _CTX.get()
    if create_graph:
        enter(owner, parent_ctx[0], True, anomaly)
    try:
        for node in reversed(order):
            if node not in grads:  # a tensor branch the gradient never reached
                continue
            g = finish(node, grads.pop(node))
            if run is not None and node not in run:
                continue
            op: Op = node._row  # type: ignore[assignment]
            prev = node._prev
            if create_graph:
                _CTX.set((backward_path(node.stage), True, anomaly, parent_ctx, owner))
                if op.name == CUSTOM:
                    raise NotImplementedError(
                        f"backward(create_graph=True): node {node!r} was made micrograd's way, with its own "
                        "_backward function, which computes numbers; it cannot record a graph. Build it from "
                        "layergrad's ops (or a row of autograd.ops) to differentiate it twice"
                    )
                contribs = rule_results(GRAPH, op, prev, g, node, list(prev) + list(node._meta))
            elif op.name == CUSTOM:
                contribs = _custom_grads(node, g)
            else:
                contribs = parent_grads(node, g)
            for p, gp in zip(prev, contribs):
                if gp is None or not p.requires_grad:
                    continue
                if run is not None and p not in want and p not in run:  # type: ignore[operator]
                    continue
                if anomaly and not is_finite(_data(gp)):
                    raise_anomaly("backward", node, _data(gp))
                add(p, _fit(p, gp, create_graph))
                if p._row is None:
                    uses[p] -= 1
                    if uses[p] == 0:
                        finish(p, grads.pop(p))
        for leaf in [n for n in grads if n._row is None]:  # leaf roots, and leaves some edge skipped
            finish(leaf, grads.pop(leaf))
    finally:
        if create_graph:
            leave(owner)
    if not retain_graph:
        if not roots[0]._scalar:
            free(order)
            if not keep_interior and not create_graph:
                node = p = prev = None  # type: ignore[assignment]  # NOTE: locals count as the program holding them
                release(order, roots)
        if TABLE:
            forget(order)
    return result
