"""The graph core's table of contents: one import for everything both engines share.

Each idea lives in a module of its own; this module only re-exports them, so
``from autograd.graph import ...`` keeps working:

- :mod:`autograd.node`: ``Node`` and the one builder of op nodes;
- :mod:`autograd.backprop`: ``backward`` (tuned), ``backward_reference``
  (plain), ``toposort``;
- :mod:`autograd.stages`: ``stage`` tags and their labels;
- :mod:`autograd.modes`: ``no_grad``, ``enable_grad``, ``detect_anomaly``;
- :mod:`autograd.context`: the context variable the last two write.

Examples
--------
>>> from autograd.graph import Node, backward, stage
>>> from autograd import Value
>>> isinstance(Value(1.0), Node)
True
"""

from __future__ import annotations

from .backprop import backward, backward_reference, gc_paused, toposort
from .modes import AnomalyError, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .node import MANY, Node
from .stages import (
    STAGE_KINDS,
    StagePath,
    current_stage,
    extend_path,
    register_stage,
    stage,
    stage_kind,
    stage_label,
)

__all__ = [
    "Node",
    "MANY",
    "backward",
    "backward_reference",
    "toposort",
    "gc_paused",
    "stage",
    "stage_label",
    "stage_kind",
    "register_stage",
    "current_stage",
    "StagePath",
    "extend_path",
    "STAGE_KINDS",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "AnomalyError",
]
