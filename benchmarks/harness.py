"""Timing, result checking, memory probes and the environment header."""

from __future__ import annotations

import datetime
import gc
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# Relative tolerances for checking an implementation against the reference.
RTOL64 = 1e-9
RTOL32 = 1e-4


@dataclass
class Case:
    """One runnable implementation of a workload.

    ``step()`` does the timed work once; ``read()`` returns the results of the
    last step (floats and arrays, keyed like the reference's); ``close()``
    restores any global state the case changed (e.g. torch's thread count).
    """

    step: Callable[[], object]
    read: Callable[[], dict]
    close: Callable[[], None] | None = None


@dataclass
class Row:
    """One line of a workload's table (a JSON record with ``--json``)."""

    workload: str
    impl: str
    median_s: float | None = None
    min_s: float | None = None
    times_s: list = field(default_factory=list)
    ratio: float | None = None
    ok: bool | None = None  # None: not checked / not run
    check: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)


def measure(
    step: Callable[[], object], repeats: int, min_time: float, gc_off: bool = False, first: float = 0.0
) -> list[float]:
    """Time ``step`` and return the per-call seconds of each repeat.

    The caller has already run ``step`` once (the checked call, which is also
    the warm-up) and passes its duration as ``first``; unless that call took
    over a second, one more untimed call warms up and calibrates.  Each
    repeat runs ``step`` ``number`` times back to back, with ``number`` chosen
    so a repeat lasts about ``min_time`` seconds (fast workloads are otherwise
    below the timer's noise).  With ``gc_off`` the collector is disabled
    during the repeats and ``gc.collect()`` runs, untimed, before each one;
    the previous gc state is restored afterwards.
    """
    single = first
    if first < 1.0:
        t0 = time.perf_counter()
        step()
        single = time.perf_counter() - t0
    number = max(1, min(10_000, math.ceil(min_time / max(single, 1e-9))))
    was_enabled = gc.isenabled()
    times = []
    try:
        for _ in range(repeats):
            if gc_off:
                gc.enable()
                gc.collect()
                gc.disable()
            t0 = time.perf_counter()
            for _ in range(number):
                step()
            times.append((time.perf_counter() - t0) / number)
    finally:
        if was_enabled:
            gc.enable()
        else:
            gc.disable()
        if gc_off:
            gc.collect()
    return times


def compare(got: dict, ref: dict, rtol: float) -> tuple[bool, str]:
    """Compare every key of ``ref`` in ``got`` within relative tolerance.

    Scalars: ``|got - ref| <= rtol * |ref|``.  Arrays: shapes equal and
    ``max|got - ref| <= rtol * max|ref|`` (norm-wise, so tiny entries of a
    gradient do not need ulp-exact agreement).  Returns (ok, detail).
    """
    worst = 0.0
    for key, want in ref.items():
        if key not in got:
            return False, f"missing result {key!r}"
        have = np.asarray(got[key], dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        if have.shape != want.shape:
            return False, f"{key}: shape {have.shape} != {want.shape}"
        if not np.all(np.isfinite(have)):
            return False, f"{key}: not finite"
        scale = float(np.max(np.abs(want))) if want.size else 0.0
        err = float(np.max(np.abs(have - want))) if want.size else 0.0
        rel = err / scale if scale else err
        if rel > rtol:
            return False, f"{key}: rel err {rel:.1e} > {rtol:.0e}"
        worst = max(worst, rel)
    return True, f"{'/'.join(ref)} rel err {worst:.0e}"


def rss_bytes() -> int:
    """Resident set size of this process (Linux: /proc/self/statm)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def environment() -> dict:
    """Versions and machine facts for the header (and the JSON file)."""
    env = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas(),
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "loadavg_1min": round(os.getloadavg()[0], 2),
    }
    for dist in ("torch", "micrograd"):
        try:
            from importlib.metadata import version

            env[dist] = version(dist)
        except Exception:
            env[dist] = "not installed"
    return env


def _blas() -> str:
    try:
        blas = np.__config__.CONFIG["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas['version']}"
    except Exception:
        return "?"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def fmt_time(s: float | None) -> str:
    """Seconds as a short human string (ns/µs/ms/s)."""
    if s is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def print_rows(rows: list[Row], out=sys.stdout) -> None:
    """Print one workload's rows as an aligned table."""
    width = max(len(r.impl) for r in rows) + 2
    print(f"  {'impl':<{width}}{'median':>10}{'min':>10}{'x ref':>9}  check", file=out)
    for r in rows:
        if r.median_s is None:
            mark = "✗ " if r.ok is False else ""
            print(f"  {r.impl:<{width}}{mark}{r.note}", file=out)
            continue
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "—"
        mark = {True: "✓", False: "✗", None: " "}[r.ok]
        tail = f"{mark} {r.check}" + (f"  [{r.note}]" if r.note else "")
        print(f"  {r.impl:<{width}}{fmt_time(r.median_s):>10}{fmt_time(r.min_s):>10}{ratio:>9}  {tail}", file=out)


def summarize(row: Row, times: list[float]) -> Row:
    """Fill a row's median/min from per-repeat times."""
    row.times_s = times
    row.median_s = statistics.median(times)
    row.min_s = min(times)
    return row
