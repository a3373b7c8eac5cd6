"""Datasets a linear classifier can solve: Gaussian blobs and two classes on either side of a line."""

from __future__ import annotations

import math
import numbers

import numpy as np

from .common import check_int_arg, check_nonneg_arg, class_sizes, is_int, jitter_and_shuffle, make_generator

__all__ = ["gaussians", "linear"]

# Geometry constants (documented in the docstrings that use them).
_GAUSSIANS_RADIUS = 3.0  # radius of the circle holding `gaussians` centres
_LINEAR_NORMAL = np.array([1.0, 1.0]) / math.sqrt(2.0)  # unit normal of the line
_LINEAR_ALONG = np.array([1.0, -1.0]) / math.sqrt(2.0)  # unit direction of the line


def _check_centers(centers, fname: str) -> np.ndarray:
    """Turn ``centers`` (an int or a (k, 2) array) into a (k, 2) float array."""
    if is_int(centers):
        k = check_int_arg(centers, "centers", fname, 1)
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
    n = check_int_arg(n, "n", fname, k, f"one point per blob, {k} centres")
    noise = check_nonneg_arg(noise, "noise", fname)
    rng = make_generator(seed, fname)
    sizes = class_sizes(n, k)
    y = np.repeat(np.arange(k), sizes)
    X = c[y]
    return jitter_and_shuffle(rng, X, y, noise)


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
    n = check_int_arg(n, "n", fname, 2, "one point per class, 2 classes")
    noise = check_nonneg_arg(noise, "noise", fname)
    margin = check_nonneg_arg(margin, "margin", fname)
    rng = make_generator(seed, fname)
    n0, n1 = class_sizes(n, 2)
    y = np.repeat([0, 1], [n0, n1])
    sign = np.where(y == 1, 1.0, -1.0)
    dist = sign * (margin + rng.uniform(0.0, 1.0, size=n))
    along = rng.uniform(-1.5, 1.5, size=n)
    X = dist[:, None] * _LINEAR_NORMAL + along[:, None] * _LINEAR_ALONG
    return jitter_and_shuffle(rng, X, y, noise)
