"""Tests for nn/losses: values, gradients, stability, engine agreement, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import nn
from autograd import Tensor, Value, gradcheck
from nn.losses import bce_with_logits, cross_entropy, hinge_loss, l2_penalty, mse_loss

# ---------------------------------------------------------------------------
# numpy reference formulas, written independently of the library
# ---------------------------------------------------------------------------


def ref_mse(p, t):
    return float(np.mean((p - t) ** 2))


def ref_hinge(p, t):
    return float(np.mean(np.maximum(0.0, 1.0 - t * p)))


def ref_bce(z, t):
    # the textbook form, fine for the moderate logits used here
    s = 1.0 / (1.0 + np.exp(-z))
    return float(-np.mean(t * np.log(s) + (1 - t) * np.log(1 - s)))


def ref_ce(z, t):
    e = np.exp(z)
    probs = e / e.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(probs[np.arange(len(t)), t])))


def labels_pm1(rng, shape):
    return rng.choice([-1.0, 1.0], size=shape)


def labels_01(rng, shape):
    return rng.integers(0, 2, size=shape).astype(np.float64)


# name -> (loss, reference, make targets for a prediction of shape (n, k), allowed output counts)
LOSSES = {
    "mse_loss": (mse_loss, ref_mse, lambda rng, n, k: rng.normal(size=(n, k)), (1, 3)),
    "hinge_loss": (hinge_loss, ref_hinge, lambda rng, n, k: labels_pm1(rng, (n, k)), (1, 2)),
    "bce_with_logits": (bce_with_logits, ref_bce, lambda rng, n, k: labels_01(rng, (n, k)), (1, 2)),
    "cross_entropy": (cross_entropy, ref_ce, lambda rng, n, k: rng.integers(0, k, size=n), (2, 4)),
}
CASES = [(name, k) for name, (_, _, _, ks) in LOSSES.items() for k in ks]


def _scalar_pred(P):
    """Values for a prediction array: a list for 1-D, a list of lists for 2-D."""
    if P.ndim == 1:
        return [Value(float(x)) for x in P]
    return [[Value(float(x)) for x in row] for row in P]


def run(engine, loss, P, target):
    """The loss value and dL/dP (as an array shaped like P) on one engine."""
    if engine == "tensor":
        p = Tensor(P, requires_grad=True)
        L = loss(p, target)
        L.backward()
        return float(L.data), p.grad
    pred = _scalar_pred(P)
    L = loss(pred, target)
    assert isinstance(L, Value)
    L.backward()
    flat = pred if P.ndim == 1 else [v for row in pred for v in row]
    return L.data, np.array([v.grad for v in flat]).reshape(P.shape)


def _target_for(name, t, flat):
    return t.reshape(-1) if (flat and name != "cross_entropy") else t


@st.composite
def problems(draw):
    name, k = draw(st.sampled_from(CASES))
    n = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    P = rng.normal(scale=2.0, size=(n, k))
    t = LOSSES[name][2](rng, n, k)
    flat = k == 1 and draw(st.booleans())
    if flat:
        P = P.reshape(n)
    return name, P, _target_for(name, t, flat)


# ---------------------------------------------------------------------------
# values, gradients, engine agreement
# ---------------------------------------------------------------------------


@given(problem=problems())
def test_value_matches_numpy_reference(engine, problem):
    name, P, t = problem
    loss, ref = LOSSES[name][:2]
    value, _ = run(engine.name, loss, P, t)
    P2 = P.reshape(len(P), -1)
    t2 = t if name == "cross_entropy" else np.asarray(t, dtype=float).reshape(P2.shape)
    assert value == pytest.approx(ref(P2, t2), rel=1e-10, abs=1e-12), (name, P, t)


@given(problem=problems())
def test_engines_agree_to_1e_12(problem):
    name, P, t = problem
    loss = LOSSES[name][0]
    vt, gt = run("tensor", loss, P, t)
    vs, gs = run("scalar", loss, P, t)
    assert abs(vt - vs) <= 1e-12 * max(1.0, abs(vt)), (name, vt, vs)
    np.testing.assert_allclose(gs, gt, rtol=1e-12, atol=1e-12)


def _away_from_hinge_kink(name, P, t):
    if name != "hinge_loss":
        return True
    margins = 1.0 - np.asarray(t, float).reshape(P.shape) * P
    return bool(np.all(np.abs(margins) > 1e-3))


@given(problem=problems())
def test_tensor_gradient_matches_central_differences(problem):
    name, P, t = problem
    assume(_away_from_hinge_kink(name, P, t))
    loss = LOSSES[name][0]
    assert gradcheck(lambda p: loss(p, t), P)


@given(problem=problems())
def test_scalar_gradient_matches_central_differences(problem):
    name, P, t = problem
    assume(_away_from_hinge_kink(name, P, t))
    loss = LOSSES[name][0]
    n, shape = P.size, P.shape

    def f(*values):
        vs = list(values)
        pred = vs if len(shape) == 1 else [vs[i : i + shape[1]] for i in range(0, n, shape[1])]
        return loss(pred, t)

    assert gradcheck(f, *[float(x) for x in P.reshape(-1)])


def test_known_values():
    # hand-computed numbers, one per loss
    assert mse_loss(Tensor([1.0, 3.0]), [0.0, 1.0]).item() == 2.5
    assert hinge_loss([Value(0.5), Value(-2.0)], [1, -1]).data == 0.25
    assert bce_with_logits(Tensor([0.0, 0.0]), [0, 1]).item() == pytest.approx(math.log(2), rel=1e-15)
    assert cross_entropy([[Value(0.0), Value(0.0), Value(0.0)]], [2]).data == pytest.approx(math.log(3), rel=1e-15)


def test_gradient_formulas():
    # bce: dL/dz = (sigmoid(z) - y) / N; cross_entropy: (softmax - onehot) / N
    z = np.array([-1.0, 0.5, 2.0])
    y = np.array([1, 0, 1])
    _, g = run("tensor", bce_with_logits, z, y)
    np.testing.assert_allclose(g, (1 / (1 + np.exp(-z)) - y) / 3, rtol=1e-13)
    Z = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, -1.0]])
    c = np.array([1, 2])
    _, G = run("scalar", cross_entropy, Z, c)
    soft = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(G, (soft - np.eye(3)[c]) / 2, rtol=1e-13)


# ---------------------------------------------------------------------------
# stability
# ---------------------------------------------------------------------------


def test_bce_is_stable_for_huge_logits(engine):
    z = np.array([1e4, -1e4, 1e4, -1e4])
    y = np.array([1, 0, 0, 1])
    value, g = run(engine.name, bce_with_logits, z, y)
    # right side costs 0, wrong side costs |z|
    assert value == pytest.approx((0 + 0 + 1e4 + 1e4) / 4, rel=1e-12)
    np.testing.assert_allclose(g, np.array([0.0, 0.0, 1.0, -1.0]) / 4, atol=1e-15)


def test_cross_entropy_is_stable_for_huge_logits(engine):
    Z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]])
    y = np.array([0, 0])
    value, G = run(engine.name, cross_entropy, Z, y)
    assert np.isfinite(value) and np.all(np.isfinite(G))
    # sample 0 is right (cost 0); sample 1 costs 1e4 + 1e4 + log 2
    assert value == pytest.approx((0 + 2e4 + math.log(2)) / 2, rel=1e-12)
    np.testing.assert_allclose(G, np.array([[0.0, 0.0, 0.0], [-1.0, 0.5, 0.5]]) / 2, atol=1e-15)


def test_hinge_and_mse_at_large_scores_are_finite(engine):
    value, g = run(engine.name, hinge_loss, np.array([1e4, -1e4]), [1, 1])
    assert value == pytest.approx((0 + 1 + 1e4) / 2) and np.all(np.isfinite(g))
    value, g = run(engine.name, mse_loss, np.array([1e4]), [0.0])
    assert value == 1e8 and g.tolist() == [2e4]


# ---------------------------------------------------------------------------
# target forms
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_target",
    [list, np.array, lambda t: np.array(t).reshape(-1, 1), Tensor, lambda t: Tensor(np.array(t).reshape(-1, 1))],
    ids=["list", "ndarray", "column", "Tensor", "Tensor column"],
)
@pytest.mark.parametrize("pred_shape", [(3,), (3, 1)])
def test_every_target_form_gives_the_same_loss(make_target, pred_shape):
    P = np.array([0.5, -1.0, 2.0]).reshape(pred_shape)
    y = [1, 0, 1]
    expected = ref_bce(P.reshape(-1), np.array(y, float))
    assert bce_with_logits(Tensor(P), make_target(y)).item() == pytest.approx(expected, rel=1e-13)
    assert bce_with_logits(_scalar_pred(P), make_target(y)).data == pytest.approx(expected, rel=1e-13)


def test_column_target_does_not_broadcast_against_a_flat_prediction():
    # (N,) - (N, 1) would broadcast to (N, N) and give a wrong number silently
    p = Tensor([1.0, 2.0, 3.0])
    assert mse_loss(p, np.array([[1.0], [2.0], [3.0]])).item() == 0.0
    assert mse_loss(Tensor([[1.0], [2.0]]), [1.0, 2.0]).item() == 0.0


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize(
    "make_target", [np.array, Tensor, lambda t: np.array(t, dtype=np.float32)], ids=["ndarray", "Tensor", "float32"]
)
def test_a_single_number_target_is_refused_whatever_its_type(make_target, reduction):
    # mse_loss's fast path for a float array paired a 0-d target with a (1,) prediction ((,) + (1,) == (1,)) and
    # gave a loss, where the same number as a Tensor, a list or for a (1, 1) prediction is refused
    for pred in ([0.5], [[0.5]]):
        with pytest.raises(ValueError, match=r"^mse_loss: the target is a single number; expected one target per"):
            mse_loss(Tensor(pred, requires_grad=True), make_target(1.0), reduction=reduction)


@pytest.mark.parametrize(
    "make_target",
    [np.array, lambda t: t, Tensor, lambda t: np.array(t).ravel()],
    ids=["ndarray", "list", "Tensor", "flat"],
)
def test_a_target_beyond_the_predictions_float32_range_gives_the_same_loss_in_every_form(make_target):
    # the target is cast to the prediction's dtype: 1e39 becomes inf in float32, and the loss is inf; the fast path
    # for a float array checked the cast target when the loss was not finite and said the target "contains nan or
    # inf", which the given one does not (a list or a Tensor of the same numbers gave the inf loss)
    with np.errstate(over="ignore"):
        losses = [mse_loss(Tensor(np.array([[0.5], [1.0]], np.float32)), make_target([[1e39], [1.0]])) for _ in "ab"]
    assert [float(loss.data) for loss in losses] == [math.inf, math.inf] and losses[0].dtype == np.float32
    with pytest.raises(ValueError, match="^mse_loss: the target contains nan or inf"):
        mse_loss(Tensor(np.array([0.5, 1.0], np.float32)), np.array([math.inf, 1.0]))  # a given inf is refused


def test_cross_entropy_accepts_whole_number_floats_and_column_labels():
    Z = Tensor([[1.0, 2.0], [3.0, -1.0]])
    expected = ref_ce(Z.data, np.array([1, 0]))
    assert cross_entropy(Z, Tensor([1, 0])).item() == pytest.approx(expected, rel=1e-13)  # a Tensor holds floats
    assert cross_entropy(Z, np.array([[1], [0]])).item() == pytest.approx(expected, rel=1e-13)


def test_bce_accepts_probabilities_and_booleans():
    z = np.array([0.3, -0.7])
    assert bce_with_logits(Tensor(z), [0.25, 0.9]).item() == pytest.approx(ref_bce(z, np.array([0.25, 0.9])))
    assert bce_with_logits(Tensor(z), np.array([True, False])).item() == pytest.approx(ref_bce(z, np.array([1.0, 0.0])))


def test_micrograd_style_loss_on_bare_values():
    # micrograd's demo: scores are bare Values, labels -1/+1
    scores = [Value(0.2), Value(-3.0), Value(1.5)]
    L = hinge_loss(scores, [1, -1, -1])
    L.backward()
    assert L.data == pytest.approx((0.8 + 0.0 + 2.5) / 3)
    assert [s.grad for s in scores] == pytest.approx([-1 / 3, 0.0, 1 / 3])


def test_float32_prediction_keeps_its_dtype():
    L = mse_loss(Tensor(np.array([1.0, 2.0], dtype=np.float32)), [0.0, 0.0])
    assert L.dtype == np.float32 and L.item() == 2.5


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------

V = [Value(0.1), Value(-0.2), Value(0.3)]
T1 = Tensor([0.1, -0.2, 0.3])
T3 = Tensor(np.zeros((3, 3)))

BAD = [
    # (loss, prediction, target, exception, fragments of the message)
    (hinge_loss, T1, [0, 1, 1], ValueError, ["hinge_loss", "-1 or +1", "{0, 1}", "2 * y - 1"]),
    (hinge_loss, V, [0.5, 1, -1], ValueError, ["hinge_loss", "-1 or +1", "0.5"]),
    (bce_with_logits, T1, [-1, 1, 1], ValueError, ["bce_with_logits", "0 or 1", "{-1, 1}", "(y + 1) // 2"]),
    (bce_with_logits, V, [2, 0, 1], ValueError, ["bce_with_logits", "0 or 1", "2"]),
    (cross_entropy, T3, [0.5, 1, 2], TypeError, ["cross_entropy", "integers", "0.5"]),
    (cross_entropy, T3, [0, 1, 3], ValueError, ["cross_entropy", "0..2", "3"]),
    (cross_entropy, T3, [0, -1, 2], ValueError, ["cross_entropy", "0..2", "-1"]),
    (cross_entropy, T1, [0, 1, 1], ValueError, ["cross_entropy", "k >= 2", "bce_with_logits"]),
    (cross_entropy, T3, np.eye(3, dtype=int), ValueError, ["cross_entropy", "one-hot", "argmax"]),
    (mse_loss, T1, [1.0, 2.0], ValueError, ["mse_loss", "3 predictions but 2 targets"]),
    (mse_loss, V, [1.0, 2.0, 3.0, 4.0], ValueError, ["mse_loss", "3 predictions but 4 targets"]),
    (cross_entropy, T3, [0, 1], ValueError, ["cross_entropy", "3 predictions but 2 targets"]),
    (mse_loss, T3, [1.0, 2.0, 3.0], ValueError, ["mse_loss", "(3,)", "(3, 3)", "(N, 3)"]),
    (mse_loss, T1, np.zeros((3, 2)), ValueError, ["mse_loss", "(3, 2)", "(N,) or (N, 1)"]),
    (mse_loss, T1, 1.0, TypeError, ["mse_loss", "list, a numpy array or a Tensor", "float"]),
    (mse_loss, np.zeros(3), [1.0, 2.0, 3.0], TypeError, ["mse_loss", "numpy array", "Tensor"]),
    (mse_loss, Value(1.0), [1.0], TypeError, ["mse_loss", "single Value", "one prediction per sample"]),
    (mse_loss, [0.1, 0.2], [1.0, 2.0], TypeError, ["mse_loss", "list of float"]),
    (mse_loss, [Tensor([1.0]), Tensor([2.0])], [1.0, 2.0], TypeError, ["mse_loss", "list of Tensors"]),
    (mse_loss, [Value(1.0), 2.0], [1.0, 2.0], TypeError, ["mse_loss", "prediction 1", "float"]),
    (mse_loss, [[Value(1.0)], [Value(1.0), Value(2.0)]], [1, 2], ValueError, ["mse_loss", "same number of outputs"]),
    (mse_loss, T1, V, TypeError, ["mse_loss", "holds Values"]),
    (mse_loss, T1, ["a", "b", "c"], TypeError, ["mse_loss", "real numbers"]),
    (mse_loss, T1, [1.0, float("nan"), 0.0], ValueError, ["mse_loss", "nan"]),
    (mse_loss, [], [], ValueError, ["mse_loss", "empty"]),
    (mse_loss, Tensor(np.zeros((2, 2, 2))), np.zeros((2, 2)), ValueError, ["mse_loss", "(2, 2)", "shape (2, 2, 2)"]),
    (mse_loss, T1, [1.0, 2.0, 3.0], ValueError, ["reduction must be 'mean', 'sum' or 'none'", "'avg'"]),
]


BAD_IDS = [f"{b[0].__name__}-{i}" for i, b in enumerate(BAD)]


@pytest.mark.parametrize("loss, pred, target, exc, fragments", BAD, ids=BAD_IDS)
def test_bad_input_raises_a_clear_error(loss, pred, target, exc, fragments):
    with pytest.raises(exc) as info:
        loss(pred, target, reduction="avg") if "'avg'" in fragments else loss(pred, target)
    for f in fragments:
        assert f in str(info.value), (f, str(info.value))


# ---------------------------------------------------------------------------
# l2_penalty
# ---------------------------------------------------------------------------


def test_l2_penalty_value_and_gradient_on_both_engines():
    W = np.array([[1.0, -2.0], [0.5, 3.0]])
    b = np.array([-1.0, 0.25])
    alpha = 0.1
    expected = alpha * (np.sum(W**2) + np.sum(b**2))
    ts = [Tensor(W, requires_grad=True), Tensor(b, requires_grad=True)]
    L = l2_penalty(ts, alpha)
    L.backward()
    assert L.item() == pytest.approx(expected, rel=1e-14)
    np.testing.assert_allclose(ts[0].grad, 2 * alpha * W)
    np.testing.assert_allclose(ts[1].grad, 2 * alpha * b)
    vs = [Value(x) for x in np.concatenate([W.ravel(), b])]
    L = l2_penalty(iter(vs), alpha)
    L.backward()
    assert L.data == pytest.approx(expected, rel=1e-14)
    assert [v.grad for v in vs] == pytest.approx([2 * alpha * v.data for v in vs])


def test_l2_penalty_accepts_a_model():
    class Model:
        def parameters(self):
            return [Value(2.0), Value(-1.0)]

    assert l2_penalty(Model(), 1e-4).data == pytest.approx(5e-4)


@pytest.mark.parametrize(
    "params, alpha, exc, fragment",
    [
        ([], 0.1, ValueError, "no parameters"),
        ([Value(1.0), Tensor([1.0], requires_grad=True)], 0.1, TypeError, "all Values or all Tensors"),
        ([Value(1.0)], -0.1, ValueError, ">= 0"),
        ([Value(1.0)], float("nan"), ValueError, ">= 0"),
        (Value(1.0), 0.1, TypeError, "iterable"),
    ],
)
def test_l2_penalty_bad_input(params, alpha, exc, fragment):
    with pytest.raises(exc, match="l2_penalty") as info:
        l2_penalty(params, alpha)
    assert fragment in str(info.value)


def test_the_target_is_a_labelled_leaf_outside_the_stages():
    from autograd import toposort

    pred = Tensor([[0.5], [-1.0]], requires_grad=True)
    loss = bce_with_logits(pred, [1, 0])
    targets = [n for n in toposort(loss) if n.op is None and n.label == "target"]
    assert len(targets) == 1 and targets[0].stage == () and targets[0].data.ravel().tolist() == [1.0, 0.0]


@pytest.mark.parametrize("dtype, scale", [(np.float32, 1e4), (np.float32, 1e7), (np.float64, 1e16)])
def test_softmax_and_cross_entropy_keep_their_precision_at_huge_logits(dtype: type, scale: float) -> None:
    # two equal logits: the softmax is exactly [0.5, 0.5] and the loss log 2, whatever their size
    z = Tensor(np.array([[scale, scale]], dtype=dtype), requires_grad=True)
    np.testing.assert_array_equal(z.softmax(1).data, np.array([[0.5, 0.5]], dtype=dtype))
    np.testing.assert_allclose(z.log_softmax(1).data, np.full((1, 2), -np.log(2.0)), rtol=1e-7)
    loss = cross_entropy(z, np.array([0]))
    assert loss.dtype == dtype
    assert abs(loss.item() - np.log(2.0)) < 1e-6  # was 0.69336 (float32 at 1e4) and 0.0 (float64 at 1e16)
    loss.backward()
    np.testing.assert_allclose(z.grad, [[-0.5, 0.5]], rtol=1e-6)
    rows = [[Value(float(scale)), Value(float(scale))]]
    assert abs(cross_entropy(rows, np.array([1])).data - np.log(2.0)) < 1e-12  # the scalar engine too


# ---------------------------------------------------------------------------
# PyTorch's options: reduction, weights, label smoothing, ignore_index, the loss modules
# ---------------------------------------------------------------------------

Z = np.array([[1.0, -0.5, 2.0], [0.2, 0.1, -1.0], [-2.0, 3.0, 0.5], [0.0, 0.0, 0.0]])
Y = np.array([2, 0, 1, 2])
R = np.array([[0.5, -1.0, 3.0], [0.0, 0.4, 2.0], [1.0, 1.0, -1.0], [0.3, 0.0, 0.0]])


def rows_of(engine, x):
    """A prediction of the engine under test: a Tensor, or rows of Values."""
    return Tensor(x.copy(), requires_grad=True) if engine.name == "tensor" else [[Value(v) for v in r] for r in x]


def numbers(out):
    if isinstance(out, Tensor):
        return out.data
    if isinstance(out, Value):
        return np.array(out.data)
    return np.array([[v.data for v in r] if isinstance(r, list) else r.data for r in out])


def ref_logp(z):
    m = z.max(axis=1, keepdims=True)
    return (z - m) - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_elementwise_losses_follow_pytorchs_formulas(engine, reduction):
    d = Z - R
    a = np.abs(d)
    refs = {
        "mse": (lambda p: nn.MSELoss(reduction=reduction)(p, R), d**2),
        "l1": (lambda p: nn.L1Loss(reduction=reduction)(p, R), a),
        "huber": (
            lambda p: nn.HuberLoss(reduction=reduction, delta=1.5)(p, R),
            np.where(a < 1.5, 0.5 * d**2, 1.5 * (a - 0.75)),
        ),
        "smooth_l1": (
            lambda p: nn.SmoothL1Loss(reduction=reduction, beta=0.5)(p, R),
            np.where(a < 0.5, 0.5 * d**2 / 0.5, a - 0.25),
        ),
    }
    for name, (run, per) in refs.items():
        want = per if reduction == "none" else (per.sum() if reduction == "sum" else per.mean())
        np.testing.assert_allclose(numbers(run(rows_of(engine, Z))), want, rtol=1e-12, err_msg=name)


def test_binary_losses_follow_pytorchs_formulas(engine):
    t = (R > 0.2).astype(float)
    w, pw = np.array([1.0, 2.0, 0.5]), np.array([3.0, 1.0, 0.25])
    sp = np.log1p(np.exp(-np.abs(Z))) + np.maximum(Z, 0)  # softplus(z)
    np.testing.assert_allclose(
        numbers(nn.BCEWithLogitsLoss(w, reduction="sum")(rows_of(engine, Z), t)), (w * (sp - Z * t)).sum(), rtol=1e-12
    )
    if engine.name == "tensor":
        want = (1 - t) * Z + (1 + (pw - 1) * t) * (sp - Z)  # the positive term weighted by pos_weight
        got = nn.BCEWithLogitsLoss(reduction="none", pos_weight=pw)(rows_of(engine, Z), t)
        np.testing.assert_allclose(numbers(got), want, rtol=1e-12)
    p = 1 / (1 + np.exp(-Z))
    p[0, 0] = 1.0  # log(1 - p) = -inf is clamped at -100, as PyTorch does
    with np.errstate(divide="ignore"):
        want = -(t * np.maximum(np.log(p), -100) + (1 - t) * np.maximum(np.log1p(-p), -100))
    q = rows_of(engine, p)
    out = nn.BCELoss(reduction="none")(q, t)
    np.testing.assert_allclose(numbers(out), want, rtol=1e-12)
    assert want[0, 0] == (100.0 if t[0, 0] == 0 else 0.0)
    (out.sum() if engine.name == "tensor" else sum(v for r in out for v in r)).backward()
    g = q.grad if engine.name == "tensor" else np.array([[v.grad for v in r] for r in q])
    assert np.all(np.isfinite(g))  # the clamp keeps the gradient finite at p = 1
    inner = (p - t).ravel()[1:] / (p * (1 - p)).ravel()[1:]  # PyTorch's gradient away from the clamp
    np.testing.assert_allclose(g.ravel()[1:], inner, rtol=1e-9)
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\]"):
        nn.BCELoss()(rows_of(engine, Z), t)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_weight_smoothing_and_ignore_index(engine, reduction):
    logp, w, eps, k = ref_logp(Z), np.array([0.5, 2.0, 1.0]), 0.2, 3
    y = Y.copy()
    y[1] = -1  # ignored
    valid = y != -1
    safe = np.where(valid, y, 0)
    wy = np.where(valid, w[safe], 0.0)
    nll = -logp[np.arange(4), safe] * wy
    smooth = -(logp * w).sum(axis=1) * valid
    if reduction == "none":
        want = (1 - eps) * nll + eps / k * smooth
    elif reduction == "sum":
        want = (1 - eps) * nll.sum() + eps / k * smooth.sum()
    else:  # PyTorch divides both parts by the weights of the counted targets
        want = (1 - eps) * nll.sum() / wy.sum() + eps / k * smooth.sum() / wy.sum()
    loss = nn.CrossEntropyLoss(w, ignore_index=-1, reduction=reduction, label_smoothing=eps)
    out = loss(rows_of(engine, Z), y)
    np.testing.assert_allclose(numbers(out).reshape(np.shape(want)), want, rtol=1e-12)
    nll_only = nn.NLLLoss(w, ignore_index=-1, reduction=reduction)(rows_of(engine, logp), y)
    want_nll = nll if reduction == "none" else (nll.sum() if reduction == "sum" else nll.sum() / wy.sum())
    np.testing.assert_allclose(numbers(nll_only).reshape(np.shape(want_nll)), want_nll, rtol=1e-12)


def test_cross_entropy_gradient_with_label_smoothing_is_softmax_minus_smoothed_target():
    z = Tensor(Z.copy(), requires_grad=True)
    cross_entropy(z, Y, label_smoothing=0.3).backward()
    q = np.full((4, 3), 0.1) + 0.7 * np.eye(3)[Y]
    np.testing.assert_allclose(z.grad, (np.exp(ref_logp(Z)) - q) / 4, rtol=1e-12, atol=1e-15)


def test_cross_entropy_reads_float_targets_of_the_logits_shape_as_probabilities():
    q = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.25, 0.25, 0.5]])
    got = cross_entropy(Tensor(Z), q).item()
    assert got == pytest.approx(-(q * ref_logp(Z)).sum() / 4, rel=1e-12)
    assert cross_entropy(Tensor(Z), np.eye(3)[Y]).item() == pytest.approx(cross_entropy(Tensor(Z), Y).item())


def test_loss_modules_are_modules_in_the_loss_stage_with_their_options():
    crit = nn.CrossEntropyLoss(label_smoothing=0.1, reduction="sum")
    out = crit(Tensor(Z, requires_grad=True), Y)
    assert isinstance(crit, nn.Module) and crit.parameters() == []
    assert out.stage == ("loss",) and out.stage.labels == ("loss: cross-entropy",) and out.stage.kinds == ("loss",)
    assert repr(crit) == "CrossEntropyLoss(reduction='sum', label_smoothing=0.1)"
    assert repr(nn.HuberLoss(delta=2.0)) == "HuberLoss(delta=2.0)"
    with pytest.raises(ValueError, match="MSELoss: reduction must be"):
        nn.MSELoss(reduction="average")
    with pytest.raises(ValueError, match="weight must have one entry per class"):
        nn.CrossEntropyLoss([1.0, 2.0])(Tensor(Z), Y)
    with pytest.raises(ValueError, match="label_smoothing must be a number in \\[0, 1\\]"):
        cross_entropy(Tensor(Z), Y, label_smoothing=1.5)
    with pytest.raises(ValueError, match="nll_loss: class labels must be in 0..2"):
        nn.NLLLoss()(Tensor(Z), [0, 1, 2, 5])


def test_elementwise_losses_take_any_shape_when_the_target_matches():
    x = np.arange(24.0).reshape(2, 3, 4) / 10
    p = Tensor(x, requires_grad=True)
    loss = nn.MSELoss(reduction="sum")(p, np.zeros((2, 3, 4)))
    loss.backward()
    assert loss.item() == pytest.approx((x**2).sum()) and np.allclose(p.grad, 2 * x)
