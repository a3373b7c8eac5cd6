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
# # 6. Curvature: gradients of gradients
#
# The gradient says which way is downhill. The *second* derivative says how the slope itself changes: whether the
# ground curves up (a valley), down (a hilltop) or not at all, and how sharply. For many inputs these second
# derivatives form a matrix, the **Hessian**. It tells how large a step gradient descent can take, and Newton's
# method uses it to jump to the bottom of a valley.
#
# layergrad computes second derivatives with the same derivative rules as first ones: asked to
# (`create_graph=True`), the backward pass runs each rule on graph nodes instead of numbers, so the backward pass is
# itself recorded as a graph, which `backward()` can go through again.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
from autograd import Tensor, Value, draw_graph, grad, hessian, stage
from nn.data import xor

# %% [markdown]
# ## The second derivative of a one-variable function, as a graph
#
# Take $f(x) = x \tanh(x)$. Its first derivative is $\tanh x + x(1 - \tanh^2 x)$; the second one is
# $2(1 - \tanh^2 x)(1 - x \tanh x)$. The forward pass runs in a stage called "f", so the drawing can tell its
# nodes from those of the backward pass.

# %%
x = Value(0.8, label="x")
with stage("f"):
    y = x * x.tanh()
    y.label = "y"
(dy,) = ag.grad(y, x, create_graph=True)  # dy/dx, as a graph of Values
dy.label = "dy/dx"
dy.backward()  # differentiate that graph once more: x.grad is now f''(x)
t = np.tanh(0.8)
print(f"f'(0.8)  = {dy.data:.6f}   formula {t + 0.8 * (1 - t * t):.6f}")
print(f"f''(0.8) = {x.grad:.6f}   formula {2 * (1 - t * t) * (1 - 0.8 * t):.6f}")

# %% [markdown]
# The graph of `dy/dx` holds the part of the forward pass it needs (the box "f") and the backward pass that
# differentiated it (the box "f (backward)": each node there was made by the derivative rule of a node in "f"),
# starting from the seed $dy/dy = 1$. `tanh`'s rule, `g * (1 - out * out)`, appears as nodes: it uses the forward
# result `out`, which is why the second derivative can flow back through it.
#
# `ag.grad` returns gradients without storing them (like `torch.autograd.grad`), so the first pass left every
# `.grad` at 0. The second pass above used `dy.backward()`, which does store them: each node's "grad" in the picture
# is how much `dy/dx` changes with that node, and the input's, `x.grad`, is the second derivative $f''(0.8)$.

# %%
draw_graph(dy, detail="scalar")

# %% [markdown]
# The function transform `grad` composes to any order: `grad(grad(f))` is the second derivative, and so on.

# %%
f = lambda v: v * v.tanh()
print([round(g(0.8), 6) for g in (grad(f), grad(grad(f)), grad(grad(grad(f))))])

# %% [markdown]
# ## Newton's method and gradient descent in a 2-D bowl
#
# A bowl that is steep in one direction and shallow in another (tilted by 45°, with a little quartic term so that it
# is not exactly quadratic). Gradient descent has to take steps small enough for the steep direction, so it
# zig-zags across the valley and crawls along it. Newton's method divides the gradient by the curvature,
# $w \leftarrow w - H^{-1} \nabla f$, which rescales every direction to the same speed.

# %%
R = np.array([[1.0, -1.0], [1.0, 1.0]]) / np.sqrt(2)
A = R @ np.diag([20.0, 1.0]) @ R.T  # curvatures 20 and 1


def bowl(w):
    return 0.5 * (w * (Tensor(A) @ w)).sum() + 0.05 * ((w * w).sum() ** 2)


start = np.array([-2.0, 1.5])
paths = {}
for method in ("gradient descent", "Newton"):
    w = start.copy()
    path = [w.copy()]
    for _ in range(1000):
        g = grad(bowl)(w)
        if np.linalg.norm(g) < 1e-8:
            break
        if method == "Newton":
            w = w - np.linalg.solve(hessian(bowl)(w), g)
        else:
            w = w - 0.09 * g  # just under 2 / (largest curvature): any larger and it diverges
        path.append(w.copy())
    paths[method] = np.array(path)
    print(f"{method:17s} {len(path) - 1:4d} steps, final loss {bowl(Tensor(w)).item():.2e}")

