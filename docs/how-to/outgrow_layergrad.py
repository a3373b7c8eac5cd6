"""When your model outgrows layergrad: prototype it here, train it with PyTorch's DDP, serve it with onnxruntime.

Run it with layergrad installed with its interop extra (``pip install layergrad[interop]``):

    python outgrow_layergrad.py

It prints what each step did and fails if the two training processes end with
different weights, if the loss does not go down, or if the served model
disagrees with PyTorch.  docs/how-to/outgrow-layergrad.md shows it step by step.
"""

import os
import socket
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

try:
    import nn
except ImportError:  # run from a checkout of layergrad that is not installed: use its packages
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import nn

WORLD_SIZE = 2  # processes; each would be a machine (or a GPU) in a real run
STEPS = 30


def prototype():
    """1. Prototype in layergrad: a small network on the circles, every stage visible."""
    X, y = nn.data.circles(400, noise=0.05, seed=0)
    model = nn.MLP(2, [16, 16, 1], activation="tanh", seed=0)
    history = nn.fit(model, X, y, epochs=30, progress=False)
    print(f"layergrad: accuracy after 30 epochs {history.accuracy[-1]:.2f}")
    return model, X, y


def export(model, X):
    """2. The same network in PyTorch: same weights, same outputs."""
    twin = nn.to_torch(model)
    same = np.allclose(twin(torch.from_numpy(X)).detach().numpy(), model(X).data, rtol=0, atol=1e-12)
    print(f"to_torch: {type(twin).__name__} of {len(twin)} modules, same outputs: {same}")
    assert same
    return twin


def train(rank, world_size, port, twin, X, y, folder):
    """3. Train with DistributedDataParallel: one process per rank, each on its own shard of the data."""
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)  # what torchrun would set
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    torch.manual_seed(0)
    ddp = DistributedDataParallel(twin)  # every rank starts from rank 0's weights
    opt = torch.optim.SGD(ddp.parameters(), lr=0.5)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    xs = torch.from_numpy(X[rank::world_size])  # this rank's shard
    ys = torch.from_numpy(y[rank::world_size]).to(xs.dtype).reshape(-1, 1)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_fn(ddp(xs), ys)
        loss.backward()  # DDP averages the gradients of all ranks here
        opt.step()
        mean = loss.detach().clone()
        dist.all_reduce(mean)  # the loss over all shards, for the log
        losses.append(mean.item() / world_size)
    torch.save({"state": twin.state_dict(), "losses": losses}, os.path.join(folder, f"rank{rank}.pt"))
    dist.destroy_process_group()


def free_port():
    """A TCP port no one listens on now, for the ranks to meet at."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train_distributed(twin, X, y):
    """Start the ranks, wait for them, and check that they agree; return the trained weights."""
    with tempfile.TemporaryDirectory() as folder:
        mp.spawn(train, args=(WORLD_SIZE, free_port(), twin, X, y, folder), nprocs=WORLD_SIZE, join=True)
        runs = [torch.load(os.path.join(folder, f"rank{r}.pt")) for r in range(WORLD_SIZE)]
    agree = all(torch.equal(a, b) for a, b in zip(runs[0]["state"].values(), runs[1]["state"].values()))
    first, last = runs[0]["losses"][0], runs[0]["losses"][-1]
    print(f"DDP: {WORLD_SIZE} processes, {STEPS} steps, loss {first:.4f} -> {last:.4f}, ranks agree: {agree}")
    assert agree and last < first
    return runs[0]["state"]


def serve(model, state, twin, X, y):
    """4. Back into layergrad to look at what was learned; 5. serve it with onnxruntime."""
    model.load_state_dict(state, layout="torch")
    print(f"back in layergrad: accuracy {nn.accuracy(model, X, y):.2f}")
    with tempfile.TemporaryDirectory() as folder:
        path = nn.export_onnx(model, os.path.join(folder, "circles.onnx"))
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    served = session.run(None, {"input": X})[0]
    twin.load_state_dict(state)
    gap = np.abs(served - twin(torch.from_numpy(X)).detach().numpy()).max()
    print(f"onnxruntime: {os.path.basename(path)}, largest difference from PyTorch {gap:.1e}")
    assert gap < 1e-12


if __name__ == "__main__":
    model, X, y = prototype()
    twin = export(model, X)
    state = train_distributed(twin, X, y)
    serve(model, state, twin, X, y)
