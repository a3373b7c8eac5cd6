"""Untrusted model files (issue #15): every crafted or damaged file is refused quickly, cheaply and clearly.

Each file is built in a temporary folder (see ``tests.nn.crafted``).  The
bombs of the reliability campaign are kept as they were found: a 429-byte
file describing ``MLP(30000, [30000, 1])`` (about 7 GB of weights), and a
2 MB archive with a member that inflates to 2 GiB.  Each must be refused
with a ``ValueError`` in well under a second and without memory anywhere
near what it declares (``_refused`` measures both, the memory with
tracemalloc, which counts numpy's arrays); files that are not regular files
must be refused without blocking; and ``save`` must name what it was asked
to write and clean up only what interrupted saves of its own left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
import uuid
import zlib
from pathlib import Path

import numpy as np
import pytest

import nn
import nn.archive as archive
import nn.atomic as atomic
import nn.io as nnio
from tests.nn.crafted import DEFLATED, Member, deflated_zeros, mlp_meta, model_zip, npy, npy_bytes, record, zip_bytes

ROOT = Path(__file__).resolve().parents[2]
GiB = 1 << 30
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX file types and locks")


def _refused(path, match: str, max_mib: float = 32, max_seconds: float = 1.0, traced: bool = True) -> str:
    """Load ``path``: it must raise a ValueError matching ``match`` in ``max_seconds``, using under ``max_mib`` MiB.

    The time is measured on a first run and the memory (tracemalloc's peak,
    which counts numpy's arrays) on a second, since tracing slows Python down.
    """
    start = time.perf_counter()
    with pytest.raises(ValueError, match=match) as info:
        nn.load(path)
    elapsed = time.perf_counter() - start
    assert elapsed < max_seconds, f"took {elapsed:.2f} s"
    if not traced:
        return str(info.value)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=match):
            nn.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < max_mib * 2**20, f"peak allocation {peak / 2**20:.0f} MiB"
    return str(info.value)


def _small_model() -> dict:
    """The arrays of an ``MLP(2, [3, 1])``, by name."""
    return {k: np.asarray(v) for k, v in nn.MLP(2, [3, 1], seed=0).state_dict().items()}


def _write(tmp_path, data: bytes, name: str = "m.npz") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------
# the campaign's two bombs, and their relatives
# ---------------------------------------------------------------------------


def test_the_architecture_bomb_is_refused_before_anything_is_built(tmp_path):
    path = _write(tmp_path, zip_bytes([Member("__layergrad__.npy", record(mlp_meta(30000, [30000, 1])))]))
    assert path.stat().st_size == 429  # the campaign's file: before the fix, 14 GB for half a minute
    message = _refused(path, r"declares a MLP of 900,060,001 weights that take about 6\.7 GiB")
    assert "more than max_bytes=1,073,741,824 (1.0 GiB); pass a larger max_bytes" in message


@pytest.mark.parametrize(
    "meta, what",
    [
        (mlp_meta(30000, [30000, 1], engine="scalar"), "a MLP of 900,060,001 weights"),
        (dict(mlp_meta(1, [1]), **{"class": "Linear", "config": {"nin": 10**6, "nout": 10**6}}), "a Linear of"),
        (mlp_meta(2, [2**40, 1]), "a MLP of"),
        (
            dict(
                mlp_meta(1, [1]),
                **{
                    "class": "Sequential",
                    "config": {"modules": [{"class": "Layer", "config": {"nin": 10**5, "nout": 10**5}}]},
                },
            ),
            "a Sequential of",
        ),
    ],
    ids=["scalar-mlp", "linear", "wide-layer", "sequential-of-scalar-layer"],
)
def test_other_architecture_bombs(tmp_path, meta, what):
    path = _write(tmp_path, zip_bytes([Member("__layergrad__.npy", record(meta))]))
    _refused(path, f"declares {what}")


def test_a_model_under_the_limit_is_checked_against_the_arrays_before_it_is_built(tmp_path):
    # 512 MB of weights is allowed, but the file does not hold them: nothing may be allocated for them
    meta = mlp_meta(8000, [8000, 1])
    _refused(_write(tmp_path, model_zip(meta, {})), r"does not match its architecture: missing \['layers\.0\.weight'")
    small = _small_model()
    named = {"layers.0.weight": small["layers.0.weight"], "layers.0.bias": np.zeros(8000)}
    named |= {"layers.1.weight": np.zeros((8000, 1)), "layers.1.bias": np.zeros(1)}
    _refused(
        _write(tmp_path, model_zip(meta, named), "shapes.npz"),
        r"layers\.0\.weight has shape \(2, 3\) in the file but \(8000, 8000\) in the architecture",
    )
    # the right header, but the directory says the member holds only the header: the data is not there
    headers_only = [
        Member(f"{k}.npy", npy(v.shape if k != "layers.0.weight" else (8000, 8000))) for k, v in named.items()
    ]
    lying = zip_bytes([*headers_only, Member("__layergrad__.npy", record(meta))])
    _refused(_write(tmp_path, lying, "lying.npz"), r"holds 0 bytes of data, but its header declares 512,000,000")


def test_a_compressed_member_that_claims_more_than_it_holds_is_refused_before_the_model_is_built(tmp_path):
    # a few KB of deflate data that declare 512 MB: decompressing it (and dropping the output) finds out
    meta = mlp_meta(8000, [8000, 1])
    arrays = {"layers.0.bias": np.zeros(8000), "layers.1.weight": np.zeros((8000, 1)), "layers.1.bias": np.zeros(1)}
    header = npy((8000, 8000))
    short = deflated_zeros(header, 1 << 24)[:-200]  # 16 MiB of the 512 MB, and cut
    weight = Member("layers.0.weight.npy", short, DEFLATED, size=len(header) + 8000 * 8000 * 8, crc=0)
    _refused(_write(tmp_path, model_zip(meta, arrays, [weight])), "truncated or damaged")


def test_the_zip_bomb_is_refused_without_decompressing_it(tmp_path):
    header = npy((2 * GiB // 8,))
    junk = Member("junk.npy", deflated_zeros(header, 2 * GiB), DEFLATED, size=len(header) + 2 * GiB, crc=0)
    path = _write(tmp_path, model_zip(mlp_meta(2, [3, 1]), _small_model(), [junk]))
    assert path.stat().st_size < 2_200_000  # the campaign's 2 MB file: before the fix, 2 GiB of memory
    _refused(path, r"does not match its architecture: missing \[\], unexpected \['junk'\]")


@pytest.mark.parametrize("header", [npy((2 * GiB // 8,)), npy((2, 3))], ids=["header-agrees", "header-small"])
def test_a_parameter_that_inflates_to_gigabytes_is_refused_from_the_directory(tmp_path, header):
    arrays = _small_model()
    del arrays["layers.0.weight"]
    bomb = Member("layers.0.weight.npy", deflated_zeros(header, 2 * GiB), DEFLATED, size=len(header) + 2 * GiB, crc=0)
    path = _write(tmp_path, model_zip(mlp_meta(2, [3, 1]), arrays, [bomb]))
    _refused(path, r"the member 'layers\.0\.weight\.npy' is 2,147,483,\d+ bytes, more than a \(2, 3\) array")


def test_a_directory_that_understates_a_bomb_stops_at_the_size_it_declares(tmp_path):
    # the directory says 176 bytes (the right size for a (2, 3) array), the stream goes on for 2 GiB
    arrays = _small_model()
    del arrays["layers.0.weight"]
    header = npy((2, 3))
    bomb = Member("layers.0.weight.npy", deflated_zeros(header, 2 * GiB), DEFLATED, size=len(header) + 48, crc=0)
    path = _write(tmp_path, model_zip(mlp_meta(2, [3, 1]), arrays, [bomb]))
    _refused(path, "truncated or damaged: .*CRC")


def test_an_architecture_record_bomb_is_refused(tmp_path):
    header = npy((2 * GiB,), dtype="u1")
    bomb = Member("__layergrad__.npy", deflated_zeros(header, 2 * GiB), DEFLATED, size=len(header) + 2 * GiB, crc=0)
    path = _write(tmp_path, zip_bytes([bomb]))
    _refused(path, r"its architecture record is 2,147,483,\d+ bytes; at most 1,048,576 are read")
    # a small member whose header claims 2 GiB of text
    path = _write(tmp_path, zip_bytes([Member("__layergrad__.npy", npy((2 * GiB,), dtype="u1"))]), "claims.npz")
    _refused(path, "holds 0 bytes of data, but its header declares 2,147,483,648")


def test_the_bomb_helper_makes_real_bombs():
    """The bombs above are real: the deflate stream inflates to what the directory says."""
    data = zlib.decompress(deflated_zeros(b"head", 2 << 24), -15)
    assert len(data) == 4 + (2 << 24) and data[:4] == b"head" and not any(data[4:100])


# ---------------------------------------------------------------------------
# max_bytes
# ---------------------------------------------------------------------------


def test_max_bytes_limits_the_parameters_and_can_be_raised(tmp_path):
    net = nn.MLP(64, [64, 1], seed=0)  # 4,225 float64 weights: 33,800 bytes
    path = net.save(tmp_path / "m")
    with pytest.raises(ValueError, match=r"declares a MLP of 4,225 weights .*33,800 bytes.* max_bytes=33,799 "):
        nn.load(path, max_bytes=33_799)
    again = nn.load(path, max_bytes=33_800)
    np.testing.assert_array_equal(again.layers[0].weight.data, net.layers[0].weight.data)


def test_max_bytes_counts_a_scalar_weight_as_the_memory_it_takes(tmp_path):
    path = nn.MLP(3, [4, 1], engine="scalar", seed=0).save(tmp_path / "m")  # 21 weights
    with pytest.raises(ValueError, match=r"21 weights .*4,704 bytes"):
        nn.load(path, max_bytes=4_703)
    assert nn.load(path, max_bytes=4_704).engine == "scalar"


@pytest.mark.parametrize("bad", [-1, True, 1.5, "1 GiB", None])
def test_max_bytes_must_be_a_number_of_bytes(tmp_path, bad):
    path = nn.MLP(2, [1]).save(tmp_path / "m")
    with pytest.raises(ValueError, match="load: max_bytes must be a number of bytes"):
        nn.load(path, max_bytes=bad)


# ---------------------------------------------------------------------------
# .npy headers
# ---------------------------------------------------------------------------


def _with_weight(raw: bytes, **member) -> bytes:
    """The small model's file with ``layers.0.weight.npy`` replaced by ``raw``."""
    arrays = _small_model()
    del arrays["layers.0.weight"]
    return model_zip(mlp_meta(2, [3, 1]), arrays, [Member("layers.0.weight.npy", raw, **member)])


def _header(text: str, version: int = 1) -> bytes:
    body = text.encode("latin1") + b"\n"
    size = struct.pack("<H" if version == 1 else "<I", len(body))
    return b"\x93NUMPY" + bytes([version, 0]) + size + body


@pytest.mark.parametrize(
    "raw, why",
    [
        (b"PK\x03\x04 not numpy" + bytes(48), "is not a .npy array"),
        (b"\x93NUMPY\x03\x00" + bytes(60), r"format version \(3, 0\)"),
        (b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**32 - 1) + bytes(60), "has a .npy header of 4,294,967,295 bytes"),
        (b"\x93NUMPY\x01\x00" + struct.pack("<H", 60000) + bytes(60), "has a .npy header of 60,000 bytes"),
        (b"\x93NU", "ends early"),
        (_header("[1, 2, 3]") + bytes(48), "damaged .npy header"),
        (_header("{'descr': '<f8', 'fortran_order': False}") + bytes(48), "damaged .npy header"),
        (_header("{'descr': '<f8', 'fortran_order': 'no', 'shape': (2, 3)}") + bytes(48), "damaged .npy header"),
        (_header("{'descr': '<f8', 'fortran_order': False, 'shape': [2, 3]}") + bytes(48), "damaged .npy header"),
        (_header("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, -3)}") + bytes(48), "negative size"),
        (_header("{'descr': 'nonsense', 'fortran_order': False, 'shape': (2, 3)}") + bytes(48), "damaged .npy header"),
        (_header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}", version=2) + bytes(48), None),
        (npy((2, 3), "<c16") + bytes(96), "holds complex128 values; model files hold numbers"),
        (npy((2, 3), "?") + bytes(6), "holds bool values"),
        (npy((2, 3), "<U4") + bytes(96), "holds <U4 values"),
        (npy((2, 3), [("a", "<f8")]) + bytes(48), "holds .* values"),
        (npy((2, 3), "<f16") + bytes(96), "holds float128 values"),
        (npy((2, 3), "O") + bytes(48), "it contains pickled data, which layergrad never loads"),
        (npy((2, 3)) + bytes(40), r"holds 40 bytes of data, but its header declares 48 \(shape \(2, 3\), float64\)"),
        (npy((2, 3)) + bytes(56), "holds 56 bytes of data, but its header declares 48"),
        (npy((3, 2)) + bytes(48), r"layers\.0\.weight has shape \(3, 2\) in the file but \(2, 3\) in the architecture"),
        (npy(()) + bytes(8), r"has shape \(\) in the file"),
    ],
)
def test_bad_npy_headers_are_refused(tmp_path, raw, why):
    path = _write(tmp_path, _with_weight(raw))
    if why is None:  # a version 2.0 header is fine
        assert nn.load(path).layers[0].weight.shape == (2, 3)
        return
    _refused(path, why)


