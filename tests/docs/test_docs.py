"""The documentation is true: the site builds, the examples run, the picture is current, the wheel works.

- The mkdocs site builds with ``--strict`` (broken links, anchors and docstring
  problems fail it).
- Every ```` ```python ```` block of README.md runs, each in a fresh interpreter
  namespace; every block of a docs page runs, the blocks of one page in one
  shared namespace, in order.  Each runs in a subprocess whose working directory
  is an empty temporary folder and which imports the checkout (``PYTHONPATH``).
  A ```` ```text ```` block right after a python block is its expected output:
  every line of it must appear, in order, among the lines the block printed
  (runs of spaces count as one).  An HTML comment on the line just above a block
  can say ``<!-- needs: matplotlib -->`` or ``<!-- needs: dot -->`` (skipped
  when missing) or ``<!-- not run ... -->`` (an excerpt of a source file).
- The README picture's DOT text equals a fresh regeneration by
  ``scripts/make_readme_picture.py``, and the committed SVG draws that DOT.
- A wheel built from a copy of the package sources installs into a clean
  virtual environment and works there.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
ASSETS = DOCS / "assets"
REGENERATE = "run `python scripts/make_readme_picture.py` (needs Graphviz's dot) and commit docs/assets/graph.*"
TWO_COMMANDS = ["bash scripts/dev.sh demo", "bash scripts/dev.sh test"]


# ---------------------------------------------------------------------------
# Markdown code blocks
# ---------------------------------------------------------------------------


class Block(NamedTuple):
    lang: str
    code: str
    line: int  # 1-based line of the opening fence
    marker: str  # the HTML comment on the line above the fence, or ""
    expected: str | None  # the ```text block that follows it, if any


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file (fences at the start of a line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    raw: list[tuple[str, str, int, str, int]] = []  # lang, code, start, marker, end
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        start = i
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        if j == len(lines):
            raise AssertionError(f"{path.name}:{start + 1}: code block is not closed")
        above = lines[start - 1].strip() if start > 0 else ""
        marker = above if above.startswith("<!--") else ""
        raw.append((m.group(1), "\n".join(lines[start + 1 : j]) + "\n", start + 1, marker, j))
        i = j + 1
    out = []
    for k, (lang, code, start, marker, end) in enumerate(raw):
        expected = None
        if lang == "python" and k + 1 < len(raw) and raw[k + 1][0] == "text":
            between = lines[end + 1 : raw[k + 1][2] - 1]
            if all(not s.strip() for s in between):
                expected = raw[k + 1][1]
        out.append(Block(lang, code, start, marker, expected))
    return out


def _have(program_or_module: str) -> bool:
    if program_or_module == "dot":
        return shutil.which("dot") is not None
    return importlib.util.find_spec(program_or_module) is not None


def _runnable(block: Block) -> tuple[bool, str]:
    """Whether to run a python block, and why not."""
    if block.marker.startswith("<!-- not run"):
        return False, "not run"
    m = re.match(r"<!--\s*needs:\s*([\w.-]+)\s*-->", block.marker)
    if m and not _have(m.group(1)):
        return False, f"needs {m.group(1)}"
    return True, ""


# Runs blocks given as JSON on stdin; prints JSON: one captured stdout per block
# and, on failure, the index of the failing block and its traceback.
_RUNNER = textwrap.dedent(
    """
    import contextlib, io, json, sys, traceback
    job = json.load(sys.stdin)
    outputs, failed, error = [], None, None
    shared = {"__name__": "__main__"}
    for i, (name, code) in enumerate(job["blocks"]):
        ns = shared if job["shared"] else {"__name__": "__main__"}
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                exec(compile(code, name, "exec"), ns)
        except BaseException:
            failed, error = i, traceback.format_exc()
        outputs.append(buf.getvalue())
        if failed is not None:
            break
    sys.__stdout__.write("\\n@@RESULT@@" + json.dumps({"outputs": outputs, "failed": failed, "error": error}))
    """
)


def run_blocks(path: Path, todo: list[Block], shared: bool, cwd: Path) -> list[str]:
    """Run python blocks in a subprocess; return each block's stdout, or fail with the traceback."""
    job = {"shared": shared, "blocks": [[f"{path.name}:{b.line}", b.code] for b in todo]}
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )
    if "@@RESULT@@" not in done.stdout:
        pytest.fail(f"running the blocks of {path.name} crashed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.rsplit("@@RESULT@@", 1)[1])
    if result["failed"] is not None:
        b = todo[result["failed"]]
        pytest.fail(f"{path.name}: the python block at line {b.line} fails:\n{result['error']}")
    return result["outputs"]


def _norm(line: str) -> str:
    return " ".join(line.split())


def check_output(path: Path, block: Block, printed: str) -> None:
    """Every line of the block's expected output appears, in order, among the printed lines."""
    if block.expected is None:
        return
    want = [_norm(s) for s in block.expected.splitlines() if s.strip()]
    got = [_norm(s) for s in printed.splitlines()]
    k = 0
    for line in got:
        if k < len(want) and line == want[k]:
            k += 1
    assert k == len(want), (
        f"{path.name}: the python block at line {block.line} printed\n{printed}\n"
        f"which does not contain the line {want[k]!r} (the output shown after it, in order)"
    )


# ---------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------


def test_readme_shows_the_two_commands_alone_in_sh_blocks() -> None:
    sh = [b for b in blocks(README) if b.lang == "sh"]
    lines = [s.strip() for b in sh for s in b.code.splitlines() if s.strip()]
    for command in TWO_COMMANDS:
        assert any(b.code == command + "\n" for b in sh), (
            f"README.md must show `{command}` alone in a ```sh block (CI runs exactly that)"
        )
        assert command in lines
    assert not any(s.startswith(("$", ">", "#")) for s in lines), "no prompt signs in README's sh blocks"


def test_readme_python_blocks_run(tmp_path: Path) -> None:
    todo = [b for b in blocks(README) if b.lang == "python"]
    assert len(todo) >= 2, "README.md should show an example for each engine"
    assert all(_runnable(b)[0] for b in todo), "README.md's examples must run everywhere (no markers)"
    outputs = run_blocks(README, todo, shared=False, cwd=tmp_path)
    for block, printed in zip(todo, outputs):
        check_output(README, block, printed)


def test_readme_links_point_to_files() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]
    assert local, "README.md links to nothing in the repository"
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, f"README.md links to files that do not exist: {missing}"


