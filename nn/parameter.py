"""``Parameter``: a Tensor that a module owns and trains (PyTorch's ``nn.Parameter``).

Assigning a Parameter to an attribute of an :class:`nn.Module` registers it:
it appears in ``parameters()`` and ``state_dict()``, even while its
``requires_grad`` is False (a frozen weight is still a weight).  Operations on
a Parameter give plain Tensors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Node, Tensor

__all__ = ["Parameter", "is_parameter"]


class Parameter(Tensor):
    """A leaf Tensor that requires grad and registers itself when assigned to a module attribute.

    Parameters
    ----------
    data : Tensor, ndarray, nested list or number, optional
        The values.  A Tensor's or a float array's memory is shared, not
        copied (as PyTorch shares the storage); None gives an empty tensor.
    requires_grad : bool, default True
        Whether backward computes its gradient.

    Examples
    --------
    >>> import nn
    >>> from autograd import Tensor
    >>> class Scale(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.s = Parameter(Tensor([2.0]))
    ...     def forward(self, x):
    ...         return x * self.s
    >>> m = Scale()
    >>> [name for name, _ in m.named_parameters()], m.s.requires_grad
    (['s'], True)
    >>> type(m(Tensor([1.0])) ).__name__      # an op on a Parameter gives a Tensor
    'Tensor'
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0)
        elif isinstance(data, Node):
            if not isinstance(data, Tensor):
                raise TypeError(f"Parameter: expected a Tensor or array data, got a {type(data).__name__}")
            data = data.data  # shared: a Parameter made from a Tensor sees the same numbers
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


def is_parameter(x: Any) -> bool:
    """Whether a module registers ``x`` as a parameter: a :class:`Parameter`, or any leaf that requires grad.

    A leaf Value or Tensor made with ``requires_grad=True`` counts too (layergrad
    is more lenient than PyTorch here, so micrograd-style code works as is).

    Examples
    --------
    >>> from autograd import Tensor, Value
    >>> is_parameter(Parameter([1.0], requires_grad=False)), is_parameter(Value(1.0))
    (True, True)
    >>> is_parameter(Tensor([1.0])), is_parameter(Value(1.0) * 2)
    (False, False)
    """
    return isinstance(x, Parameter) or (isinstance(x, Node) and x._row is None and x.requires_grad)
