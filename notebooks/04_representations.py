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
# # 4. Representations: what each layer learned
#
# Each layer re-describes its input: its neurons' outputs are new coordinates for every sample. Training chooses
# those coordinates so that, by the last layer, the task is simple. This notebook looks at them on three data sets
# (ending with one where you can watch the task get simpler layer after layer) with two tools:
#
# - `nn.inspect`: the numbers (activations of every layer, linear probes, gradient health, weight snapshots);
# - `nn.plot`: the pictures (neuron maps, layer representations, probe charts, training time-lapses).

# %%
import os
import tempfile

from IPython.display import Image, display

import nn
from nn import inspect, plot
from nn.losses import bce_with_logits

# %% [markdown]
# ## Circles
#
# The running example. A ReLU network with two hidden layers of 8 neurons, trained for 300 epochs; `snapshot_every`
# keeps a copy of the weights every 15 epochs, so we can look back at any of them later.

# %%
X, y = nn.data.circles(300, noise=0.1, seed=0)
X_train, X_test, y_train, y_test = nn.data.split(X, y, test_fraction=0.25, seed=0)
net = nn.MLP(2, [8, 8, 1], activation="relu", seed=0)
history = nn.fit(net, X_train, y_train, epochs=300, progress=False, snapshot_every=15)
print(history)
print("snapshots at epochs", history.snapshots.epochs)
print(f"test accuracy: {nn.accuracy(net, X_test, y_test):.1%}")

# %% [markdown]
# ### The numbers behind the pictures
#
# `inspect.layer_outputs` gives each layer's representation as a table: one row per sample, one column per neuron.
# The 2 input coordinates of a point become 8 numbers after layer 1, 8 others after layer 2, and 1 score at the
# end. Many entries are exactly 0: a ReLU neuron is off for the points on one side of its line.

# %%
outputs = inspect.layer_outputs(net, X)
for name, F in outputs.items():
    print(f"{name:<8} shape {str(F.shape):<9} zeros {(F == 0).mean():4.0%}   first point: {F[0].round(2)}")
print("label of the first point:", y[0])

# %% [markdown]
# ### Neuron maps
#
# One heat map per neuron over the input plane, columns = layers (blue positive, orange negative, light grey 0; the
# colour bar under a column gives its numbers). The first layer is drawn in its two stages: the weighted sum
# `w·x + b`, a flat ramp, then the ReLU, which folds the ramp at zero, so the neuron is off (grey) on one side of a
# straight line and grows linearly on the other. The second layer adds up such half-planes and bends them into
# closed regions; the output neuron separates the disc from the ring, along the drawn line where its output is 0.

# %%
plot.neuron_maps(net, X, y, resolution=80)

# %% [markdown]
# ### Layer representations
#
# Top row: every sample placed at its coordinates in each layer (the first two principal components when a layer
# has more than two neurons; a one-neuron layer along x, spread up and down at random), with the straight cut of a
# linear probe (see below) trained on that layer. Bottom row: the regular grid of the input plane, pushed through the
# network: each layer stretches and folds the plane until the two classes lie on opposite sides of a line.

# %%
plot.layer_representations(net, X, y)

# %% [markdown]
# ### Linear probes
#
# How linearly separable is each representation? A linear probe is a fresh linear classifier trained on a layer's
# output (on the training split) and scored on the test split. On the raw input it can do no better than a
# straight line through the circles. The output layer's bar is hatched: a probe on the output only has to copy the
# network's own decision, so it is trivially good.

# %%
probes = inspect.linear_probes(net, X_train, y_train, test=(X_test, y_test))
print("circles, linear probe accuracy:", ", ".join(f"{name} {acc:.1%}" for name, acc in probes.items()))
plot.linear_probes(probes=probes, title="circles: linear probes")

# %% [markdown]
# ### A training time-lapse
#
# `plot.animate` replays the snapshots as a GIF: the decision boundary at epoch 0, 15, 30, ... The file goes to a
# temporary folder here (deleted right after it is shown); pass any path you like.

# %%
with tempfile.TemporaryDirectory() as folder:
    gif = os.path.join(folder, "circles.gif")
    plot.animate(history, net, X, y, path=gif, resolution=50)
    print(f"{len(history.snapshots.epochs)} frames, {os.path.getsize(gif) // 1024} KiB")
    timelapse = Image(filename=gif)  # reads the file now
display(timelapse)

# %% [markdown]
# The snapshots also feed every other picture through `epoch=`. Here are the neurons early in training: the first
# layer's boundaries are still close to where the random initial weights put them.

# %%
plot.neuron_maps(net, X, y, resolution=40, epoch=15, snapshots=history.snapshots, title="epoch 15")

# %% [markdown]
# ## Gradient health
#
# Before training, do gradients reach every layer? `inspect.gradient_health` runs one forward and backward pass
# and reports per layer: the gradient norm, the relative size of one SGD step (`update_ratio`) and, for ReLU
# layers, the fraction of *dead* units (zero for every sample, so no gradient flows through them).
#
# Compare a deep stack of sigmoid layers with the same stack using ReLU. The sigmoid's derivative is at most 1/4,
# and the backward pass multiplies one such factor per layer, so the gradient shrinks on its way down to the first
# layers (the *vanishing gradient*). ReLU's derivative is 1 where the unit is on.

