"""The architecture record of a model file is checked strictly (nn.architecture): a JSON ``true`` is not the int 1.

Each test edits the record of a saved model, as someone crafting a file
would, and expects ``nn.load`` to refuse it with a ``ValueError`` that names
the value; the layouts the checks imply are compared with what the classes
really build.
"""

from __future__ import annotations

import json
from types import MappingProxyType

import numpy as np
import pytest

import nn
import nn.io as nnio
import nn.registry as registry
from nn.architecture import SCHEMAS, blocks
from tests.nn.crafted import Member, npy_bytes, record, zip_bytes


def _arrays(module) -> dict:
    return {k: np.asarray(v) for k, v in module.state_dict().items()}


def _write(tmp_path, module, edit=None, text=None) -> str:
    """``module``'s file with its record edited by ``edit`` (or replaced by the raw JSON ``text``)."""
    meta = nnio._meta(module)
    if edit is not None:
        edit(meta)
    members = [Member(f"{k}.npy", npy_bytes(v)) for k, v in _arrays(module).items()]
    path = tmp_path / "m.npz"
    path.write_bytes(zip_bytes([*members, Member("__layergrad__.npy", record(text if text else meta))]))
    return str(path)


def _refused(path, match):
    with pytest.raises(ValueError, match=match):
        nn.load(path)


def _mlp():
    # models are made inside tests, not at import: making one registers its stage labels, which
    # tests/autograd/test_draw.py (collected after this file is imported) reads
    return nn.MLP(2, [3, 1], activation=nn.LeakyReLU(0.1), seed=0)


def _config(**changes):
    return lambda meta: meta["config"].update(changes)


def _drop(key):
    return lambda meta: meta["config"].pop(key)


@pytest.mark.parametrize(
    "edit, why",
    [
        (lambda m: m.update(version=True), r"has the format version True, not an int; expected 1"),
        (lambda m: m.update(version=1.0), r"has the format version 1\.0, not an int"),
        (lambda m: m.update(version="1"), r"has the format version '1', not an int"),
        (lambda m: m.pop("version"), r"has the format version None, not an int"),
        (lambda m: m.update(comment="hi"), r"has unexpected entries \['comment'\] in its architecture record"),
        (
            lambda m: m.update(format=["layergrad-module"]),
            r"is not a layergrad model file \(format \['layergrad-module'\]\)",
        ),
        (_config(nin=True), "invalid architecture for MLP: nin must be a positive int, got True"),
        (_config(nin=2.0), "nin must be a positive int, got 2.0"),
        (_config(nin=0), "nin must be a positive int, got 0"),
        (_config(nin=-2), "nin must be a positive int, got -2"),
        (_config(nouts=[3, True]), r"nouts\[1\] must be a positive int, got True"),
        (_config(nouts=[3, 1.0]), r"nouts\[1\] must be a positive int, got 1\.0"),
        (_config(nouts=[]), "nouts must be a non-empty list of positive ints, got"),
        (_config(nouts=1), "nouts must be a non-empty list of positive ints, got 1"),
        (_config(nouts="3"), "nouts must be a non-empty list"),
        (_config(nouts=[1] * 40_000), "nouts lists 40,000 layers; a model file holds at most 65,536 arrays"),
        (_config(engine=True), "engine must be tensor or scalar, got True"),
        (_config(dtype="float128"), "dtype must be float16, float32 or float64, got 'float128'"),
        (_config(dtype=64), "dtype must be float16, float32 or float64, got 64"),
        (_config(activation=True), "unknown activation True"),
        (_config(activation="ReLU"), "unknown activation 'ReLU'"),
        (_config(seed=0), "unexpected argument 'seed' for a MLP, which takes nin, nouts, activation, engine, dtype"),
        (_drop("nin"), "the config of a MLP needs 'nin'"),
        (_drop("activation"), "activation_config is given without the activation it configures"),
        (
            _config(activation_config={"negative_slope": True}),
            "negative_slope of activation 'leaky_relu' must be a float, got True",
        ),
        (_config(activation_config={"negative_slope": "0.1"}), "must be a float, got '0.1'"),
        (
            _config(activation_config={"slope": 0.1}),
            "unexpected argument 'slope' for activation 'leaky_relu', which takes negative_slope",
        ),
        (
            _config(activation="relu"),
            "unexpected argument 'negative_slope' for activation 'relu', which takes no arguments",
        ),
    ],
)
def test_each_value_of_an_mlp_record_has_its_exact_type(tmp_path, edit, why):
    _refused(_write(tmp_path, _mlp(), edit), f"load: .*m\\.npz .*{why}")


