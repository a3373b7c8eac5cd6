"""Fresh-process measurements, run by the harness (each prints one JSON line).

python -m benchmarks.child case SPEC_JSON         one implementation of W1-W4s, alone
python -m benchmarks.child rotated SPEC_JSON      all of a workload's, one process, order rotated
python -m benchmarks.child graph SPEC_JSON        G: draw_graph and dot -Tsvg
python -m benchmarks.child w5 {micrograd|layergrad} N
python -m benchmarks.child leak {W1|W2} ENTRY_NAME STEPS

The harness starts every child with the BLAS/OpenMP thread counts pinned in
its environment (``harness.pinned_env``).
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import pickle
import resource
import statistics
import sys
import threading
import time

from . import data
from .harness import (
    Case,
    Row,
    Timing,
    blas_threads,
    calibrate,
    compare,
    cpu_clock,
    join_timings,
    measure,
    memory_status,
    minor_faults,
    peak_rss_bytes,
    reset_peak_rss,
    rss_bytes,
    summarize,
    time_repeat,
)

_MISSING = (ImportError, AttributeError)  # layergrad (or a peer) lacks the API


def _error(e: BaseException, missing: bool = False) -> dict:
    out: dict = {"error": f"{type(e).__name__}: {e}"[:300]}
    if missing:
        out["missing"] = True
    return out


def _threads_seen() -> dict:
    """The thread counts this process really ran with, where they can be read."""
    seen: dict = {"blas": blas_threads()}
    if "torch" in sys.modules:
        seen["torch"] = sys.modules["torch"].get_num_threads()
    return seen


def _workload(wid: str):
    from .workloads import timed_workloads

    return timed_workloads()[wid]


def _timing_fields(t: Timing, timer: str) -> dict:
    return {
        "cpu": t.cpu,
        "wall": t.wall,
        "timer": timer,
        "calls": t.calls,
        "faults": t.faults,
        "faults_per_step": statistics.median(t.faults),  # the median repeat's: warm-up faults are not steady state
    }


def case(spec: dict) -> dict:
    """Check, then time one implementation of a timed workload in this (fresh) process.

    The reference (``spec["out"]`` set) pickles its result there; any other
    entry loads the reference's (``spec["ref"]``) and is timed only when its
    result matches.  Memory: the peak RSS is reset once the case is built (its
    parameters and data exist), and again after the check (whose comparison
    only the non-reference entries run), so ``VmHWM`` after the loop is the
    loop's peak, measured above the RSS before the first step.
    """
    w = _workload(spec["wid"])
    entry = w.entries[spec["index"]]
    clock, timer = cpu_clock(spec["threads"])
    try:
        c = entry.factory()
    except _MISSING as e:
        return _error(e, missing=True)
    try:
        start = memory_status()
        peak_reset = reset_peak_rss()
        maxrss0 = peak_rss_bytes()
        t0 = clock()
        c.step()  # the checked call (and first warm-up)
        first = clock() - t0
        got = c.read()
        if spec["ref"] is None:
            with open(spec["out"], "wb") as f:
                pickle.dump(got, f)
            ok, check = True, "(reference)"
        else:
            with open(spec["ref"], "rb") as f:
                ok, check = compare(got, pickle.load(f), w.rtol)
            if not ok:
                return {"ok": False, "check": check}
        del got  # holding the first step's arrays would change the heap the loop runs in
        if peak_reset:
            # NOTE: again after the check: the reference only writes its result, the others load and compare
            # it, whose temporaries (several MiB in W3) are not the loop's memory
            reset_peak_rss()
        timing = measure(c.step, spec["repeats"], spec["min_time"], entry.gc_off, first, clock)
        end = memory_status()
        if peak_reset and "VmHWM" in end:
            peak, how = end["VmHWM"] - start["VmRSS"], "VmHWM after clear_refs"
        else:
            peak, how = peak_rss_bytes() - maxrss0, "ru_maxrss delta"
        memory = {"start": start, "end": end, "peak_above_start": peak, "peak_method": how}
        out = {"ok": ok, "check": check, **_timing_fields(timing, timer), "memory": memory}
        out["threads_seen"] = _threads_seen()
    except _MISSING as e:
        return _error(e, missing=True)
    except Exception as e:  # a crash of an engine is a failed check
        return _error(e)
    finally:
        if c.close:
            c.close()
    if spec["wid"] == "W1" and not entry.gc_off:
        out["loss_step99"] = w1_loss(entry.factory, spec["quick"] and statistics.median(timing.cpu) > 0.1)
    return out


def w1_loss(factory, skip: bool = False) -> float | str:
    """Run the demo's 100 iterations (untimed, gc off, collected every 10 steps); the
    loss of iteration 99, which the notebook prints as 'step 99 loss ...'."""
    if skip:
        return "skipped"
    c = factory()
    was_enabled = gc.isenabled()
    try:
        gc.disable()
        for k in range(data.W1_STEPS):
            c.step()
            if k % 10 == 9:
                gc.collect()
        return c.read()["loss"]
    except Exception as e:
        return f"{type(e).__name__}: {e}"[:300]
    finally:
        if c.close:
            c.close()
        if was_enabled:
            gc.enable()


def rotated(spec: dict) -> dict:
    """All of a workload's implementations in this one process (the fallback method).

    Each is built, checked against the first (the reference) and calibrated;
    then ``repeats + 1`` rounds each time one repeat of every implementation,
    the order rotated by one every round, and the first round is discarded.
    """
    w = _workload(spec["wid"])
    clock, timer = cpu_clock(spec["threads"])
    results, live, ref = [], [], None
    for index in spec["indices"]:
        entry = w.entries[index]
        c = None
        try:
            c = entry.factory()
            t0 = clock()
            c.step()
            first = clock() - t0
            got = c.read()
            ok, check = (True, "(reference)") if ref is None else compare(got, ref, w.rtol)
            ref = got if ref is None else ref
            results.append({"index": index, "ok": ok, "check": check})
            if ok:
                number = calibrate(c.step, spec["min_time"], first, clock)
                live.append((results[-1], c, entry.gc_off, number, []))
                continue
        except Exception as e:
            results.append({"index": index, **_error(e, missing=isinstance(e, _MISSING))})
        if c is not None and c.close:
            c.close()
        if ref is None:
            break  # the reference failed: nothing to check the others against
    for rnd in range(spec["repeats"] + 1):
        k = rnd % max(1, len(live))
        for res, c, gc_off, number, reps in live[k:] + live[:k]:
            try:
                timing = time_repeat(c.step, number, gc_off, clock)
            except Exception as e:
                res.update(_error(e))
                continue
            if rnd:
                reps.append(timing)
    for res, c, gc_off, _, reps in live:
        if c.close:
            c.close()
        if "error" not in res and reps:
            res.update(_timing_fields(join_timings(reps), timer))
            if spec["wid"] == "W1" and not gc_off:
                slow = spec["quick"] and statistics.median(res["cpu"]) > 0.1
                res["loss_step99"] = w1_loss(w.entries[res["index"]].factory, slow)
    return {"results": results, "threads_seen": _threads_seen()}


def graph(spec: dict) -> dict:
    """G: build micrograd's demo-step graph, time ``draw_graph`` (this thread's CPU
    time) and Graphviz's ``dot -Tsvg`` of its DOT source (the ``dot`` process's CPU time)."""
    import shutil

    from . import programs

    runs = spec["runs"]
    rows = [Row("G", "layergrad draw_graph(loss) (DOT source)"), Row("G", "dot -Tsvg of that source")]
    try:
        from autograd import Value, draw_graph, register_stage, stage, toposort

        t0 = time.perf_counter()
        root = programs.micrograd_chain_demo_loss(Value, stage, register_stage)
        made = time.perf_counter() - t0
        nodes = len(toposort(root))
    except _MISSING as e:
        for row in rows:
            row.note = f"not available ({type(e).__name__}: {e})"
        return {"rows": [dataclasses.asdict(r) for r in rows]}
    cpu, wall, g = [], [], None
    for _ in range(runs):
        w0, t0 = time.perf_counter(), time.thread_time()
        g = draw_graph(root)
        cpu.append(time.thread_time() - t0)
        wall.append(time.perf_counter() - w0)
    build = rows[0]
    build.ok = g.detail in ("neuron", "layer") and g.num_nodes <= 2000
    build.check = f"{nodes:,} graph nodes -> detail {g.detail!r}, {g.num_nodes} drawn"
    summarize(build, cpu, wall, "thread_time")
    render = rows[1]
    if shutil.which("dot") is None:
        render.note = "skipped: Graphviz's dot is not installed"
    else:
        cpu, wall = [], []
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            w0 = time.perf_counter()
            svg = g.pipe("svg")
            wall.append(time.perf_counter() - w0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        render.ok = svg.lstrip().startswith(b"<?xml") or b"<svg" in svg[:400]
        render.check = f"SVG of {len(svg) / 1024:.0f} KiB"
        summarize(render, cpu, wall, "child CPU (dot)")
    return {"rows": [dataclasses.asdict(r) for r in rows], "made_s": made, "nodes": nodes}


def w5(impl: str, n: int) -> dict:
    """Build the W5 chain, then backward; times (thread CPU and wall) and RSS growth per step.

    micrograd's topological sort recurses once per node, so its run raises
    the recursion limit and runs in a thread with a 1 GiB stack.  layergrad
    runs with the interpreter's defaults, in the main thread.
    """
    try:
        if impl == "micrograd":
            from micrograd.engine import Value
        else:
            from autograd import Value
    except ImportError as e:
        return _error(e, missing=True)
    result: dict = {}

    def run():
        try:
            r0 = rss_bytes()
            w0, t0 = time.perf_counter(), time.thread_time()
            x = leaf = Value(data.W5_X0)
            for _ in range(n):
                x = x * data.W5_MUL + 0.0
            t1 = time.thread_time()
            r1 = rss_bytes()
            x.backward()
            w2, t2 = time.perf_counter(), time.thread_time()
            r2 = rss_bytes()
            result.update(
                build_s=t1 - t0,
                backward_s=t2 - t1,
                wall_s=w2 - w0,
                graph_bytes_per_step=(r1 - r0) / n,
                after_backward_bytes_per_step=(r2 - r0) / n,
                value=float(x.data),
                grad=float(leaf.grad),
            )
        except _MISSING as e:
            result.update(_error(e, missing=True))
        except BaseException as e:
            result.update(_error(e))

    if impl == "micrograd":
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * n + 10_000))
        threading.stack_size(1 << 30)
        t = threading.Thread(target=run)
        t.start()
        t.join()
    else:
        run()
    return result


def leak(workload: str, entry_name: str, steps: int) -> dict:
    """Run ``steps`` steps of one W1/W2 entry after 5 warm-up steps; RSS samples."""
    entry = next(e for e in _workload(workload).entries if e.name == entry_name)
    try:
        c: Case = entry.factory()
        for _ in range(5):
            c.step()
    except _MISSING as e:
        return _error(e, missing=True)
    start, faults = rss_bytes(), minor_faults()
    samples = []
    t0 = time.perf_counter()
    for i in range(steps):
        c.step()
        if (i + 1) % max(1, steps // 10) == 0:
            samples.append(rss_bytes())
    return {
        "steps": steps,
        "seconds": time.perf_counter() - t0,
        "start": start,
        "end": samples[-1],
        "max": max(samples),
        "samples": samples,
        "faults_per_step": (minor_faults() - faults) / steps,
    }


def main(argv: list[str]) -> None:
    """Dispatch on the mode; print the result as JSON and exit without teardown."""
    mode = argv[0]
    if mode == "case":
        out = case(json.loads(argv[1]))
    elif mode == "rotated":
        out = rotated(json.loads(argv[1]))
    elif mode == "graph":
        out = graph(json.loads(argv[1]))
    elif mode == "w5":
        out = w5(argv[1], int(argv[2]))
    else:
        out = leak(argv[1], argv[2], int(argv[3]))
    print(json.dumps(out), flush=True)
    os._exit(0)  # skip freeing a multi-GB graph at interpreter exit


if __name__ == "__main__":
    main(sys.argv[1:])
