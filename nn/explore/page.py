"""The explorer page: :func:`explore` records a run, :class:`Explorer` shows it in Jupyter or saves one HTML file."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import time
import uuid
from importlib import resources
from typing import Any

import numpy as np

from autograd import palette
from autograd.draw.render import atomic_write

from ..checks import check_inputs, check_int, check_labels, check_pair
from ..inspect.snapshots import at_epoch
from .adapt import act_name, dense_plan, describe_plan, output_kind
from .frames import build_frames
from .recording import Recording
from .trace import backprop_trace

__all__ = ["Explorer", "explore", "asset", "demo_page", "map_resolution"]


def asset(name: str) -> str:
    """The text of one of the page's files (``explorer.js``, ``explorer.css``, ``template.html``).

    Examples
    --------
    >>> "<!DOCTYPE html>" in asset("template.html")
    True
    """
    return resources.files("nn.explore").joinpath("assets").joinpath(name).read_text(encoding="utf-8")


#: About how many bytes the neuron maps may take in the page before :func:`map_resolution` lowers their resolution.
MAP_BUDGET = 2_000_000


def map_resolution(frames: int, neurons: int, budget: int = MAP_BUDGET) -> int:
    """Pixels per side of each neuron's map: 32, or less (not under 16) to keep all maps within ``budget`` bytes.

    Each pixel is one byte, base64 makes 4 characters of 3 bytes.

    Examples
    --------
    >>> map_resolution(31, 33), map_resolution(61, 67), map_resolution(61, 500)
    (32, 19, 16)
    """
    side = int((budget * 3 / 4 / max(1, frames * neurons)) ** 0.5)
    return max(16, min(32, side))


def _packed_weights(weights: list[Any]) -> dict[str, Any]:
    """Every frame's weights as one base64 string of little-endian float64s (exact, about half the JSON text).

    Order: frame, layer, W row by row (shape (nin, nout)), then b; ``shapes`` lists each layer's (nin, nout).

    Examples
    --------
    >>> p = _packed_weights([[([[1.0, 2.0]], [0.5, -0.25])]])
    >>> p["shapes"], np.frombuffer(base64.b64decode(p["f64"]), dtype="<f8").tolist()
    ([[1, 2]], [1.0, 2.0, 0.5, -0.25])
    """
    shapes = [[len(W), len(W[0])] for W, _ in weights[0]] if weights else []
    flat = [
        np.concatenate([np.ravel(np.asarray(W, dtype="<f8")), np.asarray(b, dtype="<f8")])
        for f in weights
        for W, b in f
    ]
    raw = np.concatenate(flat).astype("<f8").tobytes() if flat else b""
    return {"shapes": shapes, "frames": len(weights), "f64": base64.b64encode(raw).decode("ascii")}


def _json_for_script(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>`` or ``<!--`` can appear)."""
    text = json.dumps(data, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Explorer:
    """One interactive page of a recorded training run: network, boundary, layers, curves and backprop.

    Made by :func:`explore`.  In Jupyter it shows itself (in an ``iframe``
    whose ``srcdoc`` is the page, so several explorers in one notebook never
    share ids or scripts); :meth:`save` writes the page as one self-contained
    HTML file (scripts, styles and data inline; it needs no network and opens
    from ``file://``).

    Attributes
    ----------
    data : dict
        Everything the page shows (plain JSON data).
    trace : dict
        The backprop trace of one sample (see :func:`nn.explore.trace.backprop_trace`).

    Examples
    --------
    >>> import nn
    >>> X, y = nn.data.circles(60, seed=0)
    >>> ex = nn.explore(nn.MLP(2, [4, 1], seed=0), X, y, epochs=4, probe_epochs=5)
    >>> ex
    Explorer(epochs 0..4, 5 frames, network 2→4→1, backprop of sample 0: 37 nodes)
    >>> html_text = ex.html()
    >>> html_text.startswith("<!DOCTYPE html>"), "<script src" in html_text, "<link" in html_text
    (True, False, False)
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.trace = data["trace"]

    def html(self) -> str:
        """The whole page as one HTML string."""
        parts = {
            "TITLE": html.escape(self.data.get("title", "layergrad explorer")),
            "CSS": asset("explorer.css"),
            "DATA": _json_for_script({**self.data, "weights": _packed_weights(self.data["weights"])}),
            "JS": asset("explorer.js"),
        }
        return re.sub(r"\{\{(TITLE|CSS|DATA|JS)\}\}", lambda m: parts[m.group(1)], asset("template.html"))

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write the page to ``path`` (``.html`` added when missing) atomically; return the path written.

        Examples
        --------
        >>> import os, tempfile, nn
        >>> X, y = nn.data.circles(40, seed=0)
        >>> ex = nn.explore(nn.MLP(2, [3, 1], seed=0), X, y, epochs=2, probe_epochs=5)
        >>> path = ex.save(os.path.join(tempfile.mkdtemp(), "explorer"))
        >>> path.endswith("explorer.html"), os.path.getsize(path) > 10_000
        (True, True)
        """
        path = os.fspath(path)
        if os.path.isdir(path) or path.endswith(os.sep):
            raise ValueError(f"Explorer.save: {path!r} is a folder; give a file name such as 'explorer.html'")
        if not path.lower().endswith((".html", ".htm")):
            path += ".html"
        atomic_write(path, self.html().encode("utf-8"))
        return path

    def _repr_html_(self) -> str:
        frame = html.escape(self.html(), quote=True)
        ident = f"layergrad-explorer-{uuid.uuid4().hex[:12]}"
        return (
            f'<iframe id="{ident}" srcdoc="{frame}" style="width:100%;height:1400px;border:1px solid #ddd" '
            'sandbox="allow-scripts"></iframe>'
        )

    def __repr__(self) -> str:
        e = self.data["epochs"]
        sizes = "→".join(str(s) for s in self.data["sizes"])
        return (
            f"Explorer(epochs {e[0]}..{e[-1]}, {len(e)} frames, network {sizes}, "
            f"backprop of sample {self.data['sample']}: {len(self.trace['nodes'])} nodes)"
        )


def _check_model(model: Any, where: str) -> list[Any]:
    """The model as the explorer reads it (see :func:`nn.explore.adapt.dense_plan`); errors name what is wrong."""
    from ..module import Module

    if not isinstance(model, Module):
        raise TypeError(
            f"{where}: the explorer needs an nn model (nn.MLP, nn.Sequential of Linear layers and activations, "
            f"or nn.from_torch(torch_module)), got {type(model).__name__}"
        )
    return dense_plan(model, where)


def explore(
    model: Any,
    X: Any = None,
    y: Any = None,
    epochs: int = 100,
    test: Any = None,
    record: bool | int = True,
    sample: int = 0,
    trace_epoch: int | None = None,
    resolution: int | None = None,
    probe_epochs: int = 100,
    seed: int = 0,
    title: str | None = None,
    **fit_kwargs: Any,
) -> Explorer:
    """Train ``model`` on ``(X, y)`` while recording, and return an :class:`Explorer` of the run.

    ``nn.explore(history)`` instead replays a run recorded earlier by
    ``nn.fit(..., record=True)`` (then give no other data argument).

    Parameters
    ----------
    model : nn.MLP, nn.Sequential or History
        A network with 2 inputs: an ``nn.MLP`` (either engine, or
        :mod:`nn.micrograd`'s), or an ``nn.Sequential`` of ``nn.Linear`` layers
        and activation modules, such as ``nn.from_torch(torch_module)``
        makes.  It is trained in place by :func:`nn.fit`.  Or the
        :class:`nn.History` of a recorded run.  A last layer ending in a
        sigmoid is read as class 1's probability (and trained with
        :func:`nn.binary_cross_entropy` unless ``loss=`` is given); k
        outputs are k classes' logits.
    X, y : array_like
        Training inputs ``(N, 2)`` and class labels ``(N,)``.
    epochs : int, default 100
        Epochs of training (0: just show the model as it is).
    test : (X_test, y_test), optional
        Held-out data, shown hollow and scored as the test accuracy; it is
        ``fit``'s ``validation``.
    record : True or int, default True
        Which epochs the slider shows: every ``record``-th, or True for about 60.
    sample : int, default 0
        The training sample whose backprop the page steps through.
    trace_epoch : int, optional
        The recorded epoch whose weights that backprop uses; default the
        last, so the gradients shown are those of the model as it is now.
    resolution : int, optional
        Pixels per side of each neuron's map; default 32, or fewer (down to
        16) when the network and the run are so large that the maps would
        pass about 2 MB (see :func:`map_resolution`).
    probe_epochs : int, default 100
        Training steps of each linear probe.
    seed : int, default 0
        ``fit``'s seed (the order of mini-batches).
    title : str, optional
        The page's heading.
    **fit_kwargs
        Passed on to :func:`nn.fit` (``optimizer``, ``batch_size``, ``loss``, ...).

    Returns
    -------
    Explorer

    Examples
    --------
    >>> import nn
    >>> X, y = nn.data.circles(80, seed=0)
    >>> ex = nn.explore(nn.MLP(2, [6, 1], seed=0), X, y, epochs=10, record=5, probe_epochs=5)
    >>> ex.data["epochs"], ex.data["sizes"]
    ([0, 5, 10], [2, 6, 1])
    >>> nn.explore(nn.MLP(3, [1]), X, y)
    Traceback (most recent call last):
    ...
    ValueError: explore: the explorer draws the 2-D input plane, so the model needs 2 inputs; it has 3
    """
    where = "explore"
    start = time.perf_counter()
    history = model
    rec = getattr(model, "record", None)
    if isinstance(rec, Recording):
        if X is not None or y is not None:
            raise TypeError(f"{where}: explore(history) replays a recorded run; give no X or y with it")
    elif hasattr(model, "loss") and hasattr(model, "accuracy") and not hasattr(model, "forward"):
        raise ValueError(f"{where}: this History has no recording; train with nn.fit(..., record=True)")
    else:
        from ..losses import binary_cross_entropy
        from ..train import fit  # nn.train imports this package's recording module

        plan = _check_model(model, where)
        if "loss" not in fit_kwargs and output_kind(plan) == "probability" and plan[-1].W.shape[1] == 1:
            fit_kwargs["loss"] = binary_cross_entropy  # the output is already a probability
        if X is None or y is None:
            raise TypeError(f"{where}: give the training data: explore(model, X, y)")
        Xa = check_inputs(X, where, 2)
        ya = check_labels(y, Xa.shape[0], where)
        validation = None
        if test is not None:
            Xt, yt = check_pair(test, where, "test", "X_test, y_test")
            validation = (Xt, yt)
        epochs = check_int(epochs, "epochs", where, minimum=0)
        if record is None or record is False:
            raise ValueError(f"{where}: record must be True or a number of epochs (the page replays recorded epochs)")
        history = fit(
            model, Xa, ya, epochs=epochs, validation=validation, record=record, progress=False, seed=seed, **fit_kwargs
        )
        rec = history.record
    plan = _check_model(rec.model, where)
    sample = check_int(sample, "sample", where, minimum=0)
    if sample >= len(rec.X):
        raise ValueError(f"{where}: sample must be below the {len(rec.X)} training samples, got {sample}")
    data = build_frames(
        rec,
        history,
        resolution=map_resolution(len(rec.epochs), sum(d.W.shape[1] for d in plan))
        if resolution is None
        else check_int(resolution, "resolution", where, 4),
        probe_epochs=probe_epochs,
    )
    x = np.asarray(rec.X[sample], dtype=np.float64)
    epoch = rec.epochs[-1] if trace_epoch is None else check_int(trace_epoch, "trace_epoch", where, minimum=0)
    with at_epoch(rec.model, rec.snapshots, epoch):
        data["trace"] = backprop_trace(rec.model, x.tolist(), int(rec.y[sample]), rec.loss)
    data["trace"]["epoch"] = epoch
    data["sample"] = sample
    data["palette"] = palette.as_dict()
    data["architecture"] = describe_plan(plan)
    data["activation"] = ", ".join(dict.fromkeys(act_name(d.act) for d in plan[:-1])) or act_name(plan[-1].act)
    data["title"] = title or f"layergrad explorer: {type(rec.model).__name__} {data['architecture']}"
    data["buildSeconds"] = time.perf_counter() - start
    return Explorer(data)


def demo_page(out: str, X: Any, y: Any, test: Any, hidden: list[int], activation: str, epochs: int, seed: int) -> str:
    """The demo's explorer: a fresh tensor ``nn.MLP(2, hidden + [outputs])`` trained and saved as ``out/explorer.html``.

    About 30 epochs are recorded whatever ``epochs`` is, so the page stays small (about 2.5 MB for
    the demo's defaults).

    Examples
    --------
    >>> import os, tempfile, nn
    >>> X, y = nn.data.circles(40, seed=0)
    >>> path = demo_page(tempfile.mkdtemp(), X, y, None, [4], "relu", 3, 0)
    >>> os.path.basename(path)
    'explorer.html'
    """
    from ..mlp import MLP

    nout = 1 if int(np.max(y)) <= 1 else int(np.max(y)) + 1
    model = MLP(2, [*hidden, nout], activation=activation, seed=seed)
    ex = explore(model, X, y, test=test, epochs=epochs, record=max(1, epochs // 30), probe_epochs=20, seed=seed)
    return ex.save(os.path.join(out, "explorer.html"))
