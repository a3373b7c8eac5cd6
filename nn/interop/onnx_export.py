"""``export_onnx``: a layergrad model as an ONNX file, each node named after the stage that computes it.

The graph is written with the ``onnx`` package (``pip install
layergrad[interop]``), imported when the function runs.  Node names are the
stage paths a drawing of the model shows, e.g. ``MLP/layer 1/weighted sum``,
``MLP/layer 1/bias``, ``MLP/layer 1/activation``, so Netron and other viewers
show the layers.  The export is the model in evaluation mode (Dropout passes
its input through, BatchNorm1d uses its running statistics), as
``torch.onnx.export`` does.

onnxruntime (1.32) runs every op used here in float32.  In float64 it has no
``LeakyRelu`` or ``Softplus`` kernel, and its ``Gelu`` and ``LayerNormalization``
differ from the formula by up to 1e-8 and 1e-12, and it has no float64
``Erf`` (so no exact ``Gelu``), so a float64 export writes these as small
compositions of ops it runs (``Relu(x) - a·Relu(-x)``,
``Relu(x) + Log(1 + Exp(-|x|))``, GELU's tanh formula, the exact GELU with
erfc as ``exp(-x²)`` times a polynomial good to 1.3e-15, mean and variance),
named ``<stage>/activation/...`` and ``<stage>/normalise/...``.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd.draw.render import atomic_write

from ..module import Module
from .extras import need
from .layout import Piece, pieces, torch_plan, torch_state_dict

__all__ = ["export_onnx", "OPSET"]

OPSET = 20
"""The ONNX opset written (20: the first with ``Gelu``)."""
_IR_VERSION = 9  # the IR version that goes with opset 20


class _Graph:
    """The nodes and initializers being written, and a fresh tensor name for each intermediate result."""

    def __init__(self, onnx: Any, dtype: np.dtype) -> None:
        self.onnx, self.dtype = onnx, dtype
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.names: set[str] = set()

    def name(self, base: str) -> str:
        out, k = base, 1
        while out in self.names:
            k += 1
            out = f"{base} ({k})"
        self.names.add(out)
        return out

    def const(self, name: str, value: Any, dtype: Any = None) -> str:
        arr = np.asarray(value, dtype=dtype or self.dtype)
        name = self.name(name)
        self.inits.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def op(self, op: str, inputs: Sequence[str], name: str, **attrs: Any) -> str:
        name = self.name(name)
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), [name], name=name, **attrs))
        return name


_ERFC_TOP = 6.0  # beyond, erf(x) is ±1 in float64 and erfc(x) < 2e-17
_ERFC_T0 = 2.0 / (2.0 + _ERFC_TOP)  # t = 2/(2 + x) runs over [_ERFC_T0, 1] for x in [0, 6]
_ERFC_DEGREE = 18


@functools.cache
def _erfc_polynomial() -> np.ndarray:
    """Coefficients ``c`` with ``erfc(x) ≈ exp(-x²)·t·Σ c_k u^k`` for x in [0, 6], to 1.3e-15.

    ``t = 2/(2 + x)`` and ``u`` is ``t`` mapped to [-1, 1].  ``e^(x²)·erfc(x)/t``
    is smooth and bounded in ``t`` (it tends to ``1/(2√π)`` as x grows), so its
    Chebyshev interpolant at degree 18, sampled from ``math.erfc``, converges
    to rounding; the coefficients, as powers of ``u``, are all below 1.
    """
    k = np.arange(_ERFC_DEGREE + 1)
    nodes = np.cos(np.pi * (k + 0.5) / (_ERFC_DEGREE + 1))
    t = _ERFC_T0 + (nodes + 1.0) / 2.0 * (1.0 - _ERFC_T0)
    x = 2.0 / t - 2.0
    samples = [math.erfc(v) * math.exp(v * v) / w for v, w in zip(x, t)]
    cheb = np.polynomial.chebyshev.chebfit(nodes, samples, _ERFC_DEGREE)
    return np.asarray(np.polynomial.chebyshev.cheb2poly(cheb), dtype=np.float64)


def _exact_gelu(g: _Graph, x: str, stage: str) -> str:
    """``x/2·(1 + erf(x/√2))`` from ops onnxruntime runs in float64 (it has no float64 ``Erf``).

    With ``e = erfc(|x|/√2)`` from :func:`_erfc_polynomial`, ``1 + erf(x/√2)``
    is ``e`` for x < 0 (no cancellation) and ``2 - e`` otherwise.
    """
    s = g.op("Mul", [x, g.const(f"{stage}.sqrt_half", math.sqrt(0.5))], f"{stage}/x÷√2")
    a = g.op("Min", [g.op("Abs", [s], f"{stage}/|x÷√2|"), g.const(f"{stage}.top", _ERFC_TOP)], f"{stage}/a")
    t = g.op(
        "Div",
        [g.const(f"{stage}.two", 2.0), g.op("Add", [a, g.const(f"{stage}.two_", 2.0)], f"{stage}/2+a")],
        f"{stage}/t",
    )
    scale = 2.0 / (1.0 - _ERFC_T0)
    u = g.op(
        "Add",
        [
            g.op("Mul", [t, g.const(f"{stage}.u_scale", scale)], f"{stage}/t·k"),
            g.const(f"{stage}.u_shift", -1.0 - _ERFC_T0 * scale),
        ],
        f"{stage}/u",
    )
    col = g.op("Unsqueeze", [u, g.const(f"{stage}.last_axis", [-1], np.int64)], f"{stage}/u[..., None]")
    powers = g.op(
        "Pow", [col, g.const(f"{stage}.exponents", np.arange(_ERFC_DEGREE + 1, dtype=np.float64))], f"{stage}/u^k"
    )
    series = g.op("MatMul", [powers, g.const(f"{stage}.erfc_coefficients", _erfc_polynomial())], f"{stage}/Σ c·u^k")
    gauss = g.op("Exp", [g.op("Neg", [g.op("Mul", [a, a], f"{stage}/a²")], f"{stage}/-a²")], f"{stage}/exp(-a²)")
    erfc = g.op("Mul", [g.op("Mul", [gauss, t], f"{stage}/exp·t"), series], f"{stage}/erfc")
    negative = g.op("Less", [x, g.const(f"{stage}.zero", 0.0)], f"{stage}/x<0")
    upper = g.op("Sub", [g.const(f"{stage}.two__", 2.0), erfc], f"{stage}/2-erfc")
    one_plus_erf = g.op("Where", [negative, erfc, upper], f"{stage}/1+erf")
    half = g.op("Mul", [x, g.const(f"{stage}.half", 0.5)], f"{stage}/x/2")
    return g.op("Mul", [half, one_plus_erf], stage)


def _activation(g: _Graph, piece: Piece, x: str, stage: str) -> str:
    t, opts = piece.torch_type, piece.options
    f64 = g.dtype == np.float64
    if t == "Identity":
        return g.op("Identity", [x], stage)
    if t in ("ReLU", "Sigmoid", "Tanh"):
        return g.op({"ReLU": "Relu"}.get(t, t), [x], stage)
    if t == "GELU" and not f64:
        return g.op("Gelu", [x], stage, approximate=opts["approximate"])
    if t == "GELU" and opts["approximate"] == "none":
        return _exact_gelu(g, x, stage)
    if t == "GELU":  # onnxruntime's float64 Gelu is off by 1e-8: the formula, step by step
        cube = g.op("Mul", [g.op("Mul", [x, x], f"{stage}/x²"), x], f"{stage}/x³")
        inner = g.op("Add", [x, g.op("Mul", [cube, g.const(f"{stage}.c", 0.044715)], f"{stage}/c·x³")], f"{stage}/sum")
        scaled = g.op("Mul", [inner, g.const(f"{stage}.k", 0.7978845608028654)], f"{stage}/k·sum")
        th = g.op("Tanh", [scaled], f"{stage}/tanh")
        half = g.op("Mul", [x, g.const(f"{stage}.half", 0.5)], f"{stage}/x/2")
        return g.op("Mul", [half, g.op("Add", [th, g.const(f"{stage}.one", 1.0)], f"{stage}/1+tanh")], stage)
    if t == "LeakyReLU" and not f64:
        return g.op("LeakyRelu", [x], stage, alpha=float(opts["negative_slope"]))
    if t == "LeakyReLU":  # NOTE: exact: one of the two Relus is 0, and negation is exact
        pos = g.op("Relu", [x], f"{stage}/relu(x)")
        neg = g.op("Relu", [g.op("Neg", [x], f"{stage}/-x")], f"{stage}/relu(-x)")
        scaled = g.op("Mul", [neg, g.const(f"{stage}.negative_slope", opts["negative_slope"])], f"{stage}/slope")
        return g.op("Sub", [pos, scaled], stage)
    if t == "Softplus" and not f64:
        return g.op("Softplus", [x], stage)
    if t == "Softplus":  # the stable form max(x, 0) + log(1 + e^-|x|)
        e = g.op("Exp", [g.op("Neg", [g.op("Abs", [x], f"{stage}/|x|")], f"{stage}/-|x|")], f"{stage}/exp")
        log = g.op("Log", [g.op("Add", [e, g.const(f"{stage}.one", 1.0)], f"{stage}/1+exp")], f"{stage}/log")
        return g.op("Add", [g.op("Relu", [x], f"{stage}/relu"), log], stage)
    raise AssertionError(f"export_onnx: no ONNX form for activation {t}")  # the plan only holds the ones above


def _layer_norm(g: _Graph, x: str, stage: str, opts: dict[str, Any], p: dict[str, np.ndarray]) -> str:
    shape, eps = tuple(opts["normalized_shape"]), float(opts["eps"])
    k = len(shape)
    if g.dtype != np.float64:
        scale = g.const(f"{stage}.weight", p.get("weight", np.ones(shape)))
        inputs = [x, scale] + ([g.const(f"{stage}.bias", p["bias"])] if "bias" in p else [])
        return g.op("LayerNormalization", inputs, f"{stage}/normalise", axis=-k, epsilon=eps)
    # float64: layergrad's formula step by step (onnxruntime's kernel differs by up to 1e-12)
    axes = g.const(f"{stage}.axes", list(range(-k, 0)), np.int64)
    mean = g.op("ReduceMean", [x, axes], f"{stage}/normalise/mean")
    d = g.op("Sub", [x, mean], f"{stage}/normalise/x-mean")
    var = g.op("ReduceMean", [g.op("Mul", [d, d], f"{stage}/normalise/square"), axes], f"{stage}/normalise/var")
    veps = g.op("Add", [var, g.const(f"{stage}.eps", eps)], f"{stage}/normalise/var+eps")
    inv = g.op("Pow", [veps, g.const(f"{stage}.power", -0.5)], f"{stage}/normalise/1÷sqrt")
    y = g.op("Mul", [d, inv], f"{stage}/normalise")
    if "weight" in p:
        y = g.op("Mul", [y, g.const(f"{stage}.weight", p["weight"])], f"{stage}/scale and shift/scale")
    if "bias" in p:
        y = g.op("Add", [y, g.const(f"{stage}.bias", p["bias"])], f"{stage}/scale and shift")
    return y


def _piece(g: _Graph, piece: Piece, x: str, arrays: dict[str, np.ndarray], prefix: str, ndim: int) -> tuple[str, int]:
    """Append the nodes of one torch-twin piece; return the output's name and rank."""
    stage = "/".join(piece.module._path) or type(piece.module).__name__
    t, opts = piece.torch_type, piece.options
    if piece.step:
        return _activation(g, piece, x, f"{stage}/{piece.step}"), ndim
    p = {name: arrays[f"{prefix}.{name}" if prefix else name] for name, _, _ in piece.tensors}
    if t == "Linear":
        z = g.op("MatMul", [x, g.const(f"{stage}.weight", p["weight"].T)], f"{stage}/weighted sum")
        if "bias" in p:
            z = g.op("Add", [z, g.const(f"{stage}.bias", p["bias"])], f"{stage}/bias")
        return z, ndim
    if t == "LayerNorm":
        return _layer_norm(g, x, stage, opts, p), ndim
    if t == "BatchNorm1d":
        if not opts["track_running_stats"]:
            raise ValueError(
                f"export_onnx: {piece.module.describe()} has no running statistics "
                "(track_running_stats=False), so it normalises with each batch's own even when evaluating; "
                "ONNX's BatchNormalization needs a fixed mean and variance"
            )
        n = opts["num_features"]
        stats = [p.get("weight", np.ones(n)), p.get("bias", np.zeros(n)), p["running_mean"], p["running_var"]]
        names = [g.const(f"{stage}.{s}", v) for s, v in zip(("weight", "bias", "running_mean", "running_var"), stats)]
        return g.op("BatchNormalization", [x, *names], f"{stage}/normalise", epsilon=float(opts["eps"])), ndim
    if t == "Embedding":
        idx = x if ndim < 0 else g.op("Cast", [x], f"{stage}/indices", to=g.onnx.TensorProto.INT64)
        return g.op("Gather", [g.const(f"{stage}.weight", p["weight"]), idx], f"{stage}/lookup"), abs(ndim) + 1
    if t == "Dropout":
        return g.op("Identity", [x], f"{stage}/dropout (evaluation: identity)"), ndim
    if t == "Flatten":
        n = abs(ndim)
        a, b = opts["start_dim"] % n, opts["end_dim"] % n
        if b != n - 1 or a > b:
            raise ValueError(
                f"export_onnx: {piece.module.describe()} flattens dimensions {opts['start_dim']}..{opts['end_dim']} "
                f"of a rank-{n} input; only flattening through the last dimension (end_dim=-1) is exported"
            )
        shape = g.const(f"{stage}.shape", [0] * a + [-1], np.int64)  # 0: keep that dimension, -1: the rest
        return g.op("Reshape", [x, shape], f"{stage}/flatten"), a + 1
    if t in ("Softmax", "LogSoftmax"):
        return g.op(t, [x], f"{stage}/{t.lower()}", axis=int(opts["dim"])), ndim
    return _activation(g, piece, x, stage), ndim


