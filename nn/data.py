"""Small 2-D toy datasets for classification experiments.

Every generator returns a pair ``(X, y)``:

* ``X`` -- a ``float64`` array of shape ``(n, 2)``, one point per row;
* ``y`` -- an ``int64`` array of shape ``(n,)`` holding class labels
  ``0, 1, ..., k-1``.

The points are produced in a random order (classes are interleaved), and the
classes are as balanced as possible: when ``n`` points are spread over ``k``
classes, the class sizes differ by at most one and the first ``n % k``
classes get the extra point.

Randomness comes only from the ``seed`` argument, which is either an ``int``
(fed to :func:`numpy.random.default_rng`) or a ready-made
:class:`numpy.random.Generator` (which is used, and advanced, in place).  The
same integer seed always gives identical arrays.  ``noise`` is always the
standard deviation of isotropic Gaussian jitter added to every coordinate.

Generators
----------
circles   inner disc versus a surrounding ring (not linearly separable)
moons     two interleaving half moons
xor       four quadrants labelled by the XOR of the coordinate signs
spiral    ``classes`` interleaved spiral arms
gaussians isotropic Gaussian blobs
linear    two linearly separable classes with a margin around a line

Helpers
-------
split       shuffled (stratified) train/test split
make_moons  a drop-in replacement for scikit-learn's ``make_moons`` that gives
            the very same numbers for the same random state

The module depends on numpy and the standard library only.

Examples
--------
>>> X, y = circles(200, seed=0)
>>> X.shape, X.dtype, y.dtype
((200, 2), dtype('float64'), dtype('int64'))
>>> np.bincount(y).tolist()
[100, 100]
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "circles",
    "moons",
    "xor",
    "spiral",
    "gaussians",
    "linear",
    "split",
    "make_moons",
]

# Geometry constants (documented in the docstrings that use them).
_CIRCLES_RING = (1.0, 1.5)  # radii bounding the outer ring in `circles`
_XOR_RANGE = (0.1, 1.0)  # |coordinate| range inside each `xor` quadrant
_SPIRAL_TURN = 1.5 * math.pi  # angle swept by one `spiral` arm from r=0 to r=1
_GAUSSIANS_RADIUS = 3.0  # radius of the circle holding `gaussians` centres
_LINEAR_NORMAL = np.array([1.0, 1.0]) / math.sqrt(2.0)  # unit normal of the line
_LINEAR_ALONG = np.array([1.0, -1.0]) / math.sqrt(2.0)  # unit direction of the line


# ---------------------------------------------------------------------------
# argument checking
# ---------------------------------------------------------------------------


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _check_int(value, name: str, fname: str, minimum: int, why: str = "") -> int:
    """Return ``value`` as an int, insisting that it is an integer >= minimum."""
    if not _is_int(value):
        raise TypeError(f"{fname}: {name} must be an integer, got {value!r} of type {type(value).__name__}")
    value = int(value)
    if value < minimum:
        extra = f" ({why})" if why else ""
        raise ValueError(f"{fname}: {name} must be >= {minimum}{extra}, got {value}")
    return value


def _check_nonneg(value, name: str, fname: str) -> float:
    """Return ``value`` as a float, insisting on a finite real number >= 0."""
    if not _is_real(value):
        raise TypeError(f"{fname}: {name} must be a real number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"{fname}: {name} must be a finite number >= 0, got {value!r}")
    return value


def _rng(seed, fname: str) -> np.random.Generator:
    """Turn ``seed`` (int or Generator) into a numpy Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if not _is_int(seed):
        raise TypeError(
            f"{fname}: seed must be an int or a numpy.random.Generator, got {seed!r} of type {type(seed).__name__}"
        )
    if seed < 0:
        raise ValueError(f"{fname}: seed must be a non-negative int, got {seed}")
    return np.random.default_rng(int(seed))


def _class_sizes(n: int, k: int) -> list[int]:
    """Split ``n`` into ``k`` sizes differing by at most one (extras first)."""
    base, extra = divmod(n, k)
    return [base + (1 if j < extra else 0) for j in range(k)]