@pytest.mark.parametrize("raw", [npy((2, 3)), b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**32 - 1)])
def test_bad_headers_of_the_architecture_record_are_refused(tmp_path, raw):
    arrays = _small_model()
    members = [Member(f"{k}.npy", npy_bytes(v)) for k, v in arrays.items()]
    path = _write(tmp_path, zip_bytes([*members, Member("__layergrad__.npy", raw + bytes(48))]))
    _refused(path, "not a readable layergrad model file .*(not text|header of 4,294,967,295 bytes)")


def test_arrays_in_any_layout_numpy_writes_load_with_their_values(tmp_path):
    weight = np.arange(6.0).reshape(2, 3)
    for name, array in [
        ("fortran", np.asfortranarray(weight)),
        ("big-endian", weight.astype(">f8")),
        ("float32", weight.astype(np.float32)),
        ("int", weight.astype(np.int32)),
    ]:
        path = _write(tmp_path, _with_weight(npy_bytes(array)), f"{name}.npz")
        np.testing.assert_array_equal(nn.load(path).layers[0].weight.data, weight, err_msg=name)


def test_a_compressed_model_file_loads(tmp_path):
    net = nn.MLP(3, [4, 2], seed=1)
    with np.load(net.save(tmp_path / "plain")) as z:
        np.savez_compressed(tmp_path / "c.npz", **{k: z[k] for k in z.files})
    np.testing.assert_array_equal(nn.load(tmp_path / "c.npz")(np.ones((1, 3))).data, net(np.ones((1, 3))).data)


