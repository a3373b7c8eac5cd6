"""Moving a model between layergrad and PyTorch: ``to_torch``, ``from_torch`` and ``torch_state_dict``.

torch is imported inside the functions (``pip install layergrad[interop]``).
The twin computes the same numbers: same outputs, same gradients, in float64
to rounding (1e-12), because every layer maps to a torch module that computes
the same formula (a GELU's twin has its ``approximate``, ``"none"`` or
``"tanh"``; Softplus gets ``threshold=40``, where
torch's default 20 would switch to ``x`` early and differ by up to 2e-9).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from .. import activations as act
from ..containers import Sequential
from ..dropout import Dropout
from ..embedding import Embedding
from ..layers import Linear
from ..module import Module
from ..normalization import BatchNorm1d, LayerNorm
from ..reshaping import Flatten, LogSoftmax, Softmax
from .extras import need
from .layout import Group, Piece, torch_plan
from .layout import torch_state_dict as numpy_state_dict

__all__ = ["to_torch", "from_torch", "torch_state_dict"]


def _dtype(model: Module) -> np.dtype:
    """The float dtype of ``model``'s parameters (float64 for the scalar engine or a model without any)."""
    kinds = {np.dtype(p.data.dtype) for p in model.parameters() if isinstance(p.data, np.ndarray)}
    if len(kinds) > 1:
        found = sorted(str(k) for k in kinds)
        raise TypeError(f"to_torch: the parameters have several dtypes {found}; cast the model with .to(dtype)")
    return kinds.pop() if kinds else np.dtype(np.float64)


def _build(torch: Any, plan: Piece | Group) -> Any:
    if isinstance(plan, Group):
        return torch.nn.Sequential(OrderedDict((key, _build(torch, item)) for key, item in plan.items))
    return getattr(torch.nn, plan.torch_type)(**plan.options)


def torch_state_dict(model: Module) -> OrderedDict[str, Any]:
    """``model``'s parameters and buffers as torch tensors under PyTorch's names: ``to_torch(model).state_dict()``.

    For ``torch_module.load_state_dict(...)`` of a module built like
    :func:`to_torch`'s; linear weights are transposed to ``(out, in)``.

    Examples
    --------
    >>> import nn
    >>> sd = nn.torch_state_dict(nn.MLP(2, [3, 1]))
    >>> list(sd), tuple(sd["0.weight"].shape)
    (['0.weight', '0.bias', '2.weight', '2.bias'], (3, 2))
    """
    torch = need("torch", "nn.torch_state_dict")
    return OrderedDict((k, torch.from_numpy(v.copy())) for k, v in numpy_state_dict(model).items())


def to_torch(model: Module) -> Any:
    """A ``torch.nn.Module`` that computes what ``model`` computes, with the same weights.

    An MLP or Sequential becomes a ``torch.nn.Sequential`` of ``Linear`` and
    activation modules (a layergrad ``Linear(..., activation="relu")`` is a
    torch ``Linear`` followed by ``ReLU``), and LayerNorm, BatchNorm1d,
    Embedding, Dropout, Flatten, Softmax and LogSoftmax become their torch
    namesakes.  Scalar-engine models (``Layer``, ``MLP(engine="scalar")``,
    :mod:`nn.micrograd`) work too.  The parameters keep their dtype (float64
    by default), and the training mode is copied.  A layer without a torch
    twin raises a TypeError naming its path and type.

    Examples
    --------
    >>> import numpy as np, torch, nn
    >>> net = nn.MLP(2, [8, 1], activation="tanh")
    >>> twin = nn.to_torch(net)
    >>> twin
    Sequential(
      (0): Linear(in_features=2, out_features=8, bias=True)
      (1): Tanh()
      (2): Linear(in_features=8, out_features=1, bias=True)
    )
    >>> x = np.random.default_rng(0).normal(size=(4, 2))
    >>> bool(np.allclose(twin(torch.from_numpy(x)).detach().numpy(), net(x).data))
    True
    """
    torch = need("torch", "nn.to_torch")
    plan = torch_plan(model)
    dtype = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}.get(_dtype(model))
    if dtype is None:
        raise TypeError(f"to_torch: parameters of dtype {_dtype(model)} have no torch twin here (float32 or float64)")
    twin = _build(torch, plan).to(dtype)
    state = OrderedDict((k, torch.from_numpy(v.copy())) for k, v in numpy_state_dict(model).items())
    twin.load_state_dict(state, strict=True)
    twin.train(model.training)
    return twin


# from torch -----------------------------------------------------------------------------------------

_SIMPLE: dict[str, type[Module]] = {
    "ReLU": act.ReLU,
    "Sigmoid": act.Sigmoid,
    "Tanh": act.Tanh,
    "Identity": act.Identity,
}
_TORCH_SUPPORTED = (
    "Sequential, Linear, Identity, ReLU, LeakyReLU, Sigmoid, Tanh, Softplus (beta=1), GELU, "
    "LayerNorm, BatchNorm1d, Embedding, Dropout, Flatten, Softmax, LogSoftmax"
)


