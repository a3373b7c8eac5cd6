"""Learning-rate schedules (PyTorch's ``torch.optim.lr_scheduler``): step, exponential, cosine, linear, on plateau.

A schedule changes each parameter group's ``"lr"`` when its own ``step()`` is
called (usually once per epoch, after the optimiser's steps), with PyTorch's
rules and defaults: the rate of each group is recomputed from its current
value, so schedules can be chained; each group's starting rate is kept as
``"initial_lr"`` (and in ``base_lrs``).  Making a schedule sets the rate of
step 0 at once (``LinearLR`` starts at ``start_factor`` times the rate).

Examples
--------
>>> from autograd import Value
>>> from nn.optim import SGD
>>> opt = SGD([Value(0.0)], lr=1.0)
>>> sched = StepLR(opt, step_size=2, gamma=0.5)
>>> [round(sched.step(), 3) for _ in range(4)]
[1.0, 0.5, 0.5, 0.25]
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from .optimizer import check_real

__all__ = [
    "LRScheduler",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LambdaLR",
    "LinearLR",
    "ReduceLROnPlateau",
]


def _count(name: str, what: str, x: Any, lo: int = 1) -> int:
    if isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < lo:
        raise ValueError(f"{name}: {what} must be an int >= {lo}, got {x!r}")
    return int(x)


def _groups(name: str, optimizer: Any) -> list[dict[str, Any]]:
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(groups, list) or not all(isinstance(g, dict) and "lr" in g for g in groups):
        raise TypeError(
            f"{name}: expected an optimiser with param_groups holding an lr (e.g. SGD or Adam), "
            f"got {type(optimizer).__name__}"
        )
    return groups


class LRScheduler:
    """Base class: each :meth:`step` advances ``last_epoch`` by one and sets every group's rate.

    Subclasses implement ``next_lr(lr, base_lr, epoch)``: the rate of a group
    at ``epoch`` given its rate ``lr`` at the step before and its initial rate.

    Parameters
    ----------
    optimizer : Optimizer
        Its groups' ``"lr"`` are the initial rates.
    last_epoch : int, default -1
        -1 starts a new schedule; another value resumes one (the groups must
        then hold ``"initial_lr"``).
    """

    def __init__(self, optimizer: Any, last_epoch: int = -1) -> None:
        name = type(self).__name__
        groups = _groups(name, optimizer)
        if last_epoch == -1:
            for g in groups:
                g["initial_lr"] = g["lr"]
        elif not all("initial_lr" in g for g in groups):
            raise KeyError(f"{name}: resuming at last_epoch={last_epoch} needs 'initial_lr' in every parameter group")
        self.optimizer = optimizer
        self.base_lrs = [float(g["initial_lr"]) for g in groups]
        self.last_epoch = int(last_epoch)
        self._last_lr = [float(g["lr"]) for g in groups]
        self.step()

    def next_lr(self, lr: float, base_lr: float, epoch: int) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def step(self) -> float:
        """Advance one step (usually one epoch), set the groups' rates and return the first group's."""
        self.last_epoch += 1
        for g, base in zip(self.optimizer.param_groups, self.base_lrs):
            g["lr"] = self.next_lr(float(g["lr"]), base, self.last_epoch)
        self._last_lr = [float(g["lr"]) for g in self.optimizer.param_groups]
        return self._last_lr[0]

    def get_last_lr(self) -> list[float]:
        """The rates the last :meth:`step` set, one per group."""
        return list(self._last_lr)

    def get_lr(self) -> list[float]:
        """The current rates, one per group (the same as :meth:`get_last_lr`)."""
        return self.get_last_lr()

    @property
    def base_lr(self) -> float:
        """The first group's initial rate."""
        return self.base_lrs[0]

    def state_dict(self) -> dict[str, Any]:
        """The schedule's counters and settings (not the optimiser, not functions)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer" and not callable(v) and k != "lr_lambdas"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved."""
        self.__dict__.update(state_dict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(step={self.last_epoch}, lr={self._last_lr[0]:g})"


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` steps: ``base_lr * gamma ** (epoch // step_size)``.

    Parameters
    ----------
    optimizer : Optimizer
        Its groups' rates are the initial rates.
    step_size : int
        Steps between two decays, >= 1.
    gamma : float, default 0.1
        The factor applied at each decay, >= 0.
    last_epoch : int, default -1
        See :class:`LRScheduler`.

    Examples
    --------
    >>> from autograd import Value
    >>> from nn.optim import SGD
    >>> opt = SGD([Value(0.0)], lr=0.1)
    >>> sched = StepLR(opt, step_size=10, gamma=0.5)
    >>> for _ in range(25):
    ...     _ = sched.step()
    >>> round(opt.lr, 6)
    0.025
    """

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size = _count("StepLR", "step_size", step_size)
        self.gamma = check_real("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        return lr * self.gamma if epoch and epoch % self.step_size == 0 else lr


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` at each of the ``milestones`` (step counts).

    Examples
    --------
    >>> from autograd import Value
    >>> from nn.optim import SGD
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> sched = MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
    >>> [sched.step() for _ in range(5)]
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Any, milestones: Iterable[int], gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.milestones = Counter(_count("MultiStepLR", "a milestone", m, lo=0) for m in milestones)
        self.gamma = check_real("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        return lr * self.gamma ** self.milestones[epoch] if epoch in self.milestones else lr


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every step: ``base_lr * gamma ** epoch``.

    Examples
    --------
    >>> from autograd import Value
    >>> from nn.optim import SGD
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> sched = ExponentialLR(opt, gamma=0.5)
    >>> [sched.step() for _ in range(3)]
    [0.5, 0.25, 0.125]
    """

    def __init__(self, optimizer: Any, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = check_real("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        return lr * self.gamma if epoch else lr


class CosineAnnealingLR(LRScheduler):
    """Follow a cosine from the initial rate down to ``eta_min`` over ``T_max`` steps (and back up after).

    The rate at step ``e`` is ``eta_min + (base_lr - eta_min) * (1 + cos(pi * e / T_max)) / 2``
    (SGDR without restarts), computed step by step from the previous rate as PyTorch does.

    Examples
    --------
    >>> from autograd import Value
    >>> from nn.optim import SGD
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> sched = CosineAnnealingLR(opt, T_max=2)
    >>> [round(sched.step(), 6) for _ in range(4)]
    [0.5, 0.0, 0.5, 1.0]
    """

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.T_max = _count("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = check_real("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        T, eta = self.T_max, self.eta_min
        if epoch == 0:
            return lr
        if (epoch - 1 - T) % (2 * T) == 0:  # NOTE: at the bottom the ratio below is 0/0: step up from eta_min
            return lr + (base_lr - eta) * (1 - math.cos(math.pi / T)) / 2
        return (1 + math.cos(math.pi * epoch / T)) / (1 + math.cos(math.pi * (epoch - 1) / T)) * (lr - eta) + eta


class LambdaLR(LRScheduler):
    """Set the learning rate to ``base_lr * lr_lambda(epoch)`` (one function, or one per group).

    A rate that is a number (a numpy one too) is kept as a Python float, so float32 weights are
    updated in float32, as PyTorch does.

    Examples
    --------
    >>> from autograd import Value
    >>> from nn.optim import SGD
    >>> opt = SGD([Value(0.0)], lr=0.5)
    >>> sched = LambdaLR(opt, lambda epoch: 1 / (epoch + 1))
    >>> [sched.step() for _ in range(3)]
    [0.25, 0.16666666666666666, 0.125]
    """

    def __init__(
        self, optimizer: Any, lr_lambda: Callable[[int], float] | list[Callable[[int], float]], last_epoch: int = -1
    ) -> None:
        groups = _groups("LambdaLR", optimizer)
        fns = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * len(groups)
        if len(fns) != len(groups) or not all(callable(f) for f in fns):
            raise ValueError(f"LambdaLR: expected one function or {len(groups)} (one per group), got {lr_lambda!r}")
        self.lr_lambdas = fns
        super().__init__(optimizer, last_epoch)

    def step(self) -> float:
        self.last_epoch += 1
        for g, base, fn in zip(self.optimizer.param_groups, self.base_lrs, self.lr_lambdas):
            lr = base * fn(self.last_epoch)
            # NOTE: a numpy number as a float: numpy multiplies a float32 gradient by a numpy float64 in float64,
            # PyTorch (and a float) in float32
            g["lr"] = float(lr) if isinstance(lr, numbers.Real) else lr
        self._last_lr = [float(g["lr"]) for g in self.optimizer.param_groups]
        return self._last_lr[0]


class LinearLR(LRScheduler):
    """Change the rate linearly from ``start_factor`` to ``end_factor`` times the initial one in ``total_iters`` steps.

    After ``k`` steps the rate is
    ``base_lr * (start_factor + (end_factor - start_factor) * min(k, total_iters) / total_iters)``
    (computed step by step from the previous rate, as PyTorch does).  PyTorch's
    defaults warm up: from a third of the rate to the full rate in 5 steps.
    micrograd's demo uses ``lr = 1.0 - 0.9 * k / 100``, which is
    ``LinearLR(SGD(params, lr=1.0), 1.0, 0.1, total_iters=100)``.

    Parameters
    ----------
    optimizer : Optimizer
        Its groups' rates are the initial rates.
    start_factor : float, default 1/3
        Multiplier at step 0, in (0, 1].
    end_factor : float, default 1.0
        Multiplier from ``total_iters`` on, in [0, 1].
    total_iters : int, default 5
        How many steps the change takes, >= 1.
    last_epoch : int, default -1
        See :class:`LRScheduler`.

    Examples
    --------
    >>> from autograd import Value
    >>> from nn.optim import SGD
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> sched = LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=100)
    >>> [round(sched.step(), 3) for _ in range(3)]
    [0.991, 0.982, 0.973]
    """

    def __init__(
        self,
        optimizer: Any,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        self.start_factor = check_real("LinearLR", "start_factor", start_factor, 0.0, 1.0)
        if self.start_factor == 0:
            raise ValueError("LinearLR: start_factor must be > 0 and <= 1, got 0.0")
        self.end_factor = check_real("LinearLR", "end_factor", end_factor, 0.0, 1.0)
        self.total_iters = _count("LinearLR", "total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def next_lr(self, lr: float, base_lr: float, epoch: int) -> float:
        s, e, n = self.start_factor, self.end_factor, self.total_iters
        if epoch == 0:
            return lr * s
        if epoch > n:
            return lr
        return lr * (1.0 + (e - s) / (n * s + (epoch - 1) * (e - s)))


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` when a metric has stopped improving for ``patience`` steps.

    Call ``step(metric)`` once per epoch with the validation loss (``mode="min"``)
    or accuracy (``mode="max"``).  A value is an improvement when it beats the
    best so far by more than ``threshold`` (relative: ``best * (1 -+ threshold)``;
    absolute: ``best -+ threshold``); after a reduction, ``cooldown`` steps pass
    before bad steps are counted again; no rate goes below ``min_lr``, and a
    reduction smaller than ``eps`` is skipped.

    Examples
    --------
    >>> from autograd import Value
    >>> from nn.optim import SGD
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> sched = ReduceLROnPlateau(opt, patience=1, factor=0.5)
    >>> [sched.step(loss) for loss in [3.0, 2.0, 2.0, 2.0, 2.0]]
    [1.0, 1.0, 1.0, 0.5, 0.5]
    """

    def __init__(
        self,
        optimizer: Any,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        name = "ReduceLROnPlateau"
        groups = _groups(name, optimizer)
        if mode not in ("min", "max") or threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"{name}: mode must be 'min' or 'max' and threshold_mode 'rel' or 'abs', "
                f"got {mode!r} and {threshold_mode!r}"
            )
        self.factor = check_real(name, "factor", factor, 0.0, 1.0, hi_open=True)
        mins = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * len(groups)
        if len(mins) != len(groups):
            raise ValueError(f"{name}: expected one min_lr or {len(groups)} (one per group), got {len(mins)}")
        self.min_lrs = [check_real(name, "min_lr", m) for m in mins]
        self.mode, self.threshold_mode = mode, threshold_mode
        self.patience = _count(name, "patience", patience, lo=0)
        self.threshold = check_real(name, "threshold", threshold)
        self.cooldown = _count(name, "cooldown", cooldown, lo=0)
        self.eps = check_real(name, "eps", eps)
        self.optimizer = optimizer
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = self.last_epoch = 0
        self.base_lrs = [float(g["lr"]) for g in groups]
        self._last_lr = list(self.base_lrs)

    def is_better(self, current: float) -> bool:
        """Whether ``current`` improves on the best value by more than the threshold."""
        best, t = self.best, self.threshold
        if self.mode == "min":
            return current < (best * (1.0 - t) if self.threshold_mode == "rel" else best - t)
        return current > (best * (t + 1.0) if self.threshold_mode == "rel" else best + t)

    def step(self, metrics: Any = None) -> float:
        """Record this epoch's metric; reduce the rates after ``patience`` epochs without improvement."""
        if metrics is None:
            raise TypeError("ReduceLROnPlateau.step: pass the metric to watch, e.g. sched.step(val_loss)")
        current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        self.last_epoch += 1
        if self.is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for g, floor in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(g["lr"])
                new = max(old * self.factor, floor)
                if old - new > self.eps:
                    g["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [float(g["lr"]) for g in self.optimizer.param_groups]
        return self._last_lr[0]
