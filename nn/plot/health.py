"""Gradient health as a chart: per layer, how large the gradient is, how big a step is, how many units are dead."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import palette

from ..inspect.health import gradient_health as measure_health
from ..module import Module
from .figures import finish_figure, new_figure

__all__ = ["gradient_health", "HEALTHY_RATIO"]

#: the band of update ratios usually called healthy (one step changes a layer by about 0.01 % to 1 %)
HEALTHY_RATIO = (1e-4, 1e-2)
_MARKERS = ("o", "s", "^", "D", "v", "P")


def _runs(health: Any) -> list[tuple[str, Any]]:
    """``[(label, result)]`` from one result of :func:`nn.inspect.gradient_health` or a dict of them."""
    if not isinstance(health, dict) or not health:
        raise ValueError(f"gradient_health: health must be a non-empty dict, got {type(health).__name__}")
    first = next(iter(health.values()))
    if isinstance(first, dict) and "grad_norm" in first:
        return [("", health)]
    return [(str(k), v) for k, v in health.items()]


def gradient_health(
    model: Module | None = None,
    X: Any = None,
    y: Any = None,
    loss: Any = None,
    lr: float = 0.01,
    health: Any = None,
    title: str | None = None,
    path: Any = None,
    dpi: Any = None,
) -> Any:
    """Per layer: the gradient's size, the relative size of one step and the dead ReLU units.

    Left: each layer's gradient norm on a log scale, first layer on the
    left, so a gradient that vanishes on its way back down falls to the
    left.  Middle: the update ratio ``lr * |grad| / |weights|`` with the
    band usually called healthy (:data:`HEALTHY_RATIO`) shaded.  Right: the
    fraction of dead units of ReLU layers.  Gradient magnitude is drawn in
    the palette's purple (:data:`autograd.palette.GRADIENT_RAMP`), one shade
    and marker per model.

    Parameters
    ----------
    model, X, y, loss, lr
        As :func:`nn.inspect.gradient_health` (not needed with ``health``).
    health : dict, optional
        A result of :func:`nn.inspect.gradient_health`, or a dict
        ``{label: result}`` to compare several models.
    title : str, optional
        A title over the figure.
    path : str or path-like, optional
        Also save the figure there.
    dpi : float, optional
        Resolution when saving.

    Returns
    -------
    matplotlib.figure.Figure
        Three axes: gradient norm, update ratio, dead fraction.

    Examples
    --------
    >>> import nn
    >>> from nn.losses import bce_with_logits
    >>> X, y = nn.data.circles(64, seed=0)
    >>> fig = gradient_health(nn.MLP(2, [8, 8, 1], seed=0), X, y, bce_with_logits)
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['gradient norm', 'update ratio', 'units off (%)']
    """
    if health is None:
        if model is None or X is None or y is None or loss is None:
            raise ValueError("gradient_health: give model, X, y and loss, or health= from nn.inspect.gradient_health")
        health = measure_health(model, X, y, loss, lr=lr)
    runs = _runs(health)
    fig = new_figure(10.5, 3.4)
    axes = fig.subplots(1, 3)
    shades = [palette.GRADIENT_RAMP[-1 - (3 * i) % (len(palette.GRADIENT_RAMP) - 2)] for i in range(len(runs))]
    layers: list[str] = []
    for (label, result), colour, marker in zip(runs, shades, _MARKERS * len(runs)):
        names = list(result)
        layers = names if len(names) > len(layers) else layers
        x = np.arange(len(names))
        grad = [max(float(result[n]["grad_norm"]), 1e-30) for n in names]
        ratio = [max(float(result[n]["update_ratio"]), 1e-30) for n in names]
        axes[0].plot(x, grad, marker=marker, color=colour, label=label or None)
        axes[1].plot(x, ratio, marker=marker, color=colour, label=label or None)
        dead = [result[n]["dead_fraction"] for n in names]
        if any(d is not None for d in dead):
            axes[2].plot(x, [np.nan if d is None else 100 * d for d in dead], marker=marker, color=colour, label=label)
    for ax in axes:
        ax.set_xticks(range(len(layers)))
        ax.set_xticklabels(layers, fontsize=7, rotation=30 if len(layers) > 4 else 0)
        ax.set_xlabel("layer (input side → output side)", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("gradient norm")
    axes[0].set_title("how much gradient reaches each layer", fontsize=9)
    axes[1].set_yscale("log")
    axes[1].axhspan(*HEALTHY_RATIO, color=palette.ZERO, zorder=0)
    axes[1].text(0.02, 0.97, "shaded: usually healthy", transform=axes[1].transAxes, fontsize=7, va="top")
    axes[1].set_ylabel("update ratio")
    axes[1].set_title("one step, relative to the weights", fontsize=9)
    axes[2].set_ylim(-3, 103)
    axes[2].set_ylabel("units off (%)")
    axes[2].set_title("ReLU units off for every sample", fontsize=9)
    if not axes[2].lines:
        axes[2].text(0.5, 0.5, "no ReLU layer", transform=axes[2].transAxes, ha="center", va="center", fontsize=8)
    if any(label for label, _ in runs):
        axes[0].legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return finish_figure(fig, path, dpi)