@pytest.mark.parametrize(
    "text, why",
    [
        ('{"format": "layergrad-module", "version": 1, "version": 1}', "gives the same key twice"),
        ('{"format": "layergrad-module", "version": NaN}', "NaN is not a number a model file may hold"),
        ('{"format": "layergrad-module", "version": -Infinity}', "-Infinity is not a number a model file may hold"),
        ("[" * 100_000 + "]" * 100_000, "not JSON text"),
        ('{"format": "layergrad-module", "version": 1' + "0" * 5000 + "}", "not JSON text"),
    ],
    ids=["duplicate-key", "nan", "infinity", "deeply-nested", "huge-int"],
)
def test_json_that_python_would_accept_but_a_model_file_may_not_hold(tmp_path, text, why):
    _refused(_write(tmp_path, _mlp(), text=text), f"not a readable layergrad model file .*{why}")


def test_a_number_too_large_for_a_float_is_no_slope(tmp_path):
    text = json.dumps(nnio._meta(_mlp())).replace('"negative_slope": 0.1', '"negative_slope": 1e400')
    assert "1e400" in text  # json reads it as inf
    _refused(_write(tmp_path, _mlp(), text=text), "negative_slope of activation 'leaky_relu' must be a float, got inf")


def test_the_slope_of_a_leaky_relu_may_be_written_as_an_int(tmp_path):
    path = _write(tmp_path, _mlp(), _config(activation_config={"negative_slope": 0}))
    assert nn.load(path).activation.negative_slope == 0.0


def _linear():
    return nn.Linear(2, 3, activation="tanh", seed=0)


@pytest.mark.parametrize(
    "edit, why",
    [
        (_config(bias=1), "bias must be true or false, got 1"),
        (_config(bias="yes"), "bias must be true or false, got 'yes'"),
        (_config(nout=True), "nout must be a positive int, got True"),
        (_config(bias=False), r"missing \[\], unexpected \['bias'\]"),  # the arrays say otherwise
        (_config(nin=3), r"weight has shape \(2, 3\) in the file but \(3, 3\) in the architecture"),
        (_config(engine="tensor"), "unexpected argument 'engine' for a Linear"),
    ],
)
def test_each_value_of_a_linear_record_has_its_exact_type(tmp_path, edit, why):
    _refused(_write(tmp_path, _linear(), edit), why)


@pytest.mark.parametrize(
    "edit, why",
    [
        (_config(nin=True), "invalid architecture for Layer: nin must be a positive int, got True"),
        (_config(dtype="float64"), "unexpected argument 'dtype' for a Layer, which takes nin, nout, activation"),
        (_config(nout=4), r"missing \['neurons\.3\.w\.0', 'neurons\.3\.w\.1', 'neurons\.3\.b'\]"),
    ],
)
def test_each_value_of_a_layer_record_has_its_exact_type(tmp_path, edit, why):
    _refused(_write(tmp_path, nn.Layer(2, 3, seed=0), edit), why)


def _seq():
    return nn.Sequential(nn.Linear(2, 3, seed=0), nn.LeakyReLU(0.2), nn.Linear(3, 1, seed=1))


def _module(i, **changes):
    return lambda meta: meta["config"]["modules"][i].update(changes)


@pytest.mark.parametrize(
    "edit, why",
    [
        (
            _module(1, config={"name": "leaky_relu", "negative_slope": True}),
            "negative_slope of activation 'leaky_relu'",
        ),
        (_module(1, config={"name": "relu", "inplace": True}), "unexpected argument 'inplace' for activation 'relu'"),
        (_module(1, config={"name": 3}), "unknown activation 3"),
        (_module(1, config=[]), "the config must be a JSON object, got list"),
        (_module(0, note="x"), "module 0 of the Sequential has entries other than 'class' and 'config'"),
        (_module(2, config={"nin": 3, "nout": True}), "nout must be a positive int, got True"),
        (
            lambda m: m["config"].update(extra=1),
            r"a Sequential's config holds only 'modules', got \['extra', 'modules'\]",
        ),
    ],
)
def test_each_entry_of_a_sequential_record_is_checked(tmp_path, edit, why):
    _refused(_write(tmp_path, _seq(), edit), f"invalid architecture for Sequential: .*{why}")