# ---------------------------------------------------------------------------
# the zip directory
# ---------------------------------------------------------------------------


def _good_members() -> list[Member]:
    return [Member(f"{k}.npy", npy_bytes(v)) for k, v in _small_model().items()] + [
        Member("__layergrad__.npy", record(mlp_meta(2, [3, 1])))
    ]


@pytest.mark.parametrize(
    "edit, why",
    [
        (lambda ms: ms + [Member("README.txt", b"hello")], "the member 'README.txt', which is not a .npy array"),
        (lambda ms: ms + [Member(".npy", npy_bytes(np.ones(1)))], "the member '.npy', which is not a .npy array"),
        (lambda ms: ms + [ms[0]], r"lists the member 'layers\.0\.weight\.npy' twice"),
        (lambda ms: [ms[0]._replace(method=12), *ms[1:]], "compressed with zip method 12"),
        (lambda ms: [ms[0]._replace(method=99), *ms[1:]], "compressed with zip method 99"),
        (lambda ms: [ms[0]._replace(size=10**6), *ms[1:]], "does not fit in it"),
        (lambda ms: [ms[0]._replace(crc=12345), *ms[1:]], "truncated or damaged: bad CRC-32"),
        (lambda ms: [ms[0]._replace(raw=b"x" * 176, method=DEFLATED, size=176), *ms[1:]], "truncated or damaged"),
        (lambda ms: [Member("layers.0.W.npy", ms[0].raw), *ms[1:]], r"missing \['layers\.0\.weight'\]"),
        (lambda ms: ms[1:], r"missing \['layers\.0\.weight'\], unexpected \[\]"),
        (lambda ms: ms[:-1], "it has no layergrad architecture record"),
        (lambda ms: [], "it has no layergrad architecture record"),
    ],
)
def test_bad_directories_are_refused(tmp_path, edit, why):
    _refused(_write(tmp_path, zip_bytes(edit(_good_members()))), why)


