"""Containers that register what they hold: ``ModuleList``, ``ModuleDict`` and ``Sequential``.

Adding, replacing or deleting a module through a container's own methods
(``[i] = ...``, ``append``, ``insert``, ``del``, ``update``) registers it at
once, so ``parameters()`` always lists exactly the modules the forward pass
can reach.  ``ModuleList`` and ``ModuleDict`` have no stage of their own
(their modules are drawn inside the module that owns the container);
``Sequential`` is a model with a stage, whose layers are named ``layer 1``,
``ReLU 2``, ... in drawings.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .module import CONTAINERS, Module
from .parameter import Parameter, is_parameter

__all__ = ["ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Sequential"]


def _module(x: Any, where: str) -> Module:
    if not isinstance(x, Module):
        raise TypeError(f"{where}: expected Modules, got {type(x).__name__}")
    return x


class _Indexed(Module):
    """What ModuleList and Sequential share: modules under the keys ``"0"``, ``"1"``, ... kept in order."""

    def _list(self) -> list[Module]:
        return [m for m in self._modules.values() if m is not None]

    def _index(self, idx: Any, where: str) -> int:
        if isinstance(idx, bool) or not hasattr(idx, "__index__"):
            raise TypeError(f"{where}: indices must be integers or slices, not {type(idx).__name__}")
        n = len(self._modules)
        i = idx.__index__()
        if not -n <= i < n:
            raise IndexError(f"{where}: index {i} is out of range for {n} modules")
        return i % n

    def _reset(self, modules: list[Module]) -> None:
        """Hold exactly ``modules`` under the keys 0..n-1 (after an insert or a delete) and re-register them."""
        self._modules.clear()
        for i, m in enumerate(modules):
            self._modules[str(i)] = m
        self._set_path(self._path)

    def _view(self, modules: list[Module]) -> Any:
        """A new container of the same kind holding ``modules`` without renaming them (slices share modules)."""
        new = type(self).__new__(type(self))
        Module.__init__(new)
        for i, m in enumerate(modules):
            new._modules[str(i)] = m
        return new

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return self._view(self._list()[idx])
        return self._modules[list(self._modules)[self._index(idx, f"{type(self).__name__}[]")]]

    def __setitem__(self, idx: Any, module: Module) -> None:
        where = f"{type(self).__name__}[{idx!r}] = ..."
        key = list(self._modules)[self._index(idx, where)]
        self._modules[key] = _module(module, where)
        self._attach(key, module)

    def __delitem__(self, idx: Any) -> None:
        modules = self._list()
        if isinstance(idx, slice):
            del modules[idx]
        else:
            del modules[self._index(idx, f"del {type(self).__name__}[]")]
        self._reset(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._list())

    def append(self, module: Module) -> Any:
        """Add ``module`` at the end (registered at once) and return self."""
        key = str(len(self._modules))
        self._modules[key] = _module(module, f"{type(self).__name__}.append")
        self._attach(key, module)
        return self

    def extend(self, modules: Iterable[Module]) -> Any:
        """Append each of ``modules`` and return self."""
        if isinstance(modules, Module) and not isinstance(modules, _Indexed):
            raise TypeError(f"{type(self).__name__}.extend: expected an iterable of Modules, got one Module")
        for m in list(modules):
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (as ``list.insert``)."""
        modules = self._list()
        modules.insert(index, _module(module, f"{type(self).__name__}.insert"))
        self._reset(modules)

    def pop(self, index: int = -1) -> Module:
        """Remove and return the module at ``index``."""
        m = self[index]
        del self[index]
        return m

    def __iadd__(self, modules: Iterable[Module]) -> Any:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> Any:
        return self._view(self._list() + list(other))


class ModuleList(_Indexed):
    """A list of modules, each registered: what ``self.blocks = [...]`` becomes.

    Indexing, slicing, ``len``, iteration, assignment, ``append``, ``extend``,
    ``insert``, ``pop`` and ``del`` work as on a list, and every module added
    is registered at once (its parameters are trained).  A ModuleList has no
    forward: call its modules.  Its modules are drawn inside the owner's stage
    under the names ``blocks.0``, ``blocks.1``, ...

    Examples
    --------
    >>> import nn
    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.blocks = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
    ...     def forward(self, x):
    ...         for block in self.blocks:
    ...             x = block(x)
    ...         return x
    >>> net = Net()
    >>> net.blocks[1] = nn.Linear(2, 3)          # swapped: the new layer is trained
    >>> _ = net.blocks.append(nn.Linear(3, 1))    # append returns the list, as in PyTorch
    >>> [n for n, _ in net.named_parameters()][-4:]
    ['blocks.1.weight', 'blocks.1.bias', 'blocks.2.weight', 'blocks.2.bias']
    """

    kind = None
    transparent = True

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def child_name(self, key: str, child: Module) -> str:
        return f"{self.name}.{key}"

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "ModuleList has no forward: call its modules, e.g. `for block in self.blocks: x = block(x)`"
        )


