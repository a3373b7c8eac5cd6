"""Timing, result checking, memory probes, thread pinning and the environment header."""

from __future__ import annotations

import datetime
import gc
import math
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# Relative tolerances for checking an implementation against the reference.
RTOL64 = 1e-9
RTOL32 = 1e-4

# Set to the pinned thread count in every child's environment (numpy's OpenBLAS, MKL,
# OpenMP, Apple's Accelerate; torch reads OMP_NUM_THREADS too and the torch cases also
# call ``torch.set_num_threads`` with it).
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


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
    median_s: float | None = None  # of the CPU timer (``timer``); the ratio uses it
    q1_s: float | None = None
    q3_s: float | None = None
    iqr_s: float | None = None
    min_s: float | None = None
    times_s: list = field(default_factory=list)
    wall_median_s: float | None = None
    wall_times_s: list = field(default_factory=list)
    timer: str = ""
    ratio: float | None = None
    ok: bool | None = None  # None: not checked / not run
    check: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class Timing:
    """What ``measure`` saw, per repeat: seconds per call on both clocks, calls and
    minor page faults per call."""

    cpu: list
    wall: list
    calls: list
    faults: list


def calibrate(step: Callable[[], object], min_time: float, first: float, clock: Callable[[], float]) -> int:
    """How many calls of ``step`` make a repeat of about ``min_time`` seconds on ``clock``.

    The caller has already run ``step`` once (the checked call, which is also
    the warm-up) and passes its duration as ``first``; unless that call took
    over a second, one more untimed call warms up and gives the estimate.
    """
    single = first
    if first < 1.0:
        t0 = clock()
        step()
        single = clock() - t0
    return max(1, min(10_000, math.ceil(min_time / max(single, 1e-9))))


def time_repeat(step: Callable[[], object], number: int, gc_off: bool, clock: Callable[[], float]) -> Timing:
    """One repeat: ``number`` calls of ``step`` back to back, per-call seconds on both clocks.

    With ``gc_off`` the collector runs once, untimed, before the repeat and is
    disabled during it; its previous state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    if gc_off:
        gc.enable()
        gc.collect()
        gc.disable()
    try:
        f0 = minor_faults()
        w0, t0 = time.perf_counter(), clock()
        for _ in range(number):
            step()
        t1, w1 = clock(), time.perf_counter()
        faults = minor_faults() - f0
    finally:
        if was_enabled:
            gc.enable()
        else:
            gc.disable()
    return Timing([(t1 - t0) / number], [(w1 - w0) / number], [number], [faults / number])


def measure(
    step: Callable[[], object],
    repeats: int,
    min_time: float,
    gc_off: bool = False,
    first: float = 0.0,
    clock: Callable[[], float] = time.thread_time,
) -> Timing:
    """Time ``step`` on ``clock`` (a CPU-time clock) and on the wall clock.

    ``calibrate`` picks the calls per repeat (fast workloads are otherwise
    below the timer's noise); then ``repeats`` repeats (``time_repeat``).
    """
    number = calibrate(step, min_time, first, clock)
    reps = [time_repeat(step, number, gc_off, clock) for _ in range(repeats)]
    if gc_off:
        gc.collect()
    return join_timings(reps)


def join_timings(reps: list[Timing]) -> Timing:
    """The repeats' timings as one (lists with one item per repeat)."""
    return Timing(*([x for t in reps for x in getattr(t, f)] for f in ("cpu", "wall", "calls", "faults")))


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


def minor_faults() -> int:
    """Minor page faults of this process so far (``getrusage``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def memory_status() -> dict:
    """VmRSS, VmHWM (peak RSS), RssAnon and RssFile of this process in bytes (Linux)."""
    out = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                    out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM, and ``ru_maxrss`` with it) to its current RSS.

    Writes ``5`` to ``/proc/self/clear_refs`` (Linux 4.0+); False where that is
    not possible, and the caller falls back to the ``ru_maxrss`` delta.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> int:
    """Peak RSS of this process (``ru_maxrss``, KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def pinned_env(threads: int) -> dict:
    """This process's environment with every BLAS/OpenMP thread count set to ``threads``."""
    env = dict(os.environ)
    env.update({var: str(threads) for var in THREAD_VARS})
    return env


def cpu_clock(threads: int) -> tuple[Callable[[], float], str]:
    """The CPU-time clock for a child with ``threads`` pinned threads, and its name.

    One thread: ``time.thread_time`` (the only thread doing the work; time
    spent waiting for a CPU on a shared machine is not counted).  More:
    ``time.process_time``, which also counts the BLAS/torch worker threads.
    """
    if threads == 1:
        return time.thread_time, "thread_time"
    return time.process_time, "process_time"


def blas_threads() -> str | None:
    """The thread counts numpy's BLAS (and OpenMP) pools really use, via threadpoolctl if installed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return ", ".join(f"{p['internal_api']} {p['num_threads']}" for p in threadpool_info()) or "no pools"


def environment(threads: int = 1) -> dict:
    """Versions, machine facts and the method's settings for the header (and the JSON file)."""
    env = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas(),
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "loadavg_1min": round(os.getloadavg()[0], 2),
        "threads": threads,
        "thread_env": {var: str(threads) for var in THREAD_VARS},
        "timer": cpu_clock(threads)[1],
        "threadpoolctl": "installed" if _has("threadpoolctl") else "not installed",
    }
    for dist in ("torch", "micrograd"):
        try:
            from importlib.metadata import version

            env[dist] = version(dist)
        except Exception:
            env[dist] = "not installed"
    return env


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


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
    """Print one workload's rows as an aligned table: CPU median, IQR, wall median, ratio."""
    width = max(len(r.impl) for r in rows) + 2
    print(f"  {'impl':<{width}}{'median':>10}{'IQR':>10}{'wall':>10}{'x ref':>9}  check", file=out)
    for r in rows:
        if r.median_s is None:
            mark = "✗ " if r.ok is False else ""
            print(f"  {r.impl:<{width}}{mark}{r.note}", file=out)
            continue
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "—"
        mark = {True: "✓", False: "✗", None: " "}[r.ok]
        tail = f"{mark} {r.check}" + (f"  [{r.note}]" if r.note else "")
        cells = f"{fmt_time(r.median_s):>10}{fmt_time(r.iqr_s):>10}{fmt_time(r.wall_median_s):>10}{ratio:>9}"
        print(f"  {r.impl:<{width}}{cells}  {tail}", file=out)


def summarize(row: Row, times: list[float], wall: list[float] | None = None, timer: str = "thread_time") -> Row:
    """Fill a row's median, quartiles, IQR and minimum (and wall median) from per-repeat times."""
    row.times_s, row.timer = list(times), timer
    row.median_s = statistics.median(times)
    if len(times) > 1:
        row.q1_s, _, row.q3_s = statistics.quantiles(times, n=4, method="inclusive")
    else:
        row.q1_s = row.q3_s = times[0]
    row.iqr_s = row.q3_s - row.q1_s
    row.min_s = min(times)
    if wall:
        row.wall_times_s = list(wall)
        row.wall_median_s = statistics.median(wall)
    return row
