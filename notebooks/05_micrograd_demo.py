# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5. micrograd's demo on layergrad
#
# [micrograd](https://github.com/karpathy/micrograd) is the tiny scalar autodiff engine that layergrad's `Value`
# engine is modelled on. Its demo trains a small network on the two-moons data set with a max-margin loss and plain
# SGD, and prints the loss of every step.
#
# This notebook runs that demo, written in micrograd's style and with micrograd's API, on layergrad. Only the
# imports change:
#
# ```python
# from micrograd.engine import Value   ->   from autograd import Value
# from micrograd.nn import MLP         ->   from nn.micrograd import MLP
# ```
#
# With the same seeds it prints the same numbers as micrograd's own run of the demo, to the last bit. Then the trained
# model is looked at with layergrad's pictures (`nn.plot`, `draw_graph`), and, when micrograd itself is installed,
# both engines run side by side.

# %%
import random
import time

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

import nn
from autograd import Value, draw_graph, palette
from nn.data import make_moons
from nn.micrograd import MLP

# %% [markdown]
# ## The data
#
# micrograd's demo takes its moons from scikit-learn's `make_moons`. layergrad has its own `nn.data.make_moons`,
# written to draw the same random numbers in the same order, so after `np.random.seed(1337)` it returns the very
# same 100 points, without needing scikit-learn. The labels become -1 and +1, as the max-margin loss wants.

# %%
np.random.seed(1337)
random.seed(1337)

X, y = make_moons(n_samples=100, noise=0.1)
y = y * 2 - 1
print("X", X.shape, " labels", sorted(set(y.tolist())))
print("first point", X[0], "label", y[0])

classes = ListedColormap([palette.NEGATIVE, palette.POSITIVE])  # layergrad's colours: -1 orange, +1 blue
plt.figure(figsize=(4.5, 4.5))
plt.scatter(X[:, 0], X[:, 1], c=y, s=20, cmap=classes, edgecolors="white", linewidths=0.4)
plt.title("two moons, 100 points")
plt.show()

# %% [markdown]
# ## The model
#
# Two hidden layers of 16 ReLU neurons and one linear output: 337 parameters. As in micrograd, the weights are drawn
# from Python's `random` (uniform in [-1, 1]) and the biases start at 0, which is why `random.seed(1337)` above
# matters.

# %%
model = MLP(2, [16, 16, 1])
print(model)
print("number of parameters", len(model.parameters()))

# %% [markdown]
# ## The loss
#
# Each input row becomes a list of two `Value`s and goes through the network on its own; the score's sign is the
# predicted class. The *max-margin* (hinge) loss of one sample is `relu(1 - y * score)`: zero once the sample sits
# on the correct side with a margin of at least 1, growing linearly otherwise. The data loss is the mean over the
# samples, plus a small L2 penalty `alpha * sum(p * p)` that keeps the weights small.


# %%
def loss():
    """The regularised max-margin loss over all 100 points, and the accuracy."""
    inputs = [list(map(Value, row)) for row in X]
    scores = list(map(model, inputs))  # one Value per sample

    margins = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(margins) * (1.0 / len(margins))
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss

    correct = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    return total_loss, sum(correct) / len(correct)


total_loss, acc = loss()
print(f"before training: loss {total_loss.data:.4f}, accuracy {acc:.0%}")
print("the loss is a Value:", total_loss)

# %% [markdown]
# ## Training: 100 steps of gradient descent
#
# Each step: the loss on all 100 points, `zero_grad()` (gradients accumulate, so they must be reset), `backward()`,
# then every parameter takes a step against its gradient. The learning rate decays from 1.0 to 0.1. micrograd's demo
# prints a line per step; here every step's loss and accuracy are kept and drawn below.

# %%
start = time.perf_counter()
history = {"loss": [], "accuracy": []}
for k in range(100):
    total_loss, acc = loss()  # forward

    model.zero_grad()  # reset the accumulated gradients
    total_loss.backward()  # backward

    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():  # one SGD step
        p.data -= learning_rate * p.grad

    history["loss"].append(total_loss.data)
    history["accuracy"].append(acc)
layergrad_seconds = time.perf_counter() - start
print(f"step {k} loss {total_loss.data}, accuracy {acc * 100}%")
print(f"100 steps in {layergrad_seconds:.1f} s")
nn.plot.training_curves(history, title="micrograd's demo on layergrad's Value: 100 steps")

# %% [markdown]
# The loss falls fast for about 20 steps, while the accuracy climbs to 100 %; the rest polishes the margins.
#
# micrograd's own run of this demo ends with `step 99 loss 0.010978370135492717, accuracy 100.0%`. layergrad's
# `Value` does the same floating-point operations in the same order, so it ends on the same number, not just a close
# one:

