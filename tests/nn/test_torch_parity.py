"""Against PyTorch itself (only when torch is installed): scripts/torch_parity.py's programs agree to 1e-9."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("torch")

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "torch_parity.py"


def _cases():
    spec = importlib.util.spec_from_file_location("torch_parity", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


@pytest.mark.parametrize("name", sorted(_cases()))
def test_the_same_program_gives_pytorchs_numbers(name):
    assert _cases()[name]() < 1e-9
