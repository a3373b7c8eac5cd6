"""An MLP's layers recorded as one fused node while training (:mod:`autograd.fused_chain`), when nothing differs.

``nn.MLP.__call__`` on the tensor engine calls its layers one by one; each
``Linear`` checks that nothing asks for its general path (hooks, a patched
``forward``, a patched activation, another stage) and records one fused node
with the stage tags it keeps in its plan.  When every layer did that on a
call, the model keeps a *chain plan*: its layers (held weakly, so a layer it no
longer has is not kept alive), their rows, constants and stage tags.  The plan
holds while no module changed (:data:`nn.module_stage.EPOCH`: replacing a layer,
its activation, bias or parameters, setting a ``forward``, registering a hook
all move it), no stage label was registered
(:data:`autograd.stages.REGISTRY_WRITES`) and the call comes from the same
stage; per call :func:`run_chain` compares what no epoch sees (``Linear``'s
``forward`` and ``__call__``, each activation class's ``node`` and ``fn``) and
:class:`autograd.fused_chain.ChainPlan` the parameters' arrays.  Then the
whole chain is recorded as one node; anything else, or a chain the plan
declines (no grad, layers too wide, arrays of another dtype or layout), runs the
layers one by one as before.  The numbers, stage tags and the graph read back
are the same either way.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from autograd import Tensor
from autograd.context import CTX
from autograd.fused import ENABLED as FUSE
from autograd.fused_chain import ChainPlan
from autograd.stages import REGISTRY_WRITES as _WRITES

from .layers import Linear
from .module_stage import EPOCH
from .targets import data_leaf

__all__ = ["plan_chain", "run_chain"]

_get_ctx = CTX.get
_LINEAR_CALL = Linear.__call__
_LINEAR_FORWARD = Linear.forward  # the class's own, at import


def plan_chain(model: Any, outer: Any, inner: Any, epoch: int) -> tuple | None:
    """The chain plan of ``model``'s layers just called in stage ``inner`` (the model's block, entered from
    stage ``outer``) at module epoch ``epoch``; None if they could be one chain but did not all take their fast
    path this time (try again on the next call).  A plan without a chain (``plan[3]`` None) says they can never
    be one (fewer than two, not all Linear with a bias and an activation with a plan) until a module changes.

    Examples
    --------
    >>> import numpy as np, nn
    >>> net = nn.MLP(2, [3, 1], seed=0)
    >>> _ = net(np.ones((4, 2)))  # the first call caches the stage blocks
    >>> _ = net(np.ones((4, 2)))  # the second: the layers make their plans, the model its chain plan
    >>> len(net._chain_plan[3].params)
    4
    """
    never = (outer, epoch, _WRITES[0], None, ())
    plans = []
    for layer in model.layers._modules.values():
        if type(layer) is not Linear or layer.bias is None:
            return never
        lp = layer._fused_plan
        if lp is None:
            return never if FUSE[0] and type(layer.activation) not in _PLANNED else None
        cached = layer._stage_block
        if (
            lp[0] is not inner
            or cached is None
            or cached[0] != EPOCH[0]
            or lp[1] != cached[0] + _WRITES[0]
            or layer._forward_hooks
            or layer._backward_hooks
            or layer.activation is not lp[3]
        ):
            return None
        plans.append((layer, lp))
    if len(plans) < 2:
        return never
    params = _params_of(tuple(layer for layer, _ in plans))
    rows, metas, stages = (tuple(lp[k] for _, lp in plans) for k in (4, 5, 2))
    classes = {type(lp[3]): (lp[6], lp[7]) for _, lp in plans}  # each activation class's node and fn
    checks = tuple((cls, node, fn) for cls, (node, fn) in classes.items())
    return (outer, epoch, _WRITES[0], ChainPlan(params, rows, metas, stages), checks)  # type: ignore[arg-type]


def _params_of(layers: tuple[Linear, ...]) -> Any:
    """A function giving the weights and biases of ``layers`` (held weakly), or None once one of them is gone."""
    refs = tuple(map(weakref.ref, layers))

    def params() -> tuple[Any, ...] | None:
        out: list[Any] = []
        for ref in refs:
            layer = ref()
            if layer is None:
                return None
            out += (layer.weight, layer.bias)  # NOTE: replacing either changes the module epoch: no new plan needed
        return tuple(out)

    return params


def run_chain(model: Any, x: Any, plan: tuple) -> Any:
    """``model``'s layers on ``x`` as one fused node by ``plan``, or None (the caller runs them one by one).

    What ``Linear.__call__`` checks per call before it uses its own plan, the plan checks too: hooks, a
    ``forward`` set on a layer, its activation, bias or parameters replaced all change the module epoch (the
    caller compares it); ``Linear``'s ``forward`` and ``__call__`` and each activation class's ``node`` and
    ``fn`` (which may be patched on the class) are compared here, and the arrays by :class:`ChainPlan`.

    Examples
    --------
    >>> import numpy as np, nn
    >>> net = nn.MLP(2, [3, 1], seed=0)
    >>> y0 = net(np.ones((4, 2))); y0 = net(np.ones((4, 2)))
    >>> y = run_chain(net, np.ones((4, 2)), net._chain_plan)
    >>> y._row.name, bool((y.data == y0.data).all())
    ('layers', True)
    """
    if not FUSE[0] or Linear.forward is not _LINEAR_FORWARD or Linear.__call__ is not _LINEAR_CALL:
        return None
    for cls, node, fn in plan[4]:
        if cls.node is not node or cls.fn is not fn:
            return None
    tx = type(x)
    if tx is Tensor:
        return plan[3](x)
    if tx is np.ndarray:
        return plan[3](data_leaf(x, "input"))
    return None


def _planned() -> tuple[type, ...]:
    from .activations import FUSED_ROWS, LeakyReLU

    return tuple(t for t in FUSED_ROWS if t is not LeakyReLU)  # leaky_relu's slope is read per call: no plan


_PLANNED = _planned()
