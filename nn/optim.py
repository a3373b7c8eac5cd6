"""Optimisers and learning-rate schedules (PyTorch's names and update rules).

An optimiser holds a list of parameters (Values or Tensors) and moves each
one against its gradient when :meth:`~Optimizer.step` is called.  It reads
``p.grad`` and writes ``p.data`` and nothing else, so one implementation serves
both engines: a Tensor's array is updated **in place**, a Value's float is
replaced.  Parameters whose ``grad`` is None (a Tensor that took no part in
the last backward) or that do not require grad are skipped.

The usual loop::

    opt = Adam(model.parameters(), lr=0.01)
    for epoch in range(100):
        opt.zero_grad()
        loss = bce_with_logits(model(X), y)
        loss.backward()
        opt.step()

A schedule changes ``optimizer.lr`` each time its own ``step()`` is called
(usually once per epoch): :class:`LinearLR` (micrograd's demo decays the rate
linearly) and :class:`StepLR`.

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

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

from autograd import Node, Tensor, Value, no_grad

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "LRScheduler", "LinearLR", "StepLR"]


def _real(name: str, what: str, x: Any, lo: float = 0.0, hi: float | None = None, hi_open: bool = False) -> float:
    """``x`` as a float in [lo, hi] (or [lo, hi)), or a clear error."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name}: {what} must be a number, got {x!r} of type {type(x).__name__}")
    x = float(x)
    if not math.isfinite(x) or x < lo or (hi is not None and (x >= hi if hi_open else x > hi)):
        upper = "" if hi is None else (f" and < {hi:g}" if hi_open else f" and <= {hi:g}")
        raise ValueError(f"{name}: {what} must be >= {lo:g}{upper}, got {x!r}")
    return x


