"""Importing the optional interop packages (torch, onnx, onnxruntime) only when a function needs them.

``import nn`` never imports them; :func:`need` does, inside the functions
that use them, and says which extra to install when one is missing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["need", "INSTALL"]

INSTALL = "pip install layergrad[interop]"
"""The command that installs every optional interop package."""


def need(package: str, what: str) -> ModuleType:
    """``package`` imported, or an ImportError saying that ``what`` needs it and how to install it.

    Examples
    --------
    >>> need("numpy", "this example").__name__
    'numpy'
    >>> need("no_such_package_here", "nn.to_torch")
    Traceback (most recent call last):
    ...
    ImportError: nn.to_torch needs the optional package 'no_such_package_here': pip install layergrad[interop]
    """
    try:
        return importlib.import_module(package)
    except ImportError as e:
        raise ImportError(f"{what} needs the optional package {package!r}: {INSTALL}") from e