class ModuleDict(Module):
    """A dict of modules by name, each registered: what ``self.heads = {...}`` becomes.

    ``d[key]``, ``d[key] = module``, ``del d[key]``, ``in``, ``len``,
    iteration over the keys, ``keys()``, ``values()``, ``items()``,
    ``update``, ``pop`` and ``clear`` work as on a dict (keys are strings);
    ``d.key`` reads a module too.  Its modules are drawn inside the owner's
    stage under the names ``heads.key``.

    Examples
    --------
    >>> import nn
    >>> heads = nn.ModuleDict({"a": nn.Linear(4, 2)})
    >>> heads["b"] = nn.Linear(4, 3)
    >>> list(heads), [n for n, _ in heads.named_parameters()]
    (['a', 'b'], ['a.weight', 'a.bias', 'b.weight', 'b.bias'])
    """

    kind = None
    transparent = True

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def child_name(self, key: str, child: Module) -> str:
        return f"{self.name}.{key}"

    def __getitem__(self, key: str) -> Module:
        m = self._modules.get(key) if isinstance(key, str) else None
        if m is None:
            raise KeyError(f"ModuleDict has no module {key!r}; it has {list(self._modules)}")
        return m

    def __getattr__(self, key: str) -> Module:  # only when normal lookup fails: ``heads.a``
        mods = self.__dict__.get("_modules")
        if mods is not None and mods.get(key) is not None:
            return mods[key]
        raise AttributeError(f"'ModuleDict' object has no attribute or module {key!r}")

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"ModuleDict: keys must be non-empty strings without '.', got {key!r}")
        self._modules[key] = _module(module, f"ModuleDict[{key!r}] = ...")
        self._attach(key, module)

    def __delitem__(self, key: str) -> None:
        self[key]  # noqa: B018 - the KeyError names the keys
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return list(self._modules)

    def values(self) -> list[Module]:
        """The modules, in insertion order."""
        return [m for m in self._modules.values() if m is not None]

    def items(self) -> list[tuple[str, Module]]:
        """``(key, module)`` pairs, in insertion order."""
        return [(k, m) for k, m in self._modules.items() if m is not None]

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping or from ``(key, module)`` pairs."""
        pairs = modules.items() if isinstance(modules, (Mapping, ModuleDict)) else modules
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"ModuleDict.update: expected (key, module) pairs, got {type(pair).__name__}")
            self[pair[0]] = pair[1]

    def pop(self, key: str) -> Module:
        """Remove and return the module under ``key``."""
        m = self[key]
        del self._modules[key]
        return m

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleDict has no forward: call its modules, e.g. `self.heads['a'](x)`")


def _param(x: Any, where: str) -> Any:
    """A parameter for a ParameterList/Dict: Parameters and leaves requiring grad as they are, arrays wrapped."""
    if is_parameter(x):
        return x
    if isinstance(x, Module):
        raise TypeError(f"{where}: got a {type(x).__name__}; modules go into a ModuleList or ModuleDict")
    return Parameter(x)


class ParameterList(Module):
    """A list of parameters, each registered (PyTorch's ``nn.ParameterList``); arrays become :class:`nn.Parameter`.

    Examples
    --------
    >>> import nn, numpy as np
    >>> m = nn.Module()
    >>> m.scales = nn.ParameterList([np.ones(2)])
    >>> _ = m.scales.append(np.zeros(3))
    >>> [(n, p.shape) for n, p in m.named_parameters()]
    [('scales.0', (2,)), ('scales.1', (3,))]
    """

    kind = None
    transparent = True

    def __init__(self, values: Any = None) -> None:
        super().__init__()
        for v in values or []:
            self.append(v)

    def __getitem__(self, idx: int) -> Any:
        return list(self._parameters.values())[idx]

    def __setitem__(self, idx: int, value: Any) -> None:
        key = list(self._parameters)[idx]
        setattr(self, key, _param(value, "ParameterList[] = ..."))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._parameters.values()))

    def append(self, value: Any) -> ParameterList:
        """Add a parameter at the end (registered at once) and return self."""
        setattr(self, str(len(self._parameters)), _param(value, "ParameterList.append"))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append each of ``values`` and return self."""
        for v in list(values):
            self.append(v)
        return self


class ParameterDict(Module):
    """A dict of parameters by name, each registered (PyTorch's ``nn.ParameterDict``).

    Examples
    --------
    >>> import nn, numpy as np
    >>> d = nn.ParameterDict({"scale": np.ones(2)})
    >>> d["shift"] = np.zeros(2)
    >>> list(d), [n for n, _ in d.named_parameters()]
    (['scale', 'shift'], ['scale', 'shift'])
    """

    kind = None
    transparent = True

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        pairs = parameters.items() if isinstance(parameters, Mapping) else (parameters or [])
        for key, value in pairs:
            self[key] = value

    def __getitem__(self, key: str) -> Any:
        if key not in self._parameters:
            raise KeyError(f"ParameterDict has no parameter {key!r}; it has {list(self._parameters)}")
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"ParameterDict: keys must be non-empty strings without '.', got {key!r}")
        setattr(self, key, _param(value, f"ParameterDict[{key!r}] = ..."))

    def __delitem__(self, key: str) -> None:
        self[key]  # noqa: B018 - the KeyError names the keys
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._parameters))

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self) -> list[str]:
        """The names, in insertion order."""
        return list(self._parameters)

    def values(self) -> list[Any]:
        """The parameters, in insertion order."""
        return list(self._parameters.values())

    def items(self) -> list[tuple[str, Any]]:
        """``(name, parameter)`` pairs."""
        return list(self._parameters.items())


