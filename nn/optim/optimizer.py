"""``Optimizer``: parameter groups, per-parameter state and the one loop that writes each parameter.

An optimiser holds its parameters in ``param_groups`` (each a dict with its own
``lr``, ``weight_decay``, ...) and their state in ``state`` (momentum buffers,
moments, step counts), keyed by parameter as in PyTorch.  It reads ``p.grad``
and writes ``p.data`` and nothing else, so one implementation serves both
engines: a Tensor's array is updated **in place**, a Value's float is
replaced.  Parameters whose ``grad`` is None (a Tensor that took no part in
the last backward) or that do not require grad are skipped.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd import Node, Tensor, Value, enable_grad, no_grad
from autograd.versions import mark_modified

from ..utils import zero_grad_of

__all__ = ["Optimizer", "check_real"]


def check_real(name: str, what: str, x: Any, lo: float = 0.0, hi: float | None = None, hi_open: bool = False) -> float:
    """``x`` as a float in [lo, hi] (or [lo, hi)), or an error naming the optimiser and the setting.

    Examples
    --------
    >>> check_real("SGD", "momentum", 0.9, 0.0, 1.0, hi_open=True)
    0.9
    >>> check_real("SGD", "lr", -1)
    Traceback (most recent call last):
    ...
    ValueError: SGD: lr must be >= 0, got -1.0
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name}: {what} must be a number, got {x!r} of type {type(x).__name__}")
    x = float(x)
    if not math.isfinite(x) or x < lo or (hi is not None and (x >= hi if hi_open else x > hi)):
        upper = "" if hi is None else (f" and < {hi:g}" if hi_open else f" and <= {hi:g}")
        raise ValueError(f"{name}: {what} must be >= {lo:g}{upper}, got {x!r}")
    return x


def _param_list(name: str, params: Any, where: str) -> list[Any]:
    """The parameters of one group, checked: leaves (Values or Tensors), each once."""
    if isinstance(params, Node):
        params = [params]  # one parameter, as PyTorch accepts a single Tensor
    elif isinstance(params, (set, frozenset)):
        raise TypeError(f"{name}: {where} are a set, whose order changes between runs; pass a list")
    elif hasattr(params, "parameters") and callable(params.parameters) and not isinstance(params, (list, tuple)):
        raise TypeError(f"{name}: got a model; pass its parameters: {name}(model.parameters(), ...)")
    try:
        ps = list(params)
    except TypeError:
        got = type(params).__name__
        raise TypeError(f"{name}: params must be an iterable of Values or Tensors, got {got}") from None
    seen: set[int] = set()
    for i, p in enumerate(ps):
        if not isinstance(p, (Value, Tensor)):
            raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}; parameters must be Values or Tensors")
        if p._row is not None:
            p._unfuse()  # a fused node (autograd.fused) shows as the nodes it stands for
            raise ValueError(
                f"{name}: parameter {i} is not a leaf (it was computed by {p._row.name!r}); "
                "optimise the leaves a model owns, e.g. model.parameters()"
            )
        if id(p) in seen:
            raise ValueError(f"{name}: parameter {i} appears more than once; it would be updated twice per step")
        seen.add(id(p))
    return ps


