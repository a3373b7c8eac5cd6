"""nn.data.TensorDataset and DataLoader, and nn.fit on any module and on a DataLoader."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn.data import DataLoader, TensorDataset, default_collate
from nn.optim import SGD

X = np.arange(20.0).reshape(10, 2)
Y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])


def test_batches_cover_the_data_in_order_or_shuffled_from_the_seed():
    loader = DataLoader(TensorDataset(X, Y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [len(xb) for xb, _ in batches] == [4, 4, 2]
    assert all(isinstance(t, Tensor) for b in batches for t in b)
    np.testing.assert_array_equal(np.concatenate([xb.data for xb, _ in batches]), X)
    assert len(DataLoader(TensorDataset(X, Y), batch_size=4, drop_last=True)) == 2
    shuffled = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True, seed=1)
    first, second = ([yb.tolist() for _, yb in shuffled] for _ in range(2))
    assert first != second  # a new order every pass
    again = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True, seed=1)
    assert [yb.tolist() for _, yb in again] == first  # the same seed, the same passes
    rows = np.concatenate([xb.data for xb, _ in again])
    assert sorted(rows[:, 0].tolist()) == X[:, 0].tolist()  # every sample exactly once per pass


def test_any_dataset_is_collated_into_tensors():
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=float), i % 2

    xb, yb = next(iter(DataLoader(Squares(), batch_size=5)))
    assert xb.shape == (5, 2) and yb.tolist() == [0.0, 1.0, 0.0, 1.0, 0.0]
    one = next(iter(DataLoader(Squares(), batch_size=None)))
    assert one[1] == 0 and one[0].tolist() == [0.0, 0.0]
    assert default_collate([{"a": 1.0}, {"a": 2.0}])["a"].tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="num_workers must be 0"):
        DataLoader(Squares(), num_workers=2)
    with pytest.raises(ValueError, match="different numbers of rows"):
        TensorDataset(X, Y[:3])
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(Squares(), batch_size=0)


class Custom(nn.Module):
    """A PyTorch-style module: no nin, no nout, a Tensor input."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 8, seed=0)
        self.norm = nn.LayerNorm(8)
        self.fc2 = nn.Linear(8, 3, seed=1)

    def forward(self, x):
        assert isinstance(x, Tensor)
        return self.fc2(self.norm(self.fc1(x)).relu())


def test_fit_on_a_data_loader_is_the_plain_training_loop():
    a, b = Custom(), Custom()
    loader = DataLoader(TensorDataset(X / 10, Y), batch_size=4, shuffle=True, seed=3)
    loss = nn.CrossEntropyLoss(label_smoothing=0.1)
    opt_a = SGD(a.parameters(), lr=0.1, momentum=0.9)
    history = nn.fit(a, loader, loss=loss, optimizer=opt_a, epochs=3, progress=False)
    opt = SGD(b.parameters(), lr=0.1, momentum=0.9)
    same = DataLoader(TensorDataset(X / 10, Y), batch_size=4, shuffle=True, seed=3)
    for _ in range(3):
        for xb, yb in same:
            opt.zero_grad()
            loss(b(xb), yb).backward()
            opt.step()
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert history.epochs == 3 and 0.0 <= history.accuracy[-1] <= 1.0


def test_fit_takes_a_module_without_widths_and_a_validation_loader():
    model = Custom()
    val = DataLoader(TensorDataset(X / 10, Y), batch_size=3)
    history = nn.fit(model, X / 10, Y, epochs=2, validation=val, progress=False)  # cross_entropy: 3 outputs
    assert len(history.val_loss) == 2 and not np.isnan(history.val_accuracy[-1])
    with pytest.raises(TypeError, match="leave y and batch_size out"):
        nn.fit(model, val, Y, progress=False)
    with pytest.raises(ValueError, match="class labels must be in 0..2"):
        nn.fit(model, DataLoader(TensorDataset(X, Y + 1)), progress=False)  # checked before training
    with pytest.raises(TypeError, match="y \\(the targets\\) is missing"):
        nn.fit(model, X, progress=False)
    assert nn.predict(model, X / 10).shape == (10,)
