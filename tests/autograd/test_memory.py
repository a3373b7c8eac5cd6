"""Memory after backward: big tensor graphs keep no interior gradients and let go of data only they hold; leaf
gradients are accumulated in place when nothing else holds them (PyTorch's rules); released data is recognised, and
releasing switches itself off where reference counts cannot be trusted."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import autograd
import autograd.propagate as propagate
import autograd.released as released
from autograd import Tensor, reuse_freed_memory, toposort
from autograd.released import is_released

N = propagate.INTERIOR_GRADS_UP_TO // 4 + 1  # 4 interior nodes of N elements: just over the limit


def _chain(x: Tensor) -> tuple[Tensor, Tensor]:
    h = (x * 3.0).tanh()
    return h, ((h + 1.0) * 2.0).sum()


def _expected_grad(x0: np.ndarray) -> np.ndarray:
    t = np.tanh(3.0 * x0)
    return 2.0 * (1 - t * t) * 3.0


def test_small_graphs_keep_interior_gradients_big_ones_keep_only_the_leaves():
    rng = np.random.default_rng(0)
    small = Tensor(rng.normal(size=8), requires_grad=True)
    h, loss = _chain(small)
    loss.backward()
    assert all(n.grad is not None for n in toposort(loss) if n.op is not None)
    np.testing.assert_allclose(h.grad, np.full(8, 2.0))
    x0 = rng.normal(size=N)
    big = Tensor(x0, requires_grad=True)
    h, loss = _chain(big)
    loss.backward()
    assert [n.grad for n in toposort(loss) if n.op is not None] == [None] * 5
    np.testing.assert_allclose(big.grad, _expected_grad(x0), rtol=1e-12)


def test_retain_grad_keeps_a_gradient_on_a_big_graph():
    x0 = np.random.default_rng(1).normal(size=N)
    x = Tensor(x0, requires_grad=True)
    h, loss = _chain(x)
    h.retain_grad()
    loss.backward()
    np.testing.assert_allclose(h.grad, np.full(N, 2.0))
    np.testing.assert_allclose(x.grad, _expected_grad(x0), rtol=1e-12)
    assert loss._a.grad is None  # not retained


def test_after_backward_a_big_graph_lets_go_of_data_only_it_holds():
    x0 = np.random.default_rng(2).normal(size=N)
    x = Tensor(x0, requires_grad=True)
    h, loss = _chain(x)
    value = loss.item()
    loss.backward()
    inner = loss._a  # (h + 1.0) * 2.0: nobody held it
    assert inner.shape == (N,) and inner.dtype == np.float64 and is_released(inner)
    assert inner.data.strides == (0,)  # a stand-in that costs no memory
    np.testing.assert_allclose(h.data, np.tanh(3.0 * x0))  # held by the program: kept
    assert loss.item() == value and np.array_equal(x.data, x0)  # the root and the leaves: kept
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_retain_graph_keeps_everything_and_a_second_pass_works():
    x0 = np.random.default_rng(3).normal(size=N)
    x = Tensor(x0, requires_grad=True)
    _, loss = _chain(x)
    loss.backward(retain_graph=True)
    assert not is_released(loss._a) and np.array_equal(loss._a.data, 2 * (np.tanh(3.0 * x0) + 1))
    loss.backward()
    np.testing.assert_allclose(x.grad, 2 * _expected_grad(x0), rtol=1e-12)


def test_a_leaf_gradient_is_accumulated_in_place_unless_the_program_holds_it():
    w = Tensor(np.ones(3), requires_grad=True)
    (w * 2.0).sum().backward()
    old = w.grad
    (w * 2.0).sum().backward()
    assert old.tolist() == [2.0, 2.0, 2.0] and w.grad.tolist() == [4.0, 4.0, 4.0]  # held: not changed
    del old
    buffer = id(w.grad)
    (w * 2.0).sum().backward()
    assert id(w.grad) == buffer and w.grad.tolist() == [6.0, 6.0, 6.0]  # nobody held it: the same buffer
    w.grad[...] = 0  # zero_grad(set_to_none=False)
    (w * 5.0).sum().backward()
    assert id(w.grad) == buffer and w.grad.tolist() == [5.0, 5.0, 5.0]


_FAULTS = """
import resource, sys
import numpy as np
import autograd
if sys.argv[1] == "on":
    assert autograd.reuse_freed_memory() is True
def step():
    keep = [np.ones(262144, dtype=np.float32) for _ in range(32)]  # 32 MiB in 1 MiB arrays, then freed
    return sum(float(a[0]) for a in keep)
