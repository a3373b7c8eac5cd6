"""The workload table (W1-W5, I, G) and how each one is run, in child processes, and checked."""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import data, peers, programs, refs
from .harness import RTOL32, RTOL64, Case, Row, compare, pinned_env, print_rows, summarize

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Options:
    """Run settings: repeats per timing, seconds per repeat, quick mode, pinned threads,
    and whether a workload's implementations share one process (order rotated)."""

    repeats: int = 7
    min_time: float = 0.2
    quick: bool = False
    threads: int = 1
    rotated: bool = False


@dataclass
class Entry:
    """One column of a workload: the reference, a peer or layergrad."""

    name: str
    factory: Callable[[], Case]
    kind: str = "ref"  # "ref" | "peer" | "layergrad"
    peer: str | None = None  # distribution that must be installed
    gc_off: bool = False


@dataclass
class Workload:
    """A timed workload: entries[0] is the reference the others are checked against."""

    id: str
    title: str
    unit: str
    rtol: float
    entries: list[Entry] = field(default_factory=list)


def _mg_demo():
    return programs.value_demo_case(*peers.micrograd_value())


def _lg_demo():
    return programs.value_demo_case(*programs.layergrad_mlp())


def timed_workloads() -> dict[str, Workload]:
    """W1-W4s: the workloads whose implementations are timed step by step (``child.case``)."""
    w2 = lambda: data.mlp_problem(**data.W2)  # noqa: E731
    w3 = lambda: data.mlp_problem(**data.W3)  # noqa: E731
    x0, xl, nl = data.w4_x0(), data.w4_x0(data.W4L_SIZE), data.W4L_N
    return {
        w.id: w
        for w in [
            Workload(
                "W1",
                "micrograd demo: 100 moons, MLP(2,[16,16,1]), SVM loss + L2, SGD",
                "one step",
                RTOL64,
                [
                    Entry("reference (pure Python)", refs.w1_python_case),
                    Entry("micrograd (gc on)", _mg_demo, "peer", "micrograd"),
                    Entry("micrograd (gc off)", _mg_demo, "peer", "micrograd", gc_off=True),
                    Entry("layergrad", _lg_demo, "layergrad"),
                ],
            ),
            Workload(
                "W2",
                "batch 64, MLP 2-64-64-1 ReLU, MSE, SGD, float32",
                "one step",
                RTOL32,
                [
                    Entry("reference (numpy)", lambda: refs.mlp_numpy_case(w2(), data.W2["lr"], "mse")),
                    Entry("torch", lambda: peers.torch_mlp_case(w2(), data.W2["lr"], "mse"), "peer", "torch"),
                    Entry(
                        "layergrad",
                        lambda: programs.tensor_mlp_case(programs.layergrad_tensor(), w2(), data.W2["lr"], "mse"),
                        "layergrad",
                    ),
                    Entry(
                        "layergrad nn (MLP, SGD, mse_loss)",
                        lambda: programs.nn_mlp_case(w2(), data.W2["lr"], "mse"),
                        "layergrad",
                    ),
                ],
            ),
            Workload(
                "W3",
                "batch 512, MLP 784-512-512-10 ReLU, softmax CE, SGD, float32",
                "one step",
                RTOL32,
                [
                    Entry("reference (numpy)", lambda: refs.mlp_numpy_case(w3(), data.W3["lr"], "ce")),
                    Entry("torch", lambda: peers.torch_mlp_case(w3(), data.W3["lr"], "ce"), "peer", "torch"),
                    Entry(
                        "layergrad",
                        lambda: programs.tensor_mlp_case(programs.layergrad_tensor(), w3(), data.W3["lr"], "ce"),
                        "layergrad",
                    ),
                    Entry(
                        "layergrad nn (MLP, SGD, cross_entropy)",
                        lambda: programs.nn_mlp_case(w3(), data.W3["lr"], "ce"),
                        "layergrad",
                    ),
                    Entry(
                        "layergrad nn + reuse_freed_memory()",
                        programs.reusing_freed_memory(lambda: programs.nn_mlp_case(w3(), data.W3["lr"], "ce")),
                        "layergrad",
                    ),
                ],
            ),
            Workload(
                "W4",
                "1,000 x (x*1.0001 + 0.001).tanh() on 16 float32, sum().backward()",
                "chain + backward",
                RTOL32,
                [
                    Entry("reference (numpy)", lambda: refs.tanh_chain_numpy_case(x0)),
                    Entry("torch", lambda: peers.torch_tanh_chain_case(x0), "peer", "torch"),
                    Entry(
                        "layergrad",
                        lambda: programs.tensor_tanh_chain_case(programs.layergrad_tensor(), x0),
                        "layergrad",
                    ),
                ],
            ),
            Workload(
                "W4L",
                f"{nl} x (x*1.0001 + 0.001).tanh() on {data.W4L_SIZE:,} float32, sum().backward()",
                "chain + backward",
                RTOL32,
                [
                    Entry("reference (numpy)", lambda: refs.tanh_chain_numpy_case(xl, nl)),
                    Entry("torch", lambda: peers.torch_tanh_chain_case(xl, nl), "peer", "torch"),
                    Entry(
                        "layergrad",
                        lambda: programs.tensor_tanh_chain_case(programs.layergrad_tensor(), xl, nl),
                        "layergrad",
                    ),
                    Entry(
                        "layergrad + reuse_freed_memory()",
                        programs.reusing_freed_memory(
                            lambda: programs.tensor_tanh_chain_case(programs.layergrad_tensor(), xl, nl)
                        ),
                        "layergrad",
                    ),
                ],
            ),
            Workload(
                "W4s",
                "the W4 chain on one scalar Value (float64)",
                "chain + backward",
                RTOL64,
                [
                    Entry("reference (pure Python)", refs.tanh_chain_python_case),
                    Entry("micrograd (+tanh, recursion limit)", peers.micrograd_chain_case, "peer", "micrograd"),
                    Entry("layergrad", lambda: programs.value_tanh_chain_case(programs.layergrad_value()), "layergrad"),
                ],
            ),
        ]
    }


