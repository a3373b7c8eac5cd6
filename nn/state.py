"""A module's saved state: the entries of ``state_dict`` and how ``load_state_dict`` writes them back.

These functions read a module through its public traversal
(``named_modules``) and its registries, so :class:`nn.Module` stays small;
its ``state_dict`` and ``load_state_dict`` methods call them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from autograd import Node, Tensor, Value
from autograd.versions import mark_modified

__all__ = [
    "IncompatibleKeys",
    "named_leaves",
    "join",
    "state_items",
    "state_dict",
    "load_state_dict",
    "register_layout",
    "LAYOUTS",
    "get_submodule",
    "cast",
]


class IncompatibleKeys(NamedTuple):
    """What :meth:`nn.Module.load_state_dict` returns: the names it did not find, and those it did not use."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def named_leaves(key: str, p: Any) -> Iterator[tuple[str, Any]]:
    """``(name, leaf)`` for one registered parameter entry; a list of them is named ``key.0``, ``key.1``, ...

    Examples
    --------
    >>> [n for n, _ in named_leaves("w", [1, 2])], list(named_leaves("b", None))
    (['w.0', 'w.1'], [])
    """
    if type(p) is list or type(p) is tuple:
        for i, leaf in enumerate(p):
            yield f"{key}.{i}", leaf
    elif p is not None:
        yield key, p


def join(prefix: str, name: str) -> str:
    """A dotted name: ``join("layers.0", "weight") == "layers.0.weight"``; an empty prefix adds nothing."""
    return f"{prefix}.{name}" if prefix else name


def state_items(module: Any) -> Iterator[tuple[str, Any]]:
    """Every saved entry, module by module: parameters, then persistent buffers (shared ones repeat, as in PyTorch)."""
    for prefix, m in module.named_modules(remove_duplicate=False):
        for key, p in m._parameters.items():
            for name, leaf in named_leaves(key, p):
                yield join(prefix, name), leaf
        for key, b in m._buffers.items():
            if b is not None and key not in m._non_persistent:
                yield join(prefix, key), b


def _array(x: Any) -> np.ndarray:
    """A copy of an entry's numbers (a Value's float becomes a 0-d float64 array)."""
    if isinstance(x, Value):
        return np.array(x.data, dtype=np.float64)
    return np.array(x.data if isinstance(x, Node) else x)


def state_dict(module: Any) -> OrderedDict[str, np.ndarray]:
    """``module``'s parameters and persistent buffers by dotted name, as copies."""
    return OrderedDict((n, _array(x)) for n, x in state_items(module))


#: Other libraries' state-dict layouts ``load_state_dict(..., layout=...)`` reads: name -> converter
#: ``(module, state, strict) -> (state in layergrad's names, IncompatibleKeys in the given names)``.
#: :mod:`nn.interop` registers ``"torch"``.
LAYOUTS: dict[str, Callable[[Any, Any, bool], tuple[dict[str, Any], IncompatibleKeys]]] = {}


def register_layout(name: str, converter: Callable[[Any, Any, bool], tuple[dict[str, Any], IncompatibleKeys]]) -> None:
    """Let ``load_state_dict(state, layout=name)`` read states written in another library's layout.

    ``converter(module, state, strict)`` returns the state in layergrad's names and shapes and the
    incompatible keys.

    >>> import nn
    >>> register_layout("renamed", lambda m, s, strict: ({k[4:]: v for k, v in s.items()}, IncompatibleKeys([], [])))
    >>> lin = nn.Linear(1, 1)
    >>> _ = load_state_dict(lin, {"old.weight": [[3.0]], "old.bias": [0.0]}, layout="renamed")
    >>> lin.weight.data.tolist(); del LAYOUTS["renamed"]
    [[3.0]]
    """
    LAYOUTS[name] = converter


