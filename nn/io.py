"""Saving and loading modules as ``.npz`` files: no pickle, atomic writes.

The file holds one array per parameter (by dotted name) and the architecture
as JSON text in the array ``__layergrad__``.  Loading rebuilds the module only
from classes listed in :data:`SAVABLE`, so a file can never run code.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from .activations import ACTIVATIONS
from .layers import Layer, Linear
from .mlp import MLP
from .module import Module

__all__ = ["save", "load", "SAVABLE", "FORMAT"]

FORMAT = "layergrad-module"
VERSION = 1
SAVABLE: dict[str, type[Module]] = {"MLP": MLP, "Linear": Linear, "Layer": Layer}
"""Classes that :func:`load` may rebuild, by name."""


def _meta(module: Module) -> dict[str, Any]:
    cls = type(module).__name__
    if SAVABLE.get(cls) is not type(module):
        raise TypeError(f"save: {cls} cannot be saved; savable modules: {', '.join(SAVABLE)}")
    act = getattr(module, "activation", None)
    config = module.config()
    if act is not None and act.config():
        config["activation_config"] = act.config()
    return {"format": FORMAT, "version": VERSION, "class": cls, "config": config}


def save(module: Module, path: str | os.PathLike[str]) -> str:
    """Write ``module``'s architecture and weights to ``path`` atomically.

    ``.npz`` is appended if missing.  The file is written to a temporary file
    in the same folder and renamed, so a crash never leaves half a file.

    Examples
    --------
    >>> import tempfile, os
    >>> from nn import MLP
    >>> net = MLP(2, [3, 1], seed=0)
    >>> path = save(net, os.path.join(tempfile.mkdtemp(), "net"))
    >>> path.endswith("net.npz")
    True
    """
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    meta = json.dumps(_meta(module))
    arrays = {name: np.asarray(value) for name, value in module.state_dict().items()}
    if "__layergrad__" in arrays:
        raise ValueError("save: a parameter is named __layergrad__, which the file format reserves")
    arrays["__layergrad__"] = np.frombuffer(meta.encode("utf-8"), dtype=np.uint8)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".layergrad-", suffix=".npz.tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load(path: str | os.PathLike[str]) -> Module:
    """Rebuild a module saved with :func:`save`.

    Raises a clear ``ValueError`` for a file that is not ours, is truncated,
    holds pickled data, or whose arrays do not match the architecture.

    Examples
    --------
    >>> import tempfile, os
    >>> from nn import MLP
    >>> net = MLP(2, [3, 1], seed=0)
    >>> again = load(save(net, os.path.join(tempfile.mkdtemp(), "net")))
    >>> bool((again.layers[0].weight.data == net.layers[0].weight.data).all())
    True
    """
    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise ValueError("it is a single .npy array, not a layergrad .npz file")
            if "__layergrad__" not in z.files:
                raise ValueError("it has no layergrad architecture record")
            meta = json.loads(bytes(z["__layergrad__"]).decode("utf-8"))
            arrays = {k: z[k] for k in z.files if k != "__layergrad__"}
    except FileNotFoundError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, KeyError, UnicodeDecodeError, json.JSONDecodeError) as e:
        msg = str(e)
        if "pickle" in msg:
            msg = "it contains pickled data, which layergrad never loads"
        raise ValueError(f"load: {path} is not a readable layergrad model file ({msg})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"load: {path} is not a layergrad model file (format {meta.get('format') if isinstance(meta, dict) else meta!r})")
    if meta.get("version") != VERSION:
        raise ValueError(f"load: {path} has format version {meta.get('version')}; this layergrad reads version {VERSION}")
    cls = SAVABLE.get(meta.get("class"))
    if cls is None:
        raise ValueError(f"load: {path} holds an unknown module class {meta.get('class')!r}; known: {', '.join(SAVABLE)}")
    config = dict(meta.get("config") or {})
    act_config = config.pop("activation_config", None)
    if "activation" in config:
        name = config["activation"]
        if name not in ACTIVATIONS:
            raise ValueError(f"load: {path} names an unknown activation {name!r}")
        config["activation"] = ACTIVATIONS[name](**(act_config or {}))
    if "dtype" in config:
        config["dtype"] = np.dtype(config["dtype"])
    try:
        module = cls(**config)
    except (TypeError, ValueError) as e:
        raise ValueError(f"load: {path} has an invalid architecture for {cls.__name__}: {e}") from None
    try:
        module.load_state_dict(arrays)
    except (KeyError, ValueError, TypeError) as e:
        raise ValueError(f"load: {path} does not match its architecture: {e}") from None
    return module