def run_timed(w: Workload, opts: Options) -> list[Row]:
    """Check and time every entry, each in its own fresh process (``child.case``; the
    reference first, the others checked against its result), or all in one process with
    the order rotated (``--rotated``); print the table."""
    how = "one process, order rotated, first round dropped" if opts.rotated else "own process each"
    print(f"\n{w.id}  {w.title}  [{w.unit}; {how}; median/IQR of {opts.repeats}]")
    rows = [Row(w.id, entry.name) for entry in w.entries]
    run = []
    for index, (entry, row) in enumerate(zip(w.entries, rows)):
        if entry.peer and not peers.installed(entry.peer):
            row.note = f"skipped: {entry.peer} not installed (pip install {peers.PINS[entry.peer]})"
        else:
            run.append(index)
    spec = {"wid": w.id, "repeats": opts.repeats, "min_time": opts.min_time, "quick": opts.quick}
    spec["threads"] = opts.threads
    if opts.rotated:
        out = _child(["rotated", json.dumps({**spec, "indices": run})], opts, timeout=3600)
        results = out.get("results", [{"index": run[0], **out}])
        for r in results:
            r["threads_seen"] = out.get("threads_seen")
            _fill(rows[r["index"]], w.entries[r["index"]], r)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            ref = os.path.join(tmp, "reference.pickle")
            for index in run:
                own = {**spec, "index": index, "ref": ref if index else None, "out": None if index else ref}
                r = _child(["case", json.dumps(own)], opts, timeout=1800)
                _fill(rows[index], w.entries[index], r)
                if index == 0 and rows[0].ok is not True:
                    break  # nothing to check the others against
    if rows[0].ok is not True:
        rows[0].ok = False
    for row in rows[1:]:
        if row.median_s is not None and rows[0].median_s:
            row.ratio = row.median_s / rows[0].median_s
    if rows[0].median_s:
        rows[0].ratio = 1.0
    print_rows(rows)
    if w.id == "W1":
        print_w1_loss(w, rows)
    if w.id in ("W3", "W4L"):
        print_memory(rows, opts)
    return rows


def _fill(row: Row, entry: Entry, r: dict) -> None:
    """A row from a child's result (``child.case`` / ``child.rotated``)."""
    if "error" in r:
        if r.get("missing"):
            row.ok = None if entry.kind == "layergrad" else False
            row.note = f"not available ({r['error']})"
        else:
            row.ok, row.note = False, f"error: {r['error']}"
        return
    row.ok, row.check = r["ok"], r["check"]
    if not row.ok:
        row.note = f"wrong result, not timed: {row.check}"
        return
    if "cpu" not in r:
        return
    summarize(row, r["cpu"], r["wall"], r["timer"])
    keep = ("calls", "faults", "faults_per_step", "memory", "threads_seen", "loss_step99")
    row.extra = {k: r[k] for k in keep if k in r}


