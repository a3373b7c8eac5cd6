"""Look inside a trained network: the numbers behind :mod:`nn.plot`.

Each layer of a network re-describes its input; these functions measure those
descriptions.  None of them draws anything (matplotlib is not needed) and none
of them changes the model.

- :func:`activations`: the output of every processing stage of every layer
  (weighted sum, bias, activation), read from the stage tags of the recorded
  computation graph.  Works on both engines.
- :func:`layer_outputs`: the representation after each layer.
- :func:`linear_probes`: how linearly separable the classes are in each
  layer's representation (the accuracy of a linear classifier trained on it,
  with layergrad itself); :func:`fit_probes` returns the trained probes
  (:class:`Probe`), whose straight cuts the pictures draw.
- :func:`gradient_health`: per layer, the gradient and weight norms, the
  update-to-weight ratio and the fraction of dead ReLU units.
- :func:`grid` and :func:`neuron_outputs`: every neuron's output over the 2-D
  input plane (the data behind the neuron-map pictures).
- :class:`Snapshots`, :func:`take_snapshot` and :func:`at_epoch`: copies of
  the weights during training, for pictures of any epoch (a time-lapse).

Examples
--------
>>> import numpy as np
>>> import nn
>>> from nn import inspect
>>> net = nn.MLP(2, [3, 1], seed=0)
>>> acts = inspect.activations(net, np.zeros((4, 2)))
>>> list(acts)
['input', 'layer 1/weighted sum', 'layer 1/bias', 'layer 1/activation', 'layer 2/weighted sum', 'layer 2/bias']
>>> acts["layer 1/activation"].shape
(4, 3)
"""

from .health import RELU_FAMILY, gradient_health
from .plane import Grid, grid, grid_lines, neuron_outputs
from .probes import Probe, fit_probes, linear_probes
from .snapshots import Snapshots, at_epoch, snapshot_list, take_snapshot
from .stages import activations, layer_outputs

__all__ = [
    "activations",
    "layer_outputs",
    "linear_probes",
    "fit_probes",
    "Probe",
    "gradient_health",
    "RELU_FAMILY",
    "Grid",
    "grid",
    "neuron_outputs",
    "grid_lines",
    "take_snapshot",
    "Snapshots",
    "snapshot_list",
    "at_epoch",
]
