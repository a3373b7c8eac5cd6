"""Layers: the scalar family (``Neuron``, ``Layer``) and the tensor family (``Linear``).

Every neuron does what a linear classifier does, a weighted sum of its inputs plus a bias, then applies
its activation.  Inside a layer's stage these are three sub-stages, ``weighted sum``, ``bias`` and
``activation``, so a drawing of the graph shows each layer's processing steps.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from autograd import StagePath, Tensor, Value, cached_stage, current_stage, dot, extend_path, register_stage
from autograd.context import CTX
from autograd.convert import as_array, own_dtype
from autograd.fused import ENABLED as FUSE
from autograd.fused import linear as fused_linear
from autograd.stages import REGISTRY_WRITES as _WRITES
from autograd.versions import mark_all_modified

from .activations import FUSED_ROWS as _FUSED_ROWS
from .activations import ONE_NODE as _ONE_NODE
from .activations import Activation, Identity, LeakyReLU, fusable, get_activation
from .checks import check_float_dtype, check_weights
from .containers import Sequential
from .module import Module
from .module_stage import EPOCH
from .parameter import Parameter
from .targets import data_leaf

__all__ = ["Neuron", "Layer", "Linear", "Sequential", "init_weights", "make_rng", "scalar_inputs"]

STEPS = ("weighted sum", "bias", "activation")
#: How many calling stage paths a layer keeps its own sub-paths for (a model is usually called under one or two).
PATH_CACHE = 64


def make_rng(seed: Any) -> np.random.Generator:
    """A numpy Generator from a seed, a Generator or None (fresh entropy).

    Examples
    --------
    >>> int(make_rng(0).integers(10)) == int(make_rng(0).integers(10))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}")


def init_weights(nin: int, nout: int, activation: Activation, rng: np.random.Generator) -> np.ndarray:
    """Initial weights of shape ``(nin, nout)``: He for ReLU-like units, Glorot otherwise.

    He: normal with std sqrt(2 / nin); Glorot (Xavier): normal with std
    sqrt(2 / (nin + nout)).  Both keep the size of activations roughly
    constant from layer to layer.

    Examples
    --------
    >>> from nn.activations import ReLU
    >>> init_weights(2, 3, ReLU(), make_rng(0)).shape
    (2, 3)
    """
    std = math.sqrt(2.0 / nin) if activation.he_init else math.sqrt(2.0 / (nin + nout))
    return rng.standard_normal((nin, nout)) * std