class Optimizer:
    """Base class: parameter groups, their state, ``step``, ``zero_grad`` and ``state_dict``.

    Subclasses give their defaults to ``__init__``, check a group's settings
    in ``check_group`` and implement ``update(p, g, group, state)``, which
    returns the parameter's new value; :meth:`step` writes it in place.

    Parameters
    ----------
    params : iterable of Values or Tensors, or of dicts
        The parameters (e.g. ``model.parameters()``; a generator is consumed
        once), or parameter groups: dicts with ``"params"`` and any setting
        that differs from the defaults, e.g. ``[{"params": a}, {"params": b, "lr": 0.1}]``.
    defaults : dict
        The settings of a group that does not give its own.

    Attributes
    ----------
    param_groups : list of dict
        Each group's ``"params"`` and settings (a schedule changes ``"lr"`` here).
    state : dict
        Per-parameter state, keyed by the parameter (empty until its first update).

    Examples
    --------
    >>> from autograd import Value
    >>> from nn.optim import SGD
    >>> a, b = Value(1.0), Value(1.0)
    >>> opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> a.grad = b.grad = 1.0; opt.step()
    >>> a.data, b.data
    (0.9, 0.5)
    >>> SGD([], lr=0.1)
    Traceback (most recent call last):
    ...
    ValueError: SGD: got no parameters (an empty list, or a generator that was already used up); pass model.parameters()
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        self.defaults = dict(defaults)
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Node):
            raise TypeError(
                f"{name}: params must be an iterable of parameters (e.g. model.parameters()), "
                f"got one {type(params).__name__}; wrap it in a list"
            )
        if hasattr(params, "parameters") and callable(params.parameters) and not isinstance(params, (list, tuple)):
            raise TypeError(f"{name}: got a model; pass its parameters: {name}(model.parameters(), ...)")
        try:
            groups = list(params)
        except TypeError:
            got = type(params).__name__
            raise TypeError(f"{name}: params must be an iterable of Values or Tensors, got {got}") from None
        if not groups:
            raise ValueError(
                f"{name}: got no parameters (an empty list, or a generator that was already used up); "
                "pass model.parameters()"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own settings (the defaults fill in the rest).

        Examples
        --------
        >>> from autograd import Value
        >>> from nn.optim import SGD
        >>> opt = SGD([Value(1.0)], lr=0.1)
        >>> opt.add_param_group({"params": [Value(2.0)], "lr": 0.01})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.01]
        """
        name = type(self).__name__
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' entry, got {param_group!r}")
        group = dict(param_group)
        group["params"] = _param_list(name, group["params"], f"the params of group {len(self.param_groups)}")
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.check_group(group)
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in taken for p in group["params"]):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def check_group(self, group: dict[str, Any]) -> None:
        """Check (and normalise) one group's settings; subclasses add their own."""
        group["lr"] = check_real(type(self).__name__, "lr", group["lr"])

    @property
    def params(self) -> list[Any]:
        """Every parameter, group by group."""
        return [p for g in self.param_groups for p in g["params"]]

    @property
    def lr(self) -> float:
        """The learning rate, when every group has the same (else see ``param_groups[i]["lr"]``)."""
        rates = {g["lr"] for g in self.param_groups}
        if len(rates) != 1:
            raise ValueError(
                f"{type(self).__name__}.lr: the parameter groups have different learning rates "
                f"{[g['lr'] for g in self.param_groups]}; read param_groups[i]['lr']"
            )
        return float(rates.pop())

    @lr.setter
    def lr(self, value: float) -> None:
        value = check_real(type(self).__name__, "lr", value)
        for g in self.param_groups:
            g["lr"] = value

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every gradient: None for Tensors (zeros in place if ``set_to_none=False``), 0.0 for Values.

        Examples
        --------
        >>> from autograd import Value
        >>> from nn.optim import SGD
        >>> w = Value(1.0); w.grad = 5.0
        >>> SGD([w], lr=0.1).zero_grad(); w.grad
        0.0
        """
        for group in self.param_groups:  # NOTE: not self.params: no list per call
            for p in group["params"]:
                if set_to_none and isinstance(p, Tensor):  # NOTE: the common case, without a call
                    p.grad = None
                else:
                    zero_grad_of(p, set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, in place; return ``closure()``'s loss if one is given.

        Examples
        --------
        >>> from autograd import Tensor
        >>> from nn.optim import SGD
        >>> w = Tensor([1.0, 2.0], requires_grad=True)
        >>> (w * w).sum().backward()
        >>> SGD([w], lr=0.5).step(); w.data.tolist()
        [0.0, 0.0]
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    g = p.grad
                    if g is None or not p.requires_grad:
                        continue
                    self.step_one(p, g, group)
        return loss

    def step_one(self, p: Any, g: Any, group: dict[str, Any]) -> None:
        """Update one parameter ``p`` (of ``group``) that has gradient ``g``: :meth:`update`, then the write."""
        if isinstance(g, Node):  # recorded by backward(create_graph=True): step uses its numbers
            g = g.data
        new = self.update(p, g, group, self.state[p])
        if isinstance(p, Tensor):
            # NOTE: the one in-place write per parameter, as PyTorch: views see it, and a
            # backward pass through a graph recorded before this step raises.
            # update() may have written p.data itself (it returns None then).
            if new is not None:
                p.data[...] = new
            mark_modified(p.data)
        else:
            p.data = float(new)

    def update(self, p: Any, g: Any, group: dict[str, Any], state: dict[str, Any]) -> Any:
        """The new value of parameter ``p`` given its gradient ``g``, or None after writing a Tensor's data itself.

        Subclasses define it.
        """
        raise NotImplementedError(f"{type(self).__name__} must define update() or step()")

    # state ------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``, as PyTorch (copies).

        Parameters are numbered in group order, so the dict can be loaded into
        an optimiser built the same way for another copy of the model.
        """
        index = {id(p): i for i, p in enumerate(self.params)}
        groups = [{**{k: v for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in g["params"]]}
                  for g in self.param_groups]  # fmt: skip
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if id(p) in index and s}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore settings and state saved by :meth:`state_dict` (the groups must have the same sizes)."""
        name = type(self).__name__
        groups = state_dict.get("param_groups") if isinstance(state_dict, dict) else None
        if not isinstance(groups, list) or len(groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the saved state has a different number of parameter groups")
        sizes = [len(g["params"]) for g in self.param_groups]
        if [len(g.get("params", ())) for g in groups] != sizes:
            raise ValueError(f"{name}.load_state_dict: the saved groups' sizes differ from this optimiser's {sizes}")
        by_index: dict[int, Any] = {}
        for saved, group in zip(groups, self.param_groups):
            by_index.update(zip(saved["params"], group["params"]))
        self.state = defaultdict(dict)
        for i, s in state_dict.get("state", {}).items():
            p = by_index[int(i)]
            self.state[p] = {k: _like(p, v, k) for k, v in s.items()}
        for saved, group in zip(groups, self.param_groups):
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})

    # display ----------------------------------------------------------------------
    def extra_args(self) -> list[str]:
        """The settings of the first group that differ from the usual ones, as ``name=value`` strings."""
        return []

    def __repr__(self) -> str:
        n, k = len(self.params), len(self.param_groups)
        groups = f" in {k} groups" if k > 1 else ""
        g = self.param_groups[0]
        args = ", ".join([f"lr={g['lr']:g}", *self.extra_args()])
        return f"{type(self).__name__}({n} parameter{'s' if n != 1 else ''}{groups}, {args})"


def _like(p: Any, v: Any, key: str) -> Any:
    """A saved state entry for parameter ``p``: arrays copied in ``p``'s dtype (the step count as it was)."""
    if isinstance(v, np.ndarray) and isinstance(p, Tensor) and key != "step" and v.dtype.kind == "f":
        return v.astype(p.dtype, copy=True)
    return copy.deepcopy(v)
