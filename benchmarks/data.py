"""Inputs shared by every implementation of a workload (same bits for all)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

MOONS_CSV = Path(__file__).with_name("moons_1337.csv")

# W1: micrograd's demo.
W1_SIZES = [2, 16, 16, 1]
W1_SEED = 1337
W1_ALPHA = 1e-4
W1_STEPS = 100
# The loss micrograd's demo notebook prints as "step 99 loss ...": the forward
# pass of the 100th iteration, i.e. after 99 SGD updates (see README).
W1_LOSS_STEP99 = 0.010978370135492717

# W2 / W3: tensor MLPs (float32).
W2 = dict(sizes=[2, 64, 64, 1], batch=64, loss="mse", lr=0.05, seed=2)
W3 = dict(sizes=[784, 512, 512, 10], batch=512, loss="ce", lr=0.01, seed=3)

# W4 / W4s / W5: chains.
CHAIN_N = 1000
CHAIN_MUL, CHAIN_ADD = 1.0001, 0.001
W5_N, W5_N_QUICK = 1_000_000, 100_000
W5_MUL, W5_X0 = 1.0000001, 0.5
W4S_X0 = 0.5
W4L_SIZE, W4L_N = 100_000, 100  # W4L: a shorter chain on a vector big enough for malloc to use fresh pages


def moons() -> tuple[np.ndarray, np.ndarray]:
    """micrograd's demo data: X float64 (100, 2) and y int64 in {-1, 1}.

    Same dtypes as the notebook's ``make_moons`` output after ``y*2 - 1``.
    """
    rows = [line.split(",") for line in MOONS_CSV.read_text().splitlines() if line and not line.startswith("#")][
        1:
    ]  # skip the header
    X = np.array([[float(a), float(b)] for a, b, _ in rows], dtype=np.float64)
    y = np.array([int(t) for _, _, t in rows], dtype=np.int64)
    return X, y


def moons_init_weights() -> list[list[list[float]]]:
    """Initial weights of micrograd's ``MLP(2, [16, 16, 1])`` after ``random.seed(1337)``.

    ``weights[layer][neuron]`` is that neuron's inputs' weights (biases start
    at 0).  The draws are made in the order micrograd's Neuron constructors
    make them: ``random.uniform(-1, 1)`` per input, layer by layer.  Python's
    global ``random`` state is saved and restored.
    """
    state = random.getstate()
    try:
        random.seed(W1_SEED)
        return [
            [[random.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)]
            for nin, nout in zip(W1_SIZES, W1_SIZES[1:])
        ]
    finally:
        random.setstate(state)


def mlp_problem(sizes, batch, loss, seed, **_) -> dict:
    """Random float32 batch and initial weights for the W2/W3 MLPs.

    Returns ``X`` (batch, sizes[0]), ``y`` (float32 (batch, 1) targets for
    ``mse``, int64 class labels for ``ce``) and ``params``: a list of
    ``(W, b)`` with ``W`` (fan_in, fan_out), about uniform in +-1/sqrt(fan_in).
    Every implementation copies these arrays, so all start from the same bits.

    The values are dyadic rationals (X: multiples of 1/4, W: of 1/256, each
    bias an odd multiple of half the finest step of its layer's products), so
    the hidden layers' pre-activations are exact in float32 whatever order a
    matmul sums in, and never exactly 0.  ReLU masks then agree between numpy,
    torch and layergrad, and the first step's gradients can be compared at
    1e-4: with arbitrary floats, a pre-activation within rounding error of 0
    (there are a few among W3's 500,000) flips a mask in one implementation
    and changes a whole column of the first layer's gradient.
    """
    rng = np.random.default_rng(seed)
    X = _dyadic(np.clip(rng.standard_normal((batch, sizes[0])), -4, 4), 2)
    if loss == "mse":
        y = (np.sin(2 * X[:, :1]) * np.cos(X[:, 1:2])).astype(np.float32)
    else:
        y = rng.integers(0, sizes[-1], size=batch, dtype=np.int64)
    params, frac = [], 2  # frac: fractional bits of the current layer's input
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        W = _dyadic(rng.uniform(-bound, bound, (fan_in, fan_out)), 8)
        frac += 8  # bits of x * w
        b = (2 * np.floor(rng.uniform(-bound, bound, fan_out) * 2**frac) + 1) / 2 ** (frac + 1)
        frac += 1
        params.append((W, b.astype(np.float32)))
    return {"X": X, "y": y, "params": params}


def _dyadic(a: np.ndarray, bits: int) -> np.ndarray:
    """``a`` rounded to a multiple of ``2**-bits``, as float32."""
    return (np.round(a * 2**bits) / 2**bits).astype(np.float32)


def w4_x0(size: int = 16) -> np.ndarray:
    """The float32 start vector of the W4 chain (16 elements; W4L: ``W4L_SIZE``)."""
    return np.random.default_rng(4).uniform(-1, 1, size).astype(np.float32)
