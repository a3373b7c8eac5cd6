"""Tests for nn/data.py: toy 2-D datasets, split and make_moons."""

from __future__ import annotations

import ast
import doctest
import importlib
import importlib.util
import itertools
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

DATA_PATH = Path(__file__).resolve().parents[2] / "nn" / "data" / "__init__.py"  # a package of small modules


def _load_data_module():
    """Import ``nn.data``; if the package is not importable yet, load by path."""
    try:
        mod = importlib.import_module("nn.data")
        if Path(mod.__file__).resolve() == DATA_PATH:
            return mod
    except Exception:  # nn/__init__.py missing, half-written or unrelated
        pass
    spec = importlib.util.spec_from_file_location(
        "_layergrad_nn_data", DATA_PATH, submodule_search_locations=[str(DATA_PATH.parent)]
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # so the package's relative imports find it
    spec.loader.exec_module(mod)
    return mod


data = _load_data_module()

# name -> (function, number of classes with default arguments)
GENERATORS = {
    "circles": (data.circles, 2),
    "moons": (data.moons, 2),
    "xor": (data.xor, 2),
    "spiral": (data.spiral, 3),
    "gaussians": (data.gaussians, 2),
    "linear": (data.linear, 2),
}
GEN_NAMES = sorted(GENERATORS)

FAST = settings(max_examples=25, deadline=None)


def _gen(name):
    return GENERATORS[name][0]


# ---------------------------------------------------------------------------
# shapes, dtypes, balance, reproducibility
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", GEN_NAMES)
@pytest.mark.parametrize("n", [2, 3, 7, 100, 301])
def test_shapes_dtypes_and_labels(name, n):
    fn, k = GENERATORS[name]
    n = max(n, k)
    X, y = fn(n, seed=3)
    assert isinstance(X, np.ndarray) and isinstance(y, np.ndarray)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert X.flags.c_contiguous
    assert np.all(np.isfinite(X))
    # labels are exactly 0..k-1, every class present
    assert sorted(set(y.tolist())) == list(range(k))


@pytest.mark.parametrize("name", GEN_NAMES)
def test_default_n(name):
    fn, _ = GENERATORS[name]
    X, y = fn()
    expected = 300 if name == "spiral" else 200
    assert X.shape == (expected, 2) and y.shape == (expected,)


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda: data.circles(7), [4, 3]),
        (lambda: data.moons(9), [5, 4]),
        (lambda: data.linear(5), [3, 2]),
        (lambda: data.xor(7), [4, 3]),  # quadrants 2,2,2,1 -> (+,+),(-,-) are class 0
        (lambda: data.xor(6), [3, 3]),
        (lambda: data.spiral(10, classes=3), [4, 3, 3]),
        (lambda: data.spiral(11, classes=4), [3, 3, 3, 2]),
        (lambda: data.gaussians(8, centers=3), [3, 3, 2]),
        (lambda: data.gaussians(200), [100, 100]),
    ],
)
def test_class_sizes_are_as_even_as_possible(call, expected):
    _, y = call()
    assert np.bincount(y).tolist() == expected


@pytest.mark.parametrize("name", GEN_NAMES)
def test_same_seed_same_data_other_seed_other_data(name):
    fn = _gen(name)
    X1, y1 = fn(120, seed=11)
    X2, y2 = fn(120, seed=11)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, y3 = fn(120, seed=12)
    assert not np.array_equal(X1, X3)
    # default seed is 0 and deterministic too
    np.testing.assert_array_equal(fn(120)[0], fn(120, seed=0)[0])


