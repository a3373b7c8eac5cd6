"""A module call with forward and backward hooks: the path ``Module.__call__`` takes only when a hook is registered.

Forward hooks run after ``forward`` and may replace its output.  A full
backward hook needs the gradients of the module's inputs and outputs: the
inputs that require grad and the outputs pass through identity nodes
(:func:`autograd.hooks.tap`) whose gradient goes through this call's
bookkeeping, so the hook lives in the graph and goes away with it (no table
keeps it).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from autograd import Node, Tensor, Value, is_grad_enabled
from autograd.hooks import RemovableHandle, add_hook, tap

from .module_stage import EPOCH

__all__ = ["call_with_hooks"]


def call_with_hooks(module: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
    """``module(*args, **kwargs)`` with its forward and full backward hooks (see ``Module.register_*_hook``).

    Examples
    --------
    >>> from autograd import Value
    >>> from nn import Neuron
    >>> n = Neuron(1, activation="linear")
    >>> _ = n.register_forward_hook(lambda m, args, out: out * 0.0 + 1.0)
    >>> n([Value(2.0)]).data
    1.0
    """
    backward_hooks = list((module._backward_hooks or {}).values())
    call = _Call(module, backward_hooks, len(args)) if backward_hooks and is_grad_enabled() else None
    with module.stage_block():
        if call is not None:
            args = call.wrap_inputs(args)
        out = module.forward(*args, **kwargs)
        for hook in list((module._forward_hooks or {}).values()):
            new = hook(module, args, out)
            if new is not None:
                out = new
        if call is not None:
            out = call.wrap_outputs(out)
    return out


def _as_node(g: Any) -> Any:
    """A gradient as a hook sees it: a node (a raw one becomes a constant)."""
    if isinstance(g, Node):
        return g
    if isinstance(g, np.ndarray):
        return Tensor(g)
    return Value(float(g), requires_grad=False)


def _as_given(new: Any, g: Any) -> Any:
    """A hook's replacement in the form the backward pass gave ``g`` (numbers, or a node when recording)."""
    if isinstance(g, Node):
        return new
    data = new.data if isinstance(new, Node) else new
    if np.shape(data) != np.shape(g):
        raise RuntimeError(
            f"full backward hook: a gradient of shape {np.shape(g)} was replaced by one of shape {np.shape(data)}"
        )
    return np.asarray(data, dtype=g.dtype) if isinstance(g, np.ndarray) else float(data)


class _Call:
    """One call of a module with backward hooks: collects the gradients of its outputs, then of its inputs."""

    def __init__(self, module: Any, hooks: list[Any], n_args: int) -> None:
        self.module = module
        self.hooks = hooks
        self.grad_input: list[Any] = [None] * n_args
        self.grad_output: list[Any] = []
        self.needs: list[int] = []  # positions of the inputs that require grad
        self.waiting: set[int] = set()
        self.outputs_waiting = 0

    def wrap_inputs(self, args: tuple) -> tuple:
        wrapped = list(args)
        for k, a in enumerate(args):
            if isinstance(a, Node) and a.requires_grad:
                wrapped[k] = tap(a, functools.partial(self.on_input, k))
                self.needs.append(k)
        return tuple(wrapped)

    def wrap_outputs(self, out: Any) -> Any:
        single = isinstance(out, Node)
        outs = [out] if single else list(out) if isinstance(out, (list, tuple)) else []
        self.grad_output = [None] * len(outs)
        wrapped = list(outs)
        for j, o in enumerate(outs):
            if isinstance(o, Node) and o.requires_grad:
                wrapped[j] = tap(o, functools.partial(self.on_output, j))
                self.outputs_waiting += 1
        self.expected_outputs = self.outputs_waiting
        if single:
            return wrapped[0]
        return type(out)(wrapped) if isinstance(out, (list, tuple)) else out

    def on_output(self, j: int, g: Any) -> Any:
        self.grad_output[j] = _as_node(g)
        self.outputs_waiting -= 1
        if self.outputs_waiting == 0:  # every output's gradient is in: the inputs' come next
            self.outputs_waiting = self.expected_outputs
            self.waiting = set(self.needs)
            self.grad_input = [None] * len(self.grad_input)
            if not self.needs:
                self.run()
        return g

    def on_input(self, k: int, g: Any) -> Any:
        self.grad_input[k] = _as_node(g)
        self.waiting.discard(k)
        if self.waiting:
            return g
        given = list(self.grad_input)
        new = self.run()
        if new is None:
            return g
        for i, (a, b) in enumerate(zip(given, new)):
            if i != k and a is not b:
                raise RuntimeError(
                    f"full backward hook of {self.module.name}: only the gradient of input {k} can still be "
                    f"replaced (input {i}'s has gone on already); a module with several inputs that require "
                    "grad can replace only the last one"
                )
        return _as_given(new[k], g)

    def run(self) -> Any:
        """Call the hooks; the last replacement of ``grad_input`` (a tuple), or None."""
        result = None
        grad_input, grad_output = tuple(self.grad_input), tuple(self.grad_output)
        for hook in self.hooks:
            new = hook(self.module, grad_input, grad_output)
            if new is not None:
                if not isinstance(new, (tuple, list)) or len(new) != len(grad_input):
                    raise TypeError(
                        f"full backward hook of {self.module.name}: expected None or a tuple of "
                        f"{len(grad_input)} gradients, got {new!r}"
                    )
                grad_input = result = tuple(new)
        return result


class HookMethods:
    """The hook registration of :class:`nn.Module` (a base class of it): forward hooks and full backward hooks."""

    __slots__ = ()
    _forward_hooks: dict[int, Any] | None
    _backward_hooks: dict[int, Any] | None

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
        EPOCH[0] += 1  # NOTE: a model's plan to record its layers as one node (nn.chain) is made again
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
        EPOCH[0] += 1  # NOTE: a model's plan to record its layers as one node (nn.chain) is made again
        if self._backward_hooks is None:
            object.__setattr__(self, "_backward_hooks", {})
        return add_hook(self._backward_hooks, hook)  # type: ignore[arg-type]
