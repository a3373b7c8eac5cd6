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
# # 2. The engine: values, the graph, and backward()
#
# Training a network means nudging every weight in the direction that lowers the loss, so we need the derivative
# of the loss with respect to every weight. layergrad gets them by *reverse-mode automatic differentiation*:
# every operation is recorded as a node of a graph, and `backward()` walks that graph from the output back to the
# inputs, applying the chain rule once per node.
#
# This notebook uses the scalar engine, `Value` (one number per node), where every step can be seen.

# %%
import numpy as np
from IPython.display import display

import nn
from autograd import GradcheckError, Tensor, Value, draw_dot, draw_graph, grad, gradcheck, stage, toposort
from nn.losses import bce_with_logits

# %% [markdown]
# ## Values and the graph
#
# A `Value` holds a number (`data`) and, after `backward()`, a gradient (`grad`). Every arithmetic operation on
# Values returns a new Value that remembers which operation made it and from which inputs (its *parents*).

# %%
a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
f = Value(-2.0, label="f")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
L = d * f
L.label = "L"
for node in (e, d, L):
    print(f"{node.label} = {node.data:5}   made by {node.op.name!r} from {[p.label for p in node.parents]}")

# %% [markdown]
# `draw_dot` draws that graph (micrograd's picture: every operation, with its data and gradient). The gradients are
# still 0: nothing has been differentiated yet.

# %%
draw_dot(L)

# %% [markdown]
# ## Backward by hand
#
# The chain rule, one node at a time, starting from `L = d * f` and going back:
#
# - `dL/dd = f` and `dL/df = d` (product rule);
# - `d = e + c`, and a sum passes its gradient through unchanged: `dL/de = dL/dc = dL/dd`;
# - `e = a * b`: `dL/da = dL/de * b` and `dL/db = dL/de * a`.

# %%
dL_dd = f.data
dL_df = d.data
dL_de = dL_dc = dL_dd
dL_da = dL_de * b.data
dL_db = dL_de * a.data
by_hand = {"a": dL_da, "b": dL_db, "c": dL_dc, "f": dL_df}
print(by_hand)

# %% [markdown]
# ## Backward with `backward()`
#
# `backward()` does exactly that. It orders the nodes so that every node comes after its inputs (a topological
# order), sets `L.grad = 1`, then visits the nodes in reverse order; each node multiplies its own gradient by its
# local derivatives (one row per operation in `autograd/ops.py`) and adds the results to its parents' gradients.

# %%
print("topological order:", [n.label for n in toposort(L)])
L.backward()
for leaf in (a, b, c, f):
    print(f"{leaf.label}: backward() {leaf.grad:5}   by hand {by_hand[leaf.label]:5}")

# %%
draw_dot(L)

# %% [markdown]
# ## The chain rule, node by node: `_backward()`
#
# `backward()` is a loop. Every node has a `_backward()` (micrograd's name for it) that applies the chain rule at
# that node once: it multiplies the node's own `grad` by the node's local derivatives and adds the results into its
# parents' `grad`. Calling it by hand, from the output back, shows the gradient flowing one node at a time. First
# all gradients are cleared and the output's is set to `dL/dL = 1`:

# %%
for node in toposort(L):
    node.grad = 0.0
L.grad = 1.0
L._backward()  # L = d * f: d gets f, f gets d
print(f"d.grad = {d.grad}, f.grad = {f.grad}")
draw_dot(L)

# %%
d._backward()  # d = e + c: a sum hands its gradient to both inputs unchanged
print(f"e.grad = {e.grad}, c.grad = {c.grad}")
draw_dot(L)

# %%
e._backward()  # e = a * b: a gets e.grad * b, b gets e.grad * a
print(f"a.grad = {a.grad}, b.grad = {b.grad}")
draw_dot(L)

# %% [markdown]
# The leaves now hold the same gradients as `backward()` gave (a leaf's `_backward()` does nothing: it has no
# parents). `backward()` does exactly this, for every node in reverse topological order.

# %%
for leaf in (a, b, c, f):
    leaf._backward()
    print(f"{leaf.label}: node by node {leaf.grad:5}   by hand {by_hand[leaf.label]:5}")

# %% [markdown]
# ## Gradients checked
#
# A derivative can also be estimated without any calculus: nudge one input by a tiny `h` both ways and look at how
# much the output moves (a *central difference*). Doing it for `a`:


# %%
def L_of(a_, b_=-3.0, c_=10.0, f_=-2.0):
    return (a_ * b_ + c_) * f_


