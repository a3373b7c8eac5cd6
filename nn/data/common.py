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
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_int_arg(value, name: str, fname: str, minimum: int, why: str = "") -> int:
    """Return ``value`` as an int, insisting that it is an integer >= minimum."""
    if not is_int(value):
        raise TypeError(f"{fname}: {name} must be an integer, got {value!r} of type {type(value).__name__}")
    value = int(value)
    if value < minimum:
        extra = f" ({why})" if why else ""
        raise ValueError(f"{fname}: {name} must be >= {minimum}{extra}, got {value}")
    return value


def check_nonneg_arg(value, name: str, fname: str) -> float:
    """Return ``value`` as a float, insisting on a finite real number >= 0."""
    if not is_real(value):
        raise TypeError(f"{fname}: {name} must be a real number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"{fname}: {name} must be a finite number >= 0, got {value!r}")
    return value


def make_generator(seed, fname: str) -> np.random.Generator:
    """Turn ``seed`` (int or Generator) into a numpy Generator."""
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
    """Split ``n`` into ``k`` sizes differing by at most one (extras first)."""
    base, extra = divmod(n, k)
    return [base + (1 if j < extra else 0) for j in range(k)]


def jitter_and_shuffle(rng: np.random.Generator, X: np.ndarray, y: np.ndarray, noise: float):
    """Add Gaussian jitter, shuffle the rows and fix the dtypes."""
    X = np.asarray(X, dtype=np.float64)
    X = X + rng.normal(0.0, noise, size=X.shape)
    order = rng.permutation(len(y))
    return (
        np.ascontiguousarray(X[order], dtype=np.float64),
        np.ascontiguousarray(np.asarray(y)[order], dtype=np.int64),
    )


def uniform_annulus(rng: np.random.Generator, m: int, r_lo: float, r_hi: float):
    """``m`` points spread uniformly over the area of an annulus."""
    radius = np.sqrt(rng.uniform(r_lo * r_lo, r_hi * r_hi, size=m))
    angle = rng.uniform(0.0, 2.0 * math.pi, size=m)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