def test_an_encrypted_member_is_refused(tmp_path):
    data = bytearray(zip_bytes(_good_members()))
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 1  # the encryption flag of the first entry of the directory
    _refused(_write(tmp_path, bytes(data)), "is encrypted")


def test_a_local_header_that_disagrees_with_the_directory_is_refused(tmp_path):
    data = bytearray(zip_bytes(_good_members()))
    at = data.index(b"layers.0.weight.npy")  # the first occurrence is the local header's
    data[at : at + 6] = b"LAYERS"
    _refused(_write(tmp_path, bytes(data)), r"'layers\.0\.weight\.npy' is named 'LAYERS\.0\.weight\.npy' in its header")


def test_a_zip_comment_is_fine(tmp_path):
    path = _write(tmp_path, zip_bytes(_good_members(), comment=b"PK made by hand" * 100))
    assert nn.load(path).layers[1].weight.shape == (3, 1)


def test_a_directory_with_too_many_members_is_refused_before_it_is_parsed(tmp_path):
    many = [Member(f"{i}.npy", b"") for i in range(archive.MAX_MEMBERS + 1)]  # more than 65,535: zip64
    data = bytearray(zip_bytes(many, zip64=True))
    why = f"its zip directory lists more than {archive.MAX_MEMBERS:,} members, the most a model file has"
    _refused(_write(tmp_path, bytes(data)), why, traced=False)  # (counting 65,537 entries under tracemalloc is slow)
    # the end record's count (here 1) may lie: the entries are counted
    record = data.rindex(b"PK\x06\x06")
    data[record + 24 : record + 40] = struct.pack("<QQ", 1, 1)
    _refused(_write(tmp_path, bytes(data), "lying.npz"), why, traced=False)


