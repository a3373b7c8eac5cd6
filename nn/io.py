"""Saving and loading modules as ``.npz`` files: no pickle, atomic writes.

The file holds one array per parameter (by dotted name) and the architecture
as JSON text in the array ``__layergrad__``.  Loading rebuilds the module only
from classes listed in :data:`SAVABLE` (those defined with ``savable=True``,
see :mod:`nn.registry`), ``Sequential`` and the built-in activations, so a file
can never run code.  Saving refuses what a file cannot describe, such as a
subclass of a savable class or a model whose activation is not a built-in
one, rather than writing its parent's name and loading something else.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
import zipfile
from typing import Any

import numpy as np

from .activations import ACTIVATIONS, Activation
from .layers import Sequential
from .module import Module
from .registry import SAVABLE, set_file_format

__all__ = ["save", "load", "SAVABLE", "FORMAT"]

FORMAT = "layergrad-module"
VERSION = 1
# SAVABLE (imported above) is the read-only view of nn.registry's classes that load() may rebuild, by name.

_SAVE_WEIGHTS = (
    "Save its weights instead, e.g. np.savez(path, **model.state_dict()), and rebuild the model in code "
    "before load_state_dict"
)


def _known() -> list[str]:
    """The savable class names, models before layers and the tensor family first (the order of the messages)."""
    return sorted(SAVABLE, key=lambda k: (SAVABLE[k].kind != "model", SAVABLE[k].engine != "tensor"))


def _qualname(cls: type) -> str:
    """``nn.X`` for a class the ``nn`` package exports, else its full dotted name."""
    public = getattr(sys.modules.get("nn"), cls.__name__, None) is cls
    return f"nn.{cls.__name__}" if public else f"{cls.__module__}.{cls.__qualname__}"


def _unsavable(module: Module) -> TypeError:
    return TypeError(
        f"save: a {_qualname(type(module))} cannot be saved as a model file: load() rebuilds only "
        f"{', '.join('nn.' + k for k in _known())}, nn.Sequential of those and the activation "
        f"modules (from plain JSON, never pickle). {_SAVE_WEIGHTS}"
    )


def _unsavable_activation(module: Module, act: Activation) -> TypeError:
    return TypeError(
        f"save: the activation of this {_qualname(type(module))} is a {_qualname(type(act))}, which a model file "
        f"cannot describe: it stores an activation by its name and load() rebuilds only "
        f"{', '.join(_qualname(c) for c in ACTIVATIONS.values())}. {_SAVE_WEIGHTS}"
    )


def _describe(module: Module) -> dict[str, Any]:
    """``{"class", "config"}``: what :func:`_build` needs to make the module again."""
    cls = type(module).__name__
    if type(module) is Sequential:
        return {"class": cls, "config": {"modules": [_describe(m) for m in module.layers]}}
    if isinstance(module, Activation) and ACTIVATIONS.get(module.key) is type(module):
        return {"class": "activation", "config": {"name": module.key, **module.config()}}
    if SAVABLE.get(cls) is not type(module):
        raise _unsavable(module)
    act = getattr(module, "activation", None)
    if isinstance(act, Activation) and ACTIVATIONS.get(act.key) is not type(act):
        raise _unsavable_activation(module, act)  # its config would name another activation
    config = module.config()
    if act is not None and act.config():
        config["activation_config"] = act.config()
    return {"class": cls, "config": config}


def _meta(module: Module) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, **_describe(module)}


def _build(name: Any, config: Any, depth: int = 0) -> Module:
    """The module :func:`_describe` described (only known classes, plain values)."""
    if depth > 32:
        raise ValueError("modules nested more than 32 deep")
    if name == "Sequential":
        mods = config.get("modules") if isinstance(config, dict) else None
        if not isinstance(mods, list) or not mods or not all(isinstance(m, dict) for m in mods):
            raise ValueError("a Sequential needs a non-empty list of modules, each a JSON object")
        return Sequential(*[_build(m.get("class"), m.get("config"), depth + 1) for m in mods])
    if name == "activation":
        if not isinstance(config, dict):
            raise ValueError(f"the config must be a JSON object, got {type(config).__name__}")
        config = dict(config)
        key = config.pop("name", None)
        if not isinstance(key, str) or key not in ACTIVATIONS:
            raise ValueError(f"unknown activation {key!r}; known: {', '.join(ACTIVATIONS)}")
        return ACTIVATIONS[key](**config)
    cls = SAVABLE.get(name) if isinstance(name, str) else None
    if cls is None:
        known = ", ".join([*_known(), "Sequential"])
        raise ValueError(f"unknown module class {name!r}; known: {known}")
    return cls(**_decode_config(config))


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
    arrays: dict[str, Any] = {name: np.asarray(value) for name, value in module.state_dict().items()}
    if "__layergrad__" in arrays:
        raise ValueError("save: a parameter is named __layergrad__, which the file format reserves")
    arrays["__layergrad__"] = np.frombuffer(meta.encode("utf-8"), dtype=np.uint8)
    folder = os.path.dirname(os.path.abspath(path))
    # NOTE: not tempfile.mkstemp, which creates the file with mode 0600: opening
    # it ourselves with 0666 lets the umask decide, as for any other saved file.
    tmp = os.path.join(folder, f".layergrad-{uuid.uuid4().hex}.npz.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
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


def _not_npz(path: str) -> str | None:
    """Why the file at ``path`` is not an ``.npz`` archive (None when it looks like one).

    Only the first bytes (and a ``.npy`` header) are read: nothing is unpickled.
    """
    with open(path, "rb") as f:
        head = f.read(6)
        if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
            return None
        if not head:
            return "the file is empty"
        if head == b"\x93NUMPY":
            f.seek(0)
            try:
                version = np.lib.format.read_magic(f)
                fmt = np.lib.format
                header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
                pickled = np.dtype(header(f)[2]).hasobject
            except Exception:  # a damaged header: it is not ours either way
                pickled = False
            if pickled:
                return "it is a .npy array of pickled Python objects, which layergrad never loads"
            return "it is a single .npy array, not a layergrad .npz archive"
        if head[:1] == b"\x80":
            return "it is a Python pickle, which layergrad never loads"
        return "it is not an .npz archive"


def _decode_config(config: Any) -> dict[str, Any]:
    """Constructor arguments from the JSON config: only plain values, activations by name."""
    if not isinstance(config, dict):
        raise ValueError(f"the config must be a JSON object, got {type(config).__name__}")
    config = dict(config)
    act_config = config.pop("activation_config", None)
    if act_config is not None and not isinstance(act_config, dict):
        raise ValueError(f"activation_config must be a JSON object, got {type(act_config).__name__}")
    if "activation" in config:
        name = config["activation"]
        if not isinstance(name, str) or name not in ACTIVATIONS:
            raise ValueError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}")
        config["activation"] = ACTIVATIONS[name](**(act_config or {}))
    if "dtype" in config:
        dtype = config["dtype"]
        if dtype not in ("float16", "float32", "float64"):
            raise ValueError(f"dtype must be float16, float32 or float64, got {dtype!r}")
        config["dtype"] = np.dtype(dtype)
    return config


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
    >>> bad = os.path.join(tempfile.mkdtemp(), "bad.npz")
    >>> with open(bad, "wb") as f:
    ...     _ = f.write(b"not a model")
    >>> load(bad)
    Traceback (most recent call last):
    ...
    ValueError: load: ...bad.npz is not a readable layergrad model file (it is not an .npz archive)
    """
    path = os.fspath(path)
    if not os.path.exists(path) and not path.endswith(".npz") and os.path.exists(path + ".npz"):
        path += ".npz"  # save() appends .npz; accept the same name here
    try:
        why = _not_npz(path)
        if why:
            raise ValueError(why)
        with np.load(path, allow_pickle=False) as z:
            if "__layergrad__" not in z.files:
                raise ValueError("it has no layergrad architecture record")
            meta = json.loads(bytes(z["__layergrad__"]).decode("utf-8"))
            arrays = {k: z[k] for k in z.files if k != "__layergrad__"}
    except FileNotFoundError:
        raise
    except Exception as e:  # any failure to read the archive (zipfile raises many kinds)
        msg = str(e)
        if isinstance(e, (zipfile.BadZipFile, EOFError)):
            msg = f"the archive is truncated or damaged: {msg}"
        if "pickle" in msg:
            msg = "it contains pickled data, which layergrad never loads"
        raise ValueError(f"load: {path} is not a readable layergrad model file ({msg})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else meta
        raise ValueError(f"load: {path} is not a layergrad model file (format {found!r})")
    if meta.get("version") != VERSION:
        raise ValueError(
            f"load: {path} has format version {meta.get('version')}; this layergrad reads version {VERSION}"
        )
    name = meta.get("class")
    if name != "Sequential" and (not isinstance(name, str) or name not in SAVABLE):
        known = ", ".join([*_known(), "Sequential"])
        raise ValueError(f"load: {path} holds an unknown module class {name!r}; known: {known}")
    try:
        module = _build(name, meta.get("config"))
    except (TypeError, ValueError, AttributeError) as e:
        raise ValueError(f"load: {path} has an invalid architecture for {name}: {e}") from None
    try:
        module.load_state_dict(arrays)
    except (KeyError, ValueError, TypeError) as e:
        detail = e.args[0] if isinstance(e, KeyError) and e.args else e  # a KeyError's str() adds quotes
        raise ValueError(f"load: {path} does not match its architecture: {detail}") from None
    return module


set_file_format(save, load)  # Module.save and Module.load find these through nn.registry
