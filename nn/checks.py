"""Input checks shared by :mod:`nn.train`, :mod:`nn.inspect`, :mod:`nn.plot` and the layers.

Each check returns the value in the form the caller computes with (a float64
array, an int, a model's engine) or raises an error that starts with
``where`` (the public function that was called), says what was expected and
what was given.  A check never changes its input.

Examples
--------
>>> check_inputs([[0.0, 1.0], [2.0, 3.0]], "fit", nin=2).shape
(2, 2)
>>> check_int(0, "epochs", "linear_probes")
Traceback (most recent call last):
...
ValueError: linear_probes: epochs must be an int >= 1, got 0
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import Node, Tensor

from .module import Module
from .targets import target_array

__all__ = [
    "check_module",
    "check_trainable",
    "model_nin",
    "check_plane",
    "check_inputs",
    "check_labels",
    "check_targets",
    "check_pair",
    "check_int",
    "check_weights",
]


# ---------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------


def check_module(model: Any, where: str) -> Module:
    """``model`` itself, after checking that it is an :class:`nn.Module`.

    Examples
    --------
    >>> check_module("net", "activations")
    Traceback (most recent call last):
    ...
    TypeError: activations: model must be an nn Module (e.g. nn.MLP), got str
    """
    if not isinstance(model, Module):
        raise TypeError(f"{where}: model must be an nn Module (e.g. nn.MLP), got {type(model).__name__}")
    return model


def check_trainable(model: Any, where: str, widths: bool = True) -> str:
    """The engine of a model that :func:`nn.fit` and :func:`nn.predict` can drive.

    Any callable with ``.engine`` (``"scalar"`` or ``"tensor"``) and
    ``.parameters()`` will do, not only :class:`nn.Module` subclasses; with
    ``widths`` it must also have integer ``.nin`` and ``.nout``.

    Examples
    --------
    >>> import nn
    >>> check_trainable(nn.MLP(2, [1], engine="scalar"), "fit")
    'scalar'
    >>> check_trainable(object(), "predict")
    Traceback (most recent call last):
    ...
    TypeError: predict: expected an nn model (e.g. nn.MLP) with .engine 'scalar' or 'tensor' ..., got object
    """
    engine = getattr(model, "engine", None)
    if engine not in ("scalar", "tensor") or not callable(model) or not callable(getattr(model, "parameters", None)):
        raise TypeError(
            f"{where}: expected an nn model (e.g. nn.MLP) with .engine 'scalar' or 'tensor' and .parameters(), "
            f"got {type(model).__name__}"
        )
    for attr in ("nin", "nout") if widths else ():
        if not isinstance(getattr(model, attr, None), numbers.Integral):
            raise TypeError(f"{where}: the model has no integer .{attr} (its input/output width)")
    return engine


def model_nin(model: Any) -> int | None:
    """The model's input width ``nin``, or None when it has none (e.g. an activation).

    Examples
    --------
    >>> import nn
    >>> model_nin(nn.MLP(3, [1])), model_nin(nn.ReLU())
    (3, None)
    """
    nin = getattr(model, "nin", None)
    return int(nin) if isinstance(nin, (int, np.integer)) else None


def check_plane(model: Module, where: str) -> None:
    """Check that ``model`` takes points of the 2-D input plane (``nin == 2``).

    Examples
    --------
    >>> import nn
    >>> check_plane(nn.MLP(3, [1]), "neuron_maps")
    Traceback (most recent call last):
    ...
    ValueError: neuron_maps: the model takes 3 inputs (nin=3); the input-plane views need a model with nin == 2
    """
    nin = model_nin(model)
    if nin != 2:
        raise ValueError(
            f"{where}: the model takes {nin} inputs (nin={nin}); the input-plane views need a model with nin == 2"
        )


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------


def check_inputs(X: Any, where: str, nin: int | None = None, name: str = "X", one_row: bool = False) -> np.ndarray:
    """Inputs as a finite float64 array of shape ``(N, nin)``.

    Parameters
    ----------
    X : array_like or Tensor
        The inputs, one row per sample (a Tensor's ``.data`` is used).
    where : str
        The public function checking them; it starts every message.
    nin : int, optional
        The model's input width; None accepts any number of columns.
    name : str, default "X"
        What to call ``X`` in messages (e.g. ``"X_val"``).
    one_row : bool, default False
        Accept one sample given as a 1-D array of length ``nin``.

    Returns
    -------
    numpy.ndarray of float64, shape (N, nin)
        A new array, never ``X`` itself.

    Examples
    --------
    >>> check_inputs([0.5, 1.0], "activations", nin=2, one_row=True).tolist()
    [[0.5, 1.0]]
    >>> check_inputs([[1.0, 2.0, 3.0]], "predict", nin=2)
    Traceback (most recent call last):
    ...
    ValueError: predict: X has 3 columns (features) but the model takes 2 inputs (nin=2); expected ...
    """
    shape = f"(N, {nin})" if nin is not None else "(N, features)"
    if isinstance(X, Tensor):
        X = X.data
    elif isinstance(X, Node):
        raise TypeError(f"{where}: {name} must be an array of shape {shape}, got a {type(X).__name__}")
    try:
        arr = np.asarray(X)
    except ValueError:
        raise ValueError(f"{where}: {name} is ragged; expected an array of shape {shape}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} must hold numbers, got dtype {arr.dtype}")
    if one_row and arr.ndim == 1 and nin is not None and arr.shape[0] == nin:
        arr = arr[None, :]
    if arr.ndim != 2:
        hint = f" (one sample? use {name}[None, :])" if arr.ndim == 1 and arr.shape[0] == nin else ""
        raise ValueError(f"{where}: {name} must be 2-D of shape {shape}, got shape {arr.shape}{hint}")
    if nin is not None and arr.shape[1] != nin:
        raise ValueError(
            f"{where}: {name} has {arr.shape[1]} columns (features) but the model takes {nin} inputs (nin={nin}); "
            f"expected shape (N, {nin}), got {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{where}: {name} has no samples (shape {arr.shape})")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{where}: {name} contains nan or inf")
    return arr


def check_labels(y: Any, n: int, where: str, names: tuple[str, str] = ("y", "X")) -> np.ndarray:
    """Class labels of any kind (numbers or strings), one per row of ``X``, as a 1-D array.

    A column ``(n, 1)`` is flattened.  ``names`` says what to call the labels
    and the inputs in the message.

    Examples
    --------
    >>> check_labels([[1], [0]], 2, "linear_probes").tolist()
    [1, 0]
    >>> check_labels(["a", "b"], 3, "plot.decision_boundary")
    Traceback (most recent call last):
    ...
    ValueError: plot.decision_boundary: y must have one label per row of X (3), got shape (2,)
    """
    arr = np.asarray(y.data if isinstance(y, Tensor) else y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.shape[0] != n:
        yname, xname = names
        raise ValueError(f"{where}: {yname} must have one label per row of {xname} ({n}), got shape {arr.shape}")
    return arr


def check_targets(y: Any, n: int, nout: int, where: str, check: Callable | None = None, name: str = "y") -> np.ndarray:
    """Training targets: finite real numbers, one per sample, that suit the loss.

    Parameters
    ----------
    y : array_like or Tensor
        The targets.
    n : int
        The number of samples (rows of the inputs).
    nout : int
        The model's output width.
    where : str
        The public function checking them.
    check : callable, optional
        The loss's own target check (one of :mod:`nn.targets`, found in
        :data:`nn.losses.TARGET_CHECKS`); None checks only the length.
    name : str, default "y"
        ``"y"`` or ``"y_val"`` (whose inputs are then called ``X_val``).

    Returns
    -------
    numpy.ndarray
        The targets as given (not reshaped), of length ``n``.

    Examples
    --------
    >>> from nn.targets import bce_targets
    >>> check_targets([0, 1, 1], 3, 1, "fit", bce_targets).tolist()
    [0, 1, 1]
    >>> check_targets([0, 1], 3, 1, "fit")
    Traceback (most recent call last):
    ...
    ValueError: fit: X has 3 samples but y has 2 labels; they must have the same length
    """
    try:
        arr = target_array(where, y)
    except (TypeError, ValueError) as e:
        raise type(e)(str(e).replace(f"{where}: the target", f"{where}: {name}")) from None
    if arr.ndim == 0 or arr.shape[0] != n:
        got = "a single number" if arr.ndim == 0 else f"{arr.shape[0]} labels"
        xname = "X_val" if name == "y_val" else "X"
        raise ValueError(f"{where}: {xname} has {n} samples but {name} has {got}; they must have the same length")
    if check is not None:
        try:
            check(arr, n, nout, (n, nout))
        except (TypeError, ValueError) as e:
            raise type(e)(f"{where}: {name} does not suit the loss: {e}") from None
    return arr


def check_pair(value: Any, where: str, name: str, parts: str) -> tuple[Any, Any]:
    """``value`` as a pair, e.g. ``validation=(X_val, y_val)``; ``parts`` names the two halves.

    Examples
    --------
    >>> check_pair([1, 2], "fit", "validation", "X_val, y_val")
    (1, 2)
    >>> check_pair("xy", "fit", "validation", "X_val, y_val")
    Traceback (most recent call last):
    ...
    TypeError: fit: validation must be a pair (X_val, y_val), got str
    """
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{where}: {name} must be a pair ({parts}), got {type(value).__name__}")
    return value[0], value[1]


# ---------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------


def check_int(value: Any, name: str, where: str, minimum: int = 1) -> int:
    """``value`` as an int, insisting on an integer (not a bool) ``>= minimum``.

    Examples
    --------
    >>> check_int(3, "epochs", "fit", minimum=0)
    3
    >>> check_int(2.5, "batch_size", "fit")
    Traceback (most recent call last):
    ...
    ValueError: fit: batch_size must be an int >= 1, got 2.5
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{where}: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def check_weights(W: Any, b: Any, nin: int, nout: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    """A layer's weights ``W`` (nin, nout) and bias ``b`` (nout,) as float64 arrays, shapes checked.

    Examples
    --------
    >>> W, b = check_weights([[1], [2]], [0], 2, 1, "layer 1")
    >>> W.dtype, b.shape
    (dtype('float64'), (1,))
    >>> check_weights([[1, 2]], [0], 2, 1, "layer 1")
    Traceback (most recent call last):
    ...
    ValueError: layer 1: expected W of shape (2, 1) and b of shape (1,), got (1, 2) and (1,)
    """
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if W.shape != (nin, nout) or b.shape != (nout,):
        raise ValueError(
            f"{where}: expected W of shape {(nin, nout)} and b of shape {(nout,)}, got {W.shape} and {b.shape}"
        )
    return W, b


def check_float_dtype(dtype: Any, where: str) -> np.dtype:
    """``dtype`` as a numpy floating dtype, or a clear TypeError: a layer's parameters must hold real floats.

    Examples
    --------
    >>> check_float_dtype("float32", "Linear")
    dtype('float32')
    """
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: dtype must be a numpy floating dtype such as np.float32, got {dtype!r}") from None
    if dt.kind != "f":
        raise TypeError(
            f"{where}: dtype must be a floating dtype (float16, float32, float64), got {dt}; "
            "integer weights would truncate to zero and cannot be trained"
        )
    return dt
