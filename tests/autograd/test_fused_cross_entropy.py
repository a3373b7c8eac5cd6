"""The fused cross-entropy node (autograd.fused_cross_entropy): the unfused graph's numbers bit for bit (loss, the
logits' gradient, every interior value and gradient) and, once read, exactly the unfused graph, node by node."""

from __future__ import annotations

import copy
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import autograd.fused as fused
import autograd.fused_cross_entropy as fce
import nn
from autograd import Tensor, detect_anomaly, no_grad, toposort
from autograd.gradcheck import gradcheck
from autograd.released import is_released

FLOATS = [np.float32, np.float64]


def _bits(a):
    """An array (or number) as exactly what it holds: type, dtype, shape and bytes (released: a marker)."""
    if a is None:
        return None
    if isinstance(a, np.ndarray) and is_released(a):
        return ("released", a.dtype.str, a.shape)
    arr = np.asarray(a)
    return (type(a).__name__, arr.dtype.str, arr.shape, np.ascontiguousarray(arr).tobytes())


def _const(c):
    if isinstance(c, tuple):
        return tuple(_const(x) for x in c)
    return _bits(c) if isinstance(c, np.ndarray) else (type(c).__name__, c)


def _graph(root):
    """Every node behind ``root`` as comparable data: op, stage path (names, labels, kinds), label, flags, value,
    gradient, constants, recording tick and parents' positions."""
    order = toposort(root)
    index = {id(n): i for i, n in enumerate(order)}
    out = []
    for n in order:
        stage = n.stage
        out.append(
            (
                None if n.op is None else n.op.name,
                tuple(stage),
                getattr(stage, "labels", None),
                getattr(stage, "kinds", None),
                n.label,
                n.requires_grad,
                type(n).__name__,
                _bits(n.data),
                _bits(n.grad),
                _const(n._meta),
                n._born - root._born,  # ticks of the clock: relative to the loss
                tuple(index[id(p)] for p in n._prev),
            )
        )
    return out


SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e4, -1e4, np.inf, -np.inf, np.nan, 3e38, -3e38, 1e-45]


@st.composite
def _case(draw):
    n = draw(st.integers(1, 8))
    k = draw(st.integers(2, 20))
    dtype = draw(st.sampled_from(FLOATS))
    scale = draw(st.sampled_from([1.0, 1e-3, 30.0, 1e4]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k)) * scale
    special = draw(st.sampled_from(["none", "some", "row -inf", "row zeros", "nan", "ties"]))
    if special == "some":
        mask = rng.random((n, k)) < 0.3
        z[mask] = rng.choice(SPECIAL, size=mask.sum())
    elif special == "row -inf":
        z[rng.integers(n)] = -np.inf
    elif special == "row zeros":  # a maximum of +0 or -0: numpy's own reduction decides which
        z[rng.integers(n)] = rng.choice([0.0, -0.0, -1.0], size=k)
    elif special == "nan":
        z[rng.integers(n), rng.integers(k)] = np.nan
    elif special == "ties":
        z = np.round(z / scale)
    with np.errstate(over="ignore"):
        z = z.astype(dtype)
    y = rng.integers(0, k, n)
    return z, y


def _run(z0, y, fuse, *, reduction="mean", interior=True, gradient=None, read=None, retain=False):
    """The loss of logits ``z0`` (a leaf, or an interior node when ``interior``), backward, read: the results.

    numpy's warnings (log of 0, inf - inf) are silenced: both paths meet the same infinities."""
    x = Tensor(z0.copy(), requires_grad=True)
    z = x * 1.0 if interior else x
    with fused.fusion(fuse), np.errstate(all="ignore"):
        loss = nn.cross_entropy(z, y, reduction=reduction)
        if fuse:
            assert loss._row is fce.CROSS_ENTROPY
        graphs = [_graph(loss)] if read == "before" else []  # read before backward: it runs the unfused nodes
        loss.backward(gradient, retain_graph=retain)
        if read is not None:
            graphs.append(_graph(loss))
    return loss, x, graphs


