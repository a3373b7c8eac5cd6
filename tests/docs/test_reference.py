"""The API reference lists every public name of nn's modules (each has an anchor in the built site)."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = ["nn", "nn.functional", "nn.init", "nn.utils", "nn.optim", "nn.losses", "nn.data"]


def test_every_public_name_has_a_reference_entry(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    html = "".join(p.read_text(encoding="utf-8") for p in (site / "reference").rglob("*.html"))
    anchors = set(re.findall(r'id="([^"]+)"', html))
    missing = [
        f"{name}.{attr}"
        for name in MODULES
        for attr in importlib.import_module(name).__all__
        if not isinstance(getattr(importlib.import_module(name), attr), types.ModuleType)
        and f"{name}.{attr}" not in anchors
    ]
    assert not missing, f"not in the API reference (docs/reference/*.md): {missing}"
    assert (site / "coming-from-pytorch-nn" / "index.html").is_file()