def _finish(rng: np.random.Generator, X: np.ndarray, y: np.ndarray, noise: float):
    """Add Gaussian jitter, shuffle the rows and fix the dtypes."""
    X = np.asarray(X, dtype=np.float64)
    X = X + rng.normal(0.0, noise, size=X.shape)
    order = rng.permutation(len(y))
    return (
        np.ascontiguousarray(X[order], dtype=np.float64),
        np.ascontiguousarray(np.asarray(y)[order], dtype=np.int64),
    )


def _uniform_disc(rng: np.random.Generator, m: int, r_lo: float, r_hi: float):
    """``m`` points spread uniformly over the area of an annulus."""
    radius = np.sqrt(rng.uniform(r_lo * r_lo, r_hi * r_hi, size=m))
    angle = rng.uniform(0.0, 2.0 * math.pi, size=m)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


# ---------------------------------------------------------------------------
# dataset generators
# ---------------------------------------------------------------------------


def circles(n=200, noise=0.05, seed=0, factor=0.5):
    """A disc surrounded by a ring: the classic "not linearly separable" set.

    Class 0 fills the disc of radius ``factor`` centred at the origin; class 1
    fills the ring (annulus) between radius 1.0 and radius 1.5.  So ``factor``
    is the ratio of the inner disc's radius to the ring's inner radius (1.0),
    and with ``noise=0`` the two classes are separated by an empty gap of
    width ``1 - factor``.  Points are spread uniformly over each area, not
    just placed on circle lines.  No straight line separates the classes, but
    a small network (or the feature ``x0**2 + x1**2``) can.

    Parameters
    ----------
    n : int, default 200
        Number of points, at least 2.  Class 0 gets ``ceil(n / 2)`` points
        and class 1 gets ``floor(n / 2)``.
    noise : float, default 0.05
        Standard deviation of Gaussian noise added to each coordinate (>= 0).
    seed : int or numpy.random.Generator, default 0
        Source of randomness; the same int gives the same data.
    factor : float, default 0.5
        Radius of the inner disc, strictly between 0 and 1.

    Returns
    -------
    X : numpy.ndarray of float64, shape (n, 2)
        The points.
    y : numpy.ndarray of int64, shape (n,)
        0 for the inner disc, 1 for the outer ring.

    Examples
    --------
    >>> X, y = circles(100, seed=0)
    >>> X.shape
    (100, 2)
    >>> np.bincount(y).tolist()
    [50, 50]
    >>> X, y = circles(100, noise=0.0, factor=0.5, seed=1)
    >>> r = np.hypot(X[:, 0], X[:, 1])
    >>> bool(r[y == 0].max() <= 0.5 and r[y == 1].min() >= 1.0)
    True
    """
    fname = "circles"
    n = _check_int(n, "n", fname, 2, "one point per class, 2 classes")
    noise = _check_nonneg(noise, "noise", fname)
    if not _is_real(factor):
        raise TypeError(f"{fname}: factor must be a real number, got {factor!r} of type {type(factor).__name__}")
    factor = float(factor)
    if not 0.0 < factor < 1.0:
        raise ValueError(
            f"{fname}: factor must satisfy 0 < factor < 1 (inner disc radius "
            f"relative to the ring's inner radius 1.0), got {factor!r}"
        )
    rng = _rng(seed, fname)
    n0, n1 = _class_sizes(n, 2)
    inner = _uniform_disc(rng, n0, 0.0, factor)
    outer = _uniform_disc(rng, n1, *_CIRCLES_RING)
    X = np.concatenate([inner, outer])
    y = np.repeat([0, 1], [n0, n1])
    return _finish(rng, X, y, noise)