@settings(max_examples=150, deadline=None)
@given(
    case=_case(),
    reduction=st.sampled_from(["mean", "sum"]),
    interior=st.booleans(),
    gradient=st.sampled_from([None, 0.0, -0.0, 2.5, -3.0, np.nan, np.inf, 1e-45, 1e30]),
    read=st.sampled_from([None, "before", "after"]),
)
def test_fused_cross_entropy_is_the_unfused_graph_bit_for_bit(case, reduction, interior, gradient, read):
    z0, y = case
    results = [
        _run(z0, y, fuse, reduction=reduction, interior=interior, gradient=gradient, read=read)
        for fuse in (True, False)
    ]
    (lf, xf, gf), (lu, xu, gu) = results
    assert _bits(lf.data) == _bits(lu.data)
    assert _bits(xf.grad) == _bits(xu.grad)
    assert gf == gu


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("k", [2, 9, 17, 20, 70])
def test_rows_whose_maximum_is_a_signed_zero_keep_numpys_zero(dtype, k):
    # numpy's row reduction and the transposed one pick different zeros from ties of +0 and -0 in wider rows
    # (from 17 float32 or 9 float64 classes here): the fused node must use numpy's, whose sign shows in shifted
    rng = np.random.default_rng(k)
    z0 = rng.choice([0.0, -0.0, -2.0], size=(6, k)).astype(dtype)
    z0[0] = -0.0
    z0[1, :] = 0.0
    z0[1, ::2] = -0.0
    y = rng.integers(0, k, 6)
    (lf, xf, gf), (lu, xu, gu) = (_run(z0, y, fuse, read="after") for fuse in (True, False))
    assert _bits(lf.data) == _bits(lu.data) and _bits(xf.grad) == _bits(xu.grad) and gf == gu


def test_the_proofs_numpy_facts():
    # the module's NOTE relies on log(1) = +0 (IEEE 754)
    for dtype in FLOATS:
        for n in (1, 3, 8, 17, 64, 1000):
            assert not np.signbit(np.log(np.ones((n, 1), dtype))).any()
    # and a zero gradient takes the real row sum because numpy's sum of -0s alone is +0
    assert not np.signbit(np.array([[-0.0, -0.0]]).sum(axis=(1,), keepdims=True)).any()


@pytest.mark.parametrize("dtype", FLOATS)
def test_central_differences(dtype):
    rng = np.random.default_rng(0)
    z = Tensor(rng.normal(size=(5, 4)) * 3, requires_grad=True)
    y = np.array([0, 3, 1, 1, 2], dtype=np.intp)

    def fused_or_plain(z, reduction):  # the fused node records; gradcheck's evaluations (no_grad) run unfused
        out = fce.cross_entropy(z, y.copy(), None if reduction == "sum" else 1.0 / 5)
        if out is None:
            assert not autograd.is_grad_enabled()
            out = nn.cross_entropy(z, y, reduction=reduction)
        return out

    assert gradcheck(lambda z: fused_or_plain(z, "mean"), z)
    assert gradcheck(lambda z: fused_or_plain(z, "sum"), z)
    assert gradcheck(lambda z: nn.cross_entropy(z * 2.0, y), z)
    # in the working dtype: the slope along a random direction against the gradient
    z0 = rng.normal(size=(5, 4)).astype(dtype)
    x = Tensor(z0, requires_grad=True)
    nn.cross_entropy(x, y).backward()
    v = rng.normal(size=z0.shape)
    eps = 1e-2 if dtype == np.float32 else 1e-6

    def f(zz):
        return float(nn.cross_entropy(Tensor(zz.astype(dtype)), y).item())

    slope = (f(z0 + eps * v) - f(z0 - eps * v)) / (2 * eps)
    assert slope == pytest.approx(float((x.grad * v).sum()), rel=2e-2 if dtype == np.float32 else 1e-6)


def test_drawings_of_a_fused_loss_equal_the_unfused_ones():
    model = nn.MLP(3, [5, 4], seed=0)
    X = np.random.default_rng(1).normal(size=(6, 3))
    y = [0, 3, 1, 2, 2, 0]
    sources = []
    for fuse in (True, False):
        model.zero_grad()
        with fused.fusion(fuse):
            loss = nn.cross_entropy(model(X), y)
        before = autograd.draw_graph(loss, detail="layer").source
        loss.backward()
        after = [autograd.draw_graph(loss, detail=d).source for d in ("layer", "neuron", "auto")]
        sources.append((before, after))
    assert sources[0] == sources[1]
    assert "logsumexp" in sources[0][0] and "cross-entropy" in sources[0][0]


def test_nn_inspect_gives_the_unfused_numbers():
    X = np.random.default_rng(2).normal(size=(8, 2))
    y = np.array([0, 1, 2, 1, 0, 2, 2, 1])
    results = []
    for fuse in (True, False):
        model = nn.MLP(2, [6, 3], seed=4)
        with fused.fusion(fuse):
            results.append(nn.inspect.gradient_health(model, X, y, nn.cross_entropy))
    assert results[0] == results[1]


