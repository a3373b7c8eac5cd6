"""The explorer: one interactive page that replays a training run and steps through backprop.

- :func:`explore`: train a 2-input network (``nn.MLP``, an ``nn.Sequential`` of
  dense layers and activations, ``nn.from_torch(...)``) while recording (or take
  the :class:`nn.History` of ``nn.fit(..., record=True)``) and make an :class:`Explorer`.
- :class:`Explorer`: shows itself in Jupyter and saves one self-contained HTML file.
- :class:`Recording`: what ``nn.fit(..., record=...)`` keeps of a run.
- :func:`backprop_trace`: one sample's forward and backward pass, node by node.

Examples
--------
>>> import nn
>>> X, y = nn.data.circles(60, seed=0)
>>> ex = nn.explore(nn.MLP(2, [4, 1], seed=0), X, y, epochs=3, probe_epochs=5)
>>> ex.data["epochs"]
[0, 1, 2, 3]
"""

from .page import Explorer, explore
from .recording import Recording
from .trace import backprop_trace

__all__ = ["explore", "Explorer", "Recording", "backprop_trace"]
