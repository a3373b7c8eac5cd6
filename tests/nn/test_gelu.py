"""GELU as PyTorch means it: exact by default, the tanh formula on request, old model files kept as trained."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nn
import nn.functional as F
from autograd import Tensor, Value

FIXTURES = Path(__file__).parent / "fixtures"
EPS = 1e-6
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
XS = st.floats(-8.0, 8.0)


def exact(x: float) -> float:
    return 0.5 * x * (1.0 + math.erf(x * math.sqrt(0.5)))  # x·Φ(x), computed as PyTorch does (x times 1/√2)


def tanh_form(x: float) -> float:
    return 0.5 * x * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


FORMS = {"none": exact, "tanh": tanh_form}


@given(x=hnp.arrays(np.float64, SHAPES, elements=XS), approximate=st.sampled_from(["none", "tanh"]))
def test_both_forms_on_both_engines_give_the_same_numbers(x: np.ndarray, approximate: str) -> None:
    ref = np.vectorize(FORMS[approximate], otypes=[np.float64])(x)
    t = nn.GELU(approximate)(Tensor(x)).data
    np.testing.assert_allclose(t, ref, rtol=1e-15, atol=2e-15)  # 1 + tanh, 1 + erf cancel for x < 0
    values = nn.GELU(approximate)([Value(float(v)) for v in x.ravel()])
    if approximate == "none":  # bit for bit: both engines call math.erf (math.tanh and np.tanh may differ by an ulp)
        assert [v.data for v in values] == t.ravel().tolist()
    np.testing.assert_allclose(
        [v.data for v in values], t.ravel(), rtol=1e-15, atol=2e-15
    )  # 1 + tanh, 1 + erf cancel for x < 0
    assert np.array_equal(nn.gelu(Tensor(x), approximate).data, t) and np.array_equal(
        F.gelu(Tensor(x), approximate).data, t
    )


def test_the_default_is_exact_and_the_forms_differ_by_up_to_5e_4() -> None:
    x = np.linspace(-6, 6, 2401)
    default = nn.GELU()(Tensor(x)).data
    np.testing.assert_allclose(default, [exact(v) for v in x], rtol=1e-15, atol=2e-15)
    gap = np.abs(default - nn.GELU("tanh")(Tensor(x)).data).max()
    assert 1e-4 < gap < 5e-4  # a silent difference of this size is what the default must not hide
    assert F.gelu(Tensor([1.0])).item() == exact(1.0) and nn.gelu(Value(1.0)).data == exact(1.0)
    assert Value(1.0).gelu().data == exact(1.0) and Tensor([1.0]).gelu().tolist() == [exact(1.0)]


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@given(x=st.floats(-5.0, 5.0), data=st.data())
def test_gradients_and_second_derivatives_match_central_differences(approximate: str, x: float, data: Any) -> None:
    f = FORMS[approximate]
    v = Value(x)
    y = v.gelu(approximate)
    y.backward()
    first = (f(x + EPS) - f(x - EPS)) / (2 * EPS)
    assert abs(v.grad - first) <= 1e-6 + 1e-6 * abs(first), f"d/dx gelu({x}) = {v.grad}, differences give {first}"
    t = Tensor([x], requires_grad=True)
    (g,) = nn_grad(nn.GELU(approximate)(t).sum(), t)
    g.sum().backward()

    def d1(z: float) -> float:
        w = Value(z)
        w.gelu(approximate).backward()
        return w.grad

    second = (d1(x + EPS) - d1(x - EPS)) / (2 * EPS)
    assert t.grad is not None
    assert abs(float(t.grad[0]) - second) <= 1e-5 + 1e-5 * abs(second), f"d²/dx² at {x}: {t.grad[0]} vs {second}"


def nn_grad(y: Any, x: Any) -> Any:
    from autograd import grad

    return grad(y, x, create_graph=True)


@pytest.mark.parametrize("bad", ["Tanh", "exact", "", None, 1])
def test_a_bad_approximate_names_the_allowed_values(bad: Any) -> None:
    message = f"approximate must be 'none' or 'tanh', got {bad!r}"
    for call in (
        lambda: nn.GELU(bad),
        lambda: nn.GELU(approximate=bad),
        lambda: F.gelu(Tensor([1.0]), approximate=bad),
        lambda: nn.gelu([1.0], bad),
        lambda: Value(1.0).gelu(bad),
        lambda: Tensor([1.0]).gelu(bad),
    ):
        with pytest.raises(ValueError, match=f"^[A-Za-z]+: {message.replace('(', '.').replace(')', '.')}$"):
            call()


@pytest.mark.parametrize("engine", ["scalar", "tensor"])
def test_activation_names_and_what_drawings_say(engine: str) -> None:
    exact_net = nn.MLP(2, [3, 1], activation="gelu", engine=engine, seed=0)
    tanh_net = nn.MLP(2, [3, 1], activation="gelu_tanh", engine=engine, seed=0)
    module_net = nn.MLP(2, [3, 1], activation=nn.GELU(approximate="tanh"), engine=engine, seed=0)
    assert exact_net.activation.approximate == "none" and tanh_net.activation.approximate == "tanh"
    assert repr(nn.GELU()) == "GELU(approximate='none')" and repr(tanh_net.activation) == "GELU(approximate='tanh')"
    assert (exact_net.activation.describe(), tanh_net.activation.describe()) == ("GELU", "GELU(tanh)")
    x = [0.7, -1.3]
    y_exact = exact_net(x if engine == "scalar" else Tensor([x]))
    y_tanh = tanh_net(x if engine == "scalar" else Tensor([x]))
    y_module = module_net(x if engine == "scalar" else Tensor([x]))
    if engine == "scalar":  # an MLP on the scalar engine returns a list of Values
        y_exact, y_tanh, y_module = y_exact[0], y_tanh[0], y_module[0]
    val = (lambda y: y.data) if engine == "scalar" else (lambda y: y.item())
    assert val(y_tanh) == val(y_module) and val(y_exact) != val(y_tanh)
    ops = {n.op.text(n.constants, len(n.parents)) for n in _nodes(y_tanh) if n.op is not None}
    assert "GELU(tanh)" in ops and "GELU" not in ops
    ops = {n.op.text(n.constants, len(n.parents)) for n in _nodes(y_exact) if n.op is not None}
    assert "GELU" in ops and "GELU(tanh)" not in ops
    with pytest.raises(ValueError, match="known: .*gelu, gelu_tanh"):
        nn.get_activation("gelu_fast")


def _nodes(y: Any) -> list[Any]:
    seen, stack, out = set(), [y], []
    while stack:
        n = stack.pop()
        if id(n) not in seen:
            seen.add(id(n))
            out.append(n)
            stack.extend(n.parents)
    return out


@pytest.mark.parametrize("engine", ["scalar", "tensor"])
@pytest.mark.parametrize("activation", ["gelu", "gelu_tanh"])
def test_saved_gelu_networks_load_with_their_form(tmp_path: Path, engine: str, activation: str) -> None:
    net = nn.MLP(2, [3, 1], activation=activation, engine=engine, seed=1)
    again = nn.load(net.save(tmp_path / "m"))
    assert again.activation.approximate == net.activation.approximate
    seq = nn.Sequential(nn.Linear(2, 2, seed=1), nn.get_activation(activation))
    back = nn.load(seq.save(tmp_path / "s"))
    assert back.layers[1].approximate == seq.layers[1].approximate  # type: ignore[attr-defined]
    x = Tensor([[0.3, -2.0]])
    np.testing.assert_array_equal(back(x).data, seq(x).data)


@pytest.mark.parametrize("name", ["gelu_mlp_before_exact.npz", "gelu_sequential_before_exact.npz"])
def test_files_written_before_the_exact_gelu_load_with_the_tanh_form(tmp_path: Path, name: str) -> None:
    record = json.loads((FIXTURES / "gelu_before_exact.json").read_text())
    path = shutil.copy(FIXTURES / name, tmp_path / name)
    model = nn.load(path)
    acts = [m for m in model.modules() if isinstance(m, nn.GELU)] + [
        a for a in [getattr(m, "activation", None) for m in model.modules()] if isinstance(a, nn.GELU)
    ]
    assert acts and all(a.approximate == "tanh" for a in acts)
    out = model(Tensor(record["inputs"])).data
    np.testing.assert_allclose(out, record["outputs"][name], rtol=1e-14, atol=1e-15)  # the old code's outputs


def test_a_file_with_an_unknown_approximation_is_refused(tmp_path: Path) -> None:
    path = nn.Sequential(nn.Linear(2, 2, seed=1), nn.GELU()).save(tmp_path / "m")
    with np.load(path) as z:
        arrays = dict(z)
    meta = json.loads(bytes(arrays["__layergrad__"]).decode())
    meta["config"]["modules"][1]["config"]["approximate"] = "fast"
    arrays["__layergrad__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match="approximate of activation 'gelu' must be 'none' or 'tanh', got 'fast'"):
        nn.load(tmp_path / "bad.npz")


def test_gelu_against_torch() -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install layergrad[interop]")
    x = np.concatenate([np.linspace(-9, 9, 3601), [-40.0, 40.0]])
    for approximate in ("none", "tanh"):
        t = Tensor(x, requires_grad=True)
        F.gelu(t, approximate=approximate).sum().backward()
        tx = torch.tensor(x, requires_grad=True)
        y = torch.nn.functional.gelu(tx, approximate=approximate)
        y.sum().backward()
        np.testing.assert_allclose(F.gelu(Tensor(x), approximate).data, y.detach().numpy(), rtol=1e-14, atol=1e-15)
        atol = 1e-15 if approximate == "none" else 1e-14  # torch's tanh-form gradient rounds differently for x > 7
        np.testing.assert_allclose(t.grad, tx.grad.numpy(), rtol=1e-13, atol=atol)
