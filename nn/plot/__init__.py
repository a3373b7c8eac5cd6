"""Pictures of what a network computes, layer by layer (matplotlib, an optional extra).

Install the extra with ``pip install 'layergrad[plot]'``; matplotlib is
imported only when a function here is called.  The numbers behind every
picture come from :mod:`nn.inspect`, which needs no matplotlib.

Every function returns a matplotlib ``Figure`` and, given ``path=``, also
saves it there (atomically: a temporary file, then a rename).  The figure is
not left open in pyplot: in Jupyter it is shown once, as the cell's value; in
a script save it with ``path=`` (or ``fig.savefig``).

- :func:`decision_boundary`: the class the model predicts at each point of
  the 2-D input plane, with the data on top.
- :func:`neuron_maps`: one small heatmap per neuron of every layer over the
  input plane, arranged like the network (columns = layers).
- :func:`layer_representations`: the data as each layer represents it, and
  how each layer bends a regular grid of the input plane.
- :func:`warped_grids`: a grid of the input plane after every layer of several models.
- :func:`linear_probes`: how linearly separable the classes are after each layer.
- :func:`training_curves`: loss and accuracy per epoch (of one model or several).
- :func:`gradient_health`: per layer, gradient size, step size and dead units.
- :func:`animate`: a time-lapse (GIF or a strip of frames) from training snapshots.
- :func:`signed_cmap` and :func:`gradient_cmap`: the colour code of
  :mod:`autograd.palette` as matplotlib colormaps (signed numbers orange-grey-blue,
  gradient magnitude light to dark purple).

Examples
--------
>>> import nn
>>> from nn import plot
>>> X, y = nn.data.circles(60, seed=0)
>>> fig = plot.decision_boundary(nn.MLP(2, [4, 1], seed=0), X, y, resolution=20)
>>> len(fig.axes)
1
"""

from .boundary import decision_boundary
from .charts import linear_probes, training_curves
from .figures import save_figure
from .health import gradient_health
from .maps import neuron_maps
from .parts import gradient_cmap, signed_cmap
from .representations import layer_representations, warped_grids
from .timelapse import animate

__all__ = [
    "save_figure",
    "decision_boundary",
    "neuron_maps",
    "layer_representations",
    "warped_grids",
    "linear_probes",
    "training_curves",
    "gradient_health",
    "animate",
    "signed_cmap",
    "gradient_cmap",
]