def moons(n=200, noise=0.1, seed=0):
    """Two interleaving half moons.

    Class 0 lies on the upper half of the unit circle centred at
    ``(-0.5, -0.25)``; class 1 lies on the lower half of the unit circle
    centred at ``(0.5, 0.25)``.  Each arm's angle is drawn uniformly at
    random, so with ``noise=0`` every point lies exactly on its arc.  The
    whole picture is centred near the origin.

    Parameters
    ----------
    n : int, default 200
        Number of points, at least 2; class 0 gets ``ceil(n / 2)``.
    noise : float, default 0.1
        Standard deviation of Gaussian noise added to each coordinate (>= 0).
    seed : int or numpy.random.Generator, default 0
        Source of randomness; the same int gives the same data.

    Returns
    -------
    X : numpy.ndarray of float64, shape (n, 2)
        The points.
    y : numpy.ndarray of int64, shape (n,)
        0 for the upper moon, 1 for the lower moon.

    See Also
    --------
    make_moons : the scikit-learn compatible variant (evenly spaced angles).

    Examples
    --------
    >>> X, y = moons(100, seed=0)
    >>> X.shape, y.shape
    ((100, 2), (100,))
    >>> sorted(set(y.tolist()))
    [0, 1]
    """
    fname = "moons"
    n = _check_int(n, "n", fname, 2, "one point per class, 2 classes")
    noise = _check_nonneg(noise, "noise", fname)
    rng = _rng(seed, fname)
    n0, n1 = _class_sizes(n, 2)
    t0 = rng.uniform(0.0, math.pi, size=n0)
    t1 = rng.uniform(0.0, math.pi, size=n1)
    upper = np.column_stack([np.cos(t0) - 0.5, np.sin(t0) - 0.25])
    lower = np.column_stack([0.5 - np.cos(t1), 0.25 - np.sin(t1)])
    X = np.concatenate([upper, lower])
    y = np.repeat([0, 1], [n0, n1])
    return _finish(rng, X, y, noise)


def xor(n=200, noise=0.1, seed=0):
    """Four square blobs, one per quadrant, labelled by the XOR of the signs.

    Before noise, each coordinate's absolute value is uniform on
    ``[0.1, 1.0]``, so the quadrants are separated by a gap of width 0.2
    around both axes.  The label is ``(x0 > 0) XOR (x1 > 0)``: class 0 holds
    the first and third quadrants, class 1 the second and fourth.  A single
    line cannot separate them; two hidden units can.

    Parameters
    ----------
    n : int, default 200
        Number of points, at least 2.  The quadrants get sizes differing by
        at most one, in the order (+,+), (-,+), (-,-), (+,-), so the two
        classes also differ by at most one.
    noise : float, default 0.1
        Standard deviation of Gaussian noise added to each coordinate (>= 0).
    seed : int or numpy.random.Generator, default 0
        Source of randomness; the same int gives the same data.

    Returns
    -------
    X : numpy.ndarray of float64, shape (n, 2)
        The points.
    y : numpy.ndarray of int64, shape (n,)
        ``1`` where exactly one coordinate is positive (before noise), else 0.

    Examples
    --------
    >>> X, y = xor(8, noise=0.0, seed=0)
    >>> bool(np.all(y == ((X[:, 0] > 0) ^ (X[:, 1] > 0))))
    True
    >>> np.bincount(y).tolist()
    [4, 4]
    """
    fname = "xor"
    n = _check_int(n, "n", fname, 2, "one point per class, 2 classes")
    noise = _check_nonneg(noise, "noise", fname)
    rng = _rng(seed, fname)
    signs = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=np.float64)
    sizes = _class_sizes(n, 4)
    lo, hi = _XOR_RANGE
    parts = [rng.uniform(lo, hi, size=(m, 2)) * s for m, s in zip(sizes, signs, strict=True)]
    X = np.concatenate(parts)
    y = np.repeat([0, 1, 0, 1], sizes)
    return _finish(rng, X, y, noise)


