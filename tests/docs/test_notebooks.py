"""The notebooks run, top to bottom, in a fresh kernel, and their executed copies match their sources.

Each ``notebooks/NN_*.py`` (jupytext percent) is converted and executed with nbclient
in a fresh ``python3`` kernel, in an empty temporary working directory (so a notebook
can neither rely on nor leave files in the repository).  The committed ``.ipynb``
next to each source must have the same cells; ``python scripts/build_notebooks.py``
rebuilds them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
CELL_TIMEOUT = 120  # seconds per cell; every notebook takes well under a minute in all

pytestmark = pytest.mark.slow


def _cells(nb) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source.strip()) for cell in nb.cells]


def test_there_are_notebooks():
    assert [p.name[:2] for p in SOURCES] == ["01", "02", "03", "04", "05", "06"], SOURCES


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_runs(source, tmp_path, monkeypatch):
    # The kernel is a subprocess: it inherits this environment.
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", str(ROOT) if not path else os.pathsep.join([str(ROOT), path]))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # run with the inline backend, as readers do
    nb = jupytext.read(source)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        pytest.fail(f"{source.name} failed:\n{err}", pytrace=False)
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert not errors, f"{source.name}: {errors}"
    assert not list(tmp_path.iterdir()), f"{source.name} wrote files into its working directory"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_executed_notebook_matches_source(source):
    executed = source.with_suffix(".ipynb")
    rebuild = "run `python scripts/build_notebooks.py` to rebuild it"
    assert executed.exists(), f"{executed.name} is missing: {rebuild}"
    want = _cells(jupytext.read(source))
    have = _cells(nbformat.read(executed, as_version=4))
    assert have == want, f"{executed.name} does not match {source.name}: {rebuild}"
    missing = [
        i
        for i, cell in enumerate(nbformat.read(executed, as_version=4).cells)
        if cell.cell_type == "code" and cell.source.strip() and cell.execution_count is None
    ]
    assert not missing, f"{executed.name} has unexecuted cells {missing}: {rebuild}"
