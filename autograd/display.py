"""How nodes show themselves: ``repr`` text and the HTML a notebook displays for a Value or a Tensor."""

from __future__ import annotations

import html
from typing import Any

import numpy as np

__all__ = ["tensor_repr", "tensor_html", "value_html"]


def tensor_repr(t: Any) -> str:
    """PyTorch-like text: the values, then dtype (when not float64), requires_grad and the op.

    Examples
    --------
    >>> from autograd import Tensor
    >>> tensor_repr(Tensor([1.0, 2.0], requires_grad=True))
    'Tensor([1., 2.], requires_grad=True)'
    """
    body = np.array2string(t.data, precision=4, separator=", ", threshold=20, prefix="Tensor(")
    extras = []
    if t.data.dtype != np.float64:
        extras.append(f"dtype={t.data.dtype}")
    if t.requires_grad:
        extras.append("requires_grad=True")
    if t.op is not None:
        t._unfuse()  # a fused node (autograd.fused) shows as the nodes it stands for
        extras.append(f"op={t.op.name}")
    return f"Tensor({body}{''.join(', ' + e for e in extras)})"


def tensor_html(t: Any) -> str:
    """One line of HTML: shape, dtype, min/mean/max, the gradient's norm and the op.

    Examples
    --------
    >>> from autograd import Tensor
    >>> "shape=<code>(2,)</code>" in tensor_html(Tensor([1.0, 2.0]))
    True
    """
    d = t.data
    stats = "" if d.size == 0 else f" min={d.min():.4g} mean={d.mean():.4g} max={d.max():.4g}"
    g = "None" if t.grad is None else f"norm={np.linalg.norm(t.grad):.4g}"
    t._unfuse()  # a fused node (autograd.fused) shows as the nodes it stands for
    op = t.op.name if t.op is not None else "leaf"
    return (
        f"<span>Tensor shape=<code>{d.shape}</code> dtype=<code>{d.dtype}</code>{stats} "
        f"grad=<code>{g}</code> op=<code>{op}</code></span>"
    )


def value_html(v: Any) -> str:
    """One line of HTML: the label, data, grad and op of a Value.

    Examples
    --------
    >>> from autograd import Value
    >>> value_html(Value(2.0, label="x<1>"))
    '<span><b>x&lt;1&gt;</b> Value data=<code>2</code> grad=<code>0</code> op=<code>leaf</code></span>'
    """
    op = v.op.name if v.op is not None else "leaf"
    label = f"<b>{html.escape(v.label, quote=False)}</b> " if v.label else ""
    grad = getattr(v.grad, "data", v.grad)  # a Value under backward(create_graph=True): its number
    return f"<span>{label}Value data=<code>{v.data:.6g}</code> grad=<code>{grad:.6g}</code> op=<code>{op}</code></span>"
