"""The code's layout as rules a test can hold: layers, no import cycles, small modules, no private reach-ins.

The packages stack: ``autograd`` (the engine and its drawings) below ``nn``.
Nothing in ``autograd`` imports ``nn``; no two modules import each other, even
lazily inside a function; a module is at most 500 lines and says what it is
for in its first line; no module imports another module's underscore name.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("autograd", "nn")
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the packages."""
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = _modules()
FILES = sorted(MODULES.values())
SUBPACKAGES = sorted(p.parent for pkg in PACKAGES for p in (ROOT / pkg).glob("*/__init__.py"))


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute name an ``ImportFrom`` reads from."""
    if not node.level:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _type_only(tree: ast.AST) -> set[ast.AST]:
    """The import statements inside ``if TYPE_CHECKING:`` blocks (they never run)."""
    out: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out |= {n for stmt in node.body for n in ast.walk(stmt) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return out


def _imports(module: str) -> list[tuple[str, str | None]]:
    """(module imported, name taken from it or None) for every import that runs in ``module``, lazy ones too."""
    path = MODULES[module]
    found: list[tuple[str, str | None]] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_only(tree)
    for node in ast.walk(tree):
        if node in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, path, node)
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                found.append((sub, None) if sub in MODULES else (source, alias.name))
    return found


def _edges() -> dict[str, set[str]]:
    """module -> the project modules it imports (a package's own submodules importing it are left out)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        for target, _ in _imports(module):
            while target and target not in MODULES:  # `import autograd.ops.x`-style names
                target = target.rpartition(".")[0]
            if not target or target == module:
                continue
            if module.startswith(target + "."):  # a submodule reading its own package's __init__
                continue
            graph[module].add(target)
    return graph


def test_autograd_never_imports_nn() -> None:
    offenders = [
        f"{m} imports {t}"
        for m in MODULES
        if m.split(".")[0] == "autograd"
        for t, _ in _imports(m)
        if t.split(".")[0] == "nn"
    ]
    assert not offenders, offenders


def test_no_import_cycles() -> None:
    graph = _edges()
    # packages re-export their submodules: an edge into a package __init__ from outside is
    # an edge into the package as a whole, so cycles are searched between plain modules.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1 and not (MODULES[t].name == "__init__.py" and m.startswith(t + ".")):
                cycle = stack[stack.index(t) :] + [t]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_every_module_is_small_and_starts_with_its_purpose(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    n = len(text.splitlines())
    assert n <= MAX_LINES, f"{_name(path)} has {n} lines; split it along a seam (at most {MAX_LINES})"
    doc = ast.get_docstring(ast.parse(text), clean=False)
    assert doc and text.startswith('"""'), f"{_name(path)} does not start with a docstring"
    first, _, rest = doc.partition("\n")
    assert first.strip() and first.strip()[-1] in ".:", f"{_name(path)}: the first line is not a sentence: {first!r}"
    assert not rest or rest.startswith("\n"), f"{_name(path)}: the purpose takes more than one line"


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_no_module_imports_a_private_name_of_another(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = set()  # names this file binds to modules of nn or autograd
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    raise AssertionError(f"{_name(path)} imports the private {alias.name} from {node.module}")
                if node.level or (node.module or "").split(".")[0] in ("nn", "autograd"):
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules.update(a.asname or a.name for a in node.names if a.name.split(".")[0] in ("nn", "autograd"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            if node.attr.startswith("_") and not node.attr.startswith("__"):
                raise AssertionError(f"{_name(path)} reaches into {node.value.id}.{node.attr}")


@pytest.mark.parametrize("package", SUBPACKAGES, ids=_name)
def test_a_subpackage_init_only_re_exports(package: Path) -> None:
    tree = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    body = tree.body[1:]  # after the docstring
    for node in body:
        is_all = isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["__all__"]
        assert isinstance(node, ast.ImportFrom) or is_all, f"{_name(package)}/__init__.py defines more than names"
    exported = next(ast.literal_eval(n.value) for n in body if isinstance(n, ast.Assign))
    imported = {a.asname or a.name for n in body if isinstance(n, ast.ImportFrom) for a in n.names} - {"annotations"}
    assert set(exported) == imported, f"{_name(package)}: __all__ and the imports differ"


def test_import_nn_does_not_import_matplotlib() -> None:
    code = "import sys, nn, nn.plot; print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_import_nn_does_not_import_torch_or_onnx() -> None:
    heavy = "('torch', 'onnx', 'onnxruntime')"
    code = f"import sys, nn, nn.interop; print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_test_module_is_listed_in_the_tests_readme() -> None:
    readme = (ROOT / "tests" / "README.md").read_text(encoding="utf-8")
    missing = [
        p.relative_to(ROOT).as_posix()
        for p in sorted((ROOT / "tests").rglob("test_*.py"))
        if f"`{p.stem}`" not in readme and f"`{p.stem}.py`" not in readme and p.stem not in readme
    ]
    assert not missing, f"tests/README.md does not list {missing}: add them to its layout table"
