"""``Module``: the base of every layer and model, on both engines."""

from __future__ import annotations

import html
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np

from autograd import Node, RemovableHandle, Tensor, Value, gc_paused, register_stage, stage
from autograd.hooks import add_hook

from .module_hooks import call_with_hooks
from .registry import file_format, register

__all__ = ["Module"]


def _is_param(x: Any) -> bool:
    return isinstance(x, Node) and x.op is None and x.requires_grad


class Module:
    """Base class: parameters, children, stages and state, for both engines.

    Attributes that are Modules (or lists of Modules) are children; attributes
    that are leaf Values/Tensors requiring grad (or lists of them) are
    parameters.  Both are registered automatically, in the order they are set.
    Calling a module runs :meth:`forward` inside ``autograd.stage(name)``, so
    every node it creates knows which module made it, and registering a
    parameter sets its ``stage`` to the module's path.

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

    #: ``"scalar"`` (Value) or ``"tensor"`` (Tensor); set by subclasses.
    engine = "tensor"
    #: stage kind for the renderer: "model", "layer", "neuron" or None.
    kind: str | None = "model"

    # set in __init__ with object.__setattr__ (they are neither children nor parameters)
    _children: OrderedDict[str, Module | list[Module]]
    _params: OrderedDict[str, Node | list[Node] | tuple[Node, ...]]
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
        object.__setattr__(self, "_children", OrderedDict())
        object.__setattr__(self, "_params", OrderedDict())
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "name", type(self).__name__)
        object.__setattr__(self, "_path", (type(self).__name__,))

    # registration ---------------------------------------------------------------
    def __setattr__(self, key: str, value: Any) -> None:
        if "_children" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before setting attributes")
        self._children.pop(key, None)
        self._params.pop(key, None)
        if isinstance(value, Module):
            if value.name == type(value).__name__:  # default name: take the attribute's, so stages stay distinct
                object.__setattr__(value, "name", key)
            self._children[key] = value
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Module) for v in value):
            for i, m in enumerate(value):
                if m.name == type(m).__name__:
                    object.__setattr__(m, "name", f"{key}.{i}")
            self._children[key] = list(value)
        elif _is_param(value) or (isinstance(value, (list, tuple)) and value and all(_is_param(v) for v in value)):
            self._params[key] = value
        object.__setattr__(self, key, value)
        if key in self._children or key in self._params:
            self._set_path(self._path)

    def _set_path(self, path: tuple[str, ...]) -> None:
        """Set this module's stage path, and its parameters' and children's."""
        object.__setattr__(self, "_path", path)
        register_stage(path, label=self.describe(), kind=self.kind)
        for key, p in self._params.items():
            for i, leaf in enumerate(p if isinstance(p, (list, tuple)) else [p]):
                leaf.stage = path
                if not leaf.label:
                    leaf.label = f"{key}{i}" if isinstance(p, (list, tuple)) else key
        for child in self._child_modules():
            child._set_path(path + (child.name,))

    def _child_modules(self) -> Iterator[Module]:
        for c in self._children.values():
            yield from (c if isinstance(c, list) else [c])

    def set_name(self, name: str) -> Module:
        """Rename this module (its stage name) and return it."""
        object.__setattr__(self, "name", str(name))
        self._set_path(self._path[:-1] + (self.name,))
        return self

    # calling ----------------------------------------------------------------------
    # hooks by id, in registration order; None (the class's) until one is registered: one check per call
    _forward_hooks: dict[int, Any] | None = None
    _backward_hooks: dict[int, Any] | None = None

    @gc_paused
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._forward_hooks or self._backward_hooks:
            return call_with_hooks(self, args, kwargs)
        with stage(self.name, label=self.describe(), kind=self.kind):
            return self.forward(*args, **kwargs)

    def register_forward_hook(self, hook: Any) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each forward; a value it returns replaces the output.

        Returns a handle whose ``remove()`` takes the hook off (PyTorch's API).

        Examples
        --------
        >>> from autograd import Tensor
        >>> from nn import Linear
        >>> layer = Linear(2, 1, seed=0)
        >>> shapes = []
        >>> h = layer.register_forward_hook(lambda m, args, out: shapes.append(out.shape))
        >>> _ = layer(Tensor([[1.0, 2.0]]))
        >>> h.remove(); _ = layer(Tensor([[1.0, 2.0]]))
        >>> shapes
        [(1, 1)]
        """
        if self._forward_hooks is None:
            object.__setattr__(self, "_forward_hooks", {})
        return add_hook(self._forward_hooks, hook)  # type: ignore[arg-type]

    def register_full_backward_hook(self, hook: Any) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients of this module's inputs are computed.

        ``grad_input`` holds the gradient of each positional input (None for an
        input that does not require grad), ``grad_output`` that of each
        output; a tuple the hook returns replaces ``grad_input`` (PyTorch's
        API; for a module with several inputs that require grad, only the
        input whose gradient comes last can still be replaced).  The inputs and
        outputs pass through identity nodes (``autograd.hooks.tap``) that
        carry the hook, so it goes away with the graph.

        Examples
        --------
        >>> from autograd import Tensor
        >>> from nn import Linear
        >>> layer = Linear(2, 1, seed=0)
        >>> seen = []
        >>> _ = layer.register_full_backward_hook(lambda m, gi, go: seen.append((gi[0].shape, go[0].shape)))
        >>> layer(Tensor([[1.0, 2.0]], requires_grad=True)).sum().backward()
        >>> seen
        [((1, 2), (1, 1))]
        """
        if self._backward_hooks is None:
            object.__setattr__(self, "_backward_hooks", {})
        return add_hook(self._backward_hooks, hook)  # type: ignore[arg-type]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the output; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def describe(self) -> str:
        """A one-line human description, used as the stage label."""
        return self.name

    # parameters -------------------------------------------------------------------
    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Node]]:
        """``(dotted name, parameter)`` pairs in a stable order.

        Names look like ``layers.1.weight`` or ``layers.1.neurons.3.w.0``.
        """
        for key, p in self._params.items():
            if isinstance(p, (list, tuple)):
                for i, leaf in enumerate(p):
                    yield f"{prefix}{key}.{i}", leaf
            else:
                yield f"{prefix}{key}", p
        for key, c in self._children.items():
            if isinstance(c, list):
                for i, m in enumerate(c):
                    yield from m.named_parameters(f"{prefix}{key}.{i}.")
            else:
                yield from c.named_parameters(f"{prefix}{key}.")

    def parameters(self) -> list[Node]:
        """All parameters (Values or Tensors), in a stable order."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        """The number of trainable numbers."""
        return sum(1 if isinstance(p, Value) else int(p.data.size) for p in self.parameters())

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (0 for Values, None for Tensors)."""
        for p in self.parameters():
            p.zero_grad()

    def modules(self) -> Iterator[Module]:
        """This module and all its descendants, depth first."""
        yield self
        for c in self._child_modules():
            yield from c.modules()

    def train(self, mode: bool = True) -> Module:
        """Set training mode (recursively) and return self."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Set evaluation mode (recursively) and return self."""
        return self.train(False)

    # state ------------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Parameter values by name, as copies (floats become 0-d arrays)."""
        return OrderedDict(
            (n, np.array(p.data, dtype=np.float64 if isinstance(p, Value) else None))
            for n, p in self.named_parameters()
        )

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy values into the parameters, checking names and shapes first."""
        params = OrderedDict(self.named_parameters())
        if strict:
            missing = [n for n in params if n not in state]
            extra = [n for n in state if n not in params]
            if missing or extra:
                raise KeyError(
                    f"load_state_dict: names do not match this {type(self).__name__}; "
                    f"missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
                    f"unexpected {extra[:5]}{'...' if len(extra) > 5 else ''}"
                )
        updates = []
        for name, p in params.items():
            if name not in state:
                continue
            arr = np.asarray(state[name])
            want = () if isinstance(p, Value) else p.data.shape
            if arr.shape != want:
                raise ValueError(f"load_state_dict: {name} has shape {arr.shape} in the state but {want} in the model")
            if arr.dtype.kind not in "fiu":
                raise TypeError(f"load_state_dict: {name} has dtype {arr.dtype}; expected numbers")
            updates.append((p, arr))
        for p, arr in updates:
            if isinstance(p, Value):
                p.data = float(arr)
            else:
                p.data[...] = arr

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module (for save/load)."""
        raise NotImplementedError(f"{type(self).__name__} cannot be saved: it has no config()")

    def save(self, path: str) -> str:
        """Save architecture and weights to ``path`` (``.npz``, no pickle, atomic): :func:`nn.save`."""
        return file_format().save(self, path)

    @classmethod
    def load(cls, path: str) -> Module:
        """Load a module saved with :meth:`save`: :func:`nn.load`, checking the class."""
        m = file_format().load(path)
        if cls is not Module and not isinstance(m, cls):
            raise TypeError(f"{cls.__name__}.load: the file holds a {type(m).__name__}")
        return m

    # display ----------------------------------------------------------------------
    def extra_repr(self) -> str:
        """What goes inside the parentheses of this module's repr."""
        return ""

    def __repr__(self) -> str:
        children = list(self._children.items())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for key, c in children:
            items = [(f"{key}.{i}", m) for i, m in enumerate(c)] if isinstance(c, list) else [(key, c)]
            for k, m in items:
                sub = repr(m).replace("\n", "\n  ")
                lines.append(f"  ({k}): {sub}")
        return "\n".join(lines) + "\n)"

    def _repr_html_(self) -> str:
        rows = []
        for m in self.modules():
            if m.kind != "layer":
                continue
            rows.append(
                "<tr>"
                + "".join(
                    f"<td>{html.escape(str(v))}</td>"
                    for v in (m.name, m.shape_text(), m.activation_name(), m.num_parameters())
                )
                + "</tr>"
            )
        head = "".join(f"<th>{h}</th>" for h in ("layer", "shape", "activation", "parameters"))
        return (
            f"<div><b>{html.escape(self.describe())}</b> — {self.engine} engine, "
            f"{self.num_parameters()} parameters<table><tr>{head}</tr>{''.join(rows)}</table></div>"
        )

    def shape_text(self) -> str:
        """``nin→nout`` for layers, '' otherwise."""
        nin, nout = getattr(self, "nin", None), getattr(self, "nout", None)
        return f"{nin}→{nout}" if nin is not None and nout is not None else ""

    def activation_name(self) -> str:
        """The activation's name for layers, '' otherwise."""
        act = getattr(self, "activation", None)
        return "" if act is None else act.describe()


def _as_tensor_input(x: Any, where: str) -> Tensor:
    """A batch for a tensor layer: Tensors pass, arrays/lists become leaves."""
    return x if isinstance(x, Tensor) else Tensor(x)
