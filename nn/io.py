"""Saving and loading modules as ``.npz`` files: no pickle, atomic writes, untrusted files checked before use.

The file holds one array per parameter (by dotted name) and the architecture
as JSON text in the array ``__layergrad__``.  Loading rebuilds the module only
from classes listed in :data:`SAVABLE` (those defined with ``savable=True``,
see :mod:`nn.registry`), ``Sequential`` and the built-in activations, so a file
can never run code.  Saving refuses what a file cannot describe, such as a
subclass of a savable class or a model whose activation is not a built-in
one, rather than writing its parent's name and loading something else.

A file from elsewhere is checked before anything is built: the architecture
record's types strictly, then, for the built-in classes, the parameters it
implies (names, shapes and memory, against ``max_bytes``) against the
archive's directory and ``.npy`` headers (:mod:`nn.archive`), before any
array data is read.
"""

from __future__ import annotations

import json
import math
import os
import sys
from typing import Any

import numpy as np

from .activations import ACTIVATIONS, Activation
from .architecture import DTYPES, SCHEMAS, Block, blocks, check_activation, show
from .archive import MAX_HEADER, MAX_MEMBERS, Archive, ArchiveError
from .atomic import target, write_atomic
from .layers import Sequential
from .module import Module
from .registry import SAVABLE, set_file_format

__all__ = ["save", "load", "SAVABLE", "FORMAT", "MAX_BYTES"]

FORMAT = "layergrad-module"
VERSION = 1
RECORD = "__layergrad__"
"""The array that holds the architecture, as UTF-8 JSON text."""
MAX_BYTES = 1 << 30
""":func:`load`'s default limit on the memory a file's parameters may take: 1 GiB."""
MAX_RECORD = 1 << 20
"""The largest architecture record read, in bytes."""
# SAVABLE (imported above) is the read-only view of nn.registry's classes that load() may rebuild, by name.

_SAVE_WEIGHTS = (
    "Save its weights instead, e.g. np.savez(path, **model.state_dict()), and rebuild the model in code "
    "before load_state_dict"
)
_BATCH = 64 << 20  # arrays are read and copied into the model in batches of about this many bytes


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


def _layout(name: Any, config: Any, prefix: str = "", depth: int = 0) -> list[Block] | None:
    """Check a module's description strictly; the layers it implies, or None when it holds a class of one's own."""
    if depth > 32:
        raise ValueError("modules nested more than 32 deep")
    if name == "Sequential":
        mods = config.get("modules") if isinstance(config, dict) else None
        if not isinstance(mods, list) or not mods or not all(isinstance(m, dict) for m in mods):
            raise ValueError("a Sequential needs a non-empty list of modules, each a JSON object")
        if len(config) != 1:
            raise ValueError(f"a Sequential's config holds only 'modules', got {show(sorted(config))}")
        found: list[Block] | None = []
        for i, m in enumerate(mods):
            if set(m) - {"class", "config"}:
                raise ValueError(f"module {i} of the Sequential has entries other than 'class' and 'config'")
            sub = _layout(m.get("class"), m.get("config"), f"{prefix}{i}.", depth + 1)  # PyTorch's names: 0.weight
            found = None if sub is None or found is None else found + sub
        return found
    if name == "activation":
        if not isinstance(config, dict):
            raise ValueError(f"the config must be a JSON object, got {type(config).__name__}")
        check_activation(config.get("name"), {k: v for k, v in config.items() if k != "name"}, "an activation's config")
        return []
    cls = SAVABLE.get(name) if isinstance(name, str) else None
    if cls is None:
        known = ", ".join([*_known(), "Sequential"])
        raise ValueError(f"unknown module class {show(name)}; known: {known}")
    if cls not in SCHEMAS:  # a class of one's own: its constructor checks its arguments
        if not isinstance(config, dict):
            raise ValueError(f"the config must be a JSON object, got {type(config).__name__}")
        return None
    return blocks(cls, config, prefix)