def load_state_dict(
    module: Any, state: dict[str, Any], strict: bool = True, layout: str = "layergrad"
) -> IncompatibleKeys:
    """Copy ``state`` into ``module``'s parameters and buffers after checking every name and shape (all or nothing).

    ``layout="torch"`` reads a PyTorch ``state_dict`` of the model's torch twin (see :func:`nn.to_torch`).

    >>> import numpy as np, nn
    >>> lin = nn.Linear(2, 1)
    >>> w = np.array([[1.0, 2.0]])                      # PyTorch's (out, in)
    >>> load_state_dict(lin, {"weight": w, "bias": np.zeros(1)}, layout="torch")
    IncompatibleKeys(missing_keys=[], unexpected_keys=[])
    >>> lin.weight.data.tolist()                        # layergrad's (in, out)
    [[1.0], [2.0]]
    """
    if layout != "layergrad":
        if layout not in LAYOUTS:
            known = ", ".join(repr(k) for k in ["layergrad", *LAYOUTS])
            raise ValueError(f"load_state_dict: unknown layout {layout!r}; known: {known}")
        converted, incompatible = LAYOUTS[layout](module, state, strict)
        load_state_dict(module, converted, strict=False)
        return incompatible
    targets = OrderedDict(state_items(module))
    missing = [n for n in targets if n not in state]
    extra = [n for n in state if n not in targets]
    if strict and (missing or extra):
        raise KeyError(
            f"load_state_dict: names do not match this {type(module).__name__}; "
            f"missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
            f"unexpected {extra[:5]}{'...' if len(extra) > 5 else ''}"
        )
    updates = []
    for name, x in targets.items():
        if name not in state:
            continue
        given = state[name]
        arr = np.asarray(given.data if isinstance(given, Tensor) else given)
        want = () if isinstance(x, Value) else np.shape(x.data if isinstance(x, Tensor) else x)
        if arr.shape != want:
            raise ValueError(f"load_state_dict: {name} has shape {arr.shape} in the state but {want} in the model")
        if arr.dtype.kind not in "fiu":
            raise TypeError(f"load_state_dict: {name} has dtype {arr.dtype}; expected numbers")
        updates.append((x, arr))
    for x, arr in updates:
        if isinstance(x, Value):
            x.data = float(arr)
        elif isinstance(x, Tensor):
            x.data[...] = arr  # NOTE: in place: the one write per parameter (views and optimisers share the array)
            mark_modified(x.data)
        else:
            x[...] = arr
    return IncompatibleKeys(missing, extra)


def get_submodule(module: Any, target: str) -> Any:
    """The descendant of ``module`` at dotted path ``target`` (``""`` is the module itself)."""
    m = module
    for part in target.split(".") if target else []:
        child = m._modules.get(part)
        if child is None:
            raise AttributeError(f"get_submodule: {type(m).__name__} has no submodule {part!r} (in {target!r})")
        m = child
    return m


def cast(module: Any, *args: Any, **kwargs: Any) -> Any:
    """``module.to(...)``: cast parameters and float buffers to a float dtype; ``"cpu"`` (or no device) changes nothing.

    Examples
    --------
    >>> import nn
    >>> nn.Linear(2, 1).to(np.float32).weight.dtype, nn.Linear(2, 1).to("cpu").weight.dtype
    (dtype('float32'), dtype('float64'))
    """
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"to: unexpected arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, str) or a is None:
            device = a
        else:
            dtype = a
    if device not in (None, "cpu"):
        raise ValueError(f"to: layergrad computes on the CPU only, got device {device!r}")
    if dtype is None:
        return module
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"to: parameters need a floating-point dtype, got {dt}")
    for m in module.modules():
        for reg in (m._parameters, m._buffers):
            for _, x in [kv for key, p in reg.items() for kv in named_leaves(key, p)]:
                if isinstance(x, Tensor) and x.dtype.kind == "f" and x.dtype != dt:
                    x.data = x.data.astype(dt)
                    if x.grad is not None:  # a gradient recorded by create_graph: its numbers (PyTorch: no_grad)
                        x.grad = np.asarray(x.grad.data if isinstance(x.grad, Node) else x.grad).astype(dt)
    return module