# %%
grid = np.linspace(-2.5, 2.5, 121)
Z = np.array([[bowl(Tensor(np.array([a, b]))).item() for a in grid] for b in grid])
fig, ax = plt.subplots(figsize=(5.5, 5))
ax.contour(grid, grid, Z, levels=np.geomspace(0.02, Z.max(), 18), colors="0.75", linewidths=0.8)
for (method, path), style in zip(paths.items(), ("o-", "s-")):
    ax.plot(path[:, 0], path[:, 1], style, ms=3, lw=1, label=f"{method} ({len(path) - 1} steps)")
ax.set_aspect("equal")
ax.legend(loc="lower right")
ax.set_title("the same bowl, two ways down")
plt.show()

# %% [markdown]
# Newton's method needs the Hessian at every step (here 2×2; for a network with $n$ weights it is $n \times n$,
# which is why deep learning mostly uses gradient descent, and *Hessian-vector products* such as
# `ag.hvp` when it needs curvature: they cost about two backward passes and never form the matrix).

# %% [markdown]
# ## The Hessian of a tiny network's loss
#
# A network 2 → 3 → 1 (tanh hidden units) has 13 weights. Written as a function of one vector `theta` holding all of
# them, `hessian` gives the 13 × 13 matrix of second derivatives of its loss on the XOR data. Its eigenvalues say how
# the loss curves along 13 perpendicular directions in weight space.

# %%
X, labels = xor(n=40, noise=0.1, seed=0)
target = (2.0 * labels - 1.0).reshape(-1, 1)


def loss_of(theta):
    W1, b1 = theta[0:6].reshape(2, 3), theta[6:9]
    W2, b2 = theta[9:12].reshape(3, 1), theta[12:13]
    out = (Tensor(X) @ W1 + b1).tanh() @ W2 + b2
    return ((out - Tensor(target)) ** 2).mean()


theta = np.random.default_rng(1).normal(0.0, 0.5, 13)
eig_start = np.linalg.eigvalsh(hessian(loss_of)(theta))
for _ in range(3000):
    theta = theta - 0.2 * grad(loss_of)(theta)
eig_end = np.linalg.eigvalsh(hessian(loss_of)(theta))
print(f"loss after training {loss_of(Tensor(theta)).item():.4f}")
print("eigenvalues at the start:", np.round(eig_start, 3))
print("eigenvalues after training:", np.round(eig_end, 3))

# %%
fig, ax = plt.subplots(figsize=(8, 3.2))
ax.axhline(0, color="0.6", lw=0.8)
ax.plot(np.arange(13) - 0.1, eig_start, "o", label="random start")
ax.plot(np.arange(13) + 0.1, eig_end, "s", label="after training")
ax.set_yscale("symlog", linthresh=1e-3)
ax.set_xlabel("eigenvalue, smallest to largest")
ax.set_ylabel("curvature")
ax.legend()
plt.show()

# %% [markdown]
# What the eigenvalues say:
#
# - **Negative eigenvalues** at the random start: along those directions the loss curves *down*, so the start is
#   not at the bottom of a bowl: the loss surface of a network is not convex.
# - **After training**, the eigenvalues are (nearly) all positive: gradient descent has settled at a minimum, a
#   valley floor. Eigenvalues close to zero are flat directions, along which the weights can move without changing
#   the loss much (a network has such symmetries: its hidden units can be swapped, for one).
# - **The largest eigenvalue** limits the learning rate: gradient descent on a valley of curvature $\lambda$
#   overshoots, and then diverges, once the step size passes $2 / \lambda$.

# %%
lam = eig_end[-1]
print(f"largest curvature {lam:.3f}: gradient descent is stable here for learning rates below {2 / lam:.3f}")