def _check_width(nin: Any, nout: Any, where: str) -> None:
    for name, v in (("nin", nin), ("nout", nout)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{where}: {name} must be a positive int, got {v!r}")


class Neuron(Module):
    """One neuron on the scalar engine: ``activation(w·x + b)``, every number a Value.

    Parameters
    ----------
    nin : int
        Number of inputs.
    activation : str, activation module or None
        ``"relu"`` by default; ``"identity"`` (or None) for a linear unit.
    seed : int, numpy Generator or None
        Source of the initial weights (None: fresh randomness, as in PyTorch;
        pass an int for reproducible weights).

    Examples
    --------
    >>> n = Neuron(2, activation="relu", seed=0)
    >>> out = n([1.0, -1.0])
    >>> out.stage
    ('Neuron', 'activation')
    >>> len(n.parameters())
    3
    """

    engine = "scalar"
    kind = "neuron"
    activation: Activation
    _paths: dict[tuple[str, ...], tuple[tuple[str, ...], ...]]

    def __init__(
        self,
        nin: int,
        activation: Any = "relu",
        seed: Any = None,
        weights: Iterable[float] | None = None,
        bias: float = 0.0,
    ) -> None:
        super().__init__()
        _check_width(nin, 1, "Neuron")
        self.nin, self.nout = int(nin), 1
        object.__setattr__(self, "activation", get_activation(activation))  # not a child: it has no stage
        if weights is None:
            weights = init_weights(self.nin, 1, self.activation, make_rng(seed))[:, 0]
        self.w = [Value(float(v)) for v in weights]
        self.b = Value(float(bias))
        object.__setattr__(self, "_paths", {})

    def _step_paths(self, path: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        """The three step paths under ``path`` (cached: this is the hot path)."""
        paths = self._paths.get(path)
        if paths is None:
            paths = tuple(extend_path(path, s, kind="step") for s in STEPS)
            for p in paths:
                register_stage(p, kind="step")
            if len(self._paths) >= PATH_CACHE:  # stage names made up per call: keep memory flat
                self._paths.clear()
            self._paths[path] = paths
        return paths

    def run(self, x: Sequence[Any], path: tuple[str, ...]) -> Value:
        """Compute the output with the nodes tagged under stage ``path`` (no context switch)."""
        if len(x) != self.nin:
            raise ValueError(f"{self.name}: expected {self.nin} inputs, got {len(x)}")
        ws, bs, acts = self._step_paths(path)
        s = dot(self.w, x)
        s.stage = ws
        z = s + self.b
        z.stage = bs
        act = self.activation
        if type(act) is Identity:
            return z
        a = act.node(z)
        a.stage = acts
        return a

    def forward(self, x: Sequence[Any]) -> Value:
        return self.run(scalar_inputs(x, self.name), current_stage())

    def describe(self) -> str:
        return f"{self.name}: {self.activation.describe()}({self.nin})"

    def extra_repr(self) -> str:
        return f"{self.nin}, activation={self.activation.describe()}"

    def __repr__(self) -> str:
        return f"Neuron({self.extra_repr()})"


def scalar_inputs(x: Any, where: str) -> list[Any]:
    """One sample for the scalar engine: a list whose numbers became input Values (Values pass as they are).

    Examples
    --------
    >>> [v.data for v in scalar_inputs(np.array([1.0, 2.0]), "Neuron")]
    [1.0, 2.0]
    >>> scalar_inputs(np.zeros((2, 2)), "layer 1")
    Traceback (most recent call last):
    ...
    ValueError: layer 1: expected one sample (a 1-D list), got an array of shape (2, 2)
    """
    if isinstance(x, Tensor):
        raise TypeError(
            f"{where}: the scalar engine takes a list of numbers or Values, got a Tensor; use engine='tensor'"
        )
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise ValueError(f"{where}: expected one sample (a 1-D list), got an array of shape {x.shape}")
        x = x.tolist()
    if not isinstance(x, (list, tuple)):
        raise TypeError(f"{where}: expected a list of numbers or Values, got {type(x).__name__}")
    return [v if isinstance(v, Value) else _input_leaf(v, f"x{i}") for i, v in enumerate(x)]


def _input_leaf(v: Any, label: str) -> Any:
    """A raw number given to a model becomes an input node (outside every stage, so
    drawings show it on the left, feeding the first layer); other objects pass through
    to the op, which reports them."""
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        leaf = Value(float(v), label=label, requires_grad=False)
        leaf.stage = ()
        return leaf
    return v


class Layer(Module, savable=True):
    """A layer of ``nout`` neurons on the scalar engine; always returns a list.

    Examples
    --------
    >>> layer = Layer(2, 3, activation="tanh", seed=0)
    >>> out = layer([0.5, -0.5])
    >>> len(out), out[0].stage[-2:]
    (3, ('neuron 0', 'activation'))
    """

    engine = "scalar"
    kind = "layer"
    _npaths: dict[tuple[str, ...], list[StagePath]]

    def __init__(self, nin: int, nout: int, activation: Any = "relu", seed: Any = None) -> None:
        super().__init__()
        _check_width(nin, nout, "Layer")
        self.nin, self.nout = int(nin), int(nout)
        act = get_activation(activation)
        W = init_weights(self.nin, self.nout, act, make_rng(seed))
        neurons = [Neuron(self.nin, act, weights=W[:, j]) for j in range(self.nout)]
        for j, n in enumerate(neurons):
            object.__setattr__(n, "name", f"neuron {j}")
        self.neurons = neurons
        object.__setattr__(self, "_npaths", {})

    @property
    def activation(self) -> Activation:
        """The neurons' activation."""
        return self.neurons[0].activation

    def forward(self, x: Sequence[Any]) -> list[Value]:
        x = scalar_inputs(x, self.name)
        if len(x) != self.nin:
            raise ValueError(f"{self.describe()}: expected {self.nin} inputs, got {len(x)}")
        base = current_stage()
        paths = self._npaths.get(base)
        if paths is None:
            if len(self._npaths) >= PATH_CACHE:  # stage names made up per call: keep memory flat
                self._npaths.clear()
            # StagePaths: the labels of this call's model and layer go with the nodes
            paths = self._npaths[base] = [extend_path(base, n.name, n.describe(), "neuron") for n in self.neurons]
            for p, n in zip(paths, self.neurons):
                register_stage(p, label=n.describe(), kind="neuron")
        return [n.run(x, p) for n, p in zip(self.neurons, paths)]

    def get_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """``(W, b)`` with W of shape (nin, nout): column j is neuron j's weights."""
        W = np.array([[w.data for w in n.w] for n in self.neurons]).T
        return W, np.array([n.b.data for n in self.neurons])

    def set_weights(self, W: Any, b: Any) -> None:
        """Set all neurons' weights from ``W`` (nin, nout) and ``b`` (nout,)."""
        W, b = check_weights(W, b, self.nin, self.nout, self.describe())
        for j, n in enumerate(self.neurons):
            for i, w in enumerate(n.w):
                w.data = float(W[i, j])
            n.b.data = float(b[j])

    def describe(self) -> str:
        return _title(self.name, self.nin, self.nout, self.activation)

    def extra_repr(self) -> str:
        return f"{self.nin}→{self.nout}, activation={self.activation.describe()}"

    def __repr__(self) -> str:
        return f"Layer({self.extra_repr()})"

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation.key}


# Linear's three steps: one block per call site, each keeps its path under every layer it ran in.
_WEIGHTED_SUM = cached_stage("weighted sum", kind="step")
_BIAS = cached_stage("bias", kind="step")
_ACTIVATION = cached_stage("activation", kind="step")
_get_ctx = CTX.get  # current_stage() without its call
_NO_PLAN: Any = (None,) * 8  # a Linear's _fused_plan before its first one: matches no activation


def _title(name: str, nin: int, nout: int, act: Activation) -> str:
    """A layer's title on both engines (``Layer`` and ``Linear`` compute the same): ``layer 1: Linear(2→3) + Tanh``."""
    return f"{name}: Linear({nin}→{nout})" + ("" if type(act) is Identity else f" + {act.describe()}")


class Linear(Module, savable=True):
    """A fully connected layer on the tensor engine: ``activation(x @ W + b)``.

    ``W`` has shape ``(nin, nout)``: column j holds neuron j's weights, so
    the layer is ``nout`` neurons computed at once.

    Parameters
    ----------
    nin, nout : int
        Input and output widths.
    bias : bool
        Whether to add a bias.
    activation : str, activation module or None
        Applied after the bias (None: a purely linear layer, as in PyTorch).
    seed : int, numpy Generator or None
        Source of the initial weights (None: fresh randomness, as in PyTorch;
        pass an int for reproducible weights).
    dtype : numpy dtype
        float64 by default.

    Examples
    --------
    >>> import numpy as np
    >>> layer = Linear(2, 3, activation="relu", seed=0)
    >>> layer(np.ones((4, 2))).shape
    (4, 3)
    >>> [name for name, _ in layer.named_parameters()]
    ['weight', 'bias']
    """

    kind = "layer"
    activation: Activation
    # (calling path, stage epoch + stage registry writes, the steps' paths, the activation, its row, its constants)
    _fused_plan: tuple[Any, int, tuple[StagePath, StagePath, StagePath], Any, Any, tuple, Any, Any] | None = None

    def __init__(
        self,
        nin: int,
        nout: int,
        bias: bool = True,
        activation: Any = None,
        seed: Any = None,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        dtype = check_float_dtype(dtype, "Linear")
        _check_width(nin, nout, "Linear")
        self.nin, self.nout = int(nin), int(nout)
        object.__setattr__(self, "activation", get_activation(activation))  # not a child: it has no stage
        W = init_weights(self.nin, self.nout, self.activation, make_rng(seed)).astype(dtype)
        self.weight = Parameter(W)
        self.bias = Parameter(np.zeros(self.nout, dtype=dtype)) if bias else None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # NOTE: the hot case without Module.__call__'s wrapper and stage block: one 2-D Tensor or float array of
        # the layer's width and dtype, no hooks, a fusable activation: one fused node, tagged with the paths the
        # block would give its steps (cached per calling path).  Everything else takes Module.__call__.
        if len(args) == 1 and not kwargs and FUSE[0] and not (self._forward_hooks or self._backward_hooks):
            x, W, cached = args[0], self.weight, self._stage_block
            tx = type(x)
            d = x.data if tx is Tensor else x if tx is np.ndarray else None
            if (
                d is not None
                and self.bias is not None
                and cached is not None
                and cached[0] == EPOCH[0]
                and len(d.shape) == 2
                and d.shape[1] == self.nin
                and (d.dtype is W.data.dtype or own_dtype(d, W.data.dtype))  # (an unpickled batch's: given)
                and type(self).forward is Linear._own_forward  # a forward of a subclass, patched on the class
                and "forward" not in self.__dict__  # or set on this instance runs (as in PyTorch)
            ):
                plan, act = self._fused_plan or _NO_PLAN, self.activation
                same = plan[3] is act and plan[6] is type(act).node and plan[7] is type(act).fn  # node, fn: no patch
                if same and plan[0] is _get_ctx()[0] and plan[1] == cached[0] + _WRITES[0]:
                    out = fused_linear(
                        x if tx is Tensor else data_leaf(d, "input"), W, self.bias, plan[4], plan[5], plan[2]
                    )
                else:
                    out = (
                        self._fused(x if tx is Tensor else data_leaf(d, "input"), None)
                        if type(act) in _FUSED_ROWS
                        else None
                    )
                if out is not None:
                    return out
        return super().__call__(*args, **kwargs)

    def _fused(self, x: Tensor, base: tuple[str, ...] | None) -> Tensor | None:
        """The layer as one fused node for a 2-D Tensor of its width and dtype; None when linear() declines (under
        detect_anomaly, other shapes or dtypes) or the activation's node() is patched (the unfused steps run it).
        ``base``: the stage the layer's block runs in; None: called from outside the block (its path under the
        current stage), and the plan is cached for the next such call (with its activation class's node and fn)."""
        act = self.activation
        if not fusable(act):
            return None
        meta = (float(act.negative_slope),) if type(act) is LeakyReLU else ()
        row = _FUSED_ROWS[type(act)]
        outer, cached = (current_stage(), self._stage_block) if base is None else (None, None)
        if cached is not None:
            base = cached[1].at(outer)  # type: ignore[arg-type]
        stages = (_WEIGHTED_SUM.at(base), _BIAS.at(base), _ACTIVATION.at(base))  # type: ignore[arg-type]
        # NOTE: LeakyReLU's slope is read per call: its plan is never reused.  The key, a sum of two counts that only
        # grow, changes when a module changes or a label is registered anew (the blocks then register theirs again)
        if cached is not None and type(act) is not LeakyReLU:
            plan = (outer, cached[0] + _WRITES[0], stages, act, row, meta, type(act).node, type(act).fn)
            object.__setattr__(self, "_fused_plan", plan)
        return fused_linear(x, self.weight, self.bias, row, meta, stages)  # type: ignore[return-value,arg-type]

    def forward(self, x: Any) -> Tensor:
        """``activation(x @ W + b)`` for a batch ``x`` of shape ``(N, nin)`` (or one row ``(nin,)``).

        A list or array is cast to the layer's dtype; a Tensor is used as is.

        Examples
        --------
        >>> import numpy as np
        >>> layer = Linear(2, 3, dtype=np.float32)
        >>> layer(np.ones((4, 2))).dtype
        dtype('float32')
        """
        if not isinstance(x, Tensor):
            # raw data (a list or an array) is cast to the layer's dtype, so a
            # float32 layer given float64 data computes in float32; it is the
            # model's input, so it sits outside every stage (drawn on the left)
            x = data_leaf(as_array(x, where=self.describe()).astype(self.weight.dtype, copy=False), "input")
        shape = x.data.shape
        if not shape or shape[-1] != self.nin:
            raise ValueError(f"{self.describe()}: expected inputs of width {self.nin}, got shape {x.shape}")
        # NOTE: each step that makes one node is tagged directly, no stage entered
        base = current_stage()
        bias = self.bias
        if (
            bias is not None
            and len(shape) == 2
            and (x.data.dtype is self.weight.data.dtype or own_dtype(x.data, self.weight.data.dtype))
            and type(x) is Tensor
            and FUSE[0]
        ):
            if type(self.activation) in _FUSED_ROWS:
                out = self._fused(x, base)
                if out is not None:
                    return out
        z = x @ self.weight
        z.stage = _WEIGHTED_SUM.at(base)
        if self.bias is not None:
            z = z + self.bias
            z.stage = _BIAS.at(base)
        act = self.activation
        if type(act) in _ONE_NODE:
            z = act.node(z)
            z.stage = _ACTIVATION.at(base)
        elif type(act) is not Identity:  # another activation may make several nodes: all in the stage
            with _ACTIVATION:
                z = act.node(z)
        return z

    _own_forward = forward  # __call__'s fast path stands for it: taken only while it is the class's forward

    def __getstate__(self) -> dict[str, Any]:
        """Pickled and copied without the fast path's plan (it holds the table's rows; remade on the next call)."""
        return {k: v for k, v in self.__dict__.items() if k != "_fused_plan"}

    def get_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """``(W, b)`` as float64 copies; b is zeros when the layer has no bias."""
        b = np.zeros(self.nout) if self.bias is None else self.bias.data
        return np.array(self.weight.data, dtype=np.float64), np.array(b, dtype=np.float64)

    def set_weights(self, W: Any, b: Any) -> None:
        """Set ``W`` (nin, nout) and ``b`` (nout,); ``b`` must be zero when the layer has no bias.

        Examples
        --------
        >>> layer = Linear(2, 1, bias=False)
        >>> layer.set_weights([[1.0], [2.0]], [0.0])
        >>> layer.weight.tolist()
        [[1.0], [2.0]]
        >>> layer.set_weights([[1.0], [2.0]], [0.5])
        Traceback (most recent call last):
        ...
        ValueError: Linear: Linear(2→1): this layer has no bias (bias=False), but b is not zero
        """
        W, b = check_weights(W, b, self.nin, self.nout, self.describe())
        if self.bias is None and np.any(b != 0):
            raise ValueError(f"{self.describe()}: this layer has no bias (bias=False), but b is not zero")
        self.weight.data[...] = W
        if self.bias is not None:
            self.bias.data[...] = b
        mark_all_modified([p.data for p in self.parameters()])  # as load_state_dict: a graph made before raises

    def describe(self) -> str:
        return _title(self.name, self.nin, self.nout, self.activation)

    def extra_repr(self) -> str:
        act = "" if type(self.activation) is Identity else f", activation={self.activation.describe()}"
        bias = "" if self.bias is not None else ", bias=False"
        return f"{self.nin}→{self.nout}{bias}{act}"

    def __repr__(self) -> str:
        return f"Linear({self.extra_repr()})"

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nout": self.nout,
            "bias": self.bias is not None,
            "activation": self.activation.key,
            "dtype": str(self.weight.dtype),
        }


Neuron._plain = Linear._plain = {"activation": get_activation}  # assigned later: checked, not a child (as in __init__)