@pytest.mark.parametrize("name", GEN_NAMES)
def test_generator_seed_is_used_in_place(name):
    fn = _gen(name)
    X_int, y_int = fn(50, seed=5)
    X_gen, y_gen = fn(50, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(X_int, X_gen)
    np.testing.assert_array_equal(y_int, y_gen)
    # a shared generator advances: two calls give different data
    g = np.random.default_rng(5)
    Xa, _ = fn(50, seed=g)
    Xb, _ = fn(50, seed=g)
    assert not np.array_equal(Xa, Xb)
    # numpy integer seeds are accepted like ints
    np.testing.assert_array_equal(fn(50, seed=np.int64(5))[0], X_int)


@pytest.mark.parametrize("name", GEN_NAMES)
def test_rows_are_shuffled(name):
    _, y = _gen(name)(200, seed=0)
    # not laid out class by class
    assert np.count_nonzero(np.diff(y)) > 20


@pytest.mark.parametrize("name", GEN_NAMES)
def test_noise_is_gaussian_with_given_std(name):
    # The same seed draws the same standard normals whatever the scale, so
    # the difference between a noisy and a clean draw is exactly the noise.
    fn = _gen(name)
    clean, y_clean = fn(3000, noise=0.0, seed=4)
    noisy, y_noisy = fn(3000, noise=0.3, seed=4)
    np.testing.assert_array_equal(y_clean, y_noisy)
    diff = noisy - clean
    assert abs(diff.mean()) < 0.02
    assert diff.std() == pytest.approx(0.3, rel=0.05)
    assert abs(np.corrcoef(diff[:, 0], diff[:, 1])[0, 1]) < 0.06


@FAST
@given(
    name=st.sampled_from(GEN_NAMES),
    n=st.integers(min_value=3, max_value=400),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    noise=st.floats(min_value=0.0, max_value=2.0),
)
def test_hypothesis_any_n_and_seed(name, n, seed, noise):
    fn, k = GENERATORS[name]
    X, y = fn(n, noise=noise, seed=seed)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.all(np.isfinite(X))
    counts = np.bincount(y, minlength=k)
    assert len(counts) == k and counts.sum() == n
    assert counts.max() - counts.min() <= 1
    X2, y2 = fn(n, noise=noise, seed=seed)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


# ---------------------------------------------------------------------------
# geometry
# ---------------------------------------------------------------------------


def _radius(X):
    return np.hypot(X[:, 0], X[:, 1])


@pytest.mark.parametrize("factor", [0.1, 0.5, 0.8, 0.99])
def test_circles_inner_disc_inside_outer_ring(factor):
    X, y = data.circles(500, noise=0.0, seed=2, factor=factor)
    r = _radius(X)
    assert r[y == 0].max() <= factor
    assert r[y == 1].min() >= 1.0
    assert r[y == 1].max() <= 1.5
    assert r[y == 0].max() < r[y == 1].min()


def test_circles_fill_the_areas_uniformly():
    X, y = data.circles(8000, noise=0.0, seed=0, factor=0.5)
    r = _radius(X)
    inner, outer = r[y == 0], r[y == 1]
    # Uniform over the disc: half of the area lies within radius 0.5/sqrt(2).
    assert np.mean(inner <= 0.5 / math.sqrt(2)) == pytest.approx(0.5, abs=0.03)
    # Uniform over the ring 1..1.5: half of its area lies within sqrt(1.625).
    assert np.mean(outer <= math.sqrt(1.625)) == pytest.approx(0.5, abs=0.03)
    # and all around: every quarter of angles gets about a quarter
    quarter = np.floor((np.arctan2(X[:, 1], X[:, 0]) + math.pi) / (math.pi / 2))
    assert np.all(np.abs(np.bincount(quarter.astype(int), minlength=4) / 8000 - 0.25) < 0.03)


def test_circles_not_linearly_separable():
    # The centroids of both classes coincide (both are near the origin), so
    # no line can put one class on each side.
    X, y = data.circles(4000, noise=0.0, seed=1)
    assert np.linalg.norm(X[y == 0].mean(0)) < 0.05
    assert np.linalg.norm(X[y == 1].mean(0)) < 0.05


def test_moons_points_lie_on_their_arcs():
    X, y = data.moons(400, noise=0.0, seed=3)
    up, low = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(up[:, 0] + 0.5, up[:, 1] + 0.25), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(low[:, 0] - 0.5, low[:, 1] - 0.25), 1.0, atol=1e-12)
    assert np.all(up[:, 1] >= -0.25 - 1e-12)
    assert np.all(low[:, 1] <= 0.25 + 1e-12)
    # the moons interleave: each one reaches past the other's centre line
    assert up[:, 1].min() < low[:, 1].max()
    assert np.linalg.norm(X.mean(0)) < 0.1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_label_is_sign_xor(seed):
    X, y = data.xor(400, noise=0.0, seed=seed)
    expected = (X[:, 0] > 0) ^ (X[:, 1] > 0)
    np.testing.assert_array_equal(y, expected.astype(np.int64))
    a = np.abs(X)
    assert a.min() >= 0.1 and a.max() <= 1.0
    quadrant = (X[:, 0] > 0).astype(int) * 2 + (X[:, 1] > 0).astype(int)
    assert np.bincount(quadrant, minlength=4).tolist() == [100, 100, 100, 100]


