"""What a model file may say about the built-in classes, checked strictly, and the parameters that implies.

:func:`nn.load` reads a file from anywhere, so each constructor argument of
``MLP``, ``Linear``, ``Layer`` and the built-in activations is checked for its
exact JSON type here (``true`` is not the int ``1``, ``2.0`` is not ``2``,
``NaN`` is no slope), and the parameters the arguments imply (:class:`Block`:
names, shapes and bytes) are known before anything is built, so they can be
compared with the file's arrays and a memory limit first.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from .activations import ACTIVATIONS, GELU_APPROXIMATIONS
from .archive import MAX_MEMBERS
from .layers import Layer, Linear
from .mlp import ENGINES, MLP

__all__ = ["Block", "Schema", "SCHEMAS", "blocks", "check_activation", "show", "DTYPES", "SCALAR_BYTES"]

DTYPES = ("float16", "float32", "float64")
"""The dtypes a tensor-engine model file may name."""
SCALAR_BYTES = 224
"""About what one weight of a scalar-engine model takes in memory (a ``Value`` and its share of a ``Neuron``)."""

_repr = reprlib.Repr()
_repr.maxstring, _repr.maxother, _repr.maxlist, _repr.maxdict = 40, 40, 6, 4
show = _repr.repr
"""A value from a file as a message shows it: short, whatever its size."""


def _width(value: Any, what: str) -> None:
    if type(value) is not int or value < 1:
        raise ValueError(f"{what} must be a positive int, got {show(value)}")


def _widths(value: Any, what: str) -> None:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{what} must be a non-empty list of positive ints, got {show(value)}")
    if len(value) > MAX_MEMBERS // 2:  # checked before each width: a file holds two arrays a layer
        raise ValueError(f"{what} lists {len(value):,} layers; a model file holds at most {MAX_MEMBERS:,} arrays")
    for i, n in enumerate(value):
        _width(n, f"{what}[{i}]")


def _flag(value: Any, what: str) -> None:
    if type(value) is not bool:
        raise ValueError(f"{what} must be true or false, got {show(value)}")


def _one_of(*options: str) -> Callable[[Any, str], None]:
    def check(value: Any, what: str) -> None:
        if not isinstance(value, str) or value not in options:
            raise ValueError(f"{what} must be {', '.join(options[:-1])} or {options[-1]}, got {show(value)}")

    return check


_CHOICES = {("gelu", "approximate"): GELU_APPROXIMATIONS}
"""The activations' string arguments that take one of a few values."""


def _activation_name(value: Any, what: str = "activation") -> None:
    if not isinstance(value, str) or value not in ACTIVATIONS:
        raise ValueError(f"unknown activation {show(value)}; known: {', '.join(ACTIVATIONS)}")


def check_activation(name: Any, config: Any, what: str = "activation_config") -> None:
    """Check a built-in activation's name and arguments: each of the type the activation's own ``config()`` has.

    Parameters
    ----------
    name : object
        The activation's key, as in ``nn.ACTIVATIONS``.
    config : object
        Its arguments: a dict (``{}`` for none).
    what : str
        What ``config`` is called in messages.

    Examples
    --------
    >>> check_activation("leaky_relu", {"negative_slope": 0.1})
    >>> check_activation("leaky_relu", {"negative_slope": True})
    Traceback (most recent call last):
    ...
    ValueError: negative_slope of activation 'leaky_relu' must be a float, got True
    """
    _activation_name(name)
    if not isinstance(config, dict):
        raise ValueError(f"{what} must be a JSON object, got {type(config).__name__}")
    defaults = ACTIVATIONS[name]().config()
    for key, value in config.items():
        if key not in defaults:
            takes = ", ".join(defaults) or "no arguments"
            raise ValueError(f"unexpected argument {show(key)} for activation {name!r}, which takes {takes}")
        default = defaults[key]
        if isinstance(default, float):
            ok = type(value) in (int, float) and math.isfinite(value)
        else:
            ok = type(value) is type(default)
        if not ok:
            raise ValueError(f"{key} of activation {name!r} must be a {type(default).__name__}, got {show(value)}")
        choices = _CHOICES.get((name, key))
        if choices is not None and value not in choices:
            raise ValueError(
                f"{key} of activation {name!r} must be {' or '.join(map(repr, choices))}, got {show(value)}"
            )