def test_retain_grad_on_the_logits():
    z0 = np.random.default_rng(3).normal(size=(4, 3))
    y = [2, 0, 1, 1]
    out = []
    for fuse in (True, False):
        x = Tensor(z0, requires_grad=True)
        z = x * 1.0
        z.retain_grad()
        with fused.fusion(fuse):
            loss = nn.cross_entropy(z, y)
        loss.backward()
        out.append((_bits(z.grad), _bits(x.grad), _graph(loss)))
    assert out[0] == out[1] and out[0][0] is not None


def test_backward_twice_with_retain_graph_and_without():
    z0 = np.random.default_rng(4).normal(size=(5, 3)).astype(np.float32)
    y = np.array([0, 1, 2, 2, 1])
    out = []
    for fuse in (True, False):
        loss, x, _ = _run(z0, y, fuse, retain=True)
        first = x.grad.copy()
        loss.backward()  # frees the graph
        np.testing.assert_array_equal(x.grad, first + first)
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            loss.backward()
        out.append((_bits(x.grad), _graph(loss)))
    assert out[0] == out[1]


@pytest.mark.parametrize("make", ["no_grad", "constant"])
def test_no_grad_and_logits_that_need_no_gradient_record_nothing_as_unfused(make):
    z0 = np.random.default_rng(5).normal(size=(3, 4))
    out = []
    for fuse in (True, False):
        x = Tensor(z0, requires_grad=make == "no_grad")
        with fused.fusion(fuse):
            if make == "no_grad":
                with no_grad():
                    loss = nn.cross_entropy(x, [0, 1, 3])
            else:
                loss = nn.cross_entropy(x, [0, 1, 3])
        assert loss.op is None and not loss.requires_grad
        out.append((_bits(loss.data), loss.stage, loss.stage.labels))
    assert out[0] == out[1]


@pytest.mark.parametrize("how", ["data", "in place", "recorded"])
def test_logits_changed_after_the_forward(how):
    z0 = np.random.default_rng(6).normal(size=(4, 3))
    y = [1, 1, 0, 2]
    out = []
    for fuse in (True, False):
        x = Tensor(z0, requires_grad=True)
        z = x * 1.0
        with fused.fusion(fuse):
            loss = nn.cross_entropy(z, y)
        if how == "data":
            z.data[...] = 5.0  # no rule reads the logits: backward gives the forward's gradient
        elif how == "in place":
            with no_grad():
                z += 1.0
        else:
            z += 1.0  # a recorded in-place op rebases z: the loss cannot reach its earlier value
        try:
            loss.backward()
            out.append((_bits(x.grad), _graph(loss)))
        except RuntimeError as e:
            out.append(str(e))
    assert out[0] == out[1]
    assert isinstance(out[0], str) == (how == "recorded")


def test_logits_replaced_with_another_shape_fail_with_the_unfused_message():
    z0 = np.random.default_rng(7).normal(size=(4, 3))
    out = []
    for fuse in (True, False):
        x = Tensor(z0, requires_grad=True)
        with fused.fusion(fuse):
            loss = nn.cross_entropy(x, [1, 1, 0, 2])
        x.data = np.zeros((4, 5))
        with pytest.raises(ValueError) as info:
            loss.backward()
        out.append(str(info.value))
    assert out[0] == out[1] and "'sub'" in out[0]


def test_detect_anomaly_records_each_step():
    with detect_anomaly():
        loss = nn.cross_entropy(Tensor(np.ones((2, 3)), requires_grad=True), [0, 2])
    assert loss.op.name == "mul" and loss._b is None


