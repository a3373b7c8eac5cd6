"""layergrad's autodiff engine: one graph core, two engines.

- :class:`Value`: one Python float per node, a drop-in for micrograd's ``Value``.
- :class:`Tensor`: one numpy array per node, with PyTorch's names.

Both record every operation into a DAG (with the :func:`stage` it ran in) and
back-propagate through one loop and one table of derivative rules
(:mod:`autograd.ops`).

Examples
--------
>>> from autograd import Value, Tensor
>>> x = Value(2.0)
>>> (x * x).backward()
>>> x.grad
4.0
>>> t = Tensor([2.0], requires_grad=True)
>>> (t * t).sum().backward()
>>> t.grad.tolist()
[4.0]
"""

from .backprop import backward, gc_paused, toposort
from .draw import Graph, GraphvizError, draw_dot, draw_graph
from .functional import (
    GradcheckError,
    elementwise_grad,
    grad,
    gradcheck,
    gradgradcheck,
    hessian,
    hvp,
    jacobian,
    jvp,
    value_and_grad,
    vjp,
)
from .functions import concatenate, matmul, maximum, minimum, ones, randn, stack, tensor, where, zeros
from .hooks import RemovableHandle
from .modes import AnomalyError, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .node import Node
from .ops import OPS
from .stages import StagePath, current_stage, extend_path, register_stage, stage, stage_kind, stage_label
from .tensor import Tensor
from .value import Value, dot

__version__ = "0.1.0"

__all__ = [
    "Value",
    "Tensor",
    "Node",
    "OPS",
    "dot",
    "tensor",
    "matmul",
    "concatenate",
    "stack",
    "where",
    "maximum",
    "minimum",
    "zeros",
    "ones",
    "randn",
    "backward",
    "toposort",
    "gc_paused",
    "stage",
    "stage_label",
    "stage_kind",
    "register_stage",
    "current_stage",
    "StagePath",
    "extend_path",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "AnomalyError",
    "grad",
    "value_and_grad",
    "elementwise_grad",
    "jacobian",
    "hessian",
    "jvp",
    "vjp",
    "hvp",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "RemovableHandle",
    "draw_graph",
    "draw_dot",
    "Graph",
    "GraphvizError",
]
