"""Optimisers and learning-rate schedules, with PyTorch's names, defaults and update rules.

An optimiser holds parameters (Values or Tensors) in parameter groups and
moves each one against its gradient when :meth:`~Optimizer.step` is called;
it reads ``p.grad`` and writes ``p.data``, so one implementation serves both
engines.  A schedule (:mod:`nn.optim.lr_scheduler`) changes the groups'
learning rates each time its own ``step()`` is called.

The usual loop::

    opt = Adam(model.parameters(), lr=0.01)
    sched = lr_scheduler.StepLR(opt, step_size=30)
    for epoch in range(100):
        opt.zero_grad()
        loss = bce_with_logits(model(X), y)
        loss.backward()
        opt.step()
        sched.step()

Examples
--------
>>> from autograd import Value
>>> w = Value(3.0)
>>> opt = SGD([w], lr=0.1)
>>> (w * w).backward()          # dL/dw = 6
>>> opt.step()
>>> round(w.data, 6)            # 3 - 0.1 * 6
2.4
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .adaptive import Adagrad, RMSprop
from .lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiStepLR,
    ReduceLROnPlateau,
    StepLR,
)
from .optimizer import Optimizer
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "lr_scheduler",
    "LRScheduler",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LambdaLR",
    "LinearLR",
    "ReduceLROnPlateau",
]
