"""Loss functions and loss modules: how far a model's predictions are from the targets.

Every loss is called as ``loss(prediction, target)`` and returns **one scalar
node** (the mean over samples, or with ``reduction="sum"`` the sum) that you
can call ``.backward()`` on; ``reduction="none"`` returns the per-element
losses.  The same function serves both engines, because it only uses the
operators of :class:`autograd.Value` and :class:`autograd.Tensor`:

- **tensor engine**: ``prediction`` is the model's output Tensor, shaped
  ``(N,)`` or ``(N, 1)`` for one output per sample and ``(N, k)`` for ``k``
  outputs;
- **scalar engine**: ``prediction`` is a list of Values (one output per
  sample) or a list of lists of Values (``k`` outputs per sample, which is
  what ``[model(x) for x in X]`` gives).

``target`` may be a list, a numpy array or a Tensor (its ``.data`` is used),
shaped ``(N,)`` or ``(N, 1)`` for one output.  Targets never need a gradient.

Which loss for which labels:

- :func:`mse_loss`, :func:`l1_loss`, :func:`huber_loss`, :func:`smooth_l1_loss`:
  any real targets, any number of outputs (regression);
- :func:`hinge_loss`: labels -1 and +1, one score per sample (> 0 means +1);
- :func:`bce_with_logits`: labels 0 and 1, one logit per sample (> 0 means 1);
  :func:`binary_cross_entropy` takes probabilities instead of logits;
- :func:`cross_entropy`: class indices 0 .. k-1, one logit per class;
  :func:`nll_loss` takes log-probabilities instead of logits.

The modules (:class:`MSELoss`, :class:`CrossEntropyLoss`, ...) keep the
options and call these functions, as PyTorch's do.  :func:`l2_penalty` adds
``alpha * sum(w**2)`` over the parameters.

Examples
--------
>>> from autograd import Tensor, Value
>>> bce_with_logits(Tensor([2.0, -1.0]), [1, 0]).item()  # doctest: +ELLIPSIS
0.2200...
>>> bce_with_logits([Value(2.0), Value(-1.0)], [1, 0]).data  # doctest: +ELLIPSIS
0.2200...
"""

from .binary import bce_with_logits, binary_cross_entropy, binary_cross_entropy_with_logits
from .modules import (
    TARGET_CHECKS,
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
    target_check,
)
from .multiclass import cross_entropy, nll_loss
from .regression import hinge_loss, huber_loss, l1_loss, l2_penalty, mse_loss, smooth_l1_loss

__all__ = [
    "mse_loss",
    "l1_loss",
    "huber_loss",
    "smooth_l1_loss",
    "hinge_loss",
    "bce_with_logits",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy",
    "cross_entropy",
    "nll_loss",
    "l2_penalty",
    "Loss",
    "MSELoss",
    "L1Loss",
    "HuberLoss",
    "SmoothL1Loss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "TARGET_CHECKS",
    "target_check",
]
