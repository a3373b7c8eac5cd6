"""layergrad's neural-network library, on both engines (``Value`` and ``Tensor``)."""

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

from . import data  # noqa: E402