def test_copies_of_a_fused_loss():
    z0 = np.random.default_rng(8).normal(size=(3, 3))
    out = []
    for fuse in (True, False):
        x = Tensor(z0, requires_grad=True)
        with fused.fusion(fuse):
            loss = nn.cross_entropy(x * 1.0, [0, 2, 1])
        twin = copy.deepcopy(loss)
        twin.backward()
        shallow = copy.copy(loss)
        loss.backward(retain_graph=True)
        loss._prev  # noqa: B018
        out.append((_graph(twin), shallow._prev[0] is loss._prev[0], _graph(shallow)[:-1] == _graph(loss)[:-1]))
    assert out[0] == out[1] and out[0][1] and out[0][2]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_a_fused_loss_counts_as_its_interior_nodes_for_keeping_interior_gradients(monkeypatch, reduction):
    z0 = np.random.default_rng(9).normal(size=(4, 3))

    def run(limit):
        monkeypatch.setattr(autograd.backprop, "INTERIOR_GRADS_UP_TO", limit)
        x = Tensor(z0, requires_grad=True)
        z = x * 1.0
        nn.cross_entropy(z, [0, 1, 2, 0], reduction=reduction).backward()
        return z.grad is not None

    for limit in range(30, 60):  # around the unfused graph's size (12 + 12 + 12 + 3 * 4 + 1 or 2), which decides
        with fused.fusion(True):
            f = run(limit)
        with fused.fusion(False):
            u = run(limit)
        assert f == u, limit


def test_a_big_released_loss_holds_what_the_unfused_one_holds(monkeypatch):
    monkeypatch.setattr(autograd.backprop, "INTERIOR_GRADS_UP_TO", 0)  # every graph big: released after backward
    z0 = np.random.default_rng(10).normal(size=(700, 8)).astype(np.float32)  # 5,600 elements: released
    y = np.random.default_rng(11).integers(0, 8, 700)
    out = []
    for fuse in (True, False):
        x = Tensor(z0, requires_grad=True)
        z = x * 1.0
        with fused.fusion(fuse):
            loss = nn.cross_entropy(z, y)
        steps = loss._meta[0] if fuse else None
        loss.backward()
        if fuse:
            assert steps.shifted is None and steps.grads is None  # let go of, as the unfused nodes' data
        out.append((_bits(x.grad), _graph(loss)))
    assert out[0] == out[1]
    assert any(node[7][0] == "released" for node in out[0][1])


def test_the_node_and_its_row():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    loss = nn.cross_entropy(x, [0, 2])
    assert loss._row is fce.CROSS_ENTROPY and loss._a == (x,) and loss.item() == pytest.approx(np.log(3))
    steps = loss._meta[0]
    assert repr(steps) == "CrossEntropy(mean)" and steps.hidden == 2 * 6 + 3 * 2 + 1
    assert fce.CROSS_ENTROPY.text((steps,), 1) == "cross-entropy (mean)"
    assert fce.CROSS_ENTROPY.fwd(autograd.ops.ARRAY, x.data, steps) == pytest.approx(np.log(3))
    ops = [n.op.name for n in toposort(loss) if n.op is not None]
    assert ops == ["sub", "logsumexp", "sub", "getitem", "neg", "sum", "mul"]


def test_hooks_and_create_graph_run_through_the_unfused_nodes():
    z0 = np.random.default_rng(12).normal(size=(3, 4))
    y = [3, 0, 1]
    out = []
    for fuse in (True, False):
        x = Tensor(z0, requires_grad=True)
        z = x * 1.0
        seen: list = []
        z.register_hook(seen.append)
        with fused.fusion(fuse):
            loss = nn.cross_entropy(z, y)
        (gx,) = autograd.grad(loss, [x], create_graph=True)
        (ggx,) = autograd.grad((gx * gx).sum(), [x])
        out.append((_bits(gx.data), _bits(ggx.data), _bits(seen[0].data)))
    assert out[0] == out[1]


@pytest.mark.parametrize("read", ["layer's op", "drawing", "loss's op"])
def test_a_graph_read_in_another_thread_during_backward_gets_the_unfused_gradients(monkeypatch, read):
    # a reader (a drawing, .op) in another thread unfused a fused layer or loss while backward ran through it:
    # the pass then ran the unfused node's last step only, and the weights got no gradient (None) without a word
    X = np.random.default_rng(1).normal(size=(6, 3))
    y = [0, 3, 1, 2, 2, 0]
    rule = fce._lse_rule

    def run(fuse):
        model = nn.MLP(3, [5, 4], seed=0)
        with fused.fusion(fuse):
            h = model(X)
            loss = nn.cross_entropy(h, y)
        in_pass, done = threading.Event(), threading.Event()

        def slow(*args):  # the loss's rule runs first in the pass; the layers' rules after it
            in_pass.set()
            done.wait(0.3)
            return rule(*args)

        def reader():
            in_pass.wait(2)
            if read == "layer's op":
                h.op  # noqa: B018
            elif read == "drawing":
                autograd.draw_graph(loss)
            else:
                loss.op  # noqa: B018
            done.set()

        if fuse:
            monkeypatch.setattr(fce, "_lse_rule", slow)
            thread = threading.Thread(target=reader)
            thread.start()
            loss.backward()
            thread.join()
            monkeypatch.undo()
        else:  # unfused, a read changes nothing: after the pass
            in_pass.set()
            loss.backward()
            reader()
        return [None if p.grad is None else p.grad.tolist() for p in model.parameters()], _graph(loss)

    assert run(True) == run(False)


