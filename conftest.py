"""Test isolation for everything pytest collects here, doctests in autograd/ and nn/ included."""

import pytest


@pytest.fixture(autouse=True)
def _no_hooks_left_behind():
    """Clear the hook table after each test: a hook left on a node would send every later backward the slow way."""
    yield
    from autograd.hooks import TABLE

    TABLE.clear()


def pytest_collection_modifyitems(config, items):
    """The examples of nn.interop use torch, onnx and onnxruntime: skipped, saying so, where one is missing."""
    import importlib.util

    missing = [p for p in ("torch", "onnx", "onnxruntime") if importlib.util.find_spec(p) is None]
    if not missing:
        return
    skip = pytest.mark.skip(reason=f"needs {', '.join(missing)}: pip install layergrad[interop]")
    needy = ("nn.interop.torch_twin", "nn.interop.onnx_export")
    for item in items:
        if type(item).__name__ == "DoctestItem" and item.name.startswith(needy):
            item.add_marker(skip)