def test_xor_tiny_n_has_both_classes():
    _, y = data.xor(2, noise=0.0)
    assert sorted(y.tolist()) == [0, 1]


@pytest.mark.parametrize("classes", [2, 3, 4, 7])
def test_spiral_has_k_arms_on_the_documented_curve(classes):
    X, y = data.spiral(70 * classes, noise=0.0, seed=9, classes=classes)
    assert sorted(set(y.tolist())) == list(range(classes))
    r = _radius(X)
    assert r.max() <= 1.0
    # angle - 1.5*pi*r must be the arm's start angle 2*pi*j/k (mod 2*pi)
    start = np.arctan2(X[:, 1], X[:, 0]) - 1.5 * math.pi * r
    expected = 2 * math.pi * y / classes
    delta = np.angle(np.exp(1j * (start - expected)))
    far = r > 1e-9  # the angle is undefined at the origin itself
    np.testing.assert_allclose(delta[far], 0.0, atol=1e-9)


def test_gaussians_default_centres_on_circle_of_radius_3():
    X, y = data.gaussians(6, noise=0.0, centers=3)
    for j in range(3):
        a = 2 * math.pi * j / 3
        np.testing.assert_allclose(X[y == j], [[3 * math.cos(a), 3 * math.sin(a)]] * 2, atol=1e-12)
    X, y = data.gaussians(4, noise=0.0)
    np.testing.assert_allclose(X[y == 0], [[3.0, 0.0]] * 2, atol=1e-12)
    np.testing.assert_allclose(X[y == 1], [[-3.0, 0.0]] * 2, atol=1e-12)


def test_gaussians_explicit_centres_means_and_spread():
    centres = np.array([[0.0, 0.0], [10.0, -4.0], [-6.0, 8.0]])
    X, y = data.gaussians(6000, noise=0.5, centers=centres, seed=1)
    for j, c in enumerate(centres):
        pts = X[y == j]
        np.testing.assert_allclose(pts.mean(0), c, atol=0.05)
        np.testing.assert_allclose(pts.std(0), [0.5, 0.5], rtol=0.06)
    # integer and list centres work too, and a single blob is allowed
    X, y = data.gaussians(3, noise=0.0, centers=[[1, 2]])
    assert X.tolist() == [[1.0, 2.0]] * 3 and y.tolist() == [0, 0, 0]


@pytest.mark.parametrize("margin", [0.0, 0.1, 0.5])
def test_linear_separated_by_known_line_with_margin(margin):
    X, y = data.linear(500, noise=0.0, seed=6, margin=margin)
    d = (X[:, 0] + X[:, 1]) / math.sqrt(2)
    assert np.all(d[y == 1] >= margin - 1e-12)
    assert np.all(d[y == 0] <= -margin + 1e-12)
    assert d[y == 1].max() <= margin + 1 + 1e-12
    along = (X[:, 0] - X[:, 1]) / math.sqrt(2)
    assert np.abs(along).max() <= 1.5 + 1e-12
    # the margin is attained closely (the band is really that narrow)
    assert d[y == 1].min() < margin + 0.02


def test_linear_perceptron_finds_a_separating_line():
    X, y = data.linear(200, seed=0, margin=0.1)
    s = np.where(y == 1, 1.0, -1.0)
    w, b = np.zeros(2), 0.0
    for _ in range(100):
        wrong = s * (X @ w + b) <= 0
        if not wrong.any():
            break
        i = np.flatnonzero(wrong)[0]
        w, b = w + s[i] * X[i], b + s[i]
    assert np.all(s * (X @ w + b) > 0)


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", GEN_NAMES)
def test_bad_n_seed_noise(name):
    fn, k = GENERATORS[name]
    with pytest.raises(ValueError, match=rf"{name}: n must be >= {k} .*got 0"):
        fn(0)
    with pytest.raises(ValueError, match=rf"{name}: n must be >= .*got -5"):
        fn(-5)
    with pytest.raises(ValueError, match=rf"{name}: n must be >= {k} .*got 1"):
        fn(1)
    with pytest.raises(TypeError, match=rf"{name}: n must be an integer, got 10.5"):
        fn(10.5)
    with pytest.raises(TypeError, match=rf"{name}: n must be an integer, got True"):
        fn(True)
    with pytest.raises(ValueError, match=rf"{name}: noise must be a finite number >= 0, got -0.1"):
        fn(10, noise=-0.1)
    with pytest.raises(ValueError, match=rf"{name}: noise must be .*got nan"):
        fn(10, noise=float("nan"))
    with pytest.raises(TypeError, match=rf"{name}: noise must be a real number, got 'big'"):
        fn(10, noise="big")
    with pytest.raises(
        TypeError,
        match=rf"{name}: seed must be an int or a numpy.random.Generator, "
        r"got None",
    ):
        fn(10, seed=None)
    with pytest.raises(TypeError, match=rf"{name}: seed must be an int .*got 1.5"):
        fn(10, seed=1.5)
    with pytest.raises(ValueError, match=rf"{name}: seed must be a non-negative int, got -1"):
        fn(10, seed=-1)