def _build(name: Any, config: Any) -> Module:
    """The module :func:`_describe` described, from a description :func:`_layout` has checked."""
    if name == "Sequential":
        return Sequential(*[_build(m["class"], m["config"]) for m in config["modules"]])
    if name == "activation":
        return _activation(config["name"], {k: v for k, v in config.items() if k != "name"})
    cls = SAVABLE.get(name) if isinstance(name, str) else None
    if cls is None:
        known = ", ".join([*_known(), "Sequential"])
        raise ValueError(f"unknown module class {show(name)}; known: {known}")
    return cls(**_decode_config(config))


def _activation(name: str, config: dict[str, Any]) -> Activation:
    """The built-in activation ``name`` with arguments ``config``, as the file's model was trained with it.

    NOTE: until GELU got its exact form, ``"gelu"`` was the tanh approximation
    and its file entry had no arguments; every GELU saved since records
    ``approximate``, so one without it is an old file's tanh GELU.
    """
    if name == "gelu" and "approximate" not in config:
        config = {**config, "approximate": "tanh"}
    return ACTIVATIONS[name](**config)


def _decode_config(config: Any) -> dict[str, Any]:
    """Constructor arguments from the JSON config: only plain values, activations by name."""
    if not isinstance(config, dict):
        raise ValueError(f"the config must be a JSON object, got {type(config).__name__}")
    config = dict(config)
    act_config = config.pop("activation_config", None)
    if act_config is not None and not isinstance(act_config, dict):
        raise ValueError(f"activation_config must be a JSON object, got {type(act_config).__name__}")
    if "activation" in config:
        check_activation(config["activation"], act_config or {})
        config["activation"] = _activation(config["activation"], act_config or {})
    if "dtype" in config:
        dtype = config["dtype"]
        if not isinstance(dtype, str) or dtype not in DTYPES:
            raise ValueError(f"dtype must be float16, float32 or float64, got {show(dtype)}")
        config["dtype"] = np.dtype(dtype)
    return config


def save(module: Module, path: str | os.PathLike[str]) -> str:
    """Write ``module``'s architecture and weights to ``path`` atomically.

    ``.npz`` is appended if missing.  The file is written to a temporary file
    in the same folder and renamed, so a crash never leaves half a file; the
    temporary files of saves that were killed are removed by the next save
    to that folder, once they are a minute old.

    Parameters
    ----------
    module : Module
        A savable module (see :mod:`nn.registry`).
    path : str or os.PathLike
        The file to write; its folder must exist.

    Returns
    -------
    str
        The path written.

    Raises
    ------
    TypeError
        When a file cannot describe ``module``.
    IsADirectoryError
        When ``path`` names a folder or ends with a path separator.
    FileNotFoundError
        When the folder does not exist (the message names ``path``).

    Examples
    --------
    >>> import tempfile, os
    >>> from nn import MLP
    >>> net = MLP(2, [3, 1], seed=0)
    >>> path = save(net, os.path.join(tempfile.mkdtemp(), "net"))
    >>> path.endswith("net.npz")
    True
    """
    path = target(path, ".npz", "save")
    meta = json.dumps(_meta(module))
    arrays: dict[str, Any] = {name: np.asarray(value) for name, value in module.state_dict().items()}
    if RECORD in arrays:
        raise ValueError(f"save: a parameter is named {RECORD}, which the file format reserves")
    if len(arrays) > MAX_MEMBERS:  # load() would refuse the file
        raise ValueError(
            f"save: this {type(module).__name__} has {len(arrays):,} parameters, and a model file holds at most "
            f"{MAX_MEMBERS:,} (a scalar-engine model stores one per weight); save a tensor-engine copy "
            "(to_engine('tensor')) instead"
        )
    arrays[RECORD] = np.frombuffer(meta.encode("utf-8"), dtype=np.uint8)
    write_atomic(path, arrays)
    return path


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("a JSON object gives the same key twice")
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a model file may hold")


