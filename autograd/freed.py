"""A freed graph: its rows' rules raise, as PyTorch frees the tensors a backward pass saved.

After a first-order backward pass the tensor engine swaps each interior node's
row for a copy whose rules raise (drawings still show the node unchanged), so
a second pass through the graph fails with PyTorch's message unless the first
kept it (``retain_graph=True``).
"""

from __future__ import annotations

import functools
from typing import Any

from .node import Node
from .ops import CUSTOM, Op

__all__ = ["free", "freed", "is_freed"]


def _freed_rule(name: str, *args: Any) -> Any:
    shown = getattr(args[-1], "shown", None) if args else None  # a fused node's record: name its last step
    if shown is not None:
        name = shown.name
    raise RuntimeError(
        f"backward: trying to backward through the graph a second time (op {name!r}): the tensor engine frees "
        "a graph when backward() ends, as PyTorch does. Call the first backward with retain_graph=True to go "
        "through it again"
    )


_FREED: dict[int, Op] = {}  # id(row) -> its freed row (a freed row maps to itself)
_KEPT: list[Op] = []  # the rows behind _FREED's keys, kept alive so that no other row can take their id


def freed(op: Op) -> Op:
    """``op`` with rules that raise (the row a node of a freed graph gets; drawings show it unchanged).

    Examples
    --------
    >>> from autograd.ops import OPS
    >>> row = freed(OPS["exp"])
    >>> row.name, freed(row) is row
    ('exp', True)
    """
    row = _FREED.get(id(op))
    if row is not None:
        return row
    if op.name == CUSTOM:  # micrograd's way: the node's own function, never freed
        return op
    rule = functools.partial(_freed_rule, op.name)
    row = op._replace(vjp=rule if op.variadic else tuple(rule for _ in op.vjp))
    _KEPT.extend((op, row))
    _FREED[id(op)] = _FREED[id(row)] = row
    return row


def is_freed(op: Op) -> bool:
    """Whether ``op`` is a freed row (its rules raise: :func:`freed`).

    Examples
    --------
    >>> from autograd.ops import OPS
    >>> is_freed(OPS["exp"]), is_freed(freed(OPS["exp"]))
    (False, True)
    """
    return _FREED.get(id(op)) is op


def free(order: list[Node]) -> None:
    """Free the graph of these interior nodes: backward through them again raises, as in PyTorch.

    Examples
    --------
    >>> from autograd import Tensor
    >>> y = Tensor([1.0], requires_grad=True).exp()
    >>> free([y])
    >>> y.op.name, y.op is freed(y.op)
    ('exp', True)
    """
    rows = _FREED
    for node in order:
        op = node._row
        # NOTE: the tensor engine's first-order backward ends here: one dict lookup per node (a subscript: no
        # method call; a row seen for the first time is freed once, in the except branch)
        try:
            node._row = rows[id(op)]
        except KeyError:
            node._row = freed(op)  # type: ignore[arg-type]
