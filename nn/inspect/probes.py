"""Linear probes: how linearly separable the classes are in each layer's representation."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, NamedTuple

import numpy as np

from autograd import Tensor, no_grad

from ..checks import check_inputs, check_int, check_labels, check_module, check_pair, model_nin
from ..losses import bce_with_logits, cross_entropy
from ..mlp import MLP
from ..module import Module
from ..optim import Adam
from .stages import layer_outputs

__all__ = ["linear_probes", "fit_probe", "probe_predict", "Probe", "fit_probes"]


def fit_probe(F: np.ndarray, t: np.ndarray, k: int, epochs: int, lr: float, seed: int) -> MLP:
    """A linear classifier for ``k`` classes trained on the features ``F`` by full-batch Adam.

    The classifier is an ``nn.MLP`` with no hidden layer: one logit and
    :func:`nn.losses.bce_with_logits` for two classes, ``k`` logits and
    :func:`nn.losses.cross_entropy` otherwise; the optimiser is :class:`nn.optim.Adam`.

    Parameters
    ----------
    F : ndarray of shape (N, width)
        The features (standardised by :func:`linear_probes`).
    t : ndarray of shape (N,)
        Class indices ``0 .. k-1``.
    k : int
        The number of classes, at least 2.
    epochs : int
        Full-batch training steps.
    lr : float
        Adam's learning rate.
    seed : int
        The probe's initial weights.

    Returns
    -------
    nn.MLP

    Examples
    --------
    >>> F = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> probe = fit_probe(F, np.array([0, 0, 1, 1]), 2, epochs=50, lr=0.1, seed=0)
    >>> probe_predict(probe, F, 2).tolist()
    [0, 0, 1, 1]
    """
    probe = MLP(F.shape[1], [1 if k == 2 else k], seed=seed)
    optimizer = Adam(probe.parameters(), lr=lr)
    x = Tensor(F)
    for _ in range(epochs):
        probe.zero_grad()
        out = probe(x)
        loss = bce_with_logits(out, t) if k == 2 else cross_entropy(out, t)
        loss.backward()
        optimizer.step()
    return probe


def probe_predict(probe: Module, F: np.ndarray, k: int) -> np.ndarray:
    """The class index a probe made by :func:`fit_probe` gives each row of ``F``.

    Examples
    --------
    >>> import nn
    >>> probe_predict(nn.MLP(2, [3], seed=0), np.zeros((2, 2)), 3).tolist()   # all logits 0: the first class
    [0, 0]
    """
    with no_grad():
        s = probe(Tensor(F)).data
    return (s[:, 0] > 0).astype(np.int64) if k == 2 else s.argmax(axis=1)


class Probe(NamedTuple):
    """A linear probe trained on one layer's representation, with the standardisation it was trained with.

    ``model`` is the linear classifier made by :func:`fit_probe`, fed
    ``(F - mean) / scale``; ``classes`` holds the original labels of classes
    ``0 .. k-1``.  Its decision boundary is a straight line (a hyperplane) in
    the representation's own coordinates, which the pictures draw.

    Examples
    --------
    >>> import nn
    >>> probe = fit_probes(nn.MLP(2, [1]), np.array([[0.0, 1.0], [2.0, 1.0]]), np.array([3, 7]))["input"]
    >>> probe.classes.tolist(), probe.mean.tolist()
    ([3, 7], [1.0, 1.0])
    """

    model: MLP
    mean: np.ndarray
    scale: np.ndarray
    classes: np.ndarray

    def scores(self, F: Any) -> np.ndarray:
        """The probe's logits ``(N, 1)`` (two classes) or ``(N, k)`` for features ``F`` of this layer.

        Examples
        --------
        >>> import nn
        >>> probe = fit_probes(nn.MLP(2, [1]), np.array([[0.0, 0.0], [2.0, 2.0]]), np.array([0, 1]))["input"]
        >>> probe.scores(np.array([[0.0, 0.0], [2.0, 2.0]])).shape
        (2, 1)
        """
        Z = (np.asarray(F, dtype=np.float64) - self.mean) / self.scale
        with no_grad():
            s = self.model(Tensor(Z)).data
        return np.asarray(s, dtype=np.float64).reshape(len(Z), -1)

    def predict(self, F: Any) -> np.ndarray:
        """The class index (0 .. k-1) the probe gives each row of ``F``.

        Examples
        --------
        >>> import nn
        >>> probe = fit_probes(nn.MLP(2, [1]), np.array([[0.0, 0.0], [2.0, 2.0]]), np.array([0, 1]))["input"]
        >>> probe.predict(np.array([[0.0, 0.0], [2.0, 2.0]])).tolist()
        [0, 1]
        """
        s = self.scores(F)
        return (s[:, 0] > 0).astype(np.int64) if s.shape[1] == 1 else s.argmax(axis=1)


def fit_probes(
    model: Module, X: Any, y: Any, epochs: int = 300, lr: float = 0.05, seed: int = 0
) -> OrderedDict[str, Probe]:
    """Train one linear probe per representation (input, then each layer) and return them.

    The probes behind :func:`linear_probes`; use them to draw each probe's
    decision line on a picture of the representation
    (:func:`nn.plot.layer_representations` does).

    Parameters
    ----------
    model : nn.Module
        The (trained) network; not changed.
    X, y : array_like
        Inputs ``(N, nin)`` and class labels ``(N,)``.
    epochs : int, default 300
        Full-batch Adam steps per probe.
    lr : float, default 0.05
        Adam's learning rate.
    seed : int, default 0
        Initial weights of each probe.

    Returns
    -------
    OrderedDict of str to Probe
        From ``"input"`` to the output layer.

    Examples
    --------
    >>> import nn
    >>> X, y = nn.data.xor(80, seed=0)
    >>> probes = fit_probes(nn.MLP(2, [4, 1], seed=0), X, y, epochs=20)
    >>> list(probes), probes["input"].scores(X[:3]).shape
    (['input', 'layer 1', 'layer 2'], (3, 1))
    """
    where = "linear_probes"
    check_module(model, where)
    epochs = check_int(epochs, "epochs", where)
    X = check_inputs(X, where, model_nin(model), one_row=True)
    y = check_labels(y, X.shape[0], where)
    classes = np.unique(y)
    k = len(classes)
    if k < 2:
        raise ValueError(f"{where}: y has a single class ({classes[0]!r}); probes need at least two")
    t = np.searchsorted(classes, y)
    found: OrderedDict[str, Probe] = OrderedDict()
    for name, F in layer_outputs(model, X).items():
        mu, sd = F.mean(axis=0), F.std(axis=0)
        sd = np.where(sd > 1e-12, sd, 1.0)  # a constant (e.g. dead) feature stays 0
        found[name] = Probe(fit_probe((F - mu) / sd, t, k, epochs, float(lr), seed), mu, sd, classes)
    return found


def linear_probes(
    model: Module,
    X: Any,
    y: Any,
    test: tuple[Any, Any] | None = None,
    epochs: int = 300,
    lr: float = 0.05,
    seed: int = 0,
) -> OrderedDict[str, float]:
    """How linearly separable the classes are at the input and after each layer.

    For each representation (see :func:`layer_outputs`) a *linear probe*, a
    linear classifier (``nn.MLP(width, [1])`` for two classes, ``[k]`` outputs
    with cross-entropy for k classes), is trained on the training data's
    representation with layergrad itself (full-batch Adam on standardised
    features) and scored on the test data's representation.  The model is not
    changed.  On concentric circles the input scores about chance (no line
    separates a disc from a ring) and the last hidden layer of a trained
    network close to 100 %: the network has learned a representation in which
    the task is linear.

    Parameters
    ----------
    model : nn.Module
        The (trained) network.
    X, y : array_like
        Training inputs ``(N, nin)`` and class labels ``(N,)`` (any values;
        sorted unique labels become classes 0 .. k-1).
    test : (X_test, y_test), optional
        Held-out data to score the probes on; without it the probes are scored
        on the training data.
    epochs : int, default 300
        Full-batch training steps per probe.
    lr : float, default 0.05
        Adam's learning rate.
    seed : int, default 0
        Initial weights of each probe.

    Returns
    -------
    OrderedDict of str to float
        ``name -> accuracy`` (between 0 and 1), ordered from ``"input"`` to
        the output layer.

    Examples
    --------
    >>> import nn
    >>> X, y = nn.data.circles(120, seed=0)
    >>> acc = linear_probes(nn.MLP(2, [8, 1], seed=0), X, y, epochs=50)
    >>> list(acc)
    ['input', 'layer 1', 'layer 2']
    >>> all(0.0 <= a <= 1.0 for a in acc.values())
    True
    """
    where = "linear_probes"
    check_module(model, where)
    X = check_inputs(X, where, model_nin(model), one_row=True)
    y = check_labels(y, X.shape[0], where)
    if test is None:
        Xt, yt = X, y
    else:
        X_test, y_test = check_pair(test, where, "test", "X_test, y_test")
        Xt = check_inputs(X_test, where, model_nin(model), one_row=True)
        yt = check_labels(y_test, Xt.shape[0], where, ("the labels of test=(X_test, y_test)", "X_test"))
    probes = fit_probes(model, X, y, epochs=epochs, lr=lr, seed=seed)
    classes = next(iter(probes.values())).classes
    known = np.isin(yt, classes)
    tt = np.where(known, np.searchsorted(classes, yt).clip(0, len(classes) - 1), -1)
    test_reps = layer_outputs(model, Xt)
    result: OrderedDict[str, float] = OrderedDict()
    for name, probe in probes.items():
        result[name] = float(np.mean(probe.predict(test_reps[name]) == tt))
    return result
