"""Small 2-D toy datasets for classification experiments.

Every generator returns a pair ``(X, y)``:

* ``X`` -- a ``float64`` array of shape ``(n, 2)``, one point per row;
* ``y`` -- an ``int64`` array of shape ``(n,)`` holding class labels
  ``0, 1, ..., k-1``.

The points are produced in a random order (classes are interleaved), and the
classes are as balanced as possible: when ``n`` points are spread over ``k``
classes, the class sizes differ by at most one and the first ``n % k``
classes get the extra point.

Randomness comes only from the ``seed`` argument, which is either an ``int``
(fed to :func:`numpy.random.default_rng`) or a ready-made
:class:`numpy.random.Generator` (which is used, and advanced, in place).  The
same integer seed always gives identical arrays.  ``noise`` is always the
standard deviation of isotropic Gaussian jitter added to every coordinate.

Generators
----------
circles   inner disc versus a surrounding ring (not linearly separable)
moons     two interleaving half moons
xor       four quadrants labelled by the XOR of the coordinate signs
spiral    ``classes`` interleaved spiral arms
gaussians isotropic Gaussian blobs
linear    two linearly separable classes with a margin around a line

Helpers
-------
split       shuffled (stratified) train/test split
make_moons  a drop-in replacement for scikit-learn's ``make_moons`` that gives
            the very same numbers for the same random state

Loading
-------
TensorDataset  samples made of rows of tensors (inputs and labels)
DataLoader     mini-batches of Tensors, shuffled from a seed (PyTorch's names)

The generators depend on numpy and the standard library only.

Examples
--------
>>> import numpy as np
>>> X, y = circles(200, seed=0)
>>> X.shape, X.dtype, y.dtype
((200, 2), dtype('float64'), dtype('int64'))
>>> np.bincount(y).tolist()
[100, 100]
"""

from __future__ import annotations

from .loader import DataLoader, TensorDataset, default_collate
from .nonlinear import circles, moons, spiral, xor
from .separable import gaussians, linear
from .sklearn_moons import make_moons
from .splitting import split

__all__ = [
    "circles",
    "moons",
    "xor",
    "spiral",
    "gaussians",
    "linear",
    "split",
    "make_moons",
    "TensorDataset",
    "DataLoader",
    "default_collate",
]
