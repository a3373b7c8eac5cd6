"""Tests for nn/train.py: fit (validation first, history, reproducibility, progress), predict, accuracy."""

from __future__ import annotations

import gc
import sys
import types

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn.losses import bce_with_logits, cross_entropy, hinge_loss, mse_loss
from nn.optim import SGD, Adam
from nn.train import DEFAULT_LR, History, accuracy, fit, predict


@pytest.fixture(scope="module")
def circles():
    return nn.data.circles(60, noise=0.1, seed=1)


@pytest.fixture(scope="module")
def spiral():
    return nn.data.spiral(60, noise=0.1, seed=1, classes=3)


def snapshot(model):
    return [np.array(p.data, dtype=float, copy=True) for p in model.parameters()]


def same_weights(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


# ---------------------------------------------------------------------------
# what fit returns
# ---------------------------------------------------------------------------


def test_history_has_one_entry_per_epoch(circles):
    X, y = circles
    model = nn.MLP(2, [8, 1], seed=0)
    h = fit(model, X[:40], y[:40], epochs=7, validation=(X[40:], y[40:]), progress=False)
    assert isinstance(h, History)
    assert h.epochs == len(h) == 7
    assert len(h.loss) == len(h.accuracy) == len(h.val_loss) == len(h.val_accuracy) == 7
    assert all(0.0 <= a <= 1.0 for a in h.accuracy + h.val_accuracy)
    assert h.time > 0
    assert h.loss[-1] < h.loss[0]


def test_validation_metrics_are_those_of_the_trained_model(circles):
    X, y = circles
    model = nn.MLP(2, [8, 1], seed=0)
    h = fit(model, X[:40], y[:40], epochs=5, validation=(X[40:], y[40:]), progress=False)
    assert h.val_accuracy[-1] == accuracy(model, X[40:], y[40:])
    assert h.val_loss[-1] == pytest.approx(bce_with_logits(model(X[40:]), y[40:]).item(), rel=1e-12)


def test_without_validation_the_lists_are_empty(circles):
    X, y = circles
    h = fit(nn.MLP(2, [1], seed=0), X, y, epochs=3, progress=False)
    assert h.val_loss == [] and h.val_accuracy == [] and h.epochs == 3


def test_zero_epochs_change_nothing(circles):
    X, y = circles
    model = nn.MLP(2, [4, 1], seed=0)
    before = snapshot(model)
    h = fit(model, X, y, epochs=0, progress=False)
    assert h.epochs == 0 and same_weights(before, snapshot(model))
    assert repr(h) == "History(epochs=0, time=0.00 s)"


def test_default_loss_is_bce_for_one_output(circles):
    X, y = circles
    model = nn.MLP(2, [4, 1], seed=0)
    initial = bce_with_logits(model(X), y).item()
    h = fit(model, X, y, epochs=2, progress=False)
    # full batch: the first epoch's loss is measured before the first update
    assert h.loss[0] == pytest.approx(initial, rel=1e-12)


def test_default_loss_is_cross_entropy_for_several_outputs(spiral):
    X, y = spiral
    model = nn.MLP(2, [8, 3], seed=0)
    initial = cross_entropy(model(X), y).item()
    h = fit(model, X, y, epochs=2, progress=False)
    assert h.loss[0] == pytest.approx(initial, rel=1e-12)
    assert h.accuracy[0] == accuracy(nn.MLP(2, [8, 3], seed=0), X, y)


def test_default_optimiser_is_adam_with_default_lr(circles):
    X, y = circles
    a, b = nn.MLP(2, [4, 1], seed=0), nn.MLP(2, [4, 1], seed=0)
    fit(a, X, y, epochs=3, progress=False)
    fit(b, X, y, epochs=3, optimizer=Adam(b.parameters(), lr=DEFAULT_LR), progress=False)
    assert same_weights(snapshot(a), snapshot(b))
    c = nn.MLP(2, [4, 1], seed=0)
    fit(c, X, y, epochs=3, optimizer=Adam(c.parameters(), lr=DEFAULT_LR / 2), progress=False)
    assert not same_weights(snapshot(a), snapshot(c))


def test_given_loss_and_optimiser_are_used(circles):
    X, y = circles
    ypm = 2 * y - 1
    model = nn.MLP(2, [4, 1], seed=0)
    initial = hinge_loss(model(X), ypm).item()
    h = fit(model, X, ypm, loss=hinge_loss, optimizer=SGD(model.parameters(), lr=0.05), epochs=3, progress=False)
    assert h.loss[0] == pytest.approx(initial, rel=1e-12)
    assert 0.0 <= h.accuracy[-1] <= 1.0  # -1/+1 labels are scored too


def test_mse_on_01_labels_thresholds_at_one_half(circles):
    X, _ = circles
    y = np.array([0] * 45 + [1] * 15)
    model = nn.MLP(2, [1], seed=0)
    _set_linear(model, [[0.0], [0.0]], [0.25])  # every score is 0.25: class 0 above 0.5, class 1 above 0
    h = fit(model, X, y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.0), epochs=1, progress=False)
    assert h.accuracy == [0.75]
    h = fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.0), epochs=1, progress=False)  # logits: 0
    assert h.accuracy == [0.25]


