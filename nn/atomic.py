"""Writing a model file atomically, to a path that names a file, and removing what killed saves left behind.

:func:`write_atomic` writes to a temporary file in the target's folder, named
like :data:`TEMP_NAME`, locks it while it writes, and renames it into place;
a save that is killed leaves it behind, and :func:`remove_stale_temps` (run
by every save) removes such files once they are a minute old and unlocked.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
import uuid
from typing import Any

import numpy as np

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, the age of a temporary file alone decides
    fcntl = None  # type: ignore[assignment]

__all__ = ["target", "write_atomic", "remove_stale_temps", "TEMP_NAME", "STALE_AFTER"]

TEMP_NAME = re.compile(r"\.layergrad-[0-9a-f]{32}\.npz\.tmp")
"""The names of :func:`write_atomic`'s temporary files: only these are ever removed."""
STALE_AFTER = 60.0
"""Seconds after its last write when a temporary file no save holds locked counts as left behind."""


def target(path: str | os.PathLike[str], suffix: str, what: str = "write") -> str:
    """The file to write for ``path``: ``suffix`` added when missing; never a folder.

    A path that ends with a separator, or names an existing folder (before
    or after the suffix is added), is refused rather than turned into a
    hidden file such as ``models/.npz``.

    Parameters
    ----------
    path : str or os.PathLike
        What the caller was given.
    suffix : str
        The file's extension, such as ``".npz"``.
    what : str
        The operation, for messages.

    Examples
    --------
    >>> target("model", ".npz")
    'model.npz'
    >>> target("models/", ".npz", "save")
    Traceback (most recent call last):
    ...
    IsADirectoryError: [Errno 21] save: models/ names a folder; give a file name, such as models/model.npz
    """
    path = os.fsdecode(os.fspath(path))
    if not path:
        raise ValueError(f"{what}: the path is empty; give a file name such as 'model{suffix}'")
    seps = tuple(s for s in (os.sep, os.altsep) if s)
    if path.endswith(seps) or os.path.basename(path) in (".", "..") or os.path.isdir(path):
        example = os.path.join(path, "model" + suffix)
        raise IsADirectoryError(errno.EISDIR, f"{what}: {path} names a folder; give a file name, such as {example}")
    if not path.endswith(suffix):
        path += suffix
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, f"{what}: {path} is a folder; give another file name")
    return path


def _lock(fd: int) -> bool:
    """Take the advisory lock that marks a temporary file as being written (False if another holds it)."""
    if fcntl is None:  # pragma: no cover - Windows
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # a file system without locks: the age alone decides
        return True
    return True


def remove_stale_temps(folder: str) -> list[str]:
    """Remove the temporary files that interrupted saves left in ``folder``; returns their names.

    Only regular files named like :func:`write_atomic`'s temporary files
    (:data:`TEMP_NAME`), last written more than :data:`STALE_AFTER` seconds
    ago and not locked by a save still writing them are removed; nothing
    else is touched, and a file that cannot be removed is left alone.

    Examples
    --------
    >>> import tempfile
    >>> remove_stale_temps(tempfile.mkdtemp())
    []
    """
    removed: list[str] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not TEMP_NAME.fullmatch(entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode) or now - st.st_mtime < STALE_AFTER:
                continue
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
            try:
                same = os.path.samestat(os.fstat(fd), st)
                if same and _lock(fd):
                    os.unlink(entry.path)
                    removed.append(entry.name)
            finally:
                os.close(fd)
        except OSError:
            continue
    return removed


def write_atomic(path: str, arrays: dict[str, Any]) -> None:
    """Write ``arrays`` to ``path`` as an ``.npz`` file, atomically: all of it or nothing.

    The arrays go to a temporary file in the same folder (locked while it is
    written), which is flushed to disk and then renamed to ``path``; on any
    failure it is removed and an existing file at ``path`` is left as it
    was.  Temporary files of earlier saves that were killed are removed
    first (see :func:`remove_stale_temps`).

    Parameters
    ----------
    path : str
        The file to write (its folder must exist).
    arrays : dict of str to numpy.ndarray
        The arrays, by name.

    Raises
    ------
    FileNotFoundError, NotADirectoryError, PermissionError, OSError
        When the file cannot be written; the message names ``path``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
    >>> write_atomic(path, {"w": np.ones(2)})
    >>> os.listdir(os.path.dirname(path))
    ['a.npz']
    """
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        missing = not os.path.exists(folder)
        kind, code = (FileNotFoundError, errno.ENOENT) if missing else (NotADirectoryError, errno.ENOTDIR)
        why = "does not exist" if missing else "is not a folder"
        raise kind(code, f"save: cannot write {path}: the folder {folder} {why}")
    remove_stale_temps(folder)
    # NOTE: not tempfile.mkstemp, which creates the file with mode 0600: opening
    # it ourselves with 0666 lets the umask decide, as for any other saved file.
    tmp = os.path.join(folder, f".layergrad-{uuid.uuid4().hex}.npz.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as e:
        raise type(e)(e.errno, f"save: cannot write {path}: {e.strerror}") from None
    try:
        _lock(fd)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
