"""How long drawing a big graph spends choosing its detail level (issue 20, item 5).

    python -m benchmarks.draw_planner [--repeats 5]

Builds two scalar-engine graphs of about 10^5 nodes: ``MLP(2, [16, 16, 1])``
over 1,000 points (its 33 neurons fit ``max_nodes``, so "auto" picks the
neuron level) and ``MLP(2, [2500, 1])`` over 6 points (2,501 neurons: the
neuron level is too big and "auto" goes on to the layer level).  Then times
``draw_graph(loss)`` at ``detail="auto"`` and its parts: collecting
the graph, choosing the level (``Planner.choose``: the planner measures each
level finest first until one fits ``max_nodes``) and writing the DOT text.
Prints the median of ``--repeats`` runs of each.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence


def build(hidden: list[int], samples: int):  # -> (loss, node count)
    """The loss of one scalar step of ``MLP(2, hidden + [1])`` over ``samples`` points, and its node count."""
    import numpy as np

    import nn
    from autograd import stage, toposort

    rng = np.random.default_rng(0)
    X = rng.normal(size=(samples, 2))
    y = (np.hypot(X[:, 0], X[:, 1]) > 1).astype(float)
    model = nn.MLP(2, [*hidden, 1], engine="scalar", seed=0)
    outs = [model(list(x))[0] for x in X]
    with stage("loss", label="loss: mean squared error", kind="loss"):
        loss = sum(((o - t) ** 2 for o, t in zip(outs, y)), start=outs[0] * 0.0) * (1.0 / samples)
    loss.backward()
    return loss, len(toposort(loss))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.draw_planner", description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=5, help="timed runs of each part (default 5)")
    args = p.parse_args(argv)
    for hidden, samples in (([16, 16], 1000), ([2500], 6)):
        run(hidden, samples, args.repeats)
    return 0


def run(hidden: list[int], samples: int, repeats: int) -> None:
    """Time drawing one graph and print the medians."""
    from autograd.draw import draw_graph
    from autograd.draw.emit import Emitter
    from autograd.draw.index import GraphIndex, roots_of
    from autograd.draw.plan import Planner

    loss, n = build(hidden, samples)
    times: dict[str, list[float]] = {"collect": [], "choose level": [], "select + write DOT": [], "draw_graph": []}
    for _ in range(repeats):
        t0 = time.perf_counter()
        index = GraphIndex(roots_of(loss))
        t1 = time.perf_counter()
        planner = Planner(index)
        level, counts = planner.choose("auto", 2000)
        t2 = time.perf_counter()
        plan, drawn, left_out = planner.select(level, 2000)
        Emitter(planner, True, True, "LR", True).build(plan, drawn, left_out)
        t3 = time.perf_counter()
        g = draw_graph(loss)
        t4 = time.perf_counter()
        for key, dt in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            times[key].append(dt)
    print(f"MLP(2, {[*hidden, 1]}) over {samples} points: {n:,} nodes; auto picks {level!r} ({g.num_nodes} drawn)")
    print(f"  nodes per level as measured (counting stops past max_nodes): {counts}")
    for key, ts in times.items():
        print(f"  {key:20s} {1000 * statistics.median(ts):8.1f} ms  (median of {len(ts)})")


if __name__ == "__main__":
    raise SystemExit(main())
