"""A training step's backward pass in one go: a fused loss over a fused chain of layers, and backward's error texts.

The tensor engine's :func:`autograd.backward` walks any graph with one loop
(:mod:`autograd.backprop`).  A training step's graph through ``nn`` is mostly
two nodes: the fused loss (``mse_loss``, ``cross_entropy``) over the fused
chain of an MLP's layers (:mod:`autograd.fused_chain`), whose parents are the
input and the parameters.  :func:`loss_over_chain` runs exactly what that loop
runs for such a graph (the same rules, the same hand-over of each gradient,
the same freeing), without finding the node order, without the loop's
dispatch and checks per node; it declines, before changing anything,
everything else: another graph, a freed one, :func:`autograd.detect_anomaly`,
a graph that something changed in place since it was recorded (the in-place
check), or one big enough to keep no interior gradients.

The helpers below word the error of a rule that fails on shapes (an input's
``.data`` replaced after recording) as the unfused nodes would: both passes
use them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .context import CTX as _CTX
from .convert import unbroadcast
from .freed import free, is_freed
from .fused_chain import CHAIN, hand_over
from .node import MANY, Node, parent_grads
from .ops import Op
from .versions import CLOCK, unfused_pieces

__all__ = ["loss_over_chain", "chain_grads", "check_shapes", "failing_step", "shape_trouble"]

_ND = np.ndarray


def loss_over_chain(root: Node, gradient: Any, retain_graph: bool | None, keep_up_to: int) -> bool:
    """Back-propagate from fused loss ``root`` through the chain node that is its one input; False (nothing done)
    for any other graph, which :func:`autograd.backward`'s loop then runs.

    The caller holds :data:`autograd.node.UNFUSING` (no reader unfuses a node the pass runs through);
    ``keep_up_to`` is its limit for a graph that keeps its interior gradients (its
    :data:`autograd.propagate.INTERIOR_GRADS_UP_TO`).

    Examples
    --------
    >>> import numpy as np, nn
    >>> net = nn.MLP(2, [3, 1], seed=0)
    >>> for _ in range(3):
    ...     loss = nn.mse_loss(net(np.ones((4, 2))), np.zeros((4, 1)))
    >>> loss._a[0]._row.name  # a fused loss over the layers' chain
    'layers'
    >>> from autograd.node import UNFUSING
    >>> with UNFUSING:
    ...     loss_over_chain(loss, None, None, 1 << 20)
    True
    >>> net.layers[0].bias.grad.shape
    (3,)
    """
    row = root._row
    if row is None or root._b is not MANY or row.fused is None:
        return False
    a = root._a
    if len(a) != 1:
        return False
    m = a[0]
    if m._row is not CHAIN or m._b is not MANY:  # (a freed chain's row is not CHAIN)
        return False
    now = CLOCK.now
    if root._born < now or m._born < now or is_freed(row) or _CTX.get()[2]:  # type: ignore[attr-defined]
        return False  # NOTE: the loop runs the in-place check, a freed row's error and detect_anomaly's unfusing
    params = m._a
    for p in params:
        if p._row is not None:  # an input made by an op: the loop walks on
            return False
    loss, chain = root._meta[0], m._meta[0]
    if root.data.size + loss.hidden + m.data.size + chain.hidden > keep_up_to:
        return False  # a big graph: the loop frees its interior gradients and data as it goes
    # what the loop does for these two nodes, in its order
    seed = root._seed(gradient)
    loss.drop_grads()
    chain.drop_grads()
    m.grad = None
    root.grad = seed
    xp, node, g = root._xp, root, seed
    try:
        md = m.data
        gm = row.vjp(xp, seed, root.data, md, loss)[0]
        if gm is not None and m.requires_grad:
            if gm.shape != md.shape:
                check_shapes(a, (gm,))
            if type(gm) is _ND and gm.dtype is md.dtype:
                m.grad = gm  # the chain's first gradient (the loop's hand-over to an interior parent)
            else:
                m._accumulate(gm)
            node, g = m, m.grad
            hand_over(params, chain_grads(m, g, xp, False))
    except ValueError as e:
        node, g, e = failing_step(node, g, e, True)  # (a graph that keeps its interior gradients)
        raise ValueError(shape_trouble(node, g, e)) from e
    if not retain_graph:
        free([m, root])
    return True


def chain_grads(node: Node, g: Any, xp: Any, drop: bool) -> list[Any]:
    """Chain node ``node``'s gradients for its parents at gradient ``g``, their shapes checked (an input's
    ``.data`` may have been replaced since); ``drop``: forget its interior gradients (a big graph).

    Examples
    --------
    >>> import numpy as np, nn
    >>> from autograd.xp import ARRAY
    >>> net = nn.MLP(2, [3, 1], seed=0)
    >>> for _ in range(3):
    ...     y = net(np.ones((4, 2)))
    >>> [None if gp is None else gp.shape for gp in chain_grads(y, np.ones((4, 1)), ARRAY, False)]
    [None, (2, 3), (3,), (3, 1), (1,)]
    """
    a, chain = node._a, node._meta[0]
    chain.need_x = a[0].requires_grad  # as the first layer's node does
    grads = node._row.vjp(xp, g, node.data, *[p.data for p in a], chain)  # type: ignore[union-attr]
    if drop:
        chain.drop_grads()
    check_shapes(a, grads)
    return grads


def check_shapes(parents: Any, grads: Any) -> None:
    """Raise for a fused rule's gradient whose shape is not its parent's (backward turns it into its message).

    Examples
    --------
    >>> from autograd import Tensor
    >>> check_shapes((Tensor([1.0, 2.0]),), (np.ones(3),))
    Traceback (most recent call last):
    ...
    ValueError: a gradient of shape (3,) for an input of shape (2,)
    """
    for p, gp in zip(parents, grads):
        if gp is not None and gp.shape != p.data.shape:
            raise ValueError(f"a gradient of shape {gp.shape} for an input of shape {p.data.shape}")


def failing_step(node: Node, g: Any, e: ValueError, keep: bool) -> tuple[Node, Any, ValueError]:
    """Fused ``node`` (whose rule raised ``e`` at gradient ``g``) unfused, its nodes' rules run last step first
    until one raises: that node, its gradient and its error (the fused ones when none does).  The leaves of
    the steps before it get their gradients, as the unfused pass gives them before it fails, and so do the
    steps it reached if ``keep`` (a graph that keeps its interior gradients; the others have none).

    Examples
    --------
    >>> from autograd import Tensor
    >>> x = Tensor([[1.0, 2.0]], requires_grad=True)
    >>> y = x * 2.0
    >>> failing_step(y, np.ones((1, 2)), ValueError("no"), True)[0] is y
    True
    """
    pieces = unfused_pieces(node)[::-1]
    for k, piece in enumerate(pieces):
        # NOTE: the gradient the unfused pass hands the step (its only consumer is the step after it) and keeps
        # once the step has run; the steps it does not reach have none (the fused rule may have run further)
        piece.grad = g if keep else None
        handed = []
        try:
            grads = parent_grads(piece, g)
            for p, gp in zip(piece._parents, grads):  # as the unfused loop hands each gradient over, in order
                if gp is not None:
                    unbroadcast(np.asarray(gp), np.shape(p.data))
                    handed.append((p, gp))
        except ValueError as err:
            _hand_over(pieces[k + 1 :], handed)  # the parents before the failing one have theirs
            return piece, g, err
        g = grads[0] if len(grads) == 1 or piece._b is not piece._a else grads[0] + grads[1]  # d * d: both
        if g is None:
            _hand_over(pieces[k + 1 :], handed)
            break
        _hand_over((), handed)
    return node, g, e


def _hand_over(unreached: Any, handed: list[tuple[Node, Any]]) -> None:
    """What the unfused pass leaves on the steps ``unreached`` (no gradient) and the parents ``handed`` their
    gradients before it stops (a leaf adds it; a step not run yet holds it)."""
    for n in unreached:
        n.grad = None
    for p, gp in handed:
        if p._row is None:
            if p.requires_grad:
                p._accumulate(gp)
        else:
            p.grad = gp


def shape_trouble(node: Node, g: Any, e: Exception) -> str:
    """The message for a derivative rule that failed on shapes (an input's data replaced after recording).

    Examples
    --------
    >>> from autograd import Tensor
    >>> y = Tensor([1.0], requires_grad=True) * 2.0
    >>> shape_trouble(y, np.ones(2), ValueError("bad")).startswith("backward of 'mul'")
    True
    """
    op: Op = node._row  # type: ignore[assignment]  # an interior node
    shapes = ", ".join(str(getattr(p.data, "shape", ())) for p in node._parents)
    return (
        f"backward of {op.name!r} at stage {node.stage!r}: the rule failed with {e}; its inputs now have shapes "
        f"{shapes}, its output {getattr(node.data, 'shape', ())} and the incoming gradient "
        f"{getattr(g, 'shape', ())}. Was an input's .data replaced with another shape after the op was recorded? "
        "Assign data of the same shape, or run the forward pass again."
    )
