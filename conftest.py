"""Test isolation for everything pytest collects here, doctests in autograd/ and nn/ included."""

import pytest


@pytest.fixture(autouse=True)
def _no_hooks_left_behind():
    """Clear the hook table after each test: a hook left on a node would send every later backward the slow way."""
    yield
    from autograd.hooks import TABLE

    TABLE.clear()
