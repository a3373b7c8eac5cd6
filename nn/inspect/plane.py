"""The 2-D input plane: a grid over it, every neuron's output on it, and grid lines to bend."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..checks import check_inputs, check_int
from ..module import Module
from .stages import layer_outputs

__all__ = ["Grid", "grid", "neuron_outputs", "grid_lines"]


class Grid(NamedTuple):
    """A regular grid over the 2-D input plane.

    ``points[i * resolution + j] == (xs[j], ys[i])``, so the values of any
    function at ``points`` reshape to an image ``(resolution, resolution)``
    whose rows go up the plane.
    """

    xs: np.ndarray
    ys: np.ndarray
    points: np.ndarray
    extent: tuple[float, float, float, float]

    def image(self, values: Any) -> np.ndarray:
        """Reshape one value per point into a ``(len(ys), len(xs))`` image.

        Examples
        --------
        >>> g = grid(resolution=3)
        >>> g.image(g.points[:, 1])[:, 0].tolist()   # rows go up the plane
        [-2.0, 0.0, 2.0]
        """
        return np.asarray(values).reshape(len(self.ys), len(self.xs))


def grid(X: Any = None, resolution: int = 100, margin: float = 0.5, extent: Sequence[float] | None = None) -> Grid:
    """A ``resolution`` x ``resolution`` grid covering the data (plus ``margin``).

    Parameters
    ----------
    X : array_like of shape (N, 2), optional
        Data to cover; without it (and without ``extent``) the square
        [-1.5, 1.5]^2 plus the margin.
    resolution : int, default 100
        Points per side (at least 2).
    margin : float, default 0.5
        Added on every side.
    extent : (x_min, x_max, y_min, y_max), optional
        Use these bounds instead (no margin added).

    Returns
    -------
    Grid
        ``xs``, ``ys`` (each ``(resolution,)``), ``points`` ``(resolution**2, 2)``
        and ``extent``.

    Examples
    --------
    >>> g = grid(resolution=3, margin=0.5)
    >>> g.xs.tolist(), g.points.shape, g.extent
    ([-2.0, 0.0, 2.0], (9, 2), (-2.0, 2.0, -2.0, 2.0))
    >>> g.points[:3].tolist()
    [[-2.0, -2.0], [0.0, -2.0], [2.0, -2.0]]
    """
    resolution = check_int(resolution, "resolution", "grid", minimum=2)
    if extent is not None:
        x0, x1, y0, y1 = (float(v) for v in extent)
    else:
        if X is None:
            lo, hi = np.array([-1.5, -1.5]), np.array([1.5, 1.5])
        else:
            P = check_inputs(X, "grid")
            if P.shape[1] != 2:
                raise ValueError(f"grid: X must have 2 columns (points of the input plane), got shape {P.shape}")
            lo, hi = P.min(axis=0), P.max(axis=0)
        x0, y0 = (lo - float(margin)).tolist()
        x1, y1 = (hi + float(margin)).tolist()
    if not (x1 > x0 and y1 > y0):
        raise ValueError(f"grid: empty extent ({x0}, {x1}, {y0}, {y1})")
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    return Grid(xs, ys, np.column_stack([gx.ravel(), gy.ravel()]), (x0, x1, y0, y1))


def neuron_outputs(model: Module, grid_points: Any) -> OrderedDict[str, np.ndarray]:
    """Every neuron's output at each point: per layer an array ``(n_points, width)``.

    Column j of ``"layer i"`` is what neuron j of layer i computes, as a
    function of the input; over a :func:`grid` of the 2-D plane it is the
    neuron's map.

    Parameters
    ----------
    model : nn.Module
        Usually an :class:`nn.MLP` (a scalar-engine one is evaluated on its
        tensor twin).
    grid_points : array_like of shape (n_points, nin), or a Grid
        Where to evaluate.

    Returns
    -------
    OrderedDict of str to ndarray
        ``layer name -> (n_points, width)``, from the first layer to the output.

    Examples
    --------
    >>> import nn
    >>> net = nn.MLP(2, [4, 1], seed=0)
    >>> {k: v.shape for k, v in neuron_outputs(net, grid(resolution=5)).items()}
    {'layer 1': (25, 4), 'layer 2': (25, 1)}
    """
    pts = grid_points.points if isinstance(grid_points, Grid) else grid_points
    outs = layer_outputs(model, pts)
    outs.pop("input")
    return outs


def grid_lines(extent: Sequence[float], lines: int = 11, points: int = 60) -> np.ndarray:
    """Points along a regular set of horizontal and vertical lines of the plane.

    Used to show how each layer bends the input plane.

    Parameters
    ----------
    extent : (x_min, x_max, y_min, y_max)
        The area covered.
    lines : int, default 11
        Lines in each direction.
    points : int, default 60
        Points per line.

    Returns
    -------
    ndarray of shape (2 * lines, points, 2)
        The first ``lines`` lines are horizontal, the rest vertical.

    Examples
    --------
    >>> grid_lines((-1, 1, -1, 1), lines=3, points=4).shape
    (6, 4, 2)
    """
    x0, x1, y0, y1 = (float(v) for v in extent)
    t = np.linspace(0.0, 1.0, points)
    out = np.empty((2 * lines, points, 2))
    for i, c in enumerate(np.linspace(y0, y1, lines)):
        out[i, :, 0], out[i, :, 1] = x0 + (x1 - x0) * t, c
    for i, c in enumerate(np.linspace(x0, x1, lines)):
        out[lines + i, :, 0], out[lines + i, :, 1] = c, y0 + (y1 - y0) * t
    return out
