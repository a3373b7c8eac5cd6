"""The workload table (W1-W5, I) and how each one is run and checked."""

from __future__ import annotations

import compileall
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import data, peers, programs, refs
from .harness import RTOL32, RTOL64, Case, Row, compare, measure, print_rows, summarize

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Options:
    """Run settings: repeats per timing, seconds per repeat, quick mode."""

    repeats: int = 7
    min_time: float = 0.2
    quick: bool = False


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
    """W1-W4s: the workloads timed in this process."""
    w2 = lambda: data.mlp_problem(**data.W2)  # noqa: E731
    w3 = lambda: data.mlp_problem(**data.W3)  # noqa: E731
    x0 = data.w4_x0()
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
                    Entry(
                        "torch (1 thread)",
                        lambda: peers.torch_mlp_case(w2(), data.W2["lr"], "mse", threads=1),
                        "peer",
                        "torch",
                    ),
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
                    Entry(
                        "torch (2 threads)",
                        lambda: peers.torch_mlp_case(w3(), data.W3["lr"], "ce", threads=2),
                        "peer",
                        "torch",
                    ),
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
                ],
            ),
            Workload(
                "W4",
                "1,000 x (x*1.0001 + 0.001).tanh() on 16 float32, sum().backward()",
                "chain + backward",
                RTOL32,
                [
                    Entry("reference (numpy)", lambda: refs.tanh_chain_numpy_case(x0)),
                    Entry("torch (1 thread)", lambda: peers.torch_tanh_chain_case(x0), "peer", "torch"),
                    Entry(
                        "layergrad",
                        lambda: programs.tensor_tanh_chain_case(programs.layergrad_tensor(), x0),
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


def _unavailable(entry: Entry, exc: BaseException) -> str:
    return f"not available ({type(exc).__name__}: {exc})"


def run_timed(w: Workload, opts: Options) -> list[Row]:
    """Check every entry against the reference, then time it; print the table."""
    print(f"\n{w.id}  {w.title}  [{w.unit}; median/min of {opts.repeats}]")
    rows, ref_result, ref_median = [], None, None
    for entry in w.entries:
        row = Row(w.id, entry.name)
        rows.append(row)
        if entry.peer and not peers.installed(entry.peer):
            row.note = f"skipped: {entry.peer} not installed (pip install {peers.PINS[entry.peer]})"
            continue
        case = None
        try:
            case = entry.factory()
            t0 = time.perf_counter()
            case.step()  # the checked call (and first warm-up)
            first = time.perf_counter() - t0
            got = case.read()
            if ref_result is None:
                ref_result, row.ok, row.check = got, True, "(reference)"
            else:
                row.ok, row.check = compare(got, ref_result, w.rtol)
                if not row.ok:
                    row.note = f"wrong result, not timed: {row.check}"
                    continue
            summarize(row, measure(case.step, opts.repeats, opts.min_time, entry.gc_off, first))
            if ref_median is None:
                ref_median = row.median_s
            row.ratio = row.median_s / ref_median
        except (ImportError, AttributeError) as e:
            row.ok = None if entry.kind == "layergrad" else False
            row.note = _unavailable(entry, e)
        except Exception as e:  # a crash of an engine is a failed check
            row.ok, row.note = False, f"error: {type(e).__name__}: {e}"
        finally:
            if case is not None and case.close:
                case.close()
        if entry.kind == "ref" and row.ok is not True:
            row.ok = False
            break  # nothing to check the others against
    print_rows(rows)
    if w.id == "W1":
        w1_loss_check(w, rows, opts)
    return rows


def w1_loss_check(w: Workload, rows: list[Row], opts: Options) -> None:
    """Run the demo's 100 iterations and compare the loss printed at step 99.

    Untimed, with gc disabled and collected every 10 steps (results do not
    depend on gc).  In ``--quick`` mode only entries whose step takes under
    0.1 s are run.
    """
    want = data.W1_LOSS_STEP99
    print(f"  100-step check (untimed, gc off): loss printed at 'step 99' should be {want!r}")
    for entry, row in zip(w.entries, rows):
        if row.median_s is None or entry.gc_off:
            continue
        if opts.quick and row.median_s > 0.1:
            print(f"    {entry.name:<26}skipped in --quick (~{100 * row.median_s:.0f} s)")
            continue
        was_enabled = gc.isenabled()
        case = entry.factory()
        try:
            gc.disable()
            for k in range(data.W1_STEPS):
                case.step()
                if k % 10 == 9:
                    gc.collect()
            loss = case.read()["loss"]
        except Exception as e:
            loss, err = None, f"{type(e).__name__}: {e}"
        finally:
            if case.close:
                case.close()
            if was_enabled:
                gc.enable()
            gc.collect()
        if loss is None:
            ok, detail = False, err
        else:
            ok, detail = compare({"loss": loss}, {"loss": want}, w.rtol)
            detail = f"{loss!r} ({detail})"
        row.extra["loss_step99"] = loss
        row.extra["loss_step99_ok"] = ok
        row.ok = row.ok and ok
        print(f"    {entry.name:<26}{'✓' if ok else '✗'} {detail}")


# --------------------------------------------------------------------- W5 ---


def _child(args: list[str], timeout: float) -> dict:
    """Run ``python -m benchmarks.child ARGS`` in a fresh process; parse its JSON line."""
    try:
        p = subprocess.run(
            [sys.executable, "-m", "benchmarks.child", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout
        )
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
        f"  [build + backward; fresh process; median/min of {runs}]"
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
            r = _child(["w5", impl, str(n)], timeout)
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
        summarize(row, [r["build_s"] + r["backward_s"] for r in results])
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
    """I: wall time of ``python -c "import autograd, nn"`` vs ``import numpy``."""
    runs = 5 if opts.quick else 11
    print(f"\nI   python -c 'import ...' in a fresh process  [median/min of {runs}]")
    probe = subprocess.run(
        [sys.executable, "-c", "import autograd, nn; autograd.Value; autograd.Tensor"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    # numpy's bytecode was compiled when pip installed it; an editable checkout has
    # none until a first import writes it, and this machine sets PYTHONDONTWRITEBYTECODE.
    # Compile ours the same way, so both imports are measured as users run them.
    for pkg in ("autograd", "nn"):
        compileall.compile_dir(str(REPO / pkg), quiet=1)
    rows = []
    for name, code in [
        ("reference (import numpy)", "import numpy"),
        ("layergrad (import autograd, nn)", "import autograd, nn"),
        ("python -c pass (startup)", "pass"),
    ]:
        row = Row("I", name)
        rows.append(row)
        if name.startswith("layergrad") and probe.returncode != 0:
            tail = (probe.stderr.strip().splitlines() or ["?"])[-1]
            row.note = f"not available ({tail})"
            continue
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            p = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True)
            times.append(time.perf_counter() - t0)
        row.ok, row.check = p.returncode == 0, f"exit code {p.returncode}"
        summarize(row, times)
        row.ratio = row.median_s / rows[0].median_s
    print_rows(rows)
    return rows


def run_graph(opts: Options) -> list[Row]:
    """G: draw micrograd's demo step graph (about 66,000 nodes) with ``draw_graph(loss)``.

    No peer draws this graph (torchviz gives up around 3,000 nodes, micrograd's
    ``draw_dot`` makes an unreadable 15,000-point-wide picture of one sample),
    so the rows are absolute: building the DOT source at ``detail="auto"``, and
    running Graphviz's ``dot -Tsvg`` on it when ``dot`` is installed.  The
    check is the detail level "auto" picks and the drawn node count.
    """
    import shutil

    runs = 3 if opts.quick else 5
    print(f"\nG   draw_graph of micrograd's demo step (W1's loss, 100 samples)  [median/min of {runs}]")
    rows = [Row("G", "layergrad draw_graph(loss) (DOT source)"), Row("G", "dot -Tsvg of that source")]
    try:
        from autograd import Value, draw_graph, register_stage, stage, toposort

        t0 = time.perf_counter()
        root = programs.micrograd_chain_demo_loss(Value, stage, register_stage)
        made = time.perf_counter() - t0
    except (ImportError, AttributeError) as e:
        for row in rows:
            row.note = f"not available ({type(e).__name__}: {e})"
        print_rows(rows)
        return rows
    nodes = len(toposort(root))
    print(f"  (graph built and back-propagated in {made:.2f} s: {nodes:,} nodes)")
    times, graph = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        graph = draw_graph(root)
        times.append(time.perf_counter() - t0)
    build = rows[0]
    build.ok = graph.detail in ("neuron", "layer") and graph.num_nodes <= 2000
    build.check = f"{nodes:,} graph nodes -> detail {graph.detail!r}, {graph.num_nodes} drawn"
    summarize(build, times)
    render = rows[1]
    if shutil.which("dot") is None:
        render.note = "skipped: Graphviz's dot is not installed"
    else:
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            svg = graph.pipe("svg")
            times.append(time.perf_counter() - t0)
        render.ok = svg.lstrip().startswith(b"<?xml") or b"<svg" in svg[:400]
        render.check = f"SVG of {len(svg) / 1024:.0f} KiB"
        summarize(render, times)
    print_rows(rows)
    return rows