def test_nested_sequentials_round_trip_and_too_deep_nesting_is_refused(tmp_path):
    inner = nn.Sequential(nn.Linear(2, 2, seed=0), nn.Tanh())
    model = nn.Sequential(nn.Sequential(inner, nn.Linear(2, 1, seed=1)), nn.Sigmoid())
    again = nn.load(model.save(tmp_path / "nested"))
    assert [n for n, _ in again.named_parameters()] == [n for n, _ in model.named_parameters()]
    x = np.ones((2, 2))
    np.testing.assert_array_equal(again(x).data, model(x).data)

    deep: dict = {"class": "Linear", "config": {"nin": 1, "nout": 1}}
    for _ in range(40):
        deep = {"class": "Sequential", "config": {"modules": [deep]}}
    meta = {"format": "layergrad-module", "version": 1, **deep}
    path = tmp_path / "deep.npz"
    path.write_bytes(zip_bytes([Member("__layergrad__.npy", record(meta))]))
    _refused(path, "invalid architecture for Sequential: modules nested more than 32 deep")


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.MLP(3, [4, 2], seed=0),
        lambda: nn.MLP(3, [4, 2], engine="scalar", seed=0),
        lambda: nn.MLP(3, [4, 2], dtype=np.float32, seed=0),
        lambda: nn.Linear(3, 2, bias=False),
        lambda: nn.Linear(3, 2, dtype=np.float16),
        lambda: nn.Layer(3, 2),
        lambda: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1))),
    ],
    ids=["mlp", "scalar-mlp", "float32", "no-bias", "float16", "layer", "sequential"],
)
def test_the_layout_a_record_implies_is_what_the_class_builds(make):
    module = make()
    meta = nnio._meta(module)
    found = nnio._layout(meta["class"], meta["config"])
    params = dict(module.named_parameters())
    assert {n: s for b in found for n, s in b.params()} == {n: np.shape(p.data) for n, p in params.items()}
    tensors = [p for p in params.values() if hasattr(p.data, "nbytes")]
    if len(tensors) == len(params):
        assert sum(b.nbytes() for b in found) == sum(p.data.nbytes for p in tensors)
    assert sum(b.arrays() for b in found) == len(params)


def test_every_built_in_savable_class_has_a_schema():
    assert set(SCHEMAS) == {registry.SAVABLE[name] for name in ("MLP", "Linear", "Layer")}
    assert [b.nout for b in blocks(nn.MLP, {"nin": 2, "nouts": [8, 1]})] == [8, 1]


# ---------------------------------------------------------------------------
# a savable class of one's own: no schema, so the file's sizes stand in
# ---------------------------------------------------------------------------


@pytest.fixture
def affine(monkeypatch):
    """A savable class of one's own (forgotten after the test), and a count of how often it is built."""
    monkeypatch.setattr(registry, "_classes", dict(registry._classes))
    monkeypatch.setattr(registry, "SAVABLE", MappingProxyType(registry._classes))
    monkeypatch.setattr(nnio, "SAVABLE", registry.SAVABLE)
    built = []

    class Affine(nn.Module, savable=True):
        def __init__(self, nin, nout):
            super().__init__()
            built.append((nin, nout))
            self.nin, self.nout = nin, nout
            self.inner = nn.Linear(nin, nout, seed=0)

        def forward(self, x):
            return self.inner(x)

        def config(self):
            return {"nin": self.nin, "nout": self.nout}

    return Affine, built


def test_a_class_of_ones_own_is_limited_by_the_sizes_in_the_file(tmp_path, affine):
    cls, built = affine
    path = cls(40, 40).save(tmp_path / "a")  # 40 * 41 float64 numbers: 13,120 bytes
    built.clear()
    with pytest.raises(
        ValueError, match=r"declares arrays that take about .*\(13,\d+ bytes\), more than max_bytes=10,000"
    ):
        nn.load(path, max_bytes=10_000)
    assert built == []  # refused before it was built
    assert type(nn.load(path)) is cls


def test_a_class_of_ones_own_is_compared_with_the_file_once_built(tmp_path, affine):
    cls, _ = affine
    path = _write(tmp_path, cls(2, 3), _config(nout=4))
    _refused(path, r"inner\.weight has shape \(2, 3\) in the file but \(2, 4\) in the model")