@pytest.mark.parametrize("loss", ["function", "module"])
def test_probabilities_from_a_sigmoid_output_threshold_at_one_half(circles, loss):
    X, _ = circles
    y = np.array([0] * 45 + [1] * 15)
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    model[0].weight.data[:] = 0.0
    model[0].bias.data[:] = np.log(0.25 / 0.75)  # every probability is 0.25: class 0 below 0.5, never above 0
    fn = nn.losses.binary_cross_entropy if loss == "function" else nn.BCELoss()
    h = fit(model, X, y, loss=fn, optimizer=SGD(model.parameters(), lr=0.0), epochs=1, progress=False)
    assert h.accuracy == [0.75]


def test_regression_targets_give_nan_accuracy():
    X = np.linspace(-1, 1, 20).reshape(-1, 1)
    model = nn.MLP(1, [1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    h = fit(model, X, 3 * X[:, 0] + 0.5, loss=mse_loss, epochs=200, optimizer=opt, progress=False)
    assert np.isnan(h.accuracy[-1]) and h.loss[-1] < 1e-6
    assert "accuracy=nan" in repr(h)


def test_snapshots_keep_the_weights_of_chosen_epochs(circles, engine):
    X, y = circles
    model = nn.MLP(2, [4, 1], engine=engine.name, seed=0)
    initial = model.state_dict()
    h = fit(model, X[:20], y[:20], epochs=7, snapshot_every=3, progress=False)
    assert h.snapshots.epochs == [0, 3, 6, 7]  # before training, every 3rd, and the last
    first, last = h.snapshots[0][1], h.snapshots[-1][1]
    assert all(np.array_equal(first[k], initial[k]) for k in initial)
    final = model.state_dict()
    assert all(np.array_equal(last[k], final[k]) for k in final)
    assert not all(np.array_equal(first[k], last[k]) for k in final)
    assert fit(model, X, y, epochs=1, progress=False).snapshots is None


# ---------------------------------------------------------------------------
# batches, seeds, engines
# ---------------------------------------------------------------------------


def test_same_seed_same_training(circles):
    X, y = circles
    runs = []
    for seed in (3, 3, 4):
        model = nn.MLP(2, [8, 1], seed=0)
        h = fit(model, X, y, epochs=4, batch_size=16, seed=seed, progress=False)
        runs.append((h.loss, snapshot(model)))
    assert runs[0][0] == runs[1][0] and same_weights(runs[0][1], runs[1][1])
    assert runs[0][0] != runs[2][0]  # another seed shuffles the batches differently


def test_full_batch_is_the_default_and_ignores_the_seed(circles):
    X, y = circles
    a, b, c = (nn.MLP(2, [4, 1], seed=0) for _ in range(3))
    fit(a, X, y, epochs=3, progress=False, seed=0)
    fit(b, X, y, epochs=3, batch_size=len(X), progress=False, seed=1)
    fit(c, X, y, epochs=3, batch_size=10 * len(X), progress=False, seed=2)
    assert same_weights(snapshot(a), snapshot(b)) and same_weights(snapshot(a), snapshot(c))


def test_mini_batches_update_once_per_batch(circles):
    X, y = circles  # 60 samples, batches of 25: 3 updates per epoch

    class Counting(SGD):
        steps = 0

        def step(self):
            Counting.steps += 1
            super().step()

    model = nn.MLP(2, [4, 1], seed=0)
    fit(model, X, y, optimizer=Counting(model.parameters(), lr=0.1), epochs=2, batch_size=25, progress=False)
    assert Counting.steps == 6


def test_scalar_and_tensor_engines_train_the_same(circles):
    X, y = circles
    X, y = X[:20], y[:20]
    t = nn.MLP(2, [4, 4, 1], seed=0)
    s = t.to_engine("scalar")
    ht = fit(t, X, y, epochs=4, validation=(X, y), progress=False)
    hs = fit(s, X, y, epochs=4, validation=(X, y), progress=False)
    np.testing.assert_allclose(hs.loss, ht.loss, rtol=1e-12)
    np.testing.assert_allclose(hs.val_loss, ht.val_loss, rtol=1e-12)
    assert hs.accuracy == ht.accuracy
    for (Wt, bt), (Ws, bs) in zip(t.get_weights(), s.get_weights()):
        np.testing.assert_allclose(Ws, Wt, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(bs, bt, rtol=1e-10, atol=1e-13)


def test_fits_sequential_and_micrograd_style_models(circles):
    import random

    from nn.micrograd import MLP as MicroMLP

    X, y = circles
    seq = nn.Sequential(nn.Linear(2, 8, seed=0), nn.ReLU(), nn.Linear(8, 1, seed=1))
    h = fit(seq, X, y, epochs=20, progress=False)
    assert h.loss[-1] < h.loss[0]
    random.seed(1337)
    micro = MicroMLP(2, [4, 1])  # returns a bare Value for one output, as micrograd does
    opt = SGD(micro.parameters(), lr=0.05)
    h = fit(micro, X[:20], 2 * y[:20] - 1, loss=hinge_loss, optimizer=opt, epochs=5, progress=False)
    assert h.loss[-1] < h.loss[0]
    scores = np.array([micro(x).data for x in X[:20].tolist()])
    assert predict(micro, X[:20]).tolist() == (scores > 0).astype(int).tolist()


def test_accepts_lists_and_tensors(circles):
    X, y = circles
    a, b = nn.MLP(2, [4, 1], seed=0), nn.MLP(2, [4, 1], seed=0)
    ha = fit(a, X.tolist(), y.tolist(), epochs=2, progress=False)
    hb = fit(b, Tensor(X), Tensor(y.reshape(-1, 1)), epochs=2, progress=False)
    assert ha.loss == hb.loss


# ---------------------------------------------------------------------------
# modes, gc, progress
# ---------------------------------------------------------------------------


def test_model_mode_is_restored_and_validation_runs_in_eval_mode(circles):
    X, y = circles
    model = nn.MLP(2, [4, 1], seed=0).eval()
    modes = []

    def loss(pred, target):
        modes.append(model.training)
        return bce_with_logits(pred, target)

    fit(model, X, y, loss=loss, epochs=2, validation=(X, y), progress=False)
    assert modes == [True, False, True, False]  # train step, validation, train step, validation
    assert model.training is False


def test_gc_is_paused_during_fit_and_restored_even_on_error(circles):
    X, y = circles
    seen = []

    def loss(pred, target):
        seen.append(gc.isenabled())
        if len(seen) == 2:
            raise RuntimeError("boom")
        return bce_with_logits(pred, target)

    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="boom"):
        fit(nn.MLP(2, [4, 1], seed=0), X, y, loss=loss, epochs=3, progress=False)
    assert seen == [False, False]
    assert gc.isenabled()


def test_progress_false_prints_nothing(circles, capsys):
    X, y = circles
    fit(nn.MLP(2, [4, 1], seed=0), X, y, epochs=3, validation=(X, y), progress=False)
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_progress_without_tqdm_is_one_line_on_stderr(circles, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import fails even where tqdm is installed
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    X, y = circles
    fit(nn.MLP(2, [4, 1], seed=0), X, y, epochs=3, progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("\rfit: epoch") and err.endswith("\n") and err.count("\n") == 1
    assert "epoch 3/3" in err and "loss" in err and "accuracy" in err


def test_progress_uses_tqdm_when_installed(circles, capsys, monkeypatch):
    calls = []

    class FakeBar:
        def __init__(self, total, **kwargs):
            calls.append(("init", total))

        def update(self, k):
            calls.append(("update", k))

        def set_postfix(self, metrics, refresh=True):
            calls.append(("postfix", sorted(metrics)))

        def close(self):
            calls.append(("close",))

    auto = types.ModuleType("tqdm.auto")
    auto.tqdm = FakeBar
    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", auto)
    X, y = circles
    fit(nn.MLP(2, [4, 1], seed=0), X, y, epochs=2, validation=(X, y), progress=True)
    assert calls[0] == ("init", 2) and calls[-1] == ("close",)
    assert calls.count(("update", 1)) == 2
    assert ("postfix", ["accuracy", "loss", "val_accuracy", "val_loss"]) in calls
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------------
# bad input: checked before any training
# ---------------------------------------------------------------------------

Xc, yc = nn.data.circles(30, noise=0.1, seed=2)


class NotAModel:
    engine = "tensor"


BAD_FIT = [
    # (model outputs, kwargs for fit, exception, message fragments)
    (1, dict(X=Xc[:, 0], y=yc), ValueError, ["fit", "2-D", "(N, 2)", "(30,)"]),
    (1, dict(X=np.hstack([Xc, Xc]), y=yc), ValueError, ["fit", "4 columns", "2 inputs"]),
    (1, dict(X=Xc, y=yc[:-1]), ValueError, ["fit", "X has 30 samples but y has 29 labels"]),
    (1, dict(X=Xc, y=yc.reshape(-1, 1)[:-1]), ValueError, ["29 labels"]),
    (1, dict(X=Xc, y=yc, loss=hinge_loss), ValueError, ["fit", "y does not suit the loss", "-1 or +1", "{0, 1}"]),
    (1, dict(X=Xc, y=2 * yc - 1), ValueError, ["fit", "bce_with_logits", "0 or 1", "{-1, 1}"]),
    (3, dict(X=Xc, y=yc + 0.5), TypeError, ["fit", "cross_entropy", "integers", "0.5"]),
    (3, dict(X=Xc, y=yc + 2), ValueError, ["fit", "cross_entropy", "0..2", "3"]),
    (1, dict(X=Xc, y=yc, loss=cross_entropy), ValueError, ["fit", "cross_entropy", "k >= 2"]),
    (1, dict(X=Xc, y=["a"] * 30), TypeError, ["fit", "y", "real numbers"]),
    (1, dict(X=np.where(np.eye(30, 2) > 0, np.nan, Xc), y=yc), ValueError, ["fit", "X contains nan"]),
    (1, dict(X=Xc[:0], y=yc[:0]), ValueError, ["fit", "no samples"]),
    (1, dict(X=Xc, y=yc, validation=(Xc[:, :1], yc)), ValueError, ["fit", "X_val", "1 columns"]),
    (1, dict(X=Xc, y=yc, validation=(Xc, yc[:5])), ValueError, ["fit", "X_val has 30 samples but y_val has 5"]),
    (1, dict(X=Xc, y=yc, validation=(Xc, 2 * yc - 1)), ValueError, ["fit", "y_val", "0 or 1"]),
    (1, dict(X=Xc, y=yc, validation=Xc), TypeError, ["fit", "validation", "(X_val, y_val)"]),
    (1, dict(X=Xc, y=yc, epochs=-1), ValueError, ["fit", "epochs", ">= 0"]),
    (1, dict(X=Xc, y=yc, epochs=2.5), ValueError, ["fit", "epochs", "int"]),
    (1, dict(X=Xc, y=yc, batch_size=0), ValueError, ["fit", "batch_size", ">= 1"]),
    (1, dict(X=Xc, y=yc, snapshot_every=0), ValueError, ["fit", "snapshot_every", ">= 1"]),
    (1, dict(X=Xc, y=yc, loss="bce"), TypeError, ["fit", "loss", "str"]),
    (1, dict(X=Xc, y=yc, progress="yes"), TypeError, ["fit", "progress"]),
    (1, dict(X=Xc, y=yc, seed="zero"), TypeError, ["fit", "seed"]),
    (1, dict(X=Xc, y=yc, optimizer=object()), TypeError, ["fit", "step()"]),
    (1, dict(X=Xc, y=yc, optimizer="other model"), ValueError, ["fit", "none of this model's parameters"]),
]


@pytest.mark.parametrize("nout, kwargs, exc, fragments", BAD_FIT, ids=[str(i) for i in range(len(BAD_FIT))])
def test_bad_input_is_rejected_before_training(engine, nout, kwargs, exc, fragments):
    model = nn.MLP(2, [4, nout], engine=engine.name, seed=0)
    kwargs = dict(kwargs)
    if kwargs.get("optimizer") == "other model":
        kwargs["optimizer"] = Adam(nn.MLP(2, [4, nout], engine=engine.name, seed=0).parameters())
    opt = Adam(model.parameters(), lr=0.1)
    kwargs.setdefault("optimizer", opt)
    before = snapshot(model)
    with pytest.raises(exc) as info:
        fit(model, progress=False, **kwargs) if "progress" not in kwargs else fit(model, **kwargs)
    for f in fragments:
        assert f in str(info.value), (f, str(info.value))
    assert same_weights(before, snapshot(model)), "a parameter changed although the input was rejected"
    assert all(not st for st in opt.state), "the optimiser stepped although the input was rejected"
    assert gc.isenabled()


def test_not_a_model_is_rejected():
    with pytest.raises(TypeError, match="fit: expected an nn model"):
        fit(NotAModel(), Xc, yc, progress=False)
    with pytest.raises(TypeError, match="predict: expected an nn model"):
        predict(lambda x: x, Xc)


def test_custom_loss_must_return_a_node(circles):
    X, y = circles
    with pytest.raises(TypeError, match="the loss must return a Value or a Tensor, got float"):
        fit(nn.MLP(2, [4, 1], seed=0), X, y, loss=lambda p, t: 0.5, epochs=1, progress=False)


# ---------------------------------------------------------------------------
# predict and accuracy
# ---------------------------------------------------------------------------


def _set_linear(model, W, b):
    model.set_weights([(np.array(W, dtype=float), np.array(b, dtype=float))])


def test_predict_thresholds_one_output_at_zero(engine):
    model = nn.MLP(1, [1], engine=engine.name, seed=0)
    _set_linear(model, [[1.0]], [-0.5])  # score = x - 0.5
    X = np.array([[-1.0], [0.4], [0.6], [2.0]])
    assert predict(model, X).tolist() == [0, 0, 1, 1]
    assert predict(model, X, threshold=1.0).tolist() == [0, 0, 0, 1]
    assert accuracy(model, X, [0, 1, 1, 1]) == 0.75
    assert accuracy(model, X, [-1, 1, 1, 1]) == 0.75  # -1/+1 labels
    assert predict(model, X).dtype == np.int64


def test_predict_takes_the_argmax_for_several_outputs(engine):
    model = nn.MLP(2, [3], engine=engine.name, seed=0)
    _set_linear(model, [[1.0, 0.0, -1.0], [0.0, 1.0, -1.0]], [0.0, 0.0, 0.0])  # scores x0, x1, -(x0+x1)
    X = np.array([[2.0, 1.0], [0.0, 3.0], [-2.0, -2.0]])
    assert predict(model, X).tolist() == [0, 1, 2]
    assert accuracy(model, X, np.array([0, 1, 1])) == pytest.approx(2 / 3)


def test_predict_records_no_graph_and_keeps_the_mode(circles):
    X, _ = circles
    model = nn.MLP(2, [4, 1], engine="scalar", seed=0)
    predict(model, X)
    assert all(p.grad == 0.0 for p in model.parameters())
    assert model.training is True
    twin = model.to_engine("tensor")
    assert predict(twin, X).tolist() == predict(model, X).tolist()


@pytest.mark.parametrize(
    "nout, y, fragments",
    [
        (1, [0, 1, 2] * 10, ["accuracy", "0/1 or -1/+1", "{0, 1, 2}"]),
        (3, [0.5] * 30, ["accuracy", "class indices 0..2"]),
        (1, [0, 1], ["accuracy", "30 samples but y has 2 labels"]),
    ],
)
def test_accuracy_rejects_labels_it_cannot_score(nout, y, fragments):
    with pytest.raises(ValueError) as info:
        accuracy(nn.MLP(2, [nout], seed=0), Xc, y)
    for f in fragments:
        assert f in str(info.value)


def test_predict_checks_the_input_width():
    with pytest.raises(ValueError, match=r"predict: X has 3 columns \(features\) but the model takes 2 inputs"):
        predict(nn.MLP(2, [1], seed=0), np.zeros((4, 3)))


# ---------------------------------------------------------------------------
# History display
# ---------------------------------------------------------------------------


def test_history_repr_html_and_best():
    h = History()
    h.loss += [0.9, 0.5, 0.6]
    h.accuracy += [0.5, 0.8, 0.7]
    h.val_loss += [1.0, 0.7, 0.4]
    h.val_accuracy += [0.4, 0.6, 0.9]
    h.time = 1.5
    assert repr(h) == ("History(epochs=3, loss=0.6, accuracy=70.0 %, val_loss=0.4, val_accuracy=90.0 %, time=1.50 s)")
    assert h.best() == {"epoch": 3, "loss": 0.6, "accuracy": 0.7, "val_loss": 0.4, "val_accuracy": 0.9}
    assert h.best("loss")["epoch"] == 2 and h.best("accuracy")["epoch"] == 2
    with pytest.raises(ValueError, match="metric must be one of"):
        h.best("speed")
    page = h._repr_html_()
    assert page.count("<tr>") == 4 and "<th>val_accuracy</th>" in page and "90.0 %" in page
    h.loss += [0.1] * 20
    h.accuracy += [1.0] * 20
    h.val_loss += [0.1] * 20
    h.val_accuracy += [1.0] * 20
    page = h._repr_html_()
    assert page.count("<tr>") == 11 and "last 10 shown" in page and "<td>23</td>" in page


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()),
        lambda: nn.Linear(2, 1, activation="sigmoid"),
        lambda: nn.Sequential(nn.Layer(2, 1, "sigmoid")),
    ],
)
def test_predict_and_accuracy_read_a_sigmoid_output_as_a_probability(make):
    model = make()
    X = np.zeros((4, 2))
    for p in model.parameters():  # with zero inputs every output is sigmoid(-0.25) ~ 0.44: class 0 at 0.5
        if isinstance(p.data, np.ndarray):
            p.data[...] = -0.25
        else:  # a scalar layer's Values
            p.data = -0.25
    assert predict(model, X).tolist() == [0, 0, 0, 0]  # at threshold 0 every probability would be class 1
    assert accuracy(model, X, [0, 0, 0, 1]) == 0.75
    # an explicit threshold still wins
    assert predict(model, X, threshold=0.4).tolist() == [1, 1, 1, 1]


def test_a_logit_output_keeps_threshold_zero():
    model = nn.MLP(2, [1], seed=0)
    _set_linear(model, [[0.0], [0.0]], [-0.25])  # logit -0.25: class 0 (a sigmoid model would give 0.44 too)
    assert predict(model, np.zeros((3, 2))).tolist() == [0, 0, 0]
