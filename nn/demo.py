"""The demo behind ``bash scripts/dev.sh demo`` (``python -m nn.demo``).

It answers the mission's question on the concentric-circles data set: a
linear classifier (one linear step) against a deep network (several nonlinear
stages) against the same deep network without its nonlinearity, then writes
the pictures that show why: the layer-staged computation graph, the network
diagram, decision boundaries, neuron maps, layer representations and linear
probes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

DATASETS = ("circles", "moons", "xor", "spiral", "gaussians", "linear")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m nn.demo",
        description="Linear classifier vs deep network vs deep network without nonlinearity, "
        "with pictures of what each layer learned.",
    )
    p.add_argument("--dataset", choices=DATASETS, default="circles", help="2-D data set (default: circles)")
    p.add_argument("--n", type=int, default=400, help="number of points (default: 400)")
    p.add_argument("--noise", type=float, default=0.08, help="noise of the data set (default: 0.08)")
    p.add_argument("--hidden", default="16,16", help="hidden layer widths, comma separated (default: 16,16)")
    p.add_argument("--activation", default="relu", help="hidden activation (default: relu)")
    p.add_argument("--engine", choices=("tensor", "scalar"), default="tensor", help="engine (default: tensor)")
    p.add_argument("--epochs", type=int, default=300, help="full-batch epochs (default: 300)")
    p.add_argument("--seed", type=int, default=0, help="seed for data and weights (default: 0)")
    p.add_argument("--out", default="layergrad-output", help="output folder (default: ./layergrad-output)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    p.add_argument("--no-plots", action="store_true", help="skip the matplotlib pictures")
    return p


def _hidden(text: str) -> list[int]:
    try:
        widths = [int(w) for w in text.split(",") if w.strip()]
    except ValueError:
        raise SystemExit(f"--hidden: expected comma-separated widths like 16,16, got {text!r}") from None
    if not widths or any(w < 1 for w in widths):
        raise SystemExit(f"--hidden: widths must be positive integers, got {text!r}")
    return widths


def _data(name: str, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from . import data

    make = getattr(data, name)
    return make(n=n, noise=noise, seed=seed)


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _render(graph: Any, path_no_ext: str) -> str:
    """SVG when Graphviz's ``dot`` is installed, else the ``.dot`` text."""
    from autograd import GraphvizError

    try:
        return graph.render(path_no_ext, format="svg")
    except GraphvizError:
        return graph.save(path_no_ext + ".dot")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the process exit code.

    Examples
    --------
    >>> import tempfile
    >>> main(["--epochs", "5", "--n", "60", "--no-progress", "--no-plots",
    ...       "--out", tempfile.mkdtemp()])  # doctest: +ELLIPSIS
    layergrad demo: circles, 60 points ...
    0
    """
    args = _parser().parse_args(argv)
    from autograd import Tensor, draw_graph, stage

    from . import accuracy, draw_network, fit
    from .data import split
    from .losses import bce_with_logits, cross_entropy
    from .mlp import MLP

    hidden = _hidden(args.hidden)
    if args.n < 8:
        raise SystemExit("--n: need at least 8 points")
    X, y = _data(args.dataset, args.n, args.noise, args.seed)
    Xtr, Xte, ytr, yte = split(X, y, test_fraction=0.25, seed=args.seed)
    k = int(y.max()) + 1
    nout = 1 if k == 2 else k
    os.makedirs(args.out, exist_ok=True)
    print(
        f"layergrad demo: {args.dataset}, {args.n} points ({len(Xtr)} train, {len(Xte)} test), "
        f"{args.engine} engine, {args.epochs} epochs"
    )

    arch = "→".join(str(w) for w in [2, *hidden, nout])
    specs = [
        ("linear classifier", "classic method: one step, y = w·x + b", [nout], "identity"),
        (f"deep network ({args.activation})", f"{len(hidden)} hidden layers, {arch}", [*hidden, nout], args.activation),
        ("deep, no nonlinearity", f"same {arch}, activation = identity", [*hidden, nout], "identity"),
    ]
    models, results = [], []
    for name, what, sizes, act in specs:
        model = MLP(2, sizes, activation=act, engine=args.engine, seed=args.seed)
        t0 = time.perf_counter()
        history = fit(
            model,
            Xtr,
            ytr,
            epochs=args.epochs,
            progress=not args.no_progress,
            seed=args.seed,
            snapshot_every=max(1, args.epochs // 10),
        )
        seconds = time.perf_counter() - t0
        train_acc, test_acc = accuracy(model, Xtr, ytr), accuracy(model, Xte, yte)
        models.append((name, model, history))
        results.append((name, what, f"{100 * train_acc:.1f} %", f"{100 * test_acc:.1f} %", f"{seconds:.2f} s"))
    print()
    print(_table([("model", "what it is", "train", "test", "time"), *results]))
    print()

    deep = models[1][1]
    written: list[str] = []
    # the layer-staged computation graph: a few samples through the deep model and the loss
    xb = Xtr[:4] if args.engine == "tensor" else Xtr[:1]
    yb = ytr[: len(xb)]
    loss_fn = bce_with_logits if nout == 1 else cross_entropy
    if args.engine == "tensor":
        out = deep(Tensor(xb))
    else:
        out = [deep(list(x)) for x in xb]
        out = [o[0] for o in out] if nout == 1 else out
    with stage("loss", label="loss: " + loss_fn.__name__):
        loss = loss_fn(out, yb)
    deep.zero_grad()
    loss.backward()
    written.append(_render(draw_graph(loss, detail="auto"), os.path.join(args.out, "graph")))
    twin = deep.to_engine("scalar") if args.engine == "tensor" else deep
    one = twin(list(Xtr[0]))
    with stage("loss", label="loss: " + loss_fn.__name__):
        loss1 = loss_fn([one[0]] if nout == 1 else [one], ytr[:1])
    loss1.backward()
    written.append(_render(draw_graph(loss1, detail="neuron"), os.path.join(args.out, "graph_neurons")))
    written.append(_render(draw_network(deep), os.path.join(args.out, "network")))

    if not args.no_plots:
        written += _plots(args, models, X, y, Xtr, ytr, Xte, yte)
    if not args.no_plots:  # the explorer: one interactive page of a training run
        from .explore.page import demo_page

        written.append(demo_page(args.out, Xtr, ytr, (Xte, yte), hidden, args.activation, args.epochs, args.seed))
    print(f"wrote {len(written)} files to {os.path.abspath(args.out)}:")
    for path in written:
        print(f"  {os.path.abspath(path)}")
    return 0


def _plots(args: Any, models: list, X: np.ndarray, y: np.ndarray, Xtr: Any, ytr: Any, Xte: Any, yte: Any) -> list[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the pictures (pip install 'layergrad[plot]')", file=sys.stderr)
        return []
    from . import plot
    from .plot import save_figure

    out = args.out
    written = []
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.4))
    for ax, (name, model, _) in zip(axes, models):
        plot.decision_boundary(model, X, y, ax=ax, title=name)
    fig.suptitle("What each model predicts over the input plane")
    fig.tight_layout()
    written.append(save_figure(fig, os.path.join(out, "decision_boundaries.png")))
    plt.close(fig)
    deep_name, deep, history = models[1]
    res = 60 if args.engine == "tensor" else 25
    for fname, make in (
        ("neuron_maps.png", lambda p: plot.neuron_maps(deep, X, y, resolution=res, path=p)),
        ("layer_representations.png", lambda p: plot.layer_representations(deep, X, y, path=p)),
        ("linear_probes.png", lambda p: plot.linear_probes(deep, Xtr, ytr, test=(Xte, yte), path=p)),
        ("training_curves.png", lambda p: plot.training_curves(history, title=deep_name, path=p)),
    ):
        path = os.path.join(out, fname)
        fig = make(path)
        plt.close(fig)
        written.append(path)
    return written


if __name__ == "__main__":
    sys.exit(main())
