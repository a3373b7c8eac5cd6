"""``python -m benchmarks [--quick] [--only W1,W4] [--json PATH] [--leak] [--threads N] [--rotated]``

Runs the workloads against the hand-written references, the installed peers
(micrograd, torch) and layergrad, each implementation in its own fresh process
with BLAS threads pinned, checks every result against the reference and prints
CPU-time medians with their interquartile range, wall-time medians and ratios
to the same run's reference median.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

from . import peers
from .harness import THREAD_VARS, environment
from .workloads import REPO, Options, _child, run_graph, run_import, run_timed, run_w5, timed_workloads

ALL = ["W1", "W2", "W3", "W4", "W4L", "W4s", "W5", "I", "G"]
# --leak: (workload, entry, steps).  micrograd's W1 is left out: ~1.4 s/step with gc on.
LEAK = [
    ("W2", "reference (numpy)", 1000),
    ("W2", "torch", 1000),
    ("W2", "layergrad", 1000),
    ("W2", "layergrad nn (MLP, SGD, mse_loss)", 1000),
    ("W1", "reference (pure Python)", 1000),
    ("W1", "layergrad", 1000),
]


def header(env: dict, opts: Options) -> None:
    """Print the machine/version line and the method every result table is read against."""
    print(f"layergrad benchmarks — {env['date']}" + ("  (--quick)" if opts.quick else ""))
    print(f"command: {env['command']}")
    print(
        f"python {env['python']}, numpy {env['numpy']} ({env['blas']}), "
        f"torch {env['torch']}, micrograd {env['micrograd']}"
    )
    print(
        f"nproc {env['nproc']}, cpu {env['cpu']}, OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']}, "
        f"load average {env['loadavg_1min']} (a busy machine makes wall times noisy)"
    )
    where = (
        "all of a workload's implementations in one fresh process, order rotated every round, first round dropped"
        if opts.rotated
        else "every (workload, implementation) in its own fresh process"
    )
    print(f"method: {where}")
    pools = (
        "threadpoolctl checks each child's pools"
        if env["threadpoolctl"] == "installed"
        else "threadpoolctl not installed"
    )
    print(
        f"threads: {'='.join(THREAD_VARS)}={opts.threads} in every child's environment, "
        f"torch.set_num_threads({opts.threads}) ({pools})"
    )
    print(
        f"timer: {env['timer']} (CPU time) per step, wall time also shown; median and IQR "
        "(q3 - q1) of the repeats; ratio = median / the same run's reference median"
    )
    print("✓ = result matches the reference (1e-9 rel float64, 1e-4 float32)")


def run_leak(opts: Options) -> list[dict]:
    """--leak: RSS before and after many steps, each entry in a fresh process."""
    print("\nleak: RSS after 5 warm-up steps vs after N more steps (target: within +10 %)")
    out = []
    for workload, entry, steps in LEAK:
        name = f"{workload} {entry}"
        if entry.startswith("torch") and not peers.installed("torch"):
            print(f"  {name:<38}skipped: torch not installed")
            continue
        r = _child(["leak", workload, entry, str(steps)], opts, timeout=1800)
        r.update(workload=workload, impl=entry)
        out.append(r)
        if "error" in r:
            what = "not available" if r.get("missing") else "✗ error"
            print(f"  {name:<38}{what} ({r['error']})")
            continue
        growth = r["end"] / r["start"] - 1
        mark = "✓" if growth <= 0.10 else "✗"
        print(
            f"  {name:<38}{mark} {steps} steps in {r['seconds']:.1f} s: "
            f"{r['start'] / 2**20:.1f} MiB -> {r['end'] / 2**20:.1f} MiB "
            f"({growth:+.1%}, {(r['end'] - r['start']) / steps / 1024:+.1f} KiB/step; "
            f"max {r['max'] / 2**20:.1f} MiB; {r['faults_per_step']:.1f} faults/step)"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the selected workloads, print and save results."""
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="smoke run: 3 repeats, short repeats, W5 with 100,000 steps")
    ap.add_argument("--only", metavar="IDS", help=f"comma-separated subset of {','.join(ALL)}")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    ap.add_argument("--leak", action="store_true", help="instead: RSS over 1,000 W2 and 1,000 W1 steps")
    ap.add_argument("--repeats", type=int, help="timed repeats per entry (default 7, quick 3)")
    ap.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP/torch threads in every child (default 1)")
    ap.add_argument(
        "--rotated",
        action="store_true",
        help="time a workload's implementations in one shared process, order rotated every round "
        "(default: each in its own fresh process); shows what sharing a process does to the numbers",
    )
    args = ap.parse_args(argv)
    if args.threads < 1:
        ap.error("--threads must be at least 1")

    if str(REPO) not in sys.path:  # so `import autograd, nn` finds this repo's packages
        sys.path.insert(0, str(REPO))
    opts = Options(
        repeats=args.repeats or (3 if args.quick else 7),
        min_time=0.05 if args.quick else 0.2,
        quick=args.quick,
        threads=args.threads,
        rotated=args.rotated,
    )
    env = environment(opts.threads)
    env["command"] = "python -m benchmarks" + "".join(f" {a}" for a in (sys.argv[1:] if argv is None else argv))
    env["method"] = "rotated" if opts.rotated else "own process"
    header(env, opts)
    t0 = time.perf_counter()
    results: dict = {"environment": env, "quick": opts.quick, "rows": []}
    if args.leak:
        results["leak"] = run_leak(opts)
    else:
        ids = ALL if not args.only else [s.strip() for s in args.only.split(",")]
        known = {i.lower(): i for i in ALL}
        bad = [i for i in ids if i.lower() not in known]
        if bad:
            ap.error(f"unknown workload(s) {', '.join(bad)}; choose from {', '.join(ALL)}")
        timed = timed_workloads()
        for wid in (known[i.lower()] for i in ids):
            if wid == "W5":
                rows = run_w5(opts)
            elif wid == "I":
                rows = run_import(opts)
            elif wid == "G":
                rows = run_graph(opts)
            else:
                rows = run_timed(timed[wid], opts)
            results["rows"] += [dataclasses.asdict(r) for r in rows]
    print(f"\ntotal {time.perf_counter() - t0:.1f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
        print(f"wrote {args.json}")
    failed = [r for r in results["rows"] if r["ok"] is False]
    failed += [r for r in results.get("leak", []) if "error" in r and not r.get("missing")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
