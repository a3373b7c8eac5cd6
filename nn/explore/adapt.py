"""The models the explorer shows: any stack of dense layers and activations, read as one plan of layers.

A user brings an :class:`nn.MLP` (either engine, :mod:`nn.micrograd`'s
too), an :class:`nn.Sequential` of :class:`nn.Linear` (or scalar
:class:`nn.Layer`) layers and activation modules, or a model made by
:func:`nn.from_torch`.  :func:`dense_plan` reads it as a list of
:class:`Dense` layers, each ``activation(x @ W + b)``, an activation module
folded into the layer before it.  :func:`canonical` rebuilds that plan as
an ``nn.Sequential`` on either engine (the same numbers), which every
picture and the backprop trace use, so the user's model is never changed.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..activations import Activation, Identity, Sigmoid
from ..containers import Sequential
from ..layers import Layer, Linear

__all__ = ["Dense", "dense_plan", "canonical", "twin", "output_kind", "describe_plan", "act_name"]


class Dense(NamedTuple):
    """One layer as the explorer shows it: ``act(x @ W + b)`` with W of shape (nin, nout).

    >>> import nn
    >>> d = dense_plan(nn.MLP(2, [3, 1], seed=0))[0]
    >>> d.W.shape, d.b.shape, d.act.key
    ((2, 3), (3,), 'relu')
    """

    W: np.ndarray
    b: np.ndarray
    act: Activation
    path: str


def _refuse(where: str, path: str, m: Any, why: str) -> TypeError:
    return TypeError(
        f"{where}: cannot show the module at {path or '(the model)'!r} ({type(m).__name__}): {why}; "
        "the explorer shows stacks of Linear layers and activations (nn.MLP, nn.Sequential, nn.from_torch(...))"
    )


def _walk(m: Any, path: str, where: str, out: list[Dense]) -> None:
    """Append the dense layers of ``m`` (and fold its activation modules) to ``out``."""
    if isinstance(m, (Linear, Layer)):
        W, b = m.get_weights()
        out.append(Dense(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64), m.activation, path))
        return
    if isinstance(m, Activation):
        if type(m) is Identity:
            return
        if not out:
            raise _refuse(where, path, m, "an activation before the first Linear layer")
        if type(out[-1].act) is not Identity:
            raise _refuse(where, path, m, f"a second activation after {out[-1].act.describe()}")
        out[-1] = out[-1]._replace(act=m)
        return
    if isinstance(m, Sequential):
        for key, child in m.named_children():
            _walk(child, f"{path}.{key}" if path else str(key), where, out)
        return
    if type(m).__name__ in ("Softmax", "LogSoftmax"):
        why = "the page reads k outputs as logits; drop it (nn.cross_entropy applies the softmax itself)"
        raise _refuse(where, path, m, why)
    raise _refuse(where, path, m, "not a Linear layer, an activation or a Sequential of them")


def dense_plan(model: Any, where: str = "explore") -> list[Dense]:
    """``model`` as a list of :class:`Dense` layers; a TypeError names any module that is none of those.

    Examples
    --------
    >>> import nn
    >>> net = nn.Sequential(nn.Linear(2, 3, seed=0), nn.Tanh(), nn.Linear(3, 1, seed=1), nn.Sigmoid())
    >>> [(d.W.shape, d.act.key, d.path) for d in dense_plan(net)]
    [((2, 3), 'tanh', '0'), ((3, 1), 'sigmoid', '2')]
    >>> dense_plan(nn.Sequential(nn.Linear(2, 3), nn.LayerNorm(3)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: explore: cannot show the module at '1' (LayerNorm): not a Linear layer, an activation or ...
    """
    from ..mlp import MLP

    out: list[Dense] = []
    if isinstance(model, MLP):
        for i, layer in enumerate(model.layers):
            W, b = layer.get_weights()  # type: ignore[attr-defined]
            act = layer.activation  # type: ignore[attr-defined]
            out.append(Dense(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64), act, f"layers.{i}"))
    else:
        _walk(model, "", where, out)
    if not out:
        raise _refuse(where, "", model, "it has no Linear layer")
    for a, b in zip(out, out[1:]):
        if a.W.shape[1] != b.W.shape[0]:
            raise ValueError(
                f"{where}: layer {b.path!r} takes {b.W.shape[0]} inputs but the layer before it gives {a.W.shape[1]}"
            )
    nin = out[0].W.shape[0]
    if nin != 2:
        raise ValueError(f"{where}: the explorer draws the 2-D input plane, so the model needs 2 inputs; it has {nin}")
    return out


def canonical(plan: list[Dense], engine: str = "tensor") -> Any:
    """An ``nn.Sequential`` on ``engine`` that computes what ``plan`` describes (float64, fresh gradients).

    Its layers are named ``layer 1``, ``layer 2``, ... (a user's ``nn.MLP`` keeps its own
    twin, :meth:`nn.MLP.to_engine`, so its stages keep their names).

    Examples
    --------
    >>> import numpy as np, nn
    >>> net = nn.Sequential(nn.Linear(2, 3, seed=0), nn.ReLU(), nn.Linear(3, 1, seed=1))
    >>> twin = canonical(dense_plan(net), "scalar")
    >>> x = np.array([0.5, -1.0])
    >>> bool(np.isclose(twin(x.tolist())[0].data, net(x[None])[0, 0].data))
    True
    """
    layers: list[Any] = []
    for d in plan:
        nin, nout = d.W.shape
        layer = Linear(nin, nout, activation=d.act, seed=0) if engine == "tensor" else Layer(nin, nout, d.act, seed=0)
        layer.set_weights(d.W, d.b)
        layers.append(layer)
    return Sequential(*layers)


def twin(model: Any, engine: str, where: str = "explore") -> Any:
    """``model`` on ``engine`` with its weights as they are now: an ``nn.MLP``'s own twin, else :func:`canonical`.

    Examples
    --------
    >>> import nn
    >>> twin(nn.MLP(2, [1], seed=0), "scalar").engine
    'scalar'
    """
    from ..mlp import MLP

    if isinstance(model, MLP):
        return model.to_engine(engine)
    return canonical(dense_plan(model, where), engine)


def output_kind(plan: list[Dense]) -> str:
    """``"probability"`` when the last layer ends in a sigmoid, else ``"logit"`` (a class's score, 0 the border).

    >>> import nn
    >>> output_kind(dense_plan(nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()))), output_kind(dense_plan(nn.MLP(2, [1])))
    ('probability', 'logit')
    """
    return "probability" if isinstance(plan[-1].act, Sigmoid) else "logit"


def act_name(act: Activation) -> str:
    """The activation's name as ``nn.MLP(activation=...)`` takes it (``"gelu_tanh"`` for the tanh GELU).

    >>> import nn
    >>> act_name(nn.GELU()), act_name(nn.GELU(approximate="tanh")), act_name(nn.ReLU())
    ('gelu', 'gelu_tanh', 'relu')
    """
    return act.key + ("_tanh" if getattr(act, "approximate", "none") == "tanh" else "")


def describe_plan(plan: list[Dense]) -> str:
    """The widths and activations, e.g. ``2→8 tanh→1 sigmoid``.

    Examples
    --------
    >>> import nn
    >>> describe_plan(dense_plan(nn.MLP(2, [4, 1], activation="tanh")))
    '2→4 tanh→1'
    """
    parts = [str(plan[0].W.shape[0])]
    for d in plan:
        act = "" if type(d.act) is Identity else f" {act_name(d.act)}"
        parts.append(f"{d.W.shape[1]}{act}")
    return "→".join(parts)
