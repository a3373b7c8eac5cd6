"""The layout of the nn package: small modules with a purpose line, no reach-ins, lazy matplotlib."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NN = ROOT / "nn"
MODULES = sorted(NN.rglob("*.py"))
SUBPACKAGES = sorted(p.parent for p in NN.glob("*/__init__.py"))

#: underscore imports that stay until autograd's restructuring gives them public names
KNOWN_PRIVATE = {("nn/module.py", "autograd.graph", "_gc_paused"), ("nn/train.py", "autograd.graph", "_gc_paused")}


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_every_module_is_small_and_starts_with_its_purpose(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 500, f"{_name(path)} has {len(text.splitlines())} lines; split it"
    doc = ast.get_docstring(ast.parse(text), clean=False)
    assert doc and text.startswith('"""'), f"{_name(path)} does not start with a docstring"
    first, _, rest = doc.partition("\n")
    assert first.strip() and first.strip()[-1] in ".:", f"{_name(path)}: the first line is not a sentence: {first!r}"
    assert not rest or rest.startswith("\n"), f"{_name(path)}: the purpose takes more than one line"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_module_imports_a_private_name_of_another(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = set()  # names this file binds to modules of nn or autograd
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                where = (_name(path), node.module, alias.name)
                if alias.name.startswith("_") and where not in KNOWN_PRIVATE:
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
def test_a_subpackage_init_only_re_exports(package):
    tree = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    body = tree.body[1:]  # after the docstring
    for node in body:
        is_all = isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["__all__"]
        assert isinstance(node, ast.ImportFrom) or is_all, f"{_name(package)}/__init__.py defines more than names"
    exported = next(ast.literal_eval(n.value) for n in body if isinstance(n, ast.Assign))
    imported = {a.asname or a.name for n in body if isinstance(n, ast.ImportFrom) for a in n.names} - {"annotations"}
    assert set(exported) == imported, f"{_name(package)}: __all__ and the imports differ"


def test_import_nn_does_not_import_matplotlib():
    code = "import sys, nn, nn.plot; print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
