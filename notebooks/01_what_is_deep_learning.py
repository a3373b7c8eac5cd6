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
# # 1. What is deep learning, exactly?
#
# Four statements, each checked with code below:
#
# 1. A **classic model** (a linear classifier) looks at its input once: one weighted sum plus a bias, `y = w·x + b`.
# 2. A **deep model** looks at it in several stages. Each neuron does what the linear classifier does, and layers
#    of neurons are chained: input layer, hidden layers, output layer.
# 3. **Every stage is nonlinear.** After its weighted sum a neuron applies an activation function (step, ReLU,
#    sigmoid, tanh, ...). Without it, the chain of layers is again one linear map.
# 4. **Every layer learns its own representation** of the data, until the task becomes simple (ideally a straight
#    line separates the classes).
#
# The running example: two concentric circles. No straight line separates the inner disc from the ring around it.

# %%
import matplotlib.pyplot as plt
import numpy as np

import nn
from autograd import Tensor, Value, draw_graph
from nn import plot

# %% [markdown]
# ## The classic method: a linear classifier
#
# Take the dot product of a weight vector `w` with the input `x`, add a bias `b`, and read the class from the sign
# of that score. One step, one linear function.

# %%
w = np.array([1.5, -2.0])
b = 0.5
x = np.array([1.0, 0.25])
score = w @ x + b
print(f"w·x + b = {score}  ->  class {int(score > 0)}")

# %% [markdown]
# In layergrad the linear classifier is an `MLP` with no hidden layer: `MLP(2, [1])`. Give it the same weights and
# it computes the same number.

# %%
linear = nn.MLP(2, [1])
linear.set_weights([(w.reshape(2, 1), np.array([b]))])
print(linear(x.reshape(1, 2)).item())

# %% [markdown]
# ## The neuron
#
# A neuron is that linear classifier followed by an activation function. With ReLU (`max(0, ·)`):

# %%
neuron = nn.Neuron(2, activation="relu", weights=[1.5, -2.0], bias=0.5)
x0, x1 = Value(1.0, label="x0"), Value(0.25, label="x1")
out = neuron([x0, x1])
print(neuron, "->", out.data, "  by hand:", max(0.0, score))

# %% [markdown]
# Every operation the neuron performed was recorded, so we can look at it. The neuron's three stages are the dashed
# boxes: the **weighted sum** `w·x` (one multiply per input, then a sum), the **bias** `+ b`, and the **activation**.
# The yellow boxes are the parameters that training will adjust. After `backward()` each box also shows its
# gradient: how much the output would change per unit change of that number (notebook 2 explains how they are
# computed).

# %%
out.backward()
draw_graph(out, detail="scalar")

# %% [markdown]
# ## Activation functions
#
# The four classic ones, and their derivatives. The derivatives in the bottom row are not written by hand: each
# comes from the engine's `backward()`. (Each output element depends only on its own input, so the gradient of the
# sum is the elementwise derivative.)

# %%
xs = np.linspace(-4, 4, 401)
activations = [("step", nn.step), ("ReLU", nn.relu), ("sigmoid", nn.sigmoid), ("tanh", nn.tanh)]
fig, axes = plt.subplots(2, 4, figsize=(12, 4.6), sharex=True)
for col, (name, f) in enumerate(activations):
    t = Tensor(xs, requires_grad=True)
    y = f(t)
    y.sum().backward()
    axes[0, col].plot(xs, y.data)
    axes[0, col].set_title(name)
    axes[1, col].plot(xs, t.grad, color="C1")
    axes[1, col].set_xlabel("x")
axes[0, 0].set_ylabel("f(x)")
axes[1, 0].set_ylabel("f'(x), from backward()")
fig.tight_layout()

# %% [markdown]
# ## Why the step function cannot be trained by gradients
#
# The step fires 1 above its threshold and 0 below, like a biological neuron's all-or-nothing spike. But it is flat
# everywhere except at the jump, so its derivative is 0: a small change of a weight does not change the output at
# all, and gradient descent gets no signal.