def _with_output_shape(onnx: Any, proto: Any) -> Any:
    """The model with its output's shape filled in by ONNX's shape inference (symbolic batch sizes kept)."""
    graph = proto.graph
    node = graph.node[-1]
    node.output[0] = "output (inferred)"
    graph.output[0].name = "output (inferred)"
    inferred = onnx.shape_inference.infer_shapes(proto, strict_mode=True)
    out = inferred.graph.output[0]
    if not out.type.tensor_type.HasField("shape"):
        found = [v for v in inferred.graph.value_info if v.name == out.name]
        if found:
            out.CopyFrom(found[0])
    node = inferred.graph.node[-1]
    node.output[0] = out.name = "output"
    return inferred


def _dtype(model: Module, dtype: Any) -> np.dtype:
    if dtype is None:
        kinds = {np.dtype(p.data.dtype) for p in model.parameters() if isinstance(p.data, np.ndarray)}
        dtype = kinds.pop() if len(kinds) == 1 else np.float64
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"export_onnx: dtype must be float32 or float64, got {dt}")
    return dt


def _input_shape(model: Module, input_shape: Any) -> list[Any]:
    if input_shape is None:
        nin = getattr(model, "nin", None)
        if not nin:
            raise ValueError(
                f"export_onnx: pass input_shape for {model.describe()}, e.g. input_shape=(None, 4) "
                "(None: any batch size)"
            )
        return ["batch", int(nin)]
    if isinstance(input_shape, (int, np.integer)) or not hasattr(input_shape, "__iter__"):
        raise TypeError(f"export_onnx: input_shape must be a tuple such as (None, 2), got {input_shape!r}")
    dims: list[Any] = []
    for i, d in enumerate(input_shape):
        if d is None or isinstance(d, str):
            dims.append(d or ("batch" if i == 0 else f"dim{i}"))
        elif isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 1:
            dims.append(int(d))
        else:
            raise ValueError(f"export_onnx: input_shape entries must be positive ints or None, got {input_shape!r}")
    if not dims:
        raise ValueError("export_onnx: input_shape must have at least one dimension")
    return dims