class Optimizer:
    """Base class: holds the parameters, their state and the learning rate.

    Subclasses implement ``_update(i, p, g)``, which returns the amount to
    subtract from ``p.data`` given the gradient ``g`` of parameter ``i``.

    Parameters
    ----------
    params : iterable of Values or Tensors
        Leaves to optimise, typically ``model.parameters()`` (a generator is
        consumed once and kept as a list).
    lr : float
        The learning rate, >= 0.

    Attributes
    ----------
    params : list
        The parameters, in the order given.
    lr : float
        The current learning rate (schedules change it).
    state : list of dict
        Per-parameter state (momentum buffers, Adam's moments and step count).

    Examples
    --------
    >>> from autograd import Value
    >>> SGD([], lr=0.1)
    Traceback (most recent call last):
    ...
    ValueError: SGD: got no parameters (an empty list, or a generator that was already used up); pass model.parameters()
    """

    def __init__(self, params: Iterable[Any], lr: float) -> None:
        name = type(self).__name__
        if isinstance(params, Node):
            raise TypeError(
                f"{name}: params must be an iterable of parameters (e.g. model.parameters()), "
                f"got one {type(params).__name__}; wrap it in a list"
            )
        if hasattr(params, "parameters") and callable(params.parameters) and not isinstance(params, (list, tuple)):
            raise TypeError(f"{name}: got a model; pass its parameters: {name}(model.parameters(), ...)")
        try:
            ps = list(params)
        except TypeError:
            raise TypeError(
                f"{name}: params must be an iterable of Values or Tensors, got {type(params).__name__}"
            ) from None
        if not ps:
            raise ValueError(
                f"{name}: got no parameters (an empty list, or a generator that was already used up); "
                "pass model.parameters()"
            )
        seen: set[int] = set()
        for i, p in enumerate(ps):
            if not isinstance(p, (Value, Tensor)):
                raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}; parameters must be Values or Tensors")
            if p.op is not None:
                raise ValueError(
                    f"{name}: parameter {i} is not a leaf (it was computed by {p.op.name!r}); "
                    "optimise the leaves a model owns, e.g. model.parameters()"
                )
            if id(p) in seen:
                raise ValueError(f"{name}: parameter {i} appears more than once; it would be updated twice per step")
            seen.add(id(p))
        self.params: list[Any] = ps
        self.lr = _real(name, "lr", lr)
        self.state: list[dict[str, Any]] = [{} for _ in ps]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (None for Tensors, 0.0 for Values).

        Examples
        --------
        >>> from autograd import Value
        >>> w = Value(1.0); w.grad = 5.0
        >>> SGD([w], lr=0.1).zero_grad(); w.grad
        0.0
        """
        for p in self.params:
            p.grad = None if isinstance(p, Tensor) else 0.0

    def step(self) -> None:
        """Update every parameter that has a gradient, in place.

        Examples
        --------
        >>> from autograd import Tensor
        >>> w = Tensor([1.0, 2.0], requires_grad=True)
        >>> (w * w).sum().backward()
        >>> SGD([w], lr=0.5).step(); w.data.tolist()
        [0.0, 0.0]
        """
        with no_grad():
            for i, p in enumerate(self.params):
                g = p.grad
                if g is None or not p.requires_grad:
                    continue
                if isinstance(g, Node):  # recorded by backward(create_graph=True): step uses its numbers
                    g = g.data
                if isinstance(p, Tensor):
                    p.data -= self._update(i, p, g)  # NOTE: in place: views of the array see the change
                else:
                    p.data = float(p.data - self._update(i, p, g))

    def _update(self, i: int, p: Any, g: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _args(self) -> str:
        return f"lr={self.lr:g}"

    def __repr__(self) -> str:
        n = len(self.params)
        return f"{type(self).__name__}({n} parameter{'s' if n != 1 else ''}, {self._args()})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay.

    For each parameter ``w`` with gradient ``g``::

        g = g + weight_decay * w                # L2 weight decay
        v = momentum * v + g                    # v starts at 0
        w = w - lr * (g + momentum * v if nesterov else v)

    With ``momentum=0`` this is plain ``w = w - lr * g``, the update of micrograd's demo.

    Parameters
    ----------
    params : iterable of Values or Tensors
        The parameters, e.g. ``model.parameters()``.
    lr : float
        Learning rate (step size), >= 0.
    momentum : float, default 0
        In [0, 1): how much of the previous step is kept.
    weight_decay : float, default 0
        L2 penalty factor, >= 0 (the same as adding ``weight_decay / 2 * sum(w**2)`` to the loss).
    nesterov : bool, default False
        Nesterov momentum (needs ``momentum > 0``).

    Examples
    --------
    >>> from autograd import Value
    >>> w = Value(1.0)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad(); w.backward(); opt.step()     # the gradient is 1 both times
    >>> round(w.data, 6)   # 1 - 0.1 * 1 - 0.1 * (0.9 + 1)
    0.71
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _real("SGD", "momentum", momentum, 0.0, 1.0, hi_open=True)
        self.weight_decay = _real("SGD", "weight_decay", weight_decay)
        if nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")
        self.nesterov = bool(nesterov)

    def _update(self, i: int, p: Any, g: Any) -> Any:
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if not self.momentum:
            return self.lr * g
        st = self.state[i]
        v = self.momentum * st["momentum"] + g if "momentum" in st else g + 0.0
        st["momentum"] = v
        return self.lr * (g + self.momentum * v if self.nesterov else v)

    def _args(self) -> str:
        extra = [f"momentum={self.momentum:g}"] if self.momentum else []
        if self.nesterov:
            extra.append("nesterov=True")
        if self.weight_decay:
            extra.append(f"weight_decay={self.weight_decay:g}")
        return ", ".join([super()._args(), *extra])


class Adam(Optimizer):
    """Adam: per-parameter step sizes from running averages of the gradient.

    For each parameter ``w`` with gradient ``g``, at its ``t``-th update::

        g = g + weight_decay * w                        # L2 (coupled) weight decay
        m = beta1 * m + (1 - beta1) * g                 # mean of g
        v = beta2 * v + (1 - beta2) * g * g             # mean of g squared
        m_hat = m / (1 - beta1 ** t)                    # bias correction: m, v start at 0
        v_hat = v / (1 - beta2 ** t)
        w = w - lr * m_hat / (sqrt(v_hat) + eps)

    Parameters
    ----------
    params : iterable of Values or Tensors
        The parameters, e.g. ``model.parameters()``.
    lr : float, default 1e-3
        Learning rate: roughly the size of each parameter's first steps.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the two running averages, each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator so it is never 0.
    weight_decay : float, default 0
        L2 penalty added to the gradient (see :class:`AdamW` for the decoupled form).

    Examples
    --------
    >>> from autograd import Value
    >>> w = Value(5.0)
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).backward(); opt.step()
    >>> round(w.data, 6)   # the first Adam step has size lr whatever the gradient
    4.9
    """

    _decoupled = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        name = type(self).__name__
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            _real(name, "betas[0]", betas[0], 0.0, 1.0, hi_open=True),
            _real(name, "betas[1]", betas[1], 0.0, 1.0, hi_open=True),
        )
        self.eps = _real(name, "eps", eps)
        self.weight_decay = _real(name, "weight_decay", weight_decay)

    def _update(self, i: int, p: Any, g: Any) -> Any:
        b1, b2 = self.betas
        st = self.state[i]
        decay = 0.0
        if self.weight_decay:
            if self._decoupled:
                decay = self.lr * self.weight_decay * p.data  # NOTE: AdamW: not scaled by the moments
            else:
                g = g + self.weight_decay * p.data
        t = st.get("step", 0) + 1
        m = b1 * st["m"] + (1 - b1) * g if t > 1 else (1 - b1) * g
        v = b2 * st["v"] + (1 - b2) * (g * g) if t > 1 else (1 - b2) * (g * g)
        st["step"], st["m"], st["v"] = t, m, v
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        return decay + self.lr * m_hat / (v_hat**0.5 + self.eps)

    def _args(self) -> str:
        extra = []
        if self.betas != (0.9, 0.999):
            extra.append(f"betas=({self.betas[0]:g}, {self.betas[1]:g})")
        if self.eps != 1e-8:
            extra.append(f"eps={self.eps:g}")
        if self.weight_decay:
            extra.append(f"weight_decay={self.weight_decay:g}")
        return ", ".join([super()._args(), *extra])


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter).

    The weights shrink by ``lr * weight_decay * w`` each step, separately from
    the Adam step on the plain gradient (in :class:`Adam`, the decay is added
    to the gradient and then rescaled by the moments)::

        w = w - lr * weight_decay * w - lr * m_hat / (sqrt(v_hat) + eps)

    Parameters
    ----------
    params : iterable of Values or Tensors
        The parameters.
    lr : float, default 1e-3
        Learning rate.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the running averages.
    eps : float, default 1e-8
        Added to the denominator.
    weight_decay : float, default 1e-2
        Decoupled decay factor (PyTorch's default).

    Examples
    --------
    >>> from autograd import Value
    >>> w = Value(5.0)
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = 0.0; opt.step()     # no gradient: only the decay acts
    >>> round(w.data, 6)             # 5 - 0.1 * 0.5 * 5
    4.75
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


# ---------------------------------------------------------------------------
# learning-rate schedules
# ---------------------------------------------------------------------------


class LRScheduler:
    """Base class: sets ``optimizer.lr`` from a rule of the step count.

    The initial learning rate (``base_lr``) is read when the schedule is made
    and the rate for step 0 is set at once; each :meth:`step` advances the
    count by one and sets the next rate.  Subclasses implement
    ``_factor(k)``, the multiplier of ``base_lr`` after ``k`` steps.

    Examples
    --------
    >>> from autograd import Value
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> sched = StepLR(opt, step_size=2, gamma=0.5)
    >>> [round(sched.step(), 3) for _ in range(4)]
    [1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Any) -> None:
        if not hasattr(optimizer, "lr"):
            raise TypeError(
                f"{type(self).__name__}: expected an optimiser with an lr attribute (e.g. SGD or Adam), "
                f"got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = float(optimizer.lr)
        self.last_step = 0
        optimizer.lr = self.get_lr()

    def _factor(self, k: int) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def get_lr(self) -> float:
        """The learning rate for the current step count."""
        return self.base_lr * self._factor(self.last_step)

    def step(self) -> float:
        """Advance one step (usually one epoch), set and return the new learning rate."""
        self.last_step += 1
        lr = self.get_lr()
        self.optimizer.lr = lr
        return lr

    def __repr__(self) -> str:
        return f"{type(self).__name__}(step={self.last_step}, lr={self.get_lr():g})"


class LinearLR(LRScheduler):
    """Change the learning rate linearly from ``start_factor`` to ``end_factor`` times the initial one.

    After ``k`` steps the rate is
    ``base_lr * (start_factor + (end_factor - start_factor) * min(k, total_steps) / total_steps)``
    and it stays at ``base_lr * end_factor`` after ``total_steps`` steps.
    micrograd's demo uses ``lr = 1.0 - 0.9 * k / 100``, which is
    ``LinearLR(SGD(params, lr=1.0), 1.0, 0.1, total_steps=100)``.

    Parameters
    ----------
    optimizer : Optimizer
        Its ``lr`` is the initial rate.
    start_factor, end_factor : float, default 1.0 and 0.1
        Multipliers of the initial rate at step 0 and at ``total_steps``, >= 0.
    total_steps : int, default 100
        How many steps the change takes, >= 1.

    Examples
    --------
    >>> from autograd import Value
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> sched = LinearLR(opt, start_factor=1.0, end_factor=0.1, total_steps=100)
    >>> [round(sched.step(), 3) for _ in range(3)]
    [0.991, 0.982, 0.973]
    """

    def __init__(self, optimizer: Any, start_factor: float = 1.0, end_factor: float = 0.1, total_steps: int = 100):
        self.start_factor = _real("LinearLR", "start_factor", start_factor)
        self.end_factor = _real("LinearLR", "end_factor", end_factor)
        if isinstance(total_steps, bool) or not isinstance(total_steps, (int, numbers.Integral)) or total_steps < 1:
            raise ValueError(f"LinearLR: total_steps must be an int >= 1, got {total_steps!r}")
        self.total_steps = int(total_steps)
        super().__init__(optimizer)

    def _factor(self, k: int) -> float:
        return self.start_factor + (self.end_factor - self.start_factor) * min(k, self.total_steps) / self.total_steps


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` steps.

    After ``k`` steps the rate is ``base_lr * gamma ** (k // step_size)``.

    Parameters
    ----------
    optimizer : Optimizer
        Its ``lr`` is the initial rate.
    step_size : int
        Steps between two decays, >= 1.
    gamma : float, default 0.1
        The factor applied at each decay, >= 0.

    Examples
    --------
    >>> from autograd import Value
    >>> opt = SGD([Value(0.0)], lr=0.1)
    >>> sched = StepLR(opt, step_size=10, gamma=0.5)
    >>> for _ in range(25):
    ...     _ = sched.step()
    >>> round(opt.lr, 6)
    0.025
    """

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1):
        if isinstance(step_size, bool) or not isinstance(step_size, (int, numbers.Integral)) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be an int >= 1, got {step_size!r}")
        self.step_size = int(step_size)
        self.gamma = _real("StepLR", "gamma", gamma)
        super().__init__(optimizer)

    def _factor(self, k: int) -> float:
        return self.gamma ** (k // self.step_size)