def _record(arc: Archive) -> Any:
    """The architecture record, read after its size and header are checked."""
    info = arc.members.get(RECORD)
    if info is None:
        raise ArchiveError("it has no layergrad architecture record")
    if info.file_size > MAX_RECORD + MAX_HEADER + 12:
        raise ArchiveError(f"its architecture record is {info.file_size:,} bytes; at most {MAX_RECORD:,} are read")
    header = arc.header(RECORD)
    if header.dtype != np.uint8 or len(header.shape) != 1:
        raise ArchiveError(f"its architecture record is a {header.dtype} array of shape {header.shape}, not text")
    try:
        text = arc.read(RECORD, header).tobytes().decode("utf-8")
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        if isinstance(e, ArchiveError):
            raise
        raise ArchiveError(f"its architecture record is not JSON text: {e}") from None


def _size(n: int) -> str:
    unit = next((u for u in (3, 2, 1) if n >= 1024**u), 0)
    return f"{n:,} bytes" if not unit else f"{n / 1024**unit:.1f} {('KiB', 'MiB', 'GiB')[unit - 1]}"


def _over(path: str, what: str, nbytes: int, max_bytes: int) -> ValueError:
    limit = f"max_bytes={max_bytes:,}" + (f" ({_size(max_bytes)})" if max_bytes >= 1024 else "")
    return ValueError(
        f"load: {path} declares {what} that take about {_size(nbytes)} ({nbytes:,} bytes), more than {limit}; "
        "pass a larger max_bytes to load a file you trust"
    )


def _mismatch(path: str, expected: dict[str, tuple[int, ...]], found: dict[str, Any], where: str) -> None:
    """Raise when the names of ``found`` are not those of ``expected``, or a shape (None: not known yet) differs."""
    missing = [n for n in expected if n not in found]
    extra = [n for n in found if n not in expected]
    if missing or extra:
        more = lambda names: "..." if len(names) > 5 else ""  # noqa: E731
        raise ValueError(
            f"load: {path} does not match its architecture: missing {missing[:5]}{more(missing)}, "
            f"unexpected {extra[:5]}{more(extra)}"
        )
    for name, shape in expected.items():
        got = found[name]
        if got is not None and got != shape:
            raise ValueError(
                f"load: {path} does not match its architecture: {name} has shape {got} in the file "
                f"but {shape} in the {where}"
            )


def _expected(path: str, name: str, layers: list[Block], arc: Archive, max_bytes: int) -> dict[str, tuple[int, ...]]:
    """The arrays the architecture implies, after its memory and count are checked (no list is made before)."""
    nbytes = sum(b.nbytes() for b in layers)
    if nbytes > max_bytes:
        weights = sum(b.nout * (b.nin + b.bias) for b in layers)
        raise _over(path, f"a {name} of {weights:,} weights", nbytes, max_bytes)
    count, held = sum(b.arrays() for b in layers), len(arc.members) - 1
    if count > MAX_MEMBERS:
        raise ValueError(
            f"load: {path} does not match its architecture: it implies {count:,} arrays, the file holds {held:,}"
        )
    expected = {n: s for b in layers for n, s in b.params()}
    _mismatch(path, expected, {n: None for n in arc.members if n != RECORD}, "architecture")
    for n, shape in expected.items():
        info = arc.members[n]
        if info.file_size > 12 + MAX_HEADER + 8 * math.prod(shape):  # checked before anything is decompressed
            raise ArchiveError(f"the member {info.filename!r} is {info.file_size:,} bytes, more than a {shape} array")
    return expected