def test_a_zip64_directory_is_read_as_zipfile_reads_it(tmp_path):
    assert nn.load(_write(tmp_path, zip_bytes(_good_members(), zip64=True))).layers[0].weight.shape == (2, 3)


def test_a_directory_too_large_to_parse_is_refused(tmp_path):
    long_names = [Member(f"{i:05d}{'x' * 60000}.npy", b"") for i in range(300)]  # 18 MB of names
    _refused(
        _write(tmp_path, zip_bytes(long_names)), r"its zip directory is 18,\d{3},\d{3} bytes; a model file's is at"
    )


def test_a_directory_that_lies_about_its_place_is_refused(tmp_path):
    data = bytearray(zip_bytes(_good_members()))
    end = data.rindex(b"PK\x05\x06")
    data[end + 16 : end + 20] = struct.pack("<L", 2**32 - 1)  # the directory's offset: past the end of the file
    _refused(_write(tmp_path, bytes(data)), "truncated or damaged")


# ---------------------------------------------------------------------------
# files that are not regular files
# ---------------------------------------------------------------------------


def _must_not_hang(fn, seconds: float = 5.0):
    """Run ``fn`` in a thread; fail (instead of hanging the test run) if it has not returned in ``seconds``."""
    outcome: list = []

    def run():
        try:
            outcome.append(("returned", fn()))
        except BaseException as e:  # noqa: BLE001 - handed to the test
            outcome.append(("raised", e))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still blocked after {seconds} s"
    return outcome[0]