step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_reuse_freed_memory_is_opt_in_and_stops_the_page_faults_of_steady_steps():
    def faults(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", _FAULTS, mode], capture_output=True, text=True, check=True)
        return int(out.stdout)

    off, on = faults("off"), faults("on")
    assert off > 10 * 2000  # each step faults its 32 MiB back in (8,192 pages)
    assert on < off / 10
    with pytest.raises(ValueError, match="mmap_mib must be an int in 1..32, got 64"):
        reuse_freed_memory(mmap_mib=64)


def _released_graph() -> tuple[Tensor, Tensor, Tensor]:
    x = Tensor(np.random.default_rng(4).normal(size=N), requires_grad=True)
    h, loss = _chain(x)
    loss.backward()
    return x, h, loss


def test_released_data_is_named_not_shown_as_nan():
    _, h, loss = _released_graph()
    inner = loss._a
    assert is_released(inner) and not is_released(h) and not is_released(loss)
    assert repr(inner) == f"Tensor(<released after backward>, shape=({N},), dtype=float64, op=mul)"
    assert "released after backward()" in inner._repr_html_()
    for read in (inner.numpy, inner.tolist, lambda: np.asarray(inner), inner.item):
        with pytest.raises(RuntimeError, match=r"was released after backward\(\).*retain_grad\(\).*retain_graph=True"):
            read()
    assert h.numpy() is h.data  # a held intermediate is unchanged
    src = autograd.draw_graph(loss).source
    assert "released after backward()" in src and "nan" not in src.lower()


def test_this_interpreter_passes_the_reference_count_self_check():
    assert released._self_check(Tensor) is True
    assert released.releasing(Tensor) is True


@pytest.mark.parametrize(
    "count",
    [
        lambda n: 2**32 - 1,  # an immortal object's count (CPython 3.12+)
        lambda n: 1,
        None,  # no sys.getrefcount at all (PyPy)
    ],
)
def test_a_wrong_reference_count_switches_releasing_off(monkeypatch, count):
    monkeypatch.setattr(released, "_refcount", count)
    monkeypatch.setattr(released, "_counting", None)
    assert released.releasing(Tensor) is False
    x, h, loss = _released_graph()
    assert not any(is_released(n) for n in toposort(loss))
    np.testing.assert_allclose(loss._a.data, 2.0 * (np.tanh(3.0 * x.data) + 1.0))
    np.testing.assert_allclose(x.grad, _expected_grad(x.data), rtol=1e-12)  # gradients are unaffected


def test_the_self_check_tells_a_count_off_by_one_either_way(monkeypatch):
    # a Python wrapper around getrefcount adds the references of its own call; exactly one offset
    # makes its count exact, and one fewer (a borrowed reference, CPython 3.14's LOAD_FAST_BORROW)
    # or one more must both fail the check
    monkeypatch.setattr(released, "_counting", None)
    passing = []
    for k in range(-4, 5):
        monkeypatch.setattr(released, "_refcount", lambda n, k=k: sys.getrefcount(n) + k)
        if released._self_check(Tensor):
            passing.append(k)
    assert len(passing) == 1
    k = passing[0]
    monkeypatch.setattr(released, "_refcount", lambda n: sys.getrefcount(n) + k - 1)
    assert released.releasing(Tensor) is False
    _, h, loss = _released_graph()
    assert not is_released(loss._a) and not is_released(h)


def test_in_place_accumulation_is_switched_off_by_a_wrong_count(monkeypatch):
    tensor_module = sys.modules["autograd.tensor"]  # (autograd.tensor is also the factory function)

    assert tensor_module.check_in_place() is True  # this interpreter: exact counts
    monkeypatch.setattr(tensor_module, "_refcount", lambda x: 1)  # every .grad looks unheld: wrong
    assert tensor_module.check_in_place() is False
    w = Tensor(np.ones(3), requires_grad=True)
    (w * 2.0).sum().backward()
    old = w.grad
    (w * 2.0).sum().backward()
    assert old.tolist() == [2.0, 2.0, 2.0] and w.grad.tolist() == [4.0, 4.0, 4.0]  # the held array kept its values


def test_arrays_let_go_are_reused_by_the_next_forward_only_when_nothing_holds_them():
    from autograd.released import POOL

    rng = np.random.default_rng(5)
    W = Tensor(rng.normal(size=(64, 64)).astype(np.float32), requires_grad=True)
    b = Tensor(rng.normal(size=64).astype(np.float32), requires_grad=True)
    X = Tensor(rng.normal(size=(N // 64 + 64, 64)).astype(np.float32))

    def step(keep):
        z = X @ W + b
        h = z.relu()
        keep.append(z.data)  # the program keeps an array of a node it does not hold
        loss = ((h * 0.5 + 1.0).tanh()).sum()
        loss.backward()
        return loss

    kept: list = []
    step(kept)
    pooled = [a for arrays in POOL.values() for a in arrays]
    assert pooled and all(a.dtype == np.float32 for a in pooled)
    assert not any(a is kept[0] for a in pooled)  # held by the program: never recycled
    saved = kept[0].copy()
    for _ in range(3):
        W.grad = b.grad = None
        loss = step(kept)
        z = X.data @ W.data + b.data
        expected = np.tanh(np.maximum(z, 0) * 0.5 + 1.0).sum(dtype=np.float64)
        np.testing.assert_allclose(loss.item(), expected, rtol=1e-4)
        g = (1 - np.tanh(np.maximum(z, 0) * 0.5 + 1.0) ** 2) * 0.5 * (z > 0)
        np.testing.assert_allclose(W.grad, X.data.T @ g, rtol=1e-3, atol=1e-3)
    np.testing.assert_array_equal(kept[0], saved)  # the first step's kept array was never written into
    assert all(k.dtype == np.float32 for k in kept)


def test_the_pool_keeps_at_most_pool_bytes_and_empties_at_every_release(monkeypatch):
    from autograd.released import POOL

    _released_graph()
    assert sum(a.nbytes for arrays in POOL.values() for a in arrays) == 3 * N * 8  # x * 3, h + 1 and (h + 1) * 2
    monkeypatch.setattr(released, "POOL_BYTES", N * 8)
    _released_graph()
    assert [a.shape for arrays in POOL.values() for a in arrays] == [(N,)]
    monkeypatch.setattr(released, "POOL_BYTES", 0)
    _released_graph()
    assert not POOL
