"""Hand-made model files for the tests of untrusted input: zip archives byte by byte, .npy headers without data, bombs.

``zip_bytes`` writes an archive from members given as raw bytes with any
declared sizes and CRCs, so a test can make the directory lie; ``npy`` makes
a ``.npy`` header for any shape without the data; ``deflated_zeros`` makes the
deflate stream of gigabytes of zeros in a few megabytes (and milliseconds),
as the zip bombs of the reliability campaign did.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from typing import NamedTuple

import numpy as np

STORED, DEFLATED = 0, 8


class Member(NamedTuple):
    """One archive member: ``raw`` is what the file holds (compressed when ``method`` is DEFLATED)."""

    name: str
    raw: bytes
    method: int = STORED
    size: int | None = None  # the uncompressed size the directory declares (default: len(raw) when stored)
    crc: int | None = None  # default: the CRC of raw (right when stored)


def npy(shape, dtype="<f8", fortran_order=False) -> bytes:
    """A ``.npy`` header declaring ``shape`` and ``dtype``, as ``np.save`` writes it, without the data."""
    f = io.BytesIO()
    descr = np.lib.format.dtype_to_descr(np.dtype(dtype))
    np.lib.format.write_array_header_1_0(f, {"descr": descr, "fortran_order": fortran_order, "shape": tuple(shape)})
    return f.getvalue()


def npy_bytes(array) -> bytes:
    """A whole ``.npy`` file of ``array``."""
    f = io.BytesIO()
    np.save(f, np.asarray(array), allow_pickle=False)
    return f.getvalue()


def record(meta) -> bytes:
    """The ``__layergrad__`` member's ``.npy`` bytes for an architecture record (a dict, or raw text)."""
    text = meta if isinstance(meta, (bytes, str)) else json.dumps(meta)
    text = text.encode() if isinstance(text, str) else text
    return npy_bytes(np.frombuffer(text, dtype=np.uint8))


def mlp_meta(nin, nouts, **config) -> dict:
    """The architecture record ``save`` writes for ``MLP(nin, nouts)``."""
    config = {"nin": nin, "nouts": list(nouts), "activation": "relu", "engine": "tensor", "dtype": "float64", **config}
    return {"format": "layergrad-module", "version": 1, "class": "MLP", "config": config}


def deflated_zeros(prefix: bytes, nzeros: int) -> bytes:
    """A raw deflate stream of ``prefix`` and then ``nzeros`` zero bytes (a multiple of 16 MiB).

    A full flush resets the compressor, so the 16 KB that encode 16 MiB of
    zeros are the same each time and are simply repeated.
    """
    chunk = 1 << 24
    assert nzeros % chunk == 0
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(chunk)) + c.flush(zlib.Z_FULL_FLUSH)
    return head + block * (nzeros // chunk) + c.flush()


def zip_bytes(members: list[Member], comment: bytes = b"", zip64: bool = False) -> bytes:
    """A zip archive of ``members``, written field by field (nothing checks what the fields say).

    ``zip64`` ends it with the zip64 end records (as for more than 65,535 members).
    """
    out, central = bytearray(), bytearray()
    for m in members:
        name = m.name.encode()
        size = len(m.raw) if m.size is None else m.size
        crc = zlib.crc32(m.raw) if m.crc is None else m.crc
        fields = (m.method, 0, 0x21, crc, len(m.raw), size, len(name))
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, *fields, 0) + name + m.raw
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, *fields, 0, 0, 0, 0, 0, offset) + name
    n, start = len(members), len(out)
    out += central
    if zip64:
        record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, len(central), start)
        locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(out), 1)
        out += record + locator
        n, size, start = 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF
    else:
        size = len(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, size, start, len(comment))
    return bytes(out + end + comment)


def model_zip(meta, arrays: dict, extra: list[Member] = ()) -> bytes:
    """A model file: the record for ``meta``, ``arrays`` stored as ``np.save`` writes them, then ``extra``."""
    members = [Member(f"{k}.npy", npy_bytes(v)) for k, v in arrays.items()]
    return zip_bytes([*members, Member("__layergrad__.npy", record(meta)), *extra])