@POSIX
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "m.npz"
    os.mkfifo(fifo)
    try:
        kind, result = _must_not_hang(lambda: nn.load(fifo))
    finally:
        _unblock(fifo)
    assert kind == "raised" and isinstance(result, ValueError)
    assert "m.npz is not a readable layergrad model file (it is a named pipe (FIFO), not a file)" in str(result)


def _unblock(fifo) -> None:
    """Open the FIFO's other end, so a reader stuck in open() (a failed test) gets going."""
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


@POSIX
def test_a_fifo_swapped_in_after_the_check_does_not_block(tmp_path, monkeypatch):
    fifo, regular = tmp_path / "m.npz", tmp_path / "regular"
    os.mkfifo(fifo)
    regular.write_bytes(b"x")
    real_stat = os.stat

    def stat(p, *args, **kwargs):  # the check sees a regular file where the FIFO is
        return real_stat(regular if os.fspath(p) == str(fifo) else p, *args, **kwargs)

    monkeypatch.setattr(archive.os, "stat", stat)
    try:
        kind, result = _must_not_hang(lambda: nn.load(fifo))
    finally:
        monkeypatch.undo()
        _unblock(fifo)
    assert kind == "raised" and "it is a named pipe (FIFO), not a file" in str(result)


@POSIX
def test_a_symlink_to_a_fifo_is_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "m.npz").symlink_to(tmp_path / "pipe")
    kind, result = _must_not_hang(lambda: nn.load(tmp_path / "m.npz"))
    assert kind == "raised" and "named pipe (FIFO)" in str(result)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused(device):
    kind, result = _must_not_hang(lambda: nn.load(device))
    assert kind == "raised" and f"load: {device} is not a readable" in str(result)
    assert "it is a character device, not a file" in str(result)


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "m.npz").mkdir()
    _refused(tmp_path / "m.npz", r"m\.npz is not a readable layergrad model file \(it is a folder, not a file\)")


@POSIX
def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s.npz"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
    except OSError:  # the path is too long for a socket on this system
        pytest.skip("cannot bind a socket here")
    try:
        _refused(path, "it is a socket, not a file")
    finally:
        sock.close()


# ---------------------------------------------------------------------------
# save: where it writes, and what it cleans up
# ---------------------------------------------------------------------------


def test_saving_into_a_missing_folder_names_the_target(tmp_path):
    target = tmp_path / "nowhere" / "m"
    with pytest.raises(FileNotFoundError) as info:
        nn.save(nn.MLP(2, [1]), target)
    message = str(info.value)
    assert f"save: cannot write {target}.npz: the folder {tmp_path / 'nowhere'} does not exist" in message
    assert ".layergrad-" not in message and ".tmp" not in message
    assert os.listdir(tmp_path) == []


def test_saving_below_a_file_names_the_target(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(NotADirectoryError, match=r"cannot write .*notes\.txt.m\.npz: the folder .*notes\.txt is not a"):
        nn.save(nn.MLP(2, [1]), tmp_path / "notes.txt" / "m")


@pytest.mark.parametrize(
    "given, why",
    [
        ("folder" + os.sep, "names a folder; give a file name, such as "),
        ("folder", "names a folder"),
        ("new" + os.sep, "names a folder"),
        (os.path.join("folder", ".."), "names a folder"),
        ("m.npz", "names a folder"),
        ("m", r"m\.npz is a folder; give another file name"),
    ],
)
def test_a_path_that_names_a_folder_is_refused(tmp_path, given, why):
    (tmp_path / "folder").mkdir()
    (tmp_path / "m.npz").mkdir()
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(IsADirectoryError, match=f"save: .*{why}"):
        nn.save(nn.MLP(2, [1]), os.path.join(str(tmp_path), given))
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # no hidden folder/.npz


def test_save_refuses_a_model_that_load_would_refuse(tmp_path, monkeypatch):
    monkeypatch.setattr(nnio, "MAX_MEMBERS", 20)
    with pytest.raises(ValueError, match=r"save: this MLP has 21 parameters, and a model file holds at most 20"):
        nn.MLP(3, [4, 1], engine="scalar").save(tmp_path / "m")
    assert os.listdir(tmp_path) == []
    nn.MLP(3, [4, 1]).save(tmp_path / "m")  # 4 arrays


def test_an_empty_path_is_refused():
    with pytest.raises(ValueError, match="save: the path is empty"):
        nn.save(nn.MLP(2, [1]), "")


def _temp_name() -> str:
    return f".layergrad-{uuid.uuid4().hex}.npz.tmp"


def _age(path, seconds: float = 120) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old), follow_symlinks=False)


