"""The demo behind ``bash scripts/dev.sh demo`` (``python -m nn.demo``).

It answers the mission's question on the concentric-circles data set: a
linear classifier (one linear step) against a deep network (several nonlinear
stages) against the same deep network without its nonlinearity, then writes
the pictures that show why: the layer-staged computation graph, the network
diagram, decision boundaries, the three models' training curves, the grid of
the input plane after every layer (straight without a nonlinearity), neuron
maps with a layer's two stages, and gradient health.

Representations becoming linearly separable layer by layer (claim 4 of the
mission) need a harder task than the circles, which one ReLU layer already
untangles: :data:`LAYER_BY_LAYER`, a narrow tanh network on a three-arm
spiral, whose linear probes rise layer by layer (layer representations and
linear probes pictures).
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

#: the setting whose linear probes rise layer by layer: a narrow tanh net on a three-arm spiral
LAYER_BY_LAYER: dict[str, Any] = {
    "data": {"n": 400, "noise": 0.05, "seed": 0, "classes": 3},
    "hidden": [4, 4, 4, 4],
    "activation": "tanh",
    "epochs": 500,
    "seed": 4,  # weights, split and batches; with it every hidden layer's probe beats the one before
}


def layer_by_layer() -> tuple[Any, tuple[np.ndarray, ...], dict[str, float]]:
    """Train the :data:`LAYER_BY_LAYER` network; return it, its data split and its linear-probe accuracies.

    Examples
    --------
    >>> model, (Xtr, Xte, ytr, yte), probes = layer_by_layer()
    >>> list(probes)
    ['input', 'layer 1', 'layer 2', 'layer 3', 'layer 4', 'layer 5']
    >>> probes["input"] < 0.6 < 0.9 < probes["layer 4"]
    True
    """
    from . import data, fit
    from .inspect import linear_probes
    from .mlp import MLP

    cfg: dict[str, Any] = LAYER_BY_LAYER
    X, y = data.spiral(**cfg["data"])
    Xtr, Xte, ytr, yte = data.split(X, y, test_fraction=0.25, seed=cfg["seed"])
    k = cfg["data"]["classes"]
    model = MLP(2, [*cfg["hidden"], k], activation=cfg["activation"], seed=cfg["seed"])
    fit(model, Xtr, ytr, epochs=cfg["epochs"], progress=False, seed=cfg["seed"])
    probes = dict(linear_probes(model, Xtr, ytr, test=(Xte, yte)))
    return model, (Xtr, Xte, ytr, yte), probes


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
    from autograd import Tensor, draw_graph

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
    spiral_net, spiral_split, probes = layer_by_layer()
    arch2 = "→".join(str(w) for w in [2, *LAYER_BY_LAYER["hidden"], LAYER_BY_LAYER["data"]["classes"]])
    rise = " → ".join(f"{100 * v:.0f} %" for v in probes.values())
    print(f"layer by layer (a narrow tanh net {arch2} on a three-arm spiral), linear probes on held-out points:")
    print(f"  {' → '.join(probes)}")
    print(f"  {rise}  (the output layer is trivially separable: it is the decision)")
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
    loss = loss_fn(out, yb)  # the loss runs in its own stage ("loss: binary cross-entropy")
    deep.zero_grad()
    loss.backward()
    written.append(_render(draw_graph(loss, detail="auto"), os.path.join(args.out, "graph")))
    twin = deep.to_engine("scalar") if args.engine == "tensor" else deep
    one = twin(list(Xtr[0]))
    loss1 = loss_fn([one[0]] if nout == 1 else [one], ytr[:1])
    loss1.backward()
    written.append(_render(draw_graph(loss1, detail="neuron"), os.path.join(args.out, "graph_neurons")))
    written.append(_render(draw_network(deep), os.path.join(args.out, "network")))

    if not args.no_plots:
        written += _plots(args, models, X, y, Xtr, ytr, Xte, yte, loss_fn)
        written += _layer_by_layer_plots(args.out, spiral_net, spiral_split, probes)
        # the explorer: one interactive page of a training run
        from .explore.page import demo_page

        written.append(demo_page(args.out, Xtr, ytr, (Xte, yte), hidden, args.activation, args.epochs, args.seed))
    print(f"wrote {len(written)} files to {os.path.abspath(args.out)}:")
    for path in written:
        print(f"  {os.path.abspath(path)}")
    return 0


def _plots(
    args: Any, models: list, X: np.ndarray, y: np.ndarray, Xtr: Any, ytr: Any, Xte: Any, yte: Any, loss_fn: Any
) -> list[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the pictures (pip install 'layergrad[plot]')", file=sys.stderr)
        return []
    from . import plot
    from .mlp import MLP
    from .plot import save_figure

    out = args.out
    written = []
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.9))
    for ax, (name, model, _) in zip(axes, models):
        plot.decision_boundary(model, X, y, ax=ax, title=name, test=(Xte, yte))
    fig.suptitle("What each model predicts over the input plane")
    fig.tight_layout()
    written.append(save_figure(fig, os.path.join(out, "decision_boundaries.png")))
    plt.close(fig)
    (lin_name, _, lin_history), (deep_name, deep, history), (flat_name, flat, flat_history) = models
    untrained = MLP(2, [*_hidden(args.hidden), deep.nout], activation=args.activation, seed=args.seed)
    health = {
        "before training": _health(untrained, Xtr, ytr, loss_fn),
        "after training": _health(deep, Xtr, ytr, loss_fn),
    }
    res = 80 if args.engine == "tensor" else 30
    curves = {deep_name: history, lin_name: lin_history, flat_name: flat_history}
    for fname, make in (
        ("neuron_maps.png", lambda p: plot.neuron_maps(deep, X, y, resolution=res, path=p)),
        ("training_curves.png", lambda p: plot.training_curves(curves, title="training the three models", path=p)),
        (
            "straight_grid.png",
            lambda p: plot.warped_grids(
                {deep_name: deep, flat_name: flat},
                X,
                title="the input grid after each layer: bent by the nonlinear network, straight without a nonlinearity",
                path=p,
            ),
        ),
        (
            "gradient_health.png",
            lambda p: plot.gradient_health(
                health=health,
                title=f"{deep_name}: gradients before and after training (the loss is then near 0)",
                path=p,
            ),
        ),
    ):
        path = os.path.join(out, fname)
        fig = make(path)
        plt.close(fig)
        written.append(path)
    return written


def _health(model: Any, X: Any, y: Any, loss_fn: Any) -> Any:
    from .inspect import gradient_health

    return gradient_health(model, X, y, loss_fn)


def _layer_by_layer_plots(out: str, model: Any, split: tuple[np.ndarray, ...], probes: dict[str, float]) -> list[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
    except ImportError:
        return []
    from . import plot

    Xtr, Xte, ytr, yte = split
    _, counts = np.unique(yte, return_counts=True)
    written = []
    for fname, make in (
        (
            "layer_representations.png",
            lambda p: plot.layer_representations(
                model,
                Xtr,
                ytr,
                test=(Xte, yte),  # the probes' numbers are those of the bar chart
                title="a narrow tanh network on a spiral: each layer re-describes the data (training points)",
                path=p,
            ),
        ),
        (
            "linear_probes.png",
            lambda p: plot.linear_probes(
                probes=probes,
                chance=counts.max() / counts.sum(),
                title="linear probes, held-out points: separability rises layer by layer",
                path=p,
            ),
        ),
    ):
        path = os.path.join(out, fname)
        make(path)
        written.append(path)
    return written


if __name__ == "__main__":
    sys.exit(main())
