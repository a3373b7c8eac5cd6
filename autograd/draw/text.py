"""DOT quoting and short text for numbers, constants, shapes and array summaries."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

_BARE = re.compile(r"[A-Za-z0-9_.]+")  # a DOT attribute value that needs no quotes (as these drawings write them)


def escape(text: str, record: bool = False) -> str:
    """Escape text for a double-quoted DOT string (``record``: also a record field)."""
    s = str(text).replace("\\", "\\\\").replace('"', '\\"')
    if record:
        for ch in "{}|<>":
            s = s.replace(ch, "\\" + ch)
    return s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def quote(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + escape(text) + '"'


def attr_list(attrs: dict[str, str]) -> str:
    """DOT attributes ``key=value, ...``, values quoted where needed.

    Examples
    --------
    >>> attr_list({"rankdir": "LR", "fillcolor": "#ffffff", "fontsize": "10"})
    'rankdir=LR, fillcolor="#ffffff", fontsize=10'
    """
    return ", ".join(f"{k}={v}" if _BARE.fullmatch(v) else f"{k}={quote(v)}" for k, v in attrs.items())


def number(x: Any) -> str:
    """A number in at most 4 significant digits."""
    try:
        return f"{float(x):.4g}"
    except (TypeError, ValueError):
        return str(x)


def summary(a: Any) -> str:
    """min/mean/max of an array, or its values when it has at most 4."""
    a = np.asarray(a)
    if a.size == 0:
        return "empty"
    if a.ndim == 0:
        return number(a)
    if a.size <= 4:
        return "[" + ", ".join(number(v) for v in a.ravel().tolist()) + "]"
    with np.errstate(all="ignore"):
        a = a.astype(np.float64, copy=False)
        ok = np.isfinite(a)
        bad = int(a.size - np.count_nonzero(ok))
        if bad == a.size:
            return f"all {a.size} nan/inf"
        f = a if not bad else a[ok]
        s = f"min {number(f.min())} mean {number(f.mean())} max {number(f.max())}"
    return s + (f" ({bad} nan/inf)" if bad else "")


def shape_text(a: Any) -> str:
    """An array's shape as Python writes it, e.g. ``(3,)`` or ``(2, 3)``."""
    return "(" + ", ".join(str(d) for d in a.shape) + (",)" if len(a.shape) == 1 else ")")
