"""Splitting a dataset into a training part and a test part, stratified by class."""

from __future__ import annotations

import numpy as np

from .common import is_real, make_generator

__all__ = ["split"]


def split(X, y, test_fraction=0.25, seed=0):
    """Shuffle and split a dataset into a training part and a test part.

    The split is stratified: every distinct value of ``y`` appears in the
    test part in (as nearly as possible) the same proportion as in the whole
    set.  The test part has ``round(test_fraction * n)`` rows, clamped so that
    both parts get at least one row; per-class test counts are allotted by
    largest remainder, ties broken at random.

    Parameters
    ----------
    X : array_like, shape (n, ...)
        Inputs, one row per sample.
    y : array_like, shape (n,)
        Labels (or targets), one per row of ``X``.
    test_fraction : float, default 0.25
        Share of the rows that go to the test part, strictly between 0 and 1.
    seed : int or numpy.random.Generator, default 0
        Source of randomness; the same int gives the same split.

    Returns
    -------
    X_train, X_test : numpy.ndarray
        Rows of ``X`` (copies), in random order.
    y_train, y_test : numpy.ndarray
        The matching entries of ``y``.

    Examples
    --------
    >>> X, y = np.arange(200.0).reshape(100, 2), np.repeat([0, 1], 50)
    >>> X_train, X_test, y_train, y_test = split(X, y, test_fraction=0.2, seed=0)
    >>> X_train.shape, X_test.shape
    ((80, 2), (20, 2))
    >>> np.bincount(y_test).tolist()
    [10, 10]
    """
    fname = "split"
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim < 1:
        raise ValueError(f"{fname}: X must have at least one dimension, got a scalar")
    if y.ndim != 1:
        raise ValueError(f"{fname}: y must be 1-D of shape (n,), got shape {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{fname}: X and y must have the same length, got len(X)={X.shape[0]} and len(y)={y.shape[0]}")
    n = y.shape[0]
    if n < 2:
        raise ValueError(f"{fname}: need at least 2 samples to make a train and a test part, got {n}")
    if not is_real(test_fraction):
        raise TypeError(
            f"{fname}: test_fraction must be a real number, got {test_fraction!r} "
            f"of type {type(test_fraction).__name__}"
        )
    f = float(test_fraction)
    if not 0.0 < f < 1.0:
        raise ValueError(f"{fname}: test_fraction must satisfy 0 < test_fraction < 1, got {f!r}")
    rng = make_generator(seed, fname)

    n_test = min(max(int(round(f * n)), 1), n - 1)
    _, inverse = np.unique(y, return_inverse=True)
    inverse = inverse.reshape(-1)
    counts = np.bincount(inverse)
    # Largest-remainder allotment of n_test over the classes, in exact
    # integer arithmetic: quota_c = counts_c * n_test / n.
    whole, rest = np.divmod(counts * n_test, n)
    missing = n_test - int(whole.sum())
    order = rng.permutation(len(counts))
    by_rest = order[np.argsort(-rest[order], kind="stable")]
    whole[by_rest[:missing]] += 1

    test_parts, train_parts = [], []
    for c, m in enumerate(whole):
        members = rng.permutation(np.flatnonzero(inverse == c))
        test_parts.append(members[:m])
        train_parts.append(members[m:])
    test_idx = rng.permutation(np.concatenate(test_parts))
    train_idx = rng.permutation(np.concatenate(train_parts))
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]
