"""A griffe extension for the docs build: Sphinx roles in docstrings become links.

layergrad's docstrings are numpy style and name other objects with Sphinx roles
(``:class:`Value```, ``:func:`fit```, ``:meth:`~Optimizer.step```).  mkdocstrings
does not understand roles and would print them as they are.  This extension
rewrites each role into an *optional* mkdocs-autorefs reference: a link when
the target is rendered somewhere in the site, plain code otherwise, so the
strict build never fails on a name that is not documented (e.g. numpy's).

Names are resolved like Python would from where the docstring is (the object,
then its parents), falling back to the name as written.  A paragraph that ends
in ``::`` (reStructuredText's "a literal block follows") ends in ``:`` instead.

Used by ``mkdocs.yml`` (``extensions:`` of the Python handler); not part of the
library.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj|const):`(?P<target>[^`]+)`")
_LITERAL = re.compile(r"(?<=\S)::[ \t]*$", re.MULTILINE)


def _resolve(obj: griffe.Object, name: str) -> str:
    head, _, rest = name.partition(".")
    try:
        path = obj.resolve(head)
    except Exception:  # noqa: BLE001 - any failure: keep the name as written
        return name
    return f"{path}.{rest}" if rest else path


def _rewrite(obj: griffe.Object, text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        target = m["target"].strip()
        short = target.startswith("~")
        name = target.lstrip("~.")
        shown = name.rsplit(".", 1)[-1] if short else name
        identifier = _resolve(obj, name)
        return f'<autoref identifier="{identifier}" optional><code>{shown}</code></autoref>'

    return _LITERAL.sub(":", _ROLE.sub(repl, text))


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring of a loaded package."""

    def on_package(self, *, pkg: griffe.Module, loader: Any, **kwargs: Any) -> None:
        seen: set[int] = set()
        stack: list[griffe.Object] = [pkg]
        while stack:
            obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if obj.docstring is not None:
                obj.docstring.value = _rewrite(obj, obj.docstring.value)
            for member in obj.members.values():
                if not member.is_alias:
                    stack.append(member)  # type: ignore[arg-type]