# ---------------------------------------------------------------------------
# Docs pages
# ---------------------------------------------------------------------------

PAGES = sorted(
    p.relative_to(DOCS).as_posix()
    for p in DOCS.rglob("*.md")
    if "_ext" not in p.parts and "\n```python" in p.read_text(encoding="utf-8")
)


@pytest.mark.parametrize("page", PAGES)
def test_docs_page_python_blocks_run(page: str, tmp_path: Path) -> None:
    path = DOCS / page
    run = [b for b in blocks(path) if b.lang == "python" and _runnable(b)[0]]
    if not run:
        pytest.skip(f"{page} has no python block to run here")
    outputs = run_blocks(path, run, shared=True, cwd=tmp_path)
    for block, printed in zip(run, outputs):
        check_output(path, block, printed)


# ---------------------------------------------------------------------------
# The site
# ---------------------------------------------------------------------------

EXPECTED_PAGES = [
    "index.html",
    "getting-started/index.html",
    "coming-from-micrograd/index.html",
    "concepts/index.html",
    "tutorials/index.html",
    "how-to/draw-a-graph/index.html",
    "how-to/add-an-op/index.html",
    "how-to/train-on-your-data/index.html",
    "how-to/save-and-load/index.html",
    "how-to/explore/index.html",
    "reference/autograd/index.html",
    "reference/nn/index.html",
    "design/index.html",
    "assets/graph.svg",
]


