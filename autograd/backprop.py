"""Backward: walk the graph in topological order and apply each node's derivative rules.

:func:`backward` is the tuned loop both engines run (it is their hot path);
:func:`backward_reference` beside it is the same algorithm in twenty plain
lines, and a test runs both on random graphs and demands equal gradients.
An engine only says how a gradient is added into a node (``_accumulate``),
what an interior gradient is reset to (``_zero``) and which math namespace its
rules run in (``_xp``).
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from .context import CTX as _CTX
from .fused import unfuse_graph
from .fused_chain import Chain, hand_over
from .fused_pass import chain_grads, check_shapes, failing_step, loss_over_chain, shape_trouble
from .hooks import TABLE as _HOOKS
from .modes import is_finite, raise_anomaly
from .node import MANY, UNFUSING, Node, grads_float64, rule_results
from .ops import CUSTOM, Op
from .propagate import INTERIOR_GRADS_UP_TO, free, propagate, release
from .versions import CLOCK

__all__ = ["backward", "backward_reference", "toposort", "gc_paused", "free", "propagate"]

F = TypeVar("F", bound=Callable[..., Any])
_ND = np.ndarray
_gc_isenabled, _gc_disable, _gc_enable = gc.isenabled, gc.disable, gc.enable


def gc_paused(fn: F) -> F:
    """Run ``fn`` with the cyclic garbage collector paused, restoring it after.

    The graph is cycle-free, so pausing only skips useless collections that the
    allocation of many nodes would otherwise trigger.

    Examples
    --------
    >>> import gc
    >>> @gc_paused
    ... def f():
    ...     return gc.isenabled()
    >>> f(), gc.isenabled()
    (False, True)
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return wrapper  # type: ignore[return-value]


def toposort(root: Node) -> list[Node]:
    """Nodes reachable from ``root``, parents before children.

    Iterative, so the depth of the graph is unlimited.

    Examples
    --------
    >>> from autograd import Value
    >>> a = Value(1.0, label="a")
    >>> b = a * 2
    >>> c = b + a
    >>> [n.label or n.op.name for n in toposort(c)]
    ['a', 'mul', 'add']
    """
    unfuse_graph(root)
    return _walk(root, True)


def _interior(root: Node) -> list[Node]:
    """Like :func:`toposort`, but only the nodes that ops made (what backward visits).

    Leaves never need a visit of their own: their gradient is accumulated
    when their children are processed, so the walk skips them.
    """
    if root._row is None:
        return []
    # NOTE: a chain (each node made by an op from at most one node made by an op: a training step's layers, a
    # tensor chain) is followed without a set or a stack; anything else is walked in full
    chain = []
    node: Node | None = root
    while node is not None:
        chain.append(node)
        a, b = node._a, node._b
        if b is None:
            node = a if a is not None and a._row is not None else None
            continue
        nxt = None
        for p in a if b is MANY else (a, b):
            if p._row is not None and p is not nxt:
                if nxt is not None:
                    return _walk(root, False)
                nxt = p
        node = nxt
    chain.reverse()
    return chain


