"""``MLP``: a multi-layer perceptron on either engine, with the same numbers on both."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd.context import CTX
from autograd.stages import REGISTRY_WRITES as _WRITES

from .activations import Activation, Identity, get_activation
from .chain import plan_chain, run_chain
from .checks import check_float_dtype, check_weights
from .containers import ModuleList
from .layers import Layer, Linear, make_rng, scalar_inputs
from .module import Module
from .module_stage import EPOCH

_get_ctx = CTX.get
_NO_PLAN = (None, -1, -1, None, ())  # a model's chain plan before its first (valid for no stage, no epoch)

__all__ = ["MLP"]

ENGINES = ("tensor", "scalar")


class MLP(Module, savable=True):
    """A multi-layer perceptron: hidden layers with ``activation``, a linear last layer.

    ``MLP(2, [1])`` has no hidden layer: it is the *linear classifier*, the
    classic method that processes its input once (``y = w·x + b``).
    ``MLP(2, [16, 16, 1])`` processes it in three stages, two of them
    nonlinear.

    Parameters
    ----------
    nin : int
        Input width.
    nouts : list of int
        Width of each layer; the last is the output width.
    activation : str or activation module
        Used by every hidden layer (``"relu"``, ``"tanh"``, ``"identity"``, ...).
    engine : {"tensor", "scalar"}
        ``"tensor"``: Linear layers on numpy arrays; call with an ``(N, nin)``
        array, get an ``(N, nout)`` Tensor.  ``"scalar"``: Layers of Neurons on
        Values; call with one sample (a list of ``nin`` numbers or Values), get
        a list of ``nout`` Values.
    seed : int, numpy Generator or None
        Initial weights; the same seed gives the same weights on both engines.
        The default 0 builds the same network every time (reproducible
        lessons); None draws fresh weights.
    dtype : numpy dtype
        Tensor engine only (float64 by default).

    Examples
    --------
    >>> import numpy as np
    >>> net = MLP(2, [4, 1], seed=0)
    >>> net(np.array([[0.5, -1.0]])).shape
    (1, 1)
    >>> twin = net.to_engine("scalar")
    >>> out = twin([0.5, -1.0])
    >>> bool(abs(out[0].data - net(np.array([[0.5, -1.0]])).item()) < 1e-12)
    True
    """

    activation: Activation  # set in __init__ with object.__setattr__ (not a child: it has no stage)
    _chain_plan: tuple = _NO_PLAN  # see nn.chain: the layers as one fused node
    _plain = {"activation": get_activation}  # assigned later: checked, and not a child (as in __init__)

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: Any = "relu",
        engine: str = "tensor",
        seed: Any = 0,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        dtype = check_float_dtype(dtype, "MLP")
        if engine not in ENGINES:
            raise ValueError(f"MLP: engine must be 'tensor' or 'scalar', got {engine!r}")
        if isinstance(nouts, (int, np.integer)):
            nouts = [int(nouts)]
        if isinstance(nouts, (str, bytes)) or not hasattr(nouts, "__iter__"):
            raise TypeError(
                f"MLP: nouts must be a list of layer widths such as [16, 16, 1], got {type(nouts).__name__} {nouts!r}"
            )
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer width (the output width)")
        for name, n in [("nin", nin)] + [(f"nouts[{i}]", n) for i, n in enumerate(nouts)]:
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:  # no silent int(2.5) == 2
                raise ValueError(f"MLP: {name} must be a positive int, got {n!r}")
        object.__setattr__(self, "engine", engine)
        self.nin, self.nout, self.sizes = int(nin), int(nouts[-1]), [int(nin)] + [int(n) for n in nouts]
        act = get_activation(activation)
        object.__setattr__(self, "activation", act)  # not a child: it has no stage of its own
        rng = make_rng(seed)
        layers: list[Module] = []
        for i, (a, b) in enumerate(zip(self.sizes, self.sizes[1:])):
            layer_act = act if i < len(nouts) - 1 else Identity()
            if engine == "tensor":
                layer: Module = Linear(a, b, activation=layer_act, seed=rng, dtype=dtype)
            else:
                layer = Layer(a, b, activation=layer_act, seed=rng)
            object.__setattr__(layer, "name", f"layer {i + 1}")
            layers.append(layer)
        self.layers = layers

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        plan, outer = self._chain_plan, _get_ctx()[0]
        # NOTE: no module changed since the plan (the epoch also covers hooks, a forward set on the instance, the
        # layers replaced: see nn.chain), no stage label was registered, and the call comes from the same stage
        valid = plan[0] is outer and plan[1] == EPOCH[0] and plan[2] == _WRITES[0]
        if valid and plan[3] is not None and len(args) == 1 and not kwargs and type(self).forward is _FORWARD:
            out = run_chain(self, args[0], plan)  # the layers as one fused node (nn.chain), if nothing differs
            if out is not None:
                return out
        cached = self._stage_block
        if (
            len(args) == 1
            and not kwargs
            and cached is not None
            and cached[0] == EPOCH[0]
            and self.engine == "tensor"
            and not (self._forward_hooks or self._backward_hooks)
            and type(self).forward is _FORWARD  # not a subclass's, nor one patched on the class
            and "forward" not in self.__dict__  # a forward set on this instance runs (as in PyTorch)
            and type(self.layers) is ModuleList
        ):
            # NOTE: Module.__call__ without its pause of the garbage collector (a node per layer: nothing for it to
            # do) and without a list of the layers per call: the hot path of training on the tensor engine
            x = args[0]
            with cached[1]:
                inner = _get_ctx()[0]
                for layer in self.layers._modules.values():
                    if layer is not None:
                        x = layer(x)
            if not valid:  # plan again from what the layers did (a valid plan the chain declined is kept)
                object.__setattr__(self, "_chain_plan", plan_chain(self, outer, inner, cached[0]) or _NO_PLAN)
            return x
        return super().__call__(*args, **kwargs)

    def __setattr__(self, key: str, value: Any) -> None:
        super().__setattr__(key, value)
        if key == "activation" and "layers" in self._modules:  # the hidden layers take it, as from the constructor
            act = self.activation
            for layer in list(self.layers)[:-1]:
                for m in getattr(layer, "neurons", None) or [layer]:
                    m.activation = act

    def _shared_activation(self, what: str) -> Activation:
        """The one activation of the hidden layers (the last has none), which config() and to_engine() describe."""
        act, layers = self.activation, list(self.layers)
        for i, layer in enumerate(layers):
            want, own = act if i < len(layers) - 1 else Identity(), layer.activation  # type: ignore[attr-defined]
            if type(own) is not type(want) or own.config() != want.config():
                raise ValueError(
                    f"MLP.{what}: layer {i + 1}'s activation is {own.describe()}, where an MLP has "
                    f"{act.describe()} in its hidden layers and none in its last; set the MLP's activation to change "
                    "them all, or build the layers as an nn.Sequential"
                )
        return act

    def __getstate__(self) -> dict[str, Any]:
        """Pickled and copied without the chain plan (it holds the layers' plans; remade on the next call)."""
        return {k: v for k, v in self.__dict__.items() if k != "_chain_plan"}

    def forward(self, x: Any) -> Any:
        if self.engine == "scalar":
            x = scalar_inputs(x, self.describe())
        for layer in self.layers:
            x = layer(x)
        return x

    # the same weights on both engines ---------------------------------------------------
    def get_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each layer's ``(W, b)``, W of shape (nin, nout), as float64 arrays."""
        return [layer.get_weights() for layer in self.layers]  # type: ignore[attr-defined]

    def set_weights(self, weights: Sequence[tuple[Any, Any]]) -> MLP:
        """Set every layer's ``(W, b)`` (as returned by :meth:`get_weights`); returns self.

        All shapes are checked first: when one is wrong, nothing is changed.

        Examples
        --------
        >>> import numpy as np
        >>> net = MLP(2, [1], seed=0)
        >>> net.set_weights([(np.ones((2, 1)), np.zeros(1))]).get_weights()[0][0].tolist()
        [[1.0], [1.0]]
        >>> net.set_weights([(np.ones((3, 1)), np.zeros(1))])
        Traceback (most recent call last):
        ...
        ValueError: layer 1: Linear(2→1): expected W of shape (2, 1) and b of shape (1,), got (3, 1) and (1,)
        """
        if len(weights) != len(self.layers):
            raise ValueError(f"set_weights: this MLP has {len(self.layers)} layers, got weights for {len(weights)}")
        checked = [
            check_weights(W, b, layer.nin, layer.nout, layer.describe())  # type: ignore[attr-defined]
            for layer, (W, b) in zip(self.layers, weights)
        ]
        for layer, (W, b) in zip(self.layers, checked):
            layer.set_weights(W, b)  # type: ignore[attr-defined]
        return self

    def to_engine(self, engine: str, dtype: Any = np.float64) -> MLP:
        """A copy of this network on ``engine`` ("scalar" or "tensor") with the same weights."""
        act = self._shared_activation("to_engine")
        twin = MLP(self.nin, self.sizes[1:], activation=act, engine=engine, seed=0, dtype=dtype)
        return twin.set_weights(self.get_weights())

    # description ---------------------------------------------------------------------
    def describe(self) -> str:
        arch = "→".join(str(s) for s in self.sizes)
        seen = dict.fromkeys(layer.activation.describe() for layer in list(self.layers)[:-1])  # type: ignore[attr-defined]
        act = f", {'/'.join(seen)}" if seen else ""  # (a layer given another activation shows it)
        return f"{self.name}({arch}{act})"

    def extra_repr(self) -> str:
        return f"{'→'.join(str(s) for s in self.sizes)}, engine={self.engine!r}"

    def config(self) -> dict[str, Any]:
        dtype = str(self.layers[0].weight.dtype) if self.engine == "tensor" else "float64"  # type: ignore[attr-defined]
        return {
            "nin": self.nin,
            "nouts": self.sizes[1:],
            "activation": self._shared_activation("config").key,
            "engine": self.engine,
            "dtype": dtype,
        }


_FORWARD = MLP.forward  # MLP.__call__'s fast path runs it inline: taken only while it is the class's forward
