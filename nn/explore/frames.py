"""Frames: the numbers behind every picture of the explorer page, one frame per recorded epoch.

Pictures made of many numbers (each neuron's map over the input plane, the
decision boundary, the projected representations and grid lines) are
quantised to 8 bits per number and sent as base64 (see :func:`pack`): the
page only colours pixels and places points with them, and 8 bits is finer
than the pixels they land on.  Numbers a learner reads (weights, losses,
accuracies, gradient norms, probe accuracies) are sent as plain JSON floats,
which keep every digit.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np

from ..inspect.plane import grid, grid_lines
from ..inspect.probes import fit_probe, probe_predict
from ..inspect.snapshots import at_epoch
from ..inspect.stages import layer_outputs
from ..metrics import score_accuracy
from .adapt import Dense, dense_plan, output_kind, twin

__all__ = ["pack", "unpack", "projection", "build_frames", "finite"]


def finite(values: Any) -> list[Any]:
    """A list of floats for JSON, with nan and infinities as None (JSON has no nan).

    Examples
    --------
    >>> finite([1.5, float("nan"), float("inf")])
    [1.5, None, None]
    """
    return [float(v) if math.isfinite(float(v)) else None for v in values]


def pack(a: Any, lead: int = 1) -> dict[str, Any]:
    """Quantise ``a`` to 8 bits with its own range per index of its first ``lead`` axes, as base64.

    ``value ≈ lo + q / 255 * (hi - lo)``, with ``lo``/``hi`` listed per lead
    index (flattened).  :func:`unpack` (and the page's ``unpack``) inverts it.

    Examples
    --------
    >>> p = pack(np.array([[0.0, 1.0, 2.0], [5.0, 5.0, 5.0]]))
    >>> p["shape"], p["lo"], p["hi"]
    ([2, 3], [0.0, 5.0], [2.0, 5.0])
    >>> np.round(unpack(p), 2).tolist()   # 1.0 comes back as 0 + 128/255 * 2
    [[0.0, 1.0, 2.0], [5.0, 5.0, 5.0]]
    """
    a = np.asarray(a, dtype=np.float64)
    flat = a.reshape(int(np.prod(a.shape[:lead])), -1)
    lo, hi = flat.min(axis=1), flat.max(axis=1)
    span = np.where(hi > lo, hi - lo, 1.0)
    q = np.rint((flat - lo[:, None]) / span[:, None] * 255.0).astype(np.uint8)
    return {
        "shape": list(a.shape),
        "lo": lo.tolist(),
        "hi": hi.tolist(),
        "b64": base64.b64encode(q.tobytes()).decode("ascii"),
    }


def unpack(p: dict[str, Any]) -> np.ndarray:
    """The array that :func:`pack` quantised (to within ``(hi - lo) / 510`` per number).

    >>> a = np.array([[0.0, 0.5, 1.0]])
    >>> bool(np.abs(unpack(pack(a)) - a).max() <= 1 / 510)
    True
    """
    q = np.frombuffer(base64.b64decode(p["b64"]), dtype=np.uint8).astype(np.float64)
    lo, hi = np.asarray(p["lo"]), np.asarray(p["hi"])
    flat = lo[:, None] + q.reshape(len(lo), -1) / 255.0 * (hi - lo)[:, None]
    return flat.reshape(p["shape"])


def projection(F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, basis)`` that show the rows of ``F`` in 2-D: themselves (width <= 2) or the top 2 principal axes.

    Each principal axis is signed so that its largest entry is positive, so
    the picture does not flip between two epochs whose axes barely differ.

    Examples
    --------
    >>> F = np.array([[-2.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 1.0, 0.0]])
    >>> mean, basis = projection(F)
    >>> basis.round(2).tolist()   # x varies most, then y; z not at all
    [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    """
    width = F.shape[1]
    if width <= 2:
        return np.zeros(width), np.eye(width)
    mean = F.mean(axis=0)
    _, _, vt = np.linalg.svd(F - mean, full_matrices=False)
    basis = vt[:2].T.copy()
    for j in range(basis.shape[1]):
        if basis[np.argmax(np.abs(basis[:, j])), j] < 0:
            basis[:, j] = -basis[:, j]
    return mean, basis


def _flat2(P: np.ndarray, n: int) -> np.ndarray:
    """Projected points as ``(n, 2)``: a 1-D representation gets a second coordinate of 0."""
    return P if P.shape[1] == 2 else np.column_stack([P[:, 0], np.zeros(n)])


def _weights(plan: list[Dense]) -> list[tuple[list[list[float]], list[float]]]:
    """Each layer's ``(weight (in, out), bias (out,))`` as nested lists of floats."""
    return [(d.W.tolist(), d.b.tolist()) for d in plan]


def build_frames(
    rec: Any,
    history: Any,
    resolution: int = 32,
    boundary_resolution: int = 64,
    probe_epochs: int = 100,
    lines: int = 9,
) -> dict[str, Any]:
    """The data of every view of the page, for each epoch of the recording ``rec``.

    Parameters
    ----------
    rec : Recording
        From ``nn.fit(..., record=...)``.
    history : History
        The loss and accuracy curves of the same run.
    resolution : int, default 32
        Pixels per side of each neuron's map.
    boundary_resolution : int, default 64
        Pixels per side of the decision boundary.
    probe_epochs : int, default 100
        Training steps of each linear probe (one per layer and frame).
    lines : int, default 9
        Grid lines per direction in the warped-grid pictures.

    Returns
    -------
    dict
        Plain JSON data (see ``explorer.js`` for how each part is drawn).

    Examples
    --------
    >>> import nn
    >>> X, y = nn.data.circles(40, seed=0)
    >>> h = nn.fit(nn.MLP(2, [3, 1], seed=0), X, y, epochs=2, record=True, progress=False)
    >>> frames = build_frames(h.record, h, resolution=8, boundary_resolution=8, probe_epochs=5)
    >>> frames["epochs"], len(frames["maps"]) > 0
    ([0, 1, 2], True)
    """
    model = rec.model
    X, y = rec.X, rec.y
    test = rec.test
    Xt, yt = test if test is not None else (X[:0], y[:0])
    both = np.concatenate([X, Xt])
    g = grid(both, resolution=resolution, margin=0.3)
    gb = grid(extent=g.extent, resolution=boundary_resolution)
    segs = grid_lines(g.extent, lines=lines, points=25)
    seg_pts = segs.reshape(-1, 2)
    classes = int(max(int(np.max(y)) + 1, 2))
    kind = output_kind(dense_plan(model))
    maps, scales, bounds, conf, reps, warps, probes, weights, accs = [], [], [], [], [], [], [], [], []
    cache: dict[str, float] = {}  # the input's probe: the input does not change between epochs
    for epoch in rec.epochs:
        with at_epoch(model, rec.snapshots, epoch):
            plan = dense_plan(model)
            net = twin(model, "tensor")
            outs = layer_outputs(net, g.points)
            outs.pop("input")
            cols = np.concatenate(list(outs.values()), axis=1).T  # (neurons, points)
            m = np.max(np.abs(cols), axis=1)
            scales.append(m.tolist())
            maps.append(cols / np.where(m > 0, m, 1.0)[:, None])
            logits = list(layer_outputs(net, gb.points).values())[-1]
            if logits.shape[1] == 1:
                p = _probability(logits[:, 0], kind)
                bounds.append((p > 0.5).astype(np.float64))
                conf.append(np.abs(2 * p - 1))
            else:
                z = logits - logits.max(axis=1, keepdims=True)
                prob = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
                bounds.append(prob.argmax(axis=1).astype(np.float64))
                conf.append((prob.max(axis=1) - 1.0 / logits.shape[1]) / (1 - 1.0 / logits.shape[1]))
            data_reps = layer_outputs(net, both)
            line_reps = layer_outputs(net, seg_pts)
            frame_pts, frame_lines = [], []
            for name, F in data_reps.items():
                mean, basis = projection(F)
                frame_pts.append(_flat2((F - mean) @ basis, len(F)))
                frame_lines.append(_flat2((line_reps[name] - mean) @ basis, len(seg_pts)))
            last = list(data_reps.values())[-1]
            accs.append([_accuracy(last[: len(X)], y, kind), _accuracy(last[len(X) :], yt, kind)])
            reps.append(frame_pts)
            warps.append(frame_lines)
            probes.append([_probe(F, len(X), y, yt, probe_epochs, cache, name) for name, F in data_reps.items()])
            weights.append(_weights(plan))
    rep_names = list(data_reps.keys())
    # points and grid lines share one range per (frame, layer), so the lines frame the points
    joint = [[np.concatenate([p, q]) for p, q in zip(fp, fl)] for fp, fl in zip(reps, warps)]
    packed_joint = pack(np.array(joint), lead=2)
    n_pts = len(both)
    hist = {
        "loss": finite(history.loss),
        "accuracy": finite(history.accuracy),
        "val_loss": finite(history.val_loss),
        "val_accuracy": finite(history.val_accuracy),
    }
    if kind == "probability":
        # NOTE: fit scores a 1-wide output as a logit (class 1 when > 0), which is wrong for a
        # sigmoid output; the page's curves use this page's own accuracy at the recorded epochs
        for key, col in (("accuracy", 0), ("val_accuracy", 1)):
            hist[key] = [None] * len(hist[key])
            for e, a in zip(rec.epochs, accs):
                if 0 < e <= len(hist[key]):
                    hist[key][e - 1] = a[col]
    return {
        "epochs": list(rec.epochs),
        "history": hist,
        "sizes": [int(plan[0].W.shape[0])] + [int(d.W.shape[1]) for d in plan],
        "output": kind,
        "acc": accs,
        "layers": [n for n in rep_names if n != "input"],
        "repNames": rep_names,
        "classes": classes,
        "extent": list(g.extent),
        "res": int(resolution),
        "maps": pack(np.array(maps), lead=2),
        "mapScale": scales,
        "boundaryRes": int(boundary_resolution),
        "boundary": pack(np.array(bounds), lead=1),
        "confidence": pack(np.array(conf), lead=1),
        "points": {
            "X": np.round(X, 5).tolist(),
            "y": np.asarray(y).astype(int).tolist(),
            "Xt": np.round(Xt, 5).tolist(),
            "yt": np.asarray(yt).astype(int).tolist(),
        },
        "reps": packed_joint,
        "nPoints": n_pts,
        "nLines": 2 * lines,
        "probes": probes,
        "gradNorms": [finite(d.values()) for d in rec.grad_norms],
        "weights": weights,
    }


def _probe(F: np.ndarray, n: int, y: Any, yt: Any, epochs: int, cache: dict[str, float], name: str) -> float:
    """The linear-probe accuracy of one representation, as :func:`nn.inspect.linear_probes` scores it.

    ``F`` holds the training rows (the first ``n``) and then the test rows;
    without test rows the probe is scored on the training rows.  The same
    steps as ``linear_probes`` (standardise with the training statistics,
    :func:`~nn.inspect.probes.fit_probe`, seed 0, lr 0.05), on
    representations already computed for the pictures.
    """
    if name == "input" and name in cache:
        return cache[name]
    classes = np.unique(y)
    k = len(classes)
    Ftr, Fte = F[:n], F[n:]
    yte = yt
    if len(Fte) == 0:
        Fte, yte = Ftr, y
    mu, sd = Ftr.mean(axis=0), Ftr.std(axis=0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    probe = fit_probe((Ftr - mu) / sd, np.searchsorted(classes, y), k, epochs, 0.05, 0)
    known = np.isin(yte, classes)
    tt = np.where(known, np.searchsorted(classes, yte).clip(0, k - 1), -1)
    score = float(np.mean(probe_predict(probe, (Fte - mu) / sd, k) == tt))
    if name == "input":
        cache[name] = score
    return score


def _probability(out: np.ndarray, kind: str) -> np.ndarray:
    """Class 1's probability from a 1-wide output: itself after a sigmoid, else the sigmoid of the logit."""
    if kind == "probability":
        return np.clip(out, 0.0, 1.0)
    return 1.0 / (1.0 + np.exp(-np.clip(out, -60, 60)))


def _accuracy(out: np.ndarray, labels: np.ndarray, kind: str = "logit") -> float | None:
    """The share of rows whose predicted class (p > 0.5, or the largest output) is the label; None for no rows."""
    if len(out) == 0:
        return None
    mode = "binary" if out.shape[1] == 1 else "multiclass"  # p > 0.5 is a logit > 0
    return score_accuracy(out, np.asarray(labels).astype(int), mode, 0.5 if kind == "probability" else 0.0)