def _walk(root: Node, leaves: bool) -> list[Node]:
    """Iterative depth-first walk: parents before children, leaves included or not."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[Any] = [root]
    push, pop, emit, mark = stack.append, stack.pop, order.append, seen.add
    while stack:
        node = pop()
        if node is None:  # marker: the node below it is done
            emit(pop())
            continue
        if type(node) is list:  # a finished run of unary ops (see below), outermost first
            node.reverse()
            order += node
            continue
        if node in seen:
            continue
        mark(node)
        a, b = node._a, node._b
        if b is None and a is not None and (leaves or a._row is not None) and a not in seen:
            # NOTE: a chain of unary ops is walked in one go and emitted as one
            # run: no marker and no stack round trip per node.
            run = [node]
            while True:
                node = a
                mark(node)
                run.append(node)
                a, b = node._a, node._b
                if b is not None or a is None or not (leaves or a._row is not None) or a in seen:
                    break
            push(run)
        else:
            push(node)
            push(None)
        if b is None:  # a leaf, or a unary op whose parent is done or skipped
            continue
        if b is MANY:
            for p in a:
                if (leaves or p._row is not None) and p not in seen:
                    push(p)
        else:
            if (leaves or a._row is not None) and a not in seen:
                push(a)
            if (leaves or b._row is not None) and b not in seen:
                push(b)
    return order


def backward(
    root: Node, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False, inputs: Any = None
) -> None:
    """Back-propagate from ``root`` through the graph that made it.

    Leaves (inputs, parameters) *accumulate* their gradient across calls, as in
    PyTorch; interior nodes show the gradient of the last pass only (PyTorch
    keeps only those of nodes that called ``retain_grad()``; layergrad keeps
    them all on graphs small enough to draw, so drawings can show them, except
    under ``create_graph=True``).  A tensor graph whose interior nodes hold
    more than :data:`autograd.propagate.INTERIOR_GRADS_UP_TO` elements keeps
    only retained ones, and frees each gradient once its rules have used it.
    The cyclic garbage collector is paused during the pass, as :func:`gc_paused` pauses it.

    Parameters
    ----------
    root : Value or Tensor
        The output to differentiate.
    gradient : number, array, Value/Tensor or None
        The gradient of some final scalar with respect to ``root``.  Needed for
        a root with more than one element; a scalar root is seeded with 1.
    retain_graph : bool, optional
        Keep the graph for another backward pass through it.  The tensor
        engine frees a graph when backward ends (as PyTorch: a second pass
        raises), unless this is True; it defaults to ``create_graph``.  The
        scalar engine never frees one: micrograd's programs call backward
        again on the same graph.
    create_graph : bool, default False
        Record the backward pass itself (its rules run on graph nodes, see
        :mod:`autograd.xp_graph`): each leaf's ``.grad`` is then a node that
        can be differentiated again.  Interior nodes keep no gradient then,
        except those that called ``retain_grad()``.
    inputs : node or sequence of nodes, optional
        Accumulate only into these (leaves or interior nodes); others keep
        their ``.grad``.

    Examples
    --------
    >>> from autograd import Value
    >>> x = Value(3.0)
    >>> y = x * x + x
    >>> y.backward()
    >>> x.grad
    7.0
    >>> x.zero_grad()
    >>> (x * x * x).backward(create_graph=True)   # x.grad = 3x² is a graph
    >>> g = x.grad
    >>> x.zero_grad()
    >>> g.backward()                               # d(3x²)/dx = 6x
    >>> g.data, x.grad
    (27.0, 18.0)
    """
    # NOTE: gc_paused's pause written out (a training step's hot path: no wrapper call with *args, **kwargs)
    paused = _gc_isenabled()
    if paused:
        _gc_disable()
    try:
        if create_graph or inputs is not None or _HOOKS:
            propagate([root], [gradient], retain_graph, create_graph, inputs, accumulate=True)  # it unfuses first
        elif root._scalar:
            _pass(root, gradient, retain_graph)
        else:
            # NOTE: a reader in another thread (a drawing, .op) would unfuse a fused node the pass is running
            # through, which then runs only its last step; it waits for the pass instead (unfusing takes this
            # lock).  A graph without fused nodes lets go of it once its nodes are known (_pass): none of them
            # can change
            held = [True]
            UNFUSING.acquire()
            try:
                if not loss_over_chain(root, gradient, retain_graph, INTERIOR_GRADS_UP_TO):  # a step at once
                    _pass(root, gradient, retain_graph, held)
            finally:
                if held[0]:
                    UNFUSING.release()
    finally:
        if paused:
            _gc_enable()


def _pass(root: Node, gradient: Any, retain_graph: bool | None, held: list[bool] | None = None) -> None:
    """:func:`backward`'s own loop (no hooks, no ``create_graph``, no ``inputs``); ``held``: the lock is held."""
    anomaly = _CTX.get()[2]
    if anomaly:  # detect_anomaly names the step that failed: fused nodes run as the nodes they stand for
        unfuse_graph(root)
    seed = root._seed(gradient)
    order = _interior(root)
    zero = root._zero
    scalar = root._scalar
    size = 0  # the interior elements: does this graph keep its interior gradients?
    if not scalar:
        if root._check_saved is not None:  # the tensor engine: were saved values changed in place?
            now = born = CLOCK.now
            for node in order:
                if node._born < born:  # type: ignore[attr-defined]
                    born = node._born  # type: ignore[attr-defined]
            if born < now:  # NOTE: only if something changed since the oldest node was recorded
                root._check_saved(order)
        fused = False
        for node in order:
            size += node.data.size
            if node._b is MANY and node._row.fused is not None:  # type: ignore[union-attr]
                fused = True
                steps = node._meta[0]
                size += steps.hidden  # a fused node counts as the nodes it stands for
                steps.drop_grads()  # and its interior gradients are reset with the others (below)
        if held and not fused:
            held[0] = False
            UNFUSING.release()
    for node in order:
        node.grad = zero
    if root._row is None:
        if root.requires_grad:
            root._accumulate(seed)
        return
    root.grad = seed
    xp = root._xp
    drop = size > INTERIOR_GRADS_UP_TO  # a big tensor graph: free each gradient once used (keeps_interior_grads)
    for node in reversed(order):
        op: Op = node._row  # type: ignore[assignment]  # order holds interior nodes only: op is set
        g = node.grad
        if g is None:  # a tensor branch the gradient never reached
            continue
        if drop:
            node.grad = None
        a, b = node._a, node._b
        try:
            # NOTE: arity 1 and 2 are unrolled down to the accumulation: this
            # loop is the hot path of both engines.
            if b is None:
                if not a.requires_grad:  # switched off after recording (requires_grad_(False))
                    continue
                meta = node._meta
                rule = op.vjp[0]
                if not meta:
                    ga = rule(xp, g, node.data, a.data)
                elif len(meta) == 1:  # NOTE: x * c and friends: a plain call, not *args
                    ga = rule(xp, g, node.data, a.data, meta[0])
                else:
                    ga = rule(xp, g, node.data, a.data, *meta)
                if anomaly and not is_finite(ga):
                    raise_anomaly("backward", node, ga)
                if scalar:
                    a.grad += ga
                else:
                    a._accumulate(ga)
                continue
            if b is not MANY:
                args = (a.data, b.data) + node._meta
                ra, rb = op.vjp
                # both rules run before either parent is touched (see ZeroDivisionError below)
                ga = ra(xp, g, node.data, *args) if a.requires_grad else None
                gb = rb(xp, g, node.data, *args) if b.requires_grad else None
                if gb is ga and not scalar and gb is not None and gb.shape == b.data.shape:
                    # add's rule gives g to both parents: b must not keep the same array as a
                    # (a broadcast b gets a fresh sum of it anyway)
                    gb = gb.copy()
                if ga is not None:
                    if anomaly and not is_finite(ga):
                        raise_anomaly("backward", node, ga)
                    if scalar:
                        a.grad += ga
                    else:
                        a._accumulate(ga)
                if gb is not None:
                    if anomaly and not is_finite(gb):
                        raise_anomaly("backward", node, gb)
                    if scalar:
                        b.grad += gb
                    else:
                        b._accumulate(gb)
                continue
            prev: Any = a
            if op.fused is not None:  # a fused node (autograd.fused): one rule gives each parent's gradient
                steps = node._meta[0]
                if len(a) == 3:  # a layer: x, W, b
                    x, w, bb = a
                    xd, wd, bd = x.data, w.data, bb.data
                    steps.need_x = x.requires_grad  # NOTE: as matmul's rule for x runs: if x requires grad now
                    gx, gw, gb = grads = op.vjp(xp, g, node.data, xd, wd, bd, steps)
                    if drop:  # it keeps its interior gradients only for the picture
                        steps.drop_grads()
                    # a fused rule gives each parent a gradient of its exact shape, unless an input's .data was
                    # replaced since the forward
                    if gw.shape != wd.shape or gb.shape != bd.shape or (gx is not None and gx.shape != xd.shape):
                        check_shapes(a, grads)
                    if not anomaly:
                        # NOTE: the hand-over below, unrolled for the three parents
                        if gx is not None:
                            if x._row is not None and x.grad is None and type(gx) is _ND and gx.dtype is xd.dtype:
                                x.grad = gx  # an interior input's first gradient
                            else:
                                x._accumulate(gx)
                        if w.requires_grad:
                            w._accumulate(gw)
                        if bb.requires_grad:
                            bb._accumulate(gb)
                        continue
                elif type(steps) is Chain:  # layers in a row (autograd.fused_chain): x, W1, b1, W2, b2, ...
                    grads = chain_grads(node, g, xp, drop)
                    if not anomaly:
                        hand_over(a, grads)
                        continue
                else:
                    if len(a) == 1:  # a loss: its prediction
                        grads = op.vjp(xp, g, node.data, a[0].data, steps)
                    else:
                        grads = op.vjp(xp, g, node.data, *[p.data for p in a], steps)
                    if drop:
                        steps.drop_grads()
                    check_shapes(a, grads)
            elif op.name == CUSTOM:  # micrograd's way: the node's own _backward adds into its parents
                op.vjp()
                continue
            else:
                grads = rule_results(xp, op, prev, g, node.data, [p.data for p in prev] + list(node._meta))
        except ZeroDivisionError:
            if op.name == CUSTOM:  # raised by a user's _backward: not ours to redo
                raise
            # NOTE: Python floats raise where numpy gives ±inf/nan; redo this
            # node in numpy float64 so both engines give the same numbers.
            prev = node._parents
            grads = grads_float64(node, g)
        except ValueError as e:
            if op.name == CUSTOM or scalar:
                raise
            if op.fused is not None:  # the step that fails, as the unfused nodes say it
                node, g, e = failing_step(node, g, e, not drop)
            raise ValueError(shape_trouble(node, g, e)) from e
        for p, gp in zip(prev, grads):
            if gp is None or not p.requires_grad:
                continue
            if anomaly and not is_finite(gp):
                raise_anomaly("backward", node, gp)
            if scalar:
                p.grad += gp
            elif p._row is not None and p.grad is None and type(gp) is _ND and gp.shape == p.data.shape:
                # NOTE: _accumulate's first case inline (an interior parent's first gradient, of its dtype)
                if gp.dtype is p.data.dtype:
                    p.grad = gp
                else:
                    p._accumulate(gp)
            else:
                p._accumulate(gp)
    if not scalar and not retain_graph:
        free(order)
        if drop:
            node = a = b = prev = p = x = xd = None  # type: ignore[assignment]  # NOTE: locals count as holding them
            release(order, (root,))


def backward_reference(root: Node, gradient: Any = None) -> None:
    """:func:`backward` written plainly: the specification the tuned loop is tested against.

    It is micrograd's loop: every node's ``_backward`` (:func:`autograd.node.backward_step`,
    or a custom node's own function) in reverse topological order, after
    interior gradients are reset and the root is seeded.

    Examples
    --------
    >>> from autograd import Value
    >>> x = Value(3.0)
    >>> backward_reference(x * x + x)
    >>> x.grad
    7.0
    """
    seed = root._seed(gradient)
    order = [n for n in toposort(root) if n._row is not None]
    if root._check_saved is not None:
        root._check_saved(order)
    for node in order:  # interior gradients show this pass only
        node.grad = root._zero
    if root._row is None:
        if root.requires_grad:
            root._accumulate(seed)
        return
    root.grad = seed
    for node in reversed(order):
        if node.grad is not None:  # None: a tensor branch the gradient never reached
            node._backward()
