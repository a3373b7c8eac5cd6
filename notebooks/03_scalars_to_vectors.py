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
# # 3. From scalars to vectors
#
# layergrad has two engines that share one graph core and one table of derivative rules:
#
# - `Value`: one Python float per node. Every multiply and add of every neuron is its own node: slow, but nothing
#   is hidden.
# - `Tensor`: one numpy array per node. A whole layer, for a whole batch, is one matrix product: fast enough for
#   real data sets.
#
# This notebook checks that they compute the same thing, measures how different their speed is, and shows the one
# new idea the tensor engine needs: broadcasting.

# %%
import functools
import timeit

import matplotlib.pyplot as plt
import numpy as np

import nn
from autograd import Tensor, palette, toposort
from nn import plot
from nn.losses import bce_with_logits

# %% [markdown]
# ## The same network on both engines
#
# `to_engine` copies a network to the other engine with the same weights. On the tensor engine the network takes a
# batch `(N, 2)` and returns `(N, 1)`; on the scalar engine it takes one sample and returns a list of Values.

# %%
X, y = nn.data.circles(200, noise=0.1, seed=0)
tensor_net = nn.MLP(2, [8, 8, 1], activation="tanh", seed=0)
scalar_net = tensor_net.to_engine("scalar")
print(tensor_net)
print(scalar_net)

# %%
batch, labels = X[:6], y[:6]
from_tensor = tensor_net(Tensor(batch)).data[:, 0]
from_scalar = np.array([scalar_net(list(row))[0].data for row in batch])
print("tensor engine:", from_tensor.round(6))
print("scalar engine:", from_scalar.round(6))
print("largest difference:", np.abs(from_tensor - from_scalar).max())

# %% [markdown]
# The gradients agree too. The same loss (`bce_with_logits`) accepts the tensor engine's `(N, 1)` output or the
# scalar engine's list of per-sample outputs; after `backward()` we compare every layer's weight and bias gradients.
# On the scalar engine a layer's weights live in its neurons (`neuron.w`, `neuron.b`), so we line them up as a
# matrix with one column per neuron, like the tensor layer's `weight`.

# %%
tensor_loss = bce_with_logits(tensor_net(Tensor(batch)), labels)
scalar_loss = bce_with_logits([scalar_net(list(row)) for row in batch], labels)
tensor_loss.backward()
scalar_loss.backward()
print(f"loss: tensor {tensor_loss.data:.15f}  scalar {scalar_loss.data:.15f}")
for t_layer, s_layer in zip(tensor_net.layers, scalar_net.layers):
    dW = np.array([[neuron.w[i].grad for neuron in s_layer.neurons] for i in range(s_layer.nin)])
    db = np.array([neuron.b.grad for neuron in s_layer.neurons])
    diff = max(np.abs(t_layer.weight.grad - dW).max(), np.abs(t_layer.bias.grad - db).max())
    print(f"{t_layer.name}: weight grad {t_layer.weight.grad.shape}, largest difference {diff:.1e}")

# %% [markdown]
# The differences are at the level of floating-point rounding (about 1e-16): the two engines add the same numbers
# in a slightly different order.
#
# ## Speed
#
# One training step (forward, loss, backward) of `MLP(2, [16, 16, 1])` for a batch of N samples. The scalar engine
# builds a node for every operation of every sample, so its graph and its time grow with N; the tensor engine's
# graph has the same 21 nodes for any N, and numpy does the arithmetic.


# %%
def tensor_step(net, Xb, yb):
    """Forward, loss and backward for a whole batch at once."""
    net.zero_grad()
    loss = bce_with_logits(net(Tensor(Xb)), yb)
    loss.backward()
    return loss


def scalar_step(net, Xb, yb):
    """The same on the scalar engine: every sample goes through the network on its own."""
    net.zero_grad()
    loss = bce_with_logits([net(list(row)) for row in Xb], yb)
    loss.backward()
    return loss


net = nn.MLP(2, [16, 16, 1], seed=0)
twin = net.to_engine("scalar")
sizes = (4, 16, 64, 200)
nodes = {"tensor": [], "scalar": []}
ms = {"tensor": [], "scalar": []}
print(f"{'N':>4}{'tensor nodes':>14}{'scalar nodes':>14}{'tensor ms':>11}{'scalar ms':>11}{'ratio':>8}")
for n in sizes:
    Xb, yb = X[:n], y[:n]
    for engine, model, step in (("tensor", net, tensor_step), ("scalar", twin, scalar_step)):
        run = functools.partial(step, model, Xb, yb)
        ms[engine].append(1e3 * min(timeit.repeat(run, number=1, repeat=3)))
        nodes[engine].append(len(toposort(run())))
    ratio = ms["scalar"][-1] / ms["tensor"][-1]
    print(
        f"{n:>4}{nodes['tensor'][-1]:>14}{nodes['scalar'][-1]:>14}{ms['tensor'][-1]:>11.2f}{ms['scalar'][-1]:>11.2f}{ratio:>7.0f}x"
    )

fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
for engine, style in (("tensor", "-"), ("scalar", "--")):
    axes[0].plot(sizes, nodes[engine], style, marker="o", color=palette.LINE, label=f"{engine} engine")
    axes[1].plot(sizes, ms[engine], style, marker="o", color=palette.LINE, label=f"{engine} engine")
for ax, what in zip(axes, ("nodes in the graph", "ms per training step")):
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("batch size N")
    ax.set_ylabel(what)
    ax.legend(fontsize=8)
axes[0].set_title("graph size: flat for tensors, growing with N for scalars", fontsize=9)
axes[1].set_title("time of one step (forward, loss, backward)", fontsize=9)
fig.tight_layout()

# %% [markdown]
# The tensor engine's time hardly changes with N; the scalar engine's grows with it, one node per operation per
# sample. That is why the other notebooks train on the tensor engine and use the scalar engine to look inside.

# %% [markdown]
# ## Training on both engines
#
# The agreement holds for whole training runs, too. `nn.fit` trains either engine (the same default optimiser,
# Adam, and the same logistic loss); starting from the same weights, both follow the same path:

# %%
tensor_net = nn.MLP(2, [8, 8, 1], activation="tanh", seed=0)
scalar_net = tensor_net.to_engine("scalar")
tensor_history = nn.fit(tensor_net, X, y, epochs=20, progress=False)
scalar_history = nn.fit(scalar_net, X, y, epochs=20, progress=False)
print("tensor engine:", tensor_history)
print("scalar engine:", scalar_history)
for epoch in (0, 9, 19):
    print(f"epoch {epoch + 1:>2}: loss {tensor_history.loss[epoch]:.15f} vs {scalar_history.loss[epoch]:.15f}")
loss_gap = max(abs(a - b) for a, b in zip(tensor_history.loss, scalar_history.loss))
weight_gap = max(
    np.abs(t - s).max()
    for t_layer, s_layer in zip(tensor_net.get_weights(), scalar_net.get_weights())
    for t, s in zip(t_layer, s_layer)
)
print(f"largest difference over 20 epochs: loss {loss_gap:.1e}, final weights {weight_gap:.1e}")
plot.training_curves({"tensor engine": tensor_history, "scalar engine": scalar_history}, title="one curve, drawn twice")

# %% [markdown]
# The two curves lie on top of each other (the dashed scalar curve over the solid tensor one): the same training run,
# on two engines.

# %% [markdown]
# ## Broadcasting
#
# On the tensor engine a layer computes `x @ W + b` for a batch: `x @ W` has shape `(N, nout)` and the bias `b` has
# shape `(nout,)`. numpy *broadcasts* `b`: it is added to every row, as if copied N times.
#
# What does that mean for the gradient? Each copy of `b` receives the gradient of its row, and since they are all
# the same `b`, the gradients add up: `b.grad` is the row gradients summed over the batch. The engine does this
# sum for every broadcast operation, so each gradient always has the shape of its tensor.

# %%
x = Tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
b = Tensor(np.zeros(3), requires_grad=True)
out = x + b
print("x", x.shape, "+ b", b.shape, "->", out.shape)
out.sum().backward()
print("b.grad =", b.grad, " (each entry of b was used in 4 rows)")
print("x.grad shape:", x.grad.shape)

# %% [markdown]
# The same rule covers every broadcast: a column `(4, 1)` times a row `(1, 3)` gives a `(4, 3)` table, and each
# factor's gradient is summed over the axis it was stretched along.

# %%
col = Tensor(np.arange(4.0).reshape(4, 1), requires_grad=True)
row = Tensor(np.array([[1.0, 2.0, 3.0]]), requires_grad=True)
table = col * row
print(table.data)
table.sum().backward()
print("col.grad", col.grad.ravel(), "= sum of row:", row.data.sum())
print("row.grad", row.grad.ravel(), "= sum of col:", col.data.sum())

# %% [markdown]
# In a picture: the table `col * row`, and each factor's gradient beside it, the sum of the table's row (or column)
# of ones it was stretched along.

# %%
fig, axes = plt.subplots(1, 3, figsize=(5.6, 2.6), gridspec_kw={"width_ratios": [3, 1, 3]})
shown = ((table.data, "table = col * row  (4, 3)"), (col.grad, "col.grad  (4, 1)"), (row.grad, "row.grad  (1, 3)"))
for ax, (values, name) in zip(axes, shown):
    ax.imshow(values, cmap=plot.signed_cmap(), vmin=-12, vmax=12)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=9)
    ax.set_title(name, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()

# %% [markdown]
# The scalar engine needs no broadcasting: a neuron's bias is one `Value`, added once per sample, and its gradient
# accumulates over those additions. That is why the bias gradients above agree across the two engines.