def load(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> Module:
    """Rebuild a module saved with :func:`save`, checking the file before using it.

    A file from elsewhere is checked in steps, each before the next reads
    more: it must be a regular file (never a pipe or device, which could make
    loading wait forever), a zip archive of ``.npy`` arrays with a bounded
    directory, with an architecture record whose every value has the exact
    type expected; the parameters that architecture implies must fit in
    ``max_bytes`` and match the archive's arrays by name, shape and size
    (read from the zip directory and the ``.npy`` headers) before the model
    is built and any array data is read.  Nothing is ever unpickled.

    Parameters
    ----------
    path : str or os.PathLike
        The file (``"model"`` finds ``"model.npz"``, as ``save`` names it).
    max_bytes : int
        The most memory the parameters may take (default :data:`MAX_BYTES`,
        1 GiB): their arrays' bytes on the tensor engine, about
        :data:`nn.architecture.SCALAR_BYTES` per weight on the scalar engine.
        Raise it to load a larger file you trust.

    Returns
    -------
    Module
        The module, with the file's weights.

    Raises
    ------
    ValueError
        For any file that is not a valid layergrad model file: not a regular
        file, not an archive, truncated or damaged, holding pickled data or
        other members, an invalid architecture, arrays that do not match it,
        or parameters larger than ``max_bytes``.  The message says which.
    FileNotFoundError
        When there is no file at ``path``.

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
    if not isinstance(max_bytes, (int, np.integer)) or isinstance(max_bytes, bool) or max_bytes < 0:
        raise ValueError(f"load: max_bytes must be a number of bytes (an int >= 0), got {show(max_bytes)}")
    path = os.fsdecode(os.fspath(path))
    if not os.path.exists(path) and not path.endswith(".npz") and os.path.exists(path + ".npz"):
        path += ".npz"  # save() appends .npz; accept the same name here
    try:
        with Archive(path) as arc:
            return _load(path, arc, int(max_bytes))
    except ArchiveError as e:
        raise ValueError(f"load: {path} is not a readable layergrad model file ({e})") from None


def _load(path: str, arc: Archive, max_bytes: int) -> Module:
    meta = _record(arc)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else meta
        raise ValueError(f"load: {path} is not a layergrad model file (format {show(found)})")
    version = meta.get("version")
    if type(version) is not int:  # a JSON true is not the version 1
        raise ValueError(f"load: {path} has the format version {show(version)}, not an int; expected {VERSION}")
    if version != VERSION:
        raise ValueError(f"load: {path} has format version {version}; this layergrad reads version {VERSION}")
    extra = sorted(set(meta) - {"format", "version", "class", "config"})
    if extra:
        raise ValueError(f"load: {path} has unexpected entries {show(extra)} in its architecture record")
    name = meta.get("class")
    if name != "Sequential" and (not isinstance(name, str) or name not in SAVABLE):
        known = ", ".join([*_known(), "Sequential"])
        raise ValueError(f"load: {path} holds an unknown module class {show(name)}; known: {known}")
    try:
        layers = _layout(name, meta.get("config"))
    except (TypeError, ValueError) as e:
        raise ValueError(f"load: {path} has an invalid architecture for {name}: {e}") from None
    names = [n for n in arc.members if n != RECORD]
    if layers is not None:
        expected = _expected(path, name, layers, arc, max_bytes)
    elif sum(arc.members[n].file_size for n in names) > max_bytes:  # a class of one's own: the file's sizes
        raise _over(path, "arrays", sum(arc.members[n].file_size for n in names), max_bytes)
    headers = {n: arc.header(n) for n in names}
    if layers is not None:
        _mismatch(path, expected, {n: h.shape for n, h in headers.items()}, "architecture")
    for n in names:  # a compressed member is decompressed once (and dropped) before memory is made for it
        arc.verify(n)
    try:
        module = _build(name, meta.get("config"))
    except (TypeError, ValueError, AttributeError) as e:
        raise ValueError(f"load: {path} has an invalid architecture for {name}: {e}") from None
    shapes = {n: h.shape for n, h in headers.items()}
    _mismatch(path, {n: np.shape(p.data) for n, p in module.named_parameters()}, shapes, "model")
    batch: dict[str, np.ndarray] = {}
    size = 0
    for i, (n, header) in enumerate(headers.items()):  # a batch at a time: load_state_dict walks the whole model
        batch[n] = arc.read(n, header)
        size += header.nbytes
        if size >= _BATCH or i == len(headers) - 1:
            module.load_state_dict(batch, strict=False)  # names and shapes are checked: this copies
            batch, size = {}, 0
    return module


set_file_format(save, load)  # Module.save and Module.load find these through nn.registry