# %%
micrograd_final_loss = 0.010978370135492717
print(f"layergrad {total_loss.data!r}\nmicrograd {micrograd_final_loss!r}")
assert abs(total_loss.data - micrograd_final_loss) < 1e-12
assert acc == 1.0

# %% [markdown]
# ## The decision boundary
#
# Score every point of a grid over the plane and colour it by the sign of the score. micrograd's demo scores a grid
# with step 0.25 one `Value` at a time, which draws the boundary as a staircase of squares; `nn.plot`'s helper
# scores a 100 × 100 grid in one go (it runs the trained weights on the tensor engine) and draws the line where the
# score is 0. The network has drawn a curved boundary between the moons from ReLU pieces: straight segments joined
# at kinks. (The helper names the classes 0 and 1: here class 0 is the label -1.)

# %%
nn.plot.decision_boundary(
    model, X, (y > 0).astype(int), resolution=100, margin=1.0, title="decision boundary after 100 steps"
)

# %% [markdown]
# ## The same model, seen with layergrad's tools
#
# `nn.micrograd.MLP` is a thin layer over layergrad's own `nn.MLP`, so the trained model also works with `nn.plot`
# and `nn.inspect`. Here each neuron's output over the plane (blue positive, orange negative, grey zero): the first
# layer's weighted sums are flat ramps, its ReLUs fold them along straight lines, the second layer combines them, and
# the output neuron is positive on one moon and negative on the other, with the decision line where it is 0.

# %%
nn.plot.neuron_maps(model, X, y, resolution=40, max_rows=8)

# %% [markdown]
# And the computation graph of one sample's score, one node per neuron (`detail="neuron"`): 33 neurons instead of
# the several hundred multiplies and adds they are made of. A faded, dashed neuron says "ReLU off": its weighted
# sum is negative for this sample, so it outputs 0 and its weights get no gradient from it.

# %%
one_score = model([Value(x) for x in X[0]])
model.zero_grad()  # the gradients of this one score only, not those left from training
one_score.backward()
draw_graph(one_score, detail="neuron")

# %% [markdown]
# ## Side by side with micrograd
#
# If micrograd is installed (`pip install micrograd`), run a few steps of the same demo on both engines, from the
# same seeds, and time them. (Without micrograd this part is skipped.)


# %%
def demo_steps(value_class, mlp_class, steps):
    """The demo above for `steps` steps, on the given engine's classes; returns the losses and the seconds."""
    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    model = mlp_class(2, [16, 16, 1])
    losses, start = [], time.perf_counter()
    for k in range(steps):
        scores = list(map(model, [list(map(value_class, row)) for row in X]))
        data_loss = sum((1 + -yi * si).relu() for yi, si in zip(y, scores)) * (1.0 / len(scores))
        total_loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        losses.append(float(total_loss.data))
    return losses, time.perf_counter() - start


try:
    import micrograd.engine
    import micrograd.nn
except ImportError:
    micrograd = None
    print("micrograd is not installed: the side-by-side run is skipped (pip install micrograd to see it)")

if micrograd is not None:
    steps = 3
    mg_losses, mg_seconds = demo_steps(micrograd.engine.Value, micrograd.nn.MLP, steps)
    lg_losses, lg_seconds = demo_steps(Value, MLP, steps)
    print(f"{'step':>4}  {'micrograd loss':<22}{'layergrad loss':<22}difference")
    for k, (a, b) in enumerate(zip(mg_losses, lg_losses)):
        print(f"{k:>4}  {a!r:<22}{b!r:<22}{abs(a - b):.1e}")
    print(f"\nseconds per step: micrograd {mg_seconds / steps:.3f}, layergrad {lg_seconds / steps:.3f}")
    print(f"layergrad is {mg_seconds / lg_seconds:.0f} times faster here")
    assert max(abs(a - b) for a, b in zip(mg_losses, lg_losses)) < 1e-12

# %% [markdown]
# The losses agree to about 15 digits, and sometimes to all 17. Why not always? A parameter's gradient is a sum of
# many contributions (one per sample that used it), and floating-point addition depends on the order:
# `(a + b) + c` and `a + (b + c)` can differ in the last bit. micrograd stores each node's inputs in a Python `set`,
# whose order follows where the objects happen to sit in memory, so its order of addition (and its last digit) can
# change from run to run. layergrad walks the graph in a fixed order (the order in which each operation received its
# inputs), so the same program always gives the same bits: it reproduces micrograd's published run exactly, every
# time.
#
# The speed difference has nothing to do with the arithmetic, which is the same. It is bookkeeping: how each engine
# finds the order of the nodes for `backward()` and how much Python work it does per node.
#
# Beyond that, layergrad's `Value` records which neuron, layer and step created every node (the boxes in the graph
# above), and the same graph core, with one backward loop and one table of derivative rules, also runs the tensor
# engine of notebook 3.
