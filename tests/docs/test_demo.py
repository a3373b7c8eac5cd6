"""The demo (the README's first command runs ``python -m nn.demo``) end to end."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_demo(tmp_path, *args, env_extra=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "nn.demo", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_demo_writes_every_promised_file_and_tells_the_story(tmp_path):
    pytest.importorskip("matplotlib")
    r = run_demo(tmp_path, "--no-progress")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "layergrad-output"
    ext = ".svg" if shutil.which("dot") else ".dot"
    promised = [
        f"graph{ext}",
        f"graph_neurons{ext}",
        f"network{ext}",
        "decision_boundaries.png",
        "neuron_maps.png",
        "layer_representations.png",
        "linear_probes.png",
        "training_curves.png",
        "straight_grid.png",
        "gradient_health.png",
        "explorer.html",
    ]
    for name in promised:
        f = out / name
        assert f.is_file() and f.stat().st_size > 500, name
        assert str(f) in r.stdout  # it says where the files are
    assert sorted(p.name for p in out.iterdir()) == sorted(promised)  # nothing half-written left
    # the comparison table: test accuracies per model
    acc = {
        m: float(v)
        for m, v in re.findall(
            r"^(linear classifier|deep network \(relu\)|deep, no nonlinearity)\s.*?"
            r"[\d.]+ %\s+([\d.]+) %",
            r.stdout,
            re.M,
        )
    }
    assert set(acc) == {"linear classifier", "deep network (relu)", "deep, no nonlinearity"}
    assert acc["linear classifier"] <= 70 and acc["deep, no nonlinearity"] <= 70
    assert acc["deep network (relu)"] >= 97
    # claim 4: the narrow tanh net's linear probes rise layer by layer
    rise = re.search(r"layer by layer .*\n.*\n\s+([\d %→]+?)\s+\(the output layer", r.stdout)
    assert rise, r.stdout
    probes = [float(v) for v in re.findall(r"(\d+) %", rise.group(1))]
    assert len(probes) == 6 and probes[0] < 55 and probes[1] < probes[2] < probes[3] and probes[3] > 90
    if ext == ".svg":
        assert (out / "graph.svg").read_text().lstrip().startswith(("<?xml", "<svg"))


@pytest.mark.slow
def test_demo_options_and_without_dot(tmp_path):
    # no Graphviz program on PATH: the graphs are written as .dot text instead
    r = run_demo(
        tmp_path,
        "--dataset",
        "xor",
        "--hidden",
        "8",
        "--activation",
        "tanh",
        "--epochs",
        "50",
        "--n",
        "120",
        "--no-progress",
        "--no-plots",
        "--out",
        "custom",
        env_extra={"PATH": os.path.dirname(sys.executable)},
    )
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in (tmp_path / "custom").iterdir())
    assert names == ["graph.dot", "graph_neurons.dot", "network.dot"]
    assert "digraph" in (tmp_path / "custom" / "graph.dot").read_text()
    assert "xor, 120 points" in r.stdout and "2→8→1" in r.stdout


def test_demo_help_and_bad_options(tmp_path):
    r = run_demo(tmp_path, "--help")
    assert r.returncode == 0 and "--dataset" in r.stdout and "--engine" in r.stdout and "--out" in r.stdout
    r = run_demo(tmp_path, "--hidden", "a,b")
    assert r.returncode != 0 and "--hidden" in r.stderr
    r = run_demo(tmp_path, "--dataset", "mnist")
    assert r.returncode != 0 and "invalid choice" in r.stderr
