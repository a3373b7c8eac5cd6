"""``make_moons``: scikit-learn's two moons, number for number, without scikit-learn."""

from __future__ import annotations

import numpy as np

from .common import check_int_arg, check_nonneg_arg, is_int

__all__ = ["make_moons"]


def _legacy_state(random_state, fname: str) -> np.random.RandomState:
    """Resolve ``random_state`` the way scikit-learn does."""
    if random_state is None:
        # numpy's legacy global generator, the one np.random.seed() seeds.
        return np.random.mtrand._rand
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if is_int(random_state):
        if not 0 <= int(random_state) < 2**32:
            raise ValueError(f"{fname}: random_state must be between 0 and 2**32 - 1, got {random_state}")
        return np.random.RandomState(int(random_state))
    raise TypeError(
        f"{fname}: random_state must be None, an int or a numpy.random.RandomState, "
        f"got {random_state!r} of type {type(random_state).__name__}"
    )


def make_moons(n_samples=100, *, shuffle=True, noise=None, random_state=None):
    """Two interleaving half circles, matching scikit-learn number for number.

    This reproduces ``sklearn.datasets.make_moons`` exactly (same values,
    same row order, same consumption of the random state) without needing
    scikit-learn.  The outer moon (label 0) is ``(cos t, sin t)`` and the
    inner moon (label 1) is ``(1 - cos t, 1 - sin t - 0.5)``, each with ``t``
    evenly spaced over ``[0, pi]``.  The rows are then shuffled if asked,
    and finally Gaussian noise is added if ``noise`` is not None.

    Parameters
    ----------
    n_samples : int or tuple of two ints, default 100
        Total number of points (the outer moon gets ``n_samples // 2``, the
        inner moon the rest), or ``(n_outer, n_inner)``.
    shuffle : bool, default True
        Whether to shuffle the rows (consumes randomness before the noise).
    noise : float or None, default None
        Standard deviation of the Gaussian noise; None adds none and draws
        nothing from the random state (0.0 draws, but changes no value).
    random_state : None, int or numpy.random.RandomState, default None
        None uses numpy's legacy global generator, so
        ``np.random.seed(1337); make_moons(100, noise=0.1)`` gives the same
        data as scikit-learn; an int seeds a fresh ``RandomState``; a
        ``RandomState`` is used (and advanced) in place.

    Returns
    -------
    X : numpy.ndarray of float64, shape (n_samples, 2)
        The points.
    y : numpy.ndarray of int64, shape (n_samples,)
        0 for the outer moon, 1 for the inner moon.

    See Also
    --------
    moons : this library's own variant, seeded like the other generators.

    Examples
    --------
    >>> X, y = make_moons(n_samples=100, noise=0.1, random_state=1337)
    >>> X.shape, y.dtype
    ((100, 2), dtype('int64'))
    >>> np.bincount(y).tolist()
    [50, 50]
    >>> X, y = make_moons(4, shuffle=False)
    >>> X.round(3).tolist()
    [[1.0, 0.0], [-1.0, 0.0], [0.0, 0.5], [2.0, 0.5]]
    """
    fname = "make_moons"
    if isinstance(n_samples, tuple):
        if len(n_samples) != 2:
            raise ValueError(f"{fname}: n_samples as a tuple must be (n_outer, n_inner), got {n_samples!r}")
        n_out = check_int_arg(n_samples[0], "n_samples[0]", fname, 0)
        n_in = check_int_arg(n_samples[1], "n_samples[1]", fname, 0)
        if n_out + n_in < 1:
            raise ValueError(f"{fname}: n_samples must add up to >= 1, got {n_samples!r}")
    else:
        total = check_int_arg(n_samples, "n_samples", fname, 1)
        n_out = total // 2
        n_in = total - n_out
    if noise is not None:
        noise = check_nonneg_arg(noise, "noise", fname)
    state = _legacy_state(random_state, fname)

    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    X = np.empty((n_out + n_in, 2), dtype=np.float64)
    X[:n_out, 0] = np.cos(t_out)
    X[:n_out, 1] = np.sin(t_out)
    X[n_out:, 0] = 1.0 - np.cos(t_in)
    # Evaluated as (1 - sin t) - 0.5, in that order, to round the same way
    # as scikit-learn (0.5 - sin t can differ in the last bit).
    X[n_out:, 1] = (1.0 - np.sin(t_in)) - 0.5
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])

    if shuffle:
        # A legacy Fisher-Yates shuffle of 0..n-1 (RandomState.permutation
        # draws exactly what RandomState.shuffle of arange(n) draws).
        order = state.permutation(n_out + n_in)
        X = X[order]
        y = y[order]
    if noise is not None:
        X = X + state.normal(loc=0.0, scale=noise, size=X.shape)
    return np.ascontiguousarray(X), y
