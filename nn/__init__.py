"""layergrad's neural-network library, on both engines (``Value`` and ``Tensor``).

A neuron does what a linear classifier does (a weighted sum plus a bias), then
a nonlinear activation; layers of neurons are chained, so the input passes
through several stages, each of which learns its own representation.

Examples
--------
>>> import numpy as np
>>> import nn
>>> net = nn.MLP(2, [8, 1], activation="relu", seed=0)
>>> net(np.zeros((5, 2))).shape
(5, 1)
"""

from pathlib import Path as _Path

import autograd as _autograd


def _check_autograd() -> None:
    """Fail clearly if ``import autograd`` found another package (HIPS autograd)."""
    ours = (_Path(__file__).resolve().parent.parent / "autograd").resolve()
    found = _Path(getattr(_autograd, "__file__", None) or "?").resolve().parent
    if found != ours:
        raise ImportError(
            f"layergrad's nn needs layergrad's autograd at {ours}, but 'import autograd' found {found}. "
            "Another package with the same import name (HIPS autograd, also pulled in by e.g. pymoo) "
            "shadows it. Use a dedicated virtual environment for layergrad, or `pip uninstall autograd` there."
        )


_check_autograd()

from . import (  # noqa: E402
    data,
    functional,
    init,
    inspect,
    losses,
    optim,
    plot,
    train,
    utils,
)
from .activations import (  # noqa: E402
    ACTIVATIONS,
    GELU,
    Activation,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softplus,
    Step,
    Tanh,
    gelu,
    get_activation,
    identity,
    leaky_relu,
    relu,
    sigmoid,
    softplus,
    step,
    tanh,
)
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential  # noqa: E402
from .draw import draw_network  # noqa: E402
from .dropout import Dropout  # noqa: E402
from .embedding import Embedding  # noqa: E402
from .explore import Explorer, explore  # noqa: E402
from .interop import export_onnx, from_torch, to_torch, torch_state_dict  # noqa: E402
from .io import load, save  # noqa: E402
from .layers import Layer, Linear, Neuron  # noqa: E402
from .losses import (  # noqa: E402
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
    bce_with_logits,
    cross_entropy,
    hinge_loss,
    l2_penalty,
    mse_loss,
)
from .mlp import MLP  # noqa: E402
from .module import Module  # noqa: E402
from .normalization import BatchNorm1d, LayerNorm  # noqa: E402
from .parameter import Parameter  # noqa: E402
from .reshaping import Flatten, LogSoftmax, Softmax  # noqa: E402
from .train import History, accuracy, fit, predict  # noqa: E402

__all__ = [
    "data",
    "Module",
    "Parameter",
    "ModuleList",
    "ModuleDict",
    "ParameterList",
    "ParameterDict",
    "Neuron",
    "Layer",
    "Linear",
    "Sequential",
    "Dropout",
    "LayerNorm",
    "BatchNorm1d",
    "Embedding",
    "Flatten",
    "Softmax",
    "LogSoftmax",
    "MLP",
    "Activation",
    "Identity",
    "Step",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "Softplus",
    "GELU",
    "identity",
    "step",
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "softplus",
    "gelu",
    "get_activation",
    "ACTIVATIONS",
    "save",
    "load",
    "draw_network",
    "to_torch",
    "from_torch",
    "torch_state_dict",
    "export_onnx",
    "explore",
    "Explorer",
    "losses",
    "functional",
    "init",
    "optim",
    "inspect",
    "plot",
    "train",
    "utils",
    "mse_loss",
    "hinge_loss",
    "bce_with_logits",
    "cross_entropy",
    "l2_penalty",
    "MSELoss",
    "L1Loss",
    "HuberLoss",
    "SmoothL1Loss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "fit",
    "predict",
    "accuracy",
    "History",
]
