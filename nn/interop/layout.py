"""The PyTorch twin of a layergrad model as plain data: which torch module each layer becomes and where its numbers go.

Nothing here imports torch.  :func:`torch_plan` walks a model and returns a
tree of :class:`Piece` (one torch module each) and :class:`Group` (a
``torch.nn.Sequential``); :func:`torch_state_dict` and
:func:`layergrad_state` move numbers between the two layouts with it:
PyTorch names ``0.weight`` where layergrad names ``layers.0.weight``, and
stores a linear layer's weight as ``(out, in)`` where layergrad stores
``(in, out)``.  A layergrad ``Linear(..., activation="relu")`` is one
layer here and two modules in PyTorch (``Linear`` then ``ReLU``), so the
positions in a ``Sequential`` can shift; the plan says where.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd import Node

from .. import micrograd
from ..activations import GELU, Activation, Identity, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
from ..containers import Sequential
from ..dropout import Dropout
from ..embedding import Embedding
from ..layers import Layer, Linear
from ..mlp import MLP
from ..module import Module
from ..normalization import BatchNorm1d, LayerNorm
from ..reshaping import Flatten, LogSoftmax, Softmax
from ..state import IncompatibleKeys, join, register_layout

__all__ = ["Piece", "Group", "torch_plan", "pieces", "torch_state_dict", "layergrad_state", "SOFTPLUS_THRESHOLD"]

#: torch's Softplus returns x itself above ``threshold``; at 40 that is exact in float64 (e^-40 < 1e-17)
#: where torch's default 20 differs from log(1 + e^x) by up to 2e-9.
SOFTPLUS_THRESHOLD = 40.0

# the activations with an exact torch twin: torch class name and its options
_ACTIVATIONS: dict[type, tuple[str, Any]] = {
    ReLU: ("ReLU", lambda a: {}),
    LeakyReLU: ("LeakyReLU", lambda a: {"negative_slope": a.negative_slope}),
    Sigmoid: ("Sigmoid", lambda a: {}),
    Tanh: ("Tanh", lambda a: {}),
    Softplus: ("Softplus", lambda a: {"beta": 1.0, "threshold": SOFTPLUS_THRESHOLD}),
    GELU: ("GELU", lambda a: {"approximate": a.approximate}),  # "none" (erf) or "tanh", as in torch
    Identity: ("Identity", lambda a: {}),
}
_SUPPORTED = (
    "MLP, Sequential, Linear, Layer, Identity, ReLU, LeakyReLU, Sigmoid, Tanh, Softplus, GELU, "
    "LayerNorm, BatchNorm1d, Embedding, Dropout, Flatten, Softmax, LogSoftmax"
)


@dataclass
class Piece:
    """One torch module of the twin: its class name, constructor options and tensors.

    ``tensors`` lists ``(torch name, layergrad key, how)``; ``how`` is
    ``"copy"``, ``"T"`` (transposed) or, for a scalar-engine ``Layer``,
    ``"neurons"`` (``key`` is then the layer's path; the numbers are spread
    over its neurons' Values).

    >>> import nn
    >>> p = torch_plan(nn.Linear(2, 1))
    >>> p.torch_type, p.options
    ('Linear', {'in_features': 2, 'out_features': 1, 'bias': True})
    >>> p.tensors                      # torch's weight is layergrad's transposed
    [('weight', 'weight', 'T'), ('bias', 'bias', 'copy')]
    """

    module: Module
    torch_type: str
    options: dict[str, Any]
    tensors: list[tuple[str, str, str]] = field(default_factory=list)
    where: str = ""
    step: str = ""  # "" for the layer's own module; "activation" for the activation split off a Linear


@dataclass
class Group:
    """A ``torch.nn.Sequential``: its children by key (the keys layergrad used, or 0, 1, ... when layers split).

    >>> import nn
    >>> g = torch_plan(nn.Sequential(nn.Linear(2, 2), nn.Tanh()))
    >>> type(g).__name__, [(key, p.torch_type) for key, p in g.items]
    ('Group', [('0', 'Linear'), ('1', 'Tanh')])
    """

    module: Module
    items: list[tuple[str, Piece | Group]]
    where: str = ""


def _refuse(m: Module, path: str, why: str = "") -> TypeError:
    if not why:
        own = not type(m).__module__.startswith("nn.")
        why = (
            "its forward is code of its own, which cannot be read; build the model as an nn.Sequential"
            if own
            else f"PyTorch has no module that computes what {type(m).__name__} does"
        )
    return TypeError(
        f"to_torch: cannot represent the layer at {repr(path) if path else '(the model itself)'} ({m.describe()}), "
        f"a {type(m).__module__}.{type(m).__qualname__}: {why}. Supported layers: {_SUPPORTED}"
    )


def _activation(a: Activation, m: Module, path: str) -> Piece:
    entry = _ACTIVATIONS.get(type(a))
    if entry is None:
        raise _refuse(m, path, f"its activation {a.describe()} has no exact torch twin")
    name, options = entry
    return Piece(m, name, options(a), where=path, step="activation" if a is not m else "")


def _dense(m: Module, path: str) -> list[Piece]:
    """A Linear or Layer: a torch Linear, then its activation when it has one."""
    if isinstance(m, Linear):
        has_bias = m.bias is not None
        tensors = [("weight", join(path, "weight"), "T")] + ([("bias", join(path, "bias"), "copy")] if has_bias else [])
    else:
        has_bias = True
        tensors = [("weight", path, "neurons"), ("bias", path, "neurons")]
    opts = {"in_features": m.nin, "out_features": m.nout, "bias": has_bias}  # type: ignore[attr-defined]
    out = [Piece(m, "Linear", opts, tensors, where=path)]
    act = m.activation  # type: ignore[attr-defined]
    if type(act) is not Identity:
        out.append(_activation(act, m, path))
    return out


def _single(m: Module, path: str) -> list[Piece]:
    """The torch module(s) for one layergrad layer (two for a Linear with an activation)."""
    t = type(m)
    if t is Linear or (isinstance(m, Layer) and t in (Layer, micrograd.Layer)):
        return _dense(m, path)
    if t in _ACTIVATIONS:
        return [_activation(m, m, path)]  # type: ignore[arg-type]
    if t is LayerNorm:
        ln: Any = m
        opts = {
            "normalized_shape": ln.normalized_shape,
            "eps": ln.eps,
            "elementwise_affine": ln.elementwise_affine,
            "bias": ln.bias is not None,
        }
        names = [n for n in ("weight", "bias") if getattr(ln, n) is not None]
        return [Piece(m, "LayerNorm", opts, [(n, join(path, n), "copy") for n in names], where=path)]
    if t is BatchNorm1d:
        bn: Any = m
        opts = {
            "num_features": bn.num_features,
            "eps": bn.eps,
            "momentum": bn.momentum,
            "affine": bn.affine,
            "track_running_stats": bn.track_running_stats,
        }
        names = ["weight", "bias"] if bn.affine else []
        names += ["running_mean", "running_var", "num_batches_tracked"] if bn.track_running_stats else []
        return [Piece(m, "BatchNorm1d", opts, [(n, join(path, n), "copy") for n in names], where=path)]
    if t is Embedding:
        e: Any = m
        opts = {"num_embeddings": e.num_embeddings, "embedding_dim": e.embedding_dim, "padding_idx": e.padding_idx}
        return [Piece(m, "Embedding", opts, [("weight", join(path, "weight"), "copy")], where=path)]
    if t is Dropout:
        return [Piece(m, "Dropout", {"p": m.p}, where=path)]  # type: ignore[attr-defined]
    if t is Flatten:
        f: Any = m
        return [Piece(m, "Flatten", {"start_dim": f.start_dim, "end_dim": f.end_dim}, where=path)]
    if t in (Softmax, LogSoftmax):
        return [Piece(m, t.__name__, {"dim": m.dim}, where=path)]  # type: ignore[attr-defined]
    raise _refuse(m, path)


def _children(m: Module, path: str) -> list[tuple[str, Module, str]]:
    """(key, child, layergrad path) of a container's layers, in order."""
    if isinstance(m, MLP):
        return [(str(i), layer, join(path, f"layers.{i}")) for i, layer in enumerate(m.layers)]
    return [(key, child, join(path, key)) for key, child in m.named_children()]


def _plan(m: Module, path: str) -> list[Piece | Group]:
    t = type(m)
    if t is Sequential or (isinstance(m, MLP) and t in (MLP, micrograd.MLP)):
        parts = [(key, _plan(child, cpath)) for key, child, cpath in _children(m, path)]
        split = any(len(p) != 1 for _, p in parts)
        flat = [(key, p) for key, ps in parts for p in ps]
        items = [(str(i), p) for i, (_, p) in enumerate(flat)] if split or isinstance(m, MLP) else flat
        return [Group(m, items, where=path)]
    return list(_single(m, path))


def torch_plan(model: Module) -> Piece | Group:
    """The torch twin of ``model`` as data: one :class:`Piece` or a :class:`Group` of them.

    Raises a TypeError naming the layer's path and type when a layer has no torch twin.

    Examples
    --------
    >>> import nn
    >>> plan = torch_plan(nn.MLP(2, [3, 1]))
    >>> [(key, p.torch_type) for key, p in plan.items]
    [('0', 'Linear'), ('1', 'ReLU'), ('2', 'Linear')]
    >>> torch_plan(nn.Linear(2, 1)).torch_type
    'Linear'
    """
    if not isinstance(model, Module):
        raise TypeError(f"to_torch: expected a layergrad nn.Module, got {type(model).__name__}")
    parts = _plan(model, "")
    return parts[0] if len(parts) == 1 else Group(model, [(str(i), p) for i, p in enumerate(parts)])


def pieces(plan: Piece | Group, prefix: str = "") -> Iterator[tuple[str, Piece]]:
    """``(torch module path, piece)`` for every piece of a plan, in order.

    Examples
    --------
    >>> import nn
    >>> [name for name, _ in pieces(torch_plan(nn.MLP(2, [3, 1])))]
    ['0', '1', '2']
    """
    if isinstance(plan, Piece):
        yield prefix, plan
        return
    for key, item in plan.items:
        yield from pieces(item, join(prefix, key))


def _numbers(x: Any) -> np.ndarray:
    """An array from a torch tensor, a layergrad Tensor, a numpy array or a number (no torch import needed)."""
    if isinstance(x, Node):
        x = x.data
    if hasattr(x, "detach") and hasattr(x, "cpu") and hasattr(x, "numpy"):  # a torch.Tensor
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _neurons(piece: Piece, name: str, lg: dict[str, Any], key: str) -> np.ndarray:
    n = piece.module
    if name == "weight":
        return np.array([[lg[f"{key}.neurons.{j}.w.{i}"] for i in range(n.nin)] for j in range(n.nout)], dtype=float)  # type: ignore[attr-defined]
    return np.array([lg[f"{key}.neurons.{j}.b"] for j in range(n.nout)], dtype=float)  # type: ignore[attr-defined]


def torch_state_dict(model: Module) -> OrderedDict[str, np.ndarray]:
    """``model``'s parameters and buffers under PyTorch's names and shapes, as numpy arrays.

    The keys are those of ``nn.to_torch(model).state_dict()``; a linear
    layer's weight is ``(out, in)``.  :func:`nn.torch_state_dict` gives torch tensors.

    Examples
    --------
    >>> import nn
    >>> sd = torch_state_dict(nn.MLP(2, [3, 1]))
    >>> {k: v.shape for k, v in sd.items()}
    {'0.weight': (3, 2), '0.bias': (3,), '2.weight': (1, 3), '2.bias': (1,)}
    """
    lg = model.state_dict()
    out: OrderedDict[str, np.ndarray] = OrderedDict()
    for prefix, piece in pieces(torch_plan(model)):
        for name, key, how in piece.tensors:
            if how == "neurons":
                arr = _neurons(piece, name, lg, key)
            else:
                arr = lg[key].T if how == "T" else lg[key]
            out[join(prefix, name)] = np.array(arr, order="C")  # a copy; 0-d stays 0-d
    return out


def _fmt(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names[:8]) + (", ..." if len(names) > 8 else "")


def layergrad_state(model: Module, state: Any, strict: bool = True) -> tuple[dict[str, np.ndarray], IncompatibleKeys]:
    """A torch-layout state dict turned into ``model``'s own names and shapes; also the keys that did not match.

    ``state`` maps PyTorch's names to torch tensors, numpy arrays or layergrad
    Tensors.  With ``strict`` (the default) missing or unexpected keys raise a
    KeyError; a wrong shape always raises a ValueError, as PyTorch does.

    Examples
    --------
    >>> import nn, numpy as np
    >>> net = nn.MLP(2, [1])
    >>> lg, _ = layergrad_state(net, {"0.weight": np.array([[1.0, 2.0]]), "0.bias": np.zeros(1)})
    >>> lg["layers.0.weight"].tolist()
    [[1.0], [2.0]]
    """
    if not hasattr(state, "items"):
        raise TypeError(f"load_state_dict(layout='torch'): expected a dict of tensors, got {type(state).__name__}")
    expected = torch_state_dict(model)
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if strict and (missing or unexpected):
        ddp = unexpected and all(k.startswith("module.") for k in state)
        hint = "; keys starting with 'module.' come from DistributedDataParallel: use ddp.module.state_dict()"
        raise KeyError(
            f"load_state_dict(layout='torch'): the keys do not match this {type(model).__name__}'s torch twin; "
            f"missing keys: [{_fmt(missing)}]; unexpected keys: [{_fmt(unexpected)}] "
            f"(expected {_fmt(list(expected))}){hint if ddp else ''}"
        )
    given = {k: _numbers(v) for k, v in state.items() if k in expected}
    for k, arr in given.items():
        if arr.shape != expected[k].shape:
            raise ValueError(
                f"load_state_dict(layout='torch'): size mismatch for {k!r}: the state has shape {tuple(arr.shape)}, "
                f"the model's torch twin has {tuple(expected[k].shape)}"
            )
    lg: dict[str, np.ndarray] = {}
    for prefix, piece in pieces(torch_plan(model)):
        for name, key, how in piece.tensors:
            tkey = join(prefix, name)
            if tkey not in given:
                continue
            arr = given[tkey]
            if how == "T":
                lg[key] = arr.T
            elif how == "copy":
                lg[key] = arr
            elif name == "weight":
                for j in range(arr.shape[0]):
                    for i in range(arr.shape[1]):
                        lg[f"{key}.neurons.{j}.w.{i}"] = arr[j, i]
            else:
                for j in range(arr.shape[0]):
                    lg[f"{key}.neurons.{j}.b"] = arr[j]
    return lg, IncompatibleKeys(missing, unexpected)


register_layout("torch", layergrad_state)