def spiral(n=300, noise=0.1, seed=0, classes=3):
    """``classes`` spiral arms winding out of the origin, one class per arm.

    A point of arm ``j`` at radius ``r`` (drawn uniformly from ``[0, 1]``)
    sits at angle ``2*pi*j/classes + 1.5*pi*r``, i.e. every arm turns through
    three quarters of a full turn on its way out.  Neighbouring arms are
    interleaved, which makes this a standard "needs a deeper net" problem.

    Parameters
    ----------
    n : int, default 300
        Number of points, at least ``classes``; split over the arms as evenly
        as possible (the first ``n % classes`` arms get one extra point).
    noise : float, default 0.1
        Standard deviation of Gaussian noise added to each coordinate (>= 0).
    seed : int or numpy.random.Generator, default 0
        Source of randomness; the same int gives the same data.
    classes : int, default 3
        Number of arms (= classes), at least 2.

    Returns
    -------
    X : numpy.ndarray of float64, shape (n, 2)
        The points.
    y : numpy.ndarray of int64, shape (n,)
        The arm index ``0 .. classes-1`` of each point.

    Examples
    --------
    >>> X, y = spiral(300, seed=0)
    >>> X.shape
    (300, 2)
    >>> np.bincount(y).tolist()
    [100, 100, 100]
    """
    fname = "spiral"
    k = _check_int(classes, "classes", fname, 2, "a classifier needs two classes")
    n = _check_int(n, "n", fname, k, f"one point per class, classes={k}")
    noise = _check_nonneg(noise, "noise", fname)
    rng = _rng(seed, fname)
    sizes = _class_sizes(n, k)
    parts = []
    for j, m in enumerate(sizes):
        r = rng.uniform(0.0, 1.0, size=m)
        theta = 2.0 * math.pi * j / k + _SPIRAL_TURN * r
        parts.append(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
    X = np.concatenate(parts)
    y = np.repeat(np.arange(k), sizes)
    return _finish(rng, X, y, noise)


def _check_centers(centers, fname: str) -> np.ndarray:
    """Turn ``centers`` (an int or a (k, 2) array) into a (k, 2) float array."""
    if _is_int(centers):
        k = _check_int(centers, "centers", fname, 1)
        angle = 2.0 * math.pi * np.arange(k) / k
        return _GAUSSIANS_RADIUS * np.column_stack([np.cos(angle), np.sin(angle)])
    if isinstance(centers, (bool, np.bool_, numbers.Real, str, bytes)) or centers is None:
        raise TypeError(
            f"{fname}: centers must be an int or an array of shape (k, 2), "
            f"got {centers!r} of type {type(centers).__name__}"
        )
    try:
        arr = np.asarray(centers)
    except (TypeError, ValueError) as exc:  # e.g. ragged nested lists
        raise ValueError(
            f"{fname}: centers must be an int or an array of shape (k, 2), got {centers!r} ({exc})"
        ) from None
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{fname}: centers must hold real numbers, got an array of dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] < 1:
        raise ValueError(
            f"{fname}: centers must be an int or an array of shape (k, 2) with "
            f"k >= 1, got an array of shape {arr.shape}"
        )
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{fname}: centers must be finite, got {arr.tolist()}")
    return arr


def gaussians(n=200, noise=1.0, seed=0, centers=2):
    """Isotropic Gaussian blobs, one class per blob.

    Parameters
    ----------
    n : int, default 200
        Number of points, at least the number of blobs; split over the blobs
        as evenly as possible (the first ``n % k`` blobs get one extra).
    noise : float, default 1.0
        Standard deviation of every blob along each axis (>= 0).  With
        ``noise=0`` every point sits exactly on its centre.
    seed : int or numpy.random.Generator, default 0
        Source of randomness; the same int gives the same data.
    centers : int or array_like of shape (k, 2), default 2
        Either the number of blobs ``k >= 1``, placed deterministically on
        the circle of radius 3 around the origin at angles ``2*pi*j/k``
        (so ``centers=2`` gives ``(3, 0)`` and ``(-3, 0)``), or the centres
        themselves, one row per blob.

    Returns
    -------
    X : numpy.ndarray of float64, shape (n, 2)
        The points.
    y : numpy.ndarray of int64, shape (n,)
        The blob index ``0 .. k-1``, in the order of the centres.

    Examples
    --------
    >>> X, y = gaussians(90, seed=0, centers=3)
    >>> X.shape
    (90, 2)
    >>> X, y = gaussians(4, noise=0.0, centers=[[0, 0], [5, 5]])
    >>> X[y == 1].tolist()
    [[5.0, 5.0], [5.0, 5.0]]
    """
    fname = "gaussians"
    c = _check_centers(centers, fname)
    k = len(c)
    n = _check_int(n, "n", fname, k, f"one point per blob, {k} centres")
    noise = _check_nonneg(noise, "noise", fname)
    rng = _rng(seed, fname)
    sizes = _class_sizes(n, k)
    y = np.repeat(np.arange(k), sizes)
    X = c[y]
    return _finish(rng, X, y, noise)