def test_bad_circles_factor():
    for bad in (0, 0.0, 1.0, 1.2, -0.3):
        with pytest.raises(ValueError, match=r"circles: factor must satisfy 0 < factor < 1"):
            data.circles(10, factor=bad)
    with pytest.raises(TypeError, match=r"circles: factor must be a real number, got None"):
        data.circles(10, factor=None)


def test_bad_spiral_classes():
    with pytest.raises(ValueError, match=r"spiral: classes must be >= 2.*got 1"):
        data.spiral(10, classes=1)
    with pytest.raises(ValueError, match=r"spiral: classes must be >= 2.*got 0"):
        data.spiral(10, classes=0)
    with pytest.raises(TypeError, match=r"spiral: classes must be an integer, got 2.0"):
        data.spiral(10, classes=2.0)
    with pytest.raises(ValueError, match=r"spiral: n must be >= 5 .*classes=5.*got 4"):
        data.spiral(4, classes=5)


def test_bad_gaussians_centers():
    with pytest.raises(ValueError, match=r"gaussians: centers must be >= 1, got 0"):
        data.gaussians(10, centers=0)
    with pytest.raises(
        ValueError,
        match=r"gaussians: centers must be an int or an array of shape "
        r"\(k, 2\).*shape \(3,\)",
    ):
        data.gaussians(10, centers=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"shape \(k, 2\).*got an array of shape \(2, 3\)"):
        data.gaussians(10, centers=np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"shape \(k, 2\).*got an array of shape \(0, 2\)"):
        data.gaussians(10, centers=np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"shape \(k, 2\).*shape \(1, 2, 2\)"):
        data.gaussians(10, centers=np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match=r"gaussians: centers must be finite"):
        data.gaussians(10, centers=[[0.0, np.inf], [1.0, 1.0]])
    with pytest.raises(TypeError, match=r"gaussians: centers must be an int or an array .*got 2.5"):
        data.gaussians(10, centers=2.5)
    with pytest.raises(TypeError, match=r"gaussians: centers must be an int or an array .*got True"):
        data.gaussians(10, centers=True)
    with pytest.raises(TypeError, match=r"gaussians: centers must hold real numbers.*dtype <U1"):
        data.gaussians(10, centers=[["a", "b"]])
    with pytest.raises(ValueError, match=r"gaussians: n must be >= 4 .*4 centres.*got 3"):
        data.gaussians(3, centers=4)


def test_bad_linear_margin():
    with pytest.raises(ValueError, match=r"linear: margin must be a finite number >= 0, got -0.5"):
        data.linear(10, margin=-0.5)
    with pytest.raises(TypeError, match=r"linear: margin must be a real number, got None"):
        data.linear(10, margin=None)


# ---------------------------------------------------------------------------
# split
# ---------------------------------------------------------------------------


def _indexed(n, k=2):
    """X whose rows carry their own index, so we can trace where rows went."""
    X = np.column_stack([np.arange(n, dtype=np.float64), np.arange(n) * 10.0])
    y = np.arange(n) % k
    return X, y


