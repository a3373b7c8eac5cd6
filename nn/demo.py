"""The demo behind ``bash scripts/dev.sh demo``: one expression on both engines."""

from __future__ import annotations

import argparse
import sys

from autograd import Tensor, Value


def main(argv: list[str] | None = None) -> int:
    """Build ``g`` from micrograd's README on Value and on Tensor and print the gradients.

    Examples
    --------
    >>> main([])  # doctest: +ELLIPSIS
    Value  engine: g = 24.7041  dg/da = 138.8338  dg/db = 645.5773
    Tensor engine: g = 24.7041  dg/da = 138.8338  dg/db = 645.5773
    0
    """
    argparse.ArgumentParser(prog="python -m nn.demo", description=main.__doc__).parse_args(argv)
    for name, make in (("Value ", lambda x: Value(x)), ("Tensor", lambda x: Tensor(x, requires_grad=True))):
        a, b = make(-4.0), make(2.0)
        c = a + b
        d = a * b + b**3
        c = c + c + 1
        c = c + 1 + c + (-a)
        d = d + d * 2 + (b + a).relu()
        d = d + 3 * d + (b - a).relu()
        e = c - d
        f = e**2
        g = f / 2.0
        g = g + 10.0 / f
        g.backward()
        print(f"{name} engine: g = {float(g.data):.4f}  dg/da = {float(a.grad):.4f}  dg/db = {float(b.grad):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