def print_w1_loss(w: Workload, rows: list[Row]) -> None:
    """W1: the loss each implementation's process printed at the demo's 'step 99'.

    The child ran the demo's 100 iterations after timing (untimed, gc off,
    collected every 10 steps); in ``--quick`` mode only where a step takes
    under 0.1 s.  A wrong loss fails the row.
    """
    want = data.W1_LOSS_STEP99
    print(f"  100-step check (untimed, gc off): loss printed at 'step 99' should be {want!r}")
    for row in rows:
        loss = row.extra.get("loss_step99")
        if loss is None:
            continue
        if loss == "skipped":
            print(f"    {row.impl:<26}skipped in --quick (~{100 * row.median_s:.0f} s)")
            continue
        if isinstance(loss, str):
            ok, detail = False, loss
        else:
            ok, detail = compare({"loss": loss}, {"loss": want}, w.rtol)
            detail = f"{loss!r} ({detail})"
        row.extra["loss_step99_ok"] = ok
        row.ok = row.ok and ok
        print(f"    {row.impl:<26}{'✓' if ok else '✗'} {detail}")


def print_memory(rows: list[Row], opts: Options) -> None:
    """The memory rows: each implementation's peak RSS during its loop above its RSS
    once parameters and data exist, and minor page faults per timed step."""
    if opts.rotated:
        print("  memory: only measured with each implementation in its own process (the default)")
        return
    print("  memory (own process): peak RSS of the loop above RSS after setup; minor page faults per step")
    width = max(len(r.impl) for r in rows) + 2
    for row in rows:
        mem = row.extra.get("memory")
        if not mem:
            continue
        start, end = mem["start"], mem["end"]
        anon = (end.get("RssAnon", 0) - start.get("RssAnon", 0)) / 2**20
        file = (end.get("RssFile", 0) - start.get("RssFile", 0)) / 2**20
        print(
            f"    {row.impl:<{width}}peak +{mem['peak_above_start'] / 2**20:6.1f} MiB"
            f"  (at the end: anon {anon:+.1f}, file {file:+.1f} MiB)"
            f"   {row.extra['faults_per_step']:8.1f} faults/step"
        )


# --------------------------------------------------------------------- W5 ---