CONTAINERS.update({list: ModuleList, tuple: ModuleList, dict: ModuleDict})


class Sequential(_Indexed):
    """Modules applied one after another, as PyTorch's ``nn.Sequential``.

    Parameters are named ``0.weight``, ``2.bias``, ... (or after the keys of
    an ``OrderedDict`` given instead of modules).  Indexing, slicing (a new
    Sequential sharing the modules), assignment, ``del``, ``append``,
    ``insert``, ``extend``, ``pop``, ``len`` and iteration work as on a list and
    register at once.  In drawings the layers are named ``layer 1``,
    ``ReLU 2``, ... after their positions.

    Examples
    --------
    >>> import numpy as np
    >>> import nn
    >>> net = nn.Sequential(nn.Linear(2, 4, seed=0), nn.ReLU(), nn.Linear(4, 1, seed=1))
    >>> net(np.zeros((3, 2))).shape
    (3, 1)
    >>> [name for name, _ in net.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    >>> net[2] = nn.Linear(4, 2)
    >>> net.layers[2].weight.stage
    ('Sequential', 'layer 3')
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for key, m in modules[0].items():
                self.add_module(key, _module(m, "Sequential"))
            return
        for m in modules:
            _module(m, "Sequential")
        for m in modules:
            self.append(m)

    def child_name(self, key: str, child: Module) -> str:
        if not key.isdigit():
            return key
        position = list(self._modules).index(key) + 1
        dense = getattr(child, "nin", None) is not None and getattr(child, "nout", None) is not None
        return f"layer {position}" if dense else f"{type(child).__name__} {position}"

    @property
    def layers(self) -> list[Module]:
        """The modules, in order (a new list: change the Sequential itself to change the model)."""
        return self._list()

    @property
    def engine(self) -> str:  # type: ignore[override]
        """``"scalar"`` when every layer with parameters is on the scalar engine, else ``"tensor"``."""
        engines = {m.engine for m in self._list() if m.parameters()}
        return engines.pop() if len(engines) == 1 else "tensor"

    @property
    def nin(self) -> int | None:
        """Input width of the first layer that has one."""
        return next((n for m in self._list() if (n := getattr(m, "nin", None))), None)

    @property
    def nout(self) -> int | None:
        """Output width of the last layer that has one."""
        return next((n for m in reversed(self._list()) if (n := getattr(m, "nout", None))), None)

    def forward(self, x: Any) -> Any:
        for m in self._list():
            x = m(x)
        return x

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, str):
            return self._modules[idx]
        return super().__getitem__(idx)

    def load_state_dict(self, state: dict[str, Any], strict: bool = True, layout: str = "layergrad") -> Any:
        """As :meth:`Module.load_state_dict`; also reads states saved under the old names (``layers.0.weight``)."""
        if layout != "layergrad":
            return super().load_state_dict(state, strict, layout)
        if state and all(k.startswith("layers.") for k in state) and not any(k in self._modules for k in state):
            state = {k[len("layers.") :]: v for k, v in state.items()}
        return super().load_state_dict(state, strict)

    def describe(self) -> str:
        return f"{self.name}({' → '.join(type(m).__name__ for m in self._list())})"
