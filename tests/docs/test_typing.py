"""The package's annotations are consistent: mypy reports no errors in ``autograd`` and ``nn``."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_reports_no_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``mypy autograd nn`` (config in pyproject.toml) finds nothing to report.

    The package ships ``py.typed``, so users' type checkers read these
    annotations as they are: an annotation that is wrong here becomes a false
    error (or a missed one) in their code.  The cache goes to a fresh folder,
    so every run checks the sources from scratch (a few seconds).
    """
    monkeypatch.chdir(ROOT)
    stdout, stderr, status = api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "mypy_cache"),
            "autograd",
            "nn",
        ]
    )
    assert status == 0, f"mypy autograd nn exited with status {status}:\n{stdout}{stderr}"
