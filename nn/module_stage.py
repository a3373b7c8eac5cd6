"""A module's stage block: made once per module and described again only after some module changed.

Every call of a module enters a stage named after it, labelled with its
``describe()`` and tagged with its kind.  Describing a module and making the
stage path each call cost more than the layer's arithmetic on small batches, so
the block (an :class:`autograd.cached_stage`, which keeps its path under each
calling path) is cached on the module.  :data:`EPOCH` counts changes to any
module (an attribute set or deleted, ``train()``/``eval()``, a rename, a move
into a container); a block cached under an older count is described again, and
kept (with its paths) when the description did not change.
"""

from __future__ import annotations

from typing import Any

from autograd import cached_stage

__all__ = ["EPOCH", "stage_block"]

#: Changes to any module so far (one int in a list, bumped in place).
EPOCH = [0]


def stage_block(module: Any) -> cached_stage:
    """``module``'s stage block: its name, ``describe()`` as the label, its kind (cached, see :data:`EPOCH`).

    Examples
    --------
    >>> import nn
    >>> layer = nn.Linear(2, 3)
    >>> stage_block(layer).label
    'Linear: Linear(2→3)'
    >>> stage_block(layer.set_name("fc")).label
    'fc: Linear(2→3)'
    """
    cached = module._stage_block
    epoch = EPOCH[0]
    if cached is not None and cached[0] == epoch:
        return cached[1]
    name, label, kind = module.name, module.describe(), module.kind
    old = None if cached is None else cached[1]
    if old is not None and (old.name, old.label, old.kind) == (name, label, kind):
        block = old  # unchanged: keep its paths
    else:
        block = cached_stage(name, label, kind)
    object.__setattr__(module, "_stage_block", (epoch, block))
    return block
