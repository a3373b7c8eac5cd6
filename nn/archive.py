"""Reading a model's ``.npz`` file from an untrusted source, one checked step at a time, before any data.

:class:`Archive` opens a file that may be hostile: it refuses anything but a
regular file before reading a byte, bounds the zip directory before
:mod:`zipfile` parses it, checks each member's entry in the directory and its
``.npy`` header before reading any data, can decompress a member without
keeping it (:meth:`Archive.verify`) to learn whether it holds what it
claims, and reads data only into arrays of the size the header declared.
Every problem with the file's content raises :class:`ArchiveError`, which
:func:`nn.load` reports as the ``ValueError`` naming the file.
"""

from __future__ import annotations

import io
import math
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, NamedTuple

import numpy as np

__all__ = ["ArchiveError", "Archive", "Header", "open_regular", "MAX_MEMBERS", "MAX_DIRECTORY", "MAX_HEADER"]

MAX_MEMBERS = 65_536
"""The most arrays a model file may hold (a scalar-engine model stores one per weight)."""
MAX_DIRECTORY = 16 << 20
"""The largest zip directory read, in bytes (about 100 bytes per array in files that ``save`` writes)."""
MAX_HEADER = 10_000
"""The longest ``.npy`` header read, in bytes (numpy's own limit; ``np.save`` writes about 128)."""

_NPY_MAGIC = b"\x93NUMPY"
_EOCD = b"PK\x05\x06"  # end of central directory: what zipfile looks for first
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_CHUNK = 1 << 20  # data is read in chunks of this size into the array it fills
_TINY = 64  # the data of members this small is kept from reading their header (a scalar file: one per weight)


class ArchiveError(ValueError):
    """Why a file is not a readable model archive; :func:`nn.load` names the file around this text."""


class Header(NamedTuple):
    """What a member's ``.npy`` header declares, and where its data starts.

    Examples
    --------
    >>> Header((2, 3), np.dtype("float64"), False, 128).nbytes
    48
    """

    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool
    offset: int

    @property
    def nbytes(self) -> int:
        """The bytes of data the header declares."""
        return math.prod(self.shape) * self.dtype.itemsize