# %%
step_neuron = nn.Neuron(2, activation="step", weights=[1.5, -2.0], bias=0.5)
out = step_neuron([1.0, 0.25])
out.backward()
print("output:", out.data)
print("gradient of the weights:", [wi.grad for wi in step_neuron.w], " of the bias:", step_neuron.b.grad)

# %% [markdown]
# The same happens inside a network. Train a net whose hidden layer uses the step: the hidden weights never move
# (every gradient that reaches them is 0), only the output layer learns, and the accuracy stays near chance.

# %%
X, y = nn.data.circles(300, noise=0.1, seed=0)
X_train, X_test, y_train, y_test = nn.data.split(X, y, test_fraction=0.25, seed=0)

step_net = nn.MLP(2, [16, 1], activation="step", seed=0)
W_before = step_net.layers[0].get_weights()[0].copy()
nn.fit(step_net, X_train, y_train, epochs=200, progress=False)
W_after = step_net.layers[0].get_weights()[0]
print("largest change of a hidden weight:", np.abs(W_after - W_before).max())
print("gradient reaching the hidden layer is all zero:", bool(np.all(step_net.layers[0].weight.grad == 0)))
print(f"test accuracy: {nn.accuracy(step_net, X_test, y_test):.1%}")

# %% [markdown]
# Sigmoid and tanh are smooth versions of the step, and ReLU is the simplest function that bends: all three have
# useful derivatives, so gradients can train them.
#
# ## Layers
#
# A layer is several neurons reading the same input. On the scalar engine (`Value`) it is literally a list of
# neurons; on the tensor engine the same layer is one matrix product, `relu(x @ W + b)`, for a whole batch at once.

# %%
layer = nn.Layer(2, 3, activation="relu", seed=0)
print(layer, "->", [round(v.data, 4) for v in layer([1.0, 0.5])])
dense = nn.Linear(2, 3, activation="relu", seed=0)
print(dense, "->", dense(np.array([[1.0, 0.5]])).data.round(4))

# %% [markdown]
# Same seed, same weights, same three numbers: two ways to write one layer. (Notebook 3 compares the two engines in
# detail.) A ReLU neuron whose weighted sum is negative outputs exactly 0: it is *off* for this input.

# %% [markdown]
# Chaining layers gives the deep network. Here: 2 inputs, two hidden layers of 8 ReLU neurons, 1 output. Each
# line of the diagram is one learned weight.

# %%
deep = nn.MLP(2, [8, 8, 1], activation="relu", seed=0)
nn.draw_network(deep)

# %% [markdown]
# The computation graph of the same network, for four input points, as the engine records it. Every operation is a
# node, grouped by the stage that made it: each layer is a box, and inside it the two processing steps of its
# neurons, the weighted sum `x W + b` and the activation. The input passes through three such stages before it
# becomes the output: that is what "deep" means.

# %%
draw_graph(deep(Tensor(X_train[:4])))

# %% [markdown]
# ## The circles experiment
#
# Three models, trained the same way (`nn.fit`: Adam, logistic loss, 300 full-batch epochs), judged on held-out
# points:
#
# - the linear classifier `MLP(2, [1])`;
# - the deep network `MLP(2, [8, 8, 1])` with ReLU;
# - the same deep network with the identity instead of ReLU ("no nonlinearity").