def test_docs_build_strictly(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
        cwd=ROOT,  # mkdocs.yml names the griffe extension by a path relative to the repository
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    missing = [p for p in EXPECTED_PAGES if not (site / p).is_file()]
    assert not missing, f"pages missing from the built site: {missing}"
    api = (site / "reference/autograd/index.html").read_text(encoding="utf-8")
    assert 'id="autograd.Value"' in api and 'id="autograd.draw_graph"' in api, "API reference lacks docstrings"
    assert ":class:`" not in api, "a Sphinx role was left unconverted in the API reference"


# ---------------------------------------------------------------------------
# The README picture
# ---------------------------------------------------------------------------


def _picture_script():
    spec = importlib.util.spec_from_file_location("make_readme_picture", ROOT / "scripts" / "make_readme_picture.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dot_nodes(source: str) -> set[str]:
    return set(re.findall(r'^\s*"([^"]+)" \[', source, re.MULTILINE)) - {"node", "edge", "graph"}


def test_readme_picture_is_current() -> None:
    committed = ASSETS / "graph.dot"
    assert committed.is_file(), f"{committed} is missing: {REGENERATE}"
    fresh = _picture_script().graph().source
    assert committed.read_text(encoding="utf-8") == fresh, f"docs/assets/graph.dot is stale: {REGENERATE}"
    assert "docs/assets/graph.svg" in README.read_text(encoding="utf-8"), "README.md does not show the picture"


def test_readme_picture_svg_draws_the_dot() -> None:
    svg = ASSETS / "graph.svg"
    assert svg.is_file(), f"{svg} is missing: {REGENERATE}"
    assert svg.stat().st_size < 100_000, f"{svg} should stay small"
    try:
        tree = ET.parse(svg)
    except ET.ParseError as e:
        pytest.fail(f"{svg} is not valid XML ({e}): {REGENERATE}")
    ns = "{http://www.w3.org/2000/svg}"
    assert tree.getroot().tag == f"{ns}svg"
    titles = {g.findtext(f"{ns}title") for g in tree.getroot().iter(f"{ns}g") if g.get("class") == "node"}
    clusters = [g for g in tree.getroot().iter(f"{ns}g") if g.get("class") == "cluster"]
    source = (ASSETS / "graph.dot").read_text(encoding="utf-8")
    assert titles == _dot_nodes(source), f"graph.svg was not drawn from graph.dot: {REGENERATE}"
    assert len(clusters) == source.count("subgraph cluster_"), f"graph.svg has other boxes than graph.dot: {REGENERATE}"


# ---------------------------------------------------------------------------
# The wheel
# ---------------------------------------------------------------------------

_SMOKE = textwrap.dedent(
    """
    import sys
    import autograd, nn
    from autograd import Tensor, Value
    print(autograd.__file__)
    print(nn.__file__)
    a, b = Value(2.0), Value(-3.0)
    c = (a * b + a ** 2).tanh()
    c.backward()
    assert abs(a.grad - (1 - c.data ** 2) * (b.data + 2 * a.data)) < 1e-12, a.grad
    W = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (W @ Tensor([1.0, -1.0])).relu().sum().backward()
    assert W.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]], W.grad
    model = nn.MLP(2, [4, 1], seed=0)
    X, y = nn.data.circles(20, seed=0)
    nn.fit(model, X, y, epochs=3, progress=False)
    assert "digraph" in autograd.draw_graph(model(Tensor(X[:2]))).source
    page = nn.explore(nn.MLP(2, [3, 1], seed=0), X, y, epochs=2, probe_epochs=2).html()
    assert "{{" not in page and "layergrad-data" in page and "function" in page
    print("ok")
    """
)


def _setuptools_version(python: str) -> tuple[int, ...]:
    done = subprocess.run(
        [python, "-c", "import setuptools; print(setuptools.__version__)"], capture_output=True, text=True
    )
    if done.returncode != 0:
        return ()
    return tuple(int(x) for x in re.findall(r"\d+", done.stdout)[:2])


@pytest.mark.slow
def test_wheel_installs_and_works_in_a_clean_venv(tmp_path: Path) -> None:
    # Build from a copy of what the wheel needs, so the checkout gets no build/ or *.egg-info.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    for package in ("autograd", "nn"):
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    build = [*pip, "wheel", "--no-deps", "-q", "-w", str(dist), str(src)]
    if _setuptools_version(sys.executable) >= (77,):
        build.insert(-1, "--no-build-isolation")  # offline and fast; else pip fetches setuptools
    done = subprocess.run(build, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"pip wheel failed:\n{done.stdout}\n{done.stderr}"
    wheels = list(dist.glob("layergrad-*.whl"))
    assert len(wheels) == 1, wheels

    names = zipfile.ZipFile(wheels[0]).namelist()
    top = {n.split("/")[0] for n in names}
    others = top - {"autograd", "nn"}
    assert {"autograd", "nn"} <= top and len(others) == 1 and others.pop().endswith(".dist-info"), top
    assert "autograd/py.typed" in names and "nn/py.typed" in names
    assets = {p.relative_to(ROOT).as_posix() for p in (ROOT / "nn" / "explore" / "assets").iterdir() if p.is_file()}
    assert {"nn/explore/assets/explorer.js", "nn/explore/assets/template.html"} <= assets <= set(names), assets
    sources = {p.relative_to(ROOT).as_posix() for pkg in ("autograd", "nn") for p in (ROOT / pkg).rglob("*.py")}
    assert sources <= set(names), f"modules missing from the wheel: {sorted(sources - set(names))}"
    assert not any("__pycache__" in n or n.startswith(("tests/", "docs/", "notebooks/")) for n in names)
    metadata = zipfile.ZipFile(wheels[0]).read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    assert b"License-Expression: MIT" in metadata

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    done = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheels[0])],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if done.returncode != 0 and re.search(r"(?i)connection|network|resolve|no matching distribution", done.stderr):
        pytest.skip(f"cannot install numpy/graphviz from the package index here:\n{done.stderr[-800:]}")
    assert done.returncode == 0, f"installing the wheel failed:\n{done.stdout}\n{done.stderr}"

    cwd = tmp_path / "elsewhere"  # not the checkout: the installed package must be the one imported
    cwd.mkdir()
    done = subprocess.run([python, "-c", _SMOKE], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)
    assert done.returncode == 0, f"the installed wheel does not work:\n{done.stdout}\n{done.stderr}"
    autograd_file, nn_file, ok = done.stdout.split()
    assert Path(autograd_file).resolve().is_relative_to(venv.resolve()), autograd_file
    assert Path(nn_file).resolve().is_relative_to(venv.resolve()), nn_file
    assert ok == "ok"