@POSIX
def test_a_killed_save_leaves_a_temp_file_that_the_next_save_removes(tmp_path):
    code = (
        "import os, signal, sys\n"
        "import numpy as np\n"
        "import nn\n"
        "def dying_savez(f, **arrays):\n"
        "    f.write(b'PK\\x03\\x04 half an archive')\n"
        "    f.flush()\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "np.savez = dying_savez\n"
        "nn.save(nn.MLP(2, [1]), sys.argv[1])\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "m")], cwd=ROOT, timeout=120)
    assert done.returncode == -signal.SIGKILL
    (left,) = os.listdir(tmp_path)  # the campaign's finding: the temp file stays
    assert atomic.TEMP_NAME.fullmatch(left)
    nn.save(nn.MLP(2, [1]), tmp_path / "m")
    assert sorted(os.listdir(tmp_path)) == sorted([left, "m.npz"])  # too recent: it may be a save in progress
    _age(tmp_path / left)
    nn.save(nn.MLP(2, [1]), tmp_path / "other")
    assert sorted(os.listdir(tmp_path)) == ["m.npz", "other.npz"]


def test_only_old_temp_files_of_our_own_naming_are_removed(tmp_path):
    stale, fresh = _temp_name(), _temp_name()
    decoys = [
        ".layergrad-xyz.npz.tmp",
        _temp_name().upper(),
        _temp_name() + ".bak",
        "x" + _temp_name(),
        _temp_name()[1:],
        "notes.tmp",
        "m.npz",
    ]
    for name in [stale, fresh, *decoys]:
        (tmp_path / name).write_bytes(b"data")
    folder = tmp_path / _temp_name()
    folder.mkdir()
    for name in [stale, *decoys, folder.name]:
        _age(tmp_path / name)
    nn.save(nn.MLP(2, [1]), tmp_path / "m")
    assert sorted(os.listdir(tmp_path)) == sorted([fresh, *decoys, folder.name])
    assert (tmp_path / "m.npz").read_bytes()[:2] == b"PK"


@POSIX
def test_a_symlink_named_like_a_temp_file_is_left_alone(tmp_path):
    keep = tmp_path / "keep.txt"
    keep.write_text("mine")
    link = tmp_path / _temp_name()
    link.symlink_to(keep)
    _age(keep)
    _age(link)
    nn.save(nn.MLP(2, [1]), tmp_path / "m")
    assert link.is_symlink() and keep.read_text() == "mine"


@POSIX
def test_an_old_temp_file_that_a_save_still_holds_is_left_alone(tmp_path):
    import fcntl

    busy = tmp_path / _temp_name()
    busy.write_bytes(b"half")
    _age(busy)
    with open(busy, "rb") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # as a stalled save holds its temp file
        nn.save(nn.MLP(2, [1]), tmp_path / "m")
        assert busy.exists()
    nn.save(nn.MLP(2, [1]), tmp_path / "m")
    assert not busy.exists()


def test_remove_stale_temps_reports_what_it_removed(tmp_path):
    name = _temp_name()
    (tmp_path / name).write_bytes(b"")
    assert atomic.remove_stale_temps(str(tmp_path)) == []
    _age(tmp_path / name)
    assert atomic.remove_stale_temps(str(tmp_path)) == [name]
    assert atomic.remove_stale_temps(str(tmp_path / "missing")) == []


def test_module_load_passes_max_bytes_on(tmp_path) -> None:
    import nn

    path = str(tmp_path / "m.npz")
    nn.MLP(2, [3, 1], seed=0).save(path)
    assert isinstance(nn.MLP.load(path), nn.MLP)
    with pytest.raises(ValueError, match="max_bytes"):
        nn.MLP.load(path, max_bytes=16)
