"""How a module shows itself: the nested ``repr`` text and the table a notebook displays."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["repr_items", "module_repr", "module_html", "DisplayMethods"]


def repr_items(module: Any) -> list[tuple[str, Any]]:
    """The ``(key, child)`` lines of ``module``'s repr; a container child's items are shown as ``key.i``."""
    out: list[tuple[str, Any]] = []
    for key, c in module._modules.items():
        if c is None:
            continue
        if c.transparent and not module.transparent:
            out += [(f"{key}.{k}", m) for k, m in repr_items(c)]
        else:
            out.append((key, c))
    return out


def module_repr(module: Any) -> str:
    """``Type(extra)`` with one indented ``(key): child`` line per child.

    Examples
    --------
    >>> import nn
    >>> print(module_repr(nn.Sequential(nn.Linear(2, 1), nn.ReLU())))
    Sequential(
      (0): Linear(2→1)
      (1): ReLU()
    )
    """
    items = repr_items(module)
    if not items:
        return f"{type(module).__name__}({module.extra_repr()})"
    lines = [f"{type(module).__name__}({module.extra_repr()}"]
    for k, m in items:
        sub = repr(m).replace("\n", "\n  ")
        lines.append(f"  ({k}): {sub}")
    return "\n".join(lines) + "\n)"


def module_html(module: Any) -> str:
    """A notebook's view: the description, engine and size, and one table row per layer."""
    rows = []
    for m in module.modules():
        if m.kind != "layer":
            continue
        cells = (m.name, m.shape_text(), m.activation_name(), m.num_parameters())
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("layer", "shape", "activation", "parameters"))
    return (
        f"<div><b>{html.escape(module.describe())}</b> — {module.engine} engine, "
        f"{module.num_parameters()} parameters<table><tr>{head}</tr>{''.join(rows)}</table></div>"
    )


class DisplayMethods:
    """How :class:`nn.Module` shows itself (a base class of it): repr, notebook HTML and the short texts."""

    __slots__ = ()

    def extra_repr(self) -> str:
        """What goes inside the parentheses of this module's repr."""
        return ""

    def __repr__(self) -> str:
        return module_repr(self)

    def _repr_html_(self) -> str:
        return module_html(self)

    def shape_text(self) -> str:
        """``nin→nout`` for layers, '' otherwise."""
        nin, nout = getattr(self, "nin", None), getattr(self, "nout", None)
        return f"{nin}→{nout}" if nin is not None and nout is not None else ""

    def activation_name(self) -> str:
        """The activation's name for layers, '' otherwise."""
        act = getattr(self, "activation", None)
        return "" if act is None else act.describe()
