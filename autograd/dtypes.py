"""dtype names (PyTorch's: ``autograd.float32``, ``autograd.long``, ...), the CPU device, and their argument checks.

The names are numpy dtypes, so ``autograd.float64 == np.float64`` and a
Tensor's ``dtype`` compares equal to them.  As in PyTorch, ``float`` is
float32, ``double`` float64, ``long`` int64 and ``int`` int32.  layergrad runs
on the CPU only: ``device("cpu")`` is accepted wherever PyTorch takes a
device, and any other device raises.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

__all__ = [
    "float16",
    "float32",
    "float64",
    "half",
    "float",
    "double",
    "int8",
    "int16",
    "int32",
    "int64",
    "int",
    "long",
    "uint8",
    "bool",
    "device",
    "dtype_arg",
    "device_arg",
    "set_default_dtype",
    "get_default_dtype",
]

float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
half = float16
float = float32  # PyTorch: torch.float is float32
double = float64
int8 = np.dtype("int8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
int = int32  # PyTorch: torch.int is int32
long = int64
uint8 = np.dtype("uint8")
bool = np.dtype("bool")  # PyTorch: torch.bool

_REAL_KINDS = "fiub"


def dtype_arg(d: Any, where: str) -> np.dtype:
    """A dtype given as a name of this module, a numpy dtype or type, or a Python type, checked.

    Python's ``float`` means float64, as in PyTorch (``dtype=float``).

    Examples
    --------
    >>> dtype_arg(float32, "to"), dtype_arg(builtins.float, "to"), dtype_arg("int64", "to")
    (dtype('float32'), dtype('float64'), dtype('int64'))
    """
    try:
        dt = np.dtype(d)
    except TypeError:
        raise TypeError(f"{where}: {d!r} is not a dtype; use e.g. autograd.float64 or autograd.int64") from None
    if dt.kind not in _REAL_KINDS:
        raise TypeError(f"{where}: dtype {dt} is not supported; expected a float, int or bool dtype")
    return dt


class device:  # PyTorch: torch.device
    """A device: only ``"cpu"`` exists here.

    Examples
    --------
    >>> device("cpu")
    device(type='cpu')
    >>> device("cuda")
    Traceback (most recent call last):
    ...
    RuntimeError: device: layergrad runs on the CPU only, got 'cuda'
    """

    __slots__ = ("type", "index")
    type: str
    index: Any

    def __init__(self, type: Any = "cpu", index: Any = None) -> None:
        name = "cpu" if isinstance(type, device) else str(type)
        if name.split(":")[0] != "cpu":
            raise RuntimeError(f"device: layergrad runs on the CPU only, got {name!r}")
        self.type = "cpu"
        self.index = index

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __eq__(self, other: Any) -> builtins.bool:
        return isinstance(other, device) or other == "cpu"

    def __hash__(self) -> builtins.int:
        return hash("cpu")


def device_arg(d: Any, where: str) -> None:
    """Check a ``device=`` argument: None, ``"cpu"`` or ``device("cpu")``.

    Examples
    --------
    >>> device_arg("cpu", "zeros")
    """
    if d is None or isinstance(d, device):
        return
    if not isinstance(d, str):
        raise TypeError(f"{where}: device must be 'cpu' or autograd.device('cpu'), got {type(d).__name__}")
    device(d)


def set_default_dtype(d: Any) -> None:
    """Accept float64, layergrad's default float dtype; any other raises (pass ``dtype=`` instead).

    Examples
    --------
    >>> set_default_dtype(float64)
    """
    if dtype_arg(d, "set_default_dtype") != float64:
        raise ValueError(
            f"set_default_dtype: layergrad's default float dtype is float64 and cannot change; got {np.dtype(d)}. "
            "Pass dtype= to the functions that create tensors instead"
        )


def get_default_dtype() -> np.dtype:
    """float64: the dtype Python numbers and lists become.

    Examples
    --------
    >>> get_default_dtype()
    dtype('float64')
    """
    return float64
