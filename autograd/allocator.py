"""Opt-in: let the C allocator keep freed memory for the next training step instead of returning it to the OS.

glibc's ``malloc`` gives large freed blocks back to the operating system
(the top of its heap is trimmed, big blocks are unmapped), so a training loop
that frees its graph after every step gets the same pages faulted back in on
the next one: thousands of page faults a step on a 784-512-512-10 MLP.
:func:`reuse_freed_memory` raises glibc's trim and mmap thresholds, so the
freed memory stays in the process and the next step reuses it.  The setting
is process-wide (it also applies to numpy, torch and everything else in the
process), which is why layergrad never applies it by itself.  The same can be
done without code by starting Python with ``MALLOC_TRIM_THRESHOLD_``,
``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TOP_PAD_`` set in the environment.
"""

from __future__ import annotations

import sys

__all__ = ["reuse_freed_memory"]

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_MIB = 1 << 20


def reuse_freed_memory(keep_mib: int = 256, mmap_mib: int = 32) -> bool:
    """Ask glibc's malloc to keep up to ``keep_mib`` MiB of freed memory for reuse; True if it was applied.

    Blocks up to ``mmap_mib`` MiB come from the reusable heap instead of
    being mapped and unmapped one by one (32 MiB is glibc's own upper limit
    for this).  Returns False, changing nothing, where the C library is not
    glibc (macOS, Windows, musl).  Process-wide and permanent for the process.

    Examples
    --------
    >>> import autograd
    >>> autograd.reuse_freed_memory() in (True, False)
    True
    >>> autograd.reuse_freed_memory(keep_mib=-1)
    Traceback (most recent call last):
    ...
    ValueError: reuse_freed_memory: keep_mib must be an int in 1..4096, got -1
    """
    for name, value, hi in (("keep_mib", keep_mib, 4096), ("mmap_mib", mmap_mib, 32)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= hi:
            raise ValueError(f"reuse_freed_memory: {name} must be an int in 1..{hi}, got {value!r}")
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # NOTE: here, not at the top: `import autograd` stays free of ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
        if not hasattr(libc, "gnu_get_libc_version"):  # not glibc (musl has mallopt but ignores it)
            return False
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    ok = mallopt(_M_MMAP_THRESHOLD, mmap_mib * _MIB)
    ok &= mallopt(_M_TRIM_THRESHOLD, keep_mib * _MIB)
    ok &= mallopt(_M_TOP_PAD, min(keep_mib, 16) * _MIB)
    return bool(ok)
