"""PyTorch parity of layergrad's nn side: the same float64 programs in both, compared step by step.

Run with a Python that has torch and numpy (layergrad's own venv does not need torch)::

    PYTHONPATH=. /path/to/torch-venv/bin/python scripts/torch_parity.py

Each case builds a model in layergrad and in torch, copies the weights in
(``Linear.weight`` is stored (in, out) here and (out, in) in torch), trains
both for many steps and returns the largest absolute difference of the losses
and the final parameters.  ``tests/nn/test_torch_parity.py`` runs the cases
when torch is installed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import nn
from autograd import Tensor
from nn.optim import lr_scheduler as lg_sched

torch.set_default_dtype(torch.float64)
tnn = torch.nn
tsched = torch.optim.lr_scheduler

CASES: dict[str, Callable[[], float]] = {}


def case(fn: Callable[[], float]) -> Callable[[], float]:
    CASES[fn.__name__] = fn
    return fn


def linear_weights(ours: Any) -> set[str]:
    """The state names of our Linear layers' weights: stored (in, out) here, (out, in) in torch."""
    return {f"{n}.weight" if n else "weight" for n, m in ours.named_modules() if isinstance(m, nn.Linear)}


def copy_weights(ours: Any, theirs: Any) -> None:
    """Copy torch's parameters and buffers into ours, in state_dict order (transposing Linear weights)."""
    mine, tstate, flip = ours.state_dict(), theirs.state_dict(), linear_weights(ours)
    assert list(mine) == list(tstate), (list(mine), list(tstate))
    ours.load_state_dict({k: v.detach().numpy().T if k in flip else v.detach().numpy() for k, v in tstate.items()})


def max_diff(ours: Any, theirs: Any) -> float:
    """The largest absolute difference between the two models' saved states."""
    mine, flip = ours.state_dict(), linear_weights(ours)
    out = 0.0
    for k, v in theirs.state_dict().items():
        t = v.detach().numpy().astype(np.float64)
        m = mine[k].T if k in flip else mine[k]
        out = max(out, float(np.max(np.abs(m - t))) if t.size else 0.0)
    return out


def data(n: int = 32, nin: int = 4, k: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, nin)), rng.normal(size=(n, k)), rng.integers(0, k, size=n)


class OurNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = [nn.Linear(4, 8), nn.Linear(8, 8)]
        self.heads = {"out": nn.Linear(8, 3)}

    def forward(self, x: Any) -> Any:
        for b in self.blocks:
            x = b(x).tanh()
        return self.heads["out"](x)


