"""``SGD``: stochastic gradient descent with momentum, dampening, Nesterov and weight decay (PyTorch's rule)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd.versions import mark_again

from .optimizer import Optimizer, check_real

__all__ = ["SGD"]


_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_F32_MAX = float(np.finfo(np.float32).max)
_LR_ARRAYS: dict[int, tuple[float, Any, Any]] = {}  # id(lr) -> (lr, as float32, as float64); holds lr: ids stay unique


def lr_arrays(lr: float) -> tuple[Any, Any]:
    """A float learning rate as 0-d float32 and float64 arrays (the float itself where float32 would overflow).

    ``lr * g`` converts the float to ``g``'s dtype on every call, which costs
    numpy more than the product of two small arrays; the 0-d array of that
    dtype gives the same bits at once.  The arrays are read-only and cached.

    Examples
    --------
    >>> s32, s64 = lr_arrays(0.1)
    >>> g = np.array([1.0, 3.0], np.float32)
    >>> (s32 * g).dtype, (s32 * g).tobytes() == (0.1 * g).tobytes()
    (dtype('float32'), True)
    >>> lr_arrays(1e300)[0]   # float32 would overflow: the float, as lr * g gets it
    1e+300
    """
    found = _LR_ARRAYS.get(id(lr))
    if found is not None:
        return found[1], found[2]
    s64 = np.array(lr, np.float64)
    s32: Any = np.array(lr, np.float32) if abs(lr) <= _F32_MAX else lr
    for s in (s32, s64):
        if type(s) is np.ndarray:
            s.flags.writeable = False
    if len(_LR_ARRAYS) >= 64:  # NOTE: a schedule makes a new float per change: keep the cache small
        _LR_ARRAYS.clear()
    _LR_ARRAYS[id(lr)] = (lr, s32, s64)
    return s32, s64


def copy_of(g: Any) -> Any:
    """A copy of a gradient (an array or a float) that later in-place changes to ``g`` do not reach."""
    return np.array(g) if isinstance(g, np.ndarray) else float(g)


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay.

    For each parameter ``w`` with gradient ``g`` (PyTorch's algorithm)::

        g = -g if maximize else g
        g = g + weight_decay * w                          # L2 weight decay
        b = g at the first step, else momentum * b + (1 - dampening) * g
        g = g + momentum * b if nesterov else b           # when momentum > 0
        w = w - lr * g

    With ``momentum=0`` this is plain ``w = w - lr * g``, the update of micrograd's demo.

    Parameters
    ----------
    params : iterable of Values or Tensors, or of parameter-group dicts
        The parameters, e.g. ``model.parameters()``.
    lr : float, default 1e-3
        Learning rate (step size), >= 0.
    momentum : float, default 0
        In [0, 1): how much of the previous step is kept.
    dampening : float, default 0
        In [0, 1]: how much of the new gradient is left out of the momentum.
    weight_decay : float, default 0
        L2 penalty factor, >= 0 (the same as adding ``weight_decay / 2 * sum(w**2)`` to the loss).
    nesterov : bool, default False
        Nesterov momentum (needs ``momentum > 0`` and ``dampening = 0``).
    maximize : bool, default False
        Climb the objective instead of descending it.

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
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    _records: tuple[list[Any], ...] = ()  # what autograd.versions.mark_again returned at the last step

    def check_group(self, group: dict[str, Any]) -> None:
        super().check_group(group)
        group["momentum"] = check_real("SGD", "momentum", group["momentum"], 0.0, 1.0, hi_open=True)
        group["dampening"] = check_real("SGD", "dampening", group["dampening"], 0.0, 1.0)
        group["weight_decay"] = check_real("SGD", "weight_decay", group["weight_decay"])
        group["nesterov"], group["maximize"] = bool(group["nesterov"]), bool(group["maximize"])
        if group["nesterov"] and (group["momentum"] == 0 or group["dampening"] != 0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0")

    def step(self, closure: Any = None) -> Any:
        """Update every parameter that has a gradient (see :meth:`nn.optim.Optimizer.step`).

        Plain SGD (no momentum, weight decay or maximize) on Tensors takes a
        short path: ``w -= lr * g`` written into ``w`` in place, two numpy calls
        per parameter and nothing else.

        Examples
        --------
        >>> from autograd import Tensor
        >>> w = Tensor([1.0, 2.0], requires_grad=True)
        >>> (w * w).sum().backward()
        >>> SGD([w], lr=0.25).step(); w.data.tolist()
        [0.5, 1.0]
        """
        groups = self.param_groups
        if closure is not None:
            return super().step(closure)
        for group in groups:  # NOTE: a loop, not any() over a generator: the plain path is the hot one
            if group["momentum"] or group["weight_decay"] or group["maximize"]:
                return super().step(closure)
        nd, subtract, f32, f64 = np.ndarray, np.subtract, _F32, _F64
        changed: list[np.ndarray] = []
        try:
            for group in groups:
                lr = group["lr"]
                s32 = s64 = lr
                if type(lr) is float:  # NOTE: a float only: a numpy scalar is not weak (its product takes its dtype)
                    s32, s64 = lr_arrays(lr)
                for p in group["params"]:
                    g = p.grad
                    if g is None or not p.requires_grad:
                        continue
                    d = p.data
                    if type(g) is nd and type(d) is nd:  # a Tensor (a Value's data is a float)
                        dt = g.dtype
                        # the same numbers as update(): lr * g (lr in g's dtype), then in place
                        subtract(d, (s32 if dt is f32 else s64 if dt is f64 else lr) * g, d)
                        changed.append(d)
                    else:
                        self.step_one(p, g, group)
        finally:  # NOTE: what was changed is marked even if a later parameter raised
            # one tick for the step (the in-place check: autograd.versions), cheaper for the same arrays again
            self._records = mark_again(changed, self._records)
        return None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_records", None)  # the clock's records of this process's arrays (weak references)
        return state

    def update(self, p: Any, g: Any, group: dict[str, Any], state: dict[str, Any]) -> Any:
        if group["maximize"]:
            g = -g
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            buf = copy_of(g) if buf is None else momentum * buf + (1 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            g = g + momentum * buf if group["nesterov"] else buf
        step = group["lr"] * g
        if isinstance(p.data, np.ndarray):  # NOTE: in place: one array op fewer than new = p - step; copy back
            np.subtract(p.data, step, out=p.data)
            return None
        return p.data - step

    def extra_args(self) -> list[str]:
        g = self.param_groups[0]
        extra = [f"momentum={g['momentum']:g}"] if g["momentum"] else []
        if g["dampening"]:
            extra.append(f"dampening={g['dampening']:g}")
        if g["nesterov"]:
            extra.append("nesterov=True")
        if g["weight_decay"]:
            extra.append(f"weight_decay={g['weight_decay']:g}")
        return extra
