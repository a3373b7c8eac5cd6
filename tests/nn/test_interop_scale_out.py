"""The documented scale-out path runs: docs/how-to/outgrow_layergrad.py trains with DDP in 2 processes and serves ONNX.

The page docs/how-to/outgrow-layergrad.md shows the script in full; a test
checks that its code blocks are the script, line for line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.test_docs import blocks

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "how-to" / "outgrow_layergrad.py"
PAGE = ROOT / "docs" / "how-to" / "outgrow-layergrad.md"


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_the_page_shows_the_script_line_for_line() -> None:
    shown = "".join(b.code for b in blocks(PAGE) if b.lang == "python" and "outgrow_layergrad.py" in b.marker)
    assert _lines(shown) == _lines(SCRIPT.read_text(encoding="utf-8")), (
        f"the code blocks of {PAGE.name} marked 'not run: docs/how-to/outgrow_layergrad.py' differ from the script"
    )


@pytest.mark.slow
def test_the_script_trains_with_ddp_on_two_processes_and_serves_onnx(tmp_path: Path) -> None:
    for package in ("torch", "onnx", "onnxruntime"):
        pytest.importorskip(package, reason=f"{package} is not installed: pip install layergrad[interop]")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "to_torch: Sequential of 5 modules, same outputs: True" in out
    ddp = re.search(r"DDP: 2 processes, (\d+) steps, loss ([\d.]+) -> ([\d.]+), ranks agree: True", out)
    assert ddp, out
    assert float(ddp.group(3)) < 0.5 * float(ddp.group(2))  # the loss went well down
    accuracy = re.search(r"back in layergrad: accuracy ([\d.]+)", out)
    assert accuracy and float(accuracy.group(1)) >= 0.95, out
    gap = re.search(r"largest difference from PyTorch ([\d.e+-]+)", out)
    assert gap and float(gap.group(1)) < 1e-12, out
    assert os.listdir(tmp_path) == []  # the ranks' files and the ONNX file were temporary
