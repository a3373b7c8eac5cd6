"""``RMSprop`` and ``Adagrad``: steps divided by a running size of the gradient (PyTorch's rules)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check_real

__all__ = ["RMSprop", "Adagrad"]


def _zeros(g: Any) -> Any:
    return np.zeros_like(g) if isinstance(g, np.ndarray) else 0.0


class RMSprop(Optimizer):
    """RMSprop: divide each step by a running root-mean-square of the gradient (Hinton's lecture 6e).

    For each parameter ``w`` with gradient ``g`` (PyTorch's algorithm; averages start at 0)::

        g = g + weight_decay * w
        v = alpha * v + (1 - alpha) * g * g
        a = alpha * a + (1 - alpha) * g                  # centered only
        d = sqrt(v - a * a) + eps if centered else sqrt(v) + eps
        b = momentum * b + g / d;  w = w - lr * b        # momentum > 0
        w = w - lr * g / d                               # momentum = 0

    Parameters
    ----------
    params : iterable of Values or Tensors, or of parameter-group dicts
        The parameters.
    lr : float, default 1e-2
        Learning rate.
    alpha : float, default 0.99
        Decay rate of the running averages, in [0, 1).
    eps : float, default 1e-8
        Added to the denominator.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    momentum : float, default 0
        Momentum of the divided steps, in [0, 1).
    centered : bool, default False
        Divide by an estimate of the gradient's variance instead of its second moment.
    maximize : bool, default False
        Climb the objective instead of descending it.

    Examples
    --------
    >>> from autograd import Value
    >>> w = Value(1.0)
    >>> w.grad = 2.0; RMSprop([w], lr=0.01, alpha=0.75).step()
    >>> round(w.data, 6)     # 1 - 0.01 * 2 / sqrt(0.25 * 4)
    0.98
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def check_group(self, group: dict[str, Any]) -> None:
        super().check_group(group)
        group["alpha"] = check_real("RMSprop", "alpha", group["alpha"], 0.0, 1.0, hi_open=True)
        group["eps"] = check_real("RMSprop", "eps", group["eps"])
        group["weight_decay"] = check_real("RMSprop", "weight_decay", group["weight_decay"])
        group["momentum"] = check_real("RMSprop", "momentum", group["momentum"], 0.0, 1.0, hi_open=True)
        group["centered"], group["maximize"] = bool(group["centered"]), bool(group["maximize"])

    def update(self, p: Any, g: Any, group: dict[str, Any], state: dict[str, Any]) -> Any:
        alpha, lr = group["alpha"], group["lr"]
        if group["maximize"]:
            g = -g
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        if not state:
            state.update(step=0, square_avg=_zeros(g))
            if group["momentum"]:
                state["momentum_buffer"] = _zeros(g)
            if group["centered"]:
                state["grad_avg"] = _zeros(g)
        state["step"] += 1
        v = state["square_avg"] = state["square_avg"] * alpha + (1 - alpha) * g * g
        if group["centered"]:
            a = state["grad_avg"] = state["grad_avg"] + (1 - alpha) * (g - state["grad_avg"])  # NOTE: PyTorch's lerp
            d = np.sqrt(v - a * a) + group["eps"]
        else:
            d = np.sqrt(v) + group["eps"]
        if group["momentum"]:
            b = state["momentum_buffer"] = state["momentum_buffer"] * group["momentum"] + g / d
            return p.data - lr * b
        return p.data - lr * g / d

    def extra_args(self) -> list[str]:
        g = self.param_groups[0]
        extra = [f"alpha={g['alpha']:g}"] if g["alpha"] != 0.99 else []
        extra += [f"{k}={g[k]:g}" for k in ("momentum", "weight_decay") if g[k]]
        return extra + (["centered=True"] if g["centered"] else [])


class Adagrad(Optimizer):
    """Adagrad: divide each step by the root of the sum of all squared gradients so far.

    For each parameter ``w`` with gradient ``g`` at its ``t``-th update (PyTorch's algorithm)::

        g = g + weight_decay * w
        s = s + g * g                         # s starts at initial_accumulator_value
        w = w - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)

    Parameters
    ----------
    params : iterable of Values or Tensors, or of parameter-group dicts
        The parameters.
    lr : float, default 1e-2
        Learning rate.
    lr_decay : float, default 0
        Decay of the learning rate with the step count.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    initial_accumulator_value : float, default 0
        The starting value of the sum of squares.
    eps : float, default 1e-10
        Added to the denominator.
    maximize : bool, default False
        Climb the objective instead of descending it.

    Examples
    --------
    >>> from autograd import Value
    >>> w = Value(1.0)
    >>> opt = Adagrad([w], lr=0.1)
    >>> for _ in range(2):
    ...     w.grad = 3.0; opt.step()
    >>> round(w.data, 6)     # 1 - 0.1 * 3 / 3 - 0.1 * 3 / sqrt(18)
    0.829289
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:  # as PyTorch: the sums exist (and are saved) from the start
            for p in group["params"]:
                init = group["initial_accumulator_value"]
                s = np.full_like(p.data, init) if isinstance(p.data, np.ndarray) else float(init)
                self.state[p].update(step=0, sum=s)

    def check_group(self, group: dict[str, Any]) -> None:
        super().check_group(group)
        for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            group[key] = check_real("Adagrad", key, group[key])
        group["maximize"] = bool(group["maximize"])

    def update(self, p: Any, g: Any, group: dict[str, Any], state: dict[str, Any]) -> Any:
        if group["maximize"]:
            g = -g
        if "sum" not in state:  # a group added later
            init = group["initial_accumulator_value"]
            state.update(step=0, sum=np.full_like(g, init) if isinstance(g, np.ndarray) else float(init))
        t = state["step"] = state["step"] + 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        s = state["sum"] = state["sum"] + g * g
        return p.data - clr * g / (np.sqrt(s) + group["eps"])

    def extra_args(self) -> list[str]:
        g = self.param_groups[0]
        return [f"{k}={g[k]:g}" for k in ("lr_decay", "weight_decay", "initial_accumulator_value") if g[k]]