def test_split_sizes_and_permutation():
    X, y = _indexed(100)
    X_tr, X_te, y_tr, y_te = data.split(X, y, test_fraction=0.25, seed=0)
    assert X_tr.shape == (75, 2) and X_te.shape == (25, 2)
    assert y_tr.shape == (75,) and y_te.shape == (25,)
    rows = np.concatenate([X_tr[:, 0], X_te[:, 0]]).astype(int)
    assert sorted(rows.tolist()) == list(range(100))
    # rows keep their labels and their other columns
    np.testing.assert_array_equal(y_tr, X_tr[:, 0].astype(int) % 2)
    np.testing.assert_array_equal(X_te[:, 1], X_te[:, 0] * 10.0)
    # the order is shuffled, not the original
    assert not np.array_equal(X_tr[:, 0], np.sort(X_tr[:, 0]))
    assert y_tr.dtype == y.dtype and X_tr.dtype == X.dtype


def test_split_is_stratified():
    X, y = data.spiral(300, seed=0)
    _, _, y_tr, y_te = data.split(X, y, test_fraction=0.2, seed=3)
    assert np.bincount(y_te).tolist() == [20, 20, 20]
    assert np.bincount(y_tr).tolist() == [80, 80, 80]
    # unbalanced labels: 90 zeros and 10 ones, 30 % to test -> 27 + 3
    y = np.array([0] * 90 + [1] * 10)
    _, _, _, y_te = data.split(np.zeros((100, 2)), y, test_fraction=0.3, seed=1)
    assert np.bincount(y_te).tolist() == [27, 3]


def test_split_reproducible_and_seed_dependent():
    X, y = data.moons(80, seed=0)
    a = data.split(X, y, seed=4)
    b = data.split(X, y, seed=4)
    c = data.split(X, y, seed=5)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[1], c[1])
    d = data.split(X, y, seed=np.random.default_rng(4))
    np.testing.assert_array_equal(a[0], d[0])


def test_split_unique_targets_is_still_random():
    # with all-distinct y every "class" is one row: the test rows must not be
    # simply the smallest y values
    X = np.arange(40.0)[:, None]
    y = np.arange(40)
    _, _, _, y_te = data.split(X, y, test_fraction=0.25, seed=0)
    assert len(y_te) == 10 and sorted(y_te.tolist()) != list(range(10))


def test_split_other_shapes_and_clamping():
    X = np.arange(24).reshape(6, 2, 2)
    y = np.array([0, 1, 0, 1, 0, 1])
    X_tr, X_te, y_tr, y_te = data.split(X, y, test_fraction=0.5)
    assert X_tr.shape == (3, 2, 2) and X_te.shape == (3, 2, 2)
    # tiny fractions still leave one test row, huge ones one training row
    assert len(data.split(X, y, test_fraction=0.01)[3]) == 1
    assert len(data.split(X, y, test_fraction=0.99)[2]) == 1
    # lists are accepted
    parts = data.split([[0, 0], [1, 1], [2, 2], [3, 3]], [0, 1, 0, 1], test_fraction=0.5)
    assert [len(p) for p in parts] == [2, 2, 2, 2]


