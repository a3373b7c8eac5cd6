"""Nonlinear activations, as modules and as functions, on both engines.

Each works on a ``Value``, a list of Values or a ``Tensor``.  Without a
nonlinearity a stack of linear layers collapses into one linear map: the
activation is what lets each layer bend the space.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from autograd import Node, Tensor, Value  # noqa: F401 (Tensor: used by the examples)
from autograd.ops import OPS

from .module import Module

_N = TypeVar("_N", bound=Node)  # an activation maps a Value to a Value and a Tensor to a Tensor

__all__ = [
    "Activation",
    "Identity",
    "Step",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "Softplus",
    "GELU",
    "identity",
    "step",
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "softplus",
    "gelu",
    "get_activation",
    "ACTIVATIONS",
]


def _elementwise(x: Any, fn: Callable[[Node], Node], where: str) -> Any:
    if isinstance(x, Node):
        return fn(x)
    if isinstance(x, (list, tuple)):
        return [fn(v if isinstance(v, Node) else Value(v)) for v in x]
    if isinstance(x, (int, float)):
        return fn(Value(x))
    raise TypeError(f"{where}: expected a Value, a list of Values or a Tensor, got {type(x).__name__}")


def identity(x: Any) -> Any:
    """Return ``x`` unchanged (no nonlinearity).

    Like the other activations, numbers (alone or in a list) become Values.

    Examples
    --------
    >>> identity(Value(-2.0)).data
    -2.0
    >>> [v.data for v in identity([1.0, -2.0])]
    [1.0, -2.0]
    """
    return _elementwise(x, lambda v: v, "identity")


def step(x: Any) -> Any:
    """Threshold: 1 above 0, 0 below. Its gradient is 0: it cannot be trained by gradients.

    Examples
    --------
    >>> [v.data for v in step([Value(-1.0), Value(2.0)])]
    [0.0, 1.0]
    """
    return _elementwise(x, lambda v: v.step(), "step")


def relu(x: Any) -> Any:
    """max(x, 0): passes positive values, zeroes negative ones.

    Examples
    --------
    >>> relu(Tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    return _elementwise(x, lambda v: v.relu(), "relu")


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Any:
    """x above 0, ``negative_slope * x`` below.

    Examples
    --------
    >>> leaky_relu(Value(-2.0), 0.1).data
    -0.2
    """
    return _elementwise(x, lambda v: v.leaky_relu(negative_slope), "leaky_relu")


def sigmoid(x: Any) -> Any:
    """1 / (1 + e^-x): squashes to (0, 1), without overflow.

    Examples
    --------
    >>> sigmoid(Value(0.0)).data
    0.5
    """
    return _elementwise(x, lambda v: v.sigmoid(), "sigmoid")


def tanh(x: Any) -> Any:
    """Hyperbolic tangent: squashes to (-1, 1).

    Examples
    --------
    >>> tanh(Value(0.0)).data
    0.0
    """
    return _elementwise(x, lambda v: v.tanh(), "tanh")


def softplus(x: Any) -> Any:
    """log(1 + e^x), a smooth ReLU.

    Examples
    --------
    >>> round(softplus(Value(0.0)).data, 6)
    0.693147
    """
    return _elementwise(x, lambda v: v.softplus(), "softplus")


GELU_APPROXIMATIONS = ("none", "tanh")
"""The values of ``approximate`` that GELU takes, as in PyTorch."""


def _check_approximate(approximate: Any, where: str) -> str:
    if not isinstance(approximate, str) or approximate not in GELU_APPROXIMATIONS:
        raise ValueError(f"{where}: approximate must be 'none' or 'tanh', got {approximate!r}")
    return approximate


def gelu(x: Any, approximate: str = "none") -> Any:
    """Gaussian error linear unit ``x·Φ(x) = x/2·(1 + erf(x/√2))``, as ``torch.nn.functional.gelu``.

    ``approximate="tanh"`` gives Hendrycks & Gimpel's approximation
    ``x/2·(1 + tanh(√(2/π)·(x + 0.044715x³)))`` instead (up to 5e-4 away).

    Examples
    --------
    >>> round(gelu(Value(1.0)).data, 6)
    0.841345
    >>> round(gelu(Value(1.0), approximate="tanh").data, 6)
    0.841192
    """
    _check_approximate(approximate, "gelu")
    return _elementwise(x, lambda v: v.gelu(approximate), "gelu")


def _forward_node(self: Any, v: Any) -> Any:
    """The node() of an activation class that has its own forward: that forward."""
    return self.forward(v)


class Activation(Module):
    """An elementwise nonlinearity as a module (no parameters).

    Examples
    --------
    >>> ReLU()(Tensor([-1.0, 3.0])).tolist()
    [0.0, 3.0]
    """

    kind = "layer"
    #: the function applied (one of the functions above)
    fn: Callable[..., Any] = staticmethod(identity)
    #: the name used by ``activation="..."``
    key = "identity"
    #: He initialisation suits ReLU-like units; Glorot suits the rest
    he_init = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__
        if "forward" in own and "node" not in own and "fn" not in own:
            # NOTE: written PyTorch's way (its own forward): layers apply node(), which then runs that forward
            cls.node = _forward_node  # type: ignore[method-assign]

    def forward(self, x: Any) -> Any:
        return type(self).fn(x)

    def node(self, v: _N) -> _N:
        """Apply to one node (used inside neurons and layers)."""
        return type(self).fn(v)

    def register_forward_hook(self, hook: Any) -> Any:
        """:meth:`nn.Module.register_forward_hook`; a layer then refuses to apply this activation (no hook runs).

        Examples
        --------
        >>> import nn
        >>> layer = nn.Linear(2, 1, activation="tanh", seed=0)
        >>> handle = layer.activation.register_forward_hook(lambda m, args, out: out)
        >>> layer([[1.0, 2.0]])
        Traceback (most recent call last):
        ...
        RuntimeError: activation Tanh() has hooks, which do not run inside a layer ...
        >>> handle.remove(); layer([[1.0, 2.0]]).shape
        (1, 1)
        """
        self.__dict__["node"] = self._hooked_node  # a layer applying it declines its fused paths (fusable) and asks
        return super().register_forward_hook(hook)

    def register_full_backward_hook(self, hook: Any) -> Any:
        """:meth:`nn.Module.register_full_backward_hook`; a layer then refuses to apply this activation, likewise."""
        self.__dict__["node"] = self._hooked_node
        return super().register_full_backward_hook(hook)

    def _hooked_node(self, v: _N) -> _N:
        """node() once a hook was registered: a layer applies an activation as its own step, where no hook runs."""
        if self._forward_hooks or self._backward_hooks:
            raise RuntimeError(
                f"activation {self!r} has hooks, which do not run inside a layer (a layer applies its activation as "
                "its own step, not as a module): register the hook on the layer, or put the activation after the "
                "layer in an nn.Sequential"
            )
        return type(self).node(self, v)

    def describe(self) -> str:
        return type(self).__name__

    def config(self) -> dict[str, Any]:
        return {}


class Identity(Activation):
    """No nonlinearity: a stack of such layers is one linear map."""

    fn = staticmethod(identity)
    key = "identity"


class Step(Activation):
    """The threshold unit of the first perceptrons: 1 above 0, 0 below; gradient 0."""

    fn = staticmethod(step)
    key = "step"


class ReLU(Activation):
    """max(x, 0)."""

    fn = staticmethod(relu)
    key = "relu"
    he_init = True


class LeakyReLU(Activation):
    """x above 0, ``negative_slope * x`` below.

    Examples
    --------
    >>> LeakyReLU(0.1)(Value(-1.0)).data
    -0.1
    >>> LeakyReLU(0.1)
    LeakyReLU(0.1)
    """

    key = "leaky_relu"
    he_init = True

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x: Any) -> Any:
        return leaky_relu(x, self.negative_slope)

    def node(self, v: _N) -> _N:
        return v.leaky_relu(self.negative_slope)

    def describe(self) -> str:
        return f"LeakyReLU({self.negative_slope:g})"

    def extra_repr(self) -> str:
        return f"{self.negative_slope:g}"

    def config(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope}