# %%
print(f"{'activation':<12}{'layer':<9}{'grad norm':>10}{'update ratio':>14}{'dead units':>12}")
for activation in ("sigmoid", "relu"):
    deep = nn.MLP(2, [16] * 6 + [1], activation=activation, seed=0)
    health = inspect.gradient_health(deep, X_train, y_train, bce_with_logits, lr=0.01)
    for layer, h in health.items():
        dead = "-" if h["dead_fraction"] is None else f"{h['dead_fraction']:.0%}"
        print(f"{activation:<12}{layer:<9}{h['grad_norm']:>10.1e}{h['update_ratio']:>14.1e}{dead:>12}")

# %% [markdown]
# The same numbers as a picture: gradient norm per layer (log scale), the update ratio against the band usually
# called healthy, and the dead units.

# %%
plot.gradient_health(
    health={
        activation: inspect.gradient_health(
            nn.MLP(2, [16] * 6 + [1], activation=activation, seed=0), X_train, y_train, bce_with_logits
        )
        for activation in ("sigmoid", "relu")
    },
    title="six hidden layers of 16, before training",
)

# %% [markdown]
# With sigmoid the first layer's gradient is thousands of times smaller than the last one's (the line falls
# towards the input side): the early layers would barely learn. With ReLU the gradients stay of similar size, but
# some units can be dead from the start.

# %% [markdown]
# ## XOR
#
# Four quadrants, labelled by whether the two coordinates have the same sign. A single line fails, two lines
# suffice. A tanh network with 4 hidden neurons:

# %%
X, y = nn.data.xor(300, noise=0.1, seed=0)
X_train, X_test, y_train, y_test = nn.data.split(X, y, test_fraction=0.25, seed=0)
xor_net = nn.MLP(2, [4, 1], activation="tanh", seed=0)
nn.fit(xor_net, X_train, y_train, epochs=300, progress=False)
print(f"test accuracy: {nn.accuracy(xor_net, X_test, y_test):.1%}")
plot.neuron_maps(xor_net, X, y, resolution=60)

# %% [markdown]
# Each hidden neuron draws one soft line across the plane (tanh is a smooth step from -1 to 1). In the hidden
# layer's coordinates the two classes land in separate groups, and the output neuron needs only a straight cut:

# %%
plot.layer_representations(xor_net, X, y)

# %%
probes = inspect.linear_probes(xor_net, X_train, y_train, test=(X_test, y_test))
print("xor, linear probe accuracy:", ", ".join(f"{name} {acc:.1%}" for name, acc in probes.items()))

# %% [markdown]
# On circles and XOR a single nonlinear layer already makes the task linear: the probes jump from chance to
# (nearly) 100 % at layer 1 and stay there. To watch a representation improve layer after layer, the task must be
# too hard for one layer of the network.
#
# ## Spiral: better layer after layer
#
# Three interleaved spiral arms: three classes, so the network has three outputs (one score per class, trained
# with cross-entropy). The network is deliberately narrow: four tanh layers of only 4 neurons each. No single layer
# can untangle the arms, so each one has to do part of the job. (This is the setting of the demo, `python -m
# nn.demo`, recorded in `nn.demo.LAYER_BY_LAYER`.)

# %%
X, y = nn.data.spiral(400, noise=0.05, seed=0, classes=3)
X_train, X_test, y_train, y_test = nn.data.split(X, y, test_fraction=0.25, seed=4)
spiral_net = nn.MLP(2, [4, 4, 4, 4, 3], activation="tanh", seed=4)
spiral_history = nn.fit(spiral_net, X_train, y_train, epochs=500, progress=False, seed=4)
print(f"test accuracy: {nn.accuracy(spiral_net, X_test, y_test):.1%}")
plot.decision_boundary(spiral_net, X, y, test=(X_test, y_test))

# %% [markdown]
# The linear probes, scored on the held-out points, now rise step by step: a straight cut through the raw input
# gets well under half of the points right (chance is a third), and every layer makes the classes more linearly
# separable, until the last hidden layer's representation is nearly as good as the network itself.

# %%
probes = inspect.linear_probes(spiral_net, X_train, y_train, test=(X_test, y_test))
print("spiral, linear probe accuracy:", " -> ".join(f"{acc:.0%}" for acc in probes.values()))
plot.linear_probes(probes=probes, chance=1 / 3, title="spiral: linear probes, layer by layer")

# %% [markdown]
# In pictures: each layer's representation (of the training points, in the plane its probe looks at) with each
# probe's straight cuts and its held-out accuracy (the numbers above), and below it the grid of the input plane,
# folded a little more by each layer. The arms that wind around each other in the input are pulled apart into three
# groups, one per side of the cuts.

# %%
plot.layer_representations(spiral_net, X_train, y_train, test=(X_test, y_test))

# %% [markdown]
# The neuron maps show the same from the input's point of view: the first layer's neurons are soft straight steps,
# and each later layer's regions follow the spiral more closely.

# %%
plot.neuron_maps(spiral_net, X, y, resolution=80)

# %%
plot.training_curves(spiral_history, title="spiral")

# %% [markdown]
# So the representations get better in stages: on an easy task one nonlinear layer is enough to make the classes
# linearly separable; on a harder one, with narrow layers, each layer re-describes the data a little better than
# the one before, until the last one hands the output layer a task a straight cut can solve.
