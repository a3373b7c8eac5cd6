"""Make the README's picture: a small network's computation graph, grouped by layer.

    python scripts/make_readme_picture.py            # write docs/assets/graph.dot and graph.svg
    python scripts/make_readme_picture.py --check    # exit 1 if the committed graph.dot is stale

The picture is a deep network (2 inputs, two hidden ReLU layers of 3 neurons,
one output) applied to a batch of 4 points of the circles data set, drawn by
:func:`autograd.draw_graph` at ``detail="neuron"``: one box per layer, and in
each box the layer's processing steps (weighted sum, bias, activation) next to
its weight and bias parameters.  Values and gradients are left out (only
shapes are shown), so the picture shows the structure and does not change when
numerics do.

The DOT text (``graph.dot``) depends only on layergrad, so ``tests/docs/test_docs.py``
rebuilds it and compares it with the committed file.  The SVG is made from it
by Graphviz's ``dot``, whose output differs between Graphviz versions, so the
test checks only that the SVG is valid and draws the same nodes and boxes.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSETS = os.path.join(ROOT, "docs", "assets")


def graph():  # -> autograd.Graph
    """The README picture as an :class:`autograd.Graph` (DOT text; no Graphviz needed)."""
    import nn
    from autograd import Tensor, draw_graph

    X, _ = nn.data.circles(8, seed=0)
    net = nn.MLP(2, [3, 3, 1], activation="relu", engine="tensor", seed=0)
    out = net(Tensor(X[:4]))
    return draw_graph(out, detail="neuron", show_data=False, show_grad=False, legend=False)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python scripts/make_readme_picture.py", description=__doc__.split("\n")[0])
    p.add_argument("--out", default=ASSETS, help="output folder (default: docs/assets)")
    p.add_argument("--check", action="store_true", help="only compare with the committed graph.dot; write nothing")
    args = p.parse_args(argv)

    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)  # run from a checkout without installing
    g = graph()
    dot_path = os.path.join(args.out, "graph.dot")
    if args.check:
        try:
            with open(dot_path, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != g.source:
            print(f"{dot_path} is stale: run python scripts/make_readme_picture.py", file=sys.stderr)
            return 1
        print(f"{dot_path} is current")
        return 0

    os.makedirs(args.out, exist_ok=True)
    print(g.save(dot_path))
    from autograd import GraphvizError

    try:
        print(g.render(os.path.join(args.out, "graph"), format="svg"))
    except GraphvizError as e:
        print(f"graph.svg not written: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