# %%
models = {
    "linear classifier": nn.MLP(2, [1], seed=0),
    "deep network (ReLU)": deep,
    "deep, no nonlinearity": nn.MLP(2, [8, 8, 1], activation="identity", seed=0),
}
print(f"{'model':<24}{'train':>8}{'test':>8}")
for name, model in models.items():
    nn.fit(model, X_train, y_train, epochs=300, progress=False)
    train_acc, test_acc = nn.accuracy(model, X_train, y_train), nn.accuracy(model, X_test, y_test)
    print(f"{name:<24}{train_acc:>8.1%}{test_acc:>8.1%}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 4.6))
for ax, (name, model) in zip(axes, models.items()):
    plot.decision_boundary(model, X, y, ax=ax, title=name, test=(X_test, y_test))
fig.tight_layout()

# %% [markdown]
# The linear classifier can only cut the plane with one straight line, so it gets only about 60 % of the points
# right, little better than the 50 % of guessing. The deep network with ReLU draws a closed boundary around the inner
# disc and gets them all. The deep network without nonlinearity does no better than the linear classifier, and
# draws the same kind of boundary, because its three layers multiply out to a single linear map:
# `((x W1 + b1) W2 + b2) W3 + b3` is `x W + b` with `W = W1 W2 W3` and `b = (b1 W2 + b2) W3 + b3`. The check below
# computes that one map and compares.

# %%
(W1, b1), (W2, b2), (W3, b3) = models["deep, no nonlinearity"].get_weights()
W_total, b_total = W1 @ W2 @ W3, (b1 @ W2 + b2) @ W3 + b3
collapsed = X_test @ W_total + b_total
print("one linear map, shape", W_total.shape)
three_layers = models["deep, no nonlinearity"](X_test).data
print("largest difference from the 3-layer net:", np.abs(three_layers - collapsed).max())

# %% [markdown]
# The same collapse, seen in pictures: a regular grid of the input plane, pushed through each layer of both deep
# networks (dark grey lines were horizontal, light grey ones vertical). The ReLU network bends and folds the grid;
# without a nonlinearity every layer only rotates, stretches and shifts it, so the lines stay straight and parallel
# all the way through.

# %%
plot.warped_grids({"deep network (ReLU)": deep, "deep, no nonlinearity": models["deep, no nonlinearity"]}, X)

# %% [markdown]
# ## What each layer learned
#
# Every small picture below is one neuron, coloured by its output over the input plane: blue positive, orange
# negative, light grey zero (the colour bar under each column gives the numbers). The first layer is shown in its
# two stages. Stage 1, the weighted sum `w·x + b`, is a flat ramp over the plane. Stage 2, ReLU, folds the ramp at
# zero: grey (off) on one side of a straight line, growing on the other. The second layer combines such half-planes
# into curved regions, and the output neuron's map carries the decision line, where its output is 0.

# %%
plot.neuron_maps(deep, X, y, resolution=80)

# %% [markdown]
# The same story as representations. Top row: the data as each layer describes it (two principal components of its
# neurons' outputs), with the best straight cut a linear classifier (a *probe*) finds in it. Bottom row: the grid of
# the input plane pushed through the network. The inner disc and the ring are pulled apart until a straight line
# separates them.

# %%
plot.layer_representations(deep, X, y)

# %% [markdown]
# A *linear probe* measures that: a linear classifier trained on each layer's output. On the raw input it does no
# better than the linear classifier above; after the hidden layers the classes are linearly separable. Notebook 4
# goes further.

# %%
plot.linear_probes(deep, X_train, y_train, test=(X_test, y_test))

# %% [markdown]
# ## Summary
#
# 1. The **linear classifier** computes one weighted sum, `w·x + b`: one straight line through the plane, about
#    60 % on the circles.
# 2. A **neuron** is that same weighted sum followed by an activation; a **layer** is several neurons reading the
#    same input; a **deep network** chains layers, so the input is processed in several stages.
# 3. The **nonlinearity** is what makes depth worth having: without it three layers are one linear map (checked
#    above to the last digit). The step function is nonlinear but has zero gradient everywhere, so gradient descent
#    cannot train it; ReLU, sigmoid and tanh can be trained.
# 4. Each layer **learns its own representation**: the linear probe goes from about 60 % on the input to 100 % after
#    the first hidden layer, because the network has re-described the points so that a straight line separates them.
#
# Every gradient used for training here came from layergrad's engine. Notebook 2 opens it up.

# %% [markdown]
# ## Play with it
#
# `nn.explore` trains a network while recording it and makes one interactive page of the run: a slider over the
# epochs moves the network (each neuron's map drawn inside it), the decision boundary, each layer's representation
# with its probe, and the curves; a second set of buttons steps through backpropagation of one sample, node by
# node, with the numbers `backward()` computed. Leave `explorer` alone as the last line of a cell to see the page
# here, or write it to one file with `explorer.save("explorer.html")` and open that in a browser.

# %%
explorer = nn.explore(nn.MLP(2, [8, 8, 1], seed=0), X_train, y_train, test=(X_test, y_test), epochs=150)
print(explorer)
