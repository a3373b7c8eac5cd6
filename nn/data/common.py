"""What every dataset generator shares: argument checks, the seed, class sizes, the final jitter and shuffle."""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "is_int",
    "is_real",
    "check_int_arg",
    "check_nonneg_arg",
    "make_generator",
    "class_sizes",
    "jitter_and_shuffle",
    "uniform_annulus",
]


def is_int(value) -> bool:
    """Whether ``value`` is an integer (a Python or numpy int, not a bool).

    Examples
    --------
    >>> is_int(np.int64(3)), is_int(True), is_int(3.0)
    (True, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_real(value) -> bool:
    """Whether ``value`` is a real number (not a bool).

    Examples
    --------
    >>> is_real(0.5), is_real(np.float32(1)), is_real(False)
    (True, True, False)
    """
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_int_arg(value, name: str, fname: str, minimum: int, why: str = "") -> int:
    """Return ``value`` as an int, insisting that it is an integer >= minimum.

    A non-integer is a TypeError, a small one a ValueError (with ``why`` in parentheses).

    Examples
    --------
    >>> check_int_arg(1, "n", "circles", 2, "one point per class, 2 classes")
    Traceback (most recent call last):
    ...
    ValueError: circles: n must be >= 2 (one point per class, 2 classes), got 1
    """
    if not is_int(value):
        raise TypeError(f"{fname}: {name} must be an integer, got {value!r} of type {type(value).__name__}")
    value = int(value)
    if value < minimum:
        extra = f" ({why})" if why else ""
        raise ValueError(f"{fname}: {name} must be >= {minimum}{extra}, got {value}")
    return value


def check_nonneg_arg(value, name: str, fname: str) -> float:
    """Return ``value`` as a float, insisting on a finite real number >= 0.

    Examples
    --------
    >>> check_nonneg_arg(1, "noise", "moons")
    1.0
    """
    if not is_real(value):
        raise TypeError(f"{fname}: {name} must be a real number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"{fname}: {name} must be a finite number >= 0, got {value!r}")
    return value


def make_generator(seed, fname: str) -> np.random.Generator:
    """Turn ``seed`` (int or Generator) into a numpy Generator; a Generator is used as it is.

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> make_generator(g, "xor") is g, int(make_generator(3, "xor").integers(100))
    (True, 81)
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if not is_int(seed):
        raise TypeError(
            f"{fname}: seed must be an int or a numpy.random.Generator, got {seed!r} of type {type(seed).__name__}"
        )
    if seed < 0:
        raise ValueError(f"{fname}: seed must be a non-negative int, got {seed}")
    return np.random.default_rng(int(seed))


def class_sizes(n: int, k: int) -> list[int]:
    """Split ``n`` into ``k`` sizes differing by at most one (extras first).

    Examples
    --------
    >>> class_sizes(10, 3)
    [4, 3, 3]
    """
    base, extra = divmod(n, k)
    return [base + (1 if j < extra else 0) for j in range(k)]


def jitter_and_shuffle(rng: np.random.Generator, X: np.ndarray, y: np.ndarray, noise: float):
    """Add Gaussian jitter, shuffle the rows and fix the dtypes: the last step of every generator.

    Examples
    --------
    >>> X, y = jitter_and_shuffle(np.random.default_rng(0), np.zeros((3, 2)), [0, 1, 1], 0.0)
    >>> X.dtype, y.dtype, sorted(y.tolist())
    (dtype('float64'), dtype('int64'), [0, 1, 1])
    """
    X = np.asarray(X, dtype=np.float64)
    X = X + rng.normal(0.0, noise, size=X.shape)
    order = rng.permutation(len(y))
    return (
        np.ascontiguousarray(X[order], dtype=np.float64),
        np.ascontiguousarray(np.asarray(y)[order], dtype=np.int64),
    )


def uniform_annulus(rng: np.random.Generator, m: int, r_lo: float, r_hi: float):
    """``m`` points spread uniformly over the area of the annulus between radii ``r_lo`` and ``r_hi``.

    Examples
    --------
    >>> P = uniform_annulus(np.random.default_rng(0), 50, 1.0, 1.5)
    >>> r = np.hypot(P[:, 0], P[:, 1])
    >>> P.shape, bool(r.min() >= 1.0 and r.max() <= 1.5)
    ((50, 2), True)
    """
    radius = np.sqrt(rng.uniform(r_lo * r_lo, r_hi * r_hi, size=m))
    angle = rng.uniform(0.0, 2.0 * math.pi, size=m)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
