"""The savable-class registry (nn.registry) and what nn.save refuses because a file could not describe it."""

from __future__ import annotations

import ast
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest

import nn
import nn.io as nnio
import nn.micrograd
import nn.registry as registry

NN = Path(__file__).resolve().parents[2] / "nn"


class Swish(nn.Activation):
    """A user activation: x * sigmoid(x). It inherits Activation's key ("identity")."""

    def forward(self, x):
        return x * nn.sigmoid(x)

    def node(self, v):
        return v * v.sigmoid()


class SteepLeakyReLU(nn.LeakyReLU):
    """A user subclass of a built-in activation: it inherits the key "leaky_relu"."""

    def node(self, v):
        return super().node(v) * 2.0


@pytest.fixture
def scratch_registry(monkeypatch):
    """Classes registered inside a test are forgotten after it."""
    monkeypatch.setattr(registry, "_classes", dict(registry._classes))
    monkeypatch.setattr(registry, "SAVABLE", MappingProxyType(registry._classes))
    monkeypatch.setattr(nnio, "SAVABLE", registry.SAVABLE)
    return registry


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------------------
# the bug: a user activation was saved under its parent's key
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, act",
    [
        (lambda: nn.MLP(2, [8, 1], activation=Swish(), seed=0), "Swish"),
        (lambda: nn.MLP(2, [8, 1], activation=SteepLeakyReLU(0.1), seed=0), "SteepLeakyReLU"),
        (lambda: nn.Linear(2, 3, activation=SteepLeakyReLU(), seed=0), "SteepLeakyReLU"),
        (lambda: nn.Layer(2, 3, activation=Swish(), seed=0), "Swish"),
        (lambda: nn.MLP(2, [4, 1], activation=Swish(), engine="scalar", seed=0), "Swish"),
        (lambda: nn.Sequential(nn.Linear(2, 4, activation=Swish(), seed=0), nn.Linear(4, 1, seed=1)), "Swish"),
    ],
)
def test_a_model_with_an_activation_the_file_cannot_name_is_refused(tmp_path, make, act):
    model = make()
    with pytest.raises(TypeError) as info:
        nn.save(model, tmp_path / "m")
    message = str(info.value)
    assert f"{__name__}.{act}" in message  # names the class that cannot be saved
    assert "nn.ReLU" in message and "nn.LeakyReLU" in message and "nn.GELU" in message  # and what can
    assert "state_dict" in message  # and what to do instead
    with pytest.raises(TypeError, match=act):
        model.save(tmp_path / "m")
    assert _files(tmp_path) == []


def test_a_user_activation_on_its_own_in_a_sequential_is_refused(tmp_path):
    model = nn.Sequential(nn.Linear(2, 4, seed=0), Swish(), nn.Linear(4, 1, seed=1))
    with pytest.raises(TypeError, match=rf"a {__name__}\.Swish cannot be saved .*nn\.MLP, nn\.Linear, nn\.Layer"):
        nn.save(model, tmp_path / "m")


def test_the_built_in_activations_still_round_trip(tmp_path):
    for act in [nn.LeakyReLU(0.2), nn.GELU(), "tanh", None]:
        net = nn.MLP(2, [5, 2], activation=act, seed=1)
        again = nn.load(nn.save(net, tmp_path / "m"))
        assert type(again.activation) is type(net.activation)
        X = np.linspace(-2, 2, 10).reshape(5, 2)
        np.testing.assert_array_equal(again(X).data, net(X).data)


# ---------------------------------------------------------------------------
# the registry
# ---------------------------------------------------------------------------


def test_the_built_in_savable_classes_register_themselves():
    assert dict(registry.SAVABLE) == {"Layer": nn.Layer, "Linear": nn.Linear, "MLP": nn.MLP}
    assert nnio.SAVABLE is registry.SAVABLE
    with pytest.raises(TypeError):
        nnio.SAVABLE["Evil"] = object  # a read-only view


def test_savable_is_not_inherited(tmp_path):
    class Wider(nn.MLP):
        pass

    assert not registry.is_savable(Wider) and not registry.is_savable(nn.micrograd.MLP)
    with pytest.raises(TypeError, match=r"Wider cannot be saved as a model file"):
        Wider(2, [3, 1]).save(tmp_path / "w")


def test_a_class_that_says_savable_is_saved_and_loaded_as_itself(tmp_path, scratch_registry):
    class Affine(nn.Module, savable=True):
        kind = "layer"

        def __init__(self, nin, nout, scale=1.0):
            super().__init__()
            self.nin, self.nout, self.scale = nin, nout, scale
            self.inner = nn.Linear(nin, nout, seed=0)

        def forward(self, x):
            return self.inner(x) * self.scale

        def config(self):
            return {"nin": self.nin, "nout": self.nout, "scale": self.scale}

    assert registry.SAVABLE["Affine"] is Affine
    net = Affine(2, 3, scale=0.5)
    net.inner.bias.data[:] = 1.0
    again = nn.load(net.save(tmp_path / "a"))
    assert type(again) is Affine and again.scale == 0.5
    np.testing.assert_array_equal(again.inner.bias.data, [1.0, 1.0, 1.0])
    assert "Affine" in str(pytest.raises(ValueError, nnio._build, "Nope", {}).value)  # listed as known


def test_a_second_class_of_the_same_name_is_refused(scratch_registry):
    with pytest.raises(TypeError, match=r"nn\.mlp\.MLP is registered under the name MLP already"):

        class MLP(nn.Module, savable=True):
            pass

    assert registry.SAVABLE["MLP"] is nn.MLP


def test_defining_a_savable_class_again_replaces_it(scratch_registry):
    def define():
        class Again(nn.Module, savable=True):
            pass

        return Again

    first, second = define(), define()  # as when a notebook cell runs twice
    assert first is not second and registry.SAVABLE["Again"] is second


def test_module_save_and_load_go_through_the_registered_file_format():
    assert registry.file_format() == (nn.save, nn.load)


# ---------------------------------------------------------------------------
# no import cycle between nn.module and nn.io
# ---------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    """Every nn module that ``path`` imports when it runs, at the top or inside functions."""
    package = "nn." + ".".join(path.relative_to(NN).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0] + "._"
    found = set()
    todo: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            todo.extend(node.orelse)  # imports for annotations only never run
            continue
        todo.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level)[0]
                base = f"{parent}.{base}" if base else parent
            if base == "nn" or base.startswith("nn."):
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name == "nn" or a.name.startswith("nn."))
    return found


def test_module_never_imports_io_and_io_reads_the_registry():
    assert not any(m == "nn.io" or m.endswith(".io") for m in _imports(NN / "module.py"))
    assert "nn.registry" in _imports(NN / "module.py")
    assert "nn.registry.SAVABLE" in _imports(NN / "io.py")


def test_no_import_cycles_between_nn_modules():
    modules = {
        "nn." + ".".join(p.relative_to(NN).with_suffix("").parts): p
        for p in NN.rglob("*.py")
        if p.name != "__init__.py"
    }
    graph = {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for nxt in sorted(graph[name]):
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt) :] + [nxt] if nxt in trail else [name, nxt]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
