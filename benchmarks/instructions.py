"""Instructions per step under valgrind's cachegrind: a count that the machine's load does not move.

Times on a shared machine move with its load, and the load moves them
unequally (a numpy kernel and Python's interpreter lose differently).  The
number of instructions a step executes does not move: this runs each
implementation of a workload twice in a fresh process under
``valgrind --tool=cachegrind`` (``BASE`` steps, then ``BASE + STEPS`` steps),
and the difference over ``STEPS`` is its instructions per step, without the
start-up, the imports and the first steps.  Instructions are not time (a
BLAS kernel does more per instruction than the interpreter), so this is for
comparing two versions of the same implementation, not implementations with
each other; ``python -m benchmarks`` gives the times.

    python -m benchmarks.instructions                 W2: numpy by hand, layergrad, layergrad nn
    python -m benchmarks.instructions W3 --steps 20   any timed workload of benchmarks.workloads

Needs the ``valgrind`` program (``apt-get install -y valgrind``); about a
minute per implementation for W2's default 500 steps.

Examples
--------
>>> instructions_from("==1== I   refs:      1,234,567\\n")
1234567
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys

from .harness import pinned_env
from .workloads import REPO, timed_workloads

__all__ = ["instructions_from", "per_step", "main"]

_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions_from(report: str) -> int:
    """The instruction count (``I refs``) in cachegrind's report ``report``.

    Examples
    --------
    >>> instructions_from("==7== I refs: 42")
    42
    """
    found = _REFS.search(report)
    if found is None:
        raise ValueError(f"benchmarks.instructions: no 'I refs' line in valgrind's output:\n{report[-2000:]}")
    return int(found.group(1).replace(",", ""))


def _count(workload: str, index: int, steps: int) -> int:
    cmd = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "benchmarks.instructions",
        "--child",
        workload,
        str(index),
        str(steps),
    ]
    env = pinned_env(1)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks.instructions: {' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return instructions_from(done.stderr)


def per_step(workload: str, index: int, steps: int, base: int) -> float:
    """Instructions per step of implementation ``index`` of ``workload``: (count of ``base + steps`` steps minus
    count of ``base`` steps) / ``steps``, each in a fresh process under cachegrind."""
    return (_count(workload, index, base + steps) - _count(workload, index, base)) / steps


def _child(workload: str, index: int, steps: int) -> None:
    case = timed_workloads()[workload].entries[index].factory()
    for _ in range(steps):
        case.step()


def main(argv: list[str] | None = None) -> int:
    """Print instructions per step for each numpy or layergrad implementation of a workload."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__.split("\n")[0])
    ap.add_argument("workload", nargs="?", default="W2", help="a timed workload id (default W2)")
    ap.add_argument("--steps", type=int, default=500, help="steps counted (default 500)")
    ap.add_argument("--base", type=int, default=100, help="steps of the first run, subtracted (default 100)")
    ap.add_argument("--child", nargs=3, metavar=("WORKLOAD", "INDEX", "STEPS"), help=argparse.SUPPRESS)
    opts = ap.parse_args(argv)
    if opts.child:
        _child(opts.child[0], int(opts.child[1]), int(opts.child[2]))
        return 0
    table = timed_workloads()
    if opts.workload not in table:
        ap.error(f"workload must be one of {', '.join(table)}, got {opts.workload!r}")
    if shutil.which("valgrind") is None:
        print("benchmarks.instructions: needs the valgrind program (apt-get install -y valgrind)", file=sys.stderr)
        return 2
    w = table[opts.workload]
    print(f"{w.id}  {w.title}  [instructions per step, cachegrind, {opts.steps} steps after {opts.base}]")
    ref = None
    for i, entry in enumerate(w.entries):
        if entry.kind == "peer":  # torch and micrograd: other interpreters' work, not what this compares
            continue
        n = per_step(w.id, i, opts.steps, opts.base)
        ref = n if ref is None else ref
        print(f"  {entry.name:<44} {n:>14,.0f}  {n / ref:6.3f} x ref")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
