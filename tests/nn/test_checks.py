"""nn.checks: train, inspect and plot reject the same bad input with the same message."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from nn import checks, inspect, plot

X, Y = nn.data.circles(20, seed=0)
NET = nn.MLP(2, [3, 1], seed=0)

# every public function that takes a model and X, called with a bad X
TAKERS = {
    "fit": lambda X: nn.fit(NET, X, Y, epochs=1, progress=False),
    "predict": lambda X: nn.predict(NET, X),
    "accuracy": lambda X: nn.accuracy(NET, X, Y),
    "activations": lambda X: inspect.activations(NET, X),
    "layer_outputs": lambda X: inspect.layer_outputs(NET, X),
    "linear_probes": lambda X: inspect.linear_probes(NET, X, Y, epochs=1),
    "gradient_health": lambda X: inspect.gradient_health(NET, X, Y, "bce_with_logits"),
}

BAD_X = [
    (np.hstack([X, X]), ValueError, "X has 4 columns (features) but the model takes 2 inputs (nin=2)"),
    (np.where(np.eye(20, 2) > 0, np.nan, X), ValueError, "X contains nan or inf"),
    (X[:0], ValueError, "X has no samples"),
    (np.full((20, 2), "a"), TypeError, "X must hold numbers"),
    ([[1.0, 2.0], [3.0]], ValueError, "X is ragged"),
]


@pytest.mark.parametrize("where", TAKERS)
@pytest.mark.parametrize("bad, error, message", BAD_X, ids=["columns", "nan", "empty", "strings", "ragged"])
def test_the_same_bad_inputs_get_the_same_message_everywhere(where, bad, error, message):
    before = NET.state_dict()
    with pytest.raises(error) as info:
        TAKERS[where](bad)
    assert str(info.value).startswith(f"{where}: {message}"), str(info.value)
    for name, value in NET.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_the_pictures_check_their_data_with_the_same_checks():
    with pytest.raises(ValueError, match=r"^decision_boundary: X contains nan or inf"):
        plot.decision_boundary(NET, np.full((3, 2), np.inf), resolution=5)
    with pytest.raises(ValueError, match=r"^layer_representations: y must have one label per row of X \(20\)"):
        plot.layer_representations(NET, X, Y[:5])
    with pytest.raises(TypeError, match=r"^neuron_maps: model must be an nn Module"):
        plot.neuron_maps("net")
    with pytest.raises(ValueError, match=r"^neuron_maps: max_rows must be an int >= 1, got 0"):
        plot.neuron_maps(NET, max_rows=0)


def test_one_sample_as_a_row_is_accepted_where_it_was():
    row = X[0]
    assert inspect.activations(NET, row)["input"].shape == (1, 2)
    with pytest.raises(ValueError, match=r"one sample\? use X\[None, :\]"):
        nn.predict(NET, row)


def test_int_arguments_are_checked_alike():
    for call in (
        lambda: nn.fit(NET, X, Y, epochs=1, batch_size=0, progress=False),
        lambda: inspect.Snapshots(every=0),
        lambda: inspect.linear_probes(NET, X, Y, epochs=0),
        lambda: inspect.grid(X, resolution=1),
    ):
        with pytest.raises(ValueError, match=r"must be an int >= \d, got"):
            call()
    assert checks.check_int(np.int64(3), "n", "here") == 3