def export_onnx(model: Module, path: str | os.PathLike[str], input_shape: Any = None, dtype: Any = None) -> str:
    """Write ``model`` as an ONNX model to ``path`` (atomically) and return the path.

    Parameters
    ----------
    model : nn.Module
        The layers :func:`nn.to_torch` supports (an MLP or Sequential of
        Linear, activations, LayerNorm, BatchNorm1d, Embedding, Dropout,
        Flatten, Softmax, LogSoftmax), on either engine.  Exported as in
        evaluation mode.  Anything else raises a TypeError naming the layer.
    path : str or path-like
        The file to write (``.onnx`` by convention).
    input_shape : tuple, optional
        The input's shape; ``None`` entries are any size (named ``batch``
        for the first).  Default ``(None, model.nin)``.  A model that starts
        with an Embedding takes int64 indices.
    dtype : float32 or float64, optional
        Default: the model's parameters' dtype (float64 for the scalar engine).

    Examples
    --------
    >>> import os, tempfile, nn
    >>> path = os.path.join(tempfile.mkdtemp(), "net.onnx")
    >>> nn.export_onnx(nn.MLP(2, [4, 1]), path) == path
    True
    >>> import onnx
    >>> [n.name for n in onnx.load(path).graph.node][:3]
    ['MLP/layer 1/weighted sum', 'MLP/layer 1/bias', 'MLP/layer 1/activation']
    """
    onnx = need("onnx", "nn.export_onnx")
    plan = torch_plan(model)  # refuses layers without a twin, naming them
    dt = _dtype(model, dtype)
    dims = _input_shape(model, input_shape)
    arrays = {k: v.astype(dt) if v.dtype.kind == "f" else v for k, v in torch_state_dict(model).items()}
    g = _Graph(onnx, dt)
    elem = onnx.helper.np_dtype_to_tensor_dtype(dt)
    all_pieces = list(pieces(plan))
    first = all_pieces[0][1] if all_pieces else None
    takes_indices = first is not None and first.torch_type == "Embedding"
    in_elem = onnx.TensorProto.INT64 if takes_indices else elem
    x, ndim = "input", -len(dims) if takes_indices else len(dims)  # a negative rank: the input is already int64
    g.names.add(x)
    for prefix, piece in all_pieces:
        x, ndim = _piece(g, piece, x, arrays, prefix, ndim)
    if not g.nodes:
        x = g.op("Identity", [x], "output")
    g.nodes[-1].output[0] = "output"
    graph = onnx.helper.make_graph(
        g.nodes,
        model.name,
        [onnx.helper.make_tensor_value_info("input", in_elem, dims)],
        [onnx.helper.make_tensor_value_info("output", elem, None)],
        initializer=g.inits,
    )
    proto = onnx.helper.make_model(
        graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)], producer_name="layergrad", ir_version=_IR_VERSION
    )
    proto.doc_string = model.describe()
    proto = _with_output_shape(onnx, proto)
    onnx.checker.check_model(proto, full_check=True)
    path = os.fspath(path)
    atomic_write(path, proto.SerializeToString())
    return path