@FAST
@given(
    n=st.integers(min_value=2, max_value=300),
    k=st.integers(min_value=1, max_value=5),
    frac=st.floats(min_value=0.01, max_value=0.99),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_split_hypothesis(n, k, frac, seed):
    X, y = _indexed(n, k)
    X_tr, X_te, y_tr, y_te = data.split(X, y, test_fraction=frac, seed=seed)
    n_test = min(max(round(frac * n), 1), n - 1)
    assert len(X_te) == len(y_te) == n_test
    assert len(X_tr) == len(y_tr) == n - n_test
    rows = np.concatenate([X_tr[:, 0], X_te[:, 0]]).astype(int)
    assert np.array_equal(np.sort(rows), np.arange(n))
    assert np.array_equal(y_te, X_te[:, 0].astype(int) % k)
    # stratified: each class's test share is within one of its exact quota
    for c in range(k):
        m = np.count_nonzero(y == c)
        got = np.count_nonzero(y_te == c)
        assert abs(got - m * n_test / n) < 1


def test_split_bad_input():
    X, y = _indexed(10)
    with pytest.raises(
        ValueError,
        match=r"split: X and y must have the same length, "
        r"got len\(X\)=10 and len\(y\)=9",
    ):
        data.split(X, y[:9])
    with pytest.raises(ValueError, match=r"split: y must be 1-D of shape \(n,\), got shape \(10, 1\)"):
        data.split(X, y[:, None])
    with pytest.raises(ValueError, match=r"split: X must have at least one dimension"):
        data.split(np.float64(1.0), y)
    for bad in (0, 0.0, 1, 1.0, -0.2, 1.5, float("nan")):
        with pytest.raises(ValueError, match=r"split: test_fraction must satisfy 0 < test_fraction < 1"):
            data.split(X, y, test_fraction=bad)
    with pytest.raises(TypeError, match=r"split: test_fraction must be a real number, got '0.2'"):
        data.split(X, y, test_fraction="0.2")
    with pytest.raises(ValueError, match=r"split: need at least 2 samples.*got 1"):
        data.split(X[:1], y[:1])
    with pytest.raises(TypeError, match=r"split: seed must be an int"):
        data.split(X, y, seed="x")


# ---------------------------------------------------------------------------
# make_moons (scikit-learn compatible)
# ---------------------------------------------------------------------------

# Reference values produced by scikit-learn 1.9.1 (with numpy 2.4.6):
#   np.random.seed(1337); X, y = sklearn.datasets.make_moons(n_samples=100, noise=0.1)
SK_X_HEAD = [
    [1.1221146075409685, 0.08147717341718697],
    [-0.8188294130836691, 0.058790063907949996],
    [1.613709660987544, -0.12464590012238597],
]
SK_X_LAST = [0.12108297264758441, 1.0655522522437006]
SK_Y_HEAD = [0, 0, 1, 0, 1, 1, 1, 1, 1, 0]
SK_Y_TAIL = [1, 0, 1, 1, 0]
SK_X_SUM = 78.61023442501713
SK_X_COL_SUMS = [52.103976393758344, 26.506258031258774]
SK_NEXT_GLOBAL = 0.45263179620258687  # np.random.random() right after the call
#   X, y = make_moons(n_samples=10, noise=0.2, random_state=0)
SK_RS0_X_LAST = [0.4539509247975215, 0.20912686508024703]
SK_RS0_Y = [0, 1, 0, 1, 0, 1, 1, 0, 0, 1]


@pytest.fixture
def restore_global_state():
    saved = np.random.get_state()
    yield
    np.random.set_state(saved)


def _check_reference(X, y):
    assert X.shape == (100, 2) and X.dtype == np.float64 and y.dtype == np.int64
    # (tolerances only guard against a different libm on another platform)
    np.testing.assert_allclose(X[:3], SK_X_HEAD, rtol=1e-13, atol=0)
    np.testing.assert_allclose(X[-1], SK_X_LAST, rtol=1e-13, atol=0)
    assert y[:10].tolist() == SK_Y_HEAD and y[-5:].tolist() == SK_Y_TAIL
    assert X.sum() == pytest.approx(SK_X_SUM, rel=1e-13)
    np.testing.assert_allclose(X.sum(axis=0), SK_X_COL_SUMS, rtol=1e-13)
    assert int(y.sum()) == 50


def test_make_moons_matches_recorded_sklearn_values_global_seed(restore_global_state):
    np.random.seed(1337)
    X, y = data.make_moons(n_samples=100, noise=0.1)
    _check_reference(X, y)
    # the global generator was advanced exactly as scikit-learn advances it
    assert np.random.random() == SK_NEXT_GLOBAL


def test_make_moons_matches_recorded_sklearn_values_explicit_state():
    _check_reference(*data.make_moons(100, noise=0.1, random_state=np.random.RandomState(1337)))
    _check_reference(*data.make_moons(100, noise=0.1, random_state=1337))
    X, y = data.make_moons(10, noise=0.2, random_state=0)
    np.testing.assert_allclose(X[-1], SK_RS0_X_LAST, rtol=1e-13)
    assert y.tolist() == SK_RS0_Y


def test_make_moons_unshuffled_geometry():
    X, y = data.make_moons(9, shuffle=False)
    assert y.tolist() == [0] * 4 + [1] * 5
    t_out = np.linspace(0, np.pi, 4)
    t_in = np.linspace(0, np.pi, 5)
    np.testing.assert_allclose(X[:4], np.column_stack([np.cos(t_out), np.sin(t_out)]), atol=1e-15)
    np.testing.assert_allclose(X[4:], np.column_stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)]), atol=1e-15)
    # without noise and shuffle no randomness is involved at all
    np.testing.assert_array_equal(X, data.make_moons(9, shuffle=False, random_state=5)[0])


