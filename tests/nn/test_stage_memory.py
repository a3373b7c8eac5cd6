"""Memory stays flat when stage names are made up on the fly (``stage(f"step {i}")`` around every call)."""

from __future__ import annotations

import tracemalloc

import pytest

import autograd.stages as stages
import nn
import nn.layers as layers
from autograd import stage, stage_label
from tests.engines import Engine


def _traced_after(steps: range, model: nn.Module, x: object) -> float:
    for i in steps:
        with stage(f"step {i}", label=f"training step {i}"):
            model(x)
    return tracemalloc.get_traced_memory()[0] / 1e6


def test_dynamic_stage_names_keep_memory_flat(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # small caps so that the caches fill and start again many times within the test
    monkeypatch.setattr(stages, "_MAX_PATHS", 300)
    monkeypatch.setattr(stages, "_MAX_REGISTERED", 200)
    monkeypatch.setattr(layers, "PATH_CACHE", 8)
    model = nn.MLP(2, [3, 1], engine=engine.name, seed=0)
    x = [0.5, -0.2] if engine.name == "scalar" else engine.node([[0.5, -0.2]])
    tracemalloc.start()
    try:
        _traced_after(range(0, 300), model, x)  # warm up: every cache reaches its cap
        early = _traced_after(range(300, 900), model, x)
        late = _traced_after(range(900, 2100), model, x)
    finally:
        tracemalloc.stop()
    assert late - early < 0.25, f"memory grew {late - early:.2f} MB over 1,200 more distinct stage names"
    assert len(stages._LABELS) <= 200 and len(stages._KINDS) <= 200
    assert len(stages._ROOT_KIDS) <= 300
    # the newest labels are still in the registry, and a path made now still carries its own
    assert stage_label(("step 2099",)) == "training step 2099"
    with stage("fresh", label="a fresh label") as path:
        assert path.labels == ("a fresh label",)


def test_the_registry_drops_its_oldest_half_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stages, "_MAX_REGISTERED", 10)
    reg: dict = {}
    for i in range(25):
        stages._remember(reg, (f"p{i}",), f"label {i}")
        assert len(reg) <= 10
    assert ("p24",) in reg and ("p0",) not in reg
    stages._remember(reg, ("p24",), "again")  # a known path is updated in place, nothing dropped
    assert reg[("p24",)] == "again" and len(reg) <= 10
