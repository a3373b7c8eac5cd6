"""``Adam`` and ``AdamW``: per-parameter step sizes from running averages of the gradient (PyTorch's rules)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check_real

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam: per-parameter step sizes from running averages of the gradient.

    For each parameter ``w`` with gradient ``g``, at its ``t``-th update
    (PyTorch's algorithm; ``m`` and ``v`` start at 0)::

        g = g + weight_decay * w                        # L2 (coupled) weight decay
        m = beta1 * m + (1 - beta1) * g                 # mean of g
        v = beta2 * v + (1 - beta2) * g * g             # mean of g squared
        v_max = max(v_max, v)                           # amsgrad only; then v_max replaces v below
        w = w - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The divisions by ``1 - beta**t`` correct for ``m`` and ``v`` starting at 0.

    Parameters
    ----------
    params : iterable of Values or Tensors, or of parameter-group dicts
        The parameters, e.g. ``model.parameters()``.
    lr : float, default 1e-3
        Learning rate: roughly the size of each parameter's first steps.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the two running averages, each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator so it is never 0.
    weight_decay : float, default 0
        L2 penalty added to the gradient (see :class:`AdamW` for the decoupled form).
    amsgrad : bool, default False
        Divide by the largest ``v`` seen so far (Reddi et al.), so steps never grow back.
    maximize : bool, default False
        Climb the objective instead of descending it.

    Examples
    --------
    >>> from autograd import Value
    >>> w = Value(5.0)
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).backward(); opt.step()
    >>> round(w.data, 6)   # the first Adam step has size lr whatever the gradient
    4.9
    """

    decoupled = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)

    def check_group(self, group: dict[str, Any]) -> None:
        super().check_group(group)
        name, betas = type(self).__name__, group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        group["betas"] = (
            check_real(name, "betas[0]", betas[0], 0.0, 1.0, hi_open=True),
            check_real(name, "betas[1]", betas[1], 0.0, 1.0, hi_open=True),
        )
        group["eps"] = check_real(name, "eps", group["eps"])
        group["weight_decay"] = check_real(name, "weight_decay", group["weight_decay"])
        group["amsgrad"], group["maximize"] = bool(group["amsgrad"]), bool(group["maximize"])

    def update(self, p: Any, g: Any, group: dict[str, Any], state: dict[str, Any]) -> Any:
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        w = p.data
        if group["maximize"]:
            g = -g
        if wd:
            if self.decoupled:
                w = w * (1 - lr * wd)  # NOTE: AdamW: the weights shrink, not rescaled by the moments
            else:
                g = g + wd * w
        if not state:
            zero = np.zeros_like(g) if isinstance(g, np.ndarray) else 0.0
            state.update(step=0, exp_avg=zero, exp_avg_sq=zero)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zero
        t = state["step"] = state["step"] + 1
        m = state["exp_avg"] = state["exp_avg"] + (1 - b1) * (g - state["exp_avg"])  # NOTE: PyTorch's lerp
        v = state["exp_avg_sq"] = state["exp_avg_sq"] * b2 + (1 - b2) * g * g
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], v)
        step_size = lr / (1 - b1**t)
        denom = np.sqrt(v) / (1 - b2**t) ** 0.5 + eps
        return w - step_size * m / denom

    def extra_args(self) -> list[str]:
        g, extra = self.param_groups[0], []
        if g["betas"] != (0.9, 0.999):
            extra.append(f"betas=({g['betas'][0]:g}, {g['betas'][1]:g})")
        if g["eps"] != 1e-8:
            extra.append(f"eps={g['eps']:g}")
        if g["weight_decay"]:
            extra.append(f"weight_decay={g['weight_decay']:g}")
        if g["amsgrad"]:
            extra.append("amsgrad=True")
        return extra


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter).

    The weights shrink by the factor ``1 - lr * weight_decay`` each step,
    separately from the Adam step on the plain gradient (in :class:`Adam`, the
    decay is added to the gradient and then rescaled by the moments)::

        w = w * (1 - lr * weight_decay)
        w = w - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Parameters
    ----------
    params : iterable of Values or Tensors, or of parameter-group dicts
        The parameters.
    lr : float, default 1e-3
        Learning rate.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the running averages.
    eps : float, default 1e-8
        Added to the denominator.
    weight_decay : float, default 1e-2
        Decoupled decay factor (PyTorch's default).
    amsgrad : bool, default False
        As in :class:`Adam`.
    maximize : bool, default False
        Climb the objective instead of descending it.

    Examples
    --------
    >>> from autograd import Value
    >>> w = Value(5.0)
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = 0.0; opt.step()     # no gradient: only the decay acts
    >>> round(w.data, 6)             # 5 * (1 - 0.1 * 0.5)
    4.75
    """

    decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
