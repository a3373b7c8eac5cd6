"""``python -m benchmarks [--quick] [--only W1,W4] [--json PATH] [--leak]``

Runs the workloads against the hand-written references, the installed peers
(micrograd, torch) and layergrad, checks every result against the reference
and prints medians, minima and ratios to the same-run reference.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time

from . import peers
from .harness import Row, environment
from .workloads import REPO, Options, _child, run_graph, run_import, run_timed, run_w5, timed_workloads

ALL = ["W1", "W2", "W3", "W4", "W4s", "W5", "I", "G"]
# --leak: (workload, entry, steps).  micrograd's W1 is left out: ~1.4 s/step with gc on.
LEAK = [
    ("W2", "reference (numpy)", 1000),
    ("W2", "torch (1 thread)", 1000),
    ("W2", "layergrad", 1000),
    ("W2", "layergrad nn (MLP, SGD, mse_loss)", 1000),
    ("W1", "reference (pure Python)", 1000),
    ("W1", "layergrad", 1000),
]


def header(env: dict, opts: Options) -> None:
    """Print the machine/version line every result table is read against."""
    print(f"layergrad benchmarks — {env['date']}" + ("  (--quick)" if opts.quick else ""))
    print(
        f"python {env['python']}, numpy {env['numpy']} ({env['blas']}), "
        f"torch {env['torch']}, micrograd {env['micrograd']}"
    )
    print(
        f"nproc {env['nproc']}, cpu {env['cpu']}, OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']}, "
        f"load average {env['loadavg_1min']} (a busy machine makes timings noisy)"
    )
    print(
        "ratios: median / median of the same run's reference; ✓ = result matches the "
        "reference (1e-9 rel float64, 1e-4 float32)"
    )


def fresh_process(wid: str, opts: Options) -> list[dict]:
    """Run one timed workload in a fresh interpreter; print its table, return its rows.

    The cyclic garbage collector's full passes cost time in proportion to every
    object alive in the process, so a workload measured after others (micrograd's
    graphs, torch's modules) would be slowed by their leftovers.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "rows.json")
        cmd = [sys.executable, "-m", "benchmarks", "--only", wid, "--same-process", "--json", out]
        cmd += ["--repeats", str(opts.repeats)] + (["--quick"] if opts.quick else [])
        p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        lines = p.stdout.splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith(wid + " ")), len(lines))
        print("\n" + "\n".join(line for line in lines[start:] if not line.startswith(("total ", "wrote "))))
        if not os.path.exists(out):
            tail = (p.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"  ✗ the {wid} process failed (exit code {p.returncode}): {tail}")
            return [dataclasses.asdict(Row(wid, "harness", ok=False, note=tail))]
        with open(out) as f:
            return json.load(f)["rows"]


def run_leak() -> list[dict]:
    """--leak: RSS before and after many steps, each entry in a fresh process."""
    print("\nleak: RSS after 5 warm-up steps vs after N more steps (target: within +10 %)")
    out = []
    for workload, entry, steps in LEAK:
        name = f"{workload} {entry}"
        if entry.startswith("torch") and not peers.installed("torch"):
            print(f"  {name:<38}skipped: torch not installed")
            continue
        r = _child(["leak", workload, entry, str(steps)], timeout=1800)
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
            f"max {r['max'] / 2**20:.1f} MiB)"
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
    ap.add_argument(
        "--same-process",
        action="store_true",
        help="run W1-W4s in this process (default: each workload in a fresh one, so one workload's "
        "leftover objects and imports do not slow the next one's garbage collector)",
    )
    args = ap.parse_args(argv)

    if str(REPO) not in sys.path:  # so `import autograd, nn` finds this repo's packages
        sys.path.insert(0, str(REPO))
    opts = Options(
        repeats=args.repeats or (3 if args.quick else 7), min_time=0.05 if args.quick else 0.2, quick=args.quick
    )
    env = environment()
    header(env, opts)
    t0 = time.perf_counter()
    results: dict = {"environment": env, "quick": opts.quick, "rows": []}
    if args.leak:
        results["leak"] = run_leak()
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
            elif args.same_process:
                rows = run_timed(timed[wid], opts)
            else:
                results["rows"] += fresh_process(wid, opts)
                continue
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