def test_make_moons_tuple_and_noise_none(restore_global_state):
    X, y = data.make_moons((3, 5), shuffle=False)
    assert X.shape == (8, 2) and y.tolist() == [0, 0, 0, 1, 1, 1, 1, 1]
    # noise=None draws nothing: only the shuffle touches the state
    np.random.seed(7)
    data.make_moons(20, noise=None)
    after = np.random.random()
    np.random.seed(7)
    np.random.permutation(20)
    assert np.random.random() == after


def test_make_moons_bad_input():
    with pytest.raises(ValueError, match=r"make_moons: n_samples must be >= 1, got 0"):
        data.make_moons(0)
    with pytest.raises(TypeError, match=r"make_moons: n_samples must be an integer, got 10.0"):
        data.make_moons(10.0)
    with pytest.raises(
        ValueError,
        match=r"make_moons: n_samples as a tuple must be "
        r"\(n_outer, n_inner\), got \(1, 2, 3\)",
    ):
        data.make_moons((1, 2, 3))
    with pytest.raises(ValueError, match=r"make_moons: n_samples\[1\] must be >= 0, got -1"):
        data.make_moons((3, -1))
    with pytest.raises(ValueError, match=r"make_moons: noise must be a finite number >= 0, got -1.0"):
        data.make_moons(10, noise=-1.0)
    with pytest.raises(
        TypeError,
        match=r"make_moons: random_state must be None, an int or a "
        r"numpy.random.RandomState, got 'a'",
    ):
        data.make_moons(10, random_state="a")
    with pytest.raises(
        ValueError,
        match=r"make_moons: random_state must be between 0 "
        r"and 2\*\*32 - 1, got -3",
    ):
        data.make_moons(10, random_state=-3)
    with pytest.raises(TypeError):
        data.make_moons(10, True)  # shuffle and the rest are keyword-only


def test_make_moons_equals_sklearn(restore_global_state):
    """Bit-for-bit comparison with scikit-learn itself, when it is installed."""
    sk_datasets = pytest.importorskip("sklearn.datasets")

    def run(fn, n_samples, shuffle, noise, random_state):
        np.random.seed(2024)
        rs = np.random.RandomState(99) if random_state == "state" else random_state
        X, y = fn(n_samples, shuffle=shuffle, noise=noise, random_state=rs)
        tail = rs.random_sample() if random_state == "state" else None
        return X, y, np.random.random(), tail

    cases = itertools.product([1, 2, 7, 100, 151, (4, 9)], [True, False], [None, 0.0, 0.25], [None, 0, 1337, "state"])
    for case in cases:
        X_ref, y_ref, g_ref, t_ref = run(sk_datasets.make_moons, *case)
        X, y, g, t = run(data.make_moons, *case)
        assert X.dtype == X_ref.dtype and y.dtype == y_ref.dtype, case
        assert np.array_equal(X, X_ref), case  # bit for bit
        assert np.array_equal(y, y_ref), case
        assert g == g_ref and t == t_ref, case  # same random state consumption


# ---------------------------------------------------------------------------
# module hygiene and doctests
# ---------------------------------------------------------------------------


def test_doctests_pass():
    names = [data.__name__] + [f"{data.__name__}.{p.stem}" for p in sorted(DATA_PATH.parent.glob("[!_]*.py"))]
    results = [doctest.testmod(importlib.import_module(n), optionflags=doctest.NORMALIZE_WHITESPACE) for n in names]
    assert sum(r.attempted for r in results) > 20
    assert sum(r.failed for r in results) == 0


def test_every_public_function_has_a_numpy_docstring_with_example():
    assert data.__doc__ and "Examples" in data.__doc__
    for name in data.__all__:
        obj = getattr(data, name)
        doc = obj.__doc__
        sections = ("Parameters", "Examples", ">>> ")
        if not isinstance(obj, type):  # a function also says what it returns
            sections += ("Returns",)
        for section in sections:
            assert section in doc, f"{name} docstring lacks {section!r}"


def test_module_imports_only_numpy_and_stdlib_and_never_prints():
    imported = set()
    # the dataset modules; loader.py (DataLoader, TensorDataset) makes Tensors, so it imports autograd too
    paths = [p for p in DATA_PATH.parent.glob("*.py") if p.name != "loader.py"]
    for node in (n for p in paths for n in ast.walk(ast.parse(p.read_text()))):
        if isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 1:  # a module of the package itself
                continue
            assert node.level == 0, "no relative imports from outside nn.data"
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "print"
    assert imported <= {"numpy", "math", "numbers", "__future__"}, imported
