"""PyTorch code gives PyTorch's answers: every scenario of ``pytorch_cases.py`` against PyTorch's recorded results.

The layergrad test always runs; the results it is held to were recorded from
torch 2.13 in float64, and the second test re-runs each scenario on torch
(when torch is installed) to show the recorded values are torch's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import autograd as ag

from .pytorch_cases import EXPECTED, S, run


def _close(got: Any, want: Any) -> bool:
    """Equal structure; numbers within 1e-9 (relative), nan equal to nan, exact for bools, ints and strings."""
    if isinstance(want, (list, tuple)):
        return isinstance(got, (list, tuple)) and len(got) == len(want) and all(map(_close, got, want))
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want or (isinstance(got, (bool, np.bool_)) and bool(got) == want)
    if isinstance(want, float) or isinstance(got, float):
        if not isinstance(got, (int, float)):
            return False
        return (math.isnan(want) and math.isnan(got)) or abs(got - want) <= 1e-9 * max(1.0, abs(want))
    return bool(got == want)


def _check(lib: Any, name: str) -> None:
    outcome = run(lib, S[name])
    want = EXPECTED[name]
    if isinstance(want, tuple) and want[0] == "raises":
        _, kind, fragment = want
        assert outcome[0] == "err", f"{name}: PyTorch raises {kind}, {lib.__name__} gave {outcome[1]!r}"
        assert outcome[1] == kind and fragment in outcome[2], (
            f"{name}: PyTorch raises {kind} mentioning {fragment!r}; {lib.__name__} raised {outcome[1]}: {outcome[2]}"
        )
    else:
        assert outcome[0] == "ok", f"{name}: PyTorch gives {want!r}; {lib.__name__} raised {outcome[1:]}"
        assert _close(outcome[1], want), f"{name}: PyTorch gives\n  {want!r}\n{lib.__name__} gives\n  {outcome[1]!r}"


@pytest.mark.parametrize("name", sorted(S))
def test_layergrad_gives_pytorchs_answer(name: str) -> None:
    _check(ag, name)


@pytest.mark.parametrize("name", sorted(S))
def test_recorded_answers_are_pytorchs(name: str) -> None:
    torch = pytest.importorskip("torch")
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        _check(torch, name)
    finally:
        torch.set_default_dtype(before)


def test_every_scenario_has_a_recorded_answer() -> None:
    assert set(S) == set(EXPECTED)