class Block(NamedTuple):
    """The parameters of one layer: ``weight`` and ``bias`` arrays (tensor engine) or one number per weight (scalar).

    Examples
    --------
    >>> b = Block("layers.0.", "tensor", 2, 3, True, 8)
    >>> list(b.params()), b.arrays(), b.nbytes()
    ([('layers.0.weight', (2, 3)), ('layers.0.bias', (3,))], 2, 72)
    """

    prefix: str
    engine: str
    nin: int
    nout: int
    bias: bool
    itemsize: int

    def arrays(self) -> int:
        """How many arrays the file holds for this layer."""
        return self.nout * (self.nin + 1) if self.engine == "scalar" else 1 + self.bias

    def nbytes(self) -> int:
        """About what the layer's parameters take in memory."""
        if self.engine == "scalar":
            return self.arrays() * SCALAR_BYTES
        return (self.nin + self.bias) * self.nout * self.itemsize

    def params(self) -> Iterator[tuple[str, tuple[int, ...]]]:
        """``(name, shape)`` of each array, named as ``state_dict`` names them."""
        p = self.prefix
        if self.engine == "tensor":
            yield f"{p}weight", (self.nin, self.nout)
            if self.bias:
                yield f"{p}bias", (self.nout,)
            return
        for j in range(self.nout):
            yield from ((f"{p}neurons.{j}.w.{i}", ()) for i in range(self.nin))
            yield f"{p}neurons.{j}.b", ()


def _itemsize(config: dict[str, Any]) -> int:
    return np.dtype(config.get("dtype", "float64")).itemsize


def _mlp_blocks(config: dict[str, Any], prefix: str) -> list[Block]:
    sizes = [config["nin"], *config["nouts"]]
    engine, itemsize = config.get("engine", "tensor"), _itemsize(config)
    return [
        Block(f"{prefix}layers.{i}.", engine, a, b, True, itemsize) for i, (a, b) in enumerate(zip(sizes, sizes[1:]))
    ]


class Schema(NamedTuple):
    """A class's arguments (each with its check), which of them are required, and the layers they imply.

    Examples
    --------
    >>> sorted(SCHEMAS[Linear].fields)
    ['activation', 'bias', 'dtype', 'nin', 'nout']
    """

    fields: dict[str, Callable[[Any, str], None]]
    required: tuple[str, ...]
    blocks: Callable[[dict[str, Any], str], list[Block]]


_DTYPE, _ENGINE = _one_of(*DTYPES), _one_of(*ENGINES)
SCHEMAS: dict[type, Schema] = {
    MLP: Schema(
        {"nin": _width, "nouts": _widths, "activation": _activation_name, "engine": _ENGINE, "dtype": _DTYPE},
        ("nin", "nouts"),
        _mlp_blocks,
    ),
    Linear: Schema(
        {"nin": _width, "nout": _width, "bias": _flag, "activation": _activation_name, "dtype": _DTYPE},
        ("nin", "nout"),
        lambda c, p: [Block(p, "tensor", c["nin"], c["nout"], c.get("bias", True), _itemsize(c))],
    ),
    Layer: Schema(
        {"nin": _width, "nout": _width, "activation": _activation_name},
        ("nin", "nout"),
        lambda c, p: [Block(p, "scalar", c["nin"], c["nout"], True, 8)],
    ),
}
"""The built-in savable classes' schemas (a class of one's own has none: its constructor checks its arguments)."""


def blocks(cls: type, config: Any, prefix: str = "") -> list[Block]:
    """Check ``config`` as the arguments of ``cls`` (a key of :data:`SCHEMAS`); the layers it implies.

    Parameters
    ----------
    cls : type
        ``MLP``, ``Linear`` or ``Layer``.
    config : object
        The class's ``config`` from the file (plus ``activation_config``).
    prefix : str
        Put before every parameter name (the module's place in its parent).

    Examples
    --------
    >>> [b.nout for b in blocks(MLP, {"nin": 2, "nouts": [8, 1]})]
    [8, 1]
    >>> blocks(MLP, {"nin": 2, "nouts": [8, True]})
    Traceback (most recent call last):
    ...
    ValueError: nouts[1] must be a positive int, got True
    """
    schema, name = SCHEMAS[cls], cls.__name__
    if not isinstance(config, dict):
        raise ValueError(f"the config must be a JSON object, got {type(config).__name__}")
    for key in config:
        if key not in schema.fields and key != "activation_config":
            raise ValueError(f"unexpected argument {show(key)} for a {name}, which takes {', '.join(schema.fields)}")
    for key in schema.required:
        if key not in config:
            raise ValueError(f"the config of a {name} needs {key!r}")
    for key, check in schema.fields.items():
        if key in config:
            check(config[key], key)
    if "activation_config" in config:
        if "activation" not in config:
            raise ValueError("activation_config is given without the activation it configures")
        check_activation(config["activation"], config["activation_config"])
    return schema.blocks(config, prefix)
