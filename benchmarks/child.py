"""Fresh-process measurements, run by the harness (prints one JSON line).

python -m benchmarks.child w5 {micrograd|layergrad} N
python -m benchmarks.child leak {W1|W2} ENTRY_NAME STEPS
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

from . import data
from .harness import rss_bytes


def w5(impl: str, n: int) -> dict:
    """Build the W5 chain, then backward; times and RSS growth per chain step.

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
        return {"error": f"{type(e).__name__}: {e}", "missing": True}
    result: dict = {}

    def run():
        try:
            r0 = rss_bytes()
            t0 = time.perf_counter()
            x = leaf = Value(data.W5_X0)
            for _ in range(n):
                x = x * data.W5_MUL + 0.0
            t1 = time.perf_counter()
            r1 = rss_bytes()
            x.backward()
            t2 = time.perf_counter()
            r2 = rss_bytes()
            result.update(
                build_s=t1 - t0,
                backward_s=t2 - t1,
                graph_bytes_per_step=(r1 - r0) / n,
                after_backward_bytes_per_step=(r2 - r0) / n,
                value=float(x.data),
                grad=float(leaf.grad),
            )
        except (ImportError, AttributeError) as e:
            result.update(error=f"{type(e).__name__}: {e}", missing=True)
        except BaseException as e:
            result.update(error=f"{type(e).__name__}: {e}"[:300])

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
    from .workloads import timed_workloads

    entry = next(e for e in timed_workloads()[workload].entries if e.name == entry_name)
    try:
        case = entry.factory()
        for _ in range(5):
            case.step()
    except (ImportError, AttributeError) as e:
        return {"error": f"{type(e).__name__}: {e}", "missing": True}
    start = rss_bytes()
    samples = []
    t0 = time.perf_counter()
    for i in range(steps):
        case.step()
        if (i + 1) % max(1, steps // 10) == 0:
            samples.append(rss_bytes())
    return {
        "steps": steps,
        "seconds": time.perf_counter() - t0,
        "start": start,
        "end": samples[-1],
        "max": max(samples),
        "samples": samples,
    }


def main(argv: list[str]) -> None:
    """Dispatch ``w5`` / ``leak``; print the result as JSON and exit without teardown."""
    if argv[0] == "w5":
        out = w5(argv[1], int(argv[2]))
    else:
        out = leak(argv[1], argv[2], int(argv[3]))
    print(json.dumps(out), flush=True)
    os._exit(0)  # skip freeing a multi-GB graph at interpreter exit


if __name__ == "__main__":
    main(sys.argv[1:])