class Sigmoid(Activation):
    """1 / (1 + e^-x)."""

    fn = staticmethod(sigmoid)
    key = "sigmoid"


class Tanh(Activation):
    """tanh(x)."""

    fn = staticmethod(tanh)
    key = "tanh"


class Softplus(Activation):
    """log(1 + e^x)."""

    fn = staticmethod(softplus)
    key = "softplus"
    he_init = True


class GELU(Activation):
    """x · Φ(x), exact with erf (``approximate="none"``) or with PyTorch's tanh formula (``"tanh"``).

    Examples
    --------
    >>> round(GELU()(Value(-1.0)).data, 6)
    -0.158655
    >>> GELU(approximate="tanh"), GELU(approximate="tanh").describe()
    (GELU(approximate='tanh'), 'GELU(tanh)')
    """

    fn = staticmethod(gelu)
    key = "gelu"
    he_init = True

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = _check_approximate(approximate, "GELU")

    def forward(self, x: Any) -> Any:
        return gelu(x, self.approximate)

    def node(self, v: _N) -> _N:
        return v.gelu(self.approximate)

    def describe(self) -> str:
        return "GELU" if self.approximate == "none" else "GELU(tanh)"

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"

    def config(self) -> dict[str, Any]:
        return {"approximate": self.approximate}