def linear(n=200, noise=0.0, seed=0, margin=0.1):
    """Two classes on either side of a line, with an empty band between them.

    The separating line is ``x0 + x1 = 0`` (unit normal
    ``w = (1, 1) / sqrt(2)``).  Before noise, class 1 points have signed
    distance ``w @ x`` uniform on ``[margin, margin + 1]`` and class 0 points
    on ``[-margin - 1, -margin]``; their position along the line is uniform on
    ``[-1.5, 1.5]``.  So with ``noise=0`` the line separates the classes with
    the given margin on each side, and a linear classifier can reach 100 %
    accuracy.

    Parameters
    ----------
    n : int, default 200
        Number of points, at least 2; class 0 gets ``ceil(n / 2)``.
    noise : float, default 0.0
        Standard deviation of Gaussian noise added to each coordinate (>= 0).
    seed : int or numpy.random.Generator, default 0
        Source of randomness; the same int gives the same data.
    margin : float, default 0.1
        Half-width of the empty band around the line (>= 0).

    Returns
    -------
    X : numpy.ndarray of float64, shape (n, 2)
        The points.
    y : numpy.ndarray of int64, shape (n,)
        1 where ``x0 + x1 > 0`` (before noise), else 0.

    Examples
    --------
    >>> X, y = linear(100, seed=0, margin=0.2)
    >>> d = (X[:, 0] + X[:, 1]) / np.sqrt(2)
    >>> bool(np.all(d[y == 1] >= 0.2) and np.all(d[y == 0] <= -0.2))
    True
    """
    fname = "linear"
    n = _check_int(n, "n", fname, 2, "one point per class, 2 classes")
    noise = _check_nonneg(noise, "noise", fname)
    margin = _check_nonneg(margin, "margin", fname)
    rng = _rng(seed, fname)
    n0, n1 = _class_sizes(n, 2)
    y = np.repeat([0, 1], [n0, n1])
    sign = np.where(y == 1, 1.0, -1.0)
    dist = sign * (margin + rng.uniform(0.0, 1.0, size=n))
    along = rng.uniform(-1.5, 1.5, size=n)
    X = dist[:, None] * _LINEAR_NORMAL + along[:, None] * _LINEAR_ALONG
    return _finish(rng, X, y, noise)


# ---------------------------------------------------------------------------
# splitting
# ---------------------------------------------------------------------------


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
    >>> X, y = circles(100, seed=0)
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
    if not _is_real(test_fraction):
        raise TypeError(
            f"{fname}: test_fraction must be a real number, got {test_fraction!r} "
            f"of type {type(test_fraction).__name__}"
        )
    f = float(test_fraction)
    if not 0.0 < f < 1.0:
        raise ValueError(f"{fname}: test_fraction must satisfy 0 < test_fraction < 1, got {f!r}")
    rng = _rng(seed, fname)

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


# ---------------------------------------------------------------------------
# scikit-learn compatible moons
# ---------------------------------------------------------------------------


def _legacy_state(random_state, fname: str) -> np.random.RandomState:
    """Resolve ``random_state`` the way scikit-learn does."""
    if random_state is None:
        # numpy's legacy global generator, the one np.random.seed() seeds.
        return np.random.mtrand._rand
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if _is_int(random_state):
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
        n_out = _check_int(n_samples[0], "n_samples[0]", fname, 0)
        n_in = _check_int(n_samples[1], "n_samples[1]", fname, 0)
        if n_out + n_in < 1:
            raise ValueError(f"{fname}: n_samples must add up to >= 1, got {n_samples!r}")
    else:
        total = _check_int(n_samples, "n_samples", fname, 1)
        n_out = total // 2
        n_in = total - n_out
    if noise is not None:
        noise = _check_nonneg(noise, "noise", fname)
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
