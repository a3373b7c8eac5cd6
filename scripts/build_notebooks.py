"""Build the executed notebooks: ``notebooks/NN_*.py`` (jupytext percent) -> ``notebooks/NN_*.ipynb``.

Each source is converted with jupytext, executed top to bottom in a fresh ``python3``
kernel (working directory ``notebooks/``, the repository root on ``PYTHONPATH``) and
written next to its source with its outputs, so readers (and the docs site) see the
pictures without running anything.  A notebook that fails is reported and not written;
the exit status is then 1.

    python scripts/build_notebooks.py            # all notebooks
    python scripts/build_notebooks.py 02 05      # only those whose name starts with 02 or 05

Needs the ``notebooks`` and ``plot`` extras (jupytext, nbclient, nbformat, ipykernel,
matplotlib).  ``tests/docs/test_notebooks.py`` checks that every ``.ipynb`` has the same cells
as its ``.py``; rerun this script after editing a notebook.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT))
from autograd.draw.render import atomic_write  # noqa: E402  (temp file + rename, as the library writes files)

CELL_TIMEOUT = 300  # seconds per cell


def sources(selected: list[str]) -> list[Path]:
    """The notebook sources, in order; ``selected`` keeps those whose name starts with one of its entries."""
    found = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    if selected:
        found = [p for p in found if any(p.name.startswith(s) for s in selected)]
    return found


def kernel_environment() -> None:
    """Set up what the kernel (a subprocess) inherits: the repository importable, matplotlib's inline backend."""
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(ROOT) if not path else os.pathsep.join([str(ROOT), path])
    # A non-interactive backend (e.g. MPLBACKEND=Agg) would make plt.show() store no picture.
    os.environ.pop("MPLBACKEND", None)


def merge_streams(outputs: list) -> list:
    """Join consecutive prints to the same stream into one output (the kernel sends them in arbitrary chunks)."""
    merged: list = []
    for out in outputs:
        last = merged[-1] if merged else None
        if out.output_type == "stream" and last is not None and last.output_type == "stream" and last.name == out.name:
            last.text += out.text
        else:
            merged.append(out)
    return merged


def build(source: Path) -> Path:
    """Execute one notebook source and write its ``.ipynb`` atomically; return the path written."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    nb = jupytext.read(source)
    nb.metadata.pop("jupytext", None)  # the .ipynb is generated from the .py, not paired with it
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"  # stable ids keep rebuilt notebooks diffable
        cell.metadata.pop("lines_to_next_cell", None)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    nbformat.validate(nb)

    target = source.with_suffix(".ipynb")
    text = nbformat.writes(nb)
    atomic_write(str(target), (text if text.endswith("\n") else text + "\n").encode("utf-8"))
    return target


def main(argv: list[str]) -> int:
    try:
        import jupytext  # noqa: F401
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError as err:
        print(f"build_notebooks: {err}. Install the extras: pip install -e '.[notebooks,plot]'", file=sys.stderr)
        return 2
    todo = sources(argv)
    if not todo:
        print(f"build_notebooks: no notebook in {NOTEBOOKS} matches {argv}", file=sys.stderr)
        return 2
    kernel_environment()
    failed = []
    for source in todo:
        start = time.perf_counter()
        try:
            target = build(source)
        except Exception as err:  # report every failing notebook, not just the first
            failed.append(source.name)
            print(f"FAILED  {source.relative_to(ROOT)}: {type(err).__name__}: {err}", file=sys.stderr)
            continue
        size = target.stat().st_size / 1024
        print(f"built   {target.relative_to(ROOT)}  ({time.perf_counter() - start:.1f} s, {size:.0f} KiB)")
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
