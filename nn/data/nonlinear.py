"""Datasets no straight line separates: circles, moons, xor and spiral."""

from __future__ import annotations

import math

import numpy as np

from .common import (
    check_int_arg,
    check_nonneg_arg,
    class_sizes,
    is_real,
    jitter_and_shuffle,
    make_generator,
    uniform_annulus,
)

__all__ = ["circles", "moons", "xor", "spiral"]

# Geometry constants (documented in the docstrings that use them).
_CIRCLES_RING = (1.0, 1.5)  # radii bounding the outer ring in `circles`
_XOR_RANGE = (0.1, 1.0)  # |coordinate| range inside each `xor` quadrant
_SPIRAL_TURN = 1.5 * math.pi  # angle swept by one `spiral` arm from r=0 to r=1


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
    n = check_int_arg(n, "n", fname, 2, "one point per class, 2 classes")
    noise = check_nonneg_arg(noise, "noise", fname)
    if not is_real(factor):
        raise TypeError(f"{fname}: factor must be a real number, got {factor!r} of type {type(factor).__name__}")
    factor = float(factor)
    if not 0.0 < factor < 1.0:
        raise ValueError(
            f"{fname}: factor must satisfy 0 < factor < 1 (inner disc radius "
            f"relative to the ring's inner radius 1.0), got {factor!r}"
        )
    rng = make_generator(seed, fname)
    n0, n1 = class_sizes(n, 2)
    inner = uniform_annulus(rng, n0, 0.0, factor)
    outer = uniform_annulus(rng, n1, *_CIRCLES_RING)
    X = np.concatenate([inner, outer])
    y = np.repeat([0, 1], [n0, n1])
    return jitter_and_shuffle(rng, X, y, noise)


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
    n = check_int_arg(n, "n", fname, 2, "one point per class, 2 classes")
    noise = check_nonneg_arg(noise, "noise", fname)
    rng = make_generator(seed, fname)
    n0, n1 = class_sizes(n, 2)
    t0 = rng.uniform(0.0, math.pi, size=n0)
    t1 = rng.uniform(0.0, math.pi, size=n1)
    upper = np.column_stack([np.cos(t0) - 0.5, np.sin(t0) - 0.25])
    lower = np.column_stack([0.5 - np.cos(t1), 0.25 - np.sin(t1)])
    X = np.concatenate([upper, lower])
    y = np.repeat([0, 1], [n0, n1])
    return jitter_and_shuffle(rng, X, y, noise)


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
    n = check_int_arg(n, "n", fname, 2, "one point per class, 2 classes")
    noise = check_nonneg_arg(noise, "noise", fname)
    rng = make_generator(seed, fname)
    signs = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=np.float64)
    sizes = class_sizes(n, 4)
    lo, hi = _XOR_RANGE
    parts = [rng.uniform(lo, hi, size=(m, 2)) * s for m, s in zip(sizes, signs, strict=True)]
    X = np.concatenate(parts)
    y = np.repeat([0, 1, 0, 1], sizes)
    return jitter_and_shuffle(rng, X, y, noise)


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
    k = check_int_arg(classes, "classes", fname, 2, "a classifier needs two classes")
    n = check_int_arg(n, "n", fname, k, f"one point per class, classes={k}")
    noise = check_nonneg_arg(noise, "noise", fname)
    rng = make_generator(seed, fname)
    sizes = class_sizes(n, k)
    parts = []
    for j, m in enumerate(sizes):
        r = rng.uniform(0.0, 1.0, size=m)
        theta = 2.0 * math.pi * j / k + _SPIRAL_TURN * r
        parts.append(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
    X = np.concatenate(parts)
    y = np.repeat(np.arange(k), sizes)
    return jitter_and_shuffle(rng, X, y, noise)