h = 1e-6
print("numeric:", (L_of(2.0 + h) - L_of(2.0 - h)) / (2 * h), "  backward():", a.grad)

# %% [markdown]
# `gradcheck` does this for every element of every input and compares with `backward()`. It works on Values and on
# Tensors; for a non-scalar output it checks along a random direction, which covers the whole Jacobian at once.

# %%
rng = np.random.default_rng(0)
W = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
x = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
print("a small layer, tanh(x @ W):", gradcheck(lambda W, x: (x @ W).tanh(), W, x))
print("the expression above:", gradcheck(L_of, Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)))

# %% [markdown]
# `gradcheck` also shows where a derivative stops describing the function. Exactly at the step function's jump, the
# output changes by 1 over a distance of `2h`, while the step's derivative says 0:

# %%
try:
    gradcheck(lambda v: v.step(), Value(0.0))
except GradcheckError as err:
    print(err)

# %% [markdown]
# For functions of plain numbers there is also `grad`, which turns `f` into a function that returns `f'`:

# %%
cube_slope = grad(lambda x: x**3)
print("d/dx x^3 at x = 2:", cube_slope(2.0))

# %% [markdown]
# ## The graph of a network, at three detail levels
#
# Each module of `nn` tags the nodes it creates with a *stage*: the network, the layer, the neuron and the step
# inside it (weighted sum, bias, activation). `draw_graph` groups nodes by those stages, so the same graph can be
# drawn at different levels of detail.
#
# A small tanh network on the scalar engine, one input sample and a squared-error loss. The loss is a processing
# stage too: written by hand here, it runs in a `stage` of kind `"loss"` (nn's loss functions do that themselves),
# and is drawn in a box of its own. The network is called *before* the loss stage, so its layers are drawn as
# layers and its input as an input.

# %%
net = nn.MLP(2, [3, 2, 1], activation="tanh", engine="scalar", seed=0)
out = net([0.5, -1.0])[0]
with stage("loss", label="loss: squared error", kind="loss"):
    loss = (out - 1.0) ** 2
loss.backward()
print("loss", loss.data)

# %% [markdown]
# `detail="scalar"`: every multiply and add of every neuron, each with its value and gradient. Boxes are layers and
# neurons, in index order from the top; the dashed boxes inside a neuron are its three steps. The border and edge
# colour (light to dark purple, numbers in the legend) and width show the size of the gradient; hover over a node
# in the SVG for every detail.

# %%
draw_graph(loss, detail="scalar")

# %% [markdown]
# `detail="neuron"`: one node per neuron with what its activation gave (the rest, such as its weighted sum and
# gradients, is in the tooltip). A ReLU neuron that outputs 0 for this input says "ReLU off" and is drawn faded:
# its weights get no gradient from this sample.

# %%
draw_graph(loss, detail="neuron")

# %% [markdown]
# `detail="layer"`: one node per layer, with its neuron and parameter counts (its steps and operation counts are in
# the tooltip).

# %%
draw_graph(loss, detail="layer")

# %% [markdown]
# On the tensor engine one node already holds a whole layer's step for a whole batch (a matrix product, a bias
# added to every row, an activation), so the graph stays small however many samples flow through it. The same
# network, now on a batch of 8 samples with a logistic loss (again the model first, then the loss):

# %%
tensor_net = net.to_engine("tensor")
X = rng.normal(size=(8, 2))
y = (X[:, 0] * X[:, 1] > 0).astype(float)
logits = tensor_net(Tensor(X))
batch_loss = bce_with_logits(logits, y)  # nn's losses run in their own stage, "loss: binary cross-entropy"
batch_loss.backward()
draw_graph(batch_loss)

# %% [markdown]
# `detail="auto"` (the default) picks the level from the size the picture will have: the finest with at most 150
# nodes (60 at scalar detail, where every multiply is a box), so a picture stays readable and quick to render
# (`max_nodes`, 2000 by default, is the hard limit). One sample through `MLP(2, [16, 16, 1])` is 979 nodes at
# scalar detail, so the neuron level is chosen:

# %%
big = nn.MLP(2, [16, 16, 1], engine="scalar", seed=0)
big_out = big([0.5, -1.0])[0]
big_out.backward()
g = draw_graph(big_out)
print(repr(g), "  nodes at each level measured:", g.counts)
display(g)

# %% [markdown]
# Every `Graph` keeps its DOT text in `.source` (no Graphviz program needed for that), and can be written with
# `.save(path)` (DOT) or `.render(path, format="svg")` (a picture, which needs Graphviz's `dot`).