def _refuse(m: Any, path: str, why: str = "") -> TypeError:
    where = repr(path) if path else "(the module itself)"
    t = type(m)
    if not why:
        own = not t.__module__.startswith("torch.")
        why = (
            "its forward is code of its own, which cannot be read; build the model as a torch.nn.Sequential"
            if own
            else "layergrad has no layer that computes it"
        )
    return TypeError(
        f"from_torch: cannot represent the module at {where}, a {t.__module__}.{t.__qualname__}: {why}. "
        f"Supported modules: {_TORCH_SUPPORTED}"
    )


def _np_dtype(torch: Any, m: Any, path: str) -> Any:
    dts = {p.dtype for p in m.parameters(recurse=False)}
    if not dts:
        return np.float64
    dt = dts.pop()
    if dts or dt not in (torch.float32, torch.float64):
        raise _refuse(m, path, f"its parameters are {dt}; layergrad computes in float32 or float64")
    return np.float32 if dt == torch.float32 else np.float64


def _convert(torch: Any, m: Any, path: str) -> Module:
    name = type(m).__name__
    tnn = torch.nn
    if type(m) is tnn.Sequential:
        children = [(k, _convert(torch, child, f"{path}.{k}" if path else k)) for k, child in m.named_children()]
        return Sequential(OrderedDict(children))
    if type(m) is tnn.Linear:
        return Linear(m.in_features, m.out_features, bias=m.bias is not None, seed=0, dtype=_np_dtype(torch, m, path))
    if type(m) in (getattr(tnn, n) for n in _SIMPLE):
        return _SIMPLE[name]()
    if type(m) is tnn.LeakyReLU:
        return act.LeakyReLU(m.negative_slope)
    if type(m) is tnn.Softplus:
        if m.beta != 1:
            raise _refuse(m, path, f"beta={m.beta}; layergrad's Softplus is log(1 + e^x) (beta=1)")
        return act.Softplus()
    if type(m) is tnn.GELU:
        return act.GELU(approximate=m.approximate)
    if type(m) is tnn.LayerNorm:
        dt = _np_dtype(torch, m, path)
        return LayerNorm(m.normalized_shape, m.eps, m.elementwise_affine, bias=m.bias is not None, dtype=dt)
    if type(m) is tnn.BatchNorm1d:
        dt = _np_dtype(torch, m, path)
        return BatchNorm1d(m.num_features, m.eps, m.momentum, m.affine, m.track_running_stats, dtype=dt)
    if type(m) is tnn.Embedding:
        for option, default in (("max_norm", None), ("scale_grad_by_freq", False), ("sparse", False)):
            if getattr(m, option) != default:
                raise _refuse(m, path, f"{option}={getattr(m, option)!r} is not supported (only {default!r})")
        return Embedding(m.num_embeddings, m.embedding_dim, m.padding_idx, seed=0, dtype=_np_dtype(torch, m, path))
    if type(m) is tnn.Dropout:
        return Dropout(m.p)
    if type(m) is tnn.Flatten:
        return Flatten(m.start_dim, m.end_dim)
    if type(m) in (tnn.Softmax, tnn.LogSoftmax):
        if m.dim is None:
            raise _refuse(m, path, "dim=None (PyTorch's implicit dimension); pass dim explicitly")
        return (Softmax if name == "Softmax" else LogSoftmax)(dim=m.dim)
    raise _refuse(m, path)


def from_torch(module: Any) -> Module:
    """A layergrad model that computes what the PyTorch ``module`` computes, with the same weights.

    A ``torch.nn.Sequential`` becomes an :class:`nn.Sequential` with the same
    keys, so ``state_dict`` names match PyTorch's (layergrad stores a linear
    weight as ``(in, out)``: ``load_state_dict(sd, layout="torch")`` maps the
    two).  Supported: Sequential, Linear, Identity, ReLU, LeakyReLU, Sigmoid,
    Tanh, Softplus (beta=1), GELU (exact or tanh), LayerNorm,
    BatchNorm1d, Embedding, Dropout, Flatten, Softmax and LogSoftmax; any other
    module raises a TypeError naming its path and type.  Parameters keep
    their dtype; the training mode is copied.

    Examples
    --------
    >>> import torch, nn
    >>> twin = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    >>> net = nn.from_torch(twin)
    >>> net
    Sequential(
      (0): Linear(2→4)
      (1): ReLU()
      (2): Linear(4→1)
    )
    """
    torch = need("torch", "nn.from_torch")
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")
    model = _convert(torch, module, "")
    model.load_state_dict(module.state_dict(), strict=True, layout="torch")
    model.train(module.training)
    return model
