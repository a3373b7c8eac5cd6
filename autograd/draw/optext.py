"""How an op is shown in a drawing: its short symbol, and its text with constants."""

from __future__ import annotations

from typing import Any

from .text import constant

# fmt: off
SYMBOL = {
    "add": "+", "sub": "−", "rsub": "−", "mul": "×", "div": "÷", "rdiv": "÷", "neg": "−x",
    "pow": "**", "rpow": "**", "matmul": "@", "dot": "w·x", "getitem": "[ ]", "concatenate": "concat",
}
# fmt: on


def op_symbol(op: Any) -> str:
    """The op's short name, without constants (used for counts)."""
    return SYMBOL.get(op.name) or (op.symbol.split("{")[0].strip() or op.name)


def op_text(node: Any) -> str:
    """The op of a node with its constants, e.g. ``× 2`` or ``sum(axis=1)``."""
    op, meta = node.op, node._meta
    name = op.name
    sym = op_symbol(op)
    if not meta:
        if name == "dot":
            return f"w·x ({len(node._prev) // 2} terms)"
        return sym
    c = meta[0]
    if name in ("add", "sub", "mul", "div"):
        return f"{sym} {constant(c)}"
    if name in ("rsub", "rdiv"):
        return f"{constant(c)} {sym} x"
    if name == "pow":
        return f"** {constant(c)}"
    if name == "rpow":
        return f"{constant(c)} ** x"
    if name == "leaky_relu":
        return f"LeakyReLU({constant(c)})"
    if name == "clip":
        return f"clip({constant(meta[0])}, {constant(meta[1])})"
    if name in ("sum", "max", "min", "logsumexp"):
        return sym if c is None else f"{sym}(axis={constant(c)})"
    if name in ("reshape", "transpose"):
        return sym if c is None else f"{sym} {constant(c)}"
    if name == "getitem":
        return "[" + constant(c) + "]"
    if name in ("concatenate", "stack"):
        return f"{sym}(axis={constant(meta[-1])})"
    if name == "dot":
        return f"w·x ({len(node._prev)} terms)"
    return sym