def _child(args: list[str], opts: Options, timeout: float) -> dict:
    """Run ``python -m benchmarks.child ARGS`` in a fresh process with the thread counts
    pinned in its environment; parse its JSON line."""
    cmd = [sys.executable, "-m", "benchmarks.child", *args]
    try:
        p = subprocess.run(cmd, cwd=REPO, env=pinned_env(opts.threads), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        tail = (p.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"exit code {p.returncode}: {tail}"[:300]}
    return json.loads(lines[-1])


def run_w5(opts: Options) -> list[Row]:
    """W5: a 1,000,000-step chain on a scalar Value; build + backward time and
    graph RSS per chain step, each run in a fresh subprocess (3 runs, 1 quick)."""
    n = data.W5_N_QUICK if opts.quick else data.W5_N
    runs, timeout = (1, 120) if opts.quick else (3, 300)
    print(
        f"\nW5  x = x * {data.W5_MUL} + 0.0, {n:,} times on a scalar Value, then backward"
        f"  [build + backward; fresh process per run; median/IQR of {runs}]"
    )
    want = refs.w5_expected(n)
    rows = []
    for impl, name, peer in [
        ("micrograd", "micrograd (recursion limit raised)", "micrograd"),
        ("layergrad", "layergrad", None),
    ]:
        row = Row("W5", name)
        rows.append(row)
        if peer and not peers.installed(peer):
            row.note = f"skipped: {peer} not installed (pip install {peers.PINS[peer]})"
            continue
        results = []
        for _ in range(runs):
            r = _child(["w5", impl, str(n)], opts, timeout)
            if "error" in r:
                break
            results.append(r)
        if not results:
            row.ok = None if r.get("missing") else False
            row.note = ("not available (" + r["error"] + ")") if r.get("missing") else r["error"]
            continue
        row.ok, row.check = compare(results[0], want, RTOL64)
        if not row.ok:
            row.note = "wrong result"
        cpu = [r["build_s"] + r["backward_s"] for r in results]
        summarize(row, cpu, [r["wall_s"] for r in results], "thread_time")
        per_step = statistics.median(r["graph_bytes_per_step"] for r in results)
        after = statistics.median(r["after_backward_bytes_per_step"] for r in results)
        row.extra = {
            "n": n,
            "build_s": statistics.median(r["build_s"] for r in results),
            "backward_s": statistics.median(r["backward_s"] for r in results),
            "graph_bytes_per_step": per_step,
            "after_backward_bytes_per_step": after,
        }
        row.note = (
            f"build {row.extra['build_s']:.2f} s + backward {row.extra['backward_s']:.2f} s;"
            f" graph {per_step:,.0f} B/step ({after:,.0f} after backward)"
        )
    print_rows(rows)
    if peers.installed("micrograd"):
        print(f"  note: {micrograd_default_limit()}")
    return rows


def micrograd_default_limit(n: int = 1000) -> str:
    """Show that micrograd's recursive backward fails at the default recursion limit."""
    Value = peers.micrograd_value()[0]
    x = Value(data.W5_X0)
    for _ in range(n):
        x = x * data.W5_MUL + 0.0
    try:
        x.backward()
        return f"micrograd backward of a {n:,}-step chain works at recursion limit {sys.getrecursionlimit()}"
    except RecursionError:
        return (
            f"micrograd's backward raises RecursionError on a {n:,}-step chain at the "
            f"recursion limit {sys.getrecursionlimit()}; the W5 run raises it and runs in a "
            "thread with a 1 GiB stack"
        )


# ---------------------------------------------------------------------- I ---


def run_import(opts: Options) -> list[Row]:
    """I: ``python -c "import autograd, nn"`` vs ``import numpy``: the CPU time (user +
    system, from ``os.wait4``) of each fresh process, the three commands run in turn with
    the order rotated every round and the first round dropped."""
    runs = 5 if opts.quick else 11
    print(
        f"\nI   python -c 'import ...' in a fresh process  [rotated order, first round dropped; median/IQR of {runs}]"
    )
    env = pinned_env(opts.threads)
    probe = subprocess.run(
        [sys.executable, "-c", "import autograd, nn; autograd.Value; autograd.Tensor"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    # numpy's bytecode was compiled when pip installed it; an editable checkout has
    # none until a first import writes it, and this machine sets PYTHONDONTWRITEBYTECODE.
    # Compile ours the same way, so both imports are measured as users run them.
    for pkg in ("autograd", "nn"):
        compileall.compile_dir(str(REPO / pkg), quiet=1)
    commands = [
        ("reference (import numpy)", "import numpy"),
        ("layergrad (import autograd, nn)", "import autograd, nn"),
        ("python -c pass (startup)", "pass"),
    ]
    rows = [Row("I", name) for name, _ in commands]
    if probe.returncode != 0:
        tail = (probe.stderr.strip().splitlines() or ["?"])[-1]
        rows[1].note = f"not available ({tail})"
    live = [k for k in range(len(commands)) if not rows[k].note]
    seen: dict = {k: ([], [], []) for k in live}
    for rnd in range(runs + 1):
        for k in live[rnd % len(live) :] + live[: rnd % len(live)]:
            cpu, wall, code = _process_cpu([sys.executable, "-c", commands[k][1]], env)
            if rnd:
                seen[k][0].append(cpu)
                seen[k][1].append(wall)
                seen[k][2].append(code)
    for k in live:
        cpu, wall, codes = seen[k]
        rows[k].ok, rows[k].check = all(c == 0 for c in codes), f"exit code {max(codes, key=abs)}"
        summarize(rows[k], cpu, wall, "child CPU (wait4)")
        rows[k].ratio = rows[k].median_s / rows[0].median_s
    print_rows(rows)
    return rows


def _process_cpu(cmd: list[str], env: dict) -> tuple[float, float, int]:
    """Run ``cmd``; its CPU seconds (user + system), wall seconds and exit code."""
    w0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - w0
    p.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, wall, p.returncode


def run_graph(opts: Options) -> list[Row]:
    """G: draw micrograd's demo step graph (about 66,000 nodes) with ``draw_graph(loss)``,
    in a fresh process (``child.graph``).

    No peer draws this graph (torchviz gives up around 3,000 nodes, micrograd's
    ``draw_dot`` makes an unreadable 15,000-point-wide picture of one sample),
    so the rows are absolute: building the DOT source at ``detail="auto"``, and
    running Graphviz's ``dot -Tsvg`` on it when ``dot`` is installed.  The
    check is the detail level "auto" picks and the drawn node count.
    """
    runs = 3 if opts.quick else 5
    print(f"\nG   draw_graph of micrograd's demo step (W1's loss, 100 samples)  [fresh process; median/IQR of {runs}]")
    out = _child(["graph", json.dumps({"runs": runs})], opts, timeout=600)
    if "error" in out:
        rows = [Row("G", "layergrad draw_graph(loss) (DOT source)", ok=False, note=out["error"])]
    else:
        rows = [Row(**r) for r in out["rows"]]
        if "nodes" in out:
            print(f"  (graph built and back-propagated in {out['made_s']:.2f} s: {out['nodes']:,} nodes)")
    print_rows(rows)
    return rows