_CLASSES: tuple[type[Activation], ...] = (Identity, Step, ReLU, LeakyReLU, Sigmoid, Tanh, Softplus, GELU)
#: The activations whose ``node()`` makes exactly one node (their exact classes: a subclass may differ).
ONE_NODE = frozenset({Step, ReLU, LeakyReLU, Sigmoid, Tanh, Softplus, GELU})
#: The activations a fused layer node can end with (:mod:`autograd.fused`): exact class -> row (None: none).
FUSED_ROWS: dict[type[Activation], Any] = {
    Identity: None,
    ReLU: OPS["relu"],
    Tanh: OPS["tanh"],
    Sigmoid: OPS["sigmoid"],
    LeakyReLU: OPS["leaky_relu"],
}
_OWN = {cls: (cls.node, cls.fn) for cls in FUSED_ROWS}  # what their node() runs, as defined
# NOTE: no metaclass watches the classes (a user's subclass may bring its own, or mix in abc.ABC, as with torch.nn):
# a layer's cached plan compares the class's node and fn with these on every call instead (two lookups)


def fusable(act: Activation) -> bool:
    """Whether a layer may apply ``act`` as its row in a fused node: ``node()`` would give the row's result.

    Not when ``node`` or ``fn`` was patched on its class (or a base class), or ``node`` set on the object.

    Examples
    --------
    >>> fusable(ReLU()), fusable(Softplus())
    (True, False)
    >>> relu = ReLU()
    >>> relu.node = lambda v: v * 2
    >>> fusable(relu)
    False
    """
    cls = type(act)
    own = _OWN.get(cls)
    return own is not None and cls.node is own[0] and cls.fn is own[1] and "node" not in act.__dict__


ACTIVATIONS: dict[str, type[Activation]] = {cls.key: cls for cls in _CLASSES}
"""Activation classes by the name accepted in ``activation="..."``."""
_ALIASES = {"linear": "identity", "none": "identity", "threshold": "step", "leakyrelu": "leaky_relu"}
_PRESETS: dict[str, Callable[[], Activation]] = {"gelu_tanh": lambda: GELU(approximate="tanh")}
"""Names that stand for a configured activation: ``"gelu_tanh"`` is ``GELU(approximate="tanh")``."""


def get_activation(activation: Any) -> Activation:
    """An activation module from a name, a module, a class or None (identity).

    ``"gelu"`` is the exact GELU (PyTorch's ``nn.GELU()``), ``"gelu_tanh"``
    its tanh approximation (``nn.GELU(approximate="tanh")``).

    Examples
    --------
    >>> get_activation("relu"), get_activation("gelu_tanh")
    (ReLU(), GELU(approximate='tanh'))
    >>> get_activation("swish")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown activation 'swish'; known: identity, step, relu, ..., gelu, gelu_tanh
    """
    if activation is None:
        return Identity()
    if isinstance(activation, Activation):
        held = [name for name, _ in activation.named_parameters()] if "_modules" in vars(activation) else []
        if held:  # NOTE: a layer's activation is no child (no stage of its own): nothing would train these
            raise TypeError(
                f"activation: {activation!r} holds parameters ({', '.join(held)}), which a layer's activation "
                "cannot train (they are in no parameters() nor state_dict()); put it after the layer in an "
                "nn.Sequential instead"
            )
        return activation
    if isinstance(activation, type) and issubclass(activation, Activation):
        return activation()
    if isinstance(activation, str):
        key = _ALIASES.get(activation.lower(), activation.lower())
        if key in ACTIVATIONS:
            return ACTIVATIONS[key]()
        if key in _PRESETS:
            return _PRESETS[key]()
        raise ValueError(f"unknown activation {activation!r}; known: {', '.join([*ACTIVATIONS, *_PRESETS])}")
    raise TypeError(
        f"activation must be a name ({', '.join([*ACTIVATIONS, *_PRESETS])}), an nn activation module or None, "
        f"got {type(activation).__name__}"
    )
