"""Moving models to and from PyTorch and ONNX, the engines built for scale.

:func:`to_torch` and :func:`from_torch` convert between a layergrad model and
an equivalent ``torch.nn.Module``; :func:`torch_state_dict` gives a model's
numbers under PyTorch's names; :func:`export_onnx` writes an ONNX file.  The
packages they need (torch, onnx, onnxruntime) are imported only when called:
``pip install layergrad[interop]``.
"""

from .layout import layergrad_state, torch_plan
from .onnx_export import export_onnx
from .torch_twin import from_torch, to_torch, torch_state_dict

__all__ = ["to_torch", "from_torch", "torch_state_dict", "export_onnx", "torch_plan", "layergrad_state"]
