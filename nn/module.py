"""``Module``: the base of every layer and model, on both engines.

Registration cannot be bypassed: a list or dict of modules assigned to an
attribute becomes an :class:`nn.ModuleList` or :class:`nn.ModuleDict` (whose
methods register what is added later), and a plain container holding an
unregistered module or :class:`nn.Parameter` makes ``parameters()`` raise.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from autograd import Node, Tensor, Value, cached_stage, gc_paused, register_stage

from .module_hooks import HookMethods, call_with_hooks
from .module_repr import DisplayMethods
from .module_stage import EPOCH, stage_block
from .parameter import Parameter, is_parameter
from .registry import file_format, register
from .state import IncompatibleKeys, cast, get_submodule, join, load_state_dict, named_leaves, state_dict
from .utils import zero_grad_of

__all__ = ["Module", "IncompatibleKeys", "CONTAINERS"]

_CONTAINERS = (list, tuple, dict)

#: What a non-empty list, tuple or dict of modules becomes when assigned to an attribute:
#: ``nn.ModuleList`` and ``nn.ModuleDict``, filled in by :mod:`nn.containers` when it is imported.
CONTAINERS: dict[type, Callable[[Any], Module]] = {}


def _hidden(v: Any, depth: int = 2) -> Any:
    """The first Module or Parameter inside plain lists, tuples and dicts (``depth`` levels), else None."""
    items = v.values() if type(v) is dict else v
    for x in items:
        if isinstance(x, (Module, Parameter)):
            return x
        if depth > 1 and type(x) in _CONTAINERS:
            found = _hidden(x, depth - 1)
            if found is not None:
                return found
    return None


class Module(HookMethods, DisplayMethods):
    """Base class: parameters, buffers, children, stages and state, for both engines.

    Attributes that are Modules are children; a list or tuple of Modules
    becomes an :class:`nn.ModuleList` and a dict of Modules an
    :class:`nn.ModuleDict`.  Attributes that are :class:`nn.Parameter` objects
    or leaf Values/Tensors requiring grad (or lists of them) are parameters;
    :meth:`register_buffer` adds state that is saved but not trained.  All are
    registered in the order they are set; assigning to an existing name keeps
    its place (as in PyTorch).  Calling a module runs :meth:`forward` inside
    ``autograd.stage(name)``, so every node it creates knows which module made
    it, and registering a parameter sets its ``stage`` to the module's path.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> class Scale(Module):
    ...     kind = "layer"
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.s = Tensor([2.0], requires_grad=True)
    ...     def forward(self, x):
    ...         return x * self.s
    >>> m = Scale()
    >>> [name for name, _ in m.named_parameters()]
    ['s']
    >>> m(Tensor([1.0, 3.0])).stage
    ('Scale',)
    """

    engine = "tensor"  #: ``"scalar"`` (Value) or ``"tensor"`` (Tensor); set by subclasses.
    kind: str | None = "model"  #: stage kind for the renderer: "model", "layer", "neuron" or None.
    transparent = False  #: True for containers (ModuleList, ModuleDict): no stage of their own.
    _plain: dict[str, Callable[[Any], Any]] = {}  #: attributes set plainly (not children), each with its check

    _modules: OrderedDict[str, Module | None]  # these: set in __init__ with object.__setattr__
    _parameters: OrderedDict[str, Any]
    _buffers: OrderedDict[str, Any]
    _non_persistent: set[str]
    _auto_name: str | None
    training: bool
    name: str
    _path: tuple[str, ...]

    def __init_subclass__(cls, savable: bool = False, **kwargs: Any) -> None:
        """``class MyLayer(Module, savable=True)`` lets :func:`nn.load` rebuild it from a file.

        A savable class is registered in :mod:`nn.registry` by its name, and its
        :meth:`config` must give the constructor's arguments as plain values.
        The keyword is not inherited: a subclass is savable only if it says so.
        """
        super().__init_subclass__(**kwargs)
        if savable:
            register(cls)

    def __init__(self) -> None:
        init = object.__setattr__
        init(self, "_modules", OrderedDict())
        init(self, "_parameters", OrderedDict())
        init(self, "_buffers", OrderedDict())
        init(self, "_non_persistent", set())
        init(self, "training", True)
        init(self, "name", type(self).__name__)
        init(self, "_auto_name", None)
        init(self, "_path", () if self.transparent else (type(self).__name__,))

    # registration ---------------------------------------------------------------
    def __setattr__(self, key: str, value: Any) -> None:
        EPOCH[0] += 1  # a stage label may change (see nn.module_stage)
        if "_modules" not in self.__dict__:  # (before the base's __init__, an activation would be replaced by it)
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before setting attributes")
        if key in self._plain:  # NOTE: as set in __init__, not a child (no stage of its own, no stale label)
            return object.__setattr__(self, key, self._plain[key](value))
        mods, params, bufs = self._modules, self._parameters, self._buffers
        where = f"{type(self).__name__}.{key}"
        if type(value) in _CONTAINERS and value:
            value = self._container(key, value)
        if isinstance(value, Module):
            params.pop(key, None)
            bufs.pop(key, None)
            mods[key] = value  # an existing name keeps its place (PyTorch's order)
            object.__setattr__(self, key, value)
            self._attach(key, value)
            return
        if is_parameter(value) or (type(value) in (list, tuple) and value and all(is_parameter(v) for v in value)):
            mods.pop(key, None)
            bufs.pop(key, None)
            params[key] = value  # a list is kept as is: parameters() reads it, so changes to it count
            object.__setattr__(self, key, value)
            self._set_path(self._path)
            return
        if key in bufs:
            if value is not None and not isinstance(value, (Tensor, np.ndarray)):
                raise TypeError(f"{where} is a buffer: assign a Tensor, an ndarray or None, got {type(value).__name__}")
            bufs[key] = value
        elif key in mods:
            if value is not None:
                raise TypeError(
                    f"{where} is a submodule: assign a Module or None, got {type(value).__name__} "
                    f"(to replace it with something else, `del` it first)"
                )
            mods[key] = None
        elif key in params:
            if value is not None:
                raise TypeError(
                    f"{where} is a parameter: assign an nn.Parameter (or a leaf with requires_grad=True) or None, "
                    f"got {type(value).__name__}; wrap it as nn.Parameter(...) so it is trained, or `del` it first"
                )
            params[key] = None
        object.__setattr__(self, key, value)

    def _container(self, key: str, value: Any) -> Any:
        """A non-empty list/tuple/dict assigned to ``key``: registered form, as is, or a clear error."""
        items = list(value.values()) if type(value) is dict else list(value)
        modules = [isinstance(v, Module) for v in items]
        if all(modules):
            return CONTAINERS[type(value)](value)
        if any(modules):
            kind = "ModuleDict" if type(value) is dict else "ModuleList"
            raise TypeError(
                f"{type(self).__name__}.{key}: a {type(value).__name__} that mixes Modules with other objects "
                f"cannot be registered, and its modules would never be trained; put the modules in an "
                f"nn.{kind} of their own"
            )
        return value

    def __delattr__(self, key: str) -> None:
        EPOCH[0] += 1  # a stage label may change (see nn.module_stage)
        for reg in (self._modules, self._parameters, self._buffers):
            reg.pop(key, None)
        self._non_persistent.discard(key)
        object.__delattr__(self, key)

    def child_name(self, key: str, child: Module) -> str:
        """The stage name a child registered under ``key`` takes when it has no name of its own."""
        return key

    def _attach(self, key: str, child: Module) -> None:
        """Name ``child`` after ``key`` (unless it was named on purpose) and set its stage path."""
        if child.name == type(child).__name__ or child.name == child._auto_name:
            name = self.child_name(key, child)
            object.__setattr__(child, "name", name)
            object.__setattr__(child, "_auto_name", name)
        if not self.transparent:
            register_stage(self._path, label=self.describe(), kind=self.kind)
        child._set_path(self._path if child.transparent else self._path + (child.name,))

    def _set_path(self, path: tuple[str, ...]) -> None:
        """Set this module's stage path, and its parameters' and children's."""
        EPOCH[0] += 1  # a stage label may change (see nn.module_stage)
        object.__setattr__(self, "_path", path)
        if not self.transparent:
            register_stage(path, label=self.describe(), kind=self.kind)
        for key, p in self._parameters.items():
            for name, leaf in named_leaves(key, p):
                leaf.stage = path
                if not leaf.label:
                    leaf.label = name.replace(".", "")  # w.0 is labelled w0 in drawings
        for key, child in self._modules.items():
            if child is not None:
                self._attach(key, child)

    def set_name(self, name: str) -> Module:
        """Rename this module (its stage name) and return it."""
        EPOCH[0] += 1  # a stage label may change (see nn.module_stage)
        object.__setattr__(self, "name", str(name))
        object.__setattr__(self, "_auto_name", None)
        self._set_path(self._path[:-1] + (self.name,))
        return self

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as the child ``name`` (same as ``setattr(self, name, module)``, with checks).

        Examples
        --------
        >>> import nn
        >>> m = nn.Module()
        >>> m.add_module("fc", nn.Linear(2, 1))
        >>> [n for n, _ in m.named_children()]
        ['fc']
        """
        self._check_name("add_module", name, self._modules)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module")
        self._modules.setdefault(name, None)  # so that None is kept as an empty slot
        setattr(self, name, module)

    register_module = add_module

    def register_parameter(self, name: str, param: Any) -> None:
        """Register ``param`` (an :class:`nn.Parameter`, a leaf requiring grad, or None) as ``name``."""
        self._check_name("register_parameter", name, self._parameters)
        if param is not None and not is_parameter(param):
            raise TypeError(f"register_parameter: {name!r} must be an nn.Parameter or None, got {type(param).__name__}")
        self._parameters.setdefault(name, None)
        setattr(self, name, param)

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Register state that is saved in :meth:`state_dict` but is not a parameter (e.g. running means).

        Parameters
        ----------
        name : str
            The attribute name.
        tensor : Tensor, ndarray or None
            The buffer (a Tensor that does not require grad, or an array such as an integer counter).
        persistent : bool, default True
            False keeps it out of :meth:`state_dict`.

        Examples
        --------
        >>> import nn, numpy as np
        >>> m = nn.Module()
        >>> m.register_buffer("count", np.zeros((), dtype=np.int64))
        >>> list(m.state_dict()), m.parameters()
        (['count'], [])
        """
        self._check_name("register_buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, (Tensor, np.ndarray)):
            got = type(tensor).__name__
            raise TypeError(f"register_buffer: {name!r} must be a Tensor, an ndarray or None, got {got}")
        if isinstance(tensor, Node) and tensor.requires_grad:
            raise ValueError(f"register_buffer: {name!r} requires grad; a trained tensor is a parameter, not a buffer")
        for reg in (self._modules, self._parameters):
            reg.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)
        object.__setattr__(self, name, tensor)

    def _check_name(self, where: str, name: Any, own: dict[str, Any]) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{where}: the name must be a str, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{where}: the name must be non-empty and contain no '.', got {name!r}")
        if name in self.__dict__ and name not in own or (name not in self.__dict__ and hasattr(type(self), name)):
            raise KeyError(f"{where}: attribute {name!r} already exists")

    def _check_registered(self) -> None:
        """Raise when a public plain list/tuple/dict attribute holds a Module or Parameter nobody registered."""
        for key, v in self.__dict__.items():
            if type(v) in _CONTAINERS and v and key[0] != "_" and key not in self._parameters:
                found = _hidden(v)
                if found is not None:
                    kind = "ModuleDict" if type(v) is dict else "ModuleList"
                    what = "Module" if isinstance(found, Module) else "Parameter"
                    raise TypeError(
                        f"{type(self).__name__}.{key} is a plain {type(v).__name__} holding a {what} "
                        f"({type(found).__name__}) that was added after it was assigned, so parameters() cannot "
                        f"see it and it would never be trained; use nn.{kind} (or give the attribute a name "
                        "starting with '_' if it must stay unregistered)"
                    )

    # calling ----------------------------------------------------------------------
    # hooks by id, in registration order; None (the class's) until one is registered: one check per call
    _forward_hooks: dict[int, Any] | None = None
    _backward_hooks: dict[int, Any] | None = None
    _stage_block: tuple[int, cached_stage] | None = None  # (epoch, block): see nn.module_stage

    @gc_paused
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._forward_hooks or self._backward_hooks:
            return call_with_hooks(self, args, kwargs)
        cached = self._stage_block  # NOTE: stage_block(self), inlined for the hit
        with cached[1] if cached is not None and cached[0] == EPOCH[0] else self.stage_block():
            return self.forward(*args, **kwargs)

    def stage_block(self) -> cached_stage:
        """The stage every call enters: this module's name, ``describe()`` as its label, its kind (cached)."""
        return stage_block(self)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the output; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def describe(self) -> str:
        """A one-line human description, used as the stage label."""
        return self.name

    # traversal --------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, child)`` for each direct child, in registration order (each child once)."""
        seen: set[int] = set()
        for key, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield key, m

    def children(self) -> Iterator[Module]:
        """The direct children."""
        for _, m in self.named_children():
            yield m

    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for this module (name ``""``) and all descendants, depth first.

        A module reachable twice (shared) is listed once unless ``remove_duplicate=False``.

        Examples
        --------
        >>> import nn
        >>> [n for n, _ in nn.Sequential(nn.Linear(2, 3), nn.ReLU()).named_modules()]
        ['', '0', '1']
        """
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        self._check_registered()
        yield prefix, self
        for key, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, join(prefix, key), remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """This module and all its descendants, depth first."""
        for _, m in self.named_modules():
            yield m

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Node]]:
        """``(dotted name, parameter)`` pairs in a stable order, each parameter once (shared weights too).

        Names look like ``layers.1.weight`` or ``layers.1.neurons.3.w.0``.
        """
        seen: set[int] = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mod_prefix, m in mods:
            for key, p in m._parameters.items():
                for name, leaf in named_leaves(key, p):
                    if remove_duplicate:
                        if id(leaf) in seen:
                            continue
                        seen.add(id(leaf))
                    yield join(mod_prefix, name), leaf

    def parameters(self, recurse: bool = True) -> list[Node]:
        """All parameters (Values or Tensors), in a stable order, each once.

        A list (PyTorch gives a generator): it can be iterated more than once.
        """
        return [p for _, p in self.named_parameters(recurse=recurse)]

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Any]]:
        """``(dotted name, buffer)`` pairs (see :meth:`register_buffer`)."""
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, m in mods:
            for key, b in m._buffers.items():
                if b is not None:
                    yield join(mod_prefix, key), b

    def buffers(self, recurse: bool = True) -> list[Any]:
        """All buffers."""
        return [b for _, b in self.named_buffers(recurse=recurse)]

    def get_submodule(self, target: str) -> Module:
        """The descendant at dotted path ``target`` (``""`` is this module)."""
        return get_submodule(self, target)

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every child (recursively), then on this module; return self (e.g. for initialisation)."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # parameters -------------------------------------------------------------------
    def num_parameters(self) -> int:
        """The number of trainable numbers."""
        return sum(1 if isinstance(p, Value) else int(p.data.size) for p in self.parameters())

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: None for Tensors (zeros if ``set_to_none=False``), 0 for Values."""
        for p in self.parameters():
            zero_grad_of(p, set_to_none)

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """PyTorch's ``to``: a float dtype casts the parameters and float buffers; a device must be ``"cpu"``."""
        return cast(self, *args, **kwargs)

    def double(self) -> Module:
        """Cast the parameters and float buffers to float64 and return self."""
        return cast(self, np.float64)

    def cpu(self) -> Module:
        """Return self: layergrad computes on the CPU."""
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (False freezes the module) and return self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def train(self, mode: bool = True) -> Module:
        """Set training mode (recursively) and return self."""
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError(f"train: mode must be True or False, got {mode!r}")
        EPOCH[0] += 1  # a stage label may change (see nn.module_stage)
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Set evaluation mode (recursively) and return self."""
        return self.train(False)

    # state ------------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Parameter and persistent buffer values by dotted name, as copies (floats become 0-d arrays).

        Examples
        --------
        >>> import nn
        >>> list(nn.Linear(2, 3).state_dict())
        ['weight', 'bias']
        """
        return state_dict(self)

    def load_state_dict(
        self, state: dict[str, Any], strict: bool = True, layout: str = "layergrad"
    ) -> IncompatibleKeys:
        """Copy values into the parameters and buffers, checking names and shapes first (all or nothing).

        Returns the missing and unexpected names (both empty unless ``strict=False``).  ``layout="torch"``
        reads a PyTorch ``state_dict`` of the :func:`nn.to_torch` twin (``0.weight``, weights ``(out, in)``).
        """
        return load_state_dict(self, state, strict, layout)

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module (for save/load)."""
        raise NotImplementedError(f"{type(self).__name__} cannot be saved: it has no config()")

    def save(self, path: str) -> str:
        """Save architecture and weights to ``path`` (``.npz``, no pickle, atomic): :func:`nn.save`."""
        return file_format().save(self, path)

    @classmethod
    def load(cls, path: str, **options: Any) -> Module:
        """Load a module saved with :meth:`save` (:func:`nn.load` and its options), checking the class."""
        m = file_format().load(path, **options)
        if cls is not Module and not isinstance(m, cls):
            raise TypeError(f"{cls.__name__}.load: the file holds a {type(m).__name__}")
        return m