class TheirNet(tnn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = tnn.ModuleList([tnn.Linear(4, 8), tnn.Linear(8, 8)])
        self.heads = tnn.ModuleDict({"out": tnn.Linear(8, 3)})

    def forward(self, x: Any) -> Any:
        for b in self.blocks:
            x = b(x).tanh()
        return self.heads["out"](x)


def train_pair(
    make_opt: Callable[[Any, Any], tuple[Any, Any]],
    steps: int = 60,
    clip: float | None = None,
    swap: bool = False,
) -> float:
    """Train OurNet and TheirNet with MSE; return the largest difference in losses and final weights."""
    torch.manual_seed(0)
    theirs, ours = TheirNet(), OurNet()
    if swap:  # a layer replaced after construction must be trained
        theirs.blocks[1] = tnn.Linear(8, 8)
        ours.blocks[1] = nn.Linear(8, 8)
        theirs.blocks.append(tnn.Linear(8, 8))
        ours.blocks.append(nn.Linear(8, 8))
    copy_weights(ours, theirs)
    X, Y, _ = data()
    (opt, sched), (topt, tsch) = make_opt(ours, "ours"), make_opt(theirs, "theirs")
    worst = 0.0
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.MSELoss()(ours(Tensor(X)), Tensor(Y)) if hasattr(nn, "MSELoss") else nn.mse_loss(ours(X), Y)
        loss.backward()
        topt.zero_grad()
        tloss = tnn.functional.mse_loss(theirs(torch.tensor(X)), torch.tensor(Y))
        tloss.backward()
        if clip is not None:
            n1 = float(nn.utils.clip_grad_norm_(ours.parameters(), clip))
            n2 = float(torch.nn.utils.clip_grad_norm_(theirs.parameters(), clip))
            worst = max(worst, abs(n1 - n2))
        opt.step()
        topt.step()
        if sched is not None:
            if isinstance(sched, lg_sched.ReduceLROnPlateau):
                sched.step(loss.item())
                tsch.step(tloss.item())
            else:
                sched.step()
                tsch.step()
            worst = max(worst, abs(opt.param_groups[0]["lr"] - topt.param_groups[0]["lr"]))
        worst = max(worst, abs(loss.item() - tloss.item()))
    return max(worst, max_diff(ours, theirs))


def groups(model: Any, which: str, **extra: Any) -> list[dict[str, Any]]:
    """Two parameter groups: the heads with their own lr and weight decay."""
    head = list(model.heads.parameters())
    ids = {id(p) for p in head}
    rest = [p for p in model.parameters() if id(p) not in ids]
    return [{"params": rest}, {"params": head, "lr": 0.02, "weight_decay": 0.01, **extra}]


def optimiser_case(name: str, kwargs: dict[str, Any], sched: tuple[str, dict[str, Any]] | None = None, **kw: Any):
    def make(model: Any, which: str) -> tuple[Any, Any]:
        lib = nn.optim if which == "ours" else torch.optim
        opt = getattr(lib, name)(groups(model, which), **kwargs)
        if sched is None:
            return opt, None
        slib = lg_sched if which == "ours" else tsched
        return opt, getattr(slib, sched[0])(opt, **sched[1])

    return lambda: train_pair(make, **kw)


OPTIMISERS = {
    "sgd": ("SGD", {"lr": 0.05}),
    "sgd_momentum_dampening": ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 1e-3}),
    "sgd_nesterov": ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    "adam": ("Adam", {"lr": 0.01}),
    "adam_amsgrad_wd": ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05}),
    "adamw": ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    "rmsprop": ("RMSprop", {"lr": 0.005}),
    "rmsprop_centered_momentum": ("RMSprop", {"lr": 0.002, "momentum": 0.9, "centered": True, "weight_decay": 0.01}),
    "adagrad": ("Adagrad", {"lr": 0.05, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
}
for _key, (_name, _kw) in OPTIMISERS.items():
    CASES[f"optim_{_key}"] = optimiser_case(_name, _kw)

SCHEDULES = {
    "step": ("StepLR", {"step_size": 7, "gamma": 0.5}),
    "multistep": ("MultiStepLR", {"milestones": [5, 5, 20], "gamma": 0.7}),
    "exponential": ("ExponentialLR", {"gamma": 0.95}),
    "cosine": ("CosineAnnealingLR", {"T_max": 13, "eta_min": 0.001}),
    "linear_defaults": ("LinearLR", {}),
    "linear": ("LinearLR", {"start_factor": 0.5, "end_factor": 0.1, "total_iters": 30}),
    "lambda": ("LambdaLR", {"lr_lambda": lambda e: 1.0 / (1 + e)}),
    "plateau": ("ReduceLROnPlateau", {"patience": 2, "factor": 0.5, "threshold": 0.05, "cooldown": 1}),
}
for _key, _sched in SCHEDULES.items():
    CASES[f"sched_{_key}"] = optimiser_case("SGD", {"lr": 0.05, "momentum": 0.5}, _sched)

CASES["clip_grad_norm"] = optimiser_case("SGD", {"lr": 0.5}, clip=0.5)
CASES["swapped_layers_train"] = optimiser_case("Adam", {"lr": 0.01}, swap=True)


def loss_pair(ours: Callable[..., Any], theirs: Callable[..., Any], shape: tuple[int, ...], target: Any) -> float:
    """One loss call in both libraries on the same inputs: the largest difference of value and gradient."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape) * 2
    a, b = Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)
    la, lb = ours(a, target), theirs(b, torch.tensor(target))
    la.sum().backward()
    lb.sum().backward()
    return max(float(np.max(np.abs(la.data - lb.detach().numpy()))), float(np.max(np.abs(a.grad - b.grad.numpy()))))


def loss_cases() -> None:
    F = tnn.functional
    rng = np.random.default_rng(2)
    real, prob = rng.normal(size=(6, 3)), rng.uniform(size=(6, 3))
    labels = rng.integers(0, 4, size=6)
    ignored = labels.copy()
    ignored[[1, 4]] = -100
    w4 = np.array([0.5, 1.0, 2.0, 0.25])
    probs4 = rng.dirichlet(np.ones(4), size=6)
    table = {
        "mse": (nn.MSELoss, F.mse_loss, (6, 3), real, {}),
        "l1": (nn.L1Loss, F.l1_loss, (6, 3), real, {}),
        "huber": (nn.HuberLoss, F.huber_loss, (6, 3), real, {"delta": 0.7}),
        "smooth_l1": (nn.SmoothL1Loss, F.smooth_l1_loss, (6, 3), real, {"beta": 0.5}),
        "bce_with_logits": (nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits, (6, 3), prob, {}),
        "bce_pos_weight": (
            nn.BCEWithLogitsLoss,
            F.binary_cross_entropy_with_logits,
            (6, 3),
            prob,
            {"pos_weight": np.array([1.0, 2.0, 0.5]), "weight": np.array([0.3, 1.0, 2.0])},
        ),
        "cross_entropy": (nn.CrossEntropyLoss, F.cross_entropy, (6, 4), labels, {}),
        "cross_entropy_smooth_weight_ignore": (
            nn.CrossEntropyLoss,
            F.cross_entropy,
            (6, 4),
            ignored,
            {"label_smoothing": 0.15, "weight": w4, "ignore_index": -100},
        ),
        "cross_entropy_probabilities": (nn.CrossEntropyLoss, F.cross_entropy, (6, 4), probs4, {"label_smoothing": 0.1}),
        "nll": (nn.NLLLoss, F.nll_loss, (6, 4), ignored, {"weight": w4}),
    }
    for key, (cls, fn, shape, target, kw) in table.items():
        for reduction in ("mean", "sum", "none"):
            tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}

            def run(ours=cls, theirs=fn, shape=shape, target=target, kw=kw, tkw=tkw, reduction=reduction):
                return loss_pair(
                    lambda a, t: ours(**kw, reduction=reduction)(a, t),
                    lambda b, t: theirs(b, t, **tkw, reduction=reduction),
                    shape,
                    target,
                )

            CASES[f"loss_{key}_{reduction}"] = run

    def bce(reduction: str = "mean") -> float:
        p = 1 / (1 + np.exp(-np.random.default_rng(3).normal(size=(5, 2))))
        a, b = Tensor(p.copy(), requires_grad=True), torch.tensor(p, requires_grad=True)
        t = (p > 0.4).astype(float)
        la, lb = nn.BCELoss(reduction=reduction)(a, t), F.binary_cross_entropy(b, torch.tensor(t), reduction=reduction)
        la.sum().backward()
        lb.sum().backward()
        return max(float(np.max(np.abs(la.data - lb.detach().numpy()))), float(np.max(np.abs(a.grad - b.grad.numpy()))))

    for reduction in ("mean", "sum", "none"):
        CASES[f"loss_bce_{reduction}"] = lambda reduction=reduction: bce(reduction)


loss_cases()


class OurSeq(nn.Module):
    def __init__(self, momentum: Any = 0.1) -> None:
        super().__init__()
        self.emb = nn.Embedding(10, 4, padding_idx=0)
        self.flat = nn.Flatten()
        self.blocks = [nn.Linear(8, 16), nn.Linear(16, 16)]
        self.norms = {"bn": nn.BatchNorm1d(16, momentum=momentum), "ln": nn.LayerNorm(16)}
        self.drop = nn.Dropout(0.3)
        self.head = nn.Linear(16, 3)
        self.out = nn.LogSoftmax(dim=1)

    def forward(self, idx: Any) -> Any:
        x = self.flat(self.emb(idx))
        x = nn.functional.relu(self.blocks[0](x))
        x = self.norms["bn"](x)
        x = self.norms["ln"](self.blocks[1](x)).tanh()
        return self.out(self.head(self.drop(x)))


class TheirSeq(tnn.Module):
    def __init__(self, momentum: Any = 0.1) -> None:
        super().__init__()
        self.emb = tnn.Embedding(10, 4, padding_idx=0)
        self.flat = tnn.Flatten()
        self.blocks = tnn.ModuleList([tnn.Linear(8, 16), tnn.Linear(16, 16)])
        self.norms = tnn.ModuleDict({"bn": tnn.BatchNorm1d(16, momentum=momentum), "ln": tnn.LayerNorm(16)})
        self.drop = tnn.Dropout(0.3)
        self.head = tnn.Linear(16, 3)
        self.out = tnn.LogSoftmax(dim=1)

    def forward(self, idx: Any) -> Any:
        x = self.flat(self.emb(idx))
        x = tnn.functional.relu(self.blocks[0](x))
        x = self.norms["bn"](x)
        x = self.norms["ln"](self.blocks[1](x)).tanh()
        return self.out(self.head(self.drop(x)))


def layers_program(momentum: Any = 0.1, steps: int = 40) -> float:
    """Embedding, Flatten, ModuleList/ModuleDict, BatchNorm1d, LayerNorm, LogSoftmax + NLLLoss, Adam, cosine, clipping.

    Dropout is switched off (p=0) while training, since the two libraries draw different masks, and is
    exercised in evaluation mode at the end together with BatchNorm's running statistics.
    """
    torch.manual_seed(1)
    theirs, ours = TheirSeq(momentum), OurSeq(momentum)
    with torch.no_grad():
        for lin in list(theirs.blocks) + [theirs.head]:
            lin.bias.normal_()
        theirs.norms["ln"].weight.normal_()
        theirs.norms["bn"].bias.normal_()
    copy_weights(ours, theirs)
    theirs.drop.p, ours.drop.p = 0.0, 0.0
    rng = np.random.default_rng(5)
    idx = rng.integers(0, 10, size=(24, 2))
    y = rng.integers(0, 3, size=24)
    opt, topt = nn.optim.Adam(ours.parameters(), lr=0.02), torch.optim.Adam(theirs.parameters(), lr=0.02)
    sch, tsch = lg_sched.CosineAnnealingLR(opt, T_max=15), tsched.CosineAnnealingLR(topt, T_max=15)
    worst = 0.0
    for step in range(steps):
        batch = slice(8 * (step % 3), 8 * (step % 3) + 8)
        opt.zero_grad()
        loss = nn.NLLLoss()(ours(idx[batch]), y[batch])
        loss.backward()
        nn.utils.clip_grad_norm_(ours.parameters(), 1.0)
        opt.step()
        sch.step()
        topt.zero_grad()
        tloss = tnn.NLLLoss()(theirs(torch.tensor(idx[batch])), torch.tensor(y[batch]))
        tloss.backward()
        torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0)
        topt.step()
        tsch.step()
        worst = max(worst, abs(loss.item() - tloss.item()))
    theirs.drop.p, ours.drop.p = 0.3, 0.3
    ours.eval()
    theirs.eval()
    out, tout = ours(idx).data, theirs(torch.tensor(idx)).detach().numpy()
    return max(worst, float(np.max(np.abs(out - tout))), max_diff(ours, theirs))


CASES["layers_program"] = layers_program
CASES["layers_program_cumulative_batchnorm"] = lambda: layers_program(momentum=None)


def batchnorm_3d() -> float:
    """BatchNorm1d on (N, C, L) inputs, its gradients and running statistics over a few steps."""
    bn, tbn = nn.BatchNorm1d(3, momentum=0.3), tnn.BatchNorm1d(3, momentum=0.3)
    worst = 0.0
    rng = np.random.default_rng(6)
    for _ in range(4):
        x = rng.normal(size=(5, 3, 4)) * 3 + 1
        a, b = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        oa, ob = bn(a), tbn(b)
        (oa * oa * oa).sum().backward()
        (ob * ob * ob).sum().backward()
        worst = max(worst, float(np.max(np.abs(oa.data - ob.detach().numpy()))))
        worst = max(worst, float(np.max(np.abs(a.grad - b.grad.numpy()))))
    bn.eval()
    tbn.eval()
    x = rng.normal(size=(2, 3, 4))
    worst = max(worst, float(np.max(np.abs(bn(Tensor(x)).data - tbn(torch.tensor(x)).detach().numpy()))))
    return max(worst, max_diff(bn, tbn))


CASES["batchnorm_3d"] = batchnorm_3d


def fit_with_loader() -> float:
    """nn.fit on a DataLoader (in order) against torch's own loop over the same batches, 5 epochs."""
    torch.manual_seed(2)
    theirs, ours = TheirNet(), OurNet()
    copy_weights(ours, theirs)
    X, Y, _ = data(n=30)
    loader = nn.data.DataLoader(nn.data.TensorDataset(X, Y), batch_size=8)
    opt = nn.optim.SGD(ours.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    nn.fit(ours, loader, loss=nn.HuberLoss(delta=0.5), optimizer=opt, epochs=5, progress=False)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    tdata = torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(Y))
    tloader = torch.utils.data.DataLoader(tdata, batch_size=8)
    for _ in range(5):
        for xb, yb in tloader:
            topt.zero_grad()
            tnn.HuberLoss(delta=0.5)(theirs(xb), yb).backward()
            topt.step()
    return max_diff(ours, theirs)


CASES["fit_with_loader"] = fit_with_loader


def main() -> int:
    width = max(map(len, CASES))
    worst = 0.0
    for name, fn in CASES.items():
        d = fn()
        worst = max(worst, d)
        print(f"{name:<{width}}  max abs diff {d:.2e}")
    print(f"{'all':<{width}}  max abs diff {worst:.2e}")
    return 0 if worst < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