def _laid_out(z0, layout):
    """Logits holding ``z0``'s numbers in another memory layout (a copy, so each run starts from the same)."""
    if layout == "fortran":
        return np.asfortranarray(z0)
    if layout == "column slice":
        return np.repeat(z0, 2, axis=1)[:, ::2]
    if layout == "row view":
        return np.concatenate([z0, z0])[len(z0) :]
    if layout == "transposed":
        return np.ascontiguousarray(z0.T).T
    z = z0.copy()
    if layout == "read-only":
        z.flags.writeable = False
    return z


@pytest.mark.parametrize("layout", ["C", "fortran", "column slice", "row view", "transposed", "read-only"])
@pytest.mark.parametrize("k", [2, fce.NARROW_UP_TO, fce.NARROW_UP_TO + 1])
@pytest.mark.parametrize("dtype", FLOATS)
def test_any_memory_layout_of_the_logits_gives_the_unfused_graph(layout, k, dtype):
    # the row maxima's transposed pass (k <= 64) and numpy's own (k = 65) on logits of every layout, with rows of
    # ties, signed zeros, subnormals, -inf, nan and the largest floats among ordinary ones
    rng = np.random.default_rng(k)
    z0 = rng.normal(size=(130, k)) * 4
    z0[0] = -0.0
    z0[1, ::2] = 0.0
    z0[2] = np.finfo(dtype).smallest_subnormal * rng.integers(-3, 4, k)
    z0[3, 1:] = -np.inf
    z0[4, 0] = np.nan
    z0[5] = np.finfo(dtype).max
    z0[6] = np.round(z0[6])
    z0[7:40] = rng.choice([0.0, -0.0, -1.0], size=(33, k))  # maxima of +0 or -0: numpy decides which
    z0 = z0.astype(dtype)
    y = rng.integers(0, k, 130)
    out = []
    for fuse in (True, False):
        x = Tensor(_laid_out(z0, layout), requires_grad=True)
        with fused.fusion(fuse), np.errstate(all="ignore"):
            loss = nn.cross_entropy(x, y)
            assert (loss._row is fce.CROSS_ENTROPY) == fuse
            loss.backward()
            out.append((_bits(loss.data), _bits(x.grad), _graph(loss)))
    assert out[0] == out[1]


def test_a_reader_never_sees_a_half_unfused_node(monkeypatch):
    # a freed fused node became its last step in two strokes, its parents first and its row after freed(row) was
    # made: a reader in another thread between the two found the parents changed (so it did not wait for the
    # lock) and the fused row still in place, and read 'cross_entropy', a row no drawing shows
    x = Tensor(np.random.default_rng(13).normal(size=(3, 4)), requires_grad=True)
    loss = nn.cross_entropy(x, [3, 0, 1])
    loss.backward()  # frees the graph: unfusing makes freed rows
    make = fused.freed
    inside, seen = threading.Event(), []

    def slow(op):
        if op.name == "mul":  # the node's own row, made last
            inside.set()
            time.sleep(0.1)
        return make(op)

    monkeypatch.setattr(fused, "freed", slow)
    first = threading.Thread(target=lambda: loss.op)
    first.start()
    inside.wait(2)
    seen.append(loss.op.name)
    first.join()
    assert seen == ["mul"] and loss.op.name == "mul" and loss._prev[0].op.name == "sum"


def test_backward_passes_of_graphs_without_fused_nodes_still_run_side_by_side():
    # the pass of a graph with a fused node holds the unfusing lock; one without lets go of it once its nodes are
    # known, so two such passes in two threads run at the same time, as before (here each waits for the other)
    both_inside = threading.Barrier(2, timeout=5)
    errors: list = []

    def work():
        try:
            x = Tensor(np.ones(3), requires_grad=True)
            with fused.fusion(False):
                y = nn.cross_entropy((x * 2.0).reshape(1, 3), [1])
            z = y * 3.0
            z._backward = lambda: both_inside.wait()  # micrograd's way: the node's own backward function
            z.backward()
        except BaseException as e:  # re-raised in the main thread
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