def _kind(mode: int) -> str:
    kinds = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket")]
    kinds += [(stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def open_regular(path: str) -> IO[bytes]:
    """Open ``path`` for reading if it is a regular file; never blocks on a pipe or device.

    The file is checked with :func:`os.stat` before it is opened and again on
    the open descriptor, and opened with ``O_NONBLOCK`` where the system has
    it, so a FIFO swapped in between cannot make the open wait for a writer.

    Parameters
    ----------
    path : str
        The file to open.

    Returns
    -------
    file
        The file, opened in binary mode.

    Raises
    ------
    ArchiveError
        When ``path`` is a folder, a pipe, a device or a socket.
    FileNotFoundError
        When there is nothing at ``path``.

    Examples
    --------
    >>> import tempfile
    >>> open_regular(tempfile.gettempdir())
    Traceback (most recent call last):
    ...
    nn.archive.ArchiveError: it is a folder, not a file
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise ArchiveError(f"it is {_kind(mode)}, not a file")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # replaced between the two calls
            raise ArchiveError(f"it is {_kind(mode)}, not a file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _sniff(f: IO[bytes]) -> str | None:
    """Why the open file is not a zip archive (None when it starts like one); reads only a header."""
    head = f.read(6)
    if head[:4] in (b"PK\x03\x04", _EOCD):
        return None
    if not head:
        return "the file is empty"
    if head == _NPY_MAGIC:
        f.seek(0)
        try:
            _npy_header(f.read(12 + MAX_HEADER), "the file")
            pickled = False
        except ArchiveError as e:
            pickled = "pickled" in str(e)
        if pickled:
            return "it is a .npy array of pickled Python objects, which layergrad never loads"
        return "it is a single .npy array, not a layergrad .npz archive"
    if head[:1] == b"\x80":
        return "it is a Python pickle, which layergrad never loads"
    return "it is not an .npz archive"


def _read_exact(f: IO[bytes], n: int, what: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise ArchiveError(f"the archive is truncated or damaged: {what} ends early")
    return data


def _npy_header(head: bytes, what: str, seen: dict[bytes, Header] | None = None) -> Header:
    """The ``.npy`` header at the start of ``head`` (at most :data:`MAX_HEADER` bytes of it are parsed).

    Only numbers are accepted (float, signed and unsigned int, of at most 8
    bytes).  ``seen`` caches the headers parsed (a scalar-engine file repeats
    one header thousands of times).
    """
    if len(head) < 10:
        raise ArchiveError(f"the archive is truncated or damaged: {what} ends early")
    if head[:6] != _NPY_MAGIC:
        raise ArchiveError(f"{what} is not a .npy array")
    version = (head[6], head[7])
    if version not in ((1, 0), (2, 0)):
        raise ArchiveError(f"{what} is a .npy array of format version {version}; expected (1, 0) or (2, 0)")
    start = 10 if version == (1, 0) else 12
    length = int.from_bytes(head[8:start], "little")
    if length > MAX_HEADER:
        raise ArchiveError(f"{what} has a .npy header of {length:,} bytes; at most {MAX_HEADER:,} are read")
    if len(head) < start + length:
        raise ArchiveError(f"the archive is truncated or damaged: {what} ends early")
    text = head[6 : start + length]
    known = seen.get(text) if seen is not None else None
    if known is not None:
        return known
    fmt = np.lib.format
    read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
    try:
        shape, fortran_order, dtype = read(io.BytesIO(head[8 : start + length]))
    except Exception as e:  # numpy's parser raises ValueError and others for a damaged header
        raise ArchiveError(f"{what} has a damaged .npy header ({e})") from None
    if dtype.hasobject:
        raise ArchiveError("it contains pickled data, which layergrad never loads")
    if dtype.kind not in "fiu" or dtype.itemsize > 8:
        raise ArchiveError(f"{what} holds {dtype} values; model files hold numbers (float or int)")
    if any(n < 0 for n in shape):
        raise ArchiveError(f"{what} declares the shape {shape}, with a negative size")
    header = Header(tuple(shape), dtype, fortran_order, start + length)
    if seen is not None and length <= 256:
        seen[text] = header
    return header


def _directory_extent(f: IO[bytes], size: int) -> tuple[int, int]:
    """``(members, bytes)`` of the zip directory, found where :mod:`zipfile` will look, before it parses it.

    The members are counted by walking the directory's entries (at most
    :data:`MAX_MEMBERS` + 1 of them), since the count the end record gives
    may lie and zipfile reads as many entries as the directory's size holds.
    """
    if size < 22:
        raise ArchiveError("the archive is truncated or damaged: it is too short for a zip archive")
    start = max(size - (1 << 16) - 22, 0)  # the end record, then a comment of up to 64 KiB
    f.seek(start)
    tail = f.read()
    at = len(tail) - 22
    if not (tail[at : at + 4] == _EOCD and tail[-2:] == b"\0\0"):
        at = tail.rfind(_EOCD)
        if at < 0 or len(tail) - at < 22:
            raise ArchiveError("the archive is truncated or damaged: its zip directory is missing")
    (dir_bytes,) = struct.unpack("<I", tail[at + 12 : at + 16])
    end = start + at
    if end >= 76:  # a zip64 end record and its locator just before: zipfile then takes its sizes
        f.seek(end - 76)
        both = f.read(76)
        if both[56:60] == _EOCD64_LOCATOR and both[:4] == _EOCD64:
            (dir_bytes,), end = struct.unpack("<Q", both[40:48]), end - 76
    if dir_bytes > MAX_DIRECTORY:
        raise ArchiveError(f"its zip directory is {dir_bytes:,} bytes; a model file's is at most {MAX_DIRECTORY:,}")
    if dir_bytes > end:
        raise ArchiveError("the archive is truncated or damaged: its zip directory does not fit in it")
    f.seek(end - dir_bytes)
    directory = f.read(dir_bytes)
    members = pos = 0
    entry, lengths, last = b"PK\x01\x02", struct.Struct("<3H"), len(directory) - 46
    while members <= MAX_MEMBERS and pos <= last and directory.startswith(entry, pos):
        name, extra, comment = lengths.unpack_from(directory, pos + 28)
        members, pos = members + 1, pos + 46 + name + extra + comment
    return members, dir_bytes


@contextmanager
def _damaged() -> Iterator[None]:
    """Turn what zipfile and zlib raise for a damaged archive into an :class:`ArchiveError`."""
    try:
        yield
    except ArchiveError:
        raise
    except Exception as e:  # zipfile raises many kinds (BadZipFile, EOFError, OSError, struct.error, ...)
        raise ArchiveError(f"the archive is truncated or damaged: {e}") from None


class Archive:
    """An ``.npz`` file opened for checked reading: its directory is read and checked, no member yet.

    Parameters
    ----------
    path : str
        The file to read (see :func:`open_regular`).

    Attributes
    ----------
    members : dict of str to zipfile.ZipInfo
        Each array's directory entry, by the array's name (the member name
        without ``.npy``), in the order of the archive.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
    >>> np.savez(path, w=np.ones((2, 3)))
    >>> with Archive(path) as a:
    ...     h = a.header("w")
    ...     h.shape, a.read("w", h).sum()
    ((2, 3), np.float64(6.0))
    """

    def __init__(self, path: str) -> None:
        self._file = open_regular(path)
        try:
            self.size = os.fstat(self._file.fileno()).st_size
            why = _sniff(self._file)
            if why:
                raise ArchiveError(why)
            members, _ = _directory_extent(self._file, self.size)
            if members > MAX_MEMBERS:
                raise ArchiveError(
                    f"its zip directory lists more than {MAX_MEMBERS:,} members, the most a model file has"
                )
            with _damaged():
                self._zip = zipfile.ZipFile(self._file)
            self.members = self._check_directory()
            self._seen: dict[bytes, Header] = {}
            self._tiny: dict[str, bytes] = {}
        except BaseException:
            self._file.close()
            raise

    def _check_directory(self) -> dict[str, zipfile.ZipInfo]:
        found: dict[str, zipfile.ZipInfo] = {}
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ArchiveError(f"it holds {len(infos):,} members; a model file has at most {MAX_MEMBERS:,}")
        for info in infos:
            name = info.filename
            if not name.endswith(".npy") or name == ".npy":
                raise ArchiveError(f"it holds the member {name!r}, which is not a .npy array")
            if name[:-4] in found:
                raise ArchiveError(f"it lists the member {name!r} twice")
            if info.flag_bits & 0x1:
                raise ArchiveError(f"the member {name!r} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ArchiveError(
                    f"the member {name!r} is compressed with zip method {info.compress_type}; model files use "
                    f"none ({zipfile.ZIP_STORED}) or deflate ({zipfile.ZIP_DEFLATED}), as numpy writes them"
                )
            stored = info.compress_type == zipfile.ZIP_STORED
            fits = 0 <= info.header_offset and info.header_offset + info.compress_size <= self.size
            if (stored and info.compress_size != info.file_size) or not fits:
                raise ArchiveError(f"the archive is truncated or damaged: the member {name!r} does not fit in it")
            found[name[:-4]] = info
        return found

    def _head(self, info: zipfile.ZipInfo) -> bytes:
        """A member's first bytes, enough for its header (all of it when small), read in one go."""
        size = min(info.file_size, 12 + MAX_HEADER)
        if info.compress_type != zipfile.ZIP_STORED:
            with self._open(info.filename[:-4]) as f, _damaged():
                return f.read(size)
        # a stored member is read straight from the file: zipfile.open costs 10 times more, and a
        # scalar-engine file has one member per weight (the checks are zipfile's own)
        with _damaged():
            return self._stored_head(info, size)

    def _stored_head(self, info: zipfile.ZipInfo, size: int) -> bytes:
        self._file.seek(info.header_offset)
        local = self._file.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise ArchiveError(f"the archive is truncated or damaged: no local header for {info.filename!r}")
        flags, name_len, extra_len = struct.unpack("<H", local[6:8])[0], *struct.unpack("<HH", local[26:30])
        raw = self._file.read(name_len)
        name = raw.decode("ascii") if raw.isascii() else raw.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        if name != info.orig_filename:
            raise ArchiveError(
                f"the archive is truncated or damaged: {info.filename!r} is named {name!r} in its header"
            )
        self._file.seek(extra_len, os.SEEK_CUR)
        head = self._file.read(size)
        if len(head) == info.file_size and zlib.crc32(head) != info.CRC:
            raise ArchiveError(f"the archive is truncated or damaged: bad CRC-32 for {info.filename!r}")
        return head

    def _open(self, name: str) -> IO[bytes]:
        with _damaged():
            return self._zip.open(self.members[name])

    def header(self, name: str) -> Header:
        """The ``.npy`` header of the array ``name``, checked against the directory; no data is read.

        Only numbers (float, signed and unsigned int, of at most 8 bytes)
        are accepted, and the member's size in the directory must be the
        header's plus the data it declares.  (The data of a tiny member,
        read with its header, is kept for :meth:`read`.)
        """
        info = self.members[name]
        head = self._head(info)
        header = _npy_header(head, f"the member {info.filename!r}", self._seen)
        nbytes = header.nbytes
        if info.file_size != header.offset + nbytes:
            raise ArchiveError(
                f"the member {info.filename!r} holds {info.file_size - header.offset:,} bytes of data, but its "
                f"header declares {nbytes:,} (shape {header.shape}, {header.dtype})"
            )
        if nbytes <= _TINY and len(head) == info.file_size:  # read to its end, so its CRC is checked
            self._tiny[name] = head[header.offset :]
        return header

    def verify(self, name: str) -> None:
        """Decompress the member ``name`` without keeping it, to check its size and CRC before space is made for it.

        A stored member's bytes are in the file (the directory check saw to
        that); a compressed one of a few kilobytes may claim a gigabyte, and
        only decompressing it tells whether it holds what it claims.
        """
        info = self.members[name]
        if info.compress_type == zipfile.ZIP_STORED or name in self._tiny:
            return
        done = 0
        with self._open(name) as f, _damaged():
            while chunk := f.read(_CHUNK):
                done += len(chunk)
        if done != info.file_size:
            raise ArchiveError(f"the archive is truncated or damaged: {info.filename!r} ends early")

    def read(self, name: str, header: Header) -> np.ndarray:
        """The array ``name``, whose :meth:`header` is ``header``, read into an array of that size."""
        info = self.members[name]
        flat = np.empty(math.prod(header.shape), dtype=header.dtype)
        raw = flat.view(np.uint8)
        tiny = self._tiny.pop(name, None)
        if tiny is not None:
            raw[:] = np.frombuffer(tiny, dtype=np.uint8)
        else:
            with self._open(name) as f, _damaged():
                _read_exact(f, header.offset, f"the member {info.filename!r}")
                done = 0
                while done < header.nbytes:
                    chunk = f.read(min(header.nbytes - done, _CHUNK))
                    if not chunk:
                        raise ArchiveError(f"the archive is truncated or damaged: {info.filename!r} ends early")
                    raw[done : done + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
                    done += len(chunk)
                if f.read(1):  # reading to the end also makes zipfile check the member's CRC
                    raise ArchiveError(f"the member {info.filename!r} holds more data than its header declares")
        if header.fortran_order:
            return flat.reshape(header.shape[::-1]).transpose()
        return flat.reshape(header.shape)

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
